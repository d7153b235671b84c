/*
 * json.c: a small streaming JSON writer (see json.h).
 *
 * The writer puts the commas, colons and (in pretty mode) the line breaks
 * and indentation itself: callers only say what comes next.  Strings are
 * escaped per RFC 8259; valid UTF-8 passes through unchanged, and every
 * invalid sequence becomes \ufffd so that the output is always valid JSON
 * whatever bytes the input held (file names, server messages...).
 *
 * Several values at the top level are separated by a newline (JSON lines).
 * No newline is written after the last one: that is the caller's choice.
 */
#include <config.h>

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

void
json_init(json_writer *w, strbuf *out, bool pretty)
{
	w->out = out;
	w->pretty = pretty;
	w->depth = 0;
	for (int i = 0; i < JSON_MAX_DEPTH; i++)
		w->first[i] = true;
	w->after_key = false;
}

static void
newline_indent(json_writer *w, int depth)
{
	strbuf_append_char(w->out, '\n');
	for (int i = 0; i < depth; i++)
		strbuf_append(w->out, "  ");
}

/* What goes before a value or a key: a comma, a line break, indentation. */
static void
separate(json_writer *w)
{
	if (w->after_key)
	{
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
	{
		if (!w->first[0])
			strbuf_append_char(w->out, '\n');
		w->first[0] = false;
		return;
	}
	if (!w->first[w->depth])
		strbuf_append_char(w->out, ',');
	w->first[w->depth] = false;
	if (w->pretty)
		newline_indent(w, w->depth);
}

static void
begin(json_writer *w, char open)
{
	separate(w);
	strbuf_append_char(w->out, open);
	assert(w->depth + 1 < JSON_MAX_DEPTH);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->first[w->depth] = true;
}

static void
end(json_writer *w, char close)
{
	bool		empty = w->first[w->depth];

	assert(w->depth > 0);
	if (w->depth > 0)
		w->depth--;
	if (w->pretty && !empty)
		newline_indent(w, w->depth);
	strbuf_append_char(w->out, close);
	w->after_key = false;
}

void
json_begin_object(json_writer *w)
{
	begin(w, '{');
}

void
json_end_object(json_writer *w)
{
	end(w, '}');
}

void
json_begin_array(json_writer *w)
{
	begin(w, '[');
}

void
json_end_array(json_writer *w)
{
	end(w, ']');
}

/*
 * Length of the valid UTF-8 sequence at s (at most `left` bytes), or 0 if
 * the bytes there are not valid UTF-8 (overlong forms, surrogates, code
 * points above U+10FFFF, truncated sequences).  *bad_len is then the length
 * of the maximal ill-formed prefix (at least 1), which becomes one U+FFFD,
 * as Unicode recommends.
 */
static size_t
utf8_valid_len(const unsigned char *s, size_t left, size_t *bad_len)
{
	unsigned char c = s[0];
	size_t		need;
	unsigned char lo = 0x80,
				hi = 0xBF;		/* range of the second byte */

	*bad_len = 1;
	if (c < 0x80)
		return 1;
	else if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
	{
		need = 2;
		if (c == 0xE0)
			lo = 0xA0;			/* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F;			/* no surrogates */
	}
	else if (c >= 0xF0 && c <= 0xF4)
	{
		need = 3;
		if (c == 0xF0)
			lo = 0x90;			/* no overlong forms */
		else if (c == 0xF4)
			hi = 0x8F;			/* nothing above U+10FFFF */
	}
	else
		return 0;				/* 0x80-0xC1, 0xF5-0xFF */

	for (size_t i = 1; i <= need; i++)
	{
		unsigned char l = (i == 1) ? lo : 0x80;
		unsigned char h = (i == 1) ? hi : 0xBF;

		if (i >= left || s[i] < l || s[i] > h)
		{
			*bad_len = i;
			return 0;
		}
	}
	return need + 1;
}

static void
append_escaped(strbuf *out, const char *str)
{
	const unsigned char *s = (const unsigned char *) str;
	size_t		left = strlen(str);

	strbuf_append_char(out, '"');
	while (left > 0)
	{
		unsigned char c = *s;
		size_t		n,
					bad;

		/* Runs of plain printable ASCII are copied in one go. */
		n = 0;
		while (n < left && s[n] >= 0x20 && s[n] < 0x7F && s[n] != '"' && s[n] != '\\')
			n++;
		if (n > 0)
		{
			strbuf_append_len(out, (const char *) s, n);
			s += n;
			left -= n;
			continue;
		}

		switch (c)
		{
			case '"':
				strbuf_append(out, "\\\"");
				break;
			case '\\':
				strbuf_append(out, "\\\\");
				break;
			case '\b':
				strbuf_append(out, "\\b");
				break;
			case '\f':
				strbuf_append(out, "\\f");
				break;
			case '\n':
				strbuf_append(out, "\\n");
				break;
			case '\r':
				strbuf_append(out, "\\r");
				break;
			case '\t':
				strbuf_append(out, "\\t");
				break;
			default:
				if (c < 0x20 || c == 0x7F)
				{
					/* DEL is legal JSON but a terminal hazard: escaped too. */
					strbuf_appendf(out, "\\u%04x", c);
					break;
				}
				n = utf8_valid_len(s, left, &bad);
				if (n == 0)
				{
					strbuf_append(out, "\\ufffd");
					s += bad;
					left -= bad;
				}
				else
				{
					strbuf_append_len(out, (const char *) s, n);
					s += n;
					left -= n;
				}
				continue;
		}
		s++;
		left--;
	}
	strbuf_append_char(out, '"');
}

void
json_key(json_writer *w, const char *key)
{
	separate(w);
	append_escaped(w->out, key ? key : "");
	strbuf_append(w->out, w->pretty ? ": " : ":");
	w->after_key = true;
}

void
json_string(json_writer *w, const char *s)
{
	if (!s)
	{
		json_null(w);
		return;
	}
	separate(w);
	append_escaped(w->out, s);
}

void
json_int(json_writer *w, long long v)
{
	separate(w);
	strbuf_appendf(w->out, "%lld", v);
}

/*
 * The shortest of %.15g / %.16g / %.17g that reads back as the same
 * double; whatever the locale's decimal separator, '.' is written.
 */
void
json_double(json_writer *w, double v)
{
	char		buf[64];
	int			prec;

	if (!isfinite(v))
	{
		json_null(w);
		return;
	}
	for (prec = 15; prec < 17; prec++)
	{
		snprintf(buf, sizeof(buf), "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", v);

	separate(w);
	for (const char *p = buf; *p;)
	{
		if ((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
			*p == 'e' || *p == 'E')
		{
			strbuf_append_char(w->out, *p++);
			continue;
		}
		/* the decimal separator, which may be several bytes long */
		strbuf_append_char(w->out, '.');
		while (*p && !((*p >= '0' && *p <= '9') || *p == '-' || *p == '+' ||
					   *p == 'e' || *p == 'E'))
			p++;
	}
}

void
json_bool(json_writer *w, bool v)
{
	separate(w);
	strbuf_append(w->out, v ? "true" : "false");
}

void
json_null(json_writer *w)
{
	separate(w);
	strbuf_append(w->out, "null");
}
