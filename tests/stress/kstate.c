// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-stress: helpers about the kernel's state (stress.h): slab caches,
 * meminfo, kmemleak, the kernel log.
 */
#include "stress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- kernel state ---------------------------------------------------- */

/*
 * The shrink files of every cache, opened once and kept open: opening and
 * closing them at each reading would free as many file objects through
 * RCU (6.1) and show up as noise in the next reading.
 */
static int shrink_fd[1024];
static unsigned int nshrink;

void slab_release(void)
{
	while (nshrink)
		close(shrink_fd[--nshrink]);
}

int slab_snapshot(struct slabsnap *s)
{
	char line[512];
	FILE *f;

	if (!nshrink) {
		DIR *d = opendir("/sys/kernel/slab");
		struct dirent *de;

		while (d && (de = readdir(d)) &&
		       nshrink < sizeof(shrink_fd) / sizeof(shrink_fd[0])) {
			char path[300];
			int fd;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path),
				 "/sys/kernel/slab/%s/shrink", de->d_name);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0)
				shrink_fd[nshrink++] = fd;
		}
		if (d)
			closedir(d);
	}
	/* Per-CPU slabs and partial lists back to the nodes: less noise. */
	for (unsigned int i = 0; i < nshrink; i++)
		if (pwrite(shrink_fd[i], "1", 1, 0) < 0)
			(void)0;

	s->n = 0;
	s->sum = 0;
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		long long active;
		char name[48];

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%47s %lld", name, &active) != 2)
			continue;
		s->sum += active;
		if (s->n < sizeof(s->c) / sizeof(s->c[0])) {
			memcpy(s->c[s->n].name, name, sizeof(name));
			s->c[s->n++].active = active;
		}
	}
	fclose(f);
	return 0;
}

void slab_diff_note(const char *scen, const struct slabsnap *a,
		    const struct slabsnap *b, long long min)
{
	for (unsigned int i = 0; i < b->n; i++) {
		long long before = 0, d;

		for (unsigned int j = 0; j < a->n; j++) {
			if (!strcmp(a->c[j].name, b->c[i].name)) {
				before = a->c[j].active;
				break;
			}
		}
		d = b->c[i].active - before;
		if (d > min || d < -min)
			st_note(scen, "  %-28s %+lld (%lld -> %lld)",
				b->c[i].name, d, before, b->c[i].active);
	}
}

long long meminfo_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			v = strtoll(line + klen + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return v;
}

bool kmemleak_present(void)
{
	return access(KMEMLEAK_PATH, W_OK) == 0;
}

int kmemleak_cmd(const char *cmd)
{
	return write_file_str(KMEMLEAK_PATH, cmd);
}

/*
 * Whether a kmemleak record is cipc's: a frame of its backtrace names a
 * cipc symbol ("[cipc]"), or is an address kallsyms no longer resolves
 * ("[<ffffffffc0...>] 0xffffffffc0..."): code of a module unloaded
 * since, and the scenarios load and unload only cipc. Only the backtrace
 * counts: the "comm" line names the task, often cipc-stress itself.
 */
static bool record_is_cipc(const char *rec)
{
	const char *bt = strstr(rec, "backtrace");

	if (!bt)
		return false;
	for (const char *l = bt; (l = strchr(l, '\n')); ) {
		const char *e = strchr(++l, '\n'), *p = strstr(l, "] ");

		if (!e)
			e = l + strlen(l);
		if (p && p < e && (!strncmp(p + 2, "0x", 2) ||
				   (strstr(l, "[cipc]") &&
				    strstr(l, "[cipc]") < e)))
			return true;
	}
	return false;
}

int kmemleak_cipc_objects(const char *scen, unsigned int *others)
{
	static char rec[16384];
	size_t len = 0;
	char line[1024];
	int cipc = 0;
	FILE *f = fopen(KMEMLEAK_PATH, "re");

	*others = 0;
	if (!f)
		return -1;
	/* Records start with "unreferenced object"; flush each at the next. */
	for (bool more = true; more;) {
		more = fgets(line, sizeof(line), f) != NULL;
		if (!more || !strncmp(line, "unreferenced object", 19)) {
			if (len && record_is_cipc(rec)) {
				cipc++;
				st_fail(scen, "kmemleak: an object allocated "
					"by cipc was leaked:\n%s", rec);
			} else if (len && ++*others <= 5) {
				st_note(scen, "kmemleak: an unreferenced "
					"object, not cipc's:\n%s", rec);
			}
			len = 0;
			rec[0] = '\0';
		}
		if (more && len + strlen(line) < sizeof(rec)) {
			memcpy(rec + len, line, strlen(line) + 1);
			len += strlen(line);
		}
	}
	fclose(f);
	return cipc;
}

int kmemleak_check(const char *scen)
{
	unsigned int others;
	int n;

	/* Only objects older than 5 s are reported; two scans, as the
	 * runner does, so that a reference dropped a moment ago is seen. */
	sleep_ms(6000);
	if (kmemleak_cmd("scan"))
		return -1;
	sleep_ms(3000);
	if (kmemleak_cmd("scan"))
		return -1;
	n = kmemleak_cipc_objects(scen, &others);
	if (n == 0)
		st_pass(scen, "kmemleak: no unreferenced object allocated by "
			"cipc (%u other unreferenced objects, not cipc's)",
			others);
	return n;
}

/* ---- kernel log ------------------------------------------------------ */

int kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

/* What tests/vm/run takes for a kernel report (its $splat). */
static const char * const splat[] = {
	"BUG:", "WARNING:", "Oops", "Call Trace", "KFENCE", "KASAN", "UBSAN",
	"blocked for more than", "possible circular locking",
	"possible recursive locking", "inconsistent lock state",
	"suspicious RCU usage", "general protection fault", "Kernel panic",
	"kernel BUG", "Unable to handle", "detected stalls", "soft lockup",
	"hard LOCKUP",
};

const char *kmsg_next(int fd, char *rec, size_t size, bool *lost)
{
	for (;;) {
		ssize_t n = fd < 0 ? 0 : read(fd, rec, size - 1);
		char *msg, *nl;

		if (n < 0 && errno == EPIPE) {
			*lost = true;
			continue;
		}
		if (n <= 0)
			return NULL;
		rec[n] = '\0';
		msg = strchr(rec, ';');
		msg = msg ? msg + 1 : rec;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = '\0';
		return msg;
	}
}

bool kmsg_known_trace_bug;
unsigned int kmsg_known_trace_warnings;

bool kmsg_line_bad(const char *scen, const char *msg, bool allow_alloc,
		   unsigned int *alloc_reports)
{
	static bool in_alloc;	/* last header was a warn_alloc one */
	static bool traced;	/* ... and its Call Trace was seen */
	static bool in_known;	/* last header was the known trace bug */

	/*
	 * A kernel bug, not cipc's (Linux 6.12): a failure injected into
	 * the registration of a module's trace events at load
	 * (trace_module_notify < event_create_dir < event_define_fields)
	 * makes kernel/trace/trace_events.c warn there, and again in
	 * event_file_put() when that module goes (a reference never taken
	 * is dropped). Any module with trace events does the same. Only
	 * while the faults scenario injects (kmsg_known_trace_bug), only
	 * that file's WARNING and the Call Trace of its dump.
	 */
	if (kmsg_known_trace_bug && strstr(msg, "WARNING:") &&
	    strstr(msg, " at kernel/trace/trace_events.c:")) {
		kmsg_known_trace_warnings++;
		in_known = true;
		return false;
	}
	if (in_known && strstr(msg, "Call Trace")) {
		in_known = false;
		return false;
	}

	if (strstr(msg, "page allocation failure:") ||
	    strstr(msg, "vmalloc error:")) {
		in_alloc = true;
		traced = false;
		if (alloc_reports)
			(*alloc_reports)++;
		return false;
	}
	for (size_t i = 0; i < sizeof(splat) / sizeof(splat[0]); i++) {
		if (!strstr(msg, splat[i]))
			continue;
		if (allow_alloc && in_alloc && !traced &&
		    !strcmp(splat[i], "Call Trace")) {
			traced = true;
			return false;
		}
		in_alloc = false;
		st_fail(scen, "kernel report: %s", msg);
		return true;
	}
	return false;
}

int kmsg_check(int fd, const char *scen, bool allow_alloc,
	       unsigned int *alloc_reports)
{
	char rec[2048];
	const char *msg;
	bool lost = false;
	int bad = 0;

	if (alloc_reports)
		*alloc_reports = 0;
	while ((msg = kmsg_next(fd, rec, sizeof(rec), &lost)))
		bad += kmsg_line_bad(scen, msg, allow_alloc, alloc_reports);
	if (lost) {
		st_fail(scen, "kernel log: records were overwritten before "
			"they could be checked");
		bad++;
	}
	return bad;
}
