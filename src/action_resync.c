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
 *      pg_hba.conf, pg_ident.conf, its certificate and key) read: pg_rewind
 *      copies the source's over them;
 *   3. pg_rewind --target-pgdata --source-server, run on the node's host as
 *      the server's account; the source is the primary as the node's
 *      dbuser (pg_rewind reads files through functions a replication role
 *      may not call); its password, if libpq used one for pgreplica's own
 *      session, goes to a 0600 passfile named by PGPASSFILE, removed
 *      afterwards: never on a command line;
 *   4. the kept files put back, the standby's passfile and recovery
 *      settings written as the standby step writes them (over the
 *      postgresql.auto.conf pg_rewind brought from the primary, whose
 *      primary_conninfo named the primary's own former upstream), its slot
 *      created on the primary, the server started, streaming verified.
 * When pg_rewind is impossible or fails (neither wal_log_hints nor data
 * checksums, WAL the rewind needs already recycled...), RESYNC_AUTO asks
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
#include "standby_files.h"
#include "i18n.h"
#include "pgconn.h"
#include "service.h"
#include "step_ssl.h"

#define REWIND_TIMEOUT_MS (6 * 3600 * 1000)
#define SINGLE_USER_TIMEOUT_MS (3600 * 1000)

/* What pg_rewind overwrites and belongs to the node's host. */
static const char *const kept_files[] = {
	"postgresql.conf", "pg_hba.conf", "pg_ident.conf",
	STEP_SSL_CERT_FILE, STEP_SSL_KEY_FILE, STEP_SSL_CA_FILE, NULL
};

typedef struct kept_file {
	const char *name;
	char	   *data;			/* NULL: not there */
	size_t		len;
	mode_t		mode;
} kept_file;

#define N_KEPT (sizeof(kept_files) / sizeof(kept_files[0]) - 1)

static int
read_kept(transport *t, const cluster_node *n, kept_file *kf, pgr_error *err)
{
	for (size_t i = 0; i < N_KEPT; i++)
	{
		char	   *path = pgr_asprintf("%s/%s", n->pgdata, kept_files[i]);
		transport_file_stat st;
		int			rc = transport_stat(t, path, &st, err);

		kf[i].name = kept_files[i];
		if (rc == 0 && st.exists && st.is_reg)
		{
			kf[i].mode = st.mode;
			rc = transport_read_file(t, path, 0, &kf[i].data, &kf[i].len, err);
		}
		free(path);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
put_back_kept(action_ctx *a, transport *t, const cluster_node *n, kept_file *kf,
			  pgr_error *err)
{
	for (size_t i = 0; i < N_KEPT; i++)
	{
		char	   *path;
		transport_write_opts wo = {kf[i].mode ? kf[i].mode : 0600, NULL, NULL,
		strcmp(kf[i].name, STEP_SSL_KEY_FILE) == 0};
		int			rc;

		if (!kf[i].data)
			continue;
		path = pgr_asprintf("%s/%s", n->pgdata, kf[i].name);
		rc = transport_write_file(t, path, kf[i].data, kf[i].len, &wo, err);
		free(path);
		if (rc < 0)
			return -1;
	}
	action_log(a, _("put %s's own configuration files back"), n->name);
	return 0;
}

static void
free_kept(kept_file *kf)
{
	for (size_t i = 0; i < N_KEPT; i++)
	{
		if (kf[i].data)
			pgr_wipe(kf[i].data, kf[i].len);
		free(kf[i].data);
		kf[i].data = NULL;
	}
}

/* conninfo value quoting as libpq reads it: 'x' with ' and \ escaped */
static void
append_conn_value(strbuf *sb, const char *v)
{
	strbuf_append_char(sb, '\'');
	for (; *v; v++)
	{
		if (*v == '\'' || *v == '\\')
			strbuf_append_char(sb, '\\');
		strbuf_append_char(sb, *v);
	}
	strbuf_append_char(sb, '\'');
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

/* Crash recovery in single-user mode, for pg_rewind before 13. */
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

static int
run_rewind(action_ctx *a, plan_ctx *ctx, transport *t, cluster_node *n,
		   cluster_node *up, const pg_version_facts *facts, pgr_error *err)
{
	PGconn	   *conn = plan_conn(ctx, up, err);
	const char *pw = conn ? PQpass(conn) : NULL;
	char	   *parent_passfile = NULL;
	char	   *rootcert = action_rootcert_path(a->cl, n);
	char	   *rewind = action_client_bin(n, "pg_rewind");
	char	   *target = NULL;
	char	   *source = NULL;
	char	   *envpass = NULL;
	const char *env[2] = {NULL, NULL};
	strbuf		cs,
				line,
				out;
	char		port[16];
	int			rc = -1;

	strbuf_init(&cs);
	strbuf_init(&line);
	strbuf_init(&out);
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
	snprintf(port, sizeof(port), "%d", up->port);
	strbuf_append(&cs, "host=");
	append_conn_value(&cs, up->host);
	strbuf_appendf(&cs, " port=%s user=", port);
	append_conn_value(&cs, node_dbuser(up));
	strbuf_append(&cs, " dbname=");
	append_conn_value(&cs, node_dbname(up));
	strbuf_append(&cs, " application_name=pgreplica");
	if (rootcert)
	{
		strbuf_append(&cs, " sslmode=verify-full sslrootcert=");
		append_conn_value(&cs, rootcert);
	}
	if (pw && pw[0])
	{
		transport_write_opts wo = {.mode = 0600, .secret = true};
		char	   *pf = action_passfile_path(n);

		/* beside the standby's passfile: .pgreplica-<node>.rewind.pgpass */
		parent_passfile = pgr_asprintf("%.*s.rewind.pgpass", (int) (strlen(pf) - strlen(".pgpass")), pf);
		free(pf);
		standby_pgpass_field(&line, up->host);
		strbuf_appendf(&line, ":%s:*:", port);
		standby_pgpass_field(&line, node_dbuser(up));
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
		const char *argv[] = {rewind, target, source, NULL};

		action_log(a, _("rewinding %s from %s with pg_rewind"), n->name, up->name);
		rc = action_run(t, n, argv, env[0] ? env : NULL, REWIND_TIMEOUT_MS, &out, err);
		if (rc < 0)
			pgr_error_prefix(err, _("pg_rewind failed on %s"), n->name);
	}
	for (const char *l = out.data; rc == 0 && *l;)
	{
		size_t		len = strcspn(l, "\n");

		if (len > 0)
			action_log(a, "%.*s", (int) len, l);
		l += len;
		if (*l)
			l++;
	}
	if (rc == 0)
		action_log(a, _("pg_rewind done on %s"), n->name);
	(void) facts;
out:
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
	strbuf_free(&out);
	free(parent_passfile);
	free(rootcert);
	free(rewind);
	free(target);
	free(source);
	free(envpass);
	return rc;
}

static int
rewind_node(action_ctx *a, plan_ctx *ctx, cluster_node *n, cluster_node *up,
			pgr_error *err)
{
	transport  *t = plan_transport(ctx, n, err);
	const pg_version_facts *facts = plan_facts(ctx, up, err);
	kept_file	kf[N_KEPT];
	recovery_params rp;
	char	   *slot = NULL;
	int			rc = -1;

	memset(kf, 0, sizeof(kf));
	memset(&rp, 0, sizeof(rp));
	if (!t || !facts)
		return -1;
	if (read_kept(t, n, kf, err) < 0)
		goto out;
	/* the replication passfile and CA first: pg_rewind's SSL uses the CA */
	if (action_write_standby_files(a, ctx, n, up, err) < 0)
		goto out;
	if (!facts->rewind_runs_recovery && single_user_recovery(a, t, n, err) < 0)
		goto out;
	if (run_rewind(a, ctx, t, n, up, facts, err) < 0)
		goto out;
	if (put_back_kept(a, t, n, kf, err) < 0)
		goto out;
	action_recovery_params(ctx, n, up, facts, &slot, &rp);
	if (action_write_recovery(a, ctx, n, &rp, err) < 0)
		goto out;
	if (slot && action_ensure_slot(a, ctx, up, slot, err) < 0)
		goto out;
	action_log(a, _("starting %s"), n->name);
	plan_disconnect(ctx, n);
	if (service_start(ctx, n, err) < 0)
		goto out;
	rc = 0;
out:
	action_recovery_params_clear(&rp, slot);
	free_kept(kf);
	return rc;
}

/* A fresh copy: the standby step, as apply runs it. */
static int
clone_node(action_ctx *a, plan_ctx *ctx, cluster_node *n, pgr_error *err)
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

int
action_resync(action_ctx *a, const char *node, resync_method m, pgr_error *err)
{
	plan_ctx   *ctx = NULL;
	cluster_node *n;
	cluster_node *up;
	pgr_error	e = PGR_ERROR_INIT;
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
	ctx = action_plan_ctx(a);
	if (!plan_conn(ctx, up, err))
	{
		pgr_error_prefix(err, _("the primary %s does not answer"), up->name);
		pgr_error_hint(err, _("A node is re-synced from the running primary: start %s first."), up->name);
		goto out;
	}
	/* the node as it is now */
	if ((conn = plan_conn(ctx, n, &e)) != NULL)
	{
		bool		rec = false;

		if (action_in_recovery(conn, n, &rec, err) < 0)
			goto out;
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
	plan_disconnect(ctx, n);
	if (service_status(ctx, n, &running, err) < 0)
		goto out;
	if (running)
	{
		action_log(a, _("stopping %s"), n->name);
		if (service_stop(ctx, n, false, err) < 0)
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
		if (rewind_node(a, ctx, n, up, &e) == 0)
			goto started;
		if (m == RESYNC_REWIND)
		{
			*err = e;
			memset(&e, 0, sizeof(e));
			pgr_error_hint(err, _("Copy it afresh instead with \"%s resync %s --method=clone\" (the data directory is moved aside)."),
						   PACKAGE, n->name);
			goto out;
		}
		action_log(a, _("rewind failed: %s%s%s"), e.message, e.detail ? " — " : "", e.detail ? e.detail : "");
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
	plan_ctx_free(ctx);
	return rc;
}
