// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "basic": device nodes (channels and /dev/cipc-control) and open
 * modes, CIPC_IOC_INFO, the ABI version and the id, CIPC_IOC_DONE, mode
 * get/set (ioctl and sysfs), the sysfs files and their values, independence
 * of channels.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/* The layout the header promises: fixed, 8-byte multiples. */
_Static_assert(sizeof(struct cipc_info) == 72, "cipc_info layout");
_Static_assert(sizeof(struct cipc_signal) == 32, "cipc_signal layout");
_Static_assert(sizeof(struct cipc_wait) == 56, "cipc_wait layout");
_Static_assert(sizeof(struct cipc_stats) == 128, "cipc_stats layout");

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
		ck_assert_uint_eq(info.count, 0);
		ck_assert_uint_eq(info.waiters, 0);
		ck_assert_uint_eq(info.msg_len, 0);
		/* get_info() pre-fills with 0xa5: the driver must zero these. */
		ck_assert_uint_eq(info.reserved0, 0);
		for (unsigned int r = 0; r < 3; r++)
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
		ck_assert_uint_eq(info.msg_len, 1);
		ck_assert_uint_eq(get_done(fd), 1);
		ck_assert_uint_eq(get_mode(fd), CIPC_MODE_ONE);
		ck_assert_uint_eq(stats.complete, 1);
		ck_assert_uint_eq(stats.bytes_in, 1);
		close(fd);
	}
	close(wfd);
}
END_TEST

START_TEST(test_done_query)
{
	int fd = chan_open(0, O_RDWR);

	ck_assert_uint_eq(get_done(fd), 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), 1);
	/* Querying consumes nothing. */
	ck_assert_uint_eq(get_done(fd), 1);
	ck_assert_uint_eq(get_info(fd).count, 1);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), 2);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_uint_eq(get_done(fd), 1);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), CIPC_DONE_ALL);
	ck_assert_uint_eq(get_info(fd).count, CIPC_DONE_ALL);
	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(get_done(fd), 0);
	close(fd);
}
END_TEST

START_TEST(test_mode_get_set)
{
	int fd = chan_open(0, O_RDWR);
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
	ck_assert_uint_eq(get_stats(fd).reinit, 0);
	close(fd);
}
END_TEST

struct attr_perm {
	const char *name;
	enum { RO, RW, WO } kind;
};

static const struct attr_perm attrs[] = {
	{ "mode", RW },
	{ "done", RO },
	{ "waiters", RO },
	{ "generation", RO },
	{ "id", RO },
	{ "stats/complete", RO },
	{ "stats/complete_all", RO },
	{ "stats/reinit", RO },
	{ "stats/wait", RO },
	{ "stats/woken", RO },
	{ "stats/timeout", RO },
	{ "stats/interrupted", RO },
	{ "stats/again", RO },
	{ "stats/bytes_in", RO },
	{ "stats/bytes_out", RO },
	{ "stats/reset", WO },
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
			switch (attrs[i].kind) {
			case RO:
				ck_assert_msg((m & 0222) == 0 && (m & 0400),
					      "%s has mode %04o, expected "
					      "read-only", path, m);
				break;
			case RW:
				ck_assert_msg((m & 0600) == 0600 &&
					      (m & 0022) == 0,
					      "%s has mode %04o, expected "
					      "rw for root only", path, m);
				break;
			case WO:
				ck_assert_msg(m == 0200, "%s has mode %04o, "
					      "expected 0200", path, m);
				break;
			}
		}
	}
}
END_TEST

START_TEST(test_sysfs_values)
{
	int fd = chan_open(0, O_RDWR);
	uint64_t gen = get_generation(fd);
	char buf[32];

	ck_assert_uint_eq(sysfs_ull(0, "done"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen);

	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(sysfs_ull(0, "done"), 2);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	sysfs_str(0, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");

	ck_ok(ioc_reinit(fd));
	ck_assert_uint_eq(sysfs_ull(0, "done"), 0);
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
	ck_assert_uint_eq(get_done(fd0), CIPC_DONE_ALL);
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
	tcase_add_test(tc, test_done_query);
	tcase_add_test(tc, test_mode_get_set);
	tcase_add_test(tc, test_sysfs_files);
	tcase_add_test(tc, test_sysfs_values);
	tcase_add_test(tc, test_channels_independent);
	suite_add_tcase(s, tc);
	return s;
}
