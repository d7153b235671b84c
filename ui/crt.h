/*
 * crt.h: the terminal: curses set-up and tear-down, and the promise that a
 * fatal error leaves a usable terminal behind (report.h's fatal hook).
 */
#ifndef PGR_CRT_H
#define PGR_CRT_H

#include <stdbool.h>

/* Start curses (wide characters, keypad, no echo, short ESC delay). */
int			crt_init(bool no_color);
/* Leave curses; safe to call twice and when crt_init was never called. */
void		crt_done(void);
bool		crt_active(void);
bool		crt_has_colors(void);

#endif
