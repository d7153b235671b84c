/*
 * hba.c: pg_hba.conf as text: parse, decide where a replication rule goes,
 * insert, remove, render (see hba.h).
 *
 * The tokeniser and the record checks follow the server's
 * (src/backend/libpq/hba.c, next_token / next_field_expand /
 * tokenize_auth_file / parse_hba_line / check_hba), so that a file is read
 * here the way the server reads it:
 *   - a record is a physical line, joined with the next one while it ends
 *     with a backslash (after its \r\n are stripped); the backslash goes;
 *   - blanks are space, tab and \r; a token runs to an unquoted blank or
 *     comma; commas (and blanks after them) separate the tokens of one
 *     field; double quotes may start anywhere in a token, "" inside quotes
 *     is one "; an unquoted '#' ends the record;
 *   - a token is "quoted" when a double quote comes before its first
 *     character: keywords, +group and @file lose their meaning then.
 */
#include <config.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "hba.h"
#include "i18n.h"
#include "strbuf.h"

#define HBA_NAME_MAX 63			/* NAMEDATALEN - 1 */

/* Column stops of the default file: TYPE DATABASE USER ADDRESS METHOD. */
#define COL_DATABASE 8
#define COL_USER 24
#define COL_ADDRESS 40
#define COL_METHOD 64

static const char *const conn_type_names[] = {
	"local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"
};

/* Methods the server knows (some only in some builds or versions). */
static const char *const auth_methods[] = {
	"trust", "reject", "scram-sha-256", "md5", "password", "gss", "sspi",
	"ident", "peer", "pam", "ldap", "radius", "cert", "bsd", "oauth", NULL
};

/* ---- small helpers ------------------------------------------------------- */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

const char *
hba_conn_type_name(hba_conn_type type)
{
	if ((int) type < 0 || (size_t) type >= sizeof(conn_type_names) / sizeof(conn_type_names[0]))
		return "?";
	return conn_type_names[type];
}

/* A string from the file or the caller as shown in a message: control
 * characters as '?', at most 80 bytes.  malloc'd. */
static char *
shown(const char *s)
{
	strbuf		sb;
	size_t		len = strlen(s);
	size_t		max = 80;

	strbuf_init(&sb);
	if (len > max)
	{
		while (max > 0 && ((unsigned char) s[max] & 0xC0) == 0x80)
			max--;
	}
	for (size_t i = 0; i < len && i < max; i++)
	{
		unsigned char ch = (unsigned char) s[i];

		strbuf_append_char(&sb, (ch < 0x20 || ch == 0x7F) ? '?' : (char) ch);
	}
	if (len > max)
		strbuf_append(&sb, "...");
	return strbuf_detach(&sb);
}

static void
list_add(hba_list *l, char *value, bool quoted)
{
	l->tokens = pgr_realloc(l->tokens, (size_t) (l->n + 1) * sizeof(hba_token));
	l->tokens[l->n].value = value;
	l->tokens[l->n].quoted = quoted;
	l->tokens[l->n].kind = HBA_TOKEN_NAME;
	l->n++;
}

static void
list_free(hba_list *l)
{
	for (int i = 0; i < l->n; i++)
		free(l->tokens[i].value);
	free(l->tokens);
	l->tokens = NULL;
	l->n = 0;
}

/* ---- addresses ----------------------------------------------------------- */

static int
family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static void
mask_from_bits(unsigned char *mask, int family, long bits)
{
	memset(mask, 0, 16);
	for (int i = 0; i < family_len(family); i++)
	{
		long		b = bits - 8L * i;

		if (b >= 8)
			mask[i] = 0xFF;
		else if (b > 0)
			mask[i] = (unsigned char) (0xFF << (8 - b));
	}
}

/*
 * A numeric address as the server's getaddrinfo(AI_NUMERICHOST) takes it:
 * IPv6 (a %zone is ignored for matching), IPv4 including the old inet_aton
 * forms (10.1, 0x0a.0.0.1).  Returns the family, or 0 when it is not one
 * (the server then takes it for a host name).
 */
static int
parse_numeric(const char *s, unsigned char *out)
{
	memset(out, 0, 16);
	if (strchr(s, ':'))
	{
		char		buf[INET6_ADDRSTRLEN + 1];
		size_t		n = strcspn(s, "%");

		if (n >= sizeof(buf) || (s[n] == '%' && s[n + 1] == '\0'))
			return 0;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return inet_pton(AF_INET6, buf, out) == 1 ? AF_INET6 : 0;
	}
	else
	{
		struct in_addr a;

		/* inet_aton accepts trailing blanks and text after them; the
		 * resolver does not */
		if (*s == '\0' || strpbrk(s, " \t\r\n\v\f"))
			return 0;
		if (inet_aton(s, &a) == 0)
			return 0;
		memcpy(out, &a.s_addr, 4);
		return AF_INET;
	}
}

/* CIDR bits as the server reads them (strtol, whole string). */
static bool
parse_cidr_bits(const char *s, int family, unsigned char *mask)
{
	char	   *end;
	long		bits;

	if (*s == '\0')
		return false;
	bits = strtol(s, &end, 10);
	if (*end != '\0' || bits < 0 || bits > 8L * family_len(family))
		return false;
	mask_from_bits(mask, family, bits);
	return true;
}

/*
 * The caller's address: strictly an IPv4 dotted quad or an IPv6 address,
 * with an optional /PREFIX in decimal.  Fills family, addr, mask, bits and
 * the canonical text "ADDR/BITS" (malloc'd).
 */
typedef struct req_address {
	int			family;
	unsigned char addr[16];
	unsigned char mask[16];
	int			bits;
	char	   *text;
} req_address;

static int
parse_req_address(const char *in, req_address *ra, pgr_error *err)
{
	char		buf[INET6_ADDRSTRLEN + 8];
	char		out[INET6_ADDRSTRLEN];
	const char *slash;
	size_t		n;
	char	   *s = NULL;

	memset(ra, 0, sizeof(*ra));
	slash = strchr(in, '/');
	n = slash ? (size_t) (slash - in) : strlen(in);
	if (n > 0 && n < sizeof(buf))
	{
		memcpy(buf, in, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET, buf, ra->addr) == 1)
			ra->family = AF_INET;
		else if (inet_pton(AF_INET6, buf, ra->addr) == 1)
			ra->family = AF_INET6;
	}
	if (ra->family == 0)
	{
		s = shown(in);
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid address \"%s\""), s);
		pgr_error_detail(err, _("A replication rule is written with the standby's IP address: neither a host name nor anything else is accepted."));
		pgr_error_hint(err, _("Give an IPv4 or IPv6 address, optionally with a prefix length, such as 192.0.2.10, 192.0.2.0/24 or 2001:db8::10."));
		free(s);
		return -1;
	}
	ra->bits = 8 * family_len(ra->family);
	if (slash)
	{
		const char *p = slash + 1;
		long		bits = 0;
		size_t		digits = strspn(p, "0123456789");

		if (digits == 0 || digits > 3 || p[digits] != '\0' ||
			(bits = strtol(p, NULL, 10)) > ra->bits)
		{
			s = shown(in);
			pgr_error_set(err, PGR_ERR_INPUT, _("invalid prefix length in address \"%s\""), s);
			pgr_error_hint(err, _("The prefix length is a number from 0 to 32 for an IPv4 address, from 0 to 128 for an IPv6 address."));
			free(s);
			return -1;
		}
		ra->bits = (int) bits;
	}
	mask_from_bits(ra->mask, ra->family, ra->bits);
	inet_ntop(ra->family, ra->addr, out, sizeof(out));
	ra->text = pgr_asprintf("%s/%d", out, ra->bits);
	return 0;
}

/* ---- tokeniser ------------------------------------------------------------- */

/*
 * One token from *lp (the server's next_token): false when the record has
 * no more.  *lp is left on the character after the token (a blank, a
 * comma, or the end).
 */
static bool
next_token(const char **lp, strbuf *buf, bool *initial_quote, bool *terminating_comma)
{
	const char *p = *lp;
	bool		in_quote = false;
	bool		was_quote = false;
	bool		saw_quote = false;

	strbuf_reset(buf);
	*initial_quote = false;
	*terminating_comma = false;

	while (*p && (is_blank(*p) || *p == ','))
		p++;

	for (; *p && (in_quote || !is_blank(*p)); p++)
	{
		char		c = *p;

		if (c == '#' && !in_quote)
		{
			p += strlen(p);		/* a comment: the rest is ignored */
			break;
		}
		if (c == ',' && !in_quote)
		{
			*terminating_comma = true;
			break;
		}
		if (c != '"' || was_quote)
			strbuf_append_char(buf, c);
		/* inside quotes, "" stands for one " */
		was_quote = (in_quote && c == '"') ? !was_quote : false;
		if (c == '"')
		{
			in_quote = !in_quote;
			saw_quote = true;
			if (buf->len == 0)
				*initial_quote = true;
		}
	}
	*lp = p;
	return saw_quote || buf->len > 0;
}

/* The fields of a record: each a comma list of tokens. */
typedef struct fields {
	hba_list   *f;
	int			n;
} fields;

static void
tokenize(const char *logical, fields *out)
{
	const char *p = logical;
	strbuf		buf;

	out->f = NULL;
	out->n = 0;
	strbuf_init(&buf);
	while (*p)
	{
		hba_list	field = {NULL, 0};
		bool		initial_quote;
		bool		comma;

		do
		{
			if (!next_token(&p, &buf, &initial_quote, &comma))
				break;
			list_add(&field, pgr_strdup(buf.data), initial_quote);
		} while (comma);
		if (field.n > 0)
		{
			out->f = pgr_realloc(out->f, (size_t) (out->n + 1) * sizeof(hba_list));
			out->f[out->n++] = field;
		}
	}
	strbuf_free(&buf);
}

static void
fields_free(fields *fs)
{
	for (int i = 0; i < fs->n; i++)
		list_free(&fs->f[i]);
	free(fs->f);
	fs->f = NULL;
	fs->n = 0;
}

/* ---- records ----------------------------------------------------------------- */

/* Length of a physical line's content: without its \n and trailing \r's. */
static size_t
content_len(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static void
classify_databases(hba_list *l)
{
	static const char *const kw[] = {"all", "sameuser", "samerole", "samegroup", "replication", NULL};

	for (int i = 0; i < l->n; i++)
	{
		hba_token  *t = &l->tokens[i];

		if (!t->quoted && t->value[0] == '@' && t->value[1] != '\0')
		{
			t->kind = HBA_TOKEN_FILE;
			memmove(t->value, t->value + 1, strlen(t->value));
			continue;
		}
		if (t->value[0] == '/')
		{
			t->kind = HBA_TOKEN_REGEX;
			memmove(t->value, t->value + 1, strlen(t->value));
			continue;
		}
		if (!t->quoted)
			for (int k = 0; kw[k]; k++)
				if (strcmp(t->value, kw[k]) == 0)
					t->kind = HBA_TOKEN_KEYWORD;
	}
}

static void
classify_users(hba_list *l)
{
	for (int i = 0; i < l->n; i++)
	{
		hba_token  *t = &l->tokens[i];

		if (!t->quoted && t->value[0] == '@' && t->value[1] != '\0')
		{
			t->kind = HBA_TOKEN_FILE;
			memmove(t->value, t->value + 1, strlen(t->value));
		}
		else if (!t->quoted && t->value[0] == '+')
		{
			t->kind = HBA_TOKEN_GROUP;
			memmove(t->value, t->value + 1, strlen(t->value));
		}
		else if (!t->quoted && strcmp(t->value, "all") == 0)
			t->kind = HBA_TOKEN_KEYWORD;
		else if (t->value[0] == '/')
		{
			t->kind = HBA_TOKEN_REGEX;
			memmove(t->value, t->value + 1, strlen(t->value));
		}
	}
}

static void
clear_parsed(hba_line *l)
{
	list_free(&l->rule.databases);
	list_free(&l->rule.users);
	list_free(&l->rule.options);
	free(l->rule.address.text);
	free(l->rule.address.netmask);
	free(l->rule.method);
	memset(&l->rule, 0, sizeof(l->rule));
	free(l->include_keyword);
	free(l->include_path);
	free(l->error);
	l->include_keyword = l->include_path = l->error = NULL;
	l->kind = HBA_LINE_BLANK;
}

static void
set_invalid(hba_line *l, char *error)
{
	clear_parsed(l);
	l->kind = HBA_LINE_INVALID;
	l->error = error;
}

static bool
is_auth_method(const char *m)
{
	for (int i = 0; auth_methods[i]; i++)
		if (strcmp(m, auth_methods[i]) == 0)
			return true;
	return false;
}

/* The connection type: one of conn_type_names. */
static bool
parse_conn_type(hba_line *l, fields *fs)
{
	const char *tok;
	int			t;
	char	   *s;

	if (fs->f[0].n > 1)
	{
		set_invalid(l, pgr_strdup(_("multiple values specified for connection type")));
		return false;
	}
	tok = fs->f[0].tokens[0].value;
	for (t = 0; t < (int) (sizeof(conn_type_names) / sizeof(conn_type_names[0])); t++)
		if (strcmp(tok, conn_type_names[t]) == 0)
			break;
	if (t == (int) (sizeof(conn_type_names) / sizeof(conn_type_names[0])))
	{
		s = shown(tok);
		set_invalid(l, pgr_asprintf(_("invalid connection type \"%s\""), s));
		free(s);
		return false;
	}
	l->rule.type = (hba_conn_type) t;
	return true;
}

/*
 * The next field, which must be there and hold one value: its token, or
 * NULL after marking the line invalid with EOL_MSG or MULTI_MSG.
 */
static hba_token *
next_single(hba_line *l, fields *fs, int *fi, const char *eol_msg,
			const char *multi_msg)
{
	if (++*fi >= fs->n)
	{
		set_invalid(l, pgr_strdup(eol_msg));
		return NULL;
	}
	if (fs->f[*fi].n > 1)
	{
		set_invalid(l, pgr_strdup(multi_msg));
		return NULL;
	}
	return &fs->f[*fi].tokens[0];
}

/* An IP address without /bits takes its mask from the next field. */
static bool
parse_netmask(hba_line *l, fields *fs, int *fi)
{
	hba_address *a = &l->rule.address;
	unsigned char m[16];
	int			mf;
	hba_token  *at;
	const char *tok;
	char	   *s;

	if (!(at = next_single(l, fs, fi, _("end-of-line before netmask specification"),
						   _("multiple values specified for netmask"))))
		return false;
	tok = at->value;
	mf = parse_numeric(tok, m);
	if (mf == 0)
	{
		s = shown(tok);
		set_invalid(l, pgr_asprintf(_("invalid IP mask \"%s\""), s));
		free(s);
		return false;
	}
	if (mf != a->family)
	{
		set_invalid(l, pgr_strdup(_("IP address and mask do not match")));
		return false;
	}
	memcpy(a->mask, m, sizeof(m));
	a->netmask = pgr_strdup(tok);
	return true;
}

/* An IP address (with /bits, or a netmask field after it) or a host name. */
static bool
parse_ip_or_host(hba_line *l, fields *fs, int *fi, const char *value)
{
	hba_address *a = &l->rule.address;
	char	   *str = pgr_strdup(value);
	char	   *slash = strchr(str, '/');
	char	   *s;

	if (slash)
		*slash = '\0';
	a->family = parse_numeric(str, a->addr);
	a->kind = a->family ? HBA_ADDR_IP : HBA_ADDR_HOSTNAME;
	if (slash && a->kind == HBA_ADDR_HOSTNAME)
	{
		s = shown(value);
		set_invalid(l, pgr_asprintf(_("specifying both host name and CIDR mask is invalid: \"%s\""), s));
		free(s);
		free(str);
		return false;
	}
	if (slash && !parse_cidr_bits(slash + 1, a->family, a->mask))
	{
		s = shown(value);
		set_invalid(l, pgr_asprintf(_("invalid CIDR mask in address \"%s\""), s));
		free(s);
		free(str);
		return false;
	}
	free(str);
	if (!slash && a->kind == HBA_ADDR_IP)
		return parse_netmask(l, fs, fi);
	return true;
}

/* The address field: a keyword, an IP address with its mask, or a host name. */
static bool
parse_address(hba_line *l, fields *fs, int *fi)
{
	hba_address *a = &l->rule.address;
	hba_token  *at;

	if (!(at = next_single(l, fs, fi, _("end-of-line before IP address specification"),
						   _("multiple values specified for host address"))))
		return false;
	a->text = pgr_strdup(at->value);
	if (!at->quoted && strcmp(at->value, "all") == 0)
		a->kind = HBA_ADDR_ALL;
	else if (!at->quoted && strcmp(at->value, "samehost") == 0)
		a->kind = HBA_ADDR_SAMEHOST;
	else if (!at->quoted && strcmp(at->value, "samenet") == 0)
		a->kind = HBA_ADDR_SAMENET;
	else
		return parse_ip_or_host(l, fs, fi, at->value);
	return true;
}

/* The method, and whether the connection type allows it. */
static bool
parse_method(hba_line *l, fields *fs, int *fi)
{
	hba_rule   *r = &l->rule;
	hba_token  *at;
	const char *tok;
	char	   *s;

	if (!(at = next_single(l, fs, fi, _("end-of-line before authentication method"),
						   _("multiple values specified for authentication type"))))
		return false;
	tok = at->value;
	if (!is_auth_method(tok))
	{
		s = shown(tok);
		set_invalid(l, pgr_asprintf(_("invalid authentication method \"%s\""), s));
		free(s);
		return false;
	}
	if (r->type != HBA_LOCAL && strcmp(tok, "peer") == 0)
	{
		set_invalid(l, pgr_strdup(_("peer authentication is only supported on local sockets")));
		return false;
	}
	if (r->type != HBA_HOSTSSL && strcmp(tok, "cert") == 0)
	{
		set_invalid(l, pgr_strdup(_("cert authentication is only supported on hostssl connections")));
		return false;
	}
	r->method = pgr_strdup(tok);
	return true;
}

/* The options, name=value, in the fields after the method. */
static void
parse_options(hba_line *l, fields *fs, int fi)
{
	hba_rule   *r = &l->rule;
	char	   *s;

	while (++fi < fs->n)
	{
		for (int i = 0; i < fs->f[fi].n; i++)
		{
			hba_token  *o = &fs->f[fi].tokens[i];

			if (!strchr(o->value, '='))
			{
				s = shown(o->value);
				set_invalid(l, pgr_asprintf(_("authentication option not in name=value format: %s"), s));
				free(s);
				return;
			}
			list_add(&r->options, o->value, o->quoted);
			o->value = NULL;
		}
	}
}

/* The fields of a rule record, checked as parse_hba_line() does. */
static void
parse_rule(hba_line *l, fields *fs)
{
	hba_rule   *r = &l->rule;
	int			fi = 0;

	l->kind = HBA_LINE_RULE;
	if (!parse_conn_type(l, fs))
		return;

	/* databases */
	if (++fi >= fs->n)
	{
		set_invalid(l, pgr_strdup(_("end-of-line before database specification")));
		return;
	}
	r->databases = fs->f[fi];
	fs->f[fi] = (hba_list) {NULL, 0};
	classify_databases(&r->databases);

	/* users */
	if (++fi >= fs->n)
	{
		set_invalid(l, pgr_strdup(_("end-of-line before role specification")));
		return;
	}
	r->users = fs->f[fi];
	fs->f[fi] = (hba_list) {NULL, 0};
	classify_users(&r->users);

	if (r->type != HBA_LOCAL && !parse_address(l, fs, &fi))
		return;
	if (!parse_method(l, fs, &fi))
		return;
	parse_options(l, fs, fi);
}

/*
 * (Re)parse a record from l->text: the logical line (continuations
 * joined), its fields, its kind.
 */
static void
parse_record(hba_line *l)
{
	strbuf		logical;
	fields		fs;
	size_t		pos = 0;

	clear_parsed(l);

	/* join the physical lines, dropping each final backslash */
	strbuf_init(&logical);
	l->n_physical = 0;
	while (pos < l->len)
	{
		const char *nl = memchr(l->text + pos, '\n', l->len - pos);
		size_t		end = nl ? (size_t) (nl - l->text) + 1 : l->len;
		size_t		n = content_len(l->text + pos, end - pos);

		if (n > 0 && l->text[pos + n - 1] == '\\')
			n--;
		strbuf_append_len(&logical, l->text + pos, n);
		l->n_physical++;
		pos = end;
	}

	/* the tokeniser stops at a NUL byte, as the server's does */
	tokenize(logical.data, &fs);
	strbuf_free(&logical);

	if (fs.n == 0)
		l->kind = HBA_LINE_BLANK;
	else if (fs.n == 2 &&
			 (strcmp(fs.f[0].tokens[0].value, "include") == 0 ||
			  strcmp(fs.f[0].tokens[0].value, "include_if_exists") == 0 ||
			  strcmp(fs.f[0].tokens[0].value, "include_dir") == 0))
	{
		l->kind = HBA_LINE_INCLUDE;
		l->include_keyword = pgr_strdup(fs.f[0].tokens[0].value);
		l->include_path = pgr_strdup(fs.f[1].tokens[0].value);
	}
	else
		parse_rule(l, &fs);
	fields_free(&fs);
}

static void
renumber(hba_doc *doc)
{
	int			lineno = 1;

	for (int i = 0; i < doc->n_lines; i++)
	{
		doc->lines[i].lineno = lineno;
		lineno += doc->lines[i].n_physical;
	}
}

/* Does a record's last physical line end with a continuation backslash? */
static bool
ends_continued(const hba_line *l)
{
	size_t		end = l->len;
	size_t		start;
	size_t		n;

	if (end > 0 && l->text[end - 1] == '\n')
		end--;
	start = end;
	while (start > 0 && l->text[start - 1] != '\n')
		start--;
	n = content_len(l->text + start, end - start);
	return n > 0 && l->text[start + n - 1] == '\\';
}

hba_doc *
hba_parse(const char *text, size_t len)
{
	hba_doc    *doc = pgr_calloc(1, sizeof(hba_doc));
	size_t		pos = 0;
	int			cap = 0;

	doc->eol = "\n";
	while (pos < len)
	{
		size_t		start = pos;
		hba_line   *l;

		/* a record: physical lines while they end with a backslash */
		for (;;)
		{
			const char *nl = memchr(text + pos, '\n', len - pos);
			size_t		end = nl ? (size_t) (nl - text) + 1 : len;
			size_t		n = content_len(text + pos, end - pos);
			bool		more = n > 0 && text[pos + n - 1] == '\\';

			if (start == pos && doc->n_lines == 0 && end - pos >= 2 &&
				text[end - 1] == '\n' && text[end - 2] == '\r')
				doc->eol = "\r\n";
			pos = end;
			if (!more || pos >= len)
				break;
		}
		if (doc->n_lines == cap)
		{
			cap = cap ? 2 * cap : 64;
			doc->lines = pgr_realloc(doc->lines, (size_t) cap * sizeof(hba_line));
		}
		l = &doc->lines[doc->n_lines++];
		memset(l, 0, sizeof(*l));
		l->text = pgr_malloc(pos - start + 1);
		memcpy(l->text, text + start, pos - start);
		l->text[pos - start] = '\0';
		l->len = pos - start;
		parse_record(l);
	}
	renumber(doc);
	return doc;
}

void
hba_free(hba_doc *doc)
{
	if (!doc)
		return;
	for (int i = 0; i < doc->n_lines; i++)
	{
		clear_parsed(&doc->lines[i]);
		free(doc->lines[i].text);
	}
	free(doc->lines);
	free(doc);
}

char *
hba_render(const hba_doc *doc, size_t *len)
{
	strbuf		sb;

	strbuf_init(&sb);
	for (int i = 0; i < doc->n_lines; i++)
		strbuf_append_len(&sb, doc->lines[i].text, doc->lines[i].len);
	if (len)
		*len = sb.len;
	return strbuf_detach(&sb);
}

/* ---- writing a rule -------------------------------------------------------- */

static bool
is_db_or_user_keyword(const char *s)
{
	static const char *const kw[] = {"all", "sameuser", "samerole", "samegroup", "replication", NULL};

	for (int i = 0; kw[i]; i++)
		if (strcmp(s, kw[i]) == 0)
			return true;
	return false;
}

char *
hba_quote_name(const char *name)
{
	bool		plain = *name != '\0' && !is_db_or_user_keyword(name);
	strbuf		sb;

	for (const char *p = name; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-';
	if (plain)
		return pgr_strdup(name);
	strbuf_init(&sb);
	strbuf_append_char(&sb, '"');
	for (const char *p = name; *p; p++)
	{
		if (*p == '"')
			strbuf_append_char(&sb, '"');
		strbuf_append_char(&sb, *p);
	}
	strbuf_append_char(&sb, '"');
	return strbuf_detach(&sb);
}

typedef struct request {
	hba_conn_type type;
	const char *role;
	char		method[32];		/* the method's word */
	char		option[64];		/* one name=value after it, or "" */
	req_address addr;
} request;

/*
 * "METHOD" or "METHOD NAME=VALUE" (one option, e.g. scram-sha-256
 * clientcert=verify-full) into rq; false when it is neither.
 */
static bool
split_method(request *rq, const char *method)
{
	const char *sp = strchr(method, ' ');
	size_t		len = sp ? (size_t) (sp - method) : strlen(method);
	const char *eq;

	if (len >= sizeof(rq->method))
		return false;
	memcpy(rq->method, method, len);
	rq->method[len] = '\0';
	if (!sp)
		return is_auth_method(rq->method);
	/* a fixed word of ours, never the operator's text: letters, '_', '-' */
	eq = strchr(sp + 1, '=');
	if (!eq || eq == sp + 1 || eq[1] == '\0' || strlen(sp + 1) >= sizeof(rq->option))
		return false;
	for (const char *c = sp + 1; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && *c != '_' && *c != '-' && c != eq)
			return false;
	strcpy(rq->option, sp + 1);
	return is_auth_method(rq->method);
}

/* The rule's method and options are the request's, exactly. */
static bool
same_method(const hba_rule *r, const request *rq)
{
	if (!r->method || strcmp(r->method, rq->method) != 0)
		return false;
	if (rq->option[0] == '\0')
		return r->options.n == 0;
	return r->options.n == 1 && strcmp(r->options.tokens[0].value, rq->option) == 0;
}

static int
check_request(request *rq, hba_conn_type type, const char *role,
			  const char *address, const char *method, pgr_error *err)
{
	char	   *s;

	memset(rq, 0, sizeof(*rq));
	if (type != HBA_HOST && type != HBA_HOSTSSL && type != HBA_HOSTNOSSL)
		return pgr_error_set(err, PGR_ERR_INPUT,
							 _("a replication rule is of type host, hostssl or hostnossl, not %s"),
							 hba_conn_type_name(type));
	if (!role || *role == '\0')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("empty role name"));
		pgr_error_hint(err, _("Give the name of the replication role."));
		return -1;
	}
	if (strlen(role) > HBA_NAME_MAX)
	{
		s = shown(role);
		pgr_error_set(err, PGR_ERR_INPUT, _("role name \"%s\" is too long"), s);
		pgr_error_detail(err, _("PostgreSQL names are at most %d bytes long."), HBA_NAME_MAX);
		free(s);
		return -1;
	}
	for (const char *p = role; *p; p++)
		if ((unsigned char) *p < 0x20 || *p == 0x7F)
		{
			s = shown(role);
			pgr_error_set(err, PGR_ERR_INPUT, _("role name \"%s\" contains a control character"), s);
			pgr_error_hint(err, _("pg_hba.conf cannot hold line breaks or other control characters in a name: choose another name for the replication role."));
			free(s);
			return -1;
		}
	if (role[0] == '/')
	{
		s = shown(role);
		pgr_error_set(err, PGR_ERR_INPUT, _("role name \"%s\" starts with a slash"), s);
		pgr_error_detail(err, _("PostgreSQL 16 and later read a name starting with a slash in pg_hba.conf as a regular expression, even when quoted."));
		pgr_error_hint(err, _("Choose another name for the replication role."));
		free(s);
		return -1;
	}
	if (!method || !split_method(rq, method))
	{
		s = shown(method ? method : "");
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid authentication method \"%s\""), s);
		pgr_error_hint(err, _("A standby usually authenticates with scram-sha-256 (or md5 with servers older than 10)."));
		free(s);
		return -1;
	}
	if (strcmp(rq->method, "peer") == 0)
		return pgr_error_set(err, PGR_ERR_INPUT, _("peer authentication is only supported on local sockets"));
	if (strcmp(rq->method, "cert") == 0 && type != HBA_HOSTSSL)
		return pgr_error_set(err, PGR_ERR_INPUT, _("cert authentication is only supported on hostssl connections"));
	if (!address || parse_req_address(address, &rq->addr, err) < 0)
	{
		if (!address)
			pgr_error_set(err, PGR_ERR_INPUT, _("invalid address \"%s\""), "");
		return -1;
	}
	rq->type = type;
	rq->role = role;
	return 0;
}

static void
pad_to(strbuf *sb, size_t col)
{
	if (sb->len >= col)
		strbuf_append_char(sb, ' ');
	while (sb->len < col)
		strbuf_append_char(sb, ' ');
}

static char *
format_request(const request *rq)
{
	strbuf		sb;
	char	   *q = hba_quote_name(rq->role);

	strbuf_init(&sb);
	strbuf_append(&sb, hba_conn_type_name(rq->type));
	pad_to(&sb, COL_DATABASE);
	strbuf_append(&sb, "replication");
	pad_to(&sb, COL_USER);
	strbuf_append(&sb, q);
	pad_to(&sb, COL_ADDRESS);
	strbuf_append(&sb, rq->addr.text);
	pad_to(&sb, COL_METHOD);
	strbuf_append(&sb, rq->method);
	if (rq->option[0])
	{
		strbuf_append_char(&sb, ' ');
		strbuf_append(&sb, rq->option);
	}
	free(q);
	return strbuf_detach(&sb);
}

char *
hba_format_rule(hba_conn_type type, const char *role, const char *address,
				const char *method, pgr_error *err)
{
	request		rq;
	char	   *line;

	if (check_request(&rq, type, role, address, method, err) < 0)
		return NULL;
	line = format_request(&rq);
	free(rq.addr.text);
	return line;
}

/* ---- matching ------------------------------------------------------------------ */

/* Ordered so that "and" is the minimum. */
typedef enum match {
	M_NO = 0,
	M_MAYBE = 1,
	M_YES = 2
} match;

static match
match_min(match a, match b)
{
	return a < b ? a : b;
}

static match
match_address(const hba_address *a, const req_address *ra)
{
	bool		contains = true;
	bool		overlaps = true;

	switch (a->kind)
	{
		case HBA_ADDR_ALL:
			return M_YES;
		case HBA_ADDR_IP:
			break;
		default:
			return M_MAYBE;		/* host name, samehost, samenet */
	}
	if (a->family != ra->family)
		return M_NO;
	for (int i = 0; i < family_len(a->family); i++)
	{
		unsigned char diff = a->addr[i] ^ ra->addr[i];

		/* every address of the range: the rule's mask is within ours */
		if ((a->mask[i] & ~ra->mask[i]) != 0 || (diff & a->mask[i]) != 0)
			contains = false;
		/* some address of the range */
		if ((diff & a->mask[i] & ra->mask[i]) != 0)
			overlaps = false;
	}
	return contains ? M_YES : overlaps ? M_MAYBE : M_NO;
}

/* The database column for a physical replication connection. */
static match
match_databases(const hba_list *l)
{
	match		m = M_NO;

	for (int i = 0; i < l->n; i++)
	{
		const hba_token *t = &l->tokens[i];

		if (t->kind == HBA_TOKEN_KEYWORD && strcmp(t->value, "replication") == 0)
			return M_YES;
		if (t->kind == HBA_TOKEN_FILE)
			m = M_MAYBE;
	}
	return m;
}

static match
match_users(const hba_list *l, const char *role)
{
	match		m = M_NO;

	for (int i = 0; i < l->n; i++)
	{
		const hba_token *t = &l->tokens[i];

		switch (t->kind)
		{
			case HBA_TOKEN_KEYWORD:
				return M_YES;	/* all */
			case HBA_TOKEN_NAME:
				if (strcmp(t->value, role) == 0)
					return M_YES;
				break;
			case HBA_TOKEN_GROUP:
			case HBA_TOKEN_FILE:
			case HBA_TOKEN_REGEX:
				m = M_MAYBE;
				break;
		}
	}
	return m;
}

/* Would this record take the connection (SSL or not)? */
static match
match_line(const hba_line *l, bool ssl, const request *rq)
{
	const hba_rule *r = &l->rule;
	match		m;

	if (l->kind == HBA_LINE_INCLUDE)
		return M_MAYBE;
	if (l->kind != HBA_LINE_RULE)
		return M_NO;
	switch (r->type)
	{
		case HBA_LOCAL:
		case HBA_HOSTGSSENC:
			return M_NO;
		case HBA_HOSTSSL:
			if (!ssl)
				return M_NO;
			break;
		case HBA_HOSTNOSSL:
			if (ssl)
				return M_NO;
			break;
		case HBA_HOST:
		case HBA_HOSTNOGSSENC:
			break;
	}
	m = match_address(&r->address, &rq->addr);
	m = match_min(m, match_databases(&r->databases));
	m = match_min(m, match_users(&r->users, rq->role));
	return m;
}

/* Same method and options: what the new rule would do. */
static bool
same_effect(const hba_line *l, const request *rq)
{
	return l->kind == HBA_LINE_RULE && same_method(&l->rule, rq);
}

static bool
is_replication_rule(const hba_line *l)
{
	if (l->kind != HBA_LINE_RULE)
		return false;
	for (int i = 0; i < l->rule.databases.n; i++)
		if (l->rule.databases.tokens[i].kind == HBA_TOKEN_KEYWORD &&
			strcmp(l->rule.databases.tokens[i].value, "replication") == 0)
			return true;
	return false;
}

static char *
text_without_eol(const hba_line *l)
{
	size_t		n = l->len;

	while (n > 0 && (l->text[n - 1] == '\n' || l->text[n - 1] == '\r'))
		n--;
	return pgr_strndup(l->text, n);
}

int
hba_plan_rule(const hba_doc *doc, hba_conn_type type, const char *role,
			  const char *address, const char *method, hba_plan *plan,
			  pgr_error *err)
{
	request		rq;
	int			limit = doc->n_lines;
	match		limit_match = M_NO;
	int			existing = -1;
	bool		needed = false;
	int			insert_at;

	*plan = (hba_plan) HBA_PLAN_INIT;
	if (check_request(&rq, type, role, address, method, err) < 0)
		return -1;

	for (int state = 0; state < 2; state++)
	{
		bool		ssl = (state == 0);
		int			end = doc->n_lines;
		match		end_match = M_NO;
		int			found = -1;

		if ((ssl && type == HBA_HOSTNOSSL) || (!ssl && type == HBA_HOSTSSL))
			continue;
		for (int i = 0; i < doc->n_lines; i++)
		{
			const hba_line *l = &doc->lines[i];
			match		m = match_line(l, ssl, &rq);

			if (m == M_NO)
				continue;
			if (same_effect(l, &rq))
			{
				if (m == M_YES)
				{
					found = i;
					break;
				}
				continue;		/* matched or not, the outcome is ours */
			}
			end = i;
			end_match = m;
			break;
		}
		if (found >= 0)
		{
			if (existing < 0 || found > existing)
				existing = found;
			continue;
		}
		needed = true;
		if (end < limit)
		{
			limit = end;
			limit_match = end_match;
		}
	}

	plan->line = format_request(&rq);
	free(rq.addr.text);
	plan->needed = needed;
	if (!needed)
	{
		plan->existing = existing;
		return 0;
	}

	/* right after the last replication rule above the limit, if any */
	insert_at = limit < doc->n_lines ? limit : doc->n_lines;
	for (int i = limit - 1; i >= 0; i--)
		if (is_replication_rule(&doc->lines[i]))
		{
			insert_at = i + 1;
			break;
		}
	plan->insert_at = insert_at;
	if (limit < doc->n_lines)
	{
		plan->shadow = limit;
		plan->shadow_maybe = (limit_match == M_MAYBE);
		plan->shadow_lineno = doc->lines[limit].lineno;
		plan->shadow_text = text_without_eol(&doc->lines[limit]);
	}
	return 0;
}

void
hba_plan_clear(hba_plan *plan)
{
	if (!plan)
		return;
	free(plan->shadow_text);
	free(plan->line);
	*plan = (hba_plan) HBA_PLAN_INIT;
}

/* ---- editing ------------------------------------------------------------------ */

static void
append_to_line(hba_line *l, const char *s)
{
	size_t		n = strlen(s);

	l->text = pgr_realloc(l->text, l->len + n + 1);
	memcpy(l->text + l->len, s, n + 1);
	l->len += n;
	l->eol_added += n;
}

int
hba_insert(hba_doc *doc, int index, const char *line, pgr_error *err)
{
	hba_line   *l;
	size_t		n;

	if (index < 0 || index > doc->n_lines)
		return pgr_error_set(err, PGR_ERR_INPUT,
							 _("cannot insert a line at position %d of a file of %d records"),
							 index, doc->n_lines);
	if (strpbrk(line, "\r\n"))
		return pgr_error_set(err, PGR_ERR_INPUT, _("a pg_hba.conf line cannot contain a line break"));
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\\')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("a pg_hba.conf line cannot end with a backslash"));
		pgr_error_detail(err, _("A final backslash joins the next line to it (PostgreSQL 16 and later)."));
		return -1;
	}

	/* appending: the last record must end, and not run on into ours */
	if (index == doc->n_lines && index > 0)
	{
		hba_line   *prev = &doc->lines[index - 1];

		if (prev->len == 0 || prev->text[prev->len - 1] != '\n')
			append_to_line(prev, doc->eol);
		if (ends_continued(prev))
			append_to_line(prev, doc->eol);
		parse_record(prev);
	}

	doc->lines = pgr_realloc(doc->lines, (size_t) (doc->n_lines + 1) * sizeof(hba_line));
	memmove(&doc->lines[index + 1], &doc->lines[index],
			(size_t) (doc->n_lines - index) * sizeof(hba_line));
	doc->n_lines++;
	l = &doc->lines[index];
	memset(l, 0, sizeof(*l));
	l->text = pgr_asprintf("%s%s", line, doc->eol);
	l->len = strlen(l->text);
	parse_record(l);
	renumber(doc);
	return 0;
}

/* Exactly `TYPE replication ROLE ADDRESS METHOD [OPTION]`, nothing more. */
static bool
is_exact_rule(const hba_line *l, const request *rq)
{
	const hba_rule *r = &l->rule;
	const hba_address *a = &r->address;

	if (l->kind != HBA_LINE_RULE || r->type != rq->type || !same_method(r, rq))
		return false;
	if (r->databases.n != 1 || r->databases.tokens[0].kind != HBA_TOKEN_KEYWORD ||
		strcmp(r->databases.tokens[0].value, "replication") != 0)
		return false;
	if (r->users.n != 1 || r->users.tokens[0].kind != HBA_TOKEN_NAME ||
		strcmp(r->users.tokens[0].value, rq->role) != 0)
		return false;
	if (a->kind != HBA_ADDR_IP || a->family != rq->addr.family)
		return false;
	for (int i = 0; i < family_len(a->family); i++)
		if (a->mask[i] != rq->addr.mask[i] ||
			((a->addr[i] ^ rq->addr.addr[i]) & a->mask[i]) != 0)
			return false;
	return true;
}

int
hba_remove_rule(hba_doc *doc, hba_conn_type type, const char *role,
				const char *address, const char *method, pgr_error *err)
{
	request		rq;
	int			found = -1;

	if (check_request(&rq, type, role, address, method, err) < 0)
		return -1;
	for (int i = 0; i < doc->n_lines && found < 0; i++)
		if (is_exact_rule(&doc->lines[i], &rq))
			found = i;
	free(rq.addr.text);
	if (found < 0)
		return 0;

	clear_parsed(&doc->lines[found]);
	free(doc->lines[found].text);
	memmove(&doc->lines[found], &doc->lines[found + 1],
			(size_t) (doc->n_lines - found - 1) * sizeof(hba_line));
	doc->n_lines--;

	/* it was the last record: take back what hba_insert() added before it */
	if (found == doc->n_lines && found > 0 && doc->lines[found - 1].eol_added > 0)
	{
		hba_line   *prev = &doc->lines[found - 1];

		prev->len -= prev->eol_added;
		prev->text[prev->len] = '\0';
		prev->eol_added = 0;
		parse_record(prev);
	}
	renumber(doc);
	return 1;
}
