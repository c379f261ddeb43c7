// SPDX-License-Identifier: GPL-2.0
/*
 * The table of documented (operation, errno) pairs.
 *
 * Every result of cipc-fuzz is checked against it: a call may succeed only
 * if none of its C_DEFECTS facts holds, and may fail only with an errno of
 * a row whose condition holds. The sources, in order of authority:
 *   H   uapi/linux/cipc.h, the ABI
 *   R   README.md ("Device semantics", "Adding and removing channels",
 *       "sysfs", "ioctls")
 *   M   the man pages in lib/man, for what the driver passes on to libcipc's callers
 *   T   tests/driver/test_badinput.c, which confirms the errno
 *   VFS the kernel's own checks, made before the driver is called (not the
 *       driver's to document; listed so that they are not mistaken for it)
 * Nothing is in this table because the driver does it; only because a
 * document says so (or the VFS does it first).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

#define CHAN_IOC (KB(K_INFO) | KB(K_COMPLETE) | KB(K_COMPLETE_ALL) |	\
		  KB(K_REINIT) | KB(K_WAIT) | KB(K_TRYWAIT) |		\
		  KB(K_GET_MODE) | KB(K_SET_MODE) | KB(K_GET_STATS) |	\
		  KB(K_RESET_STATS) | KB(K_BADCMD))
#define SIGNALS (KB(K_COMPLETE) | KB(K_COMPLETE_ALL))
#define WAITS (KB(K_WAIT) | KB(K_TRYWAIT))
#define PTR_IOC (KB(K_INFO) | SIGNALS | WAITS | KB(K_GET_MODE) |	\
		 KB(K_SET_MODE) | KB(K_GET_STATS) | KB(K_CTL_INFO) |	\
		 KB(K_CTL_ADD) | KB(K_CTL_REMOVE))
#define CTL_CHG (KB(K_CTL_ADD) | KB(K_CTL_REMOVE))
#define SYSFS (KB(K_SYSFS_READ) | KB(K_SYSFS_WRITE))

static const struct fz_rule fz_rules[] = {
	/* Removal */
	{ CHAN_IOC | KB(K_READ) | KB(K_WRITE), C_DEAD, ENODEV,
	  "H: once its channel is removed, every operation on an open file "
	  "fails with ENODEV" },
	{ KB(K_FCNTL), C_DEAD | C_ASYNCON, ENODEV,
	  "H: every operation on an open file fails with ENODEV (O_ASYNC on: "
	  "the driver's fasync)" },
	/* Open mode */
	{ SIGNALS | KB(K_REINIT) | KB(K_SET_MODE), C_NOTWR, EBADF,
	  "H: signalling, CIPC_IOC_REINIT and CIPC_IOC_SET_MODE need a file "
	  "opened for writing; EBADF otherwise (T)" },
	{ KB(K_WRITE), C_NOTWR, EBADF,
	  "H: write(2) on a file not opened for writing fails with EBADF, "
	  "which the VFS checks first (T)" },
	{ WAITS | KB(K_READ), C_NOTRD, EBADF,
	  "H: waiting (CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT, read(2)) needs a file "
	  "opened for reading; EBADF otherwise (T)" },
	{ CTL_CHG, C_NOTWR, EBADF,
	  "H: CIPC_CTL_ADD and CIPC_CTL_REMOVE need ... a file opened for "
	  "writing (EBADF)" },
	/* Privilege */
	{ CTL_CHG, C_NOPRIV, EPERM,
	  "H: CIPC_CTL_ADD and CIPC_CTL_REMOVE need CAP_SYS_ADMIN (EPERM), "
	  "checked before anything else" },
	{ KB(K_RESET_STATS), C_NOPRIV, EPERM,
	  "H: CIPC_IOC_RESET_STATS: Needs CAP_SYS_ADMIN (EPERM)" },
	{ KB(K_SYSFS_WRITE), C_NOPRIV, EPERM,
	  "H: resetting counters need[s] CAP_SYS_ADMIN (EPERM); R: ioctl or "
	  "stats/reset" },
	/* Arguments */
	{ PTR_IOC, C_BADARG, EFAULT,
	  "H: a bad user pointer fails with EFAULT (T)" },
	{ SIGNALS | WAITS | KB(K_SET_MODE) | CTL_CHG, C_INVAL, EINVAL,
	  "H: fields named reserved/pad and unknown bits of flags must be "
	  "zero on input, otherwise EINVAL; each structure's field rules "
	  "(T)" },
	{ WAITS, C_NULLSZ, EINVAL,
	  "H: @msg 0 for none (then @msg_size must be 0: EINVAL)" },
	{ SIGNALS | KB(K_WRITE), C_MSGSIZE, EMSGSIZE,
	  "H: @msg_len 0..msg_max (EMSGSIZE above); R: write EMSGSIZE above "
	  "msg_max (T)" },
	{ SIGNALS | WAITS | KB(K_READ) | KB(K_WRITE), C_BADBUF, EFAULT,
	  "H: a bad user pointer fails with EFAULT; read(2): a NULL or "
	  "unwritable buffer with EFAULT (T)" },
	{ KB(K_READ), C_LEN0, EINVAL, "H: read(2): n == 0 fails with EINVAL" },
	{ KB(K_READ) | KB(K_WRITE), C_VFSRANGE, EFAULT,
	  "VFS: access_ok() of a range beyond user space" },
	{ KB(K_READ) | KB(K_WRITE), C_VFSRANGE, EINVAL,
	  "VFS: rw_verify_area(), count > SSIZE_MAX" },
	{ KB(K_BADCMD) | KB(K_CTL_BADCMD), C_BADCMD, ENOTTY,
	  "H: an unknown command with ENOTTY; each device answers only its "
	  "own (T)" },
	/* Outcomes of valid calls */
	{ KB(K_COMPLETE), 0, EOVERFLOW,
	  "H: CIPC_IOC_COMPLETE: EOVERFLOW when the count would reach "
	  "2^32 - 1" },
	{ KB(K_WRITE), 0, EOVERFLOW,
	  "H: write(2) is a complete() in mode one (CIPC_IOC_COMPLETE: "
	  "EOVERFLOW); M cipc_channel_send(3)" },
	{ KB(K_COMPLETE), C_HASMSG, EAGAIN,
	  "H: a complete() with a message fails with EAGAIN while "
	  "queue_depth messages are queued" },
	{ KB(K_COMPLETE_ALL), C_MSGBYTES, EAGAIN,
	  "H: CIPC_IOC_COMPLETE_ALL with a message needs a free slot: "
	  "EAGAIN while every one is held" },
	{ KB(K_WRITE), 0, EAGAIN, "R: write(2): EAGAIN queue full" },
	{ KB(K_WAIT), 0, ETIMEDOUT,
	  "H: CIPC_IOC_WAIT: -1 with ETIMEDOUT when the timeout expired" },
	{ KB(K_WAIT), C_BLOCKS, EUSERS,
	  "H: EUSERS when max_waiters tasks are blocked already (a wait that "
	  "would block)" },
	{ KB(K_READ), C_BLOCKS, EUSERS,
	  "H: at most max_waiters tasks block on one channel; one more wait "
	  "that would block fails at once with EUSERS (a blocking read)" },
	{ KB(K_TRYWAIT), 0, EAGAIN, "H: CIPC_IOC_TRYWAIT: EAGAIN" },
	{ KB(K_READ), 0, EAGAIN, "H: read(2): O_NONBLOCK: EAGAIN instead "
	  "of blocking" },
	/* The control device */
	{ KB(K_CTL_ADD), 0, ENOMEM, "H: CIPC_CTL_ADD: ENOMEM" },
	{ KB(K_CTL_ADD), C_TAKEN, EEXIST, "H: EEXIST: the index is taken" },
	{ KB(K_CTL_ADD), C_KTAKEN, EEXIST, "H: EEXIST: the index is taken" },
	{ KB(K_CTL_ADD), C_RANGE, ENOSPC,
	  "H: ENOSPC: ... the index asked for is max_channels or more" },
	{ KB(K_CTL_ADD), C_MAYFULL, ENOSPC,
	  "H: ENOSPC: max_channels channels exist" },
	{ KB(K_CTL_REMOVE), C_NOCHAN, ENOENT,
	  "H: ENOENT: no channel at @index (whatever @index)" },
	{ KB(K_CTL_REMOVE), C_NONODE, ENOENT,
	  "H: ENOENT: no channel at @index (whatever @index)" },
	{ KB(K_CTL_REMOVE), C_RANGE, ENOENT,
	  "H: ENOENT: no channel at @index (whatever @index)" },
	{ KB(K_CTL_REMOVE), C_STALE, ESTALE,
	  "H: ESTALE: CIPC_REMOVE_ID and the channel at @index has another "
	  "id" },
	{ KB(K_CTL_REMOVE), C_KSTALE, ESTALE,
	  "H: ESTALE: CIPC_REMOVE_ID and the channel at @index has another "
	  "id" },
	/* open(2) of /dev/cipcN */
	{ KB(K_OPEN), C_NOCHAN, ENOENT,
	  "R: a removed channel's node goes at once (devtmpfs: ENOENT)" },
	{ KB(K_OPEN), C_NONODE, ENOENT, "VFS: no such node" },
	{ KB(K_OPEN), C_NOCHAN, ENODEV,
	  "M cipc_channel_open(3): ENODEV: the node names a channel that "
	  "does not exist (any more)" },
	/* sysfs */
	{ SYSFS, C_NOCHAN, ENOENT,
	  "R: a removed channel's sysfs directory goes at once" },
	{ SYSFS, C_NOCHAN, ENODEV,
	  "VFS (kernfs): a file of a removed device, open before it went" },
	{ KB(K_SYSFS_WRITE), C_ROFILE, EACCES,
	  "R: 0444/0440 files; kernfs refuses a writer of a file without "
	  "store() with EACCES, even for root (T: EACCES)" },
	{ KB(K_SYSFS_READ), C_WOFILE, EACCES,
	  "R: stats/reset is 0200; kernfs refuses a reader of a file without "
	  "show() with EACCES, even for root" },
	{ KB(K_SYSFS_WRITE), C_BADVAL, EINVAL,
	  "R: mode: anything else is refused with EINVAL; stats/reset: echo 1 "
	  "(T: EINVAL for both)" },
	{ KB(K_SYSFS_READ), C_COREEIO, EIO,
	  "driver core (not cipc): power/autosuspend_delay_ms of a device "
	  "without autosuspend" },
	/* epoll's own */
	{ KB(K_EPOLL_CTL), C_EPEXIST, EEXIST, "epoll_ctl(2): EPOLL_CTL_ADD of "
	  "a registered fd" },
	{ KB(K_EPOLL_CTL), C_EPMISS, ENOENT, "epoll_ctl(2): EPOLL_CTL_DEL of "
	  "an fd not registered" },
};

#define NRULES (sizeof(fz_rules) / sizeof(fz_rules[0]))

static const char *const fz_kind_names[K_NR] = {
	[K_INFO] = "INFO", [K_COMPLETE] = "COMPLETE",
	[K_COMPLETE_ALL] = "COMPLETE_ALL", [K_REINIT] = "REINIT",
	[K_WAIT] = "WAIT", [K_TRYWAIT] = "TRYWAIT",
	[K_GET_MODE] = "GET_MODE", [K_SET_MODE] = "SET_MODE",
	[K_GET_STATS] = "GET_STATS", [K_RESET_STATS] = "RESET_STATS",
	[K_BADCMD] = "chan_badcmd", [K_CTL_INFO] = "CTL_INFO",
	[K_CTL_ADD] = "CTL_ADD", [K_CTL_REMOVE] = "CTL_REMOVE",
	[K_CTL_BADCMD] = "ctl_badcmd", [K_OPEN] = "open", [K_CLOSE] = "close",
	[K_DUP] = "dup", [K_READ] = "read", [K_WRITE] = "write",
	[K_POLL] = "poll", [K_PPOLL] = "ppoll", [K_EPOLL_CTL] = "epoll_ctl",
	[K_EPOLL_WAIT] = "epoll_wait", [K_FCNTL] = "fcntl",
	[K_SYSFS_READ] = "sysfs_read", [K_SYSFS_WRITE] = "sysfs_write",
	[K_CHILD] = "blocking_child", [K_NOTIFY] = "sigio_received",
};

const char *fz_kind_name(int kind)
{
	return kind >= 0 && kind < K_NR ? fz_kind_names[kind] : "?";
}

const char *fz_errname(int err)
{
	const char *s;

	if (!err)
		return "0";
	s = strerrorname_np(err);
	return s ? s : "E?";
}

void fz_allowed(int kind, uint32_t cond, uint64_t set[3], bool *success)
{
	set[0] = set[1] = set[2] = 0;
	*success = !(cond & C_DEFECTS);
	for (size_t i = 0; i < NRULES; i++) {
		const struct fz_rule *r = &fz_rules[i];

		if (!(r->kinds & KB(kind)) || (cond & r->cond) != r->cond)
			continue;
		set[r->err / 64] |= 1ULL << (r->err % 64);
	}
}

void fz_allowed_str(char *buf, size_t n, const uint64_t set[3], bool succ)
{
	size_t len = 0;

	buf[0] = 0;
	if (succ)
		len += snprintf(buf + len, n - len, "success");
	for (int e = 1; e < 192 && len < n; e++)
		if ((set[e / 64] >> (e % 64)) & 1)
			len += snprintf(buf + len, n - len, "%s%s",
					len ? "," : "", fz_errname(e));
}

void fz_print_table(void)
{
	printf("%-14s %-10s %-40s %s\n", "kinds", "errno", "when", "source");
	for (size_t i = 0; i < NRULES; i++) {
		const struct fz_rule *r = &fz_rules[i];
		char kinds[512] = "", when[256] = "";
		static const char *const cn[] = {
			"dead", "known-dead", "not-writable", "not-readable",
			"bad-arg-ptr", "invalid-field", "msg>msg_max",
			"bad-buffer", "has-msg", "msg-bytes", "may-block",
			"unknown-cmd", "len0", "size>SSIZE_MAX", "no-channel?",
			"no-channel", "index-taken?", "index-taken",
			"index>=max", "may-be-full", "id-stale?", "id-stale",
			"read-only-file", "write-only-file", "bad-value",
			"registered?", "not-registered?", "O_ASYNC-on",
			"msg-0-size-not-0", "no-CAP_SYS_ADMIN",
			"power/autosuspend_delay_ms",
		};

		for (int k = 0; k < K_NR; k++)
			if (r->kinds & KB(k))
				snprintf(kinds + strlen(kinds),
					 sizeof(kinds) - strlen(kinds), "%s%s",
					 *kinds ? "," : "", fz_kind_name(k));
		for (unsigned int b = 0; b < sizeof(cn) / sizeof(cn[0]); b++)
			if (r->cond & (1u << b))
				snprintf(when + strlen(when),
					 sizeof(when) - strlen(when), "%s%s",
					 *when ? "+" : "", cn[b]);
		printf("%s\n    %-10s %-40s %s\n", kinds, fz_errname(r->err),
		       *when ? when : "always", r->source);
	}
}
