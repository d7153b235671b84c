/*
 * plan.c: the plan engine — the context that reaches nodes, the list of
 * steps, inspect / apply with confirmation, and the journal.
 *
 * The journal is a text file, one line per event, fsync'd as it grows:
 *     begin <step id> <unix time>
 *     done <step id> <unix time>
 *     failed <step id> <unix time>
 * A "begin" with no "done"/"failed" after it is a step that was running
 * when apply stopped (kill -9, lost terminal): the next apply says so and
 * starts again from there.  Steps are idempotent, so the steps before it
 * inspect as "nothing to do" and cost one look each.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "step_ssl.h"
#include "trace.h"

/* ---- context -------------------------------------------------------------- */

plan_ctx *
plan_ctx_new(cluster *cl, const plan_options *opts)
{
	plan_ctx   *ctx = pgr_calloc(1, sizeof(*ctx));

	ctx->cl = cl;
	ctx->opts = *opts;
	if (ctx->opts.connect_timeout_s <= 0)
		ctx->opts.connect_timeout_s = 10;
	ctx->nodes = pgr_calloc((size_t) cl->n_nodes, sizeof(plan_node));
	for (int i = 0; i < cl->n_nodes; i++)
		ctx->nodes[i].node = &cl->nodes[i];
	strbuf_init(&ctx->restart_reasons);
	return ctx;
}

static void join_openers(plan_ctx *ctx);

void
plan_ctx_free(plan_ctx *ctx)
{
	if (!ctx)
		return;
	join_openers(ctx);
	for (int i = 0; i < ctx->cl->n_nodes; i++)
	{
		if (ctx->nodes[i].conn)
			PQfinish(ctx->nodes[i].conn);
		transport_close(ctx->nodes[i].t);
	}
	free(ctx->nodes);
	pgr_free_secret(ctx->replication_password);
	strbuf_free(&ctx->restart_reasons);
	free(ctx);
}

static plan_node *
ctx_node(plan_ctx *ctx, cluster_node *n)
{
	for (int i = 0; i < ctx->cl->n_nodes; i++)
		if (ctx->nodes[i].node == n)
			return &ctx->nodes[i];
	return NULL;
}

/*
 * The set-up changes the certificates the nodes present: when the cluster
 * file has just been given the operator's ssl_ca, the nodes still present
 * certificates of pgreplica's own CA, which the SSL step is there to
 * replace.  Its sessions then also accept those (verify-full against that
 * CA, whose key never left the operator's 0700 directory).
 */
static PGconn *
connect_own_ca(plan_ctx *ctx, cluster_node *n)
{
	pgconn_options o = {0};
	char	   *ca;
	PGconn	   *conn = NULL;

	if (!ctx->cl->ssl || !ctx->cl->ssl_ca)
		return NULL;
	ca = step_ssl_ca_cert_path(ctx->cl);
	if (access(ca, F_OK) == 0)
	{
		o.sslmode = "verify-full";
		o.sslrootcert = ca;
		conn = pgconn_connect(ctx->cl, n, &o, ctx->opts.connect_timeout_s, NULL);
	}
	free(ca);
	return conn;
}

PGconn *
plan_conn(plan_ctx *ctx, cluster_node *n, pgr_error *err)
{
	plan_node  *pn = ctx_node(ctx, n);
	pgconn_options o = {0};

	if (pn->conn && PQstatus(pn->conn) == CONNECTION_OK)
		return pn->conn;
	if (pn->conn)
		PQfinish(pn->conn);
	{
		int64_t		t0 = trace_start();

		pgr_error	cerr = PGR_ERROR_INIT;

		pn->conn = pgconn_connect(ctx->cl, n, &o, ctx->opts.connect_timeout_s, &cerr);
		if (!pn->conn && cerr.kind == PGR_ERR_CONNECT)
			pn->conn = connect_own_ca(ctx, n);
		if (pn->conn)
			pgr_error_clear(&cerr);
		else if (err)
		{
			pgr_error_clear(err);
			*err = cerr;
		}
		else
			pgr_error_clear(&cerr);
		trace_done(t0, "connect %s", n->name);
	}
	if (pn->conn)
		pn->server_version_num = PQserverVersion(pn->conn);
	return pn->conn;
}

void
plan_set_conn(plan_ctx *ctx, cluster_node *n, PGconn *conn)
{
	plan_node  *pn = ctx_node(ctx, n);

	if (pn->conn && pn->conn != conn)
		PQfinish(pn->conn);
	pn->conn = conn;
	pn->server_version_num = conn ? PQserverVersion(conn) : 0;
	pn->facts = NULL;
}

int
plan_reload(plan_ctx *ctx, cluster_node *n, pgr_error *err)
{
	PGconn	   *conn = plan_conn(ctx, n, err);
	PGresult   *res;
	const char *v;
	int			rc = 0;

	if (!conn)
		return -1;
	res = pgconn_exec(conn, n->name, "SELECT pg_catalog.pg_reload_conf()",
					  PGRES_TUPLES_OK, 1, 1, err);
	if (!res)
		return -1;
	v = pgconn_value(res, 0, 0);
	if (!v || v[0] != 't')
		rc = pgr_error_set(err, PGR_ERR_GENERIC, _("the server of node \"%s\" could not be told to reload"),
						   n->name);
	PQclear(res);
	return rc;
}

void
plan_disconnect(plan_ctx *ctx, cluster_node *n)
{
	plan_node  *pn = ctx_node(ctx, n);

	if (pn->conn)
		PQfinish(pn->conn);
	pn->conn = NULL;
}

/* ---- transports, opened in parallel -------------------------------------- */

/*
 * An SSH login costs one to two hundred milliseconds (key exchange,
 * authentication, a few round trips), and a plan touches several hosts:
 * plan_inspect() starts opening every transport its steps will need at
 * once, each in a thread of its own, while the first steps talk to the
 * primary's server.  plan_transport() then waits for the one it needs.
 *
 * The questions a transport may ask (an unknown host key, a password) go
 * through one lock, so that two hosts never ask at the same time.
 */
struct plan_opener {
	pthread_t	thread;
	plan_ctx   *ctx;
	cluster_node *node;
	transport  *t;
	pgr_error	err;
};

static pthread_mutex_t question_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
locked_unknown_host(void *arg, const char *host, int port, const char *key_type,
					const char *fingerprint)
{
	plan_ctx   *ctx = arg;
	bool		yes;

	pthread_mutex_lock(&question_lock);
	yes = ctx->opts.topts.unknown_host(ctx->opts.topts.cb_arg, host, port, key_type, fingerprint);
	pthread_mutex_unlock(&question_lock);
	return yes;
}

static char *
locked_ask(void *arg, const char *prompt, bool echo)
{
	plan_ctx   *ctx = arg;
	char	   *answer;

	pthread_mutex_lock(&question_lock);
	answer = ctx->opts.topts.ask(ctx->opts.topts.cb_arg, prompt, echo);
	pthread_mutex_unlock(&question_lock);
	return answer;
}

/* The options a node's transport is opened with. */
static transport_options
node_transport_options(plan_ctx *ctx, const cluster_node *n)
{
	transport_options o = ctx->opts.topts;

	/* the node's own `become` account, else the context's */
	if (n->become && n->become[0])
		o.become = n->become;
	return o;
}

static void *
opener_main(void *arg)
{
	plan_opener *o = arg;
	transport_options topts = node_transport_options(o->ctx, o->node);

	topts.cb_arg = o->ctx;
	if (topts.unknown_host)
		topts.unknown_host = locked_unknown_host;
	if (topts.ask)
		topts.ask = locked_ask;
	o->t = transport_open(o->node->ssh, &topts, &o->err);
	/*
	 * Also start the file channel (SFTP: a subsystem to spawn and a
	 * version exchange, some 40 ms) while waiting costs nothing: a stat of
	 * "/" is the cheapest file operation.  Its failure is not this
	 * thread's business; the step that needs files will meet it.
	 */
	if (o->t)
	{
		transport_file_stat st;

		(void) transport_stat(o->t, "/", &st, NULL);
	}
	return NULL;
}

/* Is N one of the plan's steps' nodes (p NULL: every node)? */
static bool
plan_uses(const plan *p, const cluster_node *n)
{
	if (!p)
		return true;
	for (int j = 0; j < p->n_steps; j++)
		if (p->steps[j]->node == n)
			return true;
	return false;
}

/* Start opening the transport of every node the plan's steps touch. */
static void
open_transports(plan_ctx *ctx, plan *p)
{
	int			wanted = 0;

	for (int i = 0; i < ctx->cl->n_nodes; i++)
	{
		plan_node  *pn = &ctx->nodes[i];

		if (plan_uses(p, pn->node) && !pn->t && !pn->opener && pn->node->ssh)
			wanted++;
	}
	/* one host: nothing to overlap with, the lazy path does it */
	if (wanted < 2)
		return;
	for (int i = 0; i < ctx->cl->n_nodes; i++)
	{
		plan_node  *pn = &ctx->nodes[i];
		plan_opener *o;

		if (!plan_uses(p, pn->node) || pn->t || pn->opener || !pn->node->ssh)
			continue;
		o = pgr_calloc(1, sizeof(*o));
		o->ctx = ctx;
		o->node = pn->node;
		if (pthread_create(&o->thread, NULL, opener_main, o) != 0)
		{
			free(o);			/* the lazy path will open it */
			continue;
		}
		pn->opener = o;
	}
}

void
plan_open_all_transports(plan_ctx *ctx)
{
	open_transports(ctx, NULL);
}

/*
 * Wait for a transport being opened in the background.  Its error, if it
 * failed, goes to err (NULL: dropped, the next plan_transport tries again).
 */
static transport *
join_opener(plan_node *pn, pgr_error *err)
{
	plan_opener *o = pn->opener;
	transport  *t;

	pthread_join(o->thread, NULL);
	pn->opener = NULL;
	t = o->t;
	if (!t && err)
	{
		pgr_error_clear(err);
		*err = o->err;
	}
	else
		pgr_error_clear(&o->err);
	free(o);
	return t;
}

static void
join_openers(plan_ctx *ctx)
{
	for (int i = 0; i < ctx->cl->n_nodes; i++)
		if (ctx->nodes[i].opener)
			ctx->nodes[i].t = join_opener(&ctx->nodes[i], NULL);
}

transport *
plan_transport(plan_ctx *ctx, cluster_node *n, pgr_error *err)
{
	plan_node  *pn = ctx_node(ctx, n);

	if (pn->opener)
	{
		pn->t = join_opener(pn, err);
		if (!pn->t)
		{
			pgr_error_prefix(err, "%s", n->name);
			return NULL;
		}
	}
	if (pn->t)
		return pn->t;
	if (!n->ssh)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s:%d: node \"%s\" has no \"ssh\" setting"),
					  ctx->cl->path, n->line, n->name);
		pgr_error_hint(err, _("Set ssh = local, or ssh = USER@HOST to reach the node's files and commands over SSH."));
		return NULL;
	}
	{
		transport_options o = node_transport_options(ctx, n);

		pn->t = transport_open(n->ssh, &o, err);
	}
	if (!pn->t)
		pgr_error_prefix(err, "%s", n->name);
	return pn->t;
}

const pg_version_facts *
plan_facts(plan_ctx *ctx, cluster_node *n, pgr_error *err)
{
	plan_node  *pn = ctx_node(ctx, n);
	const pg_version_facts *f;

	if (pn->facts)
		return pn->facts;
	if (!plan_conn(ctx, n, err))
		return NULL;
	f = version_facts(pn->server_version_num);
	if (!f)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("node \"%s\" runs PostgreSQL %d, which pgreplica does not support"),
					  n->name, version_major(pn->server_version_num));
		pgr_error_hint(err, _("Supported versions are %d to %d."),
					   version_min_major(), version_max_major());
		return NULL;
	}
	pn->facts = f;
	return f;
}

void
plan_log(plan_ctx *ctx, const plan_step *s, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	if (!ctx->opts.log)
		return;
	va_start(ap, fmt);
	line = pgr_vasprintf(fmt, ap);
	va_end(ap);
	ctx->opts.log(ctx->opts.cb_arg, s, line);
	free(line);
}

bool
plan_confirm(plan_ctx *ctx, const plan_step *s, const char *question)
{
	if (ctx->opts.assume_yes)
		return true;
	if (!ctx->opts.confirm)
		return false;
	return ctx->opts.confirm(ctx->opts.cb_arg, s, question);
}

/* ---- steps and plans -------------------------------------------------------- */

plan_step *
plan_step_new(const step_ops *ops, cluster_node *node, const char *id,
			  const char *title)
{
	plan_step  *s = pgr_calloc(1, sizeof(*s));

	s->ops = ops;
	s->node = node;
	s->id = pgr_strdup(id);
	s->title = pgr_strdup(title);
	s->status = STEP_UNKNOWN;
	strbuf_init(&s->preview);
	strbuf_init(&s->summary);
	return s;
}

void
plan_step_free(plan_step *s)
{
	if (!s)
		return;
	if (s->ops->free_priv && s->priv)
		s->ops->free_priv(s->priv);
	free(s->id);
	free(s->title);
	strbuf_free(&s->preview);
	strbuf_free(&s->summary);
	free(s);
}

void
plan_add(plan *p, plan_step *s)
{
	p->steps = pgr_realloc(p->steps, sizeof(plan_step *) * (size_t) (p->n_steps + 1));
	p->steps[p->n_steps++] = s;
}

void
plan_free(plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_steps; i++)
		plan_step_free(p->steps[i]);
	free(p->steps);
	free(p);
}

plan *
plan_build(plan_ctx *ctx, pgr_error *err)
{
	cluster_node *primary = cluster_primary(ctx->cl);
	plan	   *p;

	if (!primary)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the cluster file \"%s\" has no primary"), ctx->cl->path);
		return NULL;
	}
	p = pgr_calloc(1, sizeof(*p));
	/*
	 * DESIGN.md steps 2-5, then the reload or restart that enacts them.  SSL
	 * comes before pg_hba.conf (its hostssl rules need ssl = on), on every
	 * node: a standby gets its own certificate so that it can serve as
	 * primary after a promotion.
	 */
	plan_add(p, step_role_new(ctx, primary));
	plan_add(p, step_params_new(ctx, primary));
	if (ctx->cl->ssl)
	{
		plan_add(p, step_ssl_new(ctx, primary));
		for (int i = 0; i < ctx->cl->n_nodes; i++)
			if (&ctx->cl->nodes[i] != primary)
				plan_add(p, step_ssl_new(ctx, &ctx->cl->nodes[i]));
	}
	plan_add(p, step_hba_new(ctx, primary));
	plan_add(p, step_activate_new(ctx, primary));
	/*
	 * DESIGN.md steps 6-8: each standby built from its upstream, an
	 * upstream before the standbys that cascade from it (by depth: the
	 * primary's standbys first), whatever the order of the file.  The
	 * cluster file's validation refused cycles.
	 */
	for (int depth = 1; !ctx->opts.primary_only && depth <= ctx->cl->n_nodes; depth++)
		for (int i = 0; i < ctx->cl->n_nodes; i++)
		{
			cluster_node *n = &ctx->cl->nodes[i];
			int			d = 0;

			if (n->role != NODE_STANDBY)
				continue;
			for (const cluster_node *u = n; u && u->role == NODE_STANDBY && d <= ctx->cl->n_nodes;
				 u = cluster_upstream(ctx->cl, u))
				d++;
			if (d == depth)
				plan_add(p, step_standby_new(ctx, n));
		}
	return p;
}

static void
reset_step(plan_step *s)
{
	strbuf_reset(&s->preview);
	strbuf_reset(&s->summary);
	if (s->ops->free_priv && s->priv)
		s->ops->free_priv(s->priv);
	s->priv = NULL;
	s->status = STEP_UNKNOWN;
}

static int
inspect_step(plan_ctx *ctx, plan_step *s, pgr_error *err)
{
	int64_t		t0 = trace_start();
	int			rc;

	reset_step(s);
	rc = s->ops->inspect(ctx, s, err);
	trace_done(t0, "inspect: %s", s->title);
	if (rc < 0)
	{
		s->status = STEP_FAILED;
		pgr_error_prefix(err, "%s", s->title);
		return -1;
	}
	if (s->status == STEP_UNKNOWN)
		s->status = s->preview.len > 0 ? STEP_TO_CHANGE : STEP_NOTHING_TO_DO;
	return 0;
}

int
plan_inspect(plan_ctx *ctx, plan *p, pgr_error *err)
{
	int			rc = 0;

	strbuf_reset(&ctx->restart_reasons);
	ctx->reload_needed = false;
	open_transports(ctx, p);
	for (int i = 0; i < p->n_steps && rc == 0; i++)
		rc = inspect_step(ctx, p->steps[i], err);
	/* no thread outlives the inspection (questions are over by then) */
	join_openers(ctx);
	return rc;
}

int
plan_inspect_each(plan_ctx *ctx, plan *p, plan_inspected_fn fn, void *arg)
{
	int			failed = 0;

	strbuf_reset(&ctx->restart_reasons);
	ctx->reload_needed = false;
	open_transports(ctx, p);
	for (int i = 0; i < p->n_steps; i++)
	{
		pgr_error	err = PGR_ERROR_INIT;

		if (inspect_step(ctx, p->steps[i], &err) < 0)
		{
			failed++;
			fn(arg, p->steps[i], &err);
		}
		else
			fn(arg, p->steps[i], NULL);
		pgr_error_clear(&err);
	}
	join_openers(ctx);
	return failed;
}

/* ---- journal ---------------------------------------------------------------- */

char *
plan_default_journal_path(const cluster *cl)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char	   *name = cluster_file_stem(cl);
	char	   *path;

	if (state && state[0] == '/')
		path = pgr_asprintf("%s/pgreplica/%s.journal", state, name);
	else
		path = pgr_asprintf("%s/.local/state/pgreplica/%s.journal", home && home[0] ? home : ".", name);
	free(name);
	return path;
}

int
plan_journal_append(const char *path, const char *event, const char *id,
					pgr_error *err)
{
	char		line[512];
	int			fd;
	int			len;

	if (!path)
		return 0;
	/* a directory that cannot be made shows as the open's error below */
	(void) pgr_mkdir_parent(path, 0700, NULL);
	/* a link put in its place is not followed (into a file of the operator's) */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
	{
		int			e = errno;

		pgr_error_set(err, PGR_ERR_IO, _("could not open the journal \"%s\": %s"),
					  path, strerror(e));
		if (e == ELOOP)
			pgr_error_hint(err, _("The journal is a symbolic link: pgreplica writes only to a file of its own. Remove the link."));
		return -1;
	}
	len = snprintf(line, sizeof(line), "%s %s %lld\n", event, id, (long long) time(NULL));
	if (write(fd, line, (size_t) len) != len || fsync(fd) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not write the journal \"%s\": %s"),
					  path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int
journal_write(plan_ctx *ctx, const char *event, const char *id, pgr_error *err)
{
	return plan_journal_append(ctx->opts.journal_path, event, id, err);
}

char *
plan_journal_interrupted(const char *journal_path)
{
	int			fd = open(journal_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE	   *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char		line[512];
	char	   *running = NULL;

	if (!f)
	{
		if (fd >= 0)
			close(fd);
		return NULL;			/* none (or a link, which journal_write refuses) */
	}
	while (fgets(line, sizeof(line), f))
	{
		char		event[16],
					id[400];

		if (sscanf(line, "%15s %399s", event, id) != 2)
			continue;
		if (strcmp(event, "begin") == 0)
		{
			free(running);
			running = pgr_strdup(id);
		}
		else if (running && strcmp(id, running) == 0)
		{
			free(running);
			running = NULL;
		}
	}
	fclose(f);
	return running;
}

/* ---- apply -------------------------------------------------------------------- */

int
plan_apply(plan_ctx *ctx, plan *p, int *changed, pgr_error *err)
{
	char	   *interrupted = NULL;

	*changed = 0;
	if (ctx->opts.journal_path)
		interrupted = plan_journal_interrupted(ctx->opts.journal_path);
	if (interrupted)
	{
		plan_log(ctx, NULL, _("the last apply stopped during step \"%s\": resuming"), interrupted);
		for (int i = 0; i < p->n_steps; i++)
		{
			plan_step  *s = p->steps[i];

			if (strcmp(s->id, interrupted) != 0 || !s->ops->resume)
				continue;
			if (s->ops->resume(ctx, s, err) < 0)
			{
				pgr_error_prefix(err, "%s", s->title);
				free(interrupted);
				return -1;
			}
		}
	}
	/*
	 * First look at every step, changing nothing: bad input found by the
	 * last step (an address that is not an IP, a role name pg_hba.conf
	 * cannot hold) must stop the run before the first step changes the
	 * server.  Once a step has changed something, each later step is
	 * inspected again right before it is applied, since what it sees may
	 * have changed; until then the first look is still true (and a second
	 * one would cost round trips to every host: see bench/README.md).
	 * restart_reasons and reload_needed accumulate over both looks (the
	 * steps add each name once).
	 */
	if (plan_inspect(ctx, p, err) < 0)
		goto fail;

	for (int i = 0; i < p->n_steps; i++)
	{
		plan_step  *s = p->steps[i];

		if (*changed > 0 && inspect_step(ctx, s, err) < 0)
			goto fail;
		if (s->status == STEP_NOTHING_TO_DO)
		{
			plan_log(ctx, s, _("%s: nothing to do"), s->title);
			/* The interrupted step is complete after all: close it. */
			if (interrupted && strcmp(s->id, interrupted) == 0)
			{
				if (journal_write(ctx, "done", s->id, err) < 0)
					goto fail;
				free(interrupted);
				interrupted = NULL;
			}
			continue;
		}
		if (!plan_confirm(ctx, s, s->title))
		{
			s->status = STEP_DECLINED;
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: not applied"), s->title);
			pgr_error_hint(err, _("Nothing was changed by this step; the steps after it were not run. Run apply again, or with --yes."));
			goto fail;
		}
		if (journal_write(ctx, "begin", s->id, err) < 0)
			goto fail;
		plan_log(ctx, s, _("%s: applying"), s->title);
		if (s->ops->apply(ctx, s, err) < 0 || s->ops->verify(ctx, s, err) < 0)
		{
			pgr_error	uerr = PGR_ERROR_INIT;

			s->status = STEP_FAILED;
			pgr_error_prefix(err, "%s", s->title);
			if (s->ops->undo && s->ops->undo(ctx, s, &uerr) < 0)
			{
				plan_log(ctx, s, _("%s: could not undo: %s"), s->title, uerr.message);
				pgr_error_clear(&uerr);
			}
			(void) journal_write(ctx, "failed", s->id, &uerr);
			pgr_error_clear(&uerr);
			goto fail;
		}
		s->status = STEP_APPLIED;
		(*changed)++;
		if (journal_write(ctx, "done", s->id, err) < 0)
			goto fail;
		plan_log(ctx, s, _("%s: done"), s->title);
	}
	/* An interrupted step no longer in the plan: the apply is complete. */
	if (interrupted && journal_write(ctx, "done", interrupted, err) < 0)
		goto fail;
	free(interrupted);
	return 0;

fail:
	free(interrupted);
	return -1;
}
