/*
 * pgconf.h: postgresql.conf as text, read the way PostgreSQL reads it
 * (src/backend/utils/misc/guc-file.l) and edited without disturbing it.
 *
 * Pure logic: the caller reads and writes files through the transport.
 *
 * Syntax, line by line: blank, or a comment from "#" to the end of the line,
 * or a setting `name = value` / `name value` (the "=" is optional) that a
 * comment may follow.  A name is an identifier (letters, digits, "_",
 * bytes >= 0x80; not starting with a digit) or two joined by "."; it is
 * case-insensitive.  A value is a single-quoted string ('' or \' for a
 * quote, \\ \n \t \r \b \f and octal \ooo escapes), or bare: an identifier,
 * a word starting with a letter that may contain - . _ : /, or a number
 * with an optional unit (64MB, 0x1F, -1, 0.5, 1e3 written 1.0e3).  When a
 * parameter is set several times, the LAST setting wins, across included
 * files too.  `include 'file'`, `include_if_exists 'file'` and
 * `include_dir 'dir'` read other files at that point; a relative path is
 * relative to the directory of the file that includes it.
 *
 * Editing (pgconf_set) changes as little text as it can: every line it does
 * not edit renders byte for byte as it was read, and the edited line keeps
 * its layout and its comment.
 */
#ifndef PGR_PGCONF_H
#define PGR_PGCONF_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

/* Nesting limit of includes, as PostgreSQL's CONF_FILE_MAX_DEPTH. */
#define PGCONF_MAX_DEPTH 10

/* The comment line above what pgconf_set appends at the end of a file. */
#define PGCONF_MARKER "# Added by pgreplica"

typedef enum pgconf_line_kind
{
	PGCONF_OTHER,				/* blank line or comment */
	PGCONF_SETTING,				/* name = value */
	PGCONF_COMMENTED,			/* #name = value: a setting commented out */
	PGCONF_INCLUDE,				/* include 'file' */
	PGCONF_INCLUDE_IF_EXISTS,	/* include_if_exists 'file' */
	PGCONF_INCLUDE_DIR			/* include_dir 'directory' */
} pgconf_line_kind;

typedef struct pgconf_line
{
	pgconf_line_kind kind;
	int			lineno;			/* 1-based, in the text as it is now */
	char	   *text;			/* the line as written, line feed included */
	/* for every kind but PGCONF_OTHER: */
	char	   *name;			/* as written */
	char	   *raw_value;		/* as written, quotes included */
	char	   *value;			/* unquoted */
	/* for the include kinds: the path resolved and made canonical */
	char	   *path;
	/* private: where name, value and comment are in text */
	size_t		name_off,
				value_off,
				value_len,
				comment_off;	/* of the "#" after the value, or 0: none */
} pgconf_line;

typedef struct pgconf_doc pgconf_doc;

/*
 * Parse the text of the file at `path` (absolute, as the server names it:
 * include paths are resolved against its directory; it appears in error
 * messages).  The text may have no final line feed and may use CR LF.
 * NULL on a syntax error, with PGR_ERR_INPUT and the line number, the
 * message being PostgreSQL's own ("syntax error in file ... line N, near
 * token ...").  pgconf_parse_len accepts a buffer that is not a C string
 * (a NUL byte in it is an error).
 */
pgconf_doc *pgconf_parse(const char *text, const char *path, pgr_error *err);
pgconf_doc *pgconf_parse_len(const char *text, size_t len, const char *path,
							 pgr_error *err);
void		pgconf_free(pgconf_doc *doc);

/* The text: what was parsed, byte for byte, plus the edits.  malloc'd. */
char	   *pgconf_render(const pgconf_doc *doc);

const char *pgconf_path(const pgconf_doc *doc);

/* The lines, in order; pointers are valid until the next edit. */
size_t		pgconf_nlines(const pgconf_doc *doc);
const pgconf_line *pgconf_line_at(const pgconf_doc *doc, size_t i);

/*
 * The line that sets `name` in this file (case-insensitive): the last
 * PGCONF_SETTING line of that name, or NULL.  Includes are not followed
 * (see pgconf_locate).
 */
const pgconf_line *pgconf_find(const pgconf_doc *doc, const char *name);

/* How many PGCONF_SETTING lines set `name` in this file. */
int			pgconf_count(const pgconf_doc *doc, const char *name);

/* ---- editing ---------------------------------------------------------------- */

typedef enum pgconf_action
{
	PGCONF_UNCHANGED,			/* already set to that value: nothing done */
	PGCONF_REPLACED,			/* the effective line's value replaced */
	PGCONF_INSERTED,			/* a line added after "#name = ..." */
	PGCONF_APPENDED				/* a line added at the end of the file */
} pgconf_action;

typedef struct pgconf_change
{
	pgconf_action action;
	int			lineno;			/* the line that now sets the parameter */
	int			shadowed;		/* earlier lines setting it, left alone */
	char	   *note;			/* translated remark about them, or NULL */
} pgconf_change;

/*
 * Set parameter `name` to `value` (unquoted; it is quoted as needed):
 *  - if the file sets it, the value of the last setting line is replaced
 *    in place, the rest of the line kept (spaces before a comment are
 *    adjusted so that the comment stays in its column when they are
 *    spaces).  Earlier lines that set it too are left alone, since the
 *    last one wins; change->shadowed counts them and change->note says so.
 *    The new value is written bare when the old one was and it is a plain
 *    word (replica, on), else as pgconf_quote_value writes it;
 *  - else, if a commented-out "#name = ..." line exists, `name = value` is
 *    added right after the last such line;
 *  - else `name = value` is appended at the end of the file, below a
 *    PGCONF_MARKER line (added once, after a blank line).
 * Setting the value a parameter already has (compared unquoted) changes
 * nothing: PGCONF_UNCHANGED.  Fails (PGR_ERR_INPUT) on an invalid name
 * (not an identifier, or an include directive) or a value containing a
 * line break.  `change` may be NULL; else clear it with pgconf_change_clear.
 */
int			pgconf_set(pgconf_doc *doc, const char *name, const char *value,
					   pgconf_change *change, pgr_error *err);
void		pgconf_change_clear(pgconf_change *change);

/*
 * A value as it is written in the file: bare when it is a number with an
 * optional unit (5432, 64MB, -1, 0.9, 0x1F, 30s) or a boolean word (on,
 * off, true, false, yes, no), else single-quoted with ' doubled and \
 * doubled.  malloc'd.
 */
char	   *pgconf_quote_value(const char *value);

/*
 * A value as written (quoted or bare) to what it means, as PostgreSQL's
 * DeescapeQuotedString: surrounding quotes removed, '' and \' give ',
 * \b \f \n \r \t, \ooo (octal), \x gives x.  Bare values are copied.
 * malloc'd.
 */
char	   *pgconf_unquote(const char *raw);

/* Whether `name` is a valid parameter name (identifier or a.b). */
bool		pgconf_valid_name(const char *name);

/* ---- includes ---------------------------------------------------------------- */

/*
 * `location` resolved against directory `dir` ("" or NULL: left relative)
 * when it is relative, then made canonical like PostgreSQL's
 * canonicalize_path (no "//", "/./", trailing "/", "x/.." removed).
 * malloc'd.  Paths of include lines are pgconf_resolve_path(dirname of the
 * including file, location); the caller names the files it lists in an
 * include_dir directory pgconf_resolve_path(directory, file name).
 */
char	   *pgconf_resolve_path(const char *dir, const char *location);

/*
 * Whether a file of an include_dir directory is read: its name ends with
 * ".conf", is longer than that and does not start with "."; directories
 * are skipped (the caller checks).  They are read in strcmp order of
 * their names.
 */
bool		pgconf_include_dir_wants(const char *filename);

/* The files PostgreSQL reads, as the caller loaded them. */
typedef struct pgconf_file
{
	const char *path;			/* canonical, as include lines resolve it */
	const pgconf_doc *doc;
	bool		root;			/* read on its own, not through an include:
								 * postgresql.conf, then postgresql.auto.conf */
} pgconf_file;

typedef struct pgconf_location
{
	size_t		file;			/* index in the files given */
	const pgconf_line *line;
	int			count;			/* settings of the parameter read in all */
} pgconf_location;

/*
 * Where `name` is really set: walks the root files in the order given,
 * each included file at the point of its include line (an include_dir's
 * files: those of `files` in that directory that pgconf_include_dir_wants,
 * in order of name), as the server reads them, and reports the last line
 * setting `name`.  Returns 1 and fills *loc when found, 0 when it is set
 * nowhere, -1 (PGR_ERR_INPUT) when a file named by an `include` line is not
 * among `files` or includes nest deeper than PGCONF_MAX_DEPTH.  A file of
 * an `include_if_exists` line that is not among `files` is taken as
 * missing, and skipped as the server does.
 */
int			pgconf_locate(const pgconf_file *files, size_t nfiles,
						  const char *name, pgconf_location *loc, pgr_error *err);

#endif
