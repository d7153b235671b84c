/*
 * version.h: the one table of PostgreSQL version facts.
 *
 * Code never compares server_version_num itself: it asks for the facts of
 * the server's major version and reads the field it needs.  Adding a
 * version or a fact is one line in version.c.
 */
#ifndef PGR_VERSION_H
#define PGR_VERSION_H

#include <stdbool.h>

typedef struct pg_version_facts {
	int			major;			/* 10 .. 18 */
	int			version_num;	/* first server_version_num of the major:
								 * 100000, 110000, ... */
	bool		recovery_conf;	/* ≤11: recovery.conf (else standby.signal
								 * and the settings in postgresql.auto.conf) */
	bool		has_pg_promote; /* ≥12: SELECT pg_promote() */
	const char *wal_keep_setting;	/* "wal_keep_segments" (≤12) or
									 * "wal_keep_size" (≥13) */
	bool		primary_conninfo_reload;	/* ≥13: no restart to change
											 * it */
	bool		rewind_runs_recovery;	/* ≥13: pg_rewind does crash
										 * recovery itself */
	bool		scram_default;	/* ≥14: password_encryption = scram-sha-256
								 * by default */
	const char *promote_trigger_setting;	/* "trigger_file" (≤11),
											 * "promote_trigger_file"
											 * (12-15), NULL (≥16) */
	bool		checksums_default;	/* ≥18: initdb enables data checksums */
	bool		replication_reply_time; /* ≥12: pg_stat_replication.reply_time */
	bool		slot_wal_status;	/* ≥13: pg_replication_slots.wal_status,
									 * safe_wal_size */
	bool		rewind_role;	/* ≥11: pg_rewind's source can be a role
								 * granted EXECUTE on four functions, not a
								 * superuser */
} pg_version_facts;

/* Facts for a server_version_num (e.g. 150018); NULL if not supported. */
const pg_version_facts *version_facts(int server_version_num);
/* Supported range, for messages: "10", "18". */
int			version_min_major(void);
int			version_max_major(void);
/* Major version of a server_version_num: 150018 -> 15, 90624 -> 9. */
int			version_major(int server_version_num);
/*
 * Whether pg_basebackup of major client_major can clone a server of major
 * server_major: the server is a supported version and the client is not
 * older (pg_basebackup 15 clones 10 to 15, refuses 16 and later).
 */
bool		version_client_can_clone(int client_major, int server_major);

#endif
