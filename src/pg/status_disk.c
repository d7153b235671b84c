/*
 * status_disk.c: see status_disk.h.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "i18n.h"
#include "status_disk.h"
#include "strbuf.h"

void
status_disk_add(status_disk_history *h, status_disk_sample s)
{
	int			keep = 0;

	if (h->n > 0 && s.at < h->s[h->n - 1].at)
		h->n = 0;				/* the clock went back: the slope would lie */
	/* drop what is out of the window, and the oldest when full */
	while (keep < h->n && (s.at - h->s[keep].at > STATUS_DISK_WINDOW_S ||
						   h->n - keep >= STATUS_DISK_SAMPLES))
		keep++;
	if (keep > 0)
	{
		memmove(h->s, h->s + keep, sizeof(h->s[0]) * (size_t) (h->n - keep));
		h->n -= keep;
	}
	/*
	 * Samples at least STATUS_DISK_GAP_S apart, but the newest: it is
	 * replaced while it is too close to the one before.  Runs a second
	 * apart (a script, the dashboard's refreshes) then neither fill the
	 * history with one moment nor push the older samples out of it.
	 */
	if (h->n >= 2 && h->s[h->n - 1].at - h->s[h->n - 2].at < STATUS_DISK_GAP_S)
		h->n--;
	h->s[h->n++] = s;
}

double
status_disk_growth(const status_disk_history *h)
{
	double		mt = 0,
				mb = 0,
				num = 0,
				den = 0;

	if (h->n < 2 || h->s[h->n - 1].at - h->s[0].at < STATUS_DISK_MIN_SPAN_S)
		return NAN;
	/* least squares, times relative to the first sample (no precision lost) */
	for (int i = 0; i < h->n; i++)
	{
		mt += (double) (h->s[i].at - h->s[0].at);
		mb += (double) h->s[i].retained;
	}
	mt /= h->n;
	mb /= h->n;
	for (int i = 0; i < h->n; i++)
	{
		double		dt = (double) (h->s[i].at - h->s[0].at) - mt;

		num += dt * ((double) h->s[i].retained - mb);
		den += dt * dt;
	}
	return den > 0 ? num / den : NAN;
}

double
status_disk_time_left(long long free_bytes, double growth)
{
	if (free_bytes < 0 || isnan(growth))
		return NAN;
	if (growth <= 0)
		return INFINITY;
	return (double) free_bytes / growth;
}

long long
status_disk_parse_df(const char *out)
{
	const char *line2 = out ? strchr(out, '\n') : NULL;
	long long	total,
				used,
				avail;

	if (!line2 || sscanf(line2 + 1, "%*s %lld %lld %lld", &total, &used, &avail) != 3 ||
		avail < 0)
		return -1;
	return avail;
}

int
status_disk_free(transport *t, const char *pgdata, long long *free_bytes,
				 pgr_error *err)
{
	/* the trailing slash: df follows pg_wal when it links elsewhere */
	char	   *wal = pgr_asprintf("%s/pg_wal/", pgdata);
	const char *argv[] = {"df", "-P", "-B1", "--", wal, NULL};
	strbuf		out,
				eo;
	int			status = 0;
	int			rc = -1;

	*free_bytes = -1;
	strbuf_init(&out);
	strbuf_init(&eo);
	if (transport_capture(t, argv, NULL, 0, 10000, &status, &out, &eo, err) < 0)
		goto out;
	if (status != 0 || (*free_bytes = status_disk_parse_df(out.data)) < 0)
	{
		pgr_error_set(err, PGR_ERR_EXEC, _("could not read the free space of \"%s\""), wal);
		pgr_error_detail(err, "%s", eo.len ? eo.data : out.data);
		pgr_error_hint(err, "%s", _("The node's ssh account must be able to run df on its data directory."));
		goto out;
	}
	rc = 0;
out:
	strbuf_free(&out);
	strbuf_free(&eo);
	free(wal);
	return rc;
}

/* ---- the state file -------------------------------------------------------- */

char *
status_disk_state_path(const cluster *c, const cluster_node *n)
{
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char	   *stem = cluster_file_stem(c);
	char	   *path;

	/* the XDG specification: a relative $XDG_STATE_HOME is to be ignored */
	if (state && state[0] == '/')
		path = pgr_asprintf("%s/pgreplica/%s.%s.wal-disk", state, stem, n->name);
	else if (home && home[0])
		path = pgr_asprintf("%s/.local/state/pgreplica/%s.%s.wal-disk", home, stem, n->name);
	else
		path = NULL;
	free(stem);
	return path;
}

void
status_disk_load(const char *path, const char *sysid, status_disk_history *h)
{
	FILE	   *f = path ? fopen(path, "r") : NULL;
	char		id[64] = "";
	long long	at,
				retained;

	h->n = 0;
	if (!f)
		return;
	/* samples of another server under the same name (made again) are not
	 * this one's growth */
	if (fscanf(f, "system_identifier %63s", id) == 1 && sysid && strcmp(id, sysid) == 0)
		while (fscanf(f, "%lld %lld", &at, &retained) == 2)
			status_disk_add(h, (status_disk_sample) {(time_t) at, retained});
	fclose(f);
}

int
status_disk_save(const char *path, const char *sysid, const status_disk_history *h,
				 pgr_error *err)
{
	transport  *t;
	strbuf		sb;
	const transport_write_opts wo = {.mode = 0600};
	int			rc = -1;

	if (!path)
		return 0;
	/* its directory, 0700 like the journal's */
	if (pgr_mkdir_parent(path, 0700, err) < 0)
		return -1;
	strbuf_init(&sb);
	strbuf_appendf(&sb, "system_identifier %s\n", sysid ? sysid : "-");
	for (int i = 0; i < h->n; i++)
		strbuf_appendf(&sb, "%lld %lld\n", (long long) h->s[i].at, h->s[i].retained);
	/* the local transport's write: temporary file, fsync, rename */
	if ((t = transport_local_open(NULL, err)) != NULL &&
		transport_write_file(t, path, sb.data ? sb.data : "", sb.len, &wo, err) == 0)
		rc = 0;
	if (t)
		transport_close(t);
	strbuf_free(&sb);
	return rc;
}

void
status_disk_format_time(double s, char *buf, size_t size)
{
	long long	m = (long long) (s / 60);

	if (isinf(s))
		snprintf(buf, size, "%s", _("not growing"));
	else if (s < 60)
		snprintf(buf, size, _("%.0f s"), s);
	else if (m < 60)
		snprintf(buf, size, _("%lld min"), m);
	else if (m < 48 * 60)
		snprintf(buf, size, _("%lld h %02lld min"), m / 60, m % 60);
	else
		snprintf(buf, size, _("%lld d %lld h"), m / (24 * 60), m / 60 % 24);
}
