/*
 * recovery.c: a standby's recovery configuration from the templates (see
 * recovery.h and templates/README).
 *
 * A template is read line by line; every @NAME@ is replaced by the value
 * of that placeholder already quoted as postgresql.conf wants it
 * (pgconf_quote_value), and a line holding a placeholder without a value
 * is left out.  Substituted text is never scanned again, so a value that
 * contains "@SLOT@" stays as it is.  The result is read back with
 * pgconf_parse: what the server will read must be exactly what was given.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include <libpq-fe.h>

#include "i18n.h"
#include "pgconf.h"
#include "recovery.h"
#include "strbuf.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/pgreplica"
#endif

#define TEMPLATE_MAX_SIZE (64 * 1024)
#define SLOT_NAME_MAX 63		/* NAMEDATALEN - 1 */

/*
 * Settings pgreplica manages that must go when the new configuration does
 * not set them (a slot that is no longer used would stop the standby from
 * streaming; an archive cleanup command must not outlive the archive).
 */
static const char *const managed_optional[] = {
	"primary_slot_name", "promote_trigger_file", "restore_command",
	"archive_cleanup_command", NULL
};

/* recovery.conf settings that servers without recovery.conf refuse. */
static const char *const recovery_conf_only[] = {
	"standby_mode", "trigger_file", NULL
};

/* ---- primary_conninfo ---------------------------------------------------- */

static bool
has_line_break(const char *s)
{
	return s && strpbrk(s, "\r\n") != NULL;
}

static bool
is_empty(const char *s)
{
	return s == NULL || *s == '\0';
}

/* As libpq's appendConnStrVal (src/fe_utils/string_utils.c). */
void
recovery_conninfo_append(strbuf *sb, const char *key, const char *value)
{
	bool		quote = (*value == '\0');

	for (const char *p = value; *p && !quote; p++)
	{
		unsigned char c = (unsigned char) *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.'))
			quote = true;
	}
	if (sb->len > 0)
		strbuf_append_char(sb, ' ');
	strbuf_append(sb, key);
	strbuf_append_char(sb, '=');
	if (!quote)
	{
		strbuf_append(sb, value);
		return;
	}
	strbuf_append_char(sb, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || *p == '\\')
			strbuf_append_char(sb, '\\');
		strbuf_append_char(sb, *p);
	}
	strbuf_append_char(sb, '\'');
}

static const char *
sslmode_of(const recovery_params *p)
{
	return p->ssl ? "verify-full" : "prefer";
}

/* What libpq must read back from the conninfo, keyword by keyword. */
static bool
conninfo_reads_back(const char *conninfo, const recovery_params *p)
{
	PQconninfoOption *opts;
	char	   *port = pgr_asprintf("%d", p->primary_port);
	bool		ok;
	const struct
	{
		const char *key;
		const char *want;		/* NULL: must be unset */
	}			want[] = {
		{"host", p->primary_host},
		{"port", port},
		{"user", p->user},
		{"passfile", p->passfile},
		{"application_name", p->node},
		{"sslmode", sslmode_of(p)},
		{"sslrootcert", p->ssl ? p->sslrootcert : NULL},
		{"sslcert", p->sslcert},
		{"sslkey", p->sslkey},
		{"password", NULL},
		{"dbname", NULL},
	};

	opts = PQconninfoParse(conninfo, NULL);
	ok = (opts != NULL);
	for (size_t i = 0; ok && i < sizeof(want) / sizeof(want[0]); i++)
	{
		const char *got = NULL;
		bool		known = false;

		for (PQconninfoOption *o = opts; o->keyword; o++)
			if (strcmp(o->keyword, want[i].key) == 0)
			{
				got = o->val;
				known = true;
				break;
			}
		if (!known)
			ok = (want[i].want == NULL);	/* an old libpq without it */
		else if (want[i].want == NULL)
			ok = (got == NULL);
		else
			ok = (got != NULL && strcmp(got, want[i].want) == 0);
	}
	if (opts)
		PQconninfoFree(opts);
	free(port);
	return ok;
}

/* -1 with the reason when p cannot make a primary_conninfo. */
static int
check_conninfo_params(const recovery_params *p, pgr_error *err)
{
	bool		client_cert = p->sslcert != NULL || p->sslkey != NULL;
	const struct
	{
		const char *key;
		const char *value;
		bool		needed;		/* else only checked when given */
	}			fields[] = {
		{"host", p->primary_host, true},
		{"user", p->user, true},
		/* a client certificate may stand in for the password */
		{"passfile", p->passfile, !client_cert},
		{"application_name", p->node, true},
		/* the CA file only matters with SSL */
		{"sslrootcert", p->sslrootcert, p->ssl},
		{"sslcert", p->sslcert, client_cert},
		{"sslkey", p->sslkey, client_cert},
	};

	if (p->password != NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("a password must never be written into primary_conninfo"));
		pgr_error_hint(err, _("Write it into the passfile that primary_conninfo names."));
		return -1;
	}
	if (client_cert && !p->ssl)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("a client certificate in primary_conninfo needs SSL"));
		return -1;
	}
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
	{
		if (!fields[i].needed && fields[i].value == NULL)
			continue;
		if (is_empty(fields[i].value))
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("primary_conninfo needs a value for \"%s\""), fields[i].key);
			return -1;
		}
		if (has_line_break(fields[i].value))
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("the value of \"%s\" in primary_conninfo contains a line break"),
						  fields[i].key);
			return -1;
		}
	}
	if (p->primary_port < 1 || p->primary_port > 65535)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("invalid port %d in primary_conninfo"), p->primary_port);
		return -1;
	}
	return 0;
}

char *
recovery_conninfo(const recovery_params *p)
{
	strbuf		sb;
	char		port[16];
	pgr_error	err = PGR_ERROR_INIT;

	if (!p || check_conninfo_params(p, &err) < 0)
	{
		pgr_error_clear(&err);
		return NULL;
	}
	snprintf(port, sizeof(port), "%d", p->primary_port);
	strbuf_init(&sb);
	recovery_conninfo_append(&sb, "host", p->primary_host);
	recovery_conninfo_append(&sb, "port", port);
	recovery_conninfo_append(&sb, "user", p->user);
	if (p->passfile)
		recovery_conninfo_append(&sb, "passfile", p->passfile);
	recovery_conninfo_append(&sb, "application_name", p->node);
	recovery_conninfo_append(&sb, "sslmode", sslmode_of(p));
	if (p->ssl)
		recovery_conninfo_append(&sb, "sslrootcert", p->sslrootcert);
	if (p->sslcert)
	{
		recovery_conninfo_append(&sb, "sslcert", p->sslcert);
		recovery_conninfo_append(&sb, "sslkey", p->sslkey);
	}
	if (!conninfo_reads_back(sb.data, p))
	{
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* ---- templates ------------------------------------------------------------- */

const char *
recovery_template_dir(const char *override)
{
	const char *env;

	if (!is_empty(override))
		return override;
	env = getenv(RECOVERY_TEMPLATES_ENV);
	if (!is_empty(env))
		return env;
#ifdef SRCDIR_TEMPLATES
	/* Not installed (run from the build tree): the source's templates. */
	if (access(PKGDATADIR "/templates", R_OK | X_OK) != 0 &&
		access(SRCDIR_TEMPLATES, R_OK | X_OK) == 0)
		return SRCDIR_TEMPLATES;
#endif
	return PKGDATADIR "/templates";
}

static char *
read_template(const char *path, pgr_error *err)
{
	FILE	   *f;
	strbuf		sb;
	char		buf[4096];
	size_t		got;

	f = fopen(path, "rb");
	if (!f)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not open template \"%s\": %s"),
					  path, strerror(errno));
		pgr_error_hint(err, _("Templates are read from the directory named by %s, else from the one installed with pgreplica."),
					   RECOVERY_TEMPLATES_ENV);
		return NULL;
	}
	strbuf_init(&sb);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
	{
		strbuf_append_len(&sb, buf, got);
		if (sb.len > TEMPLATE_MAX_SIZE)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("template \"%s\" is too large"), path);
			goto fail;
		}
	}
	if (ferror(f))
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not read template \"%s\": %s"),
					  path, strerror(errno));
		goto fail;
	}
	if (memchr(sb.data, '\0', sb.len) != NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("template \"%s\" is not a text file"), path);
		goto fail;
	}
	fclose(f);
	return strbuf_detach(&sb);

fail:
	fclose(f);
	strbuf_free(&sb);
	return NULL;
}

typedef struct placeholder
{
	const char *name;
	char	   *value;			/* quoted; NULL: lines using it are left out */
} placeholder;

static bool
is_placeholder_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/*
 * Substitute the placeholders of one line [s, e) into out: 1; 0 (and no
 * output) when a placeholder has no value; -1 on an unknown one.
 */
static int
substitute_line(const char *s, const char *e, const placeholder *ph,
				size_t nph, strbuf *out, const char *path, int lineno,
				pgr_error *err)
{
	strbuf		line;
	bool		drop = false;

	strbuf_init(&line);
	while (s < e)
	{
		const char *q;
		const placeholder *found = NULL;

		if (*s != '@')
		{
			strbuf_append_char(&line, *s++);
			continue;
		}
		for (q = s + 1; q < e && is_placeholder_char(*q); q++)
			;
		if (q == s + 1 || q >= e || *q != '@')
		{
			/* not a placeholder: a literal "@" (user@host) */
			strbuf_append_char(&line, *s++);
			continue;
		}
		for (size_t i = 0; i < nph; i++)
			if (strlen(ph[i].name) == (size_t) (q - s - 1) &&
				strncmp(ph[i].name, s + 1, (size_t) (q - s - 1)) == 0)
				found = &ph[i];
		if (!found)
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("template \"%s\", line %d: unknown placeholder \"%.*s\""),
						  path, lineno, (int) (q - s + 1), s);
			pgr_error_hint(err, _("The placeholders are listed in the README file of the templates."));
			strbuf_free(&line);
			return -1;
		}
		if (found->value == NULL)
			drop = true;		/* but check the rest of the line */
		else
			strbuf_append(&line, found->value);
		s = q + 1;
	}
	if (!drop)
		strbuf_append_len(out, line.data, line.len);
	strbuf_free(&line);
	return drop ? 0 : 1;
}

static char *
render_template(const char *path, const placeholder *ph, size_t nph,
				pgr_error *err)
{
	char	   *text = read_template(path, err);
	strbuf		out;
	const char *s;
	int			lineno = 0;

	if (!text)
		return NULL;
	strbuf_init(&out);
	for (s = text; *s;)
	{
		const char *nl = strchr(s, '\n');
		const char *e = nl ? nl : s + strlen(s);
		int			rc;

		lineno++;
		rc = substitute_line(s, e, ph, nph, &out, path, lineno, err);
		if (rc < 0)
		{
			free(text);
			strbuf_free(&out);
			return NULL;
		}
		if (rc > 0)
			strbuf_append_char(&out, '\n');
		s = nl ? nl + 1 : e;
	}
	free(text);
	return strbuf_detach(&out);
}

/* ---- rendering ------------------------------------------------------------ */

static bool
valid_slot_name(const char *s)
{
	size_t		n = 0;

	for (; *s; s++, n++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return n > 0 && n <= SLOT_NAME_MAX;
}

static int
check_params(const recovery_params *p, pgr_error *err)
{
	const struct
	{
		const char *setting;
		const char *value;
	}			optional[] = {
		{"primary_slot_name", p->slot},
		{"trigger_file", p->trigger_file},
		{"restore_command", p->restore_command},
		{"archive_cleanup_command", p->archive_cleanup_command},
	};

	if (!p->facts)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("the recovery configuration needs the server's version"));
		return -1;
	}
	if (check_conninfo_params(p, err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		if (has_line_break(optional[i].value))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("the value of \"%s\" contains a line break"),
						  optional[i].setting);
			pgr_error_hint(err, _("A value in postgresql.conf is written on one line."));
			return -1;
		}
	if (!is_empty(p->slot) && !valid_slot_name(p->slot))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid replication slot name \"%s\""), p->slot);
		pgr_error_detail(err, _("A slot name is made of lower-case letters, digits and \"_\", at most %d of them."),
						 SLOT_NAME_MAX);
		return -1;
	}
	return 0;
}

static char *
quoted_or_null(const char *value)
{
	return is_empty(value) ? NULL : pgconf_quote_value(value);
}

static bool
in_list(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcasecmp(*list, name) == 0)
			return true;
	return false;
}

/* The settings of a rendered standby.conf, in order. */
static int
collect_settings(const char *text, const char *path, recovery_files *out,
				 pgr_error *err)
{
	pgconf_doc *doc = pgconf_parse(text, path, err);
	size_t		n;

	if (!doc)
	{
		pgr_error_prefix(err, _("template \"%s\""), path);
		return -1;
	}
	n = pgconf_nlines(doc);
	out->auto_settings = pgr_calloc(n ? n : 1, sizeof(recovery_setting));
	for (size_t i = 0; i < n; i++)
	{
		const pgconf_line *l = pgconf_line_at(doc, i);

		if (l->kind == PGCONF_SETTING)
		{
			/* the last one wins, as for the server: no second entry */
			if (pgconf_find(doc, l->name) != l)
				continue;
			out->auto_settings[out->n_auto_settings].name = pgr_strdup(l->name);
			out->auto_settings[out->n_auto_settings].value = pgr_strdup(l->value);
			out->n_auto_settings++;
		}
		else if (l->kind != PGCONF_OTHER && l->kind != PGCONF_COMMENTED)
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("template \"%s\", line %d: include directives are not allowed here"),
						  path, l->lineno);
			pgconf_free(doc);
			return -1;
		}
	}
	pgconf_free(doc);
	return 0;
}

int
recovery_render(const recovery_params *p, recovery_files *out, pgr_error *err)
{
	placeholder ph[] = {
		{"NODE", NULL},
		{"MAJOR", NULL},
		{"PRIMARY_CONNINFO", NULL},
		{"SLOT", NULL},
		{"TRIGGER_FILE", NULL},
		{"RESTORE_COMMAND", NULL},
		{"ARCHIVE_CLEANUP_COMMAND", NULL},
	};
	size_t		nph = sizeof(ph) / sizeof(ph[0]);
	char	   *conninfo = NULL;
	char	   *major = NULL;
	char	   *path = NULL;
	char	   *text = NULL;
	const char *dir;
	int			rc = -1;

	if (check_params(p, err) < 0)
		return -1;
	conninfo = recovery_conninfo(p);
	if (!conninfo)
	{
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("could not write a primary_conninfo that libpq reads back as given"));
		goto out;
	}
	out->facts = p->facts;
	major = pgr_asprintf("%d", p->facts->major);
	ph[0].value = pgconf_quote_value(p->node);
	ph[1].value = pgconf_quote_value(major);
	ph[2].value = pgconf_quote_value(conninfo);
	ph[3].value = quoted_or_null(p->slot);
	/* the trigger file only where the server has a setting for it */
	ph[4].value = p->facts->promote_trigger_setting ? quoted_or_null(p->trigger_file) : NULL;
	ph[5].value = quoted_or_null(p->restore_command);
	ph[6].value = quoted_or_null(p->archive_cleanup_command);

	dir = recovery_template_dir(p->template_dir);
	path = pgr_asprintf("%s/%s", dir,
						p->facts->recovery_conf ? RECOVERY_TEMPLATE_CONF : RECOVERY_TEMPLATE_STANDBY);
	text = render_template(path, ph, nph, err);
	if (!text)
		goto out;

	if (p->facts->recovery_conf)
	{
		/* what the server reads must parse */
		pgconf_doc *doc = pgconf_parse(text, path, err);

		if (!doc)
		{
			pgr_error_prefix(err, _("template \"%s\""), path);
			goto out;
		}
		pgconf_free(doc);
		out->recovery_conf = text;
		text = NULL;
	}
	else
	{
		if (collect_settings(text, path, out, err) < 0)
			goto out;
		out->signal = true;
		out->standby_conf = text;
		text = NULL;
	}
	rc = 0;

out:
	for (size_t i = 0; i < nph; i++)
		free(ph[i].value);
	free(conninfo);
	free(major);
	free(path);
	free(text);
	return rc;
}

void
recovery_files_free(recovery_files *f)
{
	if (!f)
		return;
	free(f->recovery_conf);
	free(f->standby_conf);
	for (size_t i = 0; i < f->n_auto_settings; i++)
	{
		free(f->auto_settings[i].name);
		free(f->auto_settings[i].value);
	}
	free(f->auto_settings);
	f->recovery_conf = NULL;
	f->standby_conf = NULL;
	f->auto_settings = NULL;
	f->n_auto_settings = 0;
	f->signal = false;
}

/* ---- postgresql.auto.conf ---------------------------------------------------- */

static const recovery_setting *
find_setting(const recovery_files *f, const char *name)
{
	for (size_t i = 0; i < f->n_auto_settings; i++)
		if (strcasecmp(f->auto_settings[i].name, name) == 0)
			return &f->auto_settings[i];
	return NULL;
}

/* Whether the server of f has no parameter `name` (any more). */
static bool
obsolete_setting(const recovery_files *f, const char *name)
{
	if (in_list(recovery_conf_only, name))
		return true;
	return strcasecmp(name, "promote_trigger_file") == 0 &&
		(f->facts->promote_trigger_setting == NULL ||
		 strcasecmp(f->facts->promote_trigger_setting, name) != 0);
}

/*
 * Whether a setting line of the old file goes: obsolete, managed but no
 * longer set, or set again by f further down (only its last line stays).
 */
static bool
drop_line(const pgconf_doc *doc, const pgconf_line *l, const recovery_files *f)
{
	if (l->kind != PGCONF_SETTING)
		return false;
	if (obsolete_setting(f, l->name))
		return true;
	if (find_setting(f, l->name))
		return pgconf_find(doc, l->name) != l;
	return in_list(managed_optional, l->name);
}

int
recovery_apply_auto_conf(const char *old_auto_conf_text,
						 const recovery_files *f, char **new_text,
						 pgr_error *err)
{
	pgconf_doc *doc = NULL;
	strbuf		kept;
	int			rc = -1;

	*new_text = NULL;
	strbuf_init(&kept);
	if (!f || !f->facts || f->facts->recovery_conf)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("a server that reads recovery.conf keeps no standby settings in \"%s\""),
					  RECOVERY_AUTO_CONF_FILE);
		goto out;
	}
	doc = pgconf_parse(old_auto_conf_text ? old_auto_conf_text : "",
					   RECOVERY_AUTO_CONF_FILE, err);
	if (!doc)
		goto out;

	/* the lines that stay, byte for byte */
	for (size_t i = 0; i < pgconf_nlines(doc); i++)
	{
		const pgconf_line *l = pgconf_line_at(doc, i);

		if (!drop_line(doc, l, f))
			strbuf_append(&kept, l->text);
	}
	pgconf_free(doc);
	doc = pgconf_parse(kept.data, RECOVERY_AUTO_CONF_FILE, err);
	if (!doc)
		goto out;

	for (size_t i = 0; i < f->n_auto_settings; i++)
	{
		const recovery_setting *s = &f->auto_settings[i];

		if (obsolete_setting(f, s->name))
			continue;
		if (pgconf_set(doc, s->name, s->value, NULL, err) < 0)
			goto out;
	}
	*new_text = pgconf_render(doc);
	rc = 0;

out:
	pgconf_free(doc);
	strbuf_free(&kept);
	return rc;
}
