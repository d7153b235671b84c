#!/bin/bash
# tls-trust.sh - operator sessions authenticate the server (issue 13, 1).
#
# A fake server on a host's address (tests/tools/fake-pg-server.py) declines
# SSL and asks for the password in clear text; the operator's passfile has
# one for that host.  With a cluster that has SSL (the operator's ssl_ca, or
# pgreplica's own CA), and with PGSSLMODE=verify-full on a cluster without
# SSL, "status" and "plan" must fail, saying why, and the fake server must
# never receive a password.  A real server presenting a certificate from
# another CA is refused; the same server with a certificate from the
# cluster's CA is accepted.  The plan says when its connections are not
# verified.  With a libpq of 16 or later (found in the test cache, else
# said with diag), a session that is not verified refuses the cleartext
# request (require_auth=!password) unless PGREQUIREAUTH says otherwise.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/tls-trust.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v python3 >/dev/null || skip_all "python3 is needed for the fake server"
command -v openssl >/dev/null || skip_all "no openssl command"

# run [ENV=VALUE...] -- CONF ARG...: pgreplica -c CONF ARG...; sets out, err, rc
run()
{
	local envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	local conf=$1
	shift
	out=$(env "${envs[@]+"${envs[@]}"}" "$PGREPLICA" -c "$conf" "$@" 2>"$FX_DIR/stderr")
	rc=$?
	err=$(cat "$FX_DIR/stderr")
}

# fake_saw WORD: the fake server's log has a line WORD
fake_saw()
{
	grep -q "^$1" "$flog"
}

# no_password DESC: the fake server was reached and got no password
no_password()
{
	if ! fake_saw sslrequest && ! fake_saw startup; then
		fail "$1"
		diag "  the fake server was not reached: $(cat "$flog")" "  stderr: $err"
	elif fake_saw password; then
		fail "$1"
		diag "  the fake server received a password" "  stderr: $err"
	else
		pass "$1"
	fi
	: >"$flog"
}

fx_setup
export XDG_CONFIG_HOME=$FX_DIR/config XDG_STATE_HOME=$FX_DIR/state
tls=$FX_DIR/tls
mkdir -p "$tls" "$XDG_CONFIG_HOME"

# ---------------------------------------------------------------------------
# certificates: the cluster's CA and another one
mkca()
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tls/$1.key" -out "$tls/$1.crt" -subj "/CN=$1" -days 30 \
		>/dev/null 2>&1
}
# mkcert NAME CA IP: a server certificate for IP signed by CA
mkcert()
{
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tls/$1.key" -out "$tls/$1.csr" -subj "/CN=$3" >/dev/null 2>&1 &&
		openssl x509 -req -in "$tls/$1.csr" -CA "$tls/$2.crt" -CAkey "$tls/$2.key" \
			-CAcreateserial -out "$tls/$1.crt" -days 30 \
			-extfile <(printf 'subjectAltName=IP:%s\n' "$3") >/dev/null 2>&1
}
ok "the cluster's CA" mkca cluster-ca
ok "another CA" mkca other-ca

# ---------------------------------------------------------------------------
# the fake server
ok "host for the fake server" fx_host fake || bail_out "no host"
flog=$FX_DIR/fake.log
: >"$flog"
fx_on_host fake python3 "$top_srcdir/tests/tools/fake-pg-server.py" \
	"$FX_ADDR_fake" "$FX_PORT_fake" "$flog" >"$FX_DIR/fake.out" 2>&1 &
ok "the fake server listens" fx_poll 20 fake_saw listening ||
	bail_out "no fake server: $(cat "$FX_DIR/fake.out")"
: >"$flog"

# the operator's passfile has a password for the fake host (first line)
pgpass=$FX_DIR/operator.pgpass
(umask 077
 printf '%s:%s:*:postgres:secret-for-the-fake-host\n' "$FX_ADDR_fake" "$FX_PORT_fake" >"$pgpass"
 cat "$FX_PGPASSFILE" >>"$pgpass")
export PGPASSFILE=$pgpass
unset PGSSLMODE PGSSLROOTCERT PGSERVICE PGREQUIREAUTH

# the control: nothing set, a cluster without SSL; libpq up to 15 cannot
# refuse a cleartext request, 16 and later are told to (require_auth)
fx_cluster_file -o ssl=off "$FX_DIR/fake-nossl.conf" fake
run -- "$FX_DIR/fake-nossl.conf" status --timeout 10
libpq_major=$(pg_config --version | sed -E 's/^PostgreSQL ([0-9]+).*/\1/')
if [ "$libpq_major" -lt 16 ]; then
	ok "control: libpq $libpq_major, no SSL asked for: the fake server gets the password" fake_saw password ||
		diag "$(cat "$flog")" "$err"
else
	ok "control: libpq $libpq_major refuses the cleartext request (require_auth)" eval '! fake_saw password'
fi
: >"$flog"

# a cluster with SSL, the operator's CA (ssl_ca)
fx_cluster_file -o ssl=on -o "ssl_ca=$tls/cluster-ca.crt" "$FX_DIR/fake-opca.conf" fake
run -- "$FX_DIR/fake-opca.conf" status --timeout 10
is "$rc" 2 "ssl_ca: status fails"
like "$out$err" "cluster's CA \"$tls/cluster-ca.crt\"" "saying the node is verified against the cluster's CA" ||
	diag "$out" "$err"
no_password "ssl_ca: status sent no password"
run PGSSLMODE=disable -- "$FX_DIR/fake-opca.conf" status --timeout 10
is "$rc" 2 "ssl_ca and PGSSLMODE=disable: status still fails"
no_password "PGSSLMODE=disable does not lower it: no password"
run -- "$FX_DIR/fake-opca.conf" plan
isnt "$rc" 0 "ssl_ca: plan fails"
no_password "ssl_ca: plan sent no password"

# a cluster with SSL, pgreplica's own CA
fx_cluster_file -o ssl=on "$FX_DIR/fake-own.conf" fake
mkdir -p "$XDG_CONFIG_HOME/pgreplica/fx"
cp "$tls/cluster-ca.crt" "$XDG_CONFIG_HOME/pgreplica/fx/ca.crt"
run -- "$FX_DIR/fake-own.conf" status --timeout 10
is "$rc" 2 "own CA: status fails"
no_password "own CA: status sent no password"
run -- "$FX_DIR/fake-own.conf" plan
isnt "$rc" 0 "own CA: plan fails"
like "$err" "verify-full" "saying why" || diag "$err"
no_password "own CA: plan sent no password"
rm -r "$XDG_CONFIG_HOME/pgreplica/fx"

# no SSL in the cluster, the operator's PGSSLMODE=verify-full is honoured
run PGSSLMODE=verify-full "PGSSLROOTCERT=$tls/cluster-ca.crt" -- "$FX_DIR/fake-nossl.conf" status --timeout 10
is "$rc" 2 "PGSSLMODE=verify-full, ssl = off: status fails"
no_password "PGSSLMODE=verify-full: status sent no password"
run PGSSLMODE=verify-full "PGSSLROOTCERT=$tls/cluster-ca.crt" -- "$FX_DIR/fake-nossl.conf" plan
isnt "$rc" 0 "PGSSLMODE=verify-full, ssl = off: plan fails"
no_password "PGSSLMODE=verify-full: plan sent no password"
# ssl = on but no CA yet (before the first apply): PGSSLMODE still counts
run PGSSLMODE=verify-full "PGSSLROOTCERT=$tls/cluster-ca.crt" -- "$FX_DIR/fake-own.conf" status --timeout 10
is "$rc" 2 "PGSSLMODE=verify-full, no CA yet: status fails"
no_password "PGSSLMODE=verify-full, no CA yet: no password"

# ---------------------------------------------------------------------------
# a real server
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no server"
data1=$(fx_pgdata pg1)
ok "pg1's certificate from another CA" mkcert pg1-other other-ca "$FX_ADDR_pg1"
ok "pg1's certificate from the cluster's CA" mkcert pg1-good cluster-ca "$FX_ADDR_pg1"
# install NAME: pg1 presents $tls/NAME.crt
install_cert()
{
	install -o "$FX_USER" -m 0644 "$tls/$1.crt" "$data1/server.crt" &&
		install -o "$FX_USER" -m 0600 "$tls/$1.key" "$data1/server.key" &&
		fx_psql pg1 "ALTER SYSTEM SET ssl = on" >/dev/null &&
		fx_pg_reload pg1
}
# presents NAME: what pg1 presents is $tls/NAME.crt
presents()
{
	local want got
	want=$(openssl x509 -in "$tls/$1.crt" -noout -fingerprint -sha256)
	got=$(openssl s_client -starttls postgres -connect "$FX_ADDR_pg1:$FX_PORT_pg1" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null)
	[ "$want" = "$got" ]
}
ok "pg1 with SSL, another CA's certificate" install_cert pg1-other &&
	ok "pg1 presents it" fx_poll 20 presents pg1-other
fx_cluster_file -o ssl=on -o "ssl_ca=$tls/cluster-ca.crt" "$FX_DIR/pg1.conf" pg1
run -- "$FX_DIR/pg1.conf" status --timeout 10
is "$rc" 2 "a certificate from another CA: status refuses the node"
like "$out$err" "certificate verify failed" "libpq says why" || diag "$out" "$err"
run -- "$FX_DIR/pg1.conf" plan --primary-only
isnt "$rc" 0 "plan refuses it too"
# the same with pgreplica's own CA (its verify-ca retry does not help)
fx_cluster_file -o ssl=on "$FX_DIR/pg1-own.conf" pg1
mkdir -p "$XDG_CONFIG_HOME/pgreplica/fx"
cp "$tls/cluster-ca.crt" "$XDG_CONFIG_HOME/pgreplica/fx/ca.crt"
run -- "$FX_DIR/pg1-own.conf" status --timeout 10
is "$rc" 2 "own CA: a certificate from another CA is refused too"
ok "pg1 with the cluster's CA's certificate" install_cert pg1-good &&
	ok "pg1 presents it" fx_poll 20 presents pg1-good
run -- "$FX_DIR/pg1.conf" status --json --timeout 10
isnt "$rc" 2 "a certificate from the cluster's CA: status connects" || diag "$out" "$err"
like "$out" '"ssl": *true' "over SSL" || diag "$out"
run -- "$FX_DIR/pg1.conf" plan --primary-only
unlike "$out" "not verified" "plan: no warning when the sessions are verified" || diag "$out"
run -- "$FX_DIR/pg1-own.conf" status --json --timeout 10
isnt "$rc" 2 "own CA: the cluster's certificate is accepted" || diag "$out" "$err"

# a certificate from the cluster's CA made for another address: refused
# with the operator's CA (verify-full), accepted with pgreplica's own CA,
# which signs only the nodes' certificates (the chain: verify-ca)
ok "pg1's certificate for another address" mkcert pg1-elsewhere cluster-ca 192.0.2.1 &&
	install_cert pg1-elsewhere && ok "pg1 presents it" fx_poll 20 presents pg1-elsewhere
run -- "$FX_DIR/pg1.conf" status --timeout 10
is "$rc" 2 "ssl_ca: a certificate for another address is refused"
like "$out$err" "does not match host name" "libpq says why" || diag "$out" "$err"
run -- "$FX_DIR/pg1-own.conf" status --json --timeout 10
isnt "$rc" 2 "own CA: accepted on its chain (a standby serving its primary's certificate)" ||
	diag "$out" "$err"
like "$out" '"ssl": *true' "over SSL"
run PGSSLMODE=verify-full -- "$FX_DIR/pg1-own.conf" status --timeout 10
is "$rc" 2 "but not when the operator's PGSSLMODE asks for verify-full"
ok "pg1 back to its own certificate" install_cert pg1-good &&
	ok "pg1 presents it" fx_poll 20 presents pg1-good
rm -r "$XDG_CONFIG_HOME/pgreplica/fx"

# the plan says when its connections are not verified
fx_cluster_file -o ssl=off "$FX_DIR/pg1-nossl.conf" pg1
run -- "$FX_DIR/pg1-nossl.conf" plan --primary-only
is "$rc" 0 "ssl = off: plan exits 0" || diag "$err"
like "$out" "not verified: the cluster file says ssl = off" "plan says its connections are not verified"
run PGSSLMODE=verify-full "PGSSLROOTCERT=$tls/cluster-ca.crt" -- "$FX_DIR/pg1-nossl.conf" plan --primary-only
is "$rc" 0 "ssl = off, PGSSLMODE=verify-full: plan exits 0" || diag "$err"
unlike "$out" "not verified" "no warning: the operator verifies"
fx_cluster_file -o ssl=on "$FX_DIR/pg1-first.conf" pg1
run -- "$FX_DIR/pg1-first.conf" plan --primary-only
is "$rc" 0 "ssl = on, no CA yet (first apply): plan exits 0" || diag "$err"
like "$out" "the cluster's CA does not exist yet" "plan says its connections are not verified yet"
if [ "$libpq_major" -lt 16 ]; then
	like "$out" "password in clear text and get it" "and that a password could be taken"
else
	like "$out" "cannot get a password in clear text" "and that no password can be taken"
fi

# ---------------------------------------------------------------------------
# libpq 16 and later refuse a cleartext request (require_auth=!password)
# unless the operator set PGREQUIREAUTH.  pgreplica is linked with the
# system's libpq; a newer one found in the test cache (tests/tools, the
# client tools of DESIGN.md) that uses the same OpenSSL stands in for it.
cache=${PGREPLICA_CACHE:-/var/cache/pgreplica}
newlib=''
for d in "$cache"/client/*/lib "$cache"/pg/*/lib; do
	[ -e "$d/libpq.so.5" ] || continue
	v=$(readlink -f "$d/libpq.so.5")
	v=${v##*.so.5.}
	[ "${v%%.*}" -ge 16 ] 2>/dev/null || continue
	LD_LIBRARY_PATH=$d ldd "$PGREPLICA" 2>/dev/null | grep -q 'not found\|libssl\.so\.1' && continue
	newlib=$d
	break
done
if [ -n "$newlib" ]; then
	diag "libpq ${v%%.*} from $newlib"
	: >"$flog"
	run "LD_LIBRARY_PATH=$newlib" -- "$FX_DIR/fake-nossl.conf" status --timeout 10
	is "$rc" 2 "libpq ${v%%.*}, ssl = off, nothing set: status fails"
	no_password "libpq ${v%%.*}: require_auth=!password, the fake server gets no password"
	run "LD_LIBRARY_PATH=$newlib" PGREQUIREAUTH=password -- "$FX_DIR/fake-nossl.conf" status --timeout 10
	ok "PGREQUIREAUTH=password: the operator's choice is kept" fake_saw password
	: >"$flog"
	run "LD_LIBRARY_PATH=$newlib" -- "$FX_DIR/pg1-nossl.conf" plan --primary-only
	is "$rc" 0 "libpq ${v%%.*}: plan on a real server exits 0" || diag "$err"
	like "$out" "cannot get a password in clear text" "its warning says no password can be taken"
else
	diag "no libpq 16 or later in $cache that uses this OpenSSL: require_auth not exercised"
fi

done_testing
