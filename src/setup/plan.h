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
 * A plan works through a session (session.h): the nodes' connections and
 * transports, the operator's callbacks.  The list of set-up steps is
 * setup_steps.c's.
 */
#ifndef PGR_PLAN_H
#define PGR_PLAN_H

#include <stdbool.h>

#include "cluster.h"
#include "journal.h"
#include "report.h"
#include "session.h"
#include "strbuf.h"

typedef struct plan plan;

typedef enum step_status {
	STEP_UNKNOWN,				/* not inspected yet */
	STEP_NOTHING_TO_DO,			/* inspected: already as wanted */
	STEP_TO_CHANGE,				/* inspected: apply would change something */
	STEP_APPLIED,				/* applied and verified */
	STEP_FAILED,
	STEP_DECLINED				/* the operator said no */
} step_status;

/*
 * What a step's inspection found that a later step acts on: steps share
 * state only through these results, which the activate step reads from
 * the steps before it (plan_results_before).  Reset when the step is
 * inspected again.
 */
typedef struct step_result {
	strbuf		restart_reasons;	/* parameters of context 'postmaster' that
									 * change or are pending: "a, b" */
	bool		reload_needed;	/* a file or setting awaits a reload */
} step_result;

typedef struct step_ops {
	const char *kind;			/* "role", "params", "hba", "activate" */
	int			(*inspect) (session *ctx, plan_step *s, pgr_error *err);
	int			(*apply) (session *ctx, plan_step *s, pgr_error *err);
	int			(*verify) (session *ctx, plan_step *s, pgr_error *err);
	int			(*undo) (session *ctx, plan_step *s, pgr_error *err);	/* may be NULL */
	/*
	 * Called before anything else when the journal says this step was
	 * running when the last apply stopped: put the node back in a state
	 * the steps can inspect (a restart cut in the middle leaves the server
	 * stopped).  May be NULL.
	 */
	int			(*resume) (session *ctx, plan_step *s, pgr_error *err);
	void		(*free_priv) (void *priv);	/* may be NULL */
	/*
	 * The inspection itself runs commands on the step's node (the
	 * standby's checks, SSL's files): its transport is opened in the
	 * background as soon as the plan's inspection starts.  The other
	 * steps' nodes are opened once a step on them finds work to do, so a
	 * plan that changes nothing on a host logs in to it not at all.
	 */
	bool		inspect_runs_commands;
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
	step_result result;			/* inspect: what later steps must know */
	const plan *owner;			/* the plan it was added to, or NULL */
};

/* Add NAME to a result's restart reasons, once. */
void		step_result_add_restart(step_result *r, const char *name);
/*
 * The results of the steps before S in its plan, merged: every restart
 * reason once (", " between), and whether any asked for a reload.  R is
 * initialised by the call; free with step_result_free.
 */
void		plan_results_before(const plan_step *s, step_result *r);
void		step_result_free(step_result *r);

/* A step, for step constructors: id and title are copied. */
plan_step  *plan_step_new(const step_ops *ops, cluster_node *node,
						  const char *id, const char *title);
void		plan_step_free(plan_step *s);

struct plan {
	plan_step **steps;
	int			n_steps;
};

/* An empty plan (plan_add fills it; setup_steps.h builds the set-up's). */
plan	   *plan_new(void);
void		plan_free(plan *p);
void		plan_add(plan *p, plan_step *s);

/* Inspect every step (plan); stops at the first error. */
int			plan_inspect(session *ctx, plan *p, pgr_error *err);

/*
 * Inspect every step, going on after one fails (check): FN is told of each
 * step once inspected, with its error or NULL.  Returns how many failed.
 */
typedef void (*plan_inspected_fn) (void *arg, const plan_step *s, const pgr_error *err);
int			plan_inspect_each(session *ctx, plan *p, plan_inspected_fn fn, void *arg);
/*
 * Inspect, confirm, apply and verify each step in order, journalling; on a
 * failure the step is undone where it can be and the error returned.
 * *changed counts the steps that changed something.
 */
int			plan_apply(session *ctx, plan *p, int *changed, pgr_error *err);

#endif
