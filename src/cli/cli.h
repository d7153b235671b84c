/*
 * cli.h: the command line's shared machinery.  Every command parses its
 * options through cli_begin()/cli_next(), which also accept the global
 * options (-c, -d, --no-color, --lang, --ssh-config,
 * --replication-password-file, --version) after the command, so that
 * "pgreplica status -c F" means "pgreplica -c F status".  One policy for
 * what is wrong (an unknown option, a missing value, an extra argument: an
 * error naming it, with a hint to the command's --help, exit status 2) and
 * one confirm prompt.
 */
#ifndef PGR_CLI_H
#define PGR_CLI_H

#include <getopt.h>
#include <stdbool.h>

#include "commands.h"
#include "report.h"

/* cli_next()'s answer for a bad option: already reported, with the hint. */
#define CLI_BAD '?'
/* cli_next()'s answer for -V/--version after the command: printed, exit 0. */
#define CLI_DONE (-2)

typedef struct cli_parser
{
	pgr_globals *g;
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
 * main.c parses the global options before the command with this table and
 * cli_global_option() (0; 1 when C is not one; -1 after reporting a bad
 * value).
 */
extern const struct option cli_global_options[];
int			cli_global_option(pgr_globals *g, int c, const char *arg);
void		cli_version(void);

/*
 * Start parsing ARGV (ARGV[0] is the command's name) with the command's
 * own SHORTOPTS and LONGOPTS; getopt is reset here, once for all commands.
 * COMMAND NULL: main's global options, up to the command (-h, --help:
 * 'h').
 */
void		cli_begin(cli_parser *p, pgr_globals *g, const char *command,
					  int argc, char **argv, const char *shortopts,
					  const struct option *longopts);

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

/*
 * The option cli_next() just returned is not for this command after all
 * (follow --fence, plan --yes): reported as unknown, as getopt would.
 */
int			cli_unknown_option(cli_parser *p);

/* Free the parser without the end-of-line check (--help, errors). */
void		cli_free(cli_parser *p);

/*
 * The end of a command's option loop before its end of line: after --help
 * ('h', its usage printed), --version (CLI_DONE) or a bad option.  Frees
 * the parser; returns the exit status (PGR_EXIT_OK for the first two).
 */
int			cli_stop(cli_parser *p, int opt);

/* "Usage:\n  pgreplica [-c FILE] SYNOPSIS\n" */
void		cli_usage_line(const char *synopsis);

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
