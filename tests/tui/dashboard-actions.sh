#!/bin/bash
# dashboard-actions.sh - the dashboard's two simple actions on real servers,
# driven through tmux.
#
# Slot drill: standby s3 removed from the cluster file leaves its slot on
# the primary; the slots pane marks it with the WAL it retains; --readonly
# offers no action key and D does nothing there; D on an active slot is
# refused; D + No keeps the slot; D + Yes drops it (checked on the server).
#
# Sync drill: sync = s1 and synchronous_standby_names = 's1' on the primary,
# s1 stopped: a commit on the primary hangs; A (offered only then) + Yes
# empties synchronous_standby_names and the commit returns.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/dashboard-actions.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"

fx_host pg1
ok "initdb on pg1" fx_pg_init pg1 || bail_out "cannot make the primary"
ok "start pg1" fx_pg_start pg1 || bail_out "cannot start the primary"
for s in s1 s2 s3; do
	ok "pg_basebackup makes $s on slot $s" fx_pg_make_standby "$s" pg1 -C -S "$s" ||
		bail_out "cannot make $s"
	ok "start $s" fx_pg_start "$s" || bail_out "cannot start $s"
	ok "$s streams" fx_wait_streaming pg1 "$s" || bail_out "$s does not stream"
done
# s3 leaves the cluster: stopped, not in the cluster file, its slot stays
ok "stop s3" fx_pg_stop s3 fast
conf=$FX_DIR/cluster.conf
fx_cluster_file -o sync=s1 "$conf" pg1 s1 s2
ok "WAL written after s3 left" fx_psql pg1 \
	"CREATE TABLE t (i int); INSERT INTO t SELECT generate_series(1, 50000)"

slot_count()
{
	fx_psql pg1 "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$1'"
}

# the slots are listed after the 3 nodes: s1, s2, s3 -> 5 steps down to s3
select_slot_s3()
{
	tui_keys "$1" k k k k k k j j j j j
}

# ---------------------------------------------------------------------------
# --readonly: no action key, D does nothing
tui_start ro 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
ok "read-only: s1 streams" tui_wait ro '^  s1 +standby +streaming'
ok "read-only: the header says so" tui_wait ro 'read-only'
ok "the slots pane marks s3: inactive, WAL retained, no standby uses it" \
	tui_wait ro '^! s3 +inactive +[0-9.]+ (kB|MB) +no standby uses it'
screen=$(tui_screen ro)
unlike "$(tail -n 1 <<<"$screen")" 'Promote|Follow|Resync|Drop|Async' \
	"read-only: the key bar shows no action"
like "$(tail -n 1 <<<"$screen")" 'Help.*Quit' "read-only: the key bar shows the other keys"
select_slot_s3 ro
ok "read-only: s3 selected" tui_wait ro 'no standby of the cluster file uses it'
tui_keys ro D
ok "read-only: D says actions are off" tui_wait ro 'read-only dashboard: actions are off'
tui_wait_gone ro 'Confirm' 1 >/dev/null
is "$(slot_count s3)" 1 "read-only: the slot is still there"
tui_keys ro q

# ---------------------------------------------------------------------------
# D on an active slot, D + No, D + Yes
tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard
ok "s1 streams" tui_wait dash '^  s1 +standby +streaming'
ok "s3's slot is marked" tui_wait dash '^! s3 +inactive'
tui_keys dash k k k k k k j j j
ok "s1's slot selected" tui_wait dash 'Slot s1 \(physical\)'
tui_keys dash D
ok "D on an active slot is refused" tui_wait dash 'This slot is active'
tui_keys dash Enter
is "$(slot_count s1)" 1 "the active slot is still there"
tui_keys dash j j
ok "s3's slot selected" tui_wait dash 'Slot s3 \(physical\)'
tui_keys dash D
ok "D asks before dropping" tui_wait dash 'Drop replication slot "s3" on pg1\?'
tui_keys dash Enter
ok "Enter at once is No: the slot is kept" tui_wait dash 'replication slot "s3" kept'
is "$(slot_count s3)" 1 "after No the slot is still there"
tui_keys dash Enter
tui_keys dash D
ok "D asks again" tui_wait dash 'Drop replication slot "s3" on pg1\?'
tui_keys dash y
ok "the event log says it was dropped" tui_wait dash 'replication slot "s3" dropped on pg1'
is "$(slot_count s3)" 0 "the slot is gone from the server"
ok "and from the slots pane" tui_wait_gone dash '^. s3 +inactive'

# ---------------------------------------------------------------------------
# sync drill
unlike "$(tui_screen dash | tail -n 1)" 'Async' "A is not offered while commits do not wait"
ok "synchronous_standby_names = 's1' on pg1" fx_psql pg1 \
	"ALTER SYSTEM SET synchronous_standby_names = 's1'"
reload_pg1() { fx_psql pg1 "SELECT pg_reload_conf()" >/dev/null; }
ok "reload pg1" reload_pg1
ok "s1 is the synchronous standby" tui_wait dash '^  s1 +standby +streaming .* sync '
ok "stop s1" fx_pg_stop s1 fast
ok "s1 shown down" tui_wait dash '^! s1 +standby +down'
fx_psql pg1 "INSERT INTO t VALUES (-1)" >"$FX_DIR/commit.out" 2>&1 &
commit_pid=$!
ok "A is offered once commits wait" tui_wait dash 'AAsync'
running() { fx_alive "$commit_pid"; }
ok "the commit on the primary hangs" running
tui_keys dash A
ok "A asks before dropping to asynchronous" \
	tui_wait dash 'Empty synchronous_standby_names \(now "s1"\) on pg1'
ok "the commit still hangs while the question is open" running
tui_keys dash y
done_commit() { ! fx_alive "$commit_pid"; }
ok "A + yes: the commit returns" fx_poll 30 done_commit
wait "$commit_pid"
is "$?" 0 "the commit succeeded"
is "$(fx_psql pg1 "SELECT count(*) FROM t WHERE i = -1")" 1 "its row is on the primary"
is "$(fx_psql pg1 "SHOW synchronous_standby_names")" "" "synchronous_standby_names is empty"
ok "the event log says so" tui_wait dash 'synchronous replication is off'
ok "A is no longer offered" tui_wait_gone dash 'AAsync'
tui_keys dash q

done_testing
