// SPDX-License-Identifier: GPL-2.0
/*
 * cipc: kernel completions as a user-space IPC primitive.
 *
 * Module set-up: parameters, the chrdev region and its one cdev, the cipc
 * class, and the registry that maps a minor to its live channel, adds and
 * removes channels and gives them their ids.
 *
 * One cdev covers the whole minor range and its open() looks the channel up
 * in the registry, so a channel's lifetime is its own (a kref: the registry
 * holds one reference, every open file another) and not that of a device or
 * cdev object. Removing a channel removes its node and sysfs directory at
 * once, while open files keep the memory until they are closed.
 *
 * Ids follow System V IPC: id = seq * max_channels + index, where the slot's
 * seq is incremented every time a channel is removed from it, so a removed
 * channel's id is not given to its successor in the same slot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "cipc.h"
#include "cipc_trace.h"

static unsigned int max_channels = 256;
module_param(max_channels, uint, 0444);
MODULE_PARM_DESC(max_channels, "Most channels at once; indexes are below it (1-1024, default 256)");

static unsigned int channels = 4;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Channels created at load, /dev/cipc0... (0-max_channels, default 4)");

static unsigned int msg_max = 256;
module_param(msg_max, uint, 0444);
MODULE_PARM_DESC(msg_max, "Largest message in bytes of a new channel (1-4096, default 256)");

static unsigned int queue_depth = 16;
module_param(queue_depth, uint, 0444);
MODULE_PARM_DESC(queue_depth, "Most messages queued on a new channel (1-1024, default 16)");

/*
 * complete_all() wakes every blocked waiter with interrupts off (the
 * completion's raw lock): the limit bounds that time, for PREEMPT_RT.
 */
static unsigned int max_waiters = 256;
module_param(max_waiters, uint, 0444);
MODULE_PARM_DESC(max_waiters, "Most tasks blocked on a new channel at once (1-65536, default 256)");

static dev_t cipc_devt;
static struct cdev cipc_cdev;

static cipc_class_const struct class cipc_class = {
	.name = CIPC_NAME,
};

/* Live channels by index; lookups take the xarray's own lock. */
static DEFINE_XARRAY(cipc_channels);
/*
 * Serialises adding and removing channels, and protects cipc_seq and
 * cipc_nr_channels.
 */
static DEFINE_MUTEX(cipc_registry_lock);
/* seq of every slot, max_channels of them: never wraps in practice. */
static u64 *cipc_seq;
static unsigned int cipc_nr_channels;

/**
 * cipc_channel_lookup() - find a live channel and take a reference
 * @index: N of /dev/cipcN
 *
 * Return: the channel, to be released with cipc_channel_put(), or NULL.
 */
struct cipc_channel *cipc_channel_lookup(unsigned int index)
{
	struct cipc_channel *ch;

	xa_lock(&cipc_channels);
	ch = xa_load(&cipc_channels, index);
	/* The registry's reference keeps ch alive while it is in the xarray. */
	if (ch && !READ_ONCE(ch->dead))
		kref_get(&ch->ref);
	else
		ch = NULL;
	xa_unlock(&cipc_channels);
	return ch;
}

/* The lowest free index, or max_channels if there is none. */
static unsigned int cipc_free_index(void)
{
	unsigned int i;

	lockdep_assert_held(&cipc_registry_lock);
	for (i = 0; i < max_channels; i++)
		if (!xa_load(&cipc_channels, i))
			break;
	return i;
}

/* Adds ch at ch->index: registry, then node and sysfs. */
static int cipc_channel_publish(struct cipc_channel *ch)
{
	struct device *dev;
	int ret;

	lockdep_assert_held(&cipc_registry_lock);

	ret = xa_insert(&cipc_channels, ch->index, ch, GFP_KERNEL);
	if (ret)
		return ret == -EBUSY ? -EEXIST : ret;

	/* The attribute groups go in with the device: complete at the uevent. */
	dev = device_create_with_groups(&cipc_class, NULL,
					MKDEV(MAJOR(cipc_devt), ch->index), ch,
					cipc_channel_groups,
					CIPC_NAME "%u", ch->index);
	if (IS_ERR(dev)) {
		/*
		 * Someone may have opened it through a node of their own: as
		 * for a removal, the slot's next channel gets another id.
		 */
		cipc_channel_kill(ch);
		xa_erase(&cipc_channels, ch->index);
		cipc_seq[ch->index]++;
		return PTR_ERR(dev);
	}
	WRITE_ONCE(cipc_nr_channels, cipc_nr_channels + 1);
	trace_cipc_channel_add(ch);
	return 0;
}

/**
 * cipc_channel_add() - create a channel (CIPC_CTL_ADD, and at load)
 * @req: what to create, validated by the caller (see cipc_ioctl_add());
 *       filled in with the new channel's index, id, msg_max, queue_depth
 *       and max_waiters
 *
 * Return: 0; -EEXIST if the index asked for is taken; -ENOSPC if it is
 * max_channels or more, or if every index is taken; -ENOMEM; -EINTR if
 * killed while waiting for the registry.
 */
int cipc_channel_add(struct cipc_ctl_channel *req)
{
	struct cipc_channel *ch;
	unsigned int index;
	int ret;

	ret = mutex_lock_killable(&cipc_registry_lock);
	if (ret)
		return ret;

	if (req->flags & CIPC_ADD_INDEX) {
		index = req->index;
		if (index >= max_channels)
			ret = -ENOSPC;
		else if (xa_load(&cipc_channels, index))
			ret = -EEXIST;
	} else {
		index = cipc_free_index();
		if (index >= max_channels)
			ret = -ENOSPC;
	}
	if (ret)
		goto out_unlock;

	ch = cipc_channel_alloc(req->msg_max ?: msg_max,
				req->queue_depth ?: queue_depth,
				req->max_waiters ?: max_waiters);
	if (!ch) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ch->index = index;
	ch->id = cipc_seq[index] * max_channels + index;
	ret = cipc_channel_publish(ch);
	if (ret) {
		cipc_channel_put(ch);
		goto out_unlock;
	}
	req->index = ch->index;
	req->id = ch->id;
	req->msg_max = ch->msg_max;
	req->queue_depth = ch->queue.depth;
	req->max_waiters = ch->max_waiters;

out_unlock:
	mutex_unlock(&cipc_registry_lock);
	return ret;
}

/*
 * Unregisters a channel: no new open finds it, its node and sysfs directory
 * go (device_destroy() waits for sysfs callbacks in progress), its waiters
 * and every later operation on its open files get -ENODEV, the slot's seq
 * moves on, and the registry's reference is dropped.
 */
static void cipc_channel_unpublish(struct cipc_channel *ch)
{
	lockdep_assert_held(&cipc_registry_lock);

	trace_cipc_channel_remove(ch);
	cipc_channel_kill(ch);
	xa_erase(&cipc_channels, ch->index);
	device_destroy(&cipc_class, MKDEV(MAJOR(cipc_devt), ch->index));
	cipc_seq[ch->index]++;
	WRITE_ONCE(cipc_nr_channels, cipc_nr_channels - 1);
	cipc_channel_put(ch);
}

/**
 * cipc_channel_remove() - remove a channel (CIPC_CTL_REMOVE)
 * @req: which one, validated by the caller: @req->index, and with
 *       CIPC_REMOVE_ID only if its id is @req->id
 *
 * Return: 0; -ENOENT if there is no channel at the index; -ESTALE if it has
 * another id; -EINTR if killed while waiting for the registry.
 */
int cipc_channel_remove(const struct cipc_ctl_channel *req)
{
	struct cipc_channel *ch;
	int ret;

	ret = mutex_lock_killable(&cipc_registry_lock);
	if (ret)
		return ret;
	ch = req->index < max_channels ?
		xa_load(&cipc_channels, req->index) : NULL;
	if (!ch)
		ret = -ENOENT;
	else if ((req->flags & CIPC_REMOVE_ID) && ch->id != req->id)
		ret = -ESTALE;
	else
		cipc_channel_unpublish(ch);
	mutex_unlock(&cipc_registry_lock);
	return ret;
}

/**
 * cipc_ctl_info() - the module's channels and limits (CIPC_CTL_INFO)
 * @info: filled in; reserved fields zeroed
 */
void cipc_ctl_info(struct cipc_ctl_info *info)
{
	memset(info, 0, sizeof(*info));
	info->abi_version = CIPC_ABI_VERSION;
	info->channels = READ_ONCE(cipc_nr_channels);
	info->max_channels = max_channels;
	info->msg_max = msg_max;
	info->queue_depth = queue_depth;
	info->max_waiters = max_waiters;
}

static void cipc_remove_all(void)
{
	struct cipc_channel *ch;
	unsigned long index;

	mutex_lock(&cipc_registry_lock);
	xa_for_each(&cipc_channels, index, ch)
		cipc_channel_unpublish(ch);
	mutex_unlock(&cipc_registry_lock);
}

static int cipc_check_params(void)
{
	if (max_channels < 1 || max_channels > CIPC_MINORS) {
		pr_err("max_channels=%u out of range (1-%u)\n",
		       max_channels, CIPC_MINORS);
		return -EINVAL;
	}
	if (channels > max_channels) {
		pr_err("channels=%u out of range (0-max_channels=%u)\n",
		       channels, max_channels);
		return -EINVAL;
	}
	if (msg_max < 1 || msg_max > CIPC_MSG_MAX_LIMIT) {
		pr_err("msg_max=%u out of range (1-%u)\n",
		       msg_max, CIPC_MSG_MAX_LIMIT);
		return -EINVAL;
	}
	if (queue_depth < 1 || queue_depth > CIPC_QUEUE_DEPTH_LIMIT) {
		pr_err("queue_depth=%u out of range (1-%u)\n",
		       queue_depth, CIPC_QUEUE_DEPTH_LIMIT);
		return -EINVAL;
	}
	if (max_waiters < 1 || max_waiters > CIPC_MAX_WAITERS_LIMIT) {
		pr_err("max_waiters=%u out of range (1-%u)\n",
		       max_waiters, CIPC_MAX_WAITERS_LIMIT);
		return -EINVAL;
	}
	return 0;
}

/*
 * The channels asked for at load. Once a node exists it can be opened, so
 * nothing may fail after the first one (the module would be freed under an
 * open file): a channel that cannot be created is reported, not fatal.
 */
static unsigned int cipc_add_initial(void)
{
	struct cipc_ctl_channel req;
	unsigned int i;
	int ret;

	for (i = 0; i < channels; i++) {
		memset(&req, 0, sizeof(req));
		ret = cipc_channel_add(&req);
		if (ret) {
			pr_warn("created %u of %u channels: error %d\n",
				i, channels, ret);
			break;
		}
	}
	return i;
}

static int __init cipc_init(void)
{
	unsigned int created;
	int ret;

	ret = cipc_check_params();
	if (ret)
		return ret;

	cipc_seq = kcalloc(max_channels, sizeof(*cipc_seq), GFP_KERNEL);
	if (!cipc_seq)
		return -ENOMEM;

	ret = alloc_chrdev_region(&cipc_devt, 0, CIPC_MINORS, CIPC_NAME);
	if (ret)
		goto err_seq;

	cdev_init(&cipc_cdev, &cipc_fops);
	cipc_cdev.owner = THIS_MODULE;
	ret = cdev_add(&cipc_cdev, cipc_devt, CIPC_MINORS);
	if (ret)
		goto err_region;

	ret = class_register(&cipc_class);
	if (ret)
		goto err_cdev;

	/* The last step that may fail: no node of a channel exists yet. */
	ret = cipc_control_register();
	if (ret)
		goto err_class;

	created = cipc_add_initial();
	pr_info("%u of at most %u channels, messages up to %u bytes, ABI %u\n",
		created, max_channels, msg_max, CIPC_ABI_VERSION);
	return 0;

err_class:
	class_unregister(&cipc_class);
err_cdev:
	cdev_del(&cipc_cdev);
err_region:
	unregister_chrdev_region(cipc_devt, CIPC_MINORS);
err_seq:
	kfree(cipc_seq);
	return ret;
}

static void __exit cipc_exit(void)
{
	/*
	 * No file is open: each pins the module through its fops' owner. The
	 * control device goes first, so nothing is added meanwhile.
	 */
	cipc_control_unregister();
	cipc_remove_all();
	class_unregister(&cipc_class);
	cdev_del(&cipc_cdev);
	unregister_chrdev_region(cipc_devt, CIPC_MINORS);
	xa_destroy(&cipc_channels);
	kfree(cipc_seq);
}

module_init(cipc_init);
module_exit(cipc_exit);

MODULE_DESCRIPTION("Kernel completions as an IPC primitive for user space");
MODULE_AUTHOR("The cipc maintainers");
MODULE_LICENSE("GPL");
MODULE_VERSION(CIPC_VERSION);
