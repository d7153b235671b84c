#!/bin/bash
# apply-resume.sh - "pgreplica apply" killed with SIGKILL at any moment:
# the files on the primary are whole (the old text or the new, never half
# of each), and the next apply completes the job.
#
# pg1 is the primary, reached over SSH as the servers' account like in the
# other apply tests; its template (a fresh initdb with wal_level = minimal,
# max_wal_senders = 0 and no replication rule in pg_hba.conf, so that every
# step has something to do, the restart included) is copied back before
# each run.  pg2 is the standby's host.
#
# First one uninterrupted apply on the template (the reference: its time,
# its pg_hba.conf, postgresql.auto.conf and postgresql.conf); the same with
# --method=file.  Then runs on a fresh copy of the template, each killed
# with SIGKILL:
#   - after delays spread from 5 % to 95 % of the reference's time;
#   - right after the role step is journalled done (between steps);
#   - while the temporary file of the pg_hba.conf backup's write exists,
#     and while the one of the pg_hba.conf write itself exists;
#   - while the temporary file of the postgresql.conf write exists
#     (--method=file);
#   - while the server is being restarted (the old postmaster is gone);
#   - once the restarted server is up, before the step is journalled done.
# The moment each kill hit is read from the journal (and the data
# directory) and said in the test descriptions.  After each kill:
#   - pg_hba.conf is byte for byte the old or the new file; so is
#     postgresql.conf; every line of postgresql.auto.conf is one of the old
#     or the new file; when the server runs, pg_hba_file_rules and
#     pg_file_settings show no error;
#   - a temporary file ".NAME.pgreplica-*" is left only when the kill came
#     during a step that writes files;
# then a second "apply --yes" exits 0 ("Done" or "Nothing to do"), says it
# resumes when the journal shows an interrupted step (and only then), and
# leaves the cluster as the uninterrupted apply does: the role WITH
# REPLICATION LOGIN (a replication connection from pg2 with the passfile's
# password works), the hba rule (pg_hba.conf as the reference's), wal_level
# = replica and the other parameters in force, nothing pending a restart,
# and a journal with no interrupted step.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-resume.sh

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
. "$top_srcdir/tests/lib/tap.sh"
. "$top_srcdir/tests/lib/fixture.sh"
set -u

PGREPLICA=${PGREPLICA:-${top_builddir:-.}/pgreplica}
[ -x "$PGREPLICA" ] || bail_out "no pgreplica program at $PGREPLICA: build it first (make)"
command -v "${PG_BINDIR:-$(pg_config --bindir 2>/dev/null)}/initdb" >/dev/null ||
	skip_all "no PostgreSQL server binaries (set PG_BINDIR)"
command -v sshd >/dev/null || [ -x /usr/sbin/sshd ] || skip_all "no sshd"

fx_setup
ok "initdb pg1" fx_pg_init pg1 || bail_out "no primary"
pgdata=$(fx_pgdata pg1)
hba=$pgdata/pg_hba.conf
auto=$pgdata/postgresql.auto.conf
pgconf=$pgdata/postgresql.conf
printf '%s\n' '# replication off, as before pgreplica' 'wal_level = minimal' \
	'max_wal_senders = 0' >>"$pgconf"
fx_pg_hba pg1 "host    all          all          $FX_SUBNET  scram-sha-256"
template=$FX_DIR/pg1.template
cp -a "$pgdata" "$template"
ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "standby host pg2" fx_host pg2 || bail_out "no standby host"
unset SSH_AUTH_SOCK
conf=$FX_DIR/cluster.conf
fx_cluster_file "$conf" pg1 pg2
steps="role@pg1 params@pg1 hba@pg1 activate@pg1"

# fresh RUN: the template back in place and started; the journal and the
# passfile of this run in their own directories
fresh()
{
	run_dir=$FX_DIR/$1
	mkdir -p "$run_dir"
	export XDG_STATE_HOME=$run_dir/state XDG_CONFIG_HOME=$run_dir/config
	journal=$XDG_STATE_HOME/pgreplica/fx.journal
	passfile=$XDG_CONFIG_HOME/pgreplica/fx.pgpass
	if fx_pg_pid pg1 >/dev/null; then
		fx_pg_stop pg1 immediate || return 1
	fi
	rm -rf "$pgdata" && cp -a "$template" "$pgdata" && fx_pg_start pg1
}

# apply ARG...: apply --yes in the foreground; sets out and rc
apply()
{
	out=$("$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes --primary-only "$@" </dev/null 2>&1)
	rc=$?
}

now_ms()
{
	local t=${EPOCHREALTIME/./}
	printf '%s\n' $((t / 1000))
}

# ---- what the server and the files say ---------------------------------------

setting()
{
	fx_psql pg1 "SELECT setting FROM pg_settings WHERE name = '$1'"
}

role_attrs()
{
	fx_psql pg1 "SELECT rolreplication, rolcanlogin, rolsuper FROM pg_roles WHERE rolname = 'replicate'"
}

pg1_ready()
{
	"$FX_PG_CLIENT_BINDIR/pg_isready" -q -h "$FX_DIR/pg1/sock" -p "$FX_PORT_pg1"
}
pg1_ready_or_gone() { pg1_ready || [ -z "$(fx_pg_pid pg1)" ]; }

hba_errors()
{
	fx_psql pg1 "SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"
}

settings_errors()
{
	# (a value waiting for a restart is not an error in the file)
	fx_psql pg1 "SELECT count(*) FROM pg_file_settings WHERE error IS NOT NULL
		AND error <> 'setting could not be applied'"
}

hba_rule()
{
	fx_psql pg1 "SELECT count(*) FROM pg_hba_file_rules WHERE database = '{replication}'
		AND user_name = '{replicate}' AND address = '$FX_ADDR_pg2'
		AND netmask = '255.255.255.255' AND auth_method = 'scram-sha-256'"
}

temp_files()
{
	local f
	for f in "$pgdata"/.*.pgreplica-*; do
		[ -e "$f" ] && printf '%s ' "${f##*/}"
	done
}

# lines_from FILE OLD NEW: every line of FILE is a line of OLD or of NEW
lines_from()
{
	local line
	[ -f "$1" ] || return 1
	while IFS= read -r line; do
		grep -qxF -- "$line" "$2" "$3" || { diag "  not in the old or the new file: $line"; return 1; }
	done <"$1"
}

# old_or_new FILE OLD NEW
old_or_new()
{
	cmp -s "$1" "$2" || cmp -s "$1" "$3"
}

# journal_state: "interrupted ID", "done ID", "failed ID" or "empty"
journal_state()
{
	local last
	last=$(tail -n 1 "$journal" 2>/dev/null)
	case $last in
	"begin "*) set -- $last; echo "interrupted $2" ;;
	"done "*|"failed "*) set -- $last; echo "$1 $2" ;;
	*) echo empty ;;
	esac
}

# journal_open: the id of a step begun and never ended, as apply reads it
journal_open()
{
	awk '$1 == "begin" { open = $2 } $1 != "begin" && $2 == open { open = "" } END { print open }' \
		"$journal" 2>/dev/null
}

# passfile_pw: the password the passfile keeps for replicate
passfile_pw()
{
	sed -n 's/^\*:\*:replication:replicate://p' "$passfile" 2>/dev/null | head -n 1
}

# replicates PASSWORD: a replication connection from pg2 as replicate
replicates()
{
	local pass=$FX_DIR/pg2.pgpass
	_fx_user_file 0600 "$pass"
	printf '*:*:replication:replicate:%s\n' "$1" >"$pass"
	fx_on_host_as_user pg2 "$FX_PG_CLIENT_BINDIR/psql" -XAtq -c IDENTIFY_SYSTEM \
		"host=$FX_ADDR_pg1 port=$FX_PORT_pg1 user=replicate dbname=replication replication=true connect_timeout=10 passfile=$pass" \
		>"$FX_DIR/repl.out" 2>&1
}

# end_state WHAT METHOD: pg1 as one uninterrupted apply leaves it
end_state()
{
	local what=$1 m=$2
	is "$(role_attrs)" "t|t|f" "$what: the role replicate has REPLICATION LOGIN, not SUPERUSER"
	ok "$what: replication from pg2 with the passfile's password works" replicates "$(passfile_pw)" ||
		diag "$(cat "$FX_DIR/repl.out")"
	ok "$what: pg_hba.conf is the reference's" cmp -s "$hba" "$FX_DIR/ref-$m.hba"
	is "$(hba_rule)" 1 "$what: the server has the replication rule for pg2"
	is "$(setting wal_level) $(setting wal_log_hints) $(setting max_wal_senders)" \
		"replica on 5" "$what: wal_level = replica, wal_log_hints = on, max_wal_senders = 5 in force"
	is "$(fx_psql pg1 'SELECT count(*) FROM pg_settings WHERE pending_restart')" 0 \
		"$what: nothing waits for a restart"
	is "$(journal_open)" "" "$what: the journal shows no interrupted step"
}

# ---- the references: one uninterrupted apply each -----------------------------

declare -A ref_ms
for m in alter-system file; do
	ok "reference ($m): fresh pg1" fresh "ref-$m" || bail_out "cannot reset pg1"
	t0=$(now_ms)
	apply --method=$m
	ref_ms[$m]=$(($(now_ms) - t0))
	is "$rc" 0 "reference ($m): apply exits 0 (${ref_ms[$m]} ms)" || diag "$out"
	like "$out" "Done: 4 steps applied" "reference ($m): every step applied" || diag "$out"
	cp "$hba" "$FX_DIR/ref-$m.hba"
	cp "$auto" "$FX_DIR/ref-$m.auto"
	cp "$pgconf" "$FX_DIR/ref-$m.conf"
	end_state "reference ($m)" "$m"
	is "$(temp_files)" "" "reference ($m): no temporary file left"
	apply --method=$m
	like "$out" "Nothing to do" "reference ($m): a second apply has nothing to do" || diag "$out"
done
nok "the reference's pg_hba.conf differs from the template's" cmp -s "$template/pg_hba.conf" "$FX_DIR/ref-alter-system.hba"
nok "--method=file's postgresql.conf differs from the template's" cmp -s "$template/postgresql.conf" "$FX_DIR/ref-file.conf"

# ---- killed runs ------------------------------------------------------------------

# killed NAME METHOD TRIGGER [ARG]: a fresh pg1, apply in the background,
# SIGKILL when TRIGGER says, then the checks and the completing apply.
# TRIGGER: delay MS | journal LINE | tempfile GLOB | restarting | restarted
killed()
{
	local name=$1 m=$2 trigger=$3 arg=${4:-} apid t0 pid0 hit='' st moment tmp
	local p pidnow arc lines
	fresh "$name" || { fail "$name: fresh pg1"; return; }
	pid0=$(fx_pg_pid pg1)
	t0=$(now_ms)
	"$PGREPLICA" -c "$conf" --ssh-config "$FX_SSH_CONFIG" apply --yes --primary-only --method=$m \
		</dev/null >"$run_dir/out" 2>&1 &
	apid=$!
	case $trigger in
	delay)
		p=$((arg - ($(now_ms) - t0)))
		[ "$p" -gt 0 ] && sleep "$(printf '%d.%03d' $((p / 1000)) $((p % 1000)))"
		hit=1 ;;
	esac
	# the other triggers: watch (without forking) until the moment comes
	while [ -z "$hit" ] && fx_alive "$apid"; do
		case $trigger in
		journal)
			lines=()
			[ -f "$journal" ] && mapfile -t lines <"$journal"
			[ "${#lines[@]}" -gt 0 ] && [[ ${lines[-1]} == "$arg "* ]] && hit=1 ;;
		tempfile)
			compgen -G "$pgdata/$arg" >/dev/null && hit=1 ;;
		restarting)
			fx_alive "$pid0" || hit=1 ;;
		restarted)
			pidnow=''
			read -r pidnow 2>/dev/null <"$pgdata/postmaster.pid"
			if [ -n "$pidnow" ] && [ "$pidnow" != "$pid0" ] &&
				grep -q '^ready' "$pgdata/postmaster.pid" 2>/dev/null; then
				hit=1
			fi ;;
		esac
	done
	kill -9 "$apid" 2>/dev/null
	{ wait "$apid"; } 2>/dev/null
	arc=$?
	# what the kill hit
	st=$(journal_state)
	case $st in
	empty) moment="before the first step was journalled" ;;
	"interrupted "*) moment="during step ${st#* }" ;;
	"done activate@pg1") moment="after the last step" ;;
	"done "*) moment="between steps, after ${st#* }" ;;
	*) moment="after: $st" ;;
	esac
	[ "$arc" = 137 ] || moment="$moment (too late: apply had exited with $arc)"
	pidnow=$(fx_pg_pid pg1)
	if [ -z "$pidnow" ]; then
		moment="$moment, server stopped"
	elif [ "$pidnow" != "$pid0" ]; then
		moment="$moment, server restarted"
	fi
	tmp=$(temp_files)
	[ -n "$tmp" ] && moment="$moment, temporary file left: $tmp"
	note "$name ($trigger${arg:+ $arg}, --method=$m): the kill came $moment"
	case $trigger in
	tempfile|restarting|restarted) [ -n "$hit" ] ||
		diag "$name: the moment watched for was not seen before apply ended" ;;
	esac

	ok "$name: pg_hba.conf is whole (the old or the new file)" \
		old_or_new "$hba" "$template/pg_hba.conf" "$FX_DIR/ref-$m.hba"
	ok "$name: postgresql.conf is whole (the old or the new file)" \
		old_or_new "$pgconf" "$template/postgresql.conf" "$FX_DIR/ref-$m.conf"
	ok "$name: each line of postgresql.auto.conf is one of the old or the new file" \
		lines_from "$auto" "$template/postgresql.auto.conf" "$FX_DIR/ref-$m.auto"
	# a kill during the restart can leave a postmaster still starting: ask
	# it once it accepts connections (or is gone)
	[ -n "$pidnow" ] && fx_poll 30 pg1_ready_or_gone
	if [ -n "$(fx_pg_pid pg1)" ] && pg1_ready; then
		is "$(hba_errors)" 0 "$name: the server finds no error in pg_hba.conf"
		is "$(settings_errors)" 0 "$name: the server finds no error in the configuration files"
	else
		diag "$name: the server is not running: pg_hba_file_rules and pg_file_settings not asked"
	fi
	if [ -n "$tmp" ]; then
		like "$st" "^interrupted (hba|params)@" \
			"$name: a temporary file is left only by a kill during a step that writes files"
	else
		pass "$name: no temporary file left"
	fi

	apply --method=$m
	is "$rc" 0 "$name: the next apply exits 0" || diag "$out"
	like "$out" "(Done: [0-9]+ steps? applied|Nothing to do)" "$name: the next apply completes" ||
		diag "$out"
	case $st in
	"interrupted "*)
		like "$out" "the last apply stopped during step \"${st#* }\": resuming" \
			"$name: the next apply says it resumes ${st#* }" || diag "$out" ;;
	*)
		unlike "$out" "resuming" "$name: the next apply does not claim to resume" || diag "$out" ;;
	esac
	if [ -z "$(fx_pg_pid pg1)" ]; then
		diag "$name: FINDING: pg1 was left stopped and apply did not start it;" \
		     "started by hand to check the rest"
		fx_pg_start pg1 && apply --method=$m
		diag "$out"
	fi
	end_state "$name" "$m"
	is "$(temp_files)" "$tmp" "$name: the next apply left no temporary file of its own"
}

T=${ref_ms[alter-system]}
note "one uninterrupted apply takes $T ms; killing at 5 % to 95 % of it"
for i in 0 1 2 3 4 5 6 7; do
	pct=$((5 + i * 90 / 7))
	killed "kill at $pct %" alter-system delay $((T * pct / 100))
done
killed "kill between steps" alter-system journal "done role@pg1"
# (the backup is written the same way, to .NAME.pgreplica-DATE.pgreplica-XXXXXX)
killed "kill during the pg_hba.conf backup's write" alter-system tempfile ".pg_hba.conf.pgreplica-*.pgreplica-??????"
killed "kill during the pg_hba.conf write" alter-system tempfile ".pg_hba.conf.pgreplica-??????"
killed "kill during the postgresql.conf write" file tempfile ".postgresql.conf.pgreplica-??????"
killed "kill during the restart" alter-system restarting
killed "kill once the restarted server is up" alter-system restarted

done_testing
