/*
 * journal.c: the journal of an apply (journal.h).
 *
 * The journal is a text file, one line per event, fsync'd as it grows:
 *     begin <step id> <unix time>
 *     done <step id> <unix time>
 *     failed <step id> <unix time>
 * A "begin" with no "done"/"failed" after it is a step that was running
 * when apply stopped (kill -9, lost terminal): the next apply says so and
 * starts again from there.  Steps are idempotent, so the steps before it
 * inspect as "nothing to do" and cost one look each.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "i18n.h"
#include "journal.h"

char *
plan_default_journal_path(const cluster *cl)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char	   *name = cluster_file_stem(cl);
	char	   *path;

	if (state && state[0] == '/')
		path = pgr_asprintf("%s/pgreplica/%s.journal", state, name);
	else
		path = pgr_asprintf("%s/.local/state/pgreplica/%s.journal", home && home[0] ? home : ".", name);
	free(name);
	return path;
}

int
plan_journal_append(const char *path, const char *event, const char *id,
					pgr_error *err)
{
	char		line[512];
	int			fd;
	int			len;

	if (!path)
		return 0;
	/* a directory that cannot be made shows as the open's error below */
	(void) pgr_mkdir_parent(path, 0700, NULL);
	/* a link put in its place is not followed (into a file of the operator's) */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
	{
		int			e = errno;

		pgr_error_set(err, PGR_ERR_IO, _("could not open the journal \"%s\": %s"),
					  path, strerror(e));
		if (e == ELOOP)
			pgr_error_hint(err, _("The journal is a symbolic link: pgreplica writes only to a file of its own. Remove the link."));
		return -1;
	}
	len = snprintf(line, sizeof(line), "%s %s %lld\n", event, id, (long long) time(NULL));
	if (write(fd, line, (size_t) len) != len || fsync(fd) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not write the journal \"%s\": %s"),
					  path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

char *
plan_journal_interrupted(const char *journal_path)
{
	int			fd = open(journal_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	FILE	   *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	char		line[512];
	char	   *running = NULL;

	if (!f)
	{
		if (fd >= 0)
			close(fd);
		return NULL;			/* none (or a link, which journal_write refuses) */
	}
	while (fgets(line, sizeof(line), f))
	{
		char		event[16],
					id[400];

		if (sscanf(line, "%15s %399s", event, id) != 2)
			continue;
		if (strcmp(event, "begin") == 0)
		{
			free(running);
			running = pgr_strdup(id);
		}
		else if (running && strcmp(id, running) == 0)
		{
			free(running);
			running = NULL;
		}
	}
	fclose(f);
	return running;
}
