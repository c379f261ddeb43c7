// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctls of /dev/cipcN, valid and not: INFO, COMPLETE, COMPLETE_ALL,
 * REINIT, WAIT, TRYWAIT, GET_MODE, SET_MODE, GET_STATS, RESET_STATS. Each
 * builds its argument (sometimes with a reserved field or an unknown flag
 * set, a length over msg_max, a clock not allowed), puts it in memory of
 * the zoo (ptrs.c), records the facts of the call (C_*) and checks the
 * result against the table.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <time.h>

#include "worker.h"

void fz_desc_fd(char *buf, size_t n, const struct fz_fd *f)
{
	snprintf(buf, n, "fd(cipc%u %s%s%s%s)", f->index,
		 f->acc == O_RDONLY ? "r" : f->acc == O_WRONLY ? "w" : "rw",
		 f->nonblock ? ",nonblock" : "", f->async ? ",async" : "",
		 f->kdead ? ",removed" : "");
}

static void fz_check_info(struct fz_worker *wk, struct fz_fd *f,
			  const struct cipc_info *in)
{
	const struct fz_config *c = &fz_cfg;
	bool bad = in->abi_version != CIPC_ABI_VERSION ||
		in->index != f->index || in->id % c->ctl.max_channels != f->index ||
		!in->msg_max || in->msg_max > CIPC_MSG_MAX_LIMIT ||
		(f->msg_max && in->msg_max != f->msg_max) ||
		(f->id != ~0ULL && in->id != f->id) || in->mode > 1 ||
		(in->flags & ~CIPC_INFO_ALL) ||
		((in->flags & CIPC_INFO_ALL) && in->count) ||
		!in->queue_depth || in->queue_depth > CIPC_QUEUE_DEPTH_LIMIT ||
		in->queued > in->queue_depth || !in->max_waiters ||
		in->max_waiters > CIPC_MAX_WAITERS_LIMIT ||
		in->waiters > in->max_waiters || in->msg_len > in->msg_max ||
		in->reserved0 || in->reserved[0] || in->reserved[1] ||
		in->reserved[2] || in->reserved[3];

	if (bad)
		fz_bad(wk, K_INFO, "bad cipc_info: abi %u index %u id %llu "
		       "msg_max %u mode %u flags %#x count %u waiters %u/%u "
		       "queued %u/%u msg_len %u reserved0 %u",
		       in->abi_version, in->index,
		       (unsigned long long)in->id, in->msg_max, in->mode,
		       in->flags, in->count, in->waiters, in->max_waiters,
		       in->queued, in->queue_depth, in->msg_len,
		       in->reserved0);
	f->msg_max = in->msg_max;
	f->id = in->id;
	fz_note_id(wk, f->index, in->id);
}

/* learn: after open(2), with good memory, to learn msg_max and the id */
void fz_op_info(struct fz_worker *wk, struct fz_fd *f, bool learn)
{
	enum fz_ptr k = learn ? P_GOOD : fz_pick_ptr(wk, 12);
	struct cipc_info *p = fz_ptr(0, k, sizeof(*p), NULL, &wk->r);
	uint32_t cond = fz_dead_cond(f);
	char fd[96];
	long ret;

	if (fz_ptr_faults(k, sizeof(*p), true))
		cond |= C_BADARG;
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, CIPC_IOC_INFO, %s)", fd, fz_ptr_name(k));
	ret = ioctl(f->fd, CIPC_IOC_INFO, p);
	fz_check(wk, K_INFO, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (ret == 0 && (k == P_GOOD || k == P_EDGE))
		fz_check_info(wk, f, p);
}

/* A message length: mostly valid, sometimes over msg_max. */
static uint32_t fz_msg_len(struct fz_worker *wk, uint32_t max)
{
	switch (fz_below(&wk->r, 10)) {
	case 0:
		return 0;
	case 1:
		return max;
	case 2:
		return max + 1;
	case 3:
		return fz_one_in(&wk->r, 2) ? CIPC_MSG_MAX_LIMIT + 1 : ~0U;
	case 4:
		return 1;
	default:
		return 1 + fz_below(&wk->r, max);
	}
}

void fz_op_signal(struct fz_worker *wk, struct fz_fd *f, bool all)
{
	int kind = all ? K_COMPLETE_ALL : K_COMPLETE;
	uint32_t max = f->msg_max ? f->msg_max : CIPC_MSG_MAX_LIMIT;
	uint32_t cond = fz_dead_cond(f);
	struct cipc_signal sig = { 0 }, *p;
	enum fz_ptr ak = fz_pick_ptr(wk, 14), mk = P_GOOD;
	char fd[96];
	void *msg;
	long ret;

	if (!(f->acc == O_WRONLY || f->acc == O_RDWR))
		cond |= C_NOTWR;
	if (!fz_one_in(&wk->r, 4)) {
		sig.flags = CIPC_SIGNAL_MSG;
		sig.msg_len = fz_msg_len(wk, max);
		mk = fz_pick_ptr(wk, 10);
		msg = fz_ptr(1, mk, sig.msg_len > max ? 16 : sig.msg_len,
			     NULL, &wk->r);
		sig.msg = (uintptr_t)msg;
		cond |= C_HASMSG | (sig.msg_len ? C_MSGBYTES : 0);
		if (sig.msg_len > max)
			cond |= C_MSGSIZE;
		else if (fz_ptr_faults(mk, sig.msg_len, false))
			cond |= C_BADBUF;
	}
	switch (fz_below(&wk->r, 24)) {
	case 0:		/* a message without CIPC_SIGNAL_MSG */
		if (sig.flags) {
			sig.flags = 0;
			cond &= ~(C_HASMSG | C_MSGBYTES | C_MSGSIZE | C_BADBUF);
			if (sig.msg || sig.msg_len)
				cond |= C_INVAL;
		} else {
			sig.msg_len = 1 + fz_below(&wk->r, 8);
			cond |= C_INVAL;
		}
		break;
	case 1:
		sig.flags |= 1U << (1 + fz_below(&wk->r, 31));
		cond |= C_INVAL;
		break;
	case 2:
		sig.reserved[fz_below(&wk->r, 2)] = 1ULL << fz_below(&wk->r, 64);
		cond |= C_INVAL;
		break;
	}
	if (fz_ptr_faults(ak, sizeof(sig), true))
		cond |= C_BADARG;
	p = fz_ptr(0, ak, sizeof(sig), &sig, &wk->r);
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, %s, %s{msg=%s len=%u flags=%#x reserved=%llx,%llx})",
	     fd, all ? "CIPC_IOC_COMPLETE_ALL" : "CIPC_IOC_COMPLETE",
	     fz_ptr_name(ak), sig.msg ? fz_ptr_name(mk) : "0", sig.msg_len,
	     sig.flags, (unsigned long long)sig.reserved[0],
	     (unsigned long long)sig.reserved[1]);
	ret = ioctl(f->fd, all ? CIPC_IOC_COMPLETE_ALL : CIPC_IOC_COMPLETE, p);
	fz_check(wk, kind, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (ret == 0 && all && (ak == P_GOOD || ak == P_EDGE) && !p->seq)
		fz_bad(wk, kind, "complete_all returned seq 0");
}

void fz_op_reinit(struct fz_worker *wk, struct fz_fd *f)
{
	uint32_t cond = fz_dead_cond(f);
	char fd[96];
	long ret;

	if (!(f->acc == O_WRONLY || f->acc == O_RDWR))
		cond |= C_NOTWR;
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, CIPC_IOC_REINIT)", fd);
	ret = ioctl(f->fd, CIPC_IOC_REINIT, fz_next(&wk->r));
	fz_check(wk, K_REINIT, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
}

static uint64_t fz_clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CIPC_IOC_WAIT (never longer than a few ms) or CIPC_IOC_TRYWAIT. */
void fz_op_wait(struct fz_worker *wk, struct fz_fd *f, bool try)
{
	int kind = try ? K_TRYWAIT : K_WAIT;
	uint32_t max = f->msg_max ? f->msg_max : CIPC_MSG_MAX_LIMIT;
	uint32_t cond = fz_dead_cond(f), eff;
	struct cipc_wait w = { 0 }, *p;
	enum fz_ptr ak = fz_pick_ptr(wk, 14), mk = P_GOOD;
	static const uint32_t sizes[] = { 1, 7, 64, 0, 0, 4096, 65536, ~0U,
					  1 };
	char fd[96];
	long ret;

	if (!(f->acc == O_RDONLY || f->acc == O_RDWR))
		cond |= C_NOTRD;
	if (!try) {
		switch (fz_below(&wk->r, 6)) {
		case 0:
			break;			/* try once */
		case 1:
		case 2:			/* a relative 0.1..3 ms */
			w.timeout_ns = 100000 + fz_below(&wk->r, 2900000);
			cond |= C_BLOCKS;
			break;
		default:		/* absolute: past or 0.1..2 ms ahead */
			w.flags = CIPC_WAIT_ABSTIME;
			w.clockid = fz_one_in(&wk->r, 2) ? CLOCK_MONOTONIC :
							   CLOCK_REALTIME;
			w.timeout_ns = fz_clock_ns(w.clockid);
			if (fz_one_in(&wk->r, 2)) {
				w.timeout_ns -= fz_one_in(&wk->r, 2) ?
					fz_below(&wk->r, 1000000) : w.timeout_ns;
			} else {
				w.timeout_ns += 100000 +
					fz_below(&wk->r, 1900000);
				cond |= C_BLOCKS;
			}
		}
	}
	if (!fz_one_in(&wk->r, 4)) {
		w.msg_size = sizes[fz_below(&wk->r, 9)];
		if (!w.msg_size)
			w.msg_size = fz_one_in(&wk->r, 2) ? max : max + 1;
		mk = fz_pick_ptr(wk, 8);
		if (w.msg_size == 1 && fz_one_in(&wk->r, 2) && mk != P_NULL) {
			/* a buffer of 0 bytes: nothing is copied */
			w.msg_size = 0;
			mk = fz_one_in(&wk->r, 2) ? P_RO : P_EDGE;
		}
		eff = w.msg_size < max ? w.msg_size : max;
		w.msg = (uintptr_t)fz_ptr(1, mk, eff, NULL, &wk->r);
		if (!w.msg)
			cond |= C_NULLSZ;
		else if (fz_ptr_faults(mk, eff, true))
			cond |= C_BADBUF;
	}
	switch (fz_below(&wk->r, 20)) {
	case 0:
		w.flags |= 2U << fz_below(&wk->r, 31);
		cond |= C_INVAL;
		break;
	case 1:
		w.pad = 1U << fz_below(&wk->r, 32);
		cond |= C_INVAL;
		break;
	case 2:
		w.reserved[fz_below(&wk->r, 2)] = 1ULL << fz_below(&wk->r, 64);
		cond |= C_INVAL;
		break;
	case 3:	/* a clock: without ABSTIME, or one not allowed */
		if (w.flags & CIPC_WAIT_ABSTIME)
			w.clockid = fz_one_in(&wk->r, 2) ? -1 :
				    2 + (int)fz_below(&wk->r, 10);
		else
			w.clockid = 1 + (int)fz_below(&wk->r, 11);
		cond |= C_INVAL;
		break;
	case 4:	/* TRYWAIT's timeout, flags, clockid must be 0 */
		if (try) {
			w.timeout_ns = fz_one_in(&wk->r, 2) ? 1 :
				       CIPC_TIMEOUT_FOREVER;
			cond |= C_INVAL;
		}
		break;
	}
	if (fz_ptr_faults(ak, sizeof(w), true))
		cond |= C_BADARG;
	p = fz_ptr(0, ak, sizeof(w), &w, &wk->r);
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, %s, %s{timeout_ns=%llu msg=%s msg_size=%u "
	     "flags=%#x clockid=%d pad=%#x reserved=%llx,%llx})", fd,
	     try ? "CIPC_IOC_TRYWAIT" : "CIPC_IOC_WAIT", fz_ptr_name(ak),
	     (unsigned long long)w.timeout_ns, w.msg ? fz_ptr_name(mk) : "0",
	     w.msg_size, w.flags, w.clockid, w.pad,
	     (unsigned long long)w.reserved[0],
	     (unsigned long long)w.reserved[1]);
	ret = ioctl(f->fd, try ? CIPC_IOC_TRYWAIT : CIPC_IOC_WAIT, p);
	fz_check(wk, kind, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (ret || !(ak == P_GOOD || ak == P_EDGE))
		return;
	if ((p->result & ~7U) ||
	    ((p->result & CIPC_WAIT_LATCHED) && !(p->result & CIPC_WAIT_ALL)) ||
	    (!(p->result & CIPC_WAIT_MSG) && p->msg_len) ||
	    p->msg_len > max || p->pad || p->reserved[0] || p->reserved[1] ||
	    (!p->seq && !(p->result & CIPC_WAIT_ALL)))
		fz_bad(wk, kind, "bad cipc_wait out: result %#x msg_len %u "
		       "seq %llu generation %llu", p->result, p->msg_len,
		       (unsigned long long)p->seq,
		       (unsigned long long)p->generation);
}

void fz_op_mode(struct fz_worker *wk, struct fz_fd *f, bool set)
{
	int kind = set ? K_SET_MODE : K_GET_MODE;
	enum fz_ptr k = fz_pick_ptr(wk, 12);
	uint32_t cond = fz_dead_cond(f), mode = fz_below(&wk->r, 2), *p;
	char fd[96];
	long ret;

	if (set && fz_one_in(&wk->r, 6)) {
		static const uint32_t bad[] = { 2, 3, 0x100, 0x80000000, ~0U };

		mode = bad[fz_below(&wk->r, 5)];
		cond |= C_INVAL;
	}
	if (set && !(f->acc == O_WRONLY || f->acc == O_RDWR))
		cond |= C_NOTWR;
	if (fz_ptr_faults(k, sizeof(mode), !set))
		cond |= C_BADARG;
	p = fz_ptr(0, k, sizeof(mode), &mode, &wk->r);
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, %s, %s{%#x})", fd,
	     set ? "CIPC_IOC_SET_MODE" : "CIPC_IOC_GET_MODE", fz_ptr_name(k),
	     set ? mode : 0);
	ret = ioctl(f->fd, set ? CIPC_IOC_SET_MODE : CIPC_IOC_GET_MODE, p);
	fz_check(wk, kind, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (!set && !ret && (k == P_GOOD || k == P_EDGE) && *p > 1)
		fz_bad(wk, kind, "GET_MODE returned %u", *p);
}

void fz_op_stats(struct fz_worker *wk, struct fz_fd *f, bool reset)
{
	int kind = reset ? K_RESET_STATS : K_GET_STATS;
	enum fz_ptr k = fz_pick_ptr(wk, 12);
	struct cipc_stats *p = fz_ptr(0, k, sizeof(*p), NULL, &wk->r);
	uint32_t cond = fz_dead_cond(f);
	char fd[96];
	long ret;

	if (!reset && fz_ptr_faults(k, sizeof(*p), true))
		cond |= C_BADARG;
	if (reset && wk->nopriv)
		cond |= C_NOPRIV;
	fz_desc_fd(fd, sizeof(fd), f);
	WHAT(wk, "ioctl(%s, %s, %s)", fd, reset ? "CIPC_IOC_RESET_STATS" :
	     "CIPC_IOC_GET_STATS", fz_ptr_name(k));
	ret = reset ? ioctl(f->fd, CIPC_IOC_RESET_STATS, fz_next(&wk->r)) :
		      ioctl(f->fd, CIPC_IOC_GET_STATS, p);
	fz_check(wk, kind, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (!reset && !ret && (k == P_GOOD || k == P_EDGE) &&
	    (p->reserved[0] || p->reserved[1] || p->reserved[2]))
		fz_bad(wk, kind, "cipc_stats.reserved not zero");
}
