// SPDX-License-Identifier: GPL-2.0
/*
 * A small streaming JSON writer: see json.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools.mk */
#endif
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

void json_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
}

/* Before any value: the separator, and whether a value may go here. */
static bool value_prefix(struct json_writer *w)
{
	if (w->done) {
		w->misused = true;		/* a second top-level value */
		return false;
	}
	if (w->depth == 0)
		return true;
	if (w->in_object[w->depth - 1]) {
		if (!w->key_pending) {
			w->misused = true;	/* a value without a key */
			return false;
		}
		w->key_pending = false;
		return true;
	}
	if (w->has_items[w->depth - 1])
		fputc(',', w->out);
	w->has_items[w->depth - 1] = true;
	return true;
}

/* After a value: the document is complete at the top level. */
static void value_done(struct json_writer *w)
{
	if (w->depth == 0)
		w->done = true;
}

static void begin(struct json_writer *w, bool object)
{
	if (!value_prefix(w))
		return;
	if (w->depth == JSON_MAX_DEPTH) {
		w->misused = true;
		return;
	}
	fputc(object ? '{' : '[', w->out);
	w->in_object[w->depth] = object;
	w->has_items[w->depth] = false;
	w->depth++;
}

static void end(struct json_writer *w, bool object)
{
	if (w->depth == 0 || w->in_object[w->depth - 1] != object ||
	    w->key_pending) {
		w->misused = true;
		return;
	}
	fputc(object ? '}' : ']', w->out);
	w->depth--;
	value_done(w);
}

void json_begin_object(struct json_writer *w)
{
	begin(w, true);
}

void json_end_object(struct json_writer *w)
{
	end(w, true);
}

void json_begin_array(struct json_writer *w)
{
	begin(w, false);
}

void json_end_array(struct json_writer *w)
{
	end(w, false);
}

/*
 * Length of the valid UTF-8 sequence of at least two bytes at p (n bytes
 * left), or 0: shortest form, no surrogates (U+D800-U+DFFF), at most
 * U+10FFFF (RFC 3629, table 3-7 of the Unicode standard).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;

	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;		/* no overlong form */
		else if (p[0] == 0xed)
			hi = 0x9f;		/* no surrogate */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		if (p[0] == 0xf0)
			lo = 0x90;		/* no overlong form */
		else if (p[0] == 0xf4)
			hi = 0x8f;		/* not above U+10FFFF */
	} else {
		return 0;			/* 0x80-0xc1, 0xf5-0xff */
	}
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void write_escaped(FILE *out, const unsigned char *p, size_t n)
{
	fputc('"', out);
	while (n > 0) {
		unsigned char c = *p;
		size_t len = 1;

		if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\b') {
			fputs("\\b", out);
		} else if (c == '\f') {
			fputs("\\f", out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04x", c);
		} else if (c < 0x80) {
			fputc(c, out);
		} else {
			len = utf8_seq_len(p, n);
			if (len) {
				fwrite(p, 1, len, out);
			} else {
				fprintf(out, "\\u%04x", c);
				len = 1;
			}
		}
		p += len;
		n -= len;
	}
	fputc('"', out);
}

void json_key(struct json_writer *w, const char *key)
{
	if (w->depth == 0 || !w->in_object[w->depth - 1] || w->key_pending ||
	    !key) {
		w->misused = true;
		return;
	}
	if (w->has_items[w->depth - 1])
		fputc(',', w->out);
	w->has_items[w->depth - 1] = true;
	write_escaped(w->out, (const unsigned char *)key, strlen(key));
	fputc(':', w->out);
	w->key_pending = true;
}

void json_string_len(struct json_writer *w, const void *s, size_t len)
{
	if (!s && len) {
		w->misused = true;
		return;
	}
	if (!value_prefix(w))
		return;
	write_escaped(w->out, s ? s : "", len);
	value_done(w);
}

void json_string(struct json_writer *w, const char *s)
{
	if (!s) {
		w->misused = true;
		return;
	}
	json_string_len(w, s, strlen(s));
}

void json_uint(struct json_writer *w, uint64_t v)
{
	if (!value_prefix(w))
		return;
	fprintf(w->out, "%" PRIu64, v);
	value_done(w);
}

void json_int(struct json_writer *w, int64_t v)
{
	if (!value_prefix(w))
		return;
	fprintf(w->out, "%" PRId64, v);
	value_done(w);
}

void json_bool(struct json_writer *w, bool v)
{
	if (!value_prefix(w))
		return;
	fputs(v ? "true" : "false", w->out);
	value_done(w);
}

void json_null(struct json_writer *w)
{
	if (!value_prefix(w))
		return;
	fputs("null", w->out);
	value_done(w);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_uint(struct json_writer *w, const char *key, uint64_t v)
{
	json_key(w, key);
	json_uint(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

int json_end(struct json_writer *w)
{
	int err = 0;

	if (w->misused || !w->done || w->depth != 0)
		err = EINVAL;
	fputc('\n', w->out);
	errno = 0;
	if (fflush(w->out) != 0 || ferror(w->out)) {
		if (!err)
			err = errno ? errno : EIO;
	}
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}
