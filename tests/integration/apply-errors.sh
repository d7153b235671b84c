#!/bin/bash
# apply-errors.sh - bad input stops "pgreplica apply" (and "plan") with a
# clear error before anything changes on the server.
#
# pg1 is a fresh initdb (reached over SSH as the servers' account, like the
# other apply tests), whose pg_hba.conf has no replication rule, so that a
# successful apply would change every step; pg2 is the standby's host.
# For each bad input, both "apply --yes" and "plan" must:
#   - exit with status 2;
#   - name the problem (and FILE:LINE when it is in the cluster file):
#     port 70000, port "abc", a standby host "10.1.2.300" or
#     "not an address!", a role name with a double quote and a control
#     character, a role name of 64 bytes (one more than PostgreSQL keeps),
#     an unknown key; a primary nobody answers for (an address of the
#     fixture's subnet with no host: within the connect timeout; a port
#     nothing listens on); a wrong password for the superuser
#     (authentication error naming the node);
#   - give a hint (HINT:);
#   - change nothing: pg_hba.conf and postgresql.auto.conf byte for byte,
#     the same roles, no restart and no reload (pg_postmaster_start_time,
#     pg_conf_load_time), no "begin" in the journal, no passfile, no backup.
# A successful plan on the fresh primary changes nothing either.  One error
# in French (LANGUAGE=fr).  A 63-byte role name is accepted by plan, and a
# role name with a double quote and a space (otherwise valid) is applied
# to the end ("Done"; apply-hba.sh and apply-role.sh check the details).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     PGR_LOCALEDIR=/path/to/build/po/locale \
#     bash tests/integration/apply-errors.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
export PGREPLICA_LOCALEDIR=${PGR_LOCALEDIR:-${top_builddir:-.}/po/locale}

fx_setup
ok "initdb pg1" fx_pg_init pg1 || bail_out "no primary"
# no replication rule: a successful apply would write pg_hba.conf
fx_pg_hba pg1 "host    all          all          $FX_SUBNET  scram-sha-256"
ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"

export XDG_CONFIG_HOME=$FX_DIR/config XDG_STATE_HOME=$FX_DIR/state
unset SSH_AUTH_SOCK
pgdata=$(fx_pgdata pg1)
hba=$pgdata/pg_hba.conf
auto=$pgdata/postgresql.auto.conf
journal=$XDG_STATE_HOME/pgreplica/fx.journal
passfile=$XDG_CONFIG_HOME/pgreplica/fx.pgpass
good=$FX_DIR/good.conf
conf=$FX_DIR/cluster.conf
fx_cluster_file "$good" pg1 pg2

# run ARG...: pgreplica on $conf; sets out (stdout and stderr), rc, secs
run()
{
	local t0=$EPOCHREALTIME t1
	out=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" "$@" --primary-only </dev/null 2>&1)
	rc=$?
	t1=$EPOCHREALTIME
	secs=$(( (${t1/./} - ${t0/./}) / 1000000 ))
	[ "$secs" -gt "$max_secs" ] && max_secs=$secs
	return 0
}

roles()
{
	fx_psql pg1 "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"
}

server_times()
{
	fx_psql pg1 "SELECT pg_postmaster_start_time() || ' / ' || pg_conf_load_time()"
}

begins()
{
	grep -c '^begin ' "$journal" 2>/dev/null || echo 0
}

client_files()
{
	local f
	for f in "$passfile" "$hba".pgreplica-* "$pgdata"/.*.pgreplica-*; do
		[ -e "$f" ] && printf '%s ' "$f"
	done
	echo
}

# snapshot: what must not change
snapshot()
{
	cp "$hba" "$FX_DIR/hba.before"
	cp "$auto" "$FX_DIR/auto.before"
	roles_before=$(roles)
	times_before=$(server_times)
	begins_before=$(begins)
	files_before=$(client_files)
}

# unchanged WHAT: the server and the client's files are as snapshot left them
unchanged()
{
	local what=$1
	ok "$what: pg_hba.conf unchanged (byte for byte)" cmp -s "$hba" "$FX_DIR/hba.before"
	ok "$what: postgresql.auto.conf unchanged (byte for byte)" cmp -s "$auto" "$FX_DIR/auto.before"
	is "$(roles)" "$roles_before" "$what: no role created"
	is "$(server_times)" "$times_before" "$what: no restart, no reload"
	is "$(begins)" "$begins_before" "$what: no 'begin' in the journal"
	is "$(client_files)" "$files_before" "$what: no passfile, no backup, no temporary file"
}

# bad WHAT ERE [ARG...]: apply --yes, plan and check (with ARGs before the
# command) on $conf all fail with status 2, a message matching ERE and a
# hint, and change nothing (each compared with a snapshot taken right
# before it)
bad()
{
	local what=$1 ere=$2 cmd
	shift 2
	for cmd in "apply --yes" plan check; do
		snapshot
		run "$@" $cmd
		is "$rc" 2 "$what: $cmd exits 2" || diag "$out"
		like "$out" "error: .*$ere" "$what: $cmd names the problem" || diag "$out"
		like "$out" $'(^|\n)HINT:  [^ ]' "$what: $cmd gives a hint"
		unlike "$out" "applying|Done" "$what: $cmd applies no step" || diag "$out"
		unchanged "$what: $cmd"
	done
}

# edit NODE SED-COMMAND: $conf is $good with the command applied to the
# section of NODE (pg1 comes before pg2)
edit()
{
	case $1 in
	pg1) sed '/^\[node "pg1"\]/,/^\[node "pg2"\]/ '"$2" "$good" >"$conf" ;;
	pg2) sed '/^\[node "pg2"\]/,$ '"$2" "$good" >"$conf" ;;
	esac
}

# line_of ERE: the line number of the first line of $conf matching ERE
line_of()
{
	grep -nE -m 1 -- "$1" "$conf" | cut -d: -f1
}

re_quote()
{
	sed 's/[][\.*^$?+(){}|/]/\\&/g' <<<"$1"
}
cf=$(re_quote "$conf")
max_secs=0

# ---------------------------------------------------------------------------
# a successful plan on a fresh primary changes nothing

snapshot
cp "$good" "$conf"
run plan
is "$rc" 0 "plan on the fresh primary exits 0" || diag "$out"
like "$out" "CREATE ROLE" "plan would create the role"
like "$out" "\+host +replication +replicate +$(re_quote "$FX_ADDR_pg2")/32" \
	"plan would add the hba rule"
like "$out" "ALTER SYSTEM SET" "plan would set parameters"
like "$out" "restart pg1" "plan would restart pg1"
unchanged "successful plan"
run plan --json
is "$rc" 0 "plan --json exits 0" || diag "$out"
unchanged "successful plan --json"
run check
is "$rc" 0 "check on the fresh primary exits 0" || diag "$out"
like "$out" "\\[ready\\] +replication role" "check: the role step is ready"
like "$out" "Every check passed" "check says apply can run"
unchanged "successful check"

# ---------------------------------------------------------------------------
# the cluster file

edit pg1 's/^port = .*/port = 70000/'
bad "port 70000" "$cf:$(line_of '^port = 70000'): invalid port \"70000\""

edit pg1 's/^port = .*/port = abc/'
bad "port abc" "$cf:$(line_of '^port = abc'): invalid port \"abc\""

edit pg2 's/^host = .*/host = 10.1.2.300/'
bad "standby host 10.1.2.300" \
	"$cf:$(line_of '^host = 10.1.2.300'): standby \"pg2\": host \"10\.1\.2\.300\" is not an IP address"

edit pg2 's/^host = .*/host = "not an address!"/'
bad "standby host 'not an address!'" \
	"$cf:$(line_of '^host = "not'): standby \"pg2\": host \"not an address!\" is not an IP address"

# a double quote and a control character (SOH)
fx_cluster_file -o "replication_user=\"we\\\"ird$(printf '\001')role\"" "$conf" pg1 pg2
bad "role name with a quote and a control character" \
	"$cf:$(line_of '^replication_user'): replication_user: role name .*we\"ird.*role.* contains a control character"

# 64 bytes, with a double quote: one more than PostgreSQL keeps
long="q\"$(printf 'x%.0s' {1..62})"
is "${#long}" 64 "the long role name has 64 bytes"
fx_cluster_file -o "replication_user=\"${long//\"/\\\"}\"" "$conf" pg1 pg2
bad "role name of 64 bytes" \
	"$cf:$(line_of '^replication_user'): replication_user: .*longer than 63 bytes"

edit pg1 's/^service = .*/&\ncolour = blue/'
bad "unknown key" "$cf:$(line_of '^colour'): unknown key \"colour\" in section \[node \"pg1\"\]"

# ---------------------------------------------------------------------------
# a primary nobody answers for

# a port nothing listens on (a stopped server)
free_port=$(_fx_free_port)
edit pg1 "s/^port = .*/port = $free_port/"
bad "nothing listens on port $free_port" \
	"could not connect to node \"pg1\" \(host \"$(re_quote "$FX_ADDR_pg1")\", port $free_port\)"

if fx_netns_ok; then
	# an address of the fixture's subnet that no host has
	nobody=${FX_SUBNET%.*}.250
	edit pg1 "s/^host = .*/host = $nobody/"
	max_secs=0
	bad "no host at $nobody" \
		"node \"pg1\" \(host \"$(re_quote "$nobody")\", port $FX_PORT_pg1\)"
	ok "no host at $nobody: apply and plan gave up within the connect timeout (at most ${max_secs} s <= 12 s)" \
		test "$max_secs" -le 12
else
	diag "no network namespaces: an address with no host cannot be tried"
fi

# ---------------------------------------------------------------------------
# a wrong password for the superuser

cp "$good" "$conf"
_fx_user_file 0600 "$FX_DIR/wrong.pgpass"
printf '*:*:*:postgres:not-the-password\n' >"$FX_DIR/wrong.pgpass"
PGPASSFILE=$FX_DIR/wrong.pgpass bad "wrong superuser password" \
	"could not authenticate as user \"postgres\" on node \"pg1\" \(host \"$(re_quote "$FX_ADDR_pg1")\", port $FX_PORT_pg1\)"

# ---------------------------------------------------------------------------
# in French

edit pg1 's/^port = .*/port = 70000/'
snapshot
out=$(LANGUAGE=fr "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes --primary-only </dev/null 2>&1)
rc=$?
is "$rc" 2 "in French: apply exits 2"
like "$out" "erreur ?: $cf:$(line_of '^port = 70000') ?: port («|<<) 70000 (»|>>) invalide" \
	"in French: the error is French, with the file and line" || diag "$out"
like "$out" $'(^|\n)ASTUCE : ' "in French: so is the hint" || diag "$out"
unchanged "in French"

# ---------------------------------------------------------------------------
# valid names: 63 bytes, and a double quote with a space

long63="q\"$(printf 'x%.0s' {1..61})"
fx_cluster_file -o "replication_user=\"${long63//\"/\\\"}\"" "$conf" pg1 pg2
snapshot
run plan
is "$rc" 0 "a role name of 63 bytes with a double quote: plan exits 0" || diag "$out"
unchanged "plan with a 63-byte role name"

fx_cluster_file -o 'replication_user="we\"ird role"' "$conf" pg1 pg2
run apply --yes
like "$out" "Done: [0-9]+ steps? applied" "a role name with a double quote and a space is applied to the end" ||
	diag "$out"

done_testing
