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
#include "provide_curses.h"
#include "textout.h"

dialog *
dialog_new(dialog_kind kind, const char *title, const char *text, const char *word)
{
	dialog	   *d = pgr_calloc(1, sizeof(dialog));

	d->kind = kind;
	d->title = pgr_strdup(title ? title : "");
	d->text = pgr_strdup(text ? text : "");
	d->word = word ? pgr_strdup(word) : NULL;
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
	free(d);
}

static bool
typed_matches(const dialog *d)
{
	char		buf[256];
	wchar_t		w[65];

	memcpy(w, d->typed, (size_t) d->n_typed * sizeof(wchar_t));
	w[d->n_typed] = L'\0';
	if (wcstombs(buf, w, sizeof(buf)) == (size_t) -1)
		return false;
	return d->word && strcmp(buf, d->word) == 0;
}

dialog_result
dialog_key(dialog *d, int is_key, wint_t ch)
{
	bool		esc = !is_key && ch == 27;
	bool		enter = (!is_key && (ch == '\r' || ch == '\n')) ||
		(is_key && ch == KEY_ENTER);

	switch (d->kind)
	{
		case DIALOG_MESSAGE:
			if (esc || enter || (!is_key && (ch == 'q' || ch == ' ')))
				return DIALOG_NO;
			return DIALOG_PENDING;
		case DIALOG_CONFIRM:
			if (esc || (!is_key && (ch == 'n' || ch == 'N')))
				return DIALOG_NO;
			if (!is_key && (ch == 'y' || ch == 'Y'))
				return DIALOG_YES;
			if (enter)
				return d->yes_chosen ? DIALOG_YES : DIALOG_NO;
			if ((is_key && (ch == KEY_LEFT || ch == KEY_RIGHT || ch == KEY_BTAB)) ||
				(!is_key && ch == '\t'))
				d->yes_chosen = !d->yes_chosen;
			return DIALOG_PENDING;
		case DIALOG_TYPED:
			if (esc)
				return DIALOG_NO;
			if (enter)
				return typed_matches(d) ? DIALOG_YES : DIALOG_NO;
			if ((is_key && ch == KEY_BACKSPACE) || (!is_key && (ch == 127 || ch == 8)))
			{
				if (d->n_typed > 0)
					d->n_typed--;
			}
			else if (!is_key && iswprint(ch) && d->n_typed < 63)
				d->typed[d->n_typed++] = (wchar_t) ch;
			return DIALOG_PENDING;
	}
	return DIALOG_PENDING;
}

/* Split text into lines of at most width columns (at blanks); malloc'd
 * array of malloc'd strings. */
static int
wrap(const char *text, int width, char ***out)
{
	char	  **lines = NULL;
	int			n = 0;
	const char *p = text;

	while (*p)
	{
		const char *end = p;
		const char *cut = NULL;
		char	   *line;

		while (*end && *end != '\n')
		{
			char	   *piece = pgr_strndup(p, (size_t) (end - p + 1));
			int			w = textout_width(piece);

			free(piece);
			if (w > width)
				break;
			if (*end == ' ')
				cut = end;
			end++;
		}
		if (*end && *end != '\n' && cut)
			end = cut;
		if (end == p && *end != '\n')
			end = p + 1;		/* a word longer than the line */
		/* (end == p at a '\n': an empty line, not a line holding the '\n') */
		line = pgr_strndup(p, (size_t) (end - p));
		lines = pgr_realloc(lines, sizeof(char *) * (size_t) (n + 1));
		lines[n++] = line;
		p = end;
		if (*p == ' ' || *p == '\n')
			p++;
	}
	*out = lines;
	return n;
}

void
dialog_draw(const dialog *d)
{
	int			w = COLS - 8 < 70 ? COLS - 8 : 70;
	char	  **lines;
	int			n = wrap(d->text, w - 4, &lines);
	int			h = n + 5 + (d->kind == DIALOG_TYPED ? 1 : 0);
	int			y0,
				x0;
	attr_t		frame = crt_has_colors() ? COLOR_PAIR(d->error ? 3 : 4) : A_REVERSE;

	if (h > LINES - 2)
		h = LINES - 2;
	y0 = (LINES - h) / 2;
	x0 = (COLS - w) / 2;
	for (int y = 0; y < h; y++)
		textout_fill(y0 + y, x0, w, frame, "%s", "");
	textout_fill(y0, x0, w, frame | A_BOLD, " %s", d->title);
	for (int i = 0; i < n; i++)
	{
		if (1 + i < h - 3)
			textout_put(y0 + 2 + i, x0 + 2, w - 4, frame, lines[i]);
		free(lines[i]);
	}
	free(lines);
	switch (d->kind)
	{
		case DIALOG_MESSAGE:
			textout_put(y0 + h - 2, x0 + w / 2 - 2, 6, frame | A_REVERSE, _("[ OK ]"));
			break;
		case DIALOG_CONFIRM:
			textout_put(y0 + h - 2, x0 + w / 2 - 10, 9,
						d->yes_chosen ? (frame | A_REVERSE) : frame, _("[ Yes ]"));
			textout_put(y0 + h - 2, x0 + w / 2 + 2, 9,
						d->yes_chosen ? frame : (frame | A_REVERSE), _("[ No ]"));
			break;
		case DIALOG_TYPED:
			{
				char		buf[256];
				wchar_t		wt[65];

				memcpy(wt, d->typed, (size_t) d->n_typed * sizeof(wchar_t));
				wt[d->n_typed] = L'\0';
				if (wcstombs(buf, wt, sizeof(buf)) == (size_t) -1)
					buf[0] = '\0';
				textout_fill(y0 + h - 3, x0 + 2, w - 4, frame, _("Type \"%s\" and Enter (Esc: no): %s_"),
							 d->word ? d->word : "", buf);
				break;
			}
	}
}
