/*
 * cmd_dashboard.c: "pgreplica dashboard [--readonly]".
 */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

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

static int
bad_usage(pgr_error *err)
{
	pgr_error_hint(err, _("Try \"%s dashboard --help\" for more information."), PACKAGE);
	report_error(err);
	pgr_error_clear(err);
	return PGR_EXIT_ERROR;
}

int
cmd_dashboard(const pgr_globals *g, int argc, char **argv)
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
	int			opt;

	/* main() has parsed its own options with getopt: start afresh */
#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", long_options, NULL)) != -1)
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
				return PGR_EXIT_OK;
			default:
				pgr_error_set(&err, PGR_ERR_INPUT,
							  _("unknown option \"%s\""), argv[optind - 1]);
				return bad_usage(&err);
		}
	}
	if (optind < argc)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("unexpected argument \"%s\""), argv[optind]);
		return bad_usage(&err);
	}
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
