/*
 * worker.h: the dashboard's actions, run off the screen's thread.
 *
 * An action (actions.h) blocks for seconds or minutes; the screen must keep
 * answering keys and showing the nodes meanwhile.  The worker thread runs
 * one action at a time on its own copy of the cluster file (loaded afresh)
 * and reports through a pipe that the dashboard's poll() loop watches: log
 * lines, questions (the thread waits for the answer on a second pipe) and
 * the end.
 */
#ifndef PGR_WORKER_H
#define PGR_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "report.h"

typedef enum worker_job {
	JOB_PROMOTE,
	JOB_FOLLOW,
	JOB_RESYNC,
	JOB_DROP_TO_ASYNC,
	JOB_DROP_SLOT
} worker_job;

typedef enum worker_msg_kind {
	WORKER_LOG,					/* text: a line of progress */
	WORKER_CONFIRM,				/* text: a yes/no question */
	WORKER_TYPED,				/* text, word: type word to say yes */
	WORKER_DONE					/* rc, err, roles_changed */
} worker_msg_kind;

typedef struct worker_msg {
	worker_msg_kind kind;
	char	   *text;
	char	   *word;
	int			rc;
	pgr_error	err;
	bool		roles_changed;
} worker_msg;

typedef struct worker {
	pthread_t	thread;
	bool		running;
	int			to_ui[2];		/* worker_msg pointers */
	int			to_worker[2];	/* answers: 'y' or 'n' */
	worker_job	job;
	char	   *target;			/* node or slot name */
	char	   *cluster_path;
	char	   *ssh_config;
} worker;

/* Pipes made; -1 (errno) if they cannot be. */
int			worker_init(worker *w);
void		worker_done(worker *w);
/* Start a job; -1 when one is running or the thread cannot start. */
int			worker_start(worker *w, worker_job job, const char *target,
						 const char *cluster_path, const char *ssh_config);
/* The descriptor to poll for messages. */
int			worker_fd(const worker *w);
/* The next message (NULL if none); the caller frees it with worker_msg_free.
 * After WORKER_DONE the thread is joined. */
worker_msg *worker_read(worker *w);
void		worker_msg_free(worker_msg *msg);
/* Answer the pending question. */
void		worker_answer(worker *w, bool yes);

#endif
