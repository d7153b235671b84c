/*
 * test_quote.c: shell quoting of remote command lines
 * (shquote_arg / shquote_argv in src/host/shquote.c).
 *
 * Besides the expected strings, the quoting is proved with real shells:
 * `sh -c "printf '%s\0' ARGS"` must give every argument back byte for byte,
 * and none of the hostile arguments may run anything (a canary file that
 * they would create must not appear).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "strbuf.h"
#include "shquote.h"
#include "transport.h"

/* ---- expected strings ---------------------------------------------------------- */

static void
assert_quotes(const char *in, const char *expected)
{
	char	   *q = shquote_arg(in);

	assert_string_equal(q, expected);
	free(q);
}

static void
test_quote_plain(void **state)
{
	assert_quotes("abc", "'abc'");
	assert_quotes("/usr/lib/postgresql/15/bin/pg_ctl", "'/usr/lib/postgresql/15/bin/pg_ctl'");
	assert_quotes("a b", "'a b'");
}

static void
test_quote_empty(void **state)
{
	assert_quotes("", "''");
}

static void
test_quote_single_quotes(void **state)
{
	assert_quotes("it's", "'it'\\''s'");
	assert_quotes("'", "''\\'''");
	assert_quotes("''", "''\\'''\\'''");
	assert_quotes("'a'", "''\\''a'\\'''");
}

static void
test_quote_specials_stay_literal(void **state)
{
	assert_quotes("$(id)", "'$(id)'");
	assert_quotes("`id`", "'`id`'");
	assert_quotes("a\nb", "'a\nb'");
	assert_quotes("\\", "'\\'");
	assert_quotes("\"", "'\"'");
	assert_quotes("*;|&", "'*;|&'");
}

static void
test_quote_argv_joins(void **state)
{
	const char *const argv[] = {"ls", "-l", "it's", "", "a b", NULL};
	const char *const one[] = {"", NULL};
	const char *const none[] = {NULL};
	char	   *q;

	q = shquote_argv(argv);
	assert_string_equal(q, "'ls' '-l' 'it'\\''s' '' 'a b'");
	free(q);
	q = shquote_argv(one);
	assert_string_equal(q, "''");
	free(q);
	q = shquote_argv(none);
	assert_string_equal(q, "");
	free(q);
}

/* ---- real shells --------------------------------------------------------------- */

#define N_RANDOM 200

typedef struct shell_fixture
{
	char		dir[64];		/* scratch directory, the shells' cwd */
	char	   *canary;			/* must never be created */
	char	  **hostile;		/* NULL-terminated */
	int			n_hostile;
} shell_fixture;

static void
add(shell_fixture *f, char *s)
{
	f->hostile = realloc(f->hostile, (size_t) (f->n_hostile + 2) * sizeof(char *));
	f->hostile[f->n_hostile++] = s;
	f->hostile[f->n_hostile] = NULL;
}

/* `tmpl` with every "CANARY" replaced by the canary's path */
static char *
with_canary(const char *tmpl, const char *canary)
{
	strbuf		sb;
	const char *p = tmpl;
	const char *m;

	strbuf_init(&sb);
	while ((m = strstr(p, "CANARY")) != NULL)
	{
		strbuf_append_len(&sb, p, (size_t) (m - p));
		strbuf_append(&sb, canary);
		p = m + 6;
	}
	strbuf_append(&sb, p);
	return strbuf_detach(&sb);
}

static int
shell_setup(void **state)
{
	static const char *const plain[] = {
		"it's", "'", "''", "\"", "a\"b'c", "\"'\"'", " spaced  out ", "\t",
		"tab\there", "line1\nline2", "\n", "\r\n", "$HOME", "${HOME}", "$((1+1))",
		"*", "?", "[a-z]*", "~", "~root", "~/x", "\\", "\\n", "\\'", "'\\''",
		"!", "!!", "!$", "-n", "-e", "--", "-", "--help", "#not a comment",
		"a=b", "{a,b}", "<", "%s", "%%", "%b",
		"\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89",
		"\x01\x02\x1b[31m\x7f", "\xff\xfe", "",
	};
	static const char *const with_cmd[] = {
		"$(touch CANARY)", "`touch CANARY`", "; touch CANARY", "| touch CANARY", "& touch CANARY",
		"&& touch CANARY", "|| touch CANARY", ">CANARY", "x > CANARY", "'$(touch CANARY)'",
		"\"$(touch CANARY)\"", "'; touch CANARY; '", "\\'; touch CANARY #",
		"$(touch CANARY)\n", "\ntouch CANARY", "${x:-$(touch CANARY)}",
	};
	shell_fixture *f = calloc(1, sizeof(*f));
	uint64_t	x = 0x2545F4914F6CDD1DULL;
	char	   *rnd;
	char	   *glob_bait;

	strcpy(f->dir, "/tmp/pgr-test-quote-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	assert_true(asprintf(&f->canary, "%s/canary", f->dir) >= 0);
	/* a file that unquoted globs would expand to */
	assert_true(asprintf(&glob_bait, "%s/glob-bait", f->dir) >= 0);
	close(open(glob_bait, O_CREAT | O_WRONLY, 0600));
	free(glob_bait);

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		add(f, strdup(plain[i]));
	for (size_t i = 0; i < sizeof(with_cmd) / sizeof(with_cmd[0]); i++)
		add(f, with_canary(with_cmd[i], f->canary));

	/* 200 random bytes, no NUL, always the same */
	rnd = malloc(N_RANDOM + 1);
	for (int i = 0; i < N_RANDOM; i++)
	{
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		rnd[i] = (char) (1 + ((x * 2685821657736338717ULL) >> 56) % 255);
	}
	rnd[N_RANDOM] = '\0';
	add(f, rnd);
	*state = f;
	return 0;
}

static int
shell_teardown(void **state)
{
	shell_fixture *f = *state;
	char	   *cmd;

	for (int i = 0; i < f->n_hostile; i++)
		free(f->hostile[i]);
	free(f->hostile);
	if (asprintf(&cmd, "rm -rf '%s'", f->dir) >= 0)
	{
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", f->dir);
		free(cmd);
	}
	free(f->canary);
	free(f);
	return 0;
}

/* Run `shell -c script` in `dir`; its standard output into `out`. */
static int
run_shell(const char *shell, const char *script, const char *dir, strbuf *out)
{
	int			fd[2];
	pid_t		pid;
	int			status;
	char		buf[4096];
	ssize_t		n;

	assert_int_equal(pipe(fd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
	{
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		if (chdir(dir) < 0)
			_exit(126);
		execl(shell, shell, "-c", script, (char *) NULL);
		_exit(127);
	}
	close(fd[1]);
	while ((n = read(fd[0], buf, sizeof(buf))) != 0)
	{
		if (n < 0 && errno == EINTR)
			continue;
		assert_true(n > 0);
		strbuf_append_len(out, buf, (size_t) n);
	}
	close(fd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/*
 * printf '%s\0' ARG... through `shell`, the whole command line (printf and
 * its format included) quoted by shquote_argv, as the ssh transport
 * sends it.  Every argument must come back exactly.
 */
static void
assert_shell_round_trip(const char *shell, shell_fixture *f,
						const char *const *args, int n_args)
{
	const char **argv = calloc((size_t) n_args + 3, sizeof(char *));
	char	   *script;
	strbuf		out;
	size_t		pos = 0;

	argv[0] = "printf";
	argv[1] = "%s\\0";
	for (int i = 0; i < n_args; i++)
		argv[i + 2] = args[i];
	script = shquote_argv(argv);

	strbuf_init(&out);
	assert_int_equal(run_shell(shell, script, f->dir, &out), 0);
	for (int i = 0; i < n_args; i++)
	{
		size_t		len = strlen(args[i]);

		if (pos + len + 1 > out.len || memcmp(out.data + pos, args[i], len) != 0 ||
			out.data[pos + len] != '\0')
			fail_msg("%s: argument %d came back changed (script: %s)", shell, i, script);
		pos += len + 1;
	}
	assert_int_equal(pos, out.len);
	if (access(f->canary, F_OK) == 0)
		fail_msg("%s: an argument ran a command (script: %s)", shell, script);
	strbuf_free(&out);
	free(script);
	free(argv);
}

static void
round_trip_each_and_all(const char *shell, shell_fixture *f)
{
	if (access(shell, X_OK) != 0)
	{
		/* not skip(): cmocka 1.1.5's TAP "not ok # SKIP" counts as a failure */
		fflush(stdout);
		printf("# %s not found: not checked\n", shell);
		fflush(stdout);
		return;
	}
	for (int i = 0; i < f->n_hostile; i++)
	{
		const char *one[] = {f->hostile[i]};

		assert_shell_round_trip(shell, f, one, 1);
	}
	assert_shell_round_trip(shell, f, (const char *const *) f->hostile, f->n_hostile);
}

static void
test_sh_gives_arguments_back(void **state)
{
	round_trip_each_and_all("/bin/sh", *state);
}

static void
test_bash_gives_arguments_back(void **state)
{
	round_trip_each_and_all("/bin/bash", *state);
}

static void
test_dash_gives_arguments_back(void **state)
{
	round_trip_each_and_all("/bin/dash", *state);
}

/* The canary check itself works: unquoted, the same string does run. */
static void
test_canary_would_catch_injection(void **state)
{
	shell_fixture *f = *state;
	char	   *script;
	strbuf		out;

	assert_true(asprintf(&script, "printf '%%s\\0' $(touch %s)", f->canary) >= 0);
	strbuf_init(&out);
	assert_int_equal(run_shell("/bin/sh", script, f->dir, &out), 0);
	assert_int_equal(access(f->canary, F_OK), 0);
	assert_int_equal(unlink(f->canary), 0);
	strbuf_free(&out);
	free(script);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_plain),
		cmocka_unit_test(test_quote_empty),
		cmocka_unit_test(test_quote_single_quotes),
		cmocka_unit_test(test_quote_specials_stay_literal),
		cmocka_unit_test(test_quote_argv_joins),
		cmocka_unit_test_setup_teardown(test_canary_would_catch_injection, shell_setup, shell_teardown),
		cmocka_unit_test_setup_teardown(test_sh_gives_arguments_back, shell_setup, shell_teardown),
		cmocka_unit_test_setup_teardown(test_bash_gives_arguments_back, shell_setup, shell_teardown),
		cmocka_unit_test_setup_teardown(test_dash_gives_arguments_back, shell_setup, shell_teardown),
	};

	return cmocka_run_group_tests_name("quote", tests, NULL, NULL);
}
