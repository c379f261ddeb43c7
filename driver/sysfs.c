// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of a channel, /sys/class/cipc/cipcN/:
 *
 *   id          0444  the channel's id, seq * max_channels + N
 *   msg_max     0444  largest message in bytes
 *   queue_depth 0444  most messages queued
 *   max_waiters 0444  most tasks blocked at once
 *   mode        0644  "one" or "all": what write(2) does
 *   count       0440  complete()s not yet taken (0 after complete_all)
 *   all         0440  1 while complete_all() is in effect, else 0
 *   waiters     0440  tasks waiting now
 *   queued      0440  messages queued
 *   generation  0440  number of reinits
 *   seq         0440  sequence number of the last signal
 *   stats/      0440  one counter a file (struct cipc_stats), and
 *   stats/reset 0200  root only: writing 1 zeroes the counters
 *
 * One value a file. The identity and limits of a channel are as public as
 * its node's name; its state and counters tell when others signal and
 * wait, so they are root's (0440), like a node the driver creates (0600):
 * the packaged udev rule gives them to group cipc together with the node.
 *
 * The groups are handed to device_create_with_groups(), so the files exist
 * before the uevent announces the device. device_destroy() waits for the
 * callbacks in progress, so the channel outlives every one of them.
 */
#include <linux/capability.h>
#include <linux/device.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "cipc.h"

static const char * const cipc_mode_names[] = {
	[CIPC_MODE_ONE] = "one",
	[CIPC_MODE_ALL] = "all",
};

static ssize_t id_show(struct device *dev, struct device_attribute *attr,
		       char *buf)
{
	struct cipc_channel *ch = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%llu\n", ch->id);
}
static DEVICE_ATTR_RO(id);

static ssize_t mode_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	struct cipc_channel *ch = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", cipc_mode_names[READ_ONCE(ch->mode)]);
}

static ssize_t mode_store(struct device *dev, struct device_attribute *attr,
			  const char *buf, size_t len)
{
	struct cipc_channel *ch = dev_get_drvdata(dev);
	u32 mode;
	int ret;

	for (mode = 0; mode < ARRAY_SIZE(cipc_mode_names); mode++)
		if (sysfs_streq(buf, cipc_mode_names[mode]))
			break;
	ret = cipc_set_mode(ch, mode);
	return ret ? ret : len;
}
static DEVICE_ATTR_RW(mode);

/* The show function of a file showing one field of struct cipc_info. */
#define CIPC_INFO_SHOW(_field, _fmt)					\
static ssize_t _field##_show(struct device *dev,			\
			     struct device_attribute *attr, char *buf)	\
{									\
	struct cipc_info info;						\
									\
	cipc_info(dev_get_drvdata(dev), &info);				\
	return sysfs_emit(buf, _fmt "\n", info._field);			\
}

CIPC_INFO_SHOW(msg_max, "%u")
CIPC_INFO_SHOW(queue_depth, "%u")
CIPC_INFO_SHOW(max_waiters, "%u")
CIPC_INFO_SHOW(count, "%u")
CIPC_INFO_SHOW(waiters, "%u")
CIPC_INFO_SHOW(queued, "%u")
CIPC_INFO_SHOW(generation, "%llu")
CIPC_INFO_SHOW(seq, "%llu")

static ssize_t all_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	struct cipc_info info;

	cipc_info(dev_get_drvdata(dev), &info);
	return sysfs_emit(buf, "%u\n", !!(info.flags & CIPC_INFO_ALL));
}

static DEVICE_ATTR_RO(msg_max);
static DEVICE_ATTR_RO(queue_depth);
static DEVICE_ATTR_RO(max_waiters);
static struct device_attribute dev_attr_count = __ATTR(count, 0440, count_show, NULL);
static struct device_attribute dev_attr_all = __ATTR(all, 0440, all_show, NULL);
static struct device_attribute dev_attr_waiters = __ATTR(waiters, 0440, waiters_show, NULL);
static struct device_attribute dev_attr_queued = __ATTR(queued, 0440, queued_show, NULL);
static struct device_attribute dev_attr_generation =
	__ATTR(generation, 0440, generation_show, NULL);
static struct device_attribute dev_attr_seq = __ATTR(seq, 0440, seq_show, NULL);

static struct attribute *cipc_channel_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_msg_max.attr,
	&dev_attr_queue_depth.attr,
	&dev_attr_max_waiters.attr,
	&dev_attr_mode.attr,
	&dev_attr_count.attr,
	&dev_attr_all.attr,
	&dev_attr_waiters.attr,
	&dev_attr_queued.attr,
	&dev_attr_generation.attr,
	&dev_attr_seq.attr,
	NULL
};

static const struct attribute_group cipc_channel_group = {
	.attrs = cipc_channel_attrs,
};

/* A counter file of stats/: one show function for all of them. */
struct cipc_stat_attribute {
	struct device_attribute attr;
	enum cipc_stat stat;
};

static ssize_t cipc_stat_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct cipc_stat_attribute *sa =
		container_of(attr, struct cipc_stat_attribute, attr);
	struct cipc_channel *ch = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&ch->stats[sa->stat]));
}

#define CIPC_STAT_ATTR(_name, _stat)					\
	static struct cipc_stat_attribute cipc_stat_attr_##_name = {	\
		.attr = __ATTR(_name, 0440, cipc_stat_show, NULL),	\
		.stat = _stat,						\
	}

CIPC_STAT_ATTR(complete, CIPC_STAT_COMPLETE);
CIPC_STAT_ATTR(complete_all, CIPC_STAT_COMPLETE_ALL);
CIPC_STAT_ATTR(reinit, CIPC_STAT_REINIT);
CIPC_STAT_ATTR(wait, CIPC_STAT_WAIT);
CIPC_STAT_ATTR(woken, CIPC_STAT_WOKEN);
CIPC_STAT_ATTR(timeout, CIPC_STAT_TIMEOUT);
CIPC_STAT_ATTR(interrupted, CIPC_STAT_INTERRUPTED);
CIPC_STAT_ATTR(again, CIPC_STAT_AGAIN);
CIPC_STAT_ATTR(bytes_in, CIPC_STAT_BYTES_IN);
CIPC_STAT_ATTR(bytes_out, CIPC_STAT_BYTES_OUT);
CIPC_STAT_ATTR(full, CIPC_STAT_FULL);
CIPC_STAT_ATTR(discarded, CIPC_STAT_DISCARDED);
CIPC_STAT_ATTR(refused, CIPC_STAT_REFUSED);

static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t len)
{
	/* The file is 0200; the capability also holds for root in a userns. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (!sysfs_streq(buf, "1"))
		return -EINVAL;
	cipc_stats_reset(dev_get_drvdata(dev));
	return len;
}
static DEVICE_ATTR_WO(reset);

static struct attribute *cipc_stats_attrs[] = {
	&cipc_stat_attr_complete.attr.attr,
	&cipc_stat_attr_complete_all.attr.attr,
	&cipc_stat_attr_reinit.attr.attr,
	&cipc_stat_attr_wait.attr.attr,
	&cipc_stat_attr_woken.attr.attr,
	&cipc_stat_attr_timeout.attr.attr,
	&cipc_stat_attr_interrupted.attr.attr,
	&cipc_stat_attr_again.attr.attr,
	&cipc_stat_attr_bytes_in.attr.attr,
	&cipc_stat_attr_bytes_out.attr.attr,
	&cipc_stat_attr_full.attr.attr,
	&cipc_stat_attr_discarded.attr.attr,
	&cipc_stat_attr_refused.attr.attr,
	&dev_attr_reset.attr,
	NULL
};

static const struct attribute_group cipc_stats_group = {
	.name = "stats",
	.attrs = cipc_stats_attrs,
};

const struct attribute_group *cipc_channel_groups[] = {
	&cipc_channel_group,
	&cipc_stats_group,
	NULL
};
