/*
 * textout.h: text on the screen through the wide-character API, cut to a
 * number of terminal columns (wcwidth), whatever the locale's encoding.
 */
#ifndef PGR_TEXTOUT_H
#define PGR_TEXTOUT_H

#include <stdbool.h>

#include "provide_curses.h"
#include "report.h"
#include "strbuf.h"

/*
 * Put text at (y, x) in at most width columns with attributes attr; returns
 * the columns used.  Text that the locale cannot show is shown with '?'.
 */
int			textout_put(int y, int x, int width, attr_t attr, const char *text);
/* The same, formatted, padded with blanks to exactly width columns. */
void		textout_fill(int y, int x, int width, attr_t attr, const char *fmt,...) PGR_PRINTF(5, 6);
/* Display width of text in columns. */
int			textout_width(const char *text);

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
