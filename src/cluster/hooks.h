/*
 * hooks.h: the cluster file's event_command, run after what other tools
 * need to hear about (a load balancer, a monitoring system, a chat): an
 * action's outcome (promote, follow, resync, switchover) and a node going
 * down or coming back.
 *
 * The command is an argument vector, never a shell line: its words (blank
 * separated, the first an absolute path), then five arguments
 *   EVENT NODE OLD_PRIMARY NEW_PRIMARY ok|failed
 * ("" where one does not apply), and the same in its environment:
 *   PGREPLICA_EVENT, PGREPLICA_NODE, PGREPLICA_OLD_PRIMARY,
 *   PGREPLICA_NEW_PRIMARY, PGREPLICA_SUCCESS (1 or 0), PGREPLICA_CLUSTER,
 *   PGREPLICA_CLUSTER_FILE, PGREPLICA_MESSAGE (what went wrong, or "").
 * It runs with stdin empty, within event_timeout (default 30 s; killed,
 * with its process group, when it runs out).  Its failure is reported,
 * never fatal: the action's own result stands.
 */
#ifndef PGR_HOOKS_H
#define PGR_HOOKS_H

#include <stdbool.h>

#include "cluster.h"
#include "report.h"

/* Event names, as the command receives them. */
#define HOOK_PROMOTE "promote"
#define HOOK_FOLLOW "follow"
#define HOOK_RESYNC "resync"
#define HOOK_SWITCHOVER "switchover"
#define HOOK_NODE_DOWN "node_down"
#define HOOK_NODE_UP "node_up"

typedef struct hook_event {
	const char *event;			/* HOOK_* */
	const char *node;			/* the node it is about, or NULL */
	const char *old_primary;	/* NULL: none / does not apply */
	const char *new_primary;
	bool		success;
	const char *message;		/* what went wrong, or NULL */
} hook_event;

/*
 * Run c's event_command for ev and wait for it (within its time limit).
 * 0 when there is none or it exited 0; -1 with err set otherwise (the
 * command's exit status and the end of its output in the detail).
 */
int			hook_run(const cluster *c, const hook_event *ev, pgr_error *err);

/*
 * The same without waiting, for the dashboard: the command runs on a
 * thread of its own; a failure is picked up later by hook_failure().
 */
void		hook_start(const cluster *c, const hook_event *ev);

/*
 * The next failure of a command started by hook_start() (a translated
 * sentence, malloc'd), or NULL.  Safe from any thread.
 */
char	   *hook_failure(void);

#endif
