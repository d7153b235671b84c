#!/bin/bash
# status-watch.sh - what takes replication down silently, as status shows
# it, on real servers: pg1 primary, pg2 its standby with a slot (separate
# hosts).
# - a slot no node of the cluster file uses: shown (inactive, its size,
#   "used by no node"), a problem (slot_orphaned), exit 1;
# - WAL retained past slot_warn_bytes: slot_retention, exit 1; past
#   slot_critical_bytes: exit 2; in JSON and the Prometheus format too;
# - max_slot_wal_keep_size unset (-1): the advice line;
# - a paused replay on pg2: shown, replay_paused, exit 1;
# - lag labels: pg2 behind (paused) is not idle; caught up, it is, and the
#   text says its time lag is no delay; its WAL receiver's last message is
#   seconds old; with hot_standby_feedback, the xmin it holds back on pg1;
# - an archive_command that fails: its failure count, archive_failing,
#   exit 2.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v jq >/dev/null || skip_all "no jq"

fx_setup
fx_host pg1
fx_host pg2
ok "initdb on pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 &&
	ok "pg2 made with its slot" fx_pg_make_standby pg2 pg1 -C -S pg2 &&
	ok "start pg2" fx_pg_start pg2 && ok "pg2 streams" fx_wait_streaming pg1 pg2 ||
	bail_out "no standby"
conf=$FX_DIR/cluster.conf
fx_cluster_file -o slot_warn_bytes=4MB -o slot_critical_bytes=48MB "$conf" pg1 pg2

st()
{
	out=$("$PGREPLICA" -c "$conf" status "$@" 2>&1)
	rc=$?
}
jqv() { jq -r "$1" <<<"$out"; }
# check --nagios ...: the plugin line and its exit status
nagios()
{
	out=$("$PGREPLICA" -c "$conf" check --nagios "$@" 2>/dev/null)
	rc=$?
}
problems() { jq -r '[.problems[] | .code + ":" + (.node // "")] | join(" ")' <<<"$out"; }

st --json
is "$rc" 0 "healthy to begin with" || diag "$out"
is "$(jqv '.nodes[0].slots | map(.slot_name + "/" + (.active | tostring) + "/" + (.used_by // "-")) | join(" ")')" \
	"pg2/true/pg2" "pg1's slot pg2: active, used by pg2"
is "$(jqv '.nodes[1] | [.replay_paused, .hot_standby_feedback, (.recovery_conflicts | type)] | @tsv')" \
	"false	false	number" "pg2: replay running, no feedback, a conflict count"
is "$(jqv '.nodes[0].archiver | [.enabled, .failing] | @tsv')" "false	false" "archiving off on pg1"

nagios
is "$rc" 0 "check --nagios: exit 0 (OK)"
like "$out" '^PGREPLICA OK - 2 nodes of 2 answer, primary pg1 \| nodes_up=2;;;0;2 .pg2_lag_bytes.=[0-9]+B;16777216;;0;' \
	"one line: OK, the nodes, the primary, performance data" || diag "$out"
is "$(wc -l <<<"$out")" 1 "one line"
nagios --role primary pg1
is "$rc|$out" "0|PGREPLICA OK - pg1 answers as primary | nodes_up=1;;;0;1" "--role primary pg1: OK"
nagios --role primary pg2
is "$rc" 2 "--role primary pg2: exit 2 (CRITICAL)"
like "$out" '^PGREPLICA CRITICAL - pg2 answers as standby, not primary' "saying why" || diag "$out"
nagios --role primary nosuch
is "$rc" 3 "a node that does not exist: exit 3 (UNKNOWN)"
like "$out" '^PGREPLICA UNKNOWN - the cluster file has no node "nosuch"' "saying so" || diag "$out"
nagios --max-lag=fast
is "$rc" 3 "a --max-lag that is neither size nor duration: UNKNOWN"
out=$("$PGREPLICA" -c "$FX_DIR/none.conf" check --nagios 2>/dev/null)
is "$?" 3 "no cluster file: UNKNOWN"

# ---------------------------------------------------------------------------
# a slot nobody of the cluster file uses
# (a physical slot reserves from the last checkpoint's redo pointer: one
# now, so that it starts with little WAL to retain)
ok "checkpoint on pg1" fx_psql pg1 "CHECKPOINT"
ok "slot old_standby created on pg1" \
	fx_psql pg1 "SELECT pg_create_physical_replication_slot('old_standby', true)"
st
is "$rc" 1 "an orphaned slot: exit 1 (degraded)" || diag "$out"
like "$out" 'Slot: +old_standby \(physical\), inactive, retains [0-9]+ bytes?.*, used by no node of the cluster file' \
	"the slot is shown: inactive, its size, used by no node" || diag "$out"
like "$out" 'slot "old_standby" on "pg1" is used by no node of the cluster file' "a problem says so" || diag "$out"
like "$out" 'max_slot_wal_keep_size is -1' "the advice on max_slot_wal_keep_size"
nagios
is "$rc" 1 "check --nagios: WARNING"
like "$out" '^PGREPLICA WARNING - slot "old_standby" on "pg1" is used by no node' "naming the slot" || diag "$out"

# WAL past slot_warn_bytes (4MB), then past slot_critical_bytes (48MB)
ok "about 8 MB of WAL written" fx_psql pg1 \
	"CREATE TABLE filler (i int, t text); INSERT INTO filler SELECT g, repeat('x', 60) FROM generate_series(1, 60000) g; SELECT pg_switch_wal()"
st --json
is "$rc" 1 "retained past slot_warn_bytes: exit 1" || diag "$out"
is "$(problems)" "slot_retention:pg1" "the problem: slot_retention on pg1"
ok "retained_bytes over 4 MB" test "$(jqv '.nodes[0].slots[] | select(.slot_name == "old_standby") | .retained_bytes')" -gt $((4 * 1024 * 1024))
ok "about 60 MB more" fx_psql pg1 \
	"INSERT INTO filler SELECT g, repeat('x', 60) FROM generate_series(1, 600000) g; SELECT pg_switch_wal()"
st --json
is "$rc" 2 "retained past slot_critical_bytes: exit 2" || diag "$out"
is "$(jqv '.problems[] | select(.code == "slot_retention") | .severity')" error "slot_retention is an error"
nagios
is "$rc" 2 "check --nagios: CRITICAL past slot_critical_bytes"
like "$out" '^PGREPLICA CRITICAL - slot "old_standby" on "pg1" retains [0-9.]+ MB of WAL and is not in use' \
	"naming the slot and its size" || diag "$out"
nagios --role standby pg2
is "$rc" 0 "--role standby pg2: pg1's slot is not pg2's problem" || diag "$out"
st --format=prometheus
like "$out" $'\npgreplica_slot_in_cluster\\{cluster="fx",node="pg1",slot="old_standby"\\} 0\n' \
	"prometheus: the slot is in no node of the cluster"
like "$out" $'\npgreplica_slot_active\\{cluster="fx",node="pg1",slot="old_standby"\\} 0\n' "prometheus: inactive"
like "$out" $'\npgreplica_slot_retained_bytes\\{cluster="fx",node="pg1",slot="old_standby"\\} [0-9]{8}' \
	"prometheus: tens of MB retained"
like "$out" $'\npgreplica_slot_wal_status\\{cluster="fx",node="pg1",slot="old_standby",wal_status="(reserved|extended)"\\} 1\n' \
	"prometheus: its wal_status (reserved, or extended past max_wal_size)"
if command -v promtool >/dev/null; then
	ok "promtool check metrics accepts it" promtool check metrics <<<"$out"
else
	skip 1 "promtool is not installed (Debian package prometheus)"
fi
ok "slot old_standby dropped" fx_psql pg1 "SELECT pg_drop_replication_slot('old_standby')"
ok "pg2 catches up" fx_wait_catchup pg1 pg2
st
is "$rc" 0 "without it: healthy again" || diag "$out"

# ---------------------------------------------------------------------------
# replay paused on pg2
ok "pause pg2's replay" fx_psql pg2 "SELECT pg_wal_replay_pause()"
st
is "$rc" 1 "a paused replay: exit 1" || diag "$out"
like "$out" 'Replay: +paused' "shown as paused"
like "$out" 'standby "pg2" has its replay paused' "and listed among the problems"
ok "writes on pg1 that pg2 does not replay" fx_psql pg1 "INSERT INTO filler SELECT g, 'y' FROM generate_series(1, 1000) g"
nagios --max-lag=1kB
is "$rc" 2 "check --nagios --max-lag=1kB with pg2 paused behind: CRITICAL" || diag "$out"
like "$out" '^PGREPLICA CRITICAL - standby pg2 is [0-9]+ bytes behind pg1 \(and [0-9]+ more findings?\)' \
	"the lag first, the paused replay counted" || diag "$out"
like "$out" "'pg2_lag_bytes'=[0-9]+B;16777216;1024;0;" "performance data with both thresholds"
st --json
is "$(jqv '.nodes[1].upstream_replication | [.idle, (.lag_bytes > 0)] | @tsv')" "false	true" \
	"pg2 behind: its lag is not idle" || diag "$out"
ok "resume it" fx_psql pg2 "SELECT pg_wal_replay_resume()"
st
is "$rc" 0 "resumed: healthy" || diag "$out"

# ---------------------------------------------------------------------------
# an idle primary: 0 bytes behind, a time lag that is no delay
idle_now()
{
	st --json
	[ "$(jqv '.nodes[1].upstream_replication.idle')" = true ]
}
idle_seen() { fx_poll 60 idle_now; }
ok "pg2 caught up: idle (0 bytes behind)" idle_seen || diag "$out"
is "$(jqv '.nodes[1].wal_receiver.last_msg_age_s | (type == "number" and . >= 0 and . < 120)')" true \
	"pg2's WAL receiver: its last message is seconds old" || diag "$(jqv '.nodes[1].wal_receiver')"
st
like "$out" 'Replay lag: +[0-9.]+ s \(0 bytes behind: the primary is idle, this is no delay\)|Replay lag: +n/a \(0 bytes' \
	"text: the time lag labelled as no delay" || diag "$out"
like "$out" 'Last message: +[0-9]+\.[0-9]{3} s ago, from the sender' "text: the receiver's last message" || diag "$out"
unlike "$out" 'Holds back:' "no xmin held back without hot_standby_feedback"

# hot_standby_feedback: the xmin pg2 holds back on pg1 (kept in its slot)
ok "hot_standby_feedback on pg2" fx_psql pg2 "ALTER SYSTEM SET hot_standby_feedback = on"
ok "reload pg2" fx_pg_reload pg2
ok "pg1 sees pg2's xmin" fx_wait_for pg1 \
	"SELECT coalesce(r.backend_xmin, s.xmin) IS NOT NULL FROM pg_stat_replication r
	  LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid WHERE application_name = 'pg2'" t
st --json
is "$(jqv '.nodes[1].upstream_replication | [(.backend_xmin | test("^[0-9]+$")), (.backend_xmin_age >= 0)] | @tsv')" \
	"true	true" "JSON: backend_xmin and its age" || diag "$out"
st
like "$out" 'Holds back: +xmin [0-9]+ on pg1 \([0-9]+ transactions? old\): vacuum there keeps the rows it may need' \
	"text: the xmin pg2 holds back on pg1" || diag "$out"
ok "hot_standby_feedback reset on pg2" fx_psql pg2 "ALTER SYSTEM RESET hot_standby_feedback"
ok "reload pg2" fx_pg_reload pg2

# ---------------------------------------------------------------------------
# archiving that fails
ok "archive_mode = on on pg1" fx_psql pg1 "ALTER SYSTEM SET archive_mode = on"
ok "archive_command = /bin/false" fx_psql pg1 "ALTER SYSTEM SET archive_command = '/bin/false'"
ok "restart pg1" fx_pg_restart pg1
ok "pg2 streams again" fx_wait_streaming pg1 pg2
ok "a WAL file to archive" fx_psql pg1 "INSERT INTO filler VALUES (1, 'x'); SELECT pg_switch_wal()"
ok "the archiver fails on it" fx_wait_for pg1 "SELECT failed_count > 0 FROM pg_stat_archiver" t
st --json
is "$rc" 2 "archiving fails: exit 2" || diag "$out"
is "$(problems)" "archive_failing:pg1" "the problem: archive_failing on pg1"
is "$(jqv '.nodes[0].archiver | [.enabled, .failing, (.failed_count > 0), (.ready_count >= 1)] | @tsv')" \
	"true	true	true	true" "JSON: enabled, failing, failures counted, files waiting"
st
like "$out" 'Archiving: +0 archived \(last n/a\), [0-9]+ failed \(last [0-9A-F]{24} at [0-9-]+T[0-9:.]+Z\), [0-9]+ files? waiting: FAILING' \
	"text: the counts, the file that failed, FAILING" || diag "$out"

nagios
is "$rc" 2 "check --nagios: CRITICAL when archiving fails"
like "$out" '^PGREPLICA CRITICAL - archiving fails on "pg1"' "saying so" || diag "$out"

done_testing
