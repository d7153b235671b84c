/*
 * action.c: what promote, follow and resync share (see action.h).
 *
 * The standby's passfile, CA and recovery settings are written exactly as
 * the standby step (step_standby.c) writes them when it builds a standby,
 * so that a standby re-pointed or re-synced here cannot be told from one
 * built by apply: same paths, same primary_conninfo (recovery.h renders
 * both), no password anywhere but the 0600 passfile.
 */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "action.h"
#include "hooks.h"
#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "shquote.h"
#include "standby_files.h"
#include "status.h"
#include "step_hba.h"
#include "step_ssl.h"

/* ---- the context --------------------------------------------------------- */

static void
ctx_log(void *arg, const plan_step *s, const char *line)
{
	action_ctx *a = arg;

	(void) s;
	if (a->log)
		a->log(a->log_arg, line);
}

static bool
ctx_confirm(void *arg, const plan_step *s, const char *question)
{
	(void) s;
	return action_confirm(arg, question);
}

static void
ctx_progress(void *arg, const plan_step *s, long long done, long long total)
{
	action_ctx *a = arg;

	(void) s;
	if (a->progress)
		a->progress(a->progress_arg, done, total);
}

session *
action_session(action_ctx *a)
{
	session_options po;

	memset(&po, 0, sizeof(po));
	po.method = PARAM_ALTER_SYSTEM;
	po.assume_yes = a->yes;
	po.confirm = ctx_confirm;
	po.log = ctx_log;
	po.progress = a->progress ? ctx_progress : NULL;
	po.cb_arg = a;
	po.topts.ssh_config = a->ssh_config;
	po.replication_password = a->replication_password;
	po.max_rate_kb = a->max_rate_kb;
	/*
	 * A dead node must not hold a failover up: refused connections fail at
	 * once, a host that does not answer at all within this limit.
	 */
	po.connect_timeout_s = ACTION_CONNECT_TIMEOUT_S;
	return session_new(a->cl, &po);
}

void
action_log(action_ctx *a, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	if (!a->log)
		return;
	va_start(ap, fmt);
	line = pgr_vasprintf(fmt, ap);
	va_end(ap);
	a->log(a->log_arg, line);
	free(line);
}

bool
action_confirm(action_ctx *a, const char *question)
{
	if (a->yes)
		return true;
	if (!a->confirm)
		return false;
	return a->confirm(a->confirm_arg, question);
}

cluster_node *
action_node(action_ctx *a, const char *name, pgr_error *err)
{
	cluster_node *n = name ? cluster_find_node(a->cl, name) : NULL;
	strbuf		names;

	if (n)
		return n;
	strbuf_init(&names);
	for (int i = 0; i < a->cl->n_nodes; i++)
		strbuf_appendf(&names, "%s%s", i ? ", " : "", a->cl->nodes[i].name);
	pgr_error_set(err, PGR_ERR_INPUT, _("no node \"%s\" in the cluster file \"%s\""),
				  name ? name : "", a->cl->path ? a->cl->path : "");
	pgr_error_detail(err, _("Its nodes are: %s."), names.data);
	pgr_error_hint(err, _("Name one of the cluster file's nodes."));
	strbuf_free(&names);
	return NULL;
}

/* ---- SQL ----------------------------------------------------------------- */

int
action_in_recovery(PGconn *conn, const cluster_node *n, bool *in_recovery,
				   pgr_error *err)
{
	char	   *v = NULL;

	if (pgconn_query_value(conn, n->name, "SELECT pg_catalog.pg_is_in_recovery()", 0, NULL, &v, err) < 0)
		return -1;
	*in_recovery = v && v[0] == 't';
	free(v);
	return 0;
}

long long
action_parse_lsn(const char *lsn)
{
	unsigned long hi,
				lo;

	if (!lsn || sscanf(lsn, "%lX/%lX", &hi, &lo) != 2)
		return -1;
	return (long long) (((unsigned long long) hi << 32) | lo);
}

/* ---- files on the standby's host ----------------------------------------- */

char *
action_passfile_path(const cluster_node *n)
{
	return standby_passfile_path(n);
}

char *
action_rootcert_path(const cluster *cl, const cluster_node *n)
{
	return standby_rootcert_path(cl, n);
}

char *
action_bin(const cluster_node *n, const char *prog)
{
	if (!n->bindir || !n->bindir[0])
		return pgr_strdup(prog);
	return pgr_asprintf("%s/%s", n->bindir, prog);
}

char *
action_client_bin(const cluster_node *n, const char *prog)
{
	const char *dir = cluster_client_bindir(n);

	if (!dir || !dir[0])
		return pgr_strdup(prog);
	return pgr_asprintf("%s/%s", dir, prog);
}

/* out gets both streams (tools such as pg_rewind talk on stderr) */
static void
keep_both_streams(void *arg, transport_stream stream, const char *data, size_t len)
{
	strbuf_append_len(arg, data, len);
}

int
action_run(transport *t, const cluster_node *n, const char *const *argv,
		   const char *const *env, int timeout_ms, strbuf *out, pgr_error *err)
{
	transport_exec_opts xo = {0};
	int			status;
	int			rc;

	xo.output = out ? keep_both_streams : NULL;
	xo.output_arg = out;
	xo.env = env;
	xo.timeout_ms = timeout_ms;
	rc = transport_run_checked(t, argv, &xo, NULL, &status, err);
	if (rc < 0 && status > 0)
	{
		char	   *cmd = shquote_argv(argv);

		pgr_error_reword(err, PGR_ERR_EXEC, _("the command %s failed on %s (status %d)"),
						 cmd, n->name, status);
		free(cmd);
	}
	return rc;
}

int
action_write_standby_files(action_ctx *a, session *ctx, cluster_node *n,
						   cluster_node *up, pgr_error *err)
{
	transport  *t = session_transport(ctx, n, err);
	char	   *pw = NULL;
	char	   *passfile = standby_passfile_path(n);
	char	   *rootcert = standby_rootcert_path(a->cl, n);
	char	   *sslcert = standby_sslcert_path(a->cl, n);
	char	   *sslkey = standby_sslkey_path(a->cl, n);
	int			rc = -1;

	if (!t)
		goto out;
	if (standby_uses_password(a->cl))
	{
		if (standby_replication_password(ctx, &pw, err) < 0)
			goto out;
		if (standby_write_passfile(t, a->cl, up, passfile, pw, err) < 0)
			goto out;
		action_log(a, _("wrote the passfile \"%s\" on %s for %s (mode 0600)"), passfile, n->name, up->name);
	}
	if (rootcert && standby_write_rootcert(t, a->cl, rootcert, err) < 0)
		goto out;
	if (sslcert)
	{
		if (standby_write_client_cert(t, a->cl, n, sslcert, sslkey, err) < 0)
			goto out;
		action_log(a, _("wrote the client certificate \"%s\" and its key \"%s\" (mode 0600) on %s"),
				   sslcert, sslkey, n->name);
	}
	rc = 0;
out:
	pgr_free_secret(pw);
	free(passfile);
	free(rootcert);
	free(sslcert);
	free(sslkey);
	return rc;
}

void
action_recovery_params(session *ctx, cluster_node *n, cluster_node *up,
					   const pg_version_facts *facts, char **slot,
					   recovery_params *rp)
{
	*slot = ctx->cl->slots ? cluster_slot_name(n) : NULL;
	/* owned by rp: freed by action_recovery_params_clear */
	standby_recovery_params(ctx->cl, n, up, facts,
							standby_uses_password(ctx->cl) ? standby_passfile_path(n) : NULL,
							standby_rootcert_path(ctx->cl, n),
							standby_sslcert_path(ctx->cl, n),
							standby_sslkey_path(ctx->cl, n), *slot, rp);
}

void
action_recovery_params_clear(recovery_params *rp, char *slot)
{
	free((char *) rp->passfile);
	free((char *) rp->sslrootcert);
	free((char *) rp->sslcert);
	free((char *) rp->sslkey);
	free(slot);
	memset(rp, 0, sizeof(*rp));
}

static void
log_to_action(void *arg, const char *line)
{
	action_log(arg, "%s", line);
}

int
action_write_recovery(action_ctx *a, session *ctx, cluster_node *n,
					  const recovery_params *rp, pgr_error *err)
{
	transport  *t = session_transport(ctx, n, err);

	if (!t)
		return -1;
	return standby_write_recovery(t, n, rp, log_to_action, a, err);
}

int
action_ensure_slot(action_ctx *a, session *ctx, cluster_node *up,
				   const char *slot, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, up, err);
	const char *params[1] = {slot};
	char	   *v = NULL;

	if (!conn)
		return -1;
	if (pgconn_query_value(conn, up->name,
						   "SELECT slot_type FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
						   1, params, &v, err) < 0)
		return -1;
	if (v)
	{
		bool		physical = strcmp(v, "physical") == 0;

		free(v);
		if (physical)
			return 0;
		pgr_error_set(err, PGR_ERR_INPUT, _("the replication slot \"%s\" on %s is not a physical slot"),
					  slot, up->name);
		pgr_error_hint(err, _("Drop that slot on %s, or set slots = off."), up->name);
		return -1;
	}
	/*
	 * immediately_reserve: the slot holds WAL from now on, so that what
	 * the standby still needs is not recycled before it connects.
	 */
	if (pgconn_query_value(conn, up->name,
						   "SELECT slot_name::text FROM pg_catalog.pg_create_physical_replication_slot($1, true)",
						   1, params, &v, err) < 0)
		return -1;
	free(v);
	action_log(a, _("created the replication slot \"%s\" on %s"), slot, up->name);
	return 0;
}

int
action_is_streaming(session *ctx, cluster_node *up, cluster_node *n,
					bool *streaming, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, up, err);
	const char *params[1] = {n->name};
	char	   *v = NULL;

	if (!conn)
		return -1;
	if (pgconn_query_value(conn, up->name,
						   "SELECT count(*) FROM pg_catalog.pg_stat_replication "
						   "WHERE application_name = $1 AND state = 'streaming'",
						   1, params, &v, err) < 0)
		return -1;
	*streaming = v && atoi(v) > 0;
	free(v);
	return 0;
}

int
action_wait_streaming(action_ctx *a, session *ctx, cluster_node *up,
					  cluster_node *n, int timeout_ms, pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	int64_t		deadline = start + timeout_ms;
	long		delay = 20;

	for (;;)
	{
		bool		streaming = false;

		if (action_is_streaming(ctx, up, n, &streaming, err) < 0)
			return -1;
		if (streaming)
		{
			action_log(a, _("%s streams from %s (after %lld ms)"), n->name, up->name,
					   (long long) (pgr_now_ms() - start));
			return 0;
		}
		if (pgr_now_ms() >= deadline)
			break;
		pgr_sleep_ms(delay);
		if (delay < 500)
			delay *= 2;
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s does not stream from %s after %d s"),
				  n->name, up->name, timeout_ms / 1000);
	pgr_error_detail(err, _("%s's pg_stat_replication shows no application_name \"%s\" in state streaming."),
					 up->name, n->name);
	pgr_error_hint(err, _("Look at %s's server log (pg_hba.conf on %s, the passfile, SSL)."), n->name, up->name);
	return -1;
}

int
action_save_cluster(action_ctx *a, pgr_error *err)
{
	if (!a->cluster_path)
		return 0;
	if (!a->cl->path || strcmp(a->cl->path, a->cluster_path) != 0)
	{
		free(a->cl->path);
		a->cl->path = pgr_strdup(a->cluster_path);
	}
	if (cluster_save(a->cl, err) < 0)
		return -1;
	action_log(a, _("rewrote the cluster file \"%s\""), a->cluster_path);
	return 0;
}

int
action_serve_standbys(action_ctx *a, session *ctx, cluster_node *up,
					  pgr_error *err)
{
	plan	   *p = pgr_calloc(1, sizeof(*p));
	bool		saved_yes = ctx->opts.assume_yes;
	int			changed = 0;
	int			rc;

	/* SSL first: the hostssl rules take effect once the server has SSL */
	if (a->cl->ssl)
		plan_add(p, step_ssl_new(ctx, up));
	plan_add(p, step_hba_new(ctx, up));
	ctx->opts.assume_yes = true;
	rc = plan_apply(ctx, p, &changed, err);
	ctx->opts.assume_yes = saved_yes;
	plan_free(p);
	if (rc < 0)
		pgr_error_prefix(err, _("%s cannot serve its standbys"), up->name);
	return rc;
}

char *
action_primary_name(action_ctx *a)
{
	const cluster_node *p = cluster_primary(a->cl);

	return p ? pgr_strdup(p->name) : NULL;
}

void
action_announce(action_ctx *a, const char *event, const char *node,
				const char *old_primary, int rc, const pgr_error *err)
{
	char	   *new_primary;
	hook_event	ev;
	pgr_error	herr = PGR_ERROR_INIT;

	if (!a->cl->event_command || a->dry_run ||
		(rc < 0 && (err->kind == PGR_ERR_INPUT || err->kind == PGR_ERR_REFUSED)))
		return;
	new_primary = action_primary_name(a);
	ev.event = event;
	ev.node = node;
	ev.old_primary = old_primary;
	ev.new_primary = new_primary;
	ev.success = rc == 0;
	ev.message = rc < 0 ? err->message : NULL;
	if (hook_run(a->cl, &ev, &herr) < 0)
		action_log(a, _("warning: %s"), herr.message ? herr.message : _("unknown error"));
	else
		action_log(a, _("event command run: %s %s"), event, ev.success ? "ok" : "failed");
	pgr_error_clear(&herr);
	free(new_primary);
}

/* ---- a cluster manager's nodes --------------------------------------------- */

/* Long enough for a loaded host, short enough not to hold an action up. */
#define MANAGER_CHECK_TIMEOUT_S 10.0

int
action_manager_guard(action_ctx *a, pgr_error *err)
{
	cluster_status *st = status_collect(a->cl, MANAGER_CHECK_TIMEOUT_S);
	const node_status *managed = NULL;
	int			rc = 0;

	/*
	 * What the nodes say now (a node that does not answer says nothing: the
	 * action's own checks deal with it).
	 */
	for (int i = 0; i < st->n_nodes && !managed; i++)
		if (st->nodes[i].answered && st->nodes[i].manager)
			managed = &st->nodes[i];
	if (managed && a->override_manager)
		action_log(a, _("warning: %s is managed by %s (%s): acting anyway (--force)"),
				   managed->node->name, managed->manager,
				   managed->manager_evidence ? managed->manager_evidence : "");
	else if (managed)
	{
		pgr_error_set(err, PGR_ERR_REFUSED,
					  _("%s is managed by %s (%s): pgreplica does not act on a cluster that a cluster manager runs"),
					  managed->node->name, managed->manager,
					  managed->manager_evidence ? managed->manager_evidence : "");
		pgr_error_detail(err, _("%s would undo the change or act at the same time (two primaries, a standby re-pointed twice)."),
						 managed->manager);
		pgr_error_hint(err, _("Use %s's own commands, or give --force if you are sure it is stopped (dangerous)."),
					   managed->manager);
		rc = -1;
	}
	status_free(st);
	return rc;
}
