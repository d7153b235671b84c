#!/bin/sh
# Translations are part of every change: POTFILES.in lists every source file
# with _() strings, and po/fr.po translates every string of the sources,
# with no fuzzy entry and consistent format directives.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$srcdir" || exit 99
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "# $l"; done; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

echo "1..5"

# 1. Every file with a translatable string is listed.
grep -lE '\b_\(|\bN_\(' src/*.c ui/*.c 2>/dev/null | sort > "$tmp/with-strings"
grep -v '^#' po/POTFILES.in | sed '/^$/d' | sort > "$tmp/listed"
missing=$(comm -23 "$tmp/with-strings" "$tmp/listed")
if [ -z "$missing" ]; then ok "po/POTFILES.in lists every file with _() strings"
else not_ok "po/POTFILES.in lists every file with _() strings" "not listed: $(echo $missing)"; fi

# 2. Every listed file exists.
gone=""
while read -r f; do [ -f "$f" ] || gone="$gone $f"; done < "$tmp/listed"
if [ -z "$gone" ]; then ok "every file in po/POTFILES.in exists"
else not_ok "every file in po/POTFILES.in exists" "missing:$gone"; fi

# 3. fr.po compiles with format checks.
if msgfmt -c -o /dev/null po/fr.po 2> "$tmp/msgfmt"; then ok "po/fr.po compiles with msgfmt -c"
else not_ok "po/fr.po compiles with msgfmt -c" "$(cat "$tmp/msgfmt")"; fi

# 4. No untranslated or fuzzy entry in fr.po itself.
stats=$(LC_ALL=C msgfmt --statistics -o /dev/null po/fr.po 2>&1)
case "$stats" in
  *untranslated*|*fuzzy*) not_ok "po/fr.po has no untranslated or fuzzy entry" "$stats" ;;
  *) ok "po/fr.po has no untranslated or fuzzy entry ($stats)" ;;
esac

# 5. Every string of the current sources has its translation.
opts=$(sed -n 's/^XGETTEXT_OPTIONS *= *//p' po/Makevars)
# shellcheck disable=SC2086
if xgettext $opts --language=C -o "$tmp/current.pot" -f "$tmp/listed" 2> "$tmp/xgettext" &&
   msgcmp po/fr.po "$tmp/current.pot" > "$tmp/msgcmp" 2>&1; then
  ok "po/fr.po translates every string of the sources"
else
  not_ok "po/fr.po translates every string of the sources" \
    "run: make -C po update-po, then translate po/fr.po" \
    "$(head -n 40 "$tmp/xgettext" "$tmp/msgcmp")"
fi
[ "$failed" -eq 0 ]
