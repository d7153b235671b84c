/*
 * clone_auto.c: see clone_auto.h.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clone_auto.h"
#include "i18n.h"

#define PROBE_SKIP 65536
#define PROBE_TIMEOUT_MS 30000

void
clone_auto_choose(double rate, bool with_lz4, bool with_zstd,
				  basebackup_compression *method, int *level)
{
	*method = BB_COMPRESS_OFF;
	*level = 0;
	if (rate <= 0 || rate >= CLONE_AUTO_FAST)
		return;
	if (rate < CLONE_AUTO_SLOW && with_zstd)
		*method = BB_COMPRESS_ZSTD;
	else if (with_lz4)
		*method = BB_COMPRESS_LZ4;
	else if (with_zstd)
		*method = BB_COMPRESS_ZSTD;
}

/*
 * $1 and on: the pg_basebackup writing a tar to its standard output.  Prints
 * "BYTES NANOSECONDS" of each timed part: 2 MB, then, when they came at
 * 20 MB/s or more (not a slow link, but maybe one that the start of the
 * backup, its small files and this pipe made look slower than it is) and
 * under 160 MB/s (ten times CLONE_AUTO_FAST: a figure no correction
 * upwards can change the choice of), 8 MB more, whose figure is the one
 * to keep.  dd reads in 64 kB blocks
 * (head -c reads 8 kB at a time: on a loaded host the pipe itself then
 * looked like the bottleneck).  The backup is abandoned once read:
 * pg_basebackup dies of the closed pipe at its next write, and the server
 * ends the backup with the connection.
 */
static const char probe_script[] =
"\"$@\" 2>/dev/null | {\n"
"  dd bs=65536 count=1 iflag=fullblock of=/dev/null 2>/dev/null\n"
"  t0=$(date +%s%N)\n"
"  n=$(dd bs=65536 count=32 iflag=fullblock 2>/dev/null | wc -c)\n"
"  t1=$(date +%s%N)\n"
"  echo \"$n $((t1 - t0))\"\n"
"  [ \"$n\" -eq 2097152 ] && [ $((t1 - t0)) -lt 100000000 ] && [ $((t1 - t0)) -gt 12500000 ] || exit 0\n"
"  n=$(dd bs=65536 count=128 iflag=fullblock 2>/dev/null | wc -c)\n"
"  t2=$(date +%s%N)\n"
"  [ \"$n\" -ge 1048576 ] && echo \"$n $((t2 - t1))\"\n"
"}\n";

static void
collect(void *arg, transport_stream stream, const char *data, size_t len)
{
	if (stream == TRANSPORT_STDOUT)
		strbuf_append_len((strbuf *) arg, data, len);
}

int
clone_auto_probe(transport *t, const char *const *bb_argv, const char *const *env,
				 double *rate, long long *bytes, pgr_error *err)
{
	const char *argv[40];
	transport_exec_opts xo = {0};
	strbuf		out;
	int			status = 0;
	long long	ns = 0;
	int			k = 0;
	int			rc = -1;

	*rate = 0;
	*bytes = 0;
	argv[k++] = "sh";
	argv[k++] = "-c";
	argv[k++] = probe_script;
	argv[k++] = "sh";
	for (; *bb_argv && k < 39; bb_argv++)
		argv[k++] = *bb_argv;
	argv[k] = NULL;
	strbuf_init(&out);
	xo.env = env;
	xo.timeout_ms = PROBE_TIMEOUT_MS;
	xo.output = collect;
	xo.output_arg = &out;
	if (transport_exec(t, argv, &xo, &status, err) < 0)
		goto out;
	/* the last figure printed is the one to keep */
	{
		const char *last = out.data;

		for (const char *c = out.data; *c; c++)
			if (c[0] == '\n' && c[1])
				last = c + 1;
		if (sscanf(last, "%lld %lld", bytes, &ns) != 2)
			*bytes = ns = 0;
	}
	if (*bytes < PROBE_SKIP || ns <= 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("the rate of the link to %s could not be measured (%lld bytes read)"),
					  t->label, *bytes);
		goto out;
	}
	*rate = (double) *bytes * 1e9 / (double) ns;
	rc = 0;
out:
	strbuf_free(&out);
	return rc;
}
