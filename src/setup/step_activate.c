/*
 * step_activate.c: put the changed settings in force on the primary, by a
 * restart or a reload (DESIGN.md step 3, "Detect pending_restart and
 * restart through the node's service manager only after confirmation").
 *
 * A restart is needed when an earlier step of this run changed parameters
 * of context 'postmaster' (the params step's result, filled when it
 * inspects: plan_results_before) or when the server already reports pending_restart
 * settings (changed earlier, e.g. by an apply whose restart was declined).
 * A reload is needed when an earlier step asked for one
 * (its result's reload_needed).  plan_apply() inspects this step again right before
 * applying it, so it sees the state left by the steps before.
 *
 * The restart goes through the node's service (service.c) only after
 * session_confirm() (yes with --yes); declined, the server is reloaded, so that
 * whatever can take effect does, and the step fails saying that a restart
 * is still pending.  After a restart the session's connection is made again
 * once the server accepts connections (service_wait_ready).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "step_activate.h"
#include "service.h"
#include "strbuf.h"

typedef struct activate_priv {
	bool		restart;
	bool		reload;
	char	  **names;			/* settings waiting for the restart */
	int			n_names;
	strbuf		list;			/* the same, ", "-separated, for messages */
} activate_priv;

static void
activate_free(void *v)
{
	activate_priv *p = v;

	if (!p)
		return;
	for (int i = 0; i < p->n_names; i++)
		free(p->names[i]);
	free(p->names);
	strbuf_free(&p->list);
	free(p);
}

static void
add_name(activate_priv *p, const char *name, size_t len)
{
	if (len == 0)
		return;
	for (int i = 0; i < p->n_names; i++)
		if (strlen(p->names[i]) == len && strncmp(p->names[i], name, len) == 0)
			return;
	p->names = pgr_realloc(p->names, sizeof(char *) * (size_t) (p->n_names + 1));
	p->names[p->n_names++] = pgr_strndup(name, len);
	if (p->list.len > 0)
		strbuf_append(&p->list, ", ");
	strbuf_append_len(&p->list, name, len);
}

static const char pending_sql[] =
"SELECT name FROM pg_catalog.pg_settings WHERE pending_restart ORDER BY name";

static PGresult *
query_pending(PGconn *conn, const cluster_node *n, pgr_error *err)
{
	return pgconn_exec(conn, n->name, pending_sql, PGRES_TUPLES_OK, -1, 1, err);
}

static int
activate_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, s->node, err);
	activate_priv *p;
	PGresult   *res;
	const char *r;
	step_result before;

	if (!conn)
		return -1;
	p = pgr_calloc(1, sizeof(*p));
	strbuf_init(&p->list);
	s->priv = p;

	/* names from the steps before (separated by commas or white space) */
	plan_results_before(s, &before);
	r = before.restart_reasons.data;
	while (r && *r)
	{
		size_t		len = strcspn(r, ", \t\n");

		add_name(p, r, len);
		r += len;
		r += strspn(r, ", \t\n");
	}
	p->reload = before.reload_needed;
	step_result_free(&before);
	res = query_pending(conn, s->node, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *name = pgconn_value(res, i, 0);

		if (name)
			add_name(p, name, strlen(name));
	}
	PQclear(res);

	p->restart = p->n_names > 0;
	p->reload = !p->restart && p->reload;
	if (p->restart)
	{
		char	   *cmd = service_command_string(s->node, SERVICE_RESTART);

		strbuf_appendf(&s->preview, "# restart %s (%s)\n%s\n",
					   s->node->name, p->list.data, cmd);
		strbuf_appendf(&s->summary, _("restart %s: %s change"), s->node->name, p->list.data);
		free(cmd);
	}
	else if (p->reload)
	{
		strbuf_append(&s->preview, "SELECT pg_reload_conf();\n");
		strbuf_appendf(&s->summary, _("reload %s"), s->node->name);
	}
	else
		strbuf_appendf(&s->summary, _("nothing to do: no restart or reload pending on %s"),
					   s->node->name);
	return 0;
}

static int
reload_conf(session *ctx, plan_step *s, pgr_error *err)
{
	return session_reload(ctx, s->node, err);
}

static int
activate_apply(session *ctx, plan_step *s, pgr_error *err)
{
	activate_priv *p = s->priv;
	char	   *question;
	bool		yes;

	if (!p)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("the step was not inspected before being applied"));
	if (!p->restart)
	{
		if (!p->reload)
			return 0;
		if (reload_conf(ctx, s, err) < 0)
			return -1;
		session_log(ctx, s, _("reloaded the configuration of %s"), s->node->name);
		return 0;
	}

	question = pgr_asprintf(_("restart the server on %s now? connections will be cut"),
							s->node->name);
	yes = session_confirm(ctx, s, question);
	free(question);
	if (!yes)
	{
		pgr_error	rerr = PGR_ERROR_INIT;

		/* what can take effect without the restart does */
		if (reload_conf(ctx, s, &rerr) < 0)
			pgr_error_clear(&rerr);
		pgr_error_set(err, PGR_ERR_INPUT, _("a restart of %s is still pending (%s)"),
					  s->node->name, p->list.data);
		pgr_error_hint(err, _("Run pgreplica apply again to restart (--yes answers yes)."));
		return -1;
	}
	session_log(ctx, s, _("restarting the server on %s (%s)"), s->node->name, p->list.data);
	session_disconnect(ctx, s->node);
	if (service_restart(ctx, s->node, err) < 0)
		return -1;
	if (service_wait_ready(ctx, s->node, SERVICE_TIMEOUT_S, err) < 0)
		return -1;
	session_log(ctx, s, _("the server on %s accepts connections again"), s->node->name);
	return 0;
}

static int
activate_verify(session *ctx, plan_step *s, pgr_error *err)
{
	activate_priv *p = s->priv;
	PGconn	   *conn;
	PGresult   *res;
	strbuf		still;
	int			rc = 0;

	if (!p || !p->restart)
		return 0;
	conn = session_conn(ctx, s->node, err);
	if (!conn)
		return -1;
	res = query_pending(conn, s->node, err);
	if (!res)
		return -1;
	strbuf_init(&still);
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *name = pgconn_value(res, i, 0);

		for (int j = 0; name && j < p->n_names; j++)
			if (strcmp(p->names[j], name) == 0)
			{
				if (still.len)
					strbuf_append(&still, ", ");
				strbuf_append(&still, name);
			}
	}
	PQclear(res);
	if (still.len > 0)
	{
		rc = pgr_error_set(err, PGR_ERR_GENERIC,
						   _("after the restart, %s still reports settings waiting for a restart: %s"),
						   s->node->name, still.data);
		pgr_error_hint(err, _("The server may not have been restarted by its service (check the node's \"service\" setting)."));
	}
	strbuf_free(&still);
	return rc;
}

/*
 * The last apply was cut during this step: pg_ctl restart may have stopped
 * the server and died (with its SSH session) before starting it again.  A
 * server that its service manager says is not running is started, so that
 * the steps can inspect it and the restart is completed.
 */
static int
activate_resume(session *ctx, plan_step *s, pgr_error *err)
{
	bool		running = false;
	pgr_error	cerr = PGR_ERROR_INIT;

	if (session_conn(ctx, s->node, &cerr) != NULL)
		return 0;
	if (cerr.kind != PGR_ERR_CONNECT && cerr.kind != PGR_ERR_TIMEOUT)
	{
		*err = cerr;
		return -1;
	}
	pgr_error_clear(&cerr);
	if (service_status(ctx, s->node, &running, err) < 0)
		return -1;
	if (!running)
	{
		session_log(ctx, s, _("the server on %s was left stopped by the interrupted restart: starting it"),
				 s->node->name);
		if (service_start(ctx, s->node, err) < 0)
			return -1;
	}
	return service_wait_ready(ctx, s->node, SERVICE_TIMEOUT_S, err);
}

static const step_ops activate_ops = {
	.kind = "activate",
	.inspect = activate_inspect,
	.apply = activate_apply,
	.verify = activate_verify,
	.undo = NULL,
	.resume = activate_resume,
	.free_priv = activate_free,
};

plan_step *
step_activate_new(session *ctx, cluster_node *primary)
{
	char	   *id = pgr_asprintf("activate@%s", primary->name);
	char	   *title = pgr_asprintf(_("restart or reload %s"), primary->name);
	plan_step  *s = plan_step_new(&activate_ops, primary, id, title);

	(void) ctx;
	free(id);
	free(title);
	return s;
}
