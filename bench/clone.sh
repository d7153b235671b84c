#!/usr/bin/env bash
# bench/clone.sh — what pgreplica adds to the time of cloning a standby.
#
# For a pgbench database (scale 50 by default, ~750 MB), in the same run and
# on the same two hosts (network namespaces, as the tests use):
#   bare       pg_basebackup -X stream -c fast from the standby's host into an
#              empty directory (what an operator types by hand);
#   pgreplica  the standby step of "pgreplica apply --yes" (the primary being
#              prepared already): checks, passfile, server stopped, data
#              directory moved aside, the same pg_basebackup, recovery
#              settings, start, streaming verified, marker read back.
# Each is run RUNS times (default 3), alternating; the medians and their
# ratio are printed (target: ratio <= 1.05, the rest <= 150 ms; issue 18).  Not a test: run by hand, as
# root, on a quiet machine:
#   PGREPLICA=/path/to/build/pgreplica bench/clone.sh [SCALE] [RUNS]
# Results go to bench/README.md by hand, with the machine and the date.
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
scale=${1:-50}
runs=${2:-3}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

# bash's own clock: no process forked while pgreplica runs (the stamping
# loop below used to start a date(1) per line of its output, CPU taken from
# the program it measures on a two-core machine)
now_ms() { local u=${EPOCHREALTIME//[.,]/}; echo $(( u / 1000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

fx_setup
fx_pg_init pg1 && fx_pg_start pg1 && fx_sshd pg1 && fx_ssh_trust pg1 || bail_out "no primary"
fx_pg_init pg2 && fx_pg_start pg2 && fx_sshd pg2 && fx_ssh_trust pg2 || bail_out "no standby host"
chown "$FX_USER" "$FX_DIR/pg2"
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
sed -i 's/^ssl = .*/ssl = off/' "$conf"
# CLONE_COMPRESSION=off (or lz4...): the key set, e.g. to see what the
# probe of the default (auto) costs
[ -n "${CLONE_COMPRESSION:-}" ] && sed -i "s/^\[cluster\]\$/[cluster]\nclone_compression = $CLONE_COMPRESSION/" "$conf"
data2=$(fx_pgdata pg2)
apply() { PGREPLICA_TRACE=1 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes "$@" </dev/null; }

t=$(now_ms)
fx_as_user "$FX_PG_CLIENT_BINDIR/pgbench" -i -q -s "$scale" -h "$FX_DIR/pg1/sock" -p "$FX_PORT_pg1" -U postgres postgres >/dev/null 2>&1 ||
	bail_out "pgbench -i failed"
note "pgbench -i -s $scale: $(( $(now_ms) - t )) ms, database $(fx_psql pg1 "SELECT pg_size_pretty(pg_database_size('postgres'))")"
apply --primary-only >"$FX_DIR/prepare.log" 2>&1 || { cat "$FX_DIR/prepare.log"; bail_out "preparing the primary failed"; }
apply >"$FX_DIR/first.log" 2>&1 || { cat "$FX_DIR/first.log"; bail_out "first standby build failed"; }

passfile=$FX_DIR/pg2/.pgreplica-pg2.pgpass
role=$(sed -n 's/^replication_user *= *//p' "$conf")
bare=() barep=() tool=() inner=()
for i in $(seq 1 "$runs"); do
	# bare pg_basebackup from the standby's host, same source, same options;
	# each timed copy starts with the disk's write-back of the one before
	# (and of its removal) done: sync, not timed
	dir=$FX_DIR/pg2/bare$i
	sync
	t=$(now_ms)
	fx_on_host_as_user pg2 env PGPASSFILE="$passfile" "$FX_PG_CLIENT_BINDIR/pg_basebackup" \
		-h "$FX_ADDR_pg1" -p "${FX_PORT_pg1:-5432}" -U "$role" -D "$dir" -X stream -c fast ||
		bail_out "bare pg_basebackup failed"
	bare+=($(( $(now_ms) - t )))
	rm -rf "$dir"
	# the same with the flags the issue asks pgreplica to use (-P for the
	# gauge makes the server size the data first; -v): what they cost alone
	sync
	t=$(now_ms)
	fx_on_host_as_user pg2 env PGPASSFILE="$passfile" "$FX_PG_CLIENT_BINDIR/pg_basebackup" \
		-h "$FX_ADDR_pg1" -p "${FX_PORT_pg1:-5432}" -U "$role" -D "$dir" -X stream -c fast -P -v \
		>/dev/null 2>&1 || bail_out "bare pg_basebackup -P -v failed"
	barep+=($(( $(now_ms) - t )))
	rm -rf "$dir"

	# pgreplica: the standby is no longer streaming, so apply rebuilds it
	fx_pg_stop pg2 fast >/dev/null 2>&1
	rm -rf "$data2".pgreplica-*
	sync
	t=$(now_ms)
	# each output line stamped with the milliseconds since the start: where
	# the time goes (see bench/README.md)
	apply 2>&1 | while IFS= read -r l; do u=${EPOCHREALTIME//[.,]/}; printf '%6d %s\n' $(( u / 1000 - t )) "$l"; done >"$FX_DIR/apply$i.log"
	[ "${PIPESTATUS[0]}" = 0 ] || { cat "$FX_DIR/apply$i.log"; bail_out "apply failed"; }
	tool+=($(( $(now_ms) - t )))
	# the copy itself, as pgreplica ran it: the longest exec in the trace
	# (pg_basebackup, or with clone_compression = auto the sh that runs it
	# and watches its rate: clone_auto_watch_script)
	inner+=($(sed -n 's/.*(  *\([0-9]*\) ms) exec .*/\1/p' "$FX_DIR/apply$i.log" | sort -n | tail -n1))
	[ -n "${BENCH_VERBOSE:-}" ] && note "$(cat "$FX_DIR/apply$i.log")"
	# clone_compression = auto (the default): what it measured and chose
	chose=$(grep -o 'the link from pg1 measured at [^:]*: [^(]*' "$FX_DIR/apply$i.log" | head -n1)
	note "run $i: bare ${bare[-1]} ms (with -P -v: ${barep[-1]} ms), pgreplica ${tool[-1]} ms (its pg_basebackup ${inner[-1]} ms, the rest $(( tool[-1] - inner[-1] )) ms; ${chose:-no measure logged}); load $(cut -d' ' -f1 /proc/loadavg)"
done
mb=$(printf '%s\n' "${bare[@]}" | median)
mt=$(printf '%s\n' "${tool[@]}" | median)
mp=$(printf '%s\n' "${barep[@]}" | median)
mi=$(printf '%s\n' "${inner[@]}" | median)
mo=$(for i in "${!tool[@]}"; do echo $(( tool[i] - inner[i] )); done | median)
note "median of $runs: bare pg_basebackup $mb ms, pgreplica standby step $mt ms, ratio $(awk -v a="$mt" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')"
note "median of $runs: bare pg_basebackup -P -v $mp ms, ratio of pgreplica to it $(awk -v a="$mt" -v b="$mp" 'BEGIN {printf "%.3f", a / b}')"
note "median of $runs: pgreplica's own pg_basebackup $mi ms; everything else pgreplica does $mo ms"
pass "benchmark ran"
done_testing
