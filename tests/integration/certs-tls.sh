#!/bin/bash
# certs-tls.sh - certificates made by src/formats/certs.c (through
# tests/tools/certs-driver) on a real PostgreSQL server.
#
# A CA and a server key and certificate for pg1's address (ECDSA P-256, then
# RSA 3072) are installed with ssl = on: a libpq client with
# sslmode=verify-full and the CA as sslrootcert connects by IP address, and
# pg_stat_ssl shows the connection encrypted; the certificate the server
# presents has the fingerprint certs_fingerprint reports.  Refused by the
# client: a host name that is not in the SAN; a certificate whose SAN does
# not cover the address (which check-covers catches before it is installed);
# a certificate of another CA.  Refused before install: a key that is not the
# certificate's, an expired certificate.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main top_builddir=BUILD bash tests/integration/certs-tls.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

DRIVER=${CERTS_DRIVER:-$top_builddir/tests/tools/certs-driver}
[ -x "$DRIVER" ] || skip_all "certs-driver not built ($DRIVER)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"

fx_setup
ok "initdb pg1" fx_pg_init pg1 || bail_out "no server"
addr=$FX_ADDR_pg1
port=$FX_PORT_pg1
data=$(fx_pgdata pg1)
C=$FX_DIR/certs
mkdir -p -m 0700 "$C"
root=0
[ "$(id -u)" = 0 ] && root=1
diag "pg1 at $addr:$port"

# install KEY CERT: the server's key and certificate, owned by the server's
# account, mode 0600; a running server is restarted (a reload re-reads them
# too, but later: a restart is done when pg_ctl returns).
install_pair()
{
	cp "$1" "$data/server.key" && cp "$2" "$data/server.crt" &&
	chmod 0600 "$data/server.key" "$data/server.crt" || return 1
	if [ $root = 1 ]; then
		chown "$FX_USER:" "$data/server.key" "$data/server.crt" || return 1
	fi
	if fx_pg_pid pg1 >/dev/null; then
		fx_pg_restart pg1
	fi
}

# conn_verify HOST-PART SQL: psql from the runner, verify-full against the CA.
conn_verify()
{
	env PGPASSFILE="$FX_PGPASSFILE" PGSSLMODE=verify-full PGSSLROOTCERT="$C/ca.crt" \
		PGCONNECT_TIMEOUT=10 "$FX_PG_CLIENT_BINDIR/psql" -XAtq -v ON_ERROR_STOP=1 \
		-c "$2" "$1 port=$port user=postgres dbname=postgres"
}

ssl_query="SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"

# ---- the CA and pg1's certificate (ECDSA) ----------------------------------
ok "CA made" "$DRIVER" ca "$C/ca.key" "$C/ca.crt" test || bail_out "no CA"
ok "server key and certificate made" \
	"$DRIVER" server "$C/ca.key" "$C/ca.crt" "$C/pg1.key" "$C/pg1.crt" "$addr" "$addr" pg1.test ||
	bail_out "no server certificate"
is "$(stat -c %a "$C/ca.key")" 600 "the CA key is mode 0600"
ok "check-server accepts it for $addr" \
	"$DRIVER" check-server "$C/pg1.crt" "$C/pg1.key" "$C/ca.crt" "$addr" pg1.test
info=$("$DRIVER" inspect "$C/pg1.crt")
like "$info" "SAN: IP:$addr, DNS:pg1.test" "inspect lists the SAN"
like "$info" "expires: [0-9]{4}-[0-9]{2}-[0-9]{2} \(825 days\)" "inspect shows the expiry"

ok "installed" install_pair "$C/pg1.key" "$C/pg1.crt"
cat >>"$data/postgresql.conf" <<EOF
# certs-tls.sh
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
EOF
ok "pg1 starts with ssl = on" fx_pg_start pg1 || bail_out "pg1 does not start with SSL"

out=$(conn_verify "host=$addr" "$ssl_query" 2>&1)
like "$out" '^t\|TLSv1\.[23]$' "verify-full by IP address connects, pg_stat_ssl shows ssl = true"

if command -v openssl >/dev/null; then
	seen=$(openssl s_client -connect "$addr:$port" -starttls postgres </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/^[^=]*=//')
	is "$seen" "$("$DRIVER" fingerprint "$C/pg1.crt")" \
		"the server presents the certificate with the fingerprint certs reports"
else
	diag "no openssl command: the presented certificate's fingerprint is not compared"
fi

out=$(conn_verify "host=not-in-san.test hostaddr=$addr" "SELECT 1" 2>&1)
like "$out" 'does not match host name "not-in-san\.test"' \
	"verify-full refuses a host name that is not in the SAN"

# ---- a certificate that does not cover the address ----------------------------
ok "certificate for another address made" \
	"$DRIVER" server "$C/ca.key" "$C/ca.crt" "$C/pg1.key" "$C/other.crt" 192.0.2.7 192.0.2.7 other.test
out=$("$DRIVER" check-covers "$C/other.crt" "$addr" 2>&1)
rc=$?
is "$rc" 1 "check-covers refuses it before install"
like "$out" "does not cover \"$addr\"" "the error names the address"
like "$out" "IP:192\.0\.2\.7, DNS:other\.test" "the error lists the SAN it has"
ok "installed anyway, to see what the client says" install_pair "$C/pg1.key" "$C/other.crt"
out=$(conn_verify "host=$addr" "SELECT 1" 2>&1)
like "$out" "does not match host name \"$addr\"" "libpq's verify-full refuses it too"

# ---- a certificate of another CA ----------------------------------------------
ok "another CA made" "$DRIVER" ca "$C/ca2.key" "$C/ca2.crt" other
ok "certificate of the other CA made" \
	"$DRIVER" server "$C/ca2.key" "$C/ca2.crt" "$C/pg1.key" "$C/ca2-pg1.crt" "$addr" "$addr"
out=$("$DRIVER" check-signed "$C/ca2-pg1.crt" "$C/ca.crt" 2>&1)
like "$out" "is not a server certificate of CA" "check-signed refuses it"
ok "installed" install_pair "$C/pg1.key" "$C/ca2-pg1.crt"
out=$(conn_verify "host=$addr" "SELECT 1" 2>&1)
like "$out" "certificate verify failed" "verify-full refuses a certificate of another CA"

# ---- refused before install ---------------------------------------------------
ok "a key of another pair" "$DRIVER" key "$C/stray.key"
out=$("$DRIVER" check-pair "$C/pg1.crt" "$C/stray.key" 2>&1)
rc=$?
is "$rc" 1 "check-pair refuses a key that is not the certificate's"
like "$out" "does not match the private key" "with a clear error"
now=$(date +%s)
ok "expired certificate made" "$DRIVER" --not-before $((now - 100 * 86400)) \
	--not-after $((now - 86400)) server "$C/ca.key" "$C/ca.crt" "$C/pg1.key" "$C/old.crt" "$addr" "$addr"
out=$("$DRIVER" check-server "$C/old.crt" "$C/pg1.key" "$C/ca.crt" "$addr" 2>&1)
rc=$?
is "$rc" 1 "check-server refuses an expired certificate"
like "$out" "has expired" "the error says it expired"
like "$out" "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC" "and names the dates"

# ---- RSA 3072 ---------------------------------------------------------------------
ok "RSA CA made" "$DRIVER" --key-type rsa-3072 ca "$C/rca.key" "$C/rca.crt" test
ok "RSA server key and certificate made" "$DRIVER" --key-type rsa-3072 \
	server "$C/rca.key" "$C/rca.crt" "$C/rpg1.key" "$C/rpg1.crt" "$addr" "$addr"
like "$("$DRIVER" inspect "$C/rpg1.crt")" "key: RSA 3072" "the server key is RSA 3072"
ok "installed" install_pair "$C/rpg1.key" "$C/rpg1.crt"
out=$(conn_verify "host=$addr sslrootcert=$C/rca.crt" "$ssl_query" 2>&1)
like "$out" '^t\|TLSv1\.[23]$' "RSA: verify-full by IP address connects over SSL"

out=$(conn_verify "host=$addr" "SELECT 1" 2>&1)
like "$out" "certificate verify failed" "RSA: refused with the ECDSA cluster's CA"

done_testing
