/*
 * test_plan_apply.c: plan_apply (src/setup/plan.c) with fake step operations, so
 * that no server is needed: the journal written as the steps run, resuming
 * after an interruption, undo of a failed step, a declined step, a failed
 * inspection that stops the run before anything changes, and the results
 * steps pass to the steps after them.
 *
 * Each fake step is described by a row of `fakes` (found by the step's id)
 * and records every operation called on it in `calls`, in order.
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

#include "cluster.h"
#include "journal.h"
#include "plan.h"
#include "session.h"

typedef struct fake {
	const char *id;
	bool		change;			/* inspect finds something to do */
	bool		inspect_fails;
	bool		apply_fails;
	bool		verify_fails;
	bool		undo_fails;
	bool		resume_fails;
	const char *restart;		/* its result: a parameter needing a restart */
	bool		reload;			/* its result: a reload is needed */
	bool		change_after_apply;	/* once applied, inspect finds nothing */
	bool		applied;
	char	   *journal_at_apply;	/* the journal's events when apply began */
	char	   *results_seen;	/* plan_results_before, at inspect */
} fake;

#define MAX_FAKES 6
static fake fakes[MAX_FAKES];
static int	n_fakes;
static strbuf calls;
static strbuf logged;
static const char *journal;
static bool decline_id_set;
static char decline_id[32];

/* "begin a;done a;..." : the journal's events without their times. */
static char *
journal_events(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		line[256];
	strbuf		sb;

	strbuf_init(&sb);
	if (!f)
		return strbuf_detach(&sb);
	while (fgets(line, sizeof(line), f))
	{
		char		event[16],
					id[64];

		if (sscanf(line, "%15s %63s", event, id) == 2)
			strbuf_appendf(&sb, "%s%s %s", sb.len ? ";" : "", event, id);
	}
	fclose(f);
	return strbuf_detach(&sb);
}

static fake *
fake_of(const plan_step *s)
{
	for (int i = 0; i < n_fakes; i++)
		if (strcmp(fakes[i].id, s->id) == 0)
			return &fakes[i];
	fail_msg("no fake for step %s", s->id);
	return NULL;
}

static void
record(const char *op, const plan_step *s)
{
	strbuf_appendf(&calls, "%s%s:%s", calls.len ? " " : "", op, s->id);
}

static int
fake_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	fake	   *f = fake_of(s);
	step_result before;

	record("inspect", s);
	if (f->inspect_fails)
		return pgr_error_set(err, PGR_ERR_INPUT, "bad input for %s", s->id);
	plan_results_before(s, &before);
	free(f->results_seen);
	f->results_seen = pgr_asprintf("%s|%s", before.restart_reasons.data ? before.restart_reasons.data : "",
								   before.reload_needed ? "reload" : "");
	step_result_free(&before);
	if (f->restart)
		step_result_add_restart(&s->result, f->restart);
	s->result.reload_needed = f->reload;
	if (f->change && !(f->applied && f->change_after_apply))
		strbuf_appendf(&s->preview, "change %s\n", s->id);
	return 0;
}

static int
fake_apply(session *ctx, plan_step *s, pgr_error *err)
{
	fake	   *f = fake_of(s);

	record("apply", s);
	free(f->journal_at_apply);
	f->journal_at_apply = journal_events(journal);
	if (f->apply_fails)
		return pgr_error_set(err, PGR_ERR_GENERIC, "apply of %s failed", s->id);
	f->applied = true;
	return 0;
}

static int
fake_verify(session *ctx, plan_step *s, pgr_error *err)
{
	record("verify", s);
	if (fake_of(s)->verify_fails)
		return pgr_error_set(err, PGR_ERR_GENERIC, "the change of %s is not in force", s->id);
	return 0;
}

static int
fake_undo(session *ctx, plan_step *s, pgr_error *err)
{
	record("undo", s);
	if (fake_of(s)->undo_fails)
		return pgr_error_set(err, PGR_ERR_GENERIC, "cannot put %s back", s->id);
	fake_of(s)->applied = false;
	return 0;
}

static int
fake_resume(session *ctx, plan_step *s, pgr_error *err)
{
	record("resume", s);
	if (fake_of(s)->resume_fails)
		return pgr_error_set(err, PGR_ERR_GENERIC, "%s cannot be resumed", s->id);
	return 0;
}

static const step_ops fake_ops = {
	.kind = "fake", .inspect = fake_inspect, .apply = fake_apply,
	.verify = fake_verify, .undo = fake_undo, .resume = fake_resume,
};

static void
on_log(void *arg, const plan_step *s, const char *line)
{
	strbuf_appendf(&logged, "%s\n", line);
}

static bool
on_confirm(void *arg, const plan_step *s, const char *question)
{
	record("confirm", s);
	return !(decline_id_set && strcmp(s->id, decline_id) == 0);
}

/* ---- fixture: one node, a temporary journal, steps a, b, c ---------------------- */

typedef struct fixture {
	char		dir[64];
	char	   *journal;
	cluster    *cl;
	session    *ctx;
	plan	   *p;
	session_options po;
} fixture;

static int
setup(void **state)
{
	fixture    *fx = calloc(1, sizeof(*fx));
	pgr_error	err = PGR_ERROR_INIT;

	strcpy(fx->dir, "/tmp/pgr-test-apply-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	assert_true(asprintf(&fx->journal, "%s/state/c.journal", fx->dir) > 0);
	journal = fx->journal;
	fx->cl = cluster_parse("[cluster]\nname = c\nssl = off\n\n"
						   "[node \"pg1\"]\nrole = primary\nhost = 10.0.0.1\nssh = local\npgdata = /d\n",
						   "test.conf", &err);
	if (!fx->cl)
		fail_msg("%s", err.message);
	memset(fakes, 0, sizeof(fakes));
	n_fakes = 3;
	fakes[0].id = "a";
	fakes[1].id = "b";
	fakes[2].id = "c";
	for (int i = 0; i < n_fakes; i++)
		fakes[i].change = true;
	strbuf_init(&calls);
	strbuf_init(&logged);
	decline_id_set = false;
	fx->po.journal_path = fx->journal;
	fx->po.assume_yes = true;
	fx->po.log = on_log;
	fx->po.confirm = on_confirm;
	*state = fx;
	return 0;
}

/* The session and the plan, once the test has set its options and fakes. */
static void
start(fixture *fx)
{
	fx->ctx = session_new(fx->cl, &fx->po);
	fx->p = plan_new();
	for (int i = 0; i < n_fakes; i++)
		plan_add(fx->p, plan_step_new(&fake_ops, &fx->cl->nodes[0], fakes[i].id, fakes[i].id));
}

static int
teardown(void **state)
{
	fixture    *fx = *state;
	char	   *cmd;

	plan_free(fx->p);
	session_free(fx->ctx);
	cluster_free(fx->cl);
	for (int i = 0; i < MAX_FAKES; i++)
	{
		free(fakes[i].journal_at_apply);
		free(fakes[i].results_seen);
	}
	strbuf_free(&calls);
	strbuf_free(&logged);
	assert_true(asprintf(&cmd, "rm -rf '%s'", fx->dir) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	free(fx->journal);
	free(fx);
	return 0;
}

static void
write_journal(const fixture *fx, const char *events)
{
	char	   *copy = strdup(events);
	pgr_error	err = PGR_ERROR_INIT;

	for (char *line = strtok(copy, ";"); line; line = strtok(NULL, ";"))
	{
		char	   *sp = strchr(line, ' ');

		*sp = '\0';
		assert_int_equal(plan_journal_append(fx->journal, line, sp + 1, &err), 0);
	}
	free(copy);
}

/* ---- tests ------------------------------------------------------------------------ */

/*
 * Each step is journalled "begin" before it is applied and "done" once
 * verified, so that the journal already says "begin b" while b's apply
 * runs; every step is looked at before the first one changes anything.
 */
static void
test_journal_written_as_steps_run(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;

	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), 0);
	assert_int_equal(changed, 3);
	assert_string_equal(calls.data,
						"inspect:a inspect:b inspect:c "
						"apply:a verify:a "
						"inspect:b apply:b verify:b "
						"inspect:c apply:c verify:c");
	assert_string_equal(fakes[0].journal_at_apply, "begin a");
	assert_string_equal(fakes[1].journal_at_apply, "begin a;done a;begin b");
	assert_string_equal(fakes[2].journal_at_apply, "begin a;done a;begin b;done b;begin c");
	events = journal_events(fx->journal);
	assert_string_equal(events, "begin a;done a;begin b;done b;begin c;done c");
	free(events);
	for (int i = 0; i < 3; i++)
		assert_int_equal(fx->p->steps[i]->status, STEP_APPLIED);
	assert_null(plan_journal_interrupted(fx->journal));
	/* the journal is the operator's: nobody else reads it */
	{
		struct stat st;

		assert_int_equal(stat(fx->journal, &st), 0);
		assert_int_equal(st.st_mode & 0777, 0600);
	}
}

/* Steps with nothing to do are neither confirmed, applied nor journalled. */
static void
test_nothing_to_do_is_left_alone(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;

	fakes[1].change = false;
	fx->po.assume_yes = false;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), 0);
	assert_int_equal(changed, 2);
	assert_string_equal(calls.data,
						"inspect:a inspect:b inspect:c "
						"confirm:a apply:a verify:a "
						"inspect:b "
						"inspect:c confirm:c apply:c verify:c");
	assert_int_equal(fx->p->steps[1]->status, STEP_NOTHING_TO_DO);
	events = journal_events(fx->journal);
	assert_string_equal(events, "begin a;done a;begin c;done c");
	free(events);
	assert_non_null(strstr(logged.data, "b: nothing to do"));
}

/*
 * The journal says b was running when the last apply stopped: b's resume
 * is called before anything else, then the plan runs again from the
 * start (a, already done, inspects as nothing to do).
 */
static void
test_resume_after_interruption(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;
	char	   *running;

	write_journal(fx, "begin a;done a;begin b");
	running = plan_journal_interrupted(fx->journal);
	assert_string_equal(running, "b");
	free(running);
	fakes[0].change = false;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), 0);
	assert_int_equal(changed, 2);
	assert_true(strncmp(calls.data, "resume:b inspect:a", 18) == 0);
	assert_null(strstr(calls.data + 1, "resume:"));
	assert_non_null(strstr(logged.data, "during step \"b\": resuming"));
	events = journal_events(fx->journal);
	/* b's "done" closes both its "begin"s: no second "done b" at the end */
	assert_string_equal(events, "begin a;done a;begin b;begin b;done b;begin c;done c");
	free(events);
	assert_null(plan_journal_interrupted(fx->journal));
}

/* The interrupted step turns out complete: the journal closes it. */
static void
test_resume_of_a_step_already_complete(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;

	write_journal(fx, "begin b");
	fakes[0].change = false;
	fakes[1].change = false;
	fakes[2].change = false;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), 0);
	assert_int_equal(changed, 0);
	assert_string_equal(calls.data, "resume:b inspect:a inspect:b inspect:c");
	events = journal_events(fx->journal);
	assert_string_equal(events, "begin b;done b");
	free(events);
	assert_null(plan_journal_interrupted(fx->journal));
}

/* A resume that fails stops the run before any step is looked at. */
static void
test_resume_failure_stops_everything(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *running;

	write_journal(fx, "begin a;done a;begin b");
	fakes[1].resume_fails = true;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 0);
	assert_string_equal(calls.data, "resume:b");
	assert_non_null(strstr(err.message, "b cannot be resumed"));
	/* still interrupted: the next apply tries again */
	running = plan_journal_interrupted(fx->journal);
	assert_string_equal(running, "b");
	free(running);
	pgr_error_clear(&err);
}

/*
 * b's verify fails: b is undone, the journal says it failed, c is not run.
 * Steps applied before (a) are kept: they are verified and journalled
 * done, and the next apply starts over from the plan's first look.
 */
static void
test_failed_step_is_undone(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;

	fakes[1].verify_fails = true;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 1);
	assert_string_equal(calls.data,
						"inspect:a inspect:b inspect:c "
						"apply:a verify:a "
						"inspect:b apply:b verify:b undo:b");
	/* prefixed with the step's title */
	assert_true(strncmp(err.message, "b: the change of b is not in force", 34) == 0);
	assert_int_equal(fx->p->steps[0]->status, STEP_APPLIED);
	assert_int_equal(fx->p->steps[1]->status, STEP_FAILED);
	assert_true(fakes[0].applied);
	assert_false(fakes[1].applied);
	events = journal_events(fx->journal);
	assert_string_equal(events, "begin a;done a;begin b;failed b");
	free(events);
	assert_null(plan_journal_interrupted(fx->journal));
	pgr_error_clear(&err);
}

/* An apply that fails is undone without being verified; an undo that fails is told. */
static void
test_failed_apply_and_failed_undo(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;

	fakes[0].apply_fails = true;
	fakes[0].undo_fails = true;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 0);
	assert_string_equal(calls.data, "inspect:a inspect:b inspect:c apply:a undo:a");
	/* the error is the apply's; the undo's is in the log */
	assert_non_null(strstr(err.message, "apply of a failed"));
	assert_null(strstr(err.message, "cannot put a back"));
	assert_non_null(strstr(logged.data, "a: could not undo: cannot put a back"));
	pgr_error_clear(&err);
}

/* The operator says no to b: nothing of b or after it runs, the error says so with a hint. */
static void
test_declined_step(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;
	char	   *events;

	fx->po.assume_yes = false;
	decline_id_set = true;
	strcpy(decline_id, "b");
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 1);
	assert_string_equal(calls.data,
						"inspect:a inspect:b inspect:c "
						"confirm:a apply:a verify:a "
						"inspect:b confirm:b");
	assert_int_equal(fx->p->steps[1]->status, STEP_DECLINED);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "b: not applied"));
	assert_non_null(err.hint);
	events = journal_events(fx->journal);
	assert_string_equal(events, "begin a;done a");
	free(events);
	pgr_error_clear(&err);
}

/* No way to ask and no --yes: the first step to change is declined. */
static void
test_no_confirm_callback_declines(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;

	fx->po.assume_yes = false;
	fx->po.confirm = NULL;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 0);
	assert_string_equal(calls.data, "inspect:a inspect:b inspect:c");
	assert_int_equal(fx->p->steps[0]->status, STEP_DECLINED);
	assert_false(fakes[0].applied);
	pgr_error_clear(&err);
}

/* c's inspection fails: apply changes nothing at all, not even a. */
static void
test_inspect_failure_refuses_apply(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;
	int			changed = -1;

	fakes[2].inspect_fails = true;
	start(fx);
	assert_int_equal(plan_apply(fx->ctx, fx->p, &changed, &err), -1);
	assert_int_equal(changed, 0);
	assert_string_equal(calls.data, "inspect:a inspect:b inspect:c");
	assert_non_null(strstr(err.message, "bad input for c"));
	assert_int_equal(fx->p->steps[2]->status, STEP_FAILED);
	assert_false(fakes[0].applied);
	assert_int_equal(access(fx->journal, F_OK), -1);	/* nothing journalled */
	pgr_error_clear(&err);
}

/*
 * The steps' results: c sees a's and b's restart reasons (each once) and
 * the reload b asked for; a sees nothing; a step inspected again replaces
 * its result.
 */
static void
test_results_passed_to_later_steps(void **state)
{
	fixture    *fx = *state;
	pgr_error	err = PGR_ERROR_INIT;

	fakes[0].restart = "shared_buffers";
	fakes[1].restart = "shared_buffers";
	fakes[1].reload = true;
	start(fx);
	step_result_add_restart(&fx->p->steps[1]->result, "wal_level");	/* a stale result */
	assert_int_equal(plan_inspect(fx->ctx, fx->p, &err), 0);
	assert_string_equal(fakes[0].results_seen, "|");
	assert_string_equal(fakes[1].results_seen, "shared_buffers|");
	assert_string_equal(fakes[2].results_seen, "shared_buffers|reload");
	assert_string_equal(fx->p->steps[1]->result.restart_reasons.data, "shared_buffers");

	/* b found nothing this time: c no longer restarts for it */
	fakes[0].restart = "max_wal_senders";
	fakes[1].restart = NULL;
	fakes[1].reload = false;
	assert_int_equal(plan_inspect(fx->ctx, fx->p, &err), 0);
	assert_string_equal(fakes[2].results_seen, "max_wal_senders|");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_journal_written_as_steps_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_to_do_is_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_after_interruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_of_a_step_already_complete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_failure_stops_everything, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_step_is_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_apply_and_failed_undo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_declined_step, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_confirm_callback_declines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_failure_refuses_apply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_results_passed_to_later_steps, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
