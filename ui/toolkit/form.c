/*
 * form.c: labelled items with focus, checks when an item is left, and
 * errors under the item.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "form.h"
#include "i18n.h"
#include "keys.h"
#include "report.h"
#include "screen.h"

void
form_init(form *f, form_check_fn check, void *arg)
{
	memset(f, 0, sizeof(*f));
	f->check = check;
	f->arg = arg;
}

void
form_free(form *f)
{
	for (int i = 0; i < f->n; i++)
	{
		field_free(&f->items[i].fld);
		free(f->items[i].error);
		free(f->items[i].hint);
	}
	free(f->items);
	memset(f, 0, sizeof(*f));
}

form_item *
form_add(form *f, form_kind kind, int id, const char *label, const char *text)
{
	form_item  *it;

	f->items = pgr_realloc(f->items, (size_t) (f->n + 1) * sizeof(form_item));
	it = &f->items[f->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->id = id;
	it->label = label;
	if (kind == FORM_TEXT || kind == FORM_SECRET)
		field_init(&it->fld, text, kind == FORM_SECRET);
	if (label && kind != FORM_BUTTON && kind != FORM_CHECK)
	{
		int			lw = textout_width(label);

		if (lw > f->label_width)
			f->label_width = lw;
	}
	return it;
}

form_item *
form_add_choice(form *f, int id, const char *label, const char *const *choices,
				int n, int choice)
{
	form_item  *it = form_add(f, FORM_CHOICE, id, label, NULL);

	it->choices = choices;
	it->n_choices = n;
	it->choice = choice >= 0 && choice < n ? choice : 0;
	return it;
}

form_item *
form_item_by_id(form *f, int id)
{
	for (int i = 0; i < f->n; i++)
		if (f->items[i].id == id)
			return &f->items[i];
	return NULL;
}

form_item *
form_focused(form *f)
{
	return f->n > 0 ? &f->items[f->focus] : NULL;
}

char *
form_text(form *f, int id)
{
	form_item  *it = form_item_by_id(f, id);

	return it ? field_text(&it->fld) : pgr_strdup("");
}

void
form_set_error(form_item *it, const char *error, const char *hint)
{
	free(it->error);
	free(it->hint);
	it->error = error ? pgr_strdup(error) : NULL;
	it->hint = hint ? pgr_strdup(hint) : NULL;
}

static void
check_item(form *f, form_item *it)
{
	if (f->check && !it->hidden)
		f->check(f->arg, f, it);
}

bool
form_check_all(form *f)
{
	int			first = -1;

	for (int i = 0; i < f->n; i++)
	{
		if (f->items[i].hidden)
		{
			form_set_error(&f->items[i], NULL, NULL);
			continue;
		}
		check_item(f, &f->items[i]);
		if (f->items[i].error && first < 0)
			first = i;
	}
	if (first >= 0)
		f->focus = first;
	return first < 0;
}

/* Move focus by DIR (+1/-1) to the next visible item, checking the one left. */
static void
move_focus(form *f, int dir)
{
	int			i = f->focus;

	if (f->n == 0)
		return;
	check_item(f, &f->items[f->focus]);
	for (int k = 0; k < f->n; k++)
	{
		i = (i + dir + f->n) % f->n;
		if (!f->items[i].hidden)
			break;
	}
	f->focus = i;
}

/* The form's keys (keys.h); a row's modes are the item kinds it counts on. */
enum
{
	FK_NONE,
	FK_NEXT,
	FK_PREV,
	FK_ENTER,
	FK_SPACE,
	FK_LEFT,
	FK_RIGHT
};

#define KIND(k) (1u << (k))

static const keys_entry form_keys[] = {
	{FK_NEXT, {KB_CH('\t'), KB_FK(KEY_DOWN)}},
	{FK_PREV, {KB_FK(KEY_BTAB), KB_FK(KEY_UP)}},
	{FK_ENTER, {KB_CH('\r'), KB_CH('\n'), KB_FK(KEY_ENTER)}},
	/* in a text field Space and the arrows are the field's (field.c) */
	{FK_SPACE, {KB_CH(' ')}, .modes = KIND(FORM_CHECK) | KIND(FORM_CHOICE) | KIND(FORM_BUTTON)},
	{FK_LEFT, {KB_FK(KEY_LEFT)}, .modes = KIND(FORM_CHOICE)},
	{FK_RIGHT, {KB_FK(KEY_RIGHT)}, .modes = KIND(FORM_CHOICE)},
};

form_result
form_key(form *f, wint_t key, bool is_fkey)
{
	form_item  *it = form_focused(f);
	int			cmd;

	if (!it)
		return FORM_IGNORED;
	if (it->hidden)
	{
		move_focus(f, 1);
		return FORM_HANDLED;
	}
	cmd = keys_lookup(form_keys, (int) (sizeof(form_keys) / sizeof(form_keys[0])),
					  KIND(it->kind), is_fkey, key);
	switch (cmd)
	{
		case FK_NEXT:
			move_focus(f, 1);
			return FORM_HANDLED;
		case FK_PREV:
			move_focus(f, -1);
			return FORM_HANDLED;
		case FK_ENTER:
			if (it->kind == FORM_BUTTON)
			{
				check_item(f, it);
				return FORM_PRESSED;
			}
			move_focus(f, 1);
			return FORM_HANDLED;
		case FK_SPACE:
			if (it->kind == FORM_BUTTON)
				return FORM_PRESSED;
			if (it->kind == FORM_CHECK)
			{
				it->checked = !it->checked;
				return FORM_HANDLED;
			}
			it->choice = (it->choice + 1) % it->n_choices;	/* a choice */
			check_item(f, it);
			return FORM_HANDLED;
		case FK_RIGHT:
			it->choice = (it->choice + 1) % it->n_choices;
			check_item(f, it);
			return FORM_HANDLED;
		case FK_LEFT:
			it->choice = (it->choice + it->n_choices - 1) % it->n_choices;
			check_item(f, it);
			return FORM_HANDLED;
	}
	/* text entry: the one thing not bound from a table */
	if ((it->kind == FORM_TEXT || it->kind == FORM_SECRET) && field_key(&it->fld, key, is_fkey))
	{
		/* An error goes as soon as the text changes. */
		form_set_error(it, NULL, NULL);
		return FORM_HANDLED;
	}
	return FORM_IGNORED;
}

/* Rows an item takes: itself, its error, its hint (wrapped in W columns). */
static int
item_rows(const form_item *it, int w, char ***err_lines, int *n_err)
{
	int			rows = 1;

	*err_lines = NULL;
	*n_err = 0;
	if (it->kind == FORM_CHECK)
	{
		/* a long label (French is longer) wraps after its "[x] " */
		int			nl;
		char	  **lines = textout_wrap(it->label, w > 8 ? w - 4 : 4, &nl);

		textout_lines_free(lines);
		if (nl > 1)
			rows = nl;
	}
	if (it->error)
	{
		char	   *msg = it->hint ? pgr_asprintf("%s\n%s", it->error, it->hint)
			: pgr_strdup(it->error);

		*err_lines = textout_wrap(msg, w, n_err);
		free(msg);
		rows += *n_err;
	}
	return rows;
}

void
form_draw(form *f, int y, int x, int h, int w)
{
	int			lw = f->label_width;
	int			fx;
	int			focus_row = 0,
				focus_rows = 1,
				row = 0;

	if (lw > w / 2)
		lw = w / 2;
	fx = x + lw + 2;
	/* Scroll so that the focused item and its error are in view. */
	for (int i = 0; i < f->n; i++)
	{
		char	  **el;
		int			ne;
		int			r;

		if (f->items[i].hidden)
			continue;
		r = item_rows(&f->items[i], w - (fx - x), &el, &ne);
		textout_lines_free(el);
		if (i == f->focus)
		{
			focus_row = row;
			focus_rows = r;
		}
		row += r;
	}
	if (focus_row < f->top)
		f->top = focus_row;
	if (focus_row + focus_rows > f->top + h)
		f->top = focus_row + focus_rows - h;
	if (f->top < 0)
		f->top = 0;

	row = 0;
	for (int i = 0; i < f->n; i++)
	{
		form_item  *it = &f->items[i];
		bool		focused = i == f->focus;
		char	  **el;
		int			ne;
		int			r;
		int			sy;

		if (it->hidden)
			continue;
		r = item_rows(it, w - (fx - x), &el, &ne);
		sy = y + row - f->top;
		if (sy >= y && sy < y + h)
		{
			switch (it->kind)
			{
				case FORM_TEXT:
				case FORM_SECRET:
					textout_wput(stdscr, sy, x, it->label, lw, A_NORMAL);
					field_draw(&it->fld, stdscr, sy, fx, w - (fx - x), focused);
					break;
				case FORM_CHECK:
					{
						int			cw = w - (fx - x);
						int			nl;
						char	  **lines = textout_wrap(it->label, cw > 8 ? cw - 4 : 4, &nl);
						attr_t		a = focused ? screen_attr_focus() : A_NORMAL;
						char	   *s = pgr_asprintf("[%s] %s", it->checked ? "x" : " ",
													 nl > 0 ? lines[0] : "");

						textout_wput(stdscr, sy, fx, s, cw, a);
						for (int k = 1; k < nl; k++)
							if (sy + k < y + h)
								textout_wput(stdscr, sy + k, fx + 4, lines[k], cw - 4, a);
						if (focused)
							screen_cursor(sy, fx + 1);
						free(s);
						textout_lines_free(lines);
						break;
					}
				case FORM_CHOICE:
					{
						char	   *s = pgr_asprintf("< %s >", it->choices[it->choice]);

						textout_wput(stdscr, sy, x, it->label, lw, A_NORMAL);
						textout_wput(stdscr, sy, fx, s, w - (fx - x),
								   focused ? screen_attr_focus() : A_NORMAL);
						if (focused)
							screen_cursor(sy, fx + 2);
						free(s);
						break;
					}
				case FORM_BUTTON:
					{
						char	   *s = pgr_asprintf("[ %s ]", it->label);

						textout_wput(stdscr, sy, fx, s, w - (fx - x),
								   focused ? screen_attr_focus() : A_BOLD);
						if (focused)
							screen_cursor(sy, fx + 2);
						free(s);
						break;
					}
			}
		}
		for (int k = 0; k < ne; k++)
		{
			int			ey = sy + (r - ne) + k;

			if (ey >= y && ey < y + h)
				textout_wput(stdscr, ey, fx, el[k], w - (fx - x),
						   k == 0 ? screen_attr_error() : A_NORMAL);
		}
		textout_lines_free(el);
		row += r;
	}
}
