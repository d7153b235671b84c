/*
 * crt.h: the terminal: curses set-up and tear-down, and the promise that a
 * fatal error leaves a usable terminal behind (report.h's fatal hook).
 */
#ifndef PGR_CRT_H
#define PGR_CRT_H

#include <signal.h>
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

/*
 * The terminal's signals (a resize, and those that end the program after
 * restoring the terminal) belong to the UI thread: a signal the kernel
 * gives to another thread would not interrupt the screen's poll(), and
 * its handler would call curses from that thread.  A thread started
 * between these two calls (worker.c), and every thread it starts in turn,
 * has them blocked.
 */
void		crt_block_signals(sigset_t *saved);
void		crt_restore_signals(const sigset_t *saved);

#endif
