/*
 * recovery.h: a standby's recovery configuration (DESIGN.md step 7).
 *
 * Rendered from the templates in the template directory (installed under
 * PKGDATADIR "/templates"; the environment variable PGREPLICA_TEMPLATES or
 * recovery_params.template_dir name another one, see templates/README):
 *
 *   - servers with recovery.conf (facts->recovery_conf, ≤11): the text of
 *     recovery.conf from "recovery.conf.in" (standby_mode, primary_conninfo,
 *     recovery_target_timeline = 'latest', primary_slot_name, trigger_file,
 *     restore_command, archive_cleanup_command);
 *   - later servers (≥12): an empty standby.signal, and the same settings
 *     from "standby.conf.in", to be merged into postgresql.auto.conf by
 *     recovery_apply_auto_conf (promote_trigger_file only where
 *     facts->promote_trigger_setting names it: 12-15).
 *
 * No password is ever written: primary_conninfo names a passfile (0600,
 * written by the caller), never password=.
 *
 * Pure logic: the caller reads postgresql.auto.conf and writes the files
 * through the transport (mode RECOVERY_FILE_MODE, owner of the data
 * directory).  On ≥12 the caller also removes a leftover recovery.conf
 * from the data directory: the server refuses to start with one.
 */
#ifndef PGR_RECOVERY_H
#define PGR_RECOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "report.h"
#include "strbuf.h"
#include "version.h"

#define RECOVERY_CONF_FILE "recovery.conf"
#define RECOVERY_SIGNAL_FILE "standby.signal"
#define RECOVERY_AUTO_CONF_FILE "postgresql.auto.conf"
#define RECOVERY_FILE_MODE 0600

/* Template file names, in the template directory. */
#define RECOVERY_TEMPLATE_CONF "recovery.conf.in"
#define RECOVERY_TEMPLATE_STANDBY "standby.conf.in"
/* Environment variable naming another template directory. */
#define RECOVERY_TEMPLATES_ENV "PGREPLICA_TEMPLATES"

typedef struct recovery_params
{
	const pg_version_facts *facts;	/* the standby's (= the primary's) */
	const char *node;			/* the standby's name: application_name */
	const char *primary_host;	/* the upstream the standby streams from */
	int			primary_port;
	const char *user;			/* replication role */
	const char *passfile;		/* path of the 0600 passfile on the standby
								 * host (required, unless sslcert is set) */
	const char *password;		/* MUST be NULL: a password never goes into
								 * primary_conninfo (rendering refuses) */
	bool		ssl;			/* sslmode=verify-full + sslrootcert, else
								 * sslmode=prefer */
	const char *sslrootcert;	/* CA file on the standby host (ssl) */
	const char *sslcert;		/* the standby's client certificate and */
	const char *sslkey;			/* its key (0600), or both NULL (ssl) */
	const char *slot;			/* primary_slot_name, or NULL */
	const char *trigger_file;	/* or NULL; ignored where the server has no
								 * trigger setting (≥16) */
	const char *restore_command;	/* or NULL (archiving off) */
	const char *archive_cleanup_command;	/* or NULL */
	const char *template_dir;	/* NULL: $PGREPLICA_TEMPLATES if set and not
								 * empty, else PKGDATADIR "/templates" */
} recovery_params;

typedef struct recovery_setting
{
	char	   *name;
	char	   *value;			/* unquoted */
} recovery_setting;

typedef struct recovery_files
{
	const pg_version_facts *facts;
	/* facts->recovery_conf (≤11): */
	char	   *recovery_conf;	/* text of RECOVERY_CONF_FILE, else NULL */
	/* else (≥12): */
	bool		signal;			/* create RECOVERY_SIGNAL_FILE, empty */
	char	   *standby_conf;	/* the rendered "standby.conf.in" (for a
								 * preview), else NULL */
	recovery_setting *auto_settings;	/* what goes into
										 * postgresql.auto.conf, in order */
	size_t		n_auto_settings;
} recovery_files;

#define RECOVERY_FILES_INIT {NULL, NULL, false, NULL, NULL, 0}

/*
 * The value of primary_conninfo (unquoted, as libpq reads it): host, port,
 * user, passfile, application_name, then sslmode=verify-full and
 * sslrootcert with SSL, else sslmode=prefer.  Values are quoted as libpq's
 * own appendConnStrVal does: bare when made only of letters, digits, "_"
 * and ".", else in single quotes with ' and \ escaped by a backslash.
 * NULL when p->password is set, a required field is missing or a value
 * holds a line break.  malloc'd.
 */
char	   *recovery_conninfo(const recovery_params *p);
/*
 * Append `key=value` to a connection string (a space first unless sb is
 * empty), the value quoted as recovery_conninfo quotes it: the one
 * conninfo writer, also for pg_rewind's --source-server.
 */
void		recovery_conninfo_append(strbuf *sb, const char *key, const char *value);

/*
 * The template directory for a template_dir override (NULL: environment,
 * then the installed one).  Not malloc'd.
 */
const char *recovery_template_dir(const char *override);

/*
 * Render the recovery configuration into *out (initialise it with
 * RECOVERY_FILES_INIT; free with recovery_files_free, also after a
 * failure).  Fails (PGR_ERR_INPUT) on a password, a missing field, a line
 * break in a value, an unknown @PLACEHOLDER@ in a template; (PGR_ERR_IO)
 * when a template cannot be read.
 */
int			recovery_render(const recovery_params *p, recovery_files *out,
							pgr_error *err);
void		recovery_files_free(recovery_files *f);

/*
 * postgresql.auto.conf with the settings of f (≥12): each one set with
 * pgconf_set (an earlier value replaced in place, never a second line: if
 * the file set a parameter several times, the earlier lines are removed);
 * lines setting what no longer exists or must not stay are removed:
 * standby_mode, trigger_file, promote_trigger_file where the server has no
 * such setting (≥16: it would refuse to start), and the settings
 * pgreplica manages (primary_slot_name, promote_trigger_file,
 * restore_command, archive_cleanup_command) that f does not set.
 * old_auto_conf_text NULL or "": no file yet.  Applying the result again
 * changes nothing.  *new_text malloc'd.  Fails (PGR_ERR_INPUT) on a syntax
 * error in the old text or when f is for a server with recovery.conf.
 */
int			recovery_apply_auto_conf(const char *old_auto_conf_text,
									 const recovery_files *f, char **new_text,
									 pgr_error *err);

#endif
