/*
 * TEMP_dashboard_stub.c: a stand-in for the dashboard branch's
 * dashboard_run, so that the wizard links and its tests can see the hand
 * over.  Dropped at merge.
 */
#include <config.h>

#include <stdlib.h>

#include "cluster.h"
#include "crt.h"
#include "dashboard.h"
#include "i18n.h"
#include "provide_curses.h"
#include "report.h"
#include "status.h"

int
dashboard_run(const pgr_globals *g, const char *cluster_path, bool readonly)
{
	bool		started = !crt_active();
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = cluster_load(cluster_path, &err);
	cluster_status *st;

	if (!cl)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	if (started && crt_init(g->no_color) < 0)
		return PGR_EXIT_ERROR;
	for (;;)
	{
		int			ch;

		st = status_collect(cl, 5.0);
		erase();
		mvprintw(0, 0, "pgreplica dashboard (stub): %s", cl->name);
		for (int i = 0; st && i < st->n_nodes; i++)
		{
			const node_status *ns = &st->nodes[i];
			const char *state = ns->upstream_row && ns->upstream_row->state ? ns->upstream_row->state : "";

			mvprintw(2 + i, 2, "%-10s %-8s %s", ns->node->name,
					 status_role_name(ns->role), state);
		}
		mvprintw(LINES - 1, 0, "q quit");
		refresh();
		status_free(st);
		timeout(1000);
		ch = getch();
		if (ch == 'q')
			break;
	}
	cluster_free(cl);
	if (started)
		crt_done();
	return PGR_EXIT_OK;
}
