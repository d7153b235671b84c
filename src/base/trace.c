/*
 * trace.c: see trace.h.  Not translated: a developer's and a benchmark's
 * view, like a debug log.
 */
#include "clock.h"
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "report.h"
#include "trace.h"

static int	enabled = -1;		/* -1: environment not read yet */
static int64_t origin;

bool
trace_on(void)
{
	if (enabled < 0)
	{
		const char *v = getenv("PGREPLICA_TRACE");

		enabled = v != NULL && v[0] != '\0';
		origin = pgr_now_ms();
	}
	return enabled;
}

int64_t
trace_start(void)
{
	return trace_on() ? pgr_now_ms() : 0;
}

void
trace_done(int64_t start, const char *fmt,...)
{
	va_list		ap;
	int64_t		now;
	char	   *text;

	if (!trace_on())
		return;
	now = pgr_now_ms();
	fprintf(stderr, "trace +%6lld ms (%5lld ms) ", (long long) (now - origin),
			(long long) (now - start));
	va_start(ap, fmt);
	text = pgr_vasprintf(fmt, ap);
	va_end(ap);
	report_puts(text, stderr);	/* commands and hosts: made visible */
	free(text);
	fputc('\n', stderr);
}
