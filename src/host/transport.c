/*
 * transport.c: what every transport shares: opening by spec, `become`
 * (sudo -n -u ACCOUNT), capture, checked runs, backup.  It calls the
 * backends through their ops table; the backends never call back into it
 * (the shell quoting they need is in shquote.c).
 *
 * With `become`, the login account is not the one that must own the files
 * (typically: log in as an admin, act as postgres).  SFTP cannot change
 * identity, so file operations then go through small POSIX sh scripts run
 * with sudo; their arguments are passed as positional parameters, never
 * pasted into the script text.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "trace.h"
#include "transport.h"

/* ---- opening -------------------------------------------------------------- */

transport *
transport_open(const char *spec, const transport_options *opts, pgr_error *err)
{
	if (spec == NULL || spec[0] == '\0')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no transport given"));
		pgr_error_hint(err, _("Use \"local\" or an SSH target such as postgres@db1:22."));
		return NULL;
	}
	{
		int64_t		t0 = trace_start();
		transport  *t = strcmp(spec, "local") == 0 ? transport_local_open(opts, err)
			: transport_ssh_open(spec, opts, err);

		trace_done(t0, "open %s%s", spec, t ? "" : " (failed)");
		return t;
	}
}

void
transport_close(transport *t)
{
	if (t)
		t->ops->close(t);
}

/* ---- become: sudo -n -u ACCOUNT ---------------------------------------- */

/*
 * argv with "sudo -n -u ACCOUNT --" in front when the transport has a
 * `become` account; otherwise argv itself.  sudo clears the environment
 * (env_reset), so the command's extra variables (env, never secrets) go
 * after it through env(1): "sudo -n -u ACCOUNT -- env NAME=value... argv".
 * *owned is what to free; *env_out is the environment left to give the
 * transport (NULL once it has moved behind sudo).
 */
static const char *const *
become_argv(transport *t, const char *const *argv, const char *const *env,
			const char ***owned, const char *const **env_out)
{
	int			n = 0;
	int			m = 0;
	int			k = 0;
	const char **v;

	*owned = NULL;
	*env_out = env;
	if (!t->become)
		return argv;
	while (argv[n])
		n++;
	while (env && env[m])
		m++;
	v = pgr_calloc((size_t) n + (size_t) m + 7, sizeof(char *));
	v[k++] = "sudo";
	v[k++] = "-n";
	v[k++] = "-u";
	v[k++] = t->become;
	v[k++] = "--";
	if (m > 0)
	{
		v[k++] = "env";
		memcpy(v + k, env, (size_t) m * sizeof(char *));
		k += m;
	}
	memcpy(v + k, argv, (size_t) n * sizeof(char *));
	*owned = v;
	*env_out = NULL;
	return v;
}

int
transport_exec(transport *t, const char *const *argv,
			   const transport_exec_opts *opts, int *exit_status,
			   pgr_error *err)
{
	transport_exec_opts o = {0};
	const char **owned;
	const char *const *v;
	int64_t		t0 = trace_start();
	int			rc;

	if (opts)
		o = *opts;
	v = become_argv(t, argv, o.env, &owned, &o.env);
	rc = t->ops->exec(t, v, &o, exit_status, err);
	trace_done(t0, "exec %s: %s", t->label, argv[0]);
	free(owned);
	return rc;
}

typedef struct capture {
	strbuf	   *out;
	strbuf	   *err;
} capture;

static void
capture_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	capture    *c = arg;
	strbuf	   *sb = stream == TRANSPORT_STDOUT ? c->out : c->err;

	if (sb)
		strbuf_append_len(sb, data, len);
}

int
transport_capture(transport *t, const char *const *argv,
				  const char *input, size_t input_len, int timeout_ms,
				  int *exit_status, strbuf *out, strbuf *errout, pgr_error *err)
{
	capture		c = {out, errout};
	transport_exec_opts o = {0};

	o.output = capture_output;
	o.output_arg = &c;
	o.input = input;
	o.input_len = input_len;
	o.timeout_ms = timeout_ms;
	return transport_exec(t, argv, &o, exit_status, err);
}

/* ---- checked runs ------------------------------------------------------ */

/* How much of a failed command's standard error goes into the detail. */
#define CHECKED_STDERR_MAX 2000

typedef struct checked_run {
	const transport_exec_opts *user;	/* the caller's output callback */
	strbuf	   *out;
	strbuf		errtail;		/* the last bytes of stderr only */
} checked_run;

static void
checked_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	checked_run *c = arg;

	if (c->user->output)
		c->user->output(c->user->output_arg, stream, data, len);
	if (stream == TRANSPORT_STDOUT)
	{
		if (c->out)
			strbuf_append_len(c->out, data, len);
		return;
	}
	/* A chatty command must not fill the memory: keep the end, it says why. */
	strbuf_append_len(&c->errtail, data, len);
	if (c->errtail.len > 2 * CHECKED_STDERR_MAX)
	{
		size_t		drop = c->errtail.len - CHECKED_STDERR_MAX;

		memmove(c->errtail.data, c->errtail.data + drop, CHECKED_STDERR_MAX + 1);
		c->errtail.len = CHECKED_STDERR_MAX;
	}
}

char *
transport_text_tail(const char *s, size_t len)
{
	if (len > CHECKED_STDERR_MAX)
	{
		const char *nl;

		s += len - CHECKED_STDERR_MAX;
		nl = strchr(s, '\n');
		if (nl && nl[1])
			s = nl + 1;
		len = strlen(s);
	}
	while (len > 0 && (*s == '\n' || *s == '\r' || *s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == '\r' ||
					   s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return pgr_strndup(s, len);
}

int
transport_run_checked(transport *t, const char *const *argv,
					  const transport_exec_opts *opts, strbuf *out,
					  int *exit_status, pgr_error *err)
{
	transport_exec_opts none = {0};
	transport_exec_opts o;
	checked_run c;
	int			status = -1;
	int			rc;

	c.user = opts ? opts : &none;
	c.out = out;
	strbuf_init(&c.errtail);
	o = *c.user;
	o.output = checked_output;
	o.output_arg = &c;
	rc = transport_exec(t, argv, &o, &status, err);
	if (rc < 0)
		status = -1;
	else if (status != 0)
	{
		char	   *detail = transport_text_tail(c.errtail.data, c.errtail.len);

		rc = pgr_error_set(err, PGR_ERR_EXEC, _("the command \"%s\" failed on %s with exit status %d"),
						   argv[0], t->label, status);
		if (detail[0])
			pgr_error_detail(err, "%s", detail);
		free(detail);
	}
	if (exit_status)
		*exit_status = status;
	strbuf_free(&c.errtail);
	return rc;
}

int
transport_run_script(transport *t, const char *script, const char *const *args,
					 const transport_exec_opts *opts, strbuf *out,
					 int *exit_status, pgr_error *err)
{
	size_t		nargs = 0;
	const char **argv;
	int			rc;

	while (args && args[nargs])
		nargs++;
	argv = pgr_calloc(nargs + 5, sizeof(char *));
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = script;
	argv[3] = "sh";				/* $0 */
	if (nargs)
		memcpy(argv + 4, args, nargs * sizeof(char *));
	rc = transport_run_checked(t, argv, opts, out, exit_status, err);
	free(argv);
	return rc;
}

/*
 * Run a helper script through sudo for a file operation.  The script gets
 * its operands as "$1", "$2"…: `sh -c SCRIPT sh ARG…`.
 */
static int
become_script(transport *t, const char *script, const char *const *args,
			  const char *input, size_t input_len, strbuf *out,
			  const char *path, pgr_error *err)
{
	transport_exec_opts o = {0};
	int			status;
	int			rc;

	o.input = input;
	o.input_len = input_len;
	o.timeout_ms = 60000;
	rc = transport_run_script(t, script, args, &o, out, &status, err);
	if (rc < 0 && status > 0)
	{
		pgr_error_reword(err, PGR_ERR_IO, _("could not access \"%s\" on %s as %s"),
						 path, t->label, t->become);
		if (err && !err->detail)
			pgr_error_detail(err, _("The command exited with status %d."), status);
		pgr_error_hint(err, _("Check that sudo lets the login account run commands as %s without a password (sudo -n)."),
					   t->become);
	}
	return rc;
}

static const char become_read_script[] = "exec cat -- \"$1\"";

/*
 * Atomic replace as the `become` account: temp file next to the target,
 * mode and owner copied from the old file if there is one, sync, rename.
 * mktemp makes the file 0600, so a secret ($4 not empty) is 0600 before its
 * first byte, and stays so whatever the old file's mode.
 */
static const char become_write_script[] =
"set -e\n"
"dir=$(dirname -- \"$1\"); base=$(basename -- \"$1\")\n"
"tmp=$(mktemp \"$dir/.$base.pgreplica-XXXXXX\")\n"
"trap 'rm -f -- \"$tmp\"' EXIT\n"
"mode=$2; [ -z \"$4\" ] || mode=0600\n"
"cat > \"$tmp\"\n"
"if [ -e \"$1\" ]; then\n"
"  if [ -z \"$4\" ]; then chmod --reference=\"$1\" -- \"$tmp\"; fi\n"
"  chown --reference=\"$1\" -- \"$tmp\" 2>/dev/null || true\n"
"else\n"
"  chmod \"$mode\" -- \"$tmp\"\n"
"  if [ -n \"$3\" ]; then chown -- \"$3\" \"$tmp\"; fi\n"
"fi\n"
"sync -- \"$tmp\" 2>/dev/null || sync\n"
"mv -f -- \"$tmp\" \"$1\"\n"
"trap - EXIT\n"
"sync -- \"$dir\" 2>/dev/null || true\n";

static const char become_stat_script[] =
"if [ -e \"$1\" ] || [ -L \"$1\" ]; then exec stat -c '%F|%a|%u|%g|%s|%Y' -- \"$1\"; fi\n"
"echo missing\n";

static int
file_read_file(transport *t, const char *path, size_t max_size,
		  char **data, size_t *len, pgr_error *err)
{
	strbuf		out;
	const char *args[] = {path, NULL};

	if (!t->become)
		return t->ops->read_file(t, path, max_size, data, len, err);
	strbuf_init(&out);
	if (become_script(t, become_read_script, args, NULL, 0, &out, path, err) < 0)
	{
		strbuf_free(&out);
		return -1;
	}
	if (max_size == 0)
		max_size = 64 * 1024 * 1024;
	if (out.len > max_size)
	{
		strbuf_free(&out);
		return pgr_error_set(err, PGR_ERR_IO, _("file \"%s\" on %s is too large"),
							 path, t->label);
	}
	*len = out.len;
	*data = strbuf_detach(&out);
	strbuf_free(&out);
	return 0;
}

static int
write_resolved(transport *t, const char *path, const void *data,
		   size_t len, const transport_write_opts *opts,
		   pgr_error *err)
{
	transport_write_opts none = {0};
	char		mode[16];
	char	   *owner;
	const char *args[5];
	int			rc;

	if (!opts)
		opts = &none;
	if (!t->become)
		return t->ops->write_file(t, path, data, len, opts, err);

	snprintf(mode, sizeof(mode), "%o", (unsigned) (opts->mode ? opts->mode : 0600));
	if (opts->owner && opts->group)
		owner = pgr_asprintf("%s:%s", opts->owner, opts->group);
	else if (opts->group)
		owner = pgr_asprintf(":%s", opts->group);
	else
		owner = pgr_strdup(opts->owner ? opts->owner : "");
	args[0] = path;
	args[1] = mode;
	args[2] = owner;
	args[3] = opts->secret ? "secret" : "";
	args[4] = NULL;
	rc = become_script(t, become_write_script, args, data, len, NULL, path, err);
	free(owner);
	return rc;
}

static int file_stat(transport *t, const char *path, transport_file_stat *st,
					 pgr_error *err);

/*
 * A file that is a symbolic link (a configuration file kept in /etc and
 * linked from the data directory, Debian's conf.d) is written where the
 * link leads: the atomic replace renames over the target, so the link
 * stays a link and its target gets the new text, rather than a regular
 * file taking the link's place while the target keeps the old text.
 * `readlink -f` on the file's host resolves every level (and names the
 * file a dangling link would create).
 */
static int
file_write_file(transport *t, const char *path, const void *data,
				size_t len, const transport_write_opts *opts,
				pgr_error *err)
{
	transport_file_stat st;
	const char *argv[] = {"readlink", "-f", "--", path, NULL};
	transport_exec_opts o = {0};
	strbuf		out;
	int			status;
	int			rc;

	if (opts && opts->replace_link)
		return write_resolved(t, path, data, len, opts, err);
	if (file_stat(t, path, &st, err) < 0)
		return -1;
	if (!st.is_link)
		return write_resolved(t, path, data, len, opts, err);
	strbuf_init(&out);
	o.timeout_ms = 30000;
	rc = transport_run_checked(t, argv, &o, &out, &status, err);
	if (rc < 0 && status > 0)
		pgr_error_reword(err, PGR_ERR_IO, _("could not resolve the symbolic link \"%s\" on %s"),
						 path, t->label);
	else if (rc == 0 && (out.len < 2 || out.data[0] != '/'))
		rc = pgr_error_set(err, PGR_ERR_IO, _("could not resolve the symbolic link \"%s\" on %s"),
						   path, t->label);
	if (rc == 0)
	{
		out.data[strcspn(out.data, "\n")] = '\0';
		rc = write_resolved(t, out.data, data, len, opts, err);
	}
	strbuf_free(&out);
	return rc;
}

static int
file_stat(transport *t, const char *path, transport_file_stat *st,
		  pgr_error *err)
{
	strbuf		out;
	const char *args[] = {path, NULL};
	char		type[64];
	unsigned	mode, uid, gid;
	long long	size, mtime;
	int			rc = -1;

	memset(st, 0, sizeof(*st));
	if (!t->become)
		return t->ops->stat(t, path, st, err);

	strbuf_init(&out);
	if (become_script(t, become_stat_script, args, NULL, 0, &out, path, err) < 0)
		goto out;
	if (strncmp(out.data, "missing", 7) == 0)
	{
		st->exists = false;
		rc = 0;
		goto out;
	}
	/* "%F" may contain spaces ("regular empty file"): read up to '|'. */
	if (sscanf(out.data, "%63[^|]|%o|%u|%u|%lld|%lld", type, &mode, &uid, &gid,
			   &size, &mtime) != 6)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not read the status of \"%s\" on %s"),
					  path, t->label);
		pgr_error_detail(err, _("Unexpected output from stat: %s"), out.data);
		goto out;
	}
	st->exists = true;
	st->is_dir = strcmp(type, "directory") == 0;
	st->is_link = strcmp(type, "symbolic link") == 0;
	st->is_reg = strstr(type, "regular") != NULL;
	st->mode = (mode_t) mode;
	st->uid = (uid_t) uid;
	st->gid = (gid_t) gid;
	st->size = size;
	st->mtime = (time_t) mtime;
	rc = 0;
out:
	strbuf_free(&out);
	return rc;
}

int
transport_backup(transport *t, const char *path, char **backup_path,
				 pgr_error *err)
{
	char		stamp[32];
	char		uidbuf[16];
	char		gidbuf[16];
	time_t		now = time(NULL);
	struct tm	tm;
	char	   *data = NULL;
	size_t		len = 0;
	transport_file_stat st;
	transport_write_opts wo = {0};
	char	   *copy = NULL;
	int			rc = -1;

	*backup_path = NULL;
	if (transport_stat(t, path, &st, err) < 0)
		return -1;
	if (!st.exists)
		return pgr_error_set(err, PGR_ERR_IO, _("cannot back up \"%s\" on %s: no such file"),
							 path, t->label);
	if (transport_read_file(t, path, 0, &data, &len, err) < 0)
		return -1;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	copy = pgr_asprintf("%s.pgreplica-%s", path, stamp);
	/* Two backups in the same second: never overwrite the first one. */
	for (int i = 1;; i++)
	{
		transport_file_stat bst;

		if (transport_stat(t, copy, &bst, err) < 0)
			goto out;
		if (!bst.exists)
			break;
		free(copy);
		copy = pgr_asprintf("%s.pgreplica-%s-%d", path, stamp, i);
	}
	/* Same mode, owner and group as the original (numeric: same host). */
	snprintf(uidbuf, sizeof(uidbuf), "%u", (unsigned) st.uid);
	snprintf(gidbuf, sizeof(gidbuf), "%u", (unsigned) st.gid);
	wo.mode = st.mode;
	wo.owner = uidbuf;
	wo.group = gidbuf;
	if (transport_write_file(t, copy, data, len, &wo, err) < 0)
		goto out;
	*backup_path = copy;
	copy = NULL;
	rc = 0;
out:
	free(copy);
	free(data);
	return rc;
}

int
transport_read_file(transport *t, const char *path, size_t max_size,
					char **data, size_t *len, pgr_error *err)
{
	int64_t		t0 = trace_start();
	int			rc = file_read_file(t, path, max_size, data, len, err);

	trace_done(t0, "read %s: %s", t->label, path);
	return rc;
}

int
transport_write_file(transport *t, const char *path, const void *data,
					 size_t len, const transport_write_opts *opts,
					 pgr_error *err)
{
	int64_t		t0 = trace_start();
	int			rc = file_write_file(t, path, data, len, opts, err);

	trace_done(t0, "write %s: %s", t->label, path);
	return rc;
}

int
transport_stat(transport *t, const char *path, transport_file_stat *st,
			   pgr_error *err)
{
	int64_t		t0 = trace_start();
	int			rc = file_stat(t, path, st, err);

	trace_done(t0, "stat %s: %s", t->label, path);
	return rc;
}
