/*
 * test_diff.c: unified diffs (src/formats/diff.c).
 *
 * Besides exact expected outputs, diffs are checked with the real tools:
 * GNU diff -u must print the same thing for texts whose lines leave no
 * choice (config-like texts), and for any texts patch(1) must turn the old
 * text into the new one with our diff, which must change no more lines
 * than a longest common subsequence allows (computed here by dynamic
 * programming).  Those checks are skipped when the tools are missing.
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "diff.h"
#include "strbuf.h"

static bool have_gnu_diff;
static bool have_patch;
static char tmpdir[64];

/* ---- helpers ---------------------------------------------------------------------- */

static void
assert_diff(const char *old_text, const char *new_text, int context, const char *expected)
{
	char	   *d = diff_unified(old_text, new_text, "a", "b", context);

	assert_string_equal(d, expected);
	free(d);
}

static void
write_file(const char *path, const char *text)
{
	FILE	   *f = fopen(path, "wb");

	assert_non_null(f);
	fwrite(text, 1, strlen(text), f);
	assert_int_equal(fclose(f), 0);
}

static char *
read_all(FILE *f)
{
	strbuf		sb;
	char		buf[4096];
	size_t		n;

	strbuf_init(&sb);
	strbuf_append(&sb, "");
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append_len(&sb, buf, n);
	return strbuf_detach(&sb);
}

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *s;

	assert_non_null(f);
	s = read_all(f);
	fclose(f);
	return s;
}

/* GNU diff's output for the two texts (labels a and b). */
static char *
gnu_diff(const char *old_text, const char *new_text, int context)
{
	char		pa[128],
				pb[128],
				cmd[512];
	FILE	   *p;
	char	   *out;

	snprintf(pa, sizeof(pa), "%s/a", tmpdir);
	snprintf(pb, sizeof(pb), "%s/b", tmpdir);
	write_file(pa, old_text);
	write_file(pb, new_text);
	snprintf(cmd, sizeof(cmd), "diff -U %d --label a --label b %s %s", context, pa, pb);
	p = popen(cmd, "r");
	assert_non_null(p);
	out = read_all(p);
	pclose(p);
	return out;
}

/* patch(1) applies our diff to the old text: it must give the new one. */
static void
assert_patch_round_trip(const char *old_text, const char *new_text, const char *d)
{
	char		pa[128],
				pp[128],
				po[128],
				cmd[600];
	char	   *result;
	int			status;

	if (d[0] == '\0')
	{
		assert_string_equal(old_text, new_text);
		return;
	}
	snprintf(pa, sizeof(pa), "%s/old", tmpdir);
	snprintf(pp, sizeof(pp), "%s/patch", tmpdir);
	snprintf(po, sizeof(po), "%s/out", tmpdir);
	write_file(pa, old_text);
	write_file(pp, d);
	unlink(po);
	snprintf(cmd, sizeof(cmd), "patch -s -f -o %s %s < %s >/dev/null 2>&1", po, pa, pp);
	status = system(cmd);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	result = read_file(po);
	assert_string_equal(result, new_text);
	free(result);
}

static size_t
count_lines(const char *s)
{
	size_t		n = 0;

	for (; *s; s++)
		if (*s == '\n' || s[1] == '\0')
			n++;
	return n;
}

/* Lines as strings (line feed kept), for the LCS reference. */
static char **
split(const char *s, size_t *n)
{
	char	  **v = calloc(count_lines(s) + 1, sizeof(char *));
	size_t		k = 0;

	assert_non_null(v);
	while (*s)
	{
		const char *nl = strchr(s, '\n');
		size_t		len = nl ? (size_t) (nl - s) + 1 : strlen(s);

		v[k] = strndup(s, len);
		k++;
		s += len;
	}
	*n = k;
	return v;
}

static void
free_lines(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Lines deleted + inserted by a minimal edit script. */
static size_t
min_edits(const char *old_text, const char *new_text)
{
	size_t		n,
				m;
	char	  **a = split(old_text, &n);
	char	  **b = split(new_text, &m);
	size_t	   *t = calloc((n + 1) * (m + 1), sizeof(size_t));
	size_t		lcs;

	assert_non_null(t);
	for (size_t i = n; i-- > 0;)
		for (size_t j = m; j-- > 0;)
			t[i * (m + 1) + j] = strcmp(a[i], b[j]) == 0
				? t[(i + 1) * (m + 1) + j + 1] + 1
				: (t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
				   ? t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1]);
	lcs = t[0];
	free(t);
	free_lines(a, n);
	free_lines(b, m);
	return (n - lcs) + (m - lcs);
}

/* "+" and "-" lines of a diff, headers excepted. */
static size_t
count_edits(const char *d)
{
	size_t		n = 0;
	const char *p = d;

	while (*p)
	{
		const char *nl = strchr(p, '\n');

		if ((p[0] == '+' && strncmp(p, "+++ ", 4) != 0) ||
			(p[0] == '-' && strncmp(p, "--- ", 4) != 0))
			n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* A small deterministic generator (tests repeat exactly). */
static uint64_t rng_state;

static unsigned
rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned) ((rng_state >> 33) % n);
}

/* ---- exact outputs ---------------------------------------------------------------- */

static void
test_equal_texts(void **state)
{
	assert_diff("", "", 3, "");
	assert_diff(NULL, NULL, 3, "");
	assert_diff(NULL, "", 3, "");
	assert_diff("a\nb\n", "a\nb\n", 3, "");
	assert_diff("a\nb", "a\nb", 3, "");
	assert_false(diff_texts_differ("x\n", "x\n"));
	assert_true(diff_texts_differ("x\n", "x"));
	assert_false(diff_texts_differ(NULL, ""));
}

static void
test_labels(void **state)
{
	char	   *d = diff_unified("a\n", "b\n", "postgresql.conf", "postgresql.conf (new)", 3);

	assert_string_equal(d, "--- postgresql.conf\n+++ postgresql.conf (new)\n"
						"@@ -1 +1 @@\n-a\n+b\n");
	free(d);
	d = diff_unified("a\n", "b\n", NULL, NULL, 3);
	assert_string_equal(d, "--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n");
	free(d);
}

static void
test_insert_at_start(void **state)
{
	assert_diff("a\nb\nc\nd\ne\n", "x\na\nb\nc\nd\ne\n", 3,
				"--- a\n+++ b\n@@ -1,3 +1,4 @@\n+x\n a\n b\n c\n");
}

static void
test_insert_in_middle(void **state)
{
	assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\n5\nnew\n6\n7\n8\n9\n", 3,
				"--- a\n+++ b\n@@ -3,6 +3,7 @@\n 3\n 4\n 5\n+new\n 6\n 7\n 8\n");
}

static void
test_insert_at_end(void **state)
{
	assert_diff("1\n2\n3\n4\n5\n", "1\n2\n3\n4\n5\n6\n7\n", 3,
				"--- a\n+++ b\n@@ -3,3 +3,5 @@\n 3\n 4\n 5\n+6\n+7\n");
}

static void
test_into_and_from_empty(void **state)
{
	assert_diff("", "a\nb\n", 3, "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+a\n+b\n");
	assert_diff("a\n", "", 3, "--- a\n+++ b\n@@ -1 +0,0 @@\n-a\n");
	assert_diff(NULL, "a", 3, "--- a\n+++ b\n@@ -0,0 +1 @@\n+a\n\\ No newline at end of file\n");
}

static void
test_deletion(void **state)
{
	assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n6\n7\n8\n", 3,
				"--- a\n+++ b\n@@ -1,8 +1,6 @@\n 1\n 2\n 3\n-4\n-5\n 6\n 7\n 8\n");
	/* with no context, a deletion is numbered after the line before it */
	assert_diff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n6\n7\n8\n", 0,
				"--- a\n+++ b\n@@ -4,2 +3,0 @@\n-4\n-5\n");
}

static void
test_change(void **state)
{
	assert_diff("wal_level = minimal\nport = 5432\n", "wal_level = replica\nport = 5432\n", 3,
				"--- a\n+++ b\n@@ -1,2 +1,2 @@\n-wal_level = minimal\n+wal_level = replica\n port = 5432\n");
	/* deleted lines come before inserted ones */
	assert_diff("a\nb\nc\nd\n", "a\nB\nC\nd\n", 1,
				"--- a\n+++ b\n@@ -1,4 +1,4 @@\n a\n-b\n-c\n+B\n+C\n d\n");
}

static void
test_no_newline_at_end(void **state)
{
	/* a line feed added at the end */
	assert_diff("a\nb", "a\nb\n", 3,
				"--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n");
	/* and removed */
	assert_diff("a\nb\n", "a\nb", 3,
				"--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n");
	/* both without: the last line is context, marked once */
	assert_diff("a\nb\nc", "A\nb\nc", 3,
				"--- a\n+++ b\n@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n\\ No newline at end of file\n");
	/* a line added after a last line without line feed */
	assert_diff("a", "a\nb", 3,
				"--- a\n+++ b\n@@ -1 +1,2 @@\n-a\n\\ No newline at end of file\n+a\n+b\n"
				"\\ No newline at end of file\n");
}

static void
test_context_merging(void **state)
{
	strbuf		a,
				b6,
				b7;

	strbuf_init(&a);
	strbuf_init(&b6);
	strbuf_init(&b7);
	for (int i = 1; i <= 20; i++)
	{
		strbuf_appendf(&a, "%d\n", i);
		/* changes at 5 and 12: 6 equal lines between (= 2 * 3) */
		strbuf_appendf(&b6, (i == 5 || i == 12) ? "%d'\n" : "%d\n", i);
		/* changes at 5 and 13: 7 equal lines between */
		strbuf_appendf(&b7, (i == 5 || i == 13) ? "%d'\n" : "%d\n", i);
	}
	assert_diff(a.data, b6.data, 3,
				"--- a\n+++ b\n@@ -2,14 +2,14 @@\n 2\n 3\n 4\n-5\n+5'\n 6\n 7\n 8\n 9\n"
				" 10\n 11\n-12\n+12'\n 13\n 14\n 15\n");
	assert_diff(a.data, b7.data, 3,
				"--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+5'\n 6\n 7\n 8\n"
				"@@ -10,7 +10,7 @@\n 10\n 11\n 12\n-13\n+13'\n 14\n 15\n 16\n");
	/* context 0: every change its own hunk; large context: one hunk */
	assert_diff(a.data, b7.data, 0,
				"--- a\n+++ b\n@@ -5 +5 @@\n-5\n+5'\n@@ -13 +13 @@\n-13\n+13'\n");
	{
		char	   *d = diff_unified(a.data, b7.data, "a", "b", 100);

		char	   *hunk = strstr(d, "@@ -1,20 +1,20 @@\n");

		assert_non_null(hunk);
		assert_null(strstr(hunk + 1, "@@ -"));
		free(d);
	}
	/* negative context is 0 */
	assert_diff(a.data, b7.data, -5,
				"--- a\n+++ b\n@@ -5 +5 @@\n-5\n+5'\n@@ -13 +13 @@\n-13\n+13'\n");
	strbuf_free(&a);
	strbuf_free(&b6);
	strbuf_free(&b7);
}

/* A block inserted among repeated lines is shown as one block. */
static void
test_repeated_lines(void **state)
{
	assert_diff("x\n\n\ny\n", "x\n\n\nnew = 1\n\ny\n", 3,
				"--- a\n+++ b\n@@ -1,4 +1,6 @@\n x\n \n \n+new = 1\n+\n y\n");
	assert_diff("a\n#\n#\n#\nb\n", "a\n#\nb\n", 3,
				"--- a\n+++ b\n@@ -1,5 +1,3 @@\n a\n #\n-#\n-#\n b\n");
}

/* ---- against the tools -------------------------------------------------------------- */

static void
test_same_as_gnu_diff(void **state)
{
	static const char *const words[] = {
		"listen_addresses = '*'", "#wal_level = replica", "", "port = 5432",
		"max_connections = 100", "# - Settings -", "#fsync = on", "ssl = on",
		"shared_buffers = 128MB", "#max_wal_senders = 10",
	};

	if (!have_gnu_diff)
		skip();
	rng_state = 42;
	for (int round = 0; round < 200; round++)
	{
		strbuf		a,
					b;
		int			n = (int) rnd(60);
		int			context = (int) rnd(5);
		char	   *mine,
				   *gnu;

		strbuf_init(&a);
		strbuf_init(&b);
		strbuf_append(&a, "");
		strbuf_append(&b, "");
		/* mostly unique lines, a few repeated ones */
		for (int i = 0; i < n; i++)
		{
			if (rnd(6) == 0)
				strbuf_appendf(&a, "%s\n", words[rnd(10)]);
			else
				strbuf_appendf(&a, "line %d\n", i);
		}
		/* b: lines of a deleted, changed, added */
		{
			size_t		na;
			char	  **la = split(a.data, &na);

			for (size_t i = 0; i < na; i++)
			{
				unsigned	r = rnd(100);

				if (r < 8)
					continue;
				if (r < 16)
					strbuf_appendf(&b, "changed %zu\n", i);
				else
					strbuf_append(&b, la[i]);
				if (r >= 94)
					strbuf_appendf(&b, "added %zu\n", i);
			}
			free_lines(la, na);
		}
		if (rnd(5) == 0 && b.len > 0)
			b.data[--b.len] = '\0';	/* no line feed at the end */
		if (rnd(5) == 0 && a.len > 0)
			a.data[--a.len] = '\0';

		mine = diff_unified(a.data, b.data, "a", "b", context);
		gnu = gnu_diff(a.data, b.data, context);
		assert_string_equal(mine, gnu);
		if (have_patch)
			assert_patch_round_trip(a.data, b.data, mine);
		free(mine);
		free(gnu);
		strbuf_free(&a);
		strbuf_free(&b);
	}
}

/*
 * Any texts, repeated lines everywhere: patch must rebuild the new text,
 * and the diff must be minimal.
 */
static void
test_round_trip_and_minimal(void **state)
{
	rng_state = 7;
	for (int round = 0; round < 300; round++)
	{
		strbuf		a,
					b;
		unsigned	alphabet = 2 + rnd(6);
		int			na = (int) rnd(40),
					nb = (int) rnd(40);
		char	   *d;

		strbuf_init(&a);
		strbuf_init(&b);
		strbuf_append(&a, "");
		strbuf_append(&b, "");
		for (int i = 0; i < na; i++)
			strbuf_appendf(&a, "l%u\n", rnd(alphabet));
		if (rnd(2))
		{
			/* b: an edit of a */
			size_t		n;
			char	  **la = split(a.data, &n);

			for (size_t i = 0; i < n; i++)
			{
				unsigned	r = rnd(10);

				if (r == 0)
					continue;
				if (r == 1)
					strbuf_appendf(&b, "l%u\n", rnd(alphabet));
				strbuf_append(&b, la[i]);
			}
			free_lines(la, n);
		}
		else
			for (int i = 0; i < nb; i++)
				strbuf_appendf(&b, "l%u\n", rnd(alphabet));
		if (rnd(4) == 0 && a.len > 0)
			a.data[--a.len] = '\0';
		if (rnd(4) == 0 && b.len > 0)
			b.data[--b.len] = '\0';

		d = diff_unified(a.data, b.data, "a", "b", (int) rnd(4));
		assert_int_equal(count_edits(d), min_edits(a.data, b.data));
		if (have_patch)
			assert_patch_round_trip(a.data, b.data, d);
		if (have_gnu_diff)
		{
			/* GNU diff may choose another minimal script, never a shorter one */
			char	   *gnu = gnu_diff(a.data, b.data, 3);

			assert_true(count_edits(gnu) >= count_edits(d));
			free(gnu);
		}
		free(d);
		strbuf_free(&a);
		strbuf_free(&b);
	}
}

/* A configuration file of thousands of lines, edited and rewritten. */
static void
test_large_texts(void **state)
{
	strbuf		a,
				b,
				c;
	char	   *d;

	strbuf_init(&a);
	strbuf_init(&b);
	strbuf_init(&c);
	for (int i = 0; i < 4000; i++)
	{
		strbuf_appendf(&a, "#param_%d = %d\t\t# comment\n", i, i);
		strbuf_appendf(&b, i % 500 == 7 ? "param_%d = %d\n" : "#param_%d = %d\t\t# comment\n", i, i);
		strbuf_appendf(&c, "other_%d\n", i);
	}
	d = diff_unified(a.data, b.data, "a", "b", 3);
	assert_int_equal(count_edits(d), 16);
	if (have_patch)
		assert_patch_round_trip(a.data, b.data, d);
	free(d);
	/* nothing in common: every line out, every line in */
	d = diff_unified(a.data, c.data, "a", "b", 3);
	assert_int_equal(count_edits(d), 8000);
	assert_non_null(strstr(d, "@@ -1,4000 +1,4000 @@\n"));
	free(d);
	strbuf_free(&a);
	strbuf_free(&b);
	strbuf_free(&c);
}

/* ---- set-up -------------------------------------------------------------------------------- */

static int
group_setup(void **state)
{
	FILE	   *p;
	char	   *out;

	strcpy(tmpdir, "/tmp/pgr-test-diff-XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	p = popen("diff --version 2>/dev/null", "r");
	if (p)
	{
		out = read_all(p);
		have_gnu_diff = pclose(p) == 0 && strstr(out, "GNU diffutils") != NULL;
		free(out);
	}
	have_patch = system("patch --version >/dev/null 2>&1") == 0;
	if (!have_gnu_diff)
		fprintf(stderr, "# GNU diff not found: comparisons with it skipped\n");
	if (!have_patch)
		fprintf(stderr, "# patch not found: round trips skipped\n");
	return 0;
}

static int
group_teardown(void **state)
{
	char		cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equal_texts),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_insert_at_start),
		cmocka_unit_test(test_insert_in_middle),
		cmocka_unit_test(test_insert_at_end),
		cmocka_unit_test(test_into_and_from_empty),
		cmocka_unit_test(test_deletion),
		cmocka_unit_test(test_change),
		cmocka_unit_test(test_no_newline_at_end),
		cmocka_unit_test(test_context_merging),
		cmocka_unit_test(test_repeated_lines),
		cmocka_unit_test(test_same_as_gnu_diff),
		cmocka_unit_test(test_round_trip_and_minimal),
		cmocka_unit_test(test_large_texts),
	};

	return cmocka_run_group_tests_name("diff", tests, group_setup, group_teardown);
}
