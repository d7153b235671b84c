/*
 * session.h: what an engine run holds open on the cluster's nodes — each
 * node's superuser connection, transport and version facts, the
 * operator's callbacks (progress lines, questions), the replication
 * password, and the threads that open several SSH transports at once.
 *
 * Set-up plans (plan.h), the actions (actions.h), service.c and
 * standby_files.c all work through a session; a session knows nothing of
 * plans.  Nodes are reached only through the transport (files, commands)
 * and pgconn (SQL); both are opened lazily, once per node.
 */
#ifndef PGR_SESSION_H
#define PGR_SESSION_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "cluster.h"
#include "report.h"
#include "strbuf.h"
#include "transport.h"
#include "version.h"

typedef struct session session;
/*
 * The step a progress line or a question is about (plan.h), or NULL: the
 * callbacks only pass it on to the operator's interface.
 */
typedef struct plan_step plan_step;

/* How server parameters are changed (DESIGN.md step 3). */
typedef enum param_method {
	PARAM_ALTER_SYSTEM,			/* default: the server validates every value */
	PARAM_EDIT_FILE				/* edit postgresql.conf itself */
} param_method;

/* Questions only a person answers; NULL means "no" unless --yes. */
typedef bool (*session_confirm_fn) (void *arg, const plan_step *s,
									const char *question);
/* Progress lines for the operator (already translated). */
typedef void (*session_log_fn) (void *arg, const plan_step *s, const char *line);
/*
 * Progress of a long action (the standby's base backup): bytes done out of
 * an estimated total (total may grow as the action goes on; 0: unknown).
 */
typedef void (*session_progress_fn) (void *arg, const plan_step *s,
									 long long done, long long total);

typedef struct session_options {
	param_method method;
	bool		assume_yes;		/* --yes: every question answered yes */
	session_confirm_fn confirm;
	session_log_fn log;
	session_progress_fn progress;	/* NULL: none (a gauge needs one) */
	/*
	 * Only the primary's preparation (steps 2-5): no standby is built.
	 * For a command line option such as --primary-only, and for tests of
	 * the primary's steps whose standbys are not meant to be built.
	 */
	bool		primary_only;
	/*
	 * The operator chose to delete a standby's old data directory (moved
	 * aside while the copy runs) once the new standby is verified; by
	 * default it is kept.
	 */
	bool		delete_old_data;
	/*
	 * --max-rate: pg_basebackup's --max-rate for the copies, in kB/s,
	 * instead of the cluster's clone_max_rate; 0: the cluster's.
	 */
	long long	max_rate_kb;
	void	   *cb_arg;
	transport_options topts;	/* how nodes are reached over SSH */
	double		connect_timeout_s;	/* 0: 10 s */
	/*
	 * The plan's journal (plan.h; NULL: none).  Here rather than in the
	 * plan so that every caller fills one options struct, as before the
	 * session was taken out of the plan.
	 */
	const char *journal_path;
	/*
	 * The replication role's password, if the operator gave one
	 * (--replication-password-file); NULL: the role step generates one
	 * and keeps it in the operator's passfile (see step_role.c).
	 */
	const char *replication_password;
} session_options;

/* Per-node handles, opened on first use and closed with the session. */
typedef struct session_opener session_opener;

typedef struct session_node {
	cluster_node *node;
	PGconn	   *conn;			/* superuser session, read-write */
	transport  *t;
	session_opener *opener;		/* the transport being opened in the
								 * background, or NULL */
	int			server_version_num;
	const pg_version_facts *facts;
} session_node;

struct session {
	cluster    *cl;
	session_options opts;
	session_node *nodes;		/* one per cl->nodes, same order */
	char	   *replication_password;	/* secret: wiped on free */
	bool		password_generated;
};

session    *session_new(cluster *cl, const session_options *opts);
void		session_free(session *ctx);

/* The node's superuser connection / transport / version facts, opened
 * on first use; NULL with err set when it cannot be reached. */
PGconn	   *session_conn(session *ctx, cluster_node *n, pgr_error *err);
transport  *session_transport(session *ctx, cluster_node *n, pgr_error *err);
/*
 * Whether n's transport is open or being opened in the background: then
 * session_transport() only waits for it (no question asked, no other
 * node touched) and may be called from another thread, the one that then
 * uses that transport alone.
 */
bool		session_transport_opening(session *ctx, const cluster_node *n);
/* Start opening every node's transport at once, in the background (an
 * action that will reach several hosts); session_transport() waits for it. */
void		session_open_all_transports(session *ctx);
/* The same for the nodes USES says yes to (a plan: the nodes whose steps'
 * inspections run commands on them). */
typedef bool (*session_uses_fn) (void *arg, const cluster_node *n);
void		session_open_transports(session *ctx, session_uses_fn uses, void *arg);
/* The same for one node (a step found work that its transport will do). */
void		session_open_transport_bg(session *ctx, const cluster_node *n);
/* Wait for every transport being opened: no thread outlives this call. */
void		session_join_openers(session *ctx);
const pg_version_facts *session_facts(session *ctx, cluster_node *n, pgr_error *err);
/*
 * SELECT pg_reload_conf() on the node (its session connection); fails when
 * the server could not be signalled.  Logs nothing: callers say why.
 */
int			session_reload(session *ctx, cluster_node *n, pgr_error *err);
/*
 * Hand the session a superuser connection to N made elsewhere (several
 * nodes connected to in parallel with pgconn): session_conn() returns it
 * from now on, and the session closes it.  A connection it had is closed.
 */
void		session_set_conn(session *ctx, cluster_node *n, PGconn *conn);
/* Forget a node's connection (after a restart). */
void		session_disconnect(session *ctx, cluster_node *n);
/* N's handles in the session, NULL if N is not one of its nodes. */
session_node *session_find_node(session *ctx, const cluster_node *n);

void		session_log(session *ctx, const plan_step *s, const char *fmt,...) PGR_PRINTF(3, 4);
bool		session_confirm(session *ctx, const plan_step *s, const char *question);

#endif
