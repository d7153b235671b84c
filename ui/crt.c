/*
 * crt.c: terminal set-up and tear-down (htop's CRT, in small).
 */
#include <config.h>

#include <stdlib.h>

#include "crt.h"
#include "provide_curses.h"
#include "report.h"

static bool active;
static bool colors;

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
