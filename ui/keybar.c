/*
 * keybar.c: see keybar.h.
 */
#include <config.h>

#include "crt.h"
#include "i18n.h"
#include "keybar.h"
#include "provide_curses.h"
#include "textout.h"

void
keybar_draw(int y, const keybar_item *items, int n, bool read_only)
{
	int			x = 0;
	int			cols = COLS;

	move(y, 0);
	clrtoeol();
	for (int i = 0; i < n && x < cols; i++)
	{
		int			w;

		if (items[i].action && read_only)
			continue;
		w = textout_put(y, x, cols - x, A_BOLD, items[i].key);
		x += w;
		if (x >= cols)
			break;
		w = textout_put(y, x, cols - x, A_REVERSE, _(items[i].label));
		x += w;
		if (x < cols)
			x += textout_put(y, x, 1, A_NORMAL, " ");
	}
}
