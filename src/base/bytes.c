/*
 * bytes.c: sizes as people read them.
 *
 * At the bottom of the layers: status's problem messages, the dashboard,
 * the wizard's gauge and the command line all print sizes, the same way.
 */
#include <config.h>

#include <stdio.h>

#include "bytes.h"
#include "i18n.h"

const char *
pgr_format_bytes(long long bytes, char *buf, size_t size)
{
	/* translated: "ko", "Mo" in French, as status writes them */
	static const char *const units[] = {N_("kB"), N_("MB"), N_("GB"), N_("TB"), N_("PB")};
	double		v = (double) bytes;
	int			u = -1;

	if (bytes < 0)
	{
		snprintf(buf, size, "-");
		return buf;
	}
	if (bytes < 1024)
	{
		/* TRANSLATORS: a size in bytes, with the symbol of the byte */
		snprintf(buf, size, _("%lld B"), bytes);
		return buf;
	}
	while (v >= 1024 && u < 4)
	{
		v /= 1024;
		u++;
	}
	snprintf(buf, size, v < 10 ? "%.1f %s" : "%.0f %s", v, _(units[u]));
	return buf;
}
