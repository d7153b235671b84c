/*
 * cmd_health.c: "pgreplica check --nagios [--max-lag=LIMIT]... [--role ROLE
 * NODE]", the health of the running cluster as a monitoring plugin reports
 * it (Nagios, Icinga, Zabbix, Sensu all read this format): one line of
 * output, "PGREPLICA STATE - what | performance data", and the exit
 * status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 *
 * It is status's collection and judgement (status.c) read through
 * thresholds: a problem status calls an error is CRITICAL, one it calls
 * degraded is WARNING; a standby's lag past lag_warn_bytes/lag_warn_seconds
 * (the cluster file) is WARNING, past --max-lag CRITICAL.  With --role,
 * only NODE is judged: that it answers in ROLE, and its own problems.
 * "check" without these options is the preflight of apply (cmd_plan.c).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "i18n.h"
#include "report.h"
#include "status.h"
#include "strbuf.h"

#define HEALTH_TIMEOUT_S CLI_HEALTH_TIMEOUT_S	/* its --help says it */

enum health { H_OK, H_WARNING, H_CRITICAL, H_UNKNOWN };
static const char *const health_words[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

typedef struct health_args {
	long long	max_lag_bytes;	/* -1: none */
	double		max_lag_s;		/* NAN: none */
	const char *role;			/* "primary", "standby", or NULL */
	const char *node;			/* with role */
	double		timeout_s;
} health_args;

typedef struct verdict {
	enum health state;
	strbuf		first;			/* the worst finding, in words */
	int			findings;
} verdict;

bool
check_wants_health(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--nagios") == 0 || strncmp(argv[i], "--max-lag", 9) == 0 ||
			strncmp(argv[i], "--role", 6) == 0)
			return true;
	}
	return false;
}

/* A plugin's error: "PGREPLICA UNKNOWN - …" and exit 3. */
static int
unknown(pgr_error *err)
{
	printf("PGREPLICA %s - %s\n", health_words[H_UNKNOWN],
		   err->message ? err->message : _("unknown error"));
	if (err->hint)
		fprintf(stderr, "%s\n", err->hint);
	pgr_error_clear(err);
	return H_UNKNOWN;
}

/*
 * A finding; the worst one is the line's text.  The plugin format is one
 * line and "|" starts the performance data: line breaks (libpq's messages
 * have them), tabs and bars are made spaces and slashes.
 */
static void
find(verdict *v, enum health h, const char *text)
{
	v->findings++;
	if (h <= v->state && v->first.len > 0)
		return;
	v->state = h > v->state ? h : v->state;
	strbuf_reset(&v->first);
	for (const char *p = text; *p; p++)
	{
		if (*p == '\n' || *p == '\t' || *p == '\r')
		{
			if (v->first.len > 0 && v->first.data[v->first.len - 1] != ' ')
				strbuf_append_char(&v->first, ' ');
		}
		else
			strbuf_append_char(&v->first, *p == '|' ? '/' : *p);
	}
}

static int
parse_args(pgr_globals *g, int argc, char **argv, health_args *a, pgr_error *err)
{
	cli_parser	p;
	int			c;

	a->max_lag_bytes = -1;
	a->max_lag_s = NAN;
	a->role = a->node = NULL;
	a->timeout_s = HEALTH_TIMEOUT_S;
	cli_begin(&p, g, &cli_cmd_check_health, argc, argv);
	p.capture = err;			/* the plugin's UNKNOWN line tells them */
	while ((c = cli_next(&p)) != -1)
	{
		switch (c)
		{
			case 'n':
				break;
			case 'l':
				{
					double		s;
					long long	b;
					size_t		n = strlen(optarg);
					bool		is_time = n > 0 && (optarg[n - 1] == 's' || optarg[n - 1] == 'h' ||
												(n > 3 && strcmp(optarg + n - 3, "min") == 0));

					if (is_time && cluster_parse_seconds(optarg, &s) == 0 && s > 0)
						a->max_lag_s = s;
					else if (!is_time && cluster_parse_bytes(optarg, &b) == 0 && b > 0)
						a->max_lag_bytes = b;
					else
					{
						pgr_error_set(err, PGR_ERR_INPUT, _("invalid value \"%s\" for option %s"),
									  optarg, "--max-lag");
						pgr_error_hint(err, _("A size (16MB, bare numbers are bytes) or a duration with its unit (30s, 500ms, 2min)."));
						goto bad;
					}
					break;
				}
			case 'r':
				if (strcmp(optarg, "primary") != 0 && strcmp(optarg, "standby") != 0)
				{
					pgr_error_set(err, PGR_ERR_INPUT, _("invalid value \"%s\" for option %s"),
								  optarg, "--role");
					pgr_error_hint(err, _("The roles are primary and standby: --role primary NODE."));
					goto bad;
				}
				a->role = optarg;
				break;
			case 't':
				{
					char	   *end;

					a->timeout_s = strtod(optarg, &end);
					if (end == optarg || *end != '\0' || !(a->timeout_s > 0) || a->timeout_s > 3600)
					{
						pgr_error_set(err, PGR_ERR_INPUT, _("invalid value \"%s\" for option %s"),
									  optarg, "--timeout");
						goto bad;
					}
					break;
				}
			case 'h':
				cli_help(stdout, &cli_cmd_check_health);
				cli_free(&p);
				return 1;
			case CLI_DONE:
				cli_free(&p);
				return 1;
			default:
				cli_free(&p);
				return -1;		/* in *err */
		}
	}
	if (a->role && !(a->node = cli_arg(&p)))
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("--role needs the node to judge: --role %s NODE"), a->role);
		cli_free(&p);
		return -1;
	}
	return cli_end(&p);
bad:
	cli_free(&p);
	return -1;
}

/* The standby's lag against the cluster file's warning and --max-lag. */
static void
judge_lag(verdict *v, const cluster *c, const health_args *a, const node_status *ns,
		  strbuf *perf)
{
	const status_replication *r = ns->upstream_row;
	char	   *text;

	if (!r)
		return;
	if (r->has_lag_bytes)
	{
		enum health h = a->max_lag_bytes >= 0 && r->lag_bytes > a->max_lag_bytes ? H_CRITICAL
			: r->lag_bytes > c->lag_warn_bytes ? H_WARNING : H_OK;

		strbuf_appendf(perf, " '%s_lag_bytes'=%lldB;%lld;", ns->node->name, r->lag_bytes,
					   c->lag_warn_bytes);
		if (a->max_lag_bytes >= 0)
			strbuf_appendf(perf, "%lld", a->max_lag_bytes);
		strbuf_append(perf, ";0;");
		if (h != H_OK)
		{
			text = pgr_asprintf(_("standby %s is %lld bytes behind %s"), ns->node->name,
								r->lag_bytes, ns->upstream_name ? ns->upstream_name : "?");
			find(v, h, text);
			free(text);
		}
	}
	if (!isnan(r->replay_lag_s))
	{
		enum health h = !isnan(a->max_lag_s) && r->replay_lag_s > a->max_lag_s ? H_CRITICAL
			: r->replay_lag_s > c->lag_warn_seconds ? H_WARNING : H_OK;

		strbuf_appendf(perf, " '%s_replay_lag'=%.3fs;%g;", ns->node->name, r->replay_lag_s,
					   c->lag_warn_seconds);
		if (!isnan(a->max_lag_s))
			strbuf_appendf(perf, "%g", a->max_lag_s);
		strbuf_append(perf, ";0;");
		if (h != H_OK)
		{
			text = pgr_asprintf(_("standby %s replays %.1f s behind %s"), ns->node->name,
								r->replay_lag_s, ns->upstream_name ? ns->upstream_name : "?");
			find(v, h, text);
			free(text);
		}
	}
}

int
cmd_check_health(pgr_globals *g, int argc, char **argv)
{
	pgr_error	err = PGR_ERROR_INIT;
	health_args a;
	cluster    *c;
	cluster_status *st;
	verdict		v = {H_OK, {0}, 0};
	strbuf		perf;
	const node_status *target = NULL;
	int			up = 0;

	switch (parse_args(g, argc, argv, &a, &err))
	{
		case 1:
			return H_OK;
		case -1:
			return unknown(&err);
	}
	c = cluster_load(g->cluster_path, &err);
	if (!c)
		return unknown(&err);
	if (a.node && !cluster_find_node(c, a.node))
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("the cluster file has no node \"%s\""), a.node);
		cluster_free(c);
		return unknown(&err);
	}

	st = status_collect(c, a.timeout_s);
	status_collect_disk(st);
	strbuf_init(&v.first);
	strbuf_init(&perf);
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && (!a.node || strcmp(st->nodes[i].node->name, a.node) == 0))
			up++;
	strbuf_appendf(&perf, " nodes_up=%d;;;0;%d", up, a.node ? 1 : st->n_nodes);
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (a.node && strcmp(ns->node->name, a.node) != 0)
			continue;
		if (a.node)
			target = ns;
		if (ns->node->role == NODE_STANDBY)
			judge_lag(&v, c, &a, ns, &perf);
	}
	for (int i = 0; i < st->n_problems; i++)
	{
		const status_problem *p = &st->problems[i];

		/* with --role, NODE's own problems (and the cluster's) only */
		if (a.node && p->node && strcmp(p->node, a.node) != 0)
			continue;
		find(&v, p->severity == STATUS_ERROR ? H_CRITICAL : H_WARNING, p->message);
	}
	if (target)
	{
		bool		is_primary = target->answered && target->role == STATUS_ROLE_PRIMARY;
		bool		want_primary = strcmp(a.role, "primary") == 0;

		if (!target->answered)
			;					/* its unreachability is among the problems */
		else if (is_primary != want_primary)
		{
			char	   *text = pgr_asprintf(_("%s answers as %s, not %s"), target->node->name,
											is_primary ? "primary" : "standby", a.role);

			find(&v, H_CRITICAL, text);
			free(text);
		}
	}

	if (v.state == H_OK)
	{
		const cluster_node *p = cluster_primary(c);

		if (a.node)
			printf(_("PGREPLICA OK - %s answers as %s"), a.node, a.role);
		else
			printf(ngettext("PGREPLICA OK - %d node of %d answers, primary %s",
							"PGREPLICA OK - %d nodes of %d answer, primary %s",
							(unsigned long) up), up, st->n_nodes, p ? p->name : "?");
	}
	else if (v.findings > 1)
		printf(ngettext("PGREPLICA %s - %s (and %d more finding)",
						"PGREPLICA %s - %s (and %d more findings)",
						(unsigned long) (v.findings - 1)),
			   health_words[v.state], v.first.data, v.findings - 1);
	else
		printf("PGREPLICA %s - %s", health_words[v.state], v.first.data);
	printf(" |%s\n", perf.data);

	strbuf_free(&perf);
	strbuf_free(&v.first);
	status_free(st);
	cluster_free(c);
	return v.state;
}
