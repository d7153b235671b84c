/*
 * cluster.c: the cluster file (see cluster.h and DESIGN.md "Command line
 * and cluster file").
 *
 * Syntax, line by line:
 *   blank line, or a comment: ';' or '#' as the first non-blank character
 *   [cluster]                      a section header (a comment may follow)
 *   [node "NAME"]
 *   key = value                    value unquoted: up to the end of the line
 *                                  or to a ';' or '#' that follows a blank
 *                                  (a comment), outer blanks removed
 *   key = "value"                  quoted: \" and \\ are the escapes; a
 *                                  comment may follow the closing quote
 * An empty value means "not given" (the default applies).
 *
 * Rewriting (cluster_format) starts from the text as read and changes only
 * what has to change, so that an operator's comments and layout survive
 * pgreplica's edits (a promotion rewrites two "role" lines, nothing else).
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "basebackup.h"
#include "cluster.h"
#include "cluster_lock.h"
#include "i18n.h"
#include "strbuf.h"
#include "transport.h"

#define MAX_FILE_SIZE (4 * 1024 * 1024)
#define NODE_NAME_MAX 63
/*
 * Bounds that keep the parser's memory in proportion to a cluster file
 * (a few hundred bytes) whatever it is given: its lines (line_info each)
 * and its nodes.
 */
#define MAX_LINES 100000
#define MAX_NODES 1000
#define SLOT_TABLE_SIZE 2048	/* > 2 * MAX_NODES, a power of two */

/* ---- keys ------------------------------------------------------------------ */

enum cluster_key
{
	CK_NAME,
	CK_REPLICATION_USER,
	CK_SSL,
	CK_SLOTS,
	CK_SYNC,
	CK_ARCHIVE_COMMAND,
	CK_TRIGGER_FILE,
	CK_SSL_CA,
	CK_LAG_WARN_BYTES,
	CK_LAG_WARN_SECONDS,
	CK_EVENT_COMMAND,
	CK_EVENT_TIMEOUT,
	CK_SLOT_WARN_BYTES,
	CK_SLOT_CRITICAL_BYTES,
	CK_CLONE_MAX_RATE,
	CK_CLONE_COMPRESSION,
	CK_REPLICATION_AUTH,
	CK_WAL_DISK_WARN_TIME,
	CK_WAL_DISK_CRITICAL_TIME,
	CK_PATRONI_PORT,
	N_CLUSTER_KEYS
};

static const char *const cluster_keys[N_CLUSTER_KEYS] = {
	"name", "replication_user", "ssl", "slots", "sync", "archive_command",
	"trigger_file", "ssl_ca", "lag_warn_bytes", "lag_warn_seconds",
	"event_command", "event_timeout", "slot_warn_bytes", "slot_critical_bytes",
	"clone_max_rate", "clone_compression", "replication_auth",
	"wal_disk_warn_time", "wal_disk_critical_time", "patroni_port"
};

static const char *const replication_auth_names[] = {"scram", "cert", "scram+cert"};

const char *
cluster_replication_auth_name(replication_auth a)
{
	return replication_auth_names[a];
}

enum node_key
{
	NK_ROLE,
	NK_UPSTREAM,
	NK_HOST,
	NK_PORT,
	NK_DBUSER,
	NK_DBNAME,
	NK_SSH,
	NK_PGDATA,
	NK_BINDIR,
	NK_CLIENT_BINDIR,
	NK_SERVICE,
	NK_SSL_CERT,
	NK_SSL_KEY,
	NK_BECOME,
	N_NODE_KEYS
};

static const char *const node_keys[N_NODE_KEYS] = {
	"role", "upstream", "host", "port", "dbuser", "dbname", "ssh", "pgdata",
	"bindir", "client_bindir", "service", "ssl_cert", "ssl_key", "become"
};

static int
key_index(const char *const *keys, int n, const char *key, size_t len)
{
	for (int i = 0; i < n; i++)
		if (strlen(keys[i]) == len && memcmp(keys[i], key, len) == 0)
			return i;
	return -1;
}

static char *
key_list(const char *const *keys, int n)
{
	strbuf		sb;

	strbuf_init(&sb);
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			strbuf_append(&sb, ", ");
		strbuf_append(&sb, keys[i]);
	}
	return strbuf_detach(&sb);
}

/* ---- small helpers ----------------------------------------------------------- */

#define IS_ALNUM(ch) (((ch) >= 'a' && (ch) <= 'z') || ((ch) >= 'A' && (ch) <= 'Z') || \
					  ((ch) >= '0' && (ch) <= '9'))
#define IS_WORD(ch) (IS_ALNUM(ch) || (ch) == '_' || (ch) == '-')
#define IS_BLANK(ch) ((ch) == ' ' || (ch) == '\t' || (ch) == '\r')
#define IS_COMMENT(ch) ((ch) == ';' || (ch) == '#')

/*
 * Strings from the file shown in messages: control characters become '?'
 * (no escape sequences reach the terminal) and long values are cut.  The
 * copies are kept in a list freed in one go.
 */
typedef struct scratch
{
	char	  **items;
	int			n;
} scratch;

static const char *
keep(scratch *s, char *str)
{
	s->items = pgr_realloc(s->items, (size_t) (s->n + 1) * sizeof(char *));
	s->items[s->n++] = str;
	return str;
}

static const char *
shown(scratch *s, const char *str)
{
	strbuf		sb;
	size_t		len = strlen(str);
	size_t		max = 80;

	strbuf_init(&sb);
	if (len > max)
	{
		/* cut at a character boundary */
		while (max > 0 && ((unsigned char) str[max] & 0xC0) == 0x80)
			max--;
	}
	for (size_t i = 0; i < len && i < max; i++)
	{
		unsigned char ch = (unsigned char) str[i];

		strbuf_append_char(&sb, (ch < 0x20 || ch == 0x7F) ? '?' : (char) ch);
	}
	if (len > max)
		strbuf_append(&sb, "...");
	return keep(s, strbuf_detach(&sb));
}

static const char *
loc(scratch *s, const char *path, int line)
{
	if (line > 0)
		return keep(s, pgr_asprintf("%s:%d", path, line));
	return keep(s, pgr_strdup(path));
}

static void
scratch_free(scratch *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->items[i]);
	free(s->items);
	s->items = NULL;
	s->n = 0;
}

static bool
str_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* NULL for "" or NULL, else a copy */
static char *
dup_or_null(const char *s)
{
	return str_empty(s) ? NULL : pgr_strdup(s);
}

const char *
cluster_node_name_problem(const char *v)
{
	size_t		len = strlen(v);

	if (len == 0)
		return _("it is empty");
	if (len > NODE_NAME_MAX)
		return _("it is longer than 63 characters");
	if (!IS_ALNUM(v[0]))
		return _("it does not start with a letter or a digit");
	for (size_t i = 0; i < len; i++)
	{
		unsigned char ch = (unsigned char) v[i];

		if (!(IS_WORD(ch) || ch == '.'))
			return _("it holds a character other than a letter, a digit, \"_\", \".\" or \"-\"");
	}
	return NULL;
}

static bool
valid_node_name(const char *s)
{
	return cluster_node_name_problem(s) == NULL;
}

static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = {"on", "true", "yes", "1"};
	static const char *const no[] = {"off", "false", "no", "0"};

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
	{
		if (strcasecmp(v, yes[i]) == 0)
		{
			*out = true;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0)
		{
			*out = false;
			return 0;
		}
	}
	return -1;
}

static int
parse_port(const char *v, int *out)
{
	long		port = 0;

	if (v[0] == '\0')
		return -1;
	for (const char *p = v; *p; p++)
	{
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (*p - '0');
		if (port > 65535)
			return -1;
	}
	if (port < 1)
		return -1;
	*out = (int) port;
	return 0;
}

/*
 * NULL when `v` can be a node's data directory, else why not (translated).
 * pg_ctl starts the server through /bin/sh with -D and -l in double quotes:
 * in such a path, $(...) or `...` would be run by that shell, and " or \
 * would break the command.  Checked here, for every node whatever its
 * service (a role change can give it pg_ctl's job), so that no command ever
 * sees such a path; the wizard asks the same question.
 */
const char *
cluster_pgdata_problem(const char *v)
{
	if (v[0] != '/')
		return _("it is not an absolute path");
	for (const unsigned char *p = (const unsigned char *) v; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			return _("it holds a control character");
	}
	if (strpbrk(v, "\"$`\\"))
		return _("it holds a character that pg_ctl cannot pass safely (\", $, ` or \\)");
	return NULL;
}

static void
bad_pgdata(const char *where, const char *v, const char *node, scratch *s,
		   pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid data directory \"%s\" for node \"%s\": %s"),
				  where, shown(s, v), node, cluster_pgdata_problem(v));
	pgr_error_detail(err, _("pg_ctl starts the server through a shell, with the path in double quotes: it would run what such a path holds."));
	pgr_error_hint(err, _("Give an absolute path without the characters \", $, ` or \\."));
}

/* A word of a service value: no option-like leading '-'. */
static bool
service_word_ok(const char *w)
{
	return w[0] != '\0' && w[0] != '-';
}

static bool
pg_version_word_ok(const char *w)
{
	bool		dot = false;

	if (!isdigit((unsigned char) w[0]))
		return false;
	for (const char *p = w; *p; p++)
	{
		if (*p == '.' && !dot && isdigit((unsigned char) p[1]))
			dot = true;
		else if (!isdigit((unsigned char) *p))
			return false;
	}
	return true;
}

static void
service_clear(node_service *s)
{
	free(s->version);
	free(s->name);
	s->kind = SERVICE_PG_CTL;
	s->version = s->name = NULL;
}

/* "pg_ctl" | "pg_ctlcluster VERSION NAME" | "systemd UNIT"; "" is pg_ctl */
static int
parse_service(const char *v, node_service *out)
{
	char	   *copy = pgr_strdup(v);
	char	   *words[4];
	int			n = 0;
	char	   *save = NULL;
	int			rc = -1;

	for (char *w = strtok_r(copy, " \t", &save); w; w = strtok_r(NULL, " \t", &save))
	{
		if (n == 4)
			goto out;
		words[n++] = w;
	}
	service_clear(out);
	if (n == 0 || (n == 1 && strcmp(words[0], "pg_ctl") == 0))
		rc = 0;
	else if (n == 3 && strcmp(words[0], "pg_ctlcluster") == 0 &&
			 pg_version_word_ok(words[1]) && service_word_ok(words[2]))
	{
		out->kind = SERVICE_PG_CTLCLUSTER;
		out->version = pgr_strdup(words[1]);
		out->name = pgr_strdup(words[2]);
		rc = 0;
	}
	else if (n == 2 && strcmp(words[0], "systemd") == 0 && service_word_ok(words[1]))
	{
		out->kind = SERVICE_SYSTEMD;
		out->name = pgr_strdup(words[1]);
		rc = 0;
	}
out:
	free(copy);
	return rc;
}

/*
 * "local", or an SSH target: one word, not an option.  ssh reads a target
 * starting with "-" as an option: "-oProxyCommand=..." would run a command.
 */
const char *
cluster_ssh_problem(const char *v)
{
	if (v[0] == '\0')
		return _("it is empty");
	if (v[0] == '-')
		return _("it starts with \"-\", which ssh would take for an option");
	for (const char *p = v; *p; p++)
		if ((unsigned char) *p <= 0x20 || *p == 0x7F)
			return _("it holds a blank or a control character");
	return NULL;
}

static bool
valid_ssh(const char *v)
{
	return cluster_ssh_problem(v) == NULL;
}

const char *
cluster_port_problem(const char *v)
{
	int			port;

	return parse_port(v, &port) < 0 ? _("it is not a number between 1 and 65535") : NULL;
}

/*
 * An account name for `become` (sudo -u): the portable user-name
 * characters, not an option (no leading '-'), at most 32 characters, as
 * useradd accepts them.
 */
static bool
valid_account(const char *v)
{
	size_t		len = strlen(v);

	if (len == 0 || len > 32 || v[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char ch = (unsigned char) v[i];

		if (!(IS_ALNUM(ch) || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

/* ---- canonical values (what a rewrite writes, what comparisons use) ------------ */

static char *
service_string(const node_service *s)
{
	switch (s->kind)
	{
		case SERVICE_PG_CTLCLUSTER:
			return pgr_asprintf("pg_ctlcluster %s %s", s->version ? s->version : "",
								s->name ? s->name : "");
		case SERVICE_SYSTEMD:
			return pgr_asprintf("systemd %s", s->name ? s->name : "");
		case SERVICE_PG_CTL:
			break;
	}
	return pgr_strdup("pg_ctl");
}

/*
 * event_command: run as an argument vector (hooks.c), so its words are
 * split on blanks with no quoting at all: a first word that is an absolute
 * path (no PATH search, which would depend on who runs pgreplica), no
 * control character, at most EVENT_COMMAND_MAX_WORDS words.
 */
static bool
event_command_ok(const char *v)
{
	int			words = 0;

	if (v[0] != '/')
		return false;
	for (const char *p = v; *p; p++)
	{
		if ((unsigned char) *p < 0x20 && *p != '\t')
			return false;
		if (*p == 0x7f)
			return false;
		if (*p != ' ' && *p != '\t' && (p == v || p[-1] == ' ' || p[-1] == '\t'))
			words++;
	}
	return words <= EVENT_COMMAND_MAX_WORDS;
}

static char *
cluster_value(const cluster *c, int key)
{
	switch ((enum cluster_key) key)
	{
		case CK_NAME:
			return pgr_strdup(c->name ? c->name : "");
		case CK_REPLICATION_USER:
			return pgr_strdup(str_empty(c->replication_user) ?
							  CLUSTER_DEFAULT_REPLICATION_USER : c->replication_user);
		case CK_SSL:
			return pgr_strdup(c->ssl ? "on" : "off");
		case CK_SLOTS:
			return pgr_strdup(c->slots ? "on" : "off");
		case CK_SYNC:
			return pgr_strdup(str_empty(c->sync) ? "off" : c->sync);
		case CK_ARCHIVE_COMMAND:
			return pgr_strdup(c->archive_command ? c->archive_command : "");
		case CK_TRIGGER_FILE:
			return pgr_strdup(c->trigger_file ? c->trigger_file : "");
		case CK_SSL_CA:
			return pgr_strdup(c->ssl_ca ? c->ssl_ca : "");
		case CK_LAG_WARN_BYTES:
			/* the default is not written: empty (see append_cluster_section) */
			if (c->lag_warn_bytes == CLUSTER_DEFAULT_LAG_WARN_BYTES)
				return pgr_strdup("");
			return pgr_asprintf("%lld", c->lag_warn_bytes);
		case CK_LAG_WARN_SECONDS:
			if (c->lag_warn_seconds == CLUSTER_DEFAULT_LAG_WARN_SECONDS)
				return pgr_strdup("");
			return pgr_asprintf("%gs", c->lag_warn_seconds);
		case CK_WAL_DISK_WARN_TIME:
			if (c->wal_disk_warn_time == CLUSTER_DEFAULT_WAL_DISK_WARN_TIME)
				return pgr_strdup("");
			return pgr_asprintf("%gs", c->wal_disk_warn_time);
		case CK_WAL_DISK_CRITICAL_TIME:
			if (c->wal_disk_critical_time == CLUSTER_DEFAULT_WAL_DISK_CRITICAL_TIME)
				return pgr_strdup("");
			return pgr_asprintf("%gs", c->wal_disk_critical_time);
		case CK_PATRONI_PORT:
			if (c->patroni_port == CLUSTER_DEFAULT_PATRONI_PORT)
				return pgr_strdup("");
			return c->patroni_port ? pgr_asprintf("%d", c->patroni_port) : pgr_strdup("off");
		case CK_EVENT_COMMAND:
			return pgr_strdup(c->event_command ? c->event_command : "");
		case CK_EVENT_TIMEOUT:
			if (c->event_timeout == CLUSTER_DEFAULT_EVENT_TIMEOUT)
				return pgr_strdup("");
			return pgr_asprintf("%gs", c->event_timeout);
		case CK_SLOT_WARN_BYTES:
			if (c->slot_warn_bytes == CLUSTER_DEFAULT_SLOT_WARN_BYTES)
				return pgr_strdup("");
			return pgr_asprintf("%lld", c->slot_warn_bytes);
		case CK_SLOT_CRITICAL_BYTES:
			if (c->slot_critical_bytes == CLUSTER_DEFAULT_SLOT_CRITICAL_BYTES)
				return pgr_strdup("");
			return pgr_asprintf("%lld", c->slot_critical_bytes);
		case CK_CLONE_MAX_RATE:
			if (c->clone_max_rate_kb == 0)
				return pgr_strdup("");
			if (c->clone_max_rate_kb % 1024 == 0)
				return pgr_asprintf("%lldM", c->clone_max_rate_kb / 1024);
			return pgr_asprintf("%lldk", c->clone_max_rate_kb);
		case CK_CLONE_COMPRESSION:
			if (c->clone_compression == BB_COMPRESS_LZ4)
				return pgr_strdup("lz4");
			if (c->clone_compression == BB_COMPRESS_ZSTD && c->clone_compression_level > 0)
				return pgr_asprintf("zstd:%d", c->clone_compression_level);
			if (c->clone_compression == BB_COMPRESS_ZSTD)
				return pgr_strdup("zstd");
			if (c->clone_compression == BB_COMPRESS_OFF)
				return pgr_strdup("off");
			return pgr_strdup("");	/* auto, the default */
		case CK_REPLICATION_AUTH:
			/* the default is not written: older files stay as they were */
			if (c->replication_auth == REPLICATION_AUTH_SCRAM)
				return pgr_strdup("");
			return pgr_strdup(cluster_replication_auth_name(c->replication_auth));
		case N_CLUSTER_KEYS:
			break;
	}
	return pgr_strdup("");
}

static char *
node_value(const cluster_node *n, int key)
{
	switch ((enum node_key) key)
	{
		case NK_ROLE:
			return pgr_strdup(node_role_name(n->role));
		case NK_UPSTREAM:
			return pgr_strdup(n->upstream ? n->upstream : "");
		case NK_HOST:
			return pgr_strdup(n->host ? n->host : "");
		case NK_PORT:
			return pgr_asprintf("%d", n->port);
		case NK_DBUSER:
			return pgr_strdup(str_empty(n->dbuser) ? CLUSTER_DEFAULT_DBUSER : n->dbuser);
		case NK_DBNAME:
			return pgr_strdup(str_empty(n->dbname) ? CLUSTER_DEFAULT_DBNAME : n->dbname);
		case NK_SSH:
			return pgr_strdup(n->ssh ? n->ssh : "");
		case NK_PGDATA:
			return pgr_strdup(n->pgdata ? n->pgdata : "");
		case NK_BINDIR:
			return pgr_strdup(n->bindir ? n->bindir : "");
		case NK_CLIENT_BINDIR:
			return pgr_strdup(n->client_bindir ? n->client_bindir : "");
		case NK_SERVICE:
			return service_string(&n->service);
		case NK_SSL_CERT:
			return pgr_strdup(n->ssl_cert ? n->ssl_cert : "");
		case NK_SSL_KEY:
			return pgr_strdup(n->ssl_key ? n->ssl_key : "");
		case NK_BECOME:
			return pgr_strdup(n->become ? n->become : "");
		case N_NODE_KEYS:
			break;
	}
	return pgr_strdup("");
}

/* ---- the line lexer --------------------------------------------------------------- */

typedef enum line_kind
{
	LINE_BLANK,					/* empty, blanks or a comment */
	LINE_SECTION,
	LINE_KEY
} line_kind;

typedef enum lex_error
{
	LEX_OK,
	LEX_SYNTAX,
	LEX_UNTERMINATED,
	LEX_AFTER_QUOTE,
	LEX_HEADER,
	LEX_UNKNOWN_SECTION
} lex_error;

typedef struct line_info
{
	line_kind	kind;
	int			lineno;
	size_t		start;			/* offset of the line in the text */
	size_t		len;			/* without the '\n' */
	bool		has_nl;
	/* LINE_SECTION */
	bool		is_node;
	char	   *name;			/* node name, or the unknown section's word */
	/* LINE_KEY: offsets in the line */
	size_t		key_off,
				key_len;
	size_t		val_off,		/* raw value (with quotes if quoted) */
				val_end;
	char	   *value;			/* decoded */
} line_info;

static lex_error
lex_section(const char *p, size_t len, size_t i, line_info *li)
{
	size_t		w0,
				w1;

	i++;						/* '[' */
	while (i < len && IS_BLANK(p[i]))
		i++;
	w0 = i;
	while (i < len && IS_WORD(p[i]))
		i++;
	w1 = i;
	while (i < len && IS_BLANK(p[i]))
		i++;
	li->kind = LINE_SECTION;
	if (w1 - w0 == 4 && memcmp(p + w0, "node", 4) == 0)
	{
		size_t		n0;

		li->is_node = true;
		if (i >= len || p[i] != '"')
			return LEX_HEADER;
		n0 = ++i;
		while (i < len && p[i] != '"')
			i++;
		if (i >= len)
			return LEX_HEADER;
		li->name = pgr_strndup(p + n0, i - n0);
		i++;
		while (i < len && IS_BLANK(p[i]))
			i++;
	}
	else if (!(w1 - w0 == 7 && memcmp(p + w0, "cluster", 7) == 0))
	{
		size_t		e = w0;

		/* the whole header for the message: up to ']' */
		while (e < len && p[e] != ']')
			e++;
		while (e > w0 && IS_BLANK(p[e - 1]))
			e--;
		li->name = pgr_strndup(p + w0, e - w0);
		return LEX_UNKNOWN_SECTION;
	}
	if (i >= len || p[i] != ']')
		return LEX_HEADER;
	i++;
	while (i < len && IS_BLANK(p[i]))
		i++;
	if (i < len && !IS_COMMENT(p[i]))
		return LEX_HEADER;
	return LEX_OK;
}

static lex_error
lex_key(const char *p, size_t len, size_t i, line_info *li)
{
	strbuf		sb;
	size_t		eq;

	li->kind = LINE_KEY;
	li->key_off = i;
	while (i < len && IS_WORD(p[i]))
		i++;
	li->key_len = i - li->key_off;
	while (i < len && IS_BLANK(p[i]))
		i++;
	if (li->key_len == 0 || i >= len || p[i] != '=')
		return LEX_SYNTAX;
	eq = i++;
	while (i < len && IS_BLANK(p[i]))
		i++;
	li->val_off = i;
	strbuf_init(&sb);
	if (i < len && p[i] == '"')
	{
		i++;
		for (;;)
		{
			if (i >= len)
			{
				strbuf_free(&sb);
				return LEX_UNTERMINATED;
			}
			if (p[i] == '\\' && i + 1 < len && (p[i + 1] == '"' || p[i + 1] == '\\'))
			{
				strbuf_append_char(&sb, p[i + 1]);
				i += 2;
			}
			else if (p[i] == '"')
				break;
			else
				strbuf_append_char(&sb, p[i++]);
		}
		li->val_end = ++i;
		while (i < len && IS_BLANK(p[i]))
			i++;
		if (i < len && !IS_COMMENT(p[i]))
		{
			strbuf_free(&sb);
			return LEX_AFTER_QUOTE;
		}
	}
	else
	{
		size_t		e = i;

		/* a comment starts at ';' or '#' after a blank */
		while (e < len && !(IS_COMMENT(p[e]) && IS_BLANK(p[e - 1])))
			e++;
		while (e > i && IS_BLANK(p[e - 1]))
			e--;
		li->val_end = e;
		strbuf_append_len(&sb, p + i, e - i);

		/*
		 * An empty value is placed one blank after '=': a value written
		 * there later keeps the alignment of a comment that follows.
		 */
		if (e == i)
		{
			li->val_off = eq + 1;
			if (li->val_off < len && IS_BLANK(p[li->val_off]) && p[li->val_off] != '\r')
				li->val_off++;
			li->val_end = li->val_off;
		}
	}
	li->value = strbuf_detach(&sb);
	strbuf_free(&sb);
	return LEX_OK;
}

static lex_error
lex_line(const char *text, line_info *li)
{
	const char *p = text + li->start;
	size_t		len = li->len;
	size_t		i = 0;

	/* a UTF-8 byte order mark at the start of the file */
	if (li->lineno == 1 && len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
		i = 3;
	while (i < len && IS_BLANK(p[i]))
		i++;
	li->kind = LINE_BLANK;
	if (i >= len || IS_COMMENT(p[i]))
		return LEX_OK;
	if (p[i] == '[')
		return lex_section(p, len, i, li);
	return lex_key(p, len, i, li);
}

static void
lines_free(line_info *lines, int n)
{
	for (int i = 0; i < n; i++)
	{
		free(lines[i].name);
		free(lines[i].value);
	}
	free(lines);
}

static void
lex_error_report(lex_error e, const line_info *li, const char *path,
				 scratch *s, pgr_error *err)
{
	const char *where = loc(s, path, li->lineno);

	switch (e)
	{
		case LEX_OK:
			break;
		case LEX_SYNTAX:
			/*
			 * TRANSLATORS: the messages about the cluster file start with
			 * its location, "FILE:LINE" (or "FILE"), then ": ".
			 */
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: syntax error"), where);
			pgr_error_hint(err, _("Each line is a section header ([cluster] or [node \"NAME\"]), a setting \"key = value\", or a comment starting with \";\" or \"#\"."));
			break;
		case LEX_UNTERMINATED:
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: unterminated quoted value"), where);
			pgr_error_hint(err, _("A quoted value ends with a double quote on the same line: a value cannot contain a line break. Inside quotes, write \\\" for a double quote and \\\\ for a backslash."));
			break;
		case LEX_AFTER_QUOTE:
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: unexpected text after a quoted value"), where);
			pgr_error_hint(err, _("Only a comment (starting with \";\" or \"#\") may follow the closing double quote."));
			break;
		case LEX_HEADER:
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: syntax error in section header"), where);
			pgr_error_hint(err, _("Sections are written [cluster] and [node \"NAME\"], with the node name in double quotes."));
			break;
		case LEX_UNKNOWN_SECTION:
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: unknown section \"%s\""), where,
						  shown(s, li->name ? li->name : ""));
			pgr_error_hint(err, _("Sections are written [cluster] and [node \"NAME\"], with the node name in double quotes."));
			break;
	}
}

/*
 * Split the text into lines and lex each one.  A NUL byte is an error: the
 * file would not read back as it is.
 */
static int
lex_text(const char *text, size_t len, const char *path, line_info **out,
		 int *n_out, scratch *s, pgr_error *err)
{
	line_info  *lines = NULL;
	int			n = 0;
	int			cap = 0;
	size_t		pos = 0;

	*out = NULL;
	*n_out = 0;
	while (pos < len)
	{
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t		end = nl ? (size_t) (nl - text) : len;
		line_info  *li;
		lex_error	e;

		if (n >= MAX_LINES)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: more than %d lines"), loc(s, path, n), MAX_LINES);
			pgr_error_hint(err, _("A cluster file is a few hundred bytes of settings; is \"%s\" the right file?"), path);
			goto fail;
		}
		if (n == cap)
		{
			cap = cap ? cap * 2 : 64;
			lines = pgr_realloc(lines, (size_t) cap * sizeof(line_info));
		}
		li = &lines[n++];
		memset(li, 0, sizeof(*li));
		li->lineno = n;
		li->start = pos;
		li->len = end - pos;
		li->has_nl = nl != NULL;
		pos = nl ? end + 1 : len;

		if (memchr(text + li->start, '\0', li->len) != NULL)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: NUL byte in the cluster file"),
						  loc(s, path, li->lineno));
			pgr_error_hint(err, _("The cluster file is text: a value cannot contain a NUL byte or a line break."));
			goto fail;
		}
		e = lex_line(text, li);
		if (e != LEX_OK)
		{
			lex_error_report(e, li, path, s, err);
			goto fail;
		}
	}
	*out = lines;
	*n_out = n;
	return 0;
fail:
	lines_free(lines, n);
	return -1;
}

/* ---- values with units ---------------------------------------------------------- */

/* The number at the start of text and where its unit starts; -1 if none. */
static int
leading_number(const char *text, double *num, const char **unit)
{
	char	   *end;

	while (*text == ' ' || *text == '\t')
		text++;
	if (!(*text >= '0' && *text <= '9') && *text != '.')
		return -1;				/* no sign, no "inf", no "nan" */
	errno = 0;
	*num = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(*num))
		return -1;
	while (*end == ' ' || *end == '\t')
		end++;
	*unit = end;
	return 0;
}

/* A value's unit and what it multiplies by. */
typedef struct unit_mult
{
	const char *unit;
	double		mult;
} unit_mult;

/*
 * "NUMBER[ ]UNIT" with UNIT one of units (trailing blanks allowed): the
 * number times the unit's multiplier in *out; -1 when it does not parse.
 */
static int
parse_with_unit(const char *text, const unit_mult *units, size_t n, double *out)
{
	double		num;
	const char *unit;

	if (!text || leading_number(text, &num, &unit) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		size_t		ul = strlen(units[i].unit);

		if (strncmp(unit, units[i].unit, ul) == 0 && unit[ul + strspn(unit + ul, " \t")] == '\0')
		{
			*out = num * units[i].mult;
			return 0;
		}
	}
	return -1;
}

int
cluster_parse_bytes(const char *text, long long *out)
{
	/* postgresql.conf's units: multiples of 1024, "kB" with a lower-case k */
	static const unit_mult units[] = {
		{"", 1}, {"B", 1}, {"kB", 1024.0}, {"MB", 1024.0 * 1024},
		{"GB", 1024.0 * 1024 * 1024}, {"TB", 1024.0 * 1024 * 1024 * 1024},
	};
	double		v;

	if (parse_with_unit(text, units, sizeof(units) / sizeof(units[0]), &v) < 0 ||
		v >= 9.2e18)
		return -1;
	*out = (long long) v;
	return 0;
}

int
cluster_parse_seconds(const char *text, double *out)
{
	static const unit_mult units[] = {
		{"", 1}, {"ms", 0.001}, {"s", 1}, {"min", 60}, {"h", 3600},
	};

	return parse_with_unit(text, units, sizeof(units) / sizeof(units[0]), out);
}

/* ---- setting values ------------------------------------------------------------ */

static void
bad_bool(const char *where, const char *key, const char *v, scratch *s, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
				  where, shown(s, v), key);
	pgr_error_hint(err, _("\"%s\" is on or off (true/false, yes/no and 1/0 are accepted too)."), key);
}

static int
set_cluster_key(cluster *c, int key, const char *v, const char *where,
				scratch *s, pgr_error *err)
{
	switch ((enum cluster_key) key)
	{
		case CK_NAME:
			free(c->name);
			c->name = dup_or_null(v);
			break;
		case CK_REPLICATION_USER:
			free(c->replication_user);
			c->replication_user = pgr_strdup(v[0] ? v : CLUSTER_DEFAULT_REPLICATION_USER);
			break;
		case CK_SSL:
		case CK_SLOTS:
			{
				bool	   *b = key == CK_SSL ? &c->ssl : &c->slots;

				if (v[0] == '\0')
					*b = key == CK_SSL ? CLUSTER_DEFAULT_SSL : CLUSTER_DEFAULT_SLOTS;
				else if (parse_bool(v, b) < 0)
				{
					bad_bool(where, cluster_keys[key], v, s, err);
					return -1;
				}
				break;
			}
		case CK_SYNC:
			free(c->sync);
			c->sync = (v[0] == '\0' || strcasecmp(v, "off") == 0) ? NULL : pgr_strdup(v);
			break;
		case CK_ARCHIVE_COMMAND:
			free(c->archive_command);
			c->archive_command = dup_or_null(v);
			break;
		case CK_TRIGGER_FILE:
			free(c->trigger_file);
			c->trigger_file = dup_or_null(v);
			break;
		case CK_SSL_CA:
			free(c->ssl_ca);
			c->ssl_ca = dup_or_null(v);
			break;
		case CK_LAG_WARN_BYTES:
		case CK_SLOT_WARN_BYTES:
		case CK_SLOT_CRITICAL_BYTES:
			{
				long long  *dst = key == CK_LAG_WARN_BYTES ? &c->lag_warn_bytes
					: key == CK_SLOT_WARN_BYTES ? &c->slot_warn_bytes : &c->slot_critical_bytes;
				long long	dflt = key == CK_LAG_WARN_BYTES ? CLUSTER_DEFAULT_LAG_WARN_BYTES
					: key == CK_SLOT_WARN_BYTES ? CLUSTER_DEFAULT_SLOT_WARN_BYTES
					: CLUSTER_DEFAULT_SLOT_CRITICAL_BYTES;

				if (v[0] == '\0')
					*dst = dflt;
				else if (cluster_parse_bytes(v, dst) < 0 || *dst == 0)
				{
					pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
								  where, shown(s, v), cluster_keys[key]);
					pgr_error_hint(err, _("\"%s\" is a positive size in bytes, with an optional unit: B, kB, MB, GB or TB (e.g. 16MB)."),
								   cluster_keys[key]);
					return -1;
				}
				break;
			}
		case CK_LAG_WARN_SECONDS:
		case CK_WAL_DISK_WARN_TIME:
		case CK_WAL_DISK_CRITICAL_TIME:
			{
				double	   *dst = key == CK_LAG_WARN_SECONDS ? &c->lag_warn_seconds
					: key == CK_WAL_DISK_WARN_TIME ? &c->wal_disk_warn_time
					: &c->wal_disk_critical_time;
				double		dflt = key == CK_LAG_WARN_SECONDS ? CLUSTER_DEFAULT_LAG_WARN_SECONDS
					: key == CK_WAL_DISK_WARN_TIME ? CLUSTER_DEFAULT_WAL_DISK_WARN_TIME
					: CLUSTER_DEFAULT_WAL_DISK_CRITICAL_TIME;

				if (v[0] == '\0')
					*dst = dflt;
				else if (cluster_parse_seconds(v, dst) < 0 || *dst <= 0)
				{
					pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
								  where, shown(s, v), cluster_keys[key]);
					pgr_error_hint(err, _("\"%s\" is a positive duration, in seconds by default, with an optional unit: ms, s, min or h (e.g. 10s)."),
								   cluster_keys[key]);
					return -1;
				}
				break;
			}
		case CK_PATRONI_PORT:
			if (v[0] == '\0')
				c->patroni_port = CLUSTER_DEFAULT_PATRONI_PORT;
			else if (strcasecmp(v, "off") == 0)
				c->patroni_port = 0;
			else if (parse_port(v, &c->patroni_port) < 0)
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
							  where, shown(s, v), cluster_keys[key]);
				pgr_error_hint(err, _("\"%s\" is the port of Patroni's REST API on the nodes' hosts (1 to 65535), or off."),
							   cluster_keys[key]);
				return -1;
			}
			break;
		case CK_CLONE_COMPRESSION:
			{
				basebackup_compression m = BB_COMPRESS_AUTO;
				int			level = 0;

				if (v[0] != '\0' && !basebackup_parse_compression(v, &m, &level))
				{
					pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
								  where, shown(s, v), cluster_keys[key]);
					pgr_error_hint(err, _("\"%s\" is auto, off, lz4, zstd or zstd:LEVEL (1 to 22): the primary compresses the copy (PostgreSQL 15 and later), auto when the link is slower than the compression."),
								   cluster_keys[key]);
					return -1;
				}
				c->clone_compression = (int) m;
				c->clone_compression_level = level;
			}
			break;
		case CK_CLONE_MAX_RATE:
			if (v[0] == '\0')
				c->clone_max_rate_kb = 0;
			else if (!basebackup_parse_rate(v, &c->clone_max_rate_kb))
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
							  where, shown(s, v), cluster_keys[key]);
				pgr_error_hint(err, _("\"%s\" is pg_basebackup's --max-rate: kB/s, or a number with k or M (e.g. 10M), from 32k to 1024M; empty: no limit."),
							   cluster_keys[key]);
				return -1;
			}
			break;
		case CK_EVENT_COMMAND:
			if (v[0] != '\0' && !event_command_ok(v))
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
							  where, shown(s, v), cluster_keys[key]);
				pgr_error_hint(err, _("\"%s\" is a program's absolute path, then at most %d arguments, separated by blanks; no shell, no quotes: put anything more in a script."),
							   cluster_keys[key], EVENT_COMMAND_MAX_WORDS - 1);
				return -1;
			}
			free(c->event_command);
			c->event_command = dup_or_null(v);
			break;
		case CK_EVENT_TIMEOUT:
			if (v[0] == '\0')
				c->event_timeout = CLUSTER_DEFAULT_EVENT_TIMEOUT;
			else if (cluster_parse_seconds(v, &c->event_timeout) < 0 ||
					 c->event_timeout <= 0 || c->event_timeout > 3600)
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
							  where, shown(s, v), cluster_keys[key]);
				pgr_error_hint(err, _("\"%s\" is a positive duration of at most an hour, in seconds by default, with an optional unit: ms, s, min or h (e.g. 30s)."),
							   cluster_keys[key]);
				return -1;
			}
			break;
		case CK_REPLICATION_AUTH:
			{
				size_t		i;

				for (i = 0; i < sizeof(replication_auth_names) / sizeof(replication_auth_names[0]); i++)
					if (strcasecmp(v, replication_auth_names[i]) == 0)
						break;
				if (v[0] == '\0')
					c->replication_auth = REPLICATION_AUTH_SCRAM;
				else if (i < sizeof(replication_auth_names) / sizeof(replication_auth_names[0]))
					c->replication_auth = (replication_auth) i;
				else
				{
					pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid value \"%s\" for \"%s\""),
								  where, shown(s, v), cluster_keys[key]);
					pgr_error_hint(err, _("\"%s\" is scram (the role's password), cert (a client certificate from the cluster's CA, no password) or scram+cert (both)."),
								   cluster_keys[key]);
					return -1;
				}
				break;
			}
		case N_CLUSTER_KEYS:
			break;
	}
	return 0;
}

static void
bad_service(const char *where, const char *v, scratch *s, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid service \"%s\""), where, shown(s, v));
	pgr_error_hint(err, _("Write pg_ctl, pg_ctlcluster VERSION NAME (Debian, e.g. pg_ctlcluster 15 main) or systemd UNIT (e.g. systemd postgresql@15-main)."));
}

static void
bad_ssh(const char *where, const char *v, scratch *s, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid ssh target \"%s\""), where, shown(s, v));
	pgr_error_detail(err, "%s", cluster_ssh_problem(v));
	pgr_error_hint(err, _("Write local, or [user@]host[:port] or a Host alias of the ssh configuration, without blanks and not starting with \"-\"."));
}

static void
bad_port(const char *where, const char *v, scratch *s, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid port \"%s\""), where, shown(s, v));
	pgr_error_hint(err, _("A port is a number between 1 and 65535."));
}

static void
bad_become(const char *where, const char *v, scratch *s, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid account \"%s\" for \"become\""), where, shown(s, v));
	pgr_error_hint(err, _("Write the name of the account the node's commands run as (e.g. postgres): letters, digits, \"_\", \".\" or \"-\", not starting with \"-\", at most 32 characters."));
}

static int
set_node_key(cluster_node *n, int key, const char *v, const char *where,
			 scratch *s, pgr_error *err)
{
	switch ((enum node_key) key)
	{
		case NK_ROLE:
			if (strcmp(v, "primary") == 0)
				n->role = NODE_PRIMARY;
			else if (strcmp(v, "standby") == 0)
				n->role = NODE_STANDBY;
			else
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid role \"%s\""), where, shown(s, v));
				pgr_error_hint(err, _("A node's role is primary or standby."));
				return -1;
			}
			break;
		case NK_UPSTREAM:
			free(n->upstream);
			n->upstream = dup_or_null(v);
			break;
		case NK_HOST:
			if (v[0] == '\0')
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: empty host for node \"%s\""), where, n->name);
				pgr_error_hint(err, _("Give the address that libpq and the standbys use to reach the node."));
				return -1;
			}
			free(n->host);
			n->host = pgr_strdup(v);
			break;
		case NK_PORT:
			if (v[0] == '\0')
				n->port = CLUSTER_DEFAULT_PORT;
			else if (parse_port(v, &n->port) < 0)
			{
				bad_port(where, v, s, err);
				return -1;
			}
			break;
		case NK_DBUSER:
			free(n->dbuser);
			n->dbuser = pgr_strdup(v[0] ? v : CLUSTER_DEFAULT_DBUSER);
			break;
		case NK_DBNAME:
			free(n->dbname);
			n->dbname = pgr_strdup(v[0] ? v : CLUSTER_DEFAULT_DBNAME);
			break;
		case NK_SSH:
			if (v[0] != '\0' && !valid_ssh(v))
			{
				bad_ssh(where, v, s, err);
				return -1;
			}
			free(n->ssh);
			n->ssh = dup_or_null(v);
			break;
		case NK_PGDATA:
			if (v[0] != '\0' && cluster_pgdata_problem(v))
			{
				bad_pgdata(where, v, n->name, s, err);
				return -1;
			}
			free(n->pgdata);
			n->pgdata = dup_or_null(v);
			break;
		case NK_BINDIR:
			free(n->bindir);
			n->bindir = dup_or_null(v);
			break;
		case NK_CLIENT_BINDIR:
			free(n->client_bindir);
			n->client_bindir = dup_or_null(v);
			break;
		case NK_SERVICE:
			if (parse_service(v, &n->service) < 0)
			{
				bad_service(where, v, s, err);
				return -1;
			}
			break;
		case NK_SSL_CERT:
			free(n->ssl_cert);
			n->ssl_cert = dup_or_null(v);
			break;
		case NK_SSL_KEY:
			free(n->ssl_key);
			n->ssl_key = dup_or_null(v);
			break;
		case NK_BECOME:
			if (v[0] != '\0' && !valid_account(v))
			{
				bad_become(where, v, s, err);
				return -1;
			}
			free(n->become);
			n->become = dup_or_null(v);
			break;
		case N_NODE_KEYS:
			break;
	}
	return 0;
}

/* ---- whole-cluster validation ------------------------------------------------------ */

/* Lines where things were found, when the cluster comes from a file. */
typedef struct node_lines
{
	int			key[N_NODE_KEYS];	/* 0: key absent */
} node_lines;

static bool
has_newline(const char *s)
{
	return s && strchr(s, '\n') != NULL;
}

/*
 * Checks that need the whole cluster: node names, one primary, upstreams.
 * `lines` (NULL for a cluster built in memory) gives the line numbers for
 * "FILE:LINE: " prefixes.
 */
static int
validate(const cluster *c, const node_lines *lines, const int *cluster_lines,
		 const char *path, scratch *s, pgr_error *err)
{
	const cluster_node *primary = NULL;
	const char *names;
	strbuf		sb;

#define NLINE(i, k) (lines ? (k) < 0 ? c->nodes[i].line : lines[i].key[k] : 0)

	/* a client certificate is only ever presented over SSL */
	if (c->replication_auth != REPLICATION_AUTH_SCRAM && !c->ssl)
	{
		int			line = cluster_lines ? cluster_lines[CK_REPLICATION_AUTH] : 0;

		pgr_error_set(err, PGR_ERR_INPUT, _("%s: replication_auth = %s needs ssl = on"),
					  line ? loc(s, path, line) : path,
					  cluster_replication_auth_name(c->replication_auth));
		pgr_error_hint(err, _("Set ssl = on (pgreplica's CA then issues each standby its client certificate), or replication_auth = scram."));
		return -1;
	}

	for (int i = 0; i < c->n_nodes; i++)
	{
		const cluster_node *n = &c->nodes[i];

		if (n->role != NODE_PRIMARY)
			continue;
		if (primary)
		{
			int			first = (int) (primary - c->nodes);

			if (lines)
				pgr_error_set(err, PGR_ERR_INPUT,
							  _("%s: two primaries: \"%s\" (line %d) and \"%s\" (line %d)"),
							  loc(s, path, NLINE(i, NK_ROLE)),
							  primary->name, NLINE(first, NK_ROLE),
							  n->name, NLINE(i, NK_ROLE));
			else
				pgr_error_set(err, PGR_ERR_INPUT,
							  _("%s: two primaries: \"%s\" and \"%s\""),
							  path, primary->name, n->name);
			pgr_error_hint(err, _("A cluster has exactly one primary: make the other nodes standbys."));
			return -1;
		}
		primary = n;
	}
	if (!primary)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: no primary node"),
					  loc(s, path, c->n_nodes > 0 ? NLINE(0, -1) : 0));
		pgr_error_hint(err, _("Give one node the line \"role = primary\"."));
		return -1;
	}

	strbuf_init(&sb);
	for (int i = 0; i < c->n_nodes; i++)
	{
		if (i > 0)
			strbuf_append(&sb, ", ");
		strbuf_append(&sb, c->nodes[i].name);
	}
	names = keep(s, strbuf_detach(&sb));
	strbuf_free(&sb);

	for (int i = 0; i < c->n_nodes; i++)
	{
		const cluster_node *n = &c->nodes[i];
		const cluster_node *up;
		int			steps;

		if (!n->upstream)
			continue;
		if (n->role == NODE_PRIMARY)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: the primary \"%s\" cannot have an upstream"),
						  loc(s, path, NLINE(i, NK_UPSTREAM)), n->name);
			pgr_error_hint(err, _("Remove the upstream line, or make the node a standby."));
			return -1;
		}
		if (strcmp(n->upstream, n->name) == 0)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: node \"%s\" cannot be its own upstream"),
						  loc(s, path, NLINE(i, NK_UPSTREAM)), n->name);
			pgr_error_hint(err, _("Name the node it streams from, or leave upstream out to follow the primary."));
			return -1;
		}
		if (!cluster_find_node(c, n->upstream))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: upstream \"%s\" of node \"%s\" is not a node of this cluster"),
						  loc(s, path, NLINE(i, NK_UPSTREAM)), shown(s, n->upstream), n->name);
			pgr_error_hint(err, _("The nodes are: %s."), names);
			return -1;
		}
		/* a chain of standbys must lead to the primary */
		up = n;
		for (steps = 0; up && up->role != NODE_PRIMARY && steps <= c->n_nodes; steps++)
			up = cluster_upstream(c, up);
		if (!up || up->role != NODE_PRIMARY)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: the upstreams of node \"%s\" go round in a circle"),
						  loc(s, path, NLINE(i, NK_UPSTREAM)), n->name);
			pgr_error_hint(err, _("Following the upstreams from any standby must lead to the primary."));
			return -1;
		}
	}
	/* the operator's own certificate comes with its key */
	for (int i = 0; i < c->n_nodes; i++)
	{
		const cluster_node *n = &c->nodes[i];

		if (str_empty(n->ssl_cert) == str_empty(n->ssl_key))
			continue;
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: node \"%s\" has %s without %s"),
					  loc(s, path, NLINE(i, str_empty(n->ssl_cert) ? NK_SSL_KEY : NK_SSL_CERT)),
					  n->name, str_empty(n->ssl_cert) ? "ssl_key" : "ssl_cert",
					  str_empty(n->ssl_cert) ? "ssl_cert" : "ssl_key");
		pgr_error_hint(err, _("Give both ssl_cert and ssl_key (the operator's certificate and its private key, files on this machine), or neither to have pgreplica make them."));
		return -1;
	}
	return 0;
#undef NLINE
}

/* Checks on a cluster built or changed in memory, before it is written. */
static int
validate_memory(const cluster *c, const char *path, scratch *s, pgr_error *err)
{
	const char *cstr[] = {c->name, c->replication_user, c->sync,
	c->archive_command, c->trigger_file, c->ssl_ca, c->event_command};

	for (size_t k = 0; k < sizeof(cstr) / sizeof(cstr[0]); k++)
	{
		if (has_newline(cstr[k]))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: a value of section [cluster] contains a line break"), path);
			pgr_error_hint(err, _("The cluster file is text: a value cannot contain a NUL byte or a line break."));
			return -1;
		}
	}
	for (int i = 0; i < c->n_nodes; i++)
	{
		const cluster_node *n = &c->nodes[i];
		const char *nstr[] = {n->upstream, n->host, n->dbuser, n->dbname,
		n->ssh, n->pgdata, n->bindir, n->client_bindir, n->service.version, n->service.name,
		n->ssl_cert, n->ssl_key, n->become};
		char	   *svc;
		node_service tmp = {SERVICE_PG_CTL, NULL, NULL};
		int			rc;

		if (!n->name || !valid_node_name(n->name))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid node name \"%s\""),
						  path, shown(s, n->name ? n->name : ""));
			pgr_error_hint(err, _("A node name starts with a letter or a digit and has at most 63 letters, digits, \"_\", \".\" or \"-\": it becomes the standby's application_name and the name of its replication slot."));
			return -1;
		}
		for (size_t k = 0; k < sizeof(nstr) / sizeof(nstr[0]); k++)
		{
			if (has_newline(nstr[k]))
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: a value of node \"%s\" contains a line break"), path, n->name);
				pgr_error_hint(err, _("The cluster file is text: a value cannot contain a NUL byte or a line break."));
				return -1;
			}
		}
		for (int j = 0; j < i; j++)
		{
			if (strcasecmp(c->nodes[j].name, n->name) == 0)
			{
				pgr_error_set(err, PGR_ERR_INPUT, _("%s: duplicate node \"%s\""), path, n->name);
				pgr_error_hint(err, _("Node names must be unique (regardless of case)."));
				return -1;
			}
		}
		if (str_empty(n->host))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: node \"%s\" has no host"), path, n->name);
			pgr_error_hint(err, _("Add a line \"host = ADDRESS\" to the node's section: the address that libpq and the standbys use to reach it."));
			return -1;
		}
		if (n->port < 1 || n->port > 65535)
		{
			bad_port(path, keep(s, pgr_asprintf("%d", n->port)), s, err);
			return -1;
		}
		if (n->ssh && n->ssh[0] && !valid_ssh(n->ssh))
		{
			bad_ssh(path, n->ssh, s, err);
			return -1;
		}
		if (n->become && n->become[0] && !valid_account(n->become))
		{
			bad_become(path, n->become, s, err);
			return -1;
		}
		if (n->pgdata && n->pgdata[0] && cluster_pgdata_problem(n->pgdata))
		{
			bad_pgdata(path, n->pgdata, n->name, s, err);
			return -1;
		}
		svc = service_string(&n->service);
		rc = parse_service(svc, &tmp);
		service_clear(&tmp);
		if (rc < 0)
		{
			bad_service(path, svc, s, err);
			free(svc);
			return -1;
		}
		free(svc);
	}
	return validate(c, NULL, NULL, path, s, err);
}

/* ---- parsing ---------------------------------------------------------------------- */

cluster *
cluster_new(const char *path)
{
	cluster    *c = pgr_calloc(1, sizeof(cluster));

	c->path = path ? pgr_strdup(path) : NULL;
	c->replication_user = pgr_strdup(CLUSTER_DEFAULT_REPLICATION_USER);
	c->ssl = CLUSTER_DEFAULT_SSL;
	c->slots = CLUSTER_DEFAULT_SLOTS;
	c->lag_warn_bytes = CLUSTER_DEFAULT_LAG_WARN_BYTES;
	c->lag_warn_seconds = CLUSTER_DEFAULT_LAG_WARN_SECONDS;
	c->event_timeout = CLUSTER_DEFAULT_EVENT_TIMEOUT;
	c->slot_warn_bytes = CLUSTER_DEFAULT_SLOT_WARN_BYTES;
	c->clone_compression = BB_COMPRESS_AUTO;
	c->slot_critical_bytes = CLUSTER_DEFAULT_SLOT_CRITICAL_BYTES;
	c->wal_disk_warn_time = CLUSTER_DEFAULT_WAL_DISK_WARN_TIME;
	c->wal_disk_critical_time = CLUSTER_DEFAULT_WAL_DISK_CRITICAL_TIME;
	c->patroni_port = CLUSTER_DEFAULT_PATRONI_PORT;
	return c;
}

/* Slot names of the nodes read so far (open addressing, FNV-1a). */
typedef struct slot_entry
{
	const char *slot;			/* NULL: empty */
	int			node;
} slot_entry;

static unsigned
slot_hash(const char *s)
{
	unsigned	h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char) *s) * 16777619u;
	return h;
}

/* The node whose slot name is `slot`, or -1. */
static int
slot_table_find(const slot_entry *t, const char *slot)
{
	for (unsigned i = slot_hash(slot) & (SLOT_TABLE_SIZE - 1);; i = (i + 1) & (SLOT_TABLE_SIZE - 1))
	{
		if (!t[i].slot)
			return -1;
		if (strcmp(t[i].slot, slot) == 0)
			return t[i].node;
	}
}

static void
slot_table_add(slot_entry *t, const char *slot, int node)
{
	unsigned	i = slot_hash(slot) & (SLOT_TABLE_SIZE - 1);

	while (t[i].slot)
		i = (i + 1) & (SLOT_TABLE_SIZE - 1);
	t[i].slot = slot;
	t[i].node = node;
}

/* What parse_text knows as it reads the lines, in order. */
typedef struct parse_state
{
	const char *text;
	const char *where_path;
	scratch		s;
	cluster    *c;
	node_lines *nl;
	int			cluster_line;	/* line of [cluster] */
	int			cluster_seen[N_CLUSTER_KEYS];
	int			section;		/* -2 none, -1 [cluster], else node index */
	slot_entry	slot_table[SLOT_TABLE_SIZE];
} parse_state;

static int
start_cluster_section(parse_state *ps, const line_info *li, const char *where,
					  pgr_error *err)
{
	if (ps->cluster_line)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: duplicate section [cluster]"), where);
		pgr_error_hint(err, _("The section was already started on line %d: keep one [cluster] section."),
					   ps->cluster_line);
		return -1;
	}
	ps->cluster_line = li->lineno;
	ps->section = -1;
	return 0;
}

/*
 * One look in a table of the slot names so far: two names equal regardless
 * of case have the same slot name too.
 */
static int
check_slot_clash(parse_state *ps, const line_info *li, const char *slot,
				 const char *where, pgr_error *err)
{
	int			j = slot_table_find(ps->slot_table, slot);
	cluster_node *o;

	if (j < 0)
		return 0;
	o = &ps->c->nodes[j];
	if (strcasecmp(o->name, li->name) == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: duplicate node \"%s\""), where, li->name);
		pgr_error_hint(err, _("A node of that name was already defined on line %d: node names must be unique (regardless of case)."),
					   o->line);
	}
	else
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: nodes \"%s\" (line %d) and \"%s\" would have the same replication slot name \"%s\""),
					  where, o->name, o->line, li->name, slot);
		pgr_error_hint(err, _("Slot names are node names in lower case with \".\" and \"-\" turned into \"_\": rename one of the nodes."));
	}
	return -1;
}

/* A new node with the defaults its keys may override. */
static void
add_node(parse_state *ps, const line_info *li, const char *slot)
{
	cluster    *c = ps->c;
	cluster_node *n;

	slot_table_add(ps->slot_table, slot, c->n_nodes);
	c->nodes = pgr_realloc(c->nodes, (size_t) (c->n_nodes + 1) * sizeof(cluster_node));
	ps->nl = pgr_realloc(ps->nl, (size_t) (c->n_nodes + 1) * sizeof(node_lines));
	memset(&ps->nl[c->n_nodes], 0, sizeof(node_lines));
	n = &c->nodes[c->n_nodes];
	memset(n, 0, sizeof(*n));
	n->name = pgr_strdup(li->name);
	n->role = NODE_STANDBY;
	n->port = CLUSTER_DEFAULT_PORT;
	n->dbuser = pgr_strdup(CLUSTER_DEFAULT_DBUSER);
	n->dbname = pgr_strdup(CLUSTER_DEFAULT_DBNAME);
	n->service.kind = SERVICE_PG_CTL;
	n->line = li->lineno;
	ps->section = c->n_nodes++;
}

static int
start_node_section(parse_state *ps, const line_info *li, const char *where,
				   pgr_error *err)
{
	cluster_node tmpn = {.name = li->name};
	const char *slot;

	if (!valid_node_name(li->name))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: invalid node name \"%s\""),
					  where, shown(&ps->s, li->name));
		pgr_error_hint(err, _("A node name starts with a letter or a digit and has at most 63 letters, digits, \"_\", \".\" or \"-\": it becomes the standby's application_name and the name of its replication slot."));
		return -1;
	}
	slot = keep(&ps->s, cluster_slot_name(&tmpn));
	if (check_slot_clash(ps, li, slot, where, err) < 0)
		return -1;
	if (ps->c->n_nodes >= MAX_NODES)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: more than %d nodes"), where, MAX_NODES);
		pgr_error_hint(err, _("A cluster has a primary and its standbys: is \"%s\" the right file?"), ps->where_path);
		return -1;
	}
	add_node(ps, li, slot);
	return 0;
}

static void
unknown_key(parse_state *ps, const char *const *keys, int nkeys, const char *kshown,
			const char *where, pgr_error *err)
{
	char	   *list = key_list(keys, nkeys);

	if (ps->section == -1)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: unknown key \"%s\" in section [cluster]"),
					  where, shown(&ps->s, kshown));
		pgr_error_hint(err, _("The keys of [cluster] are: %s."), list);
	}
	else
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: unknown key \"%s\" in section [node \"%s\"]"),
					  where, shown(&ps->s, kshown), ps->c->nodes[ps->section].name);
		pgr_error_hint(err, _("The keys of [node \"NAME\"] are: %s."), list);
	}
	free(list);
}

/* A "key = value" line: known in its section, once, and its value valid. */
static int
read_key_line(parse_state *ps, const line_info *li, const char *where, pgr_error *err)
{
	const char *key = ps->text + li->start + li->key_off;
	const char *kshown = keep(&ps->s, pgr_strndup(key, li->key_len));
	const char *const *keys = ps->section == -1 ? cluster_keys : node_keys;
	int			nkeys = ps->section == -1 ? N_CLUSTER_KEYS : N_NODE_KEYS;
	int			k;
	int		   *seen;

	if (ps->section == -2)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: setting \"%s\" outside of a section"),
					  where, shown(&ps->s, kshown));
		pgr_error_hint(err, _("Put the settings under [cluster] or under [node \"NAME\"]."));
		return -1;
	}
	k = key_index(keys, nkeys, key, li->key_len);
	if (k < 0)
	{
		unknown_key(ps, keys, nkeys, kshown, where, err);
		return -1;
	}
	seen = ps->section == -1 ? &ps->cluster_seen[k] : &ps->nl[ps->section].key[k];
	if (*seen)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: duplicate key \"%s\""), where, kshown);
		pgr_error_hint(err, _("\"%s\" was already set on line %d: keep one of the two lines."),
					   kshown, *seen);
		return -1;
	}
	*seen = li->lineno;
	if (ps->section == -1)
		return set_cluster_key(ps->c, k, li->value, where, &ps->s, err);
	return set_node_key(&ps->c->nodes[ps->section], k, li->value, where, &ps->s, err);
}

/* Every node has a role and a host, and there is at least one node. */
static int
check_nodes_complete(parse_state *ps, int n_lines, pgr_error *err)
{
	cluster    *c = ps->c;

	for (int i = 0; i < c->n_nodes; i++)
	{
		cluster_node *n = &c->nodes[i];
		const char *where = loc(&ps->s, ps->where_path, n->line);

		if (!ps->nl[i].key[NK_ROLE])
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: node \"%s\" has no role"), where, n->name);
			pgr_error_hint(err, _("Add a line \"role = primary\" or \"role = standby\" to the node's section."));
			return -1;
		}
		if (!ps->nl[i].key[NK_HOST])
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("%s: node \"%s\" has no host"), where, n->name);
			pgr_error_hint(err, _("Add a line \"host = ADDRESS\" to the node's section: the address that libpq and the standbys use to reach it."));
			return -1;
		}
	}
	if (c->n_nodes == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s: no primary node"),
					  loc(&ps->s, ps->where_path, n_lines > 0 ? n_lines : 1));
		pgr_error_hint(err, _("Describe the nodes in sections [node \"NAME\"], one of them with \"role = primary\"."));
		return -1;
	}
	return 0;
}

static int
parse_line(parse_state *ps, const line_info *li, pgr_error *err)
{
	const char *where = loc(&ps->s, ps->where_path, li->lineno);

	if (li->kind == LINE_BLANK)
		return 0;
	if (li->kind == LINE_SECTION && !li->is_node)
		return start_cluster_section(ps, li, where, err);
	if (li->kind == LINE_SECTION)
		return start_node_section(ps, li, where, err);
	return read_key_line(ps, li, where, err);
}

static cluster *
parse_text(const char *text, size_t len, const char *path, pgr_error *err)
{
	parse_state *ps = pgr_calloc(1, sizeof(*ps));
	line_info  *lines = NULL;
	int			n_lines = 0;
	cluster    *c = cluster_new(path);
	bool		ok = false;

	ps->text = text;
	ps->where_path = path ? path : "-";
	ps->c = c;
	ps->section = -2;
	c->text = pgr_strndup(text, len);
	if (len > MAX_FILE_SIZE)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("cluster file \"%s\" is too large"), ps->where_path);
		pgr_error_hint(err, _("A cluster file is a few hundred bytes of settings; is \"%s\" the right file?"), ps->where_path);
		goto fail;
	}
	if (lex_text(text, len, ps->where_path, &lines, &n_lines, &ps->s, err) < 0)
		goto fail;
	for (int i = 0; i < n_lines; i++)
		if (parse_line(ps, &lines[i], err) < 0)
			goto fail;
	if (check_nodes_complete(ps, n_lines, err) < 0 ||
		validate(c, ps->nl, ps->cluster_seen, ps->where_path, &ps->s, err) < 0)
		goto fail;
	ok = true;

fail:
	lines_free(lines, n_lines);
	free(ps->nl);
	scratch_free(&ps->s);
	free(ps);
	if (!ok)
	{
		cluster_free(c);
		return NULL;
	}
	return c;
}

cluster *
cluster_parse(const char *text, const char *path, pgr_error *err)
{
	return parse_text(text ? text : "", text ? strlen(text) : 0, path, err);
}

/*
 * The whole file into sb: 0, 1 when it does not exist (err not set), -1
 * with err set.
 */
static int
read_text(const char *path, strbuf *sb, pgr_error *err)
{
	FILE	   *f;
	char		buf[8192];
	size_t		got;
	int			rc = -1;

	f = fopen(path, "rb");
	if (!f)
	{
		int			e = errno;

		if (e == ENOENT)
			return 1;
		pgr_error_set(err, PGR_ERR_IO, _("could not open cluster file \"%s\": %s"), path, strerror(e));
		return -1;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
	{
		strbuf_append_len(sb, buf, got);
		if (sb->len > MAX_FILE_SIZE)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("cluster file \"%s\" is too large"), path);
			pgr_error_hint(err, _("A cluster file is a few hundred bytes of settings; is \"%s\" the right file?"), path);
			goto out;
		}
	}
	if (ferror(f))
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not read cluster file \"%s\": %s"), path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

cluster *
cluster_load(const char *path, pgr_error *err)
{
	strbuf		sb;
	cluster    *c = NULL;
	int			r;

	strbuf_init(&sb);
	r = read_text(path, &sb, err);
	if (r == 1)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("could not open cluster file \"%s\": %s"), path, strerror(ENOENT));
		pgr_error_hint(err, _("Run \"pgreplica setup\" to create it, or name another file with -c."));
	}
	else if (r == 0)
		c = parse_text(sb.data ? sb.data : "", sb.len, path, err);
	strbuf_free(&sb);
	return c;
}

cluster *
cluster_load_locked(const char *path, const char *what, pgr_error *err)
{
	cluster_lock *l;
	cluster    *c;

	/* no lock file beside a file that is not there: cluster_load says so */
	if (access(path, F_OK) != 0)
		return cluster_load(path, err);
	if (!(l = cluster_lock_take(path, what, err)))
		return NULL;
	if (!(c = cluster_load(path, err)))
	{
		cluster_lock_release(l);
		return NULL;
	}
	c->lock = l;
	return c;
}

void
cluster_unlock(cluster *c)
{
	cluster_lock_release(c->lock);
	c->lock = NULL;
}

int
cluster_check_unchanged(const cluster *c, const char *path, pgr_error *err)
{
	strbuf		sb;
	int			r;
	bool		same;

	strbuf_init(&sb);
	r = read_text(path, &sb, err);
	if (r < 0)
	{
		strbuf_free(&sb);
		return -1;
	}
	if (r == 1)
		same = true;			/* no file: nothing to undo */
	else
		same = c->text && strlen(c->text) == sb.len &&
			memcmp(c->text, sb.data ? sb.data : "", sb.len) == 0;
	strbuf_free(&sb);
	if (same)
		return 0;
	pgr_error_set(err, PGR_ERR_REFUSED,
				  _("cluster file \"%s\" changed since pgreplica read it"), path);
	pgr_error_detail(err, "%s",
					 _("Another pgreplica process or an editor wrote it meanwhile: saving over it would undo that change (a role change, a new node)."));
	pgr_error_hint(err, "%s",
				   _("Nothing was saved. Run the command again: it reads the file anew."));
	return -1;
}

static void
node_free_fields(cluster_node *n)
{
	free(n->name);
	free(n->upstream);
	free(n->host);
	free(n->dbuser);
	free(n->dbname);
	free(n->ssh);
	free(n->pgdata);
	free(n->bindir);
	free(n->client_bindir);
	free(n->ssl_cert);
	free(n->ssl_key);
	free(n->become);
	service_clear(&n->service);
}

void
cluster_free(cluster *c)
{
	if (!c)
		return;
	cluster_lock_release(c->lock);
	for (int i = 0; i < c->n_nodes; i++)
		node_free_fields(&c->nodes[i]);
	free(c->nodes);
	free(c->path);
	free(c->name);
	free(c->replication_user);
	free(c->sync);
	free(c->archive_command);
	free(c->trigger_file);
	free(c->ssl_ca);
	free(c->event_command);
	free(c->text);
	free(c);
}

/* ---- writing ------------------------------------------------------------------------ */

static bool
needs_quotes(const char *v)
{
	size_t		len = strlen(v);

	if (len == 0)
		return false;
	if (IS_BLANK(v[0]) || IS_BLANK(v[len - 1]) || v[0] == '"')
		return true;
	return strchr(v, ';') != NULL || strchr(v, '#') != NULL;
}

void
cluster_append_value(strbuf *out, const char *v)
{
	if (!needs_quotes(v))
	{
		strbuf_append(out, v);
		return;
	}
	strbuf_append_char(out, '"');
	for (const char *p = v; *p; p++)
	{
		if (*p == '"' || *p == '\\')
			strbuf_append_char(out, '\\');
		strbuf_append_char(out, *p);
	}
	strbuf_append_char(out, '"');
}

static void
append_setting(strbuf *out, const char *key, const char *v, const char *eol)
{
	strbuf_append(out, key);
	strbuf_append(out, " =");
	if (v[0])
	{
		strbuf_append_char(out, ' ');
		cluster_append_value(out, v);
	}
	strbuf_append(out, eol);
}

/* A line break at the end of what was written so far, if missing. */
static void
ensure_eol(strbuf *out, const char *eol)
{
	if (out->len > 0 && out->data[out->len - 1] != '\n')
		strbuf_append(out, eol);
}

/* ... and a blank line before what comes next (a new section). */
static void
ensure_blank_line(strbuf *out, const char *eol)
{
	ensure_eol(out, eol);
	if (out->len == 0)
		return;
	if (out->len >= 2 && out->data[out->len - 2] == '\n')
		return;
	if (out->len >= 3 && out->data[out->len - 2] == '\r' && out->data[out->len - 3] == '\n')
		return;
	strbuf_append(out, eol);
}

static void
append_cluster_section(strbuf *out, const cluster *c, const char *eol)
{
	strbuf_append(out, "[cluster]");
	strbuf_append(out, eol);
	for (int k = 0; k < N_CLUSTER_KEYS; k++)
	{
		char	   *v = cluster_value(c, k);

		if (v[0] || (k != CK_NAME && k != CK_ARCHIVE_COMMAND && k != CK_TRIGGER_FILE &&
					  k != CK_SSL_CA && k != CK_LAG_WARN_BYTES &&
					  k != CK_LAG_WARN_SECONDS && k != CK_EVENT_COMMAND &&
					  k != CK_EVENT_TIMEOUT && k != CK_SLOT_WARN_BYTES &&
					  k != CK_SLOT_CRITICAL_BYTES && k != CK_CLONE_MAX_RATE &&
					  k != CK_CLONE_COMPRESSION && k != CK_REPLICATION_AUTH &&
					  k != CK_WAL_DISK_WARN_TIME && k != CK_WAL_DISK_CRITICAL_TIME &&
					  k != CK_PATRONI_PORT))
			append_setting(out, cluster_keys[k], v, eol);
		free(v);
	}
}

static void
append_node_section(strbuf *out, const cluster_node *n, const char *eol)
{
	strbuf_appendf(out, "[node \"%s\"]", n->name ? n->name : "");
	strbuf_append(out, eol);
	for (int k = 0; k < N_NODE_KEYS; k++)
	{
		char	   *v = node_value(n, k);

		if (v[0] && !(k == NK_DBNAME && strcmp(v, CLUSTER_DEFAULT_DBNAME) == 0))
			append_setting(out, node_keys[k], v, eol);
		free(v);
	}
}

static char *
format_fresh(const cluster *c)
{
	strbuf		out;

	strbuf_init(&out);
	append_cluster_section(&out, c, "\n");
	for (int i = 0; i < c->n_nodes; i++)
	{
		strbuf_append(&out, "\n");
		append_node_section(&out, &c->nodes[i], "\n");
	}
	return strbuf_detach(&out);
}

/*
 * A key line whose value changed: the same line with the new value in the
 * place of the old one; what was around it (blanks, a comment) stays.  A
 * value that became empty on a line without a comment removes the line.
 */
static void
rewrite_line(strbuf *out, const char *text, const line_info *li, const char *v)
{
	const char *p = text + li->start;
	const char *rest = p + li->val_end;
	size_t		rest_len = li->len - li->val_end;
	size_t		pre_len = li->val_off;
	size_t		i;

	for (i = 0; i < rest_len && IS_BLANK(rest[i]); i++)
		;
	if (v[0] == '\0' && i == rest_len)
		return;					/* no comment to keep: drop the line */

	strbuf_append_len(out, p, pre_len);
	if (v[0] && pre_len > 0 && !IS_BLANK(p[pre_len - 1]))
		strbuf_append_char(out, ' ');
	cluster_append_value(out, v);
	/* a comment glued to the value would become part of it */
	if (rest_len > 0 && IS_COMMENT(rest[0]) &&
		(out->len == 0 || !IS_BLANK(out->data[out->len - 1])))
		strbuf_append_char(out, ' ');
	strbuf_append_len(out, rest, rest_len);
	if (li->has_nl)
		strbuf_append_char(out, '\n');
}

static void
append_line(strbuf *out, const char *text, const line_info *li)
{
	strbuf_append_len(out, text + li->start, li->len);
	if (li->has_nl)
		strbuf_append_char(out, '\n');
}

/*
 * The lines of one section [header, body_end) are rewritten; new keys go
 * after its last setting.  When the section's node is gone, the section and
 * the comment block right above its header are dropped.
 */
typedef struct section_span
{
	int			header;			/* index of the header line */
	int			lead;			/* first line of the comment block just
								 * above the header */
	int			body_end;		/* one past the last setting (or header) */
	int			end;			/* where the next section's lead starts */
} section_span;

static bool
is_comment_line(const char *text, const line_info *li)
{
	const char *p = text + li->start;
	size_t		i = 0;

	if (li->kind != LINE_BLANK)
		return false;
	while (i < li->len && IS_BLANK(p[i]))
		i++;
	return i < li->len && IS_COMMENT(p[i]);
}

char *
cluster_format(const cluster *c)
{
	scratch		s = {NULL, 0};
	pgr_error	err = PGR_ERROR_INIT;
	line_info  *lines = NULL;
	int			n_lines = 0;
	cluster    *o = NULL;
	section_span *secs = NULL;
	int			n_secs = 0;
	strbuf		out;
	const char *eol = "\n";
	const char *text = c->text;
	bool		cluster_in_text = false;
	int			next;

	if (!text)
		return format_fresh(c);
	o = parse_text(text, strlen(text), c->path, &err);
	if (!o || lex_text(text, strlen(text), "-", &lines, &n_lines, &s, &err) < 0)
	{
		/* not from a valid file: start afresh */
		pgr_error_clear(&err);
		cluster_free(o);
		scratch_free(&s);
		return format_fresh(c);
	}
	if (n_lines > 0 && lines[0].len > 0 && text[lines[0].start + lines[0].len - 1] == '\r')
		eol = "\r\n";

	/* the sections and their extents */
	for (int i = 0; i < n_lines; i++)
	{
		section_span *sp;

		if (lines[i].kind == LINE_KEY && n_secs > 0)
			secs[n_secs - 1].body_end = i + 1;
		if (lines[i].kind != LINE_SECTION)
			continue;
		if (!lines[i].is_node)
			cluster_in_text = true;
		secs = pgr_realloc(secs, (size_t) (n_secs + 1) * sizeof(section_span));
		sp = &secs[n_secs++];
		sp->header = i;
		sp->body_end = i + 1;
		sp->lead = i;
		while (sp->lead > 0 && is_comment_line(text, &lines[sp->lead - 1]) &&
			   (n_secs == 1 || sp->lead - 1 >= secs[n_secs - 2].body_end))
			sp->lead--;
	}
	for (int k = 0; k < n_secs; k++)
		secs[k].end = k + 1 < n_secs ? secs[k + 1].lead : n_lines;

	strbuf_init(&out);
	next = n_secs > 0 ? secs[0].lead : n_lines;
	for (int i = 0; i < next; i++)
		append_line(&out, text, &lines[i]);

	/* a [cluster] section that was not in the file but is needed now */
	if (!cluster_in_text)
	{
		bool		differs = false;

		for (int k = 0; k < N_CLUSTER_KEYS && !differs; k++)
		{
			char	   *a = cluster_value(c, k);
			char	   *b = cluster_value(o, k);

			differs = strcmp(a, b) != 0;
			free(a);
			free(b);
		}
		if (differs)
		{
			strbuf	tmp;

			strbuf_init(&tmp);
			ensure_eol(&out, eol);
			append_cluster_section(&tmp, c, eol);
			if (n_secs > 0)
				strbuf_append(&tmp, eol);
			strbuf_append(&out, tmp.data);
			strbuf_free(&tmp);
		}
	}

	for (int k = 0; k < n_secs; k++)
	{
		const section_span *sp = &secs[k];
		const line_info *h = &lines[sp->header];
		const cluster_node *cn = NULL;
		const cluster_node *on = NULL;
		int			present[(int) N_NODE_KEYS > (int) N_CLUSTER_KEYS ? (int) N_NODE_KEYS : (int) N_CLUSTER_KEYS] = {0};
		int			nkeys;
		const char *const *keys;
		bool		need_eol_before_append = false;

		if (h->is_node)
		{
			cn = cluster_find_node(c, h->name);
			on = cluster_find_node(o, h->name);
			if (!cn)
			{
				/* dropped; no blank lines left dangling at the end */
				if (sp->end == n_lines)
					while (out.len >= 2 && out.data[out.len - 1] == '\n' &&
						   (out.data[out.len - 2] == '\n' ||
							(out.len >= 3 && out.data[out.len - 2] == '\r' &&
							 out.data[out.len - 3] == '\n')))
						out.len -= out.data[out.len - 2] == '\r' ? 2 : 1;
				out.data[out.len] = '\0';
				continue;
			}
			keys = node_keys;
			nkeys = N_NODE_KEYS;
		}
		else
		{
			keys = cluster_keys;
			nkeys = N_CLUSTER_KEYS;
		}

		for (int i = sp->lead; i < sp->body_end; i++)
		{
			const line_info *li = &lines[i];
			int			key;
			char	   *a,
					   *b;

			if (li->kind != LINE_KEY)
			{
				append_line(&out, text, li);
				continue;
			}
			key = key_index(keys, nkeys, text + li->start + li->key_off, li->key_len);
			present[key] = 1;
			a = h->is_node ? node_value(cn, key) : cluster_value(c, key);
			b = h->is_node ? node_value(on, key) : cluster_value(o, key);
			if (strcmp(a, b) == 0)
				append_line(&out, text, li);
			else
				rewrite_line(&out, text, li, a);
			free(a);
			free(b);
		}
		need_eol_before_append = true;
		for (int key = 0; key < nkeys; key++)
		{
			char	   *a,
					   *b;

			if (present[key])
				continue;
			a = h->is_node ? node_value(cn, key) : cluster_value(c, key);
			b = h->is_node ? node_value(on, key) : cluster_value(o, key);
			if (strcmp(a, b) != 0)
			{
				if (need_eol_before_append)
					ensure_eol(&out, eol);
				need_eol_before_append = false;
				append_setting(&out, keys[key], a, eol);
			}
			free(a);
			free(b);
		}
		for (int i = sp->body_end; i < sp->end; i++)
			append_line(&out, text, &lines[i]);
	}

	/* new nodes */
	for (int i = 0; i < c->n_nodes; i++)
	{
		if (cluster_find_node(o, c->nodes[i].name))
			continue;
		ensure_blank_line(&out, eol);
		append_node_section(&out, &c->nodes[i], eol);
	}

	free(secs);
	lines_free(lines, n_lines);
	cluster_free(o);
	scratch_free(&s);
	return strbuf_detach(&out);
}

/* Same settings (the text and the path are not compared). */
static bool
cluster_same(const cluster *a, const cluster *b)
{
	bool		same = a->n_nodes == b->n_nodes;

	for (int k = 0; same && k < N_CLUSTER_KEYS; k++)
	{
		char	   *x = cluster_value(a, k);
		char	   *y = cluster_value(b, k);

		same = strcmp(x, y) == 0;
		free(x);
		free(y);
	}
	for (int i = 0; same && i < a->n_nodes; i++)
	{
		const cluster_node *m = cluster_find_node(b, a->nodes[i].name);

		same = m != NULL;
		for (int k = 0; same && k < N_NODE_KEYS; k++)
		{
			char	   *x = node_value(&a->nodes[i], k);
			char	   *y = node_value(m, k);

			same = strcmp(x, y) == 0;
			free(x);
			free(y);
		}
	}
	return same;
}

/* $XDG_CONFIG_HOME/pgreplica/cluster.conf, or ~/.config/...; NULL if no home */
static char *
xdg_path(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	/* the specification: a relative $XDG_CONFIG_HOME is to be ignored */
	if (xdg && xdg[0] == '/')
		return pgr_asprintf("%s/pgreplica/cluster.conf", xdg);
	if (home && home[0])
		return pgr_asprintf("%s/.config/pgreplica/cluster.conf", home);
	return NULL;
}

/*
 * Whether ./pgreplica.conf can be trusted without -c: it names the hosts
 * pgreplica hands the superuser's password to and the commands it runs,
 * so it must be the operator's (or root's), and neither it nor the
 * directory holding it writable by anyone else (who could change it or
 * put another file in its place).  -1 with the reason otherwise.
 */
static int
trusted_local_file(const char *path, pgr_error *err)
{
	struct stat fst;
	struct stat dst;
	uid_t		me = geteuid();

	if (stat(path, &fst) < 0 || stat(".", &dst) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not read the status of \"./%s\": %s"),
					  path, strerror(errno));
		return -1;
	}
	if (fst.st_uid != me && fst.st_uid != 0)
		pgr_error_set(err, PGR_ERR_INPUT, _("\"./%s\" is not used: it belongs to the user with id %lu, not to you"),
					  path, (unsigned long) fst.st_uid);
	else if (fst.st_mode & (S_IWGRP | S_IWOTH))
		pgr_error_set(err, PGR_ERR_INPUT, _("\"./%s\" is not used: others can write to it (mode %04o)"),
					  path, (unsigned) (fst.st_mode & 07777));
	else if (dst.st_uid != me && dst.st_uid != 0)
		pgr_error_set(err, PGR_ERR_INPUT, _("\"./%s\" is not used: the current directory belongs to the user with id %lu, not to you"),
					  path, (unsigned long) dst.st_uid);
	else if (dst.st_mode & (S_IWGRP | S_IWOTH))
		pgr_error_set(err, PGR_ERR_INPUT, _("\"./%s\" is not used: others can write to the current directory (mode %04o)"),
					  path, (unsigned) (dst.st_mode & 07777));
	else
		return 0;
	pgr_error_detail(err, _("The cluster file decides which hosts receive the superuser's password and which commands run there: one found in the current directory is used only when it is yours and nobody else can change it."));
	pgr_error_hint(err, _("Name the cluster file with -c once you have checked it (e.g. -c ./%s), or make it and its directory yours and writable by you only."),
				   path);
	return -1;
}

char *
cluster_default_path(pgr_error *err)
{
	char	   *x;

	if (access(CLUSTER_FILE_NAME, F_OK) == 0)
	{
		if (trusted_local_file(CLUSTER_FILE_NAME, err) < 0)
			return NULL;
		return pgr_strdup(CLUSTER_FILE_NAME);
	}
	x = xdg_path();
	return x ? x : pgr_strdup(CLUSTER_FILE_NAME);
}

int
cluster_save(cluster *c, pgr_error *err)
{
	scratch		s = {NULL, 0};
	char	   *text = NULL;
	char	   *target = NULL;
	char	   *xdg = NULL;
	cluster    *check = NULL;
	pgr_error	perr = PGR_ERROR_INIT;
	transport  *t = NULL;
	transport_write_opts wo = {0644, NULL, NULL};
	cluster_lock *lock = NULL;
	int			rc = -1;

	if (!c->path)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no file name to save the cluster to"));
		pgr_error_hint(err, _("Name the file with -c."));
		goto out;
	}
	if (validate_memory(c, c->path, &s, err) < 0)
		goto out;
	text = cluster_format(c);

	/* never write a file that would not read back the same */
	check = parse_text(text, strlen(text), c->path, &perr);
	if (!check || !cluster_same(check, c))
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not save cluster file \"%s\": the new text does not read back as written"),
					  c->path);
		if (perr.message)
			pgr_error_detail(err, "%s", perr.message);
		pgr_error_hint(err, _("This is a bug in pgreplica; the file was not changed."));
		goto out;
	}

	/* the new default location may not exist yet */
	xdg = xdg_path();
	if (xdg && strcmp(xdg, c->path) == 0 && pgr_mkdir_parent(c->path, 0700, err) < 0)
		goto out;

	/* a symbolic link stays one: write the file it points to */
	target = realpath(c->path, NULL);
	if (!target)
		target = pgr_strdup(c->path);

	/*
	 * One writer at a time (a caller that acts holds the lock from load to
	 * here), and never over a change made since the file was read.
	 */
	if (!c->lock && !(lock = cluster_lock_take(c->path, "save", err)))
		goto out;
	if (cluster_check_unchanged(c, target, err) < 0)
		goto out;

	t = transport_local_open(NULL, err);
	if (!t)
		goto out;
	if (transport_write_file(t, target, text, strlen(text), &wo, err) < 0)
		goto out;
	free(c->text);
	c->text = text;
	text = NULL;
	/* the nodes' header lines in the new text */
	for (int i = 0; i < c->n_nodes; i++)
	{
		const cluster_node *m = cluster_find_node(check, c->nodes[i].name);

		c->nodes[i].line = m ? m->line : 0;
	}
	rc = 0;
out:
	cluster_lock_release(lock);
	transport_close(t);
	free(target);
	free(xdg);
	free(text);
	cluster_free(check);
	pgr_error_clear(&perr);
	scratch_free(&s);
	return rc;
}

/* ---- lookups ---------------------------------------------------------------------- */

cluster_node *
cluster_find_node(const cluster *c, const char *name)
{
	if (!c || !name)
		return NULL;
	for (int i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].name && strcmp(c->nodes[i].name, name) == 0)
			return &c->nodes[i];
	return NULL;
}

cluster_node *
cluster_primary(const cluster *c)
{
	if (!c)
		return NULL;
	for (int i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].role == NODE_PRIMARY)
			return &c->nodes[i];
	return NULL;
}

cluster_node *
cluster_upstream(const cluster *c, const cluster_node *n)
{
	if (!n || n->role == NODE_PRIMARY)
		return NULL;
	if (n->upstream)
		return cluster_find_node(c, n->upstream);
	return cluster_primary(c);
}

const char *
cluster_client_bindir(const cluster_node *n)
{
	if (!n)
		return NULL;
	if (n->client_bindir && n->client_bindir[0])
		return n->client_bindir;
	return n->bindir && n->bindir[0] ? n->bindir : NULL;
}

const char *
node_role_name(node_role role)
{
	return role == NODE_PRIMARY ? "primary" : "standby";
}

char *
cluster_slot_name(const cluster_node *n)
{
	char	   *slot;

	if (!n || !n->name)
		return NULL;
	slot = pgr_strdup(n->name);
	for (char *p = slot; *p; p++)
	{
		unsigned char ch = (unsigned char) *p;

		if (ch >= 'A' && ch <= 'Z')
			*p = (char) (ch - 'A' + 'a');
		else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			*p = '_';
	}
	return slot;
}

char *
cluster_file_stem(const cluster *c)
{
	const char *name = c->name && c->name[0] ? c->name : "cluster";
	char	   *safe = pgr_strdup(name);

	/* one file name in the directory, whatever the cluster's name */
	for (char *p = safe; *p; p++)
		if (*p == '/' || (p == safe && *p == '.') || (unsigned char) *p < 0x20 || *p == 0x7f)
			*p = '_';
	return safe;
}

char *
cluster_operator_path(const cluster *c, const char *suffix)
{
	const char *cfg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	char	   *safe = cluster_file_stem(c);
	char	   *path;

	if (cfg && cfg[0] == '/')
		path = pgr_asprintf("%s/pgreplica/%s%s", cfg, safe, suffix);
	else
		path = pgr_asprintf("%s/.config/pgreplica/%s%s",
							home && home[0] ? home : ".", safe, suffix);
	free(safe);
	return path;
}

char *
cluster_client_cert_copy_path(const cluster *c, const char *node)
{
	char	   *suffix = pgr_asprintf("/client-%s.crt", node);
	char	   *path = cluster_operator_path(c, suffix);

	free(suffix);
	return path;
}

char *
cluster_ca_cert_path(const cluster *c)
{
	const char *slash = c->path ? strrchr(c->path, '/') : NULL;

	if (c->ssl_ca)
		return c->ssl_ca[0] == '/' || !slash ? pgr_strdup(c->ssl_ca)
			: pgr_asprintf("%.*s/%s", (int) (slash - c->path), c->path, c->ssl_ca);
	return cluster_operator_path(c, "/" CLUSTER_OWN_CA_CERT);
}
