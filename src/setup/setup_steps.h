/*
 * setup_steps.h: the set-up's plan — every step the cluster file calls
 * for (DESIGN.md steps 2-8), in order.  Each step is a module of its own
 * (step_*.c, with its header); plan.h runs them.
 */
#ifndef PGR_SETUP_STEPS_H
#define PGR_SETUP_STEPS_H

#include "plan.h"
#include "report.h"
#include "session.h"

/* Every step the cluster file calls for, in order. */
plan	   *plan_build(session *ctx, pgr_error *err);

#endif
