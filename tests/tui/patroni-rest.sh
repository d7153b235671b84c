#!/bin/bash
# patroni-rest.sh - a node that Patroni runs is recognised by Patroni's own
# REST API (GET /patroni on the node's host), with a real Patroni (Debian's
# package, its built-in Raft as the DCS: no etcd needed) bootstrapping and
# running pg1 on a host of its own:
# - status --json names Patroni with the REST API's answer as evidence
#   (version and scope), before what Patroni leaves on the server;
# - patroni_port = off: not asked (the evidence is then the server's);
#   patroni_port on a port where a plain HTTP server answers: not Patroni;
#   on a port where nothing listens: not Patroni, without delay;
# - promote refuses, naming Patroni and its REST API;
# - the dashboard opens read-only with a banner naming Patroni, the
#   probe made off the screen's thread.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/patroni-rest.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
bindir=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
command -v "$bindir/initdb" >/dev/null || skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"
command -v jq >/dev/null || skip_all "no jq"
command -v patroni >/dev/null || skip_all "no patroni (Debian package patroni)"
/usr/bin/python3 -c 'import pysyncobj' 2>/dev/null ||
	skip_all "no pysyncobj for Patroni's Raft (Debian package python3-pysyncobj)"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
fx_host pg1
addr=$FX_ADDR_pg1
pgport=$FX_PORT_pg1
rest=8008
[ "${FX_NETNS:-1}" = 1 ] || rest=$(_fx_free_port)
dir=$FX_DIR/patroni
mkdir -p "$dir/sock" && chown -R "$FX_USER" "$dir" && chmod 0700 "$dir"
cat >"$dir/patroni.yml" <<YAML
scope: pgrtest
name: pg1
restapi:
  listen: $addr:$rest
  connect_address: $addr:$rest
raft:
  data_dir: $dir/raft
  self_addr: $addr:$((rest + 2002))
bootstrap:
  dcs:
    ttl: 30
    loop_wait: 2
    retry_timeout: 10
  initdb:
  - encoding: UTF8
  pg_hba:
  - local all all trust
  - host all all 0.0.0.0/0 trust
  - host replication all 0.0.0.0/0 trust
postgresql:
  listen: $addr:$pgport
  connect_address: $addr:$pgport
  data_dir: $dir/data
  bin_dir: $bindir
  pgpass: $dir/pgpass
  authentication:
    superuser:
      username: postgres
    replication:
      username: replicator
  parameters:
    unix_socket_directories: $dir/sock
YAML
chown "$FX_USER" "$dir/patroni.yml"
# Patroni's own process id, from the shell that becomes it
fx_on_host_as_user pg1 sh -c 'echo $$ >"$1/patroni.pid" && exec patroni "$1/patroni.yml"' sh "$dir" \
	>"$dir/patroni.log" 2>&1 &
# gone: no process, or a zombie the machine's init has not reaped yet
gone() { [ ! -e "/proc/$1/stat" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
stop_patroni()
{
	local p pm
	p=$(cat "$dir/patroni.pid" 2>/dev/null) && kill -TERM "$p" 2>/dev/null &&
		{ fx_poll 30 gone "$p" || kill -KILL "$p"; }
	# the server it ran, should Patroni have left it behind
	pm=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null) && kill -0 "$pm" 2>/dev/null &&
		{ kill -QUIT "$pm"; fx_poll 30 gone "$pm"; }
	return 0
}
fx_on_teardown stop_patroni
ok "Patroni's REST API answers" fx_poll 90 curl -sf "http://$addr:$rest/patroni" -o /dev/null ||
	{ diag "$(tail -n 30 "$dir/patroni.log")"; bail_out "Patroni does not start"; }
ok "Patroni's PostgreSQL runs as the leader" \
	fx_poll 90 sh -c "curl -s 'http://$addr:$rest/patroni' | grep -q '\"role\": *\"\\(master\\|primary\\)\"'" ||
	diag "$(curl -s "http://$addr:$rest/patroni")"
answer=$(curl -s "http://$addr:$rest/patroni")
diag "GET /patroni: $answer"
version=$(jq -r .patroni.version <<<"$answer")

conf=$FX_DIR/cluster.conf
write_conf()
{
	cat >"$conf" <<-CONF
	[cluster]
	name = fx
	ssl = off
	slots = off
	$1

	[node "pg1"]
	role = primary
	host = $addr
	port = $pgport
	dbuser = postgres
	pgdata = $dir/data
	CONF
}
st()
{
	out=$("$PGREPLICA" -c "$conf" status "$@" 2>&1)
	rc=$?
}
manager() { jq -r '.nodes[0] | (.manager // "-") + "/" + (.manager_evidence // "-")' <<<"$out"; }

write_conf ''
st --json
is "$(jq -r '.nodes[0].answered' <<<"$out")" true "pg1 answers (Patroni's server)" || diag "$out"
is "$(manager)" "patroni/REST API on port $rest (Patroni $version, scope pgrtest)" \
	"status --json: Patroni, by its REST API (version, scope)" || diag "$out"
st
like "$out" "Managed by: +patroni \\(REST API on port $rest \\(Patroni $version, scope pgrtest\\)\\)" \
	"status: the same in text" || diag "$out"

write_conf 'patroni_port = off'
st --json
unlike "$(manager)" 'REST API' "patroni_port = off: the REST API is not asked" || diag "$out"
diag "without the REST API: $(manager)"

# a plain HTTP server (Python's) on another port: not Patroni
httpd_port=$((rest + 1))
mkdir -p "$FX_DIR/www" && printf '{"state": "running"}\n' >"$FX_DIR/www/patroni"
fx_on_host pg1 /usr/bin/python3 -m http.server --bind "$addr" --directory "$FX_DIR/www" "$httpd_port" \
	>"$FX_DIR/www.log" 2>&1 &
fx_on_teardown kill "$!"
ok "a plain HTTP server answers /patroni" fx_poll 30 curl -sf "http://$addr:$httpd_port/patroni" -o /dev/null
write_conf "patroni_port = $httpd_port"
st --json
unlike "$(manager)" 'REST API' "an HTTP server that is not Patroni: not taken for it" || diag "$out"

# nothing listening: not Patroni, and no waiting
write_conf "patroni_port = $((rest + 3))"
t0=$(date +%s%N)
st --json
t1=$(date +%s%N)
unlike "$(manager)" 'REST API' "nothing on the port: not Patroni"
ok "and no waiting for it (status in $(((t1 - t0) / 1000000)) ms)" test $(((t1 - t0) / 1000000)) -lt 5000

write_conf 'patroni_port = bogus'
st
is "$rc" 2 "a bad patroni_port: exit 2"
like "$out" 'invalid value "bogus" for "patroni_port"' "naming it" || diag "$out"
like "$out" "Patroni's REST API" "with a hint" || diag "$out"

write_conf ''
out=$("$PGREPLICA" -c "$conf" promote pg1 --yes 2>&1)
isnt "$?" 0 "promote refused"
like "$out" "pg1 is managed by patroni \\(REST API on port $rest" "naming Patroni and its REST API" || diag "$out"

# its standard error to a file, with PGREPLICA_TRACE: the monitor's probe
# says there what Patroni answered (the banner alone could come from
# Patroni's sessions on the server)
trace=$FX_DIR/dash.trace
tui_start dash 80 24 bash -c 'exec 2>"$0"; exec "$@"' "$trace" \
	env PGREPLICA_TRACE=1 "$PGREPLICA" -c "$conf" -d 1 dashboard
ok "the dashboard's banner names Patroni" tui_wait dash 'Managed by patroni \(seen on pg1\): read-only, actions off' 60
ok "the monitor asked Patroni's REST API (its trace)" \
	fx_poll 60 grep -q "monitor: Patroni's REST API on $addr port $rest: REST API on port $rest (Patroni $version, scope pgrtest)" "$trace" ||
	diag "$(cat "$trace")"
tui_keys dash '?'
ok "keys still answered" tui_wait dash 'keys \(any key to go back\)'
tui_keys dash x
tui_keys dash q
ok "the dashboard ends with q" tui_wait_dead dash 10

done_testing
