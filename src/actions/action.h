/*
 * action.h: what promote, follow and resync share (not for callers of
 * actions.h): the session every action opens for itself, its log and
 * questions routed to the action_ctx's callbacks, the standby's passfile
 * and recovery settings written the way the standby step writes them, and
 * the waits.
 */
#ifndef PGR_ACTION_H
#define PGR_ACTION_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "actions.h"
#include "recovery.h"
#include "session.h"

/* How long an action waits for a standby to stream, for a promotion. */
#define ACTION_STREAMING_TIMEOUT_MS 120000
#define ACTION_PROMOTE_TIMEOUT_MS 60000
#define ACTION_CONNECT_TIMEOUT_S 5

/*
 * A session on a->cl for one action: the action's log, questions and
 * progress go to a's callbacks; its own connections and transports.
 */
session   *action_session(action_ctx *a);

void		action_log(action_ctx *a, const char *fmt,...) PGR_PRINTF(2, 3);
/* a->yes, else a->confirm (NULL: no). */
bool		action_confirm(action_ctx *a, const char *question);

/* The node called NAME, or NULL with an error naming the known nodes. */
cluster_node *action_node(action_ctx *a, const char *name, pgr_error *err);

/* SELECT pg_is_in_recovery(). */
int			action_in_recovery(PGconn *conn, const cluster_node *n, bool *in_recovery,
							   pgr_error *err);
/* "16/B374D848" -> bytes; -1 when it does not parse. */
long long	action_parse_lsn(const char *lsn);

/* Where the standby step keeps a standby's passfile and CA (malloc'd). */
char	   *action_passfile_path(const cluster_node *n);
char	   *action_rootcert_path(const cluster *cl, const cluster_node *n);

/*
 * The passfile of standby N for replication from UP (host:port of UP, the
 * replication role and its password from the operator's passfile) and,
 * with ssl = on, the cluster's CA next to it: the files the standby step
 * writes, rewritten for another upstream.
 */
int			action_write_standby_files(action_ctx *a, session *ctx, cluster_node *n,
									   cluster_node *up, pgr_error *err);

/* recovery_params for N streaming from UP (passfile, CA, slot, trigger). */
void		action_recovery_params(session *ctx, cluster_node *n, cluster_node *up,
								   const pg_version_facts *facts, char **slot,
								   recovery_params *rp);
void		action_recovery_params_clear(recovery_params *rp, char *slot);

/*
 * The recovery configuration in N's data directory (server stopped):
 * recovery.conf (≤11), or standby.signal and the settings merged into
 * postgresql.auto.conf, a leftover recovery.conf removed (≥12).
 */
int			action_write_recovery(action_ctx *a, session *ctx, cluster_node *n,
								  const recovery_params *rp, pgr_error *err);

/* The physical slot SLOT on UP, created unless it exists. */
int			action_ensure_slot(action_ctx *a, session *ctx, cluster_node *up,
							   const char *slot, pgr_error *err);

/* Whether UP's pg_stat_replication shows N streaming now (one query). */
int			action_is_streaming(session *ctx, cluster_node *up, cluster_node *n,
								bool *streaming, pgr_error *err);

/* UP's pg_stat_replication shows N streaming, within timeout_ms. */
int			action_wait_streaming(action_ctx *a, session *ctx, cluster_node *up,
								  cluster_node *n, int timeout_ms, pgr_error *err);

/*
 * Make UP able to serve every standby of the cluster file: its own SSL
 * certificate for its host (ssl = on: the SSL step) and the replication
 * rules of pg_hba.conf (the pg_hba.conf step), applied as apply applies
 * them, without asking (the operator asked for the action).  A promoted
 * standby kept its own pg_hba.conf, made before it was a primary: the
 * rules apply wrote on the old primary are not there.  Nothing is changed
 * when everything is in place already.
 */
int			action_serve_standbys(action_ctx *a, session *ctx, cluster_node *up,
								  pgr_error *err);

/* Write the cluster file (a->cl) after its roles changed. */
int			action_save_cluster(action_ctx *a, pgr_error *err);

/*
 * Run argv on N's host; a status other than 0 is an error naming it (its
 * standard error as detail).  out (may be NULL) gets both streams.
 */
int			action_run(transport *t, const cluster_node *n, const char *const *argv,
					   const char *const *env, int timeout_ms, strbuf *out,
					   pgr_error *err);

/* <bindir>/PROG (PATH when no bindir); client programs: client_bindir. */
char	   *action_bin(const cluster_node *n, const char *prog);
char	   *action_client_bin(const cluster_node *n, const char *prog);

/* The name of the cluster file's primary now (malloc'd), or NULL. */
char	   *action_primary_name(action_ctx *a);
/*
 * Refuse (PGR_ERR_REFUSED) when a node of the cluster is run by a cluster
 * manager (Patroni, repmgr, pg_auto_failover: status.h's manager), unless
 * a->override_manager, which is logged.  Every action calls it first.
 */
int			action_manager_guard(action_ctx *a, pgr_error *err);

/*
 * After an action on NODE: the cluster's event_command (hooks.h) told
 * EVENT, the primary before (old_primary) and after, and whether it went
 * well (rc == 0; else err's message).  Not for a dry run, bad input or
 * a refusal for safety: nothing was tried, nothing changed.  A failing command is
 * logged as a warning, never fatal.
 */
void		action_announce(action_ctx *a, const char *event, const char *node,
							const char *old_primary, int rc, const pgr_error *err);

/*
 * The dry run (action_dryrun.c): action_dry_begin() says that nothing is
 * changed and what follows; action_step() says one step (numbered, or to
 * a->step).  action_dry_serve_standbys() says what action_serve_standbys()
 * would change (the SSL and pg_hba.conf steps inspected, nothing applied);
 * action_dry_standby_files() the passfile, CA, slot and recovery settings
 * that make N a standby of UP (running: set by ALTER SYSTEM, else
 * written into the stopped data directory): its two halves,
 * action_dry_standby_secrets() (passfile, CA, client certificate) and
 * action_dry_standby_settings() (slot, recovery settings), for a caller
 * that writes them at different moments (switchover).
 */
void		action_dry_begin(action_ctx *a, const char *what);
void		action_step(action_ctx *a, const char *fmt,...) PGR_PRINTF(2, 3);
int			action_dry_serve_standbys(action_ctx *a, session *ctx, cluster_node *up,
									  pgr_error *err);
void		action_dry_standby_files(action_ctx *a, session *ctx, cluster_node *n,
									 cluster_node *up, const pg_version_facts *facts,
									 bool running);
void		action_dry_standby_secrets(action_ctx *a, cluster_node *n, cluster_node *up);
void		action_dry_standby_settings(action_ctx *a, session *ctx, cluster_node *n,
										cluster_node *up, const pg_version_facts *facts,
										bool running);

/*
 * The promotion of standby N (action_promote.c): asked without waiting
 * (pg_promote(wait => false), or pg_ctl promote -W), then polled on CONN
 * until N is out of recovery (*tli: its new timeline).
 */
int			action_request_promotion(action_ctx *a, session *ctx, cluster_node *n,
									 PGconn *conn, const pg_version_facts *facts,
									 pgr_error *err);
int			action_wait_promoted(action_ctx *a, cluster_node *n, PGconn *conn,
								 unsigned *tli, pgr_error *err);

#endif
