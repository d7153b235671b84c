#!/bin/bash
# random-keys.sh - 5,000 random keys, with resizes mixed in, on the set-up
# wizard (fixed seed: the same keys every run).  No servers: the tests and
# the plan fail to connect, which the wizard must show, not crash on.
# Meant for the AddressSanitizer build (.ci/run): any report ends up in
# ASAN_OPTIONS' log_path files, which must not exist.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v tmux >/dev/null || skip_all "no tmux"
: "${RANDOM_KEYS:=5000}"
: "${RANDOM_SEED:=20240607}"

tmp=$(mktemp -d) || exit 99
. "$top_srcdir/tests/lib/tui.sh"
trap '_tui_cleanup; rm -rf "$tmp"' EXIT
export XDG_STATE_HOME=$tmp/state XDG_CONFIG_HOME=$tmp/config HOME=$tmp
export ASAN_OPTIONS="log_path=$tmp/asan:detect_leaks=1:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="log_path=$tmp/ubsan:print_stacktrace=1:halt_on_error=1"
export LC_ALL=C.UTF-8
# an address nothing answers on, quickly (the tests of the pages)
export PGCONNECT_TIMEOUT=2

start() { tui_kill R; rm -f "$tmp/cluster.conf"; tui_start R 100 30 "$PGREPLICA" -c "$tmp/cluster.conf" setup; }
start
ok "the wizard starts" tui_wait R "Welcome"

# Random keys can quit the wizard (Esc, then Left and Enter: Yes): it is
# then started again.  An exit other than 0 or 2 is a crash.
keys=(Tab BTab Enter Escape F2 F3 F5 F8 F9 F10 Up Down Left Right PPage NPage
	Home End BSpace DC Space C-u C-k C-a C-e a Z 9 / . - é 中)
RANDOM=$RANDOM_SEED
sizes=("100 30" "80 24" "60 20" "120 40" "70 20" "40 10" "100 30")
sent=0 resizes=0 restarts=0 crashes=''
while [ $sent -lt "$RANDOM_KEYS" ]; do
	batch=()
	for _ in 1 2 3 4 5; do
		batch+=("${keys[RANDOM % ${#keys[@]}]}")
	done
	tui_keys R "${batch[@]}" 2>/dev/null
	sent=$((sent + 5))
	if [ $((RANDOM % 40)) = 0 ]; then
		tui_resize R ${sizes[RANDOM % ${#sizes[@]}]}
		resizes=$((resizes + 1))
	fi
	if ! tui_alive R; then
		# the status comes once tmux has reaped the program (after ASan's
		# leak check at exit): wait for it, never guess
		st=$(tui_exit_status R 60) || st=unknown
		case $st in
		0|2) ;;
		*) crashes="$crashes $st"; diag "exit status $st after $sent keys:"; diag "$(tui_screen R)" ;;
		esac
		restarts=$((restarts + 1))
		start
		tui_wait R "Welcome" 60 >/dev/null || { crashes="$crashes no-restart"; break; }
	fi
done
diag "sent $sent keys, $resizes resizes, $restarts restarts"
ok "all $RANDOM_KEYS keys sent" test "$sent" -ge "$RANDOM_KEYS"
is "$crashes" "" "no crash (every exit was 0 or 2)"
ok "still running" tui_alive R
# Quit the way an operator does, so that the exit (and ASan's leak check at
# exit) is checked too: a dialog closed with Esc, F9 on a page, then Yes.
# The last resize may have left the window under the minimum, where only
# a resize is answered: back to the full size first.
tui_resize R 100 30
tui_wait_gone R "terminal too small" 10 >/dev/null 2>&1
for _ in $(seq 1 20); do
	tui_alive R || break
	tui_keys R F9
	if tui_wait R "Leave the set-up wizard|Quit while this runs" 2 >/dev/null 2>&1; then
		tui_keys R Left Enter
		break
	fi
	tui_keys R Escape
	tui_wait R "Leave the set-up wizard" 2 >/dev/null 2>&1 && { tui_keys R Left Enter; break; }
done
ok "it quits when asked" tui_wait_dead R 60 || diag "$(tui_screen R)"
is "$(tui_exit_status R 60)" 2 "exit status 2 (quit)"
tui_kill R
reports=$(ls "$tmp"/asan* "$tmp"/ubsan* 2>/dev/null)
is "$reports" "" "no sanitizer report"
for f in $reports; do diag "$(head -40 "$f")"; done
done_testing
