/*
 * plan.c: the plan engine — steps, inspect / apply with confirmation, the
 * steps' results, and the journal.  The nodes are reached through the
 * session (session.c); the set-up's list of steps is setup_steps.c's; the
 * journal's format is journal.c's.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "journal.h"
#include "plan.h"
#include "trace.h"

/* ---- steps and plans -------------------------------------------------------- */

plan_step *
plan_step_new(const step_ops *ops, cluster_node *node, const char *id,
			  const char *title)
{
	plan_step  *s = pgr_calloc(1, sizeof(*s));

	s->ops = ops;
	s->node = node;
	s->id = pgr_strdup(id);
	s->title = pgr_strdup(title);
	s->status = STEP_UNKNOWN;
	strbuf_init(&s->preview);
	strbuf_init(&s->summary);
	strbuf_init(&s->result.restart_reasons);
	return s;
}

void
plan_step_free(plan_step *s)
{
	if (!s)
		return;
	if (s->ops->free_priv && s->priv)
		s->ops->free_priv(s->priv);
	free(s->id);
	free(s->title);
	strbuf_free(&s->preview);
	strbuf_free(&s->summary);
	step_result_free(&s->result);
	free(s);
}

plan *
plan_new(void)
{
	return pgr_calloc(1, sizeof(plan));
}

void
plan_add(plan *p, plan_step *s)
{
	s->owner = p;
	p->steps = pgr_realloc(p->steps, sizeof(plan_step *) * (size_t) (p->n_steps + 1));
	p->steps[p->n_steps++] = s;
}

void
plan_free(plan *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n_steps; i++)
		plan_step_free(p->steps[i]);
	free(p->steps);
	free(p);
}

/* ---- the steps' results ------------------------------------------------------- */

void
step_result_add_restart(step_result *r, const char *name)
{
	/* the names, ", " between them, each once */
	const char *s = r->restart_reasons.data;
	size_t		nl = strlen(name);

	while (s && (s = strstr(s, name)) != NULL)
	{
		bool		start = s == r->restart_reasons.data || s[-1] == ' ';
		bool		end = s[nl] == '\0' || s[nl] == ',';

		if (start && end)
			return;
		s += nl;
	}
	if (r->restart_reasons.len > 0)
		strbuf_append(&r->restart_reasons, ", ");
	strbuf_append(&r->restart_reasons, name);
}

void
plan_results_before(const plan_step *s, step_result *r)
{
	const plan *p = s->owner;

	strbuf_init(&r->restart_reasons);
	r->reload_needed = false;
	for (int i = 0; p && i < p->n_steps && p->steps[i] != s; i++)
	{
		const step_result *sr = &p->steps[i]->result;
		const char *names = sr->restart_reasons.data;

		r->reload_needed = r->reload_needed || sr->reload_needed;
		/* each name once, whichever steps reported it */
		while (names && *names)
		{
			size_t		len = strcspn(names, ", ");
			char	   *name = pgr_strndup(names, len);

			step_result_add_restart(r, name);
			free(name);
			names += len;
			names += strspn(names, ", ");
		}
	}
}

void
step_result_free(step_result *r)
{
	strbuf_free(&r->restart_reasons);
	r->reload_needed = false;
}

/* ---- inspect ---------------------------------------------------------------- */

/* Does a step's inspection run commands on N? (session_uses_fn) */
static bool
plan_inspects_on(void *arg, const cluster_node *n)
{
	const plan *p = arg;

	for (int j = 0; j < p->n_steps; j++)
		if (p->steps[j]->node == n && p->steps[j]->ops->inspect_runs_commands)
			return true;
	return false;
}

/* Before a step is inspected (again): what the last look found is forgotten. */
static void
reset_step(plan_step *s)
{
	strbuf_reset(&s->preview);
	strbuf_reset(&s->summary);
	strbuf_reset(&s->result.restart_reasons);
	s->result.reload_needed = false;
	if (s->ops->free_priv && s->priv)
		s->ops->free_priv(s->priv);
	s->priv = NULL;
	s->status = STEP_UNKNOWN;
}

static int
inspect_step(session *ctx, plan_step *s, pgr_error *err)
{
	int64_t		t0 = trace_start();
	int			rc;

	reset_step(s);
	rc = s->ops->inspect(ctx, s, err);
	trace_done(t0, "inspect: %s", s->title);
	if (rc < 0)
	{
		s->status = STEP_FAILED;
		pgr_error_prefix(err, "%s", s->title);
		return -1;
	}
	if (s->status == STEP_UNKNOWN)
		s->status = s->preview.len > 0 ? STEP_TO_CHANGE : STEP_NOTHING_TO_DO;
	/* apply will likely reach the node's host: log in while the rest is inspected */
	if (s->status == STEP_TO_CHANGE)
		session_open_transport_bg(ctx, s->node);
	return 0;
}

int
plan_inspect(session *ctx, plan *p, pgr_error *err)
{
	int			rc = 0;

	session_open_transports(ctx, plan_inspects_on, p);
	for (int i = 0; i < p->n_steps && rc == 0; i++)
		rc = inspect_step(ctx, p->steps[i], err);
	/* no thread outlives the inspection (questions are over by then) */
	session_join_openers(ctx);
	return rc;
}

int
plan_inspect_each(session *ctx, plan *p, plan_inspected_fn fn, void *arg)
{
	int			failed = 0;

	session_open_transports(ctx, plan_inspects_on, p);
	for (int i = 0; i < p->n_steps; i++)
	{
		pgr_error	err = PGR_ERROR_INIT;

		if (inspect_step(ctx, p->steps[i], &err) < 0)
		{
			failed++;
			fn(arg, p->steps[i], &err);
		}
		else
			fn(arg, p->steps[i], NULL);
		pgr_error_clear(&err);
	}
	session_join_openers(ctx);
	return failed;
}

/* ---- journal ---------------------------------------------------------------- */

static int
journal_write(session *ctx, const char *event, const char *id, pgr_error *err)
{
	return plan_journal_append(ctx->opts.journal_path, event, id, err);
}

/* ---- apply -------------------------------------------------------------------- */

/*
 * The journal says a step was running when the last apply stopped: that
 * step's resume puts its node back in a state the steps can inspect.
 */
static int
resume_interrupted(session *ctx, plan *p, const char *interrupted, pgr_error *err)
{
	session_log(ctx, NULL, _("the last apply stopped during step \"%s\": resuming"), interrupted);
	for (int i = 0; i < p->n_steps; i++)
	{
		plan_step  *s = p->steps[i];

		if (strcmp(s->id, interrupted) != 0 || !s->ops->resume)
			continue;
		if (s->ops->resume(ctx, s, err) < 0)
		{
			pgr_error_prefix(err, "%s", s->title);
			return -1;
		}
	}
	return 0;
}

/*
 * Apply and verify one confirmed step between its "begin" and its "done"
 * in the journal; a step that fails is undone where it can be (an undo
 * that fails is logged: the error is the step's) and journalled "failed".
 */
static int
apply_step(session *ctx, plan_step *s, pgr_error *err)
{
	pgr_error	uerr = PGR_ERROR_INIT;

	if (journal_write(ctx, "begin", s->id, err) < 0)
		return -1;
	session_log(ctx, s, _("%s: applying"), s->title);
	if (s->ops->apply(ctx, s, err) == 0 && s->ops->verify(ctx, s, err) == 0)
	{
		s->status = STEP_APPLIED;
		if (journal_write(ctx, "done", s->id, err) < 0)
			return -1;
		session_log(ctx, s, _("%s: done"), s->title);
		return 0;
	}
	s->status = STEP_FAILED;
	pgr_error_prefix(err, "%s", s->title);
	if (s->ops->undo && s->ops->undo(ctx, s, &uerr) < 0)
	{
		session_log(ctx, s, _("%s: could not undo: %s"), s->title, uerr.message);
		pgr_error_clear(&uerr);
	}
	(void) journal_write(ctx, "failed", s->id, &uerr);
	pgr_error_clear(&uerr);
	return -1;
}

int
plan_apply(session *ctx, plan *p, int *changed, pgr_error *err)
{
	char	   *interrupted = NULL;

	*changed = 0;
	if (ctx->opts.journal_path)
		interrupted = plan_journal_interrupted(ctx->opts.journal_path);
	if (interrupted && resume_interrupted(ctx, p, interrupted, err) < 0)
		goto fail;
	/*
	 * First look at every step, changing nothing: bad input found by the
	 * last step (an address that is not an IP, a role name pg_hba.conf
	 * cannot hold) must stop the run before the first step changes the
	 * server.  Once a step has changed something, each later step is
	 * inspected again right before it is applied, since what it sees may
	 * have changed; until then the first look is still true (and a second
	 * one would cost round trips to every host: see bench/README.md).
	 * A step inspected again replaces its result (step_result): the
	 * activate step reads the latest look of each step before it.
	 */
	if (plan_inspect(ctx, p, err) < 0)
		goto fail;

	for (int i = 0; i < p->n_steps; i++)
	{
		plan_step  *s = p->steps[i];

		if (*changed > 0 && inspect_step(ctx, s, err) < 0)
			goto fail;
		if (s->status == STEP_NOTHING_TO_DO)
			session_log(ctx, s, _("%s: nothing to do"), s->title);
		else if (!session_confirm(ctx, s, s->title))
		{
			s->status = STEP_DECLINED;
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: not applied"), s->title);
			pgr_error_hint(err, _("Nothing was changed by this step; the steps after it were not run. Run apply again, or with --yes."));
			goto fail;
		}
		else if (apply_step(ctx, s, err) < 0)
			goto fail;
		else
			(*changed)++;
		if (interrupted && strcmp(s->id, interrupted) == 0)
		{
			/*
			 * The interrupted step is complete after all (nothing to do:
			 * close it), or its "done" just closed its "begin" too.
			 */
			if (s->status == STEP_NOTHING_TO_DO &&
				journal_write(ctx, "done", s->id, err) < 0)
				goto fail;
			free(interrupted);
			interrupted = NULL;
		}
	}
	/* An interrupted step no longer in the plan: the apply is complete. */
	if (interrupted && journal_write(ctx, "done", interrupted, err) < 0)
		goto fail;
	free(interrupted);
	return 0;

fail:
	free(interrupted);
	return -1;
}
