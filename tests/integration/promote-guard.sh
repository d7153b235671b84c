#!/bin/bash
# promote-guard.sh - the split-brain guard of promote, and resync falling
# back to a fresh copy, on real servers.
#
# pg1 primary, pg2 its standby built by "pgreplica apply --yes", each on
# its own host reached over SSH.
# - pg1 up and writable: "promote pg2 --yes" is refused (exit 2, saying
#   why), pg2 still in recovery, pg1 still writable, the cluster file
#   unchanged; on a terminal, "promote pg2" (and "promote pg2 --force")
#   asks, and declining to fence asks for pg2's name typed: a wrong name
#   refuses (exit 2), pg2 still in recovery, nothing changed; "--fence"
#   stops pg1 (immediate, through its transport) and promotes pg2;
# - pg1 then runs without wal_log_hints (no data checksums either: the
#   fixture's initdb) and diverges: pg_rewind cannot rewind it.
#   "resync pg1 --method=rewind --yes" fails (exit 2), says so and hints at
#   --method=clone, moves nothing; "resync pg1 --yes" falls back to a fresh
#   copy: the old data directory moved aside (still there, with the row
#   only pg1 had), pg1 streaming from pg2 without that row;
# - promote of a node that does not answer fails with a clear error.

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
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

command -v tmux >/dev/null || skip_all "no tmux (the terminal of the typed confirmation)"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
for h in pg1 pg2; do
	ok "initdb $h" fx_pg_init "$h" && ok "start $h" fx_pg_start "$h" &&
		ok "sshd on $h" fx_sshd "$h" && ok "$h's host key trusted" fx_ssh_trust "$h" ||
		bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
data1=$(fx_pgdata pg1)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM t"; }

# check NODE: the wizard's node test from the command line
run check pg1
is "$rc" 0 "check pg1 (the primary) passes" || diag "$out"
like "$out" "PostgreSQL at .*: connected as postgres, version [0-9]" "... its server, through libpq"
like "$out" 'SSH target "[^"]*": reached' "... its host, through SSH"
like "$out" "server programs: postgres \(PostgreSQL\) [0-9]" "... its server programs"
run check pg2
is "$rc" 0 "check pg2 (a standby) passes" || diag "$out"
like "$out" "data directory \".*\": found \(it will be moved aside, not deleted\)" "... its data directory, to be moved aside"

run apply --yes
is "$rc" 0 "apply --yes builds pg2" || { diag "$out"; bail_out "no standby"; }
ok "rows on pg1" fx_psql pg1 "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 10)"
ok "pg2 has them" fx_wait_catchup pg1 pg2

# ---------------------------------------------------------------------------
# split-brain guard
cp "$conf" "$conf.before"
run promote pg2 --yes
is "$rc" 2 "promote with the primary up and writable exits 2"
like "$out" "pg1 still accepts writes: promoting pg2 would make two primaries" "saying why" || diag "$out"
like "$out" "HINT:.*--fence.*--force" "hinting at --fence and --force"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is still in recovery"
ok "pg1 still writable" fx_psql pg1 "INSERT INTO t VALUES (11)"
ok "the cluster file is unchanged" cmp "$conf" "$conf.before"

# on a terminal: the same decision as the dashboard's P, the typed name
# before two primaries; --force without --yes still asks for it
n=100
for force in "" --force; do
	n=$((n + 1))
	tui_start prom 160 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" promote pg2 $force
	ok "promote pg2 $force: the check, then the question" tui_wait prom 'promote pg2\? \[y/N\]' 120
	like "$(tui_screen prom)" "pg1 \(old primary\): ACCEPTS WRITES" "... the check says pg1 accepts writes"
	tui_type prom y; tui_keys prom Enter
	if [ -z "$force" ]; then
		ok "fencing is offered" tui_wait prom 'Primary pg1 still accepts writes\. Stop it first \(fencing\).*\[y/N\]'
		tui_keys prom Enter		# the default: No
	fi
	ok "promote pg2 $force: not fencing asks for the name typed" tui_wait prom 'Type "pg2" to go on:'
	like "$(tui_screen prom)" "split brain" "... saying why (split brain)"
	tui_type prom pg3; tui_keys prom Enter
	is "$(tui_exit_status prom 120)" 2 "promote pg2 $force: a wrong name typed exits 2"
	like "$(tui_screen prom)" "error: pg2 not promoted" "... saying pg2 is not promoted"
	like "$(tui_screen prom)" 'DETAIL:  The name typed was not "pg2"' "... and why"
	tui_kill prom
	is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "promote pg2 $force, wrong name: pg2 still in recovery"
	ok "promote pg2 $force, wrong name: pg1 still writable" fx_psql pg1 "INSERT INTO t VALUES ($n)"
	ok "promote pg2 $force, wrong name: the cluster file is unchanged" cmp "$conf" "$conf.before"
done
ok "the test rows are gone again" fx_psql pg1 "DELETE FROM t WHERE id > 100"

ok "pg2 has row 11" fx_wait_catchup pg1 pg2
run promote pg2 --fence --yes
is "$rc" 0 "promote --fence --yes exits 0" || diag "$out"
like "$out" "fencing: stopping pg1" "saying it fences pg1"
nok "pg1 is stopped" fx_pg_pid pg1
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is out of recovery"
ok "pg2 is writable" fx_psql pg2 "INSERT INTO t VALUES (12)"
is "$(conf_get pg2 role)/$(conf_get pg1 role)/$(conf_get pg1 upstream)" "primary/standby/pg2" \
	"cluster file: pg2 primary, pg1 its standby"

# ---------------------------------------------------------------------------
# a node that does not answer
run promote pg1 --yes
is "$rc" 2 "promote of a node that does not answer exits 2"
like "$out" "pg1" "naming it" || diag "$out"
# check NODE of a primary whose server cannot be reached: the test fails
sed "/^\[node \"pg2\"\]/,/^\[/ s/^port = .*/port = 1/" "$conf" >"$FX_DIR/badport.conf"
out=$("$PGREPLICA" -c "$FX_DIR/badport.conf" --ssh-config "$FX_SSH_CONFIG" check pg2 </dev/null 2>&1); rc=$?
is "$rc" 2 "check pg2 with a port nothing listens on exits 2"
like "$out" "PostgreSQL at .*:1: not connected" "... saying its server is not connected" || diag "$out"
like "$out" "error: pg2: test failed" "... and that the test failed"

# ---------------------------------------------------------------------------
# pg1 diverges without wal_log_hints: no rewind possible
ok "start pg1 alone" fx_pg_start pg1
ok "pg1 without wal_log_hints" fx_psql pg1 "ALTER SYSTEM SET wal_log_hints = off"
ok "restart pg1" fx_pg_restart pg1
is "$(fx_psql pg1 'SHOW wal_log_hints')" off "wal_log_hints is off on pg1"
ok "a row only pg1 has" fx_psql pg1 "INSERT INTO t VALUES (9999)"
ok "stop pg1" fx_pg_stop pg1

run resync pg1 --method=rewind --yes
is "$rc" 2 "resync --method=rewind exits 2 when pg_rewind cannot"
like "$out" "pg_rewind failed on pg1" "saying pg_rewind failed" || diag "$out"
like "$out" "wal_log_hints" "with pg_rewind's reason"
like "$out" "HINT:.*--method=clone" "hinting at --method=clone"
ok "nothing moved aside" test -z "$(ls -d "$data1".pgreplica-* 2>/dev/null)"

run resync pg1 --yes
is "$rc" 0 "resync --yes falls back to a fresh copy and exits 0" || diag "$out"
like "$out" "rewind failed" "saying the rewind failed"
like "$out" "copying pg1 from pg2 with pg_basebackup" "then copying pg1 afresh"
aside=$(ls -d "$data1".pgreplica-* 2>/dev/null | head -1)
ok "the old data directory is moved aside" test -n "$aside" -a -f "$aside/PG_VERSION"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
ok "pg1 caught up" fx_wait_catchup pg2 pg1
is "$(rows pg1)" "$(seq -s, 1 12)" "pg1 has pg2's rows and not its own"
is "$(conf_get pg1 role)/$(conf_get pg1 upstream)" "standby/pg2" "cluster file: pg1 a standby of pg2"

# resync of the primary itself
run resync pg2 --yes
is "$rc" 2 "resync of the primary exits 2"
like "$out" "pg2 is the cluster file's primary" "saying why" || diag "$out"

done_testing
