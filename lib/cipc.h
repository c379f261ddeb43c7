/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcipc 1.0: kernel completions (the cipc driver, /dev/cipcN) for
 * programs.
 *
 * Conventions, as in libgpiod v2:
 *  - a channel is an opaque handle, struct cipc_channel, opened and closed
 *    by the library; so is the control device, struct cipc_control;
 *  - queries return opaque snapshot objects (struct cipc_channel_info,
 *    struct cipc_channel_stats, struct cipc_control_info) read with const
 *    getters and released with their _free() function; a snapshot never
 *    changes after it is taken;
 *  - functions returning int return 0 (or a documented non-negative value)
 *    on success and -1 with errno set on failure; functions returning a
 *    pointer return NULL with errno set; nothing prints, exits or aborts;
 *  - times are int64_t nanoseconds, sizes size_t, indexes unsigned int,
 *    ids, generations and sequence numbers uint64_t;
 *  - there is no global state: one handle may be used by several threads at
 *    once for waits and signals (the kernel serialises them); opening and
 *    closing a handle must not race with its use;
 *  - a handle remembers the id of the channel it opened (ids are never
 *    reused soon, see cipc_channel_id()). Once that channel is removed,
 *    every call through the handle fails with ENODEV, or with ESTALE when
 *    its index already holds a different channel: the handle is stale and
 *    only cipc_channel_close() is left to do with it. Both errors mean
 *    "removed" and should be handled alike: which one a stale handle gets
 *    changes as successors come and go at its index (ENODEV, then ESTALE
 *    once another channel is added there, ENODEV again once that one is
 *    removed, ...).
 *
 * Semantics of the driver, in short (see <linux/cipc.h> and libcipc(3)):
 * every complete() adds one to the channel's count and queues its message
 * (or none) in a FIFO of queue_depth messages; a wait that passes takes one
 * count and the message at the head of the queue. complete_all() lets
 * every wait pass, without taking anything, until a reinit. Every signal
 * gets a sequence number 1, 2, 3, ... per channel.
 *
 * Build with: pkg-config --cflags --libs libcipc
 */
#ifndef CIPC_LIB_H
#define CIPC_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An open channel, /dev/cipcN. */
struct cipc_channel;

/** The open control device, /dev/cipc-control: adds and removes channels. */
struct cipc_control;

/** Snapshot of a channel's identity and state (cipc_channel_get_info()). */
struct cipc_channel_info;

/** Snapshot of a channel's counters (cipc_channel_get_stats()). */
struct cipc_channel_stats;

/** Snapshot of the module's channels and limits (cipc_control_get_info()). */
struct cipc_control_info;

/** Signalling modes: what cipc_channel_send() with CIPC_SEND_MODE does. */
enum cipc_channel_mode {
	CIPC_CHANNEL_MODE_ONE = 0,	/**< complete(): releases one waiter */
	CIPC_CHANNEL_MODE_ALL = 1,	/**< complete_all(): releases all */
};

/** How cipc_channel_send() signals. */
enum cipc_send_how {
	CIPC_SEND_ONE = 0,		/**< complete() */
	CIPC_SEND_ALL = 1,		/**< complete_all() */
	CIPC_SEND_MODE = 2,		/**< as the channel's mode says */
};

/** The counters of a channel, as named in /sys/class/cipc/cipcN/stats/. */
enum cipc_stat {
	CIPC_STAT_COMPLETE = 0,		/**< "complete": complete() calls */
	CIPC_STAT_COMPLETE_ALL,		/**< "complete_all": complete_all() calls */
	CIPC_STAT_REINIT,		/**< "reinit": successful reinits */
	CIPC_STAT_WAIT,			/**< "wait": waits started */
	CIPC_STAT_WOKEN,		/**< "woken": waits that passed */
	CIPC_STAT_TIMEOUT,		/**< "timeout": waits that timed out */
	CIPC_STAT_INTERRUPTED,		/**< "interrupted": ended by a signal */
	CIPC_STAT_AGAIN,		/**< "again": non-blocking, found nothing */
	CIPC_STAT_BYTES_IN,		/**< "bytes_in": message bytes stored */
	CIPC_STAT_BYTES_OUT,		/**< "bytes_out": message bytes copied out */
	CIPC_STAT_FULL,			/**< "full": signals refused, queue full */
	CIPC_STAT_DISCARDED,		/**< "discarded": complete()s never taken */
	CIPC_STAT_REFUSED,		/**< "refused": waits refused with EUSERS */
	CIPC_STAT_NR			/**< number of counters (not one) */
};

/** Timeout of cipc_channel_wait() and cipc_channel_receive(): none (any
 *  negative value means the same). */
#define CIPC_TIMEOUT_INFINITE	((int64_t)-1)

/** cipc_control_add(): at the lowest free index. */
#define CIPC_INDEX_ANY		(~0U)

/* cipc_msg_info.flags (the values of the driver's CIPC_WAIT_* results) */
#define CIPC_MSG_ALL		0x1U	/**< passed by complete_all() */
#define CIPC_MSG_LATCHED	0x2U	/**< ... remembered by the handle's
					     latch: a reinit followed it */
#define CIPC_MSG_HAS_MSG	0x4U	/**< the signal carried a message
					     (possibly empty) */

/**
 * What a wait got (cipc_channel_receive() and friends). The library fills
 * every field, reserved ones with zeros, when the wait passed; a failed
 * wait leaves the structure as it was.
 */
struct cipc_msg_info {
	size_t len;		/**< full length of the message (may exceed
				     the buffer); 0 without one */
	uint64_t generation;	/**< the channel's generation (number of
				     reinits) when the signal was sent */
	uint64_t seq;		/**< sequence number of the signal that
				     released the wait (1, 2, 3, ...) */
	unsigned int flags;	/**< CIPC_MSG_ALL, CIPC_MSG_LATCHED,
				     CIPC_MSG_HAS_MSG */
	unsigned int reserved[7];	/**< zeroed by the library */
};

/* ------------------------------------------------------------------ */
/* Library                                                             */

/** @return the library's version, e.g. "1.0.0". Never NULL. */
const char *cipc_version_string(void);

/** @return the driver ABI version the library was built for. */
unsigned int cipc_abi_version(void);

/**
 * List the channels that exist, from /sys/class/cipc/cipcN.
 * @param indexes  array of @p max entries, filled with the indexes in
 *                 ascending order (may be NULL if @p max is 0)
 * @param max      its size
 * @return how many channels exist (may exceed @p max: only the first
 *         @p max are stored; call again with a larger array), or -1 with
 *         errno: ENOENT the module is not loaded (or sysfs not mounted),
 *         EINVAL @p indexes NULL with @p max > 0, EACCES, ENOMEM, EMFILE.
 *         A snapshot: channels may come and go right after.
 */
ssize_t cipc_list_channels(unsigned int *indexes, size_t max);

/* ------------------------------------------------------------------ */
/* Opening a channel                                                   */

/**
 * Open /dev/cipcN.
 * @param index  N
 * @param flags  O_RDONLY (wait), O_WRONLY (signal) or O_RDWR, optionally
 *               O_NONBLOCK (kept on the descriptor: it affects only read(2)
 *               on cipc_channel_fd(); the library's waits take a timeout
 *               instead); O_CLOEXEC is always added (passing it is allowed)
 * @return a handle, or NULL with errno: ENOENT no such channel (or /proc
 *         is not mounted: the node is reopened through /proc/self/fd),
 *         EACCES, EINVAL bad flags, ENODEV not a cipc device (or a channel
 *         that no longer exists), EPROTO the driver's ABI version is not the
 *         one the library was built for (upgrade both together), ENOMEM.
 */
struct cipc_channel *cipc_channel_open(unsigned int index, int flags);

/**
 * Open a channel by path, e.g. "/dev/cipc0". The node must be a character
 * device of the cipc class (ENODEV otherwise). Errors as cipc_channel_open(),
 * and EINVAL for a NULL @p path.
 */
struct cipc_channel *cipc_channel_open_path(const char *path, int flags);

/**
 * Open the channel with this id (at index id % max_channels), as
 * cipc_channel_open() does.
 * @return a handle, or NULL with errno: ESTALE the channel at that index
 *         is not the one with this id (it was removed, or the id was never
 *         issued), ENOENT no channel at its index (also when a node is left
 *         at /dev/cipcN by a removed channel, or a removal races with the
 *         call; or the module is not loaded), and the other errors of
 *         cipc_channel_open() (never ENODEV).
 */
struct cipc_channel *cipc_channel_open_id(uint64_t id, int flags);

/**
 * Wrap an open file descriptor of a cipc channel. On success the handle
 * owns @p fd (cipc_channel_close() closes it); on failure the caller still
 * owns it. Errors as cipc_channel_open(), EBADF for a bad descriptor.
 */
struct cipc_channel *cipc_channel_from_fd(int fd);

/** Close the handle and its descriptor. NULL is ignored; errno is kept. */
void cipc_channel_close(struct cipc_channel *ch);

/**
 * @return the descriptor, for poll()/epoll (readable = a wait through this
 *         handle would pass now, the handle's latch included), or -1 with
 *         EINVAL for a NULL handle. It stays owned by the handle.
 */
int cipc_channel_fd(struct cipc_channel *ch);

/** @return N of /dev/cipcN, or UINT_MAX with EINVAL for a NULL handle. */
unsigned int cipc_channel_index(struct cipc_channel *ch);

/**
 * @return the id of the channel the handle opened: seq * max_channels + N,
 *         where seq counts the channels removed from index N since the
 *         module was loaded, so that a removed channel's id is not given
 *         to its successor. Ids are valid for one load of the module: they
 *         start again when it is reloaded, so an id kept across a reload
 *         may name an unrelated channel (as System V IPC ids across a
 *         reboot). UINT64_MAX with EINVAL for a NULL handle.
 */
uint64_t cipc_channel_id(struct cipc_channel *ch);

/* ------------------------------------------------------------------ */
/* Signalling (handle opened for writing, else EBADF)                  */

/**
 * complete() without a message: the count goes up by one, which releases
 * the first blocked waiter, or lets the next wait pass. Never needs room in
 * the message queue. In the "all" state it changes nothing and returns 0.
 * @return 0, or -1 with errno: EBADF not opened for writing, EOVERFLOW
 *         the count is at its limit, ENODEV/ESTALE channel removed,
 *         EINVAL @p ch NULL.
 */
int cipc_channel_complete(struct cipc_channel *ch);

/**
 * complete_all() without a message: every waiter passes, and every wait
 * until cipc_channel_reinit().
 * @return 0, or -1 with errno: EBADF, ENODEV/ESTALE, EINVAL.
 */
int cipc_channel_complete_all(struct cipc_channel *ch);

/**
 * reinit: the count back to 0, queued messages discarded, the "all" state
 * left, generation + 1.
 * @return 0, or -1 with errno: EBADF, EINTR (killed meanwhile; nothing
 *         changed), ENODEV/ESTALE, EINVAL.
 */
int cipc_channel_reinit(struct cipc_channel *ch);

/**
 * Signal, with a message or without.
 * @param msg  the message, @p len bytes; msg NULL with len 0 signals
 *             without a message (the wait gets none: CIPC_MSG_HAS_MSG
 *             clear); msg not NULL with len 0 sends an empty message
 * @param how  CIPC_SEND_ONE (complete()), CIPC_SEND_ALL (complete_all()),
 *             CIPC_SEND_MODE (as the channel's mode says: with a message
 *             and @p seq NULL this is one write(2), atomic with respect to
 *             cipc_channel_set_mode(); otherwise the library reads the
 *             mode, then signals, so a mode set meanwhile may not apply)
 * @param seq  if not NULL, receives the signal's sequence number; 0 for
 *             a complete() in the "all" state, which changes nothing (its
 *             message is discarded)
 * @return 0, or -1 with errno: EAGAIN a message and the queue is full
 *         (queue_depth messages not yet taken; nothing changed: retry
 *         once a waiter has taken one), EMSGSIZE len > msg_max, EINVAL bad
 *         @p how, @p ch NULL, or @p msg NULL with @p len > 0, EBADF not
 *         opened for writing, EFAULT, EOVERFLOW, ENODEV/ESTALE.
 */
int cipc_channel_send(struct cipc_channel *ch, const void *msg, size_t len,
		      enum cipc_send_how how, uint64_t *seq);

/* ------------------------------------------------------------------ */
/* Waiting (handle opened for reading, else EBADF)                     */

/**
 * Wait until the channel is done, taking one count (and discarding the
 * message that goes with it).
 * @param timeout_ns  relative timeout in nanoseconds; negative
 *                    (CIPC_TIMEOUT_INFINITE) waits forever; 0 tries once
 *                    and fails with ETIMEDOUT if the channel is not done.
 *                    A positive timeout is turned into an absolute
 *                    CLOCK_MONOTONIC deadline, so that a wait restarted
 *                    after a signal handler installed with SA_RESTART keeps
 *                    its deadline; the wait never ends before it.
 * @return 0 when it passed; -1 with errno: ETIMEDOUT, EINTR (a handler
 *         without SA_RESTART ran; nothing taken), EUSERS (max_waiters tasks
 *         are blocked already), EBADF not opened for reading, ENODEV/ESTALE
 *         channel removed, EINVAL @p ch NULL.
 */
int cipc_channel_wait(struct cipc_channel *ch, int64_t timeout_ns);

/**
 * Wait until the channel is done or @p clockid reads @p deadline_ns.
 * @param clockid      CLOCK_MONOTONIC or CLOCK_REALTIME (EINVAL otherwise);
 *                     a deadline on CLOCK_REALTIME follows changes of the
 *                     clock (settimeofday), as clock_nanosleep(2) does
 * @param deadline_ns  absolute time in nanoseconds on that clock; a time
 *                     already past (negative included) tries once
 * @return as cipc_channel_wait(); SA_RESTART handlers restart the wait with
 *         the same deadline.
 */
int cipc_channel_wait_until(struct cipc_channel *ch, clockid_t clockid,
			    int64_t deadline_ns);

/**
 * Take a count if the channel is done now, without ever blocking.
 * @return 0, or -1 with errno: EAGAIN not done (counted as "again", not
 *         "timeout"), EBADF, ENODEV/ESTALE, EINVAL. Never EUSERS.
 */
int cipc_channel_trywait(struct cipc_channel *ch);

/**
 * Wait as cipc_channel_wait() does, then copy the message of the signal
 * that released the wait (the head of the queue, or complete_all()'s).
 * @param buf         buffer of @p size bytes; a longer message is truncated
 *                    (NULL with @p size 0: only @p info is wanted)
 * @param timeout_ns  as for cipc_channel_wait()
 * @param info        if not NULL, receives the full length, generation,
 *                    seq and flags of what the wait got
 * @return bytes copied (the message truncated to @p size; 0 for a signal
 *         without a message or with an empty one: @p info tells which), or
 *         -1 with errno as for cipc_channel_wait(), EINVAL (@p buf NULL with
 *         @p size > 0), EFAULT (@p buf not writable: nothing is taken, the
 *         count and message stay at the head of the queue).
 */
ssize_t cipc_channel_receive(struct cipc_channel *ch, void *buf, size_t size,
			     int64_t timeout_ns, struct cipc_msg_info *info);

/**
 * cipc_channel_receive() with an absolute deadline, as
 * cipc_channel_wait_until().
 */
ssize_t cipc_channel_receive_until(struct cipc_channel *ch, void *buf,
				   size_t size, clockid_t clockid,
				   int64_t deadline_ns,
				   struct cipc_msg_info *info);

/**
 * cipc_channel_receive() without ever blocking, as cipc_channel_trywait():
 * for event loops that poll cipc_channel_fd().
 * @return bytes copied, or -1 with errno: EAGAIN not done (another reader
 *         may have taken what poll reported), and the errors of
 *         cipc_channel_receive() except ETIMEDOUT, EINTR and EUSERS.
 */
ssize_t cipc_channel_tryreceive(struct cipc_channel *ch, void *buf,
				size_t size, struct cipc_msg_info *info);

/**
 * @return 1 if a wait would pass now (count > 0, or the "all" state), 0 if
 *         not, -1 with errno (ENODEV/ESTALE, EINVAL). Takes nothing; works
 *         on any handle. A snapshot of the channel (CIPC_IOC_INFO): it does
 *         not see this handle's latch (poll cipc_channel_fd() for that).
 */
int cipc_channel_done(struct cipc_channel *ch);

/* ------------------------------------------------------------------ */
/* Mode, state and counters                                            */

/**
 * Read the signalling mode into *@p mode.
 * @return 0, or -1 with errno: EINVAL (@p ch or @p mode NULL),
 *         ENODEV/ESTALE, EPROTO (a mode this library does not know).
 */
int cipc_channel_get_mode(struct cipc_channel *ch,
			  enum cipc_channel_mode *mode);

/**
 * Set the signalling mode.
 * @return 0, or -1 with errno: EINVAL unknown mode, EBADF not opened for
 *         writing, ENODEV/ESTALE.
 */
int cipc_channel_set_mode(struct cipc_channel *ch, enum cipc_channel_mode mode);

/**
 * Take a snapshot of the channel's identity and state (any open mode).
 * @return a new object, to free with cipc_channel_info_free(), or NULL
 *         with errno: EINVAL (@p ch NULL), ENODEV/ESTALE, ENOMEM.
 */
struct cipc_channel_info *cipc_channel_get_info(struct cipc_channel *ch);

/** Free a snapshot. NULL is ignored; errno is kept. */
void cipc_channel_info_free(struct cipc_channel_info *info);

/*
 * Getters of a snapshot. @p info must not be NULL (they return 0 for NULL
 * to be safe, without setting errno).
 */
/** @return N of /dev/cipcN. */
unsigned int cipc_channel_info_get_index(const struct cipc_channel_info *info);
/** @return the channel's id (see cipc_channel_id()). */
uint64_t cipc_channel_info_get_id(const struct cipc_channel_info *info);
/** @return the ABI version of the running driver. */
unsigned int
cipc_channel_info_get_abi_version(const struct cipc_channel_info *info);
/** @return the largest message in bytes. */
size_t cipc_channel_info_get_msg_max(const struct cipc_channel_info *info);
/** @return the signalling mode. */
enum cipc_channel_mode
cipc_channel_info_get_mode(const struct cipc_channel_info *info);
/** @return true in the "all" state (complete_all() since the last reinit). */
bool cipc_channel_info_is_all(const struct cipc_channel_info *info);
/** @return the complete()s not yet taken (0 in the "all" state). */
uint32_t cipc_channel_info_get_count(const struct cipc_channel_info *info);
/** @return the tasks blocked in a wait on the channel. */
unsigned int cipc_channel_info_get_waiters(const struct cipc_channel_info *info);
/** @return the most tasks that may block on the channel at once. */
unsigned int
cipc_channel_info_get_max_waiters(const struct cipc_channel_info *info);
/** @return the messages queued, not yet taken by a wait. */
unsigned int cipc_channel_info_get_queued(const struct cipc_channel_info *info);
/** @return the most messages queued at once. */
unsigned int
cipc_channel_info_get_queue_depth(const struct cipc_channel_info *info);
/** @return the generation: 0 at creation, + 1 per reinit. */
uint64_t cipc_channel_info_get_generation(const struct cipc_channel_info *info);
/** @return the sequence number of the last signal, 0 before the first. */
uint64_t cipc_channel_info_get_seq(const struct cipc_channel_info *info);
/** @return the length of the message the next wait would get. */
size_t cipc_channel_info_get_msg_len(const struct cipc_channel_info *info);

/**
 * Take a snapshot of the channel's counters (any open mode).
 * @return a new object, to free with cipc_channel_stats_free(), or NULL
 *         with errno: EINVAL, ENODEV/ESTALE, ENOMEM.
 */
struct cipc_channel_stats *cipc_channel_get_stats(struct cipc_channel *ch);

/** Free a snapshot. NULL is ignored; errno is kept. */
void cipc_channel_stats_free(struct cipc_channel_stats *stats);

/**
 * @return the counter @p stat of the snapshot; 0 for an unknown @p stat
 *         (or a NULL @p stats), without setting errno.
 */
uint64_t cipc_channel_stats_get(const struct cipc_channel_stats *stats,
				enum cipc_stat stat);

/**
 * @return the name of counter @p stat, as its file in
 *         /sys/class/cipc/cipcN/stats/ ("complete", "complete_all", ...,
 *         "refused"), or NULL for an unknown @p stat (CIPC_STAT_NR too).
 */
const char *cipc_stat_name(enum cipc_stat stat);

/**
 * Zero the channel's counters.
 * @return 0, or -1 with errno: EPERM without CAP_SYS_ADMIN, ENODEV/ESTALE,
 *         EINVAL.
 */
int cipc_channel_reset_stats(struct cipc_channel *ch);

/* ------------------------------------------------------------------ */
/* The control device                                                  */

/**
 * Open /dev/cipc-control, read-write, or read-only if the caller may only
 * read the node: that is enough for cipc_control_get_info(), while adding
 * and removing then fail with EPERM without CAP_SYS_ADMIN, EBADF with it.
 * @return a handle, or NULL with errno: ENOENT the module is not loaded
 *         (or /proc is not mounted), EACCES (the node is root-only unless
 *         udev grants a group), ENODEV not the cipc control device, EPROTO
 *         driver ABI mismatch, ENOMEM.
 */
struct cipc_control *cipc_control_open(void);

/** Close the control handle. NULL is ignored; errno is kept. */
void cipc_control_close(struct cipc_control *ctl);

/**
 * Take a snapshot of the module's channels and limits.
 * @return a new object, to free with cipc_control_info_free(), or NULL
 *         with errno: EINVAL (@p ctl NULL), ENOMEM.
 */
struct cipc_control_info *cipc_control_get_info(struct cipc_control *ctl);

/** Free a snapshot. NULL is ignored; errno is kept. */
void cipc_control_info_free(struct cipc_control_info *info);

/* Getters (0 for a NULL @p info, without setting errno). */
/** @return the ABI version of the running driver. */
unsigned int
cipc_control_info_get_abi_version(const struct cipc_control_info *info);
/** @return the channels that exist now. */
unsigned int cipc_control_info_get_channels(const struct cipc_control_info *info);
/** @return max_channels: indexes are below it. */
unsigned int
cipc_control_info_get_max_channels(const struct cipc_control_info *info);
/** @return the module's msg_max: the default of a new channel. */
size_t cipc_control_info_get_msg_max(const struct cipc_control_info *info);
/** @return the module's queue_depth: the default of a new channel. */
unsigned int
cipc_control_info_get_queue_depth(const struct cipc_control_info *info);
/** @return the module's max_waiters: the default of a new channel. */
unsigned int
cipc_control_info_get_max_waiters(const struct cipc_control_info *info);

/**
 * Add a channel. Needs CAP_SYS_ADMIN.
 * @param index        the index wanted, or CIPC_INDEX_ANY for the lowest
 *                     free one
 * @param msg_max      its largest message, 1..4096, or 0 for the module's
 *                     msg_max
 * @param queue_depth  most messages queued, 1..1024, or 0 for the module's
 *                     queue_depth
 * @param max_waiters  most blocked waiters, 1..65536, or 0 for the
 *                     module's max_waiters
 * @param new_index    if not NULL, receives the new channel's index
 * @param id           if not NULL, receives the new channel's id
 * @return 0, or -1 with errno: EPERM, EBADF the handle was opened
 *         read-only (see cipc_control_open()), EEXIST index taken, ENOSPC
 *         max_channels reached (or index >= max_channels), EINVAL
 *         (@p ctl NULL, or msg_max, queue_depth or max_waiters above its
 *         limit), ENOMEM.
 */
int cipc_control_add(struct cipc_control *ctl, unsigned int index,
		     size_t msg_max, unsigned int queue_depth,
		     unsigned int max_waiters, unsigned int *new_index,
		     uint64_t *id);

/**
 * Remove the channel at @p index, in use or not: its blocked waiters return
 * ENODEV (those a signal had released succeed) and its open handles go
 * stale. Needs CAP_SYS_ADMIN.
 * @return 0, or -1 with errno: EPERM, EBADF (as for cipc_control_add()),
 *         ENOENT no channel at @p index, EINVAL @p ctl NULL.
 */
int cipc_control_remove(struct cipc_control *ctl, unsigned int index);

/**
 * Remove the channel with id @p id, only if it still exists.
 * @return 0, or -1 with errno: EPERM, EBADF, ENOENT no channel at its
 *         index, ESTALE the channel at that index is not the one with this
 *         id (it was removed, or the id was never issued; nothing removed),
 *         EINVAL.
 */
int cipc_control_remove_id(struct cipc_control *ctl, uint64_t id);

#ifdef __cplusplus
}
#endif

#endif /* CIPC_LIB_H */
