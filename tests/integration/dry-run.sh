#!/bin/bash
# dry-run.sh - "--dry-run" of every action changes nothing and names every
# step, on real servers (pg1 primary, pg2 and pg3 standbys on their own
# hosts, reached over SSH).
#
# For promote (with --fence), follow, resync, switchover, drop-slot and
# drop-to-async: the state of every server (recovery, timeline, slots,
# who streams, synchronous_standby_names, postmaster pid, the time the
# configuration was last loaded) and the files (data directories'
# configuration, passfiles, cluster file, journals) are the same before and
# after; the output names the commands, SQL and files; --json gives the
# same as a JSON document.  Unhappy paths: --json without --dry-run, a dry
# run that a real run would refuse (it says why, exit 2).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/dry-run.sh

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
command -v python3 >/dev/null || skip_all "python3 is needed to read the JSON"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
for h in pg1 pg2 pg3; do
	ok "initdb $h" fx_pg_init "$h" && ok "start $h" fx_pg_start "$h" &&
		ok "sshd on $h" fx_sshd "$h" && ok "$h's host key trusted" fx_ssh_trust "$h" ||
		bail_out "no $h"
	chown "$FX_USER" "$FX_DIR/$h"
done

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2 pg3

run apply --yes
is "$rc" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "an inactive slot on pg1" fx_psql pg1 "SELECT pg_create_physical_replication_slot('spare')"

state()
{
	local h
	for h in pg1 pg2 pg3; do
		printf '%s pid %s\n' "$h" "$(fx_pg_pid "$h")"
		fx_psql "$h" "SELECT pg_is_in_recovery(), (SELECT timeline_id FROM pg_control_checkpoint()),
			pg_conf_load_time(), current_setting('synchronous_standby_names'),
			current_setting('primary_conninfo'), current_setting('ssl')"
		fx_psql "$h" "SELECT slot_name, active FROM pg_replication_slots ORDER BY 1"
		fx_psql "$h" "SELECT application_name, state FROM pg_stat_replication ORDER BY 1"
		(cd "$FX_DIR/$h/data" && ls -a . log && md5sum postgresql.auto.conf pg_hba.conf postgresql.conf)
		ls -a "$FX_DIR/$h"
		md5sum "$FX_DIR/$h"/.pgreplica-* 2>/dev/null
	done
	md5sum "$conf"
	ls -a "$XDG_STATE_HOME/pgreplica" "$XDG_CONFIG_HOME/pgreplica" 2>/dev/null
}

# dry NAME [ARG...]: the dry run exits 0, changes nothing; its output in $out
dry()
{
	local name=$1 before
	shift
	before=$(state)
	run "$@" --dry-run
	is "$rc" 0 "$name --dry-run exits 0" || diag "$out"
	like "$out" "dry run: nothing is changed" "$name: it says nothing is changed"
	is "$(state)" "$before" "$name --dry-run changed nothing"
}

steps()
{
	local name=$1 s
	shift
	for s in "$@"; do
		like "$out" "$s" "$name: names $s"
	done
}

dry promote promote pg2 --fence
steps promote "on pg1's host: .*pg_ctl.* -m immediate.* stop \(fencing\)" "on pg2: SELECT pg_promote" \
	"rewrite the cluster file .*: pg2 primary, pg1 a standby of it"
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" f "pg1 was not fenced"

run promote pg2 --dry-run
is "$rc" 2 "promote --dry-run without --fence: refused as a real run would be" || diag "$out"
like "$out" "pg1 still accepts writes" "saying why"

dry follow follow pg3
steps follow "pg_hba.conf" ".pgreplica-pg3.pgpass\" \(mode 0600\)" \
	"pg_create_physical_replication_slot\('pg3', true\)" "ALTER SYSTEM SET primary_conninfo = '.*host=.?$FX_ADDR_pg1" \
	"SELECT pg_reload_conf\(\)|pg_ctl.* restart" "pg_stat_replication shows pg3 streaming" "pg3 follows pg1"
unlike "$out" "password=" "follow: no password in the steps"

dry resync resync pg2
steps resync "pg_ctl.* stop" "pg_rewind --target-pgdata=$FX_DIR/pg2/data --source-server='host=.?$FX_ADDR_pg1" \
	"standby.signal" "pg_ctl.* start" "if pg_rewind fails: ask, then copy pg2 afresh" "pg2 a standby of pg1"

dry switchover switchover pg2
steps switchover "check ok: pg2 streams from pg1" "CHECKPOINT" "pg_controldata" "pg_promote" \
	".pgreplica-pg1.pgpass\" \(mode 0600\)" "pg3 follows pg2" "marker row"
# in the order the real run goes: pg1's passfile before its CHECKPOINT and
# stop, its recovery settings after pg2's promotion
in_order() { printf '%s\n' "$out" | awk -v a="$1" -v b="$2" '$0 ~ a && !x {x = NR} $0 ~ b && !y {y = NR} END {exit !(x && y && x < y)}'; }
ok "switchover: pg1's passfile listed before the CHECKPOINT" in_order 'pgreplica-pg1[.]pgpass' 'on pg1: CHECKPOINT'
ok "switchover: pg1's recovery settings listed after the promotion" in_order 'pg_promote' 'standby[.]signal|primary_conninfo'

dry drop-slot drop-slot spare
steps drop-slot "on pg1: SELECT pg_drop_replication_slot\('spare'\)"
run drop-slot pg2 --dry-run
is "$rc" 2 "drop-slot --dry-run of an active slot: refused as a real run would be" || diag "$out"

ok "synchronous_standby_names names nobody" fx_psql pg1 "ALTER SYSTEM SET synchronous_standby_names = 'nosuch'" &&
	fx_psql pg1 "SELECT pg_reload_conf()" >/dev/null
sync_set() { [ "$(fx_psql pg1 'SHOW synchronous_standby_names')" = nosuch ]; }
ok "new sessions see it" fx_poll 30 sync_set
dry drop-to-async drop-to-async
steps drop-to-async "ALTER SYSTEM SET synchronous_standby_names = '' \(now \"nosuch\"\)" "pg_reload_conf"
ok "reset synchronous_standby_names" fx_psql pg1 "ALTER SYSTEM RESET synchronous_standby_names" &&
	fx_psql pg1 "SELECT pg_reload_conf()" >/dev/null

# --json
before=$(state)
json=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" switchover pg2 --dry-run --json </dev/null 2>/dev/null)
is "$?" 0 "switchover --dry-run --json exits 0"
is "$(printf '%s' "$json" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["action"], d["target"], d["dry_run"], d["ok"], d["error"],
      any("check ok: pg2 streams from pg1" in l for l in d["log"]),
      any("pg_promote" in s for s in d["steps"]), len(d["steps"]) >= 10)')" \
	"switchover pg2 True True None True True True" "the JSON: action, target, checks in log, steps" || diag "$json"
is "$(state)" "$before" "--json changed nothing either"
json=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" promote pg2 --dry-run --json </dev/null 2>/dev/null)
is "$?" 2 "a refused dry run with --json exits 2"
like "$(printf '%s' "$json" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["ok"], d["error"]["message"])')" \
	"False pg1 still accepts writes" "the JSON carries the error"

run follow pg3 --json
is "$rc" 2 "--json without --dry-run exits 2"
like "$out" "--json goes with --dry-run" "saying so"

done_testing
