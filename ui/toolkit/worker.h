/*
 * worker.h: the one job worker of the console.  Long engine calls (the
 * wizard's inspection and apply, its node test, the dashboard's actions)
 * run on a thread of their own and report through a pipe that the screen's
 * poll() loop watches next to the terminal, so the screen never freezes.
 * Only the UI thread touches curses (crt.h checks it): a question the
 * engine asks on the worker thread (an SSH host key, a password, "promote
 * pg2?") is posted as an event, answered with a dialog on the UI thread,
 * and the worker waits for the answer.  A question's text may be built by
 * a function that worker_take() calls on the UI thread, from facts the
 * waiting worker keeps alive.
 */
#ifndef PGR_UI_WORKER_H
#define PGR_UI_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <wchar.h>

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
	WQ_TYPED,					/* yes only when `word` is typed */
	WQ_TEXT,
	WQ_SECRET
} worker_question;

/* Builds a question's text on the UI thread (malloc'd). */
typedef char *(*worker_text_fn) (const void *facts);

typedef struct worker_event {
	worker_event_kind kind;
	int			step;			/* index in the plan, -1: none */
	int			status;			/* step_status when logged */
	char	   *title;			/* QUESTION */
	char	   *text;
	char	   *word;			/* WQ_TYPED */
	worker_text_fn text_fn;		/* QUESTION: text built by worker_take */
	const void *facts;
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
	bool		cancelled;		/* every further question answered no */
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
/* UI side: every pending event, oldest first (free with
 * worker_events_free); questions' texts built here. */
worker_event *worker_take(worker *w);
void		worker_events_free(worker_event *ev);
/* After WEV_DONE: wait for the thread; its result and error are in w. */
void		worker_join(worker *w);
void		worker_clear(worker *w);
/* UI side: a job is on its thread (worker_join not called yet). */
bool		worker_running(const worker *w);
/*
 * UI side, on quitting: the pending question and every later one are
 * answered no, then the thread is waited for (an action is not cut off
 * half-way).
 */
void		worker_cancel_join(worker *w);

/* Worker thread side. */
void		worker_post(worker *w, worker_event *ev);
bool		worker_ask_yesno(worker *w, const char *title, const char *text);
char	   *worker_ask_text(worker *w, const char *title, const char *prompt, bool secret);
/* Yes only when the operator types WORD. */
bool		worker_ask_typed(worker *w, const char *title, const char *text, const char *word);
/* A yes/no question whose text FN builds from FACTS on the UI thread. */
bool		worker_ask_yesno_fn(worker *w, const char *title, worker_text_fn fn, const void *facts);
/* UI side: the answer to the last WEV_QUESTION (TEXT malloc'd or NULL). */
void		worker_answer(worker *w, bool yes, char *text);
/* UI side: show the question's dialog and answer it. */
void		worker_handle_question(worker *w, const worker_event *ev);

/*
 * UI side, for the wizard's pages: what the screen does while a job runs.
 * Keys do not stop a job: it ends by itself within its time-outs.
 */
typedef struct worker_wait {
	void		(*draw) (void *arg);	/* the page (also the dialogs' backdrop) */
	void	   *arg;
	bool		over_page;		/* draw adds a line over the page's own
								 * backdrop (and draws that first) */
	int		   *spin;			/* counted up every 150 ms without news */
	/* events other than questions and the end: WEV_LOG, WEV_PROGRESS */
	void		(*on_event) (void *arg, const worker_event *ev);
	/* a key while the job runs (NULL: keys only redraw) */
	void		(*on_key) (void *key_arg, wint_t key, bool is_fkey);
	void	   *key_arg;
} worker_wait;

/*
 * Run FN(ARG) on W and wait for its end with the page drawn and its
 * questions answered with dialogs; returns the job's result (its error in
 * W->err, worker_clear), -1 with W->err set when the thread cannot start.
 * The transport's questions go through W meanwhile.
 */
int			worker_run_waiting(worker *w, worker_fn fn, void *arg, const worker_wait *ui);

/*
 * The SSH questions (unknown host key, password) as dialogs, on whatever
 * thread the transport asks them: directly on the UI thread, through the
 * worker set with worker_set_current() on a worker's.
 */
void		worker_transport_callbacks(transport_options *o);
void		worker_set_current(worker *w);

#endif
