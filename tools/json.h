/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer for the --json output of the cipc tools.
 *
 * Output is compact (no blanks) and json_end() adds one newline, so every
 * document is one line. Strings are written as:
 *   - '"' and '\\' escaped with a backslash;
 *   - control characters (below 0x20) as \b \f \n \r \t or \u00XX, and
 *     DEL (0x7f) as \u007f;
 *   - valid UTF-8 sequences (shortest form, no surrogates, at most U+10FFFF)
 *     copied as they are;
 *   - every other byte (0x80-0xff outside a valid sequence) as \u00XX, i.e.
 *     as the Latin-1 character of that value, so any byte string gives valid
 *     JSON.
 *
 * Misuse (a value where a key is due, a key outside an object, closing what
 * is not open, nesting deeper than JSON_MAX_DEPTH, ending an unfinished
 * document) is recorded, not fatal: json_end() reports it.
 */
#ifndef CIPC_TOOLS_JSON_H
#define CIPC_TOOLS_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	16

struct json_writer {
	FILE *out;
	unsigned int depth;		/* open objects and arrays */
	bool in_object[JSON_MAX_DEPTH];	/* per level: object or array */
	bool has_items[JSON_MAX_DEPTH];	/* per level: a comma is due */
	bool key_pending;		/* a key was written, its value is due */
	bool done;			/* the top-level value is complete */
	bool misused;
};

void json_init(struct json_writer *w, FILE *out);

void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);

/* A member's name, inside an object; the next call writes its value. */
void json_key(struct json_writer *w, const char *key);

void json_string(struct json_writer *w, const char *s);
/* A string of @len bytes that may contain NUL and any other byte. */
void json_string_len(struct json_writer *w, const void *s, size_t len);
void json_uint(struct json_writer *w, uint64_t v);
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);

/* Shorthands for a member: json_key() then the value. */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_uint(struct json_writer *w, const char *key, uint64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);

/*
 * Finish the document: writes the final newline and flushes.
 * @return 0, or -1 if it was misused or incomplete (errno EINVAL) or the
 *         stream failed (errno from the stream, EIO if unknown).
 */
int json_end(struct json_writer *w);

#endif /* CIPC_TOOLS_JSON_H */
