/*
 * diff.c: unified diffs (see diff.h).
 *
 * 1. Both texts are cut into lines (a line keeps its line feed, so that a
 *    last line without one differs from the same text with one) and every
 *    distinct line gets a number: the comparisons below are on integers.
 * 2. Lines without an equal in the other text are marked changed, then
 *    compareseq() marks the other lines of each text that are not in a longest
 *    common subsequence (Myers, "An O(ND) Difference Algorithm and Its
 *    Variations", 1986: the middle snake, linear space, divide and conquer).
 * 3. slide_runs() places each run of changed lines, where it could sit
 *    higher or lower, next to a change of the other text, else lowest.
 * 4. The changes are grouped into hunks and printed as `diff -u` would.
 */
#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "report.h"
#include "strbuf.h"

typedef struct dline
{
	const char *s;
	size_t		len;			/* line feed included, if there is one */
} dline;

typedef struct dfile
{
	dline	   *lines;
	long		n;
	long	   *equiv;			/* number of each line's class of equal lines */
	char	   *changed;		/* n flags: line not in the common subsequence */
} dfile;

typedef struct dctx
{
	long	   *a;				/* classes of the lines searched */
	long	   *b;
	long	   *ia;				/* their indexes in the texts */
	long	   *ib;
	long		na;
	long		nb;
	char	   *ch0;
	char	   *ch1;
	long	   *vf;				/* furthest x on each forward diagonal */
	long	   *vb;				/* same, backward, from the ends */
	long		voff;			/* offset of diagonal 0 in vf and vb */
} dctx;

/* ---- lines and classes ------------------------------------------------------ */

static void
split_lines(const char *text, dfile *f)
{
	const char *p = text ? text : "";
	long		cap = 16;

	f->n = 0;
	f->lines = pgr_malloc(cap * sizeof(dline));
	while (*p)
	{
		const char *nl = strchr(p, '\n');
		size_t		len = nl ? (size_t) (nl - p) + 1 : strlen(p);

		if (f->n == cap)
		{
			cap *= 2;
			f->lines = pgr_realloc(f->lines, cap * sizeof(dline));
		}
		f->lines[f->n].s = p;
		f->lines[f->n].len = len;
		f->n++;
		p += len;
	}
	f->equiv = pgr_calloc(f->n + 1, sizeof(long));
	f->changed = pgr_calloc(f->n + 1, 1);
}

static uint64_t
hash_line(const dline *l)
{
	uint64_t	h = 1469598103934665603ULL;	/* FNV-1a */

	for (size_t i = 0; i < l->len; i++)
	{
		h ^= (unsigned char) l->s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Number the classes of equal lines across both files. */
static long
classify(dfile *f0, dfile *f1)
{
	size_t		total = (size_t) (f0->n + f1->n);
	size_t		size = 16;
	const dline **rep;			/* a line of each slot's class */
	uint64_t   *hashes;
	long	   *ids;
	long		next_id = 0;

	while (size < 2 * total)
		size *= 2;
	rep = pgr_calloc(size, sizeof(*rep));
	hashes = pgr_calloc(size, sizeof(*hashes));
	ids = pgr_calloc(size, sizeof(*ids));
	for (int k = 0; k < 2; k++)
	{
		dfile	   *f = k ? f1 : f0;

		for (long i = 0; i < f->n; i++)
		{
			const dline *l = &f->lines[i];
			uint64_t	h = hash_line(l);
			size_t		slot = (size_t) h & (size - 1);

			while (rep[slot] &&
				   !(hashes[slot] == h && rep[slot]->len == l->len &&
					 memcmp(rep[slot]->s, l->s, l->len) == 0))
				slot = (slot + 1) & (size - 1);
			if (!rep[slot])
			{
				rep[slot] = l;
				hashes[slot] = h;
				ids[slot] = next_id++;
			}
			f->equiv[i] = ids[slot];
		}
	}
	free(rep);
	free(hashes);
	free(ids);
	return next_id;
}

/*
 * A line without an equal in the other text is changed whatever the edit
 * script: mark it so, and search only the others (a text rewritten from
 * end to end costs nothing then).  Fills c->a, c->b, c->ia, c->ib.
 */
static void
keep_matchable(dctx *c, dfile *files[2], long nclasses)
{
	char	   *in[2];

	for (int f = 0; f < 2; f++)
	{
		in[f] = pgr_calloc(nclasses + 1, 1);
		for (long i = 0; i < files[f]->n; i++)
			in[f][files[f]->equiv[i]] = 1;
	}
	for (int f = 0; f < 2; f++)
	{
		long	   *kept = pgr_malloc((files[f]->n + 1) * sizeof(long));
		long	   *index = pgr_malloc((files[f]->n + 1) * sizeof(long));
		long		k = 0;

		for (long i = 0; i < files[f]->n; i++)
		{
			if (in[1 - f][files[f]->equiv[i]])
			{
				kept[k] = files[f]->equiv[i];
				index[k++] = i;
			}
			else
				files[f]->changed[i] = 1;
		}
		if (f == 0)
			c->a = kept, c->ia = index, c->na = k;
		else
			c->b = kept, c->ib = index, c->nb = k;
	}
	free(in[0]);
	free(in[1]);
}

/* ---- Myers ------------------------------------------------------------------- */

/*
 * The furthest x a path of length d can reach on diagonal k, one step from
 * the paths of length d-1 in v: right from diagonal k-1, or down from k+1
 * (-1: none of them gets there inside the n x m box).  The same step serves
 * the forward paths and the backward ones (counted from the ends).
 */
static long
furthest_x(const long *v, long k, long d, long n, long m)
{
	long		x = -1;

	if (d == 0)
		return 0;
	if (k - 1 >= -(d - 1) && v[k - 1] >= 0 && v[k - 1] < n)
		x = v[k - 1] + 1;
	if (k + 1 <= d - 1 && v[k + 1] >= 0 && v[k + 1] - (k + 1) < m && v[k + 1] > x)
		x = v[k + 1];
	return x;
}

/*
 * The middle snake of a[xoff..xoff+n) against b[yoff..yoff+m), whose first
 * and last lines differ (so that the distance D is at least 2).  Sets
 * (*xmid, *ymid), relative to the offsets, to a point of an optimal path
 * that splits it into two shorter ones.  vf[k] and vb[k] are -1 on the
 * diagonals that no path of the current length reaches inside the box.
 */
static void
middle_snake(dctx *c, long xoff, long n, long yoff, long m, long *xmid, long *ymid)
{
	long	   *vf = c->vf + c->voff;
	long	   *vb = c->vb + c->voff;
	long		delta = n - m;
	bool		odd = (delta & 1) != 0;
	long		maxd = (n + m + 1) / 2;

	for (long d = 0; d <= maxd; d++)
	{
		/* forward paths of length d */
		for (long k = -d; k <= d; k += 2)
		{
			long		x = furthest_x(vf, k, d, n, m);
			long		y = x - k;
			if (x < 0 || y < 0 || x > n || y > m)
			{
				vf[k] = -1;
				continue;
			}
			while (x < n && y < m && c->a[xoff + x] == c->b[yoff + y])
				x++, y++;
			vf[k] = x;
			if (odd && delta - k >= -(d - 1) && delta - k <= d - 1 &&
				vb[delta - k] >= 0 && x + vb[delta - k] >= n)
			{
				*xmid = x;
				*ymid = y;
				return;
			}
		}
		/* backward paths of length d, in coordinates counted from the ends */
		for (long k = -d; k <= d; k += 2)
		{
			long		x = furthest_x(vb, k, d, n, m);
			long		y = x - k;
			if (x < 0 || y < 0 || x > n || y > m)
			{
				vb[k] = -1;
				continue;
			}
			while (x < n && y < m &&
				   c->a[xoff + n - 1 - x] == c->b[yoff + m - 1 - y])
				x++, y++;
			vb[k] = x;
			if (!odd && delta - k >= -d && delta - k <= d &&
				vf[delta - k] >= 0 && x + vf[delta - k] >= n)
			{
				*xmid = n - x;
				*ymid = m - y;
				return;
			}
		}
	}
	/* not reached: the paths meet by then */
	*xmid = n / 2;
	*ymid = m / 2;
}

static void
compareseq(dctx *c, long xoff, long xlim, long yoff, long ylim)
{
	long		xmid,
				ymid;

	while (xoff < xlim && yoff < ylim && c->a[xoff] == c->b[yoff])
		xoff++, yoff++;
	while (xlim > xoff && ylim > yoff && c->a[xlim - 1] == c->b[ylim - 1])
		xlim--, ylim--;
	if (xoff == xlim)
	{
		for (long y = yoff; y < ylim; y++)
			c->ch1[c->ib[y]] = 1;
		return;
	}
	if (yoff == ylim)
	{
		for (long x = xoff; x < xlim; x++)
			c->ch0[c->ia[x]] = 1;
		return;
	}
	middle_snake(c, xoff, xlim - xoff, yoff, ylim - yoff, &xmid, &ymid);
	if ((xmid == 0 && ymid == 0) || (xmid == xlim - xoff && ymid == ylim - yoff))
	{
		/* cannot happen; but never recurse on the same problem */
		for (long y = yoff; y < ylim; y++)
			c->ch1[c->ib[y]] = 1;
		for (long x = xoff; x < xlim; x++)
			c->ch0[c->ia[x]] = 1;
		return;
	}
	compareseq(c, xoff, xoff + xmid, yoff, yoff + ymid);
	compareseq(c, xoff + xmid, xlim, yoff + ymid, ylim);
}

/*
 * Where a run of changed lines could as well sit higher or lower (the line
 * before it equals its last line, or the line after it its first line), it
 * is moved: first up, then down as far as it goes, merging with the runs
 * it meets on the way (so that a block deleted among repeated lines shows
 * as one block), then back up to the lowest place, if any, where it
 * touches a change of the other text (so that a replacement prints as one
 * block of "-" lines then "+" lines).  The distance is unchanged, only the
 * choice among equal edit scripts.
 *
 * partner[f][i] is, for an unchanged line i of text f, its equal in the
 * other text; the edges of a text are partners of the other's edges.
 */
static void
fill_partners(dfile *files[2], long *partner[2])
{
	long		i = 0,
				j = 0;

	while (i < files[0]->n && j < files[1]->n)
	{
		if (files[0]->changed[i])
			i++;
		else if (files[1]->changed[j])
			j++;
		else
		{
			partner[0][i] = j;
			partner[1][j] = i;
			i++, j++;
		}
	}
}

typedef struct slider
{
	char	   *changed;
	const long *eq;
	long	   *p;				/* partners of this text's lines */
	long	   *op;				/* partners of the other text's lines */
	long		n;
	long		on;				/* the other text's number of lines */
} slider;

/* Does the run [s, e) touch a change of the other text? */
static bool
touches_other(const slider *sl, long s, long e)
{
	long		before = s > 0 ? sl->p[s - 1] : -1;
	long		after = e < sl->n ? sl->p[e] : sl->on;

	return after - before > 1;
}

static void
step_up(slider *sl, long *s, long *e)
{
	(*s)--, (*e)--;
	sl->changed[*s] = 1;
	sl->changed[*e] = 0;
	sl->p[*e] = sl->p[*s];
	sl->op[sl->p[*e]] = *e;
}

static void
step_down(slider *sl, long *s, long *e)
{
	sl->changed[*s] = 0;
	sl->changed[*e] = 1;
	sl->p[*s] = sl->p[*e];
	sl->op[sl->p[*s]] = *s;
	(*s)++, (*e)++;
}

static void
slide_runs(dfile *files[2])
{
	long	   *partner[2];

	partner[0] = pgr_malloc((files[0]->n + 1) * sizeof(long));
	partner[1] = pgr_malloc((files[1]->n + 1) * sizeof(long));
	fill_partners(files, partner);

	for (int f = 0; f < 2; f++)
	{
		slider		sl;
		long		i = 0;

		sl.changed = files[f]->changed;
		sl.eq = files[f]->equiv;
		sl.p = partner[f];
		sl.op = partner[1 - f];
		sl.n = files[f]->n;
		sl.on = files[1 - f]->n;

		while (i < sl.n)
		{
			long		s,
						e,
						len,
						touching;

			if (!sl.changed[i])
			{
				i++;
				continue;
			}
			s = i;
			for (e = s; e < sl.n && sl.changed[e]; e++)
				continue;
			do
			{
				len = e - s;
				while (s > 0 && sl.eq[s - 1] == sl.eq[e - 1])
				{
					step_up(&sl, &s, &e);
					while (s > 0 && sl.changed[s - 1])
						s--;	/* merged with the run above */
				}
				touching = touches_other(&sl, s, e) ? e : -1;
				while (e < sl.n && sl.eq[s] == sl.eq[e])
				{
					step_down(&sl, &s, &e);
					while (e < sl.n && sl.changed[e])
					{
						e++;	/* merged with the run below */
						touching = -1;
					}
					if (touches_other(&sl, s, e))
						touching = e;
				}
			} while (len != e - s);
			if (touching >= 0)
				while (e > touching)
					step_up(&sl, &s, &e);
			i = e;
		}
	}
	free(partner[0]);
	free(partner[1]);
}

/* ---- output ------------------------------------------------------------------ */

typedef struct dchange
{
	long		line0;			/* first deleted line (or where lines go) */
	long		deleted;
	long		line1;			/* first inserted line */
	long		inserted;
} dchange;

static void
print_line(strbuf *out, char prefix, const dline *l)
{
	strbuf_append_char(out, prefix);
	strbuf_append_len(out, l->s, l->len);
	if (l->len == 0 || l->s[l->len - 1] != '\n')
		strbuf_append(out, "\n\\ No newline at end of file\n");
}

/* A hunk header range, as GNU diff's print_unidiff_number_range. */
static void
print_range(strbuf *out, long first, long count)
{
	if (count == 0)
		strbuf_appendf(out, "%ld,0", first);
	else if (count == 1)
		strbuf_appendf(out, "%ld", first + 1);
	else
		strbuf_appendf(out, "%ld,%ld", first + 1, count);
}

static void
print_hunks(strbuf *out, const dfile *f0, const dfile *f1,
			const dchange *ch, long nch, long context)
{
	long		s = 0;

	while (s < nch)
	{
		long		e = s;
		long		first0,
					last0,
					first1,
					last1,
					i,
					j;

		while (e + 1 < nch &&
			   ch[e + 1].line0 - (ch[e].line0 + ch[e].deleted) < 2 * context + 1)
			e++;
		first0 = ch[s].line0 - context;
		if (first0 < 0)
			first0 = 0;
		first1 = ch[s].line1 - (ch[s].line0 - first0);
		last0 = ch[e].line0 + ch[e].deleted + context;
		if (last0 > f0->n)
			last0 = f0->n;
		last1 = ch[e].line1 + ch[e].inserted + (last0 - (ch[e].line0 + ch[e].deleted));

		strbuf_append(out, "@@ -");
		print_range(out, first0, last0 - first0);
		strbuf_append(out, " +");
		print_range(out, first1, last1 - first1);
		strbuf_append(out, " @@\n");

		i = first0;
		j = first1;
		for (long k = s; k <= e; k++)
		{
			for (; i < ch[k].line0; i++, j++)
				print_line(out, ' ', &f0->lines[i]);
			for (; i < ch[k].line0 + ch[k].deleted; i++)
				print_line(out, '-', &f0->lines[i]);
			for (; j < ch[k].line1 + ch[k].inserted; j++)
				print_line(out, '+', &f1->lines[j]);
		}
		for (; i < last0; i++, j++)
			print_line(out, ' ', &f0->lines[i]);
		s = e + 1;
	}
}

bool
diff_texts_differ(const char *old_text, const char *new_text)
{
	return strcmp(old_text ? old_text : "", new_text ? new_text : "") != 0;
}

char *
diff_unified(const char *old_text, const char *new_text,
			 const char *old_label, const char *new_label,
			 int context_lines)
{
	dfile		f0,
				f1;
	dfile	   *files[2] = {&f0, &f1};
	dctx		c;
	dchange    *ch;
	long		nch = 0;
	long		nclasses;
	long		i,
				j;
	strbuf		out;

	strbuf_init(&out);
	if (!diff_texts_differ(old_text, new_text))
		return strbuf_detach(&out);

	split_lines(old_text, &f0);
	split_lines(new_text, &f1);
	nclasses = classify(&f0, &f1);

	c.ch0 = f0.changed;
	c.ch1 = f1.changed;
	keep_matchable(&c, files, nclasses);
	c.voff = c.na + c.nb + 1;
	c.vf = pgr_malloc((2 * c.voff + 1) * sizeof(long));
	c.vb = pgr_malloc((2 * c.voff + 1) * sizeof(long));
	compareseq(&c, 0, c.na, 0, c.nb);
	slide_runs(files);

	/* the edit script: runs of deletions and insertions between equal lines */
	ch = pgr_malloc((f0.n + f1.n + 1) * sizeof(dchange));
	i = j = 0;
	while (i < f0.n || j < f1.n)
	{
		if (i < f0.n && j < f1.n && !f0.changed[i] && !f1.changed[j])
		{
			i++, j++;
			continue;
		}
		ch[nch].line0 = i;
		ch[nch].line1 = j;
		while (i < f0.n && f0.changed[i])
			i++;
		while (j < f1.n && f1.changed[j])
			j++;
		ch[nch].deleted = i - ch[nch].line0;
		ch[nch].inserted = j - ch[nch].line1;
		if (ch[nch].deleted == 0 && ch[nch].inserted == 0)
			break;				/* cannot happen: equal lines pair up */
		nch++;
	}

	strbuf_appendf(&out, "--- %s\n+++ %s\n", old_label ? old_label : "a",
				   new_label ? new_label : "b");
	print_hunks(&out, &f0, &f1, ch, nch, context_lines < 0 ? 0 : context_lines);

	free(ch);
	free(c.vf);
	free(c.vb);
	free(c.a);
	free(c.b);
	free(c.ia);
	free(c.ib);
	for (int k = 0; k < 2; k++)
	{
		free(files[k]->lines);
		free(files[k]->equiv);
		free(files[k]->changed);
	}
	return strbuf_detach(&out);
}
