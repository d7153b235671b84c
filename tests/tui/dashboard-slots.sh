#!/bin/bash
# dashboard-slots.sh - the slots pane marks what crosses the cluster's
# thresholds, and shows the primary's room for WAL, on a real server
# driven through tmux.
#
# pg1 primary whose pg_wal lives on a 256 MB tmpfs of its own (pg_wal a
# link to it), slot_warn_bytes = 4MB, slot_critical_bytes = 48MB, an
# inactive slot "keeper" that retains WAL:
# - under 4 MB: its size without a mark, the row not red;
# - past 4 MB: " !" after its size, the row yellow; past 48 MB: " !!",
#   red; the marks also without colour (--no-color, a second dashboard);
# - the heading: "pg_wal N MB free" (df through the node's transport, off
#   the screen's thread), then, with the retention growing, "full in ..."
#   in red (under wal_disk_critical_time, 4 h by default).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/dashboard-slots.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"
[ "$(id -u)" = 0 ] || skip_all "mounting the small file system for pg_wal needs root"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
export XDG_STATE_HOME=$FX_DIR/state

fx_host pg1
ok "initdb on pg1" fx_pg_init pg1 || bail_out "cannot make the primary"
waldisk=$FX_DIR/waldisk
mkdir -p "$waldisk"
ok "a 256 MB tmpfs for pg_wal" mount -t tmpfs -o size=256m,mode=0700 tmpfs "$waldisk" ||
	bail_out "cannot mount a tmpfs"
fx_on_teardown umount -l "$waldisk"
data=$(fx_pgdata pg1)
ok "pg_wal moved onto it (a link)" sh -c "mv '$data/pg_wal' '$waldisk/' && ln -s '$waldisk/pg_wal' '$data/pg_wal' && chown -R '$FX_USER' '$waldisk'"
ok "start pg1" fx_pg_start pg1 || bail_out "cannot start the primary"
conf=$FX_DIR/cluster.conf
fx_cluster_file -o slot_warn_bytes=4MB -o slot_critical_bytes=48MB "$conf" pg1
ok "checkpoint" fx_psql pg1 "CHECKPOINT"
ok "slot keeper, reserving WAL from now" \
	fx_psql pg1 "SELECT pg_create_physical_replication_slot('keeper', true)"

# The foreground colour in effect where TEXT first starts on the screen
# (31 red, 33 yellow, "default"): tmux's capture (-e) gives the SGR
# sequences only where the attributes change, maybe on a line before.
fg_at()
{
	local screen prefix fg=default seq code
	screen=$(tui_tmux capture-pane -e -p -t "$1")
	[[ $screen == *"$2"* ]] || { echo none; return; }
	prefix=${screen%%"$2"*}
	while read -r seq; do
		seq=${seq#$'\e['}
		seq=${seq%m}
		IFS=';' read -r -a codes <<<"${seq:-0}"
		for code in "${codes[@]}"; do
			case $code in
			0 | 39 | '') fg=default ;;
			3[0-7]) fg=$code ;;
			esac
		done
	done < <(grep -ao $'\e\\[[0-9;]*m' <<<"$prefix")
	echo "$fg"
}

tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
tui_start mono 100 30 "$PGREPLICA" -c "$conf" -d 1 --no-color dashboard --readonly
ok "the slot under slot_warn_bytes: its size, no mark" \
	tui_wait dash '^! keeper +inactive +[0-9.]+ (B|kB|MB) +no standby uses it'
unlike "$(tui_screen dash | grep ' keeper ')" '!!|B !' "no threshold mark yet"
ok "the heading: the marks' meaning" tui_wait dash '^Slots on pg1 .*!>4\.0 MB !!>48 MB'
ok "the heading: pg_wal's free space, read through the transport" \
	tui_wait dash '^Slots on pg1 +pg_wal [0-9.]+ MB free' 30

ok "about 8 MB of WAL written" fx_psql pg1 \
	"CREATE TABLE filler (i int, t text); INSERT INTO filler SELECT g, repeat('x', 60) FROM generate_series(1, 60000) g; SELECT pg_switch_wal()"
ok "past slot_warn_bytes: ' !' after its size" \
	tui_wait dash '^! keeper +inactive +[0-9.]+ MB ! +no standby uses it'
is "$(fg_at dash "! keeper ")" 33 "the row in yellow (an inactive slot's is already: the mark is what tells)"
ok "without colour, the same mark" tui_wait mono '^! keeper +inactive +[0-9.]+ MB ! +no standby uses it'
is "$(fg_at mono '! keeper ')" default "--no-color: no colour on the row"

ok "about 60 MB more" fx_psql pg1 \
	"INSERT INTO filler SELECT g, repeat('x', 60) FROM generate_series(1, 600000) g; SELECT pg_switch_wal()"
ok "past slot_critical_bytes: ' !!'" \
	tui_wait dash '^! keeper +inactive +[0-9.]+ MB !! +no standby uses it'
is "$(fg_at dash '! keeper ')" 31 "the row in red"
ok "without colour, the same mark" tui_wait mono '^! keeper +inactive +[0-9.]+ MB !! +no standby uses it'

# the growth: samples 30 s apart, the free space read every 30 s
ok "the heading: the time until pg_wal's file system is full" \
	tui_wait dash '^Slots on pg1 +pg_wal [0-9.]+ MB free, full in [0-9]+ (s|min|h)' 120
is "$(fg_at dash 'Slots on pg1')" 31 "in red: under wal_disk_critical_time"
ok "still answering keys" sh -c "tmux -L '$TUI_SOCKET' send-keys -t dash '?' && true"
ok "the help drawn" tui_wait dash 'keys \(any key to go back\)'
tui_keys dash x
tui_keys dash q
tui_keys mono q
ok "the dashboard ends with q" tui_wait_dead dash 10

done_testing
