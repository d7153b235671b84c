#!/bin/bash
# replication-cert.sh - replication_auth = cert and scram+cert on real
# servers (issue 13, "Beyond today's peers").
#
# pg1 is the primary, pg2 a fresh initdb'ed server on its own host, both
# reached over SSH as the servers' account.  With ssl = on:
# - replication_auth = bogus, and cert with ssl = off, are refused with the
#   reason and a hint;
# - replication_auth = cert: one apply --yes ends with pg2 streaming; on
#   pg2's host no passfile, no password of the role in any file, none in
#   primary_conninfo, which names sslcert and sslkey; the client key is
#   0600 and the server account's; the certificate's CN is the role and the
#   cluster's CA signed it; pg1's pg_hba.conf has the hostssl ... cert rule;
#   pg_stat_ssl shows the client certificate's DN for pg2's walsender;
# - pg2 without its certificate is refused by pg1 (its log says why) and
#   does not stream; with it back, it streams again;
# - replication_auth = scram+cert: pg2 rebuilt streams with the passfile
#   and the certificate, the rule is scram-sha-256 clientcert=verify-full;
#   without the certificate it is refused although its password is right;
# - renewal: apply keeps a valid client certificate, and issues a new one
#   to a streaming standby whose certificate ends within 30 days.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/replication-cert.sh

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
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 ||
	bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 ||
	bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"

conf=$FX_DIR/cluster.conf
data1=$(fx_pgdata pg1)
data2=$(fx_pgdata pg2)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
passfile=$FX_DIR/pg2/.pgreplica-pg2.pgpass
crt=$FX_DIR/pg2/.pgreplica-pg2.client.crt
key=$FX_DIR/pg2/.pgreplica-pg2.client.key
ca=$XDG_CONFIG_HOME/pgreplica/fx/ca.crt

walsender_ssl()
{
	fx_psql pg1 "SELECT s.ssl, s.client_dn FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'"
}

# pg1's server log: the fixture's, then pg_ctl's since pgreplica restarted it
pg1_log()
{
	cat "$FX_DIR/pg1/log" "$data1"/log/*.log 2>/dev/null
}

# logged_since LINE PATTERN: pg1's log has PATTERN from line LINE on
logged_since() { pg1_log | tail -n +"$1" | grep -qE "$2"; }

# refused_without_cert WHAT PATTERN: pg2 restarted without its client
# certificate does not stream, and pg1's log says PATTERN; then it is put
# back and pg2 streams again
refused_without_cert()
{
	local what=$1 pattern=$2 lines
	lines=$(pg1_log | wc -l)
	ok "$what: stop pg2" fx_pg_stop pg2
	mv "$crt" "$crt.away" && mv "$key" "$key.away"
	ok "$what: start pg2 without its certificate" fx_pg_start pg2
	# generous: the walreceiver retries every wal_retrieve_retry_interval
	fx_poll 60 logged_since "$((lines + 1))" "$pattern"
	like "$(pg1_log | tail -n +"$((lines + 1))" | grep -E "$pattern" | head -1)" "$pattern" "$what: pg1 refuses pg2 without its certificate"
	is "$(fx_psql pg1 "SELECT count(*) FROM pg_stat_replication WHERE application_name = 'pg2'")" 0 \
		"$what: pg2 does not stream"
	ok "$what: stop pg2" fx_pg_stop pg2
	mv "$crt.away" "$crt" && mv "$key.away" "$key"
	ok "$what: start pg2 with its certificate" fx_pg_start pg2
	ok "$what: pg2 streams again" fx_wait_streaming pg1 pg2
}

# ---------------------------------------------------------------------------
# bad settings
fx_cluster_file -o ssl=on -o replication_auth=bogus "$conf" pg1 pg2
run plan
isnt "$rc" 0 "replication_auth = bogus is refused"
like "$out" 'invalid value "bogus" for "replication_auth"' "it says which value" || diag "$out"
like "$out" "scram .*cert .*scram\\+cert" "the hint lists the values"
fx_cluster_file -o ssl=off -o replication_auth=cert "$conf" pg1 pg2
run plan
isnt "$rc" 0 "replication_auth = cert with ssl = off is refused"
like "$out" "replication_auth = cert needs ssl = on" "it says why" || diag "$out"

# ---------------------------------------------------------------------------
# cert: no password anywhere on pg2's host
fx_cluster_file -o ssl=on -o replication_auth=cert "$conf" pg1 pg2
run plan
is "$rc" 0 "plan with replication_auth = cert exits 0" || diag "$out"
like "$out" "PGSSLCERT=$crt' 'PGSSLKEY=$key'" "pg_basebackup gets the client certificate"
unlike "$out" "PGPASSFILE" "and no passfile"
unlike "$out" "passfile=" "primary_conninfo names no passfile"

run apply --yes
is "$rc" 0 "apply --yes with replication_auth = cert exits 0" || diag "$out"
like "$out" "the marker written on the upstream was read on pg2" "apply read the marker on pg2"
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(walsender_ssl)" "t|/CN=replicate" "pg_stat_ssl: pg2's walsender presents the client certificate CN=replicate"
ok "no passfile on pg2's host" test ! -e "$passfile"
is "$(stat -c '%a %U' "$key")" "600 $FX_USER" "the client key: 0600, the server's account"
like "$(openssl x509 -in "$crt" -noout -subject)" "CN ?= ?replicate$" "the certificate's CN is the role"
like "$(openssl verify -CAfile "$ca" -purpose sslclient "$crt" 2>&1)" ": OK$" "the cluster's CA signed it, for client use"
ci=$(fx_psql pg2 'SHOW primary_conninfo')
like "$ci" "sslcert='?$crt'? sslkey='?$key" "primary_conninfo names sslcert and sslkey"
unlike "$ci" "passfile|password" "and neither passfile nor password"
like "$(grep -v '^#' "$data1/pg_hba.conf")" "hostssl +replication +replicate +$FX_ADDR_pg2/32 +cert" \
	"pg1's pg_hba.conf: hostssl replication replicate ADDR cert"
pw=$(sed -n 's/^\*:\*:replication:replicate://p' "$XDG_CONFIG_HOME/pgreplica/fx.pgpass")
# the role still has a password (step_role), known to the operator only
ok "the operator's passfile has the role's password" test -n "$pw"
is "$(grep -rlaF -- "${pw:-no password}" "$FX_DIR/pg2" 2>/dev/null)" "" "the role's password is in no file of pg2's host"
is "$(find "$FX_DIR/pg2" -name '*.pgpass' | wc -l)" 0 "no passfile at all on pg2's host"

refused_without_cert cert "certificate authentication failed|connection requires a valid client certificate"

# renewal: a valid certificate is kept; one ending within 30 days is issued
# again to the streaming standby, which connects with it after a restart
run apply --yes
is "$rc" 0 "apply again exits 0" || diag "$out"
like "$out" "build the standby pg2: nothing to do" "a valid client certificate is kept"
tmp=$FX_DIR/short
mkdir -p "$tmp"
printf 'extendedKeyUsage=clientAuth\n' >"$tmp/ext"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key" \
	-subj /CN=replicate -out "$tmp/csr" 2>/dev/null &&
	openssl x509 -req -in "$tmp/csr" -CA "$ca" -CAkey "${ca%.crt}.key" -set_serial 42 -days 5 \
		-extfile "$tmp/ext" -out "$tmp/crt" 2>/dev/null
ok "a certificate ending in 5 days from the cluster's CA" test -s "$tmp/crt"
cat "$tmp/crt" >"$crt" && cat "$tmp/key" >"$key"
run plan
like "$out" "will issue pg2 a new client certificate \(.*expires on" "plan: the certificate ending soon is issued again" || diag "$out"
run apply --yes
is "$rc" 0 "apply renewing the certificate exits 0" || diag "$out"
end=$(openssl x509 -in "$crt" -noout -enddate | sed 's/^notAfter=//')
ok "the new certificate is valid for more than 700 days" test "$(date -d "$end" +%s)" -gt "$(($(date +%s) + 700 * 86400))"
run status --json
is "$(jq -r '.nodes[] | select(.name == "pg2") | .client_cert_expires' <<<"$out")" \
	"$(date -u -d "$end" +%Y-%m-%dT%H:%M:%SZ)" "status --json: pg2's client certificate expires when the new one does"
run status
like "$out" "Client certificate: +expires $(date -u -d "$end" +%Y-%m-%d)" "status: the date, in text"
run status --format=prometheus
like "$out" "pgreplica_client_certificate_expiry_timestamp_seconds\\{cluster=\"[^\"]*\",node=\"pg2\"\\} $(date -d "$end" +%s)" \
	"status --format=prometheus: the same instant"
is "$(stat -c '%a %U' "$key")" "600 $FX_USER" "the new key: 0600, the server's account"
ok "restart pg2" fx_pg_restart pg2
ok "pg2 streams with the new certificate" fx_wait_streaming pg1 pg2
like "$(fx_psql pg1 "SELECT s.client_serial FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'")" "^[0-9]+$" \
	"pg1 sees a client serial"
isnt "$(fx_psql pg1 "SELECT s.client_serial FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'")" 42 \
	"and it is not the short one's"

# ---------------------------------------------------------------------------
# scram+cert: the password and the certificate
ok "stop pg2" fx_pg_stop pg2
fx_cluster_file -o ssl=on -o replication_auth=scram+cert "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "apply --yes with replication_auth = scram+cert exits 0" || diag "$out"
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(walsender_ssl)" "t|/CN=replicate" "pg_stat_ssl: the client certificate again"
like "$(grep -v '^#' "$data1/pg_hba.conf")" "hostssl +replication +replicate +$FX_ADDR_pg2/32 +scram-sha-256 clientcert=verify-full" \
	"pg1's pg_hba.conf: scram-sha-256 clientcert=verify-full"
ci=$(fx_psql pg2 'SHOW primary_conninfo')
like "$ci" "passfile='?$passfile'? .*sslcert='?$crt'? sslkey='?$key" "primary_conninfo names the passfile and the certificate"
is "$(stat -c '%a' "$passfile")" 600 "the passfile is 0600"

refused_without_cert scram+cert "connection requires a valid client certificate|certificate authentication failed"

done_testing
