/*
 * strbuf.c: growable string buffer.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "strbuf.h"

static void
strbuf_reserve(strbuf *sb, size_t more)
{
	size_t		need = sb->len + more + 1;

	if (need <= sb->cap)
		return;
	while (sb->cap < need)
		sb->cap = sb->cap ? sb->cap * 2 : 64;
	sb->data = pgr_realloc(sb->data, sb->cap);
}

void
strbuf_init(strbuf *sb)
{
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
	strbuf_reserve(sb, 0);
	sb->data[0] = '\0';
}

void
strbuf_free(strbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

void
strbuf_reset(strbuf *sb)
{
	sb->len = 0;
	strbuf_reserve(sb, 0);
	sb->data[0] = '\0';
}

void
strbuf_append_len(strbuf *sb, const char *s, size_t n)
{
	strbuf_reserve(sb, n);
	memcpy(sb->data + sb->len, s, n);
	sb->len += n;
	sb->data[sb->len] = '\0';
}

void
strbuf_append(strbuf *sb, const char *s)
{
	strbuf_append_len(sb, s, strlen(s));
}

void
strbuf_append_char(strbuf *sb, char c)
{
	strbuf_append_len(sb, &c, 1);
}

void
strbuf_vappendf(strbuf *sb, const char *fmt, va_list ap)
{
	va_list		ap2;
	int			n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	strbuf_reserve(sb, (size_t) n);
	vsnprintf(sb->data + sb->len, (size_t) n + 1, fmt, ap);
	sb->len += (size_t) n;
}

void
strbuf_appendf(strbuf *sb, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	strbuf_vappendf(sb, fmt, ap);
	va_end(ap);
}

char *
strbuf_detach(strbuf *sb)
{
	char	   *s = sb->data;

	/* Nothing stays allocated: `return strbuf_detach(&sb);` does not leak. */
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return s;
}
