/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcipc internals, shared by the files of the library:
 *   channel.c  version, opening (the cipc node checks), closing, identity
 *   ops.c      everything done through an open channel (ioctls, write)
 *
 * The library is compiled with -fvisibility=hidden: only definitions
 * marked CIPC_API are exported, and lib/libcipc.map (LIBCIPC_1) lists the
 * same names. Everything declared here is CIPC_HIDDEN: linkable from the
 * static archive (the VM test suite uses the test hook below), never
 * exported by the shared library.
 */
#ifndef CIPC_LIB_INTERNAL_H
#define CIPC_LIB_INTERNAL_H

#include <linux/cipc.h>

#include "cipc.h"

#define CIPC_API	__attribute__((visibility("default")))
#define CIPC_HIDDEN	__attribute__((visibility("hidden")))

/*
 * An open channel. Immutable after it is set up, so that several threads
 * may use one handle at once: every operation is one system call on @fd.
 */
struct cipc_channel {
	int fd;		/* owned: cipc_channel_close() closes it */
	unsigned int index;	/* N of /dev/cipcN, from CIPC_IOC_INFO */
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

#endif /* CIPC_LIB_INTERNAL_H */
