#!/usr/bin/env bash
# bench/switchover.sh — the planned switchover under a writer: how long
# writes are refused, and how long until the old primary streams from the
# new one, for "pgreplica switchover" against the same steps by hand.
#
# pg1 and pg2 (network namespaces and sshd, as the tests use), built by
# "pgreplica apply --yes"; one untimed switchover each way first, so that
# both nodes have served each other (pg_hba.conf rules, the standby
# settings in postgresql.auto.conf).  A writer runs all along: one INSERT
# at a time, a new psql each, to "host=pg1,pg2 target_session_attrs=
# read-write" (whichever node accepts writes), stamping each acknowledged
# commit.  Then RUNS runs (default 5) of each method, alternating, each
# switching from the current primary P to the standby S:
#   hand       psql -c CHECKPOINT on P; pg_ctl stop -m fast P; pg_ctl
#              promote -w S; the slot of P created on S; standby.signal
#              written in P (its primary_conninfo is in postgresql.auto.conf
#              from the untimed runs); pg_ctl start -W P;
#   pgreplica  pgreplica switchover S --yes (pre-checks, journal, every
#              step, the marker row read on every node).
# Figures per run: refused = the longest gap between two acknowledged
# commits from the start of the run; streaming = from the start of the
# run until S's pg_stat_replication shows P streaming.  Medians and the
# ratios pgreplica / hand (target <= 1.5 for both).  Not a test: run by
# hand, as root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/switchover.sh [RUNS]
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
for h in pg1 pg2; do
	fx_pg_init "$h" && fx_pg_start "$h" && fx_sshd "$h" && fx_ssh_trust "$h" || bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done
conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2
bindir=$(fx_bindir pg1)
pgr() { "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" "$@" </dev/null >>"$FX_DIR/pgreplica.log" 2>&1; }
pgr apply --yes || { cat "$FX_DIR/pgreplica.log" >&2; bail_out "apply failed"; }
fx_wait_streaming pg1 pg2 >/dev/null || bail_out "pg2 does not stream"
fx_psql pg1 "CREATE TABLE b (id bigserial PRIMARY KEY, at timestamptz DEFAULT now())" >/dev/null || bail_out "no table"
fx_wait_catchup pg1 pg2 >/dev/null

# both ways once, untimed
pgr switchover pg2 --yes && pgr switchover pg1 --yes || { cat "$FX_DIR/pgreplica.log" >&2; bail_out "switchover failed"; }
fx_wait_streaming pg1 pg2 >/dev/null || bail_out "pg2 does not stream"

acks=$FX_DIR/acks
: >"$acks"
writer()
{
	local conn="host=$FX_ADDR_pg1,$FX_ADDR_pg2 port=$FX_PORT_pg1,$FX_PORT_pg2 user=postgres dbname=postgres connect_timeout=2 target_session_attrs=read-write"
	while [ ! -e "$FX_DIR/stop" ]; do
		PGPASSFILE=$FX_PGPASSFILE "$FX_PG_CLIENT_BINDIR/psql" -X -q -c "INSERT INTO b DEFAULT VALUES" "$conn" \
			>/dev/null 2>&1 && now_ms >>"$acks"
	done
}
writer &
fx_on_teardown touch "$FX_DIR/stop"

streams() { fx_psql "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$2' AND state = 'streaming'" 2>/dev/null | grep -qx 1; }

# the longest gap between acknowledged commits from T0 on
refused()
{
	awk -v t0="$1" 'prev && $1 >= t0 { g = $1 - prev; if (g > max) max = g } { prev = $1 } END { print max + 0 }' "$acks"
}

# one timed switchover from P to S by METHOD: "refused streaming" in ms
switch()
{
	local method=$1 p=$2 s=$3 t0 ts
	sleep 1							# the writer settles
	t0=$(now_ms)
	case $method in
	hand)
		fx_psql "$p" "CHECKPOINT" >/dev/null &&
			fx_as_user "$bindir/pg_ctl" -D "$FX_DIR/$p/data" -m fast -w stop >/dev/null &&
			fx_as_user "$bindir/pg_ctl" -D "$FX_DIR/$s/data" -w promote >/dev/null &&
			fx_psql "$s" "SELECT pg_create_physical_replication_slot('$p', true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = '$p')" >/dev/null &&
			fx_as_user touch "$FX_DIR/$p/data/standby.signal" &&
			fx_on_host_as_user "$p" "$bindir/pg_ctl" -D "$FX_DIR/$p/data" -l "$FX_DIR/$p/log" -W start >/dev/null ||
			bail_out "the switchover by hand failed"
		sed -i "/^\[node \"$s\"\]/,/^\[/ s/^role = .*/role = primary/; /^\[node \"$p\"\]/,/^\[/ s/^role = .*/role = standby/" "$conf"
		;;
	pgreplica)
		pgr switchover "$s" --yes || { tail -n 30 "$FX_DIR/pgreplica.log" >&2; bail_out "pgreplica switchover failed"; }
		;;
	esac
	until streams "$s" "$p"; do
		[ $(($(now_ms) - t0)) -lt 120000 ] || bail_out "$p does not stream from $s after 120 s ($method)"
		sleep 0.005
	done
	ts=$(now_ms)
	sleep 1							# commits after the switch, to close the gap
	echo "$(refused "$t0") $((ts - t0))"
}

declare -A refused_ms streaming_ms mr ms
p=pg1
s=pg2
for i in $(seq 1 "$runs"); do
	for method in hand pgreplica; do
		read -r r st <<<"$(switch "$method" "$p" "$s")"
		refused_ms[$method]+="$r "
		streaming_ms[$method]+="$st "
		note "run $i: $method $p -> $s: writes refused $r ms, $p streaming after $st ms"
		t=$p
		p=$s
		s=$t
	done
done
touch "$FX_DIR/stop"
wait
for method in hand pgreplica; do
	mr[$method]=$(printf '%s\n' ${refused_ms[$method]} | median)
	ms[$method]=$(printf '%s\n' ${streaming_ms[$method]} | median)
done
note "median of $runs: writes refused: by hand ${mr[hand]} ms, pgreplica ${mr[pgreplica]} ms, ratio $(awk -v a="${mr[pgreplica]}" -v b="${mr[hand]}" 'BEGIN {printf "%.2f", a / b}')"
note "median of $runs: old primary streaming after: by hand ${ms[hand]} ms, pgreplica ${ms[pgreplica]} ms, ratio $(awk -v a="${ms[pgreplica]}" -v b="${ms[hand]}" 'BEGIN {printf "%.2f", a / b}')"
note "all runs: refused hand ${refused_ms[hand]}/ pgreplica ${refused_ms[pgreplica]}; streaming hand ${streaming_ms[hand]}/ pgreplica ${streaming_ms[pgreplica]}"
note "rows acknowledged: $(wc -l <"$acks"); on the last primary: $(fx_psql "$p" 'SELECT count(*) FROM b')"
pass "benchmark ran"
done_testing
