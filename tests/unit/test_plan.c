/*
 * test_plan.c: the order of the plan's steps (src/setup/plan.c plan_build),
 * which needs no server: building a plan only reads the cluster file.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cluster.h"
#include "plan.h"
#include "setup_steps.h"

/* The ids of the plan's steps, space-separated. */
static char *
step_ids(const char *text, bool primary_only)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = cluster_parse(text, "test.conf", &err);
	session_options po = {0};
	session   *ctx;
	plan	   *p;
	strbuf		sb;

	if (!cl)
		fail_msg("%s", err.message);
	po.primary_only = primary_only;
	ctx = session_new(cl, &po);
	p = plan_build(ctx, &err);
	assert_non_null(p);
	strbuf_init(&sb);
	for (int i = 0; i < p->n_steps; i++)
		strbuf_appendf(&sb, "%s%s", i ? " " : "", p->steps[i]->id);
	plan_free(p);
	session_free(ctx);
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

/* ---- the journal ---------------------------------------------------------------- */

/* Whatever the cluster's name, the journal is a file of $XDG_STATE_HOME/pgreplica. */
static void
test_journal_path_stays_in_its_directory(void **state)
{
	static const char *const names[] = {
		"../../../etc/cron.d/x", "..", "a/b", ".hidden", "x/../../y", "\x1b[2J",
	};

	setenv("XDG_STATE_HOME", "/st", 1);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		cluster    *cl = cluster_new(NULL);
		char	   *path;
		const char *file;

		cl->name = strdup(names[i]);
		path = plan_default_journal_path(cl);
		assert_true(strncmp(path, "/st/pgreplica/", 14) == 0);
		file = path + 14;
		if (strchr(file, '/') || file[0] == '.' || strchr(file, '\x1b'))
			fail_msg("name \"%s\" gives the journal \"%s\"", names[i], path);
		free(path);
		cluster_free(cl);
	}
	unsetenv("XDG_STATE_HOME");
}

static int
fake_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	strbuf_append(&s->preview, "something to do");
	return 0;
}

static int
fake_ok(session *ctx, plan_step *s, pgr_error *err)
{
	return 0;
}

static const step_ops fake_ops = {
	.kind = "fake", .inspect = fake_inspect, .apply = fake_ok, .verify = fake_ok,
};

/*
 * A journal that is a symbolic link (to a file of the operator's, to
 * ~/.bashrc...) is neither read nor written: apply stops before the step.
 */
static void
test_journal_symlink_refused(void **state)
{
	char		dir[] = "/tmp/pgr-test-journal-XXXXXX";
	char	   *journal;
	char	   *target;
	char	   *text;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = cluster_parse("[cluster]\nname = c\n" NODE("pg1", "primary", "", "10.0.0.1"),
								   "test.conf", &err);
	session_options po = {0};
	session   *ctx;
	plan	   *p = calloc(1, sizeof(plan));
	int			changed = 0;
	FILE	   *f;
	char		buf[64] = "";

	assert_non_null(cl);
	assert_non_null(mkdtemp(dir));
	assert_true(asprintf(&journal, "%s/c.journal", dir) > 0);
	assert_true(asprintf(&target, "%s/victim", dir) > 0);
	f = fopen(target, "w");
	assert_non_null(f);
	fputs("begin fake@pg1 1\n", f);
	fclose(f);
	assert_int_equal(symlink(target, journal), 0);

	text = plan_journal_interrupted(journal);
	if (text)
		fail_msg("the journal was read through its link: \"%s\"", text);

	po.assume_yes = true;
	po.journal_path = journal;
	ctx = session_new(cl, &po);
	plan_add(p, plan_step_new(&fake_ops, &cl->nodes[0], "fake@pg1", "fake"));
	assert_int_equal(plan_apply(ctx, p, &changed, &err), -1);
	assert_int_equal(changed, 0);
	assert_non_null(strstr(err.message, "could not open the journal"));
	assert_non_null(err.hint);
	f = fopen(target, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	assert_null(fgets(buf + strlen(buf), (int) (sizeof(buf) - strlen(buf)), f));
	fclose(f);
	assert_string_equal(buf, "begin fake@pg1 1\n");
	pgr_error_clear(&err);

	/* a real file: the step runs, begin and done are journalled */
	unlink(journal);
	assert_int_equal(plan_apply(ctx, p, &changed, &err), 0);
	assert_int_equal(changed, 1);
	assert_null(plan_journal_interrupted(journal));

	plan_free(p);
	session_free(ctx);
	cluster_free(cl);
	unlink(journal);
	unlink(target);
	rmdir(dir);
	free(journal);
	free(target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cascade_built_from_the_top),
		cmocka_unit_test(test_primary_only_builds_no_standby),
		cmocka_unit_test(test_journal_path_stays_in_its_directory),
		cmocka_unit_test(test_journal_symlink_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
