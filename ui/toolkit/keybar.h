/*
 * keybar.h: the bottom line of function keys (htop's FunctionBar), the
 * wizard's pages' and the dashboard's, each made from its key table
 * (keys.h: keys_bar_items) so that the bar, the help screen and the
 * bindings cannot drift apart.
 */
#ifndef PGR_KEYBAR_H
#define PGR_KEYBAR_H

#include <stdbool.h>

typedef struct keybar_item {
	const char *key;			/* "F1", "q", _("Space"): translated */
	const char *label;			/* translated */
	bool		action;			/* changes the cluster: hidden in read-only */
	bool		optional;		/* left out first when the bar is too narrow */
} keybar_item;

/*
 * Draw the items on row y; read_only hides the actions.  Items are never
 * cut: when they do not all fit, the optional ones are left out (in their
 * order), then the ones before the last, so that the first (help) and the
 * last (quit) are always whole; the help screen lists every key.
 */
void		keybar_draw(int y, const keybar_item *items, int n, bool read_only);

#endif
