#!/bin/bash
# apply-ssl.sh - the SSL step of "pgreplica apply" on real servers.
#
# pg1 is the primary (reached over SSH as the servers' account); pg2 is the
# standby's host (its own namespace and address), first without a server,
# later a streaming standby made by the fixture.  With ssl = on:
# - plan lists subject, SANs, SHA-256 fingerprint and expiry of the
#   certificates, and no key material; it changes nothing;
# - after apply: a replication connection from pg2 with sslmode=verify-full
#   and the CA works, one without SSL is refused by the hba rules; the
#   server presents the installed certificate (openssl s_client); the key
#   is 0600 and the server account's; the CA key is 0600 in the operator's
#   directory and on no node;
# - a standby streams over SSL (pg_stat_ssl);
# - a second apply has nothing to do and keeps the certificate;
# - the standby, copied with the primary's certificate, gets its own;
# - a key left 0644 is made 0600, and the plan says why;
# - a certificate for another address, and an expired one, are replaced;
# - pgreplica status shows SSL and the certificate's expiry (text, JSON);
# - the operator's own files (ssl_ca, ssl_cert, ssl_key): one for another
#   address, one with another key, an expired one, a key others can read
#   are refused before anything is installed, with the reason; good ones
#   are installed and presented;
# - a standby whose server is stopped gets the files only.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-ssl.sh

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

fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"

conf=$FX_DIR/cluster.conf
data1=$(fx_pgdata pg1)
data2=$(fx_pgdata pg2)
role=replicate
export XDG_STATE_HOME=$FX_DIR/state
export XDG_CONFIG_HOME=$FX_DIR/config
cadir=$XDG_CONFIG_HOME/pgreplica/fx
unset SSH_AUTH_SOCK

RUN_TAIL=(--primary-only)

# fp FILE: SHA-256 fingerprint of a PEM certificate
fp()
{
	openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/^.*=//'
}

# presented NAME: fingerprint of the certificate the server of NAME presents
presented()
{
	local addr port
	addr=$(eval "printf %s \"\$FX_ADDR_$1\"")
	port=$(eval "printf %s \"\$FX_PORT_$1\"")
	openssl s_client -starttls postgres -connect "$addr:$port" </dev/null 2>/dev/null |
		openssl x509 -noout -fingerprint -sha256 2>/dev/null | sed 's/^.*=//'
}

# the role's password file and the CA certificate, readable by $FX_USER
user_copies()
{
	_fx_user_file 0600 "$FX_DIR/repl.pgpass" &&
	cat "$XDG_CONFIG_HOME/pgreplica/fx.pgpass" >"$FX_DIR/repl.pgpass" &&
	cp "$cadir/ca.crt" "$FX_DIR/ca-copy.crt" && chmod 0644 "$FX_DIR/ca-copy.crt"
}

# replicates SSLMODE: a replication connection from pg2 to pg1 as the role
replicates()
{
	fx_on_host_as_user pg2 "$FX_PG_CLIENT_BINDIR/psql" -XAtq -c IDENTIFY_SYSTEM \
		"host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user=$role dbname=replication replication=true connect_timeout=10 sslmode=$1 sslrootcert=$FX_DIR/ca-copy.crt passfile=$FX_DIR/repl.pgpass" \
		>"$FX_DIR/repl.out" 2>&1
}

# make_cert DIR ADDR CACERT CAKEY OPENSSL-CA-DATES...: a key and a
# certificate for ADDR signed by the CA, with the given dates (openssl ca
# options)
make_cert()
{
	local d=$1 addr=$2 cacert=$3 cakey=$4
	shift 4
	mkdir -p "$d" && rm -f "$d"/* &&
	touch "$d/index.txt" && echo 01 >"$d/serial" &&
	cat >"$d/ca.cnf" <<EOF &&
[ca]
default_ca = c
[c]
database = $d/index.txt
new_certs_dir = $d
serial = $d/serial
default_md = sha256
policy = p
unique_subject = no
x509_extensions = ext
[p]
commonName = supplied
[ext]
basicConstraints = CA:FALSE
subjectAltName = IP:$addr
extendedKeyUsage = serverAuth
EOF
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$d/server.key" -subj "/CN=$addr" -out "$d/server.csr" 2>/dev/null &&
	openssl ca -batch -notext -config "$d/ca.cnf" -cert "$cacert" \
		-keyfile "$cakey" -in "$d/server.csr" -out "$d/server.crt" "$@" \
		>"$d/ca.log" 2>&1 && chmod 0600 "$d/server.key"
}

# install_cert DIR: put a made certificate and key in pg1's data directory
install_cert()
{
	cat "$1/server.crt" >"$data1/server.crt" && cat "$1/server.key" >"$data1/server.key"
}

# Only the superuser from the runner, and the fixture's base backup (over
# SSL) from pg2; everything else meets the rejects.
fx_pg_hba pg1 \
	"host    all          postgres     $FX_RUNNER_ADDR/32  scram-sha-256" \
	"hostssl replication  postgres     $FX_ADDR_pg2/32  scram-sha-256" \
	"host    all          all          0.0.0.0/0         reject" \
	"host    replication  all          0.0.0.0/0         reject"
fx_cluster_file -o ssl=on "$conf" pg1 pg2
fx_psql pg1 "SET client_min_messages = warning; DROP ROLE IF EXISTS $role" >/dev/null

# ---------------------------------------------------------------------------
# plan
is "$(fx_psql pg1 'SHOW ssl')" off "before: ssl is off on pg1"
run plan
is "$rc" 0 "plan exits 0" || diag "$out"
like "$out" "SSL on pg1: will change" "plan has an SSL step for pg1"
like "$out" "subject: CN=$FX_ADDR_pg1" "plan shows the subject of pg1's certificate"
like "$out" "SAN: IP:$FX_ADDR_pg1" "plan shows its SAN"
like "$out" "SHA-256: ([0-9A-F]{2}:){31}[0-9A-F]{2}" "plan shows a SHA-256 fingerprint"
like "$out" "expires: [0-9]{4}-[0-9]{2}-[0-9]{2} \(8[0-9]{2} days\)" "plan shows the expiry (825 days)"
like "$out" "CN=pgreplica CA fx" "plan shows the new CA"
like "$out" "ALTER SYSTEM SET ssl = 'on'" "plan shows the settings"
like "$out" "ALTER SYSTEM SET ssl_ca_file = 'root.crt'" "with a relative file name"
unlike "$out" "PRIVATE KEY" "plan shows no key material"
like "$out" "nothing to do yet: .*pg2/data\" does not exist on pg2" "pg2 (no data directory yet): nothing to do yet"
run plan --json
unlike "$out" "PRIVATE KEY" "plan --json shows no key material either"
ok "plan made no CA" test ! -e "$cadir"
ok "plan wrote no file on pg1" test ! -e "$data1/server.key"

# ---------------------------------------------------------------------------
# apply
run apply --yes
is "$rc" 0 "apply --yes exits 0" || diag "$out"
like "$out" "pg1 presents the certificate" "apply checked the certificate the server presents"
is "$(fx_psql pg1 'SHOW ssl')" on "ssl is on on pg1"
is "$(fx_psql pg1 'SHOW ssl_cert_file'),$(fx_psql pg1 'SHOW ssl_key_file'),$(fx_psql pg1 'SHOW ssl_ca_file')" \
	"server.crt,server.key,root.crt" "the file settings"
is "$(stat -c '%a %U' "$data1/server.key")" "600 $FX_USER" "server.key: 0600, the server's account"
is "$(stat -c '%U' "$data1/server.crt") $(stat -c '%U' "$data1/root.crt")" "$FX_USER $FX_USER" \
	"server.crt and root.crt: the server's account"
is "$(stat -c '%a' "$cadir/ca.key") $(stat -c '%a' "$cadir")" "600 700" "ca.key 0600 in a 0700 directory"
ok "root.crt on pg1 is the CA certificate" cmp "$data1/root.crt" "$cadir/ca.crt"
key_line=$(sed -n 2p "$cadir/ca.key")
ok "the CA key is on no node" test -n "$key_line" -a -z "$(grep -rlF -- "$key_line" "$FX_DIR/pg1" "$FX_DIR/pg2" 2>/dev/null)"
fp1=$(fp "$data1/server.crt")
is "$(presented pg1)" "$fp1" "pg1 presents the installed certificate (openssl s_client)"
like "$(openssl x509 -in "$data1/server.crt" -noout -ext subjectAltName)" "IP Address:$FX_ADDR_pg1" \
	"its SAN covers pg1's address"

ok "copies of the role's passfile and the CA for $FX_USER" user_copies
ok "replication from pg2 with sslmode=verify-full and the CA works" replicates verify-full ||
	diag "$(cat "$FX_DIR/repl.out")"
nok "without SSL it is refused" replicates disable
like "$(cat "$FX_DIR/repl.out")" "pg_hba.conf rejects|no pg_hba.conf entry" "by the hba rules"

# ---------------------------------------------------------------------------
# again: nothing to do
cp "$data1/server.crt" "$FX_DIR/pg1.crt"
run apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" "SSL on pg1: nothing to do" "second apply: nothing to do for SSL on pg1"
like "$out" "Nothing to do" "nothing at all" || diag "$out"
ok "the certificate was not made again" cmp "$data1/server.crt" "$FX_DIR/pg1.crt"
run plan
like "$out" "nothing to do: SSL is on, with a valid certificate for $FX_ADDR_pg1 \(expires [0-9-]+\)" \
	"plan says SSL is on and when the certificate expires"

# ---------------------------------------------------------------------------
# a streaming standby over SSL, verify-full with the CA
ok "pg2 from pg1" fx_pg_make_standby pg2 pg1 || bail_out "no standby"
cat >>"$data2/postgresql.auto.conf" <<EOF
primary_conninfo = 'host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user=$role passfile=$FX_DIR/repl.pgpass sslmode=verify-full sslrootcert=$data2/root.crt application_name=pg2'
EOF
ok "start pg2" fx_pg_start pg2
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(fx_psql pg1 "SELECT s.ssl, r.usename FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'")" \
	"t|$role" "pg_stat_ssl: pg2's walsender is on SSL, as $role"

# pg2 now runs with a copy of pg1's files: its own certificate comes next
run plan
if fx_netns_ok; then
	like "$out" "SSL on pg2: will change" "plan: pg2 gets its own certificate"
	like "$out" "does not cover \"$FX_ADDR_pg2\"" "because pg1's does not cover pg2's address" || diag "$out"
else
	skip 2 "no namespaces: pg1 and pg2 share 127.0.0.1, pg1's certificate covers both"
fi
run apply --yes
is "$rc" 0 "apply with the standby exits 0" || diag "$out"
like "$out" "SSL on pg1: nothing to do" "pg1 has nothing to do"
is "$(stat -c '%a %U' "$data2/server.key")" "600 $FX_USER" "pg2's server.key: 0600, the server's account"
like "$(openssl x509 -in "$data2/server.crt" -noout -ext subjectAltName)" "IP Address:$FX_ADDR_pg2" \
	"pg2's certificate covers pg2's address"
if fx_netns_ok; then
	isnt "$(fp "$data2/server.crt")" "$fp1" "pg2 has its own certificate"
else
	skip 1 "no namespaces: pg1 and pg2 share one address and one certificate"
fi
is "$(presented pg2)" "$(fp "$data2/server.crt")" "pg2 presents it"
ok "pg2 still streams" fx_wait_streaming pg1 pg2
run apply --yes
like "$out" "Nothing to do" "and the apply after that has nothing to do" || diag "$out"

# ---------------------------------------------------------------------------
# a key left 0644: made 0600, and why
chmod 0644 "$data1/server.key"
run plan
like "$out" "server.key\" has mode 0644: group or others can read the private key" \
	"plan says the key is 0644 and why it matters" || diag "$out"
run apply --yes
is "$rc" 0 "apply exits 0" || diag "$out"
like "$out" "made \".*server.key\" mode 0600 \(it was 0644\)" "apply says it fixed the mode"
is "$(stat -c '%a %U' "$data1/server.key")" "600 $FX_USER" "server.key is 0600 again"
ok "the certificate was kept" cmp "$data1/server.crt" "$FX_DIR/pg1.crt"

# ---------------------------------------------------------------------------
# a certificate for another address: replaced
ok "a certificate for 192.0.2.99 signed by the CA" make_cert "$FX_DIR/other" 192.0.2.99 "$cadir/ca.crt" "$cadir/ca.key" -days 100 ||
	diag "$(cat "$FX_DIR/other/ca.log")"
install_cert "$FX_DIR/other"
run plan
like "$out" "does not cover \"$FX_ADDR_pg1\"" "plan: it does not cover pg1's address" || diag "$out"
run apply --yes
is "$rc" 0 "apply exits 0" || diag "$out"
like "$(openssl x509 -in "$data1/server.crt" -noout -ext subjectAltName)" "IP Address:$FX_ADDR_pg1" \
	"the new certificate covers pg1's address"
is "$(presented pg1)" "$(fp "$data1/server.crt")" "and pg1 presents it"
ok "replication with verify-full works again" replicates verify-full

# ---------------------------------------------------------------------------
# an expired certificate: replaced
ok "an expired certificate for pg1 signed by the CA" \
	make_cert "$FX_DIR/expired" "$FX_ADDR_pg1" "$cadir/ca.crt" "$cadir/ca.key" -startdate 20200101000000Z -enddate 20210101000000Z ||
	diag "$(cat "$FX_DIR/expired/ca.log")"
install_cert "$FX_DIR/expired"
run plan
like "$out" "has expired" "plan: it has expired" || diag "$out"
run apply --yes
is "$rc" 0 "apply exits 0" || diag "$out"
ok "the new certificate is valid for 30 days at least" openssl x509 -in "$data1/server.crt" -noout -checkend 2592000
is "$(presented pg1)" "$(fp "$data1/server.crt")" "and pg1 presents it"

# ---------------------------------------------------------------------------
# status: SSL and the certificate's expiry
expires=$(date -u -d "$(openssl x509 -in "$data1/server.crt" -noout -enddate | sed 's/^notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
out=$("$PGREPLICA" -c "$conf" status 2>&1)
like "$out" "SSL: +on, certificate expires ${expires%%T*}" "status shows SSL on and the expiry for pg1" || diag "$out"
out=$("$PGREPLICA" -c "$conf" status --json 2>/dev/null)
is "$(printf '%s' "$out" | jq -r '.nodes[0].ssl')" true "status --json: ssl true for pg1"
is "$(printf '%s' "$out" | jq -r '.nodes[0].ssl_cert_expires')" "$expires" "status --json: ssl_cert_expires"
is "$(printf '%s' "$out" | jq -r '.nodes[1].ssl')" true "status --json: ssl true for pg2"

# ---------------------------------------------------------------------------
# the operator's own files: ssl_ca in [cluster], ssl_cert and ssl_key per
# node; checked before anything is installed, refused with the reason
op=$FX_DIR/op
mkdir -p "$op"
ok "the operator's CA" openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$op/ca.key" -out "$op/ca.crt" -subj "/CN=operator CA" -days 100 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
for c in pg1:"$FX_ADDR_pg1" pg2:"$FX_ADDR_pg2" wrong:192.0.2.99; do
	ok "the operator's certificate ${c%%:*} (${c#*:})" \
		make_cert "$op/${c%%:*}" "${c#*:}" "$op/ca.crt" "$op/ca.key" -days 100
done
ok "an expired one for pg1" make_cert "$op/expired" "$FX_ADDR_pg1" "$op/ca.crt" "$op/ca.key" \
	-startdate 20200101000000Z -enddate 20210101000000Z
conf2=$FX_DIR/cluster-op.conf

# op_conf CERT KEY: pg1 gets CERT and KEY, pg2 its good pair
op_conf()
{
	fx_cluster_file -o ssl=on -o "ssl_ca=$op/ca.crt" "$conf2" pg1 pg2 &&
	sed -i -e "/^\[node \"pg1\"\]/a ssl_cert = $1\nssl_key = $2" \
		-e "/^\[node \"pg2\"\]/a ssl_cert = $op/pg2/server.crt\nssl_key = $op/pg2/server.key" "$conf2"
}
run2()
{
	out=$("$PGREPLICA" -c "$conf2" --ssh-config "$FX_SSH_CONFIG" "$@" --primary-only </dev/null 2>&1)
	rc=$?
}
unchanged()
{
	cmp "$data1/server.crt" "$FX_DIR/before.crt" && cmp "$data1/server.key" "$FX_DIR/before.key" &&
	cmp "$data1/root.crt" "$FX_DIR/before-root.crt" &&
	[ "$(fx_psql pg1 'SHOW ssl_ca_file')" = root.crt ]
}
cp "$data1/server.crt" "$FX_DIR/before.crt"
cp "$data1/server.key" "$FX_DIR/before.key"
cp "$data1/root.crt" "$FX_DIR/before-root.crt"

op_conf "$op/wrong/server.crt" "$op/wrong/server.key"
run2 apply --yes
isnt "$rc" 0 "operator's certificate for another address: apply fails"
like "$out" "cluster-op.conf:[0-9]+: node \"pg1\": the certificate \".*wrong/server.crt\" is refused, nothing was installed" \
	"it names the node and the file" || diag "$out"
like "$out" "does not cover \"$FX_ADDR_pg1\"" "and says it does not cover pg1's address" || diag "$out"
ok "nothing was installed on pg1" unchanged

op_conf "$op/pg1/server.crt" "$op/wrong/server.key"
run2 plan
isnt "$rc" 0 "operator's certificate with another key: plan fails"
like "$out" "does not match the private key" "key and certificate do not match" || diag "$out"
run2 apply --yes
isnt "$rc" 0 "and apply too"
ok "nothing was installed on pg1" unchanged

op_conf "$op/expired/server.crt" "$op/expired/server.key"
run2 apply --yes
isnt "$rc" 0 "an expired operator's certificate: apply fails"
like "$out" "has expired" "it says it has expired" || diag "$out"
ok "nothing was installed on pg1" unchanged

op_conf "$op/pg1/server.crt" "$op/pg1/server.key"
chmod 0644 "$op/pg1/server.key"
run2 plan
isnt "$rc" 0 "an operator's key readable by others is refused"
like "$out" "group or world access" "saying why" || diag "$out"
chmod 0600 "$op/pg1/server.key"
run2 plan
is "$rc" 0 "plan with the operator's good files exits 0" || diag "$out"
like "$out" "the operator's certificate for pg1, from \"$op/pg1/server.crt\"" "plan names the operator's file"
like "$out" "issuer: CN=operator CA" "and describes it"
unlike "$out" "PRIVATE KEY" "no key material"
run2 apply --yes
is "$rc" 0 "apply with the operator's good files exits 0" || diag "$out"
ok "pg1's server.crt is the operator's" cmp "$data1/server.crt" "$op/pg1/server.crt"
ok "pg1's root.crt is the operator's CA" cmp "$data1/root.crt" "$op/ca.crt"
is "$(stat -c '%a %U' "$data1/server.key")" "600 $FX_USER" "server.key: 0600, the server's account"
is "$(presented pg1)" "$(fp "$op/pg1/server.crt")" "pg1 presents the operator's certificate"
is "$(presented pg2)" "$(fp "$op/pg2/server.crt")" "pg2 presents its operator's certificate"
cp "$op/ca.crt" "$FX_DIR/ca-copy.crt"
ok "replication from pg2 with verify-full and the operator's CA works" replicates verify-full ||
	diag "$(cat "$FX_DIR/repl.out")"
run2 apply --yes
like "$out" "Nothing to do" "a second apply has nothing to do" || diag "$out"

# ---------------------------------------------------------------------------
# a standby whose server is not running: the files only
ok "stop pg2" fx_pg_stop pg2
rm -f "$data2/server.crt" "$data2/server.key"
run2 plan
is "$rc" 0 "plan with pg2 stopped exits 0" || diag "$out"
like "$out" "the server of pg2 is not running: only the files are installed" "plan says only the files are installed"
run2 apply --yes
is "$rc" 0 "apply with pg2 stopped exits 0" || diag "$out"
ok "pg2's server.crt is back" cmp "$data2/server.crt" "$op/pg2/server.crt"
is "$(stat -c '%a %U' "$data2/server.key")" "600 $FX_USER" "pg2's server.key: 0600, the server's account"
ok "start pg2" fx_pg_start pg2
is "$(presented pg2)" "$(fp "$op/pg2/server.crt")" "pg2 presents it once started"
ok "pg2 streams again" fx_wait_streaming pg1 pg2

done_testing
