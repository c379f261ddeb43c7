// SPDX-License-Identifier: GPL-2.0
/*
 * The control device (CIPC_CTL_INFO, _ADD, _REMOVE), and commands in and
 * around the magic on both devices.
 *
 * Channels: the fuzzer adds and removes only at the indexes of its pool
 * (main.c chose free ones). An add at the lowest free index that lands
 * outside the pool is removed at once, by id; the index is kept in shared
 * memory meanwhile so that the parent removes it should the worker die.
 * Any other index is only ever the target of removals that cannot succeed
 * (an id whose index is another, or an index >= max_channels).
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

static int fz_ctl_fd(struct fz_worker *wk, uint32_t *cond, const char **name)
{
	switch (fz_below(&wk->r, 14)) {
	case 0:
		*cond |= C_NOTWR;
		*name = "ctl(r)";
		return wk->ctl_ro;
	case 1:
		*name = "ctl(w)";
		return wk->ctl_wo;
	default:
		*name = "ctl(rw)";
		return wk->ctl_rw;
	}
}

void fz_op_ctl_info(struct fz_worker *wk)
{
	enum fz_ptr k = fz_pick_ptr(wk, 8);
	struct cipc_ctl_info *p = fz_ptr(0, k, sizeof(*p), NULL, &wk->r);
	const struct cipc_ctl_info *c = &fz_cfg.ctl;
	uint32_t cond = 0;
	const char *name;
	int fd = fz_ctl_fd(wk, &cond, &name);
	long ret;

	cond = fz_ptr_faults(k, sizeof(*p), true) ? C_BADARG : 0;
	WHAT(wk, "ioctl(%s, CIPC_CTL_INFO, %s)", name, fz_ptr_name(k));
	ret = ioctl(fd, CIPC_CTL_INFO, p);
	fz_check(wk, K_CTL_INFO, cond, ret, errno);
	if (ret || !(k == P_GOOD || k == P_EDGE))
		return;
	if (p->abi_version != CIPC_ABI_VERSION ||
	    p->max_channels != c->max_channels || p->msg_max != c->msg_max ||
	    p->queue_depth != c->queue_depth ||
	    p->max_waiters != c->max_waiters ||
	    p->channels > p->max_channels || p->reserved[0] ||
	    p->reserved[1] || p->reserved[2] || p->reserved[3] ||
	    p->reserved[4])
		fz_bad(wk, K_CTL_INFO, "bad cipc_ctl_info: abi %u channels %u/%u "
		       "msg_max %u queue_depth %u max_waiters %u",
		       p->abi_version, p->channels, p->max_channels,
		       p->msg_max, p->queue_depth, p->max_waiters);
}

/* Removes a channel added outside the pool; it must go. */
static void fz_remove_temp(struct fz_worker *wk, unsigned int index,
			   uint64_t id)
{
	struct cipc_ctl_channel req = { .index = index, .id = id,
					.flags = CIPC_REMOVE_ID };
	int t;
	long ret;

	for (t = 0; t < FZ_TEMP_MAX && wk->st->temp_index[t]; t++)
		;
	if (t < FZ_TEMP_MAX) {
		wk->st->temp_id[t] = id;
		__atomic_store_n(&wk->st->temp_index[t], index + 1,
				 __ATOMIC_SEQ_CST);
	}
	WHAT(wk, "ioctl(ctl(rw), CIPC_CTL_REMOVE, {index=%u id=%llu "
	     "REMOVE_ID}): the channel added outside the pool", index,
	     (unsigned long long)id);
	ret = ioctl(wk->ctl_rw, CIPC_CTL_REMOVE, &req);
	fz_check(wk, K_CTL_REMOVE, 0, ret, errno);
	if (t < FZ_TEMP_MAX)
		__atomic_store_n(&wk->st->temp_index[t], 0, __ATOMIC_SEQ_CST);
}

static uint32_t fz_pick_param(struct fz_worker *wk, const uint32_t *v)
{
	return v[fz_below(&wk->r, 8)];
}

void fz_op_ctl_add(struct fz_worker *wk)
{
	static const uint32_t msg[] = { 0, 0, 1, 7, 64, 256, 300, 4096 };
	static const uint32_t qd[] = { 0, 0, 1, 2, 3, 16, 64, 1024 };
	static const uint32_t mw[] = { 0, 0, 1, 2, 3, 8, 256, 65536 };
	const struct fz_config *c = &fz_cfg;
	struct cipc_ctl_channel req = { 0 }, *p;
	unsigned int x = fz_below(&wk->r, 20);
	uint32_t cond = 0;
	const char *name;
	int fd = fz_ctl_fd(wk, &cond, &name);
	enum fz_ptr k = fz_pick_ptr(wk, 12);
	long ret;

	req.msg_max = fz_pick_param(wk, msg);
	req.queue_depth = fz_pick_param(wk, qd);
	req.max_waiters = fz_pick_param(wk, mw);
	/* big pools are slow to allocate: rarely both dimensions large */
	if (req.msg_max > 1024 && req.queue_depth > 64)
		req.queue_depth = 16;
	if (x < 10 && c->npool) {
		req.flags = CIPC_ADD_INDEX;
		req.index = c->pool[fz_below(&wk->r, (uint32_t)c->npool)];
		cond |= C_TAKEN;
	} else if (x < 13 || (x == 13 && !c->nbase)) {
		if (c->mayfull)
			cond |= C_MAYFULL;
	} else if (x == 13) {
		req.flags = CIPC_ADD_INDEX;
		req.index = c->base[fz_below(&wk->r, (uint32_t)c->nbase)];
		cond |= C_KTAKEN;
	} else if (x == 14) {
		static const uint32_t far[] = { 0, 1, 1000, ~0U - 1 };

		req.flags = CIPC_ADD_INDEX;
		req.index = c->ctl.max_channels + far[fz_below(&wk->r, 4)];
		if (req.index < c->ctl.max_channels)	/* wrapped */
			req.index = ~0U;
		cond |= C_RANGE;
	} else {
		req.flags = CIPC_ADD_INDEX;
		req.index = c->npool ? c->pool[0] : c->ctl.max_channels;
		cond |= C_INVAL | (c->npool ? C_TAKEN : C_RANGE);
		switch (fz_below(&wk->r, 9)) {
		case 0:
			req.id = 1ULL << fz_below(&wk->r, 64);
			break;
		case 1:
			req.pad = 1U << fz_below(&wk->r, 32);
			break;
		case 2:
			req.reserved[fz_below(&wk->r, 2)] = 1;
			break;
		case 3:
			req.flags |= 2U << fz_below(&wk->r, 31);
			break;
		case 4:	/* an index without CIPC_ADD_INDEX */
			req.flags = 0;
			req.index = req.index ? req.index : 1;
			break;
		case 5:
			req.msg_max = CIPC_MSG_MAX_LIMIT + 1 +
				      fz_below(&wk->r, 2) * (~0U - 4097);
			break;
		case 6:
			req.queue_depth = CIPC_QUEUE_DEPTH_LIMIT + 1;
			break;
		case 7:
			req.max_waiters = CIPC_MAX_WAITERS_LIMIT + 1;
			break;
		default:
			req.max_waiters = ~0U;
			break;
		}
	}
	if (fz_ptr_faults(k, sizeof(req), true))
		cond |= C_BADARG;
	if (wk->nopriv)		/* H: checked before anything else */
		cond = C_NOPRIV;
	p = fz_ptr(0, k, sizeof(req), &req, &wk->r);
	WHAT(wk, "ioctl(%s, CIPC_CTL_ADD, %s{index=%u flags=%#x msg_max=%u "
	     "queue_depth=%u max_waiters=%u id=%llu pad=%#x reserved=%llx,%llx})",
	     name, fz_ptr_name(k), req.index, req.flags, req.msg_max,
	     req.queue_depth, req.max_waiters, (unsigned long long)req.id,
	     req.pad, (unsigned long long)req.reserved[0],
	     (unsigned long long)req.reserved[1]);
	ret = ioctl(fd, CIPC_CTL_ADD, p);
	fz_check(wk, K_CTL_ADD, cond, ret, errno);
	if (ret || k == P_STRADDLE)
		return;
	if (p->id % c->ctl.max_channels != p->index ||
	    ((req.flags & CIPC_ADD_INDEX) && p->index != req.index) ||
	    p->msg_max != (req.msg_max ? req.msg_max : c->ctl.msg_max) ||
	    p->queue_depth != (req.queue_depth ? req.queue_depth :
			       c->ctl.queue_depth) ||
	    p->max_waiters != (req.max_waiters ? req.max_waiters :
			       c->ctl.max_waiters))
		fz_bad(wk, K_CTL_ADD, "returned index %u id %llu msg_max %u "
		       "queue_depth %u max_waiters %u", p->index,
		       (unsigned long long)p->id, p->msg_max, p->queue_depth,
		       p->max_waiters);
	if (fz_pool_slot(p->index) >= 0)
		fz_note_id(wk, p->index, p->id);
	else if (p->index < c->ctl.max_channels)
		fz_remove_temp(wk, p->index, p->id);
}

void fz_op_ctl_remove(struct fz_worker *wk)
{
	const struct fz_config *c = &fz_cfg;
	struct cipc_ctl_channel req = { 0 }, *p;
	unsigned int x = fz_below(&wk->r, 20), max = c->ctl.max_channels;
	uint32_t cond = 0;
	const char *name = "ctl(rw)";
	int fd = wk->ctl_rw, s = c->npool ? (int)fz_below(&wk->r,
						(uint32_t)c->npool) : -1;
	enum fz_ptr k = fz_pick_ptr(wk, 12);
	long ret;

	if (s < 0 && x < 12)
		x = 14;
	if (x < 6) {			/* a pool index */
		req.index = c->pool[s];
		cond |= C_NOCHAN;
	} else if (x < 10) {		/* by the id last seen there */
		req.index = c->pool[s];
		req.flags = CIPC_REMOVE_ID;
		req.id = wk->pool_id_known[s] ? wk->pool_id[s] :
			 req.index + (uint64_t)max * fz_below(&wk->r, 4);
		cond |= C_NOCHAN | C_STALE;
	} else if (x < 12) {		/* by an id known removed */
		int i, n = wk->ndead < FZ_DEAD_IDS ? wk->ndead : FZ_DEAD_IDS;

		req.flags = CIPC_REMOVE_ID;
		req.index = c->pool[s];
		req.id = req.index + 1;	/* another index's: cannot match */
		for (i = 0; n && i < 4; i++) {
			int j = (int)fz_below(&wk->r, (uint32_t)n);

			if (wk->dead_idx[j] == req.index) {
				req.id = wk->dead_id[j];
				break;
			}
		}
		cond |= C_NOCHAN | C_KSTALE;
	} else if (x < 14) {		/* not ours: an id that cannot match */
		req.flags = CIPC_REMOVE_ID;
		req.index = x == 12 && c->nbase ? c->base[0] :
			    fz_below(&wk->r, max);
		if (fz_pool_slot(req.index) >= 0)
			req.index = c->nbase ? c->base[0] : max;
		req.id = req.index + 1 + (uint64_t)max * fz_below(&wk->r, 3);
		cond |= C_KSTALE;
		if (!c->nbase || (req.index != c->base[0] &&
				  (c->nbase < 2 || req.index != c->base[1])))
			cond |= C_NOCHAN;	/* may or may not exist */
		if (max == 1 || req.index >= max) {
			req.flags = 0;
			req.id = 0;
			req.index = max;
			cond = C_RANGE;
		}
	} else if (x == 14) {
		static const uint32_t far[] = { 0, 1, 4096, ~0U - 1 };

		req.index = max + far[fz_below(&wk->r, 4)];
		if (req.index < max)
			req.index = ~0U;
		if (fz_one_in(&wk->r, 2)) {
			req.flags = CIPC_REMOVE_ID;
			req.id = fz_next(&wk->r);
		}
		cond |= C_RANGE;
	} else {
		req.index = s >= 0 ? c->pool[s] : max;
		cond |= C_NOCHAN | (s < 0 ? C_RANGE : 0);
		if (x == 19) {
			name = "ctl(r)";
			fd = wk->ctl_ro;
			cond |= C_NOTWR;
		} else {
			cond |= C_INVAL;
			switch (fz_below(&wk->r, 8)) {
			case 0:
				req.id = 1 + fz_below(&wk->r, 1000);
				break;
			case 1:
				req.msg_max = 1;
				break;
			case 2:
				req.queue_depth = 1;
				break;
			case 3:
				req.max_waiters = 1;
				break;
			case 4:
				req.pad = 1;
				break;
			case 5:
				req.reserved[fz_below(&wk->r, 2)] = 1;
				break;
			case 6:
				req.flags = CIPC_ADD_INDEX;
				break;
			default:
				req.flags = 4U << fz_below(&wk->r, 30);
			}
		}
	}
	if (fz_ptr_faults(k, sizeof(req), false))
		cond |= C_BADARG;
	if (wk->nopriv)		/* H: checked before anything else */
		cond = C_NOPRIV;
	p = fz_ptr(0, k, sizeof(req), &req, &wk->r);
	WHAT(wk, "ioctl(%s, CIPC_CTL_REMOVE, %s{index=%u flags=%#x id=%llu "
	     "msg_max=%u queue_depth=%u max_waiters=%u pad=%#x "
	     "reserved=%llx,%llx})", name, fz_ptr_name(k), req.index,
	     req.flags, (unsigned long long)req.id, req.msg_max,
	     req.queue_depth, req.max_waiters, req.pad,
	     (unsigned long long)req.reserved[0],
	     (unsigned long long)req.reserved[1]);
	ret = ioctl(fd, CIPC_CTL_REMOVE, p);
	fz_check(wk, K_CTL_REMOVE, cond, ret, errno);
	if (!ret && (req.flags & CIPC_REMOVE_ID))
		fz_note_dead_id(wk, req.index, req.id);
	else if (!ret && s >= 0 && req.index == c->pool[s] &&
		 wk->pool_id_known[s])
		fz_note_dead_id(wk, req.index, wk->pool_id[s]);
	if (!ret && s >= 0 && req.index == c->pool[s])
		wk->pool_id_known[s] = false;
	if (!ret)
		fz_removed_index(wk, req.index);
}

/* ---- commands in and around the magic --------------------------------- */

static const unsigned int fz_chan_cmds[] = {
	CIPC_IOC_INFO, CIPC_IOC_COMPLETE, CIPC_IOC_COMPLETE_ALL,
	CIPC_IOC_REINIT, CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT, CIPC_IOC_GET_MODE,
	CIPC_IOC_SET_MODE, CIPC_IOC_GET_STATS, CIPC_IOC_RESET_STATS,
};
static const unsigned int fz_ctl_cmds[] = {
	CIPC_CTL_ADD, CIPC_CTL_REMOVE, CIPC_CTL_INFO,
};
#define NCHAN (sizeof(fz_chan_cmds) / sizeof(fz_chan_cmds[0]))
#define NCTL (sizeof(fz_ctl_cmds) / sizeof(fz_ctl_cmds[0]))

/* Types of commands the VFS answers itself, before the driver. */
static bool fz_vfs_type(unsigned int type)
{
	return type == 0x00 || type == 0x15 || type == 'T' || type == 'X' ||
	       type == 'f' || type == 0x94;
}

static bool fz_is_own(unsigned int cmd, bool control)
{
	const unsigned int *own = control ? fz_ctl_cmds : fz_chan_cmds;
	size_t n = control ? NCTL : NCHAN;

	for (size_t i = 0; i < n; i++)
		if (own[i] == cmd)
			return true;
	return false;
}

static unsigned int fz_any_cmd(struct fz_worker *wk)
{
	unsigned int i = fz_below(&wk->r, NCHAN + NCTL);

	return i < NCHAN ? fz_chan_cmds[i] : fz_ctl_cmds[i - NCHAN];
}

static unsigned int fz_bad_cmd(struct fz_worker *wk, bool control)
{
	unsigned int c = fz_any_cmd(wk), dir = _IOC_DIR(c), nr = _IOC_NR(c);
	unsigned int size = _IOC_SIZE(c), type = CIPC_IOC_MAGIC;

	switch (fz_below(&wk->r, 7)) {
	case 0:	/* an unknown number */
		do
			nr = fz_below(&wk->r, 256);
		while (nr <= 0x0a || (nr >= 0x40 && nr <= 0x42));
		if (fz_one_in(&wk->r, 4))
			nr = 0x06;	/* retired */
		dir = fz_below(&wk->r, 4);
		size = fz_one_in(&wk->r, 2) ? size : fz_below(&wk->r, 0x4000);
		break;
	case 1:	/* another size */
		size = fz_one_in(&wk->r, 2) ? size ^ (1U << fz_below(&wk->r, 14))
					    : fz_below(&wk->r, 0x4000);
		break;
	case 2:	/* another direction */
		dir ^= 1 + fz_below(&wk->r, 3);
		break;
	case 3:	/* a neighbouring magic */
		type = fz_one_in(&wk->r, 2) ? CIPC_IOC_MAGIC - 1 :
					      CIPC_IOC_MAGIC + 1;
		break;
	case 4:	/* anything */
		do
			c = (uint32_t)fz_next(&wk->r);
		while (fz_vfs_type(_IOC_TYPE(c)) || _IOC_TYPE(c) == CIPC_IOC_MAGIC);
		return c;
	case 5:	/* the other device's */
		return control ? fz_chan_cmds[fz_below(&wk->r, NCHAN)] :
				 fz_ctl_cmds[fz_below(&wk->r, NCTL)];
	default:
		size = fz_below(&wk->r, 0x4000);
		dir ^= 1 + fz_below(&wk->r, 3);
	}
	c = _IOC(dir & 3, type, nr, size & 0x3fff);
	if (fz_is_own(c, control))
		c ^= 1U << _IOC_SIZESHIFT;
	return c;
}

void fz_op_badcmd(struct fz_worker *wk, bool control)
{
	static uint64_t zeroes[CIPC_MSG_MAX_LIMIT / 8];
	struct fz_fd *f = NULL;
	uint32_t cond = C_BADCMD;
	unsigned int cmd;
	char d[96];
	void *arg;
	long ret;
	int fd;

	if (!control) {
		f = fz_pick_fd(wk);
		if (!f)
			return;
		cond |= fz_dead_cond(f);
		fz_desc_fd(d, sizeof(d), f);
		fd = f->fd;
	} else {
		snprintf(d, sizeof(d), "ctl(rw)");
		fd = wk->ctl_rw;
	}
	cmd = fz_bad_cmd(wk, control);
	/* A harmless argument, should the driver use it; or a bad one. */
	arg = fz_one_in(&wk->r, 4) ? fz_ptr(0, fz_pick_ptr(wk, 1), 64, NULL,
					    &wk->r) :
	      memset(zeroes, 0, sizeof(zeroes));
	WHAT(wk, "ioctl(%s, %#x (type %#x nr %#x size %u dir %u))", d, cmd,
	     _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd), _IOC_DIR(cmd));
	ret = ioctl(fd, cmd, arg);
	fz_check(wk, control ? K_CTL_BADCMD : K_BADCMD, cond, ret, errno);
	if (f)
		fz_saw_result(wk, f, ret, errno);
}
