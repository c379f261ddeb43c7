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
#include <linux/pagemap.h>
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
	struct cipc_channel *ch = file->private_data;
	struct cipc_signal sig;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(&sig, argp, sizeof(sig)))
		return -EFAULT;
	if ((sig.flags & ~CIPC_SIGNAL_FLAGS) || sig.reserved[0] ||
	    sig.reserved[1])
		return -EINVAL;

	if (!(sig.flags & CIPC_SIGNAL_MSG)) {
		if (sig.msg || sig.msg_len)
			return -EINVAL;
		return cipc_signal(ch, how, NULL, 0, false);
	}
	return cipc_user_signal(ch, how, u64_to_user_ptr(sig.msg),
				sig.msg_len);
}

static int cipc_ioctl_reinit(struct file *file)
{
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	return cipc_reinit(file->private_data);
}

static int cipc_ioctl_wait(struct file *file, void __user *argp, bool try)
{
	struct cipc_channel *ch = file->private_data;
	struct cipc_rcv rcv;
	struct cipc_wait w;
	long timeout;
	ssize_t ret;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	if (copy_from_user(&w, argp, sizeof(w)))
		return -EFAULT;
	if (w.flags || w.pad || w.reserved[0] || w.reserved[1] ||
	    (try && w.timeout_ns) || (!w.msg && w.msg_size))
		return -EINVAL;
	/* The result is written back: check that it can be, before waiting. */
	if (fault_in_safe_writeable(argp, sizeof(w)))
		return -EFAULT;

	timeout = try ? 0 : cipc_timeout(w.timeout_ns);
	ret = cipc_user_wait(ch, timeout, try, u64_to_user_ptr(w.msg),
			     w.msg_size, &rcv);
	/* A relative timeout must not restart from the beginning. */
	if (ret == -ERESTARTSYS && timeout != MAX_SCHEDULE_TIMEOUT)
		ret = -EINTR;
	if (ret < 0)
		return ret;

	w.msg_len = rcv.len;
	w.generation = rcv.generation;
	if (copy_to_user(argp, &w, sizeof(w)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_done(struct cipc_channel *ch, u32 __user *argp)
{
	return put_user(cipc_count(ch), argp);
}

static int cipc_ioctl_get_mode(struct cipc_channel *ch, u32 __user *argp)
{
	return put_user(READ_ONCE(ch->mode), argp);
}

static int cipc_ioctl_set_mode(struct file *file, u32 __user *argp)
{
	u32 mode;

	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (get_user(mode, argp))
		return -EFAULT;
	return cipc_set_mode(file->private_data, mode);
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
	struct cipc_channel *ch = file->private_data;
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
	case CIPC_IOC_DONE:
		return cipc_ioctl_done(ch, argp);
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
