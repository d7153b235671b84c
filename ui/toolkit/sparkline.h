/*
 * sparkline.h: a row of small bars for a series of values (the lag history).
 */
#ifndef PGR_SPARKLINE_H
#define PGR_SPARKLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

/*
 * Fill out (room for width + 1 wide characters) with one bar per value, the
 * last `width` values, scaled to the largest of them; a negative value
 * (unknown) is a blank.  unicode: block elements (U+2581..U+2588), else
 * ASCII (" _.-=*#", for terminals in a non-UTF-8 locale).
 */
void		sparkline_render(const double *values, int n, int width, bool unicode,
							 wchar_t *out);

#endif
