/*
 * strbuf.h: a growable, always NUL-terminated byte buffer.
 */
#ifndef PGR_STRBUF_H
#define PGR_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
	char	   *data;		/* never NULL after strbuf_init, until detached */
	size_t		len;
	size_t		cap;
} strbuf;

void		strbuf_init(strbuf *sb);
void		strbuf_free(strbuf *sb);
void		strbuf_reset(strbuf *sb);
void		strbuf_append(strbuf *sb, const char *s);
void		strbuf_append_len(strbuf *sb, const char *s, size_t n);
void		strbuf_append_char(strbuf *sb, char c);
void		strbuf_appendf(strbuf *sb, const char *fmt,...) __attribute__((format(printf, 2, 3)));
void		strbuf_vappendf(strbuf *sb, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/*
 * Hand the string over to the caller (who frees it).  sb keeps nothing: it
 * may be appended to again, or freed (a no-op), without leaking.
 */
char	   *strbuf_detach(strbuf *sb);

#endif
