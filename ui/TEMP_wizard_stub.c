/*
 * TEMP_wizard_stub.c: a stand-in for the wizard until its branch is
 * merged (dropped then).  It carries the plan out without asking, like
 * "pgreplica -c CLUSTER_PATH apply --yes", then shows "status": enough to
 * see the demo pair streaming.
 */
#include <config.h>

#include <getopt.h>

#include "wizard.h"

int
wizard_run(const pgr_globals *g, const char *cluster_path, const cluster *prefill)
{
	pgr_globals g2 = *g;
	char		apply[] = "apply";
	char		yes[] = "--yes";
	char		status[] = "status";
	char	   *apply_argv[] = {apply, yes, NULL};
	char	   *status_argv[] = {status, NULL};
	int			rc;

	(void) prefill;
	g2.cluster_path = cluster_path;
	g2.cluster_path_given = true;
	optind = 0;
	rc = cmd_apply(&g2, 2, apply_argv);
	if (rc != PGR_EXIT_OK)
		return rc;
	optind = 0;
	return cmd_status(&g2, 1, status_argv);
}
