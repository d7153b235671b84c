/*
 * test_fsutil.c: the one mkdir -p (src/base/fsutil.c) and the one clock and
 * sleep (src/base/clock.c), on a real file system and the real clock.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "clock.h"
#include "fsutil.h"
#include "report.h"

static char base[] = "/tmp/pgr-test-fsutil-XXXXXX";

static int
setup(void **state)
{
	umask(022);
	return mkdtemp(base) ? 0 : -1;
}

static int
teardown(void **state)
{
	char	   *cmd = pgr_asprintf("rm -rf -- '%s'", base);
	int			rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	return st.st_mode & 07777;
}

/* Every missing level is made, with the mode asked; existing ones stay. */
static void
test_mkdir_p_creates_levels(void **state)
{
	char	   *deep = pgr_asprintf("%s/a/b/c", base);
	char	   *mid = pgr_asprintf("%s/a/b", base);
	pgr_error	err = PGR_ERROR_INIT;

	assert_int_equal(pgr_mkdir_p(deep, 0700, &err), 0);
	assert_int_equal(mode_of(deep), 0700);
	assert_int_equal(mode_of(mid), 0700);
	/* an existing directory keeps its mode; a second call is a no-op */
	assert_int_equal(chmod(mid, 0755), 0);
	assert_int_equal(pgr_mkdir_p(deep, 0700, &err), 0);
	assert_int_equal(mode_of(mid), 0755);
	assert_false(pgr_error_isset(&err));
	free(deep);
	free(mid);
}

/* The directory of a file, not the file. */
static void
test_mkdir_parent(void **state)
{
	char	   *file = pgr_asprintf("%s/p/q/file.journal", base);
	char	   *dir = pgr_asprintf("%s/p/q", base);
	pgr_error	err = PGR_ERROR_INIT;

	assert_int_equal(pgr_mkdir_parent(file, 0700, &err), 0);
	assert_int_equal(mode_of(dir), 0700);
	assert_int_equal(access(file, F_OK), -1);
	/* a bare name has no directory to make */
	assert_int_equal(pgr_mkdir_parent("file.journal", 0700, &err), 0);
	free(file);
	free(dir);
}

/* A level that is a file: an error that names it. */
static void
test_mkdir_p_fails_on_a_file(void **state)
{
	char	   *file = pgr_asprintf("%s/plain", base);
	char	   *below = pgr_asprintf("%s/plain/x/y", base);
	pgr_error	err = PGR_ERROR_INIT;
	FILE	   *f = fopen(file, "w");

	assert_non_null(f);
	fclose(f);
	assert_int_equal(pgr_mkdir_p(below, 0700, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_IO);
	assert_non_null(strstr(err.message, "/plain/x"));
	pgr_error_clear(&err);
	free(file);
	free(below);
}

/* The clock moves forward and a sleep lasts at least what was asked. */
static void
test_clock_and_sleep(void **state)
{
	int64_t		t0 = pgr_now_ms();
	int64_t		t1;

	pgr_sleep_ms(120);
	t1 = pgr_now_ms();
	assert_true(t1 - t0 >= 120);
	/* nothing to sleep: returns at once (generous ceiling, loaded machine) */
	pgr_sleep_ms(0);
	pgr_sleep_ms(-5);
	assert_true(pgr_now_ms() - t1 < 5000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdir_p_creates_levels),
		cmocka_unit_test(test_mkdir_parent),
		cmocka_unit_test(test_mkdir_p_fails_on_a_file),
		cmocka_unit_test(test_clock_and_sleep),
	};

	return cmocka_run_group_tests_name("fsutil", tests, setup, teardown);
}
