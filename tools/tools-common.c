// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the cipc command-line tools: see tools-common.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools.mk */
#endif
#include "tools-common.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(TOOL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAILURE);
}

void die_usage(const char *verb, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs(TOOL_NAME ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "Try '" TOOL_NAME "%s%s --help'.\n", verb ? " " : "",
		verb ? verb : "");
	exit(EXIT_USAGE);
}

const char *errno_text(int err, char *buf, unsigned int size)
{
	if (!size)
		return "";
	snprintf(buf, size, "%s", strerror(err));
	/* "Permission denied" -> "permission denied", but not "I/O" words */
	if (isupper((unsigned char)buf[0]) &&
	    !isupper((unsigned char)buf[1]))
		buf[0] = (char)tolower((unsigned char)buf[0]);
	return buf;
}

/* Leading decimal digits of s into *v: the number of digits, 0 if none;
 * *overflow is set when the value exceeds UINT64_MAX. */
static size_t scan_digits(const char *s, uint64_t *v, bool *overflow)
{
	size_t n = 0;

	*v = 0;
	*overflow = false;
	for (; s[n] >= '0' && s[n] <= '9'; n++) {
		unsigned int d = (unsigned int)(s[n] - '0');

		if (*v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			*v = *v * 10 + d;
	}
	return n;
}

int parse_uint(const char *s, unsigned int min, unsigned int max,
	       unsigned int *out)
{
	bool overflow;
	uint64_t v;
	size_t n;

	if (!s)
		return -EINVAL;
	n = scan_digits(s, &v, &overflow);
	if (n == 0 || s[n] != '\0')
		return -EINVAL;
	if (overflow || v < min || v > max)
		return -ERANGE;
	*out = (unsigned int)v;
	return 0;
}

int parse_u64(const char *s, uint64_t *out)
{
	bool overflow;
	uint64_t v;
	size_t n;

	if (!s)
		return -EINVAL;
	n = scan_digits(s, &v, &overflow);
	if (n == 0 || s[n] != '\0')
		return -EINVAL;
	if (overflow)
		return -ERANGE;
	*out = v;
	return 0;
}

int parse_duration(const char *s, int64_t *ns)
{
	static const struct {
		const char *unit;
		uint64_t ns;
	} units[] = {
		{ "", 1000000000ULL },		/* seconds */
		{ "ns", 1ULL },
		{ "us", 1000ULL },
		{ "ms", 1000000ULL },
		{ "s", 1000000000ULL },
		{ "m", 60ULL * 1000000000ULL },
	};
	bool overflow;
	uint64_t v;
	size_t n;

	if (!s)
		return -EINVAL;
	n = scan_digits(s, &v, &overflow);
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + n, units[i].unit) != 0)
			continue;
		if (overflow || v > (uint64_t)INT64_MAX / units[i].ns)
			return -ERANGE;
		*ns = (int64_t)(v * units[i].ns);
		return 0;
	}
	return -EINVAL;
}

int parse_channel(const char *s, struct channel_arg *ch)
{
	static const char name_prefix[] = "cipc";
	const size_t plen = sizeof(name_prefix) - 1;
	unsigned int index;
	int err;

	if (!s || !*s)
		return -EINVAL;
	if (strchr(s, '/')) {
		/* no index: the node decides, once opened */
		memset(ch, 0, sizeof(*ch));
		ch->is_path = true;
		ch->path = s;
		return 0;
	}
	/* "cipcN": the name list and sysfs show */
	if (strncmp(s, name_prefix, plen) == 0)
		s += plen;
	err = parse_uint(s, 0, UINT_MAX, &index);
	if (err)
		return err;
	memset(ch, 0, sizeof(*ch));
	ch->index = index;
	snprintf(ch->name, sizeof(ch->name), CIPC_DEV_PREFIX "%u", ch->index);
	return 0;
}

bool is_channel_node_path(const char *s)
{
	size_t n = sizeof(CIPC_DEV_PREFIX) - 1;
	unsigned int v;

	/* "/dev/cipc07" is no node of the driver's: a mistyped path */
	return s && strncmp(s, CIPC_DEV_PREFIX, n) == 0 &&
	       (s[n] != '0' || s[n + 1] == '\0') &&
	       parse_uint(s + n, 0, UINT_MAX, &v) == 0;
}

const char *channel_name(const struct channel_arg *ch)
{
	return ch->is_path ? ch->path : ch->name;
}
