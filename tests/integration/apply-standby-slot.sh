#!/bin/bash
# apply-standby-slot.sh - a replication slot made by a failed pg_basebackup
# -C does not stay behind on the primary.
#
# pg1 is the primary, pg2 a standby on its own host.  A file of pg1's data
# directory that the server cannot read (root's, mode 0600) makes the base
# backup fail on the server's side after pg_basebackup has created pg2's
# slot (-C creates it when the WAL stream starts, before the files come):
# apply fails, saying so, and pg1 has no slot left retaining WAL.  With the
# file gone, apply builds pg2 on its slot.
#
# Then the marker (a row apply writes on pg1 as a superuser and reads on
# pg2): a role that is no superuser made the schema pgreplica first, with a
# table marker whose trigger would make it a superuser.  apply refuses to
# write there, saying why; the role is still no superuser.  With the schema
# dropped, apply makes its own and completes.
#
# Needs root (the unreadable file belongs to root; the servers run as the
# test account).

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
[ "$(id -u)" = 0 ] || skip_all "needs root (a file of pg1's data directory the server cannot read)"
export PGREPLICA_TEMPLATES=${PGREPLICA_TEMPLATES:-$top_srcdir/templates}

fx_setup
ok "initdb pg1" fx_pg_init pg1 && ok "start pg1" fx_pg_start pg1 || bail_out "no primary"
ok "sshd on pg1" fx_sshd pg1 && ok "pg1's host key trusted" fx_ssh_trust pg1 || bail_out "no sshd on pg1"
ok "initdb pg2" fx_pg_init pg2 && ok "start pg2" fx_pg_start pg2 || bail_out "no standby server"
ok "sshd on pg2" fx_sshd pg2 && ok "pg2's host key trusted" fx_ssh_trust pg2 || bail_out "no sshd on pg2"
chown "$FX_USER" "$FX_DIR/pg2"

conf=$FX_DIR/cluster.conf
export XDG_STATE_HOME=$FX_DIR/state XDG_CONFIG_HOME=$FX_DIR/config
unset SSH_AUTH_SOCK
fx_cluster_file "$conf" pg1 pg2

slots() { fx_psql pg1 "SELECT coalesce(string_agg(slot_name, ' ' ORDER BY slot_name), '-') FROM pg_replication_slots"; }

# the server cannot read this file: BASE_BACKUP fails once the copy reaches it
bad=$(fx_pgdata pg1)/pgr-unreadable
echo secret >"$bad"
chown root: "$bad"
chmod 0600 "$bad"
is "$(slots)" "-" "no slot on pg1 to begin with"
run apply --yes
isnt "$rc" 0 "apply fails when pg_basebackup fails" || diag "$out"
like "$out" "pg_basebackup failed on pg2" "it says pg_basebackup failed" || diag "$out"
like "$out" "pgr-unreadable" "... with the server's reason" || diag "$out"
like "$out" 'created replication slot "pg2"' "pg_basebackup had created the slot before failing" || diag "$out"
is "$(slots)" "-" "no slot left on pg1 retaining WAL"
like "$out" 'dropped the replication slot "pg2"' "apply says it dropped the slot" || diag "$out"

rm -f "$bad"

# the schema pgreplica made first by a role that is no superuser
fx_psql pg1 "CREATE ROLE pgr_evil LOGIN; GRANT CREATE ON DATABASE postgres TO pgr_evil;
	SET ROLE pgr_evil;
	CREATE SCHEMA pgreplica;
	CREATE TABLE pgreplica.marker (node text PRIMARY KEY, token text NOT NULL,
		at timestamptz NOT NULL DEFAULT now());
	CREATE FUNCTION pgreplica.up() RETURNS trigger LANGUAGE plpgsql
		AS \$\$BEGIN ALTER ROLE pgr_evil SUPERUSER; RETURN NEW; END\$\$;
	CREATE TRIGGER up BEFORE INSERT ON pgreplica.marker
		FOR EACH ROW EXECUTE PROCEDURE pgreplica.up();" >/dev/null
is "$(fx_psql pg1 "SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'pgreplica'")" pgr_evil \
	"the schema pgreplica belongs to pgr_evil"
run apply --yes
isnt "$rc" 0 "with that schema, apply fails" || diag "$out"
like "$out" "the marker is not written on pg1: schema pgreplica, owned by pgr_evil" "saying why" || diag "$out"
like "$out" "DROP SCHEMA pgreplica CASCADE" "and what to do" || diag "$out"
is "$(fx_psql pg1 "SELECT rolsuper FROM pg_roles WHERE rolname = 'pgr_evil'")" f "pgr_evil's trigger did not run as a superuser"
fx_psql pg1 "DROP SCHEMA pgreplica CASCADE" >/dev/null 2>&1

run apply --yes
is "$rc" 0 "with the file gone and the schema dropped, apply exits 0" || diag "$out"
ok "pg2 streams" fx_wait_streaming pg1 pg2
is "$(slots)" "pg2" "on its slot, the only one"

done_testing
