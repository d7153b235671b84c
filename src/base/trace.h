/*
 * trace.h: where the time goes.  With PGREPLICA_TRACE set in the
 * environment, every transport operation and server connection prints one
 * line to standard error: milliseconds since the program started, the
 * operation's own duration, what it was.  For bench/ and for operators
 * asking why a step is slow; silent (and nearly free) otherwise.
 */
#ifndef PGR_TRACE_H
#define PGR_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"

bool		trace_on(void);
/* A start time for trace_done (0 when tracing is off). */
int64_t		trace_start(void);
/* "+ELAPSED ms  (DURATION ms)  WHAT" on stderr when tracing is on. */
void		trace_done(int64_t start, const char *fmt,...) PGR_PRINTF(2, 3);

#endif
