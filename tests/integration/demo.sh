#!/bin/bash
# demo.sh - "pgreplica demo": the local sandbox, scripted with --no-console.
#
# As root (like CI): the primary runs as the postgres account with its files
# in ~postgres/pgreplica-demo; "apply --yes" on the demo's cluster file builds
# the standby streaming (become = postgres: pg_ctl and pg_basebackup through
# sudo); a second "demo" reuses the sandbox and starts stopped servers;
# "demo --reset" leaves nothing (no process, no directory, no listening
# port); a port already taken makes the demo choose another; a directory
# without the demo's marker is refused.  Then the same as the unprivileged
# test account, with its own account.  The sandbox path has a space and a
# quote.
#
# Run by hand (as root):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     PGREPLICA_TEMPLATES=/work/main/templates bash tests/integration/demo.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
[ -x "$PG_BINDIR/initdb" ] || skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v perl >/dev/null || skip_all "perl is needed to hold a port"
: "${PGREPLICA_TEMPLATES:=$top_srcdir/templates}"
export PGREPLICA_TEMPLATES

root=0
[ "$(id -u)" = 0 ] && root=1
if [ $root = 1 ]; then
	command -v sudo >/dev/null || skip_all "sudo is needed (become = postgres)"
	ROOT_SERVERS=$(getent passwd postgres | cut -d: -f6)/pgreplica-demo
	getent passwd postgres >/dev/null || skip_all "no postgres account"
	# never touch a sandbox that an operator of this machine made
	[ -e "$ROOT_SERVERS" ] && skip_all "a demo sandbox of root already exists in $ROOT_SERVERS"
fi

fx_setup

# ---------------------------------------------------------------------------
# helpers

# the operator's environment: a home of its own, XDG dirs with a space and a
# quote in the data path
OPHOME="$FX_DIR/op home"
OPDATA="$OPHOME/data dir 'q'"
mkdir -p "$OPDATA"

# demo ARG...: pgreplica demo as the operator ($AS_USER=1: the test account);
# sets out, err, rc
demo()
{
	if [ "${AS_USER:-0}" = 1 ]; then
		out=$(fx_as_user env "HOME=$OPHOME" "XDG_DATA_HOME=$OPDATA" \
			"PGREPLICA_TEMPLATES=$PGREPLICA_TEMPLATES" "$PGREPLICA" demo "$@" 2>"$FX_DIR/stderr")
	else
		out=$(env -u XDG_CONFIG_HOME -u XDG_STATE_HOME "HOME=$OPHOME" "XDG_DATA_HOME=$OPDATA" \
			"$PGREPLICA" demo "$@" 2>"$FX_DIR/stderr")
	fi
	rc=$?
	err=$(cat "$FX_DIR/stderr")
}

# pgr ARG...: pgreplica on the demo's cluster file, with its passfile
pgr()
{
	local conf="$OPDATA/pgreplica/demo/cluster.conf"
	if [ "${AS_USER:-0}" = 1 ]; then
		out=$(fx_as_user env "HOME=$OPHOME" "PGPASSFILE=$OPDATA/pgreplica/demo/pgpass" \
			"PGREPLICA_TEMPLATES=$PGREPLICA_TEMPLATES" "$PGREPLICA" -c "$conf" "$@" 2>"$FX_DIR/stderr")
	else
		out=$(env -u XDG_CONFIG_HOME -u XDG_STATE_HOME "HOME=$OPHOME" \
			"PGPASSFILE=$OPDATA/pgreplica/demo/pgpass" "$PGREPLICA" -c "$conf" "$@" 2>"$FX_DIR/stderr")
	fi
	rc=$?
	err=$(cat "$FX_DIR/stderr")
}

# key NODE KEY: a value of the demo's cluster file
key()
{
	awk -v node="[node \"$1\"]" -v key="$2" '
		/^\[/ { in_node = ($0 == node) }
		in_node && $1 == key { sub(/^[^=]*= */, ""); gsub(/"/, ""); print; exit }
	' "$OPDATA/pgreplica/demo/cluster.conf"
}

# pid of the postmaster of a data directory (empty when none runs)
pm_pid()
{
	local pid=''
	[ -r "$1/postmaster.pid" ] && read -r pid <"$1/postmaster.pid"
	[ -n "$pid" ] && fx_alive "$pid" && printf '%s\n' "$pid"
}

# no server of the demo runs: no postmaster with a data directory under DIR
no_demo_process()
{
	! pgrep -f -- "-D $1" >/dev/null
}

status_ok()
{
	pgr status
	[ "$rc" = 0 ]
}

port_closed()
{
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# teardown: the demo's servers never outlive the test, whatever happened
teardown_demo()
{
	local d
	for d in "${ROOT_SERVERS:-}" "$OPDATA/pgreplica/demo"; do
		[ -n "$d" ] || continue
		for n in pg1 pg2; do
			[ -f "$d/$n/data/postmaster.pid" ] || continue
			if [ $root = 1 ]; then
				sudo -n -u "$(stat -c %U "$d/$n/data")" "$PG_BINDIR/pg_ctl" -D "$d/$n/data" -m immediate stop
			else
				"$PG_BINDIR/pg_ctl" -D "$d/$n/data" -m immediate stop
			fi
		done >/dev/null 2>&1
	done
	[ -n "${ROOT_SERVERS:-}" ] && [ -f "$ROOT_SERVERS/.pgreplica-demo" ] && rm -rf -- "$ROOT_SERVERS"
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
	return 0
}
fx_on_teardown teardown_demo

# ---------------------------------------------------------------------------
# the unhappy paths that need no server

AS_USER=0
demo --reset
is "$rc" 0 "--reset with no sandbox: exit 0"
like "$err" "no demo sandbox in .*nothing to remove" "--reset with no sandbox: says so"

demo --bogus
is "$rc" 2 "an unknown option: exit 2"
demo </dev/null
is "$rc" 2 "without --no-console and without a terminal: exit 2"
like "$err" "needs a terminal" "without a terminal: says so"
like "$err" "--no-console" "without a terminal: the hint names --no-console"

# a directory that is not the demo's is refused, by demo and by --reset
mkdir -p "$OPDATA/pgreplica/demo"
echo precious >"$OPDATA/pgreplica/demo/mine"
demo --no-console
is "$rc" 2 "a directory without the marker: demo refuses it"
like "$err" "not a pgreplica demo directory" "a directory without the marker: says why"
demo --reset
is "$rc" 2 "a directory without the marker: --reset refuses it"
is "$(cat "$OPDATA/pgreplica/demo/mine" 2>/dev/null)" precious "a directory without the marker: left as it was"
rm -rf "$OPDATA/pgreplica"

# ---------------------------------------------------------------------------
# one run: sandbox, standby built by apply, reuse, reset.  $1: the account
# the servers must run as; $2: where their files must be

run_sandbox()
{
	local account=$1 servers=$2 who=$3 conf pg1 pg2 pid pid2 port1 port2 owner

	conf="$OPDATA/pgreplica/demo/cluster.conf"
	demo --no-console
	is "$rc" 0 "$who: demo --no-console succeeds" || diag "$err"
	is "$out" "$conf" "$who: it prints the demo's cluster file"
	pg1=$(key pg1 pgdata)
	pg2=$(key pg2 pgdata)
	port1=$(key pg1 port)
	port2=$(key pg2 port)
	is "$pg1" "$servers/pg1/data" "$who: the primary's files are in $servers"
	ok "$who: the primary runs" fx_poll 30 pm_pid "$pg1"
	pid=$(pm_pid "$pg1")
	is "$(ps -o user= -p "$pid" 2>/dev/null)" "$account" "$who: the primary runs as $account"
	is "$(find "$servers" ! -user "$account" 2>/dev/null | wc -l)" 0 "$who: every file of the servers belongs to $account"
	ok "$who: the standby's data directory is not made (apply builds it)" test ! -e "$pg2"
	is "$(stat -c %a "$OPDATA/pgreplica/demo/pgpass")" 600 "$who: the passfile is 0600"
	unlike "$(cat "$conf")" "password|$(cut -d: -f5 "$OPDATA/pgreplica/demo/pgpass" | head -1)" \
		"$who: no password in the cluster file"
	isnt "$port1" "$port2" "$who: two ports"
	if [ "$account" = postgres ]; then
		is "$(key pg1 become)" postgres "$who: become = postgres in the cluster file"
	else
		is "$(key pg1 become)" "" "$who: no become for one's own account"
	fi
	if [ -n "${HELD_PORT:-}" ]; then
		isnt "$port1" "$HELD_PORT" "$who: the port held by another program is not used"
		isnt "$port2" "$HELD_PORT" "$who: ... by the standby either"
	fi

	pgr plan
	is "$rc" 0 "$who: pgreplica plan works on the demo's cluster file" || diag "$err"
	like "$out" "pg2" "$who: the plan builds pg2"
	pgr apply --yes
	is "$rc" 0 "$who: apply --yes builds the standby" || diag "$out$err"
	pgr status
	is "$rc" 0 "$who: status: healthy (the standby streams)" || diag "$out$err"
	pid=$(pm_pid "$pg1")		# apply restarted it (wal_log_hints)
	pid2=$(pm_pid "$pg2")
	is "$(ps -o user= -p "$pid2" 2>/dev/null)" "$account" "$who: the standby runs as $account"

	# a second demo reuses the running sandbox
	demo --no-console
	is "$rc:$out" "0:$conf" "$who: a second demo succeeds, same cluster file"
	like "$err" "reusing the demo sandbox" "$who: ... and says it reuses it"
	is "$(pm_pid "$pg1")" "$pid" "$who: ... the primary was not restarted"
	# ... and starts servers that were stopped
	if [ "$account" = postgres ]; then
		sudo -n -u postgres "$PG_BINDIR/pg_ctl" -D "$pg2" -m fast -w stop >/dev/null 2>&1
	else
		fx_as_user "$PG_BINDIR/pg_ctl" -D "$pg2" -m fast -w stop >/dev/null 2>&1
	fi
	demo --no-console
	is "$rc" 0 "$who: demo with the standby stopped succeeds"
	ok "$who: ... and started it again" fx_poll 30 pm_pid "$pg2"
	ok "$who: status: healthy again" fx_poll 30 status_ok || diag "$out$err"

	# reset leaves nothing behind
	demo --reset
	is "$rc" 0 "$who: demo --reset succeeds" || diag "$err"
	like "$err" "stopped and removed" "$who: ... and says so"
	ok "$who: no server of the demo runs" fx_poll 30 no_demo_process "$servers"
	ok "$who: the sandbox directory is gone" test ! -e "$OPDATA/pgreplica/demo"
	ok "$who: the servers' directory is gone" test ! -e "$servers/pg1"
	ok "$who: port $port1 no longer listens" port_closed "$port1"
	ok "$who: port $port2 no longer listens" port_closed "$port2"
	ok "$who: the demo's passfile and CA are gone" test ! -e "$OPHOME/.config/pgreplica/pgreplica-demo.pgpass" -a ! -e "$OPHOME/.config/pgreplica/pgreplica-demo"
	demo --reset
	is "$rc" 0 "$who: a second --reset: exit 0"
}

# ---------------------------------------------------------------------------
# as root: the servers run as postgres

if [ $root = 1 ]; then
	# hold the demo's first port, as another program would
	HELD_PORT=54320
	if port_closed $HELD_PORT; then
		perl -MIO::Socket::INET -e '
			my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => $ARGV[0],
				Listen => 1, ReuseAddr => 1) or die "$!";
			open(my $f, ">", $ARGV[1]); close($f); sleep 3600' "$HELD_PORT" "$FX_DIR/held" &
		HOLD_PID=$!
		fx_poll 10 test -e "$FX_DIR/held" || HELD_PORT=''
	else
		HELD_PORT=''			# taken already: the demo must avoid it anyway
	fi
	run_sandbox postgres "$ROOT_SERVERS" root
	ok "root: the servers' directory itself is gone" test ! -e "$ROOT_SERVERS"

	# root's servers' directory is one per machine: a second root sandbox
	# (another HOME) is refused and the first one's servers are left alone
	demo --no-console
	is "$rc" 0 "root: a sandbox again"
	pid=$(pm_pid "$ROOT_SERVERS/pg1/data")
	OTHER="$FX_DIR/other home"
	mkdir -p "$OTHER"
	out=$(env -u XDG_DATA_HOME -u XDG_CONFIG_HOME -u XDG_STATE_HOME "HOME=$OTHER" \
		"$PGREPLICA" demo --no-console 2>&1)
	is "$?" 2 "root: a second root sandbox (another HOME) is refused"
	like "$out" "belong to the demo sandbox in" "root: ... naming the sandbox that owns the servers"
	is "$(pm_pid "$ROOT_SERVERS/pg1/data")" "$pid" "root: ... whose primary still runs"
	ok "root: ... and nothing is made in the other HOME" test ! -e "$OTHER/.local/share/pgreplica/demo"
	demo --reset
	is "$rc" 0 "root: reset again"
	ok "root: ... the servers' directory is gone" test ! -e "$ROOT_SERVERS"
	[ -n "${HOLD_PID:-}" ] && kill "$HOLD_PID" 2>/dev/null
	HOLD_PID=''
	HELD_PORT=''
else
	diag "not root: the postgres account (become) cannot be exercised"
	skip 41 "needs root"
fi

# ---------------------------------------------------------------------------
# an ordinary account: its own servers, in its own sandbox

if [ $root = 1 ]; then
	chown -R "$FX_USER" "$OPHOME"
	AS_USER=1
	# the servers' files would be under a path pg_ctl cannot pass: refused
	SAVED=$OPDATA
	OPDATA="$OPHOME/bad\"dir"
	demo --no-console
	is "$rc" 2 "$FX_USER: a sandbox path with a double quote is refused"
	like "$err" "pg_ctl cannot pass safely" "$FX_USER: ... saying why"
	ok "$FX_USER: ... and nothing is made" test ! -e "$OPDATA"
	OPDATA=$SAVED
	run_sandbox "$FX_USER" "$OPDATA/pgreplica/demo" "$FX_USER"
else
	skip 3 "the double-quote case runs as the test account under root"
	AS_USER=0
	run_sandbox "$(id -un)" "$OPDATA/pgreplica/demo" "$(id -un)"
fi

done_testing
