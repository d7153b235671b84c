/*
 * fsutil.h: directories on this machine (the operator's side: the cluster
 * file's directory, the journal, the CA, the password file).  Files on a
 * node's host go through transport.h instead.
 */
#ifndef PGR_FSUTIL_H
#define PGR_FSUTIL_H

#include <sys/types.h>

#include "report.h"

/*
 * mkdir -p: create `dir` and its missing parents with `mode` (existing
 * ones are left as they are).  -1 with err filled when one cannot be
 * created.
 */
int			pgr_mkdir_p(const char *dir, mode_t mode, pgr_error *err);
/* The same for the directory that holds the file `path` (none: nothing). */
int			pgr_mkdir_parent(const char *path, mode_t mode, pgr_error *err);

#endif
