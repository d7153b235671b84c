/*
 * worker.h: long engine calls (inspecting and applying the plan) run on a
 * thread of their own and report through a pipe that the page's poll()
 * loop watches next to the terminal, so the screen never freezes.  Only
 * the UI thread touches curses: a question the engine asks on the worker
 * thread (an SSH host key, a password) is posted as an event, answered
 * with a dialog on the UI thread, and the worker waits for the answer.
 */
#ifndef PGR_UI_WORKER_H
#define PGR_UI_WORKER_H

#include <pthread.h>
#include <stdbool.h>

#include "report.h"
#include "transport.h"

typedef enum worker_event_kind {
	WEV_LOG,					/* text: a progress line of step `step` */
	WEV_PROGRESS,				/* done / total bytes of step `step` */
	WEV_QUESTION,				/* answer it with worker_answer() */
	WEV_DONE					/* the job ended: worker_join() */
} worker_event_kind;

typedef enum worker_question {
	WQ_YESNO,					/* default No */
	WQ_TEXT,
	WQ_SECRET
} worker_question;

typedef struct worker_event {
	worker_event_kind kind;
	int			step;			/* index in the plan, -1: none */
	int			status;			/* step_status when logged */
	char	   *title;			/* QUESTION */
	char	   *text;
	worker_question question;
	long long	done,
				total;
	struct worker_event *next;
} worker_event;

typedef struct worker worker;
typedef int (*worker_fn) (worker *w, void *arg, pgr_error *err);

struct worker {
	pthread_t	thread;
	bool		started;
	int			pipe_fd[2];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	worker_event *head,
			   *tail;
	bool		answered;
	bool		answer_yes;
	char	   *answer_text;
	worker_fn	fn;
	void	   *arg;
	int			rc;
	pgr_error	err;
};

int			worker_start(worker *w, worker_fn fn, void *arg);
/* The descriptor to poll for events. */
int			worker_fd(const worker *w);
/* Every pending event, oldest first (free with worker_events_free). */
worker_event *worker_take(worker *w);
void		worker_events_free(worker_event *ev);
/* After WEV_DONE: wait for the thread; its result and error are in w. */
void		worker_join(worker *w);
void		worker_clear(worker *w);

/* Worker thread side. */
void		worker_post(worker *w, worker_event *ev);
bool		worker_ask_yesno(worker *w, const char *title, const char *text);
char	   *worker_ask_text(worker *w, const char *title, const char *prompt, bool secret);
/* UI side: the answer to the last WEV_QUESTION (TEXT malloc'd or NULL). */
void		worker_answer(worker *w, bool yes, char *text);
/* UI side: show the question's dialog and answer it. */
void		worker_handle_question(worker *w, const worker_event *ev);

/*
 * The SSH questions (unknown host key, password) as dialogs, on whatever
 * thread the transport asks them: directly on the UI thread, through the
 * worker set with worker_set_current() on a worker's.
 */
void		worker_transport_callbacks(transport_options *o);
void		worker_set_current(worker *w);
/* Call once on the UI thread before anything else here. */
void		worker_init_ui_thread(void);

#endif
