# tap.sh - TAP helpers for bash test scripts  -*- sh -*-
#
# Sourced by every test script; output is read by automake's tap-driver.
# Modelled on Perl's Test::More, the way PostgreSQL's TAP tests use it:
#
#   plan N                      announce N tests (or call done_testing at the end)
#   ok DESC CMD [ARG...]        run CMD in this shell; pass if it exits 0
#   nok DESC CMD [ARG...]       pass if CMD exits non-zero
#   ok_exit N DESC CMD [ARG...] pass if CMD exits with status N
#   pass DESC / fail DESC       record a result decided by the caller
#   is GOT EXPECTED DESC        string equality      isnt GOT UNEXPECTED DESC
#   like GOT ERE DESC           bash =~ match        unlike GOT ERE DESC
#   diag MSG...                 "# MSG" on stderr (kept in the test's .log)
#   note MSG...                 "# MSG" on stdout
#   skip N REASON               N skipped tests
#   skip_all REASON             "1..0 # SKIP REASON", exit 0 (before any test)
#   bail_out REASON             "Bail out! REASON", exit 255
#   done_testing                print the plan if none was given, exit non-zero
#                               if a test failed or the count is off the plan
#
# A command run by ok/nok/ok_exit has its standard output sent to standard
# error so that nothing it prints can be mistaken for a TAP line; it runs in
# the current shell, so functions that set variables (fx_host ...) work.
# Every helper returns 0 on pass and 1 on fail, so "ok ... || bail_out ..."
# works.  Use tap_failed to ask whether anything failed so far (the fixture's
# teardown does).
#
# Each line of a multi-line DESC is joined with spaces; '#' in a DESC is
# escaped as TAP requires.

_tap_n=0          # tests run so far
_tap_failed=0     # how many failed
_tap_plan=''      # planned count, empty when none announced yet

plan()
{
	if [ -n "$_tap_plan" ]; then
		bail_out "plan given twice"
	fi
	_tap_plan=$1
	printf '1..%s\n' "$1"
}

# diag MSG...: each line of MSG on stderr, prefixed by "# ".
# Each argument starts a new line.
diag()
{
	local arg line
	for arg in "$@"; do
		while IFS= read -r line; do
			printf '# %s\n' "$line" >&2
		done <<<"$arg"
	done
}

# note MSG...: the same on standard output (TAP comment).
note()
{
	local arg line
	for arg in "$@"; do
		while IFS= read -r line; do
			printf '# %s\n' "$line"
		done <<<"$arg"
	done
}

_tap_desc()
{
	local d=${1//$'\n'/ }
	d=${d//\\/\\\\}
	printf '%s' "${d//#/\\#}"
}

# _tap_result PASSED(0|1) DESC: print one result line.
_tap_result()
{
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		printf 'ok %d - %s\n' "$_tap_n" "$(_tap_desc "$2")"
		return 0
	fi
	_tap_failed=$((_tap_failed + 1))
	printf 'not ok %d - %s\n' "$_tap_n" "$(_tap_desc "$2")"
	diag "  Failed test '$2'"
	diag "  at ${BASH_SOURCE[2]:-?} line ${BASH_LINENO[1]:-?}."
	return 1
}

pass()
{
	_tap_result 0 "$1"
}

fail()
{
	_tap_result 1 "$1"
}

ok()
{
	local desc=$1 rc=0
	shift
	if [ $# -eq 0 ]; then
		_tap_result 1 "$desc"
		diag "  ok: no command given"
		return 1
	fi
	"$@" >&2 || rc=$?
	if [ "$rc" = 0 ]; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc"
		diag "  command: $*" "  exit status: $rc"
		return 1
	fi
}

nok()
{
	local desc=$1 rc=0
	shift
	"$@" >&2 || rc=$?
	if [ "$rc" != 0 ]; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc"
		diag "  command: $*" "  succeeded but was expected to fail"
		return 1
	fi
}

ok_exit()
{
	local want=$1 desc=$2 rc=0
	shift 2
	"$@" >&2 || rc=$?
	if [ "$rc" = "$want" ]; then
		_tap_result 0 "$desc"
	else
		_tap_result 1 "$desc"
		diag "  command: $*" "  exit status: $rc" "     expected: $want"
		return 1
	fi
}

is()
{
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "         got: '$1'" "    expected: '$2'"
		return 1
	fi
}

isnt()
{
	if [ "$1" != "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "         got: '$1'" "    expected: anything else"
		return 1
	fi
}

like()
{
	if [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "                  '$1'" "    doesn't match '$2'"
		return 1
	fi
}

unlike()
{
	if ! [[ $1 =~ $2 ]]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "                  '$1'" "          matches '$2'"
		return 1
	fi
}

# skip N REASON: N tests skipped (the caller does not run them).
skip()
{
	local i
	for ((i = 0; i < $1; i++)); do
		_tap_n=$((_tap_n + 1))
		printf 'ok %d # SKIP %s\n' "$_tap_n" "$(_tap_desc "$2")"
	done
}

skip_all()
{
	printf '1..0 # SKIP %s\n' "$(_tap_desc "$1")"
	_tap_plan=0
	exit 0
}

bail_out()
{
	printf 'Bail out! %s\n' "$(_tap_desc "$1")"
	_tap_failed=$((_tap_failed + 1))
	exit 255
}

# tap_failed: true (0) when a test failed or the count is off the plan.
tap_failed()
{
	[ "$_tap_failed" -gt 0 ] && return 0
	[ -n "$_tap_plan" ] && [ "$_tap_plan" != "$_tap_n" ] && return 0
	return 1
}

# tap_state / tap_set_state STATE: carry counters out of a subshell
#   ( ...tests...; tap_state >"$f" ); tap_set_state "$(cat "$f")"
tap_state()
{
	printf '%s %s\n' "$_tap_n" "$_tap_failed"
}

tap_set_state()
{
	set -- $1
	_tap_n=${1:-$_tap_n}
	_tap_failed=${2:-$_tap_failed}
}

done_testing()
{
	if [ -z "$_tap_plan" ]; then
		_tap_plan=$_tap_n
		printf '1..%d\n' "$_tap_n"
	elif [ "$_tap_plan" != "$_tap_n" ]; then
		diag "Looks like you planned $_tap_plan tests but ran $_tap_n."
	fi
	if [ "$_tap_failed" -gt 0 ]; then
		diag "Looks like you failed $_tap_failed test(s) of $_tap_n."
	fi
	if tap_failed; then
		exit 1
	fi
	exit 0
}
