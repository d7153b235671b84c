#!/bin/bash
# event-hooks.sh - the cluster file's event_command, on real servers.
#
# pg1 primary, pg2 its standby built by "pgreplica apply --yes", each on
# its own host reached over SSH.  The event command is a script that
# records its arguments and environment, one line per call.
# - the dashboard: pg2 stopped, then started again: node_down, node_up;
# - promote pg2 --fence: "promote pg2 pg1 pg2 ok", and the environment;
# - resync pg1: "resync pg1 pg2 pg2 ok";
# - bad input (a node that does not exist) and a refused promote: no call;
# - a command that fails (exit 3): the action still exits 0, the failure
#   is reported with its output; one that hangs: killed at event_timeout,
#   the action exits 0 soon after;
# - a switchover: "switchover pg1 pg2 pg1 ok"; a dry run: no call;
# - event_command that is not an absolute path: the cluster file refused.

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
command -v tmux >/dev/null || skip_all "no tmux"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
for h in pg1 pg2; do
	ok "initdb $h" fx_pg_init "$h" && ok "start $h" fx_pg_start "$h" &&
		ok "sshd on $h" fx_sshd "$h" && ok "$h's host key trusted" fx_ssh_trust "$h" ||
		bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK

# The event command: its arguments, then the PGREPLICA_* variables, on one
# line of $calls; what it does next is read from $mode (exit N, hang).
hook="$FX_DIR/hook dir/event hook.sh"
calls=$FX_DIR/calls
mode=$FX_DIR/mode
mkdir -p "${hook%/*}"
cat >"$hook" <<EOF
#!/bin/bash
{
	printf '%s|' "\$@"
	printf 'env:%s|' "\$PGREPLICA_EVENT" "\$PGREPLICA_NODE" "\$PGREPLICA_OLD_PRIMARY" \\
		"\$PGREPLICA_NEW_PRIMARY" "\$PGREPLICA_SUCCESS" "\$PGREPLICA_CLUSTER"
	echo
} >>'$calls'
m=\$(cat '$mode' 2>/dev/null)
case \$m in
exit*) echo "the hook says: no load balancer here" >&2; exit \${m#exit } ;;
hang) echo \$\$ >'$FX_DIR/hang.pid'; exec sleep 600 ;;
esac
exit 0
EOF
chmod 755 "$hook"
: >"$calls"

fx_cluster_file "$conf" pg1 pg2
calls_matching() { grep -c -- "$1" "$calls"; }

run apply --yes
is "$rc" 0 "apply --yes builds pg2" || { diag "$out"; bail_out "no standby"; }
ok "pg2 streams" fx_wait_streaming pg1 pg2

# event_command: not an absolute path, or with a control character
sed -i '/^\[cluster\]/a event_command = hook.sh --flag' "$conf"
run status
is "$rc" 2 "an event_command that is not an absolute path: the cluster file is refused"
like "$out" 'invalid value "hook.sh --flag" for "event_command"' "saying which value" || diag "$out"
like "$out" "absolute path" "with the rule in the hint"
sed -i '/^event_command = /d' "$conf"

# the real one: two fixed arguments, the script's path holding a space is
# not allowed (words are split on blanks): a link without one
ln -s "$hook" "$FX_DIR/hook.sh"
sed -i "/^\[cluster\]/a event_command = $FX_DIR/hook.sh --from pgreplica" "$conf"
run status
is "$rc" 0 "status with event_command set exits 0" || diag "$out"
is "$(wc -l <"$calls")" 0 "status runs no event command"

# ---------------------------------------------------------------------------
# the dashboard: a node down, then back
tui_start dash 100 30 "$PGREPLICA" -c "$conf" -d 1 dashboard --readonly
tui_wait dash '^  pg2 +standby +streaming' 60 >/dev/null || diag "$(tui_screen dash)"
ok "stop pg2" fx_pg_stop pg2
ok "the dashboard runs the command: node_down pg2" \
	fx_poll 60 grep -q "^--from|pgreplica|node_down|pg2|pg1|pg1|failed|" "$calls"
ok "start pg2" fx_pg_start pg2
ok "then node_up pg2 once it answers again" \
	fx_poll 120 grep -q "^--from|pgreplica|node_up|pg2|pg1|pg1|ok|" "$calls"
is "$(calls_matching '|node_down|')/$(calls_matching '|node_up|')" "1/1" "once each"
tui_keys dash q
is "$(tui_exit_status dash)" 0 "the dashboard quits with 0"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
: >"$calls"

# ---------------------------------------------------------------------------
# actions
run promote nosuch --yes
isnt "$rc" 0 "promote of a node that does not exist fails"
run promote pg2 --yes
is "$rc" 2 "promote with pg1 writable is refused"
is "$(wc -l <"$calls")" 0 "neither bad input nor a refusal runs the command"

run promote pg2 --fence --yes
is "$rc" 0 "promote pg2 --fence --yes exits 0" || diag "$out"
is "$(sed -n 1p "$calls")" \
	"--from|pgreplica|promote|pg2|pg1|pg2|ok|env:promote|env:pg2|env:pg1|env:pg2|env:1|env:fx|" \
	"the command receives: promote pg2, old primary pg1, new primary pg2, ok (arguments and environment)"
like "$out" "event command run: promote ok" "the action says it ran it"

run resync pg1 --yes
is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
is "$(sed -n 2p "$calls" | cut -d'|' -f1-7)" "--from|pgreplica|resync|pg1|pg2|pg2|ok" \
	"then: resync pg1, the primary pg2 before and after, ok"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1

# a command that fails: reported, not fatal
echo "exit 3" >"$mode"
run follow pg1 --yes
is "$rc" 0 "follow exits 0 although the event command fails" || diag "$out"
like "$out" "event command .*hook.sh exited with status 3" "the failure is reported"
is "$(sed -n 3p "$calls" | cut -d'|' -f3-7)" "follow|pg1|pg2|pg2|ok" "it was called for follow"

# a command that hangs: killed at event_timeout
echo hang >"$mode"
sed -i '/^\[cluster\]/a event_timeout = 2s' "$conf"
t0=$SECONDS
run follow pg1 --yes
is "$rc" 0 "follow exits 0 although the event command hangs" || diag "$out"
ok "and returns soon after the command's 2 s limit (within 60 s)" test $((SECONDS - t0)) -lt 60
like "$out" "event command .*hook.sh" "the time-out is reported" || diag "$out"
hang_pid=$(cat "$FX_DIR/hang.pid" 2>/dev/null)
ok "the hanging command was killed (process ${hang_pid:-?})" \
	fx_poll 10 sh -c "[ -n '$hang_pid' ] && ! kill -0 '$hang_pid' 2>/dev/null"
rm -f "$mode"
sed -i '/^event_timeout = /d' "$conf"

# a dry run runs nothing; a switchover is told as one
: >"$calls"
run switchover pg1 --dry-run
is "$rc" 0 "switchover pg1 --dry-run exits 0" || diag "$out"
is "$(wc -l <"$calls")" 0 "a dry run runs no event command"
run switchover pg1 --yes
is "$rc" 0 "switchover pg1 --yes exits 0" || diag "$out"
is "$(grep -c . "$calls")" 1 "one call for the switchover" || diag "$(cat "$calls")"
is "$(sed -n 1p "$calls" | cut -d'|' -f3-7)" "switchover|pg1|pg2|pg1|ok" \
	"switchover pg1: old primary pg2, new primary pg1, ok"

done_testing
