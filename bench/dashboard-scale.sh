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
#   shows it (so an upper bound: it includes tmux's capture and 20 ms
#   polling);
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

tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
tui_wait dash '^  s2 +standby +streaming' 60 >/dev/null || bail_out "the dashboard does not show s2 streaming"

# keys answered: ? draws the help, any key goes back
key_ms=()
for _ in $(seq 1 10); do
	t0=$(_tui_now_ms)
	tui_keys dash '?'
	tui_wait dash 'keys \(any key to go back\)' 10 >/dev/null || bail_out "no help after ?"
	key_ms+=($(($(_tui_now_ms) - t0)))
	t0=$(_tui_now_ms)
	tui_keys dash x
	tui_wait dash '^  s2 +standby' 10 >/dev/null || bail_out "no nodes after a key"
	key_ms+=($(($(_tui_now_ms) - t0)))
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

sorted=$(printf '%s\n' "${key_ms[@]}" | sort -n)
printf '\n%s WAL senders on pg1 (%s pg_receivewal clients and 2 standbys)\n' "$rows" "$clients"
printf 'dashboard over %s s at 1 s: CPU %s ms (%.2f%% of a core), peak RSS %s kB\n' \
	"$duration" "$dash_cpu" "$(awk -v c="$dash_cpu" -v d="$duration" 'BEGIN { print c / (d * 10) }')" "$dash_rss"
printf 'keys answered (20 screen changes seen through tmux): median %s ms, max %s ms\n' \
	"$(sed -n 10p <<<"$sorted")" "$(tail -n 1 <<<"$sorted")"
printf 'statements per node:%s over about %s refreshes\n' "$stmts" "$duration"
