/*
 * cluster_lock.h: one pgreplica process at a time changes a cluster.
 *
 * The lock is an flock(LOCK_EX) on "<cluster file>.lock", a file beside the
 * cluster file (beside the file a symbolic link points to, so that two
 * names of one file share one lock).  Not on the cluster file itself: its
 * saves are atomic renames, which put a new inode under the name, and a
 * process that opened the name after a save would lock that new inode while
 * another still holds the old one: both would "hold" the lock.  The lock
 * file is never renamed nor removed (removing it would let a process lock
 * a file nobody else can find any more).
 *
 * flock() locks go with the open file description: the kernel drops them
 * when the process ends, however it ends, so a crash leaves no stale lock;
 * and they are not inherited across exec (O_CLOEXEC).  The holder writes
 * who it is into the file (pid, command, since when, UTC) so that a process
 * that is refused can say who holds it; the holder empties the file before
 * letting go.
 *
 * Taking it never waits: a second action is refused, not queued (an
 * operator who pressed "promote" must not find it carried out minutes
 * later on a cluster that changed meanwhile).
 */
#ifndef PGR_CLUSTER_LOCK_H
#define PGR_CLUSTER_LOCK_H

#include "report.h"

typedef struct cluster_lock cluster_lock;

/*
 * Take the lock of the cluster file at `path` for `what` (the action, e.g.
 * "promote pg2": written into the lock file).  NULL with err set when it
 * cannot be taken: PGR_ERR_REFUSED when another process holds it (the
 * detail says which, the hint what to do), PGR_ERR_IO when the lock file
 * cannot be opened.
 */
cluster_lock *cluster_lock_take(const char *path, const char *what,
								pgr_error *err);

/* Let go (NULL: nothing). */
void		cluster_lock_release(cluster_lock *l);

#endif
