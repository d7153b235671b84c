/*
 * report.h: errors in PostgreSQL's style, a primary message, an optional
 * detail and an optional hint, all translated by the caller with _().
 *
 * Engine functions that can fail take a `pgr_error *err` last and return
 * -1 (or NULL) after filling it; the caller decides whether to print it
 * (command line), show it in a dialog (UI) or carry on.  Messages are
 * lower-case with no final period, file names in double quotes.
 */
#ifndef PGR_REPORT_H
#define PGR_REPORT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

typedef enum pgr_error_kind {
	PGR_ERR_NONE = 0,
	PGR_ERR_GENERIC,	/* anything not listed below */
	PGR_ERR_INPUT,		/* bad input: cluster file, option, field */
	PGR_ERR_CONNECT,	/* host or server unreachable, refused */
	PGR_ERR_AUTH,		/* authentication failed (password, key) */
	PGR_ERR_HOSTKEY,	/* SSH host key changed or refused */
	PGR_ERR_TIMEOUT,	/* a time limit ran out */
	PGR_ERR_IO,			/* reading or writing a file */
	PGR_ERR_SQL,		/* a statement failed: see sqlstate */
	PGR_ERR_EXEC,		/* a command could not be run */
	PGR_ERR_REFUSED		/* an action refused for safety (promote while
						 * the old primary still accepts writes) */
} pgr_error_kind;

typedef struct pgr_error {
	pgr_error_kind kind;
	char	   *message;
	char	   *detail;
	char	   *hint;
	char		sqlstate[6];	/* "" unless kind == PGR_ERR_SQL */
} pgr_error;

#define PGR_ERROR_INIT {PGR_ERR_NONE, NULL, NULL, NULL, ""}

#define PGR_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Set the primary message (replacing any earlier error). Returns -1. */
int			pgr_error_set(pgr_error *err, pgr_error_kind kind, const char *fmt,...) PGR_PRINTF(3, 4);
int			pgr_error_vset(pgr_error *err, pgr_error_kind kind, const char *fmt, va_list ap) PGR_PRINTF(3, 0);
/*
 * Replace the primary message and kind, keeping the detail and hint: a
 * caller that knows what the failed work was for says so, and the detail
 * (a command's standard error, say) stays.  Returns -1.
 */
int			pgr_error_reword(pgr_error *err, pgr_error_kind kind, const char *fmt,...) PGR_PRINTF(3, 4);
/* Add or replace the detail / hint of the current error. */
void		pgr_error_detail(pgr_error *err, const char *fmt,...) PGR_PRINTF(2, 3);
void		pgr_error_hint(pgr_error *err, const char *fmt,...) PGR_PRINTF(2, 3);
/* Put `prefix: ` before the current message (context, e.g. a node name). */
void		pgr_error_prefix(pgr_error *err, const char *fmt,...) PGR_PRINTF(2, 3);
void		pgr_error_clear(pgr_error *err);
bool		pgr_error_isset(const pgr_error *err);

/*
 * Printing on stderr, prefixed with the program name:
 *   pgreplica: error: could not read "x": No such file or directory
 *   DETAIL:  ...
 *   HINT:  ...
 */
void		report_error(const pgr_error *err);
void		report_warning(const char *fmt,...) PGR_PRINTF(1, 2);
void		report_info(const char *fmt,...) PGR_PRINTF(1, 2);

/*
 * A fatal error: runs the hook (the UI registers one that restores the
 * terminal, so the message is readable), prints, exits with `status`.
 */
typedef void (*report_fatal_hook) (void);
void		report_set_fatal_hook(report_fatal_hook hook);
void		report_fatal(int status, const pgr_error *err) __attribute__((noreturn));
void		report_fatal_msg(int status, const char *fmt,...) PGR_PRINTF(2, 3) __attribute__((noreturn));

/*
 * Text that does not come from the catalogue (server messages, remote
 * stderr, file contents, diffs, names from the cluster file) as the
 * terminal may show it: C0 controls but line feed and tab, DEL, C1
 * controls, the Unicode line separators and bidirectional overrides become
 * visible escapes ("\x1b", "\u009b", "\u202e"), and so does every byte
 * that is not valid UTF-8 ("\xff"); the rest is kept as it is.  Every
 * string the command line prints goes through it (report_*, and
 * report_puts for standard output); the curses screens and JSON have
 * their own filter.  report_visible returns a malloc'd string.
 */
char	   *report_visible(const char *s);
void		report_puts(const char *s, FILE *f);

/* The program name used as prefix; set once by main(). */
void		report_set_progname(const char *name);

/* Memory helpers that never return NULL (out of memory is fatal). */
void	   *pgr_malloc(size_t size);
void	   *pgr_calloc(size_t n, size_t size);
void	   *pgr_realloc(void *p, size_t size);
char	   *pgr_strdup(const char *s);
char	   *pgr_strndup(const char *s, size_t n);
char	   *pgr_asprintf(const char *fmt,...) PGR_PRINTF(1, 2);
char	   *pgr_vasprintf(const char *fmt, va_list ap) PGR_PRINTF(1, 0);
/* Wipe a secret before freeing it; NULL is fine. */
void		pgr_free_secret(char *s);
void		pgr_wipe(void *p, size_t len);

#endif
