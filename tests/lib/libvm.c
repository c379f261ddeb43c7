// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of cipc-lib-tests, shared by its test files: see libvm.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by lib-tests.mk */
#endif
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libvm.h"

/* ---- time, files, processes ------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

uint64_t now_ms(void)
{
	return now_ns() / NS_PER_MS;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int write_all(int fd, const void *buf, size_t len)
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

unsigned long long read_ull(const char *path)
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

unsigned int param(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/cipc/parameters/%s", name);
	return (unsigned int)read_ull(path);
}


void sysfs_str(const char *attr, char *buf, size_t size)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", CHAN, attr);
	err = read_file_str(path, buf, size);
	ck_assert_msg(!err, "cannot read %s: %s", path, errname(-err));
}

unsigned long long sysfs_ull(const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", CHAN, attr);
	return read_ull(path);
}

/* A number of /sys/class/cipc/cipcN/, of any channel. */
unsigned long long chan_ull(unsigned int index, const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", index, attr);
	return read_ull(path);
}

/* Poll until pid shows state st; false after timeout_ms. */
bool wait_proc_state(pid_t pid, char st, unsigned int timeout_ms)
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
void child_init(pid_t parent)
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
int reap(pid_t pid, unsigned int timeout_ms)
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

int raw_open(unsigned int chan, int flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/cipc%u", chan);
	fd = open(path, flags | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open(%s): %s", path, errname(errno));
	return fd;
}

/* A descriptor of channel 0 for the checks, opened by the fixture. */
int raw = -1;

struct cipc_info raw_info(void)
{
	struct cipc_info info;

	memset(&info, 0xa5, sizeof(info));
	ck_assert_msg(ioctl(raw, CIPC_IOC_INFO, &info) == 0,
		      "CIPC_IOC_INFO: %s", errname(errno));
	return info;
}

struct cipc_stats raw_stats(void)
{
	struct cipc_stats st;

	memset(&st, 0xa5, sizeof(st));
	ck_assert_msg(ioctl(raw, CIPC_IOC_GET_STATS, &st) == 0,
		      "CIPC_IOC_GET_STATS: %s", errname(errno));
	return st;
}

uint32_t raw_count(void)
{
	return raw_info().count;
}

/* Poll until the channel shows n waiters; false after timeout_ms. */
bool wait_waiters(uint32_t n, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	while (raw_info().waiters != n) {
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}


/* The driver's counters (ioctl and sysfs) equal want, field by field. */
void expect_stats(const struct cipc_stats *want, const char *when)
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
void chan_clean(void)
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
	ck_assert_uint_eq(info.queued, 0);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.waiters, 0);
	raw = fd;
	expect_stats(&zero, "after cleaning");
	raw = -1;
	close(fd);
}

void setup(void)
{
	chan_clean();
	raw = raw_open(CHAN, O_RDWR);
}

void teardown(void)
{
	close(raw);
	raw = -1;
	chan_clean();
}

/* Handles for the tests: they must open. */
struct cipc_channel *open_ch(int flags)
{
	return ck_ok_ptr(cipc_channel_open(CHAN, flags));
}

/* ---- waiter processes, each with its own handle ---------------------- */


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
	size_t size = rq->bufsize ? rq->bufsize : sizeof(r.msg);

	memset(&r, 0, sizeof(r));
	memset(&r.mi, 0xa5, sizeof(r.mi));	/* untouched on failure */
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
		r.ret = cipc_channel_receive(ch, r.msg, size, rq->timeout_ns,
					     &r.mi);
		break;
	case W_TRYWAIT:
		r.ret = cipc_channel_trywait(ch);
		break;
	case W_RECEIVE_UNTIL:
		r.ret = cipc_channel_receive_until(ch, r.msg, size, rq->clock,
						   rq->timeout_ns, &r.mi);
		break;
	}
	r.err = r.ret < 0 ? errno : 0;
	r.t_end_ns = now_ns();
	r.t_end_clock_ns = clock_ns(rq->op == W_RECEIVE_UNTIL ? rq->clock :
				    CLOCK_MONOTONIC);
	r.stage = 2;
	cipc_channel_close(ch);
out:
	_exit(write_all(res_fd, &r, sizeof(r)) ? 125 : 0);
}

void waiter_start(struct waiter *w, const struct wreq *rq)
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
int waiter_poll(struct waiter *w, unsigned int timeout_ms)
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
const struct wres *waiter_result(struct waiter *w,
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

void waiter_expect_blocked(struct waiter *w, unsigned int ms)
{
	int p = waiter_poll(w, ms);

	ck_assert_msg(p != 1, "waiter %d returned %lld (%s) while it should "
		      "still be blocked", (int)w->pid, (long long)w->res.ret,
		      errname(w->res.err));
	ck_assert_msg(p == 0, "waiter %d died while blocked", (int)w->pid);
}

/* Poll until channel index shows n waiters in sysfs; false after ms. */
bool wait_chan_waiters(unsigned int index, uint32_t n,
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
void waiter_start_blocked(struct waiter *w, const struct wreq *rq,
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

bool waiter_saw_signal(struct waiter *w, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = w->sig_fd, .events = POLLIN };
	char c;

	if (poll(&pfd, 1, (int)timeout_ms) != 1)
		return false;
	return read(w->sig_fd, &c, 1) == 1;
}

void waiter_end(struct waiter *w)
{
	if (w->pid <= 0)
		return;
	kill(w->pid, SIGKILL);
	reap(w->pid, SETTLE_MS);
	close(w->res_fd);
	close(w->sig_fd);
	w->pid = 0;
}


/* A page that faults. */
void *bad_page(void)
{
	void *p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	ck_assert_msg(p != MAP_FAILED, "mmap: %s", errname(errno));
	return p;
}

/* ---- the control device, ids, stale handles ---------------------------- */



bool chan_exists(unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u", index);
	return access(path, F_OK) == 0;
}

uint64_t chan_id(unsigned int index)
{
	return chan_ull(index, "id");
}

/* The lowest index without a channel; max_channels if there is none. */
unsigned int free_index(void)
{
	unsigned int max = param("max_channels"), i = 0;

	while (i < max && chan_exists(i))
		i++;
	return i;
}

/* Open descriptors of this process (to prove that nothing leaked). */
int count_fds(void)
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
int fd_flags_of(const char *path)
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
int raw_ctl_open(void)
{
	int fd = open(CONTROL_DEV, O_RDWR | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open(%s): %s", CONTROL_DEV, errname(errno));
	return fd;
}

struct cipc_ctl_info raw_ctl_info(void)
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
mode_t control_mode;

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
void control_record(void)
{
	struct stat st;

	if (stat(CONTROL_DEV, &st) == 0)
		control_mode = st.st_mode & 07777;
}

/* The checked fixture of the control case, before and after each test. */
void control_fixture(void)
{
	const char *err = channels_restore();

	ck_assert_msg(!err, "fixture: %s", err);
}

/* The unchecked teardown: runs in the runner, after a failed test too. */
void control_cleanup(void)
{
	const char *err = channels_restore();

	if (err)
		fprintf(stderr, "cleanup: %s\n", err);
}

struct cipc_control *open_ctl(void)
{
	return ck_ok_ptr(cipc_control_open());
}

/* A new channel at the lowest free index; its index, its id in *id. */
unsigned int add_any(struct cipc_control *ctl, uint64_t *id)
{
	unsigned int want = free_index(), idx = UINT_MAX;

	ck_ok(cipc_control_add(ctl, CIPC_INDEX_ANY, 0, 0, 0, &idx, id));
	ck_assert_uint_eq(idx, want);
	return idx;
}
/* ---- cipc_list_channels() ------------------------------------------- */

/* The channels sysfs shows, ascending, into idx (at most max): count. */
size_t sysfs_channels(unsigned int *idx, size_t max)
{
	DIR *d = opendir("/sys/class/cipc");
	struct dirent *de;
	size_t n = 0;
	unsigned int v;
	char end;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)) != NULL) {
		if (sscanf(de->d_name, "cipc%u%c", &v, &end) != 1)
			continue;
		ck_assert_uint_lt(n, max);
		size_t i = n++;

		for (; i > 0 && idx[i - 1] > v; i--)
			idx[i] = idx[i - 1];
		idx[i] = v;
	}
	closedir(d);
	return n;
}

void expect_list(void)
{
	unsigned int want[1024], got[1025];
	size_t n = sysfs_channels(want, 1024);
	ssize_t r;

	ck_assert_int_eq(ck_ok(cipc_list_channels(NULL, 0)), (ssize_t)n);
	memset(got, 0xa5, sizeof(got));
	r = ck_ok(cipc_list_channels(got, 1025));
	ck_assert_int_eq(r, (ssize_t)n);
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(got[i], want[i]);
	ck_assert_uint_eq(got[n], 0xa5a5a5a5);
	/* Fewer slots than channels: the first ones, the full count. */
	if (n > 1) {
		memset(got, 0xa5, sizeof(got));
		ck_assert_int_eq(ck_ok(cipc_list_channels(got, 1)),
				 (ssize_t)n);
		ck_assert_uint_eq(got[0], want[0]);
		ck_assert_uint_eq(got[1], 0xa5a5a5a5);
	}
}
