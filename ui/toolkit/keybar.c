/*
 * keybar.c: see keybar.h.
 */
#include <config.h>

#include "crt.h"
#include "keybar.h"
#include "provide_curses.h"
#include "textout.h"
#include "theme.h"

static int
item_width(const keybar_item *it)
{
	return textout_width(it->key) + textout_width(it->label) + 1;
}

void
keybar_draw(int y, const keybar_item *items, int n, bool read_only)
{
	bool		shown[n > 0 ? n : 1];
	int			total = 0;
	int			x = 0;
	int			cols = COLS;

	crt_require_ui_thread("keybar_draw");
	for (int i = 0; i < n; i++)
	{
		shown[i] = !(items[i].action && read_only);
		if (shown[i])
			total += item_width(&items[i]);
	}
	/*
	 * Too wide (the last item's separator is not drawn): the optional items
	 * go first, in their order; then, from the right, any but the first
	 * and the last.
	 */
	for (int i = 1; i < n - 1 && total - 1 > cols; i++)
		if (shown[i] && items[i].optional)
		{
			shown[i] = false;
			total -= item_width(&items[i]);
		}
	for (int i = n - 2; i > 0 && total - 1 > cols; i--)
		if (shown[i])
		{
			shown[i] = false;
			total -= item_width(&items[i]);
		}
	move(y, 0);
	clrtoeol();
	for (int i = 0; i < n && x < cols; i++)
	{
		if (!shown[i])
			continue;
		x += textout_put(y, x, cols - x, A_BOLD, items[i].key);
		if (x >= cols)
			break;
		x += textout_put(y, x, cols - x, theme_attr(THEME_KEY), items[i].label);
		if (x < cols)
			x += textout_put(y, x, 1, A_NORMAL, " ");
	}
}
