/*
 * screen.c: the wizard's shared page furniture and text drawing.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crt.h"
#include "i18n.h"
#include "report.h"
#include "screen.h"
#include "strbuf.h"
#include "theme.h"

static int	cursor_y = -1;
static int	cursor_x = -1;
static screen_redraw_fn backdrop_fn;
static void *backdrop_arg;

/* The wizard's roles of the one theme (theme.h). */
attr_t
screen_attr_title(void)
{
	return theme_attr(THEME_TITLE);
}

attr_t
screen_attr_error(void)
{
	return theme_attr(THEME_ERROR);
}

attr_t
screen_attr_ok(void)
{
	return theme_attr(THEME_OK);
}

attr_t
screen_attr_focus(void)
{
	return theme_attr(THEME_FOCUS);
}

screen_event
screen_read(int extra_fd, int timeout_ms)
{
	screen_event ev = {SCREEN_EV_NONE, 0, false};
	struct pollfd pfd[2];
	int			n = 1;
	int			rc;
	wint_t		ch;

	crt_require_ui_thread("screen_read");
	/*
	 * A key may already sit in curses' own buffer (an escape sequence read
	 * in one go): poll() would not see it.
	 */
	nodelay(stdscr, TRUE);
	rc = get_wch(&ch);
	if (rc != ERR)
	{
		ev.type = SCREEN_EV_KEY;
		ev.key = ch;
		ev.is_fkey = rc == KEY_CODE_YES;
		return ev;
	}
	pfd[0].fd = STDIN_FILENO;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	if (extra_fd >= 0)
	{
		pfd[1].fd = extra_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = 2;
	}
	rc = poll(pfd, (nfds_t) n, timeout_ms);
	if (rc < 0 && errno == EINTR)
	{
		/* SIGWINCH: curses queues KEY_RESIZE; fetch it below. */
		rc = 0;
	}
	if (n == 2 && (pfd[1].revents & (POLLIN | POLLHUP)))
	{
		ev.type = SCREEN_EV_FD;
		return ev;
	}
	rc = get_wch(&ch);
	if (rc != ERR)
	{
		ev.type = SCREEN_EV_KEY;
		ev.key = ch;
		ev.is_fkey = rc == KEY_CODE_YES;
	}
	else if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
	{
		/* The terminal is gone: nobody is left to ask. */
		crt_done();
		exit(2);
	}
	return ev;
}

bool
screen_too_small(void)
{
	if (COLS >= SCREEN_MIN_COLS && LINES >= SCREEN_MIN_ROWS)
		return false;
	erase();
	{
		char	   *msg = pgr_asprintf(_("terminal too small: %dx%d, at least %dx%d needed"),
									   COLS, LINES, SCREEN_MIN_COLS, SCREEN_MIN_ROWS);
		int			nl;
		char	  **lines = textout_wrap(msg, COLS > 2 ? COLS - 2 : 1, &nl);

		for (int i = 0; i < nl && i < LINES; i++)
			textout_wput(stdscr, LINES / 2 - nl / 2 + i, 1, lines[i], COLS - 2, A_BOLD);
		textout_lines_free(lines);
		free(msg);
	}
	screen_cursor(-1, -1);
	return true;
}

void
screen_frame(const char *title, const char *counter)
{
	erase();
	attrset(screen_attr_title());
	mvhline(0, 0, ' ', COLS);
	textout_wput(stdscr, 0, 1, "pgreplica", 10, screen_attr_title());
	textout_wput(stdscr, 0, 12, title, COLS - 14 - (counter ? textout_width(counter) + 1 : 0),
			   screen_attr_title());
	if (counter)
		textout_wput(stdscr, 0, COLS - 1 - textout_width(counter), counter,
				   textout_width(counter), screen_attr_title());
	attrset(A_NORMAL);
	screen_cursor(-1, -1);
}

void
screen_keybar(const screen_key *keys, int n)
{
	keybar_draw(LINES - 1, keys, n, false);
}

void
screen_cursor(int y, int x)
{
	cursor_y = y;
	cursor_x = x;
}

void
screen_refresh(void)
{
	if (cursor_y >= 0 && cursor_y < LINES && cursor_x >= 0 && cursor_x < COLS)
	{
		move(cursor_y, cursor_x);
		curs_set(1);
	}
	else
		curs_set(0);
	refresh();
}

void
screen_set_backdrop(screen_redraw_fn fn, void *arg)
{
	backdrop_fn = fn;
	backdrop_arg = arg;
}

void
screen_draw_backdrop(void)
{
	if (screen_too_small())
		return;
	if (backdrop_fn)
		backdrop_fn(backdrop_arg);
	else
		erase();
}
