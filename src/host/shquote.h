/*
 * shquote.h: quoting for a POSIX shell, the one writer of every command
 * line pgreplica hands to a shell (the ssh transport's remote commands,
 * the previews and messages that show a command).
 *
 * It depends on nothing but strbuf, so the transports (front and
 * backends), the steps and the tools can all use it without reaching
 * into one another.
 */
#ifndef PGR_SHQUOTE_H
#define PGR_SHQUOTE_H

#include "strbuf.h"

/*
 * Quote one argument for a POSIX shell: 'it'\''s' style; "" becomes ''.
 * Safe for any byte string (newlines, $(), backticks, quotes, ;, *).
 */
char	   *shquote_arg(const char *arg);
/* Quote every argument and join them with spaces. */
char	   *shquote_argv(const char *const *argv);
/*
 * `env NAME=value ... argv...`, every word quoted: a command with extra
 * environment for a shell that cannot be given an environment otherwise
 * (env may be NULL or empty: then just argv).
 */
char	   *shquote_env_argv(const char *const *env, const char *const *argv);
/*
 * Append `arg` as a person would type it: bare when it is made only of
 * characters no shell treats specially, else quoted as shquote_arg does.
 * For text shown to people (previews, messages); still a valid shell word.
 */
void		shquote_append_word(strbuf *sb, const char *arg);

#endif
