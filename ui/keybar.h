/*
 * keybar.h: the bottom line of function keys (htop's FunctionBar), drawn
 * from the dashboard's one key table so that the bar, the help screen and
 * the bindings cannot drift apart.
 */
#ifndef PGR_KEYBAR_H
#define PGR_KEYBAR_H

#include <stdbool.h>

typedef struct keybar_item {
	const char *key;			/* "F1", "q", "Space" (not translated) */
	const char *label;			/* N_() text, translated when drawn */
	bool		action;			/* changes the cluster: hidden in read-only */
} keybar_item;

/* Draw the items on row y; read_only hides the actions. */
void		keybar_draw(int y, const keybar_item *items, int n, bool read_only);

#endif
