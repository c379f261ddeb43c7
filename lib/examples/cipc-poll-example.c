// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cipc-poll-example: wait on several cipc channels at once with epoll and
 * print every message with its sequence number.
 *
 *   cipc-poll-example [-n COUNT] [-t TIMEOUT_MS] CHANNEL...
 *
 * CHANNEL is an index (0 for /dev/cipc0) or a path. Each message is
 * printed on a line of its own:
 *
 *   cipc0 seq 7: 'job 42 finished'
 *   cipc1 seq 3: no message
 *   cipc2 seq 9: 'shutdown' [all]
 *
 * with [all] for a signal sent by complete_all() and [latched] when the
 * handle's latch delivered a complete_all() that a reinit followed.
 * A channel in the "all" state lets every wait pass until a reinit, so
 * the example reports its complete_all() once and stops watching it; a
 * removed channel is reported and dropped too.
 *
 * The program stops after COUNT messages (-n; exit 0), when no channel is
 * left to watch (exit 0), or when nothing arrived for TIMEOUT_MS
 * milliseconds (-t, default 5000, -1 never; exit 3). 1 is an error, 2 a
 * usage error.
 *
 * The pattern: epoll reports a channel readable when a wait would pass;
 * the program then takes one message with cipc_channel_tryreceive(),
 * which never blocks. That may fail with EAGAIN: another process or
 * thread waiting on the channel may have taken the message between the
 * readiness and the call. That is normal, not an error: the loop goes
 * back to epoll_wait(). (read(2) on a descriptor opened with O_NONBLOCK
 * does the same with EAGAIN, but returns no sequence number.) The
 * descriptors are level-triggered, so a channel with more messages queued
 * stays readable and is served again on the next round, in turn with the
 * others.
 *
 * Build: cc -o cipc-poll-example cipc-poll-example.c \
 *            $(pkg-config --cflags --libs libcipc)
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cipc.h>

#define MAX_EVENTS	16

struct watched {
	struct cipc_channel *ch;
	unsigned char *buf;	/* msg_max bytes */
	size_t size;
	bool gone;		/* no longer watched */
};

static void usage(FILE *out, const char *prog)
{
	fprintf(out, "usage: %s [-n COUNT] [-t TIMEOUT_MS] CHANNEL...\n"
		"  CHANNEL     index N of /dev/cipcN, or a path\n"
		"  -n COUNT    stop after COUNT messages (default: no limit)\n"
		"  -t MS       give up when nothing arrives for MS "
		"milliseconds (default 5000, -1 = never)\n", prog);
}

/* An index ("0", "12") opens /dev/cipcN, anything else is a path. */
static struct cipc_channel *open_channel(const char *arg)
{
	const char *p = arg;

	while (isdigit((unsigned char)*p))
		p++;
	/* O_NONBLOCK: read(2) on cipc_channel_fd() would never block. */
	if (p != arg && !*p && p - arg < 10)
		return cipc_channel_open((unsigned int)strtoul(arg, NULL, 10),
					 O_RDONLY | O_NONBLOCK);
	return cipc_channel_open_path(arg, O_RDONLY | O_NONBLOCK);
}

/* The message as text: printable bytes as they are, others as \xNN. */
static void print_message(const unsigned char *msg, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (isprint(msg[i]) && msg[i] != '\\' && msg[i] != '\'')
			putchar(msg[i]);
		else
			printf("\\x%02x", msg[i]);
	}
}

static void drop(int ep, struct watched *w, int *left)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, cipc_channel_fd(w->ch), NULL);
	w->gone = true;
	(*left)--;
}

/*
 * Takes one message from w (readable, or reporting an error). Returns 1
 * if a message was printed, 0 if there was none to take (EAGAIN) or the
 * channel was dropped, -1 on an error.
 */
static int serve(int ep, struct watched *w, int *left, const char *prog)
{
	unsigned int index = cipc_channel_index(w->ch);
	struct cipc_msg_info mi;
	ssize_t n;

	n = cipc_channel_tryreceive(w->ch, w->buf, w->size, &mi);
	if (n < 0) {
		switch (errno) {
		case EAGAIN:
			/* Someone else took it first: wait for the next. */
			return 0;
		case ENODEV:
		case ESTALE:
			printf("cipc%u: removed\n", index);
			fflush(stdout);
			drop(ep, w, left);
			return 0;
		default:
			fprintf(stderr, "%s: cipc%u: %s\n", prog, index,
				strerror(errno));
			return -1;
		}
	}
	printf("cipc%u seq %" PRIu64 ": ", index, mi.seq);
	if (mi.flags & CIPC_MSG_HAS_MSG) {
		putchar('\'');
		print_message(w->buf, (size_t)n);
		putchar('\'');
		if ((size_t)n < mi.len)
			printf(" (truncated, %zu bytes)", mi.len);
	} else {
		printf("no message");
	}
	if (mi.flags & CIPC_MSG_ALL)
		printf(" [all]");
	if (mi.flags & CIPC_MSG_LATCHED)
		printf(" [latched]");
	putchar('\n');
	fflush(stdout);
	/* Every further wait would pass until a reinit: stop watching. */
	if (mi.flags & CIPC_MSG_ALL)
		drop(ep, w, left);
	return 1;
}

int main(int argc, char **argv)
{
	long long timeout_ms = 5000, count = -1, got = 0;
	struct epoll_event ev, events[MAX_EVENTS];
	struct watched *w;
	int opt, nch, left, ep, ret = 1;
	char *end;

	while ((opt = getopt(argc, argv, "hn:t:")) != -1) {
		switch (opt) {
		case 'n':
			errno = 0;
			count = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || count < 1) {
				fprintf(stderr, "%s: bad count '%s'\n",
					argv[0], optarg);
				return 2;
			}
			break;
		case 't':
			errno = 0;
			timeout_ms = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || timeout_ms < -1 ||
			    timeout_ms > INT32_MAX) {
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
	nch = argc - optind;
	if (nch < 1) {
		usage(stderr, argv[0]);
		return 2;
	}

	w = calloc((size_t)nch, sizeof(*w));
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (!w || ep < 0) {
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		free(w);
		return 1;
	}
	for (int i = 0; i < nch; i++) {
		const char *arg = argv[optind + i];
		struct cipc_channel_info *info;

		w[i].ch = open_channel(arg);
		if (!w[i].ch) {
			fprintf(stderr, "%s: cannot open channel %s: %s\n",
				argv[0], arg, strerror(errno));
			goto out;
		}
		info = cipc_channel_get_info(w[i].ch);
		if (!info) {
			fprintf(stderr, "%s: cannot query channel %s: %s\n",
				argv[0], arg, strerror(errno));
			goto out;
		}
		w[i].size = cipc_channel_info_get_msg_max(info);
		cipc_channel_info_free(info);
		w[i].buf = malloc(w[i].size);
		if (!w[i].buf) {
			fprintf(stderr, "%s: out of memory\n", argv[0]);
			goto out;
		}
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;	/* EPOLLERR, EPOLLHUP: always */
		ev.data.ptr = &w[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, cipc_channel_fd(w[i].ch),
			      &ev) < 0) {
			fprintf(stderr, "%s: epoll: %s\n", argv[0],
				strerror(errno));
			goto out;
		}
	}
	printf("watching %d channel(s)\n", nch);
	fflush(stdout);

	left = nch;
	while (left > 0 && (count < 0 || got < count)) {
		int n = epoll_wait(ep, events, MAX_EVENTS, (int)timeout_ms);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: epoll_wait: %s\n", argv[0],
				strerror(errno));
			goto out;
		}
		if (n == 0) {
			printf("timed out after %lld ms\n", timeout_ms);
			ret = 3;
			goto out;
		}
		/* One message per ready channel per round: fair to all. */
		for (int i = 0; i < n && (count < 0 || got < count); i++) {
			struct watched *cur = events[i].data.ptr;
			int r;

			if (cur->gone)
				continue;
			r = serve(ep, cur, &left, argv[0]);
			if (r < 0)
				goto out;
			got += r;
		}
	}
	ret = 0;

out:
	for (int i = 0; i < nch; i++) {
		cipc_channel_close(w[i].ch);
		free(w[i].buf);
	}
	free(w);
	close(ep);
	return ret;
}
