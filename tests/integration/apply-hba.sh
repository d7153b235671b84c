#!/bin/bash
# apply-hba.sh - the pg_hba.conf step of "pgreplica apply" on a real server.
#
# pg1 is the primary; pg2 is the standby's host (its own network namespace
# and address, no server needed: the step only writes the primary's
# pg_hba.conf).  From a file whose catch-all reject rules come first, apply
# puts the replication rule above them: a replication connection from pg2's
# address with the role's password then works, one from the runner's
# address is still rejected.  Then: a second apply has nothing to do; owner
# and mode are kept and a backup exists; a file the server would refuse is
# rolled back before any reload; a file that already has errors is not
# touched; a standby host that is not an IP address and an impossible role
# name are refused with the cluster file's line; a role name with a double
# quote and a space is written quoted and works; a broader replication
# rule with another method is shadowing too; with ssl = on while the server
# has SSL off, the hostssl rule is written and the server's warning is not
# taken for an error.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-hba.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
# pgreplica with the test hooks (tests/tools/test-hooks.c), for the
# injected line the server refuses
PGREPLICA_TEST=${PGREPLICA_TEST:-${top_builddir:-.}/tests/tools/pgreplica-test}
RUN_PROG=$PGREPLICA
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"

fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
# pg1's files and pg_ctl are reached over SSH as the servers' account (the
# activate step's pg_ctl refuses root, and must run in pg1's namespace)
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"

conf=$FX_DIR/cluster.conf
hba=$(fx_pgdata pg1)/pg_hba.conf
role=replicate
pw=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20)
pwfile=$FX_DIR/replication.pw
(umask 077; printf '%s\n' "$pw" >"$pwfile")
# apply's journal goes here, not into the runner's home
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK

RUN_OPTS=(--replication-password-file "$pwfile")
RUN_TAIL=(--primary-only)

# make_role NAME: the replication role, with $pw (the role step would make it)
make_role()
{
	local q=${1//\"/\"\"}
	fx_psql pg1 "SET client_min_messages = warning; DROP ROLE IF EXISTS \"$q\"; CREATE ROLE \"$q\" WITH REPLICATION LOGIN PASSWORD '$pw'"
}

# replicates FROM ROLE: a physical replication connection from host FROM
# (or "runner") to pg1 as ROLE with $pw runs IDENTIFY_SYSTEM
replicates()
{
	local from=$1 r=$2 pass=$FX_DIR/repl.pgpass conn er
	er=${r//\\/\\\\}
	_fx_user_file 0600 "$pass"
	printf '*:*:*:%s:%s\n' "${er//:/\\:}" "$pw" >"$pass"
	er=${r//\\/\\\\}
	er=${er//\'/\\\'}
	conn="host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user='$er' dbname=replication replication=true connect_timeout=10 passfile=$pass"
	if [ "$from" = runner ]; then
		"$FX_PG_CLIENT_BINDIR/psql" -XAtq -c IDENTIFY_SYSTEM "$conn" >"$FX_DIR/repl.out" 2>&1
	else
		fx_on_host_as_user "$from" "$FX_PG_CLIENT_BINDIR/psql" -XAtq \
			-c IDENTIFY_SYSTEM "$conn" >"$FX_DIR/repl.out" 2>&1
	fi
}

refused()
{
	! replicates "$@"
}

# the server finds no error in its hba file
no_hba_errors()
{
	[ "$(fx_psql pg1 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL')" = 0 ]
}

# rule_line ROLE ADDR: line of the replication rule for ROLE from ADDR/32
rule_line()
{
	local q=${1//\'/\'\'}
	fx_psql pg1 "SELECT min(line_number) FROM pg_hba_file_rules
		WHERE database = '{replication}' AND '$q' = ANY (user_name)
		AND address = '$2' AND netmask = '255.255.255.255'
		AND auth_method = 'scram-sha-256' AND type = 'host'"
}

backups()
{
	ls -1 "$hba".pgreplica-* 2>/dev/null | wc -l
}

# The server's superuser comes in over TCP from the runner; everything else
# meets the catch-all rejects, which come before any replication rule.
reset_hba()
{
	fx_pg_hba pg1 \
		"host    all          postgres     $FX_RUNNER_ADDR/32  scram-sha-256" \
		"host    all          all          0.0.0.0/0         reject" \
		"host    replication  all          0.0.0.0/0         reject" \
		"host    replication  all          $FX_SUBNET        md5"
	chmod 0640 "$hba"
}

ok "replication role $role" make_role "$role"
reset_hba
cp -p "$hba" "$FX_DIR/hba.orig"
fx_cluster_file "$conf" pg1 pg2
reject_line=$(grep -n '^host    replication  all          0.0.0.0/0' "$hba" | cut -d: -f1)

# ---------------------------------------------------------------------------
# before: the test can fail
ok "before apply: no replication from pg2 (the reject comes first)" refused pg2 "$role"

# plan
out=$("$RUN_PROG" -c "$conf" --ssh-config "$FX_SSH_CONFIG" plan --primary-only </dev/null 2>&1)
rc=$?
is "$rc" 0 "plan exits 0"
like "$out" "\+host +replication +$role +$FX_ADDR_pg2/32 +scram-sha-256" "plan shows the rule as a diff line"
like "$out" "above line $reject_line.*host +replication +all +0\.0\.0\.0/0 +reject" \
	"plan says which rule the new one is placed above, and why"
ok "plan changed nothing" cmp "$hba" "$FX_DIR/hba.orig"

# ---------------------------------------------------------------------------
# apply
stat_before=$(stat -c '%U:%G %a' "$hba")
run apply --yes
is "$rc" 0 "apply --yes exits 0" || diag "$out"
line=$(rule_line "$role" "$FX_ADDR_pg2")
like "$line" '^[0-9]+$' "pg_hba_file_rules shows the rule for pg2"
ok "the rule comes before the replication reject (line ${line:-none} < $reject_line)" \
	test "${line:-999999}" -lt "$reject_line"
ok "no error in pg_hba_file_rules" no_hba_errors
ok "replication from pg2 with the role's password works" replicates pg2 "$role" ||
	diag "$(cat "$FX_DIR/repl.out")"
if fx_netns_ok; then
	ok "replication from the runner's address is still rejected" refused runner "$role"
	like "$(cat "$FX_DIR/repl.out")" "pg_hba.conf rejects" "rejected by the reject rule"
else
	skip 2 "no network namespaces: the runner and pg2 are both 127.0.0.1"
fi
is "$(stat -c '%U:%G %a' "$hba")" "$stat_before" "owner, group and mode kept ($stat_before)"
is "$(backups)" 1 "one backup next to the file"
backup=$(ls -1 "$hba".pgreplica-* | head -n 1)
ok "the backup is the old file" cmp "$backup" "$FX_DIR/hba.orig"
is "$(stat -c '%U:%G %a' "$backup")" "$stat_before" "the backup has the file's owner, group and mode"
is "$(grep -c "^host.*replication.*$role.*$FX_ADDR_pg2/32" "$hba")" 1 "the rule is in the file once"

# ---------------------------------------------------------------------------
# again: nothing to do
cp -p "$hba" "$FX_DIR/hba.applied"
run apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" "pg_hba.conf on pg1: nothing to do" "second apply: nothing to do for pg_hba.conf"
ok "second apply left the file alone" cmp "$hba" "$FX_DIR/hba.applied"
is "$(backups)" 1 "and made no backup"

# ---------------------------------------------------------------------------
# an apply interrupted between its write and its reload: the file has the
# rule, the rules in force do not; the next apply has the server reload
reset_hba
load_epoch=$(fx_psql pg1 'SELECT floor(extract(epoch FROM pg_conf_load_time()))::bigint')
later_than_load() { [ "$(date +%s)" -gt "$load_epoch" ]; }
fx_poll 5 later_than_load
cat "$FX_DIR/hba.applied" >"$hba"
ok "interrupted: the rule is in the file but not in force" refused pg2 "$role"
out=$("$RUN_PROG" -c "$conf" --ssh-config "$FX_SSH_CONFIG" plan --primary-only </dev/null 2>&1)
like "$out" "not loaded the file since it last changed" "plan says the file is not loaded yet" ||
	diag "$out"
run apply --yes
is "$rc" 0 "apply after the interruption exits 0" || diag "$out"
ok "the rule is in force now: replication from pg2 works" replicates pg2 "$role"
ok "the file was not rewritten" cmp "$hba" "$FX_DIR/hba.applied"
is "$(backups)" 1 "and no backup made"
run apply --yes
like "$out" "pg_hba.conf on pg1: nothing to do" "the apply after that has nothing to do"
like "$out" "Nothing to do" "not even a reload" || diag "$out"

# ---------------------------------------------------------------------------
# a file the server would refuse: put back before any reload
reset_hba
rm -f "$hba".pgreplica-*
# the product has no such hook: the variable changes nothing
PGREPLICA_TEST_HBA_INJECT="host replication all 192.0.2.0/33 md5" run apply --yes
is "$rc" 0 "the product's apply ignores PGREPLICA_TEST_HBA_INJECT" || diag "$out"
unlike "$(cat "$hba")" "192\.0\.2\.0/33" "... no injected line in the file it wrote"
ok "the product's binary does not even name it" sh -c '! grep -q PGREPLICA_TEST_HBA_INJECT "$1"' sh "$PGREPLICA"
reset_hba
rm -f "$hba".pgreplica-*
fx_psql pg1 'SELECT pg_reload_conf()' >/dev/null
ok "the old rules in force again" refused pg2 "$role"
load_before=$(fx_psql pg1 'SELECT pg_conf_load_time()')
RUN_PROG=$PGREPLICA_TEST
PGREPLICA_TEST_HBA_INJECT="host replication all 192.0.2.0/33 md5" run apply --yes
RUN_PROG=$PGREPLICA
isnt "$rc" 0 "apply fails when the server refuses the new file"
like "$out" "refuses" "the error says the server refuses it" || diag "$out"
like "$out" "line [0-9]+: .*33" "the server's error is in the detail" || diag "$out"
ok "the old file is back, byte for byte" cmp "$hba" "$FX_DIR/hba.orig"
is "$(stat -c '%U:%G %a' "$hba")" "$stat_before" "with its owner and mode"
ok "no error in pg_hba_file_rules after the rollback" no_hba_errors
is "$(fx_psql pg1 'SELECT pg_conf_load_time()')" "$load_before" "the server was not reloaded"
ok "old rules in force: still no replication from pg2" refused pg2 "$role"
ok "old rules in force: the superuser still gets in from the runner" \
	fx_psql_tcp runner pg1 'SELECT 1'

# ---------------------------------------------------------------------------
# a file that has errors already: not touched
reset_hba
rm -f "$hba".pgreplica-*
printf 'host replication all 192.0.2.0/33 md5\n' >>"$hba"
bad_line=$(wc -l <"$hba")
cp -p "$hba" "$FX_DIR/hba.bad"
run apply --yes
isnt "$rc" 0 "apply refuses a file the server already finds errors in"
like "$out" "errors in .*pg_hba.conf" "it says so" || diag "$out"
like "$out" "line $bad_line: .*33" "naming the line ($bad_line) and the server's reason" || diag "$out"
ok "the file is untouched" cmp "$hba" "$FX_DIR/hba.bad"
is "$(backups)" 0 "no backup made"

# ---------------------------------------------------------------------------
# bad input: nothing changes on the server
reset_hba
rm -f "$hba".pgreplica-*
sed -i "/^\[node \"pg2\"\]/,\$ s/^host = .*/host = db2.example.com/" "$conf"
host_line=$(grep -n '^host = db2.example.com' "$conf" | cut -d: -f1)
server_before="$(fx_pg_pid pg1) $(fx_psql pg1 'SELECT pg_conf_load_time()')"
run apply --yes
isnt "$rc" 0 "a standby host that is not an IP address is refused"
like "$out" "cluster.conf:$host_line: .*pg2.*db2\.example\.com.* not an IP address" \
	"the error names the cluster file's line ($host_line)" || diag "$out"
ok "pg_hba.conf is untouched" cmp "$hba" "$FX_DIR/hba.orig"
is "$(backups)" 0 "no backup made"
is "$(fx_pg_pid pg1) $(fx_psql pg1 'SELECT pg_conf_load_time()')" "$server_before" \
	"the server was neither reloaded nor restarted"

fx_cluster_file -o "replication_user=$(printf 'r%.0s' {1..70})" "$conf" pg1 pg2
user_line=$(grep -n '^replication_user' "$conf" | cut -d: -f1)
run apply --yes
isnt "$rc" 0 "a role name pg_hba.conf cannot hold (70 bytes) is refused"
like "$out" "cluster.conf:$user_line: replication_user" \
	"the error names the cluster file's line ($user_line)" || diag "$out"
ok "pg_hba.conf is untouched" cmp "$hba" "$FX_DIR/hba.orig"

# ---------------------------------------------------------------------------
# a role name with a double quote and a space: quoted in the file, and works
odd='we"ird role'
ok "role $odd" make_role "$odd"
fx_cluster_file -o 'replication_user="we\"ird role"' "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "apply for the role $odd exits 0" || diag "$out"
like "$(cat "$hba")" "host +replication +\"we\"\"ird role\" +$FX_ADDR_pg2/32" \
	"the rule is written with the name quoted"
ok "no error in pg_hba_file_rules" no_hba_errors
ok "replication from pg2 as $odd works" replicates pg2 "$odd" ||
	diag "$(cat "$FX_DIR/repl.out")"
run apply --yes
like "$out" "pg_hba.conf on pg1: nothing to do" "and a second apply has nothing to do"

# ---------------------------------------------------------------------------
# no reject, but a broader replication rule with another method first: the
# new rule goes above it
fx_pg_hba pg1 \
	"host    all          postgres     $FX_RUNNER_ADDR/32  scram-sha-256" \
	"host    replication  all          $FX_SUBNET        md5"
md5_line=$(grep -n "^host    replication  all          $FX_SUBNET" "$hba" | cut -d: -f1)
fx_cluster_file "$conf" pg1 pg2
out=$("$RUN_PROG" -c "$conf" --ssh-config "$FX_SSH_CONFIG" plan --primary-only </dev/null 2>&1)
like "$out" "above line $md5_line.*host +replication +all +${FX_SUBNET//./\\.} +md5" \
	"plan: the rule goes above the broader md5 rule, and says why" || diag "$out"
run apply --yes
is "$rc" 0 "apply exits 0" || diag "$out"
line=$(rule_line "$role" "$FX_ADDR_pg2")
ok "the rule comes before the md5 rule (line ${line:-none} < $md5_line)" \
	test "${line:-999999}" -lt "$md5_line"
ok "replication from pg2 works" replicates pg2 "$role"

# ---------------------------------------------------------------------------
# ssl = on in the cluster file while the server has ssl off (the SSL step has
# not run yet): the hostssl rule is written all the same (the server loads
# it, it cannot match until SSL is on), and that is said
reset_hba
fx_cluster_file -o ssl=on "$conf" pg1 pg2
out=$("$RUN_PROG" -c "$conf" --ssh-config "$FX_SSH_CONFIG" plan --primary-only </dev/null 2>&1)
like "$out" "\+hostssl +replication +$role +$FX_ADDR_pg2/32" "ssl = on: plan shows a hostssl rule"
like "$out" "ssl = off" "and says the server has ssl off"
run apply --yes
is "$rc" 0 "ssl = on: apply exits 0" || diag "$out"
like "$(cat "$hba")" "hostssl +replication +$role +$FX_ADDR_pg2/32" "the hostssl rule is in the file"
run apply --yes
is "$rc" 0 "ssl = on: a second apply exits 0 (the server's warning on that rule is not an error)" ||
	diag "$out"
like "$out" "pg_hba.conf on pg1: nothing to do" "and has nothing to do"

done_testing
