/*
 * wdialog.c: modal dialogs.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "field.h"
#include "i18n.h"
#include "screen.h"
#include "strbuf.h"
#include "wdialog.h"

typedef enum dlg_kind {
	DLG_MESSAGE,
	DLG_CONFIRM,
	DLG_INPUT
} dlg_kind;

typedef struct dlg {
	dlg_kind	kind;
	const char *title;
	const char *text;
	int			button;			/* CONFIRM: 0 yes, 1 no */
	field		fld;			/* INPUT */
} dlg;

static void
draw(dlg *d)
{
	int			w = COLS - 8 > 70 ? 70 : COLS - 8;
	int			nl;
	char	  **lines;
	int			h,
				y0,
				x0;

	screen_draw_backdrop();
	if (screen_too_small())
		return;
	lines = screen_wrap(d->text, w - 4, &nl);
	if (nl > LINES - 8)
		nl = LINES - 8;
	h = nl + 4 + (d->kind == DLG_INPUT ? 2 : 0);
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int i = 0; i < h; i++)
		mvhline(y0 + i, x0, ' ', w);
	attron(A_BOLD);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	mvvline(y0, x0, ACS_VLINE, h);
	mvvline(y0, x0 + w - 1, ACS_VLINE, h);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	attroff(A_BOLD);
	{
		int			tw = screen_width(d->title);

		if (tw > w - 4)
			tw = w - 4;
		screen_put(stdscr, y0, x0 + (w - tw) / 2, d->title, tw, A_BOLD);
	}
	screen_cursor(-1, -1);
	for (int i = 0; i < nl; i++)
		screen_put(stdscr, y0 + 1 + i, x0 + 2, lines[i], w - 4, A_NORMAL);
	screen_lines_free(lines);
	if (d->kind == DLG_INPUT)
		field_draw(&d->fld, stdscr, y0 + 2 + nl, x0 + 2, w - 4, true);
	{
		int			by = y0 + h - 2;

		if (d->kind == DLG_CONFIRM)
		{
			/* TRANSLATORS: dialog buttons; keep them short */
			char	   *yes = pgr_asprintf("[ %s ]", _("Yes"));
			char	   *no = pgr_asprintf("[ %s ]", _("No"));
			int			bx = x0 + w / 2 - screen_width(yes) - 2;

			screen_put(stdscr, by, bx, yes, w, d->button == 0 ? screen_attr_focus() : A_NORMAL);
			screen_put(stdscr, by, x0 + w / 2 + 2, no, w, d->button == 1 ? screen_attr_focus() : A_NORMAL);
			screen_cursor(by, d->button == 0 ? bx + 2 : x0 + w / 2 + 4);
			free(yes);
			free(no);
		}
		else
		{
			char	   *ok = pgr_asprintf("[ %s ]", _("OK"));

			screen_put(stdscr, by, x0 + (w - screen_width(ok)) / 2, ok, w, screen_attr_focus());
			free(ok);
		}
	}
}

/* The dialog's loop: returns 1 for OK/Yes, 0 for No, -1 for Esc. */
static int
run(dlg *d)
{
	for (;;)
	{
		screen_event ev;

		draw(d);
		screen_refresh();
		ev = screen_read(-1, -1);
		if (ev.type != SCREEN_EV_KEY)
			continue;
		if (ev.is_fkey && ev.key == KEY_RESIZE)
			continue;
		if (screen_too_small())
			continue;
		if (!ev.is_fkey && ev.key == 27)
			return d->kind == DLG_CONFIRM ? 0 : -1;
		if ((!ev.is_fkey && (ev.key == L'\r' || ev.key == L'\n')) ||
			(ev.is_fkey && (ev.key == KEY_ENTER || ev.key == KEY_F(10))))
		{
			if (d->kind == DLG_CONFIRM)
				return d->button == 0 ? 1 : 0;
			return 1;
		}
		if (d->kind == DLG_CONFIRM)
		{
			if ((ev.is_fkey && (ev.key == KEY_LEFT || ev.key == KEY_RIGHT || ev.key == KEY_BTAB)) ||
				(!ev.is_fkey && ev.key == L'\t'))
				d->button = 1 - d->button;
			continue;
		}
		if (d->kind == DLG_INPUT)
			(void) field_key(&d->fld, ev.key, ev.is_fkey);
	}
}

void
wdialog_message(const char *title, const char *text)
{
	dlg			d = {DLG_MESSAGE, title, text, 0};

	(void) run(&d);
}

void
wdialog_error(const char *title, const pgr_error *err)
{
	strbuf		sb;

	strbuf_init(&sb);
	strbuf_append(&sb, err->message ? err->message : _("unknown error"));
	if (err->detail)
	{
		strbuf_append(&sb, "\n\n");
		strbuf_append(&sb, err->detail);
	}
	if (err->hint)
	{
		strbuf_append(&sb, "\n\n");
		strbuf_append(&sb, err->hint);
	}
	wdialog_message(title, sb.data);
	strbuf_free(&sb);
}

bool
wdialog_confirm(const char *title, const char *text, bool default_yes)
{
	dlg			d = {DLG_CONFIRM, title, text, default_yes ? 0 : 1};

	return run(&d) == 1;
}

char *
wdialog_input(const char *title, const char *prompt, bool secret)
{
	dlg			d = {DLG_INPUT, title, prompt, 0};
	char	   *out = NULL;

	field_init(&d.fld, "", secret);
	if (run(&d) == 1)
		out = field_text(&d.fld);
	field_free(&d.fld);
	return out;
}
