/*
 * fuzz_conninfo.c: the primary_conninfo pgreplica writes (src/formats/recovery.c
 * recovery_conninfo) read by libpq's own parser.  The input is cut at NUL
 * bytes into host, user, passfile, node name and CA file, and a port; the
 * conninfo made of them (when recovery_conninfo accepts them) must read
 * back through PQconninfoParse to exactly those values, and no password:
 * nothing in a value can smuggle in another keyword.
 */
#include <config.h>

#include <libpq-fe.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recovery.h"
#include "report.h"
#include "version.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *
value_of(PQconninfoOption *opts, const char *key)
{
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val;
	return NULL;
}

static bool
same(const char *a, const char *b)
{
	return (a == NULL) == (b == NULL) && (!a || strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf;
	const char *field[5];
	size_t		pos = 0;
	recovery_params p;
	char	   *ci;

	if (size < 2)
		return 0;
	buf = malloc(size + 1);
	memcpy(buf, data + 2, size - 2);
	buf[size - 2] = '\0';
	for (int i = 0; i < 5; i++)
	{
		field[i] = buf + pos;
		pos += strlen(buf + pos);
		if (pos < size - 2)
			pos++;
	}
	memset(&p, 0, sizeof(p));
	p.facts = version_facts(150000);
	p.primary_host = field[0];
	p.user = field[1];
	p.passfile = field[2];
	p.node = field[3];
	p.sslrootcert = field[4];
	p.ssl = data[0] & 1;
	p.primary_port = 1 + ((data[0] << 8 | data[1]) % 65535);
	ci = recovery_conninfo(&p);
	if (ci)
	{
		char	   *errmsg = NULL;
		PQconninfoOption *opts = PQconninfoParse(ci, &errmsg);
		char		port[16];

		if (!opts)
			abort();			/* libpq cannot read what pgreplica wrote */
		snprintf(port, sizeof(port), "%d", p.primary_port);
		if (!same(value_of(opts, "host"), p.primary_host) ||
			!same(value_of(opts, "port"), port) ||
			!same(value_of(opts, "user"), p.user) ||
			!same(value_of(opts, "passfile"), p.passfile) ||
			!same(value_of(opts, "application_name"), p.node) ||
			!same(value_of(opts, "sslmode"), p.ssl ? "verify-full" : "prefer") ||
			!same(value_of(opts, "sslrootcert"), p.ssl ? p.sslrootcert : NULL) ||
			value_of(opts, "password") || value_of(opts, "dbname"))
			abort();
		PQconninfoFree(opts);
		free(ci);
	}
	free(buf);
	return 0;
}
