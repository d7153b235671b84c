/*
 * step_params.c: the server parameters on the primary (DESIGN.md step 3).
 *
 * inspect  one look at pg_file_settings (what the configuration files say,
 *          read afresh by the server, includes followed in its own order)
 *          then one at pg_settings (types, units, contexts, defaults,
 *          pending_restart), and the values wanted for replication:
 *            wal_level              replica, unless logical already
 *            max_wal_senders        >= standbys + 2 (pg_basebackup -X
 *                                   stream) + margin, never lowered
 *            max_replication_slots  >= standbys + margin with slots,
 *                                   never lowered
 *            wal_keep_size (>=13) / wal_keep_segments (<=12)
 *                                   without slots: >= 1GB / 64, never
 *                                   lowered
 *            wal_log_hints, hot_standby   on
 *            listen_addresses       the current list plus the primary's
 *                                   address unless covered ('*' is kept)
 *            archive_mode, archive_command   when the cluster file sets
 *                                   archive_command
 *            synchronous_standby_names       the cluster file's sync
 *            tcp_keepalives_idle/interval/count   60/10/6 when at 0
 *          Values are compared as the server would: booleans, numbers
 *          with units (in the unit pg_settings gives), enums without case.
 *          What is compared is the CONFIGURED value (the last setting in
 *          the files, else the default), so that a second apply before the
 *          restart changes nothing; a configured value not yet in force is
 *          a restart (s->result.restart_reasons) or a reload
 *          (s->result.reload_needed) for the activate step.
 * preview  ALTER SYSTEM method: the statements; file method: the unified
 *          diff of every file changed, plus ALTER SYSTEM RESET for what
 *          postgresql.auto.conf sets (it is read last and would win).
 *          Which file sets a parameter last is the server's own answer
 *          (pg_file_settings reads postgresql.conf afresh and follows
 *          include, include_if_exists and include_dir in its own order),
 *          so the file method edits exactly the line that is in force.
 * apply    ALTER SYSTEM SET one statement at a time (not in a transaction
 *          block), or: back up, rewrite the file that sets each parameter
 *          last (the effective value is the one written), RESET what
 *          postgresql.auto.conf overrides.  Then pg_file_settings is read
 *          for errors; if there are any, everything is rolled back.
 *          Nothing is reloaded here: the activate step reloads or restarts.
 * verify   the files now give every wanted value, without errors.
 * undo     the same rollback: previous postgresql.auto.conf values, the
 *          files' previous text.
 *
 * A note on pg_file_settings' errors: a postmaster-context parameter whose
 * file value differs from the running one is reported there as "setting
 * could not be applied", exactly as an invalid value is.  But reading the
 * files marks the former (only) pending_restart in the backend that read
 * them, so pg_settings is asked right after, on the same session, and such
 * rows are not counted as errors.  Rows without a file are parameters
 * taken out of the files that need a restart to go back to their default.
 */
#include <config.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "diff.h"
#include "i18n.h"
#include "pgconf.h"
#include "pgconn.h"
#include "plan.h"
#include "step_params.h"

#define SLOT_MARGIN 2			/* spare slots / senders beyond the standbys */
#define BASEBACKUP_SENDERS 2	/* pg_basebackup -X stream uses two */
#define KEEP_SIZE_TEXT "1GB"
#define KEEP_SEGMENTS 64		/* wal_keep_segments when there are no slots */
#define KEEPALIVE_IDLE "60"
#define KEEPALIVE_INTERVAL "10"
#define KEEPALIVE_COUNT "6"

/* The parameters this step may look at or change. */
static const char *const param_names[] = {
	"synchronous_standby_names",	/* operator's text first: if the server
									 * refuses it, nothing else was set */
	"archive_command",
	"archive_mode",
	"listen_addresses",
	"wal_level",
	"max_wal_senders",
	"max_replication_slots",
	"wal_keep_size",
	"wal_keep_segments",
	"wal_log_hints",
	"hot_standby",
	"tcp_keepalives_idle",
	"tcp_keepalives_interval",
	"tcp_keepalives_count",
};

#define N_PARAMS ((int) (sizeof(param_names) / sizeof(param_names[0])))

typedef struct pparam {
	const char *name;
	bool		exists;			/* in pg_settings (version has it) */
	char	   *vartype;		/* bool, integer, real, string, enum */
	char	   *unit;			/* NULL or "MB", "s", "8kB"... */
	char	   *context;		/* postmaster, sighup, user... */
	char	   *source;			/* of the running value */
	char	   *boot_val;
	char	   *reset_val;		/* the running value outside any session */
	bool		pending_restart;

	/* pg_file_settings: the last setting, and the last one outside auto */
	char	   *file_value;		/* NULL: set in no file */
	char	   *file_path;
	int			file_line;
	bool		in_auto;		/* that last setting is postgresql.auto.conf's */
	char	   *auto_value;		/* postgresql.auto.conf's value, or NULL */
	char	   *conf_value;		/* last setting outside postgresql.auto.conf */
	char	   *conf_path;
	int			conf_line;

	/* decided by inspect */
	char	   *want;			/* the value to write; NULL: leave it */
	bool		at_least;		/* a larger number is fine too */
	bool		change;
	bool		reset_only;		/* file method: the files already give it,
								 * only postgresql.auto.conf's value goes */

	/* apply, for the rollback */
	bool		set_done;		/* ALTER SYSTEM SET (or RESET) was run */
} pparam;

typedef struct conf_file {
	char	   *path;
	pgconf_doc *doc;			/* parsed, edited with pgconf_set */
	char	   *old_text;
	char	   *new_text;
	char	   *backup;			/* apply: the copy made before writing */
	bool		written;
} conf_file;

typedef struct params_priv {
	pparam		p[N_PARAMS];
	char	   *config_file;
	char	   *data_directory;
	char	   *auto_path;
	conf_file  *files;			/* file method: files to rewrite */
	int			n_files;
	bool		changed_something;	/* apply: there is something to roll
									 * back */
} params_priv;

static void
params_free_priv(void *v)
{
	params_priv *pp = v;

	if (!pp)
		return;
	for (int i = 0; i < N_PARAMS; i++)
	{
		pparam	   *p = &pp->p[i];

		free(p->vartype);
		free(p->unit);
		free(p->context);
		free(p->source);
		free(p->boot_val);
		free(p->reset_val);
		free(p->file_value);
		free(p->file_path);
		free(p->auto_value);
		free(p->conf_value);
		free(p->conf_path);
		free(p->want);
	}
	for (int i = 0; i < pp->n_files; i++)
	{
		free(pp->files[i].path);
		pgconf_free(pp->files[i].doc);
		free(pp->files[i].old_text);
		free(pp->files[i].new_text);
		free(pp->files[i].backup);
	}
	free(pp->files);
	free(pp->config_file);
	free(pp->data_directory);
	free(pp->auto_path);
	free(pp);
}

static char *
dup_or_null(const char *s)
{
	return s ? pgr_strdup(s) : NULL;
}

static void
set_str(char **dst, const char *s)
{
	free(*dst);
	*dst = dup_or_null(s);
}

static pparam *
find_param(params_priv *pp, const char *name)
{
	for (int i = 0; i < N_PARAMS; i++)
		if (name && strcmp(pp->p[i].name, name) == 0)
			return &pp->p[i];
	return NULL;
}

/* ---- values as the server reads them ------------------------------------- */

/* PostgreSQL's parse_bool: on/off, true/false, yes/no (prefixes), 1/0. */
static const char *
norm_bool(const char *s)
{
	size_t		len;

	if (!s)
		return NULL;
	while (isspace((unsigned char) *s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char) s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	if (strncasecmp(s, "true", len) == 0 || strncasecmp(s, "yes", len) == 0 ||
		(len >= 2 && strncasecmp(s, "on", len) == 0) || (len == 1 && s[0] == '1'))
		return "on";
	if (strncasecmp(s, "false", len) == 0 || strncasecmp(s, "no", len) == 0 ||
		(len >= 2 && strncasecmp(s, "off", len) == 0) || (len == 1 && s[0] == '0'))
		return "off";
	return NULL;
}

typedef struct unit_def {
	const char *name;
	double		factor;			/* in kB for memory, ms for time */
	bool		memory;
} unit_def;

static const unit_def units[] = {
	{"B", 1.0 / 1024, true}, {"kB", 1, true}, {"MB", 1024, true},
	{"GB", 1024.0 * 1024, true}, {"TB", 1024.0 * 1024 * 1024, true},
	{"us", 0.001, false}, {"ms", 1, false}, {"s", 1000, false},
	{"min", 60000, false}, {"h", 3600000, false}, {"d", 86400000, false},
};

static const unit_def *
find_unit(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].name) == len && strncmp(units[i].name, s, len) == 0)
			return &units[i];
	return NULL;
}

/*
 * A base unit as pg_settings gives it ("MB", "8kB", "16MB", "s"): the unit
 * and how many of it.
 */
static const unit_def *
base_unit(const char *unit, double *mult)
{
	char	   *end;
	double		m = 1;

	*mult = 1;
	if (!unit || !*unit)
		return NULL;
	if (isdigit((unsigned char) unit[0]))
	{
		m = strtod(unit, &end);
		unit = end;
	}
	*mult = m;
	return find_unit(unit, strlen(unit));
}

/* A number with an optional unit, in the parameter's base unit. */
static bool
norm_num(const char *s, const char *unit, long long *out)
{
	char	   *end;
	double		v;
	double		mult;
	const unit_def *bu = base_unit(unit, &mult);

	if (!s)
		return false;
	while (isspace((unsigned char) *s))
		s++;
	if (!*s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		v = (double) strtoll(s, &end, 16);
	else
		v = strtod(s, &end);
	if (end == s)
		return false;
	while (isspace((unsigned char) *end))
		end++;
	if (*end)
	{
		size_t		len = strlen(end);
		const unit_def *u;

		while (len > 0 && isspace((unsigned char) end[len - 1]))
			len--;
		u = find_unit(end, len);
		if (!u || !bu || u->memory != bu->memory)
			return false;
		v = v * u->factor / (bu->factor * mult);
	}
	*out = llround(v);
	return true;
}

/* A value in a canonical form for comparisons (malloc'd), by type. */
static char *
norm_value(const pparam *p, const char *raw)
{
	if (!raw)
		return NULL;
	if (p->vartype && strcmp(p->vartype, "bool") == 0)
	{
		const char *b = norm_bool(raw);

		return pgr_strdup(b ? b : raw);
	}
	if (p->vartype && (strcmp(p->vartype, "integer") == 0 ||
					   strcmp(p->vartype, "real") == 0))
	{
		long long	n;

		if (norm_num(raw, p->unit, &n))
			return pgr_asprintf("%lld", n);
		return pgr_strdup(raw);
	}
	if (p->vartype && strcmp(p->vartype, "enum") == 0)
	{
		char	   *s = pgr_strdup(raw);

		for (char *c = s; *c; c++)
			*c = (char) tolower((unsigned char) *c);
		/* wal_level's old names */
		if (strcmp(p->name, "wal_level") == 0 &&
			(strcmp(s, "archive") == 0 || strcmp(s, "hot_standby") == 0))
			set_str(&s, "replica");
		return s;
	}
	return pgr_strdup(raw);
}

/* Set on the server's command line: the files do not count. */
static bool
overridden(const pparam *p)
{
	return p->source && (strcmp(p->source, "command line") == 0 ||
						 strcmp(p->source, "override") == 0);
}

/*
 * The configured value as written: the last setting in the files, else
 * the default; or the running value when the command line sets it.
 */
static const char *
configured_raw(const pparam *p)
{
	if (overridden(p))
		return p->reset_val;
	return p->file_value ? p->file_value : p->boot_val;
}

/* The configured value, canonical; malloc'd. */
static char *
configured(const pparam *p)
{
	return norm_value(p, configured_raw(p));
}

static long long
configured_num(const pparam *p)
{
	char	   *v = configured(p);
	long long	n = v ? atoll(v) : 0;

	free(v);
	return n;
}

static bool
same_value(const pparam *p, const char *a_raw, const char *b_raw)
{
	char	   *a = norm_value(p, a_raw);
	char	   *b = norm_value(p, b_raw);
	bool		same = (a && b) ? strcmp(a, b) == 0 : a == b;

	free(a);
	free(b);
	return same;
}

/* ---- listen_addresses ------------------------------------------------------ */

static bool
is_ipv6(const char *s)
{
	return strchr(s, ':') != NULL;
}

static bool
is_loopback(const char *s)
{
	return strcasecmp(s, "localhost") == 0 || strncmp(s, "127.", 4) == 0 ||
		strcmp(s, "::1") == 0;
}

/* Whether the list (as listen_addresses holds it) covers host. */
static bool
listen_covers(const char *list, const char *host, bool *star)
{
	char	   *copy = pgr_strdup(list ? list : "");
	char	   *save = NULL;
	bool		covered = false;

	*star = false;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
	{
		size_t		len;

		while (isspace((unsigned char) *tok))
			tok++;
		len = strlen(tok);
		while (len > 0 && isspace((unsigned char) tok[len - 1]))
			tok[--len] = '\0';
		if (strcmp(tok, "*") == 0)
			*star = covered = true;
		else if (strcasecmp(tok, host) == 0)
			covered = true;
		else if (strcmp(tok, "0.0.0.0") == 0 && !is_ipv6(host))
			covered = true;
		else if (strcmp(tok, "::") == 0 && is_ipv6(host))
			covered = true;
		else if (strcasecmp(tok, "localhost") == 0 && is_loopback(host))
			covered = true;
	}
	free(copy);
	return covered;
}

/* ---- reading the server ------------------------------------------------------ */

static bool
is_auto_file(const params_priv *pp, const char *path)
{
	size_t		len,
				slen = strlen("/postgresql.auto.conf");

	if (!path)
		return false;
	if (pp->auto_path && strcmp(path, pp->auto_path) == 0)
		return true;
	len = strlen(path);
	return len >= slen && strcmp(path + len - slen, "/postgresql.auto.conf") == 0;
}

/*
 * Read pg_file_settings (every row; the real errors go to `errors` as
 * "file:line: text" lines) then pg_settings, in this order and on the same
 * session (see the note at the top).  Fills pp->p[].
 */
static int
read_server(PGconn *conn, const char *node_name, params_priv *pp,
			strbuf *errors, pgr_error *err)
{
	PGresult   *fres = NULL;
	PGresult   *sres = NULL;
	strbuf		sql;
	int			rc = -1;
	bool	   *err_rows = NULL;

	strbuf_init(&sql);
	for (int i = 0; i < N_PARAMS; i++)
		pp->p[i].name = param_names[i];

	fres = pgconn_exec(conn, node_name,
					   "SELECT name, setting, sourcefile, sourceline, error"
					   " FROM pg_catalog.pg_file_settings ORDER BY seqno",
					   PGRES_TUPLES_OK, -1, 5, err);
	if (!fres)
		goto out;

	strbuf_append(&sql, "SELECT name, setting, unit, context, vartype, boot_val,"
				  " reset_val, source, pending_restart"
				  " FROM pg_catalog.pg_settings WHERE name IN ("
				  "'config_file', 'data_directory'");
	for (int i = 0; i < N_PARAMS; i++)
		strbuf_appendf(&sql, ", '%s'", param_names[i]);
	strbuf_append(&sql, ")");
	sres = pgconn_exec(conn, node_name, sql.data, PGRES_TUPLES_OK, -1, 9, err);
	if (!sres)
		goto out;

	for (int r = 0; r < PQntuples(sres); r++)
	{
		const char *name = pgconn_value(sres, r, 0);
		pparam	   *p;

		if (strcmp(name, "config_file") == 0)
		{
			set_str(&pp->config_file, pgconn_value(sres, r, 1));
			continue;
		}
		if (strcmp(name, "data_directory") == 0)
		{
			set_str(&pp->data_directory, pgconn_value(sres, r, 1));
			continue;
		}
		p = find_param(pp, name);
		if (!p)
			continue;
		p->exists = true;
		set_str(&p->unit, pgconn_value(sres, r, 2));
		set_str(&p->context, pgconn_value(sres, r, 3));
		set_str(&p->vartype, pgconn_value(sres, r, 4));
		set_str(&p->boot_val, pgconn_value(sres, r, 5));
		set_str(&p->reset_val, pgconn_value(sres, r, 6));
		set_str(&p->source, pgconn_value(sres, r, 7));
		p->pending_restart = pgconn_value(sres, r, 8) &&
			strcmp(pgconn_value(sres, r, 8), "t") == 0;
	}
	if (pp->data_directory)
		pp->auto_path = pgr_asprintf("%s/postgresql.auto.conf", pp->data_directory);

	/* The settings, in the order the server reads them. */
	err_rows = pgr_calloc((size_t) PQntuples(fres) + 1, sizeof(bool));
	for (int r = 0; r < PQntuples(fres); r++)
	{
		const char *name = pgconn_value(fres, r, 0);
		const char *setting = pgconn_value(fres, r, 1);
		const char *file = pgconn_value(fres, r, 2);
		const char *line = pgconn_value(fres, r, 3);
		const char *error = pgconn_value(fres, r, 4);
		pparam	   *p = find_param(pp, name);

		if (error)
		{
			bool		pending = false;

			/*
			 * A postmaster parameter changed in a file (or taken out of it)
			 * and not restarted yet is not an error for us.
			 */
			if (!file && !name)
				pending = true;
			else if (name)
			{
				char	   *q = NULL;
				char	   *lit = PQescapeLiteral(conn, name, strlen(name));
				PGresult   *res;

				if (lit)
				{
					q = pgr_asprintf("SELECT pending_restart FROM pg_catalog.pg_settings"
									 " WHERE name = %s", lit);
					PQfreemem(lit);
					res = PQexec(conn, q);
					if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 &&
						strcmp(PQgetvalue(res, 0, 0), "t") == 0)
						pending = true;
					PQclear(res);
					free(q);
				}
			}
			if (!pending)
			{
				err_rows[r] = true;
				if (errors)
				{
					if (file)
						strbuf_appendf(errors, "\"%s\" line %s: ", file, line ? line : "?");
					if (name)
						strbuf_appendf(errors, "%s: ", name);
					strbuf_appendf(errors, "%s\n", error);
				}
			}
		}
		if (!p || err_rows[r])
			continue;
		set_str(&p->file_value, setting);
		set_str(&p->file_path, file);
		p->file_line = line ? atoi(line) : 0;
		p->in_auto = is_auto_file(pp, file);
		if (p->in_auto)
			set_str(&p->auto_value, setting);
		else
		{
			set_str(&p->conf_value, setting);
			set_str(&p->conf_path, file);
			p->conf_line = p->file_line;
		}
	}
	if (errors && errors->len > 0 && errors->data[errors->len - 1] == '\n')
		errors->data[--errors->len] = '\0';
	rc = 0;
out:
	free(err_rows);
	PQclear(fres);
	PQclear(sres);
	strbuf_free(&sql);
	return rc;
}

/* ---- deciding ------------------------------------------------------------------ */

static void
want(pparam *p, const char *value)
{
	if (!p || !p->exists)
		return;
	set_str(&p->want, value);
}

static void
want_at_least(pparam *p, long long n)
{
	char		buf[32];

	if (!p || !p->exists || configured_num(p) >= n)
		return;
	snprintf(buf, sizeof(buf), "%lld", n);
	want(p, buf);
	p->at_least = true;
}

/* Whether a raw value (NULL: the default) gives what p wants. */
static bool
satisfies(const pparam *p, const char *raw)
{
	if (!raw)
		raw = p->boot_val;
	if (p->at_least)
	{
		char	   *a = norm_value(p, raw);
		char	   *b = norm_value(p, p->want);
		bool		ok = a && b && atoll(a) >= atoll(b);

		free(a);
		free(b);
		return ok;
	}
	return same_value(p, p->want, raw);
}

static void
decide(session *ctx, const pg_version_facts *facts, cluster_node *primary,
	   params_priv *pp)
{
	cluster    *cl = ctx->cl;
	int			n_standbys = 0;
	pparam	   *p;
	char	   *cur;

	for (int i = 0; i < cl->n_nodes; i++)
		if (cl->nodes[i].role == NODE_STANDBY)
			n_standbys++;

	/* wal_level: replica, never down from logical */
	p = find_param(pp, "wal_level");
	cur = configured(p);
	if (!cur || (strcmp(cur, "replica") != 0 && strcmp(cur, "logical") != 0))
		want(p, "replica");
	free(cur);

	want_at_least(find_param(pp, "max_wal_senders"),
				  n_standbys + BASEBACKUP_SENDERS + SLOT_MARGIN);
	if (cl->slots)
		want_at_least(find_param(pp, "max_replication_slots"), n_standbys + SLOT_MARGIN);
	else if (facts->wal_keep_setting)
	{
		p = find_param(pp, facts->wal_keep_setting);
		if (p && strcmp(p->name, "wal_keep_size") == 0)
		{
			long long	mb;

			if (p->exists && norm_num(KEEP_SIZE_TEXT, p->unit, &mb) &&
				configured_num(p) < mb)
			{
				want(p, KEEP_SIZE_TEXT);
				p->at_least = true;
			}
		}
		else
			want_at_least(p, KEEP_SEGMENTS);
	}

	want(find_param(pp, "wal_log_hints"), "on");
	want(find_param(pp, "hot_standby"), "on");

	/* listen_addresses: add the address standbys use, never narrow */
	p = find_param(pp, "listen_addresses");
	if (primary->host && primary->host[0] && primary->host[0] != '/')
	{
		const char *list = configured_raw(p);
		bool		star;

		if (list && !listen_covers(list, primary->host, &star))
		{
			char	   *v;
			size_t		len = strlen(list);

			while (len > 0 && isspace((unsigned char) list[len - 1]))
				len--;
			if (len == 0)
				v = pgr_strdup(primary->host);
			else
				v = pgr_asprintf("%.*s,%s", (int) len, list, primary->host);
			want(p, v);
			free(v);
		}
	}

	if (cl->archive_command)
	{
		p = find_param(pp, "archive_mode");
		cur = configured(p);
		if (!cur || strcmp(cur, "always") != 0)
			want(p, "on");
		free(cur);
		want(find_param(pp, "archive_command"), cl->archive_command);
	}
	if (cl->sync)
		want(find_param(pp, "synchronous_standby_names"), cl->sync);

	{
		static const char *const ka[][2] = {
			{"tcp_keepalives_idle", KEEPALIVE_IDLE},
			{"tcp_keepalives_interval", KEEPALIVE_INTERVAL},
			{"tcp_keepalives_count", KEEPALIVE_COUNT},
		};

		for (int i = 0; i < 3; i++)
		{
			p = find_param(pp, ka[i][0]);
			if (p && p->exists && configured_num(p) == 0)
				want(p, ka[i][1]);
		}
	}

	/* What really changes: the wanted value against the configured one. */
	for (int i = 0; i < N_PARAMS; i++)
	{
		p = &pp->p[i];
		if (!p->want)
			continue;
		p->change = !same_value(p, p->want, configured_raw(p));
		/*
		 * With the file method, postgresql.auto.conf's value goes (it is
		 * read last and would win); if what the files give then is fine,
		 * they are left alone (never lowered).
		 */
		if (p->change && ctx->opts.method == PARAM_EDIT_FILE && p->in_auto &&
			satisfies(p, p->conf_value))
			p->reset_only = true;
	}
}

static bool
is_postmaster(const pparam *p)
{
	return p->context && strcmp(p->context, "postmaster") == 0;
}

/* ---- file editing ---------------------------------------------------------------- */

static conf_file *
get_file(params_priv *pp, transport *t, const char *path, pgr_error *err)
{
	char	   *data = NULL;
	size_t		len = 0;
	pgconf_doc *doc;
	conf_file  *f;

	for (int i = 0; i < pp->n_files; i++)
		if (strcmp(pp->files[i].path, path) == 0)
			return &pp->files[i];
	if (transport_read_file(t, path, 0, &data, &len, err) < 0)
		return NULL;
	doc = pgconf_parse_len(data, len, path, err);
	if (!doc)
	{
		free(data);
		return NULL;
	}
	pp->files = pgr_realloc(pp->files, sizeof(conf_file) * (size_t) (pp->n_files + 1));
	f = &pp->files[pp->n_files++];
	memset(f, 0, sizeof(*f));
	f->path = pgr_strdup(path);
	f->doc = doc;
	f->old_text = data;
	return f;
}

/*
 * File method: every file's new text.  A parameter set in a file is set
 * again in the file and at the line the server named (pgconf_set edits the
 * last setting of the file, which must be that line); one set nowhere goes
 * into config_file (after its commented-out default, else at the end).
 */
static int
plan_files(session *ctx, plan_step *s, params_priv *pp, pgr_error *err)
{
	transport  *t = session_transport(ctx, s->node, err);

	if (!t)
		return -1;
	if (!pp->config_file)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("the server did not give its config_file"));
	/* in place first (the line numbers as the server gave them), then new lines */
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < N_PARAMS; i++)
		{
			pparam	   *p = &pp->p[i];
			pgconf_change ch = {PGCONF_UNCHANGED, 0, 0, NULL};
			conf_file  *f;

			if (!p->change || p->reset_only)
				continue;
			if ((pass == 0) != (p->conf_path != NULL))
				continue;
			f = get_file(pp, t, pass == 0 ? p->conf_path : pp->config_file, err);
			if (!f || pgconf_set(f->doc, p->name, p->want, &ch, err) < 0)
				return -1;
			if (pass == 0 && ch.action != PGCONF_UNCHANGED &&
				(ch.action != PGCONF_REPLACED || ch.lineno != p->conf_line))
			{
				pgconf_change_clear(&ch);
				return pgr_error_set(err, PGR_ERR_INPUT,
									 _("line %d of \"%s\" does not set \"%s\" as the server said"),
									 p->conf_line, f->path, p->name);
			}
			pgconf_change_clear(&ch);
		}
	for (int i = 0; i < pp->n_files; i++)
		pp->files[i].new_text = pgconf_render(pp->files[i].doc);
	return 0;
}

/* ---- inspect ------------------------------------------------------------------- */

static int
params_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	PGconn	   *conn;
	const pg_version_facts *facts;
	params_priv *pp;
	strbuf		errors;
	strbuf		names;
	strbuf		restart;
	int			n_change = 0;
	bool		file_method = ctx->opts.method == PARAM_EDIT_FILE;
	int			rc = -1;

	if (!(conn = session_conn(ctx, s->node, err)) || !(facts = session_facts(ctx, s->node, err)))
		return -1;
	strbuf_init(&errors);
	strbuf_init(&names);
	strbuf_init(&restart);
	pp = pgr_calloc(1, sizeof(*pp));
	s->priv = pp;
	if (read_server(conn, s->node->name, pp, &errors, err) < 0)
		goto out;
	if (errors.len > 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the configuration files of node \"%s\" have errors"),
					  s->node->name);
		pgr_error_detail(err, "%s", errors.data);
		pgr_error_hint(err, _("Correct them first: pgreplica changes nothing while the server could not read its configuration."));
		goto out;
	}
	decide(ctx, facts, s->node, pp);

	for (int i = 0; i < N_PARAMS; i++)
	{
		pparam	   *p = &pp->p[i];
		char	   *conf_v;
		char	   *run_v;

		if (!p->exists)
			continue;
		if (p->change)
		{
			if (overridden(p))
			{
				pgr_error_set(err, PGR_ERR_INPUT,
							  _("\"%s\" is set on the command line of the server on node \"%s\""),
							  p->name, s->node->name);
				pgr_error_detail(err, _("A setting given on the command line overrides the configuration files."));
				pgr_error_hint(err, _("Remove it from the server's command line (pg_ctl -o, the service's options), then run pgreplica again."));
				goto out;
			}
			n_change++;
			if (names.len)
				strbuf_append(&names, ", ");
			strbuf_append(&names, p->name);
			if (is_postmaster(p))
			{
				step_result_add_restart(&s->result, p->name);
				if (restart.len)
					strbuf_append(&restart, ", ");
				strbuf_append(&restart, p->name);
			}
			else
				s->result.reload_needed = true;
			continue;
		}
		/*
		 * Set in the files but not in force yet (an earlier apply that did
		 * not reach the restart, an edit by hand): the activate step must
		 * still restart or reload.  A value from the command line is never
		 * the files' one: no restart would change that.
		 */
		if (overridden(p))
			continue;
		conf_v = configured(p);
		run_v = norm_value(p, p->reset_val);
		if (p->pending_restart ||
			(is_postmaster(p) && conf_v && run_v && strcmp(conf_v, run_v) != 0))
		{
			step_result_add_restart(&s->result, p->name);
			if (restart.len)
				strbuf_append(&restart, ", ");
			strbuf_append(&restart, p->name);
		}
		else if (!is_postmaster(p) && conf_v && run_v && strcmp(conf_v, run_v) != 0)
			s->result.reload_needed = true;
		free(conf_v);
		free(run_v);
	}

	if (n_change == 0)
	{
		if (restart.len)
			strbuf_appendf(&s->summary, _("nothing to do: the parameters are set for replication; a restart is still needed for %s"),
						   restart.data);
		else
			strbuf_append(&s->summary, _("nothing to do: the parameters are set for replication"));
		rc = 0;
		goto out;
	}

	if (file_method)
	{
		if (plan_files(ctx, s, pp, err) < 0)
			goto out;
		for (int i = 0; i < pp->n_files; i++)
		{
			char	   *d = diff_unified(pp->files[i].old_text, pp->files[i].new_text,
										 pp->files[i].path, pp->files[i].path, 3);

			strbuf_append(&s->preview, d);
			free(d);
		}
		for (int i = 0; i < N_PARAMS; i++)
			if (pp->p[i].change && pp->p[i].auto_value)
				strbuf_appendf(&s->preview, "ALTER SYSTEM RESET %s;\t-- %s\n", pp->p[i].name,
							   _("postgresql.auto.conf sets it and would win"));
		if (restart.len)
			strbuf_appendf(&s->summary, _("will set %s in the configuration files; a restart is needed for %s"),
						   names.data, restart.data);
		else
			strbuf_appendf(&s->summary, _("will set %s in the configuration files"), names.data);
	}
	else
	{
		for (int i = 0; i < N_PARAMS; i++)
		{
			char	   *lit;

			if (!pp->p[i].change)
				continue;
			lit = PQescapeLiteral(conn, pp->p[i].want, strlen(pp->p[i].want));
			if (!lit)
			{
				pgr_error_set(err, PGR_ERR_GENERIC, _("could not quote a value: %s"), PQerrorMessage(conn));
				goto out;
			}
			strbuf_appendf(&s->preview, "ALTER SYSTEM SET %s = %s;\n", pp->p[i].name, lit);
			PQfreemem(lit);
		}
		if (restart.len)
			strbuf_appendf(&s->summary, _("will set %s with ALTER SYSTEM; a restart is needed for %s"),
						   names.data, restart.data);
		else
			strbuf_appendf(&s->summary, _("will set %s with ALTER SYSTEM"), names.data);
	}
	rc = 0;
out:
	strbuf_free(&errors);
	strbuf_free(&names);
	strbuf_free(&restart);
	return rc;
}

/* ---- apply, check, roll back -------------------------------------------------------- */

/* Put back what apply changed; the first error is kept, the rest logged. */
static int
rollback(session *ctx, plan_step *s, params_priv *pp, pgr_error *err)
{
	PGconn	   *conn = NULL;
	transport  *t = NULL;
	int			rc = 0;

	if (!pp || !pp->changed_something)
		return 0;
	for (int i = 0; i < pp->n_files; i++)
	{
		conf_file  *f = &pp->files[i];

		if (!f->written)
			continue;
		if (!t && !(t = session_transport(ctx, s->node, err)))
			return -1;
		if (transport_write_file(t, f->path, f->old_text, strlen(f->old_text), NULL, err) < 0)
			rc = -1;
		else
		{
			f->written = false;
			session_log(ctx, s, _("restored \"%s\""), f->path);
		}
	}
	for (int i = 0; i < N_PARAMS; i++)
	{
		pparam	   *p = &pp->p[i];

		if (!p->set_done)
			continue;
		if (!conn && !(conn = session_conn(ctx, s->node, err)))
			return -1;
		/* postgresql.auto.conf's earlier value, or none */
		if (pgconn_alter_system(conn, s->node->name, p->name, p->auto_value, err) < 0)
			rc = -1;
		else
			p->set_done = false;
	}
	if (rc == 0)
		pp->changed_something = false;
	return rc;
}

/* Read pg_file_settings for errors; 1 if there are some (text in errors). */
static int
check_files(session *ctx, plan_step *s, params_priv **fresh, strbuf *errors,
			pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, s->node, err);
	params_priv *pp;

	if (!conn)
		return -1;
	pp = pgr_calloc(1, sizeof(*pp));
	if (read_server(conn, s->node->name, pp, errors, err) < 0)
	{
		params_free_priv(pp);
		return -1;
	}
	if (fresh)
		*fresh = pp;
	else
		params_free_priv(pp);
	return errors->len > 0 ? 1 : 0;
}

static int
fail_and_roll_back(session *ctx, plan_step *s, params_priv *pp, pgr_error *err)
{
	pgr_error	rerr = PGR_ERROR_INIT;

	if (rollback(ctx, s, pp, &rerr) < 0)
	{
		session_log(ctx, s, _("could not roll back: %s"), rerr.message);
		pgr_error_hint(err, _("The rollback failed too: check the configuration files of node \"%s\" and the backups beside them."),
					   s->node->name);
	}
	else
		session_log(ctx, s, _("%s: rolled back, the server's configuration is as it was"), s->title);
	pgr_error_clear(&rerr);
	return -1;
}

static int
params_apply(session *ctx, plan_step *s, pgr_error *err)
{
	params_priv *pp = s->priv;
	PGconn	   *conn = session_conn(ctx, s->node, err);
	strbuf		errors;
	int			r;

	if (!conn)
		return -1;
	if (!pp)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("the step was not inspected"));

	if (ctx->opts.method == PARAM_EDIT_FILE)
	{
		transport  *t = session_transport(ctx, s->node, err);

		if (!t)
			return -1;
		for (int i = 0; i < pp->n_files; i++)
		{
			conf_file  *f = &pp->files[i];
			char	   *now = NULL;
			size_t		len;

			if (!diff_texts_differ(f->old_text, f->new_text))
				continue;
			/* changed since inspect?  then stop: the plan is stale */
			if (transport_read_file(t, f->path, 0, &now, &len, err) < 0)
				return fail_and_roll_back(ctx, s, pp, err);
			if (strcmp(now, f->old_text) != 0)
			{
				free(now);
				pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" changed since it was inspected"), f->path);
				pgr_error_hint(err, _("Run apply again."));
				return fail_and_roll_back(ctx, s, pp, err);
			}
			free(now);
			if (transport_backup(t, f->path, &f->backup, err) < 0)
				return fail_and_roll_back(ctx, s, pp, err);
			session_log(ctx, s, _("backed up \"%s\" as \"%s\""), f->path, f->backup);
			pp->changed_something = true;
			f->written = true;	/* a failed write may have happened half */
			if (transport_write_file(t, f->path, f->new_text, strlen(f->new_text), NULL, err) < 0)
				return fail_and_roll_back(ctx, s, pp, err);
			session_log(ctx, s, _("wrote \"%s\""), f->path);
		}
		for (int i = 0; i < N_PARAMS; i++)
		{
			pparam	   *p = &pp->p[i];

			if (!p->change || !p->auto_value)
				continue;
			pp->changed_something = true;
			if (pgconn_alter_system(conn, s->node->name, p->name, NULL, err) < 0)
				return fail_and_roll_back(ctx, s, pp, err);
			p->set_done = true;
		}
	}
	else
	{
		for (int i = 0; i < N_PARAMS; i++)
		{
			pparam	   *p = &pp->p[i];

			if (!p->change)
				continue;
			if (pgconn_alter_system(conn, s->node->name, p->name, p->want, err) < 0)
				return fail_and_roll_back(ctx, s, pp, err);
			pp->changed_something = true;
			p->set_done = true;
		}
	}

	strbuf_init(&errors);
	r = check_files(ctx, s, NULL, &errors, err);
	if (r != 0)
	{
		if (r > 0)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("the server refuses the new configuration of node \"%s\""),
						  s->node->name);
			pgr_error_detail(err, "%s", errors.data);
			pgr_error_hint(err, _("The server's log says why each line is refused. The configuration was rolled back: nothing changed."));
		}
		strbuf_free(&errors);
		return fail_and_roll_back(ctx, s, pp, err);
	}
	strbuf_free(&errors);
	return 0;
}

static int
params_verify(session *ctx, plan_step *s, pgr_error *err)
{
	params_priv *pp = s->priv;
	params_priv *now = NULL;
	strbuf		errors;
	strbuf		wrong;
	int			r;
	int			rc = -1;

	if (!pp)
		return 0;
	strbuf_init(&errors);
	strbuf_init(&wrong);
	r = check_files(ctx, s, &now, &errors, err);
	if (r < 0)
		goto out;
	if (r > 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the configuration files of node \"%s\" have errors"),
					  s->node->name);
		pgr_error_detail(err, "%s", errors.data);
		goto out;
	}
	for (int i = 0; i < N_PARAMS; i++)
	{
		pparam	   *want_p = &pp->p[i];
		pparam	   *p = &now->p[i];
		const char *v;

		if (!want_p->change)
			continue;
		v = configured_raw(p);
		if (!satisfies(want_p, v))
		{
			strbuf_appendf(&wrong, _("%s is \"%s\", not \"%s\""), p->name, v ? v : "", want_p->want);
			strbuf_append_char(&wrong, '\n');
		}
	}
	if (wrong.len)
	{
		wrong.data[--wrong.len] = '\0';
		pgr_error_set(err, PGR_ERR_GENERIC, _("the configuration of node \"%s\" does not give the values written"),
					  s->node->name);
		pgr_error_detail(err, "%s", wrong.data);
		pgr_error_hint(err, _("Another configuration file, or the server's command line, may set them."));
		goto out;
	}
	rc = 0;
out:
	params_free_priv(now);
	strbuf_free(&errors);
	strbuf_free(&wrong);
	return rc;
}

static int
params_undo(session *ctx, plan_step *s, pgr_error *err)
{
	return rollback(ctx, s, s->priv, err);
}

static const step_ops params_ops = {
	.kind = "params",
	.inspect = params_inspect,
	.apply = params_apply,
	.verify = params_verify,
	.undo = params_undo,
	.free_priv = params_free_priv,
};

plan_step *
step_params_new(session *ctx, cluster_node *primary)
{
	char	   *id = pgr_asprintf("params@%s", primary->name);
	char	   *title = pgr_asprintf(_("server parameters on %s"), primary->name);
	plan_step  *s;

	(void) ctx;
	s = plan_step_new(&params_ops, primary, id, title);
	free(id);
	free(title);
	return s;
}
