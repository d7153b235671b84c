/*
 * crt.c: terminal set-up and tear-down (htop's CRT, in small).
 */
#include <config.h>

#include <stdlib.h>

#include "crt.h"
#include "pgconn.h"
#include "provide_curses.h"
#include "report.h"

static bool active;
static bool colors;

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

int
crt_init(bool no_color)
{
	if (active)
		return 0;
	if (initscr() == NULL)
		return -1;
	active = true;
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
