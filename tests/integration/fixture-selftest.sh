#!/bin/bash
# fixture-selftest.sh - the integration fixture checks itself: two hosts, a
# primary and a streaming standby, a /32 hba rule, sshd on the standby, fault
# helpers, and nothing left behind after teardown, also after a failure or a
# signal.
#
# Run by hand: top_srcdir=/work/main bash tests/integration/fixture-selftest.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
[ -x /usr/sbin/sshd ] || skip_all "no /usr/sbin/sshd"

root=0
[ "$(id -u)" = 0 ] && root=1
work=$(mktemp -d /tmp/pgrfx-selftest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# leftovers of run RUN_ID (netns index N, run dir DIR): prints what is left
leftovers()
{
	local id=$1 n=$2 dir=$3 f p
	[ -n "$id" ] && [ -n "$dir" ] || { echo "no run recorded"; return 0; }
	if [ "$n" != - ]; then
		ip netns list | grep "^pgrfx$n-"
		ip -o link show | grep -o "pgrfx$n-[a-z0-9]*"
	fi
	for f in $(grep -lzxF "FX_RUN_ID=$id" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		fx_alive "$p" && echo "process $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	for f in $(grep -lF "$dir" /proc/[0-9]*/cmdline 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/cmdline}
		[ "$p" = "$BASHPID" ] && continue
		fx_alive "$p" && echo "process $p: $(tr '\0' ' ' <"/proc/$p/cmdline")"
	done
	[ -e "$dir" ] && echo "directory $dir"
	return 0
}

# ---------------------------------------------------------------------------
# 1. a primary and a standby, in a subshell whose exit tears the fixture down
(
	fx_setup
	printf '%s %s %s\n' "$FX_RUN_ID" "$(cat "$FX_DIR/.fx/netn" 2>/dev/null || echo -)" "$FX_DIR" >"$work/run"
	ok "run directory is private to the run and reachable (0755)" \
		test "$(stat -c %a "$FX_DIR")" = 755
	if [ $root = 1 ]; then
		# '*', or a password while some run uses fx_sshd_password
		like "$(getent shadow "$FX_USER" | cut -d: -f2)" '^[^!]' \
			"test account $FX_USER exists and is not locked"
	else
		is "$FX_USER" "$(id -un)" "not root: the test account is the current user"
	fi

	fx_host primary
	fx_host standby
	if fx_netns_ok; then
		isnt "$FX_ADDR_primary" "$FX_ADDR_standby" "each host has its own address"
		like "$(ip -n "$FX_NETNS_standby" -4 -o addr show dev eth0)" "inet $FX_ADDR_standby/24" \
			"the standby is a namespace with its address on eth0"
	else
		skip 2 "no network namespaces"
	fi
	fx_host here --runner
	is "$FX_ADDR_here:$FX_NETNS_here" "$FX_RUNNER_ADDR:" "a --runner host is the runner itself"
	isnt "$FX_PORT_here" "$FX_PORT_primary" "... with a port of its own"

	ok "initdb on primary" fx_pg_init primary
	if fx_netns_ok; then
		# only the standby's own address may connect: a /32 rule, then reject
		fx_pg_hba primary \
			"host all postgres $FX_ADDR_standby/32 scram-sha-256" \
			"host replication postgres $FX_ADDR_standby/32 scram-sha-256" \
			"host all all 0.0.0.0/0 reject"
	fi
	ok "start primary" fx_pg_start primary
	is "$(fx_psql primary 'SHOW listen_addresses')" "$FX_ADDR_primary" \
		"primary listens on its host's address"
	is "$(fx_psql primary "SELECT current_setting('unix_socket_directories') = '$FX_DIR/primary/sock'")" t \
		"primary has its own unix socket directory"

	if fx_netns_ok; then
		out=$(fx_psql_tcp runner primary 'SELECT 1' 2>&1)
		like "$out" "pg_hba.conf rejects connection for host \"$FX_RUNNER_ADDR\"" \
			"a third address (the runner) is rejected by the /32 hba rule"
		is "$(fx_psql_tcp standby primary 'SELECT inet_client_addr()' 2>&1)" "$FX_ADDR_standby" \
			"the standby's own address gets in (scram-sha-256 with the passfile)"
	else
		skip 2 "the /32 hba rule needs network namespaces"
	fi

	ok "pg_basebackup -R makes the standby" fx_pg_make_standby standby primary
	like "$(cat "$(fx_pgdata standby)/postgresql.auto.conf")" \
		"primary_conninfo = '.*application_name=standby" \
		"primary_conninfo carries application_name"
	unlike "$(cat "$(fx_pgdata standby)/postgresql.auto.conf")" "password=" \
		"no password in primary_conninfo (passfile)"
	ok "start standby" fx_pg_start standby
	ok "standby streams" fx_wait_streaming primary standby
	if fx_netns_ok; then
		is "$(fx_psql primary "SELECT client_addr FROM pg_stat_replication WHERE application_name = 'standby'")" \
			"$FX_ADDR_standby" "the primary sees the standby's own address"
	else
		is "$(fx_psql primary "SELECT client_addr FROM pg_stat_replication WHERE application_name = 'standby'")" \
			127.0.0.1 "the primary sees the standby on 127.0.0.1"
	fi
	fx_psql primary "CREATE TABLE marker(v text); INSERT INTO marker VALUES ('fixture')"
	ok "standby catches up" fx_wait_catchup primary standby
	is "$(fx_psql standby 'SELECT v FROM marker')" fixture "marker row read on the standby"
	is "$(fx_psql standby 'SELECT pg_is_in_recovery()')" t "standby is in recovery"

	# sshd on the standby
	ok "sshd starts on the standby" fx_sshd standby
	like "$(cat "$FX_SSH_CONFIG")" "Host standby" "ssh_config has the standby"
	nok "unknown host key is refused" fx_ssh standby true
	ok "fx_ssh_trust adds the host key" fx_ssh_trust standby
	is "$(fx_ssh standby id -un 2>&1)" "$FX_USER" "sshd on the standby answers as $FX_USER"
	if fx_netns_ok; then
		is "$(fx_ssh standby 'echo ${SSH_CONNECTION%% *}' 2>&1)" "$FX_RUNNER_ADDR" \
			"ssh arrives from the runner's address"
	else
		skip 1 "no network namespaces"
	fi
	ok "fx_sshd_rekey" fx_sshd_rekey standby
	nok "a changed host key is refused" fx_ssh standby true
	fx_ssh_trust standby
	ok "trusted again after fx_ssh_trust" fx_ssh standby true
	if [ $root = 1 ]; then
		ok "fx_sshd_password on" fx_sshd_password standby on
		like "$(cat "$FX_DIR/standby/ssh/sshd_config")" "PasswordAuthentication yes" \
			"sshd accepts passwords"
		like "$(getent shadow "$FX_USER" | cut -d: -f2)" '^\$' "$FX_USER has a password"
		isnt "${FX_SSH_PASSWORD:-}" "" "the password is in FX_SSH_PASSWORD"
		fx_sshd_password standby off
		like "$(cat "$FX_DIR/standby/ssh/sshd_config")" "PasswordAuthentication no" \
			"fx_sshd_password off"
		ok "sshd answers after the restarts" fx_ssh standby true
	else
		skip 6 "passwords need root"
	fi

	fx_cluster_file "$FX_DIR/cluster.conf" primary standby
	conf=$(cat "$FX_DIR/cluster.conf")
	like "$conf" $'\\[node "standby"\\]\nrole = standby\nupstream = primary\nhost = '"$FX_ADDR_standby"$'\nport = '"$FX_PORT_standby" \
		"cluster file: standby node"
	like "$conf" $'ssh = standby\npgdata = '"$FX_DIR/standby/data" "cluster file: ssh alias and pgdata"
	like "$conf" $'\\[node "primary"\\]\nrole = primary\n(.*\n)*ssh = local' "cluster file: primary is local"

	# faults
	pm=$(fx_pg_pid primary)
	fx_freeze primary
	is "$(_fx_stat_field "$pm" 3)" T "fx_freeze stops the postmaster"
	fx_thaw primary
	isnt "$(_fx_stat_field "$pm" 3)" T "fx_thaw continues it"
	if fx_netns_ok; then
		fx_partition standby
		nok "fx_partition cuts the standby off" timeout 0.5 bash -c "exec 3<>/dev/tcp/$FX_ADDR_standby/5432"
		fx_heal standby
		ok "fx_heal joins it again" timeout 5 bash -c "exec 3<>/dev/tcp/$FX_ADDR_standby/5432"
		fx_slow_link standby
		like "$(ip netns exec "$FX_NETNS_standby" tc qdisc show dev eth0)" "tbf .*rate 8Mbit" \
			"fx_slow_link puts tbf on the standby's eth0"
		fx_fast_link standby
		unlike "$(ip netns exec "$FX_NETNS_standby" tc qdisc show dev eth0)" tbf "fx_fast_link removes it"
	else
		skip 4 "faults on links need network namespaces"
	fi
	ok "still streaming" fx_wait_streaming primary standby

	# things teardown has to deal with: a frozen server, a root-side client
	# holding a connection, stray processes in a namespace and as the user
	fx_psql_tcp "$(fx_netns_ok && echo standby || echo runner)" primary "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	fx_psql_tcp runner standby "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	fx_on_host_as_user standby sleep 600 &
	if fx_netns_ok; then
		# a client without the run's mark in its environment
		env -i PGPASSFILE="$FX_PGPASSFILE" "$FX_PG_CLIENT_BINDIR/psql" -X \
			"host=$FX_ADDR_standby port=$FX_PORT_standby user=postgres dbname=postgres" \
			-c "SELECT pg_sleep(600)" >/dev/null 2>&1 &
	fi
	fx_on_teardown touch "$work/hook ran"
	fx_wait_for primary "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(600)'" 1 || true
	fx_freeze standby
	tap_state >"$work/state"
	exit 0
)
status=$?
tap_set_state "$(cat "$work/state" 2>/dev/null)"
is "$status" 0 "fixture subshell exits 0"
read -r id n dir <"$work/run"
is "$(leftovers "$id" "$n" "$dir")" "" "nothing left after teardown (namespaces, links, processes, $dir)"
ok "fx_on_teardown hooks ran" test -e "$work/hook ran"
if [ $root = 1 ] && exec {lk}>>"$_fx_pwfile.lock" && flock -n -x "$lk"; then
	is "$(getent shadow pgrtest | cut -d: -f2)" '*' "the account's password is '*' again"
	exec {lk}>&-
else
	skip 1 "another run uses the account's password"
fi

# ---------------------------------------------------------------------------
# 2. a failing test: logs and pg_stat_replication shown, directory kept
out=$(bash -c '
	. "$1/tests/lib/tap.sh"; . "$1/tests/lib/fixture.sh"; set -u
	fx_setup; echo "run $FX_RUN_ID $(cat "$FX_DIR/.fx/netn" 2>/dev/null || echo -) $FX_DIR"
	fx_pg_init a && fx_pg_start a
	fail "deliberate failure"
	done_testing' sh "$top_srcdir" 2>&1)
status=$?
read -r _ id n dir <<<"$(grep '^run ' <<<"$out")"
isnt "$status" 0 "a failing script exits non-zero"
like "$out" "pg_stat_replication" "failure shows pg_stat_replication"
like "$out" "# .*database system is ready to accept connections" "failure shows the server log"
like "$out" "fixture: kept $dir" "failure says the directory is kept"
ok "failed run's directory is kept" test -d "$dir/a/data"
rm -rf "$dir"
is "$(leftovers "$id" "$n" "$dir")" "" "nothing else left after a failure"

# ---------------------------------------------------------------------------
# 3. killed by a signal: teardown still runs
bash -c '
	. "$1/tests/lib/tap.sh"; . "$1/tests/lib/fixture.sh"; set -u
	fx_setup; fx_host h; fx_sshd h >/dev/null
	echo "run $FX_RUN_ID $(cat "$FX_DIR/.fx/netn" 2>/dev/null || echo -) $FX_DIR" >"$2"
	sleep 600 & wait' sh "$top_srcdir" "$work/sig" >/dev/null 2>&1 &
child=$!
_fx_poll 30 test -s "$work/sig"
read -r _ id n dir <"$work/sig"
kill -TERM "$child"
wait "$child"
status=$?
is "$status" 143 "TERM ends the script with 143"
ok "an interrupted run's directory is kept" test -d "$dir"
rm -rf "$dir"
is "$(leftovers "$id" "$n" "$dir")" "" "nothing left after TERM"

done_testing
