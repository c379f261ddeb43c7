/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of one worker process, shared by ops.c (dispatch, checks,
 * storms), chanops.c (channel ioctls), fileops.c (descriptors, read/write,
 * poll, fcntl), sysfs.c, ctlops.c (the control device, unknown commands)
 * and child.c (blocking children).
 */
#ifndef CIPC_FUZZ_WORKER_H
#define CIPC_FUZZ_WORKER_H

#include <stdio.h>

#include "fuzz.h"

/* A channel descriptor the worker holds. */
struct fz_fd {
	int fd;			/* -1: free slot */
	unsigned int index;	/* /dev/cipcN */
	int acc;		/* O_RDONLY, O_WRONLY, O_RDWR */
	int desc;		/* the open file description; dup()s share it */
	bool nonblock;		/* O_NONBLOCK of the description */
	bool async;		/* O_ASYNC of the description */
	bool pool;		/* a channel of the pool: may be removed */
	bool kdead;		/* known removed: ENODEV seen */
	uint32_t msg_max;	/* 0: not known (the channel is gone) */
	uint64_t id;
};

#define FZ_DEAD_IDS	32

struct fz_worker {
	int w;
	struct fz_wstats *st;
	struct fz_rng r;	/* this operation's generator */
	uint64_t opno;
	bool stop;
	bool nopriv;		/* CAP_SYS_ADMIN dropped for this operation */
	struct fz_fd fds[FZ_NFDS];
	int next_desc;
	int ctl_rw, ctl_ro, ctl_wo;
	int epfd;
	int storm_fd;		/* O_RDWR on the storm's channel, or -1 */
	int storm_slot;		/* which pool channel */
	uint64_t storm_round;
	uint32_t storm_msg_max;	/* 0: the channel is gone */
	uint64_t storm_id;
	/* the last id seen at each pool index, and ids known removed */
	uint64_t pool_id[FZ_MAX_POOL];
	bool pool_id_known[FZ_MAX_POOL];
	uint64_t dead_id[FZ_DEAD_IDS];
	unsigned int dead_idx[FZ_DEAD_IDS];
	int ndead;
	char what[768];		/* this operation, for --verbose and FAIL */
};

/* ops.c */
#define WHAT(wk, ...) snprintf((wk)->what, sizeof((wk)->what), __VA_ARGS__)
/* Checks a result (ret < 0: failed with err); counts it; false if bad. */
bool fz_check(struct fz_worker *wk, int kind, uint32_t cond, long ret,
	      int err);
/* An invariant broken that is not an errno. */
void fz_bad(struct fz_worker *wk, int kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
uint32_t fz_dead_cond(const struct fz_fd *f);
void fz_saw_result(struct fz_worker *wk, struct fz_fd *f, long ret, int err);
struct fz_fd *fz_pick_fd(struct fz_worker *wk);
int fz_pool_slot(unsigned int index);
void fz_removed_index(struct fz_worker *wk, unsigned int index);
void fz_note_id(struct fz_worker *wk, unsigned int index, uint64_t id);
void fz_note_dead_id(struct fz_worker *wk, unsigned int index, uint64_t id);
enum fz_ptr fz_pick_ptr(struct fz_worker *wk, unsigned int bad_in);

/* chanops.c */
void fz_desc_fd(char *buf, size_t n, const struct fz_fd *f);
void fz_op_info(struct fz_worker *wk, struct fz_fd *f, bool learn);
void fz_op_signal(struct fz_worker *wk, struct fz_fd *f, bool all);
void fz_op_reinit(struct fz_worker *wk, struct fz_fd *f);
void fz_op_wait(struct fz_worker *wk, struct fz_fd *f, bool try);
void fz_op_mode(struct fz_worker *wk, struct fz_fd *f, bool set);
void fz_op_stats(struct fz_worker *wk, struct fz_fd *f, bool reset);

/* fileops.c */
unsigned int fz_pick_index(struct fz_worker *wk, uint32_t *cond);
unsigned int fz_fallback_index(uint32_t *cond);
int fz_open_chan(unsigned int index, int flags);
void fz_op_open(struct fz_worker *wk, int slot);
void fz_op_close(struct fz_worker *wk);
void fz_op_dup(struct fz_worker *wk);
void fz_op_read(struct fz_worker *wk);
void fz_op_write(struct fz_worker *wk);
void fz_op_poll(struct fz_worker *wk, bool ppoll_);
void fz_op_epoll_ctl(struct fz_worker *wk);
void fz_op_epoll_wait(struct fz_worker *wk);
void fz_op_fcntl(struct fz_worker *wk, struct fz_fd *f, int variant);

/* sysfs.c */
void fz_op_sysfs_read(struct fz_worker *wk);
void fz_op_sysfs_write(struct fz_worker *wk);

/* ctlops.c */
void fz_op_ctl_info(struct fz_worker *wk);
void fz_op_ctl_add(struct fz_worker *wk);
void fz_op_ctl_remove(struct fz_worker *wk);
void fz_op_badcmd(struct fz_worker *wk, bool control);

/* child.c */
void fz_op_child(struct fz_worker *wk);

#endif /* CIPC_FUZZ_WORKER_H */
