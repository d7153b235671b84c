/*
 * monitor.h: the monitoring engine behind the dashboard (no curses here).
 *
 * One long-lived connection per node (pgconn.h, read-only session), made
 * once and kept: a healthy node is never reconnected between refreshes.  At
 * every refresh each node that is idle gets ONE query (one PQsendQuery: the
 * statements of status_query(), the text chosen once per connection from the
 * server's version facts).  Results are
 * read with status_parse() and judged with status_evaluate(), the same code
 * as `pgreplica status`.
 *
 * The monitor never blocks: the caller puts monitor_pollfds()' descriptors
 * in its own poll() (next to the terminal's and its pipes), waits at most
 * monitor_timeout_ms(), then calls monitor_handle() with what poll()
 * reported.  A node that does not answer delays nobody else: after the
 * refresh interval it is shown as "not answering"; after its hard limit its
 * connection is dropped and made again, with a back-off (0.5 s doubling up
 * to 5 s, forever) so that a server restart is outlasted.
 *
 * State changes (node down/up, role, streaming lost/regained, timeline) are
 * recorded as events with their time, for the event log; a node going down
 * or answering again is also told to the cluster's event_command (hooks.h).
 */
#ifndef PGR_MONITOR_H
#define PGR_MONITOR_H

#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "cluster.h"
#include "pgconn.h"
#include "status.h"
#include "status_disk.h"

#define MONITOR_INTERVAL_MIN 0.5
#define MONITOR_INTERVAL_MAX 60.0
#define MONITOR_HISTORY 120		/* samples kept per node (sparkline) */
#define MONITOR_EVENTS 500		/* events kept (oldest dropped) */
#define MONITOR_DISK_EVERY_S 30	/* the primary's free space for pg_wal is
								 * read this often (through its transport) */

/* ---- pure helpers (unit-tested) ------------------------------------------- */

/* A ring of the last MONITOR_HISTORY lag samples of a node. */
typedef struct monitor_sample {
	time_t		at;
	long long	lag_bytes;		/* -1: unknown */
	double		lag_s;			/* NAN: unknown or idle */
} monitor_sample;

typedef struct monitor_history {
	monitor_sample s[MONITOR_HISTORY];
	int			head;			/* where the next one goes */
	int			count;
} monitor_history;

void		monitor_history_push(monitor_history *h, monitor_sample s);
/* The i-th sample, 0 the oldest kept; NULL when i is out of range. */
const monitor_sample *monitor_history_get(const monitor_history *h, int i);

/* How a node looks against the thresholds. */
typedef enum monitor_level {
	MONITOR_OK,					/* streaming, within the thresholds (green) */
	MONITOR_WARN,				/* catching up, or lag over a threshold */
	MONITOR_BAD					/* down, not answering, not streaming (red) */
} monitor_level;

/*
 * answered: the node answered its last query; standby: the cluster file
 * makes it one; state: its WAL sender's state on its upstream (NULL: no
 * row); lag_bytes -1 and lag_s NAN when unknown.
 */
monitor_level monitor_classify(bool answered, bool standby, const char *state,
							   long long lag_bytes, double lag_s,
							   long long warn_bytes, double warn_s);


/* ---- the engine ------------------------------------------------------------- */

typedef enum monitor_conn {
	MONITOR_CONNECTING,			/* first connection not made yet */
	MONITOR_UP,					/* answered its last query */
	MONITOR_DOWN				/* connection failed or lost; retrying */
} monitor_conn;

/* A slot as status reads it (standby: the node using it, or NULL). */
typedef status_slot monitor_slot;

typedef struct monitor_node {
	const cluster_node *node;	/* in monitor->cl */
	node_status *st;			/* in monitor->status.nodes */
	pgconn		pc;
	char	   *query;			/* chosen at connect, per version */
	monitor_conn conn;
	bool		busy;			/* a query was sent, no answer yet */
	int64_t		sent_ms;		/* when it was sent */
	bool		not_answering;	/* busy or connecting for longer than the
								 * refresh interval, or timed out */
	int64_t		retry_ms;		/* DOWN: next connection attempt */
	double		backoff_s;
	time_t		last_answer;	/* 0: never */
	pgr_error	error;			/* DOWN: why */
	bool		down_announced; /* event_command told node_down; node_up
								 * is told when it answers again */

	/* views into st (status_parse() reads them), for the dashboard */
	bool		replay_paused;
	const char *sync_standby_names;	/* "" when unset; NULL: not known */
	const monitor_slot *slots;
	int			n_slots;

	/*
	 * The primary's room for WAL: the free space is read with df through
	 * the node's transport on a thread of its own (never the caller's: an
	 * SSH connection takes its time), every MONITOR_DISK_EVERY_S; the
	 * retention is sampled at every answer.  The results land in st
	 * (wal_disk_*), where status_evaluate() judges them.
	 */
	struct monitor_disk *disk;	/* the probe under way, or NULL */
	char	   *patroni;		/* what Patroni's REST API answered on the
								 * node's host (the last probe), or NULL */
	int64_t		disk_next_ms;	/* when to read the free space again */
	status_disk_history disk_history;

	/* derived after each answer */
	long long	lag_bytes;		/* behind its upstream; -1: unknown */
	double		lag_s;			/* replay lag in time; NAN: unknown/idle */
	monitor_level level;
	monitor_history history;
} monitor_node;

typedef struct monitor_event {
	time_t		at;
	char	   *node;			/* NULL: about the cluster */
	bool		bad;			/* a loss (shown in red) */
	char	   *text;			/* translated sentence */
} monitor_event;

typedef struct monitor {
	cluster    *cl;				/* owned */
	cluster_status status;		/* one node_status per node */
	monitor_node *nodes;
	int			n_nodes;
	double		interval_s;
	bool		paused;
	int64_t		next_refresh_ms;
	long long	refreshes;		/* refresh ticks so far */
	long long	connections;	/* connection attempts so far */
	bool		changed;		/* something to redraw */

	monitor_event events[MONITOR_EVENTS];	/* ring */
	int			ev_head;
	int			n_events;

	/* poll() bookkeeping: fds[i] belongs to nodes[fd_node[i]] */
	int		   *fd_node;
} monitor;

/* Watch the nodes of cl (the monitor owns it from now on). */
monitor    *monitor_new(cluster *cl, double interval_s);
void		monitor_free(monitor *m);

/* Another cluster file (after an action changed roles): connections are
 * made again; the event log is kept.  m owns cl. */
void		monitor_replace_cluster(monitor *m, cluster *cl);

/* Clamped to [MONITOR_INTERVAL_MIN, MONITOR_INTERVAL_MAX]. */
void		monitor_set_interval(monitor *m, double interval_s);
/* Paused: no new queries (answers already asked for still arrive). */
void		monitor_set_paused(monitor *m, bool paused);

/*
 * Fill fds (room for at least m->n_nodes) with what to wait for; returns
 * how many.  Pass the same array, with revents, to monitor_handle().
 */
int			monitor_pollfds(monitor *m, struct pollfd *fds);
/* Milliseconds until the monitor has something to do (refresh, deadline,
 * retry); never more than the interval. */
int			monitor_timeout_ms(const monitor *m);
/* Move every node on; returns true when what is shown changed. */
bool		monitor_handle(monitor *m, const struct pollfd *fds, int nfds);

/* Add an event of the caller's (an action's progress, its outcome). */
void		monitor_note(monitor *m, const char *node, bool bad, const char *text);
/* Events, 0 the oldest kept. */
const monitor_event *monitor_event_get(const monitor *m, int i);

/* The node answering as primary (the cluster file's first), or NULL. */
const monitor_node *monitor_primary(const monitor *m);

/* The cluster's primary has synchronous_standby_names set and no standby
 * connected as sync or quorum: its commits wait (offer drop to async). */
bool		monitor_sync_blocked(const monitor *m);

#endif
