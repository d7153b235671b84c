/*
 * fuzz_hba.c: the pg_hba.conf parser (src/formats/hba.c) under libFuzzer.  Any
 * bytes: parsed (it never fails), rendered back byte for byte, and a
 * replication rule planned and inserted where the plan says; the result
 * parses again.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hba.h"
#include "report.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hba_doc    *doc = hba_parse((const char *) data, size);
	size_t		len = 0;
	char	   *out = hba_render(doc, &len);
	hba_plan	plan = HBA_PLAN_INIT;
	pgr_error	err = PGR_ERROR_INIT;

	if (len != size || memcmp(out, data, size) != 0)
		abort();				/* the text comes back as it was */
	free(out);
	if (hba_plan_rule(doc, HBA_HOSTSSL, "replicate", "192.0.2.7", "scram-sha-256", &plan, &err) == 0)
	{
		if (plan.needed && hba_insert(doc, plan.insert_at, plan.line, &err) == 0)
		{
			hba_doc    *again;

			out = hba_render(doc, &len);
			again = hba_parse(out, len);
			/* the rule is there now: removing it finds it */
			if (hba_remove_rule(again, HBA_HOSTSSL, "replicate", "192.0.2.7", "scram-sha-256", &err) != 1)
				abort();
			hba_free(again);
			free(out);
		}
		hba_plan_clear(&plan);
	}
	pgr_error_clear(&err);
	hba_free(doc);
	return 0;
}
