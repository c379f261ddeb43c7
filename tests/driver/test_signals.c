// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "signals": POSIX signals hitting blocked waits. SIGKILL and SIGTERM
 * end a blocked reader/waiter, a handled signal makes a wait return EINTR
 * (or restart, for an untimed WAIT with SA_RESTART), a blocked waiter is in
 * interruptible sleep ('S', never 'D'), and every interrupted wait counts in
 * stats.interrupted while the channel's waiters go back to 0.
 *
 * (Suite "signal", test_signal.c, is about complete() and complete_all().)
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/* After an interrupted wait: nobody blocked, counted once, nothing taken. */
static void expect_interrupted_once(int fd)
{
	struct cipc_stats s;

	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS),
		      "waiters not back to 0 after the signal");
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 0);
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.interrupted, 1);
	ck_assert_uint_eq(s.woken, 0);
	expect_stats_invariant(&s);
	expect_sysfs_stats(0, &s);
	ck_assert_uint_eq(get_done(fd), 0);
}

/* A blocked waiter dies of `sig' (default disposition). */
static void kill_blocked(enum waiter_op op, int sig)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = op, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w;

	/* waiter_start_blocked() checks the 'S' state too. */
	waiter_start_blocked(&w, &req, fd, 1);
	ck_assert_int_eq(kill(w.pid, sig), 0);
	ck_assert_msg(waiter_reap(&w, RELEASE_MS),
		      "blocked waiter did not die of signal %d within %u ms",
		      sig, RELEASE_MS);
	ck_assert_msg(WIFSIGNALED(w.status) && WTERMSIG(w.status) == sig,
		      "waiter ended with status %#x, not by signal %d",
		      (unsigned int)w.status, sig);
	ck_assert_int_eq(waiter_poll(&w, 0), WP_DIED);
	expect_interrupted_once(fd);
	waiter_end(&w);

	/* The channel still works. */
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	close(fd);
}

START_TEST(test_sigkill_blocked_read)
{
	kill_blocked(WOP_READ, SIGKILL);
}
END_TEST

START_TEST(test_sigterm_blocked_read)
{
	kill_blocked(WOP_READ, SIGTERM);
}
END_TEST

START_TEST(test_sigkill_blocked_wait)
{
	kill_blocked(WOP_WAIT, SIGKILL);
}
END_TEST

START_TEST(test_sigterm_blocked_wait)
{
	kill_blocked(WOP_WAIT, SIGTERM);
}
END_TEST

/* A timed wait sleeps interruptibly too and dies of SIGKILL. */
START_TEST(test_sigkill_timed_wait)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = 20000 * NS_PER_MS,
	};
	struct waiter w;

	waiter_start_blocked(&w, &req, fd, 1);
	ck_assert_int_eq(kill(w.pid, SIGKILL), 0);
	ck_assert_msg(waiter_reap(&w, RELEASE_MS), "waiter did not die");
	ck_assert(WIFSIGNALED(w.status) && WTERMSIG(w.status) == SIGKILL);
	expect_interrupted_once(fd);
	waiter_end(&w);
	close(fd);
}
END_TEST

/*
 * A handled SIGUSR1 reaches a blocked waiter: the call returns -1/EINTR
 * within RELEASE_MS and the process goes on.
 */
static void eintr(enum waiter_op op, uint64_t timeout_ns, enum waiter_sig how)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = op, .timeout_ns = timeout_ns, .sig = how,
	};
	const struct waiter_res *r;
	struct waiter w;
	uint64_t t_sig;

	waiter_start_blocked(&w, &req, fd, 1);
	t_sig = now_ns();
	ck_assert_int_eq(kill(w.pid, SIGUSR1), 0);
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == -1 && r->err == EINTR,
		      "interrupted call returned %lld (%s), expected -1/EINTR",
		      (long long)r->ret, errname(r->err));
	ck_assert_msg(r->t_end_ns - t_sig < RELEASE_MS * NS_PER_MS,
		      "EINTR came %llu ms after the signal",
		      (unsigned long long)((r->t_end_ns - t_sig) / NS_PER_MS));
	ck_assert_msg(waiter_saw_signal(&w, 0), "handler did not run");
	ck_assert_msg(waiter_reap(&w, RELEASE_MS), "waiter did not exit");
	ck_assert(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0);
	expect_interrupted_once(fd);
	waiter_end(&w);
	close(fd);
}

START_TEST(test_eintr_read_without_sa_restart)
{
	eintr(WOP_READ, 0, WSIG_HANDLER);
}
END_TEST

START_TEST(test_eintr_wait_forever_without_sa_restart)
{
	eintr(WOP_WAIT, CIPC_TIMEOUT_FOREVER, WSIG_HANDLER);
}
END_TEST

/* A timed WAIT returns EINTR even when the handler has SA_RESTART. */
START_TEST(test_eintr_timed_wait_with_sa_restart)
{
	eintr(WOP_WAIT, 20000 * NS_PER_MS, WSIG_RESTART);
}
END_TEST

START_TEST(test_eintr_timed_wait_without_sa_restart)
{
	eintr(WOP_WAIT, 20000 * NS_PER_MS, WSIG_HANDLER);
}
END_TEST

/*
 * An untimed WAIT with an SA_RESTART handler restarts transparently: after
 * the handler ran the process is blocked again and a later complete()
 * releases it with 0.
 */
START_TEST(test_wait_forever_restarts_with_sa_restart)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
		.sig = WSIG_RESTART,
	};
	const struct waiter_res *r;
	struct cipc_stats s;
	struct waiter w;
	char st;

	waiter_start_blocked(&w, &req, fd, 1);
	ck_assert_int_eq(kill(w.pid, SIGUSR1), 0);
	ck_assert_msg(waiter_saw_signal(&w, RELEASE_MS),
		      "SIGUSR1 handler did not run within %u ms", RELEASE_MS);
	waiter_expect_blocked(&w, BLOCKED_MS);
	ck_assert_msg(wait_waiters(fd, 1, SETTLE_MS),
		      "restarted WAIT is not blocked on the channel");
	st = proc_settled_state(w.pid, SETTLE_MS);
	ck_assert_msg(st == 'S', "restarted waiter in state '%c'", st);

	ck_ok(ioc_complete(fd, "after", 5));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == 0, "restarted WAIT returned %lld (%s)",
		      (long long)r->ret, errname(r->err));
	ck_assert_uint_eq(r->msg_len, 5);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");
	s = get_stats(fd);
	ck_assert_uint_eq(s.woken, 1);
	ck_assert_uint_eq(s.timeout, 0);
	ck_assert_uint_eq(s.again, 0);
	expect_stats_invariant(&s);
	waiter_end(&w);
	close(fd);
}
END_TEST

/* Signals to several waiters: one interrupted each, counted each. */
START_TEST(test_interrupted_counts_each)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req rd = { .chan = 0, .op = WOP_READ,
				       .sig = WSIG_HANDLER };
	const struct waiter_req wt = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w[3];
	struct cipc_stats s;

	waiter_start_blocked(&w[0], &rd, fd, 1);
	waiter_start_blocked(&w[1], &wt, fd, 2);
	waiter_start_blocked(&w[2], &wt, fd, 3);
	ck_assert_int_eq(kill(w[0].pid, SIGUSR1), 0);
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->err, EINTR);
	ck_assert_int_eq(kill(w[1].pid, SIGKILL), 0);
	ck_assert(waiter_reap(&w[1], RELEASE_MS));
	ck_assert_msg(wait_waiters(fd, 1, SETTLE_MS), "expected 1 waiter left");
	s = get_stats(fd);
	ck_assert_uint_eq(s.interrupted, 2);

	/* The survivor is still served. */
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&w[2], RELEASE_MS)->ret, 0);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 3);
	ck_assert_uint_eq(s.interrupted, 2);
	ck_assert_uint_eq(s.woken, 1);
	expect_stats_invariant(&s);
	for (unsigned int i = 0; i < 3; i++)
		waiter_end(&w[i]);
	close(fd);
}
END_TEST

Suite *signals_suite(void)
{
	Suite *s = suite_create("signals");
	TCase *tc = chan_tcase("signals", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_sigkill_blocked_read);
	tcase_add_test(tc, test_sigterm_blocked_read);
	tcase_add_test(tc, test_sigkill_blocked_wait);
	tcase_add_test(tc, test_sigterm_blocked_wait);
	tcase_add_test(tc, test_sigkill_timed_wait);
	tcase_add_test(tc, test_eintr_read_without_sa_restart);
	tcase_add_test(tc, test_eintr_wait_forever_without_sa_restart);
	tcase_add_test(tc, test_eintr_timed_wait_with_sa_restart);
	tcase_add_test(tc, test_eintr_timed_wait_without_sa_restart);
	tcase_add_test(tc, test_wait_forever_restarts_with_sa_restart);
	tcase_add_test(tc, test_interrupted_counts_each);
	suite_add_tcase(s, tc);
	return s;
}
