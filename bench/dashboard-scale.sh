#!/usr/bin/env bash
# bench/dashboard-scale.sh — what the dashboard costs with many WAL senders.
#
# Three nodes (a primary and two streaming standbys, network namespaces as
# the tests use; 1 MB WAL segments so that the clients' files stay small)
# plus CLIENTS pg_receivewal clients (default 100) streaming from the
# primary, started from the three hosts' namespaces in turn: the primary's
# pg_stat_replication then has CLIENTS + 2 rows, which every refresh reads.
# Every server logs its statements (log_statement = all, the application
# name in each line).  The dashboard runs at a 1 s refresh in a 100x30 tmux
# window under a light write load; then:
# - keys answered: "?" ten times (the help drawn, any key back to the
#   nodes), each timed from the key sent to the screen changed, as tmux
#   shows it; alternating key for key with an idle program (a shell that
#   switches between two screens) in the same run, which gives what tmux's
#   send-keys, capture and 20 ms polling add by themselves; and timed
#   inside the dashboard (PGREPLICA_TRACE: from the key read to its
#   screen drawn), with what each refresh's results and redraw cost;
# - CPU time (user + system) and peak RSS of the dashboard's own process
#   over DURATION seconds (default 60), from /proc (bench/measure.sh);
# - statements per node per refresh, from the servers' logs over that
#   window.
# Not a test: run by hand, as root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/dashboard-scale.sh [DURATION [CLIENTS]]
# Targets (issue 15): CPU <= 1% of a core, keys answered within 50 ms, one
# statement per node per refresh.
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
duration=${1:-60}
clients=${2:-100}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
. "$top_srcdir/bench/measure.sh"
fx_pg_init pg1 --wal-segsize=1 && fx_pg_start pg1 || bail_out "no primary"
fx_psql pg1 "ALTER SYSTEM SET max_wal_senders = $((clients + 10))" >/dev/null &&
	fx_pg_restart pg1 || bail_out "cannot raise max_wal_senders"
for s in s1 s2; do
	fx_pg_make_standby "$s" pg1 -C -S "$s" && fx_pg_start "$s" &&
		fx_wait_streaming pg1 "$s" || bail_out "no standby $s"
done
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 s1 s2
fx_psql pg1 "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
fx_psql pg1 "ALTER SYSTEM SET log_line_prefix = '%m app=%a '" >/dev/null
# standbys are read-only: their settings go into their own auto.conf by file
for n in s1 s2; do
	cat >>"$(fx_pgdata "$n")/postgresql.auto.conf" <<-'CONF'
	log_statement = 'all'
	log_line_prefix = '%m app=%a '
	CONF
done
for n in pg1 s1 s2; do fx_pg_reload "$n"; done

# the WAL receivers: pg_receivewal, from the hosts' namespaces in turn
hosts=(pg1 s1 s2)
mkdir -p "$FX_DIR/recv" && chown "$FX_USER" "$FX_DIR/recv"
for i in $(seq 1 "$clients"); do
	h=${hosts[$((i % 3))]}
	dir=$FX_DIR/recv/$i
	mkdir -p "$dir" && chown "$FX_USER" "$dir"
	fx_on_host_as_user "$h" "$FX_PG_CLIENT_BINDIR/pg_receivewal" -n --no-sync -D "$dir" \
		-d "host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user=postgres application_name=recv$i passfile=$FX_DIR/user.pgpass" \
		>"$dir.log" 2>&1 &
	fx_on_teardown kill "$!"
done
fx_wait_for pg1 "SELECT count(*) >= $((clients + 2)) FROM pg_stat_replication WHERE state = 'streaming'" t 120 ||
	bail_out "the $clients clients do not all stream"

fx_psql pg1 "CREATE TABLE load (i int, t timestamptz default now())" >/dev/null
( while :; do fx_psql pg1 "INSERT INTO load (i) VALUES (1)" >/dev/null 2>&1; sleep 0.2; done ) &
load_pid=$!
fx_on_teardown kill "$load_pid"

# The dashboard's standard error goes to a file with PGREPLICA_TRACE on:
# it says, from inside the program, how long each key took from its read to
# its screen drawn, and what each refresh's results and redraw cost the UI
# thread (src/base/trace.h; the exec's leave pgreplica's own command line for
# measure.sh to find).
trace=$FX_DIR/dash.trace
tui_start dash 100 30 bash -c 'exec 2>"$0"; exec "$@"' "$trace" \
	env PGREPLICA_TRACE=1 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
tui_wait dash '^  s2 +standby +streaming' 60 >/dev/null || bail_out "the dashboard does not show s2 streaming"
# What tmux alone adds: a program that does nothing but switch between the
# same two screens on any key, measured in the same run, key for key
# alternating with the dashboard (same load), through the same tmux waits.
tui_start idle 100 30 bash -c '
	stty -echo -icanon
	while :; do
		printf "\033[H\033[2J  s2    standby   streaming\n"; read -rsn1
		printf "\033[H\033[2Jkeys (any key to go back)\n"; read -rsn1
	done'
tui_wait idle '^  s2 +standby' 10 >/dev/null || bail_out "the idle program does not start"

# keys answered: ? draws the help, any key goes back
key_ms=()
idle_ms=()
# round_trip NAME KEY REGEX: the milliseconds from the key sent to REGEX seen
round_trip()
{
	local t0
	t0=$(_tui_now_ms)
	tui_keys "$1" "$2"
	tui_wait "$1" "$3" 10 >/dev/null || bail_out "$1: no /$3/ after $2"
	echo $(($(_tui_now_ms) - t0))
}
for _ in $(seq 1 10); do
	key_ms+=("$(round_trip dash '?' 'keys \(any key to go back\)')")
	idle_ms+=("$(round_trip idle '?' 'keys \(any key to go back\)')")
	key_ms+=("$(round_trip dash x '^  s2 +standby')")
	idle_ms+=("$(round_trip idle x '^  s2 +standby')")
done
tui_kill idle
for v in "${key_ms[@]}" "${idle_ms[@]}"; do
	[[ $v =~ ^[0-9]+$ ]] || bail_out "a key was not answered (see above)"
done

log_lines() { wc -l <"$(fx_pg_log "$1")"; }
declare -A before
for n in pg1 s1 s2; do before[$n]=$(log_lines "$n"); done
rows=$(fx_psql pg1 "SELECT count(*) FROM pg_stat_replication")
read -r dash_cpu dash_rss < <(measure dash "pgreplica .*dashboard")
[[ ${dash_cpu:-} =~ ^[0-9]+$ ]] || bail_out "dash: no measurement (see above)"
stmts=''
for n in pg1 s1 s2; do
	new=$(tail -n +"$((before[$n] + 1))" "$(fx_pg_log "$n")")
	stmts+=" $n=$(grep -c 'app=pgreplica .*statement: ' <<<"$new")"
done

# median and max of a list of numbers
med_max()
{
	local sorted
	sorted=$(printf '%s\n' "$@" | sort -n)
	printf '%s / %s' "$(sed -n "$((($# + 1) / 2))p" <<<"$sorted")" "$(tail -n 1 <<<"$sorted")"
}
# from the trace: "trace +T ms (D ms) dashboard: ..." -> D
trace_ms() { grep -F "dashboard: " "$trace" | grep -F "$1" | sed -E 's/^trace +\+ *[0-9]+ ms \( *([0-9]+) ms\).*/\1/'; }
mapfile -t in_keys < <(trace_ms 'key(s) handled and drawn')
mapfile -t in_refresh < <(trace_ms 'monitor results handled and drawn')
[ ${#in_keys[@]} -ge 20 ] || bail_out "the trace has ${#in_keys[@]} keys, not 20 (see $trace)"

printf '\n%s WAL senders on pg1 (%s pg_receivewal clients and 2 standbys); load %s\n' \
	"$rows" "$clients" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'dashboard over %s s at 1 s: CPU %s ms (%.2f%% of a core), peak RSS %s kB\n' \
	"$duration" "$dash_cpu" "$(awk -v c="$dash_cpu" -v d="$duration" 'BEGIN { print c / (d * 10) }')" "$dash_rss"
printf 'keys through tmux (20 screen changes, median / max): dashboard %s ms, idle program %s ms\n' \
	"$(med_max "${key_ms[@]}")" "$(med_max "${idle_ms[@]}")"
printf 'inside the dashboard (trace, ms resolution, median / max): key read to drawn %s ms (%s keys), refresh results + redraw %s ms (%s refreshes)\n' \
	"$(med_max "${in_keys[@]}")" "${#in_keys[@]}" "$(med_max "${in_refresh[@]}")" "${#in_refresh[@]}"
printf 'statements per node:%s over about %s refreshes\n' "$stmts" "$duration"
