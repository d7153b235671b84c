/*
 * action_worker.h: the dashboard's actions, run off the screen's thread.
 *
 * An action (actions.h) blocks for seconds or minutes; the screen must keep
 * answering keys and showing the nodes meanwhile.  The worker thread runs
 * one action at a time on its own copy of the cluster file (loaded afresh)
 * and reports through a pipe that the dashboard's poll() loop watches: log
 * lines, questions (the thread waits for the answer on a second pipe) and
 * the end.
 */
#ifndef PGR_ACTION_WORKER_H
#define PGR_ACTION_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "report.h"
#include "strbuf.h"

typedef enum action_worker_job {
	JOB_PROMOTE,
	JOB_FOLLOW,
	JOB_RESYNC,
	JOB_DROP_TO_ASYNC,
	JOB_DROP_SLOT,
	JOB_SWITCHOVER
} action_worker_job;

typedef enum action_worker_msg_kind {
	WORKER_LOG,					/* text: a line of progress */
	WORKER_CONFIRM,				/* text: a yes/no question */
	WORKER_TYPED,				/* text, word: type word to say yes */
	WORKER_PROGRESS,			/* done, total: bytes of the copy or of
								 * pg_rewind's copy */
	WORKER_DONE					/* rc, err, roles_changed */
} action_worker_msg_kind;

typedef struct action_worker_msg {
	action_worker_msg_kind kind;
	char	   *text;
	char	   *word;
	int			rc;
	pgr_error	err;
	bool		roles_changed;
	long long	done;
	long long	total;
} action_worker_msg;

typedef struct action_worker {
	pthread_t	thread;
	bool		running;
	int			to_ui[2];		/* action_worker_msg pointers */
	int			to_worker[2];	/* answers: 'y' or 'n' */
	action_worker_job	job;
	char	   *target;			/* node or slot name */
	char	   *cluster_path;
	char	   *ssh_config;
	bool		override_manager;	/* dashboard --force: act although a
									 * cluster manager runs a node */
	/* --replication-password-file's password, or NULL; a secret, wiped by
	 * action_worker_done */
	char	   *replication_password;
	strbuf		checks;			/* the switchover's pre-check lines, shown
								 * in its confirmation */
} action_worker;

/* Pipes made; -1 (errno) if they cannot be. */
int			action_worker_init(action_worker *w);
void		action_worker_done(action_worker *w);
/* Start a job; -1 when one is running or the thread cannot start. */
int			action_worker_start(action_worker *w, action_worker_job job, const char *target,
						 const char *cluster_path, const char *ssh_config);
/* The descriptor to poll for messages. */
int			action_worker_fd(const action_worker *w);
/* The next message (NULL if none); the caller frees it with action_worker_msg_free.
 * After WORKER_DONE the thread is joined. */
action_worker_msg *action_worker_read(action_worker *w);
void		action_worker_msg_free(action_worker_msg *msg);
/* Answer the pending question. */
void		action_worker_answer(action_worker *w, bool yes);

#endif
