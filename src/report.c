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

void
pgr_error_detail(pgr_error *err, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	free(err->detail);
	va_start(ap, fmt);
	err->detail = pgr_vasprintf(fmt, ap);
	va_end(ap);
}

void
pgr_error_hint(pgr_error *err, const char *fmt,...)
{
	va_list		ap;

	if (!err)
		return;
	free(err->hint);
	va_start(ap, fmt);
	err->hint = pgr_vasprintf(fmt, ap);
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

static void
print_error(const pgr_error *err)
{
	/*
	 * TRANSLATORS: the program's name, then the message, as PostgreSQL's
	 * tools print them (in French: "pgreplica : erreur : ...", U+00A0 before
	 * each colon)
	 */
	fprintf(stderr, _("%s: error: %s\n"), progname,
			err && err->message ? err->message : _("unknown error"));
	if (err && err->detail)
		/* TRANSLATORS: as in PostgreSQL's messages: "DETAIL:  ..." */
		fprintf(stderr, "%s  %s\n", _("DETAIL:"), err->detail);
	if (err && err->hint)
		/* TRANSLATORS: as in PostgreSQL's messages: "HINT:  ..." */
		fprintf(stderr, "%s  %s\n", _("HINT:"), err->hint);
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

	fflush(stdout);
	/* TRANSLATORS: the program's name, before a warning */
	fprintf(stderr, _("%s: warning: "), progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
report_info(const char *fmt,...)
{
	va_list		ap;

	fflush(stdout);
	/* TRANSLATORS: the program's name, before a message */
	fprintf(stderr, _("%s: "), progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
