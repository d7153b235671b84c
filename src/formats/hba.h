/*
 * hba.h: pg_hba.conf as text (DESIGN.md step 4 "pg_hba.conf").
 *
 * Pure logic, no I/O: the caller reads the file (transport_read_file),
 * parses it here, asks where the replication rule for a standby goes,
 * inserts it, renders the text and writes it back.
 *
 * The file is kept as a list of records ("lines"), each holding its bytes
 * exactly as read, so that hba_render() gives back the file byte for byte
 * except for what was inserted or removed.  A record is one physical line,
 * or several when a line ends with a backslash (continuation, PostgreSQL
 * 16 and later: the backslash is dropped and the next line joined, also
 * inside comments and quotes).  Rule records are tokenised and checked as
 * the server does (src/backend/libpq/hba.c): fields separated by blanks,
 * comma lists, double quotes ("" inside quotes is one "), '#' comments.
 *
 * Matching follows the server's first-match scan for the one connection
 * that matters here: a physical replication connection over TCP from the
 * standby's address, for the replication role, with or without SSL.  It
 * knows that:
 *   - only the unquoted keyword `replication` in the database column
 *     matches such a connection ("all" does not);
 *   - `hostssl` matches only SSL connections, `hostnossl` only non-SSL ones,
 *     `host` and `hostnogssenc` both; `hostgssenc` none (pgreplica does not
 *     set up GSSAPI encryption); `local` never (TCP);
 *   - `all`, a role's exact name (case-sensitive) match the role; `+group`,
 *     `/regex` (16+), `@file` may or may not ("maybe": the text alone
 *     cannot tell);
 *   - an address matches by family and mask (CIDR or a separate netmask
 *     column); host names, `samehost`, `samenet` may or may not match.
 * `include`, `include_if_exists` and `include_dir` records are recognised
 * but not followed: what they bring in "may" match.
 */
#ifndef PGR_HBA_H
#define PGR_HBA_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"

typedef enum hba_line_kind {
	HBA_LINE_BLANK,				/* nothing but blanks and/or a comment */
	HBA_LINE_RULE,				/* an authentication record */
	HBA_LINE_INCLUDE,			/* include / include_if_exists / include_dir */
	HBA_LINE_INVALID			/* the server would refuse it: see `error` */
} hba_line_kind;

typedef enum hba_conn_type {
	HBA_LOCAL,
	HBA_HOST,
	HBA_HOSTSSL,
	HBA_HOSTNOSSL,
	HBA_HOSTGSSENC,
	HBA_HOSTNOGSSENC
} hba_conn_type;

typedef enum hba_token_kind {
	HBA_TOKEN_NAME,				/* a plain name (quoted or not) */
	HBA_TOKEN_KEYWORD,			/* unquoted all, sameuser, samerole,
								 * samegroup, replication (database
								 * column) or all (user column) */
	HBA_TOKEN_GROUP,			/* user column, unquoted +name: members */
	HBA_TOKEN_FILE,				/* unquoted @file: names from a file,
								 * unknown here; value without the '@' */
	HBA_TOKEN_REGEX				/* /regex (PostgreSQL 16+): value without
								 * the '/' */
} hba_token_kind;

typedef struct hba_token {
	char	   *value;			/* without quotes, "" turned into " */
	bool		quoted;			/* began with a double quote */
	hba_token_kind kind;
} hba_token;

typedef struct hba_list {
	hba_token  *tokens;
	int			n;
} hba_list;

typedef enum hba_addr_kind {
	HBA_ADDR_NONE,				/* local records have no address */
	HBA_ADDR_ALL,
	HBA_ADDR_SAMEHOST,
	HBA_ADDR_SAMENET,
	HBA_ADDR_HOSTNAME,			/* text; a leading '.' matches a suffix */
	HBA_ADDR_IP					/* family, addr, mask */
} hba_addr_kind;

typedef struct hba_address {
	hba_addr_kind kind;
	char	   *text;			/* the address column as written (unquoted) */
	char	   *netmask;		/* the separate netmask column, or NULL */
	int			family;			/* HBA_ADDR_IP: AF_INET or AF_INET6 */
	unsigned char addr[16];		/* network byte order; 4 bytes for IPv4 */
	unsigned char mask[16];
} hba_address;

typedef struct hba_rule {
	hba_conn_type type;
	hba_list	databases;
	hba_list	users;
	hba_address address;
	char	   *method;			/* "scram-sha-256", "reject", ... */
	hba_list	options;		/* name=value tokens after the method */
} hba_rule;

typedef struct hba_line {
	char	   *text;			/* the bytes as read, line end(s) included */
	size_t		len;
	int			lineno;			/* first physical line, from 1 */
	int			n_physical;		/* physical lines (continuations) */
	hba_line_kind kind;
	hba_rule	rule;			/* HBA_LINE_RULE */
	char	   *include_keyword;	/* HBA_LINE_INCLUDE: "include", ... */
	char	   *include_path;	/* HBA_LINE_INCLUDE: as written */
	char	   *error;			/* HBA_LINE_INVALID: translated reason */
	size_t		eol_added;		/* bytes hba_insert() added at the end */
} hba_line;

typedef struct hba_doc {
	hba_line   *lines;
	int			n_lines;
	const char *eol;			/* "\r\n" when the first line ends so, else
								 * "\n": used for inserted lines */
} hba_doc;

/*
 * Parse `len` bytes of pg_hba.conf.  Never fails: records the server would
 * refuse are HBA_LINE_INVALID with the reason in `error`.  A NUL byte ends
 * the record's text for the tokeniser, as for the server.
 */
hba_doc    *hba_parse(const char *text, size_t len);
void		hba_free(hba_doc *doc);

/* The text again (malloc'd, NUL-terminated); *len (if not NULL) its length. */
char	   *hba_render(const hba_doc *doc, size_t *len);

/*
 * A role or database name as written in pg_hba.conf: as is when it is
 * plain ([A-Za-z0-9_.-], not a keyword), else double-quoted with any "
 * doubled.  malloc'd.  (A name starting with '/' is a regular expression
 * for PostgreSQL 16 and later, quoted or not: hba_format_rule refuses it.)
 */
char	   *hba_quote_name(const char *name);

/*
 * The rule `TYPE replication ROLE ADDRESS METHOD`, columns aligned like the
 * default file's, without line end.  type: HBA_HOST, HBA_HOSTSSL or
 * HBA_HOSTNOSSL; role: any name (quoted when needed; empty, over 63 bytes,
 * with control characters or starting with '/' refused); address: an IPv4 or IPv6 address,
 * optionally with /PREFIX (none means /32 or /128); method: one the server
 * knows, optionally followed by one space and one NAME=VALUE option of
 * lower-case letters, '_' and '-' (e.g. "scram-sha-256
 * clientcert=verify-full"); a rule is then equivalent only with exactly
 * that option (hba_plan_rule, hba_remove_rule).  malloc'd; NULL and err (PGR_ERR_INPUT) when an input is invalid.
 */
char	   *hba_format_rule(hba_conn_type type, const char *role,
							const char *address, const char *method,
							pgr_error *err);

typedef struct hba_plan {
	bool		needed;			/* false: an equivalent rule is reached
								 * first already, nothing to do */
	int			existing;		/* !needed: index of that rule (the lower
								 * one when SSL and non-SSL connections
								 * are served by different rules) */
	int			insert_at;		/* needed: index in doc->lines before which
								 * the rule goes (n_lines: at the end) */
	int			shadow;			/* index of the record that would match the
								 * connection before the new rule if it
								 * were put lower (the reason for
								 * insert_at), or -1 */
	bool		shadow_maybe;	/* that record only may match (group, host
								 * name, samehost, @file, include, ...) */
	int			shadow_lineno;	/* its line number, 0 when none */
	char	   *shadow_text;	/* its text without line ends, or NULL */
	char	   *line;			/* the rule (hba_format_rule) */
} hba_plan;

#define HBA_PLAN_INIT {false, -1, -1, -1, false, 0, NULL, NULL}

/*
 * Decide where `TYPE replication ROLE ADDRESS METHOD` goes in doc.
 *
 * A rule is equivalent when it surely matches the connection (replication
 * keyword, the role by name or `all`, an address range containing the
 * whole of ADDRESS) with the same method and no options.  For each SSL
 * state the connection may be in (hostssl: SSL; hostnossl: without; host:
 * both), the records are scanned in order as the server does: one that
 * cannot match is skipped, one that may match with the same method is
 * skipped too (either way the outcome is the same), an equivalent rule
 * ends the scan happily, anything else that may match (another method, a
 * `reject`, options, an include) ends it unhappily.
 *
 * needed is false when every state ends happily.  Otherwise the rule must
 * go above the first unhappy end (shadow); it goes right after the last
 * rule for `replication` above that point (near similar rules), else right
 * above the shadow, else at the end of the file.
 *
 * Returns 0, or -1 and err when an input is invalid (as hba_format_rule).
 * Free with hba_plan_clear().
 */
int			hba_plan_rule(const hba_doc *doc, hba_conn_type type,
						  const char *role, const char *address,
						  const char *method, hba_plan *plan, pgr_error *err);
void		hba_plan_clear(hba_plan *plan);

/*
 * Insert `line` (one line, no line end, must not end with a backslash)
 * before doc->lines[index] (index == n_lines: at the end), with the doc's
 * line end.  When appending after a last record that has no line end (or
 * ends with a continuation backslash), a line end is added to it first.
 * Returns 0, or -1 and err (PGR_ERR_INPUT) for a bad index or line.
 */
int			hba_insert(hba_doc *doc, int index, const char *line, pgr_error *err);

/*
 * Undo: remove the first rule that is exactly `TYPE replication ROLE
 * ADDRESS METHOD` without options (whatever its spacing or quoting), and
 * what hba_insert() added to the record before it.  Returns 1 when one was
 * removed, 0 when there is none, -1 and err when an input is invalid.
 */
int			hba_remove_rule(hba_doc *doc, hba_conn_type type, const char *role,
							const char *address, const char *method,
							pgr_error *err);

/* "host", "hostssl", ... */
const char *hba_conn_type_name(hba_conn_type type);

#endif
