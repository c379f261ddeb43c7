// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libcipc: version, opening and closing a channel, its identity; the node
 * checks and the sysfs reading that control.c shares.
 *
 * A node is accepted as a cipc channel only if it is a character device
 * whose sysfs entry, /sys/dev/char/MAJ:MIN/subsystem, points at the cipc
 * class, and if the driver behind it answers CIPC_IOC_INFO with the ABI
 * version the library was built for. cipc__open_node() checks the node
 * (pinned by an O_PATH descriptor) before opening that very inode, so that
 * a path swapped meanwhile cannot make the library open another device
 * (opening some devices has side effects, e.g. a watchdog), and checks it
 * again once it is open (what remains possible is said there); channels
 * are opened with O_NONBLOCK so that a FIFO or a terminal cannot block the
 * call, and get the mode the caller asked for once they are known to be
 * cipc's.
 *
 * cipc_list_channels() reads the directory of the class,
 * /sys/class/cipc: every entry cipcN is a channel.
 *
 * A handle remembers the id the driver reported when it was opened
 * (CIPC_IOC_INFO): ops.c compares it with /sys/class/cipc/cipcN/id to tell
 * a removed channel (ENODEV) from one whose index was reused (ESTALE).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "internal.h"

#ifndef LIBCIPC_VERSION
#error "LIBCIPC_VERSION must be defined (lib/lib.mk passes it)"
#endif

/* Flags cipc_channel_open*() accept; O_CLOEXEC is added in any case. */
#define CIPC_OPEN_FLAGS		(O_ACCMODE | O_NONBLOCK | O_CLOEXEC)

#define CIPC_DEV_FMT		"/dev/cipc%u"
#define CIPC_SYSFS_CLASS	"/sys/class/cipc"

CIPC_API const char *cipc_version_string(void)
{
	return LIBCIPC_VERSION;
}

CIPC_API unsigned int cipc_abi_version(void)
{
	return CIPC_ABI_VERSION;
}

/* 0, or -1 with EINVAL: unknown flags, or O_ACCMODE that is not a mode. */
static int cipc_check_flags(int flags)
{
	if ((flags & ~CIPC_OPEN_FLAGS) || (flags & O_ACCMODE) == O_ACCMODE) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

CIPC_HIDDEN int cipc__check_chrdev(const struct stat *st, const char *attr,
				   const char *suffix)
{
	const size_t slen = strlen(suffix);
	char path[64], link[PATH_MAX];
	ssize_t n;

	if (!S_ISCHR(st->st_mode))
		goto nodev;
	snprintf(path, sizeof(path), "/sys/dev/char/%u:%u%s",
		 major(st->st_rdev), minor(st->st_rdev), attr);
	n = readlink(path, link, sizeof(link));
	if (n < 0 || (size_t)n >= sizeof(link) || (size_t)n < slen ||
	    memcmp(link + n - slen, suffix, slen) != 0)
		goto nodev;
	return 0;
nodev:
	errno = ENODEV;
	return -1;
}

/* 0 if st is a character device of the cipc class, else -1 with ENODEV. */
static int cipc_check_node(const struct stat *st)
{
	return cipc__check_chrdev(st, "/subsystem", "/class/cipc");
}

CIPC_HIDDEN struct cipc_channel *
cipc__channel_from_fd_abi(int fd, unsigned int abi_version)
{
	struct cipc_channel *ch;
	struct cipc_info info;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return NULL;		/* EBADF */
	if (cipc_check_node(&st) < 0)
		return NULL;

	memset(&info, 0, sizeof(info));
	if (ioctl(fd, CIPC_IOC_INFO, &info) < 0) {
		if (errno == ENOTTY)
			errno = ENODEV;
		return NULL;
	}
	if (info.abi_version != abi_version) {
		errno = EPROTO;
		return NULL;
	}

	ch = malloc(sizeof(*ch));
	if (!ch)
		return NULL;		/* ENOMEM */
	ch->fd = fd;
	ch->index = info.index;
	ch->id = info.id;
	return ch;
}

CIPC_API struct cipc_channel *cipc_channel_from_fd(int fd)
{
	return cipc__channel_from_fd_abi(fd, CIPC_ABI_VERSION);
}

CIPC_HIDDEN int cipc__open_node(const char *path, int mode,
				int (*check)(const struct stat *st))
{
	char proc[32];
	struct stat st, st2;
	int fd, pfd, err;

	/*
	 * Pin the node with O_PATH (which opens nothing) and check it, then
	 * open that very inode through /proc/self/fd: a path swapped in
	 * between cannot make us open another device. The driver behind a
	 * device number can change as well, if cipc is unloaded and another
	 * driver given the same number between the check and the open: that
	 * takes privileged module unloads and loads racing with this call,
	 * and that open cannot be undone. The descriptor is not kept though:
	 * the device opened is checked again once its open file pins its
	 * driver, so only a driver replaced twice, back to cipc's device by
	 * the second check, could go unnoticed.
	 */
	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (fstat(pfd, &st) < 0 || check(&st) < 0) {
		err = errno;
		close(pfd);
		errno = err;
		return -1;
	}
	/* ENOENT if /proc is not mounted. */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", pfd);
	fd = open(proc, mode | O_CLOEXEC | O_NOCTTY);
	err = errno;
	close(pfd);
	errno = err;
	if (fd < 0)
		return -1;
	if (fstat(fd, &st2) < 0 || st2.st_rdev != st.st_rdev ||
	    st2.st_ino != st.st_ino || st2.st_dev != st.st_dev ||
	    check(&st2) < 0) {
		close(fd);
		errno = ENODEV;
		return -1;
	}
	return fd;
}

CIPC_HIDDEN int cipc__read_u64(const char *path, uint64_t *val)
{
	char buf[32];
	uint64_t v = 0;
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	if ((size_t)n == sizeof(buf))
		goto bad;	/* more than any number */
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n == 0)
		goto bad;
	for (ssize_t i = 0; i < n; i++) {
		unsigned int d = (unsigned int)(buf[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			goto bad;
		v = v * 10 + d;
	}
	*val = v;
	return 0;
bad:
	errno = EPROTO;
	return -1;
}

CIPC_API struct cipc_channel *cipc_channel_open_path(const char *path,
						     int flags)
{
	struct cipc_channel *ch;
	int fd, fl, err;

	if (cipc_check_flags(flags) < 0)
		return NULL;
	if (!path) {
		errno = EINVAL;
		return NULL;
	}
	fd = cipc__open_node(path, (flags & O_ACCMODE) | O_NONBLOCK,
			     cipc_check_node);
	if (fd < 0)
		return NULL;
	/* The driver's answer, and its ABI version. */
	ch = cipc__channel_from_fd_abi(fd, CIPC_ABI_VERSION);
	if (!ch)
		goto fail;
	if (!(flags & O_NONBLOCK)) {
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			goto fail;
	}
	return ch;

fail:
	err = errno;
	free(ch);
	close(fd);
	errno = err;
	return NULL;
}

CIPC_API struct cipc_channel *cipc_channel_open(unsigned int index, int flags)
{
	char path[sizeof(CIPC_DEV_FMT) + 10];

	if (cipc_check_flags(flags) < 0)
		return NULL;
	snprintf(path, sizeof(path), CIPC_DEV_FMT, index);
	return cipc_channel_open_path(path, flags);
}

CIPC_API struct cipc_channel *cipc_channel_open_id(uint64_t id, int flags)
{
	struct cipc_channel *ch;
	uint64_t max, index;

	if (cipc_check_flags(flags) < 0)
		return NULL;
	/* ENOENT when the module is not loaded. */
	if (cipc__read_u64(CIPC_PARAM_MAX_CHANNELS, &max) < 0)
		return NULL;
	if (!max) {
		errno = EPROTO;	/* no driver of this ABI has that */
		return NULL;
	}
	index = id % max;
	if (index > UINT_MAX) {
		errno = EINVAL;
		return NULL;
	}
	ch = cipc_channel_open((unsigned int)index, flags);
	if (!ch) {
		/*
		 * ENODEV here means no channel at the index: a node left
		 * behind by a removed channel (a static /dev, a copy made
		 * with mknod), or a removal racing with the open.
		 */
		if (errno == ENODEV)
			errno = ENOENT;
		return NULL;
	}
	if (ch->id != id) {
		/* Another channel holds the index now. */
		cipc_channel_close(ch);
		errno = ESTALE;
		return NULL;
	}
	return ch;
}

CIPC_API void cipc_channel_close(struct cipc_channel *ch)
{
	int err = errno;

	if (!ch)
		return;
	close(ch->fd);
	free(ch);
	errno = err;
}

CIPC_API int cipc_channel_fd(struct cipc_channel *ch)
{
	if (!ch) {
		errno = EINVAL;
		return -1;
	}
	return ch->fd;
}

CIPC_API unsigned int cipc_channel_index(struct cipc_channel *ch)
{
	if (!ch) {
		errno = EINVAL;
		return UINT_MAX;
	}
	return ch->index;
}

CIPC_API uint64_t cipc_channel_id(struct cipc_channel *ch)
{
	if (!ch) {
		errno = EINVAL;
		return UINT64_MAX;
	}
	return ch->id;
}

/* N if name is "cipcN" (N decimal, no leading zero, below UINT_MAX), else -1. */
static long long cipc_channel_name_index(const char *name)
{
	unsigned long long n = 0;
	const char *p;

	if (strncmp(name, "cipc", 4) != 0)
		return -1;
	p = name + 4;
	if (!*p || (p[0] == '0' && p[1]))
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n >= UINT_MAX)
			return -1;
	}
	return (long long)n;
}

static int cipc_cmp_uint(const void *a, const void *b)
{
	unsigned int x = *(const unsigned int *)a, y = *(const unsigned int *)b;

	return (x > y) - (x < y);
}

CIPC_API ssize_t cipc_list_channels(unsigned int *indexes, size_t max)
{
	unsigned int *all = NULL, *tmp;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int err;

	if (!indexes && max) {
		errno = EINVAL;
		return -1;
	}
	dir = opendir(CIPC_SYSFS_CLASS);	/* ENOENT: not loaded */
	if (!dir)
		return -1;
	for (;;) {
		long long idx;

		errno = 0;
		/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
		de = readdir(dir);
		if (!de) {
			if (errno)
				goto fail;
			break;
		}
		idx = cipc_channel_name_index(de->d_name);
		if (idx < 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			tmp = realloc(all, cap * sizeof(*all));
			if (!tmp)
				goto fail;	/* ENOMEM */
			all = tmp;
		}
		all[n++] = (unsigned int)idx;
	}
	closedir(dir);
	if (n > SSIZE_MAX) {
		free(all);
		errno = EOVERFLOW;
		return -1;
	}
	if (n)
		qsort(all, n, sizeof(*all), cipc_cmp_uint);
	if (max && n)
		memcpy(indexes, all, (n < max ? n : max) * sizeof(*all));
	free(all);
	return (ssize_t)n;

fail:
	err = errno;
	closedir(dir);
	free(all);
	errno = err;
	return -1;
}
