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
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do printf '%s\n' "$l" | sed 's/^/# /'; done; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT

echo "1..8"

# 1. Every file with a translatable string is listed.
grep -lE '\b_\(|\bN_\(' src/*/*.c ui/*/*.c 2>/dev/null | sort > "$tmp/with-strings"
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
# The translations alone, one NUL-terminated record per msgstr (msgexec's
# builtin "0"), the header left out.  Matched in a UTF-8 locale, so that
# bracket expressions and the rules' letters are characters, not bytes.
U=C.UTF-8
msgexec -i po/fr.po 0 2> "$tmp/msgexec" | tr '\n' '\v' | tr '\0' '\n' | sed 1d > "$tmp/msgstr"
nb=$(printf '\302\240')	# U+00A0 NO-BREAK SPACE
show() { LC_ALL=$U grep -nE -- "$1" "$tmp/msgstr" | head -n 8 | tr '\v' '|'; }

# 6. One vocabulary: po/vocabulary.txt's forbidden terms appear in no
#    translation.
bad=""
while IFS='	' read -r forbidden wanted; do
  case "$forbidden" in ''|'#'*) continue ;; esac
  hits=$(show "$forbidden")
  [ -n "$hits" ] && bad="$bad
/$forbidden/ (write: $wanted):
$hits"
done < po/vocabulary.txt
if [ -s "$tmp/msgstr" ] && [ -z "$bad" ]; then ok "po/fr.po keeps to the vocabulary of po/vocabulary.txt"
else not_ok "po/fr.po keeps to the vocabulary of po/vocabulary.txt" "$bad" "$(cat "$tmp/msgexec")"; fi

# 7. French typography: a no-break space (U+00A0), never a plain one or none,
#    before : ; ? ! and inside « ».
bad=""
for rule in " [:;?!]" "[^[:space:]$nb][;?!]([[:space:]]|\$)" "[[:alnum:]%»][:]([[:space:]]|\$)" \
            "«[^$nb]" "[^$nb]»"; do
  hits=$(show "$rule")
  [ -n "$hits" ] && bad="$bad
/$rule/:
$hits"
done
if [ -s "$tmp/msgstr" ] && [ -z "$bad" ]; then ok "po/fr.po puts a no-break space before : ; ? ! and inside « »"
else not_ok "po/fr.po puts a no-break space before : ; ? ! and inside « »" "$bad"; fi

# 8. One apostrophe: the straight one (PostgreSQL's French messages, and what
#    most of the catalogue used), never U+2019.
hits=$(show "$(printf '\342\200\231')")
if [ -s "$tmp/msgstr" ] && [ -z "$hits" ]; then ok "po/fr.po writes every apostrophe the same way (')"
else not_ok "po/fr.po writes every apostrophe the same way (')" "$hits"; fi
[ "$failed" -eq 0 ]
