/*
 * cli.c: option parsing, the extra-argument policy and the confirm prompt,
 * the same for every command (cli.h).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cluster.h"
#include "i18n.h"

const struct option cli_global_options[] = {
	{"cluster", required_argument, NULL, G_CLUSTER},
	{"delay", required_argument, NULL, G_DELAY},
	{"no-color", no_argument, NULL, G_NO_COLOR},
	{"lang", required_argument, NULL, G_LANG},
	{"ssh-config", required_argument, NULL, G_SSH_CONFIG},
	{"replication-password-file", required_argument, NULL, G_PASSWORD_FILE},
	{"version", no_argument, NULL, G_VERSION},
	{"help", no_argument, NULL, G_HELP},
	{NULL, 0, NULL, 0}
};

/* the short forms of the global options after a command */
#define GLOBAL_SHORTOPTS "c:d:V"

static int
parse_delay(const char *arg, double *delay)
{
	char	   *end;
	double		d;

	errno = 0;
	d = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !(d >= 0.5 && d <= 60))
	{
		pgr_error	err = PGR_ERROR_INIT;

		pgr_error_set(&err, PGR_ERR_INPUT, _("invalid refresh interval \"%s\""), arg);
		pgr_error_hint(&err, _("Give a number of seconds between 0.5 and 60."));
		report_error(&err);
		pgr_error_clear(&err);
		return -1;
	}
	*delay = d;
	return 0;
}

void
cli_version(void)
{
	printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
	fputs(_("License: PostgreSQL License.\n"
			"This is free software: you are free to change and redistribute it.\n"
			"There is NO WARRANTY, to the extent permitted by law.\n"), stdout);
}

/*
 * Apply global option C (a G_* val, or its short letter) with ARG.  Returns
 * 0, 1 when it is not a global option, -1 after reporting a bad value.
 */
int
cli_global_option(pgr_globals *g, int c, const char *arg)
{
	switch (c)
	{
		case 'c':
		case G_CLUSTER:
			g->cluster_path = arg;
			g->cluster_path_given = true;
			return 0;
		case 'd':
		case G_DELAY:
			return parse_delay(arg, &g->delay_s);
		case G_NO_COLOR:
			g->no_color = true;
			return 0;
		case G_LANG:
			return 0;			/* main.c's find_lang() acted on it first */
		case G_SSH_CONFIG:
			g->ssh_config = arg;
			return 0;
		case G_PASSWORD_FILE:
			g->replication_password_file = arg;
			return 0;
		default:
			return 1;
	}
}

static bool
has_long(const struct option *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return true;
	return false;
}

void
cli_begin(cli_parser *p, pgr_globals *g, const char *command, int argc,
		  char **argv, const char *shortopts, const struct option *longopts)
{
	size_t		n = 0;
	size_t		k = 0;

	memset(p, 0, sizeof(*p));
	p->g = g;
	p->command = command;
	p->argc = argc;
	p->argv = argv;
	for (const struct option *o = longopts; o && o->name; o++)
		n++;
	n += sizeof(cli_global_options) / sizeof(cli_global_options[0]);
	p->table = pgr_malloc(n * sizeof(struct option));
	for (const struct option *o = longopts; o && o->name; o++)
		p->table[k++] = *o;
	/* a command's own option of the same name (--help) wins */
	for (const struct option *o = cli_global_options; o->name; o++)
		if (!has_long(longopts, o->name))
			p->table[k++] = *o;
	memset(&p->table[k], 0, sizeof(struct option));
	/* ":" first: a missing value is told apart from an unknown option */
	/* before any command ("+"): stop at the command, the rest is its own */
	p->shortopts = pgr_asprintf("%s:%s%s", command ? "" : "+", shortopts ? shortopts : "",
								GLOBAL_SHORTOPTS);

	/*
	 * main() has run getopt over its own options: start afresh.  glibc
	 * re-initialises only with optind = 0; elsewhere 1 is the reset.
	 */
#ifdef __GLIBC__
	optind = 0;
#else
	optind = 1;
#endif
	opterr = 0;
}

static void
usage_hint(const cli_parser *p, pgr_error *err)
{
	if (err->hint)
		return;
	if (p->command)
		pgr_error_hint(err, _("Try \"%s %s --help\" for more information."), PACKAGE, p->command);
	else
		pgr_error_hint(err, _("Try \"%s --help\" for more information."), PACKAGE);
}

int
cli_fail(cli_parser *p, pgr_error *err)
{
	usage_hint(p, err);
	if (p->capture)
	{
		pgr_error_clear(p->capture);
		*p->capture = *err;		/* the messages move over */
		memset(err, 0, sizeof(*err));
		return -1;
	}
	report_error(err);
	pgr_error_clear(err);
	return -1;
}

/* what the user typed for the option getopt just refused */
static const char *
bad_option_text(const cli_parser *p, char *buf, size_t len)
{
	if (optopt != 0 && optopt != '?' && optopt < 0x100 &&
		(optind - 1 >= p->argc || strncmp(p->argv[optind - 1], "--", 2) != 0))
	{
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return p->argv[optind - 1];
}

int
cli_next(cli_parser *p)
{
	for (;;)
	{
		int			c = getopt_long(p->argc, p->argv, p->shortopts, p->table, NULL);
		pgr_error	err = PGR_ERROR_INIT;
		char		buf[8];

		switch (c)
		{
			case -1:
				return -1;
			case ':':
				pgr_error_set(&err, PGR_ERR_INPUT, _("option \"%s\" needs a value"),
							  bad_option_text(p, buf, sizeof(buf)));
				cli_fail(p, &err);
				return CLI_BAD;
			case '?':
				pgr_error_set(&err, PGR_ERR_INPUT, _("unknown option \"%s\""),
							  bad_option_text(p, buf, sizeof(buf)));
				cli_fail(p, &err);
				return CLI_BAD;
			case 'V':
			case G_VERSION:
				cli_version();
				return CLI_DONE;
			case G_HELP:
				if (!p->command)
					return 'h';	/* main's --help */
				/* a command without --help of its own: the global help's hint */
				pgr_error_set(&err, PGR_ERR_INPUT, _("unknown option \"%s\""), "--help");
				pgr_error_hint(&err, _("Try \"%s --help\" for more information."), PACKAGE);
				cli_fail(p, &err);
				return CLI_BAD;
			default:
				break;
		}
		/* a command's own short letter shadows no global one (see GLOBAL_SHORTOPTS) */
		switch (cli_global_option(p->g, c, optarg))
		{
			case 0:
				continue;
			case -1:
				return CLI_BAD;
			default:
				return c;
		}
	}
}

int
cli_unknown_option(cli_parser *p)
{
	pgr_error	err = PGR_ERROR_INIT;

	pgr_error_set(&err, PGR_ERR_INPUT, _("unknown option \"%s\""), p->argv[optind - 1]);
	return cli_fail(p, &err);
}

const char *
cli_arg(cli_parser *p)
{
	return optind < p->argc ? p->argv[optind++] : NULL;
}

void
cli_free(cli_parser *p)
{
	free(p->table);
	free(p->shortopts);
	p->table = NULL;
	p->shortopts = NULL;
}

int
cli_stop(cli_parser *p, int opt)
{
	cli_free(p);
	return opt == 'h' || opt == CLI_DONE ? PGR_EXIT_OK : PGR_EXIT_ERROR;
}

static int
resolve_cluster_path(pgr_globals *g, pgr_error *capture)
{
	pgr_error	err = PGR_ERROR_INIT;

	if (g->cluster_path)
		return 0;
	g->cluster_path = g->default_path = cluster_default_path(&err);
	if (g->cluster_path)
		return 0;
	if (capture)
	{
		pgr_error_clear(capture);
		*capture = err;
		return -1;
	}
	report_error(&err);
	pgr_error_clear(&err);
	return -1;
}

int
cli_resolve_cluster_path(pgr_globals *g)
{
	return resolve_cluster_path(g, NULL);
}

int
cli_end(cli_parser *p)
{
	int			rc = 0;

	if (optind < p->argc)
	{
		pgr_error	err = PGR_ERROR_INIT;

		pgr_error_set(&err, PGR_ERR_INPUT, _("unexpected argument \"%s\""), p->argv[optind]);
		rc = cli_fail(p, &err);
	}
	cli_free(p);
	if (rc == 0)
		rc = resolve_cluster_path(p->g, p->capture);
	return rc;
}

void
cli_usage_line(const char *synopsis)
{
	printf(_("Usage:\n"));
	printf(_("  %s [-c FILE] %s\n"), PACKAGE, synopsis);
}

static bool
read_line(char *line, size_t len)
{
	fflush(stdout);
	if (!fgets(line, (int) len, stdin))
		return false;
	line[strcspn(line, "\n")] = '\0';
	return true;
}

bool
cli_confirm(const char *question)
{
	char		line[64];

	/* TRANSLATORS: a yes/no question; the answer defaults to no */
	printf(_("%s [y/N] "), question);
	if (!read_line(line, sizeof(line)))
		return false;
	/*
	 * The locale's own yes (rpmatch), or the first letter of the word the
	 * catalogue gives: LANGUAGE=fr under a C locale shows the question in
	 * French while rpmatch still expects "y".
	 */
	if (rpmatch(line) == 1)
		return true;
	/* TRANSLATORS: the word whose first letter answers yes at "[y/N]" */
	return line[0] != '\0' && strncasecmp(line, _("yes"), 1) == 0;
}

bool
cli_confirm_typed(const char *question, const char *word)
{
	char		line[256];

	printf("%s\n", question);
	/* TRANSLATORS: the prompt for typing a node's name to confirm */
	printf(_("Type \"%s\" to go on: "), word);
	if (!read_line(line, sizeof(line)))
		return false;
	return strcmp(line, word) == 0;
}
