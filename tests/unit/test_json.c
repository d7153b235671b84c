/*
 * test_json.c: the JSON writer (src/base/json.c).
 *
 * Besides exact expected strings, outputs are checked with a real JSON
 * parser (Python's json module, strict: no NaN, no raw control characters,
 * input must be valid UTF-8), and decoded strings are compared byte for
 * byte with what was written.
 */
#include <config.h>

#include <limits.h>
#include <locale.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "json.h"
#include "strbuf.h"

/* ---- helpers ------------------------------------------------------------ */

/*
 * Validate `doc` with Python.  If PGR_EXPECT_HEXES is set in the
 * environment, the document must be an array of strings whose UTF-8
 * encodings, in hex, are the comma-separated list it holds; if
 * PGR_EXPECT_JSON is set, the document must equal that JSON value.
 * Returns the exit status: 0 good, 3 different, anything else invalid.
 */
#define VALIDATOR \
	"import json, os, sys\n" \
	"def bad(x):\n" \
	"    raise ValueError(x)\n" \
	"v = json.loads(sys.stdin.buffer.read().decode(\"utf-8\"), parse_constant=bad)\n" \
	"h = os.environ.get(\"PGR_EXPECT_HEXES\")\n" \
	"if h is not None and \",\".join(s.encode(\"utf-8\").hex() for s in v) != h:\n" \
	"    sys.exit(3)\n" \
	"j = os.environ.get(\"PGR_EXPECT_JSON\")\n" \
	"if j is not None and json.loads(j) != v:\n" \
	"    sys.exit(3)\n"

static int
python_check(const char *doc)
{
	FILE	   *p;
	int			status;

	p = popen("python3 -c '" VALIDATOR "'", "w");
	assert_non_null(p);
	fwrite(doc, 1, strlen(doc), p);
	status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* jq, where Python is missing: validity only */
static int
jq_check(const char *doc)
{
	FILE	   *p;
	int			status;

	p = popen("jq -e . >/dev/null 2>&1", "w");
	assert_non_null(p);
	fwrite(doc, 1, strlen(doc), p);
	status = pclose(p);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool have_python;
static bool have_jq;

/*
 * cmocka 1.1.5 reports skip() as "not ok ... # SKIP", which automake's TAP
 * driver counts as a failure: what cannot be checked here is said in a
 * TAP comment instead.
 */
static void
note(const char *msg)
{
	fflush(stdout);
	printf("# %s\n", msg);
	fflush(stdout);
}

static int
group_setup(void **state)
{
	have_python = system("python3 -c 'import json' >/dev/null 2>&1") == 0;
	have_jq = system("jq -n . >/dev/null 2>&1") == 0;
	if (!have_python)
		note(have_jq ? "python3 not found: outputs checked with jq, decoding not checked" :
			 "neither python3 nor jq found: outputs not checked by a JSON parser");
	return 0;
}

static void
assert_valid_json(const char *doc)
{
	int			rc;

	if (have_python)
	{
		rc = python_check(doc);
		if (rc != 0)
			fail_msg("not valid JSON (python exit %d): %s", rc, doc);
	}
	else if (have_jq)
	{
		rc = jq_check(doc);
		if (rc != 0)
			fail_msg("not valid JSON (jq exit %d): %s", rc, doc);
	}
}

static char *
hex_of(const char *s)
{
	size_t		n = strlen(s);
	char	   *h = malloc(2 * n + 1);

	for (size_t i = 0; i < n; i++)
		sprintf(h + 2 * i, "%02x", (unsigned char) s[i]);
	h[2 * n] = '\0';
	return h;
}

typedef struct fixture
{
	strbuf		out;
	json_writer w;
} fixture;

static int
setup_compact(void **state)
{
	fixture    *f = calloc(1, sizeof(*f));

	strbuf_init(&f->out);
	json_init(&f->w, &f->out, false);
	*state = f;
	return 0;
}

static int
setup_pretty(void **state)
{
	fixture    *f = calloc(1, sizeof(*f));

	strbuf_init(&f->out);
	json_init(&f->w, &f->out, true);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	fixture    *f = *state;

	if (f)
	{
		strbuf_free(&f->out);
		free(f);
	}
	unsetenv("PGR_EXPECT_HEXES");
	unsetenv("PGR_EXPECT_JSON");
	return 0;
}

/* one string value, compact */
static char *
encode(const char *s)
{
	strbuf		out;
	json_writer w;

	strbuf_init(&out);
	json_init(&w, &out, false);
	json_string(&w, s);
	return strbuf_detach(&out);
}

static void
assert_encodes(const char *in, const char *expected)
{
	char	   *got = encode(in);

	assert_string_equal(got, expected);
	free(got);
}

static uint64_t rng_state;

static uint32_t
rng(void)
{
	/* xorshift64*: the same bytes on every machine */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t) ((rng_state * 2685821657736338717ULL) >> 32);
}

/* ---- strings ------------------------------------------------------------- */

static void
test_escape_quote_backslash(void **state)
{
	assert_encodes("", "\"\"");
	assert_encodes("plain text", "\"plain text\"");
	assert_encodes("a\"b", "\"a\\\"b\"");
	assert_encodes("a\\b", "\"a\\\\b\"");
	assert_encodes("\\\"", "\"\\\\\\\"\"");
	assert_encodes("/", "\"/\"");
}

static void
test_escape_control_chars(void **state)
{
	char		all[40];
	char	   *doc;
	char	   *hex;
	int			n = 0;

	assert_encodes("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"");
	assert_encodes("\x01", "\"\\u0001\"");
	assert_encodes("a\x1f" "b", "\"a\\u001fb\"");
	assert_encodes("\x1b[2J", "\"\\u001b[2J\"");
	assert_encodes("\x7f", "\"\\u007f\"");

	/* every control character decodes back to itself */
	for (int c = 1; c < 0x20; c++)
		all[n++] = (char) c;
	all[n++] = 0x7f;
	all[n] = '\0';
	doc = encode(all);
	for (const char *p = doc; *p; p++)
		assert_true((unsigned char) *p >= 0x20 && (unsigned char) *p < 0x7f);
	hex = hex_of(all);
	setenv("PGR_EXPECT_HEXES", hex, 1);
	{
		char	   *arr = malloc(strlen(doc) + 3);

		sprintf(arr, "[%s]", doc);
		assert_valid_json(arr);
		free(arr);
	}
	free(hex);
	free(doc);
}

static void
test_utf8_passed_through(void **state)
{
	/* 2, 3 and 4 byte sequences, and the edges of the valid ranges */
	assert_encodes("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	assert_encodes("\xe6\x97\xa5\xe6\x9c\xac", "\"\xe6\x97\xa5\xe6\x9c\xac\"");
	assert_encodes("\xf0\x9f\x8e\x89", "\"\xf0\x9f\x8e\x89\"");
	assert_encodes("\xc2\x80", "\"\xc2\x80\"");	/* U+0080 */
	assert_encodes("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");	/* U+D7FF */
	assert_encodes("\xee\x80\x80", "\"\xee\x80\x80\"");	/* U+E000 */
	assert_encodes("\xef\xbf\xbf", "\"\xef\xbf\xbf\"");	/* U+FFFF */
	assert_encodes("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");	/* U+10FFFF */
}

static void
test_invalid_utf8_replaced(void **state)
{
	static const struct
	{
		const char *in;
		const char *out;
	}			cases[] = {
		{"\xff", "\"\\ufffd\""},
		{"a\x80z", "\"a\\ufffdz\""},	/* lone continuation byte */
		{"\xc3", "\"\\ufffd\""},	/* truncated at the end */
		{"\xc3(", "\"\\ufffd(\""},	/* truncated before ASCII */
		{"\xe2\x82" "A", "\"\\ufffdA\""},	/* maximal prefix: one U+FFFD */
		{"\xc0\xaf", "\"\\ufffd\\ufffd\""},	/* overlong '/' */
		{"\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\""},	/* overlong */
		{"\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},	/* overlong */
		{"\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""},	/* surrogate D800 */
		{"\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""},	/* > U+10FFFF */
		{"\xf5\x80", "\"\\ufffd\\ufffd\""},
		{"ok\xc3\xa9\xfe", "\"ok\xc3\xa9\\ufffd\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_encodes(cases[i].in, cases[i].out);
}

/* Whatever the bytes, the output parses, and valid UTF-8 reads back as is. */
static void
test_random_bytes_give_valid_json(void **state)
{
	fixture    *f = *state;
	strbuf		hexes;
	char		s[64];

	rng_state = 0x9E3779B97F4A7C15ULL;
	json_begin_array(&f->w);
	for (int i = 0; i < 2000; i++)
	{
		int			len = (int) (rng() % (sizeof(s) - 1));

		for (int k = 0; k < len; k++)
			s[k] = (char) (1 + rng() % 255);
		s[len] = '\0';
		json_string(&f->w, s);
	}
	json_end_array(&f->w);
	assert_valid_json(f->out.data);

	/* valid UTF-8 text (mixed widths) decodes to the same bytes */
	strbuf_reset(&f->out);
	strbuf_init(&hexes);
	json_init(&f->w, &f->out, false);
	json_begin_array(&f->w);
	for (int i = 0; i < 300; i++)
	{
		static const char *const pieces[] = {
			"a", "\"", "\\", "\n", "\x01", "\xc3\xa9", "\xe2\x82\xac",
			"\xf0\x9f\x98\x80", " ", "\x7f", "}", "]",
		};
		char	   *hex;

		s[0] = '\0';
		for (int k = 0; k < 8; k++)
			strcat(s, pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))]);
		json_string(&f->w, s);
		hex = hex_of(s);
		if (i > 0)
			strbuf_append_char(&hexes, ',');
		strbuf_append(&hexes, hex);
		free(hex);
	}
	json_end_array(&f->w);
	setenv("PGR_EXPECT_HEXES", hexes.data, 1);
	assert_valid_json(f->out.data);
	strbuf_free(&hexes);
}

static void
test_keys_escaped(void **state)
{
	fixture    *f = *state;

	json_begin_object(&f->w);
	json_key(&f->w, "a\"b\n\xff");
	json_int(&f->w, 1);
	json_end_object(&f->w);
	assert_string_equal(f->out.data, "{\"a\\\"b\\n\\ufffd\":1}");
	assert_valid_json(f->out.data);
}

/* ---- structure ------------------------------------------------------------ */

static void
test_nesting_and_commas(void **state)
{
	fixture    *f = *state;

	json_begin_object(&f->w);
	json_key(&f->w, "name");
	json_string(&f->w, "prod");
	json_key(&f->w, "nodes");
	json_begin_array(&f->w);
	json_begin_object(&f->w);
	json_key(&f->w, "n");
	json_string(&f->w, "pg1");
	json_key(&f->w, "lag");
	json_null(&f->w);
	json_end_object(&f->w);
	json_begin_object(&f->w);
	json_key(&f->w, "n");
	json_string(&f->w, "pg2");
	json_key(&f->w, "slots");
	json_begin_array(&f->w);
	json_int(&f->w, 1);
	json_int(&f->w, 2);
	json_begin_array(&f->w);
	json_end_array(&f->w);
	json_end_array(&f->w);
	json_end_object(&f->w);
	json_end_array(&f->w);
	json_key(&f->w, "ok");
	json_bool(&f->w, true);
	json_key(&f->w, "empty");
	json_begin_object(&f->w);
	json_end_object(&f->w);
	json_end_object(&f->w);

	assert_string_equal(f->out.data,
						"{\"name\":\"prod\",\"nodes\":[{\"n\":\"pg1\",\"lag\":null},"
						"{\"n\":\"pg2\",\"slots\":[1,2,[]]}],\"ok\":true,\"empty\":{}}");
	setenv("PGR_EXPECT_JSON",
		   "{\"name\": \"prod\", \"nodes\": [{\"n\": \"pg1\", \"lag\": null},"
		   " {\"n\": \"pg2\", \"slots\": [1, 2, []]}], \"ok\": true, \"empty\": {}}", 1);
	assert_valid_json(f->out.data);
	assert_int_equal(f->w.depth, 0);
}

static void
test_empty_containers(void **state)
{
	fixture    *f = *state;

	json_begin_array(&f->w);
	json_begin_object(&f->w);
	json_end_object(&f->w);
	json_begin_array(&f->w);
	json_end_array(&f->w);
	json_end_array(&f->w);
	assert_string_equal(f->out.data, "[{},[]]");
}

static void
test_top_level_values_one_per_line(void **state)
{
	fixture    *f = *state;

	json_begin_object(&f->w);
	json_key(&f->w, "a");
	json_int(&f->w, 1);
	json_end_object(&f->w);
	json_begin_array(&f->w);
	json_end_array(&f->w);
	json_int(&f->w, 7);
	assert_string_equal(f->out.data, "{\"a\":1}\n[]\n7");
}

static void
test_deep_nesting(void **state)
{
	fixture    *f = *state;
	int			levels = JSON_MAX_DEPTH - 1;

	for (int i = 0; i < levels; i++)
		json_begin_array(&f->w);
	json_string(&f->w, "deep");
	for (int i = 0; i < levels; i++)
		json_end_array(&f->w);
	assert_int_equal(f->w.depth, 0);
	assert_int_equal(f->out.len, (size_t) (2 * levels) + 6);
	assert_valid_json(f->out.data);
}

/* ---- scalars ------------------------------------------------------------- */

static void
test_null_and_bool(void **state)
{
	fixture    *f = *state;

	json_begin_array(&f->w);
	json_null(&f->w);
	json_string(&f->w, NULL);
	json_bool(&f->w, true);
	json_bool(&f->w, false);
	json_end_array(&f->w);
	assert_string_equal(f->out.data, "[null,null,true,false]");
}

static void
test_integers(void **state)
{
	fixture    *f = *state;

	json_begin_array(&f->w);
	json_int(&f->w, 0);
	json_int(&f->w, -1);
	json_int(&f->w, 16777216);
	json_int(&f->w, LLONG_MAX);
	json_int(&f->w, LLONG_MIN);
	json_end_array(&f->w);
	assert_string_equal(f->out.data,
						"[0,-1,16777216,9223372036854775807,-9223372036854775808]");
	setenv("PGR_EXPECT_JSON", f->out.data, 1);
	assert_valid_json(f->out.data);
}

static void
test_doubles(void **state)
{
	fixture    *f = *state;
	static const struct
	{
		double		v;
		const char *text;
	}			cases[] = {
		{0.1, "0.1"}, {1.5, "1.5"}, {-2.25, "-2.25"}, {0.0, "0"}, {100.0, "100"},
		{1e300, "1e+300"}, {123456789.125, "123456789.125"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		strbuf_reset(&f->out);
		json_init(&f->w, &f->out, false);
		json_double(&f->w, cases[i].v);
		assert_string_equal(f->out.data, cases[i].text);
	}
}

/* Enough digits: every double reads back exactly. */
static void
test_doubles_round_trip(void **state)
{
	fixture    *f = *state;
	double		values[] = {1.0 / 3.0, 2.0 / 3.0, M_PI, 5e-324, 1.7976931348623157e308,
	0.30000000000000004, -1e-7, 4.35, 1234.5678e-20};

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
	{
		strbuf_reset(&f->out);
		json_init(&f->w, &f->out, false);
		json_double(&f->w, values[i]);
		assert_true(strtod(f->out.data, NULL) == values[i]);
		assert_valid_json(f->out.data);
	}
	/* shortest form: 0.1 is not 0.10000000000000001 */
	strbuf_reset(&f->out);
	json_init(&f->w, &f->out, false);
	json_double(&f->w, 4.35);
	assert_string_equal(f->out.data, "4.35");
}

static void
test_nonfinite_is_null(void **state)
{
	fixture    *f = *state;

	json_begin_array(&f->w);
	json_double(&f->w, NAN);
	json_double(&f->w, INFINITY);
	json_double(&f->w, -INFINITY);
	json_double(&f->w, 2.5);
	json_end_array(&f->w);
	assert_string_equal(f->out.data, "[null,null,null,2.5]");
	assert_valid_json(f->out.data);
}

/* A locale with a decimal comma does not leak into the output. */
static void
test_decimal_point_whatever_the_locale(void **state)
{
	static const char *const locales[] = {
		"fr_FR.UTF-8", "fr_FR.utf8", "de_DE.UTF-8", "de_DE.utf8", "fr_FR", "de_DE",
	};
	fixture    *f = *state;
	const char *got = NULL;

	for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]) && !got; i++)
		got = setlocale(LC_NUMERIC, locales[i]);
	if (!got)
	{
		note("no locale with a decimal comma installed: not checked");
		return;
	}
	json_double(&f->w, 1.5);
	setlocale(LC_NUMERIC, "C");
	assert_string_equal(f->out.data, "1.5");
}

/* ---- pretty ---------------------------------------------------------------- */

static void
test_pretty_output(void **state)
{
	fixture    *f = *state;

	json_begin_object(&f->w);
	json_key(&f->w, "cluster");
	json_string(&f->w, "prod");
	json_key(&f->w, "nodes");
	json_begin_array(&f->w);
	json_begin_object(&f->w);
	json_key(&f->w, "name");
	json_string(&f->w, "pg1");
	json_key(&f->w, "lag");
	json_double(&f->w, 0.5);
	json_end_object(&f->w);
	json_int(&f->w, 3);
	json_end_array(&f->w);
	json_key(&f->w, "none");
	json_begin_array(&f->w);
	json_end_array(&f->w);
	json_key(&f->w, "nothing");
	json_begin_object(&f->w);
	json_end_object(&f->w);
	json_end_object(&f->w);

	assert_string_equal(f->out.data,
						"{\n"
						"  \"cluster\": \"prod\",\n"
						"  \"nodes\": [\n"
						"    {\n"
						"      \"name\": \"pg1\",\n"
						"      \"lag\": 0.5\n"
						"    },\n"
						"    3\n"
						"  ],\n"
						"  \"none\": [],\n"
						"  \"nothing\": {}\n"
						"}");
	setenv("PGR_EXPECT_JSON",
		   "{\"cluster\":\"prod\",\"nodes\":[{\"name\":\"pg1\",\"lag\":0.5},3],"
		   "\"none\":[],\"nothing\":{}}", 1);
	assert_valid_json(f->out.data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_quote_backslash),
		cmocka_unit_test_teardown(test_escape_control_chars, teardown),
		cmocka_unit_test(test_utf8_passed_through),
		cmocka_unit_test(test_invalid_utf8_replaced),
		cmocka_unit_test_setup_teardown(test_random_bytes_give_valid_json, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_keys_escaped, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_and_commas, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_empty_containers, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_top_level_values_one_per_line, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_null_and_bool, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_integers, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_doubles, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_doubles_round_trip, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_nonfinite_is_null, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_decimal_point_whatever_the_locale, setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_pretty_output, setup_pretty, teardown),
	};

	return cmocka_run_group_tests_name("json", tests, group_setup, NULL);
}
