/*
 * action_resync.c: make a former primary (or a standby whose history
 * went another way) a streaming standby of the cluster's primary again.
 *
 * Rewind (RESYNC_REWIND, and first for RESYNC_AUTO):
 *   1. the node's server stopped cleanly (fast) when it runs; pg_rewind
 *      refuses a data directory that was not shut down cleanly: pg_rewind
 *      13 and later run single-user crash recovery themselves
 *      (facts->rewind_runs_recovery), for older ones pgreplica runs it
 *      (postgres --single, what pg_rewind 13 does);
 *   2. the files that belong to the node's host (postgresql.conf,
 *      pg_hba.conf, pg_ident.conf, its certificate and key) copied to
 *      <parent>/.pgreplica-<node>.resync-kept on the node's disk (pg_rewind
 *      copies the source's over them); the directory stays until they are
 *      back, and a resync that finds it (one was killed) puts them back
 *      first;
 *   3. pg_rewind --target-pgdata --source-server, run on the node's host as
 *      the server's account, with --progress (its figures to the gauge)
 *      and, PostgreSQL 13 and later, --restore-target-wal when the node
 *      has a restore_command and the WAL it needs has left its pg_wal (or
 *      cannot be checked: the node is down): pg_rewind fetches it from the
 *      archive with that command, read from the node's own configuration; the source is the primary as the role
 *      pgreplica_rewind (PostgreSQL 11 and later: LOGIN, EXECUTE on the
 *      four functions pg_rewind calls, nothing else; 10 needs the
 *      superuser), given a password made for this run, which goes to a
 *      0600 passfile named by PGPASSFILE, removed afterwards (never on a
 *      command line), the role's LOGIN and password taken away again;
 *   4. the kept files put back, the standby's passfile and recovery
 *      settings written as the standby step writes them (over the
 *      postgresql.auto.conf pg_rewind brought from the primary, whose
 *      primary_conninfo named the primary's own former upstream), its slot
 *      created on the primary, the server started, streaming verified.
 * When pg_rewind is impossible or fails (neither wal_log_hints nor data
 * checksums, WAL the rewind needs already recycled and no archive to fetch
 * it from...), RESYNC_AUTO asks
 * (default no) and copies the node afresh: the standby step (a plan of one
 * step_standby_new) moves the old data directory aside, never deleting it,
 * and runs pg_basebackup.  RESYNC_CLONE does that directly.
 *
 * Before either, the primary is made able to serve its standbys
 * (action_serve_standbys: SSL certificate, pg_hba.conf replication rules).
 * The cluster file then says: the node is a standby of the primary.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "basebackup.h"
#include "bytes.h"
#include "clock.h"
#include "hooks.h"
#include "plan.h"
#include "standby_files.h"
#include "i18n.h"
#include "monitor.h"
#include "pgconn.h"
#include "service.h"
#include "shquote.h"
#include "step_role.h"
#include "step_ssl.h"
#include "step_standby.h"

#define REWIND_TIMEOUT_MS (6 * 3600 * 1000)
#define SINGLE_USER_TIMEOUT_MS (3600 * 1000)

/*
 * The node's own files (standby_kept_files: pg_rewind copies the source's
 * over them) wait in standby_keep_dir(n), on the node's disk, until they
 * are back: a resync killed between pg_rewind and their return loses
 * nothing, and the next resync (or follow) finds them there.  The
 * directory is filled under a temporary name and renamed once complete:
 * its existence is the journal entry that says "put these back".
 */
static int
keep_own_files(action_ctx *a, transport *t, const cluster_node *n,
			   const char *dir, pgr_error *err)
{
	char	   *tmp = pgr_asprintf("%s.tmp", dir);
	const char *prep[] = {"sh", "-c", "rm -rf -- \"$1\" && mkdir -m 0700 -- \"$1\"", "sh", tmp, NULL};
	const char *done[] = {"sh", "-c",
		"mv -T -- \"$1\" \"$2\" || exit 1; sync -- \"$(dirname -- \"$2\")\" 2>/dev/null; exit 0",
	"sh", tmp, dir, NULL};
	int			rc = -1;

	if (action_run(t, n, prep, NULL, 30000, NULL, err) < 0 ||
		standby_copy_files(t, n->pgdata, tmp, standby_kept_files, NULL, err) < 0 ||
		action_run(t, n, done, NULL, 30000, NULL, err) < 0)
	{
		pgr_error_prefix(err, _("could not keep %s's own configuration files in \"%s\""), n->name, dir);
		goto out;
	}
	action_log(a, _("kept %s's own configuration files in \"%s\" until pg_rewind is done"), n->name, dir);
	rc = 0;
out:
	free(tmp);
	return rc;
}

/* The kept files back into the data directory; then their directory goes. */
static int
put_back_kept(action_ctx *a, transport *t, const cluster_node *n,
			  const char *dir, pgr_error *err)
{
	const char *rm[] = {"rm", "-rf", "--", dir, NULL};

	if (standby_copy_files(t, dir, n->pgdata, standby_kept_files, NULL, err) < 0)
	{
		pgr_error_prefix(err, _("could not put %s's own configuration files back"), n->name);
		pgr_error_hint(err, _("They are kept in \"%s\" on %s: the next resync puts them back."), dir, n->name);
		return -1;
	}
	action_log(a, _("put %s's own configuration files back from \"%s\""), n->name, dir);
	return action_run(t, n, rm, NULL, 30000, NULL, err);
}

/* Files an interrupted resync kept: back first, whatever happens next. */
static int
put_back_interrupted(action_ctx *a, transport *t, const cluster_node *n,
					 pgr_error *err)
{
	char	   *dir = standby_keep_dir(n);
	transport_file_stat st;
	int			rc = -1;

	if (transport_stat(t, dir, &st, err) < 0)
		goto out;
	rc = 0;
	if (st.exists && st.is_dir)
	{
		action_log(a, _("an interrupted resync left %s's own configuration files in \"%s\""), n->name, dir);
		rc = put_back_kept(a, t, n, dir, err);
	}
out:
	free(dir);
	return rc;
}

/*
 * The role pg_rewind connects to the primary as, rather than the operator's
 * superuser (whose password would otherwise wait in a passfile on the
 * node): LOGIN and nothing else, EXECUTE on the four functions the
 * PostgreSQL manual (pg_rewind, "Notes") lists for a source that is not a
 * superuser, and a password made for this run, its SCRAM verifier computed
 * here (only that reaches the server and its log).  Once pg_rewind is
 * done, the role loses its password and LOGIN (rewind_role_disable).
 */
#define REWIND_ROLE "pgreplica_rewind"

static char *
rewind_role_enable(PGconn *conn, const cluster_node *up, pgr_error *err)
{
	char	   *pw = step_role_generate_password(32, err);
	char	   *super = NULL;
	char	   *verifier = NULL;
	char	   *lit = NULL;
	PGresult   *res = NULL;
	strbuf		sql;
	bool		ok = false;

	strbuf_init(&sql);
	if (!pw)
		goto out;
	if (pgconn_query_value(conn, up->name,
						   "SELECT rolsuper::text FROM pg_catalog.pg_roles WHERE rolname = '" REWIND_ROLE "'",
						   0, NULL, &super, err) < 0)
		goto out;
	if (super && strcmp(super, "true") == 0)
	{
		pgr_error_set(err, PGR_ERR_REFUSED, _("the role \"%s\" on %s is a superuser"), REWIND_ROLE, up->name);
		pgr_error_detail(err, _("pgreplica gives pg_rewind a role with only the rights it needs, and does not take a superuser's away."));
		pgr_error_hint(err, _("Drop or rename that role on %s, then run resync again."), up->name);
		goto out;
	}
	verifier = PQencryptPasswordConn(conn, pw, REWIND_ROLE, NULL);
	if (!verifier || !(lit = PQescapeLiteral(conn, verifier, strlen(verifier))))
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not hash the password of the role \"%s\": %s"),
					  REWIND_ROLE, PQerrorMessage(conn));
		goto out;
	}
	strbuf_appendf(&sql,
				   "%s ROLE " REWIND_ROLE " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD %s; "
				   "GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean), "
				   "pg_catalog.pg_stat_file(text, boolean), pg_catalog.pg_read_binary_file(text), "
				   "pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO " REWIND_ROLE,
				   super ? "ALTER" : "CREATE", lit);
	if (!(res = pgconn_exec(conn, up->name, sql.data, PGRES_COMMAND_OK, -1, -1, err)))
		goto out;
	ok = true;
out:
	PQclear(res);
	pgr_wipe(sql.data, sql.len);
	strbuf_free(&sql);
	if (lit)
		PQfreemem(lit);
	if (verifier)
		PQfreemem(verifier);
	free(super);
	if (!ok)
	{
		pgr_free_secret(pw);
		return NULL;
	}
	return pw;
}

/* No login, no password: the role waits, harmless, for the next resync. */
static void
rewind_role_disable(action_ctx *a, PGconn *conn, const cluster_node *up)
{
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res = pgconn_exec(conn, up->name,
								  "ALTER ROLE " REWIND_ROLE " NOLOGIN PASSWORD NULL",
								  PGRES_COMMAND_OK, -1, -1, &e);

	if (!res)
		action_log(a, _("could not take LOGIN and the password from the role \"%s\" on %s: %s"),
				   REWIND_ROLE, up->name, e.message);
	PQclear(res);
	pgr_error_clear(&e);
}

static const char *
node_dbuser(const cluster_node *n)
{
	return n->dbuser && n->dbuser[0] ? n->dbuser : CLUSTER_DEFAULT_DBUSER;
}

static const char *
node_dbname(const cluster_node *n)
{
	return n->dbname && n->dbname[0] ? n->dbname : CLUSTER_DEFAULT_DBNAME;
}

/*
 * pg_rewind is there and of the server's own major version: another one
 * fails in ways that do not say why (18 against a 16 server: "unrecognized
 * configuration parameter transaction_timeout"), so this is checked before
 * pg_rewind runs and before anything in the data directory changes.
 */
static int
check_rewind_tool(transport *t, const cluster_node *n, const pg_version_facts *facts,
				  pgr_error *err)
{
	char	   *rewind = action_client_bin(n, "pg_rewind");
	strbuf		out;
	int			status;
	int			major;
	int			rc = -1;

	strbuf_init(&out);
	if (standby_program_major(t, rewind, &status, &major, &out, err) < 0)
		goto out;
	if (status == 126 || status == 127)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no pg_rewind at \"%s\" on %s"), rewind, n->name);
		pgr_error_hint(err, _("Install pg_rewind of PostgreSQL %d on %s and set the node's client_bindir to its directory, or copy the node afresh with \"%s resync %s --method=clone\"."),
					   facts->major, n->name, PACKAGE, n->name);
		goto out;
	}
	if (major > 0 && !version_rewind_can_rewind(major, facts->major))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("pg_rewind %d on %s cannot rewind PostgreSQL %d"),
					  major, n->name, facts->major);
		pgr_error_detail(err, _("pg_rewind must be of the server's own major version (\"%s\")."), rewind);
		pgr_error_hint(err, _("Install pg_rewind of PostgreSQL %d on %s and set the node's client_bindir to its directory, or copy the node afresh with \"%s resync %s --method=clone\"."),
					   facts->major, n->name, PACKAGE, n->name);
		goto out;
	}
	/* a version not read is left to pg_rewind itself, which says what fails */
	rc = 0;
out:
	strbuf_free(&out);
	free(rewind);
	return rc;
}

/* Crash recovery in single-user mode, for pg_rewind before 13. */
/* pg_rewind's --source-server: UP as its dbuser (no password: a passfile). */
static void
rewind_source(const cluster *cl, const cluster_node *n, const cluster_node *up,
			  const char *user, strbuf *cs)
{
	char	   *rootcert = action_rootcert_path(cl, n);
	char		port[16];

	snprintf(port, sizeof(port), "%d", up->port);
	recovery_conninfo_append(cs, "host", up->host);
	recovery_conninfo_append(cs, "port", port);
	recovery_conninfo_append(cs, "user", user);
	recovery_conninfo_append(cs, "dbname", node_dbname(up));
	recovery_conninfo_append(cs, "application_name", "pgreplica");
	if (rootcert)
	{
		recovery_conninfo_append(cs, "sslmode", "verify-full");
		recovery_conninfo_append(cs, "sslrootcert", rootcert);
	}
	free(rootcert);
}

static int
single_user_recovery(action_ctx *a, transport *t, cluster_node *n, pgr_error *err)
{
	char	   *postgres = action_bin(n, "postgres");
	const char *argv[] = {postgres, "--single", "-F", "-D", n->pgdata, "template1", NULL};
	int			rc;

	action_log(a, _("running crash recovery on %s in single-user mode (pg_rewind needs a clean shutdown)"),
			   n->name);
	rc = action_run(t, n, argv, NULL, SINGLE_USER_TIMEOUT_MS, NULL, err);
	free(postgres);
	return rc;
}

/*
 * pg_rewind --progress's output as it comes: its progress lines to the
 * action's gauge (a->progress), or, without one (the command line), a log
 * line at each quarter; its other lines kept, logged once it succeeded or
 * the detail of its failure.
 */
typedef struct rewind_out
{
	action_ctx *a;
	strbuf		partial;
	strbuf		lines;
	int			last_quarter;
	long long	done_kb;
	long long	total_kb;
} rewind_out;

static void
rewind_line(void *arg, const char *line)
{
	rewind_out *o = arg;
	long long	done,
				total;

	if (!line[0])
		return;
	if (!basebackup_parse_rewind_progress(line, &done, &total))
	{
		strbuf_appendf(&o->lines, "%s\n", line);
		return;
	}
	o->done_kb = done;
	o->total_kb = total;
	if (o->a->progress)
		o->a->progress(o->a->progress_arg, done * 1024, total * 1024);
	else
	{
		int			quarter = total > 0 ? (int) (done * 4 / total) : 0;

		if (quarter > o->last_quarter && quarter < 4)
		{
			o->last_quarter = quarter;
			action_log(o->a, _("pg_rewind: %lld of %lld kB copied"), done, total);
		}
	}
}

static void
rewind_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	rewind_out *o = arg;

	(void) stream;				/* pg_rewind talks on stderr */
	basebackup_lines_feed(&o->partial, data, len, rewind_line, o);
}

/* pg_rewind's argv run on n's host, its output read as it comes. */
static int
exec_rewind(action_ctx *a, transport *t, const cluster_node *n,
			const char *const *argv, const char *const *env, pgr_error *err)
{
	rewind_out	o;
	transport_exec_opts xo;
	int64_t		started = pgr_now_ms();
	int			status = 0;
	int			rc;

	memset(&o, 0, sizeof(o));
	o.a = a;
	strbuf_init(&o.partial);
	strbuf_init(&o.lines);
	memset(&xo, 0, sizeof(xo));
	xo.output = rewind_output;
	xo.output_arg = &o;
	xo.env = env;
	xo.timeout_ms = REWIND_TIMEOUT_MS;
	rc = transport_exec(t, argv, &xo, &status, err);
	basebackup_lines_flush(&o.partial, rewind_line, &o);
	if (rc == 0 && status != 0)
	{
		char	   *cmd = shquote_argv(argv);

		rc = pgr_error_set(err, PGR_ERR_EXEC, _("the command %s failed on %s (status %d)"),
						   cmd, n->name, status);
		if (o.lines.len)
			pgr_error_detail(err, "%s", o.lines.data);
		free(cmd);
	}
	for (const char *l = o.lines.data; rc == 0 && *l;)
	{
		size_t		len = strcspn(l, "\n");

		if (len > 0)
			action_log(a, "%.*s", (int) len, l);
		l += len;
		if (*l)
			l++;
	}
	if (rc == 0 && o.total_kb > 0)
	{
		double		secs = (pgr_now_ms() - started) / 1000.0;
		char		size[32],
					rate[32];

		pgr_format_bytes(o.done_kb * 1024, size, sizeof(size));
		pgr_format_bytes(secs > 0 ? (long long) (o.done_kb * 1024 / secs) : 0, rate, sizeof(rate));
		action_log(a, _("pg_rewind: %s copied in %.1f s (%s/s)"), size, secs, rate);
	}
	strbuf_free(&o.partial);
	strbuf_free(&o.lines);
	return rc;
}

static int
run_rewind(action_ctx *a, session *ctx, transport *t, cluster_node *n,
		   cluster_node *up, const pg_version_facts *facts, bool restore_wal,
		   pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, up, err);
	char	   *pw = NULL;
	const char *user = node_dbuser(up);
	char	   *parent_passfile = NULL;
	char	   *rewind = action_client_bin(n, "pg_rewind");
	char	   *target = NULL;
	char	   *source = NULL;
	char	   *envpass = NULL;
	const char *env[2] = {NULL, NULL};
	strbuf		cs,
				line;
	char		port[16];
	int			rc = -1;

	strbuf_init(&cs);
	strbuf_init(&line);
	if (!conn)
		goto out;
	/*
	 * pg_rewind reads the source's timeline from its control file, which a
	 * promotion changes only at the next checkpoint: before it, pg_rewind
	 * sees both on the same timeline and rewinds nothing.
	 */
	{
		PGresult   *res = pgconn_exec(conn, up->name, "CHECKPOINT", PGRES_COMMAND_OK, -1, -1, err);

		if (!res)
			goto out;
		PQclear(res);
	}
	if (facts->rewind_role)
	{
		if (!(pw = rewind_role_enable(conn, up, err)))
			goto out;
		user = REWIND_ROLE;
	}
	else
	{
		/* 10: pg_rewind's functions are a superuser's; the operator's, then */
		pw = conn && PQpass(conn) ? pgr_strdup(PQpass(conn)) : NULL;
		action_log(a, _("%s's server is version %d: pg_rewind connects as the superuser %s"),
				   up->name, facts->major, user);
	}
	snprintf(port, sizeof(port), "%d", up->port);
	rewind_source(a->cl, n, up, user, &cs);
	if (pw && pw[0])
	{
		transport_write_opts wo = {.mode = 0600, .secret = true};
		char	   *pf = action_passfile_path(n);

		/* beside the standby's passfile: .pgreplica-<node>.rewind.pgpass */
		parent_passfile = pgr_asprintf("%.*s.rewind.pgpass", (int) (strlen(pf) - strlen(".pgpass")), pf);
		free(pf);
		standby_pgpass_field(&line, up->host);
		strbuf_appendf(&line, ":%s:*:", port);
		standby_pgpass_field(&line, user);
		strbuf_append_char(&line, ':');
		standby_pgpass_field(&line, pw);
		strbuf_append_char(&line, '\n');
		if (transport_write_file(t, parent_passfile, line.data, line.len, &wo, err) < 0)
			goto out;
		envpass = pgr_asprintf("PGPASSFILE=%s", parent_passfile);
		env[0] = envpass;
	}
	target = pgr_asprintf("--target-pgdata=%s", n->pgdata);
	source = pgr_asprintf("--source-server=%s", cs.data);
	{
		const char *argv[] = {rewind, target, source, "--progress",
		restore_wal ? "--restore-target-wal" : NULL, NULL};

		if (restore_wal)
			action_log(a, _("rewinding %s from %s with pg_rewind --restore-target-wal (the WAL that has left %s's pg_wal fetched from the archive)"),
					   n->name, up->name, n->name);
		else
			action_log(a, _("rewinding %s from %s with pg_rewind"), n->name, up->name);
		rc = exec_rewind(a, t, n, argv, env[0] ? env : NULL, err);
		if (rc < 0)
			pgr_error_prefix(err, _("pg_rewind failed on %s"), n->name);
	}
	if (rc == 0)
		action_log(a, _("pg_rewind done on %s"), n->name);
out:
	if (facts->rewind_role && pw)
		rewind_role_disable(a, conn, up);
	pgr_free_secret(pw);
	if (parent_passfile)
	{
		const char *argv[] = {"rm", "-f", "--", parent_passfile, NULL};
		pgr_error	e = PGR_ERROR_INIT;

		if (action_run(t, n, argv, NULL, 30000, NULL, &e) < 0)
			action_log(a, _("could not remove \"%s\" on %s: %s"), parent_passfile, n->name, e.message);
		pgr_error_clear(&e);
	}
	pgr_wipe(line.data, line.len);
	strbuf_free(&line);
	strbuf_free(&cs);
	free(parent_passfile);
	free(rewind);
	free(target);
	free(source);
	free(envpass);
	return rc;
}

static int
rewind_node(action_ctx *a, session *ctx, cluster_node *n, cluster_node *up,
			bool restore_wal, pgr_error *err)
{
	transport  *t = session_transport(ctx, n, err);
	const pg_version_facts *facts = session_facts(ctx, up, err);
	char	   *keep = standby_keep_dir(n);
	bool		kept = false;
	recovery_params rp;
	char	   *slot = NULL;
	int			rc = -1;

	memset(&rp, 0, sizeof(rp));
	if (!t || !facts)
		goto out;
	if (check_rewind_tool(t, n, facts, err) < 0)
		goto out;
	if (keep_own_files(a, t, n, keep, err) < 0)
		goto out;
	kept = true;
	/* the replication passfile and CA first: pg_rewind's SSL uses the CA */
	if (action_write_standby_files(a, ctx, n, up, err) < 0)
		goto out;
	if (!facts->rewind_runs_recovery && single_user_recovery(a, t, n, err) < 0)
		goto out;
	if (run_rewind(a, ctx, t, n, up, facts, restore_wal, err) < 0)
		goto out;
	kept = false;
	if (put_back_kept(a, t, n, keep, err) < 0)
		goto out;
	action_recovery_params(ctx, n, up, facts, &slot, &rp);
	if (action_write_recovery(a, ctx, n, &rp, err) < 0)
		goto out;
	if (slot && action_ensure_slot(a, ctx, up, slot, err) < 0)
		goto out;
	action_log(a, _("starting %s"), n->name);
	session_disconnect(ctx, n);
	if (service_start(ctx, n, err) < 0)
		goto out;
	rc = 0;
out:
	/* a failed rewind: the node's own files back before anything else */
	if (kept)
	{
		pgr_error	e = PGR_ERROR_INIT;

		if (put_back_kept(a, t, n, keep, &e) < 0)
			action_log(a, "%s", e.message);
		pgr_error_clear(&e);
	}
	action_recovery_params_clear(&rp, slot);
	free(keep);
	return rc;
}

/*
 * Why pg_rewind cannot re-sync n from up, when that can be told before
 * anything is stopped (n answers, nconn): n is another system altogether
 * (its system identifier is not up's), n logs neither hint bits
 * (wal_log_hints) nor data checksums, or the WAL of n from where the two
 * histories went apart (the point where up left n's timeline, read from
 * up's timeline history) is no longer in n's pg_wal.  NULL when none is
 * known: pg_rewind is then tried, and its own failure says why.  Read
 * through SQL, not pg_rewind's messages (translated).  The WAL gone,
 * *wal_missing is set, with what says whether an archive could give it
 * back: n's restore_command (*restore, malloc'd, NULL when n has none: a
 * server before 12 has no such setting outside recovery.conf) and whether
 * n archives its WAL (*archives: archive_mode not off).
 */
static char *
rewind_obstacle(session *ctx, cluster_node *n, cluster_node *up, PGconn *nconn,
				bool *wal_missing, char **restore, bool *archives)
{
	pgr_error	e = PGR_ERROR_INIT;
	PGconn	   *uconn = session_conn(ctx, up, &e);
	PGresult   *nr = NULL;
	PGresult   *ur = NULL;
	char	   *why = NULL;

	if (!uconn)
		goto out;
	nr = pgconn_exec(nconn, n->name,
					 "SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()), "
					 "pg_catalog.current_setting('wal_log_hints'), "
					 "pg_catalog.current_setting('data_checksums'), "
					 "(SELECT timeline_id::text FROM pg_catalog.pg_control_checkpoint()), "
					 "s::text, "
					 "(SELECT min(('x' || substr(name, 9, 8))::bit(32)::bigint * (4294967296 / s) "
					 "          + ('x' || substr(name, 17, 8))::bit(32)::bigint)::text "
					 "   FROM pg_catalog.pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}$'), "
					 "pg_catalog.current_setting('restore_command', true), "
					 "pg_catalog.current_setting('archive_mode') "
					 "FROM (SELECT pg_catalog.pg_size_bytes(pg_catalog.current_setting('wal_segment_size')) AS s) z",
					 PGRES_TUPLES_OK, 1, 8, &e);
	ur = pgconn_exec(uconn, up->name,
					 "SELECT (SELECT system_identifier::text FROM pg_catalog.pg_control_system()), "
					 "(SELECT pg_catalog.pg_read_file('pg_wal/' || name) FROM pg_catalog.pg_ls_waldir() "
					 "  WHERE name ~ '^[0-9A-F]{8}\\.history$' ORDER BY name DESC LIMIT 1)",
					 PGRES_TUPLES_OK, 1, 2, &e);
	if (!nr || !ur)
		goto out;
	if (strcmp(pgconn_value(nr, 0, 0), pgconn_value(ur, 0, 0)) != 0)
	{
		why = pgr_asprintf(_("%s is not a copy of %s: their system identifiers differ (%s and %s)"),
						   n->name, up->name, pgconn_value(nr, 0, 0), pgconn_value(ur, 0, 0));
		goto out;
	}
	if (strcmp(pgconn_value(nr, 0, 1), "on") != 0 && strcmp(pgconn_value(nr, 0, 2), "on") != 0)
	{
		why = pgr_asprintf(_("%s has neither wal_log_hints nor data checksums on: pg_rewind cannot tell which pages changed"),
						   n->name);
		goto out;
	}
	{
		long		tli = atol(pgconn_value(nr, 0, 3));
		long long	seg = atoll(pgconn_value(nr, 0, 4));
		const char *oldest = pgconn_value(nr, 0, 5);
		const char *hist = pgconn_value(ur, 0, 1);

		/* "parentTLI <tab> switchpoint <tab> reason" per line */
		for (const char *l = hist; l && *l && seg > 0 && oldest && oldest[0];)
		{
			long		parent;
			char		lsn[32];

			if (sscanf(l, "%ld %31s", &parent, lsn) == 2 && parent == tli)
			{
				long long	fork = action_parse_lsn(lsn);

				if (fork >= 0 && atoll(oldest) > fork / seg)
				{
					const char *rc = pgconn_value(nr, 0, 6);

					why = pgr_asprintf(_("the WAL of %s from where its history and %s's went apart (%s, timeline %ld) is no longer in its pg_wal"),
									   n->name, up->name, lsn, tli);
					*wal_missing = true;
					*restore = rc && rc[0] ? pgr_strdup(rc) : NULL;
					*archives = strcmp(pgconn_value(nr, 0, 7), "off") != 0;
				}
				break;
			}
			l = strchr(l, '\n');
			if (l)
				l++;
		}
	}
out:
	PQclear(nr);
	PQclear(ur);
	pgr_error_clear(&e);
	return why;
}

/*
 * The WAL pg_rewind needs has left n's pg_wal (*why says so): whether
 * pg_rewind can fetch it from the archive with --restore-target-wal.  It
 * can from PostgreSQL 13 on, with the restore_command of n's own
 * configuration (pg_rewind reads it there itself, running "postgres -C
 * restore_command" on the target).  Then *why is cleared and the plan says
 * so; else *why says also what is lacking, for the plan, the error and the
 * dashboard.  Returns whether --restore-target-wal is to be used.
 */
static bool
rewind_from_archive(action_ctx *a, const pg_version_facts *facts,
					const cluster_node *n, const char *restore, bool archives,
					char **why)
{
	char	   *more = NULL;

	if (!facts->rewind_restore_target_wal)
		more = pgr_asprintf(_("%s; pg_rewind of PostgreSQL %d cannot fetch WAL from an archive (--restore-target-wal needs 13 or later)"),
							*why, facts->major);
	else if (!restore && (archives || a->cl->archive_command))
		more = pgr_asprintf(_("%s; %s archives its WAL but has no restore_command for pg_rewind --restore-target-wal to fetch it back with (set restore_command on %s)"),
							*why, n->name, n->name);
	else if (!restore)
		more = pgr_asprintf(_("%s; no WAL archive is known to fetch it from (neither archive_command in the cluster file nor restore_command on %s)"),
							*why, n->name);
	if (more)
	{
		free(*why);
		*why = more;
		return false;
	}
	action_log(a, _("%s: pg_rewind will fetch it from the archive with --restore-target-wal (%s's restore_command: %s)"),
			   *why, n->name, restore);
	free(*why);
	*why = NULL;
	return true;
}

/*
 * A node that is down cannot be asked whether its WAL from the fork is
 * still in its pg_wal.  From PostgreSQL 13 on, when its configuration has
 * a restore_command (read as pg_rewind reads it: postgres -C
 * restore_command on its data directory, run on its host), pg_rewind gets
 * --restore-target-wal all the same: it fetches from the archive only what
 * has left pg_wal.  Returns whether to; anything unread means no.
 */
static bool
rewind_down_node_archive(action_ctx *a, session *ctx, cluster_node *n, cluster_node *up)
{
	pgr_error	e = PGR_ERROR_INIT;
	const pg_version_facts *facts = session_facts(ctx, up, &e);
	transport  *t = facts && facts->rewind_restore_target_wal ? session_transport(ctx, n, &e) : NULL;
	char	   *postgres = action_bin(n, "postgres");
	const char *argv[] = {postgres, "-D", n->pgdata, "-C", "restore_command", NULL};
	strbuf		out;
	bool		use = false;

	strbuf_init(&out);
	if (t && action_run(t, n, argv, NULL, 30000, &out, &e) == 0)
	{
		out.data[strcspn(out.data, "\n")] = '\0';
		if (out.data[0])
		{
			use = true;
			action_log(a, _("%s is down: whether its WAL from the fork is still in its pg_wal cannot be read; pg_rewind will fetch what has left it from the archive with --restore-target-wal (%s's restore_command: %s)"),
					   n->name, n->name, out.data);
		}
	}
	strbuf_free(&out);
	free(postgres);
	pgr_error_clear(&e);
	return use;
}

/* A fresh copy: the standby step, as apply runs it. */
static int
clone_node(action_ctx *a, session *ctx, cluster_node *n, pgr_error *err)
{
	plan	   *p = pgr_calloc(1, sizeof(*p));
	bool		saved_yes = ctx->opts.assume_yes;
	int			changed = 0;
	int			rc;

	action_log(a, _("copying %s afresh from its upstream (the old data directory is moved aside, not deleted)"),
			   n->name);
	plan_add(p, step_standby_new(ctx, n));
	/* the operator said yes to the copy already: do not ask again */
	ctx->opts.assume_yes = true;
	rc = plan_apply(ctx, p, &changed, err);
	ctx->opts.assume_yes = saved_yes;
	plan_free(p);
	return rc;
}

/* What action_resync would do, said (a->dry_run). */
static int
dry_run(action_ctx *a, session *ctx, cluster_node *n, cluster_node *up,
		resync_method m, bool running, bool restore_wal, pgr_error *err)
{
	const pg_version_facts *facts = session_facts(ctx, up, err);
	char	   *cmd;

	if (!facts)
		return -1;
	action_dry_begin(a, _("the re-sync"));
	if (running)
	{
		cmd = service_command_string(n, SERVICE_STOP);
		action_step(a, _("on %s's host: %s"), n->name, cmd);
		free(cmd);
	}
	if (action_dry_serve_standbys(a, ctx, up, err) < 0)
		return -1;
	if (m != RESYNC_CLONE)
	{
		strbuf		cs;
		char	   *rewind = action_client_bin(n, "pg_rewind");

		strbuf_init(&cs);
		rewind_source(a->cl, n, up, facts->rewind_role ? REWIND_ROLE : node_dbuser(up), &cs);
		if (!facts->rewind_runs_recovery)
			action_step(a, _("on %s's host: single-user crash recovery (postgres --single) when it was not shut down cleanly"),
						n->name);
		action_step(a, _("on %s's host: %s --target-pgdata=%s --source-server='%s' --progress%s (after a CHECKPOINT on %s; postgresql.conf, pg_hba.conf, pg_ident.conf and the SSL files are kept)"),
					n->name, rewind, n->pgdata, cs.data,
					restore_wal ? " --restore-target-wal" : "", up->name);
		strbuf_free(&cs);
		free(rewind);
		action_dry_standby_files(a, ctx, n, up, facts, false);
		cmd = service_command_string(n, SERVICE_START);
		action_step(a, _("on %s's host: %s"), n->name, cmd);
		free(cmd);
	}
	if (m == RESYNC_AUTO)
		action_step(a, _("if pg_rewind fails: ask, then copy %s afresh from %s with pg_basebackup (its data directory moved aside, not deleted)"),
					n->name, up->name);
	else if (m == RESYNC_CLONE)
		action_step(a, _("on %s's host: move the data directory aside (not deleted), copy it afresh from %s with pg_basebackup, start it"),
					n->name, up->name);
	action_step(a, _("wait until %s's pg_stat_replication shows %s streaming (at most %d s)"),
				up->name, n->name, ACTION_STREAMING_TIMEOUT_MS / 1000);
	action_step(a, _("rewrite the cluster file \"%s\": %s a standby of %s"),
				a->cluster_path ? a->cluster_path : "", n->name, up->name);
	return 0;
}

static int
resync_run(action_ctx *a, const char *node, resync_method m, pgr_error *err)
{
	session   *ctx = NULL;
	cluster_node *n;
	cluster_node *up;
	pgr_error	e = PGR_ERROR_INIT;
	pgr_error	room = PGR_ERROR_INIT;	/* set: no room for a copy */
	char	   *why = NULL;		/* why pg_rewind cannot, if known */
	char	   *restore = NULL; /* the node's restore_command */
	bool		wal_missing = false;
	bool		archives = false;
	bool		restore_wal = false;	/* pg_rewind --restore-target-wal */
	bool		ask_copy = false;
	PGconn	   *conn;
	bool		running = false;
	int			rc = -1;

	if (!(n = action_node(a, node, err)))
		return -1;
	up = cluster_primary(a->cl);
	if (!up || up == n)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s is the cluster file's primary: there is nothing to re-sync it from"),
					  n->name);
		pgr_error_hint(err, _("Promote another node first (\"%s promote NODE\"); the cluster file then names %s a standby."),
					   PACKAGE, n->name);
		return -1;
	}
	if (!n->pgdata || n->pgdata[0] != '/')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s:%d: node \"%s\" needs pgdata, an absolute path"),
					  a->cl->path ? a->cl->path : "", n->line, n->name);
		return -1;
	}
	ctx = action_session(a);
	if (!session_conn(ctx, up, err))
	{
		pgr_error_prefix(err, _("the primary %s does not answer"), up->name);
		pgr_error_hint(err, _("A node is re-synced from the running primary: start %s first."), up->name);
		goto out;
	}
	/* the node as it is now */
	if ((conn = session_conn(ctx, n, &e)) != NULL)
	{
		bool		rec = false;

		if (action_in_recovery(conn, n, &rec, err) < 0)
			goto out;
		if (m != RESYNC_CLONE)
			why = rewind_obstacle(ctx, n, up, conn, &wal_missing, &restore, &archives);
		if (why && wal_missing)
		{
			const pg_version_facts *facts = session_facts(ctx, up, err);

			if (!facts)
				goto out;
			restore_wal = rewind_from_archive(a, facts, n, restore, archives, &why);
		}
		if (!rec)
		{
			if (!action_confirm(a, _("the node still accepts writes as a primary: stop it and re-sync it?")))
			{
				pgr_error_set(err, PGR_ERR_REFUSED, _("%s is running as a primary"), n->name);
				pgr_error_hint(err, _("Writes made on %s since the promotion would be lost: run resync with --yes if that is meant."),
							   n->name);
				goto out;
			}
		}
	}
	pgr_error_clear(&e);
	session_disconnect(ctx, n);
	if (service_status(ctx, n, &running, err) < 0)
		goto out;
	if (!conn && !running && m != RESYNC_CLONE)
		restore_wal = rewind_down_node_archive(a, ctx, n, up);
	/* a rewind known impossible: said now, and the copy is the way */
	if (why)
	{
		if (m == RESYNC_REWIND)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("pg_rewind cannot re-sync %s: %s"), n->name, why);
			pgr_error_hint(err, _("Copy it afresh with \"%s resync %s --method=clone\" (the data directory is moved aside); nothing was stopped."),
						   PACKAGE, n->name);
			goto out;
		}
		action_log(a, _("pg_rewind cannot re-sync %s: %s; a copy is needed"), n->name, why);
		if (m == RESYNC_AUTO)
		{
			m = RESYNC_CLONE;
			ask_copy = true;
		}
	}
	/*
	 * Room for a copy, before anything is stopped or moved: a copy found
	 * short of space once the node is down would leave it down.  --method
	 * =clone is refused; the default still tries pg_rewind (which needs
	 * far less) and says now that no copy can follow it.
	 */
	if (m != RESYNC_REWIND)
	{
		long long	db,
					avail,
					need;

		if (step_standby_check_space(ctx, n, up, &db, &avail, &need, &room) < 0)
		{
			if (m == RESYNC_CLONE || room.kind != PGR_ERR_INPUT)
			{
				*err = room;
				memset(&room, 0, sizeof(room));
				goto out;
			}
			action_log(a, _("%s: if pg_rewind fails, no copy is possible"), room.message);
		}
		else
			action_log(a, _("%s has %lld MB free for a copy of %s, which needs %lld MB"),
					   n->name, avail / (1024 * 1024), up->name, need / (1024 * 1024));
	}
	if (a->dry_run)
	{
		rc = dry_run(a, ctx, n, up, m, running, restore_wal, err);
		goto out;
	}
	if (ask_copy)
	{
		char	   *q = pgr_asprintf(_("pg_rewind cannot re-sync %s; copy it afresh from %s with pg_basebackup (its data directory is moved aside)?"),
									 n->name, up->name);
		bool		yes = action_confirm(a, q);

		free(q);
		if (!yes)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("pg_rewind cannot re-sync %s: %s"), n->name, why);
			pgr_error_hint(err, _("Copy it afresh with \"%s resync %s --method=clone\"."), PACKAGE, n->name);
			goto out;
		}
	}
	if (running)
	{
		action_log(a, _("stopping %s"), n->name);
		if (service_stop(ctx, n, false, err) < 0)
			goto out;
	}
	{
		transport  *t = session_transport(ctx, n, err);

		if (!t || put_back_interrupted(a, t, n, err) < 0)
			goto out;
	}
	/* the node follows the primary from now on, whatever the method */
	n->role = NODE_STANDBY;
	free(n->upstream);
	n->upstream = pgr_strdup(up->name);
	/* the primary, maybe promoted since apply, lets its standbys in */
	if (action_serve_standbys(a, ctx, up, err) < 0)
		goto out;

	if (m != RESYNC_CLONE)
	{
		if (rewind_node(a, ctx, n, up, restore_wal, &e) == 0)
			goto started;
		if (m == RESYNC_REWIND)
		{
			*err = e;
			memset(&e, 0, sizeof(e));
			/* a refused pg_rewind says already what to install, and the copy */
			if (!err->hint)
				pgr_error_hint(err, _("Copy it afresh instead with \"%s resync %s --method=clone\" (the data directory is moved aside)."),
							   PACKAGE, n->name);
			goto out;
		}
		action_log(a, _("rewind failed: %s%s%s"), e.message, e.detail ? " — " : "", e.detail ? e.detail : "");
		if (pgr_error_isset(&room))
		{
			/* said before the node was stopped; the copy is not offered */
			*err = room;
			memset(&room, 0, sizeof(room));
			pgr_error_prefix(err, _("pg_rewind failed (%s) and a copy does not fit"), e.message);
			goto out;
		}
		{
			char	   *q = pgr_asprintf(_("pg_rewind could not re-sync %s; copy it afresh from %s with pg_basebackup (its data directory is moved aside)?"),
										 n->name, up->name);
			bool		yes = action_confirm(a, q);

			free(q);
			if (!yes)
			{
				*err = e;
				memset(&e, 0, sizeof(e));
				pgr_error_hint(err, _("Copy it afresh with \"%s resync %s --method=clone\"."), PACKAGE, n->name);
				goto out;
			}
		}
		pgr_error_clear(&e);
	}
	if (clone_node(a, ctx, n, err) < 0)
		goto out;
	/* the standby step verified streaming and a marker already */
	goto save;
started:
	if (action_wait_streaming(a, ctx, up, n, ACTION_STREAMING_TIMEOUT_MS, err) < 0)
		goto out;
save:
	if (action_save_cluster(a, err) < 0)
		goto out;
	rc = 0;
out:
	pgr_error_clear(&e);
	pgr_error_clear(&room);
	free(why);
	free(restore);
	session_free(ctx);
	return rc;
}

/* The action, then the cluster's event_command told how it went. */
int
action_resync(action_ctx *a, const char *node, resync_method m, pgr_error *err)
{
	char	   *old_primary = action_primary_name(a);
	int			rc = action_manager_guard(a, err) < 0 ? -1 : resync_run(a, node, m, err);

	action_announce(a, HOOK_RESYNC, node, old_primary, rc, err);
	free(old_primary);
	return rc;
}
