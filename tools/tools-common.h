/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the cipc command-line tools (cipcctl): error exits and
 * the parsers of command-line values. Nothing here keeps state.
 *
 * Exit status convention (documented in cipcctl --help and cipcctl(1)):
 * 0 success, 1 error, 2 usage error, 124 a wait timed out (as timeout(1)).
 */
#ifndef CIPC_TOOLS_COMMON_H
#define CIPC_TOOLS_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#define TOOL_NAME		"cipcctl"

#define EXIT_USAGE		2
#define EXIT_TIMEDOUT		124

#define CIPC_DEV_PREFIX		"/dev/cipc"
#define CIPC_CONTROL_DEV	"/dev/cipc-control"
#define CIPC_CLASS_DIR		"/sys/class/cipc"
#define CIPC_MODULE_DIR		"/sys/module/cipc"

#define PRINTF_LIKE(fmt, args)	__attribute__((format(printf, fmt, args)))
#define NORETURN		__attribute__((noreturn))

/* "cipcctl: <message>" on stderr, exit status 1. */
NORETURN PRINTF_LIKE(1, 2) void die(const char *fmt, ...);

/*
 * A usage error: "cipcctl: <message>" and "Try 'cipcctl[ VERB] --help'."
 * on stderr, exit status 2. @verb may be NULL (the top level).
 */
NORETURN PRINTF_LIKE(2, 3) void die_usage(const char *verb,
					  const char *fmt, ...);

/*
 * strerror(err) starting with a lower-case letter ("no such file or
 * directory"), for "cipcctl: thing: cause" lines. Points into @buf.
 */
const char *errno_text(int err, char *buf, unsigned int size);

/*
 * A decimal number without sign, blanks or base prefix, min <= n <= max.
 * @return 0, -EINVAL (empty, not a number) or -ERANGE (out of bounds);
 *         *out is set only on success.
 */
int parse_uint(const char *s, unsigned int min, unsigned int max,
	       unsigned int *out);

/*
 * The same for a 64-bit value, 0 <= n <= UINT64_MAX (a channel id).
 * @return 0, -EINVAL or -ERANGE (above UINT64_MAX); *out set on success.
 */
int parse_u64(const char *s, uint64_t *out);

/*
 * A duration: a whole decimal number followed by an optional unit, "ns",
 * "us", "ms", "s" or "m"; no unit means seconds ("250ms", "5s", "2m", "5").
 * No sign, blanks, fraction or other unit.
 * @return 0 with *ns set, -EINVAL (malformed) or -ERANGE (more than
 *         INT64_MAX nanoseconds, about 292 years).
 */
int parse_duration(const char *s, int64_t *ns);

/*
 * A channel named on the command line: an index (or a name, which is an
 * index), or a device path. A path has no index of its own: whatever its
 * name ("/dev/cipc4" too), the channel is the one its node refers to, which
 * only opening it tells (a copied node, a link, a node of another minor).
 */
struct channel_arg {
	bool is_path;
	unsigned int index;	/* when !is_path */
	const char *path;	/* when is_path: the argument itself */
	char name[32];		/* when !is_path: "/dev/cipcN" */
};

/*
 * CH: a decimal index ("0", see parse_uint), a channel's name, "cipc"
 * followed by its index ("cipc0"), or a path, i.e. anything that contains
 * a '/' ("/dev/cipc0", "./cipc0").
 * @return 0, -EINVAL (none of these) or -ERANGE (an index above UINT_MAX).
 */
int parse_channel(const char *s, struct channel_arg *ch);

/*
 * Whether @s is "/dev/cipcN" exactly as the driver names its nodes (N a
 * decimal index without sign or leading zero): a path whose absence means
 * that the channel does not exist (rather than a mistyped path). Only for
 * wording errors: it says nothing about the node's channel.
 */
bool is_channel_node_path(const char *s);

/* How errors name the channel: the path given, or "/dev/cipcN". */
const char *channel_name(const struct channel_arg *ch);

#endif /* CIPC_TOOLS_COMMON_H */
