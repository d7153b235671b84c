#!/bin/bash
# failover-hba.sh - after a promotion, follow and resync make the new
# primary serve its standbys: its pg_hba.conf replication rules and its SSL
# certificate, on servers whose pg_hba.conf holds only what apply writes.
#
# pg1 primary, pg2 and pg3 standbys built by "pgreplica apply --yes" with
# ssl = on, each on its own host reached over SSH.  Every pg_hba.conf lets
# in the local socket and the operator's address (pgreplica's own
# superuser sessions), nothing else: the replication rules are the ones the
# pg_hba.conf step writes, on pg1 only.  pg2 (a standby keeps its own
# pg_hba.conf) has none, and serves pg1's certificate, as a standby copied
# without a certificate of its own would.
# - pg1 dies; "promote pg2 --yes";
# - "follow pg3 --yes": pg2 gets its own certificate (covering its address)
#   and the replication rules for pg1 and pg3 (hostssl, scram-sha-256),
#   reloaded; pg3 streams from pg2 over SSL (sslmode=verify-full);
# - "resync pg1 --yes": pg1 streams from pg2;
# - every row is on all three nodes; following again changes nothing on
#   pg2 (its pg_hba.conf not rewritten).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/failover-hba.sh

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
command -v openssl >/dev/null || skip_all "no openssl command"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
fx_netns_ok || skip_all "every host shares one address without network namespaces: pg_hba.conf rules per host cannot be told apart"
for h in pg1 pg2 pg3; do
	ok "initdb $h" fx_pg_init "$h" &&
		ok "$h's pg_hba.conf: the local socket and the operator only" \
			fx_pg_hba "$h" "host all postgres $FX_RUNNER_ADDR/32 scram-sha-256" &&
		ok "start $h" fx_pg_start "$h" &&
		ok "sshd on $h" fx_sshd "$h" && ok "$h's host key trusted" fx_ssh_trust "$h" ||
		bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file -o ssl=on "$conf" pg1 pg2 pg3

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM drill"; }
repl_rules() { grep -E "^hostssl +replication +replicate +" "$(fx_pgdata "$1")/pg_hba.conf"; }
ssl_of() { fx_psql "$1" "SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = '$2'"; }

run apply --yes
is "$rc" 0 "apply --yes builds pg2 and pg3 with ssl = on" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
is "$(ssl_of pg1 pg3)" t "over SSL"
like "$(repl_rules pg1)" "$FX_ADDR_pg3/32" "pg1 has the replication rules apply wrote"
is "$(repl_rules pg2)" "" "pg2 has none: a standby keeps its own pg_hba.conf"

# pg2 serves pg1's certificate, as a copy made without one of its own would
data1=$(fx_pgdata pg1) data2=$(fx_pgdata pg2)
cp -p "$data1/server.crt" "$data2/server.crt" && cp -p "$data1/server.key" "$data2/server.key"
ok "pg2 holds pg1's certificate" fx_pg_restart pg2
ok "pg2 streams again" fx_wait_streaming pg1 pg2

ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY); INSERT INTO drill SELECT generate_series(1, 100)"
ok "pg2 has them" fx_wait_catchup pg1 pg2
ok "pg3 has them" fx_wait_catchup pg1 pg3
ok "pg1 stopped (immediate)" fx_pg_stop pg1 immediate
run promote pg2 --yes
is "$rc" 0 "promote pg2 --yes exits 0" || diag "$out"

run follow pg3 --yes
is "$rc" 0 "follow pg3 --yes exits 0" || diag "$out"
like "$out" "pg_hba.conf on pg2" "the pg_hba.conf step ran on pg2"
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
is "$(ssl_of pg2 pg3)" t "over SSL"
like "$(repl_rules pg2)" "hostssl +replication +replicate +$FX_ADDR_pg3/32 +scram-sha-256" \
	"pg2 has pg3's replication rule"
like "$(repl_rules pg2)" "$FX_ADDR_pg1/32" "and pg1's (a standby of the cluster file too)"
like "$(openssl x509 -in "$data2/server.crt" -noout -ext subjectAltName 2>&1)" "IP Address:$FX_ADDR_pg2\$" \
	"pg2's certificate is its own now (covers its address)"
ok "pg2's pg_hba.conf backed up before the change" test -n "$(ls "$data2"/pg_hba.conf.* 2>/dev/null)"

ok "rows on pg2" fx_psql pg2 "INSERT INTO drill SELECT generate_series(101, 200)"
run resync pg1 --yes
is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
diag "resync: $(grep -E 'rewind|afresh' <<<"$out" | head -n 3)"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1 120
is "$(ssl_of pg2 pg1)" t "over SSL"
ok "more rows on pg2" fx_psql pg2 "INSERT INTO drill VALUES (201)"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
want=$(seq -s, 1 201)
is "$(rows pg2)" "$want" "pg2 has every row"
is "$(rows pg1)" "$want" "pg1 has every row"
is "$(rows pg3)" "$want" "pg3 has every row"

before=$(md5sum <"$data2/pg_hba.conf")
run follow pg3 --yes
is "$rc" 0 "following again exits 0" || diag "$out"
like "$out" "pg_hba.conf on pg2: nothing to do" "pg2's pg_hba.conf: nothing to do"
is "$(md5sum <"$data2/pg_hba.conf")" "$before" "and it is unchanged"

done_testing
