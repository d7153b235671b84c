/*
 * test_timeline.c: reading a timeline history file and judging whether a
 * node left the lineage (src/formats/timeline.c).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "timeline.h"

/* What PostgreSQL writes into 00000003.history: a line per ancestor. */
static const char history3[] =
	"1\t0/3015FF0\tno recovery target specified\n"
	"\n"
	"2\t0/50000E8\tno recovery target specified\n";

static void
test_parse(void **state)
{
	status_timeline *t;
	int			n;

	(void) state;
	assert_int_equal(timeline_parse(history3, 3, &t, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(t[0].timeline, 2);
	assert_int_equal(t[0].parent, 1);
	assert_string_equal(t[0].switch_lsn, "0/3015FF0");
	assert_int_equal(t[1].timeline, 3);
	assert_int_equal(t[1].parent, 2);
	assert_string_equal(t[1].switch_lsn, "0/50000E8");
	assert_null(t[1].created);
	timeline_free(t, n);

	/* a timeline whose parent is not the one before (a promotion of a
	 * standby that was behind: timeline 4 from 2) */
	assert_int_equal(timeline_parse("1\t0/3000000\tx\n2\t0/5000000\tx\n", 4, &t, &n), 0);
	assert_int_equal(t[1].timeline, 4);
	timeline_free(t, n);

	/* empty: no promotion */
	assert_int_equal(timeline_parse("", 1, &t, &n), 0);
	assert_int_equal(n, 0);
	assert_null(t);
}

static void
test_parse_bad(void **state)
{
	status_timeline *t = (status_timeline *) 1;
	int			n = 7;

	(void) state;
	/* not an LSN */
	assert_int_equal(timeline_parse("1\tnot-an-lsn\tx\n", 2, &t, &n), -1);
	assert_null(t);
	assert_int_equal(n, 0);
	/* parents going backwards */
	assert_int_equal(timeline_parse("2\t0/5000000\tx\n1\t0/3000000\tx\n", 3, &t, &n), -1);
	/* a parent not older than the file's own timeline */
	assert_int_equal(timeline_parse("3\t0/5000000\tx\n", 3, &t, &n), -1);
	/* timeline 0 does not exist */
	assert_int_equal(timeline_parse("0\t0/5000000\tx\n", 2, &t, &n), -1);
}

static void
test_check(void **state)
{
	status_timeline *t;
	int			n;

	(void) state;
	assert_int_equal(timeline_parse(history3, 3, &t, &n), 0);
	/* the reference's own timeline */
	assert_int_equal(timeline_check(t, n, 3, 3, "0/9000000"), TIMELINE_ON);
	/* an ancestor, not past its switch point: it can follow */
	assert_int_equal(timeline_check(t, n, 3, 2, "0/50000E8"), TIMELINE_ON);
	assert_int_equal(timeline_check(t, n, 3, 1, "0/3000000"), TIMELINE_ON);
	/* past the switch point: diverged */
	assert_int_equal(timeline_check(t, n, 3, 2, "0/50000E9"), TIMELINE_DIVERGED);
	assert_int_equal(timeline_check(t, n, 3, 1, "0/4000000"), TIMELINE_DIVERGED);
	/* a later timeline, or one absent from the history */
	assert_int_equal(timeline_check(t, n, 3, 4, "0/1000000"), TIMELINE_DIVERGED);
	assert_int_equal(timeline_check(t, 1, 3, 2, "0/1000000"), TIMELINE_DIVERGED);
	/* nothing to judge by */
	assert_int_equal(timeline_check(t, n, 3, 2, NULL), TIMELINE_UNKNOWN);
	assert_int_equal(timeline_check(t, n, 0, 2, "0/1"), TIMELINE_UNKNOWN);
	assert_int_equal(timeline_check(t, n, 3, 0, "0/1"), TIMELINE_UNKNOWN);
	timeline_free(t, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
