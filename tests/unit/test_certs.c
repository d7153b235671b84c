/*
 * test_certs.c: the cluster's CA and server certificates (src/formats/certs.c):
 * made for both key types and checked with OpenSSL's own verification and,
 * when it is installed, the openssl command; SAN coverage; key/certificate
 * mismatch; expired and not-yet-valid certificates; fingerprints; random
 * serials; bad input.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "report.h"
#include "strbuf.h"

#define DAY 86400

/* Made once (RSA 3072 keys take a while): a CA and a server key per type. */
static char *ec_ca_key,
		   *ec_ca_cert,
		   *ec_srv_key;
static char *rsa_ca_key,
		   *rsa_ca_cert,
		   *rsa_srv_key;
static char tmpdir[64];
static bool have_openssl;

static const char *const sans_db1[] = {"10.0.0.2", "db1.example.net", "fd00::2", NULL};

static int
group_setup(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;

	(void) state;
	strcpy(tmpdir, "/tmp/test_certs.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	have_openssl = system("openssl version >/dev/null 2>&1") == 0;
	if (!have_openssl)
		printf("# no openssl command: the checks against it are not made\n");
	ec_ca_key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, &err);
	rsa_ca_key = certs_new_key_pem(CERTS_KEY_RSA_3072, &err);
	ec_srv_key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, &err);
	rsa_srv_key = certs_new_key_pem(CERTS_KEY_RSA_3072, &err);
	if (!ec_ca_key || !rsa_ca_key || !ec_srv_key || !rsa_srv_key)
		return -1;
	ec_ca_cert = certs_new_ca_pem(ec_ca_key, "prod", CERTS_DEFAULT_DAYS, &err);
	rsa_ca_cert = certs_new_ca_pem(rsa_ca_key, "prod", CERTS_DEFAULT_DAYS, &err);
	if (!ec_ca_cert || !rsa_ca_cert)
		return -1;
	return 0;
}

static int
group_teardown(void **state)
{
	char	   *cmd = pgr_asprintf("rm -rf '%s'", tmpdir);
	int			rc = system(cmd);

	(void) state;
	free(cmd);
	pgr_free_secret(ec_ca_key);
	pgr_free_secret(rsa_ca_key);
	pgr_free_secret(ec_srv_key);
	pgr_free_secret(rsa_srv_key);
	free(ec_ca_cert);
	free(rsa_ca_cert);
	return rc == 0 ? 0 : -1;
}

/* ---- helpers --------------------------------------------------------------- */

static char *
write_tmp(const char *name, const char *text)
{
	char	   *path = pgr_asprintf("%s/%s", tmpdir, name);
	FILE	   *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* The command's whole output (malloc'd) and exit status. */
static char *
run(const char *cmd, int *status)
{
	FILE	   *p = popen(cmd, "r");
	strbuf		sb;
	char		buf[512];
	size_t		n;
	int			st;

	assert_non_null(p);
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_append_len(&sb, buf, n);
	st = pclose(p);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return strbuf_detach(&sb);
}

static X509 *
pem_x509(const char *pem)
{
	BIO		   *bio = BIO_new_mem_buf(pem, -1);
	X509	   *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

	BIO_free(bio);
	assert_non_null(x);
	return x;
}

/* OpenSSL's own verification, independently of certs_check_signed_by. */
static int
openssl_verifies(const char *cert_pem, const char *ca_pem)
{
	X509	   *x = pem_x509(cert_pem);
	X509	   *ca = pem_x509(ca_pem);
	X509_STORE *store = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int			ok;

	assert_int_equal(X509_STORE_add_cert(store, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, store, x, NULL), 1);
	assert_int_equal(X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_SERVER), 1);
	ok = X509_verify_cert(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	X509_free(ca);
	X509_free(x);
	return ok;
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (haystack == NULL || strstr(haystack, needle) == NULL)
		fail_msg("\"%s\" not found in \"%s\"", needle, haystack ? haystack : "(null)");
}

static void
assert_input_error(pgr_error *err)
{
	assert_true(pgr_error_isset(err));
	assert_int_equal(err->kind, PGR_ERR_INPUT);
}

/* ---- tests ------------------------------------------------------------------- */

static void
check_pair_of_type(const char *ca_key, const char *ca_cert, const char *srv_key,
				   const char *key_desc)
{
	pgr_error	err = PGR_ERROR_INIT;
	certs_info	ca,
				srv;
	char	   *cert;

	/* the CA */
	assert_int_equal(certs_inspect(ca_cert, &ca, &err), 0);
	assert_true(ca.is_ca);
	assert_true(ca.self_signed);
	assert_string_equal(ca.subject, "CN=pgreplica CA prod");
	assert_string_equal(ca.issuer, "CN=pgreplica CA prod");
	assert_string_equal(ca.key_type, key_desc);
	assert_int_equal(ca.n_sans, 0);
	/* one hour of clock skew, 825 days */
	assert_true(ca.not_before <= time(NULL) - 3500 && ca.not_before >= time(NULL) - 3700);
	assert_true(ca.not_after - time(NULL) >= 825 * DAY - 60 &&
				ca.not_after - time(NULL) <= 825 * DAY);
	assert_int_equal(certs_check_ca(ca_cert, ca_key, 0, 30, &err), 0);

	/* a server certificate signed by it */
	cert = certs_new_server_pem(ca_cert, ca_key, srv_key, "10.0.0.2", sans_db1, 825, &err);
	assert_non_null(cert);
	assert_false(pgr_error_isset(&err));
	assert_int_equal(certs_inspect(cert, &srv, &err), 0);
	assert_false(srv.is_ca);
	assert_false(srv.self_signed);
	assert_string_equal(srv.subject, "CN=10.0.0.2");
	assert_string_equal(srv.common_name, "10.0.0.2");
	assert_string_equal(srv.issuer, "CN=pgreplica CA prod");
	assert_int_equal(srv.n_sans, 3);
	assert_string_equal(srv.sans[0], "IP:10.0.0.2");
	assert_string_equal(srv.sans[1], "DNS:db1.example.net");
	assert_string_equal(srv.sans[2], "IP:fd00::2");

	assert_int_equal(openssl_verifies(cert, ca_cert), 1);
	assert_int_equal(certs_check_signed_by(cert, ca_cert, &err), 0);
	assert_int_equal(certs_check_pair(cert, srv_key, &err), 0);
	assert_int_equal(certs_check_valid_now(cert, 0, 30, &err), 0);
	assert_int_equal(certs_check_covers(cert, "10.0.0.2", &err), 0);
	assert_int_equal(certs_check_covers(cert, "db1.example.net", &err), 0);
	assert_int_equal(certs_check_covers(cert, "fd00:0::2", &err), 0);
	{
		const char *const hosts[] = {"10.0.0.2", "db1.example.net", NULL};

		assert_int_equal(certs_check_server(cert, srv_key, ca_cert, hosts, 0, 30, &err), 0);
	}
	assert_false(pgr_error_isset(&err));

	if (have_openssl)
	{
		char	   *ca_path = write_tmp("ca.crt", ca_cert);
		char	   *srv_path = write_tmp("srv.crt", cert);
		char	   *cmd = pgr_asprintf("openssl verify -purpose sslserver -CAfile '%s' '%s' 2>&1",
									   ca_path, srv_path);
		int			status;
		char	   *out = run(cmd, &status);

		assert_int_equal(status, 0);
		assert_contains(out, ": OK");
		free(out);
		free(cmd);
		free(ca_path);
		free(srv_path);
	}
	certs_info_free(&ca);
	certs_info_free(&srv);
	free(cert);
}

static void
test_ecdsa(void **state)
{
	(void) state;
	check_pair_of_type(ec_ca_key, ec_ca_cert, ec_srv_key, "ECDSA P-256");
}

static void
test_rsa(void **state)
{
	(void) state;
	check_pair_of_type(rsa_ca_key, rsa_ca_cert, rsa_srv_key, "RSA 3072");
}

/* An ECDSA server key under an RSA CA and the other way round. */
static void
test_mixed_types(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *a = certs_new_server_pem(rsa_ca_cert, rsa_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	char	   *b = certs_new_server_pem(ec_ca_cert, ec_ca_key, rsa_srv_key, "db1", sans_db1, 10, &err);

	(void) state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(openssl_verifies(a, rsa_ca_cert), 1);
	assert_int_equal(openssl_verifies(b, ec_ca_cert), 1);
	/* and not under the other CA */
	assert_int_equal(openssl_verifies(a, ec_ca_cert), 0);
	assert_int_equal(certs_check_signed_by(a, ec_ca_cert, &err), -1);
	assert_input_error(&err);
	assert_contains(err.message, "pgreplica CA prod");
	assert_non_null(err.detail);
	pgr_error_clear(&err);
	free(a);
	free(b);
}

static void
test_keys(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	certs_key_type t;
	int			bits;

	(void) state;
	assert_contains(ec_ca_key, "-----BEGIN PRIVATE KEY-----");
	assert_contains(rsa_ca_key, "-----BEGIN PRIVATE KEY-----");
	assert_int_equal(certs_key_info(ec_ca_key, &t, &bits, &err), 0);
	assert_int_equal(t, CERTS_KEY_ECDSA_P256);
	assert_int_equal(bits, 256);
	assert_int_equal(certs_key_info(rsa_ca_key, &t, &bits, &err), 0);
	assert_int_equal(t, CERTS_KEY_RSA_3072);
	assert_int_equal(bits, 3072);
	/* two keys differ */
	{
		char	   *k = certs_new_key_pem(CERTS_KEY_ECDSA_P256, &err);

		assert_non_null(k);
		assert_string_not_equal(k, ec_ca_key);
		pgr_free_secret(k);
	}
	assert_int_equal(certs_key_type_parse("RSA", &t, &err), 0);
	assert_int_equal(t, CERTS_KEY_RSA_3072);
	assert_int_equal(certs_key_type_parse("ecdsa-p256", &t, &err), 0);
	assert_int_equal(t, CERTS_KEY_ECDSA_P256);
	assert_string_equal(certs_key_type_name(CERTS_KEY_RSA_3072), "rsa-3072");
	assert_string_equal(certs_key_type_name(CERTS_KEY_ECDSA_P256), "ecdsa-p256");
	assert_int_equal(certs_key_type_parse("dsa", &t, &err), -1);
	assert_input_error(&err);
	assert_contains(err.message, "\"dsa\"");
	assert_non_null(err.hint);
	pgr_error_clear(&err);
}

/* A key in the traditional "BEGIN EC PRIVATE KEY" form is read too; an
 * encrypted one is refused without asking for a passphrase. */
static void
test_key_forms(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	BIO		   *bio = BIO_new_mem_buf(ec_srv_key, -1);
	EVP_PKEY   *pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO		   *out;
	char	   *data;
	long		len;
	char	   *trad,
			   *enc,
			   *cert;

	(void) state;
	BIO_free(bio);
	assert_non_null(pk);

	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(out, pk, NULL, NULL, 0, NULL, NULL), 1);
	len = BIO_get_mem_data(out, &data);
	trad = pgr_strndup(data, (size_t) len);
	BIO_free(out);
	assert_contains(trad, "BEGIN EC PRIVATE KEY");

	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(out, pk, EVP_aes_256_cbc(), "secret", 6, NULL, NULL), 1);
	len = BIO_get_mem_data(out, &data);
	enc = pgr_strndup(data, (size_t) len);
	BIO_free(out);
	EVP_PKEY_free(pk);

	cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, trad, "db1", sans_db1, 10, &err);
	assert_non_null(cert);
	assert_int_equal(certs_check_pair(cert, trad, &err), 0);
	assert_int_equal(certs_check_pair(cert, ec_srv_key, &err), 0);

	assert_int_equal(certs_check_pair(cert, enc, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "the private key is encrypted");
	assert_non_null(err.hint);
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, enc, "db1", sans_db1, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);

	free(cert);
	pgr_free_secret(trad);
	pgr_free_secret(enc);
}

static void
test_covers(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *const sans[] = {"10.0.0.2", "DNS:db1", "db1", "IP:10.0.0.2", NULL};
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans, 10, &err);
	certs_info	info;

	(void) state;
	assert_non_null(cert);
	/* duplicates dropped */
	assert_int_equal(certs_inspect(cert, &info, &err), 0);
	assert_int_equal(info.n_sans, 2);
	certs_info_free(&info);

	assert_int_equal(certs_check_covers(cert, "10.0.0.2", &err), 0);
	assert_int_equal(certs_check_covers(cert, "db1", &err), 0);
	assert_int_equal(certs_check_covers(cert, "DB1", &err), 0);	/* case-insensitive */

	/* another address: refused, naming it and listing what it has */
	assert_int_equal(certs_check_covers(cert, "10.0.0.3", &err), -1);
	assert_input_error(&err);
	assert_contains(err.message, "\"10.0.0.3\"");
	assert_contains(err.message, "\"db1\"");
	assert_non_null(err.detail);
	assert_contains(err.detail, "IP:10.0.0.2, DNS:db1");
	assert_non_null(err.hint);
	assert_contains(err.hint, "verify-full");
	pgr_error_clear(&err);

	assert_int_equal(certs_check_covers(cert, "::1", &err), -1);
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_covers(cert, "db2", &err), -1);
	assert_contains(err.detail, "IP:10.0.0.2, DNS:db1");
	pgr_error_clear(&err);
	/* a name that only looks like the address is not the address */
	assert_int_equal(certs_check_covers(cert, "db1.example.net", &err), -1);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_covers(cert, "", &err), -1);
	pgr_error_clear(&err);

	/* check_server stops at the first host not covered */
	{
		const char *const hosts[] = {"10.0.0.2", "10.9.9.9", NULL};

		assert_int_equal(certs_check_server(cert, ec_srv_key, ec_ca_cert, hosts, 0, 0, &err), -1);
		assert_contains(err.message, "10.9.9.9");
		pgr_error_clear(&err);
	}
	free(cert);
}

/* A wildcard covers one label, never a partial one. */
static void
test_covers_wildcard(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *const sans[] = {"*.db.example.net", NULL};
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db", sans, 10, &err);

	(void) state;
	assert_non_null(cert);
	assert_int_equal(certs_check_covers(cert, "a.db.example.net", &err), 0);
	assert_int_equal(certs_check_covers(cert, "a.b.db.example.net", &err), -1);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_covers(cert, "db.example.net", &err), -1);
	pgr_error_clear(&err);
	free(cert);
}

static void
test_mismatch(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *other_key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, &err);
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	const char *const hosts[] = {"10.0.0.2", NULL};

	(void) state;
	assert_non_null(other_key);
	assert_non_null(cert);
	/* the key of another pair */
	assert_int_equal(certs_check_pair(cert, other_key, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "the certificate does not match the private key");
	assert_contains(err.detail, "\"db1\"");
	assert_non_null(err.hint);
	pgr_error_clear(&err);
	/* an RSA key for an ECDSA certificate */
	assert_int_equal(certs_check_pair(cert, rsa_srv_key, &err), -1);
	assert_contains(err.detail, "RSA 3072");
	pgr_error_clear(&err);
	/* the CA's key for the server certificate, the server key for the CA */
	assert_int_equal(certs_check_pair(cert, ec_ca_key, &err), -1);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_ca(ec_ca_cert, ec_srv_key, 0, 0, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "the CA certificate does not match the CA key");
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, "junk", ec_srv_key, "db1", sans_db1, 10, &err));
	assert_string_equal(err.message, "could not read the CA private key");
	pgr_error_clear(&err);
	assert_int_equal(certs_check_server(cert, other_key, ec_ca_cert, hosts, 0, 0, &err), -1);
	assert_string_equal(err.message, "the certificate does not match the private key");
	pgr_error_clear(&err);
	/* signing with a CA key that is not the CA certificate's */
	assert_null(certs_new_server_pem(ec_ca_cert, rsa_ca_key, ec_srv_key, "db1", sans_db1, 10, &err));
	assert_input_error(&err);
	assert_string_equal(err.message, "the CA certificate does not match the CA key");
	pgr_error_clear(&err);
	pgr_free_secret(other_key);
	free(cert);
}

static void
test_expired(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	/* 2020-01-01 00:00:00 to 2021-01-01 00:00:00 UTC */
	char	   *cert = certs_new_server_pem_at(ec_ca_cert, ec_ca_key, ec_srv_key, "db1",
											   sans_db1, 1577836800, 1609459200, &err);
	const char *const hosts[] = {"10.0.0.2", NULL};
	certs_info	info;
	strbuf		sb;

	(void) state;
	assert_non_null(cert);
	assert_int_equal(certs_check_valid_now(cert, 0, 0, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "certificate \"db1\" has expired");
	assert_contains(err.detail, "2020-01-01 00:00:00 UTC");
	assert_contains(err.detail, "2021-01-01 00:00:00 UTC");
	assert_non_null(err.hint);
	pgr_error_clear(&err);
	/* a second before the end it was still good */
	assert_int_equal(certs_check_valid_now(cert, 1609459199, 0, &err), 0);
	assert_int_equal(certs_check_valid_now(cert, 1609459200, 0, &err), -1);
	pgr_error_clear(&err);
	/* the whole check refuses it, though key, CA and SAN are right */
	assert_int_equal(certs_check_server(cert, ec_srv_key, ec_ca_cert, hosts, 0, 30, &err), -1);
	assert_contains(err.message, "expired");
	pgr_error_clear(&err);
	/* signature alone still verifies: dates are the other check's */
	assert_int_equal(certs_check_signed_by(cert, ec_ca_cert, &err), 0);

	assert_int_equal(certs_inspect(cert, &info, &err), 0);
	assert_int_equal(info.not_before, 1577836800);
	assert_int_equal(info.not_after, 1609459200);
	strbuf_init(&sb);
	certs_describe_at(&info, 1609459200 + 12 * DAY, &sb);
	assert_contains(sb.data, "expired: 2021-01-01 (12 days ago)\n");
	strbuf_free(&sb);
	certs_info_free(&info);

	/* an expired CA */
	{
		char	   *ca = certs_new_ca_pem_at(ec_ca_key, "old", 1577836800, 1609459200, &err);

		assert_non_null(ca);
		assert_int_equal(certs_check_ca(ca, ec_ca_key, 0, 0, &err), -1);
		assert_contains(err.message, "expired");
		assert_contains(err.detail, "2021-01-01 00:00:00 UTC");
		pgr_error_clear(&err);
		free(ca);
	}
	free(cert);
}

static void
test_not_yet_valid(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	time_t		now = time(NULL);
	char	   *cert = certs_new_server_pem_at(ec_ca_cert, ec_ca_key, ec_srv_key, "db1",
											   sans_db1, now + 2 * DAY, now + 100 * DAY, &err);
	certs_info	info;
	strbuf		sb;

	(void) state;
	assert_non_null(cert);
	assert_int_equal(certs_check_valid_now(cert, 0, 0, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "certificate \"db1\" is not valid yet");
	assert_contains(err.detail, "UTC");
	pgr_error_clear(&err);
	assert_int_equal(certs_check_valid_now(cert, now + 3 * DAY, 0, &err), 0);

	assert_int_equal(certs_inspect(cert, &info, &err), 0);
	strbuf_init(&sb);
	certs_describe_at(&info, now, &sb);
	assert_contains(sb.data, "not valid before: ");
	assert_contains(sb.data, "(in 2 days)");
	strbuf_free(&sb);
	certs_info_free(&info);
	free(cert);
}

static void
test_renew(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	const char *const hosts[] = {"db1.example.net", NULL};

	(void) state;
	assert_non_null(cert);
	assert_int_equal(certs_check_valid_now(cert, 0, 30, &err), CERTS_RENEW);
	assert_false(pgr_error_isset(&err));
	assert_int_equal(certs_check_valid_now(cert, 0, 9, &err), 0);
	assert_int_equal(certs_check_server(cert, ec_srv_key, ec_ca_cert, hosts, 0, 30, &err), CERTS_RENEW);
	assert_int_equal(certs_check_server(cert, ec_srv_key, ec_ca_cert, hosts, 0, 0, &err), 0);
	assert_false(pgr_error_isset(&err));
	free(cert);
}

static void
test_fingerprint(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	char	   *fp = certs_fingerprint_pem(cert, &err);
	X509	   *x = pem_x509(cert);
	unsigned char *der = NULL;
	int			len = i2d_X509(x, &der);
	char	   *fp_der = certs_fingerprint_der(der, (size_t) len);
	char	   *fp_x509 = certs_fingerprint_x509(x);
	certs_info	info;
	size_t		i;

	(void) state;
	assert_non_null(fp);
	assert_int_equal(strlen(fp), 95);
	for (i = 0; i < 95; i++)
		assert_true(i % 3 == 2 ? fp[i] == ':' : strchr("0123456789ABCDEF", fp[i]) != NULL);
	assert_string_equal(fp, fp_der);
	assert_string_equal(fp, fp_x509);
	assert_int_equal(certs_inspect(cert, &info, &err), 0);
	assert_string_equal(fp, info.fingerprint);
	certs_info_free(&info);
	assert_null(certs_fingerprint_der(NULL, 0));

	if (have_openssl)
	{
		char	   *path = write_tmp("fp.crt", cert);
		char	   *cmd = pgr_asprintf("openssl x509 -noout -fingerprint -sha256 -in '%s'", path);
		int			status;
		char	   *out = run(cmd, &status);
		char	   *expected = pgr_asprintf("sha256 Fingerprint=%s\n", fp);

		assert_int_equal(status, 0);
		/* "SHA256 Fingerprint=" in OpenSSL 1.1, "sha256 …" in 3 */
		assert_string_equal(out + 6, expected + 6);
		free(expected);
		free(out);
		free(cmd);
		free(path);
	}
	/* another certificate, another fingerprint */
	{
		char	   *fp2 = certs_fingerprint_pem(ec_ca_cert, &err);

		assert_string_not_equal(fp, fp2);
		free(fp2);
	}
	OPENSSL_free(der);
	X509_free(x);
	free(fp);
	free(fp_der);
	free(fp_x509);
	free(cert);
}

static void
test_serials(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *a = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	char	   *b = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	certs_info	ia,
				ib,
				ic;

	(void) state;
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(certs_inspect(a, &ia, &err), 0);
	assert_int_equal(certs_inspect(b, &ib, &err), 0);
	assert_int_equal(certs_inspect(ec_ca_cert, &ic, &err), 0);
	assert_string_not_equal(ia.serial, ib.serial);
	assert_string_not_equal(ia.serial, ic.serial);
	assert_string_not_equal(ia.fingerprint, ib.fingerprint);
	/* 159 random bits: positive, at most 40 hex digits, rarely short */
	assert_true(strlen(ia.serial) >= 36 && strlen(ia.serial) <= 40);
	assert_true(ia.serial[0] != '-');
	if (strlen(ia.serial) == 40)
		assert_true(strchr("01234567", ia.serial[0]) != NULL);
	certs_info_free(&ia);
	certs_info_free(&ib);
	certs_info_free(&ic);
	free(a);
	free(b);
}

/* The CA key is never in what goes to a node. */
static void
test_ca_key_stays(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *cert = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	char		body[41];
	const char *p = strchr(ec_ca_key, '\n');

	(void) state;
	assert_non_null(cert);
	assert_non_null(p);
	memcpy(body, p + 1, 40);
	body[40] = '\0';
	assert_null(strstr(cert, body));
	assert_null(strstr(cert, "PRIVATE KEY"));
	assert_null(strstr(ec_ca_cert, "PRIVATE KEY"));
	assert_contains(cert, "-----BEGIN CERTIFICATE-----");
	free(cert);
}

static void
test_bad_input(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *const bad_name[] = {"db 1", NULL};
	const char *const bad_ip[] = {"IP:10.0.0.300", NULL};
	const char *const bad_colon[] = {"fe80::1%eth0", NULL};
	const char *const none[] = {NULL};
	char	   *long_cn = pgr_malloc(70);
	char	   *srv;

	(void) state;
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", bad_name, 10, &err));
	assert_input_error(&err);
	assert_contains(err.message, "\"db 1\"");
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", bad_ip, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", bad_colon, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", none, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", NULL, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 0, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_ca_pem(ec_ca_key, "prod", CERTS_MAX_DAYS + 1, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_null(certs_new_ca_pem_at(ec_ca_key, "prod", 1000, 1000, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	memset(long_cn, 'a', 69);
	long_cn[69] = '\0';
	assert_null(certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, long_cn, sans_db1, 10, &err));
	assert_input_error(&err);
	pgr_error_clear(&err);
	free(long_cn);

	/* a server certificate is no CA */
	srv = certs_new_server_pem(ec_ca_cert, ec_ca_key, ec_srv_key, "db1", sans_db1, 10, &err);
	assert_non_null(srv);
	assert_null(certs_new_server_pem(srv, ec_srv_key, rsa_srv_key, "db2", sans_db1, 10, &err));
	assert_input_error(&err);
	assert_string_equal(err.message, "the certificate given as CA is not a CA certificate");
	pgr_error_clear(&err);
	assert_int_equal(certs_check_ca(srv, ec_srv_key, 0, 0, &err), -1);
	assert_input_error(&err);
	pgr_error_clear(&err);
	/* and a CA is no server certificate (purpose sslserver) */
	assert_int_equal(certs_check_signed_by(ec_ca_cert, ec_ca_cert, &err), -1);
	assert_input_error(&err);
	pgr_error_clear(&err);
	free(srv);

	/* garbage */
	assert_int_equal(certs_check_valid_now("not a certificate", 0, 0, &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "could not read the certificate");
	pgr_error_clear(&err);
	assert_int_equal(certs_check_valid_now("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 0, 0, &err), -1);
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_pair(ec_ca_cert, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", &err), -1);
	assert_input_error(&err);
	assert_string_equal(err.message, "could not read the private key");
	pgr_error_clear(&err);
	assert_int_equal(certs_check_signed_by(ec_ca_cert, NULL, &err), -1);
	assert_string_equal(err.message, "could not read the CA certificate");
	pgr_error_clear(&err);
	{
		certs_info	info;

		assert_int_equal(certs_inspect("", &info, &err), -1);
		certs_info_free(&info);
		pgr_error_clear(&err);
	}
	assert_null(certs_fingerprint_pem("x", &err));
	pgr_error_clear(&err);
}

static void
test_describe(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	time_t		now = time(NULL);
	char	   *cert = certs_new_server_pem_at(ec_ca_cert, ec_ca_key, ec_srv_key, "db1",
											   sans_db1, now - 3600, now + 825 * DAY, &err);
	certs_info	info;
	strbuf		sb;
	char		date[16];
	char	   *expected;
	time_t		na = now + 825 * DAY;
	struct tm	tm;

	(void) state;
	assert_non_null(cert);
	assert_int_equal(certs_inspect(cert, &info, &err), 0);
	strbuf_init(&sb);
	certs_describe_at(&info, now, &sb);
	gmtime_r(&na, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	expected = pgr_asprintf("subject: CN=db1\n"
							"  issuer: CN=pgreplica CA prod\n"
							"  SAN: IP:10.0.0.2, DNS:db1.example.net, IP:fd00::2\n"
							"  SHA-256: %s\n"
							"  expires: %s (825 days)\n", info.fingerprint, date);
	assert_string_equal(sb.data, expected);
	free(expected);

	/* one day left: singular */
	strbuf_reset(&sb);
	certs_describe_at(&info, na - DAY, &sb);
	assert_contains(sb.data, "(1 day)\n");

	/* the CA has no SAN */
	certs_info_free(&info);
	assert_int_equal(certs_inspect(ec_ca_cert, &info, &err), 0);
	strbuf_reset(&sb);
	certs_describe(&info, &sb);
	assert_contains(sb.data, "  SAN: (none)\n");
	strbuf_free(&sb);
	certs_info_free(&info);
	free(cert);
}

/* A period after 2049 is written as GeneralizedTime and read back. */
static void
test_long_validity(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *ca = certs_new_ca_pem_at(ec_ca_key, "long", 1577836800, 4102444800LL /* 2100-01-01 */ , &err);
	certs_info	info;

	(void) state;
	assert_non_null(ca);
	assert_int_equal(certs_inspect(ca, &info, &err), 0);
	assert_int_equal(info.not_after, (time_t) 4102444800LL);
	assert_int_equal(certs_check_valid_now(ca, 0, 30, &err), 0);
	certs_info_free(&info);
	free(ca);
}

static void
test_describe_new(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *const sans[] = {"10.0.0.2", "db1", "fd00:0:0::2", "IP:10.0.0.2", NULL};
	const char *const bad[] = {"db 1", NULL};
	time_t		now = 1700000000;	/* 2023-11-14 22:13:20 UTC */
	char	   *ca_cn = certs_ca_common_name("prod");
	strbuf		sb;

	(void) state;
	assert_string_equal(ca_cn, "pgreplica CA prod");
	strbuf_init(&sb);
	assert_int_equal(certs_describe_new("db1", ca_cn, sans, 825, now, &sb, &err), 0);
	assert_string_equal(sb.data,
						"subject: CN=db1\n"
						"  issuer: CN=pgreplica CA prod\n"
						"  SAN: IP:10.0.0.2, DNS:db1, IP:fd00::2\n"
						"  SHA-256: (known once made)\n"
						"  expires: 2026-02-16 (825 days)\n");
	strbuf_reset(&sb);
	assert_int_equal(certs_describe_new(ca_cn, NULL, NULL, 3650, now, &sb, &err), 0);
	assert_contains(sb.data, "subject: CN=pgreplica CA prod\n  issuer: CN=pgreplica CA prod\n  SAN: (none)\n");
	assert_contains(sb.data, "(3650 days)");
	/* what apply would refuse, the plan refuses, and shows nothing */
	strbuf_reset(&sb);
	assert_int_equal(certs_describe_new("db1", ca_cn, bad, 825, now, &sb, &err), -1);
	assert_input_error(&err);
	assert_int_equal(sb.len, 0);
	pgr_error_clear(&err);
	assert_int_equal(certs_describe_new("db1", ca_cn, sans, 0, now, &sb, &err), -1);
	pgr_error_clear(&err);
	strbuf_free(&sb);
	free(ca_cn);
}

/*
 * The operator's own files, made by the openssl command: a root CA, an
 * intermediate, a server certificate with the chain in its file, a
 * traditional RSA key, a partial wildcard.
 */
static void
test_operator_files(void **state)
{
	pgr_error	err = PGR_ERROR_INIT;
	char	   *cmd;
	char	   *path;
	char	   *root,
			   *chain,
			   *leaf,
			   *key,
			   *inter;
	int			status;
	char	   *out;

	(void) state;
	if (!have_openssl)
	{
		printf("# no openssl command: the operator's own files are not tried\n");
		return;
	}
	cmd = pgr_asprintf("cd '%s' && exec 2>&1 && "
					   "printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=critical,keyCertSign,cRLSign\\n' >ca.ext && "
					   "printf 'subjectAltName=DNS:d*.example.net,IP:10.1.2.3\\nextendedKeyUsage=serverAuth\\n' >srv.ext && "
					   "openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -subj /CN=root -days 2 "
					   "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign >/dev/null && "
					   "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout inter.key -out inter.csr -subj /CN=inter >/dev/null && "
					   "openssl x509 -req -in inter.csr -CA root.crt -CAkey root.key -CAcreateserial -days 2 -extfile ca.ext -out inter.crt >/dev/null && "
					   "openssl req -new -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=leaf >/dev/null && "
					   "openssl x509 -req -in leaf.csr -CA inter.crt -CAkey inter.key -CAcreateserial -days 2 -extfile srv.ext -out leaf.crt >/dev/null && "
					   "openssl pkey -in leaf.key -traditional -out leaf-trad.key && "
					   "cat leaf.crt inter.crt >chain.crt",
					   tmpdir);
	out = run(cmd, &status);
	if (status != 0)
		fail_msg("openssl: %s", out);
	free(out);
	free(cmd);
#define LOAD(var, name) do { \
		path = pgr_asprintf("%s/%s", tmpdir, name); \
		{ FILE *f = fopen(path, "r"); strbuf b; char buf[512]; size_t n; \
		  assert_non_null(f); strbuf_init(&b); \
		  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) strbuf_append_len(&b, buf, n); \
		  fclose(f); var = strbuf_detach(&b); } \
		free(path); } while (0)
	LOAD(root, "root.crt");
	LOAD(inter, "inter.crt");
	LOAD(leaf, "leaf.crt");
	LOAD(chain, "chain.crt");
	LOAD(key, "leaf-trad.key");
#undef LOAD
	assert_contains(key, "BEGIN RSA PRIVATE KEY");
	assert_int_equal(certs_check_pair(leaf, key, &err), 0);
	assert_int_equal(certs_check_pair(chain, key, &err), 0);
	/* the chain file carries the intermediate; the leaf alone does not */
	assert_int_equal(certs_check_signed_by(chain, root, &err), 0);
	assert_int_equal(certs_check_signed_by(leaf, root, &err), -1);
	assert_input_error(&err);
	pgr_error_clear(&err);
	assert_int_equal(certs_check_signed_by(leaf, inter, &err), -1);	/* no root */
	pgr_error_clear(&err);
	{
		const char *const hosts[] = {"10.1.2.3", NULL};

		assert_int_equal(certs_check_server(chain, key, root, hosts, 0, 1, &err), 0);
		/* two days: renew when fewer than 30 are left */
		assert_int_equal(certs_check_server(chain, key, root, hosts, 0, 30, &err), CERTS_RENEW);
	}
	/* a partial wildcard covers nothing, as with libpq */
	assert_int_equal(certs_check_covers(leaf, "db.example.net", &err), -1);
	assert_contains(err.detail, "DNS:d*.example.net, IP:10.1.2.3");
	pgr_error_clear(&err);
	free(root);
	free(inter);
	free(leaf);
	free(chain);
	pgr_free_secret(key);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ecdsa),
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_mixed_types),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_key_forms),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_covers_wildcard),
		cmocka_unit_test(test_mismatch),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_renew),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_serials),
		cmocka_unit_test(test_ca_key_stays),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_describe),
		cmocka_unit_test(test_long_validity),
		cmocka_unit_test(test_describe_new),
		cmocka_unit_test(test_operator_files),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
