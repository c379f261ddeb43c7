/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of cipc-lib-tests (the VM suite of libcipc), shared by its test
 * files (test_lib_vm.c: the calls one by one and the control device;
 * test_lib_msg.c: the 1.0 semantics, messages, deadlines, the latch;
 * test_lib_msgctl.c: limits of new channels, the poll example): time, files and processes; the driver's own view of channel 0
 * through raw ioctls (the fixture's descriptor); waiter processes with a
 * handle of their own; the fixtures of both cases. Helpers assert with
 * Check, so they may only be called from a test or a fixture.
 */
#ifndef CIPC_LIB_TESTS_LIBVM_H
#define CIPC_LIB_TESTS_LIBVM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

/* <linux/cipc.h>, <cipc.h> and the library's hidden test hooks. */
#include "internal.h"

#include "libtest.h"
#include "vmutil.h"

/* Timing budget, generous enough for a slow emulated (TCG) guest. */
#define SETTLE_MS	5000	/* a state we poll for must be reached by then */
#define RELEASE_MS	3000	/* a released waiter must return by then */
#define BLOCKED_MS	200	/* "still blocked" is checked for this long */
#define NS_PER_MS	1000000LL
#define TEST_TIMEOUT_S	60

#define CHAN		0
#define NOBODY		65534
#define MSG_BUF_SIZE	(CIPC_MSG_MAX_LIMIT + 64)

#define CONTROL_DEV	"/dev/" CIPC_CONTROL_NAME

/* ---- time, files, processes ------------------------------------------ */

uint64_t now_ns(void);		/* CLOCK_MONOTONIC */
uint64_t now_ms(void);
int64_t clock_ns(clockid_t clk);	/* any clock, in nanoseconds */
void sleep_ms(unsigned int ms);
int write_all(int fd, const void *buf, size_t len);
unsigned long long read_ull(const char *path);
/* /sys/module/cipc/parameters/NAME */
unsigned int param(const char *name);

/*
 * Tests that send messages longer than msg_max allows pass with a note
 * (the module's default, 256, is enough for all of them).
 */
#define REQUIRE_MSG_MAX(n) do {						\
	if (param("msg_max") < (n)) {					\
		fprintf(stderr, "note: %s skipped: it needs msg_max >= %u\n",\
			__func__, (unsigned int)(n));			\
		return;							\
	}								\
} while (0)

/* /sys/class/cipc/cipc0/ATTR, and of any channel. */
void sysfs_str(const char *attr, char *buf, size_t size);
unsigned long long sysfs_ull(const char *attr);
unsigned long long chan_ull(unsigned int index, const char *attr);

bool wait_proc_state(pid_t pid, char st, unsigned int timeout_ms);
/*
 * First thing in every forked child: dies with the test process, default
 * signal dispositions, nothing blocked. Children end with _exit().
 */
void child_init(pid_t parent);
/* waitpid() with a deadline; fails the test on timeout. */
int reap(pid_t pid, unsigned int timeout_ms);
/* A page that faults. */
void *bad_page(void);

/* ---- the driver's view: raw ioctls on a descriptor of our own -------- */

int raw_open(unsigned int chan, int flags);
/* Channel 0, opened O_RDWR by the fixture of the case "driver". */
extern int raw;
struct cipc_info raw_info(void);
struct cipc_stats raw_stats(void);
uint32_t raw_count(void);
/* Poll until channel 0 shows n waiters; false after timeout_ms. */
bool wait_waiters(uint32_t n, unsigned int timeout_ms);
/* Poll until channel index shows n waiters in sysfs; false after ms. */
bool wait_chan_waiters(unsigned int index, uint32_t n,
		       unsigned int timeout_ms);

#define STATS_FIELDS(X)							\
	X(complete) X(complete_all) X(reinit) X(wait) X(woken)		\
	X(timeout) X(interrupted) X(again) X(bytes_in) X(bytes_out)	\
	X(full) X(discarded) X(refused)

/* The driver's counters (ioctl and sysfs) equal want, field by field. */
void expect_stats(const struct cipc_stats *want, const char *when);

/* The checked fixture of the case "driver": channel 0 clean, raw open. */
void chan_clean(void);
void setup(void);
void teardown(void);
/* Handles of channel 0 for the tests: they must open. */
struct cipc_channel *open_ch(int flags);

/* ---- waiter processes, each with its own handle ---------------------- */

enum wop {
	W_WAIT,			/* cipc_channel_wait(timeout_ns) */
	W_RECEIVE,		/* cipc_channel_receive(timeout_ns) */
	W_TRYWAIT,		/* cipc_channel_trywait() */
	W_RECEIVE_UNTIL,	/* cipc_channel_receive_until(clock, deadline) */
};
enum wsig { S_DEFAULT, S_HANDLER, S_RESTART };	/* for SIGUSR1 */

struct wreq {
	unsigned int index;	/* the channel: 0 (CHAN) unless set */
	enum wop op;
	int64_t timeout_ns;	/* W_WAIT, W_RECEIVE; W_RECEIVE_UNTIL: the
				   deadline on clock */
	clockid_t clock;	/* W_RECEIVE_UNTIL */
	size_t bufsize;		/* W_RECEIVE*; 0 = the whole buffer */
	enum wsig sig;
};

struct wres {
	int32_t stage;		/* 1 the handle did not open, 2 done */
	int32_t err;
	int64_t ret;
	struct cipc_msg_info mi;	/* W_RECEIVE*: what it got */
	uint64_t t_start_ns, t_end_ns;	/* CLOCK_MONOTONIC */
	int64_t t_end_clock_ns;	/* W_RECEIVE_UNTIL: clock after the call */
	char msg[MSG_BUF_SIZE];
};

struct waiter {
	pid_t pid;
	int res_fd;		/* result pipe */
	int sig_fd;		/* one byte per handled SIGUSR1 */
	size_t got;
	struct wres res;
};

#define WAIT_FOREVER	{ .op = W_WAIT, .timeout_ns = CIPC_TIMEOUT_INFINITE }

void waiter_start(struct waiter *w, const struct wreq *rq);
/* 1: the result is in w->res; 0: nothing yet; -1: it died without one. */
int waiter_poll(struct waiter *w, unsigned int timeout_ms);
/* The waiter's call must have returned within timeout_ms. */
const struct wres *waiter_result(struct waiter *w, unsigned int timeout_ms);
void waiter_expect_blocked(struct waiter *w, unsigned int ms);
/* Start a waiter and wait until it blocks (n waiters, state 'S'). */
void waiter_start_blocked(struct waiter *w, const struct wreq *rq,
			  uint32_t n);
bool waiter_saw_signal(struct waiter *w, unsigned int timeout_ms);
void waiter_end(struct waiter *w);

/* ---- the control device, for the case "control" ---------------------- */

/* cipc__control_open_path() must return NULL with errno err. */
#define ck_fails_ctl(call, err) do {					\
	errno = 0;							\
	struct cipc_control *ck_fc_r_ = (call);				\
	int ck_fc_e_ = errno;						\
	if (ck_fc_r_)							\
		cipc_control_close(ck_fc_r_);				\
	ck_assert_msg(!ck_fc_r_ && ck_fc_e_ == (err),			\
		      "%s: expected NULL with %s, got %s (errno %s)",	\
		      #call, errname(err), ck_fc_r_ ? "a handle" : "NULL",\
		      errname(ck_fc_e_));				\
} while (0)

bool chan_exists(unsigned int index);
uint64_t chan_id(unsigned int index);
/* The lowest index without a channel; max_channels if there is none. */
unsigned int free_index(void);
/* Open descriptors of this process (to prove that nothing leaked). */
int count_fds(void);
/* The flags (from fdinfo) of our one descriptor open on path, or -1. */
int fd_flags_of(const char *path);
int raw_ctl_open(void);
struct cipc_ctl_info raw_ctl_info(void);
/* The mode of the control node when the case started (tests change it). */
extern mode_t control_mode;
/* Fixtures of the case "control": back to the channels of the load. */
void control_record(void);
void control_fixture(void);
void control_cleanup(void);
struct cipc_control *open_ctl(void);
/* A new channel at the lowest free index; its index, its id in *id. */
unsigned int add_any(struct cipc_control *ctl, uint64_t *id);

/* The channels sysfs shows, ascending, into idx (at most max): count. */
size_t sysfs_channels(unsigned int *idx, size_t max);
/* cipc_list_channels() agrees with sysfs, with any size of array. */
void expect_list(void);

/* ---- the other test cases -------------------------------------------- */

TCase *lib_msg_tcase(void);		/* test_lib_msg.c; setup/teardown */
TCase *lib_msg_control_tcase(void);	/* test_lib_msgctl.c; control */

#endif /* CIPC_LIB_TESTS_LIBVM_H */
