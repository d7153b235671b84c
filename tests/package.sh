#!/bin/bash
# The Debian package, built and installed as an operator would.
#
#  1. dpkg-buildpackage -us -uc -b on a copy of the source tree (the files
#     git tracks and the new ones it does not ignore; from a tarball, the
#     unpacked tarball), with DEB_BUILD_OPTIONS="nocheck parallel=2";
#  2. lintian: no error (warnings listed in the log);
#  3. installed with "apt-get install ./pgreplica_*.deb" into a copy-on-write
#     image of this machine (an overlay whose lower layer is /, in a private
#     mount and network namespace, entered with chroot): the real dpkg and
#     apt run, the real paths /usr/bin, /usr/share/... are used, and this
#     machine is not touched.  This machine is Debian 12 with the
#     dependencies installed; a debootstrap chroot would need the network
#     and minutes.  Then, as an operator would: pgreplica --version,
#     LANGUAGE=fr pgreplica --help (French, from the installed catalogue),
#     man -w pgreplica (and man -L fr), the completion of "pgreplica pro"
#     loaded the way bash-completion loads it, "pgreplica demo --no-console"
#     then "plan" on the demo (the installed templates), "demo --reset"
#     (as the postgres account);
#  4. apt-get purge: every file the package installed is gone, and the
#     overlay's upper layer (everything the install, the runs and the purge
#     changed) holds nothing but dpkg's, apt's and man-db's bookkeeping and
#     logs.
. "${top_srcdir:?}/tests/lib/tap.sh"

srcdir=$top_srcdir
[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg, a private mount namespace)"
for t in dpkg-buildpackage dh lintian unshare chroot apt-get; do
	command -v "$t" >/dev/null || skip_all "$t is not installed (Debian packages dpkg-dev, debhelper, lintian, util-linux, apt)"
done
[ -f "$srcdir/debian/control" ] || skip_all "no debian/ in the source tree"
grep -q '^ID=debian' /etc/os-release 2>/dev/null || skip_all "not a Debian system"

work=$(mktemp -d /var/tmp/pgreplica-package.XXXXXX) || bail_out "mktemp"
cleanup() { [ "${KEEP:-}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
mkdir "$work/src" "$work/out"
started=$(date +%s)

# --- 1. the package -------------------------------------------------------------
if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$srcdir" && git ls-files -co --exclude-standard -z | tar --null -T - -cf -) |
		tar -C "$work/src" -xf -
else
	# an unpacked tarball (make distcheck builds in _build inside it)
	tar -C "$srcdir" --exclude=./_build --exclude=./_inst -cf - . | tar -C "$work/src" -xf -
	chmod -R u+w "$work/src"
fi
build()
{
	cd "$work/src" &&
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL LC_ALL=C.UTF-8 \
			DEB_BUILD_OPTIONS="nocheck parallel=2" \
			dpkg-buildpackage -us -uc -b
}
build_logged() { build > "$work/build.log" 2>&1; }
t0=$(date +%s)
ok "dpkg-buildpackage -us -uc -b builds the package" build_logged ||
	diag "$(tail -30 "$work/build.log")"
note "package build: $(($(date +%s) - t0)) s"
deb=$(ls "$work"/pgreplica_*_*.deb 2>/dev/null | head -1)
ok "pgreplica_*.deb is there" test -f "$deb" || bail_out "no package"
like "$(dpkg-deb -f "$deb" Depends)" "libpq5" "Depends comes from \${shlibs:Depends} (libpq5 ...)"
is "$(dpkg-deb -f "$deb" Recommends)" "openssh-client, postgresql-client" "Recommends: openssh-client, postgresql-client"

# --- 2. lintian ----------------------------------------------------------------------
lintian --pedantic "$work"/pgreplica_*.changes > "$work/lintian.log" 2>&1
diag "lintian:" "$(cat "$work/lintian.log")"
is "$(grep -c '^E:' "$work/lintian.log")" 0 "lintian reports no error"

# --- 3 and 4. installed, used, purged, in an overlay of this machine ---------------------
# The build tree goes first: the program falls back on paths of the tree it
# was built in (the templates of an uninstalled build), which the image
# would see through its lower layer and which would hide a missing file.
rm -rf "$work/src"
cp "$deb" "$work/out/"
debname=${deb##*/}
# What runs inside the image, as root, with a clean environment.
cat > "$work/out/inside.sh" <<'EOF'
#!/bin/bash
# Runs chrooted in the overlay; results in /out (a bind mount of $work/out).
cd /out
export DEBIAN_FRONTEND=noninteractive HOME=/tmp/pgreplica-package-home HISTFILE=
mkdir -p "$HOME"
apt-get install -y ./"$1" > apt-install.log 2>&1; echo $? > apt-install.rc
dpkg -L pgreplica > files.list 2>&1
command -v pgreplica > which.txt
pgreplica --version > version.txt 2>&1
LANGUAGE=fr pgreplica --help > help-fr.txt 2>&1
man -w pgreplica > man-w.txt 2>&1
man -L fr -w pgreplica > man-w-fr.txt 2>&1
man -w 5 pgreplica.conf > man-w5.txt 2>&1
# The completion as bash-completion finds it: its on-demand loader.
bash --norc --noprofile -i > completion.txt 2> completion.err <<'BASH'
. /usr/share/bash-completion/bash_completion
_completion_loader pgreplica
COMP_WORDS=(pgreplica pro); COMP_CWORD=1; COMP_LINE='pgreplica pro'; COMP_POINT=13
fn=$(complete -p pgreplica | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
"$fn" pgreplica pro pgreplica
echo "COMPREPLY=${COMPREPLY[*]}"
BASH
# The demo, from the installed package, run by the postgres account as a
# DBA would (run as root, the demo would put its servers in one place per
# machine, ~postgres/pgreplica-demo, which this machine's own demo may hold).
ip link set lo up
h=/tmp/pgreplica-package-demo
mkdir -p "$h" && chown postgres: "$h"
as_pg() { runuser -u postgres -- env -i PATH="$PATH" HOME="$h" LANG=C.UTF-8 "$@"; }
as_pg pgreplica demo --no-console > demo.txt 2> demo.err; echo $? > demo.rc
conf=$(tail -1 demo.txt)
as_pg PGPASSFILE="$h/.local/share/pgreplica/demo/pgpass" pgreplica -c "$conf" plan > plan.txt 2>&1
echo $? > plan.rc
as_pg pgreplica demo --reset > reset.txt 2>&1; echo $? > reset.rc
apt-get purge -y pgreplica > apt-purge.log 2>&1; echo $? > apt-purge.rc
dpkg -s pgreplica > dpkg-s.txt 2>&1; echo $? > dpkg-s.rc
while read -r f; do
	[ -f "$f" ] || [ -L "$f" ] && echo "$f"
done < files.list > left-files.txt
EOF
chmod 755 "$work/out/inside.sh"
cat > "$work/overlay.sh" <<'EOF'
#!/bin/bash
# In a private mount and network namespace: / copied on write, chrooted.
set -e
w=$1; deb=$2
mount --make-rprivate /
mkdir -p "$w/ov"
mount -t tmpfs tmpfs "$w/ov"
mkdir "$w/ov/up" "$w/ov/work" "$w/ov/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/ov/up,workdir=$w/ov/work" "$w/ov/root"
for d in proc sys dev; do mount --rbind "/$d" "$w/ov/root/$d"; done
mkdir -p "$w/ov/root/out"
mount --bind "$w/out" "$w/ov/root/out"
set +e
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb LANG=C.UTF-8 \
	chroot "$w/ov/root" /out/inside.sh "$deb"
# A server the demo left running (a failed reset) would outlive the test.
for p in /proc/[0-9]*; do
	[ "$(readlink "$p/root" 2>/dev/null)" = "$w/ov/root" ] && kill -9 "${p#/proc/}" 2>/dev/null
done
umount "$w/ov/root/out"
# Everything the install, the runs and the purge changed on the image.
(cd "$w/ov/up" && find . -mindepth 1 \( -type f -o -type l -o -type c \) -printf '%y %P\n' | sort) > "$w/out/upper.txt"
EOF
chmod 755 "$work/overlay.sh"
t0=$(date +%s)
ok "the overlay of this machine is made and entered" \
	unshare --mount --net --fork "$work/overlay.sh" "$work" "$debname"
note "install, use, purge: $(($(date +%s) - t0)) s"
o=$work/out

is "$(cat "$o/apt-install.rc" 2>/dev/null)" 0 "apt-get install ./$debname" ||
	diag "$(tail -20 "$o/apt-install.log")"
is "$(cat "$o/which.txt" 2>/dev/null)" /usr/bin/pgreplica "pgreplica is on PATH: /usr/bin/pgreplica"
like "$(head -1 "$o/version.txt" 2>/dev/null)" '^pgreplica [0-9]+\.[0-9]+' "pgreplica --version"
like "$(cat "$o/help-fr.txt" 2>/dev/null)" "Utilisation.*Commandes" \
	"LANGUAGE=fr pgreplica --help is in French (the installed catalogue)"
is "$(cat "$o/man-w.txt" 2>/dev/null)" /usr/share/man/man1/pgreplica.1.gz "man -w pgreplica"
is "$(cat "$o/man-w-fr.txt" 2>/dev/null)" /usr/share/man/fr/man1/pgreplica.1.gz "man -L fr -w pgreplica: the French page"
is "$(cat "$o/man-w5.txt" 2>/dev/null)" /usr/share/man/man5/pgreplica.conf.5.gz "man -w 5 pgreplica.conf"
is "$(grep '^COMPREPLY=' "$o/completion.txt" 2>/dev/null)" "COMPREPLY=promote" \
	"bash-completion loads the completion: pgreplica pro<TAB> gives promote" ||
	diag "$(cat "$o/completion.txt" "$o/completion.err" 2>/dev/null)"
is "$(cat "$o/demo.rc" 2>/dev/null)" 0 "pgreplica demo --no-console works from the installed package" ||
	diag "$(cat "$o/demo.txt" "$o/demo.err" 2>/dev/null)"
is "$(cat "$o/plan.rc" 2>/dev/null)" 0 "pgreplica plan on the demo works" ||
	diag "$(tail -20 "$o/plan.txt" 2>/dev/null)"
like "$(cat "$o/plan.txt" 2>/dev/null)" "primary_conninfo" \
	"the plan shows the standby's settings, made from the installed templates"
is "$(cat "$o/reset.rc" 2>/dev/null)" 0 "pgreplica demo --reset"
is "$(cat "$o/apt-purge.rc" 2>/dev/null)" 0 "apt-get purge pgreplica"
isnt "$(cat "$o/dpkg-s.rc" 2>/dev/null)" 0 "dpkg no longer knows pgreplica"
ok "the package installed files (dpkg -L)" test "$(grep -c . "$o/files.list" 2>/dev/null)" -gt 10
is "$(cat "$o/left-files.txt" 2>/dev/null)" "" "no file of the package is left after the purge"

# Bookkeeping that installing and purging any package changes; the rest of
# the upper layer must be empty.
bookkeeping='^. (var/lib/dpkg/|var/lib/apt/|var/cache/(apt|debconf|man|ldconfig)/|var/log/|etc/ld\.so\.cache$|tmp/|out/)'
left=$(grep -Ev "$bookkeeping" "$o/upper.txt" 2>/dev/null)
is "$left" "" "nothing else is left on the image after the purge" ||
	diag "changed on the image:" "$(cat "$o/upper.txt" 2>/dev/null)"
left=$(grep '^. var/lib/dpkg/info/pgreplica' "$o/upper.txt" 2>/dev/null | grep -v '^c ')
is "$left" "" "dpkg's own records of pgreplica are gone"
ok "the upper layer was listed" test -s "$o/upper.txt"
note "package test: $(($(date +%s) - started)) s in all"
done_testing
