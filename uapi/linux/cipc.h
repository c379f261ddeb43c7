/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * cipc: kernel completions as a user-space IPC primitive.
 *
 * This header is the whole ABI between the cipc driver, libcipc and cipcctl.
 * It may include only <linux/types.h> and <linux/ioctl.h>.
 *
 * Every channel is a character device, /dev/cipcN, holding one struct
 * completion, a message buffer of up to msg_max bytes, a signalling mode
 * and counters. The control device, /dev/cipc-control, adds and removes
 * channels at run time (CIPC_CTL_* below).
 *
 * Identifiers. A channel's index N (its slot, 0 <= N < max_channels) is
 * reused once the channel is removed; its id is not, for a long time:
 *
 *	id = seq * max_channels + N
 *
 * where seq is the slot's sequence number, 0 when the module is loaded and
 * incremented every time a channel in that slot is removed (the System V
 * IPC rule). A program that remembers the id of the channel it opened
 * tells a removed channel from its successor in the same slot. Ids restart
 * when the module is reloaded.
 *
 * Permissions. The driver creates every node root-only (0600); group access
 * is the business of udev (the packaged rule: group cipc, 0660). Whatever
 * the node's mode, adding and removing channels and resetting counters need
 * CAP_SYS_ADMIN (EPERM).
 *
 * Rules shared by every ioctl below:
 *  - structures have a fixed layout made of __u32/__u64 fields, their size
 *    a multiple of 8, identical for 32- and 64-bit callers; user pointers
 *    travel as __u64;
 *  - fields named reserved/pad and unknown bits of flags must be zero on
 *    input, otherwise the call fails with EINVAL and changes nothing;
 *  - a bad user pointer fails with EFAULT, an unknown command with ENOTTY
 *    (a command of another magic is ENOTTY even on a removed channel);
 *  - waiting (CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT, read(2)) needs a file opened
 *    for reading; signalling (CIPC_IOC_COMPLETE, CIPC_IOC_COMPLETE_ALL,
 *    write(2)), CIPC_IOC_REINIT and CIPC_IOC_SET_MODE need a file opened for
 *    writing; EBADF otherwise. Queries work on any open file;
 *  - once its channel is removed, every operation on an open file fails
 *    with ENODEV (poll reports EPOLLERR | EPOLLHUP), and blocked waiters
 *    that no signal released return ENODEV at once;
 *  - the VFS checks read(2) and write(2) before the driver sees them, so
 *    that, removed channel or not, read(2) on a file not opened for reading
 *    and write(2) on one not opened for writing fail with EBADF, and a
 *    buffer it rejects (a kernel address, or n reaching past the end of the
 *    address space) with EFAULT, before any size or state check.
 *
 * Notification. A file with O_ASYNC set (fcntl(F_SETFL)) and an owner
 * (F_SETOWN) delivers a signal to the owner on every complete and
 * complete_all, and once more when the channel is removed. With F_SETSIG
 * (any signal, SIGIO included) it carries si_code POLL_IN, or POLL_HUP for
 * the removal, si_fd the file and si_band; without F_SETSIG it is a plain
 * SIGIO (si_code SI_KERNEL, no si_fd), as the kernel sends it. As with any
 * signal, deliveries of one standard signal may merge; use a real-time
 * signal (F_SETSIG) to have them queued. The POLL_HUP of the removal is the
 * last signal: a signal sent while the channel is removed gets no POLL_IN.
 *
 * Trace events. The driver has tracepoints under the trace system "cipc"
 * (/sys/kernel/tracing/events/cipc/): cipc_signal, cipc_wait_start,
 * cipc_wait_end, cipc_channel_add, cipc_channel_remove and
 * cipc_channel_free. They are not ABI: their fields may change.
 */
#ifndef _UAPI_LINUX_CIPC_H
#define _UAPI_LINUX_CIPC_H

#include <linux/types.h>
#include <linux/ioctl.h>

/*
 * ABI version reported by CIPC_IOC_INFO. It changes only when an existing
 * command changes meaning or layout; new commands and new flags that were
 * reserved before do not change it.
 */
#define CIPC_ABI_VERSION	1

/* Largest msg_max the driver accepts (module parameter msg_max). */
#define CIPC_MSG_MAX_LIMIT	4096
/* Largest queue_depth (messages queued per channel) the driver accepts. */
#define CIPC_QUEUE_DEPTH_LIMIT	1024
/* Largest max_waiters (tasks blocked on one channel) the driver accepts. */
#define CIPC_MAX_WAITERS_LIMIT	65536

/* Signalling mode of a channel: what write(2) does after storing a message. */
#define CIPC_MODE_ONE		0	/* complete(): releases one waiter (FIFO) */
#define CIPC_MODE_ALL		1	/* complete_all(): releases every waiter */

/* Passed as cipc_wait.timeout_ns: wait until completed or interrupted. */
#define CIPC_TIMEOUT_FOREVER	(~(__u64)0)

/*
 * Semantics shared by every wait (read(2), CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT)
 * and by poll(2):
 *
 * The count. Every complete() adds one to the channel's count; a wait that
 * passes takes one. complete_all() puts the channel in the "all" state:
 * every wait passes, without taking anything, until CIPC_IOC_REINIT, which
 * resets the count to 0, leaves the "all" state and discards the messages
 * still queued. complete() in the "all" state changes nothing (its message
 * is discarded).
 *
 * Messages. Each complete() carries its own message (or none) into a FIFO
 * queue of at most queue_depth messages; the wait that takes that count
 * takes that message, so messages come out in the order they went in, each
 * exactly once. A complete() with a message fails with EAGAIN while
 * queue_depth messages are queued (or still being copied out to their
 * readers), and changes nothing; a complete() without a message never
 * needs room. complete_all()'s message is what every wait gets in the "all"
 * state, once the messages queued before it have been taken. Every signal
 * (complete or complete_all) gets a sequence number, 1, 2, 3, ... per
 * channel, returned to the signaller and to the waits it releases.
 *
 * The latch of an open file. A complete_all() is never lost by a file that
 * was waiting for it: if the file last saw the channel not done (a poll
 * that reported it not readable, a wait that blocked, failed or timed out,
 * or the open(2) itself) before a complete_all(), then even if a reinit
 * followed at once, the file's next poll reports it readable and its next
 * wait passes with that complete_all()'s message, generation and sequence
 * number (CIPC_WAIT_LATCHED). One wait per file passes so, however many
 * complete_all()/reinit rounds it missed: it gets the latest. Blocked
 * waiters need no latch: a reinit waits until the waiters that a signal
 * released have left.
 *
 * Removal. A wait that had taken a count, or was released by complete_all(),
 * before its channel was removed succeeds with its message; the others
 * fail with ENODEV.
 *
 * Waiters. At most max_waiters tasks (a module and CIPC_CTL_ADD parameter)
 * block on one channel at a time; one more wait that would block fails at
 * once with EUSERS. complete_all() wakes every blocked waiter with
 * interrupts off (the kernel's completion API does so); the limit bounds
 * that time, which matters on PREEMPT_RT.
 */

/* cipc_info.flags */
#define CIPC_INFO_ALL		0x1U	/* complete_all() is in effect */

/**
 * struct cipc_info - identity and state of a channel (CIPC_IOC_INFO)
 * @abi_version: CIPC_ABI_VERSION of the running driver
 * @index:       N of /dev/cipcN
 * @id:          the channel's identifier (see the top of this file)
 * @msg_max:     largest message in bytes
 * @mode:        CIPC_MODE_ONE or CIPC_MODE_ALL
 * @flags:       CIPC_INFO_ALL
 * @count:       waits that can pass now without complete_all(): the
 *               complete()s not yet taken (0 in the "all" state)
 * @waiters:     tasks blocked in a wait on this channel now
 * @max_waiters: most tasks that may block on it at once
 * @queued:      messages queued, not yet taken by a wait
 * @queue_depth: most messages queued at once
 * @generation:  0 at creation, incremented by every CIPC_IOC_REINIT
 * @seq:         sequence number of the last signal, 0 before the first
 * @msg_len:     length of the message the next wait would get
 * @reserved0:   set to zero by the driver
 * @reserved:    set to zero by the driver
 */
struct cipc_info {
	__u32 abi_version;
	__u32 index;
	__u64 id;
	__u32 msg_max;
	__u32 mode;
	__u32 flags;
	__u32 count;
	__u32 waiters;
	__u32 max_waiters;
	__u32 queued;
	__u32 queue_depth;
	__u64 generation;
	__u64 seq;
	__u32 msg_len;
	__u32 reserved0;
	__u64 reserved[4];
};

/* cipc_signal.flags */
#define CIPC_SIGNAL_MSG		0x1U		/* the signal carries a message */
#define CIPC_SIGNAL_FLAGS	CIPC_SIGNAL_MSG

/**
 * struct cipc_signal - argument of CIPC_IOC_COMPLETE and CIPC_IOC_COMPLETE_ALL
 * @msg:      user address of the message (with CIPC_SIGNAL_MSG)
 * @msg_len:  its length, 0..msg_max (EMSGSIZE above; changes nothing)
 * @flags:    CIPC_SIGNAL_MSG for a signal with a message (possibly empty);
 *            without it the signal has none and @msg, @msg_len must be 0
 * @seq:      out: the signal's sequence number
 * @reserved: must be zero
 */
struct cipc_signal {
	__u64 msg;
	__u32 msg_len;
	__u32 flags;
	__u64 seq;
	__u64 reserved[2];
};

/* cipc_wait.flags, in */
#define CIPC_WAIT_ABSTIME	0x1U	/* @timeout_ns is a time on @clockid */
#define CIPC_WAIT_FLAGS		CIPC_WAIT_ABSTIME

/* cipc_wait.result, out */
#define CIPC_WAIT_ALL		0x1U	/* passed by complete_all() */
#define CIPC_WAIT_LATCHED	0x2U	/* ... by the file's latch, after a reinit */
#define CIPC_WAIT_MSG		0x4U	/* the signal carried a message */

/**
 * struct cipc_wait - argument of CIPC_IOC_WAIT and CIPC_IOC_TRYWAIT
 * @timeout_ns: in: without CIPC_WAIT_ABSTIME, a relative timeout in
 *              nanoseconds, 0 tries once (ETIMEDOUT if the channel is not
 *              done), CIPC_TIMEOUT_FOREVER waits without limit. With
 *              CIPC_WAIT_ABSTIME, the time on @clockid at which the wait
 *              ends with ETIMEDOUT (a time already past tries once).
 *              The driver waits on a high-resolution timer with the
 *              caller's timer slack, as clock_nanosleep(2) does: the wait
 *              never ends before the deadline. Must be 0 for
 *              CIPC_IOC_TRYWAIT, and so must @flags and @clockid
 * @msg:        in: user buffer for the message, or 0 for none (then
 *              @msg_size must be 0: EINVAL)
 * @msg_size:   in: size of that buffer; a longer message is truncated
 * @msg_len:    out: full length of the message (may exceed @msg_size)
 * @generation: out: the channel's generation when the signal was sent
 * @seq:        out: the sequence number of the signal that released the
 *              wait
 * @flags:      in: CIPC_WAIT_ABSTIME or 0
 * @clockid:    in: with CIPC_WAIT_ABSTIME, CLOCK_MONOTONIC (1) or
 *              CLOCK_REALTIME (0); without it, must be 0
 * @result:     out: CIPC_WAIT_ALL, CIPC_WAIT_LATCHED, CIPC_WAIT_MSG
 * @pad:        must be zero
 * @reserved:   must be zero
 *
 * The message buffer and this structure are checked to be writable before
 * the wait (the driver reads and writes back the first and the last byte
 * of each: no page is faulted in): a bad pointer fails with EFAULT and
 * takes nothing. Only a buffer unmapped during the wait, or one with an
 * unmapped page inside, fails with EFAULT after the wait took its count.
 */
struct cipc_wait {
	__u64 timeout_ns;
	__u64 msg;
	__u32 msg_size;
	__u32 msg_len;
	__u64 generation;
	__u64 seq;
	__u32 flags;
	__s32 clockid;
	__u32 result;
	__u32 pad;
	__u64 reserved[2];
};

/**
 * struct cipc_stats - counters of a channel (CIPC_IOC_GET_STATS)
 *
 * The same counters are in /sys/class/cipc/cipcN/stats/. Every wait that
 * starts (read(2), CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT) counts in @wait and in
 * exactly one of @woken, @timeout, @interrupted and @again once it ends,
 * unless the channel is removed meanwhile.
 *
 * @complete:     complete() calls (CIPC_IOC_COMPLETE, write(2) in mode one)
 * @complete_all: complete_all() calls (CIPC_IOC_COMPLETE_ALL, write(2) in
 *                mode all)
 * @reinit:       successful CIPC_IOC_REINIT calls
 * @wait:         waits started
 * @woken:        waits that passed
 * @timeout:      waits that timed out
 * @interrupted:  waits ended by a signal
 * @again:        non-blocking waits that found the channel not done
 * @bytes_in:     message bytes stored by signallers
 * @bytes_out:    message bytes copied to waiters
 * @full:         signals refused with EAGAIN: the message queue was full
 * @discarded:    complete()s discarded by a reinit (or made by complete()
 *                in the "all" state) before any wait took them
 * @refused:      waits refused with EUSERS: max_waiters were blocked
 * @reserved:     set to zero by the driver
 */
struct cipc_stats {
	__u64 complete;
	__u64 complete_all;
	__u64 reinit;
	__u64 wait;
	__u64 woken;
	__u64 timeout;
	__u64 interrupted;
	__u64 again;
	__u64 bytes_in;
	__u64 bytes_out;
	__u64 full;
	__u64 discarded;
	__u64 refused;
	__u64 reserved[3];
};

/*
 * 0xC1 is free in the kernel's table of ioctl numbers
 * (Documentation/userspace-api/ioctl/ioctl-number.rst: 0xC0 is the USB
 * IO-Warrior's, 0xCA the next one taken). The number is checked against
 * that table whenever this header changes (README, "ioctl numbers").
 */
#define CIPC_IOC_MAGIC		0xC1

/* Identity and state of the channel. Any open mode. */
#define CIPC_IOC_INFO		_IOR(CIPC_IOC_MAGIC, 0x00, struct cipc_info)
/*
 * complete(): the count goes up by one, which releases the first blocked
 * waiter (the kernel queues waiters in arrival order; a wait that begins
 * meanwhile may take the count first), or lets the next wait pass if none
 * is blocked. The message, if any, goes with that count (see above).
 * EOVERFLOW when the count would reach 2^32 - 1; EAGAIN when the message
 * queue is full. In the "all" state it changes nothing and returns 0 with
 * seq 0: no sequence number is used, no file is notified.
 */
#define CIPC_IOC_COMPLETE	_IOWR(CIPC_IOC_MAGIC, 0x01, struct cipc_signal)
/*
 * complete_all(): every waiter passes, and every wait until CIPC_IOC_REINIT.
 * With a message it needs a free slot of the channel's pool (queue_depth +
 * 2 slots): EAGAIN only while queued messages and readers still copying out
 * earlier messages hold every one of them.
 */
#define CIPC_IOC_COMPLETE_ALL	_IOWR(CIPC_IOC_MAGIC, 0x02, struct cipc_signal)
/*
 * reinit_completion(): count back to 0, queued messages discarded, the
 * "all" state left, generation + 1. Waiters released by an earlier complete
 * or complete_all leave first: the call waits for them (briefly; new
 * waiters are held until it returns), so a complete_all followed at once
 * by a reinit never loses a wake-up. Blocked waiters that no signal
 * released stay blocked. EINTR if killed meanwhile, with nothing changed.
 */
#define CIPC_IOC_REINIT		_IO(CIPC_IOC_MAGIC, 0x03)
/*
 * Wait for the channel: returns 0 when it passed, -1 with ETIMEDOUT when
 * the timeout expired, EUSERS when max_waiters tasks are blocked already,
 * ENODEV when the channel was removed. A signal ends a wait: with
 * CIPC_WAIT_ABSTIME or CIPC_TIMEOUT_FOREVER the call restarts under
 * SA_RESTART (same deadline) and fails with EINTR otherwise; a relative
 * timeout always fails with EINTR, since restarting it would extend it.
 * O_NONBLOCK does not apply: the timeout says how long.
 */
#define CIPC_IOC_WAIT		_IOWR(CIPC_IOC_MAGIC, 0x04, struct cipc_wait)
/* try_wait_for_completion(): as CIPC_IOC_WAIT without blocking; EAGAIN. */
#define CIPC_IOC_TRYWAIT	_IOWR(CIPC_IOC_MAGIC, 0x05, struct cipc_wait)
/* 0x06 is retired (it returned the count with a sentinel; see INFO). */
#define CIPC_IOC_GET_MODE	_IOR(CIPC_IOC_MAGIC, 0x07, __u32)
/* CIPC_MODE_ONE or CIPC_MODE_ALL, anything else EINVAL. */
#define CIPC_IOC_SET_MODE	_IOW(CIPC_IOC_MAGIC, 0x08, __u32)
#define CIPC_IOC_GET_STATS	_IOR(CIPC_IOC_MAGIC, 0x09, struct cipc_stats)
/* Zero every counter. Needs CAP_SYS_ADMIN (EPERM). */
#define CIPC_IOC_RESET_STATS	_IO(CIPC_IOC_MAGIC, 0x0a)

/*
 * read(2) and write(2). write(fd, buf, n) is a signal with the n-byte
 * message buf (n may be 0), as the channel's mode says; it never blocks.
 * read(fd, buf, n) is a wait without timeout (O_NONBLOCK: EAGAIN instead
 * of blocking) that returns the message, truncated to n bytes, or the one
 * byte "\n" when the signal carried no message or an empty one: a read
 * that passed never returns 0 (readv(2) and writev(2) do one wait or one
 * signal per segment). n == 0 fails with EINVAL and a NULL or
 * unwritable buffer with EFAULT; neither takes anything from the channel
 * (as for CIPC_IOC_WAIT, a buffer unmapped during the wait is the
 * exception).
 */

/*
 * The control device, /dev/cipc-control (a misc device). Its ioctls share
 * the magic of the channel ioctls; each device answers only its own
 * (ENOTTY). CIPC_CTL_INFO works for anyone who can open the node;
 * CIPC_CTL_ADD and CIPC_CTL_REMOVE need CAP_SYS_ADMIN (EPERM), checked
 * before anything else, then a file opened for writing (EBADF).
 */
#define CIPC_CONTROL_NAME	"cipc-control"

/**
 * struct cipc_ctl_info - the module's channels and limits (CIPC_CTL_INFO)
 * @abi_version:  CIPC_ABI_VERSION of the running driver
 * @channels:     channels that exist now
 * @max_channels: module parameter max_channels: indexes are below it, ids
 *                are computed modulo it, and no more channels can exist
 * @msg_max:      module parameter msg_max: the default message size of a
 *                new channel
 * @queue_depth:  module parameter queue_depth, the default of a new channel
 * @max_waiters:  module parameter max_waiters, the default of a new channel
 * @reserved:     set to zero by the driver
 */
struct cipc_ctl_info {
	__u32 abi_version;
	__u32 channels;
	__u32 max_channels;
	__u32 msg_max;
	__u32 queue_depth;
	__u32 max_waiters;
	__u64 reserved[5];
};

/* cipc_ctl_channel.flags */
#define CIPC_ADD_INDEX		0x1U	/* CIPC_CTL_ADD at @index */
#define CIPC_REMOVE_ID		0x2U	/* CIPC_CTL_REMOVE only if the id is @id */

/**
 * struct cipc_ctl_channel - argument of CIPC_CTL_ADD and CIPC_CTL_REMOVE
 * @id:       ADD: out, the new channel's id; must be 0 on input.
 *            REMOVE: with CIPC_REMOVE_ID, the id the channel at @index must
 *            have (ESTALE if it has another); otherwise must be 0
 * @index:    ADD: with CIPC_ADD_INDEX, the index wanted, else must be 0;
 *            out, the new channel's index. REMOVE: the channel to remove
 * @flags:    ADD: 0 or CIPC_ADD_INDEX; REMOVE: 0 or CIPC_REMOVE_ID
 * @msg_max:  ADD: largest message of the new channel, 1..CIPC_MSG_MAX_LIMIT,
 *            or 0 for the module's msg_max; out, the value used.
 *            REMOVE: must be 0
 * @queue_depth: ADD: most messages queued, 1..CIPC_QUEUE_DEPTH_LIMIT, or 0
 *            for the module's queue_depth; out, the value used.
 *            REMOVE: must be 0
 * @max_waiters: ADD: most blocked waiters, 1..CIPC_MAX_WAITERS_LIMIT, or 0
 *            for the module's max_waiters; out, the value used.
 *            REMOVE: must be 0
 * @pad:      must be zero
 * @reserved: must be zero
 */
struct cipc_ctl_channel {
	__u64 id;
	__u32 index;
	__u32 flags;
	__u32 msg_max;
	__u32 queue_depth;
	__u32 max_waiters;
	__u32 pad;
	__u64 reserved[2];
};

/*
 * Add a channel: /dev/cipcN and /sys/class/cipc/cipcN appear, complete when
 * the uevent is sent. Without CIPC_ADD_INDEX at the lowest free index.
 * EEXIST: the index is taken; ENOSPC: max_channels channels exist, or the
 * index asked for is max_channels or more; EINVAL: bad flags, msg_max,
 * queue_depth, max_waiters or reserved fields; ENOMEM. The argument is
 * checked to be writable first; only if another thread unmaps it meanwhile
 * does the call fail with EFAULT after the channel was added (its node and
 * sysfs id show it).
 */
#define CIPC_CTL_ADD		_IOWR(CIPC_IOC_MAGIC, 0x40, struct cipc_ctl_channel)
/*
 * Remove the channel at @index, in use or not: its blocked waiters return
 * ENODEV at once (those that a signal had released succeed, see above),
 * later operations on its open files fail with ENODEV, its
 * node and sysfs directory go now, its memory when the last file is closed.
 * The slot's seq is incremented, so the next channel there has a new id.
 * ENOENT: no channel at @index (whatever @index); ESTALE:
 * CIPC_REMOVE_ID and the channel at @index has another id.
 */
#define CIPC_CTL_REMOVE		_IOW(CIPC_IOC_MAGIC, 0x41, struct cipc_ctl_channel)
/* Channels and limits. Any open mode, no privilege. */
#define CIPC_CTL_INFO		_IOR(CIPC_IOC_MAGIC, 0x42, struct cipc_ctl_info)

#endif /* _UAPI_LINUX_CIPC_H */
