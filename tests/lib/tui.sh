# tui.sh - drive pgreplica's terminal screens through tmux  -*- sh -*-
#
# Sourced after tap.sh (and fixture.sh when servers are needed).  Every
# session lives on a tmux server of its own (socket named after this run),
# killed at exit, so tests never see the operator's tmux nor each other's.
#
#   tui_start NAME COLS ROWS CMD...   run CMD in a new session of that size
#                                     (one left of that name is killed first)
#                                     (environment: the caller's; TERM set
#                                     to screen-256color inside tmux)
#   tui_keys NAME KEY...              tmux send-keys (names: Enter, Escape,
#                                     Tab, BTab, Up, Down, F1, F10, C-c ...)
#   tui_type NAME TEXT                send TEXT literally (send-keys -l)
#   tui_screen NAME                   print the screen as text
#   tui_wait NAME REGEX [TIMEOUT_S]   wait until the screen matches REGEX
#                                     (grep -E); on time-out, print the
#                                     screen as diag and fail
#   tui_wait_gone NAME REGEX [TIMEOUT_S]   the reverse
#   tui_resize NAME COLS ROWS         resize the window (KEY_RESIZE inside)
#   tui_alive NAME                    the session's program still runs
#   tui_exit_status NAME [TIMEOUT_S]  its exit status once it has ended
#                                     (waits for it; 128+N for signal N;
#                                     empty on time-out)
#   tui_wait_dead NAME [TIMEOUT_S]    wait until the program has ended
#   tui_kill NAME                     kill the session (SIGHUP to the program)
#
# Waits poll every 20 ms: a test never sleeps a fixed time.

: "${TUI_TIMEOUT:=30}"
TUI_SOCKET="pgrtui-$$"
TUI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgrtui.XXXXXX") || exit 99

tui_tmux()
{
	tmux -L "$TUI_SOCKET" -f /dev/null "$@"
}

_tui_cleanup()
{
	tui_tmux kill-server >/dev/null 2>&1 || :
	rm -rf "$TUI_DIR"
}

# Run after fixture.sh's teardown hooks when fixture.sh is in use, else on
# our own EXIT trap (fixture.sh owns the EXIT trap once fx_setup ran).
if command -v fx_on_teardown >/dev/null 2>&1; then
	fx_on_teardown _tui_cleanup
else
	trap _tui_cleanup EXIT
fi

tui_start()
{
	local name=$1 cols=$2 rows=$3
	shift 3
	local cmd='' a sf=$TUI_DIR/$name.status
	# tmux runs the command through sh -c: quote each word.
	for a in "$@"; do
		cmd="$cmd $(printf '%q' "$a")"
	done
	rm -f "$sf"
	# The server stays up with no session: killing the last session would
	# otherwise shut it down while new-session below connects to it (a
	# blank screen and a lost session, seen under load).
	tui_tmux start-server \; set-option -g exit-empty off >/dev/null 2>&1
	# a session of that name left from before (its pane dead) goes first
	tui_tmux kill-session -t "$name" >/dev/null 2>&1
	# A shell waits for the program and writes its exit status (128+N for
	# signal N) to a file: tmux's own #{pane_dead_status} is sometimes never
	# set (seen with tmux 3.3a when the exit is slow, e.g. ASan's leak check).
	# remain-on-exit keeps the pane (and its last screen) after it ends.
	tui_tmux new-session -d -s "$name" -x "$cols" -y "$rows" \
		"exec env TERM=screen-256color sh -c '\"\$@\"; echo \$? >$(printf '%q' "$sf.tmp") && mv $(printf '%q' "$sf.tmp") $(printf '%q' "$sf")' tui$cmd" &&
		tui_tmux set-option -t "$name" remain-on-exit on >/dev/null &&
		tui_tmux set-option -t "$name" window-size manual >/dev/null 2>&1
	# The program may already be gone (remain-on-exit set too late to keep
	# it): the caller's waits will say so.
	return 0
}

tui_keys()
{
	local name=$1
	shift
	tui_tmux send-keys -t "$name" "$@"
}

tui_type()
{
	tui_tmux send-keys -t "$1" -l -- "$2"
}

tui_screen()
{
	tui_tmux capture-pane -p -t "$1" 2>/dev/null
}

_tui_now_ms()
{
	local s ns
	read -r s ns < <(date '+%s %N')
	printf '%s\n' $((s * 1000 + 10#$ns / 1000000))
}

# _tui_wait NAME want(0|1) REGEX TIMEOUT
_tui_wait()
{
	local name=$1 want=$2 re=$3 timeout=${4:-$TUI_TIMEOUT}
	local end=$(($(_tui_now_ms) + ${timeout%.*} * 1000)) screen
	while :; do
		screen=$(tui_screen "$name")
		if printf '%s\n' "$screen" | grep -Eq -- "$re"; then
			[ "$want" = 1 ] && return 0
		else
			[ "$want" = 0 ] && return 0
		fi
		if [ "$(_tui_now_ms)" -ge "$end" ]; then
			if [ "$want" = 1 ]; then
				diag "timed out after ${timeout}s waiting for /$re/ on the screen:"
			else
				diag "timed out after ${timeout}s waiting for /$re/ to leave the screen:"
			fi
			printf '%s\n' "$screen" | sed 's/^/    | /' | while IFS= read -r l; do diag "$l"; done
			return 1
		fi
		sleep 0.02
	done
}

tui_wait()      { _tui_wait "$1" 1 "$2" "${3:-}"; }
tui_wait_gone() { _tui_wait "$1" 0 "$2" "${3:-}"; }

tui_resize()
{
	tui_tmux resize-window -t "$1" -x "$2" -y "$3"
}

tui_alive()
{
	[ ! -e "$TUI_DIR/$1.status" ] &&
		[ "$(tui_tmux display-message -p -t "$1" '#{pane_dead}' 2>/dev/null)" = 0 ]
}

# The exit status, from the file the pane's shell writes once the program
# has ended (waiting for it).
tui_exit_status()
{
	local name=$1 timeout=${2:-$TUI_TIMEOUT} end
	end=$(($(_tui_now_ms) + ${timeout%.*} * 1000))
	while [ ! -e "$TUI_DIR/$name.status" ]; do
		[ "$(_tui_now_ms)" -ge "$end" ] && return 1
		sleep 0.02
	done
	cat "$TUI_DIR/$name.status"
}

# tui_wait_dead NAME [TIMEOUT_S]: wait until the program has ended
tui_wait_dead()
{
	local name=$1 timeout=${2:-$TUI_TIMEOUT} end
	end=$(($(_tui_now_ms) + ${timeout%.*} * 1000))
	while tui_alive "$name"; do
		if [ "$(_tui_now_ms)" -ge "$end" ]; then
			diag "timed out after ${timeout}s waiting for the program of \"$name\" to end"
			return 1
		fi
		sleep 0.02
	done
}

tui_kill()
{
	tui_tmux kill-session -t "$1" 2>/dev/null || :
}
