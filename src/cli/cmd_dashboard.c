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

int
cmd_dashboard(pgr_globals *g, int argc, char **argv)
{
	pgr_error	err = PGR_ERROR_INIT;
	bool		readonly = false;
	bool		force = false;
	cli_parser	p;
	int			opt;

	cli_begin(&p, g, &cli_cmd_dashboard, argc, argv);
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
				cli_help(stdout, &cli_cmd_dashboard);
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
