// SPDX-License-Identifier: GPL-2.0
/*
 * The cipc channel: one struct completion, a message, a mode and counters.
 *
 * The completion is driven only through the kernel's completion API. Two of
 * its traps are closed here:
 *
 * 1. reinit_completion() stores done = 0 without the completion's lock and
 *    without regard for waiters. A waiter released by complete_all() (or by
 *    complete()) that has not yet re-checked done goes back to sleep if the
 *    store lands first, losing the wake-up; one that has checked done but not
 *    yet consumed it decrements 0 into UINT_MAX, a spurious complete_all().
 *    cipc_reinit() therefore resets only when no released waiter is inside
 *    the wait: it holds new waiters at a gate, waits until every waiter inside
 *    has left or none can pass (done == 0), and resets under ch->lock, which
 *    every complete(), complete_all() and try_wait_for_completion() of the
 *    channel also holds.
 *
 * 2. complete() on done == UINT_MAX - 1 makes done == UINT_MAX, which the API
 *    reads as complete_all(): cipc_signal() refuses that step (-EOVERFLOW).
 *
 * Locking: ch->lock is a spinlock_t, never held across anything that may
 * sleep or fault; messages cross it through a buffer of the caller's (see
 * fops.c). The completion's own raw lock nests inside it, and so do the
 * locks of kill_fasync(), so that signals follow the order of events.
 * kill_fasync() only tests a pointer unless a file of the channel has
 * O_ASYNC; then it signals the owner, a whole process group if the owner
 * is one (the owner's choice: that lengthens the hold of the lock). On PREEMPT_RT
 * ch->lock becomes a priority-inheriting lock, so a memcpy of a message
 * under it does not add to the latency of the system. Signalling and
 * waiting allocate nothing; poll waiters are woken only when there are any
 * (wq_has_sleeper()).
 */
#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cipc.h"
#include "cipc_trace.h"

/**
 * cipc_channel_alloc() - allocate a channel
 * @msg_max: largest message in bytes
 *
 * The registry sets its index and id before publishing it.
 *
 * Return: the channel with one reference, or NULL without memory.
 */
struct cipc_channel *cipc_channel_alloc(u32 msg_max)
{
	struct cipc_channel *ch;

	ch = kzalloc(struct_size(ch, msg, msg_max), GFP_KERNEL);
	if (!ch)
		return NULL;

	kref_init(&ch->ref);
	ch->msg_max = msg_max;
	spin_lock_init(&ch->lock);
	init_completion(&ch->done);
	mutex_init(&ch->reinit_lock);
	init_waitqueue_head(&ch->wq);
	ch->mode = CIPC_MODE_ONE;
	return ch;
}

static void cipc_channel_free(struct kref *ref)
{
	struct cipc_channel *ch = container_of(ref, struct cipc_channel, ref);

	trace_cipc_channel_free(ch);
	mutex_destroy(&ch->reinit_lock);
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

/* Wakes poll waiters, a draining reinit and held waiters, if there are any. */
static void cipc_wake(struct cipc_channel *ch)
{
	/*
	 * wq_has_sleeper() is a full barrier before looking at the queue; it
	 * pairs with the barrier after poll_wait() in cipc_poll() and with the
	 * one in prepare_to_wait() of the wait_event_*() callers.
	 */
	if (wq_has_sleeper(&ch->wq))
		wake_up_all(&ch->wq);
}

/**
 * cipc_channel_kill() - end the channel's service
 * @ch: the channel
 *
 * Every blocked waiter returns -ENODEV, and so does every later operation;
 * files with O_ASYNC get a last signal, with POLL_HUP.
 */
void cipc_channel_kill(struct cipc_channel *ch)
{
	spin_lock(&ch->lock);
	WRITE_ONCE(ch->dead, true);
	complete_all(&ch->done);
	/* Under the lock: after every POLL_IN, the last signal. */
	kill_fasync(&ch->fasync, SIGIO, POLL_HUP);
	spin_unlock(&ch->lock);
	cipc_wake(ch);
}

/**
 * cipc_count() - the completion's count
 * @ch: the channel
 *
 * The completion API has no accessor for its count. Every change of it goes
 * through the API calls of this file; waiters lower it without ch->lock,
 * everything else raises or resets it under ch->lock. Read under ch->lock,
 * the value is therefore an upper bound, which is what the overflow check of
 * cipc_signal() needs; elsewhere it is a snapshot.
 *
 * Return: 0 (a wait would block), the number of waits that can pass, or
 * CIPC_DONE_ALL after complete_all().
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

/**
 * cipc_ready() - whether a wait would pass without blocking
 * @ch: the channel
 *
 * Return: true when the completion is done and no reinit is in progress.
 */
bool cipc_ready(struct cipc_channel *ch)
{
	return !READ_ONCE(ch->dead) && !READ_ONCE(ch->draining) &&
	       completion_done(&ch->done);
}

/**
 * cipc_signal() - store a message and complete the channel
 * @ch:      the channel
 * @how:     complete(), complete_all(), or what the channel's mode says
 * @msg:     the message, kernel memory
 * @len:     its length, at most ch->msg_max
 * @set_msg: false keeps the current message and ignores @msg and @len
 *
 * Never sleeps. Files with O_ASYNC are signalled (POLL_IN).
 *
 * Return: 0; -EOVERFLOW if complete() would make the count CIPC_DONE_ALL;
 * -ENODEV if the channel is gone. Nothing changes on error.
 */
int cipc_signal(struct cipc_channel *ch, enum cipc_how how,
		const u8 *msg, u32 len, bool set_msg)
{
	bool all;
	int ret = 0;

	spin_lock(&ch->lock);
	all = how == CIPC_HOW_MODE ? ch->mode == CIPC_MODE_ALL :
				     how == CIPC_HOW_ALL;
	if (ch->dead) {
		ret = -ENODEV;
	} else if (!all && cipc_count(ch) == CIPC_DONE_ALL - 1) {
		ret = -EOVERFLOW;
	} else {
		if (set_msg) {
			memcpy(ch->msg, msg, len);
			WRITE_ONCE(ch->msg_len, len);
			cipc_stat_add(ch, CIPC_STAT_BYTES_IN, len);
		}
		if (all)
			complete_all(&ch->done);
		else
			complete(&ch->done);
		cipc_stat_inc(ch, all ? CIPC_STAT_COMPLETE_ALL :
					CIPC_STAT_COMPLETE);
		trace_cipc_signal(ch, all ? CIPC_TRACE_COMPLETE_ALL :
					    CIPC_TRACE_COMPLETE);
		/*
		 * Only with O_ASYNC files does this do more than test a
		 * pointer; under the lock, so that it is ordered with the
		 * POLL_HUP of cipc_channel_kill().
		 */
		kill_fasync(&ch->fasync, SIGIO, POLL_IN);
	}
	spin_unlock(&ch->lock);

	if (!ret)
		cipc_wake(ch);
	return ret;
}

static bool cipc_admitted(struct cipc_channel *ch, unsigned int seq)
{
	return READ_ONCE(ch->gate_seq) != seq || READ_ONCE(ch->dead);
}

/*
 * Admits a blocking waiter: counts it in ch->inflight, the waiters a reinit
 * drains. While a reinit drains, a new waiter is held back in ch->held
 * instead (it is ordered after that reinit); the reinit, when it ends, moves
 * every held waiter into ch->inflight at once and bumps ch->gate_seq, so
 * that a following reinit drains them too even if they have not run yet.
 *
 * Called and returns with ch->lock held. Returns the timeout left, 0 when it
 * expired, or -ERESTARTSYS; *admitted tells whether the waiter is counted in
 * ch->inflight (then the caller must go through the end of the wait, even
 * with no timeout left).
 */
static long cipc_admit(struct cipc_channel *ch, long timeout, bool *admitted)
	__must_hold(&ch->lock)
{
	unsigned int seq = ch->gate_seq;

	*admitted = true;
	if (!ch->draining) {
		WRITE_ONCE(ch->inflight, ch->inflight + 1);
		return timeout;
	}

	WRITE_ONCE(ch->held, ch->held + 1);
	spin_unlock(&ch->lock);
	timeout = wait_event_interruptible_timeout(ch->wq,
						   cipc_admitted(ch, seq),
						   timeout);
	spin_lock(&ch->lock);
	if (ch->gate_seq == seq) {
		WRITE_ONCE(ch->held, ch->held - 1);
		*admitted = false;
	}
	return timeout;
}

/* Counts how a wait ended; ch->lock held, see cipc_stats_reset(). */
static void cipc_wait_ended(struct cipc_channel *ch, int ret)
	__must_hold(&ch->lock)
{
	switch (ret) {
	case 0:
		cipc_stat_inc(ch, CIPC_STAT_WOKEN);
		break;
	case -ETIMEDOUT:
		cipc_stat_inc(ch, CIPC_STAT_TIMEOUT);
		break;
	case -EAGAIN:
		cipc_stat_inc(ch, CIPC_STAT_AGAIN);
		break;
	case -ERESTARTSYS:
		cipc_stat_inc(ch, CIPC_STAT_INTERRUPTED);
		break;
	}
}

/**
 * cipc_wait() - wait for the channel to be completed
 * @ch:       the channel
 * @timeout:  in jiffies: 0 tries once, MAX_SCHEDULE_TIMEOUT waits forever
 * @nonblock: with @timeout 0, fail with -EAGAIN rather than -ETIMEDOUT
 * @rcv:      where to put the message (@rcv->buf may be NULL) and the
 *            generation; filled in when the wait passed
 *
 * The wait is interruptible: a signal ends it. It allocates nothing.
 *
 * Return: 0 when completed (one count consumed unless complete_all() was
 * called), -ETIMEDOUT, -EAGAIN, -ERESTARTSYS on a signal, -ENODEV if the
 * channel is gone.
 */
int cipc_wait(struct cipc_channel *ch, long timeout, bool nonblock,
	      struct cipc_rcv *rcv)
{
	bool admitted, wake = false;
	long left;
	int ret;

	spin_lock(&ch->lock);
	cipc_stat_inc(ch, CIPC_STAT_WAIT);
	trace_cipc_wait_start(ch, timeout, nonblock);
	if (!timeout) {
		/* A reinit in progress is ordered before this try. */
		if (!ch->draining && try_wait_for_completion(&ch->done))
			ret = 0;
		else
			ret = nonblock ? -EAGAIN : -ETIMEDOUT;
		goto out;
	}

	left = cipc_admit(ch, timeout, &admitted);
	if (!admitted) {
		ret = left < 0 ? left : -ETIMEDOUT;
		goto out;
	}
	spin_unlock(&ch->lock);

	if (left == MAX_SCHEDULE_TIMEOUT)
		left = wait_for_completion_interruptible(&ch->done) ?: 1;
	else if (left > 0)
		left = wait_for_completion_interruptible_timeout(&ch->done, left);
	ret = left > 0 ? 0 : left ? left : -ETIMEDOUT;

	spin_lock(&ch->lock);
	WRITE_ONCE(ch->inflight, ch->inflight - 1);
	wake = ch->draining;
out:
	if (ch->dead)
		ret = -ENODEV;
	else
		cipc_wait_ended(ch, ret);
	trace_cipc_wait_end(ch, ret);
	if (!ret) {
		rcv->generation = ch->generation;
		rcv->len = ch->msg_len;
		if (rcv->buf)
			memcpy(rcv->buf, ch->msg, min(rcv->len, rcv->size));
	}
	spin_unlock(&ch->lock);

	if (wake)
		cipc_wake(ch);
	return ret;
}

/* Whether a reinit may reset now; a lockless hint, see cipc_reinit(). */
static bool cipc_drained(struct cipc_channel *ch)
{
	return READ_ONCE(ch->dead) || !READ_ONCE(ch->inflight) ||
	       !completion_done(&ch->done);
}

/**
 * cipc_reinit() - reset the completion, clear the message, next generation
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
	while (!ch->dead && ch->inflight && completion_done(&ch->done)) {
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
		ch->generation++;
		WRITE_ONCE(ch->msg_len, 0);
		cipc_stat_inc(ch, CIPC_STAT_REINIT);
		trace_cipc_signal(ch, CIPC_TRACE_REINIT);
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
	info->waiters = cipc_waiters(ch);

	spin_lock(&ch->lock);
	info->mode = ch->mode;
	info->count = cipc_count(ch);
	info->generation = ch->generation;
	info->msg_len = ch->msg_len;
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
