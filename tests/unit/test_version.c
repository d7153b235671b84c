/*
 * test_version.c: the table of PostgreSQL version facts (src/base/version.c).
 */
#include <config.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "version.h"

static const pg_version_facts *
facts_of(int num)
{
	const pg_version_facts *f = version_facts(num);

	assert_non_null(f);
	return f;
}

static void
test_supported_range(void **state)
{
	assert_int_equal(version_min_major(), 10);
	assert_int_equal(version_max_major(), 18);
}

static void
test_every_major_has_its_row(void **state)
{
	for (int major = 10; major <= 18; major++)
	{
		const pg_version_facts *f = facts_of(major * 10000);

		assert_int_equal(f->major, major);
		assert_int_equal(f->version_num, major * 10000);
	}
}

static void
test_minor_versions_map_to_major(void **state)
{
	static const struct
	{
		int			num;
		int			major;
	}			cases[] = {
		{100023, 10}, {100001, 10}, {109999, 10}, {110022, 11}, {120022, 12},
		{130018, 13}, {140015, 14}, {150018, 15}, {150000, 15}, {160010, 16},
		{170006, 17}, {180001, 18}, {189999, 18},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(facts_of(cases[i].num)->major, cases[i].major);
	assert_ptr_equal(version_facts(150018), version_facts(150000));
}

static void
test_unsupported_versions(void **state)
{
	assert_null(version_facts(90624));	/* 9.6 */
	assert_null(version_facts(90500));
	assert_null(version_facts(99999));
	assert_null(version_facts(190000));
	assert_null(version_facts(190002));
	assert_null(version_facts(200000));
	assert_null(version_facts(0));
	assert_null(version_facts(-1));
}

static void
test_version_major(void **state)
{
	assert_int_equal(version_major(150018), 15);
	assert_int_equal(version_major(100000), 10);
	assert_int_equal(version_major(109999), 10);
	assert_int_equal(version_major(90624), 9);
	assert_int_equal(version_major(190000), 19);
}

/* 12: recovery.conf gone, standby.signal instead */
static void
test_recovery_conf_until_11(void **state)
{
	assert_true(facts_of(100000)->recovery_conf);
	assert_true(facts_of(110022)->recovery_conf);
	assert_false(facts_of(120000)->recovery_conf);
	assert_false(facts_of(180000)->recovery_conf);
}

/* 12: pg_promote() */
static void
test_pg_promote_from_12(void **state)
{
	assert_false(facts_of(110022)->has_pg_promote);
	assert_true(facts_of(120000)->has_pg_promote);
	assert_true(facts_of(180000)->has_pg_promote);
}

/* 13: wal_keep_size replaces wal_keep_segments */
static void
test_wal_keep_setting(void **state)
{
	assert_string_equal(facts_of(100000)->wal_keep_setting, "wal_keep_segments");
	assert_string_equal(facts_of(120022)->wal_keep_setting, "wal_keep_segments");
	assert_string_equal(facts_of(130000)->wal_keep_setting, "wal_keep_size");
	assert_string_equal(facts_of(180000)->wal_keep_setting, "wal_keep_size");
}

/* 13: primary_conninfo can be reloaded */
static void
test_primary_conninfo_reload_from_13(void **state)
{
	assert_false(facts_of(120022)->primary_conninfo_reload);
	assert_true(facts_of(130000)->primary_conninfo_reload);
	assert_true(facts_of(170000)->primary_conninfo_reload);
}

/* 13: pg_rewind runs crash recovery itself */
static void
test_rewind_recovery_from_13(void **state)
{
	assert_false(facts_of(120022)->rewind_runs_recovery);
	assert_true(facts_of(130000)->rewind_runs_recovery);
}

/* 14: SCRAM by default */
static void
test_scram_default_from_14(void **state)
{
	assert_false(facts_of(130018)->scram_default);
	assert_true(facts_of(140000)->scram_default);
	assert_true(facts_of(180000)->scram_default);
}

/* trigger_file (<=11), promote_trigger_file (12-15), none (>=16) */
static void
test_promote_trigger_setting(void **state)
{
	assert_string_equal(facts_of(100000)->promote_trigger_setting, "trigger_file");
	assert_string_equal(facts_of(110022)->promote_trigger_setting, "trigger_file");
	assert_string_equal(facts_of(120000)->promote_trigger_setting, "promote_trigger_file");
	assert_string_equal(facts_of(150018)->promote_trigger_setting, "promote_trigger_file");
	assert_null(facts_of(160000)->promote_trigger_setting);
	assert_null(facts_of(180000)->promote_trigger_setting);
}

/* 18: initdb enables data checksums */
static void
test_checksums_default_from_18(void **state)
{
	assert_false(facts_of(170006)->checksums_default);
	assert_true(facts_of(180000)->checksums_default);
}

/* 12: pg_stat_replication.reply_time */
static void
test_reply_time_from_12(void **state)
{
	assert_false(facts_of(110022)->replication_reply_time);
	assert_true(facts_of(120000)->replication_reply_time);
}

/* 13: pg_rewind --restore-target-wal */
static void
test_hba_clientcert_verify_full_from_12(void **state)
{
	(void) state;
	assert_false(facts_of(100023)->hba_clientcert_verify_full);
	assert_false(facts_of(110022)->hba_clientcert_verify_full);
	assert_true(facts_of(120000)->hba_clientcert_verify_full);
	assert_true(facts_of(180000)->hba_clientcert_verify_full);
}

static void
test_rewind_restore_target_wal_from_13(void **state)
{
	assert_false(facts_of(100023)->rewind_restore_target_wal);
	assert_false(facts_of(120022)->rewind_restore_target_wal);
	assert_true(facts_of(130000)->rewind_restore_target_wal);
	assert_true(facts_of(180000)->rewind_restore_target_wal);
}

static void
test_rewind_role_from_11(void **state)
{
	assert_false(facts_of(100023)->rewind_role);
	assert_true(facts_of(110000)->rewind_role);
	assert_true(facts_of(180000)->rewind_role);
}

/* 11: a superuser's pg_read_file outside the data directory */
static void
test_read_server_files_from_11(void **state)
{
	assert_false(facts_of(100023)->read_server_files);
	assert_true(facts_of(110000)->read_server_files);
	assert_true(facts_of(180000)->read_server_files);
}

/* 13: pg_replication_slots.wal_status */
static void
test_slot_wal_status_from_13(void **state)
{
	assert_false(facts_of(120022)->slot_wal_status);
	assert_true(facts_of(130000)->slot_wal_status);
}

/*
 * The table as a whole: features, once there, stay; recovery.conf, once
 * gone, stays gone; rows are in order.
 */
static void
test_facts_are_monotonic(void **state)
{
	const pg_version_facts *prev = NULL;

	for (int major = 10; major <= 18; major++)
	{
		const pg_version_facts *f = facts_of(major * 10000);

		assert_non_null(f->wal_keep_setting);
		if (prev)
		{
			assert_true(f > prev);
			assert_true(!f->recovery_conf || prev->recovery_conf);
			assert_true(f->has_pg_promote || !prev->has_pg_promote);
			assert_true(f->primary_conninfo_reload || !prev->primary_conninfo_reload);
			assert_true(f->rewind_runs_recovery || !prev->rewind_runs_recovery);
			assert_true(f->scram_default || !prev->scram_default);
			assert_true(f->checksums_default || !prev->checksums_default);
			assert_true(f->replication_reply_time || !prev->replication_reply_time);
			assert_true(f->slot_wal_status || !prev->slot_wal_status);
			assert_true(f->read_server_files || !prev->read_server_files);
		}
		/* recovery.conf and pg_promote() never coexist nor both miss */
		assert_true(f->recovery_conf != f->has_pg_promote);
		prev = f;
	}
}

/* pg_basebackup clones its own major and older ones, never newer. */
static void
test_client_can_clone(void **state)
{
	(void) state;
	for (int s = 10; s <= 15; s++)
		assert_true(version_client_can_clone(15, s));
	assert_false(version_client_can_clone(15, 16));
	assert_false(version_client_can_clone(15, 18));
	assert_false(version_client_can_clone(14, 15));
	assert_false(version_client_can_clone(9, 10));
	assert_true(version_client_can_clone(10, 10));
	assert_true(version_client_can_clone(18, 10));
	assert_true(version_client_can_clone(19, 18));
	/* an unsupported server, whatever the client */
	assert_false(version_client_can_clone(15, 9));
	assert_false(version_client_can_clone(19, 19));
	assert_false(version_client_can_clone(0, 0));
}

static void
test_rewind_only_its_own_major(void **state)
{
	(void) state;
	for (int s = 10; s <= 18; s++)
	{
		assert_true(version_rewind_can_rewind(s, s));
		assert_false(version_rewind_can_rewind(s + 1, s));
		assert_false(version_rewind_can_rewind(s - 1, s));
	}
	assert_false(version_rewind_can_rewind(18, 16));
	assert_false(version_rewind_can_rewind(15, 10));
	/* an unsupported server, even with its own pg_rewind */
	assert_false(version_rewind_can_rewind(9, 9));
	assert_false(version_rewind_can_rewind(19, 19));
}

static void
test_program_major(void **state)
{
	(void) state;
	assert_int_equal(version_program_major("pg_rewind (PostgreSQL) 17.5\n"), 17);
	assert_int_equal(version_program_major("pg_basebackup (PostgreSQL) 15.8 (Debian 15.8-1.pgdg120+1)\n"), 15);
	assert_int_equal(version_program_major("postgres (PostgreSQL) 10.23"), 10);
	assert_int_equal(version_program_major("pg_basebackup (PostgreSQL) 9.6.24\n"), 9);
	assert_int_equal(version_program_major("pg_rewind (PostgreSQL) 18beta1\n"), 18);
	/* not a PostgreSQL program's answer */
	assert_int_equal(version_program_major("sh: 1: pg_rewind: not found\n"), 0);
	assert_int_equal(version_program_major("foo (bar) 12"), 0);
	assert_int_equal(version_program_major("x (PostgreSQL) devel"), 0);
	assert_int_equal(version_program_major(""), 0);
	assert_int_equal(version_program_major(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supported_range),
		cmocka_unit_test(test_every_major_has_its_row),
		cmocka_unit_test(test_minor_versions_map_to_major),
		cmocka_unit_test(test_unsupported_versions),
		cmocka_unit_test(test_version_major),
		cmocka_unit_test(test_recovery_conf_until_11),
		cmocka_unit_test(test_pg_promote_from_12),
		cmocka_unit_test(test_wal_keep_setting),
		cmocka_unit_test(test_primary_conninfo_reload_from_13),
		cmocka_unit_test(test_rewind_recovery_from_13),
		cmocka_unit_test(test_scram_default_from_14),
		cmocka_unit_test(test_promote_trigger_setting),
		cmocka_unit_test(test_checksums_default_from_18),
		cmocka_unit_test(test_reply_time_from_12),
		cmocka_unit_test(test_slot_wal_status_from_13),
		cmocka_unit_test(test_rewind_role_from_11),
		cmocka_unit_test(test_read_server_files_from_11),
		cmocka_unit_test(test_hba_clientcert_verify_full_from_12),
		cmocka_unit_test(test_rewind_restore_target_wal_from_13),
		cmocka_unit_test(test_facts_are_monotonic),
		cmocka_unit_test(test_client_can_clone),
		cmocka_unit_test(test_rewind_only_its_own_major),
		cmocka_unit_test(test_program_major),
	};

	return cmocka_run_group_tests_name("version", tests, NULL, NULL);
}
