/*
 * step_standby.h: a standby built from its upstream (DESIGN.md steps 6-8), see step_standby.c.
 */
#ifndef PGR_STEP_STANDBY_H
#define PGR_STEP_STANDBY_H

#include "cluster.h"
#include "session.h"

/* The step that builds STANDBY (plan.h runs it). */
plan_step  *step_standby_new(session *ctx, cluster_node *standby);
/* Room for a copy of up on standby's host (see step_standby.c); -1: short. */
int			step_standby_check_space(session *ctx, cluster_node *standby, cluster_node *up,
									 long long *databases, long long *avail,
									 long long *need, pgr_error *err);

#endif
