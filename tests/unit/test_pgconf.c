/*
 * test_pgconf.c: postgresql.conf parsing and editing (src/formats/pgconf.c).
 *
 * Edits are judged by their unified diff (src/formats/diff.c): setting the
 * replication parameters must change exactly the intended lines and
 * nothing else.  Values are checked by reading back what was written.
 */
#include <config.h>

#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "diff.h"
#include "pgconf.h"
#include "report.h"
#include "strbuf.h"

/* ---- helpers ------------------------------------------------------------------------- */

#define MAIN_CONF "/etc/postgresql/15/main/postgresql.conf"

static pgconf_doc *
parse_ok(const char *text, const char *path)
{
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_doc *doc = pgconf_parse(text, path, &err);

	if (!doc)
		fail_msg("parse failed: %s", err.message);
	pgr_error_clear(&err);
	return doc;
}

/* Parsing fails with exactly that message. */
static void
assert_parse_error(const char *text, const char *message)
{
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_doc *doc = pgconf_parse(text, "/x/postgresql.conf", &err);

	assert_null(doc);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_string_equal(err.message, message);
	pgr_error_clear(&err);
}

static void
set_ok(pgconf_doc *doc, const char *name, const char *value, pgconf_action action)
{
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_change ch;

	if (pgconf_set(doc, name, value, &ch, &err) < 0)
		fail_msg("pgconf_set(%s) failed: %s", name, err.message);
	assert_int_equal(ch.action, action);
	pgconf_change_clear(&ch);
}

static void
assert_render(const pgconf_doc *doc, const char *expected)
{
	char	   *text = pgconf_render(doc);

	assert_string_equal(text, expected);
	free(text);
}

/* The diff between a text and the rendering of its edited document. */
static char *
diff_of(const char *before, const pgconf_doc *doc)
{
	char	   *after = pgconf_render(doc);
	char	   *d = diff_unified(before, after, "a/postgresql.conf", "b/postgresql.conf", 3);

	free(after);
	return d;
}

static void
assert_value(const pgconf_doc *doc, const char *name, const char *value, int lineno)
{
	const pgconf_line *l = pgconf_find(doc, name);

	assert_non_null(l);
	assert_string_equal(l->value, value);
	assert_int_equal(l->lineno, lineno);
}

/* The value a one-line file gives to parameter "x". */
static char *
value_read_back(const char *written)
{
	char	   *text = pgr_asprintf("x = %s\n", written);
	pgconf_doc *doc = parse_ok(text, "/t.conf");
	char	   *v = pgr_strdup(pgconf_find(doc, "x")->value);

	pgconf_free(doc);
	free(text);
	return v;
}

/* Lines of a diff that start with c (headers excepted), joined. */
static char *
diff_lines(const char *d, char c)
{
	strbuf		sb;
	const char *p = d;

	strbuf_init(&sb);
	strbuf_append(&sb, "");
	while (*p)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) + 1 : strlen(p);

		if (p[0] == c && !(len >= 4 && (strncmp(p, "+++ ", 4) == 0 || strncmp(p, "--- ", 4) == 0)))
			strbuf_append_len(&sb, p + 1, len - 1);
		p += len;
	}
	return strbuf_detach(&sb);
}

/* ---- texts ------------------------------------------------------------------------------ */

/* An excerpt of Debian's postgresql.conf for a 15/main cluster. */
static const char debian_conf[] =
	"# -----------------------------\n"
	"# PostgreSQL configuration file\n"
	"# -----------------------------\n"
	"#\n"
	"# This file consists of lines of the form:\n"
	"#\n"
	"#   name = value\n"
	"#\n"
	"# (The \"=\" is optional.)  Whitespace may be used.  Comments are introduced with\n"
	"# \"#\" anywhere on a line.  The complete list of parameter names and allowed\n"
	"# values can be found in the PostgreSQL documentation.\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# FILE LOCATIONS\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"data_directory = '/var/lib/postgresql/15/main'\t\t# use data in another directory\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"hba_file = '/etc/postgresql/15/main/pg_hba.conf'\t# host-based authentication file\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"ident_file = '/etc/postgresql/15/main/pg_ident.conf'\t# ident configuration file\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"\n"
	"# If external_pid_file is not explicitly set, no extra PID file is written.\n"
	"external_pid_file = '/var/run/postgresql/15-main.pid'\t\t\t# write an extra PID file\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# CONNECTIONS AND AUTHENTICATION\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"# - Connection Settings -\n"
	"\n"
	"#listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;\n"
	"\t\t\t\t\t# comma-separated list of addresses;\n"
	"\t\t\t\t\t# defaults to 'localhost'; use '*' for all\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"port = 5432\t\t\t\t# (change requires restart)\n"
	"max_connections = 100\t\t\t# (change requires restart)\n"
	"#superuser_reserved_connections = 3\t# (change requires restart)\n"
	"unix_socket_directories = '/var/run/postgresql'\t# comma-separated list of directories\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"\n"
	"# - SSL -\n"
	"\n"
	"ssl = on\n"
	"#ssl_ca_file = ''\n"
	"ssl_cert_file = '/etc/ssl/certs/ssl-cert-snakeoil.pem'\n"
	"ssl_key_file = '/etc/ssl/private/ssl-cert-snakeoil.key'\n"
	"\n"
	"shared_buffers = 128MB\t\t\t# min 128kB\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"dynamic_shared_memory_type = posix\t# the default is usually the first option\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# WRITE-AHEAD LOG\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"# - Settings -\n"
	"\n"
	"#wal_level = replica\t\t\t# minimal, replica, or logical\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"#fsync = on\t\t\t\t# flush data to disk for crash safety\n"
	"\t\t\t\t\t# (turning this off can cause\n"
	"\t\t\t\t\t# unrecoverable data corruption)\n"
	"#wal_log_hints = off\t\t\t# also do full page writes of non-critical updates\n"
	"\t\t\t\t\t# (change requires restart)\n"
	"max_wal_size = 1GB\n"
	"min_wal_size = 80MB\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# REPLICATION\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"# - Sending Servers -\n"
	"\n"
	"# Set these on the primary and on any standby that will send replication data.\n"
	"\n"
	"#max_wal_senders = 10\t\t# max number of walsender processes\n"
	"\t\t\t\t# (change requires restart)\n"
	"#max_replication_slots = 10\t# max number of replication slots\n"
	"\t\t\t\t# (change requires restart)\n"
	"#wal_keep_size = 0\t\t# in megabytes; 0 disables\n"
	"\n"
	"log_line_prefix = '%m [%p] %q%u@%d '\t\t# special values:\n"
	"log_timezone = 'Etc/UTC'\n"
	"cluster_name = '15/main'\t\t\t# added to process titles; if empty, the\n"
	"\t\t\t\t\t# server name will be used\n"
	"datestyle = 'iso, mdy'\n"
	"timezone = 'Etc/UTC'\n"
	"lc_messages = 'C.UTF-8'\t\t\t# locale for system error message\n"
	"\t\t\t\t\t# strings\n"
	"default_text_search_config = 'pg_catalog.english'\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# CONFIG FILE INCLUDES\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"# These options allow settings to be loaded from files other than the\n"
	"# default postgresql.conf.  Note that these are directives, not variable\n"
	"# assignments, so they can usefully be given more than once.\n"
	"\n"
	"include_dir = 'conf.d'\t\t\t# include files ending in '.conf' from\n"
	"\t\t\t\t\t# a directory, e.g., 'conf.d'\n"
	"#include_if_exists = '...'\t\t# include file only if it exists\n"
	"#include = '...'\t\t\t# include file\n"
	"\n"
	"#------------------------------------------------------------------------------\n"
	"# CUSTOMIZED OPTIONS\n"
	"#------------------------------------------------------------------------------\n"
	"\n"
	"# Add settings for extensions here\n";

/* A file edited by hand: includes, an active wal_level, odd spacing. */
static const char custom_conf[] =
	"# managed by hand -- see the wiki\n"
	"include 'common.conf'\n"
	"include_if_exists = '../local/override.conf'\t# per host\n"
	"\n"
	"listen_addresses='localhost'\n"
	"wal_level = minimal    # comment\n"
	"max_wal_senders 0              # no replication yet\n"
	"#wal_log_hints = off\n"
	"shared_buffers = 1GB\n"
	"include_dir 'conf.d'\n";

/* ---- reading ------------------------------------------------------------------------------- */

static void
test_round_trip(void **state)
{
	static const char *const texts[] = {
		"", "\n", "\n\n\n", "# only a comment", "a = 1", "a = 1\n",
		"a = 1\r\nb = 'x'\r\n", "  \t a\t=\t'b'  # c  \n#x\n",
		"x = 'it''s' # and \\ a # comment\n", "port 5432\nport=5433\n",
		debian_conf, custom_conf,
	};
	glob_t		g;

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
	{
		pgconf_doc *doc = parse_ok(texts[i], MAIN_CONF);

		assert_render(doc, texts[i]);
		pgconf_free(doc);
	}

	/* the sample files of installed servers, whole */
	if (glob("/usr/share/postgresql/*/postgresql.conf.sample", 0, NULL, &g) == 0)
	{
		for (size_t i = 0; i < g.gl_pathc; i++)
		{
			FILE	   *f = fopen(g.gl_pathv[i], "rb");
			strbuf		sb;
			char		buf[4096];
			size_t		n;
			pgconf_doc *doc;

			assert_non_null(f);
			strbuf_init(&sb);
			while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
				strbuf_append_len(&sb, buf, n);
			fclose(f);
			doc = parse_ok(sb.data, g.gl_pathv[i]);
			assert_render(doc, sb.data);
			/* the sample sets nothing: every setting is commented out */
			assert_null(pgconf_find(doc, "wal_level"));
			assert_int_equal(pgconf_line_at(doc, 0)->kind, PGCONF_OTHER);
			pgconf_free(doc);
			strbuf_free(&sb);
		}
		globfree(&g);
	}
}

static void
test_line_forms(void **state)
{
	pgconf_doc *doc = parse_ok(
							   "port 5432\n"
							   "listen_addresses='*'#all\n"
							   "  shared_buffers\t=\t64MB   # memory\n"
							   "pg_stat_statements.max = 10000\n"
							   "checkpoint_completion_target = 0.9\n"
							   "work_mem = -1\n"
							   "x_hex = 0x1Fk\n"
							   "password_encryption = scram-sha-256\n"
							   "log_directory = pg_log/sub:dir\n"
							   "hot_standby = on\n"
							   "search_path = '\"$user\", public'\n"
							   "r = .5e3\n",
							   MAIN_CONF);
	const pgconf_line *l;

	assert_value(doc, "port", "5432", 1);
	assert_value(doc, "listen_addresses", "*", 2);
	l = pgconf_find(doc, "listen_addresses");
	assert_string_equal(l->raw_value, "'*'");
	assert_string_equal(l->text + l->comment_off, "#all\n");
	assert_value(doc, "shared_buffers", "64MB", 3);
	assert_value(doc, "pg_stat_statements.max", "10000", 4);
	assert_value(doc, "checkpoint_completion_target", "0.9", 5);
	assert_value(doc, "work_mem", "-1", 6);
	assert_value(doc, "x_hex", "0x1Fk", 7);
	assert_value(doc, "password_encryption", "scram-sha-256", 8);
	assert_value(doc, "log_directory", "pg_log/sub:dir", 9);
	assert_value(doc, "hot_standby", "on", 10);
	assert_value(doc, "search_path", "\"$user\", public", 11);
	assert_value(doc, "r", ".5e3", 12);
	assert_int_equal(pgconf_nlines(doc), 12);
	assert_null(pgconf_line_at(doc, 12));
	assert_string_equal(pgconf_path(doc), MAIN_CONF);
	pgconf_free(doc);
}

static void
test_commented_settings(void **state)
{
	pgconf_doc *doc = parse_ok(debian_conf, MAIN_CONF);
	bool		seen_wal_level = false,
				seen_prose = false;

	for (size_t i = 0; i < pgconf_nlines(doc); i++)
	{
		const pgconf_line *l = pgconf_line_at(doc, i);

		assert_int_equal(l->lineno, (int) i + 1);
		if (l->kind == PGCONF_COMMENTED && strcmp(l->name, "wal_level") == 0)
		{
			seen_wal_level = true;
			assert_string_equal(l->value, "replica");
		}
		/* prose is not a commented-out setting */
		if (strstr(l->text, "# These options allow"))
		{
			seen_prose = true;
			assert_int_equal(l->kind, PGCONF_OTHER);
		}
		/* "#include = '...'" is a commented-out line, not a directive */
		if (strncmp(l->text, "#include = ", 11) == 0)
			assert_int_equal(l->kind, PGCONF_COMMENTED);
	}
	assert_true(seen_wal_level);
	assert_true(seen_prose);
	assert_null(pgconf_find(doc, "wal_level"));
	assert_value(doc, "port", "5432", 39);
	assert_value(doc, "log_line_prefix", "%m [%p] %q%u@%d ", 86);
	pgconf_free(doc);
}

static void
test_last_setting_wins(void **state)
{
	pgconf_doc *doc = parse_ok("wal_level = minimal\n"
							   "port = 5432\n"
							   "WAL_Level = replica  # later\n"
							   "#wal_level = logical\n",
							   MAIN_CONF);

	assert_value(doc, "wal_level", "replica", 3);
	assert_value(doc, "Wal_Level", "replica", 3);
	assert_int_equal(pgconf_count(doc, "WAL_LEVEL"), 2);
	assert_int_equal(pgconf_count(doc, "port"), 1);
	assert_int_equal(pgconf_count(doc, "nothing"), 0);
	assert_null(pgconf_find(doc, "nothing"));
	pgconf_free(doc);
}

static void
test_syntax_errors(void **state)
{
	assert_parse_error("port = 5432\n\nlisten_addresses = *\n",
					   "syntax error in file \"/x/postgresql.conf\" line 3, near token \"*\"");
	/* an unquoted path does not start with a letter */
	assert_parse_error("unix_socket_directories = /var/run/postgresql\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"/\"");
	assert_parse_error("a = 1 2\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"2\"");
	assert_parse_error("# ok\na =\n",
					   "syntax error in file \"/x/postgresql.conf\" line 2, near end of line");
	assert_parse_error("a = # nothing\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near end of line");
	assert_parse_error("= 3\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"=\"");
	assert_parse_error("a = 'unterminated\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"'\"");
	/* an escaped quote, then no closing one */
	assert_parse_error("a = 'x\\'\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"'\"");
	assert_parse_error("listen_addresses = 0.0.0.0\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \".0\"");
	assert_parse_error("a = 'x'y\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"y\"");
	assert_parse_error("1a = 3\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"1a\"");
	assert_parse_error("a.b.c = 3\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"a.b.c\"");
	assert_parse_error("a = \"double\"\n",
					   "syntax error in file \"/x/postgresql.conf\" line 1, near token \"\"\"");
	assert_parse_error("include ''\n",
					   "empty configuration file name in file \"/x/postgresql.conf\" line 1");
	assert_parse_error("include_dir = ''\n",
					   "empty configuration directory name in file \"/x/postgresql.conf\" line 1");
	{
		pgr_error	err = PGR_ERROR_INIT;

		assert_null(pgconf_parse_len("a = 1\nb = '\0'\n", 12, "/x.conf", &err));
		assert_string_equal(err.message, "invalid NUL byte in file \"/x.conf\" line 2");
		pgr_error_clear(&err);
	}
}

static void
test_unquote(void **state)
{
	static const char *const cases[][2] = {
		{"'plain'", "plain"},
		{"''", ""},
		{"''''", "'"},
		{"'it''s'", "it's"},
		{"'it\\'s'", "it's"},
		{"'a\\\\b'", "a\\b"},
		{"'\\n\\t\\r\\b\\f'", "\n\t\r\b\f"},
		{"'\\101\\1012'", "AA2"},
		{"'\\q'", "q"},
		{"'# not a comment'", "# not a comment"},
		{"bare", "bare"},
		{"64MB", "64MB"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char	   *v = pgconf_unquote(cases[i][0]);
		char	   *back = value_read_back(cases[i][0]);

		assert_string_equal(v, cases[i][1]);
		assert_string_equal(back, cases[i][1]);
		free(v);
		free(back);
	}
	{
		char	   *v = pgconf_unquote(NULL);

		assert_string_equal(v, "");
		free(v);
	}
}

/* ---- quoting ------------------------------------------------------------------------------- */

static void
test_quote_value(void **state)
{
	static const char *const cases[][2] = {
		{"10", "10"},
		{"64MB", "64MB"},
		{"-1", "-1"},
		{"0.9", "0.9"},
		{"30s", "30s"},
		{"0x1F", "0x1F"},
		{"on", "on"},
		{"OFF", "OFF"},
		{"true", "true"},
		{"no", "no"},
		{"replica", "'replica'"},
		{"*", "'*'"},
		{"", "''"},
		{"localhost,10.0.0.1", "'localhost,10.0.0.1'"},
		{"0.0.0.0", "'0.0.0.0'"},
		{"1e5", "'1e5'"},
		{"it's", "'it''s'"},
		{"back\\slash", "'back\\\\slash'"},
		{"\\'", "'\\\\'''"},
		{"a # b", "'a # b'"},
		{"$(rm -rf /)", "'$(rm -rf /)'"},
		{"cp %p /mnt/archive/%f", "'cp %p /mnt/archive/%f'"},
		{"5 ", "'5 '"},
		{" on", "' on'"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char	   *q = pgconf_quote_value(cases[i][0]);

		assert_string_equal(q, cases[i][1]);
		free(q);
	}
}

/* Hostile values survive quoting, writing and reading back, unchanged. */
static const char *const hostile[] = {
	"'", "''", "\\", "\\\\", "\\'", "'\\", "#", "# comment", "a#b", "with spaces",
	"$(touch /tmp/pwned)", "`id`", "'; DROP TABLE x; --", "\"double\"",
	"tab\there", "trailing\\", "\\n literal", "x' # y = 'z", "\xc3\xa9t\xc3\xa9",
	"", " ", "0", "-", "include 'x'",
};

static void
test_hostile_values(void **state)
{
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++)
	{
		char	   *q = pgconf_quote_value(hostile[i]);
		char	   *back = value_read_back(q);
		pgconf_doc *doc;
		char	   *text;
		pgconf_doc *again;

		assert_string_equal(back, hostile[i]);

		/* set in a file that has the parameter, commented out, or not at all */
		doc = parse_ok("archive_command = 'true'  # old\n#restore_command = ''\n", MAIN_CONF);
		set_ok(doc, "archive_command", hostile[i], PGCONF_REPLACED);
		set_ok(doc, "restore_command", hostile[i], PGCONF_INSERTED);
		set_ok(doc, "primary_conninfo", hostile[i], PGCONF_APPENDED);
		text = pgconf_render(doc);
		again = parse_ok(text, MAIN_CONF);
		assert_string_equal(pgconf_find(again, "archive_command")->value, hostile[i]);
		assert_string_equal(pgconf_find(again, "restore_command")->value, hostile[i]);
		assert_string_equal(pgconf_find(again, "primary_conninfo")->value, hostile[i]);
		/* the comment of the edited line is still a comment */
		{
			const pgconf_line *l = pgconf_find(again, "archive_command");

			assert_true(l->comment_off > 0);
			assert_string_equal(l->text + l->comment_off, "# old\n");
		}
		assert_int_equal(pgconf_nlines(again), 6);
		/* and setting it again changes nothing */
		set_ok(again, "archive_command", hostile[i], PGCONF_UNCHANGED);
		set_ok(again, "restore_command", hostile[i], PGCONF_UNCHANGED);
		set_ok(again, "primary_conninfo", hostile[i], PGCONF_UNCHANGED);
		assert_render(again, text);

		pgconf_free(again);
		pgconf_free(doc);
		free(text);
		free(back);
		free(q);
	}
}

/* ---- editing ------------------------------------------------------------------------------- */

/*
 * Debian's file: everything is commented out, so each parameter is added
 * right after its commented-out default, and nothing else moves.
 */
static void
test_debian_replication_settings(void **state)
{
	pgconf_doc *doc = parse_ok(debian_conf, MAIN_CONF);
	char	   *d,
			   *removed,
			   *added;

	set_ok(doc, "wal_level", "replica", PGCONF_INSERTED);
	set_ok(doc, "max_wal_senders", "10", PGCONF_INSERTED);
	set_ok(doc, "listen_addresses", "*", PGCONF_INSERTED);
	set_ok(doc, "wal_log_hints", "on", PGCONF_INSERTED);

	d = diff_of(debian_conf, doc);
	assert_string_equal(d,
						"--- a/postgresql.conf\n"
						"+++ b/postgresql.conf\n"
						"@@ -33,6 +33,7 @@\n"
						" # - Connection Settings -\n"
						" \n"
						" #listen_addresses = 'localhost'\t\t# what IP address(es) to listen on;\n"
						"+listen_addresses = '*'\n"
						" \t\t\t\t\t# comma-separated list of addresses;\n"
						" \t\t\t\t\t# defaults to 'localhost'; use '*' for all\n"
						" \t\t\t\t\t# (change requires restart)\n"
						"@@ -60,11 +61,13 @@\n"
						" # - Settings -\n"
						" \n"
						" #wal_level = replica\t\t\t# minimal, replica, or logical\n"
						"+wal_level = replica\n"
						" \t\t\t\t\t# (change requires restart)\n"
						" #fsync = on\t\t\t\t# flush data to disk for crash safety\n"
						" \t\t\t\t\t# (turning this off can cause\n"
						" \t\t\t\t\t# unrecoverable data corruption)\n"
						" #wal_log_hints = off\t\t\t# also do full page writes of non-critical updates\n"
						"+wal_log_hints = on\n"
						" \t\t\t\t\t# (change requires restart)\n"
						" max_wal_size = 1GB\n"
						" min_wal_size = 80MB\n"
						"@@ -78,6 +81,7 @@\n"
						" # Set these on the primary and on any standby that will send replication data.\n"
						" \n"
						" #max_wal_senders = 10\t\t# max number of walsender processes\n"
						"+max_wal_senders = 10\n"
						" \t\t\t\t# (change requires restart)\n"
						" #max_replication_slots = 10\t# max number of replication slots\n"
						" \t\t\t\t# (change requires restart)\n");

	/* only the four lines, whatever the layout of the diff */
	removed = diff_lines(d, '-');
	added = diff_lines(d, '+');
	assert_string_equal(removed, "");
	assert_string_equal(added, "listen_addresses = '*'\nwal_level = replica\n"
						"wal_log_hints = on\nmax_wal_senders = 10\n");

	assert_value(doc, "wal_level", "replica", 64);
	assert_value(doc, "listen_addresses", "*", 36);
	free(removed);
	free(added);
	free(d);
	pgconf_free(doc);
}

/*
 * A file that sets wal_level already: its value changes in place, comment
 * and spacing kept; a parameter nowhere in the file is appended below the
 * marker; the include lines are untouched.
 */
static void
test_edit_existing_lines(void **state)
{
	pgconf_doc *doc = parse_ok(custom_conf, MAIN_CONF);
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_change ch;
	char	   *d;

	assert_int_equal(pgconf_set(doc, "wal_level", "replica", &ch, &err), 0);
	assert_int_equal(ch.action, PGCONF_REPLACED);
	assert_int_equal(ch.lineno, 6);
	assert_int_equal(ch.shadowed, 0);
	assert_null(ch.note);
	pgconf_change_clear(&ch);
	set_ok(doc, "max_wal_senders", "10", PGCONF_REPLACED);
	set_ok(doc, "listen_addresses", "*", PGCONF_REPLACED);
	set_ok(doc, "wal_log_hints", "on", PGCONF_INSERTED);
	assert_int_equal(pgconf_set(doc, "max_replication_slots", "10", &ch, &err), 0);
	assert_int_equal(ch.action, PGCONF_APPENDED);
	assert_int_equal(ch.lineno, 14);
	pgconf_change_clear(&ch);
	set_ok(doc, "hot_standby", "on", PGCONF_APPENDED);

	d = diff_of(custom_conf, doc);
	assert_string_equal(d,
						"--- a/postgresql.conf\n"
						"+++ b/postgresql.conf\n"
						"@@ -2,9 +2,14 @@\n"
						" include 'common.conf'\n"
						" include_if_exists = '../local/override.conf'\t# per host\n"
						" \n"
						"-listen_addresses='localhost'\n"
						"-wal_level = minimal    # comment\n"
						"-max_wal_senders 0              # no replication yet\n"
						"+listen_addresses='*'\n"
						"+wal_level = replica    # comment\n"
						"+max_wal_senders 10             # no replication yet\n"
						" #wal_log_hints = off\n"
						"+wal_log_hints = on\n"
						" shared_buffers = 1GB\n"
						" include_dir 'conf.d'\n"
						"+\n"
						"+# Added by pgreplica\n"
						"+max_replication_slots = 10\n"
						"+hot_standby = on\n");
	free(d);
	pgconf_free(doc);
}

static void
test_comment_column(void **state)
{
	pgconf_doc *doc = parse_ok("a = 5      # c\n"
							   "b = 5\t\t# tabs kept\n"
							   "c = 'x' # one space\n"
							   "d = 1\n"
							   "e = 'quoted'  # q\n"
							   "f = word\n",
							   MAIN_CONF);

	set_ok(doc, "a", "1000", PGCONF_REPLACED);
	set_ok(doc, "b", "1000", PGCONF_REPLACED);
	set_ok(doc, "c", "longer value", PGCONF_REPLACED);
	set_ok(doc, "d", "two words", PGCONF_REPLACED);
	set_ok(doc, "e", "10", PGCONF_REPLACED);	/* quoted stays quoted */
	set_ok(doc, "f", "logical", PGCONF_REPLACED);	/* bare word stays bare */
	assert_render(doc,
				  "a = 1000   # c\n"
				  "b = 1000\t\t# tabs kept\n"
				  "c = 'longer value' # one space\n"
				  "d = 'two words'\n"
				  "e = '10'      # q\n"
				  "f = logical\n");
	/* growing then shrinking gives the original back */
	set_ok(doc, "a", "5", PGCONF_REPLACED);
	set_ok(doc, "b", "5", PGCONF_REPLACED);
	assert_string_equal(pgconf_line_at(doc, 0)->text, "a = 5      # c\n");
	assert_string_equal(pgconf_line_at(doc, 1)->text, "b = 5\t\t# tabs kept\n");
	pgconf_free(doc);
}

static void
test_earlier_settings_left_alone(void **state)
{
	static const char text[] =
		"max_wal_senders = 3\n"
		"port = 5432\n"
		"max_wal_senders = 5\n"
		"max_wal_senders = 7   # the one in force\n";
	pgconf_doc *doc = parse_ok(text, MAIN_CONF);
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_change ch;

	assert_int_equal(pgconf_set(doc, "MAX_WAL_SENDERS", "10", &ch, &err), 0);
	assert_int_equal(ch.action, PGCONF_REPLACED);
	assert_int_equal(ch.lineno, 4);
	assert_int_equal(ch.shadowed, 2);
	assert_non_null(ch.note);
	assert_string_equal(ch.note,
						"\"MAX_WAL_SENDERS\" is also set on lines 1, 3 of \"" MAIN_CONF "\"; "
						"those lines are left as they are, since the last setting is the one in force");
	pgconf_change_clear(&ch);
	assert_render(doc,
				  "max_wal_senders = 3\n"
				  "port = 5432\n"
				  "max_wal_senders = 5\n"
				  "max_wal_senders = 10  # the one in force\n");
	/* unchanged, the note is given all the same */
	assert_int_equal(pgconf_set(doc, "max_wal_senders", "10", &ch, &err), 0);
	assert_int_equal(ch.action, PGCONF_UNCHANGED);
	assert_int_equal(ch.shadowed, 2);
	assert_non_null(ch.note);
	pgconf_change_clear(&ch);
	pgconf_free(doc);

	doc = parse_ok("a = 1\na = 2\n", MAIN_CONF);
	assert_int_equal(pgconf_set(doc, "a", "3", &ch, &err), 0);
	assert_string_equal(ch.note,
						"\"a\" is also set on line 1 of \"" MAIN_CONF "\"; that line is left as it is, "
						"since the last setting is the one in force");
	pgconf_change_clear(&ch);
	pgconf_free(doc);
}

static void
test_idempotence(void **state)
{
	static const char *const params[][2] = {
		{"listen_addresses", "*"}, {"wal_level", "replica"}, {"max_wal_senders", "10"},
		{"max_replication_slots", "10"}, {"wal_keep_size", "1GB"}, {"wal_log_hints", "on"},
		{"hot_standby", "on"}, {"archive_command", "cp %p /arch/%f"},
		{"tcp_keepalives_idle", "60"},
	};
	const char *const texts[] = {debian_conf, custom_conf, "", "port = 5432"};

	for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++)
	{
		pgconf_doc *doc = parse_ok(texts[t], MAIN_CONF);
		char	   *once;
		pgconf_doc *again;
		char	   *d;

		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		{
			pgr_error	err = PGR_ERROR_INIT;

			assert_int_equal(pgconf_set(doc, params[i][0], params[i][1], NULL, &err), 0);
		}
		once = pgconf_render(doc);
		/* a second pass, on the same document and on the file re-read */
		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			set_ok(doc, params[i][0], params[i][1], PGCONF_UNCHANGED);
		assert_render(doc, once);
		again = parse_ok(once, MAIN_CONF);
		for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
			set_ok(again, params[i][0], params[i][1], PGCONF_UNCHANGED);
		d = diff_of(once, again);
		assert_string_equal(d, "");
		/* one marker at most */
		assert_true(strstr(once, PGCONF_MARKER) == NULL ||
					strstr(strstr(once, PGCONF_MARKER) + 1, PGCONF_MARKER) == NULL);
		free(d);
		free(once);
		pgconf_free(again);
		pgconf_free(doc);
	}

	/* a value already there, written another way */
	{
		static const char text[] = "wal_level = 'replica'\nport = '5432'\nssl = on\n";
		pgconf_doc *doc = parse_ok(text, MAIN_CONF);

		set_ok(doc, "wal_level", "replica", PGCONF_UNCHANGED);
		set_ok(doc, "PORT", "5432", PGCONF_UNCHANGED);
		set_ok(doc, "ssl", "on", PGCONF_UNCHANGED);
		assert_render(doc, text);
		pgconf_free(doc);
	}
}

static void
test_append_and_marker(void **state)
{
	pgconf_doc *doc;

	/* no final line feed: one is added before the new lines */
	doc = parse_ok("port = 5432", MAIN_CONF);
	set_ok(doc, "wal_level", "replica", PGCONF_APPENDED);
	set_ok(doc, "max_wal_senders", "10", PGCONF_APPENDED);
	assert_render(doc, "port = 5432\n\n# Added by pgreplica\nwal_level = 'replica'\nmax_wal_senders = 10\n");
	pgconf_free(doc);

	/* an empty file: no blank line first */
	doc = parse_ok("", MAIN_CONF);
	set_ok(doc, "ssl", "on", PGCONF_APPENDED);
	assert_render(doc, "# Added by pgreplica\nssl = on\n");
	pgconf_free(doc);

	/* the file ends with a blank line already; the marker from an earlier run is reused */
	doc = parse_ok("port = 5432\n\n# Added by pgreplica\nssl = on\n", MAIN_CONF);
	set_ok(doc, "wal_level", "logical", PGCONF_APPENDED);
	assert_render(doc, "port = 5432\n\n# Added by pgreplica\nssl = on\nwal_level = 'logical'\n");
	pgconf_free(doc);

	doc = parse_ok("port = 5432\n\n", MAIN_CONF);
	set_ok(doc, "ssl", "on", PGCONF_APPENDED);
	assert_render(doc, "port = 5432\n\n# Added by pgreplica\nssl = on\n");
	pgconf_free(doc);

	/* a commented-out line last, without line feed */
	doc = parse_ok("port = 5432\n#wal_level = minimal", MAIN_CONF);
	set_ok(doc, "wal_level", "replica", PGCONF_INSERTED);
	assert_render(doc, "port = 5432\n#wal_level = minimal\nwal_level = replica\n");
	pgconf_free(doc);

	/* of several commented-out lines, the last one */
	doc = parse_ok("#hot_standby = off\nx = 1\n#hot_standby = on\ny = 2\n", MAIN_CONF);
	set_ok(doc, "hot_standby", "on", PGCONF_INSERTED);
	assert_render(doc, "#hot_standby = off\nx = 1\n#hot_standby = on\nhot_standby = on\ny = 2\n");
	pgconf_free(doc);

	/* CR LF files get CR LF lines */
	doc = parse_ok("port = 5432\r\n#wal_level = minimal\r\n", MAIN_CONF);
	set_ok(doc, "wal_level", "replica", PGCONF_INSERTED);
	set_ok(doc, "ssl", "on", PGCONF_APPENDED);
	set_ok(doc, "port", "5433", PGCONF_REPLACED);
	assert_render(doc, "port = 5433\r\n#wal_level = minimal\r\nwal_level = replica\r\n"
				  "\r\n# Added by pgreplica\r\nssl = on\r\n");
	pgconf_free(doc);
}

static void
test_invalid_set(void **state)
{
	pgconf_doc *doc = parse_ok("port = 5432\n", MAIN_CONF);
	static const char *const bad_names[] = {
		"", "wal level", "1abc", "a.b.c", "a=b", "x#", "include", "INCLUDE_DIR",
		"include_if_exists", "-x",
	};

	for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
	{
		pgr_error	err = PGR_ERROR_INIT;

		assert_int_equal(pgconf_set(doc, bad_names[i], "1", NULL, &err), -1);
		assert_int_equal(err.kind, PGR_ERR_INPUT);
		pgr_error_clear(&err);
	}
	{
		pgr_error	err = PGR_ERROR_INIT;

		assert_int_equal(pgconf_set(doc, "port", "1\n2", NULL, &err), -1);
		assert_string_equal(err.message, "the value of \"port\" contains a line break");
		pgr_error_clear(&err);
		assert_int_equal(pgconf_set(doc, "port", "1\r", NULL, &err), -1);
		pgr_error_clear(&err);
		assert_int_equal(pgconf_set(doc, NULL, "1", NULL, &err), -1);
		pgr_error_clear(&err);
	}
	assert_true(pgconf_valid_name("pg_stat_statements.max"));
	assert_true(pgconf_valid_name("_x9"));
	assert_false(pgconf_valid_name("x."));
	assert_render(doc, "port = 5432\n");
	pgconf_free(doc);
}

/* ---- includes ------------------------------------------------------------------------------ */

static void
test_include_directives(void **state)
{
	pgconf_doc *doc = parse_ok("include 'extra.conf'\n"
							   "include_if_exists = '../common/./x.conf'  # maybe\n"
							   "include_dir 'conf.d/'\n"
							   "INCLUDE '/abs//path.conf'\n"
							   "Include_Dir = '../../../../../..'\n"
							   "#include_dir = 'old.d'\n"
							   "include.x = 1\n",
							   MAIN_CONF);
	const pgconf_line *l;

	l = pgconf_line_at(doc, 0);
	assert_int_equal(l->kind, PGCONF_INCLUDE);
	assert_string_equal(l->value, "extra.conf");
	assert_string_equal(l->path, "/etc/postgresql/15/main/extra.conf");
	l = pgconf_line_at(doc, 1);
	assert_int_equal(l->kind, PGCONF_INCLUDE_IF_EXISTS);
	assert_string_equal(l->path, "/etc/postgresql/15/common/x.conf");
	l = pgconf_line_at(doc, 2);
	assert_int_equal(l->kind, PGCONF_INCLUDE_DIR);
	assert_string_equal(l->path, "/etc/postgresql/15/main/conf.d");
	l = pgconf_line_at(doc, 3);
	assert_int_equal(l->kind, PGCONF_INCLUDE);
	assert_string_equal(l->path, "/abs/path.conf");
	l = pgconf_line_at(doc, 4);
	assert_int_equal(l->kind, PGCONF_INCLUDE_DIR);
	assert_string_equal(l->path, "/");
	l = pgconf_line_at(doc, 5);
	assert_int_equal(l->kind, PGCONF_COMMENTED);
	assert_null(l->path);
	l = pgconf_line_at(doc, 6);
	assert_int_equal(l->kind, PGCONF_SETTING);
	/* directives are not settings */
	assert_null(pgconf_find(doc, "include"));
	assert_null(pgconf_find(doc, "include_dir"));
	pgconf_free(doc);

	/* a relative file name: paths stay relative */
	doc = parse_ok("include 'a.conf'\ninclude '../b.conf'\n", "postgresql.conf");
	assert_string_equal(pgconf_line_at(doc, 0)->path, "a.conf");
	assert_string_equal(pgconf_line_at(doc, 1)->path, "../b.conf");
	pgconf_free(doc);
}

static void
test_resolve_path(void **state)
{
	static const char *const cases[][3] = {
		{"/etc/pg", "x.conf", "/etc/pg/x.conf"},
		{"/etc/pg/", "./x.conf", "/etc/pg/x.conf"},
		{"/etc/pg", "../x.conf", "/etc/x.conf"},
		{"/etc/pg", "/abs/./y/../z.conf", "/abs/z.conf"},
		{"/", "x", "/x"},
		{"/a", "../../..", "/"},
		{"", "a//b/", "a/b"},
		{NULL, "../a/../../b", "../../b"},
		{"rel", "x", "rel/x"},
		{"", ".", "."},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char	   *p = pgconf_resolve_path(cases[i][0], cases[i][1]);

		assert_string_equal(p, cases[i][2]);
		free(p);
	}
	assert_true(pgconf_include_dir_wants("a.conf"));
	assert_true(pgconf_include_dir_wants("10-replication.conf"));
	assert_false(pgconf_include_dir_wants(".conf"));
	assert_false(pgconf_include_dir_wants(".hidden.conf"));
	assert_false(pgconf_include_dir_wants("x.conf~"));
	assert_false(pgconf_include_dir_wants("x.cnf"));
}

static void
test_locate(void **state)
{
	pgconf_doc *main_doc = parse_ok("wal_level = minimal\n"
									"include 'a.conf'\n"
									"port = 5432\n"
									"include_dir 'conf.d'\n"
									"include_if_exists 'missing.conf'\n"
									"max_wal_senders = 3\n",
									MAIN_CONF);
	pgconf_doc *a = parse_ok("wal_level = replica\nmax_wal_senders = 1\n",
							 "/etc/postgresql/15/main/a.conf");
	pgconf_doc *c1 = parse_ok("port = 5433\nmax_wal_senders = 5\n",
							  "/etc/postgresql/15/main/conf.d/01-a.conf");
	pgconf_doc *c2 = parse_ok("port = 5434\n", "/etc/postgresql/15/main/conf.d/10-b.conf");
	pgconf_doc *hidden = parse_ok("port = 1\n", "/etc/postgresql/15/main/conf.d/.x.conf");
	pgconf_doc *other = parse_ok("port = 2\n", "/etc/postgresql/15/main/conf.d/x.txt");
	pgconf_doc *autoconf = parse_ok("# Do not edit this file manually!\nwal_log_hints = 'on'\n",
									"/var/lib/postgresql/15/main/postgresql.auto.conf");
	/* in no particular order: the walk orders them */
	pgconf_file files[] = {
		{"/etc/postgresql/15/main/conf.d/10-b.conf", c2, false},
		{MAIN_CONF, main_doc, true},
		{"/etc/postgresql/15/main/conf.d/.x.conf", hidden, false},
		{"/etc/postgresql/15/main/conf.d/01-a.conf", c1, false},
		{"/etc/postgresql/15/main/conf.d/x.txt", other, false},
		{"/etc/postgresql/15/main/./a.conf", a, false},
		{"/var/lib/postgresql/15/main/postgresql.auto.conf", autoconf, true},
	};
	size_t		n = sizeof(files) / sizeof(files[0]);
	pgconf_location loc;
	pgr_error	err = PGR_ERROR_INIT;

	/* set in main before the include: the included file wins */
	assert_int_equal(pgconf_locate(files, n, "wal_level", &loc, &err), 1);
	assert_int_equal(loc.file, 5);
	assert_int_equal(loc.line->lineno, 1);
	assert_int_equal(loc.count, 2);
	/* set after: main wins */
	assert_int_equal(pgconf_locate(files, n, "MAX_WAL_SENDERS", &loc, &err), 1);
	assert_int_equal(loc.file, 1);
	assert_int_equal(loc.line->lineno, 6);
	assert_int_equal(loc.count, 3);
	/* include_dir: files in name order, hidden and non-.conf files skipped */
	assert_int_equal(pgconf_locate(files, n, "port", &loc, &err), 1);
	assert_int_equal(loc.file, 0);
	assert_string_equal(loc.line->value, "5434");
	assert_int_equal(loc.count, 3);
	/* postgresql.auto.conf is read last */
	assert_int_equal(pgconf_locate(files, n, "wal_log_hints", &loc, &err), 1);
	assert_int_equal(loc.file, 6);
	assert_string_equal(loc.line->value, "on");
	assert_int_equal(pgconf_locate(files, n, "hot_standby", &loc, &err), 0);
	assert_int_equal(loc.count, 0);
	assert_false(pgr_error_isset(&err));

	/* an include of a file not given is an error, include_if_exists is not */
	assert_int_equal(pgconf_locate(&files[1], 1, "port", &loc, &err), -1);
	assert_string_equal(err.message,
						"configuration file \"/etc/postgresql/15/main/a.conf\", included by \""
						MAIN_CONF "\" line 2, was not read");
	pgr_error_clear(&err);

	pgconf_free(main_doc);
	pgconf_free(a);
	pgconf_free(c1);
	pgconf_free(c2);
	pgconf_free(hidden);
	pgconf_free(other);
	pgconf_free(autoconf);
}

static void
test_locate_depth(void **state)
{
	pgconf_doc *loop = parse_ok("x = 1\ninclude 'loop.conf'\n", "/d/loop.conf");
	pgconf_file files[] = {{"/d/loop.conf", loop, true}};
	pgconf_location loc;
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_doc *chain[12];
	pgconf_file cf[12];

	assert_int_equal(pgconf_locate(files, 1, "x", &loc, &err), -1);
	assert_string_equal(err.message,
						"could not open configuration file \"/d/loop.conf\": maximum nesting depth exceeded");
	pgr_error_clear(&err);
	pgconf_free(loop);

	/* ten levels of includes are fine, eleven are not */
	for (int i = 0; i < 12; i++)
	{
		char	   *text = pgr_asprintf("x = %d\ninclude 'f%d.conf'\n", i, i + 1);
		char	   *path = pgr_asprintf("/d/f%d.conf", i);

		chain[i] = parse_ok(i == 11 ? "x = 11\n" : text, path);
		cf[i].path = pgconf_path(chain[i]);
		cf[i].doc = chain[i];
		cf[i].root = i == 0;
		free(text);
		free(path);
	}
	assert_int_equal(pgconf_locate(cf, 11, "x", &loc, &err), -1);	/* f11 missing */
	pgr_error_clear(&err);
	/* f0 .. f10: depth 10 at most */
	{
		pgconf_doc *last = parse_ok("x = 10\n", "/d/f10.conf");
		pgconf_doc *saved = chain[10];

		cf[10].doc = last;
		assert_int_equal(pgconf_locate(cf, 11, "x", &loc, &err), 1);
		assert_string_equal(loc.line->value, "10");
		cf[10].doc = saved;
		pgconf_free(last);
	}
	assert_int_equal(pgconf_locate(cf, 12, "x", &loc, &err), -1);
	assert_string_equal(err.message,
						"could not open configuration file \"/d/f11.conf\": maximum nesting depth exceeded");
	pgr_error_clear(&err);
	for (int i = 0; i < 12; i++)
		pgconf_free(chain[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_line_forms),
		cmocka_unit_test(test_commented_settings),
		cmocka_unit_test(test_last_setting_wins),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_unquote),
		cmocka_unit_test(test_quote_value),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_debian_replication_settings),
		cmocka_unit_test(test_edit_existing_lines),
		cmocka_unit_test(test_comment_column),
		cmocka_unit_test(test_earlier_settings_left_alone),
		cmocka_unit_test(test_idempotence),
		cmocka_unit_test(test_append_and_marker),
		cmocka_unit_test(test_invalid_set),
		cmocka_unit_test(test_include_directives),
		cmocka_unit_test(test_resolve_path),
		cmocka_unit_test(test_locate),
		cmocka_unit_test(test_locate_depth),
	};

	return cmocka_run_group_tests_name("pgconf", tests, NULL, NULL);
}
