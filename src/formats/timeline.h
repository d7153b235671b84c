/*
 * timeline.h: a server's timeline history, and whether a node left it.
 *
 * Each promotion starts a timeline and writes its history file
 * (pg_wal/0000000N.history): one line per ancestor, "parent TLI, the LSN
 * where it was switched from, why".  The newest file holds the whole
 * lineage; each file's modification time says when its promotion happened.
 */
#ifndef PGR_TIMELINE_H
#define PGR_TIMELINE_H

#include <stdbool.h>

/* A promotion: timeline began from parent at switch_lsn. */
typedef struct status_timeline {
	int			timeline;
	int			parent;
	char	   *switch_lsn;		/* "0/3000060" */
	char	   *created;		/* its history file's modification time, ISO
								 * 8601 UTC; NULL when unknown */
} status_timeline;

/*
 * Read the text of the history file of timeline newest into *out (the
 * promotions, oldest first; *n of them).  -1 when a line cannot be read
 * (*out is then NULL and *n 0).
 */
int			timeline_parse(const char *text, int newest, status_timeline **out, int *n);
void		timeline_free(status_timeline *t, int n);

typedef enum timeline_fork {
	TIMELINE_UNKNOWN = -1,		/* no history or no position to judge by */
	TIMELINE_ON = 0,			/* on the reference's lineage (maybe behind) */
	TIMELINE_DIVERGED = 1		/* off it: a rewind or a new copy is needed */
} timeline_fork;

/*
 * Whether a node on timeline tli at lsn (its newest WAL position) is on the
 * lineage of a server on timeline ref_tli whose history is h: the same
 * timeline, or an ancestor the node has not gone past the switch point
 * of.  A later timeline, one absent from the history, or a position past
 * the switch point is a divergence.
 */
timeline_fork timeline_check(const status_timeline *h, int n, int ref_tli,
							 int tli, const char *lsn);

#endif
