/*
 * globals.h: what the command line's global options set, for every front
 * end (the commands, the wizard, the dashboard), and the exit statuses they
 * share.  Apart from commands.h so that ui/ can read them without
 * depending on the command line above it.
 */
#ifndef PGR_GLOBALS_H
#define PGR_GLOBALS_H

#include <stdbool.h>

typedef struct pgr_globals {
	const char *cluster_path;	/* -c FILE, else cluster_default_path() */
	bool		cluster_path_given; /* -c was given */
	double		delay_s;		/* -d: refresh interval (dashboard) */
	bool		no_color;		/* --no-color or NO_COLOR */
	const char *ssh_config;		/* --ssh-config FILE (like ssh -F) */
	const char *replication_password_file;
	bool		interactive;	/* stdin and stdout are terminals */
	char	   *default_path;	/* cluster_path when it is the default: freed by main */
} pgr_globals;

/* Exit statuses shared by every command. */
#define PGR_EXIT_OK 0
#define PGR_EXIT_DEGRADED 1		/* status: something is not healthy */
#define PGR_EXIT_ERROR 2		/* could not do what was asked */

#endif
