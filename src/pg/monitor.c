/*
 * monitor.c: the monitoring engine (see monitor.h).
 */
#include <config.h>

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "i18n.h"
#include "hooks.h"
#include "monitor.h"
#include "strbuf.h"
#include "status_patroni.h"
#include "trace.h"
#include "transport.h"

#define BACKOFF_MIN_S 0.5
#define BACKOFF_MAX_S 5.0

/* ---- pure helpers --------------------------------------------------------------- */

void
monitor_history_push(monitor_history *h, monitor_sample s)
{
	h->s[h->head] = s;
	h->head = (h->head + 1) % MONITOR_HISTORY;
	if (h->count < MONITOR_HISTORY)
		h->count++;
}

const monitor_sample *
monitor_history_get(const monitor_history *h, int i)
{
	int			oldest;

	if (i < 0 || i >= h->count)
		return NULL;
	oldest = (h->head - h->count + MONITOR_HISTORY) % MONITOR_HISTORY;
	return &h->s[(oldest + i) % MONITOR_HISTORY];
}

monitor_level
monitor_classify(bool answered, bool standby, const char *state,
				 long long lag_bytes, double lag_s,
				 long long warn_bytes, double warn_s)
{
	if (!answered)
		return MONITOR_BAD;
	if (!standby)
		return MONITOR_OK;
	if (!state)
		return MONITOR_BAD;		/* no WAL sender on its upstream */
	if (strcmp(state, "streaming") != 0)
		return MONITOR_WARN;	/* catchup, startup, backup, stopping */
	if (lag_bytes >= 0 && lag_bytes > warn_bytes)
		return MONITOR_WARN;
	if (!isnan(lag_s) && lag_s > warn_s)
		return MONITOR_WARN;
	return MONITOR_OK;
}

/* ---- the query ------------------------------------------------------------------ */

/*
 * The dashboard asks what status asks (status_query(): the node, its WAL
 * senders and receiver, its slots, archiving, replay paused,
 * synchronous_standby_names), sent as one simple query: one statement per
 * node per refresh in the server's log.
 */

/* ---- events --------------------------------------------------------------------- */

static void
add_event(monitor *m, const char *node, bool bad, const char *fmt,...) PGR_PRINTF(4, 5);

static void
add_event(monitor *m, const char *node, bool bad, const char *fmt,...)
{
	monitor_event *e = &m->events[m->ev_head];
	va_list		ap;

	free(e->node);
	free(e->text);
	e->at = time(NULL);
	e->node = node ? pgr_strdup(node) : NULL;
	e->bad = bad;
	va_start(ap, fmt);
	e->text = pgr_vasprintf(fmt, ap);
	va_end(ap);
	m->ev_head = (m->ev_head + 1) % MONITOR_EVENTS;
	if (m->n_events < MONITOR_EVENTS)
		m->n_events++;
}

void
monitor_note(monitor *m, const char *node, bool bad, const char *text)
{
	add_event(m, node, bad, "%s", text);
	m->changed = true;
}

const monitor_event *
monitor_event_get(const monitor *m, int i)
{
	int			oldest;

	if (i < 0 || i >= m->n_events)
		return NULL;
	oldest = (m->ev_head - m->n_events + MONITOR_EVENTS) % MONITOR_EVENTS;
	return &m->events[(oldest + i) % MONITOR_EVENTS];
}

/* ---- what is asked of a node's host, off the caller's thread ---------------------- */

/*
 * Every MONITOR_DISK_EVERY_S, a thread asks a node's host what SQL cannot
 * tell: Patroni's REST API (cluster's patroni_port), and on the primary
 * the free space of pg_wal's file system (df through the node's
 * transport).  The thread owns what it reads (copies of the node's
 * settings); the monitor takes the results once `done`, or abandons the
 * probe (the node list is rebuilt, the monitor freed) and the thread then
 * frees it itself.
 */
typedef struct monitor_disk {
	pthread_t	th;
	pthread_mutex_t lock;
	bool		done;			/* under lock */
	bool		abandoned;		/* under lock */
	char	   *host;
	int			patroni_port;	/* 0: not asked */
	bool		do_disk;
	char	   *ssh;
	char	   *pgdata;
	char	   *become;
	char	   *patroni;		/* Patroni's answer (evidence), or NULL */
	long long	free_bytes;		/* -1: see error */
	char	   *error;
} monitor_disk;

static void
disk_free(monitor_disk *d)
{
	pthread_mutex_destroy(&d->lock);
	free(d->host);
	free(d->patroni);
	free(d->ssh);
	free(d->pgdata);
	free(d->become);
	free(d->error);
	free(d);
}

static void *
disk_main(void *arg)
{
	monitor_disk *d = arg;
	/* never a question: no terminal on this thread; a short connect */
	transport_options topts = {.connect_timeout_s = 5, .become = d->become};
	pgr_error	err = PGR_ERROR_INIT;
	transport  *t = NULL;
	bool		abandoned;

	if (d->patroni_port > 0)
	{
		int64_t		t0 = trace_start();

		if (!status_patroni_probe(d->host, d->patroni_port, 1000, &d->patroni))
			d->patroni = NULL;
		trace_done(t0, "monitor: Patroni's REST API on %s port %d: %s", d->host,
				   d->patroni_port, d->patroni ? d->patroni : "no answer from Patroni");
	}
	if (d->do_disk &&
		(!(t = transport_open(d->ssh, &topts, &err)) ||
		 status_disk_free(t, d->pgdata, &d->free_bytes, &err) < 0))
	{
		d->free_bytes = -1;
		d->error = pgr_strdup(err.message ? err.message : _("unknown error"));
		pgr_error_clear(&err);
	}
	if (t)
		transport_close(t);
	pthread_mutex_lock(&d->lock);
	d->done = true;
	abandoned = d->abandoned;
	pthread_mutex_unlock(&d->lock);
	if (abandoned)
		disk_free(d);
	return NULL;
}

static void
disk_start(monitor *m, monitor_node *mn, int64_t now)
{
	monitor_disk *d;
	bool		do_disk = mn->st->role == STATUS_ROLE_PRIMARY && mn->node->ssh && mn->node->pgdata;

	mn->disk_next_ms = now + MONITOR_DISK_EVERY_S * 1000;
	if (!do_disk && m->cl->patroni_port <= 0)
		return;					/* nothing to ask */
	d = pgr_calloc(1, sizeof(*d));
	d->do_disk = do_disk;
	d->host = pgr_strdup(mn->node->host);
	d->patroni_port = m->cl->patroni_port;
	pthread_mutex_init(&d->lock, NULL);
	d->ssh = mn->node->ssh ? pgr_strdup(mn->node->ssh) : NULL;
	d->pgdata = mn->node->pgdata ? pgr_strdup(mn->node->pgdata) : NULL;
	d->become = mn->node->become ? pgr_strdup(mn->node->become) : NULL;
	if (pthread_create(&d->th, NULL, disk_main, d) != 0)
	{
		disk_free(d);			/* tried again at the next period */
		return;
	}
	mn->disk = d;
}

/* Patroni's answer: its own word, before what the server showed. */
static void
patroni_apply(monitor_node *mn)
{
	if (mn->patroni && mn->st->answered)
		status_set_manager(mn->st, "patroni", pgr_strdup(mn->patroni));
}

/* The probe's result into the node's status, once it is there. */
static bool
disk_collect(monitor_node *mn)
{
	monitor_disk *d = mn->disk;
	node_status *ns = mn->st;
	bool		done;

	if (!d)
		return false;
	pthread_mutex_lock(&d->lock);
	done = d->done;
	pthread_mutex_unlock(&d->lock);
	if (!done)
		return false;
	pthread_join(d->th, NULL);
	if (d->do_disk)
	{
		ns->wal_disk_known = d->free_bytes >= 0;
		ns->wal_disk_free = d->free_bytes;
		free(ns->wal_disk_error);
		ns->wal_disk_error = d->error;
		d->error = NULL;
		if (ns->wal_disk_known)
			status_disk_judge(ns, &mn->disk_history);
	}
	if (d->patroni_port > 0)
	{
		free(mn->patroni);
		mn->patroni = d->patroni;
		d->patroni = NULL;
		patroni_apply(mn);
	}
	disk_free(d);
	mn->disk = NULL;
	return true;
}

/* The monitor no longer waits for it: the thread frees the probe. */
static void
disk_abandon(monitor_node *mn)
{
	monitor_disk *d = mn->disk;
	bool		done;

	if (!d)
		return;
	mn->disk = NULL;
	pthread_mutex_lock(&d->lock);
	done = d->done;
	d->abandoned = !done;
	pthread_mutex_unlock(&d->lock);
	if (done)
	{
		pthread_join(d->th, NULL);
		disk_free(d);
	}
	else
		pthread_detach(d->th);
}

/* ---- nodes ---------------------------------------------------------------------- */

/*
 * The node's slots, replay and synchronous_standby_names are the status's
 * (status_parse() reads them): the monitor_node fields the dashboard reads
 * point into it, again after every parse or reset.
 */
static void
view_status(monitor_node *mn)
{
	mn->slots = mn->st->slots;
	mn->n_slots = mn->st->n_slots;
	mn->replay_paused = mn->st->replay_paused;
	mn->sync_standby_names = mn->st->sync_standby_names;
}

static void
build_nodes(monitor *m)
{
	cluster    *cl = m->cl;
	int			n = cl->n_nodes;

	m->n_nodes = n;
	m->nodes = pgr_calloc((size_t) (n ? n : 1), sizeof(monitor_node));
	m->fd_node = pgr_calloc((size_t) (n ? n : 1), sizeof(int));
	memset(&m->status, 0, sizeof(m->status));
	m->status.cluster = cl;
	m->status.n_nodes = n;
	m->status.nodes = pgr_calloc((size_t) (n ? n : 1), sizeof(node_status));
	for (int i = 0; i < n; i++)
	{
		monitor_node *mn = &m->nodes[i];

		mn->node = &cl->nodes[i];
		mn->st = &m->status.nodes[i];
		mn->st->node = &cl->nodes[i];
		pgconn_init(&mn->pc, cl, &cl->nodes[i]);
		mn->conn = MONITOR_CONNECTING;
		mn->lag_bytes = -1;
		mn->lag_s = NAN;
		mn->level = MONITOR_BAD;
		mn->backoff_s = BACKOFF_MIN_S;
		mn->retry_ms = 0;		/* connect at once */
	}
	m->next_refresh_ms = 0;
	m->changed = true;
}

static void
free_nodes(monitor *m)
{
	for (int i = 0; i < m->n_nodes; i++)
	{
		monitor_node *mn = &m->nodes[i];

		disk_abandon(mn);
		free(mn->patroni);
		pgconn_free(&mn->pc);
		free(mn->query);
		pgr_error_clear(&mn->error);
		status_node_reset(&m->status.nodes[i]);
		view_status(mn);
		pgr_error_clear(&m->status.nodes[i].error);
		free(m->status.nodes[i].ssl_cert_expires);
		free(m->status.nodes[i].client_cert_expires);
		free(m->status.nodes[i].wal_disk_error);
	}
	free(m->nodes);
	free(m->fd_node);
	free(m->status.nodes);
	for (int i = 0; i < m->status.n_problems; i++)
		free(m->status.problems[i].message);
	free(m->status.problems);
	m->nodes = NULL;
	m->n_nodes = 0;
}

monitor *
monitor_new(cluster *cl, double interval_s)
{
	monitor    *m = pgr_calloc(1, sizeof(monitor));

	m->cl = cl;
	monitor_set_interval(m, interval_s);
	build_nodes(m);
	return m;
}

void
monitor_free(monitor *m)
{
	if (!m)
		return;
	free_nodes(m);
	cluster_free(m->cl);
	for (int i = 0; i < MONITOR_EVENTS; i++)
	{
		free(m->events[i].node);
		free(m->events[i].text);
	}
	free(m);
}

void
monitor_replace_cluster(monitor *m, cluster *cl)
{
	free_nodes(m);
	cluster_free(m->cl);
	m->cl = cl;
	build_nodes(m);
	add_event(m, NULL, false, "%s", _("cluster file reloaded"));
}

void
monitor_set_interval(monitor *m, double interval_s)
{
	if (!(interval_s >= MONITOR_INTERVAL_MIN))	/* NAN too */
		interval_s = MONITOR_INTERVAL_MIN;
	if (interval_s > MONITOR_INTERVAL_MAX)
		interval_s = MONITOR_INTERVAL_MAX;
	m->interval_s = interval_s;
	/* the next refresh follows the new interval from now */
	if (m->next_refresh_ms > pgconn_deadline_after(interval_s))
		m->next_refresh_ms = pgconn_deadline_after(interval_s);
	m->changed = true;
}

void
monitor_set_paused(monitor *m, bool paused)
{
	m->paused = paused;
	if (!paused)
		m->next_refresh_ms = 0;
	m->changed = true;
}

/* How long a node has to answer a query or to connect before it is
 * dropped: more than a refresh, so that a busy server is not dropped. */
static double
hard_limit_s(const monitor *m)
{
	double		s = 3 * m->interval_s;

	return s < 5.0 ? 5.0 : s;
}

static void
node_failed(monitor *m, monitor_node *mn, const pgr_error *why)
{
	bool		was_up = mn->conn == MONITOR_UP;
	bool		first = mn->conn == MONITOR_CONNECTING;

	pgr_error_clear(&mn->error);
	mn->error.kind = why->kind;
	mn->error.message = pgr_strdup(why->message);
	mn->error.detail = why->detail ? pgr_strdup(why->detail) : NULL;
	mn->error.hint = why->hint ? pgr_strdup(why->hint) : NULL;
	/* why may be mn->pc.err, which pgconn_close() clears: read it first */
	mn->not_answering = why->kind == PGR_ERR_TIMEOUT;
	pgconn_close(&mn->pc);
	mn->busy = false;
	mn->conn = MONITOR_DOWN;
	mn->retry_ms = pgconn_deadline_after(mn->backoff_s);
	mn->backoff_s = mn->backoff_s * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : mn->backoff_s * 2;
	status_node_reset(mn->st);
	mn->st->reachable = false;
	/*
	 * The standbys of this node point into the rows just freed
	 * (upstream_row): link them again, now to nothing.
	 */
	status_evaluate(&m->status);
	view_status(mn);
	if (was_up && !mn->down_announced)
	{
		hook_event	ev = {HOOK_NODE_DOWN, mn->node->name, NULL, NULL, false, mn->error.message};
		const cluster_node *p = cluster_primary(m->cl);

		ev.old_primary = ev.new_primary = p ? p->name : NULL;
		hook_start(m->cl, &ev);
		mn->down_announced = true;
	}
	if (was_up || first)
	{
		if (mn->not_answering)
			add_event(m, mn->node->name, true, _("%s is not answering"), mn->node->name);
		else
			add_event(m, mn->node->name, true, _("%s is down: %s"), mn->node->name,
					  mn->error.message ? mn->error.message : _("unknown error"));
	}
	m->changed = true;
}

static void
send_query(monitor *m, monitor_node *mn)
{
	if (pgconn_send(&mn->pc, mn->query, hard_limit_s(m)) < 0)
	{
		node_failed(m, mn, &mn->pc.err);
		return;
	}
	mn->busy = true;
	mn->sent_ms = pgr_now_ms();
}

/* The connection was just made: choose the query for this server. */
static void
connected(monitor *m, monitor_node *mn)
{
	pgr_error	err = PGR_ERROR_INIT;
	const pg_version_facts *facts = pgconn_version_facts(&mn->pc, &err);

	if (!facts)
	{
		node_failed(m, mn, &err);
		pgr_error_clear(&err);
		return;
	}
	free(mn->query);
	mn->st->superuser = pgconn_is_superuser(mn->pc.conn);
	mn->query = status_query(facts, mn->st->superuser);
	mn->st->reachable = true;
	status_node_set_ssl(mn->st, mn->pc.conn);
	send_query(m, mn);
}

static void
start_connect(monitor *m, monitor_node *mn)
{
	const pgconn_options opt = {.read_only = true};

	m->connections++;
	mn->sent_ms = pgr_now_ms();
	if (pgconn_start(&mn->pc, &opt, hard_limit_s(m)) < 0)
		node_failed(m, mn, &mn->pc.err);
}

/* What a node looked like before an answer, to tell what changed. */
typedef struct node_before {
	bool		up;
	status_role role;
	int			timeline;
	bool		streaming;
	bool		had_row;		/* its upstream answered (streaming known) */
} node_before;

static bool
is_streaming(const monitor_node *mn)
{
	const status_replication *r = mn->st->upstream_row;

	return r && r->state && strcmp(r->state, "streaming") == 0;
}

static void
snapshot(const monitor *m, node_before *b)
{
	for (int i = 0; i < m->n_nodes; i++)
	{
		const monitor_node *mn = &m->nodes[i];
		const node_status *up = NULL;

		b[i].up = mn->conn == MONITOR_UP && mn->st->answered;
		b[i].role = mn->st->role;
		b[i].timeline = mn->st->timeline;
		b[i].streaming = is_streaming(mn);
		for (int j = 0; mn->st->upstream_name && j < m->n_nodes; j++)
			if (strcmp(m->nodes[j].node->name, mn->st->upstream_name) == 0)
				up = m->nodes[j].st;
		b[i].had_row = up && up->answered;
	}
}

/* Lag, level, slot owners and events after status_evaluate(). */
static void
derive(monitor *m, const node_before *before)
{
	for (int i = 0; i < m->n_nodes; i++)
	{
		monitor_node *mn = &m->nodes[i];
		const status_replication *r = mn->st->upstream_row;
		bool		standby = mn->node->role == NODE_STANDBY;
		const char *name = mn->node->name;
		bool		up = mn->conn == MONITOR_UP && mn->st->answered;

		mn->lag_bytes = r && r->has_lag_bytes ? r->lag_bytes : -1;
		/*
		 * replay_lag is NULL once the standby has replayed everything and
		 * the primary is idle: then the time lag is n/a, not the growing
		 * age of the last transaction.
		 */
		mn->lag_s = r ? r->replay_lag_s : NAN;
		mn->level = monitor_classify(up, standby, r ? r->state : NULL,
									 mn->lag_bytes, mn->lag_s,
									 m->cl->lag_warn_bytes, m->cl->lag_warn_seconds);

		if (!before)
			continue;
		if (up && !before[i].up)
			add_event(m, name, false, _("%s is up (%s)"), name,
					  mn->st->role == STATUS_ROLE_PRIMARY ? _("primary") : _("standby"));
		if (up && mn->down_announced)
		{
			hook_event	ev = {HOOK_NODE_UP, name, NULL, NULL, true, NULL};
			const cluster_node *p = cluster_primary(m->cl);

			ev.old_primary = ev.new_primary = p ? p->name : NULL;
			hook_start(m->cl, &ev);
			mn->down_announced = false;
		}
		else if (up && before[i].role != mn->st->role)
			add_event(m, name, true, _("%s is now a %s"), name,
					  mn->st->role == STATUS_ROLE_PRIMARY ? _("primary") : _("standby"));
		if (up && before[i].up && before[i].timeline && mn->st->timeline &&
			before[i].timeline != mn->st->timeline)
			add_event(m, name, false, _("%s moved from timeline %d to %d"), name,
					  before[i].timeline, mn->st->timeline);
		if (standby && before[i].had_row)
		{
			bool		now = is_streaming(mn);
			const char *upn = mn->st->upstream_name ? mn->st->upstream_name : "?";

			if (before[i].streaming && !now)
				add_event(m, name, true, _("%s stopped streaming from %s"), name, upn);
			else if (!before[i].streaming && now)
				add_event(m, name, false, _("%s is streaming from %s"), name, upn);
		}
	}
}

static void
answered(monitor *m, monitor_node *mn, const node_before *before)
{
	pgr_error	err = PGR_ERROR_INIT;
	time_t		now = time(NULL);

	mn->busy = false;
	mn->not_answering = false;
	mn->backoff_s = BACKOFF_MIN_S;
	if (status_parse(mn->st, mn->pc.results, mn->pc.n_results, &err) < 0)
	{
		view_status(mn);
		/* connected but the query failed: shown as down, retried */
		node_failed(m, mn, &err);
		pgr_error_clear(&err);
		return;
	}
	view_status(mn);
	mn->st->reachable = true;
	mn->conn = MONITOR_UP;
	mn->last_answer = now;
	pgr_error_clear(&mn->error);
	patroni_apply(mn);
	if (mn->st->role == STATUS_ROLE_PRIMARY)
	{
		/* the retention's growth, from every answer (kept 30 s apart) */
		status_disk_add(&mn->disk_history,
						(status_disk_sample) {now, status_max_retained(mn->st)});
		if (mn->st->wal_disk_known)
			status_disk_judge(mn->st, &mn->disk_history);
	}
	status_evaluate(&m->status);
	derive(m, before);
	/*
	 * A standby's lag is read on its upstream: the sample goes to the
	 * standbys when their upstream answers (each refresh), not when they do.
	 */
	for (int i = 0; i < m->n_nodes; i++)
	{
		monitor_node *sb = &m->nodes[i];
		monitor_sample s = {now, sb->lag_bytes, sb->lag_s};

		if (sb->node->role == NODE_STANDBY && sb->st->upstream_name &&
			strcmp(sb->st->upstream_name, mn->node->name) == 0)
			monitor_history_push(&sb->history, s);
	}
	m->changed = true;
}

/* ---- the loop ------------------------------------------------------------------- */

int
monitor_pollfds(monitor *m, struct pollfd *fds)
{
	int			n = 0;

	for (int i = 0; i < m->n_nodes; i++)
	{
		int			fd;
		short		ev = pgconn_poll_fd(&m->nodes[i].pc, &fd);

		if (!ev)
			continue;
		fds[n].fd = fd;
		fds[n].events = ev;
		fds[n].revents = 0;
		m->fd_node[n] = i;
		n++;
	}
	return n;
}

int
monitor_timeout_ms(const monitor *m)
{
	int64_t		now = pgr_now_ms();
	int64_t		next = now + (int64_t) (m->interval_s * 1000);

	if (!m->paused && m->next_refresh_ms < next)
		next = m->next_refresh_ms;
	for (int i = 0; i < m->n_nodes; i++)
	{
		const monitor_node *mn = &m->nodes[i];
		int64_t		d = pgconn_deadline(&mn->pc);
		int64_t		soft;

		if (d && d < next)
			next = d;
		if (mn->conn == MONITOR_DOWN && !pgconn_waiting(&mn->pc) &&
			!m->paused && mn->retry_ms < next)
			next = mn->retry_ms;
		/* when a slow node is to be shown as not answering */
		soft = mn->sent_ms + (int64_t) (m->interval_s * 1000);
		if (pgconn_waiting(&mn->pc) && !mn->not_answering && soft < next)
			next = soft;
	}
	return next <= now ? 0 : (int) (next - now);
}

bool
monitor_handle(monitor *m, const struct pollfd *fds, int nfds)
{
	int64_t		now = pgr_now_ms();
	node_before *before = pgr_calloc((size_t) (m->n_nodes ? m->n_nodes : 1),
									 sizeof(node_before));
	bool		tick;
	bool		changed;
	char	   *hook_failed;

	/* event commands started on their own threads that failed since */
	while ((hook_failed = hook_failure()) != NULL)
	{
		add_event(m, NULL, true, _("event command: %s"), hook_failed);
		free(hook_failed);
	}

	/* the primaries' free space for pg_wal, read on their own threads */
	{
		bool		disk = false;

		for (int i = 0; i < m->n_nodes; i++)
			disk |= disk_collect(&m->nodes[i]);
		if (disk)
		{
			status_evaluate(&m->status);
			m->changed = true;
		}
	}

	for (int i = 0; i < m->n_nodes; i++)
	{
		monitor_node *mn = &m->nodes[i];
		short		revents = 0;
		pgconn_state was = mn->pc.state;

		if (!pgconn_waiting(&mn->pc))
			continue;
		for (int f = 0; f < nfds; f++)
			if (m->fd_node[f] == i)
				revents = fds[f].revents;
		pgconn_handle(&mn->pc, revents);
		switch (mn->pc.state)
		{
			case PGCONN_READY:
				if (was == PGCONN_CONNECTING)
					connected(m, mn);
				break;
			case PGCONN_DONE:
				snapshot(m, before);
				answered(m, mn, before);
				break;
			case PGCONN_FAILED:
				node_failed(m, mn, &mn->pc.err);
				break;
			default:
				break;
		}
		/* the refresh interval went by without an answer */
		if (pgconn_waiting(&mn->pc) && !mn->not_answering &&
			now - mn->sent_ms >= (int64_t) (m->interval_s * 1000))
		{
			mn->not_answering = true;
			if (mn->conn == MONITOR_UP)
				add_event(m, mn->node->name, true, _("%s is not answering"),
						  mn->node->name);
			m->changed = true;
		}
	}

	tick = !m->paused && now >= m->next_refresh_ms;
	if (tick)
	{
		m->refreshes++;
		m->next_refresh_ms = now + (int64_t) (m->interval_s * 1000);
		m->changed = true;		/* the clock */
	}
	for (int i = 0; i < m->n_nodes && !m->paused; i++)
	{
		monitor_node *mn = &m->nodes[i];

		switch (mn->pc.state)
		{
			case PGCONN_IDLE:
			case PGCONN_FAILED:
				if (now >= mn->retry_ms)
					start_connect(m, mn);
				break;
			case PGCONN_READY:
			case PGCONN_DONE:
				/* one query per refresh, none while one is out */
				if (tick && mn->query)
					send_query(m, mn);
				/* and now and then what the node's host says (Patroni,
				 * the primary's free space for pg_wal) */
				if (tick && !mn->disk && now >= mn->disk_next_ms && mn->st->answered)
					disk_start(m, mn, now);
				break;
			default:
				break;
		}
	}
	free(before);
	changed = m->changed;
	m->changed = false;
	return changed;
}

const monitor_node *
monitor_primary(const monitor *m)
{
	const monitor_node *found = NULL;

	for (int i = 0; i < m->n_nodes; i++)
	{
		const monitor_node *mn = &m->nodes[i];

		if (mn->conn != MONITOR_UP || mn->st->role != STATUS_ROLE_PRIMARY)
			continue;
		if (!found || mn->node->role == NODE_PRIMARY)
			found = mn;
	}
	return found;
}

bool
monitor_sync_blocked(const monitor *m)
{
	const monitor_node *p = monitor_primary(m);

	if (!p || !p->sync_standby_names || p->sync_standby_names[0] == '\0')
		return false;
	for (int i = 0; i < p->st->n_replication; i++)
	{
		const char *ss = p->st->replication[i].sync_state;

		if (ss && (strcmp(ss, "sync") == 0 || strcmp(ss, "quorum") == 0))
			return false;
	}
	return true;
}
