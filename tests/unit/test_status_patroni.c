/*
 * test_status_patroni.c: reading Patroni's answer to GET /patroni
 * (src/pg/status_patroni.c), and the probe against what is not Patroni.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "status_patroni.h"

/* What Patroni 3.0.2 answered in tests/tui/patroni-rest.sh. */
static const char patroni302[] =
	"{\"state\": \"running\", \"postmaster_start_time\": \"2026-12-06 22:53:50.845149+00:00\", "
	"\"role\": \"master\", \"server_version\": 150018, \"xlog\": {\"location\": 22027024}, "
	"\"timeline\": 1, \"dcs_last_seen\": 1796597631, \"database_system_identifier\": "
	"\"7716328043974505789\", \"patroni\": {\"version\": \"3.0.2\", \"scope\": \"pgrtest\"}}";

static void
test_parse(void **state)
{
	char	   *v,
			   *s;

	(void) state;
	assert_true(status_patroni_parse(patroni302, &v, &s));
	assert_string_equal(v, "3.0.2");
	assert_string_equal(s, "pgrtest");
	free(v);
	free(s);
	/* members in another order, spaces, no scope */
	assert_true(status_patroni_parse("{ \"patroni\" : { \"name\": \"x\" , \"version\" : \"4.0.1\" } }", &v, &s));
	assert_string_equal(v, "4.0.1");
	assert_null(s);
	free(v);
}

static void
test_not_patroni(void **state)
{
	char	   *v,
			   *s;

	(void) state;
	assert_false(status_patroni_parse("", &v, &s));
	assert_false(status_patroni_parse("{\"state\": \"running\"}", &v, &s));
	/* "patroni" as a value, or not an object, or without a version */
	assert_false(status_patroni_parse("{\"name\": \"patroni\"}", &v, &s));
	assert_false(status_patroni_parse("{\"patroni\": \"3.0.2\"}", &v, &s));
	assert_false(status_patroni_parse("{\"patroni\": {\"scope\": \"a\"}}", &v, &s));
	/* the version of another object after it does not count */
	assert_false(status_patroni_parse("{\"patroni\": {\"scope\": \"a\"}, \"x\": {\"version\": \"1\"}}", &v, &s));
	assert_false(status_patroni_parse("{\"patroni\": {\"version\": \"unterminated", &v, &s));
}

static void
test_probe_nothing(void **state)
{
	char	   *e = (char *) "x";

	(void) state;
	/* port 1 on loopback: refused at once */
	assert_false(status_patroni_probe("127.0.0.1", 1, 1000, &e));
	assert_null(e);
	assert_false(status_patroni_probe(NULL, 8008, 1000, &e));
	assert_false(status_patroni_probe("127.0.0.1", 0, 1000, &e));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_not_patroni),
		cmocka_unit_test(test_probe_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
