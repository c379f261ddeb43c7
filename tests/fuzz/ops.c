// SPDX-License-Identifier: GPL-2.0
/*
 * A worker: the choice of each operation (fz_run_op()), the check of every
 * result against the table (fz_check()), the REINIT storms, the O_ASYNC
 * signals received, and operations made without CAP_SYS_ADMIN.
 *
 * Operation opno of worker w draws from its own generator, seeded from
 * (seed, w, opno) alone, so the sequence of choices does not depend on what
 * earlier operations returned; the state they act on (which descriptors are
 * open, which channels exist) does, and is the same in a replay as long as
 * the other workers do not interfere (--worker runs one alone).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include "worker.h"

/* ---- checking --------------------------------------------------------- */

bool fz_check(struct fz_worker *wk, int kind, uint32_t cond, long ret,
	      int err)
{
	uint64_t set[3];
	bool succ, ok;
	int slot = ret >= 0 ? 0 : err > 0 && err < FZ_ERRNO_MAX ? err :
		   FZ_ERRNO_MAX - 1;
	char allowed[256];

	fz_allowed(kind, cond, set, &succ);
	wk->st->count[kind]++;
	wk->st->hist[kind][slot]++;
	ok = ret >= 0 ? succ :
	     err > 0 && err < 192 && ((set[err / 64] >> (err % 64)) & 1);
	if (wk->nopriv && !strstr(wk->what, "CAP_SYS_ADMIN"))
		strncat(wk->what, " [without CAP_SYS_ADMIN]",
			sizeof(wk->what) - strlen(wk->what) - 1);
	if (fz_cfg.verbose)
		fz_say("cipc-fuzz: w%d op %llu %s: %s -> %ld%s%s", wk->w,
		       (unsigned long long)wk->opno, fz_kind_name(kind),
		       wk->what, ret, ret < 0 ? " " : "",
		       ret < 0 ? fz_errname(err) : "");
	if (ok)
		return true;
	fz_allowed_str(allowed, sizeof(allowed), set, succ);
	fz_fail(wk->w, wk->opno, kind, true, "%s (got %s%s, allowed {%s})",
		wk->what, ret >= 0 ? "success" : "errno ",
		ret >= 0 ? "" : fz_errname(err), allowed);
	if (!fz_cfg.keep_going)
		wk->stop = true;
	return false;
}

void fz_bad(struct fz_worker *wk, int kind, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fz_fail(wk->w, wk->opno, kind, false, "%s: %s", wk->what, msg);
	if (!fz_cfg.keep_going)
		wk->stop = true;
}

/* ---- worker state ----------------------------------------------------- */

uint32_t fz_dead_cond(const struct fz_fd *f)
{
	if (!f->pool)
		return 0;
	return C_DEAD | (f->kdead ? C_KDEAD : 0);
}

void fz_saw_result(struct fz_worker *wk, struct fz_fd *f, long ret, int err)
{
	if (ret >= 0 || err != ENODEV || !f->pool)
		return;
	f->kdead = true;
	for (int i = 0; i < FZ_NFDS; i++)
		if (wk->fds[i].fd >= 0 && wk->fds[i].desc == f->desc)
			wk->fds[i].kdead = true;
}

/* This worker removed the channel at index: its files on it are dead. */
void fz_removed_index(struct fz_worker *wk, unsigned int index)
{
	for (int i = 0; i < FZ_NFDS; i++)
		if (wk->fds[i].fd >= 0 && wk->fds[i].index == index)
			wk->fds[i].kdead = true;
	if (wk->storm_fd >= 0 && fz_cfg.pool[wk->storm_slot] == index)
		wk->storm_msg_max = 0;
}

int fz_pool_slot(unsigned int index)
{
	for (int i = 0; i < fz_cfg.npool; i++)
		if (fz_cfg.pool[i] == index)
			return i;
	return -1;
}

void fz_note_id(struct fz_worker *wk, unsigned int index, uint64_t id)
{
	int s = fz_pool_slot(index);

	if (s < 0)
		return;
	wk->pool_id[s] = id;
	wk->pool_id_known[s] = true;
}

void fz_note_dead_id(struct fz_worker *wk, unsigned int index, uint64_t id)
{
	int i = wk->ndead++ % FZ_DEAD_IDS;

	wk->dead_id[i] = id;
	wk->dead_idx[i] = index;
}

/* A slot's descriptor; a free slot gets one opened (the operation). */
struct fz_fd *fz_pick_fd(struct fz_worker *wk)
{
	int slot = (int)fz_below(&wk->r, FZ_NFDS);
	struct fz_fd *f = &wk->fds[slot];

	/* A channel known gone is of little use: usually replace it. */
	if (f->fd >= 0 && f->kdead && !fz_one_in(&wk->r, 4)) {
		close(f->fd);
		f->fd = -1;
	}
	if (f->fd < 0) {
		fz_op_open(wk, slot);
		return NULL;
	}
	return f;
}

/* Mostly good memory; one time in bad_in, a kind from the zoo. */
enum fz_ptr fz_pick_ptr(struct fz_worker *wk, unsigned int bad_in)
{
	if (!fz_one_in(&wk->r, bad_in))
		return fz_one_in(&wk->r, 3) ? P_EDGE : P_GOOD;
	return (enum fz_ptr)(P_RO + fz_below(&wk->r, P_NR - P_RO));
}

/* ---- REINIT storms ---------------------------------------------------- */

/*
 * In the first 40 operations of every 1000, all workers hammer one pool
 * channel (the same for all: it depends on the seed and the round): the
 * even workers reinit it, the odd ones complete_all it, and one operation
 * in four is a wait of about a millisecond, so that released waiters are
 * inside when the reinits come.
 */
static bool fz_storm(struct fz_worker *wk)
{
	uint64_t round = wk->opno / 1000;
	struct fz_fd f = { .acc = O_RDWR, .desc = -1, .pool = true,
			   .id = ~0ULL };
	int slot;

	if (!fz_cfg.npool || wk->opno % 1000 >= 40)
		return false;
	slot = (int)(fz_mix(fz_cfg.seed ^ round) % (uint64_t)fz_cfg.npool);
	f.index = fz_cfg.pool[slot];
	if (wk->storm_fd >= 0 && (wk->storm_round != round ||
				  wk->storm_slot != slot)) {
		close(wk->storm_fd);
		wk->storm_fd = -1;
	}
	if (wk->storm_fd < 0) {
		wk->storm_round = round;
		wk->storm_slot = slot;
		wk->storm_fd = fz_open_chan(f.index, O_RDWR);
		if (wk->storm_fd < 0)
			return true;	/* removed meanwhile: nothing to do */
		f.fd = wk->storm_fd;
		fz_op_info(wk, &f, true);
		wk->storm_msg_max = f.msg_max;
		wk->storm_id = f.id;
		return true;
	}
	f.fd = wk->storm_fd;
	f.msg_max = wk->storm_msg_max;
	f.id = wk->storm_id;
	f.kdead = !f.msg_max;
	if (fz_one_in(&wk->r, 4))
		fz_op_wait(wk, &f, false);
	else if (wk->w % 2 == 0)
		fz_op_reinit(wk, &f);
	else
		fz_op_signal(wk, &f, true);
	if (f.kdead)
		wk->storm_msg_max = 0;
	if (wk->opno % 1000 == 39) {
		close(wk->storm_fd);
		wk->storm_fd = -1;
	}
	return true;
}

/* ---- O_ASYNC signals -------------------------------------------------- */

static void fz_drain_signals(struct fz_worker *wk)
{
	static const struct timespec zero;
	siginfo_t si;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	for (sig = SIGRTMIN; sig <= SIGRTMIN + 3; sig++)
		sigaddset(&set, sig);
	for (int i = 0; i < 256; i++) {
		sig = sigtimedwait(&set, &si, &zero);
		if (sig < 0)
			break;
		wk->st->count[K_NOTIFY]++;
		wk->st->hist[K_NOTIFY][0]++;
		if (si.si_code == POLL_IN || si.si_code == POLL_HUP ||
		    (sig == SIGIO && si.si_code == SI_KERNEL))
			continue;
		WHAT(wk, "O_ASYNC notification");
		fz_bad(wk, K_NOTIFY, "signal %d with si_code %d (allowed: "
		       "POLL_IN, POLL_HUP, or SI_KERNEL for a plain SIGIO)",
		       sig, si.si_code);
	}
}

/* ---- without CAP_SYS_ADMIN -------------------------------------------- */

/* Lowers or raises CAP_SYS_ADMIN in the effective set (it stays permitted). */
static bool fz_admin(bool on)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << (CAP_SYS_ADMIN % 32);

	if (syscall(SYS_capget, &h, d))
		return false;
	if (on)
		d[CAP_SYS_ADMIN / 32].effective |= bit;
	else
		d[CAP_SYS_ADMIN / 32].effective &= ~bit;
	return !syscall(SYS_capset, &h, d);
}

/* ---- the worker ------------------------------------------------------- */

struct fz_worker *fz_worker_new(int w)
{
	struct fz_worker *wk = calloc(1, sizeof(*wk));

	if (!wk)
		abort();
	wk->w = w;
	wk->st = &fz_sh->w[w];
	for (int i = 0; i < FZ_NFDS; i++)
		wk->fds[i].fd = -1;
	wk->ctl_rw = open("/dev/" CIPC_CONTROL_NAME, O_RDWR | O_CLOEXEC);
	wk->ctl_ro = open("/dev/" CIPC_CONTROL_NAME, O_RDONLY | O_CLOEXEC);
	wk->ctl_wo = open("/dev/" CIPC_CONTROL_NAME, O_WRONLY | O_CLOEXEC);
	wk->epfd = epoll_create1(EPOLL_CLOEXEC);
	wk->storm_fd = -1;
	if (wk->ctl_rw < 0 || wk->ctl_ro < 0 || wk->ctl_wo < 0 || wk->epfd < 0)
		fz_say("cipc-fuzz: worker %d: cannot open the control device "
		       "or epoll: %s", w, fz_errname(errno));
	return wk;
}

void fz_worker_end(struct fz_worker *wk)
{
	fz_drain_signals(wk);
	for (int i = 0; i < FZ_NFDS; i++)
		if (wk->fds[i].fd >= 0)
			close(wk->fds[i].fd);
	if (wk->storm_fd >= 0)
		close(wk->storm_fd);
	close(wk->ctl_rw);
	close(wk->ctl_ro);
	close(wk->ctl_wo);
	close(wk->epfd);
	free(wk);
}

/* Weights of the operations, out of their sum. */
enum {
	W_INFO = 5, W_COMPLETE = 9, W_COMPLETE_ALL = 4, W_REINIT = 4,
	W_WAIT = 8, W_TRYWAIT = 6, W_GET_MODE = 2, W_SET_MODE = 3,
	W_GET_STATS = 2, W_RESET_STATS = 1, W_BADCMD = 4, W_CTL_INFO = 1,
	W_CTL_ADD = 2, W_CTL_REMOVE = 1, W_CTL_BADCMD = 1, W_OPEN = 3,
	W_CLOSE = 2, W_DUP = 2, W_READ = 9, W_WRITE = 9, W_POLL = 3,
	W_PPOLL = 2, W_EPOLL_CTL = 2, W_EPOLL_WAIT = 2, W_FCNTL = 4,
	W_SYSFS_READ = 3, W_SYSFS_WRITE = 2,
};

static const uint8_t fz_weights[K_CHILD] = {
	W_INFO, W_COMPLETE, W_COMPLETE_ALL, W_REINIT, W_WAIT, W_TRYWAIT,
	W_GET_MODE, W_SET_MODE, W_GET_STATS, W_RESET_STATS, W_BADCMD,
	W_CTL_INFO, W_CTL_ADD, W_CTL_REMOVE, W_CTL_BADCMD, W_OPEN, W_CLOSE,
	W_DUP, W_READ, W_WRITE, W_POLL, W_PPOLL, W_EPOLL_CTL, W_EPOLL_WAIT,
	W_FCNTL, W_SYSFS_READ, W_SYSFS_WRITE,
};

static int fz_pick_kind(struct fz_rng *r)
{
	static unsigned int total;
	unsigned int x;
	int k;

	if (!total)
		for (k = 0; k < K_CHILD; k++)
			total += fz_weights[k];
	x = fz_below(r, total);
	for (k = 0; x >= fz_weights[k]; k++)
		x -= fz_weights[k];
	return k;
}

static void fz_run_kind(struct fz_worker *wk, int kind);

bool fz_run_op(struct fz_worker *wk, uint64_t opno)
{
	int kind;

	wk->opno = opno;
	fz_rng_op(&wk->r, fz_cfg.seed, wk->w, opno);
	wk->what[0] = 0;
	if (opno % 64 == 63)
		fz_drain_signals(wk);
	if (opno % 2000 == (uint64_t)(wk->w * 331 + 17) % 2000) {
		fz_op_child(wk);
		return !wk->stop;
	}
	if (fz_storm(wk))
		return !wk->stop;

	kind = fz_pick_kind(&wk->r);
	/* Now and then, the privileged operations without the privilege. */
	if ((kind == K_CTL_ADD || kind == K_CTL_REMOVE || kind == K_CTL_INFO ||
	     kind == K_RESET_STATS || kind == K_SYSFS_WRITE) &&
	    fz_one_in(&wk->r, 12) && fz_admin(false)) {
		wk->nopriv = true;
		fz_run_kind(wk, kind);
		wk->nopriv = false;
		if (!fz_admin(true)) {
			fz_say("cipc-fuzz: worker %d cannot raise CAP_SYS_ADMIN "
			       "again: %s", wk->w, fz_errname(errno));
			abort();
		}
		return !wk->stop;
	}
	fz_run_kind(wk, kind);
	return !wk->stop;
}

static void fz_run_kind(struct fz_worker *wk, int kind)
{
	struct fz_fd *f;

	switch (kind) {
	case K_CTL_INFO:
		fz_op_ctl_info(wk);
		return;
	case K_CTL_ADD:
		fz_op_ctl_add(wk);
		return;
	case K_CTL_REMOVE:
		fz_op_ctl_remove(wk);
		return;
	case K_CTL_BADCMD:
		fz_op_badcmd(wk, true);
		return;
	case K_OPEN:
		fz_op_open(wk, (int)fz_below(&wk->r, FZ_NFDS));
		return;
	case K_CLOSE:
		fz_op_close(wk);
		return;
	case K_DUP:
		fz_op_dup(wk);
		return;
	case K_READ:
		fz_op_read(wk);
		return;
	case K_WRITE:
		fz_op_write(wk);
		return;
	case K_POLL:
	case K_PPOLL:
		fz_op_poll(wk, kind == K_PPOLL);
		return;
	case K_EPOLL_CTL:
		fz_op_epoll_ctl(wk);
		return;
	case K_EPOLL_WAIT:
		fz_op_epoll_wait(wk);
		return;
	case K_SYSFS_READ:
		fz_op_sysfs_read(wk);
		return;
	case K_SYSFS_WRITE:
		fz_op_sysfs_write(wk);
		return;
	}

	/* The rest act on one channel descriptor. */
	f = fz_pick_fd(wk);
	if (!f)
		return;
	switch (kind) {
	case K_INFO:
		fz_op_info(wk, f, false);
		break;
	case K_COMPLETE:
	case K_COMPLETE_ALL:
		fz_op_signal(wk, f, kind == K_COMPLETE_ALL);
		break;
	case K_REINIT:
		fz_op_reinit(wk, f);
		break;
	case K_WAIT:
	case K_TRYWAIT:
		fz_op_wait(wk, f, kind == K_TRYWAIT);
		break;
	case K_GET_MODE:
	case K_SET_MODE:
		fz_op_mode(wk, f, kind == K_SET_MODE);
		break;
	case K_GET_STATS:
	case K_RESET_STATS:
		fz_op_stats(wk, f, kind == K_RESET_STATS);
		break;
	case K_BADCMD:
		fz_op_badcmd(wk, false);
		break;
	case K_FCNTL:
		fz_op_fcntl(wk, f, -1);
		break;
	}
}
