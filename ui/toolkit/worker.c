/*
 * worker.c: a job on its own thread, reporting through a pipe (worker.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crt.h"
#include "dialog.h"
#include "i18n.h"
#include "report.h"
#include "screen.h"
#include "worker.h"

static worker *current;

void
worker_set_current(worker *w)
{
	current = w;
}

static void
wake(worker *w)
{
	char		c = 1;

	/* A full pipe already holds a wake-up: nothing is lost. */
	while (write(w->pipe_fd[1], &c, 1) < 0 && errno == EINTR)
		;
}

void
worker_post(worker *w, worker_event *ev)
{
	ev->next = NULL;
	pthread_mutex_lock(&w->mu);
	if (w->tail)
		w->tail->next = ev;
	else
		w->head = ev;
	w->tail = ev;
	pthread_mutex_unlock(&w->mu);
	wake(w);
}

static void *
thread_main(void *arg)
{
	worker	   *w = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));

	w->rc = w->fn(w, w->arg, &w->err);
	ev->kind = WEV_DONE;
	ev->step = -1;
	worker_post(w, ev);
	return NULL;
}

int
worker_start(worker *w, worker_fn fn, void *arg)
{
	sigset_t	saved;
	bool		created;

	memset(w, 0, sizeof(*w));
	w->err = (pgr_error) PGR_ERROR_INIT;
	if (pipe(w->pipe_fd) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
	{
		(void) fcntl(w->pipe_fd[i], F_SETFL, O_NONBLOCK);
		(void) fcntl(w->pipe_fd[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->fn = fn;
	w->arg = arg;
	/* the terminal's signals stay with the UI thread (crt.h) */
	crt_block_signals(&saved);
	created = pthread_create(&w->thread, NULL, thread_main, w) == 0;
	crt_restore_signals(&saved);
	if (!created)
	{
		close(w->pipe_fd[0]);
		close(w->pipe_fd[1]);
		return -1;
	}
	w->started = true;
	return 0;
}

int
worker_fd(const worker *w)
{
	return w->started ? w->pipe_fd[0] : -1;
}

worker_event *
worker_take(worker *w)
{
	char		buf[256];
	worker_event *list;

	crt_require_ui_thread("worker_take");
	while (read(w->pipe_fd[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	list = w->head;
	w->head = w->tail = NULL;
	pthread_mutex_unlock(&w->mu);
	/* the asking thread waits for the answer: its facts are alive */
	for (worker_event *e = list; e; e = e->next)
		if (e->kind == WEV_QUESTION && e->text_fn)
		{
			free(e->text);
			e->text = e->text_fn(e->facts);
			e->text_fn = NULL;
			e->facts = NULL;
		}
	return list;
}

void
worker_events_free(worker_event *ev)
{
	while (ev)
	{
		worker_event *next = ev->next;

		free(ev->title);
		free(ev->text);
		free(ev->word);
		free(ev);
		ev = next;
	}
}

void
worker_join(worker *w)
{
	if (!w->started)
		return;
	pthread_join(w->thread, NULL);
	w->started = false;
	close(w->pipe_fd[0]);
	close(w->pipe_fd[1]);
	worker_events_free(w->head);
	w->head = w->tail = NULL;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
}

void
worker_clear(worker *w)
{
	pgr_error_clear(&w->err);
}

bool
worker_running(const worker *w)
{
	return w->started;
}

void
worker_cancel_join(worker *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->mu);
	w->cancelled = true;
	w->answer_yes = false;
	w->answered = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	worker_join(w);
}

/*
 * Post a question and wait for the UI thread's answer; TEXT, or FN(FACTS)
 * built on the UI thread.  false when the job was cancelled.
 */
static bool
ask(worker *w, worker_question q, const char *title, const char *text,
	const char *word, worker_text_fn fn, const void *facts)
{
	worker_event *ev;

	pthread_mutex_lock(&w->mu);
	if (w->cancelled)
	{
		w->answer_yes = false;
		pthread_mutex_unlock(&w->mu);
		return false;
	}
	w->answered = false;
	pthread_mutex_unlock(&w->mu);
	ev = pgr_calloc(1, sizeof(*ev));
	ev->kind = WEV_QUESTION;
	ev->step = -1;
	ev->question = q;
	ev->title = pgr_strdup(title);
	ev->text = text ? pgr_strdup(text) : NULL;
	ev->word = word ? pgr_strdup(word) : NULL;
	ev->text_fn = fn;
	ev->facts = facts;
	worker_post(w, ev);
	pthread_mutex_lock(&w->mu);
	while (!w->answered)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return true;
}

bool
worker_ask_yesno(worker *w, const char *title, const char *text)
{
	return ask(w, WQ_YESNO, title, text, NULL, NULL, NULL) && w->answer_yes;
}

bool
worker_ask_yesno_fn(worker *w, const char *title, worker_text_fn fn, const void *facts)
{
	return ask(w, WQ_YESNO, title, NULL, NULL, fn, facts) && w->answer_yes;
}

bool
worker_ask_typed(worker *w, const char *title, const char *text, const char *word)
{
	return ask(w, WQ_TYPED, title, text, word, NULL, NULL) && w->answer_yes;
}

char *
worker_ask_text(worker *w, const char *title, const char *prompt, bool secret)
{
	char	   *a;

	if (!ask(w, secret ? WQ_SECRET : WQ_TEXT, title, prompt, NULL, NULL, NULL))
		return NULL;
	pthread_mutex_lock(&w->mu);
	a = w->answer_text;
	w->answer_text = NULL;
	pthread_mutex_unlock(&w->mu);
	return a;
}

void
worker_answer(worker *w, bool yes, char *text)
{
	pthread_mutex_lock(&w->mu);
	if (w->cancelled)
	{
		/* the job stopped listening: an answer is dropped, a secret wiped */
		pthread_mutex_unlock(&w->mu);
		pgr_free_secret(text);
		return;
	}
	w->answer_yes = yes;
	w->answer_text = text;
	w->answered = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void
worker_handle_question(worker *w, const worker_event *ev)
{
	if (ev->question == WQ_YESNO)
		worker_answer(w, dialog_confirm(ev->title, ev->text, false), NULL);
	else if (ev->question == WQ_TYPED)
		worker_answer(w, dialog_typed(ev->title, ev->text, ev->word), NULL);
	else
	{
		char	   *a = dialog_input(ev->title, ev->text, ev->question == WQ_SECRET);

		worker_answer(w, a != NULL, a);
	}
}

int
worker_run_waiting(worker *w, worker_fn fn, void *arg, const worker_wait *ui)
{
	bool		done = false;

	worker_set_current(w);
	if (worker_start(w, fn, arg) < 0)
	{
		worker_set_current(NULL);
		pgr_error_set(&w->err, PGR_ERR_GENERIC, "%s", _("could not start a thread"));
		return -1;
	}
	while (!done)
	{
		screen_event ev;

		if (!ui->over_page)
			screen_set_backdrop(ui->draw, ui->arg);
		if (!screen_too_small())
			ui->draw(ui->arg);
		screen_refresh();
		ev = screen_read(worker_fd(w), 150);
		if (ev.type == SCREEN_EV_NONE && ui->spin)
			(*ui->spin)++;
		if (ev.type == SCREEN_EV_FD)
		{
			worker_event *list = worker_take(w);

			for (worker_event *e = list; e; e = e->next)
			{
				if (e->kind == WEV_DONE)
					done = true;
				else if (e->kind == WEV_QUESTION)
					worker_handle_question(w, e);
				else if (ui->on_event)
					ui->on_event(ui->arg, e);
			}
			worker_events_free(list);
		}
		if (ev.type == SCREEN_EV_KEY && !done && ui->on_key)
			ui->on_key(ui->key_arg, ev.key, ev.is_fkey);
	}
	worker_join(w);
	worker_set_current(NULL);
	return w->rc;
}

/* ---- the transport's questions -------------------------------------------- */

/*
 * The transport asks on whatever thread opens the session: the UI thread
 * draws the dialog itself; any other asks through the current worker; a
 * thread with no worker to speak through cannot ask, and the answer is no
 * (curses from it would corrupt the screen).
 */
static bool
on_ui_thread(void)
{
	return crt_on_ui_thread();
}

static bool
hostkey_cb(void *arg, const char *host, int port, const char *key_type,
		   const char *fingerprint)
{
	char	   *text = pgr_asprintf(_("The SSH server %s (port %d) is not known on this machine yet.\n\n"
									  "Its %s key fingerprint is:\n%s\n\n"
									  "Check it with the host's administrator. Accept it and record it in known_hosts?"),
									host, port, key_type, fingerprint);
	bool		yes;

	if (on_ui_thread())
		yes = dialog_confirm(_("Unknown SSH host key"), text, false);
	else
		yes = current && worker_ask_yesno(current, _("Unknown SSH host key"), text);
	free(text);
	return yes;
}

static char *
ask_cb(void *arg, const char *prompt, bool echo)
{
	if (on_ui_thread())
		return dialog_input(_("SSH authentication"), prompt, !echo);
	return current ? worker_ask_text(current, _("SSH authentication"), prompt, !echo) : NULL;
}

void
worker_transport_callbacks(transport_options *o)
{
	o->unknown_host = hostkey_cb;
	o->ask = ask_cb;
	o->cb_arg = NULL;
}
