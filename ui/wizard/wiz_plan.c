/*
 * wiz_plan.c: the plan review (every step with its summary and preview),
 * the apply (a line per step, a gauge for the base backup, a step's log on
 * demand) and the result.  Inspecting and applying run on a worker thread
 * (worker.h); this thread keeps drawing and reading keys.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "clock.h"
#include "cluster_lock.h"
#include "crt.h"
#include "dialog.h"
#include "i18n.h"
#include "monitor.h"
#include "pgconn.h"
#include "report.h"
#include "strbuf.h"
#include "textview.h"
#include "wiz_int.h"
#include "worker.h"

/* How each step status is shown (the same words as "pgreplica plan"). */
static const char *
status_word(step_status st)
{
	switch (st)
	{
		case STEP_UNKNOWN:
			return _("not inspected");
		case STEP_NOTHING_TO_DO:
			return _("nothing to do");
		case STEP_TO_CHANGE:
			return _("will change");
		case STEP_APPLIED:
			return _("applied");
		case STEP_FAILED:
			return _("failed");
		case STEP_DECLINED:
			return _("declined");
	}
	return "";
}

/* ---- the engine's callbacks, on the worker thread ------------------------- */

typedef struct job {
	wizard	   *wz;
	worker	   *w;
} job;

static int
step_index(const wizard *wz, const plan_step *s)
{
	if (!s || !wz->plan)
		return -1;
	for (int i = 0; i < wz->plan->n_steps; i++)
		if (wz->plan->steps[i] == s)
			return i;
	return -1;
}

static void
cb_log(void *arg, const plan_step *s, const char *line)
{
	job		   *j = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));

	ev->kind = WEV_LOG;
	ev->step = step_index(j->wz, s);
	/* read here, on the thread that changes it */
	ev->status = s ? (int) s->status : -1;
	ev->text = pgr_strdup(line);
	worker_post(j->w, ev);
}

static void
cb_progress(void *arg, const plan_step *s, long long done, long long total)
{
	job		   *j = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));

	ev->kind = WEV_PROGRESS;
	ev->step = step_index(j->wz, s);
	ev->done = done;
	ev->total = total;
	worker_post(j->w, ev);
}

/*
 * The operator confirmed the whole plan on the review page: its steps are
 * not asked again.  Anything else is a question for a person.
 */
static bool
cb_confirm(void *arg, const plan_step *s, const char *question)
{
	job		   *j = arg;

	if (step_index(j->wz, s) >= 0)
		return true;
	return worker_ask_yesno(j->w, _("Confirm"), question);
}

static void
set_options(wizard *wz, session_options *po, job *j)
{
	memset(po, 0, sizeof(*po));
	po->method = PARAM_ALTER_SYSTEM;
	po->confirm = cb_confirm;
	po->log = cb_log;
	po->progress = cb_progress;
	po->cb_arg = j;
	po->topts = wz->topts;
	po->replication_password = !wz->repl_generate && wz->repl_password && wz->repl_password[0]
		? wz->repl_password : NULL;
}

static int
job_inspect(worker *w, void *arg, pgr_error *err)
{
	job		   *j = arg;
	wizard	   *wz = j->wz;

	wz->plan = plan_build(wz->ctx, err);
	if (!wz->plan)
		return -1;
	return plan_inspect(wz->ctx, wz->plan, err);
}

static int
job_apply(worker *w, void *arg, pgr_error *err)
{
	job		   *j = arg;
	int			changed = 0;
	cluster_lock *lock;
	int			rc = -1;

	if (!j->wz->plan)
	{
		j->wz->plan = plan_build(j->wz->ctx, err);
		if (!j->wz->plan)
			return -1;
	}
	/* like "pgreplica apply": one pgreplica process at a time acts */
	if (!(lock = cluster_lock_take(j->wz->cluster_path, "console: apply", err)))
		return -1;
	if (plan_apply(j->wz->ctx, j->wz->plan, &changed, err) == 0)
		rc = changed;
	cluster_lock_release(lock);
	return rc;
}

/* ---- review ------------------------------------------------------------------ */

typedef struct review {
	wizard	   *wz;
	textview	tv;
	bool		busy;
	int			spin;
} review;

static void
draw_review(void *arg)
{
	review	   *r = arg;
	char	   *counter = wiz_counter(r->wz);

	screen_frame(_("Plan review"), counter);
	free(counter);
	if (r->busy)
	{
		static const char spin[] = "|/-\\";
		char	   *s = pgr_asprintf("%c %s", spin[r->spin % 4],
									 _("Inspecting the nodes: nothing is changed..."));

		textout_wput(stdscr, 2, 2, s, COLS - 4, A_BOLD);
		free(s);
	}
	else
		textview_draw(&r->tv, 2, 1, LINES - 4, COLS - 2);
	wiz_keybar(WIZ_KM_REVIEW);
}

static void
indent_into(strbuf *sb, const char *text, const char *indent)
{
	const char *p = text;

	while (*p)
	{
		size_t		n = strcspn(p, "\n");

		strbuf_appendf(sb, "%s%.*s\n", indent, (int) n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static char *
plan_text(const wizard *wz)
{
	strbuf		sb;
	int			changes = 0;
	const plan *p = wz->plan;
	char	   *warning;

	strbuf_init(&sb);
	for (int i = 0; i < p->n_steps; i++)
		if (p->steps[i]->status == STEP_TO_CHANGE)
			changes++;
	strbuf_appendf(&sb, ngettext("Plan for cluster \"%s\": %d step, %d to change\n",
								 "Plan for cluster \"%s\": %d steps, %d to change\n", p->n_steps),
				   wz->cl->name ? wz->cl->name : "", p->n_steps, changes);
	strbuf_appendf(&sb, _("The cluster file \"%s\" is written when you apply.\n"), wz->cluster_path);
	if ((warning = pgconn_trust_warning(wz->cl)) != NULL)
	{
		strbuf_appendf(&sb, "\n%s\n", warning);
		free(warning);
	}
	for (int i = 0; i < p->n_steps; i++)
	{
		const plan_step *s = p->steps[i];

		strbuf_appendf(&sb, _("\n[%d] %s: %s\n"), i + 1, s->title, status_word(s->status));
		if (s->summary.len)
			indent_into(&sb, s->summary.data, "    ");
		if (s->status == STEP_TO_CHANGE && s->preview.len)
			indent_into(&sb, s->preview.data, "");
	}
	if (changes == 0)
		strbuf_appendf(&sb, "\n%s\n", _("Nothing to do: the cluster is set up as its file describes."));
	return strbuf_detach(&sb);
}

/* Build the cluster and the context for it (the plan itself: the job). */
static bool
prepare(wizard *wz, job *j, session_options *po)
{
	pgr_error	err = PGR_ERROR_INIT;

	if (!wz->cl)
	{
		wz->cl = wiz_build_cluster(wz, &err);
		if (!wz->cl)
		{
			dialog_error(_("The cluster as typed is not valid"), &err);
			pgr_error_clear(&err);
			return false;
		}
	}
	set_options(wz, po, j);
	if (!wz->ctx)
		wz->ctx = session_new(wz->cl, po);
	/* the context outlives this page's job: point it at the current one */
	wz->ctx->opts.cb_arg = j;
	return true;
}

/* What a key does while a job of the plan runs: the page MODE's row. */
typedef struct job_keys {
	unsigned	mode;
	keys_result (*page_cmd) (void *arg, wiz_cmd cmd);	/* or NULL */
	void	   *arg;
} job_keys;

static void
job_key(void *key_arg, wint_t key, bool is_fkey)
{
	job_keys   *k = key_arg;
	screen_event ev = {SCREEN_EV_KEY, key, is_fkey};
	wiz_cmd		cmd = wiz_key_cmd(k->mode, &ev);

	if (cmd == WCMD_QUIT)
	{
		if (dialog_confirm(_("Quit"),
						   _("Quit while this runs? A step cut short is resumed when you start pgreplica again with this cluster file."),
						   false))
		{
			crt_done();
			/* the worker may be in the middle of a step: the journal says which */
			_exit(PGR_EXIT_ERROR);
		}
		return;
	}
	if (cmd != WCMD_NONE && k->page_cmd)
		k->page_cmd(k->arg, cmd);
}

/* Run JOB_FN on the worker while BUSY pages redraw; returns its rc. */
static int
run_job(worker *w, worker_fn fn, job *j, void (*draw) (void *), void *arg, int *spin,
		void (*on_event) (void *, const worker_event *),
		unsigned mode, keys_result (*page_cmd) (void *, wiz_cmd))
{
	job_keys	keys = {mode, page_cmd, arg};
	worker_wait ui = {draw, arg, false, spin, on_event, job_key, &keys};

	j->w = w;
	return worker_run_waiting(w, fn, j, &ui);
}

/* Apply the plan as reviewed, once the operator agrees. */
static keys_result
review_apply(review *r, wiz_go *go)
{
	wizard	   *wz = r->wz;
	char	   *q = pgr_asprintf(_("Apply this plan now? The servers are changed as shown, "
								   "and the cluster file is written to \"%s\"."), wz->cluster_path);
	bool		yes = dialog_confirm(_("Apply the plan"), q, false);
	pgr_error	err = PGR_ERROR_INIT;

	free(q);
	if (!yes)
		return KEYS_REDRAW;
	if (cluster_save(wz->cl, &err) < 0)
	{
		dialog_error(_("The cluster file could not be written"), &err);
		pgr_error_clear(&err);
		return KEYS_REDRAW;
	}
	/* what the file holds now: the next save compares with it */
	free(wz->cluster_text);
	wz->cluster_text = pgr_strdup(wz->cl->text);
	*go = WIZ_NEXT;
	return KEYS_QUIT;
}

static keys_result
review_cmd(review *r, wiz_cmd cmd, wiz_go *go)
{
	switch (cmd)
	{
		case WCMD_BACK:
			*go = WIZ_BACK;
			return KEYS_QUIT;
		case WCMD_QUIT:
			if (!wiz_confirm_quit())
				return KEYS_REDRAW;
			*go = WIZ_QUIT;
			return KEYS_QUIT;
		case WCMD_APPLY:
			return review_apply(r, go);
		default:
			return KEYS_IGNORED;
	}
}

wiz_go
wiz_page_review(wizard *wz)
{
	review		r;
	job			j = {wz, NULL};
	session_options po;
	worker		w;
	wiz_go		go = WIZ_BACK;

	memset(&r, 0, sizeof(r));
	r.wz = wz;
	textview_init(&r.tv);
	if (!prepare(wz, &j, &po))
		goto out;
	if (!wz->plan)
	{
		int			rc;

		r.busy = true;
		rc = run_job(&w, job_inspect, &j, draw_review, &r, &r.spin, NULL, WIZ_KM_REVIEW, NULL);
		r.busy = false;
		if (rc < 0)
		{
			dialog_error(_("The plan could not be made"), &w.err);
			worker_clear(&w);
			wiz_drop_plan(wz);
			goto out;
		}
		worker_clear(&w);
	}
	{
		char	   *t = plan_text(wz);

		textview_set(&r.tv, t);
		free(t);
	}
	for (;;)
	{
		screen_event ev;
		wiz_cmd		cmd;

		screen_set_backdrop(draw_review, &r);
		if (!screen_too_small())
			draw_review(&r);
		screen_refresh();
		ev = screen_read(-1, -1);
		if (ev.type != SCREEN_EV_KEY || (ev.is_fkey && ev.key == KEY_RESIZE) || screen_too_small())
			continue;
		cmd = wiz_key_cmd(WIZ_KM_REVIEW, &ev);
		if (cmd == WCMD_NONE)
			textview_key(&r.tv, ev.key, ev.is_fkey);	/* the text's scrolling */
		else if (review_cmd(&r, cmd, &go) == KEYS_QUIT)
			break;
	}
out:
	textview_free(&r.tv);
	screen_set_backdrop(NULL, NULL);
	return go;
}

/* ---- apply ------------------------------------------------------------------- */

typedef struct apply_view {
	wizard	   *wz;
	int			n;
	int		   *status;			/* step_status, -1: not reached */
	bool	   *running;
	strbuf	   *logs;			/* per step */
	int			current;
	int			selected;
	bool		show_log;
	textview	log;
	int			spin;
	/* the gauge */
	int			gauge_step;
	long long	done,
				total;
	double		gauge_start;
	double		gauge_last;		/* when the last figures came */
	long long	gauge_start_bytes;
	char	   *last_line;
	bool		finished;
	bool		failed;
	pgr_error	err;
	int			changed;
} apply_view;

static void
draw_gauge(apply_view *a, int y)
{
	char		d[32],
				t[32],
				rate[32];
	/*
	 * The rate over the figures received (not up to now: once the copy is
	 * over, its rate stays what it was).
	 */
	double		el = a->gauge_last - a->gauge_start;
	double		bps = el > 0.5 ? (double) (a->done - a->gauge_start_bytes) / el : 0;
	int			w = COLS - 4;
	int			fill = a->total > 0 ? (int) ((double) a->done * w / (double) a->total) : 0;
	char	   *line;

	if (fill > w)
		fill = w;
	pgr_format_bytes((long long) a->done, d, sizeof(d));
	pgr_format_bytes((long long) a->total, t, sizeof(t));
	pgr_format_bytes((long long) bps, rate, sizeof(rate));
	if (a->wz->cl->clone_max_rate_kb > 0)
	{
		/* clone_max_rate: the limit beside the rate it holds */
		char		lim[32];

		pgr_format_bytes(a->wz->cl->clone_max_rate_kb * 1024, lim, sizeof(lim));
		if (bps > 0 && a->total > a->done)
			/* TRANSLATORS: base backup gauge: bytes done, total, rate, its limit, seconds left */
			line = pgr_asprintf(_("base backup: %s of %s, %s/s (max %s/s), %.0f s left"), d, t, rate, lim,
								(double) (a->total - a->done) / bps);
		else if (bps > 0)
			line = pgr_asprintf(_("base backup: %s of %s, %s/s (max %s/s), done in %.0f s"), d, t, rate, lim, el);
		else
			line = pgr_asprintf(_("base backup: %s of %s (max %s/s)"), d, t, lim);
	}
	else if (bps > 0 && a->total > a->done)
		/* TRANSLATORS: base backup gauge: bytes done, total, rate, seconds left */
		line = pgr_asprintf(_("base backup: %s of %s, %s/s, %.0f s left"), d, t, rate,
							(double) (a->total - a->done) / bps);
	else if (bps > 0)
		/* TRANSLATORS: base backup gauge, the copy over: bytes, rate, seconds */
		line = pgr_asprintf(_("base backup: %s of %s, %s/s, done in %.0f s"), d, t, rate, el);
	else
		line = pgr_asprintf(_("base backup: %s of %s"), d, t);
	textout_wput(stdscr, y, 2, line, COLS - 4, A_BOLD);
	free(line);
	attrset(screen_attr_focus());
	mvhline(y + 1, 2, ' ', fill);
	attrset(A_NORMAL);
	if (fill < w)
		mvhline(y + 1, 2 + fill, ACS_CKBOARD, w - fill);
}

/* The page's keys: while the plan runs, once it ran, once it failed. */
static unsigned
apply_mode(const apply_view *a)
{
	if (!a->finished)
		return WIZ_KM_RUNNING;
	return a->failed ? WIZ_KM_FAILED : WIZ_KM_FINISHED;
}

static void
draw_apply(void *arg)
{
	apply_view *a = arg;
	char	   *counter = wiz_counter(a->wz);
	int			y = 2;
	int			list_h = LINES - 9;
	int			top = 0;

	screen_frame(a->finished ? (a->failed ? _("Set-up failed") : _("Set-up complete"))
				 : _("Applying the plan"), counter);
	free(counter);
	if (a->show_log)
		list_h = (LINES - 9) / 2;
	if (a->selected >= list_h)
		top = a->selected - list_h + 1;
	for (int i = top; i < a->n && y < 2 + list_h; i++, y++)
	{
		const char *mark;
		const char *word;
		attr_t		attr = A_NORMAL;
		char	   *line;

		if (a->running[i])
		{
			static const char spin[] = "|/-\\";
			static char sp[2];

			sp[0] = spin[a->spin % 4];
			mark = sp;
			word = _("running");
			attr = A_BOLD;
		}
		else if (a->status[i] == STEP_APPLIED)
		{
			mark = "+";
			word = status_word(STEP_APPLIED);
			attr = screen_attr_ok();
		}
		else if (a->status[i] == STEP_NOTHING_TO_DO)
		{
			mark = "=";
			word = status_word(STEP_NOTHING_TO_DO);
		}
		else if (a->status[i] == STEP_FAILED)
		{
			mark = "!";
			word = status_word(STEP_FAILED);
			attr = screen_attr_error();
		}
		else
		{
			mark = " ";
			word = _("waiting");
		}
		/* TRANSLATORS: a line of the apply page: a mark (+ = ! or a spinner), the step's title, its state */
		line = pgr_asprintf(_("%s %s: %s"), mark, a->wz->plan ? a->wz->plan->steps[i]->title : "", word);
		textout_wput(stdscr, y, 2, line, COLS - 4, i == a->selected ? attr | A_REVERSE : attr);
		free(line);
	}
	y = 2 + list_h + 1;
	if (a->show_log)
	{
		textview_draw(&a->log, y, 2, LINES - 1 - y - 5, COLS - 4);
		y = LINES - 6;
	}
	if (a->gauge_step >= 0)
		draw_gauge(a, LINES - 6);
	if (a->finished && a->failed)
	{
		int			nl;
		char	   *msg = pgr_asprintf("%s%s%s%s%s", a->err.message ? a->err.message : "",
									   a->err.detail ? "\n" : "", a->err.detail ? a->err.detail : "",
									   a->err.hint ? "\n" : "", a->err.hint ? a->err.hint : "");
		char	  **lines = textout_wrap(msg, COLS - 4, &nl);

		for (int i = 0; i < nl && i < 3; i++)
			textout_wput(stdscr, LINES - 4 + i, 2, lines[i], COLS - 4, i == 0 ? screen_attr_error() : A_NORMAL);
		textout_lines_free(lines);
		free(msg);
	}
	else if (a->finished)
	{
		char	   *line = pgr_asprintf(ngettext("Done: %d step applied. Press F10 for the dashboard.",
												 "Done: %d steps applied. Press F10 for the dashboard.",
												 a->changed), a->changed);

		textout_wput(stdscr, LINES - 3, 2, line, COLS - 4, screen_attr_ok());
		free(line);
	}
	else if (a->last_line)
		textout_wput(stdscr, LINES - 3, 2, a->last_line, COLS - 4, A_NORMAL);
	wiz_keybar(apply_mode(a));
}

static void
refresh_log(apply_view *a)
{
	if (a->selected >= 0 && a->selected < a->n)
		textview_set(&a->log, a->logs[a->selected].data);
	a->log.follow = true;
}

/* The step list's and the log's keys, while the plan runs and after. */
static keys_result
apply_cmd(void *arg, wiz_cmd cmd)
{
	apply_view *a = arg;

	if (cmd == WCMD_STEP_UP && a->selected > 0)
		a->selected--;
	else if (cmd == WCMD_STEP_DOWN && a->selected < a->n - 1)
		a->selected++;
	else if (cmd == WCMD_LOG)
		a->show_log = !a->show_log;
	else
		return KEYS_IGNORED;
	refresh_log(a);
	return KEYS_REDRAW;
}

static void
apply_event(void *arg, const worker_event *e)
{
	apply_view *a = arg;

	if (e->kind == WEV_LOG)
	{
		free(a->last_line);
		a->last_line = pgr_strdup(e->text);
		if (e->step >= 0 && e->step < a->n)
		{
			strbuf_appendf(&a->logs[e->step], "%s\n", e->text);
			a->status[e->step] = e->status;
			/* a step being applied logs while its status is still "to change" */
			a->running[e->step] = e->status == STEP_TO_CHANGE;
			for (int i = 0; i < e->step; i++)
				a->running[i] = false;
			if (a->current != e->step && a->selected == a->current)
				a->selected = e->step;
			a->current = e->step;
			if (a->selected == e->step && a->show_log)
				textview_append(&a->log, e->text), textview_append(&a->log, "\n");
		}
	}
	else if (e->kind == WEV_PROGRESS)
	{
		if (a->gauge_step != e->step)
		{
			a->gauge_step = e->step;
			a->gauge_start = (pgr_now_ms() / 1000.0);
			a->gauge_start_bytes = e->done;
		}
		a->gauge_last = (pgr_now_ms() / 1000.0);
		a->done = e->done;
		a->total = e->total;
	}
}

wiz_go
wiz_page_apply(wizard *wz)
{
	apply_view	a;
	job			j = {wz, NULL};
	session_options po;
	worker		w;
	wiz_go		go = WIZ_BACK;
	int			rc;

	if (!prepare(wz, &j, &po))
		return WIZ_BACK;
	if (!wz->plan)
	{
		/* resuming: nothing was inspected yet */
		pgr_error	err = PGR_ERROR_INIT;

		wz->plan = plan_build(wz->ctx, &err);
		if (!wz->plan)
		{
			dialog_error(_("The plan could not be made"), &err);
			pgr_error_clear(&err);
			wiz_drop_plan(wz);
			return WIZ_BACK;
		}
	}
	wz->ctx->opts.journal_path = NULL;
	{
		static char *journal;

		free(journal);
		journal = plan_default_journal_path(wz->cl);
		wz->ctx->opts.journal_path = journal;
	}
	memset(&a, 0, sizeof(a));
	a.wz = wz;
	a.n = wz->plan->n_steps;
	a.status = pgr_calloc((size_t) a.n, sizeof(int));
	a.running = pgr_calloc((size_t) a.n, sizeof(bool));
	a.logs = pgr_calloc((size_t) a.n, sizeof(strbuf));
	for (int i = 0; i < a.n; i++)
	{
		a.status[i] = -1;
		strbuf_init(&a.logs[i]);
	}
	a.gauge_step = -1;
	a.err = (pgr_error) PGR_ERROR_INIT;
	textview_init(&a.log);

	rc = run_job(&w, job_apply, &j, draw_apply, &a, &a.spin, apply_event, WIZ_KM_RUNNING, apply_cmd);
	a.finished = true;
	for (int i = 0; i < a.n; i++)
	{
		a.running[i] = false;
		a.status[i] = (int) wz->plan->steps[i]->status;
	}
	if (rc < 0)
	{
		a.failed = true;
		a.err = w.err;
		w.err = (pgr_error) PGR_ERROR_INIT;
		for (int i = 0; i < a.n; i++)
			if (a.status[i] == STEP_FAILED)
				a.selected = i;
	}
	else
		a.changed = rc;
	refresh_log(&a);
	for (;;)
	{
		screen_event ev;
		wiz_cmd		cmd;

		screen_set_backdrop(draw_apply, &a);
		if (!screen_too_small())
			draw_apply(&a);
		screen_refresh();
		ev = screen_read(-1, -1);
		if (ev.type != SCREEN_EV_KEY || (ev.is_fkey && ev.key == KEY_RESIZE) || screen_too_small())
			continue;
		cmd = wiz_key_cmd(apply_mode(&a), &ev);
		if (cmd == WCMD_BACK || cmd == WCMD_QUIT)
		{
			go = cmd == WCMD_BACK ? WIZ_BACK : WIZ_QUIT;
			break;
		}
		if (cmd == WCMD_FINISH)
		{
			/* a retry rebuilds the plan from the file as saved */
			go = a.failed ? WIZ_BACK : WIZ_DONE;
			break;
		}
		apply_cmd(&a, cmd);
	}
	for (int i = 0; i < a.n; i++)
		strbuf_free(&a.logs[i]);
	free(a.logs);
	free(a.status);
	free(a.running);
	free(a.last_line);
	textview_free(&a.log);
	pgr_error_clear(&a.err);
	screen_set_backdrop(NULL, NULL);
	/* the plan was run: a new review inspects afresh */
	wiz_drop_plan(wz);
	return go;
}
