#!/usr/bin/env bash
# bench/clone-link.sh — a standby built over a slow link: pgreplica with
# clone_compression = auto (the default) against a bare pg_basebackup.
#
# For a pgbench database (scale 50 by default, ~750 MB), on two hosts in
# network namespaces (as the tests use), for each link in LINKS (default
# "20mbit 100mbit unlimited"), in the same run, alternating, RUNS times
# (default 3):
#   bare       pg_basebackup -X stream -c fast from the standby's host into an
#              empty directory (what an operator types by hand);
#   pgreplica  the standby step of "pgreplica apply --yes" with the cluster
#              file's defaults: clone_compression = auto measures the link
#              and has the primary compress when the link is the bottleneck.
# The link is limited with tc tbf on the primary host's eth0: the copy flows
# from the primary to the standby, and tbf shapes what an interface sends
# (on the standby's side it would only slow the acknowledgements).
# Medians and their ratio are printed.  Targets (issue 18): ratio <= 0.6 at
# 20 Mbit/s, <= 0.8 at 100 Mbit/s, <= 1.05 unlimited.
#
# Every run is checked against the link: the bytes the primary's eth0 sent
# during it (its counters) over its time must not exceed the link's rate
# (+5 %: tbf's burst, the counters' Ethernet headers); a run that does is
# an impossible figure (the limit was not in force) and the bench stops.
#
# Not a test: run by hand, as root, on a quiet machine (20 Mbit/s x 755 MB
# is about 5 minutes per bare run):
#   PGREPLICA=/path/to/pgreplica bench/clone-link.sh [SCALE] [RUNS]
# LINKS="100mbit" bench/clone-link.sh 50 1 runs one link only.
set -u
top_srcdir=$(cd "$(dirname "$0")/.." && pwd)
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
scale=${1:-50}
runs=${2:-3}
links=${LINKS:-20mbit 100mbit unlimited}
PGREPLICA=${PGREPLICA:-$top_srcdir/pgreplica}
[ -x "$PGREPLICA" ] || { echo "no pgreplica program (set PGREPLICA)" >&2; exit 2; }
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

now_ms() { date +%s%3N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# tc's rate ("20mbit") in bytes/s; 0 for unlimited
link_bps() {
	case $1 in
		unlimited) echo 0 ;;
		*mbit) echo $(( ${1%mbit} * 1000000 / 8 )) ;;
		*kbit) echo $(( ${1%kbit} * 1000 / 8 )) ;;
		*) bail_out "unknown link rate $1" ;;
	esac
}
# bytes sent so far by the primary's eth0
# (/proc/net/dev is the reading process's namespace's; /sys is not)
tx_bytes() { fx_on_host pg1 cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" {print $11}'; }
# refuse a run that sent faster than the link allows
check_plausible() {	# LINK WHAT BYTES MS
	local bps
	bps=$(link_bps "$1")
	[ "$bps" = 0 ] && return 0
	[ "$4" -gt 0 ] || bail_out "$2 at $1: no time measured"
	if [ $(( $3 * 1000 / $4 )) -gt $(( bps * 105 / 100 )) ]; then
		bail_out "$2 at $1: $3 bytes in $4 ms is $(( $3 * 1000 / $4 )) bytes/s, more than the link's $bps: impossible figure (tbf not in force?)"
	fi
}

fx_setup
fx_netns_ok || bail_out "this bench needs network namespaces (run as root)"
fx_pg_init pg1 && fx_pg_start pg1 && fx_sshd pg1 && fx_ssh_trust pg1 || bail_out "no primary"
fx_pg_init pg2 && fx_pg_start pg2 && fx_sshd pg2 && fx_ssh_trust pg2 || bail_out "no standby host"
chown "$FX_USER" "$FX_DIR/pg2"
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
sed -i 's/^ssl = .*/ssl = off/' "$conf"
grep -q '^clone_compression' "$conf" && bail_out "the cluster file sets clone_compression: this bench is about the default (auto)"
data2=$(fx_pgdata pg2)
apply() { "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes "$@" </dev/null; }

t=$(now_ms)
fx_as_user "$FX_PG_CLIENT_BINDIR/pgbench" -i -q -s "$scale" -h "$FX_DIR/pg1/sock" -p "$FX_PORT_pg1" -U postgres postgres >/dev/null 2>&1 ||
	bail_out "pgbench -i failed"
note "pgbench -i -s $scale: $(( $(now_ms) - t )) ms, database $(fx_psql pg1 "SELECT pg_size_pretty(pg_database_size('postgres'))")"
note "load before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
apply --primary-only >"$FX_DIR/prepare.log" 2>&1 || { cat "$FX_DIR/prepare.log"; bail_out "preparing the primary failed"; }
apply >"$FX_DIR/first.log" 2>&1 || { cat "$FX_DIR/first.log"; bail_out "first standby build failed"; }

passfile=$FX_DIR/pg2/.pgreplica-pg2.pgpass
role=$(sed -n 's/^replication_user *= *//p' "$conf")
summary=''
for link in $links; do
	if [ "$link" = unlimited ]; then fx_fast_link pg1; else fx_slow_link pg1 "$link" || bail_out "tc tbf $link failed"; fi
	bare=() tool=()
	for i in $(seq 1 "$runs"); do
		dir=$FX_DIR/pg2/bare$i
		b0=$(tx_bytes)
		t=$(now_ms)
		fx_on_host_as_user pg2 env PGPASSFILE="$passfile" "$FX_PG_CLIENT_BINDIR/pg_basebackup" \
			-h "$FX_ADDR_pg1" -p "${FX_PORT_pg1:-5432}" -U "$role" -D "$dir" -X stream -c fast ||
			bail_out "bare pg_basebackup failed"
		bare+=($(( $(now_ms) - t )))
		check_plausible "$link" "bare pg_basebackup" $(( $(tx_bytes) - b0 )) "${bare[-1]}"
		rm -rf "$dir"

		fx_pg_stop pg2 fast >/dev/null 2>&1
		rm -rf "$data2".pgreplica-*
		b0=$(tx_bytes)
		t=$(now_ms)
		apply >"$FX_DIR/apply-$link-$i.log" 2>&1 || { cat "$FX_DIR/apply-$link-$i.log"; bail_out "apply failed"; }
		tool+=($(( $(now_ms) - t )))
		sent=$(( $(tx_bytes) - b0 ))
		check_plausible "$link" "pgreplica" "$sent" "${tool[-1]}"
		chose=$(grep -o 'the link from pg1 measured at [^:]*: [^(]*' "$FX_DIR/apply-$link-$i.log" | head -n1)
		note "$link run $i: bare ${bare[-1]} ms, pgreplica ${tool[-1]} ms ($(( sent / 1048576 )) MB sent; ${chose:-no measure logged}); load $(cut -d' ' -f1 /proc/loadavg)"
	done
	mb=$(printf '%s\n' "${bare[@]}" | median)
	mt=$(printf '%s\n' "${tool[@]}" | median)
	r=$(awk -v a="$mt" -v b="$mb" 'BEGIN {printf "%.3f", a / b}')
	note "$link, median of $runs: bare pg_basebackup $mb ms, pgreplica $mt ms, ratio $r"
	summary="$summary$link: bare $mb ms, pgreplica $mt ms, ratio $r; "
done
fx_fast_link pg1
note "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
note "summary: $summary"
pass "benchmark ran"
done_testing
