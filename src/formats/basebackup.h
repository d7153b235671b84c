/*
 * basebackup.h: what pgreplica reads of pg_basebackup's output.
 */
#ifndef PGREPLICA_BASEBACKUP_H
#define PGREPLICA_BASEBACKUP_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* One progress line of pg_basebackup -P. */
typedef struct basebackup_progress {
	long long	done_kb;		/* kB copied so far */
	long long	total_kb;		/* the server's estimate (grows if passed) */
	int			ts_done;		/* tablespaces finished */
	int			ts_total;		/* tablespaces in all */
} basebackup_progress;

/*
 * True when `line` (one line, without its \r or \n) is a progress line of
 * pg_basebackup -P, of any version 10 to 18 and in any language; fills *p.
 */
extern bool basebackup_parse_progress(const char *line, basebackup_progress *p);

/*
 * True when `line` is a progress line of pg_rewind --progress: "DONE/TOTAL
 * kB (P%) copied" in every version 10 to 18 (progress_report() in
 * pg_rewind's logging.c, then pg_rewind.c), translated like
 * pg_basebackup's ("Ko", "copiés"), so read by the same shape; always kB.
 * Fills *done_kb and *total_kb.
 */
extern bool basebackup_parse_rewind_progress(const char *line, long long *done_kb,
											 long long *total_kb);

/*
 * Output of a program that writes progress lines (pg_basebackup -P,
 * pg_rewind --progress) as it arrives, in pieces: cut into lines on \r
 * (a terminal's progress line, up to 12) or \n, each given whole, without
 * its end, to fn; the unfinished end waits in *partial (a strbuf the
 * caller owns) for the next piece, or for basebackup_lines_flush at exit.
 */
typedef void (*basebackup_line_fn) (void *arg, const char *line);
extern void basebackup_lines_feed(strbuf *partial, const char *data, size_t len,
								  basebackup_line_fn fn, void *arg);
extern void basebackup_lines_flush(strbuf *partial, basebackup_line_fn fn, void *arg);

/* pg_basebackup --max-rate's bounds, in kB/s (its own). */
#define BASEBACKUP_MIN_RATE_KB 32LL
#define BASEBACKUP_MAX_RATE_KB 1048576LL

/*
 * A transfer rate as pg_basebackup --max-rate takes it: kB/s, or a number
 * with the suffix k (kB/s) or M (MB/s, 1024 kB/s), between 32 kB/s and
 * 1 GB/s.  Fills *kb; false when `s` is not one (the caller says so).
 */
extern bool basebackup_parse_rate(const char *s, long long *kb);

/*
 * clone_compression: off, lz4, or zstd with an optional level; auto (the
 * default): chosen for the link before each copy (clone_auto.h).
 */
typedef enum basebackup_compression {
	BB_COMPRESS_OFF = 0,
	BB_COMPRESS_LZ4,
	BB_COMPRESS_ZSTD,
	BB_COMPRESS_AUTO
} basebackup_compression;

/*
 * "auto", "off", "lz4", "zstd" or "zstd:LEVEL" (1 to 22): fills *method and
 * *level (0: the default level); false when `s` is not one.
 */
extern bool basebackup_parse_compression(const char *s, basebackup_compression *method,
										 int *level);
/* pg_basebackup's --compress value for it ("server-zstd:level=3"); malloc'd. */
extern char *basebackup_compress_arg(basebackup_compression method, int level);

/* The same for a --max-rate argument: -1 and a translated error if not. */
struct pgr_error;
extern int	basebackup_rate_option(const char *s, long long *kb, struct pgr_error *err);

#endif
