/*
 * provide_curses.h: the one header that includes curses, so that nothing
 * else needs to know which header configure found (ncursesw's curses.h
 * from pkg-config's include path).
 */
#ifndef PGR_PROVIDE_CURSES_H
#define PGR_PROVIDE_CURSES_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <curses.h>

#endif
