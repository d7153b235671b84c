/*
 * test_cluster.c: the cluster file (src/cluster/cluster.c): parsing, defaults,
 * validation errors with their line numbers, rewriting that keeps comments
 * and layout, and the atomic save.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "basebackup.h"
#include "cluster.h"
#include "report.h"
#include "strbuf.h"

#define PATH "test.conf"

/* The example of DESIGN.md, with the standby's section completed. */
static const char design_example[] =
"[cluster]\n"
"name = prod\n"
"replication_user = replicate\n"
"ssl = on                 ; on | off\n"
"slots = on               ; a physical slot per standby\n"
"sync = off               ; off | standby names for synchronous_standby_names\n"
"archive_command =        ; empty: no archiving\n"
"trigger_file =           ; optional promote trigger file on standbys (<=15)\n"
"\n"
"[node \"pg1\"]\n"
"role = primary\n"
"host = 172.17.0.2        ; address used by libpq and by standbys\n"
"port = 5432\n"
"dbuser = postgres        ; superuser for setup and actions\n"
"ssh = postgres@172.17.0.2:22   ; or: local\n"
"pgdata = /var/lib/postgresql/10/main\n"
"bindir = /usr/lib/postgresql/10/bin\n"
"service = pg_ctl         ; pg_ctl | pg_ctlcluster 10 main | systemd postgresql@10-main\n"
"\n"
"[node \"pg2\"]\n"
"role = standby\n"
"upstream = pg1\n"
"host = 172.17.0.3\n"
"ssh = postgres@172.17.0.3\n"
"pgdata = /var/lib/postgresql/10/main\n"
"service = pg_ctlcluster 10 main\n";

/* A file with comments everywhere, used for the rewriting tests. */
static const char commented[] =
"# pgreplica cluster file\n"
"; kept by hand and by pgreplica\n"
"\n"
"[cluster]            # the cluster\n"
"name = prod          ; shown in the title\n"
"\n"
"; the writer\n"
"[node \"pg1\"]\n"
"role = primary       ; changes on promotion\n"
"host = 10.0.0.1\n"
"port = 5432          # default\n"
"   ; indented comment\n"
"\n"
"# the reader\n"
"[node \"pg2\"]\n"
"role = standby       ; changes on promotion\n"
"upstream = pg1       ; follows the writer\n"
"host = 10.0.0.2\n"
"# trailing comment of pg2\n";

/* ---- helpers ----------------------------------------------------------------- */

static cluster *
parse_ok(const char *text)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_parse(text, PATH, &err);

	if (!c)
		fail_msg("unexpected error: %s (hint: %s)", err.message,
				 err.hint ? err.hint : "none");
	assert_false(pgr_error_isset(&err));
	return c;
}

/*
 * The text must be refused with PGR_ERR_INPUT, a message starting with
 * "test.conf:LINE: " and containing `what`, and a hint.
 */
static void
assert_error(const char *text, int line, const char *what)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_parse(text, PATH, &err);
	char		prefix[64];

	if (c)
		fail_msg("accepted, expected an error about \"%s\" on line %d", what, line);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(err.message);
	snprintf(prefix, sizeof(prefix), PATH ":%d: ", line);
	if (strncmp(err.message, prefix, strlen(prefix)) != 0)
		fail_msg("message \"%s\" does not start with \"%s\"", err.message, prefix);
	if (!strstr(err.message, what))
		fail_msg("message \"%s\" does not mention \"%s\"", err.message, what);
	assert_non_null(err.hint);
	assert_true(strlen(err.hint) > 10);
	pgr_error_clear(&err);
}

static const char *
hint_of(const char *text)
{
	static char hint[1024];
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_parse(text, PATH, &err);

	assert_null(c);
	assert_non_null(err.hint);
	snprintf(hint, sizeof(hint), "%s", err.hint);
	pgr_error_clear(&err);
	return hint;
}

static void
assert_str_or_null_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		assert_ptr_equal(a, b);
	else
		assert_string_equal(a, b);
}

/* Deep comparison of the settings (not the text, the path or the lines). */
static void
assert_clusters_equal(const cluster *a, const cluster *b)
{
	assert_str_or_null_equal(a->name, b->name);
	assert_str_or_null_equal(a->replication_user, b->replication_user);
	assert_int_equal(a->ssl, b->ssl);
	assert_int_equal(a->slots, b->slots);
	assert_str_or_null_equal(a->sync, b->sync);
	assert_str_or_null_equal(a->archive_command, b->archive_command);
	assert_str_or_null_equal(a->trigger_file, b->trigger_file);
	assert_str_or_null_equal(a->ssl_ca, b->ssl_ca);
	assert_int_equal(a->n_nodes, b->n_nodes);
	for (int i = 0; i < a->n_nodes; i++)
	{
		const cluster_node *x = &a->nodes[i];
		const cluster_node *y = cluster_find_node(b, x->name);

		assert_non_null(y);
		assert_int_equal(x->role, y->role);
		assert_str_or_null_equal(x->upstream, y->upstream);
		assert_str_or_null_equal(x->host, y->host);
		assert_int_equal(x->port, y->port);
		assert_str_or_null_equal(x->dbuser, y->dbuser);
		assert_str_or_null_equal(x->dbname, y->dbname);
		assert_str_or_null_equal(x->ssh, y->ssh);
		assert_str_or_null_equal(x->pgdata, y->pgdata);
		assert_str_or_null_equal(x->bindir, y->bindir);
		assert_str_or_null_equal(x->client_bindir, y->client_bindir);
		assert_int_equal(x->service.kind, y->service.kind);
		assert_str_or_null_equal(x->service.version, y->service.version);
		assert_str_or_null_equal(x->service.name, y->service.name);
		assert_str_or_null_equal(x->ssl_cert, y->ssl_cert);
		assert_str_or_null_equal(x->ssl_key, y->ssl_key);
		assert_str_or_null_equal(x->become, y->become);
	}
}

/* format(parse(x)) == x and parse(format(parse(x))) == parse(x) */
static void
assert_round_trip(const char *text)
{
	cluster    *c = parse_ok(text);
	char	   *out = cluster_format(c);
	cluster    *d = parse_ok(out);

	assert_string_equal(out, text);
	assert_clusters_equal(c, d);
	free(out);
	cluster_free(c);
	cluster_free(d);
}

/* Format c, parse the result, compare with c; returns the text. */
static char *
format_and_check(const cluster *c)
{
	char	   *out = cluster_format(c);
	cluster    *d = parse_ok(out);

	assert_clusters_equal(c, d);
	cluster_free(d);
	return out;
}

static void
set_str(char **field, const char *v)
{
	free(*field);
	*field = v ? strdup(v) : NULL;
}

/* Promote `to`: it becomes the primary, every other node follows it. */
static void
switch_primary(cluster *c, const char *to)
{
	for (int i = 0; i < c->n_nodes; i++)
	{
		cluster_node *n = &c->nodes[i];

		if (strcmp(n->name, to) == 0)
		{
			n->role = NODE_PRIMARY;
			set_str(&n->upstream, NULL);
		}
		else
		{
			n->role = NODE_STANDBY;
			set_str(&n->upstream, to);
		}
	}
}

/* ---- good files --------------------------------------------------------------- */

static void
test_design_example(void **state)
{
	cluster    *c = parse_ok(design_example);
	cluster_node *pg1,
			   *pg2;

	assert_string_equal(c->path, PATH);
	assert_string_equal(c->name, "prod");
	assert_string_equal(c->replication_user, "replicate");
	assert_true(c->ssl);
	assert_true(c->slots);
	assert_null(c->sync);
	assert_null(c->archive_command);
	assert_null(c->trigger_file);
	assert_int_equal(c->n_nodes, 2);
	assert_string_equal(c->text, design_example);

	pg1 = cluster_find_node(c, "pg1");
	assert_non_null(pg1);
	assert_ptr_equal(cluster_primary(c), pg1);
	assert_int_equal(pg1->role, NODE_PRIMARY);
	assert_null(pg1->upstream);
	assert_string_equal(pg1->host, "172.17.0.2");
	assert_int_equal(pg1->port, 5432);
	assert_string_equal(pg1->dbuser, "postgres");
	assert_string_equal(pg1->dbname, "postgres");
	assert_string_equal(pg1->ssh, "postgres@172.17.0.2:22");
	assert_string_equal(pg1->pgdata, "/var/lib/postgresql/10/main");
	assert_string_equal(pg1->bindir, "/usr/lib/postgresql/10/bin");
	assert_int_equal(pg1->service.kind, SERVICE_PG_CTL);
	assert_int_equal(pg1->line, 10);

	pg2 = cluster_find_node(c, "pg2");
	assert_non_null(pg2);
	assert_int_equal(pg2->role, NODE_STANDBY);
	assert_string_equal(pg2->upstream, "pg1");
	assert_string_equal(pg2->host, "172.17.0.3");
	assert_int_equal(pg2->service.kind, SERVICE_PG_CTLCLUSTER);
	assert_string_equal(pg2->service.version, "10");
	assert_string_equal(pg2->service.name, "main");
	assert_null(pg2->bindir);
	assert_int_equal(pg2->line, 20);
	assert_ptr_equal(cluster_upstream(c, pg2), pg1);
	assert_null(cluster_upstream(c, pg1));
	assert_null(cluster_find_node(c, "pg3"));
	assert_null(cluster_find_node(c, "PG1"));
	cluster_free(c);
}

static void
test_defaults(void **state)
{
	cluster    *c = parse_ok("[node \"a\"]\nrole = primary\nhost = h1\n"
							 "[node \"b\"]\nrole = standby\nhost = h2\n");
	cluster_node *a = cluster_find_node(c, "a");
	cluster_node *b = cluster_find_node(c, "b");

	assert_null(c->name);
	assert_string_equal(c->replication_user, CLUSTER_DEFAULT_REPLICATION_USER);
	assert_string_equal(c->replication_user, "replicator");
	assert_int_equal(c->ssl, CLUSTER_DEFAULT_SSL);
	assert_int_equal(c->slots, CLUSTER_DEFAULT_SLOTS);
	assert_null(c->sync);
	assert_null(c->archive_command);
	assert_null(c->trigger_file);
	assert_int_equal(a->port, 5432);
	assert_string_equal(a->dbuser, "postgres");
	assert_string_equal(a->dbname, "postgres");
	assert_null(a->ssh);
	assert_null(a->pgdata);
	assert_null(a->bindir);
	assert_int_equal(a->service.kind, SERVICE_PG_CTL);
	assert_null(a->service.version);
	assert_null(a->service.name);
	/* a standby without upstream follows the primary */
	assert_null(b->upstream);
	assert_ptr_equal(cluster_upstream(c, b), a);
	cluster_free(c);
}

static void
test_empty_values_mean_default(void **state)
{
	cluster    *c = parse_ok("[cluster]\nname =\nreplication_user =\nsync =\n"
							 "archive_command = \"\"\n"
							 "[node \"a\"]\nrole = primary\nhost = h\nport =\n"
							 "dbuser =\ndbname =\nssh =\nservice =\n");

	assert_null(c->name);
	assert_string_equal(c->replication_user, "replicator");
	assert_null(c->sync);
	assert_null(c->archive_command);
	assert_int_equal(c->nodes[0].port, 5432);
	assert_string_equal(c->nodes[0].dbuser, "postgres");
	assert_string_equal(c->nodes[0].dbname, "postgres");
	assert_null(c->nodes[0].ssh);
	assert_int_equal(c->nodes[0].service.kind, SERVICE_PG_CTL);
	cluster_free(c);
}

static void
test_comments(void **state)
{
	cluster    *c = parse_ok("# hash comment\n"
							 "; semicolon comment\n"
							 "   \t# indented\n"
							 "[cluster] ; after a header\n"
							 "name = a#b          # '#' inside a word is data\n"
							 "archive_command = cp %p /x;y ; ';' inside too\n"
							 "[node \"n1\"]# glued to the header\n"
							 "role = primary\t; after a tab\n"
							 "host = h ;\n"
							 "pgdata = /data   \n");

	assert_string_equal(c->name, "a#b");
	assert_string_equal(c->archive_command, "cp %p /x;y");
	assert_int_equal(c->nodes[0].role, NODE_PRIMARY);
	assert_string_equal(c->nodes[0].host, "h");
	assert_string_equal(c->nodes[0].pgdata, "/data");
	cluster_free(c);
}

static void
test_quoted_values(void **state)
{
	cluster    *c = parse_ok("[cluster]\n"
							 "name = \"  two leading spaces\"\n"
							 "archive_command = \"test ! -f /a/%f && cp %p /a/%f ; echo # x\" ; comment\n"
							 "trigger_file = \"/tmp/a \\\"b\\\" \\\\c\\d\"\n"
							 "sync = \"\"\n"
							 "[node \"n\"]\nrole = primary\nhost = \"h\";glued comment\n"
							 "pgdata = \"/trailing \"\n");

	assert_string_equal(c->name, "  two leading spaces");
	assert_string_equal(c->archive_command, "test ! -f /a/%f && cp %p /a/%f ; echo # x");
	assert_string_equal(c->trigger_file, "/tmp/a \"b\" \\c\\d");
	assert_null(c->sync);
	assert_string_equal(c->nodes[0].host, "h");
	assert_string_equal(c->nodes[0].pgdata, "/trailing ");
	cluster_free(c);
}

static void
test_booleans(void **state)
{
	static const struct
	{
		const char *v;
		bool		b;
	}			cases[] = {
		{"on", true}, {"off", false}, {"true", true}, {"false", false},
		{"yes", true}, {"no", false}, {"1", true}, {"0", false}, {"ON", true},
		{"Off", false},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char		text[256];
		cluster    *c;

		snprintf(text, sizeof(text),
				 "[cluster]\nssl = %s\nslots = %s\n[node \"n\"]\nrole = primary\nhost = h\n",
				 cases[i].v, cases[i].v);
		c = parse_ok(text);
		assert_int_equal(c->ssl, cases[i].b);
		assert_int_equal(c->slots, cases[i].b);
		cluster_free(c);
	}
}

/* The operator's own certificates: ssl_ca, and ssl_cert with ssl_key. */
static void
test_ssl_files(void **state)
{
	const char *text = "[cluster]\nname = x\nssl = on\nssl_ca = certs/ca.crt\n"
		"\n[node \"a\"]\nrole = primary\nhost = 10.0.0.2\n"
		"ssl_cert = /etc/pgr/a.crt\nssl_key = /etc/pgr/a.key  ; 0600\n";
	cluster    *c = parse_ok(text);
	char	   *out;

	assert_string_equal(c->ssl_ca, "certs/ca.crt");
	assert_string_equal(c->nodes[0].ssl_cert, "/etc/pgr/a.crt");
	assert_string_equal(c->nodes[0].ssl_key, "/etc/pgr/a.key");
	cluster_free(c);
	assert_round_trip(text);

	/* empty or absent: pgreplica makes them; not written out */
	c = parse_ok("[cluster]\nssl_ca =\n[node \"a\"]\nrole = primary\nhost = h\n"
				 "ssl_cert =\nssl_key =\n");
	assert_null(c->ssl_ca);
	assert_null(c->nodes[0].ssl_cert);
	assert_null(c->nodes[0].ssl_key);
	free(c->text);
	c->text = NULL;
	out = format_and_check(c);
	assert_null(strstr(out, "ssl_ca"));
	assert_null(strstr(out, "ssl_cert"));
	free(out);
	cluster_free(c);

	/* set in memory: written */
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\n");
	set_str(&c->ssl_ca, "/ca.crt");
	set_str(&c->nodes[0].ssl_cert, "/a.crt");
	set_str(&c->nodes[0].ssl_key, "/a.key");
	out = format_and_check(c);
	assert_non_null(strstr(out, "ssl_ca = /ca.crt"));
	assert_non_null(strstr(out, "ssl_cert = /a.crt"));
	assert_non_null(strstr(out, "ssl_key = /a.key"));
	free(out);
	cluster_free(c);

	/* one without the other: the line of the one given */
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nssl_cert = /a.crt\n", 4,
				 "node \"a\" has ssl_cert without ssl_key");
	assert_error("[node \"a\"]\nrole = primary\nhost = h\n\nssl_key = /a.key\n", 5,
				 "node \"a\" has ssl_key without ssl_cert");
}

/*
 * client_bindir: the client programs (pg_basebackup, pg_isready) when they
 * are not beside the server's (server-only bundles); bindir by default.
 */
static void
test_client_bindir(void **state)
{
	const char *text = "[node \"a\"]\nrole = primary\nhost = h\n"
		"bindir = /opt/pg10/bin\n"
		"client_bindir = /usr/lib/postgresql/15/bin  ; pg_basebackup 15\n"
		"[node \"b\"]\nrole = standby\nhost = h2\nbindir = /opt/pg10/bin\n"
		"[node \"c\"]\nrole = standby\nhost = h3\nclient_bindir =\n";
	cluster    *c = parse_ok(text);
	char	   *out;

	assert_string_equal(c->nodes[0].client_bindir, "/usr/lib/postgresql/15/bin");
	assert_string_equal(cluster_client_bindir(&c->nodes[0]), "/usr/lib/postgresql/15/bin");
	assert_string_equal(c->nodes[0].bindir, "/opt/pg10/bin");
	/* absent: bindir */
	assert_null(c->nodes[1].client_bindir);
	assert_string_equal(cluster_client_bindir(&c->nodes[1]), "/opt/pg10/bin");
	/* empty, and no bindir either: PATH */
	assert_null(c->nodes[2].client_bindir);
	assert_null(cluster_client_bindir(&c->nodes[2]));
	assert_null(cluster_client_bindir(NULL));
	cluster_free(c);
	assert_round_trip(text);

	/* hostile values kept verbatim, like bindir */
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\nclient_bindir = /opt/pg bin/`id`\n");
	assert_string_equal(c->nodes[0].client_bindir, "/opt/pg bin/`id`");
	cluster_free(c);

	/* set in memory: written in place or appended; removed: gone */
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\nbindir = /b\n");
	set_str(&c->nodes[0].client_bindir, "/c");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nbindir = /b\nclient_bindir = /c\n");
	free(out);
	cluster_free(c);
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\nclient_bindir = /c ; mine\nbindir = /b\n");
	set_str(&c->nodes[0].client_bindir, "/d");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nclient_bindir = /d ; mine\nbindir = /b\n");
	free(out);
	set_str(&c->nodes[0].client_bindir, NULL);
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nclient_bindir =  ; mine\nbindir = /b\n");
	free(out);
	free(c->text);
	c->text = NULL;
	set_str(&c->nodes[0].client_bindir, "/e");
	out = format_and_check(c);
	assert_non_null(strstr(out, "\nbindir = /b\nclient_bindir = /e\n"));
	free(out);
	cluster_free(c);

	/* a key of nodes only */
	assert_error("[cluster]\nclient_bindir = /c\n", 2, "unknown key \"client_bindir\"");
}

/*
 * become: the account the node's commands run as when the transport logs
 * in as another (root with ssh = local, for the demo's servers).
 */
static void
test_become(void **state)
{
	const char *text = "[node \"a\"]\nrole = primary\nhost = h\nssh = local\n"
		"become = postgres   ; pg_ctl refuses root\n"
		"[node \"b\"]\nrole = standby\nhost = h2\nbecome =\n"
		"[node \"c\"]\nrole = standby\nhost = h3\nbecome = pg_svc.1-x\n";
	cluster    *c = parse_ok(text);
	char	   *out;
	pgr_error	err = PGR_ERROR_INIT;

	(void) state;
	assert_string_equal(c->nodes[0].become, "postgres");
	/* empty: the login account */
	assert_null(c->nodes[1].become);
	assert_string_equal(c->nodes[2].become, "pg_svc.1-x");
	cluster_free(c);
	assert_round_trip(text);

	/* set in memory: appended; then changed in place, the comment kept */
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\n");
	set_str(&c->nodes[0].become, "postgres");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nbecome = postgres\n");
	free(out);
	cluster_free(c);
	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\nbecome = postgres ; mine\n");
	set_str(&c->nodes[0].become, "pgadmin");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nbecome = pgadmin ; mine\n");
	free(out);

	/* a hostile value set in memory never reaches a file */
	set_str(&c->nodes[0].become, "-u root");
	free(c->path);
	c->path = strdup("/nonexistent/dir/x.conf");
	assert_int_equal(cluster_save(c, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "invalid account \"-u root\""));
	pgr_error_clear(&err);
	cluster_free(c);

	/* bad values: an option, blanks, shell characters, too long */
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nbecome = -n\n", 4,
				 "invalid account \"-n\" for \"become\"");
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nbecome = post gres\n", 4,
				 "invalid account");
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nbecome = \"$(id)\"\n", 4,
				 "invalid account");
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nbecome = root;id\n", 4,
				 "invalid account");
	assert_error("[node \"a\"]\nrole = primary\nhost = h\n"
				 "become = abcdefghijklmnopqrstuvwxyz0123456\n", 4, "invalid account");
	assert_true(strstr(hint_of("[node \"a\"]\nrole = primary\nhost = h\nbecome = -x\n"),
					   "postgres") != NULL);
	/* a key of nodes only */
	assert_error("[cluster]\nbecome = postgres\n", 2, "unknown key \"become\"");
}

/*
 * The field rules the wizard shares with the file (cluster_*_problem): the
 * same values refused by both, with the reason.
 */
static void
test_field_rules(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;

	(void) state;
	/* an SSH target ssh would take for an option (it runs ProxyCommand) */
	assert_non_null(cluster_ssh_problem("-oProxyCommand=touch /tmp/x"));
	assert_non_null(strstr(cluster_ssh_problem("-oProxyCommand=x"), "\"-\""));
	assert_non_null(cluster_ssh_problem("a b"));
	assert_non_null(cluster_ssh_problem("a\tb"));
	assert_non_null(cluster_ssh_problem(""));
	assert_null(cluster_ssh_problem("local"));
	assert_null(cluster_ssh_problem("postgres@db-1.example:2222"));
	assert_null(cluster_ssh_problem("a-b"));
	assert_null(cluster_parse("[node \"a\"]\nrole = primary\nhost = h\nssh = -oProxyCommand=x\n",
							  PATH, &err));
	assert_non_null(err.detail);
	assert_string_equal(err.detail, cluster_ssh_problem("-o"));
	pgr_error_clear(&err);
	assert_error("[node \"a\"]\nrole = primary\nhost = h\nssh = -oProxyCommand=x\n", 4,
				 "invalid ssh target \"-oProxyCommand=x\"");

	/* node names: what becomes application_name and the slot's name */
	assert_null(cluster_node_name_problem("pg-1.a_b"));
	assert_non_null(cluster_node_name_problem(""));
	assert_non_null(cluster_node_name_problem("-pg"));
	assert_non_null(cluster_node_name_problem("pg 1"));
	assert_non_null(cluster_node_name_problem("pg/1"));
	assert_null(cluster_node_name_problem("a23456789012345678901234567890123456789012345678901234567890123"));
	assert_non_null(cluster_node_name_problem("a234567890123456789012345678901234567890123456789012345678901234"));

	/* ports */
	assert_null(cluster_port_problem("1"));
	assert_null(cluster_port_problem("65535"));
	assert_non_null(cluster_port_problem("0"));
	assert_non_null(cluster_port_problem("65536"));
	assert_non_null(cluster_port_problem("54x"));
	assert_non_null(cluster_port_problem("-1"));
	assert_non_null(cluster_port_problem(""));
}

static void
test_services(void **state)
{
	cluster    *c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\nservice = pg_ctl\n"
							 "[node \"b\"]\nhost = h\nrole = standby\n"
							 "service =  pg_ctlcluster   15  main \n"
							 "[node \"c\"]\nhost = h\nrole = standby\n"
							 "service = systemd postgresql@15-main.service\n");

	assert_int_equal(c->nodes[0].service.kind, SERVICE_PG_CTL);
	assert_int_equal(c->nodes[1].service.kind, SERVICE_PG_CTLCLUSTER);
	assert_string_equal(c->nodes[1].service.version, "15");
	assert_string_equal(c->nodes[1].service.name, "main");
	assert_int_equal(c->nodes[2].service.kind, SERVICE_SYSTEMD);
	assert_string_equal(c->nodes[2].service.name, "postgresql@15-main.service");
	assert_null(c->nodes[2].service.version);
	cluster_free(c);
}

static void
test_sync_values(void **state)
{
	cluster    *c = parse_ok("[cluster]\nsync = FIRST 1 (pg2, \"pg-3\")\n"
							 "[node \"n\"]\nrole = primary\nhost = h\n");

	assert_string_equal(c->sync, "FIRST 1 (pg2, \"pg-3\")");
	cluster_free(c);
	c = parse_ok("[cluster]\nsync = OFF\n[node \"n\"]\nrole = primary\nhost = h\n");
	assert_null(c->sync);
	cluster_free(c);
}

static void
test_cascading_upstream(void **state)
{
	cluster    *c = parse_ok("[node \"a\"]\nrole = primary\nhost = h\n"
							 "[node \"b\"]\nrole = standby\nhost = h\n"
							 "[node \"c\"]\nrole = standby\nupstream = b\nhost = h\n");

	assert_ptr_equal(cluster_upstream(c, &c->nodes[2]), &c->nodes[1]);
	assert_ptr_equal(cluster_upstream(c, &c->nodes[1]), &c->nodes[0]);
	cluster_free(c);
}

static void
test_crlf_and_bom(void **state)
{
	cluster    *c = parse_ok("\xEF\xBB\xBF[cluster]\r\nname = x\r\n\r\n"
							 "[node \"n\"]\r\nrole = primary ; c\r\nhost = \"h\"\r\n");

	assert_string_equal(c->name, "x");
	assert_string_equal(c->nodes[0].host, "h");
	assert_int_equal(c->nodes[0].role, NODE_PRIMARY);
	cluster_free(c);
}

static void
test_node_name_limits(void **state)
{
	char		name63[64];
	char		text[256];
	cluster    *c;

	memset(name63, 'x', 63);
	name63[0] = '9';
	name63[63] = '\0';
	snprintf(text, sizeof(text), "[node \"%s\"]\nrole = primary\nhost = h\n"
			 "[node \"A.b-c_D\"]\nrole = standby\nhost = h\n", name63);
	c = parse_ok(text);
	assert_string_equal(c->nodes[0].name, name63);
	assert_string_equal(c->nodes[1].name, "A.b-c_D");
	cluster_free(c);
}

static void
test_slot_name_and_role_name(void **state)
{
	char		name[] = "PG-2.Main_x9";
	cluster_node n = {.name = name};
	char	   *slot = cluster_slot_name(&n);

	assert_string_equal(slot, "pg_2_main_x9");
	free(slot);
	assert_null(cluster_slot_name(NULL));
	assert_string_equal(node_role_name(NODE_PRIMARY), "primary");
	assert_string_equal(node_role_name(NODE_STANDBY), "standby");
}

static void
test_hostile_values_kept_verbatim(void **state)
{
	cluster    *c = parse_ok("[cluster]\n"
							 "archive_command = cp %p \"/arch/$(hostname)/%f\" `id` 'x'\n"
							 "[node \"n\"]\nrole = primary\n"
							 "host = a b'c\"d\n"
							 "dbname = $(touch /tmp/pwned)\n"
							 "pgdata = \"/d; rm -rf / #\"\n"
							 "bindir = /opt/pg bin/`whoami`\n");

	assert_string_equal(c->archive_command, "cp %p \"/arch/$(hostname)/%f\" `id` 'x'");
	assert_string_equal(c->nodes[0].host, "a b'c\"d");
	assert_string_equal(c->nodes[0].dbname, "$(touch /tmp/pwned)");
	assert_string_equal(c->nodes[0].pgdata, "/d; rm -rf / #");
	assert_string_equal(c->nodes[0].bindir, "/opt/pg bin/`whoami`");
	cluster_free(c);
}

/* ---- errors ------------------------------------------------------------------- */

#define NODE_OK "role = primary\nhost = h\n"

static void
test_error_syntax(void **state)
{
	assert_error("[cluster]\nname = x\nthis is not a setting\n", 3, "syntax error");
	assert_error("[cluster]\n= x\n", 2, "syntax error");
	assert_error("[cluster]\nname x\n", 2, "syntax error");
	assert_error("[cluster\n", 1, "section header");
	assert_error("[node pg1]\n" NODE_OK, 1, "section header");
	assert_error("[node \"pg1]\n" NODE_OK, 1, "section header");
	assert_error("[cluster] x\n", 1, "section header");
	assert_error("[cluster]\nname = \"unterminated\n", 2, "unterminated");
	assert_error("[cluster]\nname = \"a\" b\n", 2, "after a quoted value");
}

/* A value cannot hold a line break: an open quote does not run on. */
static void
test_error_newline_in_value(void **state)
{
	assert_error("[cluster]\n\nname = \"first line\nsecond line\"\n", 3, "unterminated");
}

static void
test_error_nul_in_file(void **state)
{
	char		dir[] = "/tmp/pgr-test-nul-XXXXXX";
	char		path[64];
	static const char text[] = "[cluster]\nname = a\0b\n[node \"n\"]\nrole = primary\nhost = h\n";
	pgr_error	err = PGR_ERROR_INIT;
	FILE	   *f;
	cluster    *c;
	char		prefix[80];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
	fclose(f);
	c = cluster_load(path, &err);
	unlink(path);
	rmdir(dir);
	assert_null(c);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	snprintf(prefix, sizeof(prefix), "%s:2: ", path);
	assert_memory_equal(err.message, prefix, strlen(prefix));
	assert_non_null(strstr(err.message, "NUL"));
	assert_non_null(err.hint);
	pgr_error_clear(&err);
}

static void
test_error_unknown_section(void **state)
{
	assert_error("[cluster]\n\n[nodes \"x\"]\n", 3, "unknown section \"nodes \"x\"\"");
	assert_error("[Cluster]\n", 1, "unknown section");
	assert_error("[]\n", 1, "unknown section");
}

static void
test_error_setting_outside_section(void **state)
{
	assert_error("; comment\nname = x\n[cluster]\n", 2, "outside of a section");
}

static void
test_error_unknown_key(void **state)
{
	const char *hint;

	assert_error("[cluster]\nname = x\nreplication_usr = r\n", 3,
				 "unknown key \"replication_usr\" in section [cluster]");
	hint = hint_of("[cluster]\nreplication_usr = r\n");
	assert_non_null(strstr(hint, "name, replication_user, ssl, slots, sync, archive_command, trigger_file"));

	assert_error("[node \"pg1\"]\nrole = primary\nhost = h\nhostname = x\n", 4,
				 "unknown key \"hostname\" in section [node \"pg1\"]");
	hint = hint_of("[node \"pg1\"]\nhostname = x\n");
	assert_non_null(strstr(hint, "role, upstream, host, port, dbuser, dbname, ssh, pgdata, bindir, client_bindir, service"));
	/* keys of one section are not valid in the other */
	assert_error("[cluster]\nhost = x\n", 2, "unknown key \"host\"");
	assert_error("[node \"a\"]\nname = x\n", 2, "unknown key \"name\"");
}

static void
test_error_duplicate_key(void **state)
{
	const char *hint;

	assert_error("[node \"a\"]\nrole = primary\nhost = h\n; x\nhost = h2\n", 5,
				 "duplicate key \"host\"");
	hint = hint_of("[node \"a\"]\nrole = primary\nhost = h\n; x\nhost = h2\n");
	assert_non_null(strstr(hint, "line 3"));
	assert_error("[cluster]\nssl = on\nssl = on\n", 3, "duplicate key \"ssl\"");
	/* the same key in two nodes is fine */
	cluster_free(parse_ok("[node \"a\"]\nrole = primary\nhost = h\n"
						  "[node \"b\"]\nrole = standby\nhost = h\n"));
}

static void
test_error_duplicate_section(void **state)
{
	assert_error("[cluster]\nname = a\n[cluster]\n", 3, "duplicate section [cluster]");
}

static void
test_error_duplicate_node(void **state)
{
	const char *hint;
	static const char text[] = "[node \"pg1\"]\n" NODE_OK
		"[node \"pg2\"]\nrole = standby\nhost = h\n"
		"[node \"pg1\"]\nrole = standby\nhost = h\n";

	assert_error(text, 7, "duplicate node \"pg1\"");
	hint = hint_of(text);
	assert_non_null(strstr(hint, "line 1"));
	/* regardless of case */
	assert_error("[node \"pg1\"]\n" NODE_OK "[node \"PG1\"]\nrole = standby\nhost = h\n",
				 4, "duplicate node \"PG1\"");
}

static void
test_error_same_slot_name(void **state)
{
	assert_error("[node \"pg-1\"]\n" NODE_OK "[node \"pg_1\"]\nrole = standby\nhost = h\n",
				 4, "same replication slot name \"pg_1\"");
}

static void
test_error_bad_port(void **state)
{
	static const char *const bad[] = {"0", "65536", "abc", "54 32", "-1", "+5432",
	"5432x", "99999999999999999999"};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		text[256];
		char		what[64];

		snprintf(text, sizeof(text), "[node \"a\"]\nrole = primary\nhost = h\nport = %s\n", bad[i]);
		snprintf(what, sizeof(what), "invalid port \"%s\"", bad[i]);
		assert_error(text, 4, what);
	}
	cluster_free(parse_ok("[node \"a\"]\nrole = primary\nhost = h\nport = 65535\n"));
	cluster_free(parse_ok("[node \"a\"]\nrole = primary\nhost = h\nport = 1\n"));
}

static void
test_error_bad_boolean(void **state)
{
	assert_error("[cluster]\nssl = maybe\n", 2, "invalid value \"maybe\" for \"ssl\"");
	assert_error("[cluster]\n\nslots = 2\n", 3, "invalid value \"2\" for \"slots\"");
	assert_error("[cluster]\nssl = on;x\n", 2, "invalid value \"on;x\" for \"ssl\"");
}

static void
test_replication_auth(void **state)
{
	static const char nodes[] = "[node \"a\"]\nrole = primary\nhost = h\n";
	char		text[256];
	cluster    *c;

	(void) state;
	snprintf(text, sizeof(text), "[cluster]\nreplication_auth = password\n%s", nodes);
	assert_error(text, 2, "invalid value \"password\" for \"replication_auth\"");
	assert_non_null(strstr(hint_of(text), "scram+cert"));
	/* a client certificate is only presented over SSL */
	snprintf(text, sizeof(text), "[cluster]\nssl = off\nreplication_auth = cert\n%s", nodes);
	assert_error(text, 3, "replication_auth = cert needs ssl = on");
	snprintf(text, sizeof(text), "[cluster]\nssl = off\nreplication_auth = scram+cert\n%s", nodes);
	assert_error(text, 3, "replication_auth = scram+cert needs ssl = on");
	/* the default, and each value read back as written */
	snprintf(text, sizeof(text), "%s", nodes);
	c = parse_ok(text);
	assert_int_equal(c->replication_auth, REPLICATION_AUTH_SCRAM);
	cluster_free(c);
	snprintf(text, sizeof(text), "[cluster]\nreplication_auth = SCRAM+cert\n%s", nodes);
	c = parse_ok(text);
	assert_int_equal(c->replication_auth, REPLICATION_AUTH_SCRAM_CERT);
	cluster_free(c);
	snprintf(text, sizeof(text), "[cluster]\nreplication_auth = cert\n%s", nodes);
	c = parse_ok(text);
	assert_int_equal(c->replication_auth, REPLICATION_AUTH_CERT);
	assert_string_equal(cluster_replication_auth_name(c->replication_auth), "cert");
	cluster_free(c);
}

static void
test_error_bad_role(void **state)
{
	assert_error("[node \"a\"]\nhost = h\nrole = master\n", 3, "invalid role \"master\"");
	assert_error("[node \"a\"]\nhost = h\nrole = Primary\n", 3, "invalid role");
	assert_error("[node \"a\"]\nhost = h\nrole =\n", 3, "invalid role");
}

static void
test_error_bad_service(void **state)
{
	static const char *const bad[] = {
		"systemctl postgresql", "pg_ctlcluster 15", "pg_ctlcluster x main",
		"pg_ctlcluster 15 main extra", "systemd", "systemd a b", "pg_ctl x",
		"systemd -H host", "pg_ctlcluster 15 --foreground",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char		text[256];

		snprintf(text, sizeof(text), "[node \"a\"]\nrole = primary\nhost = h\nservice = %s\n", bad[i]);
		assert_error(text, 4, "invalid service");
	}
}

static void
test_error_bad_ssh(void **state)
{
	assert_error("[node \"a\"]\n" NODE_OK "ssh = -oProxyCommand=sh\n", 4, "invalid ssh target");
	assert_error("[node \"a\"]\n" NODE_OK "ssh = user@host extra\n", 4, "invalid ssh target");
	cluster_free(parse_ok("[node \"a\"]\n" NODE_OK "ssh = local\n"));
	cluster_free(parse_ok("[node \"a\"]\n" NODE_OK "ssh = u@[::1]:2222\n"));
}

/*
 * A data directory that pg_ctl's shell line would run (or break), for every
 * node whatever its service; from the file and from a cluster built in
 * memory (the wizard's), before any command can see it.
 */
static void
test_error_bad_pgdata(void **state)
{
	static const char *const bad[] = {
		"/srv/x$(touch /tmp/pwned)y", "/srv/`id`", "/srv/a\"b", "/srv/a\\b",
		"/srv/$HOME", "relative/dir", "/srv/\x1b[2Jx",
	};
	cluster    *c = parse_ok(design_example);
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;

	assert_error("[node \"a\"]\n" NODE_OK "pgdata = \"/srv/x$(touch /tmp/p)y\"\n", 4,
				 "cannot pass safely");
	assert_error("[node \"a\"]\n" NODE_OK "service = pg_ctlcluster 16 main\npgdata = /srv/`id`\n", 5,
				 "invalid data directory \"/srv/`id`\" for node \"a\"");
	assert_error("[node \"a\"]\n" NODE_OK "pgdata = data\n", 4, "not an absolute path");
	assert_error("[node \"a\"]\n" NODE_OK "pgdata = \"/srv/\x1b]0;x\"\n", 4, "control character");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(cluster_pgdata_problem(bad[i]));
	assert_null(cluster_pgdata_problem("/srv/da ta'q;#&|<>(){}*?~!/data"));
	cluster_free(parse_ok("[node \"a\"]\n" NODE_OK "pgdata = \"/srv/da ta'q\"\n"));

	/* in memory: the formatter refuses it too (the wizard's way) */
	set_str(&c->nodes[1].pgdata, "/srv/$(reboot)");
	out = cluster_format(c);
	assert_null(cluster_parse(out, PATH, &err));
	assert_non_null(strstr(err.message, "cannot pass safely"));
	pgr_error_clear(&err);
	free(out);
	cluster_free(c);
}

/*
 * The parser's memory stays in proportion to a cluster file: more lines or
 * nodes than any cluster has, or more bytes, are refused with the reason;
 * the duplicate check (one table of slot names) still finds every clash.
 */
static void
test_error_huge_files(void **state)
{
	strbuf		sb;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;

	/* 999 nodes, then a clash with the very first one */
	strbuf_init(&sb);
	strbuf_append(&sb, "[node \"n0\"]\nrole = primary\nhost = h\n");
	for (int i = 1; i < 999; i++)
		strbuf_appendf(&sb, "[node \"n%d\"]\nrole = standby\nhost = h\n", i);
	strbuf_append(&sb, "[node \"N0\"]\nrole = standby\nhost = h\n");
	assert_error(sb.data, 2998, "duplicate node \"N0\"");
	sb.len -= strlen("[node \"N0\"]\nrole = standby\nhost = h\n");
	sb.data[sb.len] = '\0';
	/* the 1000th node is fine; one with its slot name is not */
	strbuf_append(&sb, "[node \"n5-x\"]\nrole = standby\nhost = h\n");
	c = parse_ok(sb.data);
	assert_int_equal(c->n_nodes, 1000);
	cluster_free(c);
	strbuf_append(&sb, "[node \"N5_X\"]\nhost = h\n");
	assert_error(sb.data, 3001, "would have the same replication slot name \"n5_x\"");
	sb.len -= strlen("[node \"N5_X\"]\nhost = h\n");
	sb.data[sb.len] = '\0';
	/* the 1001st is refused */
	strbuf_append(&sb, "[node \"n1000\"]\nrole = standby\nhost = h\n");
	assert_error(sb.data, 3001, "more than 1000 nodes");
	strbuf_free(&sb);

	/* 100000 lines are too many, even blank ones */
	strbuf_init(&sb);
	strbuf_append(&sb, "[node \"a\"]\n" NODE_OK);
	for (int i = 0; i < 100000; i++)
		strbuf_append_char(&sb, '\n');
	c = cluster_parse(sb.data, PATH, &err);
	assert_null(c);
	assert_non_null(strstr(err.message, "more than 100000 lines"));
	pgr_error_clear(&err);
	strbuf_free(&sb);

	/* more than 4 MiB, in one long comment: refused whatever it holds */
	strbuf_init(&sb);
	strbuf_append(&sb, "[node \"a\"]\n" NODE_OK "# ");
	for (int i = 0; i < 4 * 1024 * 1024; i++)
		strbuf_append_char(&sb, 'x');
	c = cluster_parse(sb.data, PATH, &err);
	assert_null(c);
	assert_non_null(strstr(err.message, "too large"));
	pgr_error_clear(&err);
	strbuf_free(&sb);
}

static void
test_error_missing_host(void **state)
{
	assert_error("[cluster]\n\n[node \"a\"]\nrole = primary\nport = 5433\n", 3,
				 "node \"a\" has no host");
	assert_error("[node \"a\"]\nrole = primary\nhost =\n", 3, "empty host");
}

static void
test_error_missing_role(void **state)
{
	assert_error("[node \"a\"]\n" NODE_OK "\n[node \"b\"]\nhost = h\n", 5,
				 "node \"b\" has no role");
}

static void
test_error_two_primaries(void **state)
{
	static const char text[] = "[node \"a\"]\n" NODE_OK
		"[node \"b\"]\nhost = h\n\nrole = primary\n";

	assert_error(text, 7, "two primaries: \"a\" (line 2) and \"b\" (line 7)");
}

static void
test_error_no_primary(void **state)
{
	assert_error("[cluster]\n[node \"a\"]\nrole = standby\nhost = h\n"
				 "[node \"b\"]\nrole = standby\nhost = h\n", 2, "no primary");
	assert_error("[cluster]\nname = x\n", 2, "no primary");
	assert_error("", 1, "no primary");
}

static void
test_error_bad_upstream(void **state)
{
	const char *hint;
	static const char unknown[] = "[node \"a\"]\n" NODE_OK
		"[node \"b\"]\nrole = standby\nhost = h\nupstream = c\n";

	assert_error(unknown, 7, "upstream \"c\" of node \"b\" is not a node");
	hint = hint_of(unknown);
	assert_non_null(strstr(hint, "a, b"));
	assert_error("[node \"a\"]\n" NODE_OK
				 "[node \"b\"]\nrole = standby\nupstream = b\nhost = h\n", 6,
				 "node \"b\" cannot be its own upstream");
	assert_error("[node \"a\"]\n" NODE_OK "upstream = b\n"
				 "[node \"b\"]\nrole = standby\nhost = h\n", 4,
				 "the primary \"a\" cannot have an upstream");
	assert_error("[node \"a\"]\n" NODE_OK
				 "[node \"b\"]\nrole = standby\nupstream = c\nhost = h\n"
				 "[node \"c\"]\nrole = standby\nupstream = b\nhost = h\n", 6,
				 "go round in a circle");
	/* the upstream is a node name: case matters */
	assert_error("[node \"a\"]\n" NODE_OK
				 "[node \"b\"]\nrole = standby\nupstream = A\nhost = h\n", 6,
				 "upstream \"A\"");
}

static void
test_error_bad_node_name(void **state)
{
	static const char *const bad[] = {"-x", "_x", ".x", "a b", "a/b", "a\"", "", "\xc3\xa9t\xc3\xa9",
	"a;b", "x$(id)"};
	char		text[256];
	char		long_name[65];
	const char *hint;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		snprintf(text, sizeof(text), "; c\n[node \"%s\"]\n" NODE_OK, bad[i]);
		/* "a\"" does not even make a header */
		assert_error(text, 2, strchr(bad[i], '"') ? "section header" : "invalid node name");
	}
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	snprintf(text, sizeof(text), "[node \"%s\"]\n" NODE_OK, long_name);
	assert_error(text, 1, "invalid node name");
	hint = hint_of(text);
	assert_non_null(strstr(hint, "application_name"));
	assert_non_null(strstr(hint, "slot"));
	assert_non_null(strstr(hint, "63"));
}

/* Control characters from the file do not reach the terminal. */
static void
test_error_messages_are_sanitized(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_parse("[node \"a\"]\n" NODE_OK "port = \x1b[2J\x07\n", PATH, &err);

	assert_null(c);
	assert_null(strchr(err.message, '\x1b'));
	assert_null(strchr(err.message, '\x07'));
	assert_non_null(strstr(err.message, "?[2J?"));
	pgr_error_clear(&err);
}

static void
test_load_missing_file(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_load("/nonexistent/pgreplica.conf", &err);

	assert_null(c);
	assert_non_null(strstr(err.message, "\"/nonexistent/pgreplica.conf\""));
	assert_non_null(err.hint);
	pgr_error_clear(&err);
}

/* ---- format ------------------------------------------------------------------- */

static void
test_format_round_trips_byte_for_byte(void **state)
{
	assert_round_trip(design_example);
	assert_round_trip(commented);
	assert_round_trip("[node \"a\"]\nrole=primary\nhost=h");	/* no final newline */
	assert_round_trip("[cluster]\r\nssl = YES\r\n[node \"a\"]\r\nrole = primary\r\nhost = h\r\n");
	assert_round_trip("\n\n  [ node  \"a\" ]  \n\trole\t=\tprimary\t\n host = \"h\" ; q\n\n\n");
	assert_round_trip("[node \"a\"]\nrole = primary\nhost = h\nport = 05432\nservice =  systemd  x \n");
}

static void
test_format_changed_value_keeps_comment(void **state)
{
	cluster    *c = parse_ok(commented);
	char	   *out;

	cluster_find_node(c, "pg1")->port = 5433;
	set_str(&c->name, "staging");
	out = format_and_check(c);
	assert_non_null(strstr(out, "\nport = 5433          # default\n"));
	assert_non_null(strstr(out, "\nname = staging          ; shown in the title\n"));
	/* nothing else moved */
	assert_int_equal(strlen(out), strlen(commented) + 3);
	free(out);
	cluster_free(c);
}

static void
test_format_role_switch_keeps_comments(void **state)
{
	cluster    *c = parse_ok(commented);
	cluster    *d;
	char	   *once;
	char	   *back;
	static const char *const comments[] = {
		"# pgreplica cluster file\n", "; kept by hand and by pgreplica\n",
		"# the cluster\n", "; shown in the title\n", "; the writer\n",
		"; changes on promotion\n", "# default\n", "   ; indented comment\n",
		"# the reader\n", "; follows the writer\n", "# trailing comment of pg2\n",
	};

	switch_primary(c, "pg2");
	once = format_and_check(c);
	for (size_t i = 0; i < sizeof(comments) / sizeof(comments[0]); i++)
		if (!strstr(once, comments[i]))
			fail_msg("comment \"%s\" lost:\n%s", comments[i], once);
	assert_non_null(strstr(once, "[node \"pg1\"]\nrole = standby       ; changes on promotion\n"));
	assert_non_null(strstr(once, "[node \"pg2\"]\nrole = primary       ; changes on promotion\n"));
	/* the old primary now follows pg2 (a new line at the end of its section) */
	assert_non_null(strstr(once, "port = 5432          # default\nupstream = pg2\n"
						   "   ; indented comment\n\n# the reader\n"));

	/* back, from the same text: the original file */
	switch_primary(c, "pg1");
	back = cluster_format(c);
	assert_string_equal(back, commented);
	free(back);

	/* back, from the rewritten file: the original file too */
	d = parse_ok(once);
	switch_primary(d, "pg1");
	back = format_and_check(d);
	assert_string_equal(back, commented);
	free(back);
	free(once);
	cluster_free(d);
	cluster_free(c);
}

static void
test_format_new_key_goes_to_its_section(void **state)
{
	cluster    *c = parse_ok(commented);
	char	   *out;
	cluster_node *pg2 = cluster_find_node(c, "pg2");

	set_str(&pg2->pgdata, "/srv/pg");
	pg2->service.kind = SERVICE_SYSTEMD;
	set_str(&pg2->service.name, "postgresql@15-main");
	c->ssl = false;
	out = format_and_check(c);
	assert_non_null(strstr(out, "name = prod          ; shown in the title\nssl = off\n\n; the writer\n"));
	assert_non_null(strstr(out, "host = 10.0.0.2\npgdata = /srv/pg\nservice = systemd postgresql@15-main\n"
						   "# trailing comment of pg2\n"));
	free(out);
	cluster_free(c);
}

static void
test_format_new_and_removed_nodes(void **state)
{
	cluster    *c = parse_ok(design_example);
	cluster_node *n;
	char	   *out;
	const char *pg3;

	/* remove pg2 */
	free(c->nodes[1].name);
	free(c->nodes[1].upstream);
	free(c->nodes[1].host);
	free(c->nodes[1].dbuser);
	free(c->nodes[1].dbname);
	free(c->nodes[1].ssh);
	free(c->nodes[1].pgdata);
	free(c->nodes[1].service.version);
	free(c->nodes[1].service.name);
	/* and put pg3 in its place */
	n = &c->nodes[1];
	memset(n, 0, sizeof(*n));
	n->name = strdup("pg3");
	n->role = NODE_STANDBY;
	n->host = strdup("172.17.0.4");
	n->port = 5433;
	n->dbuser = strdup("postgres");
	n->dbname = strdup("postgres");
	n->ssh = strdup("local");
	n->pgdata = strdup("/data/with space;and#hash");
	out = format_and_check(c);

	assert_null(strstr(out, "pg2"));
	assert_null(strstr(out, "172.17.0.3"));
	pg3 = strstr(out, "\n\n[node \"pg3\"]\n");
	assert_non_null(pg3);
	assert_string_equal(pg3, "\n\n[node \"pg3\"]\nrole = standby\nhost = 172.17.0.4\nport = 5433\n"
						"dbuser = postgres\nssh = local\npgdata = \"/data/with space;and#hash\"\n"
						"service = pg_ctl\n");
	/* everything before is the example up to pg1's section, unchanged */
	assert_memory_equal(out, design_example, (size_t) (pg3 - out) + 1);
	free(out);
	cluster_free(c);
}

static void
test_format_removed_node_takes_its_comments(void **state)
{
	cluster    *c = parse_ok(commented);
	char	   *out;

	/* drop pg1 by moving pg2 over it */
	cluster_node old = c->nodes[0];

	c->nodes[0] = c->nodes[1];
	c->n_nodes = 1;
	c->nodes[0].role = NODE_PRIMARY;
	set_str(&c->nodes[0].upstream, NULL);
	out = format_and_check(c);
	assert_string_equal(out,
						"# pgreplica cluster file\n"
						"; kept by hand and by pgreplica\n"
						"\n"
						"[cluster]            # the cluster\n"
						"name = prod          ; shown in the title\n"
						"\n"
						"# the reader\n"
						"[node \"pg2\"]\n"
						"role = primary       ; changes on promotion\n"
						"upstream =        ; follows the writer\n"
						"host = 10.0.0.2\n"
						"# trailing comment of pg2\n");
	free(out);
	/* put pg1 back for cluster_free */
	c->nodes[1] = c->nodes[0];
	c->nodes[0] = old;
	c->n_nodes = 2;
	cluster_free(c);
}

static void
test_format_hostile_values(void **state)
{
	static const char *const values[] = {
		"\"quoted\"", "'single'", "  leading", "trailing  ", "a ; b", "a # b", "a;b#c",
		"$(touch /tmp/x)", "`id`", "back\\slash\\", "\\\"", "\t", "\"", "x\"", "\r",
		"\xc3\xa9t\xc3\xa9", "=", "[node \"x\"]", "\"ends with a backslash\\",
		"; \\\" \\", " \\",
	};
	cluster    *c = parse_ok(design_example);

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
	{
		char	   *out;
		cluster    *d;

		set_str(&c->archive_command, values[i]);
		if (!cluster_pgdata_problem(values[i]))
			set_str(&c->nodes[1].pgdata, values[i]);
		set_str(&c->nodes[0].host, values[i]);
		out = format_and_check(c);
		d = parse_ok(out);
		assert_string_equal(d->archive_command, values[i]);
		assert_string_equal(d->nodes[0].host, values[i]);
		cluster_free(d);
		free(out);
	}
	cluster_free(c);
}

/* Values become empty: a line without comment goes, one with a comment stays. */
static void
test_format_value_removed(void **state)
{
	cluster    *c = parse_ok("[cluster]\narchive_command = cp a b ; how\ntrigger_file = /t\n"
							 "[node \"a\"]\nrole = primary\nhost = h\nbindir = /b\n");
	char	   *out;

	set_str(&c->archive_command, NULL);
	set_str(&c->trigger_file, NULL);
	set_str(&c->nodes[0].bindir, NULL);
	out = format_and_check(c);
	assert_string_equal(out, "[cluster]\narchive_command =  ; how\n"
						"[node \"a\"]\nrole = primary\nhost = h\n");
	free(out);
	cluster_free(c);
}

static void
test_format_without_text(void **state)
{
	cluster    *c = parse_ok(design_example);
	char	   *out;

	free(c->text);
	c->text = NULL;
	out = format_and_check(c);
	assert_true(strncmp(out, "[cluster]\nname = prod\nreplication_user = replicate\n", 51) == 0);
	free(out);
	cluster_free(c);
}

static void
test_format_adds_missing_cluster_section(void **state)
{
	cluster    *c = parse_ok("; my nodes\n\n[node \"a\"]\nrole = primary\nhost = h\n");
	char	   *out;

	set_str(&c->name, "new");
	c->slots = false;
	out = format_and_check(c);
	assert_string_equal(out, "; my nodes\n\n[cluster]\nname = new\nreplication_user = replicator\n"
						"ssl = on\nslots = off\nsync = off\n\n[node \"a\"]\nrole = primary\nhost = h\n");
	free(out);
	cluster_free(c);
}

static void
test_format_keeps_crlf_and_missing_final_newline(void **state)
{
	cluster    *c = parse_ok("[node \"a\"]\r\nrole = primary\r\nhost = h\r\n");
	char	   *out;

	set_str(&c->nodes[0].bindir, "/b");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\r\nrole = primary\r\nhost = h\r\nbindir = /b\r\n");
	free(out);
	cluster_free(c);

	c = parse_ok("[node \"a\"]\nrole = primary\nhost = h");
	set_str(&c->nodes[0].bindir, "/b");
	out = format_and_check(c);
	assert_string_equal(out, "[node \"a\"]\nrole = primary\nhost = h\nbindir = /b\n");
	free(out);
	cluster_free(c);
}

/*
 * A comment glued to a value ("x";c) or an empty value must stay a comment;
 * a value written after a bare "key =" gets its blank.
 */
static void
test_format_glued_comment(void **state)
{
	cluster    *c = parse_ok("[cluster]\nname = \"x\";c\ntrigger_file = ;t\n"
							 "archive_command =\n"
							 "[node \"a\"]\nrole = primary\nhost = h\n");
	char	   *out;

	set_str(&c->name, "y");
	set_str(&c->trigger_file, "/z");
	set_str(&c->archive_command, "true");
	out = format_and_check(c);
	assert_string_equal(out, "[cluster]\nname = y ;c\ntrigger_file = /z ;t\n"
						"archive_command = true\n"
						"[node \"a\"]\nrole = primary\nhost = h\n");
	free(out);
	cluster_free(c);
}

/* ---- random files ---------------------------------------------------------------- */

static uint64_t rng_state;

static unsigned
rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned) (((rng_state * 2685821657736338717ULL) >> 33) % n);
}

static const char *const value_pool[] = {
	"a", "with space", "semi;colon", "semi ;colon", "hash #x", "h#x", " lead", "trail ",
	"\"starts quoted", "q\"uote", "back\\slash", "\\", "$(touch /tmp/x)", "`id`",
	"\xc3\xa9t\xc3\xa9", "'s'", "=", "[cluster]", "a\tb", "x ; y # z",
};
#define POOL_N (sizeof(value_pool) / sizeof(value_pool[0]))

static const char *
blanks(void)
{
	static const char *const b[] = {"", " ", "  ", "\t", " \t "};

	return b[rnd(5)];
}

static bool
must_quote(const char *v)
{
	size_t		n = strlen(v);

	return n > 0 && (v[0] == ' ' || v[0] == '\t' || v[n - 1] == ' ' ||
					 v[n - 1] == '\t' || v[0] == '"' || strchr(v, ';') || strchr(v, '#'));
}

/* One "key = value [comment]" line with random layout and quoting. */
static void
gen_setting(strbuf *sb, const char *key, const char *v, const char *eol)
{
	bool		quote = must_quote(v) || rnd(3) == 0;

	strbuf_append(sb, blanks());
	strbuf_append(sb, key);
	strbuf_append(sb, blanks());
	strbuf_append_char(sb, '=');
	strbuf_append(sb, blanks());
	if (quote)
	{
		strbuf_append_char(sb, '"');
		for (const char *p = v; *p; p++)
		{
			if (*p == '"' || *p == '\\')
				strbuf_append_char(sb, '\\');
			strbuf_append_char(sb, *p);
		}
		strbuf_append_char(sb, '"');
	}
	else
		strbuf_append(sb, v);
	if (rnd(3) == 0)
	{
		/* a comment needs a blank before it, except after a quote */
		strbuf_append(sb, quote && rnd(2) ? "" : " ");
		strbuf_append(sb, rnd(2) ? "; note = x" : "# [node \"fake\"]");
	}
	else if (rnd(4) == 0)
		strbuf_append(sb, blanks());
	strbuf_append(sb, eol);
	if (rnd(5) == 0)
		strbuf_append(sb, rnd(2) ? eol : "  ; a comment line\n");
}

static const char *
pool_value(void)
{
	return value_pool[rnd(POOL_N)];
}

/*
 * A random valid file; `want` receives what parsing it must give (built
 * independently of cluster.c's parser).
 */
static char *
gen_file(cluster *want)
{
	static const char *const names[] = {"pg1", "n-2", "db.3", "X_4", "5five"};
	static const char *const yes[] = {"on", "true", "yes", "1", "ON", "True"};
	static const char *const no[] = {"off", "false", "no", "0", "OFF", "No"};
	const char *eol = rnd(4) == 0 ? "\r\n" : "\n";
	strbuf		sb;
	int			n_nodes = 1 + (int) rnd(4);
	int			primary = (int) rnd((unsigned) n_nodes);

	memset(want, 0, sizeof(*want));
	want->replication_user = strdup("replicator");
	want->ssl = CLUSTER_DEFAULT_SSL;
	want->slots = CLUSTER_DEFAULT_SLOTS;
	strbuf_init(&sb);
	if (rnd(2))
	{
		strbuf_append(&sb, "# generated");
		strbuf_append(&sb, eol);
	}
	if (rnd(5) != 0)
	{
		strbuf_append(&sb, rnd(2) ? "[cluster]" : " [ cluster ] ; the cluster");
		strbuf_append(&sb, eol);
		for (int k = 0; k < 7; k++)
		{
			const char *v = pool_value();

			if (rnd(2))
				continue;
			switch (k)
			{
				case 0:
					gen_setting(&sb, "name", v, eol);
					set_str(&want->name, v);
					break;
				case 1:
					gen_setting(&sb, "replication_user", v, eol);
					set_str(&want->replication_user, v);
					break;
				case 2:
				case 3:
					{
						bool		b = rnd(2);

						gen_setting(&sb, k == 2 ? "ssl" : "slots", b ? yes[rnd(6)] : no[rnd(6)], eol);
						if (k == 2)
							want->ssl = b;
						else
							want->slots = b;
						break;
					}
				case 4:
					{
						const char *sv = rnd(2) ? "off" : v;

						gen_setting(&sb, "sync", sv, eol);
						set_str(&want->sync, strcmp(sv, "off") == 0 ? NULL : sv);
						break;
					}
				case 5:
					gen_setting(&sb, "archive_command", v, eol);
					set_str(&want->archive_command, v);
					break;
				case 6:
					gen_setting(&sb, "trigger_file", v, eol);
					set_str(&want->trigger_file, v);
					break;
			}
		}
	}
	want->nodes = calloc((size_t) n_nodes, sizeof(cluster_node));
	want->n_nodes = n_nodes;
	for (int i = 0; i < n_nodes; i++)
	{
		cluster_node *n = &want->nodes[i];
		char		port[16];

		if (sb.len > 0 || rnd(2))
			strbuf_append(&sb, eol);
		strbuf_appendf(&sb, rnd(2) ? "[node \"%s\"]" : "[ node   \"%s\" ]  # node", names[i]);
		strbuf_append(&sb, eol);
		n->name = strdup(names[i]);
		n->role = i == primary ? NODE_PRIMARY : NODE_STANDBY;
		n->port = 5432;
		n->dbuser = strdup("postgres");
		n->dbname = strdup("postgres");
		gen_setting(&sb, "role", node_role_name(n->role), eol);
		if (i != primary && rnd(2))
		{
			gen_setting(&sb, "upstream", names[primary], eol);
			n->upstream = strdup(names[primary]);
		}
		n->host = strdup(pool_value());
		gen_setting(&sb, "host", n->host, eol);
		if (rnd(2))
		{
			n->port = 1 + (int) rnd(65535);
			snprintf(port, sizeof(port), rnd(4) ? "%d" : "00%d", n->port);
			gen_setting(&sb, "port", port, eol);
		}
		if (rnd(2))
		{
			set_str(&n->dbname, pool_value());
			gen_setting(&sb, "dbname", n->dbname, eol);
		}
		if (rnd(2))
		{
			n->ssh = strdup(rnd(2) ? "local" : "postgres@db:2222");
			gen_setting(&sb, "ssh", n->ssh, eol);
		}
		if (rnd(2))
		{
			/* any value of the pool, made absolute; one the file refuses is left out */
			char	   *v = NULL;

			if (asprintf(&v, "/%s", pool_value()) < 0)
				abort();
			if (!cluster_pgdata_problem(v))
			{
				n->pgdata = v;
				gen_setting(&sb, "pgdata", n->pgdata, eol);
			}
			else
				free(v);
		}
		switch (rnd(4))
		{
			case 0:
				gen_setting(&sb, "service", "pg_ctlcluster   16 main", eol);
				n->service.kind = SERVICE_PG_CTLCLUSTER;
				n->service.version = strdup("16");
				n->service.name = strdup("main");
				break;
			case 1:
				gen_setting(&sb, "service", "systemd postgresql@16-main", eol);
				n->service.kind = SERVICE_SYSTEMD;
				n->service.name = strdup("postgresql@16-main");
				break;
			case 2:
				gen_setting(&sb, "service", "pg_ctl", eol);
				break;
			default:
				break;
		}
	}
	/* sometimes no final line break */
	if (rnd(4) == 0)
		while (sb.len > 0 && (sb.data[sb.len - 1] == '\n' || sb.data[sb.len - 1] == '\r'))
			sb.data[--sb.len] = '\0';
	return strbuf_detach(&sb);
}

/* Random edits of a parsed cluster, the kind pgreplica and operators make. */
static void
random_edits(cluster *c)
{
	int			edits = 1 + (int) rnd(4);

	for (int e = 0; e < edits; e++)
	{
		cluster_node *n = &c->nodes[rnd((unsigned) c->n_nodes)];

		switch (rnd(9))
		{
			case 0:
				switch_primary(c, n->name);
				break;
			case 1:
				c->ssl = !c->ssl;
				break;
			case 2:
				set_str(&c->name, rnd(3) ? pool_value() : NULL);
				break;
			case 3:
				{
					/* a data directory the file accepts, or none */
					const char *v = rnd(3) ? pool_value() : NULL;

					set_str(&n->pgdata, v && !cluster_pgdata_problem(v) ? v : NULL);
				}
				break;
			case 4:
				n->port = 1 + (int) rnd(65535);
				break;
			case 5:
				set_str(&c->archive_command, rnd(3) ? pool_value() : NULL);
				break;
			case 6:
				set_str(&n->host, pool_value());
				break;
			case 7:
				/* a new standby */
				{
					char		name[16];
					cluster_node *m;

					snprintf(name, sizeof(name), "new%d", c->n_nodes);
					if (cluster_find_node(c, name))
						break;
					c->nodes = realloc(c->nodes, (size_t) (c->n_nodes + 1) * sizeof(cluster_node));
					m = &c->nodes[c->n_nodes++];
					memset(m, 0, sizeof(*m));
					m->name = strdup(name);
					m->role = NODE_STANDBY;
					m->host = strdup(pool_value());
					m->port = 5432;
					m->dbuser = strdup("postgres");
					m->dbname = strdup(rnd(2) ? "postgres" : pool_value());
					break;
				}
			case 8:
				/* drop a standby nobody follows */
				{
					int			i = (int) (n - c->nodes);
					bool		followed = false;

					if (n->role == NODE_PRIMARY || c->n_nodes < 2)
						break;
					for (int j = 0; j < c->n_nodes; j++)
						if (c->nodes[j].upstream && strcmp(c->nodes[j].upstream, n->name) == 0)
							followed = true;
					if (followed)
						break;
					free(n->name);
					free(n->upstream);
					free(n->host);
					free(n->dbuser);
					free(n->dbname);
					free(n->ssh);
					free(n->pgdata);
					free(n->bindir);
					free(n->service.version);
					free(n->service.name);
					memmove(n, n + 1, (size_t) (c->n_nodes - i - 1) * sizeof(cluster_node));
					c->n_nodes--;
					break;
				}
		}
	}
}

static void
test_random_files_round_trip(void **state)
{
	rng_state = 0xC0FFEE123456789ULL;
	for (int iter = 0; iter < 3000; iter++)
	{
		cluster		want;
		char	   *text = gen_file(&want);
		cluster    *c = parse_ok(text);
		char	   *out;

		/* what the generator meant */
		assert_clusters_equal(&want, c);
		/* format(parse(x)) == x, parse(format(parse(x))) == parse(x) */
		assert_round_trip(text);
		/* edits come back through the file */
		random_edits(c);
		out = format_and_check(c);
		/* and a second rewrite from the rewritten text is stable */
		{
			cluster    *d = parse_ok(out);
			char	   *again;

			random_edits(d);
			again = format_and_check(d);
			free(again);
			cluster_free(d);
		}
		free(out);
		free(text);
		cluster_free(c);
		free(want.name);
		free(want.replication_user);
		free(want.sync);
		free(want.archive_command);
		free(want.trigger_file);
		for (int i = 0; i < want.n_nodes; i++)
		{
			free(want.nodes[i].name);
			free(want.nodes[i].upstream);
			free(want.nodes[i].host);
			free(want.nodes[i].dbuser);
			free(want.nodes[i].dbname);
			free(want.nodes[i].ssh);
			free(want.nodes[i].pgdata);
			free(want.nodes[i].service.version);
			free(want.nodes[i].service.name);
		}
		free(want.nodes);
	}
}

/* ---- save -------------------------------------------------------------------- */

typedef struct save_fixture
{
	char		dir[64];
	char	   *path;
	char	   *old_cwd;
	char	   *old_xdg;
	char	   *old_home;
} save_fixture;

static int
save_setup(void **state)
{
	save_fixture *f = calloc(1, sizeof(*f));
	const char *x = getenv("XDG_CONFIG_HOME");
	const char *h = getenv("HOME");

	strcpy(f->dir, "/tmp/pgr-test-cluster-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (asprintf(&f->path, "%s/cluster.conf", f->dir) < 0)
		return -1;
	f->old_cwd = getcwd(NULL, 0);
	f->old_xdg = x ? strdup(x) : NULL;
	f->old_home = h ? strdup(h) : NULL;
	*state = f;
	return 0;
}

static int
save_teardown(void **state)
{
	save_fixture *f = *state;
	char	   *cmd;

	if (f->old_cwd && chdir(f->old_cwd) < 0)
		return -1;
	if (f->old_xdg)
		setenv("XDG_CONFIG_HOME", f->old_xdg, 1);
	else
		unsetenv("XDG_CONFIG_HOME");
	if (f->old_home)
		setenv("HOME", f->old_home, 1);
	else
		unsetenv("HOME");
	if (asprintf(&cmd, "rm -rf '%s'", f->dir) >= 0)
	{
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", f->dir);
		free(cmd);
	}
	free(f->path);
	free(f->old_cwd);
	free(f->old_xdg);
	free(f->old_home);
	free(f);
	return 0;
}

static char *
read_all(const char *path)
{
	FILE	   *fp = fopen(path, "rb");
	char	   *buf = calloc(1, 65536);
	size_t		n;

	assert_non_null(fp);
	n = fread(buf, 1, 65535, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
write_all(const char *path, const char *text, mode_t mode)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
count_entries(const char *dir)
{
	char	   *cmd;
	FILE	   *p;
	int			n = -1;

	/* the cluster's lock file stays beside it (cluster_lock.h) */
	assert_true(asprintf(&cmd, "ls -A '%s' | grep -v '\\.lock$' | wc -l", dir) >= 0);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%d", &n), 1);
	pclose(p);
	free(cmd);
	return n;
}

static void
test_save_new_file(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = parse_ok(design_example);
	cluster    *d;
	struct stat st;
	char	   *text;
	mode_t		old_umask = umask(077);

	free(c->path);
	c->path = strdup(f->path);
	c->nodes[0].port = 5444;
	assert_int_equal(cluster_save(c, &err), 0);
	umask(old_umask);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	text = read_all(f->path);
	assert_string_equal(text, c->text);	/* the text is the file's now */
	d = cluster_load(f->path, &err);
	assert_non_null(d);
	assert_clusters_equal(c, d);
	assert_int_equal(d->nodes[0].port, 5444);
	assert_int_equal(count_entries(f->dir), 1);	/* no temporary left */
	free(text);
	cluster_free(c);
	cluster_free(d);
}

static void
test_save_keeps_mode_and_replaces_atomically(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;
	struct stat st;
	char	   *text;
	char		before[8192];
	ssize_t		n;
	int			fd;

	write_all(f->path, commented, 0640);
	c = cluster_load(f->path, &err);
	assert_non_null(c);
	/* a reader that opened the file before the save ... */
	fd = open(f->path, O_RDONLY);
	assert_true(fd >= 0);
	switch_primary(c, "pg2");
	assert_int_equal(cluster_save(c, &err), 0);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	/* ... still reads the whole old file: it was replaced, not rewritten */
	n = read(fd, before, sizeof(before) - 1);
	assert_true(n >= 0);
	before[n] = '\0';
	close(fd);
	assert_string_equal(before, commented);
	text = read_all(f->path);
	assert_non_null(strstr(text, "[node \"pg2\"]\nrole = primary       ; changes on promotion\n"));
	assert_int_equal(count_entries(f->dir), 1);
	/* line numbers follow the new text */
	assert_int_equal(cluster_find_node(c, "pg2")->line, 16);
	free(text);
	cluster_free(c);
}

static void
test_save_refuses_line_break(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;
	char	   *text;

	write_all(f->path, design_example, 0644);
	c = cluster_load(f->path, &err);
	assert_non_null(c);
	set_str(&c->nodes[1].pgdata, "/data\n[node \"evil\"]");
	assert_int_equal(cluster_save(c, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "line break"));
	pgr_error_clear(&err);
	set_str(&c->nodes[1].pgdata, "/data");
	set_str(&c->nodes[1].client_bindir, "/bin\n[node \"evil\"]");
	assert_int_equal(cluster_save(c, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "line break"));
	pgr_error_clear(&err);
	set_str(&c->nodes[1].client_bindir, NULL);
	set_str(&c->archive_command, "cp %p /a\nrm -rf /");
	assert_int_equal(cluster_save(c, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "line break"));
	pgr_error_clear(&err);
	text = read_all(f->path);
	assert_string_equal(text, design_example);
	free(text);
	cluster_free(c);
}

static void
test_save_refuses_invalid_cluster(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;

	write_all(f->path, design_example, 0644);
	c = cluster_load(f->path, &err);
	assert_non_null(c);
	c->nodes[1].role = NODE_PRIMARY;
	assert_int_equal(cluster_save(c, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "two primaries"));
	pgr_error_clear(&err);
	c->nodes[1].role = NODE_STANDBY;
	set_str(&c->nodes[1].name, "bad name");
	assert_int_equal(cluster_save(c, &err), -1);
	assert_non_null(strstr(err.message, "invalid node name"));
	pgr_error_clear(&err);
	cluster_free(c);
}

static void
test_save_through_symlink(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;
	char	   *link;
	char	   *text;
	struct stat st;

	write_all(f->path, design_example, 0600);
	assert_true(asprintf(&link, "%s/link.conf", f->dir) >= 0);
	assert_int_equal(symlink("cluster.conf", link), 0);
	c = cluster_load(link, &err);
	assert_non_null(c);
	set_str(&c->name, "renamed");
	assert_int_equal(cluster_save(c, &err), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	text = read_all(f->path);
	assert_non_null(strstr(text, "name = renamed\n"));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	free(text);
	free(link);
	cluster_free(c);
}

/*
 * Two processes read the file; one promotes pg2 and saves; the other's save
 * (a stale text that still says pg1) is refused and the file keeps pg2.
 */
static void
test_save_refuses_stale_text(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *a,
			   *b;
	char	   *text;
	char	   *after_a;

	write_all(f->path, design_example, 0644);
	a = cluster_load(f->path, &err);
	b = cluster_load(f->path, &err);
	assert_non_null(a);
	assert_non_null(b);
	switch_primary(a, "pg2");
	assert_int_equal(cluster_save(a, &err), 0);
	after_a = read_all(f->path);

	b->nodes[0].port = 5444;	/* any change of its own */
	assert_int_equal(cluster_save(b, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_REFUSED);
	assert_non_null(strstr(err.message, "changed since pgreplica read it"));
	assert_non_null(err.hint);
	pgr_error_clear(&err);
	text = read_all(f->path);
	assert_string_equal(text, after_a);	/* pg2 is still the primary */
	free(text);

	/* a's own later save is not stale: its text is the file's */
	a->nodes[0].port = 5433;
	assert_int_equal(cluster_save(a, &err), 0);
	/* an editor's change is refused the same way */
	write_all(f->path, commented, 0644);
	a->nodes[0].port = 5434;
	assert_int_equal(cluster_save(a, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_REFUSED);
	pgr_error_clear(&err);
	text = read_all(f->path);
	assert_string_equal(text, commented);
	free(text);
	free(after_a);
	cluster_free(a);
	cluster_free(b);
}

/*
 * A process that acts holds the lock from load to save: another one's save
 * meanwhile is refused, naming the holder (flock locks belong to the open
 * file, so a second lock in one process conflicts like another process).
 */
static void
test_save_refused_while_locked(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *a,
			   *b;
	char	   *pid;

	write_all(f->path, design_example, 0644);
	a = cluster_load_locked(f->path, "promote pg2", &err);
	assert_non_null(a);
	b = cluster_load_locked(f->path, "follow pg1", &err);
	assert_null(b);
	assert_int_equal(err.kind, PGR_ERR_REFUSED);
	assert_true(asprintf(&pid, "Process %ld (\"promote pg2\")", (long) getpid()) > 0);
	assert_non_null(err.detail);
	assert_non_null(strstr(err.detail, pid));
	pgr_error_clear(&err);

	b = cluster_load(f->path, &err);
	assert_non_null(b);
	b->nodes[0].port = 5444;
	assert_int_equal(cluster_save(b, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_REFUSED);
	assert_non_null(strstr(err.detail, pid));
	pgr_error_clear(&err);

	/* the holder saves; once it lets go, b (stale now) is still refused */
	switch_primary(a, "pg2");
	assert_int_equal(cluster_save(a, &err), 0);
	cluster_free(a);
	assert_int_equal(cluster_save(b, &err), -1);
	assert_non_null(strstr(err.message, "changed since"));
	pgr_error_clear(&err);
	/* and a fresh load under the lock works again */
	a = cluster_load_locked(f->path, "promote pg1", &err);
	assert_non_null(a);
	assert_int_equal(cluster_primary(a) - a->nodes, cluster_find_node(a, "pg2") - a->nodes);
	free(pid);
	cluster_free(a);
	cluster_free(b);
}

static void
test_save_creates_xdg_directory(void **state)
{
	save_fixture *f = *state;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = parse_ok(design_example);
	char	   *xdg;
	char	   *expected;
	char	   *dir;
	char	   *path;
	struct stat st;

	assert_int_equal(chdir(f->dir), 0);
	assert_true(asprintf(&xdg, "%s/xdg", f->dir) >= 0);
	assert_true(asprintf(&expected, "%s/xdg/pgreplica/cluster.conf", f->dir) >= 0);
	assert_true(asprintf(&dir, "%s/xdg/pgreplica", f->dir) >= 0);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	path = cluster_default_path(NULL);
	assert_string_equal(path, expected);
	free(c->path);
	c->path = path;
	assert_int_equal(cluster_save(c, &err), 0);
	assert_int_equal(stat(dir, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(stat(expected, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	free(xdg);
	free(expected);
	free(dir);
	cluster_free(c);
}

static void
test_default_path(void **state)
{
	save_fixture *f = *state;
	char	   *p;
	char	   *expected;

	assert_int_equal(chdir(f->dir), 0);
	/* no ./pgreplica.conf: XDG, a relative XDG_CONFIG_HOME is ignored */
	setenv("XDG_CONFIG_HOME", "relative/dir", 1);
	setenv("HOME", "/home/someone", 1);
	p = cluster_default_path(NULL);
	assert_string_equal(p, "/home/someone/.config/pgreplica/cluster.conf");
	free(p);
	setenv("XDG_CONFIG_HOME", "/xdg", 1);
	p = cluster_default_path(NULL);
	assert_string_equal(p, "/xdg/pgreplica/cluster.conf");
	free(p);
	unsetenv("XDG_CONFIG_HOME");
	p = cluster_default_path(NULL);
	assert_string_equal(p, "/home/someone/.config/pgreplica/cluster.conf");
	free(p);
	/* ./pgreplica.conf wins when it exists */
	assert_true(asprintf(&expected, "%s/" CLUSTER_FILE_NAME, f->dir) >= 0);
	write_all(expected, "", 0644);
	assert_int_equal(chmod(f->dir, 0755), 0);
	p = cluster_default_path(NULL);
	assert_string_equal(p, CLUSTER_FILE_NAME);
	free(p);
	free(expected);
}

/* "./%s" not used, and why, with a hint naming -c */
static void
assert_untrusted(const char *why)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *p = cluster_default_path(&err);

	if (p)
		fail_msg("./" CLUSTER_FILE_NAME " used, expected a refusal saying \"%s\"", why);
	assert_non_null(err.message);
	if (!strstr(err.message, why))
		fail_msg("message \"%s\" does not say \"%s\"", err.message, why);
	assert_non_null(strstr(err.message, "./" CLUSTER_FILE_NAME "\" is not used"));
	assert_non_null(err.hint);
	assert_non_null(strstr(err.hint, "-c"));
	pgr_error_clear(&err);
}

/*
 * ./pgreplica.conf is used only when it is the operator's (or root's) and
 * neither it nor the current directory can be written by others.
 */
static void
test_default_path_untrusted(void **state)
{
	save_fixture *f = *state;
	char	   *file;
	char	   *p;

	assert_int_equal(chdir(f->dir), 0);
	setenv("HOME", "/home/someone", 1);
	unsetenv("XDG_CONFIG_HOME");
	assert_true(asprintf(&file, "%s/" CLUSTER_FILE_NAME, f->dir) >= 0);
	write_all(file, "", 0644);

	assert_int_equal(chmod(file, 0666), 0);
	assert_untrusted("others can write to it (mode 0666)");
	assert_int_equal(chmod(file, 0664), 0);
	assert_untrusted("others can write to it (mode 0664)");
	assert_int_equal(chmod(file, 0644), 0);
	assert_int_equal(chmod(f->dir, 01777), 0);	/* like /tmp */
	assert_untrusted("others can write to the current directory (mode 1777)");
	assert_int_equal(chmod(f->dir, 0775), 0);
	assert_untrusted("others can write to the current directory (mode 0775)");
	assert_int_equal(chmod(f->dir, 0755), 0);
	p = cluster_default_path(NULL);
	assert_string_equal(p, CLUSTER_FILE_NAME);
	free(p);
	if (geteuid() == 0)
	{
		/* someone else's file, or directory (nobody's id) */
		assert_int_equal(chown(file, 65534, (gid_t) -1), 0);
		assert_untrusted("belongs to the user with id 65534");
		assert_int_equal(chown(file, 0, (gid_t) -1), 0);
		assert_int_equal(chown(f->dir, 65534, (gid_t) -1), 0);
		assert_untrusted("the current directory belongs to the user with id 65534");
		assert_int_equal(chown(f->dir, 0, (gid_t) -1), 0);
	}
	else
		print_message("# not root: the owner checks were not run\n");
	free(file);
}

/* ---- the dashboard's thresholds ---------------------------------------------- */

static const char minimal_head[] = "[cluster]\n";
static const char minimal_nodes[] =
"\n[node \"pg1\"]\nrole = primary\nhost = 10.0.0.1\n"
"\n[node \"pg2\"]\nrole = standby\nhost = 10.0.0.2\n";

static char *
with_cluster_lines(const char *lines)
{
	strbuf		sb;

	strbuf_init(&sb);
	strbuf_append(&sb, minimal_head);
	strbuf_append(&sb, lines);
	strbuf_append(&sb, minimal_nodes);
	return strbuf_detach(&sb);
}

static void
test_thresholds_default(void **state)
{
	char	   *text = with_cluster_lines("");
	cluster    *c = parse_ok(text);
	char	   *out;

	(void) state;
	assert_true(c->lag_warn_bytes == 16LL * 1024 * 1024);
	assert_true(c->lag_warn_seconds == 10.0);
	/* the defaults are not written into a fresh file */
	out = cluster_format(c);
	assert_null(strstr(out, "lag_warn"));
	free(out);
	cluster_free(c);
	free(text);
}

static void
test_thresholds_units(void **state)
{
	char	   *text = with_cluster_lines("lag_warn_bytes = 1GB\nlag_warn_seconds = 500ms\n");
	cluster    *c = parse_ok(text);
	cluster    *again;
	char	   *out;

	(void) state;
	assert_true(c->lag_warn_bytes == 1024LL * 1024 * 1024);
	assert_true(c->lag_warn_seconds > 0.499 && c->lag_warn_seconds < 0.501);
	/* a rewrite reads back the same values */
	out = cluster_format(c);
	again = parse_ok(out);
	assert_true(again->lag_warn_bytes == c->lag_warn_bytes);
	assert_true(again->lag_warn_seconds == c->lag_warn_seconds);
	cluster_free(again);
	free(out);
	cluster_free(c);
	free(text);
}

static void
test_thresholds_refused(void **state)
{
	static const char *const bad[] = {
		"lag_warn_bytes = -1MB\n", "lag_warn_bytes = 16 MiB\n",
		"lag_warn_bytes = MB\n", "lag_warn_bytes = 0\n",
		"lag_warn_bytes = 99999999TB\n",
		"lag_warn_seconds = 0\n", "lag_warn_seconds = 10 years\n",
		"lag_warn_seconds = nan\n", "lag_warn_seconds = -5s\n",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *text = with_cluster_lines(bad[i]);

		assert_error(text, 2, "lag_warn_");
		free(text);
	}
}

/* clone_max_rate: pg_basebackup's --max-rate syntax, read back the same */
static void
test_clone_max_rate(void **state)
{
	static const char *const bad[] = {
		"clone_max_rate = 10MB\n", "clone_max_rate = 31k\n", "clone_max_rate = 1025M\n",
		"clone_max_rate = -10M\n", "clone_max_rate = 10 M\n", "clone_max_rate = fast\n",
	};
	char	   *text = with_cluster_lines("clone_max_rate = 10M\n");
	cluster    *c = parse_ok(text);
	cluster    *again;
	char	   *out;

	(void) state;
	assert_true(c->clone_max_rate_kb == 10240);
	out = cluster_format(c);
	again = parse_ok(out);
	assert_true(again->clone_max_rate_kb == 10240);
	cluster_free(again);
	free(out);
	cluster_free(c);
	free(text);
	text = with_cluster_lines("clone_max_rate = 500k\n");
	c = parse_ok(text);
	assert_true(c->clone_max_rate_kb == 500);
	cluster_free(c);
	free(text);
	/* none by default, and none written */
	text = with_cluster_lines("");
	c = parse_ok(text);
	assert_true(c->clone_max_rate_kb == 0);
	out = cluster_format(c);
	assert_null(strstr(out, "clone_max_rate"));
	free(out);
	cluster_free(c);
	free(text);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		text = with_cluster_lines(bad[i]);
		assert_error(text, 2, "clone_max_rate");
		free(text);
	}
}

/* clone_compression: read, written back the same, bad values refused */
static void
test_clone_compression(void **state)
{
	char	   *text = with_cluster_lines("clone_compression = zstd:5\n");
	cluster    *c = parse_ok(text);
	char	   *out;

	(void) state;
	assert_int_equal(c->clone_compression, BB_COMPRESS_ZSTD);
	assert_int_equal(c->clone_compression_level, 5);
	out = cluster_format(c);
	assert_non_null(strstr(out, "clone_compression = zstd:5"));
	free(out);
	cluster_free(c);
	free(text);
	text = with_cluster_lines("clone_compression = gzip\n");
	assert_error(text, 2, "clone_compression");
	free(text);
}

static void
test_parse_units(void **state)
{
	long long	b = 0;
	double		s = 0;

	(void) state;
	assert_int_equal(cluster_parse_bytes("16MB", &b), 0);
	assert_true(b == 16LL * 1024 * 1024);
	assert_int_equal(cluster_parse_bytes("512kB", &b), 0);
	assert_true(b == 512LL * 1024);
	assert_int_equal(cluster_parse_bytes("1.5GB", &b), 0);
	assert_true(b == 1536LL * 1024 * 1024);
	assert_int_equal(cluster_parse_bytes("4096", &b), 0);
	assert_true(b == 4096);
	assert_int_equal(cluster_parse_bytes("8 B", &b), 0);
	assert_true(b == 8);
	assert_int_equal(cluster_parse_bytes("16mb", &b), -1); /* units are case-sensitive, like postgresql.conf */
	assert_int_equal(cluster_parse_bytes("", &b), -1);
	assert_int_equal(cluster_parse_seconds("2min", &s), 0);
	assert_true(s == 120);
	assert_int_equal(cluster_parse_seconds("1h", &s), 0);
	assert_true(s == 3600);
	assert_int_equal(cluster_parse_seconds("250ms", &s), 0);
	assert_true(s > 0.249 && s < 0.251);
	assert_int_equal(cluster_parse_seconds("7", &s), 0);
	assert_true(s == 7);
	assert_int_equal(cluster_parse_seconds("7d", &s), -1);
	assert_int_equal(cluster_parse_seconds("inf", &s), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_design_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_values_mean_default),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_quoted_values),
		cmocka_unit_test(test_booleans),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_ssl_files),
		cmocka_unit_test(test_client_bindir),
		cmocka_unit_test(test_become),
		cmocka_unit_test(test_field_rules),
		cmocka_unit_test(test_sync_values),
		cmocka_unit_test(test_cascading_upstream),
		cmocka_unit_test(test_crlf_and_bom),
		cmocka_unit_test(test_node_name_limits),
		cmocka_unit_test(test_slot_name_and_role_name),
		cmocka_unit_test(test_hostile_values_kept_verbatim),

		cmocka_unit_test(test_error_syntax),
		cmocka_unit_test(test_error_newline_in_value),
		cmocka_unit_test(test_error_nul_in_file),
		cmocka_unit_test(test_error_unknown_section),
		cmocka_unit_test(test_error_setting_outside_section),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_duplicate_section),
		cmocka_unit_test(test_error_duplicate_node),
		cmocka_unit_test(test_error_same_slot_name),
		cmocka_unit_test(test_error_bad_port),
		cmocka_unit_test(test_error_bad_boolean),
		cmocka_unit_test(test_replication_auth),
		cmocka_unit_test(test_thresholds_default),
		cmocka_unit_test(test_thresholds_units),
		cmocka_unit_test(test_thresholds_refused),
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_error_bad_role),
		cmocka_unit_test(test_error_bad_service),
		cmocka_unit_test(test_error_bad_ssh),
		cmocka_unit_test(test_error_bad_pgdata),
		cmocka_unit_test(test_error_huge_files),
		cmocka_unit_test(test_error_missing_host),
		cmocka_unit_test(test_error_missing_role),
		cmocka_unit_test(test_error_two_primaries),
		cmocka_unit_test(test_error_no_primary),
		cmocka_unit_test(test_error_bad_upstream),
		cmocka_unit_test(test_error_bad_node_name),
		cmocka_unit_test(test_error_messages_are_sanitized),
		cmocka_unit_test(test_load_missing_file),

		cmocka_unit_test(test_format_round_trips_byte_for_byte),
		cmocka_unit_test(test_format_changed_value_keeps_comment),
		cmocka_unit_test(test_format_role_switch_keeps_comments),
		cmocka_unit_test(test_format_new_key_goes_to_its_section),
		cmocka_unit_test(test_format_new_and_removed_nodes),
		cmocka_unit_test(test_format_removed_node_takes_its_comments),
		cmocka_unit_test(test_format_hostile_values),
		cmocka_unit_test(test_format_value_removed),
		cmocka_unit_test(test_format_without_text),
		cmocka_unit_test(test_format_adds_missing_cluster_section),
		cmocka_unit_test(test_clone_max_rate),
		cmocka_unit_test(test_clone_compression),
		cmocka_unit_test(test_format_keeps_crlf_and_missing_final_newline),
		cmocka_unit_test(test_format_glued_comment),
		cmocka_unit_test(test_random_files_round_trip),

		cmocka_unit_test_setup_teardown(test_save_new_file, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_keeps_mode_and_replaces_atomically, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_line_break, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_invalid_cluster, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_through_symlink, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_creates_xdg_directory, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_refuses_stale_text, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_save_refused_while_locked, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_default_path, save_setup, save_teardown),
		cmocka_unit_test_setup_teardown(test_default_path_untrusted, save_setup, save_teardown),
	};

	return cmocka_run_group_tests_name("cluster", tests, NULL, NULL);
}
