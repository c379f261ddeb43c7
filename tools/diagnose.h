/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Why the cipc module is not usable, and what fixes it: the diagnoses of
 * cipcctl status and cipcctl load (cipcctl(1), DIAGNOSTICS).
 *
 * Each diagnose_*() fills a struct diag with a one-line problem and a
 * one-line fix (and, for a failed DKMS build, the make.log and a few of its
 * lines). Everything is read from files; nothing here uses libkmod or
 * libcipc, so that the unit tests link this file alone.
 *
 * Test seam (not documented for users): CIPCCTL_SYSROOT, when set and not
 * empty, is prefixed to every path these diagnoses read (/lib/modules,
 * /var/lib/dkms, /etc/dkms, /sys/module, /sys/kernel/security,
 * /sys/firmware/efi, /proc) and to nothing else: never to libkmod's
 * modules directory, so never to the module cipcctl loads (cipcctl runs
 * as root). Messages still name the paths without it. CIPCCTL_KVER, when
 * set and not empty, replaces uname -r in the diagnoses and status's
 * "kernel" line. Both are read with secure_getenv (ignored set-id).
 */
#ifndef CIPC_TOOLS_DIAGNOSE_H
#define CIPC_TOOLS_DIAGNOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "json.h"
#include "tools-common.h"

#define DIAG_TEXT_MAX		512
#define DIAG_PATH_MAX		512
#define DIAG_EXCERPT_MAX	3	/* lines of a make.log shown */
#define DIAG_LINE_MAX		240

/* The default of DKMS's mok_certificate (dkms 3.0). */
#define DIAG_MOK_CERT_DEFAULT	"/var/lib/dkms/mok.pub"

struct diag {
	bool found;			/* a problem was diagnosed */
	char problem[DIAG_TEXT_MAX];
	char fix[DIAG_TEXT_MAX];
	char log[DIAG_PATH_MAX];	/* a DKMS make.log, or "" */
	unsigned int nexcerpt;		/* lines of it in excerpt */
	char excerpt[DIAG_EXCERPT_MAX][DIAG_LINE_MAX];
};

/* CIPCCTL_SYSROOT, "" when unset. */
const char *diag_sysroot(void);

/* CIPCCTL_KVER, else the running kernel's release, else "unknown". */
const char *diag_kernel_release(void);

/* Version order (strverscmp): <0, 0, >0. */
int diag_vercmp(const char *a, const char *b);

/*
 * The module is neither loaded nor installed for kernel @kver: headers
 * missing, a failed DKMS build, built but not installed, or simply not
 * installed. Always finds a problem.
 */
void diagnose_not_installed(struct diag *d, const char *kver);

/*
 * The kernel that the first line of a DKMS make.log names, into kver:
 * "DKMS make.log for cipc-VER for kernel KVER (ARCH)" (dkms 3.0), "DKMS
 * (dkms-3.2.2) make.log for cipc/VER for kernel KVER (ARCH)" (3.1 and
 * later). False if the line is not such a header.
 */
bool diag_make_log_kernel(const char *first, char *kver, size_t size);

/*
 * Loading was refused for the signature (EKEYREJECTED, or EPERM under
 * kernel lockdown): the certificate DKMS signs with, from /etc/dkms's
 * framework.conf and framework.conf.d/\*.conf (mok_certificate=), to enroll.
 * @file: the module given with --module, NULL for the installed one.
 */
void diagnose_signature(struct diag *d, const char *file);

/* Whether the kernel is in lockdown (integrity or confidentiality). */
bool diag_lockdown(void);

/*
 * The loaded module against cipcctl: its /sys/module/cipc/version differs
 * from @tool_version, or (@abi_mismatch) libcipc refused its ABI (EPROTO),
 * @abi being libcipc's. @installed: the version of the module installed
 * for the running kernel (modinfo), NULL if unknown; when it is
 * @tool_version (after an upgrade), the fix is only to reload. False,
 * d->found false, when they agree.
 */
bool diagnose_version(struct diag *d, const char *tool_version,
		      bool abi_mismatch, unsigned int abi,
		      const char *installed);

/* DKMS's mok_certificate, or DIAG_MOK_CERT_DEFAULT. */
void diag_mok_certificate(char *buf, size_t size);

/*
 * The advice after "NODE: permission denied" (EACCES opening a node): no
 * group cipc: create it and apply the udev rule; the node's group is not
 * cipc: only root may open it (no udev rule); its mode gives the group no
 * read-write access; else join the group (or log in again if already a
 * member), or, in it already, something else (ACL, LSM) refuses. Into
 * buf, without leading separator.
 */
const char *diag_permission(const char *node, char *buf, size_t size);
/* The same for another group than cipc (for the tests). */
const char *diag_permission_group(const char *node, const char *group,
				  char *buf, size_t size);

/*
 * Shared by diagnose.c and diagnose-access.c. diag_sys_path: SYSROOT +
 * the formatted path into buf, false if it does not fit;
 * diag_sys_first_line: the first line of SYSROOT/rel (newline removed),
 * false if unreadable; diag_set: format into one of d's fields and mark
 * d found.
 */
PRINTF_LIKE(3, 4) bool diag_sys_path(char *buf, size_t size,
				     const char *fmt, ...);
bool diag_sys_first_line(const char *rel, char *buf, size_t size);
PRINTF_LIKE(3, 4) void diag_set(struct diag *d, char *field,
				const char *fmt, ...);

/* status: "problem", "log" (each excerpt line), "fix" lines, if found. */
void diag_print_status(const struct diag *d);
/* status --json: the value of "diagnosis" (null when nothing found). */
void diag_json(struct json_writer *w, const struct diag *d);
/*
 * A failure diagnosed: "cipcctl: PROBLEM: FIX", then "cipcctl: make.log:
 * LINE" for each excerpt line, on stderr; exit status 1.
 */
__attribute__((noreturn)) void diag_die(const struct diag *d);

#endif /* CIPC_TOOLS_DIAGNOSE_H */
