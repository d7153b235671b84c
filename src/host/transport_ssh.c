/*
 * transport_ssh.c: the `ssh` transport, on libssh: commands on exec
 * channels, files through SFTP.
 *
 * Life cycle, as in libssh's examples: ssh_new, options (each checked;
 * ~/.ssh/config or the given file so that Host aliases, User, Port,
 * IdentityFile and UserKnownHostsFile work), connect, verify the host key
 * (every ssh_known_hosts_e case), authenticate (none, public key through
 * the agent and identity files, password, keyboard-interactive), use,
 * disconnect, free.  A connection whose host key was refused is never used.
 *
 * Commands: one channel per command, the argument vector quoted by
 * shquote_env_argv() for the remote login shell.  The loop polls with
 * a short time-out so that a command's time limit applies, and probes an
 * idle connection with keep-alive requests: a connection that stops
 * answering is an error, not a hang.
 *
 * Files: one SFTP session, opened on first use and kept.  A write goes to
 * a temporary file in the same directory, created with O_EXCL, given the
 * old file's mode and owner, written and fsync'd (fsync@openssh.com), then
 * renamed over the target.  libssh 0.10 has no posix-rename@openssh.com
 * and its sftp_rename() is the SFTP v3 RENAME, which OpenSSH refuses when
 * the target exists; the rename is therefore done by `mv -f -T` (rename(2)
 * in the same directory, hence atomic) on an exec channel, which also
 * syncs the directory.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>		/* ssh_send_keepalive() is declared here */
#include <libssh/sftp.h>

#include "clock.h"
#include "i18n.h"
#include "shquote.h"
#include "transport.h"

#define SSH_DEFAULT_CONNECT_TIMEOUT_S 10
#define SSH_DEFAULT_KEEPALIVE_S 15
#define SSH_KEEPALIVE_COUNT_MAX 3	/* as OpenSSH's ServerAliveCountMax */
#define SSH_POLL_MS 50
#define SSH_READ_MAX_DEFAULT ((size_t) 64 * 1024 * 1024)
#define SSH_CHUNK 32768
#define SSH_PASSWORD_TRIES 3

typedef struct ssh_transport {
	transport	base;			/* first: a transport * is an ssh_transport * */
	ssh_session session;
	sftp_session sftp;			/* NULL until the first file operation */
	struct ssh_callbacks_struct callbacks;	/* passphrases for keys */
	const transport_options *opts;	/* only during transport_ssh_open */
	char	   *host;			/* after the ssh configuration */
	char	   *user;
	unsigned int port;
	int			keepalive_s;
	int			io_timeout_s;	/* blocking calls after the log-in */
	int64_t		last_traffic_ms;	/* last time the server showed signs of
									 * life */
	bool		dead;			/* the connection was lost: refuse to use it */
	/* the last owner name resolved to numbers (a build writes several
	 * files for the same account: one remote "id" instead of one each) */
	char	   *owner_name;
	long		owner_uid;
	long		owner_gid;
} ssh_transport;

static const transport_ops ssh_ops;

/* ---- small helpers ----------------------------------------------------- */

/* Timeout of libssh's blocking calls, in milliseconds. */
static void
set_blocking_timeout_ms(ssh_transport *st, int64_t ms)
{
	long		sec;
	long		usec;

	if (ms < 1)
		ms = 1;
	sec = (long) (ms / 1000);
	usec = (long) (ms % 1000) * 1000;
	/* Both always succeed for non-negative values. */
	(void) ssh_options_set(st->session, SSH_OPTIONS_TIMEOUT, &sec);
	(void) ssh_options_set(st->session, SSH_OPTIONS_TIMEOUT_USEC, &usec);
}

static void
restore_blocking_timeout(ssh_transport *st)
{
	set_blocking_timeout_ms(st, (int64_t) st->io_timeout_s * 1000);
}

/* "SHA256:base64" of a key, malloc'd; NULL if it cannot be computed. */
static char *
key_fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t		hlen = 0;
	char	   *fp;
	char	   *copy;

	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) < 0)
		return NULL;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (!fp)
		return NULL;
	copy = pgr_strdup(fp);
	ssh_string_free_char(fp);
	return copy;
}

static const char *
key_type_name(ssh_key key)
{
	const char *name = ssh_key_type_to_char(ssh_key_type(key));

	return name ? name : "unknown";
}

/* "host" for port 22, "[host]:port" otherwise: known_hosts' own spelling. */
static char *
known_hosts_name(const char *host, unsigned int port)
{
	if (port == 22)
		return pgr_strdup(host);
	return pgr_asprintf("[%s]:%u", host, port);
}

static char *
make_label(const char *user, const char *host, unsigned int port)
{
	bool		v6 = strchr(host, ':') != NULL;

	return pgr_asprintf("%s%s%s%s%s:%u", user ? user : "", user ? "@" : "",
						v6 ? "[" : "", host, v6 ? "]" : "", port);
}

/*
 * Split "[user@]host[:port]" or "[user@][v6addr]:port" (or "[v6addr]").
 * A name with several colons and no brackets is an IPv6 address, no port.
 */
static int
parse_target(const char *target, char **user, char **host, int *port,
			 pgr_error *err)
{
	const char *at = strrchr(target, '@');
	const char *h = at ? at + 1 : target;
	const char *portstr = NULL;
	size_t		hlen;

	*user = NULL;
	*host = NULL;
	*port = 0;
	if (at && at == target)
		goto bad;
	if (h[0] == '[')
	{
		const char *close = strchr(h, ']');

		if (!close || close == h + 1)
			goto bad;
		if (close[1] == ':')
			portstr = close + 2;
		else if (close[1] != '\0')
			goto bad;
		*host = pgr_strndup(h + 1, (size_t) (close - h - 1));
	}
	else
	{
		const char *colon = strchr(h, ':');

		if (colon && strchr(colon + 1, ':') == NULL)
		{
			portstr = colon + 1;
			hlen = (size_t) (colon - h);
		}
		else
			hlen = strlen(h);
		if (hlen == 0)
			goto bad;
		*host = pgr_strndup(h, hlen);
	}
	if (portstr)
	{
		char	   *end;
		long		p;

		errno = 0;
		p = strtol(portstr, &end, 10);
		if (portstr[0] == '\0' || *end != '\0' || errno || p < 1 || p > 65535)
		{
			pgr_error_set(err, PGR_ERR_INPUT, _("invalid port in SSH target \"%s\""), target);
			pgr_error_hint(err, _("A port is a number from 1 to 65535, as in postgres@db1:22."));
			goto fail;
		}
		*port = (int) p;
	}
	if (at)
		*user = pgr_strndup(target, (size_t) (at - target));
	return 0;

bad:
	pgr_error_set(err, PGR_ERR_INPUT, _("invalid SSH target \"%s\""), target);
	pgr_error_hint(err, _("Write [user@]host[:port], user@[IPv6-address]:port or a Host alias of the ssh configuration."));
fail:
	free(*host);
	*host = NULL;
	return -1;
}

/* ---- keep-alive ----------------------------------------------------------- */

static int
connection_lost(ssh_transport *st, pgr_error *err)
{
	st->dead = true;
	pgr_error_set(err, PGR_ERR_CONNECT, _("the connection to %s was lost"),
				  st->base.label);
	if (ssh_get_error(st->session)[0])
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
	pgr_error_hint(err, _("Check that the host is up and reachable, then connect again."));
	return -1;
}

/*
 * Ask the server for an answer (keepalive@openssh.com, want-reply): the
 * call blocks until the answer comes or `limit_ms` runs out.  libssh does
 * not report which of the two happened, so the elapsed time tells.
 * Returns 1 when the server answered, 0 when `limit_ms` ran out first
 * (the caller decides), -1 when the connection is gone.
 */
static int
probe_server(ssh_transport *st, int64_t limit_ms, pgr_error *err)
{
	int64_t		t0 = pgr_now_ms();
	int64_t		elapsed;

	set_blocking_timeout_ms(st, limit_ms);
	ssh_send_keepalive(st->session);
	restore_blocking_timeout(st);
	elapsed = pgr_now_ms() - t0;
	if (!ssh_is_connected(st->session) ||
		(ssh_get_status(st->session) & (SSH_CLOSED | SSH_CLOSED_ERROR)))
		return connection_lost(st, err);
	if (elapsed + 20 >= limit_ms)
		return 0;
	st->last_traffic_ms = pgr_now_ms();
	return 1;
}

/* A probe went unanswered: the connection is taken as lost. */
static int
server_silent(ssh_transport *st, pgr_error *err)
{
	connection_lost(st, err);
	pgr_error_detail(err, _("The server did not answer for %d seconds."),
					 st->io_timeout_s);
	return -1;
}

/* Before a blocking operation: is a long-idle connection still there? */
static int
check_alive(ssh_transport *st, pgr_error *err)
{
	int			rc;

	if (st->dead)
		return pgr_error_set(err, PGR_ERR_CONNECT, _("the connection to %s was lost"),
							 st->base.label);
	if (pgr_now_ms() - st->last_traffic_ms < (int64_t) st->keepalive_s * 1000)
		return 0;
	rc = probe_server(st, (int64_t) st->io_timeout_s * 1000, err);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return server_silent(st, err);
	return 0;
}

/* ---- host key verification ------------------------------------------------ */

/*
 * The keys known_hosts files record for this host, one per line as
 * "TYPE SHA256:... (FILE:LINE)".  libssh gives the entry only when the key
 * matches, so for CHANGED and OTHER the files are read here.
 */
static void
recorded_keys(ssh_transport *st, const char *hostport, strbuf *out)
{
	enum ssh_options_e which[] = {SSH_OPTIONS_KNOWNHOSTS, SSH_OPTIONS_GLOBAL_KNOWNHOSTS};
	size_t		i;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++)
	{
		char	   *file = NULL;
		FILE	   *f;
		char	   *line = NULL;
		size_t		cap = 0;
		ssize_t		n;
		int			lineno = 0;

		if (ssh_options_get(st->session, which[i], &file) != SSH_OK || !file)
			continue;
		f = fopen(file, "r");
		while (f && (n = getline(&line, &cap, f)) >= 0)
		{
			struct ssh_knownhosts_entry *entry = NULL;
			char	   *fp;

			lineno++;
			while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
				line[--n] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			if (ssh_known_hosts_parse_line(hostport, line, &entry) != SSH_OK || !entry)
			{
				SSH_KNOWNHOSTS_ENTRY_FREE(entry);
				continue;
			}
			fp = entry->publickey ? key_fingerprint(entry->publickey) : NULL;
			if (fp)
			{
				if (out->len)
					strbuf_append(out, ", ");
				strbuf_appendf(out, "%s %s (%s:%d)",
							   key_type_name(entry->publickey), fp, file, lineno);
			}
			free(fp);
			SSH_KNOWNHOSTS_ENTRY_FREE(entry);
		}
		free(line);
		if (f)
			fclose(f);
		ssh_string_free_char(file);
	}
}

static int
verify_host_key(ssh_transport *st, const transport_options *opts, pgr_error *err)
{
	ssh_key		key = NULL;
	char	   *fp = NULL;
	char	   *hostport = known_hosts_name(st->host, st->port);
	char	   *khfile = NULL;
	const char *type;
	enum ssh_known_hosts_e state;
	strbuf		known;
	int			rc = -1;

	strbuf_init(&known);
	if (ssh_get_server_publickey(st->session, &key) != SSH_OK)
	{
		pgr_error_set(err, PGR_ERR_HOSTKEY, _("could not get the host key of %s"),
					  st->base.label);
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		goto out;
	}
	type = key_type_name(key);
	fp = key_fingerprint(key);
	if (!fp)
	{
		pgr_error_set(err, PGR_ERR_HOSTKEY, _("could not compute the fingerprint of the host key of %s"),
					  st->base.label);
		goto out;
	}
	if (ssh_options_get(st->session, SSH_OPTIONS_KNOWNHOSTS, &khfile) != SSH_OK)
		khfile = NULL;

	state = ssh_session_is_known_server(st->session);
	switch (state)
	{
		case SSH_KNOWN_HOSTS_OK:
			rc = 0;
			break;

		case SSH_KNOWN_HOSTS_CHANGED:
		case SSH_KNOWN_HOSTS_OTHER:
			recorded_keys(st, hostport, &known);
			if (state == SSH_KNOWN_HOSTS_CHANGED)
				pgr_error_set(err, PGR_ERR_HOSTKEY,
							  _("the host key of %s has changed: refusing to connect"),
							  st->base.label);
			else
				pgr_error_set(err, PGR_ERR_HOSTKEY,
							  _("the host key of %s is not of the type recorded in known_hosts: refusing to connect"),
							  st->base.label);
			/* TRANSLATORS: "%s %s" is a key type and its SHA256 fingerprint */
			pgr_error_detail(err, _("The server now offers %s %s; known_hosts records %s."),
							 type, fp, known.len ? known.data : _("another key"));
			pgr_error_hint(err, _("Someone may be intercepting the connection, or the host was reinstalled. Once you have checked the new key with the host's administrator, remove the old one with: ssh-keygen -f \"%s\" -R \"%s\""),
						   khfile ? khfile : "~/.ssh/known_hosts", hostport);
			break;

		case SSH_KNOWN_HOSTS_NOT_FOUND:
		case SSH_KNOWN_HOSTS_UNKNOWN:
			if (!opts->unknown_host ||
				!opts->unknown_host(opts->cb_arg, st->host, (int) st->port, type, fp))
			{
				pgr_error_set(err, PGR_ERR_HOSTKEY,
							  _("the host key of %s is not known: refusing to connect"),
							  st->base.label);
				pgr_error_detail(err, _("The server offers %s %s."), type, fp);
				{
					bool		v6 = strchr(st->host, ':') != NULL;
					char	   *cmd = pgr_asprintf("ssh -p %u %s%s%s%s%s true", st->port,
												   st->user ? st->user : "",
												   st->user ? "@" : "",
												   v6 ? "[" : "", st->host, v6 ? "]" : "");

					pgr_error_hint(err, _("Check this fingerprint with the host's administrator (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the host), then accept it, or record it by connecting once with: %s"),
								   cmd);
					free(cmd);
				}
				break;
			}
			if (ssh_session_update_known_hosts(st->session) != SSH_OK)
			{
				pgr_error_set(err, PGR_ERR_HOSTKEY,
							  _("could not record the host key of %s in \"%s\""),
							  st->base.label, khfile ? khfile : "known_hosts");
				pgr_error_detail(err, "%s", ssh_get_error(st->session));
				break;
			}
			rc = 0;
			break;

		case SSH_KNOWN_HOSTS_ERROR:
		default:
			pgr_error_set(err, PGR_ERR_HOSTKEY, _("could not check the host key of %s"),
						  st->base.label);
			pgr_error_detail(err, "%s", ssh_get_error(st->session));
			pgr_error_hint(err, _("Check that \"%s\" can be read and is a known_hosts file."),
						   khfile ? khfile : "~/.ssh/known_hosts");
			break;
	}
out:
	strbuf_free(&known);
	free(fp);
	free(hostport);
	if (khfile)
		ssh_string_free_char(khfile);
	ssh_key_free(key);
	return rc;
}

/* ---- authentication --------------------------------------------------------- */

/* libssh asks for the passphrase of an encrypted key. */
static int
passphrase_cb(const char *prompt, char *buf, size_t len, int echo, int verify,
			  void *userdata)
{
	ssh_transport *st = userdata;
	const transport_options *opts = st->opts;
	char	   *answer;
	size_t		n;

	if (!opts || !opts->ask || len == 0)
		return -1;
	answer = opts->ask(opts->cb_arg, prompt, echo != 0);
	if (!answer)
		return -1;
	n = strlen(answer);
	if (n >= len)
	{
		pgr_free_secret(answer);
		return -1;
	}
	memcpy(buf, answer, n + 1);
	pgr_free_secret(answer);
	return 0;
}

static void
append_methods(strbuf *sb, int methods)
{
	static const struct
	{
		int			bit;
		const char *name;
	}			names[] = {
		{SSH_AUTH_METHOD_PUBLICKEY, "publickey"},
		{SSH_AUTH_METHOD_PASSWORD, "password"},
		{SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive"},
		{SSH_AUTH_METHOD_HOSTBASED, "hostbased"},
		{SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic"},
	};
	size_t		i;
	bool		first = true;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		if (!(methods & names[i].bit))
			continue;
		if (!first)
			strbuf_append(sb, ", ");
		strbuf_append(sb, names[i].name);
		first = false;
	}
	if (first)
		strbuf_append(sb, "-");
}

/* Returns SSH_AUTH_SUCCESS, _DENIED, _PARTIAL or _ERROR. */
static int
auth_password(ssh_transport *st, const transport_options *opts)
{
	char	   *prompt = pgr_asprintf(_("password for %s: "), st->base.label);
	int			rc = SSH_AUTH_DENIED;
	int			i;

	for (i = 0; i < SSH_PASSWORD_TRIES; i++)
	{
		char	   *pw = opts->ask(opts->cb_arg, prompt, false);

		if (!pw)
			break;
		rc = ssh_userauth_password(st->session, NULL, pw);
		pgr_free_secret(pw);
		if (rc != SSH_AUTH_DENIED)
			break;
	}
	free(prompt);
	return rc;
}

static int
auth_kbdint(ssh_transport *st, const transport_options *opts)
{
	int			rc = ssh_userauth_kbdint(st->session, NULL, NULL);
	int			rounds = 0;

	while (rc == SSH_AUTH_INFO && rounds++ < 10)
	{
		int			n = ssh_userauth_kbdint_getnprompts(st->session);
		int			i;

		for (i = 0; i < n; i++)
		{
			char		echo = 0;
			const char *prompt = ssh_userauth_kbdint_getprompt(st->session,
															   (unsigned) i, &echo);
			char	   *answer;
			int			set;

			answer = opts->ask(opts->cb_arg, prompt ? prompt : "", echo != 0);
			if (!answer)
				return SSH_AUTH_DENIED;
			set = ssh_userauth_kbdint_setanswer(st->session, (unsigned) i, answer);
			pgr_free_secret(answer);
			if (set < 0)
				return SSH_AUTH_ERROR;
		}
		rc = ssh_userauth_kbdint(st->session, NULL, NULL);
	}
	return rc;
}

/*
 * The configuration's first identity file (IdentityFile, else
 * ~/.ssh/id_ed25519), signed at once.  ssh_userauth_publickey_auto first
 * asks whether a key would do, a round trip that OpenSSH answers after
 * its delay for failed attempts: 8 ms of the 16 a log-in took on a LAN.
 * Only without an agent (publickey_auto asks it first) and for a key
 * without a passphrase (no callback: nothing is asked); anything else,
 * and a refusal, go the usual way.
 */
static int
auth_first_key(ssh_transport *st)
{
	const char *agent = getenv("SSH_AUTH_SOCK");
	const char *home = getenv("HOME");
	char	   *id = NULL;
	char	   *path = NULL;
	ssh_key		key = NULL;
	int			rc = SSH_AUTH_DENIED;

	if ((agent && agent[0]) ||
		ssh_options_get(st->session, SSH_OPTIONS_IDENTITY, &id) != SSH_OK || !id)
		return SSH_AUTH_DENIED;
	if (strncmp(id, "%d/", 3) == 0 && home && home[0] == '/')
		path = pgr_asprintf("%s/.ssh/%s", home, id + 3);
	else if (strncmp(id, "~/", 2) == 0 && home && home[0] == '/')
		path = pgr_asprintf("%s/%s", home, id + 2);
	else if (id[0] == '/' && !strchr(id, '%'))
		path = pgr_strdup(id);
	ssh_string_free_char(id);
	if (path && access(path, R_OK) == 0 &&
		ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) == SSH_OK)
		rc = ssh_userauth_publickey(st->session, NULL, key);
	ssh_key_free(key);
	free(path);
	return rc;
}

static int
authenticate(ssh_transport *st, const transport_options *opts, pgr_error *err)
{
	int			rc;
	int			methods;
	strbuf		offered;
	strbuf		tried;

	strbuf_init(&offered);
	strbuf_init(&tried);
	/*
	 * Keys first, without asking for the methods with "none": OpenSSH
	 * delays each failed attempt by some milliseconds (against timing
	 * attacks), and keys are what nearly every server accepts.  The
	 * failure, if any, brings the list of methods; "none" asks for it only
	 * when no key was offered at all.
	 */
	rc = auth_first_key(st);
	if (rc == SSH_AUTH_SUCCESS)
		goto ok;
	if (rc != SSH_AUTH_ERROR)
		rc = ssh_userauth_publickey_auto(st->session, NULL, NULL);
	if (rc == SSH_AUTH_SUCCESS)
		goto ok;
	if (rc == SSH_AUTH_ERROR)
		goto error;
	methods = ssh_userauth_list(st->session, NULL);
	if (methods == 0)
	{
		rc = ssh_userauth_none(st->session, NULL);
		if (rc == SSH_AUTH_SUCCESS)
			goto ok;
		if (rc == SSH_AUTH_ERROR)
			goto error;
		methods = ssh_userauth_list(st->session, NULL);
	}
	else if (methods & SSH_AUTH_METHOD_PUBLICKEY)
		strbuf_append(&tried, "publickey");
	if ((methods & SSH_AUTH_METHOD_PASSWORD) && opts->ask)
	{
		strbuf_append(&tried, tried.len ? ", password" : "password");
		rc = auth_password(st, opts);
		if (rc == SSH_AUTH_SUCCESS)
			goto ok;
		if (rc == SSH_AUTH_ERROR)
			goto error;
		if (rc == SSH_AUTH_PARTIAL)
			methods = ssh_userauth_list(st->session, NULL);
	}
	if ((methods & SSH_AUTH_METHOD_INTERACTIVE) && opts->ask)
	{
		strbuf_append(&tried, tried.len ? ", keyboard-interactive" : "keyboard-interactive");
		rc = auth_kbdint(st, opts);
		if (rc == SSH_AUTH_SUCCESS)
			goto ok;
		if (rc == SSH_AUTH_ERROR)
			goto error;
	}

	append_methods(&offered, methods);
	pgr_error_set(err, PGR_ERR_AUTH, _("authentication to %s failed"), st->base.label);
	pgr_error_detail(err, _("The server accepts: %s; tried: %s."), offered.data,
					 tried.len ? tried.data : "-");
	pgr_error_hint(err, _("Load the key into ssh-agent or name it with IdentityFile in the ssh configuration, and check that its public key is in ~%s/.ssh/authorized_keys on the host."),
				   st->user ? st->user : "");
	strbuf_free(&offered);
	strbuf_free(&tried);
	return -1;

error:
	pgr_error_set(err, PGR_ERR_AUTH, _("authentication to %s failed"), st->base.label);
	pgr_error_detail(err, "%s", ssh_get_error(st->session));
	strbuf_free(&offered);
	strbuf_free(&tried);
	return -1;

ok:
	strbuf_free(&offered);
	strbuf_free(&tried);
	return 0;
}

/* ---- opening ------------------------------------------------------------------- */

/* TCP keep-alive: a partitioned host is noticed by the kernel too. */
static void
set_socket_options(ssh_transport *st)
{
	socket_t	fd = ssh_get_fd(st->session);
	int			on = 1;

	if (fd < 0)
		return;
	/* Best effort: a ProxyCommand gives a pipe, not a TCP socket. */
	(void) setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));

	/*
	 * Every operation is a short request/answer exchange (channel open,
	 * exec, SFTP packets): with Nagle's algorithm each small write waits
	 * for the ACK of the previous one, which the server delays up to 40 ms.
	 * That was 40 ms on nearly every file operation of a standby build.
	 */
	(void) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
#ifdef TCP_KEEPIDLE
	{
		int			idle = st->keepalive_s;
		int			cnt = SSH_KEEPALIVE_COUNT_MAX;

		(void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
		(void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
		(void) setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	}
#endif
#ifdef TCP_USER_TIMEOUT
	{
		unsigned int ms = (unsigned int) st->io_timeout_s * 1000;

		(void) setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &ms, sizeof(ms));
	}
#endif
}

static void
ssh_transport_free(ssh_transport *st)
{
	if (st->sftp)
		sftp_free(st->sftp);
	if (st->session)
	{
		if (ssh_is_connected(st->session))
			ssh_disconnect(st->session);
		ssh_free(st->session);
	}
	free(st->host);
	free(st->user);
	free(st->owner_name);
	free(st->base.label);
	free(st->base.become);
	free(st);
}

#define SET_OPTION(opt, val, what) \
	do { \
		if (ssh_options_set(st->session, (opt), (val)) < 0) \
		{ \
			pgr_error_set(err, PGR_ERR_INPUT, _("invalid SSH setting %s for \"%s\""), \
						  (what), target); \
			pgr_error_detail(err, "%s", ssh_get_error(st->session)); \
			goto fail; \
		} \
	} while (0)

transport *
transport_ssh_open(const char *target, const transport_options *opts,
				   pgr_error *err)
{
	transport_options none = {0};
	ssh_transport *st = pgr_calloc(1, sizeof(*st));
	char	   *user = NULL;
	char	   *host = NULL;
	char	   *s = NULL;
	int			port = 0;
	long		timeout;
	const char *debug;

	if (!opts)
		opts = &none;
	st->base.ops = &ssh_ops;
	st->base.become = opts->become ? pgr_strdup(opts->become) : NULL;
	st->base.label = pgr_strdup(target ? target : "");
	st->keepalive_s = opts->keepalive_s > 0 ? opts->keepalive_s : SSH_DEFAULT_KEEPALIVE_S;
	st->io_timeout_s = st->keepalive_s * SSH_KEEPALIVE_COUNT_MAX;
	st->opts = opts;

	if (!target || parse_target(target, &user, &host, &port, err) < 0)
	{
		if (!target)
			pgr_error_set(err, PGR_ERR_INPUT, _("no SSH target given"));
		goto fail;
	}
	if (opts->ssh_config && access(opts->ssh_config, R_OK) != 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("could not read the ssh configuration \"%s\": %s"),
					  opts->ssh_config, strerror(errno));
		goto fail;
	}

	st->session = ssh_new();
	if (!st->session)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not create an SSH session"));
		goto fail;
	}
	debug = getenv("PGREPLICA_SSH_DEBUG");
	if (debug && *debug)
		SET_OPTION(SSH_OPTIONS_LOG_VERBOSITY_STR, debug, "LogLevel");
	SET_OPTION(SSH_OPTIONS_HOST, host, "Host");
	/* The configuration first: Host blocks match the name as given. */
	if (ssh_options_parse_config(st->session, opts->ssh_config) < 0)
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("could not read the ssh configuration \"%s\""),
					  opts->ssh_config ? opts->ssh_config : "~/.ssh/config");
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		goto fail;
	}
	/* What the target says explicitly wins over the configuration. */
	if (user)
		SET_OPTION(SSH_OPTIONS_USER, user, "User");
	if (port)
		SET_OPTION(SSH_OPTIONS_PORT, &port, "Port");
	timeout = opts->connect_timeout_s > 0 ? opts->connect_timeout_s : SSH_DEFAULT_CONNECT_TIMEOUT_S;
	SET_OPTION(SSH_OPTIONS_TIMEOUT, &timeout, "ConnectTimeout");
	/* TCP_NODELAY from the first packet: see set_socket_options() */
	{
		int			nodelay = 1;

		(void) ssh_options_set(st->session, SSH_OPTIONS_NODELAY, &nodelay);
	}

	/* Names for messages, as the configuration resolved them. */
	if (ssh_options_get(st->session, SSH_OPTIONS_HOST, &s) == SSH_OK && s)
	{
		st->host = pgr_strdup(s);
		ssh_string_free_char(s);
		s = NULL;
	}
	else
		st->host = pgr_strdup(host);
	if (ssh_options_get_port(st->session, &st->port) != SSH_OK || st->port == 0)
		st->port = 22;
	if (ssh_options_get(st->session, SSH_OPTIONS_USER, &s) == SSH_OK && s)
	{
		st->user = pgr_strdup(s);
		ssh_string_free_char(s);
		s = NULL;
	}
	else if (user)
		st->user = pgr_strdup(user);
	free(st->base.label);
	st->base.label = make_label(st->user, st->host, st->port);

	/* Passphrases of encrypted keys go through opts->ask too. */
	st->callbacks.userdata = st;
	st->callbacks.auth_function = passphrase_cb;
	ssh_callbacks_init(&st->callbacks);
	if (ssh_set_callbacks(st->session, &st->callbacks) != SSH_OK)
	{
		pgr_error_set(err, PGR_ERR_GENERIC, _("could not create an SSH session"));
		goto fail;
	}

	if (ssh_connect(st->session) != SSH_OK)
	{
		pgr_error_set(err, PGR_ERR_CONNECT, _("could not connect to %s"), st->base.label);
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		pgr_error_hint(err, _("Check the host name and port (also in the ssh configuration), that sshd runs on the host and that no firewall is in the way."));
		goto fail;
	}
	/* The user name is only certain once libssh applied its defaults. */
	if (!st->user && ssh_options_get(st->session, SSH_OPTIONS_USER, &s) == SSH_OK && s)
	{
		st->user = pgr_strdup(s);
		ssh_string_free_char(s);
		s = NULL;
		free(st->base.label);
		st->base.label = make_label(st->user, st->host, st->port);
	}

	if (verify_host_key(st, opts, err) < 0)
		goto fail;				/* nothing more is sent on this connection */

	restore_blocking_timeout(st);
	if (authenticate(st, opts, err) < 0)
		goto fail;

	set_socket_options(st);
	st->last_traffic_ms = pgr_now_ms();
	st->opts = NULL;
	free(user);
	free(host);
	return &st->base;

fail:
	free(user);
	free(host);
	ssh_transport_free(st);
	return NULL;
}

/* ---- exec ------------------------------------------------------------------------ */

typedef struct exec_state {
	int			exit_status;	/* -1 until known */
	int			exit_signal;	/* 0 unless killed */
} exec_state;

static int
signal_number(const char *name)
{
	static const struct
	{
		const char *name;
		int			num;
	}			sigs[] = {
		{"ABRT", SIGABRT}, {"ALRM", SIGALRM}, {"BUS", SIGBUS}, {"FPE", SIGFPE},
		{"HUP", SIGHUP}, {"ILL", SIGILL}, {"INT", SIGINT}, {"KILL", SIGKILL},
		{"PIPE", SIGPIPE}, {"QUIT", SIGQUIT}, {"SEGV", SIGSEGV}, {"TERM", SIGTERM},
		{"USR1", SIGUSR1}, {"USR2", SIGUSR2}, {"TRAP", SIGTRAP}, {"SYS", SIGSYS},
		{"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
	};
	size_t		i;

	if (!name)
		return 0;
	if (strncmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (strcmp(sigs[i].name, name) == 0)
			return sigs[i].num;
	return 127;					/* unknown: 128 + 127 = 255 */
}

static void
on_exit_status(ssh_session session, ssh_channel channel, int exit_status,
			   void *userdata)
{
	exec_state *es = userdata;

	es->exit_status = exit_status & 0xff;
}

static void
on_exit_signal(ssh_session session, ssh_channel channel, const char *signal,
			   int core, const char *errmsg, const char *lang, void *userdata)
{
	exec_state *es = userdata;

	es->exit_signal = signal_number(signal);
}

/*
 * One command on its own channel.  ssh_exec is the sequence; each step is
 * a function of its own: open the channel and start the command, feed
 * stdin, read stdout and stderr, watch a silent server, wait for the exit
 * status, stop the command at its deadline, close the channel.
 */
typedef struct ssh_cmd {
	ssh_transport *st;
	const char *const *argv;
	const transport_exec_opts *opts;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	exec_state	es;
	size_t		sent;			/* bytes of opts->input written */
	bool		eof_sent;
	bool		done[2];		/* stdout, stderr: EOF seen */
	int64_t		deadline;		/* 0: none */
	int64_t		last_probe;
} ssh_cmd;

/* What a step returns besides 0 (go on) and -1 (failed, err set). */
#define SSH_CMD_TIMED_OUT 1

static int
check_exec_args(const char *const *argv, const transport_exec_opts *opts,
				pgr_error *err)
{
	if (!argv || !argv[0])
		return pgr_error_set(err, PGR_ERR_EXEC, _("no command given"));
	for (size_t i = 0; opts->env && opts->env[i]; i++)
		if (!strchr(opts->env[i], '=') || opts->env[i][0] == '=')
			return pgr_error_set(err, PGR_ERR_INPUT,
								 _("invalid environment entry \"%s\""), opts->env[i]);
	return 0;
}

/*
 * A session channel, opened in non-blocking steps that acknowledge at once
 * what each step read.  Right after the log-in OpenSSH sends a notice
 * (hostkeys-00@openssh.com) that crosses our first channel request; sshd
 * does not set TCP_NODELAY for sessions without a terminal, so under
 * Nagle's algorithm its answer waits for the ACK of that notice, which
 * Linux delays by up to 40 ms: 40 ms on the first command of every
 * session, measured (bench/README.md).  TCP_QUICKACK sends a pending ACK
 * once libssh has emptied the receive queue, hence after each step.
 * NULL on failure, with libssh's error in the session.
 */
static ssh_channel
open_channel(ssh_transport *st)
{
	ssh_channel ch = ssh_channel_new(st->session);
	socket_t	fd = ssh_get_fd(st->session);
	int64_t		deadline = pgr_now_ms() + (int64_t) st->io_timeout_s * 1000;
	int			on = 1;
	int			rc;

	if (!ch)
		return NULL;
	ssh_set_blocking(st->session, 0);
	while ((rc = ssh_channel_open_session(ch)) == SSH_AGAIN && pgr_now_ms() < deadline)
	{
		struct pollfd pfd = {.fd = fd, .events = POLLIN};

		/* Best effort: a ProxyCommand gives a pipe, not a TCP socket. */
		(void) setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &on, sizeof(on));
		(void) poll(&pfd, 1, 10);
	}
	ssh_set_blocking(st->session, 1);
	if (rc != SSH_OK)
	{
		ssh_channel_free(ch);
		return NULL;
	}
	return ch;
}

/* A session channel with the exit callbacks set, running the command. */
static int
open_exec_channel(ssh_cmd *c, pgr_error *err)
{
	ssh_transport *st = c->st;
	char	   *line = shquote_env_argv(c->opts->env, c->argv);
	int			rc = -1;

	c->ch = open_channel(st);
	if (!c->ch)
	{
		if (!ssh_is_connected(st->session))
			connection_lost(st, err);
		else
		{
			pgr_error_set(err, PGR_ERR_EXEC, _("could not open a channel to %s to run \"%s\""),
						  st->base.label, c->argv[0]);
			pgr_error_detail(err, "%s", ssh_get_error(st->session));
		}
		goto out;
	}
	memset(&c->cb, 0, sizeof(c->cb));
	c->cb.userdata = &c->es;
	c->cb.channel_exit_status_function = on_exit_status;
	c->cb.channel_exit_signal_function = on_exit_signal;
	ssh_callbacks_init(&c->cb);
	ssh_set_channel_callbacks(c->ch, &c->cb);

	if (ssh_channel_request_exec(c->ch, line) != SSH_OK)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not run \"%s\" on %s"), c->argv[0],
					  st->base.label);
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		goto out;
	}
	st->last_traffic_ms = pgr_now_ms();
	rc = 0;
out:
	free(line);
	return rc;
}

/* Write what the window allows of stdin; EOF once it is all sent. */
static int
feed_stdin(ssh_cmd *c, bool *progress, pgr_error *err)
{
	const transport_exec_opts *opts = c->opts;

	if (c->eof_sent)
		return 0;
	if (opts->input && c->sent < opts->input_len)
	{
		uint32_t	window = ssh_channel_window_size(c->ch);

		if (window > 0)
		{
			size_t		chunk = opts->input_len - c->sent;
			int			n;

			if (chunk > window)
				chunk = window;
			if (chunk > SSH_CHUNK)
				chunk = SSH_CHUNK;
			n = ssh_channel_write(c->ch, opts->input + c->sent, (uint32_t) chunk);
			if (n == SSH_ERROR)
			{
				/* closed: the command exited without reading everything */
				if (!ssh_channel_is_closed(c->ch) && !ssh_channel_is_eof(c->ch))
					return connection_lost(c->st, err);
				c->eof_sent = true;
			}
			else if (n > 0)
			{
				c->sent += (size_t) n;
				*progress = true;
			}
		}
	}
	if (!c->eof_sent && (!opts->input || c->sent >= opts->input_len))
	{
		if (ssh_channel_send_eof(c->ch) == SSH_ERROR && !ssh_is_connected(c->st->session))
			return connection_lost(c->st, err);
		c->eof_sent = true;
	}
	return 0;
}

/* Read what has arrived on stdout and stderr, without waiting. */
static int
read_streams(ssh_cmd *c, bool *progress, pgr_error *err)
{
	char		buf[SSH_CHUNK];

	for (int s = 0; s < 2; s++)
	{
		int			n;

		if (c->done[s])
			continue;
		n = ssh_channel_read_nonblocking(c->ch, buf, sizeof(buf), s);
		if (n == SSH_ERROR)
			return connection_lost(c->st, err);
		if (n > 0)
		{
			if (c->opts->output)
				c->opts->output(c->opts->output_arg,
								s ? TRANSPORT_STDERR : TRANSPORT_STDOUT,
								buf, (size_t) n);
			*progress = true;
			c->st->last_traffic_ms = pgr_now_ms();
		}
		else if (n == SSH_EOF || (n == 0 && ssh_channel_is_eof(c->ch) &&
								  ssh_channel_poll(c->ch, s) <= 0))
			c->done[s] = true;
	}
	return 0;
}

/*
 * Nothing to do: wait a little for data, and after keepalive_s of silence
 * ask the server whether it is still there.
 */
static int
wait_for_data(ssh_cmd *c, pgr_error *err)
{
	ssh_transport *st = c->st;
	int64_t		keepalive = (int64_t) st->keepalive_s * 1000;
	int64_t		limit;
	int			alive;
	int			s;

	set_blocking_timeout_ms(st, SSH_POLL_MS);
	s = ssh_channel_poll_timeout(c->ch, SSH_POLL_MS, 0);
	restore_blocking_timeout(st);
	if (s == SSH_ERROR)
		return connection_lost(st, err);
	if (s > 0)
		st->last_traffic_ms = pgr_now_ms();

	if (pgr_now_ms() - st->last_traffic_ms < keepalive ||
		pgr_now_ms() - c->last_probe < keepalive)
		return 0;
	limit = (int64_t) st->io_timeout_s * 1000;
	if (c->deadline && c->deadline - pgr_now_ms() < limit)
		limit = c->deadline - pgr_now_ms();
	c->last_probe = pgr_now_ms();
	alive = probe_server(st, limit, err);
	if (alive < 0)
		return -1;
	if (c->deadline && pgr_now_ms() >= c->deadline)
		return SSH_CMD_TIMED_OUT;
	if (alive == 0)
		return server_silent(st, err);
	return 0;
}

/* Streams: stdin out, stdout and stderr in, until the remote EOF. */
static int
stream_loop(ssh_cmd *c, pgr_error *err)
{
	while (!(c->done[0] && c->done[1]))
	{
		bool		progress = false;
		int			rc;

		if (feed_stdin(c, &progress, err) < 0 || read_streams(c, &progress, err) < 0)
			return -1;
		if (c->done[0] && c->done[1])
			break;
		if (c->deadline && pgr_now_ms() >= c->deadline)
			return SSH_CMD_TIMED_OUT;
		if (progress)
			continue;
		if (ssh_channel_is_closed(c->ch))
			break;
		if ((rc = wait_for_data(c, err)) != 0)
			return rc;
	}
	return 0;
}

/* The output is complete; the exit status may still be on its way. */
static int
wait_exit_status(ssh_cmd *c, pgr_error *err)
{
	ssh_transport *st = c->st;

	while (c->es.exit_status < 0 && c->es.exit_signal == 0 && !ssh_channel_is_closed(c->ch))
	{
		int64_t		wait_ms = 200;

		if (c->deadline)
		{
			if (pgr_now_ms() >= c->deadline)
				return SSH_CMD_TIMED_OUT;
			if (c->deadline - pgr_now_ms() < wait_ms)
				wait_ms = c->deadline - pgr_now_ms();
		}
		set_blocking_timeout_ms(st, wait_ms);
		(void) ssh_channel_get_exit_status(c->ch);
		restore_blocking_timeout(st);
		if (!ssh_is_connected(st->session))
			return connection_lost(st, err);
		if (c->es.exit_status < 0 && c->es.exit_signal == 0 && !ssh_channel_is_closed(c->ch) &&
			pgr_now_ms() - st->last_traffic_ms >= (int64_t) st->io_timeout_s * 1000)
		{
			int			alive = probe_server(st, (int64_t) st->io_timeout_s * 1000, err);

			if (alive < 0)
				return -1;
			if (alive == 0)
				return connection_lost(st, err);
		}
	}
	return 0;
}

/* 0-255, or 128 + the signal that killed it. */
static int
exit_status_of(ssh_cmd *c, int *exit_status, pgr_error *err)
{
	int			status;

	if (c->es.exit_signal)
		*exit_status = 128 + c->es.exit_signal;
	else if (c->es.exit_status >= 0)
		*exit_status = c->es.exit_status;
	else if ((status = ssh_channel_get_exit_status(c->ch)) >= 0)
		*exit_status = status & 0xff;
	else
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("no exit status for \"%s\" from %s"),
					  c->argv[0], c->st->base.label);
		pgr_error_detail(err, _("The channel was closed before the command reported how it ended."));
		return -1;
	}
	c->st->last_traffic_ms = pgr_now_ms();
	return 0;
}

static int
stop_timed_out(ssh_cmd *c, pgr_error *err)
{
	/* sshd sends the signal to the command's whole process group. */
	(void) ssh_channel_request_send_signal(c->ch, "KILL");
	pgr_error_set(err, PGR_ERR_TIMEOUT, _("\"%s\" did not finish within %d ms and was stopped"),
				  c->argv[0], c->opts->timeout_ms);
	pgr_error_detail(err, _("Host: %s."), c->st->base.label);
	return -1;
}

static void
close_exec_channel(ssh_cmd *c)
{
	if (!c->ch)
		return;
	if (ssh_channel_is_open(c->ch) && ssh_is_connected(c->st->session))
	{
		set_blocking_timeout_ms(c->st, 2000);
		(void) ssh_channel_close(c->ch);
		restore_blocking_timeout(c->st);
	}
	ssh_channel_free(c->ch);
	c->ch = NULL;
}

static int
ssh_exec(transport *t, const char *const *argv, const transport_exec_opts *opts,
		 int *exit_status, pgr_error *err)
{
	ssh_cmd		c = {0};
	int			rc;

	*exit_status = -1;
	if (check_exec_args(argv, opts, err) < 0 || check_alive((ssh_transport *) t, err) < 0)
		return -1;
	c.st = (ssh_transport *) t;
	c.argv = argv;
	c.opts = opts;
	c.es.exit_status = -1;
	if (opts->timeout_ms > 0)
		c.deadline = pgr_now_ms() + opts->timeout_ms;

	rc = open_exec_channel(&c, err);
	if (rc == 0)
		rc = stream_loop(&c, err);
	if (rc == 0)
		rc = wait_exit_status(&c, err);
	if (rc == 0)
		rc = exit_status_of(&c, exit_status, err);
	else if (rc == SSH_CMD_TIMED_OUT)
		rc = stop_timed_out(&c, err);
	close_exec_channel(&c);
	return rc;
}

/* ---- SFTP ---------------------------------------------------------------------- */

static int
sftp_ready(ssh_transport *st, pgr_error *err)
{
	ssh_channel ch;

	if (check_alive(st, err) < 0)
		return -1;
	if (st->sftp)
		return 0;
	/* sftp_new() would open its channel in one blocking call: see open_channel */
	ch = open_channel(st);
	if (ch && ssh_channel_request_sftp(ch) != SSH_OK)
	{
		ssh_channel_free(ch);
		ch = NULL;
	}
	st->sftp = ch ? sftp_new_channel(st->session, ch) : NULL;
	if (!st->sftp)
	{
		if (ch)
			ssh_channel_free(ch);
		pgr_error_set(err, PGR_ERR_IO, _("could not start SFTP on %s"), st->base.label);
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		return -1;
	}
	if (sftp_init(st->sftp) != SSH_OK)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not start SFTP on %s"), st->base.label);
		pgr_error_detail(err, "%s", ssh_get_error(st->session));
		pgr_error_hint(err, _("The SSH server must offer the sftp subsystem (Subsystem sftp in sshd_config)."));
		sftp_free(st->sftp);
		st->sftp = NULL;
		return -1;
	}
	return 0;
}

/* Why an SFTP request failed with `code`, as a sentence. */
static const char *
sftp_reason_code(ssh_transport *st, int code)
{
	switch (code)
	{
		case SSH_FX_NO_SUCH_FILE:
		case SSH_FX_NO_SUCH_PATH:
			return strerror(ENOENT);
		case SSH_FX_PERMISSION_DENIED:
			return strerror(EACCES);
		case SSH_FX_FILE_ALREADY_EXISTS:
			return strerror(EEXIST);
		case SSH_FX_WRITE_PROTECT:
			return strerror(EROFS);
		case SSH_FX_OP_UNSUPPORTED:
			return strerror(EOPNOTSUPP);
		default:
			return ssh_get_error(st->session);
	}
}

/* Why the last SFTP request failed. */
static const char *
sftp_reason(ssh_transport *st)
{
	return sftp_reason_code(st, st->sftp ? sftp_get_error(st->sftp) : SSH_FX_FAILURE);
}

/* After a failed SFTP request: was it the connection? */
static void
note_sftp_failure(ssh_transport *st)
{
	if (!ssh_is_connected(st->session))
		st->dead = true;
	else
		st->last_traffic_ms = pgr_now_ms();
}

static int
ssh_read_file(transport *t, const char *path, size_t max_size, char **data,
			  size_t *len, pgr_error *err)
{
	ssh_transport *st = (ssh_transport *) t;
	sftp_file	f;
	strbuf		sb;
	char		buf[SSH_CHUNK];

	*data = NULL;
	*len = 0;
	if (max_size == 0)
		max_size = SSH_READ_MAX_DEFAULT;
	if (sftp_ready(st, err) < 0)
		return -1;
	f = sftp_open(st->sftp, path, O_RDONLY, 0);
	if (!f)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not open \"%s\" on %s for reading: %s"),
					  path, t->label, sftp_reason(st));
		note_sftp_failure(st);
		return -1;
	}
	strbuf_init(&sb);
	for (;;)
	{
		ssize_t		n = sftp_read(f, buf, sizeof(buf));

		if (n < 0)
		{
			pgr_error_set(err, PGR_ERR_IO, _("could not read \"%s\" on %s: %s"),
						  path, t->label, sftp_reason(st));
			note_sftp_failure(st);
			goto fail;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t) n > max_size)
		{
			pgr_error_set(err, PGR_ERR_IO, _("file \"%s\" on %s is too large"), path, t->label);
			pgr_error_detail(err, _("The limit is %zu bytes."), max_size);
			goto fail;
		}
		strbuf_append_len(&sb, buf, (size_t) n);
	}
	sftp_close(f);
	st->last_traffic_ms = pgr_now_ms();
	*len = sb.len;
	*data = strbuf_detach(&sb);
	strbuf_free(&sb);
	return 0;

fail:
	sftp_close(f);
	strbuf_free(&sb);
	return -1;
}

/*
 * Run a small command of the backend's own (rename, id, readlink) on this
 * session and keep one of its streams in `sb`.  It calls ssh_exec itself,
 * never transport_capture: the front end would put `become` in front again
 * and this backend must not depend on the layer above it.
 */
typedef struct ssh_keep
{
	transport_stream stream;
	strbuf	   *sb;
} ssh_keep;

static void
keep_stream(void *arg, transport_stream stream, const char *data, size_t len)
{
	ssh_keep   *k = arg;

	if (stream == k->stream)
		strbuf_append_len(k->sb, data, len);
}

static int
ssh_run(ssh_transport *st, const char *const *argv, transport_stream stream,
		strbuf *sb, int *status, pgr_error *err)
{
	ssh_keep	k = {stream, sb};
	transport_exec_opts o = {0};

	o.output = keep_stream;
	o.output_arg = &k;
	o.timeout_ms = st->io_timeout_s * 1000;
	return ssh_exec(&st->base, argv, &o, status, err);
}

/* Run a small command and keep its first line of output. */
static int
remote_first_line(ssh_transport *st, const char *const *argv, char **line,
				  pgr_error *err)
{
	strbuf		out;
	int			status = 0;

	*line = NULL;
	strbuf_init(&out);
	if (ssh_run(st, argv, TRANSPORT_STDOUT, &out, &status, err) < 0)
	{
		strbuf_free(&out);
		return -1;
	}
	if (status != 0)
	{
		strbuf_free(&out);
		return 1;
	}
	out.data[strcspn(out.data, "\n")] = '\0';
	*line = strbuf_detach(&out);
	strbuf_free(&out);
	return 0;
}

static bool
parse_id(const char *s, long *id)
{
	char	   *end;

	if (!s || !*s)
		return false;
	errno = 0;
	*id = strtol(s, &end, 10);
	return errno == 0 && *end == '\0' && *id >= 0;
}

/* Owner and group of a new file, as numbers on the remote host; -1: keep. */
static int
resolve_owner(ssh_transport *st, const transport_write_opts *opts, long *uid,
			  long *gid, pgr_error *err)
{
	char	   *line = NULL;
	int			rc;

	*uid = -1;
	*gid = -1;
	if (opts->owner && st->owner_name && strcmp(opts->owner, st->owner_name) == 0)
	{
		*uid = st->owner_uid;
		*gid = st->owner_gid;
	}
	else if (opts->owner && !parse_id(opts->owner, uid))
	{
		const char *argv[] = {"sh", "-c", "id -u -- \"$1\" && id -g -- \"$1\"", "sh",
		opts->owner, NULL};
		char	   *nl;

		strbuf		out;
		int			status = 0;

		strbuf_init(&out);
		if (ssh_run(st, argv, TRANSPORT_STDOUT, &out, &status, err) < 0)
		{
			strbuf_free(&out);
			return -1;
		}
		nl = strchr(out.data, '\n');
		if (nl)
			*nl++ = '\0';
		if (status != 0 || !nl || !parse_id(out.data, uid))
		{
			strbuf_free(&out);
			return pgr_error_set(err, PGR_ERR_INPUT, _("unknown user \"%s\" on %s"),
								 opts->owner, st->base.label);
		}
		nl[strcspn(nl, "\n")] = '\0';
		if (!parse_id(nl, gid))
			*gid = -1;
		strbuf_free(&out);
		free(st->owner_name);
		st->owner_name = pgr_strdup(opts->owner);
		st->owner_uid = *uid;
		st->owner_gid = *gid;
	}
	if (opts->group && !parse_id(opts->group, gid))
	{
		const char *argv[] = {"getent", "group", opts->group, NULL};
		char	   *f;

		rc = remote_first_line(st, argv, &line, err);
		if (rc < 0)
			return -1;
		/* name:password:GID:members */
		f = line ? strchr(line, ':') : NULL;
		f = f ? strchr(f + 1, ':') : NULL;
		if (rc != 0 || !f)
		{
			free(line);
			return pgr_error_set(err, PGR_ERR_INPUT, _("unknown group \"%s\" on %s"),
								 opts->group, st->base.label);
		}
		f++;
		f[strcspn(f, ":")] = '\0';
		if (!parse_id(f, gid))
		{
			free(line);
			return pgr_error_set(err, PGR_ERR_INPUT, _("unknown group \"%s\" on %s"),
								 opts->group, st->base.label);
		}
		free(line);
	}
	return 0;
}

static void
random_suffix(char *out, size_t n)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[16];
	size_t		i;
	FILE	   *f = fopen("/dev/urandom", "rb");

	if (!f || fread(rnd, 1, sizeof(rnd), f) != sizeof(rnd))
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char) ((ts.tv_nsec >> (i % 4 * 8)) ^ (getpid() >> (i % 2 * 8)) ^ (i * 37));
	}
	if (f)
		fclose(f);
	for (i = 0; i + 1 < n && i < sizeof(rnd); i++)
		out[i] = chars[rnd[i] % (sizeof(chars) - 1)];
	out[i] = '\0';
}

/* path's directory (allocated) and its last component (inside path). */
static void
split_path(const char *path, char **dir, const char **base)
{
	const char *slash = strrchr(path, '/');

	if (slash)
	{
		*dir = slash == path ? pgr_strdup("/") : pgr_strndup(path, (size_t) (slash - path));
		*base = slash + 1;
	}
	else
	{
		*dir = pgr_strdup(".");
		*base = path;
	}
}

/*
 * The mode and owner the new file gets: the existing file's (followed if a
 * link, as the local transport does), else the options'.
 */
static int
target_mode_owner(ssh_transport *st, const char *path, const transport_write_opts *opts,
				  mode_t *mode, long *uid, long *gid, pgr_error *err)
{
	sftp_attributes old = sftp_stat(st->sftp, path);

	if (!old)
	{
		int			code = sftp_get_error(st->sftp);

		if (code != SSH_FX_NO_SUCH_FILE && code != SSH_FX_NO_SUCH_PATH)
		{
			pgr_error_set(err, PGR_ERR_IO, _("could not read the status of \"%s\" on %s: %s"),
						  path, st->base.label, sftp_reason(st));
			note_sftp_failure(st);
			return -1;
		}
		*mode = opts->secret || !opts->mode ? 0600 : (opts->mode & 07777);
		return resolve_owner(st, opts, uid, gid, err);
	}
	if (!S_ISREG(old->permissions))
	{
		pgr_error_set(err, PGR_ERR_IO, _("\"%s\" on %s is not a regular file"), path, st->base.label);
		sftp_attributes_free(old);
		return -1;
	}
	*mode = opts->secret ? 0600 : old->permissions & 07777;
	*uid = (long) old->uid;
	*gid = (long) old->gid;
	sftp_attributes_free(old);
	return 0;
}

/* A fresh temporary file next to the target: O_EXCL, never someone else's. */
static sftp_file
create_temp(ssh_transport *st, const char *dir, const char *base, char **tmp,
			pgr_error *err)
{
	sftp_file	f = NULL;
	int			open_error = SSH_FX_FAILURE;

	for (int tries = 0; tries < 10 && !f; tries++)
	{
		char		suffix[7];

		random_suffix(suffix, sizeof(suffix));
		free(*tmp);
		*tmp = pgr_asprintf("%s/.%s.pgreplica-%s", dir, base, suffix);
		f = sftp_open(st->sftp, *tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
		if (!f)
		{
			sftp_attributes exists;

			open_error = sftp_get_error(st->sftp);
			/* SFTP v3 reports EEXIST as a plain failure: look. */
			if (open_error != SSH_FX_FAILURE && open_error != SSH_FX_FILE_ALREADY_EXISTS)
				break;
			exists = sftp_lstat(st->sftp, *tmp);
			if (!exists)
				break;			/* not a name clash: report it */
			sftp_attributes_free(exists);
		}
	}
	if (!f)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not create a temporary file in \"%s\" on %s: %s"),
					  dir, st->base.label, sftp_reason_code(st, open_error));
		note_sftp_failure(st);
	}
	return f;
}

/* Owner and mode before any byte is written: a secret is never exposed. */
static int
set_owner_mode(ssh_transport *st, sftp_file f, const char *tmp, mode_t mode,
			   long uid, long gid, pgr_error *err)
{
	sftp_attributes cur = sftp_fstat(f);

	if (cur && ((uid >= 0 && (long) cur->uid != uid) || (gid >= 0 && (long) cur->gid != gid)))
	{
		uid_t		u = uid >= 0 ? (uid_t) uid : cur->uid;
		gid_t		g = gid >= 0 ? (gid_t) gid : cur->gid;

		if (sftp_chown(st->sftp, tmp, u, g) < 0)
		{
			pgr_error_set(err, PGR_ERR_IO, _("could not set the owner of \"%s\" on %s: %s"),
						  tmp, st->base.label, sftp_reason(st));
			pgr_error_hint(err, _("Keeping the owner of a file needs the rights of its owner or of root."));
			note_sftp_failure(st);
			sftp_attributes_free(cur);
			return -1;
		}
	}
	if (cur)
		sftp_attributes_free(cur);
	if (sftp_chmod(st->sftp, tmp, mode) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not set the mode of \"%s\" on %s: %s"),
					  tmp, st->base.label, sftp_reason(st));
		note_sftp_failure(st);
		return -1;
	}
	return 0;
}

/* The bytes, made durable, and the file closed (*f is NULL once it is). */
static int
write_and_close(ssh_transport *st, sftp_file *f, const char *path,
				const void *data, size_t len, pgr_error *err)
{
	size_t		off = 0;

	while (off < len)
	{
		size_t		chunk = len - off > SSH_CHUNK ? SSH_CHUNK : len - off;
		ssize_t		n = sftp_write(*f, (const char *) data + off, chunk);

		if (n <= 0)
		{
			pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\" on %s: %s"),
						  path, st->base.label, sftp_reason(st));
			pgr_error_hint(err, _("The old file is unchanged."));
			note_sftp_failure(st);
			return -1;
		}
		off += (size_t) n;
	}
	if (sftp_extension_supported(st->sftp, "fsync@openssh.com", "1") &&
		sftp_fsync(*f) < 0)
	{
		pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\" on %s: %s"),
					  path, st->base.label, sftp_reason(st));
		note_sftp_failure(st);
		return -1;
	}
	if (sftp_close(*f) < 0)
	{
		*f = NULL;
		pgr_error_set(err, PGR_ERR_IO, _("could not write \"%s\" on %s: %s"),
					  path, st->base.label, sftp_reason(st));
		note_sftp_failure(st);
		return -1;
	}
	*f = NULL;
	return 0;
}

/* rename(2) over the target, then make the directory entry durable. */
static int
rename_into_place(ssh_transport *st, const char *tmp, const char *path,
				  const char *dir, pgr_error *err)
{
	const char *argv[] = {"sh", "-c",
		"mv -f -T -- \"$1\" \"$2\" || exit; sync -- \"$3\" 2>/dev/null; exit 0",
	"sh", tmp, path, dir, NULL};
	strbuf		errout;
	int			status = 0;
	int			rc = 0;

	strbuf_init(&errout);
	if (ssh_run(st, argv, TRANSPORT_STDERR, &errout, &status, err) < 0)
		rc = -1;
	else if (status != 0)
	{
		errout.data[strcspn(errout.data, "\n")] = '\0';
		pgr_error_set(err, PGR_ERR_IO, _("could not rename \"%s\" to \"%s\" on %s"),
					  tmp, path, st->base.label);
		if (errout.data[0])
			pgr_error_detail(err, "%s", errout.data);
		rc = -1;
	}
	strbuf_free(&errout);
	return rc;
}

static int
ssh_write_file(transport *t, const char *path, const void *data, size_t len,
			   const transport_write_opts *opts, pgr_error *err)
{
	ssh_transport *st = (ssh_transport *) t;
	char	   *dir;
	const char *base;
	char	   *tmp = NULL;
	bool		tmp_created = false;
	sftp_file	f = NULL;
	mode_t		mode;
	long		uid = -1;
	long		gid = -1;
	int			rc = -1;

	split_path(path, &dir, &base);
	if (base[0] == '\0')
	{
		pgr_error_set(err, PGR_ERR_INPUT, _("\"%s\" is not a file name"), path);
		goto out;
	}
	if (sftp_ready(st, err) < 0 ||
		target_mode_owner(st, path, opts, &mode, &uid, &gid, err) < 0)
		goto out;
	if (!(f = create_temp(st, dir, base, &tmp, err)))
		goto out;
	tmp_created = true;
	if (set_owner_mode(st, f, tmp, mode, uid, gid, err) < 0 ||
		write_and_close(st, &f, path, data, len, err) < 0 ||
		rename_into_place(st, tmp, path, dir, err) < 0)
		goto out;
	tmp_created = false;
	st->last_traffic_ms = pgr_now_ms();
	rc = 0;

out:
	if (f)
		sftp_close(f);
	if (tmp_created && st->sftp && !st->dead)
		(void) sftp_unlink(st->sftp, tmp);
	free(tmp);
	free(dir);
	return rc;
}

static int
ssh_stat(transport *t, const char *path, transport_file_stat *st_out,
		 pgr_error *err)
{
	ssh_transport *st = (ssh_transport *) t;
	sftp_attributes a;

	memset(st_out, 0, sizeof(*st_out));
	if (sftp_ready(st, err) < 0)
		return -1;
	a = sftp_lstat(st->sftp, path);
	if (!a)
	{
		int			code = sftp_get_error(st->sftp);

		if (code == SSH_FX_NO_SUCH_FILE || code == SSH_FX_NO_SUCH_PATH)
		{
			st->last_traffic_ms = pgr_now_ms();
			return 0;
		}
		pgr_error_set(err, PGR_ERR_IO, _("could not read the status of \"%s\" on %s: %s"),
					  path, t->label, sftp_reason(st));
		note_sftp_failure(st);
		return -1;
	}
	st_out->exists = true;
	st_out->is_dir = S_ISDIR(a->permissions);
	st_out->is_reg = S_ISREG(a->permissions);
	st_out->is_link = S_ISLNK(a->permissions);
	st_out->mode = (mode_t) (a->permissions & 07777);
	st_out->uid = (uid_t) a->uid;
	st_out->gid = (gid_t) a->gid;
	st_out->size = (long long) a->size;
	st_out->mtime = (time_t) (a->mtime64 ? a->mtime64 : a->mtime);
	sftp_attributes_free(a);
	st->last_traffic_ms = pgr_now_ms();
	return 0;
}

static void
ssh_close(transport *t)
{
	ssh_transport_free((ssh_transport *) t);
}

static const transport_ops ssh_ops = {
	.name = "ssh",
	.exec = ssh_exec,
	.read_file = ssh_read_file,
	.write_file = ssh_write_file,
	.stat = ssh_stat,
	.close = ssh_close,
};
