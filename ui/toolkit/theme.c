/*
 * theme.c: see theme.h.
 */
#include <config.h>

#include "crt.h"
#include "theme.h"

typedef struct theme_entry {
	short		fg,
				bg;				/* -1: the terminal's default */
	attr_t		color_attr;		/* added to the pair */
	attr_t		mono;			/* without colours */
} theme_entry;

/* Indexed by theme_role; the role's pair number is its index + 1. */
static const theme_entry theme[THEME_N_ROLES] = {
	[THEME_TITLE] = {COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD},
	[THEME_ERROR] = {COLOR_RED, -1, A_BOLD, A_BOLD},
	[THEME_OK] = {COLOR_GREEN, -1, A_BOLD, A_BOLD},
	[THEME_GOOD] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
	[THEME_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_NORMAL},
	[THEME_FOCUS] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[THEME_KEY] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[THEME_HEADER] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[THEME_DIALOG] = {COLOR_WHITE, COLOR_BLUE, A_NORMAL, A_NORMAL},
};

void
theme_init(void)
{
	if (!crt_has_colors())
		return;
	for (int r = 0; r < THEME_N_ROLES; r++)
		init_pair((short) (r + 1), theme[r].fg, theme[r].bg);
}

attr_t
theme_attr(theme_role role)
{
	if (role < 0 || role >= THEME_N_ROLES)
		return A_NORMAL;
	if (!crt_has_colors())
		return theme[role].mono;
	return COLOR_PAIR(role + 1) | theme[role].color_attr;
}
