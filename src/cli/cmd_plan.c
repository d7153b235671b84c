/*
 * cmd_plan.c: "pgreplica plan [--json]" (what apply would change; changes
 * nothing) and "pgreplica apply [--yes]" (carry it out).
 *
 * Both build the same plan from the cluster file and inspect every step;
 * apply then asks before each change (on a terminal), or acts only with
 * --yes when there is no terminal to ask on.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "i18n.h"
#include "json.h"
#include "node_test.h"
#include "pgconn.h"
#include "basebackup.h"
#include "plan.h"
#include "setup_steps.h"
#include "report.h"
#include "step_role.h"

/* The three commands made of the plan: show it, check it, carry it out. */
typedef enum plan_mode {
	MODE_PLAN,
	MODE_CHECK,
	MODE_APPLY
} plan_mode;

typedef struct plan_args {
	const char *node;			/* check NODE: that node's test only */
	bool		json;
	bool		primary_only;
	bool		delete_old_data;
	long long	max_rate_kb;	/* --max-rate; 0: the cluster's */
	bool		yes;
	param_method method;
} plan_args;

static int
parse_args(pgr_globals *g, int argc, char **argv, plan_mode mode, plan_args *a)
{
	/* each mode's table has only its own options (cli_commands.c) */
	const cli_command *cmd = mode == MODE_APPLY ? &cli_cmd_apply :
		mode == MODE_PLAN ? &cli_cmd_plan : &cli_cmd_check;
	cli_parser	p;
	int			c;

	memset(a, 0, sizeof(*a));
	a->method = PARAM_ALTER_SYSTEM;
	cli_begin(&p, g, cmd, argc, argv);
	while ((c = cli_next(&p)) != -1)
	{
		switch (c)
		{
			case 'j':
				a->json = true;
				break;
			case 'y':
				a->yes = true;
				break;
			case 'p':
				a->primary_only = true;
				break;
			case 'D':
				a->delete_old_data = true;
				break;
			case 'r':
				{
					pgr_error	err = PGR_ERROR_INIT;

					if (basebackup_rate_option(optarg, &a->max_rate_kb, &err) < 0)
					{
						report_error(&err);
						pgr_error_clear(&err);
						goto bad;
					}
				}
				break;
			case 'm':
				if (strcmp(optarg, "alter-system") == 0)
					a->method = PARAM_ALTER_SYSTEM;
				else if (strcmp(optarg, "file") == 0)
					a->method = PARAM_EDIT_FILE;
				else
				{
					pgr_error	err = PGR_ERROR_INIT;

					pgr_error_set(&err, PGR_ERR_INPUT, _("unknown method \"%s\""), optarg);
					pgr_error_hint(&err, _("Use --method=alter-system or --method=file."));
					report_error(&err);
					pgr_error_clear(&err);
					goto bad;
				}
				break;
			case 'h':
				cli_help(stdout, cmd);
				cli_free(&p);
				return 1;
			case CLI_DONE:
				cli_free(&p);
				return 1;
			default:
				goto bad;
		}
	}
	if (mode == MODE_CHECK)
		a->node = cli_arg(&p);
	return cli_end(&p);
bad:
	cli_free(&p);
	return -1;
}

static void
log_line(void *arg, const plan_step *s, const char *line)
{
	report_puts(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* Print an indented block (a preview). */
static void
print_indented(const char *text, const char *indent)
{
	/* summaries and previews quote servers and files: made visible */
	char	   *visible = report_visible(text);
	const char *p = visible;

	while (*p)
	{
		size_t		n = strcspn(p, "\n");

		printf("%s%.*s\n", indent, (int) n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
	free(visible);
}

/* On a terminal: show the step and ask; the answer defaults to No. */
static bool
ask(void *arg, const plan_step *s, const char *question)
{
	char	   *q;
	bool		yes;

	if (s && s->preview.len && strcmp(question, s->title) == 0)
		print_indented(s->preview.data, "    ");
	/* TRANSLATORS: a step's title, then the question whether to apply it */
	q = pgr_asprintf(_("%s: apply?"), question);
	yes = cli_confirm(q);
	free(q);
	return yes;
}

/* How each step status is shown to people, and named in JSON. */
static const struct
{
	step_status status;
	const char *key;
	const char *word;
}			status_names[] = {
	{STEP_UNKNOWN, "unknown", N_("not inspected")},
	{STEP_NOTHING_TO_DO, "nothing_to_do", N_("nothing to do")},
	{STEP_TO_CHANGE, "to_change", N_("will change")},
	{STEP_APPLIED, "applied", N_("applied")},
	{STEP_FAILED, "failed", N_("failed")},
	{STEP_DECLINED, "declined", N_("declined")},
};

static const char *
status_word(step_status st)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].status == st)
			return _(status_names[i].word);
	return _(status_names[0].word);
}

static const char *
status_key(step_status st)
{
	for (size_t i = 0; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (status_names[i].status == st)
			return status_names[i].key;
	return status_names[0].key;
}

/* The connections are not verified: said before anything else (pgconn.h). */
static void
print_trust_warning(const cluster *cl, bool apply)
{
	char	   *warning = pgconn_trust_warning(cl);

	if (warning)
	{
		if (!apply)
			putchar('\n');		/* after the plan's title */
		print_indented(warning, "");
		if (apply)
			putchar('\n');		/* before the steps' lines */
		free(warning);
	}
}

static void
print_plan_text(const cluster *cl, const plan *p)
{
	int			changes = 0;
	char	   *name = report_visible(cl->name);

	for (int i = 0; i < p->n_steps; i++)
		if (p->steps[i]->status == STEP_TO_CHANGE)
			changes++;
	printf(ngettext("Plan for cluster \"%s\": %d step, %d to change\n",
					"Plan for cluster \"%s\": %d steps, %d to change\n", p->n_steps),
		   name, p->n_steps, changes);
	free(name);
	print_trust_warning(cl, false);
	for (int i = 0; i < p->n_steps; i++)
	{
		const plan_step *s = p->steps[i];

		/* TRANSLATORS: step number, step title, its status ("will change") */
		printf(_("\n[%d] %s: %s\n"), i + 1, s->title, status_word(s->status));
		if (s->summary.len)
			print_indented(s->summary.data, "    ");
		if (s->status == STEP_TO_CHANGE && s->preview.len)
			print_indented(s->preview.data, "    ");
	}
	if (changes == 0)
		printf("\n%s\n", _("Nothing to do: the cluster is set up as its file describes."));
}

static void
print_plan_json(const cluster *cl, const plan *p)
{
	strbuf		out;
	json_writer w;
	char	   *warning = pgconn_trust_warning(cl);

	strbuf_init(&out);
	json_init(&w, &out, true);
	json_begin_object(&w);
	json_key(&w, "cluster");
	json_string(&w, cl->name);
	json_key(&w, "unverified_connections");
	json_string(&w, warning);
	json_key(&w, "steps");
	json_begin_array(&w);
	for (int i = 0; i < p->n_steps; i++)
	{
		const plan_step *s = p->steps[i];

		json_begin_object(&w);
		json_key(&w, "id");
		json_string(&w, s->id);
		json_key(&w, "kind");
		json_string(&w, s->ops->kind);
		json_key(&w, "node");
		json_string(&w, s->node ? s->node->name : NULL);
		json_key(&w, "title");
		json_string(&w, s->title);
		json_key(&w, "status");
		json_string(&w, status_key(s->status));
		json_key(&w, "summary");
		json_string(&w, s->summary.len ? s->summary.data : NULL);
		json_key(&w, "preview");
		json_string(&w, s->preview.len ? s->preview.data : NULL);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	fputs(out.data, stdout);
	fputc('\n', stdout);
	strbuf_free(&out);
	free(warning);
}

/* check: one line per step as it is inspected */
static void
print_checked(void *arg, const plan_step *s, const pgr_error *err)
{
	(void) arg;
	if (err)
	{
		/* TRANSLATORS: a step that cannot be applied as things are */
		printf(_("[FAILED] %s\n"), s->title);
		/* the why, as every error is told: on standard error, with the hint */
		fflush(stdout);
		report_error(err);
	}
	else if (s->status == STEP_TO_CHANGE)
	{
		/* TRANSLATORS: a step apply would carry out */
		printf(_("[ready]  %s\n"), s->title);
		if (s->summary.len)
			print_indented(s->summary.data, "    ");
	}
	else
		/* TRANSLATORS: a step with nothing to do */
		printf(_("[done]   %s\n"), s->title);
}

/* check NODE: the node test (node_test.h), the wizard's F5 */
static int
check_node(const pgr_globals *g, const cluster *cl, const char *name, pgr_error *err)
{
	const cluster_node *n = cluster_find_node(cl, name);
	transport_options topts = {0};
	strbuf		out;
	bool		ok;

	if (!n)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("the cluster file has no node \"%s\""), name);
		pgr_error_hint(err, _("Name one of the nodes of \"%s\"."), g->cluster_path);
		return PGR_EXIT_ERROR;
	}
	topts.ssh_config = g->ssh_config;
	topts.become = n->become;
	strbuf_init(&out);
	ok = node_test(cl, n, n->role == NODE_PRIMARY, &topts, &out);
	report_puts(out.data ? out.data : "", stdout);
	strbuf_free(&out);
	if (ok)
	{
		printf(_("%s: test passed\n"), name);
		return PGR_EXIT_OK;
	}
	pgr_error_set(err, PGR_ERR_CONNECT, _("%s: test failed"), name);
	return PGR_EXIT_ERROR;
}

static int
run(pgr_globals *g, int argc, char **argv, plan_mode mode)
{
	bool		apply = mode == MODE_APPLY;
	plan_args	a;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = NULL;
	session   *ctx = NULL;
	plan	   *p = NULL;
	session_options po = {0};
	char	   *password = NULL;
	char	   *journal = NULL;
	int			rc = PGR_EXIT_ERROR;
	int			changed = 0;

	switch (parse_args(g, argc, argv, mode, &a))
	{
		case 1:
			return PGR_EXIT_OK;
		case -1:
			return PGR_EXIT_ERROR;
	}
	if (apply && !a.yes && !g->interactive)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("apply changes servers and there is no terminal to confirm on"));
		pgr_error_hint(&err, _("Review the changes with \"%s plan\", then run \"%s apply --yes\"."),
					   PACKAGE, PACKAGE);
		goto out;
	}

	/* apply changes the servers: one pgreplica process at a time */
	cl = apply ? cluster_load_locked(g->cluster_path, "apply", &err)
		: cluster_load(g->cluster_path, &err);
	if (!cl)
		goto out;
	if (g->replication_password_file)
	{
		password = step_role_read_password_file(g->replication_password_file, &err);
		if (!password)
			goto out;
	}

	if (a.node)
	{
		rc = check_node(g, cl, a.node, &err);
		goto out;
	}

	po.method = a.method;
	po.primary_only = a.primary_only;
	po.delete_old_data = a.delete_old_data;
	po.max_rate_kb = a.max_rate_kb;
	po.assume_yes = a.yes;
	po.confirm = apply ? ask : NULL;
	po.log = apply ? log_line : NULL;
	po.topts.ssh_config = g->ssh_config;
	po.replication_password = password;
	if (apply)
		po.journal_path = journal = plan_default_journal_path(cl);

	ctx = session_new(cl, &po);
	p = plan_build(ctx, &err);
	if (!p)
		goto out;

	if (mode == MODE_CHECK)
	{
		int			failed = plan_inspect_each(ctx, p, print_checked, NULL);

		if (failed > 0)
			printf(ngettext("\n%d step of %d cannot be applied as things are.\n",
							"\n%d steps of %d cannot be applied as things are.\n", failed),
				   failed, p->n_steps);
		else
			printf("\n%s\n", _("Every check passed: apply can run."));
		rc = failed > 0 ? PGR_EXIT_ERROR : PGR_EXIT_OK;
		goto out;
	}
	if (!apply)
	{
		if (plan_inspect(ctx, p, &err) < 0)
			goto out;
		if (a.json)
			print_plan_json(cl, p);
		else
			print_plan_text(cl, p);
		rc = PGR_EXIT_OK;
		goto out;
	}

	print_trust_warning(cl, true);
	if (plan_apply(ctx, p, &changed, &err) < 0)
		goto out;
	if (changed == 0)
		printf("%s\n", _("Nothing to do: the cluster is set up as its file describes."));
	else
		printf(ngettext("Done: %d step applied.\n", "Done: %d steps applied.\n", changed), changed);
	rc = PGR_EXIT_OK;

out:
	if (pgr_error_isset(&err))
		report_error(&err);
	pgr_error_clear(&err);
	plan_free(p);
	session_free(ctx);
	cluster_free(cl);
	pgr_free_secret(password);
	free(journal);
	return rc;
}

int
cmd_plan(pgr_globals *g, int argc, char **argv)
{
	return run(g, argc, argv, MODE_PLAN);
}

int
cmd_check(pgr_globals *g, int argc, char **argv)
{
	/* --nagios, --max-lag, --role: the running cluster, not apply's preflight */
	if (check_wants_health(argc, argv))
		return cmd_check_health(g, argc, argv);
	return run(g, argc, argv, MODE_CHECK);
}

int
cmd_apply(pgr_globals *g, int argc, char **argv)
{
	return run(g, argc, argv, MODE_APPLY);
}
