// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "limits": the bound on blocked waiters, and the cost of a wait.
 *
 *  - module parameter max_waiters, reported by CIPC_CTL_INFO, cipc_info
 *    and sysfs; CIPC_CTL_ADD max_waiters/queue_depth;
 *  - with max_waiters blocked, one more blocking wait (read(2),
 *    CIPC_IOC_WAIT forever, relative, ABSTIME) fails at once with EUSERS
 *    and counts in stats.refused, not in stats.wait; waits that do not
 *    block (TRYWAIT, O_NONBLOCK read, timeout 0, a past deadline) are not
 *    refused; once a waiter leaves (released, or killed) a new one blocks;
 *  - an uncontended complete + wait round trip takes no page fault: the
 *    old driver faulted the user buffer in before every wait
 *    (fault_in_safe_writeable(), one minor fault per page per wait, which
 *    getrusage() shows);
 *  - messages above 256 bytes (the old driver's on-stack limit, above which
 *    it kmalloc()ed a bounce buffer per call) queue and arrive intact.
 *    That the new driver allocates nothing per call is verified by code
 *    review, not here: no user-visible counter shows a kmalloc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define SMALL_MAX_WAITERS	4
#define SMALL_QUEUE_DEPTH	2
#define PINGPONG_ROUNDS		2000
#define PINGPONG_WARMUP		100
/* Faults allowed per round trip: < 0.01, i.e. < 20 in 2000 rounds. */
#define MAX_FAULTS		(PINGPONG_ROUNDS / 100)


/* The channels the module was loaded with, before and after each test. */
static TCase *limits_ctl_tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture_channels_restored, NULL);
	tcase_add_unchecked_fixture(tc, NULL, channels_restore_unchecked);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- max_waiters ------------------------------------------------------ */

static unsigned int param_u(const char *name)
{
	unsigned int v = 0;

	ck_assert_msg(param_value(name, &v), CIPC_PARAM_DIR "/%s: missing or "
		      "unreadable", name);
	return v;
}

START_TEST(test_max_waiters_param)
{
	unsigned int mw = param_u("max_waiters"), qd = param_u("queue_depth");
	unsigned int n = param_channels();
	int ctl = ctl_open(O_RDONLY);
	struct cipc_ctl_info ci = get_ctl_info(ctl);

	ck_assert_msg(mw >= 1 && mw <= CIPC_MAX_WAITERS_LIMIT,
		      "max_waiters %u out of 1..%u", mw,
		      CIPC_MAX_WAITERS_LIMIT);
	ck_assert_msg(qd >= 1 && qd <= CIPC_QUEUE_DEPTH_LIMIT,
		      "queue_depth %u out of 1..%u", qd,
		      CIPC_QUEUE_DEPTH_LIMIT);
	ck_assert_uint_eq(ci.max_waiters, mw);
	ck_assert_uint_eq(ci.queue_depth, qd);
	for (unsigned int c = 0; c < n; c++) {
		int fd = chan_open(c, O_RDONLY);
		struct cipc_info info = get_info(fd);

		ck_assert_uint_eq(info.max_waiters, mw);
		ck_assert_uint_eq(info.queue_depth, qd);
		ck_assert_uint_eq(sysfs_ull(c, "max_waiters"), mw);
		ck_assert_uint_eq(sysfs_ull(c, "queue_depth"), qd);
		close(fd);
	}
	close(ctl);
}
END_TEST

/* A wait on fd that must fail with EUSERS at once (bounded if it does not). */
static void expect_eusers_now(int fd, const char *what, uint64_t timeout_ns,
			      uint32_t flags, int32_t clockid)
{
	struct cipc_wait w = {
		.timeout_ns = timeout_ns, .flags = flags, .clockid = clockid,
	};
	uint64_t t0 = now_ms(), dt;
	int r;

	r = ioctl(fd, CIPC_IOC_WAIT, &w);
	dt = now_ms() - t0;
	ck_assert_msg(r == -1 && errno == EUSERS, "%s with max_waiters "
		      "blocked: %d (%s) after %llu ms, expected EUSERS at once",
		      what, r, r ? errname(errno) : "-",
		      (unsigned long long)dt);
	ck_assert_msg(dt < 1000, "%s: EUSERS only after %llu ms", what,
		      (unsigned long long)dt);
}

/* A waiter process whose read(2) / WAIT must fail with EUSERS at once. */
static void expect_eusers_process(unsigned int chan, enum waiter_op op,
				  uint64_t timeout_ns)
{
	struct waiter_req req = {
		.chan = chan, .op = op, .timeout_ns = timeout_ns,
	};
	const struct waiter_res *res;
	struct waiter w;

	waiter_start(&w, &req);
	res = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(res->ret == -1 && res->err == EUSERS, "%s with "
		      "max_waiters blocked: %lld (%s), expected EUSERS",
		      op == WOP_READ ? "read(2)" : "CIPC_IOC_WAIT",
		      (long long)res->ret, errname(res->err));
	ck_assert_msg(res->t_end_ns - res->t_start_ns < 1000 * NS_PER_MS,
		      "EUSERS only after %llu ms",
		      (unsigned long long)((res->t_end_ns - res->t_start_ns) /
					   NS_PER_MS));
	waiter_end(&w);
}

START_TEST(test_max_waiters_eusers)
{
	struct cipc_ctl_channel c = chan_add_ex(CHAN_ANY, 0, SMALL_QUEUE_DEPTH,
						SMALL_MAX_WAITERS);
	struct waiter w[SMALL_MAX_WAITERS + 2];
	struct waiter_req req = { .chan = c.index };
	unsigned int refused = 0, started = 0;
	int fd, nb;
	struct cipc_info info;
	struct cipc_stats st;
	const struct waiter_res *res;
	char buf[8];

	memset(w, 0, sizeof(w));
	ck_assert_uint_eq(c.max_waiters, SMALL_MAX_WAITERS);
	ck_assert_uint_eq(c.queue_depth, SMALL_QUEUE_DEPTH);
	ck_assert_uint_eq(sysfs_ull(c.index, "max_waiters"),
			  SMALL_MAX_WAITERS);
	ck_assert_uint_eq(sysfs_ull(c.index, "queue_depth"),
			  SMALL_QUEUE_DEPTH);
	fd = chan_open(c.index, O_RDWR);
	nb = chan_open(c.index, O_RDONLY | O_NONBLOCK);
	info = get_info(fd);
	ck_assert_uint_eq(info.max_waiters, SMALL_MAX_WAITERS);
	ck_assert_uint_eq(info.queue_depth, SMALL_QUEUE_DEPTH);

	/* max_waiters blocked: read(2) and WAIT forever, both kinds. */
	for (unsigned int i = 0; i < SMALL_MAX_WAITERS; i++) {
		req.op = i % 2 ? WOP_WAIT : WOP_READ;
		req.timeout_ns = CIPC_TIMEOUT_FOREVER;
		waiter_start_blocked(&w[i], &req, fd, i + 1);
		started++;
	}
	info = get_info(fd);
	ck_assert_uint_eq(info.waiters, SMALL_MAX_WAITERS);
	ck_assert_uint_eq(sysfs_ull(c.index, "waiters"), SMALL_MAX_WAITERS);

	/* One more blocking wait: EUSERS at once, every kind. */
	expect_eusers_process(c.index, WOP_READ, 0);
	expect_eusers_process(c.index, WOP_WAIT, CIPC_TIMEOUT_FOREVER);
	refused += 2;
	expect_eusers_now(fd, "CIPC_IOC_WAIT forever", CIPC_TIMEOUT_FOREVER,
			  0, 0);
	expect_eusers_now(fd, "CIPC_IOC_WAIT 2 s", 2000 * NS_PER_MS, 0, 0);
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		expect_eusers_now(fd, "CIPC_IOC_WAIT ABSTIME +2 s",
				  (uint64_t)(ts.tv_sec + 2) * 1000000000ULL +
				  (uint64_t)ts.tv_nsec, CIPC_WAIT_ABSTIME,
				  CLOCK_MONOTONIC);
	}
	refused += 3;

	/* Waits that never block are not refused. */
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_fails(read(nb, buf, sizeof(buf)), EAGAIN);
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	started += 3;

	st = get_stats(fd);
	ck_assert_uint_eq(st.refused, refused);
	ck_assert_uint_eq(st.again, 2);
	ck_assert_uint_eq(st.timeout, 1);
	ck_assert_uint_eq(get_info(fd).waiters, SMALL_MAX_WAITERS);

	/* One leaves, released by a complete (FIFO: the first): room. */
	ck_ok(ioc_complete(fd, "r", 1));
	res = waiter_result(&w[0], RELEASE_MS);
	ck_assert_msg(res->ret == 1 && res->msg[0] == 'r', "released waiter: "
		      "%lld (%s)", (long long)res->ret, errname(res->err));
	ck_assert(wait_waiters(fd, SMALL_MAX_WAITERS - 1, SETTLE_MS));
	req.op = WOP_WAIT;
	req.timeout_ns = 60000 * NS_PER_MS;
	waiter_start_blocked(&w[SMALL_MAX_WAITERS], &req, fd,
			     SMALL_MAX_WAITERS);
	started++;
	expect_eusers_now(fd, "CIPC_IOC_WAIT after one was replaced",
			  CIPC_TIMEOUT_FOREVER, 0, 0);
	refused++;

	/* One leaves by dying: room for one. */
	waiter_end(&w[1]);
	ck_assert_msg(wait_waiters(fd, SMALL_MAX_WAITERS - 1, SETTLE_MS),
		      "a killed waiter still counts: waiters %u",
		      get_waiters(fd));
	req.op = WOP_READ;
	waiter_start_blocked(&w[SMALL_MAX_WAITERS + 1], &req, fd,
			     SMALL_MAX_WAITERS);
	started++;
	expect_eusers_process(c.index, WOP_READ, 0);
	refused++;

	st = get_stats(fd);
	ck_assert_uint_eq(st.refused, refused);

	/* complete_all releases them all. */
	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 2; i < SMALL_MAX_WAITERS + 2; i++) {
		res = waiter_result(&w[i], RELEASE_MS);
		ck_assert_msg(res->ret >= 0, "waiter %u after complete_all: %s",
			      i, errname(res->err));
		waiter_end(&w[i]);
	}
	ck_assert(wait_waiters(fd, 0, SETTLE_MS));
	/* Refused waits are in refused only, not in wait. */
	st = get_stats(fd);
	ck_assert_uint_eq(st.refused, refused);
	ck_assert_uint_eq(st.wait, started);
	ck_assert_uint_eq(st.woken, 1 + SMALL_MAX_WAITERS);
	ck_assert_uint_eq(st.interrupted, 1);	/* the killed one */
	expect_stats_invariant(&st);
	waiter_end(&w[0]);
	close(nb);
	close(fd);
	chan_remove(c.index);
}
END_TEST

/* queue_depth of an added channel: the third message is refused. */
START_TEST(test_queue_depth_small)
{
	struct cipc_ctl_channel c = chan_add_ex(CHAN_ANY, 0, SMALL_QUEUE_DEPTH,
						SMALL_MAX_WAITERS);
	int fd = chan_open(c.index, O_RDWR);

	ck_ok(ioc_complete(fd, "1", 1));
	ck_ok(ioc_complete(fd, "2", 1));
	ck_fails(ioc_complete(fd, "3", 1), EAGAIN);
	ck_fails(write(fd, "3", 1), EAGAIN);
	ck_ok(ioc_complete(fd, NULL, 0));	/* no message: no room needed */
	ck_assert_uint_eq(get_info(fd).count, 3);
	ck_assert_uint_eq(get_info(fd).queued, 2);
	ck_assert_uint_eq(get_stats(fd).full, 2);
	expect_message(fd, "1", 1);
	expect_message(fd, "2", 1);
	close(fd);
	chan_remove(c.index);
}
END_TEST

/* ---- page faults per round trip --------------------------------------- */

static long minflt_now(void)
{
	struct rusage ru;

	ck_assert_msg(getrusage(RUSAGE_SELF, &ru) == 0, "getrusage: %s",
		      errname(errno));
	return ru.ru_minflt;
}

/*
 * write(2) + read(2) of 1 byte, uncontended, in one process, with a buffer
 * that is touched already: no page fault per round (the old driver took
 * one in fault_in_safe_writeable() before every read).
 */
START_TEST(test_minflt_read_write)
{
	int fd = chan_open(0, O_RDWR);
	static char buf[1];
	long f0, faults;

	buf[0] = 0;
	for (unsigned int i = 0; i < PINGPONG_WARMUP; i++) {
		ck_assert_int_eq(write(fd, "x", 1), 1);
		ck_assert_int_eq(read(fd, buf, 1), 1);
	}
	f0 = minflt_now();
	for (unsigned int i = 0; i < PINGPONG_ROUNDS; i++) {
		if (write(fd, "x", 1) != 1 || read(fd, buf, 1) != 1)
			ck_abort_msg("round %u: %s", i, errname(errno));
	}
	faults = minflt_now() - f0;
	fprintf(stderr, "note: write+read round trip: %ld minor faults in %d "
		"rounds\n", faults, PINGPONG_ROUNDS);
	ck_assert_msg(faults < MAX_FAULTS, "%ld minor page faults in %d "
		      "write+read round trips (%.3f per round, allowed < 0.01)",
		      faults, PINGPONG_ROUNDS,
		      (double)faults / PINGPONG_ROUNDS);
	ck_assert_int_eq(buf[0], 'x');
	close(fd);
}
END_TEST

/* The same with CIPC_IOC_COMPLETE + CIPC_IOC_WAIT. */
START_TEST(test_minflt_ioctl)
{
	int fd = chan_open(0, O_RDWR);
	static char buf[1];
	static struct cipc_signal sig;
	static struct cipc_wait w;
	long f0 = 0, faults;

	for (unsigned int i = 0; i < PINGPONG_WARMUP + PINGPONG_ROUNDS; i++) {
		if (i == PINGPONG_WARMUP)
			f0 = minflt_now();
		sig = (struct cipc_signal){
			.msg = (uintptr_t)"y", .msg_len = 1,
			.flags = CIPC_SIGNAL_MSG,
		};
		w = (struct cipc_wait){
			.timeout_ns = CIPC_TIMEOUT_FOREVER,
			.msg = (uintptr_t)buf, .msg_size = 1,
		};
		if (ioctl(fd, CIPC_IOC_COMPLETE, &sig) != 0 ||
		    ioctl(fd, CIPC_IOC_WAIT, &w) != 0)
			ck_abort_msg("round %u: %s", i, errname(errno));
	}
	faults = minflt_now() - f0;
	fprintf(stderr, "note: COMPLETE+WAIT round trip: %ld minor faults in "
		"%d rounds\n", faults, PINGPONG_ROUNDS);
	ck_assert_msg(faults < MAX_FAULTS, "%ld minor page faults in %d "
		      "COMPLETE+WAIT round trips (%.3f per round, allowed < "
		      "0.01)", faults, PINGPONG_ROUNDS,
		      (double)faults / PINGPONG_ROUNDS);
	ck_assert_int_eq(buf[0], 'y');
	ck_assert_uint_eq(w.msg_len, 1);
	close(fd);
}
END_TEST

/*
 * Messages of 257..4096 bytes on a channel with msg_max 4096: queued in
 * order, each arrives whole through read(2) and WAIT, a blocked reader
 * included.
 */
START_TEST(test_big_messages)
{
	static const uint32_t sizes[] = { 257, 1000, 4095, 4096 };
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	struct cipc_ctl_channel c = chan_add_ex(CHAN_ANY, CIPC_MSG_MAX_LIMIT,
						NS, 0);
	char *out = malloc(CIPC_MSG_MAX_LIMIT), *in = malloc(MSG_BUF_SIZE);
	struct waiter_req req = {
		.chan = c.index, .op = WOP_READ, .bufsize = CIPC_MSG_MAX_LIMIT,
	};
	struct waiter wt;
	const struct waiter_res *res;
	int fd;

	ck_assert(out && in);
	ck_assert_uint_eq(c.msg_max, CIPC_MSG_MAX_LIMIT);
	fd = chan_open(c.index, O_RDWR);
	for (int round = 0; round < 2; round++) {
		for (int k = 0; k < NS; k++) {
			for (uint32_t i = 0; i < sizes[k]; i++)
				out[i] = (char)(i * 7 + k + 13 * round);
			if (round == 0)
				ck_assert_int_eq(ck_ok(write(fd, out,
							     sizes[k])),
						 (int)sizes[k]);
			else
				ck_ok(ioc_complete(fd, out, sizes[k]));
		}
		ck_assert_uint_eq(get_info(fd).queued, NS);
		for (int k = 0; k < NS; k++) {
			struct cipc_wait w;

			for (uint32_t i = 0; i < sizes[k]; i++)
				out[i] = (char)(i * 7 + k + 13 * round);
			memset(in, 0, MSG_BUF_SIZE);
			if (round == 0) {
				ck_assert_int_eq(ck_ok(read(fd, in,
							    MSG_BUF_SIZE)),
						 (int)sizes[k]);
			} else {
				ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, in,
					       MSG_BUF_SIZE, &w));
				ck_assert_uint_eq(w.msg_len, sizes[k]);
			}
			ck_assert_msg(memcmp(in, out, sizes[k]) == 0,
				      "message %d (%u bytes) corrupted", k,
				      sizes[k]);
		}
	}
	/* A blocked reader gets a 4096-byte message whole. */
	waiter_start_blocked(&wt, &req, fd, 1);
	memset(out, 'Z', CIPC_MSG_MAX_LIMIT);
	ck_ok(ioc_complete(fd, out, CIPC_MSG_MAX_LIMIT));
	res = waiter_result(&wt, RELEASE_MS);
	ck_assert_int_eq(res->ret, CIPC_MSG_MAX_LIMIT);
	ck_assert(memcmp(res->msg, out, CIPC_MSG_MAX_LIMIT) == 0);
	waiter_end(&wt);
	free(in);
	free(out);
	close(fd);
	chan_remove(c.index);
}
END_TEST

Suite *limits_suite(void)
{
	Suite *s = suite_create("limits");
	TCase *tc = abi_neutral_tcase("limits", TEST_TIMEOUT_S);
	TCase *ctl = limits_ctl_tcase("limits_ctl", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_minflt_read_write);
	tcase_add_test(tc, test_minflt_ioctl);
	tcase_add_test(tc, test_max_waiters_param);
	suite_add_tcase(s, tc);
	tcase_add_test(ctl, test_max_waiters_eusers);
	tcase_add_test(ctl, test_queue_depth_small);
	tcase_add_test(ctl, test_big_messages);
	suite_add_tcase(s, ctl);
	return s;
}
