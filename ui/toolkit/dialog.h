/*
 * dialog.h: the console's one dialog: a message, a yes/no question, a
 * typed confirmation and a one-line input (a password without echo),
 * drawn over the screen.
 *
 * A dialog is a state of the screen, not a loop of its own: the dashboard
 * keeps polling its nodes and redrawing underneath while one is open, and
 * hands it the keys (dialog_new, dialog_key, dialog_draw).  The wizard's
 * pages ask modally (dialog_message, dialog_confirm, dialog_input): the
 * same dialog in a loop of its own, the page redrawn under it (screen.h's
 * backdrop), also after a resize.  A question defaults to No: only an
 * explicit Yes (the "y" key, or Enter once Yes is chosen) or, for a typed
 * confirmation, the exact word typed, says yes.
 */
#ifndef PGR_DIALOG_H
#define PGR_DIALOG_H

#include <stdbool.h>
#include <wchar.h>

#include "field.h"
#include "report.h"

typedef enum dialog_kind {
	DIALOG_CONFIRM,				/* Yes / No, No chosen at first */
	DIALOG_TYPED,				/* type a word to say yes */
	DIALOG_MESSAGE,				/* OK */
	DIALOG_INPUT				/* a line of text: Enter says yes */
} dialog_kind;

typedef enum dialog_result {
	DIALOG_PENDING,
	DIALOG_YES,
	DIALOG_NO					/* also: a message closed, an input given up */
} dialog_result;

typedef struct dialog {
	dialog_kind kind;
	char	   *title;
	char	   *text;
	char	   *word;			/* DIALOG_TYPED: what must be typed */
	field		fld;			/* DIALOG_TYPED, DIALOG_INPUT */
	bool		yes_chosen;		/* DIALOG_CONFIRM */
	bool		error;			/* a message about a failure (red) */
} dialog;

dialog	   *dialog_new(dialog_kind kind, const char *title, const char *text,
					   const char *word);
void		dialog_free(dialog *d);
/* A key from get_wch(): is_key is its KEY_CODE_YES. */
dialog_result dialog_key(dialog *d, int is_key, wint_t ch);
void		dialog_draw(const dialog *d);

/* ---- modal, over the wizard's page -------------------------------------- */

void		dialog_message(const char *title, const char *text);
/* An error: message, detail and hint. */
void		dialog_error(const char *title, const pgr_error *err);
/* Yes / No; the focus starts on DEFAULT_YES's answer (dangerous: No). */
bool		dialog_confirm(const char *title, const char *text, bool default_yes);
/* A line of input; NULL when the operator gave up (Esc).  A secret is
 * returned for pgr_free_secret. */
char	   *dialog_input(const char *title, const char *prompt, bool secret);
/* Yes only when WORD is typed. */
bool		dialog_typed(const char *title, const char *text, const char *word);

#endif
