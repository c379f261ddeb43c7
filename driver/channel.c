// SPDX-License-Identifier: GPL-2.0
/*
 * The cipc channel: one struct completion, a queue of messages, a mode and
 * counters. Waiting is in wait.c, the queue in queue.c.
 *
 * The completion is driven only through the kernel's completion API. Its
 * traps are closed here and in wait.c:
 *
 * 1. reinit_completion() stores done = 0 without the completion's lock and
 *    without regard for waiters. A waiter released by complete_all() (or by
 *    complete()) that has not yet re-checked done goes back to sleep if the
 *    store lands first, losing the wake-up; one that has checked done but not
 *    yet consumed it decrements 0 into UINT_MAX, a spurious complete_all().
 *    cipc_reinit() therefore resets only when no released waiter is inside
 *    the wait: it holds new waiters at a gate, waits until every waiter inside
 *    has left or none can pass (done == 0 and no count taken but not yet
 *    matched with its message), and resets under ch->lock, which every
 *    complete(), complete_all() and try_wait_for_completion() of the channel
 *    also holds. Files that are not blocked in a wait when a reinit follows
 *    a complete_all() (pollers, O_NONBLOCK readers, O_ASYNC owners) have
 *    their latch instead (wait.c).
 *
 * 2. complete() on done == UINT_MAX - 1 makes done == UINT_MAX, which the API
 *    reads as complete_all(): cipc_signal() refuses that step (-EOVERFLOW).
 *
 * 3. The count carries no data: each complete() queues its own item, and
 *    the wait that takes a count takes the oldest item (queue.c), so a
 *    message goes to exactly one waiter, in order.
 *
 * Locking: ch->lock is a spinlock_t, never held across anything that may
 * sleep or fault; messages cross it in slots of the channel's pool, copied
 * from and to user space outside it. The completion's own raw lock nests
 * inside it. O_ASYNC signals are sent after ch->lock is dropped, under
 * ch->fasync_lock, which only signallers and removal take, and only when a
 * file has O_ASYNC: a process-group owner lengthens the signaller's call,
 * nobody else's. On PREEMPT_RT ch->lock becomes a priority-inheriting lock.
 * Signalling and waiting allocate nothing; poll waiters are woken only when
 * there are any (wq_has_sleeper()).
 */
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cipc.h"
#include "cipc_trace.h"

/**
 * cipc_channel_alloc() - allocate a channel
 * @msg_max:     largest message in bytes
 * @queue_depth: most messages queued
 * @max_waiters: most tasks blocked at once
 *
 * The registry sets its index and id before publishing it.
 *
 * Return: the channel with one reference, or NULL without memory.
 */
struct cipc_channel *cipc_channel_alloc(u32 msg_max, u32 queue_depth,
					u32 max_waiters)
{
	struct cipc_channel *ch;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	if (!ch)
		return NULL;
	if (cipc_queue_init(&ch->queue, queue_depth, msg_max)) {
		kfree(ch);
		return NULL;
	}

	kref_init(&ch->ref);
	ch->msg_max = msg_max;
	ch->max_waiters = max_waiters;
	spin_lock_init(&ch->lock);
	spin_lock_init(&ch->fasync_lock);
	init_completion(&ch->done);
	INIT_LIST_HEAD(&ch->waiters);
	mutex_init(&ch->reinit_lock);
	init_waitqueue_head(&ch->wq);
	ch->mode = CIPC_MODE_ONE;
	ch->all_slot = CIPC_SLOT_NONE;
	return ch;
}

static void cipc_channel_free(struct kref *ref)
{
	struct cipc_channel *ch = container_of(ref, struct cipc_channel, ref);

	trace_cipc_channel_free(ch);
	mutex_destroy(&ch->reinit_lock);
	cipc_queue_free(&ch->queue);
	kfree(ch);
}

/**
 * cipc_channel_put() - drop a reference; the last one frees the channel
 * @ch: the channel
 */
void cipc_channel_put(struct cipc_channel *ch)
{
	kref_put(&ch->ref, cipc_channel_free);
}

/**
 * cipc_wake() - wake poll waiters, a draining reinit and held waiters
 * @ch: the channel
 *
 * Only if there are any: wq_has_sleeper() is a full barrier before looking
 * at the queue; it pairs with the barrier after poll_wait() in cipc_poll()
 * and with the one in prepare_to_wait() of the wait_event_*() callers.
 */
void cipc_wake(struct cipc_channel *ch)
{
	if (wq_has_sleeper(&ch->wq))
		wake_up_all(&ch->wq);
}

/*
 * Signals the O_ASYNC files. ch->fasync_lock orders the POLL_IN of every
 * signal before the POLL_HUP of the removal: a signal that takes it after
 * the removal did sees dead and sends nothing.
 */
static void cipc_notify(struct cipc_channel *ch, int band)
{
	/* The removal always looks under the lock, see cipc_fasync(). */
	if (band == POLL_IN && !READ_ONCE(ch->fasync))
		return;
	spin_lock(&ch->fasync_lock);
	if (band == POLL_HUP || !READ_ONCE(ch->dead))
		kill_fasync(&ch->fasync, SIGIO, band);
	spin_unlock(&ch->fasync_lock);
}

/**
 * cipc_channel_kill() - end the channel's service
 * @ch: the channel
 *
 * Every blocked waiter that no signal released returns -ENODEV, and so
 * does every later operation; files with O_ASYNC get a last signal, with
 * POLL_HUP. The completion is left as it is: a waiter that took a count
 * before the removal keeps it (wait.c).
 */
void cipc_channel_kill(struct cipc_channel *ch)
{
	spin_lock(&ch->lock);
	WRITE_ONCE(ch->dead, true);
	cipc_kick_waiters(ch);
	spin_unlock(&ch->lock);
	cipc_wake(ch);
	cipc_notify(ch, POLL_HUP);
}

/**
 * cipc_count() - the completion's count
 * @ch: the channel
 *
 * The completion API has no accessor for its count. Every change of it goes
 * through the API calls of this driver; waiters lower it without ch->lock,
 * everything else raises or resets it under ch->lock. Read under ch->lock,
 * the value is therefore an upper bound, which is what the overflow check of
 * cipc_signal() needs; elsewhere it is a snapshot.
 *
 * Return: 0 (a wait would block), the number of waits that can pass, or
 * UINT_MAX after complete_all().
 */
u32 cipc_count(struct cipc_channel *ch)
{
	return READ_ONCE(ch->done.done);
}

/**
 * cipc_waiters() - number of tasks waiting on the channel now
 * @ch: the channel
 *
 * Return: tasks inside the wait or held back by a reinit in progress.
 */
unsigned int cipc_waiters(const struct cipc_channel *ch)
{
	return READ_ONCE(ch->inflight) + READ_ONCE(ch->held);
}

/* Reserves a slot and fills it from user space; no lock held on return. */
static int cipc_slot_fill(struct cipc_channel *ch, bool all,
			  const void __user *umsg, u32 len, u16 *slotp)
{
	struct cipc_queue *q = &ch->queue;
	u16 slot;

	spin_lock(&ch->lock);
	slot = cipc_slot_reserve(q, !all);
	if (slot == CIPC_SLOT_NONE)
		cipc_stat_inc(ch, CIPC_STAT_FULL);
	spin_unlock(&ch->lock);
	if (slot == CIPC_SLOT_NONE)
		return -EAGAIN;

	/* The slot is this caller's alone until it is queued. */
	if (copy_from_user(cipc_slot(q, slot)->data, umsg, len)) {
		spin_lock(&ch->lock);
		cipc_slot_unreserve(q, slot, !all);
		spin_unlock(&ch->lock);
		return -EFAULT;
	}
	cipc_slot(q, slot)->len = len;
	*slotp = slot;
	return 0;
}

/* complete_all() with its message; ch->lock held. */
static void cipc_signal_all(struct cipc_channel *ch, u16 slot, bool has_msg,
			    u64 seq)
	__must_hold(&ch->lock)
{
	cipc_slot_put(&ch->queue, ch->all_slot);
	ch->all_slot = slot;
	ch->all_msg = has_msg;
	ch->all_gen = ch->generation;
	WRITE_ONCE(ch->all_seq, seq);
	WRITE_ONCE(ch->all, true);
	complete_all(&ch->done);
}

/**
 * cipc_signal() - complete the channel, with or without a message
 * @ch:      the channel
 * @how:     complete(), complete_all(), or what the channel's mode says
 * @umsg:    the message in user memory (with @has_msg)
 * @len:     its length (0 without @has_msg)
 * @has_msg: whether the signal carries a message, possibly empty
 * @seq:     out: the signal's sequence number
 *
 * Never sleeps on the channel; faults in the message before taking any
 * lock. Files with O_ASYNC are signalled (POLL_IN).
 *
 * Return: 0; -EMSGSIZE above msg_max; -EAGAIN if the message queue is
 * full; -EOVERFLOW if complete() would make the count UINT_MAX; -EFAULT;
 * -ENODEV if the channel is gone. Nothing changes on error.
 */
int cipc_signal(struct cipc_channel *ch, enum cipc_how how,
		const void __user *umsg, u32 len, bool has_msg, u64 *seq)
{
	u16 slot = CIPC_SLOT_NONE;
	bool all;
	int ret = 0;

	if (len > ch->msg_max)
		return -EMSGSIZE;
	all = how == CIPC_HOW_MODE ? READ_ONCE(ch->mode) == CIPC_MODE_ALL :
				     how == CIPC_HOW_ALL;
again:
	/*
	 * complete() in the "all" state discards its message: no slot, but a
	 * bad pointer still fails.
	 */
	if (has_msg && len && (all || !READ_ONCE(ch->all))) {
		ret = cipc_slot_fill(ch, all, umsg, len, &slot);
		if (ret)
			return ret;
	} else if (has_msg && len && fault_in_readable(umsg, len)) {
		return -EFAULT;
	}

	spin_lock(&ch->lock);
	if (has_msg && len && slot == CIPC_SLOT_NONE && !all && !ch->all &&
	    !ch->dead) {
		/* A reinit ended the "all" state meanwhile. */
		spin_unlock(&ch->lock);
		goto again;
	}
	if (ch->dead) {
		ret = -ENODEV;
	} else if (all) {
		*seq = ++ch->seq;
		cipc_signal_all(ch, slot, has_msg, *seq);
		slot = CIPC_SLOT_NONE;
	} else if (ch->all) {
		/* Every wait passes anyway: nothing to count or deliver. */
		*seq = 0;
		cipc_stat_inc(ch, CIPC_STAT_DISCARDED);
		cipc_stat_inc(ch, CIPC_STAT_COMPLETE);
		cipc_slot_unreserve(&ch->queue, slot, !all);
		spin_unlock(&ch->lock);
		return 0;
	} else if (cipc_count(ch) == UINT_MAX - 1 ||
		   ch->queue.items >= UINT_MAX - 1) {
		/* The queue counts the items of counts taken, too. */
		ret = -EOVERFLOW;
	} else if (has_msg && slot == CIPC_SLOT_NONE &&
		   cipc_queue_full(&ch->queue)) {
		/* An empty message; a filled slot has its room reserved. */
		cipc_stat_inc(ch, CIPC_STAT_FULL);
		ret = -EAGAIN;
	} else {
		*seq = ++ch->seq;
		cipc_queue_push(&ch->queue, slot, has_msg, *seq);
		slot = CIPC_SLOT_NONE;
		complete(&ch->done);
	}
	if (!ret) {
		cipc_stat_add(ch, CIPC_STAT_BYTES_IN, len);
		cipc_stat_inc(ch, all ? CIPC_STAT_COMPLETE_ALL :
					CIPC_STAT_COMPLETE);
		trace_cipc_signal(ch, all ? CIPC_TRACE_COMPLETE_ALL :
					    CIPC_TRACE_COMPLETE, *seq, len);
	}
	cipc_slot_unreserve(&ch->queue, slot, !all);
	spin_unlock(&ch->lock);

	if (!ret) {
		cipc_wake(ch);
		cipc_notify(ch, POLL_IN);
	}
	return ret;
}

/* Whether a reinit may reset now; a lockless hint, see cipc_reinit(). */
static bool cipc_drained(struct cipc_channel *ch)
{
	return READ_ONCE(ch->dead) || !READ_ONCE(ch->inflight) ||
	       (!completion_done(&ch->done) && !READ_ONCE(ch->queue.items));
}

/*
 * Whether a waiter inside may still pass or has taken a count without its
 * item: with done == 0 no waiter can pass, and every item left belongs to a
 * waiter that took its count and has yet to take the item (ch->lock held,
 * so no complete() adds one meanwhile).
 */
static bool cipc_released_inside(struct cipc_channel *ch)
	__must_hold(&ch->lock)
{
	return ch->inflight &&
	       (completion_done(&ch->done) || ch->queue.items);
}

/**
 * cipc_reinit() - reset the completion, discard the queue, next generation
 * @ch: the channel
 *
 * Waiters released by an earlier complete() or complete_all() leave the wait
 * before the reset, so no wake-up is lost: while they do, new waiters are
 * held back (they are ordered after the reinit) and the caller sleeps,
 * killably, for as long as it takes the released waiters to run. When no
 * waiter is inside, or the count is 0 so no waiter inside can pass, the
 * reset happens at once.
 *
 * Return: 0; -EINTR or -ERESTARTSYS if the caller was killed, -ENODEV if the
 * channel is gone; nothing changes on error.
 */
int cipc_reinit(struct cipc_channel *ch)
{
	int ret;

	ret = mutex_lock_killable(&ch->reinit_lock);
	if (ret)
		return ret;

	spin_lock(&ch->lock);
	WRITE_ONCE(ch->draining, true);
	while (!ch->dead && cipc_released_inside(ch)) {
		spin_unlock(&ch->lock);
		ret = wait_event_killable(ch->wq, cipc_drained(ch));
		spin_lock(&ch->lock);
		if (ret)
			break;
	}
	if (ch->dead)
		ret = -ENODEV;
	if (!ret) {
		reinit_completion(&ch->done);
		WRITE_ONCE(ch->all, false);
		cipc_stat_add(ch, CIPC_STAT_DISCARDED,
			      cipc_queue_clear(&ch->queue));
		ch->generation++;
		cipc_stat_inc(ch, CIPC_STAT_REINIT);
		trace_cipc_signal(ch, CIPC_TRACE_REINIT, ch->seq, 0);
	}
	/* The held waiters are ordered after this reinit: admit them all. */
	WRITE_ONCE(ch->inflight, ch->inflight + ch->held);
	WRITE_ONCE(ch->held, 0);
	WRITE_ONCE(ch->gate_seq, ch->gate_seq + 1);
	WRITE_ONCE(ch->draining, false);
	spin_unlock(&ch->lock);
	mutex_unlock(&ch->reinit_lock);

	cipc_wake(ch);
	return ret;
}

/**
 * cipc_set_mode() - choose what write(2) does
 * @ch:   the channel
 * @mode: CIPC_MODE_ONE or CIPC_MODE_ALL
 *
 * Return: 0, -EINVAL for another mode, -ENODEV if the channel is gone.
 */
int cipc_set_mode(struct cipc_channel *ch, u32 mode)
{
	int ret = 0;

	if (mode != CIPC_MODE_ONE && mode != CIPC_MODE_ALL)
		return -EINVAL;

	spin_lock(&ch->lock);
	if (ch->dead)
		ret = -ENODEV;
	else
		WRITE_ONCE(ch->mode, mode);
	spin_unlock(&ch->lock);
	return ret;
}

/**
 * cipc_info() - snapshot of the channel's identity and state
 * @ch:   the channel
 * @info: filled in; reserved fields zeroed
 */
void cipc_info(struct cipc_channel *ch, struct cipc_info *info)
{
	memset(info, 0, sizeof(*info));
	info->abi_version = CIPC_ABI_VERSION;
	info->id = ch->id;
	info->index = ch->index;
	info->msg_max = ch->msg_max;
	info->max_waiters = ch->max_waiters;
	info->queue_depth = ch->queue.depth;

	spin_lock(&ch->lock);
	info->waiters = cipc_waiters(ch);
	info->mode = ch->mode;
	if (ch->all)
		info->flags |= CIPC_INFO_ALL;
	else
		info->count = cipc_count(ch);
	info->queued = ch->queue.len;
	info->generation = ch->generation;
	info->seq = ch->seq;
	if (ch->queue.items || !ch->all)
		info->msg_len = cipc_queue_head_len(&ch->queue);
	else if (ch->all_slot != CIPC_SLOT_NONE)
		info->msg_len = cipc_slot(&ch->queue, ch->all_slot)->len;
	spin_unlock(&ch->lock);
}

/**
 * cipc_stats_read() - snapshot of the counters
 * @ch: the channel
 * @st: filled in; reserved fields zeroed
 */
void cipc_stats_read(struct cipc_channel *ch, struct cipc_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->complete = atomic64_read(&ch->stats[CIPC_STAT_COMPLETE]);
	st->complete_all = atomic64_read(&ch->stats[CIPC_STAT_COMPLETE_ALL]);
	st->reinit = atomic64_read(&ch->stats[CIPC_STAT_REINIT]);
	st->wait = atomic64_read(&ch->stats[CIPC_STAT_WAIT]);
	st->woken = atomic64_read(&ch->stats[CIPC_STAT_WOKEN]);
	st->timeout = atomic64_read(&ch->stats[CIPC_STAT_TIMEOUT]);
	st->interrupted = atomic64_read(&ch->stats[CIPC_STAT_INTERRUPTED]);
	st->again = atomic64_read(&ch->stats[CIPC_STAT_AGAIN]);
	st->bytes_in = atomic64_read(&ch->stats[CIPC_STAT_BYTES_IN]);
	st->bytes_out = atomic64_read(&ch->stats[CIPC_STAT_BYTES_OUT]);
	st->full = atomic64_read(&ch->stats[CIPC_STAT_FULL]);
	st->discarded = atomic64_read(&ch->stats[CIPC_STAT_DISCARDED]);
	st->refused = atomic64_read(&ch->stats[CIPC_STAT_REFUSED]);
}

/**
 * cipc_stats_reset() - zero every counter
 * @ch: the channel
 */
void cipc_stats_reset(struct cipc_channel *ch)
{
	int i;

	/*
	 * Waits count as started when they begin and by outcome when they
	 * end, both under ch->lock. Waits in progress count as started again,
	 * so that once they end wait = woken + timeout + interrupted + again
	 * holds as it does without a reset.
	 */
	spin_lock(&ch->lock);
	for (i = 0; i < CIPC_STAT_NR; i++)
		atomic64_set(&ch->stats[i], 0);
	atomic64_set(&ch->stats[CIPC_STAT_WAIT], ch->inflight + ch->held);
	spin_unlock(&ch->lock);
}
