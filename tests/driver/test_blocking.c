// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "blocking": waits block until signalled (proven by timing: still
 * blocked after BLOCKED_MS, released within RELEASE_MS of the signal),
 * timeouts of CIPC_IOC_WAIT, O_NONBLOCK reads and CIPC_IOC_TRYWAIT.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/*
 * Start a waiter, check that it blocks, signal with write(2) or
 * CIPC_IOC_COMPLETE, check that it is released in time; returns its result.
 */
static const struct waiter_res *block_then_release(struct waiter *w,
		const struct waiter_req *req, int fd, bool by_write)
{
	const struct waiter_res *r;
	uint64_t t_signal;

	waiter_start_blocked(w, req, fd, 1);
	waiter_expect_blocked(w, BLOCKED_MS);
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 1);
	ck_assert_uint_eq(get_stats(fd).wait, 1);

	t_signal = now_ns();
	if (by_write)
		ck_assert_int_eq(ck_ok(write(fd, "wake", 4)), 4);
	else
		ck_ok(ioc_complete(fd, NULL, 0));
	r = waiter_result(w, RELEASE_MS);
	ck_assert_msg(r->t_end_ns - t_signal < RELEASE_MS * NS_PER_MS,
		      "released %llu ms after the signal",
		      (unsigned long long)((r->t_end_ns - t_signal) /
					   NS_PER_MS));
	ck_assert_msg(r->t_end_ns - r->t_start_ns >= BLOCKED_MS * NS_PER_MS,
		      "the wait lasted only %llu ms",
		      (unsigned long long)((r->t_end_ns - r->t_start_ns) /
					   NS_PER_MS));
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 0);
	return r;
}

START_TEST(test_read_blocks_until_write)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = { .chan = 0, .op = WOP_READ };
	const struct waiter_res *r;
	struct waiter w;

	r = block_then_release(&w, &req, fd, true);
	ck_assert_int_eq(r->ret, 4);
	ck_assert_mem_eq(r->msg, "wake", 4);
	ck_assert_uint_eq(get_done(fd), 0);
	waiter_end(&w);
	close(fd);
}
END_TEST

START_TEST(test_wait_forever_blocks_until_complete)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w;

	ck_assert_int_eq(block_then_release(&w, &req, fd, false)->ret, 0);
	ck_assert_uint_eq(get_done(fd), 0);
	waiter_end(&w);
	close(fd);
}
END_TEST

/* A timed wait released before its timeout returns 0 at once. */
START_TEST(test_timed_wait_released_early)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = 20000 * NS_PER_MS,
	};
	struct waiter w;

	ck_assert_int_eq(block_then_release(&w, &req, fd, false)->ret, 0);
	waiter_end(&w);
	close(fd);
}
END_TEST

/* A blocked reader on its own O_RDONLY fd, released by another fd. */
START_TEST(test_reader_on_rdonly_fd)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_WRONLY);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_READ, .open_flags = O_RDONLY,
	};
	struct waiter w;

	ck_assert_int_eq(block_then_release(&w, &req, fd, true)->ret, 4);
	waiter_end(&w);
	close(fd);
}
END_TEST

START_TEST(test_wait_timeout)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t t0, dt;
	struct cipc_stats s;

	t0 = now_ns();
	ck_fails(ioc_wait(fd, 300 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	dt = now_ns() - t0;
	ck_assert_msg(dt >= 300 * NS_PER_MS, "300 ms WAIT returned after %llu "
		      "us", (unsigned long long)(dt / 1000));
	ck_assert_msg(dt < 3000 * NS_PER_MS, "300 ms WAIT returned after %llu "
		      "ms", (unsigned long long)(dt / NS_PER_MS));
	ck_assert_uint_eq(get_waiters(fd), 0);
	ck_assert_uint_eq(get_done(fd), 0);
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.timeout, 1);
	expect_stats_invariant(&s);
	close(fd);
}
END_TEST

/* timeout_ns 0 tries once: ETIMEDOUT at once if not done, else 0. */
START_TEST(test_wait_timeout_zero)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t t0;

	t0 = now_ms();
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	ck_assert_uint_lt(now_ms() - t0, 1000);
	ck_ok(ioc_complete(fd, NULL, 0));
	t0 = now_ms();
	ck_ok(ioc_wait(fd, 0, NULL, 0, NULL));
	ck_assert_uint_lt(now_ms() - t0, 1000);
	ck_assert_uint_eq(get_done(fd), 0);
	close(fd);
}
END_TEST

/* O_NONBLOCK does not apply to CIPC_IOC_WAIT: the timeout says how long. */
START_TEST(test_wait_ignores_nonblock)
{
	int fd = chan_open(0, O_RDWR | O_NONBLOCK);
	uint64_t t0, dt;

	t0 = now_ns();
	ck_fails(ioc_wait(fd, 300 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	dt = now_ns() - t0;
	ck_assert_msg(dt >= 300 * NS_PER_MS && dt < 3000 * NS_PER_MS,
		      "300 ms WAIT on an O_NONBLOCK fd lasted %llu ms",
		      (unsigned long long)(dt / NS_PER_MS));
	ck_assert_uint_eq(get_stats(fd).timeout, 1);
	ck_assert_uint_eq(get_stats(fd).again, 0);
	close(fd);
}
END_TEST

START_TEST(test_nonblock_read)
{
	const struct waiter_req nb = {
		.chan = 0, .op = WOP_READ, .open_flags = O_RDONLY | O_NONBLOCK,
	};
	const struct waiter_res *r;
	struct cipc_stats s;
	struct waiter w;
	char buf[16];
	int fd, fd2, fl;

	/* In a child first: a read that blocks fails here, not by timeout. */
	waiter_start(&w, &nb);
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == -1 && r->err == EAGAIN, "O_NONBLOCK read on a "
		      "channel not done returned %lld (%s), expected EAGAIN",
		      (long long)r->ret, errname(r->err));
	ck_assert_uint_lt((r->t_end_ns - r->t_start_ns) / NS_PER_MS, 1000);
	waiter_end(&w);

	fd = chan_open(0, O_RDWR | O_NONBLOCK);
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.again, 1);
	expect_stats_invariant(&s);

	ck_assert_int_eq(ck_ok(write(fd, "x", 1)), 1);
	ck_assert_int_eq(ck_ok(read(fd, buf, sizeof(buf))), 1);
	ck_assert_int_eq(buf[0], 'x');
	ck_fails(read(fd, buf, sizeof(buf)), EAGAIN);

	/* fcntl() can turn it on later too. */
	fd2 = chan_open(0, O_RDONLY);
	fl = ck_ok(fcntl(fd2, F_GETFL));
	ck_ok(fcntl(fd2, F_SETFL, fl | O_NONBLOCK));
	ck_fails(read(fd2, buf, sizeof(buf)), EAGAIN);
	s = get_stats(fd);
	ck_assert_uint_eq(s.again, 3);
	ck_assert_uint_eq(s.woken, 1);
	expect_stats_invariant(&s);
	close(fd2);
	close(fd);
}
END_TEST

START_TEST(test_trywait)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t t0 = now_ms();

	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert_uint_lt(now_ms() - t0, 1000);
	ck_assert_uint_eq(get_stats(fd).again, 1);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_uint_eq(get_done(fd), 0);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	close(fd);
}
END_TEST

/* A complete() before the wait lets it pass without blocking. */
START_TEST(test_signal_before_wait)
{
	int fd = chan_open(0, O_RDWR);
	char buf[8];
	uint64_t t0;

	ck_ok(ioc_complete(fd, NULL, 0));
	t0 = now_ms();
	/* A message-less signal reads as "\n", never as 0 (EOF). */
	ck_assert_int_eq(ck_ok(read(fd, buf, sizeof(buf))), 1);
	ck_assert_int_eq(buf[0], '\n');
	ck_assert_uint_lt(now_ms() - t0, 1000);
	ck_ok(ioc_complete(fd, NULL, 0));
	t0 = now_ms();
	ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, NULL, 0, NULL));
	ck_assert_uint_lt(now_ms() - t0, 1000);
	close(fd);
}
END_TEST

Suite *blocking_suite(void)
{
	Suite *s = suite_create("blocking");
	TCase *tc = chan_tcase("blocking", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_read_blocks_until_write);
	tcase_add_test(tc, test_wait_forever_blocks_until_complete);
	tcase_add_test(tc, test_timed_wait_released_early);
	tcase_add_test(tc, test_reader_on_rdonly_fd);
	tcase_add_test(tc, test_wait_timeout);
	tcase_add_test(tc, test_wait_timeout_zero);
	tcase_add_test(tc, test_wait_ignores_nonblock);
	tcase_add_test(tc, test_nonblock_read);
	tcase_add_test(tc, test_trywait);
	tcase_add_test(tc, test_signal_before_wait);
	suite_add_tcase(s, tc);
	return s;
}
