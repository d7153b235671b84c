/*
 * cluster_lock.c: the cluster file's lock (see cluster_lock.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "cluster_lock.h"
#include "i18n.h"

#define LOCK_SUFFIX ".lock"
#define MAX_LOCK_TEXT 4096

struct cluster_lock
{
	int			fd;
	char	   *path;
	bool		on_file;		/* the cluster file itself is locked (its
								 * directory is not writable): nothing is
								 * ever written into it */
};

/* "<file>.lock" beside the file a symbolic link names (malloc'd). */
static char *
lock_path(const char *path)
{
	char	   *real = realpath(path, NULL);
	char	   *p = pgr_asprintf("%s" LOCK_SUFFIX, real ? real : path);

	free(real);
	return p;
}

/* The value of "key=" in the lock file's text, printable (malloc'd) or NULL. */
static char *
field(const char *text, const char *key)
{
	size_t		klen = strlen(key);
	const char *p = text;

	while (*p)
	{
		size_t		n = strcspn(p, "\n");

		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=')
		{
			char	   *out = pgr_strndup(p + klen + 1, n - klen - 1);

			for (char *c = out; *c; c++)
				if ((unsigned char) *c < 0x20 || *c == 0x7f)
					*c = '?';
			return out;
		}
		p += n;
		if (*p == '\n')
			p++;
	}
	return NULL;
}

/* Refused: say who holds the lock, from what it wrote into the file. */
static void
refuse(int fd, const char *path, const char *lpath, pgr_error *err)
{
	char		buf[MAX_LOCK_TEXT + 1];
	ssize_t		got = pread(fd, buf, MAX_LOCK_TEXT, 0);
	char	   *pid,
			   *cmd,
			   *since;

	buf[got > 0 ? got : 0] = '\0';
	pid = field(buf, "pid");
	cmd = field(buf, "command");
	since = field(buf, "since");
	pgr_error_set(err, PGR_ERR_REFUSED,
				  _("another pgreplica process is acting on the cluster of \"%s\""), path);
	if (pid && cmd && since)
		pgr_error_detail(err, _("Process %s (\"%s\") has held its lock \"%s\" since %s."),
						 pid, cmd, lpath, since);
	else
		pgr_error_detail(err, _("It holds the lock \"%s\" and has not said yet who it is."), lpath);
	pgr_error_hint(err, "%s",
				   _("Only one action at a time changes a cluster: wait until that one ends (the lock goes with its process), then try again."));
	free(pid);
	free(cmd);
	free(since);
}

/* Write who holds the lock (best effort: the lock holds without it). */
static void
write_holder(int fd, const char *what)
{
	char		since[32] = "?";
	char	   *text;
	time_t		now = time(NULL);
	struct tm	tm;
	size_t		len;

	if (gmtime_r(&now, &tm))
		strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm);
	text = pgr_asprintf("pid=%ld\ncommand=%s\nsince=%s\n", (long) getpid(), what, since);
	len = strlen(text);
	if (ftruncate(fd, 0) == 0 && pwrite(fd, text, len, 0) == (ssize_t) len)
		(void) fsync(fd);
	free(text);
}

cluster_lock *
cluster_lock_take(const char *path, const char *what, pgr_error *err)
{
	char	   *lpath = lock_path(path);
	cluster_lock *l;
	int			fd;

	/* 0644: it says only which process acts, and readers need it */
	fd = open(lpath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 && (errno == EACCES || errno == EROFS) &&
		access(lpath, F_OK) != 0)
	{
		/*
		 * The directory is not ours to write (a cluster file an
		 * administrator keeps in /etc, read by an operator who may apply
		 * but not rename it): lock the file itself.  Whoever can write the
		 * directory could replace the file under this lock, but that is
		 * not this process, which cannot save it either.  Who holds such a
		 * lock cannot be written down.
		 */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0)
		{
			while (flock(fd, LOCK_EX | LOCK_NB) < 0)
			{
				if (errno == EINTR)
					continue;
				if (errno == EWOULDBLOCK)
				{
					pgr_error_set(err, PGR_ERR_REFUSED,
								  _("another pgreplica process is acting on the cluster of \"%s\""), path);
					pgr_error_hint(err, "%s",
								   _("Only one action at a time changes a cluster: wait until that one ends (the lock goes with its process), then try again."));
				}
				else
					pgr_error_set(err, PGR_ERR_IO, _("could not lock \"%s\": %s"), path, strerror(errno));
				close(fd);
				free(lpath);
				return NULL;
			}
			l = pgr_malloc(sizeof(*l));
			l->fd = fd;
			l->path = lpath;
			l->on_file = true;
			return l;
		}
	}
	if (fd < 0)
	{
		int			e = errno;

		pgr_error_set(err, PGR_ERR_IO, _("could not open lock file \"%s\": %s"),
					  lpath, strerror(e));
		pgr_error_hint(err, _("pgreplica locks the cluster file while it changes it: the directory of \"%s\" must be writable."),
					   path);
		free(lpath);
		return NULL;
	}
	while (flock(fd, LOCK_EX | LOCK_NB) < 0)
	{
		int			e = errno;

		if (e == EINTR)
			continue;
		if (e == EWOULDBLOCK)
			refuse(fd, path, lpath, err);
		else
			pgr_error_set(err, PGR_ERR_IO, _("could not lock \"%s\": %s"), lpath, strerror(e));
		close(fd);
		free(lpath);
		return NULL;
	}
	write_holder(fd, what);
	l = pgr_malloc(sizeof(*l));
	l->fd = fd;
	l->path = lpath;
	l->on_file = false;
	return l;
}

void
cluster_lock_release(cluster_lock *l)
{
	if (!l)
		return;
	/* emptied first: whoever reads it next finds no stale holder */
	if (!l->on_file)
		(void) ftruncate(l->fd, 0);
	close(l->fd);				/* and with it the lock */
	free(l->path);
	free(l);
}
