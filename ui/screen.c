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

enum
{
	PAIR_TITLE = 1,
	PAIR_ERROR,
	PAIR_OK,
	PAIR_FOCUS,
	PAIR_KEY
};

static int	cursor_y = -1;
static int	cursor_x = -1;
static screen_redraw_fn backdrop_fn;
static void *backdrop_arg;

void
screen_init_colors(void)
{
	if (!crt_has_colors())
		return;
	init_pair(PAIR_TITLE, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_ERROR, COLOR_RED, -1);
	init_pair(PAIR_OK, COLOR_GREEN, -1);
	init_pair(PAIR_FOCUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_KEY, COLOR_BLACK, COLOR_CYAN);
}

attr_t
screen_attr_title(void)
{
	return crt_has_colors() ? COLOR_PAIR(PAIR_TITLE) | A_BOLD : A_REVERSE | A_BOLD;
}

attr_t
screen_attr_error(void)
{
	return crt_has_colors() ? COLOR_PAIR(PAIR_ERROR) | A_BOLD : A_BOLD;
}

attr_t
screen_attr_ok(void)
{
	return crt_has_colors() ? COLOR_PAIR(PAIR_OK) | A_BOLD : A_BOLD;
}

attr_t
screen_attr_focus(void)
{
	return crt_has_colors() ? COLOR_PAIR(PAIR_FOCUS) : A_REVERSE;
}

attr_t
screen_attr_key(void)
{
	return crt_has_colors() ? COLOR_PAIR(PAIR_KEY) : A_REVERSE;
}

screen_event
screen_read(int extra_fd, int timeout_ms)
{
	screen_event ev = {SCREEN_EV_NONE, 0, false};
	struct pollfd pfd[2];
	int			n = 1;
	int			rc;
	wint_t		ch;

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
		char	  **lines = screen_wrap(msg, COLS > 2 ? COLS - 2 : 1, &nl);

		for (int i = 0; i < nl && i < LINES; i++)
			screen_put(stdscr, LINES / 2 - nl / 2 + i, 1, lines[i], COLS - 2, A_BOLD);
		screen_lines_free(lines);
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
	screen_put(stdscr, 0, 1, "pgreplica", 10, screen_attr_title());
	screen_put(stdscr, 0, 12, title, COLS - 14 - (counter ? screen_width(counter) + 1 : 0),
			   screen_attr_title());
	if (counter)
		screen_put(stdscr, 0, COLS - 1 - screen_width(counter), counter,
				   screen_width(counter), screen_attr_title());
	attrset(A_NORMAL);
	screen_cursor(-1, -1);
}

void
screen_keybar(const screen_key *keys, int n)
{
	int			x = 0;
	int			y = LINES - 1;

	move(y, 0);
	clrtoeol();
	for (int i = 0; i < n && x < COLS; i++)
	{
		x += screen_put(stdscr, y, x, keys[i].key, COLS - x, A_BOLD);
		if (x >= COLS)
			break;
		x += screen_put(stdscr, y, x, keys[i].label, COLS - x, screen_attr_key());
		x += 1;
	}
}

/* One wide character's columns; unprintable ones count as one ('?'). */
static int
wc_cols(wchar_t wc)
{
	int			w = wcwidth(wc);

	return w < 0 ? 1 : w;
}

int
screen_put(WINDOW *w, int y, int x, const char *s, int width, attr_t attr)
{
	mbstate_t	st;
	const char *p = s;
	size_t		left = s ? strlen(s) : 0;
	int			used = 0;

	if (!s || width <= 0 || y < 0 || x < 0)
		return 0;
	memset(&st, 0, sizeof(st));
	wmove(w, y, x);
	while (left > 0)
	{
		wchar_t		wc;
		size_t		n = mbrtowc(&wc, p, left, &st);
		int			cw;

		if (n == (size_t) -1 || n == (size_t) -2)
		{
			/* Not in the locale's encoding: show a '?' and move on a byte. */
			memset(&st, 0, sizeof(st));
			wc = L'?';
			n = 1;
		}
		else if (n == 0)
			break;
		if (wc == L'\t')
			wc = L' ';
		else if (wcwidth(wc) < 0)
			wc = L'?';
		cw = wc_cols(wc);
		if (used + cw > width)
			break;
		{
			cchar_t		cc;
			wchar_t		str[2] = {wc, L'\0'};

			setcchar(&cc, str, attr & ~A_COLOR, (short) PAIR_NUMBER(attr), NULL);
			wadd_wch(w, &cc);
		}
		used += cw;
		p += n;
		left -= n;
	}
	return used;
}

int
screen_width(const char *s)
{
	mbstate_t	st;
	size_t		left = s ? strlen(s) : 0;
	int			used = 0;

	memset(&st, 0, sizeof(st));
	while (left > 0)
	{
		wchar_t		wc;
		size_t		n = mbrtowc(&wc, s, left, &st);

		if (n == (size_t) -1 || n == (size_t) -2)
		{
			memset(&st, 0, sizeof(st));
			n = 1;
			wc = L'?';
		}
		else if (n == 0)
			break;
		used += wc_cols(wc);
		s += n;
		left -= n;
	}
	return used;
}

/* Byte length of the longest prefix of S (no newline in it) that fits. */
static size_t
fit_bytes(const char *s, size_t len, int width, size_t *last_space)
{
	mbstate_t	st;
	size_t		off = 0;
	int			used = 0;

	*last_space = 0;
	memset(&st, 0, sizeof(st));
	while (off < len)
	{
		wchar_t		wc;
		size_t		n = mbrtowc(&wc, s + off, len - off, &st);

		if (n == (size_t) -1 || n == (size_t) -2)
		{
			memset(&st, 0, sizeof(st));
			n = 1;
			wc = L'?';
		}
		else if (n == 0)
			break;
		if (used + wc_cols(wc) > width)
			break;
		used += wc_cols(wc);
		if (wc == L' ')
			*last_space = off;
		off += n;
	}
	return off;
}

char **
screen_wrap(const char *text, int width, int *n_lines)
{
	char	  **out = NULL;
	int			n = 0;
	int			cap = 0;
	const char *p = text ? text : "";

	if (width < 1)
		width = 1;
	for (;;)
	{
		size_t		len = strcspn(p, "\n");
		const char *end = p + len;

		/* one source line, cut into pieces that fit */
		do
		{
			size_t		space;
			size_t		take = fit_bytes(p, (size_t) (end - p), width, &space);
			size_t		next;

			if (take < (size_t) (end - p) && space > 0)
			{
				take = space;
				next = space + 1;
			}
			else
			{
				if (take == 0 && p < end)
					take = 1;	/* a character wider than the width */
				next = take;
			}
			if (n + 2 > cap)
			{
				cap = cap ? cap * 2 : 16;
				out = pgr_realloc(out, (size_t) cap * sizeof(char *));
			}
			out[n++] = pgr_strndup(p, take);
			p += next;
		} while (p < end);
		if (*end == '\0')
			break;
		p = end + 1;
	}
	if (!out)
		out = pgr_calloc(1, sizeof(char *));
	out[n] = NULL;
	*n_lines = n;
	return out;
}

void
screen_lines_free(char **lines)
{
	if (!lines)
		return;
	for (char **l = lines; *l; l++)
		free(*l);
	free(lines);
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
