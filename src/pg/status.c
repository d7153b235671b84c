/*
 * status.c: collect the state of every node in parallel, judge the health.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bytes.h"
#include "clock.h"
#include "i18n.h"
#include "lsn.h"
#include "pgconn.h"
#include "status.h"
#include "status_disk.h"
#include "status_patroni.h"
#include "strbuf.h"

/* ---- the query -------------------------------------------------------------- */

/* A timestamptz as ISO 8601 in UTC, e.g. 2024-05-01T12:00:00.123Z */
#define ISO_UTC(expr) \
	"to_char((" expr ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')"

/*
 * Statement 1, the node: 9 columns, one row.  The timeline of a primary is
 * the one of its current WAL file; a standby's is the one it receives, else
 * the one of its last restartpoint.
 */
#define NODE_COLUMNS 9
static const char node_sql[] =
"SELECT pg_is_in_recovery(),\n"
"       current_setting('server_version_num')::int,\n"
"       current_setting('server_version'),\n"
"       (SELECT system_identifier FROM pg_control_system())::text,\n"
"       CASE WHEN pg_is_in_recovery()\n"
"            THEN coalesce((SELECT nullif(received_tli, 0)\n"
"                             FROM pg_stat_wal_receiver WHERE pid IS NOT NULL),\n"
"                          (pg_control_checkpoint()).timeline_id)\n"
"            ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int\n"
"       END,\n"
"       CASE WHEN NOT pg_is_in_recovery() THEN pg_current_wal_lsn() END,\n"
"       pg_last_wal_receive_lsn(),\n"
"       pg_last_wal_replay_lsn(),\n"
"       " ISO_UTC("pg_last_xact_replay_timestamp()") ";\n";

/*
 * Statement 2, the WAL senders: 15 columns.  The lag in bytes is measured
 * from what the sender has (current LSN on a primary, received LSN on a
 * cascading standby).  %s: reply_time where the server has it.  Last, the
 * xmin the standby holds back here (hot_standby_feedback) and its age in
 * transactions: the WAL sender's own, or its slot's when it streams
 * through one (the server then keeps it there instead).
 */
#define REPLICATION_COLUMNS 15
static const char replication_sql[] =
"SELECT application_name, host(client_addr), state,\n"
"       sent_lsn, write_lsn, flush_lsn, replay_lsn,\n"
"       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()\n"
"                            ELSE pg_current_wal_lsn() END, replay_lsn)::bigint,\n"
"       extract(epoch FROM write_lag), extract(epoch FROM flush_lag),\n"
"       extract(epoch FROM replay_lag), sync_state, %s,\n"
"       coalesce(r.backend_xmin, s.xmin)::text, age(coalesce(r.backend_xmin, s.xmin))\n"
"  FROM pg_stat_replication r LEFT JOIN pg_replication_slots s ON s.active_pid = r.pid\n"
" ORDER BY application_name, pid;\n";

/*
 * Statement 3, the WAL receiver: 7 columns, zero or one row; the last is
 * how long ago its last message from the sender came (the sender writes at
 * least every wal_sender_timeout / 2 when idle: a large figure is a stuck
 * or cut connection).  sender_host
 * and sender_port exist from PostgreSQL 11 on: read through to_jsonb() they
 * are NULL on a server without them, so the statement is the same for
 * every version.
 */
#define WAL_RECEIVER_COLUMNS 7
static const char wal_receiver_sql[] =
"SELECT status, to_jsonb(w) ->> 'sender_host',\n"
"       (to_jsonb(w) ->> 'sender_port')::int, slot_name,\n"
"       nullif(received_tli, 0), " ISO_UTC("last_msg_receipt_time") ",\n"
"       extract(epoch FROM clock_timestamp() - last_msg_receipt_time)\n"
"  FROM pg_stat_wal_receiver w WHERE pid IS NOT NULL";

/*
 * Statement 4, what watching needs besides: 8 columns, one row.  Replay
 * paused (only a standby can be asked), synchronous_standby_names,
 * archiving on, max_slot_wal_keep_size where the server has it,
 * hot_standby_feedback, a standby's queries cancelled by recovery
 * conflicts, and the cluster manager that runs the node, if any, with what
 * gave it away (its name, then the evidence; both NULL when none).
 *
 * A cluster manager is recognised by what it leaves on the server, the
 * first match winning: pg_auto_failover by its extension (the monitor) or
 * its pgautofailover_standby_N slots and pg_autoctl sessions; repmgr by its
 * extension, schema or database, or repmgr in shared_preload_libraries
 * (repmgrd needs it; read from pg_settings, which leaves out, rather
 * than refuses, what a lesser role may not see); Patroni by its sessions ("Patroni heartbeat", ...) or
 * the patroni.dynamic.json it writes into the data directory.  That file
 * is looked for only on a superuser's connection: the server checks the
 * right to call pg_stat_file() when it starts the statement, even in a
 * branch never taken, so for a lesser role the statement must not name
 * it at all.  %s: the Patroni file's row or nothing; then
 * max_slot_wal_keep_size or NULL.
 */
#define EXTRA_COLUMNS 8
static const char extra_patroni_file_sql[] =
"  UNION ALL SELECT 9, 'patroni', 'patroni.dynamic.json'\n"
"   WHERE (pg_stat_file('patroni.dynamic.json', true)).size IS NOT NULL\n";
static const char extra_sql[] =
";\n"
"WITH manager(rank, name, evidence) AS (\n"
"  SELECT 1, 'pg_auto_failover', 'extension pgautofailover'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgautofailover')\n"
"  UNION ALL SELECT 2, 'pg_auto_failover', 'slot ' || min(slot_name::text)\n"
"    FROM pg_replication_slots WHERE slot_name::text LIKE 'pgautofailover\\_standby\\_%%'\n"
"  HAVING count(*) > 0\n"
"  UNION ALL SELECT 3, 'pg_auto_failover', 'application_name pg_autoctl'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name LIKE 'pg\\_autoctl%%')\n"
"  UNION ALL SELECT 4, 'repmgr', 'extension repmgr'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'repmgr')\n"
"  UNION ALL SELECT 5, 'repmgr', 'schema repmgr'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'repmgr')\n"
"  UNION ALL SELECT 6, 'repmgr', 'shared_preload_libraries'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_settings WHERE name = 'shared_preload_libraries'\n"
"                    AND setting ~ '(^|[\\s,\"])repmgr')\n"
"  UNION ALL SELECT 7, 'repmgr', 'database repmgr'\n"
"   WHERE EXISTS (SELECT 1 FROM pg_database WHERE datname = 'repmgr')\n"
"  UNION ALL SELECT 8, 'patroni', 'application_name ' || min(application_name)\n"
"    FROM pg_stat_activity WHERE application_name LIKE 'Patroni%%'\n"
"  HAVING count(*) > 0\n"
"%s)\n"
"SELECT CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END,\n"
"       current_setting('synchronous_standby_names'),\n"
"       current_setting('archive_mode') IN ('on', 'always'),\n"
"       %s,\n"
"       current_setting('hot_standby_feedback')::bool,\n"
"       CASE WHEN pg_is_in_recovery()\n"
"            THEN (SELECT coalesce(sum(confl_tablespace + confl_lock + confl_snapshot\n"
"                                      + confl_bufferpin + confl_deadlock), 0)::bigint\n"
"                    FROM pg_stat_database_conflicts) END,\n"
"       (SELECT name FROM manager ORDER BY rank LIMIT 1),\n"
"       (SELECT evidence FROM manager ORDER BY rank LIMIT 1);\n";

/*
 * Statement 5, the slots: 8 columns.  The WAL each one retains is measured
 * like the replication lag (from what the node has); wal_status,
 * safe_wal_size and inactive_since where the server has them.
 */
#define SLOT_COLUMNS 8
static const char slot_sql[] =
"SELECT slot_name, slot_type, active, restart_lsn,\n"
"       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()\n"
"                            ELSE pg_current_wal_lsn() END, restart_lsn)::bigint,\n"
"       %s, %s, %s\n"
"  FROM pg_replication_slots ORDER BY slot_name;\n";

/*
 * Statement 6, archiving: 7 columns, one row: pg_stat_archiver, and the
 * .ready files waiting in pg_wal/archive_status where the server can list
 * them (12 and later) and the role may (a superuser: the right to call
 * pg_ls_archive_statusdir() is checked even where it is not called).
 */
#define ARCHIVER_COLUMNS 7
static const char archiver_sql[] =
"SELECT archived_count, last_archived_wal, " ISO_UTC("last_archived_time") ",\n"
"       failed_count, last_failed_wal, " ISO_UTC("last_failed_time") ", %s\n"
"  FROM pg_stat_archiver";

/*
 * Statement 7, the timeline history: 3 columns, a row per history file in
 * pg_wal (name, modification time, and the text of the newest, which
 * holds the whole lineage).  Listing and reading files takes a superuser
 * (the right to call them is checked even where they are not called): for
 * a lesser role the statement returns nothing.
 */
#define HISTORY_COLUMNS 3
static const char history_sql[] =
";\n"
"SELECT h.name, " ISO_UTC("s.modification") ",\n"
"       CASE WHEN h.name = max(h.name) OVER () THEN pg_read_file('pg_wal/' || h.name) END\n"
"  FROM pg_ls_dir('pg_wal') AS h(name),\n"
"       LATERAL pg_stat_file('pg_wal/' || h.name, true) AS s\n"
" WHERE h.name ~ '^[0-9A-F]{8}\\.history$' ORDER BY h.name";
static const char history_none_sql[] =
";\n"
"SELECT NULL::text, NULL::text, NULL::text WHERE false";

#define STATUS_STATEMENTS 7

char *
status_query(const pg_version_facts *facts, bool superuser)
{
	strbuf		sb;
	char	   *sql;

	strbuf_init(&sb);
	strbuf_append(&sb, node_sql);
	strbuf_appendf(&sb, replication_sql,
				   facts && facts->replication_reply_time
				   ? ISO_UTC("reply_time") : "NULL::text");
	strbuf_append(&sb, wal_receiver_sql);
	strbuf_appendf(&sb, extra_sql,
				   superuser ? extra_patroni_file_sql : "",
				   facts && facts->slot_wal_status
				   ? "current_setting('max_slot_wal_keep_size')" : "NULL::text");
	strbuf_appendf(&sb, slot_sql,
				   facts && facts->slot_wal_status ? "wal_status" : "NULL::text",
				   facts && facts->slot_wal_status ? "safe_wal_size" : "NULL::bigint",
				   facts && facts->slot_inactive_since
				   ? ISO_UTC("inactive_since") : "NULL::text");
	strbuf_appendf(&sb, archiver_sql,
				   facts && facts->ls_archive_statusdir && superuser
				   ? "(SELECT count(*) FROM pg_ls_archive_statusdir()"
				   " WHERE right(name, 6) = '.ready')" : "NULL::bigint");
	strbuf_append(&sb, superuser ? history_sql : history_none_sql);
	sql = strbuf_detach(&sb);
	strbuf_free(&sb);			/* detach leaves a fresh buffer behind */
	return sql;
}

/* ---- reading the results --------------------------------------------------- */

static char *
dup_value(const PGresult *res, int row, int col)
{
	return pgr_strdup(pgconn_value(res, row, col));
}

static int
int_value(const PGresult *res, int row, int col)
{
	const char *v = pgconn_value(res, row, col);

	return v ? atoi(v) : 0;
}

static double
double_value(const PGresult *res, int row, int col)
{
	const char *v = pgconn_value(res, row, col);

	return v ? strtod(v, NULL) : NAN;
}

static void
free_replication(status_replication *r)
{
	free(r->application_name);
	free(r->client_addr);
	free(r->state);
	free(r->sent_lsn);
	free(r->write_lsn);
	free(r->flush_lsn);
	free(r->replay_lsn);
	free(r->sync_state);
	free(r->reply_time);
	free(r->backend_xmin);
}

static void
free_wal_receiver(status_wal_receiver *w)
{
	if (!w)
		return;
	free(w->status);
	free(w->sender_host);
	free(w->slot_name);
	free(w->last_msg_receipt);
	free(w);
}

static void
free_slots(node_status *ns)
{
	for (int i = 0; i < ns->n_slots; i++)
	{
		free(ns->slots[i].name);
		free(ns->slots[i].type);
		free(ns->slots[i].restart_lsn);
		free(ns->slots[i].wal_status);
		free(ns->slots[i].inactive_since);
	}
	free(ns->slots);
	ns->slots = NULL;
	ns->n_slots = 0;
}

static void
free_archiver(status_archiver *a)
{
	free(a->last_archived_wal);
	free(a->last_archived_time);
	free(a->last_failed_wal);
	free(a->last_failed_time);
	memset(a, 0, sizeof(*a));
	a->ready_count = -1;
}

/* notAfter of a certificate, as "YYYY-MM-DDTHH:MM:SSZ" (malloc'd) or NULL. */
static char *
cert_not_after(X509 *x)
{
	struct tm	tm;
	char		buf[32];

	if (x && ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 &&
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
		return pgr_strdup(buf);
	return NULL;
}

/*
 * A standby's client certificate (replication_auth = cert, scram+cert):
 * when the copy apply kept in the operator's directory expires.
 */
static void
client_cert_expiry(const cluster *c, node_status *ns)
{
	char	   *path;
	FILE	   *f;
	X509	   *x;

	free(ns->client_cert_expires);
	ns->client_cert_expires = NULL;
	if (!c->ssl || c->replication_auth == REPLICATION_AUTH_SCRAM ||
		ns->node->role != NODE_STANDBY)
		return;
	path = cluster_client_cert_copy_path(c, ns->node->name);
	f = fopen(path, "re");
	free(path);
	if (!f)
		return;
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ns->client_cert_expires = cert_not_after(x);
	X509_free(x);
}

void
status_node_set_ssl(node_status *ns, PGconn *conn)
{
	SSL		   *ssl;
	X509	   *x = NULL;

	free(ns->ssl_cert_expires);
	ns->ssl_cert_expires = NULL;
	ns->ssl_known = conn != NULL && PQstatus(conn) == CONNECTION_OK;
	ns->ssl = ns->ssl_known && PQsslInUse(conn);
	if (!ns->ssl)
		return;
	ssl = PQsslStruct(conn, "OpenSSL");
	if (ssl)
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
		x = SSL_get1_peer_certificate(ssl);
#else
		x = SSL_get_peer_certificate(ssl);
#endif
	if (x)
	{
		struct tm	tm;
		char		buf[32];

		if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) == 1 &&
			strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0)
			ns->ssl_cert_expires = pgr_strdup(buf);
		X509_free(x);
	}
}

void
status_node_reset(node_status *ns)
{
	ns->answered = false;
	ns->role = STATUS_ROLE_UNKNOWN;
	ns->server_version_num = 0;
	ns->timeline = 0;
	free(ns->server_version);
	free(ns->system_identifier);
	free(ns->current_lsn);
	free(ns->receive_lsn);
	free(ns->replay_lsn);
	free(ns->last_replay);
	ns->server_version = ns->system_identifier = NULL;
	ns->current_lsn = ns->receive_lsn = ns->replay_lsn = ns->last_replay = NULL;
	free_wal_receiver(ns->wal_receiver);
	ns->wal_receiver = NULL;
	for (int i = 0; i < ns->n_replication; i++)
		free_replication(&ns->replication[i]);
	free(ns->replication);
	ns->replication = NULL;
	ns->n_replication = 0;
	ns->upstream_row = NULL;
	ns->upstream_name = NULL;
	ns->replay_paused = false;
	ns->hot_standby_feedback = false;
	ns->recovery_conflicts = -1;
	free(ns->sync_standby_names);
	free(ns->max_slot_wal_keep_size);
	ns->sync_standby_names = ns->max_slot_wal_keep_size = NULL;
	free(ns->manager);
	free(ns->manager_evidence);
	ns->manager = ns->manager_evidence = NULL;
	free_slots(ns);
	free_archiver(&ns->archiver);
	timeline_free(ns->history, ns->n_history);
	ns->history = NULL;
	ns->n_history = 0;
	ns->history_known = false;
	ns->fork = TIMELINE_UNKNOWN;
}

static long long
ll_value(const PGresult *res, int row, int col, long long if_null)
{
	const char *v = pgconn_value(res, row, col);

	return v ? strtoll(v, NULL, 10) : if_null;
}

static bool
bool_value(const PGresult *res, int row, int col)
{
	const char *v = pgconn_value(res, row, col);

	return v && v[0] == 't';
}

/*
 * The promotions from the newest history file, each dated by its own
 * file.  A file the server lists is there: a role that may not list them
 * gets no row and the history stays unknown.
 */
static void
parse_history(node_status *ns, const PGresult *res)
{
	int			rows = PQntuples(res);
	const char *text = rows > 0 ? pgconn_value(res, rows - 1, 2) : NULL;
	const char *newest = rows > 0 ? pgconn_value(res, rows - 1, 0) : NULL;

	ns->history_known = ns->superuser;
	if (!newest || !text)
		return;
	if (timeline_parse(text, (int) strtol(newest, NULL, 16), &ns->history, &ns->n_history) < 0)
	{
		ns->history_known = false;
		return;
	}
	for (int i = 0; i < ns->n_history; i++)
		for (int r = 0; r < rows; r++)
			if (pgconn_value(res, r, 0) &&
				(int) strtol(pgconn_value(res, r, 0), NULL, 16) == ns->history[i].timeline)
				ns->history[i].created = dup_value(res, r, 1);
}

int
status_parse(node_status *ns, PGresult *const *results, int n, pgr_error *err)
{
	static const struct
	{
		const char *what;
		int			ntuples;
		int			nfields;
	}			expect[STATUS_STATEMENTS] = {
		{N_("server state"), 1, NODE_COLUMNS},
		{"pg_stat_replication", -1, REPLICATION_COLUMNS},
		{"pg_stat_wal_receiver", -1, WAL_RECEIVER_COLUMNS},
		{N_("server state"), 1, EXTRA_COLUMNS},
		{"pg_replication_slots", -1, SLOT_COLUMNS},
		{"pg_stat_archiver", 1, ARCHIVER_COLUMNS},
		{N_("timeline history"), -1, HISTORY_COLUMNS},
	};
	const char *name = ns->node ? ns->node->name : "?";
	const PGresult *res;

	status_node_reset(ns);
	for (int i = 0; i < STATUS_STATEMENTS; i++)
	{
		if (pgconn_check_result(i < n ? results[i] : NULL, PGRES_TUPLES_OK,
								expect[i].ntuples, expect[i].nfields,
								name, _(expect[i].what), err) < 0)
			return -1;
	}
	if (PQntuples(results[2]) > 1)
		return pgr_error_set(err, PGR_ERR_GENERIC,
							 _("unexpected result from query \"%s\" on node \"%s\""),
							 "pg_stat_wal_receiver", name);

	res = results[0];
	{
		const char *rec = pgconn_value(res, 0, 0);

		ns->role = rec && rec[0] == 't' ? STATUS_ROLE_STANDBY : STATUS_ROLE_PRIMARY;
	}
	ns->server_version_num = int_value(res, 0, 1);
	ns->server_version = dup_value(res, 0, 2);
	ns->system_identifier = dup_value(res, 0, 3);
	ns->timeline = int_value(res, 0, 4);
	ns->current_lsn = dup_value(res, 0, 5);
	ns->receive_lsn = dup_value(res, 0, 6);
	ns->replay_lsn = dup_value(res, 0, 7);
	ns->last_replay = dup_value(res, 0, 8);

	res = results[1];
	ns->n_replication = PQntuples(res);
	ns->replication = pgr_calloc((size_t) (ns->n_replication ? ns->n_replication : 1),
								 sizeof(status_replication));
	for (int r = 0; r < ns->n_replication; r++)
	{
		status_replication *s = &ns->replication[r];
		const char *lag = pgconn_value(res, r, 7);

		s->application_name = dup_value(res, r, 0);
		s->client_addr = dup_value(res, r, 1);
		s->state = dup_value(res, r, 2);
		s->sent_lsn = dup_value(res, r, 3);
		s->write_lsn = dup_value(res, r, 4);
		s->flush_lsn = dup_value(res, r, 5);
		s->replay_lsn = dup_value(res, r, 6);
		s->has_lag_bytes = lag != NULL;
		s->lag_bytes = lag ? strtoll(lag, NULL, 10) : 0;
		s->write_lag_s = double_value(res, r, 8);
		s->flush_lag_s = double_value(res, r, 9);
		s->replay_lag_s = double_value(res, r, 10);
		s->sync_state = dup_value(res, r, 11);
		s->reply_time = dup_value(res, r, 12);
		s->backend_xmin = dup_value(res, r, 13);
		s->backend_xmin_age = ll_value(res, r, 14, -1);
	}

	res = results[2];
	if (PQntuples(res) == 1)
	{
		status_wal_receiver *w = pgr_calloc(1, sizeof(*w));

		w->status = dup_value(res, 0, 0);
		w->sender_host = dup_value(res, 0, 1);
		w->sender_port = int_value(res, 0, 2);
		w->slot_name = dup_value(res, 0, 3);
		w->received_tli = int_value(res, 0, 4);
		w->last_msg_receipt = dup_value(res, 0, 5);
		w->last_msg_age_s = double_value(res, 0, 6);
		ns->wal_receiver = w;
	}

	res = results[3];
	ns->replay_paused = bool_value(res, 0, 0);
	ns->sync_standby_names = pgr_strdup(pgconn_value(res, 0, 1) ? pgconn_value(res, 0, 1) : "");
	ns->archiver.enabled = bool_value(res, 0, 2);
	ns->max_slot_wal_keep_size = dup_value(res, 0, 3);
	ns->hot_standby_feedback = bool_value(res, 0, 4);
	ns->recovery_conflicts = ll_value(res, 0, 5, -1);
	ns->manager = dup_value(res, 0, 6);
	ns->manager_evidence = dup_value(res, 0, 7);

	res = results[4];
	ns->n_slots = PQntuples(res);
	ns->slots = pgr_calloc((size_t) (ns->n_slots ? ns->n_slots : 1), sizeof(status_slot));
	for (int r = 0; r < ns->n_slots; r++)
	{
		status_slot *sl = &ns->slots[r];

		sl->name = dup_value(res, r, 0);
		sl->type = dup_value(res, r, 1);
		sl->active = bool_value(res, r, 2);
		sl->restart_lsn = dup_value(res, r, 3);
		sl->retained_bytes = ll_value(res, r, 4, -1);
		sl->wal_status = dup_value(res, r, 5);
		sl->safe_wal_size = ll_value(res, r, 6, -1);
		sl->inactive_since = dup_value(res, r, 7);
	}

	res = results[5];
	ns->archiver.archived_count = ll_value(res, 0, 0, 0);
	ns->archiver.last_archived_wal = dup_value(res, 0, 1);
	ns->archiver.last_archived_time = dup_value(res, 0, 2);
	ns->archiver.failed_count = ll_value(res, 0, 3, 0);
	ns->archiver.last_failed_wal = dup_value(res, 0, 4);
	ns->archiver.last_failed_time = dup_value(res, 0, 5);
	ns->archiver.ready_count = ll_value(res, 0, 6, -1);

	res = results[6];
	parse_history(ns, res);

	ns->answered = true;
	return 0;
}

bool
status_lag_idle(const status_replication *r)
{
	/*
	 * Nothing to replay: the primary wrote nothing since.  replay_lag then
	 * keeps its last measure, and the age of the last replayed transaction
	 * grows with the primary's idleness: neither is a delay.
	 */
	return r && r->has_lag_bytes && r->lag_bytes == 0;
}

bool
status_archiver_failing(const status_archiver *a)
{
	/*
	 * The last attempt failed: a failure later than the last success (ISO
	 * 8601 in UTC compares as text), or failures and no success at all.
	 */
	if (!a->enabled || a->failed_count == 0 || !a->last_failed_time)
		return false;
	return !a->last_archived_time || strcmp(a->last_failed_time, a->last_archived_time) > 0;
}

/* ---- collecting ---------------------------------------------------------- */

cluster_status *
status_collect(const cluster *c, double timeout_s)
{
	cluster_status *st = pgr_calloc(1, sizeof(*st));
	int			n = c->n_nodes;
	pgconn	   *pcs = pgr_calloc((size_t) (n ? n : 1), sizeof(pgconn));
	pgconn	  **list = pgr_calloc((size_t) (n ? n : 1), sizeof(pgconn *));
	bool	   *sent = pgr_calloc((size_t) (n ? n : 1), sizeof(bool));
	bool	   *finished = pgr_calloc((size_t) (n ? n : 1), sizeof(bool));
	const pgconn_options opt = {.read_only = true};
	int64_t		start = pgr_now_ms();

	st->cluster = c;
	st->checked_at = time(NULL);
	st->timeout_s = timeout_s;
	st->n_nodes = n;
	st->nodes = pgr_calloc((size_t) (n ? n : 1), sizeof(node_status));

	for (int i = 0; i < n; i++)
	{
		st->nodes[i].node = &c->nodes[i];
		client_cert_expiry(c, &st->nodes[i]);
		pgconn_init(&pcs[i], c, &c->nodes[i]);
		list[i] = &pcs[i];
		pgconn_start(&pcs[i], &opt, timeout_s);
	}

	for (;;)
	{
		bool		waiting = false;

		for (int i = 0; i < n; i++)
		{
			node_status *ns = &st->nodes[i];
			pgconn	   *pc = &pcs[i];

			if (pc->state == PGCONN_READY && !sent[i])
			{
				const pg_version_facts *facts;

				sent[i] = true;
				ns->reachable = true;
				status_node_set_ssl(ns, pc->conn);
				facts = pgconn_version_facts(pc, &ns->error);
				if (facts)
				{
					char	   *sql;

					ns->superuser = pgconn_is_superuser(pc->conn);
					sql = status_query(facts, ns->superuser);

					pgconn_send(pc, sql, 0);
					free(sql);
				}
				else
					pgconn_close(pc);
			}
			if (!finished[i] && !pgconn_waiting(pc) && pc->state != PGCONN_READY)
			{
				finished[i] = true;
				ns->elapsed_s = (double) (pgr_now_ms() - start) / 1000.0;
			}
			if (pgconn_waiting(pc))
				waiting = true;
		}
		if (!waiting)
			break;
		pgconn_poll_once(list, n, -1);
	}

	for (int i = 0; i < n; i++)
	{
		node_status *ns = &st->nodes[i];
		pgconn	   *pc = &pcs[i];

		if (pc->state == PGCONN_DONE)
			status_parse(ns, pc->results, pc->n_results, &ns->error);
		else if (pc->state == PGCONN_FAILED)
		{
			pgr_error_clear(&ns->error);
			ns->error = pc->err;
			memset(&pc->err, 0, sizeof(pc->err));
		}
		pgconn_free(pc);
	}
	free(pcs);
	free(list);
	free(sent);
	free(finished);
	/*
	 * Patroni, asked of its REST API: its own word is the best evidence,
	 * before what it leaves on the server
	 */
	for (int i = 0; i < n; i++)
		if (st->nodes[i].answered)
			status_patroni_apply(&st->nodes[i], c->patroni_port,
								 timeout_s < 1 ? (int) (timeout_s * 1000) : 1000);
	status_evaluate(st);
	return st;
}

void
status_collect_disk(cluster_status *st)
{
	for (int i = 0; i < st->n_nodes; i++)
		status_disk_measure(st->cluster, &st->nodes[i], st->timeout_s);
	status_evaluate(st);
}

void
status_patroni_apply(node_status *ns, int port, int timeout_ms)
{
	char	   *evidence;

	if (port > 0 && status_patroni_probe(ns->node->host, port, timeout_ms, &evidence))
		status_set_manager(ns, "patroni", evidence);
}

void
status_set_manager(node_status *ns, const char *manager, char *evidence)
{
	free(ns->manager);
	free(ns->manager_evidence);
	ns->manager = pgr_strdup(manager);
	ns->manager_evidence = evidence;
}

/* ---- judging ----------------------------------------------------------------- */

static void
add_problem(cluster_status *st, status_health severity, const char *code,
			const char *node, const char *fmt,...) PGR_PRINTF(5, 6);

static void
add_problem(cluster_status *st, status_health severity, const char *code,
			const char *node, const char *fmt,...)
{
	va_list		ap;
	status_problem *p;

	st->problems = pgr_realloc(st->problems,
							   sizeof(status_problem) * (size_t) (st->n_problems + 1));
	p = &st->problems[st->n_problems++];
	p->severity = severity;
	p->code = code;
	p->node = node;
	va_start(ap, fmt);
	p->message = pgr_vasprintf(fmt, ap);
	va_end(ap);
	if (severity > st->health)
		st->health = severity;
}

static void
clear_problems(cluster_status *st)
{
	for (int i = 0; i < st->n_problems; i++)
		free(st->problems[i].message);
	free(st->problems);
	st->problems = NULL;
	st->n_problems = 0;
	st->health = STATUS_HEALTHY;
}

static node_status *
find_status(cluster_status *st, const char *name)
{
	if (!name)
		return NULL;
	for (int i = 0; i < st->n_nodes; i++)
		if (strcmp(st->nodes[i].node->name, name) == 0)
			return &st->nodes[i];
	return NULL;
}

/* The row of `name` among a node's WAL senders, a streaming one first. */
static const status_replication *
find_row(const node_status *ns, const char *name)
{
	const status_replication *found = NULL;

	for (int i = 0; i < ns->n_replication; i++)
	{
		const status_replication *r = &ns->replication[i];

		if (!r->application_name || strcmp(r->application_name, name) != 0)
			continue;
		if (r->state && strcmp(r->state, "streaming") == 0)
			return r;
		if (!found)
			found = r;
	}
	return found;
}

/*
 * What breaks silently: slots that retain WAL (and whose standby is gone),
 * archiving that fails, a standby whose replay is paused.
 */
static void
evaluate_watch(cluster_status *st, node_status *ns)
{
	const cluster *c = st->cluster;
	const char *name = ns->node->name;
	char		size[32];

	for (int s = 0; s < ns->n_slots; s++)
	{
		status_slot *sl = &ns->slots[s];

		sl->standby = NULL;
		for (int j = 0; j < c->n_nodes && sl->name; j++)
		{
			char	   *sn;

			if (c->nodes[j].role != NODE_STANDBY)
				continue;
			sn = cluster_slot_name(&c->nodes[j]);
			if (strcmp(sn, sl->name) == 0)
				sl->standby = c->nodes[j].name;
			free(sn);
		}
		pgr_format_bytes(sl->retained_bytes, size, sizeof(size));
		if (sl->wal_status && (strcmp(sl->wal_status, "lost") == 0 ||
							   strcmp(sl->wal_status, "unreserved") == 0))
			add_problem(st, STATUS_ERROR, "slot_wal_lost", name,
						_("slot \"%s\" on \"%s\": its WAL is %s (max_slot_wal_keep_size was exceeded): the standby using it must be re-synchronised"),
						sl->name, name, sl->wal_status);
		else if (sl->retained_bytes >= 0 && sl->retained_bytes >= c->slot_critical_bytes)
			add_problem(st, STATUS_ERROR, "slot_retention", name,
						sl->active ? _("slot \"%s\" on \"%s\" retains %s of WAL")
						: _("slot \"%s\" on \"%s\" retains %s of WAL and is not in use"),
						sl->name, name, size);
		else if (sl->retained_bytes >= 0 && sl->retained_bytes >= c->slot_warn_bytes)
			add_problem(st, STATUS_DEGRADED, "slot_retention", name,
						sl->active ? _("slot \"%s\" on \"%s\" retains %s of WAL")
						: _("slot \"%s\" on \"%s\" retains %s of WAL and is not in use"),
						sl->name, name, size);
		else if (!sl->standby && !sl->active && sl->type && strcmp(sl->type, "physical") == 0)
			add_problem(st, STATUS_DEGRADED, "slot_orphaned", name,
						_("slot \"%s\" on \"%s\" is used by no node of the cluster file and retains %s of WAL"),
						sl->name, name, size);
	}
	if (status_archiver_failing(&ns->archiver))
		add_problem(st, STATUS_ERROR, "archive_failing", name,
					_("archiving fails on \"%s\": %lld failures, the last on %s (%s)"),
					name, ns->archiver.failed_count,
					ns->archiver.last_failed_wal ? ns->archiver.last_failed_wal : "?",
					ns->archiver.last_failed_time ? ns->archiver.last_failed_time : "?");
	if (ns->role == STATUS_ROLE_PRIMARY && ns->wal_disk_known && ns->wal_disk_rate_known &&
		!isinf(ns->wal_disk_time_left) &&
		ns->wal_disk_time_left < c->wal_disk_warn_time)
	{
		char		left[32];

		pgr_format_bytes(ns->wal_disk_free, size, sizeof(size));
		status_disk_format_time(ns->wal_disk_time_left, left, sizeof(left));
		add_problem(st, ns->wal_disk_time_left < c->wal_disk_critical_time ? STATUS_ERROR : STATUS_DEGRADED,
					"wal_disk_full", name,
					_("the file system of pg_wal on \"%s\" is full in about %s at the growth of its slots' retention (%s free)"),
					name, left, size);
	}
	if (ns->role == STATUS_ROLE_STANDBY && ns->replay_paused)
		add_problem(st, STATUS_DEGRADED, "replay_paused", name,
					_("standby \"%s\" has its replay paused (pg_wal_replay_resume() resumes it)"),
					name);
}

/*
 * The reference lineage: the primary on the latest timeline whose history
 * could be read (after a split brain, the one promoted last).  Every node
 * is judged against it: a node on another branch needs a rewind.
 */
static void
evaluate_timelines(cluster_status *st)
{
	const node_status *ref = NULL;

	st->timeline_ref = -1;
	for (int i = 0; i < st->n_nodes; i++)
	{
		const node_status *ns = &st->nodes[i];

		if (ns->answered && ns->role == STATUS_ROLE_PRIMARY && ns->history_known &&
			(!ref || ns->timeline > ref->timeline ||
			 (ns->timeline == ref->timeline && ns->node->role == NODE_PRIMARY)))
		{
			ref = ns;
			st->timeline_ref = i;
		}
	}
	for (int i = 0; i < st->n_nodes; i++)
	{
		node_status *ns = &st->nodes[i];
		const char *lsn = ns->role == STATUS_ROLE_PRIMARY ? ns->current_lsn
			: ns->receive_lsn && lsn_parse(ns->receive_lsn) > lsn_parse(ns->replay_lsn)
			? ns->receive_lsn : ns->replay_lsn;

		ns->fork = TIMELINE_UNKNOWN;
		if (ref && ns->answered)
			ns->fork = timeline_check(ref->history, ref->n_history, ref->timeline,
									  ns->timeline, lsn);
	}
}

void
status_evaluate(cluster_status *st)
{
	const cluster *c = st->cluster;
	const cluster_node *cfg_primary = cluster_primary(c);
	node_status *primary_st = cfg_primary ? find_status(st, cfg_primary->name) : NULL;
	node_status *seen_primary = NULL;
	strbuf		primaries;
	int			n_primaries = 0;

	clear_problems(st);
	strbuf_init(&primaries);

	for (int i = 0; i < st->n_nodes; i++)
	{
		node_status *ns = &st->nodes[i];
		const char *name = ns->node->name;
		bool		cfg_is_primary = ns->node->role == NODE_PRIMARY;
		const char *why = ns->error.message ? ns->error.message : _("unknown error");

		ns->upstream_row = NULL;
		ns->upstream_name = NULL;
		if (!ns->answered)
		{
			if (cfg_is_primary && !ns->reachable)
				add_problem(st, STATUS_ERROR, "node_unreachable", name,
							_("primary \"%s\" cannot be reached: %s"), name, why);
			else if (cfg_is_primary)
				add_problem(st, STATUS_ERROR, "node_unchecked", name,
							_("primary \"%s\" could not be checked: %s"), name, why);
			else if (!ns->reachable)
				add_problem(st, STATUS_DEGRADED, "node_unreachable", name,
							_("standby \"%s\" cannot be reached: %s"), name, why);
			else
				add_problem(st, STATUS_DEGRADED, "node_unchecked", name,
							_("standby \"%s\" could not be checked: %s"), name, why);
			continue;
		}
		if (ns->role == STATUS_ROLE_PRIMARY)
		{
			if (n_primaries++ > 0)
				strbuf_append(&primaries, ", ");
			strbuf_appendf(&primaries, "\"%s\"", name);
			if (!seen_primary || cfg_is_primary)
				seen_primary = ns;
		}
		if (cfg_is_primary && ns->role == STATUS_ROLE_STANDBY)
			add_problem(st, STATUS_DEGRADED, "role_mismatch", name,
						_("node \"%s\" is the primary in the cluster file but is in recovery (it answers as a standby)"),
						name);
		else if (!cfg_is_primary && ns->role == STATUS_ROLE_PRIMARY)
			add_problem(st, STATUS_DEGRADED, "role_mismatch", name,
						_("node \"%s\" is a standby in the cluster file but is not in recovery (it answers as a primary)"),
						name);
	}

	if (n_primaries > 1)
		add_problem(st, STATUS_ERROR, "several_primaries", NULL,
					_("several nodes answer as primary: %s"), primaries.data);
	else if (n_primaries == 0 && (!primary_st || primary_st->answered))
	{
		/* (an unreachable primary is already an error of its own) */
		add_problem(st, STATUS_ERROR, "no_primary", NULL, "%s",
					_("no node answers as primary"));
	}
	strbuf_free(&primaries);

	/* Standbys: streaming from their upstream, copies of the primary. */
	for (int i = 0; i < st->n_nodes; i++)
	{
		node_status *ns = &st->nodes[i];
		const cluster_node *node = ns->node;
		const char *up_name;
		node_status *up;

		if (node->role != NODE_STANDBY)
			continue;
		up_name = node->upstream ? node->upstream : (cfg_primary ? cfg_primary->name : NULL);
		up = find_status(st, up_name);
		if (!up)
			continue;
		ns->upstream_name = up->node->name;
		if (!up->answered)
			continue;
		ns->upstream_row = find_row(up, node->name);
		if (ns->answered && ns->role == STATUS_ROLE_STANDBY)
		{
			if (!ns->upstream_row)
				add_problem(st, STATUS_DEGRADED, "not_streaming", node->name,
							_("standby \"%s\" is not streaming from \"%s\": no row of pg_stat_replication there has application_name \"%s\""),
							node->name, up->node->name, node->name);
			else if (!ns->upstream_row->state ||
					 strcmp(ns->upstream_row->state, "streaming") != 0)
				add_problem(st, STATUS_DEGRADED, "not_streaming", node->name,
							_("standby \"%s\" is not streaming from \"%s\": its WAL sender there is in state \"%s\""),
							node->name, up->node->name,
							ns->upstream_row->state ? ns->upstream_row->state : "");
		}
	}
	if (seen_primary)
	{
		for (int i = 0; i < st->n_nodes; i++)
		{
			node_status *ns = &st->nodes[i];

			if (ns == seen_primary || !ns->answered ||
				!ns->system_identifier || !seen_primary->system_identifier)
				continue;
			if (strcmp(ns->system_identifier, seen_primary->system_identifier) != 0)
				add_problem(st, STATUS_DEGRADED, "system_identifier_mismatch",
							ns->node->name,
							_("node \"%s\" is not a copy of primary \"%s\": their system identifiers differ (%s and %s)"),
							ns->node->name, seen_primary->node->name,
							ns->system_identifier, seen_primary->system_identifier);
		}
	}
	for (int i = 0; i < st->n_nodes; i++)
		if (st->nodes[i].answered)
			evaluate_watch(st, &st->nodes[i]);
	evaluate_timelines(st);
}

void
status_free(cluster_status *st)
{
	if (!st)
		return;
	for (int i = 0; i < st->n_nodes; i++)
	{
		status_node_reset(&st->nodes[i]);
		pgr_error_clear(&st->nodes[i].error);
		free(st->nodes[i].ssl_cert_expires);
		free(st->nodes[i].client_cert_expires);
		free(st->nodes[i].wal_disk_error);
	}
	free(st->nodes);
	clear_problems(st);
	free(st);
}

const char *
status_health_name(status_health h)
{
	switch (h)
	{
		case STATUS_HEALTHY:
			return "healthy";
		case STATUS_DEGRADED:
			return "degraded";
		case STATUS_ERROR:
			return "error";
	}
	return "error";
}

const char *
status_role_name(status_role r)
{
	switch (r)
	{
		case STATUS_ROLE_PRIMARY:
			return "primary";
		case STATUS_ROLE_STANDBY:
			return "standby";
		case STATUS_ROLE_UNKNOWN:
			break;
	}
	return NULL;
}

/* ---- a node's room for WAL ------------------------------------------------- */

long long
status_max_retained(const node_status *ns)
{
	long long	max = 0;

	for (int i = 0; i < ns->n_slots; i++)
		if (ns->slots[i].retained_bytes > max)
			max = ns->slots[i].retained_bytes;
	return max;
}

void
status_disk_measure(const cluster *c, node_status *ns, double timeout_s)
{
	const cluster_node *n = ns->node;
	transport_options topts = {0};
	pgr_error	err = PGR_ERROR_INIT;
	transport  *t;
	status_disk_history h;
	char	   *path;

	if (!ns->answered || ns->role != STATUS_ROLE_PRIMARY || !n->ssh || !n->pgdata)
		return;
	/* never a question: status and check run unattended */
	topts.connect_timeout_s = timeout_s < 1 ? 1 : (int) ceil(timeout_s);
	topts.become = n->become;
	if (!(t = transport_open(n->ssh, &topts, &err)) ||
		status_disk_free(t, n->pgdata, &ns->wal_disk_free, &err) < 0)
	{
		free(ns->wal_disk_error);
		ns->wal_disk_error = pgr_strdup(err.message ? err.message : _("unknown error"));
		pgr_error_clear(&err);
		if (t)
			transport_close(t);
		return;
	}
	transport_close(t);
	ns->wal_disk_known = true;

	path = status_disk_state_path(c, n);
	status_disk_load(path, ns->system_identifier, &h);
	status_disk_add(&h, (status_disk_sample) {time(NULL), status_max_retained(ns)});
	/* a state file that cannot be written costs the slope, not the status */
	if (status_disk_save(path, ns->system_identifier, &h, &err) < 0)
		pgr_error_clear(&err);
	free(path);
	status_disk_judge(ns, &h);
}

void
status_disk_judge(node_status *ns, const status_disk_history *h)
{
	double		g = status_disk_growth(h);

	ns->wal_disk_rate_known = !isnan(g);
	ns->wal_disk_growth = g;
	ns->wal_disk_time_left = status_disk_time_left(ns->wal_disk_free, g);
}
