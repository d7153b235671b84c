#!/bin/bash
# wizard-back.sh - going back from the plan review changes the plan.
#
# The wizard is driven to the plan review with pg2 at its address; the
# preview (pg1's pg_hba.conf line for pg2, pg2's primary_conninfo...) names
# it.  Esc back to the standbys page, pg2's address changed to a second
# address of the same host, on to the review again: the new preview names
# the new address and no longer the old one.  Nothing is applied.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || skip_all "no C.UTF-8 locale"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
fx_netns_ok || skip_all "needs network namespaces (a second address for pg2)"
. "$top_srcdir/tests/lib/tui.sh"
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 || bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 || bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 || bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"
# a second address for pg2's host, its server listening on both
old=$FX_ADDR_pg2
new=${FX_SUBNET%.0/24}.200
ok "a second address on pg2's host" fx_on_host pg2 ip addr add "$new/24" dev eth0
fx_psql pg2 "ALTER SYSTEM SET listen_addresses = '*'" >/dev/null
ok "pg2 listens on both" fx_pg_restart pg2

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
export LC_ALL=C.UTF-8 LANGUAGE=

fill() { tui_keys W End C-u; [ -z "$1" ] || tui_type W "$1"; }
# the whole preview: the window made tall enough to show all of it at once
keybar_last() { tui_screen W | tail -n 1 | grep -q "F10Apply"; }
preview()
{
	tui_resize W 100 400
	fx_poll 10 keybar_last || diag "the review was not redrawn at 100x400"
	tui_screen W
	tui_resize W 100 30
	fx_poll 10 keybar_last
}

tui_start W 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" setup
tui_wait W "Welcome" && tui_keys W F10
ok "primary page" tui_wait W "Primary server"
tui_keys W Tab; fill "$FX_ADDR_pg1"
tui_keys W Tab; fill "$FX_PORT_pg1"
tui_keys W Tab Tab Tab; fill pg1
tui_keys W Tab; fill "$(fx_pgdata pg1)"
tui_keys W Tab; fill "$(fx_bindir pg1)"
tui_keys W F10
ok "standbys page" tui_wait W "Standby servers"
tui_keys W Tab; fill "$old"
tui_keys W Tab; fill "$FX_PORT_pg2"
tui_keys W Tab; fill pg2
tui_keys W Tab; fill "$(fx_pgdata pg2)"
tui_keys W Tab; fill "$(fx_bindir pg2)"
tui_keys W F10
ok "replication page" tui_wait W "Replication choices"
tui_keys W F10
ok "plan review" tui_wait W 'Plan for cluster "main"' 60
before=$(preview)
like "$before" "$old" "the preview names pg2's address ($old)"
unlike "$before" "$new" "and not the other one"

tui_keys W Escape
ok "Esc: back to the replication page" tui_wait W "Replication choices"
tui_keys W Escape
ok "Esc: back to the standbys page" tui_wait W "Standby servers"
ok "pg2's address as typed" tui_wait W "Address +$old"
tui_keys W Tab; fill "$new"
tui_keys W F10
tui_wait W "Replication choices" && tui_keys W F10
ok "the plan is inspected again" tui_wait W 'Plan for cluster "main"' 60
after=$(preview)
like "$after" "$new" "the new preview names the new address ($new)"
unlike "$after" "$old" "and no longer the old one"
nok "nothing was applied: no cluster file" test -e "$conf"
tui_keys W F9
tui_wait W "Leave the set-up wizard" && tui_keys W Left Enter
ok "the wizard ends" tui_wait_dead W
is "$(tui_exit_status W)" 2 "exit status 2 (quit)"

done_testing
