/*
 * certs-driver.c: the certificate functions (src/formats/certs.h) as a command, for
 * the shell tests.  It reads and writes the PEM files itself (certs.c does
 * no I/O); keys are written with mode 0600.
 *
 * certs-driver [--key-type ecdsa-p256|rsa-3072] [--days N]
 *              [--not-before EPOCH --not-after EPOCH] COMMAND ARGS
 *   key KEYOUT                               a new private key
 *   ca KEYOUT CERTOUT NAME [DAYS]            a new CA key and certificate
 *   server CAKEY CACERT KEYOUT CERTOUT CN SAN...
 *                                            a new server key (KEYOUT is
 *                                            reused when it exists) and
 *                                            certificate signed by the CA
 *   inspect CERT                             the preview text, then
 *                                            "is_ca: yes|no", "serial: HEX"
 *   fingerprint CERT                         SHA-256 "AA:BB:…"
 *   check-pair CERT KEY
 *   check-covers CERT HOST
 *   check-valid CERT [MIN-DAYS]              exit 3 when it should be renewed
 *   check-signed CERT CACERT
 *   check-server CERT KEY CACERT HOST...
 *
 * Exit status: 0 success, 1 error (printed with report_error), 2 usage,
 * 3 valid but to be renewed (CERTS_RENEW).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "certs.h"
#include "i18n.h"
#include "process.h"
#include "report.h"
#include "strbuf.h"

static certs_key_type key_type = CERTS_KEY_ECDSA_P256;
static int	days = CERTS_DEFAULT_DAYS;
static time_t not_before = 0;
static time_t not_after = 0;

static void
usage(void)
{
	fprintf(stderr,
			"usage: certs-driver [--key-type T] [--days N] [--not-before EPOCH --not-after EPOCH]\n"
			"         key KEYOUT | ca KEYOUT CERTOUT NAME [DAYS]\n"
			"         | server CAKEY CACERT KEYOUT CERTOUT CN SAN...\n"
			"         | inspect CERT | fingerprint CERT | check-pair CERT KEY\n"
			"         | check-covers CERT HOST | check-valid CERT [MIN-DAYS]\n"
			"         | check-signed CERT CACERT | check-server CERT KEY CACERT HOST...\n");
	exit(2);
}

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "r");
	strbuf		sb;
	char		buf[4096];
	size_t		n;

	if (f == NULL)
	{
		fprintf(stderr, "certs-driver: could not open \"%s\": %s\n", path, strerror(errno));
		exit(1);
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append_len(&sb, buf, n);
	fclose(f);
	pgr_wipe(buf, sizeof(buf));
	return strbuf_detach(&sb);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	int			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	size_t		len = strlen(text);

	if (fd < 0 || write(fd, text, len) != (ssize_t) len || fchmod(fd, mode) != 0 ||
		close(fd) != 0)
	{
		fprintf(stderr, "certs-driver: could not write \"%s\": %s\n", path, strerror(errno));
		exit(1);
	}
}

static int
fail(pgr_error *err)
{
	report_error(err);
	pgr_error_clear(err);
	return 1;
}

static char *
make_key(pgr_error *err)
{
	return certs_new_key_pem(key_type, err);
}

int
main(int argc, char **argv)
{
	pgr_error	err = PGR_ERROR_INIT;
	const char *cmd;
	int			rc = 0;
	int			i = 1;

	process_setup();		/* as pgreplica does */
	setlocale(LC_ALL, "");
	report_set_progname("certs-driver");
	while (i < argc && strncmp(argv[i], "--", 2) == 0)
	{
		if (strcmp(argv[i], "--key-type") == 0 && i + 1 < argc)
		{
			if (certs_key_type_parse(argv[i + 1], &key_type, &err) < 0)
				return fail(&err);
		}
		else if (strcmp(argv[i], "--days") == 0 && i + 1 < argc)
			days = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--not-before") == 0 && i + 1 < argc)
			not_before = (time_t) strtoll(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--not-after") == 0 && i + 1 < argc)
			not_after = (time_t) strtoll(argv[i + 1], NULL, 10);
		else
			usage();
		i += 2;
	}
	if (i >= argc)
		usage();
	cmd = argv[i++];
	argc -= i;
	argv += i;

	if (strcmp(cmd, "key") == 0 && argc == 1)
	{
		char	   *key = make_key(&err);

		if (key == NULL)
			return fail(&err);
		write_file(argv[0], key, 0600);
		pgr_free_secret(key);
	}
	else if (strcmp(cmd, "ca") == 0 && (argc == 3 || argc == 4))
	{
		char	   *key = make_key(&err);
		char	   *cert = NULL;

		if (argc == 4)
			days = atoi(argv[3]);
		if (key == NULL)
			return fail(&err);
		if (not_after != 0)
			cert = certs_new_ca_pem_at(key, argv[2], not_before, not_after, &err);
		else
			cert = certs_new_ca_pem(key, argv[2], days, &err);
		if (cert == NULL)
			rc = fail(&err);
		else
		{
			write_file(argv[0], key, 0600);
			write_file(argv[1], cert, 0644);
		}
		pgr_free_secret(key);
		free(cert);
	}
	else if (strcmp(cmd, "server") == 0 && argc >= 6)
	{
		char	   *cakey = read_file(argv[0]);
		char	   *cacert = read_file(argv[1]);
		char	   *key = access(argv[2], F_OK) == 0 ? read_file(argv[2]) : make_key(&err);
		char	   *cert = NULL;
		const char **sans = pgr_calloc((size_t) argc, sizeof(char *));
		int			j;

		for (j = 5; j < argc; j++)
			sans[j - 5] = argv[j];
		if (key == NULL)
			rc = fail(&err);
		else
		{
			if (not_after != 0)
				cert = certs_new_server_pem_at(cacert, cakey, key, argv[4], sans,
											   not_before, not_after, &err);
			else
				cert = certs_new_server_pem(cacert, cakey, key, argv[4], sans,
											days, &err);
			if (cert == NULL)
				rc = fail(&err);
			else
			{
				write_file(argv[2], key, 0600);
				write_file(argv[3], cert, 0644);
			}
		}
		free(sans);
		pgr_free_secret(cakey);
		pgr_free_secret(key);
		free(cacert);
		free(cert);
	}
	else if (strcmp(cmd, "inspect") == 0 && argc == 1)
	{
		char	   *cert = read_file(argv[0]);
		certs_info info;

		if (certs_inspect(cert, &info, &err) < 0)
			rc = fail(&err);
		else
		{
			strbuf		sb;

			strbuf_init(&sb);
			certs_describe(&info, &sb);
			fputs(sb.data, stdout);
			printf("is_ca: %s\nserial: %s\nkey: %s\n", info.is_ca ? "yes" : "no",
				   info.serial, info.key_type);
			strbuf_free(&sb);
		}
		certs_info_free(&info);
		free(cert);
	}
	else if (strcmp(cmd, "fingerprint") == 0 && argc == 1)
	{
		char	   *cert = read_file(argv[0]);
		char	   *fp = certs_fingerprint_pem(cert, &err);

		if (fp == NULL)
			rc = fail(&err);
		else
			printf("%s\n", fp);
		free(fp);
		free(cert);
	}
	else if (strcmp(cmd, "check-pair") == 0 && argc == 2)
	{
		char	   *cert = read_file(argv[0]);
		char	   *key = read_file(argv[1]);

		if (certs_check_pair(cert, key, &err) < 0)
			rc = fail(&err);
		free(cert);
		pgr_free_secret(key);
	}
	else if (strcmp(cmd, "check-covers") == 0 && argc == 2)
	{
		char	   *cert = read_file(argv[0]);

		if (certs_check_covers(cert, argv[1], &err) < 0)
			rc = fail(&err);
		free(cert);
	}
	else if (strcmp(cmd, "check-valid") == 0 && (argc == 1 || argc == 2))
	{
		char	   *cert = read_file(argv[0]);
		int			r = certs_check_valid_now(cert, 0, argc == 2 ? atoi(argv[1]) : 0, &err);

		if (r < 0)
			rc = fail(&err);
		else if (r == CERTS_RENEW)
			rc = 3;
		free(cert);
	}
	else if (strcmp(cmd, "check-signed") == 0 && argc == 2)
	{
		char	   *cert = read_file(argv[0]);
		char	   *ca = read_file(argv[1]);

		if (certs_check_signed_by(cert, ca, &err) < 0)
			rc = fail(&err);
		free(cert);
		free(ca);
	}
	else if (strcmp(cmd, "check-server") == 0 && argc >= 4)
	{
		char	   *cert = read_file(argv[0]);
		char	   *key = read_file(argv[1]);
		char	   *ca = read_file(argv[2]);
		const char **hosts = pgr_calloc((size_t) argc, sizeof(char *));
		int			j,
					r;

		for (j = 3; j < argc; j++)
			hosts[j - 3] = argv[j];
		r = certs_check_server(cert, key, ca, hosts, 0, CERTS_DEFAULT_RENEW_DAYS, &err);
		if (r < 0)
			rc = fail(&err);
		else if (r == CERTS_RENEW)
			rc = 3;
		free(hosts);
		free(cert);
		pgr_free_secret(key);
		free(ca);
	}
	else
		usage();
	return rc;
}
