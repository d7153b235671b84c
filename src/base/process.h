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
 *
 * No core dump: pgreplica holds the superuser's password, the replication
 * role's and the cluster CA's key in memory; a crash must not write them
 * to a core file, nor may another process of the same user read them
 * through ptrace or /proc/PID/mem: PR_SET_DUMPABLE 0 does both.  Not
 * RLIMIT_CORE: a limit is inherited by the programs pgreplica runs (the
 * servers pg_ctl starts), while dumpable comes back at their exec.
 */
void		process_setup(void);

#endif
