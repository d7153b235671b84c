/*
 * textview.h: a scrollable, read-only view of text (the plan with its
 * previews, a step's log).  Long lines are wrapped to the view's width.
 */
#ifndef PGR_UI_TEXTVIEW_H
#define PGR_UI_TEXTVIEW_H

#include <stdbool.h>

#include "provide_curses.h"
#include "strbuf.h"

typedef struct textview {
	strbuf		text;
	char	  **lines;			/* wrapped for `width` */
	int			n_lines;
	int			width;
	int			top;
	int			height;			/* of the last draw, for paging */
	bool		follow;			/* keep the end in view as text is added */
} textview;

void		textview_init(textview *tv);
void		textview_free(textview *tv);
void		textview_set(textview *tv, const char *text);
void		textview_append(textview *tv, const char *text);
/* Up/Down/PgUp/PgDn/Home/End (and j/k).  True when used. */
bool		textview_key(textview *tv, wint_t key, bool is_fkey);
void		textview_draw(textview *tv, int y, int x, int h, int w);

#endif
