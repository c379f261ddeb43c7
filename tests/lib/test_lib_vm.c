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
 * <linux/cipc.h> and <cipc.h> as the library sees them, and the test
 * hooks, cipc__channel_from_fd_abi() and cipc__control_open_path().
 */
#include "internal.h"

#include "libtest.h"
#include "vmutil.h"

#ifndef CIPC_LIBT_EXAMPLE
#error "lib-tests.mk passes CIPC_LIBT_EXAMPLE, the example program's path"
#endif

/* Timing budget, generous enough for a slow emulated (TCG) guest. */
#define SETTLE_MS	5000	/* a state we poll for must be reached by then */
#define RELEASE_MS	3000	/* a released waiter must return by then */
#define BLOCKED_MS	200	/* "still blocked" is checked for this long */
#define NS_PER_MS	1000000LL
#define TEST_TIMEOUT_S	60

#define CHAN		0
#define NOBODY		65534
#define MSG_BUF_SIZE	(CIPC_MSG_MAX_LIMIT + 64)

/* ---- time, files, processes ------------------------------------------ */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void)
{
	return now_ns() / NS_PER_MS;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* read_file_str(), proc_state(): vmutil.h. */

static unsigned long long read_ull(const char *path)
{
	char buf[64], *end;
	unsigned long long v;
	int err = read_file_str(path, buf, sizeof(buf));

	ck_assert_msg(!err, "cannot read %s: %s", path, errname(-err));
	errno = 0;
	v = strtoull(buf, &end, 10);
	ck_assert_msg(!errno && end != buf && !*end, "%s: \"%s\" is not a "
		      "number", path, buf);
	return v;
}

static unsigned int param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/cipc/parameters/%s", name);
	return (unsigned int)read_ull(path);
}

/*
 * Tests that send messages longer than msg_max allows pass with a note
 * (the module's default, 256, is enough for all of them).
 */
#define REQUIRE_MSG_MAX(n) do {						\
	if (param("msg_max") < (n)) {					\
		fprintf(stderr, "note: %s skipped: it needs msg_max >= %u\n",\
			__func__, (unsigned int)(n));			\
		return;							\
	}								\
} while (0)

static void sysfs_str(const char *attr, char *buf, size_t size)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", CHAN, attr);
	err = read_file_str(path, buf, size);
	ck_assert_msg(!err, "cannot read %s: %s", path, errname(-err));
}

static unsigned long long sysfs_ull(const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", CHAN, attr);
	return read_ull(path);
}

/* A number of /sys/class/cipc/cipcN/, of any channel. */
static unsigned long long chan_ull(unsigned int index, const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", index, attr);
	return read_ull(path);
}

/* Poll until pid shows state st; false after timeout_ms. */
static bool wait_proc_state(pid_t pid, char st, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (proc_state(pid) != st) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}

/*
 * First thing in every forked child: dies with the test process, default
 * signal dispositions (Check's handlers would end the whole test), nothing
 * blocked. Children end with _exit().
 */
static void child_init(pid_t parent)
{
	struct sigaction sa;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(126);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++)
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* waitpid() with a deadline; fails the test on timeout. */
static int reap(pid_t pid, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		ck_assert_msg(r >= 0, "waitpid(%d): %s", (int)pid,
			      errname(errno));
		if (r == pid)
			return status;
		ck_assert_msg(now_ms() < deadline, "child %d did not end "
			      "within %u ms", (int)pid, timeout_ms);
		sleep_ms(1);
	}
}

/* ---- the driver's view: raw ioctls on a descriptor of our own -------- */

static int raw_open(unsigned int chan, int flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/cipc%u", chan);
	fd = open(path, flags | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open(%s): %s", path, errname(errno));
	return fd;
}

/* A descriptor of channel 0 for the checks, opened by the fixture. */
static int raw = -1;

static struct cipc_info raw_info(void)
{
	struct cipc_info info;

	memset(&info, 0xa5, sizeof(info));
	ck_assert_msg(ioctl(raw, CIPC_IOC_INFO, &info) == 0,
		      "CIPC_IOC_INFO: %s", errname(errno));
	return info;
}

static struct cipc_stats raw_stats(void)
{
	struct cipc_stats st;

	memset(&st, 0xa5, sizeof(st));
	ck_assert_msg(ioctl(raw, CIPC_IOC_GET_STATS, &st) == 0,
		      "CIPC_IOC_GET_STATS: %s", errname(errno));
	return st;
}

static uint32_t raw_count(void)
{
	return raw_info().count;
}

/* Poll until the channel shows n waiters; false after timeout_ms. */
static bool wait_waiters(uint32_t n, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (raw_info().waiters != n) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}

#define STATS_FIELDS(X)							\
	X(complete) X(complete_all) X(reinit) X(wait) X(woken)		\
	X(timeout) X(interrupted) X(again) X(bytes_in) X(bytes_out)

/* The driver's counters (ioctl and sysfs) equal want, field by field. */
static void expect_stats(const struct cipc_stats *want, const char *when)
{
	struct cipc_stats s = raw_stats();

#define X(f) do {							\
		ck_assert_msg(s.f == want->f, "%s: stats." #f " = %llu, "\
			      "expected %llu", when,			\
			      (unsigned long long)s.f,			\
			      (unsigned long long)want->f);		\
		ck_assert_uint_eq(sysfs_ull("stats/" #f), want->f);	\
	} while (0);
	STATS_FIELDS(X)
#undef X
}

/*
 * Channel 0 to a known state: no waiter, reinit, mode one, counters reset;
 * verified through the driver. The checked fixture, before and after
 * every test.
 */
static void chan_clean(void)
{
	int fd = raw_open(CHAN, O_RDWR);
	const struct cipc_stats zero = { 0 };
	struct cipc_info info;
	__u32 mode = CIPC_MODE_ONE;
	uint64_t deadline = now_ms() + SETTLE_MS;

	for (;;) {
		ck_assert_int_eq(ioctl(fd, CIPC_IOC_INFO, &info), 0);
		if (!info.waiters)
			break;
		ck_assert_msg(now_ms() < deadline, "%u waiters left over",
			      info.waiters);
		sleep_ms(1);
	}
	ck_assert_msg(ioctl(fd, CIPC_IOC_REINIT) == 0, "REINIT: %s",
		      errname(errno));
	ck_assert_msg(ioctl(fd, CIPC_IOC_SET_MODE, &mode) == 0,
		      "SET_MODE: %s", errname(errno));
	ck_assert_msg(ioctl(fd, CIPC_IOC_RESET_STATS) == 0,
		      "RESET_STATS: %s", errname(errno));
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_INFO, &info), 0);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.mode, CIPC_MODE_ONE);
	ck_assert_uint_eq(info.msg_len, 0);
	ck_assert_uint_eq(info.waiters, 0);
	raw = fd;
	expect_stats(&zero, "after cleaning");
	raw = -1;
	close(fd);
}

static void setup(void)
{
	chan_clean();
	raw = raw_open(CHAN, O_RDWR);
}

static void teardown(void)
{
	close(raw);
	raw = -1;
	chan_clean();
}

/* Handles for the tests: they must open. */
static struct cipc_channel *open_ch(int flags)
{
	return ck_ok_ptr(cipc_channel_open(CHAN, flags));
}

/* ---- waiter processes, each with its own handle ---------------------- */

enum wop { W_WAIT, W_RECEIVE, W_TRYWAIT };
enum wsig { S_DEFAULT, S_HANDLER, S_RESTART };	/* for SIGUSR1 */

struct wreq {
	unsigned int index;	/* the channel: 0 (CHAN) unless set */
	enum wop op;
	int64_t timeout_ns;	/* W_WAIT, W_RECEIVE */
	size_t bufsize;		/* W_RECEIVE; 0 = the whole buffer */
	enum wsig sig;
};

struct wres {
	int32_t stage;		/* 1 the handle did not open, 2 done */
	int32_t err;
	int64_t ret;
	uint64_t msg_len;
	uint64_t t_start_ns, t_end_ns;
	char msg[MSG_BUF_SIZE];
};

struct waiter {
	pid_t pid;
	int res_fd;		/* result pipe */
	int sig_fd;		/* one byte per handled SIGUSR1 */
	size_t got;
	struct wres res;
};

static volatile sig_atomic_t child_sig_fd = -1;

static void on_sigusr1(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(child_sig_fd, &c, 1) < 0) {
		/* the parent times out */
	}
	errno = saved;
}

static void waiter_child(const struct wreq *rq, int res_fd, int sig_fd)
{
	static struct wres r;
	struct cipc_channel *ch;
	size_t len = 0;

	memset(&r, 0, sizeof(r));
	ch = cipc_channel_open(rq->index, O_RDONLY);
	if (!ch) {
		r.stage = 1;
		r.err = errno;
		goto out;
	}
	if (rq->sig != S_DEFAULT) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sigusr1;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = rq->sig == S_RESTART ? SA_RESTART : 0;
		child_sig_fd = sig_fd;
		if (sigaction(SIGUSR1, &sa, NULL) < 0)
			_exit(124);
	}
	r.t_start_ns = now_ns();
	switch (rq->op) {
	case W_WAIT:
		r.ret = cipc_channel_wait(ch, rq->timeout_ns);
		break;
	case W_RECEIVE:
		r.ret = cipc_channel_receive(ch, r.msg, rq->bufsize ?
					     rq->bufsize : sizeof(r.msg),
					     rq->timeout_ns, &len);
		break;
	case W_TRYWAIT:
		r.ret = cipc_channel_trywait(ch);
		break;
	}
	r.err = r.ret < 0 ? errno : 0;
	r.t_end_ns = now_ns();
	r.msg_len = len;
	r.stage = 2;
	cipc_channel_close(ch);
out:
	_exit(write_all(res_fd, &r, sizeof(r)) ? 125 : 0);
}

static void waiter_start(struct waiter *w, const struct wreq *rq)
{
	int res[2], sig[2];
	pid_t parent = getpid();

	memset(w, 0, sizeof(*w));
	ck_assert_int_eq(pipe2(res, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(sig, O_CLOEXEC), 0);
	w->pid = fork();
	ck_assert_msg(w->pid >= 0, "fork: %s", errname(errno));
	if (!w->pid) {
		child_init(parent);
		close(res[0]);
		close(sig[0]);
		waiter_child(rq, res[1], sig[1]);
	}
	close(res[1]);
	close(sig[1]);
	w->res_fd = res[0];
	w->sig_fd = sig[0];
}

/* 1: the result is in w->res; 0: nothing yet; -1: it died without one. */
static int waiter_poll(struct waiter *w, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (w->got < sizeof(w->res)) {
		struct pollfd pfd = { .fd = w->res_fd, .events = POLLIN };
		uint64_t now = now_ms();
		int r = poll(&pfd, 1, now >= deadline ? 0 :
				      (int)(deadline - now));
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0, "poll: %s", errname(errno));
		if (!r)
			return 0;
		n = read(w->res_fd, (char *)&w->res + w->got,
			 sizeof(w->res) - w->got);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n >= 0, "read: %s", errname(errno));
		if (!n)
			return -1;
		w->got += (size_t)n;
	}
	return 1;
}

/* The waiter's call must have returned within timeout_ms. */
static const struct wres *waiter_result(struct waiter *w,
					unsigned int timeout_ms)
{
	int p = waiter_poll(w, timeout_ms);

	ck_assert_msg(p, "waiter %d still blocked %u ms after it should "
		      "have returned", (int)w->pid, timeout_ms);
	ck_assert_msg(p > 0, "waiter %d died without a result", (int)w->pid);
	ck_assert_msg(w->res.stage == 2, "waiter %d could not open the "
		      "channel: %s", (int)w->pid, errname(w->res.err));
	return &w->res;
}

static void waiter_expect_blocked(struct waiter *w, unsigned int ms)
{
	int p = waiter_poll(w, ms);

	ck_assert_msg(p != 1, "waiter %d returned %lld (%s) while it should "
		      "still be blocked", (int)w->pid, (long long)w->res.ret,
		      errname(w->res.err));
	ck_assert_msg(p == 0, "waiter %d died while blocked", (int)w->pid);
}

/* Poll until channel index shows n waiters in sysfs; false after ms. */
static bool wait_chan_waiters(unsigned int index, uint32_t n,
			      unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (chan_ull(index, "waiters") != n) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}

/*
 * Start a waiter and wait until it blocks: n waiters on its channel,
 * asleep ('S'). Channel 0 is watched through the fixture's descriptor,
 * others through sysfs.
 */
static void waiter_start_blocked(struct waiter *w, const struct wreq *rq,
				 uint32_t n)
{
	waiter_start(w, rq);
	if (rq->index == CHAN ? !wait_waiters(n, SETTLE_MS) :
	    !wait_chan_waiters(rq->index, n, SETTLE_MS)) {
		if (waiter_poll(w, 0) == 1)
			ck_abort_msg("waiter %d did not block: %lld (%s)",
				     (int)w->pid, (long long)w->res.ret,
				     errname(w->res.err));
		ck_abort_msg("cipc%u: %llu waiters, expected %u", rq->index,
			     chan_ull(rq->index, "waiters"), n);
	}
	ck_assert_msg(wait_proc_state(w->pid, 'S', SETTLE_MS),
		      "blocked waiter %d is in state '%c', not 'S'",
		      (int)w->pid, proc_state(w->pid));
}

static bool waiter_saw_signal(struct waiter *w, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = w->sig_fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, (int)timeout_ms) != 1)
		return false;
	return read(w->sig_fd, &c, 1) == 1;
}

static void waiter_end(struct waiter *w)
{
	if (w->pid <= 0)
		return;
	kill(w->pid, SIGKILL);
	reap(w->pid, SETTLE_MS);
	close(w->res_fd);
	close(w->sig_fd);
	w->pid = 0;
}

#define WAIT_FOREVER	{ .op = W_WAIT, .timeout_ns = CIPC_TIMEOUT_INFINITE }

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

static void expect_info(struct cipc_channel *ch, const char *when)
{
	struct cipc_channel_info li;
	struct cipc_info ki;

	memset(&li, 0xa5, sizeof(li));
	ck_ok(cipc_channel_get_info(ch, &li));
	ki = raw_info();
	ck_assert_msg(li.index == ki.index && li.id == ki.id &&
		      li.abi_version == ki.abi_version &&
		      li.msg_max == ki.msg_max && li.mode == ki.mode &&
		      li.count == ki.count && li.waiters == ki.waiters &&
		      li.generation == ki.generation &&
		      li.msg_len == ki.msg_len,
		      "%s: library info (index %u id %" PRIu64 " abi %u "
		      "msg_max %zu mode %d count %u waiters %u generation %"
		      PRIu64 " msg_len %zu) != driver's (%u %llu %u %u %u %u "
		      "%u %llu %u)", when, li.index, li.id, li.abi_version,
		      li.msg_max, (int)li.mode, li.count, li.waiters,
		      li.generation, li.msg_len, ki.index,
		      (unsigned long long)ki.id, ki.abi_version, ki.msg_max,
		      ki.mode, ki.count, ki.waiters,
		      (unsigned long long)ki.generation, ki.msg_len);
}

START_TEST(test_info)
{
	REQUIRE_MSG_MAX(3);
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel_info info;
	struct waiter w;
	const struct wreq rq = WAIT_FOREVER;
	uint64_t gen;

	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.index, CHAN);
	ck_assert_uint_eq(info.id, sysfs_ull("id"));
	ck_assert_uint_eq(info.id, cipc_channel_id(ch));
	ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
	ck_assert_uint_eq(info.msg_max, param("msg_max"));
	ck_assert_int_eq(info.mode, CIPC_CHANNEL_MODE_ONE);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.waiters, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	ck_assert_uint_eq(info.generation, sysfs_ull("generation"));
	gen = info.generation;
	expect_info(ch, "clean");

	ck_ok(cipc_channel_send(ch, "abc", 3, CIPC_SEND_ONE));
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_complete(ch));
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.count, 3);
	ck_assert_uint_eq(info.msg_len, 3);
	expect_info(ch, "after 3 completes");

	ck_ok(cipc_channel_complete_all(ch));
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.count, CIPC_COUNT_ALL);
	ck_assert_uint_eq(info.count, CIPC_DONE_ALL);
	ck_assert_int_eq(info.mode, CIPC_CHANNEL_MODE_ALL);
	expect_info(ch, "after complete_all");

	ck_ok(cipc_channel_reinit(ch));
	waiter_start_blocked(&w, &rq, 1);
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.waiters, 1);
	ck_assert_uint_eq(info.generation, gen + 1);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	expect_info(ch, "with a waiter");
	ck_ok(cipc_channel_complete(ch));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);

	ck_fails(cipc_channel_get_info(ch, NULL), EINVAL);
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
	ck_assert_uint_eq(raw_count(), CIPC_DONE_ALL);

	/* Every later wait passes, consuming nothing, until reinit. */
	ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 1);
	for (unsigned int i = 0; i < 3; i++) {
		ck_ok(cipc_channel_wait(ch, 0));
		ck_ok(cipc_channel_wait(ch, CIPC_TIMEOUT_INFINITE));
		ck_ok(cipc_channel_trywait(ch));
	}
	ck_assert_uint_eq(raw_count(), CIPC_DONE_ALL);
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
	size_t len = 99;

	t0 = now_ms();
	ck_fails(cipc_channel_wait(ch, 200 * NS_PER_MS), ETIMEDOUT);
	el = now_ms() - t0;
	ck_assert_msg(el >= 200 && el < 200 + RELEASE_MS,
		      "a 200 ms wait took %" PRIu64 " ms", el);

	t0 = now_ms();
	ck_fails(cipc_channel_receive(ch, buf, sizeof(buf), 100 * NS_PER_MS,
				      &len), ETIMEDOUT);
	el = now_ms() - t0;
	ck_assert_msg(el >= 100 && el < 100 + RELEASE_MS,
		      "a 100 ms receive took %" PRIu64 " ms", el);
	ck_assert_uint_eq(len, 99);	/* untouched on failure */

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

/* A timed wait fails with EINTR even under SA_RESTART. */
START_TEST(test_sa_restart_timed)
{
	const struct wreq rq = { .op = W_WAIT,
		.timeout_ns = 60000 * NS_PER_MS, .sig = S_RESTART };

	eintr(&rq);
}
END_TEST

/*
 * A wait without a time limit (any negative timeout) is restarted by the
 * kernel under SA_RESTART: the handler runs, the wait goes on, a complete
 * ends it. (Were negative timeouts passed as huge timed waits, this would
 * be EINTR.)
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

/* Stopped and continued: a wait without limit goes on, a timed one EINTR. */
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
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_msg(r->ret == -1 && r->err == EINTR,
		      "stopped timed wait returned %lld (%s), not -1/EINTR",
		      (long long)r->ret, errname(r->err));
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

/* A page that faults. */
static void *bad_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap: %s", errname(errno));
	return p;
}

START_TEST(test_send_receive)
{
	REQUIRE_MSG_MAX(16);
	struct cipc_channel *ch = open_ch(O_RDWR);
	char buf[MSG_BUF_SIZE];
	size_t len;
	ssize_t n;

	ck_ok(cipc_channel_send(ch, "hello", 5, CIPC_SEND_ONE));
	ck_assert_uint_eq(raw_count(), 1);
	ck_assert_uint_eq(raw_info().msg_len, 5);
	len = 0;
	n = ck_ok(cipc_channel_receive(ch, buf, 64, 0, &len));
	ck_assert_int_eq(n, 5);
	ck_assert_uint_eq(len, 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_uint_eq(raw_count(), 0);

	/* The message stays: a complete without one delivers it again. */
	ck_ok(cipc_channel_complete(ch));
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf),
						    CIPC_TIMEOUT_INFINITE,
						    NULL)), 5);
	ck_assert_mem_eq(buf, "hello", 5);

	/* Truncated to the buffer; msg_len is the full length; the rest of
	 * the buffer is untouched. */
	ck_ok(cipc_channel_send(ch, "0123456789", 10, CIPC_SEND_ONE));
	memset(buf, 'Z', 8);
	len = 0;
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, 4, 0, &len)), 4);
	ck_assert_uint_eq(len, 10);
	ck_assert_mem_eq(buf, "0123ZZZZ", 8);

	/* Only the length. */
	ck_ok(cipc_channel_complete(ch));
	len = 0;
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, NULL, 0, 0, &len)), 0);
	ck_assert_uint_eq(len, 10);
	/* NULL with a size: EINVAL, nothing consumed. */
	ck_ok(cipc_channel_complete(ch));
	ck_fails(cipc_channel_receive(ch, NULL, 5, 0, &len), EINVAL);
	ck_assert_uint_eq(raw_count(), 1);
	/* A bad buffer: EFAULT, nothing consumed. */
	ck_fails(cipc_channel_receive(ch, bad_page(), 16, 0, &len), EFAULT);
	ck_assert_uint_eq(raw_count(), 1);
	ck_ok(cipc_channel_trywait(ch));

	/* An empty message. */
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_ONE));
	len = 99;
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf), 0,
						    &len)), 0);
	ck_assert_uint_eq(len, 0);

	/* complete_all with a message: every wait gets it. */
	ck_ok(cipc_channel_send(ch, "all of you", 10, CIPC_SEND_ALL));
	for (int i = 0; i < 2; i++) {
		memset(buf, 0, sizeof(buf));
		ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf,
							    sizeof(buf), 0,
							    &len)), 10);
		ck_assert_mem_eq(buf, "all of you", 10);
	}
	ck_assert_uint_eq(raw_count(), CIPC_DONE_ALL);
	/* A bad message: EFAULT, nothing changes. */
	ck_fails(cipc_channel_send(ch, bad_page(), 5, CIPC_SEND_ONE), EFAULT);
	ck_fails(cipc_channel_send(ch, NULL, 5, CIPC_SEND_MODE), EFAULT);
	ck_assert_uint_eq(raw_info().msg_len, 10);
	cipc_channel_close(ch);
}
END_TEST

/* A size above 4 GiB is capped, not truncated to its low 32 bits. */
START_TEST(test_receive_huge_size)
{
	static const char msg[] = "twenty bytes message";
	struct cipc_channel *ch;
	char *buf;
	size_t len = 0, max;

	REQUIRE_MSG_MAX(sizeof(msg) - 1);
	if (sizeof(size_t) <= 4)
		return;		/* no such size */
	ch = open_ch(O_RDWR);
	max = (size_t)param("msg_max");
	/* The driver touches at most msg_max bytes of it. */
	buf = calloc(1, max);
	ck_assert_ptr_nonnull(buf);
	ck_ok(cipc_channel_send(ch, msg, sizeof(msg) - 1, CIPC_SEND_ONE));
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf,
						    (size_t)UINT32_MAX + 11, 0,
						    &len)),
			 (ssize_t)(sizeof(msg) - 1));
	ck_assert_uint_eq(len, sizeof(msg) - 1);
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

	waiter_start_blocked(&w, &rq, 1);
	ck_ok(cipc_channel_send(ch, "wake up", 7, CIPC_SEND_ONE));
	r = waiter_result(&w, RELEASE_MS);
	ck_assert_int_eq(r->ret, 4);
	ck_assert_uint_eq(r->msg_len, 7);
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

	ck_assert_ptr_nonnull(big);
	for (size_t i = 0; i < 3; i++) {
		ck_fails(cipc_channel_send(ch, big, max + 1, hows[i]),
			 EMSGSIZE);
		/* Above what the ABI carries: refused before the driver
		 * could see a length truncated to 32 bits (here: 1). */
		ck_fails(cipc_channel_send(ch, small, (size_t)UINT32_MAX + 2,
					   hows[i]), EMSGSIZE);
		ck_fails(cipc_channel_send(ch, small, SIZE_MAX, hows[i]),
			 EMSGSIZE);
	}
	ck_fails(cipc_channel_send(ch, small, 5, (enum cipc_send_how)3),
		 EINVAL);
	ck_fails(cipc_channel_send(ch, small, 5, (enum cipc_send_how)-1),
		 EINVAL);
	/* Nothing changed. */
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().msg_len, 0);
	expect_stats(&zero, "refused sends");
	/* msg_max itself is fine. */
	ck_ok(cipc_channel_send(ch, big, max, CIPC_SEND_ONE));
	ck_assert_uint_eq(raw_info().msg_len, max);
	free(big);
	cipc_channel_close(ch);
}
END_TEST

/* CIPC_SEND_MODE signals as the mode says (it is write(2)). */
START_TEST(test_send_mode)
{
	REQUIRE_MSG_MAX(3);
	struct cipc_channel *ch = open_ch(O_RDWR);
	const struct wreq rq = WAIT_FOREVER;
	struct cipc_stats st;
	struct waiter w[2];
	char buf[16];
	size_t len;

	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	waiter_start_blocked(&w[0], &rq, 1);
	waiter_start_blocked(&w[1], &rq, 2);
	ck_ok(cipc_channel_send(ch, "all", 3, CIPC_SEND_MODE));
	ck_assert_int_eq(waiter_result(&w[0], RELEASE_MS)->ret, 0);
	ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(raw_count(), CIPC_DONE_ALL);
	st = raw_stats();
	ck_assert_uint_eq(st.complete_all, 1);
	ck_assert_uint_eq(st.complete, 0);
	waiter_end(&w[0]);
	waiter_end(&w[1]);
	ck_assert(wait_waiters(0, SETTLE_MS));

	ck_ok(cipc_channel_reinit(ch));
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ONE));
	ck_ok(cipc_channel_send(ch, "one", 3, CIPC_SEND_MODE));
	ck_ok(cipc_channel_send(ch, NULL, 0, CIPC_SEND_MODE));
	ck_assert_uint_eq(raw_count(), 2);
	st = raw_stats();
	ck_assert_uint_eq(st.complete, 2);
	ck_assert_uint_eq(st.complete_all, 1);
	ck_assert_uint_eq(st.bytes_in, 6);
	len = 99;
	ck_assert_int_eq(ck_ok(cipc_channel_receive(ch, buf, sizeof(buf), 0,
						    &len)), 0);
	ck_assert_uint_eq(len, 0);	/* the empty message replaced "one" */
	cipc_channel_close(ch);
}
END_TEST

/* ---- reinit, mode, stats ----------------------------------------------- */

START_TEST(test_reinit)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	uint64_t gen = raw_info().generation;
	struct cipc_info info;

	ck_ok(cipc_channel_send(ch, "x", 1, CIPC_SEND_ALL));
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

START_TEST(test_mode)
{
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel *ro = open_ch(O_RDONLY);
	struct cipc_channel *wo = open_ch(O_WRONLY);
	char s[16];
	__u32 m;

	ck_assert_int_eq(ck_ok(cipc_channel_get_mode(ch)),
			 CIPC_CHANNEL_MODE_ONE);
	ck_ok(cipc_channel_set_mode(ch, CIPC_CHANNEL_MODE_ALL));
	ck_assert_int_eq(ck_ok(cipc_channel_get_mode(ro)),
			 CIPC_CHANNEL_MODE_ALL);
	ck_assert_int_eq(ck_ok(cipc_channel_get_mode(wo)),
			 CIPC_CHANNEL_MODE_ALL);
	ck_assert_int_eq(ioctl(raw, CIPC_IOC_GET_MODE, &m), 0);
	ck_assert_uint_eq(m, CIPC_MODE_ALL);
	sysfs_str("mode", s, sizeof(s));
	ck_assert_str_eq(s, "all");

	ck_ok(cipc_channel_set_mode(wo, CIPC_CHANNEL_MODE_ONE));
	sysfs_str("mode", s, sizeof(s));
	ck_assert_str_eq(s, "one");
	ck_assert_int_eq(ck_ok(cipc_channel_get_mode(ch)),
			 CIPC_CHANNEL_MODE_ONE);

	ck_fails(cipc_channel_set_mode(ch, (enum cipc_channel_mode)2), EINVAL);
	ck_fails(cipc_channel_set_mode(ch, (enum cipc_channel_mode)-1),
		 EINVAL);
	ck_fails(cipc_channel_set_mode(ro, CIPC_CHANNEL_MODE_ALL), EBADF);
	ck_assert_int_eq(ck_ok(cipc_channel_get_mode(ch)),
			 CIPC_CHANNEL_MODE_ONE);
	cipc_channel_close(wo);
	cipc_channel_close(ro);
	cipc_channel_close(ch);
}
END_TEST

START_TEST(test_stats_and_reset)
{
	REQUIRE_MSG_MAX(9);
	struct cipc_channel *ch = open_ch(O_RDWR);
	struct cipc_channel_stats ls;
	struct cipc_stats want = { 0 };
	const struct cipc_stats zero = { 0 };
	char buf[8];
	int status;
	pid_t pid;

	/* Every counter ends at a value of its own, so that no two fields
	 * can be mixed up unnoticed. */
	ck_ok(cipc_channel_send(ch, "123456789", 9, CIPC_SEND_ONE));
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

	memset(&ls, 0xa5, sizeof(ls));
	ck_ok(cipc_channel_get_stats(ch, &ls));
#define X(f) ck_assert_msg(ls.f == want.f, "cipc_channel_get_stats: " #f	\
			   " = %" PRIu64 ", expected %llu", ls.f,	\
			   (unsigned long long)want.f);
	STATS_FIELDS(X)
#undef X
	ck_fails(cipc_channel_get_stats(ch, NULL), EINVAL);

	/* Unprivileged: EPERM, the counters stay; reading them works. */
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (!pid) {
		struct cipc_channel_stats cs;

		child_init(getppid());
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		errno = 0;
		if (cipc_channel_reset_stats(ch) != -1)
			_exit(11);
		if (errno != EPERM)
			_exit(12);
		if (cipc_channel_get_stats(ch, &cs) || cs.complete != 5)
			_exit(13);
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
	memset(&ls, 0xa5, sizeof(ls));
	ck_ok(cipc_channel_get_stats(ch, &ls));
#define X(f) ck_assert_uint_eq(ls.f, 0);
	STATS_FIELDS(X)
#undef X
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
	struct cipc_channel_info info;
	struct cipc_channel_stats st;
	char buf[8];

	ck_fails(cipc_channel_complete(ro), EBADF);
	ck_fails(cipc_channel_complete_all(ro), EBADF);
	ck_fails(cipc_channel_reinit(ro), EBADF);
	ck_fails(cipc_channel_set_mode(ro, CIPC_CHANNEL_MODE_ALL), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_ONE), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_ALL), EBADF);
	ck_fails(cipc_channel_send(ro, "x", 1, CIPC_SEND_MODE), EBADF);

	ck_fails(cipc_channel_wait(wo, 0), EBADF);
	ck_fails(cipc_channel_wait(wo, CIPC_TIMEOUT_INFINITE), EBADF);
	ck_fails(cipc_channel_trywait(wo), EBADF);
	ck_fails(cipc_channel_receive(wo, buf, sizeof(buf), 0, NULL), EBADF);

	for (int i = 0; i < 2; i++) {
		struct cipc_channel *ch = i ? wo : ro;

		ck_ok(cipc_channel_get_info(ch, &info));
		ck_ok(cipc_channel_get_stats(ch, &st));
		ck_assert_int_eq(ck_ok(cipc_channel_done(ch)), 0);
		ck_assert_int_eq(ck_ok(cipc_channel_get_mode(ch)),
				 CIPC_CHANNEL_MODE_ONE);
	}
	ck_assert_uint_eq(raw_count(), 0);
	ck_assert_uint_eq(raw_info().generation, info.generation);
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
					CIPC_SEND_ONE));
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
	snprintf(id, sizeof(id), ", id %llu ", sysfs_ull("id"));
	ck_assert_msg(strstr(out, id), "the example printed: %s", out);
	rc = run_example(timeout_argv, false, out, sizeof(out));
	ck_assert_msg(rc == 3 && strstr(out, "timed out"),
		      "the example exited %d: %s", rc, out);
}
END_TEST

/* ---- the control device, ids, stale handles ---------------------------- */

#define CONTROL_DEV	"/dev/" CIPC_CONTROL_NAME

/* cipc__control_open_path() must return NULL with errno err. */
#define ck_fails_ctl(call, err) do {					\
	errno = 0;							\
	struct cipc_control *ck_fc_r_ = (call);				\
	int ck_fc_e_ = errno;						\
	if (ck_fc_r_)							\
		cipc_control_close(ck_fc_r_);				\
	ck_assert_msg(!ck_fc_r_ && ck_fc_e_ == (err),			\
		      "%s: expected NULL with %s, got %s (errno %s)",	\
		      #call, errname(err), ck_fc_r_ ? "a handle" : "NULL",\
		      errname(ck_fc_e_));				\
} while (0)

static bool chan_exists(unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u", index);
	return access(path, F_OK) == 0;
}

static uint64_t chan_id(unsigned int index)
{
	return chan_ull(index, "id");
}

/* The lowest index without a channel; max_channels if there is none. */
static unsigned int free_index(void)
{
	unsigned int max = param("max_channels"), i = 0;

	while (i < max && chan_exists(i))
		i++;
	return i;
}

/* Open descriptors of this process (to prove that nothing leaked). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir(/proc/self/fd): %s", errname(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* The flags (from fdinfo) of our one descriptor open on path, or -1. */
static int fd_flags_of(const char *path)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int flags = -1, found = 0;

	ck_assert_msg(d != NULL, "opendir(/proc/self/fd): %s", errname(errno));
	while ((de = readdir(d)) != NULL) {
		char link[300], target[PATH_MAX], info[512], *p;
		ssize_t n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		n = readlink(link, target, sizeof(target) - 1);
		if (n < 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) != 0)
			continue;
		found++;
		snprintf(link, sizeof(link), "/proc/self/fdinfo/%s",
			 de->d_name);
		ck_assert_int_eq(read_file_str(link, info, sizeof(info)), 0);
		p = strstr(info, "flags:");
		ck_assert_ptr_nonnull(p);
		flags = (int)strtol(p + 6, NULL, 8);
	}
	closedir(d);
	ck_assert_msg(found <= 1, "%d descriptors open on %s", found, path);
	return flags;
}

/* The driver's view of the control device, on a descriptor of our own. */
static int raw_ctl_open(void)
{
	int fd = open(CONTROL_DEV, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open(%s): %s", CONTROL_DEV, errname(errno));
	return fd;
}

static struct cipc_ctl_info raw_ctl_info(void)
{
	struct cipc_ctl_info info;
	int fd = raw_ctl_open();

	memset(&info, 0xa5, sizeof(info));
	ck_assert_msg(ioctl(fd, CIPC_CTL_INFO, &info) == 0,
		      "CIPC_CTL_INFO: %s", errname(errno));
	close(fd);
	return info;
}

/* The mode of the control node when the case started (tests change it). */
static mode_t control_mode;

/*
 * Back to the channels of the module's load, 0..channels-1 and no other,
 * through raw ioctls (a library bug must not break the fixture); without a
 * node left by a test where there is no channel, and with the control
 * node's mode as found. NULL, or what went wrong.
 */
static const char *channels_restore(void)
{
	static char err[128];
	unsigned int base = param("channels"), max = param("max_channels");
	struct cipc_ctl_info info;
	struct stat st;
	int fd;

	if (control_mode && (stat(CONTROL_DEV, &st) < 0 ||
			     ((st.st_mode & 07777) != control_mode &&
			      chmod(CONTROL_DEV, control_mode) < 0))) {
		snprintf(err, sizeof(err), "restoring the mode of %s: %s",
			 CONTROL_DEV, errname(errno));
		return err;
	}
	fd = open(CONTROL_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, sizeof(err), "open(%s): %s", CONTROL_DEV,
			 errname(errno));
		return err;
	}
	for (unsigned int i = 0; i < max; i++) {
		struct cipc_ctl_channel cc;
		bool exists = chan_exists(i);

		if (!exists) {
			char node[32];

			/* A node made by a test (mknod) of no channel. */
			snprintf(node, sizeof(node), "/dev/cipc%u", i);
			if (unlink(node) < 0 && errno != ENOENT) {
				snprintf(err, sizeof(err), "unlink(%s): %s",
					 node, errname(errno));
				close(fd);
				return err;
			}
		}
		if (exists == (i < base))
			continue;
		memset(&cc, 0, sizeof(cc));
		cc.index = i;
		if (!exists)
			cc.flags = CIPC_ADD_INDEX;
		if (ioctl(fd, exists ? CIPC_CTL_REMOVE : CIPC_CTL_ADD,
			  &cc) < 0) {
			snprintf(err, sizeof(err), "%s cipc%u: %s",
				 exists ? "removing" : "adding back", i,
				 errname(errno));
			close(fd);
			return err;
		}
	}
	memset(&info, 0, sizeof(info));
	if (ioctl(fd, CIPC_CTL_INFO, &info) < 0 || info.channels != base) {
		snprintf(err, sizeof(err), "%u channels after restoring, "
			 "expected %u", info.channels, base);
		close(fd);
		return err;
	}
	close(fd);
	return NULL;
}

/* The unchecked setup of the control case: what its fixture restores. */
static void control_record(void)
{
	struct stat st;

	if (stat(CONTROL_DEV, &st) == 0)
		control_mode = st.st_mode & 07777;
}

/* The checked fixture of the control case, before and after each test. */
static void control_fixture(void)
{
	const char *err = channels_restore();

	ck_assert_msg(!err, "fixture: %s", err);
}

/* The unchecked teardown: runs in the runner, after a failed test too. */
static void control_cleanup(void)
{
	const char *err = channels_restore();

	if (err)
		fprintf(stderr, "cleanup: %s\n", err);
}

static struct cipc_control *open_ctl(void)
{
	return ck_ok_ptr(cipc_control_open());
}

/* A new channel at the lowest free index; its index, its id in *id. */
static unsigned int add_any(struct cipc_control *ctl, uint64_t *id)
{
	unsigned int want = free_index();
	int idx = ck_ok(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, id));

	ck_assert_int_eq(idx, want);
	return (unsigned int)idx;
}

START_TEST(test_control_open)
{
	static const unsigned int bad_abi[] = { 0, CIPC_ABI_VERSION + 1,
		UINT_MAX };
	char dir[] = "/tmp/cipc-lib-tests.XXXXXX", path[64];
	struct cipc_control *ctl, *ctl2;
	struct cipc_control_info info;
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
	ck_ok(cipc_control_get_info(ctl2, &info));
	cipc_control_close(ctl2);
	ck_ok(cipc_control_get_info(ctl, &info));
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
	ck_ok(cipc_control_get_info(ctl, &info));
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
	struct cipc_control_info li;
	struct cipc_ctl_info ki;
	unsigned int idx;

	memset(&li, 0xa5, sizeof(li));
	ck_ok(cipc_control_get_info(ctl, &li));
	ki = raw_ctl_info();
	ck_assert_uint_eq(li.abi_version, CIPC_ABI_VERSION);
	ck_assert_uint_eq(ki.abi_version, CIPC_ABI_VERSION);
	ck_assert_uint_eq(li.channels, base);
	ck_assert_uint_eq(ki.channels, base);
	ck_assert_uint_eq(li.max_channels, param("max_channels"));
	ck_assert_uint_eq(ki.max_channels, li.max_channels);
	ck_assert_uint_eq(li.msg_max, param("msg_max"));
	ck_assert_uint_eq(ki.msg_max, li.msg_max);

	/* The count follows adds and removes. */
	idx = add_any(ctl, NULL);
	ck_ok(cipc_control_get_info(ctl, &li));
	ck_assert_uint_eq(li.channels, base + 1);
	ck_ok(cipc_control_remove(ctl, idx));
	ck_ok(cipc_control_get_info(ctl, &li));
	ck_assert_uint_eq(li.channels, base);
	ck_fails(cipc_control_get_info(ctl, NULL), EINVAL);
	cipc_control_close(ctl);
}
END_TEST

/* The lowest free index, a working channel, root's node, its id. */
START_TEST(test_control_add_any)
{
	struct cipc_control *ctl = open_ctl();
	unsigned int max = param("max_channels"), idx, idx2;
	struct cipc_channel_info info;
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

	/* A new channel: the module's msg_max, nothing signalled yet. */
	ch = ck_ok_ptr(cipc_channel_open(idx, O_RDWR));
	ck_assert_uint_eq(cipc_channel_index(ch), idx);
	ck_assert_uint_eq(cipc_channel_id(ch), id);
	memset(&info, 0xa5, sizeof(info));
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.index, idx);
	ck_assert_uint_eq(info.id, id);
	ck_assert_uint_eq(info.msg_max, param("msg_max"));
	ck_assert_int_eq(info.mode, CIPC_CHANNEL_MODE_ONE);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.waiters, 0);
	ck_assert_uint_eq(info.generation, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	ck_ok(cipc_channel_send(ch, "x", 1, CIPC_SEND_ONE));
	ck_ok(cipc_channel_trywait(ch));
	cipc_channel_close(ch);

	/* The next one takes the next free index; the id may be left out. */
	idx2 = add_any(ctl, NULL);
	ck_assert_uint_ne(idx2, idx);
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
	struct cipc_channel_info info;
	struct cipc_channel *ch;
	unsigned int at, n;
	uint64_t id = UINT64_MAX, id2 = 77;

	if (max < base + 2) {
		fprintf(stderr, "note: %s skipped: it needs 2 free indexes\n",
			__func__);
		cipc_control_close(ctl);
		return;
	}
	at = max - 1;
	ck_assert_msg(!chan_exists(at), "cipc%u exists already", at);
	ck_assert_int_eq(ck_ok(cipc_control_add(ctl, (int)at, 16, &id)),
			 (int)at);
	ck_assert_uint_eq(chan_id(at), id);
	ck_assert_uint_eq(id % max, at);
	ch = ck_ok_ptr(cipc_channel_open(at, O_RDWR));
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.msg_max, 16);
	ck_assert_uint_eq(info.id, id);
	ck_fails(cipc_channel_send(ch, "seventeen bytes!!", 17,
				   CIPC_SEND_ONE), EMSGSIZE);
	cipc_channel_close(ch);

	n = raw_ctl_info().channels;
	ck_fails(cipc_control_add(ctl, (int)at, 0, &id2), EEXIST);
	if (base > 0)
		ck_fails(cipc_control_add(ctl, 0, 0, &id2), EEXIST);
	ck_fails(cipc_control_add(ctl, (int)max, 0, &id2), ENOSPC);
	ck_fails(cipc_control_add(ctl, INT_MAX, 0, &id2), ENOSPC);
	ck_fails(cipc_control_add(ctl, -2, 0, &id2), EINVAL);
	ck_fails(cipc_control_add(ctl, INT_MIN, 0, &id2), EINVAL);
	ck_fails(cipc_control_add(ctl, CIPC_INDEX_ANY, CIPC_MSG_MAX_LIMIT + 1,
				  &id2), EINVAL);
	/* Above what the ABI carries: refused, not truncated (to 0, the
	 * default, which would succeed). */
	ck_fails(cipc_control_add(ctl, CIPC_INDEX_ANY, (size_t)UINT32_MAX + 1,
				  &id2), EINVAL);
	ck_fails(cipc_control_add(ctl, CIPC_INDEX_ANY, SIZE_MAX, &id2),
		 EINVAL);
	ck_assert_uint_eq(id2, 77);
	ck_assert_uint_eq(raw_ctl_info().channels, n);
	ck_assert_uint_eq(chan_id(at), id);

	/* The largest msg_max. */
	ck_assert_msg(!chan_exists(at - 1), "cipc%u exists already", at - 1);
	ck_assert_int_eq(ck_ok(cipc_control_add(ctl, (int)at - 1,
						CIPC_MSG_MAX_LIMIT, NULL)),
			 (int)at - 1);
	ch = ck_ok_ptr(cipc_channel_open(at - 1, O_RDONLY));
	ck_ok(cipc_channel_get_info(ch, &info));
	ck_assert_uint_eq(info.msg_max, CIPC_MSG_MAX_LIMIT);
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
	unsigned int added = 0;
	int idx, err;

	while ((idx = cipc_control_add(ctl, CIPC_INDEX_ANY, 0, NULL)) >= 0)
		ck_assert_msg(++added <= max, "more than %u channels", max);
	err = errno;
	ck_assert_msg(err == ENOSPC, "add failed with %s after %u channels, "
		      "not ENOSPC", errname(err), base + added);
	ck_assert_uint_eq(added, max - base);
	ck_assert_uint_eq(raw_ctl_info().channels, max);
	ck_fails(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, NULL), ENOSPC);
	ck_fails(cipc_control_add(ctl, (int)max - 1, 0, NULL), EEXIST);
	ck_fails(cipc_control_add(ctl, (int)max, 0, NULL), ENOSPC);
	/* One goes, one can come. */
	ck_ok(cipc_control_remove(ctl, max - 1));
	ck_assert_int_eq(ck_ok(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, NULL)),
			 (int)max - 1);
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
	struct cipc_channel_info li;
	struct cipc_channel *ch;
	struct cipc_info ki;
	int fd;

	for (unsigned int i = 0; i < base; i++) {
		uint64_t id;

		ch = ck_ok_ptr(cipc_channel_open(i, O_RDONLY));
		id = cipc_channel_id(ch);
		ck_assert_uint_eq(id, chan_id(i));
		ck_assert_uint_eq(id % max, i);
		ck_ok(cipc_channel_get_info(ch, &li));
		ck_assert_uint_eq(li.id, id);
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
		ck_assert_int_eq(ck_ok(cipc_control_add(ctl, (int)idx, 0,
							&id)), (int)idx);
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
	ck_ok(cipc_control_add(ctl, (int)idx, 0, &id));
	ck_assert_uint_eq(id, prev + max);
	ck_assert_uint_eq(chan_id(other), oid);
	ck_ok(cipc_control_remove(ctl, other));
	ck_ok(cipc_control_add(ctl, (int)other, 0, &oid2));
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
	ck_assert_uint_eq(chan_ull(idx, "done"), 1);
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
	struct cipc_channel_info info;
	struct cipc_channel_stats st;
	uint64_t deadline;
	size_t len = 77;
	pthread_t th;
	char buf[8];

	ck_fails(cipc_channel_complete(rw), err);
	ck_fails(cipc_channel_complete_all(rw), err);
	ck_fails(cipc_channel_reinit(rw), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_ONE), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_ALL), err);
	ck_fails(cipc_channel_send(rw, "x", 1, CIPC_SEND_MODE), err);
	ck_fails(cipc_channel_set_mode(rw, CIPC_CHANNEL_MODE_ALL), err);
	ck_fails(cipc_channel_reset_stats(rw), err);
	for (int i = 0; i < 2; i++) {
		struct cipc_channel *ch = i ? ro : rw;

		ck_fails(cipc_channel_wait(ch, 0), err);
		/* A broken driver would time out: ETIMEDOUT, not a hang. */
		ck_fails(cipc_channel_wait(ch, 2000 * NS_PER_MS), err);
		ck_fails(cipc_channel_trywait(ch), err);
		ck_fails(cipc_channel_receive(ch, buf, sizeof(buf), 0, &len),
			 err);
		ck_fails(cipc_channel_receive(ch, buf, sizeof(buf),
					      2000 * NS_PER_MS, &len), err);
		ck_fails(cipc_channel_done(ch), err);
		ck_fails(cipc_channel_get_mode(ch), err);
		ck_fails(cipc_channel_get_info(ch, &info), err);
		ck_fails(cipc_channel_get_stats(ch, &st), err);
	}
	ck_assert_uint_eq(len, 77);

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
	ck_assert_int_eq(ck_ok(cipc_control_add(ctl, (int)idx, 0, &new)),
			 (int)idx);
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
	ck_assert_uint_eq(chan_ull(idx, "done"), 1);

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
	ck_fails(cipc_channel_get_info(rw, &(struct cipc_channel_info){ 0 }),
		 ENODEV);
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
		struct cipc_control_info info;
		struct cipc_control *c2;
		struct cipc_channel *ch2;
		uint64_t x = 0;

		child_init(parent);
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(10);
		errno = 0;
		if (cipc_control_add(ctl, CIPC_INDEX_ANY, 0, &x) != -1 ||
		    errno != EPERM)
			_exit(11);
		errno = 0;
		if (cipc_control_add(ctl, (int)f, 0, &x) != -1 ||
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
		if (cipc_control_get_info(ctl, &info) || info.channels != n)
			_exit(16);
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
			struct cipc_control_info info;
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
			memset(&info, 0, sizeof(info));
			if (cipc_control_get_info(c, &info) ||
			    info.channels != n ||
			    info.abi_version != CIPC_ABI_VERSION ||
			    info.max_channels != param("max_channels"))
				_exit(13);
			errno = 0;
			if (cipc_control_add(c, CIPC_INDEX_ANY, 0, &x) != -1 ||
			    errno != e)
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
	return s;
}

int main(void)
{
	return libtest_run(lib_suite());
}
