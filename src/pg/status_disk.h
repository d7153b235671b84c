/*
 * status_disk.h: the room left for the primary's WAL, and how long it lasts.
 *
 * The free bytes of the file system that holds pg_wal come from the node's
 * transport (df on its host: the server cannot say it over SQL without
 * reading files a monitoring role may not read).  How fast that room goes
 * is the slope of the largest retention of the node's slots (what pg_wal
 * must keep) over recent samples; the time left is the free bytes over
 * that slope.  `status` and `check` keep their samples in a small state
 * file (one per cluster node, 0600, rewritten atomically) so that runs a
 * few minutes apart — a Nagios check — see the growth; the dashboard keeps
 * its own in memory.
 */
#ifndef PGR_STATUS_DISK_H
#define PGR_STATUS_DISK_H

#include <stdbool.h>
#include <time.h>

#include "cluster.h"
#include "report.h"
#include "transport.h"

#define STATUS_DISK_SAMPLES 64		/* kept at most */
#define STATUS_DISK_WINDOW_S 1800	/* the slope over the last 30 minutes */
#define STATUS_DISK_MIN_SPAN_S 20	/* a slope needs samples this far apart */
#define STATUS_DISK_GAP_S 30		/* samples kept at least this far apart
									 * (but the newest) */

typedef struct status_disk_sample {
	time_t		at;
	long long	retained;		/* the largest retention of the node's slots */
} status_disk_sample;

/* The samples of one node, oldest first. */
typedef struct status_disk_history {
	status_disk_sample s[STATUS_DISK_SAMPLES];
	int			n;
} status_disk_history;

/*
 * Add a sample (dropping those older than the window, and the oldest when
 * full; replacing the newest when it is less than STATUS_DISK_GAP_S after
 * the one before).  A sample older than the newest kept (a clock set back) starts the
 * history again.
 */
void		status_disk_add(status_disk_history *h, status_disk_sample s);

/*
 * Bytes per second the retention grows by: the least-squares slope of the
 * samples; NAN with fewer than two or when they span less than
 * STATUS_DISK_MIN_SPAN_S.
 */
double		status_disk_growth(const status_disk_history *h);

/* Seconds until `free_bytes` are gone at `growth` bytes/s: INFINITY when
 * not growing, NAN when either is unknown. */
double		status_disk_time_left(long long free_bytes, double growth);

/* The available bytes of `df -P -B1` output (its second line); -1 when it
 * cannot be read. */
long long	status_disk_parse_df(const char *out);

/* The free bytes of the file system of PGDATA/pg_wal (its target when it
 * is a link) on the transport's host. */
int			status_disk_free(transport *t, const char *pgdata, long long *free_bytes,
							 pgr_error *err);

/*
 * The state file of a node's samples: $XDG_STATE_HOME/pgreplica (else
 * ~/.local/state/pgreplica), named after the cluster file and the node;
 * its first line is the server's system identifier, so that a server made
 * again under the same name starts a new history.  Load reads what is
 * there (nothing, or another server's: an empty history, not an error);
 * save writes it atomically, 0600.
 */
char	   *status_disk_state_path(const cluster *c, const cluster_node *n);
void		status_disk_load(const char *path, const char *sysid,
							 status_disk_history *h);
int			status_disk_save(const char *path, const char *sysid,
							 const status_disk_history *h, pgr_error *err);

/* "45 min", "3 h 20 min", "2 d 4 h", "not growing" (translated). */
void		status_disk_format_time(double seconds, char *buf, size_t size);

#endif
