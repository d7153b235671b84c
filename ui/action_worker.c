/*
 * action_worker.c: see worker.h.  No curses here: the thread only talks through
 * its pipes.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actions.h"
#include "cluster.h"
#include "i18n.h"
#include "action_worker.h"

static void
post(action_worker *w, action_worker_msg *msg)
{
	ssize_t		r;

	do
		r = write(w->to_ui[1], &msg, sizeof(msg));
	while (r < 0 && errno == EINTR);
}

static void
post_text(action_worker *w, action_worker_msg_kind kind, const char *text, const char *word)
{
	action_worker_msg *msg = pgr_calloc(1, sizeof(*msg));

	msg->kind = kind;
	msg->text = pgr_strdup(text);
	msg->word = word ? pgr_strdup(word) : NULL;
	post(w, msg);
}

static bool
wait_answer(action_worker *w)
{
	char		c = 'n';
	ssize_t		r;

	do
		r = read(w->to_worker[0], &c, 1);
	while (r < 0 && errno == EINTR);
	return r == 1 && c == 'y';
}

static void
log_cb(void *arg, const char *line)
{
	post_text(arg, WORKER_LOG, line, NULL);
}

static void
progress_cb(void *arg, long long done, long long total)
{
	action_worker_msg *msg = pgr_calloc(1, sizeof(*msg));

	msg->kind = WORKER_PROGRESS;
	msg->done = done;
	msg->total = total;
	post(arg, msg);
}

static bool
confirm_cb(void *arg, const char *question)
{
	post_text(arg, WORKER_CONFIRM, question, NULL);
	return wait_answer(arg);
}

static bool
typed_cb(action_worker *w, const char *question, const char *word)
{
	post_text(w, WORKER_TYPED, question, word);
	return wait_answer(w);
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
	post_text(w, WORKER_LOG, line, NULL);
}

static bool
switchover_confirm_cb(void *arg, const char *question)
{
	action_worker *w = arg;
	/* the question first: a long list is cut at the dialog's bottom */
	char	   *panel = pgr_asprintf("%s\n\n%s", question, w->checks.data ? w->checks.data : "");
	bool		yes = confirm_cb(w, panel);

	free(panel);
	return yes;
}

/* P: the pre-check panel, then fencing or the typed confirmation. */
static int
run_promote(action_worker *w, action_ctx *a, pgr_error *err)
{
	promote_check pc;
	char	   *panel;
	char	   *missing;
	bool		fence = false;
	int			rc;

	memset(&pc, 0, sizeof(pc));
	if (action_promote_check(a, w->target, &pc, err) < 0)
		return -1;
	missing = pc.bytes_not_received < 0 ? pgr_strdup(_("unknown"))
		: pgr_asprintf("%lld", pc.bytes_not_received);
	panel = pgr_asprintf(_("Promote %s.\n%s answers: %s; it is a standby: %s.\nPrimary %s answers: %s; accepts writes: %s.\nWAL bytes not received from the primary: %s.\n\nPromote %s?"),
						 w->target, w->target,
						 pc.node_answers ? _("yes") : _("no"),
						 pc.node_is_standby ? _("yes") : _("no"),
						 pc.primary_name ? pc.primary_name : "-",
						 pc.primary_answers ? _("yes") : _("no"),
						 pc.primary_writable ? _("yes") : _("no"),
						 missing, w->target);
	free(missing);
	if (!confirm_cb(w, panel))
	{
		free(panel);
		promote_check_clear(&pc);
		return pgr_error_set(err, PGR_ERR_REFUSED, _("%s not promoted"), w->target);
	}
	free(panel);
	if (pc.primary_writable)
	{
		char	   *q = pgr_asprintf(_("Primary %s still accepts writes. Stop it first (fencing), so that only one node takes writes?"),
									 pc.primary_name ? pc.primary_name : "?");

		fence = confirm_cb(w, q);
		free(q);
		if (!fence)
		{
			q = pgr_asprintf(_("Without fencing, two nodes will accept writes (split brain). To promote %s anyway, type its name."),
							 w->target);
			a->force = typed_cb(w, q, w->target);
			free(q);
			if (!a->force)
			{
				promote_check_clear(&pc);
				return pgr_error_set(err, PGR_ERR_REFUSED, _("%s not promoted"), w->target);
			}
		}
	}
	promote_check_clear(&pc);
	rc = action_promote(a, w->target, fence, err);
	return rc;
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

static void *
run(void *arg)
{
	action_worker	   *w = arg;
	action_worker_msg *done = pgr_calloc(1, sizeof(*done));
	pgr_error  *err = &done->err;
	char	   *what = job_description(w);

	/*
	 * The cluster file as it is now, under its lock until the job ends: the
	 * console holds the lock only while an action runs, and acts on what
	 * the file says then, not on what it said when the screen was drawn.
	 */
	cluster    *cl = cluster_load_locked(w->cluster_path, what, err);
	action_ctx	a;
	char	   *q;

	free(what);

	done->kind = WORKER_DONE;
	done->rc = -1;
	if (!cl)
		goto out;
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
			done->rc = run_promote(w, &a, err);
			done->roles_changed = done->rc == 0;
			break;
		case JOB_FOLLOW:
			q = pgr_asprintf(_("Re-point standby %s at the primary?"), w->target);
			if (confirm_cb(w, q))
				done->rc = action_follow(&a, w->target, NULL, err);
			else
				pgr_error_set(err, PGR_ERR_REFUSED, _("%s left as it is"), w->target);
			free(q);
			done->roles_changed = done->rc == 0;
			break;
		case JOB_RESYNC:
			q = pgr_asprintf(_("Re-synchronise %s from the primary (pg_rewind, else a new copy)? It is stopped meanwhile."),
							 w->target);
			if (confirm_cb(w, q))
				done->rc = action_resync(&a, w->target, RESYNC_AUTO, err);
			else
				pgr_error_set(err, PGR_ERR_REFUSED, _("%s left as it is"), w->target);
			free(q);
			done->roles_changed = done->rc == 0;
			break;
		case JOB_DROP_TO_ASYNC:
			{
				bool		needed = false;

				if (action_sync_check(&a, &needed, err) < 0)
					break;
				if (!needed)
				{
					log_cb(w, _("a synchronous standby is connected: commits do not wait, nothing to do"));
					done->rc = 0;
					break;
				}
				done->rc = action_drop_to_async(&a, err);
				break;
			}
		case JOB_DROP_SLOT:
			done->rc = action_drop_slot(&a, w->target, err);
			break;
		case JOB_SWITCHOVER:
			strbuf_free(&w->checks);
			strbuf_init(&w->checks);
			a.log = switchover_log_cb;
			a.confirm = switchover_confirm_cb;
			done->rc = action_switchover(&a, w->target, err);
			done->roles_changed = true;	/* also when it rolled back */
			break;
	}
out:
	cluster_free(cl);
	post(w, done);
	return NULL;
}

int
action_worker_init(action_worker *w)
{
	memset(w, 0, sizeof(*w));
	strbuf_init(&w->checks);
	if (pipe(w->to_ui) < 0)
		return -1;
	if (pipe(w->to_worker) < 0)
	{
		close(w->to_ui[0]);
		close(w->to_ui[1]);
		return -1;
	}
	fcntl(w->to_ui[0], F_SETFD, FD_CLOEXEC);
	fcntl(w->to_ui[1], F_SETFD, FD_CLOEXEC);
	fcntl(w->to_worker[0], F_SETFD, FD_CLOEXEC);
	fcntl(w->to_worker[1], F_SETFD, FD_CLOEXEC);
	/* the screen never waits on its side of the pipe */
	fcntl(w->to_ui[0], F_SETFL, O_NONBLOCK);
	return 0;
}

void
action_worker_done(action_worker *w)
{
	/*
	 * A running action is not interrupted half-way: quitting waits for it
	 * (a pending question is answered no).
	 */
	if (w->running)
	{
		action_worker_answer(w, false);
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	for (;;)
	{
		action_worker_msg *m = action_worker_read(w);

		if (!m)
			break;
		action_worker_msg_free(m);
	}
	close(w->to_ui[0]);
	close(w->to_ui[1]);
	close(w->to_worker[0]);
	close(w->to_worker[1]);
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
	if (w->running)
		return -1;
	free(w->target);
	free(w->cluster_path);
	free(w->ssh_config);
	w->job = job;
	w->target = target ? pgr_strdup(target) : NULL;
	w->cluster_path = pgr_strdup(cluster_path);
	w->ssh_config = ssh_config ? pgr_strdup(ssh_config) : NULL;
	if (pthread_create(&w->thread, NULL, run, w) != 0)
		return -1;
	w->running = true;
	return 0;
}

int
action_worker_fd(const action_worker *w)
{
	return w->to_ui[0];
}

action_worker_msg *
action_worker_read(action_worker *w)
{
	action_worker_msg *msg = NULL;
	ssize_t		r = read(w->to_ui[0], &msg, sizeof(msg));

	if (r != (ssize_t) sizeof(msg))
		return NULL;
	if (msg->kind == WORKER_DONE && w->running)
	{
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	return msg;
}

void
action_worker_msg_free(action_worker_msg *msg)
{
	if (!msg)
		return;
	free(msg->text);
	free(msg->word);
	pgr_error_clear(&msg->err);
	free(msg);
}

void
action_worker_answer(action_worker *w, bool yes)
{
	char		c = yes ? 'y' : 'n';
	ssize_t		r;

	do
		r = write(w->to_worker[1], &c, 1);
	while (r < 0 && errno == EINTR);
}
