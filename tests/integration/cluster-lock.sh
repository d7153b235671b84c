#!/bin/bash
# cluster-lock.sh - one pgreplica process at a time changes a cluster
# (issue 13, 2), on real servers.
#
# pg1 primary, pg2 and pg3 standbys built by "pgreplica apply --yes", each
# on its own host reached over SSH.  A console (the dashboard) runs all
# along; "promote pg2 --fence" runs in a terminal (tmux) and waits at its
# question, holding the cluster's lock:
# - the idle console holds no lock; the waiting command does, and the lock
#   file says who (pid, command, since when);
# - a second "promote pg2", a "promote pg3" and a "resync pg1" are refused,
#   naming the holder; the console's P is refused the same way; "status"
#   still works; the cluster file is untouched meanwhile;
# - the holder goes on: exactly one promote won (pg2 primary, pg3 still in
#   recovery), the file says so, and the lock is free again;
# - the console, whose copy of the file is stale now, reads it again before
#   acting (its header follows);
# - "follow pg3" waits at its question while the file is edited by hand:
#   its save is refused (the edit kept, not undone), saying why.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/cluster-lock.sh

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
command -v tmux >/dev/null || skip_all "tmux is needed to hold a command at its question"
command -v flock >/dev/null || skip_all "flock(1) is needed to look at the lock"
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
lock=$conf.lock
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2 pg3

row() { printf '^%s %-8s %-7s %s' "$1" "$2" "$3" "$4"; }
# lock_free: nobody holds the cluster's lock
lock_free() { flock -n "$lock" true; }
lock_held() { ! lock_free; }
lock_field() { sed -n "s/^$1=//p" "$lock"; }

run apply --yes
is "$rc" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "the lock is free once apply is done" lock_free

# ---------------------------------------------------------------------------
# a console, idle, and a command waiting at its question
tui_start dash 120 32 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard
ok "the console shows pg1 primary" tui_wait dash "$(row ' ' pg1 primary writable)"
ok "the idle console holds no lock" lock_free

tui_start holder 160 20 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" promote pg2 --fence
ok "promote pg2 asks its question" tui_wait holder 'promote pg2\? \[y/N\]' 60
ok "and holds the lock meanwhile" lock_held
pid=$(lock_field pid)
is "$(lock_field command)" "promote pg2" "the lock file says which command"
like "$(lock_field since)" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z$' "and since when"
like "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" "promote pg2" "its pid is the waiting command's"
cp "$conf" "$conf.before"

run promote pg2 --fence --yes
isnt "$rc" 0 "a second promote pg2 is refused"
like "$out" "another pgreplica process is acting on the cluster" "saying another process acts" || diag "$out"
like "$out" "Process $pid \(\"promote pg2\"\) has held its lock" "naming it: pid and command"
like "$out" "HINT: .*one action at a time" "with a hint"
run promote pg3 --fence --yes
isnt "$rc" 0 "two promotes at once: promote pg3 is refused too"
like "$out" "Process $pid \(\"promote pg2\"\)" "naming the holder" || diag "$out"
run resync pg1 --yes
isnt "$rc" 0 "resync pg1 is refused"
like "$out" "another pgreplica process" "the same way" || diag "$out"
run status
unlike "$out" "another pgreplica process" "status is not an action: it still works"

# the console's action is refused, naming the holder
tui_keys dash j
ok "pg2 selected in the console" tui_wait dash 'WAL pipeline of pg2 from pg1'
tui_keys dash P
ok "P: the console is refused" tui_wait dash 'another pgreplica process' 30
ok "naming the command that holds the lock" tui_wait dash 'promote pg2'
tui_keys dash Enter
ok "the cluster file is untouched meanwhile" cmp "$conf" "$conf.before"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')/$(fx_psql pg3 'SELECT pg_is_in_recovery()')" "t/t" \
	"nothing promoted meanwhile"

# the holder goes on
tui_type holder y
tui_keys holder Enter
is "$(tui_exit_status holder 120)" 0 "the waiting promote goes on and succeeds" ||
	diag "$(tui_screen holder)"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is the primary"
is "$(fx_psql pg3 'SELECT pg_is_in_recovery()')" t "pg3 is not: exactly one promote won"
is "$(conf_get pg2 role)/$(conf_get pg3 role)/$(conf_get pg1 role)" "primary/standby/standby" \
	"the cluster file says so"
ok "the lock is free again" lock_free
is "$(stat -c %s "$lock")" 0 "and its file says nobody holds it"

# the console's copy of the file is stale: it reads it again before acting
tui_keys dash P
ok "the console read the file again" tui_wait dash 'changed on disk' 30
ok "its header follows: primary pg2" tui_wait dash '^ pgreplica +cluster: fx +primary: pg2'
tui_keys dash q
tui_wait_dead dash 30

# ---------------------------------------------------------------------------
# a save after a change by hand is refused
tui_start follower 160 20 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" follow pg3
ok "follow pg3 asks its question" tui_wait follower 're-point pg3 at the primary\? \[y/N\]' 60
printf '; edited by hand while follow waited\n' >>"$conf"
cp "$conf" "$conf.edited"
tui_type follower y
tui_keys follower Enter
isnt "$(tui_exit_status follower 120)" 0 "follow's save over the edited file is refused"
screen=$(tui_screen follower)
like "$screen" "changed since pgreplica read it" "saying the file changed" || diag "$screen"
like "$screen" "HINT: .*reads the file anew" "and what to do"
ok "the edit is kept, not undone" cmp "$conf" "$conf.edited"

done_testing
