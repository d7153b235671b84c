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

static int
local_exec(transport *t, const char *const *argv,
		   const transport_exec_opts *opts, int *exit_status, pgr_error *err)
{
	int			in[2] = {-1, -1},
				out[2] = {-1, -1},
				errp[2] = {-1, -1},
				ready[2] = {-1, -1};
	char	  **env = NULL;
	pid_t		pid = -1;
	size_t		written = 0;
	long long	deadline = opts->timeout_ms > 0 ? pgr_now_ms() + opts->timeout_ms : 0;
	bool		timed_out = false;
	bool		failed = false;
	int			status = 0;
	int			child_errno = 0;
	int			rc = -1;
	char		buf[16384];

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 ||
		pipe2(errp, O_CLOEXEC) < 0 || pipe2(ready, O_CLOEXEC) < 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not create a pipe: %s"), strerror(errno));
		goto out;
	}
	env = build_env(opts->env);

	pid = fork();
	if (pid < 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not start \"%s\": %s"), argv[0], strerror(errno));
		goto out;
	}
	if (pid == 0)
	{
		/* Own process group, so that a time-out kills the whole tree. */
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		dup2(errp[1], STDERR_FILENO);
		execvpe(argv[0], (char *const *) argv, env);
		/* Tell the parent why exec failed: errno through the ready pipe. */
		child_errno = errno;
		if (write(ready[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	setpgid(pid, pid);
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&errp[1]);
	close_fd(&ready[1]);

	/* exec succeeded when the close-on-exec ready pipe closes with no data. */
	{
		ssize_t		n;

		do
			n = read(ready[0], &child_errno, sizeof(child_errno));
		while (n < 0 && errno == EINTR);
		if (n == sizeof(child_errno))
		{
			waitpid(pid, NULL, 0);
			pid = -1;
			pgr_error_set(err, PGR_ERR_EXEC, _("could not run \"%s\": %s"), argv[0],
						  strerror(child_errno));
			if (child_errno == ENOENT)
				pgr_error_hint(err, _("Check that the program is installed and in PATH, or give its full path."));
			goto out;
		}
	}

	if (opts->input == NULL || opts->input_len == 0)
		close_fd(&in[1]);
	else
		set_nonblock(in[1]);
	set_nonblock(out[0]);
	set_nonblock(errp[0]);

	while (out[0] >= 0 || errp[0] >= 0 || in[1] >= 0)
	{
		struct pollfd pfd[3];
		int			nfds = 0;
		int			wait_ms = -1;
		int			pr;

		if (deadline)
		{
			long long	left = deadline - pgr_now_ms();

			if (left <= 0)
			{
				timed_out = true;
				break;
			}
			wait_ms = (int) left;
		}
		if (out[0] >= 0)
			pfd[nfds++] = (struct pollfd)
		{
			out[0], POLLIN, 0
		};
		if (errp[0] >= 0)
			pfd[nfds++] = (struct pollfd)
		{
			errp[0], POLLIN, 0
		};
		if (in[1] >= 0)
			pfd[nfds++] = (struct pollfd)
		{
			in[1], POLLOUT, 0
		};
		pr = poll(pfd, (nfds_t) nfds, wait_ms);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr < 0)
		{
			pgr_error_set(err, PGR_ERR_EXEC, _("could not wait for \"%s\": %s"), argv[0], strerror(errno));
			kill(-pid, SIGKILL);
			failed = true;
			goto reap;
		}
		for (int i = 0; i < nfds; i++)
		{
			if (pfd[i].revents == 0)
				continue;
			if (pfd[i].fd == in[1])
			{
				ssize_t		w = write(in[1], opts->input + written, opts->input_len - written);

				if (w > 0)
					written += (size_t) w;
				/* EPIPE: the command does not read its input; not an error. */
				if ((w < 0 && errno != EAGAIN && errno != EINTR) || written == opts->input_len)
					close_fd(&in[1]);
			}
			else
			{
				int		   *fdp = pfd[i].fd == out[0] ? &out[0] : &errp[0];
				transport_stream stream = fdp == &out[0] ? TRANSPORT_STDOUT : TRANSPORT_STDERR;
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
	}

	if (timed_out)
	{
		kill(-pid, SIGKILL);
		pgr_error_set(err, PGR_ERR_TIMEOUT, _("\"%s\" did not finish within %d ms and was stopped"),
					  argv[0], opts->timeout_ms);
	}

reap:
	/*
	 * The pipes can close before the command ends (it closed them, or handed
	 * them to nobody): the time limit still applies while we wait.
	 */
	for (;;)
	{
		pid_t		w = waitpid(pid, &status, deadline ? WNOHANG : 0);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			break;
		if (w == 0 && pgr_now_ms() >= deadline)
		{
			timed_out = true;
			kill(-pid, SIGKILL);
			pgr_error_set(err, PGR_ERR_TIMEOUT, _("\"%s\" did not finish within %d ms and was stopped"),
						  argv[0], opts->timeout_ms);
			deadline = 0;
			continue;
		}
		if (w == 0)
			poll(NULL, 0, 5);
	}
	pid = -1;
	if (timed_out || failed)
		goto out;
	if (WIFEXITED(status))
		*exit_status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		*exit_status = 128 + WTERMSIG(status);
	else
		*exit_status = 255;
	rc = 0;

out:
	if (pid > 0)
	{
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	close_fd(&in[0]);
	close_fd(&in[1]);
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&errp[0]);
	close_fd(&errp[1]);
	close_fd(&ready[0]);
	close_fd(&ready[1]);
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
