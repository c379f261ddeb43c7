// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "message": write(2)/read(2) of messages, truncation, empty
 * messages and message-less signals (read as "\n"), no persistent message
 * (each signal carries its own), msg_max and EMSGSIZE, messages through
 * CIPC_IOC_COMPLETE(_ALL) and CIPC_IOC_WAIT (length, result flags, seq).
 * The queue itself (FIFO, depth, EAGAIN) is suite "queue".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define SENTINEL 'Z'

/* The longest message these tests use, other than msg_max itself. */
#define NEED 16

static void fill_pattern(char *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (char)('a' + (i * 7 + seed) % 26);
}

/* read(2) that must return `want' bytes equal to `msg' at once. */
static void read_expect(int fd, size_t bufsize, const char *msg, size_t want)
{
	char buf[MSG_BUF_SIZE];
	ssize_t n;

	ck_assert_uint_le(bufsize, sizeof(buf) - 1);
	memset(buf, SENTINEL, sizeof(buf));
	n = read(fd, buf, bufsize);
	ck_assert_msg(n >= 0, "read: %s", errname(errno));
	ck_assert_msg((size_t)n == want, "read returned %zd, expected %zu", n,
		      want);
	ck_assert_msg(memcmp(buf, msg, want) == 0,
		      "read returned \"%.*s\", expected \"%.*s\"", (int)n, buf,
		      (int)want, msg);
	ck_assert_msg(buf[want] == SENTINEL,
		      "read wrote past the %zu bytes it returned", want);
}

START_TEST(test_write_then_read)
{
	int fd = chan_open(0, O_RDWR);

	if (!need_msg_max(fd, NEED))
		return;
	ck_assert_int_eq(ck_ok(write(fd, "abc", 3)), 3);
	ck_assert_uint_eq(get_done(fd), 1);
	ck_assert_uint_eq(get_info(fd).msg_len, 3);
	ck_assert_uint_eq(get_queued(fd), 1);
	read_expect(fd, 64, "abc", 3);
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_uint_eq(get_queued(fd), 0);
	ck_assert_uint_eq(get_info(fd).msg_len, 0);

	/* Each write carries its own message. */
	ck_assert_int_eq(ck_ok(write(fd, "defgh", 5)), 5);
	read_expect(fd, 64, "defgh", 5);
	ck_assert_int_eq(ck_ok(write(fd, "ij", 2)), 2);
	read_expect(fd, 64, "ij", 2);
	close(fd);
}
END_TEST

/*
 * A short read gets the start of the message and takes the whole of it
 * (and one count): the rest is not left for the next read, which gets the
 * next message whole.
 */
START_TEST(test_read_truncates)
{
	int fd = chan_open(0, O_RDWR);

	if (!need_msg_max(fd, NEED))
		return;
	ck_assert_int_eq(ck_ok(write(fd, "hello world", 11)), 11);
	ck_assert_int_eq(ck_ok(write(fd, "second one!", 11)), 11);
	ck_assert_uint_eq(get_done(fd), 2);
	read_expect(fd, 5, "hello", 5);
	ck_assert_uint_eq(get_done(fd), 1);
	ck_assert_uint_eq(get_queued(fd), 1);
	ck_assert_uint_eq(get_info(fd).msg_len, 11);
	read_expect(fd, 11, "second one!", 11);
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_uint_eq(get_stats(fd).bytes_out, 5 + 11);
	close(fd);
}
END_TEST

/*
 * Zero-length writes signal with an empty message (queued: it is a
 * message, CIPC_WAIT_MSG), which read(2) returns as the single byte "\n":
 * a read that passed never returns 0 (end of file).
 */
START_TEST(test_empty_message)
{
	int fd = chan_open(0, O_RDWR);
	char buf[8] = "unused";
	struct cipc_wait w;

	if (!need_msg_max(fd, NEED))
		return;
	ck_assert_int_eq(ck_ok(write(fd, "abc", 3)), 3);
	read_expect(fd, 64, "abc", 3);

	ck_assert_int_eq(ck_ok(write(fd, buf, 0)), 0);
	ck_assert_uint_eq(get_done(fd), 1);
	ck_assert_uint_eq(get_queued(fd), 1);
	ck_assert_uint_eq(get_info(fd).msg_len, 0);
	read_expect(fd, 64, "\n", 1);
	ck_assert_uint_eq(get_done(fd), 0);

	/* Same through the ioctl with CIPC_SIGNAL_MSG and msg_len 0. */
	ck_ok(ioc_complete(fd, buf, 0));
	ck_assert_uint_eq(get_queued(fd), 1);
	ck_assert_uint_eq(get_info(fd).msg_len, 0);
	read_expect(fd, 64, "\n", 1);

	/* The wait ioctl tells an empty message from none. */
	ck_ok(ioc_complete(fd, buf, 0));
	memset(&w, 0, sizeof(w));
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 0);
	ck_assert_uint_eq(w.result, CIPC_WAIT_MSG);
	close(fd);
}
END_TEST

/*
 * There is no persistent "current message": a signal without a message
 * delivers none, even right after one with a message (read: "\n"; WAIT:
 * msg_len 0, no CIPC_WAIT_MSG), and queues nothing.
 */
START_TEST(test_no_persistent_message)
{
	int fd = chan_open(0, O_RDWR);
	struct cipc_wait w;
	char buf[64];

	if (!need_msg_max(fd, NEED))
		return;
	ck_assert_int_eq(ck_ok(write(fd, "abc", 3)), 3);
	read_expect(fd, 64, "abc", 3);
	/* complete() without CIPC_SIGNAL_MSG carries nothing. */
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_queued(fd), 0);
	ck_assert_uint_eq(get_info(fd).msg_len, 0);
	read_expect(fd, 64, "\n", 1);
	ck_assert_int_eq(ck_ok(write(fd, "abc", 3)), 3);
	read_expect(fd, 64, "abc", 3);
	ck_ok(ioc_complete(fd, NULL, 0));
	memset(buf, SENTINEL, sizeof(buf));
	memset(&w, 0xa5, sizeof(w));
	ck_ok(ioc_wait(fd, 0, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 0);
	ck_assert_uint_eq(w.result, 0);
	ck_assert_msg(buf[0] == SENTINEL, "WAIT wrote a message of none");
	/* Nor does complete_all() without one. */
	ck_assert_int_eq(ck_ok(write(fd, "abc", 3)), 3);
	read_expect(fd, 64, "abc", 3);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	read_expect(fd, 64, "\n", 1);
	read_expect(fd, 64, "\n", 1);
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 0);
	ck_assert_uint_eq(w.result, CIPC_WAIT_ALL);

	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_info(fd).msg_len, 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	read_expect(fd, 64, "\n", 1);
	close(fd);
}
END_TEST

/* msg_max bytes pass whole; one more fails with EMSGSIZE, changing nothing. */
START_TEST(test_msg_max)
{
	int fd = chan_open(0, O_RDWR);
	uint32_t max = get_info(fd).msg_max;
	char *big = malloc(max + 2);
	struct chan_snap before, after;

	ck_assert_ptr_nonnull(big);
	ck_assert_uint_eq(max, param_msg_max());
	fill_pattern(big, max + 1, 3);
	ck_assert_int_eq(ck_ok(write(fd, big, max)), max);
	ck_assert_uint_eq(get_info(fd).msg_len, max);
	read_expect(fd, max, big, max);

	/* Queued, then one too long, which changes nothing. */
	ck_assert_int_eq(ck_ok(write(fd, big, max)), max);
	fill_pattern(big, max + 1, 5);
	before = snap_take(fd);
	ck_fails(write(fd, big, max + 1), EMSGSIZE);
	ck_fails(ioc_complete(fd, big, max + 1), EMSGSIZE);
	ck_fails(ioc_complete_all(fd, big, max + 1), EMSGSIZE);
	after = snap_take(fd);
	snap_expect_same(&before, &after, "write(msg_max + 1)");

	/* The queued message is still there, unharmed, and alone. */
	fill_pattern(big, max, 3);
	read_expect(fd, max, big, max);
	ck_assert_uint_eq(get_done(fd), 0);
	free(big);
	close(fd);
}
END_TEST

/* CIPC_IOC_WAIT/TRYWAIT deliver the message, its full length, generation. */
START_TEST(test_msg_via_wait_ioctl)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t gen = get_generation(fd);
	struct cipc_wait w;
	char buf[64];

	if (!need_msg_max(fd, NEED))
		return;
	uint64_t seq;

	ck_ok(ioc_complete_seq(fd, "payload", 7, &seq));
	memset(buf, SENTINEL, sizeof(buf));
	ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 7);
	ck_assert_mem_eq(buf, "payload", 7);
	ck_assert_uint_eq(w.generation, gen);
	ck_assert_uint_eq(w.seq, seq);
	ck_assert_uint_eq(w.result, CIPC_WAIT_MSG);

	/* Truncated to msg_size, msg_len still the full length. */
	ck_ok(ioc_complete_seq(fd, "payload", 7, &seq));
	memset(buf, SENTINEL, sizeof(buf));
	ck_ok(ioc_wait(fd, 0, buf, 3, &w));
	ck_assert_uint_eq(w.msg_len, 7);
	ck_assert_mem_eq(buf, "pay", 3);
	ck_assert_msg(buf[3] == SENTINEL, "WAIT wrote past msg_size");
	ck_assert_uint_eq(w.seq, seq);

	/* No buffer: only the length; the message is taken all the same. */
	ck_ok(ioc_complete(fd, "payload", 7));
	ck_ok(ioc_wait(fd, 0, NULL, 0, &w));
	ck_assert_uint_eq(w.msg_len, 7);
	ck_assert_uint_eq(w.result, CIPC_WAIT_MSG);
	ck_assert_uint_eq(get_queued(fd), 0);

	/* TRYWAIT too, here with a message from COMPLETE_ALL. */
	ck_ok(ioc_complete_all_seq(fd, "all!", 4, &seq));
	memset(buf, SENTINEL, sizeof(buf));
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 4);
	ck_assert_mem_eq(buf, "all!", 4);
	ck_assert_uint_eq(w.generation, gen);
	ck_assert_uint_eq(w.seq, seq);
	ck_assert_uint_eq(w.result, CIPC_WAIT_ALL | CIPC_WAIT_MSG);
	close(fd);
}
END_TEST

/* A blocked reader gets the message of the write that released it. */
START_TEST(test_blocked_reader_gets_message)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req rd = { .chan = 0, .op = WOP_READ };
	const struct waiter_req wt = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	const struct waiter_res *r;
	struct waiter w;

	if (!need_msg_max(fd, NEED))
		return;
	waiter_start_blocked(&w, &rd, fd, 1);
	ck_assert_int_eq(ck_ok(write(fd, "hello", 5)), 5);
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 5);
	ck_assert_mem_eq(r->msg, "hello", 5);
	waiter_end(&w);

	waiter_start_blocked(&w, &wt, fd, 1);
	ck_ok(ioc_complete(fd, "by ioctl", 8));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 0);
	ck_assert_uint_eq(r->msg_len, 8);
	ck_assert_mem_eq(r->msg, "by ioctl", 8);
	waiter_end(&w);
	close(fd);
}
END_TEST

/* complete_all with a message: every released reader gets it. */
START_TEST(test_complete_all_message_to_everyone)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req rd = { .chan = 0, .op = WOP_READ };
	struct waiter w[3];

	if (!need_msg_max(fd, NEED))
		return;
	for (unsigned int i = 0; i < 3; i++)
		waiter_start_blocked(&w[i], &rd, fd, i + 1);
	ck_ok(ioc_complete_all(fd, "everyone", 8));
	for (unsigned int i = 0; i < 3; i++) {
		const struct waiter_res *r = waiter_result(&w[i], RELEASE_MS);

		ck_assert_int_eq(r->ret, 8);
		ck_assert_mem_eq(r->msg, "everyone", 8);
		waiter_end(&w[i]);
	}
	close(fd);
}
END_TEST

/*
 * In mode all, each write is a complete_all() with its message: a read
 * gets the message of the latest one.
 */
START_TEST(test_message_current_when_woken)
{
	int fd = chan_open(0, O_RDWR);
	char buf[64];
	struct cipc_wait w;

	if (!need_msg_max(fd, NEED))
		return;
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(fd, "one", 3)), 3);
	read_expect(fd, 64, "one", 3);
	ck_assert_int_eq(ck_ok(write(fd, "two!", 4)), 4);
	read_expect(fd, 64, "two!", 4);
	ck_ok(ioc_complete_all(fd, "three", 5));
	ck_ok(ioc_wait(fd, 0, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 5);
	ck_assert_mem_eq(buf, "three", 5);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	close(fd);
}
END_TEST

Suite *message_suite(void)
{
	Suite *s = suite_create("message");
	TCase *tc = chan_tcase("message", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_write_then_read);
	tcase_add_test(tc, test_read_truncates);
	tcase_add_test(tc, test_empty_message);
	tcase_add_test(tc, test_no_persistent_message);
	tcase_add_test(tc, test_msg_max);
	tcase_add_test(tc, test_msg_via_wait_ioctl);
	tcase_add_test(tc, test_blocked_reader_gets_message);
	tcase_add_test(tc, test_complete_all_message_to_everyone);
	tcase_add_test(tc, test_message_current_when_woken);
	suite_add_tcase(s, tc);
	return s;
}
