#!/bin/bash
# run.sh - build pgreplica's fuzz targets (libFuzzer) with clang under
# AddressSanitizer and UndefinedBehaviorSanitizer, and run each for a while.
#
#   tests/fuzz/run.sh [TARGET...]        (default: every fuzz_*.c here)
#
# Environment:
#   FUZZ_SECONDS   run time of each target (default 60)
#   FUZZ_CC        the compiler (default clang; needs libclang-rt's fuzzer)
#   FUZZ_BUILD     build and work directory (default
#                  $top_builddir/tests/fuzz/build)
#   top_srcdir, top_builddir   as automake sets them (default: this tree;
#                  config.h must exist: run configure first)
#
# Each target starts from its seed corpus, tests/fuzz/corpus/TARGET (never
# written to: new inputs go to $FUZZ_BUILD/corpus/TARGET).  A crash, leak,
# undefined behaviour or time-out leaves its input in
# $FUZZ_BUILD/artifacts/ and makes the script exit 1.  Reproduce one with
#   $FUZZ_BUILD/fuzz_TARGET ARTIFACT
# The last line is a summary: executions and crashes per target.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
secs=${FUZZ_SECONDS:-60}
cc=${FUZZ_CC:-clang}
out=${FUZZ_BUILD:-$top_builddir/tests/fuzz/build}

[ -f "$top_builddir/config.h" ] || { echo "fuzz: no $top_builddir/config.h: run configure first" >&2; exit 2; }
command -v "$cc" >/dev/null || { echo "fuzz: no $cc" >&2; exit 2; }

san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
cflags="-g -O1 -I$top_builddir $(for d in "$top_srcdir"/src/*/; do printf -- "-I%s " "${d%/}"; done)$(pkg-config --cflags libpq libssh openssl) -DPKGDATADIR=\"/nonexistent\" -DLOCALEDIR=\"/nonexistent\""
libs="$(pkg-config --libs libpq libssh openssl) -lpthread"

mkdir -p "$out/obj" "$out/artifacts" || exit 2
# The engine, without the command line: rebuilt when any source changed.
stamp=$out/obj/.stamp
if [ ! -f "$stamp" ] || [ -n "$(find "$top_srcdir/src" "$top_builddir/config.h" -newer "$stamp" \( -name '*.[ch]' \) -print -quit)" ]; then
	echo "fuzz: building the engine with $cc ($san)"
	rm -f "$out"/obj/*.o
	for f in "$top_srcdir"/src/*/*.c; do
		b=$(basename "$f" .c)
		case $f in */src/cli/*) continue ;; esac
		# shellcheck disable=SC2086
		$cc $cflags $san -fsanitize=fuzzer-no-link -c "$f" -o "$out/obj/$b.o" || exit 2
	done
	touch "$stamp"
fi

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$here"/fuzz_*.c; do
		t=$(basename "$f" .c)
		targets+=("${t#fuzz_}")
	done
fi

status=0
summary=""
for t in "${targets[@]}"; do
	src=$here/fuzz_$t.c
	[ -f "$src" ] || { echo "fuzz: no target $t" >&2; exit 2; }
	# shellcheck disable=SC2086
	$cc $cflags $san -fsanitize=fuzzer "$src" "$out"/obj/*.o $libs -o "$out/fuzz_$t" || exit 2
	mkdir -p "$out/corpus/$t"
	log=$out/fuzz_$t.log
	echo "fuzz: $t for ${secs}s"
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$out/fuzz_$t" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$out/artifacts/$t-" "$out/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	crashes=$(ls "$out/artifacts/$t-"* 2>/dev/null | wc -l)
	if [ $rc -ne 0 ]; then
		status=1
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -n 20
	fi
	summary="$summary $t: ${execs:-0} executions, $crashes crash(es);"
done
echo "fuzz:$summary"
exit $status
