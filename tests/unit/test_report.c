/*
 * test_report.c: report_visible (src/base/report.c), the one filter for every
 * string the command line prints that does not come from the catalogue.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report.h"

static void
check(const char *in, const char *want)
{
	char	   *got = report_visible(in);

	assert_string_equal(got, want);
	free(got);
}

/* What a terminal would act on becomes a visible escape. */
static void
test_controls_made_visible(void **state)
{
	check("a\x1b]0;title\x07z", "a\\x1b]0;title\\x07z");
	check("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H");
	check("over\rwrite", "over\\x0dwrite");
	check("back\bspace\x7f", "back\\x08space\\x7f");
	check("\x01\x1f", "\\x01\\x1f");
	/* C1 controls, as UTF-8 (CSI is U+009B) */
	check("x\xc2\x9b" "2Jy", "x\\u009b2Jy");
	check("\xc2\x80\xc2\x9f", "\\u0080\\u009f");
	/* bidirectional overrides and line separators (reorder what is shown) */
	check("abc\xe2\x80\xae" "fed", "abc\\u202efed");
	check("\xe2\x81\xa6x\xe2\x81\xa9", "\\u2066x\\u2069");
	check("a\xe2\x80\xa8" "b", "a\\u2028b");
}

/* Bytes that are not UTF-8: each shown as \xNN. */
static void
test_invalid_utf8(void **state)
{
	check("\xff", "\\xff");
	check("\x9b" "2J", "\\x9b2J");	/* a raw 8-bit CSI */
	check("\xc3", "\\xc3");		/* cut short at the end */
	check("\xc3(", "\\xc3(");
	check("\xc0\xaf", "\\xc0\\xaf");	/* overlong '/' */
	check("\xed\xa0\x80", "\\xed\\xa0\\x80");	/* a surrogate */
	check("\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80");	/* above U+10FFFF */
	check("\xe2\x82", "\\xe2\\x82");
}

/* Text from the catalogue and ordinary server text pass unchanged. */
static void
test_plain_text_kept(void **state)
{
	check("", "");
	check(NULL, "");
	check("line one\n\tline two", "line one\n\tline two");
	check("r\xc3\xa9plication \xc2\xab\xc2\xa0x\xc2\xa0\xc2\xbb \xe2\x82\xac \xf0\x9f\x90\x98",
		  "r\xc3\xa9plication \xc2\xab\xc2\xa0x\xc2\xa0\xc2\xbb \xe2\x82\xac \xf0\x9f\x90\x98");
	check("back\\slash \"quoted\" $(x) `y`", "back\\slash \"quoted\" $(x) `y`");
}

/* A long string of escapes: the buffer grows, nothing is cut. */
static void
test_long_input(void **state)
{
	size_t		n = 10000;
	char	   *in = malloc(n + 1);
	char	   *got;

	memset(in, '\x1b', n);
	in[n] = '\0';
	got = report_visible(in);
	assert_int_equal(strlen(got), 4 * n);
	for (size_t i = 0; i < n; i++)
		assert_memory_equal(got + 4 * i, "\\x1b", 4);
	free(got);
	free(in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controls_made_visible),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_plain_text_kept),
		cmocka_unit_test(test_long_input),
	};

	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
