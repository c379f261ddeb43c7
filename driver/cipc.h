/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cipc: kernel completions as a user-space IPC primitive.
 *
 * Internal interfaces shared by the files of the driver:
 *   main.c    module parameters, chrdev region, class, the registry of
 *             channels: adding and removing them, their ids
 *   channel.c the channel object: lifetime, signal, wait, reinit
 *   fops.c    open/release/read/write/poll/fasync of /dev/cipcN
 *   ioctl.c   the ioctl handler of /dev/cipcN (uapi/linux/cipc.h)
 *   control.c /dev/cipc-control: its ioctl handler (add, remove, info)
 *   sysfs.c   /sys/class/cipc/cipcN/ attributes
 *   cipc_trace.h the trace events (trace system "cipc"); trace.c defines
 *             them
 */
#ifndef CIPC_H
#define CIPC_H

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>

#include "../uapi/linux/cipc.h"
#include "compat/compat.h"

#define CIPC_NAME		"cipc"
/* CIPC_VERSION: the project's one version, from ../VERSION (see Kbuild). */
#ifndef CIPC_VERSION
#error "CIPC_VERSION must be defined (driver/Kbuild reads ../VERSION)"
#endif
/* Minors reserved for channels: the max_channels parameter is at most this. */
#define CIPC_MINORS		1024U

/* Counters; the order is the order of the fields of struct cipc_stats. */
enum cipc_stat {
	CIPC_STAT_COMPLETE,
	CIPC_STAT_COMPLETE_ALL,
	CIPC_STAT_REINIT,
	CIPC_STAT_WAIT,
	CIPC_STAT_WOKEN,
	CIPC_STAT_TIMEOUT,
	CIPC_STAT_INTERRUPTED,
	CIPC_STAT_AGAIN,
	CIPC_STAT_BYTES_IN,
	CIPC_STAT_BYTES_OUT,
	CIPC_STAT_NR,
};

/**
 * struct cipc_channel - one completion channel, /dev/cipcN
 * @ref:         references: one held by the registry while the channel is
 *               live, one by every open file; the last put frees it
 * @id:          seq * max_channels + @index (see uapi/linux/cipc.h)
 * @index:       N of /dev/cipcN
 * @msg_max:     size of @msg
 * @lock:        protects the fields below up to @msg_len, @msg, and the
 *               wait counters of @stats (see cipc_stats_reset()); never held
 *               across anything that sleeps or faults
 * @done:        the completion itself
 * @inflight:    admitted waiters: tasks inside wait_for_completion_*() on
 *               @done, or about to enter it
 * @held:        waiters held back by a reinit in progress (see cipc_admit())
 * @gate_seq:    number of reinits that ended, admitting the held waiters
 * @draining:    a reinit waits for released waiters to leave
 * @dead:        unregistered: every operation fails with -ENODEV
 * @mode:        CIPC_MODE_ONE or CIPC_MODE_ALL, used by write(2)
 * @generation:  number of reinits
 * @msg_len:     length of the current message
 * @reinit_lock: serialises reinits (they may sleep while draining)
 * @wq:          poll waiters, the draining reinit and held waiters; woken
 *               after every change of state
 * @fasync:      files with O_ASYNC: signalled on every complete and
 *               complete_all, and on removal
 * @stats:       counters, see enum cipc_stat
 * @msg:         the current message
 */
struct cipc_channel {
	struct kref ref;
	u64 id;
	unsigned int index;
	u32 msg_max;

	spinlock_t lock;		/* see above */
	struct completion done;
	unsigned int inflight;
	unsigned int held;
	unsigned int gate_seq;
	bool draining;
	bool dead;
	u32 mode;
	u64 generation;
	u32 msg_len;

	struct mutex reinit_lock;	/* serialises reinits */
	wait_queue_head_t wq;
	struct fasync_struct *fasync;
	atomic64_t stats[CIPC_STAT_NR];
	u8 msg[];
};

/**
 * struct cipc_rcv - what a wait that passed hands back
 * @buf:        kernel buffer for the message, or NULL
 * @size:       its size; a longer message is truncated
 * @len:        out: the full length of the message
 * @generation: out: the channel's generation when the wait ended
 *
 * The message and the generation are read in the same critical section
 * that ends the wait, so they belong together.
 */
struct cipc_rcv {
	u8 *buf;
	u32 size;
	u32 len;
	u64 generation;
};

/* How cipc_signal() signals. */
enum cipc_how {
	CIPC_HOW_ONE = CIPC_MODE_ONE,
	CIPC_HOW_ALL = CIPC_MODE_ALL,
	CIPC_HOW_MODE,			/* as the channel's mode says */
};

/* main.c */
extern const struct file_operations cipc_fops;
struct cipc_channel *cipc_channel_lookup(unsigned int index);
int cipc_channel_add(struct cipc_ctl_channel *req);
int cipc_channel_remove(const struct cipc_ctl_channel *req);
void cipc_ctl_info(struct cipc_ctl_info *info);

/* channel.c */
struct cipc_channel *cipc_channel_alloc(u32 msg_max);
void cipc_channel_put(struct cipc_channel *ch);
void cipc_channel_kill(struct cipc_channel *ch);
int cipc_signal(struct cipc_channel *ch, enum cipc_how how,
		const u8 *msg, u32 len, bool set_msg);
int cipc_wait(struct cipc_channel *ch, long timeout, bool nonblock,
	      struct cipc_rcv *rcv);
int cipc_reinit(struct cipc_channel *ch);
u32 cipc_count(struct cipc_channel *ch);
unsigned int cipc_waiters(const struct cipc_channel *ch);
bool cipc_ready(struct cipc_channel *ch);
int cipc_set_mode(struct cipc_channel *ch, u32 mode);
void cipc_info(struct cipc_channel *ch, struct cipc_info *info);
void cipc_stats_read(struct cipc_channel *ch, struct cipc_stats *st);
void cipc_stats_reset(struct cipc_channel *ch);

static inline void cipc_stat_add(struct cipc_channel *ch, enum cipc_stat s,
				 u64 n)
{
	atomic64_add(n, &ch->stats[s]);
}

static inline void cipc_stat_inc(struct cipc_channel *ch, enum cipc_stat s)
{
	atomic64_inc(&ch->stats[s]);
}

/* fops.c */
int cipc_user_signal(struct cipc_channel *ch, enum cipc_how how,
		     const void __user *umsg, size_t len);
ssize_t cipc_user_wait(struct cipc_channel *ch, long timeout, bool nonblock,
		       void __user *umsg, size_t size, struct cipc_rcv *rcv);
long cipc_timeout(u64 ns);

/* ioctl.c */
long cipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* control.c */
int cipc_control_register(void);
void cipc_control_unregister(void);

/* sysfs.c */
extern const struct attribute_group *cipc_channel_groups[];

#endif /* CIPC_H */
