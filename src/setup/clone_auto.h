/*
 * clone_auto.h: clone_compression = auto.  The primary compresses a
 * standby's copy only when the path between them is slower than the
 * compression.  The copy measures the path itself (its first seconds,
 * clone_auto_watch_script) and, on a slow one, starts again compressed;
 * where a copy cannot simply start again (tablespaces outside the data
 * directory), a short timed transfer of the same kind measures it from
 * the standby's host just before the copy (clone_auto_probe).
 */
#ifndef PGR_CLONE_AUTO_H
#define PGR_CLONE_AUTO_H

#include <stdbool.h>

#include "basebackup.h"
#include "report.h"
#include "transport.h"

/*
 * At or above this rate (bytes/s, some 130 Mbit/s) the copy is not
 * compressed: one core of lz4 on the primary compresses a few hundred
 * MB/s, so on a LAN the compression would be the bottleneck, not the link.
 * Set well below that: the probe measures a fast link low on a loaded
 * host (a bridge that carries 350 MB/s measured 27 to 60 MB/s with both
 * CPUs busy), and a compressed copy loses the server's own error messages
 * (pg_basebackup then says "COPY stream ended before last file was
 * finished").  The links that gain most, 100 Mbit/s and slower, are
 * under it.
 */
#define CLONE_AUTO_FAST (16.0 * 1024 * 1024)
/*
 * Below this one (a link of some 80 Mbit/s and less), zstd: slower than
 * lz4 but smaller by a third and more; the link is the bottleneck by far.
 */
#define CLONE_AUTO_SLOW (10.0 * 1024 * 1024)

/*
 * The choice for a measured RATE (bytes/s; <= 0: not measured, no
 * compression), given what the upstream's server was built with.  Sets
 * *method (BB_COMPRESS_OFF, _LZ4 or _ZSTD) and *level (0: the method's
 * default).
 */
void		clone_auto_choose(double rate, bool with_lz4, bool with_zstd,
							  basebackup_compression *method, int *level);

/*
 * The path's rate measured on t's host: BB_ARGV is a pg_basebackup that
 * writes a tar to its standard output ("-D - -Ft -X none"), ENV its
 * environment (passfile, certificates).  The first 64 kB are not timed
 * (connection, checkpoint, TCP's slow start), the next 2 MB are (some
 * 10 ms on a LAN, under a second at 20 Mbit/s: small beside the copy),
 * and when they came at 20 MB/s or more but under 160 MB/s, 8 MB more,
 * whose rate is kept (the start of a backup, its small files, made a fast
 * link look slower; above 160 MB/s no correction changes the choice).
 * *rate in bytes/s, *bytes how many were timed (fewer when the whole
 * backup is smaller).  -1 with err set when fewer than 64 kB could be
 * timed: no rate worth the name (the caller then does not compress).
 */
int			clone_auto_probe(transport *t, const char *const *bb_argv,
							 const char *const *env, double *rate,
							 long long *bytes, pgr_error *err);

/*
 * The copy measures the link itself, when it can be started again (no
 * tablespace outside the data directory): pg_basebackup, uncompressed,
 * runs inside clone_auto_watch_script (`sh -c SCRIPT sh MIN_RATE
 * PG_BASEBACKUP-ARGV...`, with -P), which relays its standard error and,
 * over the copy's first two or three seconds of data, measures its rate, printed
 * as a line CLONE_AUTO_RATE_TAG "BYTES" on standard error.
 * Under MIN_RATE (bytes/s) it stops pg_basebackup and exits with status
 * CLONE_AUTO_SLOW_STATUS: the caller cleans up and copies again,
 * compressed.  On a fast link nothing is measured before the copy: the
 * probe's connection, checkpoint and 2-10 MB (25-45 ms on a LAN) are gone.
 */
#define CLONE_AUTO_RATE_TAG "@pgreplica-rate "
#define CLONE_AUTO_SLOW_STATUS 75	/* EX_TEMPFAIL */
/* the same, as text for the script */
#define CLONE_AUTO_STR_(x) #x
#define CLONE_AUTO_STR(x) CLONE_AUTO_STR_(x)
#define CLONE_AUTO_SLOW_STATUS_S CLONE_AUTO_STR(CLONE_AUTO_SLOW_STATUS)
extern const char clone_auto_watch_script[];

#endif
