/*
 * fuzz_cluster.c: the cluster file parser (src/cluster/cluster.c) under libFuzzer.
 * Any bytes: parsed without a crash, a leak or undefined behaviour; a file
 * it accepts is formatted again, that text parses, and formatting it once
 * more gives the same text (the rewrite pgreplica makes is stable).
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "report.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = malloc(size + 1);
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c;

	memcpy(text, data, size);
	text[size] = '\0';
	c = cluster_parse(text, "fuzz.conf", &err);
	if (c)
	{
		char	   *out = cluster_format(c);
		cluster    *d = cluster_parse(out, "fuzz.conf", &err);
		char	   *again;

		if (!d)
			abort();			/* what pgreplica writes, it must read */
		again = cluster_format(d);
		if (strcmp(out, again) != 0)
			abort();
		free(again);
		free(out);
		cluster_free(d);
		cluster_free(c);
	}
	else if (!err.message)
		abort();				/* a refusal always says why */
	pgr_error_clear(&err);
	free(text);
	return 0;
}
