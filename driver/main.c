// SPDX-License-Identifier: GPL-2.0
/*
 * cipc: kernel completions as a user-space IPC primitive.
 *
 * Module set-up: parameters, the chrdev region and its one cdev, the cipc
 * class, and the registry that maps a minor to its live channel.
 *
 * One cdev covers the whole minor range and its open() looks the channel up
 * in the registry, so a channel's lifetime is its own (a kref: the registry
 * holds one reference, every open file another) and not that of a device or
 * cdev object. Unregistering a channel removes its node and sysfs directory
 * at once, while open files keep the memory until they are closed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cdev.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "cipc.h"

static unsigned int channels = 4;
module_param(channels, uint, 0444);
MODULE_PARM_DESC(channels, "Channels created at load, /dev/cipc0... (1-256, default 4)");

static unsigned int msg_max = 256;
module_param(msg_max, uint, 0444);
MODULE_PARM_DESC(msg_max, "Largest message in bytes (1-4096, default 256)");

static dev_t cipc_devt;
static struct cdev cipc_cdev;

static cipc_class_const struct class cipc_class = {
	.name = CIPC_NAME,
};

/* Live channels by index; lookups take the xarray's own lock. */
static DEFINE_XARRAY(cipc_channels);
/* Serialises adding and removing channels. */
static DEFINE_MUTEX(cipc_registry_lock);

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

static int cipc_channel_add(unsigned int index)
{
	struct cipc_channel *ch;
	struct device *dev;
	int ret;

	ch = cipc_channel_alloc(index, msg_max);
	if (!ch)
		return -ENOMEM;

	mutex_lock(&cipc_registry_lock);
	ret = xa_insert(&cipc_channels, index, ch, GFP_KERNEL);
	if (ret)
		goto err_put;

	/* The attribute groups go in with the device: complete at the uevent. */
	dev = device_create_with_groups(&cipc_class, NULL,
					MKDEV(MAJOR(cipc_devt), index), ch,
					cipc_channel_groups,
					CIPC_NAME "%u", index);
	if (IS_ERR(dev)) {
		ret = PTR_ERR(dev);
		xa_erase(&cipc_channels, index);
		goto err_put;
	}
	mutex_unlock(&cipc_registry_lock);
	return 0;

err_put:
	mutex_unlock(&cipc_registry_lock);
	cipc_channel_put(ch);
	return ret;
}

/*
 * Unregisters a channel: no new open finds it, its node and sysfs directory
 * go (device_destroy() waits for sysfs callbacks in progress), its waiters
 * and every later operation on its open files get -ENODEV, and the
 * registry's reference is dropped.
 */
static void cipc_channel_remove(struct cipc_channel *ch)
{
	lockdep_assert_held(&cipc_registry_lock);

	cipc_channel_kill(ch);
	xa_erase(&cipc_channels, ch->index);
	device_destroy(&cipc_class, MKDEV(MAJOR(cipc_devt), ch->index));
	cipc_channel_put(ch);
}

static void cipc_remove_all(void)
{
	struct cipc_channel *ch;
	unsigned long index;

	mutex_lock(&cipc_registry_lock);
	xa_for_each(&cipc_channels, index, ch)
		cipc_channel_remove(ch);
	mutex_unlock(&cipc_registry_lock);
}

static int cipc_check_params(void)
{
	if (channels < 1 || channels > CIPC_MAX_CHANNELS) {
		pr_err("channels=%u out of range (1-%u)\n",
		       channels, CIPC_MAX_CHANNELS);
		return -EINVAL;
	}
	if (msg_max < 1 || msg_max > CIPC_MSG_MAX_LIMIT) {
		pr_err("msg_max=%u out of range (1-%u)\n",
		       msg_max, CIPC_MSG_MAX_LIMIT);
		return -EINVAL;
	}
	return 0;
}

static int __init cipc_init(void)
{
	unsigned int i;
	int ret;

	ret = cipc_check_params();
	if (ret)
		return ret;

	ret = alloc_chrdev_region(&cipc_devt, 0, CIPC_MAX_CHANNELS, CIPC_NAME);
	if (ret)
		return ret;

	cdev_init(&cipc_cdev, &cipc_fops);
	cipc_cdev.owner = THIS_MODULE;
	ret = cdev_add(&cipc_cdev, cipc_devt, CIPC_MAX_CHANNELS);
	if (ret)
		goto err_region;

	ret = class_register(&cipc_class);
	if (ret)
		goto err_cdev;

	for (i = 0; i < channels; i++) {
		ret = cipc_channel_add(i);
		if (ret) {
			pr_err("cannot create channel %u: %d\n", i, ret);
			goto err_channels;
		}
	}

	pr_info("%u channels, messages up to %u bytes, ABI %u\n",
		channels, msg_max, CIPC_ABI_VERSION);
	return 0;

err_channels:
	cipc_remove_all();
	class_unregister(&cipc_class);
err_cdev:
	cdev_del(&cipc_cdev);
err_region:
	unregister_chrdev_region(cipc_devt, CIPC_MAX_CHANNELS);
	return ret;
}

static void __exit cipc_exit(void)
{
	/* No file is open: each pins the module through cipc_cdev.owner. */
	cipc_remove_all();
	class_unregister(&cipc_class);
	cdev_del(&cipc_cdev);
	unregister_chrdev_region(cipc_devt, CIPC_MAX_CHANNELS);
	xa_destroy(&cipc_channels);
}

module_init(cipc_init);
module_exit(cipc_exit);

MODULE_DESCRIPTION("Kernel completions as an IPC primitive for user space");
MODULE_AUTHOR("The cipc maintainers");
MODULE_LICENSE("GPL");
MODULE_VERSION(CIPC_VERSION);
