// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-lib-tests: every libcipc call against the real driver.
 *
 *   cipc-lib-tests
 *
 * Runs inside the test VM as root with the cipc module loaded, like
 * cipc-driver-tests:  tests/vm/run --kernel 6.12 -- build/tests/cipc-lib-tests
 * Linked with the static library, so that it can reach the library's hidden
 * test hook (cipc__channel_from_fd_abi(), lib/internal.h) for the EPROTO
 * path; one test also runs the example program, built against the shared
 * library, end to end.
 *
 * The semantics of libcipc 1.0 (the message queue, sequence numbers,
 * deadlines, the latch, the limits, the poll example) are in
 * test_lib_msg.c; the helpers both files use in libvm.c.
 *
 * What the library returns is checked against the driver's own view (raw
 * ioctls of <linux/cipc.h> and sysfs), never against the library itself.
 * Every test of the "driver" case starts and ends with channel 0 clean: no
 * waiter, reinit, mode one, counters reset (checked fixture). The tests of
 * the "control" case (the control device, ids, stale handles) start and end
 * with exactly the channels of the module's load, 0..channels-1: whatever
 * they add is removed by their fixture (also after a failure, by the next
 * test's setup and the case's unchecked teardown). Nothing blocks without a deadline;
 * a blocked waiter is recognised by the channel's waiters count and its 'S'
 * state in /proc, never by sleeping. Timing bounds are generous for an
 * emulated guest.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by lib-tests.mk */
#endif
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

/*
 * <linux/cipc.h> and <cipc.h> as the library sees them, the test hooks
 * (cipc__channel_from_fd_abi(), cipc__control_open_path()), and the
 * helpers shared with test_lib_msg.c.
 */
#include "libvm.h"

#ifndef CIPC_LIBT_EXAMPLE
#error "lib-tests.mk passes CIPC_LIBT_EXAMPLE, the example program's path"
#endif

/* ---- opening ---------------------------------------------------------- */

START_TEST(test_open_by_index)
{
	unsigned int channels = param("channels");
	struct cipc_channel *ch;
	int fd, fl;

	ch = open_ch(O_RDWR);
	ck_assert_uint_eq(cipc_channel_index(ch), CHAN);
	fd = cipc_channel_fd(ch);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	fl = fcntl(fd, F_GETFL);
	ck_assert_int_eq(fl & O_ACCMODE, O_RDWR);
	ck_assert_msg(!(fl & O_NONBLOCK), "O_NONBLOCK left on the descriptor");
	/* The descriptor is the channel's: the driver answers on it. */
	{
		struct cipc_info info;

		ck_assert_int_eq(ioctl(fd, CIPC_IOC_INFO, &info), 0);
		ck_assert_uint_eq(info.index, CHAN);
	}
	cipc_channel_close(ch);

	/* Every channel, by index. */
	for (unsigned int i = 0; i < channels && i < 16; i++) {
		ch = ck_ok_ptr(cipc_channel_open(i, O_RDONLY));
		ck_assert_uint_eq(cipc_channel_index(ch), i);
		cipc_channel_close(ch);
	}
	ck_fails_null(cipc_channel_open(channels, O_RDONLY), ENOENT);
	ck_fails_null(cipc_channel_open(CHAN, O_RDWR | O_CREAT), EINVAL);
	ck_fails_null(cipc_channel_open(CHAN, O_ACCMODE), EINVAL);

	/* Open modes reach the descriptor; O_NONBLOCK only if asked. */
	ch = open_ch(O_WRONLY | O_CLOEXEC);
	ck_assert_int_eq(fcntl(cipc_channel_fd(ch), F_GETFL) & O_ACCMODE,
			 O_WRONLY);
	cipc_channel_close(ch);
	ch = open_ch(O_RDONLY | O_NONBLOCK);
	fd = cipc_channel_fd(ch);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK),
			 O_RDONLY | O_NONBLOCK);
	{
		char c;

		ck_fails(read(fd, &c, 1), EAGAIN);	/* the flag works */
	}
	cipc_channel_close(ch);
	/* Closing closes the descriptor, and leaves errno alone. */
	ch = open_ch(O_RDONLY);
	fd = cipc_channel_fd(ch);
	errno = 4242;
	cipc_channel_close(ch);
	ck_assert_int_eq(errno, 4242);
	ck_fails(fcntl(fd, F_GETFD), EBADF);
	/* Even when close(2) fails (here: fd closed behind its back). */
	ch = open_ch(O_RDONLY);
	close(cipc_channel_fd(ch));
	errno = 4343;
	cipc_channel_close(ch);
	ck_assert_int_eq(errno, 4343);
}
END_TEST

START_TEST(test_open_path)
{
	unsigned int channels = param("channels");
	unsigned int other = channels > 1 ? 1 : 0;
	char dir[] = "/tmp/cipc-lib-tests.XXXXXX", path[64], target[32];
	struct cipc_channel *ch;
	struct stat st;
	int status;
	pid_t pid;

	ch = ck_ok_ptr(cipc_channel_open_path("/dev/cipc0", O_RDWR));
	ck_assert_uint_eq(cipc_channel_index(ch), 0);
	cipc_channel_close(ch);

	/* A symlink is followed; the index comes from the driver. */
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(target, sizeof(target), "/dev/cipc%u", other);
	snprintf(path, sizeof(path), "%s/link", dir);
	ck_assert_int_eq(symlink(target, path), 0);
	ch = ck_ok_ptr(cipc_channel_open_path(path, O_RDONLY));
	ck_assert_uint_eq(cipc_channel_index(ch), other);
	cipc_channel_close(ch);
	unlink(path);

	/* Another node of the same device is the same channel... */
	ck_assert_int_eq(stat(target, &st), 0);
	snprintf(path, sizeof(path), "%s/node", dir);
	ck_assert_int_eq(mknod(path, S_IFCHR | 0600, st.st_rdev), 0);
	ch = ck_ok_ptr(cipc_channel_open_path(path, O_RDONLY));
	ck_assert_uint_eq(cipc_channel_index(ch), other);
	cipc_channel_close(ch);
	unlink(path);
	/* ...but a cipc minor without a channel is no channel. */
	if (channels < 256) {
		ck_assert_int_eq(mknod(path, S_IFCHR | 0600,
				       makedev(major(st.st_rdev), 255)), 0);
		ck_fails_null(cipc_channel_open_path(path, O_RDONLY), ENODEV);
		unlink(path);
	}
	rmdir(dir);

	ck_fails_null(cipc_channel_open_path("/dev/null", O_RDONLY), ENODEV);
	ck_fails_null(cipc_channel_open_path("/dev/cipc-none", O_RDONLY),
		      ENOENT);
	ck_fails_null(cipc_channel_open_path(NULL, O_RDONLY), EINVAL);

	/* The nodes are root's, 0600: EACCES for anybody else. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		child_init(getppid());
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		errno = 0;
		ch = cipc_channel_open_path("/dev/cipc0", O_RDONLY);
		_exit(ch ? 11 : errno == EACCES ? 0 : 12);
	}
	status = reap(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "as uid %d, open_path did not fail with EACCES "
		      "(status %#x)", NOBODY, status);
}
END_TEST

START_TEST(test_from_fd)
{
	struct cipc_channel *ch;
	int fd, opath;

	fd = raw_open(CHAN, O_RDWR);
	ch = ck_ok_ptr(cipc_channel_from_fd(fd));
	ck_assert_int_eq(cipc_channel_fd(ch), fd);
	ck_assert_uint_eq(cipc_channel_index(ch), CHAN);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(raw_count(), 1);
	/* The handle owns fd: closing it closes fd. */
	cipc_channel_close(ch);
	ck_fails(fcntl(fd, F_GETFD), EBADF);

	if (param("channels") > 1) {
		fd = raw_open(1, O_RDONLY);
		ch = ck_ok_ptr(cipc_channel_from_fd(fd));
		ck_assert_uint_eq(cipc_channel_index(ch), 1);
		cipc_channel_close(ch);
	}

	/* An O_PATH descriptor cannot do ioctls: refused, and still open. */
	opath = open("/dev/cipc0", O_PATH | O_CLOEXEC);
	ck_assert_int_ge(opath, 0);
	ck_fails_null(cipc_channel_from_fd(opath), EBADF);
	ck_assert_int_ge(fcntl(opath, F_GETFD), 0);
	close(opath);
	ck_fails_null(cipc_channel_from_fd(-1), EBADF);
}
END_TEST

/* The ABI check, through the hidden hook that takes the expected version. */
START_TEST(test_abi_mismatch)
{
	static const unsigned int bad[] = { 0, CIPC_ABI_VERSION + 1, UINT_MAX };
	struct cipc_channel *ch;
	struct cipc_info info;
	int fd = raw_open(CHAN, O_RDWR);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_fails_null(cipc__channel_from_fd_abi(fd, bad[i]), EPROTO);
		/* The caller still owns fd, and it works. */
		ck_assert_int_eq(ioctl(fd, CIPC_IOC_INFO, &info), 0);
		ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
	}
	ch = ck_ok_ptr(cipc__channel_from_fd_abi(fd, CIPC_ABI_VERSION));
	ck_assert_int_eq(cipc_channel_fd(ch), fd);
	cipc_channel_close(ch);
}
END_TEST

/* ---- information ------------------------------------------------------ */

/* Every getter of a fresh snapshot equals the driver's CIPC_IOC_INFO. */
static void expect_info(struct cipc_channel *ch, const char *when)
{
	struct cipc_channel_info *li = ck_ok_ptr(cipc_channel_get_info(ch));
	struct cipc_info ki = raw_info();

#define EXPECT(getter, field) ck_assert_msg(				\
		(uint64_t)cipc_channel_info_get_##getter(li) ==	\
		(uint64_t)ki.field, "%s: cipc_channel_info_get_" #getter\
		"() = %llu, the driver says %llu", when,		\
		(unsigned long long)cipc_channel_info_get_##getter(li),\
		(unsigned long long)ki.field)
	EXPECT(index, index);
	EXPECT(id, id);
	EXPECT(abi_version, abi_version);
	EXPECT(msg_max, msg_max);
	EXPECT(mode, mode);
	EXPECT(count, count);
	EXPECT(waiters, waiters);
	EXPECT(max_waiters, max_waiters);
	EXPECT(queued, queued);
	EXPECT(queue_depth, queue_depth);
	EXPECT(generation, generation);
	EXPECT(seq, seq);
	EXPECT(msg_len, msg_len);
#undef EXPECT
	ck_assert_msg(cipc_channel_info_is_all(li) ==
		      !!(ki.flags & CIPC_INFO_ALL), "%s: is_all %d, flags %#x",
		      when, cipc_channel_info_is_all(li), ki.flags);
	cipc_channel_info_free(li);
}

START_TEST(test_info)
{
	REQUIRE_MSG_MAX(3);
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel_info *info;
	struct waiter w;
	const struct wreq rq = WAIT_FOREVER;
	uint64_t gen, seq;

	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_index(info), CHAN);
	ck_assert_uint_eq(cipc_channel_info_get_id(info), sysfs_ull("id"));
	ck_assert_uint_eq(cipc_channel_info_get_id(info), cipc_channel_id(ch));
	ck_assert_uint_eq(cipc_channel_info_get_abi_version(info),
			  CIPC_ABI_VERSION);
	ck_assert_uint_eq(cipc_channel_info_get_msg_max(info),
			  param("msg_max"));
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(info),
			  param("queue_depth"));
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(info),
			  sysfs_ull("queue_depth"));
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(info),
			  param("max_waiters"));
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(info),
			  sysfs_ull("max_waiters"));
	ck_assert_int_eq(cipc_channel_info_get_mode(info),
			 CIPC_CHANNEL_MODE_ONE);
	ck_assert(!cipc_channel_info_is_all(info));
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_waiters(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_queued(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_msg_len(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_generation(info),
			  sysfs_ull("generation"));
	ck_assert_uint_eq(cipc_channel_info_get_seq(info), sysfs_ull("seq"));
	gen = cipc_channel_info_get_generation(info);
	seq = cipc_channel_info_get_seq(info);
	cipc_channel_info_free(info);
	expect_info(ch, "clean");

	/* A snapshot: it does not follow the channel. */
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_ok(cipc_channel_send(ch, "abc", 3, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_seq(info), seq);
	cipc_channel_info_free(info);
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 3);
	/* Messages queued: the completes without one have none. */
	ck_assert_uint_eq(cipc_channel_info_get_queued(info), 1);
	ck_assert_uint_eq(cipc_channel_info_get_msg_len(info), 3);
	ck_assert_uint_eq(cipc_channel_info_get_seq(info), seq + 3);
	ck_assert_uint_eq(sysfs_ull("count"), 3);
	ck_assert_uint_eq(sysfs_ull("queued"), 1);
	ck_assert_uint_eq(sysfs_ull("seq"), seq + 3);
	cipc_channel_info_free(info);
	expect_info(ch, "after 3 completes");

	ck_ok(cipc_channel_complete_all(ch));
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert(cipc_channel_info_is_all(info));
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 0);
	ck_assert_int_eq(cipc_channel_info_get_mode(info),
			 CIPC_CHANNEL_MODE_ALL);
	ck_assert_uint_eq(sysfs_ull("all"), 1);
	cipc_channel_info_free(info);
	expect_info(ch, "after complete_all");

	ck_ok(cipc_channel_reinit(ch));
	waiter_start_blocked(&w, &rq, 1);
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_waiters(info), 1);
	ck_assert_uint_eq(cipc_channel_info_get_generation(info), gen + 1);
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_queued(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_msg_len(info), 0);
	ck_assert(!cipc_channel_info_is_all(info));
	cipc_channel_info_free(info);
	expect_info(ch, "with a waiter");
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);
	cipc_channel_close(ch);
}
END_TEST

/* ---- complete and wait ------------------------------------------------ */

START_TEST(test_complete_wait)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_stats want = { 0 };

	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(raw_count(), 1);
	ck_assert_int_eq(ck_ok(cipc_channel_wait(ch, 0)), 0);
	ck_assert_uint_eq(raw_count(), 0);
	ck_fails(cipc_channel_wait(ch, 0), ETIMEDOUT);

	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(raw_count(), 2);
	/* Passes at once without a time limit, each consuming one. */
	ck_assert_int_eq(ck_ok(cipc_channel_wait(ch, CIPC_TIMEOUT_INFINITE)),
			 0);
	ck_assert_int_eq(ck_ok(cipc_channel_wait(ch, INT64_MIN)), 0);
	ck_assert_uint_eq(raw_count(), 0);

	want.complete = 3;
	want.wait = 4;
	want.woken = 3;
	want.timeout = 1;
	expect_stats(&want, "complete/wait");
	cipc_channel_close(ch);
}
END_TEST

START_TEST(test_wait_blocks_until_complete)
{
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq rq = WAIT_FOREVER;
	struct waiter w;

	waiter_start_blocked(&w, &rq, 1);
	waiter_expect_blocked(&w, BLOCKED_MS);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	ck_assert_msg(wait_waiters(0, SETTLE_MS), "waiters not back to 0");
	ck_assert_uint_eq(raw_count(), 0);
	waiter_end(&w);
	cipc_channel_close(ch);
}
END_TEST

/* complete() releases the longest waiting of two, and only it. */
START_TEST(test_complete_releases_one)
{
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq rq = WAIT_FOREVER;
	struct waiter w[2];

	waiter_start_blocked(&w[0], &rq, 1);
	waiter_start_blocked(&w[1], &rq, 2);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	waiter_expect_blocked(&w[1], BLOCKED_MS);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	cipc_channel_close(ch);
}
END_TEST

/* complete_all() releases waiters of other processes, and later waits. */
START_TEST(test_complete_all_releases_waiters)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	const struct wreq rq[3] = {
		WAIT_FOREVER,
		{ .op = W_WAIT, .timeout_ns = 60000 * NS_PER_MS },
		{ .op = W_RECEIVE, .timeout_ns = CIPC_TIMEOUT_INFINITE },
	};
	struct waiter w[3];
	struct cipc_stats want = { 0 };

	for (unsigned int i = 0; i < 3; i++)
		waiter_start_blocked(&w[i], &rq[i], i + 1);
	ck_ok(cipc_channel_complete_all(ch));
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_int_eq(waiter_result(&w[i], RELEASE_MS)->ret, 0);
	ck_assert_msg(wait_waiters(0, SETTLE_MS), "waiters not back to 0");
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	ck_assert_uint_eq(raw_count(), 0);

	/* Every later wait passes, consuming nothing, until reinit. */
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	for (unsigned int i = 0; i < 3; i++) {
		ck_ok(cipc_channel_wait(ch, 0));
		ck_ok(cipc_channel_wait(ch, CIPC_TIMEOUT_INFINITE));
		ck_ok(cipc_channel_trywait(ch));
	}
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	ck_ok(cipc_channel_reinit(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	ck_fails(cipc_channel_trywait(ch), EAGAIN);
	ck_fails(cipc_channel_wait(ch, 0), ETIMEDOUT);

	want.complete_all = 1;
	want.reinit = 1;
	want.wait = 3 + 9 + 2;
	want.woken = 3 + 9;
	want.again = 1;
	want.timeout = 1;
	expect_stats(&want, "complete_all");
	for (unsigned int i = 0; i < 3; i++)
		waiter_end(&w[i]);
	cipc_channel_close(ch);
}
END_TEST

/* A timed wait gives up with ETIMEDOUT after about the time asked. */
START_TEST(test_wait_timeout)
{
	struct cipc_channel *ch = open_ch(O_RDONLY);
	struct cipc_stats want = { 0 };
	uint64_t t0, el;
	char buf[16];
	struct cipc_msg_info mi = { .len = 99 };

	t0 = now_ms();
	ck_fails(cipc_channel_wait(ch, 200 * NS_PER_MS), ETIMEDOUT);
	el = now_ms() - t0;
	ck_assert_msg(el >= 200 && el < 200 + RELEASE_MS,
		      "a 200 ms wait took %" PRIu64 " ms", el);

	t0 = now_ms();
	ck_fails(cipc_channel_receive(ch, buf, sizeof(buf), 100 * NS_PER_MS,
				      &mi), ETIMEDOUT);
	el = now_ms() - t0;
	ck_assert_msg(el >= 100 && el < 100 + RELEASE_MS,
		      "a 100 ms receive took %" PRIu64 " ms", el);
	ck_assert_uint_eq(mi.len, 99);	/* untouched on failure */

	/* 0 tries once. */
	t0 = now_ms();
	ck_fails(cipc_channel_wait(ch, 0), ETIMEDOUT);
	ck_fails(cipc_channel_receive(ch, buf, sizeof(buf), 0, NULL),
		 ETIMEDOUT);
	ck_assert_uint_lt(now_ms() - t0, RELEASE_MS);

	want.wait = 4;
	want.timeout = 4;
	expect_stats(&want, "timeouts");
	cipc_channel_close(ch);
}
END_TEST

/* ---- signals ---------------------------------------------------------- */

/* A handled signal (no SA_RESTART) ends a wait with EINTR. */
static void eintr(const struct wreq *rq)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	const struct wres *r;
	struct waiter w;
	struct cipc_stats st;

	waiter_start_blocked(&w, rq, 1);
	ck_assert_int_eq(kill(w.pid, SIGUSR1), 0);
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == -1 && r->err == EINTR,
		      "interrupted wait returned %lld (%s), not -1/EINTR",
		      (long long)r->ret, errname(r->err));
	ck_assert_msg(waiter_saw_signal(&w, SETTLE_MS), "handler did not run");
	ck_assert_msg(wait_waiters(0, SETTLE_MS), "waiters not back to 0");
	st = raw_stats();
	ck_assert_uint_eq(st.interrupted, 1);
	ck_assert_uint_eq(st.woken, 0);
	/* Nothing consumed, the channel works. */
	ck_assert_uint_eq(raw_count(), 0);
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_trywait(ch));
	waiter_end(&w);
	cipc_channel_close(ch);
}

START_TEST(test_eintr_forever)
{
	const struct wreq rq = { .op = W_WAIT,
		.timeout_ns = CIPC_TIMEOUT_INFINITE, .sig = S_HANDLER };

	eintr(&rq);
}
END_TEST

START_TEST(test_eintr_timed)
{
	const struct wreq rq = { .op = W_WAIT,
		.timeout_ns = 60000 * NS_PER_MS, .sig = S_HANDLER };

	eintr(&rq);
}
END_TEST

START_TEST(test_eintr_receive)
{
	const struct wreq rq = { .op = W_RECEIVE,
		.timeout_ns = CIPC_TIMEOUT_INFINITE, .sig = S_HANDLER };

	eintr(&rq);
}
END_TEST

/*
 * A wait without a time limit (any negative timeout), and a timed one (the
 * library passes an absolute deadline), is restarted by the kernel under
 * SA_RESTART: the handler runs, the wait goes on, a complete ends it.
 * That the restarted timed wait keeps its deadline is test_lib_msg.c's.
 */
static void sa_restart_forever(int64_t timeout_ns)
{
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq rq = { .op = W_WAIT, .timeout_ns = timeout_ns,
		.sig = S_RESTART };
	struct cipc_stats st;
	struct waiter w;

	waiter_start_blocked(&w, &rq, 1);
	ck_assert_int_eq(kill(w.pid, SIGUSR1), 0);
	ck_assert_msg(waiter_saw_signal(&w, SETTLE_MS), "handler did not run");
	/* Restarted: blocked again, not returned. */
	ck_assert_msg(wait_waiters(1, SETTLE_MS), "the wait was not restarted");
	ck_assert(wait_proc_state(w.pid, 'S', SETTLE_MS));
	waiter_expect_blocked(&w, BLOCKED_MS);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	st = raw_stats();
	ck_assert_uint_eq(st.interrupted, 1);
	ck_assert_uint_eq(st.wait, 2);		/* the restart is a new wait */
	ck_assert_uint_eq(st.woken, 1);
	waiter_end(&w);
	cipc_channel_close(ch);
}

START_TEST(test_sa_restart_forever)
{
	sa_restart_forever(CIPC_TIMEOUT_INFINITE);
}
END_TEST

START_TEST(test_sa_restart_any_negative)
{
	sa_restart_forever(INT64_MIN);
}
END_TEST

START_TEST(test_sa_restart_timed)
{
	sa_restart_forever(60000 * NS_PER_MS);
}
END_TEST

/* Stopped and continued: a wait goes on, with or without a time limit. */
START_TEST(test_stop_continue)
{
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq forever = WAIT_FOREVER;
	const struct wreq timed = { .op = W_WAIT,
		.timeout_ns = 60000 * NS_PER_MS };
	const struct wres *r;
	struct waiter w;

	waiter_start_blocked(&w, &forever, 1);
	ck_assert_int_eq(kill(w.pid, SIGSTOP), 0);
	ck_assert(wait_proc_state(w.pid, 'T', SETTLE_MS));
	ck_assert_int_eq(kill(w.pid, SIGCONT), 0);
	ck_assert_msg(wait_waiters(1, SETTLE_MS) &&
		      wait_proc_state(w.pid, 'S', SETTLE_MS),
		      "the wait was not restarted");
	waiter_expect_blocked(&w, BLOCKED_MS);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);
	ck_assert(wait_waiters(0, SETTLE_MS));

	waiter_start_blocked(&w, &timed, 1);
	ck_assert_int_eq(kill(w.pid, SIGSTOP), 0);
	ck_assert(wait_proc_state(w.pid, 'T', SETTLE_MS));
	ck_assert_int_eq(kill(w.pid, SIGCONT), 0);
	ck_assert_msg(wait_waiters(1, SETTLE_MS) &&
		      wait_proc_state(w.pid, 'S', SETTLE_MS),
		      "the timed wait was not restarted");
	waiter_expect_blocked(&w, BLOCKED_MS);
	ck_ok(cipc_channel_complete(ch));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == 0, "stopped timed wait returned %lld (%s), "
		      "not 0", (long long)r->ret, errname(r->err));
	waiter_end(&w);
	cipc_channel_close(ch);
}
END_TEST

/* ---- trywait, done ---------------------------------------------------- */

START_TEST(test_trywait)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_stats want = { 0 };

	ck_fails(cipc_channel_trywait(ch), EAGAIN);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_trywait(ch)), 0);
	ck_fails(cipc_channel_trywait(ch), EAGAIN);
	ck_assert_uint_eq(raw_count(), 0);

	want.complete = 1;
	want.wait = 3;
	want.woken = 1;
	want.again = 2;
	expect_stats(&want, "trywait");
	cipc_channel_close(ch);
}
END_TEST

START_TEST(test_done)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel *wo = open_ch(O_WRONLY);

	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	ck_assert_int_eq(ck_ok(cipc_channel_done(wo)), 1);	/* any mode */
	ck_assert_uint_eq(raw_count(), 1);	/* consumes nothing */
	ck_ok(cipc_channel_trywait(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);	/* not 2 */
	ck_ok(cipc_channel_complete_all(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	ck_ok(cipc_channel_reinit(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
	ck_assert_uint_eq(raw_stats().wait, 1);
	cipc_channel_close(wo);
	cipc_channel_close(ch);
}
END_TEST

/* ---- messages ---------------------------------------------------------- */


START_TEST(test_send_receive)
{
	REQUIRE_MSG_MAX(16);
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_msg_info mi;
	char buf[MSG_BUF_SIZE];
	uint64_t seq = 0;
	ssize_t n;

	ck_ok(cipc_channel_send(ch, "hello", 5, CIPC_SEND_ONE, &seq));
	ck_assert_uint_eq(seq, raw_info().seq);
	ck_assert_uint_eq(raw_count(), 1);
	ck_assert_uint_eq(raw_info().msg_len, 5);
	memset(&mi, 0xa5, sizeof(mi));
	n = ck_ok(cipc_channel_receive(ch, buf, 64, 0, &mi));
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(mi.len, 5);
	ck_assert_uint_eq(mi.seq, seq);
	ck_assert_uint_eq(mi.generation, raw_info().generation);
	ck_assert_uint_eq(mi.flags, CIPC_MSG_HAS_MSG);
	for (size_t i = 0; i < 7; i++)
		ck_assert_uint_eq(mi.reserved[i], 0);	/* zeroed */
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_uint_eq(raw_count(), 0);

	/* No message stays behind: a complete without one delivers none. */
	ck_ok(cipc_channel_complete(ch));
	memset(buf, 'Z', 8);
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf),
						    CIPC_TIMEOUT_INFINITE,
						    &mi)), 0);
	ck_assert_uint_eq(mi.len, 0);
	ck_assert_uint_eq(mi.flags, 0);
	ck_assert_uint_eq(mi.seq, seq + 1);
	ck_assert_mem_eq(buf, "ZZZZZZZZ", 8);

	/* Truncated to the buffer; len is the full length; the rest of the
	 * buffer is untouched. */
	ck_ok(cipc_channel_send(ch, "0123456789", 10, CIPC_SEND_ONE, NULL));
	memset(buf, 'Z', 8);
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, 4, 0, &mi)), 4);
	ck_assert_uint_eq(mi.len, 10);
	ck_assert_mem_eq(buf, "0123ZZZZ", 8);

	/* Only the length. */
	ck_ok(cipc_channel_send(ch, "0123456789", 10, CIPC_SEND_ONE, NULL));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, NULL, 0, 0, &mi)), 0);
	ck_assert_uint_eq(mi.len, 10);
	ck_assert_uint_eq(mi.flags, CIPC_MSG_HAS_MSG);
	/* NULL with a size: EINVAL, nothing consumed. */
	ck_ok(cipc_channel_send(ch, "abc", 3, CIPC_SEND_ONE, &seq));
	memset(&mi, 0xa5, sizeof(mi));
	ck_fails(cipc_channel_receive(ch, NULL, 5, 0, &mi), EINVAL);
	ck_assert_uint_eq(mi.seq, 0xa5a5a5a5a5a5a5a5ULL);  /* untouched */
	ck_assert_uint_eq(raw_count(), 1);
	/* A bad buffer: EFAULT, nothing consumed: the message is still at
	 * the head of the queue. */
	ck_fails(cipc_channel_receive(ch, bad_page(), 16, 0, &mi), EFAULT);
	ck_assert_uint_eq(raw_count(), 1);
	ck_assert_uint_eq(raw_info().queued, 1);
	ck_assert_int_eq(ck_ok(cipc_channel_tryreceive(ch, buf, sizeof(buf),
						       &mi)), 3);
	ck_assert_mem_eq(buf, "abc", 3);
	ck_assert_uint_eq(mi.seq, seq);

	/* An empty message (a pointer, length 0) is a message... */
	ck_ok(cipc_channel_send(ch, "", 0, CIPC_SEND_ONE, NULL));
	mi.len = 99;
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf), 0,
						    &mi)), 0);
	ck_assert_uint_eq(mi.len, 0);
	ck_assert_uint_eq(mi.flags, CIPC_MSG_HAS_MSG);
	/* ...NULL and 0 is none. */
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_ONE, NULL));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf), 0,
						    &mi)), 0);
	ck_assert_uint_eq(mi.flags, 0);
	ck_assert_uint_eq(raw_stats().bytes_in, 5 + 10 + 10 + 3);

	/* A bad message: EFAULT (EINVAL for NULL), nothing changes. */
	seq = raw_info().seq;
	ck_fails(cipc_channel_send(ch, bad_page(), 5, CIPC_SEND_ONE, NULL),
		 EFAULT);
	ck_fails(cipc_channel_send(ch, bad_page(), 5, CIPC_SEND_MODE, NULL),
		 EFAULT);
	ck_fails(cipc_channel_send(ch, bad_page(), 5, CIPC_SEND_MODE, &seq),
		 EFAULT);
	ck_fails(cipc_channel_send(ch, NULL, 5, CIPC_SEND_MODE, NULL), EINVAL);
	ck_fails(cipc_channel_send(ch, NULL, 5, CIPC_SEND_ONE, NULL), EINVAL);
	ck_assert_uint_eq(raw_info().seq, seq);
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().queued, 0);

	/* complete_all with a message: every wait gets it. */
	ck_ok(cipc_channel_send(ch, "all of you", 10, CIPC_SEND_ALL, &seq));
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf,
							    sizeof(buf), 0,
							    &mi)), 10);
		ck_assert_mem_eq(buf, "all of you", 10);
		ck_assert_uint_eq(mi.seq, seq);
		ck_assert_uint_eq(mi.flags, CIPC_MSG_ALL | CIPC_MSG_HAS_MSG);
	}
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	/* complete_all's message stays until a reinit. */
	ck_fails(cipc_channel_send(ch, bad_page(), 5, CIPC_SEND_ALL, NULL),
		 EFAULT);
	ck_fails(cipc_channel_send(ch, NULL, 5, CIPC_SEND_ALL, NULL), EINVAL);
	ck_assert_uint_eq(raw_info().msg_len, 10);
	ck_assert_uint_eq(raw_info().seq, seq);
	cipc_channel_close(ch);
}
END_TEST

/* A size above 4 GiB is capped, not truncated to its low 32 bits. */
START_TEST(test_receive_huge_size)
{
	static const char msg[] = "twenty bytes message";
	struct cipc_channel *ch;
	struct cipc_msg_info mi;
	char *buf;
	size_t max;

	REQUIRE_MSG_MAX(sizeof(msg) - 1);
	if (sizeof(size_t) <= 4)
		return;		/* no such size */
	ch = open_ch(O_RDWR);
	max = (size_t)param("msg_max");
	/* The driver touches at most msg_max bytes of it. */
	buf = calloc(1, max);
	ck_assert_ptr_nonnull(buf);
	ck_ok(cipc_channel_send(ch, msg, sizeof(msg) - 1, CIPC_SEND_ONE,
				NULL));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf,
						    (size_t)UINT32_MAX + 11, 0,
						    &mi)),
			 (ssize_t)(sizeof(msg) - 1));
	ck_assert_uint_eq(mi.len, sizeof(msg) - 1);
	ck_assert_mem_eq(buf, msg, sizeof(msg) - 1);
	free(buf);
	cipc_channel_close(ch);
}
END_TEST

/* A waiter in another process receives the message sent after it blocked. */
START_TEST(test_receive_cross_process)
{
	REQUIRE_MSG_MAX(8);
	struct cipc_channel *ch = open_ch(O_WRONLY);
	const struct wreq rq = { .op = W_RECEIVE,
		.timeout_ns = CIPC_TIMEOUT_INFINITE, .bufsize = 4 };
	const struct wres *r;
	struct cipc_stats want = { 0 };
	struct waiter w;
	uint64_t seq;

	waiter_start_blocked(&w, &rq, 1);
	ck_ok(cipc_channel_send(ch, "wake up", 7, CIPC_SEND_ONE, &seq));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 4);
	ck_assert_uint_eq(r->mi.len, 7);
	ck_assert_uint_eq(r->mi.seq, seq);
	ck_assert_uint_eq(r->mi.flags, CIPC_MSG_HAS_MSG);
	ck_assert_mem_eq(r->msg, "wake", 4);
	waiter_end(&w);

	want.complete = 1;
	want.wait = 1;
	want.woken = 1;
	want.bytes_in = 7;
	want.bytes_out = 4;
	expect_stats(&want, "send/receive");
	cipc_channel_close(ch);
}
END_TEST

START_TEST(test_send_emsgsize)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	static const enum cipc_send_how hows[] = { CIPC_SEND_ONE,
		CIPC_SEND_ALL, CIPC_SEND_MODE };
	size_t max = (size_t)param("msg_max");
	char *big = calloc(1, max + 1);
	const struct cipc_stats zero = { 0 };
	char small[8] = "small";
	uint64_t seq = 77;

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 3; i++) {
		ck_fails(cipc_channel_send(ch, big, max + 1, hows[i], &seq),
			 EMSGSIZE);
		ck_fails(cipc_channel_send(ch, big, max + 1, hows[i], NULL),
			 EMSGSIZE);
		/* Above what the ABI carries: refused before the driver
		 * could see a length truncated to 32 bits (here: 1). */
		ck_fails(cipc_channel_send(ch, small, (size_t)UINT32_MAX + 2,
					   hows[i], NULL), EMSGSIZE);
		ck_fails(cipc_channel_send(ch, small, SIZE_MAX, hows[i], &seq),
			 EMSGSIZE);
	}
	ck_assert_uint_eq(seq, 77);	/* untouched on failure */
	ck_fails(cipc_channel_send(ch, small, 5, (enum cipc_send_how)3, NULL),
		 EINVAL);
	ck_fails(cipc_channel_send(ch, small, 5, (enum cipc_send_how)-1, NULL),
		 EINVAL);
	/* Nothing changed. */
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().msg_len, 0);
	ck_assert_uint_eq(raw_info().seq, sysfs_ull("seq"));
	expect_stats(&zero, "refused sends");
	/* msg_max itself is fine. */
	ck_ok(cipc_channel_send(ch, big, max, CIPC_SEND_ONE, NULL));
	ck_assert_uint_eq(raw_info().msg_len, max);
	free(big);
	cipc_channel_close(ch);
}
END_TEST

/*
 * CIPC_SEND_MODE signals as the mode says: by write(2) (a message, no seq
 * wanted), or by the ioctl of the mode read first (no message, or a seq).
 */
START_TEST(test_send_mode)
{
	REQUIRE_MSG_MAX(3);
	struct cipc_channel *ch = open_ch(O_RDWR), *rd;
	const struct wreq rq = WAIT_FOREVER;
	struct cipc_msg_info mi;
	struct cipc_stats st;
	struct waiter w[2];
	uint64_t seq = 0, seq2 = 0;
	char buf[16];

	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	waiter_start_blocked(&w[0], &rq, 1);
	waiter_start_blocked(&w[1], &rq, 2);
	ck_ok(cipc_channel_send(ch, "all", 3, CIPC_SEND_MODE, NULL));
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	st = raw_stats();
	ck_assert_uint_eq(st.complete_all, 1);
	ck_assert_uint_eq(st.complete, 0);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	ck_assert(wait_waiters(0, SETTLE_MS));
	/* In mode all, with a seq wanted, and without a message. */
	ck_ok(cipc_channel_reinit(ch));
	ck_ok(cipc_channel_send(ch, "ALL", 3, CIPC_SEND_MODE, &seq));
	ck_assert_uint_eq(seq, raw_info().seq);
	ck_ok(cipc_channel_reinit(ch));
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_MODE, &seq2));
	ck_assert_uint_eq(seq2, seq + 1);
	ck_assert(raw_info().flags & CIPC_INFO_ALL);
	ck_assert_uint_eq(raw_stats().complete_all, 3);

	ck_ok(cipc_channel_reinit(ch));
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ONE));
	ck_ok(cipc_channel_send(ch, "one", 3, CIPC_SEND_MODE, NULL));
	ck_ok(cipc_channel_send(ch, "two", 3, CIPC_SEND_MODE, &seq));
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_MODE, &seq2));
	ck_assert_uint_eq(seq2, seq + 1);
	ck_assert_uint_eq(raw_count(), 3);
	st = raw_stats();
	ck_assert_uint_eq(st.complete, 3);
	ck_assert_uint_eq(st.complete_all, 3);
	ck_assert_uint_eq(st.bytes_in, 3 + 3 + 6);
	/*
	 * In order, each with its own message, the last without one. (Read
	 * through a handle opened now: ch's latch holds the complete_all()s
	 * above, which it never saw.)
	 */
	rd = open_ch(O_RDONLY);
	ck_assert_int_eq(ck_ok(cipc_channel_receive(rd, buf, sizeof(buf), 0,
						    &mi)), 3);
	ck_assert_mem_eq(buf, "one", 3);
	ck_assert_uint_eq(mi.seq, seq - 1);
	ck_assert_int_eq(ck_ok(cipc_channel_receive(rd, buf, sizeof(buf), 0,
						    &mi)), 3);
	ck_assert_mem_eq(buf, "two", 3);
	ck_assert_uint_eq(mi.seq, seq);
	ck_assert_int_eq(ck_ok(cipc_channel_receive(rd, buf, sizeof(buf), 0,
						    &mi)), 0);
	ck_assert_uint_eq(mi.flags, 0);
	ck_assert_uint_eq(mi.seq, seq2);
	cipc_channel_close(rd);
	cipc_channel_close(ch);
}
END_TEST

/* ---- reinit, mode, stats ----------------------------------------------- */

START_TEST(test_reinit)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	uint64_t gen = raw_info().generation;
	struct cipc_info info;

	ck_ok(cipc_channel_send(ch, "x", 1, CIPC_SEND_ALL, NULL));
	ck_ok(cipc_channel_reinit(ch));
	info = raw_info();
	ck_assert_uint_eq(info.generation, gen + 1);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	ck_ok(cipc_channel_reinit(ch));
	ck_assert_uint_eq(raw_info().generation, gen + 2);
	ck_assert_uint_eq(sysfs_ull("generation"), gen + 2);
	ck_assert_uint_eq(raw_stats().reinit, 2);
	cipc_channel_close(ch);
}
END_TEST

/* The mode through the library (which must succeed). */
static int mode_of(struct cipc_channel *ch)
{
	enum cipc_channel_mode m = (enum cipc_channel_mode)99;

	ck_ok(cipc_channel_get_mode(ch, &m));
	return (int)m;
}

START_TEST(test_mode)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel *ro = open_ch(O_RDONLY);
	struct cipc_channel *wo = open_ch(O_WRONLY);
	char s[16];
	__u32 m;

	ck_assert_int_eq(mode_of(ch),
			 CIPC_CHANNEL_MODE_ONE);
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	ck_assert_int_eq(mode_of(ro),
			 CIPC_CHANNEL_MODE_ALL);
	ck_assert_int_eq(mode_of(wo),
			 CIPC_CHANNEL_MODE_ALL);
	ck_assert_int_eq(ioctl(raw, CIPC_IOC_GET_MODE, &m), 0);
	ck_assert_uint_eq(m, CIPC_MODE_ALL);
	sysfs_str("mode", s, sizeof(s));
	ck_assert_str_eq(s, "all");

	ck_ok(cipc_channel_set_mode(wo, CIPC_CHANNEL_MODE_ONE));
	sysfs_str("mode", s, sizeof(s));
	ck_assert_str_eq(s, "one");
	ck_assert_int_eq(mode_of(ch),
			 CIPC_CHANNEL_MODE_ONE);

	ck_fails(cipc_channel_set_mode(ch, (enum cipc_channel_mode)2), EINVAL);
	ck_fails(cipc_channel_set_mode(ch, (enum cipc_channel_mode)-1),
		 EINVAL);
	ck_fails(cipc_channel_set_mode(ro, CIPC_CHANNEL_MODE_ALL), EBADF);
	ck_fails(cipc_channel_get_mode(ch, NULL), EINVAL);
	ck_assert_int_eq(mode_of(ch),
			 CIPC_CHANNEL_MODE_ONE);
	cipc_channel_close(wo);
	cipc_channel_close(ro);
	cipc_channel_close(ch);
}
END_TEST

/*
 * Every counter of a fresh cipc_channel_get_stats() snapshot equals want,
 * the driver's ioctl, and the sysfs file that cipc_stat_name() names.
 */
static void expect_lib_stats(struct cipc_channel *ch,
			     const struct cipc_stats *want, const char *when)
{
	struct cipc_channel_stats *ls = ck_ok_ptr(cipc_channel_get_stats(ch));
	const struct cipc_stats ks = raw_stats();
	unsigned int n = 0;

#define X(f) do {							\
		enum cipc_stat e = CIPC_STAT_NR;			\
		for (unsigned int i = 0; i < CIPC_STAT_NR; i++)		\
			if (!strcmp(cipc_stat_name((enum cipc_stat)i), #f)) \
				e = (enum cipc_stat)i;			\
		ck_assert_msg(e != CIPC_STAT_NR, "no counter named " #f); \
		ck_assert_msg(cipc_channel_stats_get(ls, e) == want->f,	\
			      "%s: stats " #f " = %" PRIu64 ", expected %llu",\
			      when, cipc_channel_stats_get(ls, e),	\
			      (unsigned long long)want->f);		\
		ck_assert_uint_eq(ks.f, want->f);			\
		n++;							\
	} while (0);
	STATS_FIELDS(X)
#undef X
	ck_assert_uint_eq(n, CIPC_STAT_NR);
	for (unsigned int i = 0; i < CIPC_STAT_NR; i++) {
		char attr[64];

		snprintf(attr, sizeof(attr), "stats/%s",
			 cipc_stat_name((enum cipc_stat)i));
		ck_assert_uint_eq(sysfs_ull(attr),
				  cipc_channel_stats_get(ls,
							 (enum cipc_stat)i));
	}
	ck_assert_uint_eq(cipc_channel_stats_get(ls, CIPC_STAT_NR), 0);
	cipc_channel_stats_free(ls);
}

START_TEST(test_stats_and_reset)
{
	REQUIRE_MSG_MAX(9);
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel_stats *ls;
	struct cipc_stats want = { 0 };
	const struct cipc_stats zero = { 0 };
	char buf[8];
	int status;
	pid_t pid;

	/* Every counter ends at a value of its own, so that no two fields
	 * can be mixed up unnoticed. */
	ck_ok(cipc_channel_send(ch, "123456789", 9, CIPC_SEND_ONE, NULL));
	for (int i = 0; i < 4; i++)
		ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, 8, 0, NULL)), 8);
	for (int i = 0; i < 4; i++)
		ck_ok(cipc_channel_wait(ch, 0));
	for (int i = 0; i < 3; i++)
		ck_fails(cipc_channel_wait(ch, 0), ETIMEDOUT);
	for (int i = 0; i < 4; i++)
		ck_fails(cipc_channel_trywait(ch), EAGAIN);
	ck_ok(cipc_channel_complete_all(ch));
	ck_ok(cipc_channel_wait(ch, 0));
	ck_ok(cipc_channel_reinit(ch));
	ck_ok(cipc_channel_reinit(ch));
	want.complete = 5;
	want.complete_all = 1;
	want.reinit = 2;
	want.wait = 1 + 4 + 3 + 4 + 1;
	want.woken = 6;
	want.timeout = 3;
	want.again = 4;
	want.bytes_in = 9;
	want.bytes_out = 8;
	expect_stats(&want, "operations");

	expect_lib_stats(ch, &want, "operations");
	ls = ck_ok_ptr(cipc_channel_get_stats(ch));

	/* Unprivileged: EPERM, the counters stay; reading them works. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cipc_channel_stats *cs;

		child_init(getppid());
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		errno = 0;
		if (cipc_channel_reset_stats(ch) != -1)
			_exit(11);
		if (errno != EPERM)
			_exit(12);
		cs = cipc_channel_get_stats(ch);
		if (!cs || cipc_channel_stats_get(cs, CIPC_STAT_COMPLETE) != 5)
			_exit(13);
		cipc_channel_stats_free(cs);
		_exit(0);
	}
	status = reap(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "as uid %d: reset_stats did not fail with EPERM, or "
		      "get_stats failed (exit status %#x)", NOBODY, status);
	expect_stats(&want, "after the refused reset");

	/* Root: any open mode may reset. */
	{
		struct cipc_channel *ro = open_ch(O_RDONLY);

		ck_ok(cipc_channel_reset_stats(ro));
		cipc_channel_close(ro);
	}
	expect_stats(&zero, "after reset");
	expect_lib_stats(ch, &zero, "after reset");
	/* A snapshot: it kept the values of its time. */
	ck_assert_uint_eq(cipc_channel_stats_get(ls, CIPC_STAT_COMPLETE), 5);
	ck_assert_uint_eq(cipc_channel_stats_get(ls, CIPC_STAT_BYTES_OUT), 8);
	cipc_channel_stats_free(ls);
	cipc_channel_close(ch);
}
END_TEST

/* ---- poll, open modes, threads ------------------------------------------ */

static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	int r = poll(&pfd, 1, 0);

	ck_assert_int_ge(r, 0);
	return r ? pfd.revents : 0;
}

START_TEST(test_poll)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	int fd = cipc_channel_fd(ch), hold[2], status;
	struct pollfd pfd;
	pid_t parent = getpid(), pid;
	uint64_t t0;
	char c;

	ck_assert_int_eq(poll_now(fd), POLLOUT);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(poll_now(fd), POLLIN | POLLOUT);
	ck_ok(cipc_channel_trywait(ch));
	ck_assert_int_eq(poll_now(fd), POLLOUT);
	ck_ok(cipc_channel_complete_all(ch));
	ck_assert_int_eq(poll_now(fd), POLLIN | POLLOUT);
	ck_ok(cipc_channel_reinit(ch));
	/* This file saw the channel not done before the complete_all: its
	 * latch keeps it readable until a wait takes it. */
	ck_assert_int_eq(poll_now(fd), POLLIN | POLLOUT);
	{
		struct cipc_msg_info mi;

		ck_ok(cipc_channel_tryreceive(ch, NULL, 0, &mi));
		ck_assert_uint_eq(mi.flags, CIPC_MSG_ALL | CIPC_MSG_LATCHED);
	}
	ck_assert_int_eq(poll_now(fd), POLLOUT);

	/* A poll asleep here is woken by a complete in another process. */
	ck_assert_int_eq(pipe2(hold, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cipc_channel *c2;
		int code;

		child_init(parent);
		close(hold[1]);
		if (!wait_proc_state(parent, 'S', SETTLE_MS))
			_exit(10);
		c2 = cipc_channel_open(CHAN, O_WRONLY);
		code = !c2 ? 11 : cipc_channel_complete(c2) ? 12 : 0;
		/* Stay until the parent is done: our exit wakes nobody. */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	close(hold[0]);
	pfd.fd = fd;
	pfd.events = POLLIN;
	t0 = now_ms();
	ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
	ck_assert_int_eq(pfd.revents, POLLIN);
	ck_assert_uint_lt(now_ms() - t0, SETTLE_MS + RELEASE_MS);
	close(hold[1]);
	status = reap(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "signalling child failed (status %#x)", status);
	ck_ok(cipc_channel_trywait(ch));
	cipc_channel_close(ch);
}
END_TEST

/* Waiting needs reading, signalling writing; queries work with either. */
START_TEST(test_ebadf_modes)
{
	struct cipc_channel *ro = open_ch(O_RDONLY);
	struct cipc_channel *wo = open_ch(O_WRONLY);
	const struct cipc_stats zero = { 0 };
	uint64_t gen = raw_info().generation;
	char buf[8];

	ck_fails(cipc_channel_complete(ro), EBADF);
	ck_fails(cipc_channel_complete_all(ro), EBADF);
	ck_fails(cipc_channel_reinit(ro), EBADF);
	ck_fails(cipc_channel_set_mode(ro, CIPC_CHANNEL_MODE_ALL), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_ONE, NULL), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_ALL, NULL), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_MODE, NULL), EBADF);
	ck_fails(cipc_channel_send(ro, NULL, 0, CIPC_SEND_MODE, NULL), EBADF);

	ck_fails(cipc_channel_wait(wo, 0), EBADF);
	ck_fails(cipc_channel_wait(wo, CIPC_TIMEOUT_INFINITE), EBADF);
	ck_fails(cipc_channel_trywait(wo), EBADF);
	ck_fails(cipc_channel_receive(wo, buf, sizeof(buf), 0, NULL), EBADF);
	ck_fails(cipc_channel_tryreceive(wo, buf, sizeof(buf), NULL), EBADF);
	ck_fails(cipc_channel_wait_until(wo, CLOCK_MONOTONIC, 0), EBADF);
	ck_fails(cipc_channel_receive_until(wo, buf, sizeof(buf),
					    CLOCK_REALTIME, 0, NULL), EBADF);

	for (int i = 0; i < 2; i++) {
		struct cipc_channel *ch = i ? wo : ro;

		cipc_channel_info_free(ck_ok_ptr(cipc_channel_get_info(ch)));
		cipc_channel_stats_free(ck_ok_ptr(cipc_channel_get_stats(ch)));
		ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
		ck_assert_int_eq(mode_of(ch),
				 CIPC_CHANNEL_MODE_ONE);
	}
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().generation, gen);
	expect_stats(&zero, "refused calls");
	cipc_channel_close(wo);
	cipc_channel_close(ro);
}
END_TEST

struct thread_wait {
	struct cipc_channel *ch;
	int ret, err;
	atomic_bool finished;
};

static void *wait_thread(void *arg)
{
	struct thread_wait *t = arg;

	t->ret = cipc_channel_wait(t->ch, CIPC_TIMEOUT_INFINITE);
	t->err = errno;
	atomic_store(&t->finished, true);
	return NULL;
}

/* Threads share one handle: two wait on it while a third signals. */
START_TEST(test_threads_share_handle)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	static struct thread_wait t[2];	/* outlive a failed test */
	pthread_t th[2];
	uint64_t deadline;

	for (int i = 0; i < 2; i++) {
		t[i].ch = ch;
		atomic_init(&t[i].finished, false);
		ck_assert_int_eq(pthread_create(&th[i], NULL, wait_thread,
						&t[i]), 0);
	}
	ck_assert_msg(wait_waiters(2, SETTLE_MS), "threads did not block");
	ck_assert(!atomic_load(&t[0].finished) && !atomic_load(&t[1].finished));
	ck_ok(cipc_channel_complete_all(ch));
	deadline = now_ms() + RELEASE_MS;
	while (!atomic_load(&t[0].finished) || !atomic_load(&t[1].finished)) {
		ck_assert_msg(now_ms() < deadline, "threads not released");
		sleep_ms(1);
	}
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(t[i].ret == 0, "thread %d: %s", i,
			      errname(t[i].err));
	}
	cipc_channel_close(ch);
}
END_TEST

/* ---- the example program, on the shared library ---------------------- */

/* Runs the example with args; its output into out; its exit status. */
static int run_example(char *const argv[], bool send, char *out,
		       size_t size)
{
	int pipefd[2], status;
	size_t got = 0;
	uint64_t deadline;
	pid_t pid;

	ck_assert_int_eq(pipe2(pipefd, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		child_init(getppid());
		dup2(pipefd[1], STDOUT_FILENO);
		execv(CIPC_LIBT_EXAMPLE, argv);
		_exit(127);
	}
	close(pipefd[1]);
	if (send) {
		struct cipc_channel *ch = open_ch(O_WRONLY);

		ck_assert_msg(wait_waiters(1, SETTLE_MS),
			      "the example did not start waiting");
		ck_ok(cipc_channel_send(ch, "hello example", 13,
					CIPC_SEND_ONE, NULL));
		cipc_channel_close(ch);
	}
	deadline = now_ms() + SETTLE_MS + RELEASE_MS;
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		ssize_t n;

		ck_assert_msg(now_ms() < deadline, "the example hangs");
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(pipefd[0], out + got, size - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	out[got] = '\0';
	close(pipefd[0]);
	status = reap(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status), "the example was killed (%#x)", status);
	return WEXITSTATUS(status);
}

START_TEST(test_example_program)
{
	REQUIRE_MSG_MAX(13);
	char *const wait_argv[] = { "cipc-wait-example", "-t", "60000", "0",
				    NULL };
	char *const timeout_argv[] = { "cipc-wait-example", "-t", "100",
				       "/dev/cipc0", NULL };
	char out[1024], id[32];
	int rc;

	rc = run_example(wait_argv, true, out, sizeof(out));
	ck_assert_msg(rc == 0, "the example exited %d: %s", rc, out);
	ck_assert_msg(strstr(out, "message of 13 byte(s): 'hello example'"),
		      "the example printed: %s", out);
	/* The signal's sequence number, as the driver counts them. */
	snprintf(id, sizeof(id), "released by signal %llu: ",
		 sysfs_ull("seq"));
	ck_assert_msg(strstr(out, id), "the example printed: %s", out);
	snprintf(id, sizeof(id), ", id %llu ", sysfs_ull("id"));
	ck_assert_msg(strstr(out, id), "the example printed: %s", out);
	rc = run_example(timeout_argv, false, out, sizeof(out));
	ck_assert_msg(rc == 3 && strstr(out, "timed out"),
		      "the example exited %d: %s", rc, out);
}
END_TEST


START_TEST(test_control_open)
{
	static const unsigned int bad_abi[] = { 0, CIPC_ABI_VERSION + 1,
		UINT_MAX };
	char dir[] = "/tmp/cipc-lib-tests.XXXXXX", path[64];
	struct cipc_control *ctl, *ctl2;
	struct stat st;
	int fds = count_fds(), fl;

	ctl = open_ctl();
	ck_assert_int_eq(count_fds(), fds + 1);
	fl = fd_flags_of(CONTROL_DEV);
	ck_assert_msg(fl >= 0, "no descriptor open on %s", CONTROL_DEV);
	ck_assert_int_eq(fl & O_ACCMODE, O_RDWR);
	ck_assert_msg(fl & O_CLOEXEC, "the control descriptor lacks O_CLOEXEC");
	/* Two handles at once. */
	ctl2 = open_ctl();
	cipc_control_info_free(ck_ok_ptr(cipc_control_get_info(ctl2)));
	cipc_control_close(ctl2);
	cipc_control_info_free(ck_ok_ptr(cipc_control_get_info(ctl)));
	/* Closing closes the descriptor and leaves errno alone. */
	errno = 4242;
	cipc_control_close(ctl);
	ck_assert_int_eq(errno, 4242);
	ck_assert_int_eq(count_fds(), fds);
	ck_assert_int_eq(fd_flags_of(CONTROL_DEV), -1);

	/* Only the control device is taken for one, whatever its path. */
	ck_fails_ctl(cipc__control_open_path("/dev/cipc0", CIPC_ABI_VERSION),
		     ENODEV);
	ck_fails_ctl(cipc__control_open_path("/dev/null", CIPC_ABI_VERSION),
		     ENODEV);
	ck_fails_ctl(cipc__control_open_path("/", CIPC_ABI_VERSION), ENODEV);
	ck_fails_ctl(cipc__control_open_path("/dev/cipc-none",
					     CIPC_ABI_VERSION), ENOENT);
	ck_assert_int_eq(stat(CONTROL_DEV, &st), 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/control", dir);
	ck_assert_int_eq(mknod(path, S_IFCHR | 0600, st.st_rdev), 0);
	ctl = ck_ok_ptr(cipc__control_open_path(path, CIPC_ABI_VERSION));
	cipc_control_info_free(ck_ok_ptr(cipc_control_get_info(ctl)));
	cipc_control_close(ctl);
	unlink(path);
	rmdir(dir);
	/* The driver's ABI version is checked. */
	for (size_t i = 0; i < sizeof(bad_abi) / sizeof(bad_abi[0]); i++)
		ck_fails_ctl(cipc__control_open_path(CONTROL_DEV, bad_abi[i]),
			     EPROTO);
	/* And the control device is no channel. */
	ck_fails_null(cipc_channel_open_path(CONTROL_DEV, O_RDWR), ENODEV);
	ck_assert_int_eq(count_fds(), fds);

	/* The node is root's, 0600 (udev, not in this VM, may widen it). */
	ck_assert_msg(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600 &&
		      st.st_uid == 0 && st.st_gid == 0, "%s: mode %o, "
		      "owner %u:%u", CONTROL_DEV, st.st_mode, st.st_uid,
		      st.st_gid);
}
END_TEST

START_TEST(test_control_info)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int base = param("channels");
	struct cipc_control_info *li;
	struct cipc_ctl_info ki;
	unsigned int idx;

	li = ck_ok_ptr(cipc_control_get_info(ctl));
	ki = raw_ctl_info();
	ck_assert_uint_eq(cipc_control_info_get_abi_version(li),
			  CIPC_ABI_VERSION);
	ck_assert_uint_eq(ki.abi_version, CIPC_ABI_VERSION);
	ck_assert_uint_eq(cipc_control_info_get_channels(li), base);
	ck_assert_uint_eq(ki.channels, base);
	ck_assert_uint_eq(cipc_control_info_get_max_channels(li),
			  param("max_channels"));
	ck_assert_uint_eq(ki.max_channels,
			  cipc_control_info_get_max_channels(li));
	ck_assert_uint_eq(cipc_control_info_get_msg_max(li), param("msg_max"));
	ck_assert_uint_eq(ki.msg_max, cipc_control_info_get_msg_max(li));
	ck_assert_uint_eq(cipc_control_info_get_queue_depth(li),
			  param("queue_depth"));
	ck_assert_uint_eq(ki.queue_depth,
			  cipc_control_info_get_queue_depth(li));
	ck_assert_uint_eq(cipc_control_info_get_max_waiters(li),
			  param("max_waiters"));
	ck_assert_uint_eq(ki.max_waiters,
			  cipc_control_info_get_max_waiters(li));

	/* The count follows adds and removes; a snapshot does not. */
	idx = add_any(ctl, NULL);
	ck_assert_uint_eq(cipc_control_info_get_channels(li), base);
	cipc_control_info_free(li);
	li = ck_ok_ptr(cipc_control_get_info(ctl));
	ck_assert_uint_eq(cipc_control_info_get_channels(li), base + 1);
	cipc_control_info_free(li);
	ck_ok(cipc_control_remove(ctl, idx));
	li = ck_ok_ptr(cipc_control_get_info(ctl));
	ck_assert_uint_eq(cipc_control_info_get_channels(li), base);
	cipc_control_info_free(li);
	cipc_control_close(ctl);
}
END_TEST

/* cipc_control_add() at index with msg_max, defaults otherwise: the index. */
static unsigned int ctl_add(struct cipc_control *ctl, unsigned int index,
			    size_t msg_max, uint64_t *id)
{
	unsigned int got = UINT_MAX - 1;

	ck_ok(cipc_control_add(ctl, index, msg_max, 0, 0, &got, id));
	ck_assert_uint_ne(got, UINT_MAX - 1);
	return got;
}

/* The lowest free index, a working channel, root's node, its id. */
START_TEST(test_control_add_any)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), idx, idx2;
	struct cipc_channel_info *info;
	struct cipc_channel *ch;
	uint64_t id = UINT64_MAX, id3 = UINT64_MAX;
	char node[32];
	struct stat st;

	ck_assert_msg(free_index() + 1 < max, "fewer than two free indexes");
	idx = add_any(ctl, &id);
	ck_assert(chan_exists(idx));
	ck_assert_uint_eq(chan_id(idx), id);
	ck_assert_uint_eq(id % max, idx);
	snprintf(node, sizeof(node), "/dev/cipc%u", idx);
	ck_assert_msg(stat(node, &st) == 0, "%s: %s", node, errname(errno));
	ck_assert_msg(S_ISCHR(st.st_mode) && (st.st_mode & 07777) == 0600 &&
		      st.st_uid == 0 && st.st_gid == 0, "%s: mode %o, "
		      "owner %u:%u", node, st.st_mode, st.st_uid, st.st_gid);

	/* A new channel: the module's defaults, nothing signalled yet. */
	ch = ck_ok_ptr(cipc_channel_open(idx, O_RDWR));
	ck_assert_uint_eq(cipc_channel_index(ch), idx);
	ck_assert_uint_eq(cipc_channel_id(ch), id);
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_index(info), idx);
	ck_assert_uint_eq(cipc_channel_info_get_id(info), id);
	ck_assert_uint_eq(cipc_channel_info_get_msg_max(info),
			  param("msg_max"));
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(info),
			  param("queue_depth"));
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(info),
			  param("max_waiters"));
	ck_assert_int_eq(cipc_channel_info_get_mode(info),
			 CIPC_CHANNEL_MODE_ONE);
	ck_assert_uint_eq(cipc_channel_info_get_count(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_waiters(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_generation(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_seq(info), 0);
	ck_assert_uint_eq(cipc_channel_info_get_msg_len(info), 0);
	cipc_channel_info_free(info);
	ck_ok(cipc_channel_send(ch, "x", 1, CIPC_SEND_ONE, NULL));
	ck_ok(cipc_channel_trywait(ch));
	cipc_channel_close(ch);

	/* The next one takes the next free index; index and id may be left
	 * out. */
	ck_ok(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, 0, 0, NULL, NULL));
	idx2 = free_index() - 1;
	ck_assert_uint_ne(idx2, idx);
	ck_assert(chan_exists(idx2));
	/* A freed index is the lowest again, with the next id of its slot. */
	ck_ok(cipc_control_remove(ctl, idx));
	ck_assert_uint_eq(add_any(ctl, &id3), idx);
	ck_assert_uint_eq(id3, id + max);
	ck_ok(cipc_control_remove(ctl, idx));
	ck_ok(cipc_control_remove(ctl, idx2));
	cipc_control_close(ctl);
}
END_TEST

/* At an index; EEXIST, ENOSPC, EINVAL change nothing. */
START_TEST(test_control_add_at_index)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), base = param("channels");
	struct cipc_channel_info *info;
	struct cipc_channel *ch;
	unsigned int at, n, idx2 = 77;
	uint64_t id = UINT64_MAX, id2 = 77;

	if (max < base + 2) {
		fprintf(stderr, "note: %s skipped: it needs 2 free indexes\n",
			__func__);
		cipc_control_close(ctl);
		return;
	}
	at = max - 1;
	ck_assert_msg(!chan_exists(at), "cipc%u exists already", at);
	ck_assert_uint_eq(ctl_add(ctl, at, 16, &id), at);
	ck_assert_uint_eq(chan_id(at), id);
	ck_assert_uint_eq(id % max, at);
	ch = ck_ok_ptr(cipc_channel_open(at, O_RDWR));
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_msg_max(info), 16);
	ck_assert_uint_eq(cipc_channel_info_get_id(info), id);
	cipc_channel_info_free(info);
	ck_fails(cipc_channel_send(ch, "seventeen bytes!!", 17,
				   CIPC_SEND_ONE, NULL), EMSGSIZE);
	cipc_channel_close(ch);

	n = raw_ctl_info().channels;
#define ADD_FAILS(index, msg_max, qd, mw, err)				\
	ck_fails(cipc_control_add(ctl, index, msg_max, qd, mw, &idx2, &id2), \
		 err)
	ADD_FAILS(at, 0, 0, 0, EEXIST);
	if (base > 0)
		ADD_FAILS(0, 0, 0, 0, EEXIST);
	ADD_FAILS(max, 0, 0, 0, ENOSPC);
	ADD_FAILS(INT_MAX, 0, 0, 0, ENOSPC);
	ADD_FAILS(CIPC_INDEX_ANY - 1, 0, 0, 0, ENOSPC);
	ADD_FAILS(CIPC_INDEX_ANY, CIPC_MSG_MAX_LIMIT + 1, 0, 0, EINVAL);
	ADD_FAILS(CIPC_INDEX_ANY, 0, CIPC_QUEUE_DEPTH_LIMIT + 1, 0, EINVAL);
	ADD_FAILS(CIPC_INDEX_ANY, 0, UINT_MAX, 0, EINVAL);
	ADD_FAILS(CIPC_INDEX_ANY, 0, 0, CIPC_MAX_WAITERS_LIMIT + 1, EINVAL);
	ADD_FAILS(CIPC_INDEX_ANY, 0, 0, UINT_MAX, EINVAL);
	/* Above what the ABI carries: refused, not truncated (to 0, the
	 * default, which would succeed). */
	ADD_FAILS(CIPC_INDEX_ANY, (size_t)UINT32_MAX + 1, 0, 0, EINVAL);
	ADD_FAILS(CIPC_INDEX_ANY, SIZE_MAX, 0, 0, EINVAL);
#undef ADD_FAILS
	ck_assert_uint_eq(id2, 77);	/* untouched on failure */
	ck_assert_uint_eq(idx2, 77);
	ck_assert_uint_eq(raw_ctl_info().channels, n);
	ck_assert_uint_eq(chan_id(at), id);

	/* The largest msg_max, queue_depth and max_waiters. */
	ck_assert_msg(!chan_exists(at - 1), "cipc%u exists already", at - 1);
	ck_ok(cipc_control_add(ctl, at - 1, CIPC_MSG_MAX_LIMIT,
			       CIPC_QUEUE_DEPTH_LIMIT, CIPC_MAX_WAITERS_LIMIT,
			       &idx2, NULL));
	ck_assert_uint_eq(idx2, at - 1);
	ch = ck_ok_ptr(cipc_channel_open(at - 1, O_RDONLY));
	info = ck_ok_ptr(cipc_channel_get_info(ch));
	ck_assert_uint_eq(cipc_channel_info_get_msg_max(info),
			  CIPC_MSG_MAX_LIMIT);
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(info),
			  CIPC_QUEUE_DEPTH_LIMIT);
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(info),
			  CIPC_MAX_WAITERS_LIMIT);
	cipc_channel_info_free(info);
	ck_assert_uint_eq(chan_ull(at - 1, "queue_depth"),
			  CIPC_QUEUE_DEPTH_LIMIT);
	ck_assert_uint_eq(chan_ull(at - 1, "max_waiters"),
			  CIPC_MAX_WAITERS_LIMIT);
	cipc_channel_close(ch);
	ck_ok(cipc_control_remove(ctl, at - 1));
	ck_ok(cipc_control_remove(ctl, at));
	cipc_control_close(ctl);
}
END_TEST

/* max_channels channels at most: ENOSPC, until one goes. */
START_TEST(test_control_add_full)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), base = param("channels");
	unsigned int added = 0, idx;
	int err;

	while (cipc_control_add(ctl, CIPC_INDEX_ANY, 0, 0, 0, &idx, NULL) == 0)
		ck_assert_msg(++added <= max, "more than %u channels", max);
	err = errno;
	ck_assert_msg(err == ENOSPC, "add failed with %s after %u channels, "
		      "not ENOSPC", errname(err), base + added);
	ck_assert_uint_eq(added, max - base);
	ck_assert_uint_eq(raw_ctl_info().channels, max);
	ck_fails(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, 0, 0, NULL, NULL),
		 ENOSPC);
	ck_fails(cipc_control_add(ctl, max - 1, 0, 0, 0, NULL, NULL), EEXIST);
	ck_fails(cipc_control_add(ctl, max, 0, 0, 0, NULL, NULL), ENOSPC);
	/* One goes, one can come. */
	ck_ok(cipc_control_remove(ctl, max - 1));
	ck_assert_uint_eq(ctl_add(ctl, CIPC_INDEX_ANY, 0, NULL), max - 1);
	for (unsigned int i = base; i < max; i++)
		ck_ok(cipc_control_remove(ctl, i));
	ck_assert_uint_eq(raw_ctl_info().channels, base);
	cipc_control_close(ctl);
}
END_TEST

/* Removing: node and sysfs directory go at once; ENOENT after. */
START_TEST(test_control_remove)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), base = param("channels");
	unsigned int idx;
	uint64_t id;
	char node[32];
	struct stat st;

	idx = add_any(ctl, &id);
	snprintf(node, sizeof(node), "/dev/cipc%u", idx);
	ck_assert_int_eq(stat(node, &st), 0);
	ck_ok(cipc_control_remove(ctl, idx));
	ck_assert(!chan_exists(idx));
	ck_fails(stat(node, &st), ENOENT);
	ck_assert_uint_eq(raw_ctl_info().channels, base);
	ck_fails_null(cipc_channel_open(idx, O_RDONLY), ENOENT);
	ck_fails(cipc_control_remove(ctl, idx), ENOENT);
	ck_fails(cipc_control_remove(ctl, max), ENOENT);
	ck_fails(cipc_control_remove(ctl, UINT_MAX), ENOENT);
	ck_fails(cipc_control_remove_id(ctl, id), ENOENT);

	/* By id. */
	idx = add_any(ctl, &id);
	ck_ok(cipc_control_remove_id(ctl, id));
	ck_assert(!chan_exists(idx));
	ck_fails(stat(node, &st), ENOENT);
	ck_assert_uint_eq(raw_ctl_info().channels, base);
	cipc_control_close(ctl);
}
END_TEST

/* The handle's id is the driver's: sysfs, CIPC_IOC_INFO, get_info. */
START_TEST(test_channel_id)
{
	unsigned int base = param("channels"), max = param("max_channels");
	struct cipc_channel_info *li;
	struct cipc_channel *ch;
	struct cipc_info ki;
	int fd;

	for (unsigned int i = 0; i < base; i++) {
		uint64_t id;

		ch = ck_ok_ptr(cipc_channel_open(i, O_RDONLY));
		id = cipc_channel_id(ch);
		ck_assert_uint_eq(id, chan_id(i));
		ck_assert_uint_eq(id % max, i);
		li = ck_ok_ptr(cipc_channel_get_info(ch));
		ck_assert_uint_eq(cipc_channel_info_get_id(li), id);
		cipc_channel_info_free(li);
		memset(&ki, 0xa5, sizeof(ki));
		ck_assert_int_eq(ioctl(cipc_channel_fd(ch), CIPC_IOC_INFO,
				       &ki), 0);
		ck_assert_uint_eq(ki.id, id);
		cipc_channel_close(ch);
	}
	if (!base)
		return;
	/* Whichever way the handle was made. */
	ch = ck_ok_ptr(cipc_channel_open_path("/dev/cipc0", O_RDONLY));
	ck_assert_uint_eq(cipc_channel_id(ch), chan_id(0));
	cipc_channel_close(ch);
	fd = raw_open(0, O_RDONLY);
	ch = ck_ok_ptr(cipc_channel_from_fd(fd));
	ck_assert_uint_eq(cipc_channel_id(ch), chan_id(0));
	cipc_channel_close(ch);
}
END_TEST

/* id = seq * max_channels + index; seq + 1 per removal, slot by slot. */
START_TEST(test_id_formula)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), idx, other;
	uint64_t prev, id, oid, oid2;

	idx = add_any(ctl, &prev);
	ck_assert_uint_eq(prev % max, idx);
	for (int round = 0; round < 4; round++) {
		/* Both ways of removing count. */
		if (round % 2)
			ck_ok(cipc_control_remove_id(ctl, prev));
		else
			ck_ok(cipc_control_remove(ctl, idx));
		ck_assert_uint_eq(ctl_add(ctl, idx, 0, &id), idx);
		ck_assert_msg(id == prev + max, "round %d: id %" PRIu64
			      " after %" PRIu64 ", expected + %u", round, id,
			      prev, max);
		ck_assert_uint_eq(chan_id(idx), id);
		prev = id;
	}
	/* Another slot's seq does not move with this one's. */
	other = add_any(ctl, &oid);
	ck_assert_uint_eq(oid % max, other);
	ck_ok(cipc_control_remove(ctl, idx));
	ctl_add(ctl, idx, 0, &id);
	ck_assert_uint_eq(id, prev + max);
	ck_assert_uint_eq(chan_id(other), oid);
	ck_ok(cipc_control_remove(ctl, other));
	ctl_add(ctl, other, 0, &oid2);
	ck_assert_uint_eq(oid2, oid + max);
	ck_assert_uint_eq(chan_id(idx), id);
	ck_ok(cipc_control_remove(ctl, other));
	ck_ok(cipc_control_remove(ctl, idx));
	cipc_control_close(ctl);
}
END_TEST

START_TEST(test_open_id)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), idx, f;
	struct cipc_channel *ch;
	uint64_t id0 = chan_id(CHAN), id;
	int fd, fds;

	ch = ck_ok_ptr(cipc_channel_open_id(id0, O_RDWR));
	ck_assert_uint_eq(cipc_channel_index(ch), CHAN);
	ck_assert_uint_eq(cipc_channel_id(ch), id0);
	fd = cipc_channel_fd(ch);
	ck_assert_int_eq(fcntl(fd, F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK), O_RDWR);
	cipc_channel_close(ch);
	ch = ck_ok_ptr(cipc_channel_open_id(id0, O_RDONLY | O_NONBLOCK));
	ck_assert_int_eq(fcntl(cipc_channel_fd(ch), F_GETFL) &
			 (O_ACCMODE | O_NONBLOCK), O_RDONLY | O_NONBLOCK);
	cipc_channel_close(ch);

	fds = count_fds();
	/* Index 0 holds another id than these: ESTALE, nothing left open. */
	ck_fails_null(cipc_channel_open_id(id0 + max, O_RDONLY), ESTALE);
	if (id0 >= max)
		ck_fails_null(cipc_channel_open_id(id0 - max, O_RDWR), ESTALE);
	/* No channel at the index. */
	f = free_index();
	ck_assert_uint_lt(f, max);
	ck_fails_null(cipc_channel_open_id(f, O_RDONLY), ENOENT);
	ck_fails_null(cipc_channel_open_id(f + 7ULL * max, O_RDONLY), ENOENT);
	ck_fails_null(cipc_channel_open_id(id0, O_RDWR | O_CREAT), EINVAL);
	ck_assert_int_eq(count_fds(), fds);

	/* An added channel, by its id; gone once removed. */
	idx = add_any(ctl, &id);
	ch = ck_ok_ptr(cipc_channel_open_id(id, O_WRONLY));
	ck_assert_uint_eq(cipc_channel_index(ch), idx);
	ck_assert_uint_eq(cipc_channel_id(ch), id);
	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(chan_ull(idx, "count"), 1);
	cipc_channel_close(ch);
	ck_ok(cipc_control_remove(ctl, idx));
	ck_fails_null(cipc_channel_open_id(id, O_RDONLY), ENOENT);
	cipc_control_close(ctl);
}
END_TEST

/*
 * A node left at /dev/cipcN by a removed channel (a static /dev, a copy
 * made with mknod) is no channel: open_id() says ENOENT, as for no node,
 * never ENODEV; opening the node by index or path says ENODEV.
 */
START_TEST(test_open_id_left_node)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int idx;
	char node[32];
	struct stat st;
	uint64_t id;

	idx = add_any(ctl, &id);
	snprintf(node, sizeof(node), "/dev/cipc%u", idx);
	ck_assert_int_eq(stat(node, &st), 0);
	ck_ok(cipc_control_remove(ctl, idx));
	ck_fails(access(node, F_OK), ENOENT);
	ck_fails_null(cipc_channel_open_id(id, O_RDONLY), ENOENT);

	/* The same node again, as a static /dev would keep it. */
	ck_assert_msg(mknod(node, S_IFCHR | 0600, st.st_rdev) == 0,
		      "mknod(%s): %s", node, errname(errno));
	ck_fails_null(cipc_channel_open_id(id, O_RDONLY), ENOENT);
	ck_fails_null(cipc_channel_open_id(id, O_RDWR | O_NONBLOCK), ENOENT);
	ck_fails_null(cipc_channel_open(idx, O_RDONLY), ENODEV);
	ck_fails_null(cipc_channel_open_path(node, O_RDONLY), ENODEV);
	/* The driver refuses it too, when asked directly. */
	ck_fails(open(node, O_RDONLY | O_CLOEXEC), ENODEV);
	ck_assert_int_eq(unlink(node), 0);
	cipc_control_close(ctl);
}
END_TEST

/*
 * Nodes are opened through /proc/self/fd: without /proc (an empty tmpfs
 * over it in a mount namespace of a child; unmounting it would uncover
 * the host's /proc through the guest's 9p root), opening fails with ENOENT.
 */
START_TEST(test_no_proc)
{
	static const char *const what[] = {
		[10] = "could not hide /proc in a new mount namespace",
		[11] = "cipc_channel_open did not fail with ENOENT",
		[12] = "cipc_channel_open_path did not fail with ENOENT",
		[13] = "cipc_control_open did not fail with ENOENT",
		[14] = "cipc_channel_from_fd failed",
	};
	pid_t parent = getpid(), pid;
	int status, code, fd;

	fd = raw_open(CHAN, O_RDONLY);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cipc_channel *ch;
		struct cipc_control *c;

		child_init(parent);
		if (unshare(CLONE_NEWNS) ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("none", "/proc", "tmpfs", MS_NOSUID | MS_NODEV |
			  MS_NOEXEC, "size=16k") ||
		    access("/proc/self", F_OK) == 0)
			_exit(10);
		errno = 0;
		ch = cipc_channel_open(CHAN, O_RDONLY);
		if (ch || errno != ENOENT)
			_exit(11);
		errno = 0;
		ch = cipc_channel_open_path("/dev/cipc0", O_RDONLY);
		if (ch || errno != ENOENT)
			_exit(12);
		errno = 0;
		c = cipc_control_open();
		if (c || errno != ENOENT)
			_exit(13);
		/* A descriptor needs no /proc. */
		ch = cipc_channel_from_fd(fd);
		if (!ch)
			_exit(14);
		cipc_channel_close(ch);
		_exit(0);
	}
	close(fd);
	status = reap(pid, SETTLE_MS);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ck_assert_msg(code == 0, "without /proc: %s (status %#x)",
		      code > 0 && (size_t)code < sizeof(what) / sizeof(what[0])
		      && what[code] ? what[code] : "the child failed", status);
}
END_TEST

/* poll reports a removed channel as an error and a hang-up. */
static void expect_pollhup(struct cipc_channel *ch)
{
	struct pollfd pfd = { .fd = cipc_channel_fd(ch), .events = POLLIN };

	ck_assert_int_eq(poll(&pfd, 1, 0), 1);
	ck_assert_msg((pfd.revents & (POLLERR | POLLHUP)) ==
		      (POLLERR | POLLHUP), "poll: revents %#x", pfd.revents);
}

/*
 * Every operation through handles of a removed channel (rw: O_RDWR, ro:
 * O_RDONLY) fails with err, at once.
 */
static void expect_ops_fail(struct cipc_channel *rw, struct cipc_channel *ro,
			    int err)
{
	static struct thread_wait t;	/* outlives a failed test */
	struct cipc_msg_info mi = { .len = 77 };
	enum cipc_channel_mode m;
	uint64_t deadline;
	pthread_t th;
	char buf[8];

	ck_fails(cipc_channel_complete(rw), err);
	ck_fails(cipc_channel_complete_all(rw), err);
	ck_fails(cipc_channel_reinit(rw), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_ONE, NULL), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_ALL, NULL), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_MODE, NULL), err);
	ck_fails(cipc_channel_send(rw, NULL, 0, CIPC_SEND_MODE, &deadline),
		 err);
	ck_fails(cipc_channel_set_mode(rw, CIPC_CHANNEL_MODE_ALL), err);
	ck_fails(cipc_channel_reset_stats(rw), err);
	for (int i = 0; i < 2; i++) {
		struct cipc_channel *ch = i ? ro : rw;

		ck_fails(cipc_channel_wait(ch, 0), err);
		/* A broken driver would time out: ETIMEDOUT, not a hang. */
		ck_fails(cipc_channel_wait(ch, 2000 * NS_PER_MS), err);
		ck_fails(cipc_channel_trywait(ch), err);
		ck_fails(cipc_channel_receive(ch, buf, sizeof(buf), 0, &mi),
			 err);
		ck_fails(cipc_channel_receive(ch, buf, sizeof(buf),
					      2000 * NS_PER_MS, &mi), err);
		ck_fails(cipc_channel_tryreceive(ch, buf, sizeof(buf), &mi),
			 err);
		ck_fails(cipc_channel_wait_until(ch, CLOCK_MONOTONIC,
						 clock_ns(CLOCK_MONOTONIC) +
						 2000 * NS_PER_MS), err);
		ck_fails(cipc_channel_receive_until(ch, buf, sizeof(buf),
						    CLOCK_REALTIME, 0, &mi),
			 err);
		ck_fails(cipc_channel_done(ch), err);
		ck_fails(cipc_channel_get_mode(ch, &m), err);
		ck_fails_ptr(cipc_channel_get_info(ch), err,
			     cipc_channel_info_free);
		ck_fails_ptr(cipc_channel_get_stats(ch), err,
			     cipc_channel_stats_free);
	}
	ck_assert_uint_eq(mi.len, 77);

	/* A wait without a time limit: in a thread, with a deadline. */
	t.ch = ro;
	atomic_init(&t.finished, false);
	ck_assert_int_eq(pthread_create(&th, NULL, wait_thread, &t), 0);
	deadline = now_ms() + RELEASE_MS;
	while (!atomic_load(&t.finished)) {
		ck_assert_msg(now_ms() < deadline, "a wait without limit "
			      "blocks on a removed channel");
		sleep_ms(1);
	}
	pthread_join(th, NULL);
	ck_assert_msg(t.ret == -1 && t.err == err, "wait without limit: %d "
		      "(%s), expected -1 with %s", t.ret, errname(t.err),
		      errname(err));
}

/*
 * A handle outlives its channel: ENODEV once it is removed, ESTALE once
 * another channel has its index; open_id() and remove_id() tell the two
 * channels apart; the new channel is never touched through the old handle.
 */
START_TEST(test_stale_handle)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), idx;
	struct cipc_channel *rw, *ro, *ch;
	const struct cipc_stats zero = { 0 };
	struct cipc_stats ks;
	struct cipc_info ki;
	uint64_t old, new;
	int fd;

	idx = add_any(ctl, &old);
	rw = ck_ok_ptr(cipc_channel_open(idx, O_RDWR));
	ro = ck_ok_ptr(cipc_channel_open(idx, O_RDONLY));
	ck_assert_uint_eq(cipc_channel_id(rw), old);
	ck_ok(cipc_channel_complete(rw));
	ck_ok(cipc_channel_trywait(ro));

	/* Removed, nothing at its index: ENODEV. */
	ck_ok(cipc_control_remove(ctl, idx));
	ck_assert(!chan_exists(idx));
	expect_ops_fail(rw, ro, ENODEV);
	expect_pollhup(rw);
	/* What the handle remembers stays. */
	ck_assert_uint_eq(cipc_channel_index(rw), idx);
	ck_assert_uint_eq(cipc_channel_id(rw), old);

	/* Another channel at that index: ESTALE through the old handles. */
	ck_assert_uint_eq(ctl_add(ctl, idx, 0, &new), idx);
	ck_assert_uint_eq(new, old + max);
	expect_ops_fail(rw, ro, ESTALE);
	expect_pollhup(ro);
	ck_assert_uint_eq(cipc_channel_id(rw), old);
	/* None of that reached the new channel. */
	fd = raw_open(idx, O_RDONLY);
	memset(&ki, 0xa5, sizeof(ki));
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_INFO, &ki), 0);
	ck_assert_uint_eq(ki.id, new);
	ck_assert_uint_eq(ki.count, 0);
	ck_assert_uint_eq(ki.generation, 0);
	ck_assert_uint_eq(ki.mode, CIPC_MODE_ONE);
	ck_assert_uint_eq(ki.msg_len, 0);
	memset(&ks, 0xa5, sizeof(ks));
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_GET_STATS, &ks), 0);
#define X(f) ck_assert_msg(ks.f == zero.f, "new channel: stats." #f " = %llu",\
			   (unsigned long long)ks.f);
	STATS_FIELDS(X)
#undef X
	close(fd);
	/* Closing a stale handle keeps errno. */
	errno = ESTALE;
	cipc_channel_close(ro);
	ck_assert_int_eq(errno, ESTALE);

	/* By id: the old channel is gone for good, the new one opens. */
	ck_fails_null(cipc_channel_open_id(old, O_RDWR), ESTALE);
	ch = ck_ok_ptr(cipc_channel_open_id(new, O_RDWR));
	ck_assert_uint_eq(cipc_channel_index(ch), idx);
	ck_assert_uint_eq(cipc_channel_id(ch), new);
	ck_fails(cipc_channel_trywait(ch), EAGAIN);	/* live: no ESTALE */
	ck_ok(cipc_channel_complete(ch));
	ck_assert_uint_eq(chan_ull(idx, "count"), 1);

	/* remove_id() of the old id, or of one never issued, removes nothing. */
	ck_fails(cipc_control_remove_id(ctl, old), ESTALE);
	ck_fails(cipc_control_remove_id(ctl, new + max), ESTALE);
	ck_assert(chan_exists(idx));
	ck_assert_uint_eq(chan_id(idx), new);
	ck_ok(cipc_channel_trywait(ch));
	ck_ok(cipc_control_remove_id(ctl, new));
	ck_assert(!chan_exists(idx));

	/* The index is empty again: ENODEV through both handles. */
	ck_fails(cipc_channel_complete(rw), ENODEV);
	ck_fails_ptr(cipc_channel_get_info(rw), ENODEV, cipc_channel_info_free);
	ck_fails(cipc_channel_complete(ch), ENODEV);
	ck_fails_null(cipc_channel_open_id(new, O_RDWR), ENOENT);
	ck_fails(cipc_control_remove_id(ctl, new), ENOENT);
	cipc_channel_close(ch);
	cipc_channel_close(rw);
	cipc_control_close(ctl);
}
END_TEST

/* Waiters blocked on a channel that is removed return at once: ENODEV. */
START_TEST(test_removed_waiters)
{
	struct cipc_control *ctl = open_ctl();
	struct wreq rq[3];
	struct waiter w[3];
	unsigned int idx;
	uint64_t t0;

	idx = add_any(ctl, NULL);
	memset(rq, 0, sizeof(rq));
	for (int i = 0; i < 3; i++) {
		rq[i].index = idx;
		rq[i].timeout_ns = CIPC_TIMEOUT_INFINITE;
		rq[i].op = W_WAIT;
	}
	rq[1].timeout_ns = 60000 * NS_PER_MS;
	rq[2].op = W_RECEIVE;
	for (unsigned int i = 0; i < 3; i++)
		waiter_start_blocked(&w[i], &rq[i], i + 1);
	/* Still blocked after BLOCKED_MS (>= 100 ms). */
	waiter_expect_blocked(&w[0], BLOCKED_MS);
	waiter_expect_blocked(&w[1], 0);
	waiter_expect_blocked(&w[2], 0);

	t0 = now_ns();
	ck_ok(cipc_control_remove(ctl, idx));
	for (int i = 0; i < 3; i++) {
		const struct wres *r = waiter_result(&w[i], RELEASE_MS);

		ck_assert_msg(r->ret == -1 && r->err == ENODEV, "waiter %d: "
			      "%lld (%s), expected -1 with ENODEV", i,
			      (long long)r->ret, errname(r->err));
		ck_assert_msg(r->t_end_ns - t0 < RELEASE_MS * NS_PER_MS,
			      "waiter %d returned %llu ms after the removal",
			      i, (unsigned long long)(r->t_end_ns - t0) /
			      NS_PER_MS);
		ck_assert_msg(r->t_end_ns - r->t_start_ns >=
			      BLOCKED_MS * NS_PER_MS, "waiter %d was blocked "
			      "only %llu ms", i, (unsigned long long)
			      (r->t_end_ns - r->t_start_ns) / NS_PER_MS);
		waiter_end(&w[i]);
	}
	cipc_control_close(ctl);
}
END_TEST

/* Adding, removing and resetting counters need CAP_SYS_ADMIN. */
START_TEST(test_unprivileged)
{
	static const char *const what[] = {
		[10] = "could not drop to the unprivileged user",
		[11] = "add at any index did not fail with EPERM",
		[12] = "add at a free index did not fail with EPERM",
		[13] = "remove did not fail with EPERM",
		[14] = "remove_id did not fail with EPERM",
		[15] = "reset_stats did not fail with EPERM",
		[16] = "control get_info failed or was wrong",
		[17] = "cipc_control_open did not fail with EACCES",
		[18] = "cipc_channel_open did not fail with EACCES",
	};
	struct cipc_control *ctl = open_ctl();
	struct cipc_channel *ch;
	unsigned int idx, f, n;
	pid_t parent = getpid(), pid;
	uint64_t id;
	int status, code;

	idx = add_any(ctl, &id);
	f = free_index();
	ck_assert_uint_lt(f, param("max_channels"));
	ch = ck_ok_ptr(cipc_channel_open(idx, O_RDWR));
	ck_ok(cipc_channel_complete(ch));
	n = raw_ctl_info().channels;

	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cipc_control_info *info;
		struct cipc_control *c2;
		struct cipc_channel *ch2;
		uint64_t x = 0;

		child_init(parent);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		errno = 0;
		if (cipc_control_add(ctl, CIPC_INDEX_ANY, 0, 0, 0, NULL,
				     &x) != -1 || errno != EPERM)
			_exit(11);
		errno = 0;
		if (cipc_control_add(ctl, f, 0, 0, 0, NULL, &x) != -1 ||
		    errno != EPERM)
			_exit(12);
		errno = 0;
		if (cipc_control_remove(ctl, idx) != -1 || errno != EPERM)
			_exit(13);
		errno = 0;
		if (cipc_control_remove_id(ctl, id) != -1 || errno != EPERM)
			_exit(14);
		errno = 0;
		if (cipc_channel_reset_stats(ch) != -1 || errno != EPERM)
			_exit(15);
		/* Querying needs no privilege. */
		info = cipc_control_get_info(ctl);
		if (!info || cipc_control_info_get_channels(info) != n)
			_exit(16);
		cipc_control_info_free(info);
		/* The nodes are root's, 0600. */
		errno = 0;
		c2 = cipc_control_open();
		if (c2 || errno != EACCES)
			_exit(17);
		errno = 0;
		ch2 = cipc_channel_open(idx, O_RDONLY);
		if (ch2 || errno != EACCES)
			_exit(18);
		_exit(0);
	}
	status = reap(pid, SETTLE_MS);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	ck_assert_msg(code == 0, "as uid %d: %s (status %#x)", NOBODY,
		      code > 0 && (size_t)code < sizeof(what) / sizeof(what[0])
		      && what[code] ? what[code] : "the child failed", status);
	/* Nothing changed. */
	ck_assert_uint_eq(raw_ctl_info().channels, n);
	ck_assert(chan_exists(idx));
	ck_assert_uint_eq(chan_id(idx), id);
	ck_assert(!chan_exists(f));
	ck_assert_uint_eq(chan_ull(idx, "stats/complete"), 1);
	cipc_channel_close(ch);
	ck_ok(cipc_control_remove(ctl, idx));
	cipc_control_close(ctl);
}
END_TEST

/* Drop to NOBODY keeping only CAP_SYS_ADMIN (no DAC override). */
static int drop_to_nobody_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	if (prctl(PR_SET_KEEPCAPS, 1) || setgroups(0, NULL) ||
	    setgid(NOBODY) || setuid(NOBODY))
		return -1;
	memset(data, 0, sizeof(data));
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].permitted =
		CAP_TO_MASK(CAP_SYS_ADMIN);
	data[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective =
		CAP_TO_MASK(CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

/*
 * A control node others may only read (0604, as a udev rule might make
 * it): cipc_control_open() falls back to read-only, which is enough to
 * query; adding and removing then fail with EPERM, or with EBADF for a
 * caller with CAP_SYS_ADMIN (who could not open it for writing).
 */
START_TEST(test_control_read_only)
{
	static const char *const what[] = {
		[10] = "could not drop to the unprivileged user",
		[11] = "cipc_control_open failed",
		[12] = "the control descriptor is not O_RDONLY|O_CLOEXEC",
		[13] = "control get_info failed or was wrong",
		[14] = "add did not fail with EPERM",
		[15] = "remove did not fail with EPERM",
		[16] = "remove_id did not fail with EPERM",
		[17] = "add did not fail with EBADF (CAP_SYS_ADMIN)",
		[18] = "remove did not fail with EBADF (CAP_SYS_ADMIN)",
		[19] = "remove_id did not fail with EBADF (CAP_SYS_ADMIN)",
	};
	struct cipc_control *ctl = open_ctl();
	pid_t parent = getpid(), pid;
	unsigned int idx, n;
	int status, code;
	uint64_t id;

	idx = add_any(ctl, &id);
	n = raw_ctl_info().channels;
	ck_assert_int_eq(chmod(CONTROL_DEV, 0604), 0);
	for (int admin = 0; admin < 2; admin++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (!pid) {
			struct cipc_control_info *info;
			struct cipc_control *c;
			int fl, e = admin ? EBADF : EPERM;
			uint64_t x;

			child_init(parent);
			if (admin ? drop_to_nobody_admin() :
			    setgroups(0, NULL) || setgid(NOBODY) ||
			    setuid(NOBODY))
				_exit(10);
			c = cipc_control_open();
			if (!c)
				_exit(11);
			fl = fcntl(c->fd, F_GETFL);
			if (fl < 0 || (fl & O_ACCMODE) != O_RDONLY ||
			    fcntl(c->fd, F_GETFD) != FD_CLOEXEC)
				_exit(12);
			info = cipc_control_get_info(c);
			if (!info ||
			    cipc_control_info_get_channels(info) != n ||
			    cipc_control_info_get_abi_version(info) !=
			    CIPC_ABI_VERSION ||
			    cipc_control_info_get_max_channels(info) !=
			    param("max_channels"))
				_exit(13);
			cipc_control_info_free(info);
			errno = 0;
			if (cipc_control_add(c, CIPC_INDEX_ANY, 0, 0, 0, NULL,
					     &x) != -1 || errno != e)
				_exit(admin ? 17 : 14);
			errno = 0;
			if (cipc_control_remove(c, idx) != -1 || errno != e)
				_exit(admin ? 18 : 15);
			errno = 0;
			if (cipc_control_remove_id(c, id) != -1 || errno != e)
				_exit(admin ? 19 : 16);
			cipc_control_close(c);
			_exit(0);
		}
		status = reap(pid, SETTLE_MS);
		code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		ck_assert_msg(code == 0, "as uid %d%s, node 0604: %s (status "
			      "%#x)", NOBODY, admin ? " with CAP_SYS_ADMIN" :
			      "", code > 0 && (size_t)code <
			      sizeof(what) / sizeof(what[0]) && what[code] ?
			      what[code] : "the child failed", status);
	}
	ck_assert_int_eq(chmod(CONTROL_DEV, control_mode ? control_mode :
			       0600), 0);
	/* Nothing changed. */
	ck_assert_uint_eq(raw_ctl_info().channels, n);
	ck_assert_uint_eq(chan_id(idx), id);
	ck_ok(cipc_control_remove(ctl, idx));
	cipc_control_close(ctl);
}
END_TEST

static Suite *lib_suite(void)
{
	Suite *s = suite_create("libcipc");
	TCase *tc = tcase_create("driver");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_open_by_index);
	tcase_add_test(tc, test_open_path);
	tcase_add_test(tc, test_from_fd);
	tcase_add_test(tc, test_abi_mismatch);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_complete_wait);
	tcase_add_test(tc, test_wait_blocks_until_complete);
	tcase_add_test(tc, test_complete_releases_one);
	tcase_add_test(tc, test_complete_all_releases_waiters);
	tcase_add_test(tc, test_wait_timeout);
	tcase_add_test(tc, test_eintr_forever);
	tcase_add_test(tc, test_eintr_timed);
	tcase_add_test(tc, test_eintr_receive);
	tcase_add_test(tc, test_sa_restart_timed);
	tcase_add_test(tc, test_sa_restart_forever);
	tcase_add_test(tc, test_sa_restart_any_negative);
	tcase_add_test(tc, test_stop_continue);
	tcase_add_test(tc, test_trywait);
	tcase_add_test(tc, test_done);
	tcase_add_test(tc, test_send_receive);
	tcase_add_test(tc, test_receive_huge_size);
	tcase_add_test(tc, test_receive_cross_process);
	tcase_add_test(tc, test_send_emsgsize);
	tcase_add_test(tc, test_send_mode);
	tcase_add_test(tc, test_reinit);
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_stats_and_reset);
	tcase_add_test(tc, test_poll);
	tcase_add_test(tc, test_ebadf_modes);
	tcase_add_test(tc, test_threads_share_handle);
	tcase_add_test(tc, test_example_program);
	suite_add_tcase(s, tc);

	tc = tcase_create("control");
	tcase_add_checked_fixture(tc, control_fixture, control_fixture);
	tcase_add_unchecked_fixture(tc, control_record, control_cleanup);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_control_open);
	tcase_add_test(tc, test_control_info);
	tcase_add_test(tc, test_control_add_any);
	tcase_add_test(tc, test_control_add_at_index);
	tcase_add_test(tc, test_control_add_full);
	tcase_add_test(tc, test_control_remove);
	tcase_add_test(tc, test_channel_id);
	tcase_add_test(tc, test_id_formula);
	tcase_add_test(tc, test_open_id);
	tcase_add_test(tc, test_open_id_left_node);
	tcase_add_test(tc, test_no_proc);
	tcase_add_test(tc, test_stale_handle);
	tcase_add_test(tc, test_removed_waiters);
	tcase_add_test(tc, test_unprivileged);
	tcase_add_test(tc, test_control_read_only);
	suite_add_tcase(s, tc);

	/* test_lib_msg.c: the semantics of libcipc 1.0. */
	suite_add_tcase(s, lib_msg_tcase());
	suite_add_tcase(s, lib_msg_control_tcase());
	return s;
}

int main(void)
{
	return libtest_run(lib_suite());
}
