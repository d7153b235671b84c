/*
 * timeline.c: a server's timeline history, and whether a node left it
 * (see timeline.h).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lsn.h"
#include "report.h"
#include "timeline.h"

void
timeline_free(status_timeline *t, int n)
{
	for (int i = 0; i < n; i++)
	{
		free(t[i].switch_lsn);
		free(t[i].created);
	}
	free(t);
}

int
timeline_parse(const char *text, int newest, status_timeline **out, int *n)
{
	status_timeline *t = NULL;
	int			count = 0;
	const char *p = text ? text : "";

	*out = NULL;
	*n = 0;
	while (*p)
	{
		const char *eol = strchr(p, '\n');
		size_t		len = eol ? (size_t) (eol - p) : strlen(p);
		char		line[256];
		unsigned int parent;
		char		lsn[32];

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = '\0';
		p = eol ? eol + 1 : p + strlen(p);
		/* the server writes comments and blank lines too (xlog.c) */
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		if (sscanf(line, "%u %31s", &parent, lsn) != 2 || lsn_parse(lsn) < 0 ||
			parent == 0 || (count > 0 && (int) parent <= t[count - 1].parent))
		{
			timeline_free(t, count);
			return -1;
		}
		t = pgr_realloc(t, (size_t) (count + 1) * sizeof(*t));
		t[count].parent = (int) parent;
		t[count].switch_lsn = pgr_strdup(lsn);
		t[count].created = NULL;
		t[count].timeline = 0;
		count++;
	}
	/* each line's child is the next line's parent, the last's the file's */
	for (int i = 0; i < count; i++)
		t[i].timeline = i + 1 < count ? t[i + 1].parent : newest;
	if (count > 0 && t[count - 1].parent >= newest)
	{
		timeline_free(t, count);
		return -1;
	}
	*out = t;
	*n = count;
	return 0;
}

timeline_fork
timeline_check(const status_timeline *h, int n, int ref_tli, int tli, const char *lsn)
{
	long long	at = lsn_parse(lsn);

	if (ref_tli <= 0 || tli <= 0)
		return TIMELINE_UNKNOWN;
	if (tli == ref_tli)
		return TIMELINE_ON;
	if (tli > ref_tli)
		return TIMELINE_DIVERGED;
	for (int i = 0; i < n; i++)
	{
		if (h[i].parent != tli)
			continue;
		if (at < 0)
			return TIMELINE_UNKNOWN;
		return at > lsn_parse(h[i].switch_lsn) ? TIMELINE_DIVERGED : TIMELINE_ON;
	}
	return TIMELINE_DIVERGED;
}
