/*
 * textview.c: scrollable text.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"
#include "screen.h"
#include "textview.h"

void
textview_init(textview *tv)
{
	memset(tv, 0, sizeof(*tv));
	strbuf_init(&tv->text);
}

void
textview_free(textview *tv)
{
	strbuf_free(&tv->text);
	textout_lines_free(tv->lines);
	memset(tv, 0, sizeof(*tv));
}

static void
rewrap(textview *tv)
{
	textout_lines_free(tv->lines);
	tv->lines = NULL;
	tv->n_lines = 0;
	if (tv->width > 0)
		tv->lines = textout_wrap(tv->text.data, tv->width, &tv->n_lines);
}

void
textview_set(textview *tv, const char *text)
{
	strbuf_reset(&tv->text);
	strbuf_append(&tv->text, text ? text : "");
	tv->top = 0;
	rewrap(tv);
}

void
textview_append(textview *tv, const char *text)
{
	strbuf_append(&tv->text, text);
	rewrap(tv);
}

static void
clamp(textview *tv)
{
	int			max = tv->n_lines - tv->height;

	if (tv->top > max)
		tv->top = max;
	if (tv->top < 0)
		tv->top = 0;
}

bool
textview_key(textview *tv, wint_t key, bool is_fkey)
{
	int			page = tv->height > 1 ? tv->height - 1 : 1;

	if (is_fkey)
	{
		switch (key)
		{
			case KEY_UP:
				tv->top--;
				break;
			case KEY_DOWN:
				tv->top++;
				break;
			case KEY_PPAGE:
				tv->top -= page;
				break;
			case KEY_NPAGE:
				tv->top += page;
				break;
			case KEY_HOME:
				tv->top = 0;
				break;
			case KEY_END:
				tv->top = tv->n_lines;
				break;
			default:
				return false;
		}
	}
	else if (key == L'k')
		tv->top--;
	else if (key == L'j')
		tv->top++;
	else if (key == L' ')
		tv->top += page;
	else
		return false;
	tv->follow = false;
	clamp(tv);
	return true;
}

void
textview_draw(textview *tv, int y, int x, int h, int w)
{
	if (w < 1 || h < 1)
		return;
	if (w - 1 != tv->width)
	{
		tv->width = w - 1;		/* the last column: the scroll mark */
		rewrap(tv);
	}
	tv->height = h;
	if (tv->follow)
		tv->top = tv->n_lines;
	clamp(tv);
	for (int i = 0; i < h && tv->top + i < tv->n_lines; i++)
	{
		const char *l = tv->lines[tv->top + i];
		attr_t		a = A_NORMAL;

		/* diff and step headings stand out */
		if (l[0] == '+' && l[1] != '+')
			a = screen_attr_ok();
		else if (l[0] == '-' && l[1] != '-')
			a = screen_attr_error();
		else if (l[0] == '[')
			a = A_BOLD;
		textout_wput(stdscr, y + i, x, l, tv->width, a);
	}
	if (tv->n_lines > h)
	{
		int			mark = (int) ((long) tv->top * (h - 1) / (tv->n_lines - h > 0 ? tv->n_lines - h : 1));

		mvaddch(y + mark, x + w - 1, ACS_CKBOARD);
	}
}
