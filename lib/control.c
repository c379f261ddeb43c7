// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcipc: the control device, /dev/cipc-control, which adds and removes
 * channels (CIPC_CTL_* of <linux/cipc.h>).
 *
 * The node is accepted only if it is a character device whose sysfs entry,
 * /sys/dev/char/MAJ:MIN, is the misc device cipc-control, and if the driver
 * behind it answers CIPC_CTL_INFO with the ABI version the library was
 * built for. It is opened as channels are (cipc__open_node(): pinned with
 * O_PATH, checked, that very inode reopened and checked again), so that a
 * path swapped meanwhile cannot make the library open another device.
 * It is opened read-write, or read-only when the caller may only read the
 * node (a udev rule may grant that): CIPC_CTL_INFO works on any open mode,
 * CIPC_CTL_ADD and CIPC_CTL_REMOVE need CAP_SYS_ADMIN (EPERM), then a
 * descriptor open for writing (EBADF).
 *
 * Every call is one ioctl on the handle's descriptor with its argument on
 * the caller's stack; errno is the kernel's, except EINVAL for arguments
 * the ABI cannot carry. The handle caches max_channels, which cannot change
 * while the descriptor is open (the open file pins the module).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define CIPC_CONTROL_DEV	"/dev/" CIPC_CONTROL_NAME

/* 0 if st is the cipc control device (a misc device), else -1, ENODEV. */
static int cipc_check_control(const struct stat *st)
{
	return cipc__check_chrdev(st, "", "/misc/" CIPC_CONTROL_NAME);
}

/* CIPC_CTL_INFO into *ki: 0, or -1 with errno (ENOTTY becomes ENODEV). */
static int cipc_control_info(int fd, struct cipc_ctl_info *ki)
{
	memset(ki, 0, sizeof(*ki));
	if (ioctl(fd, CIPC_CTL_INFO, ki) < 0) {
		if (errno == ENOTTY)
			errno = ENODEV;
		return -1;
	}
	return 0;
}

CIPC_HIDDEN struct cipc_control *
cipc__control_open_path(const char *path, unsigned int abi_version)
{
	struct cipc_ctl_info ki;
	struct cipc_control *ctl;
	int fd, err;

	fd = cipc__open_node(path, O_RDWR, cipc_check_control);
	/* Enough for CIPC_CTL_INFO; add and remove will say EPERM or EBADF. */
	if (fd < 0 && errno == EACCES)
		fd = cipc__open_node(path, O_RDONLY, cipc_check_control);
	if (fd < 0)
		return NULL;
	if (cipc_control_info(fd, &ki) < 0)
		goto fail;
	if (ki.abi_version != abi_version || !ki.max_channels) {
		errno = EPROTO;
		goto fail;
	}
	ctl = malloc(sizeof(*ctl));
	if (!ctl)
		goto fail;		/* ENOMEM */
	ctl->fd = fd;
	ctl->max_channels = ki.max_channels;
	return ctl;

fail:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

CIPC_API struct cipc_control *cipc_control_open(void)
{
	return cipc__control_open_path(CIPC_CONTROL_DEV, CIPC_ABI_VERSION);
}

CIPC_API void cipc_control_close(struct cipc_control *ctl)
{
	int err = errno;

	if (!ctl)
		return;
	close(ctl->fd);
	free(ctl);
	errno = err;
}

struct cipc_control_info {
	struct cipc_ctl_info ki;	/* as the driver reported it */
};

CIPC_API struct cipc_control_info *cipc_control_get_info(struct cipc_control *ctl)
{
	struct cipc_control_info *info;
	struct cipc_ctl_info ki;

	if (!ctl) {
		errno = EINVAL;
		return NULL;
	}
	memset(&ki, 0, sizeof(ki));
	if (ioctl(ctl->fd, CIPC_CTL_INFO, &ki) < 0)
		return NULL;
	info = malloc(sizeof(*info));
	if (!info)
		return NULL;		/* ENOMEM */
	info->ki = ki;
	return info;
}

CIPC_API void cipc_control_info_free(struct cipc_control_info *info)
{
	int err = errno;

	free(info);
	errno = err;
}

#define CIPC_CTL_INFO_GETTER(type, name)				\
CIPC_API type cipc_control_info_get_##name(				\
		const struct cipc_control_info *info)			\
{									\
	return info ? (type)info->ki.name : (type)0;			\
}

CIPC_CTL_INFO_GETTER(unsigned int, abi_version)
CIPC_CTL_INFO_GETTER(unsigned int, channels)
CIPC_CTL_INFO_GETTER(unsigned int, max_channels)
CIPC_CTL_INFO_GETTER(size_t, msg_max)
CIPC_CTL_INFO_GETTER(unsigned int, queue_depth)
CIPC_CTL_INFO_GETTER(unsigned int, max_waiters)

CIPC_API int cipc_control_add(struct cipc_control *ctl, unsigned int index,
			      size_t msg_max, unsigned int queue_depth,
			      unsigned int max_waiters,
			      unsigned int *new_index, uint64_t *id)
{
	struct cipc_ctl_channel cc;

	/* Values the ABI cannot carry are not truncated into valid ones. */
	if (!ctl || msg_max > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&cc, 0, sizeof(cc));
	if (index != CIPC_INDEX_ANY) {
		cc.flags = CIPC_ADD_INDEX;
		cc.index = index;
	}
	cc.msg_max = (__u32)msg_max;
	cc.queue_depth = queue_depth;
	cc.max_waiters = max_waiters;
	if (ioctl(ctl->fd, CIPC_CTL_ADD, &cc) < 0)
		return -1;
	if (new_index)
		*new_index = cc.index;
	if (id)
		*id = cc.id;
	return 0;
}

/* CIPC_CTL_REMOVE of the channel at index; with_id: only if it is id. */
static int cipc_control_rm(struct cipc_control *ctl, uint64_t index,
			   uint64_t id, bool with_id)
{
	struct cipc_ctl_channel cc;

	if (index > UINT32_MAX) {
		errno = EINVAL;
		return -1;
	}
	memset(&cc, 0, sizeof(cc));
	cc.index = (__u32)index;
	if (with_id) {
		cc.flags = CIPC_REMOVE_ID;
		cc.id = id;
	}
	return ioctl(ctl->fd, CIPC_CTL_REMOVE, &cc) < 0 ? -1 : 0;
}

CIPC_API int cipc_control_remove(struct cipc_control *ctl, unsigned int index)
{
	if (!ctl) {
		errno = EINVAL;
		return -1;
	}
	return cipc_control_rm(ctl, index, 0, false);
}

CIPC_API int cipc_control_remove_id(struct cipc_control *ctl, uint64_t id)
{
	if (!ctl) {
		errno = EINVAL;
		return -1;
	}
	return cipc_control_rm(ctl, id % ctl->max_channels, id, true);
}
