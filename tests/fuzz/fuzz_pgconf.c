/*
 * fuzz_pgconf.c: the postgresql.conf parser (src/formats/pgconf.c) under
 * libFuzzer.  Any bytes: parsed or refused with a message, rendered back
 * byte for byte; a parameter set on it parses again and reads back as set.
 * The value quoting is checked both ways: pgconf_unquote(pgconf_quote_value(v))
 * gives v back for the input as a value.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pgconf.h"
#include "report.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgr_error	err = PGR_ERROR_INIT;
	pgconf_doc *doc = pgconf_parse_len((const char *) data, size, "/fuzz/postgresql.conf", &err);

	if (doc)
	{
		char	   *out = pgconf_render(doc);
		pgconf_change ch;

		if (strlen(out) != size || memcmp(out, data, size) != 0)
			abort();			/* the text comes back as it was */
		free(out);
		memset(&ch, 0, sizeof(ch));
		if (pgconf_set(doc, "wal_level", "replica", &ch, &err) == 0)
		{
			pgconf_doc *again;
			const pgconf_line *l;

			out = pgconf_render(doc);
			again = pgconf_parse(out, "/fuzz/postgresql.conf", &err);
			if (!again)
				abort();		/* an edit keeps the file valid */
			l = pgconf_find(again, "wal_level");
			if (!l)
				abort();
			pgconf_free(again);
			free(out);
		}
		pgconf_change_clear(&ch);
		pgconf_free(doc);
	}
	else if (!err.message)
		abort();
	pgr_error_clear(&err);

	/* the input as a value: quoted, then read back */
	if (size > 0 && !memchr(data, '\0', size))
	{
		char	   *v = malloc(size + 1);
		char	   *q;
		char	   *back;

		memcpy(v, data, size);
		v[size] = '\0';
		q = pgconf_quote_value(v);
		back = pgconf_unquote(q);
		if (strcmp(back, v) != 0)
			abort();
		free(back);
		free(q);
		free(v);
	}
	return 0;
}
