/*
 * test-hooks.c: the hooks of tests/tools/pgreplica-test, pgreplica with
 * what tests need to provoke failures; linked in place of the product's
 * (weak) hooks, which do nothing.
 *
 * PGREPLICA_TEST_HBA_INJECT: one more line at the end of the pg_hba.conf
 * apply writes (a line the server refuses, to see the rollback).
 */
#include <config.h>

#include <stdlib.h>

#include "step_hba.h"

const char *
step_hba_test_injection(void)
{
	return getenv("PGREPLICA_TEST_HBA_INJECT");
}
