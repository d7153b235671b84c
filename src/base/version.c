/*
 * version.c: the one table of PostgreSQL version facts (see version.h and
 * DESIGN.md "Versions").
 *
 * Every server version comparison in pgreplica lives here: the rest of the
 * code asks version_facts() and reads a field.  Adding a major version is
 * adding one row; adding a fact is adding one column.
 */
#include <config.h>

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

/*
 * Columns, in order:
 *   major, version_num,
 *   recovery_conf, has_pg_promote, wal_keep_setting,
 *   primary_conninfo_reload, rewind_runs_recovery, scram_default,
 *   promote_trigger_setting, checksums_default,
 *   replication_reply_time, slot_wal_status, ls_archive_statusdir,
 *   slot_inactive_since, rewind_role, rewind_restore_target_wal,
 *   hba_clientcert_verify_full, read_server_files
 *
 * Branch points: 11 pg_rewind's source without a superuser, pg_read_file
 * outside the data directory; 12 recovery.conf gone, signal files,
 * pg_promote(), pg_stat_replication.reply_time, pg_ls_archive_statusdir(),
 * pg_hba.conf's clientcert=verify-full; 13 wal_keep_size, primary_conninfo
 * reloadable, pg_rewind runs crash recovery and fetches archived WAL
 * (--restore-target-wal), pg_replication_slots.wal_status;
 * 14 SCRAM by default; 16 promote_trigger_file gone; 17
 * pg_replication_slots.inactive_since; 18 data checksums by
 * default.
 */
#define KEEP_SEGS "wal_keep_segments"
#define KEEP_SIZE "wal_keep_size"
#define TRIG_OLD "trigger_file"
#define TRIG_NEW "promote_trigger_file"

static const pg_version_facts facts[] = {
	{10, 100000, true, false, KEEP_SEGS, false, false, false, TRIG_OLD, false, false, false, false, false, false, false, false, false},
	{11, 110000, true, false, KEEP_SEGS, false, false, false, TRIG_OLD, false, false, false, false, false, true, false, false, true},
	{12, 120000, false, true, KEEP_SEGS, false, false, false, TRIG_NEW, false, true, false, true, false, true, false, true, true},
	{13, 130000, false, true, KEEP_SIZE, true, true, false, TRIG_NEW, false, true, true, true, false, true, true, true, true},
	{14, 140000, false, true, KEEP_SIZE, true, true, true, TRIG_NEW, false, true, true, true, false, true, true, true, true},
	{15, 150000, false, true, KEEP_SIZE, true, true, true, TRIG_NEW, false, true, true, true, false, true, true, true, true},
	{16, 160000, false, true, KEEP_SIZE, true, true, true, NULL, false, true, true, true, false, true, true, true, true},
	{17, 170000, false, true, KEEP_SIZE, true, true, true, NULL, false, true, true, true, true, true, true, true, true},
	{18, 180000, false, true, KEEP_SIZE, true, true, true, NULL, true, true, true, true, true, true, true, true, true},
};

#define N_FACTS ((int) (sizeof(facts) / sizeof(facts[0])))

int
version_major(int server_version_num)
{
	if (server_version_num <= 0)
		return 0;
	/*
	 * From 10 on the major is the first two digits (100000 -> 10); before,
	 * it was two numbers (90624 -> 9.6), whose first part we return.
	 */
	return server_version_num / 10000;
}

const pg_version_facts *
version_facts(int server_version_num)
{
	int			major;

	if (server_version_num < facts[0].version_num)
		return NULL;
	major = version_major(server_version_num);
	for (int i = 0; i < N_FACTS; i++)
		if (facts[i].major == major)
			return &facts[i];
	return NULL;
}

int
version_min_major(void)
{
	return facts[0].major;
}

int
version_max_major(void)
{
	return facts[N_FACTS - 1].major;
}

bool
version_client_can_clone(int client_major, int server_major)
{
	/*
	 * pg_basebackup speaks the replication protocol of its own and of
	 * older servers (down to 9.1), never of newer ones: it refuses them
	 * ("incompatible server version").
	 */
	if (server_major < facts[0].major || server_major > facts[N_FACTS - 1].major)
		return false;
	return client_major >= server_major;
}

bool
version_rewind_can_rewind(int tool_major, int server_major)
{
	if (server_major < facts[0].major || server_major > facts[N_FACTS - 1].major)
		return false;
	return tool_major == server_major;
}

int
version_program_major(const char *version_output)
{
	const char *p = version_output ? strstr(version_output, "(PostgreSQL) ") : NULL;

	if (!p)
		return 0;
	p += strlen("(PostgreSQL) ");
	if (*p < '0' || *p > '9')
		return 0;
	return atoi(p);
}

bool
version_server_compression(int client_major, int server_major)
{
	return client_major >= 15 && server_major >= 15;
}
