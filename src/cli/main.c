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
	const char *name;
	command_fn	run;
} command;

/* DESIGN.md "Command line": every command is recognised. */
static const command commands[] = {
	{"setup", cmd_setup},
	{"dashboard", cmd_dashboard},
	{"demo", cmd_demo},
	{"plan", cmd_plan},
	{"apply", cmd_apply},
	{"status", cmd_status},
	{"check", cmd_check},
	{"promote", cmd_promote},
	{"resync", cmd_resync},
	{"follow", cmd_follow},
	{"switchover", cmd_switchover},
	{"drop-slot", cmd_drop_slot},
	{"drop-to-async", cmd_drop_to_async},
};

static void
usage(void)
{
	printf(_("Usage: %s [-c FILE] [OPTION]... [COMMAND [ARG]...]\n"), PACKAGE);
	fputs(_("Set up PostgreSQL streaming replication and watch over it from a console.\n"), stdout);
	fputs("\n", stdout);
	fputs(_("Commands:\n"), stdout);
	fputs(_("  (none)                the console: the set-up wizard, or the dashboard once\n"
			"                        a standby is set up\n"), stdout);
	fputs(_("  setup                 the set-up wizard\n"), stdout);
	fputs(_("  dashboard             the live dashboard\n"), stdout);
	fputs(_("  demo [--reset]        a local sandbox (primary and standby on 127.0.0.1)\n"), stdout);
	fputs(_("  plan [--json]         show what apply would change; changes nothing\n"), stdout);
	fputs(_("  apply [--yes]         carry out the plan\n"), stdout);
	fputs(_("  status [--json]       nodes' state (exit 0 healthy, 1 degraded, 2 error)\n"), stdout);
	fputs(_("  check                 preflight checks: versions, reachability, hba, SSL, disk\n"), stdout);
	fputs(_("  check --nagios        the running cluster, as a monitoring plugin (exit 0-3)\n"), stdout);
	fputs(_("  promote NODE          promote a standby (--yes, --fence, --force)\n"), stdout);
	fputs(_("  resync NODE           re-synchronise a node (--method=rewind|clone, --yes)\n"), stdout);
	fputs(_("  follow NODE           point a standby at the new primary\n"
			"                        (--upstream NODE, --yes)\n"), stdout);
	fputs(_("  switchover NODE       planned switchover to a standby, nothing lost (--yes,\n"
			"                        --dry-run)\n"), stdout);
	fputs(_("  drop-slot SLOT        drop an inactive replication slot on the primary\n"), stdout);
	fputs(_("  drop-to-async         stop commits waiting for a synchronous standby\n"), stdout);
	fputs(_("The actions (promote to drop-to-async) take --dry-run: the checks and every\n"
			"step, changing nothing (--json: as JSON).\n"), stdout);
	fputs("\n", stdout);
	fputs(_("Options:\n"), stdout);
	fputs(_("  -c, --cluster=FILE    cluster file (default: ./pgreplica.conf, else\n"
			"                        $XDG_CONFIG_HOME/pgreplica/cluster.conf)\n"), stdout);
	fputs(_("  -d, --delay=SECONDS   dashboard refresh interval (0.5 to 60, default 2)\n"), stdout);
	fputs(_("      --no-color        no colours (also when NO_COLOR is set)\n"), stdout);
	fputs(_("      --lang=LL         language of messages (en, fr), overriding the locale\n"), stdout);
	fputs(_("      --ssh-config=FILE SSH client configuration (default: ~/.ssh/config)\n"), stdout);
	fputs(_("      --replication-password-file=FILE\n"
			"                        password of the replication role (else one is generated;\n"
			"                        kept in the operator's passfile for later actions)\n"), stdout);
	fputs(_("  -h, --help            show this help and exit\n"), stdout);
	fputs(_("  -V, --version         show version information and exit\n"), stdout);
	fputs("\n", stdout);
	fputs(_("Connections honour PGHOST, PGPORT, PGUSER, PGPASSFILE, ~/.pgpass and PGSERVICE;\n"
			"SSH honours ~/.ssh/config, ssh-agent and known_hosts.\n"), stdout);
	fputs(_("Every command that changes something accepts --yes; without a terminal it\n"
			"refuses to act unless given.\n"), stdout);
	fputs("\n", stdout);
	/* TRANSLATORS: the placeholder is an e-mail address */
	printf(_("Report bugs to <%s>.\n"), PACKAGE_BUGREPORT);
}

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

		cli_begin(&p, &g, NULL, argc, argv, "h", NULL);
		while ((c = cli_next(&p)) != -1)
		{
			if (c == 'h')
				usage();
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
		if (strcmp(commands[i].name, cmd_name) != 0)
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
