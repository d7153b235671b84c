/*
 * actions.h: what the operator does to a running cluster.  Each action is
 * one engine call: `pgreplica promote NODE` and the dashboard's P key make
 * the same call.  Actions block; the dashboard runs them off its UI thread
 * (a worker thread), shows their log lines, and asks its questions through
 * the confirm callback.  Every action opens its own connections and
 * transports (never the dashboard's monitoring connections).
 */
#ifndef PGR_ACTIONS_H
#define PGR_ACTIONS_H

#include <stdbool.h>

#include "cluster.h"
#include "report.h"

/* A line of progress, already translated ("stopping pg1", ...). */
typedef void (*action_log_fn) (void *arg, const char *line);

/* A yes/no question; returns the operator's answer.  NULL confirm:
 * every question is answered by action_ctx.yes. */
typedef bool (*action_confirm_fn) (void *arg, const char *question);

/* Bytes done / total of a long copy (re-sync by base backup). */
typedef void (*action_progress_fn) (void *arg, long long done, long long total);

typedef struct action_ctx
{
	cluster    *cl;				/* roles are updated in memory ... */
	const char *cluster_path;	/* ... and this file is rewritten atomically
								 * (cluster_save) when they change */
	const char *ssh_config;		/* --ssh-config, or NULL */
	bool		yes;			/* --yes: questions answered yes */
	bool		force;			/* promote although the old primary is
								 * still writable and not fenced */
	bool		override_manager;	/* act although a cluster manager runs a
									 * node (--force: dangerous) */
	bool		dry_run;		/* pre-checks and the steps said, nothing
								 * changed */
	long long	max_rate_kb;	/* a copy's --max-rate in kB/s; 0: the
								 * cluster's clone_max_rate */
	/*
	 * The replication role's password (--replication-password-file), or
	 * NULL: the operator's passfile (step_role.h) has it.
	 */
	const char *replication_password;
	action_log_fn log;
	void	   *log_arg;
	action_confirm_fn confirm;
	void	   *confirm_arg;
	action_progress_fn progress;
	void	   *progress_arg;
	/* dry run: each step said (NULL: a numbered log line) */
	action_log_fn step;
	void	   *step_arg;
	int			n_steps;		/* steps said so far */
} action_ctx;

/* What the promote panel shows before the operator decides. */
typedef struct promote_check
{
	bool		node_answers;
	bool		node_is_standby;
	char	   *primary_name;	/* the cluster file's primary, or NULL */
	bool		primary_answers;
	bool		primary_writable;	/* answers and not in recovery */
	long long	bytes_not_received; /* primary's current LSN - node's received
									 * LSN; -1 when unknown */
} promote_check;

int			action_promote_check(action_ctx *a, const char *node,
								 promote_check *out, pgr_error *err);
void		promote_check_clear(promote_check *pc);

/*
 * The promote decision, one for the dashboard and the command line: which
 * questions to ask, in which order, and what the answers mean.  Without
 * yes: the operator confirms the promotion (PROMOTE_ASK_GO, default No);
 * when the old primary still accepts writes, fencing it is offered
 * (PROMOTE_ASK_FENCE; skipped when fence or force were given), and
 * promoting without fencing (two primaries: split brain) needs the node's
 * name typed (PROMOTE_ASK_TYPED, WORD the name), --force or not.  With yes
 * (scripts): no question; fence and force are taken as given, and
 * action_promote() refuses a writable old primary without either.
 */
typedef enum promote_question
{
	PROMOTE_ASK_GO,
	PROMOTE_ASK_FENCE,
	PROMOTE_ASK_TYPED
} promote_question;

/* TEXT: the question, translated; WORD: what is to be typed (TYPED). */
typedef bool (*promote_ask_fn) (void *arg, promote_question q, const char *text,
								const char *word);

typedef struct promote_decision
{
	bool		fence;			/* stop the old primary first */
	bool		force;			/* promote although it accepts writes */
} promote_decision;

/*
 * Returns 0: promote as OUT says; 1: the operator declined (nothing to
 * do); -1: refused, ERR says why (a wrong name typed).
 */
int			action_promote_decide(const promote_check *pc, const char *node,
								  bool yes, bool fence, bool force,
								  promote_ask_fn ask, void *arg,
								  promote_decision *out, pgr_error *err);

/*
 * Promote NODE.  fence: stop the old primary through its transport first
 * (immediate mode) when it still answers.  Without fence, a writable old
 * primary makes the call fail (kind PGR_ERR_REFUSED, added to report.h by the actions branch) unless a->force.
 * Verifies pg_is_in_recovery() false and a new timeline; rewrites the
 * cluster file's roles (new primary; old primary marked standby of it,
 * other standbys keep their upstream until followed).
 */
int			action_promote(action_ctx *a, const char *node, bool fence,
						   pgr_error *err);

/* Re-point standby NODE at UPSTREAM (NULL: the cluster's primary). */
int			action_follow(action_ctx *a, const char *node, const char *upstream,
						  pgr_error *err);

typedef enum resync_method
{
	RESYNC_AUTO,				/* pg_rewind; on failure, ask, then clone */
	RESYNC_REWIND,
	RESYNC_CLONE
} resync_method;

/* Make NODE (former primary, diverged standby) a streaming standby of the
 * cluster's primary again. */
int			action_resync(action_ctx *a, const char *node, resync_method m,
						  pgr_error *err);

/*
 * Planned switchover: NODE (a streaming standby of the primary) becomes
 * the primary, the old primary a standby of it without a copy nor a
 * rewind, the other standbys follow NODE; nothing committed is lost
 * (action_switchover.c).  The pre-checks come first and are logged with
 * their figures; one that fails refuses the switchover (PGR_ERR_REFUSED).
 * A journal found from an interrupted run is finished or rolled back
 * first (NODE may then be NULL).  a->dry_run: the checks and the steps
 * only.
 */
int			action_switchover(action_ctx *a, const char *node, pgr_error *err);
/* An interrupted switchover's journal: true, with its two nodes (malloc'd). */
bool		action_switchover_pending(const cluster *cl, char **old, char **node);

/* Synchronous replication: true in *needed when synchronous_standby_names
 * is set on the primary and names no connected standby (commits wait). */
int			action_sync_check(action_ctx *a, bool *needed, pgr_error *err);
/* Empty synchronous_standby_names on the primary (ALTER SYSTEM) and reload. */
int			action_drop_to_async(action_ctx *a, pgr_error *err);

/* Drop a replication slot on the primary; refused when it is active. */
int			action_drop_slot(action_ctx *a, const char *slot, pgr_error *err);

#endif
