/*
 * pgconn.c: libpq connections to the nodes (see pgconn.h).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"
#include "pgconn.h"
#include "strbuf.h"

#define SQLSTATE_INVALID_PASSWORD "28P01"
#define SQLSTATE_INVALID_AUTHORIZATION "28000"
#define SQLSTATE_CANNOT_CONNECT_NOW "57P03"
#define SQLSTATE_INVALID_CATALOG_NAME "3D000"
#define SQLSTATE_TOO_MANY_CONNECTIONS "53300"

/* ---- time ------------------------------------------------------------- */

int64_t
pgconn_deadline_after(double seconds)
{
	/* (no libm: rounding by hand) */
	return pgr_now_ms() + (int64_t) (seconds * 1000.0 + 0.5);
}

/* ---- set-up and tear-down ------------------------------------------------ */

void
pgconn_init(pgconn *pc, const cluster *cl, const cluster_node *node)
{
	memset(pc, 0, sizeof(*pc));
	pc->trusted_ca = pgconn_trusted_ca(cl);
	pc->own_ca = pc->trusted_ca && !cl->ssl_ca;
	pc->node_name = pgr_strdup(node->name);
	pc->host = pgr_strdup(node->host);
	pc->port = node->port;
	pc->user = pgr_strdup(node->dbuser);
	pc->dbname = pgr_strdup(node->dbname);
	pc->state = PGCONN_IDLE;
}

static void
free_results(pgconn *pc)
{
	for (int i = 0; i < pc->n_results; i++)
		PQclear(pc->results[i]);
	pc->n_results = 0;
}

void
pgconn_close(pgconn *pc)
{
	if (pc->conn)
		PQfinish(pc->conn);
	pc->conn = NULL;
	free_results(pc);
	free(pc->results);
	pc->results = NULL;
	pc->cap_results = 0;
	pc->flushing = false;
	pgr_error_clear(&pc->err);
	pc->state = PGCONN_IDLE;
}

void
pgconn_free(pgconn *pc)
{
	if (!pc)
		return;
	pgconn_close(pc);
	free(pc->node_name);
	free(pc->host);
	free(pc->user);
	free(pc->dbname);
	free(pc->trusted_ca);
	pc->node_name = pc->host = pc->user = pc->dbname = pc->trusted_ca = NULL;
}

static const char *
display_host(const pgconn *pc)
{
	return pc->host ? pc->host : _("(default)");
}

/* ---- connection errors --------------------------------------------------- */

/* A copy of a libpq message without its trailing newlines and blanks. */
static char *
trimmed(const char *msg)
{
	size_t		len;

	if (!msg)
		msg = "";
	len = strlen(msg);
	while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' ' ||
					   msg[len - 1] == '\t' || msg[len - 1] == '\r'))
		len--;
	return pgr_strndup(msg, len);
}

static bool
is_sqlstate_char(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
}

/*
 * libpq keeps the ErrorResponse that ends a failed start-up to itself
 * (PQgetResult() gives nothing after a failed connection), so the SQLSTATE
 * is reached through PQERRORS_VERBOSE, set while connecting: libpq then
 * renders the server's error as "SEVERITY:  SQLSTATE: message".  The
 * SQLSTATE is the server's code, never translated; nothing else of the
 * text is interpreted.  Returns the position of "SQLSTATE: " or NULL.
 */
static const char *
find_sqlstate(const char *msg, char sqlstate[6])
{
	for (const char *p = msg ? strstr(msg, ":  ") : NULL; p; p = strstr(p + 1, ":  "))
	{
		const char *s = p + 3;
		int			i;

		for (i = 0; i < 5 && is_sqlstate_char(s[i]); i++)
			;
		if (i == 5 && s[5] == ':' && s[6] == ' ')
		{
			memcpy(sqlstate, s, 5);
			sqlstate[5] = '\0';
			return s;
		}
	}
	sqlstate[0] = '\0';
	return NULL;
}

/*
 * Is this line the "LOCATION:  function, file.c:123" line that verbose
 * messages carry?  Recognised by its shape, as libpq translates the label
 * and the punctuation (French: "EMPLACEMENT : function, file.c : 123").
 */
static bool
is_location_line(const char *line, size_t len)
{
	static regex_t re;
	static bool compiled;
	char	   *copy;
	bool		match;

	if (!compiled)
	{
		if (regcomp(&re, ", [A-Za-z0-9_./-]+\\.c[[:space:]]*:[[:space:]]*[0-9]+[[:space:]]*$",
					REG_EXTENDED | REG_NOSUB) != 0)
			return false;
		compiled = true;
	}
	copy = pgr_strndup(line, len);
	match = regexec(&re, copy, 0, NULL, 0) == 0;
	free(copy);
	return match;
}

/* The detail for a connection error: libpq's message as default verbosity
 * would have shown it. */
static char *
connection_detail(const char *msg)
{
	strbuf		sb;
	char		sqlstate[6];
	const char *p = msg ? msg : "";
	const char *code = find_sqlstate(p, sqlstate);
	char	   *out;

	strbuf_init(&sb);
	while (*p)
	{
		const char *eol = strchr(p, '\n');
		size_t		len = eol ? (size_t) (eol - p) : strlen(p);

		if (!is_location_line(p, len))
		{
			if (code && code >= p && code < p + len)
			{
				strbuf_append_len(&sb, p, (size_t) (code - p));
				strbuf_append_len(&sb, code + 7, len - (size_t) (code + 7 - p));
			}
			else
				strbuf_append_len(&sb, p, len);
			if (eol)
				strbuf_append_char(&sb, '\n');
		}
		p = eol ? eol + 1 : p + len;
	}
	out = trimmed(sb.data);
	strbuf_free(&sb);
	return out;
}

static void
fail(pgconn *pc)
{
	if (pc->conn)
		PQfinish(pc->conn);
	pc->conn = NULL;
	pc->flushing = false;
	pc->state = PGCONN_FAILED;
}

/* The connection attempt failed: classify, word the error, close. */
static void
connect_failed(pgconn *pc)
{
	const char *msg = pc->conn ? PQerrorMessage(pc->conn) : "";
	char		sqlstate[6];
	char	   *detail = connection_detail(msg);
	pgr_error_kind kind = PGR_ERR_CONNECT;

	find_sqlstate(msg, sqlstate);
	if (strcmp(sqlstate, SQLSTATE_INVALID_PASSWORD) == 0 ||
		strcmp(sqlstate, SQLSTATE_INVALID_AUTHORIZATION) == 0)
		kind = PGR_ERR_AUTH;
	else if (sqlstate[0] == '\0' && pc->conn &&
			 (PQconnectionNeedsPassword(pc->conn) ||
			  PQconnectionUsedPassword(pc->conn)))
		kind = PGR_ERR_AUTH;

	if (kind == PGR_ERR_AUTH)
	{
		pgr_error_set(&pc->err, kind,
					  _("could not authenticate as user \"%s\" on node \"%s\" (host \"%s\", port %d)"),
					  pc->user ? pc->user : "", pc->node_name,
					  display_host(pc), pc->port);
		pgr_error_hint(&pc->err,
					   _("Check that pg_hba.conf on node \"%s\" lets user \"%s\" connect to database \"%s\" from this machine, and that the password is in ~/.pgpass or in the file named by PGPASSFILE."),
					   pc->node_name, pc->user ? pc->user : "",
					   pc->dbname ? pc->dbname : "");
	}
	else
	{
		pgr_error_set(&pc->err, kind,
					  _("could not connect to node \"%s\" (host \"%s\", port %d)"),
					  pc->node_name, display_host(pc), pc->port);
		if (strcmp(sqlstate, SQLSTATE_CANNOT_CONNECT_NOW) == 0)
			pgr_error_hint(&pc->err,
						   _("The server is starting up or shutting down, or is a standby without hot_standby: see the server log of node \"%s\"."),
						   pc->node_name);
		else if (strcmp(sqlstate, SQLSTATE_INVALID_CATALOG_NAME) == 0)
			pgr_error_hint(&pc->err,
						   _("Check the dbname of node \"%s\" in the cluster file."),
						   pc->node_name);
		else if (strcmp(sqlstate, SQLSTATE_TOO_MANY_CONNECTIONS) == 0)
			pgr_error_hint(&pc->err,
						   _("The server has no free connection slot: check max_connections on node \"%s\"."),
						   pc->node_name);
		else if (pc->verifying)
			pgr_error_hint(&pc->err,
						   _("pgreplica verifies every node against the cluster's CA \"%s\" (sslmode=verify-full, as the cluster file says ssl = on): check that the server of node \"%s\" runs, with SSL, and presents a certificate signed by that CA that covers \"%s\"."),
						   pc->trusted_ca, pc->node_name, display_host(pc));
		else
			pgr_error_hint(&pc->err,
						   _("Check that the server is running and accepts TCP/IP connections on that address and port (listen_addresses and port in postgresql.conf), and that no firewall is in the way."));
	}
	if (detail[0])
		pgr_error_detail(&pc->err, "%s", detail);
	free(detail);
	fail(pc);
}

static void
timed_out(pgconn *pc)
{
	double		limit = pc->limit_s;
	bool		connecting = pc->state == PGCONN_CONNECTING;
	bool		no_tcp = connecting && pc->conn &&
		PQstatus(pc->conn) == CONNECTION_STARTED;

	pgr_error_set(&pc->err, PGR_ERR_TIMEOUT,
				  _("node \"%s\" (host \"%s\", port %d) did not answer within %g s"),
				  pc->node_name, display_host(pc), pc->port, limit);
	if (no_tcp)
		pgr_error_detail(&pc->err, "%s",
						 _("No TCP connection could be made to that address."));
	else if (connecting)
		pgr_error_detail(&pc->err, "%s",
						 _("The server accepted the TCP connection but did not complete the start-up."));
	else
		pgr_error_detail(&pc->err, "%s",
						 _("The connection was made but the query got no answer."));
	pgr_error_hint(&pc->err, "%s",
				   _("Check that the host is up and reachable from this machine, and that the server is not hung or overloaded."));
	fail(pc);
}

static void
connection_lost(pgconn *pc)
{
	char	   *detail = trimmed(pc->conn ? PQerrorMessage(pc->conn) : "");

	pgr_error_set(&pc->err, PGR_ERR_CONNECT,
				  _("lost the connection to node \"%s\" (host \"%s\", port %d)"),
				  pc->node_name, display_host(pc), pc->port);
	if (detail[0])
		pgr_error_detail(&pc->err, "%s", detail);
	free(detail);
	fail(pc);
}

/* ---- connecting ------------------------------------------------------------ */

char *
pgconn_trusted_ca(const cluster *cl)
{
	char	   *ca;

	if (!cl || !cl->ssl)
		return NULL;
	ca = cluster_ca_cert_path(cl);

	/*
	 * The operator's ssl_ca counts even when its file is missing (libpq then
	 * refuses to connect, saying so): never a silent fall back to an
	 * unverified session.  pgreplica's own CA counts once the SSL step has
	 * made it: before that, no node has a certificate it signed.
	 */
	if (cl->ssl_ca || access(ca, F_OK) == 0)
		return ca;
	free(ca);
	return NULL;
}

/*
 * What libpq uses for a connection keyword that pgreplica does not pass:
 * the operator's environment, service file, or libpq's built-in default
 * (malloc'd; NULL when none).  *known: this libpq has the keyword.
 */
static char *
operator_setting(const char *keyword, bool *known)
{
	PQconninfoOption *opts = PQconndefaults();
	char	   *val = NULL;

	*known = false;
	for (PQconninfoOption *o = opts; o && o->keyword; o++)
		if (strcmp(o->keyword, keyword) == 0)
		{
			*known = true;
			val = o->val && o->val[0] ? pgr_strdup(o->val) : NULL;
			break;
		}
	if (opts)
		PQconninfoFree(opts);
	return val;
}

static bool
is_verifying_mode(const char *sslmode)
{
	return sslmode && (strcmp(sslmode, "verify-full") == 0 ||
					   strcmp(sslmode, "verify-ca") == 0);
}

/*
 * require_auth=!password for a session whose server may not be verified,
 * when libpq knows the keyword (16 and later) and the operator did not set
 * it: then a cleartext password request is refused.  NULL: not passed.
 */
static const char *
refuse_cleartext(void)
{
	bool		known;
	char	   *mode = operator_setting("sslmode", &known);
	bool		verified = is_verifying_mode(mode);
	char	   *own;

	free(mode);
	if (verified)
		return NULL;			/* cleartext inside verified TLS is fine */
	own = operator_setting("require_auth", &known);
	if (!known || own)
	{
		free(own);
		return NULL;
	}
	return "!password";
}

char *
pgconn_trust_warning(const cluster *cl)
{
	char	   *ca = pgconn_trusted_ca(cl);
	bool		known;
	char	   *mode;
	bool		verified;
	strbuf		sb;

	if (ca)
	{
		free(ca);
		return NULL;
	}
	mode = operator_setting("sslmode", &known);
	verified = is_verifying_mode(mode);
	free(mode);
	if (verified)
		return NULL;
	strbuf_init(&sb);
	if (cl && cl->ssl)
		strbuf_append(&sb, _("Warning: the connections to the nodes are not verified: the cluster's CA does not exist yet (the SSL step makes it; later sessions are verified against it)."));
	else
		strbuf_append(&sb, _("Warning: the connections to the nodes are not verified: the cluster file says ssl = off."));
	strbuf_append_char(&sb, '\n');
	if (refuse_cleartext())
		strbuf_append(&sb, _("Whoever answers on a node's address cannot get a password in clear text (require_auth), but can give pgreplica false answers, such as the data directory it writes to."));
	else
		strbuf_append(&sb, _("Whoever answers on a node's address can ask for the superuser's password in clear text and get it, and can give pgreplica false answers, such as the data directory it writes to."));
	strbuf_append_char(&sb, '\n');
	strbuf_append(&sb, _("To verify them, set PGSSLMODE=verify-full and PGSSLROOTCERT to the certificate of the CA that signed the servers' certificates: pgreplica never lowers what PGSSLMODE asks for."));
	return strbuf_detach(&sb);
}

/* ---- passwords typed by the operator ------------------------------------ */

typedef struct typed_password {
	char	   *host;
	int			port;
	char	   *user;
	char	   *password;
	struct typed_password *next;
} typed_password;

static typed_password *typed_passwords;

static typed_password *
find_typed(const char *host, int port, const char *user)
{
	for (typed_password *t = typed_passwords; t; t = t->next)
		if (strcmp(t->host, host ? host : "") == 0 && t->port == port &&
			strcmp(t->user, user ? user : "") == 0)
			return t;
	return NULL;
}

void
pgconn_set_password(const char *host, int port, const char *user,
					const char *password)
{
	typed_password *t = find_typed(host, port, user);

	if (!t)
	{
		if (!password || !password[0])
			return;
		t = pgr_calloc(1, sizeof(*t));
		t->host = pgr_strdup(host ? host : "");
		t->port = port;
		t->user = pgr_strdup(user ? user : "");
		t->next = typed_passwords;
		typed_passwords = t;
	}
	pgr_free_secret(t->password);
	t->password = password && password[0] ? pgr_strdup(password) : NULL;
}

void
pgconn_forget_passwords(void)
{
	while (typed_passwords)
	{
		typed_password *t = typed_passwords;

		typed_passwords = t->next;
		free(t->host);
		free(t->user);
		pgr_free_secret(t->password);
		free(t);
	}
}

/* Set before the threads that use connections start (not locked). */
static pgconn_notice_fn notice_fn;
static void *notice_arg;

void
pgconn_set_notice_handler(pgconn_notice_fn fn, void *arg)
{
	notice_fn = fn;
	notice_arg = arg;
}

static void
notice_processor(void *unused, const char *message)
{
	(void) unused;
	/* the handler may have been removed since the connection was made */
	if (notice_fn)
		notice_fn(notice_arg, message);
	else
		fputs(message, stderr);
}

static int connect_begin(pgconn *pc, const pgconn_options *opt, double timeout_s);

int
pgconn_start(pgconn *pc, const pgconn_options *opt, double timeout_s)
{
	static const pgconn_options defaults = {false, NULL, NULL};

	if (!opt)
		opt = &defaults;
	pgconn_close(pc);
	pc->limit_s = timeout_s > 0 ? timeout_s : 0;
	pc->deadline_ms = timeout_s > 0 ? pgconn_deadline_after(timeout_s) : 0;
	pc->read_only = opt->read_only;
	pc->chain_only = false;
	return connect_begin(pc, opt, timeout_s);
}

/*
 * pgreplica's own CA signs nothing but the nodes' certificates.  A node
 * whose certificate from it was made for another node (the primary's,
 * copied by pg_basebackup onto a standby that never got its own) fails
 * verify-full: it is tried once more, within the same deadline, checking
 * the chain only (verify-ca), so that the operator can still act on it
 * (follow and resync give it a certificate of its own).  Never with the
 * operator's CA (ssl_ca), which may sign other servers too, nor when the
 * operator's PGSSLMODE asks for verify-full.  true when a new attempt was
 * made.
 */
static bool
retry_chain_only(pgconn *pc)
{
	pgconn_options o = {pc->read_only, NULL, NULL};
	double		left_s = 0;
	bool		known;
	char	   *mode;
	bool		operator_full;

	if (!pc->verifying || !pc->own_ca || pc->chain_only)
		return false;
	/* never less than the operator's PGSSLMODE=verify-full */
	mode = operator_setting("sslmode", &known);
	operator_full = mode && strcmp(mode, "verify-full") == 0;
	free(mode);
	if (operator_full)
		return false;
	if (pc->deadline_ms > 0)
	{
		int64_t		left = pc->deadline_ms - pgr_now_ms();

		if (left <= 0)
			return false;
		left_s = (double) left / 1000.0;
	}
	PQfinish(pc->conn);
	pc->conn = NULL;
	pc->chain_only = true;
	(void) connect_begin(pc, &o, left_s);
	return true;
}

/* The connection attempt itself (keywords, PQconnectStartParams). */
static int
connect_begin(pgconn *pc, const pgconn_options *opt, double timeout_s)
{
	const char *keys[14];
	const char *vals[14];
	typed_password *typed;
	char		port[32];
	char		timeout[32];
	const char *options;
	const char *sslmode = NULL;
	const char *sslrootcert = NULL;
	const char *require_auth;
	int			n = 0;

	pc->polling = PGRES_POLLING_WRITING;
	pc->state = PGCONN_CONNECTING;
	pc->verifying = false;

	options = opt->read_only
		? "-c search_path=pg_catalog -c default_transaction_read_only=on"
		: "-c search_path=pg_catalog";
	if (pc->host && pc->host[0])
	{
		keys[n] = "host";
		vals[n++] = pc->host;
	}
	if (pc->port > 0)
	{
		snprintf(port, sizeof(port), "%d", pc->port);
		keys[n] = "port";
		vals[n++] = port;
	}
	if (pc->user && pc->user[0])
	{
		keys[n] = "user";
		vals[n++] = pc->user;
	}
	if (pc->dbname && pc->dbname[0])
	{
		keys[n] = "dbname";
		vals[n++] = pc->dbname;
	}
	if (timeout_s > 0)
	{
		/* For libpq's own blocking paths; the deadline is what counts. */
		long long	whole_s = (long long) timeout_s + 1;

		snprintf(timeout, sizeof(timeout), "%lld", whole_s < 2 ? 2 : whole_s);
		keys[n] = "connect_timeout";
		vals[n++] = timeout;
	}
	keys[n] = "application_name";
	vals[n++] = PACKAGE;
	keys[n] = "options";
	vals[n++] = options;
	if (opt->sslmode)
	{
		sslmode = opt->sslmode;
		sslrootcert = opt->sslrootcert;
	}
	else if (pc->trusted_ca)
	{
		sslmode = pc->chain_only ? "verify-ca" : "verify-full";
		sslrootcert = pc->trusted_ca;
		pc->verifying = true;
	}
	if (sslmode)
	{
		keys[n] = "sslmode";
		vals[n++] = sslmode;
		if (sslrootcert)
		{
			keys[n] = "sslrootcert";
			vals[n++] = sslrootcert;
		}
	}
	else if ((require_auth = refuse_cleartext()) != NULL)
	{
		/* no sslmode: the operator's PGSSLMODE, PGSSLROOTCERT, service */
		keys[n] = "require_auth";
		vals[n++] = require_auth;
	}
	typed = find_typed(pc->host, pc->port, pc->user);
	if (typed && typed->password)
	{
		keys[n] = "password";
		vals[n++] = typed->password;
	}
	keys[n] = NULL;
	vals[n] = NULL;

	pc->conn = PQconnectStartParams(keys, vals, 0);
	if (!pc->conn)
	{
		pgr_error_set(&pc->err, PGR_ERR_GENERIC, "%s", _("out of memory"));
		fail(pc);
		return -1;
	}
	/* See find_sqlstate(). */
	PQsetErrorVerbosity(pc->conn, PQERRORS_VERBOSE);
	if (notice_fn)
		PQsetNoticeProcessor(pc->conn, notice_processor, NULL);
	if (PQstatus(pc->conn) == CONNECTION_BAD)
	{
		connect_failed(pc);
		return -1;
	}
	return 0;
}

bool
pgconn_waiting(const pgconn *pc)
{
	return pc->state == PGCONN_CONNECTING || pc->state == PGCONN_BUSY;
}

short
pgconn_poll_fd(const pgconn *pc, int *fd)
{
	*fd = -1;
	if (!pgconn_waiting(pc) || !pc->conn)
		return 0;
	*fd = PQsocket(pc->conn);
	if (pc->state == PGCONN_CONNECTING)
		return pc->polling == PGRES_POLLING_READING ? POLLIN : POLLOUT;
	return (short) (POLLIN | (pc->flushing ? POLLOUT : 0));
}

int64_t
pgconn_deadline(const pgconn *pc)
{
	return pgconn_waiting(pc) ? pc->deadline_ms : 0;
}

static void
add_result(pgconn *pc, PGresult *res)
{
	if (pc->n_results == pc->cap_results)
	{
		pc->cap_results = pc->cap_results ? pc->cap_results * 2 : 4;
		pc->results = pgr_realloc(pc->results,
								  sizeof(PGresult *) * (size_t) pc->cap_results);
	}
	pc->results[pc->n_results++] = res;
}

/* Read what has arrived; DONE once PQgetResult() says there is no more. */
static void
read_results(pgconn *pc, short revents)
{
	if (revents & (POLLIN | POLLERR | POLLHUP))
	{
		if (!PQconsumeInput(pc->conn))
		{
			connection_lost(pc);
			return;
		}
	}
	if (pc->flushing && (revents & (POLLOUT | POLLIN)))
	{
		int			r = PQflush(pc->conn);

		if (r < 0)
		{
			connection_lost(pc);
			return;
		}
		pc->flushing = (r == 1);
	}
	while (!PQisBusy(pc->conn))
	{
		PGresult   *res = PQgetResult(pc->conn);

		if (!res)
		{
			pc->state = PGCONN_DONE;
			return;
		}
		add_result(pc, res);
	}
}

pgconn_state
pgconn_handle(pgconn *pc, short revents)
{
	if (pc->state == PGCONN_CONNECTING && revents)
	{
		pc->polling = PQconnectPoll(pc->conn);
		if (pc->polling == PGRES_POLLING_OK)
		{
			PQsetErrorVerbosity(pc->conn, PQERRORS_DEFAULT);
			pc->state = PGCONN_READY;
		}
		else if (pc->polling == PGRES_POLLING_FAILED && !retry_chain_only(pc))
			connect_failed(pc);
	}
	else if (pc->state == PGCONN_BUSY)
		read_results(pc, revents);

	if (pgconn_waiting(pc) && pc->deadline_ms > 0 &&
		pgr_now_ms() >= pc->deadline_ms)
		timed_out(pc);
	return pc->state;
}

int
pgconn_poll_once(pgconn *const *pcs, int n, int timeout_ms)
{
	struct pollfd *fds = pgr_calloc((size_t) (n > 0 ? n : 1), sizeof(*fds));
	int		   *which = pgr_calloc((size_t) (n > 0 ? n : 1), sizeof(int));
	int			count = 0;
	int			still = 0;
	int64_t		next = 0;
	int64_t		now;
	int			timeout = timeout_ms;

	for (int i = 0; i < n; i++)
	{
		int			fd;
		short		events;

		if (!pcs[i] || !pgconn_waiting(pcs[i]))
			continue;
		events = pgconn_poll_fd(pcs[i], &fd);
		fds[count].fd = fd;
		fds[count].events = events;
		fds[count].revents = 0;
		which[count++] = i;
		if (pcs[i]->deadline_ms > 0 &&
			(next == 0 || pcs[i]->deadline_ms < next))
			next = pcs[i]->deadline_ms;
	}
	if (count > 0)
	{
		now = pgr_now_ms();
		if (next > 0)
		{
			int			until = next <= now ? 0 : (int) (next - now);

			if (timeout < 0 || until < timeout)
				timeout = until;
		}
		if (poll(fds, (nfds_t) count, timeout) < 0 && errno != EINTR)
		{
			/* Cannot happen with valid arguments: do not spin. */
			for (int j = 0; j < count; j++)
				fds[j].revents = POLLERR;
		}
		for (int j = 0; j < count; j++)
		{
			pgconn_handle(pcs[which[j]], fds[j].revents);
			if (pgconn_waiting(pcs[which[j]]))
				still++;
		}
	}
	free(fds);
	free(which);
	return still;
}

void
pgconn_wait(pgconn *const *pcs, int n)
{
	while (pgconn_poll_once(pcs, n, -1) > 0)
		;
}

/* ---- queries ------------------------------------------------------------ */

int
pgconn_send(pgconn *pc, const char *query, double timeout_s)
{
	int			r;

	if (pc->state != PGCONN_READY && pc->state != PGCONN_DONE)
	{
		if (pc->state != PGCONN_FAILED)
			pgr_error_set(&pc->err, PGR_ERR_GENERIC,
						  _("node \"%s\" is not ready for a query"),
						  pc->node_name);
		fail(pc);
		return -1;
	}
	free_results(pc);
	if (timeout_s > 0)
	{
		pc->limit_s = timeout_s;
		pc->deadline_ms = pgconn_deadline_after(timeout_s);
	}
	if (PQsetnonblocking(pc->conn, 1) != 0 || !PQsendQuery(pc->conn, query))
	{
		connection_lost(pc);
		return -1;
	}
	r = PQflush(pc->conn);
	if (r < 0)
	{
		connection_lost(pc);
		return -1;
	}
	pc->flushing = (r == 1);
	pc->state = PGCONN_BUSY;
	return 0;
}

const char *
pgconn_value(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return PQgetvalue(res, row, col);
}

int
pgconn_check_result(const PGresult *res, ExecStatusType expected,
					int ntuples, int nfields,
					const char *node_name, const char *what, pgr_error *err)
{
	ExecStatusType st;

	if (!res)
		return pgr_error_set(err, PGR_ERR_GENERIC,
							 _("query \"%s\" on node \"%s\" returned no result"),
							 what, node_name);
	st = PQresultStatus(res);
	if (st != expected)
	{
		const char *sqlstate = PQresultErrorField(res, PG_DIAG_SQLSTATE);
		const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *sdetail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		const char *shint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);

		if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR)
		{
			char	   *msg = trimmed(primary ? primary : PQresultErrorMessage(res));

			pgr_error_set(err, PGR_ERR_SQL,
						  _("query \"%s\" failed on node \"%s\""),
						  what, node_name);
			if (sdetail)
				pgr_error_detail(err, "%s\n%s", msg, sdetail);
			else
				pgr_error_detail(err, "%s", msg);
			free(msg);
			if (shint)
				pgr_error_hint(err, "%s", shint);
			if (err && sqlstate && strlen(sqlstate) == 5)
				memcpy(err->sqlstate, sqlstate, 6);
			return -1;
		}
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("unexpected result from query \"%s\" on node \"%s\""),
					  what, node_name);
		pgr_error_detail(err, _("The result status is %s, expected %s."),
						 PQresStatus(st), PQresStatus(expected));
		return -1;
	}
	if ((ntuples >= 0 && PQntuples(res) != ntuples) ||
		(nfields >= 0 && PQnfields(res) != nfields))
	{
		pgr_error_set(err, PGR_ERR_GENERIC,
					  _("unexpected result from query \"%s\" on node \"%s\""),
					  what, node_name);
		if (ntuples >= 0)
			pgr_error_detail(err, _("Got rows: %d, columns: %d; expected rows: %d, columns: %d."),
							 PQntuples(res), PQnfields(res), ntuples, nfields);
		else
			pgr_error_detail(err, _("Got columns: %d; expected columns: %d."),
							 PQnfields(res), nfields);
		return -1;
	}
	return 0;
}

/* ---- versions ------------------------------------------------------------ */

const pg_version_facts *
pgconn_version_facts(const pgconn *pc, pgr_error *err)
{
	int			num = pc->conn ? PQserverVersion(pc->conn) : 0;
	const pg_version_facts *facts = version_facts(num);
	const char *shown;

	if (facts)
		return facts;
	shown = pc->conn ? PQparameterStatus(pc->conn, "server_version") : NULL;
	pgr_error_set(err, PGR_ERR_GENERIC,
				  _("node \"%s\" runs PostgreSQL %s, which pgreplica does not support"),
				  pc->node_name, shown ? shown : "?");
	pgr_error_hint(err, _("pgreplica supports PostgreSQL %d to %d."),
				   version_min_major(), version_max_major());
	return NULL;
}

bool
pgconn_is_superuser(PGconn *conn)
{
	/* reported by the server at connection time: no round trip */
	const char *v = conn ? PQparameterStatus(conn, "is_superuser") : NULL;

	return v && strcmp(v, "on") == 0;
}

/* ---- blocking helpers ---------------------------------------------------- */

PGconn *
pgconn_connect(const cluster *cl, const cluster_node *node,
			   const pgconn_options *opt, double timeout_s, pgr_error *err)
{
	pgconn		pc;
	pgconn	   *list[1] = {&pc};
	PGconn	   *conn = NULL;

	pgconn_init(&pc, cl, node);
	if (pgconn_start(&pc, opt, timeout_s) == 0)
		pgconn_wait(list, 1);
	if (pc.state == PGCONN_READY)
	{
		conn = pc.conn;
		pc.conn = NULL;
	}
	else if (err)
	{
		pgr_error_clear(err);
		*err = pc.err;
		memset(&pc.err, 0, sizeof(pc.err));
	}
	pgconn_free(&pc);
	return conn;
}

int
pgconn_query_value(PGconn *conn, const char *node_name, const char *sql,
				   int nparams, const char *const *params, char **value,
				   pgr_error *err)
{
	PGresult   *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	const char *v;

	*value = NULL;
	if (pgconn_check_result(res, PGRES_TUPLES_OK, -1, 1, node_name, sql, err) < 0)
	{
		PQclear(res);
		return -1;
	}
	v = PQntuples(res) > 0 ? pgconn_value(res, 0, 0) : NULL;
	*value = v ? pgr_strdup(v) : NULL;
	PQclear(res);
	return 0;
}

int
pgconn_command(PGconn *conn, const char *node_name, const char *sql,
			   pgr_error *err)
{
	PGresult   *res = pgconn_exec(conn, node_name, sql, PGRES_COMMAND_OK, -1, -1, err);

	if (!res)
		return -1;
	PQclear(res);
	return 0;
}

int
pgconn_alter_system(PGconn *conn, const char *node_name, const char *name,
					const char *value, pgr_error *err)
{
	char	   *sql;
	PGresult   *res;

	if (value)
	{
		char	   *lit = PQescapeLiteral(conn, value, strlen(value));

		if (!lit)
			return pgr_error_set(err, PGR_ERR_GENERIC, _("could not quote a value: %s"),
								 PQerrorMessage(conn));
		sql = pgr_asprintf("ALTER SYSTEM SET %s = %s", name, lit);
		PQfreemem(lit);
	}
	else
		sql = pgr_asprintf("ALTER SYSTEM RESET %s", name);
	res = pgconn_exec(conn, node_name, sql, PGRES_COMMAND_OK, -1, -1, err);
	free(sql);
	PQclear(res);
	return res ? 0 : -1;
}

PGresult *
pgconn_exec(PGconn *conn, const char *node_name, const char *sql,
			ExecStatusType expected, int ntuples, int nfields, pgr_error *err)
{
	PGresult   *res = PQexec(conn, sql);

	if (pgconn_check_result(res, expected, ntuples, nfields, node_name, sql, err) < 0)
	{
		PQclear(res);
		return NULL;
	}
	return res;
}
