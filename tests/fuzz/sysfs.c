// SPDX-License-Identifier: GPL-2.0
/*
 * The sysfs files of a channel, /sys/class/cipc/cipcN/ and its stats/:
 * every file read (and its content checked), junk and good values written
 * to mode and stats/reset, junk written to the read-only files.
 *
 * What root gets (measured in the 6.12 VM, and what kernfs does): writing
 * a file without store() (0444, 0440) fails at open(2) with EACCES, and so
 * does reading stats/reset (0200, no show()); CAP_DAC_OVERRIDE does not
 * help, kernfs refuses before the driver is called. mode and stats/reset
 * refuse values other than their own with EINVAL (the driver's store()).
 * The files of a channel removed meanwhile: ENOENT (open) or ENODEV (an
 * open file of a removed kobject).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "worker.h"

enum { SF_NUM, SF_ID, SF_MODE, SF_BOOL, SF_DEV, SF_UEVENT, SF_WO, SF_CORE,
       SF_CORE_EIO };

static const struct {
	const char *name;
	int type;
	bool ro;	/* no store() */
} fz_sysfs[] = {
	{ "id", SF_ID, true }, { "msg_max", SF_NUM, true },
	{ "queue_depth", SF_NUM, true }, { "max_waiters", SF_NUM, true },
	{ "mode", SF_MODE, false }, { "count", SF_NUM, true },
	{ "all", SF_BOOL, true }, { "waiters", SF_NUM, true },
	{ "queued", SF_NUM, true }, { "generation", SF_NUM, true },
	{ "seq", SF_NUM, true }, { "dev", SF_DEV, true },
	{ "uevent", SF_UEVENT, false },
	{ "stats/complete", SF_NUM, true },
	{ "stats/complete_all", SF_NUM, true },
	{ "stats/reinit", SF_NUM, true }, { "stats/wait", SF_NUM, true },
	{ "stats/woken", SF_NUM, true }, { "stats/timeout", SF_NUM, true },
	{ "stats/interrupted", SF_NUM, true }, { "stats/again", SF_NUM, true },
	{ "stats/bytes_in", SF_NUM, true }, { "stats/bytes_out", SF_NUM, true },
	{ "stats/full", SF_NUM, true }, { "stats/discarded", SF_NUM, true },
	{ "stats/refused", SF_NUM, true }, { "stats/reset", SF_WO, false },
	/* the driver core's, not cipc's: read only, content not checked */
	{ "power/async", SF_CORE, false },
	{ "power/autosuspend_delay_ms", SF_CORE_EIO, false },
	{ "power/control", SF_CORE, false },
	{ "power/runtime_active_kids", SF_CORE, false },
	{ "power/runtime_active_time", SF_CORE, false },
	{ "power/runtime_enabled", SF_CORE, false },
	{ "power/runtime_status", SF_CORE, false },
	{ "power/runtime_suspended_time", SF_CORE, false },
	{ "power/runtime_usage", SF_CORE, false },
};

#define NSYSFS (int)(sizeof(fz_sysfs) / sizeof(fz_sysfs[0]))

/*
 * Which of the driver core's power/ files a device has depends on the
 * kernel's configuration (CONFIG_PM...): a file the control device (a misc
 * device, there as long as the module) lacks is not fuzzed.
 */
static bool fz_present(int i)
{
	static signed char known[NSYSFS];	/* 0 unknown, 1 yes, -1 no */
	char path[96];

	if (fz_sysfs[i].type != SF_CORE && fz_sysfs[i].type != SF_CORE_EIO)
		return true;
	if (!known[i]) {
		snprintf(path, sizeof(path), "/sys/class/misc/cipc-control/%s",
			 fz_sysfs[i].name);
		known[i] = access(path, F_OK) == 0 ? 1 : -1;
	}
	return known[i] > 0;
}

static const char *fz_bad_content(int type, const char *b, unsigned int idx)
{
	unsigned long long v;
	unsigned int a, c;
	char *end;

	switch (type) {
	case SF_MODE:
		return strcmp(b, "one\n") && strcmp(b, "all\n") ?
		       "not one/all" : NULL;
	case SF_BOOL:
		return strcmp(b, "0\n") && strcmp(b, "1\n") ? "not 0/1" : NULL;
	case SF_DEV:
		return sscanf(b, "%u:%u\n", &a, &c) != 2 || c != idx ?
		       "not MAJOR:index" : NULL;
	case SF_UEVENT:
		return strstr(b, "DEVNAME=cipc") ? NULL : "no DEVNAME";
	case SF_NUM:
	case SF_ID:
		if (b[0] < '0' || b[0] > '9')
			return "not a number";
		errno = 0;
		v = strtoull(b, &end, 10);
		if (errno || strcmp(end, "\n"))
			return "not one number and a newline";
		if (type == SF_ID && v % fz_cfg.ctl.max_channels != idx)
			return "id % max_channels is not the index";
		return NULL;
	}
	return NULL;
}

void fz_op_sysfs_read(struct fz_worker *wk)
{
	int i = (int)fz_below(&wk->r, NSYSFS), fd;
	uint32_t cond = 0;
	unsigned int idx = fz_pick_index(wk, &cond);
	char path[96], buf[4097];
	const char *why;
	long ret;

	if (!fz_present(i))
		return;
	if (cond & C_NONODE)	/* no sysfs directory to read */
		idx = fz_fallback_index(&cond);
	if (fz_sysfs[i].type == SF_WO)
		cond |= C_WOFILE;
	if (fz_sysfs[i].type == SF_CORE_EIO)
		cond |= C_COREEIO;
	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", idx,
		 fz_sysfs[i].name);
	WHAT(wk, "read %s", path);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ret = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	fz_check(wk, K_SYSFS_READ, cond, ret, errno);
	if (fd >= 0)
		close(fd);
	if (ret < 0)
		return;
	buf[ret] = 0;
	why = fz_bad_content(fz_sysfs[i].type, buf, idx);
	if (why)
		fz_bad(wk, K_SYSFS_READ, "content \"%.40s\": %s", buf, why);
}

/* The kernel's sysfs_streq() on the value as the store() sees it. */
static bool fz_streq(const char *s1, const char *s2)
{
	while (*s1 && *s1 == *s2) {
		s1++;
		s2++;
	}
	if (*s1 == *s2)
		return true;
	if (!*s1 && *s2 == '\n' && !s2[1])
		return true;
	return *s1 == '\n' && !s1[1] && !*s2;
}

static size_t fz_junk(struct fz_worker *wk, char *buf)
{
	static const char *const words[] = {
		"2", "-1", "0", "1", "4294967296", "99999999999999999999",
		"0x1", " one", "ONE", "one all", "1 ", "11", "al", "alll",
		"one\nall", "1x", "\n", "all\n\n", "one ", "0one",
	};
	size_t n;

	if (fz_one_in(&wk->r, 2)) {
		strcpy(buf, words[fz_below(&wk->r, 20)]);
		return strlen(buf);
	}
	n = 1 + fz_below(&wk->r, 64);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)fz_next(&wk->r);
	buf[n] = 0;
	return n;
}

void fz_op_sysfs_write(struct fz_worker *wk)
{
	static const char *const good_mode[] = { "one", "all", "one\n",
						 "all\n" };
	uint32_t cond = 0;
	unsigned int idx = fz_pick_index(wk, &cond), x = fz_below(&wk->r, 10);
	const char *name;
	char path[96], buf[80], shown[200];
	size_t n;
	int fd;
	long ret;

	if (cond & C_NONODE)
		idx = fz_fallback_index(&cond);
	memset(buf, 0, sizeof(buf));
	if (x < 4) {
		name = "mode";
		if (fz_one_in(&wk->r, 2)) {
			strcpy(buf, good_mode[fz_below(&wk->r, 4)]);
			n = strlen(buf);
		} else {
			n = fz_junk(wk, buf);
		}
		if (!fz_streq(buf, "one") && !fz_streq(buf, "all"))
			cond |= C_BADVAL;
	} else if (x < 7) {
		name = "stats/reset";
		if (fz_one_in(&wk->r, 2)) {
			strcpy(buf, fz_one_in(&wk->r, 2) ? "1" : "1\n");
			n = strlen(buf);
		} else {
			n = fz_junk(wk, buf);
		}
		if (!fz_streq(buf, "1"))
			cond |= C_BADVAL;
		if (wk->nopriv)
			cond |= C_NOPRIV;
	} else {
		int i;

		do
			i = (int)fz_below(&wk->r, NSYSFS);
		while (!fz_sysfs[i].ro);
		name = fz_sysfs[i].name;
		n = fz_junk(wk, buf);
		cond |= C_ROFILE;
	}
	for (size_t i = 0, j = 0; i < n && j < sizeof(shown) - 5; i++)
		j += (size_t)snprintf(shown + j, sizeof(shown) - j,
				      buf[i] >= 0x20 && buf[i] < 0x7f &&
				      buf[i] != '\\' ? "%c" : "\\x%02x",
				      (unsigned char)buf[i]);
	snprintf(path, sizeof(path), "/sys/class/cipc/cipc%u/%s", idx, name);
	WHAT(wk, "write \"%s\" (%zu bytes) to %s", shown, n, path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ret = fd < 0 ? -1 : write(fd, buf, n);
	fz_check(wk, K_SYSFS_WRITE, cond, ret, errno);
	if (fd >= 0)
		close(fd);
	if (ret >= 0 && (size_t)ret != n)
		fz_bad(wk, K_SYSFS_WRITE, "wrote %ld of %zu bytes", ret, n);
}
