// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "read": read(2) never returns 0, and a read or wait that cannot
 * deliver takes nothing (issue 11, finding 4).
 *
 *  - read(fd, buf, 0) fails with EINVAL, read(fd, NULL, n) and a read into
 *    memory that cannot be written (unmapped, read-only, a kernel address)
 *    with EFAULT; none of them takes the count or the message. The old
 *    driver let read(fd, NULL, n) take the count and return 0, which reads
 *    as end of file;
 *  - a message-less signal and an empty message read as the one byte
 *    "\n" (the old driver returned 0);
 *  - a buffer that becomes unwritable while the reader is blocked: the
 *    wait is undone when the copy fails, the count and the message go back
 *    to the head of the queue (the old driver lost them);
 *  - CIPC_IOC_WAIT/TRYWAIT with a message buffer, or a struct cipc_wait,
 *    that cannot be written: EFAULT, and the next wait gets the same
 *    message with the same seq.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define PAGE	4096

/*
 * The channel state a failed read must leave alone. Counters may record
 * the attempt, but nothing may be taken: no woken, no bytes out, and the
 * invariant holds.
 */
static void expect_nothing_taken(int fd, const struct chan_snap *before,
				 const char *what)
{
	struct chan_snap after = snap_take(fd);

#define SAME(f) ck_assert_msg(before->info.f == after.info.f,		\
			      "%s changed info." #f " from %llu to %llu",	\
			      what, (unsigned long long)before->info.f,	\
			      (unsigned long long)after.info.f)
	SAME(flags);
	SAME(count);
	SAME(queued);
	SAME(seq);
	SAME(msg_len);
	SAME(waiters);
	SAME(generation);
#undef SAME
	ck_assert_msg(after.stats.woken == before->stats.woken,
		      "%s counted as a wait that passed (woken %llu -> %llu)",
		      what, (unsigned long long)before->stats.woken,
		      (unsigned long long)after.stats.woken);
	ck_assert_msg(after.stats.bytes_out == before->stats.bytes_out,
		      "%s counted bytes out", what);
	expect_stats_invariant(&after.stats);
}

/* read(2) that must return exactly want/len at once. */
static void read_expect(int fd, size_t size, const char *want, size_t len)
{
	char buf[MSG_BUF_SIZE];
	ssize_t n;

	memset(buf, 'Z', sizeof(buf));
	n = read(fd, buf, size);
	ck_assert_msg(n >= 0, "read: %s", errname(errno));
	ck_assert_msg((size_t)n == len && !memcmp(buf, want, len),
		      "read returned %zd \"%.*s\", expected %zu \"%.*s\"", n,
		      (int)(n > 0 && n < 64 ? n : 0), buf, len, (int)len, want);
}

/* read(fd, buf, 0): EINVAL, not 0, and nothing taken, in every state. */
START_TEST(test_read_zero_size_einval)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	int nbfd = chan_open(0, O_RDONLY | O_NONBLOCK);
	struct chan_snap before;
	char buf[8];

	ck_ok(ioc_complete(fd, "abc", 3));
	ck_ok(ioc_complete(fd, NULL, 0));
	before = snap_take(fd);
	ck_fails(read(fd, buf, 0), EINVAL);
	ck_fails(read(nbfd, buf, 0), EINVAL);
	ck_fails(read(fd, NULL, 0), EINVAL);
	expect_nothing_taken(fd, &before, "read(fd, buf, 0)");
	ck_assert_uint_eq(get_count(fd), 2);
	read_expect(fd, sizeof(buf), "abc", 3);
	read_expect(fd, sizeof(buf), "\n", 1);

	/* In the all state too. */
	ck_ok(ioc_complete_all(fd, "all", 3));
	before = snap_take(fd);
	ck_fails(read(fd, buf, 0), EINVAL);
	expect_nothing_taken(fd, &before, "read(fd, buf, 0) in the all state");
	read_expect(fd, sizeof(buf), "all", 3);
	close(nbfd);
	close(fd);
}
END_TEST

/* read(fd, NULL, n) and other bad buffers: EFAULT and nothing taken. */
START_TEST(test_read_bad_buffer_efault)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	char what[64];

	ck_assert_msg(ro != MAP_FAILED, "mmap: %s", errname(errno));
	ck_ok(ioc_complete(fd, "keep", 4));
	ck_ok(ioc_complete(fd, NULL, 0));
	for (int k = 0; k <= BAD_PTR_KINDS; k++) {
		void *p = k < BAD_PTR_KINDS ? bad_ptr(k) : ro;
		struct chan_snap before = snap_take(fd);

		snprintf(what, sizeof(what), "read into bad buffer kind %d%s",
			 k, k == 1 ? " (NULL)" : k == 3 ? " (read-only)" : "");
		errno = 0;
		ck_assert_msg(read(fd, p, 16) == -1 && errno == EFAULT,
			      "%s: expected EFAULT, got %s", what,
			      errno ? errname(errno) : "success");
		expect_nothing_taken(fd, &before, what);
	}
	ck_assert_uint_eq(get_count(fd), 2);
	ck_assert_uint_eq(get_queued(fd), 1);
	/* Both counts are still there, in order. */
	read_expect(fd, 16, "keep", 4);
	read_expect(fd, 16, "\n", 1);
	munmap(ro, PAGE);
	close(fd);
}
END_TEST

/*
 * A message-less signal and an empty message read as "\n": a read that
 * passed never returns 0, whatever the buffer size (1 byte is enough).
 */
START_TEST(test_read_newline_never_zero)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	int nbfd = chan_open(0, O_RDONLY | O_NONBLOCK);
	struct cipc_stats s;
	char buf[8];

	ck_assert_int_eq(ck_ok(write(fd, "", 0)), 0);	/* empty message */
	read_expect(fd, sizeof(buf), "\n", 1);
	ck_ok(ioc_complete(fd, NULL, 0));		/* no message */
	read_expect(fd, 1, "\n", 1);
	ck_ok(ioc_complete(fd, "", 0));			/* empty, ioctl */
	read_expect(nbfd, sizeof(buf), "\n", 1);
	ck_fails(read(nbfd, buf, sizeof(buf)), EAGAIN);
	/* complete_all without a message: every read. */
	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 0; i < 3; i++)
		read_expect(i % 2 ? nbfd : fd, sizeof(buf), "\n", 1);
	ck_ok(ioc_reinit(fd));
	/* Mode all: write(fd, buf, 0) is a complete_all, read as "\n". */
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(fd, buf, 0)), 0);
	read_expect(fd, sizeof(buf), "\n", 1);
	s = get_stats(fd);
	ck_assert_uint_eq(s.woken, 7);
	expect_stats_invariant(&s);
	close(nbfd);
	close(fd);
}
END_TEST

/* A blocked reader whose buffer is made read-only while it sleeps. */
struct blocked_read {
	int fd;
	char *buf;
	atomic_int tid;
	ssize_t ret;
	int err;
	atomic_bool finished;
};

static void *blocked_read_thread(void *arg)
{
	struct blocked_read *b = arg;

	atomic_store(&b->tid, (int)syscall(SYS_gettid));
	b->ret = read(b->fd, b->buf, 16);
	b->err = errno;
	atomic_store(&b->finished, true);
	return NULL;
}

/*
 * The reader passed (a complete released it) but its buffer was made
 * unwritable during the wait: the one case the uapi leaves to EFAULT after
 * the count was taken ("only a buffer unmapped during the wait ... fails
 * with EFAULT after the wait took its count"). The read must fail, not
 * return 0 or a short count, and nothing else may be disturbed: the next
 * message is still there, in order, and the counters add up.
 */
START_TEST(test_read_buffer_gone_while_blocked)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct blocked_read *b = calloc(1, sizeof(*b));
	uint64_t seq, seq2, deadline;
	struct cipc_wait w;
	struct cipc_info info;
	pthread_t t;
	char buf[16], st;
	int err;

	ck_assert_ptr_nonnull(b);
	b->fd = fd;
	b->buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(b->buf != MAP_FAILED, "mmap: %s", errname(errno));
	err = pthread_create(&t, NULL, blocked_read_thread, b);
	ck_assert_msg(err == 0, "pthread_create: %s", errname(err));
	ck_assert_msg(wait_waiters(fd, 1, SETTLE_MS), "the reader thread "
		      "does not block");
	deadline = now_ms() + SETTLE_MS;
	while (!atomic_load(&b->tid) && now_ms() < deadline)
		sleep_ms(1);
	st = proc_settled_state(atomic_load(&b->tid), SETTLE_MS);
	ck_assert_msg(st == 'S', "reader thread in state '%c'", st);
	ck_ok(mprotect(b->buf, PAGE, PROT_READ));

	ck_ok(ioc_complete_seq(fd, "back", 4, &seq));
	deadline = now_ms() + RELEASE_MS;
	while (!atomic_load(&b->finished)) {
		ck_assert_msg(now_ms() < deadline, "the reader was not "
			      "released within %u ms", RELEASE_MS);
		sleep_ms(1);
	}
	pthread_join(t, NULL);
	ck_assert_msg(b->ret == -1 && b->err == EFAULT, "read into a buffer "
		      "made read-only returned %zd (%s), expected EFAULT",
		      b->ret, b->ret < 0 ? errname(b->err) : "-");
	info = get_info(fd);
	ck_assert_msg(info.count == 0 && info.queued == 0,
		      "after the failed copy: count %u queued %u, expected "
		      "the count taken (0, 0)", info.count, info.queued);
	/* The queue behind it is intact. */
	ck_ok(ioc_complete_seq(fd, "next", 4, &seq2));
	memset(buf, 0, sizeof(buf));
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 4);
	ck_assert_mem_eq(buf, "next", 4);
	ck_assert_uint_eq(w.seq, seq + 1);
	ck_assert_uint_eq(seq2, seq + 1);
	{
		/* Only the copy that succeeded moved bytes out. */
		struct cipc_stats s = get_stats(fd);

		ck_assert_uint_eq(s.bytes_out, 4);
		expect_stats_invariant(&s);
	}
	munmap(b->buf, PAGE);
	free(b);
	close(fd);
}
END_TEST

/*
 * CIPC_IOC_WAIT/TRYWAIT whose message buffer cannot be written: EFAULT,
 * and the message is still there for the next wait, with the same seq,
 * ahead of the messages behind it.
 */
START_TEST(test_wait_unwritable_msg_keeps_message)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	void *ro = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	uint64_t s1, s2;
	struct cipc_wait w;
	char buf[16], what[64];

	ck_assert_msg(ro != MAP_FAILED, "mmap: %s", errname(errno));
	ck_ok(ioc_complete_seq(fd, "first", 5, &s1));
	ck_ok(ioc_complete_seq(fd, "second", 6, &s2));
	for (int k = 0; k <= BAD_PTR_KINDS; k++) {
		void *p = k < BAD_PTR_KINDS ? bad_ptr(k) : ro;

		if (k == 1)
			continue;	/* NULL: no buffer, a valid request */
		for (int cmd = 0; cmd < 2; cmd++) {
			struct chan_snap before = snap_take(fd);
			int r;

			snprintf(what, sizeof(what), "%s into bad buffer kind "
				 "%d", cmd ? "TRYWAIT" : "WAIT", k);
			r = cmd ? ioc_trywait(fd, p, 16, &w) :
				  ioc_wait(fd, 0, p, 16, &w);
			ck_assert_msg(r == -1 && errno == EFAULT, "%s: "
				      "expected EFAULT, got %s", what,
				      r ? errname(errno) : "success");
			expect_nothing_taken(fd, &before, what);
		}
	}
	/* The struct itself read-only (zeroes: a valid TRYWAIT/WAIT(0)). */
	{
		struct chan_snap before = snap_take(fd);

		ck_fails(ioctl(fd, CIPC_IOC_TRYWAIT, ro), EFAULT);
		ck_fails(ioctl(fd, CIPC_IOC_WAIT, ro), EFAULT);
		expect_nothing_taken(fd, &before, "WAIT with a read-only "
				     "struct cipc_wait");
	}
	memset(buf, 0, sizeof(buf));
	ck_ok(ioc_wait(fd, 0, buf, sizeof(buf), &w));
	ck_assert_msg(w.msg_len == 5 && !memcmp(buf, "first", 5) &&
		      w.seq == s1, "after the failed waits: got \"%.*s\" seq "
		      "%llu, expected \"first\" seq %llu",
		      (int)(w.msg_len < 16 ? w.msg_len : 16), buf,
		      (unsigned long long)w.seq, (unsigned long long)s1);
	ck_ok(ioc_trywait(fd, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.seq, s2);
	ck_assert_mem_eq(buf, "second", 6);
	munmap(ro, PAGE);
	close(fd);
}
END_TEST

Suite *read_suite(void)
{
	Suite *s = suite_create("read");
	TCase *tc = chan_tcase("read", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_read_zero_size_einval);
	tcase_add_test(tc, test_read_bad_buffer_efault);
	tcase_add_test(tc, test_read_newline_never_zero);
	tcase_add_test(tc, test_read_buffer_gone_while_blocked);
	tcase_add_test(tc, test_wait_unwritable_msg_keeps_message);
	suite_add_tcase(s, tc);
	return s;
}
