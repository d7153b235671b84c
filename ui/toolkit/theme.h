/*
 * theme.h: the console's one colour theme.  Every colour pair is set up
 * from one table, so that two screens cannot give one pair number two
 * meanings; each role has its monochrome look (--no-color, NO_COLOR, a
 * terminal without colours).
 */
#ifndef PGR_THEME_H
#define PGR_THEME_H

#include "provide_curses.h"

typedef enum theme_role {
	THEME_TITLE,				/* the wizard's title bar */
	THEME_ERROR,				/* a failure, a node down */
	THEME_OK,					/* the wizard's "passed" */
	THEME_GOOD,					/* the dashboard's streaming rows */
	THEME_WARN,					/* lagging, catching up */
	THEME_FOCUS,				/* the field or button that has the focus */
	THEME_KEY,					/* a label of the key bar */
	THEME_HEADER,				/* the dashboard's header */
	THEME_DIALOG,				/* a dialog's box */
	THEME_N_ROLES
} theme_role;

/* Set up the colour pairs (after crt_init); nothing without colours. */
void		theme_init(void);
attr_t		theme_attr(theme_role role);

#endif
