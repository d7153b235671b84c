#!/bin/bash
# apply-standby.sh - the standby step of "pgreplica apply" on real servers.
#
# pg1 is the primary, pg2 a fresh initdb'ed server on its own host (its own
# namespace, address and sshd), both reached over SSH as the servers'
# account.  From a cluster file and nothing else:
# - plan shows the pg_basebackup command, where the old data directory
#   goes, the passfile and the standby settings, and no password;
# - one apply --yes ends with pg2 streaming (pg_stat_replication on pg1:
#   application_name pg2, state streaming, from pg2's address), through its
#   slot, the marker row written on pg1 read on pg2, the old data directory
#   moved aside and still there, pg2's own postgresql.conf kept;
# - the replication password is in no file but the 0600 passfiles (not in
#   postgresql.auto.conf, not in the server logs, nowhere in $FX_DIR);
# - a second apply has nothing to do for pg2;
# - a stopped standby, and a data directory left half-made (backup_label:
#   it never started), are moved aside and rebuilt by the next apply, the
#   files to keep then coming from the copy before;
# - ssl = on: pg2 connects with verify-full and the cluster's CA, keeps its
#   own certificate;
# - a space and a quote in pgdata work; $(...) is refused (pg_ctl would run
#   it) and never run;
# - a pg_basebackup that fails keeps the old data directory, and the next
#   apply succeeds;
# - a bindir without pg_ctl: the rebuild stops before moving anything,
#   naming it, and the next apply (pg_ctl back) succeeds;
# - a standby host reached as root is refused;
# - pg2's binaries of another major version are refused, naming both (the
#   version said by the pg_ctl beside postgres when there is one);
# - a rebuild that changes nothing on pg1 logs in to pg2 only.
#
# Run by hand (as root for network namespaces):
#   top_srcdir=/work/main PGREPLICA=/path/to/build/pgreplica \
#     bash tests/integration/apply-standby.sh

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
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 ||
	bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 ||
	bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 ||
	bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 ||
	bail_out "no sshd on pg2"
# as in /var/lib/postgresql/NN: the server's account owns the data
# directory's parent (it moves the old one aside and makes the new one)
chown "$FX_USER" "$FX_DIR/pg2"

conf=$FX_DIR/cluster.conf
data2=$(fx_pgdata pg2)
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2
passfile=$FX_DIR/pg2/.pgreplica-pg2.pgpass

asides() { ls -d "$data2".pgreplica-* 2>/dev/null | wc -l; }

streaming_row()
{
	fx_psql pg1 "SELECT state, coalesce(host(client_addr), 'local') FROM pg_stat_replication WHERE application_name = 'pg2'"
}

# ---------------------------------------------------------------------------
# plan
run plan
is "$rc" 0 "plan exits 0" || diag "$out"
like "$out" "build the standby pg2: will (change|build)" "plan has a standby step for pg2"
like "$out" "pg_basebackup' '-h' '$FX_ADDR_pg1' '-p' '$FX_PORT_pg1' '-U' 'replicate' '-D' '$data2' '-X' 'stream' '-c' 'fast' '-P' '-v' '-S' 'pg2' '-C'" \
	"plan shows the pg_basebackup command, with a new slot" || diag "$out"
like "$out" "PGPASSFILE=$passfile" "pg_basebackup gets the passfile"
like "$out" "architecture $(uname -m) like pg1" "plan checked pg2's architecture against pg1's" || diag "$out"
like "$out" "mv -- '$data2' '$data2.pgreplica-YYYYMMDD-HHMMSS'" "plan says where the old data directory goes"
like "$out" "primary_conninfo = .*passfile=" "plan shows primary_conninfo with passfile="
unlike "$out" "password=" "and no password="
ok "plan left pg2 as it was" test ! -e "$data2/standby.signal" -a ! -e "$passfile"
plan_out=$out

# ---------------------------------------------------------------------------
# apply (traced: which hosts it logs in to)
export PGREPLICA_TRACE=1
run apply --yes
unset PGREPLICA_TRACE
is "$rc" 0 "apply --yes exits 0" || diag "$out"
like "$out" "trace .* open pg1" "pg1's steps have work to do: apply logs in to pg1" || diag "$out"
like "$out" "moved the old data directory" "apply moved the old data directory aside"
like "$out" "the marker written on the upstream was read on pg2" "apply read the marker on pg2"
like "$out" "pg2 streams from pg1: lag" "apply reports the lag"
if fx_netns_ok; then
	is "$(streaming_row)" "streaming|$FX_ADDR_pg2" "pg1 sees pg2 streaming from pg2's address"
else
	like "$(streaming_row)" "^streaming\|" "pg1 sees pg2 streaming (loopback: address not checked)"
fi
is "$(fx_psql pg1 "SELECT active FROM pg_replication_slots WHERE slot_name = 'pg2'")" t \
	"pg2 streams through its slot"
tok=$(fx_psql pg1 "SELECT token FROM pgreplica.marker WHERE node = 'pg2'")
ok "a marker on pg1" test -n "$tok"
is "$(fx_psql pg2 "SELECT token FROM pgreplica.marker WHERE node = 'pg2'")" "$tok" "the marker is on pg2"
is "$(fx_psql pg2 'SELECT pg_is_in_recovery()')" t "pg2 is in recovery"
ok "standby.signal" test -e "$data2/standby.signal"
is "$(asides)" 1 "the old data directory is kept"
ok "with its files" test -f "$(ls -d "$data2".pgreplica-* | head -1)/PG_VERSION"
is "$(fx_psql pg2 'SHOW port')" "$FX_PORT_pg2" "pg2 kept its own postgresql.conf"
is "$(stat -c '%a %U' "$passfile")" "600 $FX_USER" "the passfile: 0600, the server's account"

pw=$(sed -n 's/^\*:\*:replication:replicate://p' "$XDG_CONFIG_HOME/pgreplica/fx.pgpass")
ok "the operator's passfile has the password" test -n "$pw"
like "$(cat "$passfile")" "^$FX_ADDR_pg1:$FX_PORT_pg1:replication:replicate:" "the standby's passfile has the entry"
nok "the password is not in postgresql.auto.conf" grep -qF -- "$pw" "$data2/postgresql.auto.conf"
# the preview is what is written: each standby setting the plan showed
# stands, to the byte, as a line of postgresql.auto.conf
shown=$(printf '%s\n' "$plan_out" | sed -n 's/^[[:space:]]*\(primary_conninfo = .*\|primary_slot_name = .*\)$/\1/p')
is "$(printf '%s\n' "$shown" | grep -c .)" 2 "the plan showed primary_conninfo and primary_slot_name" || diag "$plan_out"
while IFS= read -r line; do
	ok "written as shown: ${line%% =*}" grep -qxF -- "$line" "$data2/postgresql.auto.conf" ||
		diag "shown: $line" "written: $(grep "^${line%% =*}" "$data2/postgresql.auto.conf")"
done <<<"$shown"
nok "nor in the server logs" grep -qaF -- "$pw" "$FX_DIR/pg1/log" "$FX_DIR/pg2/log"
leaks=$(grep -rlaF -- "$pw" "$FX_DIR" 2>/dev/null | while read -r f; do
	[ "$(stat -c %a "$f")" = 600 ] && case $f in *.pgpass) continue ;; esac
	printf '%s\n' "$f"
done)
is "$leaks" "" "the password is in no file but the 0600 passfiles"

# ---------------------------------------------------------------------------
# again: nothing to do
run apply --yes
is "$rc" 0 "second apply exits 0" || diag "$out"
like "$out" "build the standby pg2: nothing to do" "second apply: nothing to do for pg2"
is "$(asides)" 1 "no other copy was made"

# ---------------------------------------------------------------------------
# a stopped standby is rebuilt; so is a half-made data directory
ok "stop pg2" fx_pg_stop pg2
export PGREPLICA_TRACE=1
run apply --yes
unset PGREPLICA_TRACE
is "$rc" 0 "apply with pg2 stopped exits 0" || diag "$out"
like "$out" "trace .* open pg2" "the rebuild logs in to pg2" || diag "$out"
unlike "$out" "trace .* open pg1" "and not to pg1, where nothing changes (its machine asked of its server)" || diag "$out"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(asides)" 2 "the stopped standby's directory was moved aside too"
ok "stop pg2" fx_pg_stop pg2
mv "$data2" "$FX_DIR/pg2/moved-by-test"
mkdir -m 0700 "$data2" && echo partial >"$data2/backup_label" &&
	cp "$FX_DIR/pg2/moved-by-test/postgresql.conf" "$FX_DIR/pg2/moved-by-test/pg_hba.conf" "$data2/" &&
	chown -R "$FX_USER" "$data2"
run apply --yes
is "$rc" 0 "apply over a half-made data directory exits 0" || diag "$out"
like "$out" "is a copy that never started: the files to keep come from \"$data2.pgreplica-" \
	"the files to keep come from the copy before it"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(asides)" 3 "the half-made directory was moved aside"
ok "and kept" grep -qx partial "$(ls -d "$data2".pgreplica-* | tail -1)/backup_label"

# ---------------------------------------------------------------------------
# ssl = on: pg2 rebuilt, connecting with verify-full and the cluster's CA
ok "stop pg2" fx_pg_stop pg2
sed -i 's/^ssl = off/ssl = on/' "$conf"
run apply --yes
is "$rc" 0 "apply with ssl = on exits 0" || diag "$out"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(fx_psql pg1 "SELECT s.ssl FROM pg_stat_replication r JOIN pg_stat_ssl s USING (pid) WHERE r.application_name = 'pg2'")" t \
	"pg2's walsender is on SSL"
like "$(fx_psql pg2 'SHOW primary_conninfo')" "sslmode='?verify-full'? sslrootcert='?$FX_DIR/pg2/.pgreplica-pg2.root.crt" \
	"primary_conninfo: verify-full with the cluster's CA"
ok "the CA next to the passfile is the cluster's" cmp "$FX_DIR/pg2/.pgreplica-pg2.root.crt" "$XDG_CONFIG_HOME/pgreplica/fx/ca.crt"
ok "pg2 kept its own certificate" cmp "$data2/server.crt" "$(ls -d "$data2".pgreplica-* | tail -1)/server.crt"

# ---------------------------------------------------------------------------
# hostile data directory paths: a space and a quote work; $(...) is
# refused (pg_ctl would run it: it starts the server through a shell with
# the path in double quotes) before anything changes
rm -f "/tmp/pwned-$$"
hostile="$FX_DIR/pg3/da ta'q/data"
evil="$FX_DIR/pg3/x\$(touch /tmp/pwned-$$)y/data"
if ok "initdb pg3" fx_pg_init pg3 && ok "sshd on pg3" fx_sshd pg3 && ok "pg3's host key trusted" fx_ssh_trust pg3; then
	mkdir -p "${hostile%/data}" "${evil%/data}" && mv "$FX_DIR/pg3/data" "$hostile" &&
		chown -R "$FX_USER" "$FX_DIR/pg3"
	fx_on_teardown fx_as_user "$(fx_bindir pg3)/pg_ctl" -D "$hostile" -m immediate -w stop
	fx_cluster_file -o ssl=on "$conf" pg1 pg2 pg3
	cp "$conf" "$conf.orig"
	esc=$(printf '%s' "$evil" | sed 's/[|&\\]/\\&/g')
	sed -i "/^\[node \"pg3\"\]/,\$ s|^pgdata = .*|pgdata = $esc|" "$conf"
	run apply --yes
	isnt "$rc" 0 "apply with a pgdata holding \$(...) fails" 
	like "$out" "holds a character that pg_ctl cannot pass safely" "saying why" || diag "$out"
	ok "no command in the path was run" test ! -e "/tmp/pwned-$$"
	ok "nothing was made there" test ! -e "$evil"
	cp "$conf.orig" "$conf"
	esc=$(printf '%s' "$hostile" | sed 's/[|&\\]/\\&/g')
	sed -i "/^\[node \"pg3\"\]/,\$ s|^pgdata = .*|pgdata = $esc|" "$conf"
	run apply --yes
	is "$rc" 0 "apply with pg3's pgdata holding a space and a quote exits 0" || diag "$out"
	ok "pg3 streams" fx_wait_streaming pg1 pg3
	ok "in that directory" test -f "$hostile/standby.signal"
	ok "the old one kept beside it" test -f "$(ls -d "$hostile".pgreplica-* | head -1)/PG_VERSION"
	ok "still no command run" test ! -e "/tmp/pwned-$$"
	rm -f "/tmp/pwned-$$"
else
	skip 6 "no pg3: the hostile data directory is not tried"
fi

# ---------------------------------------------------------------------------
# a base backup that fails: the old data directory stays, a re-run succeeds
ok "stop pg2" fx_pg_stop pg2
fx_cluster_file -o ssl=on "$conf" pg1 pg2
faulty=$FX_DIR/faultbin
mkdir -p "$faulty" && chmod 755 "$faulty"
for f in "$(fx_bindir pg2)"/*; do ln -sf "$f" "$faulty/"; done
rm -f "$faulty/pg_basebackup"
printf '#!/bin/sh\necho "pg_basebackup: error: injected fault" >&2\nexit 1\n' >"$faulty/pg_basebackup"
chmod 755 "$faulty/pg_basebackup"
cp "$conf" "$conf.orig"
sed -i "/^\[node \"pg2\"\]/,\$ s|^bindir = .*|bindir = $faulty|" "$conf"
before=$(asides)
run apply --yes
isnt "$rc" 0 "apply whose pg_basebackup fails exits non-zero"
like "$out" "pg_basebackup failed on pg2.*injected fault" "saying why" || diag "$out"
like "$out" "The old data directory is kept in \"$data2.pgreplica-" "and where the old data directory is"
is "$(asides)" "$((before + 1))" "the old data directory is still there"
ok "with its files" test -f "$(ls -d "$data2".pgreplica-* | tail -1)/PG_VERSION"
cp "$conf.orig" "$conf"
run apply --yes
is "$rc" 0 "the re-run exits 0" || diag "$out"
ok "pg2 streams again" fx_wait_streaming pg1 pg2
is "$(asides)" "$((before + 1))" "every earlier data directory is still there"

# --delete-old-data: the directory this run moves aside is deleted once the
# new standby streams; the earlier ones are not touched
ok "stop pg2 (to be rebuilt)" fx_pg_stop pg2
before=$(asides)
run plan --delete-old-data
like "$out" "then it is DELETED \\(--delete-old-data\\)" "the plan says the old data directory will be deleted" || diag "$out"
run apply --yes --delete-old-data
is "$rc" 0 "apply --delete-old-data exits 0" || diag "$out"
like "$out" "deleted the old data directory \"$data2.pgreplica-" "it says which directory it deleted"
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(asides)" "$before" "that directory is gone, the earlier ones are still there"

# ---------------------------------------------------------------------------
# a bindir without pg_ctl: whether the server runs cannot be told (pg_ctl
# status), so nothing is moved, and the error names what is missing
nopgctl=$FX_DIR/bin-without-pg_ctl
mkdir -p "$nopgctl"
for f in "$(fx_bindir pg2)"/*; do
	[ "${f##*/}" = pg_ctl ] || ln -s "$f" "$nopgctl/"
done
fx_cluster_file -o ssl=on "$conf" pg1 pg2
sed -i "/^\[node \"pg2\"\]/,\$ s|^bindir = .*|bindir = $nopgctl|" "$conf"
ok "stop pg2 (to be rebuilt)" fx_pg_stop pg2
run apply --yes
isnt "$rc" 0 "no pg_ctl in pg2's bindir: apply fails" || diag "$out"
like "$out" "there is no \"$nopgctl/pg_ctl\" on node \"pg2\"" "naming the missing pg_ctl" || diag "$out"
like "$out" "HINT: +Set bindir for the node" "the hint says to set bindir" || diag "$out"
ok "the data directory was not moved" test -e "$data2/PG_VERSION"
fx_cluster_file -o ssl=on "$conf" pg1 pg2
run apply --yes
is "$rc" 0 "with pg_ctl back, apply exits 0" || diag "$out"
ok "pg2 streams" fx_wait_streaming pg1 pg2

# ---------------------------------------------------------------------------
# binaries of another version on the standby host are refused
fake=$FX_DIR/fakebin
mkdir -p "$fake" && printf '#!/bin/sh\necho "postgres (PostgreSQL) 9.6.24"\n' >"$fake/postgres" && chmod 755 "$fake" "$fake/postgres"
fx_cluster_file "$conf" pg1 pg2
sed -i "/^\[node \"pg2\"\]/,\$ s|^bindir = .*|bindir = $fake|" "$conf"
fx_pg_stop pg2 >/dev/null 2>&1
run plan
isnt "$rc" 0 "plan with PostgreSQL 9.6 binaries on pg2 fails"
like "$out" "pg2 has PostgreSQL 9 binaries, pg1 runs PostgreSQL [0-9]+" "naming both versions" || diag "$out"
# with a pg_ctl beside postgres, pg_ctl says the installation's version
# (postgres --version loads the whole server); without postgres, no server
printf '#!/bin/sh\necho "pg_ctl (PostgreSQL) 9.6.24"\n' >"$fake/pg_ctl" &&
	printf '#!/bin/sh\necho "postgres (PostgreSQL) 99.1"\n' >"$fake/postgres" && chmod 755 "$fake/pg_ctl"
run plan
isnt "$rc" 0 "plan with a PostgreSQL 9.6 pg_ctl beside postgres fails"
like "$out" "pg2 has PostgreSQL 9 binaries" "pg_ctl answered for the installation" || diag "$out"
like "$out" "$fake/pg_ctl says: pg_ctl .PostgreSQL. 9.6.24" "the detail names pg_ctl" || diag "$out"
rm -f "$fake/postgres"
run plan
isnt "$rc" 0 "plan with a pg_ctl and no postgres fails"
like "$out" "no PostgreSQL server binaries at \"$fake/postgres\" on pg2" "a pg_ctl without its postgres is no server" || diag "$out"

# a standby reached as root (ssh = local, pgreplica running as root) is
# refused before anything changes: the server would not run
if [ "$(id -u)" = 0 ]; then
	fx_cluster_file "$conf" pg1 pg2
	sed -i "/^\[node \"pg2\"\]/,\$ s|^ssh = .*|ssh = local|" "$conf"
	run plan
	isnt "$rc" 0 "plan with pg2 reached as root fails"
	like "$out" "would run as root" "saying why" || diag "$out"
else
	skip 2 "not root: the refusal of a server run as root is not tried"
fi

done_testing
