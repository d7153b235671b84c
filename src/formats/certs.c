/*
 * certs.c: the cluster's CA and server certificates (see certs.h).
 *
 * OpenSSL 3's EVP/X509 API only (no deprecated RSA_* / EC_KEY_* calls, no
 * openssl command).  Every object is freed on every path (one `goto out`),
 * private keys in PEM form are wiped before they are freed, and a
 * passphrase is never asked for: keys are read with a callback that
 * refuses, so an encrypted key is an error, not a prompt on the terminal.
 */
#include <config.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "certs.h"
#include "i18n.h"
#include "report.h"
#include "strbuf.h"

#define SERIAL_BYTES 20			/* 159 random bits: top bit cleared */
#define CN_MAX 64				/* ub-common-name */
#define CLOCK_SKEW_S 3600		/* notBefore one hour ago */

#define OSSL_STACK_OF_X509_FREE(sk) sk_X509_pop_free((sk), X509_free)

/* ---- helpers ------------------------------------------------------------- */

/*
 * OpenSSL's error queue as one line ("; "-separated), emptied.  NULL when
 * the queue is empty.
 */
static char *
ossl_errors(void)
{
	strbuf		sb;
	unsigned long e;
	char		buf[256];

	strbuf_init(&sb);
	while ((e = ERR_get_error()) != 0)
	{
		ERR_error_string_n(e, buf, sizeof(buf));
		if (sb.len > 0)
			strbuf_append(&sb, "; ");
		strbuf_append(&sb, buf);
	}
	if (sb.len == 0)
	{
		strbuf_free(&sb);
		return NULL;
	}
	return strbuf_detach(&sb);
}

/* An OpenSSL failure: `what` is the translated primary message. */
static int
ossl_fail(pgr_error *err, const char *what)
{
	char	   *q = ossl_errors();

	pgr_error_set(err, PGR_ERR_GENERIC, "%s", what);
	if (q)
		pgr_error_detail(err, _("OpenSSL: %s"), q);
	free(q);
	return -1;
}

/* Date and time in UTC, "2026-11-22 04:02:40 UTC", into buf. */
static void
fmt_time(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
		strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, size, "%lld", (long long) t);
}

static void
fmt_date(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
		strftime(buf, size, "%Y-%m-%d", &tm) == 0)
		snprintf(buf, size, "%lld", (long long) t);
}

/* An ASN1_TIME as time_t (UTC); false when it cannot be read. */
static bool
asn1_to_time(const ASN1_TIME *a, time_t *out)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (a == NULL || ASN1_TIME_to_tm(a, &tm) != 1)
		return false;
	*out = timegm(&tm);
	return true;
}

/* Copy a memory BIO's contents into a malloc'd string. */
static char *
bio_to_string(BIO *bio)
{
	char	   *data = NULL;
	long		len = BIO_get_mem_data(bio, &data);

	if (len < 0)
		len = 0;
	return pgr_strndup(data ? data : "", (size_t) len);
}

/* The passphrase callback: never prompt, always refuse. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void) buf;
	(void) size;
	(void) rwflag;
	(void) u;
	return -1;
}

static X509 *
load_cert(const char *pem, bool is_ca, pgr_error *err)
{
	BIO		   *bio;
	X509	   *x;
	const char *what = is_ca ? _("could not read the CA certificate") :
		_("could not read the certificate");

	if (pem == NULL || strstr(pem, "-----BEGIN") == NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, "%s", what);
		pgr_error_detail(err, _("The text holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")."));
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		return NULL;
	}
	x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (x == NULL)
	{
		char	   *q = ossl_errors();

		pgr_error_set(err, PGR_ERR_INPUT, "%s", what);
		pgr_error_detail(err, _("The text is not a valid PEM certificate (%s)."),
						 q ? q : "?");
		free(q);
	}
	return x;
}

/*
 * Every certificate of a PEM text (a chain file, a CA bundle), in order;
 * NULL only when OpenSSL runs out of memory.
 */
static STACK_OF(X509) *
load_all(const char *pem)
{
	STACK_OF(X509) *sk = sk_X509_new_null();
	BIO		   *bio;
	X509	   *x;

	if (sk == NULL)
		return NULL;
	if (pem == NULL)
		return sk;
	bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
	{
		sk_X509_free(sk);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL)) != NULL)
		if (!sk_X509_push(sk, x))
		{
			X509_free(x);
			break;
		}
	BIO_free(bio);
	ERR_clear_error();			/* the end of the text */
	return sk;
}

static EVP_PKEY *
load_key(const char *pem, bool is_ca, pgr_error *err)
{
	BIO		   *bio;
	EVP_PKEY   *pk;
	const char *what = is_ca ? _("could not read the CA private key") :
		_("could not read the private key");

	if (pem == NULL || strstr(pem, "-----BEGIN") == NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, "%s", what);
		pgr_error_detail(err, _("The text holds no PEM private key (\"-----BEGIN PRIVATE KEY-----\")."));
		return NULL;
	}
	if (strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") != NULL ||
		strstr(pem, "Proc-Type: 4,ENCRYPTED") != NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, "%s", is_ca ? _("the CA private key is encrypted") :
					  _("the private key is encrypted"));
		pgr_error_detail(err, _("PostgreSQL reads its key without a passphrase, and pgreplica never asks for one."));
		pgr_error_hint(err, _("Give an unencrypted copy of the key (openssl pkey -in KEY -out NEWKEY), kept with mode 0600."));
		return NULL;
	}
	bio = BIO_new_mem_buf(pem, -1);
	if (bio == NULL)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		return NULL;
	}
	pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	if (pk == NULL)
	{
		char	   *q = ossl_errors();

		pgr_error_set(err, PGR_ERR_INPUT, "%s", what);
		pgr_error_detail(err, _("The text is not a valid PEM private key (%s)."),
						 q ? q : "?");
		free(q);
	}
	return pk;
}

/* "ECDSA P-256", "RSA 3072", else OpenSSL's type name and size (malloc'd). */
static char *
pkey_description(EVP_PKEY *pk)
{
	int			bits = EVP_PKEY_get_bits(pk);

	if (EVP_PKEY_is_a(pk, "EC"))
	{
		char		group[64] = "";
		size_t		glen = 0;

		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &glen) == 1 &&
			(strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
			return pgr_strdup("ECDSA P-256");
		if (group[0])
			return pgr_asprintf("ECDSA %s", group);
		return pgr_asprintf("ECDSA %d", bits);
	}
	if (EVP_PKEY_is_a(pk, "RSA"))
		return pgr_asprintf("RSA %d", bits);
	{
		const char *name = EVP_PKEY_get0_type_name(pk);

		return pgr_asprintf("%s %d", name ? name : "?", bits);
	}
}

/* ---- keys ------------------------------------------------------------------ */

const char *
certs_key_type_name(certs_key_type type)
{
	switch (type)
	{
		case CERTS_KEY_RSA_3072:
			return "rsa-3072";
		case CERTS_KEY_ECDSA_P256:
		default:
			return "ecdsa-p256";
	}
}

int
certs_key_type_parse(const char *s, certs_key_type *type, pgr_error *err)
{
	static const char *const ec[] = {"ecdsa-p256", "ecdsa", "ec", "p256", "p-256", NULL};
	static const char *const rsa[] = {"rsa-3072", "rsa", "rsa3072", NULL};
	int			i;

	for (i = 0; s && ec[i]; i++)
		if (strcasecmp(s, ec[i]) == 0)
		{
			*type = CERTS_KEY_ECDSA_P256;
			return 0;
		}
	for (i = 0; s && rsa[i]; i++)
		if (strcasecmp(s, rsa[i]) == 0)
		{
			*type = CERTS_KEY_RSA_3072;
			return 0;
		}
	pgr_error_set(err, PGR_ERR_INPUT, _("unknown key type \"%s\""), s ? s : "");
	pgr_error_hint(err, _("Use \"ecdsa-p256\" (the default) or \"rsa-3072\"."));
	return -1;
}

char *
certs_new_key_pem(certs_key_type type, pgr_error *err)
{
	EVP_PKEY   *pk = NULL;
	BIO		   *bio = NULL;
	char	   *pem = NULL;

	ERR_clear_error();
	if (type == CERTS_KEY_RSA_3072)
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t) 3072);
	else
		pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (pk == NULL)
	{
		ossl_fail(err, _("could not generate a private key"));
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL ||
		PEM_write_bio_PKCS8PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL) != 1)
	{
		ossl_fail(err, _("could not write the private key"));
		goto out;
	}
	pem = bio_to_string(bio);
out:
	BIO_free(bio);				/* a memory BIO's buffer is cleansed */
	EVP_PKEY_free(pk);
	return pem;
}

int
certs_key_info(const char *key_pem, certs_key_type *type, int *bits,
			   pgr_error *err)
{
	EVP_PKEY   *pk;

	ERR_clear_error();
	pk = load_key(key_pem, false, err);
	if (pk == NULL)
		return -1;
	if (type)
		*type = EVP_PKEY_is_a(pk, "RSA") ? CERTS_KEY_RSA_3072 : CERTS_KEY_ECDSA_P256;
	if (bits)
		*bits = EVP_PKEY_get_bits(pk);
	EVP_PKEY_free(pk);
	return 0;
}

/* ---- making certificates ----------------------------------------------- */

bool
certs_is_ip_address(const char *s)
{
	unsigned char buf[16];

	if (s == NULL)
		return false;
	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

/* A random positive serial of 159 bits, never zero. */
static int
set_random_serial(X509 *x, pgr_error *err)
{
	unsigned char buf[SERIAL_BYTES];
	BIGNUM	   *bn = NULL;
	int			rc = -1;

	do
	{
		if (RAND_bytes(buf, sizeof(buf)) != 1)
		{
			ossl_fail(err, _("could not make a random serial number"));
			return -1;
		}
		buf[0] &= 0x7f;
	} while (buf[0] == 0 && buf[1] == 0);	/* keep it long, and non-zero */
	bn = BN_bin2bn(buf, sizeof(buf), NULL);
	if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		ossl_fail(err, _("could not make a random serial number"));
	else
		rc = 0;
	BN_free(bn);
	return rc;
}

static int
add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, pgr_error *err)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int			ok;

	if (ext == NULL)
		return ossl_fail(err, _("could not add an extension to the certificate"));
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ok)
		return ossl_fail(err, _("could not add an extension to the certificate"));
	return 0;
}

static int
check_period(time_t not_before, time_t not_after, pgr_error *err)
{
	if (not_after <= not_before)
	{
		char		a[64],
					b[64];

		fmt_time(not_before, a, sizeof(a));
		fmt_time(not_after, b, sizeof(b));
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid validity period"));
		pgr_error_detail(err, _("The certificate would be valid from %s to %s."), a, b);
		return -1;
	}
	return 0;
}

static int
check_days(int days, pgr_error *err)
{
	if (days < 1 || days > CERTS_MAX_DAYS)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid validity period: %d days"), days);
		pgr_error_detail(err, _("It must be between 1 and %d days."), CERTS_MAX_DAYS);
		return -1;
	}
	return 0;
}

static int
set_cn(X509_NAME *name, const char *cn, pgr_error *err)
{
	size_t		len = cn ? strlen(cn) : 0;

	if (len == 0 || len > CN_MAX)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid common name \"%s\""), cn ? cn : "");
		pgr_error_detail(err, _("A common name has between 1 and %d characters."), CN_MAX);
		return -1;
	}
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
								   (const unsigned char *) cn, -1, -1, 0) != 1)
	{
		char	   *q = ossl_errors();

		pgr_error_set(err, PGR_ERR_INPUT, _("invalid common name \"%s\""), cn);
		if (q)
			pgr_error_detail(err, _("OpenSSL: %s"), q);
		free(q);
		return -1;
	}
	return 0;
}

/*
 * The certificate shell shared by CA and server certificates: version 3,
 * random serial, period, subject CN, public key.
 */
static X509 *
new_cert(EVP_PKEY *pub, const char *cn, time_t not_before, time_t not_after,
		 pgr_error *err)
{
	X509	   *x = X509_new();

	if (x == NULL || X509_set_version(x, X509_VERSION_3) != 1)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		goto fail;
	}
	if (set_random_serial(x, err) < 0)
		goto fail;
	if (ASN1_TIME_set(X509_getm_notBefore(x), not_before) == NULL ||
		ASN1_TIME_set(X509_getm_notAfter(x), not_after) == NULL)
	{
		ossl_fail(err, _("could not set the certificate's validity period"));
		goto fail;
	}
	if (set_cn(X509_get_subject_name(x), cn, err) < 0)
		goto fail;
	if (X509_set_pubkey(x, pub) != 1)
	{
		ossl_fail(err, _("could not set the certificate's public key"));
		goto fail;
	}
	return x;
fail:
	X509_free(x);
	return NULL;
}

static char *
sign_and_write(X509 *x, EVP_PKEY *signer, pgr_error *err)
{
	BIO		   *bio = NULL;
	char	   *pem = NULL;

	if (X509_sign(x, signer, EVP_sha256()) <= 0)
	{
		ossl_fail(err, _("could not sign the certificate"));
		goto out;
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, x) != 1)
	{
		ossl_fail(err, _("could not write the certificate"));
		goto out;
	}
	pem = bio_to_string(bio);
out:
	BIO_free(bio);
	return pem;
}

char *
certs_ca_common_name(const char *cluster_name)
{
	return pgr_asprintf("pgreplica CA %s", cluster_name ? cluster_name : "");
}

char *
certs_new_ca_pem_at(const char *key_pem, const char *cluster_name,
					time_t not_before, time_t not_after, pgr_error *err)
{
	EVP_PKEY   *pk = NULL;
	X509	   *x = NULL;
	char	   *cn = NULL;
	char	   *pem = NULL;
	X509V3_CTX	ctx;

	ERR_clear_error();
	if (check_period(not_before, not_after, err) < 0)
		goto out;
	if ((pk = load_key(key_pem, true, err)) == NULL)
		goto out;
	cn = certs_ca_common_name(cluster_name);
	if ((x = new_cert(pk, cn, not_before, not_after, err)) == NULL)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(x)) != 1)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		goto out;
	}
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE", err) < 0 ||
		add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign", err) < 0 ||
		add_ext(x, &ctx, NID_subject_key_identifier, "hash", err) < 0 ||
		add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", err) < 0)
		goto out;
	pem = sign_and_write(x, pk, err);
out:
	free(cn);
	X509_free(x);
	EVP_PKEY_free(pk);
	return pem;
}

char *
certs_new_ca_pem(const char *key_pem, const char *cluster_name, int days,
				 pgr_error *err)
{
	time_t		now = time(NULL);

	if (check_days(days, err) < 0)
		return NULL;
	return certs_new_ca_pem_at(key_pem, cluster_name, now - CLOCK_SKEW_S,
							   now + (time_t) days * 86400, err);
}

/* One SAN string as a GENERAL_NAME, or NULL with err set. */
static GENERAL_NAME *
san_entry(const char *s, pgr_error *err)
{
	GENERAL_NAME *gn = NULL;
	const char *v = s;
	bool		ip;
	size_t		i,
				len;

	if (strncasecmp(s, "IP:", 3) == 0)
	{
		v = s + 3;
		ip = true;
	}
	else if (strncasecmp(s, "DNS:", 4) == 0)
	{
		v = s + 4;
		ip = false;
	}
	else
		ip = certs_is_ip_address(s);

	if (ip)
	{
		ASN1_OCTET_STRING *oct = certs_is_ip_address(v) ? a2i_IPADDRESS(v) : NULL;

		if (oct == NULL)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("invalid subject alternative name \"%s\""), s);
			pgr_error_detail(err, _("\"%s\" is not an IPv4 or IPv6 address."), v);
			return NULL;
		}
		gn = GENERAL_NAME_new();
		if (gn == NULL)
		{
			ASN1_OCTET_STRING_free(oct);
			ossl_fail(err, _("out of memory in OpenSSL"));
			return NULL;
		}
		GENERAL_NAME_set0_value(gn, GEN_IPADD, oct);
		return gn;
	}

	/* a DNS name: ASCII letters, digits, '-', '.', '_' and a leading "*." */
	len = strlen(v);
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) v[i];

		if (!(isalnum(c) || c == '-' || c == '.' || c == '_' ||
			  (c == '*' && i == 0 && v[1] == '.')))
			break;
	}
	if (len == 0 || len > 253 || i < len || strchr(v, ':') != NULL)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("invalid subject alternative name \"%s\""), s);
		pgr_error_detail(err, _("\"%s\" is neither an IP address nor a DNS host name."), v);
		pgr_error_hint(err, _("A host name has only ASCII letters, digits, hyphens and dots (an IDN in its xn-- form)."));
		return NULL;
	}
	{
		ASN1_IA5STRING *ia5 = ASN1_IA5STRING_new();

		if (ia5 == NULL || ASN1_STRING_set(ia5, v, (int) len) != 1 ||
			(gn = GENERAL_NAME_new()) == NULL)
		{
			ASN1_IA5STRING_free(ia5);
			ossl_fail(err, _("out of memory in OpenSSL"));
			return NULL;
		}
		GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
	}
	return gn;
}

/*
 * The SAN strings as GENERAL_NAMES, duplicates dropped; NULL with err set
 * when one is invalid or there are none.
 */
static GENERAL_NAMES *
build_sans(const char *const *sans, pgr_error *err)
{
	GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
	size_t		i;

	if (gens == NULL)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		return NULL;
	}
	for (i = 0; sans && sans[i]; i++)
	{
		GENERAL_NAME *gn = san_entry(sans[i], err);
		bool		dup = false;
		int			j;

		if (gn == NULL)
			goto fail;
		for (j = 0; j < sk_GENERAL_NAME_num(gens); j++)
			if (GENERAL_NAME_cmp(sk_GENERAL_NAME_value(gens, j), gn) == 0)
				dup = true;
		if (dup)
		{
			GENERAL_NAME_free(gn);
			continue;
		}
		if (!sk_GENERAL_NAME_push(gens, gn))
		{
			GENERAL_NAME_free(gn);
			ossl_fail(err, _("out of memory in OpenSSL"));
			goto fail;
		}
	}
	if (sk_GENERAL_NAME_num(gens) == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("a server certificate needs at least one subject alternative name"));
		pgr_error_detail(err, _("Clients that verify the server (sslmode=verify-full) match the host they connect to against these names."));
		goto fail;
	}
	return gens;
fail:
	GENERAL_NAMES_free(gens);
	return NULL;
}

static int
add_sans(X509 *x, const char *const *sans, pgr_error *err)
{
	GENERAL_NAMES *gens = build_sans(sans, err);
	int			rc = 0;

	if (gens == NULL)
		return -1;
	if (X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
		rc = ossl_fail(err, _("could not add an extension to the certificate"));
	GENERAL_NAMES_free(gens);
	return rc;
}

/*
 * A leaf certificate signed by the CA: a server's (serverAuth, SANs) or,
 * with sans NULL, a client's (clientAuth, no SAN: the server matches the
 * CN against the role).
 */
static char *
new_leaf_pem(const char *ca_cert_pem, const char *ca_key_pem,
			 const char *server_key_pem, const char *cn,
			 const char *const *sans, time_t not_before,
			 time_t not_after, pgr_error *err)
{
	X509	   *ca = NULL;
	EVP_PKEY   *cakey = NULL;
	EVP_PKEY   *pk = NULL;
	X509	   *x = NULL;
	char	   *pem = NULL;
	X509V3_CTX	ctx;

	ERR_clear_error();
	if (check_period(not_before, not_after, err) < 0)
		goto out;
	if ((ca = load_cert(ca_cert_pem, true, err)) == NULL)
		goto out;
	if ((cakey = load_key(ca_key_pem, true, err)) == NULL)
		goto out;
	if (X509_check_private_key(ca, cakey) != 1)
	{
		ERR_clear_error();
		pgr_error_set(err, PGR_ERR_INPUT, _("the CA certificate does not match the CA key"));
		pgr_error_hint(err, _("Give the key the CA certificate was made for."));
		goto out;
	}
	if (!(X509_get_extension_flags(ca) & EXFLAG_CA))
	{
		char	   *subj = X509_NAME_oneline(X509_get_subject_name(ca), NULL, 0);

		pgr_error_set(err, PGR_ERR_INPUT, _("the certificate given as CA is not a CA certificate"));
		pgr_error_detail(err, _("Certificate \"%s\" does not have basicConstraints CA:TRUE."),
						 subj ? subj : "?");
		OPENSSL_free(subj);
		goto out;
	}
	if ((pk = load_key(server_key_pem, false, err)) == NULL)
		goto out;
	if ((x = new_cert(pk, cn, not_before, not_after, err)) == NULL)
		goto out;
	if (X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		goto out;
	}
	X509V3_set_ctx(&ctx, ca, x, NULL, NULL, 0);
	if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE", err) < 0 ||
		add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment", err) < 0 ||
		add_ext(x, &ctx, NID_ext_key_usage, sans ? "serverAuth" : "clientAuth", err) < 0 ||
		add_ext(x, &ctx, NID_subject_key_identifier, "hash", err) < 0 ||
		add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", err) < 0)
		goto out;
	if (sans && add_sans(x, sans, err) < 0)
		goto out;
	pem = sign_and_write(x, cakey, err);
out:
	X509_free(x);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(cakey);
	X509_free(ca);
	return pem;
}

char *
certs_new_server_pem_at(const char *ca_cert_pem, const char *ca_key_pem,
						const char *server_key_pem, const char *cn,
						const char *const *sans, time_t not_before,
						time_t not_after, pgr_error *err)
{
	static const char *const none[] = {NULL};

	/* NULL would make a client certificate: a server one needs its SANs */
	return new_leaf_pem(ca_cert_pem, ca_key_pem, server_key_pem, cn,
						sans ? sans : none, not_before, not_after, err);
}

char *
certs_new_client_pem(const char *ca_cert_pem, const char *ca_key_pem,
					 const char *client_key_pem, const char *cn, int days,
					 pgr_error *err)
{
	time_t		now = time(NULL);

	if (check_days(days, err) < 0)
		return NULL;
	return new_leaf_pem(ca_cert_pem, ca_key_pem, client_key_pem, cn, NULL,
						now - CLOCK_SKEW_S, now + (time_t) days * 86400, err);
}

char *
certs_new_server_pem(const char *ca_cert_pem, const char *ca_key_pem,
					 const char *server_key_pem, const char *cn,
					 const char *const *sans, int days, pgr_error *err)
{
	time_t		now = time(NULL);

	if (check_days(days, err) < 0)
		return NULL;
	return certs_new_server_pem_at(ca_cert_pem, ca_key_pem, server_key_pem,
								   cn, sans, now - CLOCK_SKEW_S,
								   now + (time_t) days * 86400, err);
}

/* ---- looking at a certificate -------------------------------------------- */

static char *
name_rfc2253(const X509_NAME *name)
{
	BIO		   *bio = BIO_new(BIO_s_mem());
	char	   *s;

	if (bio == NULL)
		return pgr_strdup("?");
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
	s = bio_to_string(bio);
	BIO_free(bio);
	return s;
}

/* The CN of a name (UTF-8, malloc'd) or NULL. */
static char *
name_cn(const X509_NAME *name)
{
	int			i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	X509_NAME_ENTRY *e;
	unsigned char *utf8 = NULL;
	char	   *s;
	int			len;

	if (i < 0 || (e = X509_NAME_get_entry(name, i)) == NULL)
		return NULL;
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
	if (len < 0)
		return NULL;
	s = pgr_strndup((const char *) utf8, (size_t) len);
	OPENSSL_free(utf8);
	return s;
}

/* One SAN as "IP:…", "DNS:…", "email:…", "URI:…" or "othername" (malloc'd). */
static char *
san_string(const GENERAL_NAME *gn)
{
	int			type;
	void	   *v = GENERAL_NAME_get0_value(gn, &type);

	switch (type)
	{
		case GEN_DNS:
		case GEN_EMAIL:
		case GEN_URI:
			{
				const ASN1_STRING *s = v;
				const char *label = type == GEN_DNS ? "DNS" : type == GEN_EMAIL ? "email" : "URI";

				return pgr_asprintf("%s:%.*s", label, ASN1_STRING_length(s),
									(const char *) ASN1_STRING_get0_data(s));
			}
		case GEN_IPADD:
			{
				const ASN1_OCTET_STRING *s = v;
				char		buf[INET6_ADDRSTRLEN];
				int			len = ASN1_STRING_length(s);
				const unsigned char *d = ASN1_STRING_get0_data(s);

				if ((len == 4 && inet_ntop(AF_INET, d, buf, sizeof(buf))) ||
					(len == 16 && inet_ntop(AF_INET6, d, buf, sizeof(buf))))
					return pgr_asprintf("IP:%s", buf);
				return pgr_strdup("IP:?");
			}
		case GEN_DIRNAME:
			{
				char	   *n = name_rfc2253(v);
				char	   *s = pgr_asprintf("DirName:%s", n);

				free(n);
				return s;
			}
		default:
			return pgr_strdup("othername");
	}
}

static char *
fingerprint_hex(const unsigned char *md, unsigned int n)
{
	static const char hex[] = "0123456789ABCDEF";
	char	   *s = pgr_malloc(n * 3 + 1);
	unsigned int i;

	for (i = 0; i < n; i++)
	{
		s[i * 3] = hex[md[i] >> 4];
		s[i * 3 + 1] = hex[md[i] & 15];
		s[i * 3 + 2] = ':';
	}
	s[n ? n * 3 - 1 : 0] = '\0';
	return s;
}

char *
certs_fingerprint_der(const unsigned char *der, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (der == NULL)
		return NULL;
	if (EVP_Digest(der, len, md, &n, EVP_sha256(), NULL) != 1)
		report_fatal_msg(1, "%s", _("SHA-256 is not available in OpenSSL"));
	return fingerprint_hex(md, n);
}

char *
certs_fingerprint_x509(const struct x509_st *cert)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (cert == NULL)
		return NULL;
	if (X509_digest(cert, EVP_sha256(), md, &n) != 1)
		report_fatal_msg(1, "%s", _("SHA-256 is not available in OpenSSL"));
	return fingerprint_hex(md, n);
}

char *
certs_fingerprint_pem(const char *cert_pem, pgr_error *err)
{
	X509	   *x;
	char	   *fp;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		return NULL;
	fp = certs_fingerprint_x509(x);
	X509_free(x);
	return fp;
}

static int
inspect_x509(X509 *x, certs_info *out)
{
	GENERAL_NAMES *gens;
	const ASN1_INTEGER *serial;
	BIGNUM	   *bn;
	EVP_PKEY   *pub;

	memset(out, 0, sizeof(*out));
	out->subject = name_rfc2253(X509_get_subject_name(x));
	out->issuer = name_rfc2253(X509_get_issuer_name(x));
	out->common_name = name_cn(X509_get_subject_name(x));

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (gens)
	{
		int			n = sk_GENERAL_NAME_num(gens);
		int			i;

		out->sans = pgr_calloc(n > 0 ? (size_t) n : 1, sizeof(char *));
		for (i = 0; i < n; i++)
			out->sans[out->n_sans++] = san_string(sk_GENERAL_NAME_value(gens, i));
		GENERAL_NAMES_free(gens);
	}

	serial = X509_get0_serialNumber(x);
	bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	if (bn)
	{
		char	   *h = BN_bn2hex(bn);

		out->serial = pgr_strdup(h ? h : "?");
		OPENSSL_free(h);
		BN_free(bn);
	}
	else
		out->serial = pgr_strdup("?");

	out->fingerprint = certs_fingerprint_x509(x);
	if (!asn1_to_time(X509_get0_notBefore(x), &out->not_before))
		out->not_before = 0;
	if (!asn1_to_time(X509_get0_notAfter(x), &out->not_after))
		out->not_after = 0;
	out->is_ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	out->self_signed = X509_self_signed(x, 1) == 1;
	pub = X509_get0_pubkey(x);
	out->key_type = pub ? pkey_description(pub) : pgr_strdup("?");
	ERR_clear_error();
	return 0;
}

int
certs_inspect(const char *cert_pem, certs_info *out, pgr_error *err)
{
	X509	   *x;

	memset(out, 0, sizeof(*out));
	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		return -1;
	inspect_x509(x, out);
	X509_free(x);
	return 0;
}

void
certs_info_free(certs_info *info)
{
	size_t		i;

	if (info == NULL)
		return;
	free(info->subject);
	free(info->issuer);
	free(info->common_name);
	for (i = 0; i < info->n_sans; i++)
		free(info->sans[i]);
	free(info->sans);
	free(info->serial);
	free(info->fingerprint);
	free(info->key_type);
	memset(info, 0, sizeof(*info));
}

/* The SANs joined with ", " (malloc'd); NULL when there are none. */
static char *
sans_joined(const certs_info *info)
{
	strbuf		sb;
	size_t		i;

	if (info->n_sans == 0)
		return NULL;
	strbuf_init(&sb);
	for (i = 0; i < info->n_sans; i++)
	{
		if (i > 0)
			strbuf_append(&sb, ", ");
		strbuf_append(&sb, info->sans[i]);
	}
	return strbuf_detach(&sb);
}

/* Days from `a` to a later `b`, to the nearest whole day. */
static long
days_between(time_t a, time_t b)
{
	return (long) ((difftime(b, a) + 43200.0) / 86400.0);
}

/* The preview lines (see certs_describe); `sans` NULL: "(none)". */
static void
describe(const char *subject, const char *issuer, const char *sans,
		 const char *fingerprint, time_t not_before, time_t not_after,
		 time_t now, strbuf *out)
{
	char		date[32];
	long		days;

	strbuf_appendf(out, _("subject: %s"), subject ? subject : "");
	strbuf_append(out, "\n  ");
	if (issuer)
	{
		strbuf_appendf(out, _("issuer: %s"), issuer);
		strbuf_append(out, "\n  ");
	}
	strbuf_appendf(out, _("SAN: %s"), sans ? sans : _("(none)"));
	strbuf_append(out, "\n  ");
	strbuf_appendf(out, _("SHA-256: %s"), fingerprint ? fingerprint : _("(known once made)"));
	strbuf_append(out, "\n  ");
	if (not_before > now)
	{
		fmt_date(not_before, date, sizeof(date));
		days = days_between(now, not_before);
		strbuf_appendf(out, ngettext("not valid before: %s (in %ld day)",
									 "not valid before: %s (in %ld days)",
									 (unsigned long) days),
					   date, days);
		strbuf_append(out, "\n  ");
	}
	fmt_date(not_after, date, sizeof(date));
	if (not_after <= now)
	{
		days = days_between(not_after, now);
		strbuf_appendf(out, ngettext("expired: %s (%ld day ago)",
									 "expired: %s (%ld days ago)",
									 (unsigned long) days),
					   date, days);
	}
	else
	{
		days = days_between(now, not_after);
		strbuf_appendf(out, ngettext("expires: %s (%ld day)",
									 "expires: %s (%ld days)",
									 (unsigned long) days),
					   date, days);
	}
	strbuf_append_char(out, '\n');
}

void
certs_describe_at(const certs_info *info, time_t now, strbuf *out)
{
	char	   *sans = sans_joined(info);

	if (now == 0)
		now = time(NULL);
	describe(info->subject, info->issuer ? info->issuer : "", sans,
			 info->fingerprint ? info->fingerprint : "", info->not_before,
			 info->not_after, now, out);
	free(sans);
}

int
certs_describe_new(const char *cn, const char *issuer_cn,
				   const char *const *sans, int days, time_t now,
				   strbuf *out, pgr_error *err)
{
	X509_NAME  *name = NULL;
	X509_NAME  *iname = NULL;
	GENERAL_NAMES *gens = NULL;
	char	   *subject = NULL;
	char	   *issuer = NULL;
	strbuf		sanbuf;
	int			rc = -1;

	ERR_clear_error();
	strbuf_init(&sanbuf);
	if (now == 0)
		now = time(NULL);
	if (check_days(days, err) < 0)
		goto out;
	if ((name = X509_NAME_new()) == NULL || (iname = X509_NAME_new()) == NULL)
	{
		ossl_fail(err, _("out of memory in OpenSSL"));
		goto out;
	}
	if (set_cn(name, cn, err) < 0)
		goto out;
	subject = name_rfc2253(name);
	if (issuer_cn)
	{
		if (set_cn(iname, issuer_cn, err) < 0)
			goto out;
		issuer = name_rfc2253(iname);
	}
	if (sans)
	{
		int			i;

		if ((gens = build_sans(sans, err)) == NULL)
			goto out;
		for (i = 0; i < sk_GENERAL_NAME_num(gens); i++)
		{
			char	   *one = san_string(sk_GENERAL_NAME_value(gens, i));

			if (i > 0)
				strbuf_append(&sanbuf, ", ");
			strbuf_append(&sanbuf, one);
			free(one);
		}
	}
	describe(subject, issuer ? issuer : subject, sans ? sanbuf.data : NULL,
			 NULL, now - CLOCK_SKEW_S, now + (time_t) days * 86400, now, out);
	rc = 0;
out:
	strbuf_free(&sanbuf);
	GENERAL_NAMES_free(gens);
	X509_NAME_free(name);
	X509_NAME_free(iname);
	free(subject);
	free(issuer);
	return rc;
}

void
certs_describe(const certs_info *info, strbuf *out)
{
	certs_describe_at(info, time(NULL), out);
}

/* ---- checks -------------------------------------------------------------- */

/* "subject" of a certificate for messages (malloc'd). */
static char *
cert_label(X509 *x)
{
	char	   *cn = name_cn(X509_get_subject_name(x));

	if (cn)
		return cn;
	return name_rfc2253(X509_get_subject_name(x));
}

int
certs_check_pair(const char *cert_pem, const char *key_pem, pgr_error *err)
{
	X509	   *x = NULL;
	EVP_PKEY   *pk = NULL;
	int			rc = -1;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		goto out;
	if ((pk = load_key(key_pem, false, err)) == NULL)
		goto out;
	if (X509_check_private_key(x, pk) != 1)
	{
		char	   *label = cert_label(x);
		EVP_PKEY   *pub = X509_get0_pubkey(x);
		char	   *cdesc = pub ? pkey_description(pub) : pgr_strdup("?");
		char	   *kdesc = pkey_description(pk);

		ERR_clear_error();
		pgr_error_set(err, PGR_ERR_INPUT, _("the certificate does not match the private key"));
		pgr_error_detail(err, _("Certificate \"%s\" (public key %s) was not made for this private key (%s)."),
						 label, cdesc, kdesc);
		pgr_error_hint(err, _("Give the key the certificate was made for, or let pgreplica make a new key and certificate."));
		free(label);
		free(cdesc);
		free(kdesc);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pk);
	X509_free(x);
	return rc;
}

static int
check_valid_x509(X509 *x, time_t now, int min_days_left, pgr_error *err)
{
	time_t		nb,
				na;
	char		a[64],
				b[64],
				n[64];
	char	   *label;

	if (now == 0)
		now = time(NULL);
	if (!asn1_to_time(X509_get0_notBefore(x), &nb) ||
		!asn1_to_time(X509_get0_notAfter(x), &na))
	{
		ERR_clear_error();
		pgr_error_set(err, PGR_ERR_INPUT, _("the certificate's validity dates cannot be read"));
		return -1;
	}
	fmt_time(nb, a, sizeof(a));
	fmt_time(na, b, sizeof(b));
	fmt_time(now, n, sizeof(n));
	if (now >= na)
	{
		label = cert_label(x);
		pgr_error_set(err, PGR_ERR_INPUT, _("certificate \"%s\" has expired"), label);
		pgr_error_detail(err, _("It was valid from %s to %s; it is now %s."), a, b, n);
		pgr_error_hint(err, _("Renew it, or let pgreplica make a new one."));
		free(label);
		return -1;
	}
	if (now < nb)
	{
		label = cert_label(x);
		pgr_error_set(err, PGR_ERR_INPUT, _("certificate \"%s\" is not valid yet"), label);
		pgr_error_detail(err, _("It is valid from %s to %s; it is now %s."), a, b, n);
		pgr_error_hint(err, _("Check the clock of this computer and of the one that made the certificate."));
		free(label);
		return -1;
	}
	if (min_days_left > 0 && difftime(na, now) < (double) min_days_left * 86400.0)
		return CERTS_RENEW;
	return 0;
}

int
certs_check_valid_now(const char *cert_pem, time_t now, int min_days_left,
					  pgr_error *err)
{
	X509	   *x;
	int			rc;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		return -1;
	rc = check_valid_x509(x, now, min_days_left, err);
	X509_free(x);
	return rc;
}

static int
check_covers_x509(X509 *x, const char *host, pgr_error *err)
{
	int			ok;

	if (host == NULL || host[0] == '\0')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no host name or address to check the certificate against"));
		return -1;
	}
	if (certs_is_ip_address(host))
	{
		ok = X509_check_ip_asc(x, host, 0) == 1;
		if (!ok)
		{
			/*
			 * libpq (14 and later) compares an address with the CN when the
			 * certificate has no iPAddress SAN.
			 */
			GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
			bool		has_ip = false;
			int			i;

			for (i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++)
				if (sk_GENERAL_NAME_value(gens, i)->type == GEN_IPADD)
					has_ip = true;
			GENERAL_NAMES_free(gens);
			if (!has_ip)
			{
				char	   *cn = name_cn(X509_get_subject_name(x));

				ok = cn && strcmp(cn, host) == 0;
				free(cn);
			}
		}
	}
	else
		ok = X509_check_host(x, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
	ERR_clear_error();
	if (!ok)
	{
		certs_info info;
		char	   *sans;

		inspect_x509(x, &info);
		sans = sans_joined(&info);
		pgr_error_set(err, PGR_ERR_INPUT, _("certificate \"%s\" does not cover \"%s\""),
					  info.common_name ? info.common_name : info.subject, host);
		if (sans)
			pgr_error_detail(err, _("Its subject alternative names are: %s."), sans);
		else
			pgr_error_detail(err, _("It has no subject alternative names; its subject is \"%s\"."),
							 info.subject);
		pgr_error_hint(err, _("Clients connecting to \"%s\" with sslmode=verify-full would refuse it: use a certificate whose subjectAltName includes it."),
					   host);
		free(sans);
		certs_info_free(&info);
		return -1;
	}
	return 0;
}

int
certs_check_covers(const char *cert_pem, const char *host, pgr_error *err)
{
	X509	   *x;
	int			rc;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		return -1;
	rc = check_covers_x509(x, host, err);
	X509_free(x);
	return rc;
}

static int
check_signed_x509(X509 *x, const char *cert_pem, X509 *ca, const char *ca_pem,
				  pgr_error *err)
{
	X509_STORE *store = NULL;
	X509_STORE_CTX *vctx = NULL;
	STACK_OF(X509) *chain = load_all(cert_pem);
	STACK_OF(X509) *cas = load_all(ca_pem);
	int			rc = -1;
	int			i;

	store = X509_STORE_new();
	vctx = X509_STORE_CTX_new();
	if (store == NULL || vctx == NULL || chain == NULL || cas == NULL)
	{
		ossl_fail(err, _("could not verify the certificate"));
		goto out;
	}
	/* the certificate itself is not one of its own intermediates */
	if (sk_X509_num(chain) > 0)
		X509_free(sk_X509_shift(chain));
	for (i = 0; i < sk_X509_num(cas); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(cas, i)) != 1)
		{
			ossl_fail(err, _("could not verify the certificate"));
			goto out;
		}
	if (X509_STORE_CTX_init(vctx, store, x, chain) != 1 ||
		X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_SERVER) != 1)
	{
		ossl_fail(err, _("could not verify the certificate"));
		goto out;
	}
	X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(vctx),
								X509_V_FLAG_NO_CHECK_TIME);
	if (X509_verify_cert(vctx) != 1)
	{
		int			e = X509_STORE_CTX_get_error(vctx);
		char	   *label = cert_label(x);
		char	   *calabel = cert_label(ca);

		pgr_error_set(err, PGR_ERR_INPUT, _("certificate \"%s\" is not a server certificate of CA \"%s\""),
					  label, calabel);
		pgr_error_detail(err, _("Verification failed: %s."), X509_verify_cert_error_string(e));
		pgr_error_hint(err, _("Give the CA certificate that issued it, or let pgreplica make a new certificate."));
		free(label);
		free(calabel);
		goto out;
	}
	rc = 0;
out:
	ERR_clear_error();
	X509_STORE_CTX_free(vctx);
	X509_STORE_free(store);
	OSSL_STACK_OF_X509_FREE(chain);
	OSSL_STACK_OF_X509_FREE(cas);
	return rc;
}

int
certs_check_signed_by(const char *cert_pem, const char *ca_pem, pgr_error *err)
{
	X509	   *x = NULL;
	X509	   *ca = NULL;
	int			rc = -1;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		goto out;
	if ((ca = load_cert(ca_pem, true, err)) == NULL)
		goto out;
	rc = check_signed_x509(x, cert_pem, ca, ca_pem, err);
out:
	X509_free(ca);
	X509_free(x);
	return rc;
}

int
certs_check_ca(const char *ca_cert_pem, const char *ca_key_pem, time_t now,
			   int min_days_left, pgr_error *err)
{
	X509	   *ca = NULL;
	int			rc = -1;

	ERR_clear_error();
	if ((ca = load_cert(ca_cert_pem, true, err)) == NULL)
		goto out;
	if (!(X509_get_extension_flags(ca) & EXFLAG_CA))
	{
		char	   *label = cert_label(ca);

		pgr_error_set(err, PGR_ERR_INPUT, _("the certificate given as CA is not a CA certificate"));
		pgr_error_detail(err, _("Certificate \"%s\" does not have basicConstraints CA:TRUE."), label);
		free(label);
		goto out;
	}
	{
		EVP_PKEY   *pk = load_key(ca_key_pem, true, err);
		int			match;

		if (pk == NULL)
			goto out;
		match = X509_check_private_key(ca, pk);
		EVP_PKEY_free(pk);
		if (match != 1)
		{
			ERR_clear_error();
			pgr_error_set(err, PGR_ERR_INPUT, _("the CA certificate does not match the CA key"));
			pgr_error_hint(err, _("Give the key the CA certificate was made for."));
			goto out;
		}
	}
	rc = check_valid_x509(ca, now, min_days_left, err);
out:
	X509_free(ca);
	return rc;
}

int
certs_check_server(const char *cert_pem, const char *key_pem,
				   const char *ca_pem, const char *const *hosts,
				   time_t now, int min_days_left, pgr_error *err)
{
	X509	   *x = NULL;
	X509	   *ca = NULL;
	int			rc = -1;
	int			valid;
	size_t		i;

	ERR_clear_error();
	if ((x = load_cert(cert_pem, false, err)) == NULL)
		goto out;
	if (key_pem && certs_check_pair(cert_pem, key_pem, err) < 0)
		goto out;
	if (ca_pem)
	{
		if ((ca = load_cert(ca_pem, true, err)) == NULL)
			goto out;
		if (check_signed_x509(x, cert_pem, ca, ca_pem, err) < 0)
			goto out;
	}
	if ((valid = check_valid_x509(x, now, min_days_left, err)) < 0)
		goto out;
	for (i = 0; hosts && hosts[i]; i++)
		if (check_covers_x509(x, hosts[i], err) < 0)
			goto out;
	rc = valid;
out:
	X509_free(ca);
	X509_free(x);
	return rc;
}
