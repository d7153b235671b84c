#!/usr/bin/env bash
# bench/dashboard.sh — what watching a cluster costs: the dashboard beside
# pg_activity and pg_top on the same cluster, in the same run.
#
# Three nodes (a primary and two streaming standbys, network namespaces as
# the tests use), every server logging its statements and connections
# (log_statement = all, log_connections = on, the application name in each
# line).  Each program runs for DURATION seconds (default 60) at a 1 s
# refresh in a 100x30 tmux window, one after the other, under a light write
# load on the primary; then its CPU time (user + system, from
# /proc/PID/stat) and peak RSS (VmHWM) are read before it is told to quit.
# The process measured is the program's own, found under the tmux pane (not
# the shell that waits for it); a figure that cannot be right (no CPU time,
# a shell's RSS) stops the bench instead of being printed as met.
# For the dashboard, the servers' logs also give the statements per node per
# refresh and the connections it made (1 per node: no reconnection).
# pg_activity and pg_top watch one server (the primary); the dashboard all
# three.  Installs pg-activity and pgtop with apt when missing.  Not a test:
# run by hand, as root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/dashboard.sh [DURATION]
# Targets (issue 6): CPU <= 1/5 of pg_activity's and <= pg_top's, peak RSS
# <= 10 MB, one statement per node per refresh, no reconnection.
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
duration=${1:-60}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }

need=()
command -v pg_activity >/dev/null || need+=(pg-activity)
command -v pg_top >/dev/null || need+=(pgtop)
if [ ${#need[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}" >/dev/null ||
		{ echo "could not install ${need[*]}" >&2; exit 2; }
fi

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
fx_pg_init pg1 && fx_pg_start pg1 || bail_out "no primary"
for s in s1 s2; do
	fx_pg_make_standby "$s" pg1 -C -S "$s" && fx_pg_start "$s" &&
		fx_wait_streaming pg1 "$s" || bail_out "no standby $s"
done
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 s1 s2
for n in pg1 s1 s2; do
	[ "$n" = pg1 ] && fx_psql pg1 "ALTER SYSTEM SET log_statement = 'all'" >/dev/null
	[ "$n" = pg1 ] && fx_psql pg1 "ALTER SYSTEM SET log_connections = on" >/dev/null
	[ "$n" = pg1 ] && fx_psql pg1 "ALTER SYSTEM SET log_line_prefix = '%m app=%a '" >/dev/null
done
# standbys are read-only: their settings go into their own auto.conf by file
for n in s1 s2; do
	cat >>"$(fx_pgdata "$n")/postgresql.auto.conf" <<-'CONF'
	log_statement = 'all'
	log_connections = on
	log_line_prefix = '%m app=%a '
	CONF
done
for n in pg1 s1 s2; do fx_pg_reload "$n"; done
fx_psql pg1 "CREATE TABLE load (i int, t timestamptz default now())" >/dev/null

# a light write load: one insert every 200 ms
( while :; do fx_psql pg1 "INSERT INTO load (i) VALUES (1)" >/dev/null 2>&1; sleep 0.2; done ) &
load_pid=$!
fx_on_teardown kill "$load_pid"

. "$top_srcdir/bench/measure.sh"

log_lines()
{
	wc -l <"$(fx_pg_log "$1")"
}

declare -A before
for n in pg1 s1 s2; do before[$n]=$(log_lines "$n"); done
tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
tui_wait dash '^  s2 +standby +streaming' >/dev/null || bail_out "the dashboard does not show s2 streaming"
read -r dash_cpu dash_rss < <(measure dash "pgreplica .*dashboard")
[[ ${dash_cpu:-} =~ ^[0-9]+$ ]] || bail_out "dash: no measurement (see above)"
stmts=''
conns=''
for n in pg1 s1 s2; do
	new=$(tail -n +"$((before[$n] + 1))" "$(fx_pg_log "$n")")
	stmts+=" $n=$(grep -c 'app=pgreplica .*statement: ' <<<"$new")"
	conns+=" $n=$(grep -c 'connection authorized: .*application_name=pgreplica' <<<"$new")"
done

tui_start act 100 30 pg_activity -h "$FX_ADDR_pg1" -p "$FX_PORT_pg1" -U postgres \
	-d postgres --refresh 1
tui_wait act 'PostgreSQL' 30 >/dev/null || diag "pg_activity's screen: $(tui_screen act)"
read -r act_cpu act_rss < <(measure act "pg_activity ")
[[ ${act_cpu:-} =~ ^[0-9]+$ ]] || bail_out "act: no measurement (see above)"

tui_start top 100 30 pg_top -h "$FX_ADDR_pg1" -p "$FX_PORT_pg1" -U postgres -d postgres -s 1
tui_wait top 'processes|load' 30 >/dev/null || diag "pg_top's screen: $(tui_screen top)"
read -r top_cpu top_rss < <(measure top "pg_top ")
[[ ${top_cpu:-} =~ ^[0-9]+$ ]] || bail_out "top: no measurement (see above)"

printf '\n%-12s %10s %12s\n' program "CPU (ms)" "peak RSS (kB)"
printf '%-12s %10s %12s\n' pgreplica "$dash_cpu" "$dash_rss" pg_activity "$act_cpu" "$act_rss" \
	pg_top "$top_cpu" "$top_rss"
printf '\ndashboard over %s s at 1 s: statements per node:%s (refreshes: about %s)\n' \
	"$duration" "$stmts" "$duration"
printf 'dashboard connections per node:%s (1 each: no reconnection)\n' "$conns"
awk -v d="$dash_cpu" -v a="$act_cpu" -v t="$top_cpu" -v r="$dash_rss" 'BEGIN {
	printf "CPU vs pg_activity: %.3f (target <= 0.2); vs pg_top: %.2f (target <= 1); RSS %.1f MB (target <= 10)\n",
		(a ? d / a : 0), (t ? d / t : 0), r / 1024 }'
