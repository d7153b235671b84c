/*
 * test_service.c: the commands src/setup/service.c runs for each service manager
 * and action (no command is run here).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "cluster.h"
#include "report.h"
#include "service.h"

static cluster_node
a_node(service_kind kind, char *bindir, char *pgdata)
{
	cluster_node n;

	memset(&n, 0, sizeof(n));
	n.name = (char *) "pg1";
	n.bindir = bindir;
	n.pgdata = pgdata;
	n.service.kind = kind;
	if (kind == SERVICE_PG_CTLCLUSTER)
	{
		n.service.version = (char *) "15";
		n.service.name = (char *) "main";
	}
	else if (kind == SERVICE_SYSTEMD)
		n.service.name = (char *) "postgresql@15-main";
	return n;
}

static void
assert_command(const cluster_node *n, service_action a, const char *want)
{
	char	   *got = service_command_string(n, a);

	assert_string_equal(got, want);
	free(got);
}

static void
test_pg_ctl(void **state)
{
	cluster_node n = a_node(SERVICE_PG_CTL, (char *) "/usr/lib/postgresql/15/bin",
							(char *) "/srv/pg data");

	(void) state;
	/* start and restart always have a log file: pg_ctl's pipe must close */
	assert_command(&n, SERVICE_START,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' -w -t 60 "
				   "-p /usr/lib/postgresql/15/bin/postgres "
				   "-l '/srv/pg data/log/pgreplica-pg_ctl.log' start");
	assert_command(&n, SERVICE_RESTART,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' -w -t 60 -m fast "
				   "-p /usr/lib/postgresql/15/bin/postgres "
				   "-l '/srv/pg data/log/pgreplica-pg_ctl.log' restart");
	assert_command(&n, SERVICE_STOP,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' -w -t 60 -m fast stop");
	assert_command(&n, SERVICE_STOP_IMMEDIATE,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' -w -t 60 -m immediate stop");
	assert_command(&n, SERVICE_STOP_NOWAIT,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' -W -m fast stop");
	assert_command(&n, SERVICE_RELOAD,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' reload");
	assert_command(&n, SERVICE_STATUS,
				   "/usr/lib/postgresql/15/bin/pg_ctl -D '/srv/pg data' status");
}

static void
test_pg_ctl_from_path(void **state)
{
	cluster_node n = a_node(SERVICE_PG_CTL, NULL, (char *) "/d");
	pgr_error	err = PGR_ERROR_INIT;
	bool		from_path = false;
	char	  **argv;

	(void) state;
	argv = service_argv(&n, SERVICE_RELOAD, &from_path, &err);
	assert_non_null(argv);
	assert_true(from_path);
	assert_string_equal(argv[0], "pg_ctl");
	service_argv_free(argv);
	/* no bindir: no -p, pg_ctl finds the server itself */
	assert_command(&n, SERVICE_START_NOWAIT, "pg_ctl -D /d -W -l /d/log/pgreplica-pg_ctl.log start");
	n.bindir = (char *) "";
	argv = service_argv(&n, SERVICE_RELOAD, &from_path, &err);
	assert_true(from_path);
	service_argv_free(argv);
	n.bindir = (char *) "/b";
	argv = service_argv(&n, SERVICE_RELOAD, &from_path, &err);
	assert_false(from_path);
	assert_string_equal(argv[0], "/b/pg_ctl");
	service_argv_free(argv);
}

static void
test_pg_ctl_needs_pgdata(void **state)
{
	cluster_node n = a_node(SERVICE_PG_CTL, (char *) "/b", NULL);
	pgr_error	err = PGR_ERROR_INIT;

	(void) state;
	assert_null(service_argv(&n, SERVICE_RESTART, NULL, &err));
	assert_int_equal(err.kind, PGR_ERR_INPUT);
	assert_non_null(err.hint);
	pgr_error_clear(&err);
}

static void
test_pg_ctlcluster(void **state)
{
	cluster_node n = a_node(SERVICE_PG_CTLCLUSTER, NULL, NULL);

	(void) state;
	assert_command(&n, SERVICE_RESTART, "pg_ctlcluster --mode fast 15 main restart");
	assert_command(&n, SERVICE_RELOAD, "pg_ctlcluster 15 main reload");
	assert_command(&n, SERVICE_START, "pg_ctlcluster 15 main start");
	assert_command(&n, SERVICE_STOP_IMMEDIATE, "pg_ctlcluster --mode immediate 15 main stop");
	/* pg_ctlcluster waits itself: the same fast stop */
	assert_command(&n, SERVICE_STOP_NOWAIT, "pg_ctlcluster --mode fast 15 main stop");
	assert_command(&n, SERVICE_STATUS, "pg_ctlcluster 15 main status");
}

static void
test_systemd(void **state)
{
	cluster_node n = a_node(SERVICE_SYSTEMD, NULL, NULL);

	(void) state;
	assert_command(&n, SERVICE_RESTART, "systemctl restart postgresql@15-main");
	assert_command(&n, SERVICE_RELOAD, "systemctl reload postgresql@15-main");
	assert_command(&n, SERVICE_STOP, "systemctl stop postgresql@15-main");
	assert_command(&n, SERVICE_STOP_NOWAIT, "systemctl stop postgresql@15-main");
	assert_command(&n, SERVICE_STATUS, "systemctl is-active --quiet postgresql@15-main");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pg_ctl),
		cmocka_unit_test(test_pg_ctl_from_path),
		cmocka_unit_test(test_pg_ctl_needs_pgdata),
		cmocka_unit_test(test_pg_ctlcluster),
		cmocka_unit_test(test_systemd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
