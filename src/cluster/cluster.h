/*
 * cluster.h: the cluster file (DESIGN.md "Command line and cluster file").
 *
 * An INI file that describes the cluster and its nodes.  It holds no
 * secrets.  Comments (';' or '#', at the start of a line or after
 * whitespace) and layout are kept when pgreplica rewrites it, which it does
 * atomically (temporary file, fsync, rename) when roles change.
 */
#ifndef PGR_CLUSTER_H
#define PGR_CLUSTER_H

#include <stdbool.h>

#include "report.h"
#include "strbuf.h"

#define CLUSTER_DEFAULT_PORT 5432
#define CLUSTER_DEFAULT_DBUSER "postgres"
#define CLUSTER_DEFAULT_DBNAME "postgres"
#define CLUSTER_DEFAULT_REPLICATION_USER "replicator"
#define CLUSTER_FILE_NAME "pgreplica.conf"
#define CLUSTER_DEFAULT_SSL true		/* when the file has no "ssl" */
#define CLUSTER_DEFAULT_SLOTS true		/* when the file has no "slots" */
/* The dashboard's thresholds: a standby further behind is shown in yellow. */
#define CLUSTER_DEFAULT_LAG_WARN_BYTES (16LL * 1024 * 1024)
#define CLUSTER_DEFAULT_LAG_WARN_SECONDS 10.0
#define CLUSTER_DEFAULT_SLOT_WARN_BYTES (1024LL * 1024 * 1024)
#define CLUSTER_DEFAULT_SLOT_CRITICAL_BYTES (16LL * 1024 * 1024 * 1024)
#define CLUSTER_DEFAULT_EVENT_TIMEOUT 30.0
/* the primary's pg_wal file system full within: a warning, then an error */
#define CLUSTER_DEFAULT_WAL_DISK_WARN_TIME (24 * 3600.0)
#define CLUSTER_DEFAULT_WAL_DISK_CRITICAL_TIME (4 * 3600.0)
#define CLUSTER_DEFAULT_PATRONI_PORT 8008	/* Patroni's REST API */
#define EVENT_COMMAND_MAX_WORDS 32		/* its program and arguments */

typedef enum node_role {
	NODE_PRIMARY,
	NODE_STANDBY
} node_role;

typedef enum service_kind {
	SERVICE_PG_CTL,				/* "pg_ctl" (default) */
	SERVICE_PG_CTLCLUSTER,		/* "pg_ctlcluster VERSION NAME" */
	SERVICE_SYSTEMD				/* "systemd UNIT" */
} service_kind;

typedef struct node_service {
	service_kind kind;
	char	   *version;		/* pg_ctlcluster */
	char	   *name;			/* pg_ctlcluster cluster name, systemd unit */
} node_service;

typedef struct cluster_node {
	char	   *name;			/* [A-Za-z0-9][A-Za-z0-9_.-]*, at most 63:
								 * used as application_name and slot name */
	node_role	role;
	char	   *upstream;		/* standby: the node it follows (default:
								 * the primary); NULL for the primary */
	char	   *host;			/* used by libpq and by standbys */
	int			port;
	char	   *dbuser;
	char	   *dbname;
	char	   *ssh;			/* "local" or [user@]host[:port]; NULL when
								 * not given */
	char	   *pgdata;
	char	   *bindir;			/* the server's programs (postgres, pg_ctl) */
	char	   *client_bindir;	/* the client programs run on the node's host
								 * (pg_basebackup, pg_isready); NULL: bindir
								 * (see cluster_client_bindir) */
	node_service service;
	char	   *ssl_cert;		/* the operator's own server certificate and */
	char	   *ssl_key;		/* key (files on the operator's machine; a
								 * relative path is relative to the cluster
								 * file's directory); NULL: pgreplica makes
								 * them */
	char	   *become;			/* the account the node's commands and file
								 * operations run as (sudo -n -u), when the
								 * transport logs in as another one (e.g.
								 * root, with ssh = local); NULL: the login
								 * account */
	int			line;			/* line of the [node "…"] header */
} cluster_node;

/*
 * How the standbys' replication connections authenticate ("replication_auth"):
 * the role's password (SCRAM), a client certificate that pgreplica's CA
 * issues to each standby (no password anywhere on the standby's host), or
 * both.  The last two need ssl = on.
 */
typedef enum replication_auth {
	REPLICATION_AUTH_SCRAM = 0,	/* the default */
	REPLICATION_AUTH_CERT,
	REPLICATION_AUTH_SCRAM_CERT
} replication_auth;

/* "scram", "cert", "scram+cert" (the cluster file's words) */
const char *cluster_replication_auth_name(replication_auth a);

typedef struct cluster {
	char	   *path;			/* file it was read from (or will go to) */
	char	   *name;
	char	   *replication_user;
	bool		ssl;
	bool		slots;
	replication_auth replication_auth;
	char	   *sync;			/* NULL when off, else the value for
								 * synchronous_standby_names */
	char	   *archive_command;	/* NULL when empty */
	char	   *trigger_file;	/* NULL when empty */
	char	   *ssl_ca;			/* the operator's CA certificate that signed
								 * the nodes' ssl_cert; NULL: pgreplica's own
								 * CA */
	long long	lag_warn_bytes; /* "lag_warn_bytes" (e.g. 16MB) */
	double		lag_warn_seconds;	/* "lag_warn_seconds" (e.g. 10s, 500ms) */
	long long	slot_warn_bytes;	/* a slot retaining more: degraded */
	long long	slot_critical_bytes;	/* ... more still: error */
	double		wal_disk_warn_time;	/* pg_wal's file system full within
									 * this many seconds at the current
									 * retention growth: degraded */
	double		wal_disk_critical_time;	/* ... within this: error */
	int			patroni_port;	/* Patroni's REST API asked there on each
								 * node's host; 0: not asked ("off") */
	char	   *event_command;	/* run after events (hooks.h); NULL: none */
	double		event_timeout;	/* its time limit, in seconds */
	long long	clone_max_rate_kb;	/* pg_basebackup --max-rate, kB/s;
									 * 0: no limit */
	int			clone_compression;	/* basebackup_compression: auto (the
									 * default), off, lz4, zstd
									 * (server-side, 15+) */
	int			clone_compression_level;	/* zstd's; 0: its default */
	cluster_node *nodes;
	int			n_nodes;
	char	   *text;			/* the file as read: kept so that a rewrite
								 * keeps comments and layout, and compared
								 * with the file before it is rewritten
								 * (NULL: there was no file) */
	struct cluster_lock *lock;	/* held from cluster_load_locked() to
								 * cluster_unlock() or cluster_free() */
} cluster;

/* The file to use when -c is not given: ./pgreplica.conf if it exists,
 * else $XDG_CONFIG_HOME/pgreplica/cluster.conf (~/.config/…).  malloc'd.
 * NULL (and why in err) when ./pgreplica.conf exists but is not the
 * operator's, or it or the current directory is writable by others. */
char	   *cluster_default_path(pgr_error *err);

/*
 * Parse and validate.  Errors (unknown key, duplicate node, bad port,
 * missing field, two primaries, no primary, unknown upstream, bad name)
 * carry "FILE:LINE: " in the message and a hint.
 */
cluster    *cluster_load(const char *path, pgr_error *err);
/*
 * cluster_load() under the cluster's lock (cluster_lock.h), for a process
 * that is going to act on the cluster and save it: taken before the file
 * is read, kept until cluster_unlock() or cluster_free(), so that no other
 * pgreplica process changes the cluster in between.  `what` says what this
 * process does ("promote pg2"), for the one that is refused meanwhile.
 */
cluster    *cluster_load_locked(const char *path, const char *what,
								pgr_error *err);
void		cluster_unlock(cluster *c);
/*
 * 0 when the file at path still holds what c was read from (c->text), or
 * does not exist (nothing to undo), else -1 with err set: PGR_ERR_REFUSED
 * when it changed (a cluster with no text yet: when it was created).
 */
int			cluster_check_unchanged(const cluster *c, const char *path,
									pgr_error *err);
/* An empty cluster with every default set (no nodes), for code that builds
 * one (the wizard) rather than reading a file. */
cluster    *cluster_new(const char *path);
cluster    *cluster_parse(const char *text, const char *path, pgr_error *err);
void		cluster_free(cluster *c);

/*
 * The file's text with the current values: lines of keys whose value is
 * unchanged are kept byte for byte, changed ones are rewritten in place,
 * new nodes and keys are appended.  malloc'd.
 */
char	   *cluster_format(const cluster *c);
/*
 * Write cluster_format() to c->path atomically (mode 0644 for a new file),
 * under the cluster's lock (taken for the while when c does not hold it),
 * and only when the file has not changed since it was read
 * (cluster_check_unchanged): a stale save would undo another process's
 * role change.
 */
int			cluster_save(cluster *c, pgr_error *err);

/*
 * A value as the cluster file writes it: in double quotes (with \" and \\)
 * only when the parser needs them (blanks at an end, ';', '#', a leading
 * quote).  For whoever writes a cluster file by hand (the demo).
 */
void		cluster_append_value(strbuf *out, const char *v);

/*
 * A file the operator keeps for this cluster, never copied to a node:
 * $XDG_CONFIG_HOME/pgreplica/<cluster name><suffix> (default ~/.config/…),
 * the name made safe for a file name.  malloc'd.
 */
char	   *cluster_operator_path(const cluster *c, const char *suffix);
/* The operator's copy of standby NODE's client certificate (malloc'd). */
char	   *cluster_client_cert_copy_path(const cluster *c, const char *node);
/*
 * The cluster's name as one file name (malloc'd): "/" , a leading "." and
 * control characters become "_" ("cluster" when it has none), so that no
 * name (e.g. "../../x") leads out of the directory it is used in.
 */
char	   *cluster_file_stem(const cluster *c);

/* pgreplica's own CA certificate, in cluster_operator_path(c, "/"). */
#define CLUSTER_OWN_CA_CERT "ca.crt"

/*
 * The certificate of the CA that signs the nodes' server certificates, on
 * the operator's machine: ssl_ca (a relative path is relative to the
 * cluster file's directory), else pgreplica's own CA certificate.
 * malloc'd; the file may not exist (yet).
 */
char	   *cluster_ca_cert_path(const cluster *c);

/*
 * Values with units, as postgresql.conf writes them: a size in bytes
 * ("16MB", "512kB", "1GB", a bare number is bytes; multiples of 1024) and a
 * duration in seconds ("10s", "500ms", "2min", "1h", a bare number is
 * seconds).  -1 when the text is not one (negative, no digits, unknown unit,
 * overflow).
 */
int			cluster_parse_bytes(const char *text, long long *out);
int			cluster_parse_seconds(const char *text, double *out);

cluster_node *cluster_find_node(const cluster *c, const char *name);
cluster_node *cluster_primary(const cluster *c);
/* The node a standby streams from: its upstream, else the primary; NULL for
 * the primary (or an upstream that names no node). */
cluster_node *cluster_upstream(const cluster *c, const cluster_node *n);
/* The directory of the client programs run on the node's host:
 * client_bindir, else bindir (NULL when neither is given: PATH). */
const char *cluster_client_bindir(const cluster_node *n);
const char *node_role_name(node_role role);		/* "primary", "standby" */
/* Physical slot name for a node: lower-case, other characters as '_'. */
char	   *cluster_slot_name(const cluster_node *n);
/* NULL when `pgdata` is fit to be a node's data directory (absolute, no
 * control character, nothing pg_ctl's shell line would run), else why not,
 * translated.  The cluster file and the wizard refuse what it refuses. */
const char *cluster_pgdata_problem(const char *pgdata);

/*
 * The cluster file's other rules for a node's fields, the same functions
 * for the wizard's fields: NULL when V may be used, else why not
 * (translated).  A node's name (application_name, slot name); an SSH
 * target ("local" or one word that ssh cannot take for an option); a port.
 */
const char *cluster_node_name_problem(const char *v);
const char *cluster_ssh_problem(const char *v);
const char *cluster_port_problem(const char *v);

#endif
