// SPDX-License-Identifier: GPL-2.0
/*
 * Blocking children. Every 2000 operations or so a worker forks a child
 * that opens a channel and blocks in read(2), CIPC_IOC_WAIT without limit
 * (relative or absolute) or poll(-1); after 0-20 ms, and sometimes after
 * removing the channel, reinitialising or completing it, the worker sends
 * SIGKILL and waits at most 10 s for the child to go (a pidfd). A child
 * still there is an unkillable task: its /proc state, wchan and stack are
 * printed, it is counted and the worker fails.
 *
 * The child checks what its waits return against the table too (a wait
 * that a signal released passes; a removal gives ENODEV; max_waiters
 * EUSERS); it never exits by itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "worker.h"

static void fz_sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000ULL),
			       (long)(ns % 1000000000ULL) };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The child: blocks on the channel until killed; checks what it gets. */
static void fz_child(struct fz_worker *wk, unsigned int index, int acc,
		     int how)
{
	uint32_t cond = fz_pool_slot(index) >= 0 ? C_DEAD | C_BLOCKS : C_BLOCKS;
	int fd = fz_open_chan(index, acc), kind = how ? K_WAIT : K_READ;
	char buf[CIPC_MSG_MAX_LIMIT];
	char allowed[256];
	uint64_t set[3];
	bool succ;
	long ret;
	int err;

	for (int round = 0; fd >= 0 && round < 3; round++) {
		struct cipc_wait w = { .timeout_ns = CIPC_TIMEOUT_FOREVER,
				       .msg = (uintptr_t)buf,
				       .msg_size = sizeof(buf) };
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (how == 2) {
			w.flags = CIPC_WAIT_ABSTIME;
			w.clockid = CLOCK_MONOTONIC;
			w.timeout_ns = fz_now_ns() + 3600ULL * 1000000000ULL;
		}
		ret = how == 0 ? read(fd, buf, sizeof(buf)) :
		      how == 3 ? poll(&pfd, 1, -1) :
				 ioctl(fd, CIPC_IOC_WAIT, &w);
		if (how == 3)
			kind = K_POLL, cond = 0;
		err = errno;
		fz_allowed(kind, cond, set, &succ);
		if (ret >= 0 ? !succ : err >= 192 ||
		    !((set[err / 64] >> (err % 64)) & 1)) {
			fz_allowed_str(allowed, sizeof(allowed), set, succ);
			fz_fail(wk->w, wk->opno, K_CHILD, true, "blocking child "
				"on cipc%u: %s (got %s%s, allowed {%s})", index,
				how == 0 ? "read(2)" : how == 3 ? "poll(-1)" :
				"CIPC_IOC_WAIT forever", ret >= 0 ? "success" :
				"errno ", ret >= 0 ? "" : fz_errname(err),
				allowed);
			break;
		}
		if (ret < 0)
			break;
	}
	for (;;)
		pause();
}

void fz_op_child(struct fz_worker *wk)
{
	const struct fz_config *c = &fz_cfg;
	unsigned int index, act = fz_below(&wk->r, 6);
	int acc = fz_one_in(&wk->r, 2) ? O_RDWR : O_RDONLY;
	int how = (int)fz_below(&wk->r, 4), pidfd, status = 0;
	uint64_t delay = fz_below(&wk->r, 20000001);
	struct fz_fd f = { .acc = O_RDWR, .desc = -1, .id = ~0ULL };
	struct pollfd pfd;
	pid_t pid;
	bool gone;

	if (c->npool && (!c->nbase || !fz_one_in(&wk->r, 3)))
		index = c->pool[fz_below(&wk->r, (uint32_t)c->npool)];
	else if (c->nbase)
		index = c->base[fz_below(&wk->r, (uint32_t)c->nbase)];
	else
		return;
	WHAT(wk, "blocking child on cipc%u (%s, %s), SIGKILL after %llu us%s",
	     index, acc == O_RDWR ? "O_RDWR" : "O_RDONLY",
	     how == 0 ? "read" : how == 1 ? "WAIT forever" :
	     how == 2 ? "WAIT abstime +1h" : "poll -1",
	     (unsigned long long)delay / 1000, act == 1 ? ", removed first" :
	     act == 2 ? ", reinit first" : act == 3 ? ", complete_all first" :
	     "");
	if (c->verbose)
		fz_say("cipc-fuzz: w%d op %llu: %s", wk->w,
		       (unsigned long long)wk->opno, wk->what);
	pid = fork();
	if (pid < 0) {
		fz_bad(wk, K_CHILD, "fork: %s", fz_errname(errno));
		return;
	}
	if (pid == 0)
		fz_child(wk, index, acc, how);
	wk->st->child = pid;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	fz_sleep_ns(delay);

	f.index = index;
	f.pool = fz_pool_slot(index) >= 0;
	if (act == 1 && f.pool) {
		struct cipc_ctl_channel req = { .index = index };
		long ret;

		WHAT(wk, "ioctl(ctl(rw), CIPC_CTL_REMOVE, {index=%u}) under a "
		     "blocking child", index);
		ret = ioctl(wk->ctl_rw, CIPC_CTL_REMOVE, &req);
		fz_check(wk, K_CTL_REMOVE, C_NOCHAN, ret, errno);
		if (!ret)
			fz_removed_index(wk, index);
	} else if (act >= 2 && act <= 3) {
		f.fd = fz_open_chan(index, O_RDWR);
		if (f.fd >= 0) {
			struct cipc_signal sig = { 0 };
			long ret;

			WHAT(wk, "ioctl(cipc%u, %s) under a blocking child",
			     index, act == 2 ? "CIPC_IOC_REINIT" :
			     "CIPC_IOC_COMPLETE_ALL");
			ret = ioctl(f.fd, act == 2 ? CIPC_IOC_REINIT :
				    CIPC_IOC_COMPLETE_ALL, &sig);
			fz_check(wk, act == 2 ? K_REINIT : K_COMPLETE_ALL,
				 fz_dead_cond(&f), ret, errno);
			close(f.fd);
		}
	}

	kill(pid, SIGKILL);
	if (pidfd >= 0) {
		pfd.fd = pidfd;
		pfd.events = POLLIN;
		gone = poll(&pfd, 1, 10000) == 1;
		close(pidfd);
	} else {
		uint64_t end = fz_now_ns() + 10000000000ULL;

		while (!(gone = waitpid(pid, &status, WNOHANG) == pid) &&
		       fz_now_ns() < end)
			fz_sleep_ns(1000000);
		if (gone)
			goto reaped;
	}
	if (!gone) {
		WHAT(wk, "blocking child %d on cipc%u", pid, index);
		fz_dump_task(pid, "blocking child not dead 10 s after SIGKILL");
		wk->st->unkillable++;
		fz_bad(wk, K_CHILD, "unkillable task %d", pid);
		wk->st->child = 0;
		return;
	}
	waitpid(pid, &status, 0);
reaped:
	wk->st->child = 0;
	wk->st->procs_killed++;
	wk->st->count[K_CHILD]++;
	wk->st->hist[K_CHILD][0]++;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fz_bad(wk, K_CHILD, "child %d ended with status %#x, not by "
		       "SIGKILL", pid, status);
}
