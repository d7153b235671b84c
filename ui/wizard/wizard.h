/*
 * wizard.h: the set-up wizard (welcome, primary, standbys, replication
 * choices, plan review, apply, result), handing over to the dashboard.
 */
#ifndef PGR_UI_WIZARD_H
#define PGR_UI_WIZARD_H

#include "cluster.h"
#include "globals.h"

/*
 * The set-up wizard.  PREFILL (may be NULL) pre-fills the fields (demo, or a
 * cluster file being reopened).  CLUSTER_PATH: where the wizard writes the
 * cluster file once the operator confirms the plan.  On success hands over
 * to dashboard_run().  A journal showing an interrupted apply of PREFILL's
 * cluster offers to resume it first.
 */
int			wizard_run(const pgr_globals *g, const char *cluster_path, const cluster *prefill);

#endif
