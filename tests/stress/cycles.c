// SPDX-License-Identifier: GPL-2.0
/*
 * Scenario "cycles": unload and load the module CYCLES times (10 with
 * --quick), using it in between, and look for what it leaves behind.
 *
 * A cycle: module_unload() (every node, /dev/cipc-control and the class
 * go), module_load() with the default parameters (4 channels settle), 4
 * channels added, opened, each signalled with a message and waited for
 * (ioctl and read/write), 2 removed (the first while its file is open:
 * ENODEV, then closed), the 2 others removed and everything closed. Every
 * BUSY_EVERY-th cycle instead leaves the 2 other channels added and a file
 * of one of them and the control device open: delete_module() must be
 * refused (the kernel says EAGAIN, "in use"; EBUSY accepted) while either
 * is open, the module stay loaded and the file keep working; both are
 * then closed and the next cycle's unload must succeed.
 *
 * Leaks: the active objects of every slab cache (/proc/slabinfo after
 * each cache's shrink, dentries and inodes dropped, summed) and
 * MemAvailable are read before and after the cycles, in the same state
 * (module loaded with the defaults, 4 channels, nothing open); both are
 * printed with their difference, and so is every cache that changed by
 * more than 8. A first cycle, not counted, settles what the kernel frees
 * lazily (vmap areas: module loading purges them) and what only a first
 * load allocates. The noise of that sum is measured next
 * over NOISE_SETS sets of idle cycles (the same reading, no module work);
 * the cycles fail if the sum grew by more than SLAB_TOL_BASE + 2 x that
 * noise objects. The difference is the table's slab_growth_objects. With
 * kmemleak (the debug kernel): "clear" before, two scans after, and any
 * unreferenced object whose backtrace names cipc fails the scenario.
 */
#include "stress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define S		"cycles"
#define BUSY_EVERY	5	/* cycles 2, 7, 12...: unload refused */
#define NOISE_SETS	3
#define IDLE_CYCLES	5	/* idle cycles per noise set */
#define SLAB_TOL_BASE	64	/* objects, for the whole cycle set */

/*
 * The slab caches in a settled state: dentries and inodes dropped twice
 * (what the first drop releases, kernfs nodes of removed devices, goes
 * through RCU and may pin more), RCU callbacks run, every cache shrunk.
 */
static long long settled_slab(struct slabsnap *s)
{
	sync();
	/* 4 first: no "drop_caches" line in the kernel log from now on. */
	write_file_str("/proc/sys/vm/drop_caches", "4");
	for (unsigned int i = 0; i < 2; i++) {
		write_file_str("/proc/sys/vm/drop_caches", "2");
		sleep_ms(700);
	}
	return slab_snapshot(s) ? -1 : s->sum;
}

/* errno of the refused unloads: the table notes it once. */
static int refused_errno;

static bool unload_refused(const char *what)
{
	long r = syscall(SYS_delete_module, "cipc", O_NONBLOCK);

	if (r != 0 && !refused_errno)
		refused_errno = errno;
	if (r == 0 || (errno != EBUSY && errno != EAGAIN) ||
	    !module_loaded()) {
		st_fail(S, "delete_module with %s open: %s, expected EBUSY or "
			"EAGAIN (in use)%s", what, r ? errname(errno) : "0",
			module_loaded() ? "" : "; the module is gone");
		return false;
	}
	return true;
}

static bool gone(unsigned int cycle)
{
	unsigned int nodes = count_numbered("/dev", "cipc");

	if (module_loaded() || nodes || access(CONTROL_PATH, F_OK) == 0 ||
	    access(CLASS_PATH, F_OK) == 0) {
		st_fail(S, "cycle %u: after the unload: /sys/module/cipc %s, "
			"%u /dev/cipcN, %s %s, %s %s", cycle,
			module_loaded() ? "exists" : "gone", nodes,
			CONTROL_PATH, access(CONTROL_PATH, F_OK) ? "gone" :
			"exists", CLASS_PATH, access(CLASS_PATH, F_OK) ?
			"gone" : "exists");
		return false;
	}
	return true;
}

/* COMPLETE with a message, WAIT for it; write, read. */
static bool use(int fd, unsigned int cycle, unsigned int ch)
{
	char msg[24], buf[32];
	struct cipc_wait w;
	int len = snprintf(msg, sizeof(msg), "c%u-%u", cycle, ch);

	memset(buf, 0, sizeof(buf));
	if (ioc_signal(fd, false, msg, (size_t)len, NULL) ||
	    ioc_wait(fd, 10 * NS_PER_S, 0, 0, buf, sizeof(buf), &w) ||
	    strcmp(buf, msg) || write(fd, msg, (size_t)len) != len ||
	    read(fd, buf, sizeof(buf)) != len || memcmp(buf, msg, (size_t)len))
		return false;
	return true;
}

static bool one_cycle(unsigned int cycle, bool busy)
{
	struct cipc_ctl_channel c[4];
	int fds[4] = { -1, -1, -1, -1 }, ctl = -1, err;
	bool ok = false;

	err = module_unload(MODULE_MS);
	if (err) {
		st_fail(S, "cycle %u: unloading: %s", cycle, errname(-err));
		return false;
	}
	if (!gone(cycle))
		return false;
	err = st_load("", 4);
	if (err) {
		st_fail(S, "cycle %u: loading %s: %s", cycle,
			getenv("CIPC_KO") ?: "($CIPC_KO unset)", errname(-err));
		return false;
	}
	ctl = ctl_open();
	for (unsigned int i = 0; i < 4; i++) {
		memset(&c[i], 0, sizeof(c[i]));
		if (ctl < 0 || ioctl(ctl, CIPC_CTL_ADD, &c[i]) ||
		    (fds[i] = chan_open(c[i].index, O_RDWR)) < 0 ||
		    !use(fds[i], cycle, i)) {
			st_fail(S, "cycle %u: channel %u (/dev/cipc%u): %s",
				cycle, i, c[i].index, errname(errno));
			goto out;
		}
	}
	/* The first removed with its file open: ENODEV, then closed. */
	for (unsigned int i = 0; i < 2; i++) {
		if (ctl_remove(ctl, c[i].index) ||
		    (i == 0 && (ioc_signal(fds[i], false, NULL, 0, NULL) == 0 ||
				errno != ENODEV))) {
			st_fail(S, "cycle %u: removing /dev/cipc%u: %s", cycle,
				c[i].index, errname(errno));
			goto out;
		}
		close(fds[i]);
		fds[i] = -1;
	}
	if (busy) {
		close(fds[2]);
		fds[2] = -1;
		if (!unload_refused("a channel's file and the control device"))
			goto out;
		if (!use(fds[3], cycle, 3)) {
			st_fail(S, "cycle %u: the file stopped working after "
				"the refused unload: %s", cycle, errname(errno));
			goto out;
		}
		close(fds[3]);
		fds[3] = -1;
		if (!unload_refused("the control device"))
			goto out;
		/* 2 channels stay added: the next unload removes them. */
	} else {
		for (unsigned int i = 2; i < 4; i++) {
			if (ctl_remove(ctl, c[i].index)) {
				st_fail(S, "cycle %u: removing /dev/cipc%u: %s",
					cycle, c[i].index, errname(errno));
				goto out;
			}
		}
	}
	ok = true;
out:
	for (unsigned int i = 0; i < 4; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (ctl >= 0)
		close(ctl);
	return ok;
}

void run_cycles(void)
{
	static struct slabsnap sa, sb;
	unsigned int cycles = st_quick ? 10 : 100, done = 0;
	long long noise = 0, s0, s1, m0, m1, tol;
	bool kml = kmemleak_present();

	/*
	 * One cycle first, not counted: it purges what the kernel frees
	 * lazily (the vmap areas of the stacks of the processes of the
	 * scenarios before: module loading flushes them) and does what only
	 * the first load after boot does. Then the noise: the same settled
	 * reading around idle cycles.
	 */
	if (!one_cycle(cycles, false)) {
		module_unload(MODULE_MS);
		return;
	}
	settled_slab(&sa);
	for (unsigned int i = 0; i < NOISE_SETS; i++) {
		long long a = settled_slab(&sa), b;

		for (unsigned int j = 0; j < IDLE_CYCLES; j++)
			sleep_ms(100);
		b = settled_slab(&sb);
		if (a < 0 || b < 0) {
			st_fail(S, "cannot read /proc/slabinfo");
			slab_release();
			return;
		}
		if (llabs(b - a) > noise)
			noise = llabs(b - a);
		if (llabs(b - a) > SLAB_TOL_BASE / 2)
			slab_diff_note(S, &sa, &sb, getenv("CK_SLABDIFF") ? 0 : 8);
	}
	tol = SLAB_TOL_BASE + 2 * noise;
	if (kml && kmemleak_cmd("clear"))
		st_fail(S, "echo clear > " KMEMLEAK_PATH ": %s", errname(errno));

	s0 = settled_slab(&sa);
	m0 = meminfo_kb("MemAvailable");
	for (; done < cycles; done++) {
		if (!one_cycle(done, done % BUSY_EVERY == 2))
			break;
		st_table.load_unload_cycles++;
	}
	if (done < cycles) {
		/* Whatever state it is in, the next scenario needs it loaded. */
		module_unload(MODULE_MS);
		slab_release();
		return;
	}
	s1 = settled_slab(&sb);
	m1 = meminfo_kb("MemAvailable");
	st_table.slab_growth_objects += s1 - s0;
	st_note(S, "slab active objects: before %lld, after %lld, difference "
		"%+lld (noise of idle cycles %lld, tolerance %lld)", s0, s1,
		s1 - s0, noise, tol);
	st_note(S, "MemAvailable: before %lld kB, after %lld kB, difference "
		"%+lld kB", m0, m1, m1 - m0);
	slab_diff_note(S, &sa, &sb, getenv("CK_SLABDIFF") ? 0 : 8);
	if (s1 - s0 > tol)
		st_fail(S, "slab objects grew by %lld over %u cycles, more than "
			"the tolerance of %lld (%d + 2 x noise %lld)", s1 - s0,
			cycles, tol, SLAB_TOL_BASE, noise);
	else
		st_pass(S, "%u unload/load cycles (%u with the unload refused "
			"while files were open, delete_module: %s); slab "
			"objects %+lld within %lld", cycles,
			(cycles + BUSY_EVERY - 3) / BUSY_EVERY,
			errname(refused_errno), s1 - s0, tol);
	slab_release();
	if (kml)
		kmemleak_check(S);
	else
		st_note(S, "no kmemleak in this kernel");
}
