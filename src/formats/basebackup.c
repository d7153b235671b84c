/*
 * basebackup.c: what pgreplica reads of pg_basebackup's output.
 *
 * pg_basebackup -P writes "DONE/TOTAL kB (P%), N/M tablespace[s]", with
 * -v the file being copied in parentheses after it, on its standard error;
 * up to 12 each line ends in \r, from 13 in \n when standard error is not
 * a terminal (the case here: it runs under a transport).  The line is
 * translated with the program's locale (French: "Ko", "(100 %)" in some
 * catalogues), so only its shape is read: two numbers separated by '/',
 * a unit word, a '(' and a number; then, optionally, ", N/M" for the
 * tablespaces.  The numbers are always in kB (pg_basebackup divides by
 * 1024 itself), whatever the word says.  Matching the English "kB" alone
 * left every French line unread, and the gauge with no figures at all.
 *
 * pg_rewind --progress writes the same shape, "DONE/TOTAL kB (P%) copied"
 * (French "Ko (P %) copiés"), at most once a second and once at the end;
 * it never had the tablespaces' counter.
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "basebackup.h"
#include "i18n.h"
#include "report.h"

/* A run of digits at *s: its value, and *s moved past it; -1 if none. */
static long long
number(const char **s)
{
	long long	v = 0;

	if (!isdigit((unsigned char) **s))
		return -1;
	while (isdigit((unsigned char) **s))
	{
		if (v > (1LL << 52))
			return -1;			/* more kB than any disk: not ours */
		v = v * 10 + (**s - '0');
		(*s)++;
	}
	return v;
}

static void
skip_spaces(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

bool
basebackup_parse_progress(const char *line, basebackup_progress *p)
{
	const char *s = line;
	long long	done,
				total,
				a,
				b;

	skip_spaces(&s);
	if ((done = number(&s)) < 0 || *s++ != '/')
		return false;
	if ((total = number(&s)) < 0 || *s != ' ')
		return false;
	skip_spaces(&s);
	/* the unit word: "kB", "Ko", "КБ"...: not a digit, not a parenthesis */
	if (!*s || *s == '(' || isdigit((unsigned char) *s))
		return false;
	while (*s && *s != ' ' && *s != '(')
		s++;
	skip_spaces(&s);
	if (*s++ != '(')
		return false;
	skip_spaces(&s);
	if (number(&s) < 0)
		return false;
	p->done_kb = done;
	p->total_kb = total;
	p->ts_done = 0;
	p->ts_total = 0;
	/* ", N/M tablespace": older or other catalogues may differ; optional */
	s = strchr(s, ',');
	if (s)
	{
		s++;
		skip_spaces(&s);
		if ((a = number(&s)) >= 0 && *s++ == '/' && (b = number(&s)) >= 0 && a <= b)
		{
			p->ts_done = (int) a;
			p->ts_total = (int) b;
		}
	}
	return true;
}

bool
basebackup_parse_rewind_progress(const char *line, long long *done_kb, long long *total_kb)
{
	basebackup_progress p;

	/* pg_rewind's line is pg_basebackup's without the tablespaces */
	if (!basebackup_parse_progress(line, &p) || p.ts_total != 0)
		return false;
	*done_kb = p.done_kb;
	*total_kb = p.total_kb;
	return true;
}

void
basebackup_lines_feed(strbuf *partial, const char *data, size_t len,
					  basebackup_line_fn fn, void *arg)
{
	for (size_t i = 0; i < len; i++)
	{
		if (data[i] == '\r' || data[i] == '\n')
		{
			fn(arg, partial->data);
			strbuf_reset(partial);
		}
		else
			strbuf_append_char(partial, data[i]);
	}
}

void
basebackup_lines_flush(strbuf *partial, basebackup_line_fn fn, void *arg)
{
	if (partial->len > 0)
		fn(arg, partial->data);
	strbuf_reset(partial);
}

bool
basebackup_parse_rate(const char *s, long long *kb)
{
	const char *c = s;
	long long	v = number(&c);

	if (v < 0)
		return false;
	if (*c == 'k')
		c++;
	else if (*c == 'M')
	{
		c++;
		if (v > BASEBACKUP_MAX_RATE_KB)
			return false;
		v *= 1024;
	}
	if (*c != '\0' || v < BASEBACKUP_MIN_RATE_KB || v > BASEBACKUP_MAX_RATE_KB)
		return false;
	*kb = v;
	return true;
}

int
basebackup_rate_option(const char *s, long long *kb, pgr_error *err)
{
	if (basebackup_parse_rate(s, kb))
		return 0;
	pgr_error_set(err, PGR_ERR_INPUT, _("invalid transfer rate \"%s\""), s);
	pgr_error_hint(err, _("Give kB/s, or a number with k or M (e.g. --max-rate=10M), from 32k to 1024M."));
	return -1;
}

bool
basebackup_parse_compression(const char *s, basebackup_compression *method, int *level)
{
	*level = 0;
	if (strcmp(s, "auto") == 0)
		*method = BB_COMPRESS_AUTO;
	else if (strcmp(s, "off") == 0)
		*method = BB_COMPRESS_OFF;
	else if (strcmp(s, "lz4") == 0)
		*method = BB_COMPRESS_LZ4;
	else if (strcmp(s, "zstd") == 0)
		*method = BB_COMPRESS_ZSTD;
	else if (strncmp(s, "zstd:", 5) == 0)
	{
		const char *c = s + 5;
		long long	v = number(&c);

		if (v < 1 || v > 22 || *c != '\0')
			return false;
		*method = BB_COMPRESS_ZSTD;
		*level = (int) v;
	}
	else
		return false;
	return true;
}

char *
basebackup_compress_arg(basebackup_compression method, int level)
{
	const char *name = method == BB_COMPRESS_LZ4 ? "lz4" : "zstd";

	if (level > 0)
		return pgr_asprintf("--compress=server-%s:level=%d", name, level);
	return pgr_asprintf("--compress=server-%s", name);
}
