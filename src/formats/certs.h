/*
 * certs.h: the cluster's certificates (DESIGN.md step 5, SSL), made and
 * checked with OpenSSL's EVP/X509 API (never the openssl command).
 *
 * Pure crypto on PEM text: nothing here reads or writes a file or talks to
 * the network.  Callers read and write the PEM through the transport (the
 * CA key stays on the operator's side, in the configuration directory, mode
 * 0600, and is never copied to a node).
 *
 * Every PEM returned is a malloc'd, NUL-terminated string.  Private keys
 * are secrets: free them with pgr_free_secret().  Certificates are public:
 * free() is enough (pgr_free_secret is fine too).
 *
 * Errors are PGR_ERR_INPUT (a bad or unsuitable key or certificate: message,
 * detail and hint, translated) or PGR_ERR_GENERIC (OpenSSL itself failed:
 * the detail carries OpenSSL's error queue).  Functions that return int
 * return 0 on success and -1 with err set, unless said otherwise.
 */
#ifndef PGR_CERTS_H
#define PGR_CERTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "report.h"
#include "strbuf.h"

struct x509_st;					/* OpenSSL's X509, without its headers */

#define CERTS_DEFAULT_DAYS 825		/* validity of what pgreplica makes */
#define CERTS_DEFAULT_RENEW_DAYS 30	/* renew when fewer days are left */
#define CERTS_MAX_DAYS 36500

/* ---- keys ----------------------------------------------------------------- */

typedef enum certs_key_type {
	CERTS_KEY_ECDSA_P256 = 0,	/* default */
	CERTS_KEY_RSA_3072
} certs_key_type;

/* "ecdsa-p256", "rsa-3072" (not translated: also the cluster file's words) */
const char *certs_key_type_name(certs_key_type type);

/*
 * The reverse of certs_key_type_name; also accepts "ecdsa", "ec", "p256",
 * "rsa" (case-insensitive).  -1 with err set (PGR_ERR_INPUT) otherwise.
 */
int			certs_key_type_parse(const char *s, certs_key_type *type,
								 pgr_error *err);

/*
 * A new private key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"); the
 * file it goes to must be mode 0600.  A secret: pgr_free_secret().
 */
char	   *certs_new_key_pem(certs_key_type type, pgr_error *err);

/*
 * Which kind of key a PEM private key is (PKCS#8 or traditional "BEGIN
 * RSA/EC PRIVATE KEY").  An encrypted key is refused (the server could not
 * read it without ssl_passphrase_command): nothing ever prompts for a
 * passphrase.  *bits gets the key size (256 for P-256) when not NULL; a key
 * of another kind (e.g. RSA 2048, P-384, Ed25519) is accepted and *type is
 * then the nearest (RSA or ECDSA): check *bits if it matters.
 */
int			certs_key_info(const char *key_pem, certs_key_type *type,
						   int *bits, pgr_error *err);

/* ---- making certificates ---------------------------------------------- */

/*
 * A self-signed CA certificate for `key_pem` (from certs_new_key_pem or the
 * operator's own), valid for `days` (1..CERTS_MAX_DAYS) from one hour ago
 * (clock skew between hosts):
 *   subject = issuer = CN=pgreplica CA <cluster_name>
 *   random positive 159-bit serial (RAND_bytes)
 *   basicConstraints critical CA:TRUE, keyUsage critical keyCertSign+cRLSign,
 *   subjectKeyIdentifier, authorityKeyIdentifier
 * signed with SHA-256.
 */
char	   *certs_new_ca_pem(const char *key_pem, const char *cluster_name,
							 int days, pgr_error *err);

/*
 * A server certificate for `server_key_pem`, signed by the CA (its
 * certificate and key must match: refused otherwise; the CA must be a CA):
 *   subject CN=<cn> (the node's host, or its name), issuer = CA's subject
 *   subjectAltName: each string of `sans` (NULL-terminated array, at least
 *     one) becomes IP:<addr> when it parses as IPv4 or IPv6 (inet_pton),
 *     else DNS:<name>; a string already starting with "IP:" or "DNS:" is
 *     taken as it is.  Duplicates are dropped.
 *   basicConstraints critical CA:FALSE, keyUsage critical digitalSignature+
 *   keyEncipherment, extendedKeyUsage serverAuth, subjectKeyIdentifier,
 *   authorityKeyIdentifier; random 159-bit serial; SHA-256.
 * Valid for `days` (1..CERTS_MAX_DAYS) from one hour ago.  A PEM
 * certificate, no key in it.
 */
char	   *certs_new_server_pem(const char *ca_cert_pem, const char *ca_key_pem,
								 const char *server_key_pem, const char *cn,
								 const char *const *sans, int days,
								 pgr_error *err);

/*
 * A client certificate for `client_key_pem`, signed by the CA (checked as
 * for a server certificate): subject CN=<cn> (the role it logs in as: the
 * server's `cert` method and clientcert=verify-full compare the CN with the
 * user name), no SAN, extendedKeyUsage clientAuth, otherwise as above.
 */
char	   *certs_new_client_pem(const char *ca_cert_pem, const char *ca_key_pem,
								 const char *client_key_pem, const char *cn,
								 int days, pgr_error *err);

/*
 * The same two with explicit notBefore / notAfter (UTC time_t), for tests
 * and for whoever needs an exact period (not_before < not_after; a period
 * entirely in the past or the future is allowed here).
 */
char	   *certs_new_ca_pem_at(const char *key_pem, const char *cluster_name,
								time_t not_before, time_t not_after,
								pgr_error *err);
char	   *certs_new_server_pem_at(const char *ca_cert_pem,
									const char *ca_key_pem,
									const char *server_key_pem, const char *cn,
									const char *const *sans,
									time_t not_before, time_t not_after,
									pgr_error *err);

/* ---- looking at a certificate ----------------------------------------- */

typedef struct certs_info {
	char	   *subject;		/* one line, RFC 2253: "CN=db1,O=x" */
	char	   *issuer;			/* same form */
	char	   *common_name;	/* the subject's CN, NULL when none */
	char	  **sans;			/* "IP:10.0.0.2", "DNS:db1", in order */
	size_t		n_sans;
	char	   *serial;			/* hex, upper case, no separators */
	char	   *fingerprint;	/* SHA-256 of the DER, "AA:BB:…" (what
								 * openssl x509 -fingerprint -sha256 prints) */
	time_t		not_before;		/* UTC */
	time_t		not_after;		/* UTC */
	bool		is_ca;			/* basicConstraints CA:TRUE */
	bool		self_signed;	/* issuer == subject and signature verifies
								 * with its own key */
	char	   *key_type;		/* the public key: "ECDSA P-256", "RSA 3072",
								 * else OpenSSL's name and size */
} certs_info;

/*
 * Fill `out` from the first certificate of `cert_pem` (a chain file's
 * others are ignored).  On error `out` is left zeroed (certs_info_free is
 * still safe on it).
 */
int			certs_inspect(const char *cert_pem, certs_info *out, pgr_error *err);
void		certs_info_free(certs_info *info);	/* frees the members, zeroes */

/*
 * The preview text of a certificate (appended to `out`, labels translated,
 * each line after the first indented by two spaces, ends with '\n'):
 *   subject: CN=10.0.0.2
 *     issuer: CN=pgreplica CA prod
 *     SAN: IP:10.0.0.2, DNS:db1
 *     SHA-256: AA:BB:…
 *     expires: 2029-03-01 (825 days)
 * certs_describe counts days from time(NULL); certs_describe_at from `now`
 * (0: time(NULL)).
 * An expired certificate reads "expired: 2020-01-01 (12 days ago)".
 */
void		certs_describe(const certs_info *info, strbuf *out);
void		certs_describe_at(const certs_info *info, time_t now, strbuf *out);

/*
 * The preview of a certificate that is still to be made (same lines as
 * certs_describe; the SHA-256 line says it is known once made): subject
 * CN=<cn>, issuer CN=<issuer_cn> (NULL: self-signed, the subject), the SANs
 * as certs_new_server_pem will write them (sans NULL: none, as for a CA;
 * else invalid entries or an empty list are errors, as there), validity
 * `days` from `now` (0: time(NULL)).  Appends to `out`; -1 with err set
 * (and nothing appended) on bad input, so a plan catches what apply would
 * refuse.
 */
int			certs_describe_new(const char *cn, const char *issuer_cn,
							   const char *const *sans, int days, time_t now,
							   strbuf *out, pgr_error *err);

/* The CA's common name for a cluster: "pgreplica CA <name>" (malloc'd). */
char	   *certs_ca_common_name(const char *cluster_name);

/*
 * SHA-256 fingerprint "AA:BB:…" (95 characters, malloc'd) of a DER
 * certificate (e.g. one seen on a TLS connection), of an X509 (libpq:
 * SSL_get0_peer_certificate(PQsslStruct(conn, "OpenSSL"))) or of the first
 * certificate of a PEM text (NULL with err set when it cannot be read).
 * The first two never fail (out of memory is fatal); NULL input gives NULL.
 */
char	   *certs_fingerprint_der(const unsigned char *der, size_t len);
char	   *certs_fingerprint_x509(const struct x509_st *cert);
char	   *certs_fingerprint_pem(const char *cert_pem, pgr_error *err);

/* ---- checks (each error: PGR_ERR_INPUT, message + detail + hint) ------ */

/* The certificate's public key is the private key's (X509_check_private_key). */
int			certs_check_pair(const char *cert_pem, const char *key_pem,
							 pgr_error *err);

/*
 * Valid at `now` (0: time(NULL)).  Returns 0 when valid for at least
 * `min_days_left` more days, CERTS_RENEW (1, err untouched) when valid now
 * but ending within `min_days_left` days (the caller may renew or warn), -1
 * with err set when expired or not yet valid (the message names the dates).
 */
#define CERTS_RENEW 1
int			certs_check_valid_now(const char *cert_pem, time_t now,
								  int min_days_left, pgr_error *err);

/*
 * The certificate covers `host` the way libpq's sslmode=verify-full checks
 * it: X509_check_ip_asc for an IPv4/IPv6 address, X509_check_host for a
 * name (SAN entries; the CN only when there is no SAN of the type).
 * The error's detail lists the SANs the certificate has.
 */
int			certs_check_covers(const char *cert_pem, const char *host,
							   pgr_error *err);

/*
 * The certificate is signed by the CA (X509_verify_cert with a store that
 * holds only `ca_pem`, purpose sslserver, so a CA certificate or one
 * without serverAuth is refused).  Dates are not checked here (see
 * certs_check_valid_now, for the CA too), so that an expired certificate
 * gets the clearer message of that function.  Certificates after the first
 * in `cert_pem` (a chain file) are used as intermediates, every certificate
 * of `ca_pem` is trusted (what libpq does with the server's chain and
 * sslrootcert).
 */
int			certs_check_signed_by(const char *cert_pem, const char *ca_pem,
								  pgr_error *err);

/*
 * `ca_cert_pem` and `ca_key_pem` make a usable CA: they match, the
 * certificate is a CA (basicConstraints CA:TRUE) and valid at `now`
 * (0: time(NULL)).  Returns like certs_check_valid_now (CERTS_RENEW when it
 * ends within `min_days_left` days).
 */
int			certs_check_ca(const char *ca_cert_pem, const char *ca_key_pem,
						   time_t now, int min_days_left, pgr_error *err);

/*
 * All that a node's installed (or operator-given) server certificate must
 * pass, in this order, stopping at the first failure: key and certificate
 * match (when key_pem is not NULL), signed by the CA (when ca_pem is not
 * NULL), valid now, covers every string of `hosts` (NULL-terminated; NULL
 * or empty: not checked).  Returns 0 (keep it), CERTS_RENEW (good but ends
 * within `min_days_left` days: make a new one) or -1 with err set (refuse
 * it, or replace it when pgreplica made it).  `now` 0: time(NULL).
 */
int			certs_check_server(const char *cert_pem, const char *key_pem,
							   const char *ca_pem, const char *const *hosts,
							   time_t now, int min_days_left, pgr_error *err);

/* true when `s` is an IPv4 or IPv6 address (inet_pton), as SANs decide */
bool		certs_is_ip_address(const char *s);

#endif
