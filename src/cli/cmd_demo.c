/*
 * cmd_demo.c: `pgreplica demo [--reset] [--no-console]`, the way to try
 * pgreplica on a machine with no servers: the demo sandbox (src/setup/demo.h: a
 * primary and an empty standby on 127.0.0.1), then the set-up wizard on
 * its cluster file, pre-filled from it.
 *
 * --no-console makes (or reuses) the sandbox and prints the path of its
 * cluster file, for scripts and tests: the same engine calls, no screen.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "demo.h"
#include "i18n.h"
#include "report.h"
#include "wizard.h"

static void
log_line(void *arg, const char *line)
{
	(void) arg;
	report_info("%s", line);
}

int
cmd_demo(pgr_globals *g, int argc, char **argv)
{
	bool		reset = false;
	bool		no_console = false;
	demo_sandbox sb = {0};
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = NULL;
	cli_parser	p;
	int			c;
	int			rc = PGR_EXIT_ERROR;

	cli_begin(&p, g, &cli_cmd_demo, argc, argv);
	while ((c = cli_next(&p)) != -1)
	{
		switch (c)
		{
			case 'r':
				reset = true;
				break;
			case 'n':
				no_console = true;
				break;
			case 'h':
				cli_help(stdout, &cli_cmd_demo);
				/* fall through */
			default:
				return cli_stop(&p, c);
		}
	}
	if (reset && no_console)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("--reset and --no-console cannot go together"));
		cli_fail(&p, &err);
		cli_free(&p);
		return PGR_EXIT_ERROR;
	}
	if (cli_end(&p) < 0)
		return PGR_EXIT_ERROR;

	if (reset)
	{
		char	   *dir = demo_dir();

		switch (demo_reset(&err))
		{
			case 0:
				report_info(_("the demo sandbox in \"%s\" was stopped and removed"), dir);
				rc = PGR_EXIT_OK;
				break;
			case 1:
				report_info(_("there is no demo sandbox in \"%s\": nothing to remove"), dir);
				rc = PGR_EXIT_OK;
				break;
			default:
				report_error(&err);
				break;
		}
		free(dir);
		pgr_error_clear(&err);
		return rc;
	}

	if (!no_console && !g->interactive)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("the demo's console needs a terminal"));
		pgr_error_hint(&err, _("Run it in a terminal, or use \"%s demo --no-console\" in a script."), PACKAGE);
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}

	sb.log = log_line;
	if (demo_create(&sb, &err) < 0)
	{
		report_error(&err);
		goto out;
	}
	report_info(_("demo primary on %s port %d, standby on port %d"), "127.0.0.1",
				sb.primary_port, sb.standby_port);
	report_info(_("the demo's superuser password is in \"%s\" (PGPASSFILE for other commands)"),
				sb.passfile);
	if (no_console)
	{
		printf("%s\n", sb.cluster_path);
		rc = PGR_EXIT_OK;
		goto out;
	}
	if (!(cl = cluster_load(sb.cluster_path, &err)))
	{
		report_error(&err);
		goto out;
	}
	rc = wizard_run(g, sb.cluster_path, cl);
out:
	cluster_free(cl);
	demo_sandbox_clear(&sb);
	pgr_error_clear(&err);
	return rc;
}
