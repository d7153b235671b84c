/*
 * service.h: starting, stopping, restarting and reloading a node's server
 * through its transport and its service manager (cluster.h node_service):
 *
 *   pg_ctl         <bindir>/pg_ctl -D <pgdata> -w -t 60 [-m fast] [-l LOG] ACTION
 *                  (pg_ctl from PATH only when the node has no bindir)
 *   pg_ctlcluster  pg_ctlcluster [--mode fast] VERSION NAME ACTION
 *   systemd        systemctl ACTION UNIT
 *
 * Commands run as the transport's login account, or its `become` account.
 *
 * pg_ctl start and restart need a log file (-l): otherwise the server keeps
 * pg_ctl's standard output and error open and the command's pipe never
 * closes.  pgreplica uses <pgdata>/log/pgreplica-pg_ctl.log, creating
 * <pgdata>/log (0700) if needed: it is inside the data directory, owned by
 * the server's account, and "log" is PostgreSQL's default log_directory.
 *
 * Every command has a time limit (SERVICE_TIMEOUT_S, pg_ctl's own -t and
 * the transport's); a failure carries the command and its standard error
 * as detail, and a hint.
 */
#ifndef PGR_SERVICE_H
#define PGR_SERVICE_H

#include <stdbool.h>

#include "cluster.h"
#include "report.h"
#include "session.h"

#define SERVICE_TIMEOUT_S 60
#define SERVICE_PG_CTL_LOG "log/pgreplica-pg_ctl.log"	/* under pgdata */

typedef enum service_action {
	SERVICE_START,
	SERVICE_START_NOWAIT,		/* pg_ctl -W: back once the postmaster is
								 * launched; others: as SERVICE_START */
	SERVICE_STOP,				/* fast */
	SERVICE_STOP_IMMEDIATE,
	SERVICE_STOP_NOWAIT,		/* fast; pg_ctl -W: back once the server is
								 * signalled (then service_wait_stopped);
								 * others: as SERVICE_STOP */
	SERVICE_RESTART,			/* fast shutdown, then start */
	SERVICE_RELOAD,
	SERVICE_STATUS
} service_action;

/*
 * The command for an action on a node (NULL-terminated, malloc'd: free
 * with service_argv_free), or NULL with err set (no pgdata for pg_ctl...).
 * *from_path is set when pg_ctl is taken from PATH (no bindir).
 */
char	  **service_argv(const cluster_node *n, service_action action,
						 bool *from_path, pgr_error *err);
void		service_argv_free(char **argv);
/* The same as one line, quoted for a shell, for previews and messages. */
char	   *service_command_string(const cluster_node *n, service_action action);

/*
 * Run the action on the node (through session_transport); 0 when it
 * succeeded, -1 with err set.  SERVICE_STATUS: use service_status().
 */
int			service_run(session *ctx, cluster_node *n, service_action action,
						pgr_error *err);
int			service_start(session *ctx, cluster_node *n, pgr_error *err);

/*
 * Start without waiting for the server to accept connections (pg_ctl
 * polls every 100 ms; a caller that waits for something more precise,
 * such as a standby streaming, polls faster itself).  The caller then
 * calls service_check_started() from time to time while it waits.
 */
int			service_start_nowait(session *ctx, cluster_node *n, pgr_error *err);
/* -1 with err set (the end of the pg_ctl log in the detail) when the
 * server started by service_start_nowait is not running any more. */
int			service_check_started(session *ctx, cluster_node *n, pgr_error *err);
int			service_stop(session *ctx, cluster_node *n, bool immediate, pgr_error *err);
/*
 * A fast shutdown without pg_ctl -w, which looks every 100 ms: the
 * caller that needs the server down at once (a switchover refuses writes
 * meanwhile) then calls service_wait_stopped(), which polls the data
 * directory's postmaster.pid (pg_ctl's own test) every few milliseconds,
 * for at most SERVICE_TIMEOUT_S.  Other services wait in their stop.
 */
int			service_stop_nowait(session *ctx, cluster_node *n, pgr_error *err);
int			service_wait_stopped(session *ctx, cluster_node *n, pgr_error *err);
int			service_restart(session *ctx, cluster_node *n, pgr_error *err);
/* Is the server running, as the service manager sees it? */
int			service_status(session *ctx, cluster_node *n, bool *running,
						   pgr_error *err);

/*
 * Reconnect (the session's connection for the node) until the server
 * accepts connections or timeout_s runs out, polling with a growing
 * interval (50 ms up to 1 s).  Fails at once on an authentication error.
 */
int			service_wait_ready(session *ctx, cluster_node *n, double timeout_s,
							   pgr_error *err);

#endif
