/*
 * test_plan.c: the order of the plan's steps (src/plan.c plan_build),
 * which needs no server: building a plan only reads the cluster file.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"
#include "plan.h"

/* The ids of the plan's steps, space-separated. */
static char *
step_ids(const char *text, bool primary_only)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = cluster_parse(text, "test.conf", &err);
	plan_options po = {0};
	plan_ctx   *ctx;
	plan	   *p;
	strbuf		sb;

	if (!cl)
		fail_msg("%s", err.message);
	po.primary_only = primary_only;
	ctx = plan_ctx_new(cl, &po);
	p = plan_build(ctx, &err);
	assert_non_null(p);
	strbuf_init(&sb);
	for (int i = 0; i < p->n_steps; i++)
		strbuf_appendf(&sb, "%s%s", i ? " " : "", p->steps[i]->id);
	plan_free(p);
	plan_ctx_free(ctx);
	cluster_free(cl);
	return strbuf_detach(&sb);
}

#define NODE(name, role, up, host) \
	"[node \"" name "\"]\nrole = " role "\n" up "host = " host "\nssh = local\npgdata = /d/" name "\n\n"

/* A cascade written leaves first: each upstream is still built first. */
static void
test_cascade_built_from_the_top(void **state)
{
	const char *text =
		"[cluster]\nname = c\nssl = off\n\n"
		NODE("pg4", "standby", "upstream = pg3\n", "10.0.0.4")
		NODE("pg3", "standby", "upstream = pg2\n", "10.0.0.3")
		NODE("pg1", "primary", "", "10.0.0.1")
		NODE("pg5", "standby", "upstream = pg1\n", "10.0.0.5")
		NODE("pg2", "standby", "upstream = pg1\n", "10.0.0.2");
	char	   *ids = step_ids(text, false);
	const char *s3 = strstr(ids, "standby@pg3");
	const char *s2 = strstr(ids, "standby@pg2");
	const char *s4 = strstr(ids, "standby@pg4");
	const char *s5 = strstr(ids, "standby@pg5");

	assert_non_null(s2);
	assert_non_null(s3);
	assert_non_null(s4);
	assert_non_null(s5);
	assert_true(s2 < s3);
	assert_true(s3 < s4);
	assert_true(s5 < s3);		/* depth 1 before depth 2 */
	/* the primary's preparation comes before any standby */
	assert_true(strstr(ids, "@pg1") < s2);
	free(ids);
}

static void
test_primary_only_builds_no_standby(void **state)
{
	const char *text =
		"[cluster]\nname = c\nssl = off\n\n"
		NODE("pg1", "primary", "", "10.0.0.1")
		NODE("pg2", "standby", "upstream = pg1\n", "10.0.0.2");
	char	   *ids = step_ids(text, true);

	assert_null(strstr(ids, "standby@"));
	assert_non_null(strstr(ids, "@pg1"));
	free(ids);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cascade_built_from_the_top),
		cmocka_unit_test(test_primary_only_builds_no_standby),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
