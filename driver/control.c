// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/cipc-control: the misc device that adds and removes channels at run
 * time (CIPC_CTL_ADD, CIPC_CTL_REMOVE) and tells their number and limits
 * (CIPC_CTL_INFO). The model is loop-control: the node is root-only (0600)
 * like every node of the driver, and adding or removing also needs
 * CAP_SYS_ADMIN, so a udev rule that opens the node to a group grants
 * queries, not control.
 *
 * cipc_control_ioctl() only dispatches; each handler checks the privilege,
 * copies its argument in, validates it (reserved fields, pad and unknown
 * flags zero, else -EINVAL), does the work and copies the result out. The
 * work is in main.c, next to the registry it changes.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/uaccess.h>

#include "cipc.h"

/*
 * The start of add and remove: the privilege, then a file opened for
 * writing, then the argument.
 */
static int cipc_control_copy_in(struct file *file, void __user *argp,
				struct cipc_ctl_channel *req)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	if (copy_from_user(req, argp, sizeof(*req)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_add(struct file *file, void __user *argp)
{
	struct cipc_ctl_channel req;
	int ret;

	ret = cipc_control_copy_in(file, argp, &req);
	if (ret)
		return ret;
	if ((req.flags & ~CIPC_ADD_INDEX) || req.id || req.pad ||
	    req.reserved[0] || req.reserved[1] ||
	    (!(req.flags & CIPC_ADD_INDEX) && req.index) ||
	    req.msg_max > CIPC_MSG_MAX_LIMIT ||
	    req.queue_depth > CIPC_QUEUE_DEPTH_LIMIT ||
	    req.max_waiters > CIPC_MAX_WAITERS_LIMIT)
		return -EINVAL;
	/* The result is written back: check that it can be, before adding. */
	if (fault_in_safe_writeable(argp, sizeof(req)))
		return -EFAULT;

	ret = cipc_channel_add(&req);
	if (ret)
		return ret;
	/*
	 * Only a buffer unmapped meanwhile by another thread faults here; the
	 * channel exists (its node is there to see), but the caller is told.
	 */
	if (copy_to_user(argp, &req, sizeof(req)))
		return -EFAULT;
	return 0;
}

static int cipc_ioctl_remove(struct file *file, void __user *argp)
{
	struct cipc_ctl_channel req;
	int ret;

	ret = cipc_control_copy_in(file, argp, &req);
	if (ret)
		return ret;
	if ((req.flags & ~CIPC_REMOVE_ID) || req.msg_max || req.pad ||
	    req.queue_depth || req.max_waiters ||
	    req.reserved[0] || req.reserved[1] ||
	    (!(req.flags & CIPC_REMOVE_ID) && req.id))
		return -EINVAL;
	return cipc_channel_remove(&req);
}

static int cipc_ioctl_control_info(void __user *argp)
{
	struct cipc_ctl_info info;

	cipc_ctl_info(&info);
	if (copy_to_user(argp, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

/**
 * cipc_control_ioctl() - the ioctl entry point of /dev/cipc-control
 * @file: the open control device
 * @cmd:  a CIPC_CTL_* command
 * @arg:  its argument, a user pointer
 *
 * Return: 0 or a negative errno: -ENOTTY for an unknown command (the
 * channel ioctls too), and the errors documented in uapi/linux/cipc.h.
 */
static long cipc_control_ioctl(struct file *file, unsigned int cmd,
			       unsigned long arg)
{
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case CIPC_CTL_ADD:
		return cipc_ioctl_add(file, argp);
	case CIPC_CTL_REMOVE:
		return cipc_ioctl_remove(file, argp);
	case CIPC_CTL_INFO:
		return cipc_ioctl_control_info(argp);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations cipc_control_fops = {
	.owner = THIS_MODULE,
	.open = nonseekable_open,
	.unlocked_ioctl = cipc_control_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice cipc_control_dev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = CIPC_CONTROL_NAME,
	.fops = &cipc_control_fops,
	/* .mode 0: the node is 0600, root's */
};

/**
 * cipc_control_register() - create /dev/cipc-control
 *
 * Return: 0 or a negative errno of misc_register().
 */
int cipc_control_register(void)
{
	return misc_register(&cipc_control_dev);
}

/**
 * cipc_control_unregister() - remove /dev/cipc-control
 */
void cipc_control_unregister(void)
{
	misc_deregister(&cipc_control_dev);
}
