// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "perm": who may do what.
 *
 *  - the driver creates /dev/cipc-control and every /dev/cipcN (also those
 *    added at run time) as root:root 0600;
 *  - a process dropped to uid/gid 65534 cannot open them (EACCES); with
 *    files opened before the drop (inherited) it gets EPERM for
 *    CIPC_CTL_ADD, CIPC_CTL_REMOVE and CIPC_IOC_RESET_STATS, checked
 *    before the argument (bad flags or a bad pointer still give EPERM),
 *    and nothing changes; CIPC_CTL_INFO and the channel's other operations
 *    work; sysfs stats/reset is refused;
 *  - the check is CAP_SYS_ADMIN, not uid 0: root without that capability
 *    gets EPERM too.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

static void expect_root_0600(const char *path)
{
	struct stat sb;

	ck_assert_msg(stat(path, &sb) == 0, "stat(%s): %s", path,
		      errname(errno));
	ck_assert_msg(S_ISCHR(sb.st_mode), "%s is not a char device", path);
	ck_assert_msg((sb.st_mode & 07777) == 0600, "%s has mode %04o, "
		      "expected 0600", path, (unsigned int)(sb.st_mode & 07777));
	ck_assert_msg(sb.st_uid == 0 && sb.st_gid == 0, "%s is owned by "
		      "%u:%u, expected root:root", path,
		      (unsigned int)sb.st_uid, (unsigned int)sb.st_gid);
}

START_TEST(test_node_modes)
{
	unsigned int n = param_channels();
	struct cipc_ctl_channel c;
	char path[64];

	expect_root_0600(CIPC_CONTROL_PATH);
	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), CIPC_DEV_FMT, i);
		expect_root_0600(path);
	}
	c = chan_add(CHAN_ANY, 0);
	snprintf(path, sizeof(path), CIPC_DEV_FMT, c.index);
	expect_root_0600(path);
	chan_remove(c.index);
}
END_TEST

/* errno of a call, 0 when it succeeded. */
static int err_of(long ret)
{
	return ret < 0 ? errno : 0;
}

/* What the restricted child saw: errno per step, 0 = success. */
struct perm_report {
	int32_t drop;		/* dropping privileges */
	int32_t open_ctl;	/* open(/dev/cipc-control) */
	int32_t open_chan0;	/* open(/dev/cipc0) */
	int32_t open_added;	/* open(/dev/cipcX) */
	int32_t add_any;	/* CTL_ADD, lowest free index */
	int32_t add_index;	/* CTL_ADD, CIPC_ADD_INDEX at a free index */
	int32_t add_taken;	/* CTL_ADD at X (taken: EEXIST if allowed) */
	int32_t add_badflags;	/* CTL_ADD with flags 0x4 */
	int32_t add_fault;	/* CTL_ADD with a NULL pointer */
	int32_t rm;		/* CTL_REMOVE X */
	int32_t rm_id;		/* CTL_REMOVE X with CIPC_REMOVE_ID */
	int32_t rm_free;	/* CTL_REMOVE at a free index */
	int32_t rm_fault;	/* CTL_REMOVE with a NULL pointer */
	int32_t reset_stats;	/* CIPC_IOC_RESET_STATS on cipc0 */
	int32_t reset_sysfs;	/* echo 1 > stats/reset of cipc0 */
	int32_t ctl_info;	/* CTL_INFO */
	int32_t complete;	/* CIPC_IOC_COMPLETE, inherited cipc0 fd */
	int32_t get_stats;	/* CIPC_IOC_GET_STATS on it */
	uint32_t info_channels;
	uint32_t info_max;
	uint32_t info_abi;
	int32_t admin;		/* CAP_SYS_ADMIN still effective */
};

struct perm_ctx {
	int ctl;		/* control, O_RDWR, opened as root */
	int chan0;		/* cipc0, O_RDWR, opened as root */
	unsigned int added;	/* X: a channel added for the test */
	uint64_t added_id;
	unsigned int free_index;
};

enum restrict_how { AS_NOBODY, AS_ROOT_WITHOUT_CAP };

/* Keep uid 0, lose CAP_SYS_ADMIN (effective, permitted, bounding). */
static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) != 0)
		return errno;
	if (syscall(SYS_capget, &hdr, data) != 0)
		return errno;
	data[0].effective &= ~(1U << CAP_SYS_ADMIN);
	data[0].permitted &= ~(1U << CAP_SYS_ADMIN);
	data[0].inheritable &= ~(1U << CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &hdr, data) != 0)
		return errno;
	if (cap_effective(CAP_SYS_ADMIN))
		return EPERM;
	return 0;
}

static void restricted_child(const struct perm_ctx *ctx, enum restrict_how how,
			     pid_t parent, int report_fd)
{
	struct cipc_ctl_channel c;
	struct cipc_ctl_info info;
	struct cipc_stats st;
	struct perm_report rep;
	int fd;

	memset(&rep, 0, sizeof(rep));
	rep.drop = how == AS_NOBODY ? drop_to_nobody(parent) :
				      drop_cap_sys_admin();
	rep.admin = cap_effective(CAP_SYS_ADMIN);
	if (rep.drop)
		goto out;

	fd = ctl_open_raw(O_RDWR);
	rep.open_ctl = err_of(fd);
	if (fd >= 0)
		close(fd);
	fd = chan_open_raw(0, O_RDONLY);
	rep.open_chan0 = err_of(fd);
	if (fd >= 0)
		close(fd);
	fd = chan_open_raw(ctx->added, O_RDWR);
	rep.open_added = err_of(fd);
	if (fd >= 0)
		close(fd);

	memset(&c, 0, sizeof(c));
	rep.add_any = err_of(ioc_ctl_add(ctx->ctl, &c));
	memset(&c, 0, sizeof(c));
	c.flags = CIPC_ADD_INDEX;
	c.index = ctx->free_index;
	rep.add_index = err_of(ioc_ctl_add(ctx->ctl, &c));
	c.index = ctx->added;
	rep.add_taken = err_of(ioc_ctl_add(ctx->ctl, &c));
	memset(&c, 0, sizeof(c));
	c.flags = 0x4;
	rep.add_badflags = err_of(ioc_ctl_add(ctx->ctl, &c));
	rep.add_fault = err_of(ioctl(ctx->ctl, CIPC_CTL_ADD, NULL));

	memset(&c, 0, sizeof(c));
	c.index = ctx->added;
	rep.rm = err_of(ioc_ctl_remove(ctx->ctl, &c));
	c.flags = CIPC_REMOVE_ID;
	c.id = ctx->added_id;
	rep.rm_id = err_of(ioc_ctl_remove(ctx->ctl, &c));
	memset(&c, 0, sizeof(c));
	c.index = ctx->free_index;
	rep.rm_free = err_of(ioc_ctl_remove(ctx->ctl, &c));
	rep.rm_fault = err_of(ioctl(ctx->ctl, CIPC_CTL_REMOVE, NULL));

	rep.reset_stats = err_of(ioc_reset_stats(ctx->chan0));
	if (how == AS_NOBODY)
		rep.reset_sysfs = -sysfs_write(0, "stats/reset", "1");
	memset(&info, 0xa5, sizeof(info));
	rep.ctl_info = err_of(ioc_ctl_info(ctx->ctl, &info));
	rep.info_channels = info.channels;
	rep.info_max = info.max_channels;
	rep.info_abi = info.abi_version;
	rep.complete = err_of(ioc_complete(ctx->chan0, NULL, 0));
	rep.get_stats = err_of(ioc_get_stats(ctx->chan0, &st));
out:
	_exit(write_all(report_fd, &rep, sizeof(rep)) == 0 ? 0 : 4);
}

static struct perm_report run_restricted(const struct perm_ctx *ctx,
					 enum restrict_how how)
{
	struct perm_report rep;
	int pipefd[2], status;
	pid_t pid, self = getpid();

	ck_ok(pipe2(pipefd, O_CLOEXEC));
	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		child_init(self);
		close(pipefd[0]);
		restricted_child(ctx, how, self, pipefd[1]);
	}
	close(pipefd[1]);
	status = reap_pid(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "restricted child failed (status %#x)",
		      (unsigned int)status);
	ck_assert_int_eq(read(pipefd[0], &rep, sizeof(rep)), sizeof(rep));
	close(pipefd[0]);
	ck_assert_msg(rep.drop == 0, "dropping privileges: %s",
		      errname(rep.drop));
	ck_assert_msg(!rep.admin, "CAP_SYS_ADMIN still effective after the "
		      "drop");
	return rep;
}

#define EXPECT_STEP(rep, field, want) \
	ck_assert_msg((rep).field == (want), #field ": got %s, expected %s", \
		      (rep).field ? errname((rep).field) : "success",	\
		      (want) ? errname(want) : "success")

static void perm_setup(struct perm_ctx *ctx)
{
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);

	ctx->added = c.index;
	ctx->added_id = c.id;
	ctx->free_index = c.index + 1;
	ck_assert_uint_lt(ctx->free_index, param_max_channels());
	ctx->ctl = ctl_open(O_RDWR);
	ctx->chan0 = chan_open(0, O_RDWR);
	/* Something for a reset to erase. */
	ck_ok(ioc_complete(ctx->chan0, NULL, 0));
	ck_ok(ioc_trywait(ctx->chan0, NULL, 0, NULL));
}

/* Nothing the child was refused happened. */
static void perm_expect_unchanged(const struct perm_ctx *ctx,
				  unsigned int channels)
{
	struct cipc_stats st = get_stats(ctx->chan0);
	char path[64];

	ck_assert_uint_eq(get_ctl_info(ctx->ctl).channels, channels);
	expect_chan_present(ctx->added);
	ck_assert_uint_eq(sysfs_id(ctx->added), ctx->added_id);
	expect_chan_gone(ctx->free_index);
	snprintf(path, sizeof(path), CIPC_DEV_FMT, ctx->free_index);
	ck_assert_msg(!path_exists(path), "%s was added", path);
	/* Not reset: the fixture's clean state plus the setup's and the
	 * child's operations. */
	ck_assert_uint_eq(st.complete, 2);
	ck_assert_uint_eq(st.wait, 1);
	ck_assert_uint_eq(st.woken, 1);
	expect_sysfs_stats(0, &st);
	/* The child's complete went through. */
	ck_assert_uint_eq(get_done(ctx->chan0), 1);
}

START_TEST(test_nobody)
{
	struct perm_ctx ctx;
	struct perm_report rep;
	unsigned int channels;

	perm_setup(&ctx);
	channels = get_ctl_info(ctx.ctl).channels;
	rep = run_restricted(&ctx, AS_NOBODY);

	EXPECT_STEP(rep, open_ctl, EACCES);
	EXPECT_STEP(rep, open_chan0, EACCES);
	EXPECT_STEP(rep, open_added, EACCES);
	EXPECT_STEP(rep, add_any, EPERM);
	EXPECT_STEP(rep, add_index, EPERM);
	EXPECT_STEP(rep, add_taken, EPERM);
	EXPECT_STEP(rep, add_badflags, EPERM);
	EXPECT_STEP(rep, add_fault, EPERM);
	EXPECT_STEP(rep, rm, EPERM);
	EXPECT_STEP(rep, rm_id, EPERM);
	EXPECT_STEP(rep, rm_free, EPERM);
	EXPECT_STEP(rep, rm_fault, EPERM);
	EXPECT_STEP(rep, reset_stats, EPERM);
	ck_assert_msg(rep.reset_sysfs == EACCES || rep.reset_sysfs == EPERM,
		      "writing stats/reset as nobody: %s, expected EACCES or "
		      "EPERM", rep.reset_sysfs ? errname(rep.reset_sysfs) :
						 "success");
	EXPECT_STEP(rep, ctl_info, 0);
	ck_assert_uint_eq(rep.info_abi, CIPC_ABI_VERSION);
	ck_assert_uint_eq(rep.info_channels, channels);
	ck_assert_uint_eq(rep.info_max, param_max_channels());
	EXPECT_STEP(rep, complete, 0);
	EXPECT_STEP(rep, get_stats, 0);

	perm_expect_unchanged(&ctx, channels);
	close(ctx.ctl);
	close(ctx.chan0);
	chan_remove(ctx.added);
}
END_TEST

/* uid 0 without CAP_SYS_ADMIN: opens (the nodes are root's), no admin. */
START_TEST(test_root_without_cap_sys_admin)
{
	struct perm_ctx ctx;
	struct perm_report rep;
	unsigned int channels;

	perm_setup(&ctx);
	channels = get_ctl_info(ctx.ctl).channels;
	rep = run_restricted(&ctx, AS_ROOT_WITHOUT_CAP);

	EXPECT_STEP(rep, open_ctl, 0);
	EXPECT_STEP(rep, open_chan0, 0);
	EXPECT_STEP(rep, open_added, 0);
	EXPECT_STEP(rep, add_any, EPERM);
	EXPECT_STEP(rep, add_index, EPERM);
	EXPECT_STEP(rep, add_taken, EPERM);
	EXPECT_STEP(rep, add_badflags, EPERM);
	EXPECT_STEP(rep, add_fault, EPERM);
	EXPECT_STEP(rep, rm, EPERM);
	EXPECT_STEP(rep, rm_id, EPERM);
	EXPECT_STEP(rep, rm_free, EPERM);
	EXPECT_STEP(rep, rm_fault, EPERM);
	EXPECT_STEP(rep, reset_stats, EPERM);
	EXPECT_STEP(rep, ctl_info, 0);
	ck_assert_uint_eq(rep.info_channels, channels);
	EXPECT_STEP(rep, complete, 0);
	EXPECT_STEP(rep, get_stats, 0);

	perm_expect_unchanged(&ctx, channels);
	close(ctx.ctl);
	close(ctx.chan0);
	chan_remove(ctx.added);
}
END_TEST

Suite *perm_suite(void)
{
	Suite *s = suite_create("perm");
	TCase *tc = ctl_tcase("perm", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_node_modes);
	tcase_add_test(tc, test_nobody);
	tcase_add_test(tc, test_root_without_cap_sys_admin);
	suite_add_tcase(s, tc);
	return s;
}
