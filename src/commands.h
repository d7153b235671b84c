/*
 * commands.h: the command line's commands.  main.c parses the global
 * options, then hands the remaining arguments (argv[0] is the command's
 * name) to one of these, which parses its own options and returns the
 * process's exit status.
 */
#ifndef PGR_COMMANDS_H
#define PGR_COMMANDS_H

#include <stdbool.h>

typedef struct pgr_globals {
	const char *cluster_path;	/* -c FILE, else cluster_default_path() */
	bool		cluster_path_given; /* -c was given */
	double		delay_s;		/* -d: refresh interval (dashboard) */
	bool		no_color;		/* --no-color or NO_COLOR */
	const char *ssh_config;		/* --ssh-config FILE (like ssh -F) */
	const char *replication_password_file;
	bool		interactive;	/* stdin and stdout are terminals */
} pgr_globals;

/* Exit statuses shared by every command. */
#define PGR_EXIT_OK 0
#define PGR_EXIT_DEGRADED 1		/* status: something is not healthy */
#define PGR_EXIT_ERROR 2		/* could not do what was asked */

int			cmd_status(const pgr_globals *g, int argc, char **argv);
int			cmd_plan(const pgr_globals *g, int argc, char **argv);
int			cmd_apply(const pgr_globals *g, int argc, char **argv);
int			cmd_check(const pgr_globals *g, int argc, char **argv);
/* cmd_health.c: "check --nagios ...", the running cluster's health. */
bool		check_wants_health(int argc, char **argv);
int			cmd_check_health(const pgr_globals *g, int argc, char **argv);
/* ui/cmd_setup.c: the wizard, and the console (no command). */
int			cmd_setup(const pgr_globals *g, int argc, char **argv);
int			cmd_console(const pgr_globals *g, int argc, char **argv);
int			cmd_demo(const pgr_globals *g, int argc, char **argv);	/* ui/cmd_demo.c */
int			cmd_dashboard(const pgr_globals *g, int argc, char **argv);	/* ui/cmd_dashboard.c */
int			cmd_promote(const pgr_globals *g, int argc, char **argv);
int			cmd_follow(const pgr_globals *g, int argc, char **argv);
int			cmd_resync(const pgr_globals *g, int argc, char **argv);
int			cmd_switchover(const pgr_globals *g, int argc, char **argv);
int			cmd_drop_slot(const pgr_globals *g, int argc, char **argv);
int			cmd_drop_to_async(const pgr_globals *g, int argc, char **argv);

#endif
