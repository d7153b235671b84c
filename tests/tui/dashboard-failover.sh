#!/bin/bash
# dashboard-failover.sh - the failover drill and the split-brain guard
# through the dashboard's P, F and R keys, on real servers, driven through
# tmux.
#
# pg1 primary, pg2 and pg3 standbys built by "pgreplica apply --yes", each
# on its own host (namespace, address, sshd), reached over SSH as the
# servers' account (as tests/integration/failover.sh).  One dashboard runs
# all along.
# - guard, pg1 up and writable: P on pg2 shows the pre-check panel (pg1
#   answers, accepts writes); Yes, then No to fencing, then a wrong word
#   for the typed confirmation: pg2 is not promoted, pg1 still writable,
#   the cluster file unchanged;
# - drill: rows committed on pg1, pg1 stopped (immediate); P on pg2: the
#   panel says pg1 does not answer; Yes promotes pg2 (a new timeline,
#   writable; header and roles follow the rewritten cluster file); F on pg3
#   re-points it at pg2; rows written on pg2; R on pg1 rewinds it and it
#   streams from pg2; the screen shows every standby streaming; every row
#   is on all three nodes;
# - guard, fencing: P on pg3 with pg2 up and writable; Yes to fencing stops
#   pg2 (immediate, through its transport) and promotes pg3.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/tui/dashboard-failover.sh

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
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
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

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM drill"; }
# the rows: "M NAME ROLE STATE ..." (M: ! bad, ~ warning)
row() { printf '^%s %-8s %-7s %s' "$1" "$2" "$3" "$4"; }

out=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes </dev/null 2>&1)
is "$?" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY, at text); INSERT INTO drill SELECT g, 'pg1' FROM generate_series(1, 100) g"
ok "pg2 has them" fx_wait_catchup pg1 pg2
ok "pg3 has them" fx_wait_catchup pg1 pg3

tui_start dash 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard
ok "pg1 is the writable primary" tui_wait dash "$(row ' ' pg1 primary writable)"
ok "pg2 streams" tui_wait dash "$(row ' ' pg2 standby streaming)"
ok "pg3 streams" tui_wait dash "$(row ' ' pg3 standby streaming)"

# ---------------------------------------------------------------------------
# split-brain guard: pg1 up and writable, no fencing, no typed confirmation
cp "$conf" "$conf.before"
tui_keys dash j
ok "pg2 selected" tui_wait dash 'WAL pipeline of pg2 from pg1'
tui_keys dash P
ok "P: the pre-check panel" tui_wait dash 'Promote pg2\.'
screen=$(tui_screen dash)
like "$screen" 'pg2 answers: yes; it is a standby: yes\.' "the panel: pg2 answers, in recovery"
like "$screen" 'Primary pg1 answers: yes; accepts writes: yes\.' "the panel: pg1 answers and accepts writes"
like "$screen" 'WAL bytes not received from the primary: [0-9]+\.' "the panel: the WAL pg2 has not received"
like "$screen" '\[ Yes \] +\[ No \]' "a Yes/No question"
tui_keys dash y
ok "fencing offered" tui_wait dash 'Primary pg1 still accepts writes\. Stop it first \(fencing\)'
tui_keys dash Enter
ok "Enter is No: the typed confirmation" tui_wait dash 'type its name\.'
ok "it names the word" tui_wait dash 'Type "pg2" and Enter \(Esc: no\)'
tui_type dash pg3
tui_keys dash Enter
ok "a wrong word: not promoted" tui_wait dash 'pg2 not promoted'
tui_keys dash Enter
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is still in recovery"
ok "pg1 still writable" fx_psql pg1 "INSERT INTO drill VALUES (0, 'pg1')"
ok "pg1 still running" fx_pg_pid pg1
ok "the cluster file is unchanged" cmp "$conf" "$conf.before"
ok "pg2 has row 0" fx_wait_catchup pg1 pg2
ok "pg3 has row 0" fx_wait_catchup pg1 pg3

# ---------------------------------------------------------------------------
# the drill: pg1 dies, P on pg2
ok "pg1 stopped (immediate)" fx_pg_stop pg1 immediate
ok "pg1 shown down" tui_wait dash "$(row '!' pg1 primary down)"
ok "the event log says why" tui_wait dash 'pg1 is down: .*pg1'
unlike "$(tui_screen dash)" 'unknown error' "not an unknown error"
tli1=$(fx_psql pg2 "SELECT timeline_id FROM pg_control_checkpoint()")
tui_keys dash P
ok "P: the pre-check panel" tui_wait dash 'Promote pg2\.'
like "$(tui_screen dash)" 'Primary pg1 answers: no; accepts writes: no\.' \
	"the panel: pg1 does not answer"
tui_keys dash y
ok "the event log: pg2 promoted" tui_wait dash 'pg2 is the primary, on timeline [0-9]+' 90
ok "the action is done" tui_wait dash 'action done'
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is out of recovery"
tli2=$(fx_psql pg2 "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")
ok "pg2's timeline moved ($tli1 -> $tli2)" test "$tli2" -gt "$tli1"
is "$(conf_get pg2 role)/$(conf_get pg1 role)/$(conf_get pg1 upstream)/$(conf_get pg3 upstream)" \
	"primary/standby/pg2/pg1" "cluster file: pg2 primary, pg1 its standby, pg3 still on pg1"
ok "the header: primary pg2" tui_wait dash '^ pgreplica +cluster: fx +primary: pg2'
ok "pg2 shown the writable primary" tui_wait dash "$(row ' ' pg2 primary writable)"
ok "pg1 shown a standby, down" tui_wait dash "$(row '!' pg1 standby down)"
ok "rows on pg2" fx_psql pg2 "INSERT INTO drill SELECT g, 'pg2' FROM generate_series(101, 150) g"

# F on pg3
tui_keys dash j
ok "pg3 selected" tui_wait dash 'WAL pipeline of pg3 from'
tui_keys dash F
ok "F asks" tui_wait dash 'Re-point standby pg3 at the primary\?'
tui_keys dash y
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3 90
pg3_follows_pg2() { [ "$(conf_get pg3 upstream)" = pg2 ]; }
ok "cluster file: pg3 follows pg2" fx_poll 30 pg3_follows_pg2
ok "pg3 shown streaming from pg2" tui_wait dash 'WAL pipeline of pg3 from pg2'
ok "pg3 shown streaming" tui_wait dash "$(row ' ' pg3 standby streaming)"

# R on pg1
tui_keys dash k k
ok "pg1 selected" tui_wait dash 'WAL pipeline of pg1 from'
tui_keys dash R
ok "R asks" tui_wait dash 'Re-synchronise pg1 from the primary'
tui_keys dash y
ok "the event log: rewound by pg_rewind" tui_wait dash 'rewinding pg1 from pg2 with pg_rewind' 90
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1 120
ok "no data directory moved aside" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" t "pg1 is a standby"
ok "pg1 shown streaming" tui_wait dash "$(row ' ' pg1 standby streaming)" 60
ok "pg2 still shown the writable primary" tui_wait dash "$(row ' ' pg2 primary writable)"
ok "pg3 shown streaming" tui_wait dash "$(row ' ' pg3 standby streaming)"
ok "pg1's pipeline from pg2" tui_wait dash 'WAL pipeline of pg1 from pg2'

ok "more rows on pg2" fx_psql pg2 "INSERT INTO drill SELECT g, 'pg2' FROM generate_series(151, 200) g"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
want=$(seq -s, 0 200)
is "$(rows pg2)" "$want" "pg2 has every row"
is "$(rows pg1)" "$want" "pg1 has every row"
is "$(rows pg3)" "$want" "pg3 has every row"

# ---------------------------------------------------------------------------
# split-brain guard: fencing chosen stops the writable primary, then promotes
tui_keys dash j j
ok "pg3 selected" tui_wait dash 'WAL pipeline of pg3 from pg2'
tui_keys dash P
ok "P: the pre-check panel" tui_wait dash 'Promote pg3\.'
like "$(tui_screen dash)" 'Primary pg2 answers: yes; accepts writes: yes\.' \
	"the panel: pg2 answers and accepts writes"
tui_keys dash y
ok "fencing offered" tui_wait dash 'Primary pg2 still accepts writes\. Stop it first \(fencing\)'
tui_keys dash y
ok "the event log: fencing" tui_wait dash 'fencing: stopping pg2' 60
ok "the event log: pg3 promoted" tui_wait dash 'pg3 is the primary, on timeline [0-9]+' 90
nok "pg2 is stopped" fx_pg_pid pg2
is "$(fx_psql pg3 'SELECT pg_is_in_recovery()')" f "pg3 is out of recovery"
ok "pg3 is writable" fx_psql pg3 "INSERT INTO drill VALUES (201, 'pg3')"
is "$(conf_get pg3 role)/$(conf_get pg2 role)/$(conf_get pg2 upstream)" "primary/standby/pg3" \
	"cluster file: pg3 primary, pg2 its standby"
ok "the header: primary pg3" tui_wait dash '^ pgreplica +cluster: fx +primary: pg3'
ok "nothing written over the screen (the servers' notices)" eval '! tui_screen dash | grep -q "WARNING"'
is "$(rows pg3)" "$(seq -s, 0 201)" "pg3 has every row"

tui_keys dash q
gone() { ! tui_alive dash && [ -n "$(tui_exit_status dash)" ]; }
ok "q quits" fx_poll 10 gone
is "$(tui_exit_status dash)" 0 "the dashboard exits 0"

done_testing
