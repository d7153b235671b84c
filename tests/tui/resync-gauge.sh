#!/bin/bash
# resync-gauge.sh - the dashboard's gauge of a re-sync: R on a former
# primary, pg_rewind's --progress on the status line (bytes, rate, time
# left), on real servers driven through tmux (issue 18).
#
# pg1 primary and pg2 standby built by "pgreplica apply --yes", each on
# its own host, reached over SSH.  pg1 stops, pg2 is promoted and writes
# about 20 MB (copied back by pg_rewind), pg1 runs alone, diverges, stops.
# pg2's link is slowed (tc tbf, 8 Mbit/s) so that pg_rewind's copy lasts
# long enough to be seen (then restored: pg1 must catch up on pg2's WAL
# once started).  R on pg1 in the dashboard: the status line shows
# "re-sync of pg1: X of Y, R/s, N s left", then the action ends, the gauge
# goes and pg1 streams from pg2.  English only (the French string is
# checked by po-check; the screen's width by its length).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/tui/resync-gauge.sh

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
fx_netns_ok || skip_all "needs network namespaces (a slowed link keeps the gauge on screen)"
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
fx_cluster_file "$conf" pg1 pg2


run apply --yes
is "$rc" 0 "apply --yes builds pg2" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2

ok "pg1 stopped" fx_pg_stop pg1 fast
run promote pg2 --yes
is "$rc" 0 "promote pg2 --yes exits 0" || diag "$out"
# pg2 keeps its WAL since the fork: pg1 replays it once rewound (pg2 has
# no slot for it until then)
ok "pg2 keeps 1 GB of WAL" fx_psql pg2 "ALTER SYSTEM SET wal_keep_size = '1GB'"
ok "pg2 reloaded" fx_pg_reload pg2
ok "about 20 MB written on pg2 after the fork" fx_psql pg2 \
	"CREATE TABLE filler AS SELECT g, repeat(md5(g::text), 6) AS t FROM generate_series(1, 66000) g"
ok "pg1 started alone (it diverges)" fx_pg_start pg1
ok "a row only pg1 has" fx_psql pg1 "CREATE TABLE lost AS SELECT 1 AS x"
ok "pg1 stopped again" fx_pg_stop pg1 fast
ok "pg2's link slowed to 8 Mbit/s" fx_slow_link pg2 8mbit
fx_on_teardown fx_fast_link pg2

tui_start dash 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard
ok "the dashboard shows pg2 the primary" tui_wait dash '^ pgreplica +cluster: fx +primary: pg2' 60
ok "pg1 selected" tui_wait dash 'WAL pipeline of pg1' 30
tui_keys dash R
ok "R asks" tui_wait dash 'Re-synchronise pg1 from the primary' 30
tui_keys dash y
ok "the gauge: bytes, rate, time left" \
	tui_wait dash 're-sync of pg1: [0-9.]+ [kMG]?B of [0-9.]+ [kMG]?B, [0-9.]+ [kMG]?B/s, [0-9]+ s left' 120 ||
	diag "$(tui_screen dash)"
screen=$(tui_screen dash)
total=$(printf '%s\n' "$screen" | sed -n 's/.*re-sync of pg1: [0-9.]* [kMG]*B of \([0-9.]*\) \([kMG]*B\),.*/\1 \2/p' | head -n 1)
diag "the gauge's total: $total"
ok "its total is pg_rewind's copy, over 10 MB ($total)" \
	awk -v t="$total" 'BEGIN { split(t, a, " "); exit !((a[2] == "MB" && a[1] > 10) || a[2] == "GB") }'
# the link back to full speed: pg1 then catches up on pg2's WAL at once
ok "pg2's link back to full speed" fx_fast_link pg2
ok "the action is done" tui_wait dash 'action done' 300
ok "the gauge is gone" tui_wait_gone dash 're-sync of pg1:' 30
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1 120
ok "no data directory moved aside" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"
tui_keys dash q

done_testing
