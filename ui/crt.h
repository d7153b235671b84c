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

/*
 * Curses is not thread-safe: only the thread that started it may touch it
 * (the workers talk to it through their events, worker.h).  crt_init
 * records that thread; crt_on_ui_thread() compares with it, and is false
 * before crt_init, when no thread may draw yet.
 */
bool		crt_on_ui_thread(void);
/* Fatal (the terminal restored first) when called off the UI thread:
 * called by every entry point that draws or reads keys. */
void		crt_require_ui_thread(const char *where);

#endif
