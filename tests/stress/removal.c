// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "removal": CIPC_CTL_REMOVE of a channel in heavy use, then the
 * channel added again at the same index at once.
 *
 * Each round, on a channel added at a fixed index: N_WAITERS processes
 * blocked in read(2) or CIPC_IOC_WAIT (forever, absolute, relative),
 * N_POLLERS processes in epoll_wait(2) (edge-triggered), N_ASYNC O_ASYNC
 * owners (F_SETOWN themselves, F_SETSIG a real-time signal) waiting in
 * sigtimedwait(2), N_HOLDERS plain files of the parent in every open mode.
 * A thread sends 5 to 15 complete()s with distinct messages; the parent
 * removes the channel once a random number of them returned, racing the
 * next, so some land before the removal and some after.
 *
 * Then (uapi/linux/cipc.h, "Removal"): every waiter returns, with ENODEV,
 * or with the message of a complete() that returned 0 before the removal
 * (each such message to exactly one waiter: there are more waiters than
 * signals, so a count is never left over); every poller sees
 * EPOLLERR|EPOLLHUP; every O_ASYNC owner gets POLL_HUP with its si_fd, as
 * the last signal, after at most one POLL_IN per successful complete();
 * every operation on the plain files fails with ENODEV (read/write on a
 * file not opened for it: EBADF, from the VFS), poll reports
 * POLLERR|POLLHUP, O_ASYNC is refused.
 *
 * The channel is added again at the same index at once: its id is the old
 * one + max_channels (a new slot seq), the old files still get ENODEV and
 * a new file works.
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S		"removal"
#define N_WAITERS	50
#define N_POLLERS	20
#define N_ASYNC		10
#define N_KIDS		(N_WAITERS + N_POLLERS + N_ASYNC)
#define N_HOLDERS	20
#define MAX_SIGNALS	15	/* < queue_depth 16, < N_WAITERS */

enum role { R_READ, R_WAIT, R_WAIT_ABS, R_WAIT_REL, R_POLLER, R_ASYNC };

static const char * const role_names[] = {
	"read", "WAIT forever", "WAIT ABSTIME", "WAIT relative", "epoll",
	"O_ASYNC owner",
};

static struct {
	unsigned int index;
	int shared_fd;
	struct kid *kids;
} rc;

static int async_sig(void)
{
	return SIGRTMIN + 1;
}

static void waiter(struct kid *k, int fd)
{
	struct cipc_wait w = { 0 };

	__atomic_store_n(&k->state, 1, __ATOMIC_SEQ_CST);
	switch (k->role) {
	case R_READ:
		k->ret = read(fd, k->msg, sizeof(k->msg) - 1);
		break;
	case R_WAIT:
		k->ret = ioc_wait(fd, CIPC_TIMEOUT_FOREVER, 0, 0, k->msg,
				  sizeof(k->msg) - 1, &w);
		break;
	case R_WAIT_ABS:
		k->ret = ioc_wait(fd, now_ns() + 600 * NS_PER_S,
				  CIPC_WAIT_ABSTIME, CLOCK_MONOTONIC, k->msg,
				  sizeof(k->msg) - 1, &w);
		break;
	default:
		k->ret = ioc_wait(fd, 600 * NS_PER_S, 0, 0, k->msg,
				  sizeof(k->msg) - 1, &w);
		break;
	}
	k->err = errno;
	k->msg_len = k->role == R_READ ? (uint32_t)(k->ret > 0 ? k->ret : 0) :
					 w.msg_len;
}

static void poller(struct kid *k, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
		k->bad = 1;
		return;
	}
	__atomic_store_n(&k->state, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		int n = epoll_wait(ep, &ev, 1, 60000);

		if (n <= 0) {
			k->bad = n ? 2 : 3;	/* error / no HUP in 60 s */
			return;
		}
		k->events = (int)ev.events;
		if (ev.events & EPOLLHUP) {
			k->hup = 1;
			return;
		}
	}
}

static void async_owner(struct kid *k, int fd)
{
	sigset_t set;
	siginfo_t si;
	struct timespec ts = { .tv_sec = 60 };
	int sig = async_sig();

	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sigprocmask(SIG_BLOCK, &set, NULL) ||
	    fcntl(fd, F_SETOWN, getpid()) || fcntl(fd, F_SETSIG, sig) ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC)) {
		k->bad = 1;
		k->err = errno;
		return;
	}
	__atomic_store_n(&k->state, 1, __ATOMIC_SEQ_CST);
	for (;;) {
		if (sigtimedwait(&set, &si, &ts) != sig) {
			k->bad = k->hup ? 0 : 4;	/* quiet after HUP: ok */
			return;
		}
		if (k->hup) {
			k->bad = 2;	/* a signal after POLL_HUP */
			return;
		}
		if (si.si_fd != fd)
			k->bad = 3;
		if (si.si_code == POLL_HUP) {
			k->hup = 1;
			ts.tv_sec = 0;	/* anything after it comes now */
			ts.tv_nsec = 300 * 1000000L;
		} else if (si.si_code == POLL_IN) {
			k->events++;
		} else {
			k->bad = 5;
		}
	}
}

static void kid_main(void *arg)
{
	struct kid *k = arg;
	unsigned int i = (unsigned int)(k - rc.kids);
	bool own = k->role == R_ASYNC || i % 3 != 0;
	int fd = own ? chan_open(rc.index, O_RDWR) : rc.shared_fd;

	if (fd < 0) {
		k->bad = 9;
		k->err = errno;
	} else if (k->role == R_POLLER) {
		poller(k, fd);
	} else if (k->role == R_ASYNC) {
		async_owner(k, fd);
	} else {
		waiter(k, fd);
	}
	__atomic_store_n(&k->state, 2, __ATOMIC_SEQ_CST);
}

struct signaller {
	int fd;
	unsigned int round, n;
	unsigned int seed;
	atomic_int go, ready, done;
	unsigned int ok, enodev, other;
	char sent[MAX_SIGNALS][16];
	bool sent_ok[MAX_SIGNALS];
};

static void spin_us(unsigned int us)
{
	uint64_t end = now_ns() + us * 1000ULL;

	while (now_ns() < end)
		;
}

static void *signaller_main(void *arg)
{
	struct signaller *sg = arg;

	atomic_store(&sg->ready, 1);
	while (!atomic_load(&sg->go))
		;
	for (unsigned int i = 0; i < sg->n; i++) {
		int len = snprintf(sg->sent[i], sizeof(sg->sent[i]), "r%u-%u",
				   sg->round, i);

		if (ioc_signal(sg->fd, false, sg->sent[i], (size_t)len,
			       NULL) == 0) {
			sg->sent_ok[i] = true;
			sg->ok++;
		} else if (errno == ENODEV) {
			sg->enodev++;
		} else {
			sg->other++;
		}
		atomic_store(&sg->done, (int)i + 1);
		spin_us((unsigned int)rand_r(&sg->seed) % 300);
	}
	return NULL;
}

static const int holder_modes[4] = {
	O_RDWR, O_RDONLY, O_WRONLY, O_RDWR | O_NONBLOCK,
};

/* Every operation on a file of a removed channel: ENODEV. */
static bool holder_check(int fd, int mode, const char *when)
{
	bool rd = (mode & O_ACCMODE) != O_WRONLY;
	bool wr = (mode & O_ACCMODE) != O_RDONLY;
	struct cipc_info info;
	struct cipc_stats st;
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	uint32_t m = CIPC_MODE_ONE;
	char buf[8];
	struct {
		const char *op;
		int r, want;
	} t[] = {
		{ "read", 0, rd ? ENODEV : EBADF },
		{ "write", 0, wr ? ENODEV : EBADF },
		{ "INFO", 0, ENODEV }, { "GET_STATS", 0, ENODEV },
		{ "COMPLETE", 0, ENODEV }, { "COMPLETE_ALL", 0, ENODEV },
		{ "REINIT", 0, ENODEV }, { "WAIT", 0, ENODEV },
		{ "TRYWAIT", 0, ENODEV }, { "GET_MODE", 0, ENODEV },
		{ "SET_MODE", 0, ENODEV }, { "RESET_STATS", 0, ENODEV },
		{ "fcntl(O_ASYNC)", 0, ENODEV },
	};
	unsigned int i = 0;

#define OP(call) do { t[i].r = (call) < 0 ? errno : 0; i++; } while (0)
	OP(read(fd, buf, sizeof(buf)));
	OP(write(fd, "x", 1));
	OP(ioc_info(fd, &info));
	OP(ioc_stats(fd, &st));
	OP(ioc_signal(fd, false, NULL, 0, NULL));
	OP(ioc_signal(fd, true, NULL, 0, NULL));
	OP(ioc_reinit(fd));
	OP(ioc_wait(fd, 0, 0, 0, NULL, 0, NULL));
	OP(ioc_trywait(fd, NULL, 0, NULL));
	OP(ioctl(fd, CIPC_IOC_GET_MODE, &m));
	OP(ioctl(fd, CIPC_IOC_SET_MODE, &m));
	OP(ioctl(fd, CIPC_IOC_RESET_STATS));
	OP(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC));
#undef OP
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (t[i].r != t[i].want) {
			st_fail(S, "%s: %s on a file (flags %#x) of the removed "
				"channel: %s, expected %s", when, t[i].op, mode,
				errname(t[i].r), errname(t[i].want));
			return false;
		}
	}
	if (poll(&p, 1, 0) != 1 || p.revents != (POLLERR | POLLHUP)) {
		st_fail(S, "%s: poll on a file of the removed channel: revents "
			"%#x, expected POLLERR|POLLHUP", when, p.revents);
		return false;
	}
	return true;
}

static const long nr_read[] = { SYS_read };
static const long nr_ioctl[] = { SYS_ioctl };
static const long nr_epoll[] = { SYS_epoll_wait, SYS_epoll_pwait };
static const long nr_sigwait[] = { SYS_rt_sigtimedwait };

static bool prove_blocked(int fd, const pid_t *pids)
{
	char st;
	long nr;

	for (unsigned int i = 0; i < N_KIDS; i++) {
		const struct kid *k = &rc.kids[i];
		const long *nrs = k->role == R_READ ? nr_read :
				  k->role == R_POLLER ? nr_epoll :
				  k->role == R_ASYNC ? nr_sigwait : nr_ioctl;

		if (!wait_asleep(pids[i], false, nrs,
				 k->role == R_POLLER ? 2 : 1, SETTLE_MS, &st,
				 &nr) || k->state != 1) {
			st_fail(S, "child %u (%s) not blocked within %u ms: "
				"state '%c', syscall %ld, bad %d (%s)", i,
				role_names[k->role], SETTLE_MS, st ? st : '?',
				nr, k->bad, errname(k->err));
			return false;
		}
	}
	if (!wait_waiters(fd, N_WAITERS, SETTLE_MS)) {
		st_fail(S, "INFO.waiters did not reach %u", N_WAITERS);
		return false;
	}
	return true;
}

static bool claim(struct signaller *sg, bool *claimed, const char *m,
		  size_t len)
{
	for (unsigned int i = 0; i < sg->n; i++) {
		if (sg->sent_ok[i] && !claimed[i] && len == strlen(sg->sent[i]) &&
		    !memcmp(m, sg->sent[i], len)) {
			claimed[i] = true;
			return true;
		}
	}
	return false;
}

/* The kids' outcomes once the channel is gone. */
static bool check_kids(struct signaller *sg, unsigned int round,
		       unsigned int *ok, unsigned int *enodev)
{
	bool claimed[MAX_SIGNALS] = { false };
	uint64_t end = now_ms() + RELEASE_MS;

	for (unsigned int i = 0; i < N_KIDS; i++) {
		const struct kid *k = &rc.kids[i];

		while (__atomic_load_n(&k->state, __ATOMIC_SEQ_CST) != 2 &&
		       now_ms() < end)
			sleep_ms(2);
		if (k->state != 2) {
			st_fail(S, "round %u: child %u (%s) did not return "
				"within %u ms of the removal", round, i,
				role_names[k->role], RELEASE_MS);
			return false;
		}
		if (k->role == R_POLLER || k->role == R_ASYNC) {
			bool ok = k->hup && !k->bad && (k->role == R_ASYNC ?
				  k->events <= (int)sg->ok :
				  (k->events & (EPOLLERR | EPOLLHUP)) ==
				  (EPOLLERR | EPOLLHUP));

			if (!ok) {
				st_fail(S, "round %u: child %u (%s): hup %d, "
					"events %#x, check %d (see removal.c)",
					round, i, role_names[k->role], k->hup,
					k->events, k->bad);
				return false;
			}
			continue;
		}
		if (k->ret == -1 && k->err == ENODEV) {
			(*enodev)++;
		} else if (k->ret >= 0 && k->msg_len < sizeof(k->msg) &&
			   claim(sg, claimed, k->msg, k->msg_len)) {
			(*ok)++;
		} else {
			st_fail(S, "round %u: waiter %u (%s) returned %ld (%s) "
				"with \"%.*s\": expected ENODEV or the message "
				"of a complete() that returned 0, once", round,
				i, role_names[k->role], k->ret, errname(k->err),
				(int)(k->msg_len < sizeof(k->msg) ?
				      k->msg_len : 0), k->msg);
			return false;
		}
	}
	return true;
}

/* Over the rounds: waiters that got a message, that got ENODEV. */
static unsigned int total_ok, total_enodev, total_signals;

static bool one_round(int ctl, unsigned int round, uint64_t *id,
		      unsigned int max_channels, pid_t *pids)
{
	struct signaller sg = {
		.round = round, .n = 5 + round % (MAX_SIGNALS - 4),
		.seed = 0x5eed0000U + round,
	};
	int holders[N_HOLDERS], status[N_KIDS], fd = -1, nfd;
	unsigned int ok = 0, enodev = 0, reaped, k;
	struct cipc_ctl_channel c;
	struct cipc_info info;
	pthread_t th;
	bool ret = false, thread = false;
	char what[32], buf[16];
	struct cipc_wait w;

	snprintf(what, sizeof(what), "round %u", round);
	for (unsigned int i = 0; i < N_HOLDERS; i++)
		holders[i] = chan_open(rc.index, holder_modes[i % 4]);
	rc.shared_fd = chan_open(rc.index, O_RDWR);
	fd = chan_open(rc.index, O_RDWR);
	memset(rc.kids, 0, sizeof(*rc.kids) * N_KIDS);
	memset(pids, 0, sizeof(pid_t) * N_KIDS);
	for (unsigned int i = 0; i < N_KIDS; i++) {
		rc.kids[i].role = i < N_WAITERS ? (int)(i % 4) :
				  i < N_WAITERS + N_POLLERS ? R_POLLER : R_ASYNC;
		pids[i] = spawn(kid_main, &rc.kids[i], 0);
		if (pids[i] < 0) {
			st_fail(S, "%s: fork: %s", what, errname(errno));
			goto out;
		}
	}
	for (unsigned int i = 0; i < N_HOLDERS; i++) {
		if (holders[i] < 0) {
			st_fail(S, "%s: opening /dev/cipc%u (flags %#x): %s",
				what, rc.index, holder_modes[i % 4],
				errname(errno));
			goto out;
		}
	}
	if (fd < 0 || rc.shared_fd < 0) {
		st_fail(S, "%s: opening /dev/cipc%u: %s", what, rc.index,
			errname(errno));
		goto out;
	}
	if (!prove_blocked(fd, pids))
		goto out;

	sg.fd = fd;
	if (pthread_create(&th, NULL, signaller_main, &sg))
		goto out;
	thread = true;
	while (!atomic_load(&sg.ready))
		sched_yield();
	atomic_store(&sg.go, 1);
	/*
	 * The removal after a random number of the signals, racing the next
	 * one: ordered by the signaller's progress, not by timing, which a
	 * loaded host running the vCPUs in turn makes useless.
	 */
	k = (unsigned int)rand_r(&sg.seed) % (sg.n + 1);
	while ((unsigned int)atomic_load(&sg.done) < k)
		sched_yield();
	spin_us((unsigned int)rand_r(&sg.seed) % 100);
	if (ctl_remove(ctl, rc.index)) {
		st_fail(S, "%s: CIPC_CTL_REMOVE under load: %s", what,
			errname(errno));
		goto out;
	}
	pthread_join(th, NULL);
	thread = false;
	if (sg.other) {
		st_fail(S, "%s: %u complete()s failed with neither 0 nor ENODEV",
			what, sg.other);
		goto out;
	}
	if (!check_kids(&sg, round, &ok, &enodev))
		goto out;
	if (ok != sg.ok) {
		st_fail(S, "%s: %u complete()s returned 0 before the removal "
			"but %u waiters got a message (%u ENODEV): %s", what,
			sg.ok, ok, enodev, ok > sg.ok ? "more successes than "
			"signals" : "a released waiter lost its message");
		goto out;
	}
	reaped = reap(pids, status, N_KIDS, REAP_MS);
	if (reaped != N_KIDS) {
		st_fail(S, "%s: %u of %u children exited", what, reaped,
			N_KIDS);
		goto out;
	}
	for (unsigned int i = 0; i < N_HOLDERS; i++)
		if (!holder_check(holders[i], holder_modes[i % 4], what))
			goto out;

	/* The same index again, at once. */
	if (ctl_add(ctl, rc.index, 0, &c)) {
		st_fail(S, "%s: adding /dev/cipc%u again: %s", what, rc.index,
			errname(errno));
		goto out;
	}
	if (c.id == *id || c.id != *id + max_channels) {
		st_fail(S, "%s: the new channel at index %u has id %llu, the "
			"removed one had %llu: expected %llu", what, rc.index,
			(unsigned long long)c.id, (unsigned long long)*id,
			(unsigned long long)(*id + max_channels));
		goto out;
	}
	*id = c.id;
	for (unsigned int i = 0; i < N_HOLDERS; i++)
		if (!holder_check(holders[i], holder_modes[i % 4],
				  "after the re-add"))
			goto out;
	nfd = chan_open(rc.index, O_RDWR);
	memset(buf, 0, sizeof(buf));
	if (nfd < 0 || ioc_info(nfd, &info) || info.id != c.id ||
	    ioc_signal(nfd, false, "fresh", 5, NULL) ||
	    ioc_wait(nfd, 0, 0, 0, buf, sizeof(buf), &w) ||
	    strcmp(buf, "fresh")) {
		st_fail(S, "%s: the re-added channel does not work: %s "
			"(id %llu, got \"%s\")", what, errname(errno),
			(unsigned long long)info.id, buf);
		if (nfd >= 0)
			close(nfd);
		goto out;
	}
	close(nfd);
	st_table.removals_under_load++;
	total_ok += ok;
	total_enodev += enodev;
	total_signals += sg.n;
	st_note(S, "%s: removed under %u waiters, %u epoll pollers, %u "
		"O_ASYNC owners, %u files; %u of %u complete()s before it "
		"(each delivered once), %u waiters ENODEV; new id %llu", what,
		N_WAITERS, N_POLLERS, N_ASYNC, N_HOLDERS, sg.ok, sg.n, enodev,
		(unsigned long long)c.id);
	ret = true;
out:
	if (thread)
		pthread_join(th, NULL);
	kill_reap(pids, N_KIDS);
	for (unsigned int i = 0; i < N_HOLDERS; i++)
		if (holders[i] >= 0)
			close(holders[i]);
	if (fd >= 0)
		close(fd);
	if (rc.shared_fd >= 0)
		close(rc.shared_fd);
	return ret;
}

void run_removal(void)
{
	static pid_t pids[N_KIDS];
	unsigned int rounds = st_quick ? 5 : 20, done = 0;
	struct cipc_ctl_info ci;
	struct cipc_ctl_channel c;
	uint64_t id;
	int ctl;

	rc.kids = shm_alloc(sizeof(struct kid) * N_KIDS);
	ctl = ctl_open();
	if (!rc.kids || ctl < 0 || ctl_info(ctl, &ci) ||
	    free_index(ctl, 1, &rc.index) || ctl_add(ctl, rc.index, 0, &c)) {
		st_fail(S, "setup: %s", errname(errno));
		goto out;
	}
	id = c.id;
	while (done < rounds && one_round(ctl, done, &id, ci.max_channels,
					  pids))
		done++;
	if (done == rounds)
		st_pass(S, "%u removals under load at index %u: %u waiters "
			"got the message of one of the %u complete()s that "
			"returned 0 (of %u sent), %u got ENODEV; pollers "
			"EPOLLERR|EPOLLHUP, O_ASYNC owners POLL_HUP last, files "
			"ENODEV, the index re-added at once with a new id", done,
			rc.index, total_ok, total_ok, total_signals,
			total_enodev);
	ctl_remove(ctl, rc.index);
out:
	if (ctl >= 0)
		close(ctl);
	shm_free(rc.kids, sizeof(struct kid) * N_KIDS);
}
