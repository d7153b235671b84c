/*
 * commands.h: the command line's commands.  main.c parses the global
 * options given before the command, then hands the remaining arguments
 * (argv[0] is the command's name) to one of these, which parses its own
 * options and the global ones given after the command (cli.h) and returns
 * the process's exit status.  The curses commands (setup, the console, demo, dashboard)
 * live in src/ too and call the ui's entry points (wizard.h, dashboard.h).
 */
#ifndef PGR_COMMANDS_H
#define PGR_COMMANDS_H

#include <stdbool.h>

#include "globals.h"


int			cmd_status(pgr_globals *g, int argc, char **argv);
int			cmd_plan(pgr_globals *g, int argc, char **argv);
int			cmd_apply(pgr_globals *g, int argc, char **argv);
int			cmd_check(pgr_globals *g, int argc, char **argv);
/* cmd_health.c: "check --nagios ...", the running cluster's health. */
bool		check_wants_health(int argc, char **argv);
int			cmd_check_health(pgr_globals *g, int argc, char **argv);
/* cmd_setup.c: the wizard, and the console (no command). */
int			cmd_setup(pgr_globals *g, int argc, char **argv);
int			cmd_console(pgr_globals *g, int argc, char **argv);
int			cmd_demo(pgr_globals *g, int argc, char **argv);	
int			cmd_dashboard(pgr_globals *g, int argc, char **argv);	
int			cmd_promote(pgr_globals *g, int argc, char **argv);
int			cmd_follow(pgr_globals *g, int argc, char **argv);
int			cmd_resync(pgr_globals *g, int argc, char **argv);
int			cmd_switchover(pgr_globals *g, int argc, char **argv);
int			cmd_drop_slot(pgr_globals *g, int argc, char **argv);
int			cmd_drop_to_async(pgr_globals *g, int argc, char **argv);

#endif
