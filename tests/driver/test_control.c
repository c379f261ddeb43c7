// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "control": /dev/cipc-control, channels added and removed at run
 * time.
 *
 *  - CIPC_CTL_INFO: ABI version, channels (= the nodes that exist),
 *    max_channels, msg_max, queue_depth, max_waiters (= the module
 *    parameters);
 *  - CIPC_CTL_ADD at the lowest free index or at a requested one: the node
 *    and the sysfs directory are there, complete, when the ioctl returns;
 *    EEXIST, ENOSPC, EINVAL (each field), EFAULT; per-channel msg_max,
 *    queue_depth and max_waiters (0: the module's; the value used comes
 *    back);
 *  - CIPC_CTL_REMOVE: ENOENT, EINVAL, ESTALE with CIPC_REMOVE_ID; an unused
 *    channel goes at once; a channel in use releases its blocked waiters
 *    and pollers with ENODEV, every later operation on its open files fails
 *    with ENODEV, and a new channel at the same index is independent;
 *  - ids: id = seq * max_channels + index, seq + 1 per removal;
 *  - ENOTTY: control ioctls on a channel, channel ioctls on the control;
 *  - a stress loop of add/remove against openers, waiters and signallers.
 *
 * Every test starts from the channels the module was loaded with (the
 * fixture removes any other and re-adds missing ones) and the suite leaves
 * them so.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define MAX_LISTED	1100
#define STRESS_ROUNDS	200

/* Lowest index without a channel (max_channels if none). */
static unsigned int lowest_free(void)
{
	static unsigned int idx[MAX_LISTED];
	int n = list_channels(idx, MAX_LISTED);
	unsigned int want = 0;

	ck_assert_msg(n >= 0 && n <= MAX_LISTED, "listing " CIPC_CLASS_DIR
		      ": %d", n);
	for (int i = 0; i < n; i++) {
		if (idx[i] != want)
			break;
		want++;
	}
	return want;
}

/* The set of channels and their ids, to prove that a call changed none. */
struct set_snap {
	unsigned int channels;		/* CIPC_CTL_INFO */
	unsigned int nodes;		/* /dev/cipcN */
	unsigned int dirs;		/* /sys/class/cipc/cipcN */
	int n;
	unsigned int idx[MAX_LISTED];
	uint64_t id[MAX_LISTED];
};

static struct set_snap set_take(void)
{
	struct set_snap s;

	memset(&s, 0, sizeof(s));
	s.channels = ctl_channels();
	s.nodes = count_numbered("/dev", "cipc");
	s.dirs = count_numbered(CIPC_CLASS_DIR, "cipc");
	s.n = list_channels(s.idx, MAX_LISTED);
	ck_assert_msg(s.n >= 0 && s.n <= MAX_LISTED, "listing channels: %d",
		      s.n);
	for (int i = 0; i < s.n; i++)
		s.id[i] = sysfs_id(s.idx[i]);
	return s;
}

static void set_expect_same(const struct set_snap *a, const char *what)
{
	struct set_snap b = set_take();

	ck_assert_msg(a->channels == b.channels && a->nodes == b.nodes &&
		      a->dirs == b.dirs && a->n == b.n,
		      "%s changed the channels: CTL_INFO %u -> %u, nodes %u -> "
		      "%u, sysfs %u -> %u", what, a->channels, b.channels,
		      a->nodes, b.nodes, a->dirs, b.dirs);
	for (int i = 0; i < a->n; i++)
		ck_assert_msg(a->idx[i] == b.idx[i] && a->id[i] == b.id[i],
			      "%s changed the channels: cipc%u id %llu -> "
			      "cipc%u id %llu", what, a->idx[i],
			      (unsigned long long)a->id[i], b.idx[i],
			      (unsigned long long)b.id[i]);
}

/* call must fail with err and change no channel. */
#define EXPECT_CTL_REJECTED(call, err) do {				\
	struct set_snap ctl_rej_before_ = set_take();			\
	long ctl_rej_r_;						\
	int ctl_rej_e_;							\
	errno = 0;							\
	ctl_rej_r_ = (long)(call);					\
	ctl_rej_e_ = errno;						\
	ck_assert_msg(ctl_rej_r_ == -1 && ctl_rej_e_ == (err),		\
		      "%s: expected -1 with %s, got %ld (errno %s)",	\
		      #call, errname(err), ctl_rej_r_,			\
		      ctl_rej_r_ == -1 ? errname(ctl_rej_e_) : "-");	\
	set_expect_same(&ctl_rej_before_, #call);			\
} while (0)

static const char *const chan_attrs[] = {
	"dev", "mode", "count", "all", "waiters", "queued", "generation",
	"seq", "id", "msg_max", "queue_depth", "max_waiters",
	"stats/complete", "stats/complete_all", "stats/reinit", "stats/wait",
	"stats/woken", "stats/timeout", "stats/interrupted", "stats/again",
	"stats/bytes_in", "stats/bytes_out", "stats/full", "stats/discarded",
	"stats/refused", "stats/reset",
};

/*
 * A channel just added: node and sysfs complete, a fresh state, the id of
 * the ADD everywhere, and it works.
 */
static void expect_fresh_channel_ex(const struct cipc_ctl_channel *c,
				    uint32_t msg_max, uint32_t queue_depth,
				    uint32_t max_waiters)
{
	unsigned int max = param_max_channels();
	char path[128], buf[64];
	struct cipc_info info;
	struct cipc_stats st, zero = { 0 };
	struct stat sb;
	unsigned int maj, min;
	int fd;

	expect_chan_present(c->index);
	snprintf(path, sizeof(path), CIPC_DEV_FMT, c->index);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_msg((sb.st_mode & 07777) == 0600 && sb.st_uid == 0 &&
		      sb.st_gid == 0, "%s: mode %04o uid %u gid %u, expected "
		      "0600 root:root", path, (unsigned int)(sb.st_mode & 07777),
		      (unsigned int)sb.st_uid, (unsigned int)sb.st_gid);
	for (size_t i = 0; i < sizeof(chan_attrs) / sizeof(chan_attrs[0]);
	     i++) {
		chan_sysfs_path(path, sizeof(path), c->index, chan_attrs[i]);
		ck_assert_msg(path_exists(path), "%s missing right after "
			      "CIPC_CTL_ADD: %s", path, errname(errno));
	}
	sysfs_str(c->index, "dev", buf, sizeof(buf));
	ck_assert_msg(sscanf(buf, "%u:%u", &maj, &min) == 2 &&
		      major(sb.st_rdev) == maj && minor(sb.st_rdev) == min,
		      "cipc%u: node is %u:%u, sysfs dev is \"%s\"", c->index,
		      major(sb.st_rdev), minor(sb.st_rdev), buf);

	ck_assert_msg(c->id % max == c->index, "id %llu of cipc%u is not "
		      "index modulo max_channels %u",
		      (unsigned long long)c->id, c->index, max);
	ck_assert_uint_eq(sysfs_id(c->index), c->id);
	ck_assert_uint_eq(c->msg_max, msg_max);
	ck_assert_uint_eq(c->queue_depth, queue_depth);
	ck_assert_uint_eq(c->max_waiters, max_waiters);
	sysfs_str(c->index, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "one");
	ck_assert_uint_eq(sysfs_ull(c->index, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(c->index, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(c->index, "queued"), 0);
	ck_assert_uint_eq(sysfs_ull(c->index, "seq"), 0);
	ck_assert_uint_eq(sysfs_ull(c->index, "generation"), 0);
	ck_assert_uint_eq(sysfs_ull(c->index, "msg_max"), msg_max);
	ck_assert_uint_eq(sysfs_ull(c->index, "queue_depth"), queue_depth);
	ck_assert_uint_eq(sysfs_ull(c->index, "max_waiters"), max_waiters);

	fd = chan_open(c->index, O_RDWR);
	info = get_info(fd);
	ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
	ck_assert_uint_eq(info.index, c->index);
	ck_assert_uint_eq(info.id, c->id);
	ck_assert_uint_eq(info.msg_max, msg_max);
	ck_assert_uint_eq(info.mode, CIPC_MODE_ONE);
	ck_assert_uint_eq(info.flags, 0);
	ck_assert_uint_eq(info.count, 0);
	ck_assert_uint_eq(info.waiters, 0);
	ck_assert_uint_eq(info.queued, 0);
	ck_assert_uint_eq(info.queue_depth, queue_depth);
	ck_assert_uint_eq(info.max_waiters, max_waiters);
	ck_assert_uint_eq(info.generation, 0);
	ck_assert_uint_eq(info.seq, 0);
	ck_assert_uint_eq(info.msg_len, 0);
	st = get_stats(fd);
	ck_assert_msg(memcmp(&st, &zero, sizeof(st)) == 0,
		      "cipc%u: stats not zero after CIPC_CTL_ADD", c->index);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_done(fd), 1);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	close(fd);
}

/* The same with the module's queue_depth and max_waiters. */
static void expect_fresh_channel(const struct cipc_ctl_channel *c,
				 uint32_t msg_max)
{
	expect_fresh_channel_ex(c, msg_max, param_queue_depth(),
				param_max_waiters());
}

START_TEST(test_ctl_info)
{
	static const int modes[] = { O_RDONLY, O_WRONLY, O_RDWR };
	struct cipc_ctl_channel c;
	struct cipc_ctl_info info;
	unsigned int n = param_channels();
	int fd;

	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		fd = ctl_open(modes[m]);
		info = get_ctl_info(fd);
		ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
		ck_assert_uint_eq(info.channels, n);
		ck_assert_uint_eq(info.channels, count_numbered("/dev", "cipc"));
		ck_assert_uint_eq(info.channels,
				  count_numbered(CIPC_CLASS_DIR, "cipc"));
		ck_assert_uint_eq(info.max_channels, param_max_channels());
		ck_assert_uint_eq(info.msg_max, param_msg_max());
		ck_assert_uint_eq(info.queue_depth, param_queue_depth());
		ck_assert_uint_eq(info.max_waiters, param_max_waiters());
		for (unsigned int r = 0; r < 5; r++)
			ck_assert_msg(info.reserved[r] == 0,
				      "control info.reserved[%u] not zeroed", r);
		close(fd);
	}
	ck_assert_uint_ge(param_max_channels(), 1);
	ck_assert_uint_le(param_max_channels(), 1024);

	/* It follows adds and removes. */
	fd = ctl_open(O_RDONLY);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(get_ctl_info(fd).channels, n + 1);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), n + 1);
	chan_remove(c.index);
	ck_assert_uint_eq(get_ctl_info(fd).channels, n);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), n);
	close(fd);
}
END_TEST

/* The control device is a misc device: sysfs agrees with the node. */
START_TEST(test_ctl_node)
{
	unsigned int maj, min;
	struct stat sb;
	char buf[64];
	int err;

	ck_assert_msg(stat(CIPC_CONTROL_PATH, &sb) == 0, "stat(%s): %s",
		      CIPC_CONTROL_PATH, errname(errno));
	ck_assert_msg(S_ISCHR(sb.st_mode), "%s is not a char device",
		      CIPC_CONTROL_PATH);
	err = read_file_str(CIPC_MISC_SYSFS "/dev", buf, sizeof(buf));
	ck_assert_msg(err == 0, CIPC_MISC_SYSFS "/dev: %s", errname(-err));
	ck_assert_msg(sscanf(buf, "%u:%u", &maj, &min) == 2 &&
		      major(sb.st_rdev) == maj && minor(sb.st_rdev) == min,
		      "%s is %u:%u, sysfs says %s", CIPC_CONTROL_PATH,
		      major(sb.st_rdev), minor(sb.st_rdev), buf);
	ck_assert_uint_eq(maj, 10);	/* MISC_MAJOR */
}
END_TEST

START_TEST(test_add_lowest_free)
{
	unsigned int base = lowest_free(), msg_max = param_msg_max();
	unsigned int max = param_max_channels();
	struct cipc_ctl_channel a, b, again;

	if (base + 2 > max) {
		fprintf(stderr, "note: %s skipped: no 2 free indexes\n",
			__func__);
		return;
	}
	ck_assert_uint_eq(base, param_channels());
	a = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(a.index, base);
	expect_fresh_channel(&a, msg_max);
	b = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(b.index, base + 1);
	expect_fresh_channel(&b, msg_max);
	ck_assert_uint_eq(ctl_channels(), base + 2);

	/* A hole below the highest channel is filled first. */
	chan_remove(a.index);
	expect_chan_gone(a.index);
	again = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(again.index, base);
	ck_assert_uint_eq(again.id, a.id + max);
	expect_fresh_channel(&again, msg_max);

	chan_remove(again.index);
	chan_remove(b.index);
	expect_chan_gone(base);
	expect_chan_gone(base + 1);
	ck_assert_uint_eq(ctl_channels(), base);
}
END_TEST

START_TEST(test_add_at_index)
{
	unsigned int base = lowest_free(), max = param_max_channels();
	unsigned int msg_max = param_msg_max();
	struct cipc_ctl_channel top, mid, any;
	unsigned int want_mid = base + 5;

	if (want_mid >= max - 1) {
		fprintf(stderr, "note: %s skipped: max_channels %u too small\n",
			__func__, max);
		return;
	}
	top = chan_add(max - 1, 0);
	expect_fresh_channel(&top, msg_max);
	mid = chan_add(want_mid, 0);
	expect_fresh_channel(&mid, msg_max);
	ck_assert_uint_eq(ctl_channels(), base + 2);
	/* The indexes in between stay free, the lowest first. */
	expect_chan_gone(base);
	expect_chan_gone(want_mid - 1);
	any = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(any.index, base);
	chan_remove(any.index);
	chan_remove(mid.index);
	chan_remove(top.index);
	expect_chan_gone(max - 1);
	expect_chan_gone(want_mid);
	ck_assert_uint_eq(ctl_channels(), base);
}
END_TEST

START_TEST(test_add_eexist)
{
	unsigned int base = lowest_free();
	struct cipc_ctl_channel c, added;
	struct chan_snap before, after;
	int ctl = ctl_open(O_RDWR), fd0 = chan_open(0, O_RDWR);

	ck_ok(ioc_complete(fd0, NULL, 0));
	before = snap_take(fd0);
	memset(&c, 0, sizeof(c));
	c.flags = CIPC_ADD_INDEX;
	c.index = 0;
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), EEXIST);
	after = snap_take(fd0);
	snap_expect_same(&before, &after, "CIPC_CTL_ADD at taken index 0");
	ck_assert_uint_eq(get_info(fd0).id, before.info.id);

	added = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(added.index, base);
	memset(&c, 0, sizeof(c));
	c.flags = CIPC_ADD_INDEX;
	c.index = added.index;
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), EEXIST);
	ck_assert_uint_eq(sysfs_id(added.index), added.id);
	chan_remove(added.index);
	close(fd0);
	close(ctl);
}
END_TEST

struct bad_add {
	const char *what;
	struct cipc_ctl_channel c;
};

START_TEST(test_add_einval)
{
	unsigned int base = lowest_free(), max = param_max_channels();
	const struct bad_add bad[] = {
		{ "unknown flag 0x4", { .flags = 0x4 } },
		{ "unknown flag 0x80000000", { .flags = 0x80000000U } },
		{ "all flags", { .flags = ~0U } },
		{ "CIPC_REMOVE_ID on ADD", { .flags = CIPC_REMOVE_ID } },
		{ "CIPC_ADD_INDEX | 0x4",
		  { .flags = CIPC_ADD_INDEX | 0x4, .index = base } },
		{ "index without CIPC_ADD_INDEX", { .index = base } },
		{ "index 1 without CIPC_ADD_INDEX", { .index = 1 } },
		{ "id 1", { .id = 1 } },
		{ "id = index", { .id = base } },
		{ "id with CIPC_ADD_INDEX",
		  { .flags = CIPC_ADD_INDEX, .index = base, .id = base } },
		{ "pad", { .pad = 1 } },
		{ "reserved[0]", { .reserved = { 1, 0 } } },
		{ "reserved[1]", { .reserved = { 0, 1ULL << 63 } } },
		{ "msg_max 4097", { .msg_max = CIPC_MSG_MAX_LIMIT + 1 } },
		{ "msg_max 0xffffffff", { .msg_max = ~0U } },
		{ "queue_depth 1025",
		  { .queue_depth = CIPC_QUEUE_DEPTH_LIMIT + 1 } },
		{ "queue_depth 0xffffffff", { .queue_depth = ~0U } },
		{ "max_waiters 65537",
		  { .max_waiters = CIPC_MAX_WAITERS_LIMIT + 1 } },
		{ "max_waiters 0xffffffff", { .max_waiters = ~0U } },
		{ "queue_depth 1025 at a taken index",
		  { .flags = CIPC_ADD_INDEX, .index = 0,
		    .queue_depth = CIPC_QUEUE_DEPTH_LIMIT + 1 } },
		/* EINVAL before EEXIST and ENOSPC. */
		{ "msg_max 4097 at a taken index",
		  { .flags = CIPC_ADD_INDEX, .index = 0,
		    .msg_max = CIPC_MSG_MAX_LIMIT + 1 } },
		{ "pad at index max_channels",
		  { .flags = CIPC_ADD_INDEX, .index = max, .pad = 1 } },
	};
	int ctl = ctl_open(O_RDWR);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cipc_ctl_channel c = bad[i].c;
		struct set_snap before = set_take();
		long r;

		errno = 0;
		r = ioc_ctl_add(ctl, &c);
		ck_assert_msg(r == -1 && errno == EINVAL,
			      "CIPC_CTL_ADD with %s: expected EINVAL, got %ld "
			      "(%s)", bad[i].what, r,
			      r == -1 ? errname(errno) : "-");
		set_expect_same(&before, bad[i].what);
	}
	close(ctl);
}
END_TEST

/* A channel's own msg_max, and the module's when 0 is asked for. */
START_TEST(test_add_msg_max)
{
	static const uint32_t sizes[] = { 16, 1, CIPC_MSG_MAX_LIMIT, 0 };
	char *buf = calloc(1, CIPC_MSG_MAX_LIMIT + 2);

	ck_assert_ptr_nonnull(buf);
	memset(buf, 'm', CIPC_MSG_MAX_LIMIT + 1);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t want = sizes[i] ? sizes[i] : param_msg_max();
		struct cipc_ctl_channel c = chan_add(CHAN_ANY, sizes[i]);
		int fd, fd0;

		expect_fresh_channel(&c, want);
		fd = chan_open(c.index, O_RDWR);
		ck_assert_int_eq(ck_ok(write(fd, buf, want)), want);
		ck_fails(write(fd, buf, want + 1), EMSGSIZE);
		ck_fails(ioc_complete(fd, buf, want + 1), EMSGSIZE);
		ck_fails(ioc_complete_all(fd, buf, want + 1), EMSGSIZE);
		ck_assert_uint_eq(get_done(fd), 1);
		ck_assert_uint_eq(get_info(fd).msg_len, want);
		ck_assert_int_eq(ck_ok(read(fd, buf, CIPC_MSG_MAX_LIMIT + 1)),
				 want);
		/* The other channels keep the module's msg_max. */
		fd0 = chan_open(0, O_RDONLY);
		ck_assert_uint_eq(get_info(fd0).msg_max, param_msg_max());
		close(fd0);
		close(fd);
		chan_remove(c.index);
		memset(buf, 'm', CIPC_MSG_MAX_LIMIT + 1);
	}
	free(buf);
}
END_TEST

/*
 * A channel's own queue_depth and max_waiters, the module's for 0, the
 * value used written back; the queue of a channel added with queue_depth
 * 1 holds one message (EAGAIN for the second), and its other channels
 * keep the module's values.
 */
START_TEST(test_add_queue_depth_max_waiters)
{
	static const uint32_t depths[] = { 1, 3, CIPC_QUEUE_DEPTH_LIMIT, 0 };
	static const uint32_t waiters[] = { 1, 2, CIPC_MAX_WAITERS_LIMIT, 0 };

	for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
		uint32_t qd = depths[i] ? depths[i] : param_queue_depth();
		uint32_t mw = waiters[i] ? waiters[i] : param_max_waiters();
		struct cipc_ctl_channel c = chan_add_ex(CHAN_ANY, 0, depths[i],
							waiters[i]);
		struct cipc_info info;
		int fd, fd0;

		expect_fresh_channel_ex(&c, param_msg_max(), qd, mw);
		fd = chan_open(c.index, O_RDWR);
		for (uint32_t k = 0; k < qd; k++)
			ck_ok(ioc_complete(fd, "q", 1));
		ck_fails(ioc_complete(fd, "q", 1), EAGAIN);
		info = get_info(fd);
		ck_assert_uint_eq(info.queued, qd);
		ck_assert_uint_eq(info.count, qd);
		ck_assert_uint_eq(get_stats(fd).full, 1);
		fd0 = chan_open(0, O_RDONLY);
		info = get_info(fd0);
		ck_assert_uint_eq(info.queue_depth, param_queue_depth());
		ck_assert_uint_eq(info.max_waiters, param_max_waiters());
		close(fd0);
		close(fd);
		chan_remove(c.index);
	}
}
END_TEST

START_TEST(test_ctl_efault)
{
	int ctl = ctl_open(O_RDWR);
	void *ro;

	for (int k = 0; k < BAD_PTR_KINDS; k++) {
		void *p = bad_ptr(k);

		EXPECT_CTL_REJECTED(ioctl(ctl, CIPC_CTL_ADD, p), EFAULT);
		EXPECT_CTL_REJECTED(ioctl(ctl, CIPC_CTL_REMOVE, p), EFAULT);
		EXPECT_CTL_REJECTED(ioctl(ctl, CIPC_CTL_INFO, p), EFAULT);
	}
	/*
	 * A valid request that cannot be written back: checked first, so
	 * EFAULT and no channel added.
	 */
	ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_msg(ro != MAP_FAILED, "mmap: %s", errname(errno));
	EXPECT_CTL_REJECTED(ioctl(ctl, CIPC_CTL_ADD, ro), EFAULT);
	EXPECT_CTL_REJECTED(ioctl(ctl, CIPC_CTL_INFO, ro), EFAULT);
	munmap(ro, 4096);
	close(ctl);
}
END_TEST

/* Control ioctls on a channel: ENOTTY, and nothing added or removed. */
START_TEST(test_enotty_on_channel)
{
	struct cipc_ctl_channel added = chan_add(CHAN_ANY, 0);
	struct cipc_ctl_channel c;
	struct cipc_ctl_info info;
	struct chan_snap before, after;
	int fd = chan_open(0, O_RDWR);

	before = snap_take(fd);
	memset(&c, 0, sizeof(c));
	EXPECT_CTL_REJECTED(ioctl(fd, CIPC_CTL_ADD, &c), ENOTTY);
	memset(&c, 0, sizeof(c));
	c.index = added.index;
	EXPECT_CTL_REJECTED(ioctl(fd, CIPC_CTL_REMOVE, &c), ENOTTY);
	c.index = 0;
	EXPECT_CTL_REJECTED(ioctl(fd, CIPC_CTL_REMOVE, &c), ENOTTY);
	EXPECT_CTL_REJECTED(ioctl(fd, CIPC_CTL_INFO, &info), ENOTTY);
	after = snap_take(fd);
	snap_expect_same(&before, &after, "control ioctls on cipc0");
	expect_chan_present(added.index);
	close(fd);
	chan_remove(added.index);
}
END_TEST

/* Channel ioctls on the control device: ENOTTY. */
START_TEST(test_enotty_on_control)
{
	const struct {
		const char *name;
		unsigned long cmd;
	} cmds[] = {
		{ "CIPC_IOC_INFO", CIPC_IOC_INFO },
		{ "CIPC_IOC_COMPLETE", CIPC_IOC_COMPLETE },
		{ "CIPC_IOC_COMPLETE_ALL", CIPC_IOC_COMPLETE_ALL },
		{ "CIPC_IOC_REINIT", CIPC_IOC_REINIT },
		{ "CIPC_IOC_WAIT", CIPC_IOC_WAIT },
		{ "CIPC_IOC_TRYWAIT", CIPC_IOC_TRYWAIT },
		{ "retired 0x06", _IOR(CIPC_IOC_MAGIC, 0x06, __u32) },
		{ "CIPC_IOC_GET_MODE", CIPC_IOC_GET_MODE },
		{ "CIPC_IOC_SET_MODE", CIPC_IOC_SET_MODE },
		{ "CIPC_IOC_GET_STATS", CIPC_IOC_GET_STATS },
		{ "CIPC_IOC_RESET_STATS", CIPC_IOC_RESET_STATS },
		/* Control numbers with another size or direction. */
		{ "_IOWR(0x40, cipc_info)",
		  _IOWR(CIPC_IOC_MAGIC, 0x40, struct cipc_info) },
		{ "_IOR(0x41, control_channel)",
		  _IOR(CIPC_IOC_MAGIC, 0x41, struct cipc_ctl_channel) },
		{ "_IO(0x42)", _IO(CIPC_IOC_MAGIC, 0x42) },
		{ "_IO(0x43)", _IO(CIPC_IOC_MAGIC, 0x43) },
		{ "_IOWR(0x3f, control_channel)",
		  _IOWR(CIPC_IOC_MAGIC, 0x3f, struct cipc_ctl_channel) },
	};
	/* Big enough and zeroed: valid-looking for every command. */
	uint64_t arg[32];
	int ctl = ctl_open(O_RDWR);

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct set_snap before = set_take();
		long r;

		memset(arg, 0, sizeof(arg));
		errno = 0;
		r = ioctl(ctl, cmds[i].cmd, arg);
		ck_assert_msg(r == -1 && errno == ENOTTY,
			      "%s on %s: expected ENOTTY, got %ld (%s)",
			      cmds[i].name, CIPC_CONTROL_PATH, r,
			      r == -1 ? errname(errno) : "-");
		set_expect_same(&before, cmds[i].name);
	}
	close(ctl);
}
END_TEST

/*
 * Changing the set of channels needs a control file opened for writing,
 * as signalling a channel does (EBADF, after the privilege check).
 */
START_TEST(test_add_remove_need_write)
{
	struct cipc_ctl_channel added = chan_add(CHAN_ANY, 0), c;
	int ctl = ctl_open(O_RDONLY);

	memset(&c, 0, sizeof(c));
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), EBADF);
	c.index = added.index;
	EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), EBADF);
	ck_assert_uint_eq(get_ctl_info(ctl).channels, param_channels() + 1);
	close(ctl);
	ctl = ctl_open(O_WRONLY);
	ck_ok(ioc_ctl_remove(ctl, &c));
	expect_chan_gone(added.index);
	close(ctl);
}
END_TEST

START_TEST(test_remove_enoent)
{
	unsigned int base = lowest_free(), max = param_max_channels();
	const uint32_t idx[] = { base, max - 1, max, max + 1, 1024, ~0U };
	int ctl = ctl_open(O_RDWR);

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		struct cipc_ctl_channel c = { .index = idx[i] };

		char dir[64];

		snprintf(dir, sizeof(dir), CIPC_CLASS_DIR "/cipc%u", idx[i]);
		if (path_exists(dir))
			continue;	/* taken (max_channels is small) */
		EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), ENOENT);
		c.flags = CIPC_REMOVE_ID;
		c.id = idx[i];
		EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), ENOENT);
	}
	close(ctl);
}
END_TEST

START_TEST(test_remove_einval)
{
	struct cipc_ctl_channel added = chan_add(CHAN_ANY, 0);
	unsigned int base = lowest_free(), x = added.index;
	const struct bad_add bad[] = {
		{ "CIPC_ADD_INDEX on REMOVE",
		  { .index = x, .flags = CIPC_ADD_INDEX } },
		{ "unknown flag 0x4", { .index = x, .flags = 0x4 } },
		{ "unknown flag 0x80000000",
		  { .index = x, .flags = 0x80000000U } },
		{ "CIPC_REMOVE_ID | 0x4", { .index = x, .id = added.id,
		  .flags = CIPC_REMOVE_ID | 0x4 } },
		{ "msg_max", { .index = x, .msg_max = 1 } },
		{ "queue_depth", { .index = x, .queue_depth = 1 } },
		{ "max_waiters", { .index = x, .max_waiters = 1 } },
		{ "pad", { .index = x, .pad = 1 } },
		{ "reserved[0]", { .index = x, .reserved = { 1, 0 } } },
		{ "reserved[1]", { .index = x, .reserved = { 0, 1 } } },
		{ "the right id without CIPC_REMOVE_ID",
		  { .index = x, .id = added.id } },
		/* EINVAL before ENOENT. */
		{ "pad at a free index", { .index = base, .pad = 1 } },
		{ "flag 0x4 at index ~0", { .index = ~0U, .flags = 0x4 } },
	};
	int ctl = ctl_open(O_RDWR);

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cipc_ctl_channel c = bad[i].c;
		struct set_snap before = set_take();
		long r;

		errno = 0;
		r = ioc_ctl_remove(ctl, &c);
		ck_assert_msg(r == -1 && errno == EINVAL,
			      "CIPC_CTL_REMOVE with %s: expected EINVAL, got "
			      "%ld (%s)", bad[i].what, r,
			      r == -1 ? errname(errno) : "-");
		set_expect_same(&before, bad[i].what);
	}
	expect_chan_present(x);
	ck_assert_uint_eq(sysfs_id(x), added.id);
	close(ctl);
	chan_remove(x);
}
END_TEST

/* id = seq * max_channels + index, seq + 1 at each removal of the slot. */
START_TEST(test_id_formula)
{
	unsigned int max = param_max_channels();
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0), next;
	unsigned int x = c.index;
	int fd0 = chan_open(0, O_RDONLY);
	uint64_t id0 = get_info(fd0).id;
	char name[32];

	ck_assert_uint_eq(id0 % max, 0);
	ck_assert_uint_eq(c.id % max, x);
	for (int round = 0; round < 8; round++) {
		int fd;

		snprintf(name, sizeof(name), "round %d", round);
		chan_remove(x);
		/* Alternately at the index and at the lowest free one. */
		next = chan_add(round % 2 ? CHAN_ANY : (long)x, 0);
		ck_assert_uint_eq(next.index, x);
		ck_assert_msg(next.id == c.id + max, "%s: re-added cipc%u has "
			      "id %llu, expected %llu + %u", name, x,
			      (unsigned long long)next.id,
			      (unsigned long long)c.id, max);
		ck_assert_uint_eq(sysfs_id(x), next.id);
		fd = chan_open(x, O_RDONLY);
		ck_assert_uint_eq(get_info(fd).id, next.id);
		close(fd);
		c = next;
	}
	/* Other slots are not affected. */
	ck_assert_uint_eq(get_info(fd0).id, id0);
	ck_assert_uint_eq(sysfs_id(0), id0);
	close(fd0);
	chan_remove(x);
}
END_TEST

START_TEST(test_remove_id)
{
	unsigned int max = param_max_channels();
	struct cipc_ctl_channel first = chan_add(CHAN_ANY, 0), second;
	struct cipc_ctl_channel c;
	unsigned int x = first.index;
	int ctl = ctl_open(O_RDWR), fd;

	/* A wrong id: ESTALE, the channel stays. */
	memset(&c, 0, sizeof(c));
	c.index = x;
	c.flags = CIPC_REMOVE_ID;
	c.id = first.id + max;
	EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), ESTALE);

	chan_remove(x);
	second = chan_add(x, 0);
	ck_assert_uint_eq(second.id, first.id + max);

	/* The old id: ESTALE, the new channel stays and works. */
	memset(&c, 0, sizeof(c));
	c.index = x;
	c.flags = CIPC_REMOVE_ID;
	c.id = first.id;
	EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), ESTALE);
	expect_chan_present(x);
	fd = chan_open(x, O_RDWR);
	ck_assert_uint_eq(get_info(fd).id, second.id);
	ck_ok(ioc_complete(fd, NULL, 0));
	close(fd);

	/* The current id: removed. */
	memset(&c, 0, sizeof(c));
	c.index = x;
	c.flags = CIPC_REMOVE_ID;
	c.id = second.id;
	ck_ok(ioc_ctl_remove(ctl, &c));
	expect_chan_gone(x);
	/* Again: nothing there any more. */
	EXPECT_CTL_REJECTED(ioc_ctl_remove(ctl, &c), ENOENT);
	close(ctl);
}
END_TEST

/* No user: the node, sysfs and the count go before the ioctl returns. */
START_TEST(test_remove_unused_immediate)
{
	unsigned int n = ctl_channels();
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
	int ctl = ctl_open(O_RDWR);

	ck_assert_uint_eq(get_ctl_info(ctl).channels, n + 1);
	chan_remove(c.index);
	expect_chan_gone(c.index);
	ck_assert_uint_eq(get_ctl_info(ctl).channels, n);
	ck_fails(chan_open_raw(c.index, O_RDWR), ENOENT);
	close(ctl);
}
END_TEST

START_TEST(test_enospc_index)
{
	unsigned int max = param_max_channels();
	const uint32_t idx[] = { max, max + 1, 1024, 0x7fffffffU, ~0U };
	int ctl = ctl_open(O_RDWR);

	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		struct cipc_ctl_channel c = {
			.index = idx[i], .flags = CIPC_ADD_INDEX,
		};

		EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), ENOSPC);
	}
	close(ctl);
}
END_TEST

/* Up to max_channels channels, then ENOSPC; removing one frees a place. */
START_TEST(test_enospc_full)
{
	unsigned int max = param_max_channels(), n = ctl_channels();
	struct cipc_ctl_channel c;
	int ctl = ctl_open(O_RDWR);
	uint64_t t0 = now_ms();

	for (unsigned int i = n; i < max; i++) {
		struct cipc_ctl_channel a = chan_add(CHAN_ANY, 0);

		ck_assert_uint_eq(a.index, i);
		ck_assert_uint_eq(a.id % max, i);
	}
	ck_assert_uint_eq(get_ctl_info(ctl).channels, max);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), max);
	memset(&c, 0, sizeof(c));
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), ENOSPC);
	memset(&c, 0, sizeof(c));
	c.flags = CIPC_ADD_INDEX;
	c.index = max;
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), ENOSPC);
	/* Full, but the index is taken: EEXIST. */
	c.index = max - 1;
	EXPECT_CTL_REJECTED(ioc_ctl_add(ctl, &c), EEXIST);

	if (max > n + 1) {
		chan_remove(max - 2);
		c = chan_add(CHAN_ANY, 0);
		ck_assert_uint_eq(c.index, max - 2);
	}
	for (unsigned int i = max; i-- > n;)
		chan_remove(i);
	ck_assert_uint_eq(get_ctl_info(ctl).channels, n);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), n);
	fprintf(stderr, "note: %u channels added and removed in %llu ms\n",
		max - n, (unsigned long long)(now_ms() - t0));
	close(ctl);
}
END_TEST

/* ---- removal under load ---------------------------------------------- */

/*
 * A process that loops on one fd of a channel until an operation fails,
 * then reports what failed, how, and how many operations passed.
 */
enum busy_kind {
	BUSY_QUIET,	/* REINIT, SET_MODE, GET_MODE, INFO, GET_STATS: no wake */
	BUSY_SIGNAL,	/* COMPLETE, write, COMPLETE_ALL, REINIT */
	BUSY_REWAIT,	/* CIPC_IOC_WAIT 20 ms, read after a complete */
};

struct busy_res {
	int32_t err;		/* errno of the failing operation */
	int32_t op;		/* which one (index in the loop) */
	uint64_t ok;		/* operations that passed before */
	uint64_t t_end_ns;
};

struct busy {
	pid_t pid;
	int res_fd;
	int ready_fd;
};

static void busy_child(unsigned int chan, enum busy_kind kind, int res_fd,
		       int ready_fd)
{
	struct busy_res res = { 0 };
	struct cipc_info info;
	struct cipc_wait w;
	uint32_t v;
	char buf[16];
	int fd = chan_open_raw(chan, O_RDWR), r = 0;

	if (fd < 0) {
		res.err = errno;
		res.op = -1;
		goto out;
	}
	for (;;) {
		for (int op = 0; op < 5; op++) {
			switch (kind) {
			case BUSY_QUIET:
				if (op == 0)
					r = ioc_reinit(fd);
				else if (op == 1)
					r = ioc_set_mode(fd, CIPC_MODE_ONE);
				else if (op == 2)
					r = ioc_get_mode(fd, &v);
				else if (op == 3)
					r = ioc_info(fd, &info);
				else
					r = ioc_get_stats(fd,
						&(struct cipc_stats){ 0 });
				break;
			case BUSY_SIGNAL:
				if (op == 0)
					r = ioc_complete(fd, "s", 1);
				else if (op == 1)
					r = write(fd, "w", 1) == 1 ? 0 : -1;
				else if (op == 2)
					r = ioc_complete_all(fd, NULL, 0);
				else if (op == 3)
					r = ioc_reinit(fd);
				else
					r = ioc_complete(fd, NULL, 0);
				break;
			case BUSY_REWAIT:
				if (op % 2 == 0) {
					r = ioc_wait(fd, 20 * NS_PER_MS, buf,
						     sizeof(buf), &w);
					if (r < 0 && errno == ETIMEDOUT)
						r = 0;
				} else {
					r = (int)read(fd, buf, sizeof(buf));
				}
				break;
			}
			if (r < 0) {
				res.err = errno;
				res.op = op;
				goto out;
			}
			if (res.ok++ == 0 && write(ready_fd, "r", 1) != 1)
				_exit(124);
		}
	}
out:
	res.t_end_ns = now_ns();
	_exit(write_all(res_fd, &res, sizeof(res)) == 0 ? 0 : 125);
}

static void busy_start(struct busy *b, unsigned int chan, enum busy_kind kind)
{
	int res[2], ready[2];
	pid_t parent = getpid();

	ck_ok(pipe2(res, O_CLOEXEC));
	ck_ok(pipe2(ready, O_CLOEXEC));
	b->pid = fork();
	ck_assert_msg(b->pid >= 0, "fork: %s", errname(errno));
	if (b->pid == 0) {
		child_init(parent);
		close(res[0]);
		close(ready[0]);
		busy_child(chan, kind, res[1], ready[1]);
	}
	close(res[1]);
	close(ready[1]);
	b->res_fd = res[0];
	b->ready_fd = ready[0];
}

/* Wait until the busy process has done at least one operation. */
static void busy_expect_running(struct busy *b)
{
	struct pollfd p = { .fd = b->ready_fd, .events = POLLIN };
	char c;

	ck_assert_msg(poll(&p, 1, SETTLE_MS) == 1 &&
		      read(b->ready_fd, &c, 1) == 1,
		      "busy process %d never got going", (int)b->pid);
}

/* Its report, within timeout_ms; it must have ended normally. */
static struct busy_res busy_result(struct busy *b, unsigned int timeout_ms)
{
	struct pollfd p = { .fd = b->res_fd, .events = POLLIN };
	struct busy_res res;
	int status;

	ck_assert_msg(poll(&p, 1, (int)timeout_ms) == 1,
		      "busy process %d still running %u ms after the channel "
		      "was removed", (int)b->pid, timeout_ms);
	ck_assert_msg(read(b->res_fd, &res, sizeof(res)) == sizeof(res),
		      "busy process %d died without a report", (int)b->pid);
	status = reap_pid(b->pid, SETTLE_MS);
	b->pid = 0;
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "busy process ended with status %#x",
		      (unsigned int)status);
	ck_assert_msg(res.op >= 0, "busy process could not open the channel: "
		      "%s", errname(res.err));
	return res;
}

static void busy_end(struct busy *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		reap_pid(b->pid, SETTLE_MS);
		b->pid = 0;
	}
	close(b->res_fd);
	close(b->ready_fd);
}

/* A child blocked in poll(POLLIN) on the channel; reports revents. */
struct poller {
	pid_t pid;
	int res_fd;
};

struct poller_res {
	int32_t ret;
	int32_t err;
	int32_t revents;
	int32_t pad;
	uint64_t t_end_ns;
};

static void poller_start(struct poller *p, unsigned int chan)
{
	pid_t parent = getpid();
	int res[2];

	ck_ok(pipe2(res, O_CLOEXEC));
	p->pid = fork();
	ck_assert_msg(p->pid >= 0, "fork: %s", errname(errno));
	if (p->pid == 0) {
		struct poller_res r = { 0 };
		struct pollfd pfd = { .events = POLLIN };

		child_init(parent);
		close(res[0]);
		pfd.fd = chan_open_raw(chan, O_RDONLY);
		if (pfd.fd < 0) {
			r.ret = -2;
			r.err = errno;
		} else {
			r.ret = poll(&pfd, 1, -1);
			r.err = r.ret < 0 ? errno : 0;
			r.revents = pfd.revents;
		}
		r.t_end_ns = now_ns();
		_exit(write_all(res[1], &r, sizeof(r)) == 0 ? 0 : 125);
	}
	close(res[1]);
	p->res_fd = res[0];
}

/*
 * Every operation on fd, a file of a removed channel, fails with ENODEV.
 * Signalling through a file not opened for writing may fail with EBADF
 * instead (the open mode is checked first): can_write false accepts both.
 */
static void expect_all_enodev(int fd, bool can_write, const char *what)
{
	struct cipc_info info;
	struct cipc_stats st;
	struct cipc_wait w;
	uint32_t v = CIPC_MODE_ONE;
	char buf[16];
	int ret;

#define ENODEV_CALL(call) do {						\
	errno = 0;							\
	ret = (int)(call);						\
	ck_assert_msg(ret == -1 && errno == ENODEV, "%s: %s gave %d (%s), "\
		      "expected ENODEV", what, #call, ret,		\
		      ret == -1 ? errname(errno) : "-");			\
} while (0)
#define WRITE_CALL(call) do {						\
	if (can_write) {						\
		ENODEV_CALL(call);					\
		break;							\
	}								\
	errno = 0;							\
	ret = (int)(call);						\
	ck_assert_msg(ret == -1 && (errno == ENODEV || errno == EBADF),	\
		      "%s: %s gave %d (%s), expected ENODEV or EBADF",	\
		      what, #call, ret, ret == -1 ? errname(errno) : "-");	\
} while (0)
	ENODEV_CALL(read(fd, buf, sizeof(buf)));
	WRITE_CALL(write(fd, "x", 1));
	WRITE_CALL(write(fd, "", 0));
	ENODEV_CALL(ioctl(fd, CIPC_IOC_INFO, &info));
	WRITE_CALL(ioc_complete(fd, NULL, 0));
	WRITE_CALL(ioc_complete(fd, "m", 1));
	WRITE_CALL(ioc_complete_all(fd, NULL, 0));
	WRITE_CALL(ioc_reinit(fd));
	ENODEV_CALL(ioc_wait(fd, 0, NULL, 0, NULL));
	ENODEV_CALL(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, NULL, 0, NULL));
	ENODEV_CALL(ioc_wait(fd, 10 * NS_PER_MS, buf, sizeof(buf), &w));
	ENODEV_CALL(ioc_trywait(fd, NULL, 0, NULL));
	ENODEV_CALL(ioctl(fd, CIPC_IOC_GET_MODE, &v));
	v = CIPC_MODE_ALL;
	WRITE_CALL(ioctl(fd, CIPC_IOC_SET_MODE, &v));
	ENODEV_CALL(ioctl(fd, CIPC_IOC_GET_STATS, &st));
	ENODEV_CALL(ioc_reset_stats(fd));
#undef WRITE_CALL
#undef ENODEV_CALL
}

static void expect_poll_hup(int fd, const char *what)
{
	struct pollfd p = { .fd = fd, .events = POLLIN | POLLOUT };
	struct epoll_event ev = { .events = EPOLLIN }, got;
	uint64_t t0 = now_ms();
	int r, ep;

	r = poll(&p, 1, RELEASE_MS);
	ck_assert_msg(r == 1 && now_ms() - t0 < RELEASE_MS,
		      "%s: poll gave %d after %llu ms", what, r,
		      (unsigned long long)(now_ms() - t0));
	ck_assert_msg((p.revents & (POLLERR | POLLHUP)) == (POLLERR | POLLHUP),
		      "%s: poll revents %#x, expected POLLERR|POLLHUP", what,
		      (unsigned int)p.revents);
	ep = ck_ok(epoll_create1(EPOLL_CLOEXEC));
	ev.data.fd = fd;
	ck_ok(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	r = epoll_wait(ep, &got, 1, RELEASE_MS);
	ck_assert_msg(r == 1 && (got.events & (EPOLLERR | EPOLLHUP)) ==
				(EPOLLERR | EPOLLHUP),
		      "%s: epoll_wait gave %d, events %#x", what, r,
		      r == 1 ? got.events : 0);
	close(ep);
}

/*
 * Remove a channel while waiters of every kind are blocked on it, a poller
 * sleeps in poll, another process works on it in a loop, and this process
 * holds open files: everyone gets ENODEV at once, the node is gone, and a
 * new channel at the same index is independent of the old files.
 */
START_TEST(test_remove_under_load)
{
	unsigned int max = param_max_channels();
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0), c2;
	unsigned int x = c.index;
	const struct waiter_req reqs[] = {
		{ .chan = x, .op = WOP_READ },
		{ .chan = x, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER },
		{ .chan = x, .op = WOP_WAIT, .timeout_ns = 60000 * NS_PER_MS },
		{ .chan = x, .op = WOP_READ, .sig = WSIG_RESTART },
		{ .chan = x, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
		  .sig = WSIG_HANDLER },
	};
	enum { NW = sizeof(reqs) / sizeof(reqs[0]) };
	struct waiter w[NW];
	struct poller pl;
	struct poller_res pr;
	struct busy busy;
	struct busy_res br;
	struct pollfd pp;
	int fd = chan_open(x, O_RDWR);
	int nbfd = chan_open(x, O_RDONLY | O_NONBLOCK);
	int wrfd = chan_open(x, O_WRONLY);
	int fd2;
	uint64_t t0, t1;
	char path[64];

	for (int i = 0; i < NW; i++)
		waiter_start_blocked(&w[i], &reqs[i], fd, (uint32_t)i + 1);
	poller_start(&pl, x);
	ck_assert_msg(proc_settled_state(pl.pid, SETTLE_MS) == 'S',
		      "the poller does not sleep");
	busy_start(&busy, x, BUSY_QUIET);
	busy_expect_running(&busy);

	/* Still blocked (the busy process wakes no one). */
	for (int i = 0; i < NW; i++)
		waiter_expect_blocked(&w[i], i == 0 ? BLOCKED_MS : 0);
	pp = (struct pollfd){ .fd = pl.res_fd, .events = POLLIN };
	ck_assert_msg(poll(&pp, 1, 0) == 0, "the poller returned early");
	ck_assert_uint_eq(get_waiters(fd), NW);

	t0 = now_ns();
	chan_remove(x);
	t1 = now_ns();
	/* The node and the directory went with the ioctl. */
	expect_chan_gone(x);
	snprintf(path, sizeof(path), CIPC_DEV_FMT, x);
	fd2 = open(path, O_RDWR | O_CLOEXEC);
	ck_assert_msg(fd2 < 0 && (errno == ENOENT || errno == ENXIO),
		      "open(%s) after removal: %d (%s)", path, fd2,
		      fd2 < 0 ? errname(errno) : "-");

	for (int i = 0; i < NW; i++) {
		const struct waiter_res *r = waiter_result(&w[i], RELEASE_MS);

		ck_assert_msg(r->ret == -1 && r->err == ENODEV,
			      "waiter %d (op %d): ret %lld (%s), expected "
			      "ENODEV", i, reqs[i].op, (long long)r->ret,
			      errname(r->err));
		ck_assert_msg(r->t_start_ns < t0 && r->t_end_ns >= t0,
			      "waiter %d was not blocked until the removal", i);
		ck_assert_msg(r->t_end_ns < t1 + RELEASE_MS * NS_PER_MS,
			      "waiter %d released %llu ms after the removal", i,
			      (unsigned long long)((r->t_end_ns - t1) /
						   NS_PER_MS));
	}
	pp = (struct pollfd){ .fd = pl.res_fd, .events = POLLIN };
	ck_assert_msg(poll(&pp, 1, RELEASE_MS) == 1 &&
		      read(pl.res_fd, &pr, sizeof(pr)) == sizeof(pr),
		      "the poller was not woken by the removal");
	ck_assert_msg(pr.ret == 1 && (pr.revents & (POLLERR | POLLHUP)) ==
				      (POLLERR | POLLHUP),
		      "the poller: poll gave %d (%s), revents %#x", pr.ret,
		      errname(pr.err), (unsigned int)pr.revents);
	ck_assert_msg(pr.t_end_ns >= t0, "the poller returned before removal");
	reap_pid(pl.pid, SETTLE_MS);
	close(pl.res_fd);

	br = busy_result(&busy, RELEASE_MS);
	ck_assert_msg(br.err == ENODEV, "the busy process stopped on %s "
		      "(op %d), expected ENODEV", errname(br.err), br.op);
	ck_assert_msg(br.ok > 0, "the busy process did nothing");
	busy_end(&busy);

	/* Every operation on the old files: ENODEV. */
	expect_all_enodev(fd, true, "O_RDWR fd of the removed channel");
	expect_all_enodev(nbfd, false,
			  "O_RDONLY|O_NONBLOCK fd of the removed channel");
	ck_fails(write(wrfd, "x", 1), ENODEV);
	ck_fails(ioc_complete_all(wrfd, NULL, 0), ENODEV);
	expect_poll_hup(fd, "removed channel");

	/* A new channel at the same index, the old files still open. */
	c2 = chan_add(x, 0);
	ck_assert_uint_eq(c2.id, c.id + max);
	fd2 = chan_open(x, O_RDWR);
	{
		struct chan_snap before = snap_take(fd2), after;

		expect_all_enodev(fd, true,
				  "old fd after re-adding the index");
		expect_all_enodev(nbfd, false,
				  "old O_NONBLOCK fd after re-adding");
		ck_fails(write(wrfd, "x", 1), ENODEV);
		after = snap_take(fd2);
		snap_expect_same(&before, &after,
				 "operations on the old channel's fds");
	}
	ck_assert_uint_eq(get_info(fd2).id, c2.id);
	ck_assert_uint_eq(get_info(fd2).generation, 0);
	ck_ok(ioc_complete(fd2, "new", 3));
	expect_message(fd2, "new", 3);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), ENODEV);
	for (int i = 0; i < NW; i++)
		waiter_end(&w[i]);
	close(fd);
	close(nbfd);
	close(wrfd);
	/* The new channel survives the old files' last close. */
	ck_assert_uint_eq(get_info(fd2).id, c2.id);
	ck_ok(ioc_complete_all(fd2, NULL, 0));
	ck_assert_uint_eq(get_done(fd2), DONE_ALL);
	close(fd2);
	chan_remove(x);
}
END_TEST

/*
 * Removal while processes signal and wait in a loop on the channel: each
 * stops on ENODEV, soon, without crashing.
 */
START_TEST(test_remove_while_signalling)
{
	enum { NSIG_P = 2, NWAIT_P = 3 };
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
	struct busy sig[NSIG_P], wt[NWAIT_P];
	uint64_t t1, wt_ok = 0;

	for (int i = 0; i < NWAIT_P; i++)
		busy_start(&wt[i], c.index, BUSY_REWAIT);
	for (int i = 0; i < NSIG_P; i++)
		busy_start(&sig[i], c.index, BUSY_SIGNAL);
	for (int i = 0; i < NSIG_P; i++)
		busy_expect_running(&sig[i]);
	for (int i = 0; i < NWAIT_P; i++)
		busy_expect_running(&wt[i]);
	sleep_ms(200);	/* let them run */
	chan_remove(c.index);
	t1 = now_ns();
	expect_chan_gone(c.index);
	for (int i = 0; i < NSIG_P + NWAIT_P; i++) {
		struct busy *b = i < NSIG_P ? &sig[i] : &wt[i - NSIG_P];
		struct busy_res r = busy_result(b, RELEASE_MS);

		ck_assert_msg(r.err == ENODEV, "%s %d stopped on %s (op %d), "
			      "expected ENODEV",
			      i < NSIG_P ? "signaller" : "waiter", i,
			      errname(r.err), r.op);
		ck_assert_msg(r.t_end_ns < t1 + RELEASE_MS * NS_PER_MS,
			      "process %d stopped %llu ms after the removal",
			      i, (unsigned long long)((r.t_end_ns - t1) /
						      NS_PER_MS));
		ck_assert_msg(r.ok > 0, "process %d did nothing", i);
		if (i >= NSIG_P)
			wt_ok += r.ok;
		busy_end(b);
	}
	ck_assert_msg(wt_ok > NWAIT_P, "the waiters were never released");
}
END_TEST

/* ---- stress ---------------------------------------------------------- */

enum stress_kind { ST_OPENER, ST_WAITER, ST_SIGNALLER, ST_KINDS };

struct stress_res {
	uint64_t opens;		/* successful opens */
	uint64_t gone;		/* opens refused: no channel */
	uint64_t ok;		/* operations that passed */
	uint64_t enodev;	/* operations refused: removed */
	int32_t bad_err;	/* first unexpected errno, 0 if none */
	int32_t bad_what;	/* 1 open, 2 operation, 3 id, 4 index */
	uint64_t bad_val;
};

static bool stop_requested(int stop_fd)
{
	struct pollfd p = { .fd = stop_fd, .events = POLLIN };

	return poll(&p, 1, 0) != 0;
}

static void stress_child(unsigned int x, enum stress_kind kind, int res_fd,
			 int stop_fd)
{
	unsigned int max = param_max_channels();
	struct stress_res res = { 0 };
	uint64_t last_id = 0;
	unsigned int n = 0;

	while (!stop_requested(stop_fd) && !res.bad_err) {
		int fd = chan_open_raw(x, kind == ST_WAITER ? O_RDONLY :
				       O_RDWR);

		if (fd < 0) {
			if (errno == ENOENT || errno == ENXIO ||
			    errno == ENODEV) {
				res.gone++;
				sched_yield();
				continue;
			}
			res.bad_err = errno;
			res.bad_what = 1;
			break;
		}
		res.opens++;
		/* Work on this file until its channel is removed. */
		while (!res.bad_err) {
			struct cipc_info info;
			char buf[8];
			int r = 0;

			n++;
			switch (kind) {
			case ST_OPENER:
				r = ioc_info(fd, &info);
				if (r == 0 && (info.index != x ||
					       info.id % max != x)) {
					res.bad_err = EINVAL;
					res.bad_what = 4;
					res.bad_val = info.id;
				} else if (r == 0 && info.id < last_id) {
					res.bad_err = EINVAL;
					res.bad_what = 3;
					res.bad_val = info.id;
				}
				if (r == 0)
					last_id = info.id;
				break;
			case ST_WAITER:
				if (n % 3 == 0) {
					r = (int)read(fd, buf, sizeof(buf));
				} else {
					r = ioc_wait(fd, n % 3 == 1 ?
						     CIPC_TIMEOUT_FOREVER :
						     5 * NS_PER_MS, buf,
						     sizeof(buf), NULL);
					if (r < 0 && errno == ETIMEDOUT)
						r = 0;
				}
				break;
			case ST_SIGNALLER:
				if (n % 4 == 0)
					r = ioc_complete_all(fd, NULL, 0);
				else if (n % 4 == 1)
					r = ioc_reinit(fd);
				else if (n % 4 == 2)
					/* EAGAIN: the queue is full (slow
					 * waiters), documented. */
					r = write(fd, "s", 1) == 1 ||
					    errno == EAGAIN ? 0 : -1;
				else
					r = ioc_complete(fd, NULL, 0);
				break;
			default:
				break;
			}
			if (r >= 0) {
				res.ok++;
				if (stop_requested(stop_fd))
					break;
				continue;
			}
			if (errno == ENODEV) {
				res.enodev++;
				break;
			}
			res.bad_err = errno;
			res.bad_what = 2;
		}
		close(fd);
	}
	_exit(write_all(res_fd, &res, sizeof(res)) == 0 ? 0 : 125);
}

/*
 * Add and remove a channel STRESS_ROUNDS times while processes open it,
 * wait on it and signal it: each sees only the documented errors, ids grow
 * by max_channels a round, and everything ends in time.
 */
START_TEST(test_stress_add_remove)
{
	static const enum stress_kind kinds[] = {
		ST_OPENER, ST_OPENER, ST_WAITER, ST_WAITER, ST_WAITER,
		ST_SIGNALLER, ST_SIGNALLER,
	};
	enum { NP = sizeof(kinds) / sizeof(kinds[0]) };
	static const char *const names[] = { "opener", "waiter", "signaller" };
	unsigned int max = param_max_channels(), x = lowest_free();
	unsigned int n = ctl_channels();
	pid_t pid[NP], parent = getpid();
	int res_fd[NP], stop[2];
	struct stress_res total[ST_KINDS];
	uint64_t first_id = 0, t0 = now_ms();
	unsigned int held = 0;

	ck_assert_uint_lt(x, max);
	memset(total, 0, sizeof(total));
	ck_ok(pipe2(stop, O_CLOEXEC));
	for (int i = 0; i < NP; i++) {
		int res[2];

		ck_ok(pipe2(res, O_CLOEXEC));
		pid[i] = fork();
		ck_assert_msg(pid[i] >= 0, "fork: %s", errname(errno));
		if (pid[i] == 0) {
			child_init(parent);
			close(res[0]);
			close(stop[1]);
			stress_child(x, kinds[i], res[1], stop[0]);
		}
		close(res[1]);
		res_fd[i] = res[0];
	}
	close(stop[0]);

	for (unsigned int r = 0; r < STRESS_ROUNDS; r++) {
		struct cipc_ctl_channel c = chan_add(x, 0);
		uint64_t deadline = now_ms() + 20;
		int fd;

		if (r == 0)
			first_id = c.id;
		ck_assert_msg(c.id == first_id + (uint64_t)r * max,
			      "round %u: id %llu, expected %llu", r,
			      (unsigned long long)c.id,
			      (unsigned long long)(first_id +
						   (uint64_t)r * max));
		/* Give the others a moment to find it, variably. */
		fd = chan_open(x, O_RDONLY);
		while (get_waiters(fd) < 1 + r % 3 && now_ms() < deadline)
			sleep_ms(1);
		if (get_waiters(fd) > 0)
			held++;
		if (r % 2)
			close(fd);
		chan_remove(x);
		if (r % 2 == 0) {
			ck_fails(ioc_info(fd, &(struct cipc_info){ 0 }),
				 ENODEV);
			close(fd);
		}
		ck_assert_msg(now_ms() - t0 < (RACE_TIMEOUT_S *
					       timeout_multiplier() - 30) *
					      1000ULL,
			      "only %u rounds in %llu ms", r,
			      (unsigned long long)(now_ms() - t0));
	}
	close(stop[1]);

	for (int i = 0; i < NP; i++) {
		struct pollfd p = { .fd = res_fd[i], .events = POLLIN };
		struct stress_res res;
		int status;

		ck_assert_msg(poll(&p, 1, RELEASE_MS) == 1,
			      "%s %d did not stop", names[kinds[i]], i);
		ck_assert_msg(read(res_fd[i], &res, sizeof(res)) == sizeof(res),
			      "%s %d died without a report", names[kinds[i]],
			      i);
		status = reap_pid(pid[i], SETTLE_MS);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			      "%s %d ended with status %#x", names[kinds[i]], i,
			      (unsigned int)status);
		ck_assert_msg(res.bad_err == 0, "%s %d: unexpected %s (what %d, "
			      "value %llu)", names[kinds[i]], i,
			      errname(res.bad_err), res.bad_what,
			      (unsigned long long)res.bad_val);
		total[kinds[i]].opens += res.opens;
		total[kinds[i]].gone += res.gone;
		total[kinds[i]].ok += res.ok;
		total[kinds[i]].enodev += res.enodev;
		close(res_fd[i]);
	}
	fprintf(stderr, "note: stress: %u rounds in %llu ms, waiters seen in "
		"%u; opens/gone/ok/enodev: opener %llu/%llu/%llu/%llu, "
		"waiter %llu/%llu/%llu/%llu, signaller %llu/%llu/%llu/%llu\n",
		STRESS_ROUNDS, (unsigned long long)(now_ms() - t0), held,
#define T(k) (unsigned long long)total[k].opens,			\
	(unsigned long long)total[k].gone, (unsigned long long)total[k].ok, \
	(unsigned long long)total[k].enodev
		T(ST_OPENER), T(ST_WAITER), T(ST_SIGNALLER));
#undef T
	/* The race was real: files of removed channels were in use. */
	for (int k = 0; k < ST_KINDS; k++)
		ck_assert_msg(total[k].opens > 0 && total[k].ok > 0,
			      "the %ss never got to work", names[k]);
	ck_assert_msg(total[ST_WAITER].enodev > 0,
		      "no waiter ever saw a removal");
	expect_chan_gone(x);
	ck_assert_uint_eq(ctl_channels(), n);
}
END_TEST

Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = ctl_tcase("control", TEST_TIMEOUT_S);
	TCase *load = ctl_tcase("control_load", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_ctl_info);
	tcase_add_test(tc, test_ctl_node);
	tcase_add_test(tc, test_add_lowest_free);
	tcase_add_test(tc, test_add_at_index);
	tcase_add_test(tc, test_add_eexist);
	tcase_add_test(tc, test_add_einval);
	tcase_add_test(tc, test_add_msg_max);
	tcase_add_test(tc, test_add_queue_depth_max_waiters);
	tcase_add_test(tc, test_ctl_efault);
	tcase_add_test(tc, test_enotty_on_channel);
	tcase_add_test(tc, test_enotty_on_control);
	tcase_add_test(tc, test_add_remove_need_write);
	tcase_add_test(tc, test_remove_enoent);
	tcase_add_test(tc, test_remove_einval);
	tcase_add_test(tc, test_id_formula);
	tcase_add_test(tc, test_remove_id);
	tcase_add_test(tc, test_remove_unused_immediate);
	tcase_add_test(tc, test_enospc_index);
	tcase_add_test(tc, test_remove_under_load);
	tcase_add_test(tc, test_remove_while_signalling);
	suite_add_tcase(s, tc);
	tcase_add_test(load, test_enospc_full);
	tcase_add_test(load, test_stress_add_remove);
	suite_add_tcase(s, load);
	return s;
}
