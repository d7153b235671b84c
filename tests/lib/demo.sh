# demo.sh - what the tests of "pgreplica demo" as root share  -*- sh -*-
#
# Sourced after tap.sh and fixture.sh.  The demo's servers live in one place
# per machine (~postgres/pgreplica-demo), so these tests never touch a
# sandbox that an operator of this machine (or another test) made.
#
#   demo_require     before fx_setup: skip_all unless the demo can run here
#                    (root, sudo, the postgres account, C.UTF-8, tmux, the
#                    PostgreSQL server binaries; no sandbox of root already);
#                    sets PGREPLICA, PG_BINDIR, ROOT_SERVERS
#   demo_home        after fx_setup: HOME and XDG_* in the run's directory,
#                    no PGPASSFILE; sets demo (the sandbox) and conf (its
#                    cluster file); the sandbox's servers stopped and their
#                    directory removed at teardown

demo_require()
{
	PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
	[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
	command -v tmux >/dev/null || skip_all "no tmux"
	PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
	[ -x "$PG_BINDIR/initdb" ] || skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
	[ "$(id -u)" = 0 ] || skip_all "the demo as root (servers run as postgres)"
	command -v sudo >/dev/null || skip_all "sudo is needed (become = postgres)"
	getent passwd postgres >/dev/null || skip_all "no postgres account"
	locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$' || skip_all "no C.UTF-8 locale"
	ROOT_SERVERS=$(getent passwd postgres | cut -d: -f6)/pgreplica-demo
	[ -e "$ROOT_SERVERS" ] && skip_all "a demo sandbox of root already exists in $ROOT_SERVERS"
	: "${PGREPLICA_TEMPLATES:=$top_srcdir/templates}"
	export PGREPLICA_TEMPLATES
}

_demo_teardown()
{
	local n
	for n in pg1 pg2; do
		[ -f "$ROOT_SERVERS/$n/data/postmaster.pid" ] || continue
		sudo -n -u postgres "$PG_BINDIR/pg_ctl" -D "$ROOT_SERVERS/$n/data" -m immediate stop
	done >/dev/null 2>&1
	[ -f "$ROOT_SERVERS/.pgreplica-demo" ] && rm -rf -- "$ROOT_SERVERS"
	return 0
}

demo_home()
{
	export HOME=$FX_DIR/home XDG_DATA_HOME=$FX_DIR/home/data \
		XDG_STATE_HOME=$FX_DIR/home/state XDG_CONFIG_HOME=$FX_DIR/home/config
	mkdir -p "$XDG_DATA_HOME"
	unset PGPASSFILE SSH_AUTH_SOCK
	demo=$XDG_DATA_HOME/pgreplica/demo
	conf=$demo/cluster.conf
	fx_on_teardown _demo_teardown
}
