// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting on a channel: read(2), CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT and poll.
 *
 * A blocking wait sleeps in wait_for_completion_interruptible() on the
 * channel's completion, so the kernel's FIFO wake-one order holds. Three
 * things end it besides the completion, all without a signal:
 *
 * - its deadline: an hrtimer (absolute, on CLOCK_MONOTONIC or
 *   CLOCK_REALTIME, with the caller's timer slack, as clock_nanosleep()
 *   and futexes have it) whose expiry breaks the interruptible sleep;
 * - the removal of the channel, which breaks the sleep of every waiter it
 *   finds on ch->waiters;
 * - a real signal.
 *
 * The completion API only ends a wait on done, a jiffies timeout or a
 * pending signal. Jiffies cost up to two ticks of overshoot (8 ms at
 * HZ=250) and cannot follow CLOCK_REALTIME, so the sleep is broken the way
 * the kernel breaks interruptible sleeps for task work: TIF_NOTIFY_SIGNAL,
 * which makes signal_pending() true until the task returns to user space,
 * where it is cleared without delivering anything. The wait then tells
 * from its own flags why it ended. A count the completion handed over is
 * never given up: do_wait_for_common() checks done before a pending signal
 * once woken, so a waiter that a complete() released keeps its count even
 * if its deadline or the removal comes at the same moment.
 *
 * The latch of a file (struct cipc_file): a complete_all() that a reinit
 * follows at once is seen by every file that had seen the channel not done
 * before it; see uapi/linux/cipc.h for the rule.
 */
#include <linux/hrtimer.h>
#include <linux/sched.h>
#include <linux/sched/prio.h>
#include <linux/sched/signal.h>
#include <linux/wait.h>

#include "cipc.h"
#include "cipc_trace.h"

/**
 * struct cipc_waiter - a task blocked on a channel
 * @node:    on ch->waiters, under ch->lock
 * @task:    the task
 * @timer:   its deadline, if it has one
 * @expired: the deadline has passed
 */
struct cipc_waiter {
	struct list_head node;
	struct task_struct *task;
	struct hrtimer timer;
	bool expired;
};

/*
 * Ends the task's interruptible sleep, as set_notify_signal() does (which a
 * module cannot call: it uses wake_up_state()). A task that is not asleep
 * yet does not fall asleep: __schedule() checks signal_pending_state().
 */
static void cipc_kick(struct task_struct *task)
{
	set_tsk_thread_flag(task, TIF_NOTIFY_SIGNAL);
	wake_up_process(task);
}

/**
 * cipc_kick_waiters() - end the sleep of every blocked waiter (removal)
 * @ch: the channel, dead
 */
void cipc_kick_waiters(struct cipc_channel *ch)
	__must_hold(&ch->lock)
{
	struct cipc_waiter *w;

	list_for_each_entry(w, &ch->waiters, node)
		cipc_kick(w->task);
}

static enum hrtimer_restart cipc_deadline_fn(struct hrtimer *timer)
{
	struct cipc_waiter *w = container_of(timer, struct cipc_waiter, timer);

	WRITE_ONCE(w->expired, true);
	cipc_kick(w->task);
	return HRTIMER_NORESTART;
}

static ktime_t cipc_now(clockid_t clock)
{
	return clock == CLOCK_REALTIME ? ktime_get_real() : ktime_get();
}

/* For cipc_wait_start: -1 forever, else milliseconds left, rounded up. */
static s64 cipc_trace_ms(const struct cipc_deadline *dl)
{
	s64 left;

	if (dl->forever)
		return -1;
	left = ktime_to_ns(ktime_sub(dl->expires, cipc_now(dl->clock)));
	return left <= 0 ? 0 : div_s64(left + NSEC_PER_MSEC - 1, NSEC_PER_MSEC);
}

/*
 * A message that fits the waiter's bounce buffer is copied there now and
 * its slot released at once: only longer ones keep a slot while they are
 * copied out to user space, so readers with slow buffers cannot hold the
 * pool of a channel with the default msg_max. ch->lock held.
 */
static void cipc_bounce(struct cipc_channel *ch, struct cipc_item *it)
	__must_hold(&ch->lock)
{
	u32 n = min(it->len, it->want);

	if (it->slot == CIPC_SLOT_NONE || n > sizeof(it->bounce))
		return;
	memcpy(it->bounce, cipc_slot(&ch->queue, it->slot)->data, n);
	cipc_slot_put(&ch->queue, it->slot);
	it->slot = CIPC_SLOT_NONE;
	it->bounced = true;
}

/* The message of the latest complete_all(); ch->lock held. */
static void cipc_take_all(struct cipc_channel *ch, struct cipc_item *it,
			  u32 result)
	__must_hold(&ch->lock)
{
	it->slot = ch->all_slot;
	it->len = 0;
	if (it->slot != CIPC_SLOT_NONE) {
		cipc_slot(&ch->queue, it->slot)->ref++;
		it->len = cipc_slot(&ch->queue, it->slot)->len;
		cipc_bounce(ch, it);
	}
	it->seq = ch->all_seq;
	it->generation = ch->all_gen;
	it->result = CIPC_WAIT_ALL | result | (ch->all_msg ? CIPC_WAIT_MSG : 0);
}

/*
 * What a wait that passed gets: the oldest queued item (the one of the
 * count it took, or, after complete_all(), one queued before it), else
 * complete_all()'s message. ch->lock held.
 */
static void cipc_take(struct cipc_channel *ch, struct cipc_file *cf,
		      struct cipc_item *it)
	__must_hold(&ch->lock)
{
	if (cipc_queue_pop(&ch->queue, it)) {
		it->generation = ch->generation;
		cipc_bounce(ch, it);
	} else if (!WARN_ON_ONCE(!ch->all)) {
		/* The file has seen this complete_all(): its latch is spent. */
		cipc_take_all(ch, it, 0);
		cf->seen = ch->all_seq;
	} else {
		/* Not reached: every count has its item. */
		it->slot = CIPC_SLOT_NONE;
		it->len = 0;
		it->seq = 0;
		it->generation = ch->generation;
		it->result = 0;
	}
}

/*
 * Whether the file has a complete_all() to see that a reinit has taken, or
 * is taking, away. In the "all" state with no reinit draining, a wait
 * passes anyway and takes the queued messages first.
 */
static bool cipc_latched(const struct cipc_channel *ch,
			 const struct cipc_file *cf)
{
	return ch->all_seq && cf->seen != ch->all_seq &&
	       (!ch->all || ch->draining);
}

static bool cipc_admitted(struct cipc_channel *ch, u64 seq)
{
	return READ_ONCE(ch->gate_seq) != seq || READ_ONCE(ch->dead);
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
	default:
		/* -ENODEV: the channel is gone; the wait does not count. */
		atomic64_dec(&ch->stats[CIPC_STAT_WAIT]);
		break;
	}
}

/*
 * A deadline's timer, armed as clock_nanosleep() arms its sleeper's: hard
 * interrupt expiry and no slack for real-time tasks, the task's slack and
 * (on PREEMPT_RT) soft interrupt expiry for the others, so that untrusted
 * tasks cannot pile wake-ups into hard interrupt context.
 */
static void cipc_deadline_start(struct cipc_waiter *w,
				const struct cipc_deadline *dl)
{
	bool rt = current->prio < MAX_RT_PRIO;
	enum hrtimer_mode mode = rt ? HRTIMER_MODE_ABS_HARD : HRTIMER_MODE_ABS;

	cipc_hrtimer_setup_on_stack(&w->timer, cipc_deadline_fn, dl->clock,
				    mode);
	hrtimer_start_range_ns(&w->timer, dl->expires,
			       rt ? 0 : current->timer_slack_ns, mode);
}

/*
 * Blocks until the completion passes, the deadline, the removal or a
 * signal. Called with ch->lock held, the channel not done for this file and
 * the waiter counted (in ch->inflight, or in ch->held behind a reinit that
 * drains, @gate the gate_seq to wait for) and on ch->waiters, all in the
 * critical section that found the channel not done: a complete_all() and
 * a reinit that follow cannot miss it. Returns with the lock held, the
 * waiter off the list and no longer counted, and, if it passed, its item
 * taken in the same critical section.
 */
static int cipc_block(struct cipc_file *cf, const struct cipc_deadline *dl,
		      struct cipc_waiter *w, bool held, u64 gate,
		      struct cipc_item *it, bool *wake)
	__must_hold(&ch->lock)
{
	struct cipc_channel *ch = cf->ch;
	bool admitted = !held, latched = false;
	int ret = 0;

	spin_unlock(&ch->lock);
	if (!dl->forever)
		cipc_deadline_start(w, dl);

	if (held) {
		ret = wait_event_interruptible(ch->wq, cipc_admitted(ch, gate));
		spin_lock(&ch->lock);
		if (ch->gate_seq == gate) {
			/* Still held: the gate opened for the removal only. */
			WRITE_ONCE(ch->held, ch->held - 1);
			if (!ret)
				ret = -ENODEV;
		} else {
			admitted = true;
			/*
			 * A complete_all() while it was held, which the
			 * reinit has taken away: the latch delivers it.
			 */
			if (!ret && cipc_latched(ch, cf)) {
				cipc_take_all(ch, it, CIPC_WAIT_LATCHED);
				cf->seen = ch->all_seq;
				latched = true;
			}
		}
		spin_unlock(&ch->lock);
	}
	if (admitted && !ret && !latched)
		ret = wait_for_completion_interruptible(&ch->done);

	if (!dl->forever) {
		hrtimer_cancel(&w->timer);
		destroy_hrtimer_on_stack(&w->timer);
	}

	spin_lock(&ch->lock);
	list_del(&w->node);
	if (admitted)
		WRITE_ONCE(ch->inflight, ch->inflight - 1);
	/* Passed: take the item, unless the latch gave one at admission. */
	if (!ret && !latched)
		cipc_take(ch, cf, it);
	else if (ret && ch->dead)
		ret = -ENODEV;
	else if (ret && READ_ONCE(w->expired))
		ret = -ETIMEDOUT;
	/* After the take: a draining reinit may go on once no item is owed. */
	*wake = ch->draining;
	return ret;
}

/**
 * cipc_wait() - wait for the channel to be completed
 * @cf:       the file waiting (its latch)
 * @dl:       the deadline; NULL for a try that does not block
 * @nonblock: with @dl NULL, fail with -EAGAIN rather than -ETIMEDOUT
 * @it:       filled in when the wait passed: the message's slot, with a
 *            reference that cipc_item_put() drops, its length, sequence
 *            number, generation and CIPC_WAIT_* result flags
 *
 * The wait is interruptible: a signal ends it. It allocates nothing.
 *
 * Return: 0 when it passed (one count taken unless complete_all() or the
 * latch let it pass), -ETIMEDOUT, -EAGAIN, -EUSERS if max_waiters tasks
 * are blocked already, -ERESTARTSYS on a signal, -ENODEV if the channel is
 * gone.
 */
int cipc_wait(struct cipc_file *cf, const struct cipc_deadline *dl,
	      bool nonblock, struct cipc_item *it)
{
	struct cipc_channel *ch = cf->ch;
	struct cipc_waiter w;
	bool held = false, wake = false;
	u64 gate = 0;
	int ret;

	it->bounced = false;
	spin_lock(&ch->lock);
	if (ch->dead) {
		spin_unlock(&ch->lock);
		return -ENODEV;
	}
	trace_cipc_wait_start(ch, dl ? cipc_trace_ms(dl) : 0, !dl && nonblock);

	/* The latch first: this file's next wait is the complete_all()'s. */
	if (cipc_latched(ch, cf)) {
		cipc_take_all(ch, it, CIPC_WAIT_LATCHED);
		cf->seen = ch->all_seq;
		ret = 0;
		goto out;
	}
	/* A reinit in progress is ordered before a wait that starts now. */
	if (!ch->draining && try_wait_for_completion(&ch->done)) {
		cipc_take(ch, cf, it);
		ret = 0;
		goto out;
	}
	/* Not done: a complete_all() from now on is this file's to see. */
	cf->seen = ch->all_seq;
	if (!dl || (!dl->forever &&
		    ktime_compare(cipc_now(dl->clock), dl->expires) >= 0)) {
		ret = !dl && nonblock ? -EAGAIN : -ETIMEDOUT;
		goto out;
	}
	if (cipc_waiters(ch) >= ch->max_waiters) {
		cipc_stat_inc(ch, CIPC_STAT_REFUSED);
		trace_cipc_wait_end(ch, -EUSERS);
		spin_unlock(&ch->lock);
		return -EUSERS;
	}

	/*
	 * Counted now, in this critical section: a reinit drains it, and the
	 * max_waiters check above sees it. While a reinit drains, it is held
	 * back instead (ordered after that reinit); the reinit, when it ends,
	 * moves every held waiter into ch->inflight at once and bumps
	 * ch->gate_seq, so that a following reinit drains them too even if
	 * they have not run yet.
	 */
	if (ch->draining) {
		held = true;
		gate = ch->gate_seq;
		WRITE_ONCE(ch->held, ch->held + 1);
	} else {
		WRITE_ONCE(ch->inflight, ch->inflight + 1);
	}
	w.task = current;
	w.expired = false;
	list_add_tail(&w.node, &ch->waiters);
	/* Counted as started before it sleeps: see cipc_stats_reset(). */
	cipc_stat_inc(ch, CIPC_STAT_WAIT);
	ret = cipc_block(cf, dl, &w, held, gate, it, &wake);
	goto end;

out:
	cipc_stat_inc(ch, CIPC_STAT_WAIT);
end:
	cipc_wait_ended(ch, ret);
	trace_cipc_wait_end(ch, ret);
	spin_unlock(&ch->lock);
	if (wake)
		cipc_wake(ch);
	return ret;
}

/**
 * cipc_item_put() - release what a wait took, once its message is copied
 * @ch: the channel
 * @it: the item
 */
void cipc_item_put(struct cipc_channel *ch, struct cipc_item *it)
{
	if (it->slot == CIPC_SLOT_NONE)
		return;
	spin_lock(&ch->lock);
	cipc_slot_put(&ch->queue, it->slot);
	spin_unlock(&ch->lock);
	it->slot = CIPC_SLOT_NONE;
}

/**
 * cipc_poll_ready() - whether a wait of this file would pass now
 * @cf: the file
 *
 * Return: true when the channel is done and no reinit is in progress, or
 * when the file's latch holds a complete_all() it has not seen.
 */
bool cipc_poll_ready(struct cipc_file *cf)
{
	struct cipc_channel *ch = cf->ch;
	bool ready;

	spin_lock(&ch->lock);
	ready = (!ch->draining && completion_done(&ch->done)) ||
		cipc_latched(ch, cf);
	spin_unlock(&ch->lock);
	return ready;
}
