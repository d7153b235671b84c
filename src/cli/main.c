/*
 * main.c: pgreplica's command line.
 *
 *   pgreplica [-c FILE] [OPTION…] [COMMAND [ARG…]]
 *
 * Global options come before the command, or after it (cli.c); each
 * command parses its own.
 */
#include <config.h>

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "i18n.h"
#include "process.h"
#include "report.h"

typedef int (*command_fn) (pgr_globals *g, int argc, char **argv);

typedef struct command {
	const cli_command *cmd;		/* its name, options and help (cli_commands.c) */
	command_fn	run;
} command;

/* DESIGN.md "Command line": every command is recognised. */
static const command commands[] = {
	{&cli_cmd_setup, cmd_setup},
	{&cli_cmd_dashboard, cmd_dashboard},
	{&cli_cmd_demo, cmd_demo},
	{&cli_cmd_plan, cmd_plan},
	{&cli_cmd_apply, cmd_apply},
	{&cli_cmd_status, cmd_status},
	{&cli_cmd_check, cmd_check},
	{&cli_cmd_promote, cmd_promote},
	{&cli_cmd_resync, cmd_resync},
	{&cli_cmd_follow, cmd_follow},
	{&cli_cmd_switchover, cmd_switchover},
	{&cli_cmd_drop_slot, cmd_drop_slot},
	{&cli_cmd_drop_to_async, cmd_drop_to_async},
};

/*
 * Writing to a full disk or a closed pipe is an error that must change the
 * exit status, as in GNU's close_stdout.
 */
static void
close_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0)
	{
		/* EPIPE ("pgreplica status | head") is not worth a message. */
		if (errno != EPIPE)
			fprintf(stderr, _("%s: write error: %s\n"), PACKAGE, strerror(errno));
		_exit(PGR_EXIT_ERROR);
	}
}

/*
 * Where the catalogues are.  PGREPLICA_LOCALEDIR first; then, when this is
 * the binary of the build tree (README's quick start runs ./pgreplica), the
 * catalogues `make` compiled next to it, as the recovery templates are found
 * in the source tree (recovery.c); an installed binary uses the installed
 * catalogues.  The build-tree path is compared with the running binary's own
 * (/proc/self/exe), not with argv[0], which a caller chooses.
 */
#if ENABLE_NLS
static const char *
catalogue_dir(void)
{
	const char *env = getenv("PGREPLICA_LOCALEDIR");

	if (env && env[0])
		return env;
#if defined(BUILDDIR_PROGRAM) && defined(BUILDDIR_LOCALEDIR)
	{
		char	   *self = realpath("/proc/self/exe", NULL);
		char	   *built = realpath(BUILDDIR_PROGRAM, NULL);
		bool		in_tree = self && built && strcmp(self, built) == 0;

		free(self);
		free(built);
		if (in_tree && access(BUILDDIR_LOCALEDIR, R_OK | X_OK) == 0)
			return BUILDDIR_LOCALEDIR;
	}
#endif
	return LOCALEDIR;
}
#endif

/*
 * Messages' language.  gettext ignores LANGUAGE when LC_MESSAGES is the C
 * locale; an operator who sets LANGUAGE=fr (or --lang fr) means it, so the
 * messages category moves to C.UTF-8, which translations can use.
 */
static void
setup_locale(const char *lang)
{
	const char *msgs;

	setlocale(LC_ALL, "");
	/*
	 * Numbers are read and written the C way everywhere, as PostgreSQL does:
	 * values from the server ("0.5"), options (-d 0.5) and JSON would break
	 * under a locale with a decimal comma.
	 */
	setlocale(LC_NUMERIC, "C");
	if (lang)
		setenv("LANGUAGE", lang, 1);
	msgs = setlocale(LC_MESSAGES, NULL);
	if (getenv("LANGUAGE") && getenv("LANGUAGE")[0] && msgs &&
		(strcmp(msgs, "C") == 0 || strcmp(msgs, "POSIX") == 0))
		setlocale(LC_MESSAGES, "C.UTF-8");
#if ENABLE_NLS
	bindtextdomain(PACKAGE, catalogue_dir());
	textdomain(PACKAGE);
#endif
}

/* --lang must act before anything is printed, so look for it first. */
static const char *
find_lang(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strncmp(argv[i], "--lang=", 7) == 0)
			return argv[i] + 7;
		if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc)
			return argv[i + 1];
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	pgr_globals g = {0};
	const char *cmd_name;
	int			c;
	int			rc;

	process_setup();
	report_set_progname(PACKAGE);
	setup_locale(find_lang(argc, argv));
	atexit(close_stdout);

	g.delay_s = 2.0;
	g.no_color = getenv("NO_COLOR") != NULL && getenv("NO_COLOR")[0] != '\0';
	g.interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);

	/* the global options before the command (after it: cli.c) */
	{
		cli_parser	p;

		cli_begin(&p, &g, &cli_cmd_main, argc, argv);
		while ((c = cli_next(&p)) != -1)
		{
			if (c == 'h')
				cli_help(stdout, &cli_cmd_main);
			cli_free(&p);
			return c == 'h' || c == CLI_DONE ? PGR_EXIT_OK : PGR_EXIT_ERROR;
		}
		cli_free(&p);
	}

	cmd_name = optind < argc ? argv[optind] : NULL;
	if (cmd_name == NULL)
	{
		if (cli_resolve_cluster_path(&g) < 0)
			return PGR_EXIT_ERROR;
		rc = cmd_console(&g, 0, argv + argc);
		free(g.default_path);
		return rc;
	}

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
	{
		if (strcmp(commands[i].cmd->name, cmd_name) != 0)
			continue;
		/* the command parses the rest, global options included (cli.c) */
		rc = commands[i].run(&g, argc - optind, argv + optind);
		free(g.default_path);
		return rc;
	}

	{
		pgr_error	err = PGR_ERROR_INIT;

		pgr_error_set(&err, PGR_ERR_INPUT, _("unknown command \"%s\""), cmd_name);
		pgr_error_hint(&err, _("Try \"%s --help\" for the list of commands."), PACKAGE);
		report_error(&err);
		pgr_error_clear(&err);
	}
	return PGR_EXIT_ERROR;
}
