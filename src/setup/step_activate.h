/*
 * step_activate.h: the reload or restart that puts the primary's changes in force, see step_activate.c.
 */
#ifndef PGR_STEP_ACTIVATE_H
#define PGR_STEP_ACTIVATE_H

#include "cluster.h"
#include "session.h"

/* The activate step for the primary (plan.h runs it). */
plan_step  *step_activate_new(session *ctx, cluster_node *primary);

#endif
