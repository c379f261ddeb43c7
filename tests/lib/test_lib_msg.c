// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-lib-tests: the semantics of libcipc 1.0 against the driver.
 *
 * Case "msg" (channel 0, the fixture of test_lib_vm.c's case "driver"):
 * one message per signal in a FIFO, with its sequence number, generation
 * and flags in struct cipc_msg_info; EAGAIN when the queue is full;
 * complete_all() after queued messages; reinit discarding; the latch of a
 * handle; deadlines on both clocks (past, future, restarted by SA_RESTART
 * without moving); cipc_list_channels().
 *
 * The case "msg-control" is in test_lib_msgctl.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by lib-tests.mk */
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "libvm.h"

/* Receives through ch without blocking: must pass, returns the length. */
static ssize_t take(struct cipc_channel *ch, char *buf, size_t size,
		    struct cipc_msg_info *mi)
{
	return ck_ok(cipc_channel_tryreceive(ch, buf, size, mi));
}

/* One counter, through the library. */
static uint64_t lib_stat(struct cipc_channel *ch, enum cipc_stat stat)
{
	struct cipc_channel_stats *st = ck_ok_ptr(cipc_channel_get_stats(ch));
	uint64_t v = cipc_channel_stats_get(st, stat);

	cipc_channel_stats_free(st);
	return v;
}

/* ---- the message queue ------------------------------------------------ */

/* Each signal's own message, in order, with its seq; none stays behind. */
START_TEST(test_msg_fifo)
{
	static const char *const msgs[] = { "first", "second", "", "fourth" };
	struct cipc_channel *ch = open_ch(O_RDWR);
	uint64_t seq[5], gen = raw_info().generation;
	struct cipc_msg_info mi;
	char buf[64];

	for (int i = 0; i < 4; i++) {
		ck_ok(cipc_channel_send(ch, msgs[i], strlen(msgs[i]),
					CIPC_SEND_ONE, &seq[i]));
		ck_assert_uint_eq(seq[i], raw_info().seq);
		if (i)
			ck_assert_uint_eq(seq[i], seq[i - 1] + 1);
	}
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_ONE, &seq[4]));
	ck_assert_uint_eq(seq[4], seq[3] + 1);
	ck_assert_uint_eq(raw_info().queued, 4);	/* the last has none */
	ck_assert_uint_eq(raw_count(), 5);
	ck_assert_uint_eq(raw_info().msg_len, strlen(msgs[0]));

	for (int i = 0; i < 4; i++) {
		memset(&mi, 0xa5, sizeof(mi));
		ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi),
				 (ssize_t)strlen(msgs[i]));
		ck_assert_mem_eq(buf, msgs[i], strlen(msgs[i]));
		ck_assert_uint_eq(mi.len, strlen(msgs[i]));
		ck_assert_uint_eq(mi.seq, seq[i]);
		ck_assert_uint_eq(mi.generation, gen);
		ck_assert_uint_eq(mi.flags, CIPC_MSG_HAS_MSG);
	}
	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 0);
	ck_assert_uint_eq(mi.seq, seq[4]);
	ck_assert_uint_eq(mi.flags, 0);
	/* Nothing left: no "current message" is delivered again. */
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 0);
	ck_assert_uint_eq(mi.len, 0);
	ck_assert_uint_eq(mi.flags, 0);
	ck_fails(cipc_channel_tryreceive(ch, buf, sizeof(buf), &mi), EAGAIN);
	ck_assert_uint_eq(raw_info().queued, 0);
	cipc_channel_close(ch);
}
END_TEST

/* Two blocked readers, "A" then "B": one gets A, the other B. */
START_TEST(test_msg_two_readers)
{
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq rq = { .op = W_RECEIVE,
		.timeout_ns = CIPC_TIMEOUT_INFINITE };
	const struct wres *r[2];
	struct waiter w[2];
	uint64_t sa, sb;

	waiter_start_blocked(&w[0], &rq, 1);
	waiter_start_blocked(&w[1], &rq, 2);
	ck_ok(cipc_channel_send(ch, "A", 1, CIPC_SEND_ONE, &sa));
	ck_ok(cipc_channel_send(ch, "B", 1, CIPC_SEND_ONE, &sb));
	r[0] = waiter_result(&w[0], RELEASE_MS);
	r[1] = waiter_result(&w[1], RELEASE_MS);
	ck_assert_int_eq(r[0]->ret, 1);
	ck_assert_int_eq(r[1]->ret, 1);
	ck_assert_msg(r[0]->msg[0] != r[1]->msg[0], "both readers got '%c'",
		      r[0]->msg[0]);
	/* Which gets which is the scheduler's business (both were
	 * released), but each message goes with its own seq. */
	for (int i = 0; i < 2; i++)
		ck_assert_uint_eq(r[i]->mi.seq, r[i]->msg[0] == 'A' ? sa : sb);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	cipc_channel_close(ch);
}
END_TEST

/* A full queue: EAGAIN for a message, nothing changed; room comes back. */
START_TEST(test_queue_full)
{
	REQUIRE_MSG_MAX(12);
	struct cipc_channel *ch = open_ch(O_RDWR);
	unsigned int depth = raw_info().queue_depth;
	struct cipc_info before;
	struct cipc_msg_info mi;
	uint64_t seq = 77, first = 0;
	char buf[32];

	ck_assert_uint_eq(depth, param("queue_depth"));
	for (unsigned int i = 0; i < depth; i++) {
		snprintf(buf, sizeof(buf), "m%u", i);
		ck_ok(cipc_channel_send(ch, buf, strlen(buf), CIPC_SEND_ONE,
					i ? NULL : &first));
	}
	before = raw_info();
	ck_assert_uint_eq(before.queued, depth);
	ck_fails(cipc_channel_send(ch, "one too many", 12, CIPC_SEND_ONE,
				   &seq), EAGAIN);
	ck_fails(cipc_channel_send(ch, "x", 1, CIPC_SEND_MODE, NULL), EAGAIN);
	ck_fails(cipc_channel_send(ch, "", 0, CIPC_SEND_ONE, NULL), EAGAIN);
	ck_assert_uint_eq(seq, 77);		/* untouched */
	ck_assert_uint_eq(raw_info().seq, before.seq);
	ck_assert_uint_eq(raw_count(), depth);
	ck_assert_uint_eq(raw_stats().full, 3);
	ck_assert_uint_eq(sysfs_ull("stats/full"), 3);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_FULL), 3);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_DISCARDED), 0);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_REFUSED), 0);
	ck_assert_uint_eq(raw_stats().complete, depth);
	/* A signal without a message needs no room. */
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_ONE, NULL));
	ck_assert_uint_eq(raw_count(), depth + 2);
	/* One taken, one more fits, at the end of the line. */
	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 2);
	ck_assert_mem_eq(buf, "m0", 2);
	ck_assert_uint_eq(mi.seq, first);
	ck_ok(cipc_channel_send(ch, "last", 4, CIPC_SEND_ONE, &seq));
	for (unsigned int i = 1; i < depth; i++) {
		char want[16];

		snprintf(want, sizeof(want), "m%u", i);
		ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi),
				 (ssize_t)strlen(want));
		ck_assert_mem_eq(buf, want, strlen(want));
		ck_assert_uint_eq(mi.seq, first + i);
	}
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 0);
		ck_assert_uint_eq(mi.flags, 0);
	}
	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 4);
	ck_assert_uint_eq(mi.seq, seq);
	cipc_channel_close(ch);
}
END_TEST

/*
 * complete_all() after queued messages: they come out first, then its
 * message for every wait; complete() meanwhile changes nothing.
 */
START_TEST(test_all_after_queue)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	uint64_t sa, sall, s3, gen = raw_info().generation;
	struct cipc_msg_info mi;
	char buf[32];

	ck_ok(cipc_channel_send(ch, "A", 1, CIPC_SEND_ONE, &sa));
	ck_ok(cipc_channel_send(ch, "B", 1, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_send(ch, "ALL", 3, CIPC_SEND_ALL, &sall));
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().queued, 2);
	/*
	 * In the "all" state complete() changes nothing, keeps no message and
	 * uses no sequence number (seq 0).
	 */
	ck_ok(cipc_channel_send(ch, "lost", 4, CIPC_SEND_ONE, &s3));
	ck_assert_uint_eq(s3, 0);
	ck_assert_uint_eq(raw_info().seq, sall);
	ck_assert_uint_eq(raw_info().queued, 2);
	ck_assert_uint_eq(raw_stats().discarded, 1);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_DISCARDED), 1);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_FULL), 0);

	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 1);
	ck_assert_mem_eq(buf, "A", 1);
	ck_assert_uint_eq(mi.seq, sa);
	ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 1);
	ck_assert_mem_eq(buf, "B", 1);
	ck_assert_uint_eq(mi.seq, sa + 1);
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(take(ch, buf, sizeof(buf), &mi), 3);
		ck_assert_mem_eq(buf, "ALL", 3);
		ck_assert_uint_eq(mi.seq, sall);
		ck_assert_uint_eq(mi.generation, gen);
		ck_assert_uint_eq(mi.flags, CIPC_MSG_ALL | CIPC_MSG_HAS_MSG);
	}
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	ck_ok(cipc_channel_reinit(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	ck_assert_uint_eq(raw_info().generation, gen + 1);
	cipc_channel_close(ch);
}
END_TEST

/* reinit discards counts and messages not taken, and counts them. */
START_TEST(test_reinit_discards)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_info ki;

	ck_ok(cipc_channel_send(ch, "one", 3, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_send(ch, "two", 3, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_reinit(ch));
	ki = raw_info();
	ck_assert_uint_eq(ki.count, 0);
	ck_assert_uint_eq(ki.queued, 0);
	ck_assert_uint_eq(ki.msg_len, 0);
	ck_assert_uint_eq(raw_stats().discarded, 3);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_DISCARDED), 3);
	ck_assert_uint_eq(lib_stat(ch, CIPC_STAT_REINIT), 1);
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	/* complete() then reinit is not latched: reinit discards counts. */
	ck_fails(cipc_channel_trywait(ch), EAGAIN);
	cipc_channel_close(ch);
}
END_TEST

/* A handle that saw the channel not done sees a complete_all() once. */
START_TEST(test_latch)
{
	struct cipc_channel *sig = open_ch(O_WRONLY);
	struct cipc_channel *h1 = open_ch(O_RDONLY);	/* sees nothing */
	struct cipc_channel *h3 = open_ch(O_RDONLY);	/* waits in "all" */
	struct cipc_channel *h2;
	uint64_t gen = raw_info().generation, s1, s2;
	struct cipc_msg_info mi;
	struct pollfd pfd;
	char buf[16];

	ck_ok(cipc_channel_send(sig, "L1", 2, CIPC_SEND_ALL, &s1));
	ck_ok(cipc_channel_trywait(h3));
	ck_ok(cipc_channel_reinit(sig));
	ck_assert(!(raw_info().flags & CIPC_INFO_ALL));
	ck_assert_int_eq(ck_ok(cipc_channel_done(h1)), 0);  /* no latch */
	/* h1 sees it: poll, then one wait, with what it would have got. */
	pfd = (struct pollfd){ .fd = cipc_channel_fd(h1), .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 0), 1);
	ck_assert_int_eq(take(h1, buf, sizeof(buf), &mi), 2);
	ck_assert_mem_eq(buf, "L1", 2);
	ck_assert_uint_eq(mi.seq, s1);
	ck_assert_uint_eq(mi.generation, gen);
	ck_assert_uint_eq(mi.flags, CIPC_MSG_ALL | CIPC_MSG_LATCHED |
			  CIPC_MSG_HAS_MSG);
	ck_fails(cipc_channel_trywait(h1), EAGAIN);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	/* h3 saw it in the "all" state; a handle opened later never did. */
	ck_fails(cipc_channel_trywait(h3), EAGAIN);
	h2 = open_ch(O_RDONLY);
	ck_fails(cipc_channel_wait(h2, 0), ETIMEDOUT);

	/* Two rounds missed: the latest, once, by any kind of wait. */
	ck_ok(cipc_channel_send(sig, "R1", 2, CIPC_SEND_ALL, NULL));
	ck_ok(cipc_channel_reinit(sig));
	ck_ok(cipc_channel_send(sig, NULL, 0, CIPC_SEND_ALL, &s2));
	ck_ok(cipc_channel_reinit(sig));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(h2, buf, sizeof(buf),
						    60000 * NS_PER_MS, &mi)),
			 0);
	ck_assert_uint_eq(mi.seq, s2);
	ck_assert_uint_eq(mi.generation, gen + 2);
	ck_assert_uint_eq(mi.flags, CIPC_MSG_ALL | CIPC_MSG_LATCHED);
	ck_fails(cipc_channel_wait(h2, 0), ETIMEDOUT);
	ck_assert_int_eq(ck_ok(cipc_channel_wait(h1, 0)), 0);
	ck_fails(cipc_channel_trywait(h1), EAGAIN);
	cipc_channel_close(h2);
	cipc_channel_close(h3);
	cipc_channel_close(h1);
	cipc_channel_close(sig);
}
END_TEST

/* ---- deadlines -------------------------------------------------------- */

static const clockid_t clocks[] = { CLOCK_MONOTONIC, CLOCK_REALTIME };

/* A deadline already past tries once; other clocks are refused. */
START_TEST(test_wait_until_past)
{
	static const clockid_t bad[] = { CLOCK_BOOTTIME,
		CLOCK_PROCESS_CPUTIME_ID, CLOCK_MONOTONIC_RAW, -1, 42 };
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_msg_info mi = { .len = 99 };
	struct cipc_stats st;
	char buf[8];
	uint64_t t0;

	t0 = now_ms();
	for (size_t c = 0; c < 2; c++) {
		int64_t past = clock_ns(clocks[c]) - 1000 * NS_PER_MS;

		ck_fails(cipc_channel_wait_until(ch, clocks[c], past),
			 ETIMEDOUT);
		ck_fails(cipc_channel_wait_until(ch, clocks[c], 0), ETIMEDOUT);
		ck_fails(cipc_channel_wait_until(ch, clocks[c], INT64_MIN),
			 ETIMEDOUT);
		ck_fails(cipc_channel_receive_until(ch, buf, sizeof(buf),
						    clocks[c], past, &mi),
			 ETIMEDOUT);
		/* Done: a past deadline passes, as trywait would. */
		ck_ok(cipc_channel_send(ch, "ok", 2, CIPC_SEND_ONE, NULL));
		ck_assert_int_eq(ck_ok(cipc_channel_receive_until(ch, buf,
					sizeof(buf), clocks[c], past, &mi)), 2);
		ck_assert_mem_eq(buf, "ok", 2);
	}
	ck_assert_uint_lt(now_ms() - t0, RELEASE_MS);
	st = raw_stats();
	ck_assert_uint_eq(st.timeout, 8);
	ck_assert_uint_eq(st.woken, 2);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_fails(cipc_channel_wait_until(ch, bad[i], 0), EINVAL);
		ck_fails(cipc_channel_receive_until(ch, buf, sizeof(buf),
						    bad[i], INT64_MAX, &mi),
			 EINVAL);
	}
	ck_assert_uint_eq(raw_stats().wait, st.wait);	/* never reached */
	cipc_channel_close(ch);
}
END_TEST

/* A deadline ahead: not a moment before it, on either clock. */
START_TEST(test_wait_until_future)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct wreq rq = { .op = W_RECEIVE_UNTIL };
	struct waiter w;
	const struct wres *r;
	uint64_t seq;

	for (size_t c = 0; c < 2; c++) {
		int64_t dl = clock_ns(clocks[c]) + 200 * NS_PER_MS;

		ck_fails(cipc_channel_wait_until(ch, clocks[c], dl),
			 ETIMEDOUT);
		ck_assert_msg(clock_ns(clocks[c]) >= dl, "clock %d: returned "
			      "%lld ns before the deadline", (int)clocks[c],
			      (long long)(dl - clock_ns(clocks[c])));
		ck_assert_int_lt(clock_ns(clocks[c]), dl + RELEASE_MS *
				 NS_PER_MS);

		/* A waiter with a far deadline is released by a signal. */
		rq.clock = clocks[c];
		rq.timeout_ns = clock_ns(clocks[c]) + 60000 * NS_PER_MS;
		waiter_start_blocked(&w, &rq, 1);
		ck_ok(cipc_channel_send(ch, "hi", 2, CIPC_SEND_ONE, &seq));
		r = waiter_result(&w, RELEASE_MS);
		ck_assert_int_eq(r->ret, 2);
		ck_assert_mem_eq(r->msg, "hi", 2);
		ck_assert_uint_eq(r->mi.seq, seq);
		waiter_end(&w);
		ck_assert(wait_waiters(0, SETTLE_MS));
	}
	cipc_channel_close(ch);
}
END_TEST

/*
 * A handler with SA_RESTART during a timed wait: the wait goes on and ends
 * at its first deadline, not one moved by the restart. The signal comes
 * at least 800 ms after the wait started, so a deadline counted again
 * from the restart would end it at least 2 s after the signal.
 */
static void restart_keeps_deadline(struct wreq *rq)
{
	struct waiter w;
	const struct wres *r;
	uint64_t sig_ns;

	rq->sig = S_RESTART;
	waiter_start_blocked(&w, rq, 1);
	sleep_ms(800);
	sig_ns = now_ns();
	ck_assert_int_eq(kill(w.pid, SIGUSR1), 0);
	ck_assert_msg(waiter_saw_signal(&w, SETTLE_MS), "handler did not run");
	r = waiter_result(&w, 2000 + RELEASE_MS);
	ck_assert_msg(r->ret == -1 && r->err == ETIMEDOUT, "restarted wait "
		      "returned %lld (%s), not ETIMEDOUT", (long long)r->ret,
		      errname(r->err));
	/* Never early (W_RECEIVE_UNTIL: its deadline was set before the
	 * waiter started, see t_end_clock_ns below). */
	if (rq->op == W_WAIT)
		ck_assert_msg(r->t_end_ns - r->t_start_ns >= 2000 * NS_PER_MS,
			      "a 2 s wait ended after %llu ms",
			      (unsigned long long)(r->t_end_ns -
						   r->t_start_ns) / NS_PER_MS);
	ck_assert_msg(r->t_end_ns < sig_ns + 1700 * NS_PER_MS, "the wait "
		      "ended %llu ms after the signal: the restart moved "
		      "its deadline",
		      (unsigned long long)(r->t_end_ns - sig_ns) / NS_PER_MS);
	if (rq->op == W_RECEIVE_UNTIL)
		ck_assert_int_ge(r->t_end_clock_ns, rq->timeout_ns);
	ck_assert_uint_eq(raw_stats().interrupted, 1);
	waiter_end(&w);
}

START_TEST(test_restart_keeps_deadline)
{
	struct wreq rq = { .op = W_WAIT, .timeout_ns = 2000 * NS_PER_MS };

	restart_keeps_deadline(&rq);
}
END_TEST

START_TEST(test_restart_keeps_deadline_realtime)
{
	struct wreq rq = { .op = W_RECEIVE_UNTIL, .clock = CLOCK_REALTIME };

	rq.timeout_ns = clock_ns(CLOCK_REALTIME) + 2000 * NS_PER_MS;
	restart_keeps_deadline(&rq);
}
END_TEST

/* ---- cipc_list_channels() --------------------------------------------- */

START_TEST(test_list_channels)
{
	ck_assert_int_eq(ck_ok(cipc_list_channels(NULL, 0)),
			 (ssize_t)param("channels"));
	expect_list();
	ck_fails(cipc_list_channels(NULL, 1), EINVAL);
}
END_TEST

TCase *lib_msg_tcase(void)
{
	TCase *tc = tcase_create("msg");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_msg_fifo);
	tcase_add_test(tc, test_msg_two_readers);
	tcase_add_test(tc, test_queue_full);
	tcase_add_test(tc, test_all_after_queue);
	tcase_add_test(tc, test_reinit_discards);
	tcase_add_test(tc, test_latch);
	tcase_add_test(tc, test_wait_until_past);
	tcase_add_test(tc, test_wait_until_future);
	tcase_add_test(tc, test_restart_keeps_deadline);
	tcase_add_test(tc, test_restart_keeps_deadline_realtime);
	tcase_add_test(tc, test_list_channels);
	return tc;
}

