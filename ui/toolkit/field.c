/*
 * field.c: a one-line text input on ncurses' wide-character API.
 */
#include <config.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "field.h"
#include "report.h"
#include "screen.h"

#define FIELD_DEFAULT_MAX 1024

static int
wc_cols(wchar_t wc)
{
	int			w = wcwidth(wc);

	return w < 0 ? 1 : w;
}

static void
reserve(field *f, int n)
{
	if (n + 1 <= f->cap)
		return;
	{
		int			cap = f->cap ? f->cap : 32;
		wchar_t    *nb;

		while (cap < n + 1)
			cap *= 2;
		nb = pgr_calloc((size_t) cap, sizeof(wchar_t));
		if (f->buf)
		{
			memcpy(nb, f->buf, (size_t) f->len * sizeof(wchar_t));
			/* A secret must not stay behind in freed memory. */
			pgr_wipe(f->buf, (size_t) f->cap * sizeof(wchar_t));
			free(f->buf);
		}
		f->buf = nb;
		f->cap = cap;
	}
}

void
field_init(field *f, const char *text, bool secret)
{
	memset(f, 0, sizeof(*f));
	f->secret = secret;
	reserve(f, 32);
	field_set(f, text);
}

void
field_free(field *f)
{
	if (f->buf)
	{
		pgr_wipe(f->buf, (size_t) f->cap * sizeof(wchar_t));
		free(f->buf);
	}
	memset(f, 0, sizeof(*f));
}

void
field_set(field *f, const char *text)
{
	mbstate_t	st;
	const char *p = text ? text : "";
	size_t		left = strlen(p);
	int			max = f->max_len > 0 ? f->max_len : FIELD_DEFAULT_MAX;

	memset(&st, 0, sizeof(st));
	if (f->buf)
		pgr_wipe(f->buf, (size_t) f->cap * sizeof(wchar_t));
	f->len = 0;
	reserve(f, (int) left + 1);
	while (left > 0 && f->len < max)
	{
		wchar_t		wc;
		size_t		n = mbrtowc(&wc, p, left, &st);

		if (n == (size_t) -1 || n == (size_t) -2)
		{
			memset(&st, 0, sizeof(st));
			wc = L'?';
			n = 1;
		}
		else if (n == 0)
			break;
		f->buf[f->len++] = wc;
		p += n;
		left -= n;
	}
	f->buf[f->len] = L'\0';
	f->cur = f->len;
	f->scroll = 0;
}

char *
field_text(const field *f)
{
	mbstate_t	st;
	char	   *out = pgr_malloc((size_t) f->len * MB_LEN_MAX + 1);
	size_t		o = 0;

	memset(&st, 0, sizeof(st));
	for (int i = 0; i < f->len; i++)
	{
		size_t		n = wcrtomb(out + o, f->buf[i], &st);

		if (n == (size_t) -1)
		{
			/* not representable in this locale's encoding */
			memset(&st, 0, sizeof(st));
			out[o] = '?';
			n = 1;
		}
		o += n;
	}
	out[o] = '\0';
	return out;
}

static void
insert(field *f, wchar_t wc)
{
	int			max = f->max_len > 0 ? f->max_len : FIELD_DEFAULT_MAX;

	if (f->len >= max)
	{
		beep();
		return;
	}
	reserve(f, f->len + 1);
	memmove(f->buf + f->cur + 1, f->buf + f->cur, (size_t) (f->len - f->cur + 1) * sizeof(wchar_t));
	f->buf[f->cur++] = wc;
	f->len++;
}

static void
delete_at(int f_pos, field *f)
{
	if (f_pos < 0 || f_pos >= f->len)
		return;
	memmove(f->buf + f_pos, f->buf + f_pos + 1, (size_t) (f->len - f_pos) * sizeof(wchar_t));
	f->len--;
	f->buf[f->len] = L'\0';
}

bool
field_key(field *f, wint_t key, bool is_fkey)
{
	if (is_fkey)
	{
		switch (key)
		{
			case KEY_LEFT:
				if (f->cur > 0)
					f->cur--;
				return true;
			case KEY_RIGHT:
				if (f->cur < f->len)
					f->cur++;
				return true;
			case KEY_HOME:
				f->cur = 0;
				return true;
			case KEY_END:
				f->cur = f->len;
				return true;
			case KEY_BACKSPACE:
				if (f->cur > 0)
					delete_at(--f->cur, f);
				return true;
			case KEY_DC:
				delete_at(f->cur, f);
				return true;
			default:
				return false;
		}
	}
	switch (key)
	{
		case 127:
		case 8:					/* ^H: Backspace on some terminals */
			if (f->cur > 0)
				delete_at(--f->cur, f);
			return true;
		case 1:					/* ^A */
			f->cur = 0;
			return true;
		case 5:					/* ^E */
			f->cur = f->len;
			return true;
		case 11:				/* ^K */
			f->len = f->cur;
			f->buf[f->len] = L'\0';
			return true;
		case 21:				/* ^U */
			memmove(f->buf, f->buf + f->cur, (size_t) (f->len - f->cur + 1) * sizeof(wchar_t));
			f->len -= f->cur;
			f->cur = 0;
			return true;
		default:
			break;
	}
	if (key < 32 || key == 127 || !iswprint(key))
		return false;
	insert(f, (wchar_t) key);
	return true;
}

void
field_draw(field *f, WINDOW *w, int y, int x, int width, bool focused)
{
	int			cols;
	int			cx = x;
	attr_t		attr = focused ? screen_attr_focus() : A_UNDERLINE;

	if (width < 2)
		return;
	/* Scroll so that the cursor (and one column after it) fits. */
	if (f->cur < f->scroll)
		f->scroll = f->cur;
	for (;;)
	{
		cols = 0;
		for (int i = f->scroll; i < f->cur; i++)
			cols += f->secret ? 1 : wc_cols(f->buf[i]);
		if (cols < width || f->scroll >= f->cur)
			break;
		f->scroll++;
	}
	wattrset(w, attr);
	mvwhline(w, y, x, ' ', width);
	wmove(w, y, x);
	for (int i = f->scroll; i < f->len; i++)
	{
		wchar_t		str[2] = {f->secret ? L'*' : f->buf[i], L'\0'};
		int			cw = f->secret ? 1 : wc_cols(f->buf[i]);
		cchar_t		cc;

		if (cx + cw > x + width)
			break;
		if (!f->secret && wcwidth(f->buf[i]) < 0)
			str[0] = L'?';
		setcchar(&cc, str, attr & ~A_COLOR, (short) PAIR_NUMBER(attr), NULL);
		mvwadd_wch(w, y, cx, &cc);
		cx += cw;
	}
	wattrset(w, A_NORMAL);
	if (focused)
		screen_cursor(y, x + cols);
}
