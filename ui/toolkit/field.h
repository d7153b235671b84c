/*
 * field.h: one line of text input, kept as wide characters so that
 * accented and double-width input is edited by character and measured by
 * column (wcwidth), whatever the locale's encoding.  The text scrolls
 * inside the field when it is longer than the field is wide.  A secret
 * field never shows what was typed and wipes its buffer when freed.
 */
#ifndef PGR_UI_FIELD_H
#define PGR_UI_FIELD_H

#include <stdbool.h>
#include <wchar.h>

#include "provide_curses.h"

typedef struct field {
	wchar_t    *buf;			/* NUL-terminated */
	int			len;
	int			cap;
	int			cur;			/* cursor: index in buf, 0..len */
	int			scroll;			/* first character shown */
	int			max_len;		/* characters; 0: 1024 */
	bool		secret;
} field;

void		field_init(field *f, const char *text, bool secret);
void		field_free(field *f);
/* Replace the text (multibyte, the locale's encoding); cursor at its end. */
void		field_set(field *f, const char *text);
/* The text in the locale's encoding, malloc'd (a secret: free with
 * pgr_free_secret). */
char	   *field_text(const field *f);
/*
 * Editing keys: printable characters, Left/Right/Home/End, Backspace,
 * Delete, Ctrl-A/E/K/U.  Returns true when the key was used.
 */
bool		field_key(field *f, wint_t key, bool is_fkey);
/*
 * Draw at y,x in WIDTH columns; when FOCUSED, screen_cursor() is set to
 * where the cursor is.
 */
void		field_draw(field *f, WINDOW *w, int y, int x, int width, bool focused);

#endif
