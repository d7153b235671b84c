/*
 * pgconf.c: postgresql.conf read as PostgreSQL reads it, edited in place
 * (see pgconf.h).
 *
 * The lexer follows guc-file.l rule for rule: at each point the longest
 * match among identifier, qualified identifier, quoted string, unquoted
 * string, integer, real and "=" wins, the first of these on a tie; blanks
 * are " \t\r"; "#" starts a comment to the end of the line; anything else
 * is an error token.  Tokens never span lines, so a document is a list of
 * lines, each kept as read (line feed included) and analysed on its own;
 * an edit replaces or inserts whole lines, and render() concatenates them.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "pgconf.h"
#include "report.h"
#include "strbuf.h"

struct pgconf_doc
{
	char	   *path;			/* as given (for messages) */
	char	   *dir;			/* canonical directory of path, "" if none */
	pgconf_line *lines;
	size_t		n;
	size_t		cap;
	bool		crlf;			/* lines end with CR LF: so do added ones */
};

/* ---- lexer ------------------------------------------------------------------ */

typedef enum tok
{
	T_EOL,						/* end of line, or a comment up to it */
	T_ID,
	T_QUALIFIED_ID,
	T_STRING,
	T_UNQUOTED,
	T_INTEGER,
	T_REAL,
	T_EQUALS,
	T_ERROR
} tok;

typedef struct lexer
{
	const char *s;
	size_t		len;
	size_t		pos;
	/* the last token */
	size_t		start;
	size_t		tlen;
} lexer;

static bool
is_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool
is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_letter_or_digit(unsigned char c)
{
	return is_letter(c) || is_digit(c);
}

static bool
is_hexdigit(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool
is_unit_letter(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#define AT(p) ((p) < lx->len ? (unsigned char) lx->s[p] : 0)

/* {LETTER}{LETTER_OR_DIGIT}* */
static size_t
match_id(const lexer *lx, size_t p)
{
	size_t		q = p;

	if (q >= lx->len || !is_letter(AT(q)))
		return 0;
	for (q++; q < lx->len && is_letter_or_digit(AT(q)); q++)
		continue;
	return q - p;
}

/* {ID}"."{ID} */
static size_t
match_qualified_id(const lexer *lx, size_t p)
{
	size_t		a = match_id(lx, p),
				b;

	if (a == 0 || AT(p + a) != '.')
		return 0;
	b = match_id(lx, p + a + 1);
	return b ? a + 1 + b : 0;
}

/*
 * \'([^'\\\n]|\\.|\'\')*\' : the longest prefix of that form, so after a
 * quote that could close the string, a second quote continues it only if
 * the string can be closed later.
 */
static size_t
match_string(const lexer *lx, size_t p)
{
	size_t		q = p + 1,
				best = 0;

	if (AT(p) != '\'')
		return 0;
	while (q < lx->len)
	{
		unsigned char c = AT(q);

		if (c == '\n')
			break;
		if (c == '\\')
		{
			if (q + 1 >= lx->len || AT(q + 1) == '\n')
				break;
			q += 2;
		}
		else if (c == '\'')
		{
			best = q + 1 - p;	/* it may close here */
			if (q + 1 < lx->len && AT(q + 1) == '\'')
				q += 2;			/* or be a doubled quote */
			else
				break;
		}
		else
			q++;
	}
	return best;
}

/* {LETTER}({LETTER_OR_DIGIT}|[-._:/])* */
static size_t
match_unquoted(const lexer *lx, size_t p)
{
	size_t		q = p;

	if (q >= lx->len || !is_letter(AT(q)))
		return 0;
	for (q++; q < lx->len; q++)
	{
		unsigned char c = AT(q);

		if (!(is_letter_or_digit(c) || c == '-' || c == '.' || c == '_' ||
			  c == ':' || c == '/'))
			break;
	}
	return q - p;
}

/* {SIGN}?({DIGIT}+|0x{HEXDIGIT}+){UNIT_LETTER}* */
static size_t
match_integer(const lexer *lx, size_t p)
{
	size_t		q = p,
				dec = 0,
				hex = 0;

	if (AT(q) == '+' || AT(q) == '-')
		q++;
	if (is_digit(AT(q)))
	{
		size_t		r = q;

		while (is_digit(AT(r)))
			r++;
		while (is_unit_letter(AT(r)))
			r++;
		dec = r - p;
	}
	if (AT(q) == '0' && AT(q + 1) == 'x' && is_hexdigit(AT(q + 2)))
	{
		size_t		r = q + 2;

		while (is_hexdigit(AT(r)))
			r++;
		while (is_unit_letter(AT(r)))
			r++;
		hex = r - p;
	}
	return dec > hex ? dec : hex;
}

/* {SIGN}?{DIGIT}*"."{DIGIT}*{EXPONENT}?  with EXPONENT [Ee]{SIGN}?{DIGIT}+ */
static size_t
match_real(const lexer *lx, size_t p)
{
	size_t		q = p;

	if (AT(q) == '+' || AT(q) == '-')
		q++;
	while (is_digit(AT(q)))
		q++;
	if (AT(q) != '.')
		return 0;
	q++;
	while (is_digit(AT(q)))
		q++;
	if (AT(q) == 'e' || AT(q) == 'E')
	{
		size_t		r = q + 1;

		if (AT(r) == '+' || AT(r) == '-')
			r++;
		if (is_digit(AT(r)))
		{
			while (is_digit(AT(r)))
				r++;
			q = r;
		}
	}
	return q - p;
}

/*
 * The next token.  For T_EOL, start is where the comment begins ("#") or
 * the end of the line.
 */
static tok
lex(lexer *lx)
{
	size_t		lens[7];
	tok			best = T_ERROR;
	size_t		best_len = 0;
	static const tok order[7] = {T_ID, T_QUALIFIED_ID, T_STRING, T_UNQUOTED,
	T_INTEGER, T_REAL, T_EQUALS};

	while (lx->pos < lx->len &&
		   (AT(lx->pos) == ' ' || AT(lx->pos) == '\t' || AT(lx->pos) == '\r'))
		lx->pos++;
	lx->start = lx->pos;
	if (lx->pos >= lx->len || AT(lx->pos) == '\n' || AT(lx->pos) == '#')
	{
		lx->tlen = 0;
		return T_EOL;
	}
	lens[0] = match_id(lx, lx->pos);
	lens[1] = match_qualified_id(lx, lx->pos);
	lens[2] = match_string(lx, lx->pos);
	lens[3] = match_unquoted(lx, lx->pos);
	lens[4] = match_integer(lx, lx->pos);
	lens[5] = match_real(lx, lx->pos);
	lens[6] = AT(lx->pos) == '=' ? 1 : 0;
	for (int i = 0; i < 7; i++)
		if (lens[i] > best_len)
		{
			best_len = lens[i];
			best = order[i];
		}
	if (best_len == 0)
		best_len = 1;			/* "." : one character, an error */
	lx->tlen = best_len;
	lx->pos += best_len;
	return best;
}

#undef AT

/* ---- small helpers -------------------------------------------------------------- */

/* guc_name_compare: ASCII letters only are folded */
static int
name_cmp(const char *a, const char *b)
{
	for (;; a++, b++)
	{
		unsigned char ca = (unsigned char) *a,
					cb = (unsigned char) *b;

		if (ca >= 'A' && ca <= 'Z')
			ca += 'a' - 'A';
		if (cb >= 'A' && cb <= 'Z')
			cb += 'a' - 'A';
		if (ca != cb)
			return ca - cb;
		if (ca == 0)
			return 0;
	}
}

static pgconf_line_kind
directive_kind(const char *name)
{
	if (name_cmp(name, "include") == 0)
		return PGCONF_INCLUDE;
	if (name_cmp(name, "include_if_exists") == 0)
		return PGCONF_INCLUDE_IF_EXISTS;
	if (name_cmp(name, "include_dir") == 0)
		return PGCONF_INCLUDE_DIR;
	return PGCONF_SETTING;
}

/* Does the whole string lex as one token of that type? */
static bool
whole_token(const char *s, tok want)
{
	lexer		lx = {s, strlen(s), 0, 0, 0};

	if (lx.len == 0 || lex(&lx) != want || lx.start != 0)
		return false;
	return lx.pos == lx.len;
}

static const char *
doc_name(const pgconf_doc *doc)
{
	return doc->path ? doc->path : "postgresql.conf";
}

/* ---- paths ----------------------------------------------------------------------- */

char *
pgconf_resolve_path(const char *dir, const char *location)
{
	strbuf		in,
				out;
	const char **comp;
	size_t		ncomp = 0;
	bool		absolute;
	char	   *p,
			   *save = NULL,
			   *c;

	strbuf_init(&in);
	if (location[0] != '/' && dir && dir[0])
	{
		strbuf_append(&in, dir);
		strbuf_append_char(&in, '/');
	}
	strbuf_append(&in, location);
	absolute = in.data[0] == '/';
	comp = pgr_malloc((in.len / 2 + 2) * sizeof(char *));
	for (p = in.data; (c = strtok_r(p, "/", &save)) != NULL; p = NULL)
	{
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
		{
			if (ncomp > 0 && strcmp(comp[ncomp - 1], "..") != 0)
			{
				ncomp--;
				continue;
			}
			if (absolute)
				continue;		/* "/.." is "/" */
		}
		comp[ncomp++] = c;
	}
	strbuf_init(&out);
	if (absolute)
		strbuf_append_char(&out, '/');
	for (size_t i = 0; i < ncomp; i++)
	{
		if (i > 0)
			strbuf_append_char(&out, '/');
		strbuf_append(&out, comp[i]);
	}
	if (out.len == 0)
		strbuf_append_char(&out, '.');
	free(comp);
	strbuf_free(&in);
	return strbuf_detach(&out);
}

/* The directory part of a canonical path: "" when it has none. */
static char *
dir_of(const char *canonical)
{
	const char *slash = strrchr(canonical, '/');

	if (!slash)
		return pgr_strdup("");
	if (slash == canonical)
		return pgr_strdup("/");
	return pgr_strndup(canonical, (size_t) (slash - canonical));
}

static const char *
base_of(const char *canonical)
{
	const char *slash = strrchr(canonical, '/');

	return slash ? slash + 1 : canonical;
}

bool
pgconf_include_dir_wants(const char *filename)
{
	size_t		len = strlen(filename);

	if (len < 6 || filename[0] == '.')
		return false;
	return strcmp(filename + len - 5, ".conf") == 0;
}

/* ---- values ------------------------------------------------------------------------ */

char *
pgconf_unquote(const char *raw)
{
	size_t		len;
	strbuf		out;

	if (!raw)
		return pgr_strdup("");
	len = strlen(raw);
	if (len < 2 || raw[0] != '\'' || raw[len - 1] != '\'')
		return pgr_strdup(raw);
	strbuf_init(&out);
	for (size_t i = 1; i < len - 1; i++)
	{
		char		c = raw[i];

		if (c == '\\' && i + 1 < len - 1)
		{
			i++;
			switch (raw[i])
			{
				case 'b':
					strbuf_append_char(&out, '\b');
					break;
				case 'f':
					strbuf_append_char(&out, '\f');
					break;
				case 'n':
					strbuf_append_char(&out, '\n');
					break;
				case 'r':
					strbuf_append_char(&out, '\r');
					break;
				case 't':
					strbuf_append_char(&out, '\t');
					break;
				case '0':
				case '1':
				case '2':
				case '3':
				case '4':
				case '5':
				case '6':
				case '7':
					{
						int			k;
						unsigned int octal = 0;

						for (k = 0; k < 3 && i + k < len - 1 &&
							 raw[i + k] >= '0' && raw[i + k] <= '7'; k++)
							octal = (octal << 3) + (unsigned int) (raw[i + k] - '0');
						i += k - 1;
						strbuf_append_char(&out, (char) octal);
					}
					break;
				default:
					strbuf_append_char(&out, raw[i]);
					break;
			}
		}
		else if (c == '\'' && i + 1 < len - 1 && raw[i + 1] == '\'')
		{
			strbuf_append_char(&out, '\'');
			i++;
		}
		else
			strbuf_append_char(&out, c);
	}
	return strbuf_detach(&out);
}

static bool
is_boolean_word(const char *v)
{
	static const char *const words[] = {"on", "off", "true", "false", "yes", "no"};

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (name_cmp(v, words[i]) == 0)
			return true;
	return false;
}

char *
pgconf_quote_value(const char *value)
{
	strbuf		out;

	if (whole_token(value, T_INTEGER) || whole_token(value, T_REAL) ||
		is_boolean_word(value))
		return pgr_strdup(value);
	strbuf_init(&out);
	strbuf_append_char(&out, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'')
			strbuf_append(&out, "''");
		else if (*p == '\\')
			strbuf_append(&out, "\\\\");
		else
			strbuf_append_char(&out, *p);
	}
	strbuf_append_char(&out, '\'');
	return strbuf_detach(&out);
}

bool
pgconf_valid_name(const char *name)
{
	return name && (whole_token(name, T_ID) || whole_token(name, T_QUALIFIED_ID));
}

/* ---- lines ---------------------------------------------------------------------------- */

typedef struct parsed
{
	size_t		name_off,
				name_len,
				value_off,
				value_len,
				comment_off;	/* 0: none */
	/* on a syntax error: */
	tok			bad;
	size_t		bad_off,
				bad_len;
} parsed;

/*
 * One line (without its line feed) as ParseConfigFp reads it: 1 a setting,
 * 0 nothing (blank or comment), -1 a syntax error (pr->bad*).
 */
static int
parse_setting(const char *s, size_t len, parsed *pr)
{
	lexer		lx = {s, len, 0, 0, 0};
	tok			t;

	memset(pr, 0, sizeof(*pr));
	t = lex(&lx);
	if (t == T_EOL)
		return 0;
	if (t != T_ID && t != T_QUALIFIED_ID)
		goto error;
	pr->name_off = lx.start;
	pr->name_len = lx.tlen;
	t = lex(&lx);
	if (t == T_EQUALS)
		t = lex(&lx);
	if (t != T_ID && t != T_STRING && t != T_UNQUOTED && t != T_INTEGER &&
		t != T_REAL)
		goto error;
	pr->value_off = lx.start;
	pr->value_len = lx.tlen;
	t = lex(&lx);
	if (t != T_EOL)
		goto error;
	pr->comment_off = lx.start < len && s[lx.start] == '#' ? lx.start : 0;
	return 1;

error:
	pr->bad = t;
	pr->bad_off = lx.start;
	pr->bad_len = lx.tlen;
	return -1;
}

static void
line_clear_fields(pgconf_line *l)
{
	free(l->name);
	free(l->raw_value);
	free(l->value);
	free(l->path);
	l->name = l->raw_value = l->value = l->path = NULL;
	l->name_off = l->value_off = l->value_len = l->comment_off = 0;
	l->kind = PGCONF_OTHER;
}

static void
fill_fields(pgconf_line *l, const parsed *pr, size_t base)
{
	l->name = pgr_strndup(l->text + base + pr->name_off, pr->name_len);
	l->raw_value = pgr_strndup(l->text + base + pr->value_off, pr->value_len);
	l->value = pgconf_unquote(l->raw_value);
	l->name_off = base + pr->name_off;
	l->value_off = base + pr->value_off;
	l->value_len = pr->value_len;
	l->comment_off = pr->comment_off ? base + pr->comment_off : 0;
}

/* Length of a line's text without its line feed (the CR stays: a blank). */
static size_t
content_len(const pgconf_line *l)
{
	size_t		len = strlen(l->text);

	if (len > 0 && l->text[len - 1] == '\n')
		len--;
	return len;
}

/* Analyse l->text: kind and fields.  -1 on a syntax error. */
static int
analyse_line(const pgconf_doc *doc, pgconf_line *l, pgr_error *err)
{
	size_t		len = content_len(l);
	parsed		pr;
	int			r;

	line_clear_fields(l);
	r = parse_setting(l->text, len, &pr);
	if (r < 0)
	{
		if (pr.bad == T_EOL)
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("syntax error in file \"%s\" line %d, near end of line"),
						  doc_name(doc), l->lineno);
		else
		{
			char	   *token = pgr_strndup(l->text + pr.bad_off, pr.bad_len);

			pgr_error_set(err, PGR_ERR_INPUT,
						  _("syntax error in file \"%s\" line %d, near token \"%s\""),
						  doc_name(doc), l->lineno, token);
			free(token);
		}
		pgr_error_hint(err, _("A line is a setting, name = value, where a value is a number, a single word, or text in single quotes; \"#\" starts a comment."));
		return -1;
	}
	if (r == 1)
	{
		fill_fields(l, &pr, 0);
		l->kind = directive_kind(l->name);
		if (l->kind != PGCONF_SETTING)
		{
			if (l->value[0] == '\0')
			{
				pgr_error_set(err, PGR_ERR_INPUT,
							  l->kind == PGCONF_INCLUDE_DIR
							  ? _("empty configuration directory name in file \"%s\" line %d")
							  : _("empty configuration file name in file \"%s\" line %d"),
							  doc_name(doc), l->lineno);
				return -1;
			}
			l->path = pgconf_resolve_path(doc->dir, l->value);
		}
		return 0;
	}

	/* a comment: is it a setting commented out? */
	{
		size_t		p = 0;

		while (p < len && (l->text[p] == ' ' || l->text[p] == '\t' || l->text[p] == '\r'))
			p++;
		if (p < len && l->text[p] == '#' &&
			parse_setting(l->text + p + 1, len - p - 1, &pr) == 1)
		{
			fill_fields(l, &pr, p + 1);
			l->kind = PGCONF_COMMENTED;
		}
	}
	return 0;
}

static void
renumber(pgconf_doc *doc, size_t from)
{
	for (size_t i = from; i < doc->n; i++)
		doc->lines[i].lineno = (int) i + 1;
}

/* Insert a line with that text at index `at`; its fields are analysed. */
static pgconf_line *
insert_line(pgconf_doc *doc, size_t at, char *text)
{
	pgconf_line *l;

	if (doc->n == doc->cap)
	{
		doc->cap = doc->cap ? doc->cap * 2 : 64;
		doc->lines = pgr_realloc(doc->lines, doc->cap * sizeof(pgconf_line));
	}
	memmove(&doc->lines[at + 1], &doc->lines[at], (doc->n - at) * sizeof(pgconf_line));
	doc->n++;
	l = &doc->lines[at];
	memset(l, 0, sizeof(*l));
	l->text = text;
	renumber(doc, at);
	return l;
}

/* ---- documents -------------------------------------------------------------------------- */

pgconf_doc *
pgconf_parse_len(const char *text, size_t len, const char *path, pgr_error *err)
{
	pgconf_doc *doc = pgr_calloc(1, sizeof(pgconf_doc));
	size_t		p = 0;
	bool		crlf_seen = false;

	doc->path = path ? pgr_strdup(path) : NULL;
	if (path && path[0])
	{
		char	   *canonical = pgconf_resolve_path(NULL, path);

		doc->dir = dir_of(canonical);
		free(canonical);
	}
	else
		doc->dir = pgr_strdup("");

	while (p < len)
	{
		const char *nl = memchr(text + p, '\n', len - p);
		size_t		l = nl ? (size_t) (nl - (text + p)) + 1 : len - p;
		pgconf_line *line;

		if (nl && !crlf_seen)
		{
			crlf_seen = true;
			doc->crlf = l >= 2 && text[p + l - 2] == '\r';
		}
		line = insert_line(doc, doc->n, pgr_malloc(l + 1));
		memcpy(line->text, text + p, l);
		line->text[l] = '\0';
		if (memchr(text + p, '\0', l) != NULL)
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("invalid NUL byte in file \"%s\" line %d"),
						  doc_name(doc), line->lineno);
			pgconf_free(doc);
			return NULL;
		}
		if (analyse_line(doc, line, err) < 0)
		{
			pgconf_free(doc);
			return NULL;
		}
		p += l;
	}
	return doc;
}

pgconf_doc *
pgconf_parse(const char *text, const char *path, pgr_error *err)
{
	return pgconf_parse_len(text ? text : "", text ? strlen(text) : 0, path, err);
}

void
pgconf_free(pgconf_doc *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n; i++)
	{
		line_clear_fields(&doc->lines[i]);
		free(doc->lines[i].text);
	}
	free(doc->lines);
	free(doc->path);
	free(doc->dir);
	free(doc);
}

char *
pgconf_render(const pgconf_doc *doc)
{
	strbuf		out;

	strbuf_init(&out);
	for (size_t i = 0; i < doc->n; i++)
		strbuf_append(&out, doc->lines[i].text);
	return strbuf_detach(&out);
}

const char *
pgconf_path(const pgconf_doc *doc)
{
	return doc->path;
}

size_t
pgconf_nlines(const pgconf_doc *doc)
{
	return doc->n;
}

const pgconf_line *
pgconf_line_at(const pgconf_doc *doc, size_t i)
{
	return i < doc->n ? &doc->lines[i] : NULL;
}

static pgconf_line *
find_last(const pgconf_doc *doc, pgconf_line_kind kind, const char *name)
{
	for (size_t i = doc->n; i-- > 0;)
	{
		pgconf_line *l = &doc->lines[i];

		if (l->kind == kind && name_cmp(l->name, name) == 0)
			return l;
	}
	return NULL;
}

const pgconf_line *
pgconf_find(const pgconf_doc *doc, const char *name)
{
	return find_last(doc, PGCONF_SETTING, name);
}

int
pgconf_count(const pgconf_doc *doc, const char *name)
{
	int			n = 0;

	for (size_t i = 0; i < doc->n; i++)
		if (doc->lines[i].kind == PGCONF_SETTING &&
			name_cmp(doc->lines[i].name, name) == 0)
			n++;
	return n;
}

/* ---- editing --------------------------------------------------------------------------------- */

void
pgconf_change_clear(pgconf_change *change)
{
	if (!change)
		return;
	free(change->note);
	memset(change, 0, sizeof(*change));
}

/* A plain word: letters, digits and "_", not starting with a digit. */
static bool
plain_word(const char *v)
{
	if (!((v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z') || v[0] == '_'))
		return false;
	for (const char *p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
			  (*p >= '0' && *p <= '9')))
			return false;
	return true;
}

/* The new value as written, in the style of the value it replaces. */
static char *
styled_value(const char *old_raw, const char *value)
{
	bool		old_quoted = old_raw && old_raw[0] == '\'';

	if (old_raw && !old_quoted && plain_word(value))
		return pgr_strdup(value);
	if (old_quoted)
	{
		/* keep the quotes, even around a number */
		char	   *q = pgconf_quote_value(value);

		if (q[0] != '\'')
		{
			char	   *w = pgr_asprintf("'%s'", q);

			free(q);
			return w;
		}
		return q;
	}
	return pgconf_quote_value(value);
}

static const char *
eol_of(const pgconf_doc *doc)
{
	return doc->crlf ? "\r\n" : "\n";
}

/* Make sure the last line ends with a line feed (before adding after it). */
static void
terminate_last_line(pgconf_doc *doc)
{
	pgconf_line *l;
	size_t		len;

	if (doc->n == 0)
		return;
	l = &doc->lines[doc->n - 1];
	len = strlen(l->text);
	if (len > 0 && l->text[len - 1] == '\n')
		return;
	l->text = pgr_realloc(l->text, len + 3);
	strcpy(l->text + len, eol_of(doc));
}

static bool
is_marker(const pgconf_line *l)
{
	size_t		len = content_len(l);
	size_t		mlen = strlen(PGCONF_MARKER);

	while (len > 0 && (l->text[len - 1] == '\r' || l->text[len - 1] == ' ' ||
					   l->text[len - 1] == '\t'))
		len--;
	return len == mlen && memcmp(l->text, PGCONF_MARKER, mlen) == 0;
}

static bool
is_blank(const pgconf_line *l)
{
	for (const char *p = l->text; *p; p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			return false;
	return true;
}

/* Replace the value of line l (a setting) by `written`. */
static void
replace_value(pgconf_line *l, const char *written)
{
	const char *t = l->text;
	size_t		new_len = strlen(written);
	size_t		value_end = l->value_off + l->value_len;
	size_t		gap_end = l->comment_off ? l->comment_off : value_end;
	size_t		gap = gap_end - value_end;
	bool		spaces_only = true;
	strbuf		out;

	for (size_t i = value_end; i < gap_end; i++)
		if (t[i] != ' ')
			spaces_only = false;
	if (l->comment_off && spaces_only && gap > 0)
	{
		/* keep the comment in its column, with at least one space */
		long		g = (long) gap + (long) l->value_len - (long) new_len;

		gap = g < 1 ? 1 : (size_t) g;
	}
	strbuf_init(&out);
	strbuf_append_len(&out, t, l->value_off);
	strbuf_append(&out, written);
	if (l->comment_off && spaces_only)
	{
		for (size_t i = 0; i < gap; i++)
			strbuf_append_char(&out, ' ');
	}
	else
		strbuf_append_len(&out, t + value_end, gap);
	strbuf_append(&out, t + gap_end);
	free(l->text);
	l->text = strbuf_detach(&out);
}

static char *
shadow_note(const pgconf_doc *doc, const char *name, const pgconf_line *effective,
			int *count)
{
	strbuf		lines;
	int			n = 0;
	char	   *note;

	strbuf_init(&lines);
	for (size_t i = 0; i < doc->n && &doc->lines[i] != effective; i++)
	{
		const pgconf_line *l = &doc->lines[i];

		if (l->kind == PGCONF_SETTING && name_cmp(l->name, name) == 0)
		{
			strbuf_appendf(&lines, n ? ", %d" : "%d", l->lineno);
			n++;
		}
	}
	*count = n;
	if (n == 0)
	{
		strbuf_free(&lines);
		return NULL;
	}
	note = pgr_asprintf(ngettext("\"%s\" is also set on line %s of \"%s\"; that line is left as it is, since the last setting is the one in force",
								 "\"%s\" is also set on lines %s of \"%s\"; those lines are left as they are, since the last setting is the one in force",
								 (unsigned long) n),
						name, lines.data, doc_name(doc));
	strbuf_free(&lines);
	return note;
}

int
pgconf_set(pgconf_doc *doc, const char *name, const char *value,
		   pgconf_change *change, pgr_error *err)
{
	pgconf_change local = {PGCONF_UNCHANGED, 0, 0, NULL};
	pgconf_line *l;
	char	   *written = NULL;
	int			rc = -1;

	if (!pgconf_valid_name(name))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid parameter name \"%s\""), name ? name : "");
		pgr_error_hint(err, _("A parameter name is made of letters, digits and \"_\" (and at most one \".\"), and does not start with a digit."));
		goto out;
	}
	if (directive_kind(name) != PGCONF_SETTING)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is a directive, not a parameter"), name);
		goto out;
	}
	if (!value || strpbrk(value, "\r\n") != NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the value of \"%s\" contains a line break"), name);
		pgr_error_hint(err, _("A value in postgresql.conf is written on one line."));
		goto out;
	}

	l = find_last(doc, PGCONF_SETTING, name);
	if (l)
	{
		local.note = shadow_note(doc, name, l, &local.shadowed);
		if (strcmp(l->value, value) != 0)
		{
			written = styled_value(l->raw_value, value);
			replace_value(l, written);
			local.action = PGCONF_REPLACED;
		}
	}
	else if ((l = find_last(doc, PGCONF_COMMENTED, name)) != NULL)
	{
		size_t		at = (size_t) (l - doc->lines) + 1;

		written = styled_value(l->raw_value, value);
		if (at == doc->n)
			terminate_last_line(doc);
		l = insert_line(doc, at, pgr_asprintf("%s = %s%s", name, written, eol_of(doc)));
		local.action = PGCONF_INSERTED;
	}
	else
	{
		bool		marked = false;

		for (size_t i = 0; i < doc->n && !marked; i++)
			marked = is_marker(&doc->lines[i]);
		terminate_last_line(doc);
		if (!marked)
		{
			if (doc->n > 0 && !is_blank(&doc->lines[doc->n - 1]))
				insert_line(doc, doc->n, pgr_strdup(eol_of(doc)));
			insert_line(doc, doc->n, pgr_asprintf("%s%s", PGCONF_MARKER, eol_of(doc)));
		}
		written = pgconf_quote_value(value);
		l = insert_line(doc, doc->n, pgr_asprintf("%s = %s%s", name, written, eol_of(doc)));
		local.action = PGCONF_APPENDED;
	}

	/* read the edited line back: it must say exactly that */
	if (local.action != PGCONF_UNCHANGED)
	{
		if (analyse_line(doc, l, err) < 0 || l->kind != PGCONF_SETTING ||
			strcmp(l->value, value) != 0 || name_cmp(l->name, name) != 0)
		{
			pgr_error_set(err, PGR_ERR_GENERIC,
						  _("could not write the value of \"%s\" in \"%s\""),
						  name, doc_name(doc));
			goto out;
		}
	}
	local.lineno = l->lineno;
	rc = 0;

out:
	free(written);
	if (change && rc == 0)
		*change = local;
	else
		free(local.note);
	return rc;
}

/* ---- where a parameter is really set -------------------------------------------------------- */

typedef struct walker
{
	const pgconf_file *files;
	size_t		nfiles;
	char	  **paths;			/* canonical paths of files[] */
	const char *name;
	pgconf_location *loc;
	bool		found;
	pgr_error  *err;
} walker;

static long
file_index(const walker *w, const char *path)
{
	for (size_t i = 0; i < w->nfiles; i++)
		if (w->files[i].doc && strcmp(w->paths[i], path) == 0)
			return (long) i;
	return -1;
}

typedef struct dir_member
{
	const char *base;			/* file name, the sort key */
	size_t		index;			/* in files[] */
} dir_member;

static int
cmp_member(const void *a, const void *b)
{
	return strcmp(((const dir_member *) a)->base, ((const dir_member *) b)->base);
}

static int walk_file(walker *w, size_t fi, int depth);

static int
walk_dir(walker *w, const char *dir, int depth)
{
	dir_member *members = pgr_malloc((w->nfiles + 1) * sizeof(dir_member));
	size_t		n = 0;
	int			rc = 0;

	for (size_t i = 0; i < w->nfiles; i++)
	{
		char	   *d;

		if (!w->files[i].doc)
			continue;
		d = dir_of(w->paths[i]);
		if (strcmp(d, dir) == 0 && pgconf_include_dir_wants(base_of(w->paths[i])))
		{
			members[n].base = base_of(w->paths[i]);
			members[n].index = i;
			n++;
		}
		free(d);
	}
	qsort(members, n, sizeof(dir_member), cmp_member);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = walk_file(w, members[i].index, depth);
	free(members);
	return rc;
}

static int
walk_file(walker *w, size_t fi, int depth)
{
	const pgconf_doc *doc = w->files[fi].doc;

	if (depth > PGCONF_MAX_DEPTH)
		return pgr_error_set(w->err, PGR_ERR_INPUT,
							 _("could not open configuration file \"%s\": maximum nesting depth exceeded"),
							 w->paths[fi]);
	for (size_t i = 0; i < doc->n; i++)
	{
		const pgconf_line *l = &doc->lines[i];
		long		idx;

		switch (l->kind)
		{
			case PGCONF_SETTING:
				if (name_cmp(l->name, w->name) == 0)
				{
					w->loc->file = fi;
					w->loc->line = l;
					w->loc->count++;
					w->found = true;
				}
				break;
			case PGCONF_INCLUDE:
			case PGCONF_INCLUDE_IF_EXISTS:
				idx = file_index(w, l->path);
				if (idx < 0)
				{
					if (l->kind == PGCONF_INCLUDE_IF_EXISTS)
						break;
					return pgr_error_set(w->err, PGR_ERR_INPUT,
										 _("configuration file \"%s\", included by \"%s\" line %d, was not read"),
										 l->path, w->paths[fi], l->lineno);
				}
				if (walk_file(w, (size_t) idx, depth + 1) < 0)
					return -1;
				break;
			case PGCONF_INCLUDE_DIR:
				if (walk_dir(w, l->path, depth + 1) < 0)
					return -1;
				break;
			case PGCONF_OTHER:
			case PGCONF_COMMENTED:
				break;
		}
	}
	return 0;
}

int
pgconf_locate(const pgconf_file *files, size_t nfiles, const char *name,
			  pgconf_location *loc, pgr_error *err)
{
	walker		w;
	pgconf_location found = {0, NULL, 0};
	int			rc = 0;

	w.files = files;
	w.nfiles = nfiles;
	w.name = name;
	w.loc = &found;
	w.found = false;
	w.err = err;
	w.paths = pgr_calloc(nfiles + 1, sizeof(char *));
	for (size_t i = 0; i < nfiles; i++)
		w.paths[i] = pgconf_resolve_path(NULL, files[i].path ? files[i].path :
										 (files[i].doc && files[i].doc->path ? files[i].doc->path : ""));

	for (size_t i = 0; i < nfiles && rc == 0; i++)
		if (files[i].root && files[i].doc)
			rc = walk_file(&w, i, 0);

	for (size_t i = 0; i < nfiles; i++)
		free(w.paths[i]);
	free(w.paths);
	if (rc < 0)
		return -1;
	if (loc)
		*loc = found;
	return w.found ? 1 : 0;
}
