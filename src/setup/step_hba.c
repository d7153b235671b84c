/*
 * step_hba.c: the pg_hba.conf step (DESIGN.md step 4).
 *
 * One step for all the standbys of the cluster, on the primary: each
 * standby gets `hostssl replication ROLE ADDRESS/32 METHOD` (`host` when
 * the cluster file says ssl = off) unless a rule with the same effect
 * already answers its replication connection first.  Where the new rule
 * goes is hba.c's decision (above a catch-all `reject` or a broader rule
 * with another method); this file does the I/O around it:
 *
 *   inspect  SHOW hba_file (the file the server reads, wherever it is),
 *            refuse when the server already finds errors in it (not ours to
 *            compound), read it through the transport, plan the rules,
 *            preview = unified diff + why a rule sits where it does;
 *   apply    back the file up (timestamped copy), write the new text
 *            atomically (owner and mode kept), ask the server to parse the
 *            FILE (pg_hba_file_rules) BEFORE reloading: if it finds an
 *            error, the old text is written back at once, so a bad file is
 *            never loaded; else pg_reload_conf();
 *   verify   the server reloaded (pg_conf_load_time moved), the file still
 *            has our rules where they take effect, and pg_hba_file_rules
 *            shows each of them;
 *   undo     write the old text back and reload.
 *
 * When the file already has every rule but changed after the server last
 * loaded its configuration (an apply interrupted between its write and its
 * reload, a hand edit), the step has nothing to write and asks the activate
 * step for a reload (s->result.reload_needed), so that the rules are in
 * force.
 *
 * The method is the one the role's stored password can use: SCRAM (the
 * role step hashes SCRAM-SHA-256 client-side) unless the role's password is
 * an MD5 hash, or, before the role exists, the server's password_encryption
 * is md5.
 *
 * Standby addresses: pg_hba.conf matches the address the standby connects
 * from, so a standby's `host` must be an IP address here.  A host name
 * would need forward and reverse DNS that agree, checked by the server at
 * each connection; pgreplica does not write such rules.
 *
 * Errors pg_hba_file_rules reports come in two kinds, told apart by shape,
 * not by message text: a record the server cannot parse has no
 * auth_method (the whole file would be refused at reload), a record it
 * parses but that "cannot match" (hostssl while ssl is off) is loaded all
 * the same.  Only the first kind stops the step; the second, on one of our
 * rules, is reported (the rule takes effect once SSL is on).
 *
 * Test hook: step_hba_test_injection() gives one more line for the end of
 * the text apply writes, so that tests can make the server refuse the file
 * and see the rollback.  The product's (weak, here) gives none; the test
 * program tests/tools/pgreplica-test links its own, which reads
 * PGREPLICA_TEST_HBA_INJECT: the product has no such hook at all.
 */
#include <config.h>

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "diff.h"
#include "hba.h"
#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "step_hba.h"

typedef struct hba_want
{
	cluster_node *standby;
	bool		added;			/* apply adds a rule for it */
	int			existing_lineno;	/* !added: the rule that serves it */
} hba_want;

typedef struct hba_priv
{
	char	   *hba_file;
	char	   *old_text;
	size_t		old_len;
	char	   *new_text;
	size_t		new_len;
	hba_conn_type type;
	char	   *method;
	bool		server_ssl;
	hba_want   *wants;
	int			n_wants;
	int			n_added;
	char	   *backup_path;
	bool		written;		/* the new text is in the file */
	bool		reloaded;
	char	   *load_time;		/* pg_conf_load_time() before the reload */
} hba_priv;

static void
priv_free(void *p)
{
	hba_priv   *pv = p;

	if (!pv)
		return;
	free(pv->hba_file);
	free(pv->old_text);
	free(pv->new_text);
	free(pv->method);
	free(pv->wants);
	free(pv->backup_path);
	free(pv->load_time);
	free(pv);
}

/* ---- cluster file lines -------------------------------------------------- */

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * The line of `key` in a section of the cluster file: the section whose
 * header is on line `section_line`, or (0) the [cluster] section.  Falls
 * back to the header's line (or 0) when the text does not say.
 */
static int
cluster_key_line(const cluster *cl, int section_line, const char *key)
{
	const char *p = cl->text;
	int			lineno = 1;
	bool		in = false;
	int			header = 0;
	size_t		klen = strlen(key);

	if (!p)
		return section_line;
	while (*p)
	{
		const char *s = skip_blanks(p);
		const char *eol = strchr(p, '\n');

		if (*s == '[')
		{
			if (in)
				break;
			if (section_line > 0 ? lineno == section_line
				: strncmp(s, "[cluster]", 9) == 0)
			{
				in = true;
				header = lineno;
			}
		}
		else if (in && strncmp(s, key, klen) == 0 &&
				 *skip_blanks(s + klen) == '=')
			return lineno;
		if (!eol)
			break;
		p = eol + 1;
		lineno++;
	}
	return section_line > 0 ? section_line : header;
}

/* ---- SQL helpers ---------------------------------------------------------- */

static char *
sql_literal(PGconn *conn, const char *s)
{
	char	   *q = PQescapeLiteral(conn, s, strlen(s));
	char	   *copy;

	if (!q)
		return pgr_strdup("NULL");	/* only on out of memory */
	copy = pgr_strdup(q);
	PQfreemem(q);
	return copy;
}

/*
 * Records of the hba file the server could not parse (the file would be
 * refused at reload): "line N: error" lines into *detail.  Returns how
 * many, or -1 with err.  With `our_warnings` (may be NULL), the records
 * that have an error but were parsed all the same go there.
 */
static int
file_rule_errors(PGconn *conn, const char *node_name, strbuf *detail,
				 strbuf *our_warnings, pgr_error *err)
{
	PGresult   *res;
	int			n = 0;

	res = pgconn_exec(conn, node_name,
					  "SELECT line_number, error, auth_method IS NULL "
					  "FROM pg_catalog.pg_hba_file_rules "
					  "WHERE error IS NOT NULL ORDER BY line_number",
					  PGRES_TUPLES_OK, -1, 3, err);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *lineno = pgconn_value(res, i, 0);
		const char *error = pgconn_value(res, i, 1);
		bool		fatal = strcmp(pgconn_value(res, i, 2), "t") == 0;

		if (fatal)
		{
			if (detail->len > 0)
				strbuf_append_char(detail, '\n');
			strbuf_appendf(detail, _("line %s: %s"), lineno ? lineno : "?", error);
			n++;
		}
		else if (our_warnings)
		{
			if (our_warnings->len > 0)
				strbuf_append_char(our_warnings, '\n');
			strbuf_appendf(our_warnings, _("line %s: %s"), lineno ? lineno : "?", error);
		}
	}
	PQclear(res);
	return n;
}

/* ---- inspect ---------------------------------------------------------------- */

/*
 * Whether the file changed after the server last loaded its configuration
 * (its mtime, on the server's own clock, is later than pg_conf_load_time()
 * in whole seconds): then the rules in force may not be the file's.
 */
static int
loaded_before_change(PGconn *conn, const cluster_node *primary,
					 const char *path, bool *stale, pgr_error *err)
{
	const char *params[1] = {path};
	PGresult   *res;

	*stale = false;
	res = PQexecParams(conn,
					   "SELECT floor(extract(epoch FROM (pg_catalog.pg_stat_file($1, true)).modification))"
					   " > floor(extract(epoch FROM pg_catalog.pg_conf_load_time()))",
					   1, NULL, params, NULL, NULL, 0);
	if (pgconn_check_result(res, PGRES_TUPLES_OK, 1, 1, primary->name,
							"pg_stat_file(hba_file)", err) < 0)
	{
		PQclear(res);
		return -1;
	}
	*stale = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0) && pgconn_value(res, 0, 0)[0] == 't';
	PQclear(res);
	return 0;
}

/*
 * The file's bytes as the server reads them (pg_read_binary_file: the
 * superuser's), so that inspecting needs no SSH session on the primary's
 * host: the transport is opened meanwhile and only apply needs it (and
 * apply reads the file again through it before writing).
 */
static int
read_through_server(PGconn *conn, const cluster_node *primary, const char *path,
					char **data, size_t *len, pgr_error *err)
{
	const char *params[1] = {path};
	PGresult   *res;
	unsigned char *bytes;
	size_t		n = 0;

	res = PQexecParams(conn, "SELECT pg_catalog.pg_read_binary_file($1)",
					   1, NULL, params, NULL, NULL, 0);
	if (pgconn_check_result(res, PGRES_TUPLES_OK, 1, 1, primary->name,
							"pg_read_binary_file(hba_file)", err) < 0)
	{
		PQclear(res);
		pgr_error_prefix(err, _("could not read \"%s\" through the server"), path);
		return -1;
	}
	bytes = PQunescapeBytea((const unsigned char *) pgconn_value(res, 0, 0), &n);
	PQclear(res);
	if (!bytes)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("out of memory"));
	*data = pgr_malloc(n + 1);
	memcpy(*data, bytes, n);
	(*data)[n] = '\0';
	*len = n;
	PQfreemem(bytes);
	return 0;
}

/* A standby's host as an address for pg_hba.conf: an IP address. */
static int
check_standby_address(const cluster *cl, const cluster_node *n, pgr_error *err)
{
	unsigned char buf[16];
	int			line = cluster_key_line(cl, n->line, "host");

	if (n->host && (inet_pton(AF_INET, n->host, buf) == 1 ||
					inet_pton(AF_INET6, n->host, buf) == 1))
		return 0;
	pgr_error_set(err, PGR_ERR_INPUT,
				  _("%s:%d: standby \"%s\": host \"%s\" is not an IP address"),
				  cl->path, line, n->name, n->host ? n->host : "");
	pgr_error_detail(err, _("The pg_hba.conf rule that lets the standby replicate names the address it connects from."));
	pgr_error_hint(err, _("Set host to the standby's IP address (e.g. 192.0.2.10 or 2001:db8::10), as the primary sees it; pgreplica does not write host-name rules, which depend on reverse DNS."));
	return -1;
}

/* Remember that a record was inserted at index `at`. */
static void
note_insert(int **ins, int *n_ins, int at)
{
	for (int i = 0; i < *n_ins; i++)
		if ((*ins)[i] >= at)
			(*ins)[i]++;
	*ins = pgr_realloc(*ins, sizeof(int) * (size_t) (*n_ins + 1));
	(*ins)[(*n_ins)++] = at;
}

/* The line number in the original file of doc->lines[index]. */
static int
original_lineno(const hba_doc *doc, const int *ins, int n_ins, int index)
{
	int			before = 0;

	for (int i = 0; i < n_ins; i++)
		if (ins[i] < index)
			before++;
	return doc->lines[index].lineno - before;
}

/*
 * The standbys the step serves, their addresses checked, and a test that
 * the role can be written in a rule at all: bad input is refused before
 * anything is looked at on the server.
 */
static int
collect_wants(const cluster *cl, hba_priv *pv, const char *role, pgr_error *err)
{
	char	   *check;

	for (int i = 0; i < cl->n_nodes; i++)
	{
		cluster_node *n = &cl->nodes[i];

		if (n->role != NODE_STANDBY)
			continue;
		if (check_standby_address(cl, n, err) < 0)
			return -1;
		pv->wants = pgr_realloc(pv->wants, sizeof(hba_want) * (size_t) (pv->n_wants + 1));
		pv->wants[pv->n_wants++] = (hba_want) {n, false, 0};
	}
	check = hba_format_rule(pv->type, role,
							pv->n_wants > 0 ? pv->wants[0].standby->host : "192.0.2.1",
							"scram-sha-256", err);
	if (!check)
	{
		pgr_error_prefix(err, "%s:%d: replication_user", cl->path,
						 cluster_key_line(cl, 0, "replication_user"));
		return -1;
	}
	free(check);
	return 0;
}

/*
 * The method the role's password can use: a client certificate alone, the
 * stored hash's kind, or, before the role exists, password_encryption's.
 */
static char *
method_from_server(const cluster *cl, PGresult *res)
{
	if (cl->replication_auth == REPLICATION_AUTH_CERT)
		return pgr_strdup("cert");	/* the client certificate alone */
	if (pgconn_value(res, 0, 3))
		return pgr_strdup(pgconn_value(res, 0, 3));
	if (strcmp(pgconn_value(res, 0, 2), "md5") == 0 ||
		strcmp(pgconn_value(res, 0, 2), "on") == 0)
		return pgr_strdup("md5");
	return pgr_strdup("scram-sha-256");
}

/* scram+cert: the password and, before it, a certificate whose CN is the role */
static int
add_clientcert(session *ctx, cluster_node *primary, hba_priv *pv, pgr_error *err)
{
	const pg_version_facts *facts = session_facts(ctx, primary, err);
	char	   *m;

	if (!facts)
		return -1;
	/* before 12, clientcert=1 checks the CA only, never the CN */
	if (!facts->hba_clientcert_verify_full)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("replication_auth = scram+cert needs PostgreSQL 12 or later on %s (it runs %d)"),
					  primary->name, facts->major);
		pgr_error_hint(err, _("Use replication_auth = cert (the certificate alone) or scram with this version."));
		return -1;
	}
	m = pgr_asprintf("%s clientcert=verify-full", pv->method);
	free(pv->method);
	pv->method = m;
	return 0;
}

/* The file the server reads, whether SSL is on, and the rules' method. */
static int
read_server_settings(session *ctx, PGconn *conn, cluster_node *primary,
					 const char *role, hba_priv *pv, pgr_error *err)
{
	cluster    *cl = ctx->cl;
	char	   *lit = sql_literal(conn, role);
	char	   *sql;
	PGresult   *res;

	sql = pgr_asprintf("SELECT pg_catalog.current_setting('hba_file'), "
					   "pg_catalog.current_setting('ssl'), "
					   "pg_catalog.current_setting('password_encryption'), "
					   "(SELECT CASE WHEN rolpassword LIKE 'md5%%' THEN 'md5' "
					   "  WHEN rolpassword LIKE 'SCRAM-SHA-256$%%' THEN 'scram-sha-256' END "
					   "  FROM pg_catalog.pg_authid WHERE rolname = %s)", lit);
	res = pgconn_exec(conn, primary->name, sql, PGRES_TUPLES_OK, 1, 4, err);
	free(lit);
	free(sql);
	if (!res)
		return -1;
	pv->hba_file = pgr_strdup(pgconn_value(res, 0, 0));
	pv->server_ssl = strcmp(pgconn_value(res, 0, 1), "on") == 0;
	pv->method = method_from_server(cl, res);
	PQclear(res);
	if (cl->replication_auth == REPLICATION_AUTH_SCRAM_CERT)
		return add_clientcert(ctx, primary, pv, err);
	return 0;
}

/* The server's own view of the file as it is now: refuse to compound errors. */
static int
refuse_broken_file(PGconn *conn, const cluster_node *primary, const hba_priv *pv,
				   pgr_error *err)
{
	strbuf		detail;
	int			nerr;

	strbuf_init(&detail);
	nerr = file_rule_errors(conn, primary->name, &detail, NULL, err);
	if (nerr > 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("the server finds errors in \"%s\" on %s: not changing it"),
					  pv->hba_file, primary->name);
		pgr_error_detail(err, "%s", detail.data);
		pgr_error_hint(err, _("Correct the file (see pg_hba_file_rules), then run pgreplica again; the server keeps the rules it loaded last until then."));
	}
	strbuf_free(&detail);
	return nerr == 0 ? 0 : -1;
}

/*
 * Each standby's rule planned into doc (inserted where hba.c says), with,
 * in why, a comment line for each rule placed above one that matches first.
 */
static int
plan_rules(const cluster *cl, hba_priv *pv, const char *role, hba_doc *doc,
		   strbuf *why, pgr_error *err)
{
	int		   *ins = NULL;
	int			n_ins = 0;
	int			rc = -1;

	for (int i = 0; i < pv->n_wants; i++)
	{
		hba_want   *w = &pv->wants[i];
		hba_plan	hp = HBA_PLAN_INIT;

		if (hba_plan_rule(doc, pv->type, role, w->standby->host, pv->method,
						  &hp, err) < 0)
		{
			pgr_error_prefix(err, "%s:%d: standby \"%s\"", cl->path,
							 w->standby->line, w->standby->name);
			goto out;
		}
		if (!hp.needed)
		{
			w->existing_lineno = original_lineno(doc, ins, n_ins, hp.existing);
			hba_plan_clear(&hp);
			continue;
		}
		if (hp.shadow >= 0)
		{
			strbuf_appendf(why, "# ");
			strbuf_appendf(why, hp.shadow_maybe
						   ? _("the rule for %s is placed above line %d, which may match its connection first: %s")
						   : _("the rule for %s is placed above line %d, which would match its connection first: %s"),
						   w->standby->name,
						   original_lineno(doc, ins, n_ins, hp.shadow),
						   hp.shadow_text ? hp.shadow_text : "");
			strbuf_append_char(why, '\n');
		}
		if (hba_insert(doc, hp.insert_at, hp.line, err) < 0)
		{
			hba_plan_clear(&hp);
			goto out;
		}
		note_insert(&ins, &n_ins, hp.insert_at);
		w->added = true;
		pv->n_added++;
		hba_plan_clear(&hp);
	}
	rc = 0;
out:
	free(ins);
	return rc;
}

/*
 * Every rule is there already; the file may still be newer than what the
 * server loaded (e.g. an apply interrupted between its write and its
 * reload): then the activate step reloads.
 */
static int
summarize_unchanged(PGconn *conn, const cluster_node *primary, plan_step *s,
					const hba_priv *pv, const char *role, pgr_error *err)
{
	bool		stale;

	strbuf_appendf(&s->summary,
				   _("nothing to do: \"%s\" lets every standby replicate as \"%s\""),
				   pv->hba_file, role);
	if (loaded_before_change(conn, primary, pv->hba_file, &stale, err) < 0)
		return -1;
	if (stale)
	{
		s->result.reload_needed = true;
		/* TRANSLATORS: between two parts of a step's summary (French: U+00A0 before ;) */
		strbuf_append(&s->summary, _("; "));
		strbuf_append(&s->summary, _("the server has not loaded the file since it last changed: it will be reloaded"));
	}
	return 0;
}

/* The preview (diff, why each rule sits where it does) and the summary. */
static void
describe_change(plan_step *s, hba_priv *pv, const hba_doc *doc,
				const char *role, const char *why)
{
	char	   *d;

	pv->new_text = hba_render(doc, &pv->new_len);
	d = diff_unified(pv->old_text, pv->new_text, pv->hba_file, pv->hba_file, 3);
	strbuf_append(&s->preview, d);
	free(d);
	strbuf_append(&s->preview, why);
	if (pv->type == HBA_HOSTSSL && !pv->server_ssl)
	{
		strbuf_append(&s->preview, "# ");
		strbuf_append(&s->preview, _("the server has ssl = off: hostssl rules take effect once SSL is on"));
		strbuf_append_char(&s->preview, '\n');
	}
	strbuf_appendf(&s->summary,
				   ngettext("will add %d replication rule for \"%s\" to \"%s\" (method %s)",
							"will add %d replication rules for \"%s\" to \"%s\" (method %s)",
							pv->n_added),
				   pv->n_added, role, pv->hba_file, pv->method);
}

static int
hba_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	cluster    *cl = ctx->cl;
	cluster_node *primary = s->node;
	const char *role = cl->replication_user ? cl->replication_user
		: CLUSTER_DEFAULT_REPLICATION_USER;
	hba_priv   *pv = pgr_calloc(1, sizeof(*pv));
	PGconn	   *conn;
	hba_doc    *doc = NULL;
	strbuf		why;
	int			rc = -1;

	strbuf_init(&why);
	s->priv = pv;
	pv->type = cl->ssl ? HBA_HOSTSSL : HBA_HOST;

	if (collect_wants(cl, pv, role, err) < 0)
		goto out;
	if (pv->n_wants == 0)
	{
		strbuf_append(&s->summary, _("nothing to do: the cluster file has no standby"));
		rc = 0;
		goto out;
	}
	if (!(conn = session_conn(ctx, primary, err)) ||
		read_server_settings(ctx, conn, primary, role, pv, err) < 0 ||
		refuse_broken_file(conn, primary, pv, err) < 0 ||
		read_through_server(conn, primary, pv->hba_file, &pv->old_text, &pv->old_len, err) < 0)
		goto out;
	doc = hba_parse(pv->old_text, pv->old_len);
	if (plan_rules(cl, pv, role, doc, &why, err) < 0)
		goto out;

	/* apply writes through the primary's transport: it must be usable */
	if (pv->n_added > 0 && !session_transport(ctx, primary, err))
		goto out;
	if (pv->n_added == 0)
		rc = summarize_unchanged(conn, primary, s, pv, role, err);
	else
	{
		describe_change(s, pv, doc, role, why.data);
		rc = 0;
	}

out:
	hba_free(doc);
	strbuf_free(&why);
	return rc;
}

/* ---- apply -------------------------------------------------------------------- */

/* Put the old text back (atomically, owner and mode kept). */
static int
restore_old(transport *t, hba_priv *pv, pgr_error *err)
{
	if (transport_write_file(t, pv->hba_file, pv->old_text, pv->old_len, NULL, err) < 0)
		return -1;
	pv->written = false;
	return 0;
}

__attribute__((weak)) const char *
step_hba_test_injection(void)
{
	return NULL;
}

static int
hba_apply(session *ctx, plan_step *s, pgr_error *err)
{
	hba_priv   *pv = s->priv;
	cluster_node *primary = s->node;
	PGconn	   *conn;
	transport  *t;
	PGresult   *res = NULL;
	char	   *now_text = NULL;
	size_t		now_len = 0;
	char	   *data = NULL;
	size_t		len;
	const char *inject = step_hba_test_injection();
	strbuf		detail;
	strbuf		warnings;
	int			rc = -1;
	int			nerr;

	strbuf_init(&detail);
	strbuf_init(&warnings);
	if (!pv || pv->n_added == 0)
		return 0;
	if (!(conn = session_conn(ctx, primary, err)) ||
		!(t = session_transport(ctx, primary, err)))
		goto out;

	/* Someone may have edited the file since it was inspected. */
	if (transport_read_file(t, pv->hba_file, 0, &now_text, &now_len, err) < 0)
		goto out;
	if (now_len != pv->old_len || memcmp(now_text, pv->old_text, now_len) != 0)
	{
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("\"%s\" on %s changed while pgreplica was looking at it"),
					  pv->hba_file, primary->name);
		pgr_error_hint(err, _("Nothing was changed. Run pgreplica again to plan from the file as it is now."));
		goto out;
	}

	if (transport_backup(t, pv->hba_file, &pv->backup_path, err) < 0)
		goto out;
	session_log(ctx, s, _("backed up \"%s\" to \"%s\""), pv->hba_file, pv->backup_path);

	if (inject && inject[0])
	{
		bool		nl = pv->new_len > 0 && pv->new_text[pv->new_len - 1] != '\n';

		data = pgr_asprintf("%s%s%s\n", pv->new_text, nl ? "\n" : "", inject);
		len = strlen(data);
	}
	else
	{
		data = pgr_strndup(pv->new_text, pv->new_len);
		len = pv->new_len;
	}
	if (transport_write_file(t, pv->hba_file, data, len, NULL, err) < 0)
		goto out;
	pv->written = true;

	/* The server parses the file now; it is not loaded before it is found good. */
	nerr = file_rule_errors(conn, primary->name, &detail, &warnings, err);
	if (nerr != 0)
	{
		pgr_error	rerr = PGR_ERROR_INIT;

		if (nerr > 0)
		{
			pgr_error_set(err, PGR_ERR_GENERIC,
						  _("the server refuses the new \"%s\" on %s: the old file was put back"),
						  pv->hba_file, primary->name);
			pgr_error_detail(err, "%s", detail.data);
		}
		if (restore_old(t, pv, &rerr) < 0)
		{
			pgr_error_hint(err, _("The old file could not be put back (%s): copy \"%s\" over \"%s\" before the server reloads its configuration."),
						   rerr.message, pv->backup_path, pv->hba_file);
			pgr_error_clear(&rerr);
		}
		else if (nerr > 0)
			pgr_error_hint(err, _("The server was not reloaded and keeps its rules. The file pgreplica wrote is not kept; the backup is \"%s\"."),
						   pv->backup_path);
		goto out;
	}
	if (warnings.len > 0)
		session_log(ctx, s, _("the server loads \"%s\" with warnings:\n%s"),
				 pv->hba_file, warnings.data);

	if (!(res = pgconn_exec(conn, primary->name,
							"SELECT pg_catalog.pg_conf_load_time()",
							PGRES_TUPLES_OK, 1, 1, err)))
		goto out;
	free(pv->load_time);
	pv->load_time = pgr_strdup(pgconn_value(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (session_reload(ctx, primary, err) < 0)
		goto out;
	pv->reloaded = true;
	session_log(ctx, s, _("reloaded the configuration of %s"), primary->name);
	rc = 0;

out:
	PQclear(res);
	free(now_text);
	free(data);
	strbuf_free(&detail);
	strbuf_free(&warnings);
	return rc;
}

/* ---- verify ------------------------------------------------------------------- */

/* Wait until the backend has seen the reload (pg_conf_load_time moved). */
static int
wait_reloaded(PGconn *conn, const cluster_node *primary, const char *before,
			  pgr_error *err)
{
	char	   *lit = sql_literal(conn, before);
	char	   *sql = pgr_asprintf("SELECT pg_catalog.pg_conf_load_time() > %s::timestamptz", lit);
	int			rc = -1;

	for (int i = 0; i < 200; i++)
	{
		PGresult   *res = pgconn_exec(conn, primary->name, sql, PGRES_TUPLES_OK, 1, 1, err);
		bool		done;

		if (!res)
			goto out;
		done = strcmp(pgconn_value(res, 0, 0), "t") == 0;
		PQclear(res);
		if (done)
		{
			rc = 0;
			goto out;
		}
		pgr_sleep_ms(50);
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT,
				  _("%s did not reload its configuration within 10 seconds"), primary->name);
	pgr_error_hint(err, _("Look at the server's log for the reason."));
out:
	free(lit);
	free(sql);
	return rc;
}

static int
hba_verify(session *ctx, plan_step *s, pgr_error *err)
{
	hba_priv   *pv = s->priv;
	cluster    *cl = ctx->cl;
	cluster_node *primary = s->node;
	const char *role = cl->replication_user ? cl->replication_user
		: CLUSTER_DEFAULT_REPLICATION_USER;
	PGconn	   *conn;
	transport  *t;
	char	   *text = NULL;
	size_t		len = 0;
	hba_doc    *doc = NULL;
	char	   *lrole = NULL;
	int			rc = -1;

	if (!pv || pv->n_added == 0)
		return 0;
	if (!(conn = session_conn(ctx, primary, err)) ||
		!(t = session_transport(ctx, primary, err)))
		goto out;
	if (pv->reloaded && wait_reloaded(conn, primary, pv->load_time, err) < 0)
		goto out;

	/* The file still has the rules, where they take effect. */
	if (transport_read_file(t, pv->hba_file, 0, &text, &len, err) < 0)
		goto out;
	doc = hba_parse(text, len);
	lrole = sql_literal(conn, role);
	for (int i = 0; i < pv->n_wants; i++)
	{
		hba_want   *w = &pv->wants[i];
		hba_plan	hp = HBA_PLAN_INIT;
		char	   *laddr;
		char	   *sql;
		PGresult   *res;
		bool		ok;

		if (!w->added)
			continue;
		if (hba_plan_rule(doc, pv->type, role, w->standby->host, pv->method, &hp, err) < 0)
			goto out;
		ok = !hp.needed;
		hba_plan_clear(&hp);
		if (!ok)
		{
			pgr_error_set(err, PGR_ERR_GENERIC,
						  _("\"%s\" on %s does not let %s replicate after the change"),
						  pv->hba_file, primary->name, w->standby->name);
			pgr_error_hint(err, _("Someone may have edited the file at the same time. Run pgreplica again."));
			goto out;
		}

		/* ... and the server reads them as we mean them. */
		laddr = sql_literal(conn, w->standby->host);
		{
			/* "METHOD[ OPTION]": the server lists the option apart */
			const char *sp = strchr(pv->method, ' ');

			sql = pgr_asprintf("SELECT count(*) FROM pg_catalog.pg_hba_file_rules "
							   "WHERE type = '%s' AND database = '{replication}' "
							   "AND %s = ANY (user_name) AND auth_method = '%.*s' "
							   "AND address::inet = %s::inet "
							   "AND netmask::inet = pg_catalog.netmask(%s::inet)%s%s%s",
							   hba_conn_type_name(pv->type), lrole,
							   sp ? (int) (sp - pv->method) : (int) strlen(pv->method),
							   pv->method, laddr, laddr,
							   sp ? " AND '" : "", sp ? sp + 1 : "",
							   sp ? "' = ANY (options)" : "");
		}
		res = pgconn_exec(conn, primary->name, sql, PGRES_TUPLES_OK, 1, 1, err);
		free(laddr);
		free(sql);
		if (!res)
			goto out;
		ok = strcmp(pgconn_value(res, 0, 0), "0") != 0;
		PQclear(res);
		if (!ok)
		{
			pgr_error_set(err, PGR_ERR_GENERIC,
						  _("pg_hba_file_rules on %s does not show the rule for %s"),
						  primary->name, w->standby->name);
			pgr_error_detail(err, _("The server reads \"%s\" differently from pgreplica."), pv->hba_file);
			goto out;
		}
	}
	rc = 0;
out:
	free(text);
	free(lrole);
	hba_free(doc);
	return rc;
}

/* ---- undo ----------------------------------------------------------------------- */

static int
hba_undo(session *ctx, plan_step *s, pgr_error *err)
{
	hba_priv   *pv = s->priv;
	cluster_node *primary = s->node;
	transport  *t;

	if (!pv || !pv->written)
		return 0;
	if (!(t = session_transport(ctx, primary, err)))
		return -1;
	if (restore_old(t, pv, err) < 0)
		return -1;
	session_log(ctx, s, _("put the old \"%s\" back"), pv->hba_file);
	if (!pv->reloaded)
		return 0;
	if (session_reload(ctx, primary, err) < 0)
		return -1;
	pv->reloaded = false;
	session_log(ctx, s, _("reloaded the configuration of %s"), primary->name);
	return 0;
}

static const step_ops hba_ops = {
	.kind = "hba",
	.inspect = hba_inspect,
	.apply = hba_apply,
	.verify = hba_verify,
	.undo = hba_undo,
	.free_priv = priv_free,
};

plan_step *
step_hba_new(session *ctx, cluster_node *primary)
{
	char	   *id = pgr_asprintf("hba@%s", primary->name);
	char	   *title = pgr_asprintf(_("pg_hba.conf on %s"), primary->name);
	plan_step  *s = plan_step_new(&hba_ops, primary, id, title);

	free(id);
	free(title);
	return s;
}
