/*
 * fsutil.c: directories on this machine (see fsutil.h).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "i18n.h"

int
pgr_mkdir_p(const char *dir, mode_t mode, pgr_error *err)
{
	char	   *p;
	int			rc = 0;

	if (dir[0] == '\0')
		return 0;
	p = pgr_strdup(dir);
	/* each prefix that ends at a '/' (the root skipped), then dir itself */
	for (char *s = p + 1;; s++)
	{
		char		c;

		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
		{
			rc = pgr_error_set(err, PGR_ERR_IO, _("could not create the directory \"%s\": %s"),
							   p, strerror(errno));
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

int
pgr_mkdir_parent(const char *path, mode_t mode, pgr_error *err)
{
	char	   *dir = pgr_strdup(path);
	char	   *slash = strrchr(dir, '/');
	int			rc = 0;

	if (slash && slash != dir)
	{
		*slash = '\0';
		rc = pgr_mkdir_p(dir, mode, err);
	}
	free(dir);
	return rc;
}
