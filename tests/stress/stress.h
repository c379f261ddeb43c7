/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cipc-stress: shared declarations (see README.md in this directory).
 *
 * Every scenario is one function, run_NAME(), that prints its own
 * "PASS NAME: ..." and "FAIL NAME: ..." lines through st_pass() and
 * st_fail() and adds to the counters of the final table (st_table). A
 * scenario failed when it printed at least one FAIL line.
 *
 * Helpers return 0 or -errno (or a bool) and never print: the scenario
 * decides what a failure means.
 */
#ifndef CIPC_STRESS_H
#define CIPC_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cipc.h>

#include "vmutil.h"

#define NS_PER_MS	1000000ULL
#define NS_PER_S	1000000000ULL

#define CONTROL_PATH	"/dev/" CIPC_CONTROL_NAME
#define CLASS_PATH	"/sys/class/cipc"

/*
 * Generous deadlines: under TCG a wake-up takes 0.1 to 6 ms and absolute
 * times drift by 30 %; these only bound a hang. Scaled by st_slow, the
 * CK_TIMEOUT_MULTIPLIER that tests/check sets for the debug kernel (4).
 */
extern unsigned int st_slow;
#define SETTLE_MS	(10000U * st_slow) /* a state waited for (blocked, 0) */
#define RELEASE_MS	(10000U * st_slow) /* a released or removed waiter returns */
#define REAP_MS		(20000U * st_slow) /* SIGKILLed processes are all reaped */
#define MODULE_MS	(20000U * st_slow) /* module unload, load, nodes settle */

/* ---- the run --------------------------------------------------------- */

extern bool st_quick;

struct st_table {
	unsigned long long procs_killed;
	unsigned long long removals_under_load;
	unsigned long long load_unload_cycles;
	unsigned long long faults_injected;
	long long slab_growth_objects;
};
extern struct st_table st_table;

/* FAIL lines printed so far, by every scenario. */
extern unsigned int st_failures;

void st_pass(const char *scen, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void st_fail(const char *scen, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void st_note(const char *scen, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The scenarios. */
void run_kill(void);
void run_removal(void);
void run_reinit(void);
void run_cycles(void);
void run_faults(void);

/* ---- time ------------------------------------------------------------ */

uint64_t now_ns(void);
uint64_t now_ms(void);
uint64_t realtime_ns(void);
void sleep_ms(unsigned int ms);
const char *errname(int err);

/* ---- channels -------------------------------------------------------- */

/* open(2) of /dev/cipc-control, /dev/cipcN: fd or -1 with errno. */
int ctl_open(void);
int chan_open(unsigned int index, int flags);
/* The ioctls: 0, or -1 with errno. */
int ctl_info(int ctl, struct cipc_ctl_info *ci);
int ctl_add(int ctl, unsigned int index, uint32_t max_waiters,
	    struct cipc_ctl_channel *out);
int ctl_remove(int ctl, unsigned int index);
int ioc_info(int fd, struct cipc_info *info);
int ioc_stats(int fd, struct cipc_stats *st);
int ioc_signal(int fd, bool all, const void *msg, size_t len, uint64_t *seq);
int ioc_wait(int fd, uint64_t timeout_ns, uint32_t flags, int clockid,
	     void *buf, size_t size, struct cipc_wait *out);
int ioc_trywait(int fd, void *buf, size_t size, struct cipc_wait *out);
int ioc_reinit(int fd);
/* A free index near the top of the module's range, from `from_top'. */
int free_index(int ctl, unsigned int from_top, unsigned int *index);
/* INFO.waiters reaches n within timeout_ms. */
bool wait_waiters(int fd, unsigned int n, unsigned int timeout_ms);
/* wait == woken + timeout + interrupted + again (no wait in progress). */
bool stats_invariant(const struct cipc_stats *s);
/* sysfs stats/ of channel index equal *s: 0, or the name of the first
 * counter that differs in *bad. */
int stats_sysfs_equal(unsigned int index, const struct cipc_stats *s,
		      const char **bad);
/* /sys/class/cipc/cipcN/ATTR as a number. */
int sysfs_chan_ull(unsigned int index, const char *attr,
		   unsigned long long *val);
/* Entries of dir named prefix + digits (vmutil's count_numbered_fn). */
unsigned int count_numbered(const char *dir, const char *prefix);
/* /sys/module/cipc/refcnt, -1 if unreadable. */
long module_refcnt(void);
/* The module is loaded with `params', n channels show up. */
int st_load(const char *params, unsigned int n);
/* Loaded with default parameters, as the runner expects at the end. */
int st_restore_module(void);

/* ---- processes ------------------------------------------------------- */

/*
 * Results of a child, in memory shared with the parent (shm_alloc).
 * state: 0 forked, 1 about to block, 2 returned (ret/err/msg valid).
 */
struct kid {
	pid_t pid;
	int role;
	volatile int state;
	long ret;
	int err;
	uint32_t result;
	uint32_t msg_len;
	uint64_t seq;
	int events;		/* poll/epoll: last revents; async: POLL_IN count */
	int hup;		/* removal seen: EPOLLHUP or POLL_HUP signal */
	int bad;		/* a child-side check failed (see its role) */
	char msg[40];
};

void *shm_alloc(size_t size);
void shm_free(void *p, size_t size);
/*
 * Forks a child that runs fn(arg) and exits 0; it dies with the parent
 * (PR_SET_PDEATHSIG) and joins process group pgid (0: its own). -1 on
 * error.
 */
pid_t spawn(void (*fn)(void *arg), void *arg, pid_t pgid);
/* The task's syscall number while asleep (/proc/PID/syscall); -1 when
 * running, -2 when the file cannot be read. */
long proc_syscall(pid_t pid);
/*
 * Waits until pid sleeps ('S', or 'D' if dstate) in one of the syscalls
 * nrs[0..n) (when /proc/PID/syscall is readable): false after timeout_ms,
 * with the state and syscall seen last in *st, *nr.
 */
bool wait_asleep(pid_t pid, bool dstate, const long *nrs, unsigned int n,
		 unsigned int timeout_ms, char *st, long *nr);
/*
 * Reaps the n children pids[] (status[] filled, pids of the reaped set to
 * 0) within timeout_ms: the number reaped.
 */
unsigned int reap(pid_t *pids, int *status, unsigned int n,
		  unsigned int timeout_ms);
/* SIGKILL and reap whatever is left of pids[] (cleanup). */
void kill_reap(pid_t *pids, unsigned int n);
/* Pin the calling thread to one CPU: 0 or -errno. */
int pin_cpu(int cpu);
int cpu_count(void);

/* ---- kernel state ---------------------------------------------------- */

/* Active objects per slab cache (/proc/slabinfo). */
struct slabsnap {
	unsigned int n;
	long long sum;
	struct {
		char name[48];
		long long active;
	} c[1024];
};
/* Shrinks every cache, then reads /proc/slabinfo: 0 or -errno. The
 * shrink files stay open until slab_release(). */
int slab_snapshot(struct slabsnap *s);
void slab_release(void);
/* Notes (st_note) the caches whose count changed by more than min. */
void slab_diff_note(const char *scen, const struct slabsnap *a,
		    const struct slabsnap *b, long long min);
/* /proc/meminfo KEY in kB, -1 if absent. */
long long meminfo_kb(const char *key);

#define KMEMLEAK_PATH	"/sys/kernel/debug/kmemleak"
bool kmemleak_present(void);
int kmemleak_cmd(const char *cmd);
/*
 * Reads kmemleak's report and prints (as FAIL lines of scen) every
 * unreferenced object whose backtrace mentions cipc: their number, or -1
 * if it cannot be read. *others gets the number of other objects.
 */
int kmemleak_cipc_objects(const char *scen, unsigned int *others);
/* clear, then (after the caller's work) scan twice and report. */
int kmemleak_check(const char *scen);

/*
 * The kernel log from now on (/dev/kmsg): kmsg_open() positions at its
 * end; kmsg_check() reads what came since and prints, as FAIL lines of
 * scen, every line that the VM runner would take for a kernel report
 * (BUG:, WARNING:, Call Trace, KASAN...), except, with allow_alloc, the
 * stack dump of a page allocation or vmalloc failure report (warn_alloc),
 * which an injected allocation failure causes in the kernel's own code.
 * Returns the number of such lines, *alloc_reports the warn_alloc reports
 * seen.
 */
int kmsg_open(void);
int kmsg_check(int fd, const char *scen, bool allow_alloc,
	       unsigned int *alloc_reports);
/* The text of the next record, NULL at the end (*lost: records were
 * overwritten meanwhile); rec is its buffer. */
const char *kmsg_next(int fd, char *rec, size_t size, bool *lost);
/*
 * Set while the faults scenario injects: the WARNINGs of
 * kernel/trace/trace_events.c (a kernel bug that injected failures in the
 * registration of a module's trace events trigger, see kstate.c) are
 * counted in kmsg_known_trace_warnings instead of failing.
 */
extern bool kmsg_known_trace_bug;
extern unsigned int kmsg_known_trace_warnings;
/* kmsg_check() of one line: true (and printed) if it is a report. */
bool kmsg_line_bad(const char *scen, const char *msg, bool allow_alloc,
		   unsigned int *alloc_reports);

#endif /* CIPC_STRESS_H */
