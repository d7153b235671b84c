#!/bin/bash
# dashboard.sh - the live dashboard on real servers, driven through tmux: a
# primary and two streaming standbys; a standby stopped (shown down, in red,
# an event logged) and started again (streaming, without restarting the
# dashboard); resizing (80x24, "terminal too small" at 60x20, back);
# --no-color; a frozen standby (SIGSTOP): keys still answered within 500 ms
# (a ceiling for a loaded machine: a UI thread blocked on the frozen node
# would wait for its connection deadline, seconds)
# and the node shown as not answering, back once thawed.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/dashboard.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"

# ---------------------------------------------------------------------------
# the command line, no server needed
out=$("$PGREPLICA" dashboard --help 2>&1)
is "$?" 0 "dashboard --help exits 0"
like "$out" "--readonly" "dashboard --help describes --readonly"
out=$("$PGREPLICA" dashboard --bogus 2>&1)
is "$?" 2 "dashboard --bogus exits 2"
like "$out" 'unknown option "--bogus"' "an unknown option is named"
out=$("$PGREPLICA" -c "$FX_DIR/none.conf" dashboard </dev/null 2>&1)
is "$?" 2 "dashboard without a terminal exits 2"

# ---------------------------------------------------------------------------
# a primary and two standbys, each on its own slot
fx_host pg1
ok "initdb on pg1" fx_pg_init pg1 || bail_out "cannot make the primary"
ok "start pg1" fx_pg_start pg1 || bail_out "cannot start the primary"
for s in s1 s2; do
	ok "pg_basebackup makes $s" fx_pg_make_standby "$s" pg1 -C -S "$s" ||
		bail_out "cannot make $s"
	ok "start $s" fx_pg_start "$s" || bail_out "cannot start $s"
	ok "$s streams" fx_wait_streaming pg1 "$s" || bail_out "$s does not stream"
done
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 s1 s2

# the rows: "M NAME ROLE STATE ..." (M: ! bad, ~ warning)
row()
{
	printf '^%s %-8s %-7s %s' "$1" "$2" "$3" "$4"
}

tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard
ok "the header names the cluster and its primary" \
	tui_wait dash 'cluster: fx +primary: pg1 +refresh: 1\.0 s'
ok "pg1 is the writable primary" tui_wait dash "$(row ' ' pg1 primary writable)"
ok "s1 is shown streaming" tui_wait dash "$(row ' ' s1 standby streaming)"
ok "s2 is shown streaming" tui_wait dash "$(row ' ' s2 standby streaming)"
ok "the slots pane lists s1's slot, active, used by s1" \
	tui_wait dash '^  s1 +active +[0-9.]+ [kMG]?B +s1'
ok "the key bar offers the actions" tui_wait dash 'PPromote.*DDrop slot'
tui_keys dash j
ok "the selected standby's WAL pipeline and lag sparkline" \
	tui_wait dash 'lag \(bytes\) [0-9.]+ [kMG]?B'
diag "the screen:"
tui_screen dash | while IFS= read -r l; do diag "  | $l"; done
tui_keys dash k
# colours: streaming in green (SGR 32)
like "$(tui_tmux capture-pane -e -p -t dash)" $'\e\\[3[2]m' "streaming rows are green"

# ---------------------------------------------------------------------------
# a standby stopped, then started again
ok "stop s1" fx_pg_stop s1 fast
ok "s1 is shown down, marked" tui_wait dash "$(row '!' s1 standby down)"
ok "the event log says s1 is down" tui_wait dash '[0-9:]{8} s1 is down'
like "$(tui_tmux capture-pane -e -p -t dash)" $'\e\\[3[1]m' "a down row is red"
ok "start s1" fx_pg_start s1
ok "s1 streams again, the dashboard still running" \
	tui_wait dash "$(row ' ' s1 standby streaming)"
ok "the event log says s1 is up" tui_wait dash '[0-9:]{8} s1 is up'
ok "and streaming" tui_wait dash '[0-9:]{8} s1 is streaming from pg1'

# ---------------------------------------------------------------------------
# navigation, help, event log, interval, pause
tui_keys dash j
ok "Down/j selects s1: its WAL pipeline is shown" tui_wait dash 'WAL pipeline of s1 from pg1'
tui_keys dash +
ok "+ slows the refresh to 2 s" tui_wait dash 'refresh: 2\.0 s'
tui_keys dash - -
ok "- - brings it to 0.5 s" tui_wait dash 'refresh: 0\.5 s'
tui_keys dash Space
ok "Space pauses" tui_wait dash 'PAUSED'
tui_keys dash Space
ok "Space resumes" tui_wait_gone dash 'PAUSED'
tui_keys dash F1
ok "F1 opens the help" tui_wait dash 'keys \(any key to go back\)'
tui_keys dash x
ok "a key goes back" tui_wait dash 'WAL pipeline of s1'
# every key is bound from the one table, aliases too (left out of the
# help): h opens it
tui_keys dash h
ok "h opens the help too" tui_wait dash 'keys \(any key to go back\)'
tui_keys dash x
ok "and a key goes back" tui_wait dash 'WAL pipeline of s1'
tui_keys dash L
ok "L shows the full event log" tui_wait dash 'Event log \([0-9]+\): '
tui_keys dash L
ok "L goes back" tui_wait dash 'WAL pipeline of s1'
tui_keys dash L
ok "L shows the log again" tui_wait dash 'Event log \([0-9]+\): '
tui_keys dash Escape
ok "Esc goes back too" tui_wait dash 'WAL pipeline of s1'

# ---------------------------------------------------------------------------
# resize
tui_resize dash 80 24
ok "80x24 is enough" tui_wait dash "$(row ' ' s2 standby streaming)"
tui_resize dash 60 20
ok "60x20: terminal too small" tui_wait dash 'terminal too small: 60x20, needs 80x24'
tui_resize dash 100 30
ok "back to the full screen" tui_wait dash 'cluster: fx +primary: pg1'
ok "after the resize the rows are back" tui_wait dash "$(row ' ' s2 standby streaming)"

# ---------------------------------------------------------------------------
# a frozen standby: keys answered at once, the node shown as not answering
tui_keys dash -
ok "refresh 0.5 s" tui_wait dash 'refresh: 0\.5 s'
ok "freeze s2" fx_freeze s2
ok "s2 is shown as not answering" tui_wait dash "$(row '!' s2 standby 'not answering')"

# time from a key to the changed screen, polling the pane without sleeping
key_ms()
{
	local key=$1 re=$2 t0 t1 end
	t0=$(_tui_now_ms)
	tui_keys dash "$key"
	end=$((t0 + 5000))
	while :; do
		tui_screen dash | grep -Eq -- "$re" && break
		[ "$(_tui_now_ms)" -ge "$end" ] && break
	done
	t1=$(_tui_now_ms)
	printf '%s\n' $((t1 - t0))
}
worst=0
for i in 1 2 3 4 5; do
	ms=$(key_ms '?' 'keys \(any key to go back\)')
	[ "$ms" -gt "$worst" ] && worst=$ms
	ms=$(key_ms x 'WAL pipeline of')
	[ "$ms" -gt "$worst" ] && worst=$ms
done
ok "with s2 frozen, every key changed the screen within 500 ms (worst ${worst} ms)" \
	test "$worst" -le 500
ok "pg1 and s1 are still refreshed meanwhile" tui_wait dash "$(row ' ' s1 standby streaming)"
ok "the event log says s2 is not answering" tui_wait dash 's2 is not answering'
ok "thaw s2" fx_thaw s2
ok "s2 streams again" tui_wait dash "$(row ' ' s2 standby streaming)"

tui_keys dash q
# tmux marks the pane dead a moment before it records the exit status
gone() { ! tui_alive "$1" && [ -n "$(tui_exit_status "$1")" ]; }
ok "q quits" fx_poll 10 gone dash
is "$(tui_exit_status dash)" 0 "the dashboard exits 0"

# ---------------------------------------------------------------------------
# --no-color, and NO_COLOR
tui_start mono 100 30 "$PGREPLICA" -c "$conf" --no-color dashboard
ok "--no-color: the rows are there" tui_wait mono "$(row ' ' s1 standby streaming)"
unlike "$(tui_tmux capture-pane -e -p -t mono)" $'\e\\[3[1-7]m' "--no-color: no colour on the screen"
tui_keys mono F10
ok "F10 quits too" fx_poll 10 gone mono
tui_start nocolor 100 30 env NO_COLOR=1 "$PGREPLICA" -c "$conf" dashboard
ok "NO_COLOR: the rows are there" tui_wait nocolor "$(row ' ' s1 standby streaming)"
unlike "$(tui_tmux capture-pane -e -p -t nocolor)" $'\e\\[3[1-7]m' "NO_COLOR: no colour on the screen"
tui_keys nocolor q

done_testing
