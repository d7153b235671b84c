/*
 * cli.h: the command line's shared machinery.  Every command parses its
 * options through cli_begin()/cli_next(), which also accept the global
 * options (-c, -d, --no-color, --lang, --ssh-config,
 * --replication-password-file, --version) after the command, so that
 * "pgreplica status -c F" means "pgreplica -c F status".  One policy for
 * what is wrong (an unknown option, a missing value, an extra argument: an
 * error naming it, with a hint to the command's --help, exit status 2) and
 * one confirm prompt.  Every command's options and --help come from one
 * description (cli_command, cli_commands.c).
 */
#ifndef PGR_CLI_H
#define PGR_CLI_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "commands.h"
#include "report.h"

/* cli_next()'s answer for a bad option: already reported, with the hint. */
#define CLI_BAD '?'
/* cli_next()'s answer for -V/--version after the command: printed, exit 0. */
#define CLI_DONE (-2)

/*
 * One option of a command: what the parser accepts and what --help says of
 * it, in one row, so that neither can exist without the other
 * (tests/unit/test_cli.c walks every table).
 */
typedef struct cli_opt
{
	const char *name;			/* the long name: "dry-run" */
	int			has_arg;		/* no_argument, required_argument */
	int			val;			/* what cli_next() returns */
	int			short_name;		/* 'y': -y as well; 0: none */
	const char *help;			/* N_(): its lines of --help, as printed */
	double		help_default;	/* the %g of HELP, when it has one */
} cli_opt;

/*
 * One command's description: main.c dispatches on NAME, the parser reads
 * OPTS, and cli_help() writes its --help from all of it.  The texts are
 * N_() msgids, translated when printed.
 */
typedef struct cli_command
{
	const char *name;			/* "status"; NULL: pgreplica itself */
	const char *summary;		/* N_(): its line in "pgreplica --help", or NULL */
	bool		usage_first;	/* GNU layout: "Usage: ..." first, then PURPOSE
								 * and the sections, blank lines between */
	const char *usage[3];		/* N_(): the synopsis lines, %s the program */
	const char *purpose;		/* N_(): what it does */
	const char *note;			/* N_(): between the synopsis and the options */
	const cli_opt *opts;		/* in --help's order; a NULL name ends it */
	const char *epilogue[3];	/* N_(): after the options */
} cli_command;

/* Every command's description (cli_commands.c); a NULL ends the list. */
extern const cli_command cli_cmd_main;
extern const cli_command cli_cmd_setup;
extern const cli_command cli_cmd_dashboard;
extern const cli_command cli_cmd_demo;
extern const cli_command cli_cmd_plan;
extern const cli_command cli_cmd_apply;
extern const cli_command cli_cmd_status;
extern const cli_command cli_cmd_check;
extern const cli_command cli_cmd_check_health;
extern const cli_command cli_cmd_promote;
extern const cli_command cli_cmd_resync;
extern const cli_command cli_cmd_follow;
extern const cli_command cli_cmd_switchover;
extern const cli_command cli_cmd_drop_slot;
extern const cli_command cli_cmd_drop_to_async;
extern const cli_command *const cli_commands[];

/* The global options, with their help: main's, and after any command. */
extern const cli_opt cli_global_opts[];

/* Write CMD's --help to OUT. */
void		cli_help(FILE *out, const cli_command *cmd);

/* the time limits the status and check --nagios helps mention */
#define CLI_STATUS_TIMEOUT_S 10.0
#define CLI_HEALTH_TIMEOUT_S 10.0

typedef struct cli_parser
{
	pgr_globals *g;
	const cli_command *cmd;		/* its options, its --help */
	const char *command;		/* "status": for the hints */
	int			argc;
	char	  **argv;
	struct option *table;		/* the command's options, then the globals */
	char	   *shortopts;
	pgr_error  *capture;		/* set: errors land here, not on stderr (the
								 * monitoring plugin prints its own line) */
} cli_parser;

/* The global options' vals: above any character, never a command's own. */
enum
{
	G_CLUSTER = 0x1000,
	G_DELAY,
	G_NO_COLOR,
	G_LANG,
	G_SSH_CONFIG,
	G_PASSWORD_FILE,
	G_VERSION,
	G_HELP
};

/*
 * Apply a global option (0; 1 when C is not one; -1 after reporting a bad
 * value).
 */
int			cli_global_option(pgr_globals *g, int c, const char *arg);
void		cli_version(void);

/*
 * Start parsing ARGV (ARGV[0] is the command's name) with CMD's options and
 * the global ones; getopt is reset here, once for all commands.  CMD
 * &cli_cmd_main: the global options before the command, up to the command
 * (-h, --help: 'h').
 */
void		cli_begin(cli_parser *p, pgr_globals *g, const cli_command *cmd,
					  int argc, char **argv);

/*
 * The next option of the command (its val; optarg as getopt sets it), -1
 * at the first argument that is not an option, CLI_BAD after reporting a
 * bad one, CLI_DONE after --version.  Global options are applied to the
 * globals and skipped.
 */
int			cli_next(cli_parser *p);

/* The next argument that is not an option, or NULL when there is none. */
const char *cli_arg(cli_parser *p);

/*
 * The end of the command line: an argument left over is an error (the same
 * for every command).  Returns 0, or -1 after reporting.  Frees the parser.
 */
int			cli_end(cli_parser *p);

/* Report ERR with the hint to the command's --help; returns -1. */
int			cli_fail(cli_parser *p, pgr_error *err);

/* Free the parser without the end-of-line check (--help, errors). */
void		cli_free(cli_parser *p);

/*
 * The end of a command's option loop before its end of line: after --help
 * ('h', its usage printed), --version (CLI_DONE) or a bad option.  Frees
 * the parser; returns the exit status (PGR_EXIT_OK for the first two).
 */
int			cli_stop(cli_parser *p, int opt);

/*
 * The cluster file's path when none was given (-c): ./pgreplica.conf, else
 * the XDG one.  Returns 0, or -1 after reporting.  Called once the options,
 * before and after the command, are known.
 */
int			cli_resolve_cluster_path(pgr_globals *g);

/* On a terminal: QUESTION [y/N]; the answer defaults to No. */
bool		cli_confirm(const char *question);

/*
 * On a terminal: QUESTION, then the operator types WORD (a node's name)
 * to go on; anything else, or end of input, is No.
 */
bool		cli_confirm_typed(const char *question, const char *word);

#endif
