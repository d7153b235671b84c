#!/usr/bin/env bash
# bench/resync.sh — re-syncing the former primary after a failover.
#
# Two hosts (network namespaces, as the tests use), a pgbench database
# (scale 10 by default), the standby built by "pgreplica apply --yes".  Each
# run fails over (the primary P stopped immediate, the standby S promoted
# with "pgreplica promote"), makes P diverge (started alone, 1000 rows
# written only there, stopped immediate: a crashed former primary) and
# writes rows on S; then P is made a standby of S again, timed until S's
# pg_stat_replication shows it streaming, by one of:
#   bare       what an operator types: keep P's postgresql.conf (pg_rewind
#              copies S's over it), CHECKPOINT on S (else pg_rewind sees
#              no new timeline yet), pg_rewind --source-server (as the
#              superuser, PGPASSFILE), put postgresql.conf back,
#              standby.signal and primary_conninfo appended to
#              postgresql.auto.conf, pg_ctl start -w, poll
#              pg_stat_replication on S every 10 ms;
#   pgreplica  pgreplica resync P --method=rewind --yes (checkpoint on S,
#              files kept, pg_rewind, passfile, recovery settings, slot,
#              start, streaming verified: the command returns then);
#   clone      pgreplica resync P --method=clone --yes (the standby step:
#              data directory moved aside, pg_basebackup, start, verified).
# Roles swap at every run (the re-synced node is the next run's standby).
# RUNS runs of each (default 3), alternating; medians and the ratios
# pgreplica / bare (target <= 1.2) and clone / pgreplica.  Run by hand, as
# root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/resync.sh [SCALE] [RUNS]
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
scale=${1:-10}
runs=${2:-3}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

fx_setup
for h in pg1 pg2; do
	fx_pg_init "$h" && fx_pg_start "$h" && fx_sshd "$h" && fx_ssh_trust "$h" || bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
pgr() { "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" "$@" </dev/null; }

fx_as_user "$FX_PG_CLIENT_BINDIR/pgbench" -i -q -s "$scale" -h "$FX_DIR/pg1/sock" -p "$FX_PORT_pg1" -U postgres postgres >/dev/null 2>&1 ||
	bail_out "pgbench -i failed"
fx_psql pg1 "CREATE TABLE d (id serial PRIMARY KEY, node text)" >/dev/null
pgr apply --yes >"$FX_DIR/apply.log" 2>&1 || { cat "$FX_DIR/apply.log"; bail_out "apply failed"; }
note "database: $(fx_psql pg1 "SELECT pg_size_pretty(pg_database_size('postgres'))")"

# the replication password, for the bare method's own passfile
pw=$(sed -n 's/^\*:\*:replication:replicate://p' "$XDG_CONFIG_HOME/pgreplica/fx.pgpass")
for h in pg1 pg2; do
	printf '*:*:replication:replicate:%s\n' "$pw" >"$FX_DIR/$h/bare.pgpass"
	chown "$FX_USER" "$FX_DIR/$h/bare.pgpass" && chmod 600 "$FX_DIR/$h/bare.pgpass"
done

addr() { eval "printf '%s' \"\$FX_ADDR_$1\""; }
port() { eval "printf '%s' \"\$FX_PORT_$1\""; }

bare()
{
	local p=$1 s=$2 data
	data=$(fx_pgdata "$p")
	cp -p "$data/postgresql.conf" "$FX_DIR/$p/postgresql.conf.keep"
	# the new primary's timeline reaches pg_control at its first checkpoint
	fx_psql "$s" CHECKPOINT >/dev/null
	fx_on_host_as_user "$p" env PGPASSFILE="$FX_DIR/user.pgpass" "$(fx_bindir "$p")/pg_rewind" \
		--target-pgdata="$data" \
		--source-server="host=$(addr "$s") port=$(port "$s") user=postgres dbname=postgres" >"$FX_DIR/rewind.log" 2>&1 ||
		{ cat "$FX_DIR/rewind.log"; bail_out "bare pg_rewind failed"; }
	cp -p "$FX_DIR/$p/postgresql.conf.keep" "$data/postgresql.conf"
	touch "$data/standby.signal" && chown "$FX_USER" "$data/standby.signal"
	printf "primary_conninfo = 'host=%s port=%s user=replicate passfile=%s application_name=%s'\nprimary_slot_name = ''\n" \
		"$(addr "$s")" "$(port "$s")" "$FX_DIR/$p/bare.pgpass" "$p" >>"$data/postgresql.auto.conf"
	fx_pg_start "$p" || bail_out "bare start failed"
	fx_wait_streaming "$s" "$p" >/dev/null || bail_out "bare: $p does not stream"
}

# one run: P fails, S is promoted, P diverges; the timed re-sync of P
declare -A times
prim=pg1 stby=pg2
for i in $(seq 1 "$runs"); do
	for method in bare pgreplica clone; do
		fx_pg_stop "$prim" immediate >/dev/null || bail_out "stop $prim"
		pgr promote "$stby" --yes >"$FX_DIR/promote.log" 2>&1 || { cat "$FX_DIR/promote.log"; bail_out "promote failed"; }
		fx_pg_start "$prim" || bail_out "start $prim alone"
		fx_psql "$prim" "INSERT INTO d (node) SELECT 'lost' FROM generate_series(1, 1000)" >/dev/null
		fx_pg_stop "$prim" immediate >/dev/null
		fx_psql "$stby" "INSERT INTO d (node) SELECT 'kept' FROM generate_series(1, 1000)" >/dev/null
		rm -rf "$(fx_pgdata "$prim")".pgreplica-*
		t=$(now_ms)
		case $method in
		bare) bare "$prim" "$stby" ;;
		pgreplica) pgr resync "$prim" --method=rewind --yes >"$FX_DIR/resync.log" 2>&1 ;;
		clone) pgr resync "$prim" --method=clone --yes >"$FX_DIR/resync.log" 2>&1 ;;
		esac
		rc=$?
		ms=$(( $(now_ms) - t ))
		[ "$rc" = 0 ] || { cat "$FX_DIR/resync.log"; bail_out "$method failed"; }
		fx_wait_streaming "$stby" "$prim" >/dev/null || bail_out "$prim does not stream after $method"
		[ "$(fx_psql "$prim" "SELECT count(*) FROM d WHERE node = 'lost'")" = 0 ] ||
			bail_out "$method: the diverged rows are still on $prim"
		times[$method]+="$ms "
		note "run $i: $method $ms ms ($prim re-synced from $stby)"
		# the cluster file after a bare re-sync already says prim is a standby of stby
		tmp=$prim prim=$stby stby=$tmp
	done
done
mb=$(printf '%s\n' ${times[bare]} | median)
mp=$(printf '%s\n' ${times[pgreplica]} | median)
mc=$(printf '%s\n' ${times[clone]} | median)
note "median of $runs: bare pg_rewind + start $mb ms, pgreplica resync (rewind) $mp ms, pgreplica resync --method=clone $mc ms"
note "ratio pgreplica/bare $(awk -v a="$mp" -v b="$mb" 'BEGIN {printf "%.2f", a / b}'), clone/pgreplica $(awk -v a="$mc" -v b="$mp" 'BEGIN {printf "%.2f", a / b}')"
note "all runs: bare ${times[bare]}/ pgreplica ${times[pgreplica]}/ clone ${times[clone]}"
pass "benchmark ran"
done_testing
