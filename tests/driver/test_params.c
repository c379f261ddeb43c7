// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "params": module parameters. Runs last: it unloads and reloads the
 * cipc module (delete_module/finit_module on $CIPC_KO), then restores it
 * with the parameters it found, so that the runner's final rmmod works.
 *
 *  - channels (0..max_channels, default 4), msg_max (1..4096, default 256),
 *    max_channels (1..1024, default 256), queue_depth (1..1024, default 16)
 *    and max_waiters (1..65536, default 256): out of range values make the
 *    load fail with EINVAL and log a kernel line with "cipc:" and the
 *    parameter's name;
 *  - channels=N creates exactly N /dev/cipc* nodes and /sys/class/cipc
 *    entries (none for 0: channels are then added at run time); a fresh
 *    channel is at generation 0, count 0, mode one, id = index;
 *  - msg_max and queue_depth are enforced, and with max_waiters they are
 *    the values of the channels of the load and of CIPC_CTL_INFO;
 *  - max_channels bounds the indexes (ENOSPC) and is the modulus of ids;
 *  - the module unloads with added, unused channels (all nodes go), and
 *    cannot while any file of it is open, even one of a removed channel.
 *
 * Needs root and CIPC_KO; without them every test fails (not skipped: the
 * runner is expected to provide both).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define MODULE_NAME	"cipc"
#define DEFAULT_CHANNELS	4
#define DEFAULT_MSG_MAX		256
#define DEFAULT_MAX_CHANNELS	256
#define DEFAULT_QUEUE_DEPTH	16
#define DEFAULT_MAX_WAITERS	256
/* Loading/unloading 256 channels under TCG with udev can take a while. */
#define MODULE_SETTLE_MS	15000

/*
 * The module's state before the suite ran. Set by the unchecked setup, in
 * the runner process, before the test processes are forked from it: the
 * only state shared across this suite's tests, as Check forces it.
 */
static struct {
	bool recorded;
	bool loaded;
	unsigned int channels;
	unsigned int msg_max;
	unsigned int max_channels;
	unsigned int queue_depth;
	unsigned int max_waiters;
} orig;

/* Wait until /dev and /sys/class/cipc show exactly n channels. */
static bool nodes_settle(unsigned int n)
{
	return nodes_settle_within(n, MODULE_SETTLE_MS, count_numbered);
}

/* Channels 0..n-1 exist (the count was checked). */
static bool channels_are_first(unsigned int n)
{
	char path[64];

	for (unsigned int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), CIPC_DEV_FMT, i);
		if (access(path, F_OK) != 0)
			return false;
	}
	return true;
}

/* Bring the module back as the suite found it: 0 or -errno. */
static int module_restore(void)
{
	char params[160];
	unsigned int ch, mm, mc, qd, mw;

	if (!orig.recorded)
		return 0;
	/* Same parameters and only the channels of the load: nothing to do. */
	if (orig.loaded == module_loaded() &&
	    (!orig.loaded || (param_value("channels", &ch) &&
			      param_value("msg_max", &mm) &&
			      param_value("max_channels", &mc) &&
			      param_value("queue_depth", &qd) &&
			      param_value("max_waiters", &mw) &&
			      ch == orig.channels && mm == orig.msg_max &&
			      mc == orig.max_channels &&
			      qd == orig.queue_depth &&
			      mw == orig.max_waiters &&
			      count_numbered("/dev", "cipc") == ch &&
			      channels_are_first(ch))))
		return 0;
	snprintf(params, sizeof(params), "channels=%u msg_max=%u "
		 "max_channels=%u queue_depth=%u max_waiters=%u",
		 orig.channels, orig.msg_max, orig.max_channels,
		 orig.queue_depth, orig.max_waiters);
	return module_reload(orig.loaded ? params : NULL, orig.channels,
			     MODULE_SETTLE_MS, count_numbered);
}

static void params_record(void)
{
	orig.loaded = module_loaded();
	orig.recorded = !orig.loaded ||
			(param_value("channels", &orig.channels) &&
			 param_value("msg_max", &orig.msg_max) &&
			 param_value("max_channels", &orig.max_channels) &&
			 param_value("queue_depth", &orig.queue_depth) &&
			 param_value("max_waiters", &orig.max_waiters));
	if (!orig.recorded)
		fprintf(stderr, "params: cannot read the module's parameters; "
			"the module will not be reloaded\n");
}

static void params_restore(void)
{
	int err = module_restore();

	if (err)
		fprintf(stderr, "params: RESTORING THE CIPC MODULE FAILED: %s "
			"(channels=%u msg_max=%u max_channels=%u queue_depth=%u "
			"max_waiters=%u)\n", errname(-err), orig.channels,
			orig.msg_max, orig.max_channels, orig.queue_depth,
			orig.max_waiters);
}

static void params_prerequisites(void)
{
	const char *ko = getenv("CIPC_KO");

	ck_assert_msg(geteuid() == 0, "the params suite must run as root");
	ck_assert_msg(ko && *ko, "CIPC_KO is not set: the params suite needs "
		      "the path of the cipc.ko that was loaded");
	ck_assert_msg(access(ko, R_OK) == 0, "CIPC_KO=%s: %s", ko,
		      errname(errno));
	ck_assert_msg(orig.recorded, "the module's parameters could not be "
		      "read at the start of the suite");
}

/* Reload with params; check the parameters and the nodes. */
static void load_ok(const char *params, unsigned int channels,
		    unsigned int msg_max, unsigned int max_channels)
{
	int ctl;
	int err;

	err = module_unload(MODULE_SETTLE_MS);
	ck_assert_msg(err == 0, "unloading cipc: %s", errname(-err));
	err = module_load(params);
	ck_assert_msg(err == 0, "loading cipc with \"%s\": %s", params,
		      errname(-err));
	ck_assert_uint_eq(param_channels(), channels);
	ck_assert_uint_eq(param_msg_max(), msg_max);
	ck_assert_uint_eq(param_max_channels(), max_channels);
	ck_assert_msg(nodes_settle(channels), "\"%s\": %u /dev/cipc* nodes "
		      "and %u /sys/class/cipc entries, expected %u", params,
		      count_numbered("/dev", "cipc"),
		      count_numbered("/sys/class/cipc", "cipc"), channels);
	ctl = ctl_open(O_RDONLY);
	ck_assert_uint_eq(get_ctl_info(ctl).channels, channels);
	ck_assert_uint_eq(get_ctl_info(ctl).max_channels, max_channels);
	ck_assert_uint_eq(get_ctl_info(ctl).msg_max, msg_max);
	close(ctl);
}

/* load_ok() that also checks queue_depth and max_waiters everywhere. */
static void load_ok_limits(const char *params, unsigned int queue_depth,
			   unsigned int max_waiters)
{
	int ctl;

	load_ok(params, DEFAULT_CHANNELS, DEFAULT_MSG_MAX,
		DEFAULT_MAX_CHANNELS);
	ck_assert_uint_eq(param_queue_depth(), queue_depth);
	ck_assert_uint_eq(param_max_waiters(), max_waiters);
	ctl = ctl_open(O_RDONLY);
	ck_assert_uint_eq(get_ctl_info(ctl).queue_depth, queue_depth);
	ck_assert_uint_eq(get_ctl_info(ctl).max_waiters, max_waiters);
	close(ctl);
	for (unsigned int i = 0; i < DEFAULT_CHANNELS; i++) {
		int fd = chan_open(i, O_RDONLY);
		struct cipc_info info = get_info(fd);

		ck_assert_uint_eq(info.queue_depth, queue_depth);
		ck_assert_uint_eq(info.max_waiters, max_waiters);
		ck_assert_uint_eq(sysfs_ull(i, "queue_depth"), queue_depth);
		ck_assert_uint_eq(sysfs_ull(i, "max_waiters"), max_waiters);
		close(fd);
	}
}

/* /dev/kmsg positioned after the last record. */
static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "open(/dev/kmsg): %s", errname(errno));
	ck_assert_msg(lseek(fd, 0, SEEK_END) >= 0, "lseek(/dev/kmsg): %s",
		      errname(errno));
	return fd;
}

/* A kernel log record since kmsg_open_at_end() holding a and b. */
static bool kmsg_find(int fd, const char *a, const char *b, char *found,
		      size_t size)
{
	char rec[8192];

	for (;;) {
		ssize_t n = read(fd, rec, sizeof(rec) - 1);
		char *msg, *nl;

		if (n < 0 && (errno == EPIPE || errno == EINTR))
			continue;	/* overwritten records: go on */
		if (n <= 0)
			return false;	/* EAGAIN: no more records */
		rec[n] = '\0';
		/* "prio,seq,time,flags;message\n KEY=value..." */
		msg = strchr(rec, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		if (strstr(msg, a) && strstr(msg, b)) {
			snprintf(found, size, "%s", msg);
			return true;
		}
	}
}

/* A load with params must fail with EINVAL and say why in the log. */
static void load_rejected(const char *params, const char *name)
{
	char line[512];
	int err, kmsg;

	err = module_unload(MODULE_SETTLE_MS);
	ck_assert_msg(err == 0, "unloading cipc: %s", errname(-err));
	kmsg = kmsg_open_at_end();
	err = module_load(params);
	ck_assert_msg(err == -EINVAL, "loading cipc with \"%s\" gave %s, "
		      "expected EINVAL", params,
		      err ? errname(-err) : "success");
	ck_assert_msg(!module_loaded(), "cipc is loaded after a failed load");
	ck_assert_msg(nodes_settle(0), "cipc nodes left after a failed load");
	ck_assert_msg(kmsg_find(kmsg, "cipc:", name, line, sizeof(line)),
		      "no kernel log line with \"cipc:\" and \"%s\" after "
		      "loading with \"%s\"", name, params);
	close(kmsg);
}

START_TEST(test_reject_channels_above_max)
{
	load_rejected("channels=7 max_channels=6", "channels");
}
END_TEST

START_TEST(test_reject_max_channels_0)
{
	load_rejected("max_channels=0", "max_channels");
}
END_TEST

START_TEST(test_reject_max_channels_1025)
{
	load_rejected("max_channels=1025", "max_channels");
}
END_TEST

START_TEST(test_reject_max_channels_negative)
{
	load_rejected("max_channels=-1", "max_channels");
}
END_TEST

START_TEST(test_reject_channels_257)
{
	load_rejected("channels=257", "channels");
}
END_TEST

START_TEST(test_reject_channels_negative)
{
	load_rejected("channels=-1", "channels");
}
END_TEST

START_TEST(test_reject_msg_max_0)
{
	load_rejected("msg_max=0", "msg_max");
}
END_TEST

START_TEST(test_reject_msg_max_4097)
{
	load_rejected("msg_max=4097", "msg_max");
}
END_TEST

START_TEST(test_reject_queue_depth_0)
{
	load_rejected("queue_depth=0", "queue_depth");
}
END_TEST

START_TEST(test_reject_queue_depth_1025)
{
	load_rejected("queue_depth=1025", "queue_depth");
}
END_TEST

START_TEST(test_reject_queue_depth_negative)
{
	load_rejected("queue_depth=-1", "queue_depth");
}
END_TEST

START_TEST(test_reject_max_waiters_0)
{
	load_rejected("max_waiters=0", "max_waiters");
}
END_TEST

START_TEST(test_reject_max_waiters_65537)
{
	load_rejected("max_waiters=65537", "max_waiters");
}
END_TEST

/* No parameters: 4 fresh channels of 256 bytes. */
START_TEST(test_defaults)
{
	load_ok_limits("", DEFAULT_QUEUE_DEPTH, DEFAULT_MAX_WAITERS);
	for (unsigned int i = 0; i < DEFAULT_CHANNELS; i++) {
		int fd = chan_open(i, O_RDONLY);
		struct cipc_info info = get_info(fd);
		struct cipc_stats s = get_stats(fd);
		const struct cipc_stats zero = { 0 };
		char buf[16];

		ck_assert_uint_eq(info.abi_version, CIPC_ABI_VERSION);
		ck_assert_uint_eq(info.index, i);
		ck_assert_uint_eq(info.msg_max, DEFAULT_MSG_MAX);
		ck_assert_uint_eq(info.generation, 0);
		ck_assert_uint_eq(info.count, 0);
		ck_assert_uint_eq(info.flags, 0);
		ck_assert_uint_eq(info.mode, CIPC_MODE_ONE);
		ck_assert_uint_eq(info.waiters, 0);
		ck_assert_uint_eq(info.queued, 0);
		ck_assert_uint_eq(info.seq, 0);
		ck_assert_uint_eq(info.msg_len, 0);
		/* seq 0 at load: id = index. */
		ck_assert_uint_eq(info.id, i);
		ck_assert_uint_eq(sysfs_ull(i, "id"), i);
		ck_assert_msg(memcmp(&s, &zero, sizeof(s)) == 0,
			      "cipc%u: stats not zero after loading", i);
		ck_assert_uint_eq(sysfs_ull(i, "generation"), 0);
		ck_assert_uint_eq(sysfs_ull(i, "count"), 0);
		ck_assert_uint_eq(sysfs_ull(i, "all"), 0);
		ck_assert_uint_eq(sysfs_ull(i, "seq"), 0);
		sysfs_str(i, "mode", buf, sizeof(buf));
		ck_assert_str_eq(buf, "one");
		close(fd);
	}
}
END_TEST

START_TEST(test_channels_1)
{
	int fd;

	load_ok("channels=1", 1, DEFAULT_MSG_MAX, DEFAULT_MAX_CHANNELS);
	ck_assert_int_eq(access("/dev/cipc0", F_OK), 0);
	ck_assert_int_eq(access("/dev/cipc1", F_OK), -1);
	fd = chan_open(0, O_RDWR);
	ck_assert_uint_eq(get_info(fd).index, 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	close(fd);
}
END_TEST

START_TEST(test_channels_7)
{
	load_ok("channels=7", 7, DEFAULT_MSG_MAX, DEFAULT_MAX_CHANNELS);
	for (unsigned int i = 0; i < 7; i++) {
		int fd = chan_open(i, O_RDONLY);

		ck_assert_uint_eq(get_info(fd).index, i);
		ck_assert_uint_eq(get_info(fd).generation, 0);
		close(fd);
	}
	ck_assert_int_eq(access("/dev/cipc7", F_OK), -1);
}
END_TEST

/* The largest values are accepted and work. */
START_TEST(test_upper_bounds)
{
	char *big = malloc(CIPC_MSG_MAX_LIMIT + 1);
	int fd;

	ck_assert_ptr_nonnull(big);
	load_ok("channels=256 msg_max=4096", 256, CIPC_MSG_MAX_LIMIT,
		DEFAULT_MAX_CHANNELS);
	fd = chan_open(255, O_RDWR);
	ck_assert_uint_eq(get_info(fd).index, 255);
	ck_assert_uint_eq(get_info(fd).msg_max, CIPC_MSG_MAX_LIMIT);
	memset(big, 'M', CIPC_MSG_MAX_LIMIT + 1);
	ck_assert_int_eq(ck_ok(write(fd, big, CIPC_MSG_MAX_LIMIT)),
			 CIPC_MSG_MAX_LIMIT);
	ck_fails(write(fd, big, CIPC_MSG_MAX_LIMIT + 1), EMSGSIZE);
	ck_assert_int_eq(ck_ok(read(fd, big, CIPC_MSG_MAX_LIMIT + 1)),
			 CIPC_MSG_MAX_LIMIT);
	close(fd);
	free(big);
}
END_TEST

/* The smallest msg_max is accepted and enforced. */
START_TEST(test_msg_max_1)
{
	char buf[4];
	int fd;

	load_ok("msg_max=1", DEFAULT_CHANNELS, 1, DEFAULT_MAX_CHANNELS);
	fd = chan_open(0, O_RDWR);
	ck_assert_uint_eq(get_info(fd).msg_max, 1);
	ck_assert_int_eq(ck_ok(write(fd, "a", 1)), 1);
	ck_fails(write(fd, "ab", 2), EMSGSIZE);
	ck_fails(ioc_complete(fd, "ab", 2), EMSGSIZE);
	ck_assert_int_eq(ck_ok(read(fd, buf, sizeof(buf))), 1);
	ck_assert_int_eq(buf[0], 'a');
	close(fd);
}
END_TEST

/*
 * The smallest queue_depth and max_waiters: one message queued, the next
 * with a message refused (EAGAIN) while one without still counts; one
 * blocked waiter, the next refused at once (EUSERS); CIPC_CTL_ADD's 0 means
 * these values.
 */
START_TEST(test_queue_depth_1_max_waiters_1)
{
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct cipc_ctl_channel c;
	struct waiter w;
	uint64_t t0;
	int fd;

	load_ok_limits("queue_depth=1 max_waiters=1", 1, 1);
	fd = chan_open(0, O_RDWR);
	ck_ok(ioc_complete(fd, "a", 1));
	ck_fails(ioc_complete(fd, "b", 1), EAGAIN);
	ck_fails(write(fd, "b", 1), EAGAIN);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_uint_eq(get_info(fd).count, 2);
	ck_assert_uint_eq(get_info(fd).queued, 1);
	expect_message(fd, "a", 1);
	expect_no_message(fd);

	waiter_start_blocked(&w, &req, fd, 1);
	t0 = now_ms();
	ck_fails(ioc_wait(fd, CIPC_TIMEOUT_FOREVER, NULL, 0, NULL), EUSERS);
	ck_assert_uint_lt(now_ms() - t0, 1000);
	/* Not blocking, so not refused. */
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert_uint_eq(get_stats(fd).refused, 1);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 0);
	waiter_end(&w);
	close(fd);

	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.queue_depth, 1);
	ck_assert_uint_eq(c.max_waiters, 1);
	chan_remove(c.index);
}
END_TEST

/* The largest queue_depth and max_waiters are accepted. */
START_TEST(test_queue_depth_max_waiters_upper)
{
	int fd;

	load_ok_limits("queue_depth=1024 max_waiters=65536",
		       CIPC_QUEUE_DEPTH_LIMIT, CIPC_MAX_WAITERS_LIMIT);
	fd = chan_open(0, O_RDWR);
	for (unsigned int i = 0; i < CIPC_QUEUE_DEPTH_LIMIT; i++)
		ck_ok(ioc_complete(fd, "q", 1));
	ck_fails(ioc_complete(fd, "q", 1), EAGAIN);
	ck_assert_uint_eq(get_info(fd).queued, CIPC_QUEUE_DEPTH_LIMIT);
	close(fd);
}
END_TEST

/* Fails the test unless CIPC_CTL_ADD of c gives err and changes nothing. */
static void add_fails(struct cipc_ctl_channel c, int err,
		      unsigned int channels)
{
	int ctl = ctl_open(O_RDWR);
	long r;

	errno = 0;
	r = ioc_ctl_add(ctl, &c);
	ck_assert_msg(r == -1 && errno == err, "CIPC_CTL_ADD (flags %#x index "
		      "%u): got %ld (%s), expected %s", c.flags, c.index, r,
		      r == -1 ? errname(errno) : "-", errname(err));
	ck_assert_uint_eq(get_ctl_info(ctl).channels, channels);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), channels);
	close(ctl);
}

/* max_channels=6: indexes 0..5, then ENOSPC; ids modulo 6. */
START_TEST(test_max_channels_6)
{
	struct cipc_ctl_channel c;
	int fd;

	load_ok("max_channels=6 channels=4", 4, DEFAULT_MSG_MAX, 6);
	for (unsigned int i = 0; i < 4; i++)
		ck_assert_uint_eq(sysfs_ull(i, "id"), i);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.index, 4);
	ck_assert_uint_eq(c.id, 4);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.index, 5);
	ck_assert_uint_eq(c.id, 5);
	add_fails((struct cipc_ctl_channel){ 0 }, ENOSPC, 6);
	add_fails((struct cipc_ctl_channel){ .flags = CIPC_ADD_INDEX,
						 .index = 6 }, ENOSPC, 6);
	add_fails((struct cipc_ctl_channel){ .flags = CIPC_ADD_INDEX,
						 .index = 5 }, EEXIST, 6);

	/* Slot 4: seq 1, id 1 * 6 + 4; slot 0: ids 6, then 12. */
	chan_remove(4);
	add_fails((struct cipc_ctl_channel){ .flags = CIPC_ADD_INDEX,
						 .index = 6 }, ENOSPC, 5);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.index, 4);
	ck_assert_uint_eq(c.id, 10);
	ck_assert_uint_eq(sysfs_ull(4, "id"), 10);
	chan_remove(0);
	c = chan_add(0, 0);
	ck_assert_uint_eq(c.id, 6);
	chan_remove(0);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.index, 0);
	ck_assert_uint_eq(c.id, 12);
	fd = chan_open(0, O_RDONLY);
	ck_assert_uint_eq(get_info(fd).id, 12);
	close(fd);
	ck_assert_uint_eq(sysfs_ull(5, "id"), 5);
	add_fails((struct cipc_ctl_channel){ 0 }, ENOSPC, 6);
}
END_TEST

/* The largest max_channels: index 1023 exists, 1024 does not. */
START_TEST(test_max_channels_1024)
{
	struct cipc_ctl_channel c;
	int fd;

	load_ok("max_channels=1024", DEFAULT_CHANNELS, DEFAULT_MSG_MAX, 1024);
	c = chan_add(1023, 0);
	ck_assert_uint_eq(c.id, 1023);
	fd = chan_open(1023, O_RDWR);
	ck_assert_uint_eq(get_info(fd).index, 1023);
	ck_ok(ioc_complete(fd, NULL, 0));
	close(fd);
	add_fails((struct cipc_ctl_channel){ .flags = CIPC_ADD_INDEX,
						 .index = 1024 },
		  ENOSPC, DEFAULT_CHANNELS + 1);
	chan_remove(1023);
	c = chan_add(1023, 0);
	ck_assert_uint_eq(c.id, 1024 + 1023);
}
END_TEST

/* channels=0: no channel, the control device works, channels can come. */
START_TEST(test_channels_0)
{
	struct cipc_ctl_channel c;
	int fd;

	load_ok("channels=0", 0, DEFAULT_MSG_MAX, DEFAULT_MAX_CHANNELS);
	ck_assert_int_eq(access("/dev/cipc0", F_OK), -1);
	c = chan_add(CHAN_ANY, 0);
	ck_assert_uint_eq(c.index, 0);
	ck_assert_uint_eq(c.id, 0);
	fd = chan_open(0, O_RDWR);
	ck_ok(ioc_complete(fd, "zero", 4));
	expect_message(fd, "zero", 4);
	close(fd);
	ck_assert_uint_eq(ctl_channels(), 1);
}
END_TEST

/* Unloading with added, unused channels removes every node. */
START_TEST(test_unload_with_added_channels)
{
	static const long idx[] = { CHAN_ANY, 10, DEFAULT_MAX_CHANNELS - 1 };
	int err, fd;

	load_ok("", DEFAULT_CHANNELS, DEFAULT_MSG_MAX, DEFAULT_MAX_CHANNELS);
	for (size_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++)
		chan_add(idx[i], 0);
	/* Used, then removed and closed: nothing holds the module. */
	fd = chan_open(10, O_RDWR);
	ck_ok(ioc_complete(fd, NULL, 0));
	close(fd);
	chan_remove(0);
	ck_assert_uint_eq(count_numbered("/dev", "cipc"), DEFAULT_CHANNELS + 2);
	err = (int)syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
	ck_assert_msg(err == 0, "unloading cipc with unused added channels: "
		      "%s", errname(errno));
	ck_assert_msg(!module_loaded(), "cipc still loaded");
	ck_assert_msg(nodes_settle(0), "%u /dev/cipc* nodes after unloading",
		      count_numbered("/dev", "cipc"));
	ck_assert_msg(access(CIPC_CONTROL_PATH, F_OK) == -1 && errno == ENOENT,
		      CIPC_CONTROL_PATH " still exists after unloading");
}
END_TEST

/* delete_module(O_NONBLOCK) must be refused while fd is open. */
static void expect_unload_refused(const char *what)
{
	long r = syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);

	ck_assert_msg(r == -1 && (errno == EBUSY || errno == EAGAIN),
		      "unloading cipc with %s open: %ld (%s), expected EBUSY "
		      "or EAGAIN", what, r, r == -1 ? errname(errno) : "-");
	ck_assert_msg(module_loaded(), "cipc was unloaded with %s open", what);
}

START_TEST(test_unload_busy)
{
	struct cipc_ctl_channel c;
	int fd, err;

	load_ok("", DEFAULT_CHANNELS, DEFAULT_MSG_MAX, DEFAULT_MAX_CHANNELS);

	fd = chan_open(0, O_RDONLY);
	expect_unload_refused("a channel");
	ck_assert_uint_eq(get_info(fd).index, 0);
	close(fd);

	fd = ctl_open(O_RDONLY);
	expect_unload_refused("the control device");
	ck_assert_uint_eq(get_ctl_info(fd).channels, DEFAULT_CHANNELS);
	close(fd);

	/* A file of a removed channel holds the module too. */
	c = chan_add(CHAN_ANY, 0);
	fd = chan_open(c.index, O_RDWR);
	chan_remove(c.index);
	expect_unload_refused("a removed channel's file");
	ck_fails(ioc_complete(fd, NULL, 0), ENODEV);
	close(fd);

	err = module_unload(MODULE_SETTLE_MS);
	ck_assert_msg(err == 0, "unloading cipc once everything is closed: "
		      "%s", errname(-err));
	ck_assert_msg(nodes_settle(0), "nodes left after unloading");
}
END_TEST

/* Last: the module is back as the suite found it. */
START_TEST(test_restore_original)
{
	int err = module_restore();

	ck_assert_msg(err == 0, "restoring cipc (channels=%u msg_max=%u "
		      "max_channels=%u queue_depth=%u max_waiters=%u): %s",
		      orig.channels, orig.msg_max, orig.max_channels,
		      orig.queue_depth, orig.max_waiters, errname(-err));
	ck_assert_int_eq(module_loaded(), orig.loaded);
	if (orig.loaded) {
		ck_assert_uint_eq(param_channels(), orig.channels);
		ck_assert_uint_eq(param_msg_max(), orig.msg_max);
		ck_assert_uint_eq(param_max_channels(), orig.max_channels);
		ck_assert_uint_eq(param_queue_depth(), orig.queue_depth);
		ck_assert_uint_eq(param_max_waiters(), orig.max_waiters);
		ck_assert(nodes_settle(orig.channels));
	}
}
END_TEST

Suite *params_suite(void)
{
	Suite *s = suite_create("params");
	TCase *tc = tcase_create("params");

	/* Unchecked: run once in the runner process, even if tests fail. */
	tcase_add_unchecked_fixture(tc, params_record, params_restore);
	tcase_add_checked_fixture(tc, params_prerequisites, NULL);
	tcase_set_timeout(tc, PARAMS_TIMEOUT_S);
	tcase_add_test(tc, test_reject_channels_above_max);
	tcase_add_test(tc, test_reject_max_channels_0);
	tcase_add_test(tc, test_reject_max_channels_1025);
	tcase_add_test(tc, test_reject_max_channels_negative);
	tcase_add_test(tc, test_reject_channels_257);
	tcase_add_test(tc, test_reject_channels_negative);
	tcase_add_test(tc, test_reject_msg_max_0);
	tcase_add_test(tc, test_reject_msg_max_4097);
	tcase_add_test(tc, test_reject_queue_depth_0);
	tcase_add_test(tc, test_reject_queue_depth_1025);
	tcase_add_test(tc, test_reject_queue_depth_negative);
	tcase_add_test(tc, test_reject_max_waiters_0);
	tcase_add_test(tc, test_reject_max_waiters_65537);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_channels_1);
	tcase_add_test(tc, test_channels_7);
	tcase_add_test(tc, test_upper_bounds);
	tcase_add_test(tc, test_msg_max_1);
	tcase_add_test(tc, test_queue_depth_1_max_waiters_1);
	tcase_add_test(tc, test_queue_depth_max_waiters_upper);
	tcase_add_test(tc, test_max_channels_6);
	tcase_add_test(tc, test_max_channels_1024);
	tcase_add_test(tc, test_channels_0);
	tcase_add_test(tc, test_unload_with_added_channels);
	tcase_add_test(tc, test_unload_busy);
	tcase_add_test(tc, test_restore_original);
	suite_add_tcase(s, tc);
	return s;
}
