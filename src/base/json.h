/*
 * json.h: a small streaming JSON writer (RFC 8259, UTF-8 passed through,
 * control characters and invalid UTF-8 escaped), for --json output.
 */
#ifndef PGR_JSON_H
#define PGR_JSON_H

#include <stdbool.h>

#include "strbuf.h"

#define JSON_MAX_DEPTH 32

typedef struct json_writer {
	strbuf	   *out;
	bool		pretty;			/* two-space indentation */
	int			depth;
	bool		first[JSON_MAX_DEPTH];	/* nothing written yet at this level */
	bool		after_key;
} json_writer;

void		json_init(json_writer *w, strbuf *out, bool pretty);
void		json_begin_object(json_writer *w);
void		json_end_object(json_writer *w);
void		json_begin_array(json_writer *w);
void		json_end_array(json_writer *w);
void		json_key(json_writer *w, const char *key);
void		json_string(json_writer *w, const char *s);		/* NULL: null */
void		json_int(json_writer *w, long long v);
void		json_double(json_writer *w, double v);	/* NaN/inf: null */
void		json_bool(json_writer *w, bool v);
void		json_null(json_writer *w);

#endif
