/*
 * action_worker.h: the dashboard's actions as jobs of the one worker
 * (worker.h), run off the screen's thread.
 *
 * An action (actions.h) blocks for seconds or minutes; the screen must keep
 * answering keys and showing the nodes meanwhile.  The job runs one action
 * at a time on its own copy of the cluster file (loaded afresh) and reports
 * through the worker's events: log lines, questions (the job waits for the
 * answer) and the end (the result and error in w.rc, w.err).
 */
#ifndef PGR_ACTION_WORKER_H
#define PGR_ACTION_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "report.h"
#include "strbuf.h"
#include "worker.h"

typedef enum action_worker_job {
	JOB_PROMOTE,
	JOB_FOLLOW,
	JOB_RESYNC,
	JOB_DROP_TO_ASYNC,
	JOB_DROP_SLOT,
	JOB_SWITCHOVER
} action_worker_job;

typedef struct action_worker {
	worker		w;				/* the one job worker (worker.h) */
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
	bool		roles_changed;	/* after WEV_DONE: read the cluster file again */
} action_worker;

void		action_worker_init(action_worker *w);
/* Waits for a running job (its questions answered no), frees the rest. */
void		action_worker_done(action_worker *w);
/* Start a job; -1 when one is running or the thread cannot start. */
int			action_worker_start(action_worker *w, action_worker_job job, const char *target,
						 const char *cluster_path, const char *ssh_config);

#endif
