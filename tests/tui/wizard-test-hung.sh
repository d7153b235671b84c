#!/bin/bash
# wizard-test-hung.sh - the primary page's F5 test of a host nobody
# answers for does not freeze the screen.
#
# The primary is a real host whose server is frozen (SIGSTOP): the TCP
# connection is accepted by the kernel, the server never answers, and
# libpq waits out its connect time-out (10 s).  While the page says
# "Testing...", the terminal is resized: the page is drawn again at the
# new size (its key bar on the new last line, "Testing..." above it),
# then the test ends by itself with the failure dialog naming the address.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || skip_all "no C.UTF-8 locale"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
. "$top_srcdir/tests/lib/tui.sh"
fx_host pg1
fx_pg_init pg1 && fx_pg_start pg1 || bail_out "no server"
ok "freeze pg1's server" fx_freeze pg1

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
export LC_ALL=C.UTF-8 LANGUAGE=
nobody=$FX_ADDR_pg1

fill() { tui_keys W End C-u; [ -z "$1" ] || tui_type W "$1"; }
# line N (1-based) of the screen matches REGEX
line_is() { tui_screen W | sed -n "${1}p" | grep -Eq -- "$2"; }
# redrawn at 90x40 while the test still runs (libpq waits 10 s)
redrawn() { line_is 40 "F10" && line_is 39 "Testing\.\.\."; }

tui_start W 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" setup
tui_wait W "Welcome" && tui_keys W F10
ok "primary page" tui_wait W "Primary server"
tui_keys W Tab; fill "$nobody"
tui_keys W Tab; fill "$FX_PORT_pg1"
tui_keys W F5
ok "the test is under way" tui_wait W "Testing\.\.\."

tui_resize W 90 40
ok "resized during the test: the key bar on the new last line, Testing... above it" \
	fx_poll 2 redrawn
ok "the page is drawn at the new size (the field shows the address)" \
	tui_wait W "$nobody"

ok "the test ends by itself: failure dialog" tui_wait W "Test failed" 20
ok "naming the address" tui_wait W "PostgreSQL at $nobody:.*not connected"
tui_keys W Enter
ok "back on the primary page" tui_wait_gone W "Test failed"
ok "still alive" tui_alive W
tui_kill W

done_testing
