// SPDX-License-Identifier: GPL-2.0
/*
 * Operations on channel descriptors that are not ioctls: open, close, dup,
 * read, write, poll, ppoll, epoll, fcntl.
 *
 * A worker never blocks: it reads only through descriptions with
 * O_NONBLOCK (it sets the flag first, as an fcntl operation, when a
 * description lacks it), and poll, ppoll and epoll_wait have a 0 timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "worker.h"

int fz_open_chan(unsigned int index, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	return open(path, flags | O_CLOEXEC);
}

static void fz_drop(struct fz_worker *wk, int slot)
{
	if (wk->fds[slot].fd >= 0)
		close(wk->fds[slot].fd);
	wk->fds[slot].fd = -1;
}

/* An index to act on: mostly the pool, then channels 0/1, rarely none. */
unsigned int fz_pick_index(struct fz_worker *wk, uint32_t *cond)
{
	unsigned int x = fz_below(&wk->r, 20);

	if (fz_cfg.npool && (x < 14 || !fz_cfg.nbase)) {
		*cond |= C_NOCHAN;
		return fz_cfg.pool[fz_below(&wk->r, (uint32_t)fz_cfg.npool)];
	}
	if (fz_cfg.nbase && x < 19)
		return fz_cfg.base[fz_below(&wk->r, (uint32_t)fz_cfg.nbase)];
	*cond |= C_NONODE;
	return fz_cfg.absent;
}

/* sysfs has no directory for the absent index: another one instead */
unsigned int fz_fallback_index(uint32_t *cond)
{
	*cond = fz_cfg.nbase ? 0 : C_NOCHAN;
	return fz_cfg.nbase ? fz_cfg.base[0] : fz_cfg.pool[0];
}

void fz_op_open(struct fz_worker *wk, int slot)
{
	static const int accs[] = { O_RDONLY, O_WRONLY, O_RDWR };
	uint32_t cond = 0;
	unsigned int index = fz_pick_index(wk, &cond);
	int acc = accs[fz_below(&wk->r, 3)];
	bool nonblock = fz_one_in(&wk->r, 2);
	struct fz_fd *f = &wk->fds[slot];
	int fd;

	fz_drop(wk, slot);
	WHAT(wk, "open(/dev/cipc%u, %s%s) into slot %d", index,
	     acc == O_RDONLY ? "O_RDONLY" : acc == O_WRONLY ? "O_WRONLY" :
	     "O_RDWR", nonblock ? "|O_NONBLOCK" : "", slot);
	fd = fz_open_chan(index, acc | (nonblock ? O_NONBLOCK : 0));
	if (!fz_check(wk, K_OPEN, cond, fd, errno) || fd < 0) {
		if (fd >= 0)
			close(fd);
		return;
	}
	memset(f, 0, sizeof(*f));
	f->fd = fd;
	f->index = index;
	f->acc = acc;
	f->desc = ++wk->next_desc;
	f->nonblock = nonblock;
	f->pool = fz_pool_slot(index) >= 0;
	f->id = ~0ULL;
	fz_op_info(wk, f, true);
}

static int fz_used_slot(struct fz_worker *wk)
{
	int slot = (int)fz_below(&wk->r, FZ_NFDS);

	if (wk->fds[slot].fd < 0) {
		fz_op_open(wk, slot);
		return -1;
	}
	return slot;
}

void fz_op_close(struct fz_worker *wk)
{
	int slot = fz_used_slot(wk);
	char d[96];
	long ret;

	if (slot < 0)
		return;
	fz_desc_fd(d, sizeof(d), &wk->fds[slot]);
	WHAT(wk, "close(%s)", d);
	ret = close(wk->fds[slot].fd);
	wk->fds[slot].fd = -1;
	fz_check(wk, K_CLOSE, 0, ret, errno);
}

void fz_op_dup(struct fz_worker *wk)
{
	int src = fz_used_slot(wk), dst = (int)fz_below(&wk->r, FZ_NFDS);
	char d[96];
	long ret;

	if (src < 0 || src == dst)
		return;
	fz_drop(wk, dst);
	fz_desc_fd(d, sizeof(d), &wk->fds[src]);
	WHAT(wk, "dup(%s) into slot %d", d, dst);
	ret = fcntl(wk->fds[src].fd, F_DUPFD_CLOEXEC, 0);
	if (fz_check(wk, K_DUP, 0, ret, errno) && ret >= 0) {
		wk->fds[dst] = wk->fds[src];
		wk->fds[dst].fd = (int)ret;
	} else if (ret >= 0) {
		close((int)ret);
	}
}

static size_t fz_rw_size(struct fz_worker *wk, uint32_t max)
{
	switch (fz_below(&wk->r, 12)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
	case 3:
		return max;
	case 4:
		return (size_t)max + 1;
	case 5:
		return fz_one_in(&wk->r, 2) ? 1UL << 30 : SIZE_MAX;
	default:
		return 1 + fz_below(&wk->r, max);
	}
}

void fz_op_read(struct fz_worker *wk)
{
	struct fz_fd *f = fz_pick_fd(wk);
	uint32_t max, cond;
	enum fz_ptr k;
	size_t n, eff;
	char d[96];
	void *p;
	long ret;

	if (!f)
		return;
	if (!f->nonblock) {	/* never block: set O_NONBLOCK first */
		fz_op_fcntl(wk, f, 100);
		return;
	}
	max = f->msg_max ? f->msg_max : CIPC_MSG_MAX_LIMIT;
	cond = fz_dead_cond(f);
	n = fz_rw_size(wk, max);
	k = fz_pick_ptr(wk, 8);
	eff = n < max ? n : max;
	p = fz_ptr(1, k, eff, NULL, &wk->r);
	if (!(f->acc == O_RDONLY || f->acc == O_RDWR))
		cond |= C_NOTRD;
	if (!n)
		cond |= C_LEN0;
	if (n > SSIZE_MAX)
		cond |= C_VFSRANGE;
	if (fz_ptr_kernel(k) || (n && fz_ptr_faults(k, eff, true)))
		cond |= C_BADBUF;
	fz_desc_fd(d, sizeof(d), f);
	WHAT(wk, "read(%s, %s, %zu)", d, fz_ptr_name(k), n);
	ret = read(f->fd, p, n);
	fz_check(wk, K_READ, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (ret == 0 || ret > (long)eff)
		fz_bad(wk, K_READ, "read returned %ld (1..%zu allowed)", ret,
		       eff);
}

void fz_op_write(struct fz_worker *wk)
{
	struct fz_fd *f = fz_pick_fd(wk);
	uint32_t max, cond;
	enum fz_ptr k;
	char d[96];
	size_t n;
	void *p;
	long ret;

	if (!f)
		return;
	max = f->msg_max ? f->msg_max : CIPC_MSG_MAX_LIMIT;
	cond = fz_dead_cond(f);
	n = fz_rw_size(wk, max);
	k = fz_pick_ptr(wk, 8);
	p = fz_ptr(1, k, n <= max ? n : 16, NULL, &wk->r);
	if (!(f->acc == O_WRONLY || f->acc == O_RDWR))
		cond |= C_NOTWR;
	if (n > SSIZE_MAX)
		cond |= C_VFSRANGE;
	else if (n > max)
		cond |= C_MSGSIZE;
	if (fz_ptr_kernel(k) || (n <= max && fz_ptr_faults(k, n, false)))
		cond |= C_BADBUF;
	fz_desc_fd(d, sizeof(d), f);
	WHAT(wk, "write(%s, %s, %zu)", d, fz_ptr_name(k), n);
	ret = write(f->fd, p, n);
	fz_check(wk, K_WRITE, cond, ret, errno);
	fz_saw_result(wk, f, ret, errno);
	if (ret >= 0 && (size_t)ret != n)
		fz_bad(wk, K_WRITE, "write returned %ld of %zu", ret, n);
}

/* Whether revents (of POLLIN|POLLOUT|POLLRDNORM|POLLWRNORM) can be. */
static const char *fz_bad_revents(const struct fz_fd *f, unsigned int ev,
				  unsigned int in, unsigned int out,
				  unsigned int rdnorm, unsigned int wrnorm,
				  unsigned int err, unsigned int hup)
{
	if (ev == (err | hup))
		return f && !f->pool ? "EPOLLERR|EPOLLHUP on a channel never "
				       "removed" : NULL;
	if ((ev & ~(in | out | rdnorm | wrnorm)) || !(ev & out) ||
	    !(ev & wrnorm) != !(ev & out) || !(ev & in) != !(ev & rdnorm))
		return "bad event mask (H: readable when a wait would pass; "
		       "always writable; POLLERR|POLLHUP once removed)";
	if (f && f->kdead)
		return "a removed channel polls as alive";
	return NULL;
}

void fz_op_poll(struct fz_worker *wk, bool pp)
{
	static const struct timespec zero;
	struct pollfd pfd[3];
	int slot[3], n = 1 + (int)fz_below(&wk->r, 3), i;
	char *s = wk->what;
	size_t len;
	long ret;

	for (i = 0; i < n; i++) {
		slot[i] = fz_used_slot(wk);
		if (slot[i] < 0)
			return;
		pfd[i].fd = wk->fds[slot[i]].fd;
		pfd[i].events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
		pfd[i].revents = 0;
	}
	len = (size_t)snprintf(s, sizeof(wk->what), "%s(", pp ? "ppoll" : "poll");
	for (i = 0; i < n && len < sizeof(wk->what) - 100; i++) {
		fz_desc_fd(s + len, sizeof(wk->what) - len, &wk->fds[slot[i]]);
		len = strlen(s);
		s[len++] = ' ';
	}
	snprintf(s + len, sizeof(wk->what) - len, ", timeout 0)");
	ret = pp ? ppoll(pfd, (nfds_t)n, &zero, NULL) : poll(pfd, (nfds_t)n, 0);
	if (!fz_check(wk, pp ? K_PPOLL : K_POLL, 0, ret, errno) || ret < 0)
		return;
	for (i = 0; i < n; i++) {
		struct fz_fd *f = &wk->fds[slot[i]];
		const char *why = fz_bad_revents(f, (unsigned int)pfd[i].revents,
						 POLLIN, POLLOUT, POLLRDNORM,
						 POLLWRNORM, POLLERR, POLLHUP);

		if (why) {
			fz_bad(wk, pp ? K_PPOLL : K_POLL, "cipc%u: revents %#x: "
			       "%s", f->index, (unsigned int)pfd[i].revents, why);
			return;
		}
		if (pfd[i].revents & POLLERR)
			fz_saw_result(wk, f, -1, ENODEV);
	}
	if (ret != n)
		fz_bad(wk, pp ? K_PPOLL : K_POLL, "returned %ld for %d fds, "
		       "each always with an event", ret, n);
}

void fz_op_epoll_ctl(struct fz_worker *wk)
{
	int slot = fz_used_slot(wk);
	struct epoll_event ev = { 0 };
	bool add = fz_one_in(&wk->r, 2);
	char d[96];
	long ret;

	if (slot < 0)
		return;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDNORM | EPOLLWRNORM |
		    (fz_one_in(&wk->r, 3) ? EPOLLET : 0);
	ev.data.u64 = wk->fds[slot].index |
		      (wk->fds[slot].pool ? 1ULL << 32 : 0);
	fz_desc_fd(d, sizeof(d), &wk->fds[slot]);
	WHAT(wk, "epoll_ctl(%s, %s, events %#x)", add ? "ADD" : "DEL", d,
	     ev.events);
	ret = epoll_ctl(wk->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL,
			wk->fds[slot].fd, &ev);
	fz_check(wk, K_EPOLL_CTL, add ? C_EPEXIST : C_EPMISS, ret, errno);
}

void fz_op_epoll_wait(struct fz_worker *wk)
{
	struct epoll_event ev[FZ_NFDS * 2];
	long ret;

	WHAT(wk, "epoll_wait(timeout 0)");
	ret = epoll_wait(wk->epfd, ev, FZ_NFDS * 2, 0);
	if (!fz_check(wk, K_EPOLL_WAIT, 0, ret, errno))
		return;
	for (long i = 0; i < ret; i++) {
		struct fz_fd f = { .pool = !!(ev[i].data.u64 >> 32) };
		const char *why = fz_bad_revents(&f, ev[i].events, EPOLLIN,
						 EPOLLOUT, EPOLLRDNORM,
						 EPOLLWRNORM, EPOLLERR,
						 EPOLLHUP);

		if (why) {
			fz_bad(wk, K_EPOLL_WAIT, "cipc%u: events %#x: %s",
			       (unsigned int)ev[i].data.u64, ev[i].events, why);
			return;
		}
	}
}

static void fz_set_desc_flags(struct fz_worker *wk, int desc, bool nonblock,
			      bool async)
{
	for (int i = 0; i < FZ_NFDS; i++)
		if (wk->fds[i].fd >= 0 && wk->fds[i].desc == desc) {
			wk->fds[i].nonblock = nonblock;
			wk->fds[i].async = async;
		}
}

/*
 * variant: -1 random; 100 set O_NONBLOCK. O_ASYNC signals go to this
 * process, blocked; fz_drain_signals() takes them.
 */
void fz_op_fcntl(struct fz_worker *wk, struct fz_fd *f, int variant)
{
	bool nb = f->nonblock, as = f->async;
	uint32_t cond = 0;
	char d[96];
	long ret, arg = 0;
	int cmd;

	if (variant < 0)
		variant = (int)fz_below(&wk->r, 8);
	fz_desc_fd(d, sizeof(d), f);
	switch (variant) {
	case 100:
		nb = true;
		break;
	case 1:
		nb = !nb;
		break;
	case 2:
	case 3:
		as = !as;
		if (as) {	/* an owner for the notifications */
			WHAT(wk, "fcntl(%s, F_SETOWN, %d)", d, getpid());
			ret = fcntl(f->fd, F_SETOWN, getpid());
			fz_check(wk, K_FCNTL, 0, ret, errno);
		}
		break;
	case 4:
		nb = fz_one_in(&wk->r, 2);
		as = fz_one_in(&wk->r, 2);
		break;
	}
	switch (variant) {
	case 0:
		cmd = F_GETFL;
		WHAT(wk, "fcntl(%s, F_GETFL)", d);
		break;
	case 5:
		cmd = F_SETOWN;
		arg = fz_one_in(&wk->r, 4) ? 0 : getpid();
		WHAT(wk, "fcntl(%s, F_SETOWN, %ld)", d, arg);
		break;
	case 6: {
		static const int sigs[] = { 0, SIGIO, 1, 2, 3 };

		cmd = F_SETSIG;
		arg = sigs[fz_below(&wk->r, 5)];
		if (arg > 0 && arg < 4)
			arg += SIGRTMIN;
		WHAT(wk, "fcntl(%s, F_SETSIG, %ld)", d, arg);
		break;
	}
	case 7:
		cmd = fz_one_in(&wk->r, 2) ? F_GETOWN : F_GETSIG;
		WHAT(wk, "fcntl(%s, %s)", d, cmd == F_GETOWN ? "F_GETOWN" :
		     "F_GETSIG");
		break;
	default:
		cmd = F_SETFL;
		arg = (nb ? O_NONBLOCK : 0) | (as ? O_ASYNC : 0);
		if (as && !f->async)
			cond = C_ASYNCON | fz_dead_cond(f);
		WHAT(wk, "fcntl(%s, F_SETFL, %s%s)", d,
		     nb ? "O_NONBLOCK" : "0", as ? "|O_ASYNC" : "");
	}
	ret = fcntl(f->fd, cmd, arg);
	fz_check(wk, K_FCNTL, cond, ret, errno);
	if (cmd == F_SETFL) {
		fz_saw_result(wk, f, ret, errno);
		if (ret >= 0)
			fz_set_desc_flags(wk, f->desc, nb, as);
	} else if (cmd == F_GETFL && ret >= 0 &&
		   (!(ret & O_NONBLOCK) != !f->nonblock ||
		    !(ret & O_ASYNC) != !f->async ||
		    (ret & O_ACCMODE) != f->acc)) {
		fz_bad(wk, K_FCNTL, "F_GETFL %#lx: flags not as set", ret);
	}
}
