// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcipc: what is done through an open channel. Every function is one
 * system call on the handle's descriptor (an ioctl of <linux/cipc.h>, or
 * write(2) for CIPC_SEND_MODE), with its argument on the caller's stack:
 * nothing is shared, nothing is retried, errno is the kernel's except
 * where documented (EINVAL for a NULL argument, EMSGSIZE above what the
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
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "internal.h"

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

/* CIPC_IOC_COMPLETE or _ALL; msg == NULL && !with_msg: keep the message. */
static int cipc_signal(const struct cipc_channel *ch, unsigned long req,
		       const void *msg, size_t len, bool with_msg)
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
	return cipc_ioctl(ch, req, &sig);
}

CIPC_API int cipc_channel_complete(struct cipc_channel *ch)
{
	return cipc_signal(ch, CIPC_IOC_COMPLETE, NULL, 0, false);
}

CIPC_API int cipc_channel_complete_all(struct cipc_channel *ch)
{
	return cipc_signal(ch, CIPC_IOC_COMPLETE_ALL, NULL, 0, false);
}

CIPC_API int cipc_channel_reinit(struct cipc_channel *ch)
{
	return cipc_ioctl(ch, CIPC_IOC_REINIT, NULL);
}

CIPC_API int cipc_channel_send(struct cipc_channel *ch, const void *msg,
			       size_t len, enum cipc_send_how how)
{
	ssize_t n;

	switch (how) {
	case CIPC_SEND_ONE:
		return cipc_signal(ch, CIPC_IOC_COMPLETE, msg, len, true);
	case CIPC_SEND_ALL:
		return cipc_signal(ch, CIPC_IOC_COMPLETE_ALL, msg, len, true);
	case CIPC_SEND_MODE:
		break;
	default:
		errno = EINVAL;
		return -1;
	}

	/* write(2) signals as the channel's mode says. */
	if (cipc_check(ch) < 0)
		return -1;
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
 * CIPC_IOC_WAIT or CIPC_IOC_TRYWAIT with a message buffer (may be NULL);
 * on success *msg_len is the message's full length.
 */
static int cipc_wait_cmd(const struct cipc_channel *ch, unsigned long req,
			 uint64_t timeout_ns, void *buf, size_t size,
			 uint32_t *msg_len)
{
	struct cipc_wait w;

	if (!buf && size) {
		errno = EINVAL;
		return -1;
	}
	memset(&w, 0, sizeof(w));
	w.timeout_ns = timeout_ns;
	w.msg = (__u64)(uintptr_t)buf;
	w.msg_size = size > UINT32_MAX ? UINT32_MAX : (__u32)size;
	if (cipc_ioctl(ch, req, &w) < 0)
		return -1;
	if (msg_len)
		*msg_len = w.msg_len;
	return 0;
}

static uint64_t cipc_timeout(int64_t timeout_ns)
{
	return timeout_ns < 0 ? CIPC_TIMEOUT_FOREVER : (uint64_t)timeout_ns;
}

CIPC_API int cipc_channel_wait(struct cipc_channel *ch, int64_t timeout_ns)
{
	return cipc_wait_cmd(ch, CIPC_IOC_WAIT, cipc_timeout(timeout_ns),
			     NULL, 0, NULL);
}

CIPC_API int cipc_channel_trywait(struct cipc_channel *ch)
{
	return cipc_wait_cmd(ch, CIPC_IOC_TRYWAIT, 0, NULL, 0, NULL);
}

CIPC_API ssize_t cipc_channel_receive(struct cipc_channel *ch, void *buf,
				      size_t size, int64_t timeout_ns,
				      size_t *msg_len)
{
	uint32_t len;

	if (cipc_wait_cmd(ch, CIPC_IOC_WAIT, cipc_timeout(timeout_ns), buf,
			  size, &len) < 0)
		return -1;
	if (msg_len)
		*msg_len = len;
	/* What the driver copied: the message, truncated to the buffer. */
	return (ssize_t)(len < size ? len : size);
}

CIPC_API int cipc_channel_done(struct cipc_channel *ch)
{
	__u32 count = 0;

	if (cipc_ioctl(ch, CIPC_IOC_DONE, &count) < 0)
		return -1;
	return count != 0;
}

CIPC_API int cipc_channel_get_mode(struct cipc_channel *ch)
{
	__u32 mode = 0;

	if (cipc_ioctl(ch, CIPC_IOC_GET_MODE, &mode) < 0)
		return -1;
	if (mode > INT_MAX) {
		errno = EPROTO;	/* no driver of this ABI reports that */
		return -1;
	}
	return (int)mode;
}

CIPC_API int cipc_channel_set_mode(struct cipc_channel *ch,
				   enum cipc_channel_mode mode)
{
	__u32 m = (__u32)mode;

	return cipc_ioctl(ch, CIPC_IOC_SET_MODE, &m);
}

CIPC_API int cipc_channel_get_info(struct cipc_channel *ch,
				   struct cipc_channel_info *info)
{
	struct cipc_info ki;

	if (!info) {
		errno = EINVAL;
		return -1;
	}
	memset(&ki, 0, sizeof(ki));
	if (cipc_ioctl(ch, CIPC_IOC_INFO, &ki) < 0)
		return -1;

	memset(info, 0, sizeof(*info));
	info->index = ki.index;
	info->id = ki.id;
	info->abi_version = ki.abi_version;
	info->msg_max = ki.msg_max;
	info->mode = (enum cipc_channel_mode)ki.mode;
	info->count = ki.count;
	info->waiters = ki.waiters;
	info->generation = ki.generation;
	info->msg_len = ki.msg_len;
	return 0;
}

CIPC_API int cipc_channel_get_stats(struct cipc_channel *ch,
				    struct cipc_channel_stats *stats)
{
	struct cipc_stats ks;

	if (!stats) {
		errno = EINVAL;
		return -1;
	}
	memset(&ks, 0, sizeof(ks));
	if (cipc_ioctl(ch, CIPC_IOC_GET_STATS, &ks) < 0)
		return -1;

	memset(stats, 0, sizeof(*stats));
	stats->complete = ks.complete;
	stats->complete_all = ks.complete_all;
	stats->reinit = ks.reinit;
	stats->wait = ks.wait;
	stats->woken = ks.woken;
	stats->timeout = ks.timeout;
	stats->interrupted = ks.interrupted;
	stats->again = ks.again;
	stats->bytes_in = ks.bytes_in;
	stats->bytes_out = ks.bytes_out;
	return 0;
}

CIPC_API int cipc_channel_reset_stats(struct cipc_channel *ch)
{
	return cipc_ioctl(ch, CIPC_IOC_RESET_STATS, NULL);
}
