/*
 * wiz_nodes.c: the primary's and the standbys' pages, and their "test"
 * action: the primary through libpq and its transport, a standby through
 * its transport (its data directory and server programs).  The test runs
 * on a worker thread (worker.h): a host that does not answer must not
 * freeze the screen for the connect time-out.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "dialog.h"
#include "i18n.h"
#include "node_test.h"
#include "pgconn.h"
#include "report.h"
#include "strbuf.h"
#include "transport.h"
#include "wiz_int.h"
#include "worker.h"

enum
{
	N_NAME,
	N_HOST,
	N_PORT,
	N_DBUSER,
	N_PASSWORD,
	N_SSH,
	N_PGDATA,
	N_BINDIR,
	N_TEST,
	N_NEXT
};

typedef struct node_page {
	wizard	   *wz;
	bool		primary;
} node_page;

static void
node_check(void *arg, form *f, form_item *it)
{
	node_page  *np = arg;
	char	   *v;
	const char *msg = NULL,
			   *hint = NULL;

	if (it->kind != FORM_TEXT)
		return;
	v = field_text(&it->fld);
	switch (it->id)
	{
		case N_NAME:
			msg = wiz_check_name(v, &hint);
			if (!msg && !np->primary)
			{
				wizard	   *wz = np->wz;

				if (strcmp(v, wz->primary.name) == 0)
					msg = _("the primary has this name");
				for (int i = 0; !msg && i < wz->n_standbys; i++)
					if (i != wz->cur_standby && strcmp(v, wz->standbys[i].name) == 0)
						msg = _("another standby has this name");
				if (msg)
					hint = _("Every node needs a name of its own.");
			}
			break;
		case N_HOST:
			msg = wiz_check_host(v, &hint);
			break;
		case N_PORT:
			msg = wiz_check_port(v, &hint);
			break;
		case N_DBUSER:
			msg = wiz_check_nonempty(v, &hint);
			if (msg)
				hint = _("A superuser of the server, such as postgres.");
			break;
		case N_SSH:
			msg = wiz_check_ssh(v, &hint);
			break;
		case N_PGDATA:
			msg = wiz_check_pgdata(v, np->primary, &hint);
			break;
		case N_BINDIR:
			msg = wiz_check_abs_path(v, true, &hint);
			if (!msg)
				hint = NULL;
			break;
	}
	form_set_error(it, msg, hint);
	free(v);
}

static void
node_form(form *f, node_page *np, const wiz_node *n)
{
	form_init(f, node_check, np);
	form_add(f, FORM_TEXT, N_NAME, _("Node name"), n->name);
	form_add(f, FORM_TEXT, N_HOST, _("Address"), n->host);
	form_add(f, FORM_TEXT, N_PORT, _("Port"), n->port);
	if (np->primary)
	{
		form_add(f, FORM_TEXT, N_DBUSER, _("Superuser"), n->dbuser);
		form_add(f, FORM_SECRET, N_PASSWORD, _("Password"), np->wz->su_password);
	}
	form_add(f, FORM_TEXT, N_SSH, _("SSH target"), n->ssh);
	form_add(f, FORM_TEXT, N_PGDATA, _("Data directory"), n->pgdata);
	form_add(f, FORM_TEXT, N_BINDIR, _("Server programs"), n->bindir);
	form_add(f, FORM_BUTTON, N_TEST, _("Test"), NULL);
	form_add(f, FORM_BUTTON, N_NEXT, _("Next"), NULL);
}

static void
node_take(wiz_node *n, form *f, node_page *np)
{
	wiz_take(&n->name, f, N_NAME);
	wiz_take(&n->host, f, N_HOST);
	wiz_take(&n->port, f, N_PORT);
	wiz_take(&n->ssh, f, N_SSH);
	wiz_take(&n->pgdata, f, N_PGDATA);
	wiz_take(&n->bindir, f, N_BINDIR);
	if (np->primary)
	{
		wiz_take(&n->dbuser, f, N_DBUSER);
		pgr_free_secret(np->wz->su_password);
		np->wz->su_password = form_text(f, N_PASSWORD);
		/* memory only: libpq gets it, no file does */
		pgconn_set_password(n->host, atoi(n->port), n->dbuser, np->wz->su_password);
	}
}

/* A cluster_node pointing at the typed values (nothing owned). */
static void
as_cluster_node(cluster_node *cn, const wiz_node *n)
{
	memset(cn, 0, sizeof(*cn));
	cn->name = n->name;
	cn->role = NODE_PRIMARY;
	cn->host = n->host;
	cn->port = atoi(n->port);
	cn->dbuser = n->dbuser;
	cn->ssh = n->ssh;
	cn->pgdata = n->pgdata[0] ? n->pgdata : NULL;
	cn->bindir = n->bindir[0] ? n->bindir : NULL;
}

/* What a test reads and writes, shared with the worker thread. */
typedef struct test_job {
	const transport_options *topts;
	const wiz_node *n;
	bool		primary;
	const cluster *cl;			/* how the server is verified (pgconn.h) */
	strbuf		out;
	bool		ok;
} test_job;

/* On the worker thread: libpq and SSH may wait for their time-outs here. */
static int
test_job_run(worker *w, void *arg, pgr_error *unused)
{
	test_job   *j = arg;
	cluster_node cn;

	(void) w;
	(void) unused;
	as_cluster_node(&cn, j->n);
	j->ok = node_test(j->cl, &cn, j->primary, j->topts, &j->out);
	return j->ok ? 0 : -1;
}

static void
draw_testing(void *arg)
{
	static const char wheel[] = "|/-\\";
	int			spin = *(const int *) arg;
	int			x;

	screen_draw_backdrop();
	if (screen_too_small())
		return;
	move(LINES - 2, 0);
	clrtoeol();
	x = 2 + textout_wput(stdscr, LINES - 2, 2, _("Testing..."), COLS - 6, A_BOLD);
	mvaddch(LINES - 2, x + 1, (chtype) wheel[spin % 4]);
	screen_cursor(-1, -1);
}

/*
 * Test on the worker so that a host that does not answer leaves the page
 * redrawn and resizable; questions (an unknown host key) come back here as
 * dialogs.  Keys are swallowed until the test ends: the thread holds the
 * typed values, and ends by itself within the connect time-outs.
 */
static void
test_node(wizard *wz, const wiz_node *n, bool primary)
{
	test_job	j = {&wz->topts, n, primary, wz->cl};
	worker		w;
	int			spin = 0;
	worker_wait ui = {draw_testing, &spin, true, &spin, NULL, NULL, NULL};

	strbuf_init(&j.out);
	/* j.ok stays false when the thread did not start: say why */
	if (worker_run_waiting(&w, test_job_run, &j, &ui) < 0 && !j.ok && !j.out.len)
		strbuf_appendf(&j.out, "%s\n", w.err.message ? w.err.message : "");
	worker_clear(&w);
	dialog_message(j.ok ? _("Test passed") : _("Test failed"), j.out.data);
	strbuf_free(&j.out);
}

/* F5 or the Test button: test the node as typed. */
static keys_result
node_test_typed(wizard *wz, wiz_form_page *pg)
{
	node_page  *np = pg->arg;
	wiz_node	tmp = {0};

	if (!form_check_all(pg->f))
		return KEYS_REDRAW;
	node_take(&tmp, pg->f, np);
	if (!np->primary)
		wiz_set(&tmp.dbuser, wz->primary.dbuser);
	test_node(wz, &tmp, np->primary);
	wiz_node_free(&tmp);
	return KEYS_REDRAW;
}

static keys_result
node_cmd(wizard *wz, wiz_form_page *pg, wiz_cmd cmd)
{
	if (cmd == WCMD_TEST)
		return node_test_typed(wz, pg);
	return KEYS_IGNORED;
}

static keys_result
node_press(wizard *wz, wiz_form_page *pg, form_item *it)
{
	if (it->id == N_NEXT)
		return wiz_form_cmd(wz, pg, WCMD_NEXT);
	if (it->id == N_TEST)
		return node_test_typed(wz, pg);
	return KEYS_IGNORED;
}

wiz_go
wiz_page_primary(wizard *wz)
{
	node_page	np = {wz, true};
	form		f;
	wiz_form_page pg = {0};
	wiz_go		go;

	node_form(&f, &np, &wz->primary);
	pg.title = _("Primary server");
	pg.intro = _("The server the standbys copy and follow. pgreplica connects to it with libpq as the superuser, "
				 "and reaches its host through SSH, or directly when it is this machine (\"local\"). "
				 "The password is kept in memory only; leave it empty to use ~/.pgpass.");
	pg.f = &f;
	pg.mode = WIZ_KM_PRIMARY;
	pg.on_cmd = node_cmd;
	pg.on_press = node_press;
	pg.arg = &np;
	go = wiz_run_form(wz, &pg);
	node_take(&wz->primary, &f, &np);
	form_free(&f);
	if (go != WIZ_QUIT)
		wiz_drop_plan(wz);
	return go;
}

/* ---- standbys ----------------------------------------------------------------- */

/* The page's own keys: it leaves its loop and rebuilds its form. */
static keys_result
standby_cmd(wizard *wz, wiz_form_page *pg, wiz_cmd cmd)
{
	switch (cmd)
	{
		case WCMD_ADD:
		case WCMD_REMOVE:
		case WCMD_OTHER_NEXT:
		case WCMD_OTHER_PREV:
			return KEYS_QUIT;
		default:
			return node_cmd(wz, pg, cmd);
	}
}

wiz_go
wiz_page_standbys(wizard *wz)
{
	node_page	np = {wz, false};

	for (;;)
	{
		form		f;
		wiz_form_page pg = {0};
		strbuf		status;
		wiz_go		go;
		wiz_node   *n;

		if (wz->n_standbys == 0)
		{
			wz->standbys = pgr_realloc(wz->standbys, sizeof(wiz_node));
			wiz_node_defaults(&wz->standbys[0], "pg2", false);
			wz->n_standbys = 1;
		}
		if (wz->cur_standby >= wz->n_standbys)
			wz->cur_standby = wz->n_standbys - 1;
		n = &wz->standbys[wz->cur_standby];
		node_form(&f, &np, n);
		strbuf_init(&status);
		/* TRANSLATORS: "standby 1 of 2:" then the list of their names */
		strbuf_appendf(&status, _("Standby %d of %d:"), wz->cur_standby + 1, wz->n_standbys);
		for (int i = 0; i < wz->n_standbys; i++)
			strbuf_appendf(&status, i == wz->cur_standby ? " [%s]" : " %s", wz->standbys[i].name);
		pg.title = _("Standby servers");
		pg.intro = _("Each standby is rebuilt from the primary with pg_basebackup: its data directory is moved aside "
					 "(not deleted) and a copy of the primary takes its place. Its host is reached through SSH, "
					 "as the account that runs its server.");
		pg.status = status.data;
		pg.f = &f;
		pg.mode = WIZ_KM_STANDBYS;
		pg.on_cmd = standby_cmd;
		pg.on_press = node_press;
		pg.arg = &np;
		go = wiz_run_form(wz, &pg);
		node_take(n, &f, &np);
		form_free(&f);
		strbuf_free(&status);
		switch (pg.cmd)
		{
			case WCMD_ADD:
				{
					char		name[16];

					wz->standbys = pgr_realloc(wz->standbys, (size_t) (wz->n_standbys + 1) * sizeof(wiz_node));
					snprintf(name, sizeof(name), "pg%d", wz->n_standbys + 2);
					wiz_node_defaults(&wz->standbys[wz->n_standbys], name, false);
					/* most standbys share the first one's layout */
					wiz_set(&wz->standbys[wz->n_standbys].pgdata, wz->standbys[0].pgdata);
					wiz_set(&wz->standbys[wz->n_standbys].bindir, wz->standbys[0].bindir);
					wz->cur_standby = wz->n_standbys++;
					break;
				}
			case WCMD_REMOVE:
				if (wz->n_standbys > 1)
				{
					char	   *q = pgr_asprintf(_("Remove the standby \"%s\" from the cluster? Its server is not changed."),
												 n->name);

					if (dialog_confirm(_("Remove a standby"), q, false))
					{
						wiz_node_free(n);
						memmove(n, n + 1, (size_t) (wz->n_standbys - wz->cur_standby - 1) * sizeof(wiz_node));
						wz->n_standbys--;
					}
					free(q);
				}
				else
					dialog_message(_("Remove a standby"), _("A cluster needs at least one standby."));
				break;
			case WCMD_OTHER_NEXT:
				wz->cur_standby = (wz->cur_standby + 1) % wz->n_standbys;
				break;
			case WCMD_OTHER_PREV:
				wz->cur_standby = (wz->cur_standby + wz->n_standbys - 1) % wz->n_standbys;
				break;
			default:
				/* Next, Back, Quit */
				if (go != WIZ_QUIT)
					wiz_drop_plan(wz);
				return go;
		}
	}
}
