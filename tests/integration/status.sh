#!/bin/bash
# status.sh - "pgreplica status" on real servers: a primary and a streaming
# standby on two hosts; text, JSON and French output; a stopped standby, a
# stopped primary, a wrong password, a closed port, a partitioned host and
# frozen servers, each answered within the time limit.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     PGR_LOCALEDIR=/path/to/build/po/locale bash tests/integration/status.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v jq >/dev/null || skip_all "jq is needed to read the JSON output"

# st [ARG...]: run "pgreplica -c $conf status ARG...": sets out, err, rc and
# ms (how long it took, in milliseconds).
st()
{
	local t0 t1
	t0=${EPOCHREALTIME/./}
	out=$("$PGREPLICA" -c "$conf" status "$@" 2>"$FX_DIR/stderr")
	rc=$?
	t1=${EPOCHREALTIME/./}
	err=$(cat "$FX_DIR/stderr")
	ms=$(((t1 - t0) / 1000))
}

# jqv FILTER: a value of the last JSON output ("null" when null)
jqv()
{
	jq -r "$1" <<<"$out" 2>/dev/null
}

# wait_until TIMEOUT_S CMD...: poll CMD until it succeeds
wait_until()
{
	local deadline=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
}

# runner_connects: the runner gets into pg1 over TCP
runner_connects()
{
	fx_psql_tcp runner pg1 'SELECT 1' >/dev/null 2>&1
}

runner_refused()
{
	! runner_connects
}

# within LIMIT_S DESC: the last run took at most LIMIT_S seconds
within()
{
	if [ "$ms" -le $(($1 * 1000)) ]; then
		pass "$2 (${ms} ms)"
	else
		fail "$2"
		diag "  took ${ms} ms, limit $1 s" "  output: $out" "  stderr: $err"
	fi
}

# ---------------------------------------------------------------------------
# the command line, no server needed
out=$("$PGREPLICA" status --help 2>&1)
rc=$?
is "$rc" 0 "status --help exits 0"
like "$out" "--timeout" "status --help describes --timeout"
out=$("$PGREPLICA" status --timeout=-1 2>&1)
rc=$?
is "$rc" 2 "status --timeout=-1 exits 2"
like "$out" 'invalid value "-1" for option --timeout' "a bad time limit is named"
out=$("$PGREPLICA" status --bogus 2>&1)
rc=$?
is "$rc" 2 "status --bogus exits 2"
like "$out" 'unknown option "--bogus"' "an unknown option is named"
out=$("$PGREPLICA" -c /nonexistent/cluster.conf status 2>&1)
rc=$?
is "$rc" 2 "a missing cluster file exits 2"

# ---------------------------------------------------------------------------
# a primary and a streaming standby, each on its own host
fx_setup
fx_host pg1
fx_host pg2
ok "initdb on pg1" fx_pg_init pg1 || bail_out "cannot make the primary"
ok "start pg1" fx_pg_start pg1 || bail_out "cannot start the primary"
ok "pg_basebackup makes pg2" fx_pg_make_standby pg2 pg1 || bail_out "cannot make the standby"
ok "start pg2" fx_pg_start pg2 || bail_out "cannot start the standby"
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2 || bail_out "the standby does not stream"
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
unlike "$(cat "$conf")" "password" "the cluster file holds no password"

# ---------------------------------------------------------------------------
# healthy: text
st
is "$rc" 0 "status exits 0 on a healthy pair"
like "$out" '^Cluster "fx": healthy' "the header names the cluster and its health"
like "$out" $'Node "pg1"\n  Role: +primary\n  Address: +'"$FX_ADDR_pg1:$FX_PORT_pg1" \
	"pg1 is shown as primary at its address"
like "$out" $'Node "pg2"\n  Role: +standby\n  Address: +'"$FX_ADDR_pg2:$FX_PORT_pg2" \
	"pg2 is shown as standby at its address"
like "$out" "State: +WAL receiver streaming, from $FX_ADDR_pg1:$FX_PORT_pg1" \
	"pg2's WAL receiver streams from pg1"
like "$out" $'\n  Lag: +[0-9]+ bytes?' "pg2's lag is shown in bytes" || diag "$out"
like "$out" $'\n  Replay lag: +([0-9]+\\.[0-9]{3} s|n/a)' "pg2's replay lag is shown in seconds or n/a"
like "$out" $'\n  Sync state: +async' "pg2's sync state is shown"
like "$out" "WAL sender: +pg2 \\($FX_ADDR_pg2\\), streaming, async, lag [0-9]+ bytes?" \
	"pg1 lists pg2 among its WAL senders"
unlike "$out" "Problems:" "no problem listed"
is "$err" "" "nothing on stderr"

# ---------------------------------------------------------------------------
# healthy: JSON, compared with what psql says
st --json
is "$rc" 0 "status --json exits 0"
ok "--json prints valid JSON" jq -e . <<<"$out"
is "$(jqv '[.cluster, .health, .exit_status, (.nodes | length), (.problems | length)] | @tsv')" \
	"fx	healthy	0	2	0" "cluster, health, exit_status, 2 nodes, no problem"
like "$(jqv .checked_at)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' \
	"checked_at is ISO 8601 in UTC"
is "$(jqv 'keys_unsorted | join(" ")')" \
	"cluster cluster_file health exit_status checked_at timeout_s nodes problems" \
	"top-level fields as documented"
is "$(jqv '.nodes[0] | keys_unsorted | join(" ")')" \
	"name configured_role upstream role host port reachable answered elapsed_s error server_version server_version_num system_identifier timeline current_lsn receive_lsn replay_lsn last_replay wal_receiver replication upstream_replication replay_paused recovery_conflicts hot_standby_feedback max_slot_wal_keep_size timeline_history timeline_diverged manager manager_evidence slots wal_disk archiver ssl ssl_cert_expires client_cert_expires" \
	"node fields as documented"
is "$(jqv '.nodes[0].replication[0] | keys_unsorted | join(" ")')" \
	"application_name client_addr state sent_lsn write_lsn flush_lsn replay_lsn lag_bytes write_lag_s flush_lag_s replay_lag_s sync_state reply_time idle backend_xmin backend_xmin_age" \
	"replication row fields as documented"
is "$(jqv '.nodes[1].wal_receiver | keys_unsorted | join(" ")')" \
	"status sender_host sender_port slot_name received_tli last_msg_receipt last_msg_age_s" \
	"wal_receiver fields as documented"

is "$(jqv '.nodes[0] | [.name, .configured_role, .role, .host, .port, .reachable, .answered, .error] | @tsv')" \
	"pg1	primary	primary	$FX_ADDR_pg1	$FX_PORT_pg1	true	true	" "pg1: primary, answered"
is "$(jqv '.nodes[1] | [.name, .configured_role, .upstream, .role, .reachable, .answered] | @tsv')" \
	"pg2	standby	pg1	standby	true	true" "pg2: standby of pg1, answered"
is "$(jqv .nodes[0].server_version_num)" "$(fx_psql pg1 'SHOW server_version_num')" \
	"pg1's server_version_num is the server's"
is "$(jqv .nodes[0].server_version)" "$(fx_psql pg1 'SHOW server_version')" \
	"pg1's server_version is the server's"
sysid=$(fx_psql pg1 'SELECT system_identifier FROM pg_control_system()')
is "$(jqv '[.nodes[].system_identifier] | join(" ")')" "$sysid $sysid" \
	"both system identifiers are pg1's"
is "$(jqv .nodes[0].timeline)" "$(fx_psql pg1 'SELECT timeline_id FROM pg_control_checkpoint()')" \
	"pg1's timeline is the server's"
is "$(jqv .nodes[1].timeline)" "$(fx_psql pg2 'SELECT received_tli FROM pg_stat_wal_receiver')" \
	"pg2's timeline is the one it receives"
like "$(jqv .nodes[0].current_lsn)" '^[0-9A-F]+/[0-9A-F]+$' "pg1 has a current LSN"
is "$(jqv '[.nodes[0].receive_lsn, .nodes[0].replay_lsn, .nodes[0].wal_receiver] | @tsv')" \
	"		" "pg1 has no receive/replay LSN, no WAL receiver"
like "$(jqv '[.nodes[1].receive_lsn, .nodes[1].replay_lsn] | @tsv')" \
	'^[0-9A-F]+/[0-9A-F]+	[0-9A-F]+/[0-9A-F]+$' "pg2 has receive and replay LSNs"
is "$(jqv '.nodes[1].wal_receiver | [.status, .sender_host, .sender_port] | @tsv')" \
	"streaming	$FX_ADDR_pg1	$FX_PORT_pg1" "pg2's WAL receiver streams from pg1's address"
is "$(jqv '.nodes[0].replication[] | select(.application_name == "pg2") | [.state, .sync_state, .client_addr] | @tsv')" \
	"$(fx_psql pg1 "SELECT state, sync_state, client_addr FROM pg_stat_replication WHERE application_name = 'pg2'" -F $'\t')" \
	"pg1's replication row for pg2 is pg_stat_replication's"
is "$(jqv '.nodes[0].replication[0].lag_bytes | type')" number "lag_bytes is a number"
is "$(jqv '.nodes[1].upstream_replication | [.application_name, .state, (.lag_bytes | type)] | @tsv')" \
	"pg2	streaming	number" "pg2's upstream_replication: its streaming row on pg1, with lag_bytes"
ok "lag_bytes is not negative" test "$(jqv '.nodes[1].upstream_replication.lag_bytes')" -ge 0

# healthy: the Prometheus text exposition format, checked by promtool
st --format=prometheus
is "$rc" 0 "status --format=prometheus exits 0"
is "$err" "" "and writes nothing on stderr"
if command -v promtool >/dev/null; then
	lint=$(promtool check metrics <<<"$out" 2>&1)
	is "$?|$lint" "0|" "promtool check metrics accepts it, with no lint remark"
else
	skip 1 "promtool is not installed (Debian package prometheus)"
fi
prom() { awk -v k="$1" '$1 == k {print $2}' <<<"$out"; }
is "$(prom 'pgreplica_node_up{cluster="fx",node="pg1"}')|$(prom 'pgreplica_node_up{cluster="fx",node="pg2"}')" \
	"1|1" "both nodes up"
is "$(prom 'pgreplica_node_role{cluster="fx",node="pg1",role="primary"}')|$(prom 'pgreplica_node_role{cluster="fx",node="pg2",role="standby"}')|$(prom 'pgreplica_node_role{cluster="fx",node="pg2",role="primary"}')" \
	"1|1|0" "pg1 primary, pg2 standby (and not primary)"
is "$(prom 'pgreplica_node_timeline{cluster="fx",node="pg1"}')" \
	"$(fx_psql pg1 'SELECT timeline_id FROM pg_control_checkpoint()')" "pg1's timeline is the server's"
is "$(prom 'pgreplica_node_server_version_num{cluster="fx",node="pg2"}')" \
	"$(fx_psql pg2 'SHOW server_version_num')" "pg2's server_version_num is the server's"
is "$(prom 'pgreplica_standby_streaming{cluster="fx",node="pg2",upstream="pg1"}')" 1 \
	"pg2 streams from pg1"
like "$(prom 'pgreplica_standby_lag_bytes{cluster="fx",node="pg2",upstream="pg1"}')" '^[0-9]+$' \
	"pg2's lag in bytes, a whole number"
is "$(prom 'pgreplica_cluster_health{cluster="fx"}')" 0 "cluster health 0"
unlike "$out" 'node="pg1",upstream=' "no lag sample for the primary"

# label values are escaped: a cluster named a\"b (a backslash and a quote)
grep -v '^name = ' "$conf" | sed '/^\[cluster\]/a name = "a\\\\\\"b"' > "$FX_DIR/quoted.conf"
out=$("$PGREPLICA" -c "$FX_DIR/quoted.conf" status --format=prometheus 2>&1)
like "$out" 'pgreplica_cluster_health\{cluster="a\\\\\\"b"\} 0' \
	"a cluster name's backslash and quote are escaped in labels" || diag "$(head -5 <<<"$out")"
if command -v promtool >/dev/null; then
	ok "and promtool still parses it" promtool check metrics <<<"$out"
else
	skip 1 "promtool is not installed (Debian package prometheus)"
fi

# a cluster file that has the roles the wrong way round
fx_cluster_file "$FX_DIR/swapped.conf" pg2 pg1
out=$("$PGREPLICA" -c "$FX_DIR/swapped.conf" status --json 2>&1)
rc=$?
is "$rc" 1 "roles swapped in the cluster file: exit 1"
is "$(jqv '[.problems[] | "\(.code):\(.node)"] | sort | join(" ")')" \
	"role_mismatch:pg1 role_mismatch:pg2" "roles swapped: both nodes' roles are reported"
is "$(jqv '.nodes[] | select(.name == "pg2") | [.configured_role, .role] | @tsv')" \
	"primary	standby" "roles swapped: pg2 configured primary, seen standby"

# ---------------------------------------------------------------------------
# French
localedir=${PGR_LOCALEDIR:-${top_builddir:-.}/po/locale}
fr_role=''
[ -f "$localedir/fr/LC_MESSAGES/pgreplica.mo" ] && command -v gettext >/dev/null &&
	fr_role=$(TEXTDOMAINDIR=$localedir LANGUAGE=fr LC_ALL=C.UTF-8 gettext -d pgreplica "Role:")
if [ -z "$fr_role" ]; then
	skip 6 "no French catalogue in $localedir (make check builds it)"
elif [ "$fr_role" = "Role:" ]; then
	# po-check.sh is the test that fails for an incomplete catalogue
	skip 6 "po/fr.po does not translate the status labels yet"
else
	out=$(PGREPLICA_LOCALEDIR=$localedir LANGUAGE=fr LC_ALL=C.UTF-8 "$PGREPLICA" -c "$conf" status 2>&1)
	rc=$?
	# French typography puts no-break spaces inside « » and before ":".
	out=$(printf '%s' "$out" | sed 's/\xc2\xa0/ /g')
	is "$rc" 0 "in French: exit 0"
	like "$out" '^Cluster « fx » : sain' "in French: the header"
	like "$out" $'Nœud « pg2 »\n  Rôle : +standby' "in French: the role label and value"
	like "$out" $'\n  Retard : +[0-9]+ octets?' "in French: the lag in octets"
	like "$out" $'\n  Version du serveur : ' "in French: the server version label"
	unlike "$out" 'Role:|Lag:|Address:' "in French: no English label left"
fi

# ---------------------------------------------------------------------------
# a frozen standby: pg1 is reported normally and nobody waits past the limit
fx_freeze pg2
st --json --timeout 3
within 5 "frozen standby: the answer comes within --timeout 3 + 2 s"
is "$rc" 1 "frozen standby: exit 1 (degraded)"
is "$(jqv '.nodes[1] | [.reachable, .error.kind] | @tsv')" "false	timeout" \
	"frozen standby: pg2 did not answer in time"
like "$(jqv .nodes[1].error.message)" 'node "pg2" .* did not answer within 3 s' \
	"frozen standby: the error names the node and the limit"
is "$(jqv '.nodes[0] | [.answered, .role, (.replication | length)] | @tsv')" "true	primary	1" \
	"frozen standby: pg1 is reported normally"
ok "frozen standby: pg1 answered quickly" \
	test "$(jqv '.nodes[0].elapsed_s < 2')" = true
is "$(jqv '[.problems[] | .code] | join(" ")')" "node_unreachable" \
	"frozen standby: the one problem is pg2"
fx_thaw pg2

# a frozen primary
fx_freeze pg1
st --timeout 2
within 4 "frozen primary: the answer comes within --timeout 2 + 2 s"
is "$rc" 2 "frozen primary: exit 2"
like "$out" 'primary "pg1" cannot be reached: node "pg1" .* did not answer within 2 s' \
	"frozen primary: reported as not answering"
like "$out" $'Node "pg2"\n  Role: +standby' "frozen primary: pg2 still reported"
fx_thaw pg1
ok "pg2 streams again after the thaw" fx_wait_streaming pg1 pg2

# ---------------------------------------------------------------------------
# unreachable addresses: a closed port, a partitioned host
awk '/^\[node "pg2"\]/ {s = 1} s && /^port = / {$0 = "port = 1"; s = 0} {print}' \
	"$conf" >"$FX_DIR/closed.conf"
out=$("$PGREPLICA" -c "$FX_DIR/closed.conf" status --json --timeout 5 2>&1)
rc=$?
is "$rc" 1 "closed port: exit 1"
is "$(jqv '.nodes[1] | [.reachable, .error.kind] | @tsv')" "false	connect" \
	"closed port: pg2 cannot be connected to"
like "$(jqv .nodes[1].error.message)" "could not connect to node \"pg2\" \\(host \"$FX_ADDR_pg2\", port 1\\)" \
	"closed port: the message names node, host and port"
like "$(jqv .nodes[1].error.hint)" 'listen_addresses' "closed port: the hint says what to check"

if fx_netns_ok; then
	fx_partition pg2
	st --json --timeout 2
	within 4 "partitioned standby: the answer comes within --timeout 2 + 2 s"
	is "$rc" 1 "partitioned standby: exit 1"
	is "$(jqv '.nodes[1].reachable')" false "partitioned standby: pg2 unreachable"
	is "$(jqv '.nodes[0].answered')" true "partitioned standby: pg1 answered"
	fx_heal pg2
	ok "pg2 streams again after the partition" fx_wait_streaming pg1 pg2
else
	skip 5 "partitions need network namespaces"
fi

# ---------------------------------------------------------------------------
# a wrong password (from a passfile: never on a command line)
(umask 077; printf '*:*:*:postgres:wrong-password\n' >"$FX_DIR/wrong.pgpass")
PGPASSFILE=$FX_DIR/wrong.pgpass st --timeout 5
is "$rc" 2 "wrong password: exit 2"
like "$out" "Error: +could not authenticate as user \"postgres\" on node \"pg1\" \\(host \"$FX_ADDR_pg1\", port $FX_PORT_pg1\\)" \
	"wrong password: a clear authentication error naming pg1"
like "$out" 'Hint: +Check that pg_hba.conf on node "pg1"' "wrong password: the hint names pg_hba.conf"
like "$out" 'PGPASSFILE' "wrong password: the hint names the password file"
PGPASSFILE=$FX_DIR/wrong.pgpass st --json --timeout 5
is "$(jqv '[.nodes[].error.kind] | join(" ")')" "auth auth" "wrong password: both errors are auth errors"
is "$(jqv '.nodes[0].reachable')" false "wrong password: pg1 not reachable"

# no pg_hba.conf entry for the runner on pg1 (SQLSTATE 28000)
fx_pg_hba pg1 "host replication all $FX_SUBNET scram-sha-256"
ok "pg1's new pg_hba.conf is in force" wait_until 10 runner_refused
st --json --timeout 5
is "$rc" 2 "no pg_hba.conf entry: exit 2"
is "$(jqv '.nodes[0] | [.reachable, .error.kind] | @tsv')" "false	auth" \
	"no pg_hba.conf entry: an authentication error"
like "$(jqv .nodes[0].error.detail)" 'pg_hba.conf' "no pg_hba.conf entry: libpq's message as detail"
like "$(jqv .nodes[0].error.hint)" 'pg_hba.conf on node "pg1"' "no pg_hba.conf entry: the hint names pg_hba.conf"
fx_pg_hba pg1
ok "pg1's pg_hba.conf is back" wait_until 10 runner_connects

# ---------------------------------------------------------------------------
# the standby stopped, then the primary
ok "stop pg2" fx_pg_stop pg2
st
is "$rc" 1 "standby stopped: exit 1"
like "$out" '^Cluster "fx": degraded' "standby stopped: degraded"
like "$out" $'Node "pg2"\n  Role: +unknown \\(configured: standby\\)\n  Address: [^\n]*\n  State: +unreachable' \
	"standby stopped: pg2 shown unreachable"
like "$out" 'standby "pg2" cannot be reached' "standby stopped: listed among the problems"
st --json
is "$(jqv '.nodes[1] | [.reachable, .role, .error.kind] | @tsv')" "false		connect" \
	"standby stopped: JSON says unreachable"
is "$(jqv '[.health, .exit_status] | @tsv')" "degraded	1" "standby stopped: JSON health"
st --format=prometheus
is "$rc" 1 "standby stopped: --format=prometheus exits 1 too"
like "$out" $'\npgreplica_node_up\\{cluster="fx",node="pg2"\\} 0\n' "standby stopped: pg2 is down"
like "$out" $'\npgreplica_standby_streaming\\{cluster="fx",node="pg2",upstream="pg1"\\} 0\n' \
	"standby stopped: pg2 does not stream"
unlike "$out" 'pgreplica_node_role\{cluster="fx",node="pg2"' "standby stopped: no role sample for pg2"
like "$out" $'\npgreplica_cluster_problems\\{cluster="fx",severity="degraded"\\} 1\n' \
	"standby stopped: one degraded problem"

ok "start pg2" fx_pg_start pg2
ok "stop pg1" fx_pg_stop pg1
st
is "$rc" 2 "primary stopped: exit 2"
like "$out" '^Cluster "fx": error' "primary stopped: error"
like "$out" 'primary "pg1" cannot be reached' "primary stopped: listed among the problems"
like "$out" $'Node "pg2"\n  Role: +standby' "primary stopped: pg2 still answers as standby"

done_testing
