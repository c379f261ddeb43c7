/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the Check suites that run in the test VM
 * (cipc-driver-tests, cipc-lib-tests, cipc-tools-tests): small files
 * (sysfs, /proc), and the state of the cipc module for the suites that
 * unload and reload it (finit_module on $CIPC_KO).
 *
 * Nothing here asserts: every helper returns 0 or -errno, or a bool, and
 * the suite decides what a failure means. Every wait takes the caller's
 * deadline. Each suite compiles vmutil.c with its own flags (see its .mk).
 */
#ifndef CIPC_TESTS_VMUTIL_H
#define CIPC_TESTS_VMUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- files ----------------------------------------------------------- */

/* Read a whole file, strip one trailing newline: 0 or -errno. */
int read_file_str(const char *path, char *buf, size_t size);
/* Write a string in one write(2): 0 or -errno (from open or write). */
int write_file_str(const char *path, const char *val);

/* State letter of /proc/PID/stat ('R', 'S', ...), 0 if unreadable. */
char proc_state(pid_t pid);

/* ---- the cipc module ------------------------------------------------- */

/* /sys/module/cipc exists. */
bool module_loaded(void);
/* /sys/module/cipc/parameters/NAME as a number: false if unreadable. */
bool param_value(const char *name, unsigned int *val);
/*
 * delete_module(cipc), retrying while it is in use (EBUSY, EAGAIN), then
 * waiting for /sys/module/cipc to go, both within timeout_ms: 0 (also if
 * it was not loaded) or -errno (-EBUSY if it did not go in time).
 */
int module_unload(unsigned int timeout_ms);
/* finit_module($CIPC_KO, params): 0 or -errno (-ENOENT: CIPC_KO unset). */
int module_load(const char *params);

/* Counts the entries of dir named prefix + digits ("cipc12"). */
typedef unsigned int (*count_numbered_fn)(const char *dir,
					  const char *prefix);
/*
 * Wait until /dev and /sys/class/cipc show exactly n channels, as count
 * sees them: false after timeout_ms.
 */
bool nodes_settle_within(unsigned int n, unsigned int timeout_ms,
			 count_numbered_fn count);
/*
 * module_unload(timeout_ms); then, unless params is NULL (leave it
 * unloaded), module_load(params) and nodes_settle_within(n, ...):
 * 0 or -errno (-ETIMEDOUT if the n channels did not show up in time).
 */
int module_reload(const char *params, unsigned int n,
		  unsigned int timeout_ms, count_numbered_fn count);

#endif /* CIPC_TESTS_VMUTIL_H */
