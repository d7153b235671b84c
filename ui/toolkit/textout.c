/*
 * textout.c: see textout.h; the console's one module for text on the
 * terminal (width, cutting, wrapping), the wizard's and the dashboard's.
 */
#include <config.h>

#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "crt.h"
#include "textout.h"

/* One wide character's columns; unprintable ones count as one ('?'). */
static int
wc_cols(wchar_t wc)
{
	int			w = wcwidth(wc);

	return w < 0 ? 1 : w;
}

int
textout_wput(WINDOW *w, int y, int x, const char *s, int width, attr_t attr)
{
	mbstate_t	st;
	const char *p = s;
	size_t		left = s ? strlen(s) : 0;
	int			used = 0;

	crt_require_ui_thread("textout_wput");
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
textout_width(const char *s)
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
	/* a blank right after what fits is the best place to break */
	if (off < len && s[off] == ' ')
		*last_space = off;
	return off;
}

char **
textout_wrap(const char *text, int width, int *n_lines)
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
textout_lines_free(char **lines)
{
	if (!lines)
		return;
	for (char **l = lines; *l; l++)
		free(*l);
	free(lines);
}

int
textout_put(int y, int x, int width, attr_t attr, const char *text)
{
	return textout_wput(stdscr, y, x, text, width, attr);
}

void
textout_fill(int y, int x, int width, attr_t attr, const char *fmt,...)
{
	va_list		ap;
	char	   *s;
	int			used;

	va_start(ap, fmt);
	s = pgr_vasprintf(fmt, ap);
	va_end(ap);
	used = textout_put(y, x, width, attr, s);
	attron(attr);
	for (int i = used; i < width; i++)
		mvaddch(y, x + i, ' ');
	attroff(attr);
	free(s);
}

void
textout_cell(strbuf *sb, const char *text, int width, bool right)
{
	mbstate_t	st;
	const char *p = text ? text : "";
	const char *end = p;
	int			used = 0;

	/* how much of it fits: whole characters, by their display width */
	memset(&st, 0, sizeof(st));
	while (*end)
	{
		wchar_t		wc;
		size_t		r = mbrtowc(&wc, end, strlen(end), &st);
		int			w;

		if (r == (size_t) -1 || r == (size_t) -2 || r == 0)
		{
			memset(&st, 0, sizeof(st));
			r = 1;				/* shown as '?' by textout_put: one column */
			w = 1;
		}
		else
			w = wcwidth(wc) < 0 ? 1 : wcwidth(wc);
		if (used + w > width)
			break;
		used += w;
		end += r;
	}
	if (right)
		for (int i = used; i < width; i++)
			strbuf_append_char(sb, ' ');
	strbuf_append_len(sb, p, (size_t) (end - p));
	if (!right)
		for (int i = used; i < width; i++)
			strbuf_append_char(sb, ' ');
}

bool
textout_unicode(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && strcmp(cs, "UTF-8") == 0;
}
