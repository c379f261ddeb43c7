// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/cipcN: open, release, read, write, poll, fasync,
 * and the copying of messages out to user space, shared with the ioctls of
 * ioctl.c.
 *
 * A message leaves the channel through a buffer on the waiter's stack if
 * it is short (CIPC_BOUNCE_SIZE), else from its slot (queue.c), copied to
 * user space with no lock held; the wait holds a reference to the slot
 * until then. Before a wait, the caller's buffers are probed with one user
 * access at each end (no page-table walk, nothing faulted in), so a bad
 * buffer fails with -EFAULT before anything is taken from the channel.
 */
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cipc.h"

/**
 * cipc_probe_writable() - check that a user buffer can be written
 * @p:    the buffer
 * @size: its size; 0 checks nothing
 *
 * Reads and writes back the first and the last byte: on memory that is
 * mapped and writable, two plain accesses. A buffer with a hole inside
 * still passes; the copy after the wait then fails.
 *
 * Return: 0 or -EFAULT.
 */
int cipc_probe_writable(void __user *p, size_t size)
{
	u8 __user *first = p, *last = first + size - 1;
	u8 c;

	if (!size)
		return 0;
	if (get_user(c, first) || put_user(c, first))
		return -EFAULT;
	if (last != first && (get_user(c, last) || put_user(c, last)))
		return -EFAULT;
	return 0;
}

/**
 * cipc_user_wait() - wait, then copy the message to user space
 * @cf:       the file waiting
 * @dl:       as for cipc_wait()
 * @nonblock: as for cipc_wait()
 * @umsg:     user buffer for the message, or NULL for none
 * @size:     its size; a longer message is truncated
 * @newline:  read(2): a signal without a message, or with an empty one,
 *            reads as the one byte "\n"
 * @it:       out: what the wait took (its slot already released)
 *
 * The buffer is probed before the wait, so a bad pointer fails with
 * -EFAULT and takes nothing. Only a buffer unmapped during the wait, or
 * one with a hole inside, makes a wait that passed fail with -EFAULT.
 *
 * Return: bytes copied, or a negative errno of cipc_wait(), -EFAULT.
 */
ssize_t cipc_user_wait(struct cipc_file *cf, const struct cipc_deadline *dl,
		       bool nonblock, void __user *umsg, size_t size,
		       bool newline, struct cipc_item *it)
{
	struct cipc_channel *ch = cf->ch;
	const void *src;
	size_t n;
	int ret;

	size = umsg ? min_t(size_t, size, ch->msg_max) : 0;
	if (cipc_probe_writable(umsg, newline ? max_t(size_t, size, 1) : size))
		return -EFAULT;

	it->want = size;
	ret = cipc_wait(cf, dl, nonblock, it);
	if (ret)
		return ret;

	n = min_t(size_t, it->len, size);
	src = !n ? NULL : it->bounced ? it->bounce :
	      cipc_slot(&ch->queue, it->slot)->data;
	if (!n && newline) {
		n = 1;
		src = "\n";
	}
	if (n && copy_to_user(umsg, src, n)) {
		ret = -EFAULT;
	} else {
		cipc_stat_add(ch, CIPC_STAT_BYTES_OUT, n);
		ret = n;
	}
	cipc_item_put(ch, it);
	return ret;
}

static int cipc_open(struct inode *inode, struct file *file)
{
	struct cipc_channel *ch;
	struct cipc_file *cf;

	cf = kzalloc(sizeof(*cf), GFP_KERNEL);
	if (!cf)
		return -ENOMEM;
	ch = cipc_channel_lookup(iminor(inode));
	if (!ch) {
		kfree(cf);
		return -ENODEV;
	}
	cf->ch = ch;
	/* The latch starts now: complete_all()s before the open are past. */
	spin_lock(&ch->lock);
	cf->seen = ch->all_seq;
	spin_unlock(&ch->lock);
	file->private_data = cf;
	return stream_open(inode, file);
}

static int cipc_release(struct inode *inode, struct file *file)
{
	struct cipc_file *cf = file->private_data;

	cipc_channel_put(cf->ch);
	kfree(cf);
	return 0;
}

/*
 * Waits, then returns the message of the signal that released the wait,
 * truncated to the caller's buffer, or "\n" for none: never 0. O_NONBLOCK:
 * -EAGAIN instead of blocking. A signal ends the wait (-ERESTARTSYS:
 * restarted under SA_RESTART, which is right for a wait without a
 * timeout).
 */
static ssize_t cipc_read(struct file *file, char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	static const struct cipc_deadline forever = { .forever = true };
	struct cipc_file *cf = file->private_data;
	bool nonblock = file->f_flags & O_NONBLOCK;
	struct cipc_item it;

	if (READ_ONCE(cf->ch->dead))
		return -ENODEV;
	if (!len)
		return -EINVAL;
	if (!ubuf)
		return -EFAULT;
	return cipc_user_wait(cf, nonblock ? NULL : &forever, nonblock,
			      ubuf, len, true, &it);
}

/*
 * A signal with the message, as the channel's mode says. Never blocks on
 * the channel. -EMSGSIZE above msg_max, -EAGAIN if the queue is full;
 * nothing changes on any error.
 */
static ssize_t cipc_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_channel *ch = cf->ch;
	u64 seq;
	int ret;

	if (READ_ONCE(ch->dead))
		return -ENODEV;
	if (len > ch->msg_max)
		return -EMSGSIZE;
	ret = cipc_signal(ch, CIPC_HOW_MODE, ubuf, len, true, &seq);
	return ret ? ret : len;
}

/* Readable when a wait of this file would not block; always writable. */
static __poll_t cipc_poll(struct file *file, struct poll_table_struct *pt)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_channel *ch = cf->ch;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &ch->wq, pt);
	/* Pairs with wq_has_sleeper() in cipc_wake(): queue first, then look. */
	smp_mb();

	if (READ_ONCE(ch->dead))
		return EPOLLERR | EPOLLHUP;
	if (cipc_poll_ready(cf))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

/*
 * O_ASYNC: the owner (F_SETOWN) is signalled on every complete and
 * complete_all, and on removal. Refused on a removed channel, which will
 * never signal again; always allowed to turn off (the VFS does on close).
 */
static int cipc_fasync(int fd, struct file *file, int on)
{
	struct cipc_file *cf = file->private_data;
	struct cipc_channel *ch = cf->ch;
	bool dead;
	int ret;

	ret = fasync_helper(fd, file, on, &ch->fasync);
	if (ret < 0 || !on)
		return ret;
	/*
	 * A removal that did not see the new entry set dead first, before
	 * it took ch->fasync_lock: then it is seen here, and the entry goes
	 * again.
	 */
	spin_lock(&ch->fasync_lock);
	dead = READ_ONCE(ch->dead);
	spin_unlock(&ch->fasync_lock);
	if (dead) {
		fasync_helper(fd, file, 0, &ch->fasync);
		return -ENODEV;
	}
	return ret;
}

const struct file_operations cipc_fops = {
	.owner = THIS_MODULE,
	.open = cipc_open,
	.release = cipc_release,
	.read = cipc_read,
	.write = cipc_write,
	.poll = cipc_poll,
	.fasync = cipc_fasync,
	.unlocked_ioctl = cipc_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};
