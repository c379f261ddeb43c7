/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cipc: kernel completions as a user-space IPC primitive.
 *
 * Internal interfaces shared by the files of the driver:
 *   main.c    module parameters, chrdev region, class, the registry of
 *             channels: adding and removing them, their ids
 *   channel.c the channel object: lifetime, signal, reinit, state
 *   queue.c   the message queue and its pool of message slots
 *   wait.c    waiting: admission, deadlines, the files' latches, removal
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
#include <linux/ktime.h>
#include <linux/list.h>
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
	CIPC_STAT_FULL,
	CIPC_STAT_DISCARDED,
	CIPC_STAT_REFUSED,
	CIPC_STAT_NR,
};

/* A slot index that is no slot: a signal without a message, or empty. */
#define CIPC_SLOT_NONE		U16_MAX

/**
 * struct cipc_slot - a message buffer of the channel's pool
 * @ref: references, under ch->lock: the queue entry or the latest
 *       complete_all that holds it, and every reader copying it out
 * @len: length of the message
 * @data: the message, msg_max bytes
 */
struct cipc_slot {
	u32 ref;
	u32 len;
	u8 data[];
};

/**
 * struct cipc_qent - an entry of the message queue
 * @plain: message-less complete()s queued before this entry's message
 * @seq:   sequence number of this entry's message
 * @slot:  its slot, or CIPC_SLOT_NONE for an empty message
 */
struct cipc_qent {
	u32 plain;
	u16 slot;
	u64 seq;
};

/**
 * struct cipc_queue - the complete()s not yet taken, in order, with their
 *                     messages; and the pool of message slots
 *
 * Every complete() adds one item, every wait that takes a count removes
 * the oldest: @items of them, whose sequence numbers are @head_seq and
 * up. Items with a message (possibly empty) are entries of the ring @ent;
 * @reserved slots are being filled by complete()s and count against
 * @depth, so that two slots always remain for complete_all();
 * runs of message-less items are counted in the entry that follows them,
 * or in @plain_tail after the last one. A slot holds one message; the
 * pool has @depth + 2 of them: one per queued message, the message of the
 * latest complete_all(), and one that a reader may still be copying out
 * while a new complete_all() takes another.
 *
 * Everything is under ch->lock.
 */
struct cipc_queue {
	u32 depth;
	u32 nslots;
	u32 stride;
	u32 head;
	u32 len;
	u32 plain_tail;
	u32 reserved;
	u64 items;
	u64 head_seq;
	u32 nfree;
	u16 *free;
	struct cipc_qent *ent;
	u8 *pool;
};

/* Messages up to this size leave the channel through the waiter's stack. */
#define CIPC_BOUNCE_SIZE	256

/**
 * struct cipc_item - what a wait took from the channel
 * @slot:       the message's slot, with a reference, or CIPC_SLOT_NONE
 * @len:        length of the message (0 without one)
 * @want:       in: bytes of the message the caller will copy out
 * @bounced:    the first min(@len, @want) bytes are in @bounce, and no
 *              slot is held
 * @seq:        sequence number of the signal
 * @generation: generation of the signal
 * @result:     CIPC_WAIT_* flags of uapi/linux/cipc.h
 * @bounce:     a copy of a message short enough
 */
struct cipc_item {
	u16 slot;
	u32 len;
	u32 want;
	bool bounced;
	u64 seq;
	u64 generation;
	u32 result;
	u8 bounce[CIPC_BOUNCE_SIZE];
};

/**
 * struct cipc_channel - one completion channel, /dev/cipcN
 * @ref:         references: one held by the registry while the channel is
 *               live, one by every open file; the last put frees it
 * @id:          seq * max_channels + @index (see uapi/linux/cipc.h)
 * @index:       N of /dev/cipcN
 * @msg_max:     size of a message slot
 * @max_waiters: most tasks blocked at once
 * @lock:        protects the fields below up to @queue, and the wait
 *               counters of @stats (see cipc_stats_reset()); never held
 *               across anything that sleeps or faults
 * @done:        the completion itself
 * @all:         complete_all() in effect: done is UINT_MAX
 * @inflight:    admitted waiters: tasks inside wait_for_completion_*() on
 *               @done, or about to enter it
 * @held:        waiters held back by a reinit in progress (see cipc_admit())
 * @gate_seq:    number of reinits that ended, admitting the held waiters
 * @draining:    a reinit waits for released waiters to leave
 * @dead:        unregistered: every operation fails with -ENODEV
 * @mode:        CIPC_MODE_ONE or CIPC_MODE_ALL, used by write(2)
 * @generation:  number of reinits
 * @seq:         sequence number of the last signal
 * @all_seq:     sequence number of the latest complete_all(), 0 if none:
 *               the mark of the files' latches
 * @all_gen:     its generation
 * @all_slot:    its message, or CIPC_SLOT_NONE
 * @all_msg:     whether it had a message
 * @waiters:     blocked waiters (struct cipc_waiter), which removal kicks
 * @queue:       the complete()s not yet taken and their messages
 * @reinit_lock: serialises reinits (they may sleep while draining)
 * @fasync_lock: orders the signals of O_ASYNC files (see cipc_notify())
 * @wq:          poll waiters, the draining reinit and held waiters; woken
 *               after every change of state
 * @fasync:      files with O_ASYNC: signalled on every complete and
 *               complete_all, and on removal
 * @stats:       counters, see enum cipc_stat
 */
struct cipc_channel {
	struct kref ref;
	u64 id;
	unsigned int index;
	u32 msg_max;
	u32 max_waiters;

	spinlock_t lock;		/* see above */
	struct completion done;
	bool all;
	bool draining;
	bool dead;
	bool all_msg;
	unsigned int inflight;
	unsigned int held;
	u64 gate_seq;
	u32 mode;
	u64 generation;
	u64 seq;
	u64 all_seq;
	u64 all_gen;
	u16 all_slot;
	struct list_head waiters;
	struct cipc_queue queue;

	struct mutex reinit_lock;	/* serialises reinits */
	spinlock_t fasync_lock;		/* see above */
	wait_queue_head_t wq;
	struct fasync_struct *fasync;
	atomic64_t stats[CIPC_STAT_NR];
};

/**
 * struct cipc_file - an open file of a channel
 * @ch:   the channel
 * @seen: the channel's all_seq when this file last saw it not done, or
 *        last passed a wait: a complete_all() after that is this file's
 *        to see (the latch, see uapi/linux/cipc.h); under ch->lock
 */
struct cipc_file {
	struct cipc_channel *ch;
	u64 seen;
};

/**
 * struct cipc_deadline - when a wait ends
 * @expires: absolute time on @clock
 * @clock:   CLOCK_MONOTONIC or CLOCK_REALTIME
 * @forever: no deadline; @expires and @clock are unused
 */
struct cipc_deadline {
	ktime_t expires;
	clockid_t clock;
	bool forever;
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
struct cipc_channel *cipc_channel_alloc(u32 msg_max, u32 queue_depth,
					u32 max_waiters);
void cipc_channel_put(struct cipc_channel *ch);
void cipc_channel_kill(struct cipc_channel *ch);
int cipc_signal(struct cipc_channel *ch, enum cipc_how how,
		const void __user *umsg, u32 len, bool has_msg, u64 *seq);
int cipc_reinit(struct cipc_channel *ch);
u32 cipc_count(struct cipc_channel *ch);
unsigned int cipc_waiters(const struct cipc_channel *ch);
int cipc_set_mode(struct cipc_channel *ch, u32 mode);
void cipc_info(struct cipc_channel *ch, struct cipc_info *info);
void cipc_stats_read(struct cipc_channel *ch, struct cipc_stats *st);
void cipc_stats_reset(struct cipc_channel *ch);
void cipc_wake(struct cipc_channel *ch);

/* queue.c */
int cipc_queue_init(struct cipc_queue *q, u32 depth, u32 msg_max);
void cipc_queue_free(struct cipc_queue *q);
struct cipc_slot *cipc_slot(struct cipc_queue *q, u16 slot);
void cipc_slot_put(struct cipc_queue *q, u16 slot);
bool cipc_queue_full(const struct cipc_queue *q);
u16 cipc_slot_reserve(struct cipc_queue *q, bool queued);
void cipc_slot_unreserve(struct cipc_queue *q, u16 slot, bool queued);
void cipc_queue_push(struct cipc_queue *q, u16 slot, bool has_msg, u64 seq);
bool cipc_queue_pop(struct cipc_queue *q, struct cipc_item *it);
u32 cipc_queue_head_len(struct cipc_queue *q);
u64 cipc_queue_clear(struct cipc_queue *q);

/* wait.c */
int cipc_wait(struct cipc_file *cf, const struct cipc_deadline *dl,
	      bool nonblock, struct cipc_item *it);
void cipc_item_put(struct cipc_channel *ch, struct cipc_item *it);
bool cipc_poll_ready(struct cipc_file *cf);
void cipc_kick_waiters(struct cipc_channel *ch);

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
ssize_t cipc_user_wait(struct cipc_file *cf, const struct cipc_deadline *dl,
		       bool nonblock, void __user *umsg, size_t size,
		       bool newline, struct cipc_item *it);
int cipc_probe_writable(void __user *p, size_t size);

/* ioctl.c */
long cipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg);

/* control.c */
int cipc_control_register(void);
void cipc_control_unregister(void);

/* sysfs.c */
extern const struct attribute_group *cipc_channel_groups[];

#endif /* CIPC_H */
