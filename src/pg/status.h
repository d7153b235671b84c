/*
 * status.h: the state of every node of a cluster, collected in parallel.
 *
 * status_collect() connects to every node at once (pgconn.h), each with
 * its own time limit, and asks each one thing in ONE round trip: a
 * multi-statement query (status_query()) whose results status_parse()
 * reads.  status_evaluate() then compares what was seen with the cluster
 * file and decides the health:
 *
 *   STATUS_ERROR (2)     no node answers as primary, several do, or the
 *                        cluster's primary cannot be reached or checked;
 *   STATUS_DEGRADED (1)  a standby of the cluster file cannot be reached,
 *                        is not in recovery, has no "streaming" row on its
 *                        upstream (matched by application_name = node
 *                        name), is a copy of another cluster (system
 *                        identifier), or a node's role is not the one the
 *                        cluster file gives;
 *   STATUS_HEALTHY (0)   otherwise.
 *
 * The monitoring engine reuses status_query(), status_parse() and
 * status_evaluate() on its own long-lived connections.
 */
#ifndef PGR_STATUS_H
#define PGR_STATUS_H

#include <stdbool.h>
#include <time.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "report.h"
#include "status_disk.h"
#include "strbuf.h"
#include "timeline.h"
#include "version.h"

typedef enum status_health {
	STATUS_HEALTHY = 0,
	STATUS_DEGRADED = 1,
	STATUS_ERROR = 2
} status_health;

typedef enum status_role {
	STATUS_ROLE_UNKNOWN,		/* the node did not answer */
	STATUS_ROLE_PRIMARY,		/* not in recovery */
	STATUS_ROLE_STANDBY			/* in recovery */
} status_role;

/* A row of pg_stat_replication on a node (a WAL sender). */
typedef struct status_replication {
	char	   *application_name;
	char	   *client_addr;	/* NULL: unix socket */
	char	   *state;			/* "streaming", "catchup", "startup",
								 * "backup", "stopping" */
	char	   *sent_lsn;		/* NULL when unknown, as all below */
	char	   *write_lsn;
	char	   *flush_lsn;
	char	   *replay_lsn;
	bool		has_lag_bytes;
	long long	lag_bytes;		/* the sender's current LSN - replay_lsn */
	double		write_lag_s;	/* NAN when unknown */
	double		flush_lag_s;
	double		replay_lag_s;
	char	   *sync_state;		/* "async", "sync", "potential", "quorum" */
	char	   *reply_time;		/* ISO 8601 UTC; NULL (servers < 12) */
	char	   *backend_xmin;	/* the xmin the standby holds back here
								 * (hot_standby_feedback); NULL: none */
	long long	backend_xmin_age;	/* its age in transactions; -1: none */
} status_replication;

/* The node's WAL receiver (pg_stat_wal_receiver), on a standby. */
typedef struct status_wal_receiver {
	char	   *status;			/* "streaming", "starting", "waiting", ... */
	char	   *sender_host;	/* NULL when unknown (servers < 11) */
	int			sender_port;	/* 0 when unknown */
	char	   *slot_name;		/* NULL: none */
	int			received_tli;	/* 0 when unknown */
	char	   *last_msg_receipt; /* ISO 8601 UTC or NULL */
	double		last_msg_age_s;	/* seconds since then; NAN when unknown */
} status_wal_receiver;

/* A row of pg_replication_slots. */
typedef struct status_slot {
	char	   *name;
	char	   *type;			/* "physical", "logical" */
	bool		active;
	char	   *restart_lsn;	/* NULL when none */
	long long	retained_bytes; /* WAL kept for it, from restart_lsn to what
								 * the node has; -1: unknown */
	char	   *wal_status;		/* NULL (servers < 13) */
	long long	safe_wal_size;	/* -1: unknown or unlimited */
	char	   *inactive_since; /* ISO 8601 UTC (servers >= 17), else NULL */
	const char *standby;		/* status_evaluate(): the cluster file's node
								 * using it, or NULL (orphaned) */
} status_slot;

/* pg_stat_archiver, and the WAL files waiting to be archived. */
typedef struct status_archiver {
	bool		enabled;		/* archive_mode is on or always */
	long long	archived_count;
	char	   *last_archived_wal;	/* NULL: none yet */
	char	   *last_archived_time; /* ISO 8601 UTC */
	long long	failed_count;
	char	   *last_failed_wal;
	char	   *last_failed_time;
	long long	ready_count;	/* .ready files; -1: unknown (servers < 12) */
} status_archiver;

typedef struct node_status {
	const cluster_node *node;	/* in the cluster given to status_collect */
	bool		reachable;		/* the connection was made */
	bool		answered;		/* and the status query answered */
	pgr_error	error;			/* set when !answered */
	double		elapsed_s;		/* time taken to answer or fail */

	/* what the node answered (answered == true) */
	status_role role;
	int			server_version_num;
	char	   *server_version; /* server_version, e.g. "15.8 (Debian …)" */
	char	   *system_identifier;	/* decimal, as text */
	int			timeline;		/* 0 when unknown */
	char	   *current_lsn;	/* primary: pg_current_wal_lsn() */
	char	   *receive_lsn;	/* standby: pg_last_wal_receive_lsn() */
	char	   *replay_lsn;		/* standby: pg_last_wal_replay_lsn() */
	char	   *last_replay;	/* pg_last_xact_replay_timestamp(), ISO */
	status_wal_receiver *wal_receiver;	/* NULL: none running */
	bool		replay_paused;	/* a standby whose replay is paused */
	char	   *sync_standby_names; /* "" when unset */
	char	   *max_slot_wal_keep_size; /* as SHOW prints it ("-1": no
										 * limit); NULL (servers < 13) */
	bool		hot_standby_feedback;
	long long	recovery_conflicts; /* standby: queries cancelled by
									 * recovery conflicts (sum of
									 * pg_stat_database_conflicts); -1 on a
									 * primary */
	char	   *manager;		/* the cluster manager running the node:
								 * "patroni", "repmgr", "pg_auto_failover";
								 * NULL: none seen */
	char	   *manager_evidence;	/* what gave it away, e.g. "extension
									 * repmgr" (not translated: names of
									 * server objects) */
	status_slot *slots;			/* its replication slots */
	int			n_slots;
	status_archiver archiver;
	bool		superuser;		/* the connection's role is a superuser (what
								 * it may read: the history below) */
	status_timeline *history;	/* the promotions its timeline descends
								 * from, oldest first */
	int			n_history;
	bool		history_known;	/* the history files could be read */
	timeline_fork fork;			/* status_evaluate(): on the lineage of the
								 * primary's timeline, or diverged */
	/*
	 * The primary's room for WAL (status_disk.h): the free bytes of the
	 * file system of pg_wal, read through the node's transport, and the
	 * time until they are gone at the growth of its slots' retention.
	 */
	bool		wal_disk_known;	/* wal_disk_free was read */
	long long	wal_disk_free;
	bool		wal_disk_rate_known;	/* enough samples for a slope */
	double		wal_disk_growth;	/* bytes per second (<= 0: not growing) */
	double		wal_disk_time_left;	/* seconds; INFINITY: not growing */
	char	   *wal_disk_error;	/* why it could not be read (translated),
								 * NULL */
	status_replication *replication;	/* its WAL senders */
	int			n_replication;

	/*
	 * Filled by status_evaluate(): this node's row on its upstream (the
	 * node it follows per the cluster file) and that upstream's name.
	 */
	const status_replication *upstream_row;
	const char *upstream_name;

	/*
	 * The status connection itself (verify-full with the cluster's CA, else
	 * the operator's PGSSLMODE, libpq's default "prefer": see pgconn.h):
	 * set once connected (reachable), by
	 * status_node_set_ssl().
	 */
	bool		ssl_known;		/* false: not connected */
	bool		ssl;			/* the connection uses SSL */
	char	   *ssl_cert_expires;	/* the server certificate's notAfter,
									 * ISO 8601 UTC; NULL without SSL */
	char	   *client_cert_expires;	/* replication_auth = cert or
										 * scram+cert: when the standby's
										 * client certificate (the operator's
										 * copy) expires, ISO 8601 UTC; NULL
										 * otherwise or when unknown */
} node_status;

typedef struct status_problem {
	status_health severity;		/* DEGRADED or ERROR */
	const char *code;			/* stable: see the JSON schema in README.md */
	const char *node;			/* NULL when about the whole cluster */
	char	   *message;		/* translated sentence */
} status_problem;

typedef struct cluster_status {
	const cluster *cluster;
	time_t		checked_at;
	double		timeout_s;
	node_status *nodes;			/* in the cluster file's order */
	int			n_nodes;
	status_health health;
	int			timeline_ref;	/* status_evaluate(): the node whose timeline
								 * history the others are judged by (the
								 * primary on the latest timeline); -1: none */
	status_problem *problems;
	int			n_problems;
} cluster_status;

/*
 * Collect the state of every node of c, all at once, each node given at
 * most timeout_s seconds (connection and query).  Never fails as a whole:
 * a node that cannot be reached has its error set.  Health and problems
 * are evaluated.  c must outlive the result.
 */
cluster_status *status_collect(const cluster *c, double timeout_s);
/*
 * Then the primary's room for WAL (status_disk_measure() on each node, an
 * SSH session to the primary), health evaluated again: for status and
 * check, not for the actions' quick look.
 */
void		status_collect_disk(cluster_status *st);
void		status_free(cluster_status *st);

/* The status query for a server of these facts: several statements, one
 * round trip; superuser: the connection's role is one (it may look at
 * files in the data directory).  malloc'd. */
char	   *status_query(const pg_version_facts *facts, bool superuser);
/* Fill ns from the results of status_query(); -1 with err set if they are
 * not what was expected. */
int			status_parse(node_status *ns, PGresult *const *results, int n,
						 pgr_error *err);
/* Record whether a connected node's connection uses SSL, and when the
 * certificate its server presented expires. */
void		status_node_set_ssl(node_status *ns, PGconn *conn);
/* Forget what a node answered (not its error). */
void		status_node_reset(node_status *ns);
/* Compute upstream rows, problems and health from the nodes' states. */
void		status_evaluate(cluster_status *st);

/* "healthy", "degraded", "error": for JSON (not translated). */
/* 0 bytes behind: a time lag is then the primary's idleness, not a delay. */
bool		status_lag_idle(const status_replication *r);
/* Archiving is on and its last attempt failed (archive_command fails). */
bool		status_archiver_failing(const status_archiver *a);

/* status_disk.c: read the free space of the primary's pg_wal through its
 * transport (at most timeout_s to connect), add a retention sample to the
 * node's state file and compute the time left.  Only for an answered
 * primary whose node has "ssh" and "pgdata"; failures are kept in
 * ns->wal_disk_error. */
void		status_disk_measure(const cluster *c, node_status *ns, double timeout_s);
/* Ask Patroni's REST API on the node's host (port: the cluster's
 * patroni_port; 0: not asked) and, when it answers, record it as the node's
 * manager (status_patroni.h). */
void		status_patroni_apply(node_status *ns, int port, int timeout_ms);
/* The node's manager and its evidence (taken over, malloc'd). */
void		status_set_manager(node_status *ns, const char *manager, char *evidence);
/* The largest WAL retention of a node's slots (0 without any). */
long long	status_max_retained(const node_status *ns);
/* From a node's samples (status_disk.h): its growth and time left
 * (wal_disk_free read). */
void		status_disk_judge(node_status *ns, const status_disk_history *h);

/* status_prom.c: the status in Prometheus' text exposition format */
void		status_format_prometheus(const cluster_status *st, strbuf *sb);

const char *status_health_name(status_health h);
/* "primary", "standby", NULL: for JSON (not translated). */
const char *status_role_name(status_role r);

#endif
