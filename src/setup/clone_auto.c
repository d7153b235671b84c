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

/*
 * The copy that measures its own link (clone_auto.h): $1 the rate in
 * bytes/s under which it stops, then pg_basebackup with -P.  Its standard
 * error comes through a FIFO and is relayed line for line, so that the
 * progress lines can be read as they come; "wait" gives pg_basebackup's
 * own exit status; its standard output (nothing, in plain format) goes
 * to /dev/null, so that no process left behind holds the channel open.
 * The rate is taken between the first progress line
 * (printed once the checkpoint is done and the data starts: a slow
 * checkpoint on a busy primary is not a slow link) and the first one two
 * seconds or more after it (pg_basebackup prints one a second; the first
 * second, of small catalog files, measured a 5 MB/s link at 1.2 MB/s).  Stopping
 * kills pg_basebackup's children (its WAL-streaming fork), then itself;
 * without /proc the caller's leftover scan finds the fork (it names the
 * data directory: step_standby.c's leftover_script).
 */
const char clone_auto_watch_script[] =
"min=$1\n"
"shift\n"
"t=$(mktemp -d) || exit 1\n"
"trap 'rm -rf \"$t\"' EXIT\n"
"mkfifo \"$t/err\" || exit 1\n"
"stop() {\n"
"  for s in /proc/[0-9]*/stat; do\n"
"    read -r c _ _ pp _ 2>/dev/null <\"$s\" || continue\n"
"    [ \"$pp\" = \"$1\" ] && kill \"$c\" 2>/dev/null\n"
"  done\n"
"  kill \"$1\" 2>/dev/null\n"
"}\n"
"\"$@\" >/dev/null 2>\"$t/err\" &\n"
"pid=$!\n"
"seen= t0= k0=\n"
"while IFS= read -r l; do\n"
"  printf '%s\\n' \"$l\" >&2\n"
"  [ -z \"$seen\" ] || continue\n"
"  case $l in *[0-9]/[0-9]*' kB ('*) ;; *) continue ;; esac\n"
"  kb=${l%%/*}\n"
"  kb=${kb##* }\n"
"  case $kb in '' | *[!0-9]*) continue ;; esac\n"
"  now=$(date +%s%N)\n"
"  if [ -z \"$t0\" ]; then t0=$now k0=$kb; continue; fi\n"
"  el=$(((now - t0) / 1000000))\n"
"  [ \"$el\" -ge 2000 ] || continue\n"
"  seen=1\n"
"  rate=$(((kb - k0) * 1024000 / el))\n"
"  printf '" CLONE_AUTO_RATE_TAG "%s\\n' \"$rate\" >&2\n"
"  [ \"$rate\" -lt \"$min\" ] || continue\n"
"  stop \"$pid\"\n"
"  wait \"$pid\" 2>/dev/null\n"
"  exit " CLONE_AUTO_SLOW_STATUS_S "\n"
"done <\"$t/err\"\n"
"wait \"$pid\"\n";

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
