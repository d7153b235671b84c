/*
 * step_hba.h: the pg_hba.conf step (DESIGN.md step 4), see step_hba.c.
 */
#ifndef PGR_STEP_HBA_H
#define PGR_STEP_HBA_H

#include "cluster.h"
#include "session.h"

/* The pg_hba.conf step for the primary (plan.h runs it). */
plan_step  *step_hba_new(session *ctx, cluster_node *primary);
/* A line the hba step adds to what it writes: NULL in the product (a test
 * program links its own, see tests/tools/test-hooks.c). */
const char *step_hba_test_injection(void);

#endif
