// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "reinit": CIPC_IOC_REINIT against removal and SIGKILL.
 *
 * Each round has three parts:
 *
 * (A) race: RACE_WAITERS threads blocked on a channel; one thread sends
 *     COMPLETE_ALL and at once REINIT while the main thread removes the
 *     channel (CIPC_CTL_REMOVE): before the COMPLETE_ALL, at the same
 *     time, right after it (racing the REINIT's drain) or after both, in
 *     turn, ordered by the racer's progress plus a random spin. If
 *     the COMPLETE_ALL returned 0 it came before the removal and released
 *     every waiter: all of them succeed with its message (CIPC_WAIT_ALL);
 *     if it failed with ENODEV, all of them get ENODEV and so does the
 *     REINIT. Nothing else is allowed, and nothing may hang.
 *
 * (B), (C) a REINIT that drains. The header's REINIT comment: a reinit
 *     waits for the waiters that a signal released to leave the wait. To
 *     keep it waiting, the released waiter W (a thread at SCHED_FIFO 10
 *     pinned to CPU 1) is held off its CPU by a SCHED_FIFO 99 thread
 *     spinning on CPU 1 from before the COMPLETE_ALL until the test
 *     releases it (as in tests/driver/test_latch_drain.c). SIGSTOP would
 *     not do: a stop signal is acted on when the task returns to user
 *     space, after it has left the wait. The REINIT caller is a child
 *     process on CPU 0; it is proved draining (state 'D', in ioctl, its
 *     REINIT not returned, W still counted in INFO.waiters). Then
 *   (B) the channel is removed: the REINIT returns ENODEV at once; W, once
 *       released, succeeds with the COMPLETE_ALL's message (it was
 *       released before the removal);
 *   (C) the REINIT caller is SIGKILLed: it must die within KILL_MS, the
 *       hog still spinning (the drain did not end by itself), nothing
 *       may change (generation, the "all" state, seq, the reinit
 *       counter, W still waiting); W then succeeds, and a REINIT after it
 *       returns 0 at once.
 *
 * (B) and (C) need two CPUs; with one they are skipped (noted).
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define S		"reinit"
#define RACE_WAITERS	16
#define KILL_MS		6000U	/* a SIGKILLed REINIT caller is reaped */
#define HOG_CAP_MS	15000U	/* the hog never spins longer */

struct waiter {
	int fd;
	int how;		/* 0 read, 1 WAIT forever, 2 WAIT ABSTIME */
	int cpu1;		/* pinned to CPU 1 at SCHED_FIFO 10 */
	atomic_int state;	/* 1 started, 2 returned */
	pid_t tid;
	long ret;
	int err;
	uint32_t result, msg_len;
	char msg[24];
};

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;
	struct cipc_wait cw = { 0 };

	w->tid = (pid_t)syscall(SYS_gettid);
	if (w->cpu1) {
		struct sched_param sp = { .sched_priority = 10 };

		if (pin_cpu(1) || sched_setscheduler(0, SCHED_FIFO, &sp))
			w->err = errno;
	}
	memset(w->msg, 0, sizeof(w->msg));
	atomic_store(&w->state, 1);
	if (w->how == 0)
		w->ret = read(w->fd, w->msg, sizeof(w->msg) - 1);
	else if (w->how == 1)
		w->ret = ioc_wait(w->fd, CIPC_TIMEOUT_FOREVER, 0, 0, w->msg,
				  sizeof(w->msg) - 1, &cw);
	else
		w->ret = ioc_wait(w->fd, now_ns() + 600 * NS_PER_S,
				  CIPC_WAIT_ABSTIME, CLOCK_MONOTONIC, w->msg,
				  sizeof(w->msg) - 1, &cw);
	w->err = errno;
	w->result = cw.result;
	w->msg_len = w->how ? cw.msg_len : (uint32_t)(w->ret > 0 ? w->ret : 0);
	atomic_store(&w->state, 2);
	return NULL;
}

static bool waiter_done(struct waiter *w, unsigned int timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;

	while (atomic_load(&w->state) != 2) {
		if (now_ms() >= end)
			return false;
		sleep_ms(1);
	}
	return true;
}

/* ---- (A) the free race ----------------------------------------------- */

struct racer {
	int fd;
	unsigned int delay_us;
	atomic_int go, ready, stage;
	int ca, ri;		/* 0 or errno */
	char msg[16];
};

static void spin_us(unsigned int us)
{
	uint64_t end = now_ns() + us * 1000ULL;

	while (now_ns() < end)
		;
}

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	atomic_store(&r->ready, 1);
	while (!atomic_load(&r->go))
		;
	spin_us(r->delay_us);
	r->ca = ioc_signal(r->fd, true, r->msg, strlen(r->msg), NULL) ? errno : 0;
	atomic_store(&r->stage, 1);
	r->ri = ioc_reinit(r->fd) ? errno : 0;
	atomic_store(&r->stage, 2);
	return NULL;
}

static bool race_round(int ctl, unsigned int idx, unsigned int round,
		       unsigned int *seed, unsigned int *before)
{
	static struct waiter ws[RACE_WAITERS];
	pthread_t th[RACE_WAITERS], rt;
	struct racer r = { .delay_us = (unsigned int)rand_r(seed) % 600 };
	unsigned int nth = 0, ok = 0, enodev = 0, where;
	int rm;
	int fd = chan_open(idx, O_RDWR);
	bool ret = false, racing = false;

	snprintf(r.msg, sizeof(r.msg), "a%u", round);
	for (unsigned int i = 0; fd >= 0 && i < RACE_WAITERS; i++) {
		memset(&ws[i], 0, sizeof(ws[i]));
		ws[i].how = (int)(i % 3);
		ws[i].fd = i % 2 ? fd : chan_open(idx, O_RDWR);
		if (ws[i].fd < 0 ||
		    pthread_create(&th[i], NULL, waiter_main, &ws[i]))
			break;
		nth++;
	}
	if (fd < 0 || nth != RACE_WAITERS ||
	    !wait_waiters(fd, RACE_WAITERS, SETTLE_MS)) {
		st_fail(S, "(A) round %u: %u waiters blocked: %s", round, nth,
			errname(errno));
		ctl_remove(ctl, idx);
		goto join;
	}
	r.fd = fd;
	if (pthread_create(&rt, NULL, racer_main, &r)) {
		ctl_remove(ctl, idx);
		goto join;
	}
	racing = true;
	while (!atomic_load(&r.ready))
		sched_yield();
	/*
	 * Where the removal goes is chosen by the racer's progress, not by
	 * timing (a loaded host runs the vCPUs in turn): before the
	 * COMPLETE_ALL, at the same time, right after it (racing the REINIT
	 * and its drain of the 16 released waiters), after the REINIT.
	 */
	where = round % 4;
	if (where)
		atomic_store(&r.go, 1);
	while (where >= 2 && atomic_load(&r.stage) < (int)where - 1)
		sched_yield();
	spin_us((unsigned int)rand_r(seed) % 200);
	rm = ctl_remove(ctl, idx) ? errno : 0;
	atomic_store(&r.go, 1);
	if (rm) {
		st_fail(S, "(A) round %u: CIPC_CTL_REMOVE: %s", round,
			errname(rm));
		goto join;
	}
	pthread_join(rt, NULL);
	racing = false;
	if ((r.ca && r.ca != ENODEV) || (r.ca == ENODEV && r.ri != ENODEV) ||
	    (r.ri && r.ri != ENODEV)) {
		st_fail(S, "(A) round %u: COMPLETE_ALL %s, REINIT %s racing "
			"the removal", round, errname(r.ca), errname(r.ri));
		goto join;
	}
	for (unsigned int i = 0; i < RACE_WAITERS; i++) {
		struct waiter *w = &ws[i];

		if (!waiter_done(w, RELEASE_MS)) {
			st_fail(S, "(A) round %u: waiter %u did not return "
				"within %u ms of the removal", round, i,
				RELEASE_MS);
			goto join;
		}
		if (!r.ca && w->ret >= 0 && !strcmp(w->msg, r.msg) &&
		    (w->how == 0 || (w->result & CIPC_WAIT_ALL))) {
			ok++;
		} else if (r.ca == ENODEV && w->ret == -1 &&
			   w->err == ENODEV) {
			enodev++;
		} else {
			st_fail(S, "(A) round %u: COMPLETE_ALL %s, but waiter "
				"%u returned %ld (%s) \"%s\" result %#x", round,
				errname(r.ca), i, w->ret, errname(w->err),
				w->msg, w->result);
			goto join;
		}
	}
	before[r.ca ? 0 : r.ri ? 1 : 2]++;
	ret = true;
join:
	if (racing)
		pthread_join(rt, NULL);
	for (unsigned int i = 0; i < nth; i++) {
		/* One that does not return is reported; do not hang on it. */
		if (waiter_done(&ws[i], ret ? 0 : RELEASE_MS))
			pthread_join(th[i], NULL);
		else
			pthread_detach(th[i]);
		if (ws[i].fd != fd)
			close(ws[i].fd);
	}
	if (fd >= 0)
		close(fd);
	(void)ok;
	(void)enodev;
	return ret;
}

/* ---- (B), (C) a draining REINIT --------------------------------------- */

struct hog {
	atomic_int run;		/* 1 spin, 0 stop */
	atomic_int spinning;
};

static void *hog_main(void *arg)
{
	struct hog *h = arg;
	struct sched_param sp = { .sched_priority = 99 };
	uint64_t end;

	if (pin_cpu(1) || sched_setscheduler(0, SCHED_FIFO, &sp))
		return NULL;
	end = now_ms() + HOG_CAP_MS;
	atomic_store(&h->spinning, 1);
	while (atomic_load(&h->run) && now_ms() < end)
		;
	atomic_store(&h->spinning, 0);
	return NULL;
}

/* Child: REINIT once the parent writes a byte; result in *res. */
static struct {
	int pipe_rd, fd;
	struct kid *res;
} rk;

static void reinit_child(void *arg)
{
	char c;

	(void)arg;
	if (read(rk.pipe_rd, &c, 1) != 1)
		_exit(3);
	rk.res->state = 1;
	rk.res->ret = ioc_reinit(rk.fd);
	rk.res->err = errno;
	__atomic_store_n(&rk.res->state, 2, __ATOMIC_SEQ_CST);
	_exit(0);
}

static const long nr_ioctl[] = { SYS_ioctl };

/*
 * (B) with remove true, else (C). The channel at idx is fresh for (B)
 * (removed here), and reused for (C).
 */
static bool drain_round(int ctl, unsigned int idx, unsigned int round,
			bool remove, double *killed_s)
{
	const char *part = remove ? "(B)" : "(C)";
	/* static: a thread left behind by a failure may still write it */
	static struct waiter w;
	struct hog h = { .run = 1 };
	struct cipc_info i0, i1;
	struct cipc_stats s0, s1;
	pthread_t wt, ht;
	bool wthread = false, hthread = false, ret = false;
	int p[2] = { -1, -1 }, fd = chan_open(idx, O_RDWR), status = 0;
	pid_t child = -1;
	char msg[16], st;
	long nr;

	snprintf(msg, sizeof(msg), "%c%u", remove ? 'b' : 'k', round);
	memset(&w, 0, sizeof(w));
	w.how = (int)(round % 3);
	w.cpu1 = 1;
	memset(rk.res, 0, sizeof(*rk.res));
	w.fd = chan_open(idx, O_RDONLY);
	if (fd < 0 || w.fd < 0 || pipe(p)) {
		st_fail(S, "%s round %u: setup: %s", part, round,
			errname(errno));
		goto out;
	}
	rk.pipe_rd = p[0];
	rk.fd = fd;
	child = spawn(reinit_child, NULL, 0);
	if (child < 0 || pthread_create(&wt, NULL, waiter_main, &w))
		goto out;
	wthread = true;
	if (!wait_waiters(fd, 1, SETTLE_MS) ||
	    !wait_asleep(w.tid, false, NULL, 0, SETTLE_MS, &st, &nr)) {
		st_fail(S, "%s round %u: the waiter on CPU 1 did not block "
			"(%s)", part, round, errname(w.err));
		goto out;
	}
	if (pthread_create(&ht, NULL, hog_main, &h))
		goto out;
	hthread = true;
	while (!atomic_load(&h.spinning))
		sched_yield();
	if (ioc_signal(fd, true, msg, strlen(msg), NULL)) {
		st_fail(S, "%s round %u: COMPLETE_ALL: %s", part, round,
			errname(errno));
		goto out;
	}
	if (write(p[1], "g", 1) != 1 ||
	    !wait_asleep(child, true, nr_ioctl, 1, SETTLE_MS, &st, &nr) ||
	    rk.res->state == 2 || ioc_info(fd, &i0) || i0.waiters != 1 ||
	    atomic_load(&w.state) == 2 || !atomic_load(&h.spinning)) {
		st_fail(S, "%s round %u: the REINIT is not draining: its "
			"caller in state '%c' syscall %ld, REINIT returned "
			"%s, waiters %u, the released waiter %s, hog %s", part,
			round, st ? st : '?', nr, rk.res->state == 2 ?
			errname(rk.res->ret ? rk.res->err : 0) : "not yet",
			i0.waiters, atomic_load(&w.state) == 2 ? "returned" :
			"still inside", atomic_load(&h.spinning) ? "spinning" :
			"stopped (its cap?)");
		goto out;
	}
	ioc_stats(fd, &s0);
	if (remove) {
		if (ctl_remove(ctl, idx)) {
			st_fail(S, "(B) round %u: CIPC_CTL_REMOVE while a "
				"REINIT drains: %s", round, errname(errno));
			goto out;
		}
		if (reap(&child, &status, 1, RELEASE_MS) != 1 ||
		    rk.res->state != 2 || rk.res->ret != -1 ||
		    rk.res->err != ENODEV) {
			st_fail(S, "(B) round %u: the draining REINIT, once "
				"the channel was removed: %s within %u ms",
				round, rk.res->state != 2 ? "did not return" :
				errname(rk.res->ret ? rk.res->err : 0),
				RELEASE_MS);
			goto out;
		}
	} else {
		uint64_t t0 = now_ns();

		kill(child, SIGKILL);
		if (reap(&child, &status, 1, KILL_MS) != 1 ||
		    !WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			st_fail(S, "(C) round %u: the REINIT caller, "
				"SIGKILLed while draining, %s within %u ms "
				"(status %#x)", round, child > 0 ? "was not "
				"reaped" : "did not die of SIGKILL", KILL_MS,
				(unsigned int)status);
			goto out;
		}
		*killed_s = (double)(now_ns() - t0) / 1e9;
		st_table.procs_killed++;
		if (ioc_info(fd, &i1) || ioc_stats(fd, &s1) ||
		    i1.generation != i0.generation || i1.seq != i0.seq ||
		    !(i1.flags & CIPC_INFO_ALL) || s1.reinit != s0.reinit ||
		    i1.waiters != 1 || !atomic_load(&h.spinning)) {
			st_fail(S, "(C) round %u: the killed REINIT changed "
				"something: generation %llu -> %llu, seq %llu "
				"-> %llu, all %u, reinit count %llu -> %llu, "
				"waiters %u (hog %s)", round,
				(unsigned long long)i0.generation,
				(unsigned long long)i1.generation,
				(unsigned long long)i0.seq,
				(unsigned long long)i1.seq,
				!!(i1.flags & CIPC_INFO_ALL),
				(unsigned long long)s0.reinit,
				(unsigned long long)s1.reinit, i1.waiters,
				atomic_load(&h.spinning) ? "spinning" :
				"stopped");
			goto out;
		}
	}
	atomic_store(&h.run, 0);
	pthread_join(ht, NULL);
	hthread = false;
	if (!waiter_done(&w, RELEASE_MS) || w.ret < 0 || strcmp(w.msg, msg) ||
	    (w.how && !(w.result & CIPC_WAIT_ALL))) {
		st_fail(S, "%s round %u: the released waiter returned %ld (%s) "
			"\"%s\" result %#x, expected \"%s\" (released by "
			"COMPLETE_ALL)", part, round, w.ret, errname(w.err),
			w.msg, w.result, msg);
		goto out;
	}
	if (!remove) {
		uint64_t t0 = now_ns();

		if (ioc_reinit(fd) || ioc_info(fd, &i1) ||
		    i1.generation != i0.generation + 1 ||
		    (i1.flags & CIPC_INFO_ALL)) {
			st_fail(S, "(C) round %u: REINIT after the waiter "
				"left: %s, generation %llu", round,
				errname(errno),
				(unsigned long long)i1.generation);
			goto out;
		}
		if (now_ns() - t0 > RELEASE_MS * NS_PER_MS)
			st_fail(S, "(C) round %u: the REINIT took %.1f s with "
				"no waiter inside", round,
				(double)(now_ns() - t0) / 1e9);
	}
	ret = true;
out:
	atomic_store(&h.run, 0);
	if (hthread)
		pthread_join(ht, NULL);
	if (child > 0)
		kill_reap(&child, 1);
	if (wthread) {
		/* Blocked still (a failure before the signal): release it. */
		if (atomic_load(&w.state) != 2)
			ioc_signal(fd, false, NULL, 0, NULL);
		if (waiter_done(&w, RELEASE_MS))
			pthread_join(wt, NULL);
		else
			pthread_detach(wt);
	}
	if (p[0] >= 0) {
		close(p[0]);
		close(p[1]);
	}
	if (w.fd >= 0)
		close(w.fd);
	if (fd >= 0)
		close(fd);
	return ret;
}

void run_reinit(void)
{
	unsigned int rounds = st_quick ? 10 : 50, seed = 0xc1c1U;
	unsigned int before[3] = { 0 }, done = 0, ia, ib, ic;
	struct cipc_ctl_channel c;
	bool two = cpu_count() >= 2;
	double killed_s = 0, killed_max = 0;
	cpu_set_t all;
	int ctl;

	rk.res = shm_alloc(sizeof(struct kid));
	sched_getaffinity(0, sizeof(all), &all);
	ctl = ctl_open();
	if (!rk.res || ctl < 0 || free_index(ctl, 2, &ia) ||
	    free_index(ctl, 3, &ib) || free_index(ctl, 4, &ic) ||
	    ctl_add(ctl, ic, 0, &c)) {
		st_fail(S, "setup: %s", errname(errno));
		goto out;
	}
	if (!two)
		st_note(S, "one CPU: parts (B) and (C) skipped");
	for (; done < rounds; done++) {
		if (ctl_add(ctl, ia, 0, &c) ||
		    !race_round(ctl, ia, done, &seed, before))
			break;
		if (!two)
			continue;
		/* The main thread stays off CPU 1, the waiter's and hog's. */
		pin_cpu(0);
		if (ctl_add(ctl, ib, 0, &c) ||
		    !drain_round(ctl, ib, done, true, &killed_s) ||
		    !drain_round(ctl, ic, done, false, &killed_s)) {
			sched_setaffinity(0, sizeof(all), &all);
			break;
		}
		sched_setaffinity(0, sizeof(all), &all);
		if (killed_s > killed_max)
			killed_max = killed_s;
	}
	if (done == rounds) {
		st_pass(S, "(A) %u rounds of COMPLETE_ALL + REINIT racing "
			"REMOVE: the removal came first %u times, between "
			"them %u, after both %u; waiters all released or all "
			"ENODEV", rounds, before[0], before[1], before[2]);
		if (two) {
			st_pass(S, "(B) %u REINITs draining a held-off waiter "
				"returned ENODEV at the removal; the waiter "
				"got its message", rounds);
			st_pass(S, "(C) %u REINIT callers SIGKILLed while "
				"draining died (slowest reaped in %.3f s, "
				"limit %u s), changing nothing", rounds,
				killed_max, KILL_MS / 1000);
		}
	}
	ctl_remove(ctl, ic);
out:
	if (ctl >= 0)
		close(ctl);
	shm_free(rk.res, sizeof(struct kid));
}
