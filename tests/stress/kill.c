// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "kill": SIGKILL storms on a channel.
 *
 * Phase 1: KILL_PROCS processes block on one channel (added for the
 * scenario with max_waiters above their number), a mix of read(2),
 * CIPC_IOC_WAIT forever, CIPC_IOC_WAIT with a far CIPC_WAIT_ABSTIME
 * deadline (CLOCK_MONOTONIC and CLOCK_REALTIME) and poll(2) without
 * timeout, half on their own file, half on one inherited file. They are
 * proved blocked: INFO.waiters and sysfs waiters equal the number of
 * read/WAIT blockers, and every process sleeps ('S') in the expected
 * syscall (/proc/PID/syscall). One kill(-pgid, SIGKILL) kills them all;
 * all must be reaped within REAP_MS, all by SIGKILL.
 *
 * Phase 2: the same in waves of WAVE_PROCS, each wave killed while a
 * thread sends WAVE_COMPLETES complete()s with messages at the same time.
 * A released process records its message; one released but killed before
 * it returned to user space has taken its count all the same. So, exactly:
 * woken + interrupted = blockers of the wave, and woken + the count left =
 * the complete()s that returned 0; the messages left are drained and each
 * message of a successful complete() is found at most once.
 *
 * After each phase: waiters 0, and the stats invariant of
 * uapi/linux/cipc.h (wait = woken + timeout + interrupted + again, no wait
 * in progress) holds exactly, in the ioctl and in sysfs.
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
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S		"kill"
#define KILL_PROCS	300
#define WAVE_PROCS	50
#define WAVE_COMPLETES	3
#define MAX_WAITERS	1024

enum role { R_READ, R_WAIT, R_WAIT_ABS_MONO, R_WAIT_ABS_REAL, R_POLL, R_N };

static const char * const role_names[R_N] = {
	"read", "WAIT forever", "WAIT ABSTIME monotonic",
	"WAIT ABSTIME realtime", "poll",
};

/* Set before the children are forked; they inherit it. */
static struct {
	unsigned int index;
	int shared_fd;
	struct kid *kids;
} kc;

static void kid_main(void *arg)
{
	struct kid *k = arg;
	bool own = (k - kc.kids) % 2 == 0;
	int fd = own ? chan_open(kc.index, O_RDWR) : kc.shared_fd;
	struct cipc_wait w = { 0 };
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint64_t dl;
	long r = -1;

	if (fd < 0) {
		k->bad = 1;
		k->err = errno;
		k->state = 2;
		for (;;)
			pause();
	}
	__atomic_store_n(&k->state, 1, __ATOMIC_SEQ_CST);
	switch (k->role) {
	case R_READ:
		r = read(fd, k->msg, sizeof(k->msg) - 1);
		break;
	case R_WAIT:
		r = ioc_wait(fd, CIPC_TIMEOUT_FOREVER, 0, 0, k->msg,
			     sizeof(k->msg) - 1, &w);
		break;
	case R_WAIT_ABS_MONO:
		dl = now_ns() + 3600 * NS_PER_S;
		r = ioc_wait(fd, dl, CIPC_WAIT_ABSTIME, CLOCK_MONOTONIC,
			     k->msg, sizeof(k->msg) - 1, &w);
		break;
	case R_WAIT_ABS_REAL:
		dl = realtime_ns() + 3600 * NS_PER_S;
		r = ioc_wait(fd, dl, CIPC_WAIT_ABSTIME, CLOCK_REALTIME,
			     k->msg, sizeof(k->msg) - 1, &w);
		break;
	case R_POLL:
		r = poll(&pfd, 1, -1);
		k->events = pfd.revents;
		break;
	}
	k->err = errno;
	k->ret = r;
	k->msg_len = w.msg_len;
	__atomic_store_n(&k->state, 2, __ATOMIC_SEQ_CST);
	/* Released (or woken by a poll): stay until killed. */
	for (;;)
		pause();
}

static const long nr_read[] = { SYS_read };
static const long nr_ioctl[] = { SYS_ioctl };
static const long nr_poll[] = { SYS_poll, SYS_ppoll };

/*
 * Spawns n children (roles in rotation) in one new process group and
 * proves them blocked. Returns the number of read/WAIT blockers, -1 on
 * failure (reported; the children are killed).
 */
static int spawn_blocked(int fd, pid_t *pids, unsigned int n, pid_t *pgid)
{
	unsigned int blockers = 0;
	unsigned long long sw;
	char st;
	long nr;

	memset(kc.kids, 0, sizeof(*kc.kids) * n);
	*pgid = 0;
	for (unsigned int i = 0; i < n; i++) {
		kc.kids[i].role = (int)(i % R_N);
		blockers += kc.kids[i].role != R_POLL;
		pids[i] = spawn(kid_main, &kc.kids[i], *pgid);
		if (pids[i] < 0) {
			st_fail(S, "fork of child %u: %s", i, errname(errno));
			kill_reap(pids, i);
			return -1;
		}
		kc.kids[i].pid = pids[i];
		if (!*pgid)
			*pgid = pids[0];
	}
	for (unsigned int i = 0; i < n; i++) {
		const struct kid *k = &kc.kids[i];
		const long *nrs = k->role == R_READ ? nr_read :
				  k->role == R_POLL ? nr_poll : nr_ioctl;
		unsigned int nn = k->role == R_POLL ? 2 : 1;

		if (!wait_asleep(pids[i], false, nrs, nn, SETTLE_MS, &st, &nr) ||
		    k->state != 1) {
			st_fail(S, "child %u (%s) not blocked within %u ms: "
				"state '%c', syscall %ld, child state %d, "
				"returned %ld (%s)", i, role_names[k->role],
				SETTLE_MS, st ? st : '?', nr, k->state,
				k->ret, errname(k->err));
			kill_reap(pids, n);
			return -1;
		}
	}
	if (!wait_waiters(fd, blockers, SETTLE_MS)) {
		struct cipc_info info;

		ioc_info(fd, &info);
		st_fail(S, "INFO.waiters is %u, expected %u blocked "
			"read/WAIT callers", info.waiters, blockers);
		kill_reap(pids, n);
		return -1;
	}
	if (sysfs_chan_ull(kc.index, "waiters", &sw) || sw != blockers) {
		st_fail(S, "sysfs waiters is %llu, expected %u", sw, blockers);
		kill_reap(pids, n);
		return -1;
	}
	return (int)blockers;
}

/* kill(-pgid), reap within REAP_MS, every one by SIGKILL. */
static bool kill_all(pid_t pgid, pid_t *pids, unsigned int n,
		     const char *what, double *secs)
{
	static int status[KILL_PROCS];
	uint64_t t0 = now_ns();
	unsigned int got, bysig = 0;
	bool ok = true;

	memset(status, 0, sizeof(status));
	if (kill(-pgid, SIGKILL)) {
		st_fail(S, "%s: kill(-%d, SIGKILL): %s", what, (int)pgid,
			errname(errno));
		kill_reap(pids, n);
		return false;
	}
	got = reap(pids, status, n, REAP_MS);
	*secs = (double)(now_ns() - t0) / 1e9;
	if (got != n) {
		st_fail(S, "%s: only %u of %u SIGKILLed processes reaped "
			"within %u ms", what, got, n, REAP_MS);
		for (unsigned int i = 0; i < n; i++)
			if (pids[i] > 0)
				st_note(S, "  pid %d left in state '%c', "
					"syscall %ld", (int)pids[i],
					proc_state(pids[i]),
					proc_syscall(pids[i]));
		kill_reap(pids, n);
		ok = false;
	}
	for (unsigned int i = 0; i < n; i++) {
		if (pids[i] == 0 && WIFSIGNALED(status[i]) &&
		    WTERMSIG(status[i]) == SIGKILL)
			bysig++;
	}
	st_table.procs_killed += bysig;
	if (ok && bysig != n) {
		st_fail(S, "%s: %u of %u processes died of SIGKILL", what,
			bysig, n);
		ok = false;
	}
	return ok;
}

/* Waiters 0 at once, the invariant, sysfs equal: after every phase. */
static bool check_quiet(int fd, const char *what, struct cipc_stats *s)
{
	struct cipc_info info;
	unsigned long long sw = ~0ULL;
	const char *bad = "?";

	if (ioc_info(fd, &info) || info.waiters != 0 ||
	    sysfs_chan_ull(kc.index, "waiters", &sw) || sw != 0) {
		st_fail(S, "%s: waiters %u (sysfs %llu) once every process "
			"was reaped, expected 0", what, info.waiters, sw);
		return false;
	}
	if (ioc_stats(fd, s)) {
		st_fail(S, "%s: GET_STATS: %s", what, errname(errno));
		return false;
	}
	if (!stats_invariant(s)) {
		st_fail(S, "%s: stats invariant broken: wait %llu != woken "
			"%llu + timeout %llu + interrupted %llu + again %llu",
			what, (unsigned long long)s->wait,
			(unsigned long long)s->woken,
			(unsigned long long)s->timeout,
			(unsigned long long)s->interrupted,
			(unsigned long long)s->again);
		return false;
	}
	if (stats_sysfs_equal(kc.index, s, &bad)) {
		st_fail(S, "%s: sysfs stats/%s differs from GET_STATS", what,
			bad);
		return false;
	}
	return true;
}

struct racer {
	int fd;
	unsigned int wave;
	atomic_int go, ready, done;
	unsigned int ok;
	char sent[WAVE_COMPLETES][16];
	bool sent_ok[WAVE_COMPLETES];
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	atomic_store(&r->ready, 1);
	while (!atomic_load(&r->go))
		;
	for (unsigned int i = 0; i < WAVE_COMPLETES; i++) {
		int len = snprintf(r->sent[i], sizeof(r->sent[i]), "w%u-%u",
				   r->wave, i);

		r->sent_ok[i] = ioc_signal(r->fd, false, r->sent[i],
					   (size_t)len, NULL) == 0;
		r->ok += r->sent_ok[i];
		atomic_store(&r->done, (int)i + 1);
		sched_yield();
	}
	return NULL;
}

/* Finds msg among the successful sends not yet claimed; claims it. */
static bool claim(struct racer *r, bool *claimed, const char *msg, size_t len)
{
	for (unsigned int i = 0; i < WAVE_COMPLETES; i++) {
		if (r->sent_ok[i] && !claimed[i] && strlen(r->sent[i]) == len &&
		    !memcmp(r->sent[i], msg, len)) {
			claimed[i] = true;
			return true;
		}
	}
	return false;
}

static bool one_wave(int fd, unsigned int wave, pid_t *pids)
{
	struct racer r = { .fd = fd, .wave = wave };
	bool claimed[WAVE_COMPLETES] = { false };
	struct cipc_stats sb, sa;
	struct cipc_info info;
	unsigned int drained = 0, recorded = 0;
	unsigned long long dwoken, dintr;
	char what[32], buf[40];
	pthread_t th;
	pid_t pgid;
	double secs;
	int blockers;

	snprintf(what, sizeof(what), "wave %u", wave);
	blockers = spawn_blocked(fd, pids, WAVE_PROCS, &pgid);
	if (blockers < 0)
		return false;
	ioc_stats(fd, &sb);
	if (pthread_create(&th, NULL, racer_main, &r)) {
		st_fail(S, "%s: pthread_create failed", what);
		kill_reap(pids, WAVE_PROCS);
		return false;
	}
	while (!atomic_load(&r.ready))
		sched_yield();
	atomic_store(&r.go, 1);
	/* The kill after 0, 1... of the signals (by progress, not timing). */
	while ((unsigned int)atomic_load(&r.done) < wave % WAVE_COMPLETES)
		sched_yield();
	if (!kill_all(pgid, pids, WAVE_PROCS, what, &secs)) {
		pthread_join(th, NULL);
		return false;
	}
	pthread_join(th, NULL);
	if (!check_quiet(fd, what, &sa))
		return false;

	dwoken = sa.woken - sb.woken;
	dintr = sa.interrupted - sb.interrupted;
	ioc_info(fd, &info);
	if (dwoken + dintr != (unsigned int)blockers ||
	    sa.timeout != sb.timeout || sa.again != sb.again ||
	    sa.wait != sb.wait) {
		st_fail(S, "%s: %d blockers killed, but woken +%llu, "
			"interrupted +%llu, timeout +%llu, again +%llu, "
			"wait +%llu", what, blockers, dwoken, dintr,
			(unsigned long long)(sa.timeout - sb.timeout),
			(unsigned long long)(sa.again - sb.again),
			(unsigned long long)(sa.wait - sb.wait));
		return false;
	}
	if (dwoken + info.count != r.ok || info.queued != info.count) {
		st_fail(S, "%s: %u complete()s returned 0, waits woken +%llu, "
			"count left %u, queued %u: a count was lost or made up",
			what, r.ok, dwoken, info.count, info.queued);
		return false;
	}
	/* What the released processes got: messages of this wave, once. */
	for (unsigned int i = 0; i < WAVE_PROCS; i++) {
		const struct kid *k = &kc.kids[i];
		size_t len;

		if (k->state != 2 || k->role == R_POLL)
			continue;
		len = k->role == R_READ ? (size_t)k->ret : k->msg_len;
		if (k->ret < 0 || len >= sizeof(k->msg) ||
		    !claim(&r, claimed, k->msg, len)) {
			st_fail(S, "%s: released child %u (%s) returned %ld "
				"(%s) with \"%.*s\": not a message of this "
				"wave, or one given twice", what, i,
				role_names[k->role], k->ret, errname(k->err),
				(int)(len < sizeof(k->msg) ? len : 0), k->msg);
			return false;
		}
		recorded++;
	}
	/* The count left: its messages are the remaining ones. */
	for (;;) {
		struct cipc_wait w;

		memset(buf, 0, sizeof(buf));
		if (ioc_trywait(fd, buf, sizeof(buf) - 1, &w))
			break;
		if (!claim(&r, claimed, buf, w.msg_len)) {
			st_fail(S, "%s: the count left carried \"%s\": not a "
				"message of this wave, or one given twice",
				what, buf);
			return false;
		}
		drained++;
	}
	if (errno != EAGAIN || drained != info.count) {
		st_fail(S, "%s: drained %u of a count of %u, then %s", what,
			drained, info.count, errname(errno));
		return false;
	}
	st_note(S, "%s: %d blockers + %d pollers killed in %.2f s; %u of %u "
		"complete()s released a waiter (%u returned to user space), "
		"%u were left in the count", what, blockers,
		WAVE_PROCS - blockers, secs, (unsigned int)dwoken, r.ok,
		recorded, drained);
	return true;
}

void run_kill(void)
{
	static pid_t pids[KILL_PROCS];
	unsigned int waves = st_quick ? 2 : KILL_PROCS / WAVE_PROCS;
	unsigned long long killed0 = st_table.procs_killed;
	struct cipc_ctl_channel c;
	struct cipc_stats s0, s1;
	int ctl, fd = -1, blockers;
	unsigned int fails = st_failures;
	bool added = false;
	pid_t pgid;
	double secs;

	kc.shared_fd = -1;
	kc.kids = shm_alloc(sizeof(struct kid) * KILL_PROCS);
	ctl = ctl_open();
	if (!kc.kids || ctl < 0 || free_index(ctl, 0, &kc.index) ||
	    ctl_add(ctl, kc.index, MAX_WAITERS, &c)) {
		st_fail(S, "setup (shared memory, control device, adding a "
			"channel with max_waiters %u): %s", MAX_WAITERS,
			errname(errno));
		goto out;
	}
	added = true;
	fd = chan_open(kc.index, O_RDWR);
	kc.shared_fd = chan_open(kc.index, O_RDWR);
	if (fd < 0 || kc.shared_fd < 0 || ioc_stats(fd, &s0)) {
		st_fail(S, "opening /dev/cipc%u: %s", kc.index, errname(errno));
		goto out;
	}

	/* Phase 1: everybody at once. */
	blockers = spawn_blocked(fd, pids, KILL_PROCS, &pgid);
	if (blockers < 0)
		goto out;
	st_note(S, "%u processes blocked on /dev/cipc%u (%d in read/WAIT, "
		"INFO and sysfs waiters = %d; %d in poll), all sleeping in "
		"their syscall", KILL_PROCS, kc.index, blockers, blockers,
		KILL_PROCS - blockers);
	if (!kill_all(pgid, pids, KILL_PROCS, "all at once", &secs) ||
	    !check_quiet(fd, "all at once", &s1))
		goto out;
	if (s1.wait - s0.wait != (unsigned int)blockers ||
	    s1.interrupted - s0.interrupted != (unsigned int)blockers ||
	    s1.woken != s0.woken || s1.timeout != s0.timeout ||
	    s1.again != s0.again) {
		st_fail(S, "all at once: %d blockers killed, but wait +%llu, "
			"interrupted +%llu, woken +%llu", blockers,
			(unsigned long long)(s1.wait - s0.wait),
			(unsigned long long)(s1.interrupted - s0.interrupted),
			(unsigned long long)(s1.woken - s0.woken));
		goto out;
	}
	st_pass(S, "%u blocked processes SIGKILLed at once, reaped in %.2f s "
		"(limit %u s); waiters 0, interrupted +%d, invariant holds",
		KILL_PROCS, secs, REAP_MS / 1000, blockers);

	/* Phase 2: waves, each raced by complete()s. */
	for (unsigned int w = 0; w < waves; w++)
		if (!one_wave(fd, w, pids))
			goto out;
	if (check_quiet(fd, "after the waves", &s1))
		st_pass(S, "%u waves of %u processes SIGKILLed while "
			"complete()s raced them: every count accounted for, "
			"waiters 0; stats wait %llu = woken %llu + timeout "
			"%llu + interrupted %llu + again %llu", waves,
			WAVE_PROCS, (unsigned long long)s1.wait,
			(unsigned long long)s1.woken,
			(unsigned long long)s1.timeout,
			(unsigned long long)s1.interrupted,
			(unsigned long long)s1.again);
out:
	kill_reap(pids, KILL_PROCS);
	if (fd >= 0)
		close(fd);
	if (kc.shared_fd >= 0)
		close(kc.shared_fd);
	kc.shared_fd = -1;
	if (ctl >= 0) {
		if (added && ctl_remove(ctl, kc.index))
			st_fail(S, "removing /dev/cipc%u: %s", kc.index,
				errname(errno));
		close(ctl);
	}
	shm_free(kc.kids, sizeof(struct kid) * KILL_PROCS);
	if (st_failures == fails)
		st_note(S, "%llu processes killed",
			st_table.procs_killed - killed0);
}
