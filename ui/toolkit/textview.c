/*
 * textview.c: scrollable text.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "keys.h"
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

/* The scrolling keys (keys.h), htop's and less's. */
enum
{
	TV_NONE,
	TV_UP,
	TV_DOWN,
	TV_PAGE_UP,
	TV_PAGE_DOWN,
	TV_HOME,
	TV_END
};

static const keys_entry textview_keys[] = {
	{TV_UP, {KB_FK(KEY_UP), KB_CH('k')}},
	{TV_DOWN, {KB_FK(KEY_DOWN), KB_CH('j')}},
	{TV_PAGE_UP, {KB_FK(KEY_PPAGE)}},
	{TV_PAGE_DOWN, {KB_FK(KEY_NPAGE), KB_CH(' ')}},
	{TV_HOME, {KB_FK(KEY_HOME)}},
	{TV_END, {KB_FK(KEY_END)}},
};

bool
textview_key(textview *tv, wint_t key, bool is_fkey)
{
	int			page = tv->height > 1 ? tv->height - 1 : 1;

	switch (keys_lookup(textview_keys, (int) (sizeof(textview_keys) / sizeof(textview_keys[0])),
						0, is_fkey, key))
	{
		case TV_UP:
			tv->top--;
			break;
		case TV_DOWN:
			tv->top++;
			break;
		case TV_PAGE_UP:
			tv->top -= page;
			break;
		case TV_PAGE_DOWN:
			tv->top += page;
			break;
		case TV_HOME:
			tv->top = 0;
			break;
		case TV_END:
			tv->top = tv->n_lines;
			break;
		default:
			return false;
	}
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
