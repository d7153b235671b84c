#!/bin/bash
# wizard-keys.sh - the standbys page's own keys, bound from the wizard's
# key table (ui/wizard/wiz_keys.c): F2 adds a standby, PgDn/PgUp go from one
# to the other, F8 asks before it removes one (n keeps it, y removes it) and
# refuses to remove the last; Esc goes back a page, F9 asks before quitting.
# No server is reached: the pages are left with F10 before any test.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || skip_all "no C.UTF-8 locale"
. "$top_srcdir/tests/lib/tui.sh"

dir=$(mktemp -d) || bail_out "mktemp"
trap 'rm -rf "$dir"; _tui_cleanup' EXIT
export XDG_STATE_HOME=$dir/state XDG_CONFIG_HOME=$dir/config
export LC_ALL=C.UTF-8 LANGUAGE=
unset SSH_AUTH_SOCK

tui_start W 100 30 "$PGREPLICA" -c "$dir/cluster.conf" setup
ok "welcome page" tui_wait W "Welcome"
tui_keys W F10
ok "primary page" tui_wait W "Primary server"
tui_keys W Escape
ok "Esc: back to the welcome page" tui_wait W "Welcome"
tui_keys W F10
tui_wait W "Primary server" >/dev/null
# fields that pass the page's checks (nothing is reached before a test)
fill() { tui_keys W End C-u; tui_type W "$1"; }
tui_keys W Tab; fill 127.0.0.1
tui_keys W Tab Tab Tab Tab Tab; fill /var/lib/postgresql/pg1
tui_keys W Tab; fill /usr/lib/postgresql/15/bin
tui_keys W F10
ok "standbys page" tui_wait W "Standby servers"
ok "one standby at first" tui_wait W "Standby 1 of 1: \[pg2\]"
ok "the bar names the page's keys" tui_wait W "F2Add F8Remove PgDnOther"

tui_keys W F2
ok "F2 adds pg3, shown" tui_wait W "Standby 2 of 2: pg2 \[pg3\]"
tui_keys W NPage
ok "PgDn: the next standby (round to the first)" tui_wait W "Standby 1 of 2: \[pg2\] pg3"
tui_keys W PPage
ok "PgUp: the previous one (round to the last)" tui_wait W "Standby 2 of 2: pg2 \[pg3\]"

tui_keys W F8
ok "F8 asks before removing" tui_wait W 'Remove the standby "pg3"'
tui_keys W n
ok "n closes the question" tui_wait_gone W 'Remove the standby "pg3"'
ok "and keeps pg3" tui_wait W "Standby 2 of 2: pg2 \[pg3\]"
tui_keys W F8
tui_wait W 'Remove the standby "pg3"' >/dev/null
tui_keys W y
ok "y removes it" tui_wait W "Standby 1 of 1: \[pg2\]"
tui_keys W F8
ok "F8 on the last standby says why not" tui_wait W "A cluster needs at least one standby"
tui_keys W Enter
ok "Enter closes the message" tui_wait_gone W "A cluster needs at least one standby"
ok "pg2 is still there" tui_wait W "Standby 1 of 1: \[pg2\]"

# a key of another page does nothing here: F3 is the apply page's log
tui_keys W F3
tui_keys W F9
ok "F9 asks before quitting" tui_wait W "Leave the set-up wizard"
tui_keys W Escape
ok "Esc in the question: still on the page" tui_wait_gone W "Leave the set-up wizard"
ok "F3 changed nothing" tui_wait W "Standby 1 of 1: \[pg2\]"
tui_keys W F9
tui_wait W "Leave the set-up wizard" >/dev/null
tui_keys W y
ok "the wizard ends" tui_wait_dead W 30
is "$(tui_exit_status W)" 2 "exit status 2 (quit)"
ok "nothing was written: no cluster file" test ! -e "$dir/cluster.conf"
done_testing
