// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-lib-tests, case "msg-control": libcipc 1.0 on channels of its own
 * (the fixture of the case "control" of test_lib_vm.c removes them):
 * max_waiters (EUSERS) and queue_depth of a new channel,
 * cipc_list_channels() following adds and removes, and the poll example
 * (lib/examples/cipc-poll-example, built against the shared library) run
 * on three channels at once and, twice at once, on one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by lib-tests.mk */
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libvm.h"

#ifndef CIPC_LIBT_POLL_EXAMPLE
#error "lib-tests.mk passes CIPC_LIBT_POLL_EXAMPLE, the poll example's path"
#endif

/* A channel with these limits; its index. */
static unsigned int add_chan(struct cipc_control *ctl, size_t msg_max,
			     unsigned int depth, unsigned int waiters)
{
	unsigned int idx = UINT_MAX;

	ck_ok(cipc_control_add(ctl, CIPC_INDEX_ANY, msg_max, depth, waiters,
			       &idx, NULL));
	ck_assert(chan_exists(idx));
	return idx;
}

/* max_waiters blocked: one more blocking wait fails at once, EUSERS. */
START_TEST(test_limits_of_new_channel)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int idx = add_chan(ctl, 32, 2, 2);
	struct cipc_channel *ch = ck_ok_ptr(cipc_channel_open(idx, O_RDWR));
	struct cipc_channel_info *info = ck_ok_ptr(cipc_channel_get_info(ch));
	struct cipc_channel_stats *st;
	const struct wreq rq = { .index = idx, .op = W_WAIT,
		.timeout_ns = CIPC_TIMEOUT_INFINITE };
	struct waiter w[2];
	uint64_t t0;
	char buf[4];

	ck_assert_uint_eq(cipc_channel_info_get_msg_max(info), 32);
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(info), 2);
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(info), 2);
	cipc_channel_info_free(info);
	ck_assert_uint_eq(chan_ull(idx, "queue_depth"), 2);
	ck_assert_uint_eq(chan_ull(idx, "max_waiters"), 2);

	waiter_start_blocked(&w[0], &rq, 1);
	waiter_start_blocked(&w[1], &rq, 2);
	t0 = now_ms();
	ck_fails(cipc_channel_wait(ch, 60000 * NS_PER_MS), EUSERS);
	ck_fails(cipc_channel_wait(ch, CIPC_TIMEOUT_INFINITE), EUSERS);
	ck_fails(cipc_channel_wait_until(ch, CLOCK_REALTIME, INT64_MAX),
		 EUSERS);
	ck_assert_uint_lt(now_ms() - t0, RELEASE_MS);
	/* Waits that never block are not refused. */
	ck_fails(cipc_channel_trywait(ch), EAGAIN);
	ck_fails(cipc_channel_tryreceive(ch, buf, sizeof(buf), NULL), EAGAIN);
	ck_fails(cipc_channel_wait(ch, 0), ETIMEDOUT);
	st = ck_ok_ptr(cipc_channel_get_stats(ch));
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_REFUSED), 3);
	ck_assert_uint_eq(chan_ull(idx, "stats/refused"), 3);
	/* Refused waits are not waits: 2 blocked (counted when they
	 * started), trywait, tryreceive, wait(0). */
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_WAIT), 5);
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_AGAIN), 2);
	cipc_channel_stats_free(st);

	/* queue_depth 2: the third message waits for room. */
	ck_ok(cipc_channel_send(ch, "1", 1, CIPC_SEND_ONE, NULL));
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	ck_assert(wait_chan_waiters(idx, 1, SETTLE_MS));
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
	ck_assert(wait_chan_waiters(idx, 0, SETTLE_MS));
	ck_ok(cipc_channel_send(ch, "2", 1, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_send(ch, "3", 1, CIPC_SEND_ONE, NULL));
	ck_fails(cipc_channel_send(ch, "4", 1, CIPC_SEND_ONE, NULL), EAGAIN);
	ck_assert_uint_eq(chan_ull(idx, "queued"), 2);
	ck_assert_uint_eq(chan_ull(idx, "stats/full"), 1);
	st = ck_ok_ptr(cipc_channel_get_stats(ch));
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_FULL), 1);
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_REFUSED), 3);
	ck_assert_uint_eq(cipc_channel_stats_get(st, CIPC_STAT_DISCARDED), 0);
	cipc_channel_stats_free(st);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	cipc_channel_close(ch);
	ck_ok(cipc_control_remove(ctl, idx));
	cipc_control_close(ctl);
}
END_TEST

START_TEST(test_list_follows_channels)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), base = param("channels");
	unsigned int at = max - 1, idx[2];

	if (max < base + 2) {
		fprintf(stderr, "note: %s skipped: it needs 2 free indexes\n",
			__func__);
		cipc_control_close(ctl);
		return;
	}
	ck_ok(cipc_control_add(ctl, at, 0, 0, 0, &idx[0], NULL));
	idx[1] = add_chan(ctl, 0, 0, 0);
	ck_assert_int_eq(ck_ok(cipc_list_channels(NULL, 0)),
			 (ssize_t)base + 2);
	expect_list();
	ck_ok(cipc_control_remove(ctl, idx[1]));
	expect_list();
	ck_assert_int_eq(ck_ok(cipc_list_channels(NULL, 0)),
			 (ssize_t)base + 1);
	ck_ok(cipc_control_remove(ctl, at));
	ck_assert_int_eq(ck_ok(cipc_list_channels(NULL, 0)), (ssize_t)base);
	cipc_control_close(ctl);
}
END_TEST

/* A program with its stdout on a pipe. */
struct prog {
	pid_t pid;
	int out;
	size_t len;
	char buf[8192];
};

static void prog_start(struct prog *p, char *const argv[])
{
	int fds[2];

	memset(p, 0, sizeof(*p));
	ck_assert_int_eq(pipe2(fds, O_CLOEXEC), 0);
	p->pid = fork();
	ck_assert_int_ge(p->pid, 0);
	if (!p->pid) {
		child_init(getppid());
		dup2(fds[1], STDOUT_FILENO);
		execv(CIPC_LIBT_POLL_EXAMPLE, argv);
		_exit(127);
	}
	close(fds[1]);
	p->out = fds[0];
}

/* Reads its output until it holds want (NULL: until EOF) within ms. */
static bool prog_read(struct prog *p, const char *want, unsigned int ms)
{
	uint64_t deadline = now_ms() + ms;

	while (!want || !strstr(p->buf, want)) {
		struct pollfd pfd = { .fd = p->out, .events = POLLIN };
		uint64_t now = now_ms();
		ssize_t n;

		if (now >= deadline)
			return false;
		if (poll(&pfd, 1, (int)(deadline - now)) <= 0)
			continue;
		n = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
		if (n <= 0)
			return !want;
		p->len += (size_t)n;
		p->buf[p->len] = '\0';
	}
	return true;
}

/* Its exit status, once its output is read to the end. */
static int prog_end(struct prog *p, unsigned int ms)
{
	int status;

	ck_assert_msg(prog_read(p, NULL, ms), "the poll example hangs; it "
		      "printed:\n%s", p->buf);
	close(p->out);
	status = reap(p->pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status), "the poll example was killed (%#x)",
		      status);
	return WEXITSTATUS(status);
}

/* Where line occurs in the output; fails the test if it does not. */
static const char *line_at(const struct prog *p, const char *line)
{
	const char *at = strstr(p->buf, line);

	ck_assert_msg(at != NULL, "no line \"%s\" in the output:\n%s", line,
		      p->buf);
	return at;
}

/*
 * Three channels at once: every message once, in order per channel, with
 * its seq; complete_all() and the removal end the watch of a channel.
 */
START_TEST(test_poll_example)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int c[3];
	struct cipc_channel *ch[3];
	char arg[3][16], l[6][64];
	struct prog p;
	uint64_t seq;
	int rc;

	for (int i = 0; i < 3; i++) {
		c[i] = add_chan(ctl, 0, 0, 0);
		ch[i] = ck_ok_ptr(cipc_channel_open(c[i], O_WRONLY));
		snprintf(arg[i], sizeof(arg[i]), "%u", c[i]);
	}
	/* The third by path: both ways of naming a channel work. */
	snprintf(arg[2], sizeof(arg[2]), "/dev/cipc%u", c[2]);
	{
		char *const argv[] = { "cipc-poll-example", "-t", "20000",
			arg[0], arg[1], arg[2], NULL };

		prog_start(&p, argv);
	}
	ck_assert_msg(prog_read(&p, "watching 3 channel(s)\n", SETTLE_MS),
		      "the poll example did not start:\n%s", p.buf);

	ck_ok(cipc_channel_send(ch[0], "a1", 2, CIPC_SEND_ONE, &seq));
	snprintf(l[0], sizeof(l[0]), "cipc%u seq %" PRIu64 ": 'a1'\n", c[0],
		 seq);
	ck_ok(cipc_channel_send(ch[1], "b 1", 3, CIPC_SEND_ONE, &seq));
	snprintf(l[1], sizeof(l[1]), "cipc%u seq %" PRIu64 ": 'b 1'\n", c[1],
		 seq);
	ck_ok(cipc_channel_send(ch[0], "a2", 2, CIPC_SEND_ONE, &seq));
	snprintf(l[2], sizeof(l[2]), "cipc%u seq %" PRIu64 ": 'a2'\n", c[0],
		 seq);
	ck_ok(cipc_channel_send(ch[2], NULL, 0, CIPC_SEND_ONE, &seq));
	snprintf(l[3], sizeof(l[3]), "cipc%u seq %" PRIu64 ": no message\n",
		 c[2], seq);
	ck_ok(cipc_channel_send(ch[0], "bye", 3, CIPC_SEND_ALL, &seq));
	snprintf(l[4], sizeof(l[4]), "cipc%u seq %" PRIu64 ": 'bye' [all]\n",
		 c[0], seq);
	ck_assert_msg(prog_read(&p, l[4], SETTLE_MS), "no line \"%s\":\n%s",
		      l[4], p.buf);
	/* Channel 1's message was taken before it goes. */
	ck_assert_msg(prog_read(&p, l[1], SETTLE_MS), "no line \"%s\":\n%s",
		      l[1], p.buf);
	ck_ok(cipc_control_remove(ctl, c[1]));
	snprintf(l[5], sizeof(l[5]), "cipc%u: removed\n", c[1]);
	ck_assert_msg(prog_read(&p, l[5], SETTLE_MS), "no line \"%s\":\n%s",
		      l[5], p.buf);
	ck_ok(cipc_channel_send(ch[2], NULL, 0, CIPC_SEND_ALL, &seq));
	/* Nothing left to watch: it ends by itself. */
	rc = prog_end(&p, SETTLE_MS);
	ck_assert_msg(rc == 0, "the poll example exited %d:\n%s", rc, p.buf);
	ck_assert_msg(line_at(&p, l[0]) < line_at(&p, l[2]) &&
		      line_at(&p, l[2]) < line_at(&p, l[4]), "channel %u out "
		      "of order:\n%s", c[0], p.buf);
	line_at(&p, l[3]);
	snprintf(l[0], sizeof(l[0]), "cipc%u seq %" PRIu64 ": no message "
		 "[all]\n", c[2], seq);
	line_at(&p, l[0]);
	/* Exactly these lines: nothing twice. */
	{
		int lines = 0;

		for (const char *q = p.buf; (q = strchr(q, '\n')); q++)
			lines++;
		ck_assert_msg(lines == 8, "%d lines:\n%s", lines, p.buf);
	}
	for (int i = 0; i < 3; i++)
		cipc_channel_close(ch[i]);
	ck_ok(cipc_control_remove(ctl, c[0]));
	ck_ok(cipc_control_remove(ctl, c[2]));
	cipc_control_close(ctl);
}
END_TEST

/*
 * Two pollers on one channel race for each message: one of them gets it
 * (EAGAIN for the other, which goes on), none is lost or doubled.
 */
START_TEST(test_poll_example_two_readers)
{
	enum { N = 12 };
	struct cipc_control *ctl = open_ctl();
	unsigned int c = add_chan(ctl, 0, 0, 0);
	struct cipc_channel *ch = ck_ok_ptr(cipc_channel_open(c, O_WRONLY));
	char arg[16], line[64];
	struct prog p[2];
	uint64_t seq[N];

	snprintf(arg, sizeof(arg), "%u", c);
	for (int i = 0; i < 2; i++) {
		char *const argv[] = { "cipc-poll-example", "-t", "1500", arg,
			NULL };

		prog_start(&p[i], argv);
		ck_assert_msg(prog_read(&p[i], "watching", SETTLE_MS),
			      "the poll example did not start:\n%s",
			      p[i].buf);
	}
	for (int i = 0; i < N; i++) {
		char msg[8];

		snprintf(msg, sizeof(msg), "m%d", i);
		ck_ok(cipc_channel_send(ch, msg, strlen(msg), CIPC_SEND_ONE,
					&seq[i]));
		if (i % 3 == 2)
			sleep_ms(5);
	}
	/* Both give up once nothing comes: exit status 3, no error. */
	for (int i = 0; i < 2; i++) {
		int rc = prog_end(&p[i], 1500 + SETTLE_MS);

		ck_assert_msg(rc == 3, "poller %d exited %d:\n%s", i, rc,
			      p[i].buf);
	}
	for (int i = 0; i < N; i++) {
		int found = 0;

		snprintf(line, sizeof(line), "cipc%u seq %" PRIu64 ": 'm%d'\n",
			 c, seq[i], i);
		for (int k = 0; k < 2; k++) {
			const char *q = strstr(p[k].buf, line);

			found += q != NULL && strstr(q + 1, line) == NULL;
			found += q != NULL && strstr(q + 1, line) != NULL ?
				 2 : 0;
		}
		ck_assert_msg(found == 1, "message %d seen %d times:\n%s\n--\n"
			      "%s", i, found, p[0].buf, p[1].buf);
	}
	ck_assert_uint_eq(chan_ull(c, "queued"), 0);
	cipc_channel_close(ch);
	ck_ok(cipc_control_remove(ctl, c));
	cipc_control_close(ctl);
}
END_TEST

TCase *lib_msg_control_tcase(void)
{
	TCase *tc = tcase_create("msg-control");

	tcase_add_checked_fixture(tc, control_fixture, control_fixture);
	tcase_add_unchecked_fixture(tc, control_record, control_cleanup);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_limits_of_new_channel);
	tcase_add_test(tc, test_list_follows_channels);
	tcase_add_test(tc, test_poll_example);
	tcase_add_test(tc, test_poll_example_two_readers);
	return tc;
}
