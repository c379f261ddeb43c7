// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the VM test suites (tests/driver, tests/lib,
 * tests/tools): see vmutil.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by the suites' .mk */
#endif
#include "vmutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define MODULE_NAME	"cipc"
#define MODULE_DIR	"/sys/module/" MODULE_NAME
#define PARAM_DIR	MODULE_DIR "/parameters"
#define CLASS_DIR	"/sys/class/cipc"

/* Polling interval of the module waits. */
#define MODULE_POLL_MS	10

static uint64_t vmu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000ULL +
	       (uint64_t)ts.tv_nsec / 1000000ULL;
}

static void vmu_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (long)(ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ---- files ----------------------------------------------------------- */

int read_file_str(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd, err = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (len + 1 < size) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len > 0 && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return err;
}

int write_file_str(const char *path, const char *val)
{
	size_t len = strlen(val);
	ssize_t n;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, val, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

char proc_state(pid_t pid)
{
	char path[64], buf[512];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file_str(path, buf, sizeof(buf)) != 0)
		return 0;
	/* "pid (comm) S ...": comm may hold spaces and parentheses. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/* ---- the cipc module ------------------------------------------------- */

bool module_loaded(void)
{
	return access(MODULE_DIR, F_OK) == 0;
}

bool param_value(const char *name, unsigned int *val)
{
	char path[128], buf[32], *end;
	unsigned long v;

	snprintf(path, sizeof(path), PARAM_DIR "/%s", name);
	if (read_file_str(path, buf, sizeof(buf)) != 0)
		return false;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end)
		return false;
	*val = (unsigned int)v;
	return true;
}

int module_unload(unsigned int timeout_ms)
{
	uint64_t deadline = vmu_now_ms() + timeout_ms;

	for (;;) {
		if (syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK) == 0)
			break;
		if (errno == ENOENT)
			return 0;
		if ((errno != EBUSY && errno != EAGAIN) ||
		    vmu_now_ms() >= deadline)
			return -errno;
		vmu_sleep_ms(MODULE_POLL_MS);
	}
	while (module_loaded()) {
		if (vmu_now_ms() >= deadline)
			return -EBUSY;
		vmu_sleep_ms(MODULE_POLL_MS);
	}
	return 0;
}

int module_load(const char *params)
{
	const char *ko = getenv("CIPC_KO");
	int fd, err = 0;

	if (!ko || !*ko)
		return -ENOENT;
	fd = open(ko, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (syscall(SYS_finit_module, fd, params, 0) != 0)
		err = -errno;
	close(fd);
	return err;
}

bool nodes_settle_within(unsigned int n, unsigned int timeout_ms,
			 count_numbered_fn count)
{
	uint64_t deadline = vmu_now_ms() + timeout_ms;

	for (;;) {
		if (count("/dev", "cipc") == n && count(CLASS_DIR, "cipc") == n)
			return true;
		if (vmu_now_ms() >= deadline)
			return false;
		vmu_sleep_ms(MODULE_POLL_MS);
	}
}

int module_reload(const char *params, unsigned int n,
		  unsigned int timeout_ms, count_numbered_fn count)
{
	int err = module_unload(timeout_ms);

	if (err || !params)
		return err;
	err = module_load(params);
	if (err)
		return err;
	return nodes_settle_within(n, timeout_ms, count) ? 0 : -ETIMEDOUT;
}
