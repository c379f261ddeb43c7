// SPDX-License-Identifier: GPL-2.0
/*
 * Shared helpers of the cipc driver test suite: see util.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* ---- time ------------------------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

uint64_t now_ms(void)
{
	return now_ns() / NS_PER_MS;
}

unsigned int timeout_multiplier(void)
{
	const char *env = getenv("CK_TIMEOUT_MULTIPLIER");
	char *end;
	unsigned long m;

	if (!env || !*env)
		return 1;
	errno = 0;
	m = strtoul(env, &end, 10);
	return errno || *end || m < 1 || m > 100 ? 1 : (unsigned int)m;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- files ----------------------------------------------------------- */

/* read_file_str(), write_file_str(): tests/common/vmutil.c. */

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
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

static unsigned long long parse_ull(const char *s, const char *what)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	ck_assert_msg(errno == 0 && end != s && *end == '\0' && s[0] != '-',
		      "%s: \"%s\" is not a decimal number", what, s);
	return v;
}

/* ---- module parameters and paths ------------------------------------- */

static unsigned int read_param(const char *name)
{
	char path[128], buf[64];
	int err;

	snprintf(path, sizeof(path), CIPC_PARAM_DIR "/%s", name);
	err = read_file_str(path, buf, sizeof(buf));
	ck_assert_msg(err == 0, "cannot read %s: %s (is cipc loaded?)", path,
		      errname(-err));
	return (unsigned int)parse_ull(buf, path);
}

unsigned int param_channels(void)
{
	return read_param("channels");
}

unsigned int param_msg_max(void)
{
	return read_param("msg_max");
}

unsigned int param_queue_depth(void)
{
	return read_param("queue_depth");
}

unsigned int param_max_waiters(void)
{
	return read_param("max_waiters");
}

int chan_open_raw(unsigned int chan, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), CIPC_DEV_FMT, chan);
	return open(path, flags | O_CLOEXEC);
}

int chan_open(unsigned int chan, int flags)
{
	int fd = chan_open_raw(chan, flags);

	ck_assert_msg(fd >= 0, "open(/dev/cipc%u, %#x) failed: %s", chan,
		      (unsigned int)flags, errname(errno));
	return fd;
}

unsigned int count_numbered(const char *dir, const char *prefix)
{
	size_t plen = strlen(prefix);
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d && errno == ENOENT)
		return 0;
	ck_assert_msg(d != NULL, "opendir(%s): %s", dir, errname(errno));
	while ((de = readdir(d)) != NULL) {
		const char *p = de->d_name + plen;

		if (strncmp(de->d_name, prefix, plen) != 0 || !*p)
			continue;
		while (*p >= '0' && *p <= '9')
			p++;
		if (!*p)
			n++;
	}
	closedir(d);
	return n;
}

/* ---- sysfs ----------------------------------------------------------- */

void chan_sysfs_path(char *buf, size_t size, unsigned int chan,
		     const char *attr)
{
	snprintf(buf, size, CIPC_SYSFS_FMT, chan, attr);
}

void sysfs_str(unsigned int chan, const char *attr, char *buf, size_t size)
{
	char path[128];
	int err;

	chan_sysfs_path(path, sizeof(path), chan, attr);
	err = read_file_str(path, buf, size);
	ck_assert_msg(err == 0, "cannot read %s: %s", path, errname(-err));
}

unsigned long long sysfs_ull(unsigned int chan, const char *attr)
{
	char path[128], buf[64];

	chan_sysfs_path(path, sizeof(path), chan, attr);
	sysfs_str(chan, attr, buf, sizeof(buf));
	return parse_ull(buf, path);
}

int sysfs_write(unsigned int chan, const char *attr, const char *val)
{
	char path[128];

	chan_sysfs_path(path, sizeof(path), chan, attr);
	return write_file_str(path, val);
}

/* ---- raw ioctls ------------------------------------------------------ */

int ioc_info(int fd, struct cipc_info *info)
{
	return ioctl(fd, CIPC_IOC_INFO, info);
}

int ioc_get_mode(int fd, uint32_t *mode)
{
	return ioctl(fd, CIPC_IOC_GET_MODE, mode);
}

int ioc_set_mode(int fd, uint32_t mode)
{
	return ioctl(fd, CIPC_IOC_SET_MODE, &mode);
}

int ioc_get_stats(int fd, struct cipc_stats *stats)
{
	return ioctl(fd, CIPC_IOC_GET_STATS, stats);
}

int ioc_reset_stats(int fd)
{
	return ioctl(fd, CIPC_IOC_RESET_STATS);
}

int ioc_reinit(int fd)
{
	return ioctl(fd, CIPC_IOC_REINIT);
}

static int ioc_signal(int fd, unsigned long cmd, const void *msg, size_t len,
		      uint64_t *seq)
{
	struct cipc_signal sig = { 0 };
	int ret;

	if (msg) {
		sig.msg = (__u64)(uintptr_t)msg;
		sig.msg_len = (__u32)len;
		sig.flags = CIPC_SIGNAL_MSG;
	}
	ret = ioctl(fd, cmd, &sig);
	if (seq)
		*seq = sig.seq;
	return ret;
}

int ioc_complete(int fd, const void *msg, size_t len)
{
	return ioc_signal(fd, CIPC_IOC_COMPLETE, msg, len, NULL);
}

int ioc_complete_all(int fd, const void *msg, size_t len)
{
	return ioc_signal(fd, CIPC_IOC_COMPLETE_ALL, msg, len, NULL);
}

int ioc_complete_seq(int fd, const void *msg, size_t len, uint64_t *seq)
{
	return ioc_signal(fd, CIPC_IOC_COMPLETE, msg, len, seq);
}

int ioc_complete_all_seq(int fd, const void *msg, size_t len, uint64_t *seq)
{
	return ioc_signal(fd, CIPC_IOC_COMPLETE_ALL, msg, len, seq);
}

static int ioc_waitcmd(int fd, unsigned long cmd, uint64_t timeout_ns,
		       void *buf, uint32_t size, struct cipc_wait *out)
{
	struct cipc_wait w = {
		.timeout_ns = timeout_ns,
		.msg = (__u64)(uintptr_t)buf,
		.msg_size = buf ? size : 0,
	};
	int ret, err;

	ret = ioctl(fd, cmd, &w);
	err = errno;
	if (out)
		*out = w;
	errno = err;
	return ret;
}

int ioc_wait(int fd, uint64_t timeout_ns, void *buf, uint32_t size,
	     struct cipc_wait *out)
{
	return ioc_waitcmd(fd, CIPC_IOC_WAIT, timeout_ns, buf, size, out);
}

int ioc_trywait(int fd, void *buf, uint32_t size, struct cipc_wait *out)
{
	return ioc_waitcmd(fd, CIPC_IOC_TRYWAIT, 0, buf, size, out);
}

/* ---- queries that must succeed --------------------------------------- */

struct cipc_info get_info(int fd)
{
	struct cipc_info info;

	memset(&info, 0xa5, sizeof(info));
	ck_assert_msg(ioc_info(fd, &info) == 0, "CIPC_IOC_INFO failed: %s",
		      errname(errno));
	return info;
}

uint32_t get_done(int fd)
{
	struct cipc_info info = get_info(fd);

	ck_assert_msg((info.flags & ~CIPC_INFO_ALL) == 0,
		      "cipc_info.flags %#x has unknown bits", info.flags);
	if (info.flags & CIPC_INFO_ALL) {
		ck_assert_msg(info.count == 0, "count %u in the \"all\" state "
			      "(must be 0)", info.count);
		return DONE_ALL;
	}
	ck_assert_msg(info.count != DONE_ALL, "count is 0xffffffff (the old "
		      "CIPC_DONE_ALL sentinel) without CIPC_INFO_ALL");
	return info.count;
}

uint32_t get_count(int fd)
{
	return get_info(fd).count;
}

bool get_all(int fd)
{
	return get_info(fd).flags & CIPC_INFO_ALL;
}

uint32_t get_queued(int fd)
{
	return get_info(fd).queued;
}

uint64_t get_seq(int fd)
{
	return get_info(fd).seq;
}

uint32_t get_mode(int fd)
{
	uint32_t mode = 0xa5a5a5a5;

	ck_assert_msg(ioc_get_mode(fd, &mode) == 0,
		      "CIPC_IOC_GET_MODE failed: %s", errname(errno));
	return mode;
}

struct cipc_stats get_stats(int fd)
{
	struct cipc_stats stats;

	memset(&stats, 0xa5, sizeof(stats));
	ck_assert_msg(ioc_get_stats(fd, &stats) == 0,
		      "CIPC_IOC_GET_STATS failed: %s", errname(errno));
	return stats;
}

uint32_t get_waiters(int fd)
{
	return get_info(fd).waiters;
}

uint64_t get_generation(int fd)
{
	return get_info(fd).generation;
}

void expect_message(int fd, const void *want, size_t len)
{
	char buf[MSG_BUF_SIZE];
	struct cipc_wait w;
	int ret;

	memset(buf, 0, sizeof(buf));
	ret = ioc_trywait(fd, buf, sizeof(buf), &w);
	ck_assert_msg(ret == 0, "TRYWAIT to read back the message failed: %s",
		      errname(errno));
	ck_assert_msg(w.result & CIPC_WAIT_MSG,
		      "TRYWAIT passed without CIPC_WAIT_MSG (result %#x), "
		      "expected the message \"%.*s\"", w.result, (int)len,
		      (const char *)want);
	ck_assert_msg(w.msg_len == len,
		      "message length is %u, expected %zu", w.msg_len, len);
	ck_assert_msg(memcmp(buf, want, len) == 0,
		      "message is \"%.*s\", expected \"%.*s\"", (int)len, buf,
		      (int)len, (const char *)want);
}

void expect_no_message(int fd)
{
	char buf[MSG_BUF_SIZE];
	struct cipc_wait w;
	int ret;

	ret = ioc_trywait(fd, buf, sizeof(buf), &w);
	ck_assert_msg(ret == 0, "TRYWAIT failed: %s", errname(errno));
	ck_assert_msg(!(w.result & CIPC_WAIT_MSG) && w.msg_len == 0,
		      "TRYWAIT got a message (result %#x, msg_len %u, \"%.*s\")"
		      ", expected none", w.result, w.msg_len,
		      (int)(w.msg_len < 64 ? w.msg_len : 64), buf);
}

#define STATS_FIELDS(X)							\
	X(complete) X(complete_all) X(reinit) X(wait) X(woken)		\
	X(timeout) X(interrupted) X(again) X(bytes_in) X(bytes_out)	\
	X(full) X(discarded) X(refused)

void expect_sysfs_stats(unsigned int chan, const struct cipc_stats *s)
{
#define X(f) {								\
		unsigned long long v = sysfs_ull(chan, "stats/" #f);	\
		ck_assert_msg(v == s->f,				\
			      "cipc%u: sysfs stats/" #f " = %llu but "	\
			      "CIPC_IOC_GET_STATS ." #f " = %llu",	\
			      chan, v, (unsigned long long)s->f);	\
	}
	STATS_FIELDS(X)
#undef X
}

void expect_stats_invariant(const struct cipc_stats *s)
{
	ck_assert_msg(s->wait == s->woken + s->timeout + s->interrupted +
				 s->again,
		      "stats invariant broken: wait %llu != woken %llu + "
		      "timeout %llu + interrupted %llu + again %llu",
		      (unsigned long long)s->wait,
		      (unsigned long long)s->woken,
		      (unsigned long long)s->timeout,
		      (unsigned long long)s->interrupted,
		      (unsigned long long)s->again);
}

struct reinit_call {
	int fd;
	int ret;
	int err;
	atomic_bool finished;
};

static void *reinit_thread(void *arg)
{
	struct reinit_call *c = arg;

	c->ret = ioc_reinit(c->fd);
	c->err = errno;
	atomic_store(&c->finished, true);
	return NULL;
}

int reinit_bounded(int fd, unsigned int timeout_ms)
{
	/* On the heap: the thread outlives this frame if the test fails. */
	struct reinit_call *c = calloc(1, sizeof(*c));
	uint64_t deadline = now_ms() + timeout_ms;
	pthread_t t;
	int err, ret;

	ck_assert_msg(c != NULL, "out of memory");
	c->fd = fd;
	atomic_init(&c->finished, false);
	err = pthread_create(&t, NULL, reinit_thread, c);
	ck_assert_msg(err == 0, "pthread_create: %s", errname(err));
	while (!atomic_load(&c->finished)) {
		ck_assert_msg(now_ms() < deadline,
			      "REINIT still blocked after %u ms", timeout_ms);
		sleep_ms(1);
	}
	pthread_join(t, NULL);
	ret = c->ret;
	err = c->err;
	free(c);
	errno = err;
	return ret;
}

bool wait_waiters(int fd, uint32_t n, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		if (get_waiters(fd) == n)
			return true;
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
}

struct chan_snap snap_take(int fd)
{
	struct chan_snap s;

	s.info = get_info(fd);
	s.stats = get_stats(fd);
	return s;
}

void snap_expect_same(const struct chan_snap *a, const struct chan_snap *b,
		      const char *what)
{
#define SAME(f) ck_assert_msg(a->f == b->f,				\
			      "%s changed " #f " from %llu to %llu", what,	\
			      (unsigned long long)a->f,			\
			      (unsigned long long)b->f)
	SAME(info.mode);
	SAME(info.flags);
	SAME(info.count);
	SAME(info.waiters);
	SAME(info.queued);
	SAME(info.generation);
	SAME(info.seq);
	SAME(info.msg_len);
#define X(f) SAME(stats.f);
	STATS_FIELDS(X)
#undef X
#undef SAME
}

static void expect_stats_zero(const struct cipc_stats *s, const char *what)
{
#define X(f) ck_assert_msg(s->f == 0, "%s: stats." #f " is %llu, not 0",	\
			   what, (unsigned long long)s->f);
	STATS_FIELDS(X)
#undef X
	for (size_t i = 0; i < sizeof(s->reserved) / sizeof(s->reserved[0]);
	     i++)
		ck_assert_msg(s->reserved[i] == 0,
			      "%s: stats.reserved[%zu] is not 0", what, i);
}

void chan_clean(unsigned int chan)
{
	struct cipc_info info;
	struct cipc_stats stats;
	char what[64];
	int fd;

	snprintf(what, sizeof(what), "cleaning cipc%u", chan);
	fd = chan_open(chan, O_RDWR);
	ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS),
		      "%s: %u waiters left over by a previous test", what,
		      get_waiters(fd));
	ck_assert_msg(ioc_reinit(fd) == 0, "%s: REINIT failed: %s", what,
		      errname(errno));
	ck_assert_msg(ioc_set_mode(fd, CIPC_MODE_ONE) == 0,
		      "%s: SET_MODE failed: %s", what, errname(errno));
	ck_assert_msg(ioc_reset_stats(fd) == 0,
		      "%s: RESET_STATS failed: %s", what, errname(errno));

	info = get_info(fd);
	ck_assert_msg(info.count == 0, "%s: count %u after REINIT", what,
		      info.count);
	ck_assert_msg(!(info.flags & CIPC_INFO_ALL), "%s: still in the all "
		      "state after REINIT", what);
	ck_assert_msg(info.queued == 0, "%s: %u messages queued after REINIT",
		      what, info.queued);
	ck_assert_msg(info.mode == CIPC_MODE_ONE, "%s: mode %u after SET_MODE",
		      what, info.mode);
	ck_assert_msg(info.msg_len == 0, "%s: msg_len %u after REINIT", what,
		      info.msg_len);
	ck_assert_msg(info.waiters == 0, "%s: %u waiters", what, info.waiters);
	stats = get_stats(fd);
	expect_stats_zero(&stats, what);
	close(fd);
}

void fixture_clean_all(void)
{
	unsigned int n = param_channels();

	for (unsigned int i = 0; i < n; i++)
		chan_clean(i);
}

TCase *chan_tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture_clean_all, NULL);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

bool need_msg_max(int fd, uint32_t n)
{
	uint32_t max = get_info(fd).msg_max;

	if (max >= n)
		return true;
	fprintf(stderr, "note: test skipped, it needs msg_max >= %u (is %u)\n",
		n, max);
	return false;
}

void *bad_ptr(int kind)
{
	void *p;

	switch (kind) {
	case 0:
		p = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			 -1, 0);
		ck_assert_msg(p != MAP_FAILED, "mmap: %s", errname(errno));
		return p;
	case 1:
		return NULL;
	default:
		/* The top page: a kernel address on every Linux ABI. */
		return (void *)(~(uintptr_t)0 - 4095);
	}
}

/* ---- the control device and channels added at run time --------------- */

unsigned int param_max_channels(void)
{
	return read_param("max_channels");
}

bool path_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

void expect_chan_present(unsigned int index)
{
	char path[128];
	struct stat st;

	snprintf(path, sizeof(path), CIPC_DEV_FMT, index);
	ck_assert_msg(stat(path, &st) == 0, "stat(%s): %s", path,
		      errname(errno));
	ck_assert_msg(S_ISCHR(st.st_mode), "%s is not a char device", path);
	snprintf(path, sizeof(path), CIPC_CLASS_DIR "/cipc%u", index);
	ck_assert_msg(path_exists(path), "%s: %s", path, errname(errno));
	chan_sysfs_path(path, sizeof(path), index, "id");
	ck_assert_msg(path_exists(path), "%s: %s", path, errname(errno));
}

void expect_chan_gone(unsigned int index)
{
	char path[128];

	snprintf(path, sizeof(path), CIPC_DEV_FMT, index);
	ck_assert_msg(!path_exists(path) && errno == ENOENT,
		      "%s still exists (or: %s)", path, errname(errno));
	snprintf(path, sizeof(path), CIPC_CLASS_DIR "/cipc%u", index);
	ck_assert_msg(!path_exists(path) && errno == ENOENT,
		      "%s still exists (or: %s)", path, errname(errno));
}

int ctl_open_raw(int flags)
{
	return open(CIPC_CONTROL_PATH, flags | O_CLOEXEC);
}

int ctl_open(int flags)
{
	int fd = ctl_open_raw(flags);

	ck_assert_msg(fd >= 0, "open(" CIPC_CONTROL_PATH ", %#x) failed: %s",
		      (unsigned int)flags, errname(errno));
	return fd;
}

int ioc_ctl_info(int fd, struct cipc_ctl_info *info)
{
	return ioctl(fd, CIPC_CTL_INFO, info);
}

int ioc_ctl_add(int fd, struct cipc_ctl_channel *c)
{
	return ioctl(fd, CIPC_CTL_ADD, c);
}

int ioc_ctl_remove(int fd, struct cipc_ctl_channel *c)
{
	return ioctl(fd, CIPC_CTL_REMOVE, c);
}

struct cipc_ctl_info get_ctl_info(int fd)
{
	struct cipc_ctl_info info;

	memset(&info, 0xa5, sizeof(info));
	ck_assert_msg(ioc_ctl_info(fd, &info) == 0, "CIPC_CTL_INFO failed: %s",
		      errname(errno));
	return info;
}

unsigned int ctl_channels(void)
{
	int fd = ctl_open(O_RDONLY);
	unsigned int n = get_ctl_info(fd).channels;

	close(fd);
	return n;
}

struct cipc_ctl_channel chan_add(long index, uint32_t msg_max)
{
	return chan_add_ex(index, msg_max, 0, 0);
}

struct cipc_ctl_channel chan_add_ex(long index, uint32_t msg_max,
				    uint32_t queue_depth, uint32_t max_waiters)
{
	struct cipc_ctl_channel c = {
		.msg_max = msg_max, .queue_depth = queue_depth,
		.max_waiters = max_waiters,
	};
	int fd = ctl_open(O_RDWR), ret;

	if (index != CHAN_ANY) {
		c.index = (__u32)index;
		c.flags = CIPC_ADD_INDEX;
	}
	ret = ioc_ctl_add(fd, &c);
	ck_assert_msg(ret == 0, "CIPC_CTL_ADD (index %ld, msg_max %u, "
		      "queue_depth %u, max_waiters %u) failed: %s", index,
		      msg_max, queue_depth, max_waiters, errname(errno));
	close(fd);
	if (index != CHAN_ANY)
		ck_assert_msg(c.index == (__u32)index, "CIPC_CTL_ADD at %ld "
			      "added index %u", index, c.index);
	return c;
}

void chan_remove(unsigned int index)
{
	struct cipc_ctl_channel c = { .index = index };
	int fd = ctl_open(O_RDWR), ret;

	ret = ioc_ctl_remove(fd, &c);
	ck_assert_msg(ret == 0, "CIPC_CTL_REMOVE of index %u failed: %s",
		      index, errname(errno));
	close(fd);
}

uint64_t sysfs_id(unsigned int index)
{
	return sysfs_ull(index, "id");
}

static int cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return x < y ? -1 : x > y;
}

int list_channels(unsigned int *idx, unsigned int max)
{
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(CIPC_CLASS_DIR);

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) != NULL) {
		unsigned long v;
		char *end;

		if (strncmp(de->d_name, "cipc", 4) != 0 || !de->d_name[4] ||
		    de->d_name[4] < '0' || de->d_name[4] > '9')
			continue;
		v = strtoul(de->d_name + 4, &end, 10);
		if (*end)
			continue;
		if (n < max)
			idx[n] = (unsigned int)v;
		n++;
	}
	closedir(d);
	qsort(idx, n < max ? n : max, sizeof(*idx), cmp_uint);
	return (int)n;
}

int channels_restore(void)
{
	static unsigned int idx[1100];
	char path[128], buf[32];
	unsigned int base;
	int fd, n, err;

	snprintf(path, sizeof(path), CIPC_PARAM_DIR "/channels");
	err = read_file_str(path, buf, sizeof(buf));
	if (err) {
		fprintf(stderr, "channels_restore: %s: %s\n", path,
			errname(-err));
		return err;
	}
	base = (unsigned int)strtoul(buf, NULL, 10);
	n = list_channels(idx, sizeof(idx) / sizeof(idx[0]));
	if (n < 0) {
		fprintf(stderr, "channels_restore: %s: %s\n", CIPC_CLASS_DIR,
			errname(-n));
		return n;
	}
	fd = ctl_open_raw(O_RDWR);
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "channels_restore: open %s: %s\n",
			CIPC_CONTROL_PATH, errname(errno));
		return err;
	}
	for (int i = 0; i < n; i++) {
		struct cipc_ctl_channel c = { .index = idx[i] };

		if (idx[i] < base)
			continue;
		if (ioc_ctl_remove(fd, &c) != 0 && errno != ENOENT) {
			err = err ? err : -errno;
			fprintf(stderr, "channels_restore: removing cipc%u: "
				"%s\n", idx[i], errname(errno));
		}
	}
	for (unsigned int i = 0; i < base; i++) {
		struct cipc_ctl_channel c = {
			.index = i, .flags = CIPC_ADD_INDEX,
		};

		if (ioc_ctl_add(fd, &c) == 0) {
			fprintf(stderr, "channels_restore: cipc%u was missing, "
				"added it again\n", i);
		} else if (errno != EEXIST) {
			err = err ? err : -errno;
			fprintf(stderr, "channels_restore: adding cipc%u: %s\n",
				i, errname(errno));
		}
	}
	close(fd);
	n = list_channels(idx, sizeof(idx) / sizeof(idx[0]));
	if (!err && n != (int)base) {
		fprintf(stderr, "channels_restore: %d channels after it, "
			"expected %u\n", n, base);
		err = -EEXIST;
	}
	return err;
}

void fixture_channels_restored(void)
{
	int err = channels_restore();

	ck_assert_msg(err == 0, "cannot bring the channels back to 0..%u: %s "
		      "(see stderr)", param_channels() - 1, errname(-err));
	fixture_clean_all();
}

void channels_restore_unchecked(void)
{
	int err = channels_restore();

	if (err)
		fprintf(stderr, "RESTORING THE CHANNELS FAILED: %s\n",
			errname(-err));
}

TCase *ctl_tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_add_unchecked_fixture(tc, NULL, channels_restore_unchecked);
	tcase_add_checked_fixture(tc, fixture_channels_restored, NULL);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

/* ---- privileges ------------------------------------------------------- */

bool cap_effective(unsigned int cap)
{
	char buf[4096], *p;
	unsigned long long caps;

	if (read_file_str("/proc/self/status", buf, sizeof(buf)) != 0)
		return true;	/* unknown: assume the worst */
	p = strstr(buf, "\nCapEff:");
	if (!p)
		return true;
	caps = strtoull(p + 8, NULL, 16);
	return cap < 64 && (caps >> cap) & 1;
}

int drop_to_nobody(pid_t parent)
{
	if (setgroups(0, NULL) != 0)
		return errno;
	if (setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) != 0)
		return errno;
	if (setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) != 0)
		return errno;
	/* Cleared by the credential change. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
		return errno;
	if (getppid() != parent)
		return ESRCH;
	if (getuid() != NOBODY_ID || geteuid() != NOBODY_ID ||
	    getgid() != NOBODY_ID || getegid() != NOBODY_ID)
		return EPERM;
	if (cap_effective(21 /* CAP_SYS_ADMIN */))
		return EPERM;
	return 0;
}

/* ---- /proc ----------------------------------------------------------- */

/* proc_state(): tests/common/vmutil.c. */

char proc_settled_state(pid_t pid, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms, d_since = 0;
	char st;

	for (;;) {
		uint64_t now = now_ms();

		st = proc_state(pid);
		if (st == 'S' || st == 'Z' || st == 'X' || st == 0)
			return st;
		if (st == 'D') {
			if (!d_since)
				d_since = now;
			if (now - d_since >= 500)
				return st;
		} else {
			d_since = 0;
		}
		if (now >= deadline)
			return st;
		sleep_ms(1);
	}
}

/* ---- forked helper processes ----------------------------------------- */

void child_init(pid_t parent)
{
	struct sigaction sa;
	sigset_t none;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(126);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (int s = 1; s < NSIG; s++) {
		if (s != SIGKILL && s != SIGSTOP)
			(void)sigaction(s, &sa, NULL); /* EINVAL: glibc's */
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* Set in a waiter child only, for its SIGUSR1 handler. */
static volatile sig_atomic_t waiter_sig_fd = -1;

static void waiter_sigusr1(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (write(waiter_sig_fd, &c, 1) < 0) {
		/* nothing to do in a handler; the parent times out */
	}
	errno = saved;
}

static void waiter_child(const struct waiter_req *req, int res_fd, int sig_fd)
{
	struct waiter_res res;
	uint32_t size = req->bufsize ? req->bufsize : MSG_BUF_SIZE - 1;
	struct cipc_wait w;
	long ret = -1;
	int fd;

	memset(&res, 0, sizeof(res));
	fd = chan_open_raw(req->chan, req->open_flags);
	if (fd < 0) {
		res.stage = WSTAGE_OPEN;
		res.err = errno;
		goto out;
	}
	if (req->sig != WSIG_DEFAULT) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = waiter_sigusr1;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = req->sig == WSIG_RESTART ? SA_RESTART : 0;
		waiter_sig_fd = sig_fd;
		if (sigaction(SIGUSR1, &sa, NULL) != 0) {
			res.stage = WSTAGE_SIGACTION;
			res.err = errno;
			goto out;
		}
	}

	memset(&w, 0, sizeof(w));
	res.t_start_ns = now_ns();
	switch (req->op) {
	case WOP_READ:
		ret = read(fd, res.msg, size);
		break;
	case WOP_WAIT:
		ret = ioc_wait(fd, req->timeout_ns, res.msg, size, &w);
		break;
	case WOP_TRYWAIT:
		ret = ioc_trywait(fd, res.msg, size, &w);
		break;
	}
	res.err = ret < 0 ? errno : 0;
	res.t_end_ns = now_ns();
	res.ret = ret;
	res.msg_len = w.msg_len;
	res.result = w.result;
	res.generation = w.generation;
	res.seq = w.seq;
	res.stage = WSTAGE_DONE;
out:
	_exit(write_all(res_fd, &res, sizeof(res)) == 0 ? 0 : 125);
}

void waiter_start(struct waiter *w, const struct waiter_req *req)
{
	int res_pipe[2], sig_pipe[2];
	pid_t parent = getpid();

	memset(w, 0, sizeof(*w));
	ck_assert_msg(pipe2(res_pipe, O_CLOEXEC) == 0, "pipe2: %s",
		      errname(errno));
	ck_assert_msg(pipe2(sig_pipe, O_CLOEXEC) == 0, "pipe2: %s",
		      errname(errno));
	w->pid = fork();
	ck_assert_msg(w->pid >= 0, "fork: %s", errname(errno));
	if (w->pid == 0) {
		child_init(parent);
		close(res_pipe[0]);
		close(sig_pipe[0]);
		waiter_child(req, res_pipe[1], sig_pipe[1]);
	}
	close(res_pipe[1]);
	close(sig_pipe[1]);
	w->res_fd = res_pipe[0];
	w->sig_fd = sig_pipe[0];
}

enum waiter_poll waiter_poll(struct waiter *w, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	if (w->got == sizeof(w->res))
		return WP_DONE;
	if (w->res_fd < 0)
		return WP_DIED;
	for (;;) {
		struct pollfd pfd = { .fd = w->res_fd, .events = POLLIN };
		uint64_t now = now_ms();
		int left = now >= deadline ? 0 : (int)(deadline - now);
		int r = poll(&pfd, 1, left);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0, "poll on a waiter's pipe: %s",
			      errname(errno));
		if (r == 0)
			return WP_PENDING;
		n = read(w->res_fd, (char *)&w->res + w->got,
			 sizeof(w->res) - w->got);
		if (n < 0 && errno == EINTR)
			continue;
		ck_assert_msg(n >= 0, "read from a waiter's pipe: %s",
			      errname(errno));
		if (n == 0)
			return WP_DIED;
		w->got += (size_t)n;
		if (w->got == sizeof(w->res))
			return WP_DONE;
	}
}

static const char *stage_str(int32_t stage)
{
	switch (stage) {
	case WSTAGE_OPEN:
		return "open() of the channel";
	case WSTAGE_SIGACTION:
		return "sigaction()";
	default:
		return "setup";
	}
}

const struct waiter_res *waiter_result(struct waiter *w,
				       unsigned int timeout_ms)
{
	enum waiter_poll p = waiter_poll(w, timeout_ms);

	ck_assert_msg(p != WP_PENDING,
		      "waiter %d still blocked %u ms after it should have been "
		      "released", (int)w->pid, timeout_ms);
	ck_assert_msg(p == WP_DONE, "waiter %d died without a result",
		      (int)w->pid);
	ck_assert_msg(w->res.stage == WSTAGE_DONE, "waiter %d: %s failed: %s",
		      (int)w->pid, stage_str(w->res.stage),
		      errname(w->res.err));
	return &w->res;
}

void waiter_expect_blocked(struct waiter *w, unsigned int ms)
{
	enum waiter_poll p = waiter_poll(w, ms);

	ck_assert_msg(p != WP_DONE,
		      "waiter %d returned (ret %lld, %s) while it should "
		      "still be blocked", (int)w->pid, (long long)w->res.ret,
		      errname(w->res.err));
	ck_assert_msg(p == WP_PENDING, "waiter %d died while blocked",
		      (int)w->pid);
}

bool waiter_saw_signal(struct waiter *w, unsigned int timeout_ms)
{
	struct pollfd pfd = { .fd = w->sig_fd, .events = POLLIN };
	char c;
	int r;

	do
		r = poll(&pfd, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r != 1)
		return false;
	return read(w->sig_fd, &c, 1) == 1;
}

bool waiter_reap(struct waiter *w, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	if (w->reaped)
		return true;
	for (;;) {
		pid_t r = waitpid(w->pid, &w->status, WNOHANG);

		ck_assert_msg(r >= 0, "waitpid(%d): %s", (int)w->pid,
			      errname(errno));
		if (r == w->pid) {
			w->reaped = true;
			return true;
		}
		if (now_ms() >= deadline)
			return false;
		sleep_ms(1);
	}
}

void waiter_end(struct waiter *w)
{
	if (w->pid <= 0)
		return;		/* never started */
	if (!w->reaped) {
		kill(w->pid, SIGKILL);
		ck_assert_msg(waiter_reap(w, SETTLE_MS),
			      "waiter %d does not die on SIGKILL", (int)w->pid);
	}
	if (w->res_fd >= 0)
		close(w->res_fd);
	if (w->sig_fd >= 0)
		close(w->sig_fd);
	w->res_fd = w->sig_fd = -1;
}

void waiter_start_blocked(struct waiter *w, const struct waiter_req *req,
			  int fd, uint32_t waiters_after)
{
	char st;

	waiter_start(w, req);
	if (!wait_waiters(fd, waiters_after, SETTLE_MS)) {
		/* Say why: a result means the call did not block at all. */
		if (waiter_poll(w, 0) == WP_DONE)
			ck_abort_msg("waiter %d did not block: it returned %lld "
				     "(%s) at once", (int)w->pid,
				     (long long)w->res.ret,
				     errname(w->res.err));
		ck_abort_msg("channel shows %u waiters, expected %u, %u ms "
			     "after starting waiter %d", get_waiters(fd),
			     waiters_after, SETTLE_MS, (int)w->pid);
	}
	st = proc_settled_state(w->pid, SETTLE_MS);
	ck_assert_msg(st == 'S',
		      "blocked waiter %d is in state '%c', expected 'S' "
		      "(interruptible sleep)", (int)w->pid, st ? st : '?');
}

static const char *signaller_exit_str(int status)
{
	if (!WIFEXITED(status))
		return "killed by a signal";
	switch (WEXITSTATUS(status)) {
	case 0:
		return "ok";
	case 10:
		return "the test process never went to sleep (poll did not "
		       "block?)";
	case 11:
		return "could not open the channel";
	case 12:
		return "its complete/write failed";
	case 126:
		return "lost its parent";
	default:
		return "failed";
	}
}

void signaller_start(struct signaller *s, unsigned int chan,
		     enum signaller_op op)
{
	pid_t parent = getpid();
	int hold[2];

	ck_assert_msg(pipe2(hold, O_CLOEXEC) == 0, "pipe2: %s",
		      errname(errno));
	s->pid = fork();
	ck_assert_msg(s->pid >= 0, "fork: %s", errname(errno));
	if (s->pid == 0) {
		uint64_t deadline;
		int fd, r = -1, code;
		char c;

		child_init(parent);
		close(hold[1]);
		deadline = now_ms() + SETTLE_MS;
		while (proc_state(parent) != 'S') {
			if (now_ms() >= deadline)
				_exit(10);
			sleep_ms(1);
		}
		fd = chan_open_raw(chan, O_WRONLY);
		if (fd < 0)
			_exit(11);
		switch (op) {
		case SOP_COMPLETE:
			r = ioc_complete(fd, NULL, 0);
			break;
		case SOP_COMPLETE_ALL:
			r = ioc_complete_all(fd, NULL, 0);
			break;
		case SOP_WRITE:
			r = write(fd, "poll", 4) == 4 ? 0 : -1;
			break;
		}
		code = r == 0 ? 0 : 12;
		/* Stay until the parent is done: EOF when it closes. */
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(code);
	}
	close(hold[0]);
	s->hold_fd = hold[1];
}

void signaller_finish(struct signaller *s)
{
	int status;

	close(s->hold_fd);
	status = reap_pid(s->pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "signaller process: %s", signaller_exit_str(status));
}

int reap_pid(pid_t pid, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;
	int status;

	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		ck_assert_msg(r >= 0, "waitpid(%d): %s", (int)pid,
			      errname(errno));
		if (r == pid)
			return status;
		ck_assert_msg(now_ms() < deadline,
			      "child %d did not end within %u ms", (int)pid,
			      timeout_ms);
		sleep_ms(1);
	}
}

void fixture_abi_neutral(void)
{
	unsigned int n = param_channels();

	for (unsigned int c = 0; c < n; c++) {
		uint64_t deadline = now_ms() + SETTLE_MS;
		int fd = chan_open(c, O_RDWR);

		while (sysfs_ull(c, "waiters") != 0) {
			ck_assert_msg(now_ms() < deadline, "cipc%u: waiters "
				      "left over by a previous test", c);
			sleep_ms(1);
		}
		ck_assert_msg(ioc_reinit(fd) == 0, "cipc%u: REINIT: %s", c,
			      errname(errno));
		ck_assert_msg(ioc_set_mode(fd, CIPC_MODE_ONE) == 0,
			      "cipc%u: SET_MODE: %s", c, errname(errno));
		ck_assert_msg(ioc_reset_stats(fd) == 0,
			      "cipc%u: RESET_STATS: %s", c, errname(errno));
		close(fd);
	}
}

TCase *abi_neutral_tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture_abi_neutral, NULL);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}
