#!/usr/bin/env bash
# bench/promote.sh — how long "pgreplica promote" takes, from the command to
# the first successful write on the new primary, against the fastest the
# server allows.
#
# pg1 primary, pg2 its standby (network namespaces, as the tests use; pg2 is
# re-cloned from pg1 before every run so that every run starts the same).
# pg1 is stopped (immediate), then pg2 promoted by one of:
#   bare       pg_ctl promote -W (no wait), then the write loop: an INSERT
#              over TCP from the runner, retried every 10 ms until it
#              succeeds (the fastest the server allows);
#   pgreplica  pgreplica promote pg2 --yes (pre-check: the sessions to pg2
#              and pg1 opened at once, one statement each; pg_promote(wait
#              => false) on pg2's session, pg_is_in_recovery() polled every
#              5 ms, timeline checked, cluster file rewritten), then the
#              same write loop;
#   sql        psql -c 'SELECT pg_promote()' (waits in 100 ms steps), then
#              the same write loop.
# in two cases:
#   settled    the promotion asked once pg2's WAL receiver has noticed the
#              primary's death and 1 s more has gone by;
#   fresh      the promotion asked at once after pg_ctl stop -m immediate
#              returned (within 100 ms of the primary's death; a promotion
#              there was once seen to wait wal_retrieve_retry_interval).
# RUNS runs (default 5) of each, the methods alternating; medians and the
# ratio pgreplica / bare (target <= 1.5).  Not a test: run by hand, as
# root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/promote.sh [RUNS]
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
runs=${1:-5}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

fx_setup
fx_pg_init pg1 && fx_pg_start pg1 || bail_out "no primary"
fx_psql pg1 "CREATE TABLE b (id serial PRIMARY KEY, at timestamptz DEFAULT now())" >/dev/null || bail_out "no table"
conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
bindir=$(fx_bindir pg1)

# pg2 a fresh standby of pg1, pg1 running and primary
reset()
{
	fx_pg_stop pg2 immediate >/dev/null 2>&1
	fx_pg_pid pg1 >/dev/null || fx_pg_start pg1 || bail_out "pg1 does not start"
	rm -rf "$FX_DIR/pg2/data"
	fx_pg_make_standby pg2 pg1 && fx_pg_start pg2 && fx_wait_streaming pg1 pg2 >/dev/null ||
		bail_out "no standby"
	fx_cluster_file "$conf" pg1 pg2
}

write_loop()
{
	until PGPASSFILE=$FX_PGPASSFILE PGCONNECT_TIMEOUT=2 "$FX_PG_CLIENT_BINDIR/psql" -X -q \
		-h "$FX_ADDR_pg2" -p "$FX_PORT_pg2" -U postgres -d postgres \
		-c "INSERT INTO b DEFAULT VALUES" >/dev/null 2>&1; do
		sleep 0.01
	done
}

kill_primary()
{
	local case=$1
	fx_pg_stop pg1 immediate >/dev/null || bail_out "pg1 does not stop"
	if [ "$case" = settled ]; then
		fx_wait_for pg2 "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'" 0 >/dev/null
		sleep 1
	fi
}

# one timed promotion: prints milliseconds
promote()
{
	local method=$1 t
	t=$(now_ms)
	case $method in
	bare)
		fx_as_user "$bindir/pg_ctl" -D "$FX_DIR/pg2/data" -W promote >/dev/null 2>&1 ||
			bail_out "pg_ctl promote failed" ;;
	pgreplica)
		"$PGREPLICA" -c "$conf" promote pg2 --yes >"$FX_DIR/promote.log" 2>&1 </dev/null ||
			{ cat "$FX_DIR/promote.log" >&2; bail_out "pgreplica promote failed"; } ;;
	sql)
		fx_psql pg2 "SELECT pg_promote()" >/dev/null || bail_out "pg_promote() failed" ;;
	esac
	write_loop
	echo $(( $(now_ms) - t ))
}

declare -A times
for case in settled fresh; do
	for i in $(seq 1 "$runs"); do
		for method in bare pgreplica sql; do
			reset
			kill_primary "$case"
			ms=$(promote "$method")
			times[$case.$method]+="$ms "
			note "$case run $i: $method $ms ms"
		done
	done
done
declare -A m
for case in settled fresh; do
	for method in bare pgreplica sql; do
		m[$method]=$(printf '%s\n' ${times[$case.$method]} | median)
	done
	note "$case, median of $runs: bare pg_ctl promote -W ${m[bare]} ms, pgreplica promote ${m[pgreplica]} ms, SELECT pg_promote() ${m[sql]} ms; ratio pgreplica/bare $(awk -v a="${m[pgreplica]}" -v b="${m[bare]}" 'BEGIN {printf "%.2f", a / b}')"
	note "$case, all runs: bare ${times[$case.bare]}/ pgreplica ${times[$case.pgreplica]}/ sql ${times[$case.sql]}"
done
pass "benchmark ran"
done_testing
