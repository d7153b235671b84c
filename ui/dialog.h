/*
 * dialog.h: the dashboard's questions and messages, drawn over the screen.
 *
 * A dialog is a state of the screen, not a loop of its own: the dashboard
 * keeps polling its nodes and redrawing underneath while one is open, and
 * hands it the keys.  A question defaults to No: only an explicit Yes (the
 * "y" key, or Enter once Yes is chosen) or, for a typed confirmation, the
 * exact word typed, says yes.
 */
#ifndef PGR_DIALOG_H
#define PGR_DIALOG_H

#include <stdbool.h>
#include <wchar.h>

typedef enum dialog_kind {
	DIALOG_CONFIRM,				/* Yes / No, No chosen at first */
	DIALOG_TYPED,				/* type a word to say yes */
	DIALOG_MESSAGE				/* OK */
} dialog_kind;

typedef enum dialog_result {
	DIALOG_PENDING,
	DIALOG_YES,
	DIALOG_NO					/* also: a message closed */
} dialog_result;

typedef struct dialog {
	dialog_kind kind;
	char	   *title;
	char	   *text;
	char	   *word;			/* DIALOG_TYPED: what must be typed */
	wchar_t		typed[64];
	int			n_typed;
	bool		yes_chosen;		/* DIALOG_CONFIRM */
	bool		error;			/* a message about a failure (red) */
} dialog;

dialog	   *dialog_new(dialog_kind kind, const char *title, const char *text,
					   const char *word);
void		dialog_free(dialog *d);
/* A key from get_wch(): is_key is its KEY_CODE_YES. */
dialog_result dialog_key(dialog *d, int is_key, wint_t ch);
void		dialog_draw(const dialog *d);

#endif
