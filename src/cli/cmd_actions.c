/*
 * cmd_actions.c: "pgreplica promote NODE", "pgreplica follow NODE",
 * "pgreplica resync NODE", "pgreplica switchover NODE", "pgreplica
 * drop-slot SLOT" and "pgreplica drop-to-async": the actions of actions.h
 * from the command line (the dashboard's P, F, R, S, D and A make the same
 * calls).  --dry-run (and --json) runs the checks and says the steps.
 *
 * They change servers: without a terminal they act only with --yes; on a
 * terminal every question defaults to No.  --yes never fences a primary
 * that still accepts writes: that takes --fence (or --force).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "basebackup.h"
#include "actions.h"
#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "i18n.h"
#include "json.h"
#include "report.h"
#include "step_role.h"

typedef enum which {
	ACT_PROMOTE,
	ACT_FOLLOW,
	ACT_RESYNC,
	ACT_SWITCHOVER,
	ACT_DROP_SLOT,
	ACT_DROP_TO_ASYNC
} which;

/* their names, options and --help (cli_commands.c), in which's order */
static const cli_command *const act_cmds[] = {
	&cli_cmd_promote, &cli_cmd_follow, &cli_cmd_resync, &cli_cmd_switchover,
	&cli_cmd_drop_slot, &cli_cmd_drop_to_async
};

typedef struct act_args {
	const char *node;
	const char *upstream;
	bool		yes;
	bool		force;
	bool		fence;
	bool		dry_run;
	bool		json;
	resync_method method;
	long long	max_rate_kb;	/* resync --max-rate; 0: the cluster's */
} act_args;

static int
parse_args(which w, pgr_globals *g, int argc, char **argv, act_args *a)
{
	cli_parser	p;
	pgr_error	err = PGR_ERROR_INIT;
	int			c;

	memset(a, 0, sizeof(*a));
	a->method = RESYNC_AUTO;
	cli_begin(&p, g, act_cmds[w], argc, argv);
	while ((c = cli_next(&p)) != -1)
	{
		switch (c)
		{
			case 'y':
				a->yes = true;
				break;
			case 'f':
				a->force = true;
				break;
			/* each action's table has only its own (cli_commands.c) */
			case 'F':
				a->fence = true;
				break;
			case 'u':
				a->upstream = optarg;
				break;
			case 'm':
				if (strcmp(optarg, "rewind") == 0)
					a->method = RESYNC_REWIND;
				else if (strcmp(optarg, "clone") == 0)
					a->method = RESYNC_CLONE;
				else
				{
					pgr_error_set(&err, PGR_ERR_INPUT, _("unknown method \"%s\""), optarg);
					pgr_error_hint(&err, _("Use --method=rewind or --method=clone."));
					goto fail;
				}
				break;
			case 'r':
				if (basebackup_rate_option(optarg, &a->max_rate_kb, &err) < 0)
					goto fail;
				break;
			case 'n':
				a->dry_run = true;
				break;
			case 'j':
				a->json = true;
				break;
			case 'h':
				cli_help(stdout, act_cmds[w]);
				cli_free(&p);
				return 1;
			case CLI_DONE:
				cli_free(&p);
				return 1;
			default:
				cli_free(&p);
				return -1;
		}
	}
	if (a->json && !a->dry_run)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("--json goes with --dry-run"));
		pgr_error_hint(&err, _("Run \"%s %s --dry-run --json\"."), PACKAGE, act_cmds[w]->name);
		goto fail;
	}
	/* an interrupted switchover is finished without naming the node again */
	if (w != ACT_DROP_TO_ASYNC && !(a->node = cli_arg(&p)) && w != ACT_SWITCHOVER)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, w == ACT_DROP_SLOT ? _("no slot named") : _("no node named"));
		goto fail;
	}
	return cli_end(&p) < 0 ? -1 : 0;
fail:
	cli_fail(&p, &err);
	cli_free(&p);
	return -1;
}

static void
log_line(void *arg, const char *line)
{
	(void) arg;
	report_puts(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

/* the actions' question callback: the command line's prompt (default No) */
static bool
ask(void *arg, const char *question)
{
	(void) arg;
	return cli_confirm(question);
}

static void
nothing_done(void)
{
	printf("%s\n", _("Nothing done."));
}

/* Ask QUESTION (freed here); a No says that nothing was done. */
static bool
confirmed(char *question)
{
	bool		go = cli_confirm(question);

	free(question);
	if (!go)
		nothing_done();
	return go;
}

/* promote's questions (action_promote_decide) on the terminal */
static bool
promote_ask(void *arg, promote_question q, const char *text, const char *word)
{
	(void) arg;
	if (q == PROMOTE_ASK_TYPED)
		return cli_confirm_typed(text, word);
	return cli_confirm(text);
}

static void
print_check(const promote_check *pc, const char *node)
{
	printf(_("%s: %s\n"), node, !pc->node_answers ? _("does not answer")
		   : pc->node_is_standby ? _("standby (in recovery)") : _("not in recovery"));
	if (!pc->primary_name)
		return;
	printf(_("%s (old primary): %s\n"), pc->primary_name,
		   !pc->primary_answers ? _("does not answer")
		   : pc->primary_writable ? _("ACCEPTS WRITES") : _("answers, in recovery"));
	if (pc->bytes_not_received >= 0)
		printf(_("%s has not received %lld bytes of %s's WAL\n"), node,
			   pc->bytes_not_received, pc->primary_name);
}

/* --json: the lines an action says, kept for one JSON document. */
typedef struct json_lines {
	char	  **lines;
	int			n;
} json_lines;

static void
json_collect(void *arg, const char *line)
{
	json_lines *l = arg;

	l->lines = pgr_realloc(l->lines, (size_t) (l->n + 1) * sizeof(char *));
	l->lines[l->n++] = pgr_strdup(line);
}

static void
json_lines_write(json_writer *jw, const char *key, json_lines *l)
{
	json_key(jw, key);
	json_begin_array(jw);
	for (int i = 0; i < l->n; i++)
	{
		json_string(jw, l->lines[i]);
		free(l->lines[i]);
	}
	json_end_array(jw);
	free(l->lines);
	memset(l, 0, sizeof(*l));
}

/* {"action", "target", "dry_run", "ok", "log": [...], "steps": [...], "error"} */
static void
json_print(which w, const act_args *args, json_lines *log, json_lines *steps,
		   const pgr_error *err)
{
	strbuf		out;
	json_writer jw;

	strbuf_init(&out);
	json_init(&jw, &out, true);
	json_begin_object(&jw);
	json_key(&jw, "action");
	json_string(&jw, act_cmds[w]->name);
	json_key(&jw, "target");
	json_string(&jw, args->node);
	json_key(&jw, "dry_run");
	json_bool(&jw, true);
	json_key(&jw, "ok");
	json_bool(&jw, !pgr_error_isset(err));
	json_lines_write(&jw, "log", log);
	json_lines_write(&jw, "steps", steps);
	json_key(&jw, "error");
	if (!pgr_error_isset(err))
		json_null(&jw);
	else
	{
		json_begin_object(&jw);
		json_key(&jw, "message");
		json_string(&jw, err->message);
		json_key(&jw, "detail");
		json_string(&jw, err->detail);
		json_key(&jw, "hint");
		json_string(&jw, err->hint);
		json_end_object(&jw);
	}
	json_end_object(&jw);
	printf("%s\n", out.data);
	strbuf_free(&out);
}

static int
run(which w, pgr_globals *g, int argc, char **argv)
{
	json_lines	jlog = {0},
				jsteps = {0};
	act_args	args;
	action_ctx	a;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = NULL;
	char	   *password = NULL;
	int			rc = PGR_EXIT_ERROR;

	switch (parse_args(w, g, argc, argv, &args))
	{
		case 1:
			return PGR_EXIT_OK;
		case -1:
			return PGR_EXIT_ERROR;
	}
	if (!args.yes && !args.dry_run && !g->interactive)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, _("%s changes servers and there is no terminal to confirm on"),
					  act_cmds[w]->name);
		if (args.node)
			pgr_error_hint(&err, _("Run \"%s %s %s --yes\" to act without questions."),
						   PACKAGE, act_cmds[w]->name, args.node);
		else
			pgr_error_hint(&err, _("Run \"%s %s --yes\" to act without questions."),
						   PACKAGE, act_cmds[w]->name);
		goto out;
	}
	if (g->replication_password_file &&
		!(password = step_role_read_password_file(g->replication_password_file, &err)))
		goto out;
	/* one action at a time on a cluster: from reading its file to saving it */
	{
		char	   *what = pgr_asprintf("%s %s", act_cmds[w]->name, args.node ? args.node : "");

		cl = cluster_load_locked(g->cluster_path, what, &err);
		free(what);
		if (!cl)
			goto out;
	}

	memset(&a, 0, sizeof(a));
	a.cl = cl;
	a.cluster_path = g->cluster_path;
	a.ssh_config = g->ssh_config;
	a.yes = args.yes;
	a.force = args.force;
	a.override_manager = args.force;
	a.dry_run = args.dry_run;
	a.max_rate_kb = args.max_rate_kb;
	a.replication_password = password;
	a.log = log_line;
	a.confirm = args.yes ? NULL : ask;
	if (args.dry_run)
	{
		/* nothing is changed: the questions would only hold the steps up */
		a.yes = true;
		a.confirm = NULL;
	}
	if (args.json)
	{
		a.log = json_collect;
		a.log_arg = &jlog;
		a.step = json_collect;
		a.step_arg = &jsteps;
	}

	switch (w)
	{
		case ACT_PROMOTE:
			{
				promote_check pc = {0};
				promote_decision d;
				int			decided;

				if (!a.yes)
				{
					if (action_promote_check(&a, args.node, &pc, &err) < 0)
						goto out;
					print_check(&pc, args.node);
				}
				decided = action_promote_decide(&pc, args.node, a.yes, args.fence, args.force,
												promote_ask, NULL, &d, &err);
				promote_check_clear(&pc);
				if (decided < 0)
					goto out;
				if (decided > 0)
				{
					nothing_done();
					rc = PGR_EXIT_OK;
					goto out;
				}
				a.force = d.force;
				if (action_promote(&a, args.node, d.fence, &err) < 0)
					goto out;
			}
			if (!args.dry_run)
				printf(_("%s is the primary.\n"), args.node);
			break;
		case ACT_FOLLOW:
			if (!a.yes && !confirmed(pgr_asprintf(_("re-point %s at %s?"), args.node,
												   args.upstream ? args.upstream : _("the primary"))))
			{
				rc = PGR_EXIT_OK;
				goto out;
			}
			if (action_follow(&a, args.node, args.upstream, &err) < 0)
				goto out;
			if (!args.dry_run)
				printf(_("%s streams from its new upstream.\n"), args.node);
			break;
		case ACT_RESYNC:
			if (!a.yes && !confirmed(pgr_asprintf(_("stop %s and re-sync it from the primary?"), args.node)))
			{
				rc = PGR_EXIT_OK;
				goto out;
			}
			if (action_resync(&a, args.node, args.method, &err) < 0)
				goto out;
			if (!args.dry_run)
				printf(_("%s is a streaming standby again.\n"), args.node);
			break;
		case ACT_DROP_SLOT:
			if (action_drop_slot(&a, args.node, &err) < 0)
				goto out;
			break;
		case ACT_DROP_TO_ASYNC:
			if (action_drop_to_async(&a, &err) < 0)
				goto out;
			break;
		case ACT_SWITCHOVER:
			if (action_switchover(&a, args.node, &err) < 0)
				goto out;
			if (!args.dry_run)
				printf("%s\n", _("Switchover done."));
			break;
	}
	rc = PGR_EXIT_OK;
out:
	if (args.json)
		json_print(w, &args, &jlog, &jsteps, &err);
	if (pgr_error_isset(&err))
		report_error(&err);
	pgr_error_clear(&err);
	pgr_free_secret(password);
	cluster_free(cl);
	return rc;
}

int
cmd_promote(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_PROMOTE, g, argc, argv);
}

int
cmd_follow(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_FOLLOW, g, argc, argv);
}

int
cmd_resync(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_RESYNC, g, argc, argv);
}

int
cmd_switchover(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_SWITCHOVER, g, argc, argv);
}

int
cmd_drop_slot(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_DROP_SLOT, g, argc, argv);
}

int
cmd_drop_to_async(pgr_globals *g, int argc, char **argv)
{
	return run(ACT_DROP_TO_ASYNC, g, argc, argv);
}
