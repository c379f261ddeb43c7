// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcipc: what is done through an open channel. Every function is one
 * system call on the handle's descriptor (an ioctl of <linux/cipc.h>, or
 * write(2) for CIPC_SEND_MODE), with its argument on the caller's stack,
 * plus, for a relative timeout, one clock_gettime(CLOCK_MONOTONIC) to turn
 * it into a deadline; cipc_channel_send() with CIPC_SEND_MODE reads the
 * mode first when it cannot use write(2). Nothing is shared, nothing is
 * retried, errno is the kernel's except where documented (EINVAL for a
 * NULL argument or a value the ABI cannot carry, EMSGSIZE above what the
 * ABI can carry, EIO for a short write, and ESTALE below).
 *
 * Stale handles: when a call fails with ENODEV, the channel the handle
 * opened was removed. If index N holds another channel by now (its id,
 * /sys/class/cipc/cipcN/id, is not the one the handle remembers) the call
 * fails with ESTALE instead; if the attribute cannot be read (no channel
 * at N, no sysfs) ENODEV stays. The check reads sysfs only after an
 * ENODEV, and keeps no state.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

/* The library's flags are the driver's results, passed through. */
_Static_assert(CIPC_MSG_ALL == CIPC_WAIT_ALL, "CIPC_MSG_ALL");
_Static_assert(CIPC_MSG_LATCHED == CIPC_WAIT_LATCHED, "CIPC_MSG_LATCHED");
_Static_assert(CIPC_MSG_HAS_MSG == CIPC_WAIT_MSG, "CIPC_MSG_HAS_MSG");
_Static_assert((int)CIPC_CHANNEL_MODE_ONE == CIPC_MODE_ONE, "MODE_ONE");
_Static_assert((int)CIPC_CHANNEL_MODE_ALL == CIPC_MODE_ALL, "MODE_ALL");
_Static_assert(CLOCK_MONOTONIC == 1 && CLOCK_REALTIME == 0,
	       "the clock ids of <linux/cipc.h>");

/* -1 with EINVAL if ch is NULL, else 0. */
static int cipc_check(const struct cipc_channel *ch)
{
	if (!ch) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/*
 * Ends a call on ch that failed: returns -1 with errno unchanged, except
 * that ENODEV becomes ESTALE if index N now holds a channel of another id.
 */
static int cipc_fail(const struct cipc_channel *ch)
{
	char path[sizeof(CIPC_SYSFS_ID_FMT) + 10];
	uint64_t id;
	int err = errno;

	if (err == ENODEV) {
		snprintf(path, sizeof(path), CIPC_SYSFS_ID_FMT, ch->index);
		if (cipc__read_u64(path, &id) == 0 && id != ch->id)
			err = ESTALE;
	}
	errno = err;
	return -1;
}

static int cipc_ioctl(const struct cipc_channel *ch, unsigned long req,
		      void *arg)
{
	if (cipc_check(ch) < 0)
		return -1;
	return ioctl(ch->fd, req, arg) < 0 ? cipc_fail(ch) : 0;
}

/*
 * CIPC_IOC_COMPLETE or _ALL; with_msg: the signal carries msg (len bytes,
 * possibly 0). *seq, if seq is not NULL, gets the signal's number.
 */
static int cipc_signal(const struct cipc_channel *ch, unsigned long req,
		       const void *msg, size_t len, bool with_msg,
		       uint64_t *seq)
{
	struct cipc_signal sig;

	memset(&sig, 0, sizeof(sig));
	if (with_msg) {
		if (len > UINT32_MAX) {
			errno = EMSGSIZE;
			return -1;
		}
		sig.msg = (__u64)(uintptr_t)msg;
		sig.msg_len = (__u32)len;
		sig.flags = CIPC_SIGNAL_MSG;
	}
	if (cipc_ioctl(ch, req, &sig) < 0)
		return -1;
	if (seq)
		*seq = sig.seq;
	return 0;
}

CIPC_API int cipc_channel_complete(struct cipc_channel *ch)
{
	return cipc_signal(ch, CIPC_IOC_COMPLETE, NULL, 0, false, NULL);
}

CIPC_API int cipc_channel_complete_all(struct cipc_channel *ch)
{
	return cipc_signal(ch, CIPC_IOC_COMPLETE_ALL, NULL, 0, false, NULL);
}

CIPC_API int cipc_channel_reinit(struct cipc_channel *ch)
{
	return cipc_ioctl(ch, CIPC_IOC_REINIT, NULL);
}

CIPC_API int cipc_channel_send(struct cipc_channel *ch, const void *msg,
			       size_t len, enum cipc_send_how how,
			       uint64_t *seq)
{
	bool with_msg = msg != NULL;
	enum cipc_channel_mode mode;
	ssize_t n;

	if (cipc_check(ch) < 0)
		return -1;
	if (!msg && len) {
		errno = EINVAL;
		return -1;
	}
	switch (how) {
	case CIPC_SEND_ONE:
		return cipc_signal(ch, CIPC_IOC_COMPLETE, msg, len, with_msg,
				   seq);
	case CIPC_SEND_ALL:
		return cipc_signal(ch, CIPC_IOC_COMPLETE_ALL, msg, len,
				   with_msg, seq);
	case CIPC_SEND_MODE:
		break;
	default:
		errno = EINVAL;
		return -1;
	}

	if (!with_msg || seq) {
		/*
		 * write(2) carries a message always and returns no sequence
		 * number: read the mode, then signal by ioctl.
		 */
		if (cipc_channel_get_mode(ch, &mode) < 0)
			return -1;
		return cipc_signal(ch, mode == CIPC_CHANNEL_MODE_ALL ?
				   CIPC_IOC_COMPLETE_ALL : CIPC_IOC_COMPLETE,
				   msg, len, with_msg, seq);
	}

	/* write(2) signals as the channel's mode says, atomically. */
	if (len > UINT32_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	n = write(ch->fd, msg, len);
	if (n < 0)
		return cipc_fail(ch);
	if ((size_t)n != len) {
		errno = EIO;	/* the driver stores whole messages only */
		return -1;
	}
	return 0;
}

/*
 * A wait's time limit as the driver takes it: timeout_ns, and flags and
 * clockid of struct cipc_wait.
 */
struct cipc_limit {
	uint64_t timeout_ns;
	uint32_t flags;
	int32_t clockid;
};

/*
 * Relative timeout: negative forever, 0 tries once (relative 0: nothing
 * to restart), positive an absolute CLOCK_MONOTONIC deadline, so that a
 * wait the kernel restarts after an SA_RESTART handler keeps it. A
 * deadline beyond what an int64_t holds (~292 years of uptime) is forever.
 */
static int cipc_limit_rel(int64_t timeout_ns, struct cipc_limit *l)
{
	struct timespec now;
	int64_t now_ns;

	memset(l, 0, sizeof(*l));
	if (timeout_ns < 0) {
		l->timeout_ns = CIPC_TIMEOUT_FOREVER;
		return 0;
	}
	if (timeout_ns == 0)
		return 0;
	if (clock_gettime(CLOCK_MONOTONIC, &now) < 0)
		return -1;
	now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (timeout_ns > INT64_MAX - now_ns) {
		l->timeout_ns = CIPC_TIMEOUT_FOREVER;
		return 0;
	}
	l->timeout_ns = (uint64_t)(now_ns + timeout_ns);
	l->flags = CIPC_WAIT_ABSTIME;
	l->clockid = CLOCK_MONOTONIC;
	return 0;
}

/* Absolute deadline: a time before the epoch of the clock is past. */
static int cipc_limit_abs(clockid_t clockid, int64_t deadline_ns,
			  struct cipc_limit *l)
{
	if (clockid != CLOCK_MONOTONIC && clockid != CLOCK_REALTIME) {
		errno = EINVAL;
		return -1;
	}
	memset(l, 0, sizeof(*l));
	l->timeout_ns = deadline_ns < 0 ? 0 : (uint64_t)deadline_ns;
	l->flags = CIPC_WAIT_ABSTIME;
	l->clockid = (int32_t)clockid;
	return 0;
}

/*
 * CIPC_IOC_WAIT (l not NULL) or CIPC_IOC_TRYWAIT (l NULL) with a message
 * buffer (may be NULL with size 0). Returns the bytes copied, or -1;
 * fills *info, if not NULL, only on success.
 */
static ssize_t cipc_wait_cmd(const struct cipc_channel *ch,
			     const struct cipc_limit *l, void *buf,
			     size_t size, struct cipc_msg_info *info)
{
	struct cipc_wait w;

	if (cipc_check(ch) < 0)
		return -1;
	if (!buf && size) {
		errno = EINVAL;
		return -1;
	}
	memset(&w, 0, sizeof(w));
	if (l) {
		w.timeout_ns = l->timeout_ns;
		w.flags = l->flags;
		w.clockid = l->clockid;
	}
	w.msg = (__u64)(uintptr_t)buf;
	/* No message is longer than CIPC_MSG_MAX_LIMIT: clamping is safe. */
	w.msg_size = size > UINT32_MAX ? UINT32_MAX : (__u32)size;
	if (cipc_ioctl(ch, l ? CIPC_IOC_WAIT : CIPC_IOC_TRYWAIT, &w) < 0)
		return -1;
	if (info) {
		memset(info, 0, sizeof(*info));
		info->len = w.msg_len;
		info->generation = w.generation;
		info->seq = w.seq;
		info->flags = w.result;
	}
	/* What the driver copied: the message, truncated to the buffer. */
	return (ssize_t)(w.msg_len < size ? w.msg_len : size);
}

CIPC_API int cipc_channel_wait(struct cipc_channel *ch, int64_t timeout_ns)
{
	return (int)cipc_channel_receive(ch, NULL, 0, timeout_ns, NULL);
}

CIPC_API int cipc_channel_wait_until(struct cipc_channel *ch,
				     clockid_t clockid, int64_t deadline_ns)
{
	return (int)cipc_channel_receive_until(ch, NULL, 0, clockid,
					       deadline_ns, NULL);
}

CIPC_API int cipc_channel_trywait(struct cipc_channel *ch)
{
	return (int)cipc_wait_cmd(ch, NULL, NULL, 0, NULL);
}

CIPC_API ssize_t cipc_channel_receive(struct cipc_channel *ch, void *buf,
				      size_t size, int64_t timeout_ns,
				      struct cipc_msg_info *info)
{
	struct cipc_limit l;

	if (cipc_check(ch) < 0 || cipc_limit_rel(timeout_ns, &l) < 0)
		return -1;
	return cipc_wait_cmd(ch, &l, buf, size, info);
}

CIPC_API ssize_t cipc_channel_receive_until(struct cipc_channel *ch,
					    void *buf, size_t size,
					    clockid_t clockid,
					    int64_t deadline_ns,
					    struct cipc_msg_info *info)
{
	struct cipc_limit l;

	if (cipc_check(ch) < 0 || cipc_limit_abs(clockid, deadline_ns, &l) < 0)
		return -1;
	return cipc_wait_cmd(ch, &l, buf, size, info);
}

CIPC_API ssize_t cipc_channel_tryreceive(struct cipc_channel *ch, void *buf,
					 size_t size,
					 struct cipc_msg_info *info)
{
	return cipc_wait_cmd(ch, NULL, buf, size, info);
}

/* CIPC_IOC_INFO into *ki. */
static int cipc_info_ioctl(const struct cipc_channel *ch, struct cipc_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	return cipc_ioctl(ch, CIPC_IOC_INFO, ki);
}

CIPC_API int cipc_channel_done(struct cipc_channel *ch)
{
	struct cipc_info ki;

	if (cipc_info_ioctl(ch, &ki) < 0)
		return -1;
	return (ki.flags & CIPC_INFO_ALL) || ki.count > 0;
}

CIPC_API int cipc_channel_get_mode(struct cipc_channel *ch,
				   enum cipc_channel_mode *mode)
{
	__u32 m = 0;

	if (!mode) {
		errno = EINVAL;
		return -1;
	}
	if (cipc_ioctl(ch, CIPC_IOC_GET_MODE, &m) < 0)
		return -1;
	if (m != CIPC_MODE_ONE && m != CIPC_MODE_ALL) {
		errno = EPROTO;	/* no driver of this ABI reports that */
		return -1;
	}
	*mode = (enum cipc_channel_mode)m;
	return 0;
}

CIPC_API int cipc_channel_set_mode(struct cipc_channel *ch,
				   enum cipc_channel_mode mode)
{
	__u32 m = (__u32)mode;

	return cipc_ioctl(ch, CIPC_IOC_SET_MODE, &m);
}

/* ---- struct cipc_channel_info ---- */

struct cipc_channel_info {
	struct cipc_info ki;	/* as the driver reported it */
};

CIPC_API struct cipc_channel_info *
cipc_channel_get_info(struct cipc_channel *ch)
{
	struct cipc_channel_info *info;
	struct cipc_info ki;

	if (cipc_info_ioctl(ch, &ki) < 0)
		return NULL;
	info = malloc(sizeof(*info));
	if (!info)
		return NULL;		/* ENOMEM */
	info->ki = ki;
	return info;
}

CIPC_API void cipc_channel_info_free(struct cipc_channel_info *info)
{
	int err = errno;

	free(info);
	errno = err;
}

#define CIPC_INFO_GETTER(type, name, expr)				\
CIPC_API type cipc_channel_info_get_##name(				\
		const struct cipc_channel_info *info)			\
{									\
	return info ? (type)(expr) : (type)0;				\
}

CIPC_INFO_GETTER(unsigned int, index, info->ki.index)
CIPC_INFO_GETTER(uint64_t, id, info->ki.id)
CIPC_INFO_GETTER(unsigned int, abi_version, info->ki.abi_version)
CIPC_INFO_GETTER(size_t, msg_max, info->ki.msg_max)
CIPC_INFO_GETTER(enum cipc_channel_mode, mode, info->ki.mode)
CIPC_INFO_GETTER(uint32_t, count, info->ki.count)
CIPC_INFO_GETTER(unsigned int, waiters, info->ki.waiters)
CIPC_INFO_GETTER(unsigned int, max_waiters, info->ki.max_waiters)
CIPC_INFO_GETTER(unsigned int, queued, info->ki.queued)
CIPC_INFO_GETTER(unsigned int, queue_depth, info->ki.queue_depth)
CIPC_INFO_GETTER(uint64_t, generation, info->ki.generation)
CIPC_INFO_GETTER(uint64_t, seq, info->ki.seq)
CIPC_INFO_GETTER(size_t, msg_len, info->ki.msg_len)

CIPC_API bool cipc_channel_info_is_all(const struct cipc_channel_info *info)
{
	return info && (info->ki.flags & CIPC_INFO_ALL);
}

/* ---- struct cipc_channel_stats ---- */

struct cipc_channel_stats {
	uint64_t v[CIPC_STAT_NR];
};

/* Names (the sysfs files) and places in struct cipc_stats, by enum. */
static const struct {
	const char *name;
	size_t off;
} cipc_stat_desc[CIPC_STAT_NR] = {
#define CIPC_STAT_DESC(e, f) [e] = { #f, offsetof(struct cipc_stats, f) }
	CIPC_STAT_DESC(CIPC_STAT_COMPLETE, complete),
	CIPC_STAT_DESC(CIPC_STAT_COMPLETE_ALL, complete_all),
	CIPC_STAT_DESC(CIPC_STAT_REINIT, reinit),
	CIPC_STAT_DESC(CIPC_STAT_WAIT, wait),
	CIPC_STAT_DESC(CIPC_STAT_WOKEN, woken),
	CIPC_STAT_DESC(CIPC_STAT_TIMEOUT, timeout),
	CIPC_STAT_DESC(CIPC_STAT_INTERRUPTED, interrupted),
	CIPC_STAT_DESC(CIPC_STAT_AGAIN, again),
	CIPC_STAT_DESC(CIPC_STAT_BYTES_IN, bytes_in),
	CIPC_STAT_DESC(CIPC_STAT_BYTES_OUT, bytes_out),
	CIPC_STAT_DESC(CIPC_STAT_FULL, full),
	CIPC_STAT_DESC(CIPC_STAT_DISCARDED, discarded),
	CIPC_STAT_DESC(CIPC_STAT_REFUSED, refused),
#undef CIPC_STAT_DESC
};

CIPC_API const char *cipc_stat_name(enum cipc_stat stat)
{
	if ((unsigned int)stat >= CIPC_STAT_NR)
		return NULL;
	return cipc_stat_desc[stat].name;
}

CIPC_API struct cipc_channel_stats *
cipc_channel_get_stats(struct cipc_channel *ch)
{
	struct cipc_channel_stats *stats;
	struct cipc_stats ks;

	memset(&ks, 0, sizeof(ks));
	if (cipc_ioctl(ch, CIPC_IOC_GET_STATS, &ks) < 0)
		return NULL;
	stats = malloc(sizeof(*stats));
	if (!stats)
		return NULL;		/* ENOMEM */
	for (unsigned int i = 0; i < CIPC_STAT_NR; i++)
		memcpy(&stats->v[i], (const char *)&ks + cipc_stat_desc[i].off,
		       sizeof(stats->v[i]));
	return stats;
}

CIPC_API void cipc_channel_stats_free(struct cipc_channel_stats *stats)
{
	int err = errno;

	free(stats);
	errno = err;
}

CIPC_API uint64_t cipc_channel_stats_get(const struct cipc_channel_stats *stats,
					 enum cipc_stat stat)
{
	if (!stats || (unsigned int)stat >= CIPC_STAT_NR)
		return 0;
	return stats->v[stat];
}

CIPC_API int cipc_channel_reset_stats(struct cipc_channel *ch)
{
	return cipc_ioctl(ch, CIPC_IOC_RESET_STATS, NULL);
}
