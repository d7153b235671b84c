/*
 * test_monitor.c: the pure parts of the monitoring engine (src/pg/monitor.c):
 * the history ring, the classification against the thresholds, sizes and
 * LSNs.
 */
#include <config.h>

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "bytes.h"
#include "lsn.h"
#include "monitor.h"

#define MB (1024LL * 1024)

static void
test_history_ring(void **state)
{
	monitor_history h;

	(void) state;
	memset(&h, 0, sizeof(h));
	assert_null(monitor_history_get(&h, 0));
	for (int i = 0; i < 3; i++)
	{
		monitor_sample s = {(time_t) i, i, NAN};

		monitor_history_push(&h, s);
	}
	assert_int_equal(h.count, 3);
	assert_true(monitor_history_get(&h, 0)->lag_bytes == 0);
	assert_true(monitor_history_get(&h, 2)->lag_bytes == 2);
	assert_null(monitor_history_get(&h, 3));
	assert_null(monitor_history_get(&h, -1));
	/* once full, the oldest go first and the order is kept */
	for (int i = 3; i < MONITOR_HISTORY + 10; i++)
	{
		monitor_sample s = {(time_t) i, i, NAN};

		monitor_history_push(&h, s);
	}
	assert_int_equal(h.count, MONITOR_HISTORY);
	assert_true(monitor_history_get(&h, 0)->lag_bytes == 10);
	assert_true(monitor_history_get(&h, MONITOR_HISTORY - 1)->lag_bytes == MONITOR_HISTORY + 9);
	for (int i = 1; i < MONITOR_HISTORY; i++)
		assert_true(monitor_history_get(&h, i)->lag_bytes ==
					monitor_history_get(&h, i - 1)->lag_bytes + 1);
}

static void
test_classify(void **state)
{
	(void) state;
	/* down is red, whatever the role */
	assert_int_equal(monitor_classify(false, false, NULL, -1, NAN, 16 * MB, 10), MONITOR_BAD);
	assert_int_equal(monitor_classify(false, true, "streaming", 0, 0, 16 * MB, 10), MONITOR_BAD);
	/* a primary that answers is green */
	assert_int_equal(monitor_classify(true, false, NULL, -1, NAN, 16 * MB, 10), MONITOR_OK);
	/* a standby without a WAL sender on its upstream is red */
	assert_int_equal(monitor_classify(true, true, NULL, -1, NAN, 16 * MB, 10), MONITOR_BAD);
	/* catching up is yellow */
	assert_int_equal(monitor_classify(true, true, "catchup", 0, NAN, 16 * MB, 10), MONITOR_WARN);
	assert_int_equal(monitor_classify(true, true, "startup", -1, NAN, 16 * MB, 10), MONITOR_WARN);
	/* streaming within the thresholds is green, idle (NAN) too */
	assert_int_equal(monitor_classify(true, true, "streaming", 0, NAN, 16 * MB, 10), MONITOR_OK);
	assert_int_equal(monitor_classify(true, true, "streaming", 16 * MB, 10, 16 * MB, 10), MONITOR_OK);
	/* over a threshold is yellow: bytes, or time */
	assert_int_equal(monitor_classify(true, true, "streaming", 16 * MB + 1, 0, 16 * MB, 10), MONITOR_WARN);
	assert_int_equal(monitor_classify(true, true, "streaming", 0, 10.5, 16 * MB, 10), MONITOR_WARN);
	/* unknown lag (-1) is not over the threshold */
	assert_int_equal(monitor_classify(true, true, "streaming", -1, NAN, 16 * MB, 10), MONITOR_OK);
}

static void
test_format_bytes(void **state)
{
	char		buf[32];

	(void) state;
	assert_string_equal(pgr_format_bytes(-1, buf, sizeof(buf)), "-");
	assert_string_equal(pgr_format_bytes(0, buf, sizeof(buf)), "0 B");
	assert_string_equal(pgr_format_bytes(1023, buf, sizeof(buf)), "1023 B");
	assert_string_equal(pgr_format_bytes(1024, buf, sizeof(buf)), "1.0 kB");
	assert_string_equal(pgr_format_bytes(16 * MB, buf, sizeof(buf)), "16 MB");
	assert_string_equal(pgr_format_bytes(1536 * MB, buf, sizeof(buf)), "1.5 GB");
	assert_string_equal(pgr_format_bytes(3 * 1024 * 1024 * MB, buf, sizeof(buf)), "3.0 TB");
}

static void
test_lsn(void **state)
{
	(void) state;
	assert_true(lsn_parse("0/0") == 0);
	assert_true(lsn_parse("0/3000148") == 0x3000148);
	assert_true(lsn_parse("16/B374D848") == ((0x16LL << 32) | 0xB374D848LL));
	assert_true(lsn_parse(NULL) == -1);
	assert_true(lsn_parse("") == -1);
	assert_true(lsn_parse("0/12x") == -1);
	assert_true(lsn_parse("zz") == -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_ring),
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_format_bytes),
		cmocka_unit_test(test_lsn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
