/*
 * plan.h: set-up as a plan of steps (DESIGN.md "Setup is a plan of steps").
 *
 * A step is one change on one node: the replication role, the server
 * parameters, the pg_hba.conf rule, the reload or restart that puts them
 * in force...  Each step can
 *   inspect  look at the node and decide whether anything must change,
 *            writing what would change (SQL, a unified diff) into
 *            s->preview; it changes NOTHING;
 *   apply    make the change (idempotent: applying twice is applying once);
 *   verify   check that the change is in force;
 *   undo     put things back where that makes sense (NULL otherwise).
 *
 * `pgreplica plan` builds the plan and inspects every step; `pgreplica
 * apply` inspects, asks, applies and verifies them in order, journalling
 * each step so that an interrupted apply says where it stopped and the
 * next one resumes there (steps being idempotent, resuming is re-running).
 *
 * Nodes are reached only through the transport (files, commands) and
 * pgconn (SQL); both are opened lazily, once per node, by the context.
 */
#ifndef PGR_PLAN_H
#define PGR_PLAN_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "cluster.h"
#include "report.h"
#include "strbuf.h"
#include "transport.h"
#include "version.h"

typedef struct plan_ctx plan_ctx;
typedef struct plan_step plan_step;

typedef enum step_status {
	STEP_UNKNOWN,				/* not inspected yet */
	STEP_NOTHING_TO_DO,			/* inspected: already as wanted */
	STEP_TO_CHANGE,				/* inspected: apply would change something */
	STEP_APPLIED,				/* applied and verified */
	STEP_FAILED,
	STEP_DECLINED				/* the operator said no */
} step_status;

/* How server parameters are changed (DESIGN.md step 3). */
typedef enum param_method {
	PARAM_ALTER_SYSTEM,			/* default: the server validates every value */
	PARAM_EDIT_FILE				/* edit postgresql.conf itself */
} param_method;

typedef struct step_ops {
	const char *kind;			/* "role", "params", "hba", "activate" */
	int			(*inspect) (plan_ctx *ctx, plan_step *s, pgr_error *err);
	int			(*apply) (plan_ctx *ctx, plan_step *s, pgr_error *err);
	int			(*verify) (plan_ctx *ctx, plan_step *s, pgr_error *err);
	int			(*undo) (plan_ctx *ctx, plan_step *s, pgr_error *err);	/* may be NULL */
	/*
	 * Called before anything else when the journal says this step was
	 * running when the last apply stopped: put the node back in a state
	 * the steps can inspect (a restart cut in the middle leaves the server
	 * stopped).  May be NULL.
	 */
	int			(*resume) (plan_ctx *ctx, plan_step *s, pgr_error *err);
	void		(*free_priv) (void *priv);	/* may be NULL */
} step_ops;

struct plan_step {
	const step_ops *ops;
	char	   *id;				/* stable, for the journal: "hba@pg1" */
	char	   *title;			/* translated: what the step is about */
	cluster_node *node;			/* the node it changes */
	step_status status;
	strbuf		preview;		/* inspect: SQL or diff of what apply does */
	strbuf		summary;		/* inspect: one translated sentence, e.g.
								 * "nothing to do: ..." or "will create ..." */
	void	   *priv;			/* the step's own state (inspect -> apply) */
};

/* Questions only a person answers; NULL means "no" unless --yes. */
typedef bool (*plan_confirm_fn) (void *arg, const plan_step *s,
								 const char *question);
/* Progress lines for the operator (already translated). */
typedef void (*plan_log_fn) (void *arg, const plan_step *s, const char *line);
/*
 * Progress of a long action (the standby's base backup): bytes done out of
 * an estimated total (total may grow as the action goes on; 0: unknown).
 */
typedef void (*plan_progress_fn) (void *arg, const plan_step *s,
								  long long done, long long total);

typedef struct plan_options {
	param_method method;
	bool		assume_yes;		/* --yes: every question answered yes */
	plan_confirm_fn confirm;
	plan_log_fn log;
	plan_progress_fn progress;	/* NULL: none (a gauge needs one) */
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
	const char *journal_path;	/* NULL: no journal (plan) */
	/*
	 * The replication role's password, if the operator gave one
	 * (--replication-password-file); NULL: the role step generates one
	 * and keeps it in the operator's passfile (see step_role.c).
	 */
	const char *replication_password;
} plan_options;

/* Per-node handles, opened on first use and closed with the context. */
typedef struct plan_opener plan_opener;

typedef struct plan_node {
	cluster_node *node;
	PGconn	   *conn;			/* superuser session, read-write */
	transport  *t;
	plan_opener *opener;		/* the transport being opened in the
								 * background (plan_inspect), or NULL */
	int			server_version_num;
	const pg_version_facts *facts;
} plan_node;

struct plan_ctx {
	cluster    *cl;
	plan_options opts;
	plan_node  *nodes;			/* one per cl->nodes, same order */
	char	   *replication_password;	/* secret: wiped on free */
	bool		password_generated;
	/*
	 * Set by steps that change parameters needing a restart (context
	 * 'postmaster'): the names, for the activate step's preview.
	 */
	strbuf		restart_reasons;
	bool		reload_needed;
};

plan_ctx   *plan_ctx_new(cluster *cl, const plan_options *opts);
void		plan_ctx_free(plan_ctx *ctx);

/* The node's superuser connection / transport / version facts, opened
 * on first use; NULL with err set when it cannot be reached. */
PGconn	   *plan_conn(plan_ctx *ctx, cluster_node *n, pgr_error *err);
transport  *plan_transport(plan_ctx *ctx, cluster_node *n, pgr_error *err);
/* Start opening every node's transport at once, in the background (an
 * action that will reach several hosts); plan_transport() waits for it. */
void		plan_open_all_transports(plan_ctx *ctx);
const pg_version_facts *plan_facts(plan_ctx *ctx, cluster_node *n, pgr_error *err);
/*
 * SELECT pg_reload_conf() on the node (its context connection); fails when
 * the server could not be signalled.  Logs nothing: callers say why.
 */
int			plan_reload(plan_ctx *ctx, cluster_node *n, pgr_error *err);
/*
 * Hand the context a superuser connection to N made elsewhere (several
 * nodes connected to in parallel with pgconn): plan_conn() returns it from
 * now on, and the context closes it.  A connection the context had is
 * closed.
 */
void		plan_set_conn(plan_ctx *ctx, cluster_node *n, PGconn *conn);
/* Forget a node's connection (after a restart). */
void		plan_disconnect(plan_ctx *ctx, cluster_node *n);

void		plan_log(plan_ctx *ctx, const plan_step *s, const char *fmt,...) PGR_PRINTF(3, 4);
bool		plan_confirm(plan_ctx *ctx, const plan_step *s, const char *question);

/* A step, for step constructors: id and title are copied. */
plan_step  *plan_step_new(const step_ops *ops, cluster_node *node,
						  const char *id, const char *title);
void		plan_step_free(plan_step *s);

typedef struct plan {
	plan_step **steps;
	int			n_steps;
} plan;

/* Every step the cluster file calls for, in order. */
plan	   *plan_build(plan_ctx *ctx, pgr_error *err);
void		plan_free(plan *p);
void		plan_add(plan *p, plan_step *s);

/* Inspect every step (plan); stops at the first error. */
int			plan_inspect(plan_ctx *ctx, plan *p, pgr_error *err);

/*
 * Inspect every step, going on after one fails (check): FN is told of each
 * step once inspected, with its error or NULL.  Returns how many failed.
 */
typedef void (*plan_inspected_fn) (void *arg, const plan_step *s, const pgr_error *err);
int			plan_inspect_each(plan_ctx *ctx, plan *p, plan_inspected_fn fn, void *arg);
/*
 * Inspect, confirm, apply and verify each step in order, journalling; on a
 * failure the step is undone where it can be and the error returned.
 * *changed counts the steps that changed something.
 */
int			plan_apply(plan_ctx *ctx, plan *p, int *changed, pgr_error *err);

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

/* Step constructors (one module each). */
plan_step  *step_role_new(plan_ctx *ctx, cluster_node *primary);
plan_step  *step_params_new(plan_ctx *ctx, cluster_node *primary);
plan_step  *step_hba_new(plan_ctx *ctx, cluster_node *primary);
/* A line the hba step adds to what it writes: NULL in the product (a test
 * program links its own, see tests/tools/test-hooks.c). */
const char *step_hba_test_injection(void);
plan_step  *step_activate_new(plan_ctx *ctx, cluster_node *primary);
plan_step  *step_standby_new(plan_ctx *ctx, cluster_node *standby);
/* Room for a copy of up on standby's host (see step_standby.c); -1: short. */
int			step_standby_check_space(plan_ctx *ctx, cluster_node *standby, cluster_node *up,
									 long long *databases, long long *avail,
									 long long *need, pgr_error *err);

#endif
