// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-lib-unit: the host tests of libcipc, those that need no cipc driver.
 *
 *   cipc-lib-unit
 *
 * Version and ABI version, argument checks, every way a node or a
 * descriptor that is not a cipc channel is refused (and the descriptor left
 * to its owner), NULL handles, ids and the control device without the
 * module, the getters of NULL snapshots, the counters' names, and the
 * shape of the build: the symbols the shared library
 * exports are exactly those of lib/cipc.h and of lib/libcipc.map, its
 * SONAME and symlinks, the pkg-config files, the man pages (every function
 * has one, no prose on a font-alternating line). Built by
 * tests/lib/lib-tests.mk against the shared library, and once more with
 * the library's sources and -fsanitize=address,undefined; `make
 * check-lib-host` runs the first under valgrind and the second as it is.
 *
 * Paths of the build come from the compiler's command line (CIPC_LIBT_*).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by lib-tests.mk */
#endif
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* <linux/cipc.h> and <cipc.h>, as the library sees them. */
#include "internal.h"

#include "libtest.h"

#if !defined(CIPC_LIBT_SO) || !defined(CIPC_LIBT_HEADER) ||		\
	!defined(CIPC_LIBT_MAP) || !defined(CIPC_LIBT_VERSION_FILE) ||	\
	!defined(CIPC_LIBT_LIBDIR) || !defined(CIPC_LIBT_HEADER_DIR) ||	\
	!defined(CIPC_LIBT_MAN_DIR) || !defined(CIPC_LIBT_LIB_MK)
#error "lib-tests.mk passes the CIPC_LIBT_* paths"
#endif

#define TEST_TIMEOUT_S	60	/* valgrind is slow */

/* ---- helpers --------------------------------------------------------- */

/* Open descriptors of this process (to prove that nothing leaked). */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir(/proc/self/fd): %s", errname(errno));
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

/* A fresh directory for files of one test, removed by the caller. */
static void make_tmpdir(char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");

	snprintf(dir, size, "%s/cipc-lib-unit.XXXXXX", base ? base : "/tmp");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp: %s", errname(errno));
}

/* Runs a shell command, its first line of output into out; exit status. */
static int run_cmd(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	int st;

	ck_assert_msg(p != NULL, "popen(%s): %s", cmd, errname(errno));
	out[0] = '\0';
	if (fgets(out, (int)size, p))
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* The file VERSION, "x.y.z": the project's one version. */
static void project_version(char *buf, size_t size)
{
	FILE *f = fopen(CIPC_LIBT_VERSION_FILE, "r");
	bool found;

	ck_assert_msg(f != NULL, "%s: %s", CIPC_LIBT_VERSION_FILE,
		      errname(errno));
	found = fgets(buf, (int)size, f) != NULL;
	fclose(f);
	ck_assert_msg(found, "%s is empty", CIPC_LIBT_VERSION_FILE);
	buf[strcspn(buf, "\n")] = '\0';
}

/* ---- version --------------------------------------------------------- */

START_TEST(test_version_string)
{
	const char *v = cipc_version_string();
	char want[64];
	unsigned int a, b, c;
	int end = 0;

	ck_assert_ptr_nonnull(v);
	project_version(want, sizeof(want));
	ck_assert_str_eq(v, want);
	ck_assert_msg(sscanf(v, "%u.%u.%u%n", &a, &b, &c, &end) == 3 &&
		      v[end] == '\0', "version \"%s\" is not X.Y.Z", v);
	/* A static string: the same pointer every time. */
	ck_assert_ptr_eq(cipc_version_string(), v);
}
END_TEST

START_TEST(test_abi_version)
{
	ck_assert_uint_eq(cipc_abi_version(), CIPC_ABI_VERSION);
	ck_assert_uint_eq(cipc_abi_version(), 1);
}
END_TEST

/* ---- cipc_channel_open(), cipc_channel_open_path() ------------------- */

/* No channel has this index (the driver has at most 1024). */
#define NO_INDEX	UINT_MAX

START_TEST(test_open_missing_index)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR,
		O_RDONLY | O_NONBLOCK, O_RDWR | O_CLOEXEC };
	int fds = count_fds();

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		ck_fails_null(cipc_channel_open(NO_INDEX, modes[i]), ENOENT);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/* Flags are checked before anything else: EINVAL, not ENOENT/ENODEV. */
START_TEST(test_open_bad_flags)
{
	static const int bad[] = {
		O_ACCMODE, O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY,
		O_NOFOLLOW, O_PATH, O_SYNC, O_DSYNC, O_TMPFILE, O_NOCTTY,
		O_ASYNC, O_DIRECT, O_NOATIME, O_RDWR | O_CREAT,
		O_RDONLY | O_NONBLOCK | O_TRUNC, -1, INT_MIN,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_fails_null(cipc_channel_open(NO_INDEX, bad[i]), EINVAL);
		ck_fails_null(cipc_channel_open(0, bad[i]), EINVAL);
		ck_fails_null(cipc_channel_open_path("/dev/null", bad[i]),
			      EINVAL);
		ck_fails_null(cipc_channel_open_path("/nonexistent/cipc0",
						     bad[i]), EINVAL);
	}
}
END_TEST

/* /dev/null: a character device, of the mem class, not cipc's. */
START_TEST(test_open_path_devnull)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR,
		O_RDWR | O_NONBLOCK };
	int fds = count_fds();

	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		ck_fails_null(cipc_channel_open_path("/dev/null", modes[i]),
			      ENODEV);
	ck_fails_null(cipc_channel_open_path("/dev/zero", O_RDONLY), ENODEV);
	/* Its ioctls fail with EINVAL, not ENOTTY: only the class check can
	 * say ENODEV. */
	ck_fails_null(cipc_channel_open_path("/dev/urandom", O_RDONLY), ENODEV);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_open_path_not_chardev)
{
	char dir[PATH_MAX], file[PATH_MAX + 16], fifo[PATH_MAX + 16],
	     link[PATH_MAX + 16];
	int fds = count_fds(), fd;

	make_tmpdir(dir, sizeof(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
	ck_assert_msg(fd >= 0, "creat %s: %s", file, errname(errno));
	ck_assert_int_eq(write(fd, "x", 1), 1);
	close(fd);
	ck_assert_int_eq(mkfifo(fifo, 0666), 0);
	ck_assert_int_eq(symlink("/dev/null", link), 0);
	fds = count_fds();

	/* A regular file, whatever the mode. */
	ck_fails_null(cipc_channel_open_path(file, O_RDONLY), ENODEV);
	ck_fails_null(cipc_channel_open_path(file, O_RDWR), ENODEV);
	/* A directory: refused before open(), which would say EISDIR. */
	ck_fails_null(cipc_channel_open_path(dir, O_RDONLY), ENODEV);
	ck_fails_null(cipc_channel_open_path(dir, O_WRONLY), ENODEV);
	/* A FIFO without a writer: must not block. */
	ck_fails_null(cipc_channel_open_path(fifo, O_RDONLY), ENODEV);
	ck_fails_null(cipc_channel_open_path(fifo, O_WRONLY), ENODEV);
	/* A symlink is followed: to /dev/null. */
	ck_fails_null(cipc_channel_open_path(link, O_RDONLY), ENODEV);
	ck_assert_int_eq(count_fds(), fds);

	unlink(link);
	unlink(fifo);
	unlink(file);
	rmdir(dir);
}
END_TEST

START_TEST(test_open_path_missing)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	int fds = count_fds();

	ck_fails_null(cipc_channel_open_path("/nonexistent/cipc0", O_RDONLY),
		      ENOENT);
	ck_fails_null(cipc_channel_open_path("", O_RDONLY), ENOENT);
	/* A dangling symlink. */
	make_tmpdir(dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/dangling", dir);
	ck_assert_int_eq(symlink("/nonexistent/cipc0", path), 0);
	ck_fails_null(cipc_channel_open_path(path, O_RDWR), ENOENT);
	unlink(path);
	rmdir(dir);
	/* Errors of stat(2) pass through. */
	ck_fails_null(cipc_channel_open_path("/dev/null/cipc0", O_RDONLY),
		      ENOTDIR);
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

START_TEST(test_open_path_null)
{
	ck_fails_null(cipc_channel_open_path(NULL, O_RDONLY), EINVAL);
}
END_TEST

/* ---- cipc_channel_from_fd() ------------------------------------------ */

START_TEST(test_from_fd_bad_fd)
{
	int fd;

	ck_fails_null(cipc_channel_from_fd(-1), EBADF);
	ck_fails_null(cipc_channel_from_fd(INT_MIN), EBADF);
	ck_fails_null(cipc_channel_from_fd(INT_MAX), EBADF);
	/* A descriptor that was just closed. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_fails_null(cipc_channel_from_fd(fd), EBADF);
}
END_TEST

/* The caller keeps a refused descriptor: open, and it still works. */
START_TEST(test_from_fd_pipe)
{
	int p[2], fds;
	char c = 0;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	fds = count_fds();
	ck_fails_null(cipc_channel_from_fd(p[0]), ENODEV);
	ck_fails_null(cipc_channel_from_fd(p[1]), ENODEV);
	ck_assert_msg(fd_is_open(p[0]) && fd_is_open(p[1]),
		      "a refused descriptor was closed");
	ck_assert_int_eq(count_fds(), fds);
	/* Unchanged: still O_CLOEXEC, and data flows. */
	ck_assert_int_eq(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	ck_assert_int_eq(write(p[1], "k", 1), 1);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'k');
	close(p[0]);
	close(p[1]);
}
END_TEST

START_TEST(test_from_fd_other_files)
{
	int fds[5], n = 0, sv[2];

	fds[n++] = open("/dev/null", O_RDWR | O_CLOEXEC);
	fds[n++] = open("/dev/urandom", O_RDONLY | O_CLOEXEC);	/* EINVAL */
	fds[n++] = open("/dev/null", O_PATH | O_CLOEXEC);
	fds[n++] = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				    sv), 0);
	fds[n++] = sv[0];
	for (int i = 0; i < n; i++) {
		ck_assert_int_ge(fds[i], 0);
		ck_fails_null(cipc_channel_from_fd(fds[i]), ENODEV);
		ck_assert_msg(fd_is_open(fds[i]), "fd #%d was closed", i);
		close(fds[i]);
	}
	close(sv[1]);
}
END_TEST

/* ---- handles --------------------------------------------------------- */

START_TEST(test_close_null)
{
	errno = 12345;
	cipc_channel_close(NULL);
	ck_assert_int_eq(errno, 12345);
}
END_TEST

/* Every function taking a handle refuses NULL with EINVAL. */
START_TEST(test_null_handle)
{
	struct cipc_msg_info mi = { .len = 77, .seq = 78 };
	enum cipc_channel_mode m = (enum cipc_channel_mode)79;
	uint64_t seq = 80;
	char buf[8];

	ck_fails(cipc_channel_fd(NULL), EINVAL);
	errno = 0;
	ck_assert_uint_eq(cipc_channel_index(NULL), UINT_MAX);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_uint_eq(cipc_channel_id(NULL), UINT64_MAX);
	ck_assert_int_eq(errno, EINVAL);
	ck_fails(cipc_channel_complete(NULL), EINVAL);
	ck_fails(cipc_channel_complete_all(NULL), EINVAL);
	ck_fails(cipc_channel_reinit(NULL), EINVAL);
	ck_fails(cipc_channel_wait(NULL, 0), EINVAL);
	ck_fails(cipc_channel_wait(NULL, 1000), EINVAL);
	ck_fails(cipc_channel_wait(NULL, CIPC_TIMEOUT_INFINITE), EINVAL);
	ck_fails(cipc_channel_wait_until(NULL, CLOCK_MONOTONIC, 0), EINVAL);
	ck_fails(cipc_channel_wait_until(NULL, CLOCK_BOOTTIME, 0), EINVAL);
	ck_fails(cipc_channel_trywait(NULL), EINVAL);
	ck_fails(cipc_channel_done(NULL), EINVAL);
	for (int how = 0; how < 3; how++) {
		ck_fails(cipc_channel_send(NULL, "x", 1,
					   (enum cipc_send_how)how, &seq),
			 EINVAL);
		ck_fails(cipc_channel_send(NULL, NULL, 0,
					   (enum cipc_send_how)how, NULL),
			 EINVAL);
	}
	ck_assert_uint_eq(seq, 80);		/* untouched on failure */
	ck_fails(cipc_channel_receive(NULL, buf, sizeof(buf), 0, &mi), EINVAL);
	ck_fails(cipc_channel_receive(NULL, buf, sizeof(buf), 5000, &mi),
		 EINVAL);
	ck_fails(cipc_channel_receive_until(NULL, buf, sizeof(buf),
					    CLOCK_REALTIME, 0, &mi), EINVAL);
	ck_fails(cipc_channel_tryreceive(NULL, buf, sizeof(buf), &mi), EINVAL);
	ck_assert_uint_eq(mi.len, 77);		/* untouched on failure */
	ck_assert_uint_eq(mi.seq, 78);
	ck_fails(cipc_channel_get_mode(NULL, &m), EINVAL);
	ck_assert_int_eq(m, 79);
	ck_fails(cipc_channel_set_mode(NULL, CIPC_CHANNEL_MODE_ALL), EINVAL);
	ck_fails_ptr(cipc_channel_get_info(NULL), EINVAL,
		     cipc_channel_info_free);
	ck_fails_ptr(cipc_channel_get_stats(NULL), EINVAL,
		     cipc_channel_stats_free);
	ck_fails(cipc_channel_reset_stats(NULL), EINVAL);
	/* A bad `how' is EINVAL before anything else. */
	ck_fails(cipc_channel_send(NULL, "x", 1, (enum cipc_send_how)3, NULL),
		 EINVAL);
	ck_fails(cipc_channel_send(NULL, "x", 1, (enum cipc_send_how)-1, NULL),
		 EINVAL);
}
END_TEST

/* The getters of snapshots: 0 for NULL, errno untouched; free(NULL). */
START_TEST(test_null_snapshots)
{
	errno = 12345;
	ck_assert_uint_eq(cipc_channel_info_get_index(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_id(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_abi_version(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_msg_max(NULL), 0);
	ck_assert_int_eq(cipc_channel_info_get_mode(NULL),
			 CIPC_CHANNEL_MODE_ONE);
	ck_assert(!cipc_channel_info_is_all(NULL));
	ck_assert_uint_eq(cipc_channel_info_get_count(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_waiters(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_max_waiters(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_queued(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_queue_depth(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_generation(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_seq(NULL), 0);
	ck_assert_uint_eq(cipc_channel_info_get_msg_len(NULL), 0);
	for (int i = -1; i <= CIPC_STAT_NR; i++)
		ck_assert_uint_eq(cipc_channel_stats_get(NULL,
							 (enum cipc_stat)i), 0);
	ck_assert_uint_eq(cipc_control_info_get_abi_version(NULL), 0);
	ck_assert_uint_eq(cipc_control_info_get_channels(NULL), 0);
	ck_assert_uint_eq(cipc_control_info_get_max_channels(NULL), 0);
	ck_assert_uint_eq(cipc_control_info_get_msg_max(NULL), 0);
	ck_assert_uint_eq(cipc_control_info_get_queue_depth(NULL), 0);
	ck_assert_uint_eq(cipc_control_info_get_max_waiters(NULL), 0);
	cipc_channel_info_free(NULL);
	cipc_channel_stats_free(NULL);
	cipc_control_info_free(NULL);
	ck_assert_int_eq(errno, 12345);
}
END_TEST

/*
 * The counters' names are the files of /sys/class/cipc/cipcN/stats/, in
 * the order of enum cipc_stat, which is the order of struct cipc_stats;
 * nothing outside the enum has a name.
 */
START_TEST(test_stat_names)
{
	static const char *const names[] = { "complete", "complete_all",
		"reinit", "wait", "woken", "timeout", "interrupted", "again",
		"bytes_in", "bytes_out", "full", "discarded", "refused" };

	ck_assert_uint_eq(sizeof(names) / sizeof(names[0]), CIPC_STAT_NR);
	ck_assert_int_eq(CIPC_STAT_REFUSED, CIPC_STAT_NR - 1);
	ck_assert_uint_eq(offsetof(struct cipc_stats, reserved),
			  CIPC_STAT_NR * sizeof(__u64));
	for (int i = 0; i < CIPC_STAT_NR; i++)
		ck_assert_str_eq(cipc_stat_name((enum cipc_stat)i), names[i]);
	ck_assert_ptr_null(cipc_stat_name(CIPC_STAT_NR));
	ck_assert_ptr_null(cipc_stat_name((enum cipc_stat)-1));
	ck_assert_ptr_null(cipc_stat_name((enum cipc_stat)INT_MAX));
}
END_TEST

/* The result flags are the driver's; the struct has room to grow. */
START_TEST(test_msg_info_abi)
{
	struct cipc_msg_info mi;

	ck_assert_uint_eq(CIPC_MSG_ALL, CIPC_WAIT_ALL);
	ck_assert_uint_eq(CIPC_MSG_LATCHED, CIPC_WAIT_LATCHED);
	ck_assert_uint_eq(CIPC_MSG_HAS_MSG, CIPC_WAIT_MSG);
	ck_assert_uint_eq(sizeof(mi.reserved) / sizeof(mi.reserved[0]), 7);
	ck_assert_int_eq(CIPC_CHANNEL_MODE_ONE, CIPC_MODE_ONE);
	ck_assert_int_eq(CIPC_CHANNEL_MODE_ALL, CIPC_MODE_ALL);
	ck_assert_uint_eq(CIPC_INDEX_ANY, UINT_MAX);
	ck_assert(CIPC_TIMEOUT_INFINITE < 0);
}
END_TEST

/* The list of channels needs the module: ENOENT without it; EINVAL. */
START_TEST(test_list_channels_host)
{
	unsigned int idx[4] = { 7, 7, 7, 7 };

	ck_fails(cipc_list_channels(NULL, 1), EINVAL);
	if (access("/sys/module/cipc", F_OK) == 0) {
		fprintf(stderr, "note: %s: the cipc module is loaded on "
			"this host, ENOENT not checked\n", __func__);
		return;
	}
	ck_fails(cipc_list_channels(idx, 4), ENOENT);
	ck_fails(cipc_list_channels(NULL, 0), ENOENT);
	ck_assert_uint_eq(idx[0], 7);
}
END_TEST

/* ---- ids and the control device, without the module ------------------ */

/* These tests need a host without the cipc module (the usual case). */
#define REQUIRE_NO_MODULE() do {					\
	if (access("/sys/module/cipc", F_OK) == 0) {			\
		fprintf(stderr, "note: %s skipped: the cipc module is "	\
			"loaded on this host\n", __func__);		\
		return;							\
	}								\
} while (0)

/* The index of an id is id % max_channels, which only the module knows. */
START_TEST(test_open_id_no_module)
{
	static const uint64_t ids[] = { 0, 1, 255, 256, UINT64_MAX };
	int fds;

	REQUIRE_NO_MODULE();
	fds = count_fds();
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		ck_fails_null(cipc_channel_open_id(ids[i], O_RDONLY), ENOENT);
		ck_fails_null(cipc_channel_open_id(ids[i], O_RDWR |
						   O_NONBLOCK), ENOENT);
	}
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/* Flags are checked before anything else, as for cipc_channel_open(). */
START_TEST(test_open_id_bad_flags)
{
	static const int bad[] = { O_ACCMODE, O_CREAT, O_PATH, O_TRUNC,
		O_RDWR | O_APPEND, -1, INT_MIN };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_fails_null(cipc_channel_open_id(0, bad[i]), EINVAL);
		ck_fails_null(cipc_channel_open_id(UINT64_MAX, bad[i]), EINVAL);
	}
}
END_TEST

START_TEST(test_control_open_no_module)
{
	struct cipc_control *ctl;
	int fds, err;

	REQUIRE_NO_MODULE();
	fds = count_fds();
	errno = 0;
	ctl = cipc_control_open();
	err = errno;
	cipc_control_close(ctl);
	ck_assert_msg(!ctl && err == ENOENT, "cipc_control_open(): expected "
		      "NULL with ENOENT, got %s (errno %s)",
		      ctl ? "a handle" : "NULL", errname(err));
	ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/* Every control function refuses a NULL handle with EINVAL. */
START_TEST(test_control_null_handle)
{
	static const unsigned int indexes[] = { CIPC_INDEX_ANY, 0, 3, INT_MAX,
		UINT_MAX - 1 };
	unsigned int idx = 76;
	uint64_t id = 77;

	ck_fails_ptr(cipc_control_get_info(NULL), EINVAL,
		     cipc_control_info_free);
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		ck_fails(cipc_control_add(NULL, indexes[i], 0, 0, 0, &idx,
					  &id), EINVAL);
		ck_fails(cipc_control_add(NULL, indexes[i], 16, 4, 4, NULL,
					  NULL), EINVAL);
		ck_fails(cipc_control_add(NULL, indexes[i], SIZE_MAX, 0, 0,
					  &idx, &id), EINVAL);
	}
	ck_assert_uint_eq(id, 77);	/* untouched on failure */
	ck_assert_uint_eq(idx, 76);
	ck_fails(cipc_control_remove(NULL, 0), EINVAL);
	ck_fails(cipc_control_remove(NULL, UINT_MAX), EINVAL);
	ck_fails(cipc_control_remove_id(NULL, 0), EINVAL);
	ck_fails(cipc_control_remove_id(NULL, UINT64_MAX), EINVAL);
	errno = 12345;
	cipc_control_close(NULL);
	ck_assert_int_eq(errno, 12345);
}
END_TEST

/* ---- the build: exports, SONAME, symlinks, pkg-config ---------------- */

#define MAX_SYMS	128
#define SYM_LEN		64

struct symset {
	char name[MAX_SYMS][SYM_LEN];
	size_t n;
};

static void symset_add(struct symset *s, const char *name, size_t len,
		       const char *where)
{
	ck_assert_msg(len > 0 && len < SYM_LEN, "%s: bad symbol \"%.*s\"",
		      where, (int)len, name);
	ck_assert_msg(s->n < MAX_SYMS, "%s: too many symbols", where);
	for (size_t i = 0; i < s->n; i++)
		ck_assert_msg(strlen(s->name[i]) != len ||
			      memcmp(s->name[i], name, len) != 0,
			      "%s: %.*s listed twice", where, (int)len, name);
	memcpy(s->name[s->n], name, len);
	s->name[s->n][len] = '\0';
	s->n++;
}

static int symcmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void symset_expect_same(struct symset *a, const char *an,
			       struct symset *b, const char *bn)
{
	size_t i = 0, j = 0;

	qsort(a->name, a->n, SYM_LEN, symcmp);
	qsort(b->name, b->n, SYM_LEN, symcmp);
	while (i < a->n || j < b->n) {
		int c = i == a->n ? 1 : j == b->n ? -1 :
			strcmp(a->name[i], b->name[j]);

		ck_assert_msg(c >= 0, "%s is in %s but not in %s",
			      a->name[i], an, bn);
		ck_assert_msg(c <= 0, "%s is in %s but not in %s",
			      b->name[j], bn, an);
		i++;
		j++;
	}
}

static bool is_ident(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* The functions lib/cipc.h declares: the identifier before the first '('
 * of every declaration that starts at column 0. */
static void header_symbols(struct symset *s)
{
	FILE *f = fopen(CIPC_LIBT_HEADER, "r");
	char line[512];

	ck_assert_msg(f != NULL, "%s: %s", CIPC_LIBT_HEADER, errname(errno));
	while (fgets(line, sizeof(line), f)) {
		char *paren = strchr(line, '('), *p;

		if (!(line[0] >= 'a' && line[0] <= 'z') || !paren)
			continue;
		for (p = paren; p > line && is_ident(p[-1]); p--)
			;
		ck_assert_msg(strncmp(p, "cipc_", 5) == 0,
			      "%s: declaration of a non-cipc_ name: %s",
			      CIPC_LIBT_HEADER, line);
		symset_add(s, p, (size_t)(paren - p), CIPC_LIBT_HEADER);
	}
	fclose(f);
	ck_assert_msg(s->n >= 58, "only %zu functions found in %s", s->n,
		      CIPC_LIBT_HEADER);
}

/* The global: names of the LIBCIPC_1 node of lib/libcipc.map. */
static void map_symbols(struct symset *s)
{
	FILE *f = fopen(CIPC_LIBT_MAP, "r");
	char line[256];
	bool in_node = false, global = false, local_all = false;

	ck_assert_msg(f != NULL, "%s: %s", CIPC_LIBT_MAP, errname(errno));
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " \t");
		size_t len = strcspn(p, "; \t\n");

		if (!strncmp(p, "LIBCIPC_1 {", 11))
			in_node = true;
		else if (!in_node || !len || *p == '/' ||
			 (*p == '*' && p[1] != ';'))
			continue;	/* outside the node, or a comment */
		else if (!strncmp(p, "global:", 7))
			global = true;
		else if (!strncmp(p, "local:", 6))
			global = false;
		else if (!strncmp(p, "};", 2))
			in_node = false;
		else if (global)
			symset_add(s, p, len, CIPC_LIBT_MAP);
		else if (!strncmp(p, "*;", 2))
			local_all = true;
	}
	fclose(f);
	ck_assert_msg(local_all, "%s: no \"local: *;\"", CIPC_LIBT_MAP);
}

/* What the shared library exports (nm -D --defined-only). */
static void so_symbols(struct symset *s)
{
	FILE *p = popen("nm -D --defined-only " CIPC_LIBT_SO, "r");
	char line[256], type, name[128];
	bool node = false;
	int st;

	ck_assert_msg(p != NULL, "popen(nm): %s", errname(errno));
	while (fgets(line, sizeof(line), p)) {
		char *at;

		ck_assert_msg(sscanf(line, "%*s %c %127s", &type, name) == 2,
			      "nm: unexpected line: %s", line);
		if (type == 'A' && !strcmp(name, "LIBCIPC_1")) {
			node = true;	/* the version node itself */
			continue;
		}
		at = strstr(name, "@@LIBCIPC_1");
		ck_assert_msg(at && !at[11],
			      "%s exports %s, not in version LIBCIPC_1",
			      CIPC_LIBT_SO, name);
		ck_assert_msg(type == 'T', "%s exports %s of type %c, not a "
			      "function", CIPC_LIBT_SO, name, type);
		symset_add(s, name, (size_t)(at - name), CIPC_LIBT_SO);
	}
	st = pclose(p);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "nm -D %s failed (status %#x)", CIPC_LIBT_SO, st);
	ck_assert_msg(node, "%s has no version node LIBCIPC_1", CIPC_LIBT_SO);
}

/* Exactly the functions of the header are exported, as LIBCIPC_1. */
START_TEST(test_exports)
{
	static struct symset hdr, map, so;

	header_symbols(&hdr);
	map_symbols(&map);
	so_symbols(&so);
	symset_expect_same(&hdr, "lib/cipc.h", &map, "lib/libcipc.map");
	symset_expect_same(&hdr, "lib/cipc.h", &so, "nm -D libcipc.so");
}
END_TEST

/* The same at run time: dlsym() finds the API and nothing internal (the
 * hidden functions of lib/internal.h). */
START_TEST(test_dlopen)
{
	static const char *const internal[] = {
		"cipc__channel_from_fd_abi", "cipc__control_open_path",
		"cipc__open_node", "cipc__read_u64",
	};
	static struct symset hdr;
	const char *(*version)(void);
	void *h;

	header_symbols(&hdr);
	h = dlopen(CIPC_LIBT_SO, RTLD_NOW | RTLD_LOCAL);
	ck_assert_msg(h != NULL, "dlopen: %s", dlerror());
	for (size_t i = 0; i < hdr.n; i++)
		ck_assert_msg(dlsym(h, hdr.name[i]) != NULL, "dlsym(%s): %s",
			      hdr.name[i], dlerror());
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
		ck_assert_msg(dlsym(h, internal[i]) == NULL,
			      "the internal %s is exported", internal[i]);
	ck_assert_msg(dlvsym(h, "cipc_channel_open", "LIBCIPC_1") != NULL,
		      "cipc_channel_open@LIBCIPC_1 missing");
	*(void **)&version = dlsym(h, "cipc_version_string");
	ck_assert_str_eq(version(), cipc_version_string());
	dlclose(h);
}
END_TEST

/* Whole file into a new buffer (freed by the caller). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "%s: %s", path, errname(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* word occurs in text, not as a part of a longer identifier. */
static bool has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = text; (p = strstr(p, word)) != NULL; p++)
		if ((p == text || !is_ident(p[-1])) && !is_ident(p[len]))
			return true;
	return false;
}

/*
 * Every function of the header has a man page: it is named in the NAME
 * section of a page of lib/man, and lib/lib.mk installs NAME.3 (a page or
 * a link to one).
 */
START_TEST(test_man_pages)
{
	static struct symset hdr;
	char *mk = slurp(CIPC_LIBT_LIB_MK), *names = calloc(1, 1);
	size_t nlen = 0;
	struct dirent *de;
	DIR *d;

	ck_assert_ptr_nonnull(names);
	d = opendir(CIPC_LIBT_MAN_DIR);
	ck_assert_msg(d != NULL, "%s: %s", CIPC_LIBT_MAN_DIR, errname(errno));
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], *page, *name, *end;
		size_t len = strlen(de->d_name);

		if (len < 3 || strcmp(de->d_name + len - 2, ".3") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", CIPC_LIBT_MAN_DIR,
			 de->d_name);
		page = slurp(path);
		name = strstr(page, "\n.SH NAME\n");
		ck_assert_msg(name != NULL, "%s: no NAME section", path);
		name += 10;
		end = strstr(name, "\n.SH ");
		ck_assert_msg(end != NULL, "%s: NAME is the last section",
			      path);
		names = realloc(names, nlen + (size_t)(end - name) + 2);
		ck_assert_ptr_nonnull(names);
		memcpy(names + nlen, name, (size_t)(end - name));
		nlen += (size_t)(end - name);
		names[nlen++] = '\n';
		names[nlen] = '\0';
		free(page);
	}
	closedir(d);

	header_symbols(&hdr);
	for (size_t i = 0; i < hdr.n; i++) {
		char page[SYM_LEN + 4];

		ck_assert_msg(has_word(names, hdr.name[i]), "%s is named by "
			      "no man page of %s", hdr.name[i],
			      CIPC_LIBT_MAN_DIR);
		snprintf(page, sizeof(page), "%s.3", hdr.name[i]);
		ck_assert_msg(has_word(mk, page), "%s does not install %s",
			      CIPC_LIBT_LIB_MK, page);
	}
	free(names);
	free(mk);
}
END_TEST

/* A word of prose: two letters or more, nothing else. */
static bool is_prose_word(const char *tok, size_t len)
{
	if (len < 2)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((tok[i] >= 'a' && tok[i] <= 'z') ||
		      (tok[i] >= 'A' && tok[i] <= 'Z')))
			return false;
	return true;
}

/*
 * The macros that alternate two fonts (.BR, .IR, ...) join their arguments
 * without a space: prose on such a line renders as one word ("see
 * cipc_channel_open(3).Awaiterblockedwhen..."), and neither man nor groff
 * warns. Two words of prose side by side, unquoted, are that mistake.
 */
START_TEST(test_man_alternating_fonts)
{
	static const char *const macros[] = { ".BR ", ".RB ", ".BI ", ".IB ",
		".IR ", ".RI " };
	struct dirent *de;
	int pages = 0;
	DIR *d;

	d = opendir(CIPC_LIBT_MAN_DIR);
	ck_assert_msg(d != NULL, "%s: %s", CIPC_LIBT_MAN_DIR, errname(errno));
	while ((de = readdir(d)) != NULL) {
		char path[PATH_MAX], *page, *line, *next;
		size_t len = strlen(de->d_name);
		int lineno = 0;

		if (len < 3 || strcmp(de->d_name + len - 2, ".3") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", CIPC_LIBT_MAN_DIR,
			 de->d_name);
		page = slurp(path);
		pages++;
		for (line = page; line; line = next) {
			const char *p, *prev = NULL;
			size_t prev_len = 0;
			bool alt = false;

			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			lineno++;
			for (size_t i = 0; i < sizeof(macros) / sizeof(*macros);
			     i++)
				alt |= strncmp(line, macros[i], 4) == 0;
			if (!alt)
				continue;
			/* Its arguments: quoted ones are never prose. */
			for (p = line + 4; *p;) {
				const char *tok = p;
				size_t tlen;

				if (*p == ' ') {
					p++;
					continue;
				}
				if (*p == '"') {
					p = strchr(p + 1, '"');
					p = p ? p + 1 : tok + strlen(tok);
					prev = NULL;
					continue;
				}
				while (*p && *p != ' ')
					p++;
				tlen = (size_t)(p - tok);
				ck_assert_msg(!(prev && is_prose_word(prev,
						prev_len) &&
					is_prose_word(tok, tlen)),
					"%s:%d: prose on a font-alternating "
					"line renders without spaces: %s",
					path, lineno, line);
				prev = tok;
				prev_len = tlen;
			}
		}
		free(page);
	}
	closedir(d);
	ck_assert_int_gt(pages, 0);
}
END_TEST

START_TEST(test_soname_and_links)
{
	char cmd[PATH_MAX + 64], out[256], target[PATH_MAX];
	ssize_t n;

	snprintf(cmd, sizeof(cmd),
		 "readelf -d %s | sed -n 's/.*Library soname: \\[\\(.*\\)\\]/\\1/p'",
		 CIPC_LIBT_SO);
	ck_assert_int_eq(run_cmd(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "libcipc.so.1");

	n = readlink(CIPC_LIBT_LIBDIR "/libcipc.so.1", target,
		     sizeof(target) - 1);
	ck_assert_msg(n > 0, "readlink libcipc.so.1: %s", errname(errno));
	target[n] = '\0';
	ck_assert_str_eq(target, "libcipc.so.1.0.0");
	n = readlink(CIPC_LIBT_LIBDIR "/libcipc.so", target,
		     sizeof(target) - 1);
	ck_assert_msg(n > 0, "readlink libcipc.so: %s", errname(errno));
	target[n] = '\0';
	ck_assert_str_eq(target, "libcipc.so.1");
}
END_TEST

/* pkg-config, on the uninstalled and on the installable libcipc.pc. */
START_TEST(test_pkg_config)
{
	char out[512], want[64], cmd[PATH_MAX + 128];

	project_version(want, sizeof(want));
	snprintf(cmd, sizeof(cmd), "PKG_CONFIG_PATH=%s pkg-config "
		 "--modversion libcipc", CIPC_LIBT_LIBDIR);
	ck_assert_int_eq(run_cmd(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
	snprintf(cmd, sizeof(cmd), "PKG_CONFIG_PATH=%s pkg-config --cflags "
		 "--libs libcipc", CIPC_LIBT_LIBDIR);
	ck_assert_int_eq(run_cmd(cmd, out, sizeof(out)), 0);
	ck_assert_msg(strstr(out, "-I" CIPC_LIBT_HEADER_DIR " ") &&
		      strstr(out, "-L" CIPC_LIBT_LIBDIR " ") &&
		      strstr(out, "-lcipc"), "uninstalled flags: %s", out);

	snprintf(cmd, sizeof(cmd), "PKG_CONFIG_PATH=%s/install pkg-config "
		 "--variable=prefix libcipc", CIPC_LIBT_LIBDIR);
	ck_assert_int_eq(run_cmd(cmd, out, sizeof(out)), 0);
	ck_assert_msg(out[0] == '/', "install prefix: \"%s\"", out);
	snprintf(cmd, sizeof(cmd), "PKG_CONFIG_PATH=%s/install pkg-config "
		 "--modversion libcipc", CIPC_LIBT_LIBDIR);
	ck_assert_int_eq(run_cmd(cmd, out, sizeof(out)), 0);
	ck_assert_str_eq(out, want);
}
END_TEST

static Suite *unit_suite(void)
{
	Suite *s = suite_create("libcipc-unit");
	TCase *tc = tcase_create("host");

	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	tcase_add_test(tc, test_version_string);
	tcase_add_test(tc, test_abi_version);
	tcase_add_test(tc, test_open_missing_index);
	tcase_add_test(tc, test_open_bad_flags);
	tcase_add_test(tc, test_open_path_devnull);
	tcase_add_test(tc, test_open_path_not_chardev);
	tcase_add_test(tc, test_open_path_missing);
	tcase_add_test(tc, test_open_path_null);
	tcase_add_test(tc, test_from_fd_bad_fd);
	tcase_add_test(tc, test_from_fd_pipe);
	tcase_add_test(tc, test_from_fd_other_files);
	tcase_add_test(tc, test_close_null);
	tcase_add_test(tc, test_null_handle);
	tcase_add_test(tc, test_null_snapshots);
	tcase_add_test(tc, test_stat_names);
	tcase_add_test(tc, test_msg_info_abi);
	tcase_add_test(tc, test_list_channels_host);
	tcase_add_test(tc, test_open_id_no_module);
	tcase_add_test(tc, test_open_id_bad_flags);
	tcase_add_test(tc, test_control_open_no_module);
	tcase_add_test(tc, test_control_null_handle);
	tcase_add_test(tc, test_exports);
	tcase_add_test(tc, test_dlopen);
	tcase_add_test(tc, test_man_pages);
	tcase_add_test(tc, test_man_alternating_fonts);
	tcase_add_test(tc, test_soname_and_links);
	tcase_add_test(tc, test_pkg_config);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return libtest_run(unit_suite());
}
