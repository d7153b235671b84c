/*
 * standby_files.c: see standby_files.h.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "fsutil.h"
#include "certs.h"
#include "i18n.h"
#include "standby_files.h"
#include "step_role.h"
#include "step_ssl.h"

char *
standby_parent_dir(const char *path)
{
	size_t		len = strlen(path);
	const char *slash;
	char	   *copy;

	while (len > 1 && path[len - 1] == '/')
		len--;
	copy = pgr_strndup(path, len);
	slash = strrchr(copy, '/');
	if (!slash)
	{
		free(copy);
		return pgr_strdup(".");
	}
	if (slash == copy)
		copy[1] = '\0';
	else
		copy[slash - copy] = '\0';
	return copy;
}

static char *
beside_pgdata(const cluster_node *n, const char *suffix)
{
	char	   *parent = standby_parent_dir(n->pgdata);
	char	   *p = pgr_asprintf("%s/.pgreplica-%s%s", parent, n->name, suffix);

	free(parent);
	return p;
}

const char *const standby_kept_files[] = {
	"postgresql.conf", "pg_hba.conf", "pg_ident.conf",
	STEP_SSL_CERT_FILE, STEP_SSL_KEY_FILE, STEP_SSL_CA_FILE, NULL
};

char *
standby_keep_dir(const cluster_node *n)
{
	return beside_pgdata(n, ".resync-kept");
}

/*
 * One command for all the files (a round trip each through SFTP cost some
 * 12 ms per file), with the guarantees of transport_write_file.  Prints the
 * name of each file copied.
 */
static const char copy_script[] =
"from=$1 to=$2\n"
"shift 2\n"
"for f; do\n"
"  [ -f \"$from/$f\" ] && [ ! -L \"$from/$f\" ] || continue\n"
"  tmp=$to/.$f.pgreplica-restore\n"
"  cp -p -- \"$from/$f\" \"$tmp\" && sync -- \"$tmp\" && mv -f -- \"$tmp\" \"$to/$f\" ||\n"
"    { rm -f -- \"$tmp\"; exit 1; }\n"
"  echo \"$f\"\n"
"done\n"
"sync -- \"$to\" 2>/dev/null\n"
"exit 0\n";

int
standby_copy_files(transport *t, const char *from, const char *to,
				   const char *const *names, strbuf *copied, pgr_error *err)
{
	transport_exec_opts o = {0};
	const char **args;
	size_t		n = 0;
	int			status;
	int			rc;

	while (names[n])
		n++;
	args = pgr_calloc(n + 3, sizeof(char *));
	args[0] = from;
	args[1] = to;
	memcpy(args + 2, names, n * sizeof(char *));
	o.timeout_ms = 60000;
	rc = transport_run_script(t, copy_script, args, &o, copied, &status, err);
	free(args);
	if (rc < 0 && status > 0)
		pgr_error_reword(err, PGR_ERR_IO, _("could not copy files from \"%s\" to \"%s\" on %s"),
						 from, to, t->label);
	return rc;
}

char *
standby_passfile_path(const cluster_node *n)
{
	return beside_pgdata(n, ".pgpass");
}

char *
standby_rootcert_path(const cluster *cl, const cluster_node *n)
{
	return cl->ssl ? beside_pgdata(n, ".root.crt") : NULL;
}

static int	read_local_file(const char *path, char **data, pgr_error *err);

bool
standby_uses_password(const cluster *cl)
{
	return cl->replication_auth != REPLICATION_AUTH_CERT;
}

static bool
uses_client_cert(const cluster *cl)
{
	return cl->ssl && cl->replication_auth != REPLICATION_AUTH_SCRAM;
}

char *
standby_sslcert_path(const cluster *cl, const cluster_node *n)
{
	return uses_client_cert(cl) ? beside_pgdata(n, ".client.crt") : NULL;
}

char *
standby_sslkey_path(const cluster *cl, const cluster_node *n)
{
	return uses_client_cert(cl) ? beside_pgdata(n, ".client.key") : NULL;
}

/*
 * The operator's copy of the certificate: best effort (the standby has its
 * own; only status's expiry date is lost without it), so a failure is a
 * warning.
 */
static void
keep_client_cert_copy(const cluster *cl, const cluster_node *n, const char *cert)
{
	char	   *path = cluster_client_cert_copy_path(cl, n->name);
	transport_write_opts wo = {.mode = 0644};
	pgr_error	e = PGR_ERROR_INIT;
	transport  *local = transport_local_open(NULL, &e);
	char	   *dir = pgr_strdup(path);
	char	   *slash = strrchr(dir, '/');

	if (slash)
		*slash = '\0';
	if (!local || pgr_mkdir_p(dir, 0700, &e) < 0 ||
		transport_write_file(local, path, cert, strlen(cert), &wo, &e) < 0)
		report_warning(_("could not keep a copy of %s's client certificate in \"%s\": %s"),
					   n->name, path, e.message ? e.message : strerror(errno));
	transport_close(local);
	pgr_error_clear(&e);
	free(dir);
	free(path);
}

int
standby_write_client_cert(transport *t, const cluster *cl, const cluster_node *n,
						  const char *certpath, const char *keypath, pgr_error *err)
{
	char	   *cert = NULL;
	char	   *key = NULL;
	transport_write_opts kwo = {.mode = 0600, .secret = true};
	transport_write_opts cwo = {.mode = 0644};
	int			rc = -1;

	if (step_ssl_issue_client(cl, &cert, &key, err) < 0)
		goto out;
	/* the key first: a certificate without its key is of no use */
	if (transport_write_file(t, keypath, key, strlen(key), &kwo, err) < 0 ||
		transport_write_file(t, certpath, cert, strlen(cert), &cwo, err) < 0)
		goto out;
	keep_client_cert_copy(cl, n, cert);
	rc = 0;
out:
	free(cert);
	pgr_free_secret(key);
	return rc;
}

int
standby_client_cert_check(transport *t, const cluster *cl, const char *certpath,
						  strbuf *why, pgr_error *err)
{
	transport_file_stat st;
	char	   *pem = NULL;
	char	   *ca_path = NULL;
	char	   *ca_pem = NULL;
	size_t		len = 0;
	certs_info	info = {0};
	certs_info	ca = {0};
	pgr_error	e = PGR_ERROR_INIT;
	int			rc = -1;

	if (transport_stat(t, certpath, &st, err) < 0)
		return -1;
	if (!st.exists)
	{
		strbuf_appendf(why, _("\"%s\" does not exist"), certpath);
		return 1;
	}
	if (transport_read_file(t, certpath, 1 << 20, &pem, &len, err) < 0)
		goto out;
	ca_path = cluster_ca_cert_path(cl);
	if (read_local_file(ca_path, &ca_pem, err) < 0)
		goto out;
	if (certs_inspect(pem, &info, &e) < 0)
	{
		strbuf_appendf(why, _("\"%s\" cannot be read: %s"), certpath, e.message);
		rc = 1;
		goto out;
	}
	if (certs_inspect(ca_pem, &ca, err) < 0)
		goto out;
	rc = 1;
	if (!info.common_name || strcmp(info.common_name, cl->replication_user) != 0)
		strbuf_appendf(why, _("\"%s\" is not for the role \"%s\""), certpath, cl->replication_user);
	else if (strcmp(info.issuer, ca.subject) != 0)
		strbuf_appendf(why, _("\"%s\" comes from another CA"), certpath);
	else if (certs_check_valid_now(pem, 0, CERTS_DEFAULT_RENEW_DAYS, &e) != 0)
	{
		char		date[16];
		struct tm	tm;

		gmtime_r(&info.not_after, &tm);
		strftime(date, sizeof(date), "%Y-%m-%d", &tm);
		strbuf_appendf(why, _("\"%s\" expires on %s"), certpath, date);
	}
	else
		rc = 0;
out:
	pgr_error_clear(&e);
	certs_info_free(&info);
	certs_info_free(&ca);
	free(pem);
	free(ca_path);
	free(ca_pem);
	return rc;
}

void
standby_pgpass_field(strbuf *sb, const char *v)
{
	for (; *v; v++)
	{
		if (*v == ':' || *v == '\\')
			strbuf_append_char(sb, '\\');
		strbuf_append_char(sb, *v);
	}
}

int
standby_replication_password(session *ctx, char **pw, pgr_error *err)
{
	const char *role = ctx->cl->replication_user;

	*pw = NULL;
	if (ctx->replication_password)
		*pw = pgr_strdup(ctx->replication_password);
	else if (ctx->opts.replication_password && ctx->opts.replication_password[0])
		*pw = pgr_strdup(ctx->opts.replication_password);
	else if (step_role_read_password(ctx->cl, role, pw, err) < 0)
		return -1;
	if (!*pw)
	{
		char	   *path = step_role_passfile_path(ctx->cl);

		pgr_error_set(err, PGR_ERR_INPUT, _("the password of the replication role \"%s\" is not known"), role);
		pgr_error_detail(err, _("It is neither in \"%s\" nor given with --replication-password-file."), path);
		pgr_error_hint(err, _("Run apply with --replication-password-file FILE."));
		free(path);
		return -1;
	}
	return 0;
}

void
standby_passfile_line(strbuf *line, const cluster *cl, const cluster_node *up,
					  const char *password)
{
	char		port[16];

	snprintf(port, sizeof(port), "%d", up->port);
	standby_pgpass_field(line, up->host);
	strbuf_append_char(line, ':');
	strbuf_append(line, port);
	strbuf_append(line, ":replication:");
	standby_pgpass_field(line, cl->replication_user);
	strbuf_append_char(line, ':');
	standby_pgpass_field(line, password);
	strbuf_append_char(line, '\n');
}

int
standby_write_passfile(transport *t, const cluster *cl, const cluster_node *up,
					   const char *path, const char *password, pgr_error *err)
{
	strbuf		line;
	transport_write_opts wo = {.mode = 0600, .secret = true};
	int			rc = -1;

	strbuf_init(&line);
	standby_passfile_line(&line, cl, up, password);
	if (transport_write_file(t, path, line.data, line.len, &wo, err) < 0)
		goto out;
	rc = 0;
out:
	pgr_wipe(line.data, line.len);
	strbuf_free(&line);
	return rc;
}

static int
read_local_file(const char *path, char **data, pgr_error *err)
{
	FILE	   *f = fopen(path, "re");
	strbuf		sb;
	char		buf[4096];
	size_t		k;

	*data = NULL;
	if (!f)
		return pgr_error_set(err, PGR_ERR_IO, _("could not open \"%s\": %s"), path, strerror(errno));
	strbuf_init(&sb);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append_len(&sb, buf, k);
	fclose(f);
	*data = strbuf_detach(&sb);
	return 0;
}

int
standby_write_rootcert(transport *t, const cluster *cl, const char *path,
					   pgr_error *err)
{
	char	   *ca;
	char	   *data = NULL;
	transport_write_opts wo = {0644, NULL, NULL};
	int			rc = -1;

	ca = cluster_ca_cert_path(cl);
	if (read_local_file(ca, &data, err) < 0)
	{
		pgr_error_hint(err, _("The SSL step makes the cluster's CA: run apply with ssl = on."));
		goto out;
	}
	if (transport_write_file(t, path, data, strlen(data), &wo, err) < 0)
		goto out;
	rc = 0;
out:
	free(ca);
	free(data);
	return rc;
}

void
standby_recovery_params(const cluster *cl, const cluster_node *n,
						const cluster_node *up, const pg_version_facts *facts,
						const char *passfile, const char *rootcert,
						const char *sslcert, const char *sslkey,
						const char *slot, recovery_params *rp)
{
	memset(rp, 0, sizeof(*rp));
	rp->facts = facts;
	rp->node = n->name;
	rp->primary_host = up->host;
	rp->primary_port = up->port;
	rp->user = cl->replication_user;
	/* cert: no passfile named, none written */
	rp->passfile = standby_uses_password(cl) ? passfile : NULL;
	rp->ssl = rootcert != NULL;
	rp->sslrootcert = rootcert;
	rp->sslcert = sslcert;
	rp->sslkey = sslkey;
	rp->slot = slot;
	rp->trigger_file = cl->trigger_file;
}

/* LINE (malloc'd, taken) to the caller's log */
static void
say(standby_log_fn log, void *arg, char *line)
{
	if (log)
		log(arg, line);
	free(line);
}

int
standby_write_recovery(transport *t, const cluster_node *n,
					   const recovery_params *rp, standby_log_fn log,
					   void *log_arg, pgr_error *err)
{
	recovery_files rf = RECOVERY_FILES_INIT;
	transport_write_opts wo = {RECOVERY_FILE_MODE, NULL, NULL};
	transport_file_stat st;
	char	   *path = NULL;
	char	   *old = NULL;
	char	   *new_text = NULL;
	size_t		len = 0;
	int			rc = -1;

	if (recovery_render(rp, &rf, err) < 0)
		goto out;
	path = pgr_asprintf("%s/%s", n->pgdata, RECOVERY_CONF_FILE);
	if (rf.recovery_conf)
	{
		if (transport_write_file(t, path, rf.recovery_conf, strlen(rf.recovery_conf), &wo, err) < 0)
			goto out;
		say(log, log_arg, pgr_asprintf(_("wrote \"%s\""), path));
		rc = 0;
		goto out;
	}
	{
		/* the server refuses to start with a recovery.conf (12 on) */
		const char *argv[] = {"rm", "-f", "--", path, NULL};
		transport_exec_opts o = {0};
		int			status;

		o.timeout_ms = 30000;
		if (transport_run_checked(t, argv, &o, NULL, &status, err) < 0)
		{
			if (status > 0)
				pgr_error_reword(err, PGR_ERR_IO, _("could not remove \"%s\" on %s"), path, t->label);
			goto out;
		}
	}
	free(path);
	path = pgr_asprintf("%s/%s", n->pgdata, RECOVERY_SIGNAL_FILE);
	if (transport_write_file(t, path, "", 0, &wo, err) < 0)
		goto out;
	say(log, log_arg, pgr_asprintf(_("wrote \"%s\""), path));
	free(path);
	path = pgr_asprintf("%s/%s", n->pgdata, RECOVERY_AUTO_CONF_FILE);
	if (transport_stat(t, path, &st, err) < 0)
		goto out;
	if (st.exists && transport_read_file(t, path, 0, &old, &len, err) < 0)
		goto out;
	if (recovery_apply_auto_conf(old, &rf, &new_text, err) < 0)
		goto out;
	if (transport_write_file(t, path, new_text, strlen(new_text), &wo, err) < 0)
		goto out;
	say(log, log_arg, pgr_asprintf(_("wrote the standby settings into \"%s\""), path));
	rc = 0;
out:
	recovery_files_free(&rf);
	free(path);
	free(old);
	free(new_text);
	return rc;
}

/*
 * After a copy, in one command (each file was a round trip of its own:
 * cp, rm, the SFTP writes and the read of postgresql.auto.conf cost some
 * 50 ms): $1 the directory of the kept files ('' for none), $2 the data
 * directory, $3 "conf" (recovery.conf, 11 and older) or "signal"
 * (standby.signal and postgresql.auto.conf), $4 the SHA-256 the copied
 * postgresql.auto.conf must have for the new text to replace it (the text
 * the settings were merged into); the kept names follow, the new file's
 * text comes on standard input (never on the command line: a
 * primary_conninfo of the upstream may hold a password).  Status 3: the
 * copied postgresql.auto.conf is not the one expected, nothing of the
 * recovery configuration written.  Files are written as
 * transport_write_file does: a temporary file, synced, renamed over the
 * target, whose mode and owner it takes (new ones 0600, the umask); the
 * kept files are copied by one cp into a directory of the data directory
 * and renamed out of it by one mv, and the syncs are one command for all
 * of them (a process costs a millisecond or two).  The kept names are
 * standby_kept_files: no blanks.
 */
static const char finish_script[] =
"from=$1 to=$2 kind=$3 sum=$4\n"
"shift 4\n"
"umask 077\n"
/* the kept files are copied into one directory, moved out of it by one mv */
"r=$to/.pgreplica-restore\n"
"trap 'rm -rf -- \"$r\" \"$to\"/*.pgreplica-tmp' EXIT\n"
"names=\n"
"if [ -n \"$from\" ]; then\n"
"  for f; do\n"
"    [ -f \"$from/$f\" ] && [ ! -L \"$from/$f\" ] && names=\"$names $f\"\n"
"  done\n"
"fi\n"
"set --\n"
"if [ -n \"$names\" ]; then\n"
"  [ ! -e \"$r\" ] || rm -rf -- \"$r\" || exit 1\n"
"  mkdir -- \"$r\" || exit 1\n"
"  for f in $names; do set -- \"$@\" \"$from/$f\"; done\n"
"  cp -p -- \"$@\" \"$r/\" || exit 1\n"
"  set --\n"
"  for f in $names; do set -- \"$@\" \"$r/$f\"; done\n"
"fi\n"
/* the recovery configuration, unless postgresql.auto.conf is not the one expected */
"rec=yes new=$to/recovery.conf\n"
"if [ \"$kind\" != conf ]; then\n"
"  new=$to/postgresql.auto.conf\n"
"  h=$(sha256sum < \"$new\" 2>/dev/null); h=${h%% *}\n"
"  [ -n \"$sum\" ] && [ \"$h\" = \"$sum\" ] || rec=\n"
"fi\n"
"tmp=$new.pgreplica-tmp\n"
"if [ -n \"$rec\" ]; then\n"
"  if [ \"$kind\" != conf ]; then\n"
"    [ ! -e \"$to/recovery.conf\" ] || rm -f -- \"$to/recovery.conf\" || exit 1\n"
"    : > \"$to/standby.signal\" || exit 1\n"
"    set -- \"$@\" \"$to/standby.signal\"\n"
"  fi\n"
/* the new file takes the mode and owner of the one it replaces (or 0600) */
"  [ ! -e \"$tmp\" ] || rm -f -- \"$tmp\" || exit 1\n"
"  [ ! -e \"$new\" ] || cp -p --attributes-only -- \"$new\" \"$tmp\" || exit 1\n"
"  cat > \"$tmp\" || exit 1\n"
"  set -- \"$@\" \"$tmp\"\n"
"fi\n"
/* one sync for every file written, then the renames, then the directory */
"[ $# -eq 0 ] || sync -- \"$@\" || exit 1\n"
"if [ -n \"$names\" ]; then\n"
"  set --\n"
"  for f in $names; do set -- \"$@\" \"$r/$f\"; done\n"
"  mv -f -- \"$@\" \"$to/\" || exit 1\n"
"  for f in $names; do echo \"$f\"; done\n"
"  rmdir -- \"$r\"\n"
"fi\n"
"if [ -n \"$rec\" ]; then\n"
"  mv -f -- \"$tmp\" \"$new\" || exit 1\n"
"  if [ \"$kind\" = conf ]; then echo @conf; else echo @signal; echo @auto; fi\n"
"fi\n"
"sync -- \"$to\" 2>/dev/null\n"
"trap - EXIT\n"
"[ -n \"$rec\" ] || exit 3\n"
"exit 0\n";

/* SHA-256 of TEXT, in hex as sha256sum prints it (65 bytes with the NUL). */
static void
sha256_hex(const char *text, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	hex[0] = '\0';
	if (EVP_Digest(text, strlen(text), md, &n, EVP_sha256(), NULL) != 1)
		return;
	for (unsigned int i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

int
standby_finish_copy(transport *t, const cluster_node *n, const char *keep_from,
					const recovery_params *rp, const char *auto_conf_before,
					strbuf *copied, standby_log_fn log, void *log_arg,
					pgr_error *err)
{
	recovery_files rf = RECOVERY_FILES_INIT;
	char	   *new_text = NULL;
	char		sum[2 * EVP_MAX_MD_SIZE + 1] = "";
	const char *argv[32];
	strbuf		out,
				errout;
	int			status = 0;
	int			k = 0;
	int			rc = -1;

	strbuf_init(&out);
	strbuf_init(&errout);
	if (recovery_render(rp, &rf, err) < 0)
		goto out;
	if (!rf.recovery_conf && auto_conf_before)
	{
		if (recovery_apply_auto_conf(auto_conf_before, &rf, &new_text, err) < 0)
			goto out;
		sha256_hex(auto_conf_before, sum);
	}
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = finish_script;
	argv[k++] = "sh";
	argv[k++] = keep_from ? keep_from : "";
	argv[k++] = n->pgdata;
	argv[k++] = rf.recovery_conf ? "conf" : "signal";
	argv[k++] = sum;
	for (const char *const *f = standby_kept_files; *f && k < 31; f++)
		argv[k++] = *f;
	argv[k] = NULL;
	{
		const char *in = rf.recovery_conf ? rf.recovery_conf : new_text ? new_text : "";

		if (transport_capture(t, argv, in, strlen(in), 60000, &status, &out, &errout, err) < 0)
			goto out;
	}
	if (status != 0 && status != 3)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not write the standby's files into \"%s\" on %s"),
					  n->pgdata, t->label);
		if (errout.len)
			pgr_error_detail(err, "%s", errout.data);
		goto out;
	}
	for (char *line = out.data, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
	{
		*nl = '\0';
		const char *file = strcmp(line, "@conf") == 0 ? RECOVERY_CONF_FILE :
			strcmp(line, "@signal") == 0 ? RECOVERY_SIGNAL_FILE :
			strcmp(line, "@auto") == 0 ? RECOVERY_AUTO_CONF_FILE : NULL;

		if (file)
		{
			char	   *path = pgr_asprintf("%s/%s", n->pgdata, file);

			if (strcmp(file, RECOVERY_AUTO_CONF_FILE) == 0)
				say(log, log_arg, pgr_asprintf(_("wrote the standby settings into \"%s\""), path));
			else
				say(log, log_arg, pgr_asprintf(_("wrote \"%s\""), path));
			free(path);
		}
		else if (copied)
			strbuf_appendf(copied, "%s\n", line);
	}
	/* postgresql.auto.conf is not the one read before: merged into the copy */
	rc = status == 3 ? standby_write_recovery(t, n, rp, log, log_arg, err) : 0;
out:
	recovery_files_free(&rf);
	free(new_text);
	strbuf_free(&out);
	strbuf_free(&errout);
	return rc;
}

#define VERSION_TIMEOUT_MS 30000

int
standby_program_major(transport *t, const char *prog, int *status, int *major,
					  strbuf *out, pgr_error *err)
{
	const char *argv[] = {prog, "--version", NULL};

	*status = 0;
	*major = 0;
	if (transport_capture(t, argv, NULL, 0, VERSION_TIMEOUT_MS, status, out, out, err) < 0)
		return -1;
	if (*status == 0)
		*major = version_program_major(out->data);
	return 0;
}
