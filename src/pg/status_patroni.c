/*
 * status_patroni.c: see status_patroni.h.
 *
 * A hand-made HTTP/1.0 GET rather than a library: the project links no
 * HTTP client nor JSON reader, and the probe needs one request, the status
 * line and two string members of one object.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "i18n.h"
#include "report.h"
#include "status_patroni.h"
#include "strbuf.h"

#define ANSWER_MAX (64 * 1024)	/* Patroni's answer is a few hundred bytes */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* The JSON string starting at p (on its quote) copied out; NULL when p is
 * not one.  Escapes are kept as written: versions and scopes have none. */
static char *
json_string_at(const char *p)
{
	const char *end;

	if (*p != '"')
		return NULL;
	for (end = p + 1; *end && *end != '"'; end++)
		if (*end == '\\' && end[1])
			end++;
	return *end == '"' ? pgr_strndup(p + 1, (size_t) (end - p - 1)) : NULL;
}

/* The string member KEY of the object from obj to its end (its first
 * '}': Patroni's "patroni" object holds no nested object). */
static char *
member(const char *obj, const char *end, const char *key)
{
	char	   *quoted = pgr_asprintf("\"%s\"", key);
	const char *p = obj;
	char	   *v = NULL;

	while ((p = strstr(p, quoted)) != NULL && p < end)
	{
		const char *q = skip_ws(p + strlen(quoted));

		p += strlen(quoted);
		if (*q == ':' && (v = json_string_at(skip_ws(q + 1))) != NULL)
			break;
	}
	free(quoted);
	return v;
}

bool
status_patroni_parse(const char *body, char **version, char **scope)
{
	const char *p = body;
	const char *obj = NULL;
	const char *end;

	*version = *scope = NULL;
	/* the member "patroni" whose value is an object */
	while (p && (p = strstr(p, "\"patroni\"")) != NULL)
	{
		const char *q = skip_ws(p + 9);

		p += 9;
		if (*q == ':' && *(q = skip_ws(q + 1)) == '{')
		{
			obj = q;
			break;
		}
	}
	if (!obj || !(end = strchr(obj, '}')))
		return false;
	if (!(*version = member(obj, end, "version")))
		return false;
	*scope = member(obj, end, "scope");
	return true;
}

/* Connect within the time left; -1 on failure. */
static int
connect_to(const char *host, int port, int64_t deadline)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
	struct addrinfo *res = NULL;
	char		service[16];
	int			fd = -1;

	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(host, service, &hints, &res) != 0)
		return -1;
	for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next)
	{
		struct pollfd pfd;
		int			soerr = 0;
		socklen_t	len = sizeof(soerr);
		int64_t		left = deadline - pgr_now_ms();

		if (left <= 0)
			break;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (errno != EINPROGRESS || poll(&pfd, 1, (int) left) != 1 ||
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != 0)
		{
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

bool
status_patroni_probe(const char *host, int port, int timeout_ms, char **evidence)
{
	int64_t		deadline = pgr_now_ms() + timeout_ms;
	int			fd;
	char	   *request;
	strbuf		answer;
	size_t		sent = 0;
	bool		ok = false;
	char	   *version = NULL,
			   *scope = NULL;
	const char *body;

	*evidence = NULL;
	if (!host || port <= 0 || (fd = connect_to(host, port, deadline)) < 0)
		return false;
	request = pgr_asprintf("GET /patroni HTTP/1.0\r\nHost: %s:%d\r\nAccept: application/json\r\n"
						   "User-Agent: pgreplica\r\n\r\n", host, port);
	strbuf_init(&answer);
	/* send it, then read to the end (HTTP/1.0: the server closes) */
	for (;;)
	{
		struct pollfd pfd = {.fd = fd, .events = sent < strlen(request) ? POLLOUT : POLLIN};
		int64_t		left = deadline - pgr_now_ms();
		char		buf[4096];
		ssize_t		n;

		if (left <= 0 || poll(&pfd, 1, (int) left) != 1)
			goto out;
		if (sent < strlen(request))
		{
			if ((n = send(fd, request + sent, strlen(request) - sent, MSG_NOSIGNAL)) < 0)
				goto out;
			sent += (size_t) n;
			continue;
		}
		if ((n = recv(fd, buf, sizeof(buf), 0)) < 0)
			goto out;
		if (n == 0)
			break;
		strbuf_append_len(&answer, buf, (size_t) n);
		if (answer.len > ANSWER_MAX)
			goto out;
	}
	/* a status line, then the body after the blank line */
	if (!answer.data || strncmp(answer.data, "HTTP/1.", 7) != 0 ||
		!(body = strstr(answer.data, "\r\n\r\n")))
		goto out;
	if (status_patroni_parse(body + 4, &version, &scope))
	{
		*evidence = scope ? pgr_asprintf(_("REST API on port %d (Patroni %s, scope %s)"), port, version, scope)
			: pgr_asprintf(_("REST API on port %d (Patroni %s)"), port, version);
		ok = true;
	}
out:
	close(fd);
	free(request);
	free(version);
	free(scope);
	strbuf_free(&answer);
	return ok;
}
