// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "latch_drain": the latch of a file while a reinit drains.
 *
 * A REINIT waits for the waiters that a signal released to leave. To hold
 * it there on purpose, the released waiter is a SCHED_FIFO 10 thread pinned
 * to CPU 1 while a SCHED_FIFO 99 thread spins on CPU 1 for HOG_MS: woken,
 * the waiter cannot run, so the reinit drains for that long. Neither RT
 * throttling (which stops both) nor the fair server (which serves
 * SCHED_OTHER only) lets the waiter run meanwhile. In that window:
 *
 *  - a file that had not seen the complete_all() is readable and its
 *    O_NONBLOCK read passes with the complete_all()'s message, although the
 *    channel is no longer "done" for new waits (the reinit is ordered
 *    before them): the latch covers the drain;
 *  - a blocking wait of a file that had seen the first complete_all() is
 *    held at the reinit's gate; a second complete_all() comes while it is
 *    held and the reinit then takes it away: the held waiter passes with
 *    it (CIPC_WAIT_LATCHED) instead of blocking until its timeout.
 *
 * Needs two CPUs; skipped (passes with a note) on one.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/* How long the hog keeps the released waiter off CPU 1. */
#define HOG_MS		1000

struct rt_thread {
	int fd;			/* the released waiter's file */
	int prio;
	atomic_int state;	/* 0 starting, 1 running, 2 done */
	ssize_t ret;
	int err;
	char buf[16];
};

static void to_cpu1(int prio)
{
	struct sched_param sp = { .sched_priority = prio };
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
}

/* The released waiter: a blocking read(2) on CPU 1 at FIFO 10. */
static void *released_main(void *arg)
{
	struct rt_thread *t = arg;

	to_cpu1(10);
	atomic_store(&t->state, 1);
	t->ret = read(t->fd, t->buf, sizeof(t->buf));
	t->err = errno;
	atomic_store(&t->state, 2);
	return NULL;
}

/* The hog: spins on CPU 1 at FIFO 99 for HOG_MS. */
static void *hog_main(void *arg)
{
	struct rt_thread *t = arg;
	uint64_t end;

	to_cpu1(99);
	atomic_store(&t->state, 1);
	end = now_ms() + HOG_MS;
	while (now_ms() < end)
		;
	atomic_store(&t->state, 2);
	return NULL;
}

struct reiniter {
	int fd;
	atomic_int state;
	int ret;
};

static void *reinit_main(void *arg)
{
	struct reiniter *r = arg;

	atomic_store(&r->state, 1);
	r->ret = ioc_reinit(r->fd);
	atomic_store(&r->state, 2);
	return NULL;
}

struct held_wait {
	int fd;
	atomic_int state;
	int ret, err;
	struct cipc_wait w;
	char buf[16];
};

static void *held_main(void *arg)
{
	struct held_wait *h = arg;

	atomic_store(&h->state, 1);
	h->ret = ioc_wait(h->fd, 3000 * NS_PER_MS, h->buf, sizeof(h->buf),
			  &h->w);
	h->err = errno;
	atomic_store(&h->state, 2);
	return NULL;
}

/*
 * Two CPUs, and this thread (and the threads it creates, which inherit it)
 * kept on CPU 0: never queued behind the hog, nor its timers on CPU 1,
 * whose timer thread the hog starves on PREEMPT_RT.
 */
static bool two_cpus(void)
{
	cpu_set_t set;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		return false;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	ck_assert_int_eq(pthread_setaffinity_np(pthread_self(), sizeof(set),
						&set), 0);
	return true;
}

/* The released waiter blocks, then the hog takes CPU 1. */
static void start_released_and_hog(int sig_fd, struct rt_thread *rel,
				   pthread_t *rt, struct rt_thread *hog,
				   pthread_t *ht)
{
	ck_assert_int_eq(pthread_create(rt, NULL, released_main, rel), 0);
	ck_assert_msg(wait_waiters(sig_fd, 1, SETTLE_MS),
		      "the FIFO 10 reader does not block");
	ck_assert_int_eq(pthread_create(ht, NULL, hog_main, hog), 0);
	while (atomic_load(&hog->state) != 1)
		sleep_ms(1);
	sleep_ms(20);	/* the hog owns CPU 1 now */
}

/* The reinit must still be draining: the released waiter has not run. */
static void expect_draining(struct rt_thread *rel, struct reiniter *r,
			    struct rt_thread *hog, const char *when)
{
	ck_assert_msg(atomic_load(&hog->state) == 1 &&
		      atomic_load(&rel->state) == 1 &&
		      atomic_load(&r->state) == 1,
		      "%s: the window closed early (hog %d, reader %d, "
		      "reinit %d): too slow a guest?", when,
		      atomic_load(&hog->state), atomic_load(&rel->state),
		      atomic_load(&r->state));
}

START_TEST(test_nonblock_read_during_drain)
{
	struct rt_thread rel = { 0 }, hog = { 0 };
	struct reiniter r = { 0 };
	pthread_t rt, ht, tt;
	struct pollfd pfd;
	char buf[16];
	ssize_t n;
	int s, f;

	if (!two_cpus())
		return;
	s = chan_open(0, O_RDWR);
	f = chan_open(0, O_RDWR | O_NONBLOCK);	/* has not seen anything */
	rel.fd = chan_open(0, O_RDWR);
	r.fd = s;
	start_released_and_hog(s, &rel, &rt, &hog, &ht);

	ck_ok(ioc_complete_all(s, "x", 1));
	ck_assert_int_eq(pthread_create(&tt, NULL, reinit_main, &r), 0);
	sleep_ms(100);	/* the reinit drains: the reader cannot run */
	expect_draining(&rel, &r, &hog, "before the read");

	pfd = (struct pollfd){ .fd = f, .events = POLLIN };
	ck_assert_msg(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN),
		      "a file that had not seen the complete_all is not "
		      "readable while the reinit drains");
	memset(buf, 0, sizeof(buf));
	n = read(f, buf, sizeof(buf));
	ck_assert_msg(n == 1 && buf[0] == 'x', "O_NONBLOCK read while the "
		      "reinit drains: %zd (%s), expected the complete_all's "
		      "\"x\": the latch was wiped", n,
		      n < 0 ? errname(errno) : "-");
	expect_draining(&rel, &r, &hog, "after the read");

	pthread_join(ht, NULL);
	pthread_join(rt, NULL);
	pthread_join(tt, NULL);
	ck_assert_int_eq(r.ret, 0);
	ck_assert_msg(rel.ret == 1 && rel.buf[0] == 'x', "the released "
		      "reader got %zd (%s)", rel.ret,
		      rel.ret < 0 ? errname(rel.err) : "-");
	/* Spent: the file does not pass twice. */
	ck_fails(read(f, buf, sizeof(buf)), EAGAIN);
	close(rel.fd);
	close(f);
	close(s);
}
END_TEST

START_TEST(test_held_waiter_gets_later_complete_all)
{
	struct rt_thread rel = { 0 }, hog = { 0 };
	struct held_wait h = { 0 };
	struct reiniter r = { 0 };
	pthread_t rt, ht, tt, wt;
	uint64_t seq2, deadline;
	char buf[16];
	int s, f;

	if (!two_cpus())
		return;
	s = chan_open(0, O_RDWR);
	f = chan_open(0, O_RDWR);
	rel.fd = chan_open(0, O_RDWR);
	r.fd = s;
	h.fd = f;
	start_released_and_hog(s, &rel, &rt, &hog, &ht);

	ck_ok(ioc_complete_all(s, "one", 3));
	/* f sees the first complete_all: no latch left for it. */
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(read(f, buf, sizeof(buf)), 3);
	ck_assert_int_eq(pthread_create(&tt, NULL, reinit_main, &r), 0);
	sleep_ms(100);
	expect_draining(&rel, &r, &hog, "before the held wait");

	/* A blocking wait of f now is held at the reinit's gate. */
	ck_assert_int_eq(pthread_create(&wt, NULL, held_main, &h), 0);
	ck_assert_msg(wait_waiters(s, 2, SETTLE_MS),
		      "the wait of f is not held behind the reinit");
	ck_ok(ioc_complete_all_seq(s, "two", 3, &seq2));
	expect_draining(&rel, &r, &hog, "after the second complete_all");

	pthread_join(ht, NULL);
	pthread_join(rt, NULL);
	pthread_join(tt, NULL);
	ck_assert_int_eq(r.ret, 0);
	deadline = now_ms() + RELEASE_MS;
	while (atomic_load(&h.state) != 2) {
		ck_assert_msg(now_ms() < deadline, "the held wait still "
			      "blocks %u ms after the reinit: the second "
			      "complete_all was lost", RELEASE_MS);
		sleep_ms(1);
	}
	pthread_join(wt, NULL);
	ck_assert_msg(h.ret == 0, "the held wait ended with %s, expected "
		      "the second complete_all", errname(h.err));
	ck_assert_uint_eq(h.w.seq, seq2);
	ck_assert_uint_eq(h.w.result & (CIPC_WAIT_ALL | CIPC_WAIT_LATCHED),
			  CIPC_WAIT_ALL | CIPC_WAIT_LATCHED);
	ck_assert_uint_eq(h.w.msg_len, 3);
	ck_assert_mem_eq(h.buf, "two", 3);
	close(rel.fd);
	close(f);
	close(s);
}
END_TEST

Suite *latch_drain_suite(void)
{
	Suite *s = suite_create("latch_drain");
	TCase *tc = chan_tcase("latch_drain", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_nonblock_read_during_drain);
	tcase_add_test(tc, test_held_waiter_gets_later_complete_all);
	suite_add_tcase(s, tc);
	return s;
}
