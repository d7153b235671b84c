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

static const char *const act_names[] = {
	"promote", "follow", "resync", "switchover", "drop-slot", "drop-to-async"
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

static void
usage(which w)
{
	switch (w)
	{
		case ACT_PROMOTE:
			printf(_("Promote a standby to primary.  When the old primary still accepts writes,\n"
					 "the promotion is refused unless it is stopped first (--fence) or --force\n"
					 "is given.  The cluster file's roles are rewritten.\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] promote NODE [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			printf(_("      --fence              stop the old primary first (immediate shutdown)\n"
					 "                           when it still accepts writes\n"));
			printf(_("      --force              promote although the old primary still accepts\n"
					 "                           writes (two primaries), or a cluster manager\n"
					 "                           runs the cluster: dangerous\n"));
			break;
		case ACT_FOLLOW:
			printf(_("Re-point a standby at another upstream (by default the cluster's primary),\n"
					 "then wait until it streams from there.\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] follow NODE [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			printf(_("      --upstream=NODE      the node to stream from (default: the primary)\n"));
			break;
		case ACT_RESYNC:
			printf(_("Make a former primary, or a standby that diverged, a streaming standby of\n"
					 "the primary again: pg_rewind, or a fresh copy when rewinding is not\n"
					 "possible (the old data directory is moved aside, never deleted).\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] resync NODE [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			printf(_("      --method=METHOD      rewind (pg_rewind only) or clone (pg_basebackup\n"
					 "                           only); default: rewind, and on failure offer\n"
					 "                           to clone\n"));
			printf(_("      --max-rate=RATE      limit a copy to RATE (kB/s, or with k or M:\n"
					 "                           10M), instead of clone_max_rate\n"));
			break;
		case ACT_SWITCHOVER:
			printf(_("Planned switchover: a streaming standby becomes the primary, the primary\n"
					 "a standby of it (no rewind, no copy), the other standbys follow it;\n"
					 "nothing committed is lost.  Every pre-check runs first, with its figures;\n"
					 "one that fails refuses the switchover.  An interrupted switchover (its\n"
					 "journal) is finished or rolled back by the next one.\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] switchover NODE [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			break;
		case ACT_DROP_SLOT:
			printf(_("Drop a replication slot on the primary; an active slot is refused.\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] drop-slot SLOT [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			break;
		case ACT_DROP_TO_ASYNC:
			printf(_("Empty synchronous_standby_names on the primary (ALTER SYSTEM) and reload:\n"
					 "commits no longer wait for a synchronous standby.\n\n"));
			printf(_("Usage:\n"));
			printf(_("  %s [-c FILE] drop-to-async [OPTION]...\n"), PACKAGE);
			printf(_("\nOptions:\n"));
			break;
	}
	if (w != ACT_PROMOTE)
		printf(_("      --force              act although a cluster manager (Patroni, repmgr,\n"
				 "                           pg_auto_failover) runs the cluster: dangerous,\n"
				 "                           it may act at the same time\n"));
	printf(_("      --dry-run            run the pre-checks and show every step (commands,\n"
			 "                           SQL, files), changing nothing\n"));
	printf(_("      --json               with --dry-run: the checks and steps as JSON\n"));
	printf(_("  -y, --yes                answer yes to every question (needed without a\n"
			 "                           terminal)\n"));
	printf(_("  -h, --help               show this help, then exit\n"));
}

static int
parse_args(which w, pgr_globals *g, int argc, char **argv, act_args *a)
{
	static const struct option opts[] = {
		{"yes", no_argument, NULL, 'y'},
		{"force", no_argument, NULL, 'f'},
		{"fence", no_argument, NULL, 'F'},
		{"upstream", required_argument, NULL, 'u'},
		{"method", required_argument, NULL, 'm'},
		{"max-rate", required_argument, NULL, 'r'},
		{"dry-run", no_argument, NULL, 'n'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0}
	};
	cli_parser	p;
	pgr_error	err = PGR_ERROR_INIT;
	int			c;

	memset(a, 0, sizeof(*a));
	a->method = RESYNC_AUTO;
	cli_begin(&p, g, act_names[w], argc, argv, "yh", opts);
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
			case 'F':
				if (w != ACT_PROMOTE)
					goto not_here;
				a->fence = true;
				break;
			case 'u':
				if (w != ACT_FOLLOW)
					goto not_here;
				a->upstream = optarg;
				break;
			case 'm':
				if (w != ACT_RESYNC)
					goto not_here;
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
				if (w != ACT_RESYNC)
					goto not_here;
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
				usage(w);
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
		pgr_error_hint(&err, _("Run \"%s %s --dry-run --json\"."), PACKAGE, act_names[w]);
		goto fail;
	}
	/* an interrupted switchover is finished without naming the node again */
	if (w != ACT_DROP_TO_ASYNC && !(a->node = cli_arg(&p)) && w != ACT_SWITCHOVER)
	{
		pgr_error_set(&err, PGR_ERR_INPUT, w == ACT_DROP_SLOT ? _("no slot named") : _("no node named"));
		goto fail;
	}
	return cli_end(&p) < 0 ? -1 : 0;
not_here:
	/* an option of another action (follow --fence) */
	cli_unknown_option(&p);
	cli_free(&p);
	return -1;
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
	json_string(&jw, act_names[w]);
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
					  act_names[w]);
		if (args.node)
			pgr_error_hint(&err, _("Run \"%s %s %s --yes\" to act without questions."),
						   PACKAGE, act_names[w], args.node);
		else
			pgr_error_hint(&err, _("Run \"%s %s --yes\" to act without questions."),
						   PACKAGE, act_names[w]);
		goto out;
	}
	if (g->replication_password_file &&
		!(password = step_role_read_password_file(g->replication_password_file, &err)))
		goto out;
	/* one action at a time on a cluster: from reading its file to saving it */
	{
		char	   *what = pgr_asprintf("%s %s", act_names[w], args.node ? args.node : "");

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
