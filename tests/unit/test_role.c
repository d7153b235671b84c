/*
 * test_role.c: what the role step computes without a server
 * (src/setup/step_role.c): verifier checks against verifiers made by PostgreSQL
 * 15, the generated password, the operator's passfile.
 */
#include <config.h>

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

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "cluster.h"
#include "report.h"
#include "step_role.h"

/* CREATE ROLE a PASSWORD 'correct horse:battery\staple' (scram-sha-256) */
static const char scram_pw[] = "correct horse:battery\\staple";
static const char scram_verifier[] =
"SCRAM-SHA-256$4096:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=:n0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=";

/* SET password_encryption = md5; CREATE ROLE "b x" PASSWORD 'p@ss' */
static const char md5_verifier[] = "md5d0d094ecdaffb21df27abaebd876eeb3";

static void
test_scram_verifier(void **state)
{
	(void) state;
	assert_true(step_role_verifier_matches(scram_verifier, "a", scram_pw));
	/* the role name plays no part in SCRAM */
	assert_true(step_role_verifier_matches(scram_verifier, "other", scram_pw));
	assert_false(step_role_verifier_matches(scram_verifier, "a", "correct horse:battery\\stapl"));
	assert_false(step_role_verifier_matches(scram_verifier, "a", ""));
}

static void
test_scram_malformed(void **state)
{
	static const char *const bad[] = {
		"SCRAM-SHA-256$",
		"SCRAM-SHA-256$4096",
		"SCRAM-SHA-256$0:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=:n0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=",
		"SCRAM-SHA-256$x:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=:n0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=",
		"SCRAM-SHA-256$4096:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=",
		"SCRAM-SHA-256$4096:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51g:n0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=",
		"SCRAM-SHA-256$4096:***$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=:n0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=",
		/* ServerKey altered: StoredKey alone is not enough */
		"SCRAM-SHA-256$4096:nMmPjc0MSXPGYZqpJEx0Kw==$pGHwiIP5r51gBKrWBu0xYB9n8J0VaJxtc7ojKZGUtPE=:m0k8lqZPVWSWedSaUk6F+nhCO37fe2yiP3ATEdQrnxk=",
		"",
		"plain",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(step_role_verifier_matches(bad[i], "a", scram_pw));
	assert_false(step_role_verifier_matches(NULL, "a", scram_pw));
	assert_false(step_role_verifier_matches(scram_verifier, "a", NULL));
}

static void
test_md5_verifier(void **state)
{
	(void) state;
	assert_true(step_role_verifier_matches(md5_verifier, "b x", "p@ss"));
	/* md5 salts with the role name */
	assert_false(step_role_verifier_matches(md5_verifier, "b", "p@ss"));
	assert_false(step_role_verifier_matches(md5_verifier, "b x", "p@sS"));
	assert_false(step_role_verifier_matches("md5d0d094", "b x", "p@ss"));
}

static void
test_generated_password(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *a = step_role_generate_password(32, &err);
	char	   *b = step_role_generate_password(32, &err);

	(void) state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(strlen(a), 32);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"), 32);
	assert_string_not_equal(a, b);
	pgr_free_secret(a);
	pgr_free_secret(b);
}

/* ---- the passfile, in a directory of its own ------------------------------- */

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void) state;
	strcpy(tmpdir, "/tmp/test_role.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	return 0;
}

static int
teardown_dir(void **state)
{
	char	   *cmd = pgr_asprintf("rm -rf '%s'", tmpdir);
	int			rc = system(cmd);

	(void) state;
	free(cmd);
	return rc == 0 ? 0 : -1;
}

static cluster *
a_cluster(const char *name)
{
	cluster    *cl = pgr_calloc(1, sizeof(*cl));

	cl->name = pgr_strdup(name);
	return cl;
}

static void
free_cluster(cluster *cl)
{
	free(cl->name);
	free(cl);
}

static char *
slurp(const char *path)
{
	FILE	   *f = fopen(path, "r");
	char		buf[4096];
	size_t		n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return pgr_strdup(buf);
}

static void
test_passfile_path(void **state)
{
	cluster    *cl = a_cluster("prod");
	char	   *p = step_role_passfile_path(cl);
	char	   *want = pgr_asprintf("%s/pgreplica/prod.pgpass", tmpdir);

	(void) state;
	assert_string_equal(p, want);
	free(p);
	free(want);
	/* a relative XDG_CONFIG_HOME is ignored, as the spec says */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", "/home/someone", 1);
	p = step_role_passfile_path(cl);
	assert_string_equal(p, "/home/someone/.config/pgreplica/prod.pgpass");
	free(p);
	free_cluster(cl);
	/* a name with a slash stays in the directory */
	cl = a_cluster("../x/y");
	p = step_role_passfile_path(cl);
	assert_string_equal(p, "/home/someone/.config/pgreplica/_._x_y.pgpass");
	free(p);
	free_cluster(cl);
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
}

static void
test_passfile_round_trip(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = a_cluster("rt");
	char	   *path = step_role_passfile_path(cl);
	char	   *pw = NULL;
	char	   *text;
	struct stat st;

	(void) state;
	/* no file: no password, no error */
	assert_int_equal(step_role_read_password(cl, "rep", &pw, &err), 0);
	assert_null(pw);

	assert_int_equal(step_role_write_password(cl, "we\"ird: ro\\le", "pa:ss\\word", &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	text = slurp(path);
	assert_string_equal(text, "*:*:replication:we\"ird\\: ro\\\\le:pa\\:ss\\\\word\n");
	free(text);
	assert_int_equal(step_role_read_password(cl, "we\"ird: ro\\le", &pw, &err), 0);
	assert_non_null(pw);
	assert_string_equal(pw, "pa:ss\\word");
	pgr_free_secret(pw);

	/* a second role; the first is kept; rewriting replaces, not appends */
	assert_int_equal(step_role_write_password(cl, "rep", "one", &err), 0);
	assert_int_equal(step_role_write_password(cl, "rep", "two", &err), 0);
	text = slurp(path);
	assert_string_equal(text,
						"*:*:replication:rep:two\n"
						"*:*:replication:we\"ird\\: ro\\\\le:pa\\:ss\\\\word\n");
	free(text);
	assert_int_equal(step_role_read_password(cl, "rep", &pw, &err), 0);
	assert_string_equal(pw, "two");
	pgr_free_secret(pw);
	assert_int_equal(step_role_read_password(cl, "nobody", &pw, &err), 0);
	assert_null(pw);

	/* readable by others: refused, like libpq */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(step_role_read_password(cl, "rep", &pw, &err), -1);
	assert_null(pw);
	assert_int_equal(err.kind, PGR_ERR_IO);
	assert_non_null(err.hint);
	pgr_error_clear(&err);
	assert_int_equal(step_role_write_password(cl, "rep", "three", &err), -1);
	pgr_error_clear(&err);
	free(path);
	free_cluster(cl);
}

static void
test_passfile_wildcards_and_comments(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = a_cluster("wild");
	char	   *path = step_role_passfile_path(cl);
	char	   *pw = NULL;
	FILE	   *f;

	(void) state;
	assert_int_equal(step_role_write_password(cl, "x", "y", &err), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("# a comment\n"
		  "*:*:postgres:rep:not-this\n"
		  "*:*:*:*:any\n", f);
	fclose(f);
	assert_int_equal(step_role_read_password(cl, "rep", &pw, &err), 0);
	assert_string_equal(pw, "any");
	pgr_free_secret(pw);
	/* writing puts the role's own line first and keeps the others */
	assert_int_equal(step_role_write_password(cl, "rep", "mine", &err), 0);
	assert_int_equal(step_role_read_password(cl, "rep", &pw, &err), 0);
	assert_string_equal(pw, "mine");
	pgr_free_secret(pw);
	{
		char	   *text = slurp(path);

		assert_non_null(strstr(text, "# a comment\n"));
		assert_non_null(strstr(text, "*:*:*:*:any\n"));
		free(text);
	}
	free(path);
	free_cluster(cl);
}

/* A SCRAM-SHA-256 verifier of `pw` with `iter` iterations (salt "pgreplica-salt!!"). */
static char *
make_scram_verifier(const char *pw, int iter)
{
	static const unsigned char salt[] = "pgreplica-salt!!";
	unsigned char salted[32], ck[32], sk[32], stored[32];
	unsigned int len = 32;
	char		s64[64], st64[64], sv64[64];
	char	   *out;

	assert_int_equal(PKCS5_PBKDF2_HMAC(pw, (int) strlen(pw), salt, 16, iter, EVP_sha256(), 32, salted), 1);
	assert_non_null(HMAC(EVP_sha256(), salted, 32, (const unsigned char *) "Client Key", 10, ck, &len));
	SHA256(ck, 32, stored);
	assert_non_null(HMAC(EVP_sha256(), salted, 32, (const unsigned char *) "Server Key", 10, sk, &len));
	EVP_EncodeBlock((unsigned char *) s64, salt, 16);
	EVP_EncodeBlock((unsigned char *) st64, stored, 32);
	EVP_EncodeBlock((unsigned char *) sv64, sk, 32);
	assert_true(asprintf(&out, "SCRAM-SHA-256$%d:%s$%s:%s", iter, s64, st64, sv64) > 0);
	return out;
}

/*
 * The iteration count comes from the server: above the bound, the verifier
 * is not checked (not even when it would match), so no server can keep
 * pgreplica computing for minutes.  At the usual count, and at the bound,
 * it is.
 */
static void
test_scram_iterations_bounded(void **state)
{
	char	   *usual = make_scram_verifier("pw", 4096);
	char	   *at = make_scram_verifier("pw", STEP_ROLE_SCRAM_MAX_ITERATIONS);
	char	   *above = make_scram_verifier("pw", STEP_ROLE_SCRAM_MAX_ITERATIONS + 1);

	(void) state;
	assert_true(step_role_verifier_matches(usual, "r", "pw"));
	assert_true(step_role_verifier_matches(at, "r", "pw"));
	assert_false(step_role_verifier_matches(above, "r", "pw"));
	assert_false(step_role_verifier_matches("SCRAM-SHA-256$2147483647:cGdyZXBsaWNhLXNhbHQhIQ==$AAAA:AAAA", "r", "pw"));
	free(usual);
	free(at);
	free(above);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scram_verifier),
		cmocka_unit_test(test_scram_malformed),
		cmocka_unit_test(test_scram_iterations_bounded),
		cmocka_unit_test(test_md5_verifier),
		cmocka_unit_test(test_generated_password),
		cmocka_unit_test_setup_teardown(test_passfile_path, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_passfile_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_passfile_wildcards_and_comments, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
