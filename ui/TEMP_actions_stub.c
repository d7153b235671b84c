/*
 * TEMP_actions_stub.c: TEMPORARY stand-ins for the promote, follow and
 * re-sync actions, implemented by another branch (actions.h).  They only
 * let this branch link; the lead drops this file at merge.
 */
#include <config.h>

#include <string.h>

#include "actions.h"
#include "i18n.h"

static int
not_merged(pgr_error *err)
{
	pgr_error_set(err, PGR_ERR_GENERIC, "%s", "not merged yet");
	return -1;
}

int
action_promote_check(action_ctx *a, const char *node, promote_check *out, pgr_error *err)
{
	(void) a;
	(void) node;
	memset(out, 0, sizeof(*out));
	return not_merged(err);
}

void
promote_check_clear(promote_check *pc)
{
	(void) pc;
}

int
action_promote(action_ctx *a, const char *node, bool fence, pgr_error *err)
{
	(void) a;
	(void) node;
	(void) fence;
	return not_merged(err);
}

int
action_follow(action_ctx *a, const char *node, const char *upstream, pgr_error *err)
{
	(void) a;
	(void) node;
	(void) upstream;
	return not_merged(err);
}

int
action_resync(action_ctx *a, const char *node, resync_method m, pgr_error *err)
{
	(void) a;
	(void) node;
	(void) m;
	return not_merged(err);
}
