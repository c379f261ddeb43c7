// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "faults": fault injection with /proc/thread-self/fail-nth, as
 * syzkaller does it. Only where the kernel has it (/proc/self/fail-nth and
 * /sys/kernel/debug/failslab: the debug kernel); elsewhere skipped.
 *
 * For N = 1, 2, ...: write N to fail-nth, do ONE operation, read fail-nth
 * back (0: the Nth fault point of the operation failed; every failslab,
 * fail_page_alloc and fail_usercopy point counts), reset it to 0; stop at
 * the first N that the operation did not reach. Each operation, and what
 * an injected failure must leave:
 *  (a) finit_module() of cipc.ko (copied to /tmp, off 9p): a clean errno
 *      (ENOMEM, or EFAULT for a user copy), no /sys/module/cipc, no node;
 *      or success (a channel that cannot be created at load is reported,
 *      not fatal: main.c) with /dev and sysfs agreeing with CTL_INFO;
 *  (b) CIPC_CTL_ADD at an index: a clean errno and no channel there (no
 *      node, no sysfs, CTL_INFO.channels unchanged, REMOVE says ENOENT);
 *      EFAULT with the channel added is the documented copy-out case;
 *  (c) open(2) of a channel: a clean errno, and the module's refcnt back
 *      where it was once everything is closed;
 *  (d) the hot path (hotpath.c): signalling and waiting allocate
 *      nothing, the only fault points allowed are user copies (EFAULT);
 *  (e) reads and writes of the channel's sysfs files (open, read or
 *      write, close): a clean errno, a value that did not change on a
 *      failed write.
 * (a) steps N by 5 with --quick. Then the module must unload, and kmemleak (if present) find nothing of
 * cipc's. Every iteration whose fault point failed counts in the table's
 * faults_injected.
 *
 * Injected failures make the kernel's own code print allocation failure
 * reports with a stack dump (warn_alloc: "page allocation failure",
 * "vmalloc error"), which the VM runner would take for a kernel report
 * ("Call Trace"). So while the injections run, the console log level is 4
 * (KERN_WARNING and below stay in the log buffer, off the console), and
 * this scenario reads /dev/kmsg after every iteration itself: a stack
 * dump is allowed only as the one Call Trace of such a report; any other
 * line that the runner would catch (BUG:, WARNING:, KASAN, lockdep...)
 * fails the scenario, printed here. The level is restored at the end.
 */
#include "faults.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KO_COPY		"/tmp/cipc-stress-faults.ko"
#define CH_BASE		4	/* channels at load: /dev/cipc0..3 */

int fault_hfd = -1;
bool fault_usercopy;
static int kofd = -1, ctl = -1;
static unsigned int xidx, hidx;	/* CTL_ADD's index, the hot channel's */
static char printk_saved[64];

static bool clean_errno(int err)
{
	return err == ENOMEM || (err == EFAULT && fault_usercopy);
}

/* ---- (a) module load ------------------------------------------------- */

static bool no_module_left(unsigned int n)
{
	uint64_t end = now_ms() + 2000;

	while (module_loaded() && now_ms() < end)
		sleep_ms(10);
	if (module_loaded() || count_numbered("/dev", "cipc") ||
	    access(CONTROL_PATH, F_OK) == 0 || access(CLASS_PATH, F_OK) == 0) {
		st_fail(S, "(a) fail-nth %u: a failed load left %s%s%s%s", n,
			module_loaded() ? "/sys/module/cipc " : "",
			count_numbered("/dev", "cipc") ? "/dev/cipcN " : "",
			access(CONTROL_PATH, F_OK) ? "" : CONTROL_PATH " ",
			access(CLASS_PATH, F_OK) ? "" : CLASS_PATH);
		return false;
	}
	return true;
}

static int prep_load(void)
{
	int err = module_unload(MODULE_MS);

	if (err)
		st_fail(S, "(a) unloading cipc: %s", errname(-err));
	return err;
}

static int op_load(void)
{
	return syscall(SYS_finit_module, kofd, "", 0) ? errno : 0;
}

static bool check_load(unsigned int n, int err, bool inj)
{
	struct cipc_ctl_info ci;
	int c;

	if (err) {
		if (!inj || !clean_errno(err)) {
			st_fail(S, "(a) fail-nth %u: finit_module: %s%s", n,
				errname(err), inj ? ", not a clean errno" :
				" without an injected fault");
			return false;
		}
		return no_module_left(n);
	}
	c = ctl_open();
	if (c < 0 || ctl_info(c, &ci) || ci.channels > CH_BASE ||
	    (!inj && ci.channels != CH_BASE) ||
	    !nodes_settle_within(ci.channels, MODULE_MS, count_numbered)) {
		st_fail(S, "(a) fail-nth %u: loaded%s, but %s: CTL_INFO says "
			"%u channels, /dev has %u", n, inj ? " despite the "
			"fault" : "", c < 0 ? "no control device" :
			"the channels disagree", c < 0 ? 0 : ci.channels,
			count_numbered("/dev", "cipc"));
		if (c >= 0)
			close(c);
		return false;
	}
	close(c);
	return true;
}

/* ---- (b) CIPC_CTL_ADD ------------------------------------------------ */

static struct cipc_ctl_channel addreq;
static struct cipc_ctl_info ci0;

static int prep_add(void)
{
	memset(&addreq, 0, sizeof(addreq));
	addreq.index = xidx;
	addreq.flags = CIPC_ADD_INDEX;
	return ctl_info(ctl, &ci0) ? errno : 0;
}

static int op_add(void)
{
	return ioctl(ctl, CIPC_CTL_ADD, &addreq) ? errno : 0;
}

/* After a re-run (fault_stack()): no channel left at the index. */
static void post_add(void)
{
	ctl_remove(ctl, xidx);
}

static bool chan_there(unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	if (access(path, F_OK))
		return false;
	snprintf(path, sizeof(path), CLASS_PATH "/cipc%u/id", index);
	return access(path, F_OK) == 0;
}

static bool check_add(unsigned int n, int err, bool inj)
{
	struct cipc_ctl_info ci;
	unsigned long long id;

	ctl_info(ctl, &ci);
	if (!err || (err == EFAULT && inj && chan_there(xidx))) {
		/* Added (EFAULT: the documented fault of the copy-out). */
		if (!chan_there(xidx) || ci.channels != ci0.channels + 1 ||
		    sysfs_chan_ull(xidx, "id", &id) ||
		    (!err && id != addreq.id)) {
			st_fail(S, "(b) fail-nth %u: CTL_ADD %s, but the "
				"channel is incomplete", n, errname(err));
			return false;
		}
		if (ctl_remove(ctl, xidx)) {
			st_fail(S, "(b) removing the added channel: %s",
				errname(errno));
			return false;
		}
		return true;
	}
	if (!inj || !clean_errno(err) || chan_there(xidx) ||
	    ci.channels != ci0.channels ||
	    ctl_remove(ctl, xidx) == 0 || errno != ENOENT) {
		st_fail(S, "(b) fail-nth %u: CTL_ADD %s%s; then channels %u "
			"(before %u), /dev/cipc%u %s", n, errname(err),
			inj ? "" : " without an injected fault", ci.channels,
			ci0.channels, xidx, chan_there(xidx) ? "exists" :
			"absent");
		return false;
	}
	return true;
}

/* ---- (c) open -------------------------------------------------------- */

static long refcnt0;
static char open_path[32];

static int prep_open(void)
{
	refcnt0 = module_refcnt();
	return 0;
}

static int op_open(void)
{
	int fd = open(open_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static bool check_open(unsigned int n, int err, bool inj)
{
	long r = module_refcnt();

	if ((err && (!inj || !clean_errno(err))) || r != refcnt0) {
		st_fail(S, "(c) fail-nth %u: open: %s%s; module refcnt %ld, "
			"was %ld", n, errname(err), inj ? "" : " without an "
			"injected fault", r, refcnt0);
		return false;
	}
	return true;
}

/* ---- (e) sysfs ------------------------------------------------------- */

static const char *sys_attr, *sys_val;
static char sys_path[96], sys_buf[64];

static int op_sysfs(void)
{
	int fd = open(sys_path, (sys_val ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
	ssize_t r;
	int err;

	if (fd < 0)
		return errno;
	r = sys_val ? write(fd, sys_val, strlen(sys_val)) :
		      read(fd, sys_buf, sizeof(sys_buf) - 1);
	err = errno;
	close(fd);
	return r < 0 ? err : 0;
}

static int prep_sysfs(void)
{
	memset(sys_buf, 0, sizeof(sys_buf));
	return sys_val && !strcmp(sys_attr, "mode") ?
	       -write_file_str(sys_path, "one") : 0;
}

static bool check_sysfs(unsigned int n, int err, bool inj)
{
	char mode[16] = "";

	if (err && (!inj || !clean_errno(err))) {
		st_fail(S, "(e) %s %s, fail-nth %u: %s%s", sys_val ? "write" :
			"read", sys_attr, n, errname(err), inj ? "" :
			" without an injected fault");
		return false;
	}
	if (!err && !sys_val && !sys_buf[0]) {
		st_fail(S, "(e) read %s, fail-nth %u: empty", sys_attr, n);
		return false;
	}
	if (sys_val && !strcmp(sys_attr, "mode")) {
		read_file_str(sys_path, mode, sizeof(mode));
		if (strcmp(mode, err ? "one" : "all")) {
			st_fail(S, "(e) write mode=all, fail-nth %u: %s, and "
				"the mode is \"%s\"", n, errname(err), mode);
			return false;
		}
	}
	return true;
}

/* ---- the scenario ---------------------------------------------------- */

/* A crash must not leave the console quiet for the runner's checks. */
static void printk_restore(int sig)
{
	if (printk_saved[0])
		write_file_str("/proc/sys/kernel/printk", printk_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

static bool copy_ko(void)
{
	const char *ko = getenv("CIPC_KO");
	struct stat st;
	int in = ko ? open(ko, O_RDONLY | O_CLOEXEC) : -1, out;
	bool ok = false;

	if (in < 0 || fstat(in, &st))
		return false;
	out = open(KO_COPY, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out >= 0)
		ok = sendfile(out, in, NULL, (size_t)st.st_size) == st.st_size;
	close(in);
	if (out >= 0)
		close(out);
	kofd = ok ? open(KO_COPY, O_RDONLY | O_CLOEXEC) : -1;
	return kofd >= 0;
}

static void touch_stack(void)
{
	volatile char pad[256 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 4096)
		pad[i] = 0;
}

static void phases(void)
{
	static const char * const reads[] = {
		"id", "msg_max", "queue_depth", "max_waiters", "mode", "count",
		"all", "waiters", "queued", "generation", "seq",
		"stats/complete", "stats/wait", "stats/woken", "stats/bytes_in",
		"stats/discarded", "stats/refused",
	};
	unsigned int stride = st_quick ? 5 : 1;
	struct cipc_ctl_channel c;
	struct tally t;
	char name[96];
	int err;

	static const struct fop fa = {
		"(a) finit_module", prep_load, op_load, check_load, NULL,
	};
	static const struct fop fb = {
		"(b) CIPC_CTL_ADD", prep_add, op_add, check_add, post_add,
	};
	static const struct fop fc = {
		"(c) open", prep_open, op_open, check_open, NULL,
	};
	struct fop fe = { NULL, prep_sysfs, op_sysfs, check_sysfs, NULL };

	if (!fault_inject(&fa, stride, &t))
		return;
	/* The last iteration loaded it, with every channel. */
	ctl = ctl_open();
	if (ctl < 0 || free_index(ctl, 0, &xidx) || free_index(ctl, 1, &hidx) ||
	    ctl_add(ctl, hidx, 0, &c) ||
	    (fault_hfd = chan_open(hidx, O_RDWR)) < 0) {
		st_fail(S, "set-up after (a): %s", errname(errno));
		return;
	}
	if (!fault_inject(&fb, 1, &t))
		return;
	snprintf(open_path, sizeof(open_path), "/dev/cipc%u", hidx);
	if (!fault_inject(&fc, 1, &t))
		return;
	if (!fault_hot_path())
		return;
	for (unsigned int i = 0; i < sizeof(reads) / sizeof(reads[0]) + 2; i++) {
		unsigned int w = i - sizeof(reads) / sizeof(reads[0]);
		bool wr = i >= sizeof(reads) / sizeof(reads[0]);

		sys_attr = wr ? (w ? "stats/reset" : "mode") : reads[i];
		sys_val = wr ? (w ? "1" : "all") : NULL;
		snprintf(sys_path, sizeof(sys_path), CLASS_PATH "/cipc%u/%s",
			 hidx, sys_attr);
		snprintf(name, sizeof(name), "(e) %s %s", wr ? "write" : "read",
			 sys_attr);
		fe.name = name;
		if (!fault_inject(&fe, 1, &t))
			return;
	}
	close(fault_hfd);
	fault_hfd = -1;
	if (ctl_remove(ctl, hidx))
		st_fail(S, "removing /dev/cipc%u: %s", hidx, errname(errno));
	close(ctl);
	ctl = -1;
	err = module_unload(MODULE_MS);
	if (err)
		st_fail(S, "unloading after the injections: %s", errname(-err));
	else
		st_pass(S, "the module unloads after the injections");
}

void run_faults(void)
{
	unsigned long long before = st_table.faults_injected;
	unsigned int fails = st_failures;

	if (access("/proc/self/fail-nth", F_OK) ||
	    access(DEBUGFS "/failslab", F_OK)) {
		printf("faults: skipped (no fault injection in this kernel)\n");
		return;
	}
	fault_usercopy = access(DEBUGFS "/fail_usercopy", F_OK) == 0;
	if (!copy_ko()) {
		st_fail(S, "copying $CIPC_KO to " KO_COPY ": %s", errname(errno));
		return;
	}
	fault_kfd = kmsg_open();
	if (fault_nth_open() || fault_kfd < 0) {
		st_fail(S, "opening fail-nth or /dev/kmsg: %s", errname(errno));
		goto out;
	}
	if (kmemleak_present() && kmemleak_cmd("clear"))
		st_fail(S, "echo clear > " KMEMLEAK_PATH ": %s", errname(errno));
	fault_attrs_setup();
	read_file_str("/proc/sys/kernel/printk", printk_saved,
		      sizeof(printk_saved));
	/* the console level only: the first of the four numbers */
	printk_saved[strcspn(printk_saved, " \t")] = '\0';
	signal(SIGSEGV, printk_restore);
	signal(SIGABRT, printk_restore);
	signal(SIGTERM, printk_restore);
	signal(SIGINT, printk_restore);
	write_file_str("/proc/sys/kernel/printk", "4");
	/* No page fault of ours may take a fault point. */
	touch_stack();
	if (mlockall(MCL_CURRENT | MCL_FUTURE))
		st_note(S, "mlockall: %s", errname(errno));
	kmsg_known_trace_bug = true;
	phases();
	kmsg_known_trace_bug = false;
	if (kmsg_known_trace_warnings)
		st_note(S, "%u WARNINGs of kernel/trace/trace_events.c, a kernel "
			"bug and not cipc's: a failure injected into the "
			"registration of the module's trace events at load "
			"(event_define_fields) is warned about there and again "
			"in event_file_put() when the module goes",
			kmsg_known_trace_warnings);
	munlockall();
	if (printk_saved[0])
		write_file_str("/proc/sys/kernel/printk", printk_saved);
	signal(SIGSEGV, SIG_DFL);
	signal(SIGABRT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	fault_attrs_restore();
	kmsg_check(fault_kfd, S, true, NULL);
	if (kmemleak_present())
		kmemleak_check(S);
out:
	if (fault_hfd >= 0)
		close(fault_hfd);
	if (ctl >= 0)
		close(ctl);
	fault_nth_close();
	if (fault_kfd >= 0)
		close(fault_kfd);
	if (kofd >= 0)
		close(kofd);
	unlink(KO_COPY);
	fault_hfd = ctl = fault_kfd = kofd = -1;
	if (st_failures == fails)
		st_pass(S, "%llu faults injected, every one handled cleanly",
			st_table.faults_injected - before);
}
