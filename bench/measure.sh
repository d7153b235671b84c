# bench/measure.sh — sourced by the dashboard benches: the CPU time and
# peak RSS of a program run in a tmux session (tests/lib/tui.sh), read from
# /proc of the program's own process.  Needs $duration (seconds).
# shellcheck shell=bash

tck=$(getconf CLK_TCK)

# program_pid PANE_PID PATTERN: the process under the tmux pane whose
# command line matches PATTERN.  The pane's own process is the "sh -c" that
# tests/lib/tui.sh wraps each program in (it waits to record the exit
# status): measuring it reads a shell's 0 ms and 1.7 MB, not the program.
program_pid()
{
	local root=$1 pattern=$2 queue=("$1") p kids cmd
	while [ ${#queue[@]} -gt 0 ]; do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		if [ "$p" != "$root" ]; then
			cmd=$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)
			[[ $cmd =~ $pattern ]] && { printf '%s\n' "$p"; return 0; }
		fi
		kids=$(cat /proc/"$p"/task/*/children 2>/dev/null)
		# shellcheck disable=SC2206
		queue+=($kids)
	done
	return 1
}

# measure NAME PATTERN: run the session NAME for $duration s, print
# "cpu_ms rss_kb" of the program itself (the process matching PATTERN).
# A figure that cannot be right stops the bench: no CPU at all over a
# minute of 1 s refreshes, or the RSS of a shell, is a broken measurement.
measure()
{
	local name=$1 pattern=$2 pane pid stat cpu rss
	pane=$(tui_tmux display-message -p -t "$name" '#{pane_pid}')
	pid=$(program_pid "$pane" "$pattern") || {
		echo "$name: no process matching '$pattern' under the pane (pid $pane)" >&2
		return 1
	}
	sleep "$duration"	# the measurement window itself, not a wait for a condition
	read -r -a stat <"/proc/$pid/stat" || { echo "$name: process $pid is gone" >&2; return 1; }
	cpu=$(( (stat[13] + stat[14]) * 1000 / tck ))
	rss=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
	tui_keys "$name" q
	if [ "$cpu" -le 0 ] || [ "${rss:-0}" -lt 2048 ]; then
		echo "$name: $cpu ms of CPU and ${rss:-?} kB over $duration s of 1 s refreshes cannot be right (process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null))" >&2
		return 1
	fi
	printf '%s %s\n' "$cpu" "$rss"
}

