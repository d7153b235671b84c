#!/bin/bash
# The man pages: pgreplica(1) and pgreplica.conf(5), English and French.
#  - groff -ww and man --warnings find nothing to say about any of them;
#  - every option of "pgreplica --help" and of each command's --help is in
#    pgreplica(1), and each command has its own section there;
#  - every key of the cluster file (src/cluster/cluster.c's key tables) is in
#    pgreplica.conf(5);
#  - man/po/fr.po translates every paragraph of the English pages (no
#    untranslated, no fuzzy entry, and po4a can make each French page).
. "${top_srcdir:?}/tests/lib/tap.sh"

srcdir=$top_srcdir
builddir=${top_builddir:?}
pgr=${PGREPLICA:?}
tmp=$(mktemp -d) || bail_out "mktemp"
trap 'rm -rf "$tmp"' EXIT

command -v groff >/dev/null || skip_all "groff is not installed (Debian package groff)"
command -v man >/dev/null || skip_all "man is not installed (Debian package man-db)"

# The built French pages: in the build tree, else (a tarball) in the source.
fr_page()
{
	if [ -f "$builddir/man/fr/$1" ]; then echo "$builddir/man/fr/$1"
	else echo "$srcdir/man/fr/$1"; fi
}
pages=("$srcdir/man/pgreplica.1" "$srcdir/man/pgreplica.conf.5"
	"$(fr_page pgreplica.1)" "$(fr_page pgreplica.conf.5)")

# 1-8. groff's and man's warnings, for each page.
for p in "${pages[@]}"; do
	name=${p#"$srcdir/"}; name=${name#"$builddir/"}
	out=$(groff -k -ww -man -z "$p" 2>&1)
	is "$out" "" "groff -ww is silent on $name"
	out=$(MANWIDTH=80 man --warnings -E UTF-8 -l "$p" 2>&1 >/dev/null)
	is "$out" "" "man --warnings is silent on $name"
done

# The page's text, as a reader finds it: roff escapes of '-' removed, fonts
# dropped.
page_text()
{
	sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' "$1"
}
page_text "$srcdir/man/pgreplica.1" > "$tmp/page1"
sed 's/\\-/-/g' "$srcdir/man/pgreplica.1" > "$tmp/page1-src"
page_text "$srcdir/man/pgreplica.conf.5" > "$tmp/page5"

# Options of a --help text: "-x" and "--long" at the start of its lines.
help_options()
{
	sed -n 's/^ \{1,\}\(-[A-Za-z0-9]\)\{0,1\}[, ]*\(--[a-z][a-z-]*\).*/\1 \2/p;
		s/^ \{1,\}\(-[A-Za-z0-9]\),.*/\1/p' | tr ' ' '\n' | sed '/^$/d' | sort -u
}

# 9. The commands of pgreplica --help.
LANGUAGE= LC_ALL=C "$pgr" --help > "$tmp/help" 2>&1
awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' \
	"$tmp/help" > "$tmp/commands"
ok "pgreplica --help lists commands ($(tr '\n' ' ' < "$tmp/commands"))" \
	test "$(wc -l < "$tmp/commands")" -ge 10

# 10. Every global option is in pgreplica(1).
help_options < "$tmp/help" > "$tmp/opts"
missing=
while read -r o; do
	grep -q -e "$o\b" "$tmp/page1" || missing="$missing $o"
done < "$tmp/opts"
is "${missing# }" "" "pgreplica(1) has every option of pgreplica --help ($(wc -l < "$tmp/opts") options)"

# 11... Each command: a section of its own, and every one of its options.
while read -r c; do
	LANGUAGE= LC_ALL=C "$pgr" "$c" --help > "$tmp/help-$c" 2>&1
	# (in the source a hyphen may be written \- , as groff wants it)
	if ! ok "pgreplica(1) has a section for the command $c" \
		grep -q "^\.SS \"$c\b" "$tmp/page1-src"; then
		continue
	fi
	help_options < "$tmp/help-$c" > "$tmp/opts-$c"
	missing=
	while read -r o; do
		grep -q -e "$o\b" "$tmp/page1" || missing="$missing $o"
	done < "$tmp/opts-$c"
	is "${missing# }" "" "pgreplica(1) has every option of pgreplica $c --help ($(tr '\n' ' ' < "$tmp/opts-$c"))"
done < "$tmp/commands"

# Every key of the cluster file: the string tables of src/cluster/cluster.c.
keys=$(sed -n '/^static const char \*const \(cluster\|node\)_keys/,/};/p' \
	"$srcdir/src/cluster/cluster.c" | grep -o '"[a-z_]*"' | tr -d '"')
ok "src/cluster/cluster.c's key tables were found ($(echo $keys | wc -w) keys)" \
	test "$(echo $keys | wc -w)" -ge 20
missing=
# (each key is the label of a paragraph: the line after a .TP)
grep -A1 '^\.TP' "$tmp/page5" | grep '^\.B' > "$tmp/labels5"
for k in $keys; do
	grep -qw -- "$k" "$tmp/labels5" || missing="$missing $k"
done
is "${missing# }" "" "pgreplica.conf(5) describes every key of the cluster file"

# The French pages are made from complete translations.
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null "$srcdir/man/po/fr.po" 2>&1)
unlike "$stats" "untranslated|fuzzy" "man/po/fr.po: no untranslated or fuzzy entry ($stats)"
if command -v po4a-translate >/dev/null; then
	for p in pgreplica.1 pgreplica.conf.5; do
		# -k 100: no output when a paragraph of the English page has no
		# translation (the English page was changed, fr.po not updated).
		po4a-translate -f man -M UTF-8 -L UTF-8 -k 100 -p "$srcdir/man/po/fr.po" \
			-m "$srcdir/man/$p" -l "$tmp/fr-$p" > "$tmp/po4a.log" 2>&1
		ok "man/po/fr.po translates every paragraph of man/$p" test -s "$tmp/fr-$p" ||
			diag "$(cat "$tmp/po4a.log")"
	done
else
	note "po4a-translate is not installed: freshness of man/po/fr.po not checked"
fi
like "$(LC_ALL=C MANWIDTH=80 man -l "$(fr_page pgreplica.1)" 2>/dev/null)" \
	"CODE DE RETOUR" "the French pgreplica(1) is in French"

done_testing
