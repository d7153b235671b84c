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
									 * safe_wal_size, max_slot_wal_keep_size */
	bool		ls_archive_statusdir;	/* ≥12: pg_ls_archive_statusdir() */
	bool		slot_inactive_since;	/* ≥17: pg_replication_slots.inactive_since */
	bool		rewind_role;	/* ≥11: pg_rewind's source can be a role
								 * granted EXECUTE on four functions, not a
								 * superuser */
	bool		rewind_restore_target_wal;	/* ≥13: pg_rewind
											 * --restore-target-wal fetches
											 * the target's WAL that has
											 * left pg_wal with its
											 * restore_command */
	bool		hba_clientcert_verify_full;	/* ≥12: pg_hba.conf's
											 * clientcert=verify-full checks
											 * the certificate's CN (before,
											 * clientcert=1 checks the CA
											 * only) */
	bool		read_server_files;	/* ≥11: a superuser's (or
									 * pg_read_server_files') pg_read_file
									 * reads outside the data directory */
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
/*
 * Whether pg_rewind of major tool_major can rewind a data directory of
 * major server_major: only its own (pg_rewind reads the control file and
 * the catalog version of its own major; 18 against a 16 server fails on
 * "transaction_timeout", against 10 on the control file).
 */
bool		version_rewind_can_rewind(int tool_major, int server_major);
/*
 * The major version a PostgreSQL program prints with --version:
 * "pg_rewind (PostgreSQL) 17.5" -> 17, "pg_basebackup (PostgreSQL) 15.8
 * (Debian 15.8-1.pgdg120+1)" -> 15, "... 9.6.24" -> 9; 0 when unreadable.
 */
int			version_program_major(const char *version_output);
/*
 * Whether pg_basebackup of major client_major can have a server of major
 * server_major compress the copy (--compress=server-lz4|server-zstd, the
 * plain format decompressed by the client): both 15 or later.
 */
bool		version_server_compression(int client_major, int server_major);

#endif
