/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcipc: kernel completions (the cipc driver, /dev/cipcN) for programs.
 *
 * Conventions, as in libgpiod:
 *  - a channel is an opaque handle, struct cipc_channel, opened and closed
 *    by the library;
 *  - functions returning int return 0 (or a documented non-negative value)
 *    on success and -1 with errno set on failure; functions returning a
 *    pointer return NULL with errno set; nothing prints, exits or aborts;
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
 * Build with: pkg-config --cflags --libs libcipc
 */
#ifndef CIPC_LIB_H
#define CIPC_LIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An open channel, /dev/cipcN. */
struct cipc_channel;

/** The open control device, /dev/cipc-control: adds and removes channels. */
struct cipc_control;

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

/** Timeout of cipc_channel_wait() and cipc_channel_receive(): none. */
#define CIPC_TIMEOUT_INFINITE	((int64_t)-1)

/** cipc_channel_info.count after complete_all(). */
#define CIPC_COUNT_ALL		0xffffffffU

/** Identity and state of a channel (cipc_channel_get_info()). */
struct cipc_channel_info {
	unsigned int index;		/**< N of /dev/cipcN */
	uint64_t id;			/**< identifier, see cipc_channel_id() */
	unsigned int abi_version;	/**< the driver's ABI version */
	size_t msg_max;			/**< largest message in bytes */
	enum cipc_channel_mode mode;	/**< current mode */
	uint32_t count;			/**< 0, waits that can pass, or CIPC_COUNT_ALL */
	unsigned int waiters;		/**< tasks waiting now */
	uint64_t generation;		/**< number of reinits */
	size_t msg_len;			/**< length of the current message */
};

/** Counters of a channel (cipc_channel_get_stats()), as in sysfs. */
struct cipc_channel_stats {
	uint64_t complete;		/**< complete() calls */
	uint64_t complete_all;		/**< complete_all() calls */
	uint64_t reinit;		/**< reinits */
	uint64_t wait;			/**< waits started */
	uint64_t woken;			/**< waits that passed */
	uint64_t timeout;		/**< waits that timed out */
	uint64_t interrupted;		/**< waits ended by a signal */
	uint64_t again;			/**< non-blocking waits that found nothing */
	uint64_t bytes_in;		/**< message bytes written */
	uint64_t bytes_out;		/**< message bytes read */
};

/** The module's channels and limits (cipc_control_get_info()). */
struct cipc_control_info {
	unsigned int abi_version;	/**< the driver's ABI version */
	unsigned int channels;		/**< channels that exist now */
	unsigned int max_channels;	/**< limit; indexes are below it */
	size_t msg_max;			/**< default message size of new channels */
};

/** cipc_control_add(): at the lowest free index. */
#define CIPC_INDEX_ANY		(-1)

/** @return the library's version, e.g. "0.1.0". */
const char *cipc_version_string(void);

/** @return the driver ABI version the library was built for. */
unsigned int cipc_abi_version(void);

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
 * device of the cipc class (ENODEV otherwise). Errors as cipc_channel_open().
 */
struct cipc_channel *cipc_channel_open_path(const char *path, int flags);

/**
 * Wrap an open file descriptor of a cipc channel. On success the handle
 * owns @p fd (cipc_channel_close() closes it); on failure the caller still
 * owns it. Errors as cipc_channel_open(), EBADF for a bad descriptor.
 */
struct cipc_channel *cipc_channel_from_fd(int fd);

/** Close the handle and its descriptor. NULL is ignored; errno is kept. */
void cipc_channel_close(struct cipc_channel *ch);

/** @return the descriptor, for poll()/epoll (readable = a wait would pass). */
int cipc_channel_fd(struct cipc_channel *ch);

/** @return N of /dev/cipcN. */
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

/** complete(): release one waiter. EBADF not opened for writing,
 *  EOVERFLOW count at its limit, ENODEV channel removed. */
int cipc_channel_complete(struct cipc_channel *ch);

/** complete_all(): release every waiter until cipc_channel_reinit(). */
int cipc_channel_complete_all(struct cipc_channel *ch);

/** Reset the count, clear the message, next generation. EBADF, EINTR. */
int cipc_channel_reinit(struct cipc_channel *ch);

/**
 * Wait until the channel is completed.
 * @param timeout_ns  relative timeout; 0 tries once; negative waits forever
 * @return 0 when completed; -1 with errno ETIMEDOUT (timed out), EINTR (a
 *         signal handler ran; the library never retries: a timed wait always
 *         fails with EINTR, a wait without timeout only if the handler lacks
 *         SA_RESTART, otherwise the kernel restarts it transparently), or
 *         another errno for an error (EBADF not opened for reading, ENODEV
 *         channel removed).
 */
int cipc_channel_wait(struct cipc_channel *ch, int64_t timeout_ns);

/** Consume a completion if there is one: 0, or -1 with EAGAIN. */
int cipc_channel_trywait(struct cipc_channel *ch);

/** @return 1 if a wait would pass now, 0 if not, -1 on error. Consumes
 *  nothing. */
int cipc_channel_done(struct cipc_channel *ch);

/**
 * Store a message and signal.
 * @param msg  message, @p len bytes (0 is an empty message)
 * @param how  CIPC_SEND_ONE, CIPC_SEND_ALL or CIPC_SEND_MODE
 * @return 0, or -1 with EMSGSIZE (len > msg_max), EINVAL (bad how), EBADF,
 *         EFAULT, EOVERFLOW, ENODEV.
 */
int cipc_channel_send(struct cipc_channel *ch, const void *msg, size_t len,
		      enum cipc_send_how how);

/**
 * Wait, then copy the message current when the wait ended.
 * @param buf         buffer of @p size bytes; a longer message is truncated
 *                    (NULL with @p size 0: wait, only the length is wanted)
 * @param timeout_ns  as for cipc_channel_wait()
 * @param msg_len     if not NULL, the full length of the message
 * @return bytes copied, or -1 with errno as for cipc_channel_wait(), EINVAL
 *         (@p buf NULL with @p size > 0), EFAULT.
 */
ssize_t cipc_channel_receive(struct cipc_channel *ch, void *buf, size_t size,
			     int64_t timeout_ns, size_t *msg_len);

/** @return the mode (enum cipc_channel_mode), or -1. */
int cipc_channel_get_mode(struct cipc_channel *ch);

/** Set the mode; EINVAL for an unknown mode, EBADF not opened for writing. */
int cipc_channel_set_mode(struct cipc_channel *ch, enum cipc_channel_mode mode);

/** Fill @p info. */
int cipc_channel_get_info(struct cipc_channel *ch,
			  struct cipc_channel_info *info);

/** Fill @p stats. */
int cipc_channel_get_stats(struct cipc_channel *ch,
			   struct cipc_channel_stats *stats);

/** Zero the counters; EPERM without CAP_SYS_ADMIN. */
int cipc_channel_reset_stats(struct cipc_channel *ch);

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

/** Fill @p info with the current number of channels and the limits. */
int cipc_control_get_info(struct cipc_control *ctl,
			  struct cipc_control_info *info);

/**
 * Add a channel. Needs CAP_SYS_ADMIN.
 * @param index    the index wanted, or CIPC_INDEX_ANY for the lowest free one
 * @param msg_max  its largest message, or 0 for the module's msg_max
 * @param id       if not NULL, the new channel's id
 * @return the new channel's index, or -1 with errno: EPERM, EBADF the
 *         handle was opened read-only (see cipc_control_open()), EEXIST
 *         index taken, ENOSPC max_channels reached (or index >=
 *         max_channels), EINVAL bad index or msg_max, ENOMEM.
 */
int cipc_control_add(struct cipc_control *ctl, int index, size_t msg_max,
		     uint64_t *id);

/**
 * Remove the channel at @p index, in use or not: its waiters return ENODEV
 * and its open handles go stale. Needs CAP_SYS_ADMIN.
 * @return 0, or -1 with errno: EPERM, EBADF (as for cipc_control_add()),
 *         ENOENT no channel at @p index.
 */
int cipc_control_remove(struct cipc_control *ctl, unsigned int index);

/**
 * Remove the channel with id @p id, only if it still exists.
 * @return 0, or -1 with errno: EPERM, EBADF, ENOENT no channel at its
 *         index, ESTALE the channel at that index is not the one with this
 *         id (it was removed, or the id was never issued; nothing removed).
 */
int cipc_control_remove_id(struct cipc_control *ctl, uint64_t id);

#ifdef __cplusplus
}
#endif

#endif /* CIPC_LIB_H */
