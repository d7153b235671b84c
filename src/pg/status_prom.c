/*
 * status_prom.c: a cluster_status in the Prometheus text exposition format
 * (version 0.0.4), for node_exporter's textfile collector or a scrape
 * wrapper ("pgreplica status --format=prometheus").
 *
 * Conventions followed (prometheus.io/docs/practices/naming): one prefix,
 * base units in the names (_bytes, _seconds, _timestamp_seconds), a HELP
 * and a TYPE line before each family, every sample of a family together,
 * the role as a 0/1 gauge per possible value rather than a string, and no
 * sample at all (rather than a made-up 0) where a value is unknown.  Label
 * values are escaped as the format requires (backslash, double quote and
 * line feed); cluster and node names are the operator's and may hold any
 * of them.
 */
#include <config.h>

#include <math.h>
#include <string.h>
#include <time.h>

#include "status.h"
#include "strbuf.h"

/* A label value, escaped for the exposition format. */
static void
append_label_value(strbuf *sb, const char *v)
{
	for (const char *p = v ? v : ""; *p; p++)
	{
		switch (*p)
		{
			case '\\':
				strbuf_append(sb, "\\\\");
				break;
			case '"':
				strbuf_append(sb, "\\\"");
				break;
			case '\n':
				strbuf_append(sb, "\\n");
				break;
			default:
				strbuf_appendf(sb, "%c", *p);
				break;
		}
	}
}

static void
family_of(strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf_appendf(sb, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
family(strbuf *sb, const char *name, const char *help)
{
	family_of(sb, name, "gauge", help);
}

/* ,KEY="VALUE" with the value escaped; nothing when KEY is NULL. */
static void
append_label(strbuf *sb, const char *key, const char *value)
{
	if (!key)
		return;
	strbuf_appendf(sb, ",%s=\"", key);
	append_label_value(sb, value);
	strbuf_append(sb, "\"");
}

/*
 * One sample: NAME{cluster="…"[,node="…"][,K1="…"][,K2="…"]} VALUE.  node,
 * k1 and k2 may be NULL.  Values are printed with %.17g, which round-trips
 * a double; integers print without a fraction.
 */
static void
sample2(strbuf *sb, const char *name, const cluster_status *st, const char *node,
		const char *k1, const char *v1, const char *k2, const char *v2, double value)
{
	strbuf_appendf(sb, "%s{cluster=\"", name);
	append_label_value(sb, st->cluster->name);
	strbuf_append(sb, "\"");
	append_label(sb, node ? "node" : NULL, node);
	append_label(sb, k1, v1);
	append_label(sb, k2, v2);
	if (isinf(value))
		strbuf_appendf(sb, "} %s\n", value > 0 ? "+Inf" : "-Inf");	/* the format's spelling */
	else
		strbuf_appendf(sb, "} %.17g\n", value);
}

static void
sample(strbuf *sb, const char *name, const cluster_status *st, const char *node,
	   const char *extra_key, const char *extra_value, double value)
{
	sample2(sb, name, st, node, extra_key, extra_value, NULL, NULL, value);
}

/* A per-slot sample: NAME{cluster,node,slot[,EXTRA]} VALUE. */
static void
slot_sample(strbuf *sb, const char *name, const cluster_status *st, const char *node,
			const char *slot, const char *extra_key, const char *extra_value, double value)
{
	sample2(sb, name, st, node, "slot", slot, extra_key, extra_value, value);
}

/* "2027-05-01T12:00:00Z" → seconds since the epoch; -1 when unreadable. */
static double
iso_to_epoch(const char *iso)
{
	struct tm	tm;
	const char *end;

	if (!iso)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end != '\0')
		return -1;
	return (double) timegm(&tm);
}

/* The cluster as a whole: health, problems, when it was checked. */
static void
cluster_metrics(const cluster_status *st, strbuf *sb)
{
	static const char *const severities[] = {"degraded", "error"};

	family(sb, "pgreplica_cluster_health",
		   "Health of the cluster as status reports it: 0 healthy, 1 degraded, 2 error.");
	sample(sb, "pgreplica_cluster_health", st, NULL, NULL, NULL, (double) st->health);

	family(sb, "pgreplica_cluster_problems",
		   "Problems found in the cluster, by severity.");
	for (int s = 0; s < 2; s++)
	{
		int			n = 0;

		for (int i = 0; i < st->n_problems; i++)
			if (st->problems[i].severity == (s == 0 ? STATUS_DEGRADED : STATUS_ERROR))
				n++;
		sample(sb, "pgreplica_cluster_problems", st, NULL, "severity", severities[s], n);
	}

	family(sb, "pgreplica_check_timestamp_seconds",
		   "When the nodes were asked, in seconds since the epoch.");
	sample(sb, "pgreplica_check_timestamp_seconds", st, NULL, NULL, NULL,
		   (double) st->checked_at);
}

/* Each node: whether and how fast it answered, its role, timeline and version. */
static void
node_metrics(const cluster_status *st, strbuf *sb)
{
	static const char *const roles[] = {"primary", "standby"};

	family(sb, "pgreplica_node_up", "Whether the node answered the status query (1) or not (0).");
	for (int i = 0; i < st->n_nodes; i++)
		sample(sb, "pgreplica_node_up", st, st->nodes[i].node->name, NULL, NULL,
			   st->nodes[i].answered ? 1 : 0);

	family(sb, "pgreplica_node_response_seconds",
		   "Time the node took to answer the status query, or to fail.");
	for (int i = 0; i < st->n_nodes; i++)
		sample(sb, "pgreplica_node_response_seconds", st, st->nodes[i].node->name,
			   NULL, NULL, st->nodes[i].elapsed_s);

	family(sb, "pgreplica_node_role",
		   "The node's role as it answered: 1 for its role, 0 for the other (no sample when it did not answer).");
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (!ns->answered || ns->role == STATUS_ROLE_UNKNOWN)
			continue;
		for (int r = 0; r < 2; r++)
			sample(sb, "pgreplica_node_role", st, ns->node->name, "role", roles[r],
				   (ns->role == STATUS_ROLE_PRIMARY) == (r == 0) ? 1 : 0);
	}

	family(sb, "pgreplica_node_timeline", "The node's current timeline.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].timeline > 0)
			sample(sb, "pgreplica_node_timeline", st, st->nodes[i].node->name, NULL, NULL,
				   st->nodes[i].timeline);

	family(sb, "pgreplica_node_server_version_num", "The node's server_version_num.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered)
			sample(sb, "pgreplica_node_server_version_num", st, st->nodes[i].node->name,
				   NULL, NULL, st->nodes[i].server_version_num);
}

/* Each standby: streaming, lag, replay paused, recovery conflicts. */
static void
standby_metrics(const cluster_status *st, strbuf *sb)
{
	family(sb, "pgreplica_standby_streaming",
		   "Whether the standby's WAL sender on its upstream is in the streaming state (1) or not (0).");
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (ns->node->role != NODE_STANDBY || !ns->upstream_name)
			continue;
		sample(sb, "pgreplica_standby_streaming", st, ns->node->name, "upstream",
			   ns->upstream_name,
			   ns->upstream_row && ns->upstream_row->state &&
			   strcmp(ns->upstream_row->state, "streaming") == 0 ? 1 : 0);
	}

	family(sb, "pgreplica_standby_lag_bytes",
		   "Bytes of WAL the upstream has written that the standby has not replayed.");
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (ns->upstream_row && ns->upstream_row->has_lag_bytes)
			sample(sb, "pgreplica_standby_lag_bytes", st, ns->node->name, "upstream",
				   ns->upstream_name, (double) ns->upstream_row->lag_bytes);
	}

	family(sb, "pgreplica_standby_replay_lag_seconds",
		   "The upstream's replay_lag for the standby (pg_stat_replication).");
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (ns->upstream_row && !isnan(ns->upstream_row->replay_lag_s))
			sample(sb, "pgreplica_standby_replay_lag_seconds", st, ns->node->name,
				   "upstream", ns->upstream_name, ns->upstream_row->replay_lag_s);
	}

	family(sb, "pgreplica_standby_replay_paused", "Whether the standby's replay is paused.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].role == STATUS_ROLE_STANDBY)
			sample(sb, "pgreplica_standby_replay_paused", st, st->nodes[i].node->name,
				   NULL, NULL, st->nodes[i].replay_paused ? 1 : 0);

	family_of(sb, "pgreplica_standby_recovery_conflicts_total", "counter",
			  "Queries the standby cancelled because of recovery conflicts.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].recovery_conflicts >= 0)
			sample(sb, "pgreplica_standby_recovery_conflicts_total", st,
				   st->nodes[i].node->name, NULL, NULL,
				   (double) st->nodes[i].recovery_conflicts);
}

/* Each replication slot of each node. */
static void
slot_metrics(const cluster_status *st, strbuf *sb)
{
	family(sb, "pgreplica_slot_retained_bytes",
		   "WAL a replication slot keeps on the node, from its restart_lsn.");
	for (int i = 0; i < st->n_nodes; i++)
		for (int k = 0; st->nodes[i].answered && k < st->nodes[i].n_slots; k++)
		{
			const status_slot *sl = &st->nodes[i].slots[k];

			if (sl->retained_bytes >= 0)
				slot_sample(sb, "pgreplica_slot_retained_bytes", st, st->nodes[i].node->name,
							sl->name, NULL, NULL, (double) sl->retained_bytes);
		}

	family(sb, "pgreplica_slot_active", "Whether a process uses the replication slot.");
	for (int i = 0; i < st->n_nodes; i++)
		for (int k = 0; st->nodes[i].answered && k < st->nodes[i].n_slots; k++)
			slot_sample(sb, "pgreplica_slot_active", st, st->nodes[i].node->name,
						st->nodes[i].slots[k].name, NULL, NULL,
						st->nodes[i].slots[k].active ? 1 : 0);

	family(sb, "pgreplica_slot_in_cluster",
		   "Whether a node of the cluster file uses the slot (0: orphaned).");
	for (int i = 0; i < st->n_nodes; i++)
		for (int k = 0; st->nodes[i].answered && k < st->nodes[i].n_slots; k++)
			slot_sample(sb, "pgreplica_slot_in_cluster", st, st->nodes[i].node->name,
						st->nodes[i].slots[k].name, NULL, NULL,
						st->nodes[i].slots[k].standby ? 1 : 0);

	family(sb, "pgreplica_slot_wal_status",
		   "The slot's wal_status: 1 for its value, 0 for the others (PostgreSQL 13 and later).");
	for (int i = 0; i < st->n_nodes; i++)
		for (int k = 0; st->nodes[i].answered && k < st->nodes[i].n_slots; k++)
		{
			static const char *const states[] = {"reserved", "extended", "unreserved", "lost"};
			const status_slot *sl = &st->nodes[i].slots[k];

			if (!sl->wal_status)
				continue;
			for (int v = 0; v < 4; v++)
				slot_sample(sb, "pgreplica_slot_wal_status", st, st->nodes[i].node->name,
							sl->name, "wal_status", states[v],
							strcmp(sl->wal_status, states[v]) == 0 ? 1 : 0);
		}
}

/* The file system of each node's pg_wal. */
static void
wal_disk_metrics(const cluster_status *st, strbuf *sb)
{
	family(sb, "pgreplica_wal_disk_free_bytes",
		   "Free bytes of the file system holding the primary's pg_wal (read through its ssh).");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].wal_disk_known)
			sample(sb, "pgreplica_wal_disk_free_bytes", st, st->nodes[i].node->name,
				   NULL, NULL, (double) st->nodes[i].wal_disk_free);

	family(sb, "pgreplica_wal_disk_growth_bytes_per_second",
		   "How fast the largest WAL retention of the node's slots grows (slope over recent samples).");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].wal_disk_known && st->nodes[i].wal_disk_rate_known)
			sample(sb, "pgreplica_wal_disk_growth_bytes_per_second", st, st->nodes[i].node->name,
				   NULL, NULL, st->nodes[i].wal_disk_growth);

	family(sb, "pgreplica_wal_disk_full_seconds",
		   "Seconds until pg_wal's file system is full at that growth (+Inf: not growing).");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].wal_disk_known && st->nodes[i].wal_disk_rate_known)
			sample(sb, "pgreplica_wal_disk_full_seconds", st, st->nodes[i].node->name,
				   NULL, NULL, st->nodes[i].wal_disk_time_left);
}

/* WAL archiving, where it is on. */
static void
archiver_metrics(const cluster_status *st, strbuf *sb)
{
	family_of(sb, "pgreplica_archiver_archived_total", "counter",
			  "WAL files archived (pg_stat_archiver), where archiving is on.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].archiver.enabled)
			sample(sb, "pgreplica_archiver_archived_total", st, st->nodes[i].node->name,
				   NULL, NULL, (double) st->nodes[i].archiver.archived_count);

	family_of(sb, "pgreplica_archiver_failed_total", "counter",
			  "Failed attempts to archive a WAL file (pg_stat_archiver).");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].archiver.enabled)
			sample(sb, "pgreplica_archiver_failed_total", st, st->nodes[i].node->name,
				   NULL, NULL, (double) st->nodes[i].archiver.failed_count);

	family(sb, "pgreplica_archiver_failing",
		   "Whether the last attempt to archive failed.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].archiver.enabled)
			sample(sb, "pgreplica_archiver_failing", st, st->nodes[i].node->name,
				   NULL, NULL, status_archiver_failing(&st->nodes[i].archiver) ? 1 : 0);

	family(sb, "pgreplica_archiver_ready_files",
		   "WAL files waiting to be archived (PostgreSQL 12 and later).");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered && st->nodes[i].archiver.enabled &&
			st->nodes[i].archiver.ready_count >= 0)
			sample(sb, "pgreplica_archiver_ready_files", st, st->nodes[i].node->name,
				   NULL, NULL, (double) st->nodes[i].archiver.ready_count);
}

/* SSL and certificate expiry. */
static void
ssl_metrics(const cluster_status *st, strbuf *sb)
{
	family(sb, "pgreplica_node_ssl", "Whether pgreplica's own connection to the node uses SSL.");
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].ssl_known)
			sample(sb, "pgreplica_node_ssl", st, st->nodes[i].node->name, NULL, NULL,
				   st->nodes[i].ssl ? 1 : 0);

	family(sb, "pgreplica_client_certificate_expiry_timestamp_seconds",
		   "When the standby's client certificate for replication (replication_auth = cert or scram+cert) expires.");
	for (int i = 0; i < st->n_nodes; i++)
	{
		double		t = iso_to_epoch(st->nodes[i].client_cert_expires);

		if (t >= 0)
			sample(sb, "pgreplica_client_certificate_expiry_timestamp_seconds", st,
				   st->nodes[i].node->name, NULL, NULL, t);
	}

	family(sb, "pgreplica_ssl_certificate_expiry_timestamp_seconds",
		   "When the server certificate the node presents expires, in seconds since the epoch.");
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];
		double		t = ns->ssl_known ? iso_to_epoch(ns->ssl_cert_expires) : -1;

		if (t >= 0)
			sample(sb, "pgreplica_ssl_certificate_expiry_timestamp_seconds", st,
				   ns->node->name, NULL, NULL, t);
	}
}

void
status_format_prometheus(const cluster_status *st, strbuf *sb)
{
	cluster_metrics(st, sb);
	node_metrics(st, sb);
	standby_metrics(st, sb);
	slot_metrics(st, sb);
	wal_disk_metrics(st, sb);
	archiver_metrics(st, sb);
	ssl_metrics(st, sb);
}
