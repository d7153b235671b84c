/*
 * test_cli.c: every command's description (src/cli/cli_commands.c) is
 * both its parser's table and its --help: each option of the table is in
 * the help, with its short form and its value's name, and is accepted;
 * each option the help shows is in the table; the global options are
 * accepted after every command.
 */
#include <config.h>

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cli.h"

static char *
help_of(const cli_command *cmd)
{
	char	   *text = NULL;
	size_t		len = 0;
	FILE	   *out = open_memstream(&text, &len);

	assert_non_null(out);
	cli_help(out, cmd);
	assert_int_equal(fclose(out), 0);
	return text;
}

/* the options pgreplica CMD --help lists: the command's, or the globals */
static const cli_opt *
opts_of(const cli_command *cmd)
{
	return cmd->opts ? cmd->opts : cli_global_opts;
}

static const char *
name_of(const cli_command *cmd)
{
	return cmd->name ? cmd->name : "pgreplica";
}

/* WORD in TEXT, not as the start of a longer option name */
static bool
has_word(const char *text, const char *word)
{
	size_t		n = strlen(word);

	for (const char *p = strstr(text, word); p; p = strstr(p + 1, word))
		if (!isalnum((unsigned char) p[n]) && p[n] != '-')
			return true;
	return false;
}

static void
each_option_in_help(const cli_command *cmd)
{
	char	   *help = help_of(cmd);

	for (const cli_opt *o = opts_of(cmd); o->name; o++)
	{
		char		want[512];

		assert_non_null(o->help);
		/* up to a default filled in when printed ("(default: %g)") */
		snprintf(want, sizeof(want), "%.*s", (int) strcspn(o->help, "%"), o->help);
		if (!strstr(help, want))
			fail_msg("%s --help: the help of --%s is missing", name_of(cmd), o->name);
		if (o->short_name)
			snprintf(want, sizeof(want), "-%c, --%s", o->short_name, o->name);
		else
			snprintf(want, sizeof(want), "--%s", o->name);
		if (!has_word(o->help, want))
			fail_msg("%s --help: --%s's text does not show \"%s\"", name_of(cmd), o->name, want);
		/* a value is named: --method=METHOD */
		snprintf(want, sizeof(want), "--%s=", o->name);
		if ((o->has_arg == required_argument) != (strstr(o->help, want) != NULL))
			fail_msg("%s --help: --%s %s a value, its text says otherwise", name_of(cmd),
					 o->name, o->has_arg == required_argument ? "takes" : "takes no");
	}
	free(help);
}

static bool
in_table(const cli_command *cmd, const char *name, size_t n)
{
	for (const cli_opt *o = opts_of(cmd); o->name; o++)
		if (strlen(o->name) == n && strncmp(o->name, name, n) == 0)
			return true;
	return false;
}

/* every option the help's option lines show is one the parser has */
static void
each_help_option_in_table(const cli_command *cmd)
{
	char	   *help = help_of(cmd);
	int			seen = 0;

	for (char *line = strtok(help, "\n"); line; line = strtok(NULL, "\n"))
	{
		const char *p = line;
		size_t		n = 0;

		if (strncmp(p, "  -", 3) != 0 && strncmp(p, "      --", 8) != 0)
			continue;
		p = strstr(p, "--");
		if (!p)
			continue;
		p += 2;
		while (isalnum((unsigned char) p[n]) || p[n] == '-')
			n++;
		if (!in_table(cmd, p, n))
			fail_msg("%s --help shows --%.*s, which its parser does not have",
					 name_of(cmd), (int) n, p);
		seen++;
	}
	assert_true(seen > 0);
	free(help);
}

/* argv[1] (with VALUE, if it takes one) through CMD's parser: cli_next's answer */
static int
parse_one(const cli_command *cmd, pgr_globals *g, const char *arg)
{
	char	   *argv[] = {(char *) name_of(cmd), (char *) arg, NULL};
	cli_parser	p;
	int			c;

	cli_begin(&p, g, cmd, 2, argv);
	c = cli_next(&p);
	cli_free(&p);
	return c;
}

static void
each_option_accepted(const cli_command *cmd)
{
	for (const cli_opt *o = cmd->opts; o && o->name; o++)
	{
		pgr_globals g = {0};
		char	   *arg = o->has_arg == required_argument ?
			pgr_asprintf("--%s=x", o->name) : pgr_asprintf("--%s", o->name);

		if (parse_one(cmd, &g, arg) != o->val)
			fail_msg("%s %s: not accepted", name_of(cmd), arg);
		free(arg);
		if (o->short_name && o->has_arg == no_argument)
		{
			char		s[3] = {'-', (char) o->short_name, '\0'};

			if (parse_one(cmd, &g, s) != o->val)
				fail_msg("%s %s: not accepted", name_of(cmd), s);
		}
	}
}

static void
test_main_help(void **state)
{
	char	   *help = help_of(&cli_cmd_main);

	each_option_in_help(&cli_cmd_main);
	each_help_option_in_table(&cli_cmd_main);
	/* every command has its line in the list */
	for (const cli_command *const *c = cli_commands; *c; c++)
	{
		assert_non_null((*c)->summary);
		assert_non_null(strstr(help, (*c)->summary));
	}
	free(help);
}

static void
test_every_option_in_its_help(void **state)
{
	for (const cli_command *const *c = cli_commands; *c; c++)
		each_option_in_help(*c);
}

static void
test_every_help_option_in_its_table(void **state)
{
	for (const cli_command *const *c = cli_commands; *c; c++)
		each_help_option_in_table(*c);
}

static void
test_every_option_accepted(void **state)
{
	for (const cli_command *const *c = cli_commands; *c; c++)
	{
		each_option_accepted(*c);
		/* every command has --help and -h */
		assert_int_equal(parse_one(*c, &(pgr_globals) {0}, "--help"), 'h');
		assert_int_equal(parse_one(*c, &(pgr_globals) {0}, "-h"), 'h');
	}
}

/* the global options are accepted after every command, and applied */
static void
test_globals_after_every_command(void **state)
{
	for (const cli_command *const *c = cli_commands; *c; c++)
	{
		pgr_globals g = {0};

		assert_int_equal(parse_one(*c, &g, "--cluster=/x.conf"), -1);
		assert_string_equal(g.cluster_path, "/x.conf");
		assert_int_equal(parse_one(*c, &g, "--delay=1.5"), -1);
		assert_true(g.delay_s == 1.5);
		assert_int_equal(parse_one(*c, &g, "--no-color"), -1);
		assert_true(g.no_color);
		assert_int_equal(parse_one(*c, &g, "--ssh-config=/s"), -1);
		assert_string_equal(g.ssh_config, "/s");
		assert_int_equal(parse_one(*c, &g, "--replication-password-file=/p"), -1);
		assert_string_equal(g.replication_password_file, "/p");
		assert_int_equal(parse_one(*c, &g, "--lang=fr"), -1);
	}
}

/* an option of another command is unknown: follow --fence, plan --yes */
static void
test_others_options_refused(void **state)
{
	pgr_globals g = {0};

	assert_int_equal(parse_one(&cli_cmd_follow, &g, "--fence"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_plan, &g, "--yes"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_plan, &g, "-y"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_check, &g, "--json"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_apply, &g, "--json"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_drop_slot, &g, "--method=clone"), CLI_BAD);
	assert_int_equal(parse_one(&cli_cmd_status, &g, "--timeout"), CLI_BAD);	/* no value */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_main_help),
		cmocka_unit_test(test_every_option_in_its_help),
		cmocka_unit_test(test_every_help_option_in_its_table),
		cmocka_unit_test(test_every_option_accepted),
		cmocka_unit_test(test_globals_after_every_command),
		cmocka_unit_test(test_others_options_refused),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
