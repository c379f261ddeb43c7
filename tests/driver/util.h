/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the cipc driver test suite (cipc-driver-tests). Those
 * the other VM suites also need (files, /proc, module reload) are in
 * tests/common/vmutil.h, included here.
 *
 * Conventions:
 *  - ioc_*()   thin wrappers around one ioctl; they return what ioctl(2)
 *              returns (0, or -1 with errno) and assert nothing;
 *  - get_*()   queries that must succeed; they fail the running test if
 *              the ioctl fails;
 *  - ck_ok(call), ck_fails(call, errno): assertion macros, so that the
 *              reported file:line is the caller's.
 *
 * Everything that blocks takes a deadline: a test never waits forever, a
 * broken driver turns into a failed assertion, not a hung suite.
 */
#ifndef CIPC_DRIVER_TESTS_UTIL_H
#define CIPC_DRIVER_TESTS_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <check.h>
#include <linux/cipc.h>

#include "vmutil.h"

/* Timing budget, generous enough for a slow emulated (TCG) guest. */
#define SETTLE_MS	5000	/* a state we poll for must be reached by then */
#define RELEASE_MS	3000	/* a blocked waiter must return by then */
#define BLOCKED_MS	100	/* "still blocked" is checked for this long */
#define FIFO_QUIET_MS	200	/* "the others are still blocked" window */
#define NS_PER_MS	1000000ULL

/* Per-test timeouts (seconds) given to tcase_set_timeout(). */
#define TEST_TIMEOUT_S		30
#define RACE_TIMEOUT_S		120
#define PARAMS_TIMEOUT_S	60

/* Bigger than any message the driver accepts. */
#define MSG_BUF_SIZE	(CIPC_MSG_MAX_LIMIT + 64)

/* ---- assertions ------------------------------------------------------ */

/* Name of an errno value ("EINVAL"), never NULL. */
const char *errname(int err);

/* The call must not return a negative value; yields its result. */
#define ck_ok(call) ({							\
	errno = 0;							\
	__typeof__(call) ck_ok_r_ = (call);				\
	int ck_ok_e_ = errno;						\
	ck_assert_msg(ck_ok_r_ >= 0, "%s failed: %s (%s)", #call,	\
		      errname(ck_ok_e_), strerror(ck_ok_e_));		\
	ck_ok_r_;							\
})

/* The call must return -1 with errno == err. */
#define ck_fails(call, err) do {					\
	errno = 0;							\
	long ck_f_r_ = (long)(call);					\
	int ck_f_e_ = errno;						\
	ck_assert_msg(ck_f_r_ == -1 && ck_f_e_ == (err),		\
		      "%s: expected -1 with %s, got %ld (errno %s)",	\
		      #call, errname(err), ck_f_r_,			\
		      ck_f_r_ == -1 ? errname(ck_f_e_) : "-");		\
} while (0)

/* ---- time ------------------------------------------------------------ */

uint64_t now_ns(void);			/* CLOCK_MONOTONIC */
uint64_t now_ms(void);
/*
 * CK_TIMEOUT_MULTIPLIER (Check scales the tcase timeouts by it; a slow
 * kernel, the debug one, sets it): a test's own guard against running
 * into its tcase timeout scales with it too. 1 when unset or invalid.
 */
unsigned int timeout_multiplier(void);
void sleep_ms(unsigned int ms);		/* only as a polling interval */

/* ---- module parameters and paths ------------------------------------- */

#define CIPC_DEV_FMT	"/dev/cipc%u"
#define CIPC_SYSFS_FMT	"/sys/class/cipc/cipc%u/%s"
#define CIPC_PARAM_DIR	"/sys/module/cipc/parameters"

/* /sys/module/cipc/parameters/{channels,msg_max,queue_depth,max_waiters};
 * fail the test if absent. */
unsigned int param_channels(void);
unsigned int param_msg_max(void);
unsigned int param_queue_depth(void);
unsigned int param_max_waiters(void);

/* open(/dev/cipcN): returns the fd or -1 with errno. */
int chan_open_raw(unsigned int chan, int flags);
/* open(/dev/cipcN) that must succeed (O_CLOEXEC is added). */
int chan_open(unsigned int chan, int flags);

/*
 * Entries of dir named prefix followed by digits only ("cipc12"); 0 if dir
 * does not exist.
 */
unsigned int count_numbered(const char *dir, const char *prefix);

/* ---- sysfs ----------------------------------------------------------- */

/* read_file_str(), write_file_str(): vmutil.h. */

/* /sys/class/cipc/cipcN/<attr> (attr may be "stats/wait"). */
void chan_sysfs_path(char *buf, size_t size, unsigned int chan,
		     const char *attr);
/* Read an attribute as a string / decimal that must parse. */
void sysfs_str(unsigned int chan, const char *attr, char *buf, size_t size);
unsigned long long sysfs_ull(unsigned int chan, const char *attr);
/* Write an attribute: 0 or -errno. */
int sysfs_write(unsigned int chan, const char *attr, const char *val);

/* ---- raw ioctls (0, or -1 with errno) -------------------------------- */

int ioc_info(int fd, struct cipc_info *info);
int ioc_get_mode(int fd, uint32_t *mode);
int ioc_set_mode(int fd, uint32_t mode);
int ioc_get_stats(int fd, struct cipc_stats *stats);
int ioc_reset_stats(int fd);
int ioc_reinit(int fd);
/* CIPC_IOC_COMPLETE / _ALL: msg == NULL means no CIPC_SIGNAL_MSG. */
int ioc_complete(int fd, const void *msg, size_t len);
int ioc_complete_all(int fd, const void *msg, size_t len);
/* The same, and the signal's sequence number (cipc_signal.seq) in *seq. */
int ioc_complete_seq(int fd, const void *msg, size_t len, uint64_t *seq);
int ioc_complete_all_seq(int fd, const void *msg, size_t len, uint64_t *seq);
/* CIPC_IOC_WAIT / TRYWAIT; out (may be NULL) receives the whole struct. */
int ioc_wait(int fd, uint64_t timeout_ns, void *buf, uint32_t size,
	     struct cipc_wait *out);
int ioc_trywait(int fd, void *buf, uint32_t size, struct cipc_wait *out);

/* ---- queries that must succeed --------------------------------------- */

struct cipc_info get_info(int fd);
/*
 * Whether a wait would pass now, from CIPC_IOC_INFO: the count, or DONE_ALL
 * in the "all" state (flags & CIPC_INFO_ALL; the count must then be 0).
 * DONE_ALL is this suite's shorthand, not the driver's: the driver has no
 * such sentinel any more.
 */
#define DONE_ALL	0xffffffffU
uint32_t get_done(int fd);
uint32_t get_count(int fd);		/* cipc_info.count */
bool get_all(int fd);			/* cipc_info.flags & CIPC_INFO_ALL */
uint32_t get_queued(int fd);		/* cipc_info.queued */
uint64_t get_seq(int fd);		/* cipc_info.seq */
uint32_t get_mode(int fd);
struct cipc_stats get_stats(int fd);
uint32_t get_waiters(int fd);
uint64_t get_generation(int fd);

/* Consume one count with TRYWAIT and fail unless the message is `want'
 * (a signal with a message: CIPC_WAIT_MSG set). */
void expect_message(int fd, const void *want, size_t len);
/* Consume one count with TRYWAIT and fail unless it had no message. */
void expect_no_message(int fd);

/* Fail unless the sysfs stats of chan equal s (field by field). */
void expect_sysfs_stats(unsigned int chan, const struct cipc_stats *s);
/* Fail unless wait == woken + timeout + interrupted + again. */
void expect_stats_invariant(const struct cipc_stats *s);

/*
 * CIPC_IOC_REINIT from a helper thread: returns its result (0, or -1 with
 * errno) and fails the test if it has not returned after timeout_ms.
 */
int reinit_bounded(int fd, unsigned int timeout_ms);

/* Poll CIPC_IOC_INFO until waiters == n; false after timeout_ms. */
bool wait_waiters(int fd, uint32_t n, unsigned int timeout_ms);

/*
 * Everything observable about a channel without consuming anything, to
 * prove that a rejected call changed nothing.
 */
struct chan_snap {
	struct cipc_info info;
	struct cipc_stats stats;
};
struct chan_snap snap_take(int fd);
/* Fail, naming `what' and the field, unless a and b are the same. */
void snap_expect_same(const struct chan_snap *a, const struct chan_snap *b,
		      const char *what);

/*
 * Bring a channel to a known state: no waiter, REINIT, mode one, stats
 * reset, then verify it. Used by the checked fixture of every suite but
 * params, on every channel, so a test never depends on the previous one.
 */
void chan_clean(unsigned int chan);
void fixture_clean_all(void);

/* A TCase with the cleaning fixture and a timeout. */
/*
 * The fixture of the suites that must also reach their tests on a driver
 * of the old ABI (to show that they fail there for the right reason):
 * every channel without waiters, REINIT, mode one, stats reset, through
 * calls whose ABI did not change (sysfs waiters, _IO/_IOW(u32) ioctls).
 */
void fixture_abi_neutral(void);
TCase *abi_neutral_tcase(const char *name, double timeout_s);
TCase *chan_tcase(const char *name, double timeout_s);

/*
 * Tests that need longer messages than msg_max allows return early (and
 * pass) with a note: need_msg_max() asks the channel, REQUIRE_MSG_MAX()
 * the module parameter, as a test's first statement. Most tests need only
 * SHORT_MSG_MAX; the module's default is 256.
 */
bool need_msg_max(int fd, uint32_t n);
#define SHORT_MSG_MAX 8
#define REQUIRE_MSG_MAX(n) do {						\
	if (param_msg_max() < (n)) {					\
		fprintf(stderr, "note: %s skipped: it needs msg_max >= %u\n",\
			__func__, (unsigned int)(n));			\
		return;							\
	}								\
} while (0)

/* A user address that faults: kind 0 = PROT_NONE page, 1 = NULL,
 * 2 = kernel address. */
#define BAD_PTR_KINDS 3
void *bad_ptr(int kind);

/* ---- /proc ----------------------------------------------------------- */

/* proc_state(): vmutil.h. */

/*
 * Wait until pid is asleep and return 'S', or 'D' if it stayed in
 * uninterruptible sleep for 500 ms, or whatever it shows at the deadline.
 */
char proc_settled_state(pid_t pid, unsigned int timeout_ms);

/* ---- forked helper processes ----------------------------------------- */

/*
 * Must be called first in every forked child: dies with its parent (the
 * test process), restores default signal dispositions (Check installs
 * SIGTERM/SIGINT/SIGALRM handlers that would kill the whole test), empty
 * signal mask. Children end with _exit(), never exit().
 */
void child_init(pid_t parent);

/* What a waiter process does. */
enum waiter_op {
	WOP_READ,	/* read(2) */
	WOP_WAIT,	/* CIPC_IOC_WAIT with req.timeout_ns */
	WOP_TRYWAIT,	/* CIPC_IOC_TRYWAIT */
};

/* How a waiter process handles SIGUSR1. */
enum waiter_sig {
	WSIG_DEFAULT,	/* default disposition (terminate) */
	WSIG_HANDLER,	/* handler, no SA_RESTART */
	WSIG_RESTART,	/* handler with SA_RESTART */
};

struct waiter_req {
	unsigned int chan;
	enum waiter_op op;
	int open_flags;		/* O_RDONLY if 0 */
	uint64_t timeout_ns;	/* WOP_WAIT */
	uint32_t bufsize;	/* read size / msg_size; 0 = MSG_BUF_SIZE - 1 */
	enum waiter_sig sig;
};

enum waiter_stage { WSTAGE_OPEN = 1, WSTAGE_SIGACTION, WSTAGE_DONE };

/* Written by the waiter through its result pipe when its call returned. */
struct waiter_res {
	int32_t stage;		/* enum waiter_stage reached */
	int32_t err;		/* errno if ret < 0 */
	int64_t ret;		/* what the call returned */
	uint32_t msg_len;	/* cipc_wait.msg_len (WAIT/TRYWAIT) */
	uint32_t result;	/* cipc_wait.result (WAIT/TRYWAIT) */
	uint64_t generation;	/* cipc_wait.generation */
	uint64_t seq;		/* cipc_wait.seq */
	uint64_t t_start_ns;	/* CLOCK_MONOTONIC before the call */
	uint64_t t_end_ns;	/* and after it */
	char msg[MSG_BUF_SIZE];	/* what was received */
};

struct waiter {
	pid_t pid;
	int res_fd;		/* read end of the result pipe */
	int sig_fd;		/* read end: one byte per SIGUSR1 handled */
	size_t got;		/* bytes of res received so far */
	struct waiter_res res;
	bool reaped;
	int status;		/* wait status once reaped */
};

enum waiter_poll { WP_PENDING, WP_DONE, WP_DIED };

/* Fork a waiter (it opens its own fd) and return at once. */
void waiter_start(struct waiter *w, const struct waiter_req *req);
/*
 * Wait up to timeout_ms for the waiter's result: WP_DONE (w->res filled),
 * WP_PENDING (nothing yet) or WP_DIED (it ended without a result).
 */
enum waiter_poll waiter_poll(struct waiter *w, unsigned int timeout_ms);
/* waiter_poll() that must give WP_DONE with a completed call. */
const struct waiter_res *waiter_result(struct waiter *w,
				       unsigned int timeout_ms);
/* Fail unless the waiter is still blocked after ms. */
void waiter_expect_blocked(struct waiter *w, unsigned int ms);
/* Wait until the waiter handled one SIGUSR1 (WSIG_HANDLER/RESTART). */
bool waiter_saw_signal(struct waiter *w, unsigned int timeout_ms);
/* waitpid() with a deadline: true once reaped (status in w->status). */
bool waiter_reap(struct waiter *w, unsigned int timeout_ms);
/* SIGKILL if still there, reap, close the pipes. Safe to call twice. */
void waiter_end(struct waiter *w);

/*
 * Start a waiter and wait until it is blocked in the driver: the channel
 * shows `waiters_after' waiters and the process sleeps interruptibly.
 */
void waiter_start_blocked(struct waiter *w, const struct waiter_req *req,
			  int fd, uint32_t waiters_after);

/* What a signaller process does. */
enum signaller_op { SOP_COMPLETE, SOP_COMPLETE_ALL, SOP_WRITE };

/*
 * A process that waits until its parent (the caller) is asleep, then
 * performs op on its own fd of chan (SOP_WRITE writes "poll"), then stays
 * until signaller_finish(): its exit must not be what wakes the caller.
 * Used to prove that a poll/epoll sleeping in the caller is woken by
 * another process's signal.
 */
struct signaller {
	pid_t pid;
	int hold_fd;		/* write end; closing it lets the child exit */
};

void signaller_start(struct signaller *s, unsigned int chan,
		     enum signaller_op op);
/* Let it exit, reap it, fail the test unless it succeeded. */
void signaller_finish(struct signaller *s);
/* waitpid() with a deadline; fails the test on timeout. */
int reap_pid(pid_t pid, unsigned int timeout_ms);

/* ---- the control device and channels added at run time --------------- */

#define CIPC_CONTROL_PATH	"/dev/" CIPC_CONTROL_NAME
#define CIPC_CLASS_DIR		"/sys/class/cipc"
#define CIPC_MISC_SYSFS		"/sys/class/misc/" CIPC_CONTROL_NAME

/* /sys/module/cipc/parameters/max_channels; fails the test if absent. */
unsigned int param_max_channels(void);

/* access(path, F_OK) == 0 */
bool path_exists(const char *path);
/*
 * Fail the test unless /dev/cipcN (a char device) and /sys/class/cipc/cipcN
 * (with its id file) both exist; expect_chan_gone(): neither exists.
 */
void expect_chan_present(unsigned int index);
void expect_chan_gone(unsigned int index);

/* open(/dev/cipc-control): the fd or -1 with errno / must succeed. */
int ctl_open_raw(int flags);
int ctl_open(int flags);

/* Raw control ioctls: 0, or -1 with errno. */
int ioc_ctl_info(int fd, struct cipc_ctl_info *info);
int ioc_ctl_add(int fd, struct cipc_ctl_channel *c);
int ioc_ctl_remove(int fd, struct cipc_ctl_channel *c);

/* CIPC_CTL_INFO that must succeed (pre-filled with 0xa5). */
struct cipc_ctl_info get_ctl_info(int fd);
/* The number of channels the driver reports now (opens the control). */
unsigned int ctl_channels(void);

/*
 * CIPC_CTL_ADD that must succeed: at `index', or at the lowest free index
 * if index is CHAN_ANY; msg_max 0 for the module's. Returns what the driver
 * filled in (index, id, msg_max).
 */
#define CHAN_ANY	(-1L)
struct cipc_ctl_channel chan_add(long index, uint32_t msg_max);
/* The same with queue_depth and max_waiters (0: the module's). */
struct cipc_ctl_channel chan_add_ex(long index, uint32_t msg_max,
				    uint32_t queue_depth,
				    uint32_t max_waiters);
/* CIPC_CTL_REMOVE of index that must succeed. */
void chan_remove(unsigned int index);
/* The id of channel index from sysfs (/sys/class/cipc/cipcN/id). */
uint64_t sysfs_id(unsigned int index);

/*
 * Indexes of the channels that exist now (from /sys/class/cipc), sorted,
 * at most max; returns how many there are (may exceed max), or -errno.
 */
int list_channels(unsigned int *idx, unsigned int max);

/*
 * Bring the set of channels back to the module's initial one: remove every
 * channel at an index >= param channels, add the missing ones below it.
 * Asserts nothing (usable in an unchecked fixture): 0, or -errno of the
 * first failure, described on stderr.
 */
int channels_restore(void);
/* Checked fixture: channels_restore() must succeed, then
 * fixture_clean_all(). */
void fixture_channels_restored(void);
/* Unchecked teardown: channels_restore(), complaining on stderr. */
void channels_restore_unchecked(void);
/* A TCase with fixture_channels_restored and channels_restore_unchecked. */
TCase *ctl_tcase(const char *name, double timeout_s);

/* ---- privileges ------------------------------------------------------- */

#define NOBODY_ID	65534

/* Whether the capability (e.g. CAP_SYS_ADMIN = 21) is in CapEff. */
bool cap_effective(unsigned int cap);

/*
 * In a forked child: setgroups(0, NULL), setresgid and setresuid to 65534,
 * then PR_SET_PDEATHSIG again (a credential change clears it). Returns 0,
 * or the errno of the failing call, EPERM if CAP_SYS_ADMIN is still
 * effective afterwards, ESRCH if the parent is gone. Asserts nothing.
 */
int drop_to_nobody(pid_t parent);

/* ---- reading and writing without short counts ------------------------ */

int write_all(int fd, const void *buf, size_t len);	/* 0 or -1 */

#endif /* CIPC_DRIVER_TESTS_UTIL_H */
