/*
 * test_status_disk.c: the slope of the WAL retention, the time left, the
 * samples kept, and df's output read (src/pg/status_disk.c).
 */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "status_disk.h"

static void
add(status_disk_history *h, time_t at, long long retained)
{
	status_disk_add(h, (status_disk_sample) {at, retained});
}

static void
test_growth(void **state)
{
	status_disk_history h = {.n = 0};

	(void) state;
	assert_true(isnan(status_disk_growth(&h)));
	add(&h, 1000, 0);
	assert_true(isnan(status_disk_growth(&h)));		/* one sample */
	add(&h, 1010, 1000);
	assert_true(isnan(status_disk_growth(&h)));		/* 10 s: too close */
	add(&h, 1040, 4000);
	/* the second replaced (10 s after the first): 0 then 4000 over 40 s */
	assert_int_equal(h.n, 2);
	assert_true(fabs(status_disk_growth(&h) - 100.0) < 1e-9);
	add(&h, 1080, 8000);
	add(&h, 1120, 12000);
	assert_int_equal(h.n, 4);
	assert_true(fabs(status_disk_growth(&h) - 100.0) < 1e-9);
	/* least squares, not the two ends: a spike in the middle pulls less */
	add(&h, 1160, 16000);
	h.s[2].retained += 4000;
	assert_true(status_disk_growth(&h) > 90 && status_disk_growth(&h) < 110);
	/* shrinking */
	h.n = 0;
	add(&h, 0, 5000);
	add(&h, 60, 1000);
	assert_true(status_disk_growth(&h) < 0);
}

static void
test_window(void **state)
{
	status_disk_history h = {.n = 0};

	(void) state;
	add(&h, 0, 0);
	add(&h, 100, 100);
	add(&h, STATUS_DISK_WINDOW_S + 50, 200);
	/* the first is out of the 30 minutes */
	assert_int_equal(h.n, 2);
	assert_int_equal(h.s[0].at, 100);
	/* the clock set back: the history starts again */
	add(&h, 10, 300);
	assert_int_equal(h.n, 1);
	/* never more than STATUS_DISK_SAMPLES */
	h.n = 0;
	for (int i = 0; i < 3 * STATUS_DISK_SAMPLES; i++)
		add(&h, (time_t) i * STATUS_DISK_GAP_S / 4, i);
	assert_true(h.n <= STATUS_DISK_SAMPLES);
	assert_true(h.n >= 2);
	for (int i = 1; i < h.n - 1; i++)
		assert_true(h.s[i].at - h.s[i - 1].at >= STATUS_DISK_GAP_S);
}

static void
test_time_left(void **state)
{
	(void) state;
	assert_true(fabs(status_disk_time_left(1000, 10.0) - 100.0) < 1e-9);
	assert_true(isinf(status_disk_time_left(1000, 0.0)));
	assert_true(isinf(status_disk_time_left(1000, -5.0)));
	assert_true(isnan(status_disk_time_left(-1, 10.0)));
	assert_true(isnan(status_disk_time_left(1000, NAN)));
}

static void
test_parse_df(void **state)
{
	(void) state;
	assert_int_equal(status_disk_parse_df(
		"Filesystem     1-blocks      Used Available Capacity Mounted on\n"
		"tmpfs         268435456  16777216 251658240       7% /srv/wal\n"), 251658240);
	/* a long device name stays on one line with -P */
	assert_int_equal(status_disk_parse_df(
		"Filesystem 1-blocks Used Available Capacity Mounted on\n"
		"/dev/mapper/vg0-a--very--long--name 100 40 60 40% /\n"), 60);
	assert_int_equal(status_disk_parse_df(""), -1);
	assert_int_equal(status_disk_parse_df(NULL), -1);
	assert_int_equal(status_disk_parse_df("Filesystem 1-blocks\n"), -1);
	assert_int_equal(status_disk_parse_df("df: /x: No such file or directory\n"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_time_left),
		cmocka_unit_test(test_parse_df),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
