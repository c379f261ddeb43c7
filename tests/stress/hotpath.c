// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "faults", operation (d): the hot path under fail-nth.
 *
 * driver/channel.c: "Signalling and waiting allocate nothing". Each of
 * COMPLETE and COMPLETE_ALL with a message, write(2), WAIT and read(2)
 * receiving a queued message, and a WAIT (CIPC_WAIT_ABSTIME) that blocks
 * until another thread completes, goes through the fail-nth loop. Its
 * fault points must all be user copies (fail_usercopy: the ioctl's
 * argument, the message), each failing with EFAULT. Any other point (an
 * ENOMEM, or a fault consumed by a call that succeeded) fails the
 * scenario, with the kernel stack of the injected fault (the iteration
 * is repeated with the fault attributes verbose: the dump stays in the
 * log buffer, read back from /dev/kmsg). The exception is an allocation
 * by the debug kernel's own bookkeeping on behalf of any code (the
 * debug-objects pool refill, fill_pool, around the hrtimer of a timed
 * wait; KASAN's stack depot): noted, with its stack.
 */
#include "faults.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static char hbuf[64];
static struct cipc_signal hsig;
static struct cipc_wait hw;
static int hot_op;	/* index into hot_names[] */
static atomic_int blocked_stop;

static void drain(void)
{
	struct cipc_info info;

	ioc_info(fault_hfd, &info);
	if (info.flags & CIPC_INFO_ALL)
		ioc_reinit(fault_hfd);
	while (ioc_trywait(fault_hfd, NULL, 0, NULL) == 0)
		;
}

static void *completer(void *arg)
{
	(void)arg;
	while (!atomic_load(&blocked_stop)) {
		struct cipc_info info;

		if (ioc_info(fault_hfd, &info) == 0 && info.waiters == 1) {
			ioc_signal(fault_hfd, false, "hot-block", 9, NULL);
			break;
		}
		sleep_ms(1);
	}
	return NULL;
}

static pthread_t cth;

static int prep_hot(void)
{
	drain();
	memset(hbuf, 0, sizeof(hbuf));
	memset(&hsig, 0, sizeof(hsig));
	memset(&hw, 0, sizeof(hw));
	hsig.msg = (uintptr_t)"hot-path";
	hsig.msg_len = 8;
	hsig.flags = CIPC_SIGNAL_MSG;
	hw.msg = (uintptr_t)hbuf;
	hw.msg_size = sizeof(hbuf);
	hw.timeout_ns = CIPC_TIMEOUT_FOREVER;
	if (hot_op == 3 || hot_op == 4)	/* WAIT, read: a message queued */
		return ioc_signal(fault_hfd, false, "hot-wait", 8, NULL) ? errno : 0;
	if (hot_op == 5) {		/* a WAIT that blocks */
		hw.timeout_ns = now_ns() + 30 * NS_PER_S;
		hw.flags = CIPC_WAIT_ABSTIME;
		hw.clockid = CLOCK_MONOTONIC;
		atomic_store(&blocked_stop, 0);
		return pthread_create(&cth, NULL, completer, NULL);
	}
	return 0;
}

static int op_hot(void)
{
	long r = 0;

	switch (hot_op) {
	case 0:
		r = ioctl(fault_hfd, CIPC_IOC_COMPLETE, &hsig);
		break;
	case 1:
		r = ioctl(fault_hfd, CIPC_IOC_COMPLETE_ALL, &hsig);
		break;
	case 2:
		r = write(fault_hfd, "hot-write", 9);
		break;
	case 3:
	case 5:
		r = ioctl(fault_hfd, CIPC_IOC_WAIT, &hw);
		break;
	case 4:
		r = read(fault_hfd, hbuf, sizeof(hbuf));
		break;
	}
	return r < 0 ? errno : 0;
}

static const char * const hot_names[] = {
	"COMPLETE with a message", "COMPLETE_ALL with a message",
	"write(2)", "WAIT receiving a message", "read(2) receiving a message",
	"WAIT that blocks until a COMPLETE",
};

static void post_hot(void)
{
	if (hot_op == 5) {
		atomic_store(&blocked_stop, 1);
		pthread_join(cth, NULL);
	}
}

static bool check_hot(unsigned int n, int err, bool inj);

static struct fop hot_fop = {
	NULL, prep_hot, op_hot, check_hot, post_hot,
};

static bool check_hot(unsigned int n, int err, bool inj)
{
	char stk[1200];

	post_hot();
	if (inj && err == EFAULT && fault_usercopy)
		return true;	/* a user copy: the only fault point allowed */
	if (!inj && !err)
		return true;
	if (!inj) {
		st_fail(S, "(d) %s, fail-nth %u: %s without an injected fault",
			hot_names[hot_op], n, errname(err));
		return false;
	}
	fault_stack(&hot_fop, n, stk, sizeof(stk));
	/* The debug kernel's own bookkeeping allocates on anyone's behalf. */
	if (!err && (strstr(stk, "fill_pool") || strstr(stk, "stack_depot"))) {
		st_note(S, "(d) %s, fail-nth %u: a fault point of the debug "
			"kernel's bookkeeping, not cipc's: %s", hot_names[hot_op],
			n, stk);
		return true;
	}
	st_fail(S, "(d) %s, fail-nth %u: %s with the fault consumed: the hot "
		"path has a fault point that is not a user copy (an "
		"allocation?); injected at: %s", hot_names[hot_op], n,
		err ? errname(err) : "succeeded", stk[0] ? stk : "(no stack "
		"in the kernel log)");
	return false;
}

bool fault_hot_path(void)
{
	struct tally t;
	char name[96];

	for (hot_op = 0; hot_op < 6; hot_op++) {
		snprintf(name, sizeof(name), "(d) %s", hot_names[hot_op]);
		hot_fop.name = name;
		if (!fault_inject(&hot_fop, 1, &t))
			return false;
		st_pass(S, "(d) %s: allocates nothing; %u fault points, %u of "
			"them user copies failing with EFAULT", hot_names[hot_op],
			t.points, t.efault);
	}
	drain();
	return true;
}
