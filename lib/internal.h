/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcipc internals, shared by the files of the library:
 *   channel.c  version, opening (the node checks), closing, identity,
 *              and the helpers below that control.c uses too
 *   ops.c      everything done through an open channel (ioctls, write)
 *   control.c  the control device, /dev/cipc-control
 *
 * The library is compiled with -fvisibility=hidden: only definitions
 * marked CIPC_API are exported, and lib/libcipc.map (LIBCIPC_1) lists the
 * same names. Everything declared here is CIPC_HIDDEN: linkable from the
 * static archive (the VM test suite uses the test hooks below), never
 * exported by the shared library.
 */
#ifndef CIPC_LIB_INTERNAL_H
#define CIPC_LIB_INTERNAL_H

#include <stdint.h>
#include <sys/stat.h>

#include <linux/cipc.h>

#include "cipc.h"

#define CIPC_API	__attribute__((visibility("default")))
#define CIPC_HIDDEN	__attribute__((visibility("hidden")))

/* Where the module shows its channels' ids and its parameters. */
#define CIPC_SYSFS_ID_FMT	"/sys/class/cipc/cipc%u/id"
#define CIPC_PARAM_MAX_CHANNELS	"/sys/module/cipc/parameters/max_channels"

/*
 * An open channel. Immutable after it is set up, so that several threads
 * may use one handle at once: every operation is one system call on @fd
 * (plus, after an ENODEV, one read of sysfs to tell ESTALE).
 */
struct cipc_channel {
	int fd;		/* owned: cipc_channel_close() closes it */
	unsigned int index;	/* N of /dev/cipcN, from CIPC_IOC_INFO */
	uint64_t id;	/* the channel's id, from CIPC_IOC_INFO */
};

/*
 * The open control device. Immutable too. @max_channels cannot change
 * while @fd is open: the open file pins the module, and the parameter is
 * read-only.
 */
struct cipc_control {
	int fd;		/* owned: cipc_control_close() closes it */
	unsigned int max_channels;	/* from CIPC_CTL_INFO, never 0 */
};

/*
 * The common end of cipc_channel_open(), cipc_channel_open_path() and
 * cipc_channel_from_fd(): @fd must be a character device of the cipc class
 * (ENODEV), answer CIPC_IOC_INFO (ENOTTY becomes ENODEV) and report
 * @abi_version (EPROTO). On success the returned handle owns @fd; on
 * failure the caller still owns it, and errno is set.
 *
 * The library passes CIPC_ABI_VERSION; the test suite passes another value
 * to exercise the EPROTO path against the real driver.
 */
CIPC_HIDDEN struct cipc_channel *
cipc__channel_from_fd_abi(int fd, unsigned int abi_version);

/*
 * cipc_control_open() on another node, expecting another ABI version: the
 * library passes "/dev/" CIPC_CONTROL_NAME and CIPC_ABI_VERSION, the test
 * suite other nodes and versions (ENODEV and EPROTO with the real driver).
 */
CIPC_HIDDEN struct cipc_control *
cipc__control_open_path(const char *path, unsigned int abi_version);

/*
 * 0 if @st is a character device whose sysfs entry, the symbolic link
 * /sys/dev/char/MAJ:MIN@attr (@attr "" or "/subsystem"), ends in @suffix
 * ("/class/cipc" for a channel, "/misc/cipc-control" for the control
 * device); else -1 with ENODEV. The node checks of channel.c and control.c.
 */
CIPC_HIDDEN int cipc__check_chrdev(const struct stat *st, const char *attr,
				   const char *suffix);

/*
 * Opens @path with @mode (O_CLOEXEC and O_NOCTTY added) only if the node
 * it names passes @check (0, or -1 with errno set): the node is pinned by
 * an O_PATH descriptor, which opens nothing, checked, and that very inode
 * is then opened through /proc/self/fd (ENOENT if /proc is not mounted),
 * so that a path swapped meanwhile can never make the library open
 * another device. What was opened must be the inode checked, and pass
 * @check again (ENODEV otherwise, the descriptor closed): that narrows,
 * without closing, the window in which cipc is unloaded and another
 * driver given its device number (privileged module unloads and loads
 * racing with the call). Returns the descriptor, or -1 with errno set
 * (that of open(2), fstat(2) or @check).
 */
CIPC_HIDDEN int cipc__open_node(const char *path, int mode,
				int (*check)(const struct stat *st));

/*
 * The unsigned decimal number that makes up the file @path (a sysfs
 * attribute; one trailing newline allowed) into *@val. 0, or -1 with
 * errno: that of open(2)/read(2), or EPROTO if it holds anything else.
 */
CIPC_HIDDEN int cipc__read_u64(const char *path, uint64_t *val);

#endif /* CIPC_LIB_INTERNAL_H */
