/*
 * action_dryrun.c: what an action says instead of acting (a->dry_run): its
 * steps, numbered, each with the command, SQL or file it would run or
 * write.  The pre-checks run as they do for real (they only read); the
 * steps that would change something are only described here, from the
 * same functions that render them for real (service_command_string,
 * recovery_conninfo, the SSL and pg_hba.conf steps' inspection), so that
 * what a dry run says is what the action does.
 */
#include <config.h>

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "i18n.h"
#include "plan.h"
#include "standby_files.h"
#include "step_hba.h"
#include "step_ssl.h"

void
action_step(action_ctx *a, const char *fmt,...)
{
	va_list		ap;
	char	   *line;

	va_start(ap, fmt);
	line = pgr_vasprintf(fmt, ap);
	va_end(ap);
	a->n_steps++;
	if (a->step)
		a->step(a->step_arg, line);
	else
		/* TRANSLATORS: a dry run's step: its number, then what it does */
		action_log(a, _("%d. %s"), a->n_steps, line);
	free(line);
}

void
action_dry_begin(action_ctx *a, const char *what)
{
	a->n_steps = 0;
	action_log(a, _("dry run: nothing is changed; %s would:"), what);
}

int
action_dry_serve_standbys(action_ctx *a, session *ctx, cluster_node *up,
						  pgr_error *err)
{
	plan	   *p = pgr_calloc(1, sizeof(*p));
	int			rc;

	if (a->cl->ssl)
		plan_add(p, step_ssl_new(ctx, up));
	plan_add(p, step_hba_new(ctx, up));
	rc = plan_inspect(ctx, p, err);
	for (int i = 0; rc == 0 && i < p->n_steps; i++)
	{
		plan_step  *s = p->steps[i];

		if (s->status == STEP_NOTHING_TO_DO)
			action_step(a, _("on %s: %s: %s"), up->name, s->title, s->summary.data ? s->summary.data : "");
		else
			action_step(a, _("on %s: %s: %s\n%s"), up->name, s->title,
						s->summary.data ? s->summary.data : "", s->preview.data ? s->preview.data : "");
	}
	plan_free(p);
	if (rc < 0)
		pgr_error_prefix(err, _("%s cannot serve its standbys"), up->name);
	return rc;
}

void
action_dry_standby_secrets(action_ctx *a, cluster_node *n, cluster_node *up)
{
	char	   *passfile = standby_passfile_path(n);
	char	   *rootcert = standby_rootcert_path(a->cl, n);

	if (standby_uses_password(a->cl))
		action_step(a, _("on %s's host: write \"%s\" (mode 0600): %s:%d:replication:%s:<password>"),
					n->name, passfile, up->host, up->port, a->cl->replication_user);
	if (rootcert)
		action_step(a, _("on %s's host: write \"%s\" (mode 0644): the cluster's CA certificate"),
					n->name, rootcert);
	if (a->cl->replication_auth != REPLICATION_AUTH_SCRAM)
		action_step(a, _("on %s's host: write a new client certificate for \"%s\" from the cluster's CA, and its key (mode 0600), beside \"%s\""),
					n->name, a->cl->replication_user, n->pgdata);
	free(passfile);
	free(rootcert);
}

void
action_dry_standby_settings(action_ctx *a, session *ctx, cluster_node *n,
							cluster_node *up, const pg_version_facts *facts,
							bool running)
{
	char	   *slot = NULL;
	char	   *conninfo;
	recovery_params rp;

	action_recovery_params(ctx, n, up, facts, &slot, &rp);
	if (slot)
		action_step(a, _("on %s: SELECT pg_create_physical_replication_slot('%s', true), unless it exists"),
					up->name, slot);
	conninfo = recovery_conninfo(&rp);
	if (facts->recovery_conf)
		action_step(a, _("on %s's host: write \"%s/%s\": primary_conninfo = '%s'%s%s%s"),
					n->name, n->pgdata, RECOVERY_CONF_FILE, conninfo ? conninfo : "?",
					slot ? ", primary_slot_name = '" : "", slot ? slot : "", slot ? "'" : "");
	else if (running)
		action_step(a, _("on %s: ALTER SYSTEM SET primary_conninfo = '%s'; ALTER SYSTEM %s primary_slot_name%s%s%s"),
					n->name, conninfo ? conninfo : "?", slot ? "SET" : "RESET",
					slot ? " = '" : "", slot ? slot : "", slot ? "'" : "");
	else
		action_step(a, _("on %s's host: create \"%s/%s\"; in \"%s/%s\": primary_conninfo = '%s'%s%s%s"),
					n->name, n->pgdata, RECOVERY_SIGNAL_FILE, n->pgdata, RECOVERY_AUTO_CONF_FILE,
					conninfo ? conninfo : "?",
					slot ? ", primary_slot_name = '" : "", slot ? slot : "", slot ? "'" : "");
	free(conninfo);
	action_recovery_params_clear(&rp, slot);
}

void
action_dry_standby_files(action_ctx *a, session *ctx, cluster_node *n,
						 cluster_node *up, const pg_version_facts *facts,
						 bool running)
{
	action_dry_standby_secrets(a, n, up);
	action_dry_standby_settings(a, ctx, n, up, facts, running);
}
