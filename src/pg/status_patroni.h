/*
 * status_patroni.h: is a node run by Patroni?  Asked of Patroni itself.
 *
 * Besides what Patroni leaves on the server (its sessions, its
 * patroni.dynamic.json: see status.c), its REST API answers on the node's
 * host (port 8008 unless the cluster file's patroni_port says otherwise):
 * GET /patroni gives a JSON object whose "patroni" member holds its
 * version and the cluster's scope.  The probe is one HTTP/1.0 request with
 * a short time limit; anything but such an answer (refused, silent, another
 * server) is "not Patroni".
 */
#ifndef PGR_STATUS_PATRONI_H
#define PGR_STATUS_PATRONI_H

#include <stdbool.h>

/*
 * Ask http://HOST:PORT/patroni, waiting at most timeout_ms in all.  true
 * when Patroni answered; *evidence (malloc'd, not translated: names and
 * versions) then says what it answered, e.g. "REST API on port 8008
 * (Patroni 3.0.2, scope demo)".
 */
bool		status_patroni_probe(const char *host, int port, int timeout_ms,
								 char **evidence);

/*
 * The version and scope in the body of an answer to GET /patroni (the
 * members of its "patroni" object); false when it is not one.  Both
 * malloc'd; *scope NULL when absent.
 */
bool		status_patroni_parse(const char *body, char **version, char **scope);

#endif
