// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "badinput": every rejected input fails with the documented errno
 * AND changes nothing: count, mode, generation, message, waiters, stats.
 *
 * Each test starts from the same state (prepare()): mode one, message
 * "keep-me", count 2. Each rejected call is bracketed by snapshots
 * (EXPECT_REJECTED), and finish() checks at the end that the message and
 * the count survived.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define KEEP		"keep-me"
#define KEEP_LEN	7
#define KEEP_COUNT	2

/* call must fail with err and leave the channel behind fd unchanged. */
#define EXPECT_REJECTED(fd, call, err) do {				\
	struct chan_snap rej_before_ = snap_take(fd);			\
	struct chan_snap rej_after_;					\
	long rej_r_;							\
	int rej_e_;							\
	errno = 0;							\
	rej_r_ = (long)(call);						\
	rej_e_ = errno;							\
	ck_assert_msg(rej_r_ == -1 && rej_e_ == (err),			\
		      "%s: expected -1 with %s, got %ld (errno %s)",	\
		      #call, errname(err), rej_r_,			\
		      rej_r_ == -1 ? errname(rej_e_) : "-");		\
	rej_after_ = snap_take(fd);					\
	snap_expect_same(&rej_before_, &rej_after_, #call);		\
} while (0)

/* An O_RDWR fd on channel 0 with message KEEP and count KEEP_COUNT. */
static int prepare(void)
{
	int fd = chan_open(0, O_RDWR);

	ck_assert_int_eq(ck_ok(write(fd, KEEP, KEEP_LEN)), KEEP_LEN);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), KEEP_COUNT);
	ck_assert_uint_eq(get_info(fd).msg_len, KEEP_LEN);
	return fd;
}

/* The message and the count survived everything. */
static void finish(int fd)
{
	ck_assert_uint_eq(get_done(fd), KEEP_COUNT);
	expect_message(fd, KEEP, KEEP_LEN);
	ck_assert_uint_eq(get_done(fd), KEEP_COUNT - 1);
	close(fd);
}

static const unsigned long signal_cmds[] = {
	CIPC_IOC_COMPLETE, CIPC_IOC_COMPLETE_ALL,
};

#define N_SIGNAL_CMDS (sizeof(signal_cmds) / sizeof(signal_cmds[0]))

START_TEST(test_signal_reserved_nonzero)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();

	for (size_t c = 0; c < N_SIGNAL_CMDS; c++) {
		for (unsigned int r = 0; r < 2; r++) {
			struct cipc_signal plain = { 0 };
			struct cipc_signal msg = {
				.msg = (__u64)(uintptr_t)"evil",
				.msg_len = 4,
				.flags = CIPC_SIGNAL_MSG,
			};

			plain.reserved[r] = 1;
			EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &plain),
					EINVAL);
			msg.reserved[r] = 1ULL << 63;
			EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &msg),
					EINVAL);
		}
	}
	finish(fd);
}
END_TEST

START_TEST(test_signal_unknown_flags)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const __u32 bad_flags[] = {
		1U << 1, 1U << 31, CIPC_SIGNAL_MSG | (1U << 5), ~0U,
	};
	int fd = prepare();

	for (size_t c = 0; c < N_SIGNAL_CMDS; c++) {
		for (size_t f = 0; f < sizeof(bad_flags) / sizeof(bad_flags[0]);
		     f++) {
			struct cipc_signal sig = {
				.msg = (__u64)(uintptr_t)"evil",
				.msg_len = 4,
				.flags = bad_flags[f],
			};
			struct cipc_signal nomsg = { .flags = bad_flags[f] };

			if (bad_flags[f] & CIPC_SIGNAL_MSG)
				EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c],
							  &sig), EINVAL);
			EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &nomsg),
					EINVAL);
		}
	}
	finish(fd);
}
END_TEST

/* Without CIPC_SIGNAL_MSG, msg and msg_len must be 0. */
START_TEST(test_signal_msg_without_flag)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();

	for (size_t c = 0; c < N_SIGNAL_CMDS; c++) {
		struct cipc_signal ptr_only = { .msg = (__u64)(uintptr_t)"x" };
		struct cipc_signal len_only = { .msg_len = 4 };
		struct cipc_signal both = {
			.msg = (__u64)(uintptr_t)"evil", .msg_len = 4,
		};

		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &ptr_only),
				EINVAL);
		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &len_only),
				EINVAL);
		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &both), EINVAL);
	}
	finish(fd);
}
END_TEST

/* msg_len > msg_max: EMSGSIZE, checked before anything is copied. */
START_TEST(test_signal_msg_too_long)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	uint32_t max = get_info(fd).msg_max;
	char *big = malloc((size_t)max + 1);
	static const char small[8] = "tiny";

	ck_assert_ptr_nonnull(big);
	memset(big, 'E', (size_t)max + 1);
	for (size_t c = 0; c < N_SIGNAL_CMDS; c++) {
		struct cipc_signal one_more = {
			.msg = (__u64)(uintptr_t)big, .msg_len = max + 1,
			.flags = CIPC_SIGNAL_MSG,
		};
		struct cipc_signal huge = {
			.msg = (__u64)(uintptr_t)small, .msg_len = ~0U,
			.flags = CIPC_SIGNAL_MSG,
		};
		struct cipc_signal over_limit = {
			.msg = (__u64)(uintptr_t)small,
			.msg_len = CIPC_MSG_MAX_LIMIT + 1,
			.flags = CIPC_SIGNAL_MSG,
		};

		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &one_more),
				EMSGSIZE);
		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &huge),
				EMSGSIZE);
		EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &over_limit),
				EMSGSIZE);
	}
	free(big);
	finish(fd);
}
END_TEST

/* A message pointer that faults: EFAULT, no signal, old message kept. */
START_TEST(test_signal_bad_msg_pointer)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();

	for (size_t c = 0; c < N_SIGNAL_CMDS; c++) {
		for (int k = 0; k < BAD_PTR_KINDS; k++) {
			struct cipc_signal sig = {
				.msg = (__u64)(uintptr_t)bad_ptr(k),
				.msg_len = 4,
				.flags = CIPC_SIGNAL_MSG,
			};

			EXPECT_REJECTED(fd, ioctl(fd, signal_cmds[c], &sig),
					EFAULT);
		}
	}
	finish(fd);
}
END_TEST

/* The ioctl argument itself faults: EFAULT; WAIT consumes nothing. */
START_TEST(test_bad_arg_pointer)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const unsigned long cmds[] = {
		CIPC_IOC_INFO, CIPC_IOC_COMPLETE, CIPC_IOC_COMPLETE_ALL,
		CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT,
		CIPC_IOC_GET_MODE, CIPC_IOC_SET_MODE, CIPC_IOC_GET_STATS,
	};
	int fd = prepare();

	for (size_t c = 0; c < sizeof(cmds) / sizeof(cmds[0]); c++) {
		for (int k = 0; k < BAD_PTR_KINDS; k++) {
			void *p = bad_ptr(k);

			EXPECT_REJECTED(fd, ioctl(fd, cmds[c], p), EFAULT);
		}
	}
	finish(fd);
}
END_TEST

/*
 * Unknown bits of cipc_wait.flags, .pad, .reserved[] must be 0, and
 * .clockid too without CIPC_WAIT_ABSTIME, for WAIT and TRYWAIT; with
 * CIPC_WAIT_ABSTIME only CLOCK_MONOTONIC and CLOCK_REALTIME (WAIT).
 */
START_TEST(test_wait_nonzero_fields)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const unsigned long cmds[] = {
		CIPC_IOC_WAIT, CIPC_IOC_TRYWAIT,
	};
	int fd = prepare();
	char buf[16];

	for (size_t c = 0; c < 2; c++) {
		for (unsigned int field = 0; field < 9; field++) {
			struct cipc_wait w = {
				.msg = (__u64)(uintptr_t)buf,
				.msg_size = sizeof(buf),
			};

			switch (field) {
			case 0:
				w.flags = 2;	/* 1 is CIPC_WAIT_ABSTIME */
				break;
			case 1:
				w.flags = 1U << 31;
				break;
			case 2:
				w.pad = 1;
				break;
			case 3:
				w.reserved[0] = 1;
				break;
			case 4:
				w.reserved[1] = 1ULL << 63;
				break;
			case 5:
				w.clockid = 1;	/* CLOCK_MONOTONIC, no ABSTIME */
				break;
			case 6:
				w.clockid = -1;
				break;
			case 7:
				w.flags = CIPC_WAIT_ABSTIME | 4;
				w.clockid = 1;
				break;
			case 8:
				if (cmds[c] != CIPC_IOC_WAIT)
					continue;
				/* CLOCK_PROCESS_CPUTIME_ID */
				w.flags = CIPC_WAIT_ABSTIME;
				w.clockid = 2;
				break;
			}
			EXPECT_REJECTED(fd, ioctl(fd, cmds[c], &w), EINVAL);
		}
	}
	finish(fd);
}
END_TEST

START_TEST(test_trywait_timeout_nonzero)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	struct cipc_wait one = { .timeout_ns = 1 };
	struct cipc_wait forever = { .timeout_ns = CIPC_TIMEOUT_FOREVER };

	EXPECT_REJECTED(fd, ioctl(fd, CIPC_IOC_TRYWAIT, &one), EINVAL);
	EXPECT_REJECTED(fd, ioctl(fd, CIPC_IOC_TRYWAIT, &forever), EINVAL);
	finish(fd);
}
END_TEST

START_TEST(test_set_mode_invalid)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	char buf[16];

	/* From mode all, so that "unchanged" is not the default. */
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	EXPECT_REJECTED(fd, ioc_set_mode(fd, 2), EINVAL);
	EXPECT_REJECTED(fd, ioc_set_mode(fd, 0x100), EINVAL);
	EXPECT_REJECTED(fd, ioc_set_mode(fd, ~0U), EINVAL);
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	finish(fd);
}
END_TEST

START_TEST(test_sysfs_mode_invalid)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const char *const bad[] = {
		"bogus", "on", "al", "oneX", "alll", "one all", "1", "0",
		"one\nall",
	};
	int fd = prepare();

	for (int pass = 0; pass < 2; pass++) {
		uint32_t mode = pass ? CIPC_MODE_ALL : CIPC_MODE_ONE;

		ck_ok(ioc_set_mode(fd, mode));
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct chan_snap before = snap_take(fd), after;
			int err = sysfs_write(0, "mode", bad[i]);
			char what[64];

			ck_assert_msg(err == -EINVAL, "writing \"%s\" to mode "
				      "gave %s, expected EINVAL", bad[i],
				      err ? errname(-err) : "success");
			after = snap_take(fd);
			snprintf(what, sizeof(what), "mode := \"%s\"", bad[i]);
			snap_expect_same(&before, &after, what);
		}
	}
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	finish(fd);
}
END_TEST

START_TEST(test_sysfs_reset_invalid)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const char *const bad[] = { "0", "2", "abc", "11", "1x", "-1" };
	int fd = prepare();

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct chan_snap before = snap_take(fd), after;
		int err = sysfs_write(0, "stats/reset", bad[i]);
		char what[64];

		ck_assert_msg(err == -EINVAL, "writing \"%s\" to stats/reset "
			      "gave %s, expected EINVAL", bad[i],
			      err ? errname(-err) : "success");
		after = snap_take(fd);
		snprintf(what, sizeof(what), "stats/reset := \"%s\"", bad[i]);
		snap_expect_same(&before, &after, what);
	}
	finish(fd);
}
END_TEST

/* Read-only attributes refuse writes, even from root. */
START_TEST(test_sysfs_readonly_attrs)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const char *const ro[] = {
		"count", "all", "waiters", "queued", "generation", "seq",
		"id", "msg_max", "queue_depth", "max_waiters",
		"stats/complete", "stats/wait", "stats/bytes_in",
		"stats/full", "stats/discarded", "stats/refused",
	};
	int fd = prepare();

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		struct chan_snap before = snap_take(fd), after;
		int err = sysfs_write(0, ro[i], "0");

		ck_assert_msg(err == -EACCES, "writing to %s gave %s, expected "
			      "EACCES", ro[i], err ? errname(-err) : "success");
		after = snap_take(fd);
		snap_expect_same(&before, &after, ro[i]);
	}
	finish(fd);
}
END_TEST

/*
 * Unknown commands, and known numbers with the wrong size, direction or
 * magic: ENOTTY, and in particular no REINIT/COMPLETE/WAIT done anyway.
 */
START_TEST(test_unknown_commands)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	static const struct {
		unsigned long cmd;
		const char *name;
	} cmds[] = {
#define C(x) { x, #x }
		C(_IO(CIPC_IOC_MAGIC, 0x7f)),
		C(_IO(CIPC_IOC_MAGIC, 0x0b)),
		C(_IOWR(CIPC_IOC_MAGIC, 0x7f, struct cipc_info)),
		C(_IOR(CIPC_IOC_MAGIC, 0x00, __u32)),
		C(_IOW(CIPC_IOC_MAGIC, 0x00, struct cipc_info)),
		C(_IOWR(CIPC_IOC_MAGIC, 0x00, struct cipc_info)),
		C(_IO(CIPC_IOC_MAGIC, 0x01)),
		C(_IOW(CIPC_IOC_MAGIC, 0x01, __u64)),
		C(_IOR(CIPC_IOC_MAGIC, 0x01, struct cipc_signal)),
		C(_IO(CIPC_IOC_MAGIC, 0x02)),
		/* The old _IOW COMPLETE/_ALL are not the new _IOWR ones. */
		C(_IOW(CIPC_IOC_MAGIC, 0x01, struct cipc_signal)),
		C(_IOW(CIPC_IOC_MAGIC, 0x02, struct cipc_signal)),
		/* The old, shorter structures. */
		C(_IOW(CIPC_IOC_MAGIC, 0x01, __u8[32])),
		C(_IOWR(CIPC_IOC_MAGIC, 0x01, __u8[32])),
		C(_IOR(CIPC_IOC_MAGIC, 0x00, __u8[72])),
		C(_IOWR(CIPC_IOC_MAGIC, 0x04, __u8[56])),
		C(_IOWR(CIPC_IOC_MAGIC, 0x05, __u8[56])),
		/* The retired CIPC_IOC_DONE. */
		C(_IOR(CIPC_IOC_MAGIC, 0x06, __u32)),
		C(_IO(CIPC_IOC_MAGIC, 0x06)),
		C(_IOW(CIPC_IOC_MAGIC, 0x03, __u32)),
		C(_IOR(CIPC_IOC_MAGIC, 0x03, __u64)),
		C(_IO(CIPC_IOC_MAGIC, 0x04)),
		C(_IOR(CIPC_IOC_MAGIC, 0x04, struct cipc_wait)),
		C(_IOW(CIPC_IOC_MAGIC, 0x04, struct cipc_wait)),
		C(_IOWR(CIPC_IOC_MAGIC, 0x04, struct cipc_info)),
		C(_IOWR(CIPC_IOC_MAGIC, 0x05, struct cipc_info)),
		C(_IOR(CIPC_IOC_MAGIC, 0x06, __u64)),
		C(_IOW(CIPC_IOC_MAGIC, 0x06, __u32)),
		C(_IOW(CIPC_IOC_MAGIC, 0x07, __u32)),
		C(_IOR(CIPC_IOC_MAGIC, 0x08, __u32)),
		C(_IOW(CIPC_IOC_MAGIC, 0x08, __u64)),
		C(_IOR(CIPC_IOC_MAGIC, 0x09, struct cipc_info)),
		C(_IOW(CIPC_IOC_MAGIC, 0x0a, __u32)),
		C(_IO(CIPC_IOC_MAGIC + 1, 0x03)),
		C(_IO(CIPC_IOC_MAGIC - 1, 0x01)),
		C(_IOW(CIPC_IOC_MAGIC + 1, 0x01, struct cipc_signal)),
		C(TCGETS),
#undef C
	};
	/* A harmless argument, should the driver wrongly use it. */
	__u64 arg[CIPC_MSG_MAX_LIMIT / 8];
	int fd = prepare();

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct chan_snap before = snap_take(fd), after;
		int ret, err;

		memset(arg, 0, sizeof(arg));
		errno = 0;
		ret = ioctl(fd, cmds[i].cmd, arg);
		err = errno;
		ck_assert_msg(ret == -1 && err == ENOTTY,
			      "ioctl %s (%#lx) returned %d (%s), expected "
			      "ENOTTY", cmds[i].name, cmds[i].cmd, ret,
			      ret ? errname(err) : "-");
		after = snap_take(fd);
		snap_expect_same(&before, &after, cmds[i].name);
	}
	ck_assert(!isatty(fd));
	finish(fd);
}
END_TEST

START_TEST(test_write_too_long)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	uint32_t max = get_info(fd).msg_max;
	size_t sizes[] = { (size_t)max + 1, CIPC_MSG_MAX_LIMIT + 1, 65536 };
	char *big = malloc(65536);

	ck_assert_ptr_nonnull(big);
	memset(big, 'E', 65536);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		EXPECT_REJECTED(fd, write(fd, big, sizes[i]), EMSGSIZE);
	free(big);
	finish(fd);
}
END_TEST

START_TEST(test_write_bad_pointer)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();

	for (int k = 0; k < BAD_PTR_KINDS; k++) {
		void *p = bad_ptr(k);

		EXPECT_REJECTED(fd, write(fd, p, 4), EFAULT);
	}
	finish(fd);
}
END_TEST

/* Waiting needs a file opened for reading. */
START_TEST(test_ebadf_wait_on_wronly)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	int wfd = chan_open(0, O_WRONLY);
	char buf[16];

	EXPECT_REJECTED(fd, ioc_wait(wfd, 0, buf, sizeof(buf), NULL), EBADF);
	EXPECT_REJECTED(fd, ioc_wait(wfd, CIPC_TIMEOUT_FOREVER, buf,
				     sizeof(buf), NULL), EBADF);
	EXPECT_REJECTED(fd, ioc_trywait(wfd, buf, sizeof(buf), NULL), EBADF);
	EXPECT_REJECTED(fd, read(wfd, buf, sizeof(buf)), EBADF);
	close(wfd);
	finish(fd);
}
END_TEST

/* Signalling, REINIT and SET_MODE need a file opened for writing. */
START_TEST(test_ebadf_signal_on_rdonly)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd = prepare();
	int rfd = chan_open(0, O_RDONLY);

	EXPECT_REJECTED(fd, ioc_complete(rfd, NULL, 0), EBADF);
	EXPECT_REJECTED(fd, ioc_complete(rfd, "evil", 4), EBADF);
	EXPECT_REJECTED(fd, ioc_complete_all(rfd, NULL, 0), EBADF);
	EXPECT_REJECTED(fd, ioc_complete_all(rfd, "evil", 4), EBADF);
	EXPECT_REJECTED(fd, ioc_reinit(rfd), EBADF);
	EXPECT_REJECTED(fd, ioc_set_mode(rfd, CIPC_MODE_ALL), EBADF);
	EXPECT_REJECTED(fd, write(rfd, "evil", 4), EBADF);
	close(rfd);
	finish(fd);
}
END_TEST

Suite *badinput_suite(void)
{
	Suite *s = suite_create("badinput");
	TCase *tc = chan_tcase("badinput", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_signal_reserved_nonzero);
	tcase_add_test(tc, test_signal_unknown_flags);
	tcase_add_test(tc, test_signal_msg_without_flag);
	tcase_add_test(tc, test_signal_msg_too_long);
	tcase_add_test(tc, test_signal_bad_msg_pointer);
	tcase_add_test(tc, test_bad_arg_pointer);
	tcase_add_test(tc, test_wait_nonzero_fields);
	tcase_add_test(tc, test_trywait_timeout_nonzero);
	tcase_add_test(tc, test_set_mode_invalid);
	tcase_add_test(tc, test_sysfs_mode_invalid);
	tcase_add_test(tc, test_sysfs_reset_invalid);
	tcase_add_test(tc, test_sysfs_readonly_attrs);
	tcase_add_test(tc, test_unknown_commands);
	tcase_add_test(tc, test_write_too_long);
	tcase_add_test(tc, test_write_bad_pointer);
	tcase_add_test(tc, test_ebadf_wait_on_wronly);
	tcase_add_test(tc, test_ebadf_signal_on_rdonly);
	suite_add_tcase(s, tc);
	return s;
}
