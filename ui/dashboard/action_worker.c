/*
 * action_worker.c: the dashboard's actions as worker jobs (action_worker.h).
 * No curses here: the job only talks through the worker's events.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "cluster.h"
#include "i18n.h"
#include "action_worker.h"

static void
log_cb(void *arg, const char *line)
{
	action_worker *w = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));

	ev->kind = WEV_LOG;
	ev->step = -1;
	ev->text = pgr_strdup(line);
	worker_post(&w->w, ev);
}

/* the copy's and pg_rewind's figures, for the dashboard's gauge */
static void
progress_cb(void *arg, long long done, long long total)
{
	action_worker *w = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));

	ev->kind = WEV_PROGRESS;
	ev->step = -1;
	ev->done = done;
	ev->total = total;
	worker_post(&w->w, ev);
}

static bool
confirm_cb(void *arg, const char *question)
{
	action_worker *w = arg;

	return worker_ask_yesno(&w->w, _("Confirm"), question);
}

static bool
typed_cb(action_worker *w, const char *question, const char *word)
{
	return worker_ask_typed(&w->w, _("Confirm"), question, word);
}

/*
 * S: the pre-checks are logged as the action runs them; they are kept so
 * that the confirmation shows them below its question (default No).
 */
static void
switchover_log_cb(void *arg, const char *line)
{
	action_worker *w = arg;

	strbuf_appendf(&w->checks, "%s\n", line);
	log_cb(w, line);
}

/* The switchover's confirmation: its question, then the pre-checks. */
typedef struct switchover_facts {
	const char *question;
	const strbuf *checks;
} switchover_facts;

/* Built on the UI thread (worker_text_fn). */
static char *
switchover_panel(const void *facts)
{
	const switchover_facts *f = facts;

	/* the question first: a long list is cut at the dialog's bottom */
	return pgr_asprintf("%s\n\n%s", f->question, f->checks->data ? f->checks->data : "");
}

static bool
switchover_confirm_cb(void *arg, const char *question)
{
	action_worker *w = arg;
	switchover_facts facts = {question, &w->checks};

	return worker_ask_yesno_fn(&w->w, _("Confirm"), switchover_panel, &facts);
}

/* What the promote panel shows: the job's pre-check, alive while it asks. */
typedef struct promote_facts {
	const char *target;
	const promote_check *pc;
} promote_facts;

/* The promote panel's text, built on the UI thread (worker_text_fn). */
static char *
promote_panel(const void *facts)
{
	const promote_facts *f = facts;
	const promote_check *pc = f->pc;
	char	   *missing;
	char	   *panel;

	missing = pc->bytes_not_received < 0 ? pgr_strdup(_("unknown"))
		: pgr_asprintf("%lld", pc->bytes_not_received);
	panel = pgr_asprintf(_("Promote %s.\n%s answers: %s; it is a standby: %s.\nPrimary %s answers: %s; accepts writes: %s.\nWAL bytes not received from the primary: %s.\n\nPromote %s?"),
						 f->target, f->target,
						 pc->node_answers ? _("yes") : _("no"),
						 pc->node_is_standby ? _("yes") : _("no"),
						 pc->primary_name ? pc->primary_name : "-",
						 pc->primary_answers ? _("yes") : _("no"),
						 pc->primary_writable ? _("yes") : _("no"),
						 missing, f->target);
	free(missing);
	return panel;
}

/*
 * P's questions (action_promote_decide): the first one is the pre-check
 * panel, its text built on the UI thread from the check the job holds.
 */
typedef struct promote_asking
{
	action_worker *w;
	promote_facts facts;
} promote_asking;

static bool
promote_ask_cb(void *arg, promote_question q, const char *text, const char *word)
{
	promote_asking *pa = arg;

	if (q == PROMOTE_ASK_TYPED)
		return typed_cb(pa->w, text, word);
	if (q != PROMOTE_ASK_GO)
		return confirm_cb(pa->w, text);
	return worker_ask_yesno_fn(&pa->w->w, _("Confirm"), promote_panel, &pa->facts);
}

/* P: the pre-check panel, then fencing or the typed confirmation. */
static int
run_promote(action_worker *w, action_ctx *a, pgr_error *err)
{
	promote_check pc;
	promote_asking pa = {w, {w->target, &pc}};
	promote_decision d;
	int			rc;

	memset(&pc, 0, sizeof(pc));
	if (action_promote_check(a, w->target, &pc, err) < 0)
		return -1;
	rc = action_promote_decide(&pc, w->target, false, false, false, promote_ask_cb, &pa, &d, err);
	promote_check_clear(&pc);
	if (rc > 0)
		return pgr_error_set(err, PGR_ERR_REFUSED, _("%s not promoted"), w->target);
	if (rc < 0)
		return -1;
	a->force = d.force;
	return action_promote(a, w->target, d.fence, err);
}

/* What the job is, for the lock file: "console: promote pg2". */
static char *
job_description(const action_worker *w)
{
	const char *word = "?";

	switch (w->job)
	{
		case JOB_PROMOTE:
			word = "promote";
			break;
		case JOB_FOLLOW:
			word = "follow";
			break;
		case JOB_RESYNC:
			word = "resync";
			break;
		case JOB_DROP_TO_ASYNC:
			word = "drop to async";
			break;
		case JOB_DROP_SLOT:
			word = "drop slot";
			break;
		case JOB_SWITCHOVER:
			word = "switchover";
			break;
	}
	return pgr_asprintf("console: %s%s%s", word, w->target ? " " : "",
						w->target ? w->target : "");
}

/* The job (worker_fn): one action on the cluster file as it is now. */
static int
run(worker *wk, void *arg, pgr_error *err)
{
	action_worker *w = arg;
	char	   *what = job_description(w);

	/*
	 * The cluster file as it is now, under its lock until the job ends: the
	 * console holds the lock only while an action runs, and acts on what
	 * the file says then, not on what it said when the screen was drawn.
	 */
	cluster    *cl = cluster_load_locked(w->cluster_path, what, err);
	action_ctx	a;
	char	   *q;
	int			rc = -1;

	(void) wk;
	free(what);
	w->roles_changed = false;
	if (!cl)
		return -1;
	memset(&a, 0, sizeof(a));
	a.cl = cl;
	a.cluster_path = w->cluster_path;
	a.ssh_config = w->ssh_config;
	a.override_manager = w->override_manager;
	a.log = log_cb;
	a.log_arg = w;
	a.confirm = confirm_cb;
	a.confirm_arg = w;
	/* the copy's and pg_rewind's figures: the dashboard's gauge */
	a.progress = progress_cb;
	a.progress_arg = w;
	a.replication_password = w->replication_password;
	switch (w->job)
	{
		case JOB_PROMOTE:
			rc = run_promote(w, &a, err);
			w->roles_changed = rc == 0;
			break;
		case JOB_FOLLOW:
			q = pgr_asprintf(_("Re-point standby %s at the primary?"), w->target);
			if (confirm_cb(w, q))
				rc = action_follow(&a, w->target, NULL, err);
			else
				pgr_error_set(err, PGR_ERR_REFUSED, _("%s left as it is"), w->target);
			free(q);
			w->roles_changed = rc == 0;
			break;
		case JOB_RESYNC:
			q = pgr_asprintf(_("Re-synchronise %s from the primary (pg_rewind, else a new copy)? It is stopped meanwhile."),
							 w->target);
			if (confirm_cb(w, q))
				rc = action_resync(&a, w->target, RESYNC_AUTO, err);
			else
				pgr_error_set(err, PGR_ERR_REFUSED, _("%s left as it is"), w->target);
			free(q);
			w->roles_changed = rc == 0;
			break;
		case JOB_DROP_TO_ASYNC:
			{
				bool		needed = false;

				if (action_sync_check(&a, &needed, err) < 0)
					break;
				if (!needed)
				{
					log_cb(w, _("a synchronous standby is connected: commits do not wait, nothing to do"));
					rc = 0;
					break;
				}
				rc = action_drop_to_async(&a, err);
				break;
			}
		case JOB_DROP_SLOT:
			rc = action_drop_slot(&a, w->target, err);
			break;
		case JOB_SWITCHOVER:
			strbuf_free(&w->checks);
			strbuf_init(&w->checks);
			a.log = switchover_log_cb;
			a.confirm = switchover_confirm_cb;
			rc = action_switchover(&a, w->target, err);
			w->roles_changed = true;	/* also when it rolled back */
			break;
	}
	cluster_free(cl);
	return rc;
}

void
action_worker_init(action_worker *w)
{
	memset(w, 0, sizeof(*w));
	strbuf_init(&w->checks);
}

void
action_worker_done(action_worker *w)
{
	/*
	 * A running action is not interrupted half-way: quitting waits for it
	 * (its questions are answered no).
	 */
	worker_cancel_join(&w->w);
	worker_clear(&w->w);
	free(w->target);
	free(w->cluster_path);
	free(w->ssh_config);
	pgr_free_secret(w->replication_password);
	strbuf_free(&w->checks);
}

int
action_worker_start(action_worker *w, action_worker_job job, const char *target,
			 const char *cluster_path, const char *ssh_config)
{
	if (worker_running(&w->w))
		return -1;
	worker_clear(&w->w);
	free(w->target);
	free(w->cluster_path);
	free(w->ssh_config);
	w->job = job;
	w->target = target ? pgr_strdup(target) : NULL;
	w->cluster_path = pgr_strdup(cluster_path);
	w->ssh_config = ssh_config ? pgr_strdup(ssh_config) : NULL;
	return worker_start(&w->w, run, w);
}
