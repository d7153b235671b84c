/*
 * step_role.h: the replication role step (DESIGN.md step 2) and the
 * operator's passfile that keeps the role's password.
 *
 * The passfile is $XDG_CONFIG_HOME/pgreplica/<cluster name>.pgpass
 * (~/.config/... when XDG_CONFIG_HOME is unset or relative), in libpq's
 * pgpass format, mode 0600: one line
 *     *:*:replication:<role>:<password>
 * with ':' and '\' escaped by '\'.  Other lines are kept when pgreplica
 * rewrites the file (atomically, through the local transport).  A file that
 * group or others can read is refused, as libpq ignores it.
 *
 * The role step leaves the password in ctx->replication_password (and
 * ctx->password_generated when it made it up); later steps (standby
 * passfiles) take it from there, or from this file in a later run.
 */
#ifndef PGR_STEP_ROLE_H
#define PGR_STEP_ROLE_H

#include "cluster.h"
#include "report.h"
#include "session.h"

/* The passfile's path for a cluster (malloc'd). */
char	   *step_role_passfile_path(const cluster *cl);

/*
 * The password the passfile keeps for `role` (the first line whose
 * database is "replication" or "*" and whose user is `role` or "*").
 * Returns 0 with *password malloc'd (a secret: pgr_free_secret), or 0 with
 * *password NULL when there is no file or no such line; -1 with err set
 * when the file cannot be read or is readable by group or others.
 */
int			step_role_read_password(const cluster *cl, const char *role,
									char **password, pgr_error *err);

/*
 * Put `password` for `role` into the passfile (replacing the role's line,
 * keeping the others), creating the directory (0700) and the file (0600).
 */
int			step_role_write_password(const cluster *cl, const char *role,
									 const char *password, pgr_error *err);

/*
 * Does `verifier` (pg_authid.rolpassword: "SCRAM-SHA-256$..." or
 * "md5...") accept `password` for `role`?  Constant-time comparison.
 * false for anything it cannot parse, and for a SCRAM iteration count above
 * STEP_ROLE_SCRAM_MAX_ITERATIONS: the verifier comes from the server, and
 * a count of 2^31 would keep pgreplica busy for a quarter of an hour (the
 * role's password is then set anew, with the usual count).
 */
#define STEP_ROLE_SCRAM_MAX_ITERATIONS 1000000
bool		step_role_verifier_matches(const char *verifier, const char *role,
									   const char *password);

/*
 * The replication password from --replication-password-file: its first
 * line (malloc'd, a secret).  A file others can read is refused, as libpq
 * refuses such a passfile.
 */
char	   *step_role_read_password_file(const char *path, pgr_error *err);

/* A new random password: `len` base62 characters from RAND_bytes. */
char	   *step_role_generate_password(size_t len, pgr_error *err);

/* The replication role step for the primary (plan.h runs it). */
plan_step  *step_role_new(session *ctx, cluster_node *primary);

#endif
