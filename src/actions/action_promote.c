/*
 * action_promote.c: promote a standby (DESIGN.md "Promote").
 *
 * Pre-check: the node answers and is in recovery; what the cluster file's
 * primary still answers, whether it accepts writes, and how many bytes of
 * its WAL the node has not received.  A primary that still accepts writes
 * means two primaries after the promotion (split brain): it is stopped
 * first (fence: immediate shutdown through its transport and service),
 * or the promotion is refused unless forced.
 *
 * The promotion itself is asked without waiting (pg_promote(wait =>
 * false) where the server has it, else pg_ctl promote -W through the
 * node's transport), then pg_is_in_recovery() is polled every few
 * milliseconds on the same session: pg_promote(wait => true) polls in
 * 100 ms steps, which is most of the time a promotion takes.  Both ways
 * create the promote signal file and signal the postmaster, which passes
 * it on to the startup process; the startup process is woken (its latch
 * set) whether it is replaying, waiting for WAL from the walreceiver or
 * sleeping wal_retrieve_retry_interval between attempts after its
 * upstream died, so a request made right after the primary's death is
 * not held up (bench/promote.sh measures that case against a bare
 * pg_ctl promote).
 *
 * Then: pg_is_in_recovery() false and the timeline moved are verified;
 * the cluster file is rewritten: the node becomes the primary, the old
 * primary a standby of it (what it must become: resync makes it so), and
 * the other standbys keep streaming from the old primary by name until
 * they are followed (their upstream written out, so that the file says
 * what really happens).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "action.h"
#include "hooks.h"
#include "i18n.h"
#include "pgconn.h"
#include "service.h"

#define PROMOTE_POLL_MS 5

void
promote_check_clear(promote_check *pc)
{
	if (!pc)
		return;
	free(pc->primary_name);
	memset(pc, 0, sizeof(*pc));
	pc->bytes_not_received = -1;
}

/* The old primary: the cluster file's primary unless it is NODE itself. */
static cluster_node *
old_primary(action_ctx *a, const cluster_node *n)
{
	cluster_node *p = cluster_primary(a->cl);

	return p == n ? NULL : p;
}

#define NODE_CHECK_SQL \
	"SELECT pg_catalog.pg_is_in_recovery(), " \
	"coalesce(pg_catalog.pg_last_wal_receive_lsn(), pg_catalog.pg_last_wal_replay_lsn())::text, " \
	"(SELECT greatest(r.min_recovery_end_timeline, c.timeline_id) " \
	" FROM pg_catalog.pg_control_recovery() r, pg_catalog.pg_control_checkpoint() c)"
#define PRIMARY_CHECK_SQL \
	"SELECT pg_catalog.pg_is_in_recovery(), CASE WHEN NOT pg_catalog.pg_is_in_recovery() " \
	"THEN pg_catalog.pg_current_wal_lsn()::text END"

/*
 * One statement per node, the two nodes at once (a failover should not
 * wait on round trips, nor on one node's connection before the other's:
 * each session costs a TCP and SCRAM exchange): the node's recovery state,
 * the WAL it received and the timeline it replays; the old primary's
 * recovery state and current WAL position.  The node's session is handed
 * to the context: the promotion is asked on it.
 */
static int
check(action_ctx *a, session *ctx, cluster_node *n, promote_check *out,
	  unsigned *tli, pgr_error *err)
{
	cluster_node *p = old_primary(a, n);
	pgconn		pcn,
				pcp;
	pgconn	   *list[2] = {&pcn, p ? &pcp : NULL};
	pgconn_options o = {0};
	bool		sent_n = false,
				sent_p = false;
	const PGresult *res;
	pgr_error	perr = PGR_ERROR_INIT;
	long long	received = -1;
	int			rc = -1;

	memset(out, 0, sizeof(*out));
	out->bytes_not_received = -1;
	*tli = 0;
	if (p)
		out->primary_name = pgr_strdup(p->name);
	pgconn_init(&pcn, a->cl, n);
	(void) pgconn_start(&pcn, &o, ACTION_CONNECT_TIMEOUT_S);
	if (p)
	{
		pgconn_init(&pcp, a->cl, p);
		(void) pgconn_start(&pcp, &o, ACTION_CONNECT_TIMEOUT_S);
	}
	/* each statement sent as soon as its session is up; one time limit each */
	for (;;)
	{
		if (pcn.state == PGCONN_READY && !sent_n)
		{
			sent_n = true;
			(void) pgconn_send(&pcn, NODE_CHECK_SQL, 0);
		}
		if (p && pcp.state == PGCONN_READY && !sent_p)
		{
			sent_p = true;
			(void) pgconn_send(&pcp, PRIMARY_CHECK_SQL, 0);
		}
		if (!pgconn_waiting(&pcn) && (!p || !pgconn_waiting(&pcp)))
			break;
		pgconn_poll_once(list, 2, -1);
	}

	if (pcn.state != PGCONN_DONE)
	{
		pgr_error_clear(err);
		*err = pcn.err;
		memset(&pcn.err, 0, sizeof(pcn.err));
		goto out;
	}
	out->node_answers = true;
	res = pcn.n_results > 0 ? pcn.results[pcn.n_results - 1] : NULL;
	if (pgconn_check_result(res, PGRES_TUPLES_OK, 1, 3, n->name, NODE_CHECK_SQL, err) < 0)
		goto out;
	out->node_is_standby = pgconn_value(res, 0, 0) && pgconn_value(res, 0, 0)[0] == 't';
	received = action_parse_lsn(pgconn_value(res, 0, 1));
	if (pgconn_value(res, 0, 2))
		*tli = (unsigned) strtoul(pgconn_value(res, 0, 2), NULL, 10);
	session_set_conn(ctx, n, pcn.conn);
	pcn.conn = NULL;

	if (p && pcp.state == PGCONN_DONE)
	{
		out->primary_answers = true;
		res = pcp.n_results > 0 ? pcp.results[pcp.n_results - 1] : NULL;
		if (pgconn_check_result(res, PGRES_TUPLES_OK, 1, 2, p->name, PRIMARY_CHECK_SQL, &perr) == 0 &&
			pgconn_value(res, 0, 0) && pgconn_value(res, 0, 0)[0] == 'f')
		{
			long long	c = action_parse_lsn(pgconn_value(res, 0, 1));

			out->primary_writable = true;
			if (c >= 0 && received >= 0)
				out->bytes_not_received = c > received ? c - received : 0;
		}
	}
	rc = 0;
out:
	pgconn_free(&pcn);
	if (p)
		pgconn_free(&pcp);
	pgr_error_clear(&perr);
	return rc;
}

int
action_promote_decide(const promote_check *pc, const char *node, bool yes,
					  bool fence, bool force, promote_ask_fn ask, void *arg,
					  promote_decision *out, pgr_error *err)
{
	char	   *q;
	bool		go;

	out->fence = fence;
	out->force = force;
	if (yes)
		return 0;
	q = pgr_asprintf(_("promote %s?"), node);
	go = ask(arg, PROMOTE_ASK_GO, q, NULL);
	free(q);
	if (!go)
		return 1;
	if (!pc->primary_writable || fence)
		return 0;
	if (!force)
	{
		q = pgr_asprintf(_("Primary %s still accepts writes. Stop it first (fencing), so that only one node takes writes?"),
						 pc->primary_name ? pc->primary_name : "?");
		out->fence = ask(arg, PROMOTE_ASK_FENCE, q, NULL);
		free(q);
		if (out->fence)
			return 0;
	}
	/* two primaries at once: a name typed, not a reflex "y" */
	q = pgr_asprintf(_("Without fencing, two nodes will accept writes (split brain). To promote %s anyway, type its name."),
					 node);
	out->force = ask(arg, PROMOTE_ASK_TYPED, q, node);
	free(q);
	if (out->force)
		return 0;
	pgr_error_set(err, PGR_ERR_REFUSED, _("%s not promoted"), node);
	pgr_error_detail(err, _("The name typed was not \"%s\"."), node);
	pgr_error_hint(err, _("Stop %s first (fencing), or type the name of the node to promote."),
				   pc->primary_name ? pc->primary_name : "?");
	return -1;
}

int
action_promote_check(action_ctx *a, const char *node, promote_check *out,
					 pgr_error *err)
{
	session   *ctx;
	cluster_node *n;
	unsigned	tli;
	int			rc;

	memset(out, 0, sizeof(*out));
	out->bytes_not_received = -1;
	if (!(n = action_node(a, node, err)))
		return -1;
	ctx = action_session(a);
	rc = check(a, ctx, n, out, &tli, err);
	/* a node that does not answer is an answer, not a failure of the check */
	if (rc < 0 && !out->node_answers)
	{
		pgr_error_clear(err);
		rc = 0;
	}
	session_free(ctx);
	return rc;
}

/* Stop the old primary (immediate) and make sure it no longer answers. */
static int
fence(action_ctx *a, session *ctx, cluster_node *p, pgr_error *err)
{
	pgr_error	e = PGR_ERROR_INIT;

	action_log(a, _("fencing: stopping %s, which still accepts writes (immediate shutdown)"), p->name);
	session_disconnect(ctx, p);
	if (service_stop(ctx, p, true, err) < 0)
	{
		pgr_error_prefix(err, _("could not fence %s"), p->name);
		pgr_error_hint(err, _("Stop %s by other means (power, firewall), then promote with --force."), p->name);
		return -1;
	}
	if (session_conn(ctx, p, &e))
	{
		session_disconnect(ctx, p);
		pgr_error_set(err, PGR_ERR_REFUSED, _("%s still answers after being stopped"), p->name);
		pgr_error_hint(err, _("Another server may answer at its address: make sure %s is down, then promote with --force."),
					   p->name);
		return -1;
	}
	pgr_error_clear(&e);
	action_log(a, _("%s is stopped"), p->name);
	return 0;
}

/* Ask for the promotion without waiting for it. */
int
action_request_promotion(action_ctx *a, session *ctx, cluster_node *n, PGconn *conn,
				  const pg_version_facts *facts, pgr_error *err)
{
	if (facts->has_pg_promote)
	{
		char	   *v = NULL;

		if (pgconn_query_value(conn, n->name, "SELECT pg_catalog.pg_promote(wait => false)",
							   0, NULL, &v, err) < 0)
			return -1;
		if (!v || v[0] != 't')
		{
			free(v);
			return pgr_error_set(err, PGR_ERR_GENERIC, _("%s refused the promotion request"), n->name);
		}
		free(v);
	}
	else
	{
		transport  *t = session_transport(ctx, n, err);
		char	   *pg_ctl = action_bin(n, "pg_ctl");
		const char *argv[] = {pg_ctl, "-D", n->pgdata, "-W", "promote", NULL};
		int			rc;

		if (!t)
		{
			free(pg_ctl);
			return -1;
		}
		rc = action_run(t, n, argv, NULL, SERVICE_TIMEOUT_S * 1000, NULL, err);
		free(pg_ctl);
		if (rc < 0)
			return -1;
	}
	action_log(a, _("asked %s to promote itself"), n->name);
	return 0;
}

/*
 * Poll until out of recovery; *tli: the timeline then written, read by the
 * same statement (one round trip less before the new primary is handed
 * over).
 */
int
action_wait_promoted(action_ctx *a, cluster_node *n, PGconn *conn, unsigned *tli,
			  pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	int64_t		deadline = start + ACTION_PROMOTE_TIMEOUT_MS;

	for (;;)
	{
		PGresult   *res = pgconn_exec(conn, n->name,
									  "SELECT pg_catalog.pg_is_in_recovery(), CASE WHEN NOT pg_catalog.pg_is_in_recovery() THEN "
									  "('x' || substr(pg_catalog.pg_walfile_name(pg_catalog.pg_current_wal_lsn()), 1, 8))::bit(32)::bigint END",
									  PGRES_TUPLES_OK, 1, 2, err);
		bool		rec;

		if (!res)
			return -1;
		rec = !pgconn_value(res, 0, 0) || pgconn_value(res, 0, 0)[0] != 'f';
		if (!rec && pgconn_value(res, 0, 1))
			*tli = (unsigned) strtoul(pgconn_value(res, 0, 1), NULL, 10);
		PQclear(res);
		if (!rec)
			break;
		if (pgr_now_ms() >= deadline)
		{
			pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s is still in recovery %d s after being asked to promote"),
						  n->name, ACTION_PROMOTE_TIMEOUT_MS / 1000);
			pgr_error_hint(err, _("Look at %s's server log."), n->name);
			return -1;
		}
		pgr_sleep_ms(PROMOTE_POLL_MS);
	}
	action_log(a, _("%s is out of recovery after %lld ms"), n->name,
			   (long long) (pgr_now_ms() - start));
	return 0;
}

/* The cluster file: N the primary, the old primary a standby of it. */
static void
rewrite_roles(action_ctx *a, cluster_node *n, cluster_node *p)
{
	for (int i = 0; p && i < a->cl->n_nodes; i++)
	{
		cluster_node *o = &a->cl->nodes[i];

		/* standbys streaming from the old primary keep doing so until followed */
		if (o != n && o != p && o->role == NODE_STANDBY && !o->upstream)
			o->upstream = pgr_strdup(p->name);
	}
	n->role = NODE_PRIMARY;
	free(n->upstream);
	n->upstream = NULL;
	if (p)
	{
		p->role = NODE_STANDBY;
		free(p->upstream);
		p->upstream = pgr_strdup(n->name);
	}
}

static int
promote_run(action_ctx *a, const char *node, bool fence_primary,
			   pgr_error *err)
{
	session   *ctx = NULL;
	cluster_node *n;
	cluster_node *p;
	promote_check pc;
	const pg_version_facts *facts;
	PGconn	   *conn;
	unsigned	tli_before = 0,
				tli_after = 0;
	int			rc = -1;

	memset(&pc, 0, sizeof(pc));
	if (!(n = action_node(a, node, err)))
		return -1;
	p = old_primary(a, n);
	ctx = action_session(a);
	if (check(a, ctx, n, &pc, &tli_before, err) < 0)
		goto out;
	if (!pc.node_is_standby)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s is not a standby: it is not in recovery"), n->name);
		pgr_error_detail(err, _("pg_is_in_recovery() is false on %s: it is a primary already."), n->name);
		pgr_error_hint(err, _("Promote one of the standbys."));
		goto out;
	}
	if (pc.bytes_not_received > 0)
		action_log(a, _("%s has not received %lld bytes of %s's WAL"), n->name,
					pc.bytes_not_received, p->name);
	if (pc.primary_writable)
	{
		if (fence_primary)
		{
			if (!a->dry_run && fence(a, ctx, p, err) < 0)
				goto out;
		}
		else if (!a->force)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("%s still accepts writes: promoting %s would make two primaries"),
						  p->name, n->name);
			pgr_error_detail(err, _("Writes made on %s after the promotion would be lost to the new primary."),
							 p->name);
			pgr_error_hint(err, _("Stop %s first (--fence stops it), or promote anyway with --force."),
						   p->name);
			goto out;
		}
		else
			action_log(a, _("promoting although %s still accepts writes (forced)"), p->name);
	}
	else if (p && pc.primary_answers)
		action_log(a, _("%s answers but is not a primary"), p->name);
	else if (p)
		action_log(a, _("%s does not answer"), p->name);

	if (!(conn = session_conn(ctx, n, err)) || !(facts = session_facts(ctx, n, err)))
		goto out;
	if (a->dry_run)
	{
		action_dry_begin(a, _("the promotion"));
		if (pc.primary_writable && fence_primary)
		{
			char	   *cmd = service_command_string(p, SERVICE_STOP_IMMEDIATE);

			action_step(a, _("on %s's host: %s (fencing)"), p->name, cmd);
			free(cmd);
		}
		action_step(a, _("on %s: %s, then SELECT pg_is_in_recovery() until false (at most %d s)"), n->name,
					facts->has_pg_promote ? "SELECT pg_promote(wait => false)" : "pg_ctl promote -W",
					ACTION_PROMOTE_TIMEOUT_MS / 1000);
		action_step(a, _("rewrite the cluster file \"%s\": %s primary, %s a standby of it"),
					a->cluster_path ? a->cluster_path : "", n->name, p ? p->name : "-");
		rc = 0;
		goto out;
	}
	if (action_request_promotion(a, ctx, n, conn, facts, err) < 0 ||
		action_wait_promoted(a, n, conn, &tli_after, err) < 0)
		goto out;
	if (tli_after <= tli_before)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("%s is out of recovery but still on timeline %u"),
					  n->name, tli_after);
		pgr_error_hint(err, _("Look at %s's server log."), n->name);
		goto out;
	}
	action_log(a, _("%s is the primary, on timeline %u (was %u)"), n->name, tli_after, tli_before);
	rewrite_roles(a, n, p);
	if (action_save_cluster(a, err) < 0)
		goto out;
	rc = 0;
out:
	promote_check_clear(&pc);
	session_free(ctx);
	return rc;
}

/* The action, then the cluster's event_command told how it went. */
int
action_promote(action_ctx *a, const char *node, bool fence_primary, pgr_error *err)
{
	char	   *old_primary = action_primary_name(a);
	int			rc = action_manager_guard(a, err) < 0 ? -1 : promote_run(a, node, fence_primary, err);

	action_announce(a, HOOK_PROMOTE, node, old_primary, rc, err);
	free(old_primary);
	return rc;
}
