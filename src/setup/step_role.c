/*
 * step_role.c: the replication role (DESIGN.md step 2).
 *
 * The cluster's replication_user must exist WITH REPLICATION LOGIN, never
 * SUPERUSER, with a password the standbys know.  The password is hashed on
 * the client (PQencryptPasswordConn: SCRAM-SHA-256 unless the server's
 * password_encryption is md5), so only the verifier ever reaches the server
 * and its log; the clear password is never on a command line either (it is
 * read from a file, kept in memory, wiped).
 *
 * Where the password comes from:
 *   1. --replication-password-file (ctx->opts.replication_password);
 *   2. else the operator's passfile (step_role.h) if it has a line for the
 *      role;
 *   3. else a new one: 32 base62 characters from OpenSSL's RAND_bytes,
 *      made and written to the passfile when applying (inspect only says it
 *      will be).
 * When applying, the passfile is brought up to date before the role is
 * touched, so that a password set on the server is never lost: a generated
 * password is written there, and so is a password given with
 * --replication-password-file (replacing an entry the file already has
 * for the role): the actions run later find it there.
 *
 * "Nothing to do" means: the role exists, has REPLICATION and LOGIN, is
 * not a superuser, its password has not expired, and its stored verifier
 * accepts the wanted password (checked here, without changing anything:
 * SCRAM's StoredKey and ServerKey recomputed from the salt and iteration
 * count, or md5(password || role)).  An md5 verifier is replaced by a SCRAM
 * one when the server now asks for SCRAM.
 *
 * A superuser named as replication_user is refused: it is the operator's
 * role, pgreplica does not strip its rights.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "fsutil.h"
#include "i18n.h"
#include "pgconn.h"
#include "plan.h"
#include "step_role.h"
#include "strbuf.h"

#define GENERATED_PASSWORD_LEN 32

/* ---- the passfile ----------------------------------------------------------- */

/*
 * The replication password from --replication-password-file: its first
 * line.  A file others can read is refused, as libpq refuses such a
 * passfile.
 */
/* Longer lines are refused, not cut (see below). */
#define PASSWORD_FILE_MAX 1024

char *
step_role_read_password_file(const char *path, pgr_error *err)
{
	FILE	   *f;
	struct stat st;
	char		buf[PASSWORD_FILE_MAX + 2]; /* the line, its '\n', the NUL */
	size_t		n;

	f = fopen(path, "re");
	if (!f)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not open \"%s\": %s"), path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st) == 0 && (st.st_mode & 077) != 0)
	{
		fclose(f);
		pgr_error_set(err, PGR_ERR_INPUT, _("password file \"%s\" can be read by others"), path);
		pgr_error_hint(err, _("Make it private: chmod 600 \"%s\"."), path);
		return NULL;
	}
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	n = strcspn(buf, "\r\n");
	if (n > PASSWORD_FILE_MAX)
	{
		/* never cut short: the standbys would be given another password */
		pgr_wipe(buf, sizeof(buf));
		pgr_error_set(err, PGR_ERR_INPUT, _("the password in \"%s\" is longer than %d bytes"), path, PASSWORD_FILE_MAX);
		pgr_error_hint(err, _("Choose a shorter password: it is never cut short."));
		return NULL;
	}
	buf[n] = '\0';
	if (n == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("password file \"%s\" is empty"), path);
		pgr_error_hint(err, _("Put the password on its first line, or leave out the option to have one generated."));
		return NULL;
	}
	{
		char	   *pw = pgr_strdup(buf);

		pgr_wipe(buf, sizeof(buf));
		return pw;
	}
}


char *
step_role_passfile_path(const cluster *cl)
{
	return cluster_operator_path(cl, ".pgpass");
}

/* Append `s` with ':' and '\' escaped (pgpass). */
static void
pgpass_escape(strbuf *sb, const char *s)
{
	for (; *s; s++)
	{
		if (*s == ':' || *s == '\\')
			strbuf_append_char(sb, '\\');
		strbuf_append_char(sb, *s);
	}
}

/*
 * Split one pgpass line (no newline) into its 5 fields, unescaped, in
 * place.  Returns false for a comment or a malformed line.
 */
static bool
pgpass_split(char *line, char *fields[5])
{
	char	   *r = line,
			   *w = line;
	int			n = 0;

	if (line[0] == '#' || line[0] == '\0')
		return false;
	fields[n++] = w;
	for (; *r; r++)
	{
		if (*r == '\\' && r[1])
			*w++ = *++r;
		else if (*r == ':' && n < 5)
		{
			*w++ = '\0';
			fields[n++] = w;
		}
		else
			*w++ = *r;
	}
	*w = '\0';
	return n == 5;
}

static bool
pgpass_line_is_role(const char *line, const char *role, bool wildcard)
{
	char	   *copy = pgr_strdup(line);
	char	   *f[5];
	bool		match = false;

	if (pgpass_split(copy, f))
	{
		if (wildcard)
			match = (strcmp(f[2], "replication") == 0 || strcmp(f[2], "*") == 0) &&
				(strcmp(f[3], role) == 0 || strcmp(f[3], "*") == 0);
		else
			match = strcmp(f[2], "replication") == 0 && strcmp(f[3], role) == 0;
	}
	pgr_wipe(copy, strlen(copy));
	free(copy);
	return match;
}

/*
 * The passfile's contents, or NULL (and 0) when there is none.  Refuses a
 * file group or others may read, like libpq.
 */
static int
passfile_load(const char *path, char **data, pgr_error *err)
{
	int			fd;
	struct stat st;
	strbuf		sb;
	char		buf[4096];
	ssize_t		n;

	*data = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
	{
		if (errno == ENOENT)
			return 0;
		pgr_error_set(err, PGR_ERR_IO, _("could not open the password file \"%s\": %s"),
					  path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
	{
		pgr_error_set(err, PGR_ERR_IO, _("the password file \"%s\" is not a plain file"), path);
		close(fd);
		return -1;
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO))
	{
		pgr_error_set(err, PGR_ERR_IO,
					  _("the password file \"%s\" has group or world access"), path);
		pgr_error_detail(err, _("Its mode is %04o; it must be 0600 or less."),
						 (unsigned) (st.st_mode & 07777));
		pgr_error_hint(err, _("Run chmod 0600 \"%s\" (and check who could have read it)."), path);
		close(fd);
		return -1;
	}
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			pgr_error_set(err, PGR_ERR_IO, _("could not read the password file \"%s\": %s"),
						  path, strerror(errno));
			pgr_wipe(sb.data, sb.len);
			strbuf_free(&sb);
			pgr_wipe(buf, sizeof(buf));
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

int
step_role_read_password(const cluster *cl, const char *role, char **password,
						pgr_error *err)
{
	char	   *path = step_role_passfile_path(cl);
	char	   *data = NULL;
	int			rc;

	*password = NULL;
	rc = passfile_load(path, &data, err);
	if (rc == 0 && data)
	{
		char	   *save = NULL;

		for (char *line = strtok_r(data, "\r\n", &save); line;
			 line = strtok_r(NULL, "\r\n", &save))
		{
			char	   *f[5];

			if (!pgpass_split(line, f))
				continue;
			if ((strcmp(f[2], "replication") == 0 || strcmp(f[2], "*") == 0) &&
				(strcmp(f[3], role) == 0 || strcmp(f[3], "*") == 0) &&
				f[4][0] != '\0')
			{
				*password = pgr_strdup(f[4]);
				break;
			}
		}
	}
	if (data)
	{
		pgr_wipe(data, strlen(data));
		free(data);
	}
	free(path);
	return rc;
}

int
step_role_write_password(const cluster *cl, const char *role,
						 const char *password, pgr_error *err)
{
	char	   *path = step_role_passfile_path(cl);
	char	   *dir = pgr_strdup(path);
	char	   *data = NULL;
	char	   *slash;
	strbuf		out;
	transport  *t = NULL;
	transport_write_opts wo = {.mode = 0600, .secret = true};
	int			rc = -1;

	strbuf_init(&out);
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	if (pgr_mkdir_p(dir, 0700, err) < 0)
		goto out;
	if (passfile_load(path, &data, err) < 0)
		goto out;
	/* our line first (libpq takes the first match), then the others */
	strbuf_append(&out, "*:*:replication:");
	pgpass_escape(&out, role);
	strbuf_append_char(&out, ':');
	pgpass_escape(&out, password);
	strbuf_append_char(&out, '\n');
	if (data)
	{
		char	   *save = NULL;

		for (char *line = strtok_r(data, "\n", &save); line;
			 line = strtok_r(NULL, "\n", &save))
		{
			if (pgpass_line_is_role(line, role, false))
				continue;
			strbuf_append(&out, line);
			strbuf_append_char(&out, '\n');
		}
	}
	t = transport_local_open(NULL, err);
	if (!t)
		goto out;
	if (transport_write_file(t, path, out.data, out.len, &wo, err) < 0)
		goto out;
	rc = 0;
out:
	transport_close(t);
	pgr_wipe(out.data, out.len);
	strbuf_free(&out);
	if (data)
	{
		pgr_wipe(data, strlen(data));
		free(data);
	}
	free(dir);
	free(path);
	return rc;
}

char *
step_role_generate_password(size_t len, pgr_error *err)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	char	   *pw = pgr_malloc(len + 1);
	unsigned char buf[64];
	size_t		n = 0;

	while (n < len)
	{
		if (RAND_bytes(buf, sizeof(buf)) != 1)
		{
			pgr_wipe(buf, sizeof(buf));
			pgr_wipe(pw, len + 1);
			free(pw);
			pgr_error_set(err, PGR_ERR_GENERIC, _("could not generate a random password"));
			pgr_error_detail(err, _("OpenSSL's random generator failed."));
			return NULL;
		}
		/* 248 = 4 * 62: no modulo bias */
		for (size_t i = 0; i < sizeof(buf) && n < len; i++)
			if (buf[i] < 248)
				pw[n++] = alphabet[buf[i] % 62];
	}
	pw[len] = '\0';
	pgr_wipe(buf, sizeof(buf));
	return pw;
}

/* ---- verifiers ----------------------------------------------------------------- */

/* Base64 (with padding) into a malloc'd buffer; -1 when malformed. */
static int
b64_decode(const char *s, size_t slen, unsigned char **out, size_t *outlen)
{
	unsigned char *buf;
	int			n;
	size_t		pad = 0;

	if (slen == 0 || slen % 4 != 0)
		return -1;
	buf = pgr_malloc(slen / 4 * 3 + 1);
	n = EVP_DecodeBlock(buf, (const unsigned char *) s, (int) slen);
	if (n < 0)
	{
		free(buf);
		return -1;
	}
	if (s[slen - 1] == '=')
		pad++;
	if (s[slen - 2] == '=')
		pad++;
	*out = buf;
	*outlen = (size_t) n - pad;
	return 0;
}

static bool
scram_matches(const char *verifier, const char *password)
{
	/* SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey> */
	const char *p = verifier + strlen("SCRAM-SHA-256$");
	const char *colon,
			   *dollar,
			   *colon2;
	char	   *end;
	long		iter;
	unsigned char *salt = NULL,
			   *stored = NULL,
			   *server = NULL;
	size_t		salt_len,
				stored_len,
				server_len;
	unsigned char salted[SHA256_DIGEST_LENGTH],
				client_key[SHA256_DIGEST_LENGTH],
				stored_key[SHA256_DIGEST_LENGTH],
				server_key[SHA256_DIGEST_LENGTH];
	unsigned int mdlen;
	bool		ok = false;

	errno = 0;
	iter = strtol(p, &end, 10);
	if (errno || end == p || *end != ':' || iter <= 0 || iter > STEP_ROLE_SCRAM_MAX_ITERATIONS)
		return false;
	colon = end;
	dollar = strchr(colon + 1, '$');
	if (!dollar)
		return false;
	colon2 = strchr(dollar + 1, ':');
	if (!colon2)
		return false;
	if (b64_decode(colon + 1, (size_t) (dollar - colon - 1), &salt, &salt_len) < 0 ||
		b64_decode(dollar + 1, (size_t) (colon2 - dollar - 1), &stored, &stored_len) < 0 ||
		b64_decode(colon2 + 1, strlen(colon2 + 1), &server, &server_len) < 0)
		goto out;
	if (stored_len != SHA256_DIGEST_LENGTH || server_len != SHA256_DIGEST_LENGTH)
		goto out;
	if (PKCS5_PBKDF2_HMAC(password, (int) strlen(password), salt, (int) salt_len,
						  (int) iter, EVP_sha256(), sizeof(salted), salted) != 1)
		goto out;
	mdlen = sizeof(client_key);
	if (!HMAC(EVP_sha256(), salted, sizeof(salted),
			  (const unsigned char *) "Client Key", 10, client_key, &mdlen))
		goto out;
	SHA256(client_key, sizeof(client_key), stored_key);
	mdlen = sizeof(server_key);
	if (!HMAC(EVP_sha256(), salted, sizeof(salted),
			  (const unsigned char *) "Server Key", 10, server_key, &mdlen))
		goto out;
	ok = CRYPTO_memcmp(stored_key, stored, SHA256_DIGEST_LENGTH) == 0 &&
		CRYPTO_memcmp(server_key, server, SHA256_DIGEST_LENGTH) == 0;
out:
	pgr_wipe(salted, sizeof(salted));
	pgr_wipe(client_key, sizeof(client_key));
	pgr_wipe(stored_key, sizeof(stored_key));
	pgr_wipe(server_key, sizeof(server_key));
	free(salt);
	free(stored);
	free(server);
	return ok;
}

static bool
md5_matches(const char *verifier, const char *role, const char *password)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	char		hex[2 * 16 + 1];
	bool		ok = false;

	if (!md)
		return false;
	if (strlen(verifier) != 3 + 32)
		goto out;
	if (EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1 ||
		EVP_DigestUpdate(md, password, strlen(password)) != 1 ||
		EVP_DigestUpdate(md, role, strlen(role)) != 1 ||
		EVP_DigestFinal_ex(md, digest, &dlen) != 1 || dlen != 16)
		goto out;
	for (unsigned i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	ok = CRYPTO_memcmp(hex, verifier + 3, 32) == 0;
out:
	pgr_wipe(digest, sizeof(digest));
	pgr_wipe(hex, sizeof(hex));
	EVP_MD_CTX_free(md);
	return ok;
}

bool
step_role_verifier_matches(const char *verifier, const char *role,
						   const char *password)
{
	if (!verifier || !password)
		return false;
	if (strncmp(verifier, "SCRAM-SHA-256$", 14) == 0)
		return scram_matches(verifier, password);
	if (strncmp(verifier, "md5", 3) == 0)
		return md5_matches(verifier, role, password);
	return false;
}

/* ---- the step ----------------------------------------------------------------- */

typedef struct role_priv {
	bool		exists;
	bool		need_attrs;		/* REPLICATION or LOGIN missing */
	bool		need_password;	/* verifier does not match (or to upgrade) */
	bool		expired;		/* rolvaliduntil in the past */
	bool		generate;		/* no password known: make one when applying */
	bool		md5;			/* the server hashes with md5 */
	bool		created;		/* apply created the role (undo drops it) */
} role_priv;

static const char role_sql[] =
"SELECT rolname, rolreplication, rolcanlogin, rolsuper, rolpassword,\n"
"       coalesce(rolvaliduntil < now(), false)\n"
"  FROM pg_catalog.pg_authid WHERE rolname = $1";

static const char *
role_name(session *ctx)
{
	return ctx->cl->replication_user && ctx->cl->replication_user[0] ?
		ctx->cl->replication_user : CLUSTER_DEFAULT_REPLICATION_USER;
}

/* The role's row (0 or 1 rows), checked; NULL with err set. */
static PGresult *
query_role(PGconn *conn, const cluster_node *n, const char *role, pgr_error *err)
{
	const char *params[1] = {role};
	PGresult   *res = PQexecParams(conn, role_sql, 1, NULL, params, NULL, NULL, 0);

	if (pgconn_check_result(res, PGRES_TUPLES_OK, -1, 6, n->name,
							"SELECT ... FROM pg_authid", err) < 0)
	{
		PQclear(res);
		return NULL;
	}
	return res;
}

static bool
is_true(const PGresult *res, int col)
{
	const char *v = pgconn_value(res, 0, col);

	return v && v[0] == 't';
}

/* Does the server hash new passwords with md5? */
static int
server_uses_md5(PGconn *conn, const cluster_node *n, bool *md5, pgr_error *err)
{
	PGresult   *res = pgconn_exec(conn, n->name,
								  "SELECT current_setting('password_encryption')",
								  PGRES_TUPLES_OK, 1, 1, err);
	const char *v;

	if (!res)
		return -1;
	v = pgconn_value(res, 0, 0);
	/* PostgreSQL 10 still knows "on" (= md5) */
	*md5 = v && (strcmp(v, "md5") == 0 || strcmp(v, "on") == 0);
	PQclear(res);
	return 0;
}

/* The password to give the role: the session's, the operator's, the file's. */
static int
wanted_password(session *ctx, const char *role, pgr_error *err)
{
	char	   *pw = NULL;

	if (ctx->replication_password)
		return 0;
	if (ctx->opts.replication_password && ctx->opts.replication_password[0])
	{
		ctx->replication_password = pgr_strdup(ctx->opts.replication_password);
		return 0;
	}
	if (step_role_read_password(ctx->cl, role, &pw, err) < 0)
		return -1;
	ctx->replication_password = pw;	/* may be NULL: to be generated */
	return 0;
}

static void
append_ident(strbuf *sb, PGconn *conn, const char *name)
{
	char	   *q = PQescapeIdentifier(conn, name, strlen(name));

	strbuf_append(sb, q ? q : "?");
	PQfreemem(q);
}

/* The statement, with `password_sql` as the PASSWORD clause (or NULL). */
static void
role_statement(strbuf *sb, PGconn *conn, const role_priv *p, const char *role,
			   const char *password_sql)
{
	if (!p->exists)
	{
		strbuf_append(sb, "CREATE ROLE ");
		append_ident(sb, conn, role);
		strbuf_append(sb, " WITH REPLICATION LOGIN");
	}
	else
	{
		strbuf_append(sb, "ALTER ROLE ");
		append_ident(sb, conn, role);
		strbuf_append(sb, " WITH REPLICATION LOGIN NOSUPERUSER");
	}
	if (password_sql)
	{
		strbuf_append(sb, " PASSWORD ");
		strbuf_append(sb, password_sql);
	}
	if (p->expired)
		strbuf_append(sb, " VALID UNTIL 'infinity'");
}

/* The line of "replication_user" in the [cluster] section (0: unknown). */
static int
role_key_line(const cluster *cl)
{
	const char *p = cl->text;
	int			lineno = 1;
	bool		in = false;

	while (p && *p)
	{
		const char *l = p + strspn(p, " \t");
		const char *eol = strchr(p, '\n');

		if (*l == '[')
		{
			if (in)
				break;
			in = strncmp(l, "[cluster]", 9) == 0;
		}
		else if (in && strncmp(l, "replication_user", 16) == 0 &&
				 l[16 + strspn(l + 16, " \t")] == '=')
			return lineno;
		if (!eol)
			break;
		p = eol + 1;
		lineno++;
	}
	return 0;
}

/* PostgreSQL names are at most NAMEDATALEN - 1 = 63 bytes: longer ones
 * would be cut short by the server, silently. */
static int
check_role_name(session *ctx, const char *role, pgr_error *err)
{
	if (strlen(role) <= 63)
		return 0;
	pgr_error_set(err, PGR_ERR_INPUT,
				  _("%s:%d: replication_user: the role name \"%s\" is longer than 63 bytes"),
				  ctx->cl->path ? ctx->cl->path : "?", role_key_line(ctx->cl), role);
	pgr_error_hint(err, _("PostgreSQL would cut the name short; choose a shorter one."));
	return -1;
}

static int
role_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	const char *role = role_name(ctx);
	PGconn	   *conn;
	PGresult   *res = NULL;
	role_priv  *p;
	char	   *path = NULL;
	int			rc = -1;

	if (check_role_name(ctx, role, err) < 0)
		return -1;
	conn = session_conn(ctx, s->node, err);
	if (!conn)
		return -1;
	p = pgr_calloc(1, sizeof(*p));
	s->priv = p;
	if (wanted_password(ctx, role, err) < 0)
		goto out;
	p->generate = ctx->replication_password == NULL;
	if (server_uses_md5(conn, s->node, &p->md5, err) < 0)
		goto out;
	res = query_role(conn, s->node, role, err);
	if (!res)
		goto out;

	p->exists = PQntuples(res) == 1;
	if (p->exists)
	{
		const char *verifier = pgconn_value(res, 0, 4);

		if (is_true(res, 3))
		{
			pgr_error_set(err, PGR_ERR_INPUT,
						  _("role \"%s\" on node \"%s\" is a superuser and cannot be the replication role"),
						  role, s->node->name);
			pgr_error_detail(err, _("pgreplica never gives the replication role SUPERUSER, nor takes it away from an existing role."));
			pgr_error_hint(err, _("Set replication_user in \"%s\" to another name (pgreplica creates it), or run ALTER ROLE ... NOSUPERUSER yourself."),
						   ctx->cl->path);
			goto out;
		}
		p->need_attrs = !is_true(res, 1) || !is_true(res, 2);
		p->expired = is_true(res, 5);
		if (p->generate)
			p->need_password = true;
		else if (!step_role_verifier_matches(verifier, role, ctx->replication_password))
			p->need_password = true;
		else if (!p->md5 && strncmp(verifier, "md5", 3) == 0)
			p->need_password = true;	/* move to SCRAM */
	}

	if (!p->exists || p->need_attrs || p->need_password || p->expired)
	{
		const char *shown = p->md5 ? "'md5…'" : "'SCRAM-SHA-256$…'";

		role_statement(&s->preview, conn, p, role,
					   !p->exists || p->need_password ? shown : NULL);
		strbuf_append(&s->preview, ";\n");
		path = step_role_passfile_path(ctx->cl);
		if (!p->exists)
			strbuf_appendf(&s->summary, _("will create role \"%s\" with REPLICATION LOGIN"), role);
		else if (p->need_password && p->need_attrs)
			strbuf_appendf(&s->summary, _("will give role \"%s\" REPLICATION LOGIN and a new password"), role);
		else if (p->need_password)
			strbuf_appendf(&s->summary, _("will give role \"%s\" a new password"), role);
		else
			strbuf_appendf(&s->summary, _("will give role \"%s\" REPLICATION LOGIN"), role);
		if (p->expired)
			strbuf_append(&s->summary, _("; its password has expired: it will be valid without limit"));
		if (p->generate && (!p->exists || p->need_password))
			strbuf_appendf(&s->summary, _("; a password will be generated and kept in \"%s\""), path);
		if (p->md5 && (!p->exists || p->need_password))
			strbuf_append(&s->summary, _("; the server's password_encryption is md5, so the password will be hashed with MD5"));
	}
	else
		strbuf_appendf(&s->summary, _("nothing to do: role \"%s\" has REPLICATION LOGIN and the wanted password"), role);
	rc = 0;
out:
	PQclear(res);
	free(path);
	return rc;
}

static int
role_apply(session *ctx, plan_step *s, pgr_error *err)
{
	const char *role = role_name(ctx);
	role_priv  *p = s->priv;
	PGconn	   *conn = session_conn(ctx, s->node, err);
	char	   *verifier = NULL;
	char	   *literal = NULL;
	char	   *file_pw = NULL;
	char	   *path = NULL;
	strbuf		sql;
	PGresult   *res;
	bool		in_tx = false;
	bool		passfile_ok = true;
	int			rc = -1;

	strbuf_init(&sql);
	if (!conn || !p)
	{
		if (conn)
			pgr_error_set(err, PGR_ERR_GENERIC, _("the step was not inspected before being applied"));
		goto out;
	}

	/* 1. the password, kept in the operator's passfile before anything else */
	path = step_role_passfile_path(ctx->cl);
	if (!ctx->replication_password)
	{
		ctx->replication_password = step_role_generate_password(GENERATED_PASSWORD_LEN, err);
		if (!ctx->replication_password)
			goto out;
		ctx->password_generated = true;
	}
	if (step_role_read_password(ctx->cl, role, &file_pw, err) < 0)
	{
		if (ctx->password_generated)
			goto out;
		/* the operator's own password does not need the passfile */
		session_log(ctx, s, _("warning: %s; the passfile is left as it is"),
				 err && err->message ? err->message : "?");
		pgr_error_clear(err);
		passfile_ok = false;
	}
	/*
	 * The password, generated or given, is kept in the passfile (the
	 * file never holds a stale one): every later action (follow, resync,
	 * switchover, the dashboard's keys) finds it there without the option.
	 */
	if (passfile_ok &&
		(!file_pw || strcmp(file_pw, ctx->replication_password) != 0))
	{
		if (step_role_write_password(ctx->cl, role, ctx->replication_password, err) < 0)
			goto out;
		if (ctx->password_generated)
			session_log(ctx, s, _("generated a password for role \"%s\", kept in \"%s\""), role, path);
		else
			session_log(ctx, s, _("the password of role \"%s\" is kept in \"%s\""), role, path);
	}

	/* 2. the verifier, made here: the clear password never leaves */
	if (!p->exists || p->need_password)
	{
		verifier = PQencryptPasswordConn(conn, ctx->replication_password, role, NULL);
		if (!verifier)
		{
			pgr_error_set(err, PGR_ERR_GENERIC, _("could not hash the password of role \"%s\""), role);
			pgr_error_detail(err, "%s", PQerrorMessage(conn));
			goto out;
		}
		if (strncmp(verifier, "md5", 3) == 0)
			session_log(ctx, s, _("warning: the server's password_encryption is md5: role \"%s\" gets an MD5 password; set password_encryption = 'scram-sha-256' and apply again to use SCRAM"),
					 role);
		literal = PQescapeLiteral(conn, verifier, strlen(verifier));
		if (!literal)
		{
			pgr_error_set(err, PGR_ERR_GENERIC, _("could not quote the password verifier"));
			pgr_error_detail(err, "%s", PQerrorMessage(conn));
			goto out;
		}
	}
	role_statement(&sql, conn, p, role, literal);

	/* 3. in a transaction that logs nothing (defence in depth) */
	if (pgconn_command(conn, s->node->name, "BEGIN", err) < 0)
		goto out;
	in_tx = true;
	if (pgconn_command(conn, s->node->name, "SET LOCAL log_statement = 'none'", err) < 0 ||
		pgconn_command(conn, s->node->name, "SET LOCAL log_min_duration_statement = -1", err) < 0 ||
		pgconn_command(conn, s->node->name, "SET LOCAL log_min_error_statement = 'panic'", err) < 0)
		goto out;
	res = PQexec(conn, sql.data);
	if (pgconn_check_result(res, PGRES_COMMAND_OK, -1, -1, s->node->name,
							p->exists ? "ALTER ROLE" : "CREATE ROLE", err) < 0)
	{
		PQclear(res);
		goto out;
	}
	PQclear(res);
	if (pgconn_command(conn, s->node->name, "COMMIT", err) < 0)
		goto out;
	in_tx = false;
	if (!p->exists)
		p->created = true;
	rc = 0;
out:
	if (in_tx)
	{
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
	}
	pgr_wipe(sql.data, sql.len);
	strbuf_free(&sql);
	if (verifier)
	{
		pgr_wipe(verifier, strlen(verifier));
		PQfreemem(verifier);
	}
	if (literal)
	{
		pgr_wipe(literal, strlen(literal));
		PQfreemem(literal);
	}
	pgr_free_secret(file_pw);
	free(path);
	return rc;
}

static int
role_verify(session *ctx, plan_step *s, pgr_error *err)
{
	const char *role = role_name(ctx);
	PGconn	   *conn = session_conn(ctx, s->node, err);
	PGresult   *res;
	int			rc = -1;

	if (!conn)
		return -1;
	res = query_role(conn, s->node, role, err);
	if (!res)
		return -1;
	if (PQntuples(res) != 1)
		pgr_error_set(err, PGR_ERR_GENERIC, _("role \"%s\" does not exist on node \"%s\""),
					  role, s->node->name);
	else if (!is_true(res, 1) || !is_true(res, 2) || is_true(res, 3))
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("role \"%s\" on node \"%s\" does not have REPLICATION LOGIN NOSUPERUSER"),
					  role, s->node->name);
	else if (!ctx->replication_password ||
			 !step_role_verifier_matches(pgconn_value(res, 0, 4), role,
										 ctx->replication_password))
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("the password of role \"%s\" on node \"%s\" is not the one pgreplica set"),
					  role, s->node->name);
	else
		rc = 0;
	PQclear(res);
	return rc;
}

static int
role_undo(session *ctx, plan_step *s, pgr_error *err)
{
	role_priv  *p = s->priv;
	PGconn	   *conn;
	strbuf		sql;
	int			rc;

	if (!p || !p->created)
		return 0;
	conn = session_conn(ctx, s->node, err);
	if (!conn)
		return -1;
	strbuf_init(&sql);
	strbuf_append(&sql, "DROP ROLE ");
	append_ident(&sql, conn, role_name(ctx));
	rc = pgconn_command(conn, s->node->name, sql.data, err);
	strbuf_free(&sql);
	if (rc == 0)
		p->created = false;
	return rc;
}

static const step_ops role_ops = {
	.kind = "role",
	.inspect = role_inspect,
	.apply = role_apply,
	.verify = role_verify,
	.undo = role_undo,
	.free_priv = free,
};

plan_step *
step_role_new(session *ctx, cluster_node *primary)
{
	char	   *id = pgr_asprintf("role@%s", primary->name);
	char	   *title = pgr_asprintf(_("replication role \"%s\" on %s"),
									 role_name(ctx), primary->name);
	plan_step  *s = plan_step_new(&role_ops, primary, id, title);

	free(id);
	free(title);
	return s;
}
