/*
 * crt.c: terminal set-up and tear-down (htop's CRT, in small).
 */
#include <config.h>

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "globals.h"
#include "crt.h"
#include "i18n.h"
#include "pgconn.h"
#include "provide_curses.h"
#include "report.h"

static bool active;
static bool colors;
static bool have_ui_thread;
static pthread_t ui_thread;

/*
 * A server's notices would go to standard error, that is over the screen
 * (a server shutting down sends "WARNING: terminating connection ..." to
 * every session, the dashboard's and its actions' alike), scrolling it.
 * They are dropped while curses owns the terminal: what they announce
 * reaches the screen anyway, as the connection's error.
 */
static void
crt_drop_notice(void *arg, const char *message)
{
	(void) arg;
	(void) message;
}

static void
crt_fatal_hook(void)
{
	crt_done();
}

/* The signals that end the program, and what they did before crt_init. */
static const int end_signals[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT};
static struct sigaction saved_actions[sizeof(end_signals) / sizeof(end_signals[0])];

/*
 * The terminal back to its state (echo, line mode, the normal screen)
 * before the signal does what it would have done: a console ended by a
 * closed terminal window or a kill must not leave a shell that echoes
 * nothing.  curses' endwin() is not async-signal-safe, but neither is
 * anything else that restores the screen; ncurses' own handler for SIGINT
 * does the same (and installs none for SIGHUP).
 */
static void
crt_end_signal(int sig)
{
	if (active)
	{
		active = false;
		endwin();
	}
	for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
		if (end_signals[i] == sig)
			sigaction(sig, &saved_actions[i], NULL);
	raise(sig);
}

static void
catch_end_signals(bool on)
{
	for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
	{
		if (on)
		{
			struct sigaction sa;

			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = crt_end_signal;
			sigemptyset(&sa.sa_mask);
			sigaction(end_signals[i], &sa, &saved_actions[i]);
		}
		else
			sigaction(end_signals[i], &saved_actions[i], NULL);
	}
}

int
crt_init(bool no_color)
{
	if (active)
		return 0;
	if (initscr() == NULL)
		return -1;
	active = true;
	ui_thread = pthread_self();
	have_ui_thread = true;
	catch_end_signals(true);
	/* Restore the terminal before any fatal message is printed. */
	report_set_fatal_hook(crt_fatal_hook);
	pgconn_set_notice_handler(crt_drop_notice, NULL);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	colors = !no_color && has_colors();
	if (colors)
	{
		start_color();
		use_default_colors();
	}
	return 0;
}

void
crt_done(void)
{
	if (!active)
		return;
	active = false;
	catch_end_signals(false);
	report_set_fatal_hook(NULL);
	pgconn_set_notice_handler(NULL, NULL);
	curs_set(1);
	endwin();
}

bool
crt_active(void)
{
	return active;
}

bool
crt_has_colors(void)
{
	return colors;
}

bool
crt_on_ui_thread(void)
{
	return have_ui_thread && pthread_equal(pthread_self(), ui_thread);
}

void
crt_require_ui_thread(const char *where)
{
	/* a programming error, checked in every build: NDEBUG would hide it */
	if (active && !crt_on_ui_thread())
		report_fatal_msg(PGR_EXIT_ERROR, _("internal error: %s called off the terminal's thread"), where);
}

void
crt_block_signals(sigset_t *saved)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	for (size_t i = 0; i < sizeof(end_signals) / sizeof(end_signals[0]); i++)
		sigaddset(&set, end_signals[i]);
	pthread_sigmask(SIG_BLOCK, &set, saved);
}

void
crt_restore_signals(const sigset_t *saved)
{
	pthread_sigmask(SIG_SETMASK, saved, NULL);
}
