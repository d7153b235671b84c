#!/bin/bash
# status-disk.sh - the primary's room for WAL, as status and check show it,
# on a real server: pg1 primary whose pg_wal lives on a small file system of
# its own (a 256 MB tmpfs, pg_wal a link to it, as sites put pg_wal on
# another disk), an inactive slot that retains WAL.
# - the free bytes: those df gives for that file system, read through the
#   node's transport (ssh = local here), in text, JSON and Prometheus;
# - one run: no growth yet (said so, no problem); runs 20 s apart while
#   the slot retains more: growth > 0, time left = free / growth;
# - under wal_disk_critical_time: wal_disk_full, error, check CRITICAL;
#   under wal_disk_warn_time only: degraded, WARNING; thresholds below the
#   time left: no problem;
# - the samples' state file: 0600, in $XDG_STATE_HOME/pgreplica; another
#   server under the same name does not inherit them;
# - a node whose ssh cannot be reached: the reason shown, status not
#   failed for it; a bad threshold: a clear error with a hint.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v jq >/dev/null || skip_all "no jq"
[ "$(id -u)" = 0 ] || skip_all "mounting the small file system for pg_wal needs root"

fx_setup
export XDG_STATE_HOME=$FX_DIR/state
fx_host pg1
ok "initdb on pg1" fx_pg_init pg1 || bail_out "no primary"
waldisk=$FX_DIR/waldisk
mkdir -p "$waldisk"
ok "a 256 MB tmpfs for pg_wal" mount -t tmpfs -o size=256m,mode=0700 tmpfs "$waldisk" ||
	bail_out "cannot mount a tmpfs"
fx_on_teardown umount -l "$waldisk"
data=$(fx_pgdata pg1)
ok "pg_wal moved onto it (a link)" sh -c "mv '$data/pg_wal' '$waldisk/' && ln -s '$waldisk/pg_wal' '$data/pg_wal' && chown -R '$FX_USER' '$waldisk'"
ok "start pg1" fx_pg_start pg1 || bail_out "pg1 does not start"
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1

st()
{
	out=$("$PGREPLICA" -c "$conf" status "$@" 2>&1)
	rc=$?
}
jqv() { jq -r "$1" <<<"$out"; }
nagios()
{
	out=$("$PGREPLICA" -c "$conf" check --nagios "$@" 2>/dev/null)
	rc=$?
}
problems() { jq -r '[.problems[] | .code + ":" + .severity] | join(" ")' <<<"$out"; }
df_free() { df -P -B1 "$waldisk" | awk 'NR == 2 { print $4 }'; }
# the thresholds, rewritten in the cluster file (the samples stay: the
# state file is named after the cluster file and the node)
thresholds()
{
	sed -i '/^wal_disk_/d' "$conf"
	sed -i "s/^\[cluster\]\$/[cluster]\nwal_disk_warn_time = $1\nwal_disk_critical_time = $2/" "$conf"
}

# a logical slot: it retains WAL as a physical one does, and is no
# orphaned standby's (status says nothing of it but its retention)
ok "wal_level = logical" fx_psql pg1 "ALTER SYSTEM SET wal_level = logical" &&
	ok "restart pg1" fx_pg_restart pg1 || bail_out "pg1 does not restart"
ok "checkpoint on pg1" fx_psql pg1 "CHECKPOINT"
ok "an inactive slot that retains WAL" \
	fx_psql pg1 "SELECT pg_create_logical_replication_slot('keeper', 'test_decoding')"
st --json
is "$rc" 0 "one sample: healthy" || diag "$out"
free=$(jqv '.nodes[0].wal_disk.free_bytes')
now=$(df_free)
ok "free bytes near what df says of the tmpfs ($free vs $now)" \
	test "${free:-0}" -gt 0 -a $((free - now)) -le $((16 * 1024 * 1024)) -a $((now - free)) -le $((16 * 1024 * 1024))
ok "less than 256 MB: the tmpfs, not the file system of the data directory" test "${free:-0}" -lt $((256 * 1024 * 1024))
is "$(jqv '.nodes[0].wal_disk | [.growing, .time_left_s, .error] | map(tostring) | join(" ")')" "null null null" \
	"no growth yet: growing and time_left_s null, no error"
state=$XDG_STATE_HOME/pgreplica/fx.pg1.wal-disk	# the cluster's name, the node's
ok "the samples' state file exists" test -f "$state"
is "$(stat -c %a "$state")" 600 "mode 0600"
is "$(head -n 1 "$state")" "system_identifier $(fx_psql pg1 'SELECT system_identifier FROM pg_control_system()')" \
	"its first line: the server's system identifier"
st
like "$out" 'WAL disk: +[0-9]+ bytes \([0-9.]+ MB\) free, time left not known yet' "text: the free bytes, no time left yet" || diag "$out"

# WAL the slot retains, then a sample at least 20 s after the first
t0=$(date +%s)
ok "about 40 MB of WAL written" fx_psql pg1 \
	"CREATE TABLE filler (i int, t text); INSERT INTO filler SELECT g, repeat('x', 100) FROM generate_series(1, 250000) g; SELECT pg_switch_wal()"
# the slope needs samples 20 s apart: wait for the clock, not a condition
ok "21 s since the first sample" fx_poll 60 sh -c "[ \$(date +%s) -ge $((t0 + 21)) ]"
st --json
is "$rc" 2 "growing, full in minutes: exit 2 (default critical 4 h)" || diag "$out"
is "$(problems)" "wal_disk_full:error" "the problem: wal_disk_full, an error"
growth=$(jqv '.nodes[0].wal_disk.growth_bytes_per_s')
left=$(jqv '.nodes[0].wal_disk.time_left_s')
free=$(jqv '.nodes[0].wal_disk.free_bytes')
ok "growth over 500 kB/s ($growth)" awk -v g="$growth" 'BEGIN { exit !(g > 500000) }'
ok "time left = free / growth ($left s)" awk -v l="$left" -v f="$free" -v g="$growth" \
	'BEGIN { d = l - f / g; exit !(d < 1 && d > -1) }'
is "$(jqv '.nodes[0].wal_disk.growing')" true "growing: true"
st
like "$out" 'WAL disk: +[0-9]+ bytes \([0-9.]+ MB\) free, full in [0-9]+ (s|min)' "text: full in seconds or minutes" || diag "$out"
like "$out" 'the file system of pg_wal on "pg1" is full in about [0-9]+ (s|min) at the growth of its slots. retention' \
	"the problem's sentence" || diag "$out"
nagios
is "$rc" 2 "check --nagios: CRITICAL" || diag "$out"
like "$out" '^PGREPLICA CRITICAL - the file system of pg_wal on "pg1" is full in about' "saying why" || diag "$out"
st --format=prometheus
like "$out" $'\npgreplica_wal_disk_free_bytes\\{cluster="fx",node="pg1"\\} [0-9]+\n' "prometheus: free bytes"
like "$out" $'\npgreplica_wal_disk_growth_bytes_per_second\\{cluster="fx",node="pg1"\\} [0-9.e+]+\n' "prometheus: growth"
like "$out" $'\npgreplica_wal_disk_full_seconds\\{cluster="fx",node="pg1"\\} [0-9.e+]+\n' "prometheus: seconds left"
if command -v promtool >/dev/null; then
	ok "promtool check metrics accepts it" promtool check metrics <<<"$out"
else
	skip 1 "promtool is not installed (Debian package prometheus)"
fi

thresholds 100h 1s
nagios
is "$rc" 1 "under wal_disk_warn_time only: WARNING" || diag "$out"
st --json
is "$(problems)" "wal_disk_full:degraded" "wal_disk_full degraded"
thresholds 2s 1s
st --json
is "$rc" 0 "thresholds below the time left: healthy" || diag "$out"
thresholds soon 1s
st
is "$rc" 2 "a bad wal_disk_warn_time: exit 2" || diag "$out"
like "$out" 'invalid value "soon" for "wal_disk_warn_time"' "naming the key and the value" || diag "$out"
like "$out" '"wal_disk_warn_time" is a positive duration' "with a hint" || diag "$out"
sed -i '/^wal_disk_/d' "$conf"

# a retention that shrinks (samples of this server, larger before): not
# filling up, no problem
sysid=$(fx_psql pg1 'SELECT system_identifier FROM pg_control_system()')
printf 'system_identifier %s\n%s 999999999999\n%s 999999999999\n' "$sysid" \
	$(($(date +%s) - 120)) $(($(date +%s) - 60)) >"$state"
st
is "$rc" 0 "a shrinking retention: healthy" || diag "$out"
like "$out" 'WAL disk: +[0-9]+ bytes \([0-9.]+ MB\) free, not filling up' "text: not filling up" || diag "$out"
printf 'system_identifier %s\n%s 999999999999\n%s 999999999999\n' "$sysid" \
	$(($(date +%s) - 120)) $(($(date +%s) - 60)) >"$state"
st --json
is "$(jqv '.nodes[0].wal_disk | [.growing, .time_left_s] | map(tostring) | join(" ")')" "false null" \
	"JSON: growing false, time_left_s null"
st --format=prometheus
like "$out" $'\npgreplica_wal_disk_full_seconds\\{cluster="fx",node="pg1"\\} \\+Inf\n' "prometheus: +Inf seconds"
if command -v promtool >/dev/null; then
	ok "promtool accepts +Inf" promtool check metrics <<<"$out"
else
	skip 1 "promtool is not installed (Debian package prometheus)"
fi

# another server under the same name: its samples are not inherited
printf 'system_identifier 1\n%s 0\n%s 999999999999\n' $(($(date +%s) - 100)) $(($(date +%s) - 50)) >"$state"
st --json
is "$(jqv '.nodes[0].wal_disk.growing')" null "samples of another system identifier: dropped" || diag "$out"
is "$(wc -l <"$state")" 2 "the file starts again: its identifier and one sample"

# a node whose ssh cannot be reached
sed -i 's/^ssh = .*/ssh = nobody@127.0.0.1:1/' "$conf"
st --json
is "$rc" 0 "ssh unreachable: status is not failed for it" || diag "$out"
like "$(jqv '.nodes[0].wal_disk.error')" '.' "the reason, in wal_disk.error" || diag "$out"
is "$(jqv '.nodes[0].wal_disk.free_bytes')" null "no free bytes"
st
like "$out" 'WAL disk: ' "text: the line says why" || diag "$out"

done_testing
