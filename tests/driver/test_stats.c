// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "stats": the counters of CIPC_IOC_GET_STATS and sysfs stats/ equal
 * the operations performed, wait == woken + timeout + interrupted + again,
 * reset through CIPC_IOC_RESET_STATS and sysfs stats/reset, and neither
 * reset is available to an unprivileged process, who cannot read the
 * counters and the state in sysfs either (0440) but can read the identity
 * and the limits (0444).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define NOBODY 65534

/* All counters of the channel equal `want' (ioctl and sysfs). */
static void expect_stats(int fd, const struct cipc_stats *want,
			 const char *step)
{
	struct cipc_stats s = get_stats(fd);

#define X(f) ck_assert_msg(s.f == want->f, "after %s: stats." #f " = %llu, "	\
			   "expected %llu", step, (unsigned long long)s.f,	\
			   (unsigned long long)want->f);
	X(complete) X(complete_all) X(reinit) X(wait) X(woken) X(timeout)
	X(interrupted) X(again) X(bytes_in) X(bytes_out) X(full) X(discarded)
	X(refused)
#undef X
	for (unsigned int i = 0; i < 3; i++)
		ck_assert_msg(s.reserved[i] == 0, "stats.reserved[%u] = %llu",
			      i, (unsigned long long)s.reserved[i]);
	expect_sysfs_stats(0, &s);
}

START_TEST(test_stats_zero_after_reset)
{
	int fd = chan_open(0, O_RDONLY);
	const struct cipc_stats zero = { 0 };

	expect_stats(fd, &zero, "the fixture's reset");
	close(fd);
}
END_TEST

/* Every kind of operation, each checked right after it. */
START_TEST(test_stats_count_operations)
{
	int fd = chan_open(0, O_RDWR);
	int nbfd = chan_open(0, O_RDONLY | O_NONBLOCK);
	const struct waiter_req intr = {
		.chan = 0, .op = WOP_READ, .sig = WSIG_HANDLER,
	};
	struct cipc_stats want = { 0 };
	struct cipc_wait w;
	struct waiter wt;
	char buf[64];

	if (!need_msg_max(fd, 8))
		return;

	ck_assert_int_eq(ck_ok(write(fd, "abcd", 4)), 4);
	want.complete = 1, want.bytes_in = 4;
	expect_stats(fd, &want, "write(\"abcd\")");

	ck_ok(ioc_complete(fd, "hello", 5));
	want.complete = 2, want.bytes_in = 9;
	expect_stats(fd, &want, "COMPLETE(\"hello\")");

	ck_ok(ioc_complete(fd, NULL, 0));
	want.complete = 3;
	expect_stats(fd, &want, "COMPLETE");

	/* The head of the queue, truncated: 2 bytes copied out. */
	ck_assert_int_eq(ck_ok(read(fd, buf, 2)), 2);
	ck_assert_mem_eq(buf, "ab", 2);
	want.wait = 1, want.woken = 1, want.bytes_out = 2;
	expect_stats(fd, &want, "read(2 bytes of \"abcd\")");

	ck_ok(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.msg_len, 5);
	want.wait = 2, want.woken = 2, want.bytes_out = 7;
	expect_stats(fd, &want, "WAIT with a buffer (\"hello\")");

	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	want.wait = 3, want.woken = 3;
	expect_stats(fd, &want, "TRYWAIT without a buffer");

	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	want.wait = 4, want.again = 1;
	expect_stats(fd, &want, "TRYWAIT -> EAGAIN");

	ck_fails(read(nbfd, buf, sizeof(buf)), EAGAIN);
	want.wait = 5, want.again = 2;
	expect_stats(fd, &want, "O_NONBLOCK read -> EAGAIN");

	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	want.wait = 6, want.timeout = 1;
	expect_stats(fd, &want, "WAIT(0) -> ETIMEDOUT");

	ck_fails(ioc_wait(fd, 50 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	want.wait = 7, want.timeout = 2;
	expect_stats(fd, &want, "WAIT(50 ms) -> ETIMEDOUT");

	waiter_start_blocked(&wt, &intr, fd, 1);
	ck_assert_int_eq(kill(wt.pid, SIGUSR1), 0);
	ck_assert_int_eq(waiter_result(&wt, RELEASE_MS)->err, EINTR);
	waiter_end(&wt);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS), "waiters not back to 0");
	want.wait = 8, want.interrupted = 1;
	expect_stats(fd, &want, "read -> EINTR");

	ck_ok(ioc_reinit(fd));
	want.reinit = 1;
	expect_stats(fd, &want, "REINIT");

	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	expect_stats(fd, &want, "SET_MODE");
	ck_assert_int_eq(ck_ok(write(fd, "xyz", 3)), 3);
	want.complete_all = 1, want.bytes_in = 12;
	expect_stats(fd, &want, "write(\"xyz\") in mode all");

	ck_assert_int_eq(ck_ok(read(fd, buf, sizeof(buf))), 3);
	want.wait = 9, want.woken = 4, want.bytes_out = 10;
	expect_stats(fd, &want, "read after complete_all");

	ck_ok(ioc_complete_all(fd, NULL, 0));
	want.complete_all = 2;
	expect_stats(fd, &want, "COMPLETE_ALL");

	/* complete() in the all state: counted, and discarded at once. */
	ck_ok(ioc_complete(fd, NULL, 0));
	want.complete = 4, want.discarded = 1;
	expect_stats(fd, &want, "COMPLETE in the all state");
	ck_ok(ioc_reinit(fd));
	want.reinit = 2;
	expect_stats(fd, &want, "REINIT after the all state");

	/* A full queue: EAGAIN counted in full only. */
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	uint32_t depth = get_info(fd).queue_depth;

	for (uint32_t i = 0; i < depth; i++)
		ck_ok(ioc_complete(fd, "q", 1));
	want.complete += depth, want.bytes_in += depth;
	expect_stats(fd, &want, "queue_depth COMPLETEs with a message");
	ck_fails(ioc_complete(fd, "q", 1), EAGAIN);
	ck_fails(write(fd, "q", 1), EAGAIN);
	want.full = 2;
	expect_stats(fd, &want, "COMPLETE and write with the queue full");
	ck_ok(ioc_complete(fd, NULL, 0));
	want.complete++;
	expect_stats(fd, &want, "COMPLETE without a message, queue full");
	/* REINIT discards every count nobody took. */
	ck_ok(ioc_reinit(fd));
	want.reinit = 3, want.discarded += depth + 1;
	expect_stats(fd, &want, "REINIT of a full queue");

	/* Queries count nothing. */
	(void)get_info(fd);
	(void)get_done(fd);
	(void)get_mode(fd);
	expect_stats(fd, &want, "queries");
	expect_stats_invariant(&want);
	close(nbfd);
	close(fd);
}
END_TEST

/* Fill every counter a little (no blocking needed). */
static void make_some_stats(int fd)
{
	struct cipc_stats s;

	ck_ok(ioc_reinit(fd));
	ck_ok(ioc_complete(fd, "s", 1));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	ck_ok(ioc_reinit(fd));
	ck_ok(ioc_complete_all(fd, "ss", 2));
	ck_ok(ioc_complete(fd, NULL, 0));
	/* Seen done: no latch for the next call's waits after its REINIT. */
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	s = get_stats(fd);
	ck_assert(s.complete && s.complete_all && s.reinit && s.wait &&
		  s.woken && s.timeout && s.again && s.bytes_in &&
		  s.discarded);
}

/* Resetting the counters touches nothing else. */
static void reset_and_check(int fd, int (*reset)(int fd), const char *how)
{
	const struct cipc_stats zero = { 0 };
	struct cipc_info before, after;

	make_some_stats(fd);
	before = get_info(fd);
	ck_assert_msg(reset(fd) == 0, "%s: %s", how, errname(errno));
	expect_stats(fd, &zero, how);
	after = get_info(fd);
	ck_assert_uint_eq(after.count, before.count);
	ck_assert_uint_eq(after.flags, before.flags);
	ck_assert_uint_eq(after.queued, before.queued);
	ck_assert_uint_eq(after.seq, before.seq);
	ck_assert_uint_eq(after.mode, before.mode);
	ck_assert_uint_eq(after.generation, before.generation);
	ck_assert_uint_eq(after.msg_len, before.msg_len);
}

static int reset_by_ioctl(int fd)
{
	return ioc_reset_stats(fd);
}

static int reset_by_sysfs(int fd)
{
	int err;

	(void)fd;
	err = sysfs_write(0, "stats/reset", "1");
	errno = -err;
	return err ? -1 : 0;
}

static int reset_by_sysfs_nl(int fd)
{
	int err;

	(void)fd;
	err = sysfs_write(0, "stats/reset", "1\n");
	errno = -err;
	return err ? -1 : 0;
}

START_TEST(test_reset_ioctl)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);

	reset_and_check(fd, reset_by_ioctl, "RESET_STATS");
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	reset_and_check(fd, reset_by_ioctl, "RESET_STATS in mode all");
	close(fd);
}
END_TEST

START_TEST(test_reset_sysfs)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);

	reset_and_check(fd, reset_by_sysfs, "stats/reset := \"1\"");
	reset_and_check(fd, reset_by_sysfs_nl, "stats/reset := \"1\\n\"");
	close(fd);
}
END_TEST

/* Counters keep counting after a reset. */
START_TEST(test_counting_after_reset)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct cipc_stats s;

	make_some_stats(fd);
	ck_ok(ioc_reset_stats(fd));
	ck_ok(ioc_complete(fd, NULL, 0));
	s = get_stats(fd);
	ck_assert_uint_eq(s.complete, 1);
	ck_assert_uint_eq(s.wait, 0);
	expect_sysfs_stats(0, &s);
	close(fd);
}
END_TEST

/* A waiter in progress is counted in wait only, until it ends. */
START_TEST(test_invariant_after_waits_end)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w;
	struct cipc_stats s;

	waiter_start_blocked(&w, &req, fd, 1);
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.woken + s.timeout + s.interrupted + s.again, 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);
	s = get_stats(fd);
	ck_assert_uint_eq(s.woken, 1);
	expect_stats_invariant(&s);
	close(fd);
}
END_TEST

/*
 * A reset while a waiter is blocked: the waiter counts as started again
 * (wait 1 at once), and once it ends the invariant holds as without a
 * reset.
 */
START_TEST(test_reset_with_blocked_waiter)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w;
	struct cipc_stats s;

	waiter_start_blocked(&w, &req, fd, 1);
	ck_ok(ioc_reset_stats(fd));
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.woken, 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);
	s = get_stats(fd);
	ck_assert_uint_eq(s.wait, 1);
	ck_assert_uint_eq(s.woken, 1);
	expect_stats_invariant(&s);
	expect_sysfs_stats(0, &s);
	close(fd);
}
END_TEST

/* The state and the counters: root's (and group cipc's, by udev). */
static const char *const private_files[] = {
	"count", "all", "waiters", "queued", "generation", "seq",
	"stats/complete", "stats/complete_all", "stats/reinit", "stats/wait",
	"stats/woken", "stats/timeout", "stats/interrupted", "stats/again",
	"stats/bytes_in", "stats/bytes_out", "stats/full", "stats/discarded",
	"stats/refused",
};
#define N_PRIVATE (sizeof(private_files) / sizeof(private_files[0]))
/* Identity, limits and the mode: anyone's. */
static const char *const public_files[] = {
	"id", "msg_max", "queue_depth", "max_waiters", "mode",
};
#define N_PUBLIC (sizeof(public_files) / sizeof(public_files[0]))

/* What the unprivileged child saw, errno per step (0 = success). */
struct unpriv_report {
	int drop;		/* setgroups/setgid/setuid */
	int reset_ioctl;	/* RESET_STATS on the fd opened as root */
	int get_stats;		/* GET_STATS on that fd */
	int open_dev;		/* open(/dev/cipc0) as nobody */
	int reset_sysfs;	/* write "1" to stats/reset as nobody */
	int mode_sysfs;		/* write "all" to mode as nobody */
	int read_private[N_PRIVATE];	/* reading the 0440 files */
	int read_public[N_PUBLIC];	/* reading the 0444/0644 files */
};

static int err_of(int ret)
{
	return ret < 0 ? errno : 0;
}

static void unpriv_child(pid_t parent, int report_fd)
{
	struct unpriv_report rep;
	struct cipc_stats s;
	int fd, dfd, ret;

	child_init(parent);
	memset(&rep, 0, sizeof(rep));
	fd = chan_open_raw(0, O_RDWR);
	if (fd < 0)
		_exit(3);
	if (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
	    setuid(NOBODY) != 0) {
		rep.drop = errno;
		goto out;
	}
	rep.reset_ioctl = err_of(ioc_reset_stats(fd));
	rep.get_stats = err_of(ioc_get_stats(fd, &s));
	dfd = chan_open_raw(0, O_RDONLY);
	rep.open_dev = err_of(dfd);
	ret = sysfs_write(0, "stats/reset", "1");
	rep.reset_sysfs = -ret;
	ret = sysfs_write(0, "mode", "all");
	rep.mode_sysfs = -ret;
	for (size_t i = 0; i < N_PRIVATE; i++) {
		char path[128], buf[64];

		chan_sysfs_path(path, sizeof(path), 0, private_files[i]);
		rep.read_private[i] = -read_file_str(path, buf, sizeof(buf));
	}
	for (size_t i = 0; i < N_PUBLIC; i++) {
		char path[128], buf[64];

		chan_sysfs_path(path, sizeof(path), 0, public_files[i]);
		rep.read_public[i] = -read_file_str(path, buf, sizeof(buf));
	}
out:
	_exit(write_all(report_fd, &rep, sizeof(rep)) == 0 ? 0 : 4);
}

START_TEST(test_reset_unprivileged)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = chan_open(0, O_RDWR);
	struct unpriv_report rep;
	struct cipc_stats before, after;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid, self = getpid();

	make_some_stats(fd);
	before = get_stats(fd);
	ck_ok(pipe2(pipefd, O_CLOEXEC));
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		close(pipefd[0]);
		unpriv_child(self, pipefd[1]);
	}
	close(pipefd[1]);
	status = reap_pid(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "unprivileged child failed (status %#x)",
		      (unsigned int)status);
	n = read(pipefd[0], &rep, sizeof(rep));
	ck_assert_int_eq(n, sizeof(rep));
	close(pipefd[0]);

	ck_assert_msg(rep.drop == 0, "dropping to uid %d: %s", NOBODY,
		      errname(rep.drop));
	ck_assert_msg(rep.reset_ioctl == EPERM, "RESET_STATS without "
		      "CAP_SYS_ADMIN gave %s, expected EPERM",
		      rep.reset_ioctl ? errname(rep.reset_ioctl) : "success");
	ck_assert_msg(rep.get_stats == 0, "GET_STATS on an open fd after "
		      "dropping privileges: %s", errname(rep.get_stats));
	ck_assert_msg(rep.open_dev == EACCES, "open(/dev/cipc0) as nobody "
		      "gave %s, expected EACCES",
		      rep.open_dev ? errname(rep.open_dev) : "success");
	ck_assert_msg(rep.reset_sysfs == EACCES, "stats/reset as nobody gave "
		      "%s, expected EACCES",
		      rep.reset_sysfs ? errname(rep.reset_sysfs) : "success");
	ck_assert_msg(rep.mode_sysfs == EACCES, "mode as nobody gave %s, "
		      "expected EACCES",
		      rep.mode_sysfs ? errname(rep.mode_sysfs) : "success");

	for (size_t i = 0; i < N_PRIVATE; i++)
		ck_assert_msg(rep.read_private[i] == EACCES, "reading cipc0/%s "
			      "as nobody gave %s, expected EACCES (0440)",
			      private_files[i], rep.read_private[i] ?
			      errname(rep.read_private[i]) : "success");
	for (size_t i = 0; i < N_PUBLIC; i++)
		ck_assert_msg(rep.read_public[i] == 0, "reading cipc0/%s as "
			      "nobody gave %s, expected success",
			      public_files[i], errname(rep.read_public[i]));

	after = get_stats(fd);
	ck_assert_msg(memcmp(&before, &after, sizeof(before)) == 0,
		      "the unprivileged child changed the counters");
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);
	close(fd);
}
END_TEST

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tc = chan_tcase("stats", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_stats_zero_after_reset);
	tcase_add_test(tc, test_stats_count_operations);
	tcase_add_test(tc, test_reset_ioctl);
	tcase_add_test(tc, test_reset_sysfs);
	tcase_add_test(tc, test_counting_after_reset);
	tcase_add_test(tc, test_invariant_after_waits_end);
	tcase_add_test(tc, test_reset_with_blocked_waiter);
	tcase_add_test(tc, test_reset_unprivileged);
	suite_add_tcase(s, tc);
	return s;
}
