/*
 * dashboard.c: the live dashboard (htop / pg_activity conventions).
 *
 * One poll() loop watches the terminal, the monitor's connections
 * (monitor.h) and the job worker's pipe (worker.h): nothing in here
 * waits on a node, so keys are answered at once whatever the nodes do.
 * Questions are dialogs (dialog.h) drawn over the screen while it keeps
 * refreshing.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "clock.h"
#include "cluster.h"
#include "crt.h"
#include "dashboard.h"
#include "dialog.h"
#include "i18n.h"
#include "keybar.h"
#include "keys.h"
#include "lsn.h"
#include "monitor.h"
#include "provide_curses.h"
#include "screen.h"
#include "sparkline.h"
#include "status_disk.h"
#include "strbuf.h"
#include "textout.h"
#include "theme.h"
#include "trace.h"
#include "action_worker.h"
#include "actions.h"
#include "step_role.h"

#define MIN_COLS 80
#define MIN_LINES 24
#define DETAIL_ROWS 8

/* What the keys do: one table for the bindings, the key bar and the help. */
typedef enum dash_cmd {
	CMD_NONE,
	CMD_HELP,
	CMD_PAUSE,
	CMD_FASTER,
	CMD_SLOWER,
	CMD_UP,
	CMD_DOWN,
	CMD_LOG,
	CMD_TIMELINES,
	CMD_PROMOTE,
	CMD_FOLLOW,
	CMD_RESYNC,
	CMD_ASYNC,
	CMD_DROP_SLOT,
	CMD_SWITCHOVER,
	CMD_QUIT,
	CMD_PAGE_UP,
	CMD_PAGE_DOWN,
	CMD_BACK
} dash_cmd;

typedef enum dash_view {
	VIEW_MAIN,
	VIEW_HELP,
	VIEW_LOG,
	VIEW_TIMELINES
} dash_view;

/* A row's modes: the views where it counts (keys.h), 0 for all. */
#define IN_VIEW(v) (1u << (v))

static const keys_entry key_table[] = {
	{CMD_HELP, {KB_FK(KEY_F(1)), KB_CH('?'), KB_CH_ALIAS('h')}, "F1", N_("Help"), N_("this help"), false},
	{CMD_UP, {KB_FK(KEY_UP), KB_CH('k')}, NULL, NULL, N_("select the previous node or slot"), false},
	{CMD_DOWN, {KB_FK(KEY_DOWN), KB_CH('j')}, NULL, NULL, N_("select the next node or slot"), false},
	{CMD_PAUSE, {KB_CH(' ')}, N_("Space"), N_("Pause"), N_("pause or resume the refresh"), false},
	{CMD_FASTER, {KB_CH('-')}, NULL, NULL, N_("refresh more often (down to 0.5 s)"), false},
	{CMD_SLOWER, {KB_CH('+')}, "+-", N_("Delay"), N_("refresh less often (up to 60 s)"), false, true},
	{CMD_LOG, {KB_CH('L'), KB_CH_ALIAS('l')}, "L", N_("Log"), N_("the full event log"), false, true},
	{CMD_TIMELINES, {KB_CH('T'), KB_CH_ALIAS('t')}, "T", N_("Timelines"), N_("the primary's timeline history, each node's timeline"), false, true},
	{CMD_PROMOTE, {KB_CH('P')}, "P", N_("Promote"), N_("promote the selected standby"), true},
	{CMD_FOLLOW, {KB_CH('F')}, "F", N_("Follow"), N_("re-point the selected standby at the primary"), true},
	{CMD_RESYNC, {KB_CH('R')}, "R", N_("Resync"), N_("re-synchronise the selected node (pg_rewind or a new copy)"), true},
	{CMD_SWITCHOVER, {KB_CH('S')}, "S", N_("Switch"), N_("planned switchover to the selected standby (nothing lost)"), true},
	{CMD_ASYNC, {KB_CH('A')}, "A", N_("Async"), N_("drop to asynchronous replication (when commits wait)"), true},
	{CMD_DROP_SLOT, {KB_CH('D')}, "D", N_("Drop slot"), N_("drop the selected replication slot"), true},
	{CMD_QUIT, {KB_CH('q'), KB_CH_ALIAS('Q'), KB_FK_ALIAS(KEY_F(10))}, "q", N_("Quit"), N_("quit"), false},
	/* the log's and the timelines' own keys: not in the help (its rows are the main view's) */
	{CMD_PAGE_UP, {KB_FK(KEY_PPAGE)}, NULL, NULL, NULL, false, false, IN_VIEW(VIEW_LOG)},
	{CMD_PAGE_DOWN, {KB_FK(KEY_NPAGE)}, NULL, NULL, NULL, false, false, IN_VIEW(VIEW_LOG)},
	{CMD_BACK, {KB_CH(27)}, NULL, NULL, NULL, false, false, IN_VIEW(VIEW_LOG) | IN_VIEW(VIEW_TIMELINES)},
};

#define N_KEYS ((int) (sizeof(key_table) / sizeof(key_table[0])))


typedef struct dashboard {
	const pgr_globals *g;
	const char *cluster_path;
	bool		readonly;		/* --readonly */
	bool		force;			/* --force: actions although a cluster
								 * manager runs a node */
	monitor    *m;
	action_worker w;
	dash_view	view;
	int			sel;			/* nodes first, then the primary's slots */
	int			log_top;		/* VIEW_LOG: first event shown */
	dialog	   *dlg;
	bool		dlg_for_worker; /* the dialog answers the worker */
	char	   *flash;			/* a short message on the status line */
	time_t		flash_until;
	/* the running action's copy (pg_basebackup, pg_rewind): the gauge */
	long long	gauge_done;
	long long	gauge_total;	/* 0: no gauge */
	long long	gauge_first;	/* bytes at the first figures, and when */
	double		gauge_start;
	double		gauge_last;		/* when the last figures came */
	bool		quit;
	bool		dirty;
} dashboard;

/* ---- helpers -------------------------------------------------------------------- */

static double
gauge_now(void)
{
	return pgr_now_ms() / 1000.0;
}

static void
dash_flash(dashboard *d, const char *text)
{
	free(d->flash);
	d->flash = pgr_strdup(text);
	d->flash_until = time(NULL) + 4;
	d->dirty = true;
}

static attr_t
level_attr(monitor_level l)
{
	switch (l)
	{
		case MONITOR_OK:
			return theme_attr(THEME_GOOD);
		case MONITOR_WARN:
			return theme_attr(THEME_WARN);
		case MONITOR_BAD:
			return theme_attr(THEME_ERROR);
	}
	return A_NORMAL;
}

static const monitor_node *
primary_node(const dashboard *d)
{
	return monitor_primary(d->m);
}

static int
n_slots(const dashboard *d)
{
	const monitor_node *p = primary_node(d);

	return p ? p->n_slots : 0;
}

static int
n_items(const dashboard *d)
{
	return d->m->n_nodes + n_slots(d);
}

static const monitor_node *
selected_node(const dashboard *d)
{
	return d->sel < d->m->n_nodes ? &d->m->nodes[d->sel] : NULL;
}

static const monitor_slot *
selected_slot(const dashboard *d)
{
	const monitor_node *p = primary_node(d);
	int			i = d->sel - d->m->n_nodes;

	return p && i >= 0 && i < p->n_slots ? &p->slots[i] : NULL;
}

/* The standby's WAL sender row on its upstream, or NULL. */
static const status_replication *
row_of(const monitor_node *mn)
{
	return mn->st->upstream_row;
}

static const char *
state_text(const monitor_node *mn)
{
	const status_replication *r = row_of(mn);

	if (mn->conn == MONITOR_CONNECTING)
		return mn->not_answering ? _("not answering") : _("connecting");
	if (mn->not_answering)
		return _("not answering");
	if (mn->conn == MONITOR_DOWN || !mn->st->answered)
		return _("down");
	if (mn->node->role == NODE_PRIMARY || mn->st->role == STATUS_ROLE_PRIMARY)
		return mn->st->role == STATUS_ROLE_PRIMARY ? _("writable") : _("in recovery");
	if (mn->replay_paused)
		return _("replay paused");
	if (r && r->state)
		return r->state;
	if (mn->st->wal_receiver && mn->st->wal_receiver->status)
		return mn->st->wal_receiver->status;
	return _("not streaming");
}

static const char *
role_text(const monitor_node *mn)
{
	if (mn->conn == MONITOR_UP && mn->st->answered)
		return mn->st->role == STATUS_ROLE_PRIMARY ? _("primary") : _("standby");
	return mn->node->role == NODE_PRIMARY ? _("primary") : _("standby");
}

static monitor_level
node_level(const monitor_node *mn)
{
	if (mn->not_answering)
		return MONITOR_BAD;
	return mn->level;
}

/* The first node a cluster manager runs (status.h's manager), or NULL. */
static const node_status *
managed_node(const dashboard *d)
{
	for (int i = 0; i < d->m->n_nodes; i++)
	{
		const node_status *ns = d->m->nodes[i].st;

		if (ns && ns->answered && ns->manager)
			return ns;
	}
	return NULL;
}

/*
 * No action key: --readonly, or a cluster manager runs a node (pgreplica
 * acting at the same time as Patroni, repmgrd or pg_autoctl would fight
 * it), unless --force.
 */
static bool
dash_readonly(const dashboard *d)
{
	return d->readonly || (!d->force && managed_node(d));
}

/* ---- drawing ---------------------------------------------------------------------- */

static void
draw_header(const dashboard *d)
{
	char		clock[16];
	time_t		now = time(NULL);
	const monitor_node *p = primary_node(d);
	attr_t		a = theme_attr(THEME_HEADER);
	const char *cluster_name = d->m->cl->name ? d->m->cl->name : "-";
	const char *primary_name = p ? p->node->name : _("none");
	strbuf		right;
	char	   *left;
	int			rw;
	int			avail;

	/*
	 * The right end is what must show whole (the refresh delay, the pause
	 * and read-only markers, the clock); the left gets what is left: with
	 * the program's name when it fits, else the primary first, so that only
	 * a long cluster name is cut.
	 */
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	strbuf_init(&right);
	strbuf_appendf(&right, _("refresh: %.1f s"), d->m->interval_s);
	strbuf_appendf(&right, "%s%s  %s ", d->m->paused ? _("  PAUSED") : "",
				   dash_readonly(d) ? _("  read-only") : "", clock);
	rw = textout_width(right.data);
	avail = COLS - rw - 1;
	left = pgr_asprintf(_(" pgreplica  cluster: %s  primary: %s"), cluster_name, primary_name);
	if (textout_width(left) > avail)
	{
		free(left);
		left = pgr_asprintf(_(" primary: %s  cluster: %s"), primary_name, cluster_name);
	}
	textout_fill(0, 0, COLS, a, "%s", "");
	textout_put(0, 0, avail > 0 ? avail : 0, a, left);
	textout_put(0, COLS - rw, rw, a, right.data);
	free(left);
	strbuf_free(&right);
}

/* Retained WAL of the slot named for a node on the primary, or -1. */
static long long
slot_retained(const dashboard *d, const monitor_node *mn)
{
	const monitor_node *p = primary_node(d);
	char	   *name;
	long long	r = -1;

	if (!p || mn->node->role != NODE_STANDBY)
		return -1;
	name = cluster_slot_name(mn->node);
	for (int i = 0; i < p->n_slots; i++)
		if (strcmp(p->slots[i].name, name) == 0)
			r = p->slots[i].retained_bytes;
	free(name);
	return r;
}

/*
 * The node table's columns, in display columns.  ROLE and STATE are as wide
 * as their widest translation, within what 80 columns leave once the fixed
 * columns are placed (the fixed ones hold LSNs, byte sizes from
 * pgr_format_bytes() and seconds).
 */
typedef struct node_cols {
	int			role;
	int			state;
} node_cols;

/*
 * marks, name, TL, LSN, LAG, TIME, SYNC (9: "potential"), SLOT, gaps; the
 * last column stays short of the 80th (a full line reads as cut)
 */
#define NODE_FIXED_COLS 59

static int
widest(const char *const *words, int n, int floor)
{
	int			w = floor;

	for (int i = 0; i < n; i++)
		if (textout_width(_(words[i])) > w)
			w = textout_width(_(words[i]));
	return w;
}

static node_cols
node_columns(void)
{
	static const char *const roles[] = {N_("ROLE"), N_("primary"), N_("standby")};
	static const char *const states[] = {N_("STATE"), N_("not answering"), N_("connecting"),
		N_("down"), N_("writable"), N_("in recovery"), N_("replay paused"),
	N_("not streaming"), "streaming", "catchup", "startup", "backup", "stopping"};
	node_cols	c;

	c.role = widest(roles, sizeof(roles) / sizeof(roles[0]), 7);
	c.state = widest(states, sizeof(states) / sizeof(states[0]), 9);
	if (c.role > 10)
		c.role = 10;
	if (c.state > MIN_COLS - NODE_FIXED_COLS - c.role)
		c.state = MIN_COLS - NODE_FIXED_COLS - c.role;
	return c;
}

static void
node_line(strbuf *sb, char mark, const node_cols *c, const char *name,
		  const char *role, const char *state, const char *tl, const char *lsn,
		  const char *lag, const char *t, const char *sync, const char *slot)
{
	strbuf_append_char(sb, mark);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, name, 8, false);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, role, c->role, false);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, state, c->state, false);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, tl, 2, true);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, lsn, 10, false);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, lag, 7, true);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, t, 6, true);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, sync, 9, false);
	strbuf_append_char(sb, ' ');
	textout_cell(sb, slot, 7, true);
}

static int
draw_nodes(const dashboard *d, int y)
{
	node_cols	c = node_columns();
	strbuf		sb;

	strbuf_init(&sb);
	node_line(&sb, ' ', &c, _("NODE"), _("ROLE"), _("STATE"), _("TL"), _("LSN"), _("LAG"),
			  _("TIME"), _("SYNC"), _("SLOT"));
	textout_fill(y++, 0, COLS, A_BOLD, "%s", sb.data);
	for (int i = 0; i < d->m->n_nodes; i++)
	{
		const monitor_node *mn = &d->m->nodes[i];
		const status_replication *r = row_of(mn);
		monitor_level l = node_level(mn);
		char		lag[24],
					slot[24],
					tl[12],
					t[16];
		const char *lsn = mn->st->role == STATUS_ROLE_PRIMARY ? mn->st->current_lsn
			: mn->st->replay_lsn;
		attr_t		a = level_attr(l);

		if (i == d->sel)
			a |= A_REVERSE;
		pgr_format_bytes(mn->lag_bytes, lag, sizeof(lag));
		pgr_format_bytes(slot_retained(d, mn), slot, sizeof(slot));
		if (mn->st->timeline > 0)
			snprintf(tl, sizeof(tl), "%d", mn->st->timeline);
		else
			snprintf(tl, sizeof(tl), "-");
		if (!r)
			snprintf(t, sizeof(t), "-");
		else if (status_lag_idle(r))
			/* TRANSLATORS: the TIME column (6 columns at most): 0 bytes
			 * behind, so a time lag would only measure the primary's idleness */
			snprintf(t, sizeof(t), "%s", _("idle"));
		else if (isnan(mn->lag_s))
			snprintf(t, sizeof(t), "%s", _("n/a"));
		else
			snprintf(t, sizeof(t), "%.1fs", mn->lag_s);
		strbuf_reset(&sb);
		/* a mark that shows without colours too: ! bad, ~ warning */
		node_line(&sb, l == MONITOR_BAD ? '!' : l == MONITOR_WARN ? '~' : ' ', &c,
				  mn->node->name, role_text(mn), state_text(mn), tl,
				  lsn && mn->st->answered ? lsn : "-", lag, t,
				  r && r->sync_state ? r->sync_state : "-", slot);
		textout_fill(y++, 0, COLS, a, "%s", sb.data);
	}
	strbuf_free(&sb);
	return y;
}

static void
pipeline_gap(char *buf, size_t size, const char *from, const char *to)
{
	long long	a = lsn_parse(from);
	long long	b = lsn_parse(to);

	pgr_format_bytes(a >= 0 && b >= 0 && a >= b ? a - b : -1, buf, size);
}

static int
draw_detail(const dashboard *d, int y)
{
	const monitor_node *mn = selected_node(d);
	const monitor_slot *sl = selected_slot(d);

	if (sl)
	{
		char		ret[24];

		textout_fill(y++, 0, COLS, A_BOLD, _("Slot %s (%s)"), sl->name, sl->type ? sl->type : "");
		textout_fill(y++, 0, COLS, A_NORMAL, _("  %s, restart_lsn %s, retains %s, wal_status %s"),
					 sl->active ? _("active") : _("inactive"),
					 sl->restart_lsn ? sl->restart_lsn : "-",
					 pgr_format_bytes(sl->retained_bytes, ret, sizeof(ret)),
					 sl->wal_status ? sl->wal_status : "-");
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s",
					 sl->standby ? "" : _("no standby of the cluster file uses it: it keeps WAL on the primary until dropped (D)"));
		return y;
	}
	if (!mn)
		return y;
	if (mn->node->role == NODE_STANDBY || mn->st->role == STATUS_ROLE_STANDBY)
	{
		const status_replication *r = row_of(mn);
		const monitor_node *up = NULL;
		char		g1[24],
					g2[24],
					g3[24],
					g4[24];
		const char *cur = NULL;
		double		vals[MONITOR_HISTORY];
		wchar_t		spark[MONITOR_HISTORY + 1];
		int			nv = mn->history.count;
		int			worst = -1;
		long long	gaps[4];
		static const char *const stage[4] = {N_("sent"), N_("written"), N_("flushed"), N_("replayed")};

		for (int i = 0; i < d->m->n_nodes; i++)
			if (mn->st->upstream_name && strcmp(d->m->nodes[i].node->name, mn->st->upstream_name) == 0)
				up = &d->m->nodes[i];
		if (up)
			cur = up->st->role == STATUS_ROLE_PRIMARY ? up->st->current_lsn : up->st->receive_lsn;
		textout_fill(y++, 0, COLS, A_BOLD, _("WAL pipeline of %s from %s"), mn->node->name,
					 mn->st->upstream_name ? mn->st->upstream_name : "-");
		pipeline_gap(g1, sizeof(g1), cur, r ? r->sent_lsn : NULL);
		pipeline_gap(g2, sizeof(g2), r ? r->sent_lsn : NULL, r ? r->write_lsn : NULL);
		pipeline_gap(g3, sizeof(g3), r ? r->write_lsn : NULL, r ? r->flush_lsn : NULL);
		pipeline_gap(g4, sizeof(g4), r ? r->flush_lsn : NULL, r ? r->replay_lsn : NULL);
		{
			const char *lsns[5] = {cur, r ? r->sent_lsn : NULL, r ? r->write_lsn : NULL,
			r ? r->flush_lsn : NULL, r ? r->replay_lsn : NULL};
			long long	best = 0;

			for (int i = 0; i < 4; i++)
			{
				long long	a = lsn_parse(lsns[i]),
							b = lsn_parse(lsns[i + 1]);

				gaps[i] = a >= 0 && b >= 0 ? a - b : -1;
				if (gaps[i] > best)
				{
					best = gaps[i];
					worst = i;
				}
			}
		}
		/* the stage that lags is marked with a star */
		{
			/* three rows of cells in the same columns (display widths) */
			const char *lsn_of[4] = {r && r->sent_lsn ? r->sent_lsn : "-",
				r && r->write_lsn ? r->write_lsn : "-",
				r && r->flush_lsn ? r->flush_lsn : "-",
			r && r->replay_lsn ? r->replay_lsn : "-"};
			const char *gap_of[4] = {g1, g2, g3, g4};
			strbuf		row;

			strbuf_init(&row);
			strbuf_append(&row, "  ");
			textout_cell(&row, "", 10, false);
			for (int i = 0; i < 4; i++)
			{
				strbuf_append(&row, worst == i ? " *" : "  ");
				textout_cell(&row, _(stage[i]), 12, false);
			}
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", row.data);
			strbuf_reset(&row);
			strbuf_append(&row, "  ");
			textout_cell(&row, _("LSN"), 10, false);
			for (int i = 0; i < 4; i++)
			{
				strbuf_append(&row, i ? "->" : "  ");
				textout_cell(&row, lsn_of[i], 12, false);
			}
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", row.data);
			strbuf_reset(&row);
			strbuf_append(&row, "  ");
			textout_cell(&row, _("behind"), 10, false);
			for (int i = 0; i < 4; i++)
			{
				strbuf_append(&row, "  ");
				textout_cell(&row, gap_of[i], 12, false);
			}
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", row.data);
			strbuf_free(&row);
		}
		if (worst >= 0)
			textout_fill(y++, 0, COLS, level_attr(MONITOR_WARN), _("  stage that lags: %s (%s behind the stage before)"),
						 _(stage[worst]), pgr_format_bytes(gaps[worst], g1, sizeof(g1)));
		else
			textout_fill(y++, 0, COLS, A_NORMAL, "  %s%s%s",
						 r ? _("no stage lags") : _("no WAL sender on the upstream"),
						 mn->st->wal_receiver && mn->st->wal_receiver->last_msg_receipt ? _(", last message ") : "",
						 mn->st->wal_receiver && mn->st->wal_receiver->last_msg_receipt ? mn->st->wal_receiver->last_msg_receipt : "");
		for (int i = 0; i < nv; i++)
		{
			const monitor_sample *s = monitor_history_get(&mn->history, i);

			vals[i] = s->lag_bytes;
		}
		sparkline_render(vals, nv, COLS - 26 > MONITOR_HISTORY ? MONITOR_HISTORY : COLS - 26,
						 textout_unicode(), spark);
		{
			char		lt[24];

			textout_fill(y, 0, 24, A_NORMAL, _("  lag (bytes) %s"),
						 pgr_format_bytes(mn->lag_bytes, lt, sizeof(lt)));
			attron(level_attr(MONITOR_OK));
			mvaddwstr(y, 24, spark);
			attroff(level_attr(MONITOR_OK));
			y++;
		}
		textout_fill(y++, 0, COLS, A_NORMAL, _("  write/flush/replay lag: %s / %s / %s"),
					 r && !isnan(r->write_lag_s) ? (snprintf(g1, sizeof(g1), "%.3fs", r->write_lag_s), g1) : _("n/a"),
					 r && !isnan(r->flush_lag_s) ? (snprintf(g2, sizeof(g2), "%.3fs", r->flush_lag_s), g2) : _("n/a"),
					 r && !isnan(r->replay_lag_s) ? (snprintf(g3, sizeof(g3), "%.3fs", r->replay_lag_s), g3) : _("n/a"));
		/* a row of its own: a timestamp with its time zone takes 30 columns */
		if (mn->st->last_replay && status_lag_idle(r))
			textout_fill(y++, 0, COLS, A_NORMAL, _("  last replayed transaction: %s (idle: no lag)"),
						 mn->st->last_replay);
		else
			textout_fill(y++, 0, COLS, A_NORMAL, _("  last replayed transaction: %s"),
						 mn->st->last_replay ? mn->st->last_replay : "-");
		return y;
	}
	textout_fill(y++, 0, COLS, A_BOLD, _("Primary %s"), mn->node->name);
	if (mn->conn == MONITOR_UP && mn->st->answered)
	{
		/* two rows: a server's version string alone can take half of one */
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s",
					 mn->st->server_version ? mn->st->server_version : "");
		textout_fill(y++, 0, COLS, A_NORMAL,
					 ngettext("  current LSN %s, timeline %d, %d WAL sender",
							  "  current LSN %s, timeline %d, %d WAL senders",
							  (unsigned long) mn->st->n_replication),
					 mn->st->current_lsn ? mn->st->current_lsn : "-",
					 mn->st->timeline, mn->st->n_replication);
		textout_fill(y++, 0, COLS, A_NORMAL, _("  synchronous_standby_names: %s"),
					 mn->sync_standby_names && mn->sync_standby_names[0] ? mn->sync_standby_names : _("(empty: asynchronous)"));
		if (monitor_sync_blocked(d->m))
			textout_fill(y++, 0, COLS, level_attr(MONITOR_BAD), "  %s",
						 _("no synchronous standby is connected: commits wait (A drops to asynchronous)"));
		else
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
	}
	else
	{
		textout_fill(y++, 0, COLS, level_attr(MONITOR_BAD), "  %s",
					 mn->error.message ? mn->error.message : state_text(mn));
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s", mn->error.detail ? mn->error.detail : "");
		textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
	}
	return y;
}

/*
 * The slots pane's heading: the primary, the room left for its WAL (free
 * space of pg_wal's file system and the time until it is full, once known),
 * and what the marks of the slots' sizes mean.
 */
static void
draw_slots_heading(const dashboard *d, const monitor_node *p, int y)
{
	const node_status *ns = p ? p->st : NULL;
	strbuf		sb;
	char		size[24],
				warn[24],
				crit[24];
	monitor_level level = MONITOR_OK;

	strbuf_init(&sb);
	strbuf_appendf(&sb, _("Slots on %s"), p ? p->node->name : "-");
	if (ns && ns->wal_disk_known)
	{
		strbuf_append(&sb, "  ");
		pgr_format_bytes(ns->wal_disk_free, size, sizeof(size));
		if (ns->wal_disk_rate_known && isinf(ns->wal_disk_time_left))
			strbuf_appendf(&sb, _("pg_wal %s free, not filling up"), size);
		else if (ns->wal_disk_rate_known)
		{
			char		left[32];

			status_disk_format_time(ns->wal_disk_time_left, left, sizeof(left));
			/* TRANSLATORS: free space of pg_wal's file system, then the time until it is full */
			strbuf_appendf(&sb, _("pg_wal %s free, full in %s"), size, left);
			level = ns->wal_disk_time_left < d->m->cl->wal_disk_critical_time ? MONITOR_BAD
				: ns->wal_disk_time_left < d->m->cl->wal_disk_warn_time ? MONITOR_WARN
				: MONITOR_OK;
		}
		else
			strbuf_appendf(&sb, _("pg_wal %s free"), size);
	}
	if (p && p->n_slots > 0)
	{
		char	   *legend;

		pgr_format_bytes(d->m->cl->slot_warn_bytes, warn, sizeof(warn));
		pgr_format_bytes(d->m->cl->slot_critical_bytes, crit, sizeof(crit));
		/* the marks after a slot's size: past slot_warn_bytes, past
		 * slot_critical_bytes (symbols and sizes: nothing to translate);
		 * left out rather than cut when the line has no room (the last
		 * column stays free) */
		legend = pgr_asprintf("  !>%s !!>%s", warn, crit);
		if (textout_width(sb.data) + textout_width(legend) < COLS)
			strbuf_append(&sb, legend);
		free(legend);
	}
	textout_fill(y, 0, COLS, level == MONITOR_OK ? A_BOLD : level_attr(level), "%s", sb.data);
	strbuf_free(&sb);
}

static int
draw_slots(const dashboard *d, int y, int max_rows)
{
	const monitor_node *p = primary_node(d);

	draw_slots_heading(d, p, y++);
	if (!p || p->n_slots == 0)
	{
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s", _("no replication slot"));
		return y;
	}
	for (int i = 0; i < p->n_slots && i < max_rows; i++)
	{
		const monitor_slot *s = &p->slots[i];
		bool		odd = !s->active || !s->standby;
		/* past the cluster's thresholds: a mark after the size, which
		 * shows without colour too, and the row's colour */
		bool		crit = s->retained_bytes >= 0 && s->retained_bytes >= d->m->cl->slot_critical_bytes;
		bool		warn = !crit && s->retained_bytes >= 0 && s->retained_bytes >= d->m->cl->slot_warn_bytes;
		char		ret[24];
		attr_t		a = crit ? level_attr(MONITOR_BAD)
			: odd || warn ? level_attr(MONITOR_WARN) : A_NORMAL;

		if (d->sel == d->m->n_nodes + i)
			a |= A_REVERSE;
		{
			strbuf		row;
			strbuf		size;

			strbuf_init(&row);
			strbuf_init(&size);
			strbuf_append(&size, pgr_format_bytes(s->retained_bytes, ret, sizeof(ret)));
			strbuf_append(&size, crit ? " !!" : warn ? " !" : "");
			strbuf_append_char(&row, odd ? '!' : ' ');
			strbuf_append_char(&row, ' ');
			textout_cell(&row, s->name, 20, false);
			strbuf_append_char(&row, ' ');
			textout_cell(&row, s->active ? _("active") : _("inactive"), 8, false);
			strbuf_append_char(&row, ' ');
			textout_cell(&row, size.data, 10, false);
			strbuf_append_char(&row, ' ');
			textout_cell(&row, s->standby ? s->standby : _("no standby uses it"), 23, false);
			strbuf_append_char(&row, ' ');
			strbuf_append(&row, s->wal_status ? s->wal_status : "");
			textout_fill(y++, 0, COLS, a, "%s", row.data);
			strbuf_free(&size);
			strbuf_free(&row);
		}
	}
	return y;
}

static void
draw_events(const dashboard *d, int y, int last)
{
	int			n = last - y;

	textout_fill(y++, 0, COLS, A_BOLD, "%s", _("Events"));
	n--;
	/* the latest at the bottom once the pane is full */
	for (int i = d->m->n_events > n ? d->m->n_events - n : 0;
		 i < d->m->n_events; i++)
	{
		const monitor_event *e = monitor_event_get(d->m, i);
		char		t[16];

		if (!e)
		{
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
			continue;
		}
		strftime(t, sizeof(t), "%H:%M:%S", localtime(&e->at));
		textout_fill(y++, 0, COLS, e->bad ? level_attr(MONITOR_BAD) : A_NORMAL,
					 "  %s %s", t, e->text);
	}
}

/*
 * The running action's copy on the status line: bytes, rate and time left
 * (the rate over the figures received, as the wizard's gauge).
 */
static void
draw_gauge(const dashboard *d, int y)
{
	char		done[32],
				total[32],
				rate[32];
	double		el = d->gauge_last - d->gauge_start;
	double		bps = el > 0.5 ? (double) (d->gauge_done - d->gauge_first) / el : 0;
	const char *node = d->w.target ? d->w.target : "";

	pgr_format_bytes(d->gauge_done, done, sizeof(done));
	pgr_format_bytes(d->gauge_total, total, sizeof(total));
	pgr_format_bytes((long long) bps, rate, sizeof(rate));
	if (bps > 0 && d->gauge_total > d->gauge_done)
		/* TRANSLATORS: dashboard gauge of a re-sync: node, bytes done, total, rate, seconds left */
		textout_fill(y, 0, COLS, A_BOLD, _("re-sync of %s: %s of %s, %s/s, %.0f s left"),
					 node, done, total, rate, (double) (d->gauge_total - d->gauge_done) / bps);
	else
		textout_fill(y, 0, COLS, A_BOLD, _("re-sync of %s: %s of %s"), node, done, total);
}

/* A is offered only when commits wait */
static bool
bar_shown(const keys_entry *e, void *arg)
{
	const dashboard *d = arg;

	return e->cmd != CMD_ASYNC || monitor_sync_blocked(d->m);
}

static void
draw_keybar(const dashboard *d)
{
	keybar_item items[N_KEYS];
	int			n = keys_bar_items(key_table, N_KEYS, 0, bar_shown, (void *) d, items);

	keybar_draw(LINES - 1, items, n, dash_readonly(d));
}

/* The help: one row per key, a star on the actions (off in read-only). */
static void
draw_help(void)
{
	int			y = 2;
	char	  **lines;
	int			nl;

	textout_fill(0, 0, COLS, A_REVERSE, "%s", _(" pgreplica dashboard: keys (any key to go back)"));
	for (int i = 0; i < N_KEYS && y < LINES - 1; i++)
	{
		char	   *keys;
		int			pad;

		if (!key_table[i].help)
			continue;
		keys = keys_names(&key_table[i]);
		pad = 8 - textout_width(keys);	/* columns, not bytes: "Espace" */

		textout_fill(y++, 0, COLS, A_NORMAL, "  %s%*s %c %s", keys, pad > 0 ? pad : 0, "",
					 key_table[i].action ? '*' : ' ', _(key_table[i].help));
		free(keys);
	}
	y++;
	lines = textout_wrap(_("* changes the cluster: not in --readonly.  Rows: ! down, not answering or not streaming (red); ~ catching up or lagging (yellow)."),
						COLS - 4, &nl);
	for (int i = 0; i < nl && y < LINES - 1; i++)
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s", lines[i]);
	textout_lines_free(lines);
}

static void
draw_log(dashboard *d)
{
	int			rows = LINES - 2;

	if (d->log_top > d->m->n_events - rows)
		d->log_top = d->m->n_events - rows;
	if (d->log_top < 0)
		d->log_top = 0;
	textout_fill(0, 0, COLS, A_REVERSE, _(" Event log (%d): Up/Down/PgUp/PgDn scroll, L or q back"),
				 d->m->n_events);
	/*
	 * Each event whole: its text wrapped under itself, past the time stamp
	 * (the events pane of the main screen shows one line of each).
	 */
	for (int i = d->log_top, y = 1; y < 1 + rows; i++)
	{
		const monitor_event *e = monitor_event_get(d->m, i);
		char		t[32];
		char	  **lines;
		int			nl;

		if (!e)
		{
			textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
			continue;
		}
		strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", localtime(&e->at));
		lines = textout_wrap(e->text, COLS - 21, &nl);
		for (int j = 0; j < nl && y < 1 + rows; j++)
			textout_fill(y++, 0, COLS, e->bad ? level_attr(MONITOR_BAD) : A_NORMAL,
						 "%-19s %s", j == 0 ? t : "", lines[j]);
		textout_lines_free(lines);
	}
}

/*
 * The timeline view: the promotions the reference primary's timeline
 * descends from (status.h's timeline_ref), then every node's timeline and
 * whether it left that lineage.
 */
static void
draw_timelines(const dashboard *d)
{
	const cluster_status *st = &d->m->status;
	const node_status *ref = st->timeline_ref >= 0 ? &st->nodes[st->timeline_ref] : NULL;
	int			y = 2;
	int			last = LINES - 2;

	textout_fill(0, 0, COLS, A_REVERSE, "%s", _(" Timelines: T or q back"));
	if (!ref)
		textout_fill(y++, 0, COLS, A_NORMAL, "  %s",
					 _("No timeline history: no primary answers, or the role is not a superuser."));
	else
	{
		textout_fill(y++, 0, COLS, A_BOLD, _("  History of %s (timeline %d):"),
					 ref->node->name, ref->timeline);
		if (ref->n_history == 0)
			textout_fill(y++, 0, COLS, A_NORMAL, "    %s", _("no promotion yet"));
		/* when they do not all fit, the oldest promotions are left out */
		int			room = last - y - 1 - st->n_nodes;
		int			first = room < 1 ? ref->n_history - 1
			: ref->n_history > room ? ref->n_history - room : 0;

		for (int i = first < 0 ? 0 : first; i < ref->n_history && y < last; i++)
		{
			const status_timeline *h = &ref->history[i];

			/* TRANSLATORS: timeline 3 from timeline 2 at LSN, then when (UTC) */
			textout_fill(y++, 0, COLS, A_NORMAL, _("    timeline %d from %d at %s  %.19s"),
						 h->timeline, h->parent, h->switch_lsn, h->created ? h->created : "");
		}
	}
	y++;
	for (int i = 0; i < st->n_nodes && y < last; i++)
	{
		const node_status *ns = &st->nodes[i];
		const char *what;
		char		tl[16];

		if (!ns->answered)
			what = _("not answering");
		else if (ns->fork == TIMELINE_DIVERGED)
			what = _("DIVERGED from the history above: resync it");
		else if (ns->fork == TIMELINE_ON)
			what = _("on the lineage above");
		else
			what = "";
		snprintf(tl, sizeof(tl), "%d", ns->timeline);
		textout_fill(y++, 0, COLS,
					 ns->fork == TIMELINE_DIVERGED ? level_attr(MONITOR_BAD) : A_NORMAL,
					 _("  %-8s timeline %-4s %s"), ns->node->name,
					 ns->answered && ns->timeline > 0 ? tl : "-", what);
	}
}

static void
draw(dashboard *d)
{
	int			y;
	int			slot_rows;

	/* the slots come and go with the monitor's results */
	if (d->sel >= n_items(d))
		d->sel = n_items(d) > 0 ? n_items(d) - 1 : 0;
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES)
	{
		char	   *msg = pgr_asprintf(_("terminal too small: %dx%d, needs %dx%d"),
									   COLS, LINES, MIN_COLS, MIN_LINES);

		textout_put(LINES / 2, 0, COLS, A_BOLD, msg);
		textout_put(LINES / 2 + 1, 0, COLS, A_NORMAL, _("(q quits)"));
		free(msg);
		refresh();
		return;
	}
	if (d->view == VIEW_HELP)
		draw_help();
	else if (d->view == VIEW_LOG)
		draw_log(d);
	else if (d->view == VIEW_TIMELINES)
		draw_timelines(d);
	else
	{
		draw_header(d);
		y = draw_nodes(d, 1);
		textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
		{
			/* the detail pane keeps its height whatever is selected */
			int			y0 = y;

			y = draw_detail(d, y);
			while (y < y0 + DETAIL_ROWS)
				textout_fill(y++, 0, COLS, A_NORMAL, "%s", "");
		}
		slot_rows = LINES - 1 - y - 5;
		if (slot_rows < 1)
			slot_rows = 1;
		if (slot_rows > 6)
			slot_rows = 6;
		y = draw_slots(d, y, slot_rows);
		draw_events(d, y, LINES - 2);
		if (d->flash && time(NULL) < d->flash_until)
			textout_fill(LINES - 2, 0, COLS, A_BOLD, "%s", d->flash);
		else if (d->gauge_total > 0 && worker_running(&d->w.w))
			draw_gauge(d, LINES - 2);
		else if (managed_node(d))
		{
			const node_status *ns = managed_node(d);

			/* the banner: whose cluster this is, on the status line */
			if (d->force)
				textout_fill(LINES - 2, 0, COLS, level_attr(MONITOR_BAD),
							 _("Managed by %s (seen on %s): actions forced on, dangerous"),
							 ns->manager, ns->node->name);
			else
				textout_fill(LINES - 2, 0, COLS, level_attr(MONITOR_WARN),
							 _("Managed by %s (seen on %s): read-only, actions off"),
							 ns->manager, ns->node->name);
		}
	}
	draw_keybar(d);
	if (d->dlg)
		dialog_draw(d->dlg);
	refresh();
}

/* ---- actions ---------------------------------------------------------------------- */

/*
 * The cluster file changed on disk since the screen read it (another
 * console or command promoted a node): read it again.  true when it did,
 * so that the operator sees the new roles before choosing an action.
 */
static bool
reload_if_changed(dashboard *d)
{
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl;

	if (cluster_check_unchanged(d->m->cl, d->cluster_path, &err) == 0)
		return false;
	pgr_error_clear(&err);
	if (!(cl = cluster_load(d->cluster_path, &err)))
	{
		monitor_note(d->m, NULL, true, err.message ? err.message : _("unknown error"));
		pgr_error_clear(&err);
		return true;
	}
	monitor_replace_cluster(d->m, cl);
	return true;
}

static void
start_job(dashboard *d, action_worker_job job, const char *target)
{
	if (worker_running(&d->w.w))
	{
		dash_flash(d, _("an action is already running"));
		return;
	}
	if (reload_if_changed(d))
	{
		dash_flash(d, _("the cluster file changed on disk and was read again: check the nodes, then choose the action again"));
		return;
	}
	if (action_worker_start(&d->w, job, target, d->cluster_path, d->g->ssh_config) < 0)
	{
		dash_flash(d, _("the action could not be started"));
		return;
	}
	monitor_note(d->m, target, false, _("action started"));
}

static keys_result
run_cmd(dashboard *d, dash_cmd cmd)
{
	const monitor_node *mn = selected_node(d);
	const monitor_slot *sl = selected_slot(d);
	const keys_entry *row = keys_find(key_table, N_KEYS, IN_VIEW(d->view), (int) cmd);

	if (row && row->action && dash_readonly(d))
	{
		const node_status *ns = managed_node(d);

		if (d->readonly || !ns)
			dash_flash(d, _("read-only dashboard: actions are off"));
		else
		{
			char	   *msg = pgr_asprintf(_("%s runs this cluster (%s): actions are off; dashboard --force overrides (dangerous)"),
										   ns->manager, ns->manager_evidence ? ns->manager_evidence : "");

			dash_flash(d, msg);
			free(msg);
		}
		return KEYS_REDRAW;
	}
	switch (cmd)
	{
		case CMD_NONE:
		case CMD_PAGE_UP:		/* the log's and the timelines' keys */
		case CMD_PAGE_DOWN:
		case CMD_BACK:
			return KEYS_IGNORED;
		case CMD_HELP:
			d->view = d->view == VIEW_HELP ? VIEW_MAIN : VIEW_HELP;
			break;
		case CMD_TIMELINES:
			d->view = d->view == VIEW_TIMELINES ? VIEW_MAIN : VIEW_TIMELINES;
			break;
		case CMD_LOG:
			d->view = d->view == VIEW_LOG ? VIEW_MAIN : VIEW_LOG;
			d->log_top = d->m->n_events;	/* clamped to the last page */
			break;
		case CMD_PAUSE:
			monitor_set_paused(d->m, !d->m->paused);
			break;
		case CMD_FASTER:
		case CMD_SLOWER:
			{
				double		i = d->m->interval_s;

				if (cmd == CMD_SLOWER)
					i = i < 1 ? 1 : i < 2 ? 2 : i < 5 ? 5 : i < 10 ? 10 : i < 30 ? 30 : 60;
				else
					i = i > 30 ? 30 : i > 10 ? 10 : i > 5 ? 5 : i > 2 ? 2 : i > 1 ? 1 : 0.5;
				monitor_set_interval(d->m, i);
				break;
			}
		case CMD_UP:
			if (d->sel > 0)
				d->sel--;
			break;
		case CMD_DOWN:
			if (d->sel < n_items(d) - 1)
				d->sel++;
			break;
		case CMD_PROMOTE:
		case CMD_FOLLOW:
		case CMD_RESYNC:
			if (!mn)
			{
				dash_flash(d, _("select a node first"));
				break;
			}
			start_job(d, cmd == CMD_PROMOTE ? JOB_PROMOTE : cmd == CMD_FOLLOW ? JOB_FOLLOW : JOB_RESYNC,
					  mn->node->name);
			break;
		case CMD_SWITCHOVER:
			if (!mn)
			{
				dash_flash(d, _("select a node first"));
				break;
			}
			start_job(d, JOB_SWITCHOVER, mn->node->name);
			break;
		case CMD_ASYNC:
			if (!monitor_sync_blocked(d->m))
			{
				dash_flash(d, _("commits do not wait for a synchronous standby: nothing to drop"));
				break;
			}
			start_job(d, JOB_DROP_TO_ASYNC, NULL);
			break;
		case CMD_DROP_SLOT:
			if (!sl)
			{
				dash_flash(d, _("select a replication slot first (below the nodes)"));
				break;
			}
			if (sl->active)
			{
				d->dlg = dialog_new(DIALOG_MESSAGE, _("Drop slot"), _("This slot is active: a standby streams through it. It is not dropped."), NULL);
				d->dlg->error = true;
				d->dlg_for_worker = false;
				break;
			}
			start_job(d, JOB_DROP_SLOT, sl->name);
			break;
		case CMD_QUIT:
			return KEYS_QUIT;
	}
	return KEYS_REDRAW;
}

/* The job ended: its result is in the worker (after worker_join). */
static void
job_done(dashboard *d)
{
	const pgr_error *err = &d->w.w.err;

	worker_join(&d->w.w);
	if (d->w.w.rc < 0)
	{
		strbuf		sb;

		strbuf_init(&sb);
		strbuf_append(&sb, err->message ? err->message : _("unknown error"));
		if (err->detail)
			strbuf_appendf(&sb, "\n%s", err->detail);
		if (err->hint)
			strbuf_appendf(&sb, "\n%s", err->hint);
		monitor_note(d->m, NULL, true, err->message ? err->message : _("unknown error"));
		dialog_free(d->dlg);
		d->dlg = dialog_new(DIALOG_MESSAGE, _("Action failed"), sb.data, NULL);
		d->dlg->error = true;
		d->dlg_for_worker = false;
		strbuf_free(&sb);
	}
	else
	{
		monitor_note(d->m, NULL, false, _("action done"));
		if (d->w.roles_changed)
		{
			pgr_error	lerr = PGR_ERROR_INIT;
			cluster    *cl = cluster_load(d->cluster_path, &lerr);

			if (cl)
				monitor_replace_cluster(d->m, cl);
			else
			{
				monitor_note(d->m, NULL, true, lerr.message);
				pgr_error_clear(&lerr);
			}
		}
	}
	worker_clear(&d->w.w);
}

static void
worker_message(dashboard *d, const worker_event *ev)
{
	switch (ev->kind)
	{
		case WEV_LOG:
			monitor_note(d->m, NULL, false, ev->text);
			break;
		case WEV_QUESTION:
			dialog_free(d->dlg);
			d->dlg = dialog_new(ev->question == WQ_TYPED ? DIALOG_TYPED : DIALOG_CONFIRM,
								ev->title, ev->text, ev->word);
			d->dlg_for_worker = true;
			break;
		case WEV_PROGRESS:
			if (d->gauge_total == 0)
			{
				d->gauge_first = ev->done;
				d->gauge_start = gauge_now();
			}
			d->gauge_done = ev->done;
			d->gauge_total = ev->total > 0 ? ev->total : 1;
			d->gauge_last = gauge_now();
			break;
		case WEV_DONE:
			d->gauge_total = 0;
			job_done(d);
			break;
	}
	d->dirty = true;
}

/* ---- keys ------------------------------------------------------------------------- */

/* The command a key runs: key_table is the only place keys are bound. */
static dash_cmd
key_cmd(const dashboard *d, int is_key, wint_t ch)
{
	return (dash_cmd) keys_lookup(key_table, N_KEYS, IN_VIEW(d->view), is_key != 0, ch);
}

static keys_result
handle_key(dashboard *d, int is_key, wint_t ch)
{
	if (is_key && ch == KEY_RESIZE)
		return KEYS_REDRAW;
	if (d->dlg)
	{
		dialog_result r = dialog_key(d->dlg, is_key, ch);

		if (r == DIALOG_PENDING)
			return KEYS_REDRAW;	/* the typed word */
		if (d->dlg_for_worker)
			worker_answer(&d->w.w, r == DIALOG_YES, NULL);
		dialog_free(d->dlg);
		d->dlg = NULL;
		return KEYS_REDRAW;
	}
	if (COLS < MIN_COLS || LINES < MIN_LINES)
		return key_cmd(d, is_key, ch) == CMD_QUIT ? KEYS_QUIT : KEYS_IGNORED;
	if (d->view == VIEW_LOG)
	{
		int			page = LINES - 3;
		dash_cmd	c = key_cmd(d, is_key, ch);

		if (c == CMD_PAGE_UP)
			d->log_top -= page;
		else if (c == CMD_PAGE_DOWN)
			d->log_top += page;
		else if (c == CMD_UP)
			d->log_top--;
		else if (c == CMD_DOWN)
			d->log_top++;
		else if (c == CMD_QUIT || c == CMD_LOG || c == CMD_BACK)
			d->view = VIEW_MAIN;
		else
			return KEYS_IGNORED;
		return KEYS_REDRAW;
	}
	if (d->view == VIEW_HELP)
	{
		d->view = VIEW_MAIN;
		return KEYS_REDRAW;
	}
	if (d->view == VIEW_TIMELINES)
	{
		dash_cmd	c = key_cmd(d, is_key, ch);

		if (c == CMD_QUIT || c == CMD_TIMELINES || c == CMD_BACK)
		{
			d->view = VIEW_MAIN;
			return KEYS_REDRAW;
		}
		return KEYS_IGNORED;
	}
	return run_cmd(d, key_cmd(d, is_key, ch));
}

/* ---- the loop --------------------------------------------------------------------- */

int
dashboard_run(const pgr_globals *g, const char *cluster_path, bool readonly,
			  bool force)
{
	dashboard	d;
	pgr_error	err = PGR_ERROR_INIT;
	cluster    *cl = cluster_load(cluster_path, &err);
	bool		was_active = crt_active();
	struct pollfd *fds;
	int			nfd_max;

	if (!cl)
	{
		if (was_active)
			crt_done();			/* the error must be readable */
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	memset(&d, 0, sizeof(d));
	d.g = g;
	d.cluster_path = cluster_path;
	d.readonly = readonly;
	d.force = force;
	action_worker_init(&d.w);
	d.w.override_manager = force;
	/* the actions' keys use the password given on the command line */
	if (g->replication_password_file && !readonly &&
		!(d.w.replication_password = step_role_read_password_file(g->replication_password_file, &err)))
	{
		cluster_free(cl);
		action_worker_done(&d.w);
		if (was_active)
			crt_done();
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	d.m = monitor_new(cl, g->delay_s);
	{
		char	   *old = NULL,
				   *node = NULL;

		/* S on a standby finishes it or rolls it back (the journal decides) */
		if (action_switchover_pending(cl, &old, &node))
		{
			char	   *line = pgr_asprintf(_("an interrupted switchover from %s to %s was found: press S to finish it or roll it back"),
											old, node);

			monitor_note(d.m, NULL, true, line);
			free(line);
		}
		free(old);
		free(node);
	}
	if (!was_active && crt_init(g->no_color) < 0)
	{
		monitor_free(d.m);
		action_worker_done(&d.w);
		pgr_error_set(&err, PGR_ERR_GENERIC, "%s", _("could not start the terminal screen"));
		pgr_error_hint(&err, "%s", _("Check TERM; the dashboard needs a terminal."));
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	theme_init();
	nodelay(stdscr, TRUE);
	nfd_max = d.m->n_nodes + 2;
	fds = pgr_calloc((size_t) nfd_max, sizeof(struct pollfd));
	d.dirty = true;

	while (!d.quit)
	{
		int			n,
					timeout;
		int64_t		now_ms = pgr_now_ms();
		wint_t		ch;
		int			r;

		/* the node count changes when the cluster file is reloaded */
		if (d.m->n_nodes + 2 > nfd_max)
		{
			nfd_max = d.m->n_nodes + 2;
			fds = pgr_realloc(fds, sizeof(struct pollfd) * (size_t) nfd_max);
		}
		if (d.dirty)
		{
			draw(&d);
			d.dirty = false;
		}
		n = monitor_pollfds(d.m, fds);
		fds[n].fd = STDIN_FILENO;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		fds[n + 1].fd = worker_fd(&d.w.w);	/* -1 (ignored) with no job */
		fds[n + 1].events = POLLIN;
		fds[n + 1].revents = 0;
		timeout = monitor_timeout_ms(d.m);
		/* the clock in the header: wake at the next second */
		if (timeout > 1000 - (int) (now_ms % 1000))
			timeout = 1000 - (int) (now_ms % 1000);
		r = poll(fds, (nfds_t) n + 2, timeout);
		if (r < 0 && errno != EINTR)
			break;
		if (r < 0)
			n = 0;				/* a signal (SIGWINCH): nothing was reported */

		/*
		 * Keys before the monitor's results, and drawn at once: a key that
		 * comes in with a refresh's answers is not kept waiting behind
		 * their parsing and the redraw they cause (100 WAL senders' rows
		 * at scale).  Everything waiting, KEY_RESIZE included (after
		 * SIGWINCH).
		 */
		{
			int64_t		t0 = trace_start();
			int			keys = 0;
			int			kr;

			while ((kr = get_wch(&ch)) != ERR)
			{
				switch (handle_key(&d, kr == KEY_CODE_YES, ch))
				{
					case KEYS_IGNORED:
					case KEYS_HANDLED:
						break;
					case KEYS_REDRAW:
						d.dirty = true;
						break;
					case KEYS_QUIT:
						d.quit = true;
						break;
				}
				keys++;
			}
			if (keys && d.dirty && !d.quit)
			{
				draw(&d);
				d.dirty = false;
			}
			if (keys)
				trace_done(t0, "dashboard: %d key(s) handled and drawn", keys);
		}
		{
			int64_t		t0 = trace_start();
			bool		changed = monitor_handle(d.m, fds, r < 0 ? 0 : n);

			/* drawn here rather than at the loop's top: the trace then
			 * says what a refresh costs the UI thread, results and redraw */
			if (changed && !d.quit)
			{
				draw(&d);
				d.dirty = false;
				trace_done(t0, "dashboard: monitor results handled and drawn");
			}
		}
		if (worker_running(&d.w.w))
		{
			worker_event *list = worker_take(&d.w.w);

			for (const worker_event *e = list; e; e = e->next)
				worker_message(&d, e);
			worker_events_free(list);
		}
		{
			static time_t last;
			time_t		t = time(NULL);

			if (t != last)
			{
				last = t;
				d.dirty = true;	/* the clock */
			}
		}
	}

	free(fds);
	dialog_free(d.dlg);
	free(d.flash);
	action_worker_done(&d.w);
	monitor_free(d.m);
	if (was_active)
	{
		erase();
		refresh();
	}
	else
		crt_done();
	return PGR_EXIT_OK;
}
