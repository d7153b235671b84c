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
#include "strbuf.h"

/* in "pgreplica --help"'s order */
const cli_opt cli_global_opts[] = {
	{"cluster", required_argument, G_CLUSTER, 'c',
	N_("  -c, --cluster=FILE    cluster file (default: ./pgreplica.conf, else\n"
	   "                        $XDG_CONFIG_HOME/pgreplica/cluster.conf)\n")},
	{"delay", required_argument, G_DELAY, 'd',
	N_("  -d, --delay=SECONDS   dashboard refresh interval (0.5 to 60, default 2)\n")},
	{"no-color", no_argument, G_NO_COLOR, 0,
	N_("      --no-color        no colours (also when NO_COLOR is set)\n")},
	{"lang", required_argument, G_LANG, 0,
	N_("      --lang=LL         language of messages (en, fr), overriding the locale\n")},
	{"ssh-config", required_argument, G_SSH_CONFIG, 0,
	N_("      --ssh-config=FILE SSH client configuration (default: ~/.ssh/config)\n")},
	{"replication-password-file", required_argument, G_PASSWORD_FILE, 0,
	N_("      --replication-password-file=FILE\n"
	   "                        password of the replication role (else one is generated;\n"
	   "                        kept in the operator's passfile for later actions)\n")},
	/* a command's own --help wins after the command (cli_begin) */
	{"help", no_argument, G_HELP, 'h',
	N_("  -h, --help            show this help and exit\n")},
	{"version", no_argument, G_VERSION, 'V',
	N_("  -V, --version         show version information and exit\n")},
	{NULL}
};

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
has_long(const cli_opt *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (strcmp(opts->name, name) == 0)
			return true;
	return false;
}

/* O into getopt's tables: its long form, and its short one if any */
static void
add_option(cli_parser *p, size_t *k, strbuf *shortopts, const cli_opt *o)
{
	p->table[*k].name = o->name;
	p->table[*k].has_arg = o->has_arg;
	p->table[*k].flag = NULL;
	p->table[*k].val = o->val;
	(*k)++;
	if (o->short_name)
	{
		strbuf_append_char(shortopts, (char) o->short_name);
		if (o->has_arg == required_argument)
			strbuf_append_char(shortopts, ':');
	}
}

void
cli_begin(cli_parser *p, pgr_globals *g, const cli_command *cmd, int argc,
		  char **argv)
{
	size_t		n = 1;
	size_t		k = 0;
	strbuf		shortopts;

	memset(p, 0, sizeof(*p));
	p->g = g;
	p->cmd = cmd;
	p->command = cmd->name;
	p->argc = argc;
	p->argv = argv;
	for (const cli_opt *o = cmd->opts; o && o->name; o++)
		n++;
	for (const cli_opt *o = cli_global_opts; o->name; o++)
		n++;
	p->table = pgr_malloc(n * sizeof(struct option));
	strbuf_init(&shortopts);
	/* ":" first: a missing value is told apart from an unknown option */
	/* before any command ("+"): stop at the command, the rest is its own */
	strbuf_append(&shortopts, cmd->name ? ":" : "+:");
	for (const cli_opt *o = cmd->opts; o && o->name; o++)
		add_option(p, &k, &shortopts, o);
	/* a command's own option of the same name (--help) wins */
	for (const cli_opt *o = cli_global_opts; o->name; o++)
		if (!has_long(cmd->opts, o->name))
			add_option(p, &k, &shortopts, o);
	memset(&p->table[k], 0, sizeof(struct option));
	p->shortopts = shortopts.data;

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

/*
 * A help text whose one directive is filled from a table (the program's
 * name, a default): the msgid is a literal in cli_commands.c, checked there
 * by xgettext's c-format flag and by msgfmt -c against its translation.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void
put_text(FILE *out, const char *msgid, double dflt)
{
	const char *text = _(msgid);

	if (strstr(msgid, "%s"))
		fprintf(out, text, PACKAGE);
	else if (strstr(msgid, "%g"))
		fprintf(out, text, dflt);
	else
		fputs(text, out);
}
#pragma GCC diagnostic pop

static void
put_opts(FILE *out, const cli_opt *opts)
{
	for (const cli_opt *o = opts; o && o->name; o++)
		put_text(out, o->help, o->help_default);
}

static void
put_list(FILE *out, const char *const *texts, size_t n)
{
	for (size_t i = 0; i < n && texts[i]; i++)
		put_text(out, texts[i], 0);
}

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

void
cli_help(FILE *out, const cli_command *cmd)
{
	if (cmd->usage_first)
	{
		/* GNU's layout: pgreplica's own, and demo's */
		put_list(out, cmd->usage, N_ELEM(cmd->usage));
		put_text(out, cmd->purpose, 0);
		if (!cmd->name)
		{
			fputs("\n", out);
			fputs(_("Commands:\n"), out);
			put_text(out, cmd->summary, 0);
			for (const cli_command *const *c = cli_commands; *c; c++)
				if ((*c)->summary)
					put_text(out, (*c)->summary, 0);
			put_text(out, cmd->note, 0);
		}
		fputs("\n", out);
		fputs(_("Options:\n"), out);
		put_opts(out, cmd->opts);
		if (cmd->epilogue[0])
			fputs("\n", out);
		put_list(out, cmd->epilogue, N_ELEM(cmd->epilogue));
		if (!cmd->name)
		{
			fputs("\n", out);
			/* TRANSLATORS: the placeholder is an e-mail address */
			fprintf(out, _("Report bugs to <%s>.\n"), PACKAGE_BUGREPORT);
		}
		return;
	}
	put_text(out, cmd->purpose, 0);
	fputs(_("Usage:\n"), out);
	put_list(out, cmd->usage, N_ELEM(cmd->usage));
	if (cmd->note)
		put_text(out, cmd->note, 0);
	fputs(_("\nOptions:\n"), out);
	put_opts(out, cmd->opts);
	put_list(out, cmd->epilogue, N_ELEM(cmd->epilogue));
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
