/*
 * transport.h: a host is a transport.
 *
 * Everything pgreplica does on a node's machine (run pg_basebackup, read
 * pg_hba.conf, write recovery.conf, look at a data directory) goes through
 * this one interface.  Two implementations exist: `local` (fork/exec and
 * POSIX files) and `ssh` (libssh channels and SFTP).  Nothing outside
 * transport*.c knows which one it is talking to.
 *
 * Conventions:
 * - every function returns 0 on success, -1 with `err` filled on failure;
 * - a command is an argument vector, never a shell string: the ssh
 *   transport quotes it with shquote_argv() (shquote.h) for the remote shell;
 * - secrets never go on a command line: pass them on standard input
 *   (transport_exec_opts.input) or in a 0600 file.
 */
#ifndef PGR_TRANSPORT_H
#define PGR_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "report.h"
#include "strbuf.h"

typedef struct transport transport;

typedef enum transport_stream {
	TRANSPORT_STDOUT = 1,
	TRANSPORT_STDERR = 2
} transport_stream;

/* Called as output arrives, in chunks of any size (not split on lines). */
typedef void (*transport_output_fn) (void *arg, transport_stream stream,
									 const char *data, size_t len);

typedef struct transport_exec_opts {
	transport_output_fn output; /* NULL: output is discarded */
	void	   *output_arg;
	const char *input;			/* written to stdin, then stdin is closed;
								 * NULL: stdin is empty */
	size_t		input_len;
	const char *const *env;		/* extra "NAME=value", NULL-terminated; NOT
								 * for secrets (ssh passes them through
								 * env(1) on the command line) */
	int			timeout_ms;		/* 0: no limit; when it runs out the command
								 * is killed and exec fails with
								 * PGR_ERR_TIMEOUT */
} transport_exec_opts;

typedef struct transport_file_stat {
	bool		exists;			/* false (and 0 returned) when there is no
								 * such file */
	bool		is_dir;
	bool		is_reg;
	bool		is_link;		/* lstat semantics: links are not followed */
	mode_t		mode;			/* permission bits only (07777) */
	uid_t		uid;
	gid_t		gid;
	long long	size;
	time_t		mtime;
} transport_file_stat;	/* (named so: transport_stat() is the call) */

typedef struct transport_write_opts {
	/*
	 * For a file that does not exist yet.  An existing file always keeps
	 * its owner, group and mode.
	 */
	mode_t		mode;			/* 0 means 0600 */
	const char *owner;			/* user name or numeric id; NULL: whoever
								 * writes it */
	const char *group;			/* group name or numeric id; NULL: the
								 * owner's default */
	/*
	 * The content is a secret (a passfile, a private key): the file is
	 * 0600 from its creation, before its first byte, and stays 0600 even
	 * when the old file it replaces had a wider mode (its owner is kept).
	 */
	bool		secret;
	/*
	 * A path that is a symbolic link is written where the link leads (a
	 * configuration file kept elsewhere stays linked); with replace_link,
	 * the link itself is replaced and its target left alone (a server's
	 * certificate linked to a file other programs share, such as Debian's
	 * snakeoil key).
	 */
	bool		replace_link;
} transport_write_opts;

typedef struct transport_ops {
	const char *name;			/* "local", "ssh" */
	/*
	 * Run argv[0] with arguments (PATH lookup as the login would do);
	 * returns 0 when the command ran, whatever its exit status, which goes
	 * to *exit_status: 0-255, or 128 + signal number.
	 */
	int			(*exec) (transport *t, const char *const *argv,
						 const transport_exec_opts *opts, int *exit_status,
						 pgr_error *err);
	/* Whole file into a malloc'd, NUL-terminated buffer (max_size: 0 = 64 MiB). */
	int			(*read_file) (transport *t, const char *path, size_t max_size,
							  char **data, size_t *len, pgr_error *err);
	/*
	 * Atomic replace: a temporary file in the same directory, written,
	 * fsync'd, given the old file's owner and mode (or opts'), renamed
	 * over the target; the directory is fsync'd where the transport can.
	 */
	int			(*write_file) (transport *t, const char *path,
							   const void *data, size_t len,
							   const transport_write_opts *opts,
							   pgr_error *err);
	int			(*stat) (transport *t, const char *path, transport_file_stat *st,
						 pgr_error *err);
	void		(*close) (transport *t);
} transport_ops;

struct transport {
	const transport_ops *ops;
	char	   *label;			/* for messages: "local", "user@host:22" */
	char	   *become;			/* NULL, or the account commands and file
								 * operations run as (sudo -n -u) */
};

/* ---- Callbacks for questions only a person can answer ---------------- */

/*
 * An SSH server whose host key is not in known_hosts.  Return true to
 * accept it (it is then recorded in known_hosts), false to refuse.
 */
typedef bool (*transport_hostkey_fn) (void *arg, const char *host, int port,
									  const char *key_type,
									  const char *sha256_fingerprint);

/*
 * A password or keyboard-interactive answer.  Return a malloc'd string
 * (the transport wipes and frees it) or NULL to give up.
 */
typedef char *(*transport_ask_fn) (void *arg, const char *prompt, bool echo);

typedef struct transport_options {
	const char *ssh_config;		/* NULL: ~/.ssh/config (like ssh -F) */
	int			connect_timeout_s;	/* 0: 10 s */
	int			keepalive_s;	/* 0: 15 s; how often an idle session is
								 * probed */
	const char *become;			/* NULL or an account (sudo -n -u ACCOUNT) */
	transport_hostkey_fn unknown_host;	/* NULL: unknown hosts are refused */
	transport_ask_fn ask;		/* NULL: no interactive authentication */
	void	   *cb_arg;
} transport_options;

/*
 * "local", or an SSH target: [user@]host[:port] or a Host alias from the
 * ssh configuration; IPv6 addresses in brackets: user@[::1]:22.
 */
transport  *transport_open(const char *spec, const transport_options *opts,
						   pgr_error *err);
transport  *transport_local_open(const transport_options *opts, pgr_error *err);
transport  *transport_ssh_open(const char *target, const transport_options *opts,
							   pgr_error *err);
void		transport_close(transport *t);

/* ---- Calls (these apply `become` and then dispatch to the ops) -------- */

int			transport_exec(transport *t, const char *const *argv,
						   const transport_exec_opts *opts, int *exit_status,
						   pgr_error *err);
/*
 * Run and capture: stdout and stderr collected into `out` and `errout`
 * (either may be NULL to discard).  Same return convention as exec.
 */
int			transport_capture(transport *t, const char *const *argv,
							  const char *input, size_t input_len,
							  int timeout_ms, int *exit_status,
							  strbuf *out, strbuf *errout, pgr_error *err);
/*
 * Run, capture standard output into `out` (NULL: discard; opts->output, if
 * set, still sees both streams), and take a non-zero exit status as a
 * failure: -1, err says the command failed on the host with its status,
 * and the end of its standard error (trimmed, at most 2000 bytes) is the
 * detail.  *exit_status (may be NULL) gets the status, or -1 when the
 * command could not be run at all; a caller with a better message for the
 * failure keeps the detail with pgr_error_reword when it is > 0.
 */
int			transport_run_checked(transport *t, const char *const *argv,
								  const transport_exec_opts *opts, strbuf *out,
								  int *exit_status, pgr_error *err);
/*
 * The end of a command's output (or of a log): at most 2000 bytes, from a
 * line's start when it had to be cut, without surrounding blank space; the
 * detail transport_run_checked gives.  Allocated.
 */
char	   *transport_text_tail(const char *s, size_t len);
/*
 * transport_run_checked of a POSIX sh script whose operands are "$1",
 * "$2"… (`sh -c SCRIPT sh ARG…`, args NULL-terminated): a file name is
 * never pasted into the script's text.
 */
int			transport_run_script(transport *t, const char *script,
								 const char *const *args,
								 const transport_exec_opts *opts, strbuf *out,
								 int *exit_status, pgr_error *err);
int			transport_read_file(transport *t, const char *path, size_t max_size,
								char **data, size_t *len, pgr_error *err);
int			transport_write_file(transport *t, const char *path,
								 const void *data, size_t len,
								 const transport_write_opts *opts,
								 pgr_error *err);
int			transport_stat(transport *t, const char *path, transport_file_stat *st,
						   pgr_error *err);
/*
 * Copy `path` to `path.pgreplica-YYYYMMDD-HHMMSS` (owner, group and mode
 * kept, where the transport's account may set them)
 * before it is changed; *backup_path (malloc'd) names the copy.
 */
int			transport_backup(transport *t, const char *path, char **backup_path,
							 pgr_error *err);

#endif
