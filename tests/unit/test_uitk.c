/*
 * test_uitk.c: the UI toolkit's parts that need no terminal: the one job
 * worker (ui/toolkit/worker.c: events, questions whose text is built on the
 * asking screen's thread, cancelling on quit), curses refused off the UI
 * thread (ui/toolkit/crt.c), and the one text module's
 * wrapping (ui/toolkit/textout.c: columns, not bytes; no break at a no-break
 * space).
 */
#include <config.h>

#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "crt.h"
#include "textout.h"
#include "worker.h"

/* ---- the worker ------------------------------------------------------------ */

typedef struct facts {
	const char *node;
	pthread_t	built_on;		/* the thread that built the text */
	int			n_built;
} facts;

static char *
build_text(const void *arg)
{
	facts	   *f = (facts *) arg;

	f->built_on = pthread_self();
	f->n_built++;
	return pgr_asprintf("Promote %s?", f->node);
}

typedef struct job {
	facts		f;
	int			n_asked;
	bool		answers[3];
} job;

/* Logs a line, then asks three questions; returns how many were yes. */
static int
job_run(worker *w, void *arg, pgr_error *err)
{
	job		   *j = arg;
	worker_event *ev = pgr_calloc(1, sizeof(*ev));
	int			yes = 0;

	(void) err;
	ev->kind = WEV_LOG;
	ev->step = -1;
	ev->text = pgr_strdup("checking pg2");
	worker_post(w, ev);
	j->answers[0] = worker_ask_yesno_fn(w, "Confirm", build_text, &j->f);
	j->answers[1] = worker_ask_typed(w, "Confirm", "type its name", "pg2");
	j->answers[2] = worker_ask_yesno(w, "Confirm", "and again?");
	for (int i = 0; i < 3; i++)
		yes += j->answers[i];
	return yes;
}

/* The next batch of events, waiting for the pipe (generous ceiling). */
static worker_event *
wait_events(worker *w)
{
	struct pollfd p = {worker_fd(w), POLLIN, 0};

	assert_true(poll(&p, 1, 60000) == 1);
	return worker_take(w);
}

static void
test_worker_questions(void **state)
{
	job			j;
	worker		w;
	int			questions = 0;
	bool		done = false;
	bool		logged = false;

	(void) state;
	memset(&j, 0, sizeof(j));
	j.f.node = "pg2";
	assert_int_equal(worker_start(&w, job_run, &j), 0);
	assert_true(worker_running(&w));
	while (!done)
	{
		worker_event *list = wait_events(&w);

		for (worker_event *e = list; e; e = e->next)
			switch (e->kind)
			{
				case WEV_LOG:
					assert_string_equal(e->text, "checking pg2");
					logged = true;
					break;
				case WEV_QUESTION:
					questions++;
					if (questions == 1)
					{
						/* built here, by worker_take, not on the job's thread */
						assert_int_equal(e->question, WQ_YESNO);
						assert_string_equal(e->text, "Promote pg2?");
						assert_int_equal(j.f.n_built, 1);
						assert_true(pthread_equal(j.f.built_on, pthread_self()));
						worker_answer(&w, true, NULL);
					}
					else if (questions == 2)
					{
						assert_int_equal(e->question, WQ_TYPED);
						assert_string_equal(e->word, "pg2");
						worker_answer(&w, false, NULL);
					}
					else
						worker_answer(&w, true, NULL);
					break;
				case WEV_PROGRESS:
					fail_msg("no progress was posted");
					break;
				case WEV_DONE:
					done = true;
					break;
			}
		worker_events_free(list);
	}
	worker_join(&w);
	assert_false(worker_running(&w));
	assert_true(logged);
	assert_int_equal(questions, 3);
	assert_int_equal(w.rc, 2);
	assert_true(j.answers[0]);
	assert_false(j.answers[1]);
	assert_true(j.answers[2]);
	worker_clear(&w);
}

/*
 * Quitting while the job waits for an answer: the pending question and
 * every later one are answered no, and the job is waited for.
 */
static void
test_worker_cancel(void **state)
{
	job			j;
	worker		w;
	bool		asked = false;

	(void) state;
	memset(&j, 0, sizeof(j));
	j.f.node = "pg2";
	assert_int_equal(worker_start(&w, job_run, &j), 0);
	while (!asked)
	{
		worker_event *list = wait_events(&w);

		for (worker_event *e = list; e; e = e->next)
			if (e->kind == WEV_QUESTION)
				asked = true;
		worker_events_free(list);
	}
	worker_cancel_join(&w);
	assert_false(worker_running(&w));
	assert_int_equal(w.rc, 0);
	assert_false(j.answers[0]);
	assert_false(j.answers[1]);
	assert_false(j.answers[2]);
	worker_clear(&w);
}

/* ---- curses from the UI thread only ---------------------------------------- */

static void *
draw_from_thread(void *arg)
{
	(void) arg;
	textout_put(0, 0, 10, A_NORMAL, "off");
	return NULL;
}

/*
 * In a child with curses started on a throw-away terminal: draw from the
 * UI thread, or from another one.  Returns the child's exit status and
 * what it wrote on standard error.
 */
static int
run_child(bool off_thread, char *errbuf, size_t errlen)
{
	int			errpipe[2];
	pid_t		pid;
	int			st;
	ssize_t		n;

	assert_int_equal(pipe(errpipe), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
	{
		int			null = open("/dev/null", O_RDWR);
		pthread_t	t;

		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(errpipe[1], STDERR_FILENO);
		setenv("TERM", "xterm", 1);
		if (crt_init(true) < 0)
			_exit(77);
		textout_put(0, 0, 10, A_NORMAL, "on");
		if (off_thread)
		{
			pthread_create(&t, NULL, draw_from_thread, NULL);
			pthread_join(t, NULL);
		}
		crt_done();
		_exit(0);
	}
	close(errpipe[1]);
	n = read(errpipe[0], errbuf, errlen - 1);
	errbuf[n > 0 ? n : 0] = '\0';
	close(errpipe[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_curses_off_thread(void **state)
{
	char		err[512];
	int			rc;

	(void) state;
	rc = run_child(false, err, sizeof(err));
	if (rc == 77)
		skip();					/* no terminfo for xterm */
	assert_int_equal(rc, 0);
	assert_string_equal(err, "");
	/* the same call from another thread ends the program, terminal restored */
	assert_int_equal(run_child(true, err, sizeof(err)), 2);
	assert_non_null(strstr(err, "textout_wput called off the terminal's thread"));
}

/* ---- wrapping ---------------------------------------------------------------- */

static void
test_wrap_columns(void **state)
{
	int			n;
	char	  **l;

	(void) state;
	/* "é" is two bytes and one column: four of them fit in four columns */
	l = textout_wrap("éééé éé", 4, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "éééé");
	assert_string_equal(l[1], "éé");
	textout_lines_free(l);
	/* "中" is two columns */
	assert_int_equal(textout_width("中文"), 4);
	l = textout_wrap("中文中", 4, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "中文");
	textout_lines_free(l);
	/* newlines are kept, an empty line too */
	l = textout_wrap("a\n\nb", 10, &n);
	assert_int_equal(n, 3);
	assert_string_equal(l[1], "");
	assert_null(l[3]);
	textout_lines_free(l);
}

/* French puts a no-break space before "?": the "?" never starts a line. */
static void
test_wrap_nbsp(void **state)
{
	int			n;
	char	  **l;

	(void) state;
	l = textout_wrap("promouvoir le serveur\u00a0?", 22, &n);
	assert_int_equal(n, 2);
	assert_string_equal(l[0], "promouvoir le");
	assert_string_equal(l[1], "serveur\u00a0?");
	textout_lines_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worker_questions),
		cmocka_unit_test(test_worker_cancel),
		cmocka_unit_test(test_curses_off_thread),
		cmocka_unit_test(test_wrap_columns),
		cmocka_unit_test(test_wrap_nbsp),
	};

	if (!setlocale(LC_ALL, "C.UTF-8"))
	{
		print_message("no C.UTF-8 locale\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
