// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "faults": the fail-nth machinery (faults.h): the fault
 * attributes in debugfs, /proc/thread-self/fail-nth, the loop over the
 * fault points of one operation, the stack of an injected fault.
 */
#include "faults.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_N		20000U

int fault_kfd = -1;
static int failfd = -1;

int fault_nth_open(void)
{
	failfd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	return failfd < 0 ? -errno : 0;
}

void fault_nth_close(void)
{
	if (failfd >= 0)
		close(failfd);
	failfd = -1;
}

/* ---- fault injection set-up ------------------------------------------ */

static struct {
	char path[160];
	char val[32];
} saved[48];
static unsigned int nsaved;

static void set_attr(const char *dir, const char *attr, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), DEBUGFS "/%s/%s", dir, attr);
	if (access(path, W_OK) || nsaved == sizeof(saved) / sizeof(saved[0]))
		return;
	if (read_file_str(path, saved[nsaved].val, sizeof(saved[0].val)))
		return;
	snprintf(saved[nsaved].path, sizeof(saved[0].path), "%s", path);
	nsaved++;
	if (write_file_str(path, val))
		st_fail(S, "echo %s > %s: %s", val, path, errname(errno));
}

void fault_attrs_restore(void)
{
	while (nsaved--)
		write_file_str(saved[nsaved].path, saved[nsaved].val);
	nsaved = 0;
}

void fault_attrs_setup(void)
{
	static const char * const all[] = {
		"failslab", "fail_page_alloc", "fail_usercopy", "fail_futex",
		"fail_function", "fail_make_request", "fail_io_timeout",
		"fail_skb_realloc", "fail_sunrpc",
	};

	set_attr("failslab", "ignore-gfp-wait", "N");
	set_attr("fail_page_alloc", "ignore-gfp-wait", "N");
	set_attr("fail_page_alloc", "ignore-gfp-highmem", "N");
	set_attr("fail_page_alloc", "min-order", "0");
	/* fail-nth counts every fault point: silence all of them. */
	for (unsigned int i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		set_attr(all[i], "verbose", "0");
		set_attr(all[i], "probability", "0");
		/* for fault_stack(), which makes them verbose */
		set_attr(all[i], "verbose_ratelimit_burst", "10000");
	}
}

void fault_set_nth(unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(failfd, b, (size_t)len, 0) != len)
		st_fail(S, "writing %u to fail-nth: %s", n, errname(errno));
}

/*
 * Whether the fault was injected (fail-nth read back 0), then 0 again.
 * A read that fails with EFAULT found fail-nth at 1: its own user copy
 * took it, so the operation did not (fail_usercopy).
 */
bool fault_consumed(void)
{
	char b[16] = "";
	ssize_t r = pread(failfd, b, sizeof(b) - 1, 0);

	if (r > 0 && atoi(b) == 0)
		return true;
	if (pwrite(failfd, "0", 1, 0) != 1)
		(void)0;	/* its own copy may have taken the last count */
	memset(b, 0, sizeof(b));
	if (pread(failfd, b, sizeof(b) - 1, 0) <= 0 || atoi(b) != 0)
		st_fail(S, "fail-nth does not go back to 0 (\"%s\")", b);
	return false;
}

/* ---- the loop -------------------------------------------------------- */

static const char * const verbose_dirs[] = {
	"failslab", "fail_page_alloc", "fail_usercopy",
};

static void set_verbose(const char *val)
{
	char path[96];

	for (unsigned int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), DEBUGFS "/%s/verbose",
			 verbose_dirs[i]);
		write_file_str(path, val);
	}
}

void fault_stack(const struct fop *f, unsigned int n, char *out, size_t size)
{
	char rec[1024];
	const char *msg;
	size_t len = 0;
	bool in = false, lost = false;

	out[0] = '\0';
	kmsg_check(fault_kfd, S, true, NULL);
	if (f->prep && f->prep())
		return;
	/* What prep() made the kernel say (an unload) is checked as usual. */
	kmsg_check(fault_kfd, S, true, NULL);
	set_verbose("2");
	fault_set_nth(n);
	f->op();
	fault_consumed();
	set_verbose("0");
	while ((msg = kmsg_next(fault_kfd, rec, sizeof(rec), &lost))) {
		char frame[128], *e;

		if (strstr(msg, "FAULT_INJECTION: forcing a failure")) {
			in = true;
			continue;
		}
		if (in && strstr(msg, "</TASK>")) {
			in = false;
			continue;
		}
		/* Outside the dump of the injection: a report as any other. */
		if (!in) {
			kmsg_line_bad(S, msg, true, NULL);
			continue;
		}
		/* " func+0x1/0x2 [mod]"; "? func" frames are unreliable. */
		if (msg[0] != ' ' || !strchr(msg, '+') || strstr(msg, "? "))
			continue;
		snprintf(frame, sizeof(frame), "%s", msg + strspn(msg, " "));
		if ((e = strchr(frame, '+')))
			*e = '\0';
		if (!len && (!strncmp(frame, "dump_stack", 10) ||
			     !strcmp(frame, "should_fail_ex")))
			continue;
		if (len + strlen(frame) + 4 < size)
			len += (size_t)snprintf(out + len, size - len, "%s%s",
						len ? " < " : "", frame);
	}
	if (f->post)
		f->post();
	kmsg_check(fault_kfd, S, true, NULL);
}

bool fault_inject(const struct fop *f, unsigned int stride, struct tally *t)
{
	unsigned int n, alloc;

	memset(t, 0, sizeof(*t));
	for (n = 1; n < MAX_N; n += stride) {
		char stk[1200];
		int err, bad;
		bool inj;

		if (f->prep && f->prep())
			return false;
		fault_set_nth(n);
		err = f->op();
		inj = fault_consumed();
		bad = kmsg_check(fault_kfd, S, true, &alloc);
		if (!f->check(n, err, inj))
			return false;
		if (bad) {
			fault_stack(f, n, stk, sizeof(stk));
			st_fail(S, "%s: the kernel reported a problem at "
				"fail-nth %u (%s); the fault was injected at: %s",
				f->name, n, err ? errname(err) : "succeeded",
				stk[0] ? stk : "(no stack in the kernel log)");
		}
		if (!inj)
			break;
		t->points++;
		st_table.faults_injected++;
		if (!err)
			t->ok++;
		else if (err == ENOMEM)
			t->enomem++;
		else if (err == EFAULT)
			t->efault++;
		else
			t->other++;
	}
	if (n >= MAX_N) {
		st_fail(S, "%s: still injecting at fail-nth %u", f->name, n);
		return false;
	}
	st_note(S, "%s: %u fault points injected%s: ENOMEM %u, EFAULT %u, "
		"success %u, other %u", f->name, t->points,
		stride > 1 ? " (every few)" : "", t->enomem, t->efault, t->ok,
		t->other);
	return true;
}

