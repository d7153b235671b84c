/*
 * cmd_setup.c: "pgreplica setup" (the wizard) and the console that
 * "pgreplica" with no command opens: the wizard while the cluster is not
 * set up (no cluster file, standbys not built yet, or an apply that was
 * interrupted: the wizard then offers to resume it), else the dashboard.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "dashboard.h"
#include "i18n.h"
#include "plan.h"
#include "report.h"
#include "status.h"
#include "wizard.h"

/* "setup": --help and nothing else. */
static int
parse_help(pgr_globals *g, int argc, char **argv)
{
	cli_parser	p;
	int			c;

	cli_begin(&p, g, &cli_cmd_setup, argc, argv);
	while ((c = cli_next(&p)) != -1)
	{
		if (c == 'h')
			cli_help(stdout, &cli_cmd_setup);
		cli_free(&p);
		return c == 'h' || c == CLI_DONE ? 1 : -1;
	}
	return cli_end(&p);
}

static int
need_terminal(const pgr_globals *g)
{
	pgr_error	err = PGR_ERROR_INIT;

	if (g->interactive)
		return 0;
	pgr_error_set(&err, PGR_ERR_INPUT, _("the set-up wizard needs a terminal"));
	pgr_error_hint(&err, _("Without one, write the cluster file by hand, review it with \"%s plan\" and run \"%s apply --yes\"."),
				   PACKAGE, PACKAGE);
	report_error(&err);
	pgr_error_clear(&err);
	return -1;
}

/* The cluster file, when there is one: NULL when missing; -1 rc on error. */
static cluster *
load_existing(const char *path, int *rc)
{
	struct stat st;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl;

	*rc = 0;
	if (stat(path, &st) != 0)
		return NULL;
	cl = cluster_load(path, &err);
	if (!cl)
	{
		report_error(&err);
		pgr_error_clear(&err);
		*rc = -1;
	}
	return cl;
}

int
cmd_setup(pgr_globals *g, int argc, char **argv)
{
	cluster    *cl;
	int			rc;

	switch (parse_help(g, argc, argv))
	{
		case 1:
			return PGR_EXIT_OK;
		case -1:
			return PGR_EXIT_ERROR;
	}
	if (need_terminal(g) < 0)
		return PGR_EXIT_ERROR;
	cl = load_existing(g->cluster_path, &rc);
	if (rc < 0)
		return PGR_EXIT_ERROR;
	rc = wizard_run(g, g->cluster_path, cl);
	cluster_free(cl);
	return rc;
}

/*
 * Is every standby built?  A standby that answers and is not in recovery
 * (a fresh server, as before the set-up) is not; one that does not answer
 * is left to the dashboard, which shows why.
 */
static bool
standbys_built(const cluster *cl)
{
	cluster_status *st = status_collect(cl, 5.0);
	bool		built = true;

	if (!st)
		return true;
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (ns->node->role == NODE_STANDBY && ns->answered && ns->role != STATUS_ROLE_STANDBY)
			built = false;
	}
	status_free(st);
	return built;
}

int
cmd_console(pgr_globals *g, int argc, char **argv)
{
	cluster    *cl;
	int			rc;
	char	   *journal;
	char	   *interrupted;

	if (need_terminal(g) < 0)
		return PGR_EXIT_ERROR;
	cl = load_existing(g->cluster_path, &rc);
	if (rc < 0)
		return PGR_EXIT_ERROR;
	if (!cl)
		return wizard_run(g, g->cluster_path, NULL);
	journal = plan_default_journal_path(cl);
	interrupted = plan_journal_interrupted(journal);
	if (interrupted || !standbys_built(cl))
		rc = wizard_run(g, g->cluster_path, cl);
	else
		rc = dashboard_run(g, g->cluster_path, false, false);
	free(interrupted);
	free(journal);
	cluster_free(cl);
	return rc;
}
