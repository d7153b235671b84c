/*
 * actions_sync.c: the two small actions on the primary (actions.h): drop
 * synchronous replication to asynchronous when no synchronous standby is
 * left, and drop a replication slot nobody uses.
 *
 * Both open their own connection to the cluster file's primary (never the
 * dashboard's monitoring connections) and block: the dashboard runs them in
 * its worker thread.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "action.h"
#include "i18n.h"
#include "pgconn.h"

#define CONNECT_TIMEOUT_S 10.0

/* SQLSTATE object_in_use: pg_drop_replication_slot() on an active slot */
#define SQLSTATE_OBJECT_IN_USE "55006"

static void
say(action_ctx *a, const char *line)
{
	if (a->log)
		a->log(a->log_arg, line);
}

static bool
ask(action_ctx *a, const char *question)
{
	if (a->yes || !a->confirm)
		return a->yes;
	return a->confirm(a->confirm_arg, question);
}

static PGconn *
connect_primary(action_ctx *a, bool read_only, const cluster_node **primary,
				pgr_error *err)
{
	const pgconn_options opt = {.read_only = read_only};
	const cluster_node *p = cluster_primary(a->cl);

	*primary = p;
	if (!p)
	{
		pgr_error_set(err, PGR_ERR_INPUT, "%s",
					  _("the cluster file has no primary"));
		pgr_error_hint(err, "%s", _("Give one node \"role = primary\" in the cluster file."));
		return NULL;
	}
	return pgconn_connect(a->cl, p, &opt, CONNECT_TIMEOUT_S, err);
}

/* synchronous_standby_names and how many standbys are sync or quorum now */
static int
sync_state(PGconn *conn, const char *node, char **names, long *n_sync,
		   pgr_error *err)
{
	static const char sql[] =
	"SELECT current_setting('synchronous_standby_names'),\n"
	"       (SELECT count(*) FROM pg_stat_replication\n"
	"         WHERE sync_state IN ('sync', 'quorum'))";
	PGresult   *res = pgconn_exec(conn, node, sql, PGRES_TUPLES_OK, 1, 2, err);

	if (!res)
		return -1;
	*names = pgr_strdup(pgconn_value(res, 0, 0) ? pgconn_value(res, 0, 0) : "");
	*n_sync = strtol(pgconn_value(res, 0, 1) ? pgconn_value(res, 0, 1) : "0", NULL, 10);
	PQclear(res);
	return 0;
}

int
action_sync_check(action_ctx *a, bool *needed, pgr_error *err)
{
	const cluster_node *p;
	PGconn	   *conn = connect_primary(a, true, &p, err);
	char	   *names = NULL;
	long		n_sync = 0;
	int			rc;

	*needed = false;
	if (!conn)
		return -1;
	rc = sync_state(conn, p->name, &names, &n_sync, err);
	if (rc == 0)
		*needed = names[0] != '\0' && n_sync == 0;
	free(names);
	PQfinish(conn);
	return rc;
}

int
action_drop_to_async(action_ctx *a, pgr_error *err)
{
	const cluster_node *p;
	PGconn	   *conn = action_manager_guard(a, err) < 0 ? NULL : connect_primary(a, false, &p, err);
	char	   *names = NULL;
	char	   *q = NULL;
	long		n_sync = 0;
	int			rc = -1;
	PGresult   *res;

	if (!conn)
		return -1;
	if (sync_state(conn, p->name, &names, &n_sync, err) < 0)
		goto out;
	if (names[0] == '\0')
	{
		char	   *line = pgr_asprintf(_("synchronous replication is already off on %s"), p->name);

		say(a, line);
		free(line);
		rc = 0;
		goto out;
	}
	if (a->dry_run)
	{
		action_dry_begin(a, _("dropping to asynchronous replication"));
		action_step(a, _("on %s: ALTER SYSTEM SET synchronous_standby_names = '' (now \"%s\"); SELECT pg_reload_conf()"),
					p->name, names);
		action_step(a, _("on %s: wait until a new session sees synchronous_standby_names empty"), p->name);
		rc = 0;
		goto out;
	}
	q = pgr_asprintf(_("Empty synchronous_standby_names (now \"%s\") on %s and reload? Commits will no longer wait for a standby."),
					 names, p->name);
	if (!ask(a, q))
	{
		pgr_error_set(err, PGR_ERR_REFUSED, "%s", _("synchronous replication left as it is"));
		pgr_error_hint(err, "%s", _("Nothing was changed: commits still wait for a synchronous standby."));
		goto out;
	}
	{
		/* the previous value, for the operator to put back later */
		char	   *line = pgr_asprintf(_("%s: synchronous_standby_names was \"%s\"; setting it to '' (ALTER SYSTEM) and reloading"),
										p->name, names);

		say(a, line);
		free(line);
	}
	res = pgconn_exec(conn, p->name, "ALTER SYSTEM SET synchronous_standby_names = ''",
					  PGRES_COMMAND_OK, -1, -1, err);
	if (!res)
		goto out;
	PQclear(res);
	res = pgconn_exec(conn, p->name, "SELECT pg_reload_conf()", PGRES_TUPLES_OK, 1, 1, err);
	if (!res)
		goto out;
	PQclear(res);

	/*
	 * The postmaster signals the backends: a new session reads the reloaded
	 * file.  Wait until one sees it (the waiting commits are released then).
	 */
	PQfinish(conn);
	conn = NULL;
	for (int i = 0; i < 50; i++)
	{
		free(names);
		names = NULL;
		conn = connect_primary(a, true, &p, err);
		if (!conn)
			goto out;
		if (sync_state(conn, p->name, &names, &n_sync, err) < 0)
			goto out;
		PQfinish(conn);
		conn = NULL;
		if (names[0] == '\0')
		{
			char	   *line = pgr_asprintf(_("%s: synchronous replication is off, commits no longer wait"),
											p->name);

			say(a, line);
			free(line);
			rc = 0;
			goto out;
		}
		pgr_sleep_ms(100);
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s still has synchronous_standby_names set after the reload"),
				  p->name);
	pgr_error_detail(err, _("current value: \"%s\""), names ? names : "");
	pgr_error_hint(err, "%s", _("Check postgresql.conf and the server log: a value set with -c on the command line overrides ALTER SYSTEM."));
out:
	free(q);
	free(names);
	if (conn)
		PQfinish(conn);
	return rc;
}

static int
slot_in_use(pgr_error *err, const char *slot, const char *node, const char *pid)
{
	pgr_error_set(err, PGR_ERR_REFUSED, _("replication slot \"%s\" on %s is active: it is not dropped"),
				  slot, node);
	if (pid)
		pgr_error_detail(err, _("WAL sender process %s is using it."), pid);
	pgr_error_hint(err, "%s", _("Stop the standby that streams through it, or wait until it disconnects, then drop the slot."));
	return -1;
}

int
action_drop_slot(action_ctx *a, const char *slot, pgr_error *err)
{
	const cluster_node *p;
	PGconn	   *conn = action_manager_guard(a, err) < 0 ? NULL : connect_primary(a, false, &p, err);
	char	   *lit = NULL;
	char	   *sql = NULL;
	char	   *q = NULL;
	PGresult   *res = NULL;
	int			rc = -1;

	if (!conn)
		return -1;
	lit = PQescapeLiteral(conn, slot, strlen(slot));
	if (!lit)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid replication slot name \"%s\""), slot);
		pgr_error_detail(err, "%s", PQerrorMessage(conn));
		goto out;
	}
	sql = pgr_asprintf("SELECT active, active_pid::text FROM pg_replication_slots WHERE slot_name = %s",
					   lit);
	res = pgconn_exec(conn, p->name, sql, PGRES_TUPLES_OK, -1, 2, err);
	if (!res)
		goto out;
	if (PQntuples(res) == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s has no replication slot \"%s\""), p->name, slot);
		pgr_error_hint(err, "%s", _("It may have been dropped already: see pg_replication_slots."));
		goto out;
	}
	if (pgconn_value(res, 0, 0) && pgconn_value(res, 0, 0)[0] == 't')
	{
		slot_in_use(err, slot, p->name, pgconn_value(res, 0, 1));
		goto out;
	}
	PQclear(res);
	res = NULL;
	if (a->dry_run)
	{
		action_dry_begin(a, _("dropping the slot"));
		action_step(a, _("on %s: SELECT pg_drop_replication_slot(%s)"), p->name, lit);
		rc = 0;
		goto out;
	}
	q = pgr_asprintf(_("Drop replication slot \"%s\" on %s? A standby that used it needs a new copy if the WAL it needs is gone."),
					 slot, p->name);
	if (!ask(a, q))
	{
		pgr_error_set(err, PGR_ERR_REFUSED, _("replication slot \"%s\" kept"), slot);
		pgr_error_hint(err, "%s", _("Nothing was changed."));
		goto out;
	}
	free(sql);
	sql = pgr_asprintf("SELECT pg_drop_replication_slot(%s)", lit);
	res = pgconn_exec(conn, p->name, sql, PGRES_TUPLES_OK, 1, 1, err);
	if (!res)
	{
		/* it became active between the look and the drop */
		if (strcmp(err->sqlstate, SQLSTATE_OBJECT_IN_USE) == 0)
			slot_in_use(err, slot, p->name, NULL);
		goto out;
	}
	{
		char	   *line = pgr_asprintf(_("replication slot \"%s\" dropped on %s"), slot, p->name);

		say(a, line);
		free(line);
	}
	rc = 0;
out:
	if (res)
		PQclear(res);
	if (lit)
		PQfreemem(lit);
	free(sql);
	free(q);
	PQfinish(conn);
	return rc;
}
