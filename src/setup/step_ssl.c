/*
 * step_ssl.c: SSL on every node (DESIGN.md step 5).
 *
 * One step per node ("ssl@<node>"), built only when the cluster file says
 * ssl = on, placed between the parameters and pg_hba.conf steps.  The
 * crypto is certs.c's; this file does the I/O around it.
 *
 * The cluster's CA (step_ssl.h) is the operator's: ECDSA P-256, valid 10
 * years, made when missing (first in memory, so that the plan shows the
 * certificates it signs; written when the first step that needs it is
 * applied: the directory 0700, ca.key 0600, atomically through the local
 * transport).  Its key is never sent anywhere; its certificate is
 * root.crt on every node.  A CA whose key and certificate do not match,
 * that is not a CA, has expired, or whose key group or others can read is
 * refused (not replaced: every node's certificate depends on it).
 *
 * Each node (through its transport, and its superuser connection when its
 * server is running):
 *   inspect  where the files go: the data directory, or the directory of
 *            config_file when that is outside it (Debian); the files there
 *            and the key's mode; the server's ssl settings.  Our server
 *            certificate is kept when key and certificate match, it is
 *            signed by the cluster's CA, valid for at least 30 more days
 *            and covers the node's host (as sslmode=verify-full checks it);
 *            else a new key and certificate are made (ECDSA P-256, 825
 *            days, random serial, SAN = the host and, for a host name, its
 *            addresses).  A key that group or others can read is made 0600
 *            (PostgreSQL refuses such a key file), a key owned by another
 *            account than the data directory's is refused.  When everything
 *            is in place, a verify-full connection checks that the server
 *            presents the certificate of the file (else a reload is due:
 *            an apply interrupted before its reload, a hand edit).
 *            The preview lists the subject, SANs, SHA-256 fingerprint and
 *            expiry of each certificate made or installed, the files with
 *            owner and mode, the SQL; never any key material.
 *   apply    the CA files if new; a backup of each file replaced
 *            (transport_backup); the files, atomically: server.key 0600,
 *            server.crt and root.crt 0644, owned by the data directory's
 *            owner (numeric uid/gid); chmod 0600 of a key left readable;
 *            with a running server: ALTER SYSTEM SET ssl = on,
 *            ssl_cert_file, ssl_key_file, ssl_ca_file (relative names:
 *            they resolve in the data directory, so the settings
 *            pg_basebackup copies to a standby name the standby's own
 *            files; absolute paths in the Debian layout), then
 *            pg_reload_conf() (ssl is reloadable since PostgreSQL 10);
 *   verify   a NEW connection with sslmode=verify-full and the operator's
 *            ca.crt to the node's host and port (proves the chain and the
 *            SAN), and the SHA-256 fingerprint of the certificate the server
 *            presents equals the installed one; retried for up to 15 s
 *            (the postmaster reloads its SSL context after signalling
 *            the backends);
 *   undo     the old files (or none) back, the settings back (ALTER SYSTEM
 *            SET to the old value, or RESET when postgresql.auto.conf did
 *            not set it), reload.
 *
 * A node whose server is not running (a standby not built yet) gets the
 * files only, when its data directory exists; the settings come with the
 * copy of the primary's postgresql.auto.conf.  A node whose data directory
 * does not exist yet has nothing to do.
 *
 * The operator's own files instead (cluster file: ssl_ca in [cluster],
 * ssl_cert and ssl_key per node, on the operator's machine, relative paths
 * from the cluster file's directory): with ssl_ca, that CA certificate is
 * the cluster's (root.crt, and the root of the verify-full check), every
 * node must have ssl_cert and ssl_key (pgreplica has no key to sign with),
 * and no CA is made.  Each pair is checked when the plan is inspected,
 * before anything is installed on any node: key and certificate match,
 * signed by the CA, valid now, covers the node's host; a failure stops
 * the plan with the reason (never replaced: they are the operator's).
 * One ending within 30 days is installed, with a warning.  Their key file
 * must not be readable by group or others, like the CA key.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "fsutil.h"
#include "clock.h"
#include "certs.h"
#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "step_ssl.h"
#include "strbuf.h"

#define CA_DAYS 3650
#define VERIFY_TIMEOUT_MS 15000

/* ---- the operator's CA ------------------------------------------------------ */

char *
step_ssl_ca_dir(const cluster *cl)
{
	return cluster_operator_path(cl, "");
}

char *
step_ssl_ca_cert_path(const cluster *cl)
{
	char	   *dir = step_ssl_ca_dir(cl);
	char	   *p = pgr_asprintf("%s/" CLUSTER_OWN_CA_CERT, dir);

	free(dir);
	return p;
}

char *
step_ssl_ca_key_path(const cluster *cl)
{
	char	   *dir = step_ssl_ca_dir(cl);
	char	   *p = pgr_asprintf("%s/ca.key", dir);

	free(dir);
	return p;
}

/*
 * A CA made in memory and not written yet, shared by the steps of this run
 * (each node's certificate is signed by the same one).  Keyed by the CA's
 * path: once the files exist, they are what counts.
 */
static struct
{
	char	   *key_path;
	char	   *cert;
	char	   *key;			/* secret */
}			pending_ca;

static void
pending_ca_clear(void)
{
	free(pending_ca.key_path);
	free(pending_ca.cert);
	pgr_free_secret(pending_ca.key);
	memset(&pending_ca, 0, sizeof(pending_ca));
}

typedef struct ssl_ca {
	char	   *cert_path;
	char	   *key_path;
	char	   *cert;			/* PEM */
	char	   *key;			/* PEM, secret */
	bool		is_new;			/* not on disk yet */
	bool		operator_ca;	/* the operator's (ssl_ca): no key */
	bool		expiring;		/* fewer than 30 days left */
	certs_info	info;
} ssl_ca;

static void
ca_clear(ssl_ca *ca)
{
	free(ca->cert_path);
	free(ca->key_path);
	free(ca->cert);
	pgr_free_secret(ca->key);
	certs_info_free(&ca->info);
	memset(ca, 0, sizeof(*ca));
}

/* A local file of the operator's; the key must not be readable by others. */
static int
read_local(const char *path, bool secret, char **data, pgr_error *err)
{
	int			fd;
	struct stat st;
	strbuf		sb;
	char		buf[4096];
	ssize_t		n;

	*data = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return pgr_error_set(err, PGR_ERR_IO, _("could not open \"%s\": %s"),
							 path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
	{
		close(fd);
		return pgr_error_set(err, PGR_ERR_IO, _("\"%s\" is not a plain file"), path);
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)))
	{
		close(fd);
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("the private key \"%s\" has group or world access"), path);
		pgr_error_detail(err, _("Its mode is %04o; it must be 0600 or less."),
						 (unsigned) (st.st_mode & 07777));
		pgr_error_hint(err, _("Run chmod 0600 \"%s\" (and check who could have read it)."), path);
		return -1;
	}
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			pgr_error_set(err, PGR_ERR_IO, _("could not read \"%s\": %s"), path, strerror(errno));
			pgr_wipe(sb.data, sb.len);
			strbuf_free(&sb);
			close(fd);
			return -1;
		}
		strbuf_append_len(&sb, buf, (size_t) n);
	}
	pgr_wipe(buf, sizeof(buf));
	close(fd);
	*data = strbuf_detach(&sb);
	return 0;
}

static bool
local_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* A path of the cluster file: relative to the file's directory. */
static char *
resolve_path(const cluster *cl, const char *p)
{
	const char *slash;

	if (p[0] == '/' || !cl->path || !(slash = strrchr(cl->path, '/')))
		return pgr_strdup(p);
	return pgr_asprintf("%.*s/%s", (int) (slash - cl->path), cl->path, p);
}

/* The operator's own CA (ssl_ca): a CA certificate, valid now. */
static int
ca_load_operator(const cluster *cl, ssl_ca *ca, pgr_error *err)
{
	int			rc;

	ca->operator_ca = true;
	ca->cert_path = resolve_path(cl, cl->ssl_ca);
	if (read_local(ca->cert_path, false, &ca->cert, err) < 0 ||
		certs_inspect(ca->cert, &ca->info, err) < 0)
		goto fail;
	if (!ca->info.is_ca)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is not a CA certificate"), ca->cert_path);
		pgr_error_detail(err, _("It does not have basicConstraints CA:TRUE."));
		pgr_error_hint(err, _("Set ssl_ca to the certificate of the CA that signed the nodes' certificates."));
		goto fail;
	}
	rc = certs_check_valid_now(ca->cert, 0, CERTS_DEFAULT_RENEW_DAYS, err);
	if (rc < 0)
		goto fail;
	ca->expiring = rc == CERTS_RENEW;
	return 0;
fail:
	pgr_error_prefix(err, "%s: ssl_ca", cl->path);
	return -1;
}

/* The cluster's CA: from the operator's files, else a new one (in memory). */
static int
ca_load(const cluster *cl, ssl_ca *ca, pgr_error *err)
{
	bool		has_cert,
				has_key;
	int			rc;

	if (cl->ssl_ca)
		return ca_load_operator(cl, ca, err);

	ca->cert_path = step_ssl_ca_cert_path(cl);
	ca->key_path = step_ssl_ca_key_path(cl);
	has_cert = local_exists(ca->cert_path);
	has_key = local_exists(ca->key_path);
	if (has_cert != has_key)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the cluster's CA is incomplete: \"%s\" exists, \"%s\" does not"),
					  has_cert ? ca->cert_path : ca->key_path,
					  has_cert ? ca->key_path : ca->cert_path);
		pgr_error_hint(err, _("Put the missing file back, or move both aside to have a new CA made (every node then gets a new certificate)."));
		return -1;
	}
	if (!has_cert)
	{
		if (!pending_ca.key_path || strcmp(pending_ca.key_path, ca->key_path) != 0)
		{
			char	   *key;
			char	   *cert;

			pending_ca_clear();
			if (!(key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, err)))
				return -1;
			cert = certs_new_ca_pem(key, cl->name && cl->name[0] ? cl->name : "cluster",
									CA_DAYS, err);
			if (!cert)
			{
				pgr_free_secret(key);
				return -1;
			}
			pending_ca.key_path = pgr_strdup(ca->key_path);
			pending_ca.cert = cert;
			pending_ca.key = key;
		}
		ca->cert = pgr_strdup(pending_ca.cert);
		ca->key = pgr_strdup(pending_ca.key);
		ca->is_new = true;
	}
	else
	{
		if (read_local(ca->cert_path, false, &ca->cert, err) < 0 ||
			read_local(ca->key_path, true, &ca->key, err) < 0)
			return -1;
		rc = certs_check_ca(ca->cert, ca->key, 0, CERTS_DEFAULT_RENEW_DAYS, err);
		if (rc < 0)
		{
			pgr_error_prefix(err, _("the cluster's CA \"%s\""), ca->cert_path);
			return -1;
		}
		ca->expiring = rc == CERTS_RENEW;
	}
	if (certs_inspect(ca->cert, &ca->info, err) < 0)
		return -1;
	return 0;
}

/* mkdir -p, mode 0700 for what it creates, and 0700 for the last one. */
static int
make_private_dir(const char *dir, pgr_error *err)
{
	if (pgr_mkdir_p(dir, 0700, err) < 0)
		return -1;
	if (chmod(dir, 0700) < 0)
		return pgr_error_set(err, PGR_ERR_IO, _("could not set the mode of \"%s\": %s"),
							 dir, strerror(errno));
	return 0;
}

/* Write a new CA to the operator's directory (key first, both atomic). */
static int
ca_save(const cluster *cl, const ssl_ca *ca, pgr_error *err)
{
	char	   *dir = step_ssl_ca_dir(cl);
	transport  *t = NULL;
	transport_write_opts key_opts = {.mode = 0600, .secret = true};
	transport_write_opts cert_opts = {0644, NULL, NULL};
	int			rc = -1;

	if (local_exists(ca->cert_path) || local_exists(ca->key_path))
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("the cluster's CA \"%s\" appeared while pgreplica was looking"),
					  ca->cert_path);
		pgr_error_hint(err, _("Nothing was changed on the node. Run pgreplica again to use it."));
		goto out;
	}
	if (make_private_dir(dir, err) < 0)
		goto out;
	if (!(t = transport_local_open(NULL, err)))
		goto out;
	if (transport_write_file(t, ca->key_path, ca->key, strlen(ca->key), &key_opts, err) < 0 ||
		transport_write_file(t, ca->cert_path, ca->cert, strlen(ca->cert), &cert_opts, err) < 0)
		goto out;
	pending_ca_clear();
	rc = 0;
out:
	transport_close(t);
	free(dir);
	return rc;
}

/* ---- the node's files and settings ---------------------------------------- */

typedef struct ssl_file {
	const char *name;			/* server.crt ... */
	char	   *path;
	transport_file_stat st;
	char	   *old;			/* the contents before (a secret for the key) */
	size_t		old_len;
	char	   *data;			/* what apply writes; NULL: not written */
	mode_t		mode;
	bool		written;
	char	   *backup;
} ssl_file;

#define N_SETTINGS 4
typedef struct ssl_setting {
	const char *name;
	char	   *want;
	char	   *have;
	bool		in_auto;		/* set by postgresql.auto.conf */
	bool		change;
} ssl_setting;

typedef struct ssl_priv {
	bool		skip;			/* nothing can be done yet */
	bool		running;
	char	   *dir;
	char		owner[24];
	char		group[24];
	ssl_ca		ca;
	ssl_file	cert,
				key,
				root;
	bool		new_cert;
	char	   *op_cert_path;	/* the operator's files (ssl_cert, ssl_key) */
	char	   *op_key_path;
	char	   *op_cert;
	char	   *op_key;			/* secret */
	bool		op_expiring;
	bool		fix_mode;
	char	   *fingerprint;	/* of the certificate server.crt will hold */
	ssl_setting set[N_SETTINGS];
	int			n_change;
	bool		reload;
	bool		altered;
	bool		reloaded;
} ssl_priv;

static void
file_clear(ssl_file *f, bool secret)
{
	free(f->path);
	if (secret)
	{
		if (f->old)
			pgr_wipe(f->old, f->old_len);
		pgr_free_secret(f->data);
	}
	else
		free(f->data);
	free(f->old);
	free(f->backup);
}

static void
priv_free(void *p)
{
	ssl_priv   *pv = p;

	if (!pv)
		return;
	free(pv->dir);
	ca_clear(&pv->ca);
	file_clear(&pv->cert, false);
	file_clear(&pv->key, true);
	file_clear(&pv->root, false);
	free(pv->fingerprint);
	free(pv->op_cert_path);
	free(pv->op_key_path);
	free(pv->op_cert);
	pgr_free_secret(pv->op_key);
	for (int i = 0; i < N_SETTINGS; i++)
	{
		free(pv->set[i].want);
		free(pv->set[i].have);
	}
	free(pv);
}

static char *
sql_literal(PGconn *conn, const char *s)
{
	char	   *q = PQescapeLiteral(conn, s, strlen(s));
	char	   *copy;

	if (!q)
		return pgr_strdup("NULL");
	copy = pgr_strdup(q);
	PQfreemem(q);
	return copy;
}

static char *
path_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return pgr_strdup(".");
	if (slash == path)
		return pgr_strdup("/");
	return pgr_strndup(path, (size_t) (slash - path));
}

/* Read a node's file if it is there. */
static int
file_load(transport *t, ssl_file *f, const char *dir, const char *name,
		  pgr_error *err)
{
	f->name = name;
	f->path = pgr_asprintf("%s/%s", dir, name);
	if (transport_stat(t, f->path, &f->st, err) < 0)
		return -1;
	if (!f->st.exists)
		return 0;
	if (f->st.is_dir)
		return pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is a directory"), f->path);
	return transport_read_file(t, f->path, 1024 * 1024, &f->old, &f->old_len, err);
}

static bool
file_same(const ssl_file *f, const char *data)
{
	return f->old && f->old_len == strlen(data) && memcmp(f->old, data, f->old_len) == 0;
}

/* The names the certificate covers: the host and, for a name, its addresses. */
static char **
node_sans(const cluster_node *n)
{
	char	  **sans = pgr_calloc(2, sizeof(char *));
	int			count = 0;
	struct addrinfo hints = {0},
			   *res = NULL;

	sans[count++] = pgr_strdup(n->host);
	if (certs_is_ip_address(n->host))
		return sans;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(n->host, NULL, &hints, &res) != 0)
		return sans;
	for (struct addrinfo *a = res; a; a = a->ai_next)
	{
		char		buf[INET6_ADDRSTRLEN];
		bool		dup = false;

		if (getnameinfo(a->ai_addr, a->ai_addrlen, buf, sizeof(buf), NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		for (int i = 0; i < count; i++)
			if (strcmp(sans[i], buf) == 0)
				dup = true;
		if (dup)
			continue;
		sans = pgr_realloc(sans, sizeof(char *) * (size_t) (count + 2));
		sans[count++] = pgr_strdup(buf);
		sans[count] = NULL;
	}
	freeaddrinfo(res);
	return sans;
}

static void
sans_free(char **sans)
{
	for (int i = 0; sans && sans[i]; i++)
		free(sans[i]);
	free(sans);
}

/* Append a certificate's description, each line as a "#   " comment. */
static void
describe_comment(strbuf *out, const char *pem)
{
	certs_info	info = {0};
	pgr_error	e = PGR_ERROR_INIT;
	strbuf		d;
	const char *p;

	if (certs_inspect(pem, &info, &e) < 0)
	{
		pgr_error_clear(&e);
		return;
	}
	strbuf_init(&d);
	certs_describe(&info, &d);
	p = d.data;
	while (*p)
	{
		size_t		n = strcspn(p, "\n");

		strbuf_append(out, "#   ");
		strbuf_append_len(out, p, n);
		strbuf_append_char(out, '\n');
		p += n;
		if (*p == '\n')
			p++;
	}
	strbuf_free(&d);
	certs_info_free(&info);
}

static char *
expiry_date(const char *pem)
{
	certs_info	info = {0};
	pgr_error	e = PGR_ERROR_INIT;
	char		buf[32] = "?";
	struct tm	tm;

	if (certs_inspect(pem, &info, &e) == 0 && gmtime_r(&info.not_after, &tm))
		strftime(buf, sizeof(buf), "%Y-%m-%d", &tm);
	pgr_error_clear(&e);
	certs_info_free(&info);
	return pgr_strdup(buf);
}

/* ---- the certificate a server presents ------------------------------------- */

/*
 * Connect to the node with sslmode=verify-full and the operator's CA:
 * returns the SHA-256 fingerprint of the certificate the server presents
 * (malloc'd), or NULL with err set.
 */
static char *
presented_fingerprint(session *ctx, const cluster_node *n, const char *ca_path,
					  pgr_error *err)
{
	pgconn_options o = {0};
	PGconn	   *conn;
	SSL		   *ssl;
	X509	   *x = NULL;
	char	   *fp = NULL;

	o.read_only = true;
	o.sslmode = "verify-full";
	o.sslrootcert = ca_path;
	conn = pgconn_connect(ctx->cl, n, &o, ctx->opts.connect_timeout_s, err);
	if (!conn)
		return NULL;
	ssl = PQsslStruct(conn, "OpenSSL");
	if (ssl)
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		x = SSL_get1_peer_certificate(ssl);
#else
		x = SSL_get_peer_certificate(ssl);
#endif
	if (x)
	{
		fp = certs_fingerprint_x509(x);
		X509_free(x);
	}
	else
		pgr_error_set(err, PGR_ERR_GENERIC, _("the connection to %s did not use SSL"), n->name);
	PQfinish(conn);
	return fp;
}

/* ---- inspect ---------------------------------------------------------------- */

static const char *const setting_names[N_SETTINGS] = {
	"ssl", "ssl_ca_file", "ssl_cert_file", "ssl_key_file"
};

/* The server's settings and where the files go; pv->running set. */
static int
inspect_server(session *ctx, plan_step *s, ssl_priv *pv, pgr_error *err)
{
	cluster_node *n = s->node;
	PGconn	   *conn;
	PGresult   *res = NULL;
	pgr_error	cerr = PGR_ERROR_INIT;
	char	   *data_dir = NULL;
	char	   *conf_dir = NULL;
	bool		debian;
	int			rc = -1;

	conn = session_conn(ctx, n, &cerr);
	if (!conn)
	{
		if (n->role == NODE_PRIMARY ||
			(cerr.kind != PGR_ERR_CONNECT && cerr.kind != PGR_ERR_TIMEOUT))
		{
			*err = cerr;
			return -1;
		}
		pgr_error_clear(&cerr);
		pv->running = false;
		if (!n->pgdata)
		{
			pv->skip = true;
			strbuf_appendf(&s->summary, _("nothing to do yet: the server of %s is not running and the cluster file gives no pgdata"),
						   n->name);
			return 0;
		}
		pv->dir = pgr_strdup(n->pgdata);
		return 0;
	}
	pv->running = true;
	if (!(res = pgconn_exec(conn, n->name,
							"SELECT pg_catalog.current_setting('data_directory'), "
							"pg_catalog.current_setting('config_file')",
							PGRES_TUPLES_OK, 1, 2, err)))
		goto out;
	data_dir = pgr_strdup(pgconn_value(res, 0, 0));
	conf_dir = path_dirname(pgconn_value(res, 0, 1));
	PQclear(res);
	debian = strcmp(conf_dir, data_dir) != 0;
	pv->dir = pgr_strdup(debian ? conf_dir : data_dir);

	if (!(res = pgconn_exec(conn, n->name,
							"SELECT name, setting, "
							"coalesce(sourcefile LIKE '%/postgresql.auto.conf', false) "
							"FROM pg_catalog.pg_settings "
							"WHERE name IN ('ssl', 'ssl_cert_file', 'ssl_key_file', 'ssl_ca_file') "
							"ORDER BY name",
							PGRES_TUPLES_OK, N_SETTINGS, 3, err)))
		goto out;
	for (int i = 0; i < N_SETTINGS; i++)
	{
		ssl_setting *st = &pv->set[i];
		const char *file = NULL;

		st->name = setting_names[i];
		st->have = pgr_strdup(pgconn_value(res, i, 1) ? pgconn_value(res, i, 1) : "");
		st->in_auto = strcmp(pgconn_value(res, i, 2), "t") == 0;
		if (strcmp(st->name, "ssl") == 0)
			st->want = pgr_strdup("on");
		else
		{
			file = strcmp(st->name, "ssl_ca_file") == 0 ? STEP_SSL_CA_FILE
				: strcmp(st->name, "ssl_cert_file") == 0 ? STEP_SSL_CERT_FILE
				: STEP_SSL_KEY_FILE;
			st->want = debian ? pgr_asprintf("%s/%s", pv->dir, file) : pgr_strdup(file);
		}
		st->change = strcmp(st->have, st->want) != 0;
		if (st->change && file)
		{
			/* the same file named by its full path is as good */
			char	   *full = pgr_asprintf("%s/%s", pv->dir, file);

			st->change = strcmp(st->have, full) != 0;
			free(full);
		}
		if (st->change)
			pv->n_change++;
	}
	rc = 0;
out:
	PQclear(res);
	free(data_dir);
	free(conf_dir);
	return rc;
}

/*
 * The operator's own certificate and key for the node (ssl_cert, ssl_key):
 * checked before anything is installed anywhere; refused with the reason.
 */
static int
load_operator_files(const cluster *cl, const cluster_node *n, ssl_priv *pv,
					pgr_error *err)
{
	const char *hosts[] = {n->host, NULL};
	int			rc;

	if (!n->ssl_cert)
	{
		if (!pv->ca.operator_ca)
			return 0;
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("%s:%d: node \"%s\" has no ssl_cert, and the cluster's CA is the operator's (ssl_ca)"),
					  cl->path, n->line, n->name);
		pgr_error_detail(err, _("pgreplica has no key to sign a certificate with that CA."));
		pgr_error_hint(err, _("Give ssl_cert and ssl_key for this node, or remove ssl_ca to have pgreplica make its own CA and certificates."));
		return -1;
	}
	pv->op_cert_path = resolve_path(cl, n->ssl_cert);
	pv->op_key_path = resolve_path(cl, n->ssl_key);
	if (read_local(pv->op_cert_path, false, &pv->op_cert, err) < 0 ||
		read_local(pv->op_key_path, true, &pv->op_key, err) < 0)
		goto refused;
	rc = certs_check_server(pv->op_cert, pv->op_key, pv->ca.cert, hosts, 0,
							CERTS_DEFAULT_RENEW_DAYS, err);
	if (rc < 0)
	{
		if (!err->hint)
			pgr_error_hint(err, _("Give a certificate and its key that match, signed by the CA of ssl_ca, valid now, whose subjectAltName covers the node's host."));
		goto refused;
	}
	pv->op_expiring = rc == CERTS_RENEW;
	return 0;
refused:
	pgr_error_prefix(err, _("%s:%d: node \"%s\": the certificate \"%s\" is refused, nothing was installed"),
					 cl->path, n->line, n->name, pv->op_cert_path);
	return -1;
}

/* One more part of the step's summary, after "; " when one came before. */
static void add_part(strbuf *parts, const char *fmt,...) PGR_PRINTF(2, 3);

static void
add_part(strbuf *parts, const char *fmt,...)
{
	va_list		ap;

	if (parts->len)
		/* TRANSLATORS: between two parts of a step's summary (French: U+00A0 before ;) */
		strbuf_append(parts, _("; "));
	va_start(ap, fmt);
	strbuf_vappendf(parts, fmt, ap);
	va_end(ap);
}

/* A comment line of the preview: "#", INDENT, the text. */
static void preview_note(strbuf *preview, const char *indent, const char *fmt,...) PGR_PRINTF(3, 4);

static void
preview_note(strbuf *preview, const char *indent, const char *fmt,...)
{
	va_list		ap;

	strbuf_append_char(preview, '#');
	strbuf_append(preview, indent);
	va_start(ap, fmt);
	strbuf_vappendf(preview, fmt, ap);
	va_end(ap);
	strbuf_append_char(preview, '\n');
}

/*
 * The node's directory (its owner owns the files) and the files in it,
 * with their owner and mode.  Returns 1 when the directory does not exist
 * yet (a standby not built: nothing to do yet), 0, or -1 with err set.
 */
static int
load_node_files(transport *t, plan_step *s, ssl_priv *pv, pgr_error *err)
{
	cluster_node *n = s->node;
	transport_file_stat dst;

	if (transport_stat(t, pv->dir, &dst, err) < 0)
		return -1;
	if (!dst.exists)
	{
		pv->skip = true;
		strbuf_appendf(&s->summary, _("nothing to do yet: \"%s\" does not exist on %s (the standby is not built)"),
					   pv->dir, n->name);
		return 1;
	}
	snprintf(pv->owner, sizeof(pv->owner), "%lu", (unsigned long) dst.uid);
	snprintf(pv->group, sizeof(pv->group), "%lu", (unsigned long) dst.gid);

	if (file_load(t, &pv->cert, pv->dir, STEP_SSL_CERT_FILE, err) < 0 ||
		file_load(t, &pv->key, pv->dir, STEP_SSL_KEY_FILE, err) < 0 ||
		file_load(t, &pv->root, pv->dir, STEP_SSL_CA_FILE, err) < 0)
		return -1;
	pv->cert.mode = 0644;
	pv->key.mode = 0600;
	pv->root.mode = 0644;

	if (pv->key.st.exists && pv->key.st.uid != dst.uid && pv->key.st.uid != 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("\"%s\" on %s belongs to uid %lu, not to the server's account (uid %lu)"),
					  pv->key.path, n->name, (unsigned long) pv->key.st.uid,
					  (unsigned long) dst.uid);
		pgr_error_detail(err, _("PostgreSQL reads a private key only when it belongs to the server's account or to root."));
		pgr_error_hint(err, _("Give it to the data directory's owner (chown), or remove it to have a new one made."));
		return -1;
	}
	return 0;
}

/*
 * Why our certificate on the node must be made again (malloc'd,
 * translated), or NULL: it is kept.
 */
static char *
renewal_reason(const cluster_node *n, const ssl_priv *pv)
{
	const char *hosts[] = {n->host, NULL};
	pgr_error	cerr = PGR_ERROR_INIT;
	char	   *reason = NULL;
	int			crc;

	if (!pv->cert.old || !pv->key.old)
		return pgr_asprintf(_("no certificate and key in \"%s\""), pv->dir);
	if (pv->ca.is_new)
		return pgr_strdup(_("the cluster's CA is new"));
	crc = certs_check_server(pv->cert.old, pv->key.old, pv->ca.cert,
							 hosts, 0, CERTS_DEFAULT_RENEW_DAYS, &cerr);
	if (crc == CERTS_RENEW)
		reason = pgr_asprintf(ngettext("it expires within %d day",
									   "it expires within %d days",
									   CERTS_DEFAULT_RENEW_DAYS),
							  CERTS_DEFAULT_RENEW_DAYS);
	else if (crc < 0)
		reason = pgr_strdup(cerr.message ? cerr.message : "?");
	pgr_error_clear(&cerr);
	return reason;
}

/* A new key and a certificate of the cluster's CA for the node. */
static int
make_certificate(const cluster_node *n, ssl_priv *pv, pgr_error *err)
{
	char	  **sans = node_sans(n);
	char	   *key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, err);
	int			rc = -1;

	pv->new_cert = true;
	if (key)
		pv->cert.data = certs_new_server_pem(pv->ca.cert, pv->ca.key, key, n->host,
											 (const char *const *) sans,
											 CERTS_DEFAULT_DAYS, err);
	if (pv->cert.data)
	{
		pv->key.data = key;
		key = NULL;
		rc = 0;
	}
	pgr_free_secret(key);
	sans_free(sans);
	return rc;
}

/*
 * The certificate the node is to hold: the operator's (installed when the
 * files differ), else ours, kept or made again (*reason says why,
 * malloc'd).
 */
static int
choose_certificate(const cluster_node *n, ssl_priv *pv, char **reason, pgr_error *err)
{
	*reason = NULL;
	if (pv->op_cert)
	{
		if (!file_same(&pv->cert, pv->op_cert) || !file_same(&pv->key, pv->op_key))
		{
			pv->new_cert = true;
			pv->cert.data = pgr_strdup(pv->op_cert);
			pv->key.data = pgr_strdup(pv->op_key);
		}
		return 0;
	}
	*reason = renewal_reason(n, pv);
	return *reason ? make_certificate(n, pv, err) : 0;
}

/* A reload when something changes, or when the server shows another certificate. */
static void
decide_reload(session *ctx, const cluster_node *n, ssl_priv *pv, strbuf *parts)
{
	pgr_error	perr = PGR_ERROR_INIT;
	char	   *fp;

	pv->reload = pv->running &&
		(pv->new_cert || pv->root.data || pv->fix_mode || pv->n_change > 0);
	if (!pv->running || pv->reload)
		return;
	fp = presented_fingerprint(ctx, n, pv->ca.cert_path, &perr);
	if (!fp || strcmp(fp, pv->fingerprint) != 0)
	{
		pv->reload = true;
		add_part(parts, _("the server does not present the certificate of \"%s\" yet: it will be reloaded"),
				 pv->cert.path);
	}
	free(fp);
	pgr_error_clear(&perr);
}

static bool
nothing_to_change(const ssl_priv *pv)
{
	return !pv->new_cert && !pv->root.data && !pv->fix_mode && pv->n_change == 0 && !pv->reload;
}

static void
summarize_unchanged(plan_step *s, const ssl_priv *pv, const strbuf *parts)
{
	char	   *date = expiry_date(pv->cert.old);

	if (pv->running)
		strbuf_appendf(&s->summary, _("nothing to do: SSL is on, with a valid certificate for %s (expires %s)"),
					   s->node->host, date);
	else
		strbuf_appendf(&s->summary, _("nothing to do: the files are in place, with a valid certificate for %s (expires %s)"),
					   s->node->host, date);
	free(date);
	if (pv->ca.expiring)
		strbuf_appendf(&s->summary, "; %s", _("the cluster's CA expires within 30 days"));
	if (parts->len)
		strbuf_appendf(&s->summary, "; %s", parts->data);
}

/* ---- the preview: never any key material ---- */

static void
preview_ca(strbuf *preview, const ssl_priv *pv)
{
	if (!pv->ca.is_new)
		return;
	preview_note(preview, " ", "%s", _("a new CA for the cluster, kept by the operator, never copied to a node:"));
	preview_note(preview, "   ", _("write \"%s\" (mode 0600): a new ECDSA P-256 key (not shown)"), pv->ca.key_path);
	preview_note(preview, "   ", _("write \"%s\" (mode 0644):"), pv->ca.cert_path);
	describe_comment(preview, pv->ca.cert);
}

static void
preview_certificate(plan_step *s, const ssl_priv *pv, const char *reason, strbuf *parts)
{
	const cluster_node *n = s->node;

	if (!pv->new_cert)
		return;
	if (pv->op_cert)
	{
		preview_note(&s->preview, " ", _("the operator's certificate for %s, from \"%s\":"),
					 n->name, pv->op_cert_path);
		describe_comment(&s->preview, pv->cert.data);
		preview_note(&s->preview, " ", _("write \"%s\" (mode 0600, owner %s:%s): the operator's key from \"%s\" (not shown)"),
					 pv->key.path, pv->owner, pv->group, pv->op_key_path);
		add_part(parts, _("will install the operator's certificate from \"%s\""), pv->op_cert_path);
	}
	else
	{
		preview_note(&s->preview, " ", _("a new certificate for %s (%s):"), n->name, reason);
		describe_comment(&s->preview, pv->cert.data);
		preview_note(&s->preview, " ", _("write \"%s\" (mode 0600, owner %s:%s): a new ECDSA P-256 key (not shown)"),
					 pv->key.path, pv->owner, pv->group);
		add_part(parts, _("will make a new key and certificate (%s)"), reason);
	}
	preview_note(&s->preview, " ", _("write \"%s\" (mode 0644, owner %s:%s): the certificate above"),
				 pv->cert.path, pv->owner, pv->group);
}

static void
preview_root(strbuf *preview, const ssl_priv *pv, strbuf *parts)
{
	if (!pv->root.data)
		return;
	preview_note(preview, " ", _("write \"%s\" (mode 0644, owner %s:%s): the cluster's CA certificate"),
				 pv->root.path, pv->owner, pv->group);
	if (!pv->ca.is_new)
		describe_comment(preview, pv->ca.cert);
	add_part(parts, _("will install the CA certificate as \"%s\""), pv->root.path);
}

static void
preview_key_mode(strbuf *preview, const ssl_priv *pv, strbuf *parts)
{
	if (!pv->fix_mode)
		return;
	strbuf_appendf(preview, "chmod 0600 %s\n", pv->key.path);
	preview_note(preview, " ", _("\"%s\" has mode %04o: group or others can read the private key, and PostgreSQL refuses such a key"),
				 pv->key.path, (unsigned) pv->key.st.mode);
	add_part(parts, _("will make \"%s\" mode 0600 (it is %04o: others can read the key)"),
			 pv->key.path, (unsigned) pv->key.st.mode);
}

/* The settings to change and the reload, or why the server is left alone. */
static int
preview_server(session *ctx, plan_step *s, const ssl_priv *pv, strbuf *parts,
			   pgr_error *err)
{
	cluster_node *n = s->node;
	PGconn	   *conn;

	if (!pv->running)
	{
		preview_note(&s->preview, " ", _("the server of %s is not running: only the files are installed"), n->name);
		return 0;
	}
	if (!(conn = session_conn(ctx, n, err)))
		return -1;
	for (int i = 0; i < N_SETTINGS; i++)
	{
		char	   *lit;

		if (!pv->set[i].change)
			continue;
		lit = sql_literal(conn, pv->set[i].want);
		strbuf_appendf(&s->preview, "ALTER SYSTEM SET %s = %s;\n", pv->set[i].name, lit);
		free(lit);
	}
	if (pv->n_change > 0)
		add_part(parts, "%s", _("will turn SSL on with these files"));
	strbuf_append(&s->preview, "SELECT pg_catalog.pg_reload_conf();\n");
	preview_note(&s->preview, " ", _("then a connection to %s port %d with sslmode=verify-full and the CA checks the certificate the server presents"),
				 n->host, n->port);
	return 0;
}

static int
ssl_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	cluster_node *n = s->node;
	ssl_priv   *pv = pgr_calloc(1, sizeof(*pv));
	transport  *t = NULL;
	char	   *reason = NULL;
	strbuf		parts;
	int			rc = -1;

	strbuf_init(&parts);
	s->priv = pv;
	if (!n->host || !n->host[0])
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s:%d: node \"%s\" has no host"),
					  ctx->cl->path, n->line, n->name);
		goto out;
	}
	if (ca_load(ctx->cl, &pv->ca, err) < 0 ||
		load_operator_files(ctx->cl, n, pv, err) < 0 ||
		!(t = session_transport(ctx, n, err)) ||
		inspect_server(ctx, s, pv, err) < 0)
		goto out;
	if (!pv->skip)
	{
		int			lrc = load_node_files(t, s, pv, err);

		if (lrc < 0)
			goto out;
		pv->skip = lrc > 0;
	}
	if (pv->skip)
	{
		rc = 0;
		goto out;
	}

	if (choose_certificate(n, pv, &reason, err) < 0)
		goto out;
	if (pv->op_expiring)
		add_part(&parts, _("the operator's certificate \"%s\" expires within 30 days"),
				 pv->op_cert_path);
	if (!file_same(&pv->root, pv->ca.cert))
		pv->root.data = pgr_strdup(pv->ca.cert);
	pv->fix_mode = pv->key.st.exists && (pv->key.st.mode & 077) != 0;
	if (!(pv->fingerprint = certs_fingerprint_pem(pv->cert.data ? pv->cert.data : pv->cert.old, err)))
		goto out;
	decide_reload(ctx, n, pv, &parts);

	if (nothing_to_change(pv))
		summarize_unchanged(s, pv, &parts);
	else
	{
		preview_ca(&s->preview, pv);
		preview_certificate(s, pv, reason, &parts);
		preview_root(&s->preview, pv, &parts);
		preview_key_mode(&s->preview, pv, &parts);
		if (preview_server(ctx, s, pv, &parts, err) < 0)
			goto out;
		strbuf_append(&s->summary, parts.data);
	}
	rc = 0;

out:
	free(reason);
	strbuf_free(&parts);
	return rc;
}

/* ---- apply ---------------------------------------------------------------------- */

static int
run_chmod(transport *t, const char *path, const char *mode, pgr_error *err)
{
	const char *argv[] = {"chmod", mode, "--", path, NULL};
	transport_exec_opts o = {0};
	int			status;

	o.timeout_ms = 30000;
	if (transport_run_checked(t, argv, &o, NULL, &status, err) < 0)
	{
		if (status > 0)
			pgr_error_reword(err, PGR_ERR_EXEC, _("could not set the mode of \"%s\" to %s"), path, mode);
		return -1;
	}
	return 0;
}

static int
write_node_file(session *ctx, plan_step *s, transport *t, ssl_priv *pv,
				ssl_file *f, pgr_error *err)
{
	/*
	 * The key: 0600 before its first byte, whatever an old key's mode.  A
	 * certificate or key that links to a shared file (Debian's snakeoil)
	 * is replaced by a file of the server's own, the shared file untouched.
	 */
	transport_write_opts wo = {f->mode, pv->owner, pv->group, f == &pv->key, true};

	if (!f->data)
		return 0;
	if (f->st.exists)
	{
		if (transport_backup(t, f->path, &f->backup, err) < 0)
			return -1;
		session_log(ctx, s, _("backed up \"%s\" to \"%s\""), f->path, f->backup);
	}
	if (transport_write_file(t, f->path, f->data, strlen(f->data), &wo, err) < 0)
		return -1;
	f->written = true;
	session_log(ctx, s, _("wrote \"%s\""), f->path);
	return 0;
}

static int
ssl_apply(session *ctx, plan_step *s, pgr_error *err)
{
	ssl_priv   *pv = s->priv;
	cluster_node *n = s->node;
	transport  *t;

	if (!pv)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("the step was not inspected before being applied"));
	if (pv->skip)
		return 0;
	if (!(t = session_transport(ctx, n, err)))
		return -1;
	if (pv->ca.is_new)
	{
		if (ca_save(ctx->cl, &pv->ca, err) < 0)
			return -1;
		pv->ca.is_new = false;
		session_log(ctx, s, _("made the cluster's CA: \"%s\", and its key \"%s\" (mode 0600)"),
				 pv->ca.cert_path, pv->ca.key_path);
	}
	/* the key first: a certificate is never in place without its key */
	if (write_node_file(ctx, s, t, pv, &pv->key, err) < 0 ||
		write_node_file(ctx, s, t, pv, &pv->cert, err) < 0 ||
		write_node_file(ctx, s, t, pv, &pv->root, err) < 0)
		return -1;
	/* an existing file keeps its mode when rewritten: set it */
	if (pv->fix_mode)
	{
		if (run_chmod(t, pv->key.path, "0600", err) < 0)
			return -1;
		session_log(ctx, s, _("made \"%s\" mode 0600 (it was %04o)"), pv->key.path,
				 (unsigned) pv->key.st.mode);
	}
	if (!pv->running)
		return 0;
	{
		PGconn	   *conn = session_conn(ctx, n, err);
		PGresult   *res;

		if (!conn)
			return -1;
		for (int i = 0; i < N_SETTINGS; i++)
		{
			char	   *lit;
			char	   *sql;

			if (!pv->set[i].change)
				continue;
			lit = sql_literal(conn, pv->set[i].want);
			sql = pgr_asprintf("ALTER SYSTEM SET %s = %s", pv->set[i].name, lit);
			res = pgconn_exec(conn, n->name, sql, PGRES_COMMAND_OK, -1, -1, err);
			free(lit);
			free(sql);
			if (!res)
				return -1;
			PQclear(res);
			pv->altered = true;
		}
		if (pv->reload)
		{
			if (session_reload(ctx, n, err) < 0)
				return -1;
			pv->reloaded = true;
			session_log(ctx, s, _("reloaded the configuration of %s"), n->name);
		}
	}
	return 0;
}

/* ---- verify --------------------------------------------------------------------- */

static int
ssl_verify(session *ctx, plan_step *s, pgr_error *err)
{
	ssl_priv   *pv = s->priv;
	cluster_node *n = s->node;
	int64_t		deadline = pgr_now_ms() + VERIFY_TIMEOUT_MS;
	pgr_error	perr = PGR_ERROR_INIT;
	char	   *fp = NULL;
	long		delay = 50;

	if (!pv || pv->skip)
		return 0;
	if (!pv->running)
	{
		/* files only: they are what was written */
		transport  *t = session_transport(ctx, n, err);
		char	   *data = NULL;
		size_t		len = 0;
		char	   *now_fp;
		bool		same;

		if (!t || transport_read_file(t, pv->cert.path, 1024 * 1024, &data, &len, err) < 0)
			return -1;
		now_fp = certs_fingerprint_pem(data, err);
		free(data);
		if (!now_fp)
			return -1;
		same = strcmp(now_fp, pv->fingerprint) == 0;
		free(now_fp);
		if (!same)
			return pgr_error_set(err, PGR_ERR_GENERIC, _("\"%s\" on %s changed while pgreplica was writing it"),
								 pv->cert.path, n->name);
		return 0;
	}
	for (;;)
	{
		pgr_error_clear(&perr);
		free(fp);
		fp = presented_fingerprint(ctx, n, pv->ca.cert_path, &perr);
		if (fp && strcmp(fp, pv->fingerprint) == 0)
		{
			session_log(ctx, s, _("%s presents the certificate %s (verify-full with the cluster's CA)"),
					 n->name, fp);
			free(fp);
			return 0;
		}
		if (pgr_now_ms() >= deadline)
			break;
		pgr_sleep_ms(delay);
		if (delay < 1000)
			delay *= 2;
	}
	pgr_error_set(err, PGR_ERR_GENERIC,
				  _("the server of %s does not present the new certificate"), n->name);
	if (fp)
		pgr_error_detail(err, _("It presents %s; \"%s\" has %s."), fp, pv->cert.path, pv->fingerprint);
	else
		pgr_error_detail(err, "%s%s%s", perr.message ? perr.message : "",
						 perr.detail ? "\n" : "", perr.detail ? perr.detail : "");
	pgr_error_hint(err, _("Look at the server's log: a server that cannot load the new files keeps its old SSL settings."));
	pgr_error_clear(&perr);
	free(fp);
	return -1;
}

/* ---- undo ----------------------------------------------------------------------- */

static int
restore_file(session *ctx, plan_step *s, transport *t, ssl_file *f, pgr_error *err)
{
	if (!f->written)
		return 0;
	if (f->st.exists)
	{
		if (transport_write_file(t, f->path, f->old, f->old_len, NULL, err) < 0)
			return -1;
	}
	else
	{
		const char *argv[] = {"rm", "-f", "--", f->path, NULL};
		transport_exec_opts o = {0};
		int			status;

		/* the file undone must be gone, or the log below would not be true */
		o.timeout_ms = 30000;
		if (transport_run_checked(t, argv, &o, NULL, &status, err) < 0)
		{
			if (status > 0)
				pgr_error_reword(err, PGR_ERR_IO, _("could not remove \"%s\" on %s"), f->path, t->label);
			return -1;
		}
	}
	f->written = false;
	session_log(ctx, s, _("put the old \"%s\" back"), f->path);
	return 0;
}

static int
ssl_undo(session *ctx, plan_step *s, pgr_error *err)
{
	ssl_priv   *pv = s->priv;
	cluster_node *n = s->node;
	transport  *t;
	PGconn	   *conn;
	PGresult   *res;

	if (!pv || pv->skip)
		return 0;
	if (!(t = session_transport(ctx, n, err)))
		return -1;
	if (restore_file(ctx, s, t, &pv->cert, err) < 0 ||
		restore_file(ctx, s, t, &pv->key, err) < 0 ||
		restore_file(ctx, s, t, &pv->root, err) < 0)
		return -1;
	if (!pv->altered && !pv->reloaded)
		return 0;
	if (!(conn = session_conn(ctx, n, err)))
		return -1;
	for (int i = 0; pv->altered && i < N_SETTINGS; i++)
	{
		char	   *sql;

		if (!pv->set[i].change)
			continue;
		if (pv->set[i].in_auto)
		{
			char	   *lit = sql_literal(conn, pv->set[i].have);

			sql = pgr_asprintf("ALTER SYSTEM SET %s = %s", pv->set[i].name, lit);
			free(lit);
		}
		else
			sql = pgr_asprintf("ALTER SYSTEM RESET %s", pv->set[i].name);
		res = pgconn_exec(conn, n->name, sql, PGRES_COMMAND_OK, -1, -1, err);
		free(sql);
		if (!res)
			return -1;
		PQclear(res);
	}
	pv->altered = false;
	if (session_reload(ctx, n, err) < 0)
		return -1;
	pv->reloaded = false;
	session_log(ctx, s, _("reloaded the configuration of %s"), n->name);
	return 0;
}

static const step_ops ssl_ops = {
	.kind = "ssl",
	.inspect = ssl_inspect,
	.apply = ssl_apply,
	.verify = ssl_verify,
	.undo = ssl_undo,
	.free_priv = priv_free,
	.inspect_runs_commands = true,
};

plan_step *
step_ssl_new(session *ctx, cluster_node *node)
{
	char	   *id = pgr_asprintf("ssl@%s", node->name);
	char	   *title = pgr_asprintf(_("SSL on %s"), node->name);
	plan_step  *s = plan_step_new(&ssl_ops, node, id, title);

	(void) ctx;
	free(id);
	free(title);
	return s;
}

int
step_ssl_issue_client(const cluster *cl, char **cert, char **key, pgr_error *err)
{
	char	   *ca_cert_path = NULL;
	char	   *ca_key_path = NULL;
	char	   *ca_cert = NULL;
	char	   *ca_key = NULL;
	int			rc = -1;

	*cert = NULL;
	*key = NULL;
	/* the operator's own CA (ssl_ca) leaves its key with the operator */
	if (cl->ssl_ca)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("replication_auth = %s needs pgreplica's own CA, and the cluster file names ssl_ca"),
					  cluster_replication_auth_name(cl->replication_auth));
		pgr_error_hint(err, _("Remove ssl_ca to have pgreplica's CA issue the standbys' client certificates, or set replication_auth = scram."));
		return -1;
	}
	ca_cert_path = step_ssl_ca_cert_path(cl);
	ca_key_path = step_ssl_ca_key_path(cl);
	if (read_local(ca_cert_path, false, &ca_cert, err) < 0 ||
		read_local(ca_key_path, true, &ca_key, err) < 0)
	{
		pgr_error_hint(err, _("The SSL step makes the cluster's CA: run apply with ssl = on."));
		goto out;
	}
	if (!(*key = certs_new_key_pem(CERTS_KEY_ECDSA_P256, err)))
		goto out;
	/* CN = the role: what the server's cert method checks */
	if (!(*cert = certs_new_client_pem(ca_cert, ca_key, *key, cl->replication_user,
									   CERTS_DEFAULT_DAYS, err)))
	{
		pgr_free_secret(*key);
		*key = NULL;
		goto out;
	}
	rc = 0;
out:
	free(ca_cert_path);
	free(ca_key_path);
	free(ca_cert);
	pgr_free_secret(ca_key);
	return rc;
}
