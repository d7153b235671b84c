#!/bin/bash
# wizard-resume.sh - the terminal lost during the base backup, then resumed.
#
# The wizard applies its plan with pg1's link slowed down and a ballast
# table in pg1, so that the standby's base backup lasts; once its gauge is
# on the screen, the tmux session is killed (the terminal lost: SIGHUP).
# pgreplica started again with no command, on the same cluster file: the
# console sees the interrupted apply in the journal and offers to resume at
# the step that was running; accepted, the set-up completes and pg2 streams.

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
fx_netns_ok || skip_all "needs network namespaces (a slow link for the base backup)"
. "$top_srcdir/tests/lib/tui.sh"
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 || bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 || bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 || bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"
# about 40 MB to copy (rows of 320 bytes: under the size TOAST compresses)
ok "a ballast table in pg1" fx_psql pg1 \
	"CREATE TABLE ballast AS SELECT g, repeat(md5(g::text), 10) AS t FROM generate_series(1, 110000) g"
ok "pg1's link slowed down" fx_slow_link pg1 4mbit

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
export LC_ALL=C.UTF-8 LANGUAGE=

fill() { tui_keys W End C-u; [ -z "$1" ] || tui_type W "$1"; }

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
tui_keys W Tab; fill "$FX_ADDR_pg2"
tui_keys W Tab; fill "$FX_PORT_pg2"
tui_keys W Tab; fill pg2
tui_keys W Tab; fill "$(fx_pgdata pg2)"
tui_keys W Tab; fill "$(fx_bindir pg2)"
tui_keys W F10
ok "replication page" tui_wait W "Replication choices"
tui_keys W F10
ok "plan review" tui_wait W 'Plan for cluster "main"' 60
tui_keys W F10
tui_wait W "Apply this plan now\?" && tui_keys W Left Enter
ok "applying" tui_wait W "Applying the plan"
ok "the base backup's gauge is shown" tui_wait W "base backup: [0-9.]+ [kMG]?B of [0-9.]+ [kMG]?B" 120
ok "with its rate and time left" tui_wait W "B/s, [0-9]+ s left" 30
screen=$(tui_screen W)
like "$screen" "build the standby pg2: running" "the standby's step is running"
tui_kill W
ok "the terminal is gone" sh -c "! tmux -L '$TUI_SOCKET' has-session -t W 2>/dev/null"
nok "pg2 is not streaming (the copy was cut short)" \
	sh -c "[ \"\$(fx_psql pg1 \"SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'\" 2>/dev/null)\" = 1 ]"
ok "pg1's link back to full speed" fx_fast_link pg1

# pgreplica again, with no command: the console; and no password file this
# time (as when the password was typed in the wizard): it is asked for
superpw=$(sed -n 's/^[^:]*:[^:]*:[^:]*:postgres://p' "$FX_PGPASSFILE")
(umask 077; : >"$FX_DIR/empty.pgpass")
tui_start W 100 30 env PGPASSFILE="$FX_DIR/empty.pgpass" "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG"
ok "resume offered" tui_wait W "Resume the set-up" 60
ok "naming the step that was running" tui_wait W 'stopped during step "build the'
ok "by its title" tui_wait W '^[^a-z]*standby pg2"\.'
ok "asking" tui_wait W "Resume it now\?"
tui_keys W Left Enter
ok "the superuser's password is asked for" tui_wait W 'The password of user "postgres" on node "pg1"' 30
ok "saying why" tui_wait W "could not authenticate"
tui_type W "$superpw"; tui_keys W Enter
ok "applying again" tui_wait W "Applying the plan|Set-up complete"
ok "the set-up completes" tui_wait W "Set-up complete" 300
ok "pg1 sees pg2 streaming" fx_wait_streaming pg1 pg2
is "$(fx_psql pg2 'SELECT count(*) FROM ballast')" 110000 "pg2 has pg1's data"
tui_keys W F10
ok "the dashboard follows" tui_wait W "Pause .*Promote .*Quit"
tui_keys W q
ok "pgreplica ends" tui_wait_dead W
is "$(tui_exit_status W)" 0 "exit status 0"

# started once more: nothing to resume, straight to the dashboard
tui_start W 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG"
ok "then the console opens the dashboard" tui_wait W "Pause .*Promote .*Quit" 60
nok "no resume offered" sh -c "tmux -L '$TUI_SOCKET' capture-pane -p -t W | grep -q 'Resume the set-up'"
tui_keys W q
tui_wait_dead W

done_testing
