// SPDX-License-Identifier: GPL-2.0
/*
 * File operations of /dev/cipcN: open, release, read, write, poll, fasync,
 * and the copying of messages between user space and a channel, shared with the
 * ioctls of ioctl.c.
 *
 * A message crosses the channel lock through a buffer of the calling
 * thread: on the stack up to CIPC_MSG_ONSTACK bytes (the default msg_max),
 * else allocated for the call, before any wait. Nothing is shared between
 * threads using one file, so none of them can hold up another.
 */
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/pagemap.h>
#include <linux/poll.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "cipc.h"

#define CIPC_MSG_ONSTACK	256

struct cipc_msgbuf {
	u8 *p;
	u8 stack[CIPC_MSG_ONSTACK];
};

static u8 *cipc_msgbuf_get(struct cipc_msgbuf *mb, size_t size)
{
	if (size <= sizeof(mb->stack))
		mb->p = mb->stack;
	else
		mb->p = kmalloc(size, GFP_KERNEL);
	return mb->p;
}

static void cipc_msgbuf_put(struct cipc_msgbuf *mb)
{
	if (mb->p != mb->stack)
		kfree(mb->p);
}

/**
 * cipc_user_signal() - store a message from user space and signal
 * @ch:   the channel
 * @how:  complete(), complete_all(), or as the channel's mode says
 * @umsg: the message in user memory
 * @len:  its length
 *
 * Return: 0; -EMSGSIZE above msg_max, -EFAULT, -ENOMEM, or an error of
 * cipc_signal(). Nothing changes on error.
 */
int cipc_user_signal(struct cipc_channel *ch, enum cipc_how how,
		     const void __user *umsg, size_t len)
{
	struct cipc_msgbuf mb;
	int ret;

	if (len > ch->msg_max)
		return -EMSGSIZE;
	if (!cipc_msgbuf_get(&mb, len))
		return -ENOMEM;

	if (copy_from_user(mb.p, umsg, len))
		ret = -EFAULT;
	else
		ret = cipc_signal(ch, how, mb.p, len, true);
	cipc_msgbuf_put(&mb);
	return ret;
}

/**
 * cipc_user_wait() - wait, then copy the message to user space
 * @ch:       the channel
 * @timeout:  as for cipc_wait()
 * @nonblock: as for cipc_wait()
 * @umsg:     user buffer for the message, or NULL
 * @size:     its size; a longer message is truncated
 * @rcv:      out: the message's full length and the generation
 *
 * The buffer is checked before the wait, without writing to it, so a bad
 * pointer fails with -EFAULT and consumes nothing. Only a buffer unmapped
 * during the wait makes a wait that passed fail with -EFAULT.
 *
 * Return: bytes copied, or a negative errno of cipc_wait(), -EFAULT,
 * -ENOMEM.
 */
ssize_t cipc_user_wait(struct cipc_channel *ch, long timeout, bool nonblock,
		       void __user *umsg, size_t size, struct cipc_rcv *rcv)
{
	struct cipc_msgbuf mb;
	u32 n;
	int ret;

	size = umsg ? min_t(size_t, size, ch->msg_max) : 0;
	if (size && fault_in_safe_writeable(umsg, size))
		return -EFAULT;
	if (!cipc_msgbuf_get(&mb, size))
		return -ENOMEM;

	rcv->buf = size ? mb.p : NULL;
	rcv->size = size;
	ret = cipc_wait(ch, timeout, nonblock, rcv);
	if (!ret) {
		n = min_t(u32, rcv->len, size);
		if (copy_to_user(umsg, mb.p, n)) {
			ret = -EFAULT;
		} else {
			cipc_stat_add(ch, CIPC_STAT_BYTES_OUT, n);
			ret = n;
		}
	}
	cipc_msgbuf_put(&mb);
	return ret;
}

/**
 * cipc_timeout() - a relative timeout in nanoseconds as the waits take it
 * @ns: nanoseconds, or CIPC_TIMEOUT_FOREVER
 *
 * Rounds up to whole jiffies and adds one, because the first jiffy of a
 * sleep may be partial: the wait lasts at least @ns.
 *
 * Return: jiffies; 0 for 0; MAX_SCHEDULE_TIMEOUT for forever.
 */
long cipc_timeout(u64 ns)
{
	u32 rem;
	u64 j;

	if (ns == CIPC_TIMEOUT_FOREVER)
		return MAX_SCHEDULE_TIMEOUT;
	if (!ns)
		return 0;
	j = div_u64_rem(ns, TICK_NSEC, &rem);
	j += !!rem + 1;
	return min_t(u64, j, MAX_SCHEDULE_TIMEOUT - 1);
}

static int cipc_open(struct inode *inode, struct file *file)
{
	struct cipc_channel *ch;

	ch = cipc_channel_lookup(iminor(inode));
	if (!ch)
		return -ENODEV;
	file->private_data = ch;
	return stream_open(inode, file);
}

static int cipc_release(struct inode *inode, struct file *file)
{
	cipc_channel_put(file->private_data);
	return 0;
}

/*
 * Waits, then returns the message current when the wait ended, truncated to
 * the caller's buffer. O_NONBLOCK: -EAGAIN instead of blocking. A signal
 * ends the wait (-ERESTARTSYS: restarted under SA_RESTART, which is right
 * for a wait without a timeout).
 */
static ssize_t cipc_read(struct file *file, char __user *ubuf, size_t len,
			 loff_t *ppos)
{
	struct cipc_channel *ch = file->private_data;
	bool nonblock = file->f_flags & O_NONBLOCK;
	struct cipc_rcv rcv;

	if (READ_ONCE(ch->dead))
		return -ENODEV;
	return cipc_user_wait(ch,
			      nonblock ? 0 : MAX_SCHEDULE_TIMEOUT, nonblock,
			      ubuf, len, &rcv);
}

/*
 * Stores the message and signals as the channel's mode says. Never blocks
 * on the channel. -EMSGSIZE above msg_max; nothing changes on any error.
 */
static ssize_t cipc_write(struct file *file, const char __user *ubuf,
			  size_t len, loff_t *ppos)
{
	struct cipc_channel *ch = file->private_data;
	int ret;

	if (READ_ONCE(ch->dead))
		return -ENODEV;
	ret = cipc_user_signal(ch, CIPC_HOW_MODE, ubuf, len);
	return ret ? ret : len;
}

/* Readable when a wait would not block; always writable. */
static __poll_t cipc_poll(struct file *file, struct poll_table_struct *pt)
{
	struct cipc_channel *ch = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &ch->wq, pt);
	/* Pairs with wq_has_sleeper() in cipc_wake(): queue first, then look. */
	smp_mb();

	if (READ_ONCE(ch->dead))
		return EPOLLERR | EPOLLHUP;
	if (cipc_ready(ch))
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
	struct cipc_channel *ch = file->private_data;
	bool dead;
	int ret;

	ret = fasync_helper(fd, file, on, &ch->fasync);
	if (ret < 0 || !on)
		return ret;
	/*
	 * A removal that did not see the new entry set dead first, under
	 * ch->lock: then it is seen here, and the entry goes again.
	 */
	spin_lock(&ch->lock);
	dead = ch->dead;
	spin_unlock(&ch->lock);
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
