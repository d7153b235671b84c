/*
 * textout.c: see textout.h.
 */
#include <config.h>

#include <langinfo.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "textout.h"

/* text as wide characters (invalid sequences as '?'); malloc'd */
static wchar_t *
widen(const char *text, size_t *len)
{
	size_t		n = strlen(text);
	wchar_t    *w = pgr_malloc((n + 1) * sizeof(wchar_t));
	mbstate_t	st;
	size_t		o = 0;

	memset(&st, 0, sizeof(st));
	while (*text)
	{
		wchar_t		wc;
		size_t		r = mbrtowc(&wc, text, strlen(text), &st);

		if (r == (size_t) -1 || r == (size_t) -2 || r == 0)
		{
			/* not in this locale's encoding: one '?' per byte */
			memset(&st, 0, sizeof(st));
			w[o++] = L'?';
			text++;
			continue;
		}
		w[o++] = (wcwidth(wc) < 0) ? L'?' : wc;
		text += r;
	}
	w[o] = L'\0';
	*len = o;
	return w;
}

int
textout_put(int y, int x, int width, attr_t attr, const char *text)
{
	size_t		len;
	wchar_t    *w;
	int			used = 0;
	size_t		k = 0;

	if (width <= 0 || !text)
		return 0;
	w = widen(text, &len);
	while (k < len)
	{
		int			cw = wcwidth(w[k]);

		if (used + cw > width)
			break;
		used += cw;
		k++;
	}
	attron(attr);
	mvaddnwstr(y, x, w, (int) k);
	attroff(attr);
	free(w);
	return used;
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

int
textout_width(const char *text)
{
	size_t		len;
	wchar_t    *w = widen(text, &len);
	int			n = wcswidth(w, len);

	free(w);
	return n < 0 ? (int) len : n;
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
