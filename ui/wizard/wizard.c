/*
 * wizard.c: the set-up wizard's frame: the pages in order, the form page
 * loop they share, the checks of typed values, and the cluster built from
 * what was typed (validated by cluster.c's own parser, written with its
 * own formatter: the wizard knows nothing of the file's syntax).
 */
#include <config.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "crt.h"
#include "dashboard.h"
#include "dialog.h"
#include "i18n.h"
#include "pgconn.h"
#include "report.h"
#include "strbuf.h"
#include "theme.h"
#include "wiz_int.h"
#include "wizard.h"
#include "worker.h"

void
wiz_set(char **dst, const char *src)
{
	free(*dst);
	*dst = pgr_strdup(src ? src : "");
}

void
wiz_take(char **dst, form *f, int id)
{
	free(*dst);
	*dst = form_text(f, id);
}

char *
wiz_counter(const wizard *wz)
{
	/* TRANSLATORS: page number of the wizard, "2/7" */
	return pgr_asprintf(_("%d/%d"), wz->page, WIZ_PAGES);
}

bool
wiz_confirm_quit(void)
{
	return dialog_confirm(_("Quit"), _("Leave the set-up wizard? Nothing typed so far is kept."), false);
}

/* ---- checks ------------------------------------------------------------------ */

/* The fields' rules are the cluster file's (cluster_*_problem). */
const char *
wiz_check_name(const char *v, const char **hint)
{
	*hint = _("Use letters, digits, '_', '.' and '-', starting with a letter or digit (at most 63).");
	if (!v[0])
		return _("a name is needed");
	if (cluster_node_name_problem(v))
		return _("this name cannot be used");
	return NULL;
}

const char *
wiz_check_host(const char *v, const char **hint)
{
	*hint = _("The address (or host name) other nodes and this machine use to reach its PostgreSQL server.");
	if (!v[0])
		return _("an address is needed");
	for (const char *p = v; *p; p++)
		if (isspace((unsigned char) *p) || *p == ',' || *p == '/')
			return _("this is not a host name or an address");
	return NULL;
}

const char *
wiz_check_port(const char *v, const char **hint)
{
	*hint = _("Give a number between 1 and 65535 (PostgreSQL's default is 5432).");
	if (cluster_port_problem(v))
		return _("this is not a port number");
	return NULL;
}

const char *
wiz_check_nonempty(const char *v, const char **hint)
{
	*hint = NULL;
	for (const char *p = v; *p; p++)
		if (!isspace((unsigned char) *p))
			return NULL;
	return _("this cannot be empty");
}

const char *
wiz_check_ssh(const char *v, const char **hint)
{
	*hint = _("Type \"local\" for this machine, else an SSH target: [user@]host[:port] or a Host of ~/.ssh/config.");
	if (!v[0])
		return _("say how to reach the host");
	return cluster_ssh_problem(v);
}

const char *
wiz_check_abs_path(const char *v, bool optional, const char **hint)
{
	*hint = _("Give an absolute path, starting with '/'.");
	if (!v[0])
		return optional ? NULL : _("a directory is needed");
	if (v[0] != '/')
		return _("this is not an absolute path");
	return NULL;
}

/* A data directory: the cluster file's own rule (cluster_pgdata_problem). */
const char *
wiz_check_pgdata(const char *v, bool optional, const char **hint)
{
	const char *msg = wiz_check_abs_path(v, optional, hint);

	if (msg || !v[0])
		return msg;
	*hint = _("Give an absolute path without the characters \", $, ` or \\.");
	return cluster_pgdata_problem(v);
}

/* ---- nodes ------------------------------------------------------------------- */

void
wiz_node_free(wiz_node *n)
{
	free(n->name);
	free(n->host);
	free(n->port);
	free(n->dbuser);
	free(n->ssh);
	free(n->pgdata);
	free(n->bindir);
	memset(n, 0, sizeof(*n));
}

void
wiz_node_defaults(wiz_node *n, const char *name, bool primary)
{
	const char *port = getenv("PGPORT");
	const char *user = getenv("PGUSER");

	memset(n, 0, sizeof(*n));
	wiz_set(&n->name, name);
	wiz_set(&n->host, primary && getenv("PGHOST") && getenv("PGHOST")[0] != '/' ? getenv("PGHOST") : "");
	wiz_set(&n->port, port && port[0] ? port : "5432");
	wiz_set(&n->dbuser, user && user[0] ? user : CLUSTER_DEFAULT_DBUSER);
	wiz_set(&n->ssh, primary ? "local" : "");
	wiz_set(&n->pgdata, "");
	wiz_set(&n->bindir, "");
}

static void
node_from_cluster(wiz_node *w, const cluster_node *n)
{
	char		port[16];

	snprintf(port, sizeof(port), "%d", n->port);
	wiz_set(&w->name, n->name);
	wiz_set(&w->host, n->host);
	wiz_set(&w->port, port);
	wiz_set(&w->dbuser, n->dbuser ? n->dbuser : CLUSTER_DEFAULT_DBUSER);
	wiz_set(&w->ssh, n->ssh ? n->ssh : "local");
	wiz_set(&w->pgdata, n->pgdata);
	wiz_set(&w->bindir, n->bindir);
}

void
wiz_from_cluster(wizard *wz, const cluster *c)
{
	const cluster_node *p = cluster_primary(c);

	wiz_set(&wz->cluster_name, c->name ? c->name : "main");
	free(wz->cluster_text);
	wz->cluster_text = c->text ? pgr_strdup(c->text) : NULL;
	cluster_free(wz->orig);
	wz->orig = NULL;
	if (c->text)
	{
		/* a copy of its own (the caller's cluster goes away) */
		pgr_error	err = PGR_ERROR_INIT;

		wz->orig = cluster_parse(c->text, c->path, &err);
		pgr_error_clear(&err);
	}
	if (p)
		node_from_cluster(&wz->primary, p);
	for (int i = 0; i < wz->n_standbys; i++)
		wiz_node_free(&wz->standbys[i]);
	free(wz->standbys);
	wz->standbys = NULL;
	wz->n_standbys = 0;
	for (int i = 0; i < c->n_nodes; i++)
	{
		if (c->nodes[i].role != NODE_STANDBY)
			continue;
		wz->standbys = pgr_realloc(wz->standbys, (size_t) (wz->n_standbys + 1) * sizeof(wiz_node));
		memset(&wz->standbys[wz->n_standbys], 0, sizeof(wiz_node));
		node_from_cluster(&wz->standbys[wz->n_standbys++], &c->nodes[i]);
	}
	wz->cur_standby = 0;
	wiz_set(&wz->repl_user, c->replication_user ? c->replication_user : CLUSTER_DEFAULT_REPLICATION_USER);
	wz->slots = c->slots;
	wz->ssl_mode = !c->ssl ? SSL_OFF : c->ssl_ca ? SSL_OWN_FILES : SSL_NEW_CA;
	wiz_set(&wz->ssl_ca, c->ssl_ca);
	wiz_set(&wz->ssl_cert, p && p->ssl_cert ? p->ssl_cert : "");
	wiz_set(&wz->ssl_key, p && p->ssl_key ? p->ssl_key : "");
	wz->sync = c->sync != NULL;
	wiz_set(&wz->archive_command, c->archive_command);
}

static char *
dup_or_null(const char *s)
{
	return s && s[0] ? pgr_strdup(s) : NULL;
}

static void
node_to_cluster(cluster_node *n, const wiz_node *w, node_role role, const char *upstream)
{
	memset(n, 0, sizeof(*n));
	n->name = pgr_strdup(w->name);
	n->role = role;
	n->upstream = dup_or_null(upstream);
	n->host = pgr_strdup(w->host);
	n->port = atoi(w->port);
	n->dbuser = dup_or_null(w->dbuser);
	n->ssh = dup_or_null(w->ssh);
	n->pgdata = dup_or_null(w->pgdata);
	n->bindir = dup_or_null(w->bindir);
	n->service.kind = SERVICE_PG_CTL;
}

/*
 * What the pages do not show of a node of the file being reopened: kept as
 * it was (the demo's "become = postgres" above all: without it a root
 * operator's commands would build the standby as root).
 */
static void
keep_hidden(cluster_node *n, const cluster *orig)
{
	const cluster_node *o = orig ? cluster_find_node(orig, n->name) : NULL;

	if (!o)
		return;
	n->become = dup_or_null(o->become);
	n->dbname = dup_or_null(o->dbname);
	n->client_bindir = dup_or_null(o->client_bindir);
	n->service.kind = o->service.kind;
	n->service.version = dup_or_null(o->service.version);
	n->service.name = dup_or_null(o->service.name);
	if (n->role == NODE_STANDBY)
	{
		n->ssl_cert = dup_or_null(o->ssl_cert);
		n->ssl_key = dup_or_null(o->ssl_key);
	}
}

cluster *
wiz_build_cluster(wizard *wz, pgr_error *err)
{
	cluster    *c = cluster_new(wz->cluster_path);
	cluster    *parsed;
	char	   *text;

	c->name = pgr_strdup(wz->cluster_name);
	free(c->replication_user);
	c->replication_user = pgr_strdup(wz->repl_user);
	c->ssl = wz->ssl_mode != SSL_OFF;
	c->slots = wz->slots;
	if (wz->sync && wz->n_standbys > 0)
	{
		strbuf		sb;

		/* priority order: the standbys as listed */
		strbuf_init(&sb);
		for (int i = 0; i < wz->n_standbys; i++)
			strbuf_appendf(&sb, "%s%s", i ? ", " : "", wz->standbys[i].name);
		c->sync = strbuf_detach(&sb);
	}
	c->archive_command = dup_or_null(wz->archive_command);
	if (wz->ssl_mode == SSL_OWN_FILES)
		c->ssl_ca = dup_or_null(wz->ssl_ca);
	c->n_nodes = 1 + wz->n_standbys;
	c->nodes = pgr_calloc((size_t) c->n_nodes, sizeof(cluster_node));
	node_to_cluster(&c->nodes[0], &wz->primary, NODE_PRIMARY, NULL);
	if (wz->ssl_mode == SSL_OWN_FILES)
	{
		c->nodes[0].ssl_cert = dup_or_null(wz->ssl_cert);
		c->nodes[0].ssl_key = dup_or_null(wz->ssl_key);
	}
	for (int i = 0; i < wz->n_standbys; i++)
	{
		const wiz_node *sb = &wz->standbys[i];

		/*
		 * A standby is a copy of the primary once built, with its roles and
		 * passwords: it is reached as the primary's superuser, with the
		 * password typed for the primary (before the copy too: the plan
		 * inspects the standbys' servers as they are).
		 */
		node_to_cluster(&c->nodes[1 + i], sb, NODE_STANDBY, wz->primary.name);
		free(c->nodes[1 + i].dbuser);
		c->nodes[1 + i].dbuser = dup_or_null(wz->primary.dbuser);
		if (wz->su_password && wz->su_password[0])
			pgconn_set_password(sb->host, atoi(sb->port), wz->primary.dbuser, wz->su_password);
	}
	for (int i = 0; i < c->n_nodes; i++)
		keep_hidden(&c->nodes[i], wz->orig);
	c->text = wz->cluster_text ? pgr_strdup(wz->cluster_text) : NULL;

	text = cluster_format(c);
	parsed = cluster_parse(text, wz->cluster_path, err);
	free(text);
	cluster_free(c);
	return parsed;
}

void
wiz_drop_plan(wizard *wz)
{
	plan_free(wz->plan);
	session_free(wz->ctx);
	cluster_free(wz->cl);
	wz->plan = NULL;
	wz->ctx = NULL;
	wz->cl = NULL;
}

/* ---- the form page loop ----------------------------------------------------- */

typedef struct form_draw_arg {
	wizard	   *wz;
	wiz_form_page *pg;
} form_draw_arg;

static void
draw_form_page(void *arg)
{
	form_draw_arg *a = arg;
	wiz_form_page *pg = a->pg;
	char	   *counter = wiz_counter(a->wz);
	int			y = 2;

	screen_frame(pg->title, counter);
	free(counter);
	if (pg->intro)
	{
		int			nl;
		char	  **lines = textout_wrap(pg->intro, COLS - 4, &nl);

		for (int i = 0; i < nl && y < LINES - 6; i++)
			textout_wput(stdscr, y++, 2, lines[i], COLS - 4, A_NORMAL);
		textout_lines_free(lines);
		y++;
	}
	if (pg->status)
	{
		textout_wput(stdscr, y++, 2, pg->status, COLS - 4, A_BOLD);
		y++;
	}
	form_draw(pg->f, y, 2, LINES - 2 - y, COLS - 4);
	wiz_keybar(pg->mode);
}

static wiz_go run_form(wizard *wz, wiz_form_page *pg, form_draw_arg *a);

wiz_go
wiz_run_form(wizard *wz, wiz_form_page *pg)
{
	form_draw_arg a = {wz, pg};
	wiz_go		go = run_form(wz, pg, &a);

	/* the page's frame is gone with this function's stack */
	screen_set_backdrop(NULL, NULL);
	return go;
}

/* The commands every form page shares; the others are the page's. */
keys_result
wiz_form_cmd(wizard *wz, wiz_form_page *pg, wiz_cmd cmd)
{
	switch (cmd)
	{
		case WCMD_BACK:
			pg->go = WIZ_BACK;
			return KEYS_QUIT;
		case WCMD_QUIT:
			if (!wiz_confirm_quit())
				return KEYS_REDRAW;
			pg->go = WIZ_QUIT;
			return KEYS_QUIT;
		case WCMD_NEXT:
			if (!form_check_all(pg->f))
				return KEYS_REDRAW;
			pg->go = WIZ_NEXT;
			return KEYS_QUIT;
		default:
			return pg->on_cmd ? pg->on_cmd(wz, pg, cmd) : KEYS_IGNORED;
	}
}

static wiz_go
run_form(wizard *wz, wiz_form_page *pg, form_draw_arg *ap)
{
	form_draw_arg a = *ap;

	pg->cmd = WCMD_NONE;
	for (;;)
	{
		screen_event ev;
		wiz_cmd		cmd;
		keys_result r;

		screen_set_backdrop(draw_form_page, &a);
		if (!screen_too_small())
			draw_form_page(&a);
		screen_refresh();
		ev = screen_read(-1, -1);
		if (ev.type != SCREEN_EV_KEY || (ev.is_fkey && ev.key == KEY_RESIZE))
			continue;
		if (screen_too_small())
			continue;
		cmd = wiz_key_cmd(pg->mode, &ev);
		if (cmd != WCMD_NONE)
			r = wiz_form_cmd(wz, pg, cmd);
		else if (form_key(pg->f, ev.key, ev.is_fkey) == FORM_PRESSED && pg->on_press)
			r = pg->on_press(wz, pg, form_focused(pg->f));
		else
			r = KEYS_REDRAW;	/* the form's key: a field changed */
		if (r == KEYS_QUIT)
		{
			pg->cmd = cmd;
			return pg->go;
		}
	}
}

/* ---- welcome ---------------------------------------------------------------- */

enum
{
	W_START,
	W_PATH,
	W_NEXT
};

static void
welcome_check(void *arg, form *f, form_item *it)
{
	const char *msg = NULL,
			   *hint = NULL;
	char	   *v;

	if (it->id != W_PATH)
		return;
	v = field_text(&it->fld);
	if (!v[0])
	{
		msg = _("a file name is needed");
		hint = _("The cluster file describes the nodes; it holds no passwords.");
	}
	else if (form_item_by_id(f, W_START)->choice == 1)
	{
		struct stat st;

		if (stat(v, &st) != 0)
		{
			msg = _("there is no such file");
			hint = _("Choose \"Set up a new cluster\" to make it, or give the path of an existing cluster file.");
		}
	}
	form_set_error(it, msg, hint);
	free(v);
}

/* The Next button: as F10 (WCMD_NEXT). */
static keys_result
welcome_press(wizard *wz, wiz_form_page *pg, form_item *it)
{
	if (it->id != W_NEXT)
		return KEYS_IGNORED;
	return wiz_form_cmd(wz, pg, WCMD_NEXT);
}

wiz_go
wiz_page_welcome(wizard *wz)
{
	static const char *starts[2];
	form		f;
	wiz_form_page pg = {0};
	wiz_go		go;

	starts[0] = _("Set up a new cluster");
	starts[1] = _("Open a cluster file");
	form_init(&f, welcome_check, wz);
	form_add_choice(&f, W_START, _("Start"), starts, 2, wz->cluster_text ? 1 : 0);
	form_add(&f, FORM_TEXT, W_PATH, _("Cluster file"), wz->cluster_path);
	form_add(&f, FORM_BUTTON, W_NEXT, _("Next"), NULL);
	pg.title = _("Welcome");
	pg.intro = _("This wizard sets up PostgreSQL streaming replication: a primary server and one or more standbys. "
				 "It asks how to reach each server, shows every change it would make, and makes them only once you agree.");
	pg.f = &f;
	pg.mode = WIZ_KM_WELCOME;
	pg.on_press = welcome_press;
	for (;;)
	{
		go = wiz_run_form(wz, &pg);
		if (go != WIZ_NEXT)
			break;
		wiz_take(&wz->cluster_path, &f, W_PATH);
		if (form_item_by_id(&f, W_START)->choice == 1)
		{
			pgr_error	err = PGR_ERROR_INIT;
			cluster    *c = cluster_load(wz->cluster_path, &err);

			if (!c)
			{
				dialog_error(_("Cluster file"), &err);
				pgr_error_clear(&err);
				continue;
			}
			wiz_from_cluster(wz, c);
			cluster_free(c);
		}
		break;
	}
	if (go == WIZ_BACK)
		go = wiz_confirm_quit() ? WIZ_QUIT : WIZ_BACK;
	form_free(&f);
	return go;
}

/* ---- the wizard ------------------------------------------------------------ */

static void
wizard_free(wizard *wz)
{
	wiz_drop_plan(wz);
	free(wz->cluster_path);
	free(wz->cluster_text);
	cluster_free(wz->orig);
	free(wz->cluster_name);
	wiz_node_free(&wz->primary);
	for (int i = 0; i < wz->n_standbys; i++)
		wiz_node_free(&wz->standbys[i]);
	free(wz->standbys);
	pgr_free_secret(wz->su_password);
	free(wz->repl_user);
	pgr_free_secret(wz->repl_password);
	free(wz->ssl_ca);
	free(wz->ssl_cert);
	free(wz->ssl_key);
	free(wz->archive_command);
}

/*
 * The title of the step the journal names by its id ("standby@pg2"): the
 * operator saw titles on the apply page.  Building the plan connects to
 * nothing.
 */
static char *
step_title(const char *cluster_path, const char *id)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *c = cluster_load(cluster_path, &err);
	session_options po;
	session   *ctx;
	plan	   *p;
	char	   *title = NULL;

	if (!c)
	{
		pgr_error_clear(&err);
		return pgr_strdup(id);
	}
	memset(&po, 0, sizeof(po));
	ctx = session_new(c, &po);
	p = plan_build(ctx, &err);
	for (int i = 0; p && i < p->n_steps && !title; i++)
		if (strcmp(p->steps[i]->id, id) == 0)
			title = pgr_strdup(p->steps[i]->title);
	pgr_error_clear(&err);
	plan_free(p);
	session_free(ctx);
	cluster_free(c);
	return title ? title : pgr_strdup(id);
}

/* The primary reached with what is known of its password, on the worker. */
typedef struct probe_job {
	const cluster *cl;
	const cluster_node *node;
} probe_job;

static int
probe_job_run(worker *w, void *arg, pgr_error *err)
{
	probe_job  *j = arg;
	PGconn	   *conn = pgconn_connect(j->cl, j->node, NULL, 10, err);

	(void) w;
	if (!conn)
		return -1;
	PQfinish(conn);
	return 0;
}

static void
draw_connecting(void *arg)
{
	(void) arg;
	screen_draw_backdrop();
	if (screen_too_small())
		return;
	textout_wput(stdscr, LINES - 2, 2, _("Connecting to the primary..."), COLS - 4, A_BOLD);
}

/*
 * Resuming goes straight to the apply: when the primary refuses us for
 * want of a password (none in ~/.pgpass or PGPASSFILE, it was typed in the
 * wizard last time), ask for it, as the primary's page does, until it is
 * accepted or the operator gives up (the apply then says what failed).
 */
static void
resume_password(wizard *wz)
{
	const cluster_node *p = cluster_primary(wz->cl);
	const char *user;

	if (!p)
		return;
	user = p->dbuser ? p->dbuser : CLUSTER_DEFAULT_DBUSER;
	for (int tries = 0; tries < 5; tries++)
	{
		/* on the worker: a primary that does not answer leaves the screen
		 * redrawn and resizable for the connect time-out */
		probe_job	j = {wz->cl, p};
		worker_wait ui = {draw_connecting, NULL, true, NULL, NULL, NULL, NULL};
		worker		w;
		char	   *prompt;
		char	   *pw;

		if (worker_run_waiting(&w, probe_job_run, &j, &ui) == 0)
			return;
		if (w.err.kind != PGR_ERR_AUTH)
		{
			worker_clear(&w);
			return;
		}
		prompt = pgr_asprintf(_("%s\n\nThe password of user \"%s\" on node \"%s\" (kept in memory only):"),
							  w.err.message, user, p->name);
		worker_clear(&w);
		pw = dialog_input(_("Password"), prompt, true);
		free(prompt);
		if (!pw)
			return;
		pgr_free_secret(wz->su_password);
		wz->su_password = pw;
		pgconn_set_password(p->host, p->port, user, pw);
		/* the standbys as the primary's superuser (wiz_build_cluster) */
		for (int i = 0; i < wz->cl->n_nodes; i++)
			if (&wz->cl->nodes[i] != p)
				pgconn_set_password(wz->cl->nodes[i].host, wz->cl->nodes[i].port, user, pw);
	}
}

/* An interrupted apply of this cluster: offer to resume it. */
static bool
offer_resume(wizard *wz, const cluster *prefill)
{
	char	   *journal = plan_default_journal_path(prefill);
	char	   *step = plan_journal_interrupted(journal);
	bool		yes = false;

	if (step)
	{
		char	   *title = step_title(wz->cluster_path, step);
		char	   *text = pgr_asprintf(_("The last set-up of cluster \"%s\" stopped during step \"%s\".\n\n"
										  "Resume it now? The steps already done are checked again and skipped."),
										prefill->name ? prefill->name : "", title);

		free(title);

		yes = dialog_confirm(_("Resume the set-up"), text, false);
		free(text);
	}
	free(step);
	free(journal);
	return yes;
}

int
wizard_run(const pgr_globals *g, const char *cluster_path, const cluster *prefill)
{
	wizard		wz;
	bool		started_curses = !crt_active();
	int			rc = PGR_EXIT_ERROR;
	wiz_go		go;
	typedef		wiz_go(*page_fn) (wizard *);
	static const page_fn pages[] = {
		wiz_page_welcome, wiz_page_primary, wiz_page_standbys, wiz_page_options,
		wiz_page_review, wiz_page_apply
	};
	int			n_pages = (int) (sizeof(pages) / sizeof(pages[0]));
	int			i = 0;

	memset(&wz, 0, sizeof(wz));
	wz.g = g;
	wz.cluster_path = pgr_strdup(cluster_path);
	wiz_set(&wz.cluster_name, "main");
	wiz_node_defaults(&wz.primary, "pg1", true);
	wz.n_standbys = 1;
	wz.standbys = pgr_calloc(1, sizeof(wiz_node));
	wiz_node_defaults(&wz.standbys[0], "pg2", false);
	wiz_set(&wz.repl_user, CLUSTER_DEFAULT_REPLICATION_USER);
	wz.repl_generate = true;
	wz.slots = CLUSTER_DEFAULT_SLOTS;
	wz.ssl_mode = CLUSTER_DEFAULT_SSL ? SSL_NEW_CA : SSL_OFF;
	wz.topts.ssh_config = g->ssh_config;
	worker_transport_callbacks(&wz.topts);
	if (prefill)
		wiz_from_cluster(&wz, prefill);

	if (started_curses && crt_init(g->no_color) < 0)
	{
		report_warning(_("could not start the terminal screen"));
		wizard_free(&wz);
		pgconn_forget_passwords();
		return PGR_EXIT_ERROR;
	}
	theme_init();

	if (prefill && offer_resume(&wz, prefill))
	{
		pgr_error	err = PGR_ERROR_INIT;

		/* Resume: the plan of the cluster file as it is, applied again. */
		wz.cl = cluster_load(cluster_path, &err);
		if (!wz.cl)
		{
			dialog_error(_("Resume the set-up"), &err);
			pgr_error_clear(&err);
		}
		else
		{
			wz.resuming = true;
			resume_password(&wz);
			i = n_pages - 1;
		}
	}

	for (;;)
	{
		wz.page = i + 1;
		go = pages[i](&wz);
		if (go == WIZ_QUIT)
		{
			rc = PGR_EXIT_ERROR;
			break;
		}
		if (go == WIZ_DONE)
		{
			rc = PGR_EXIT_OK;
			break;
		}
		if (go == WIZ_NEXT && i < n_pages - 1)
			i++;
		else if (go == WIZ_BACK && i > 0)
			i--;
		wz.resuming = false;
	}
	screen_set_backdrop(NULL, NULL);
	{
		/* the operator may have opened another file on the welcome page */
		char	   *path = pgr_strdup(wz.cluster_path);

		wizard_free(&wz);
		if (go == WIZ_DONE)
			rc = dashboard_run(g, path, false, false);
		free(path);
		/* kept until now: the dashboard connects with the typed password too */
		pgconn_forget_passwords();
	}
	if (started_curses)
		crt_done();
	return rc;
}
