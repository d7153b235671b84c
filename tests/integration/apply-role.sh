#!/bin/bash
# apply-role.sh - the replication role and activate steps of "pgreplica
# apply" on a real server.
#
# pg1 is the primary (reached over SSH as the server's account, so that
# restarts run pg_ctl in pg1's own network namespace); pg2 is the standby's
# host (no server: replication connections are made from there).
#   - apply creates the role WITH REPLICATION LOGIN, not SUPERUSER, with a
#     SCRAM verifier; the generated password (>= 24 characters) is in the
#     0600 passfile $XDG_CONFIG_HOME/pgreplica/fx.pgpass and works for a
#     replication connection from pg2 (a wrong one does not);
#   - with log_statement = all the password is nowhere in the server log,
#     nor in apply's output, nor in any process's argument list sampled
#     every 10 ms during apply;
#   - a second apply changes nothing (same verifier) and says so;
#   - a role name with a double quote, a colon and a space works, with a
#     generated password and with --replication-password-file;
#   - a SUPERUSER named as replication_user is refused and left as it is;
#   - password_encryption = md5: an md5 verifier, with a warning; moved to
#     SCRAM once the server asks for SCRAM again;
#   - a wal_level change waiting for a restart (pending_restart) restarts
#     the server only with --yes; afterwards nothing is pending;
#   - a bindir without pg_ctl: the restart fails naming it, the server runs
#     on.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-role.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
RUN_PROG=$PGREPLICA
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"

fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"

export XDG_CONFIG_HOME=$FX_DIR/config XDG_STATE_HOME=$FX_DIR/state
unset SSH_AUTH_SOCK
conf=$FX_DIR/cluster.conf
passfile=$XDG_CONFIG_HOME/pgreplica/fx.pgpass
pgdata=$(fx_pgdata pg1)

RUN_TAIL=(--primary-only)

# role_attrs NAME: "replication|login|superuser|verifier prefix"
role_attrs()
{
	fx_psql pg1 "SELECT rolreplication, rolcanlogin, rolsuper, split_part(rolpassword, '\$', 1)
	               FROM pg_authid WHERE rolname = \$\$$1\$\$"
}

verifier()
{
	fx_psql pg1 "SELECT rolpassword FROM pg_authid WHERE rolname = \$\$$1\$\$"
}

# passfile_pw ROLE: the password the passfile keeps for ROLE (':' and '\'
# unescaped)
passfile_pw()
{
	local er=${1//\\/\\\\}
	er=${er//:/\\:}
	grep -F -- "*:*:replication:$er:" "$passfile" 2>/dev/null | head -n 1 |
		cut -c $((${#er} + 18))- | sed 's/\\\(.\)/\1/g'
}

# replicates ROLE PASSWORD: a physical replication connection from pg2 to
# pg1 as ROLE with PASSWORD (through a pgpass file in pgreplica's format)
# runs IDENTIFY_SYSTEM
replicates()
{
	local r=$1 pw=$2 pass=$FX_DIR/pg2.pgpass er ep
	er=${r//\\/\\\\}
	ep=${pw//\\/\\\\}
	_fx_user_file 0600 "$pass"
	printf '*:*:replication:%s:%s\n' "${er//:/\\:}" "${ep//:/\\:}" >"$pass"
	er=${r//\\/\\\\}
	er=${er//\'/\\\'}
	fx_on_host_as_user pg2 "$FX_PG_CLIENT_BINDIR/psql" -XAtq -c IDENTIFY_SYSTEM \
		"host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user='$er' dbname=replication replication=true connect_timeout=10 passfile=$pass" \
		>"$FX_DIR/repl.out" 2>&1
}

# sampling every process's argument list while a command runs; stopping
# waits until the last ps has finished (an orphaned ps could otherwise see
# the checks below, which hold the secret)
sampler_pid=''
start_sampler()
{
	: >"$FX_DIR/ps.samples"
	rm -f "$FX_DIR/ps.stop"
	(
		while [ ! -e "$FX_DIR/ps.stop" ]; do
			ps -eo args >>"$FX_DIR/ps.samples"
			sleep 0.01
		done
	) &
	sampler_pid=$!
}
stop_sampler()
{
	[ -n "$sampler_pid" ] || return 0
	: >"$FX_DIR/ps.stop"
	wait "$sampler_pid" 2>/dev/null
	sampler_pid=''
}
fx_on_teardown stop_sampler

# setting_is NAME VALUE: pg1's current value of NAME is VALUE
setting_is()
{
	[ "$(fx_psql pg1 "SELECT current_setting('$1')")" = "$2" ]
}

# pending NAME: pg1 reports NAME as waiting for a restart
pending()
{
	[ "$(fx_psql pg1 "SELECT pending_restart FROM pg_settings WHERE name = '$1'")" = t ]
}

server_logs()
{
	cat "$(fx_pg_log pg1)" "$pgdata"/log/* 2>/dev/null
}

# nowhere SECRET WHAT: the secret is in none of apply's output, the server's
# logs and the sampled argument lists
nowhere()
{
	local secret=$1 what=$2
	if [[ $out == *"$secret"* ]]; then
		fail "$what: not in apply's output"
	else
		pass "$what: not in apply's output"
	fi
	if server_logs | grep -qF -f <(printf '%s\n' "$secret"); then
		fail "$what: not in the server log"
		diag "$(server_logs | grep -F -f <(printf '%s\n' "$secret") | head -n 3)"
	else
		pass "$what: not in the server log"
	fi
	if grep -qF -f <(printf '%s\n' "$secret") "$FX_DIR/ps.samples"; then
		fail "$what: in no process's argument list"
		diag "$(grep -F -f <(printf '%s\n' "$secret") "$FX_DIR/ps.samples" | head -n 3)"
	else
		pass "$what: in no process's argument list"
	fi
}

# ---------------------------------------------------------------------------
# a generated password

ok "log_statement = all on pg1" fx_psql pg1 "ALTER SYSTEM SET log_statement = 'all'" &&
	fx_pg_reload pg1
fx_cluster_file -o replication_user=replicator "$conf" pg1 pg2

run plan
is "$rc" 0 "plan exits 0" || diag "$out"
like "$out" 'CREATE ROLE "replicator" WITH REPLICATION LOGIN PASSWORD' \
	"plan shows the CREATE ROLE" || diag "$out"
like "$out" "password will be generated" "plan says a password will be generated"
unlike "$out" 'SCRAM-SHA-256\$[0-9]' "plan shows no verifier"
ok "plan writes no passfile" test ! -e "$passfile"
is "$(role_attrs replicator)" "" "plan creates no role"

start_sampler
run apply --yes
stop_sampler
is "$rc" 0 "apply exits 0" || diag "$out"
is "$(role_attrs replicator)" "t|t|f|SCRAM-SHA-256" \
	"role created WITH REPLICATION LOGIN NOSUPERUSER and a SCRAM verifier"
ok "the passfile exists" test -f "$passfile"
is "$(stat -c %a "$passfile" 2>/dev/null)" 600 "the passfile's mode is 0600"
pw=$(passfile_pw replicator)
ok "the passfile keeps a password of at least 24 characters" test "${#pw}" -ge 24 ||
	diag "passfile: $(sed 's/:[^:]*$/:.../' "$passfile" 2>/dev/null)"
like "$pw" '^[A-Za-z0-9]+$' "the password is made of letters and digits"
[ -n "$pw" ] || pw=no-password-found
like "$(cat "$FX_DIR/ps.samples")" "(pgreplica|$(basename "$RUN_PROG")).*apply" \
	"the sampler saw apply run"
like "$(server_logs)" "statement: " "the server logs statements"
nowhere "$pw" "the generated password"
ok "replication from pg2 with the generated password" replicates replicator "$pw" ||
	diag "$(cat "$FX_DIR/repl.out")"
nok "replication from pg2 with another password fails" replicates replicator "x$pw"

v1=$(verifier replicator)
cp "$passfile" "$FX_DIR/passfile.1"
run apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" 'replication role "replicator" on pg1: nothing to do' \
	"second apply: nothing to do for the role" || diag "$out"
is "$(verifier replicator)" "$v1" "second apply: the verifier is unchanged"
ok "second apply: the passfile is unchanged" cmp "$passfile" "$FX_DIR/passfile.1"
run plan
like "$out" 'nothing to do' "plan after apply: nothing to do" || diag "$out"
unlike "$out" 'CREATE ROLE|ALTER ROLE' "plan after apply: no statement"

# a passfile others can read is refused, as libpq would ignore it
chmod 0644 "$passfile"
run plan
isnt "$rc" 0 "a passfile readable by others is refused"
like "$out" "group or world access" "... saying why" || diag "$out"
chmod 0600 "$passfile"

# ---------------------------------------------------------------------------
# a role name with a double quote, a colon and a space

odd='we"ird: role'
fx_cluster_file -o 'replication_user="we\"ird: role"' "$conf" pg1 pg2
start_sampler
run apply --yes
stop_sampler
is "$rc" 0 "apply for the role $odd exits 0" || diag "$out"
is "$(role_attrs "$odd")" "t|t|f|SCRAM-SHA-256" "role $odd created"
grep -qF '*:*:replication:we"ird\: role:' "$passfile"
ok "the passfile escapes the ':' of the role name" test $? = 0
opw=$(passfile_pw "$odd")
ok "the passfile keeps a password for $odd" test "${#opw}" -ge 24
[ -n "$opw" ] || opw=no-password-found
ok "the password of replicator is still there" test "$(passfile_pw replicator)" = "$pw"
nowhere "$opw" "the password of $odd"
ok "replication from pg2 as $odd works" replicates "$odd" "$opw" ||
	diag "$(cat "$FX_DIR/repl.out")"

# the operator's own password (with characters pgpass escapes)
gpw="Op:er\\ator-$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)"
(umask 077; printf '%s\n' "$gpw" >"$FX_DIR/given.pw")
start_sampler
run --replication-password-file "$FX_DIR/given.pw" apply --yes
stop_sampler
is "$rc" 0 "apply with --replication-password-file exits 0" || diag "$out"
nowhere "$gpw" "the given password"
ok "replication from pg2 as $odd with the given password" replicates "$odd" "$gpw" ||
	diag "$(cat "$FX_DIR/repl.out")"
is "$(passfile_pw "$odd")" "$gpw" "the passfile's entry follows the given password"
run --replication-password-file "$FX_DIR/given.pw" apply --yes
like "$out" 'on pg1: nothing to do' "second apply with the given password: nothing to do" ||
	diag "$out"
unlike "$out" 'replication role.*applying' "... the role is not touched"

# the operator's password does not need the passfile: one others can read
# is left alone, with a warning
chmod 0644 "$passfile"
(umask 077; printf '%s\n' "x$gpw" >"$FX_DIR/given2.pw")
run --replication-password-file "$FX_DIR/given2.pw" apply --yes
is "$rc" 0 "a given password with an unreadable passfile: apply exits 0" || diag "$out"
like "$out" "warning: .*group or world access" "... with a warning about the passfile" ||
	diag "$out"
chmod 0600 "$passfile"
is "$(passfile_pw "$odd")" "$gpw" "... and the passfile is left as it was"
ok "replication from pg2 as $odd with the new password" replicates "$odd" "x$gpw" ||
	diag "$(cat "$FX_DIR/repl.out")"

# ---------------------------------------------------------------------------
# a superuser is refused

fx_psql pg1 "CREATE ROLE boss SUPERUSER LOGIN"
fx_cluster_file -o replication_user=boss "$conf" pg1 pg2
run apply --yes
isnt "$rc" 0 "a SUPERUSER replication_user is refused"
like "$out" "superuser" "... saying it is a superuser" || diag "$out"
is "$(role_attrs boss)" "f|t|t|" "the role boss is left as it was"
ok "no passfile entry for boss" test -z "$(passfile_pw boss)"

# ---------------------------------------------------------------------------
# md5 only when the server asks for it

fx_psql pg1 "ALTER SYSTEM SET password_encryption = 'md5'" && fx_pg_reload pg1
ok "the server hashes with md5" fx_poll 10 setting_is password_encryption md5
fx_cluster_file -o replication_user=oldstyle "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "apply with password_encryption = md5 exits 0" || diag "$out"
is "$(role_attrs oldstyle | cut -c1-9)" "t|t|f|md5" "the role gets an md5 verifier"
like "$out" "md5" "apply warns about md5" || diag "$out"
run apply --yes
like "$out" 'replication role "oldstyle" on pg1: nothing to do' \
	"second apply with md5: nothing to do" || diag "$out"
fx_psql pg1 "ALTER SYSTEM RESET password_encryption" && fx_pg_reload pg1
ok "the server hashes with SCRAM again" fx_poll 10 setting_is password_encryption scram-sha-256
run apply --yes
is "$(role_attrs oldstyle)" "t|t|f|SCRAM-SHA-256" "moved to SCRAM when the server asks for it"
ok "replication from pg2 as oldstyle works" replicates oldstyle "$(passfile_pw oldstyle)" ||
	diag "$(cat "$FX_DIR/repl.out")"

# ---------------------------------------------------------------------------
# a restart only with --yes

fx_cluster_file -o replication_user=replicator "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "apply with nothing pending exits 0" || diag "$out"
ok "wal_level changed, waiting for a restart" \
	fx_psql pg1 "ALTER SYSTEM SET wal_level = logical" && fx_pg_reload pg1
ok "pg1 says wal_level waits for a restart" fx_poll 10 pending wal_level
pid=$(fx_pg_pid pg1)
run plan
like "$out" "restart pg1.*wal_level" "plan: restart pg1 for wal_level" || diag "$out"
run apply
isnt "$rc" 0 "apply without --yes (no terminal) does not restart"
is "$(fx_pg_pid pg1)" "$pid" "... the server runs on (same postmaster)"
run apply --yes
is "$rc" 0 "apply --yes exits 0" || diag "$out"
isnt "$(fx_pg_pid pg1)" "$pid" "apply --yes restarted the server"
ok "pg1 accepts connections" fx_psql pg1 "SELECT 1"
is "$(fx_psql pg1 'SELECT count(*) FROM pg_settings WHERE pending_restart')" 0 \
	"nothing waits for a restart any more"
ok "pg_ctl's log is in the data directory" test -s "$pgdata/log/pgreplica-pg_ctl.log"
run apply --yes
unlike "$out" "restarting" "a third apply does not restart" || diag "$out"
like "$out" 'pg1: nothing to do' "... and says nothing to do"

# a pg_ctl that is not there: a clear error, the server untouched
ok "wal_level changed again" \
	fx_psql pg1 "ALTER SYSTEM SET wal_level = replica" && fx_pg_reload pg1
ok "pg1 says wal_level waits for a restart" fx_poll 10 pending wal_level
pid=$(fx_pg_pid pg1)
sed -i "s|^bindir = .*|bindir = $FX_DIR/nowhere|" "$conf"
run apply --yes
isnt "$rc" 0 "a restart with a missing pg_ctl fails"
like "$out" "no \"$FX_DIR/nowhere/pg_ctl\" on node \"pg1\"" "... naming the missing pg_ctl" ||
	diag "$out"
is "$(fx_pg_pid pg1)" "$pid" "... and the server runs on"
fx_cluster_file -o replication_user=replicator "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "with bindir fixed, apply --yes restarts" || diag "$out"
isnt "$(fx_pg_pid pg1)" "$pid" "... the server was restarted"

# the passwords once more, in every log written so far
ok "no password in any server log" \
	test -z "$(server_logs | grep -F -f <(printf '%s\n' "$pw" "$opw" "$gpw"))"

done_testing
