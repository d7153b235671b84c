/*
 * action_follow.c: re-point a standby at another upstream (after a
 * promotion: at the new primary).
 *
 *   - the node must answer and be in recovery, the upstream must answer;
 *   - the upstream made able to serve standbys (action_serve_standbys: a
 *     promoted node has its own pg_hba.conf, without the replication rules
 *     apply wrote on the old primary);
 *   - the passfile (and CA) for the new upstream written where the standby
 *     step keeps them; with slots = on, the node's slot created on the
 *     upstream;
 *   - primary_conninfo (rendered by recovery.h, the same text the standby
 *     step writes) and primary_slot_name: ALTER SYSTEM where they are
 *     server parameters (≥12), then a reload where the server takes them
 *     so (facts->primary_conninfo_reload, ≥13) or a restart (12); on
 *     servers with recovery.conf (≤11) the file is rewritten and the server
 *     restarted;
 *   - verified: the upstream's pg_stat_replication shows the node
 *     streaming;
 *   - the cluster file's upstream of the node rewritten.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "hooks.h"
#include "i18n.h"
#include "pgconn.h"
#include "service.h"

static int
follow_run(action_ctx *a, const char *node, const char *upstream,
			  pgr_error *err)
{
	session   *ctx = NULL;
	cluster_node *n;
	cluster_node *up;
	const pg_version_facts *facts;
	PGconn	   *conn;
	recovery_params rp;
	char	   *slot = NULL;
	char	   *conninfo = NULL;
	bool		rec = false;
	int			rc = -1;

	memset(&rp, 0, sizeof(rp));
	if (!(n = action_node(a, node, err)))
		return -1;
	if (upstream)
	{
		if (!(up = action_node(a, upstream, err)))
			return -1;
	}
	else if (!(up = cluster_primary(a->cl)))
		return pgr_error_set(err, PGR_ERR_INPUT, _("the cluster file \"%s\" has no primary"),
							 a->cl->path ? a->cl->path : "");
	if (up == n)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s cannot follow itself"), n->name);
		pgr_error_hint(err, _("Name another node with --upstream, or promote first."));
		return -1;
	}
	ctx = action_session(a);
	if (!(conn = session_conn(ctx, n, err)) || action_in_recovery(conn, n, &rec, err) < 0)
		goto out;
	if (!rec)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s is not a standby: it is not in recovery"), n->name);
		pgr_error_hint(err, _("A former primary is made a standby with \"%s resync %s\"."), PACKAGE, n->name);
		goto out;
	}
	if (!(facts = session_facts(ctx, n, err)))
		goto out;
	if (!session_conn(ctx, up, err))
	{
		pgr_error_prefix(err, _("the new upstream %s does not answer"), up->name);
		pgr_error_hint(err, _("Start %s, or name another upstream with --upstream."), up->name);
		goto out;
	}
	if (a->dry_run)
	{
		action_dry_begin(a, _("re-pointing the standby"));
		if (action_dry_serve_standbys(a, ctx, up, err) < 0)
			goto out;
		action_dry_standby_files(a, ctx, n, up, facts, !facts->recovery_conf);
		if (!facts->recovery_conf && facts->primary_conninfo_reload)
			action_step(a, _("on %s: SELECT pg_reload_conf()"), n->name);
		else
		{
			char	   *cmd = service_command_string(n, SERVICE_RESTART);

			action_step(a, _("on %s's host: %s"), n->name, cmd);
			free(cmd);
		}
		action_step(a, _("wait until %s's pg_stat_replication shows %s streaming (at most %d s)"),
					up->name, n->name, ACTION_STREAMING_TIMEOUT_MS / 1000);
		action_step(a, _("rewrite the cluster file \"%s\": %s follows %s"),
					a->cluster_path ? a->cluster_path : "", n->name, up->name);
		rc = 0;
		goto out;
	}
	if (action_serve_standbys(a, ctx, up, err) < 0)
		goto out;
	action_log(a, _("re-pointing %s at %s"), n->name, up->name);
	if (action_write_standby_files(a, ctx, n, up, err) < 0)
		goto out;
	action_recovery_params(ctx, n, up, facts, &slot, &rp);
	if (slot && action_ensure_slot(a, ctx, up, slot, err) < 0)
		goto out;
	if (facts->recovery_conf)
	{
		if (action_write_recovery(a, ctx, n, &rp, err) < 0)
			goto out;
		session_disconnect(ctx, n);
		action_log(a, _("restarting %s"), n->name);
		if (service_restart(ctx, n, err) < 0)
			goto out;
	}
	else
	{
		if (!(conninfo = recovery_conninfo(&rp)))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("could not make primary_conninfo for %s"), n->name);
			goto out;
		}
		if (pgconn_alter_system(conn, n->name, "primary_conninfo", conninfo, err) < 0 ||
			pgconn_alter_system(conn, n->name, "primary_slot_name", slot, err) < 0)
			goto out;
		action_log(a, _("set primary_conninfo on %s: %s"), n->name, conninfo);
		if (facts->primary_conninfo_reload)
		{
			if (session_reload(ctx, n, err) < 0)
				goto out;
			action_log(a, _("reloaded %s"), n->name);
		}
		else
		{
			session_disconnect(ctx, n);
			action_log(a, _("restarting %s (primary_conninfo needs a restart there)"), n->name);
			if (service_restart(ctx, n, err) < 0)
				goto out;
		}
	}
	if (action_wait_streaming(a, ctx, up, n, ACTION_STREAMING_TIMEOUT_MS, err) < 0)
		goto out;
	free(n->upstream);
	n->upstream = pgr_strdup(up->name);
	if (action_save_cluster(a, err) < 0)
		goto out;
	rc = 0;
out:
	action_recovery_params_clear(&rp, slot);
	free(conninfo);
	session_free(ctx);
	return rc;
}

/* The action, then the cluster's event_command told how it went. */
int
action_follow(action_ctx *a, const char *node, const char *upstream, pgr_error *err)
{
	char	   *old_primary = action_primary_name(a);
	int			rc = action_manager_guard(a, err) < 0 ? -1 : follow_run(a, node, upstream, err);

	action_announce(a, HOOK_FOLLOW, node, old_primary, rc, err);
	free(old_primary);
	return rc;
}
