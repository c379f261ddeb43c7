/* SPDX-License-Identifier: GPL-2.0 */
/*
 * cipc-stress, scenario "faults": what faults.c (the set-up, the fail-nth
 * loop, operations (a)-(c) and (e)) shares with hotpath.c (operation (d),
 * the hot path).
 */
#ifndef CIPC_STRESS_FAULTS_H
#define CIPC_STRESS_FAULTS_H

#include "stress.h"

#define S		"faults"
#define DEBUGFS		"/sys/kernel/debug"

extern int fault_kfd;		/* /dev/kmsg, read after every iteration */
extern int fault_hfd;		/* the hot channel, O_RDWR */
extern bool fault_usercopy;	/* fail_usercopy exists */

/* Fault points met by one operation over its fail-nth loop. */
struct tally {
	unsigned int points, enomem, efault, ok, other;
};

/*
 * One operation under injection: prep() before it, outside injection
 * (nonzero: stop); op() the operation (0 or an errno); check(n, errno,
 * injected) judges it (false: stop); post(), if any, undoes what op()
 * may have left when check() does not run (fault_stack()).
 */
struct fop {
	const char *name;
	int (*prep)(void);
	int (*op)(void);
	bool (*check)(unsigned int n, int err, bool inj);
	void (*post)(void);
};

/* /proc/thread-self/fail-nth of the calling thread: 0 or -errno. */
int fault_nth_open(void);
void fault_nth_close(void);
/* syzkaller's set-up of the fault attributes in debugfs; and undone. */
void fault_attrs_setup(void);
void fault_attrs_restore(void);
void fault_set_nth(unsigned int n);
/* fail-nth read back 0 (the fault was injected); then reset to 0. */
bool fault_consumed(void);
/*
 * The fail-nth loop over one operation: n = 1, 1 + stride, ... until an
 * iteration without injection. A kernel report (read from /dev/kmsg after
 * every iteration) fails, with the stack of the injected fault, and the
 * loop goes on. False when check() stopped it (reported).
 */
bool fault_inject(const struct fop *f, unsigned int stride, struct tally *t);
/*
 * The kernel stack of the fault injected at fail-nth n of f: the same
 * iteration again with the fault attributes verbose (the dump stays in
 * the log buffer: the console level is 4), its frames read back from
 * /dev/kmsg, "a < b < c" innermost first.
 */
void fault_stack(const struct fop *f, unsigned int n, char *out, size_t size);
/* (d): false when it failed (reported). */
bool fault_hot_path(void);

#endif /* CIPC_STRESS_FAULTS_H */
