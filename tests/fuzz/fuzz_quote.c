/*
 * fuzz_quote.c: the quoting pgreplica relies on to pass any bytes safely:
 *  - shquote_arg (a command's argument for the remote POSIX shell):
 *    read back with the shell's rules for single quotes and backslashes,
 *    it gives the argument; outside quotes only \' appears;
 *  - standby_pgpass_field (a .pgpass field): read back as libpq reads a
 *    passfile line (\ escapes the next character, ':' separates), it gives
 *    the field;
 *  - hba_quote_name (a name in pg_hba.conf): parsed by the hba tokeniser,
 *    a rule made with it names that role.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hba.h"
#include "report.h"
#include "standby_files.h"
#include "strbuf.h"
#include "shquote.h"
#include "transport.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* POSIX sh: '...' literal; outside, \c is c; nothing else may appear. */
static char *
sh_unquote(const char *q)
{
	strbuf		sb;

	strbuf_init(&sb);
	while (*q)
	{
		if (*q == '\'')
		{
			const char *end = strchr(q + 1, '\'');

			if (!end)
				abort();
			strbuf_append_len(&sb, q + 1, (size_t) (end - q - 1));
			q = end + 1;
		}
		else if (*q == '\\' && q[1])
		{
			strbuf_append_char(&sb, q[1]);
			q += 2;
		}
		else
			abort();			/* a bare character: the shell would read it */
	}
	return strbuf_detach(&sb);
}

/* libpq's passfile field: up to an unescaped ':', \ escaping. */
static char *
pgpass_unquote(const char *f)
{
	strbuf		sb;

	strbuf_init(&sb);
	for (; *f; f++)
	{
		if (*f == ':')
			abort();			/* an unescaped separator inside the field */
		if (*f == '\\' && f[1])
			f++;
		strbuf_append_char(&sb, *f);
	}
	return strbuf_detach(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *arg = malloc(size + 1);
	char	   *q;
	char	   *back;
	strbuf		sb;

	memcpy(arg, data, size);
	arg[size] = '\0';			/* the argument up to its first NUL, as execve sees it */

	q = shquote_arg(arg);
	back = sh_unquote(q);
	if (strcmp(back, arg) != 0)
		abort();
	free(back);
	free(q);

	strbuf_init(&sb);
	standby_pgpass_field(&sb, arg);
	back = pgpass_unquote(sb.data);
	if (strcmp(back, arg) != 0)
		abort();
	free(back);
	strbuf_free(&sb);

	/* a role name in a rule: parsed back, the rule names that role */
	{
		pgr_error	err = PGR_ERROR_INIT;
		char	   *rule = hba_format_rule(HBA_HOST, arg, "192.0.2.1", "scram-sha-256", &err);

		if (rule)
		{
			hba_doc    *doc = hba_parse(rule, strlen(rule));

			if (hba_remove_rule(doc, HBA_HOST, arg, "192.0.2.1", "scram-sha-256", &err) != 1)
				abort();
			hba_free(doc);
			free(rule);
		}
		pgr_error_clear(&err);
	}
	free(arg);
	return 0;
}
