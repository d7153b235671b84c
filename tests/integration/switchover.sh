#!/bin/bash
# switchover.sh - the planned switchover on real servers (three hosts, sshd).
#
# pg1 primary, pg2 and pg3 standbys built by "pgreplica apply --yes", the
# replication password given with --replication-password-file (the later
# actions find it in the operator's passfile).
# - refused switchovers change nothing: to the primary itself, with a
#   standby down (the pre-check names it);
# - "switchover pg2 --dry-run" names every step and changes nothing (server
#   state, data directory files, cluster file, journal);
# - "switchover pg2 --yes" while a writer commits rows one at a time on
#   whichever node accepts them: every acknowledged row is on all three
#   nodes; pg1 streams from pg2 on pg2's timeline, neither rewound nor
#   copied (a file only pg1's data directory has is still there, same
#   inode, same system identifier); pg3 streams from pg2; the cluster file
#   says pg2 is the primary; the marker row is on every node;
# - faults, switching back to pg1: pg1 stopped right before its promotion
#   (pg2 is the primary again, writable, nothing lost); pgreplica killed
#   (kill -9) after the old primary's stop (the next run rolls back) and
#   after the promotion (the next run finishes); one primary each time.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/switchover.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
. "$top_srcdir/tests/lib/writer.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
for h in pg1 pg2 pg3; do
	ok "initdb $h" fx_pg_init "$h" && ok "start $h" fx_pg_start "$h" &&
		ok "sshd on $h" fx_sshd "$h" && ok "$h's host key trusted" fx_ssh_trust "$h" ||
		bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2 pg3
journal=$XDG_STATE_HOME/pgreplica/fx.switchover

# pgreplica in the background, stopping itself (SIGSTOP) after EVENT
run_paused()
{
	local event=$1
	shift
	PGREPLICA_TEST_SWITCHOVER_PAUSE=$event "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" \
		"$@" </dev/null >"$FX_DIR/paused.out" 2>&1 &
	bgpid=$!
	# stopped (T), or gone: then say what it printed
	fx_poll 180 sh -c "! kill -0 $bgpid 2>/dev/null || ps -o stat= -p $bgpid | grep -q T"
	ps -o stat= -p "$bgpid" | grep -q T && return 0
	diag "$(cat "$FX_DIR/paused.out")"
	return 1
}

primaries()
{
	local h n=0
	for h in pg1 pg2 pg3; do
		[ "$(fx_psql "$h" 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ] && n=$((n + 1))
	done
	echo "$n"
}

rows() { fx_psql "$1" "SELECT count(*) FROM w"; }

printf 'S3cret:pw\\x\n' >"$FX_DIR/given.pw"
chmod 600 "$FX_DIR/given.pw"
run --replication-password-file "$FX_DIR/given.pw" apply --yes
is "$rc" 0 "apply --yes with --replication-password-file builds pg2 and pg3" ||
	{ diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "a table for the writer" fx_psql pg1 "CREATE TABLE w (id int PRIMARY KEY)"

# ---------------------------------------------------------------------------
# refused: nothing changes
run switchover pg1 --yes
is "$rc" 2 "switchover to the primary exits 2"
like "$out" "pg1 is the cluster file's primary already" "saying so" || diag "$out"
run switchover pg2
is "$rc" 2 "switchover without a terminal nor --yes exits 2"
like "$out" "no terminal to confirm on" "saying why" || diag "$out"
ok "stop pg3" fx_pg_stop pg3 fast
run switchover pg2 --yes
is "$rc" 2 "switchover with pg3 down exits 2" || diag "$out"
like "$out" "check FAILED: .*pg3" "the failed check names pg3" || diag "$out"
like "$out" "check ok: pg2 streams from pg1: [0-9]+ bytes not flushed, [0-9]+ bytes not replayed" \
	"the other checks still ran, with their figures"
like "$out" "Nothing was changed" "saying nothing was changed"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" f "pg1 is still the primary"
ok "start pg3" fx_pg_start pg3
ok "pg3 streams again" fx_wait_streaming pg1 pg3

# ---------------------------------------------------------------------------
# the dry run
state()
{
	local h
	for h in pg1 pg2 pg3; do
		printf '%s %s %s\n' "$h" "$(fx_psql "$h" 'SELECT pg_is_in_recovery(), (SELECT timeline_id FROM pg_control_checkpoint())')" \
			"$(fx_psql "$h" 'SELECT count(*) FROM pg_replication_slots')"
		(cd "$FX_DIR/$h/data" && ls -a . && md5sum postgresql.auto.conf pg_hba.conf postgresql.conf)
		md5sum "$FX_DIR/$h"/.pgreplica-*.pgpass 2>/dev/null
	done
	md5sum "$conf"
	ls -a "$XDG_STATE_HOME/pgreplica" 2>/dev/null
}
before=$(state)
run switchover pg2 --dry-run
is "$rc" 0 "switchover pg2 --dry-run exits 0" || diag "$out"
for step in "CHECKPOINT" "pg_ctl.* stop" "pg_controldata" "pg_last_wal_replay_lsn" "pg_promote" \
	"pg_create_physical_replication_slot\('pg1'" ".pgreplica-pg1.pgpass\" \(mode 0600\)" "standby.signal" \
	"pg_ctl.* start" "pg3 follows pg2" "rewrite the cluster file" "marker row"; do
	like "$out" "$step" "the dry run names the step $step"
done
is "$(state)" "$before" "the dry run changed nothing (servers, files, cluster file, journal)"

# ---------------------------------------------------------------------------
# the switchover under a writer
echo keep >"$FX_DIR/pg1/data/pgreplica-test-marker"
inode=$(stat -c %i "$FX_DIR/pg1/data/pgreplica-test-marker")
sysid=$(fx_psql pg1 "SELECT system_identifier FROM pg_control_system()")
tli_before=$(fx_psql pg2 "SELECT timeline_id FROM pg_control_checkpoint()")

writer_start pg1 pg2
fx_poll 60 sh -c "[ \$(wc -l <'$FX_DIR/acked') -ge 20 ]"
run switchover pg2 --yes
is "$rc" 0 "switchover pg2 --yes exits 0" || diag "$out"
like "$out" "pg1's shutdown checkpoint is at" "the shutdown checkpoint was read"
like "$out" "pg2 has replayed past it" "pg2 replayed past it"
unlike "$out" "pg_rewind|pg_basebackup" "no rewind, no copy"
ok "the writer commits on pg2 afterwards" fx_poll 60 grep -q ' pg2$' "$FX_DIR/acked"
writer_stop
diag "acknowledged commits: $(writer_count pg1) on pg1, $(writer_count pg2) on pg2"

is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is the primary"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" t "pg1 is a standby"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
is "$(fx_psql pg1 'SELECT received_tli FROM pg_stat_wal_receiver')" \
	"$(fx_psql pg2 "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")" \
	"pg1 receives pg2's new timeline"
ok "pg2's timeline moved" test "$(fx_psql pg2 "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")" -gt "$tli_before"
is "$(stat -c %i "$FX_DIR/pg1/data/pgreplica-test-marker" 2>/dev/null)" "$inode" \
	"pg1's data directory was neither rewound nor copied (its own file kept, same inode)"
is "$(fx_psql pg1 "SELECT system_identifier FROM pg_control_system()")" "$sysid" "same system identifier"
ok "no data directory moved aside" test -z "$(ls -d "$FX_DIR"/pg1/data.* 2>/dev/null)"
is "$(fx_psql pg2 "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg1'")" t "pg1 streams through its slot on pg2"
is "$(conf_get pg2 role)" primary "cluster file: pg2 is the primary"
is "$(conf_get pg1 role)" standby "cluster file: pg1 is a standby"
ok "the journal is gone" test ! -e "$journal"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
for h in pg1 pg2 pg3; do
	is "$(writer_missing "$h")" "" "every acknowledged row is on $h"
done
is "$(fx_psql pg3 "SELECT count(*) FROM public.pgreplica_switchover WHERE new_primary = 'pg2'")" 1 \
	"the marker row reached pg3"
is "$(primaries)" 1 "one primary"

# ---------------------------------------------------------------------------
# fault: the node to promote (pg1) stops right before its promotion
count=$(rows pg2)
run_paused promoting switchover pg1 --yes
ok "pgreplica paused right before the promotion" test $? = 0
ok "pg1 stopped" fx_pg_stop pg1 fast
kill -CONT "$bgpid"
wait "$bgpid"
rc=$?
out=$(cat "$FX_DIR/paused.out")
is "$rc" 2 "the switchover fails" || diag "$out"
like "$out" "pg2 is the primary again" "saying pg2 is the primary again" || diag "$out"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is the primary"
ok "pg2 is writable" fx_psql pg2 "INSERT INTO w VALUES (1000001)"
is "$(rows pg2)" "$((count + 1))" "nothing lost on pg2"
is "$(conf_get pg2 role)" primary "cluster file: still pg2"
ok "start pg1 again" fx_pg_start pg1
ok "pg1, never promoted, streams from pg2 again" fx_wait_streaming pg2 pg1
ok "the journal is gone" test ! -e "$journal"
is "$(primaries)" 1 "one primary"

# ---------------------------------------------------------------------------
# fault: pgreplica killed after the old primary's stop
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 streams from pg2 again (pg2 was restarted)" fx_wait_streaming pg2 pg3
run_paused stopped switchover pg1 --yes
ok "pgreplica paused after pg2's stop" test $? = 0
kill -9 "$bgpid"
wait "$bgpid" 2>/dev/null
nok "pg2 is down" fx_psql pg2 "SELECT 1"
ok "the journal is left" test -e "$journal"
run switchover --yes
is "$rc" 0 "the next switchover exits 0" || diag "$out"
like "$out" "an interrupted switchover from pg2 to pg1" "it found the journal"
like "$out" "pg2 is the primary again" "and rolled back" || diag "$out"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is the primary"
ok "pg2 is writable" fx_psql pg2 "INSERT INTO w VALUES (1000002)"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
is "$(primaries)" 1 "one primary"
ok "the journal is gone" test ! -e "$journal"

# ---------------------------------------------------------------------------
# fault: pgreplica killed after the promotion
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
ok "pg3 caught up" fx_wait_catchup pg2 pg3
count=$(rows pg2)
run_paused promoted switchover pg1 --yes
ok "pgreplica paused after pg1's promotion" test $? = 0
kill -9 "$bgpid"
wait "$bgpid" 2>/dev/null
run switchover --yes
is "$rc" 0 "the next switchover exits 0" || diag "$out"
like "$out" "pg1 was promoted: finishing the switchover" "it finished the switchover" || diag "$out"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" f "pg1 is the primary"
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
is "$(conf_get pg1 role)" primary "cluster file: pg1 is the primary"
is "$(conf_get pg2 role)" standby "cluster file: pg2 is a standby"
is "$(rows pg1)" "$count" "nothing lost"
is "$(primaries)" 1 "one primary"

# ---------------------------------------------------------------------------
# the password given to apply, found again by follow and resync
like "$(cat "$FX_DIR/pg3/.pgreplica-pg3.pgpass")" 'replication:replicate:S3cret\\:pw\\\\x$' \
	"pg3's passfile has the password given to apply"
run follow pg3 --yes
is "$rc" 0 "follow without --replication-password-file" || diag "$out"
run --replication-password-file "$FX_DIR/given.pw" follow pg3 --yes
is "$rc" 0 "follow with --replication-password-file" || diag "$out"
run resync pg2 --method=rewind --yes
is "$rc" 0 "resync without --replication-password-file" || diag "$out"
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
printf 'wrong\n' >"$FX_DIR/open.pw"
chmod 644 "$FX_DIR/open.pw"
run --replication-password-file "$FX_DIR/open.pw" follow pg3 --yes
is "$rc" 2 "follow with a password file others can read exits 2"
like "$out" 'password file ".*open.pw" can be read by others' "saying so" || diag "$out"
run --replication-password-file "$FX_DIR/open.pw" switchover pg2 --dry-run
is "$rc" 2 "so does switchover" || diag "$out"

# the given password: in no file but the 0600 passfiles
leaks=$(grep -rlaF -e 'S3cret:pw' -e 'S3cret\:pw' "$FX_DIR" 2>/dev/null | while read -r f; do
	[ "$f" = "$FX_DIR/given.pw" ] && continue
	[ "$(stat -c %a "$f")" = 600 ] && case $f in *.pgpass) continue ;; esac
	printf '%s\n' "$f"
done)
is "$leaks" "" "the replication password is in no file but the 0600 passfiles"

done_testing
