// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl handler of /dev/cipcN (uapi/linux/cipc.h).
 *
 * cipc_ioctl() only dispatches; each handler copies its argument in,
 * validates it (reserved fields and unknown flags zero, else -EINVAL), does
 * the work and copies the result out.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/uaccess.h>

#include "cipc.h"

static int cipc_ioctl_info(struct cipc_channel *ch, void __user *argp)
{
	struct cipc_info info;

	cipc_info(ch, &info);
	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_signal(struct file *file, void __user *argp,
			     enum cipc_how how)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_signal __user *usig = argp;
	struct cipc_signal sig;
	bool has_msg;
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&sig, argp, sizeof(sig)))
		return -EFAULT;
	has_msg = sig.flags & CIPC_SIGNAL_MSG;
	if ((sig.flags & ~CIPC_SIGNAL_FLAGS) || sig.reserved[0] ||
	    sig.reserved[1] || (!has_msg && (sig.msg || sig.msg_len)))
		return -EINVAL;
	/* The sequence number is written back: check that it can be. */
	if (cipc_probe_writable(&usig->seq, sizeof(usig->seq)))
		return -EFAULT;

	ret = cipc_signal(cf->ch, how, u64_to_user_ptr(sig.msg), sig.msg_len,
			  has_msg, &sig.seq);
	if (ret)
		return ret;
	/* Only memory unmapped meanwhile fails here; the signal was sent. */
	return put_user(sig.seq, &usig->seq);
}

static int cipc_ioctl_reinit(struct file *file)
{
	struct cipc_file *cf = file->private_data;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return cipc_reinit(cf->ch);
}

/* The deadline of a CIPC_IOC_WAIT, from its timeout_ns, flags, clockid. */
static int cipc_wait_deadline(const struct cipc_wait *w,
			      struct cipc_deadline *dl)
{
	dl->forever = false;
	if (w->flags & CIPC_WAIT_ABSTIME) {
		if (w->clockid != CLOCK_MONOTONIC && w->clockid != CLOCK_REALTIME)
			return -EINVAL;
		dl->clock = w->clockid;
		dl->expires = ns_to_ktime(min_t(u64, w->timeout_ns, KTIME_MAX));
		return 0;
	}
	if (w->clockid)
		return -EINVAL;
	if (w->timeout_ns == CIPC_TIMEOUT_FOREVER) {
		dl->forever = true;
		return 0;
	}
	dl->clock = CLOCK_MONOTONIC;
	dl->expires = ktime_add_safe(ktime_get(),
				     ns_to_ktime(min_t(u64, w->timeout_ns,
						       KTIME_MAX)));
	return 0;
}

static int cipc_ioctl_wait(struct file *file, void __user *argp, bool try)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_wait __user *uw = argp;
	struct cipc_deadline dl;
	struct cipc_item it;
	struct cipc_wait w;
	ssize_t ret;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (copy_from_user(&w, argp, sizeof(w)))
		return -EFAULT;
	if ((w.flags & ~CIPC_WAIT_FLAGS) || w.pad || w.reserved[0] ||
	    w.reserved[1] || (!w.msg && w.msg_size) ||
	    (try && (w.timeout_ns || w.flags || w.clockid)))
		return -EINVAL;
	if (!try && cipc_wait_deadline(&w, &dl))
		return -EINVAL;
	/* The result is written back: check that it can be, before waiting. */
	if (cipc_probe_writable(uw, sizeof(*uw)))
		return -EFAULT;

	ret = cipc_user_wait(cf, try ? NULL : &dl, try,
			     u64_to_user_ptr(w.msg), w.msg_size, false, &it);
	/* A relative timeout must not restart from the beginning. */
	if (ret == -ERESTARTSYS && !try && !dl.forever &&
	    !(w.flags & CIPC_WAIT_ABSTIME))
		ret = -EINTR;
	if (ret < 0)
		return ret;

	w.msg_len = it.len;
	w.generation = it.generation;
	w.seq = it.seq;
	w.result = it.result;
	if (copy_to_user(argp, &w, sizeof(w)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_get_mode(struct cipc_channel *ch, u32 __user *argp)
{
	return put_user(READ_ONCE(ch->mode), argp);
}

static int cipc_ioctl_set_mode(struct file *file, u32 __user *argp)
{
	struct cipc_file *cf = file->private_data;
	u32 mode;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (get_user(mode, argp))
		return -EFAULT;
	return cipc_set_mode(cf->ch, mode);
}

static int cipc_ioctl_get_stats(struct cipc_channel *ch, void __user *argp)
{
	struct cipc_stats st;

	cipc_stats_read(ch, &st);
	if (copy_to_user(argp, &st, sizeof(st)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_reset_stats(struct cipc_channel *ch)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	cipc_stats_reset(ch);
	return 0;
}

/**
 * cipc_ioctl() - the ioctl entry point of /dev/cipcN
 * @file: the open channel
 * @cmd:  a CIPC_IOC_* command
 * @arg:  its argument, a user pointer for most commands
 *
 * Return: 0 or a negative errno: -ENOTTY for an unknown command, -ENODEV
 * once the channel is gone, and the errors documented in uapi/linux/cipc.h.
 */
long cipc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_channel *ch = cf->ch;
	void __user *argp = (void __user *)arg;

	if (_IOC_TYPE(cmd) != CIPC_IOC_MAGIC)
		return -ENOTTY;
	if (READ_ONCE(ch->dead))
		return -ENODEV;

	switch (cmd) {
	case CIPC_IOC_INFO:
		return cipc_ioctl_info(ch, argp);
	case CIPC_IOC_COMPLETE:
		return cipc_ioctl_signal(file, argp, CIPC_HOW_ONE);
	case CIPC_IOC_COMPLETE_ALL:
		return cipc_ioctl_signal(file, argp, CIPC_HOW_ALL);
	case CIPC_IOC_REINIT:
		return cipc_ioctl_reinit(file);
	case CIPC_IOC_WAIT:
		return cipc_ioctl_wait(file, argp, false);
	case CIPC_IOC_TRYWAIT:
		return cipc_ioctl_wait(file, argp, true);
	case CIPC_IOC_GET_MODE:
		return cipc_ioctl_get_mode(ch, argp);
	case CIPC_IOC_SET_MODE:
		return cipc_ioctl_set_mode(file, argp);
	case CIPC_IOC_GET_STATS:
		return cipc_ioctl_get_stats(ch, argp);
	case CIPC_IOC_RESET_STATS:
		return cipc_ioctl_reset_stats(ch);
	default:
		return -ENOTTY;
	}
}
