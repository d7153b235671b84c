/*
 * hooks.c: running the cluster file's event_command (see hooks.h).
 *
 * The command runs through the local transport, as every local program
 * pgreplica starts does: an argument vector (no shell), stdin empty, a time
 * limit that kills its whole process group.  Its output is kept (the first
 * HOOK_OUTPUT_MAX bytes) only to say why it failed.
 */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "hooks.h"
#include "i18n.h"
#include "strbuf.h"
#include "transport.h"

#define HOOK_OUTPUT_MAX 2048
#define HOOK_ARGS_MAX EVENT_COMMAND_MAX_WORDS	/* cluster.c checks it */

static void
keep_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	strbuf	   *sb = arg;

	(void) stream;
	if (sb->len < HOOK_OUTPUT_MAX)
		strbuf_append_len(sb, data, len < HOOK_OUTPUT_MAX - sb->len ? len : HOOK_OUTPUT_MAX - sb->len);
}

static const char *
or_empty(const char *s)
{
	return s ? s : "";
}

int
hook_run(const cluster *c, const hook_event *ev, pgr_error *err)
{
	char	   *words;
	const char *argv[HOOK_ARGS_MAX + 6];
	char	   *env[9];
	int			argc = 0;
	transport  *t;
	transport_exec_opts eo = {0};
	strbuf		out;
	int			status = 0;
	int			rc;

	if (!c->event_command)
		return 0;

	/* its words (cluster.c checked them: blank separated, at most
	 * HOOK_ARGS_MAX, the first an absolute path), then the event's */
	words = pgr_strdup(c->event_command);
	for (char *save = NULL, *w = strtok_r(words, " \t", &save);
		 w && argc < HOOK_ARGS_MAX; w = strtok_r(NULL, " \t", &save))
		argv[argc++] = w;
	argv[argc++] = ev->event;
	argv[argc++] = or_empty(ev->node);
	argv[argc++] = or_empty(ev->old_primary);
	argv[argc++] = or_empty(ev->new_primary);
	argv[argc++] = ev->success ? "ok" : "failed";
	argv[argc] = NULL;

	env[0] = pgr_asprintf("PGREPLICA_EVENT=%s", ev->event);
	env[1] = pgr_asprintf("PGREPLICA_NODE=%s", or_empty(ev->node));
	env[2] = pgr_asprintf("PGREPLICA_OLD_PRIMARY=%s", or_empty(ev->old_primary));
	env[3] = pgr_asprintf("PGREPLICA_NEW_PRIMARY=%s", or_empty(ev->new_primary));
	env[4] = pgr_asprintf("PGREPLICA_SUCCESS=%d", ev->success ? 1 : 0);
	env[5] = pgr_asprintf("PGREPLICA_CLUSTER=%s", or_empty(c->name));
	env[6] = pgr_asprintf("PGREPLICA_CLUSTER_FILE=%s", or_empty(c->path));
	env[7] = pgr_asprintf("PGREPLICA_MESSAGE=%s", or_empty(ev->message));
	env[8] = NULL;

	strbuf_init(&out);
	eo.output = keep_output;
	eo.output_arg = &out;
	eo.env = (const char *const *) env;
	eo.timeout_ms = (int) (c->event_timeout * 1000.0);

	t = transport_local_open(NULL, err);
	rc = t ? transport_run_checked(t, argv, &eo, NULL, &status, err) : -1;
	transport_close(t);
	if (rc < 0 && status > 0)
		pgr_error_reword(err, PGR_ERR_EXEC, _("the event command %s exited with status %d"),
						 argv[0], status);
	else if (rc < 0)
		pgr_error_prefix(err, _("the event command %s: "), argv[0]);
	if (rc < 0 && out.len > 0 && !err->detail)
		pgr_error_detail(err, _("Its output: %s"), out.data);
	if (rc < 0)
		pgr_error_hint(err, _("The event (%s) itself is not affected; check event_command in the cluster file."),
					   ev->event);

	for (int i = 0; env[i]; i++)
		free(env[i]);
	free(words);
	strbuf_free(&out);
	return rc;
}

/* ---- without waiting ------------------------------------------------------- */

/* What a hook thread needs, copied: the caller's cluster may change. */
typedef struct hook_job {
	cluster		cl;				/* only event_command, event_timeout, name,
								 * path are set */
	char	   *event, *node, *old_primary, *new_primary, *message;
	bool		success;
} hook_job;

/* Failures waiting for hook_failure(): a short list under a lock. */
#define HOOK_FAILURES_MAX 16
static pthread_mutex_t failures_lock = PTHREAD_MUTEX_INITIALIZER;
static char *failures[HOOK_FAILURES_MAX];
static int	n_failures;

static char *
dup_or_null(const char *s)
{
	return s ? pgr_strdup(s) : NULL;
}

static void *
hook_thread(void *arg)
{
	hook_job   *j = arg;
	hook_event	ev = {j->event, j->node, j->old_primary, j->new_primary, j->success, j->message};
	pgr_error	err = PGR_ERROR_INIT;

	if (hook_run(&j->cl, &ev, &err) < 0)
	{
		pthread_mutex_lock(&failures_lock);
		if (n_failures < HOOK_FAILURES_MAX)
			failures[n_failures++] = pgr_strdup(err.message ? err.message : _("unknown error"));
		pthread_mutex_unlock(&failures_lock);
	}
	pgr_error_clear(&err);
	free(j->cl.event_command);
	free(j->cl.name);
	free(j->cl.path);
	free(j->event);
	free(j->node);
	free(j->old_primary);
	free(j->new_primary);
	free(j->message);
	free(j);
	return NULL;
}

void
hook_start(const cluster *c, const hook_event *ev)
{
	hook_job   *j;
	pthread_t	th;
	pthread_attr_t attr;

	if (!c->event_command)
		return;
	j = pgr_calloc(1, sizeof(hook_job));
	j->cl.event_command = pgr_strdup(c->event_command);
	j->cl.event_timeout = c->event_timeout;
	j->cl.name = dup_or_null(c->name);
	j->cl.path = dup_or_null(c->path);
	j->event = pgr_strdup(ev->event);
	j->node = dup_or_null(ev->node);
	j->old_primary = dup_or_null(ev->old_primary);
	j->new_primary = dup_or_null(ev->new_primary);
	j->message = dup_or_null(ev->message);
	j->success = ev->success;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, hook_thread, j) != 0)
	{
		/* no thread: run it here rather than lose the event */
		hook_thread(j);
	}
	pthread_attr_destroy(&attr);
}

char *
hook_failure(void)
{
	char	   *f = NULL;

	pthread_mutex_lock(&failures_lock);
	if (n_failures > 0)
	{
		f = failures[0];
		memmove(failures, failures + 1, (size_t) (n_failures - 1) * sizeof(char *));
		n_failures--;
	}
	pthread_mutex_unlock(&failures_lock);
	return f;
}
