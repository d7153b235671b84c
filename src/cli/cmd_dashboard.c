/*
 * cmd_dashboard.c: "pgreplica dashboard [--readonly]".
 */
#include <config.h>

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "dashboard.h"
#include "i18n.h"
#include "report.h"

static void
usage(void)
{
	printf(_("Watch the cluster live: every node's role, state, lag and slots, and the\n"
			 "events; promote, follow, re-sync, drop to asynchronous or drop a slot.\n\n"));
	printf(_("Usage:\n"));
	printf(_("  %s [-c FILE] [-d SECONDS] [--no-color] dashboard [OPTION]...\n"), PACKAGE);
	printf(_("\nOptions:\n"));
	printf(_("      --readonly           only watch: no action key\n"));
	printf(_("      --force              action keys although a cluster manager (Patroni,\n"
			 "                           repmgr, pg_auto_failover) runs the cluster:\n"
			 "                           dangerous, it may act at the same time\n"));
	printf(_("  -h, --help               show this help, then exit\n"));
	printf(_("\nKeys: F1 or ? in the dashboard.\n"));
}

int
cmd_dashboard(pgr_globals *g, int argc, char **argv)
{
	static const struct option long_options[] = {
		{"readonly", no_argument, NULL, 'r'},
		{"force", no_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	pgr_error	err = PGR_ERROR_INIT;
	bool		readonly = false;
	bool		force = false;
	cli_parser	p;
	int			opt;

	cli_begin(&p, g, "dashboard", argc, argv, "h", long_options);
	while ((opt = cli_next(&p)) != -1)
	{
		switch (opt)
		{
			case 'r':
				readonly = true;
				break;
			case 'f':
				force = true;
				break;
			case 'h':
				usage();
				/* fall through */
			default:
				return cli_stop(&p, opt);
		}
	}
	if (cli_end(&p) < 0)
		return PGR_EXIT_ERROR;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
	{
		pgr_error_set(&err, PGR_ERR_INPUT, "%s", _("the dashboard needs a terminal"));
		pgr_error_hint(&err, "%s", _("Run it in a terminal, or use \"pgreplica status\" from a script."));
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	return dashboard_run(g, g->cluster_path, readonly, force);
}
