/*
 * session.c: each node's connection, transport and version facts, opened
 * on first use and closed with the session; the operator's callbacks; the
 * threads that open several SSH transports at once (session.h).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "pgconn.h"
#include "session.h"
#include "trace.h"

/* ---- the session ------------------------------------------------------------ */

session *
session_new(cluster *cl, const session_options *opts)
{
	session   *ctx = pgr_calloc(1, sizeof(*ctx));

	ctx->cl = cl;
	ctx->opts = *opts;
	if (ctx->opts.connect_timeout_s <= 0)
		ctx->opts.connect_timeout_s = 10;
	ctx->nodes = pgr_calloc((size_t) cl->n_nodes, sizeof(session_node));
	for (int i = 0; i < cl->n_nodes; i++)
		ctx->nodes[i].node = &cl->nodes[i];
	return ctx;
}


void
session_free(session *ctx)
{
	if (!ctx)
		return;
	session_join_openers(ctx);
	for (int i = 0; i < ctx->cl->n_nodes; i++)
	{
		if (ctx->nodes[i].conn)
			PQfinish(ctx->nodes[i].conn);
		transport_close(ctx->nodes[i].t);
	}
	free(ctx->nodes);
	pgr_free_secret(ctx->replication_password);
	free(ctx);
}

session_node *
session_find_node(session *ctx, const cluster_node *n)
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
connect_own_ca(session *ctx, cluster_node *n)
{
	pgconn_options o = {0};
	char	   *ca;
	PGconn	   *conn = NULL;

	if (!ctx->cl->ssl || !ctx->cl->ssl_ca)
		return NULL;
	ca = cluster_operator_path(ctx->cl, "/" CLUSTER_OWN_CA_CERT);
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
session_conn(session *ctx, cluster_node *n, pgr_error *err)
{
	session_node  *pn = session_find_node(ctx, n);
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
session_set_conn(session *ctx, cluster_node *n, PGconn *conn)
{
	session_node  *pn = session_find_node(ctx, n);

	if (pn->conn && pn->conn != conn)
		PQfinish(pn->conn);
	pn->conn = conn;
	pn->server_version_num = conn ? PQserverVersion(conn) : 0;
	pn->facts = NULL;
}

int
session_reload(session *ctx, cluster_node *n, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, n, err);
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
session_disconnect(session *ctx, cluster_node *n)
{
	session_node  *pn = session_find_node(ctx, n);

	if (pn->conn)
		PQfinish(pn->conn);
	pn->conn = NULL;
}

/* ---- transports, opened in parallel -------------------------------------- */

/*
 * An SSH login costs some tens of milliseconds (key exchange,
 * authentication, a few round trips, sshd's own start), and a plan touches
 * several hosts:
 * session_open_transports() (called by plan_inspect) starts opening the
 * transports the steps will need at once, each in a thread of its own,
 * while the first steps talk to the primary's server (so even one host's
 * log-in overlaps with something).  session_transport() then waits for
 * the one it needs.
 *
 * The questions a transport may ask (an unknown host key, a password) go
 * through one lock, so that two hosts never ask at the same time.
 */
struct session_opener {
	pthread_t	thread;
	session   *ctx;
	cluster_node *node;
	transport  *t;
	pgr_error	err;
};

static pthread_mutex_t question_lock = PTHREAD_MUTEX_INITIALIZER;

static bool
locked_unknown_host(void *arg, const char *host, int port, const char *key_type,
					const char *fingerprint)
{
	session   *ctx = arg;
	bool		yes;

	pthread_mutex_lock(&question_lock);
	yes = ctx->opts.topts.unknown_host(ctx->opts.topts.cb_arg, host, port, key_type, fingerprint);
	pthread_mutex_unlock(&question_lock);
	return yes;
}

static char *
locked_ask(void *arg, const char *prompt, bool echo)
{
	session   *ctx = arg;
	char	   *answer;

	pthread_mutex_lock(&question_lock);
	answer = ctx->opts.topts.ask(ctx->opts.topts.cb_arg, prompt, echo);
	pthread_mutex_unlock(&question_lock);
	return answer;
}

/* The options a node's transport is opened with. */
static transport_options
node_transport_options(session *ctx, const cluster_node *n)
{
	transport_options o = ctx->opts.topts;

	/* the node's own `become` account, else the session's */
	if (n->become && n->become[0])
		o.become = n->become;
	return o;
}

static void *
opener_main(void *arg)
{
	session_opener *o = arg;
	transport_options topts = node_transport_options(o->ctx, o->node);

	topts.cb_arg = o->ctx;
	if (topts.unknown_host)
		topts.unknown_host = locked_unknown_host;
	if (topts.ask)
		topts.ask = locked_ask;
	/*
	 * SFTP is not started here: it costs some milliseconds now that the
	 * first channel no longer waits for a delayed ACK (transport_ssh.c's
	 * open_channel), and a standby's build without SSL needs none.
	 */
	o->t = transport_open(o->node->ssh, &topts, &o->err);
	return NULL;
}

/* Start opening pn's transport on a thread of its own, unless it is open,
 * being opened, or not over SSH. */
static void
start_opener(session *ctx, session_node *pn)
{
	session_opener *o;

	if (pn->t || pn->opener || !pn->node->ssh)
		return;
	o = pgr_calloc(1, sizeof(*o));
	o->ctx = ctx;
	o->node = pn->node;
	if (pthread_create(&o->thread, NULL, opener_main, o) != 0)
	{
		free(o);				/* the lazy path will open it */
		return;
	}
	pn->opener = o;
}

void
session_open_transports(session *ctx, session_uses_fn uses, void *arg)
{
	for (int i = 0; i < ctx->cl->n_nodes; i++)
		if (!uses || uses(arg, ctx->nodes[i].node))
			start_opener(ctx, &ctx->nodes[i]);
}

void
session_open_transport_bg(session *ctx, const cluster_node *n)
{
	start_opener(ctx, session_find_node(ctx, n));
}

void
session_open_all_transports(session *ctx)
{
	session_open_transports(ctx, NULL, NULL);
}

/*
 * Wait for a transport being opened in the background.  Its error, if it
 * failed, goes to err (NULL: dropped, the next session_transport tries again).
 */
static transport *
join_opener(session_node *pn, pgr_error *err)
{
	session_opener *o = pn->opener;
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

void
session_join_openers(session *ctx)
{
	for (int i = 0; i < ctx->cl->n_nodes; i++)
		if (ctx->nodes[i].opener)
			ctx->nodes[i].t = join_opener(&ctx->nodes[i], NULL);
}

bool
session_transport_opening(session *ctx, const cluster_node *n)
{
	session_node *pn = session_find_node(ctx, n);

	return pn->opener || pn->t;
}

transport *
session_transport(session *ctx, cluster_node *n, pgr_error *err)
{
	session_node  *pn = session_find_node(ctx, n);

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
session_facts(session *ctx, cluster_node *n, pgr_error *err)
{
	session_node  *pn = session_find_node(ctx, n);
	const pg_version_facts *f;

	if (pn->facts)
		return pn->facts;
	if (!session_conn(ctx, n, err))
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
session_log(session *ctx, const plan_step *s, const char *fmt,...)
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
session_confirm(session *ctx, const plan_step *s, const char *question)
{
	if (ctx->opts.assume_yes)
		return true;
	if (!ctx->opts.confirm)
		return false;
	return ctx->opts.confirm(ctx->opts.cb_arg, s, question);
}
