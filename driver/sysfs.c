// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs attributes of a channel, /sys/class/cipc/cipcN/:
 *
 *   id          r     the channel's id, seq * max_channels + N
 *   mode        rw    "one" or "all": what write(2) does
 *   done        r     the completion's count, or "all" after complete_all
 *   waiters     r     tasks waiting now
 *   generation  r     number of reinits
 *   stats/      r     one counter a file (struct cipc_stats), and
 *   stats/reset w     root only: writing 1 zeroes the counters
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

static ssize_t done_show(struct device *dev, struct device_attribute *attr,
			 char *buf)
{
	u32 count = cipc_count(dev_get_drvdata(dev));

	if (count == CIPC_DONE_ALL)
		return sysfs_emit(buf, "all\n");
	return sysfs_emit(buf, "%u\n", count);
}
static DEVICE_ATTR_RO(done);

static ssize_t waiters_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	return sysfs_emit(buf, "%u\n", cipc_waiters(dev_get_drvdata(dev)));
}
static DEVICE_ATTR_RO(waiters);

static ssize_t generation_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct cipc_info info;

	cipc_info(dev_get_drvdata(dev), &info);
	return sysfs_emit(buf, "%llu\n", info.generation);
}
static DEVICE_ATTR_RO(generation);

static struct attribute *cipc_channel_attrs[] = {
	&dev_attr_id.attr,
	&dev_attr_mode.attr,
	&dev_attr_done.attr,
	&dev_attr_waiters.attr,
	&dev_attr_generation.attr,
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
		.attr = __ATTR(_name, 0444, cipc_stat_show, NULL),	\
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
