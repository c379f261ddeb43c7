// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "queue": the message queue of a channel (issue 11, finding 2).
 *
 * Each complete() carries its own message into a FIFO of queue_depth
 * messages, and the wait that takes that count takes that message: two
 * readers released by write("A") and write("B") get A and B, never B
 * twice (the old driver kept one "current message", which the second write
 * overwrote before the first reader copied it). Also: FIFO order and seq
 * numbers without waiters, a full queue (EAGAIN, nothing changed, the
 * message-less complete still counts), complete_all after queued messages,
 * REINIT discarding the queue, the seq written back by the signal ioctls.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define ROUNDS		24	/* of the racing readers */
#define N_READERS	4

static const struct waiter_req reader = { .chan = 0, .op = WOP_READ };

/*
 * Start n readers blocked on channel 0, send n messages "m0".."m<n-1>"
 * back to back (write(2) or CIPC_IOC_COMPLETE), and check that every
 * message was received exactly once, whole.
 */
static void readers_get_each_once(int fd, unsigned int n, bool by_ioctl,
				  unsigned int round)
{
	struct waiter w[N_READERS];
	unsigned int got[N_READERS] = { 0 };
	char msg[N_READERS][8];

	ck_assert_uint_le(n, N_READERS);
	for (unsigned int i = 0; i < n; i++)
		waiter_start_blocked(&w[i], &reader, fd, i + 1);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(msg[i], sizeof(msg[i]), "m%c", 'A' + i);
		if (by_ioctl)
			ck_ok(ioc_complete(fd, msg[i], 2));
		else
			ck_assert_int_eq(ck_ok(write(fd, msg[i], 2)), 2);
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct waiter_res *r = waiter_result(&w[i], RELEASE_MS);
		unsigned int k;

		ck_assert_msg(r->ret == 2, "round %u: reader %u returned %lld "
			      "(%s), expected a 2-byte message", round, i,
			      (long long)r->ret, errname(r->err));
		for (k = 0; k < n; k++)
			if (!memcmp(r->msg, msg[k], 2))
				break;
		ck_assert_msg(k < n, "round %u: reader %u got \"%.2s\", not one "
			      "of the messages sent", round, i, r->msg);
		got[k]++;
	}
	for (unsigned int k = 0; k < n; k++)
		ck_assert_msg(got[k] == 1, "round %u: message \"%s\" was "
			      "received %u times by %u readers (each must get "
			      "its own: a message lost, another duplicated)",
			      round, msg[k], got[k], n);
	for (unsigned int i = 0; i < n; i++)
		waiter_end(&w[i]);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_uint_eq(get_queued(fd), 0);
}

/* Finding 2: two blocked readers, write("A") then write("B") at once. */
START_TEST(test_two_readers_get_a_and_b)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);

	for (unsigned int round = 0; round < ROUNDS; round++)
		readers_get_each_once(fd, 2, round % 2, round);
	close(fd);
}
END_TEST

/* The same with N readers and N messages. */
START_TEST(test_n_readers_get_each_message_once)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);

	if (get_info(fd).queue_depth < N_READERS) {
		fprintf(stderr, "note: %s skipped: queue_depth < %u\n",
			__func__, N_READERS);
		close(fd);
		return;
	}
	for (unsigned int round = 0; round < ROUNDS / 2; round++)
		readers_get_each_once(fd, N_READERS, round % 2, round);
	close(fd);
}
END_TEST

/*
 * Without waiters: N completes with messages, then N waits get them in
 * order, each with the seq its complete got (one more each time) and the
 * generation; queued and msg_len follow the head.
 */
START_TEST(test_fifo_order_and_seq)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct cipc_info info = get_info(fd);
	unsigned int n = info.queue_depth < 8 ? info.queue_depth : 8;
	uint64_t gen = info.generation, seq0 = info.seq, seq[8];
	char msg[8];

	for (unsigned int i = 0; i < n; i++) {
		/* Lengths 1..n, so msg_len tells the head too. */
		memset(msg, '0' + (int)i, sizeof(msg));
		ck_ok(ioc_complete_seq(fd, msg, i + 1, &seq[i]));
		ck_assert_msg(seq[i] == seq0 + i + 1, "complete #%u got seq "
			      "%llu, expected %llu", i,
			      (unsigned long long)seq[i],
			      (unsigned long long)(seq0 + i + 1));
		info = get_info(fd);
		ck_assert_uint_eq(info.seq, seq[i]);
		ck_assert_uint_eq(info.queued, i + 1);
		ck_assert_uint_eq(info.count, i + 1);
		ck_assert_uint_eq(info.msg_len, 1);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct cipc_wait w;
		char buf[16];

		info = get_info(fd);
		ck_assert_uint_eq(info.msg_len, i + 1);
		memset(buf, 0, sizeof(buf));
		if (i % 2)
			ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
		else
			ck_ok(ioc_wait(fd, 0, buf, sizeof(buf), &w));
		memset(msg, '0' + (int)i, sizeof(msg));
		ck_assert_msg(w.msg_len == i + 1 && !memcmp(buf, msg, i + 1),
			      "wait #%u got \"%.*s\" (%u bytes), expected the "
			      "message of complete #%u", i,
			      (int)(w.msg_len < 16 ? w.msg_len : 16), buf,
			      w.msg_len, i);
		ck_assert_uint_eq(w.seq, seq[i]);
		ck_assert_uint_eq(w.generation, gen);
		ck_assert_uint_eq(w.result, CIPC_WAIT_MSG);
		ck_assert_uint_eq(get_queued(fd), n - i - 1);
	}
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	/* Waits take nothing from seq: it numbers signals. */
	ck_assert_uint_eq(get_seq(fd), seq0 + n);
	close(fd);
}
END_TEST

/* Messages and message-less completes interleave in one FIFO of counts. */
START_TEST(test_fifo_mixed_with_messageless)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint64_t s1, s2, s3;
	struct cipc_wait w;
	char buf[16];

	ck_ok(ioc_complete_seq(fd, "one", 3, &s1));
	ck_ok(ioc_complete_seq(fd, NULL, 0, &s2));
	ck_ok(ioc_complete_seq(fd, "three", 5, &s3));
	ck_assert_uint_eq(get_count(fd), 3);
	ck_assert_uint_eq(get_queued(fd), 2);
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.seq, s1);
	ck_assert_uint_eq(w.msg_len, 3);
	ck_assert_uint_eq(w.result, CIPC_WAIT_MSG);
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.seq, s2);
	ck_assert_uint_eq(w.msg_len, 0);
	ck_assert_uint_eq(w.result, 0);
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.seq, s3);
	ck_assert_uint_eq(w.msg_len, 5);
	ck_assert_mem_eq(buf, "three", 5);
	close(fd);
}
END_TEST

/*
 * A full queue: a complete() or write() with a message fails with EAGAIN
 * and changes nothing but stats.full (no count, no seq, no message); one
 * without a message still counts. Draining gives back every message.
 */
START_TEST(test_queue_full)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint32_t depth = get_info(fd).queue_depth;
	struct chan_snap before, after;
	struct cipc_stats s;
	char msg[8];

	for (uint32_t i = 0; i < depth; i++) {
		snprintf(msg, sizeof(msg), "%u", i % 1000);
		ck_ok(ioc_complete(fd, msg, strlen(msg)));
	}
	ck_assert_uint_eq(get_queued(fd), depth);
	before = snap_take(fd);
	ck_fails(ioc_complete(fd, "over", 4), EAGAIN);
	ck_fails(write(fd, "over", 4), EAGAIN);
	ck_fails(ioc_complete(fd, "", 0), EAGAIN);	/* empty is a message */
	after = snap_take(fd);
	ck_assert_uint_eq(after.stats.full, before.stats.full + 3);
	after.stats.full = before.stats.full;
	snap_expect_same(&before, &after, "a complete with the queue full");

	/* Without a message: counts, queues nothing. */
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_count(fd), depth + 1);
	ck_assert_uint_eq(get_queued(fd), depth);
	ck_assert_uint_eq(get_seq(fd), before.info.seq + 1);

	for (uint32_t i = 0; i < depth; i++) {
		snprintf(msg, sizeof(msg), "%u", i % 1000);
		expect_message(fd, msg, strlen(msg));
		if (i == 0) {
			/* Room for one again. */
			ck_ok(ioc_complete(fd, "late", 4));
			ck_fails(ioc_complete(fd, "later", 5), EAGAIN);
		}
	}
	expect_no_message(fd);
	expect_message(fd, "late", 4);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	s = get_stats(fd);
	ck_assert_uint_eq(s.full, 4);
	ck_assert_uint_eq(s.complete, depth + 2);
	expect_stats_invariant(&s);
	close(fd);
}
END_TEST

/*
 * complete_all after queued messages: waits take the queued messages
 * first, in order, then get complete_all's message, every time; complete()
 * meanwhile changes nothing.
 */
START_TEST(test_complete_all_after_queued)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint64_t sa, sb, sall;
	struct cipc_wait w;
	struct cipc_info info;
	char buf[16];

	ck_ok(ioc_complete_seq(fd, "a", 1, &sa));
	ck_ok(ioc_complete_seq(fd, "b", 1, &sb));
	ck_ok(ioc_complete_all_seq(fd, "all", 3, &sall));
	ck_assert_uint_eq(sall, sb + 1);
	info = get_info(fd);
	ck_assert_uint_eq(info.flags, CIPC_INFO_ALL);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.queued, 2);
	ck_assert_uint_eq(info.msg_len, 1);
	/* Changes nothing: not queued behind a and b. */
	ck_ok(ioc_complete(fd, "x", 1));
	ck_assert_uint_eq(get_queued(fd), 2);

	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_msg(w.msg_len == 1 && buf[0] == 'a' && w.seq == sa,
		      "first wait after complete_all got \"%.*s\" seq %llu, "
		      "expected the queued \"a\" seq %llu",
		      (int)(w.msg_len < 16 ? w.msg_len : 16), buf,
		      (unsigned long long)w.seq, (unsigned long long)sa);
	ck_assert(w.result & CIPC_WAIT_MSG);
	ck_ok(ioc_wait(fd, 0, buf, sizeof(buf), &w));
	ck_assert_msg(w.msg_len == 1 && buf[0] == 'b' && w.seq == sb,
		      "second wait got \"%.*s\" seq %llu, expected \"b\"",
		      (int)(w.msg_len < 16 ? w.msg_len : 16), buf,
		      (unsigned long long)w.seq);
	ck_assert_uint_eq(get_queued(fd), 0);
	for (unsigned int i = 0; i < 3; i++) {
		memset(buf, 0, sizeof(buf));
		ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
		ck_assert_uint_eq(w.msg_len, 3);
		ck_assert_mem_eq(buf, "all", 3);
		ck_assert_uint_eq(w.seq, sall);
		ck_assert_uint_eq(w.result, CIPC_WAIT_ALL | CIPC_WAIT_MSG);
	}
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	close(fd);
}
END_TEST

/* REINIT discards the queued messages and counts them in discarded. */
START_TEST(test_reinit_discards_queued)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint64_t gen = get_generation(fd), seq;
	struct cipc_info info;
	struct cipc_wait w;
	char buf[16];

	ck_ok(ioc_complete(fd, "a", 1));
	ck_ok(ioc_complete(fd, "bb", 2));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(ck_ok(write(fd, "ccc", 3)), 3);
	ck_ok(ioc_reinit(fd));
	info = get_info(fd);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.queued, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	ck_assert_uint_eq(info.generation, gen + 1);
	ck_assert_uint_eq(get_stats(fd).discarded, 4);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	/* None comes back: the next wait gets the next message. */
	ck_ok(ioc_complete_seq(fd, "new", 3, &seq));
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 3);
	ck_assert_mem_eq(buf, "new", 3);
	ck_assert_uint_eq(w.generation, gen + 1);
	ck_assert_uint_eq(w.seq, seq);
	/* The queue has its whole depth again. */
	for (uint32_t i = 0; i < info.queue_depth; i++)
		ck_ok(ioc_complete(fd, "q", 1));
	ck_fails(ioc_complete(fd, "q", 1), EAGAIN);
	close(fd);
}
END_TEST

/*
 * CIPC_IOC_COMPLETE and _ALL write the signal's seq back (the ioctls are
 * _IOWR); every signal, write(2) too, takes the next number; failed
 * signals and REINIT take none.
 */
START_TEST(test_signal_writes_back_seq)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	uint64_t s0 = get_seq(fd), s;
	struct cipc_signal sig;
	char big[MSG_BUF_SIZE];

	memset(&sig, 0, sizeof(sig));
	sig.seq = 0xdeadbeef;	/* an input value is ignored */
	ck_ok(ioctl(fd, CIPC_IOC_COMPLETE, &sig));
	ck_assert_uint_eq(sig.seq, s0 + 1);
	ck_assert_uint_eq(sysfs_ull(0, "seq"), s0 + 1);
	ck_assert_int_eq(ck_ok(write(fd, "w", 1)), 1);
	ck_assert_uint_eq(get_seq(fd), s0 + 2);
	memset(big, 'b', sizeof(big));
	ck_fails(ioc_complete(fd, big, get_info(fd).msg_max + 1), EMSGSIZE);
	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_seq(fd), s0 + 2);
	ck_ok(ioc_complete_seq(fd, "m", 1, &s));
	ck_assert_uint_eq(s, s0 + 3);
	memset(&sig, 0, sizeof(sig));
	sig.msg = (__u64)(uintptr_t)"all";
	sig.msg_len = 3;
	sig.flags = CIPC_SIGNAL_MSG;
	ck_ok(ioctl(fd, CIPC_IOC_COMPLETE_ALL, &sig));
	ck_assert_uint_eq(sig.seq, s0 + 4);
	ck_assert_uint_eq(get_info(fd).seq, s0 + 4);
	close(fd);
}
END_TEST

/* A blocked waiter gets the seq and generation of the signal it took. */
START_TEST(test_blocked_waiter_gets_seq)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	const struct waiter_res *r;
	struct waiter w;
	uint64_t seq;

	ck_ok(ioc_reinit(fd));
	waiter_start_blocked(&w, &req, fd, 1);
	ck_ok(ioc_complete_seq(fd, "hi", 2, &seq));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 0);
	ck_assert_uint_eq(r->msg_len, 2);
	ck_assert_mem_eq(r->msg, "hi", 2);
	ck_assert_uint_eq(r->seq, seq);
	ck_assert_uint_eq(r->generation, get_generation(fd));
	ck_assert_uint_eq(r->result, CIPC_WAIT_MSG);
	waiter_end(&w);

	waiter_start_blocked(&w, &req, fd, 1);
	ck_ok(ioc_complete_all_seq(fd, NULL, 0, &seq));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 0);
	ck_assert_uint_eq(r->msg_len, 0);
	ck_assert_uint_eq(r->seq, seq);
	ck_assert_uint_eq(r->result, CIPC_WAIT_ALL);
	waiter_end(&w);
	close(fd);
}
END_TEST

Suite *queue_suite(void)
{
	Suite *s = suite_create("queue");
	TCase *tc = chan_tcase("queue", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_two_readers_get_a_and_b);
	tcase_add_test(tc, test_n_readers_get_each_message_once);
	tcase_add_test(tc, test_fifo_order_and_seq);
	tcase_add_test(tc, test_fifo_mixed_with_messageless);
	tcase_add_test(tc, test_queue_full);
	tcase_add_test(tc, test_complete_all_after_queued);
	tcase_add_test(tc, test_reinit_discards_queued);
	tcase_add_test(tc, test_signal_writes_back_seq);
	tcase_add_test(tc, test_blocked_waiter_gets_seq);
	suite_add_tcase(s, tc);
	return s;
}
