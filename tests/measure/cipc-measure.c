// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-measure: figures about the cipc driver, for a person to read.
 *
 *   cipc-measure [-r ROUNDS] [-p PINGPONG] [-k REPS] [N...]
 *
 * Run as root in the test VM with the module loaded (by hand, not part of
 * make check), e.g.
 *
 *   tests/vm/run --kernel 6.12 -- build/tests/cipc-measure 256 5000
 *
 * Everything is measured in one run, interleaved where two things are
 * compared, because absolute times in an emulated guest drift between
 * runs. It prints three tables:
 *
 *  (a) deadline overshoot: ROUNDS (200) timed waits of 1 ms and of 10 ms
 *      each, CIPC_IOC_WAIT with CIPC_WAIT_ABSTIME on CLOCK_MONOTONIC, the
 *      same wait with a relative timeout, and sem_clockwait(3) on an
 *      unposted semaphore, taking turns (the order rotates every round),
 *      on CPU 0: median, p90, max of (end - deadline) and the number of
 *      early returns (end < deadline, which must be 0);
 *  (b) ping-pong between two processes over two channels: process A
 *      completes channel 1 and waits on channel 2, process B the reverse,
 *      PINGPONG (2000) round trips after 100 warm-up ones, 1-byte messages
 *      into already touched 1-byte buffers: minor page faults per round
 *      trip (getrusage, both processes) and wall time per round trip, with
 *      both processes on CPU 0 and on CPUs 0 and 1;
 *  (c) complete_all hold time: N threads (each argument N; default 256)
 *      blocked in CIPC_IOC_WAIT on a channel added with max_waiters=N, then
 *      the duration of the CIPC_IOC_COMPLETE_ALL syscall (which wakes them
 *      all with interrupts off), REPS (7) times with the caller at
 *      SCHED_OTHER and REPS times at SCHED_FIFO 50 (where the woken waiters
 *      cannot preempt it before the syscall returns), alternating, with
 *      the time until every waiter returned and the duration of the
 *      following CIPC_IOC_REINIT.
 *
 * The channels it needs are added through /dev/cipc-control and removed at
 * the end. Exit status 0, or 1 on any error (described on stderr).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/cipc.h>

#define NS_PER_US	1000LL
#define NS_PER_MS	1000000LL
#define NS_PER_S	1000000000LL
#define WARMUP		100

static unsigned int rounds = 200;
static unsigned int pingpong = 2000;
static unsigned int reps = 7;

/* Channels added by this program, removed at exit. */
static unsigned int added[8];
static unsigned int n_added;

static int prctl_slack(void);
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						       noreturn));

static void remove_added(void)
{
	int ctl = open("/dev/" CIPC_CONTROL_NAME, O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		return;
	while (n_added > 0) {
		struct cipc_ctl_channel c = { .index = added[--n_added] };

		if (ioctl(ctl, CIPC_CTL_REMOVE, &c) != 0)
			fprintf(stderr, "cipc-measure: removing cipc%u: %s\n",
				c.index, strerror(errno));
	}
	close(ctl);
}

static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("cipc-measure: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	remove_added();
	exit(1);
}

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		die("sched_setaffinity(CPU %d): %s", cpu, strerror(errno));
}

/* Add a channel: its index. */
static unsigned int chan_add(uint32_t msg_max, uint32_t max_waiters)
{
	struct cipc_ctl_channel c = {
		.msg_max = msg_max, .max_waiters = max_waiters,
	};
	int ctl = open("/dev/" CIPC_CONTROL_NAME, O_RDWR | O_CLOEXEC);

	if (ctl < 0)
		die("open /dev/" CIPC_CONTROL_NAME ": %s (module loaded?)",
		    strerror(errno));
	if (ioctl(ctl, CIPC_CTL_ADD, &c) != 0)
		die("CIPC_CTL_ADD max_waiters=%u: %s", max_waiters,
		    strerror(errno));
	close(ctl);
	if (n_added < sizeof(added) / sizeof(added[0]))
		added[n_added++] = c.index;
	return c.index;
}

static void chan_remove(unsigned int index)
{
	struct cipc_ctl_channel c = { .index = index };
	int ctl = open("/dev/" CIPC_CONTROL_NAME, O_RDWR | O_CLOEXEC);

	if (ctl < 0 || ioctl(ctl, CIPC_CTL_REMOVE, &c) != 0)
		die("CIPC_CTL_REMOVE %u: %s", index, strerror(errno));
	close(ctl);
	for (unsigned int i = 0; i < n_added; i++)
		if (added[i] == index)
			added[i] = added[--n_added];
}

static int chan_open(unsigned int index, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	return fd;
}

static struct cipc_info info_of(int fd)
{
	struct cipc_info info;

	if (ioctl(fd, CIPC_IOC_INFO, &info) != 0)
		die("CIPC_IOC_INFO: %s", strerror(errno));
	return info;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct dist {
	double median, p90, max, min, mean;
};

/* Sorts v; values in ns, the result in us. */
static struct dist dist_us(int64_t *v, size_t n)
{
	struct dist d;
	double sum = 0;

	qsort(v, n, sizeof(*v), cmp_i64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	d.min = (double)v[0] / NS_PER_US;
	d.median = (double)v[n / 2] / NS_PER_US;
	d.p90 = (double)v[(n * 9) / 10] / NS_PER_US;
	d.max = (double)v[n - 1] / NS_PER_US;
	d.mean = sum / (double)n / NS_PER_US;
	return d;
}

/* ---- (a) deadline overshoot -------------------------------------------- */

enum { K_ABS, K_REL, K_SEM, K_N };
static const char *const kind_name[K_N] = {
	"cipc ABSTIME", "cipc relative", "sem_clockwait",
};

static void overshoot(int fd, int64_t len_ns)
{
	int64_t *os[K_N];
	unsigned int early[K_N] = { 0 };
	sem_t sem;

	if (sem_init(&sem, 0, 0) != 0)
		die("sem_init: %s", strerror(errno));
	for (int k = 0; k < K_N; k++) {
		os[k] = calloc(rounds, sizeof(int64_t));
		if (!os[k])
			die("out of memory");
	}
	for (unsigned int r = 0; r < rounds; r++) {
		for (int j = 0; j < K_N; j++) {
			int k = (int)((r + (unsigned int)j) % K_N);
			int64_t start = clock_ns(CLOCK_MONOTONIC);
			int64_t dl = start + len_ns, end;
			struct cipc_wait w = { 0 };
			struct timespec ts;
			int ret;

			switch (k) {
			case K_ABS:
				w.timeout_ns = (uint64_t)dl;
				w.flags = CIPC_WAIT_ABSTIME;
				w.clockid = CLOCK_MONOTONIC;
				ret = ioctl(fd, CIPC_IOC_WAIT, &w);
				break;
			case K_REL:
				w.timeout_ns = (uint64_t)len_ns;
				ret = ioctl(fd, CIPC_IOC_WAIT, &w);
				break;
			default:
				ts.tv_sec = (time_t)(dl / NS_PER_S);
				ts.tv_nsec = (long)(dl % NS_PER_S);
				ret = sem_clockwait(&sem, CLOCK_MONOTONIC, &ts);
				break;
			}
			end = clock_ns(CLOCK_MONOTONIC);
			if (ret != -1 || errno != ETIMEDOUT)
				die("%s wait: %d (%s), expected ETIMEDOUT",
				    kind_name[k], ret,
				    ret ? strerror(errno) : "-");
			if (end < dl)
				early[k]++;
			os[k][r] = end - dl;
		}
	}
	for (int k = 0; k < K_N; k++) {
		struct dist d = dist_us(os[k], rounds);

		printf("  %6.0f ms  %-14s %5u %10.1f %10.1f %10.1f %6u\n",
		       (double)len_ns / NS_PER_MS, kind_name[k], rounds,
		       d.median, d.p90, d.max, early[k]);
		free(os[k]);
	}
	sem_destroy(&sem);
}

static void part_a(unsigned int chan)
{
	int fd = chan_open(chan, O_RDONLY);
	cpu_set_t saved;

	sched_getaffinity(0, sizeof(saved), &saved);
	pin(0);
	printf("(a) deadline overshoot on CLOCK_MONOTONIC, interleaved, "
	       "CPU 0, timer slack %d ns\n", prctl_slack());
	printf("  %9s  %-14s %5s %10s %10s %10s %6s\n", "wait", "how",
	       "n", "median us", "p90 us", "max us", "early");
	overshoot(fd, NS_PER_MS);
	overshoot(fd, 10 * NS_PER_MS);
	sched_setaffinity(0, sizeof(saved), &saved);
	close(fd);
}

/* ---- (b) ping-pong ------------------------------------------------------ */

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt;
}

static int do_complete(int fd, const char *msg)
{
	struct cipc_signal s = {
		.msg = (uintptr_t)msg, .msg_len = 1, .flags = CIPC_SIGNAL_MSG,
	};

	return ioctl(fd, CIPC_IOC_COMPLETE, &s);
}

static int do_wait(int fd, char *buf)
{
	struct cipc_wait w = {
		.timeout_ns = CIPC_TIMEOUT_FOREVER,
		.msg = (uintptr_t)buf, .msg_size = 1,
	};
	int r;

	do
		r = ioctl(fd, CIPC_IOC_WAIT, &w);
	while (r != 0 && errno == EINTR);
	return r;
}

static void pingpong_run(unsigned int c1, unsigned int c2, int cpu_a,
			 int cpu_b)
{
	static char buf[1];
	int to_b = chan_open(c1, O_RDWR), from_b = chan_open(c2, O_RDWR);
	int64_t *rt = calloc(pingpong, sizeof(int64_t)), t0, total;
	int res[2];
	long fa0 = 0, fa, fb = -1;
	unsigned int total_rounds = WARMUP + pingpong;
	struct dist d;
	pid_t pid;
	int status;

	if (!rt || pipe(res) != 0)
		die("setup: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		long f0 = 0, f;

		close(res[0]);
		pin(cpu_b);
		buf[0] = 0;
		for (unsigned int i = 0; i < total_rounds; i++) {
			if (i == WARMUP)
				f0 = minflt();
			if (do_wait(to_b, buf) != 0 ||
			    do_complete(from_b, "b") != 0)
				_exit(1);
		}
		f = minflt() - f0;
		_exit(write(res[1], &f, sizeof(f)) == sizeof(f) ? 0 : 1);
	}
	close(res[1]);
	pin(cpu_a);
	buf[0] = 0;
	/* Touch every page of rt[] now: its faults are not the driver's. */
	memset(rt, 0xff, pingpong * sizeof(int64_t));
	t0 = 0;
	for (unsigned int i = 0; i < total_rounds; i++) {
		int64_t s = clock_ns(CLOCK_MONOTONIC);

		if (i == WARMUP) {
			fa0 = minflt();
			t0 = s;
		}
		if (do_complete(to_b, "a") != 0 || do_wait(from_b, buf) != 0)
			die("ping-pong round %u: %s", i, strerror(errno));
		if (i >= WARMUP)
			rt[i - WARMUP] = clock_ns(CLOCK_MONOTONIC) - s;
	}
	total = clock_ns(CLOCK_MONOTONIC) - t0;
	fa = minflt() - fa0;
	if (read(res[0], &fb, sizeof(fb)) != sizeof(fb))
		die("the other process gave no result");
	waitpid(pid, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("the other process failed");
	d = dist_us(rt, pingpong);
	printf("  CPU %d <-> %d   %6u %8ld %8ld %9.4f %10.1f %10.1f %10.1f "
	       "%10.1f\n", cpu_a, cpu_b, pingpong, fa, fb,
	       (double)(fa + fb) / pingpong, (double)total / pingpong /
	       NS_PER_US, d.median, d.p90, d.max);
	free(rt);
	close(res[0]);
	close(to_b);
	close(from_b);
}

static void part_b(void)
{
	unsigned int c1 = chan_add(0, 0), c2 = chan_add(0, 0);
	cpu_set_t saved;

	sched_getaffinity(0, sizeof(saved), &saved);
	printf("\n(b) ping-pong A: COMPLETE cipc%u + WAIT cipc%u, B: the "
	       "reverse; 1-byte messages, %u warm-up rounds not counted\n",
	       c1, c2, WARMUP);
	printf("  %-14s %6s %8s %8s %9s %10s %10s %10s %10s\n", "placement",
	       "rounds", "minflt A", "minflt B", "flt/round", "mean us",
	       "median us", "p90 us", "max us");
	pingpong_run(c1, c2, 0, 0);
	if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
		pingpong_run(c1, c2, 0, 1);
	sched_setaffinity(0, sizeof(saved), &saved);
	chan_remove(c2);
	chan_remove(c1);
}

/* ---- (c) complete_all hold time ---------------------------------------- */

struct park {
	int fd;
	atomic_uint released;	/* waits that returned, all rounds */
	atomic_uint errors;
	atomic_bool stop;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int round;	/* under lock: bumped after each REINIT */
};

static void *parked_main(void *arg)
{
	struct park *p = arg;
	unsigned int round = 0;

	for (;;) {
		struct cipc_wait w = { .timeout_ns = CIPC_TIMEOUT_FOREVER };

		if (ioctl(p->fd, CIPC_IOC_WAIT, &w) != 0)
			atomic_fetch_add(&p->errors, 1);
		atomic_fetch_add(&p->released, 1);
		if (atomic_load(&p->stop))
			return NULL;
		/* Park again only after the REINIT of this round. */
		pthread_mutex_lock(&p->lock);
		while (p->round == round)
			pthread_cond_wait(&p->cond, &p->lock);
		round = p->round;
		pthread_mutex_unlock(&p->lock);
		if (atomic_load(&p->stop))
			return NULL;
	}
}

static void until_waiters(int fd, unsigned int n)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + 600 * NS_PER_S;
	struct timespec ms = { .tv_nsec = NS_PER_MS };

	while (info_of(fd).waiters != n) {
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			die("%u waiters never blocked (%u are)", n,
			    info_of(fd).waiters);
		nanosleep(&ms, NULL);
	}
}

static void until_released(struct park *p, unsigned int n)
{
	while (atomic_load(&p->released) < n)
		sched_yield();
}

static void set_fifo(bool on)
{
	struct sched_param sp = { .sched_priority = on ? 50 : 0 };

	if (sched_setscheduler(0, on ? SCHED_FIFO : SCHED_OTHER, &sp) != 0)
		die("sched_setscheduler: %s", strerror(errno));
}

/*
 * 2 * reps rounds; odd rounds with the caller at SCHED_FIFO 50 during the
 * COMPLETE_ALL only, so that the woken waiters (SCHED_OTHER) cannot preempt
 * it before the syscall returns: that duration is the time spent in the
 * driver, the wake-ups with interrupts off included. Even rounds with the
 * caller at SCHED_OTHER, as an application would call it.
 */
static void part_c(unsigned int n)
{
	unsigned int chan = chan_add(0, n);
	struct park *p = calloc(1, sizeof(*p));
	pthread_t *t = calloc(n, sizeof(*t));
	int64_t *hold[2], *woken[2], *reinit[2];
	struct cipc_info info;
	pthread_attr_t attr;
	int64_t t_park;

	for (int k = 0; k < 2; k++) {
		hold[k] = calloc(reps, sizeof(int64_t));
		woken[k] = calloc(reps, sizeof(int64_t));
		reinit[k] = calloc(reps, sizeof(int64_t));
		if (!hold[k] || !woken[k] || !reinit[k])
			die("out of memory");
	}
	if (!p || !t)
		die("out of memory");
	p->fd = chan_open(chan, O_RDWR);
	info = info_of(p->fd);
	if (info.max_waiters != n)
		die("cipc%u has max_waiters %u, asked for %u", chan,
		    info.max_waiters, n);
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	t_park = clock_ns(CLOCK_MONOTONIC);
	for (unsigned int i = 0; i < n; i++) {
		int err = pthread_create(&t[i], &attr, parked_main, p);

		if (err)
			die("pthread_create #%u: %s", i, strerror(err));
	}
	for (unsigned int r = 0; r < 2 * reps; r++) {
		struct cipc_signal s = { 0 };
		int64_t t0, t1, t2, t3;
		int fifo = r % 2;

		until_waiters(p->fd, n);
		if (r == 0)
			t_park = clock_ns(CLOCK_MONOTONIC) - t_park;
		if (fifo)
			set_fifo(true);
		t0 = clock_ns(CLOCK_MONOTONIC);
		if (ioctl(p->fd, CIPC_IOC_COMPLETE_ALL, &s) != 0)
			die("COMPLETE_ALL: %s", strerror(errno));
		t1 = clock_ns(CLOCK_MONOTONIC);
		if (fifo)
			set_fifo(false);
		until_released(p, n * (r + 1));
		t2 = clock_ns(CLOCK_MONOTONIC);
		if (r == 2 * reps - 1)
			atomic_store(&p->stop, true);
		if (ioctl(p->fd, CIPC_IOC_REINIT) != 0)
			die("REINIT: %s", strerror(errno));
		t3 = clock_ns(CLOCK_MONOTONIC);
		pthread_mutex_lock(&p->lock);
		p->round++;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		hold[fifo][r / 2] = t1 - t0;
		woken[fifo][r / 2] = t2 - t0;
		reinit[fifo][r / 2] = t3 - t2;
	}
	for (unsigned int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	if (atomic_load(&p->errors))
		die("%u waits failed", atomic_load(&p->errors));
	for (int k = 0; k < 2; k++) {
		struct dist dh = dist_us(hold[k], reps);
		struct dist dw = dist_us(woken[k], reps);
		struct dist dr = dist_us(reinit[k], reps);

		printf("  %6u %-7s %5u %10.1f %10.1f %10.1f %12.1f %10.1f "
		       "%7.2f\n", n, k ? "FIFO 50" : "OTHER", reps, dh.min,
		       dh.median, dh.max, dw.median, dr.median,
		       (double)t_park / NS_PER_S);
		free(hold[k]);
		free(woken[k]);
		free(reinit[k]);
	}
	close(p->fd);
	chan_remove(chan);
	free(t);
	free(p);
}

/* ---- main --------------------------------------------------------------- */

static int prctl_slack(void)
{
	char buf[64];
	FILE *f = fopen("/proc/self/timerslack_ns", "r");
	int v = -1;

	if (f) {
		if (fgets(buf, sizeof(buf), f))
			v = atoi(buf);
		fclose(f);
	}
	return v;
}

static unsigned int parse_u(const char *s, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > CIPC_MAX_WAITERS_LIMIT)
		die("bad %s: %s", what, s);
	return (unsigned int)v;
}

static void usage(void)
{
	fprintf(stderr, "usage: cipc-measure [-r ROUNDS] [-p PINGPONG] "
		"[-k REPS] [N...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned int ns[16], n_ns = 0, chan;
	char kver[256] = "?";
	FILE *f;
	int opt;

	while ((opt = getopt(argc, argv, "r:p:k:h")) != -1) {
		switch (opt) {
		case 'r':
			rounds = parse_u(optarg, "ROUNDS");
			break;
		case 'p':
			pingpong = parse_u(optarg, "PINGPONG");
			break;
		case 'k':
			reps = parse_u(optarg, "REPS");
			break;
		default:
			usage();
		}
	}
	for (int i = optind; i < argc && n_ns < 16; i++)
		ns[n_ns++] = parse_u(argv[i], "N");
	if (!n_ns)
		ns[n_ns++] = 256;

	f = fopen("/proc/sys/kernel/osrelease", "r");
	if (f) {
		if (fgets(kver, sizeof(kver), f))
			kver[strcspn(kver, "\n")] = 0;
		fclose(f);
	}
	printf("cipc-measure: kernel %s, %ld CPUs\n\n", kver,
	       sysconf(_SC_NPROCESSORS_ONLN));
	fflush(stdout);

	chan = chan_add(0, 0);
	part_a(chan);
	chan_remove(chan);
	fflush(stdout);
	part_b();
	fflush(stdout);
	printf("\n(c) COMPLETE_ALL with N blocked waiters (syscall duration), "
	       "%u repetitions per caller policy, interleaved\n", reps);
	printf("  %6s %-7s %5s %10s %10s %10s %12s %10s %7s\n", "N",
	       "caller", "reps", "min us", "median us", "max us",
	       "all woken us", "REINIT us", "park s");
	fflush(stdout);
	for (unsigned int i = 0; i < n_ns; i++) {
		part_c(ns[i]);
		fflush(stdout);
	}
	remove_added();
	return 0;
}
