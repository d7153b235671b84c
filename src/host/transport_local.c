/*
 * transport_local.c: the `local` transport — fork/exec and POSIX files.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libgen.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"
#include "transport.h"

extern char **environ;

#define LOCAL_MAX_READ (64 * 1024 * 1024)

/*
 * The child's environment: ours plus opts->env, built before fork() so that
 * the child only calls async-signal-safe functions (a later issue runs
 * actions on threads).
 */
static char **
build_env(const char *const *extra)
{
	int			n = 0,
				m = 0,
				i,
				j;
	char	  **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	env = pgr_calloc((size_t) (n + m + 1), sizeof(char *));
	for (i = 0, j = 0; i < n; i++)
	{
		bool		overridden = false;
		size_t		klen = strcspn(environ[i], "=");

		for (int k = 0; k < m; k++)
			if (strncmp(extra[k], environ[i], klen) == 0 && extra[k][klen] == '=')
				overridden = true;
		if (!overridden)
			env[j++] = environ[i];
	}
	for (i = 0; i < m; i++)
		env[j++] = (char *) extra[i];
	env[j] = NULL;
	return env;
}

static void
set_nonblock(int fd)
{
	int			fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void
close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* A running command: its pipes (-1 once closed) and its process group. */
typedef struct local_child
{
	int			in[2],
				out[2],
				errp[2],
				ready[2];
	pid_t		pid;
} local_child;

/*
 * Start argv with its pipes.  The child only calls async-signal-safe
 * functions: env is built before fork().
 */
static int
child_spawn(local_child *c, const char *const *argv, char **env, pgr_error *err)
{
	int			child_errno;

	if (pipe2(c->in, O_CLOEXEC) < 0 || pipe2(c->out, O_CLOEXEC) < 0 ||
		pipe2(c->errp, O_CLOEXEC) < 0 || pipe2(c->ready, O_CLOEXEC) < 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not create a pipe: %s"), strerror(errno));
		return -1;
	}
	c->pid = fork();
	if (c->pid < 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not start \"%s\": %s"), argv[0], strerror(errno));
		return -1;
	}
	if (c->pid == 0)
	{
		/* Own process group, so that a time-out kills the whole tree. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(c->in[0], STDIN_FILENO);
		dup2(c->out[1], STDOUT_FILENO);
		dup2(c->errp[1], STDERR_FILENO);
		execvpe(argv[0], (char *const *) argv, env);
		/* Tell the parent why exec failed: errno through the ready pipe. */
		child_errno = errno;
		if (write(c->ready[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(c->pid, c->pid);
	close_fd(&c->in[0]);
	close_fd(&c->out[1]);
	close_fd(&c->errp[1]);
	close_fd(&c->ready[1]);
	return 0;
}

/* exec succeeded when the close-on-exec ready pipe closes with no data. */
static int
child_check_exec(local_child *c, const char *const *argv, pgr_error *err)
{
	int			child_errno = 0;
	ssize_t		n;

	do
		n = read(c->ready[0], &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(child_errno))
		return 0;
	waitpid(c->pid, NULL, 0);
	c->pid = -1;
	pgr_error_set(err, PGR_ERR_EXEC, _("could not run \"%s\": %s"), argv[0],
				  strerror(child_errno));
	if (child_errno == ENOENT)
		pgr_error_hint(err, _("Check that the program is installed and in PATH, or give its full path."));
	return -1;
}

/* One ready pipe end served: input written, or output passed on. */
static void
child_serve(local_child *c, int fd, const transport_exec_opts *opts, size_t *written)
{
	char		buf[16384];

	if (fd == c->in[1])
	{
		ssize_t		w = write(c->in[1], opts->input + *written, opts->input_len - *written);

		if (w > 0)
			*written += (size_t) w;
		/* EPIPE: the command does not read its input; not an error. */
		if ((w < 0 && errno != EAGAIN && errno != EINTR) || *written == opts->input_len)
			close_fd(&c->in[1]);
	}
	else
	{
		int		   *fdp = fd == c->out[0] ? &c->out[0] : &c->errp[0];
		transport_stream stream = fdp == &c->out[0] ? TRANSPORT_STDOUT : TRANSPORT_STDERR;
		ssize_t		r = read(*fdp, buf, sizeof(buf));

		if (r > 0)
		{
			if (opts->output)
				opts->output(opts->output_arg, stream, buf, (size_t) r);
		}
		else if (r == 0 || (errno != EAGAIN && errno != EINTR))
			close_fd(fdp);
	}
}

/*
 * Feed the input and pass the output on until every pipe closes.  Returns 1
 * when the deadline passes first, -1 when poll() fails (the command is
 * killed), 0 else.
 */
static int
child_pump(local_child *c, const char *const *argv, const transport_exec_opts *opts,
		   long long deadline, pgr_error *err)
{
	size_t		written = 0;

	if (opts->input == NULL || opts->input_len == 0)
		close_fd(&c->in[1]);
	else
		set_nonblock(c->in[1]);
	set_nonblock(c->out[0]);
	set_nonblock(c->errp[0]);

	while (c->out[0] >= 0 || c->errp[0] >= 0 || c->in[1] >= 0)
	{
		struct pollfd pfd[3];
		int			nfds = 0;
		int			wait_ms = -1;
		int			pr;

		if (deadline)
		{
			long long	left = deadline - pgr_now_ms();

			if (left <= 0)
				return 1;
			wait_ms = (int) left;
		}
		if (c->out[0] >= 0)
			pfd[nfds++] = (struct pollfd) {c->out[0], POLLIN, 0};
		if (c->errp[0] >= 0)
			pfd[nfds++] = (struct pollfd) {c->errp[0], POLLIN, 0};
		if (c->in[1] >= 0)
			pfd[nfds++] = (struct pollfd) {c->in[1], POLLOUT, 0};
		pr = poll(pfd, (nfds_t) nfds, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
		{
			pgr_error_set(err, PGR_ERR_EXEC, _("could not wait for \"%s\": %s"), argv[0], strerror(errno));
			kill(-c->pid, SIGKILL);
			return -1;
		}
		for (int i = 0; i < nfds; i++)
			if (pfd[i].revents != 0)
				child_serve(c, pfd[i].fd, opts, &written);
	}
	return 0;
}

static void
set_timed_out(const char *const *argv, const transport_exec_opts *opts, pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("\"%s\" did not finish within %d ms and was stopped"),
				  argv[0], opts->timeout_ms);
}

/*
 * Wait for the command to end.  The pipes can close before it does (it
 * closed them, or handed them to nobody): the time limit still applies
 * while we wait.  Returns true when it had to be stopped.
 */
static bool
child_reap(local_child *c, const char *const *argv, const transport_exec_opts *opts,
		   long long deadline, int *status, pgr_error *err)
{
	bool		timed_out = false;

	for (;;)
	{
		pid_t		w = waitpid(c->pid, status, deadline ? WNOHANG : 0);

		if (w == c->pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (w == 0 && pgr_now_ms() >= deadline)
		{
			timed_out = true;
			kill(-c->pid, SIGKILL);
			set_timed_out(argv, opts, err);
			deadline = 0;
			continue;
		}
		if (w == 0)
			poll(NULL, 0, 5);
	}
	c->pid = -1;
	return timed_out;
}

/* A shell's view of how a command ended. */
static int
exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

static void
child_release(local_child *c)
{
	if (c->pid > 0)
	{
		kill(-c->pid, SIGKILL);
		waitpid(c->pid, NULL, 0);
	}
	close_fd(&c->in[0]);
	close_fd(&c->in[1]);
	close_fd(&c->out[0]);
	close_fd(&c->out[1]);
	close_fd(&c->errp[0]);
	close_fd(&c->errp[1]);
	close_fd(&c->ready[0]);
	close_fd(&c->ready[1]);
}

static int
local_exec(transport *t, const char *const *argv,
		   const transport_exec_opts *opts, int *exit_status, pgr_error *err)
{
	local_child c = {{-1, -1}, {-1, -1}, {-1, -1}, {-1, -1}, -1};
	char	  **env = build_env(opts->env);
	long long	deadline = opts->timeout_ms > 0 ? pgr_now_ms() + opts->timeout_ms : 0;
	int			pumped;
	bool		timed_out;
	int			status = 0;
	int			rc = -1;

	if (child_spawn(&c, argv, env, err) < 0 || child_check_exec(&c, argv, err) < 0)
		goto out;
	pumped = child_pump(&c, argv, opts, deadline, err);
	if (pumped > 0)
	{
		kill(-c.pid, SIGKILL);
		set_timed_out(argv, opts, err);
	}
	timed_out = child_reap(&c, argv, opts, deadline, &status, err);
	if (pumped != 0 || timed_out)
		goto out;
	*exit_status = exit_code(status);
	rc = 0;

out:
	child_release(&c);
	free(env);
	return rc;
}

static int
local_read_file(transport *t, const char *path, size_t max_size, char **data,
				size_t *len, pgr_error *err)
{
	int			fd;
	struct stat st;
	strbuf		sb;
	char		buf[65536];
	ssize_t		n;

	if (max_size == 0)
		max_size = LOCAL_MAX_READ;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return pgr_error_set(err, PGR_ERR_IO, _("could not open \"%s\" for reading: %s"),
							 path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
	{
		close(fd);
		return pgr_error_set(err, PGR_ERR_IO, _("could not read \"%s\": %s"), path, strerror(EISDIR));
	}
	strbuf_init(&sb);
	while ((n = read(fd, buf, sizeof(buf))) != 0)
	{
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			pgr_error_set(err, PGR_ERR_IO, _("could not read \"%s\": %s"), path, strerror(errno));
			goto fail;
		}
		if (sb.len + (size_t) n > max_size)
		{
			pgr_error_set(err, PGR_ERR_IO, _("file \"%s\" on %s is too large"), path, t->label);
			goto fail;
		}
		strbuf_append_len(&sb, buf, (size_t) n);
	}
	close(fd);
	*len = sb.len;
	*data = strbuf_detach(&sb);
	strbuf_free(&sb);
	return 0;
fail:
	close(fd);
	strbuf_free(&sb);
	return -1;
}

/* Owner and group for a new file from names; -1 where not given. */
static int
resolve_owner(const transport_write_opts *opts, uid_t *uid, gid_t *gid,
			  pgr_error *err)
{
	*uid = (uid_t) -1;
	*gid = (gid_t) -1;
	if (opts->owner)
	{
		struct passwd *pw = getpwnam(opts->owner);

		if (pw)
		{
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
		}
		else if (opts->owner[strspn(opts->owner, "0123456789")] == '\0' && opts->owner[0])
			*uid = (uid_t) strtoul(opts->owner, NULL, 10);
		else
			return pgr_error_set(err, PGR_ERR_INPUT, _("unknown user \"%s\""), opts->owner);
	}
	if (opts->group)
	{
		struct group *gr = getgrnam(opts->group);

		if (gr)
			*gid = gr->gr_gid;
		else if (opts->group[strspn(opts->group, "0123456789")] == '\0' && opts->group[0])
			*gid = (gid_t) strtoul(opts->group, NULL, 10);
		else
			return pgr_error_set(err, PGR_ERR_INPUT, _("unknown group \"%s\""), opts->group);
	}
	return 0;
}

static int
write_all(int fd, const char *data, size_t len)
{
	while (len > 0)
	{
		ssize_t		w = write(fd, data, len);

		if (w < 0)
		{
			if (errno == EINTR)
				continue;
			return -1;
		}
		data += w;
		len -= (size_t) w;
	}
	return 0;
}

static int
local_write_file(transport *t, const char *path, const void *data, size_t len,
				 const transport_write_opts *opts, pgr_error *err)
{
	char	   *pathcopy = pgr_strdup(path);
	char	   *pathcopy2 = pgr_strdup(path);
	const char *dir = dirname(pathcopy);
	const char *base = basename(pathcopy2);
	char	   *tmp = pgr_asprintf("%s/.%s.pgreplica-XXXXXX", dir, base);
	struct stat old;
	bool		have_old;
	mode_t		mode;
	uid_t		uid;
	gid_t		gid;
	int			fd = -1;
	int			dfd;
	int			rc = -1;

	have_old = stat(path, &old) == 0;
	if (have_old && !S_ISREG(old.st_mode))
	{
		pgr_error_set(err, PGR_ERR_IO, _("\"%s\" is not a regular file"), path);
		goto out;
	}
	if (have_old)
	{
		mode = opts->secret ? 0600 : old.st_mode & 07777;
		uid = old.st_uid;
		gid = old.st_gid;
	}
	else
	{
		mode = opts->secret || !opts->mode ? 0600 : opts->mode;
		if (resolve_owner(opts, &uid, &gid, err) < 0)
			goto out;
	}

	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not create a temporary file in \"%s\": %s"),
					  dir, strerror(errno));
		goto out;
	}
	/* Mode and owner before any byte is written: a secret is never exposed. */
	if (uid == geteuid())
		uid = (uid_t) -1;
	if (gid == getegid())
		gid = (gid_t) -1;
	if (fchmod(fd, mode) < 0 ||
		((uid != (uid_t) -1 || gid != (gid_t) -1) && fchown(fd, uid, gid) < 0))
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not set the owner and mode of \"%s\": %s"),
					  tmp, strerror(errno));
		pgr_error_hint(err, _("Keeping the owner of a file needs the rights of its owner or of root."));
		goto out;
	}
	if (write_all(fd, data, len) < 0 || fsync(fd) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\": %s"), path, strerror(errno));
		if (errno == ENOSPC)
			pgr_error_hint(err, _("The file system is full: free some space and try again; the old file is unchanged."));
		goto out;
	}
	if (close(fd) < 0)
	{
		fd = -1;
		pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\": %s"), path, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not rename \"%s\" to \"%s\": %s"),
					  tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* Make the rename itself durable. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0)
	{
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp && rc != 0)
		unlink(tmp);
	free(tmp);
	free(pathcopy);
	free(pathcopy2);
	return rc;
}

static int
local_stat(transport *t, const char *path, transport_file_stat *st, pgr_error *err)
{
	struct stat s;

	memset(st, 0, sizeof(*st));
	if (lstat(path, &s) < 0)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return pgr_error_set(err, PGR_ERR_IO, _("could not read the status of \"%s\": %s"),
							 path, strerror(errno));
	}
	st->exists = true;
	st->is_dir = S_ISDIR(s.st_mode);
	st->is_reg = S_ISREG(s.st_mode);
	st->is_link = S_ISLNK(s.st_mode);
	st->mode = s.st_mode & 07777;
	st->uid = s.st_uid;
	st->gid = s.st_gid;
	st->size = (long long) s.st_size;
	st->mtime = s.st_mtime;
	return 0;
}

static void
local_close(transport *t)
{
	free(t->label);
	free(t->become);
	free(t);
}

static const transport_ops local_ops = {
	.name = "local",
	.exec = local_exec,
	.read_file = local_read_file,
	.write_file = local_write_file,
	.stat = local_stat,
	.close = local_close,
};

transport *
transport_local_open(const transport_options *opts, pgr_error *err)
{
	transport  *t = pgr_calloc(1, sizeof(*t));

	t->ops = &local_ops;
	t->label = pgr_strdup("local");
	t->become = opts && opts->become ? pgr_strdup(opts->become) : NULL;
	/*
	 * Becoming the account one already runs as is running as it: no sudo
	 * (which may not be installed, or may ask for a password).
	 */
	if (t->become)
	{
		struct passwd *pw = getpwnam(t->become);

		if (pw && pw->pw_uid == geteuid())
		{
			free(t->become);
			t->become = NULL;
		}
	}
	return t;
}
