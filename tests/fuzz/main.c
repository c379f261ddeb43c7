// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-fuzz: options, the pool of channels, the worker processes, the
 * watchdog and the summary. See tests/fuzz/README.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
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

#include "worker.h"

struct fz_config fz_cfg = { .ops = 100000, .procs = 4, .only_worker = -1,
			    .max_seconds = 1800 };
struct fz_shared *fz_sh;

static unsigned int fz_unkillable_parent;	/* found by the watchdog */
static unsigned int fz_failed_parent;		/* other run failures */

uint64_t fz_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void fz_say(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
		return;
}

void fz_fail(int w, uint64_t opno, int kind, bool is_errno,
	     const char *fmt, ...)
{
	char msg[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__atomic_fetch_add(is_errno ? &fz_sh->w[w].bad_errno :
			   &fz_sh->w[w].bad_other, 1, __ATOMIC_SEQ_CST);
	fz_say("cipc-fuzz: FAIL seed=%" PRIu64 " worker=%d op=%" PRIu64
	       " kind=%s: %s\ncipc-fuzz: replay: cipc-fuzz --seed %" PRIu64
	       " --worker %d --ops %" PRIu64 " --verbose", fz_cfg.seed, w,
	       opno, fz_kind_name(kind), msg, fz_cfg.seed, w, opno + 1);
}

static void fz_cat(const char *path, const char *prefix)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		fz_say("%s%s: %s", prefix, path, fz_errname(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		if (!strstr(path, "/status") || !strncmp(line, "State:", 6))
			fz_say("%s%s", prefix, line);
}

void fz_dump_task(pid_t pid, const char *why)
{
	char path[64];

	fz_say("cipc-fuzz: UNKILLABLE task %d: %s", pid, why);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fz_cat(path, "cipc-fuzz:   ");
	snprintf(path, sizeof(path), "/proc/%d/wchan", pid);
	fz_cat(path, "cipc-fuzz:   wchan: ");
	snprintf(path, sizeof(path), "/proc/%d/stack", pid);
	fz_cat(path, "cipc-fuzz:   stack: ");
}

/* ---- options ---------------------------------------------------------- */

static void fz_usage(FILE *out)
{
	fprintf(out,
		"usage: cipc-fuzz [--seed N] [--ops N] [--procs N] [--worker W]\n"
		"                 [--max-seconds S] [--verbose] [--keep-going]\n"
		"       cipc-fuzz --table\n"
		"  --seed N         seed of the run (default: from the time)\n"
		"  --ops N          operations in all (default 100000); with\n"
		"                   --worker, operations of that worker\n"
		"  --procs N        worker processes (default 4, at most %d)\n"
		"  --worker W       replay worker W of the seed alone\n"
		"  --max-seconds S  kill the run after S seconds (default 1800)\n"
		"  --verbose        print every operation\n"
		"  --keep-going     do not stop a worker at its first failure\n"
		"  --table          print the table of allowed errnos\n",
		FZ_MAX_PROCS);
}

static bool fz_num(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && *s && !*end && *s != '-';
}

static void fz_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "procs", required_argument, NULL, 'p' },
		{ "worker", required_argument, NULL, 'w' },
		{ "max-seconds", required_argument, NULL, 'm' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "keep-going", no_argument, NULL, 'k' },
		{ "table", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool seeded = false;
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'v' || c == 'k' || c == 't' || c == 'h') {
			if (c == 'v')
				fz_cfg.verbose = true;
			else if (c == 'k')
				fz_cfg.keep_going = true;
			else if (c == 't')
				fz_print_table(), exit(0);
			else
				fz_usage(stdout), exit(0);
			continue;
		}
		if (c == '?' || !fz_num(optarg, &v))
			goto usage;
		switch (c) {
		case 's':
			fz_cfg.seed = v;
			seeded = true;
			break;
		case 'n':
			fz_cfg.ops = v;
			break;
		case 'p':
			if (!v || v > FZ_MAX_PROCS)
				goto usage;
			fz_cfg.procs = (int)v;
			break;
		case 'w':
			if (v >= FZ_MAX_PROCS)
				goto usage;
			fz_cfg.only_worker = (int)v;
			break;
		case 'm':
			if (!v || v > 86400 * 7)
				goto usage;
			fz_cfg.max_seconds = (unsigned int)v;
			break;
		}
	}
	if (optind != argc)
		goto usage;
	if (!seeded)
		fz_cfg.seed = fz_mix(fz_now_ns() ^ ((uint64_t)getpid() << 32) ^
				     (uint64_t)time(NULL));
	return;
usage:
	fz_usage(stderr);
	exit(2);
}

/* ---- the pool --------------------------------------------------------- */

static bool fz_exists(unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u", index);
	return access(path, F_OK) == 0;
}

static int fz_ctl;

static void fz_setup(void)
{
	static const uint32_t msg[] = { 0, 1, 16, 256, 256, 4096 };
	static const uint32_t qd[] = { 0, 1, 2, 16, 16, 64 };
	static const uint32_t mw[] = { 0, 1, 2, 4, 256, 256 };
	struct fz_config *c = &fz_cfg;
	struct fz_rng r = { fz_mix(c->seed ^ 0x9001) };
	unsigned int max, start;

	fz_ctl = open("/dev/" CIPC_CONTROL_NAME, O_RDWR | O_CLOEXEC);
	if (fz_ctl < 0 || ioctl(fz_ctl, CIPC_CTL_INFO, &c->ctl)) {
		fz_say("cipc-fuzz: /dev/" CIPC_CONTROL_NAME ": %s (is cipc.ko "
		       "loaded? are you root?)", fz_errname(errno));
		exit(1);
	}
	max = c->ctl.max_channels;
	for (unsigned int i = 0; i < 2 && i < max; i++)
		if (fz_exists(i))
			c->base[c->nbase++] = i;
	c->absent = max + 5;
	start = max > 40 ? 16 : max / 2;
	for (unsigned int i = start; i < max && c->npool < FZ_MAX_POOL; i++) {
		struct cipc_ctl_channel req = { .index = i,
						.flags = CIPC_ADD_INDEX };

		if (fz_exists(i))
			continue;
		req.msg_max = msg[fz_below(&r, 6)];
		req.queue_depth = qd[fz_below(&r, 6)];
		req.max_waiters = mw[fz_below(&r, 6)];
		if (ioctl(fz_ctl, CIPC_CTL_ADD, &req)) {
			fz_say("cipc-fuzz: adding cipc%u: %s", i,
			       fz_errname(errno));
			continue;
		}
		c->pool[c->npool++] = i;
		fz_say("cipc-fuzz: pool: cipc%u id %llu msg_max %u "
		       "queue_depth %u max_waiters %u", i,
		       (unsigned long long)req.id, req.msg_max,
		       req.queue_depth, req.max_waiters);
	}
	c->mayfull = max < c->ctl.channels + (unsigned int)c->npool +
			   (unsigned int)c->procs * 2 + 4;
	fz_say("cipc-fuzz: max_channels %u, %u channels, using cipc0/1: %d, "
	       "pool of %d", max, c->ctl.channels, c->nbase, c->npool);
}

static void fz_cleanup(void)
{
	for (int i = 0; i < fz_cfg.npool; i++) {
		struct cipc_ctl_channel req = { .index = fz_cfg.pool[i] };

		if (ioctl(fz_ctl, CIPC_CTL_REMOVE, &req) && errno != ENOENT)
			fz_say("cipc-fuzz: removing cipc%u: %s", req.index,
			       fz_errname(errno));
	}
	for (int w = 0; w < FZ_MAX_PROCS; w++)
		for (int t = 0; t < FZ_TEMP_MAX; t++) {
			struct cipc_ctl_channel req = {
				.index = fz_sh->w[w].temp_index[t] - 1,
				.id = fz_sh->w[w].temp_id[t],
				.flags = CIPC_REMOVE_ID,
			};

			if (fz_sh->w[w].temp_index[t])
				ioctl(fz_ctl, CIPC_CTL_REMOVE, &req);
		}
	close(fz_ctl);
}

/* ---- workers and the watchdog ----------------------------------------- */

static void fz_worker_main(int w, uint64_t ops)
{
	struct fz_wstats *st = &fz_sh->w[w];
	struct fz_worker *wk;
	sigset_t set;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* O_ASYNC notifications are taken with sigtimedwait(), never run */
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
		sigaddset(&set, s);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fz_ptrs_init();
	wk = fz_worker_new(w);
	for (uint64_t n = 0; n < ops; n++) {
		bool go = fz_run_op(wk, n);

		st->ops = n + 1;
		__atomic_store_n(&st->progress, n + 1, __ATOMIC_RELAXED);
		if (!go)
			break;
	}
	fz_worker_end(wk);
	st->done = 1;
	_exit(st->bad_errno || st->bad_other ? 1 : 0);
}

struct fz_proc {
	pid_t pid;
	int w;
	bool alive, dreported;
	uint64_t dsince, last_progress, progress_at;
};

static char fz_state(pid_t pid)
{
	char path[64], buf[512], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

static void fz_kill_all(struct fz_proc *pr, int n)
{
	for (int i = 0; i < n; i++)
		if (pr[i].alive)
			kill(-pr[i].pid, SIGKILL);
}

static void fz_watch(struct fz_proc *pr, int n)
{
	uint64_t start = fz_now_ns(), deadline = 0, now;
	int alive = n, status;
	bool timed_out = false;
	pid_t pid;

	while (alive) {
		struct timespec ts = { 0, 50000000 };

		nanosleep(&ts, NULL);
		now = fz_now_ns();
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < n; i++) {
				if (pr[i].pid != pid)
					continue;
				pr[i].alive = false;
				alive--;
				if (WIFSIGNALED(status) && !timed_out) {
					fz_say("cipc-fuzz: FAIL worker %d died "
					       "of signal %d", pr[i].w,
					       WTERMSIG(status));
					fz_failed_parent++;
				}
			}
		for (int i = 0; i < n; i++) {
			struct fz_wstats *st = &fz_sh->w[pr[i].w];
			uint64_t prog = __atomic_load_n(&st->progress,
							__ATOMIC_RELAXED);

			if (!pr[i].alive)
				continue;
			if (fz_state(pr[i].pid) != 'D') {
				pr[i].dsince = 0;
			} else if (!pr[i].dsince) {
				pr[i].dsince = now;
			} else if (now - pr[i].dsince > 10000000000ULL &&
				   !pr[i].dreported) {
				pr[i].dreported = true;
				fz_dump_task(pr[i].pid, "worker in D state for "
					     "more than 10 s");
				fz_unkillable_parent++;
			}
			if (prog != pr[i].last_progress || !pr[i].progress_at) {
				pr[i].last_progress = prog;
				pr[i].progress_at = now;
			} else if (now - pr[i].progress_at > 60000000000ULL &&
				   !timed_out && !st->child) {
				fz_say("cipc-fuzz: FAIL worker %d made no "
				       "progress for 60 s (at op %" PRIu64 ")",
				       pr[i].w, prog);
				fz_dump_task(pr[i].pid, "stalled worker");
				fz_failed_parent++;
				kill(-pr[i].pid, SIGKILL);
				pr[i].progress_at = now;
			}
		}
		if (!timed_out && now - start > fz_cfg.max_seconds * 1000000000ULL) {
			fz_say("cipc-fuzz: FAIL the run exceeded --max-seconds "
			       "%u: killing the workers", fz_cfg.max_seconds);
			fz_failed_parent++;
			timed_out = true;
			deadline = now + 10000000000ULL;
			fz_kill_all(pr, n);
		}
		if (timed_out && now > deadline && alive) {
			for (int i = 0; i < n; i++)
				if (pr[i].alive) {
					fz_dump_task(pr[i].pid, "worker not dead "
						     "10 s after SIGKILL");
					fz_unkillable_parent++;
				}
			return;
		}
	}
}

/* ---- summary ---------------------------------------------------------- */

static void fz_summary(int nprocs)
{
	uint64_t ops = 0, killed = 0, unk = fz_unkillable_parent;
	uint64_t bad_errno = 0, bad_other = fz_failed_parent;
	bool pass;

	printf("\n%-16s %10s  %s\n", "kind", "count", "results (0 = success)");
	for (int k = 0; k < K_NR; k++) {
		uint64_t count = 0, hist[FZ_ERRNO_MAX] = { 0 };
		char line[2048];
		size_t len = 0;

		for (int w = 0; w < FZ_MAX_PROCS; w++) {
			count += fz_sh->w[w].count[k];
			for (int e = 0; e < FZ_ERRNO_MAX; e++)
				hist[e] += fz_sh->w[w].hist[k][e];
		}
		line[0] = 0;
		for (int e = 0; e < FZ_ERRNO_MAX && len < sizeof(line) - 40; e++)
			if (hist[e])
				len += (size_t)snprintf(line + len,
					sizeof(line) - len, "%s%s:%" PRIu64,
					len ? " " : "", e == FZ_ERRNO_MAX - 1 ?
					"other" : fz_errname(e), hist[e]);
		printf("%-16s %10" PRIu64 "  %s\n", fz_kind_name(k), count, line);
	}
	for (int w = 0; w < FZ_MAX_PROCS; w++) {
		ops += fz_sh->w[w].ops;
		killed += fz_sh->w[w].procs_killed;
		unk += fz_sh->w[w].unkillable;
		bad_errno += fz_sh->w[w].bad_errno;
		bad_other += fz_sh->w[w].bad_other;
	}
	pass = !unk && !bad_errno && !bad_other;
	printf("\nfailures: %" PRIu64 " unexpected results, %" PRIu64
	       " other\n", bad_errno, bad_other);
	printf("stress-table: ops_fuzzed %" PRIu64 "\n", ops);
	printf("stress-table: procs_killed %" PRIu64 "\n", killed);
	printf("stress-table: unkillable %" PRIu64 "\n", unk);
	printf("stress-table: unexpected_errnos %" PRIu64 "\n", bad_errno);
	printf("cipc-fuzz: %" PRIu64 " operations by %d processes, seed %"
	       PRIu64 ": %s\n", ops, nprocs, fz_cfg.seed, pass ? "PASS" : "FAIL");
	fflush(stdout);
	exit(pass ? 0 : 1);
}

int main(int argc, char **argv)
{
	struct fz_proc pr[FZ_MAX_PROCS];
	int n = 0, first, last;
	uint64_t t0;

	fz_options(argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("cipc-fuzz: seed %" PRIu64 "\n", fz_cfg.seed);
	fflush(stdout);
	fz_sh = mmap(NULL, sizeof(*fz_sh), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fz_sh == MAP_FAILED) {
		perror("cipc-fuzz: mmap");
		return 1;
	}
	/* SIGCHLD stays at its default; a closed stdout must not kill us */
	signal(SIGPIPE, SIG_IGN);
	fz_setup();

	first = fz_cfg.only_worker >= 0 ? fz_cfg.only_worker : 0;
	last = fz_cfg.only_worker >= 0 ? fz_cfg.only_worker : fz_cfg.procs - 1;
	t0 = fz_now_ns();
	for (int w = first; w <= last; w++) {
		uint64_t ops = fz_cfg.only_worker >= 0 ? fz_cfg.ops :
			fz_cfg.ops / (uint64_t)fz_cfg.procs +
			((uint64_t)w < fz_cfg.ops % (uint64_t)fz_cfg.procs);
		pid_t pid;

		fflush(stdout);
		pid = fork();
		if (pid < 0) {
			perror("cipc-fuzz: fork");
			fz_failed_parent++;
			break;
		}
		if (!pid)
			fz_worker_main(w, ops);
		setpgid(pid, pid);
		pr[n++] = (struct fz_proc){ .pid = pid, .w = w, .alive = true };
	}
	fz_watch(pr, n);
	{
		uint64_t ops = 0, dt = fz_now_ns() - t0;

		for (int w = 0; w < FZ_MAX_PROCS; w++)
			ops += fz_sh->w[w].ops;
		printf("cipc-fuzz: %.1f s, %.0f ops/s\n", (double)dt / 1e9,
		       dt ? (double)ops * 1e9 / (double)dt : 0.0);
	}
	fz_cleanup();
	fz_summary(n);
	return 0;
}
