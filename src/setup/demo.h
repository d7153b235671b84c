/*
 * demo.h: the demo sandbox (`pgreplica demo`), the way to try pgreplica on
 * a machine with no servers: a primary and an empty standby on 127.0.0.1,
 * with the local PostgreSQL programs and the local transport, described by
 * a cluster file that the wizard (or `pgreplica apply`) then carries out.
 *
 * Where things live:
 *   the sandbox directory   $XDG_DATA_HOME/pgreplica/demo (default
 *                           ~/.local/share/pgreplica/demo), the operator's:
 *                           the marker file, cluster.conf, pgpass (0600);
 *   the servers' directory  the same directory, or, when pgreplica runs as
 *                           root, ~postgres/pgreplica-demo (Debian:
 *                           /var/lib/postgresql/pgreplica-demo) owned by the
 *                           postgres account, which runs the servers (the
 *                           server refuses root, and root's home is closed
 *                           to postgres).  In it, one directory per node:
 *                           pg1/ and pg2/, each with node.conf (the node's
 *                           own port and addresses) and data/ (pg2/data is
 *                           not made: the standby step builds it).
 *
 * Each node's postgresql.conf includes "../node.conf": a standby cloned
 * from the primary reads its own port from there, not the primary's.
 *
 * The superuser (postgres) has a generated password (SCRAM), given to
 * initdb in a 0600 file removed right after, and kept for the operator in
 * the sandbox's pgpass (0600): connections to the demo use it through
 * PGPASSFILE, which demo_create sets in the process's environment.  The
 * servers listen on 127.0.0.1 only, and on no unix socket.
 *
 * Both directories carry a marker file: demo_reset removes only a
 * directory that has it.
 */
#ifndef PGR_DEMO_H
#define PGR_DEMO_H

#include <stdbool.h>

#include "report.h"

#define DEMO_CLUSTER_NAME "pgreplica-demo"
#define DEMO_MARKER ".pgreplica-demo"
#define DEMO_FIRST_PORT 54320	/* ports are tried from here up */
#define DEMO_ACCOUNT "postgres"	/* runs the servers when we are root */

/* Progress lines for the operator (translated). */
typedef void (*demo_log_fn) (void *arg, const char *line);

typedef struct demo_sandbox {
	/* set by the caller before demo_create (may stay zero) */
	demo_log_fn log;
	void	   *log_arg;

	/* filled by demo_create */
	char	   *dir;			/* the sandbox directory */
	char	   *cluster_path;	/* its cluster file */
	char	   *passfile;		/* the superuser's password (0600) */
	char	   *servers_dir;	/* where the servers' files live */
	char	   *account;		/* the account running the servers; NULL:
								 * ours */
	char	   *bindir;
	int			primary_port;
	int			standby_port;
	bool		created;		/* made now; false: an existing one reused */
} demo_sandbox;

/* $XDG_DATA_HOME/pgreplica/demo, or ~/.local/share/…; malloc'd. */
char	   *demo_dir(void);

/*
 * Make the sandbox and start its primary, or reuse the one that is there
 * (starting its servers if they are stopped).  Idempotent.  Sets
 * PGPASSFILE to the sandbox's passfile.  0, or -1 with err set.
 */
int			demo_create(demo_sandbox *sb, pgr_error *err);

/*
 * Stop the sandbox's servers and remove its directories (and the
 * operator's files of the cluster DEMO_CLUSTER_NAME: its passfile, CA and
 * journal).  0 when removed, 1 when there was no sandbox, -1 with err set
 * (a directory without the marker is refused, untouched).
 */
int			demo_reset(pgr_error *err);

void		demo_sandbox_clear(demo_sandbox *sb);

#endif
