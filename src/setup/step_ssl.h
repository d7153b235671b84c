/*
 * step_ssl.h: the SSL step (DESIGN.md step 5), one per node, and where the
 * operator keeps the cluster's CA.
 *
 * The CA lives on the operator's side only, never on a node:
 *     $XDG_CONFIG_HOME/pgreplica/<cluster name>/ca.key   (mode 0600)
 *     $XDG_CONFIG_HOME/pgreplica/<cluster name>/ca.crt
 * (~/.config/... when XDG_CONFIG_HOME is unset or relative), the directory
 * mode 0700.  Each node gets, in its data directory (or next to its
 * config_file when that lives elsewhere, the Debian layout):
 *     server.key (0600, the data directory's owner), server.crt, root.crt
 *     (the CA certificate: ssl_ca_file, and the standbys' sslrootcert).
 */
#ifndef PGR_STEP_SSL_H
#define PGR_STEP_SSL_H

#include "cluster.h"
#include "session.h"

#define STEP_SSL_CERT_FILE "server.crt"
#define STEP_SSL_KEY_FILE "server.key"
#define STEP_SSL_CA_FILE "root.crt"

/* The operator's CA directory and files for a cluster (malloc'd). */
char	   *step_ssl_ca_dir(const cluster *cl);
char	   *step_ssl_ca_cert_path(const cluster *cl);
char	   *step_ssl_ca_key_path(const cluster *cl);

/*
 * A new client certificate and its key (PEM, malloc'd; the key a secret:
 * pgr_free_secret) for the replication role, CN = the role, signed by the
 * cluster's CA (replication_auth = cert or scram+cert).  The CA must exist
 * (the SSL step makes it) and be pgreplica's own: with ssl_ca, refused.
 */
int			step_ssl_issue_client(const cluster *cl, char **cert, char **key,
								  pgr_error *err);

/* The SSL step for a node (only when the cluster file says ssl = on). */
plan_step  *step_ssl_new(session *ctx, cluster_node *node);

#endif
