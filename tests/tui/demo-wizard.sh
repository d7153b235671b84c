#!/bin/bash
# demo-wizard.sh - "pgreplica demo" as root, in a terminal, by keys alone.
#
# The demo makes its sandbox (a primary and an empty standby on 127.0.0.1,
# run as postgres) and opens the wizard pre-filled with it: every page is
# passed with F10, the plan applied, the set-up completes and hands over to
# the dashboard.  The pair streams (pgreplica status exits 0), and
# "demo --reset" then leaves nothing: no server process, no directory, no
# listening port.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

. "$top_srcdir/tests/lib/demo.sh"
demo_require

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
demo_home
export LC_ALL=C.UTF-8 LANGUAGE=

tui_start W 100 30 "$PGREPLICA" demo
ok "the wizard opens on the demo" tui_wait W "Welcome" 120
ok "the demo's cluster file is opened" tui_wait W "< Open a cluster file >"
ok "its path" tui_wait W "pgreplica/demo/cluster.conf"
tui_keys W F10
ok "primary page" tui_wait W "Primary server"
ok "pre-filled: 127.0.0.1" tui_wait W "Address +127\.0\.0\.1"
ok "pre-filled: the demo's data directory" tui_wait W "Data directory +$ROOT_SERVERS/pg1/data"
tui_keys W F10
ok "standbys page" tui_wait W "Standby servers"
ok "pre-filled: the demo's standby" tui_wait W "Data directory +$ROOT_SERVERS/pg2/data"
tui_keys W F10
ok "replication page" tui_wait W "Replication choices"
tui_keys W F10
ok "plan review" tui_wait W 'Plan for cluster "[^"]+": [0-9]+ steps' 120
tui_keys W F10
tui_wait W "Apply this plan now\?" && tui_keys W Left Enter
ok "applying" tui_wait W "Applying the plan|Set-up complete"
ok "the set-up completes" tui_wait W "Set-up complete" 300
ok "every step done" tui_wait W "Done: [0-9]+ steps applied"
tui_keys W F10
# TEMP: the dashboard stub's screen; the real dashboard's once merged
ok "the dashboard follows" tui_wait W "Pause .*Promote .*Quit"
ok "showing pg2 streaming" tui_wait W "pg2 +standby +streaming" 30

st() { PGPASSFILE=$demo/pgpass "$PGREPLICA" -c "$conf" status >"$FX_DIR/status.out" 2>&1; }
ok "pgreplica status on the demo: exit 0" fx_poll 30 st || diag "$(cat "$FX_DIR/status.out")"
like "$(cat "$FX_DIR/status.out")" "streaming" "status shows the standby streaming"
ports=$(sed -n 's/^port *= *//p' "$conf" | sort -u | tr '\n' ' ')
is "$(echo $ports | wc -w)" 2 "the demo's two ports: $ports"

tui_keys W q
ok "pgreplica ends" tui_wait_dead W
is "$(tui_exit_status W)" 0 "exit status 0"

"$PGREPLICA" demo --reset >"$FX_DIR/reset.out" 2>&1
is "$?" 0 "demo --reset: exit 0"
like "$(cat "$FX_DIR/reset.out")" "stopped and removed" "demo --reset says so"
nok "no demo server left" pgrep -f -- "-D $ROOT_SERVERS"
nok "no servers' directory left" test -e "$ROOT_SERVERS"
nok "no sandbox directory left" test -e "$demo"
for p in $ports; do
	is "$(ss -Hltn "sport = :$p" 2>/dev/null)" "" "port $p no longer listened on"
done

done_testing
