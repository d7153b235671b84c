/*
 * report.c: errors (message, detail, hint) and how they are printed.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "report.h"

static const char *progname = PACKAGE;
static report_fatal_hook fatal_hook;

void
report_set_progname(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

/* ---- memory ---------------------------------------------------------- */

static void
out_of_memory(void)
{
	/* No allocation from here on: the message is a constant. */
	if (fatal_hook)
		fatal_hook();
	fprintf(stderr, _("%s: out of memory\n"), progname);
	exit(2);
}

void *
pgr_malloc(size_t size)
{
	void	   *p = malloc(size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *
pgr_calloc(size_t n, size_t size)
{
	void	   *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		out_of_memory();
	return p;
}

void *
pgr_realloc(void *p, size_t size)
{
	void	   *q = realloc(p, size ? size : 1);

	if (!q)
		out_of_memory();
	return q;
}

char *
pgr_strdup(const char *s)
{
	char	   *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		out_of_memory();
	return p;
}

char *
pgr_strndup(const char *s, size_t n)
{
	char	   *p = strndup(s, n);

	if (!p)
		out_of_memory();
	return p;
}

char *
pgr_vasprintf(const char *fmt, va_list ap)
{
	char	   *s;

	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *
pgr_asprintf(const char *fmt,...)
{
	va_list		ap;
	char	   *s;

	va_start(ap, fmt);
	s = pgr_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void
pgr_wipe(void *p, size_t len)
{
	if (!p)
		return;
#ifdef HAVE_EXPLICIT_BZERO
	explicit_bzero(p, len);
#else
	volatile unsigned char *v = p;

	while (len--)
		*v++ = 0;
#endif
}

void
pgr_free_secret(char *s)
{
	if (!s)
		return;
	pgr_wipe(s, strlen(s));
	free(s);
}

/* ---- errors ------------------------------------------------------------ */

int
pgr_error_vset(pgr_error *err, pgr_error_kind kind, const char *fmt, va_list ap)
{
	if (!err)
		return -1;
	pgr_error_clear(err);
	err->kind = kind;
	err->message = pgr_vasprintf(fmt, ap);
	return -1;
}

int
pgr_error_set(pgr_error *err, pgr_error_kind kind, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	pgr_error_vset(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

int
pgr_error_reword(pgr_error *err, pgr_error_kind kind, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return -1;
	free(err->message);
	err->kind = kind;
	err->sqlstate[0] = '\0';
	va_start(ap, fmt);
	err->message = pgr_vasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

/* One of an error's texts (detail, hint) replaced by a formatted one. */
static void set_text(char **text, const char *fmt, va_list ap) PGR_PRINTF(2, 0);

static void
set_text(char **text, const char *fmt, va_list ap)
{
	free(*text);
	*text = pgr_vasprintf(fmt, ap);
}

void
pgr_error_detail(pgr_error *err, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	va_start(ap, fmt);
	set_text(&err->detail, fmt, ap);
	va_end(ap);
}

void
pgr_error_hint(pgr_error *err, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	va_start(ap, fmt);
	set_text(&err->hint, fmt, ap);
	va_end(ap);
}

void
pgr_error_prefix(pgr_error *err, const char *fmt,...)
{
	va_list		ap;
	char	   *prefix;
	char	   *msg;

	if (!err || !err->message)
		return;
	va_start(ap, fmt);
	prefix = pgr_vasprintf(fmt, ap);
	va_end(ap);
	/* TRANSLATORS: context (a step, a node), then the message */
	msg = pgr_asprintf(_("%s: %s"), prefix, err->message);
	free(prefix);
	free(err->message);
	err->message = msg;
}

void
pgr_error_clear(pgr_error *err)
{
	if (!err)
		return;
	free(err->message);
	free(err->detail);
	free(err->hint);
	err->message = err->detail = err->hint = NULL;
	err->kind = PGR_ERR_NONE;
	err->sqlstate[0] = '\0';
}

bool
pgr_error_isset(const pgr_error *err)
{
	return err && err->message != NULL;
}

/* ---- printing ---------------------------------------------------------- */

/*
 * Length of the valid UTF-8 sequence at s (1-4) and its code point, or 0
 * when the bytes there are not one (overlong forms, surrogates and values
 * above U+10FFFF included).
 */
static int
utf8_char(const unsigned char *s, unsigned *cp)
{
	static const unsigned min[] = {0, 0, 0x80, 0x800, 0x10000};
	int			len;
	unsigned	c;

	if (s[0] < 0x80)
	{
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	for (int i = 1; i < len; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;			/* also stops at the final NUL */
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

/* A code point a terminal acts on (or that reorders what it shows). */
static bool
is_control(unsigned cp)
{
	return (cp < 0x20 && cp != '\n' && cp != '\t') || (cp >= 0x7F && cp <= 0x9F) ||
		cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
		(cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
		cp == 0x061C;
}

char *
report_visible(const char *s)
{
	const unsigned char *p = (const unsigned char *) (s ? s : "");
	size_t		cap = strlen((const char *) p) + 1;
	size_t		n = 0;
	char	   *out = pgr_malloc(cap);

	while (*p)
	{
		unsigned	cp = 0;
		int			len = utf8_char(p, &cp);
		char		esc[16];
		size_t		add;

		if (len == 0)
			add = (size_t) snprintf(esc, sizeof(esc), "\\x%02x", *p), len = 1;
		else if (!is_control(cp))
			add = 0;
		else if (cp < 0x80)
			add = (size_t) snprintf(esc, sizeof(esc), "\\x%02x", cp);
		else
			add = (size_t) snprintf(esc, sizeof(esc), "\\u%04x", cp);
		if (n + (add ? add : (size_t) len) + 1 > cap)
		{
			cap = cap * 2 + 16;
			out = pgr_realloc(out, cap);
		}
		if (add)
			memcpy(out + n, esc, add), n += add;
		else
			memcpy(out + n, p, (size_t) len), n += (size_t) len;
		p += len;
	}
	out[n] = '\0';
	return out;
}

void
report_puts(const char *s, FILE *f)
{
	char	   *v = report_visible(s);

	fputs(v, f);
	free(v);
}

/* PREFIX, SEP, the text made visible, a line feed, on stderr. */
static void
print_line(const char *prefix, const char *sep, const char *text)
{
	fputs(prefix, stderr);
	fputs(sep, stderr);
	report_puts(text, stderr);
	fputc('\n', stderr);
}

static void
print_error(const pgr_error *err)
{
	char	   *v = report_visible(err && err->message ? err->message : _("unknown error"));

	/*
	 * TRANSLATORS: the program's name, then the message, as PostgreSQL's
	 * tools print them (in French: "pgreplica : erreur : ...", U+00A0 before
	 * each colon)
	 */
	fprintf(stderr, _("%s: error: %s\n"), progname, v);
	free(v);
	if (err && err->detail)
		/* TRANSLATORS: as in PostgreSQL's messages: "DETAIL:  ..." */
		print_line(_("DETAIL:"), "  ", err->detail);
	if (err && err->hint)
		/* TRANSLATORS: as in PostgreSQL's messages: "HINT:  ..." */
		print_line(_("HINT:"), "  ", err->hint);
}

void
report_error(const pgr_error *err)
{
	fflush(stdout);
	print_error(err);
}

void
report_warning(const char *fmt,...)
{
	va_list		ap;
	char	   *text;

	fflush(stdout);
	va_start(ap, fmt);
	text = pgr_vasprintf(fmt, ap);
	va_end(ap);
	/* TRANSLATORS: the program's name, before a warning */
	fprintf(stderr, _("%s: warning: "), progname);
	print_line("", "", text);
	free(text);
}

void
report_info(const char *fmt,...)
{
	va_list		ap;
	char	   *text;

	fflush(stdout);
	va_start(ap, fmt);
	text = pgr_vasprintf(fmt, ap);
	va_end(ap);
	/* TRANSLATORS: the program's name, before a message */
	fprintf(stderr, _("%s: "), progname);
	print_line("", "", text);
	free(text);
}

void
report_set_fatal_hook(report_fatal_hook hook)
{
	fatal_hook = hook;
}

void
report_fatal(int status, const pgr_error *err)
{
	report_fatal_hook hook = fatal_hook;

	/* Run the hook once: it may itself fail and come back here. */
	fatal_hook = NULL;
	if (hook)
		hook();
	print_error(err);
	exit(status);
}

void
report_fatal_msg(int status, const char *fmt,...)
{
	pgr_error	err = PGR_ERROR_INIT;
	va_list		ap;

	va_start(ap, fmt);
	pgr_error_vset(&err, PGR_ERR_GENERIC, fmt, ap);
	va_end(ap);
	report_fatal(status, &err);
}
