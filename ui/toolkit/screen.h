/*
 * screen.h: what every full-screen page of the wizard shares: the title
 * line, the function-key bar, the "terminal too small" guard, reading a
 * key while also watching a worker's pipe, and drawing multibyte text
 * clipped to a number of columns (wide-character API throughout, so that
 * accented and double-width text is measured and shown right in any
 * locale ncurses supports).
 */
#ifndef PGR_UI_SCREEN_H
#define PGR_UI_SCREEN_H

#include <stdbool.h>
#include <wchar.h>

#include "provide_curses.h"
#include "keybar.h"
#include "textout.h"

/* Below this the pages are not drawn: a message asks for a bigger one. */
#define SCREEN_MIN_COLS 70
#define SCREEN_MIN_ROWS 20

/* One entry of the function-key bar: the key's name and what it does,
 * both translated ("F10", _("Esc")); drawn by keybar.h. */
typedef keybar_item screen_key;

/* Results of screen_read(). */
#define SCREEN_EV_NONE 0		/* time-out */
#define SCREEN_EV_KEY 1			/* *key filled; *is_fkey for KEY_* codes */
#define SCREEN_EV_FD 2			/* the extra descriptor is readable */

typedef struct screen_event {
	int			type;
	wint_t		key;
	bool		is_fkey;		/* key is a KEY_* code (get_wch KEY_CODE_YES) */
} screen_event;

/*
 * Wait for a key, or for EXTRA_FD (-1: none) to become readable, at most
 * TIMEOUT_MS (-1: forever).  KEY_RESIZE arrives as a key.
 */
screen_event screen_read(int extra_fd, int timeout_ms);

/* True (and the message drawn) when the terminal is below the minimum. */
bool		screen_too_small(void);
/* Clear the screen and draw the title bar (a step counter may be NULL). */
void		screen_frame(const char *title, const char *counter);
/* The key bar on the last line. */
void		screen_keybar(const screen_key *keys, int n);
/* Where the text cursor belongs after the page is drawn (-1: hidden). */
void		screen_cursor(int y, int x);
/* Place (or hide) the cursor, then refresh. */
void		screen_refresh(void);

/*
 * The page currently shown, redrawn under a dialog (and after a resize
 * inside a dialog): set by each page, NULL for none.
 */
typedef void (*screen_redraw_fn) (void *arg);
void		screen_set_backdrop(screen_redraw_fn fn, void *arg);
void		screen_draw_backdrop(void);

/* Attributes (colour when available, else bold/reverse). */
attr_t		screen_attr_title(void);
attr_t		screen_attr_error(void);
attr_t		screen_attr_ok(void);
attr_t		screen_attr_focus(void);

#endif
