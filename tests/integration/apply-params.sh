#!/bin/bash
# apply-params.sh - the server parameter step of "pgreplica plan/apply" on
# real servers.
#
# pg1, a fresh initdb, with the default method (ALTER SYSTEM): plan shows
# the statements and changes nothing; apply --yes puts wal_level,
# wal_log_hints, keepalives... in force (after the activate step's
# restart); a second apply has nothing to do and restarts nothing; a
# restart-only value changed but not in force is detected; with slots off,
# archiving and sync in the cluster file the plan sets wal_keep_size,
# archive_mode/command, synchronous_standby_names; listen_addresses gets
# the primary's address (never narrowing '*'), larger values are kept.
#
# pg3, whose postgresql.conf has comments, an existing "wal_level =
# minimal" line, an include file setting max_wal_senders = 0 (mode 0640)
# and an include_dir whose files set hot_standby and listen_addresses =
# '*', with --method=file: plan shows a diff with only the intended lines;
# apply writes each value in the file that set it (the effective value is
# the one written), keeps the comments, the owner and mode, leaves a
# backup, never narrows '*'; a second apply has nothing to do; a value in
# postgresql.auto.conf that would win is reset.
#
# Bad input: a cluster file whose sync value the server refuses (a syntax
# error) is rolled back with either method: files and postgresql.auto.conf
# as they were, the server's settings unchanged, no restart; a
# configuration with errors already is refused before anything changes.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-params.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
APPLY=$PGREPLICA
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"

fx_setup
# the primaries run on the runner's own machine (ssh = local): the activate
# step restarts them with pg_ctl, which must be in their network namespace
fx_host pg1 --runner && fx_host pg3 --runner || bail_out "no runner host"
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"

pwfile=$FX_DIR/replication.pw
_fx_user_file 0600 "$pwfile"
LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 20 >"$pwfile"
echo >>"$pwfile"
_fx_user_dir 0700 "$FX_DIR/state"

# run CONF ARG...: "$APPLY -c CONF ARG..." as the servers' account (the
# nodes are "ssh = local": pg_ctl, run by the activate step, refuses root);
# sets out (stdout and stderr) and rc
run()
{
	local c=$1
	shift
	out=$(fx_as_user env "PGPASSFILE=$FX_DIR/user.pgpass" "XDG_STATE_HOME=$FX_DIR/state" \
		"$APPLY" -c "$c" --replication-password-file "$pwfile" "$@" --primary-only 2>&1)
	rc=$?
}

# setting NODE NAME: the running value
setting()
{
	fx_psql "$1" "SELECT setting FROM pg_settings WHERE name = '$2'"
}

# file_errors NODE: pg_file_settings' errors, one a line
file_errors()
{
	fx_psql "$1" "SELECT coalesce(sourcefile, '?') || ':' || coalesce(sourceline, 0) || ': ' || error FROM pg_file_settings WHERE error IS NOT NULL"
}

sum()
{
	cat "$@" 2>/dev/null | md5sum
}

# the lines of the params step's part of a plan (until the next step)
params_part()
{
	awk '/^\[[0-9]+\] server parameters on /{p=1; print; next} /^\[[0-9]+\] /{p=0} p' <<<"$out"
}

# ---- ALTER SYSTEM (the default) on a fresh initdb ---------------------------

conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
data1=$(fx_pgdata pg1)
auto1=$(sum "$data1/postgresql.auto.conf")

run "$conf" plan
is "$rc" 0 "plan exits 0" || diag "$out"
part=$(params_part)
like "$part" "ALTER SYSTEM SET wal_log_hints = 'on';" "plan shows ALTER SYSTEM SET wal_log_hints"
like "$part" "ALTER SYSTEM SET tcp_keepalives_idle = '60';" "plan shows the keepalives"
unlike "$part" "wal_level|max_wal_senders|max_replication_slots|hot_standby|listen_addresses" \
	"plan leaves alone what initdb's defaults already give"
like "$part" "restart is needed for wal_log_hints" "plan says wal_log_hints needs a restart"
is "$(sum "$data1/postgresql.auto.conf")" "$auto1" "plan changed nothing"
is "$(setting pg1 wal_log_hints)" off "wal_log_hints still off after plan"

pid_before=$(fx_pg_pid pg1)
run "$conf" apply --yes
is "$rc" 0 "apply --yes exits 0" || diag "$out"
like "$out" "server parameters on pg1: done" "apply says the parameter step is done"
is "$(setting pg1 wal_log_hints)" on "wal_log_hints is on (restarted)"
isnt "$(fx_pg_pid pg1)" "$pid_before" "the server was restarted"
is "$(setting pg1 wal_level)" replica "wal_level is replica"
is "$(setting pg1 hot_standby)" on "hot_standby is on"
is "$(fx_psql pg1 "SELECT setting::int >= 4 FROM pg_settings WHERE name = 'max_wal_senders'")" t \
	"max_wal_senders >= standbys + 2 + margin"
is "$(fx_psql pg1 "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_file_settings WHERE name LIKE 'tcp_keepalives%'")" \
	"tcp_keepalives_count=6,tcp_keepalives_idle=60,tcp_keepalives_interval=10" \
	"keepalives written"
is "$(fx_psql pg1 "SELECT count(*) FROM pg_settings WHERE pending_restart")" 0 "nothing pending a restart"
grep -q "^wal_log_hints = 'on'" "$data1/postgresql.auto.conf"
is "$?" 0 "postgresql.auto.conf sets wal_log_hints"
is "$(file_errors pg1)" "" "no errors in pg_file_settings"

auto1=$(sum "$data1/postgresql.auto.conf")
pid_before=$(fx_pg_pid pg1)
run "$conf" apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" "server parameters on pg1: nothing to do" "second apply: nothing to do for the parameters"
is "$(sum "$data1/postgresql.auto.conf")" "$auto1" "second apply left postgresql.auto.conf alone"
is "$(fx_pg_pid pg1)" "$pid_before" "second apply did not restart the server"

# A value changed in the files but not in force yet (pending restart) is
# detected: nothing to change, but the restart is still needed.
fx_psql pg1 "ALTER SYSTEM SET max_wal_senders = 20"
run "$conf" plan
part=$(params_part)
like "$part" "nothing to do.*restart is still needed for max_wal_senders" \
	"a pending change of a restart-only parameter is detected"
like "$out" "restart.*max_wal_senders" "the activate step plans the restart for it"
fx_psql pg1 "ALTER SYSTEM RESET max_wal_senders"
run "$conf" plan
unlike "$(params_part)" "restart" "back as it was: no restart pending"

# What the plan asks for with other cluster settings (plan only: a sync
# standby that does not exist would make commits wait).  Values set with
# ALTER SYSTEM and not restarted are what counts: the configured value.
conf_opts=$FX_DIR/cluster-opts.conf
fx_cluster_file -o slots=off -o "archive_command=test ! -f /arch/%f && cp %p /arch/%f" \
	-o "sync=FIRST 1 (pg2)" "$conf_opts" pg1 pg2
# (on loopback hosts 'localhost' covers the primary: start from another list)
listen_before=localhost
fx_netns_ok || listen_before=192.0.2.1
fx_psql pg1 "ALTER SYSTEM SET listen_addresses = '$listen_before'"
auto1=$(sum "$data1/postgresql.auto.conf")
run "$conf_opts" plan
is "$rc" 0 "plan with slots off, archiving and sync exits 0" || diag "$out"
part=$(params_part)
like "$part" "ALTER SYSTEM SET wal_keep_size = '1GB';" "slots off: wal_keep_size"
like "$part" "ALTER SYSTEM SET archive_mode = 'on';" "archive_mode on"
like "$part" "ALTER SYSTEM SET archive_command = 'test ! -f /arch/%f && cp %p /arch/%f';" \
	"archive_command from the cluster file"
like "$part" "ALTER SYSTEM SET synchronous_standby_names = 'FIRST 1 \(pg2\)';" \
	"synchronous_standby_names from the cluster file"
like "$part" "ALTER SYSTEM SET listen_addresses = '$listen_before,$FX_ADDR_pg1';" \
	"listen_addresses: the primary's address added, $listen_before kept"
unlike "$part" "max_replication_slots" "slots off: max_replication_slots left alone"
is "$(sum "$data1/postgresql.auto.conf")" "$auto1" "that plan changed nothing"
fx_psql pg1 "ALTER SYSTEM SET wal_keep_size = '2GB'" &&
	fx_psql pg1 "ALTER SYSTEM SET listen_addresses = '*'"
run "$conf_opts" plan
part=$(params_part)
unlike "$part" "SET (wal_keep_size|listen_addresses)" "a larger wal_keep_size and '*' are kept"
fx_psql pg1 "ALTER SYSTEM RESET wal_keep_size" && fx_psql pg1 "ALTER SYSTEM RESET listen_addresses"

# ---- the file method --------------------------------------------------------

ok "initdb pg3" fx_pg_init pg3 || bail_out "no pg3"
data3=$(fx_pgdata pg3)
pgconf=$data3/postgresql.conf
mkdir -p "$data3/conf.d"
cat >>"$pgconf" <<'EOF'

# Replication, kept by hand: do not touch the comments.
wal_level = minimal		# the old way, no standby yet
include 'replication.conf'	# senders live there
include_dir 'conf.d'
# end of the hand-made part
EOF
printf '%s\n' '# senders' 'max_wal_senders = 0	# none for now' '# more comments' >"$data3/replication.conf"
printf '%s\n' 'hot_standby = on' >"$data3/conf.d/05-standby.conf"
printf '%s\n' '# later files win' 'hot_standby = off  # last word' >"$data3/conf.d/10-standby.conf"
printf '%s\n' "listen_addresses = '*'" >"$data3/conf.d/20-listen.conf"
printf '%s\n' 'hot_standby = off' >"$data3/conf.d/30-ignored.txt"
chown -R "$FX_USER:$(id -gn "$FX_USER")" "$data3/replication.conf" "$data3/conf.d"
chmod 0640 "$data3/replication.conf"
ok "start pg3 with wal_level = minimal" fx_pg_start pg3 || bail_out "pg3 does not start"
is "$(setting pg3 wal_level)" minimal "pg3 runs with wal_level minimal"

conf3=$FX_DIR/cluster3.conf
fx_cluster_file "$conf3" pg3 pg2
cp -a "$data3" "$FX_DIR/data3.before"
before=$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")

run "$conf3" plan --method=file
is "$rc" 0 "plan --method=file exits 0" || diag "$out"
part=$(params_part)
diag "$part"
changed=$(grep -E '^    [-+]' <<<"$part" | grep -vE '^    (---|\+\+\+) ' | sed 's/^    //' | sort)
expected=$(sort <<'EOF'
-wal_level = minimal		# the old way, no standby yet
+wal_level = replica		# the old way, no standby yet
-max_wal_senders = 0	# none for now
+max_wal_senders = 5	# none for now
-hot_standby = off  # last word
+hot_standby = on   # last word
+wal_log_hints = on
+tcp_keepalives_idle = 60
+tcp_keepalives_interval = 10
+tcp_keepalives_count = 6
EOF
)
is "$changed" "$expected" "the diff changes only the intended lines"
like "$part" "--- $data3/replication.conf" "the diff names the include file"
like "$part" "--- $data3/conf.d/10-standby.conf" "the diff names the include_dir's last file"
unlike "$part" "05-standby|30-ignored|listen_addresses" "other files and '*' left alone"
is "$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")" "$before" \
	"plan --method=file changed nothing"

mode_before=$(stat -c '%a %U' "$data3/replication.conf")
run "$conf3" apply --yes --method=file
is "$rc" 0 "apply --yes --method=file exits 0" || diag "$out"
is "$(setting pg3 wal_level)" replica "wal_level is now replica"
is "$(fx_psql pg3 "SELECT sourcefile || ':' || sourceline FROM pg_settings WHERE name = 'wal_level'")" \
	"$pgconf:$(grep -n '^wal_level = replica' "$pgconf" | cut -d: -f1)" \
	"wal_level comes from the line that was edited"
is "$(fx_psql pg3 "SELECT sourcefile FROM pg_settings WHERE name = 'max_wal_senders'")" \
	"$data3/replication.conf" "max_wal_senders is in force from the include file"
is "$(setting pg3 max_wal_senders)" 5 "max_wal_senders is 5 (1 standby + 2 + 2)"
is "$(setting pg3 hot_standby)" on "hot_standby is on"
is "$(fx_psql pg3 "SELECT sourcefile FROM pg_settings WHERE name = 'hot_standby'")" \
	"$data3/conf.d/10-standby.conf" "hot_standby is in force from the include_dir's last file"
is "$(setting pg3 wal_log_hints)" on "wal_log_hints is on"
is "$(setting pg3 listen_addresses)" "*" "listen_addresses '*' kept"
is "$(diff "$FX_DIR/data3.before/postgresql.conf" "$pgconf" | grep -c '^[<>]')" 6 \
	"postgresql.conf: one line changed, four added, nothing else"
grep -q "^# Replication, kept by hand: do not touch the comments.$" "$pgconf" &&
	grep -q "^# end of the hand-made part$" "$pgconf"
is "$?" 0 "comments intact"
is "$(cat "$data3/replication.conf")" "$(printf '%s\n' '# senders' 'max_wal_senders = 5	# none for now' '# more comments')" \
	"the include file: its one line changed"
is "$(stat -c '%a %U' "$data3/replication.conf")" "$mode_before" "the include file keeps its mode and owner"
ls "$pgconf".pgreplica-* "$data3/replication.conf".pgreplica-* >/dev/null 2>&1
is "$?" 0 "backups of the changed files exist"
cmp -s "$(ls "$data3/replication.conf".pgreplica-* | head -n 1)" "$FX_DIR/data3.before/replication.conf"
is "$?" 0 "the backup holds the old text"
unlike "$(cat "$data3/postgresql.auto.conf")" "wal_level|max_wal_senders" \
	"the file method did not use ALTER SYSTEM"
is "$(file_errors pg3)" "" "no errors in pg_file_settings"

before=$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")
run "$conf3" apply --yes --method=file
is "$rc" 0 "second apply --method=file exits 0" || diag "$out"
like "$out" "server parameters on pg3: nothing to do" "second apply: nothing to do"
is "$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")" "$before" \
	"second apply changed no file"

# postgresql.auto.conf is read last: a value there that would win is reset,
# and the files (which give enough) are not lowered.
fx_psql pg3 "ALTER SYSTEM SET max_wal_senders = 2" && fx_pg_restart pg3
run "$conf3" plan --method=file
part=$(params_part)
like "$part" "ALTER SYSTEM RESET max_wal_senders;" "plan: postgresql.auto.conf's value is reset"
unlike "$part" "^    [-+]max_wal_senders" "plan: the include file is left alone"
run "$conf3" apply --yes --method=file
is "$rc" 0 "apply resets postgresql.auto.conf's value" || diag "$out"
is "$(setting pg3 max_wal_senders)" 5 "max_wal_senders is the include file's again"
unlike "$(cat "$data3/postgresql.auto.conf")" "max_wal_senders" "postgresql.auto.conf no longer sets it"

# ---- bad input: rolled back ---------------------------------------------------

conf_bad=$FX_DIR/cluster-bad.conf
fx_cluster_file -o "sync=2 (pg2" "$conf_bad" pg3 pg2
before=$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")
pid_before=$(fx_pg_pid pg3)

run "$conf_bad" apply --yes --method=file
isnt "$rc" 0 "file method: a sync value the server refuses fails" || diag "$out"
like "$out" "synchronous_standby_names" "the error names the parameter"
is "$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")" "$before" \
	"file method: every file as it was"
is "$(setting pg3 synchronous_standby_names)" "" "file method: the server keeps its settings"
is "$(file_errors pg3)" "" "file method: no errors left in pg_file_settings"

run "$conf_bad" apply --yes
isnt "$rc" 0 "ALTER SYSTEM: a sync value the server refuses fails" || diag "$out"
like "$out" "synchronous_standby_names" "the error names the parameter"
is "$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")" "$before" \
	"ALTER SYSTEM: every file as it was"
is "$(setting pg3 synchronous_standby_names)" "" "ALTER SYSTEM: the server keeps its settings"
is "$(fx_pg_pid pg3)" "$pid_before" "no restart after a refused value"

# a configuration that has errors already is not touched
printf '%s\n' 'wal_level = bogus' >"$data3/conf.d/40-bad.conf"
chown "$FX_USER:$(id -gn "$FX_USER")" "$data3/conf.d/40-bad.conf"
before=$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")
run "$conf3" plan --method=file
isnt "$rc" 0 "plan refuses a configuration that has errors already"
like "$out" "40-bad.conf" "the error names the file"
is "$(sum "$pgconf" "$data3/replication.conf" "$data3"/conf.d/* "$data3/postgresql.auto.conf")" "$before" \
	"nothing changed"
rm -f "$data3/conf.d/40-bad.conf"

done_testing
