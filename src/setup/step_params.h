/*
 * step_params.h: the server parameters step (DESIGN.md step 3), see step_params.c.
 */
#ifndef PGR_STEP_PARAMS_H
#define PGR_STEP_PARAMS_H

#include "cluster.h"
#include "session.h"

/* The parameters step for the primary (plan.h runs it). */
plan_step  *step_params_new(session *ctx, cluster_node *primary);

#endif
