/* transport_ssh.c: being written. */
#include <config.h>
#include <stdlib.h>
/* Temporary until transport_ssh.c lands. */
#include "transport.h"
transport *transport_ssh_open(const char *target, const transport_options *opts, pgr_error *err) { pgr_error_set(err, PGR_ERR_GENERIC, "ssh: not yet"); return NULL; }
