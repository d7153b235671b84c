#!/bin/bash
# resync-archive.sh - a former primary whose WAL from the fork is only in
# the archive: resync rewinds it with pg_rewind --restore-target-wal, no
# copy (issue 18).
#
# pg1 (primary), pg2 and pg3 (standbys) on their own hosts, reached over
# SSH as the servers' account.  pg1 archives its WAL into a directory all
# hosts see (the file system is shared between the namespaces); its
# restore_command reads it back and notes each file it restores.
# - pg1 stops, pg2 is promoted, pg3 follows pg2; pg1 starts alone and
#   writes after the fork, switching and checkpointing until the segment
#   of the fork has left its pg_wal (asserted: gone from pg_wal, present
#   in the archive);
# - without a way to the archive (no restore_command, archive_mode off,
#   no archive_command in the cluster file) the dry run says a copy is
#   needed and why (the WAL from the fork is gone, no archive known);
#   --method=rewind refuses before anything is stopped; with the cluster
#   file's archive_command but no restore_command on pg1, the dry run says
#   that restore_command is what is missing;
# - restore_command set on pg1: the dry run says pg_rewind will fetch the
#   WAL from the archive with --restore-target-wal and shows the option;
#   pg1 then crashes (stopped immediate): its restore_command is read from
#   its configuration on its host, and "resync pg1 --yes" rewinds with it (restore_command's own note shows
#   the fork's segment restored), its --progress read (the log's last
#   figures are what pg_rewind said it had to copy), no copy (no data directory moved aside,
#   no pg_basebackup), pg1 streams from pg2 with pg2's rows and without
#   its own lost ones.
# - with PG_BINDIR of PostgreSQL 12 (or 10, 11): the dry run says that
#   pg_rewind there cannot fetch WAL from an archive and a copy is needed.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/resync-archive.sh
# PostgreSQL 12 (pg_basebackup 15 clones it):
#   PG_BINDIR=$(tests/tools/fetch-pg.sh 12) PG_CLIENT_BINDIR=/usr/lib/postgresql/15/bin \
#     ... bash tests/integration/resync-archive.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
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
major=$(fx_psql pg1 "SELECT current_setting('server_version_num')::int / 10000")
# PG_BINDIR of 12 (or older): the plan says that pg_rewind there cannot
# fetch from the archive, and the test stops after that
keep_setting=wal_keep_size
[ "$major" -ge 13 ] || keep_setting=wal_keep_segments

# the archive, on the file system every host shares; restore_command notes
# what it restores, so that the test sees pg_rewind fetch from it
arch=$FX_DIR/archive
mkdir -m 0700 "$arch" && chown "$FX_USER" "$arch"
archive_command="test ! -f $arch/%f && cp %p $arch/%f"
restore_command="cp $arch/%f %p && echo %f >>$arch/restored"
# ALTER SYSTEM, one statement at a time (not in a transaction block)
alter_system()
{
	local h=$1 s
	shift
	for s in "$@"; do
		fx_psql "$h" "ALTER SYSTEM $s" >/dev/null || return 1
	done
}
ok "pg1 archives its WAL, keeps little" alter_system pg1 "SET archive_mode = on" \
	"SET archive_command = '$archive_command'" "SET max_wal_size = '32MB'" \
	"SET min_wal_size = '32MB'" "SET $keep_setting = 0"
ok "pg1 restarted" fx_pg_restart pg1

conf=$FX_DIR/cluster.conf
conf_noarch=$FX_DIR/noarchive.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file -o "archive_command=$archive_command" "$conf" pg1 pg2 pg3

run()
{
	local c=$1
	shift
	out=$("$PGREPLICA" -c "$c" --ssh-config "$FX_SSH_CONFIG" "$@" </dev/null 2>&1)
	rc=$?
}

rows() { fx_psql "$1" "SELECT string_agg(id::text, ',' ORDER BY id) FROM drill"; }

run "$conf" apply --yes
is "$rc" 0 "apply --yes builds pg2 and pg3" || { diag "$out"; bail_out "no cluster"; }
ok "pg2 streams from pg1" fx_wait_streaming pg1 pg2
ok "pg3 streams from pg1" fx_wait_streaming pg1 pg3
ok "rows committed on pg1" fx_psql pg1 "CREATE TABLE drill (id int PRIMARY KEY, at text); INSERT INTO drill SELECT g, 'pg1' FROM generate_series(1, 100) g"
ok "pg2 has them" fx_wait_catchup pg1 pg2

# ---------------------------------------------------------------------------
# the failover: pg1 down, pg2 promoted, pg3 follows pg2
ok "pg1 stopped" fx_pg_stop pg1 fast
run "$conf" promote pg2 --yes
is "$rc" 0 "promote pg2 --yes exits 0" || diag "$out"
run "$conf" follow pg3 --yes
is "$rc" 0 "follow pg3 --yes exits 0" || diag "$out"
ok "pg3 streams from pg2" fx_wait_streaming pg2 pg3
ok "rows written on pg2 after the fork" fx_psql pg2 "INSERT INTO drill SELECT g, 'pg2' FROM generate_series(101, 200) g"
# the cluster file's copy for the "no archive" case, now that it names pg2
sed '/^archive_command = /d' "$conf" >"$conf_noarch"

fork=$(fx_psql pg2 "SELECT pg_read_file('pg_wal/00000002.history')" | awk -F'\t' '$1 == 1 { print $2 }')
ok "pg2's history says where it left timeline 1 ($fork)" test -n "$fork"

# pg1 starts alone, writes after the fork, until the fork's segment has
# left its pg_wal (archived first: the server removes nothing unarchived)
ok "pg1 started alone (it diverges)" fx_pg_start pg1
fx_psql pg1 "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots" >/dev/null
forkwal=$(fx_psql pg1 "SELECT pg_walfile_name('$fork')")
forkseg=${forkwal:8}
fork_gone()
{
	fx_psql pg1 "CREATE TABLE IF NOT EXISTS lost(x int); INSERT INTO lost SELECT generate_series(1, 1000); SELECT pg_switch_wal(); CHECKPOINT" >/dev/null
	oldest=$(fx_psql pg1 "SELECT substr(min(name), 9) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'")
	test "$oldest" \> "$forkseg"
}
ok "pg1's pg_wal no longer has the fork's segment $forkwal" fx_poll 120 fork_gone
diag "the fork's segment: $forkwal; pg1's oldest: ...$oldest"
nok "... not in pg1's pg_wal" test -e "$(fx_pgdata pg1)/pg_wal/$forkwal"
ok "... but in the archive" test -f "$arch/$forkwal"
ok "rows only pg1 has (lost by the resync)" fx_psql pg1 "INSERT INTO drill VALUES (9999, 'lost')"

if [ "$major" -lt 13 ]; then
	# 12 reads restore_command outside recovery; 10 and 11 have no such setting
	[ "$major" -eq 12 ] && ok "restore_command set on pg1" alter_system pg1 "SET restore_command = '$restore_command'" &&
		ok "pg1 reloaded" fx_pg_reload pg1
	run "$conf" resync pg1 --dry-run
	is "$rc" 0 "resync pg1 --dry-run exits 0" || diag "$out"
	like "$out" "is no longer in its pg_wal; pg_rewind of PostgreSQL $major cannot fetch WAL from an archive \\(--restore-target-wal needs 13 or later\\); a copy is needed" \
		"PostgreSQL $major: the dry run says pg_rewind cannot fetch from the archive, a copy is needed" || diag "$out"
	unlike "$out" "--restore-target-wal \\(after" "no --restore-target-wal on pg_rewind's line"
	done_testing
	exit
fi

# ---------------------------------------------------------------------------
# no way to the archive: a copy is needed, and why
ok "pg1 without restore_command nor archiving" alter_system pg1 \
	"RESET restore_command" "SET archive_mode = off"
ok "pg1 restarted" fx_pg_restart pg1
is "$(fx_psql pg1 "SELECT current_setting('archive_mode') || '/' || current_setting('restore_command')")" "off/" \
	"pg1: archive_mode off, no restore_command"
pid1=$(fx_pg_pid pg1)
run "$conf_noarch" resync pg1 --dry-run
is "$rc" 0 "resync pg1 --dry-run exits 0" || diag "$out"
like "$out" "pg_rewind cannot re-sync pg1: the WAL of pg1 from where its history and pg2's went apart \\($fork, timeline 1\\) is no longer in its pg_wal; no WAL archive is known to fetch it from \\(neither archive_command in the cluster file nor restore_command on pg1\\); a copy is needed" \
	"dry run: a copy is needed, the WAL from the fork being gone and no archive known" || diag "$out"
like "$out" "copy it afresh from pg2 with pg_basebackup" "dry run: the copy"
unlike "$out" "--restore-target-wal" "dry run: no --restore-target-wal"
run "$conf_noarch" resync pg1 --method=rewind --yes
isnt "$rc" 0 "resync pg1 --method=rewind refuses"
like "$out" "pg_rewind cannot re-sync pg1: the WAL of pg1 .* is no longer in its pg_wal; no WAL archive is known" \
	"and says why" || diag "$out"
unlike "$out" "stopping pg1" "before stopping pg1"
is "$(fx_pg_pid pg1)" "$pid1" "pg1's server still runs, the same process"

# the cluster file archives, pg1 has no restore_command: that is what lacks
run "$conf" resync pg1 --dry-run
is "$rc" 0 "resync pg1 --dry-run (archive_command in the cluster file) exits 0" || diag "$out"
like "$out" "is no longer in its pg_wal; pg1 archives its WAL but has no restore_command for pg_rewind --restore-target-wal to fetch it back with \\(set restore_command on pg1\\); a copy is needed" \
	"dry run: restore_command on pg1 is what is missing" || diag "$out"
unlike "$out" "pg_rewind --target-pgdata" "dry run: no pg_rewind step"

# ---------------------------------------------------------------------------
# restore_command on pg1: pg_rewind fetches the WAL from the archive
ok "restore_command set on pg1" alter_system pg1 "SET restore_command = '$restore_command'"
ok "pg1 reloaded" fx_pg_reload pg1
ok "pg1 reads it" fx_wait_for pg1 "SELECT current_setting('restore_command') <> ''" t
run "$conf" resync pg1 --dry-run
is "$rc" 0 "resync pg1 --dry-run exits 0" || diag "$out"
like "$out" "is no longer in its pg_wal: pg_rewind will fetch it from the archive with --restore-target-wal \\(pg1's restore_command: cp $arch/%f %p" \
	"dry run: pg_rewind will fetch the WAL from the archive, and why" || diag "$out"
like "$out" "pg_rewind --target-pgdata=[^ ]* --source-server=.* --progress --restore-target-wal \\(after a CHECKPOINT" "dry run: the option on pg_rewind's line"
unlike "$out" "a copy is needed" "dry run: no copy"
nok "nothing restored yet" test -s "$arch/restored"
is "$(fx_pg_pid pg1)" "$pid1" "the dry run stopped nothing"

# pg1 down (crashed): its pg_wal cannot be read beforehand, its
# restore_command can (postgres -C, as pg_rewind reads it)
ok "pg1 stopped (immediate: a crashed former primary)" fx_pg_stop pg1 immediate
run "$conf" resync pg1 --dry-run
is "$rc" 0 "resync pg1 --dry-run (pg1 down) exits 0" || diag "$out"
like "$out" "pg1 is down: whether its WAL from the fork is still in its pg_wal cannot be read; pg_rewind will fetch what has left it from the archive with --restore-target-wal \\(pg1's restore_command: cp $arch/%f %p" \
	"dry run, pg1 down: pg_rewind will fetch from the archive what has left pg_wal" || diag "$out"
like "$out" "--source-server=.* --progress --restore-target-wal \\(after a CHECKPOINT" "dry run, pg1 down: the option on pg_rewind's line"

run "$conf" resync pg1 --yes
is "$rc" 0 "resync pg1 --yes exits 0" || diag "$out"
# pg_rewind --progress read: its last figures against what it said it had to copy
need=$(printf '%s\n' "$out" | sed -n 's/.*pg_rewind: need to copy \([0-9]*\) MB .*/\1/p' | tail -n 1)
last=$(printf '%s\n' "$out" | sed -n 's/.*pg_rewind: \([0-9.]*\) \([kMG]*B\) copied in \([0-9.]*\) s (.*\/s)$/\1 \2/p' | tail -n 1)
ok "pg_rewind said how much it had to copy (${need:-?} MB)" test -n "$need"
ok "the log gives pg_rewind's figures ($last)" test -n "$last"
set -- $last
copied=$(awk -v n="${1:-0}" -v u="${2:-B}" 'BEGIN { m = 1; if (u == "kB") m = 1024; else if (u == "MB") m = 1048576; else if (u == "GB") m = 1073741824; printf "%d\n", n * m }')
ok "they are pg_rewind's own: $copied B, for ${need:-?} MB to copy (within 1 MB)" \
	awk -v c="$copied" -v n="${need:-0}" 'BEGIN { d = c - n * 1048576; exit !(n > 0 && d > -1048576 && d < 2 * 1048576) }'
like "$out" "rewinding pg1 from pg2 with pg_rewind --restore-target-wal" "pg_rewind ran with --restore-target-wal"
ok "restore_command fetched the fork's segment $forkwal for it" grep -qx "$forkwal" "$arch/restored" ||
	diag "restored: $(cat "$arch/restored" 2>/dev/null)"
unlike "$out" "pg_basebackup|copying pg1 afresh" "no copy"
ok "no data directory moved aside" test -z "$(ls -d "$(fx_pgdata pg1)".pgreplica-* 2>/dev/null)"
ok "pg1 streams from pg2" fx_wait_streaming pg2 pg1
is "$(fx_psql pg1 'SELECT pg_is_in_recovery()')" t "pg1 is a standby"
ok "more rows on pg2" fx_psql pg2 "INSERT INTO drill VALUES (201, 'pg2')"
ok "pg1 caught up" fx_wait_catchup pg2 pg1
want=$(seq -s, 1 201)
is "$(rows pg1)" "$want" "pg1 has pg2's rows, and not its lost one"
is "$(rows pg3)" "$(rows pg2)" "pg3 too"

done_testing
