#!/bin/bash
# apply-standby-copy.sh - the standby's copy: its figures, its rate limit,
# the room it needs (issue 18).
#
# pg1 is the primary, with about 100 MB of data; pg2 and pg3 fresh servers
# on their own hosts, reached over SSH as the servers' account.
# - plan shows --max-rate when asked, and the limit;
# - apply --yes --max-rate=10M builds pg2: the copy's last figures (the
#   log's "base backup: SIZE copied in S s") are within 10% of the size of
#   pg2's new data directory (pg_wal aside: streamed, not counted), and the
#   rate, measured on pg1 as the bytes streamed over the time between the
#   first and last samples of pg_stat_progress_basebackup, within 10% of
#   10 MB/s, the log's rate within 10% of that;
# - pg3's data directory is on a 160 MB file system, too small for a copy
#   of pg1: check, plan and apply refuse with the figures; resync
#   --method=clone refuses before anything is stopped or moved (pg3's
#   server still the same process, its data directory where it was);
# - why pg_rewind cannot, before anything is stopped: pg3 is another
#   system; pg2 (a copy of pg1) has neither wal_log_hints nor checksums:
#   --method=rewind refuses with the reason, the dry run says it and shows
#   the copy instead; pg1, the former primary after a failover, whose WAL
#   from the fork has been recycled: --method=rewind refuses, saying so;
# - clone_compression: plan shows --compress=server-lz4 / server-zstd:level=N,
#   a bad value is refused; pg1 then copied afresh from pg2 with lz4.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-standby-copy.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
[ "$(id -u)" = 0 ] || skip_all "needs root (a small tmpfs for pg3's data directory)"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
# pg1 is copied afresh at the end, as pg2 first: its account owns the parent
chown "$FX_USER" "$FX_DIR/pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 ||
	bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 ||
	bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"
# pg3's whole directory on a small file system: its server fits, a copy
# of pg1 (its databases plus 1 GB of WAL) does not
ok "a 160 MB file system for pg3" fx_tmpfs "$FX_DIR/pg3" 160m || bail_out "no tmpfs"
ok "initdb pg3" fx_pg_init pg3 && ok "start pg3" fx_pg_start pg3 ||
	bail_out "no third server"
ok "sshd on pg3" fx_sshd pg3 && ok "pg3's host key trusted" fx_ssh_trust pg3 ||
	bail_out "no sshd on pg3"
chown "$FX_USER" "$FX_DIR/pg3"

# about 100 MB of data, so that a copy at 10 MB/s lasts about 10 s
ok "100 MB of data on pg1" fx_psql pg1 \
	"CREATE TABLE filler AS SELECT g, repeat(md5(g::text), 6) AS t FROM generate_series(1, 330000) g"

conf=$FX_DIR/cluster.conf
conf3=$FX_DIR/cluster3.conf
data2=$(fx_pgdata pg2)
data3=$(fx_pgdata pg3)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2
fx_cluster_file "$conf3" pg1 pg3

run()
{
	local c=$1
	shift
	out=$("$PGREPLICA" -c "$c" --ssh-config "$FX_SSH_CONFIG" "$@" </dev/null 2>&1)
	rc=$?
}

# SIZE UNIT (as pgreplica prints them: 1024-based) -> bytes
to_bytes()
{
	awk -v n="$1" -v u="$2" 'BEGIN {
		m = 1; if (u == "kB") m = 1024; else if (u == "MB") m = 1048576; else if (u == "GB") m = 1073741824
		printf "%d\n", n * m }'
}

# within A B PERCENT: |A - B| <= B * PERCENT / 100
within()
{
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= b * p / 100) }'
}

# ---------------------------------------------------------------------------
# the rate limit, in the plan
run "$conf" plan --max-rate=10M
is "$rc" 0 "plan --max-rate=10M exits 0" || diag "$out"
like "$out" "'-P' '-v' '--max-rate=10240k'" "plan shows pg_basebackup's --max-rate" || diag "$out"
like "$out" "the copy limited to 10(\.0)? MB/s" "plan says the limit"
run "$conf" plan --max-rate=10MB
isnt "$rc" 0 "plan --max-rate=10MB is refused"
like "$out" "invalid transfer rate \"10MB\"" "with the value" || diag "$out"
like "$out" "32k to 1024M" "and a hint"

# clone_compression: the primary (15, built with lz4 and zstd) compresses
fx_cluster_file -o clone_compression=lz4 "$FX_DIR/lz4.conf" pg1 pg2
run "$FX_DIR/lz4.conf" plan
like "$out" "'-P' '-v' '--compress=server-lz4'" "clone_compression = lz4: plan shows --compress=server-lz4" || diag "$out"
like "$out" "the copy compressed by pg1 with lz4" "and says so"
fx_cluster_file -o clone_compression=zstd:3 "$FX_DIR/zstd.conf" pg1 pg2
run "$FX_DIR/zstd.conf" plan
like "$out" "'--compress=server-zstd:level=3'" "clone_compression = zstd:3: --compress=server-zstd:level=3" || diag "$out"
fx_cluster_file -o clone_compression=gzip "$FX_DIR/gzip.conf" pg1 pg2
run "$FX_DIR/gzip.conf" plan
isnt "$rc" 0 "clone_compression = gzip is refused"
like "$out" "invalid value \"gzip\" for \"clone_compression\"" "naming the key" || diag "$out"

# ---------------------------------------------------------------------------
# the copy, limited
# the rate measured on pg1 while the copy runs, from pg_stat_progress_basebackup
# (bytes streamed, sampled with the time): neither pgreplica's figures nor
# the fixed cost before the copy (checkpoint, connection, sizing)
samples=$FX_DIR/rate-samples
: >"$samples"
(
	while :; do
		v=$(fx_psql pg1 "SELECT backup_streamed FROM pg_stat_progress_basebackup WHERE phase = 'streaming database files'" 2>/dev/null)
		[ -n "$v" ] && printf '%s %s\n' "$(date +%s.%N)" "$v" >>"$samples"
		sleep 0.5
	done
) &
sampler=$!
fx_on_teardown kill "$sampler"
run "$conf" apply --yes --max-rate=10M
kill "$sampler" 2>/dev/null
wait "$sampler" 2>/dev/null
is "$rc" 0 "apply --yes --max-rate=10M exits 0" || diag "$out"
like "$out" "copying pg2 from pg1 with pg_basebackup, at most 10(\.0)? MB/s" "the log says the limit"
last=$(printf '%s\n' "$out" | sed -n 's/.*base backup: \([0-9.]*\) \([kMG]*B\) copied in \([0-9.]*\) s .*/\1 \2 \3/p' | tail -n 1)
ok "the log says what was copied, in how long" test -n "$last" || diag "$out"
set -- $last
copied=$(to_bytes "${1:-0}" "${2:-B}")
secs=${3:-0}
# the new data directory, pg_wal aside (streamed alongside, not in the figures)
size2=$(du -sb --exclude=pg_wal "$data2" | cut -f1)
diag "copied $copied bytes in $secs s; pg2's data directory without pg_wal: $size2 bytes"
ok "the last figures ($copied B) are within 10% of the data directory's size ($size2 B)" \
	within "$copied" "$size2" 10
ok "the copy was over 80 MB (else the rate says little)" test "$copied" -gt 80000000
# the first and last samples, at least 5 s apart
rate=$(awk 'NR == 1 { t0 = $1; b0 = $2 } { t = $1; b = $2 }
	END { if (NR >= 2 && t - t0 >= 5) printf "%d\n", (b - b0) / (t - t0); else print 0 }' "$samples")
diag "rate on pg1: $rate B/s over $(wc -l <"$samples") samples, limit $((10 * 1048576)) B/s"
ok "the copy held 10 MB/s within 10% ($rate B/s)" within "$rate" $((10 * 1048576)) 10
# pgreplica's own figure, for the log and the gauge
lograte=$(printf '%s\n' "$out" | sed -n 's/.*base backup: .* copied in .* s (\([0-9.]*\) \([kMG]*B\)\/s)$/\1 \2/p' | tail -n 1)
set -- $lograte
lograte=$(to_bytes "${1:-0}" "${2:-B}")
ok "the log's rate ($lograte B/s) agrees with it within 10%" within "$lograte" "$rate" 10
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is a standby"

# ---------------------------------------------------------------------------
# no room for a copy on pg3
pid3=$(fx_pg_pid pg3)
run "$conf3" check
isnt "$rc" 0 "check: pg3 has no room for a copy"
like "$out" "not enough free space for the base backup on pg3: [0-9]+ MB free in \"$FX_DIR/pg3[^\"]*\", [0-9]+ MB needed" \
	"check says so with the figures" || diag "$out"
run "$conf3" apply --yes
isnt "$rc" 0 "apply --yes refuses to build pg3"
like "$out" "not enough free space for the base backup on pg3" "apply says why" || diag "$out"
like "$out" "nothing was stopped or moved" "and that nothing was stopped or moved"
is "$(fx_pg_pid pg3)" "$pid3" "pg3's server still runs, the same process"
is "$(ls -d "$data3".pgreplica-* 2>/dev/null | wc -l)" 0 "pg3's data directory was not moved"

run "$conf3" resync pg3 --method=clone --yes
isnt "$rc" 0 "resync --method=clone refuses"
like "$out" "not enough free space for the base backup on pg3: [0-9]+ MB free" "with the figures" || diag "$out"
unlike "$out" "stopping pg3" "before stopping pg3"
is "$(fx_pg_pid pg3)" "$pid3" "pg3's server still runs, the same process"
ok "pg3's data directory is where it was" test -f "$data3/PG_VERSION"
is "$(ls -d "$data3".pgreplica-* 2>/dev/null | wc -l)" 0 "nothing moved aside"

run "$conf3" resync pg3 --method=clone --dry-run
isnt "$rc" 0 "resync --method=clone --dry-run says the same"
like "$out" "not enough free space for the base backup on pg3" "dry run: no room" || diag "$out"

# ---------------------------------------------------------------------------
# why pg_rewind cannot, said before anything is stopped
run "$conf3" resync pg3 --method=rewind --yes
isnt "$rc" 0 "resync pg3 --method=rewind refuses: pg3 is another system"
like "$out" "pg_rewind cannot re-sync pg3: pg3 is not a copy of pg1: their system identifiers differ" \
	"and says why" || diag "$out"
is "$(fx_psql pg3 'SELECT 1')" 1 "pg3 still answers"
is "$(fx_pg_pid pg3)" "$pid3" "pg3's server was not stopped"
run "$conf3" resync pg3 --dry-run
isnt "$rc" 0 "resync pg3 --dry-run: a copy is needed and does not fit"
like "$out" "pg_rewind cannot re-sync pg3: pg3 is not a copy of pg1.*a copy is needed" "dry run: why a copy" || diag "$out"
like "$out" "not enough free space for the base backup on pg3" "dry run: and no room for it"

# pg2, a copy of pg1, without wal_log_hints (and no data checksums)
ok "wal_log_hints off on pg2" fx_psql pg2 "ALTER SYSTEM SET wal_log_hints = off"
ok "pg2 restarted" fx_pg_restart pg2
is "$(fx_psql pg2 "SELECT current_setting('wal_log_hints') || current_setting('data_checksums')")" offoff \
	"pg2: neither wal_log_hints nor checksums"
pid2=$(fx_pg_pid pg2)
run "$conf" resync pg2 --method=rewind --yes
isnt "$rc" 0 "resync pg2 --method=rewind refuses"
like "$out" "pg_rewind cannot re-sync pg2: pg2 has neither wal_log_hints nor data checksums on" \
	"and says why" || diag "$out"
is "$(fx_pg_pid pg2)" "$pid2" "pg2's server was not stopped"
run "$conf" resync pg2 --dry-run
is "$rc" 0 "resync pg2 --dry-run exits 0" || diag "$out"
like "$out" "pg_rewind cannot re-sync pg2: pg2 has neither wal_log_hints nor data checksums on.*; a copy is needed" \
	"dry run: why a copy" || diag "$out"
like "$out" "copy it afresh from pg1 with pg_basebackup" "dry run: the copy"
unlike "$out" "pg_rewind --target-pgdata" "dry run: no pg_rewind step"

# pg1, the former primary after a failover, whose WAL from the fork has gone
ok "pg1 stopped" fx_pg_stop pg1 fast
run "$conf" promote pg2 --yes
is "$rc" 0 "pg2 promoted" || diag "$out"
fork=$(fx_psql pg2 "SELECT pg_read_file('pg_wal/00000002.history')" | awk -F'\t' '$1 == 1 { print $2 }')
ok "pg2's history says where it left timeline 1 ($fork)" test -n "$fork"
ok "pg1 started alone (it diverges)" fx_pg_start pg1
fx_psql pg1 "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" >/dev/null
for i in 1 2 3 4 5 6 7 8; do
	fx_psql pg1 "CREATE TABLE IF NOT EXISTS diverged(x int); INSERT INTO diverged SELECT generate_series(1, 1000); SELECT pg_switch_wal(); CHECKPOINT" >/dev/null
done
forkseg=$(fx_psql pg1 "SELECT substr(pg_walfile_name('$fork'), 9)")
oldest=$(fx_psql pg1 "SELECT substr(min(name), 9) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'")
diag "the fork's segment: ...$forkseg; pg1's oldest: ...$oldest"
ok "pg1's pg_wal no longer has the fork's segment" test "$oldest" \> "$forkseg"
pid1=$(fx_pg_pid pg1)
run "$conf" resync pg1 --method=rewind --yes
isnt "$rc" 0 "resync pg1 --method=rewind refuses"
like "$out" "pg_rewind cannot re-sync pg1: the WAL of pg1 from where its history and pg2's went apart \\($fork, timeline 1\\) is no longer in its pg_wal" \
	"and says why: the WAL from the fork is gone" || diag "$out"
is "$(fx_pg_pid pg1)" "$pid1" "pg1's server was not stopped"

# so pg1 is copied afresh from pg2, which compresses it (lz4)
sed -i 's/^\[cluster\]$/[cluster]\nclone_compression = lz4/' "$conf"
run "$conf" resync pg1 --method=clone --yes
is "$rc" 0 "resync pg1 --method=clone with clone_compression = lz4 exits 0" || diag "$out"
ok "pg2 sees pg1 streaming" fx_wait_streaming pg2 pg1
last=$(printf '%s\n' "$out" | sed -n 's/.*base backup: \([0-9.]*\) \([kMG]*B\) copied in .*/\1 \2/p' | tail -n 1)
set -- $last
copied=$(to_bytes "${1:-0}" "${2:-B}")
size1=$(du -sb --exclude=pg_wal "$(fx_pgdata pg1)" | cut -f1)
ok "compressed, the figures are still the data's ($copied B, data directory $size1 B)" \
	within "$copied" "$size1" 10

done_testing
