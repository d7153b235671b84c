/*
 * wizard.h: the set-up wizard (branch "wizard" implements it; see the
 * agreed entry points).  TEMP copy of the agreed declaration, so that the
 * demo branch compiles: dropped at merge in favour of the wizard's own.
 */
#ifndef PGR_WIZARD_H
#define PGR_WIZARD_H

#include "cluster.h"
#include "commands.h"

/*
 * The set-up wizard.  PREFILL (may be NULL) pre-fills the fields (demo, or
 * a cluster file being reopened).  CLUSTER_PATH: where the wizard writes the
 * cluster file once the operator confirms the plan.  On success hands over
 * to dashboard_run().
 */
int			wizard_run(const pgr_globals *g, const char *cluster_path, const cluster *prefill);

#endif
