/*
 * test_recovery.c: a standby's recovery configuration (src/formats/recovery.c,
 * templates/recovery.conf.in, templates/standby.conf.in).
 *
 * Golden files: tests/unit/golden/recovery-<major>.txt hold, for one
 * representative cluster (SSL on, slots on, a trigger file, archiving on),
 * everything rendered for that major version: recovery.conf (≤11), or
 * standby.signal, the rendered standby.conf and postgresql.auto.conf before
 * and after the merge (≥12).  The test compares byte for byte.  After an
 * intended change of the templates or of src/formats/recovery.c, rewrite them with
 *
 *     PGREPLICA_UPDATE_GOLDEN=1 top_srcdir=/path/to/source \
 *         ./tests/unit/test_recovery
 *
 * and review the diff ("git diff tests/unit/golden") before committing.
 *
 * Templates and golden files are found under $top_srcdir (set by
 * "make check"), else relative to this source file.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "pgconf.h"
#include "recovery.h"
#include "report.h"
#include "strbuf.h"
#include "version.h"

/* ---- helpers ------------------------------------------------------------------------- */

static char *
srcdir_path(const char *rel)
{
	const char *top = getenv("top_srcdir");

	if (top && *top)
		return pgr_asprintf("%s/%s", top, rel);
	else
	{
		/* this file is <top>/tests/unit/test_recovery.c */
		const char *me = __FILE__;
		const char *end = strstr(me, "tests/unit/test_recovery.c");

		return pgr_asprintf("%.*s%s", end ? (int) (end - me) : 0, me, rel);
	}
}

static const pg_version_facts *
facts_of(int major)
{
	const pg_version_facts *f = version_facts(major * 10000);

	assert_non_null(f);
	return f;
}

/* The representative cluster: SSL, slot, trigger file, archiving. */
static recovery_params
sample_params(int major, const char *template_dir)
{
	recovery_params p = {0};

	p.facts = facts_of(major);
	p.node = "pg2";
	p.primary_host = "172.17.0.2";
	p.primary_port = 5432;
	p.user = "replicator";
	p.passfile = "/var/lib/postgresql/.pgreplica/pgpass";
	p.password = NULL;
	p.ssl = true;
	p.sslrootcert = "/var/lib/postgresql/.pgreplica/ca.crt";
	p.slot = "pg2";
	p.trigger_file = "/var/lib/postgresql/pg2.promote";
	p.restore_command = "cp /var/lib/pgreplica/archive/%f \"%p\"";
	p.archive_cleanup_command = "pg_archivecleanup /var/lib/pgreplica/archive %r";
	p.template_dir = template_dir;
	return p;
}

static char *templates_dir;

static int
group_setup(void **state)
{
	templates_dir = srcdir_path("templates");
	/* the tests name their template directory: no outside influence */
	unsetenv(RECOVERY_TEMPLATES_ENV);
	return 0;
}

static int
group_teardown(void **state)
{
	free(templates_dir);
	return 0;
}

static void
render_ok(const recovery_params *p, recovery_files *f)
{
	pgr_error	err = PGR_ERROR_INIT;

	if (recovery_render(p, f, &err) < 0)
		fail_msg("recovery_render failed: %s", err.message);
	pgr_error_clear(&err);
}

static char *
apply_ok(const char *old, const recovery_files *f)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *text = NULL;

	if (recovery_apply_auto_conf(old, f, &text, &err) < 0)
		fail_msg("recovery_apply_auto_conf failed: %s", err.message);
	assert_non_null(text);
	pgr_error_clear(&err);
	return text;
}

static pgconf_doc *
parse_ok(const char *text)
{
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_doc *doc = pgconf_parse(text, "/data/" RECOVERY_AUTO_CONF_FILE, &err);

	if (!doc)
		fail_msg("parse failed: %s\n%s", err.message, text);
	pgr_error_clear(&err);
	return doc;
}

/* The value `name` has in `text` (NULL when unset); malloc'd. */
static char *
value_in(const char *text, const char *name)
{
	pgconf_doc *doc = parse_ok(text);
	const pgconf_line *l = pgconf_find(doc, name);
	char	   *v = l ? pgr_strdup(l->value) : NULL;

	pgconf_free(doc);
	return v;
}

static int
count_in(const char *text, const char *name)
{
	pgconf_doc *doc = parse_ok(text);
	int			n = pgconf_count(doc, name);

	pgconf_free(doc);
	return n;
}

static const char *
setting_of(const recovery_files *f, const char *name)
{
	for (size_t i = 0; i < f->n_auto_settings; i++)
		if (strcmp(f->auto_settings[i].name, name) == 0)
			return f->auto_settings[i].value;
	return NULL;
}

/* libpq's reading of a conninfo keyword; NULL when unset.  malloc'd. */
static char *
conninfo_value(const char *conninfo, const char *key)
{
	char	   *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
	char	   *v = NULL;

	if (!opts)
		fail_msg("PQconninfoParse(%s): %s", conninfo, errmsg ? errmsg : "?");
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, key) == 0 && o->val)
			v = pgr_strdup(o->val);
	PQconninfoFree(opts);
	return v;
}

static void
assert_conninfo_value(const char *conninfo, const char *key, const char *want)
{
	char	   *got = conninfo_value(conninfo, key);

	if (want == NULL)
	{
		if (got)
			fail_msg("%s: %s is \"%s\", expected unset", conninfo, key, got);
	}
	else
	{
		if (!got || strcmp(got, want) != 0)
			fail_msg("%s: %s is \"%s\", expected \"%s\"", conninfo, key,
					 got ? got : "(unset)", want);
	}
	free(got);
}

static void
assert_no_password(const char *text)
{
	if (text && strcasestr(text, "password") != NULL)
		fail_msg("\"password\" in:\n%s", text);
}

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	strbuf		sb;
	char		buf[4096];
	size_t		n;

	if (!f)
		return NULL;
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append_len(&sb, buf, n);
	fclose(f);
	return strbuf_detach(&sb);
}

static void
write_file(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
	assert_int_equal(fclose(f), 0);
}

static char *
make_temp_dir(void)
{
	char		tmpl[] = "/tmp/test_recovery.XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return pgr_strdup(tmpl);
}

static void
remove_temp_dir(char *dir)
{
	char	   *p;

	p = pgr_asprintf("%s/%s", dir, RECOVERY_TEMPLATE_CONF);
	unlink(p);
	free(p);
	p = pgr_asprintf("%s/%s", dir, RECOVERY_TEMPLATE_STANDBY);
	unlink(p);
	free(p);
	rmdir(dir);
	free(dir);
}

/* A postgresql.auto.conf as pg_basebackup -R and an older setup left it. */
#define OLD_AUTO_CONF \
	"# Do not edit this file manually!\n" \
	"# It will be overwritten by the ALTER SYSTEM command.\n" \
	"listen_addresses = '*'\n" \
	"primary_conninfo = 'user=replicator passfile=''/root/.pgpass'' host=old.example port=5432 sslmode=prefer'\n" \
	"promote_trigger_file = '/tmp/old.trigger'\n" \
	"wal_log_hints = 'on'\n"

/* ---- golden files -------------------------------------------------------------- */

static char *
golden_text(int major)
{
	recovery_params p = sample_params(major, templates_dir);
	recovery_files f = RECOVERY_FILES_INIT;
	strbuf		sb;

	render_ok(&p, &f);
	strbuf_init(&sb);
	strbuf_appendf(&sb, "# Recovery configuration rendered for PostgreSQL %d by tests/unit/test_recovery.c\n", major);
	strbuf_append(&sb, "# (PGREPLICA_UPDATE_GOLDEN=1 rewrites this file).\n");
	if (f.recovery_conf)
	{
		assert_false(f.signal);
		assert_null(f.standby_conf);
		assert_int_equal(f.n_auto_settings, 0);
		strbuf_appendf(&sb, "==> %s <==\n%s", RECOVERY_CONF_FILE, f.recovery_conf);
	}
	else
	{
		char	   *merged;

		assert_true(f.signal);
		assert_non_null(f.standby_conf);
		merged = apply_ok(OLD_AUTO_CONF, &f);
		strbuf_appendf(&sb, "==> %s (empty) <==\n", RECOVERY_SIGNAL_FILE);
		strbuf_appendf(&sb, "==> %s (rendered) <==\n%s", RECOVERY_TEMPLATE_STANDBY, f.standby_conf);
		strbuf_append(&sb, "==> settings <==\n");
		for (size_t i = 0; i < f.n_auto_settings; i++)
			strbuf_appendf(&sb, "%s\t%s\n", f.auto_settings[i].name, f.auto_settings[i].value);
		strbuf_appendf(&sb, "==> %s before <==\n%s", RECOVERY_AUTO_CONF_FILE, OLD_AUTO_CONF);
		strbuf_appendf(&sb, "==> %s after <==\n%s", RECOVERY_AUTO_CONF_FILE, merged);
		free(merged);
	}
	recovery_files_free(&f);
	return strbuf_detach(&sb);
}

static void
test_golden(void **state)
{
	int			major = (int) (intptr_t) * state;
	char	   *rel = pgr_asprintf("tests/unit/golden/recovery-%d.txt", major);
	char	   *path = srcdir_path(rel);
	char	   *got = golden_text(major);
	char	   *want;
	const char *update = getenv("PGREPLICA_UPDATE_GOLDEN");

	assert_no_password(got);
	if (update && strcmp(update, "1") == 0)
	{
		write_file(path, got);
		print_message("# rewrote %s\n", path);
	}
	want = read_file(path);
	if (!want)
		fail_msg("cannot read golden file %s (PGREPLICA_UPDATE_GOLDEN=1 writes it)", path);
	if (strcmp(got, want) != 0)
		fail_msg("%s differs from what is rendered now:\n%s", path, got);
	free(want);
	free(got);
	free(path);
	free(rel);
}

/* ---- primary_conninfo ------------------------------------------------------------ */

static void
test_conninfo_ssl(void **state)
{
	recovery_params p = sample_params(17, templates_dir);
	char	   *c = recovery_conninfo(&p);

	assert_non_null(c);
	assert_string_equal(c,
						"host=172.17.0.2 port=5432 user=replicator "
						"passfile='/var/lib/postgresql/.pgreplica/pgpass' "
						"application_name=pg2 sslmode='verify-full' "
						"sslrootcert='/var/lib/postgresql/.pgreplica/ca.crt'");
	assert_conninfo_value(c, "passfile", p.passfile);
	assert_conninfo_value(c, "password", NULL);
	free(c);
}

/* replication_auth = cert: the client certificate, no passfile */
static void
test_conninfo_client_cert(void **state)
{
	recovery_params p = sample_params(17, templates_dir);
	char	   *c;

	(void) state;
	p.passfile = NULL;
	p.sslcert = "/var/lib/postgresql/.pgreplica/client.crt";
	p.sslkey = "/var/lib/postgresql/.pgreplica/client.key";
	c = recovery_conninfo(&p);
	assert_non_null(c);
	assert_conninfo_value(c, "sslcert", p.sslcert);
	assert_conninfo_value(c, "sslkey", p.sslkey);
	assert_conninfo_value(c, "passfile", NULL);
	assert_null(strstr(c, "passfile"));
	free(c);
	/* neither a passfile nor a certificate: nothing to log in with */
	p.sslcert = p.sslkey = NULL;
	assert_null(recovery_conninfo(&p));
	/* a certificate without its key, or without SSL */
	p.sslcert = "/x/client.crt";
	assert_null(recovery_conninfo(&p));
	p.sslkey = "/x/client.key";
	p.ssl = false;
	assert_null(recovery_conninfo(&p));
}

static void
test_ssl_off(void **state)
{
	int			majors[] = {10, 11, 12, 15, 16, 18};

	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
	{
		recovery_params p = sample_params(majors[i], templates_dir);
		recovery_files f = RECOVERY_FILES_INIT;
		char	   *c;
		char	   *conninfo;

		p.ssl = false;
		c = recovery_conninfo(&p);
		assert_non_null(c);
		assert_conninfo_value(c, "sslmode", "prefer");
		assert_conninfo_value(c, "sslrootcert", NULL);
		assert_null(strstr(c, "sslrootcert"));
		/* a CA file given without SSL is not used */
		p.sslrootcert = NULL;
		render_ok(&p, &f);
		if (f.recovery_conf)
			conninfo = value_in(f.recovery_conf, "primary_conninfo");
		else
			conninfo = pgr_strdup(setting_of(&f, "primary_conninfo"));
		assert_non_null(conninfo);
		assert_string_equal(conninfo, c);
		assert_null(strstr(f.recovery_conf ? f.recovery_conf : f.standby_conf, "sslrootcert"));
		free(conninfo);
		free(c);
		recovery_files_free(&f);
	}
}

/* ---- optional settings -------------------------------------------------------------- */

static void
test_optional_settings_left_out(void **state)
{
	int			majors[] = {10, 11, 12, 13, 15, 16, 17, 18};

	for (size_t i = 0; i < sizeof(majors) / sizeof(majors[0]); i++)
	{
		recovery_params p = sample_params(majors[i], templates_dir);
		recovery_files f = RECOVERY_FILES_INIT;
		const char *text;

		p.slot = NULL;
		p.trigger_file = "";	/* empty is as unset */
		p.restore_command = NULL;
		p.archive_cleanup_command = NULL;
		render_ok(&p, &f);
		text = f.recovery_conf ? f.recovery_conf : f.standby_conf;
		assert_null(strstr(text, "primary_slot_name"));
		assert_null(strstr(text, "trigger_file"));
		assert_null(strstr(text, "restore_command"));
		assert_null(strstr(text, "archive_cleanup_command"));
		assert_null(strstr(text, "@"));
		/* what stays */
		assert_non_null(strstr(text, "\nprimary_conninfo = '"));
		assert_non_null(strstr(text, "\nrecovery_target_timeline = 'latest'\n"));
		if (f.recovery_conf)
			assert_non_null(strstr(text, "\nstandby_mode = on\n"));
		else
		{
			assert_null(strstr(text, "standby_mode"));
			assert_int_equal(f.n_auto_settings, 2);
			assert_string_equal(f.auto_settings[0].name, "primary_conninfo");
			assert_string_equal(f.auto_settings[1].name, "recovery_target_timeline");
			assert_string_equal(f.auto_settings[1].value, "latest");
		}
		recovery_files_free(&f);
	}
}

/* The same configuration without a slot: a slot line left over goes. */
static void
test_slot_removed_when_off(void **state)
{
	recovery_params p = sample_params(17, templates_dir);
	recovery_files with = RECOVERY_FILES_INIT;
	recovery_files without = RECOVERY_FILES_INIT;
	char	   *first;
	char	   *second;

	render_ok(&p, &with);
	p.slot = NULL;
	p.restore_command = NULL;
	p.archive_cleanup_command = NULL;
	render_ok(&p, &without);
	first = apply_ok("", &with);
	assert_int_equal(count_in(first, "primary_slot_name"), 1);
	assert_int_equal(count_in(first, "restore_command"), 1);
	second = apply_ok(first, &without);
	assert_int_equal(count_in(second, "primary_slot_name"), 0);
	assert_int_equal(count_in(second, "restore_command"), 0);
	assert_int_equal(count_in(second, "archive_cleanup_command"), 0);
	assert_int_equal(count_in(second, "primary_conninfo"), 1);
	free(first);
	free(second);
	recovery_files_free(&with);
	recovery_files_free(&without);
}

/* ---- trigger files ---------------------------------------------------------------- */

static void
test_trigger_by_version(void **state)
{
	const char *old = "promote_trigger_file = '/tmp/old.trigger'\n"
		"trigger_file = '/tmp/older.trigger'\n";

	for (int major = 10; major <= 18; major++)
	{
		recovery_params p = sample_params(major, templates_dir);
		recovery_files f = RECOVERY_FILES_INIT;
		const pg_version_facts *facts = facts_of(major);

		render_ok(&p, &f);
		if (facts->recovery_conf)
		{
			char	   *v = value_in(f.recovery_conf, "trigger_file");

			assert_non_null(v);
			assert_string_equal(v, p.trigger_file);
			assert_null(strstr(f.recovery_conf, "promote_trigger_file"));
			free(v);
		}
		else
		{
			char	   *merged = apply_ok(old, &f);
			char	   *v = value_in(merged, "promote_trigger_file");

			/* trigger_file is a recovery.conf setting: gone from 12 */
			assert_int_equal(count_in(merged, "trigger_file"), 0);
			if (facts->promote_trigger_setting)
			{
				/* 12-15: set, replacing the old one */
				assert_string_equal(setting_of(&f, "promote_trigger_file"), p.trigger_file);
				assert_non_null(v);
				assert_string_equal(v, p.trigger_file);
				assert_int_equal(count_in(merged, "promote_trigger_file"), 1);
			}
			else
			{
				/* 16+: nothing, and the leftover removed */
				assert_null(setting_of(&f, "promote_trigger_file"));
				assert_null(strstr(f.standby_conf, "trigger"));
				assert_null(v);
				assert_null(strstr(merged, "trigger"));
			}
			free(v);
			free(merged);
		}
		recovery_files_free(&f);
	}
}

/* Without a trigger file in the cluster, 12-15 drop an old one too. */
static void
test_trigger_unset_removes_old(void **state)
{
	recovery_params p = sample_params(14, templates_dir);
	recovery_files f = RECOVERY_FILES_INIT;
	char	   *merged;

	p.trigger_file = NULL;
	render_ok(&p, &f);
	merged = apply_ok(OLD_AUTO_CONF, &f);
	assert_int_equal(count_in(merged, "promote_trigger_file"), 0);
	assert_int_equal(count_in(merged, "listen_addresses"), 1);
	free(merged);
	recovery_files_free(&f);
}

/* ---- postgresql.auto.conf merge ------------------------------------------------------ */

static void
test_merge_replaces_never_duplicates(void **state)
{
	static const int majors[] = {12, 13, 15, 16, 17, 18};
	const char *old =
		"# Do not edit this file manually!\n"
		"# It will be overwritten by the ALTER SYSTEM command.\n"
		"primary_conninfo = 'host=first'\n"
		"shared_buffers = '256MB'\n"
		"primary_conninfo = 'host=second'\n"
		"standby_mode = 'on'\n"
		"recovery_target_timeline = 'current'\n"
		"PRIMARY_SLOT_NAME = 'old_slot'\n"
		"archive_cleanup_command = 'true'\n";

	for (size_t m = 0; m < sizeof(majors) / sizeof(majors[0]); m++)
	{
		recovery_params p = sample_params(majors[m], templates_dir);
		recovery_files f = RECOVERY_FILES_INIT;
		char	   *once;
		char	   *twice;
		char	   *fresh;
		char	   *fresh2;

		render_ok(&p, &f);
		once = apply_ok(old, &f);
		twice = apply_ok(once, &f);
		/* apply twice = apply once */
		assert_string_equal(once, twice);
		for (size_t i = 0; i < f.n_auto_settings; i++)
		{
			char	   *v = value_in(once, f.auto_settings[i].name);

			assert_int_equal(count_in(once, f.auto_settings[i].name), 1);
			assert_non_null(v);
			assert_string_equal(v, f.auto_settings[i].value);
			free(v);
		}
		assert_int_equal(count_in(once, "standby_mode"), 0);
		assert_int_equal(count_in(once, "shared_buffers"), 1);
		/* the comment lines and the other setting are kept as they were */
		assert_non_null(strstr(once, "# Do not edit this file manually!\n"
							   "# It will be overwritten by the ALTER SYSTEM command.\n"));
		assert_non_null(strstr(once, "shared_buffers = '256MB'\n"));
		assert_null(strstr(once, "host=first"));
		assert_null(strstr(once, "old_slot"));

		/* from no file at all, and again */
		fresh = apply_ok(NULL, &f);
		fresh2 = apply_ok(fresh, &f);
		assert_string_equal(fresh, fresh2);
		assert_int_equal(count_in(fresh, "primary_conninfo"), 1);
		free(fresh2);
		free(fresh);
		fresh = apply_ok("", &f);
		assert_int_equal(count_in(fresh, "primary_conninfo"), 1);
		assert_no_password(once);
		free(fresh);
		free(once);
		free(twice);
		recovery_files_free(&f);
	}
}

static void
test_merge_refusals(void **state)
{
	recovery_params p = sample_params(11, templates_dir);
	recovery_files f = RECOVERY_FILES_INIT;
	recovery_files g = RECOVERY_FILES_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *text = (char *) "x";

	/* a recovery.conf server keeps nothing in postgresql.auto.conf */
	render_ok(&p, &f);
	assert_int_equal(recovery_apply_auto_conf("", &f, &text, &err), -1);
	assert_null(text);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	pgr_error_clear(&err);

	/* a syntax error in the old file */
	p = sample_params(15, templates_dir);
	render_ok(&p, &g);
	assert_int_equal(recovery_apply_auto_conf("primary_conninfo = 'unterminated\n", &g, &text, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	pgr_error_clear(&err);
	recovery_files_free(&f);
	recovery_files_free(&g);
}

/* ---- hostile values ----------------------------------------------------------------- */

static const char *const hostile[] = {
	"it's",
	"a b  c",
	"$(touch /tmp/pwned)",
	"back\\slash\\",
	"'; DROP TABLE x; --",
	"\\'\\\\''",
	"tab\there",
	"@SLOT@ @NODE@",
	"#not a comment",
	"=x= password=secret",
	"\xc3\xa9t\xc3\xa9",
};

static void
test_hostile_values_round_trip(void **state)
{
	for (size_t h = 0; h < sizeof(hostile) / sizeof(hostile[0]); h++)
	{
		int			majors[] = {11, 15, 17};

		for (size_t m = 0; m < sizeof(majors) / sizeof(majors[0]); m++)
		{
			recovery_params p = sample_params(majors[m], templates_dir);
			recovery_files f = RECOVERY_FILES_INIT;
			char	   *conninfo;
			char	   *text;
			char	   *host = pgr_asprintf("host %s", hostile[h]);
			char	   *pass = pgr_asprintf("/var/lib/%s/pgpass", hostile[h]);
			char	   *ca = pgr_asprintf("/etc/%s/ca.crt", hostile[h]);
			char	   *trigger = pgr_asprintf("/tmp/%s.trigger", hostile[h]);
			char	   *restore = pgr_asprintf("cp '/archive/%s/%%f' \"%%p\"", hostile[h]);
			char	   *v;
			const char *slot_trigger = majors[m] <= 11 ? "trigger_file" : "promote_trigger_file";

			p.node = hostile[h];
			p.primary_host = host;
			p.user = hostile[h];
			p.passfile = pass;
			p.sslrootcert = ca;
			p.trigger_file = trigger;
			p.restore_command = restore;
			p.archive_cleanup_command = hostile[h];
			render_ok(&p, &f);
			if (f.recovery_conf)
				text = pgr_strdup(f.recovery_conf);
			else
				text = apply_ok(OLD_AUTO_CONF, &f);

			/* what the server reads */
			conninfo = value_in(text, "primary_conninfo");
			assert_non_null(conninfo);
			assert_conninfo_value(conninfo, "host", host);
			assert_conninfo_value(conninfo, "port", "5432");
			assert_conninfo_value(conninfo, "user", hostile[h]);
			assert_conninfo_value(conninfo, "passfile", pass);
			assert_conninfo_value(conninfo, "application_name", hostile[h]);
			assert_conninfo_value(conninfo, "sslmode", "verify-full");
			assert_conninfo_value(conninfo, "sslrootcert", ca);
			assert_conninfo_value(conninfo, "password", NULL);
			v = value_in(text, slot_trigger);
			if (p.facts->promote_trigger_setting)
			{
				assert_non_null(v);
				assert_string_equal(v, trigger);
			}
			else
				assert_null(v);
			free(v);
			v = value_in(text, "restore_command");
			assert_string_equal(v, restore);
			free(v);
			v = value_in(text, "archive_cleanup_command");
			assert_string_equal(v, hostile[h]);
			free(v);
			v = value_in(text, "primary_slot_name");
			assert_string_equal(v, "pg2");
			free(v);
			/* the substituted text was not scanned again */
			if (f.standby_conf)
				assert_int_equal(count_in(f.standby_conf, "primary_slot_name"), 1);

			free(conninfo);
			free(text);
			free(host);
			free(pass);
			free(ca);
			free(trigger);
			free(restore);
			recovery_files_free(&f);
		}
	}
}

/* Values quoted by libpq's rules: plain words bare, the rest in quotes. */
static void
test_conninfo_quoting(void **state)
{
	recovery_params p = sample_params(13, templates_dir);
	char	   *c;

	p.ssl = false;
	p.primary_host = "db.example.com";
	p.user = "o'neil\\x";
	p.passfile = "/p";
	p.node = "node_1.a";
	c = recovery_conninfo(&p);
	assert_string_equal(c, "host=db.example.com port=5432 user='o\\'neil\\\\x' "
						"passfile='/p' application_name=node_1.a sslmode=prefer");
	free(c);
}

/* ---- refusals ---------------------------------------------------------------------- */

static void
expect_refused(const recovery_params *p, const char *why)
{
	recovery_files f = RECOVERY_FILES_INIT;
	pgr_error	err = PGR_ERROR_INIT;

	if (recovery_render(p, &f, &err) == 0)
		fail_msg("rendered despite %s", why);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(err.message);
	assert_null(f.recovery_conf);
	assert_null(f.standby_conf);
	pgr_error_clear(&err);
	recovery_files_free(&f);
}

static void
test_password_refused(void **state)
{
	for (int major = 10; major <= 18; major++)
	{
		recovery_params p = sample_params(major, templates_dir);

		p.password = "secret";
		assert_null(recovery_conninfo(&p));
		expect_refused(&p, "a password");
		p.password = "";
		assert_null(recovery_conninfo(&p));
		expect_refused(&p, "an empty password");
	}
}

static void
test_no_password_anywhere(void **state)
{
	for (int major = 10; major <= 18; major++)
	{
		for (int ssl = 0; ssl <= 1; ssl++)
		{
			recovery_params p = sample_params(major, templates_dir);
			recovery_files f = RECOVERY_FILES_INIT;
			char	   *c;

			p.ssl = ssl;
			c = recovery_conninfo(&p);
			assert_no_password(c);
			render_ok(&p, &f);
			assert_no_password(f.recovery_conf);
			assert_no_password(f.standby_conf);
			for (size_t i = 0; i < f.n_auto_settings; i++)
			{
				assert_no_password(f.auto_settings[i].name);
				assert_no_password(f.auto_settings[i].value);
			}
			if (!f.recovery_conf)
			{
				char	   *merged = apply_ok(NULL, &f);

				assert_no_password(merged);
				free(merged);
			}
			free(c);
			recovery_files_free(&f);
		}
	}
}

static void
test_bad_input_refused(void **state)
{
	recovery_params p;

	p = sample_params(15, templates_dir);
	p.facts = NULL;
	expect_refused(&p, "no version");

	p = sample_params(15, templates_dir);
	p.passfile = NULL;
	assert_null(recovery_conninfo(&p));
	expect_refused(&p, "no passfile");

	p = sample_params(11, templates_dir);
	p.primary_host = "";
	expect_refused(&p, "no host");

	p = sample_params(15, templates_dir);
	p.user = NULL;
	expect_refused(&p, "no user");

	p = sample_params(15, templates_dir);
	p.node = NULL;
	expect_refused(&p, "no node");

	p = sample_params(15, templates_dir);
	p.sslrootcert = NULL;
	expect_refused(&p, "SSL without a CA file");

	p = sample_params(15, templates_dir);
	p.primary_port = 0;
	expect_refused(&p, "port 0");
	p.primary_port = 65536;
	expect_refused(&p, "port 65536");

	p = sample_params(15, templates_dir);
	p.node = "pg2\napplication_name=x";
	assert_null(recovery_conninfo(&p));
	expect_refused(&p, "a line break in the node name");

	p = sample_params(11, templates_dir);
	p.restore_command = "cp a b\nstandby_mode = off";
	expect_refused(&p, "a line break in restore_command");

	p = sample_params(17, templates_dir);
	p.archive_cleanup_command = "x\r";
	expect_refused(&p, "a carriage return");

	p = sample_params(17, templates_dir);
	p.slot = "Bad-Slot";
	expect_refused(&p, "a bad slot name");
	p.slot = "a23456789012345678901234567890123456789012345678901234567890123x";
	expect_refused(&p, "a slot name of 64 characters");
	p.slot = "a23456789012345678901234567890123456789012345678901234567890123";
	{
		recovery_files f = RECOVERY_FILES_INIT;

		render_ok(&p, &f);		/* 63 is fine */
		recovery_files_free(&f);
	}
}

/* ---- templates ------------------------------------------------------------------- */

static void
test_template_dir(void **state)
{
	/* Installed: the package data directory; not installed: the source's. */
	const char *dflt = access(PKGDATADIR "/templates", R_OK | X_OK) == 0
		? PKGDATADIR "/templates" : SRCDIR_TEMPLATES;
	char	   *saved = getenv(RECOVERY_TEMPLATES_ENV) ? pgr_strdup(getenv(RECOVERY_TEMPLATES_ENV)) : NULL;

	unsetenv(RECOVERY_TEMPLATES_ENV);
	assert_string_equal(recovery_template_dir(NULL), dflt);
	assert_string_equal(recovery_template_dir(""), dflt);
	assert_string_equal(recovery_template_dir("/mine"), "/mine");
	setenv(RECOVERY_TEMPLATES_ENV, "/from/env", 1);
	assert_string_equal(recovery_template_dir(NULL), "/from/env");
	assert_string_equal(recovery_template_dir("/mine"), "/mine");
	setenv(RECOVERY_TEMPLATES_ENV, "", 1);
	assert_string_equal(recovery_template_dir(NULL), dflt);
	unsetenv(RECOVERY_TEMPLATES_ENV);
	if (saved)
		setenv(RECOVERY_TEMPLATES_ENV, saved, 1);
	free(saved);
}

static void
test_template_override(void **state)
{
	char	   *dir = make_temp_dir();
	char	   *path;
	recovery_params p;
	recovery_files f = RECOVERY_FILES_INIT;
	pgr_error	err = PGR_ERROR_INIT;

	path = pgr_asprintf("%s/%s", dir, RECOVERY_TEMPLATE_STANDBY);
	write_file(path,
			   "# mine, for @NODE@ at user@host\n"
			   "primary_conninfo = @PRIMARY_CONNINFO@\n"
			   "primary_slot_name = @SLOT@\n"
			   "wal_receiver_timeout = '2min'\n"
			   "restore_command = @RESTORE_COMMAND@ # same line @SLOT@\n"
			   "no_final_newline = @MAJOR@");
	free(path);

	/* through the environment */
	setenv(RECOVERY_TEMPLATES_ENV, dir, 1);
	p = sample_params(17, NULL);
	p.restore_command = NULL;
	render_ok(&p, &f);
	unsetenv(RECOVERY_TEMPLATES_ENV);
	assert_string_equal(f.standby_conf,
						"# mine, for 'pg2' at user@host\n"
						"primary_conninfo = 'host=172.17.0.2 port=5432 user=replicator passfile=''/var/lib/postgresql/.pgreplica/pgpass'' application_name=pg2 sslmode=''verify-full'' sslrootcert=''/var/lib/postgresql/.pgreplica/ca.crt'''\n"
						"primary_slot_name = 'pg2'\n"
						"wal_receiver_timeout = '2min'\n"
						"no_final_newline = 17\n");
	assert_int_equal(f.n_auto_settings, 4);
	assert_string_equal(setting_of(&f, "wal_receiver_timeout"), "2min");
	assert_string_equal(setting_of(&f, "no_final_newline"), "17");
	recovery_files_free(&f);

	/* the directory named in the parameters beats the environment */
	setenv(RECOVERY_TEMPLATES_ENV, "/nonexistent", 1);
	p = sample_params(17, dir);
	render_ok(&p, &f);
	assert_non_null(strstr(f.standby_conf, "# mine"));
	recovery_files_free(&f);
	unsetenv(RECOVERY_TEMPLATES_ENV);

	/* a missing template: an I/O error naming it */
	p = sample_params(11, dir);
	assert_int_equal(recovery_render(&p, &f, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_IO);
	assert_non_null(strstr(err.message, RECOVERY_TEMPLATE_CONF));
	pgr_error_clear(&err);
	recovery_files_free(&f);

	/* an unknown placeholder, even on a line left out */
	path = pgr_asprintf("%s/%s", dir, RECOVERY_TEMPLATE_CONF);
	write_file(path, "standby_mode = on\nprimary_slot_name = @SLOT@ @SLOTT@\n");
	p = sample_params(11, dir);
	p.slot = NULL;
	assert_int_equal(recovery_render(&p, &f, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(strstr(err.message, "@SLOTT@"));
	assert_non_null(strstr(err.message, "line 2"));
	pgr_error_clear(&err);
	recovery_files_free(&f);

	/* a template that does not parse */
	write_file(path, "standby_mode = on\nprimary_conninfo = 'x\n");
	assert_int_equal(recovery_render(&p, &f, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	pgr_error_clear(&err);
	recovery_files_free(&f);
	free(path);

	/* include directives make no sense in postgresql.auto.conf */
	path = pgr_asprintf("%s/%s", dir, RECOVERY_TEMPLATE_STANDBY);
	write_file(path, "include 'other.conf'\nprimary_conninfo = @PRIMARY_CONNINFO@\n");
	p = sample_params(16, dir);
	assert_int_equal(recovery_render(&p, &f, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	pgr_error_clear(&err);
	recovery_files_free(&f);
	free(path);

	remove_temp_dir(dir);
}

/* The installed templates: every placeholder they use is documented. */
static void
test_templates_documented(void **state)
{
	char	   *readme_path = srcdir_path("templates/README");
	char	   *readme = read_file(readme_path);
	const char *names[] = {RECOVERY_TEMPLATE_CONF, RECOVERY_TEMPLATE_STANDBY};

	assert_non_null(readme);
	for (size_t i = 0; i < 2; i++)
	{
		char	   *path = pgr_asprintf("%s/%s", templates_dir, names[i]);
		char	   *t = read_file(path);

		assert_non_null(t);
		assert_non_null(strstr(t, "pgreplica"));
		for (const char *s = strchr(t, '@'); s; s = strchr(s, '@'))
		{
			const char *e = strchr(s + 1, '@');
			char	   *ph;

			assert_non_null(e);
			ph = pgr_strndup(s, (size_t) (e - s + 1));
			if (!strstr(readme, ph))
				fail_msg("%s: %s is not described in templates/README", names[i], ph);
			free(ph);
			s = e + 1;
		}
		free(t);
		free(path);
	}
	free(readme);
	free(readme_path);
}

int
main(void)
{
#define GOLDEN(m) cmocka_unit_test_prestate(test_golden, (void *) (intptr_t) (m))
	const struct CMUnitTest tests[] = {
		GOLDEN(10), GOLDEN(11), GOLDEN(12), GOLDEN(13),
		GOLDEN(15), GOLDEN(16), GOLDEN(17), GOLDEN(18),
		cmocka_unit_test(test_conninfo_ssl),
		cmocka_unit_test(test_conninfo_client_cert),
		cmocka_unit_test(test_conninfo_quoting),
		cmocka_unit_test(test_ssl_off),
		cmocka_unit_test(test_optional_settings_left_out),
		cmocka_unit_test(test_slot_removed_when_off),
		cmocka_unit_test(test_trigger_by_version),
		cmocka_unit_test(test_trigger_unset_removes_old),
		cmocka_unit_test(test_merge_replaces_never_duplicates),
		cmocka_unit_test(test_merge_refusals),
		cmocka_unit_test(test_hostile_values_round_trip),
		cmocka_unit_test(test_password_refused),
		cmocka_unit_test(test_no_password_anywhere),
		cmocka_unit_test(test_bad_input_refused),
		cmocka_unit_test(test_template_dir),
		cmocka_unit_test(test_template_override),
		cmocka_unit_test(test_templates_documented),
	};

	return cmocka_run_group_tests_name("recovery", tests, group_setup, group_teardown);
}
