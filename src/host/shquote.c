/*
 * shquote.c: quoting for a POSIX shell (see shquote.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "shquote.h"

char *
shquote_arg(const char *arg)
{
	strbuf		sb;
	const char *p;

	/* Inside single quotes nothing is special but the quote itself. */
	strbuf_init(&sb);
	strbuf_append_char(&sb, '\'');
	for (p = arg; *p; p++)
	{
		if (*p == '\'')
			strbuf_append(&sb, "'\\''");
		else
			strbuf_append_char(&sb, *p);
	}
	strbuf_append_char(&sb, '\'');
	return strbuf_detach(&sb);
}

char *
shquote_argv(const char *const *argv)
{
	return shquote_env_argv(NULL, argv);
}

/* One quoted word, after a space unless it is the first. */
static void
append_quoted(strbuf *sb, const char *word)
{
	char	   *q = shquote_arg(word);

	if (sb->len > 0)
		strbuf_append_char(sb, ' ');
	strbuf_append(sb, q);
	free(q);
}

char *
shquote_env_argv(const char *const *env, const char *const *argv)
{
	strbuf		sb;

	strbuf_init(&sb);
	if (env && env[0])
	{
		append_quoted(&sb, "env");
		for (int i = 0; env[i]; i++)
			append_quoted(&sb, env[i]);
	}
	for (int i = 0; argv[i]; i++)
		append_quoted(&sb, argv[i]);
	return strbuf_detach(&sb);
}

void
shquote_append_word(strbuf *sb, const char *arg)
{
	static const char plain[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./:=@%+,-";

	if (arg[0] != '\0' && strspn(arg, plain) == strlen(arg))
		strbuf_append(sb, arg);
	else
	{
		char	   *q = shquote_arg(arg);

		strbuf_append(sb, q);
		free(q);
	}
}
