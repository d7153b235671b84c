/*
 * demo.c: the demo sandbox (see demo.h for where things live and why).
 *
 * Everything on the servers' side goes through a local transport that
 * becomes the servers' account when we are root (sudo -n -u postgres), so
 * the files are that account's and pg_ctl/initdb never run as root; the
 * servers are started and stopped by service.c through a session on
 * the sandbox's own cluster, exactly as apply and the dashboard do it.
 *
 * Creation order: the marker first (so that an interrupted creation can be
 * removed by --reset), the cluster file last (its presence says the
 * sandbox is complete; one without it is made anew).
 */
#include <config.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cluster.h"
#include "demo.h"
#include "i18n.h"
#include "plan.h"
#include "service.h"
#include "step_role.h"
#include "strbuf.h"
#include "shquote.h"
#include "transport.h"

#define DEMO_PRIMARY "pg1"
#define DEMO_STANDBY "pg2"
#define DEMO_HOST "127.0.0.1"
#define DEMO_PASSWORD_LEN 32
#define DEMO_CMD_TIMEOUT_MS 120000
#define DEMO_PORT_TRIES 1000

static const char *const demo_nodes[] = {DEMO_PRIMARY, DEMO_STANDBY};

static void
say(const demo_sandbox *sb, const char *fmt,...) PGR_PRINTF(2, 3);

static void
say(const demo_sandbox *sb, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	if (!sb || !sb->log)
		return;
	va_start(ap, fmt);
	line = pgr_vasprintf(fmt, ap);
	va_end(ap);
	sb->log(sb->log_arg, line);
	free(line);
}

/* ---- places ------------------------------------------------------------------ */

char *
demo_dir(void)
{
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");

	/* the specification: a relative $XDG_DATA_HOME is to be ignored */
	if (xdg && xdg[0] == '/')
		return pgr_asprintf("%s/pgreplica/demo", xdg);
	if (home && home[0] == '/')
		return pgr_asprintf("%s/.local/share/pgreplica/demo", home);
	return NULL;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool
is_executable(const char *dir, const char *prog)
{
	char	   *p = pgr_asprintf("%s/%s", dir, prog);
	bool		ok = access(p, X_OK) == 0;

	free(p);
	return ok;
}

/* PATH lookup; malloc'd directory, or NULL */
static char *
dir_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char	   *copy;
	char	   *save = NULL;
	char	   *found = NULL;

	if (!path)
		return NULL;
	copy = pgr_strdup(path);
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save))
		if (d[0] == '/' && is_executable(d, prog))
			found = pgr_strdup(d);
	free(copy);
	return found;
}

/* a directory with every program the demo's servers need */
static bool
full_bindir(const char *dir)
{
	static const char *const progs[] = {"initdb", "pg_ctl", "postgres", "pg_basebackup",
	"pg_isready", NULL};

	for (int i = 0; progs[i]; i++)
		if (!is_executable(dir, progs[i]))
			return false;
	return true;
}

/*
 * The local PostgreSQL server programs: pg_config --bindir, else Debian's
 * newest /usr/lib/postgresql/<major>/bin, else initdb in PATH (Debian's
 * /usr/bin holds wrappers only, hence the order).
 */
static char *
find_bindir(pgr_error *err)
{
	char	   *dir = NULL;
	transport  *t = transport_local_open(NULL, err);
	strbuf		out;
	int			status = 0;
	int			best = -1;
	DIR		   *d;

	if (!t)
		return NULL;
	strbuf_init(&out);
	{
		const char *argv[] = {"pg_config", "--bindir", NULL};
		pgr_error	perr = PGR_ERROR_INIT;

		if (transport_capture(t, argv, NULL, 0, 10000, &status, &out, NULL, &perr) == 0 &&
			status == 0)
		{
			out.data[strcspn(out.data, "\n")] = '\0';
			if (out.data[0] == '/' && full_bindir(out.data))
				dir = pgr_strdup(out.data);
		}
		pgr_error_clear(&perr);
	}
	strbuf_free(&out);
	transport_close(t);
	if (dir)
		return dir;

	if ((d = opendir("/usr/lib/postgresql")) != NULL)
	{
		struct dirent *e;

		while ((e = readdir(d)) != NULL)
		{
			char	   *end;
			long		v = strtol(e->d_name, &end, 10);
			char	   *bin;

			if (end == e->d_name || *end != '\0' || v <= best)
				continue;
			bin = pgr_asprintf("/usr/lib/postgresql/%s/bin", e->d_name);
			if (full_bindir(bin))
			{
				free(dir);
				dir = bin;
				best = (int) v;
			}
			else
				free(bin);
		}
		closedir(d);
	}
	if (dir)
		return dir;
	dir = dir_in_path("initdb");
	if (dir && full_bindir(dir))
		return dir;
	free(dir);
	pgr_error_set(err, PGR_ERR_INPUT, _("no PostgreSQL server programs found on this machine"));
	pgr_error_detail(err, _("The demo needs initdb, pg_ctl, postgres, pg_basebackup and pg_isready in one directory (pg_config --bindir, /usr/lib/postgresql/VERSION/bin or PATH)."));
	pgr_error_hint(err, _("Install the PostgreSQL server: build-aux/install-deps.sh, or apt-get install postgresql on Debian."));
	return NULL;
}

/* 127.0.0.1:port free for a server to listen on (bound as it would be) */
static bool
port_free(int port)
{
	struct sockaddr_in a;
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int			one = 1;
	bool		ok;

	if (fd < 0)
		return false;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t) port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *) &a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static int
find_port(int from, int avoid, pgr_error *err)
{
	for (int p = from; p < from + DEMO_PORT_TRIES && p <= 65535; p++)
		if (p != avoid && port_free(p))
			return p;
	return pgr_error_set(err, PGR_ERR_GENERIC, _("no free port on %s between %d and %d for the demo's servers"),
						 DEMO_HOST, from, from + DEMO_PORT_TRIES - 1);
}

/* ---- commands on the servers' side ----------------------------------------- */

static transport *
servers_transport(const char *account, pgr_error *err)
{
	transport_options o = {0};

	o.become = account;
	return transport_local_open(&o, err);
}

/* Run argv; a non-zero exit is an error naming `what`, stderr as detail. */
static int
run(transport *t, const char *const *argv, const char *what, pgr_error *err)
{
	transport_exec_opts o = {0};
	int			status;

	o.timeout_ms = DEMO_CMD_TIMEOUT_MS;
	if (transport_run_checked(t, argv, &o, NULL, &status, err) == 0)
		return 0;
	if (status > 0)
	{
		char	   *cmd = shquote_argv(argv);
		char	   *why = pgr_strdup(err && err->detail ? err->detail : "");

		pgr_error_reword(err, PGR_ERR_EXEC, _("could not %s: the command exited with status %d"),
						 what, status);
		pgr_error_detail(err, "%s\n%s", cmd, why);
		pgr_error_hint(err, _("Run \"%s demo --reset\", then try again; the detail says what failed."), PACKAGE);
		free(why);
		free(cmd);
	}
	return -1;
}

static int
make_dir(transport *t, const char *path, pgr_error *err)
{
	const char *argv[] = {"mkdir", "-p", "-m", "0700", "--", path, NULL};

	return run(t, argv, _("create the demo's directory"), err);
}

static int
remove_tree(transport *t, const char *path, pgr_error *err)
{
	const char *argv[] = {"rm", "-rf", "--one-file-system", "--", path, NULL};

	return run(t, argv, _("remove the demo's directory"), err);
}

static int
write_text(transport *t, const char *path, const char *text, mode_t mode, pgr_error *err)
{
	transport_write_opts wo = {mode, NULL, NULL};

	return transport_write_file(t, path, text, strlen(text), &wo, err);
}

/* A password file: 0600 before its first byte (transport_write_opts.secret). */
static int
write_secret(transport *t, const char *path, const char *text, pgr_error *err)
{
	transport_write_opts wo = {.mode = 0600, .secret = true};

	return transport_write_file(t, path, text, strlen(text), &wo, err);
}

static int
stat_path(transport *t, const char *path, bool *found, pgr_error *err)
{
	transport_file_stat st;

	if (transport_stat(t, path, &st, err) < 0)
		return -1;
	*found = st.exists;
	return 0;
}

/* The marker: which sandbox directory and which servers' directory. */
static char *
marker_text(const char *dir, const char *servers_dir)
{
	return pgr_asprintf("# pgreplica demo sandbox: \"%s demo --reset\" removes this directory.\n"
						"sandbox = %s\nservers = %s\n", PACKAGE, dir, servers_dir);
}

/* The path after "KEY = " in the marker in `dir`; NULL if none. */
static char *
marker_value(const char *dir, const char *key)
{
	char	   *path = pgr_asprintf("%s/%s", dir, DEMO_MARKER);
	FILE	   *f = fopen(path, "r");
	char		line[4096];
	char	   *found = NULL;
	size_t		klen = strlen(key);

	free(path);
	if (!f)
		return NULL;
	while (!found && fgets(line, sizeof(line), f))
	{
		if (strncmp(line, key, klen) == 0 && strncmp(line + klen, " = ", 3) == 0)
		{
			line[strcspn(line, "\n")] = '\0';
			if (line[klen + 3] == '/')
				found = pgr_strdup(line + klen + 3);
		}
	}
	fclose(f);
	return found;
}

static char *
marker_servers(const char *dir)
{
	return marker_value(dir, "servers");
}

/*
 * The servers' directory of root's demo is one per machine: another
 * sandbox directory (another HOME) that still has its marker owns it.
 */
static int
check_servers_owner(const char *servers_dir, const char *dir, pgr_error *err)
{
	char	   *other = marker_value(servers_dir, "sandbox");
	char	   *omarker = other ? pgr_asprintf("%s/%s", other, DEMO_MARKER) : NULL;
	int			rc = 0;

	if (other && strcmp(other, dir) != 0 && exists(omarker))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the demo's servers in \"%s\" belong to the demo sandbox in \"%s\""),
					  servers_dir, other);
		pgr_error_detail(err, _("Run as root, the demo keeps its servers in one place per machine."));
		pgr_error_hint(err, _("Use that sandbox (with the same HOME or XDG_DATA_HOME), or remove it first with \"%s demo --reset\" there."),
					   PACKAGE);
		rc = -1;
	}
	free(other);
	free(omarker);
	return rc;
}

/* ---- the cluster file -------------------------------------------------------------- */

static void
append_node(strbuf *sb, const char *name, bool primary, int port,
			const demo_sandbox *s)
{
	char	   *pgdata = pgr_asprintf("%s/%s/data", s->servers_dir, name);

	strbuf_appendf(sb, "\n[node \"%s\"]\n", name);
	strbuf_appendf(sb, "role = %s\n", primary ? "primary" : "standby");
	if (!primary)
		strbuf_append(sb, "upstream = " DEMO_PRIMARY "\n");
	strbuf_appendf(sb, "host = %s\nport = %d\ndbuser = postgres\nssh = local\n", DEMO_HOST, port);
	if (s->account)
		strbuf_appendf(sb, "become = %s\n", s->account);
	strbuf_append(sb, "pgdata = ");
	cluster_append_value(sb, pgdata);
	strbuf_append(sb, "\nbindir = ");
	cluster_append_value(sb, s->bindir);
	strbuf_append(sb, "\nservice = pg_ctl\n");
	free(pgdata);
}

static char *
cluster_text(const demo_sandbox *s)
{
	strbuf		sb;

	strbuf_init(&sb);
	/* TRANSLATORS: a comment at the top of the demo's cluster file */
	strbuf_appendf(&sb, "; %s\n", _("pgreplica demo sandbox: \"pgreplica demo --reset\" stops its servers and removes it"));
	strbuf_append(&sb, "[cluster]\nname = " DEMO_CLUSTER_NAME "\n"
				  "replication_user = " CLUSTER_DEFAULT_REPLICATION_USER "\n"
				  "ssl = on\nslots = on\nsync = off\n");
	append_node(&sb, DEMO_PRIMARY, true, s->primary_port, s);
	append_node(&sb, DEMO_STANDBY, false, s->standby_port, s);
	return strbuf_detach(&sb);
}

/* ---- servers ------------------------------------------------------------------------- */

/*
 * Start every node of the cluster whose data directory is a cluster and
 * whose server is not running (after a reboot, or a stop).
 */
static int
start_servers(demo_sandbox *sb, cluster *cl, transport *t, pgr_error *err)
{
	session_options po = {0};
	session   *ctx = session_new(cl, &po);
	int			rc = 0;

	for (int i = 0; rc == 0 && i < cl->n_nodes; i++)
	{
		cluster_node *n = &cl->nodes[i];
		char	   *pgv = pgr_asprintf("%s/PG_VERSION", n->pgdata ? n->pgdata : "");
		bool		found = false;
		bool		running = false;

		if (n->pgdata && stat_path(t, pgv, &found, err) < 0)
			rc = -1;
		else if (found && service_status(ctx, n, &running, err) < 0)
			rc = -1;
		else if (found && !running)
		{
			say(sb, _("starting the demo's server \"%s\" (port %d)"), n->name, n->port);
			rc = service_start(ctx, n, err);
		}
		free(pgv);
	}
	session_free(ctx);
	return rc;
}

/* Stop the servers of every node directory under servers_dir. */
static int
stop_servers(const char *servers_dir, const char *bindir, transport *t,
			 pgr_error *err)
{
	for (size_t i = 0; i < sizeof(demo_nodes) / sizeof(demo_nodes[0]); i++)
	{
		char	   *data = pgr_asprintf("%s/%s/data", servers_dir, demo_nodes[i]);
		char	   *pid = pgr_asprintf("%s/postmaster.pid", data);
		char	   *pg_ctl = pgr_asprintf("%s/pg_ctl", bindir ? bindir : "");
		bool		found = false;
		int			rc = stat_path(t, pid, &found, err);

		if (rc == 0 && found)
		{
			const char *fast[] = {bindir ? pg_ctl : "pg_ctl", "-D", data, "-w", "-t", "60",
			"-m", "fast", "stop", NULL};
			pgr_error	ferr = PGR_ERROR_INIT;

			/*
			 * pg_ctl stop fails when postmaster.pid is stale (no server):
			 * then nothing runs and there is nothing to stop.
			 */
			if (run(t, fast, _("stop the demo's server"), &ferr) < 0)
			{
				const char *st[] = {bindir ? pg_ctl : "pg_ctl", "-D", data, "status", NULL};
				int			status = 0;

				if (transport_capture(t, st, NULL, 0, 30000, &status, NULL, NULL, err) < 0)
					rc = -1;
				else if (status == 0)
				{
					pgr_error_set(err, ferr.kind, "%s", ferr.message);
					if (ferr.detail)
						pgr_error_detail(err, "%s", ferr.detail);
					rc = -1;
				}
			}
			pgr_error_clear(&ferr);
		}
		free(data);
		free(pid);
		free(pg_ctl);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- reset ----------------------------------------------------------------------------- */

/* The account that owns the servers' directory we would use, or NULL. */
static int
servers_account(char **account, char **servers_dir, const char *dir, pgr_error *err)
{
	struct passwd *pw;

	*account = NULL;
	*servers_dir = NULL;
	if (geteuid() != 0)
	{
		*servers_dir = pgr_strdup(dir);
		return 0;
	}
	pw = getpwnam(DEMO_ACCOUNT);
	if (!pw || !pw->pw_dir || pw->pw_dir[0] != '/')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("there is no \"%s\" account to run the demo's servers"), DEMO_ACCOUNT);
		pgr_error_detail(err, _("pgreplica runs as root, and the PostgreSQL server refuses to run as root."));
		pgr_error_hint(err, _("Install the PostgreSQL server package, which creates the account (Debian: apt-get install postgresql), or run \"%s demo\" as an ordinary user."), PACKAGE);
		return -1;
	}
	*account = pgr_strdup(pw->pw_name);
	*servers_dir = pgr_asprintf("%s/pgreplica-demo", pw->pw_dir);
	return 0;
}

/* The operator's files of the demo's cluster: passfile, CA, journal. */
static int
remove_operator_files(transport *lt, pgr_error *err)
{
	pgr_error	perr = PGR_ERROR_INIT;
	cluster    *c = cluster_parse("[cluster]\nname = " DEMO_CLUSTER_NAME "\n"
								  "[node \"" DEMO_PRIMARY "\"]\nrole = primary\nhost = " DEMO_HOST "\n",
								  NULL, &perr);
	char	   *paths[3];
	int			rc = 0;

	if (!c)
	{
		pgr_error_clear(&perr);
		return 0;
	}
	paths[0] = step_role_passfile_path(c);
	paths[1] = cluster_operator_path(c, "");
	paths[2] = plan_default_journal_path(c);
	for (int i = 0; i < 3 && rc == 0; i++)
		if (paths[i] && exists(paths[i]))
			rc = remove_tree(lt, paths[i], err);
	for (int i = 0; i < 3; i++)
		free(paths[i]);
	cluster_free(c);
	return rc;
}

/* Remove the servers' directory (after its servers) if it is the demo's. */
static int
reset_servers(const char *servers_dir, const char *dir, const char *account,
			  const char *bindir, pgr_error *err)
{
	transport  *t = servers_transport(account, err);
	char	   *marker = pgr_asprintf("%s/%s", servers_dir, DEMO_MARKER);
	bool		found_dir = false;
	bool		found_marker = false;
	int			rc = -1;

	if (!t)
		goto out;
	if (stat_path(t, servers_dir, &found_dir, err) < 0)
		goto out;
	if (!found_dir)
	{
		rc = 0;
		goto out;
	}
	if (stat_path(t, marker, &found_marker, err) < 0)
		goto out;
	if (!found_marker)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is not a pgreplica demo directory: left as it is"), servers_dir);
		pgr_error_detail(err, _("It has no \"%s\" marker file."), DEMO_MARKER);
		pgr_error_hint(err, _("Move or remove it yourself if it is not needed."));
		goto out;
	}
	/* another live sandbox's servers are not ours to remove: left alone */
	{
		pgr_error	oerr = PGR_ERROR_INIT;
		int			owned = check_servers_owner(servers_dir, dir, &oerr);

		pgr_error_clear(&oerr);
		if (owned < 0)
		{
			rc = 0;
			goto out;
		}
	}
	if (stop_servers(servers_dir, bindir, t, err) < 0 ||
		remove_tree(t, servers_dir, err) < 0)
		goto out;
	rc = 0;
out:
	free(marker);
	transport_close(t);
	return rc;
}

int
demo_reset(pgr_error *err)
{
	char	   *dir = demo_dir();
	char	   *marker = NULL;
	char	   *servers = NULL;
	char	   *account = NULL;
	char	   *own_servers = NULL;
	char	   *bindir = NULL;
	cluster    *cl = NULL;
	transport  *lt = NULL;
	pgr_error	perr = PGR_ERROR_INIT;
	int			rc = -1;

	if (!dir)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no place for the demo sandbox: neither XDG_DATA_HOME nor HOME is an absolute path"));
		pgr_error_hint(err, _("Set HOME (or XDG_DATA_HOME) to your home directory."));
		return -1;
	}
	marker = pgr_asprintf("%s/%s", dir, DEMO_MARKER);
	if (!exists(dir))
	{
		rc = 1;
		goto out;
	}
	if (!exists(marker))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is not a pgreplica demo directory: left as it is"), dir);
		pgr_error_detail(err, _("It has no \"%s\" marker file."), DEMO_MARKER);
		pgr_error_hint(err, _("Move or remove it yourself if it is not needed."));
		goto out;
	}
	/* only where our own rules put it: a marker cannot send rm elsewhere */
	if (servers_account(&account, &own_servers, dir, err) < 0)
		goto out;
	servers = marker_servers(dir);
	if (servers && strcmp(servers, own_servers) != 0 && strcmp(servers, dir) != 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the demo's marker in \"%s\" names \"%s\", which is not where the demo keeps its servers"),
					  dir, servers);
		pgr_error_hint(err, _("Nothing was removed. Remove the directories yourself if they are not needed."));
		goto out;
	}
	{
		char	   *cpath = pgr_asprintf("%s/cluster.conf", dir);

		if (exists(cpath) && (cl = cluster_load(cpath, &perr)) != NULL &&
			cl->n_nodes > 0 && cl->nodes[0].bindir)
			bindir = pgr_strdup(cl->nodes[0].bindir);
		pgr_error_clear(&perr);
		free(cpath);
	}
	if (!bindir)
		bindir = find_bindir(&perr);
	pgr_error_clear(&perr);
	if (servers && strcmp(servers, dir) != 0 &&
		reset_servers(servers, dir, account, bindir, err) < 0)
		goto out;
	if (!(lt = transport_local_open(NULL, err)))
		goto out;
	/* the servers may live in the sandbox directory itself */
	{
		transport  *t = servers_transport(account, err);

		if (!t)
			goto out;
		rc = stop_servers(dir, bindir, t, err);
		transport_close(t);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (remove_tree(lt, dir, err) < 0 || remove_operator_files(lt, err) < 0)
		goto out;
	rc = 0;
out:
	transport_close(lt);
	cluster_free(cl);
	free(dir);
	free(marker);
	free(servers);
	free(account);
	free(own_servers);
	free(bindir);
	return rc;
}

/* ---- create ------------------------------------------------------------------------------ */

void
demo_sandbox_clear(demo_sandbox *sb)
{
	free(sb->dir);
	free(sb->cluster_path);
	free(sb->passfile);
	free(sb->servers_dir);
	free(sb->account);
	free(sb->bindir);
	sb->dir = sb->cluster_path = sb->passfile = sb->servers_dir = NULL;
	sb->account = sb->bindir = NULL;
	sb->primary_port = sb->standby_port = 0;
	sb->created = false;
}

/* The sandbox there is complete and usable: reuse it. */
static int
reuse(demo_sandbox *sb, bool *usable, pgr_error *err)
{
	pgr_error	perr = PGR_ERROR_INIT;
	cluster    *cl = cluster_load(sb->cluster_path, &perr);
	transport  *t = NULL;
	cluster_node *p;
	bool		found = false;
	int			rc = -1;

	*usable = false;
	if (!cl)
	{
		say(sb, _("the demo sandbox in \"%s\" is incomplete (%s): it is made anew"),
			sb->dir, perr.message ? perr.message : "?");
		pgr_error_clear(&perr);
		return 0;
	}
	if (!(t = servers_transport(sb->account, err)))
		goto out;
	p = cluster_primary(cl);
	if (p && p->pgdata)
	{
		char	   *pgv = pgr_asprintf("%s/PG_VERSION", p->pgdata);

		rc = stat_path(t, pgv, &found, err);
		free(pgv);
		if (rc < 0)
			goto out;
		rc = -1;
	}
	if (!found)
	{
		say(sb, _("the demo sandbox in \"%s\" has no primary data directory: it is made anew"), sb->dir);
		rc = 0;
		goto out;
	}
	if (start_servers(sb, cl, t, err) < 0)
		goto out;
	sb->primary_port = p->port;
	for (int i = 0; i < cl->n_nodes; i++)
		if (&cl->nodes[i] != p)
			sb->standby_port = cl->nodes[i].port;
	if (p->bindir)
	{
		free(sb->bindir);
		sb->bindir = pgr_strdup(p->bindir);
	}
	*usable = true;
	rc = 0;
out:
	transport_close(t);
	cluster_free(cl);
	return rc;
}

static int
write_passfile(const demo_sandbox *sb, transport *lt, const char *password, pgr_error *err)
{
	strbuf		text;
	int			rc;

	strbuf_init(&text);
	/* the password is generated from [A-Za-z0-9]: nothing to escape */
	strbuf_appendf(&text, "%s:%d:*:postgres:%s\n", DEMO_HOST, sb->primary_port, password);
	strbuf_appendf(&text, "%s:%d:*:postgres:%s\n", DEMO_HOST, sb->standby_port, password);
	rc = write_secret(lt, sb->passfile, text.data, err);
	explicit_bzero(text.data, text.len);
	strbuf_free(&text);
	return rc;
}

static char *
node_conf_text(int port)
{
	return pgr_asprintf("# pgreplica demo: this server's own settings, outside its data directory\n"
						"# so that a standby cloned from another server keeps them.\n"
						"listen_addresses = '%s'\n"
						"port = %d\n"
						"unix_socket_directories = ''\n"
						"shared_buffers = '32MB'\n", DEMO_HOST, port);
}

/* initdb of the primary, with the superuser's password from a 0600 file */
static int
init_primary(demo_sandbox *sb, transport *t, const char *password, pgr_error *err)
{
	char	   *pwfile = pgr_asprintf("%s/.pgreplica-initdb.pw", sb->servers_dir);
	char	   *pwopt = pgr_asprintf("--pwfile=%s", pwfile);
	char	   *data = pgr_asprintf("%s/" DEMO_PRIMARY "/data", sb->servers_dir);
	char	   *initdb = pgr_asprintf("%s/initdb", sb->bindir);
	char	   *conf = pgr_asprintf("%s/postgresql.conf", data);
	char	   *pw = pgr_asprintf("%s\n", password);
	char	   *text = NULL;
	size_t		len = 0;
	const char *argv[] = {initdb, "-D", data, "-U", "postgres", pwopt,
	"--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", NULL};
	const char *rm[] = {"rm", "-f", "--", pwfile, NULL};
	pgr_error	rerr = PGR_ERROR_INIT;
	int			rc = -1;

	say(sb, _("initdb of the demo's primary in \"%s\""), data);
	if (write_secret(t, pwfile, pw, err) < 0)
		goto out;
	rc = run(t, argv, _("create the demo's primary (initdb)"), err);
	/* the password file goes, whatever happened */
	if (run(t, rm, _("remove initdb's password file"), &rerr) < 0 && rc == 0)
	{
		pgr_error_set(err, rerr.kind, "%s", rerr.message);
		rc = -1;
	}
	pgr_error_clear(&rerr);
	if (rc < 0)
		goto out;
	rc = -1;

	/* the node's own settings, from outside the data directory */
	if (transport_read_file(t, conf, 0, &text, &len, err) < 0)
		goto out;
	{
		char	   *nt = pgr_asprintf("%s%s\n# pgreplica demo: this server's port and addresses (not copied to a standby)\n"
									  "include_if_exists = '../node.conf'\n",
									  text, len > 0 && text[len - 1] != '\n' ? "\n" : "");

		rc = write_text(t, conf, nt, 0600, err);
		free(nt);
	}
out:
	explicit_bzero(pw, strlen(pw));
	free(pw);
	free(text);
	free(pwfile);
	free(pwopt);
	free(data);
	free(initdb);
	free(conf);
	return rc;
}

static int
create_fresh(demo_sandbox *sb, pgr_error *err)
{
	transport  *lt = NULL;
	transport  *t = NULL;
	char	   *password = NULL;
	char	   *marker = NULL;
	char	   *text = NULL;
	cluster    *cl = NULL;
	int			rc = -1;

	if (!(lt = transport_local_open(NULL, err)) ||
		!(t = servers_transport(sb->account, err)))
		goto out;

	/* the sandbox directory and its marker, before anything else */
	say(sb, _("making the demo sandbox in \"%s\""), sb->dir);
	if (make_dir(lt, sb->dir, err) < 0)
		goto out;
	marker = marker_text(sb->dir, sb->servers_dir);
	{
		char	   *mpath = pgr_asprintf("%s/%s", sb->dir, DEMO_MARKER);
		int			r = write_text(lt, mpath, marker, 0644, err);

		free(mpath);
		if (r < 0)
			goto out;
	}
	if (strcmp(sb->servers_dir, sb->dir) != 0)
	{
		bool		found = false;
		char	   *smarker = pgr_asprintf("%s/%s", sb->servers_dir, DEMO_MARKER);

		/* a servers' directory left by an earlier sandbox goes first */
		if (stat_path(t, sb->servers_dir, &found, err) < 0 ||
			(found && check_servers_owner(sb->servers_dir, sb->dir, err) < 0) ||
			(found && reset_servers(sb->servers_dir, sb->dir, sb->account, sb->bindir, err) < 0) ||
			make_dir(t, sb->servers_dir, err) < 0 ||
			write_text(t, smarker, marker, 0644, err) < 0)
		{
			free(smarker);
			goto out;
		}
		free(smarker);
	}
	for (size_t i = 0; i < sizeof(demo_nodes) / sizeof(demo_nodes[0]); i++)
	{
		char	   *ndir = pgr_asprintf("%s/%s", sb->servers_dir, demo_nodes[i]);
		char	   *npath = pgr_asprintf("%s/node.conf", ndir);
		char	   *ntext = node_conf_text(i == 0 ? sb->primary_port : sb->standby_port);
		int			r = make_dir(t, ndir, err);

		if (r == 0)
			r = write_text(t, npath, ntext, 0600, err);
		free(ndir);
		free(npath);
		free(ntext);
		if (r < 0)
			goto out;
	}

	if (!(password = step_role_generate_password(DEMO_PASSWORD_LEN, err)))
		goto out;
	if (write_passfile(sb, lt, password, err) < 0 ||
		init_primary(sb, t, password, err) < 0)
		goto out;

	/* the cluster file: checked by the parser before it is written */
	text = cluster_text(sb);
	if (!(cl = cluster_parse(text, sb->cluster_path, err)))
		goto out;
	if (start_servers(sb, cl, t, err) < 0)
		goto out;
	if (write_text(lt, sb->cluster_path, text, 0644, err) < 0)
		goto out;
	sb->created = true;
	rc = 0;
out:
	pgr_free_secret(password);
	free(marker);
	free(text);
	cluster_free(cl);
	transport_close(t);
	transport_close(lt);
	return rc;
}

int
demo_create(demo_sandbox *sb, pgr_error *err)
{
	char	   *marker = NULL;
	char	   *sudo = NULL;
	bool		usable = false;
	int			rc = -1;

	demo_sandbox_clear(sb);
	if (!(sb->dir = demo_dir()))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("no place for the demo sandbox: neither XDG_DATA_HOME nor HOME is an absolute path"));
		pgr_error_hint(err, _("Set HOME (or XDG_DATA_HOME) to your home directory."));
		goto out;
	}
	sb->cluster_path = pgr_asprintf("%s/cluster.conf", sb->dir);
	sb->passfile = pgr_asprintf("%s/pgpass", sb->dir);
	if (servers_account(&sb->account, &sb->servers_dir, sb->dir, err) < 0)
		goto out;
	/*
	 * pg_ctl starts the server through a shell with the paths in double
	 * quotes; the cluster file holds no line breaks.
	 */
	if (strpbrk(sb->servers_dir, "\"$`\\\n"))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the demo's servers cannot live in \"%s\": it holds a character that pg_ctl cannot pass safely (\", $, ` or \\) or a line break"),
					  sb->servers_dir);
		pgr_error_hint(err, _("Set XDG_DATA_HOME to a directory without these characters."));
		goto out;
	}
	if (sb->account && !(sudo = dir_in_path("sudo")))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("sudo is needed to run the demo's servers as \"%s\""), sb->account);
		pgr_error_detail(err, _("pgreplica runs as root, and the PostgreSQL server refuses to run as root."));
		pgr_error_hint(err, _("Install sudo (Debian: apt-get install sudo, or build-aux/install-deps.sh), or run \"%s demo\" as an ordinary user."), PACKAGE);
		goto out;
	}
	if (!(sb->bindir = find_bindir(err)))
		goto out;

	marker = pgr_asprintf("%s/%s", sb->dir, DEMO_MARKER);
	if (exists(sb->dir))
	{
		if (!exists(marker))
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" exists and is not a pgreplica demo directory"), sb->dir);
			pgr_error_detail(err, _("It has no \"%s\" marker file."), DEMO_MARKER);
			pgr_error_hint(err, _("Move it away, or set XDG_DATA_HOME to use another place."));
			goto out;
		}
		if (reuse(sb, &usable, err) < 0)
			goto out;
		if (!usable)
		{
			int			r = demo_reset(err);

			if (r < 0)
				goto out;
		}
	}
	if (!usable)
	{
		/* root's servers' directory may be another sandbox's: refuse first */
		if (strcmp(sb->servers_dir, sb->dir) != 0 &&
			check_servers_owner(sb->servers_dir, sb->dir, err) < 0)
			goto out;
		if ((sb->primary_port = find_port(DEMO_FIRST_PORT, 0, err)) < 0 ||
			(sb->standby_port = find_port(sb->primary_port + 1, sb->primary_port, err)) < 0)
			goto out;
		if (create_fresh(sb, err) < 0)
			goto out;
	}
	else
		say(sb, _("reusing the demo sandbox in \"%s\""), sb->dir);
	/* the console's connections find the superuser's password there */
	setenv("PGPASSFILE", sb->passfile, 1);
	rc = 0;
out:
	free(marker);
	free(sudo);
	return rc;
}
