/*
 * process.h: process-wide settings every pgreplica program makes first.
 */
#ifndef PGR_PROCESS_H
#define PGR_PROCESS_H

/*
 * SIGPIPE ignored: a helper command that exits before reading its input,
 * or a closed standard output, is an EPIPE error the caller handles, not a
 * silent death in the middle of a step.  (Children get the default back:
 * transport_local resets it before exec.)
 */
void		process_setup(void);

#endif
