#!/bin/bash
# make install / make uninstall with DESTDIR: everything the program needs
# installed (program, templates, French catalogue, man pages in English and
# French, bash completion), then nothing left behind: no file, no link, no
# directory of ours.
. "${top_srcdir:?}/tests/lib/tap.sh"

builddir=${top_builddir:?}
dest=$(mktemp -d) || bail_out "mktemp"
trap 'rm -rf "$dest"' EXIT
make_() { ${MAKE:-make} -C "$builddir" "$@" DESTDIR="$dest" > "$dest.log" 2>&1 || { diag "$(tail -20 "$dest.log")"; return 1; }; }

ok "make install DESTDIR=..." make_ install || bail_out "make install failed"
find "$dest" \( -type f -o -type l \) -printf '%P\n' | sort > "$dest.files"
diag "installed:" "$(cat "$dest.files")"

# What the program needs, wherever the prefix is.
want=(
	'bin/pgreplica$'
	'share/pgreplica/templates/standby\.conf\.in$'
	'share/pgreplica/templates/recovery\.conf\.in$'
	'share/locale/fr/LC_MESSAGES/pgreplica\.mo$'
	'share/man/man1/pgreplica\.1$'
	'share/man/man5/pgreplica\.conf\.5$'
	'share/man/fr/man1/pgreplica\.1$'
	'share/man/fr/man5/pgreplica\.conf\.5$'
	'share/bash-completion/completions/pgreplica$'
)
for w in "${want[@]}"; do
	ok "installed: $(sed "s/[\\$]//g" <<<"$w")" grep -q -- "$w" "$dest.files"
done
ok "the French man page is installed in French" \
	grep -rq 'CODE DE RETOUR' "$dest" --include=pgreplica.1

ok "make uninstall DESTDIR=..." make_ uninstall
left=$(find "$dest" \( -type f -o -type l \) -printf '%P\n')
is "$left" "" "make uninstall leaves no file nor link"
left=$(find "$dest" \( -name pgreplica -o -name 'pgreplica.*' \) -printf '%P\n')
is "$left" "" "make uninstall leaves no directory of ours"
rm -f "$dest.files" "$dest.log"
done_testing
