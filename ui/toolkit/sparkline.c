/*
 * sparkline.c: see sparkline.h.  No curses here: the caller draws the text.
 */
#include <config.h>

#include "sparkline.h"

void
sparkline_render(const double *values, int n, int width, bool unicode,
				 wchar_t *out)
{
	static const wchar_t blocks[] = L"\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588";
	static const wchar_t ascii[] = L"_.-=*#";
	const wchar_t *steps = unicode ? blocks : ascii;
	int			n_steps = unicode ? 8 : 6;
	int			first = n > width ? n - width : 0;
	double		max = 0;
	int			o = 0;

	for (int i = first; i < n; i++)
		if (values[i] > max)
			max = values[i];
	/* the most recent value at the right edge */
	for (int i = 0; i < width - (n - first); i++)
		out[o++] = L' ';
	for (int i = first; i < n; i++)
	{
		int			k;

		if (values[i] < 0)
		{
			out[o++] = L' ';
			continue;
		}
		k = max > 0 ? (int) (values[i] / max * (n_steps - 1) + 0.5) : 0;
		if (k >= n_steps)
			k = n_steps - 1;
		out[o++] = steps[k];
	}
	out[o] = L'\0';
}
