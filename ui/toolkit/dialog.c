/*
 * dialog.c: see dialog.h.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "crt.h"
#include "dialog.h"
#include "i18n.h"
#include "keys.h"
#include "provide_curses.h"
#include "screen.h"
#include "strbuf.h"
#include "textout.h"
#include "theme.h"

dialog *
dialog_new(dialog_kind kind, const char *title, const char *text, const char *word)
{
	dialog	   *d = pgr_calloc(1, sizeof(dialog));

	d->kind = kind;
	d->title = pgr_strdup(title ? title : "");
	d->text = pgr_strdup(text ? text : "");
	d->word = word ? pgr_strdup(word) : NULL;
	field_init(&d->fld, "", false);
	return d;
}

void
dialog_free(dialog *d)
{
	if (!d)
		return;
	free(d->title);
	free(d->text);
	free(d->word);
	field_free(&d->fld);
	free(d);
}

static bool
typed_matches(const dialog *d)
{
	char	   *typed = field_text(&d->fld);
	bool		yes = d->word && strcmp(typed, d->word) == 0;

	free(typed);
	return yes;
}

/* The dialogs' keys (keys.h); a row's modes are the dialog kinds it counts on. */
enum
{
	DK_NONE,
	DK_NO,
	DK_YES,
	DK_ENTER,
	DK_SWITCH
};

#define KIND(k) (1u << (k))

static const keys_entry dialog_keys[] = {
	{DK_NO, {KB_CH(27)}},
	{DK_NO, {KB_CH('q'), KB_CH(' ')}, .modes = KIND(DIALOG_MESSAGE)},
	{DK_NO, {KB_CH('n'), KB_CH('N')}, .modes = KIND(DIALOG_CONFIRM)},
	{DK_YES, {KB_CH('y'), KB_CH('Y')}, .modes = KIND(DIALOG_CONFIRM)},
	{DK_ENTER, {KB_CH('\r'), KB_CH('\n'), KB_FK(KEY_ENTER), KB_FK(KEY_F(10))}},
	{DK_SWITCH, {KB_FK(KEY_LEFT), KB_FK(KEY_RIGHT), KB_FK(KEY_BTAB), KB_CH('\t')}, .modes = KIND(DIALOG_CONFIRM)},
};

/*
 * The catalogue's "yes" answers a confirmation too, by its first letter
 * ("o" for "oui"): the buttons say it in the operator's language, and so
 * does the command line's [y/N] (cli_confirm), whose word this is.
 */
static bool
is_local_yes(wint_t ch)
{
	wchar_t		first;

	/* TRANSLATORS: the word whose first letter answers yes at "[y/N]" */
	if (mbtowc(&first, _("yes"), MB_CUR_MAX) <= 0)
		return false;
	return towlower(ch) == towlower((wint_t) first);
}

dialog_result
dialog_key(dialog *d, int is_key, wint_t ch)
{
	int			cmd = keys_lookup(dialog_keys, (int) (sizeof(dialog_keys) / sizeof(dialog_keys[0])),
								  KIND(d->kind), is_key != 0, ch);

	if (cmd == DK_NO)
		return DIALOG_NO;
	switch (d->kind)
	{
		case DIALOG_MESSAGE:
			return cmd == DK_ENTER ? DIALOG_NO : DIALOG_PENDING;
		case DIALOG_CONFIRM:
			if (cmd == DK_YES || (!is_key && is_local_yes(ch)))
				return DIALOG_YES;
			if (cmd == DK_ENTER)
				return d->yes_chosen ? DIALOG_YES : DIALOG_NO;
			if (cmd == DK_SWITCH)
				d->yes_chosen = !d->yes_chosen;
			return DIALOG_PENDING;
		case DIALOG_TYPED:
			if (cmd == DK_ENTER)
				return typed_matches(d) ? DIALOG_YES : DIALOG_NO;
			(void) field_key(&d->fld, ch, is_key);	/* text entry */
			return DIALOG_PENDING;
		case DIALOG_INPUT:
			if (cmd == DK_ENTER)
				return DIALOG_YES;
			(void) field_key(&d->fld, ch, is_key);	/* text entry */
			return DIALOG_PENDING;
	}
	return DIALOG_PENDING;
}

void
dialog_draw(const dialog *d)
{
	int			w = COLS - 8 < 70 ? COLS - 8 : 70;
	bool		has_field = d->kind == DIALOG_TYPED || d->kind == DIALOG_INPUT;
	int			nl;
	char	  **lines;
	int			h,
				y0,
				x0,
				by;
	attr_t		frame = theme_attr(d->error ? THEME_ERROR : THEME_DIALOG);
	attr_t		focus = frame | A_REVERSE;

	crt_require_ui_thread("dialog_draw");
	if (w < 10 || LINES < 10)
		return;
	lines = textout_wrap(d->text, w - 4, &nl);
	h = nl + 5 + (has_field ? 2 : 0);
	if (h > LINES - 2)
	{
		/* a long text is cut at the bottom: its question comes first */
		nl -= h - (LINES - 2);
		h = LINES - 2;
	}
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++)
		textout_fill(y0 + y, x0, w, frame, "%s", "");
	attron(frame);
	mvhline(y0, x0, ACS_HLINE, w);
	mvhline(y0 + h - 1, x0, ACS_HLINE, w);
	mvvline(y0, x0, ACS_VLINE, h);
	mvvline(y0, x0 + w - 1, ACS_VLINE, h);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	attroff(frame);
	{
		int			tw = textout_width(d->title) + 2;

		if (tw > w - 4)
			tw = w - 4;
		textout_fill(y0, x0 + (w - tw) / 2, tw, frame | A_BOLD, " %s ", d->title);
	}
	screen_cursor(-1, -1);
	for (int i = 0; i < nl; i++)
		textout_put(y0 + 2 + i, x0 + 2, w - 4, frame, lines[i]);
	textout_lines_free(lines);
	by = y0 + h - 2;
	switch (d->kind)
	{
		case DIALOG_MESSAGE:
			{
				const char *ok = _("[ OK ]");

				textout_put(by, x0 + (w - textout_width(ok)) / 2, w - 4, focus, ok);
				break;
			}
		case DIALOG_CONFIRM:
			{
				const char *yes = _("[ Yes ]");
				const char *no = _("[ No ]");
				int			bx = x0 + w / 2 - textout_width(yes) - 2;

				textout_put(by, bx, w / 2, d->yes_chosen ? focus : frame, yes);
				textout_put(by, x0 + w / 2 + 2, w / 2 - 4, d->yes_chosen ? frame : focus, no);
				screen_cursor(by, d->yes_chosen ? bx + 2 : x0 + w / 2 + 4);
				break;
			}
		case DIALOG_TYPED:
			{
				char	   *typed = field_text(&d->fld);

				textout_fill(by - 1, x0 + 2, w - 4, frame, _("Type \"%s\" and Enter (Esc: no): %s_"),
							 d->word ? d->word : "", typed);
				free(typed);
				break;
			}
		case DIALOG_INPUT:
			/* field_draw moves its scroll position: the field is the
			 * dialog's own state, drawn where it is edited */
			field_draw((field *) &d->fld, stdscr, by - 1, x0 + 2, w - 4, true);
			break;
	}
}

/* ---- modal ---------------------------------------------------------------- */

/* The dialog's own loop over the page's backdrop; frees D. */
static dialog_result
dialog_run(dialog *d)
{
	dialog_result r = DIALOG_PENDING;

	while (r == DIALOG_PENDING)
	{
		screen_event ev;

		screen_draw_backdrop();
		if (!screen_too_small())
			dialog_draw(d);
		screen_refresh();
		ev = screen_read(-1, -1);
		if (ev.type != SCREEN_EV_KEY)
			continue;
		if (ev.is_fkey && ev.key == KEY_RESIZE)
			continue;
		if (screen_too_small())
			continue;
		r = dialog_key(d, ev.is_fkey, ev.key);
	}
	return r;
}

void
dialog_message(const char *title, const char *text)
{
	dialog	   *d = dialog_new(DIALOG_MESSAGE, title, text, NULL);

	(void) dialog_run(d);
	dialog_free(d);
}

void
dialog_error(const char *title, const pgr_error *err)
{
	strbuf		sb;
	dialog	   *d;

	strbuf_init(&sb);
	strbuf_append(&sb, err->message ? err->message : _("unknown error"));
	if (err->detail)
		strbuf_appendf(&sb, "\n\n%s", err->detail);
	if (err->hint)
		strbuf_appendf(&sb, "\n\n%s", err->hint);
	d = dialog_new(DIALOG_MESSAGE, title, sb.data, NULL);
	d->error = true;
	(void) dialog_run(d);
	dialog_free(d);
	strbuf_free(&sb);
}

bool
dialog_confirm(const char *title, const char *text, bool default_yes)
{
	dialog	   *d = dialog_new(DIALOG_CONFIRM, title, text, NULL);
	bool		yes;

	d->yes_chosen = default_yes;
	yes = dialog_run(d) == DIALOG_YES;
	dialog_free(d);
	return yes;
}

char *
dialog_input(const char *title, const char *prompt, bool secret)
{
	dialog	   *d = dialog_new(DIALOG_INPUT, title, prompt, NULL);
	char	   *out = NULL;

	/* a secret field from its first key: never shown, wiped when freed */
	field_free(&d->fld);
	field_init(&d->fld, "", secret);
	if (dialog_run(d) == DIALOG_YES)
		out = field_text(&d->fld);
	dialog_free(d);
	return out;
}

bool
dialog_typed(const char *title, const char *text, const char *word)
{
	dialog	   *d = dialog_new(DIALOG_TYPED, title, text, word);
	bool		yes = dialog_run(d) == DIALOG_YES;

	dialog_free(d);
	return yes;
}
