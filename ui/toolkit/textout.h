/*
 * textout.h: the one text module: text on the screen through the
 * wide-character API, measured, cut and wrapped by terminal columns
 * (wcwidth), whatever the locale's encoding, so that accented and
 * double-width text is shown right.
 */
#ifndef PGR_TEXTOUT_H
#define PGR_TEXTOUT_H

#include <stdbool.h>

#include "provide_curses.h"
#include "report.h"
#include "strbuf.h"

/*
 * Put text at (y, x) in at most width columns with attributes attr; returns
 * the columns used.  Text that the locale cannot show is shown with '?', a
 * tab as a blank.
 */
int			textout_put(int y, int x, int width, attr_t attr, const char *text);
/* The same in window W. */
int			textout_wput(WINDOW *w, int y, int x, const char *s, int width, attr_t attr);
/* The same, formatted, padded with blanks to exactly width columns. */
void		textout_fill(int y, int x, int width, attr_t attr, const char *fmt,...) PGR_PRINTF(5, 6);
/* Display width of text in columns. */
int			textout_width(const char *text);

/*
 * Split TEXT into lines of at most WIDTH columns, breaking at blanks (not
 * at a no-break space: "serveur primaire ?" keeps its "?") where it can;
 * newlines are kept.  Returns a malloc'd, NULL-terminated array of
 * malloc'd lines (textout_lines_free).
 */
char	  **textout_wrap(const char *text, int width, int *n_lines);
void		textout_lines_free(char **lines);

/*
 * Append text to sb as a table cell of exactly width columns: cut at a
 * character (never inside a multibyte one) or padded with blanks, on the
 * left when right-aligned.  printf's %-8.8s counts bytes, which misaligns
 * and may cut "é" in two.
 */
void		textout_cell(strbuf *sb, const char *text, int width, bool right);
/* Whether the terminal's locale is UTF-8 (block characters, arrows). */
bool		textout_unicode(void);

#endif
