/*
 * setup_steps.c: the set-up's steps as a table (setup_steps.h).
 *
 * DESIGN.md steps 2-5, then the reload or restart that enacts them.  SSL
 * comes before pg_hba.conf (its hostssl rules need ssl = on), on every
 * node: a standby gets its own certificate so that it can serve as primary
 * after a promotion.  Then DESIGN.md steps 6-8: each standby built from
 * its upstream, an upstream before the standbys that cascade from it (by
 * depth: the primary's standbys first), whatever the order of the file.
 * The cluster file's validation refused cycles.
 */
#include <config.h>

#include <stdlib.h>

#include "i18n.h"
#include "setup_steps.h"
#include "step_activate.h"
#include "step_hba.h"
#include "step_params.h"
#include "step_role.h"
#include "step_ssl.h"
#include "step_standby.h"

/* Which nodes a row of the table makes a step for. */
typedef enum setup_where {
	ON_PRIMARY,
	ON_OTHER_NODES,				/* every node but the primary, file order */
	ON_STANDBYS_BY_DEPTH		/* standbys, upstreams first */
} setup_where;

typedef struct setup_step_row {
	plan_step  *(*make) (session *ctx, cluster_node *node);
	setup_where where;
	bool		(*wanted) (const session *ctx);	/* NULL: always */
} setup_step_row;

static bool
want_ssl(const session *ctx)
{
	return ctx->cl->ssl;
}

static bool
want_standbys(const session *ctx)
{
	return !ctx->opts.primary_only;
}

static const setup_step_row setup_table[] = {
	{step_role_new, ON_PRIMARY, NULL},
	{step_params_new, ON_PRIMARY, NULL},
	{step_ssl_new, ON_PRIMARY, want_ssl},
	{step_ssl_new, ON_OTHER_NODES, want_ssl},
	{step_hba_new, ON_PRIMARY, NULL},
	{step_activate_new, ON_PRIMARY, NULL},
	{step_standby_new, ON_STANDBYS_BY_DEPTH, want_standbys},
};

/* How many standbys lie between N and the primary, N included. */
static int
standby_depth(const cluster *cl, const cluster_node *n)
{
	int			d = 0;

	for (const cluster_node *u = n; u && u->role == NODE_STANDBY && d <= cl->n_nodes;
		 u = cluster_upstream(cl, u))
		d++;
	return d;
}

static void
add_row(plan *p, session *ctx, const setup_step_row *row, cluster_node *primary)
{
	cluster    *cl = ctx->cl;

	switch (row->where)
	{
		case ON_PRIMARY:
			plan_add(p, row->make(ctx, primary));
			break;
		case ON_OTHER_NODES:
			for (int i = 0; i < cl->n_nodes; i++)
				if (&cl->nodes[i] != primary)
					plan_add(p, row->make(ctx, &cl->nodes[i]));
			break;
		case ON_STANDBYS_BY_DEPTH:
			for (int depth = 1; depth <= cl->n_nodes; depth++)
				for (int i = 0; i < cl->n_nodes; i++)
					if (cl->nodes[i].role == NODE_STANDBY &&
						standby_depth(cl, &cl->nodes[i]) == depth)
						plan_add(p, row->make(ctx, &cl->nodes[i]));
			break;
	}
}

plan *
plan_build(session *ctx, pgr_error *err)
{
	cluster_node *primary = cluster_primary(ctx->cl);
	plan	   *p;

	if (!primary)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the cluster file \"%s\" has no primary"), ctx->cl->path);
		return NULL;
	}
	p = plan_new();
	for (size_t i = 0; i < sizeof(setup_table) / sizeof(setup_table[0]); i++)
		if (!setup_table[i].wanted || setup_table[i].wanted(ctx))
			add_row(p, ctx, &setup_table[i], primary);
	return p;
}
