// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cipc-wait-example: wait for a cipc channel, then print its message.
 *
 *   cipc-wait-example [-t TIMEOUT_MS] [CHANNEL]
 *
 * CHANNEL is an index (0 for /dev/cipc0, the default) or a path. The wait
 * ends when another process signals the channel, e.g. with
 *   printf 'job 42 finished' > /dev/cipc0
 * or after TIMEOUT_MS milliseconds (default 5000; -1 waits forever).
 * Exit status: 0 a message was received, 1 an error, 2 a usage error,
 * 3 the wait timed out.
 *
 * Build: cc -o cipc-wait-example cipc-wait-example.c \
 *            $(pkg-config --cflags --libs libcipc)
 */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cipc.h>

static void usage(FILE *out, const char *prog)
{
	fprintf(out, "usage: %s [-t TIMEOUT_MS] [CHANNEL]\n"
		"  CHANNEL     index N of /dev/cipcN, or a path (default 0)\n"
		"  -t MS       give up after MS milliseconds (default 5000, "
		"-1 = never)\n", prog);
}

/* An index ("0", "12") opens /dev/cipcN, anything else is a path. */
static struct cipc_channel *open_channel(const char *arg)
{
	const char *p = arg;

	while (isdigit((unsigned char)*p))
		p++;
	if (p != arg && !*p && p - arg < 10)
		return cipc_channel_open((unsigned int)strtoul(arg, NULL, 10),
					 O_RDONLY);
	return cipc_channel_open_path(arg, O_RDONLY);
}

/* The message as text: printable bytes as they are, others as \xNN. */
static void print_message(const unsigned char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (isprint(msg[i]) && msg[i] != '\\')
			putchar(msg[i]);
		else
			printf("\\x%02x", msg[i]);
	}
}

int main(int argc, char **argv)
{
	const char *chan = "0";
	long long timeout_ms = 5000;
	struct cipc_channel_info *info;
	struct cipc_msg_info mi;
	struct cipc_channel *ch;
	unsigned char *buf;
	size_t msg_max;
	ssize_t n;
	char *end;
	int opt;

	while ((opt = getopt(argc, argv, "ht:")) != -1) {
		switch (opt) {
		case 't':
			errno = 0;
			timeout_ms = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || timeout_ms < -1 ||
			    timeout_ms > INT64_MAX / 1000000) {
				fprintf(stderr, "%s: bad timeout '%s'\n",
					argv[0], optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			usage(stderr, argv[0]);
			return 2;
		}
	}
	if (optind < argc)
		chan = argv[optind++];
	if (optind < argc) {
		usage(stderr, argv[0]);
		return 2;
	}

	/* O_RDONLY is enough to wait; signalling needs O_WRONLY or O_RDWR. */
	ch = open_channel(chan);
	if (!ch) {
		fprintf(stderr, "%s: cannot open channel %s: %s\n", argv[0],
			chan, strerror(errno));
		return 1;
	}
	/* A snapshot of the channel, read with getters, then freed. */
	info = cipc_channel_get_info(ch);
	if (!info) {
		fprintf(stderr, "%s: cannot query channel %s: %s\n", argv[0],
			chan, strerror(errno));
		cipc_channel_close(ch);
		return 1;
	}
	msg_max = cipc_channel_info_get_msg_max(info);
	printf("libcipc %s: waiting on /dev/cipc%u, id %" PRIu64 " (messages "
	       "up to %zu bytes, %u waiter(s) already)\n",
	       cipc_version_string(), cipc_channel_index(ch),
	       cipc_channel_id(ch), msg_max,
	       cipc_channel_info_get_waiters(info));
	cipc_channel_info_free(info);
	fflush(stdout);

	buf = malloc(msg_max);
	if (!buf) {
		fprintf(stderr, "%s: out of memory\n", argv[0]);
		cipc_channel_close(ch);
		return 1;
	}

	/* Wait, then copy the message of the signal that released us. */
	n = cipc_channel_receive(ch, buf, msg_max,
				 timeout_ms < 0 ? CIPC_TIMEOUT_INFINITE :
						  timeout_ms * 1000000,
				 &mi);
	if (n < 0) {
		int err = errno;

		free(buf);
		cipc_channel_close(ch);
		if (err == ETIMEDOUT) {
			printf("timed out after %lld ms\n", timeout_ms);
			return 3;
		}
		if (err == ENODEV || err == ESTALE) {
			/* cipcctl remove, or cipc_control_remove(3). */
			fprintf(stderr, "%s: the channel was removed\n",
				argv[0]);
			return 1;
		}
		fprintf(stderr, "%s: wait failed: %s\n", argv[0],
			strerror(err));
		return 1;
	}

	if (!(mi.flags & CIPC_MSG_HAS_MSG)) {
		printf("released by signal %" PRIu64 ": no message\n", mi.seq);
	} else {
		printf("released by signal %" PRIu64 ": message of %zu "
		       "byte(s): '", mi.seq, mi.len);
		print_message(buf, (size_t)n);
		printf("'%s\n", (size_t)n < mi.len ? " (truncated)" : "");
	}
	free(buf);
	cipc_channel_close(ch);
	return 0;
}
