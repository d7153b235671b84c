#!/bin/bash
# timeline-history.sh - the timeline history after two promotions, on real
# servers (separate hosts):
# - pg1 primary, pg2 its standby; pg2 promoted (timeline 2) while pg1 still
#   runs, and a row written on pg1 (pg1 diverged: past the switch point);
# - pg3 made a standby of pg2, then promoted (timeline 3) while pg2 runs, a
#   row written on pg2 (diverged too); pg4 a standby of pg3 (on its
#   lineage);
# - status (text and JSON): pg3's history lists both promotions (timeline,
#   parent, switch LSN, when), pg1 and pg2 marked diverged, pg3 and pg4
#   not; a role that is not a superuser gets no history, and no error;
# - the dashboard's T view shows the same at 80x24, in English and French.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica bash tests/tui/timeline-history.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the screens"
command -v jq >/dev/null || skip_all "no jq"

fx_setup
. "$top_srcdir/tests/lib/tui.sh"

# wait_primary NAME: NAME answers out of recovery (within 60 s)
wait_primary() { fx_wait_for "$1" 'SELECT pg_is_in_recovery()' f 60; }

fx_host pg1
fx_host pg2
ok "initdb on pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 &&
	ok "pg2 made" fx_pg_make_standby pg2 pg1 &&
	ok "start pg2" fx_pg_start pg2 && ok "pg2 streams" fx_wait_streaming pg1 pg2 ||
	bail_out "no standby"
ok "a table on pg1" fx_psql pg1 "CREATE TABLE t (i int); INSERT INTO t VALUES (1)"
ok "pg2 caught up" fx_wait_catchup pg1 pg2

# promotion 1: pg2, timeline 2, while pg1 still runs
ok "pg_promote() on pg2" fx_psql pg2 "SELECT pg_promote(wait => true)"
ok "pg2 is a primary" wait_primary pg2
ok "a row only pg1 has (pg1 diverges)" fx_psql pg1 "INSERT INTO t VALUES (2); SELECT pg_switch_wal()"

# promotion 2: pg3, a standby of pg2, timeline 3, while pg2 still runs
fx_host pg3
ok "pg3 made from pg2" fx_pg_make_standby pg3 pg2 && ok "start pg3" fx_pg_start pg3 &&
	ok "pg3 streams" fx_wait_streaming pg2 pg3 || bail_out "no pg3"
ok "rows on pg2" fx_psql pg2 "INSERT INTO t VALUES (3)"
ok "pg3 caught up" fx_wait_catchup pg2 pg3
ok "pg_promote() on pg3" fx_psql pg3 "SELECT pg_promote(wait => true)"
ok "pg3 is a primary" wait_primary pg3
ok "a row only pg2 has (pg2 diverges)" fx_psql pg2 "INSERT INTO t VALUES (4); SELECT pg_switch_wal()"
fx_host pg4
ok "pg4 made from pg3" fx_pg_make_standby pg4 pg3 && ok "start pg4" fx_pg_start pg4 &&
	ok "pg4 streams" fx_wait_streaming pg3 pg4 || bail_out "no pg4"

conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg3 pg4 pg1 pg2
out=$("$PGREPLICA" -c "$conf" status --json 2>&1)
jqv() { jq -r "$1" <<<"$out"; }
is "$(jqv '.nodes | map(.name + ":" + (.timeline | tostring)) | join(" ")')" "pg3:3 pg4:3 pg1:1 pg2:2" \
	"each node's timeline" || diag "$out"
is "$(jqv '.nodes[0].timeline_history | map("\(.timeline)<\(.parent)") | join(" ")')" "2<1 3<2" \
	"pg3's history: timeline 2 from 1, then 3 from 2"
is "$(jqv '.nodes[0].timeline_history | map(.switch_lsn | test("^[0-9A-F]+/[0-9A-F]+$")) | all')" true \
	"each with its switch LSN"
is "$(jqv '.nodes[0].timeline_history | map(.created | test("^20[0-9-]{8}T[0-9:.]{12}Z$")) | all')" true \
	"and when it happened"
is "$(jqv '.nodes | map(.name + ":" + (.timeline_diverged | tostring)) | join(" ")')" \
	"pg3:false pg4:false pg1:true pg2:true" "pg1 and pg2 diverged, pg3 and pg4 on the lineage"

out=$("$PGREPLICA" -c "$conf" status 2>&1)
like "$out" 'Promotion: +timeline 2 from 1 at [0-9A-F]+/[0-9A-F]+, 20' "status: the first promotion" || diag "$out"
like "$out" 'Promotion: +timeline 3 from 2 at [0-9A-F]+/[0-9A-F]+, 20' "status: the second promotion"
like "$out" 'Node "pg1"
(  [^
]*
)*  Timeline: +1, DIVERGED from the primary.s timeline history \(resync it\)' "status: pg1 diverged"
like "$out" 'Node "pg4"
(  [^
]*
)*  Timeline: +3
' "status: pg4 on timeline 3, not diverged"

# a role that is not a superuser: no history, no error
pw=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
(umask 077 && printf "CREATE ROLE watcher LOGIN PASSWORD '%s';\n" "$pw" >"$FX_DIR/watcher.sql")
chown --reference="$(fx_pgdata pg3)" "$FX_DIR/watcher.sql"
ok "role watcher on pg3" fx_psql pg3 "SELECT 1" -f "$FX_DIR/watcher.sql"
(umask 077 && printf '*:*:*:watcher:%s\n' "$pw" >"$FX_DIR/watcher.pgpass")
sed 's/^dbuser = postgres$/dbuser = watcher/' "$conf" >"$FX_DIR/watcher.conf"
fx_wait_catchup pg3 pg4 >/dev/null 2>&1 || :
out=$(PGPASSFILE=$FX_DIR/watcher.pgpass "$PGREPLICA" -c "$FX_DIR/watcher.conf" status --json 2>&1)
is "$(jqv '[.nodes[0], .nodes[1]] | map("\(.answered)/\(.timeline_history)/\(.timeline_diverged)") | join(" ")')" \
	"true/null/null true/null/null" "as a lesser role: pg3 and pg4 answer, history and divergence unknown" ||
	diag "$out"

# ---------------------------------------------------------------------------
# the dashboard's timeline view, 80x24, English then French
tui_start dash 80 24 "$PGREPLICA" -c "$conf" -d 1 dashboard
ok "the key bar offers T" tui_wait dash 'TTimelines'
ok "pg4 caught up: its time lag says idle, not a figure" tui_wait dash '^  pg4 +standby +streaming +3 [0-9A-F]+/[0-9A-F]+ +0 B +idle '
tui_keys dash T
ok "T: the history of pg3" tui_wait dash 'History of pg3 \(timeline 3\):'
ok "T: both promotions" tui_wait dash 'timeline 3 from 2 at [0-9A-F]+/[0-9A-F]+  20'
like "$(tui_screen dash)" 'timeline 2 from 1 at' "T: the first one too"
like "$(tui_screen dash)" 'pg1 +timeline 1 +DIVERGED from the history above: resync it' "T: pg1 diverged"
like "$(tui_screen dash)" 'pg4 +timeline 3 +on the lineage above' "T: pg4 on the lineage"
diag "the screen:"
tui_screen dash | while IFS= read -r l; do diag "  | $l"; done
tui_keys dash T
ok "T again: back to the nodes" tui_wait dash 'TTimelines'
tui_keys dash '?'
ok "the help lists T" tui_wait dash 'T +the primary.s timeline history, each node.s timeline'
tui_keys dash q
tui_keys dash q
ok "q quits" tui_wait_dead dash

if locale -a 2>/dev/null | grep -qx 'fr_FR.utf8'; then
	tui_start dashfr 80 24 env LANGUAGE=fr LC_ALL=fr_FR.UTF-8 "$PGREPLICA" -c "$conf" -d 1 dashboard
	# (the French key bar is full: T, like L, is left out of it, not off)
	ok "fr: the dashboard is up" tui_wait dashfr 'pg4 +standby +streaming'
	tui_keys dashfr T
	ok "fr: the history of pg3" tui_wait dashfr 'Historique de pg3 \(timeline 3\)'
	ok "fr: both promotions" tui_wait dashfr 'timeline 3 depuis 2 à [0-9A-F]+/[0-9A-F]+  20'
	like "$(tui_screen dashfr)" 'pg1 +timeline 1 +DIVERGE' "fr: pg1 diverged"
	diag "the screen:"
	tui_screen dashfr | while IFS= read -r l; do diag "  | $l"; done
	tui_keys dashfr q q
	ok "fr: q quits" tui_wait_dead dashfr
else
	skip 5 "no fr_FR.UTF-8 locale"
fi

done_testing
