/*
 * cmd_status.c: "pgreplica status [--json | --format=FORMAT] [--timeout
 * SECONDS]", the one-shot state of every node.  Exit status: 0 healthy, 1 degraded,
 * 2 error.  The JSON schema is documented in README.md.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#include "bytes.h"
#include "cli.h"
#include "cluster.h"
#include "commands.h"
#include "i18n.h"
#include "monitor.h"
#include "json.h"
#include "report.h"
#include "status.h"
#include "status_disk.h"
#include "strbuf.h"

#define STATUS_DEFAULT_TIMEOUT CLI_STATUS_TIMEOUT_S	/* its --help says it */
#define STATUS_MAX_TIMEOUT 3600.0

/* ---- helpers ------------------------------------------------------------- */

/* "2024-05-01T12:00:00Z" */
static void
iso_utc(time_t t, char *buf, size_t size)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Columns a string takes on the terminal. */
static int
display_width(const char *s)
{
	size_t		n = mbstowcs(NULL, s, 0);
	wchar_t    *w;
	int			width;

	if (n == (size_t) -1)
		return (int) strlen(s);
	w = pgr_malloc((n + 1) * sizeof(wchar_t));
	mbstowcs(w, s, n + 1);
	width = wcswidth(w, n);
	free(w);
	return width < 0 ? (int) strlen(s) : width;
}

/* ---- text output ----------------------------------------------------------- */

typedef struct text_out {
	int			label_width;	/* widest label, in columns */
} text_out;

/*
 * The labels of a node's block: all of them are measured up front so that
 * the values line up in any language.
 */
static const char *const labels[] = {
	N_("Role:"), N_("Address:"), N_("State:"), N_("Server version:"),
	N_("Timeline:"), N_("Current LSN:"), N_("Receive LSN:"), N_("Replay LSN:"),
	N_("Last replay:"), N_("Upstream:"), N_("Lag:"), N_("Replay lag:"),
	N_("Sync state:"), N_("WAL sender:"), N_("Error:"), N_("Detail:"), N_("Hint:"),
	N_("SSL:"), N_("Client certificate:"), N_("Replay:"), N_("Conflicts:"), N_("Slot:"), N_("Archiving:"),
	N_("Managed by:"), N_("Promotion:"), N_("Last message:"), N_("Holds back:"),
};

static void
line(const text_out *t, const char *label, const char *value)
{
	const char *tr = _(label);
	int			pad = t->label_width - display_width(tr);
	/* values quote servers (libpq's messages): made visible */
	char	   *visible = report_visible(value);
	const char *p = visible;

	printf("  %s%*s ", tr, pad > 0 ? pad : 0, "");
	/* Continuation lines of a value (a libpq message) line up too. */
	for (;;)
	{
		const char *eol = strchr(p, '\n');

		if (!eol)
		{
			printf("%s\n", p);
			break;
		}
		printf("%.*s\n%*s", (int) (eol - p), p, t->label_width + 3, "");
		p = eol + 1;
		while (*p == '\t' || *p == ' ')
			p++;
	}
	free(visible);
}

static const char *
role_word(status_role r)
{
	switch (r)
	{
		case STATUS_ROLE_PRIMARY:
			return _("primary");
		case STATUS_ROLE_STANDBY:
			return _("standby");
		case STATUS_ROLE_UNKNOWN:
			break;
	}
	return _("unknown");
}

static const char *
configured_word(node_role r)
{
	return r == NODE_PRIMARY ? _("primary") : _("standby");
}

static const char *
health_word(status_health h)
{
	switch (h)
	{
		case STATUS_HEALTHY:
			return _("healthy");
		case STATUS_DEGRADED:
			return _("degraded");
		case STATUS_ERROR:
			break;
	}
	return _("error");
}

/* "0 bytes", "1 byte", "1258291 bytes (1.2 MB)" */
static void
append_bytes(strbuf *sb, long long n)
{
	unsigned long long mag = (unsigned long long) (n < 0 ? -n : n);

	strbuf_appendf(sb, ngettext("%lld byte", "%lld bytes", (unsigned long) mag), n);
	if (n >= 1024)
	{
		char		h[32];

		strbuf_appendf(sb, " (%s)", pgr_format_bytes(n, h, sizeof(h)));
	}
}

static void
append_seconds(strbuf *sb, double s)
{
	if (isnan(s))
		strbuf_append(sb, _("n/a"));
	else
		/* TRANSLATORS: a duration in seconds, e.g. "0.012 s" */
		strbuf_appendf(sb, _("%.3f s"), s);
}

static const char *
or_na(const char *s)
{
	return s ? s : _("n/a");
}

static void
print_error_lines(const text_out *t, const pgr_error *err)
{
	line(t, N_("Error:"), err->message ? err->message : _("unknown error"));
	if (err->detail)
		line(t, N_("Detail:"), err->detail);
	if (err->hint)
		line(t, N_("Hint:"), err->hint);
}

/* A standby's upstream and its WAL sender there. */
static void
print_upstream(const text_out *t, const node_status *ns)
{
	const status_replication *r = ns->upstream_row;
	strbuf		sb;

	if (!ns->upstream_name)
		return;
	strbuf_init(&sb);
	if (r)
		/* TRANSLATORS: <upstream node>, WAL sender <state> */
		strbuf_appendf(&sb, _("%s, WAL sender %s"), ns->upstream_name,
					   or_na(r->state));
	else
		/* TRANSLATORS: <upstream node>, which has no WAL sender for this standby */
		strbuf_appendf(&sb, _("%s, no WAL sender for this standby"),
					   ns->upstream_name);
	line(t, N_("Upstream:"), sb.data);
	strbuf_free(&sb);
}

/* Replay paused, conflicts, slots, archiving: what breaks silently. */
static void
print_watch(const text_out *t, const node_status *ns, strbuf *sb)
{
	if (ns->role == STATUS_ROLE_STANDBY)
	{
		line(t, N_("Replay:"), ns->replay_paused ? _("paused") : _("running"));
		if (ns->recovery_conflicts >= 0)
		{
			strbuf_reset(sb);
			/* TRANSLATORS: queries cancelled by recovery conflicts; then on/off */
			strbuf_appendf(sb, ngettext("%lld query cancelled, hot_standby_feedback %s",
										"%lld queries cancelled, hot_standby_feedback %s",
										(unsigned long) ns->recovery_conflicts),
						   ns->recovery_conflicts, ns->hot_standby_feedback ? "on" : "off");
			line(t, N_("Conflicts:"), sb->data);
		}
	}
	for (int i = 0; i < ns->n_slots; i++)
	{
		const status_slot *sl = &ns->slots[i];

		strbuf_reset(sb);
		strbuf_appendf(sb, "%s (%s), ", or_na(sl->name), or_na(sl->type));
		if (sl->active)
			strbuf_append(sb, _("active"));
		else if (sl->inactive_since)
			/* TRANSLATORS: %s is a date and time in UTC */
			strbuf_appendf(sb, _("inactive since %s"), sl->inactive_since);
		else
			strbuf_append(sb, _("inactive"));
		strbuf_append(sb, _(", retains "));
		if (sl->retained_bytes >= 0)
			append_bytes(sb, sl->retained_bytes);
		else
			strbuf_append(sb, _("n/a"));
		if (sl->wal_status)
			strbuf_appendf(sb, ", wal_status %s", sl->wal_status);
		if (sl->standby)
			strbuf_appendf(sb, _(", used by %s"), sl->standby);
		else
			strbuf_append(sb, _(", used by no node of the cluster file"));
		line(t, N_("Slot:"), sb->data);
	}
	if (ns->role == STATUS_ROLE_PRIMARY && ns->n_slots > 0 && ns->max_slot_wal_keep_size &&
		strcmp(ns->max_slot_wal_keep_size, "-1") == 0)
		line(t, N_("Slot:"), _("max_slot_wal_keep_size is -1: a slot whose standby is gone retains WAL until the disk is full (set a limit)"));
	if (ns->wal_disk_known)
	{
		char		left[32];

		strbuf_reset(sb);
		append_bytes(sb, ns->wal_disk_free);
		strbuf_append(sb, _(" free"));
		if (ns->wal_disk_rate_known && isinf(ns->wal_disk_time_left))
			strbuf_append(sb, _(", not filling up (the slots' retention does not grow)"));
		else if (ns->wal_disk_rate_known)
		{
			status_disk_format_time(ns->wal_disk_time_left, left, sizeof(left));
			/* TRANSLATORS: the time until pg_wal's file system is full */
			strbuf_appendf(sb, _(", full in %s"), left);
		}
		else
			strbuf_append(sb, _(", time left not known yet (the growth needs samples 20 s apart: run status again)"));
		line(t, N_("WAL disk:"), sb->data);
	}
	else if (ns->wal_disk_error)
		line(t, N_("WAL disk:"), ns->wal_disk_error);
	if (ns->archiver.enabled)
	{
		const status_archiver *a = &ns->archiver;

		strbuf_reset(sb);
		strbuf_appendf(sb, _("%lld archived (last %s), %lld failed (last %s at %s)"),
					   a->archived_count, or_na(a->last_archived_wal),
					   a->failed_count, or_na(a->last_failed_wal), or_na(a->last_failed_time));
		if (a->ready_count >= 0)
			strbuf_appendf(sb, ngettext(", %lld file waiting", ", %lld files waiting",
										(unsigned long) a->ready_count), a->ready_count);
		if (status_archiver_failing(a))
			strbuf_append(sb, _(": FAILING"));
		line(t, N_("Archiving:"), sb->data);
	}
}

/* The role (as seen, and as configured when that differs) and the address. */
static void
print_role_address(const text_out *t, const node_status *ns, strbuf *sb)
{
	const cluster_node *node = ns->node;

	strbuf_reset(sb);
	if (ns->answered && ((ns->role == STATUS_ROLE_PRIMARY) == (node->role == NODE_PRIMARY)))
		strbuf_append(sb, role_word(ns->role));
	else
		/* TRANSLATORS: "standby (configured: primary)" */
		strbuf_appendf(sb, _("%s (configured: %s)"), role_word(ns->role),
					   configured_word(node->role));
	line(t, N_("Role:"), sb->data);

	strbuf_reset(sb);
	strbuf_appendf(sb, "%s:%d", node->host ? node->host : "", node->port);
	line(t, N_("Address:"), sb->data);
}

/* What the node is doing: streaming standbys, its WAL receiver, or why it could not be checked. */
static void
print_state(const text_out *t, const node_status *ns, strbuf *sb)
{
	strbuf_reset(sb);
	if (!ns->reachable)
		strbuf_append(sb, _("unreachable"));
	else if (!ns->answered)
		strbuf_append(sb, _("connected, but could not be checked"));
	else if (ns->role == STATUS_ROLE_PRIMARY)
	{
		int			streaming = 0;

		for (int i = 0; i < ns->n_replication; i++)
			if (ns->replication[i].state &&
				strcmp(ns->replication[i].state, "streaming") == 0)
				streaming++;
		strbuf_appendf(sb, ngettext("running, %d standby streaming",
									 "running, %d standbys streaming",
									 (unsigned long) streaming),
					   streaming);
	}
	else if (ns->wal_receiver && ns->wal_receiver->sender_host)
		/* TRANSLATORS: WAL receiver <status as the server says it>, from <host>:<port> */
		strbuf_appendf(sb, _("WAL receiver %s, from %s:%d"),
					   or_na(ns->wal_receiver->status),
					   ns->wal_receiver->sender_host, ns->wal_receiver->sender_port);
	else if (ns->wal_receiver)
		strbuf_appendf(sb, _("WAL receiver %s"), or_na(ns->wal_receiver->status));
	else
		strbuf_append(sb, _("in recovery, no WAL receiver"));
	line(t, N_("State:"), sb->data);
}

/* The server: version, cluster manager, SSL and client certificate. */
static void
print_server(const text_out *t, const node_status *ns, strbuf *sb)
{
	line(t, N_("Server version:"), ns->server_version);
	if (ns->manager)
	{
		strbuf_reset(sb);
		/* TRANSLATORS: <cluster manager> (<what gave it away>), then a warning */
		strbuf_appendf(sb, _("%s (%s): pgreplica's actions refuse without --force"),
					   ns->manager, or_na(ns->manager_evidence));
		line(t, N_("Managed by:"), sb->data);
	}
	strbuf_reset(sb);
	if (!ns->ssl_known)
		strbuf_append(sb, _("n/a"));
	else if (!ns->ssl)
		strbuf_append(sb, _("off"));
	else if (ns->ssl_cert_expires)
		/* TRANSLATORS: %s is a date, 2029-03-01 */
		strbuf_appendf(sb, _("on, certificate expires %.10s"), ns->ssl_cert_expires);
	else
		strbuf_append(sb, _("on"));
	line(t, N_("SSL:"), sb->data);
	if (ns->client_cert_expires)
	{
		strbuf_reset(sb);
		/* TRANSLATORS: %s is a date, 2029-03-01 */
		strbuf_appendf(sb, _("expires %.10s"), ns->client_cert_expires);
		line(t, N_("Client certificate:"), sb->data);
	}
}

/* The timeline and, on the primary, the promotions that led to it. */
static void
print_timeline(const text_out *t, const node_status *ns, strbuf *sb)
{
	char		num[32];

	if (ns->timeline > 0 && ns->fork == TIMELINE_DIVERGED)
	{
		strbuf_reset(sb);
		/* TRANSLATORS: a timeline number, then what it means */
		strbuf_appendf(sb, _("%d, DIVERGED from the primary's timeline history (resync it)"),
					   ns->timeline);
		line(t, N_("Timeline:"), sb->data);
	}
	else if (ns->timeline > 0)
	{
		snprintf(num, sizeof(num), "%d", ns->timeline);
		line(t, N_("Timeline:"), num);
	}
	else
		line(t, N_("Timeline:"), _("n/a"));
	/* the primary's lineage: every promotion that led to its timeline */
	for (int i = 0; ns->role == STATUS_ROLE_PRIMARY && i < ns->n_history; i++)
	{
		const status_timeline *h = &ns->history[i];

		strbuf_reset(sb);
		/* TRANSLATORS: timeline 3 from timeline 2 at LSN 0/5000060, <UTC time> */
		strbuf_appendf(sb, _("timeline %d from %d at %s, %s"), h->timeline, h->parent,
					   h->switch_lsn, or_na(h->created));
		line(t, N_("Promotion:"), sb->data);
	}
}

/* WAL positions: written on the primary, received and replayed on a standby. */
static void
print_lsns(const text_out *t, const node_status *ns, strbuf *sb)
{
	if (ns->role == STATUS_ROLE_PRIMARY)
		line(t, N_("Current LSN:"), or_na(ns->current_lsn));
	else
	{
		line(t, N_("Receive LSN:"), or_na(ns->receive_lsn));
		line(t, N_("Replay LSN:"), or_na(ns->replay_lsn));
		strbuf_reset(sb);
		strbuf_append(sb, or_na(ns->last_replay));
		if (ns->last_replay && status_lag_idle(ns->upstream_row))
			strbuf_append(sb, _(" (the primary is idle: its age is not a lag)"));
		line(t, N_("Last replay:"), sb->data);
		if (ns->wal_receiver && !isnan(ns->wal_receiver->last_msg_age_s))
		{
			strbuf_reset(sb);
			/* TRANSLATORS: seconds since the WAL receiver's last message */
			strbuf_appendf(sb, _("%.3f s ago, from the sender"), ns->wal_receiver->last_msg_age_s);
			line(t, N_("Last message:"), sb->data);
		}
	}
}

/* A standby as its upstream sees it: lag, what it holds back, sync state. */
static void
print_standby_link(const text_out *t, const node_status *ns, strbuf *sb)
{
	const status_replication *r = ns->upstream_row;

	print_upstream(t, ns);
	strbuf_reset(sb);
	if (r && r->has_lag_bytes)
		append_bytes(sb, r->lag_bytes);
	else
		strbuf_append(sb, _("n/a"));
	line(t, N_("Lag:"), sb->data);
	strbuf_reset(sb);
	append_seconds(sb, r ? r->replay_lag_s : NAN);
	if (status_lag_idle(r))
		strbuf_append(sb, _(" (0 bytes behind: the primary is idle, this is no delay)"));
	line(t, N_("Replay lag:"), sb->data);
	if (r && r->backend_xmin)
	{
		strbuf_reset(sb);
		/* TRANSLATORS: xmin <xid> on <upstream> (<n> transactions old) */
		strbuf_appendf(sb, ngettext("xmin %s on %s (%lld transaction old): vacuum there keeps the rows it may need",
									 "xmin %s on %s (%lld transactions old): vacuum there keeps the rows it may need",
									 (unsigned long) (r->backend_xmin_age > 0 ? r->backend_xmin_age : 0)),
					   r->backend_xmin, ns->upstream_name ? ns->upstream_name : "?",
					   r->backend_xmin_age);
		line(t, N_("Holds back:"), sb->data);
	}
	line(t, N_("Sync state:"), r ? or_na(r->sync_state) : _("n/a"));
}

/* The standbys a node sends WAL to. */
static void
print_wal_senders(const text_out *t, const node_status *ns, strbuf *sb)
{
	strbuf		lag;

	strbuf_init(&lag);
	for (int i = 0; i < ns->n_replication; i++)
	{
		const status_replication *r = &ns->replication[i];

		strbuf_reset(sb);
		strbuf_appendf(sb, "%s", r->application_name && r->application_name[0]
					   ? r->application_name : "?");
		if (r->client_addr)
			strbuf_appendf(sb, " (%s)", r->client_addr);
		if (r->has_lag_bytes)
			append_bytes(&lag, r->lag_bytes);
		else
			strbuf_append(&lag, _("n/a"));
		/* TRANSLATORS: ", <state>, <sync state>, lag <bytes>" after a standby's name */
		strbuf_appendf(sb, _(", %s, %s, lag %s"), or_na(r->state),
					   or_na(r->sync_state), lag.data);
		strbuf_reset(&lag);
		line(t, N_("WAL sender:"), sb->data);
	}
	strbuf_free(&lag);
}

static void
print_node(const text_out *t, const node_status *ns)
{
	strbuf		sb;

	strbuf_init(&sb);
	/* TRANSLATORS: the heading of a node's block, e.g. Node "pg1" */
	printf(_("Node \"%s\"\n"), ns->node->name);
	print_role_address(t, ns, &sb);
	print_state(t, ns, &sb);

	if (!ns->answered)
	{
		print_error_lines(t, &ns->error);
		/* its upstream may still see it (e.g. a frozen standby) */
		if (ns->node->role == NODE_STANDBY && ns->upstream_row)
			print_upstream(t, ns);
		strbuf_free(&sb);
		return;
	}

	print_server(t, ns, &sb);
	print_timeline(t, ns, &sb);
	print_lsns(t, ns, &sb);
	if (ns->node->role == NODE_STANDBY)
		print_standby_link(t, ns, &sb);
	print_wal_senders(t, ns, &sb);
	print_watch(t, ns, &sb);
	strbuf_free(&sb);
}

static void
print_text(const cluster_status *st)
{
	text_out	t = {0};
	char		when[32];

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
	{
		int			w = display_width(_(labels[i]));

		if (w > t.label_width)
			t.label_width = w;
	}
	iso_utc(st->checked_at, when, sizeof(when));
	/* TRANSLATORS: Cluster "<name>": <healthy|degraded|error> */
	{
		char	   *name = report_visible(st->cluster->name);

		printf(_("Cluster \"%s\": %s\n"), name, health_word(st->health));
		free(name);
	}
	/* TRANSLATORS: the date is ISO 8601 in UTC; %g is the time limit in seconds */
	printf(_("Checked at %s, time limit %g s per node\n"), when, st->timeout_s);
	for (int i = 0; i < st->n_nodes; i++)
	{
		printf("\n");
		print_node(&t, &st->nodes[i]);
	}
	if (st->n_problems > 0)
	{
		printf("\n%s\n", _("Problems:"));
		for (int i = 0; i < st->n_problems; i++)
		{
			fputs("  - ", stdout);
			report_puts(st->problems[i].message, stdout);
			fputc('\n', stdout);
		}
	}
}

/* ---- JSON output ---------------------------------------------------------- */

static const char *
error_kind_name(pgr_error_kind k)
{
	switch (k)
	{
		case PGR_ERR_NONE:
		case PGR_ERR_GENERIC:
			break;
		case PGR_ERR_INPUT:
			return "input";
		case PGR_ERR_CONNECT:
			return "connect";
		case PGR_ERR_AUTH:
			return "auth";
		case PGR_ERR_HOSTKEY:
			return "hostkey";
		case PGR_ERR_TIMEOUT:
			return "timeout";
		case PGR_ERR_IO:
			return "io";
		case PGR_ERR_SQL:
			return "sql";
		case PGR_ERR_EXEC:
			return "exec";
		case PGR_ERR_REFUSED:
			return "refused";
	}
	return "generic";
}

static void
json_kv_string(json_writer *w, const char *key, const char *value)
{
	json_key(w, key);
	json_string(w, value);
}

static void
json_kv_double(json_writer *w, const char *key, double value)
{
	json_key(w, key);
	if (isnan(value))
		json_null(w);
	else
		json_double(w, value);
}

static void
json_kv_int_or_null(json_writer *w, const char *key, long long value, bool present)
{
	json_key(w, key);
	if (present)
		json_int(w, value);
	else
		json_null(w);
}

static void
json_replication(json_writer *w, const status_replication *r)
{
	json_begin_object(w);
	json_kv_string(w, "application_name", r->application_name);
	json_kv_string(w, "client_addr", r->client_addr);
	json_kv_string(w, "state", r->state);
	json_kv_string(w, "sent_lsn", r->sent_lsn);
	json_kv_string(w, "write_lsn", r->write_lsn);
	json_kv_string(w, "flush_lsn", r->flush_lsn);
	json_kv_string(w, "replay_lsn", r->replay_lsn);
	json_kv_int_or_null(w, "lag_bytes", r->lag_bytes, r->has_lag_bytes);
	json_kv_double(w, "write_lag_s", r->write_lag_s);
	json_kv_double(w, "flush_lag_s", r->flush_lag_s);
	json_kv_double(w, "replay_lag_s", r->replay_lag_s);
	json_kv_string(w, "sync_state", r->sync_state);
	json_kv_string(w, "reply_time", r->reply_time);
	json_key(w, "idle");
	json_bool(w, status_lag_idle(r));
	json_kv_string(w, "backend_xmin", r->backend_xmin);
	json_kv_int_or_null(w, "backend_xmin_age", r->backend_xmin_age, r->backend_xmin_age >= 0);
	json_end_object(w);
}

static void
json_node(json_writer *w, const node_status *ns)
{
	const cluster_node *node = ns->node;
	bool		a = ns->answered;

	json_begin_object(w);
	json_kv_string(w, "name", node->name);
	json_kv_string(w, "configured_role", node_role_name(node->role));
	json_kv_string(w, "upstream", node->role == NODE_STANDBY ? ns->upstream_name : NULL);
	json_kv_string(w, "role", a ? status_role_name(ns->role) : NULL);
	json_kv_string(w, "host", node->host);
	json_key(w, "port");
	json_int(w, node->port);
	json_key(w, "reachable");
	json_bool(w, ns->reachable);
	json_key(w, "answered");
	json_bool(w, a);
	json_kv_double(w, "elapsed_s", ns->elapsed_s);

	json_key(w, "error");
	if (a)
		json_null(w);
	else
	{
		json_begin_object(w);
		json_kv_string(w, "kind", error_kind_name(ns->error.kind));
		json_kv_string(w, "sqlstate", ns->error.sqlstate[0] ? ns->error.sqlstate : NULL);
		json_kv_string(w, "message", ns->error.message ? ns->error.message : _("unknown error"));
		json_kv_string(w, "detail", ns->error.detail);
		json_kv_string(w, "hint", ns->error.hint);
		json_end_object(w);
	}

	json_kv_string(w, "server_version", a ? ns->server_version : NULL);
	json_kv_int_or_null(w, "server_version_num", ns->server_version_num, a);
	json_kv_string(w, "system_identifier", a ? ns->system_identifier : NULL);
	json_kv_int_or_null(w, "timeline", ns->timeline, a && ns->timeline > 0);
	json_kv_string(w, "current_lsn", a ? ns->current_lsn : NULL);
	json_kv_string(w, "receive_lsn", a ? ns->receive_lsn : NULL);
	json_kv_string(w, "replay_lsn", a ? ns->replay_lsn : NULL);
	json_kv_string(w, "last_replay", a ? ns->last_replay : NULL);

	json_key(w, "wal_receiver");
	if (a && ns->wal_receiver)
	{
		const status_wal_receiver *r = ns->wal_receiver;

		json_begin_object(w);
		json_kv_string(w, "status", r->status);
		json_kv_string(w, "sender_host", r->sender_host);
		json_kv_int_or_null(w, "sender_port", r->sender_port, r->sender_port > 0);
		json_kv_string(w, "slot_name", r->slot_name);
		json_kv_int_or_null(w, "received_tli", r->received_tli, r->received_tli > 0);
		json_kv_string(w, "last_msg_receipt", r->last_msg_receipt);
		json_kv_double(w, "last_msg_age_s", r->last_msg_age_s);
		json_end_object(w);
	}
	else
		json_null(w);

	json_key(w, "replication");
	if (a)
	{
		json_begin_array(w);
		for (int i = 0; i < ns->n_replication; i++)
			json_replication(w, &ns->replication[i]);
		json_end_array(w);
	}
	else
		json_null(w);

	json_key(w, "upstream_replication");
	if (ns->upstream_row)
		json_replication(w, ns->upstream_row);
	else
		json_null(w);

	json_key(w, "replay_paused");
	if (a && ns->role == STATUS_ROLE_STANDBY)
		json_bool(w, ns->replay_paused);
	else
		json_null(w);
	json_kv_int_or_null(w, "recovery_conflicts", ns->recovery_conflicts,
						a && ns->recovery_conflicts >= 0);
	json_key(w, "hot_standby_feedback");
	if (a)
		json_bool(w, ns->hot_standby_feedback);
	else
		json_null(w);
	json_kv_string(w, "max_slot_wal_keep_size", a ? ns->max_slot_wal_keep_size : NULL);
	json_key(w, "timeline_history");
	if (a && ns->history_known)
	{
		json_begin_array(w);
		for (int i = 0; i < ns->n_history; i++)
		{
			json_begin_object(w);
			json_kv_int_or_null(w, "timeline", ns->history[i].timeline, true);
			json_kv_int_or_null(w, "parent", ns->history[i].parent, true);
			json_kv_string(w, "switch_lsn", ns->history[i].switch_lsn);
			json_kv_string(w, "created", ns->history[i].created);
			json_end_object(w);
		}
		json_end_array(w);
	}
	else
		json_null(w);
	json_key(w, "timeline_diverged");
	if (a && ns->fork != TIMELINE_UNKNOWN)
		json_bool(w, ns->fork == TIMELINE_DIVERGED);
	else
		json_null(w);
	json_kv_string(w, "manager", a ? ns->manager : NULL);
	json_kv_string(w, "manager_evidence", a ? ns->manager_evidence : NULL);
	json_key(w, "slots");
	if (a)
	{
		json_begin_array(w);
		for (int i = 0; i < ns->n_slots; i++)
		{
			const status_slot *sl = &ns->slots[i];

			json_begin_object(w);
			json_kv_string(w, "slot_name", sl->name);
			json_kv_string(w, "slot_type", sl->type);
			json_key(w, "active");
			json_bool(w, sl->active);
			json_kv_string(w, "restart_lsn", sl->restart_lsn);
			json_kv_int_or_null(w, "retained_bytes", sl->retained_bytes, sl->retained_bytes >= 0);
			json_kv_string(w, "wal_status", sl->wal_status);
			json_kv_int_or_null(w, "safe_wal_size", sl->safe_wal_size, sl->safe_wal_size >= 0);
			json_kv_string(w, "inactive_since", sl->inactive_since);
			json_kv_string(w, "used_by", sl->standby);
			json_end_object(w);
		}
		json_end_array(w);
	}
	else
		json_null(w);
	/* the primary's room for WAL: null on other nodes and without "ssh" */
	json_key(w, "wal_disk");
	if (ns->wal_disk_known || ns->wal_disk_error)
	{
		bool		rate = ns->wal_disk_known && ns->wal_disk_rate_known;

		json_begin_object(w);
		json_kv_int_or_null(w, "free_bytes", ns->wal_disk_free, ns->wal_disk_known);
		json_kv_double(w, "growth_bytes_per_s", rate ? ns->wal_disk_growth : NAN);
		json_key(w, "growing");
		if (rate)
			json_bool(w, !isinf(ns->wal_disk_time_left));
		else
			json_null(w);
		json_kv_double(w, "time_left_s", rate && !isinf(ns->wal_disk_time_left)
					   ? ns->wal_disk_time_left : NAN);
		json_kv_string(w, "error", ns->wal_disk_error);
		json_end_object(w);
	}
	else
		json_null(w);
	json_key(w, "archiver");
	if (a)
	{
		const status_archiver *ar = &ns->archiver;

		json_begin_object(w);
		json_key(w, "enabled");
		json_bool(w, ar->enabled);
		json_key(w, "archived_count");
		json_int(w, ar->archived_count);
		json_kv_string(w, "last_archived_wal", ar->last_archived_wal);
		json_kv_string(w, "last_archived_time", ar->last_archived_time);
		json_key(w, "failed_count");
		json_int(w, ar->failed_count);
		json_kv_string(w, "last_failed_wal", ar->last_failed_wal);
		json_kv_string(w, "last_failed_time", ar->last_failed_time);
		json_kv_int_or_null(w, "ready_count", ar->ready_count, ar->ready_count >= 0);
		json_key(w, "failing");
		json_bool(w, status_archiver_failing(ar));
		json_end_object(w);
	}
	else
		json_null(w);

	json_key(w, "ssl");
	if (ns->ssl_known)
		json_bool(w, ns->ssl);
	else
		json_null(w);
	json_kv_string(w, "ssl_cert_expires", ns->ssl_known ? ns->ssl_cert_expires : NULL);
	json_kv_string(w, "client_cert_expires", ns->client_cert_expires);
	json_end_object(w);
}

static void
print_prometheus(const cluster_status *st)
{
	strbuf		out;

	strbuf_init(&out);
	status_format_prometheus(st, &out);
	fputs(out.data, stdout);
	strbuf_free(&out);
}

static void
print_json(const cluster_status *st)
{
	strbuf		out;
	json_writer w;
	char		when[32];

	strbuf_init(&out);
	json_init(&w, &out, true);
	iso_utc(st->checked_at, when, sizeof(when));

	json_begin_object(&w);
	json_kv_string(&w, "cluster", st->cluster->name);
	json_kv_string(&w, "cluster_file", st->cluster->path);
	json_kv_string(&w, "health", status_health_name(st->health));
	json_key(&w, "exit_status");
	json_int(&w, (int) st->health);
	json_kv_string(&w, "checked_at", when);
	json_kv_double(&w, "timeout_s", st->timeout_s);
	json_key(&w, "nodes");
	json_begin_array(&w);
	for (int i = 0; i < st->n_nodes; i++)
		json_node(&w, &st->nodes[i]);
	json_end_array(&w);
	json_key(&w, "problems");
	json_begin_array(&w);
	for (int i = 0; i < st->n_problems; i++)
	{
		const status_problem *p = &st->problems[i];

		json_begin_object(&w);
		json_kv_string(&w, "code", p->code);
		json_kv_string(&w, "severity", status_health_name(p->severity));
		json_kv_string(&w, "node", p->node);
		json_kv_string(&w, "message", p->message);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);

	fputs(out.data, stdout);
	fputc('\n', stdout);
	strbuf_free(&out);
}

/* ---- the command ------------------------------------------------------------- */

int
cmd_status(pgr_globals *g, int argc, char **argv)
{
	pgr_error	err = PGR_ERROR_INIT;
	enum {FORMAT_TEXT, FORMAT_JSON, FORMAT_PROMETHEUS} format = FORMAT_TEXT;
	double		timeout_s = STATUS_DEFAULT_TIMEOUT;
	cluster    *c;
	cluster_status *st;
	cli_parser	p;
	int			opt;
	int			status;

	cli_begin(&p, g, &cli_cmd_status, argc, argv);
	while ((opt = cli_next(&p)) != -1)
	{
		switch (opt)
		{
			case 'j':
				format = FORMAT_JSON;
				break;
			case 'f':
				if (strcmp(optarg, "text") == 0)
					format = FORMAT_TEXT;
				else if (strcmp(optarg, "json") == 0)
					format = FORMAT_JSON;
				else if (strcmp(optarg, "prometheus") == 0)
					format = FORMAT_PROMETHEUS;
				else
				{
					pgr_error_set(&err, PGR_ERR_INPUT,
								  _("invalid value \"%s\" for option %s"),
								  optarg, "--format");
					pgr_error_detail(&err, _("The formats are text, json and prometheus."));
					goto bad;
				}
				break;
			case 't':
				{
					char	   *end;

					timeout_s = strtod(optarg, &end);
					if (end == optarg || *end != '\0' || !isfinite(timeout_s) ||
						timeout_s <= 0 || timeout_s > STATUS_MAX_TIMEOUT)
					{
						pgr_error_set(&err, PGR_ERR_INPUT,
									  _("invalid value \"%s\" for option %s"),
									  optarg, "--timeout");
						pgr_error_detail(&err, _("The time limit is a number of seconds, more than 0 and at most %g."),
										 STATUS_MAX_TIMEOUT);
						goto bad;
					}
					break;
				}
			case 'h':
				cli_help(stdout, &cli_cmd_status);
				/* fall through */
			default:
				return cli_stop(&p, opt);
		}
	}
	if (cli_end(&p) < 0)
		return PGR_EXIT_ERROR;

	c = cluster_load(g->cluster_path, &err);
	if (!c)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return PGR_EXIT_ERROR;
	}
	st = status_collect(c, timeout_s);
	status_collect_disk(st);
	switch (format)
	{
		case FORMAT_JSON:
			print_json(st);
			break;
		case FORMAT_PROMETHEUS:
			print_prometheus(st);
			break;
		case FORMAT_TEXT:
			print_text(st);
			break;
	}
	status = (int) st->health;
	status_free(st);
	cluster_free(c);
	return status;
bad:
	cli_fail(&p, &err);
	cli_free(&p);
	return PGR_EXIT_ERROR;
}
