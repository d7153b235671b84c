#!/bin/bash
# cluster-manager.sh - pgreplica does not fight a cluster manager, on real
# servers (pg1 primary, pg2 its standby, separate hosts):
# - nothing managed: status says no manager;
# - a Patroni file (patroni.dynamic.json) in pg2's data directory: status
#   names Patroni on pg2 (text and JSON); a role that is not a superuser
#   (even granted pg_stat_file()) still gets its status, no file looked at;
# - the repmgr extension (Debian's postgresql-NN-repmgr) on pg1: status
#   names repmgr on both nodes; promote, follow, drop-slot refuse with the
#   reason, pg2 stays a standby; --force acts (drop-slot), saying so;
# - the dashboard opens read-only with a banner naming repmgr, the action
#   keys refuse saying why; with --force the actions are back.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/cluster-manager.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
bindir=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}
command -v "$bindir/initdb" >/dev/null || skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"
command -v jq >/dev/null || skip_all "no jq"
major=$("$bindir/postgres" --version | sed -E 's/.* ([0-9]+)[.].*/\1/')
[ -e "/usr/share/postgresql/$major/extension/repmgr.control" ] ||
	skip_all "no repmgr extension for PostgreSQL $major (install postgresql-$major-repmgr)"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"

fx_host pg1
fx_host pg2
ok "initdb on pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 &&
	ok "pg2 made with its slot" fx_pg_make_standby pg2 pg1 -C -S pg2 &&
	ok "start pg2" fx_pg_start pg2 && ok "pg2 streams" fx_wait_streaming pg1 pg2 ||
	bail_out "no standby"
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2

st()
{
	out=$("$PGREPLICA" -c "$conf" status "$@" 2>&1)
	rc=$?
}
managers() { jq -r '[.nodes[] | (.manager // "-") + "/" + (.manager_evidence // "-")] | join(" ")' <<<"$out"; }

st --json
is "$rc" 0 "healthy to begin with" || diag "$out"
is "$(managers)" "-/- -/-" "no cluster manager seen"

# ---------------------------------------------------------------------------
# a Patroni file in pg2's data directory
patroni_file=$(fx_pgdata pg2)/patroni.dynamic.json
printf '{"loop_wait": 10, "ttl": 30}\n' >"$patroni_file"
chown --reference="$(fx_pgdata pg2)" "$patroni_file"
st --json
is "$(managers)" "-/- patroni/patroni.dynamic.json" "status --json: Patroni on pg2, by its file" || diag "$out"
st
like "$out" 'Node "pg2"
(  [^
]*
)*  Managed by: +patroni \(patroni\.dynamic\.json\): pgreplica.s actions refuse without --force' \
	"status: pg2 managed by patroni, saying why and what it means" || diag "$out"

# a role that may not call pg_stat_file(): its status works, sees nothing
watcher_pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
# (its password through a 0600 file, never in an argument vector)
(umask 077 && printf "CREATE ROLE watcher LOGIN PASSWORD '%s';\n" "$watcher_pw" >"$FX_DIR/watcher.sql")
chown --reference="$(fx_pgdata pg1)" "$FX_DIR/watcher.sql"
ok "role watcher (not a superuser) on pg1" fx_psql pg1 "SELECT 1" -f "$FX_DIR/watcher.sql"
fx_wait_catchup pg1 pg2 >/dev/null 2>&1 || :
sed 's/^dbuser = postgres$/dbuser = watcher/' "$conf" >"$FX_DIR/watcher.conf"
(umask 077 && printf '*:*:*:watcher:%s\n' "$watcher_pw" >"$FX_DIR/watcher.pgpass")
watcher_status() { PGPASSFILE=$FX_DIR/watcher.pgpass "$PGREPLICA" -c "$FX_DIR/watcher.conf" status --json 2>&1; }
out=$(watcher_status)
is "$(jq -r '[.nodes[] | .answered] | join(" ")' <<<"$out")" "true true" \
	"as a role that is not a superuser: every node answers" || diag "$out"
is "$(managers)" "-/- -/-" "and no file is looked at"
ok "watcher granted pg_stat_file()" \
	fx_psql pg1 "GRANT EXECUTE ON FUNCTION pg_stat_file(text, boolean) TO watcher"
fx_wait_catchup pg1 pg2 >/dev/null 2>&1 || :
out=$(watcher_status)
is "$(jq -r '[.nodes[] | .answered] | join(" ")' <<<"$out")" "true true" \
	"granted pg_stat_file(): every node still answers" || diag "$out"
rm -f "$patroni_file"
st --json
is "$(managers)" "-/- -/-" "the file gone: no manager"

# ---------------------------------------------------------------------------
# repmgr: its extension on pg1 (replicated to pg2)
ok "CREATE EXTENSION repmgr on pg1" fx_psql pg1 "CREATE EXTENSION repmgr"
ok "inactive slot old_standby on pg1" \
	fx_psql pg1 "SELECT pg_create_physical_replication_slot('old_standby')"
ok "pg2 caught up" fx_wait_catchup pg1 pg2
st --json
is "$(managers)" "repmgr/extension repmgr repmgr/extension repmgr" "status --json: repmgr on both, by its extension" ||
	diag "$out"

out=$("$PGREPLICA" -c "$conf" promote pg2 --yes 2>&1)
rc=$?
isnt "$rc" 0 "promote pg2 refused (exit $rc)"
like "$out" 'pg1 is managed by repmgr \(extension repmgr\): pgreplica does not act on a cluster that a cluster manager runs' \
	"the refusal names the manager and the evidence" || diag "$out"
like "$out" '--force .*dangerous' "the hint offers --force, said dangerous" || diag "$out"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is still a standby"
out=$("$PGREPLICA" -c "$conf" follow pg2 --dry-run 2>&1)
isnt "$?" 0 "follow --dry-run refused too"
like "$out" 'managed by repmgr' "saying why" || diag "$out"
out=$("$PGREPLICA" -c "$conf" drop-slot old_standby --yes 2>&1)
isnt "$?" 0 "drop-slot refused"
is "$(fx_psql pg1 "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'old_standby'")" 1 \
	"the slot is still there"
out=$("$PGREPLICA" -c "$conf" drop-slot old_standby --yes --force 2>&1)
is "$?" 0 "drop-slot --force acts" || diag "$out"
like "$out" 'managed by repmgr \(extension repmgr\): acting anyway \(--force\)' "saying it acts anyway" || diag "$out"
is "$(fx_psql pg1 "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'old_standby'")" 0 \
	"the slot is gone"

# ---------------------------------------------------------------------------
# the dashboard: read-only, with a banner naming repmgr
tui_start dash 80 24 "$PGREPLICA" -c "$conf" -d 1 dashboard
ok "the banner names repmgr" tui_wait dash 'Managed by repmgr \(seen on pg1\): read-only, actions off'
ok "the header says read-only" tui_wait dash 'read-only +[0-9:]{8}'
ok "pg2 is shown streaming" tui_wait dash '^  pg2 +standby +streaming'
unlike "$(tui_screen dash)" 'PPromote' "the key bar has no action"
tui_keys dash j P
ok "P refuses, naming repmgr and --force" \
	tui_wait dash 'repmgr runs this cluster \(extension repmgr\): actions are off; dashboard --force'
unlike "$(tui_screen dash)" 'Promote pg2\?' "no promotion is asked"
diag "the screen:"
tui_screen dash | while IFS= read -r l; do diag "  | $l"; done
tui_keys dash q
ok "q quits" tui_wait_dead dash

tui_start dashf 80 24 "$PGREPLICA" -c "$conf" -d 1 dashboard --force
ok "--force: the banner says the actions are forced on" \
	tui_wait dashf 'Managed by repmgr \(seen on pg1\): actions forced on, dangerous'
ok "--force: the key bar offers the actions" tui_wait dashf 'PPromote'
tui_keys dashf q
ok "q quits" tui_wait_dead dashf
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is still a standby at the end"

done_testing
