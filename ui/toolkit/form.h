/*
 * form.h: a column of labelled items (text fields, checkboxes, choices,
 * buttons) with one in focus.  Tab / Shift-Tab / Down / Up move between
 * items; leaving an item runs the page's check on it, whose error (and
 * hint) is shown under the item until it is put right.
 */
#ifndef PGR_UI_FORM_H
#define PGR_UI_FORM_H

#include <stdbool.h>

#include "field.h"

typedef enum form_kind {
	FORM_TEXT,
	FORM_SECRET,
	FORM_CHECK,					/* Space toggles */
	FORM_CHOICE,				/* Space / Left / Right cycle */
	FORM_BUTTON					/* Enter activates */
} form_kind;

typedef struct form_item {
	form_kind	kind;
	int			id;				/* the page's own name for it */
	const char *label;			/* translated */
	field		fld;			/* TEXT, SECRET */
	bool		checked;		/* CHECK */
	int			choice;			/* CHOICE: index in choices */
	const char *const *choices; /* CHOICE: translated */
	int			n_choices;
	bool		hidden;			/* not shown, not focusable */
	char	   *error;			/* shown under the item; NULL: none */
	char	   *hint;
} form_item;

typedef struct form form;
/* Check item IDX (called when focus leaves it); sets or clears its error. */
typedef void (*form_check_fn) (void *arg, form *f, form_item *it);

struct form {
	form_item  *items;
	int			n;
	int			focus;
	int			top;			/* first row shown (scrolling) */
	int			label_width;
	form_check_fn check;
	void	   *arg;
};

/* What a key did. */
typedef enum form_result {
	FORM_IGNORED,				/* not a form key: the page decides */
	FORM_HANDLED,
	FORM_PRESSED				/* a button: form_focused() says which */
} form_result;

void		form_init(form *f, form_check_fn check, void *arg);
void		form_free(form *f);
form_item  *form_add(form *f, form_kind kind, int id, const char *label, const char *text);
form_item  *form_add_choice(form *f, int id, const char *label,
							const char *const *choices, int n, int choice);
form_item  *form_item_by_id(form *f, int id);
form_item  *form_focused(form *f);
/* Text of a TEXT / SECRET item, malloc'd. */
char	   *form_text(form *f, int id);
void		form_set_error(form_item *it, const char *error, const char *hint);
/*
 * Check every visible item; focus goes to the first with an error.
 * Returns true when none has one.
 */
bool		form_check_all(form *f);
form_result form_key(form *f, wint_t key, bool is_fkey);
/* Draw in the rectangle y,x,h,w of stdscr. */
void		form_draw(form *f, int y, int x, int h, int w);

#endif
