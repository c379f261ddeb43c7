// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-stress: helpers shared by the scenarios (stress.h).
 */
#include "stress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- reporting ------------------------------------------------------- */

unsigned int st_failures;

static void report(const char *tag, const char *scen, const char *fmt,
		   va_list ap)
{
	printf("%s %s: ", tag, scen);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
}

void st_pass(const char *scen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("PASS", scen, fmt, ap);
	va_end(ap);
}

void st_fail(const char *scen, const char *fmt, ...)
{
	va_list ap;

	st_failures++;
	va_start(ap, fmt);
	report("FAIL", scen, fmt, ap);
	va_end(ap);
}

void st_note(const char *scen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	report("    ", scen, fmt, ap);
	va_end(ap);
}

/* ---- time ------------------------------------------------------------ */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

uint64_t now_ms(void)
{
	return now_ns() / NS_PER_MS;
}

uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

void sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *errname(int err)
{
	static __thread char buf[16];
	const char *n = err ? strerrorname_np(err) : "0";

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "errno %d", err);
	return buf;
}

/* ---- channels -------------------------------------------------------- */

int ctl_open(void)
{
	return open(CONTROL_PATH, O_RDWR | O_CLOEXEC);
}

int chan_open(unsigned int index, int flags)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	return open(path, flags | O_CLOEXEC);
}

int ctl_info(int ctl, struct cipc_ctl_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	return ioctl(ctl, CIPC_CTL_INFO, ci);
}

int ctl_add(int ctl, unsigned int index, uint32_t max_waiters,
	    struct cipc_ctl_channel *out)
{
	struct cipc_ctl_channel c = {
		.index = index, .flags = CIPC_ADD_INDEX,
		.max_waiters = max_waiters,
	};
	int r = ioctl(ctl, CIPC_CTL_ADD, &c);

	if (out)
		*out = c;
	return r;
}

int ctl_remove(int ctl, unsigned int index)
{
	struct cipc_ctl_channel c = { .index = index };

	return ioctl(ctl, CIPC_CTL_REMOVE, &c);
}

int ioc_info(int fd, struct cipc_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl(fd, CIPC_IOC_INFO, info);
}

int ioc_stats(int fd, struct cipc_stats *st)
{
	memset(st, 0, sizeof(*st));
	return ioctl(fd, CIPC_IOC_GET_STATS, st);
}

int ioc_signal(int fd, bool all, const void *msg, size_t len, uint64_t *seq)
{
	struct cipc_signal s = {
		.msg = (uintptr_t)msg, .msg_len = (uint32_t)len,
		.flags = msg ? CIPC_SIGNAL_MSG : 0,
	};
	int r = ioctl(fd, all ? CIPC_IOC_COMPLETE_ALL : CIPC_IOC_COMPLETE, &s);

	if (seq)
		*seq = s.seq;
	return r;
}

int ioc_wait(int fd, uint64_t timeout_ns, uint32_t flags, int clockid,
	     void *buf, size_t size, struct cipc_wait *out)
{
	struct cipc_wait w = {
		.timeout_ns = timeout_ns, .msg = (uintptr_t)buf,
		.msg_size = (uint32_t)size, .flags = flags, .clockid = clockid,
	};
	int r = ioctl(fd, CIPC_IOC_WAIT, &w);

	if (out)
		*out = w;
	return r;
}

int ioc_trywait(int fd, void *buf, size_t size, struct cipc_wait *out)
{
	struct cipc_wait w = { .msg = (uintptr_t)buf, .msg_size = (uint32_t)size };
	int r = ioctl(fd, CIPC_IOC_TRYWAIT, &w);

	if (out)
		*out = w;
	return r;
}

int ioc_reinit(int fd)
{
	return ioctl(fd, CIPC_IOC_REINIT);
}

int free_index(int ctl, unsigned int from_top, unsigned int *index)
{
	struct cipc_ctl_info ci;
	char path[64];

	if (ctl_info(ctl, &ci))
		return -errno;
	for (unsigned int i = ci.max_channels; i-- > 0;) {
		snprintf(path, sizeof(path), CLASS_PATH "/cipc%u", i);
		if (access(path, F_OK) == 0)
			continue;
		if (from_top-- == 0) {
			*index = i;
			return 0;
		}
	}
	return -ENOSPC;
}

bool wait_waiters(int fd, unsigned int n, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	struct cipc_info info;

	for (;;) {
		if (ioc_info(fd, &info) == 0 && info.waiters == n)
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(2);
	}
}

bool stats_invariant(const struct cipc_stats *s)
{
	return s->wait == s->woken + s->timeout + s->interrupted + s->again;
}

int sysfs_chan_ull(unsigned int index, const char *attr,
		   unsigned long long *val)
{
	char path[128], buf[64], *end;
	int err;

	snprintf(path, sizeof(path), CLASS_PATH "/cipc%u/%s", index, attr);
	err = read_file_str(path, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -EINVAL : 0;
}

int stats_sysfs_equal(unsigned int index, const struct cipc_stats *s,
		      const char **bad)
{
	static const char * const names[] = {
		"complete", "complete_all", "reinit", "wait", "woken",
		"timeout", "interrupted", "again", "bytes_in", "bytes_out",
		"full", "discarded", "refused",
	};
	const __u64 *v = &s->complete;
	char attr[32];

	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned long long x;

		snprintf(attr, sizeof(attr), "stats/%s", names[i]);
		if (sysfs_chan_ull(index, attr, &x) || x != v[i]) {
			*bad = names[i];
			return -1;
		}
	}
	return 0;
}

unsigned int count_numbered(const char *dir, const char *prefix)
{
	size_t plen = strlen(prefix);
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		const char *p = de->d_name;

		if (strncmp(p, prefix, plen) || !p[plen])
			continue;
		p += plen;
		while (*p >= '0' && *p <= '9')
			p++;
		if (!*p)
			n++;
	}
	closedir(d);
	return n;
}

long module_refcnt(void)
{
	char buf[32];

	if (read_file_str("/sys/module/cipc/refcnt", buf, sizeof(buf)))
		return -1;
	return strtol(buf, NULL, 10);
}

int st_load(const char *params, unsigned int n)
{
	int err = module_load(params);

	if (err)
		return err;
	return nodes_settle_within(n, MODULE_MS, count_numbered) ?
	       0 : -ETIMEDOUT;
}

int st_restore_module(void)
{
	static const char * const names[] = {
		"max_channels", "channels", "msg_max", "queue_depth",
		"max_waiters",
	};
	static const unsigned int defaults[] = { 256, 4, 256, 16, 256 };
	bool ok = module_loaded();

	for (unsigned int i = 0; ok && i < 5; i++) {
		unsigned int v;

		ok = param_value(names[i], &v) && v == defaults[i];
	}
	if (ok)
		return 0;
	if (module_loaded()) {
		int err = module_unload(MODULE_MS);

		if (err)
			return err;
	}
	return st_load("", 4);
}

/* ---- processes ------------------------------------------------------- */

void *shm_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

void shm_free(void *p, size_t size)
{
	if (p)
		munmap(p, size);
}

pid_t spawn(void (*fn)(void *arg), void *arg, pid_t pgid)
{
	pid_t parent = getpid(), pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		/* Both sides set it, so that it is set when either looks. */
		setpgid(pid, pgid);
		return pid;
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(99);
	setpgid(0, pgid);
	fn(arg);
	_exit(0);
}

long proc_syscall(pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	if (read_file_str(path, buf, sizeof(buf)))
		return -2;
	if (!strncmp(buf, "running", 7))
		return -1;
	return strtol(buf, NULL, 10);
}

bool wait_asleep(pid_t pid, bool dstate, const long *nrs, unsigned int n,
		 unsigned int timeout_ms, char *st, long *nr)
{
	uint64_t end = now_ms() + timeout_ms;

	for (;;) {
		bool in = false;

		*st = proc_state(pid);
		*nr = proc_syscall(pid);
		if (*nr == -2 || n == 0)
			in = true;	/* no /proc/PID/syscall, or any call */
		for (unsigned int i = 0; i < n && !in; i++)
			in = *nr == nrs[i];
		if (in && *st == (dstate ? 'D' : 'S'))
			return true;
		if (now_ms() >= end)
			return false;
		sleep_ms(2);
	}
}

unsigned int reap(pid_t *pids, int *status, unsigned int n,
		  unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	unsigned int done = 0, left = 0;

	for (unsigned int i = 0; i < n; i++)
		left += pids[i] > 0;
	while (left) {
		bool any = false;

		for (unsigned int i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status[i], WNOHANG) == pids[i]) {
				pids[i] = 0;
				done++;
				left--;
				any = true;
			}
		}
		if (!left || now_ms() >= end)
			break;
		if (!any)
			sleep_ms(2);
	}
	return done;
}

void kill_reap(pid_t *pids, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			pids[i] = 0;
		}
	}
}

int pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

int cpu_count(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return 1;
	return CPU_COUNT(&set);
}
