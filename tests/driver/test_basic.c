// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "basic": device nodes (channels and /dev/cipc-control) and open
 * modes, CIPC_IOC_INFO (count, the "all" flag, queue, seq, limits), the ABI
 * version and the id, the structure sizes and ioctl numbers, mode get/set
 * (ioctl and sysfs), the sysfs files (names, modes, plain numbers) and
 * their values, independence of channels.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/*
 * The layout the header promises: fixed, 8-byte multiples, the same for
 * 32- and 64-bit callers. A change here is an ABI break (the sizes are
 * encoded in the ioctl numbers below).
 */
_Static_assert(sizeof(struct cipc_info) == 104, "cipc_info layout");
_Static_assert(sizeof(struct cipc_wait) == 72, "cipc_wait layout");
_Static_assert(sizeof(struct cipc_signal) == 40, "cipc_signal layout");
_Static_assert(sizeof(struct cipc_stats) == 128, "cipc_stats layout");
_Static_assert(sizeof(struct cipc_ctl_channel) == 48, "cipc_ctl_channel layout");
_Static_assert(sizeof(struct cipc_ctl_info) == 64, "cipc_ctl_info layout");
/* Field offsets a 32-bit caller must agree on (no implicit padding). */
_Static_assert(offsetof(struct cipc_info, id) == 8, "cipc_info.id");
_Static_assert(offsetof(struct cipc_info, generation) == 48,
	       "cipc_info.generation");
_Static_assert(offsetof(struct cipc_info, seq) == 56, "cipc_info.seq");
_Static_assert(offsetof(struct cipc_info, msg_len) == 64, "cipc_info.msg_len");
_Static_assert(offsetof(struct cipc_signal, seq) == 16, "cipc_signal.seq");
_Static_assert(offsetof(struct cipc_wait, seq) == 32, "cipc_wait.seq");
_Static_assert(offsetof(struct cipc_wait, result) == 48, "cipc_wait.result");
_Static_assert(offsetof(struct cipc_stats, full) == 80, "cipc_stats.full");
_Static_assert(offsetof(struct cipc_stats, refused) == 96,
	       "cipc_stats.refused");
_Static_assert(offsetof(struct cipc_ctl_channel, queue_depth) == 20,
	       "cipc_ctl_channel.queue_depth");
_Static_assert(offsetof(struct cipc_ctl_info, queue_depth) == 16,
	       "cipc_ctl_info.queue_depth");

/*
 * The ioctl numbers, spelled out: a program built against this header
 * keeps working only if they never change.
 */
_Static_assert(CIPC_IOC_INFO == 0x8068c100UL, "CIPC_IOC_INFO");
_Static_assert(CIPC_IOC_COMPLETE == 0xc028c101UL, "CIPC_IOC_COMPLETE");
_Static_assert(CIPC_IOC_COMPLETE_ALL == 0xc028c102UL, "CIPC_IOC_COMPLETE_ALL");
_Static_assert(CIPC_IOC_REINIT == 0xc103UL, "CIPC_IOC_REINIT");
_Static_assert(CIPC_IOC_WAIT == 0xc048c104UL, "CIPC_IOC_WAIT");
_Static_assert(CIPC_IOC_TRYWAIT == 0xc048c105UL, "CIPC_IOC_TRYWAIT");
_Static_assert(CIPC_IOC_GET_MODE == 0x8004c107UL, "CIPC_IOC_GET_MODE");
_Static_assert(CIPC_IOC_SET_MODE == 0x4004c108UL, "CIPC_IOC_SET_MODE");
_Static_assert(CIPC_IOC_GET_STATS == 0x8080c109UL, "CIPC_IOC_GET_STATS");
_Static_assert(CIPC_IOC_RESET_STATS == 0xc10aUL, "CIPC_IOC_RESET_STATS");
_Static_assert(CIPC_CTL_ADD == 0xc030c140UL, "CIPC_CTL_ADD");
_Static_assert(CIPC_CTL_REMOVE == 0x4030c141UL, "CIPC_CTL_REMOVE");
_Static_assert(CIPC_CTL_INFO == 0x8040c142UL, "CIPC_CTL_INFO");
/* The retired CIPC_IOC_DONE and CIPC_DONE_ALL must not come back. */
#ifdef CIPC_IOC_DONE
#error "CIPC_IOC_DONE is retired"
#endif
#ifdef CIPC_DONE_ALL
#error "CIPC_DONE_ALL is retired"
#endif

START_TEST(test_nodes_match_channels)
{
	unsigned int channels = param_channels();
	char path[128], buf[64];
	struct stat st;

	ck_assert_uint_le(channels, param_max_channels());
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), channels);
	ck_assert_uint_eq(count_numbered("/sys/class/cipc", "cipc"), channels);
	for (unsigned int i = 0; i < channels; i++) {
		unsigned int maj, min;

		snprintf(path, sizeof(path), CIPC_DEV_FMT, i);
		ck_assert_msg(stat(path, &st) == 0, "stat(%s): %s", path,
			      errname(errno));
		ck_assert_msg(S_ISCHR(st.st_mode), "%s is not a char device",
			      path);
		ck_assert_msg((st.st_mode & 07777) == 0600,
			      "%s has mode %04o, expected 0600", path,
			      (unsigned int)(st.st_mode & 07777));
		ck_assert_msg(st.st_uid == 0, "%s is owned by uid %u", path,
			      (unsigned int)st.st_uid);
		sysfs_str(i, "dev", buf, sizeof(buf));
		ck_assert_msg(sscanf(buf, "%u:%u", &maj, &min) == 2,
			      "cipc%u/dev is \"%s\"", i, buf);
		ck_assert_msg(major(st.st_rdev) == maj &&
			      minor(st.st_rdev) == min,
			      "%s is %u:%u but sysfs says %s", path,
			      major(st.st_rdev), minor(st.st_rdev), buf);
	}
	snprintf(path, sizeof(path), CIPC_DEV_FMT, channels);
	ck_assert_msg(stat(path, &st) == -1 && errno == ENOENT,
		      "%s exists beyond channels=%u", path, channels);
}
END_TEST

/* /dev/cipc-control: a root-only char device, the misc device's node. */
START_TEST(test_control_node)
{
	unsigned int maj, min;
	struct stat st;
	char buf[64];
	int err, fd;

	ck_assert_msg(stat(CIPC_CONTROL_PATH, &st) == 0, "stat(%s): %s",
		      CIPC_CONTROL_PATH, errname(errno));
	ck_assert_msg(S_ISCHR(st.st_mode), "%s is not a char device",
		      CIPC_CONTROL_PATH);
	ck_assert_msg((st.st_mode & 07777) == 0600 && st.st_uid == 0,
		      "%s has mode %04o uid %u, expected 0600 root",
		      CIPC_CONTROL_PATH, (unsigned int)(st.st_mode & 07777),
		      (unsigned int)st.st_uid);
	err = read_file_str(CIPC_MISC_SYSFS "/dev", buf, sizeof(buf));
	ck_assert_msg(err == 0, CIPC_MISC_SYSFS "/dev: %s", errname(-err));
	ck_assert_msg(sscanf(buf, "%u:%u", &maj, &min) == 2 &&
		      major(st.st_rdev) == maj && minor(st.st_rdev) == min,
		      "%s is %u:%u but sysfs says %s", CIPC_CONTROL_PATH,
		      major(st.st_rdev), minor(st.st_rdev), buf);
	fd = ctl_open(O_RDONLY);
	ck_assert_uint_eq(get_ctl_info(fd).channels, param_channels());
	close(fd);
}
END_TEST

/*
 * The module carries the project's one version (the file VERSION, which
 * the module's Kbuild reads): modinfo, /sys/module/cipc/version and
 * cipcctl's release check rely on it.
 */
START_TEST(test_module_version)
{
	char buf[64];
	int err;

	err = read_file_str("/sys/module/cipc/version", buf, sizeof(buf));
	ck_assert_msg(err == 0, "/sys/module/cipc/version: %s", errname(-err));
	ck_assert_str_eq(buf, CIPC_TEST_VERSION);
}
END_TEST

START_TEST(test_open_modes)
{
	static const int modes[] = {
		O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY | O_NONBLOCK,
		O_RDWR | O_NONBLOCK,
	};

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = chan_open(0, modes[i]);
		int fd2 = chan_open(0, modes[i]);

		ck_assert_int_eq(close(fd), 0);
		ck_assert_int_eq(close(fd2), 0);
	}
}
END_TEST

START_TEST(test_info)
{
	unsigned int channels = param_channels();
	unsigned int msg_max = param_msg_max();
	unsigned int max_channels = param_max_channels();

	for (unsigned int i = 0; i < channels; i++) {
		int fd = chan_open(i, O_RDONLY);
		struct cipc_info info = get_info(fd);

		ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
		ck_assert_uint_eq(info.index, i);
		ck_assert_uint_eq(info.msg_max, msg_max);
		ck_assert_uint_le(info.msg_max, CIPC_MSG_MAX_LIMIT);
		ck_assert_uint_eq(info.mode, CIPC_MODE_ONE);
		ck_assert_uint_eq(info.flags, 0);
		ck_assert_uint_eq(info.count, 0);
		ck_assert_uint_eq(info.waiters, 0);
		ck_assert_uint_eq(info.queued, 0);
		ck_assert_uint_eq(info.msg_len, 0);
		/* The channels of the load have the module's limits. */
		ck_assert_uint_eq(info.queue_depth, param_queue_depth());
		ck_assert_uint_ge(info.queue_depth, 1);
		ck_assert_uint_le(info.queue_depth, CIPC_QUEUE_DEPTH_LIMIT);
		ck_assert_uint_eq(info.max_waiters, param_max_waiters());
		ck_assert_uint_ge(info.max_waiters, 1);
		ck_assert_uint_le(info.max_waiters, CIPC_MAX_WAITERS_LIMIT);
		ck_assert_uint_eq(info.queue_depth,
				  sysfs_ull(i, "queue_depth"));
		ck_assert_uint_eq(info.max_waiters,
				  sysfs_ull(i, "max_waiters"));
		ck_assert_uint_eq(info.msg_max, sysfs_ull(i, "msg_max"));
		ck_assert_uint_eq(info.seq, sysfs_ull(i, "seq"));
		/* get_info() pre-fills with 0xa5: the driver must zero these. */
		ck_assert_uint_eq(info.reserved0, 0);
		for (unsigned int r = 0; r < 4; r++)
			ck_assert_msg(info.reserved[r] == 0,
				      "cipc%u: info.reserved[%u] not zeroed", i,
				      r);
		ck_assert_uint_eq(info.generation, sysfs_ull(i, "generation"));
		/* The id: the same in sysfs, and index modulo max_channels. */
		ck_assert_uint_eq(info.id, sysfs_ull(i, "id"));
		ck_assert_msg(info.id % max_channels == i, "cipc%u: id %llu is "
			      "not the index modulo max_channels %u", i,
			      (unsigned long long)info.id, max_channels);
		close(fd);
	}
}
END_TEST

/* Every query works on a file opened in any mode. */
START_TEST(test_queries_any_open_mode)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	int wfd = chan_open(0, O_WRONLY);

	ck_ok(ioc_complete(wfd, "q", 1));
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		int fd = chan_open(0, modes[i]);
		struct cipc_info info = get_info(fd);
		struct cipc_stats stats = get_stats(fd);

		ck_assert_uint_eq(info.count, 1);
		ck_assert_uint_eq(info.queued, 1);
		ck_assert_uint_eq(info.msg_len, 1);
		ck_assert_uint_eq(info.seq, 1);
		ck_assert_uint_eq(get_done(fd), 1);
		ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);
		ck_assert_uint_eq(stats.complete, 1);
		ck_assert_uint_eq(stats.bytes_in, 1);
		close(fd);
	}
	close(wfd);
}
END_TEST

/*
 * CIPC_IOC_INFO tells the count and the "all" state apart (CIPC_IOC_DONE
 * and its DONE_ALL sentinel are gone): count is the complete()s not
 * yet taken, 0 in the "all" state, where flags has CIPC_INFO_ALL. Querying
 * consumes nothing; seq counts every signal.
 */
START_TEST(test_count_and_all)
{
	int fd = chan_open(0, O_RDWR);
	struct cipc_info info;
	uint64_t seq0 = get_seq(fd);

	info = get_info(fd);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.flags, 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_count(fd), 1);
	/* Querying consumes nothing. */
	ck_assert_uint_eq(get_count(fd), 1);
	ck_assert_uint_eq(get_info(fd).count, 1);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_count(fd), 2);
	/* Message-less completes queue nothing. */
	ck_assert_uint_eq(get_queued(fd), 0);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_uint_eq(get_count(fd), 1);
	ck_assert(!get_all(fd));
	ck_ok(ioc_complete_all(fd, NULL, 0));
	info = get_info(fd);
	ck_assert_msg(info.flags == CIPC_INFO_ALL, "flags %#x after "
		      "complete_all, expected CIPC_INFO_ALL", info.flags);
	ck_assert_msg(info.count == 0, "count %u in the all state, expected 0",
		      info.count);
	ck_assert_uint_eq(info.seq, seq0 + 3);
	ck_assert_uint_eq(get_done(fd), DONE_ALL);
	ck_ok(ioc_reinit(fd));
	info = get_info(fd);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.count, 0);
	/* REINIT is no signal: seq stays. */
	ck_assert_uint_eq(info.seq, seq0 + 3);
	close(fd);
}
END_TEST

START_TEST(test_mode_get_set)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t seq = get_seq(fd);
	char buf[32];

	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "one");

	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ALL);
	ck_assert_uint_eq(get_info(fd).mode, CIPC_MODE_ALL);
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");

	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);

	/* sysfs: "all", then "one\n" as echo writes it. */
	ck_assert_int_eq(sysfs_write(0, "mode", "all"), 0);
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ALL);
	ck_assert_int_eq(sysfs_write(0, "mode", "one\n"), 0);
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);
	ck_assert_int_eq(sysfs_write(0, "mode", "all\n"), 0);
	ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ALL);
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");

	/* Setting the mode signals nothing and keeps the generation. */
	ck_assert_uint_eq(get_done(fd), 0);
	ck_assert_uint_eq(get_seq(fd), seq);
	ck_assert_uint_eq(get_stats(fd).reinit, 0);
	close(fd);
}
END_TEST

struct attr_perm {
	const char *name;
	unsigned int mode;	/* exactly */
};

/*
 * Identity and limits are world-readable; the state and the counters are
 * root's (0440: the packaged udev rule gives them to group cipc), so that
 * who may not open the node cannot watch the channel either.
 */
static const struct attr_perm attrs[] = {
	{ "id", 0444 },
	{ "msg_max", 0444 },
	{ "queue_depth", 0444 },
	{ "max_waiters", 0444 },
	{ "mode", 0644 },
	{ "count", 0440 },
	{ "all", 0440 },
	{ "waiters", 0440 },
	{ "queued", 0440 },
	{ "generation", 0440 },
	{ "seq", 0440 },
	{ "stats/complete", 0440 },
	{ "stats/complete_all", 0440 },
	{ "stats/reinit", 0440 },
	{ "stats/wait", 0440 },
	{ "stats/woken", 0440 },
	{ "stats/timeout", 0440 },
	{ "stats/interrupted", 0440 },
	{ "stats/again", 0440 },
	{ "stats/bytes_in", 0440 },
	{ "stats/bytes_out", 0440 },
	{ "stats/full", 0440 },
	{ "stats/discarded", 0440 },
	{ "stats/refused", 0440 },
	{ "stats/reset", 0200 },
};

START_TEST(test_sysfs_files)
{
	unsigned int channels = param_channels();

	for (unsigned int c = 0; c < channels; c++) {
		for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
			char path[128];
			struct stat st;
			unsigned int m;

			chan_sysfs_path(path, sizeof(path), c, attrs[i].name);
			ck_assert_msg(stat(path, &st) == 0, "stat(%s): %s",
				      path, errname(errno));
			ck_assert_msg(S_ISREG(st.st_mode), "%s: not a file",
				      path);
			m = st.st_mode & 07777;
			ck_assert_msg(m == attrs[i].mode, "%s has mode %04o, "
				      "expected %04o", path, m, attrs[i].mode);
			ck_assert_msg(st.st_uid == 0, "%s owned by uid %u",
				      path, (unsigned int)st.st_uid);
		}
	}
}
END_TEST

/*
 * The old file `done` (a number or the word "all") is gone: `count` and
 * `all` are plain numbers, one value per file, as every sysfs file is.
 */
START_TEST(test_sysfs_no_done_plain_numbers)
{
	unsigned int channels = param_channels();
	int fd = chan_open(0, O_RDWR);
	char path[128], buf[64];

	for (unsigned int c = 0; c < channels; c++) {
		chan_sysfs_path(path, sizeof(path), c, "done");
		ck_assert_msg(!path_exists(path) && errno == ENOENT,
			      "%s exists (or: %s); the file is retired", path,
			      errname(errno));
	}
	for (unsigned int round = 0; round < 3; round++) {
		static const char *const files[] = {
			"count", "all", "waiters", "queued", "generation",
			"seq", "id", "msg_max", "queue_depth", "max_waiters",
		};

		if (round == 1) {
			ck_ok(ioc_complete(fd, "x", 1));
			ck_ok(ioc_complete(fd, NULL, 0));
		} else if (round == 2) {
			ck_ok(ioc_complete_all(fd, NULL, 0));
		}
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			sysfs_str(0, files[i], buf, sizeof(buf));
			ck_assert_msg(buf[0] >= '0' && buf[0] <= '9' &&
				      strspn(buf, "0123456789") == strlen(buf),
				      "cipc0/%s is \"%s\", not a plain number "
				      "(round %u)", files[i], buf, round);
			/* sysfs_ull() asserts the same, with the value. */
			(void)sysfs_ull(0, files[i]);
		}
		sysfs_str(0, "all", buf, sizeof(buf));
		ck_assert_str_eq(buf, round == 2 ? "1" : "0");
		ck_assert_uint_eq(sysfs_ull(0, "count"), round == 1 ? 2 : 0);
	}
	close(fd);
}
END_TEST

START_TEST(test_sysfs_values)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t gen = get_generation(fd);
	char buf[32];

	uint64_t seq = get_seq(fd);
	struct cipc_info info = get_info(fd);

	ck_assert_uint_eq(sysfs_ull(0, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen);
	ck_assert_uint_eq(sysfs_ull(0, "seq"), seq);
	ck_assert_uint_eq(sysfs_ull(0, "msg_max"), info.msg_max);
	ck_assert_uint_eq(sysfs_ull(0, "queue_depth"), info.queue_depth);
	ck_assert_uint_eq(sysfs_ull(0, "max_waiters"), info.max_waiters);

	ck_ok(ioc_complete(fd, "m", 1));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(sysfs_ull(0, "count"), 2);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 1);
	ck_assert_uint_eq(sysfs_ull(0, "seq"), seq + 2);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	sysfs_str(0, "all", buf, sizeof(buf));
	ck_assert_str_eq(buf, "1");
	/* The message queued before complete_all is still to be taken. */
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 1);
	ck_assert_uint_eq(sysfs_ull(0, "seq"), seq + 3);

	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(sysfs_ull(0, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 1);
	ck_assert_uint_eq(get_generation(fd), gen + 1);

	/* The stats directory mirrors CIPC_IOC_GET_STATS. */
	struct cipc_stats s = get_stats(fd);

	ck_assert_uint_eq(s.complete, 2);
	ck_assert_uint_eq(s.complete_all, 1);
	ck_assert_uint_eq(s.reinit, 1);
	expect_sysfs_stats(0, &s);
	close(fd);
}
END_TEST

/* Signalling channel 0 leaves channel 1 alone. */
START_TEST(test_channels_independent)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	int fd0, fd1;
	struct chan_snap before, after;

	if (param_channels() < 2) {
		fprintf(stderr, "note: test_channels_independent needs 2 "
			"channels, skipped\n");
		return;
	}
	fd0 = chan_open(0, O_RDWR);
	fd1 = chan_open(1, O_RDWR);
	before = snap_take(fd1);
	ck_ok(ioc_complete(fd0, "zero", 4));
	ck_ok(ioc_set_mode(fd0, CIPC_MODE_ALL));
	ck_ok(ioc_reinit(fd0));
	ck_ok(ioc_complete_all(fd0, NULL, 0));
	after = snap_take(fd1);
	snap_expect_same(&before, &after, "signalling cipc0 (seen on cipc1)");
	ck_assert_uint_eq(get_done(fd0), DONE_ALL);
	ck_assert_uint_eq(get_info(fd1).index, 1);
	close(fd0);
	close(fd1);
}
END_TEST

Suite *basic_suite(void)
{
	Suite *s = suite_create("basic");
	TCase *tc = chan_tcase("basic", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_nodes_match_channels);
	tcase_add_test(tc, test_control_node);
	tcase_add_test(tc, test_module_version);
	tcase_add_test(tc, test_open_modes);
	tcase_add_test(tc, test_info);
	tcase_add_test(tc, test_queries_any_open_mode);
	tcase_add_test(tc, test_count_and_all);
	tcase_add_test(tc, test_mode_get_set);
	tcase_add_test(tc, test_sysfs_files);
	tcase_add_test(tc, test_sysfs_no_done_plain_numbers);
	tcase_add_test(tc, test_sysfs_values);
	tcase_add_test(tc, test_channels_independent);
	suite_add_tcase(s, tc);
	return s;
}
