/*
 * journal.h: the journal an apply keeps, one line per event, fsync'd as it
 * grows ("begin"/"done"/"failed" and a step id), so that an interrupted
 * apply says where it stopped; the switchover keeps one of the same format.
 */
#ifndef PGR_JOURNAL_H
#define PGR_JOURNAL_H

#include "cluster.h"
#include "report.h"

/* The step a journal says was running when apply stopped, or NULL. */
char	   *plan_journal_interrupted(const char *journal_path);
/*
 * Append "EVENT ID <unix time>" to the journal at PATH (created 0600 with
 * its directories), fsync'd before returning; NULL path: nothing.
 */
int			plan_journal_append(const char *path, const char *event, const char *id,
								pgr_error *err);
/* Default journal: $XDG_STATE_HOME/pgreplica/<cluster name>.journal. */
char	   *plan_default_journal_path(const cluster *cl);

#endif
