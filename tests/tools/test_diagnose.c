// SPDX-License-Identifier: GPL-2.0
/*
 * The "diagnose" suite of cipc-tools-unit: why the module is not usable
 * and the fix (tools/diagnose.c), in fake trees under /tmp named by
 * CIPCCTL_SYSROOT with a made-up kernel release (CIPCCTL_KVER), the test
 * seams of cipcctl's diagnoses.
 *
 * - headers missing, a failed DKMS build (dkms 3.0's build/make.log, newer
 *   dkms's KVER/ARCH/log/make.log; another kernel's log ignored), built
 *   but not installed, not in DKMS: status's exact output (exit 0, also
 *   --json) and load's exact error (exit 1), running cipcctl;
 * - a rejected signature (the MOK certificate from framework.conf and
 *   framework.conf.d/\*.conf, the reason from /proc/cmdline or lockdown)
 *   and the loaded module's version against cipcctl's: the functions
 *   themselves (the host cannot load modules; the VM tests run them);
 * - the advice after "permission denied" on a node of group root.
 * Skipped where cipc is loaded (status would look at the real module).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools-tests.mk */
#endif
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diagnose.h"
#include "run.h"
#include "tools-common.h"

Suite *diagnose_suite(void);

#define KVER	"9.9.9-cipctest"
#define VER	CIPCCTL_VERSION
#define DKMS	"/var/lib/dkms/cipc/" VER

static char root[64];
static char env_root[128];

static void setup(void)
{
	snprintf(root, sizeof(root), "/tmp/cipcctl-diag.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(chmod(root, 0755), 0);
	snprintf(env_root, sizeof(env_root), "CIPCCTL_SYSROOT=%s", root);
	setenv("CIPCCTL_SYSROOT", root, 1);
	setenv("CIPCCTL_KVER", KVER, 1);
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	unsetenv("CIPCCTL_SYSROOT");
	unsetenv("CIPCCTL_KVER");
}

/* mkdir -p ROOT/REL */
static void mkdirs(const char *rel)
{
	char path[512];

	if (!*rel)
		return;
	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (char *s = path + strlen(root) + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
			      "mkdir %s: %s", path, strerror(errno));
		*s = '/';
	}
	ck_assert_msg(mkdir(path, 0755) == 0 || errno == EEXIST,
		      "mkdir %s: %s", path, strerror(errno));
}

/* ROOT/REL with this text, its directory made */
__attribute__((format(printf, 2, 3)))
static void put(const char *rel, const char *fmt, ...)
{
	char path[512], dir[512];
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s%s", root, rel);
	f = fopen(path, "w");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	ck_assert_int_eq(fclose(f), 0);
}

static bool no_module(void)
{
	if (access(CIPC_MODULE_DIR, F_OK) != 0)
		return true;
	fprintf(stderr, "note: diagnose skipped: cipc is loaded here\n");
	return false;
}

/* cipcctl ARGS (NULL-ended) in the fake tree: its status. */
static int ctl(struct proc *p, const char *a1, const char *a2)
{
	const char *const env[] = { env_root, "CIPCCTL_KVER=" KVER, NULL };
	struct run_opts o = { .env = env };

	return run_cipcctl_opts(p, &o, a1, a2, NULL);
}

#define STATUS_HEAD "module       cipc\nloaded       no\n" \
		    "kernel       " KVER "\ninstalled    no\n"

/* status prints exactly STATUS_HEAD + tail, exit 0; load fails with
 * exactly err, exit 1; status --json's diagnosis.problem is problem. */
static void expect(const char *tail, const char *err, const char *problem)
{
	char want[2048], script[1024];
	struct proc p, q;

	snprintf(want, sizeof(want), STATUS_HEAD "%s", tail);
	ck_assert_int_eq(ctl(&p, "status", NULL), 0);
	ck_assert_str_eq(p.out, want);
	ck_assert_str_eq(p.err, "");
	proc_free(&p);

	ck_assert_int_eq(ctl(&p, "load", NULL), 1);
	ck_assert_str_eq(p.err, err);
	ck_assert_str_eq(p.out, "");
	proc_free(&p);

	ck_assert_int_eq(ctl(&p, "status", "--json"), 0);
	snprintf(script, sizeof(script),
		 "import json,sys\nd=json.load(sys.stdin)['diagnosis']\n"
		 "assert d['problem']==%s, d\nprint('ok')\n", problem);
	ck_assert_int_eq(run_python(&q, script, p.out, p.out_len), 0);
	ck_assert_str_eq(q.out, "ok\n");
	proc_free(&q);
	proc_free(&p);
}

START_TEST(test_headers_missing)
{
	if (!no_module())
		return;
	expect("problem      kernel headers for " KVER " are not installed\n"
	       "fix          apt install linux-headers-" KVER " cipc-dkms "
	       "(DKMS then builds cipc)\n",
	       "cipcctl: kernel headers for " KVER " are not installed: apt "
	       "install linux-headers-" KVER " cipc-dkms (DKMS then builds "
	       "cipc)\n", "'kernel headers for " KVER " are not installed'");
	/* cipc-dkms there: the headers are all that is missing */
	mkdirs(DKMS "/source");
	expect("problem      kernel headers for " KVER " are not installed\n"
	       "fix          apt install linux-headers-" KVER " (DKMS then "
	       "builds cipc)\n",
	       "cipcctl: kernel headers for " KVER " are not installed: apt "
	       "install linux-headers-" KVER " (DKMS then builds cipc)\n",
	       "'kernel headers for " KVER " are not installed'");
}
END_TEST

#define FAILED(log) "DKMS could not build cipc " VER " for kernel " KVER \
		    " (see " log ")"
#define REBUILD "correct what the log shows, then: dkms install cipc/" \
		VER " -k " KVER
#define ERRLINE DKMS "/build/driver/main.c:9:10: fatal error: " \
		"linux/x.h: No such file or directory"

/* dkms 3.0 (bookworm): build/make.log, its first line naming the kernel */
START_TEST(test_dkms_log_build_dir)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    KVER " (x86_64)\nThu Jan  1 00:00:00 UTC 2026\nmake -C ...\n"
	    ERRLINE "\nmake[1]: *** Error 1\nmake: *** [Makefile:1] Error 2\n");
	expect("problem      " FAILED(DKMS "/build/make.log") "\n"
	       "log          " ERRLINE "\n"
	       "fix          " REBUILD "\n",
	       "cipcctl: " FAILED(DKMS "/build/make.log") ": " REBUILD "\n"
	       "cipcctl: make.log: " ERRLINE "\n",
	       "'" FAILED(DKMS "/build/make.log") "'");
}
END_TEST

/* newer dkms: KVER/ARCH/log/make.log; no "error:": its last 3 lines */
START_TEST(test_dkms_log_kernel_dir)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	/* another kernel's build/make.log does not count */
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    "1.2.3-other (x86_64)\n" ERRLINE "\n");
	put(DKMS "/" KVER "/x86_64/log/make.log", "DKMS (dkms-3.1.8) make.log"
	    "\nline 2\n\nKilled\nmake: *** [Makefile:234: modules] Error 137"
	    "\n\n");
	expect("problem      " FAILED(DKMS "/" KVER "/x86_64/log/make.log")
	       "\nlog          line 2\nlog          Killed\n"
	       "log          make: *** [Makefile:234: modules] Error 137\n"
	       "fix          " REBUILD "\n",
	       "cipcctl: " FAILED(DKMS "/" KVER "/x86_64/log/make.log") ": "
	       REBUILD "\ncipcctl: make.log: line 2\ncipcctl: make.log: Killed"
	       "\ncipcctl: make.log: make: *** [Makefile:234: modules] Error "
	       "137\n", "'" FAILED(DKMS "/" KVER "/x86_64/log/make.log") "'");
}
END_TEST

START_TEST(test_dkms_not_built)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    "1.2.3-other (x86_64)\n" ERRLINE "\n");
	mkdirs("/var/lib/dkms/cipc/0.0.1/source");	/* not cipcctl's */
	expect("problem      DKMS has cipc " VER " but did not build it for "
	       "kernel " KVER "\nfix          dkms install cipc/" VER " -k "
	       KVER "\n", "cipcctl: DKMS has cipc " VER " but did not build it "
	       "for kernel " KVER ": dkms install cipc/" VER " -k " KVER "\n",
	       "'DKMS has cipc " VER " but did not build it for kernel " KVER
	       "'");

	put(DKMS "/" KVER "/x86_64/module/cipc.ko.xz", "xz");
	expect("problem      DKMS built cipc " VER " for kernel " KVER " but did "
	       "not install it\nfix          dkms install cipc/" VER " -k "
	       KVER "\n", "cipcctl: DKMS built cipc " VER " for kernel " KVER
	       " but did not install it: dkms install cipc/" VER " -k " KVER
	       "\n", "'DKMS built cipc " VER " for kernel " KVER " but did not "
	       "install it'");
}
END_TEST

START_TEST(test_not_installed)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	expect("problem      module cipc is not installed for kernel " KVER "\n"
	       "fix          apt install cipc-dkms (or make dkms-install from "
	       "the source)\n", "cipcctl: module cipc is not installed for "
	       "kernel " KVER ": apt install cipc-dkms (or make dkms-install "
	       "from the source)\n", "'module cipc is not installed for "
	       "kernel " KVER "'");
}
END_TEST

#define REJECTED(why) "cannot load cipc: the kernel rejected its " \
	"signature (" why ": only modules signed with a trusted key load)"
#define ENROLL(cert) "DKMS signs cipc with its MOK key: enroll it: " \
	"mokutil --import " cert ", reboot and enroll it in the MOK manager"

static void expect_signature(const char *file, const char *problem,
			     const char *fix)
{
	struct diag d;

	diagnose_signature(&d, file);
	ck_assert(d.found);
	ck_assert_str_eq(d.problem, problem);
	ck_assert_str_eq(d.fix, fix);
	ck_assert_str_eq(d.log, "");
	ck_assert_uint_eq(d.nexcerpt, 0);
}

START_TEST(test_signature)
{
	/* nothing configured: the default certificate */
	expect_signature(NULL, REJECTED("Secure Boot"),
			 ENROLL("/var/lib/dkms/mok.pub"));
	put("/proc/cmdline", "BOOT_IMAGE=/vmlinuz root=/dev/vda "
	    "module.sig_enforce=1 quiet\n");
	put("/etc/dkms/framework.conf", "# mok_certificate=/commented\n"
	    "  mok_certificate=\"/etc/dkms/my key.der\"\n");
	expect_signature(NULL, REJECTED("module.sig_enforce=1"),
			 ENROLL("/etc/dkms/my key.der"));
	/* framework.conf.d/\*.conf after it, in order; the last one wins */
	put("/etc/dkms/framework.conf.d/20-b.conf",
	    "export mok_certificate=/b.der # site key\n");
	put("/etc/dkms/framework.conf.d/10-a.conf", "mok_certificate='/a.der'\n");
	put("/etc/dkms/framework.conf.d/30-c.conf.dpkg-old",
	    "mok_certificate=/not-a-conf.der\n");
	expect_signature(NULL, REJECTED("module.sig_enforce=1"),
			 ENROLL("/b.der"));
	/* no sig_enforce on the command line, the kernel in lockdown */
	put("/proc/cmdline", "root=/dev/vda\n");
	put("/sys/kernel/security/lockdown",
	    "none [integrity] confidentiality\n");
	expect_signature(NULL, REJECTED("kernel lockdown"), ENROLL("/b.der"));
	ck_assert(diag_lockdown());
	put("/sys/kernel/security/lockdown",
	    "[none] integrity confidentiality\n");
	ck_assert(!diag_lockdown());
	/* a file of one's own (load --module) */
	expect_signature("/tmp/cipc.ko", "cannot load cipc from /tmp/cipc.ko: "
			 "the kernel rejected its signature (Secure Boot: only "
			 "modules signed with a trusted key load)",
			 "sign it with a key the kernel trusts, or install "
			 "cipc through DKMS (apt install cipc-dkms), which "
			 "signs it with its MOK key; enroll that key: mokutil "
			 "--import /b.der, reboot and enroll it in the MOK "
			 "manager");
}
END_TEST

static void expect_version(const char *mod, bool abi_mismatch,
			   const char *problem, const char *fix)
{
	char path[512];
	struct diag d;

	snprintf(path, sizeof(path), "%s/sys/module/cipc/version", root);
	if (mod)
		put("/sys/module/cipc/version", "%s\n", mod);
	else
		unlink(path);
	ck_assert(diagnose_version(&d, "0.2.0", abi_mismatch, 1) ==
		  (problem != NULL));
	ck_assert(d.found == (problem != NULL));
	if (!problem)
		return;
	ck_assert_str_eq(d.problem, problem);
	ck_assert_str_eq(d.fix, fix);
}

#define RELOAD "then reload it: cipcctl unload && cipcctl load"

START_TEST(test_version)
{
	expect_version("0.2.0", false, NULL, NULL);
	expect_version(NULL, false, NULL, NULL);
	expect_version("0.1.9", false, "the loaded module cipc 0.1.9 is older "
		       "than cipcctl 0.2.0",
		       "install cipc-dkms of release 0.2.0 (apt install "
		       "cipc-dkms), " RELOAD);
	/* by version, not by text: 0.10.0 is newer than 0.2.0 */
	expect_version("0.10.0", true, "the loaded module cipc 0.10.0 is newer "
		       "than cipcctl 0.2.0 (and its ABI is not libcipc's)",
		       "install cipcctl and libcipc1 of release 0.10.0 (apt "
		       "install cipcctl libcipc1), or the module of "
		       "cipcctl's release 0.2.0, then cipcctl unload && "
		       "cipcctl load");
	expect_version("0.2.0", true, "the loaded module cipc 0.2.0 has not "
		       "the ABI of libcipc (version 1): they were built from "
		       "different sources", "reinstall cipc-dkms, libcipc1 "
		       "and cipcctl of one version, " RELOAD);
	expect_version(NULL, true, "the loaded module's ABI is not version 1, "
		       "which libcipc (cipcctl 0.2.0) uses", "install "
		       "cipc-dkms of release 0.2.0 (apt install "
		       "cipc-dkms), " RELOAD);
}
END_TEST

/*
 * The advice after "permission denied" on a node of group root (no udev
 * rule). libcipc opens only real cipc nodes, so cipcctl itself is run on
 * one in the VM suite (test_permission_denied).
 */
START_TEST(test_permission_root_only)
{
	char node[128], buf[256];

	snprintf(node, sizeof(node), "%s/cipc0", root);
	put("/cipc0", "x");
	ck_assert_int_eq(chown(node, 0, 0), 0);
	ck_assert_str_eq(diag_permission(node, buf, sizeof(buf)),
			 "only root may open it: its group is root, not cipc "
			 "(the udev rule of cipc-dkms or make install is "
			 "missing)");
	ck_assert_str_eq(diag_permission("/nonexistent/cipc0", buf,
					 sizeof(buf)), "are you root?");
}
END_TEST

Suite *diagnose_suite(void)
{
	Suite *s = suite_create("diagnose");
	TCase *tc = tcase_create("diagnose");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_headers_missing);
	tcase_add_test(tc, test_dkms_log_build_dir);
	tcase_add_test(tc, test_dkms_log_kernel_dir);
	tcase_add_test(tc, test_dkms_not_built);
	tcase_add_test(tc, test_not_installed);
	tcase_add_test(tc, test_signature);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_permission_root_only);
	suite_add_tcase(s, tc);
	return s;
}
