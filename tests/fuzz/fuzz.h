/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cipc-fuzz: a seeded, reproducible fuzzer of the cipc driver's user
 * interface (tests/fuzz/README.md).
 *
 * main.c     options, the pool of channels, worker processes, the
 *            watchdog, the summary
 * ops.c      a worker: the choice of each operation (fz_run_op()), the
 *            check of its result, REINIT storms, O_ASYNC signals
 * chanops.c  the ioctls of /dev/cipcN
 * fileops.c  open, close, dup, read, write, poll, epoll, fcntl
 * sysfs.c    /sys/class/cipc/cipcN/
 * ctlops.c   /dev/cipc-control, and unknown commands on both devices
 * child.c    blocking children, SIGKILLed
 * expect.c   the table of documented (operation, errno) pairs
 * ptrs.c     the bad-pointer zoo
 * worker.h   the state of a worker, shared by the operation files
 */
#ifndef CIPC_FUZZ_H
#define CIPC_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <linux/cipc.h>

#define FZ_MAX_PROCS	64
#define FZ_MAX_POOL	8	/* channels the fuzzer adds and churns */
#define FZ_NFDS		16	/* channel descriptors a worker holds */
#define FZ_ERRNO_MAX	134	/* histogram slots: 0 = success, 1..133 */
#define FZ_TEMP_MAX	4	/* channels added outside the pool, per worker */

/* ---- operation kinds ------------------------------------------------- */

enum fz_kind {
	K_INFO, K_COMPLETE, K_COMPLETE_ALL, K_REINIT, K_WAIT, K_TRYWAIT,
	K_GET_MODE, K_SET_MODE, K_GET_STATS, K_RESET_STATS, K_BADCMD,
	K_CTL_INFO, K_CTL_ADD, K_CTL_REMOVE, K_CTL_BADCMD,
	K_OPEN, K_CLOSE, K_DUP, K_READ, K_WRITE, K_POLL, K_PPOLL,
	K_EPOLL_CTL, K_EPOLL_WAIT, K_FCNTL, K_SYSFS_READ, K_SYSFS_WRITE,
	K_CHILD,	/* a blocking child, SIGKILLed and reaped */
	K_NOTIFY,	/* an O_ASYNC signal received (not an operation) */
	K_NR
};

#define KB(k)	(1ULL << (k))

/*
 * Facts about one call, which select the rows of the table (expect.c).
 * The DEFECT ones make the call invalid: it must fail.
 */
enum {
	C_DEAD     = 1u << 0,	/* the channel may have been removed */
	C_KDEAD    = 1u << 1,	/* ... and is known to be: must fail */
	C_NOTWR    = 1u << 2,	/* file not opened for writing */
	C_NOTRD    = 1u << 3,	/* file not opened for reading */
	C_BADARG   = 1u << 4,	/* ioctl argument pointer bad */
	C_INVAL    = 1u << 5,	/* reserved/flags/field invalid */
	C_MSGSIZE  = 1u << 6,	/* message longer than msg_max */
	C_BADBUF   = 1u << 7,	/* message / read / write buffer bad */
	C_HASMSG   = 1u << 8,	/* a signal with a message (maybe empty) */
	C_MSGBYTES = 1u << 9,	/* a signal with a non-empty message */
	C_BLOCKS   = 1u << 10,	/* the wait may block */
	C_BADCMD   = 1u << 11,	/* unknown ioctl command */
	C_LEN0     = 1u << 12,	/* read(2) of 0 bytes */
	C_VFSRANGE = 1u << 13,	/* size > SSIZE_MAX: the VFS's range check */
	C_NOCHAN   = 1u << 14,	/* no channel may be at that index */
	C_NONODE   = 1u << 15,	/* no channel is at that index: must fail */
	C_TAKEN    = 1u << 16,	/* the index may be taken */
	C_KTAKEN   = 1u << 17,	/* the index is taken: must fail */
	C_RANGE    = 1u << 18,	/* index >= max_channels: must fail */
	C_MAYFULL  = 1u << 19,	/* max_channels channels may exist */
	C_STALE    = 1u << 20,	/* the id may not be the channel's */
	C_KSTALE   = 1u << 21,	/* the id is not the channel's: must fail */
	C_ROFILE   = 1u << 22,	/* sysfs: write to a read-only file */
	C_WOFILE   = 1u << 23,	/* sysfs: read of a write-only file */
	C_BADVAL   = 1u << 24,	/* sysfs: a value the file refuses */
	C_EPEXIST  = 1u << 25,	/* epoll: fd may be registered already */
	C_EPMISS   = 1u << 26,	/* epoll: fd may not be registered */
	C_ASYNCON  = 1u << 27,	/* fcntl: turns O_ASYNC on (->fasync) */
	C_NULLSZ   = 1u << 28,	/* cipc_wait: msg 0 with msg_size != 0 */
	C_NOPRIV   = 1u << 29,	/* the caller lacks CAP_SYS_ADMIN */
	C_COREEIO  = 1u << 30,	/* sysfs: power/autosuspend_delay_ms */
};

#define C_DEFECTS (C_KDEAD | C_NOTWR | C_NOTRD | C_BADARG | C_INVAL |	\
		   C_MSGSIZE | C_BADBUF | C_BADCMD | C_LEN0 | C_VFSRANGE |	\
		   C_NONODE | C_KTAKEN | C_RANGE | C_KSTALE | C_ROFILE |	\
		   C_WOFILE | C_BADVAL | C_NULLSZ | C_NOPRIV)

/* One row of the table: errno err is allowed for kinds when cond holds. */
struct fz_rule {
	uint64_t kinds;
	uint32_t cond;		/* all of these bits; 0: always */
	int err;
	const char *source;	/* where it is documented */
};

/* ---- shared results (MAP_SHARED, one slot per worker) --------------- */

struct fz_wstats {
	uint64_t ops;
	uint64_t count[K_NR];
	uint64_t hist[K_NR][FZ_ERRNO_MAX];
	uint64_t procs_killed;
	uint64_t unkillable;
	uint64_t bad_errno;	/* result outside the table */
	uint64_t bad_other;	/* other invariant broken */
	uint64_t progress;	/* ops done, for the watchdog */
	int done;
	/* channels added outside the pool, not removed yet: index + 1, id */
	uint32_t temp_index[FZ_TEMP_MAX];
	uint64_t temp_id[FZ_TEMP_MAX];
	pid_t child;		/* blocking child in flight, 0 if none */
};

struct fz_shared {
	struct fz_wstats w[FZ_MAX_PROCS];
};

/* ---- configuration, fixed before the workers start ------------------ */

struct fz_config {
	uint64_t seed;
	uint64_t ops;		/* per worker */
	int procs;
	int only_worker;	/* -1: all */
	bool verbose;
	bool keep_going;
	unsigned int max_seconds;
	/* the module */
	struct cipc_ctl_info ctl;
	/* the fuzzer's channels: pool[i] is an index only it adds at */
	unsigned int pool[FZ_MAX_POOL];
	int npool;
	unsigned int base[2];	/* channels of the module: 0 and 1 */
	int nbase;
	unsigned int absent;	/* an index with no channel, ever */
	bool mayfull;		/* max_channels is small enough to fill */
};

extern struct fz_config fz_cfg;
extern struct fz_shared *fz_sh;

/* ---- the random generator: splitmix64 ------------------------------- */

struct fz_rng {
	uint64_t s;
};

static inline uint64_t fz_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline uint64_t fz_next(struct fz_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return fz_mix(r->s);
}

/* 0 <= result < n (n > 0). */
static inline uint32_t fz_below(struct fz_rng *r, uint32_t n)
{
	return (uint32_t)(((fz_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* true with probability 1/n. */
static inline bool fz_one_in(struct fz_rng *r, uint32_t n)
{
	return fz_below(r, n) == 0;
}

/* The generator of operation opno of worker w: independent of the rest. */
static inline void fz_rng_op(struct fz_rng *r, uint64_t seed, int w,
			     uint64_t opno)
{
	r->s = fz_mix(seed ^ fz_mix(0x5eedULL + (uint64_t)w)) ^
	       fz_mix(opno * 0x9e3779b97f4a7c15ULL + 1);
}

/* ---- expect.c -------------------------------------------------------- */

const char *fz_kind_name(int kind);
const char *fz_errname(int err);
/* Allowed errnos of kind under cond, as a bit per errno; success too? */
void fz_allowed(int kind, uint32_t cond, uint64_t set[3], bool *success);
/* "success,EAGAIN,..." */
void fz_allowed_str(char *buf, size_t n, const uint64_t set[3], bool succ);
void fz_print_table(void);

/* ---- ptrs.c: the bad-pointer zoo ------------------------------------ */

enum fz_ptr {
	P_GOOD,		/* ordinary writable memory */
	P_EDGE,		/* writable, ends exactly at a PROT_NONE page */
	P_RO,		/* a read-only page */
	P_NULL,
	P_KERNEL,	/* 0xffffffff81000000 */
	P_UNMAPPED,	/* a page that is not mapped */
	P_STRADDLE,	/* runs 1..size-1 bytes into a PROT_NONE page */
	P_NR
};

void fz_ptrs_init(void);
/*
 * Memory of kind k in zone z (0: ioctl arguments, 1: message buffers; the
 * two never overlap) for an object of size bytes (at most 2 pages), holding
 * src (copied to the accessible part; src NULL: left as it is).
 */
void *fz_ptr(int z, enum fz_ptr k, size_t size, const void *src,
	     struct fz_rng *r);
const char *fz_ptr_name(enum fz_ptr k);
/* Whether a kernel access to all size bytes of kind k faults. */
bool fz_ptr_faults(enum fz_ptr k, size_t size, bool write);
/* Whether the VFS's access_ok() already refuses size bytes at kind k. */
bool fz_ptr_kernel(enum fz_ptr k);

/* ---- ops.c ------------------------------------------------------------ */

struct fz_worker;
struct fz_worker *fz_worker_new(int w);
/* Runs operation opno; returns false when the worker must stop. */
bool fz_run_op(struct fz_worker *wk, uint64_t opno);
void fz_worker_end(struct fz_worker *wk);

/* ---- main.c ----------------------------------------------------------- */

/* A failure: prints the line and the replay command, counts it. */
void fz_fail(int w, uint64_t opno, int kind, bool is_errno,
	     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Prints one line atomically (one write(2)). */
void fz_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints what the kernel says about a task that does not die. */
void fz_dump_task(pid_t pid, const char *why);
uint64_t fz_now_ns(void);

#endif /* CIPC_FUZZ_H */
