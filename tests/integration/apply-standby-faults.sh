#!/bin/bash
# apply-standby-faults.sh - "pgreplica apply" with several standbys, and the
# standby build interrupted.
#
# pg1 is the primary, pg2 and pg3 standbys on their own hosts (own
# namespace, address and sshd), all reached over SSH as the servers'
# account (README, step 6: "each standby"):
# - one apply --yes ends with pg2 and pg3 both streaming, each through its
#   own physical slot named after the node (pg_stat_replication's
#   application_name matches the slot whose active_pid is its walsender);
# - faults, each while pg_basebackup runs on the standby (pg1's link is
#   slowed and its database made ~100 MB so that the copy takes seconds):
#   a. the SSH session serving apply on pg2 killed (its sshd processes);
#   b. the primary stopped (fast) during the backup;
#   c. pg3's data directory on a 64 MB tmpfs, smaller than the primary's
#      databases (the free-space check refuses it before anything changes);
#   each ends with a non-zero exit and a clear error, the previous data
#   directory (with a file planted in it) still there, and a re-run
#   succeeding once the cause is gone.
#
# Needs root (network namespaces, tc, tmpfs); otherwise only the first part.
# Run by hand:
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-standby-faults.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

t_start=$SECONDS
fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
for h in pg2 pg3; do
	ok "initdb $h" fx_pg_init $h && ok "start $h" fx_pg_start $h ||
		bail_out "no standby server $h"
	ok "sshd on $h" fx_sshd $h && ok "$h's host key trusted" fx_ssh_trust $h ||
		bail_out "no sshd on $h"
	# the server's account owns the data directory's parent
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
data2=$(fx_pgdata pg2)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2 pg3

# apply --yes in the background; apply_wait sets out and rc
apply_bg()
{
	rm -f "$FX_DIR/bg.out" "$FX_DIR/bg.rc"
	( "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes </dev/null >"$FX_DIR/bg.out" 2>&1
	  echo $? >"$FX_DIR/bg.rc" ) &
	bg_pid=$!
}

apply_wait()
{
	wait "$bg_pid"
	out=$(cat "$FX_DIR/bg.out")
	rc=$(cat "$FX_DIR/bg.rc" 2>/dev/null || echo lost)
}

# pg_basebackup runs (as the servers' account) and has begun writing DIR
# the copy itself (-D): not the "pg_basebackup --version" the pre-checks run
# a pg_basebackup copying into DIR (its arguments name DIR) has begun
basebackup_running()
{
	local p
	for p in $(pgrep -u "$FX_USER" -x pg_basebackup); do
		tr '\000' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$1" &&
			[ -d "$1/base" ] && return 0
	done
	return 1
}

# the pg_basebackup processes copying into DIR: this run's only (another
# run on the machine may be copying as the same account)
basebackup_pids()
{
	local p
	for p in $(pgrep -u "$FX_USER" -x pg_basebackup); do
		tr '\000' '\n' <"/proc/$p/cmdline" 2>/dev/null | grep -qxF -- "$1" && echo "$p"
	done
}
no_basebackup() { [ -z "$(basebackup_pids "$data2")" ]; }

# the planted file is in DIR or in one of the DIR.pgreplica-* copies
planted_kept()
{
	local d
	for d in "$1" "$1".pgreplica-*; do
		[ -f "$d/pgr-fault-test.planted" ] && [ -f "$d/PG_VERSION" ] && return 0
	done
	return 1
}

plant()
{
	echo "$2" >"$1/pgr-fault-test.planted" && chown "$FX_USER" "$1/pgr-fault-test.planted"
}

slots_row()
{
	fx_psql pg1 "SELECT r.application_name || ':' || s.slot_name || ':' || s.slot_type || ':' || s.active
		FROM pg_stat_replication r JOIN pg_replication_slots s ON s.active_pid = r.pid
		WHERE r.state = 'streaming' ORDER BY 1" | tr '\n' ' '
}

# ---------------------------------------------------------------------------
# 1. two standbys from one apply, each on its own slot
t0=$SECONDS
run apply --yes
is "$rc" 0 "apply --yes with two standbys exits 0" || diag "$out"
like "$out" "pg2 streams from pg1" "apply reports pg2 streaming"
like "$out" "pg3 streams from pg1" "apply reports pg3 streaming"
ok "pg1 sees pg2 streaming" fx_wait_streaming pg1 pg2
ok "pg1 sees pg3 streaming" fx_wait_streaming pg1 pg3
is "$(slots_row)" "pg2:pg2:physical:true pg3:pg3:physical:true " \
	"each walsender uses the physical slot named after its standby (application_name = slot of its active_pid)"
is "$(fx_psql pg1 "SELECT count(*) FROM pg_replication_slots")" 2 "two slots on pg1, no stray one"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')$(fx_psql pg3 'SELECT pg_is_in_recovery()')" tt \
	"pg2 and pg3 are in recovery"
note "phase 1 (two standbys): $((SECONDS - t0)) s"

if ! fx_netns_ok; then
	note "no network namespaces: the faults (slow link, killed sshd, tmpfs) are not checked"
	done_testing
	exit
fi

# the primary's database made big enough that the copy takes seconds
t0=$SECONDS
ok "a ~100 MB table on pg1" fx_psql pg1 \
	"CREATE TABLE ballast AS SELECT g, repeat(md5(g::text), 14) AS pad FROM generate_series(1, 200000) g"
note "pg1's databases: $(fx_psql pg1 "SELECT pg_size_pretty(sum(pg_database_size(oid))) FROM pg_database") ($((SECONDS - t0)) s)"
ok "pg2 caught up" fx_wait_catchup pg1 pg2
ok "pg3 caught up" fx_wait_catchup pg1 pg3

# ---------------------------------------------------------------------------
# 2a. the SSH session serving apply on pg2 cut during pg_basebackup
t0=$SECONDS
ok "stop pg2 (to be rebuilt)" fx_pg_stop pg2
plant "$data2" a
ok "slow pg1's link" fx_slow_link pg1 80mbit
apply_bg
if ok "pg_basebackup runs on pg2" fx_poll 60 basebackup_running "$data2"; then
	master=$(cat "$FX_DIR/pg2/ssh/sshd.pid")
	sessions=$(pgrep -P "$master" | tr '\n' ' ')
	ok "sshd sessions on pg2 found" test -n "$sessions"
	# the session's monitor and its unprivileged child, not the listener
	kids=$(for s in $sessions; do pgrep -P "$s"; done | while read -r k; do
		case $(cat "/proc/$k/comm" 2>/dev/null) in sshd*) echo "$k" ;; esac; done | tr '\n' ' ')
	kill -9 $sessions $kids 2>/dev/null
	note "killed pg2's sshd session processes: $sessions$kids"
fi
apply_wait
fx_fast_link pg1
isnt "$rc" 0 "apply whose SSH session to pg2 is cut exits non-zero"
like "$out" "pg2" "the error names pg2" || diag "$out"
like "$out" "(connection|channel|ssh|SSH|closed|lost|disconnect)" "and says the connection was lost" || diag "$out"
ok "the previous data directory is still there, with its files" planted_kept "$data2"
ok "sshd on pg2 still listens" fx_alive "$master"
# pg_basebackup on pg2 outlives the session that ran it (reparented to
# init, still writing into pgdata and holding the slot pg2 active).  The
# re-run must find it (its process id file) and stop it before copying.
leftover=''
fx_poll 2 no_basebackup || leftover=$(basebackup_pids "$data2" | head -n1)
note "fault a (SSH cut) took $((SECONDS - t0)) s; pg_basebackup left running on pg2: ${leftover:-none}"
t0=$SECONDS
run apply --yes
is "$rc" 0 "the re-run after the SSH cut exits 0" || diag "$out"
if [ -n "$leftover" ]; then
	like "$out" "stopped the pg_basebackup left running on pg2 by an interrupted run \\(process [0-9]+\\)" \
		"the re-run stopped the pg_basebackup left by the cut session"
	ok "that process is gone" fx_poll 10 eval '! kill -0 '"$leftover"' 2>/dev/null'
else
	skip 2 "pg_basebackup ended with its session: no leftover to stop"
fi
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(fx_psql pg2 'SHOW port')" "$FX_PORT_pg2" "pg2 kept its own postgresql.conf"
is "$(fx_psql pg2 'SELECT count(*) FROM ballast')" 200000 "pg2 has the primary's data"
ok "the data directory of before the fault is still kept" planted_kept "$data2"
is "$(slots_row)" "pg2:pg2:physical:true pg3:pg3:physical:true " "both standbys on their own slots again"
note "re-run after fault a took $((SECONDS - t0)) s"

# ---------------------------------------------------------------------------
# 2b. the primary stopped during the backup
t0=$SECONDS
ok "stop pg2 (to be rebuilt)" fx_pg_stop pg2
plant "$data2" b
ok "slow pg1's link" fx_slow_link pg1 80mbit
apply_bg
if ok "pg_basebackup runs on pg2" fx_poll 60 basebackup_running "$data2"; then
	ok "stop pg1 (fast) during the backup" fx_pg_stop pg1 fast
fi
apply_wait
fx_fast_link pg1
isnt "$rc" 0 "apply whose primary stops during the backup exits non-zero"
like "$out" "pg_basebackup failed on pg2" "saying pg_basebackup failed on pg2" || diag "$out"
like "$out" "The old data directory is kept in \"$data2.pgreplica-" "and where the old data directory is"
ok "the previous data directory is still there, with its files" planted_kept "$data2"
note "fault b (primary stopped) took $((SECONDS - t0)) s"
t0=$SECONDS
ok "start pg1 again" fx_pg_start pg1
ok "pg3 streams again by itself" fx_wait_streaming pg1 pg3
run apply --yes
is "$rc" 0 "the re-run with pg1 up exits 0" || diag "$out"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(fx_psql pg2 'SHOW port')" "$FX_PORT_pg2" "pg2 kept its own postgresql.conf"
is "$(slots_row)" "pg2:pg2:physical:true pg3:pg3:physical:true " "both standbys on their own slots again"
note "re-run after fault b took $((SECONDS - t0)) s"

# ---------------------------------------------------------------------------
# 2c. pg3's data directory on a small tmpfs
t0=$SECONDS
small=$FX_DIR/small
data3=$small/data
ok "stop pg3" fx_pg_stop pg3
if ok "a 64 MB tmpfs for pg3's data directory" fx_tmpfs "$small" 64m; then
	chown "$FX_USER" "$small"
	# sshd's namespace was copied before the mount: restart it to see it
	ok "sshd on pg3 restarted" fx_sshd pg3
	like "$(fx_ssh pg3 df -P -k "$small" 2>&1)" "pgrfx-tmpfs +6553[0-9] " "pg3's commands see the 64 MB tmpfs"
	fx_on_teardown fx_as_user "$(fx_bindir pg3)/pg_ctl" -D "$data3" -m immediate -w stop
	initdb3() { fx_as_user "$(fx_bindir pg3)/initdb" -N -D "$data3" >/dev/null 2>&1; }
	ok "a small data directory for pg3 on it" initdb3
	cp "$(fx_pgdata pg3)/postgresql.conf" "$(fx_pgdata pg3)/pg_hba.conf" "$data3/" &&
		chown "$FX_USER" "$data3/postgresql.conf" "$data3/pg_hba.conf"
	plant "$data3" c
	esc=$(printf '%s' "$data3" | sed 's/[|&\\]/\\&/g')
	sed -i "/^\[node \"pg3\"\]/,\$ s|^pgdata = .*|pgdata = $esc|" "$conf"
	run apply --yes
	isnt "$rc" 0 "apply with pg3's data directory on a full-to-be disk exits non-zero"
	like "$out" "(not enough free space for the base backup on pg3|No space left on device)" \
		"saying there is not enough space" || diag "$out"
	ok "the previous data directory is still there, with its files" planted_kept "$data3"
	ok "pg2 still streams" fx_wait_streaming pg1 pg2
	note "fault c (disk full) took $((SECONDS - t0)) s"
	t0=$SECONDS
	ok "the tmpfs enlarged" mount -o remount,size=4g "$small"
	run apply --yes
	is "$rc" 0 "the re-run with enough space exits 0" || diag "$out"
	ok "pg3 streams again" fx_wait_streaming pg1 pg3
	ok "from its data directory on the tmpfs" test -f "$data3/standby.signal"
	is "$(fx_psql pg3 'SELECT count(*) FROM ballast')" 200000 \
		"pg3 has the primary's data"
	ok "the data directory of before the fault is still kept" planted_kept "$data3"
	is "$(slots_row)" "pg2:pg2:physical:true pg3:pg3:physical:true " "both standbys on their own slots at the end"
	note "re-run after fault c took $((SECONDS - t0)) s"
fi

note "total: $((SECONDS - t_start)) s"
done_testing
