/*
 * test_hba.c: pg_hba.conf as text (src/formats/hba.c): parsing as the server does,
 * where the replication rule for a standby goes, insertion, removal and
 * byte-for-byte rendering.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hba.h"
#include "report.h"
#include "strbuf.h"

/* Debian's pg_hba.conf as pg_createcluster writes it (PostgreSQL 15). */
static const char debian_hba[] =
	"# PostgreSQL Client Authentication Configuration File\n"
	"# ===================================================\n"
	"#\n"
	"# Refer to the \"Client Authentication\" section in the PostgreSQL\n"
	"# documentation for a complete description of this file.  A short\n"
	"# synopsis follows.\n"
	"#\n"
	"# This file controls: which hosts are allowed to connect, how clients\n"
	"# are authenticated, which PostgreSQL user names they can use, which\n"
	"# databases they can access.  Records take one of these forms:\n"
	"#\n"
	"# local         DATABASE  USER  METHOD  [OPTIONS]\n"
	"# host          DATABASE  USER  ADDRESS  METHOD  [OPTIONS]\n"
	"# hostssl       DATABASE  USER  ADDRESS  METHOD  [OPTIONS]\n"
	"# hostnossl     DATABASE  USER  ADDRESS  METHOD  [OPTIONS]\n"
	"# hostgssenc    DATABASE  USER  ADDRESS  METHOD  [OPTIONS]\n"
	"# hostnogssenc  DATABASE  USER  ADDRESS  METHOD  [OPTIONS]\n"
	"#\n"
	"# (The uppercase items must be replaced by actual values.)\n"
	"#\n"
	"# The first field is the connection type:\n"
	"# - \"local\" is a Unix-domain socket\n"
	"# - \"host\" is a TCP/IP socket (encrypted or not)\n"
	"# - \"hostssl\" is a TCP/IP socket that is SSL-encrypted\n"
	"# - \"hostnossl\" is a TCP/IP socket that is not SSL-encrypted\n"
	"# - \"hostgssenc\" is a TCP/IP socket that is GSSAPI-encrypted\n"
	"# - \"hostnogssenc\" is a TCP/IP socket that is not GSSAPI-encrypted\n"
	"#\n"
	"# DATABASE can be \"all\", \"sameuser\", \"samerole\", \"replication\", a\n"
	"# database name, or a comma-separated list thereof. The \"all\"\n"
	"# keyword does not match \"replication\". Access to replication\n"
	"# must be enabled in a separate record (see example below).\n"
	"#\n"
	"# USER can be \"all\", a user name, a group name prefixed with \"+\", or a\n"
	"# comma-separated list thereof.  In both the DATABASE and USER fields\n"
	"# you can also write a file name prefixed with \"@\" to include names\n"
	"# from a separate file.\n"
	"#\n"
	"# ADDRESS specifies the set of hosts the record matches.  It can be a\n"
	"# host name, or it is made up of an IP address and a CIDR mask that is\n"
	"# an integer (between 0 and 32 (IPv4) or 128 (IPv6) inclusive) that\n"
	"# specifies the number of significant bits in the mask.  A host name\n"
	"# that starts with a dot (.) matches a suffix of the actual host name.\n"
	"# Alternatively, you can write an IP address and netmask in separate\n"
	"# columns to specify the set of hosts.  Instead of a CIDR-address, you\n"
	"# can write \"samehost\" to match any of the server's own IP addresses,\n"
	"# or \"samenet\" to match any address in any subnet that the server is\n"
	"# directly connected to.\n"
	"#\n"
	"# METHOD can be \"trust\", \"reject\", \"md5\", \"password\", \"scram-sha-256\",\n"
	"# \"gss\", \"sspi\", \"ident\", \"peer\", \"pam\", \"ldap\", \"radius\" or \"cert\".\n"
	"# Note that \"password\" sends passwords in clear text; \"md5\" or\n"
	"# \"scram-sha-256\" are preferred since they send encrypted passwords.\n"
	"#\n"
	"# OPTIONS are a set of options for the authentication in the format\n"
	"# NAME=VALUE.  The available options depend on the different\n"
	"# authentication methods -- refer to the \"Client Authentication\"\n"
	"# section in the documentation for a list of which options are\n"
	"# available for which authentication methods.\n"
	"#\n"
	"# Database and user names containing spaces, commas, quotes and other\n"
	"# special characters must be quoted.  Quoting one of the keywords\n"
	"# \"all\", \"sameuser\", \"samerole\" or \"replication\" makes the name lose\n"
	"# its special character, and just match a database or username with\n"
	"# that name.\n"
	"#\n"
	"# This file is read on server startup and when the server receives a\n"
	"# SIGHUP signal.  If you edit the file on a running system, you have to\n"
	"# SIGHUP the server for the changes to take effect, run \"pg_ctl reload\",\n"
	"# or execute \"SELECT pg_reload_conf()\".\n"
	"#\n"
	"# Put your actual configuration here\n"
	"# ----------------------------------\n"
	"#\n"
	"# If you want to allow non-local connections, you need to add more\n"
	"# \"host\" records.  In that case you will also need to make PostgreSQL\n"
	"# listen on a non-local interface via the listen_addresses\n"
	"# configuration parameter, or via the -i or -h command line switches.\n"
	"\n"
	"\n"
	"\n"
	"\n"
	"# DO NOT DISABLE!\n"
	"# If you change this first entry you will need to make sure that the\n"
	"# database superuser can access the database using some other method.\n"
	"# Noninteractive access to all databases is required during automatic\n"
	"# maintenance (custom daily cronjobs, replication, and similar tasks).\n"
	"#\n"
	"# Database administrative login by Unix domain socket\n"
	"local   all             postgres                                peer\n"
	"\n"
	"# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
	"\n"
	"# \"local\" is for Unix domain socket connections only\n"
	"local   all             all                                     peer\n"
	"# IPv4 local connections:\n"
	"host    all             all             127.0.0.1/32            scram-sha-256\n"
	"# IPv6 local connections:\n"
	"host    all             all             ::1/128                 scram-sha-256\n"
	"# Allow replication connections from localhost, by a user with the\n"
	"# replication privilege.\n"
	"local   replication     all                                     peer\n"
	"host    replication     all             127.0.0.1/32            scram-sha-256\n"
	"host    replication     all             ::1/128                 scram-sha-256\n";

#define DEB_N_RULES 7

/* ---- helpers ----------------------------------------------------------------- */

static hba_doc *
parse_str(const char *s)
{
	hba_doc    *doc = hba_parse(s, strlen(s));

	assert_non_null(doc);
	return doc;
}

static char *
render(const hba_doc *doc)
{
	size_t		len = 0;
	char	   *out = hba_render(doc, &len);

	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	return out;
}

static void
assert_round_trip(const char *s)
{
	hba_doc    *doc = parse_str(s);
	char	   *out = render(doc);

	assert_string_equal(out, s);
	free(out);
	hba_free(doc);
}

static void
plan_ok(const hba_doc *doc, hba_conn_type type, const char *role,
		const char *address, const char *method, hba_plan *plan)
{
	pgr_error	err = PGR_ERROR_INIT;

	if (hba_plan_rule(doc, type, role, address, method, plan, &err) != 0)
		fail_msg("hba_plan_rule: %s", err.message);
	assert_false(pgr_error_isset(&err));
	assert_non_null(plan->line);
}

/* A rule with the option is what scram+cert wants; one without it is not. */
static void
test_method_option_equivalence(void **state)
{
	hba_doc    *doc;
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;

	(void) state;
	doc = parse_str("hostssl replication replicate 10.1.2.3/32 scram-sha-256 clientcert=verify-full\n");
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256 clientcert=verify-full", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	hba_plan_clear(&plan);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3",
									 "scram-sha-256 clientcert=verify-full", &err), 1);
	hba_free(doc);
	doc = parse_str("hostssl replication replicate 10.1.2.3/32 scram-sha-256\n");
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256 clientcert=verify-full", &plan);
	assert_true(plan.needed);
	hba_plan_clear(&plan);
	hba_free(doc);
}

/* Plan and, when needed, insert: the new text (malloc'd). */
static char *
apply(const char *text, hba_conn_type type, const char *role,
	  const char *address, const char *method)
{
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;

	plan_ok(doc, type, role, address, method, &plan);
	if (plan.needed)
		assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
	out = render(doc);
	hba_plan_clear(&plan);
	hba_free(doc);
	return out;
}

/* Index of the first record whose text starts with `prefix`, or -1. */
static int
find_line(const hba_doc *doc, const char *prefix)
{
	for (int i = 0; i < doc->n_lines; i++)
		if (strncmp(doc->lines[i].text, prefix, strlen(prefix)) == 0)
			return i;
	return -1;
}

static int
count_kind(const hba_doc *doc, hba_line_kind kind)
{
	int			n = 0;

	for (int i = 0; i < doc->n_lines; i++)
		n += doc->lines[i].kind == kind;
	return n;
}

static const hba_rule *
only_rule(const hba_doc *doc)
{
	for (int i = 0; i < doc->n_lines; i++)
		if (doc->lines[i].kind == HBA_LINE_RULE)
			return &doc->lines[i].rule;
	fail_msg("no rule in the document");
	return NULL;
}

/* The plan for one rule line placed before a standby-less tail. */
static void
plan_text(const char *text, hba_conn_type type, const char *address,
		  const char *method, hba_plan *plan)
{
	hba_doc    *doc = parse_str(text);

	plan_ok(doc, type, "replicate", address, method, plan);
	hba_free(doc);
}

/* ---- Debian's default file --------------------------------------------------- */

static void
test_debian_default_parses(void **state)
{
	hba_doc    *doc = parse_str(debian_hba);
	const hba_line *l;
	int			i;

	assert_int_equal(doc->n_lines, 104);
	assert_string_equal(doc->eol, "\n");
	assert_int_equal(count_kind(doc, HBA_LINE_RULE), DEB_N_RULES);
	assert_int_equal(count_kind(doc, HBA_LINE_INVALID), 0);
	assert_int_equal(count_kind(doc, HBA_LINE_INCLUDE), 0);

	i = find_line(doc, "local   all             postgres");
	assert_true(i > 0);
	l = &doc->lines[i];
	assert_int_equal(l->lineno, i + 1);
	assert_int_equal(l->rule.type, HBA_LOCAL);
	assert_int_equal(l->rule.databases.n, 1);
	assert_int_equal(l->rule.databases.tokens[0].kind, HBA_TOKEN_KEYWORD);
	assert_string_equal(l->rule.users.tokens[0].value, "postgres");
	assert_int_equal(l->rule.users.tokens[0].kind, HBA_TOKEN_NAME);
	assert_int_equal(l->rule.address.kind, HBA_ADDR_NONE);
	assert_string_equal(l->rule.method, "peer");

	l = &doc->lines[doc->n_lines - 1];
	assert_int_equal(l->lineno, 104);
	assert_int_equal(l->rule.type, HBA_HOST);
	assert_string_equal(l->rule.databases.tokens[0].value, "replication");
	assert_int_equal(l->rule.address.kind, HBA_ADDR_IP);
	assert_string_equal(l->rule.address.text, "::1/128");
	assert_string_equal(l->rule.method, "scram-sha-256");

	hba_free(doc);
	assert_round_trip(debian_hba);
}

static void
test_debian_default_new_standby(void **state)
{
	hba_doc    *doc = parse_str(debian_hba);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	const char *expected = "hostssl replication     replicate       10.1.2.3/32             scram-sha-256";
	char	   *out;
	char	   *want;

	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_string_equal(plan.line, expected);
	/* after the last replication rule: the end of this file */
	assert_int_equal(plan.insert_at, doc->n_lines);
	assert_int_equal(plan.shadow, -1);
	assert_null(plan.shadow_text);
	assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
	out = render(doc);
	want = pgr_asprintf("%s%s\n", debian_hba, expected);
	assert_string_equal(out, want);
	assert_int_equal(doc->lines[doc->n_lines - 1].lineno, 105);
	assert_int_equal(doc->lines[doc->n_lines - 1].kind, HBA_LINE_RULE);
	hba_plan_clear(&plan);

	/* a second time: nothing to do, the rule just added is found */
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3/32", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, doc->n_lines - 1);
	hba_plan_clear(&plan);

	free(out);
	free(want);
	hba_free(doc);
}

static void
test_debian_default_local_standby_is_covered(void **state)
{
	hba_doc    *doc = parse_str(debian_hba);
	hba_plan	plan = HBA_PLAN_INIT;

	/* the demo's standby on 127.0.0.1: "host replication all 127.0.0.1/32
	 * scram-sha-256" already takes it, with or without SSL */
	plan_ok(doc, HBA_HOST, "replicate", "127.0.0.1", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, find_line(doc, "host    replication     all             127.0.0.1/32"));
	hba_plan_clear(&plan);

	/* but not with md5: that rule would take the connection first */
	plan_ok(doc, HBA_HOST, "replicate", "127.0.0.1", "md5", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, find_line(doc, "host    replication     all             127.0.0.1/32"));
	assert_int_equal(plan.shadow_lineno, 103);
	assert_false(plan.shadow_maybe);
	assert_string_equal(plan.shadow_text, "host    replication     all             127.0.0.1/32            scram-sha-256");
	/* right after "local replication all peer", the last replication rule
	 * above it */
	assert_int_equal(plan.insert_at, plan.shadow);
	hba_plan_clear(&plan);
	hba_free(doc);
}

/* ---- catch-all rejects and broader rules --------------------------------------- */

static const char reject_top[] =
	"# TYPE  DATABASE        USER            ADDRESS                 METHOD\n"
	"local   all             postgres                                peer\n"
	"host    all             all             0.0.0.0/0               reject\n"
	"host    all             all             10.0.0.0/8              scram-sha-256\n"
	"host    replication     all             127.0.0.1/32            scram-sha-256\n"
	"\n"
	"# the end\n";

static void
test_reject_all_does_not_take_replication(void **state)
{
	hba_plan	plan = HBA_PLAN_INIT;
	hba_doc    *doc = parse_str(reject_top);

	/* "all" does not match replication connections: the reject near the
	 * top does not stand in the way, the rule joins the replication rules */
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, -1);
	assert_int_equal(plan.insert_at, 5);
	hba_plan_clear(&plan);
	hba_free(doc);
}

static void
test_catch_all_reject_goes_below_new_rule(void **state)
{
	static const char *const rejects[] = {
		"host    replication     all             0.0.0.0/0               reject\n",
		"host    all,replication all             0.0.0.0/0               reject\n",
		"host    replication     all             all                     reject\n",
		"hostssl replication     all             0.0.0.0/0               reject\n",
		"hostnogssenc replication all            0.0.0.0/0               reject\n",
		"host    replication     replicate,other 0.0.0.0/0               reject\n",
		"host    replication     all             10.0.0.0 255.0.0.0      reject\n",
		"host    replication     all             10.1.2.3/32             scram-sha-256 clientcert=verify-full\n",
		"host    replication     all             10.1.2.3/8              password\n",
		"host    replication     all             0x0a.1.2.3/32           reject\n",
	};

	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++)
	{
		char	   *text = pgr_asprintf("# comment\nlocal all postgres peer\n%s"
										"host all all 0.0.0.0/0 scram-sha-256\n", rejects[i]);
		hba_doc    *doc = parse_str(text);
		hba_plan	plan = HBA_PLAN_INIT;
		pgr_error	err = PGR_ERROR_INIT;
		char	   *out;
		char	   *want;

		plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
		if (!plan.needed || plan.shadow != 2 || plan.insert_at != 2)
			fail_msg("case %zu: needed %d shadow %d insert_at %d", i,
					 plan.needed, plan.shadow, plan.insert_at);
		assert_false(plan.shadow_maybe);
		assert_int_equal(plan.shadow_lineno, 3);
		assert_memory_equal(plan.shadow_text, rejects[i], strlen(rejects[i]) - 1);
		assert_int_equal(strlen(plan.shadow_text), strlen(rejects[i]) - 1);
		assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
		out = render(doc);
		want = pgr_asprintf("# comment\nlocal all postgres peer\n%s\n%s"
							"host all all 0.0.0.0/0 scram-sha-256\n", plan.line, rejects[i]);
		assert_string_equal(out, want);
		free(out);
		free(want);
		hba_plan_clear(&plan);
		hba_free(doc);
		free(text);
	}
}

static void
test_broader_rule_with_other_method_shadows(void **state)
{
	static const char text[] =
		"local   replication     all                                     peer\n"
		"host    replication     all             127.0.0.1/32            scram-sha-256\n"
		"# the replication network\n"
		"host    replication     all             10.0.0.0/8              md5\n"
		"host    all             all             10.0.0.0/8              md5\n";
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;
	char	   *want;

	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 3);
	assert_int_equal(plan.shadow_lineno, 4);
	assert_string_equal(plan.shadow_text, "host    replication     all             10.0.0.0/8              md5");
	assert_false(plan.shadow_maybe);
	/* after the last replication rule above the shadow (keeps the comment
	 * with its rule) */
	assert_int_equal(plan.insert_at, 2);
	assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
	out = render(doc);
	want = pgr_asprintf("local   replication     all                                     peer\n"
						"host    replication     all             127.0.0.1/32            scram-sha-256\n"
						"%s\n"
						"# the replication network\n"
						"host    replication     all             10.0.0.0/8              md5\n"
						"host    all             all             10.0.0.0/8              md5\n", plan.line);
	assert_string_equal(out, want);
	/* line numbers follow */
	assert_int_equal(doc->lines[4].lineno, 5);
	hba_plan_clear(&plan);
	free(out);
	free(want);
	hba_free(doc);

	/* another address: the md5 rule does not cover 192.0.2.7, the rule
	 * goes after the replication rules, at the end */
	plan_text(text, HBA_HOSTSSL, "192.0.2.7", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, -1);
	assert_int_equal(plan.insert_at, 4);
	hba_plan_clear(&plan);

	/* rule address with host bits set: the server masks them */
	plan_text("host replication all 10.200.0.1/8 md5\n", HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, 0);
	assert_int_equal(plan.insert_at, 0);
	hba_plan_clear(&plan);
}

/* ---- already there ------------------------------------------------------------ */

static void
test_existing_identical_rule(void **state)
{
	static const char text[] =
		"# replication\n"
		"hostssl replication     replicate       10.1.2.3/32             scram-sha-256\n"
		"host    replication     all             0.0.0.0/0               reject\n";
	hba_plan	plan = HBA_PLAN_INIT;
	char	   *once;
	char	   *twice;

	plan_text(text, HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 1);
	assert_int_equal(plan.insert_at, -1);
	hba_plan_clear(&plan);

	once = apply(text, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256");
	assert_string_equal(once, text);
	free(once);

	/* idempotent from any start: applying twice gives the same text */
	once = apply(debian_hba, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256");
	twice = apply(once, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256");
	assert_string_equal(once, twice);
	assert_string_not_equal(once, debian_hba);
	free(once);
	free(twice);

	once = apply(reject_top, HBA_HOST, "replicate", "2001:db8::10", "scram-sha-256");
	twice = apply(once, HBA_HOST, "replicate", "2001:db8::10/128", "scram-sha-256");
	assert_string_equal(once, twice);
	free(once);
	free(twice);
}

static void
test_existing_broader_equivalent_rule(void **state)
{
	hba_plan	plan = HBA_PLAN_INIT;

	/* same method from a range that holds the address, for all roles */
	plan_text("host replication all 10.0.0.0/8 scram-sha-256\n"
			  "host replication all 0.0.0.0/0 reject\n",
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 0);
	hba_plan_clear(&plan);

	/* the same with a separate netmask column, the role in a list, and a
	 * continuation */
	plan_text("host replication other,replicate \\\n  10.1.0.0 255.255.0.0 scram-sha-256\n",
			  HBA_HOST, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 0);
	hba_plan_clear(&plan);

	/* a rule for a /24 does not cover a /16 request: only part of it */
	plan_text("host replication all 10.1.2.0/24 reject\n",
			  HBA_HOST, "10.1.0.0/16", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	assert_true(plan.shadow_maybe);
	hba_plan_clear(&plan);

	/* a same-method rule for a /24 that does not hold the whole /16 */
	plan_text("host replication all 10.1.2.0/24 scram-sha-256\n",
			  HBA_HOST, "10.1.0.0/16", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, -1);
	assert_int_equal(plan.insert_at, 1);
	hba_plan_clear(&plan);
}

/* ---- SSL or not --------------------------------------------------------------- */

static void
test_hostssl_rule_when_ssl_is_off(void **state)
{
	static const char text[] =
		"hostssl replication     replicate       10.1.2.3/32             scram-sha-256\n"
		"# end\n";
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;

	/* a hostssl rule does not take a connection without SSL */
	plan_ok(doc, HBA_HOST, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, -1);
	assert_int_equal(plan.insert_at, 1);
	assert_string_equal(plan.line, "host    replication     replicate       10.1.2.3/32             scram-sha-256");
	assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
	out = render(doc);
	assert_string_equal(out,
						"hostssl replication     replicate       10.1.2.3/32             scram-sha-256\n"
						"host    replication     replicate       10.1.2.3/32             scram-sha-256\n"
						"# end\n");
	hba_plan_clear(&plan);
	plan_ok(doc, HBA_HOST, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);
	free(out);
	hba_free(doc);

	/* without SSL only: needed too */
	plan_text(text, HBA_HOSTNOSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	hba_plan_clear(&plan);

	/* the other way round: a host rule takes SSL connections too */
	plan_text("host replication replicate 10.1.2.3/32 scram-sha-256\n",
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);
}

static void
test_ssl_state_of_shadowing_rules(void **state)
{
	static const char nossl_reject[] =
		"hostnossl replication all 0.0.0.0/0 reject\n"
		"host replication replicate 10.1.2.3/32 scram-sha-256\n";
	static const char ssl_reject[] =
		"hostssl replication all 0.0.0.0/0 reject\n"
		"host replication replicate 10.1.2.3/32 scram-sha-256\n";
	hba_plan	plan = HBA_PLAN_INIT;

	/* with SSL, hostnossl does not match: the host rule takes it */
	plan_text(nossl_reject, HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 1);
	hba_plan_clear(&plan);
	/* maybe without SSL: the reject takes those */
	plan_text(nossl_reject, HBA_HOST, "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	assert_int_equal(plan.insert_at, 0);
	hba_plan_clear(&plan);
	plan_text(nossl_reject, HBA_HOSTNOSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);

	plan_text(ssl_reject, HBA_HOSTNOSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);
	plan_text(ssl_reject, HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);

	/* GSSAPI encryption is not used: hostgssenc never matches,
	 * hostnogssenc always may; local never (TCP) */
	plan_text("hostgssenc replication all all reject\n"
			  "local replication all reject\n"
			  "host replication replicate 10.1.2.3/32 scram-sha-256\n",
			  HBA_HOST, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 2);
	hba_plan_clear(&plan);
	plan_text("hostnogssenc replication all all reject\n"
			  "host replication replicate 10.1.2.3/32 scram-sha-256\n",
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);
}

/* ---- what does not match --------------------------------------------------------- */

static void
test_rules_that_cannot_match(void **state)
{
	static const char text[] =
		"host \"replication\" all 0.0.0.0/0 reject\n"		/* a database */
		"host replication \"all\" 0.0.0.0/0 reject\n"		/* a role "all" */
		"host replication \"+replicate\" 0.0.0.0/0 reject\n"	/* a role "+replicate" */
		"host replication Replicate 0.0.0.0/0 reject\n"		/* case matters */
		"host replication other 0.0.0.0/0 reject\n"
		"host all,sameuser,samerole,postgres all 0.0.0.0/0 reject\n"
		"host /^rep all 0.0.0.0/0 reject\n"					/* regexes: not for
															 * replication */
		"host replication all 10.1.2.4/32 reject\n"
		"host replication all 10.1.3.0 255.255.255.0 reject\n"
		"host replication all ::/0 reject\n"				/* IPv6 */
		"host replication all \"all\" reject\n"				/* a host name: maybe */
		"host replication replicate 10.1.2.3/32 scram-sha-256\n";
	hba_plan	plan = HBA_PLAN_INIT;

	plan_text(text, HBA_HOST, "10.1.2.3", "scram-sha-256", &plan);
	/* only the quoted "all" address (a host name) may match */
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 10);
	assert_true(plan.shadow_maybe);
	assert_int_equal(plan.insert_at, 10);
	hba_plan_clear(&plan);
}

static void
test_rules_that_may_match(void **state)
{
	static const char *const maybes[] = {
		"host replication +admins 10.0.0.0/8 reject\n",
		"host replication @users 10.0.0.0/8 reject\n",
		"host replication /^rep 10.0.0.0/8 reject\n",
		"host @dbs all 10.0.0.0/8 reject\n",
		"host replication all .example.com reject\n",
		"host replication all standby1 reject\n",
		"host replication all samehost reject\n",
		"host replication all samenet reject\n",
		"include_dir conf.d\n",
		"include_if_exists extra.conf\n",
	};

	for (size_t i = 0; i < sizeof(maybes) / sizeof(maybes[0]); i++)
	{
		char	   *text = pgr_asprintf("host replication all 127.0.0.1/32 scram-sha-256\n%s"
										"host replication all 10.0.0.0/8 scram-sha-256\n", maybes[i]);
		hba_plan	plan = HBA_PLAN_INIT;

		plan_text(text, HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
		if (!plan.needed || plan.shadow != 1 || !plan.shadow_maybe || plan.insert_at != 1)
			fail_msg("case %zu: needed %d shadow %d maybe %d insert_at %d", i,
					 plan.needed, plan.shadow, plan.shadow_maybe, plan.insert_at);
		hba_plan_clear(&plan);
		free(text);
	}

	/* one that may match with the same method does not stand in the way:
	 * the scan goes on to the reject below */
	{
		hba_plan	plan = HBA_PLAN_INIT;

		plan_text("host replication +replicators 10.0.0.0/8 scram-sha-256\n"
				  "host replication all 0.0.0.0/0 reject\n",
				  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
		assert_true(plan.needed);
		assert_int_equal(plan.shadow, 1);
		assert_false(plan.shadow_maybe);
		assert_int_equal(plan.insert_at, 1);
		hba_plan_clear(&plan);
	}
}

/* ---- IPv6 and netmasks ------------------------------------------------------------ */

static void
test_ipv6(void **state)
{
	hba_plan	plan = HBA_PLAN_INIT;
	hba_doc    *doc = parse_str(debian_hba);
	char	   *out;

	plan_ok(doc, HBA_HOSTSSL, "replicate", "2001:0DB8:0:0::10", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_string_equal(plan.line, "hostssl replication     replicate       2001:db8::10/128        scram-sha-256");
	assert_int_equal(plan.insert_at, doc->n_lines);
	hba_plan_clear(&plan);
	hba_free(doc);

	plan_text("host replication all 0.0.0.0/0 reject\n"
			  "host replication all 2001:db8::/32 md5\n",
			  HBA_HOSTSSL, "2001:db8::10", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 1);
	assert_int_equal(plan.insert_at, 1);
	hba_plan_clear(&plan);

	plan_text("host replication all 2001:db8::/32 scram-sha-256\n"
			  "host replication all ::/0 reject\n",
			  HBA_HOSTSSL, "2001:db8::10", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 0);
	hba_plan_clear(&plan);

	/* IPv6 with a separate netmask column, and a zone */
	plan_text("host replication all 2001:db8:: ffff:ffff:: scram-sha-256\n"
			  "host replication all fe80::1%eth0/128 reject\n",
			  HBA_HOSTSSL, "2001:db8:1::10", "scram-sha-256", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);
	plan_text("host replication all fe80::1%eth0/128 reject\n",
			  HBA_HOSTSSL, "fe80::1", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);

	/* an IPv4 rule does not take an IPv6 connection, nor the reverse */
	plan_text("host replication all ::/0 reject\n",
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, -1);
	hba_plan_clear(&plan);

	out = apply("", HBA_HOST, "replicate", "::1", "scram-sha-256");
	assert_string_equal(out, "host    replication     replicate       ::1/128                 scram-sha-256\n");
	free(out);
}

static void
test_netmask_column(void **state)
{
	static const char text[] =
		"host    replication     all             10.1.0.0        255.255.0.0     reject\n"
		"host    replication     replicate       10.1.2.3   255.255.255.255  scram-sha-256\n";
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	const hba_address *a;

	assert_int_equal(count_kind(doc, HBA_LINE_RULE), 2);
	a = &doc->lines[0].rule.address;
	assert_int_equal(a->kind, HBA_ADDR_IP);
	assert_string_equal(a->text, "10.1.0.0");
	assert_string_equal(a->netmask, "255.255.0.0");
	assert_string_equal(doc->lines[0].rule.method, "reject");
	assert_int_equal(doc->lines[0].rule.options.n, 0);

	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);

	/* outside 10.1/16 the reject does not apply */
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.2.0.1", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, -1);
	assert_int_equal(plan.insert_at, 2);
	hba_plan_clear(&plan);
	hba_free(doc);

	/* rule for exactly the standby, written with a netmask: found */
	plan_text(text + strlen("host    replication     all             10.1.0.0        255.255.0.0     reject\n"),
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	hba_plan_clear(&plan);

	/* a non-contiguous netmask is taken as the server does (AND) */
	plan_text("host replication all 10.0.2.0 255.0.255.0 reject\n",
			  HBA_HOSTSSL, "10.1.2.3", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, 0);
	hba_plan_clear(&plan);
	plan_text("host replication all 10.0.2.0 255.0.255.0 reject\n",
			  HBA_HOSTSSL, "10.1.3.3", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, -1);
	hba_plan_clear(&plan);
}

/* ---- role names ------------------------------------------------------------------- */

static void
test_hostile_role_names(void **state)
{
	static const struct
	{
		const char *name;
		const char *written;
	}			cases[] = {
		{"replicate", "replicate"},
		{"rep_1.a-b", "rep_1.a-b"},
		{"Replicate", "Replicate"},
		{"a b", "\"a b\""},
		{"a,b", "\"a,b\""},
		{"say \"hi\"", "\"say \"\"hi\"\"\""},
		{"\"", "\"\"\"\""},
		{"\"\"x", "\"\"\"\"\"x\""},
		{"$(x)", "\"$(x)\""},
		{"`id`;rm -rf /", "\"`id`;rm -rf /\""},
		{"#x", "\"#x\""},
		{"all", "\"all\""},
		{"replication", "\"replication\""},
		{"samerole", "\"samerole\""},
		{"+grp", "\"+grp\""},
		{"@file", "\"@file\""},
		{"a\\", "\"a\\\""},
		{"r\xc3\xb4le", "\"r\xc3\xb4le\""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		char	   *q = hba_quote_name(cases[i].name);
		pgr_error	err = PGR_ERROR_INIT;
		char	   *line;
		char	   *text;
		hba_doc    *doc;
		const hba_rule *r;
		hba_plan	plan = HBA_PLAN_INIT;

		assert_string_equal(q, cases[i].written);
		free(q);

		line = hba_format_rule(HBA_HOSTSSL, cases[i].name, "10.1.2.3", "scram-sha-256", &err);
		assert_non_null(line);
		assert_non_null(strstr(line, cases[i].written));
		text = pgr_asprintf("%s\n", line);
		doc = parse_str(text);
		assert_int_equal(doc->n_lines, 1);
		if (doc->lines[0].kind != HBA_LINE_RULE)
			fail_msg("case %zu: %s", i, doc->lines[0].error ? doc->lines[0].error : "not a rule");
		r = only_rule(doc);
		/* the same name parsed back, a plain name (not a keyword) */
		assert_int_equal(r->users.n, 1);
		assert_string_equal(r->users.tokens[0].value, cases[i].name);
		assert_int_equal(r->users.tokens[0].kind, HBA_TOKEN_NAME);
		assert_string_equal(r->address.text, "10.1.2.3/32");
		assert_string_equal(r->method, "scram-sha-256");
		/* and it is the rule that serves that role */
		plan_ok(doc, HBA_HOSTSSL, cases[i].name, "10.1.2.3", "scram-sha-256", &plan);
		if (plan.needed)
			fail_msg("case %zu: %s not found", i, cases[i].name);
		hba_plan_clear(&plan);
		/* not another role's */
		plan_ok(doc, HBA_HOSTSSL, "someone", "10.1.2.3", "scram-sha-256", &plan);
		assert_true(plan.needed);
		hba_plan_clear(&plan);
		hba_free(doc);
		free(text);
		free(line);
	}
}

static void
assert_input_error(const char *role, const char *address, const char *method,
				   hba_conn_type type, bool want_hint)
{
	pgr_error	err = PGR_ERROR_INIT;
	hba_plan	plan = HBA_PLAN_INIT;
	hba_doc    *doc = parse_str(debian_hba);

	assert_null(hba_format_rule(type, role, address, method, &err));
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(err.message);
	if (want_hint)
		assert_non_null(err.hint);
	pgr_error_clear(&err);
	assert_int_equal(hba_plan_rule(doc, type, role, address, method, &plan, &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_null(plan.line);
	pgr_error_clear(&err);
	assert_int_equal(hba_remove_rule(doc, type, role, address, method, &err), -1);
	pgr_error_clear(&err);
	hba_free(doc);
}

static void
test_invalid_inputs(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char		longname[80];

	/* addresses: neither an IP nor a CIDR */
	assert_input_error("replicate", "standby1.example.com", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3.4", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3/33", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3/", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3/+8", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "::1/129", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "fe80::1%eth0", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3 /32", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("replicate", NULL, "scram-sha-256", HBA_HOSTSSL, false);
	/* roles */
	assert_input_error("", "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error(NULL, "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("a\nb", "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("a\rb", "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	assert_input_error("tab\there", "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	/* a regular expression for PostgreSQL 16+, even quoted: "/." would
	 * match every role */
	assert_input_error("/.", "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, true);
	memset(longname, 'r', 64);
	longname[64] = '\0';
	assert_input_error(longname, "10.1.2.3", "scram-sha-256", HBA_HOSTSSL, false);
	longname[63] = '\0';
	{
		char	   *line = hba_format_rule(HBA_HOSTSSL, longname, "10.1.2.3", "scram-sha-256", &err);

		assert_non_null(line);
		free(line);
	}
	/* methods and types */
	assert_input_error("replicate", "10.1.2.3", "scram", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", NULL, HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", "peer", HBA_HOSTSSL, false);
	assert_input_error("replicate", "10.1.2.3", "cert", HBA_HOST, false);
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256", HBA_LOCAL, false);
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256", HBA_HOSTGSSENC, false);
	{
		char	   *line = hba_format_rule(HBA_HOSTSSL, "replicate", "10.1.2.3", "cert", &err);

		assert_string_equal(line, "hostssl replication     replicate       10.1.2.3/32             cert");
		free(line);
	}
	/* one name=value option after the method (replication_auth = scram+cert) */
	{
		char	   *line = hba_format_rule(HBA_HOSTSSL, "replicate", "10.1.2.3",
										   "scram-sha-256 clientcert=verify-full", &err);

		assert_string_equal(line, "hostssl replication     replicate       10.1.2.3/32             scram-sha-256 clientcert=verify-full");
		free(line);
	}
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256 clientcert", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256 =x", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256 a=b c=d", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", "scram-sha-256 clientcert=\"x\"", HBA_HOSTSSL, true);
	assert_input_error("replicate", "10.1.2.3", "bogus clientcert=verify-full", HBA_HOSTSSL, true);
	/* the message names the address, control characters masked */
	assert_null(hba_format_rule(HBA_HOST, "replicate", "host\x1b[2J", "md5", &err));
	assert_string_equal(err.message, "invalid address \"host?[2J\"");
	pgr_error_clear(&err);
}

static void
test_format_alignment(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *line;

	line = hba_format_rule(HBA_HOST, "replicate", "192.0.2.10/32", "scram-sha-256", &err);
	assert_string_equal(line, "host    replication     replicate       192.0.2.10/32           scram-sha-256");
	free(line);
	line = hba_format_rule(HBA_HOSTNOSSL, "a_rather_long_role_name", "192.0.2.0/24", "md5", &err);
	assert_string_equal(line, "hostnossl replication   a_rather_long_role_name 192.0.2.0/24    md5");
	free(line);
	line = hba_format_rule(HBA_HOSTSSL, "r", "2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff", "scram-sha-256", &err);
	assert_string_equal(line, "hostssl replication     r               2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff/128 scram-sha-256");
	free(line);
	/* the columns of Debian's file */
	assert_int_equal(strstr(debian_hba, "host    replication     all             127.0.0.1/32            scram-sha-256") != NULL, 1);
	assert_false(pgr_error_isset(&err));
}

/* ---- text kept byte for byte --------------------------------------------------------- */

static void
test_comments_and_blanks_preserved(void **state)
{
	static const char head[] =
		"# pg_hba.conf written by hand\r\n"
		"\r\n"
		"   \t# indented comment with trailing blanks   \r\n"
		"local\tall\tpostgres\t\tpeer   # the admin\r\n"
		"\t\r\n"
		"host all all 127.0.0.1/32 md5\r\n";
	static const char tail[] =
		"host   replication   all   0.0.0.0/0   reject\r\n"
		"\r\n"
		"# no final line end";
	char	   *text = pgr_asprintf("%s%s", head, tail);
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;
	char	   *want;

	assert_string_equal(doc->eol, "\r\n");
	assert_int_equal(doc->n_lines, 9);
	assert_int_equal(doc->lines[3].kind, HBA_LINE_RULE);
	assert_string_equal(doc->lines[3].rule.method, "peer");
	assert_int_equal(doc->lines[8].kind, HBA_LINE_BLANK);
	assert_int_equal(doc->lines[8].lineno, 9);

	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, 6);
	assert_int_equal(plan.insert_at, 6);
	assert_string_equal(plan.shadow_text, "host   replication   all   0.0.0.0/0   reject");
	assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
	out = render(doc);
	want = pgr_asprintf("%s%s\r\n%s", head, plan.line, tail);
	assert_string_equal(out, want);
	free(out);

	/* undo gives the very same bytes back */
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &err), 1);
	out = render(doc);
	assert_string_equal(out, text);
	free(out);

	/* appending to a file without a final line end adds one first */
	assert_int_equal(hba_insert(doc, doc->n_lines, "host replication replicate 10.9.9.9/32 md5", &err), 0);
	out = render(doc);
	free(want);
	want = pgr_asprintf("%s\r\nhost replication replicate 10.9.9.9/32 md5\r\n", text);
	assert_string_equal(out, want);
	free(out);
	assert_int_equal(hba_remove_rule(doc, HBA_HOST, "replicate", "10.9.9.9", "md5", &err), 1);
	out = render(doc);
	assert_string_equal(out, text);
	free(out);

	hba_plan_clear(&plan);
	free(want);
	free(text);
	hba_free(doc);
}

/* A small deterministic generator: the tests must not depend on rand(). */
static uint32_t
next_rand(uint32_t *seed)
{
	*seed ^= *seed << 13;
	*seed ^= *seed >> 17;
	*seed ^= *seed << 5;
	return *seed;
}

static void
test_round_trip_arbitrary_files(void **state)
{
	static const char *const pieces[] = {
		"host", "hostssl", "hostnossl", "local", "include", "include_dir",
		"replication", "all", "replicate", "+g", "@f", "/re", "10.1.2.3/32",
		"10.0.0.0", "255.0.0.0", "::1/128", "0.0.0.0/0", "samenet",
		"scram-sha-256", "md5", "reject", "peer", "a=b",
		" ", " ", " ", "\t", ",", "\"", "\"\"", "#", "\\", "\n", "\n", "\r\n",
		"\r", "\\\n", "\\\r\n", "\xc3\xa9", "\x01", "x"
	};
	uint32_t	seed = 2463534242u;

	for (int iter = 0; iter < 3000; iter++)
	{
		strbuf		sb;
		int			n = (int) (next_rand(&seed) % 200);
		hba_doc    *doc;
		hba_plan	plan = HBA_PLAN_INIT;
		pgr_error	err = PGR_ERROR_INIT;
		char	   *out;
		size_t		len;
		int			physical = 0;

		strbuf_init(&sb);
		for (int i = 0; i < n; i++)
			strbuf_append(&sb, pieces[next_rand(&seed) % (sizeof(pieces) / sizeof(pieces[0]))]);

		doc = hba_parse(sb.data, sb.len);
		out = hba_render(doc, &len);
		assert_int_equal(len, sb.len);
		assert_memory_equal(out, sb.data, len);
		free(out);

		/* records cover every physical line once */
		for (size_t i = 0; i < sb.len; i++)
			physical += sb.data[i] == '\n';
		if (sb.len > 0 && sb.data[sb.len - 1] != '\n')
			physical++;
		if (doc->n_lines > 0)
		{
			hba_line   *last = &doc->lines[doc->n_lines - 1];

			assert_int_equal(last->lineno + last->n_physical - 1, physical);
		}
		else
			assert_int_equal(physical, 0);

		/* plan, insert, plan again (nothing to do), remove: the same text */
		plan_ok(doc, HBA_HOST, "replicate", "192.0.2.10", "scram-sha-256", &plan);
		if (plan.needed)
		{
			assert_int_equal(hba_insert(doc, plan.insert_at, plan.line, &err), 0);
			hba_plan_clear(&plan);
			plan_ok(doc, HBA_HOST, "replicate", "192.0.2.10", "scram-sha-256", &plan);
			assert_false(plan.needed);
			/* the same through a fresh parse of the text */
			out = hba_render(doc, &len);
			{
				hba_doc    *again = hba_parse(out, len);
				hba_plan	p2 = HBA_PLAN_INIT;

				plan_ok(again, HBA_HOST, "replicate", "192.0.2.10", "scram-sha-256", &p2);
				assert_false(p2.needed);
				hba_plan_clear(&p2);
				hba_free(again);
			}
			free(out);
			assert_int_equal(hba_remove_rule(doc, HBA_HOST, "replicate", "192.0.2.10", "scram-sha-256", &err), 1);
			out = hba_render(doc, &len);
			assert_int_equal(len, sb.len);
			assert_memory_equal(out, sb.data, len);
			free(out);
		}
		hba_plan_clear(&plan);
		hba_free(doc);
		strbuf_free(&sb);
	}
}

static void
test_nul_byte_kept(void **state)
{
	static const char text[] = "host all all all trust\0junk\nlocal all all peer\n";
	hba_doc    *doc = hba_parse(text, sizeof(text) - 1);
	size_t		len;
	char	   *out = hba_render(doc, &len);

	assert_int_equal(doc->n_lines, 2);
	assert_int_equal(len, sizeof(text) - 1);
	assert_memory_equal(out, text, len);
	assert_int_equal(doc->lines[0].kind, HBA_LINE_RULE);
	assert_string_equal(doc->lines[0].rule.method, "trust");
	free(out);
	hba_free(doc);
}

/* ---- continuation lines (PostgreSQL 16+) ---------------------------------------------- */

static void
test_continuation_lines(void **state)
{
	static const char text[] =
		"# a long rule\n"
		"host    replication     replicate \\\n"
		"        10.1.2.3/32     scram-sha-256\n"
		"host    replication     all             0.0.0.0/0 \\\r\n"
		"  reject\n"
		"# a comment that goes on \\\n"
		"host    replication     all             all                     trust\n"
		"host    replication     \"repl\\\n"
		"icate\"   10.9.9.9/32     md5\n"
		"host all all all trust \\";
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	const hba_line *l;
	char	   *out;
	char	   *want;

	assert_int_equal(doc->n_lines, 6);
	l = &doc->lines[1];
	assert_int_equal(l->kind, HBA_LINE_RULE);
	assert_int_equal(l->lineno, 2);
	assert_int_equal(l->n_physical, 2);
	assert_string_equal(l->rule.users.tokens[0].value, "replicate");
	assert_string_equal(l->rule.address.text, "10.1.2.3/32");
	assert_string_equal(l->rule.method, "scram-sha-256");
	l = &doc->lines[2];
	assert_int_equal(l->lineno, 4);
	assert_string_equal(l->rule.method, "reject");
	/* the comment swallows the next line */
	l = &doc->lines[3];
	assert_int_equal(l->kind, HBA_LINE_BLANK);
	assert_int_equal(l->lineno, 6);
	assert_int_equal(l->n_physical, 2);
	/* inside quotes too */
	l = &doc->lines[4];
	assert_int_equal(l->kind, HBA_LINE_RULE);
	assert_int_equal(l->lineno, 8);
	assert_string_equal(l->rule.users.tokens[0].value, "replicate");
	assert_string_equal(l->rule.address.text, "10.9.9.9/32");
	/* a final backslash at the end of the file */
	l = &doc->lines[5];
	assert_int_equal(l->lineno, 10);
	assert_int_equal(l->kind, HBA_LINE_RULE);
	assert_string_equal(l->rule.method, "trust");

	/* the continued rule is the one that serves */
	plan_ok(doc, HBA_HOST, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_false(plan.needed);
	assert_int_equal(plan.existing, 1);
	hba_plan_clear(&plan);

	/* elsewhere, the continued reject shadows, and the shadow's text keeps
	 * its lines */
	plan_ok(doc, HBA_HOST, "replicate", "10.5.5.5", "scram-sha-256", &plan);
	assert_int_equal(plan.shadow, 2);
	assert_int_equal(plan.shadow_lineno, 4);
	assert_string_equal(plan.shadow_text, "host    replication     all             0.0.0.0/0 \\\r\n  reject");
	assert_int_equal(plan.insert_at, 2);
	hba_plan_clear(&plan);

	/* appending after the dangling backslash: an empty line ends that
	 * record first, so that the new rule stands alone */
	assert_int_equal(hba_insert(doc, doc->n_lines, "host replication replicate 10.7.7.7/32 md5", &err), 0);
	out = render(doc);
	want = pgr_asprintf("%s\n\nhost replication replicate 10.7.7.7/32 md5\n", text);
	assert_string_equal(out, want);
	free(out);
	free(want);
	{
		hba_doc    *again = parse_str(doc->lines[0].text);	/* sanity */

		hba_free(again);
	}
	out = render(doc);
	{
		hba_doc    *again = parse_str(out);

		assert_int_equal(again->n_lines, 7);
		assert_int_equal(again->lines[5].kind, HBA_LINE_RULE);
		assert_string_equal(again->lines[5].rule.method, "trust");
		assert_int_equal(again->lines[6].kind, HBA_LINE_RULE);
		assert_string_equal(again->lines[6].rule.address.text, "10.7.7.7/32");
		assert_int_equal(again->lines[6].lineno, 12);
		hba_free(again);
	}
	free(out);
	assert_int_equal(hba_remove_rule(doc, HBA_HOST, "replicate", "10.7.7.7/32", "md5", &err), 1);
	out = render(doc);
	assert_string_equal(out, text);
	free(out);

	/* a line to insert cannot end with a backslash nor hold a line end */
	assert_int_equal(hba_insert(doc, 0, "host all all all trust \\", &err), -1);
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	pgr_error_clear(&err);
	assert_int_equal(hba_insert(doc, 0, "host all all all trust\nlocal all all trust", &err), -1);
	pgr_error_clear(&err);
	assert_int_equal(hba_insert(doc, doc->n_lines + 1, "local all all trust", &err), -1);
	pgr_error_clear(&err);
	assert_int_equal(hba_insert(doc, -1, "local all all trust", &err), -1);
	pgr_error_clear(&err);
	hba_free(doc);
}

/* ---- the tokeniser and record checks ----------------------------------------------------- */

static void
test_tokenizer_like_the_server(void **state)
{
	hba_doc    *doc;
	const hba_rule *r;

	/* comma lists, blanks after commas, quotes anywhere, "" inside quotes */
	doc = parse_str("host  all, \"sameuser\",replication,,@dbs,\"@x\",/^r  "
					"+g,\"+h\",\"a\"\"b\",ab\"c d\"e,@,\"\",all  10.0.0.0/8 md5 a=1,b=2 c=\"x y\"# end\n");
	r = only_rule(doc);
	assert_int_equal(r->databases.n, 6);
	assert_string_equal(r->databases.tokens[0].value, "all");
	assert_int_equal(r->databases.tokens[0].kind, HBA_TOKEN_KEYWORD);
	assert_string_equal(r->databases.tokens[1].value, "sameuser");
	assert_true(r->databases.tokens[1].quoted);
	assert_int_equal(r->databases.tokens[1].kind, HBA_TOKEN_NAME);
	assert_int_equal(r->databases.tokens[2].kind, HBA_TOKEN_KEYWORD);
	assert_string_equal(r->databases.tokens[3].value, "dbs");
	assert_int_equal(r->databases.tokens[3].kind, HBA_TOKEN_FILE);
	assert_string_equal(r->databases.tokens[4].value, "@x");
	assert_int_equal(r->databases.tokens[4].kind, HBA_TOKEN_NAME);
	assert_string_equal(r->databases.tokens[5].value, "^r");
	assert_int_equal(r->databases.tokens[5].kind, HBA_TOKEN_REGEX);

	assert_int_equal(r->users.n, 7);
	assert_int_equal(r->users.tokens[0].kind, HBA_TOKEN_GROUP);
	assert_string_equal(r->users.tokens[0].value, "g");
	assert_int_equal(r->users.tokens[1].kind, HBA_TOKEN_NAME);
	assert_string_equal(r->users.tokens[1].value, "+h");
	assert_string_equal(r->users.tokens[2].value, "a\"b");
	assert_string_equal(r->users.tokens[3].value, "abc de");
	assert_false(r->users.tokens[3].quoted);
	assert_string_equal(r->users.tokens[4].value, "@");
	assert_int_equal(r->users.tokens[4].kind, HBA_TOKEN_NAME);
	assert_string_equal(r->users.tokens[5].value, "");
	assert_true(r->users.tokens[5].quoted);
	assert_int_equal(r->users.tokens[6].kind, HBA_TOKEN_KEYWORD);
	assert_string_equal(r->address.text, "10.0.0.0/8");
	assert_string_equal(r->method, "md5");
	assert_int_equal(r->options.n, 3);
	assert_string_equal(r->options.tokens[2].value, "c=x y");
	hba_free(doc);

	/* a blank before a comma ends the field: "a ,b" is two fields */
	doc = parse_str("host all ,all 0.0.0.0/0 md5\n");
	r = only_rule(doc);
	assert_int_equal(r->databases.n, 1);
	assert_int_equal(r->users.n, 1);
	assert_string_equal(r->address.text, "0.0.0.0/0");
	hba_free(doc);

	/* '#' inside quotes is not a comment; glued to a token it is */
	doc = parse_str("host all \"a#b\" all trust#comment\n");
	r = only_rule(doc);
	assert_string_equal(r->users.tokens[0].value, "a#b");
	assert_string_equal(r->method, "trust");
	assert_int_equal(r->options.n, 0);
	hba_free(doc);

	/* keywords of the address column, quoted or not */
	doc = parse_str("host all all samehost trust\nhost all all \"samenet\" trust\n"
					"host all all .example.com trust\nhost all all 300.1.2.3 trust\n"
					"host all all 10.1 255.255.0.0 trust\n");
	assert_int_equal(doc->lines[0].rule.address.kind, HBA_ADDR_SAMEHOST);
	assert_int_equal(doc->lines[1].rule.address.kind, HBA_ADDR_HOSTNAME);
	assert_int_equal(doc->lines[2].rule.address.kind, HBA_ADDR_HOSTNAME);
	assert_int_equal(doc->lines[3].rule.address.kind, HBA_ADDR_HOSTNAME);
	assert_int_equal(doc->lines[4].rule.address.kind, HBA_ADDR_IP);
	assert_int_equal(doc->lines[4].rule.address.addr[3], 1);	/* 10.0.0.1 */
	hba_free(doc);
}

static void
test_include_directives(void **state)
{
	static const char text[] =
		"local all postgres peer\n"
		"include_dir conf.d\n"
		"include \"my file.conf\"\n"
		"include_if_exists extra.conf # optional\n"
		"include a b\n";
	hba_doc    *doc = parse_str(text);
	hba_plan	plan = HBA_PLAN_INIT;

	assert_int_equal(count_kind(doc, HBA_LINE_INCLUDE), 3);
	assert_string_equal(doc->lines[1].include_keyword, "include_dir");
	assert_string_equal(doc->lines[1].include_path, "conf.d");
	assert_string_equal(doc->lines[2].include_path, "my file.conf");
	assert_string_equal(doc->lines[3].include_keyword, "include_if_exists");
	assert_int_equal(doc->lines[4].kind, HBA_LINE_INVALID);
	assert_string_equal(doc->lines[4].error, "invalid connection type \"include\"");

	/* what an include brings in is unknown: the rule goes above it */
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.shadow, 1);
	assert_true(plan.shadow_maybe);
	assert_int_equal(plan.insert_at, 1);
	assert_string_equal(plan.shadow_text, "include_dir conf.d");
	hba_plan_clear(&plan);
	hba_free(doc);
}

static void
test_invalid_records(void **state)
{
	static const struct
	{
		const char *line;
		const char *error;
	}			cases[] = {
		{"hosts all all all trust", "invalid connection type \"hosts\""},
		{"host,local all all all trust", "multiple values specified for connection type"},
		{"host", "end-of-line before database specification"},
		{"host all", "end-of-line before role specification"},
		{"host all all", "end-of-line before IP address specification"},
		{"host all all 10.0.0.0/8", "end-of-line before authentication method"},
		{"host all all 10.0.0.1,10.0.0.2 trust", "multiple values specified for host address"},
		{"host all all db.example.com/24 trust", "specifying both host name and CIDR mask is invalid: \"db.example.com/24\""},
		{"host all all 10.0.0.0/33 trust", "invalid CIDR mask in address \"10.0.0.0/33\""},
		{"host all all 10.0.0.0/ trust", "invalid CIDR mask in address \"10.0.0.0/\""},
		{"host all all 10.0.0.0/8x trust", "invalid CIDR mask in address \"10.0.0.0/8x\""},
		{"host all all 10.0.0.0", "end-of-line before netmask specification"},
		{"host all all 10.0.0.0 255.0.0.0,255.0.0.0 trust", "multiple values specified for netmask"},
		{"host all all 10.0.0.0 reject", "invalid IP mask \"reject\""},
		{"host all all 10.0.0.0 ffff:: trust", "IP address and mask do not match"},
		{"host all all 10.0.0.0/8 md5,trust", "multiple values specified for authentication type"},
		{"host all all 10.0.0.0/8 scram", "invalid authentication method \"scram\""},
		{"host all all 10.0.0.0/8 peer", "peer authentication is only supported on local sockets"},
		{"host all all 10.0.0.0/8 cert", "cert authentication is only supported on hostssl connections"},
		{"host all all 10.0.0.0/8 md5 clientcert", "authentication option not in name=value format: clientcert"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		hba_doc    *doc = parse_str(cases[i].line);
		hba_plan	plan = HBA_PLAN_INIT;

		assert_int_equal(doc->n_lines, 1);
		if (doc->lines[0].kind != HBA_LINE_INVALID)
			fail_msg("case %zu: \"%s\" taken as valid", i, cases[i].line);
		assert_string_equal(doc->lines[0].error, cases[i].error);
		/* an invalid record matches nothing */
		plan_ok(doc, HBA_HOST, "replicate", "10.1.2.3", "scram-sha-256", &plan);
		assert_true(plan.needed);
		assert_int_equal(plan.shadow, -1);
		hba_plan_clear(&plan);
		hba_free(doc);
	}

	/* valid ones nearby */
	{
		hba_doc    *doc = parse_str("local all all ident\nhostssl all all all cert clientcert=verify-full\n"
									"host all all 10.0.0.0/8 ldap ldapserver=x ldapbasedn=\"dc=x\"\n"
									"hostgssenc all all all gss include_realm=0\n");

		assert_int_equal(count_kind(doc, HBA_LINE_RULE), 4);
		hba_free(doc);
	}
}

/* ---- removal --------------------------------------------------------------------------- */

static void
test_remove_rule(void **state)
{
	static const char text[] =
		"host replication all 127.0.0.1/32 scram-sha-256\n"
		"hostssl   replication  \"replicate\"   10.1.2.3   255.255.255.255   scram-sha-256\n"
		"hostssl replication replicate 10.1.2.3/32 scram-sha-256 clientcert=verify-ca\n"
		"# end\n";
	hba_doc    *doc = parse_str(text);
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;

	/* another type, role, address or method: not ours */
	assert_int_equal(hba_remove_rule(doc, HBA_HOST, "replicate", "10.1.2.3", "scram-sha-256", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "other", "10.1.2.3", "scram-sha-256", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.4", "scram-sha-256", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3/31", "scram-sha-256", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "md5", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOST, "all", "127.0.0.1", "scram-sha-256", &err), 0);
	assert_false(pgr_error_isset(&err));

	/* the same rule in other spacing, quoting and mask notation: removed,
	 * the one with an option stays */
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &err), 1);
	out = render(doc);
	assert_string_equal(out,
						"host replication all 127.0.0.1/32 scram-sha-256\n"
						"hostssl replication replicate 10.1.2.3/32 scram-sha-256 clientcert=verify-ca\n"
						"# end\n");
	free(out);
	assert_int_equal(doc->lines[2].lineno, 3);
	assert_int_equal(hba_remove_rule(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &err), 0);
	hba_free(doc);

	/* insert then remove: back to Debian's file */
	doc = parse_str(debian_hba);
	assert_int_equal(hba_insert(doc, 20, "host replication \"a b\" 2001:db8::1/128 md5", &err), 0);
	assert_int_equal(hba_remove_rule(doc, HBA_HOST, "a b", "2001:db8::1", "md5", &err), 1);
	out = render(doc);
	assert_string_equal(out, debian_hba);
	free(out);
	hba_free(doc);
}

static void
test_empty_file(void **state)
{
	hba_doc    *doc = parse_str("");
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;
	char	   *out;

	assert_int_equal(doc->n_lines, 0);
	out = render(doc);
	assert_string_equal(out, "");
	free(out);
	plan_ok(doc, HBA_HOSTSSL, "replicate", "10.1.2.3", "scram-sha-256", &plan);
	assert_true(plan.needed);
	assert_int_equal(plan.insert_at, 0);
	assert_int_equal(hba_insert(doc, 0, plan.line, &err), 0);
	out = render(doc);
	assert_string_equal(out, "hostssl replication     replicate       10.1.2.3/32             scram-sha-256\n");
	free(out);
	assert_int_equal(doc->lines[0].lineno, 1);
	hba_plan_clear(&plan);
	hba_plan_clear(&plan);		/* twice is fine */
	hba_free(doc);
	hba_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debian_default_parses),
		cmocka_unit_test(test_debian_default_new_standby),
		cmocka_unit_test(test_debian_default_local_standby_is_covered),
		cmocka_unit_test(test_reject_all_does_not_take_replication),
		cmocka_unit_test(test_catch_all_reject_goes_below_new_rule),
		cmocka_unit_test(test_broader_rule_with_other_method_shadows),
		cmocka_unit_test(test_existing_identical_rule),
		cmocka_unit_test(test_existing_broader_equivalent_rule),
		cmocka_unit_test(test_hostssl_rule_when_ssl_is_off),
		cmocka_unit_test(test_ssl_state_of_shadowing_rules),
		cmocka_unit_test(test_rules_that_cannot_match),
		cmocka_unit_test(test_rules_that_may_match),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_netmask_column),
		cmocka_unit_test(test_hostile_role_names),
		cmocka_unit_test(test_invalid_inputs),
		cmocka_unit_test(test_format_alignment),
		cmocka_unit_test(test_comments_and_blanks_preserved),
		cmocka_unit_test(test_round_trip_arbitrary_files),
		cmocka_unit_test(test_nul_byte_kept),
		cmocka_unit_test(test_continuation_lines),
		cmocka_unit_test(test_tokenizer_like_the_server),
		cmocka_unit_test(test_include_directives),
		cmocka_unit_test(test_invalid_records),
		cmocka_unit_test(test_remove_rule),
		cmocka_unit_test(test_method_option_equivalence),
		cmocka_unit_test(test_empty_file),
	};

	return cmocka_run_group_tests_name("hba", tests, NULL, NULL);
}
