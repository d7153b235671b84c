/*
 * standby_files.h: what makes a data directory a standby of an upstream,
 * written the same way by the standby build (step_standby.c) and by the
 * actions that re-point a standby (follow, resync): the replication
 * passfile and the cluster's CA beside the data directory, and the
 * recovery settings for the server's version (recovery.h renders them).
 */
#ifndef PGR_STANDBY_FILES_H
#define PGR_STANDBY_FILES_H

#include "cluster.h"
#include "recovery.h"
#include "report.h"
#include "session.h"
#include "strbuf.h"
#include "transport.h"

/* dirname(3) without touching its argument: "/" for "/x", "." for "x". */
char	   *standby_parent_dir(const char *path);

/*
 * Beside the data directory, so that a new copy (the data directory moved
 * aside) keeps them: <parent>/.pgreplica-<node>.pgpass and, with ssl = on,
 * <parent>/.pgreplica-<node>.root.crt (NULL when ssl is off).  malloc'd.
 */
char	   *standby_passfile_path(const cluster_node *n);
char	   *standby_rootcert_path(const cluster *cl, const cluster_node *n);

/*
 * With replication_auth = cert or scram+cert (and ssl = on): the standby's
 * client certificate and key, <parent>/.pgreplica-<node>.client.crt and
 * .client.key (NULL otherwise).  malloc'd.
 */
char	   *standby_sslcert_path(const cluster *cl, const cluster_node *n);
char	   *standby_sslkey_path(const cluster *cl, const cluster_node *n);

/* false with replication_auth = cert: no passfile, no password at all */
bool		standby_uses_password(const cluster *cl);

/*
 * A new client certificate from the cluster's CA (step_ssl_issue_client)
 * to CERTPATH (0644) and its key to KEYPATH (0600 before its first byte)
 * on t's host.  Each call issues a new pair (a re-pointed standby gets
 * fresh dates).  A copy of the certificate (not its key) is kept in the
 * operator's directory (cluster_client_cert_copy_path), where status reads
 * when it expires.
 */
int			standby_write_client_cert(transport *t, const cluster *cl, const cluster_node *n,
									  const char *certpath, const char *keypath,
									  pgr_error *err);


/*
 * Whether the client certificate at CERTPATH on t's host is to be issued
 * again: 0 when it is there, for the replication role, from the cluster's
 * CA and valid for more than CERTS_DEFAULT_RENEW_DAYS; 1 with the reason
 * appended to WHY (translated) otherwise; -1 with err set when it could
 * not be looked at.
 */
int			standby_client_cert_check(transport *t, const cluster *cl,
									  const char *certpath, strbuf *why,
									  pgr_error *err);

/*
 * The files of a data directory that belong to the node's host, not to
 * its upstream (a copy or a rewind brings the upstream's): kept across
 * both.  NULL-terminated.
 */
extern const char *const standby_kept_files[];

/*
 * <parent>/.pgreplica-<node>.resync-kept: the directory where resync keeps
 * the node's own files (standby_kept_files) while pg_rewind runs; its
 * existence says a resync has not put them back yet.  malloc'd.
 */
char	   *standby_keep_dir(const cluster_node *n);

/*
 * Copy the regular files NAMES (NULL-terminated; missing ones skipped) from
 * directory FROM to directory TO on t's host, in one command: each with its
 * mode and times (cp -p) to a temporary name, made durable, renamed over
 * its target, TO synced.  The names copied go to *copied, one a line (if
 * not NULL).  -1 with the command's error as err's detail.
 */
int			standby_copy_files(transport *t, const char *from, const char *to,
							   const char *const *names, strbuf *copied,
							   pgr_error *err);

/* A field of a .pgpass line, ':' and '\' escaped. */
void		standby_pgpass_field(strbuf *sb, const char *v);

/*
 * The replication role's password: the one this run set or was given,
 * else the operator's passfile (step_role.c).  A secret: free it with
 * pgr_free_secret.
 */
int			standby_replication_password(session *ctx, char **pw, pgr_error *err);

/*
 * The passfile's line, "UP's host:port:replication:ROLE:PASSWORD\n" with
 * ':' and '\\' escaped, appended to LINE (a secret: wipe it after use).
 */
void		standby_passfile_line(strbuf *line, const cluster *cl,
								  const cluster_node *up, const char *password);

/*
 * PATH on the standby's host: "UP's host:port:replication:ROLE:PASSWORD",
 * mode 0600 (also when an older file had another mode).
 */
int			standby_write_passfile(transport *t, const cluster *cl,
								   const cluster_node *up, const char *path,
								   const char *password, pgr_error *err);

/* The cluster's CA certificate (this machine's copy) to PATH, mode 0644. */
int			standby_write_rootcert(transport *t, const cluster *cl, const char *path,
								   pgr_error *err);

/*
 * The recovery settings of N streaming from UP (pointers into the args;
 * the passfile is left out with replication_auth = cert; sslcert and
 * sslkey NULL without a client certificate).
 */
void		standby_recovery_params(const cluster *cl, const cluster_node *n,
									const cluster_node *up,
									const pg_version_facts *facts,
									const char *passfile, const char *rootcert,
									const char *sslcert, const char *sslkey,
									const char *slot, recovery_params *rp);

/* Called with each file written ("wrote ..."), translated. */
typedef void (*standby_log_fn) (void *arg, const char *line);

/*
 * The recovery configuration in N's data directory (server stopped):
 * recovery.conf (11 and older), or standby.signal and the settings merged
 * into postgresql.auto.conf with a leftover recovery.conf removed (12 on).
 */
int			standby_write_recovery(transport *t, const cluster_node *n,
								   const recovery_params *rp, standby_log_fn log,
								   void *log_arg, pgr_error *err);

/*
 * After a copy, in one command on t's host: the files of KEEP_FROM (a
 * directory; NULL: none) named in standby_kept_files put back into N's
 * data directory as standby_copy_files does (their names to *copied, one
 * a line, if not NULL), then the recovery configuration that
 * standby_write_recovery writes.  On 12 and later its settings are merged
 * into AUTO_CONF_BEFORE, the upstream's postgresql.auto.conf read before
 * the copy, and written only if the copied file is still that text; when
 * it is not (or AUTO_CONF_BEFORE is NULL), standby_write_recovery merges
 * them into the copied file.
 */
int			standby_finish_copy(transport *t, const cluster_node *n, const char *keep_from,
								const recovery_params *rp, const char *auto_conf_before,
								strbuf *copied, standby_log_fn log, void *log_arg,
								pgr_error *err);

/*
 * "PROG --version" on the node's host (pg_basebackup, pg_rewind: the
 * client programs that must suit the server's version): *status its exit
 * status (126 or 127: not there), *out what it printed (stdout and
 * stderr), *major the major version it says (0 when it failed or said
 * none).  -1 only when the command could not be run at all.
 */
int			standby_program_major(transport *t, const char *prog, int *status,
								  int *major, strbuf *out, pgr_error *err);

#endif
