#!/bin/bash
# signals.sh - a console ended by a signal leaves a usable terminal.
#
# The set-up wizard (no server needed: the cluster file does not exist yet)
# runs in a tmux pane; a shell around it records the terminal's settings
# once it has ended.  SIGHUP (the terminal window closed), SIGTERM and
# SIGINT (kill) each end it, and the terminal is back in line mode with
# echo (stty shows icanon and echo) and on the normal screen.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
. "$top_srcdir/tests/lib/tui.sh"

export XDG_STATE_HOME=$TUI_DIR/state XDG_CONFIG_HOME=$TUI_DIR/config
for sig in HUP TERM INT; do
	pidf=$TUI_DIR/$sig.pid
	sttyf=$TUI_DIR/$sig.stty
	# the program's pid to a file, the terminal's settings once it ends
	tui_start "$sig" 100 30 bash -c \
		'echo $$ >"$1"; "$3" -c "$4" setup; rc=$?; stty -a >"$2"; exit $rc' \
		sh "$pidf" "$sttyf" "$PGREPLICA" "$TUI_DIR/none.conf"
	tui_wait "$sig" "Welcome" || continue
	pid=$(pgrep -P "$(cat "$pidf")" -x pgreplica)
	ok "SIG$sig: the wizard runs (pid ${pid:-none})" test -n "$pid"
	kill -"$sig" "$pid"
	rc=$(tui_exit_status "$sig")
	isnt "$rc" 0 "SIG$sig: the wizard ended (status $rc)"
	ok "SIG$sig: the terminal is back in line mode with echo" \
		grep -qE '(^| )icanon( |$).*(^| )echo( |$)|(^| )echo( |$).*(^| )icanon( |$)' "$sttyf"
	unlike "$(tr '\n' ' ' <"$sttyf")" '(^| )-(icanon|echo) ' "SIG$sig: ... neither -icanon nor -echo" || diag "$(cat "$sttyf")"
	unlike "$(tui_screen "$sig")" "This wizard sets up" "SIG$sig: the wizard's screen is gone (normal screen back)"
done

done_testing
