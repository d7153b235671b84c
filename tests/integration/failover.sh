#!/bin/bash
# failover.sh - the failover drill on real servers: promote, follow, resync.
#
# pg1 primary, pg2 and pg3 standbys built by "pgreplica apply --yes", each on
# its own host (namespace, address, sshd), reached over SSH as the servers'
# account.  Rows are committed on pg1, then pg1 dies (immediate shutdown):
# - "promote pg2 --yes": pg2 out of recovery on a new timeline, writable;
#   the cluster file says pg2 primary, pg1 a standby of pg2, pg3 still
#   following pg1 by name;
# - "follow pg3 --yes": pg3 streams from pg2 (through its slot there, with
#   primary_conninfo of the same form as apply writes: passfile, no
#   password); the cluster file says so;
# - rows written on pg2; "resync pg1 --yes" rewinds pg1 (not a fresh copy:
#   no data directory moved aside), which streams from pg2 with its own
#   postgresql.conf kept;
# - every row committed on pg1 before it died and every row written on pg2
#   is on all three nodes; a row that only pg1 had (written while it was
#   cut off from its standbys) is gone from pg1 after the rewind;
# - unhappy paths: promote of the primary, of an unknown node, follow when
#   the new upstream is down, the commands without a terminal and without
#   --yes.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/failover.sh

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

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM drill"; }

run apply --yes
is "$rc" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3

ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY, at text); INSERT INTO drill SELECT g, 'pg1' FROM generate_series(1, 100) g"
ok "pg2 has them" fx_wait_catchup pg1 pg2
ok "pg3 has them" fx_wait_catchup pg1 pg3

# ---------------------------------------------------------------------------
# unhappy paths before the failover
run promote pg1 --yes
is "$rc" 2 "promote of the primary exits 2"
like "$out" "pg1 is not a standby" "saying it is not a standby" || diag "$out"
run promote nosuch --yes
is "$rc" 2 "promote of an unknown node exits 2"
like "$out" "no node \"nosuch\" in the cluster file" "naming it" || diag "$out"
like "$out" "Its nodes are: pg1, pg2, pg3" "and listing the nodes"
run promote pg2
is "$rc" 2 "promote without a terminal nor --yes exits 2"
like "$out" "no terminal to confirm on" "saying why" || diag "$out"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 still a standby"

# ---------------------------------------------------------------------------
# pg1 dies; pg2 is promoted
tli1=$(fx_psql pg2 "SELECT timeline_id FROM pg_control_checkpoint()")
ok "pg1 stopped (immediate)" fx_pg_stop pg1 immediate
run promote pg2 --yes
is "$rc" 0 "promote pg2 --yes exits 0" || diag "$out"
like "$out" "pg1 does not answer" "the old primary was checked"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is out of recovery"
tli2=$(fx_psql pg2 "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")
ok "pg2's timeline moved ($tli1 -> $tli2)" test "$tli2" -gt "$tli1"
ok "pg2 is writable" fx_psql pg2 "INSERT INTO drill VALUES (101, 'pg2')"
is "$(conf_get pg2 role)" primary "cluster file: pg2 is the primary"
is "$(conf_get pg2 upstream)" "" "with no upstream"
is "$(conf_get pg1 role)" standby "cluster file: pg1 is a standby"
is "$(conf_get pg1 upstream)" pg2 "of pg2"
is "$(conf_get pg3 upstream)" pg1 "pg3 still follows pg1 until followed"
run status
like "$out" "pg2" "status reads the rewritten cluster file" || diag "$out"

run promote pg2 --yes
is "$rc" 2 "promoting it again exits 2"
like "$out" "pg2 is not a standby" "saying it is a primary already"

# ---------------------------------------------------------------------------
# pg3 follows pg2
run follow pg3 --yes
is "$rc" 0 "follow pg3 --yes exits 0" || diag "$out"
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
is "$(fx_psql pg2 "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg3'")" t \
	"through its slot on pg2"
like "$(fx_psql pg3 'SHOW primary_conninfo')" "host='?$FX_ADDR_pg2'? port='?$FX_PORT_pg2'? user='?replicate'? passfile='?$FX_DIR/pg3/.pgreplica-pg3.pgpass'? application_name='?pg3'?" \
	"primary_conninfo as apply writes it"
unlike "$(fx_psql pg3 'SHOW primary_conninfo')" "password=" "and without a password"
like "$(cat "$FX_DIR/pg3/.pgreplica-pg3.pgpass")" "^$FX_ADDR_pg2:$FX_PORT_pg2:replication:replicate:" \
	"the passfile names pg2"
is "$(conf_get pg3 upstream)" pg2 "cluster file: pg3 follows pg2"

ok "rows written on pg2" fx_psql pg2 "INSERT INTO drill SELECT g, 'pg2' FROM generate_series(102, 200) g"
ok "pg3 has them" fx_wait_catchup pg2 pg3

# ---------------------------------------------------------------------------
# follow when the upstream is down
ok "pg3's would-be upstream pg1 is down (stopped above)" test -z "$(fx_pg_pid pg1)"
run follow pg3 --upstream pg1 --yes
is "$rc" 2 "follow at a node that is down exits 2"
like "$out" "the new upstream pg1 does not answer" "saying the upstream does not answer" || diag "$out"
ok "pg3 still streams from pg2" fx_wait_streaming pg2 pg3
is "$(conf_get pg3 upstream)" pg2 "cluster file unchanged"

# ---------------------------------------------------------------------------
# pg1 diverged: a row only it had (its standbys cut off), then resync
ok "start pg1 alone (as it was: a primary)" fx_pg_start pg1
ok "a row only pg1 has" fx_psql pg1 "INSERT INTO drill VALUES (9999, 'lost')"
ok "stop pg1 (immediate: a crashed former primary)" fx_pg_stop pg1 immediate
# a resync killed after pg_rewind left pg1's own postgresql.conf on its disk:
# the next resync puts it back (this one's pg_rewind then keeps it anew)
keep=$FX_DIR/pg1/.pgreplica-pg1.resync-kept
mkdir -m 0700 "$keep" && cp -p "$(fx_pgdata pg1)/postgresql.conf" "$keep/" &&
	echo "# kept by an interrupted resync" >>"$keep/postgresql.conf" && chown -R "$FX_USER" "$keep"
run resync pg1 --yes
is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
like "$out" "rewinding pg1 from pg2 with pg_rewind" "by pg_rewind"
unlike "$out" "pg_basebackup" "not by a fresh copy"
ok "no data directory moved aside" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" t "pg1 is a standby"
is "$(fx_psql pg1 'SHOW port')" "$FX_PORT_pg1" "pg1 kept its own postgresql.conf"
is "$(conf_get pg1 role)" standby "cluster file: pg1 is a standby"
is "$(conf_get pg1 upstream)" pg2 "of pg2"
nok "no rewind passfile left behind" test -e "$FX_DIR/pg1/.pgreplica-pg1.rewind.pgpass"
like "$out" "an interrupted resync left pg1's own configuration files" "resync found the files an interrupted one kept" || diag "$out"
ok "... and put them back" grep -q "kept by an interrupted resync" "$(fx_pgdata pg1)/postgresql.conf"
like "$out" "kept pg1's own configuration files in \"$keep\"" "pg1's own files kept on its disk during pg_rewind"
nok "... that directory gone once they are back" test -e "$keep"
# pg_rewind connected as pgreplica_rewind, not as the superuser (pg2's
# server logs: the fixture's, and pg_ctl's since pgreplica started it)
log2=$(cat "$(fx_pg_log pg2)" "$(fx_pgdata pg2)"/log/*.log 2>/dev/null | grep "@$FX_ADDR_pg1(.*connection authorized")
like "$log2" "connection authorized: user=pgreplica_rewind .*application_name=pgreplica" \
	"pg_rewind connected to pg2 from pg1 as pgreplica_rewind" || diag "$log2"
unlike "$log2" "user=postgres " "no session from pg1's host as the superuser"
is "$(fx_psql pg2 "SELECT rolsuper || ' ' || rolcanlogin || ' ' || (rolpassword IS NULL) || ' ' || rolreplication FROM pg_authid WHERE rolname = 'pgreplica_rewind'")" \
	"false false true false" "pgreplica_rewind afterwards: no superuser, no login, no password, no replication"
is "$(fx_psql pg2 "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = 'pgreplica_rewind'")" 0 \
	"... and a member of no role"

ok "more rows on pg2" fx_psql pg2 "INSERT INTO drill VALUES (201, 'pg2')"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
want=$(seq -s, 1 201)
is "$(rows pg2)" "$want" "pg2 has every row"
is "$(rows pg1)" "$want" "pg1 has every row, and not its lost one"
is "$(rows pg3)" "$want" "pg3 has every row"

run status
is "$rc" 0 "status: healthy" || diag "$out"

# no password in any file but the 0600 passfiles
pw=$(sed -n 's/^\*:\*:replication:replicate://p' "$XDG_CONFIG_HOME/pgreplica/fx.pgpass")
leaks=$(grep -rlaF -- "$pw" "$FX_DIR" 2>/dev/null | while read -r f; do
	[ "$(stat -c %a "$f")" = 600 ] && case $f in *.pgpass) continue ;; esac
	printf '%s\n' "$f"
done)
is "$leaks" "" "the replication password is in no file but the 0600 passfiles"

done_testing
