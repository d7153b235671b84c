#!/bin/bash
# layers.sh - the shape of the source tree, checked (doc/HACKING.md "Layers").
#
# Every source folder has a rank; a file may include headers of its own
# folder and of folders ranked below it, never above.  Curses is for ui/
# only, and there only through ui/toolkit/provide_curses.h.  No circle
# between modules (a module is NAME.c with NAME.h; "a includes b" when
# a.c or a.h includes b.h).
#
# Run by hand: top_srcdir=. bash tests/layers.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
cd "$top_srcdir" || bail_out "no source tree at $top_srcdir"

# The layers, lowest first.  A new folder gets a line here and a paragraph
# in doc/HACKING.md.
ranks='
src/base	0
src/host	1
src/formats	2
src/cluster	3
src/pg	4
src/setup	5
src/actions	6
ui/toolkit	7
ui/dashboard	8
ui/wizard	9
src/cli	10
'

tmp=$(mktemp -d) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' "$ranks" | awk 'NF == 2' >"$tmp/ranks"

files=$(find src ui -name '*.[ch]' | sort)
[ -n "$files" ] || bail_out "no sources under src/ and ui/"

# one line per include: FILE FOLDER MODULE HEADER
for f in $files; do
	sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
		while read -r h; do
			m=$(basename "$f"); m=${m%.*}
			printf '%s %s %s %s\n' "$f" "$(dirname "$f")" "$m" "$h"
		done
done >"$tmp/includes"
# where each header lives
for f in $files; do
	case $f in *.h) printf '%s %s\n' "$(basename "$f")" "$(dirname "$f")" ;; esac
done >"$tmp/headers"

# 1. every folder ranked, every header unique
unranked=$(for f in $files; do dirname "$f"; done | sort -u |
	awk 'NR == FNR { r[$1] = 1; next } !($1 in r)' "$tmp/ranks" -)
is "$unranked" "" "every source folder has a layer"
dups=$(awk '{ n[$1]++ } END { for (h in n) if (n[h] > 1) print h }' "$tmp/headers")
is "$dups" "" "every header name is unique (the include path is flat)"

# 2. includes point down or sideways within a folder
up=$(awk 'FILENAME == ARGV[1] { r[$1] = $2; next }
	FILENAME == ARGV[2] { where[$1] = $2; next }
	{
		if (!($4 in where)) next          # config.h, system headers in quotes
		to = where[$4]
		if (to != $2 && r[to] > r[$2])
			printf "%s includes %s (%s is above %s)\n", $1, $4, to, $2
	}' "$tmp/ranks" "$tmp/headers" "$tmp/includes")
is "$up" "" "no include from a lower layer to a higher one"

# 3. curses only in ui/, and there only through provide_curses.h
curses=$(grep -lE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](n?curses|ncursesw/|panel|menu)' $files |
	grep -v '^ui/toolkit/provide_curses\.h$')
is "$curses" "" "curses is included by ui/toolkit/provide_curses.h only"
outside=$(grep -l 'provide_curses\.h' $files | grep -v '^ui/')
is "$outside" "" "no curses outside ui/"

# 4. no circle between modules
cycles=$(awk 'FILENAME == ARGV[1] { sub(/\.h$/, "", $1); known[$1] = 1; next }
	{
		h = $4; sub(/\.h$/, "", h)
		if ((h in known) && h != $3 && !((($3) SUBSEP h) in e)) {
			e[$3, h] = 1; adj[$3] = adj[$3] " " h
		}
		mods[$3] = 1
	}
	function dfs(m,    n, k, a, i) {
		state[m] = 1; stack[++depth] = m
		n = split(adj[m], a, " ")
		for (i = 1; i <= n; i++) {
			k = a[i]
			if (state[k] == 1) {
				for (j = depth; j >= 1 && stack[j] != k; j--)
					;
				line = stack[j]
				for (j++; j <= depth; j++) line = line " -> " stack[j]
				print line " -> " k
			} else if (state[k] == 0)
				dfs(k)
		}
		depth--; state[m] = 2
	}
	END { for (m in mods) if (!state[m]) dfs(m) }' "$tmp/headers" "$tmp/includes")
is "$cycles" "" "no circle between modules"

done_testing
