/*
 * transport-driver.c: the transport interface (src/host/transport.h) as a
 * command, for the shell tests.
 *
 * transport-driver [--ssh-config FILE] [--become USER] [--accept-new-host]
 *                  [--password-file FILE] [--connect-timeout S]
 *                  SPEC COMMAND [ARGS]
 *   SPEC: "local" or an ssh target / Host alias
 *   exec [--checked] [--timeout MS] [--stdin FILE] [--env NAME=VALUE]... -- ARGV...
 *   read PATH
 *   write PATH [--mode OCTAL] [--owner USER] [--group GROUP] [--secret] [--replace-link]
 *   stat PATH
 *   backup PATH
 *   quote ARG...
 *
 * exec exits with the command's exit status, 124 on a time-out; any
 * transport error is printed (report_error) and the exit status is 255.
 * exec --checked runs through transport_run_checked: standard output is
 * printed once the command is over, a non-zero status is printed as the
 * error it makes (its detail: the command's standard error) and is the
 * driver's exit status.
 *
 * TRANSPORT_DRIVER_KEEPALIVE=S in the environment sets the keep-alive
 * interval (transport_options.keepalive_s), so that tests of a dead
 * connection need not wait for the default.
 */
#include <config.h>

#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "i18n.h"
#include "process.h"
#include "report.h"
#include "strbuf.h"
#include "shquote.h"
#include "transport.h"

#define EXIT_TRANSPORT 255
#define EXIT_TIMEOUT 124

typedef struct driver {
	bool		accept_new_host;
	char	   *password;		/* from --password-file, wiped at exit */
} driver;

static void
usage(void)
{
	fprintf(stderr,
			"usage: transport-driver [--ssh-config FILE] [--become USER] [--accept-new-host]\n"
			"                        [--password-file FILE] [--connect-timeout S] SPEC COMMAND [ARGS]\n"
			"  exec [--checked] [--timeout MS] [--stdin FILE] [--env NAME=VALUE]... -- ARGV...\n"
			"  read PATH\n"
			"  write PATH [--mode OCTAL] [--owner USER] [--group GROUP] [--secret] [--replace-link]\n"
			"  stat PATH\n"
			"  backup PATH\n"
			"  quote ARG...\n");
	exit(2);
}

/* Read a whole stream or file; exits with 255 on failure. */
static void
slurp(FILE *f, const char *name, strbuf *sb)
{
	char		buf[65536];
	size_t		n;

	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		strbuf_append_len(sb, buf, n);
	if (ferror(f))
		report_fatal_msg(EXIT_TRANSPORT, "could not read \"%s\": %s",
						 name, strerror(errno));
}

static void
slurp_file(const char *path, strbuf *sb)
{
	FILE	   *f = fopen(path, "rb");

	if (!f)
		report_fatal_msg(EXIT_TRANSPORT, "could not open \"%s\": %s",
						 path, strerror(errno));
	slurp(f, path, sb);
	fclose(f);
}

static void
write_all(int fd, const char *data, size_t len)
{
	while (len > 0)
	{
		ssize_t		n = write(fd, data, len);

		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			/* stdout closed by the reader: nothing sensible to do */
			return;
		}
		data += n;
		len -= (size_t) n;
	}
}

/* ---- callbacks ----------------------------------------------------------- */

static void
on_output(void *arg, transport_stream stream, const char *data, size_t len)
{
	write_all(stream == TRANSPORT_STDERR ? STDERR_FILENO : STDOUT_FILENO,
			  data, len);
}

static bool
on_unknown_host(void *arg, const char *host, int port, const char *key_type,
				const char *sha256_fingerprint)
{
	driver	   *d = arg;

	if (!d->accept_new_host)
		return false;
	fprintf(stderr, "unknown host %s:%d %s %s\n", host, port, key_type,
			sha256_fingerprint);
	return true;
}

static char *
on_ask(void *arg, const char *prompt, bool echo)
{
	driver	   *d = arg;

	/* Only secrets are answered; a question shown in clear is not one. */
	if (!d->password || echo)
		return NULL;
	return pgr_strdup(d->password);
}

/* ---- commands ------------------------------------------------------------ */

static int
cmd_exec(transport *t, int argc, char **argv)
{
	transport_exec_opts eo = {0};
	strbuf		input;
	const char **env;
	int			nenv = 0;
	int			i;
	int			status = 0;
	int			rc;
	bool		checked = false;
	pgr_error	err = PGR_ERROR_INIT;

	strbuf_init(&input);
	env = pgr_calloc((size_t) argc + 1, sizeof(char *));
	for (i = 0; i < argc; i++)
	{
		if (strcmp(argv[i], "--") == 0)
		{
			i++;
			break;
		}
		else if (strcmp(argv[i], "--checked") == 0)
			checked = true;
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			eo.timeout_ms = atoi(argv[++i]);
		else if (strcmp(argv[i], "--stdin") == 0 && i + 1 < argc)
		{
			slurp_file(argv[++i], &input);
			eo.input = input.data;
			eo.input_len = input.len;
		}
		else if (strcmp(argv[i], "--env") == 0 && i + 1 < argc)
			env[nenv++] = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	env[nenv] = NULL;
	eo.env = nenv ? env : NULL;
	if (checked)
	{
		strbuf		out;

		strbuf_init(&out);
		rc = transport_run_checked(t, (const char *const *) (argv + i), &eo, &out,
								   &status, &err);
		write_all(STDOUT_FILENO, out.data, out.len);
		strbuf_free(&out);
	}
	else
	{
		eo.output = on_output;
		rc = transport_exec(t, (const char *const *) (argv + i), &eo, &status, &err);
	}
	free(env);
	strbuf_free(&input);
	if (rc < 0)
	{
		report_error(&err);
		if (status <= 0)
			status = err.kind == PGR_ERR_TIMEOUT ? EXIT_TIMEOUT : EXIT_TRANSPORT;
		pgr_error_clear(&err);
	}
	return status;
}

static int
cmd_read(transport *t, int argc, char **argv)
{
	char	   *data = NULL;
	size_t		len = 0;
	pgr_error	err = PGR_ERROR_INIT;

	if (argc != 1)
		usage();
	if (transport_read_file(t, argv[0], 0, &data, &len, &err) < 0)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return EXIT_TRANSPORT;
	}
	write_all(STDOUT_FILENO, data, len);
	free(data);
	return 0;
}

static int
cmd_write(transport *t, int argc, char **argv)
{
	transport_write_opts wo = {0};
	strbuf		content;
	int			i;
	int			rc;
	pgr_error	err = PGR_ERROR_INIT;

	if (argc < 1)
		usage();
	for (i = 1; i < argc; i++)
	{
		if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
			wo.mode = (mode_t) strtol(argv[++i], NULL, 8);
		else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc)
			wo.owner = argv[++i];
		else if (strcmp(argv[i], "--group") == 0 && i + 1 < argc)
			wo.group = argv[++i];
		else if (strcmp(argv[i], "--secret") == 0)
			wo.secret = true;
		else if (strcmp(argv[i], "--replace-link") == 0)
			wo.replace_link = true;
		else
			usage();
	}
	strbuf_init(&content);
	slurp(stdin, "-", &content);
	rc = transport_write_file(t, argv[0], content.data, content.len, &wo, &err);
	strbuf_free(&content);
	if (rc < 0)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return EXIT_TRANSPORT;
	}
	return 0;
}

static int
cmd_stat(transport *t, int argc, char **argv)
{
	transport_file_stat st;
	const char *type;
	pgr_error	err = PGR_ERROR_INIT;

	if (argc != 1)
		usage();
	memset(&st, 0, sizeof st);
	if (transport_stat(t, argv[0], &st, &err) < 0)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return EXIT_TRANSPORT;
	}
	if (!st.exists)
		type = "other";
	else if (st.is_link)
		type = "link";
	else if (st.is_dir)
		type = "dir";
	else if (st.is_reg)
		type = "reg";
	else
		type = "other";
	printf("exists=%d type=%s mode=%04o uid=%ld gid=%ld size=%lld\n",
		   st.exists ? 1 : 0, type, (unsigned) (st.mode & 07777),
		   (long) st.uid, (long) st.gid, st.size);
	return 0;
}

static int
cmd_backup(transport *t, int argc, char **argv)
{
	char	   *backup = NULL;
	pgr_error	err = PGR_ERROR_INIT;

	if (argc != 1)
		usage();
	if (transport_backup(t, argv[0], &backup, &err) < 0)
	{
		report_error(&err);
		pgr_error_clear(&err);
		return EXIT_TRANSPORT;
	}
	printf("%s\n", backup);
	free(backup);
	return 0;
}

static int
cmd_quote(int argc, char **argv)
{
	const char **args = pgr_calloc((size_t) argc + 1, sizeof(char *));
	char	   *q;
	int			i;

	for (i = 0; i < argc; i++)
		args[i] = argv[i];
	args[argc] = NULL;
	q = shquote_argv(args);
	printf("%s\n", q);
	free(q);
	free(args);
	return 0;
}

int
main(int argc, char **argv)
{
	transport_options to = {0};
	driver		d = {0};
	transport  *t;
	const char *spec;
	const char *command;
	const char *password_file = NULL;
	pgr_error	err = PGR_ERROR_INIT;
	int			i;
	int			status;

	process_setup();		/* as pgreplica does */
	setlocale(LC_ALL, "");
#if ENABLE_NLS
	{
		const char *localedir = getenv("PGR_LOCALEDIR");

		bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
		textdomain(PACKAGE);
	}
#endif
	report_set_progname(argv[0]);

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++)
	{
		if (strcmp(argv[i], "--ssh-config") == 0 && i + 1 < argc)
			to.ssh_config = argv[++i];
		else if (strcmp(argv[i], "--become") == 0 && i + 1 < argc)
			to.become = argv[++i];
		else if (strcmp(argv[i], "--accept-new-host") == 0)
			d.accept_new_host = true;
		else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc)
			password_file = argv[++i];
		else if (strcmp(argv[i], "--connect-timeout") == 0 && i + 1 < argc)
			to.connect_timeout_s = atoi(argv[++i]);
		else
			usage();
	}
	if (argc - i < 2)
		usage();
	if (getenv("TRANSPORT_DRIVER_KEEPALIVE"))
		to.keepalive_s = atoi(getenv("TRANSPORT_DRIVER_KEEPALIVE"));
	spec = argv[i++];
	command = argv[i++];

	if (strcmp(command, "quote") == 0)
		return cmd_quote(argc - i, argv + i);

	if (password_file)
	{
		strbuf		pw;

		strbuf_init(&pw);
		slurp_file(password_file, &pw);
		while (pw.len > 0 && (pw.data[pw.len - 1] == '\n' ||
							  pw.data[pw.len - 1] == '\r'))
			pw.data[--pw.len] = '\0';
		d.password = strbuf_detach(&pw);
		strbuf_free(&pw);
	}
	/* Without --accept-new-host, no callback: the transport refuses. */
	to.unknown_host = d.accept_new_host ? on_unknown_host : NULL;
	to.ask = on_ask;
	to.cb_arg = &d;

	t = transport_open(spec, &to, &err);
	if (!t)
	{
		report_error(&err);
		pgr_error_clear(&err);
		pgr_free_secret(d.password);
		return EXIT_TRANSPORT;
	}

	argc -= i;
	argv += i;
	if (strcmp(command, "exec") == 0)
		status = cmd_exec(t, argc, argv);
	else if (strcmp(command, "read") == 0)
		status = cmd_read(t, argc, argv);
	else if (strcmp(command, "write") == 0)
		status = cmd_write(t, argc, argv);
	else if (strcmp(command, "stat") == 0)
		status = cmd_stat(t, argc, argv);
	else if (strcmp(command, "backup") == 0)
		status = cmd_backup(t, argc, argv);
	else
	{
		transport_close(t);
		usage();
	}
	transport_close(t);
	pgr_free_secret(d.password);
	if (fflush(stdout) != 0 || ferror(stdout))
	{
		fprintf(stderr, "transport-driver: could not write to standard output: %s\n",
				strerror(errno));
		return EXIT_TRANSPORT;
	}
	return status;
}
