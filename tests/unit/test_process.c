/*
 * test_process.c: process_setup (src/base/process.c), what every pgreplica
 * program does first.
 */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <cmocka.h>

#include "process.h"

/* No core dump, no ptrace by another process: the process is not dumpable. */
static void
test_not_dumpable(void **state)
{
	(void) state;
	assert_int_equal(prctl(PR_SET_DUMPABLE, 1, 0, 0, 0), 0);
	process_setup();
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

/* A write to a pipe nobody reads: EPIPE, not death by SIGPIPE. */
static void
test_sigpipe_ignored(void **state)
{
	int			fd[2];

	(void) state;
	signal(SIGPIPE, SIG_DFL);
	process_setup();
	assert_int_equal(pipe(fd), 0);
	close(fd[0]);
	errno = 0;
	assert_int_equal(write(fd[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(fd[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_dumpable),
		cmocka_unit_test(test_sigpipe_ignored),
	};

	return cmocka_run_group_tests_name("process", tests, NULL, NULL);
}
