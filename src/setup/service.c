/*
 * service.c: a node's server started, stopped, restarted, reloaded through
 * its service manager (see service.h for the commands and the pg_ctl log).
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "i18n.h"
#include "pgconn.h"
#include "service.h"
#include "strbuf.h"
#include "shquote.h"
#include "transport.h"

#define TIMEOUT_ARG "60"		/* SERVICE_TIMEOUT_S for pg_ctl -t */

static const char *
action_word(service_action a)
{
	switch (a)
	{
		case SERVICE_START:
		case SERVICE_START_NOWAIT:
			return "start";
		case SERVICE_STOP:
		case SERVICE_STOP_IMMEDIATE:
		case SERVICE_STOP_NOWAIT:
			return "stop";
		case SERVICE_RESTART:
			return "restart";
		case SERVICE_RELOAD:
			return "reload";
		case SERVICE_STATUS:
			return "status";
	}
	return "status";
}

/* A growable argv. */
typedef struct argv_buf {
	char	  **v;
	int			n;
} argv_buf;

static void
argv_add(argv_buf *a, const char *s)
{
	a->v = pgr_realloc(a->v, sizeof(char *) * (size_t) (a->n + 2));
	a->v[a->n++] = pgr_strdup(s);
	a->v[a->n] = NULL;
}

void
service_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **p = argv; *p; p++)
		free(*p);
	free(argv);
}

static char *
pg_ctl_log_path(const cluster_node *n)
{
	return pgr_asprintf("%s/%s", n->pgdata, SERVICE_PG_CTL_LOG);
}

static char *
pg_ctl_path(const cluster_node *n, bool *from_path)
{
	bool		none = !n->bindir || !n->bindir[0];

	if (from_path)
		*from_path = none;
	if (none)
		return pgr_strdup("pg_ctl");
	return pgr_asprintf("%s/pg_ctl", n->bindir);
}

char **
service_argv(const cluster_node *n, service_action action, bool *from_path,
			 pgr_error *err)
{
	argv_buf	a = {NULL, 0};

	if (from_path)
		*from_path = false;
	switch (n->service.kind)
	{
		case SERVICE_PG_CTL:
			{
				char	   *prog;
				char	   *log;

				if (!n->pgdata || !n->pgdata[0])
				{
					pgr_error_set(err, PGR_ERR_INPUT,
								  _("node \"%s\" has no \"pgdata\" setting, which pg_ctl needs"),
								  n->name);
					pgr_error_hint(err, _("Set pgdata (the data directory) for the node in the cluster file, or another service."));
					return NULL;
				}
				prog = pg_ctl_path(n, from_path);
				argv_add(&a, prog);
				free(prog);
				argv_add(&a, "-D");
				argv_add(&a, n->pgdata);
				if (action == SERVICE_START_NOWAIT || action == SERVICE_STOP_NOWAIT)
					argv_add(&a, "-W");
				else if (action != SERVICE_RELOAD && action != SERVICE_STATUS)
				{
					argv_add(&a, "-w");
					argv_add(&a, "-t");
					argv_add(&a, TIMEOUT_ARG);
				}
				if (action == SERVICE_STOP || action == SERVICE_STOP_NOWAIT ||
					action == SERVICE_RESTART)
				{
					argv_add(&a, "-m");
					argv_add(&a, "fast");
				}
				else if (action == SERVICE_STOP_IMMEDIATE)
				{
					argv_add(&a, "-m");
					argv_add(&a, "immediate");
				}
				if (action == SERVICE_START || action == SERVICE_START_NOWAIT ||
					action == SERVICE_RESTART)
				{
					/*
					 * The server beside pg_ctl, named: else pg_ctl runs
					 * "postgres -V" to find it, a process that loads the
					 * whole server (10 to 20 ms on every start).  Whether
					 * it is there and of the right version is the
					 * inspection's business (the standby's checks).
					 */
					if (n->bindir && n->bindir[0])
					{
						char	   *postgres = pgr_asprintf("%s/postgres", n->bindir);

						argv_add(&a, "-p");
						argv_add(&a, postgres);
						free(postgres);
					}
					log = pg_ctl_log_path(n);
					argv_add(&a, "-l");
					argv_add(&a, log);
					free(log);
				}
				argv_add(&a, action_word(action));
				break;
			}
		case SERVICE_PG_CTLCLUSTER:
			argv_add(&a, "pg_ctlcluster");
			if (action == SERVICE_STOP || action == SERVICE_STOP_NOWAIT ||
				action == SERVICE_RESTART)
			{
				argv_add(&a, "--mode");
				argv_add(&a, "fast");
			}
			else if (action == SERVICE_STOP_IMMEDIATE)
			{
				argv_add(&a, "--mode");
				argv_add(&a, "immediate");
			}
			argv_add(&a, n->service.version ? n->service.version : "");
			argv_add(&a, n->service.name ? n->service.name : "");
			argv_add(&a, action_word(action));
			break;
		case SERVICE_SYSTEMD:
			/* the unit's own stop (PostgreSQL's units: fast shutdown) */
			argv_add(&a, "systemctl");
			if (action == SERVICE_STATUS)
			{
				argv_add(&a, "is-active");
				argv_add(&a, "--quiet");
			}
			else
				argv_add(&a, action_word(action));
			argv_add(&a, n->service.name ? n->service.name : "");
			break;
	}
	return a.v;
}

char *
service_command_string(const cluster_node *n, service_action action)
{
	char	  **argv = service_argv(n, action, NULL, NULL);
	strbuf		sb;

	if (!argv)
		return pgr_strdup("?");
	strbuf_init(&sb);
	for (char **a = argv; *a; a++)
	{
		if (a != argv)
			strbuf_append_char(&sb, ' ');
		shquote_append_word(&sb, *a);
	}
	service_argv_free(argv);
	return strbuf_detach(&sb);
}

static void
service_hint(const cluster_node *n, pgr_error *err)
{
	switch (n->service.kind)
	{
		case SERVICE_PG_CTL:
			{
				char	   *log = pg_ctl_log_path(n);

				pgr_error_hint(err, _("Look at the server's log (\"%s\" if pgreplica started it) on the node's host."),
							   log);
				free(log);
				break;
			}
		case SERVICE_PG_CTLCLUSTER:
			pgr_error_hint(err, _("Check \"pg_lsclusters\" and the cluster's log on the node's host."));
			break;
		case SERVICE_SYSTEMD:
			pgr_error_hint(err, _("Check \"systemctl status %s\" and \"journalctl -u %s\" on the node's host; the account may need the right to run systemctl (sudo)."),
						   n->service.name ? n->service.name : "", n->service.name ? n->service.name : "");
			break;
	}
}

static void
set_failed(pgr_error *err, service_action a, const char *node)
{
	switch (a)
	{
		case SERVICE_START:
		case SERVICE_START_NOWAIT:
			pgr_error_set(err, PGR_ERR_EXEC, _("could not start the server of node \"%s\""), node);
			return;
		case SERVICE_STOP:
		case SERVICE_STOP_IMMEDIATE:
		case SERVICE_STOP_NOWAIT:
			pgr_error_set(err, PGR_ERR_EXEC, _("could not stop the server of node \"%s\""), node);
			return;
		case SERVICE_RESTART:
			pgr_error_set(err, PGR_ERR_EXEC, _("could not restart the server of node \"%s\""), node);
			return;
		case SERVICE_RELOAD:
			pgr_error_set(err, PGR_ERR_EXEC, _("could not reload the server of node \"%s\""), node);
			return;
		case SERVICE_STATUS:
			break;
	}
	pgr_error_set(err, PGR_ERR_EXEC, _("could not get the state of the server of node \"%s\""), node);
}

/*
 * pg_ctl's start and restart need the directory of its log (-l): made in
 * the same command, ahead of pg_ctl ("sh -c 'mkdir ... && exec pg_ctl
 * ...'"), instead of a stat of pg_ctl and a mkdir of their own (two round
 * trips on every start); mkdir runs only when it is missing (a process
 * costs a millisecond or two).  A missing pg_ctl is then the shell's status 127,
 * which run_action turns into the message the stat gave.  ARGV is the
 * service's; the result is malloc'd like it.
 */
static char **
pg_ctl_with_log_dir(const cluster_node *n, char **argv)
{
	argv_buf	a = {NULL, 0};

	argv_add(&a, "sh");
	argv_add(&a, "-c");
	argv_add(&a, "{ [ -d \"$1\" ] || mkdir -p -m 0700 -- \"$1\"; } && shift && exec \"$@\"");
	argv_add(&a, "sh");
	{
		char	   *dir = pgr_asprintf("%s/log", n->pgdata);

		argv_add(&a, dir);
		free(dir);
	}
	for (char **p = argv; *p; p++)
		argv_add(&a, *p);
	service_argv_free(argv);
	return a.v;
}

/*
 * Run an action, checked: *status gets the exit status.  A failure with
 * *status > 0 is the command's own (err's detail has the end of its
 * standard error); any other failure is the transport's, with the command
 * line as its detail.
 */
static int
run_action(session *ctx, cluster_node *n, service_action action, int *status,
		   pgr_error *err)
{
	transport  *t = session_transport(ctx, n, err);
	transport_exec_opts o = {0};
	bool		from_path = false;
	char	  **argv;
	int			rc;

	*status = -1;
	if (!t)
		return -1;
	argv = service_argv(n, action, &from_path, err);
	if (!argv)
		return -1;
	if (n->service.kind == SERVICE_PG_CTL && from_path)
		session_log(ctx, NULL, _("node \"%s\" has no bindir: using pg_ctl from PATH"), n->name);
	if (n->service.kind == SERVICE_PG_CTL &&
		(action == SERVICE_START || action == SERVICE_START_NOWAIT || action == SERVICE_RESTART))
		argv = pg_ctl_with_log_dir(n, argv);
	/* pg_ctl's own -t, plus time to spare for the transport */
	o.timeout_ms = (SERVICE_TIMEOUT_S + 15) * 1000;
	rc = transport_run_checked(t, (const char *const *) argv, &o, NULL, status, err);
	if (rc < 0 && *status == 127 && n->service.kind == SERVICE_PG_CTL)
	{
		char	   *prog = pg_ctl_path(n, NULL);

		pgr_error_clear(err);
		pgr_error_set(err, PGR_ERR_EXEC, _("there is no \"%s\" on node \"%s\""), prog, n->name);
		pgr_error_hint(err, _("Set bindir for the node in the cluster file to the directory of the server's pg_ctl (or leave it empty to use pg_ctl from PATH)."));
		free(prog);
		*status = -1;			/* said: not the command's own failure */
		service_argv_free(argv);
		return -1;
	}
	if (rc < 0 && *status <= 0)
	{
		char	   *cmd = service_command_string(n, action);

		pgr_error_prefix(err, "%s", n->name);
		if (err && !err->detail)
			pgr_error_detail(err, _("Command: %s"), cmd);
		free(cmd);
	}
	service_argv_free(argv);
	return rc;
}

/*
 * The action's command ran and exited with a non-zero status: say what
 * failed, with the command, its status and the end of its standard error
 * (transport_run_checked's detail).
 */
static void
set_command_failed(pgr_error *err, const cluster_node *n, service_action action,
				   int status)
{
	char	   *cmd = service_command_string(n, action);
	char	   *out = pgr_strdup(err && err->detail ? err->detail : "");

	set_failed(err, action, n->name);
	if (status == 127)
		pgr_error_detail(err, _("Command not found: %s"), cmd);
	else
		pgr_error_detail(err, _("The command %s exited with status %d:\n%s"),
						 cmd, status, out);
	service_hint(n, err);
	free(cmd);
	free(out);
}

int
service_run(session *ctx, cluster_node *n, service_action action, pgr_error *err)
{
	int			status;
	int			rc = run_action(ctx, n, action, &status, err);

	if (rc < 0 && status > 0)
		set_command_failed(err, n, action, status);
	return rc;
}

int
service_start(session *ctx, cluster_node *n, pgr_error *err)
{
	return service_run(ctx, n, SERVICE_START, err);
}

int
service_start_nowait(session *ctx, cluster_node *n, pgr_error *err)
{
	return service_run(ctx, n, SERVICE_START_NOWAIT, err);
}

int
service_check_started(session *ctx, cluster_node *n, pgr_error *err)
{
	bool		running = false;
	char	   *log;
	char	   *data = NULL;
	size_t		len = 0;
	transport  *t;

	if (service_status(ctx, n, &running, err) < 0)
		return -1;
	if (running)
		return 0;
	set_failed(err, SERVICE_START, n->name);
	pgr_error_detail(err, _("The server stopped while starting."));
	/* what pg_ctl -w would have shown: the end of the server's log */
	if (n->service.kind == SERVICE_PG_CTL && (t = session_transport(ctx, n, NULL)) != NULL)
	{
		log = pg_ctl_log_path(n);
		if (transport_read_file(t, log, 0, &data, &len, NULL) == 0 && len > 0)
		{
			char	   *tail = transport_text_tail(data, strlen(data));

			pgr_error_detail(err, _("The server stopped while starting. The end of \"%s\":\n%s"),
							 log, tail);
			free(tail);
		}
		free(data);
		free(log);
	}
	service_hint(n, err);
	return -1;
}

int
service_stop(session *ctx, cluster_node *n, bool immediate, pgr_error *err)
{
	return service_run(ctx, n, immediate ? SERVICE_STOP_IMMEDIATE : SERVICE_STOP, err);
}

int
service_stop_nowait(session *ctx, cluster_node *n, pgr_error *err)
{
	return service_run(ctx, n, SERVICE_STOP_NOWAIT, err);
}

int
service_wait_stopped(session *ctx, cluster_node *n, pgr_error *err)
{
	int64_t		start = pgr_now_ms();
	long		delay = 2;
	transport  *t;
	char	   *pidfile;
	int			rc = -1;

	/* pg_ctlcluster and systemctl waited in their stop */
	if (n->service.kind != SERVICE_PG_CTL)
		return 0;
	if (!(t = session_transport(ctx, n, err)))
		return -1;
	pidfile = pgr_asprintf("%s/postmaster.pid", n->pgdata);
	for (;;)
	{
		transport_file_stat st;

		if (transport_stat(t, pidfile, &st, err) < 0)
			break;
		if (!st.exists)
		{
			rc = 0;
			break;
		}
		if (pgr_now_ms() - start >= SERVICE_TIMEOUT_S * 1000)
		{
			set_failed(err, SERVICE_STOP, n->name);
			pgr_error_detail(err, _("\"%s\" is still there after %d s: the server has not stopped."),
							 pidfile, SERVICE_TIMEOUT_S);
			service_hint(n, err);
			break;
		}
		pgr_sleep_ms(delay);
		if (delay < 50)
			delay *= 2;
	}
	free(pidfile);
	return rc;
}

int
service_restart(session *ctx, cluster_node *n, pgr_error *err)
{
	return service_run(ctx, n, SERVICE_RESTART, err);
}

int
service_status(session *ctx, cluster_node *n, bool *running, pgr_error *err)
{
	int			status;
	int			rc = run_action(ctx, n, SERVICE_STATUS, &status, err);

	/*
	 * pg_ctl, pg_ctlcluster and systemctl is-active all say 0 for running
	 * and 3 for not running; anything else (pg_ctl's 4: no data directory,
	 * systemctl's 1: no systemd to ask, 127: no such command) is an error.
	 */
	*running = rc == 0;
	if (rc < 0 && status == 3)
	{
		pgr_error_clear(err);
		return 0;
	}
	if (rc < 0 && status > 0)
		set_command_failed(err, n, SERVICE_STATUS, status);
	return rc;
}

/* ---- waiting for the server ---------------------------------------------------- */

int
service_wait_ready(session *ctx, cluster_node *n, double timeout_s,
				   pgr_error *err)
{
	int64_t		deadline = pgconn_deadline_after(timeout_s > 0 ? timeout_s : SERVICE_TIMEOUT_S);
	int64_t		delay = 50;
	pgr_error	last = PGR_ERROR_INIT;
	pgconn_options o = {0};

	if (!session_find_node(ctx, n))
		return pgr_error_set(err, PGR_ERR_GENERIC, _("node \"%s\" is not in the plan"), n->name);
	session_disconnect(ctx, n);
	for (;;)
	{
		int64_t		left = deadline - pgr_now_ms();
		double		try_s;
		PGconn	   *conn;

		if (left <= 0)
			break;
		try_s = (double) left / 1000.0;
		if (try_s > ctx->opts.connect_timeout_s)
			try_s = ctx->opts.connect_timeout_s;
		if (try_s < 1)
			try_s = 1;			/* libpq's connect_timeout is whole seconds */
		pgr_error_clear(&last);
		conn = pgconn_connect(ctx->cl, n, &o, try_s, &last);
		if (conn)
		{
			session_set_conn(ctx, n, conn);
			pgr_error_clear(&last);
			return 0;
		}
		if (last.kind == PGR_ERR_AUTH)
			break;				/* waiting will not fix that */
		left = deadline - pgr_now_ms();
		if (left <= 0)
			break;
		pgr_sleep_ms(delay < left ? delay : left);
		delay = delay * 2 > 1000 ? 1000 : delay * 2;
	}
	if (last.kind == PGR_ERR_AUTH)
	{
		if (err)
		{
			pgr_error_clear(err);
			*err = last;
		}
		else
			pgr_error_clear(&last);
		return -1;
	}
	pgr_error_set(err, PGR_ERR_TIMEOUT,
				  _("the server of node \"%s\" did not accept connections within %g s"),
				  n->name, timeout_s > 0 ? timeout_s : (double) SERVICE_TIMEOUT_S);
	if (last.message)
		pgr_error_detail(err, "%s%s%s", last.message,
						 last.detail ? "\n" : "", last.detail ? last.detail : "");
	service_hint(n, err);
	pgr_error_clear(&last);
	return -1;
}
