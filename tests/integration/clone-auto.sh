#!/bin/bash
# clone-auto.sh - clone_compression = auto, the default (issue 18): the
# link from the primary measured by the copy itself (its first seconds,
# clone_auto_watch_script), and the copy started again compressed only
# when the link is the bottleneck.
#
# pg1 (PostgreSQL 15+, built with lz4 and zstd) is the primary with about
# 40 MB of compressible data (pgbench); pg2 a fresh server on its own host.
# - plan says the copy is compressed only if the link is slower than
#   16 MB/s, measured by the copy's first seconds; with --max-rate, not at
#   all;
# - apply over the bridge (unlimited): the log gives the measured rate and
#   the choice, which agrees with the rule (not compressed from 100 MB/s);
# - apply over a 40 Mbit/s link (tc tbf on pg1's eth0: the copy's
#   direction): the measure is below 5.5 MB/s, the uncompressed copy is
#   stopped and started again with zstd, nothing of it is left running or
#   on disk, pg2 streams with the primary's rows, and pg1's eth0 sent fewer
#   bytes than half the data directory (the copy really was compressed).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/clone-auto.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
[ "$(id -u)" = 0 ] || skip_all "needs root (tc in network namespaces)"
command -v tc >/dev/null || skip_all "no tc"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
fx_netns_ok || skip_all "needs network namespaces (the link is limited with tc)"
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 || bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 || bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 || bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"
major=$(fx_psql pg1 "SELECT current_setting('server_version_num')::int / 10000")
[ "${major:-0}" -ge 15 ] || skip_all "PostgreSQL $major: server compression needs 15 or later"
case $(fx_psql pg1 "SELECT setting FROM pg_config WHERE name = 'CONFIGURE'") in
	*--with-zstd*) ;;
	*) skip_all "pg1's server was built without zstd" ;;
esac
ok "about 40 MB of pgbench data on pg1" fx_as_user "$FX_PG_CLIENT_BINDIR/pgbench" -i -q -s 3 \
	-h "$FX_DIR/pg1/sock" -p "$FX_PORT_pg1" -U postgres postgres

conf=$FX_DIR/cluster.conf
data2=$(fx_pgdata pg2)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2
unlike "$(cat "$conf")" "clone_compression" "the cluster file leaves clone_compression to its default"

# bytes sent so far by pg1's eth0 (/proc/net/dev: the reader's namespace)
tx_bytes() { fx_on_host pg1 cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" {print $11}'; }
# the rate the log gives ("12.3 MB/s") in bytes/s
measured()
{
	printf '%s\n' "$out" | sed -n 's/.*the link from pg1 measured at \([0-9.]*\) \([kMG]*B\)\/s.*/\1 \2/p' | head -n1 |
		awk '{m = 1; if ($2 == "kB") m = 1024; else if ($2 == "MB") m = 1048576; else if ($2 == "GB") m = 1073741824
			printf "%d\n", $1 * m}'
}

# ---------------------------------------------------------------------------
# the plan
run plan
is "$rc" 0 "plan exits 0" || diag "$out"
like "$out" "the copy compressed by pg1 only if the link is slower than 16 MB/s \\(clone_compression = auto" \
	"plan: auto, measured by the copy" || diag "$out"
like "$out" "measured by the copy's first seconds; a slower copy starts again, compressed" \
	"plan: says a slow copy starts again" || diag "$out"
unlike "$out" "--compress" "plan: no --compress decided yet"
run plan --max-rate=10M
like "$out" "no compression of the copy \\(clone_compression = auto\\): its rate is limited" \
	"plan --max-rate: auto does not compress a limited copy" || diag "$out"

# ---------------------------------------------------------------------------
# over the bridge
run apply --yes
is "$rc" 0 "apply over the bridge exits 0" || diag "$out"
rate=$(measured)
ok "the log gives the link's measured rate (${rate:-none} B/s)" test -n "$rate" || diag "$out"
if [ "${rate:-0}" -ge $((16 * 1048576)) ]; then
	like "$out" "measured at [^:]*: the copy is not compressed" "fast link: the copy is not compressed" || diag "$out"
else
	like "$out" "measured at [^:]*: the copy is compressed by pg1 with lz4" "a loaded bridge under 16 MB/s: lz4" || diag "$out"
fi
ok "pg2 streams" fx_wait_streaming pg1 pg2

# ---------------------------------------------------------------------------
# over a 40 Mbit/s link (5 MB/s): zstd
ok "stop pg2 (to be rebuilt)" fx_pg_stop pg2 fast
ok "pg1's link limited to 40 Mbit/s" fx_slow_link pg1 40mbit
b0=$(tx_bytes)
run apply --yes
sent=$(( $(tx_bytes) - b0 ))
fx_fast_link pg1
is "$rc" 0 "apply over 40 Mbit/s exits 0" || diag "$out"
rate=$(measured)
ok "the measure is under the link's 5 MB/s, +10% (${rate:-none} B/s)" test "${rate:-999999999}" -le 5500000 || diag "$out"
# the copy's first seconds (the catalog's small files, TCP's start) ran at
# 1.2-2.4 MB/s on this 5 MB/s link
ok "and not absurdly low (over 512 kB/s)" test "${rate:-0}" -ge 524288
like "$out" "measured at [^:]*: the copy is compressed by pg1 with zstd" "slow link: zstd" || diag "$out"
like "$out" "stopped the uncompressed copy on pg2 to start it again, compressed" \
	"slow link: the uncompressed copy stopped and started again" || diag "$out"
is "$(printf '%s\n' "$out" | grep -c 'pg_basebackup: initiating base backup')" 2 \
	"slow link: two copies started, the second compressed" || diag "$out"
is "$(fx_on_host pg2 sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f" 2>/dev/null; echo; done' |
	grep -c '^[^ ]*pg_basebackup .*-D '"$data2")" 0 "slow link: no pg_basebackup of the stopped copy left running"
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(fx_psql pg2 'SELECT count(*) FROM pgbench_accounts')" 300000 "pg2 has the primary's rows"
size2=$(du -sb --exclude=pg_wal "$data2" | cut -f1)
ok "pg1 sent $sent bytes for a $size2-byte data directory: compressed" test "$sent" -lt $((size2 / 2))

done_testing
