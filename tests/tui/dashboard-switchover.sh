#!/bin/bash
# dashboard-switchover.sh - the planned switchover through the dashboard's
# S key, on real servers (pg1 primary, pg2 and pg3 standbys on their own
# hosts, reached over SSH), driven through tmux.
# - --readonly: S does nothing;
# - S on pg2: the confirmation shows the pre-checks with their figures and
#   defaults to No: Enter changes nothing;
# - S on pg2, Yes: pg2 becomes the primary, pg1 and pg3 stream from it (pg1
#   neither rewound nor copied), the screen and the cluster file follow,
#   every row is on every node.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/tui/dashboard-switchover.sh

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

rows() { fx_psql "$1" "SELECT count(*) FROM drill"; }
row() { printf '^%s %-8s %-7s %s' "$1" "$2" "$3" "$4"; }

out=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes </dev/null 2>&1)
is "$?" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY); INSERT INTO drill SELECT generate_series(1, 100)"
echo keep >"$FX_DIR/pg1/data/pgreplica-test-marker"
inode=$(stat -c %i "$FX_DIR/pg1/data/pgreplica-test-marker")

# ---------------------------------------------------------------------------
# --readonly: S does nothing
tui_start ro 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard --readonly
ok "read-only: pg2 streams" tui_wait ro "$(row ' ' pg2 standby streaming)"
tui_keys ro j
ok "read-only: pg2 selected" tui_wait ro 'WAL pipeline of pg2 from pg1'
tui_keys ro S
ok "read-only: S says actions are off" tui_wait ro 'read-only dashboard: actions are off'
tui_keys ro q

# ---------------------------------------------------------------------------
tui_start dash 100 40 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard
ok "pg1 is the writable primary" tui_wait dash "$(row ' ' pg1 primary writable)"
ok "pg2 streams" tui_wait dash "$(row ' ' pg2 standby streaming)"
ok "pg3 streams" tui_wait dash "$(row ' ' pg3 standby streaming)"
like "$(tui_screen dash | tail -n 1)" 'SSwitch' "the key bar shows S"

cp "$conf" "$conf.before"
tui_keys dash j
ok "pg2 selected" tui_wait dash 'WAL pipeline of pg2 from pg1'
tui_keys dash S
ok "S: the confirmation" tui_wait dash 'switch over: pg2 becomes the primary, pg1 a standby of it\?' 60
screen=$(tui_screen dash)
like "$screen" 'check ok: pg1 is the primary, at WAL position' "it shows the primary's check"
like "$screen" 'check ok: pg2 streams from pg1: [0-9]+ bytes not' "with pg2's lag figures"
like "$screen" 'check ok: pg3 streams from pg1' "and pg3's"
like "$screen" '\[ Yes \] +\[ No \]' "a Yes/No question"
tui_keys dash Enter
ok "Enter is No: nothing changed" tui_wait dash 'switchover not confirmed: nothing was changed'
tui_keys dash Enter
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is still a standby"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" f "pg1 is still the primary"
ok "the cluster file is unchanged" cmp "$conf" "$conf.before"

tui_keys dash S
ok "S again" tui_wait dash 'switch over: pg2 becomes the primary' 60
tui_keys dash y
ok "the event log: done" tui_wait dash 'pg2 is the primary; pg1 streams from it' 180
ok "the action is done" tui_wait dash 'action done' 60
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is the primary"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
is "$(stat -c %i "$FX_DIR/pg1/data/pgreplica-test-marker" 2>/dev/null)" "$inode" \
	"pg1 neither rewound nor copied"
is "$(conf_get pg2 role)/$(conf_get pg1 role)" "primary/standby" "cluster file: pg2 primary, pg1 standby"
ok "the header: primary pg2" tui_wait dash '^ pgreplica +cluster: fx +primary: pg2'
ok "pg2 shown the writable primary" tui_wait dash "$(row ' ' pg2 primary writable)"
ok "pg1 shown streaming" tui_wait dash "$(row ' ' pg1 standby streaming)" 60
ok "pg3 shown streaming" tui_wait dash "$(row ' ' pg3 standby streaming)" 60
ok "rows on pg2" fx_psql pg2 "INSERT INTO drill SELECT generate_series(101, 150)"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
for h in pg1 pg2 pg3; do
	is "$(rows $h)" 150 "every row is on $h"
done

tui_keys dash q
gone() { ! tui_alive dash && [ -n "$(tui_exit_status dash)" ]; }
ok "q quits" fx_poll 10 gone
is "$(tui_exit_status dash)" 0 "the dashboard exits 0"

done_testing
