/*
 * node_test.c: the node test (node_test.h), one engine call for the
 * wizard's F5 and "pgreplica check NODE".
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include <libpq-fe.h>

#include "i18n.h"
#include "node_test.h"
#include "pgconn.h"
#include "report.h"

static void
append_error(strbuf *sb, const pgr_error *err)
{
	strbuf_appendf(sb, "%s\n", err->message ? err->message : "");
	if (err->detail)
		strbuf_appendf(sb, "%s\n", err->detail);
	if (err->hint)
		strbuf_appendf(sb, "%s\n", err->hint);
}

/* The primary's server through libpq, as the set-up will connect. */
static bool
test_server(const cluster *cl, const cluster_node *n, strbuf *out)
{
	pgr_error	err = PGR_ERROR_INIT;
	PGconn	   *conn = pgconn_connect(cl, n, NULL, 10, &err);
	const char *v;
	char		port[16];

	snprintf(port, sizeof(port), "%d", n->port);
	if (!conn)
	{
		strbuf_appendf(out, _("PostgreSQL at %s:%s: not connected\n"), n->host, port);
		append_error(out, &err);
		pgr_error_clear(&err);
		return false;
	}
	v = PQparameterStatus(conn, "server_version");
	strbuf_appendf(out, _("PostgreSQL at %s:%s: connected as %s, version %s\n"),
				   n->host, port, n->dbuser ? n->dbuser : "?", v ? v : "?");
	PQfinish(conn);
	return true;
}

/* A standby's data directory: missing is fine (made), a file is not. */
static bool
test_pgdata(transport *t, const char *pgdata, strbuf *out)
{
	pgr_error	err = PGR_ERROR_INIT;
	transport_file_stat st;

	if (transport_stat(t, pgdata, &st, &err) < 0)
	{
		append_error(out, &err);
		pgr_error_clear(&err);
		return false;
	}
	if (!st.exists)
		strbuf_appendf(out, _("data directory \"%s\": not there yet (it will be made)\n"), pgdata);
	else if (!st.is_dir)
	{
		strbuf_appendf(out, _("data directory \"%s\": not a directory\n"), pgdata);
		return false;
	}
	else
		strbuf_appendf(out, _("data directory \"%s\": found (it will be moved aside, not deleted)\n"), pgdata);
	return true;
}

/* Reach the host, run the server program for its version. */
static bool
test_host(const transport_options *topts, const cluster_node *n, bool check_pgdata,
		  strbuf *out)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *ssh = n->ssh ? n->ssh : "local";
	transport  *t = transport_open(ssh, topts, &err);
	char	   *prog;
	strbuf		so;
	bool		ok = true;

	if (!t)
	{
		strbuf_appendf(out, _("SSH target \"%s\": not reached\n"), ssh);
		append_error(out, &err);
		pgr_error_clear(&err);
		return false;
	}
	strbuf_appendf(out, _("SSH target \"%s\": reached\n"), ssh);
	prog = n->bindir ? pgr_asprintf("%s/postgres", n->bindir) : pgr_strdup("postgres");
	strbuf_init(&so);
	{
		const char *argv[] = {prog, "--version", NULL};
		transport_exec_opts o = {.timeout_ms = 10000};

		if (transport_run_checked(t, argv, &o, &so, NULL, &err) < 0)
		{
			strbuf_appendf(out, _("\"%s --version\" did not run on that host\n"), prog);
			if (pgr_error_isset(&err))
				append_error(out, &err);
			pgr_error_clear(&err);
			ok = false;
		}
		else
			strbuf_appendf(out, _("server programs: %s"), so.data);
	}
	if (check_pgdata && n->pgdata && !test_pgdata(t, n->pgdata, out))
		ok = false;
	strbuf_free(&so);
	free(prog);
	transport_close(t);
	return ok;
}

bool
node_test(const cluster *cl, const cluster_node *n, bool primary,
		  const transport_options *topts, strbuf *out)
{
	/* the host is not worth trying when its primary server cannot be reached */
	if (primary && !test_server(cl, n, out))
		return false;
	return test_host(topts, n, !primary, out);
}
