// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "signal": complete() versus complete_all() (through the ioctls and
 * through write(2) in each mode), counting, FIFO order of waiters,
 * REINIT and the generation.
 *
 * (Suite "signals", test_signals.c, is about POSIX signals hitting waits.)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

static const struct waiter_req wait_forever = {
	.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
};

/* complete() releases exactly one of two blocked waiters. */
START_TEST(test_complete_releases_one)
{
	int fd = chan_open(0, O_RDWR);
	struct waiter w[2];
	const struct waiter_res *r;
	enum waiter_poll p0, p1;

	waiter_start_blocked(&w[0], &wait_forever, fd, 1);
	waiter_start_blocked(&w[1], &wait_forever, fd, 2);

	ck_ok(ioc_complete(fd, NULL, 0));
	/* The longest waiting one passes... */
	r = waiter_result(&w[0], RELEASE_MS);
	ck_assert_int_eq(r->ret, 0);
	/* ...and only it. */
	waiter_expect_blocked(&w[1], FIFO_QUIET_MS);
	ck_assert_uint_eq(get_waiters(fd), 1);
	ck_assert_uint_eq(get_done(fd), 0);

	ck_ok(ioc_complete(fd, NULL, 0));
	r = waiter_result(&w[1], RELEASE_MS);
	ck_assert_int_eq(r->ret, 0);
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");

	p0 = waiter_poll(&w[0], 0);
	p1 = waiter_poll(&w[1], 0);
	ck_assert(p0 == WP_DONE && p1 == WP_DONE);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	close(fd);
}
END_TEST

/* complete_all() releases every blocked waiter, and every later wait. */
START_TEST(test_complete_all_releases_all)
{
	int fd = chan_open(0, O_RDWR);
	struct waiter w[3];

	for (unsigned int i = 0; i < 3; i++)
		waiter_start_blocked(&w[i], &wait_forever, fd, i + 1);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(waiter_result(&w[i], RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");

	/* Later waits pass too, and consume nothing. */
	for (unsigned int i = 0; i < 5; i++) {
		ck_ok(ioc_wait(fd, 0, NULL, 0, NULL));
		ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	}
	ck_assert_uint_eq(get_done(fd), DONE_ALL);

	struct cipc_stats s = get_stats(fd);

	ck_assert_uint_eq(s.complete_all, 1);
	ck_assert_uint_eq(s.complete, 0);
	ck_assert_uint_eq(s.wait, 13);
	ck_assert_uint_eq(s.woken, 13);
	for (unsigned int i = 0; i < 3; i++)
		waiter_end(&w[i]);
	close(fd);
}
END_TEST

/* complete() with nobody waiting accumulates: N completes, N passes. */
START_TEST(test_complete_accumulates)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t t0;

	for (unsigned int i = 1; i <= 3; i++) {
		ck_ok(ioc_complete(fd, NULL, 0));
		ck_assert_uint_eq(get_done(fd), i);
	}
	ck_assert_uint_eq(sysfs_ull(0, "count"), 3);

	/* Three waits pass at once, each consuming one... */
	ck_ok(ioc_wait(fd, 0, NULL, 0, NULL));
	ck_assert_uint_eq(get_done(fd), 2);
	ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, NULL, 0, NULL));
	ck_assert_uint_eq(get_done(fd), 1);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_uint_eq(get_done(fd), 0);

	/* ...and the fourth does not. */
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	t0 = now_ms();
	ck_fails(ioc_wait(fd, 100 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	ck_assert_uint_ge(now_ms() - t0, 100);
	ck_assert_uint_eq(get_done(fd), 0);
	close(fd);
}
END_TEST

/*
 * Five waiters queue up in a known order: complete() releases them one at
 * a time, longest waiting first; complete_all() releases the rest.
 */
START_TEST(test_fifo_five_waiters)
{
	int fd = chan_open(0, O_RDWR);
	struct waiter w[5];

	for (unsigned int i = 0; i < 5; i++)
		waiter_start_blocked(&w[i], &wait_forever, fd, i + 1);

	for (unsigned int k = 0; k < 2; k++) {
		ck_ok(ioc_complete(fd, NULL, 0));
		ck_assert_msg(waiter_poll(&w[k], RELEASE_MS) == WP_DONE,
			      "complete() #%u did not release waiter #%u, the "
			      "longest waiting", k + 1, k + 1);
		ck_assert_int_eq(w[k].res.ret, 0);
		for (unsigned int i = k + 1; i < 5; i++)
			waiter_expect_blocked(&w[i],
					      i == k + 1 ? FIFO_QUIET_MS : 0);
		ck_assert_uint_eq(get_waiters(fd), 5 - (k + 1));
	}

	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 2; i < 5; i++)
		ck_assert_int_eq(waiter_result(&w[i], RELEASE_MS)->ret, 0);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");

	struct cipc_stats s = get_stats(fd);

	ck_assert_uint_eq(s.complete, 2);
	ck_assert_uint_eq(s.complete_all, 1);
	ck_assert_uint_eq(s.wait, 5);
	ck_assert_uint_eq(s.woken, 5);
	for (unsigned int i = 0; i < 5; i++)
		waiter_end(&w[i]);
	close(fd);
}
END_TEST

/* After complete_all, waiters pass until REINIT; after it they block. */
START_TEST(test_complete_all_until_reinit)
{
	int fd = chan_open(0, O_RDWR);
	struct waiter late[2], after;
	uint64_t gen = get_generation(fd);

	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 0; i < 2; i++) {
		waiter_start(&late[i], &wait_forever);
		ck_assert_int_eq(waiter_result(&late[i], RELEASE_MS)->ret, 0);
		ck_assert_uint_eq(late[i].res.generation, gen);
		/* Passed by complete_all, no message, not latched. */
		ck_assert_uint_eq(late[i].res.result, CIPC_WAIT_ALL);
		ck_assert_uint_eq(late[i].res.seq, get_seq(fd));
		waiter_end(&late[i]);
	}
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	/* fd sees it done too: no latch left for after the REINIT. */
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));

	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_done(fd), 0);
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	waiter_start_blocked(&after, &wait_forever, fd, 1);
	waiter_expect_blocked(&after, BLOCKED_MS);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&after, RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(after.res.generation, gen + 1);
	ck_assert_uint_eq(after.res.result, 0);
	ck_assert_uint_eq(after.res.seq, get_seq(fd));
	waiter_end(&after);
	close(fd);
}
END_TEST

/*
 * In the "all" state complete() returns 0 and changes nothing: no count
 * (count stays 0, nothing left over after REINIT), its message discarded
 * (stats.discarded), waits still get complete_all's message.
 */
START_TEST(test_complete_after_complete_all)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct cipc_info info;
	struct cipc_stats s;

	ck_ok(ioc_complete_all(fd, "all", 3));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_complete(fd, "lost", 4));
	ck_assert_int_eq(ck_ok(write(fd, "lost2", 5)), 5);
	info = get_info(fd);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.queued, 0);
	ck_assert_uint_eq(info.msg_len, 3);
	expect_message(fd, "all", 3);
	expect_message(fd, "all", 3);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	s = get_stats(fd);
	ck_assert_uint_eq(s.complete, 3);
	ck_assert_uint_eq(s.complete_all, 1);
	ck_assert_uint_eq(s.discarded, 3);
	/* The discarded completes do not come back after REINIT. */
	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_done(fd), 0);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	close(fd);
}
END_TEST

/* write(2) signals with complete() in mode one... */
START_TEST(test_write_mode_one)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct waiter w[2];

	waiter_start_blocked(&w[0], &wait_forever, fd, 1);
	waiter_start_blocked(&w[1], &wait_forever, fd, 2);
	ck_assert_int_eq(ck_ok(write(fd, "one", 3)), 3);
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	waiter_expect_blocked(&w[1], FIFO_QUIET_MS);
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_int_eq(ck_ok(write(fd, "two", 3)), 3);
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);

	/* With nobody waiting, writes accumulate like complete(). */
	ck_assert_int_eq(ck_ok(write(fd, "x", 1)), 1);
	ck_assert_int_eq(ck_ok(write(fd, "y", 1)), 1);
	ck_assert_uint_eq(get_done(fd), 2);

	struct cipc_stats s = get_stats(fd);

	ck_assert_uint_eq(s.complete, 4);
	ck_assert_uint_eq(s.complete_all, 0);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	close(fd);
}
END_TEST

/* ...and with complete_all() in mode all. */
START_TEST(test_write_mode_all)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct waiter w[3];

	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	for (unsigned int i = 0; i < 3; i++)
		waiter_start_blocked(&w[i], &wait_forever, fd, i + 1);
	ck_assert_int_eq(ck_ok(write(fd, "all", 3)), 3);
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(waiter_result(&w[i], RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);

	struct cipc_stats s = get_stats(fd);

	ck_assert_uint_eq(s.complete, 0);
	ck_assert_uint_eq(s.complete_all, 1);
	for (unsigned int i = 0; i < 3; i++)
		waiter_end(&w[i]);
	close(fd);
}
END_TEST

/* The mode applies to write(2) only: the ioctls say what they do. */
START_TEST(test_mode_does_not_change_ioctls)
{
	int fd = chan_open(0, O_RDWR);

	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), 1);
	ck_ok(ioc_reinit(fd));
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	close(fd);
}
END_TEST

/* REINIT: count 0, queue emptied, generation + 1, counted in stats. */
START_TEST(test_reinit_and_generation)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint64_t gen = get_generation(fd);
	struct cipc_wait w;
	struct cipc_info info;

	ck_ok(ioc_complete(fd, "msg", 3));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_wait(fd, 0, NULL, 0, &w));
	ck_assert_uint_eq(w.generation, gen);

	ck_ok(ioc_reinit(fd));
	info = get_info(fd);
	ck_assert_uint_eq(info.generation, gen + 1);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	/* The complete() nobody took went with the reinit. */
	ck_assert_uint_eq(get_stats(fd).discarded, 1);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 1);

	for (unsigned int i = 0; i < 3; i++)
		ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_generation(fd), gen + 4);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 4);

	/* A wait reports the generation of the signal that released it. */
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, NULL, 0, &w));
	ck_assert_uint_eq(w.generation, gen + 4);
	ck_assert_uint_eq(w.msg_len, 0);
	ck_assert_uint_eq(get_stats(fd).reinit, 4);
	close(fd);
}
END_TEST

/* REINIT leaves blocked waiters that no signal released blocked. */
START_TEST(test_reinit_keeps_unreleased_waiters)
{
	int fd = chan_open(0, O_RDWR);
	struct waiter w[2];

	waiter_start_blocked(&w[0], &wait_forever, fd, 1);
	waiter_start_blocked(&w[1], &wait_forever, fd, 2);
	/* Must not wait for them: nobody released them. */
	ck_assert_msg(reinit_bounded(fd, RELEASE_MS) == 0, "REINIT: %s",
		      errname(errno));
	waiter_expect_blocked(&w[0], BLOCKED_MS);
	waiter_expect_blocked(&w[1], 0);
	ck_assert_uint_eq(get_waiters(fd), 2);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	close(fd);
}
END_TEST

Suite *signal_suite(void)
{
	Suite *s = suite_create("signal");
	TCase *tc = chan_tcase("signal", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_complete_releases_one);
	tcase_add_test(tc, test_complete_all_releases_all);
	tcase_add_test(tc, test_complete_accumulates);
	tcase_add_test(tc, test_fifo_five_waiters);
	tcase_add_test(tc, test_complete_all_until_reinit);
	tcase_add_test(tc, test_complete_after_complete_all);
	tcase_add_test(tc, test_write_mode_one);
	tcase_add_test(tc, test_write_mode_all);
	tcase_add_test(tc, test_mode_does_not_change_ioctls);
	tcase_add_test(tc, test_reinit_and_generation);
	tcase_add_test(tc, test_reinit_keeps_unreleased_waiters);
	suite_add_tcase(s, tc);
	return s;
}
