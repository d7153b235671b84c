#!/usr/bin/env bash
# debian-layout.sh - Debian's own clusters (postgresql-common): a standby
# built, then promoted and the old primary re-synchronised, all through
# pg_ctlcluster, with the configuration in /etc/postgresql/VERSION/NAME and
# the data in /var/lib/postgresql/VERSION/NAME, as the packaged servers are.
#
# Both clusters run on this machine (ssh = local), owned by the postgres
# account; pgreplica runs as root and reaches them through `become =
# postgres` (sudo -n -u postgres).  Checked:
#   - apply --yes: the replication rule lands in /etc/.../pga/pg_hba.conf
#     (owner and mode kept, a backup beside it), pgb is rebuilt from pga
#     (its old data directory moved aside), keeps its own configuration in
#     /etc (its port), is started by pg_ctlcluster and streams; status 0;
#   - promote pgb --fence: pga stopped by pg_ctlcluster, pgb primary;
#   - resync pga: rewound, streaming from pgb, every row on both.
# Needs root, the postgres account and pg_createcluster; skipped otherwise.
#
# Run by hand (as root):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/debian-layout.sh

. "${top_srcdir:-.}/tests/lib/tap.sh"
. "${top_srcdir:-.}/tests/lib/fixture.sh"

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
[ "$(id -u)" = 0 ] || skip_all "needs root (pg_createcluster)"
command -v pg_createcluster >/dev/null && command -v pg_ctlcluster >/dev/null ||
	skip_all "no postgresql-common (pg_createcluster)"
id postgres >/dev/null 2>&1 || skip_all "no postgres account"
command -v sudo >/dev/null || skip_all "no sudo (become)"

fx_setup
fx_host pga --runner
fx_host pgb --runner
bindir=$FX_PG_BINDIR
ver=$("$bindir/postgres" --version | sed -n 's/.* \([0-9][0-9]*\)\..*/\1/p')
[ -n "$ver" ] || bail_out "cannot tell the server's major version"
# cluster names of this run only (pg_lsclusters is machine-wide)
ca=pgrt$$a
cb=pgrt$$b
dataa=/var/lib/postgresql/$ver/$ca
datab=/var/lib/postgresql/$ver/$cb

cleanup_clusters()
{
	local c
	for c in "$ca" "$cb"; do
		pg_ctlcluster "$ver" "$c" stop -m immediate >/dev/null 2>&1
		pg_dropcluster "$ver" "$c" >/dev/null 2>&1
		# what pg_dropcluster leaves: pgreplica's backups of pg_hba.conf
		rm -rf "/etc/postgresql/$ver/$c"
	done
	rm -rf "$dataa".pgreplica-* "$datab".pgreplica-* \
		/var/lib/postgresql/$ver/.pgreplica-pga.* /var/lib/postgresql/$ver/.pgreplica-pgb.*
}
fx_on_teardown cleanup_clusters

pw=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
as_pg() { (cd / && sudo -n -u postgres "$@"); }
# psql as postgres on the cluster's unix socket (peer); SQL on stdin
psql_on() { as_pg psql -X -q -At -p "$1" -d postgres -v ON_ERROR_STOP=1 -f - 2>&1; }

for c in "$ca" "$cb"; do
	case $c in "$ca") port=$FX_PORT_pga ;; *) port=$FX_PORT_pgb ;; esac
	ok "pg_createcluster $ver $c (port $port)" \
		pg_createcluster -q "$ver" "$c" -p "$port" -- --auth-local=peer --auth-host=scram-sha-256
	ok "pg_ctlcluster $ver $c start" pg_ctlcluster "$ver" "$c" start
	# the superuser's password, for pgreplica's connections over TCP
	printf "SET password_encryption = 'scram-sha-256'; ALTER ROLE postgres PASSWORD '%s';\n" "$pw" |
		psql_on "$port" >/dev/null || bail_out "cannot set the superuser's password on $c"
done
export PGPASSFILE=$FX_DIR/debian.pgpass
printf '127.0.0.1:*:*:postgres:%s\n' "$pw" >"$PGPASSFILE"
chmod 600 "$PGPASSFILE"
export XDG_CONFIG_HOME=$FX_DIR/config XDG_STATE_HOME=$FX_DIR/state

conf=$FX_DIR/cluster.conf
cat >"$conf" <<EOF
[cluster]
name = debian
replication_user = replicate
ssl = off
slots = on

[node "pga"]
role = primary
host = 127.0.0.1
port = $FX_PORT_pga
dbuser = postgres
ssh = local
become = postgres
pgdata = $dataa
bindir = $bindir
service = pg_ctlcluster $ver $ca

[node "pgb"]
role = standby
upstream = pga
host = 127.0.0.1
port = $FX_PORT_pgb
dbuser = postgres
ssh = local
become = postgres
pgdata = $datab
bindir = $bindir
service = pg_ctlcluster $ver $cb
EOF

run() { out=$("$PGREPLICA" -c "$conf" "$@" </dev/null 2>&1); rc=$?; }
q() { printf '%s\n' "$2" | psql_on "$1"; }
hba=/etc/postgresql/$ver/$ca/pg_hba.conf
# Debian's template lets every role replicate from 127.0.0.1: without
# those lines, pga needs the rule pgreplica writes
sed -i -E '/^(local|host)[[:space:]]+replication[[:space:]]/d' "$hba"
pg_ctlcluster "$ver" "$ca" reload
hba_stat_before=$(stat -c '%U:%G %a' "$hba")
echo "CREATE TABLE t (i int); INSERT INTO t VALUES (1);" | psql_on "$FX_PORT_pga" >/dev/null

# ---------------------------------------------------------------------------
# apply: the rule in /etc, pgb rebuilt and started by pg_ctlcluster
run apply --yes
is "$rc" 0 "apply --yes on Debian's clusters exits 0" || diag "$out"
like "$(cat "$hba")" "host +replication +replicate +127\.0\.0\.1/32" \
	"the replication rule is in $hba (the server's hba_file)"
is "$(stat -c '%U:%G %a' "$hba")" "$hba_stat_before" "its owner and mode are kept"
ok "a backup of it is beside it" compgen -G "$hba.pgreplica-*"
ok "pgb's old data directory was moved aside" compgen -G "$datab.pgreplica-*"
ok "pgb streams from pga" fx_poll 30 eval \
	"[ \"\$(q $FX_PORT_pga \"SELECT state FROM pg_stat_replication WHERE application_name = 'pgb'\")\" = streaming ]"
like "$(pg_lsclusters "$ver" "$cb" --no-header)" "online,recovery" "pg_lsclusters: pgb online, in recovery"
is "$(q "$FX_PORT_pgb" 'SHOW port')" "$FX_PORT_pgb" "pgb kept its own configuration in /etc (its port)"
ok "no postgresql.conf copied into pgb's data directory" test ! -e "$datab/postgresql.conf"
ok "standby.signal in pgb's data directory" test -f "$datab/standby.signal"
is "$(stat -c '%U %a' "$datab/.." )" "postgres 755" "the data directories' parent is untouched"
is "$(stat -c '%U' "$datab")" postgres "pgb's data directory belongs to postgres"
run status
is "$rc" 0 "status: healthy" || diag "$out"
q "$FX_PORT_pga" "INSERT INTO t VALUES (2)" >/dev/null
ok "pgb has the primary's rows" fx_poll 30 eval \
	"[ \"\$(q $FX_PORT_pgb 'SELECT count(*) FROM t')\" = 2 ]"
run apply --yes
is "$rc" 0 "a second apply exits 0" || diag "$out"
like "$out" "Nothing to do" "and has nothing to do"

# ---------------------------------------------------------------------------
# promote pgb, fencing pga through pg_ctlcluster; then resync pga
run promote pgb --yes --fence
is "$rc" 0 "promote pgb --fence exits 0" || diag "$out"
like "$(pg_lsclusters "$ver" "$ca" --no-header)" "down" "pga stopped by pg_ctlcluster"
is "$(q "$FX_PORT_pgb" 'SELECT pg_is_in_recovery()')" f "pgb is a primary"
like "$(cat "$conf")" $'\\[node "pgb"\\]\nrole = primary' "the cluster file says so"
q "$FX_PORT_pgb" "INSERT INTO t VALUES (3)" >/dev/null
run resync pga --yes
is "$rc" 0 "resync pga exits 0" || diag "$out"
like "$(pg_lsclusters "$ver" "$ca" --no-header)" "online,recovery" "pg_lsclusters: pga online, in recovery"
ok "pga streams from pgb" fx_poll 30 eval \
	"[ \"\$(q $FX_PORT_pgb \"SELECT state FROM pg_stat_replication WHERE application_name = 'pga'\")\" = streaming ]"
ok "pga has every row" fx_poll 30 eval \
	"[ \"\$(q $FX_PORT_pga 'SELECT count(*), sum(i) FROM t')\" = '3|6' ]"
ok "pga's configuration in /etc is its own (its port)" \
	test "$(q "$FX_PORT_pga" 'SHOW port')" = "$FX_PORT_pga"
run status
is "$rc" 0 "status: healthy after the failover" || diag "$out"

done_testing
