/*
 * pgconn.h: libpq connections to the nodes of a cluster.
 *
 * Every connection pgreplica opens to a node goes through here, so that all
 * of them are made the same way:
 *
 * - keyword/value arrays with expand_dbname = 0, so that a host, user or
 *   database name taken from the cluster file can never smuggle in other
 *   conninfo keywords;
 * - host, port, user (the node's dbuser), dbname (the node's dbname),
 *   connect_timeout, application_name=pgreplica, options "-c
 *   search_path=pg_catalog" and, for read-only sessions, "-c
 *   default_transaction_read_only=on";
 * - the server is authenticated whenever pgreplica can: when the cluster
 *   file says ssl = on and the cluster's CA certificate exists on this
 *   machine (cluster_ca_cert_path: the operator's ssl_ca, or pgreplica's
 *   own CA once the SSL step made it), every session uses
 *   sslmode=verify-full with that CA, whatever PGSSLMODE says (a
 *   verify-full session is the most PGSSLMODE can ask for); with
 *   pgreplica's own CA, which signs nothing but the nodes' certificates, a
 *   node that fails verify-full is tried once more with verify-ca (a
 *   standby serving the certificate pg_basebackup copied from its
 *   primary: follow and resync replace it), unless PGSSLMODE says
 *   verify-full.  Otherwise
 *   pgreplica passes no sslmode nor sslrootcert at all: the operator's
 *   PGSSLMODE, PGSSLROOTCERT and service file decide, and are never
 *   lowered.  Such a session may not be verified: where libpq knows
 *   require_auth (16 and later) it gets require_auth=!password unless the
 *   operator set one, so that whoever answers on the node's address
 *   cannot ask for the password in clear text; with an older libpq,
 *   pgconn_trust_warning() is what the plan tells the operator;
 * - everything else is libpq's default: the password comes from PGPASSFILE
 *   or ~/.pgpass, PGSERVICE etc. still apply.  A password is never passed
 *   on a command line nor kept by pgreplica.
 *
 * The connection itself is a small state machine driven by the caller's
 * poll() loop, so that many nodes can be connected to and queried at once,
 * each with its own deadline, and a node that does not answer delays nobody
 * but itself:
 *
 *     pgconn_init()  ->  pgconn_start()  ->  CONNECTING
 *     CONNECTING  --socket ready-->  pgconn_handle()  ->  READY | FAILED
 *     READY  --pgconn_send()-->  BUSY  --pgconn_handle()-->  DONE | FAILED
 *     DONE: the results are in pc->results; pgconn_send() again for more.
 *
 * pgconn_poll_fd() gives the descriptor and events to wait for,
 * pgconn_deadline() when to give up; pgconn_wait() is such a loop for
 * callers (the status command) that have nothing else to wait for.  The
 * dashboard puts the same descriptors in its own poll() next to the
 * terminal's.
 *
 * Connection errors are classified from libpq's state, never from message
 * text (libpq's messages are translated):
 *   PGR_ERR_TIMEOUT  the deadline ran out (connecting or waiting for results)
 *   PGR_ERR_AUTH     SQLSTATE 28P01 (invalid_password) or 28000
 *                    (invalid_authorization_specification: no pg_hba.conf
 *                    entry, rejected), or libpq needed a password it had
 *                    not got, or the server refused after asking for one
 *   PGR_ERR_CONNECT  anything else: refused, no route, name resolution,
 *                    SSL, server starting up or shutting down, ...
 * The message names the node, host and port, the detail is libpq's message,
 * the hint says what to check.
 *
 * Host names are resolved by libpq (getaddrinfo) when the connection starts,
 * which blocks; a numeric address, as the cluster file normally has, does
 * not.
 */
#ifndef PGR_PGCONN_H
#define PGR_PGCONN_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "cluster.h"
#include "report.h"
#include "version.h"

typedef struct pgconn_options {
	bool		read_only;		/* default_transaction_read_only=on */
	const char *sslmode;		/* NULL: the cluster's (see above) */
	const char *sslrootcert;	/* with sslmode: the CA to verify against */
} pgconn_options;

typedef enum pgconn_state {
	PGCONN_IDLE,				/* not started, or closed */
	PGCONN_CONNECTING,
	PGCONN_READY,				/* connected, no query running */
	PGCONN_BUSY,				/* a query was sent, results are coming */
	PGCONN_DONE,				/* every result of the query was read */
	PGCONN_FAILED				/* see err; the connection is closed */
} pgconn_state;

typedef struct pgconn {
	/* the node, copied: the caller's cluster may go away */
	char	   *node_name;
	char	   *host;
	int			port;
	char	   *user;
	char	   *dbname;
	char	   *trusted_ca;		/* verify-full against this CA; NULL: the
								 * operator's settings (see above) */

	PGconn	   *conn;
	pgconn_state state;
	PostgresPollingStatusType polling;	/* last PQconnectPoll() answer */
	bool		flushing;		/* the query is not all sent yet */
	double		limit_s;		/* the time limit given (for messages) */
	int64_t		deadline_ms;	/* give up then (monotonic); 0: never */
	bool		verifying;		/* started with verify-full and trusted_ca */
	bool		own_ca;			/* trusted_ca is pgreplica's own CA */
	bool		chain_only;		/* own CA, retried with verify-ca (pgconn.c) */
	bool		read_only;		/* as started */

	PGresult  **results;		/* DONE: every result of the last query */
	int			n_results;
	int			cap_results;

	pgr_error	err;			/* FAILED: why */
} pgconn;

/*
 * A password typed by the operator (the wizard's prompt) for connections
 * to HOST:PORT as USER: kept in this process's memory only, and given to
 * libpq as the "password" keyword, before PGPASSFILE and ~/.pgpass are
 * looked at.  NULL or "" forgets it.  Set it before connections are made
 * from other threads (it is not locked).
 */
void		pgconn_set_password(const char *host, int port, const char *user,
								const char *password);
/* Forget every password set above (wiping them). */
void		pgconn_forget_passwords(void);

/*
 * Where the servers' notices (NOTICE, WARNING: "terminating connection
 * because of ..." when a server shuts down) go for every connection made
 * from now on: fn(arg, message) with libpq's message, or libpq's default
 * (standard error) when fn is NULL.  A screen owned by curses sets one:
 * anything written to the terminal behind curses' back scrolls it.  fn may
 * be called from any thread that uses a connection.
 */
typedef void (*pgconn_notice_fn) (void *arg, const char *message);
void		pgconn_set_notice_handler(pgconn_notice_fn fn, void *arg);

/* pgr_now_ms() (clock.h) plus a number of seconds: a deadline. */
int64_t		pgconn_deadline_after(double seconds);

/*
 * Zero pc and copy what is needed of node and of its cluster (cl: how the
 * server is verified, see above; NULL only before there is a cluster: the
 * operator's settings then).
 */
void		pgconn_init(pgconn *pc, const cluster *cl, const cluster_node *node);

/*
 * The CA certificate sessions to cl's nodes are verified against
 * (malloc'd), or NULL when there is none: ssl = off, or no CA yet.
 */
char	   *pgconn_trusted_ca(const cluster *cl);

/*
 * NULL when every session to cl's nodes authenticates the server (the
 * cluster's CA, or the operator's own PGSSLMODE=verify-ca/verify-full),
 * else a translated paragraph saying that they are not verified and what
 * that means (malloc'd): the plan shows it.
 */
char	   *pgconn_trust_warning(const cluster *cl);

/*
 * Start connecting without blocking (apart from name resolution).  Returns
 * 0, or -1 with state FAILED and pc->err set.  The connection must be made
 * within timeout_s seconds from now (0: no limit).
 */
int			pgconn_start(pgconn *pc, const pgconn_options *opt, double timeout_s);

/*
 * Send a query (several statements separated by ';' are fine: each gives
 * one result) on a READY or DONE connection; earlier results are freed.
 * Every result must be in within timeout_s seconds from now; 0 keeps the
 * deadline of pgconn_start(), so that connection and query share one time
 * limit.  Returns 0, or -1 with state FAILED.
 */
int			pgconn_send(pgconn *pc, const char *query, double timeout_s);

/* CONNECTING or BUSY: waiting for the network. */
bool		pgconn_waiting(const pgconn *pc);

/*
 * What to wait for: sets *fd and returns POLLIN and/or POLLOUT, or returns
 * 0 (and *fd = -1) when the connection is not waiting.
 */
short		pgconn_poll_fd(const pgconn *pc, int *fd);

/* The deadline of a waiting connection (0: none). */
int64_t		pgconn_deadline(const pgconn *pc);

/*
 * Move the connection on after poll(): revents are the events poll()
 * reported for pgconn_poll_fd()'s descriptor (0 when it reported nothing:
 * then only the deadline is checked).  Returns the new state.
 */
pgconn_state pgconn_handle(pgconn *pc, short revents);

/*
 * One poll() over the connections that are waiting (NULL entries are
 * skipped), for at most timeout_ms (-1: until something happens or the
 * earliest deadline), then pgconn_handle() on each.  Returns how many are
 * still waiting.  A caller that sends a query as soon as a connection is
 * READY loops on this.
 */
int			pgconn_poll_once(pgconn *const *pcs, int n, int timeout_ms);

/*
 * Poll until none of the connections is waiting any more (each ends READY,
 * DONE or FAILED by its own deadline).
 */
void		pgconn_wait(pgconn *const *pcs, int n);

/* Close the connection, free the results and the error; back to IDLE. */
void		pgconn_close(pgconn *pc);
/* pgconn_close() and free the copied node fields. */
void		pgconn_free(pgconn *pc);

/*
 * The version facts of a connected node's server, or NULL with err set
 * (and a hint naming the supported versions) when pgreplica does not
 * support it.
 */
const pg_version_facts *pgconn_version_facts(const pgconn *pc, pgr_error *err);
/* The connection's role is a superuser (the server's is_superuser). */
bool		pgconn_is_superuser(PGconn *conn);

/*
 * Check a result: status must be exactly `expected`, the number of rows
 * `ntuples` (-1: any) and of columns `nfields` (-1: any).  `what` names the
 * query in the message (a short description or the SQL itself).  On error
 * returns -1 with err set: PGR_ERR_SQL and err->sqlstate from
 * PG_DIAG_SQLSTATE when the server reported an error, else PGR_ERR_GENERIC.
 */
int			pgconn_check_result(const PGresult *res, ExecStatusType expected,
								int ntuples, int nfields,
								const char *node_name, const char *what,
								pgr_error *err);

/*
 * Blocking helpers for step-by-step work (setup, actions):
 * pgconn_connect() connects (timeout_s: 0 means no limit) and returns a
 * connection the caller owns (PQfinish), or NULL with err set;
 * pgconn_exec() runs one statement and checks its result like
 * pgconn_check_result() (the caller PQclear()s it), or returns NULL.
 */
PGconn	   *pgconn_connect(const cluster *cl, const cluster_node *node,
						   const pgconn_options *opt, double timeout_s,
						   pgr_error *err);
PGresult   *pgconn_exec(PGconn *conn, const char *node_name, const char *sql,
						ExecStatusType expected, int ntuples, int nfields,
						pgr_error *err);

/*
 * The first column of the first row of a one-column query with $1..
 * parameters, malloc'd into *value (NULL when there is no row or the value
 * is SQL NULL).
 */
int			pgconn_query_value(PGconn *conn, const char *node_name, const char *sql,
							   int nparams, const char *const *params,
							   char **value, pgr_error *err);

/* A statement that returns no rows (CHECKPOINT, CREATE ...). */
int			pgconn_command(PGconn *conn, const char *node_name, const char *sql,
						   pgr_error *err);

/* ALTER SYSTEM SET name = value (value NULL: ALTER SYSTEM RESET name). */
int			pgconn_alter_system(PGconn *conn, const char *node_name, const char *name,
								const char *value, pgr_error *err);

/* A field as a string, NULL when SQL NULL. */
const char *pgconn_value(const PGresult *res, int row, int col);

#endif
