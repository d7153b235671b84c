/*
 * cli_commands.c: every command's description (cli.h): the options its
 * parser accepts and the --help written from them.  The texts are the
 * catalogue's msgids as they were when each command wrote its own help, so
 * that the help and its translations stay what they were.
 */
#include <config.h>

#include "cli.h"
#include "i18n.h"

/* ---- options several commands share --------------------------------------- */

#define OPT_HELP \
	{"help", no_argument, 'h', 'h', \
	N_("  -h, --help               show this help, then exit\n")}

/* the actions' (promote to drop-to-async) */
#define OPT_ACT_FORCE \
	{"force", no_argument, 'f', 0, \
	N_("      --force              act although a cluster manager (Patroni, repmgr,\n" \
	   "                           pg_auto_failover) runs the cluster: dangerous,\n" \
	   "                           it may act at the same time\n")}
#define OPT_ACT_TAIL \
	{"dry-run", no_argument, 'n', 0, \
	N_("      --dry-run            run the pre-checks and show every step (commands,\n" \
	   "                           SQL, files), changing nothing\n")}, \
	{"json", no_argument, 'j', 0, \
	N_("      --json               with --dry-run: the checks and steps as JSON\n")}, \
	{"yes", no_argument, 'y', 'y', \
	N_("  -y, --yes                answer yes to every question (needed without a\n" \
	   "                           terminal)\n")}, \
	OPT_HELP, \
	{NULL}

/* the set-up's (plan, apply, check) */
#define OPT_PLAN_TAIL \
	{"method", required_argument, 'm', 0, \
	N_("      --method=METHOD      how server parameters are changed: alter-system\n" \
	   "                           (default) or file (edit postgresql.conf)\n")}, \
	{"primary-only", no_argument, 'p', 0, \
	N_("      --primary-only       prepare the primary only; build no standby\n")}, \
	{"delete-old-data", no_argument, 'D', 0, \
	N_("      --delete-old-data    delete a standby's old data directory once the\n" \
	   "                           new standby streams (default: kept, moved aside)\n")}, \
	{"max-rate", required_argument, 'r', 0, \
	N_("      --max-rate=RATE      limit each standby's copy to RATE (kB/s, or with\n" \
	   "                           k or M: 10M), instead of clone_max_rate\n")}, \
	OPT_HELP, \
	{NULL}

/* ---- pgreplica itself ------------------------------------------------------ */

const cli_command cli_cmd_main = {
	.name = NULL,
	.summary = N_("  (none)                the console: the set-up wizard, or the dashboard once\n"
				  "                        a standby is set up\n"),
	.usage_first = true,
	.usage = {N_("Usage: %s [-c FILE] [OPTION]... [COMMAND [ARG]...]\n")},
	.purpose = N_("Set up PostgreSQL streaming replication and watch over it from a console.\n"),
	.note = N_("The actions (promote to drop-to-async) take --dry-run: the checks and every\n"
			   "step, changing nothing (--json: as JSON).\n"),
	.opts = cli_global_opts,
	.epilogue = {
		N_("Connections honour PGHOST, PGPORT, PGUSER, PGPASSFILE, ~/.pgpass and PGSERVICE;\n"
		   "SSH honours ~/.ssh/config, ssh-agent and known_hosts.\n"),
		N_("Every command that changes something accepts --yes; without a terminal it\n"
		   "refuses to act unless given.\n")
	},
};

/* ---- the screens ----------------------------------------------------------- */

static const cli_opt setup_opts[] = {
	OPT_HELP,
	{NULL}
};

const cli_command cli_cmd_setup = {
	.name = "setup",
	.summary = N_("  setup                 the set-up wizard\n"),
	.purpose = N_("The set-up wizard: from two plain servers to streaming replication.\n\n"),
	.usage = {N_("  %s [-c FILE] setup\n")},
	.opts = setup_opts,
};

static const cli_opt dashboard_opts[] = {
	{"readonly", no_argument, 'r', 0,
	N_("      --readonly           only watch: no action key\n")},
	{"force", no_argument, 'f', 0,
	N_("      --force              action keys although a cluster manager (Patroni,\n"
	   "                           repmgr, pg_auto_failover) runs the cluster:\n"
	   "                           dangerous, it may act at the same time\n")},
	OPT_HELP,
	{NULL}
};

const cli_command cli_cmd_dashboard = {
	.name = "dashboard",
	.summary = N_("  dashboard             the live dashboard\n"),
	.purpose = N_("Watch the cluster live: every node's role, state, lag and slots, and the\n"
				  "events; promote, follow, re-sync, drop to asynchronous or drop a slot.\n\n"),
	.usage = {N_("  %s [-c FILE] [-d SECONDS] [--no-color] dashboard [OPTION]...\n")},
	.opts = dashboard_opts,
	.epilogue = {N_("\nKeys: F1 or ? in the dashboard.\n")},
};

static const cli_opt demo_opts[] = {
	{"reset", no_argument, 'r', 0,
	N_("      --reset         stop the sandbox's servers and remove all of it\n")},
	{"no-console", no_argument, 'n', 0,
	N_("      --no-console    make or reuse the sandbox, print the path of its cluster\n"
	   "                      file and exit (for scripts)\n")},
	{"help", no_argument, 'h', 'h',
	N_("  -h, --help          show this help, then exit\n")},
	{NULL}
};

const cli_command cli_cmd_demo = {
	.name = "demo",
	.summary = N_("  demo [--reset]        a local sandbox (primary and standby on 127.0.0.1)\n"),
	.usage_first = true,
	.usage = {N_("Usage: %s demo [--reset | --no-console]\n")},
	.purpose = N_("Make a local sandbox (a primary and an empty standby on 127.0.0.1, with this\n"
				  "machine's PostgreSQL) and open the set-up wizard on it.  A sandbox that is\n"
				  "already there is reused, its servers started if they are stopped.\n"),
	.opts = demo_opts,
	.epilogue = {
		N_("The sandbox lives in $XDG_DATA_HOME/pgreplica/demo (~/.local/share/...).  Run\n"
		   "as root, its servers run as the postgres account, with their files in\n"
		   "~postgres/pgreplica-demo.  The superuser's password is in the sandbox's pgpass\n"
		   "file: other commands on the demo need PGPASSFILE set to it.\n")
	},
};

/* ---- the set-up from the command line -------------------------------------- */

static const cli_opt plan_opts[] = {
	{"json", no_argument, 'j', 0,
	N_("      --json               print JSON\n")},
	OPT_PLAN_TAIL
};

const cli_command cli_cmd_plan = {
	.name = "plan",
	.summary = N_("  plan [--json]         show what apply would change; changes nothing\n"),
	.purpose = N_("Show what apply would change, step by step, with the SQL or the file\n"
				  "differences.  Nothing is changed.\n\n"),
	.usage = {N_("  %s [-c FILE] plan [OPTION]...\n")},
	.opts = plan_opts,
};

static const cli_opt apply_opts[] = {
	{"yes", no_argument, 'y', 'y',
	N_("  -y, --yes                apply every step without asking (needed\n"
	   "                           without a terminal)\n")},
	OPT_PLAN_TAIL
};

const cli_command cli_cmd_apply = {
	.name = "apply",
	.summary = N_("  apply [--yes]         carry out the plan\n"),
	.purpose = N_("Carry out the set-up plan: replication role, server parameters, SSL,\n"
				  "pg_hba.conf, reload or restart, then each standby built and verified.\n"
				  "Each step is shown and confirmed first.\n\n"),
	.usage = {N_("  %s [-c FILE] apply [OPTION]...\n")},
	.opts = apply_opts,
};

static const cli_opt check_opts[] = {
	OPT_PLAN_TAIL
};

const cli_command cli_cmd_check = {
	.name = "check",
	.summary = N_("  check                 preflight checks: versions, reachability, hba, SSL, disk\n"),
	.purpose = N_("Check, before anything is changed, what apply needs: every node reachable\n"
				  "(server and SSH), versions, the standby hosts' disk, binaries and access\n"
				  "to the primary, certificates, slots.  Every step is checked even after\n"
				  "one fails.  Nothing is changed.  Exit status 0 when apply can run.\n\n"),
	.usage = {
		N_("  %s [-c FILE] check [OPTION]...\n"),
		N_("  %s [-c FILE] check NODE\n")
	},
	.note = N_("\nWith NODE, that node's test only, as the wizard's F5: its server (the\n"
			   "primary), its host through SSH, its server programs, a standby's data\n"
			   "directory.\n"),
	.opts = check_opts,
};

/* ---- watching -------------------------------------------------------------- */

static const cli_opt status_opts[] = {
	{"json", no_argument, 'j', 0,
	N_("      --json               print JSON (its schema is in the README)\n")},
	{"format", required_argument, 'f', 0,
	N_("      --format=FORMAT      text (the default), json, or prometheus (the\n"
	   "                           text exposition format, for node_exporter's\n"
	   "                           textfile collector)\n")},
	{"timeout", required_argument, 't', 0,
	N_("      --timeout=SECONDS    time limit for each node (default: %g)\n"),
	CLI_STATUS_TIMEOUT_S},
	OPT_HELP,
	{NULL}
};

const cli_command cli_cmd_status = {
	.name = "status",
	.summary = N_("  status [--json]       nodes' state (exit 0 healthy, 1 degraded, 2 error)\n"),
	.purpose = N_("Show the state of every node of the cluster: role, timeline, WAL positions,\n"
				  "replication lag.  All nodes are asked at once, each within the time limit.\n\n"),
	.usage = {N_("  %s [-c FILE] status [OPTION]...\n")},
	.opts = status_opts,
	.epilogue = {N_("\nExit status: 0 healthy, 1 degraded, 2 error (or could not run).\n")},
};

static const cli_opt health_opts[] = {
	{"nagios", no_argument, 'n', 0,
	N_("      --nagios             check the running cluster (not apply's preflight)\n")},
	{"max-lag", required_argument, 'l', 0,
	N_("      --max-lag=LIMIT      a standby further behind is CRITICAL: a size\n"
	   "                           (16MB) or a duration (30s); may be given twice\n")},
	{"role", required_argument, 'r', 0,
	N_("      --role=ROLE NODE     judge NODE alone: it must answer as ROLE (primary\n"
	   "                           or standby)\n")},
	{"timeout", required_argument, 't', 0,
	N_("      --timeout=SECONDS    time limit for each node (default: %g)\n"),
	CLI_HEALTH_TIMEOUT_S},
	OPT_HELP,
	{NULL}
};

/* "check --nagios": the same word, another command (cmd_health.c) */
const cli_command cli_cmd_check_health = {
	.name = "check",
	.summary = N_("  check --nagios        the running cluster, as a monitoring plugin (exit 0-3)\n"),
	.purpose = N_("Judge the running cluster as a monitoring plugin does (Nagios, Icinga,\n"
				  "Zabbix): one line, exit status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.\n\n"),
	.usage = {N_("  %s [-c FILE] check --nagios [OPTION]...\n")},
	.opts = health_opts,
	.epilogue = {
		N_("\nA problem status reports as an error is CRITICAL, one it reports as\n"
		   "degraded is WARNING (slots past slot_warn_bytes or slot_critical_bytes,\n"
		   "archiving that fails, replay paused...); a standby behind by more than\n"
		   "lag_warn_bytes or lag_warn_seconds is WARNING.\n")
	},
};

/* ---- the actions ----------------------------------------------------------- */

static const cli_opt promote_opts[] = {
	{"fence", no_argument, 'F', 0,
	N_("      --fence              stop the old primary first (immediate shutdown)\n"
	   "                           when it still accepts writes\n")},
	{"force", no_argument, 'f', 0,
	N_("      --force              promote although the old primary still accepts\n"
	   "                           writes (two primaries), or a cluster manager\n"
	   "                           runs the cluster: dangerous\n")},
	OPT_ACT_TAIL
};

const cli_command cli_cmd_promote = {
	.name = "promote",
	.summary = N_("  promote NODE          promote a standby (--yes, --fence, --force)\n"),
	.purpose = N_("Promote a standby to primary.  When the old primary still accepts writes,\n"
				  "the promotion is refused unless it is stopped first (--fence) or --force\n"
				  "is given.  The cluster file's roles are rewritten.\n\n"),
	.usage = {N_("  %s [-c FILE] promote NODE [OPTION]...\n")},
	.opts = promote_opts,
};

static const cli_opt resync_opts[] = {
	{"method", required_argument, 'm', 0,
	N_("      --method=METHOD      rewind (pg_rewind only) or clone (pg_basebackup\n"
	   "                           only); default: rewind, and on failure offer\n"
	   "                           to clone\n")},
	{"max-rate", required_argument, 'r', 0,
	N_("      --max-rate=RATE      limit a copy to RATE (kB/s, or with k or M:\n"
	   "                           10M), instead of clone_max_rate\n")},
	OPT_ACT_FORCE,
	OPT_ACT_TAIL
};

const cli_command cli_cmd_resync = {
	.name = "resync",
	.summary = N_("  resync NODE           re-synchronise a node (--method=rewind|clone, --yes)\n"),
	.purpose = N_("Make a former primary, or a standby that diverged, a streaming standby of\n"
				  "the primary again: pg_rewind, or a fresh copy when rewinding is not\n"
				  "possible (the old data directory is moved aside, never deleted).\n\n"),
	.usage = {N_("  %s [-c FILE] resync NODE [OPTION]...\n")},
	.opts = resync_opts,
};

static const cli_opt follow_opts[] = {
	{"upstream", required_argument, 'u', 0,
	N_("      --upstream=NODE      the node to stream from (default: the primary)\n")},
	OPT_ACT_FORCE,
	OPT_ACT_TAIL
};

const cli_command cli_cmd_follow = {
	.name = "follow",
	.summary = N_("  follow NODE           point a standby at the new primary\n"
				  "                        (--upstream NODE, --yes)\n"),
	.purpose = N_("Re-point a standby at another upstream (by default the cluster's primary),\n"
				  "then wait until it streams from there.\n\n"),
	.usage = {N_("  %s [-c FILE] follow NODE [OPTION]...\n")},
	.opts = follow_opts,
};

static const cli_opt act_opts[] = {
	OPT_ACT_FORCE,
	OPT_ACT_TAIL
};

const cli_command cli_cmd_switchover = {
	.name = "switchover",
	.summary = N_("  switchover NODE       planned switchover to a standby, nothing lost (--yes,\n"
				  "                        --dry-run)\n"),
	.purpose = N_("Planned switchover: a streaming standby becomes the primary, the primary\n"
				  "a standby of it (no rewind, no copy), the other standbys follow it;\n"
				  "nothing committed is lost.  Every pre-check runs first, with its figures;\n"
				  "one that fails refuses the switchover.  An interrupted switchover (its\n"
				  "journal) is finished or rolled back by the next one.\n\n"),
	.usage = {N_("  %s [-c FILE] switchover NODE [OPTION]...\n")},
	.opts = act_opts,
};

const cli_command cli_cmd_drop_slot = {
	.name = "drop-slot",
	.summary = N_("  drop-slot SLOT        drop an inactive replication slot on the primary\n"),
	.purpose = N_("Drop a replication slot on the primary; an active slot is refused.\n\n"),
	.usage = {N_("  %s [-c FILE] drop-slot SLOT [OPTION]...\n")},
	.opts = act_opts,
};

const cli_command cli_cmd_drop_to_async = {
	.name = "drop-to-async",
	.summary = N_("  drop-to-async         stop commits waiting for a synchronous standby\n"),
	.purpose = N_("Empty synchronous_standby_names on the primary (ALTER SYSTEM) and reload:\n"
				  "commits no longer wait for a synchronous standby.\n\n"),
	.usage = {N_("  %s [-c FILE] drop-to-async [OPTION]...\n")},
	.opts = act_opts,
};

/* in "pgreplica --help"'s order */
const cli_command *const cli_commands[] = {
	&cli_cmd_setup,
	&cli_cmd_dashboard,
	&cli_cmd_demo,
	&cli_cmd_plan,
	&cli_cmd_apply,
	&cli_cmd_status,
	&cli_cmd_check,
	&cli_cmd_check_health,
	&cli_cmd_promote,
	&cli_cmd_resync,
	&cli_cmd_follow,
	&cli_cmd_switchover,
	&cli_cmd_drop_slot,
	&cli_cmd_drop_to_async,
	NULL
};
