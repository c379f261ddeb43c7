// SPDX-License-Identifier: GPL-2.0
/*
 * The "diagnose" suite of cipc-tools-unit: why the module is not usable
 * and the fix (tools/diagnose.c), in fake trees under /tmp named by
 * CIPCCTL_SYSROOT with a made-up kernel release (CIPCCTL_KVER), the test
 * seams of cipcctl's diagnoses.
 *
 * - headers missing, a failed DKMS build (build/make.log, its header of
 *   dkms 3.0 or of dkms 3.1 and later; another kernel's log, or one whose
 *   header names no kernel, ignored), built but not installed (a
 *   successful build's KVER/ARCH/log/make.log is no failure), a build cut
 *   short (KVER/ARCH/ without module), not in DKMS: status's exact output
 *   (exit 0, also --json) and load's exact error (exit 1), running
 *   cipcctl (libkmod looks at the running kernel: skipped where cipc is
 *   installed for it);
 * - a rejected signature (the MOK certificate from framework.conf and
 *   framework.conf.d/\*.conf, the reason from /proc/cmdline, lockdown,
 *   the SecureBoot EFI variable or sig_enforce) and the loaded module's
 *   version against cipcctl's and the installed one's: the functions
 *   themselves (the host cannot load modules; the VM tests run them);
 * - the advice after "permission denied": no such group, a node of group
 *   root, a mode without group access, a member of the group refused (and
 *   in more than 256 groups).
 * Skipped where cipc is loaded (status would look at the real module).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools-tests.mk */
#endif
#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/*
 * Neither loaded nor installed for the running kernel: status and load
 * (whose libkmod always looks at the running kernel, whatever the seams)
 * then diagnose the fake tree.
 */
static bool no_module(void)
{
	struct proc p;
	bool installed;

	if (access(CIPC_MODULE_DIR, F_OK) == 0) {
		fprintf(stderr, "note: diagnose skipped: cipc is loaded here\n");
		return false;
	}
	ck_assert_int_eq(run_cipcctl(&p, "status", NULL), 0);
	installed = !strstr(p.out, "\ninstalled    no\n");
	proc_free(&p);
	if (installed)
		fprintf(stderr, "note: diagnose skipped: cipc is installed "
			"for the running kernel\n");
	return !installed;
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

/*
 * dkms 3.1 and later (trixie's 3.2.2): the same build/make.log, another
 * header; no "error:": its last 3 lines
 */
START_TEST(test_dkms_log_build_dir_32)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(DKMS "/build/make.log", "DKMS (dkms-3.2.2) make.log for cipc/" VER
	    " for kernel " KVER " (x86_64)\nline 2\n\nKilled\n"
	    "make: *** [Makefile:234: modules] Error 137\n\n");
	expect("problem      " FAILED(DKMS "/build/make.log")
	       "\nlog          line 2\nlog          Killed\n"
	       "log          make: *** [Makefile:234: modules] Error 137\n"
	       "fix          " REBUILD "\n",
	       "cipcctl: " FAILED(DKMS "/build/make.log") ": "
	       REBUILD "\ncipcctl: make.log: line 2\ncipcctl: make.log: Killed"
	       "\ncipcctl: make.log: make: *** [Makefile:234: modules] Error "
	       "137\n", "'" FAILED(DKMS "/build/make.log") "'");
}
END_TEST

#define NOT_BUILT "DKMS has cipc " VER " but did not build it for kernel " \
		  KVER
#define BUILD "dkms install cipc/" VER " -k " KVER

/* status and load: DKMS has cipc, did not build it for KVER */
static void expect_not_built(void)
{
	expect("problem      " NOT_BUILT "\nfix          " BUILD "\n",
	       "cipcctl: " NOT_BUILT ": " BUILD "\n", "'" NOT_BUILT "'");
}

/* a build/make.log of another kernel, or naming none, is not KVER's */
START_TEST(test_dkms_log_other_kernel)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(DKMS "/build/make.log", "DKMS (dkms-3.2.2) make.log for cipc/" VER
	    " for kernel 1.2.3-other (x86_64)\n" ERRLINE "\n");
	expect_not_built();
	/* a prefix of KVER is another kernel */
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    "9.9.9 (x86_64)\n" ERRLINE "\n");
	expect_not_built();
	put(DKMS "/build/make.log", "DKMS (dkms-4.0) make.log for cipc/" VER
	    " (x86_64)\n" ERRLINE "\n");
	expect_not_built();
	put(DKMS "/build/make.log", "make: *** [Makefile:1] Error 2\n");
	expect_not_built();
}
END_TEST

START_TEST(test_make_log_kernel)
{
	char k[64];

	ck_assert(diag_make_log_kernel("DKMS make.log for cipc-0.1.0 for "
				       "kernel 6.1.0-40-amd64 (x86_64)", k,
				       sizeof(k)));
	ck_assert_str_eq(k, "6.1.0-40-amd64");
	ck_assert(diag_make_log_kernel("DKMS (dkms-3.2.2) make.log for "
				       "cipc/0.1.0 for kernel 6.12.48+deb13-"
				       "amd64 (x86_64)", k, sizeof(k)));
	ck_assert_str_eq(k, "6.12.48+deb13-amd64");
	ck_assert(diag_make_log_kernel("DKMS (dkms-3.1.8) make.log for "
				       "cipc/0.1.0 for kernel 6.8.0", k,
				       sizeof(k)));
	ck_assert_str_eq(k, "6.8.0");
	ck_assert(!diag_make_log_kernel("DKMS (dkms-3.2.2) make.log for "
					"cipc/0.1.0 (x86_64)", k, sizeof(k)));
	ck_assert(!diag_make_log_kernel("make.log for cipc for kernel 6.1",
					k, sizeof(k)));
	ck_assert(!diag_make_log_kernel("DKMS make.log for cipc for kernel ",
					k, sizeof(k)));
	ck_assert(!diag_make_log_kernel("DKMS make.log for cipc for kernel "
					"6.1.0-40-amd64", k, 8));
}
END_TEST

#define BUILT "DKMS built cipc " VER " for kernel " KVER " but did not " \
	      "install it"
#define ARCHDIR DKMS "/" KVER "/x86_64"
#define CUT "DKMS did not finish building cipc " VER " for kernel " KVER \
	    ": " ARCHDIR " has no module"
#define REDO "rm -r " ARCHDIR ", then: dkms install cipc/" VER " -k " KVER

START_TEST(test_dkms_not_built)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    "1.2.3-other (x86_64)\n" ERRLINE "\n");
	mkdirs("/var/lib/dkms/cipc/0.0.1/source");	/* not cipcctl's */
	expect_not_built();

	/* built: KVER/ARCH/log/make.log is the successful build's */
	put(ARCHDIR "/log/make.log", "DKMS (dkms-3.2.2) make.log for cipc/" VER
	    " for kernel " KVER " (x86_64)\nwarning: x\n");
	put(ARCHDIR "/module/cipc.ko.xz", "xz");
	expect("problem      " BUILT "\nfix          " BUILD "\n",
	       "cipcctl: " BUILT ": " BUILD "\n", "'" BUILT "'");
	/* a failed build's build/make.log for KVER after it does not
	 * matter: the module is there */
	put(DKMS "/build/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    KVER " (x86_64)\n" ERRLINE "\n");
	expect("problem      " BUILT "\nfix          " BUILD "\n",
	       "cipcctl: " BUILT ": " BUILD "\n", "'" BUILT "'");
}
END_TEST

/*
 * dkms 3.0 moves the log to KVER/ARCH/log/make.log before it copies the
 * module: KVER/ARCH/ with the log, without the module, is no failed
 * build (whose log stays in build/), but one cut short, which dkms will
 * not redo while KVER/ARCH/ exists
 */
START_TEST(test_dkms_cut_short)
{
	if (!no_module())
		return;
	mkdirs("/lib/modules/" KVER "/build");
	put(ARCHDIR "/log/make.log", "DKMS make.log for cipc-" VER " for kernel "
	    KVER " (x86_64)\nmake -C ...\n");
	mkdirs(ARCHDIR "/module");
	expect("problem      " CUT "\nfix          " REDO "\n",
	       "cipcctl: " CUT ": " REDO "\n", "'" CUT "'");
	/* dkms 3.2 building meanwhile: its temporary directory is nothing */
	{
		char dir[512];

		snprintf(dir, sizeof(dir), "%s" DKMS "/" KVER, root);
		ck_assert_int_eq(nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS),
				 0);
	}
	mkdirs(DKMS "/" KVER "/.tmp_x86_64_AbC123/module");
	expect_not_built();
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

#define EFIVAR_SB "/sys/firmware/efi/efivars/SecureBoot-" \
		  "8be4df61-93ca-11d2-aa0d-e0e98bac8c5e"

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
	/* nothing configured: the default certificate; no known reason */
	expect_signature(NULL, REJECTED("the kernel enforces module signatures "
					"(Secure Boot or module.sig_enforce)"),
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
	/* enforced, not from the command line: CONFIG_MODULE_SIG_FORCE? */
	put("/sys/module/module/parameters/sig_enforce", "Y\n");
	expect_signature(NULL, REJECTED("the kernel enforces module signatures "
					"(CONFIG_MODULE_SIG_FORCE, Secure Boot "
					"or module.sig_enforce)"),
			 ENROLL("/b.der"));
	/* the firmware's SecureBoot variable: off, then on */
	put(EFIVAR_SB, "%c%c%c%c%c", 6, 0, 0, 0, 0);
	expect_signature(NULL, REJECTED("the kernel enforces module signatures "
					"(CONFIG_MODULE_SIG_FORCE, Secure Boot "
					"or module.sig_enforce)"),
			 ENROLL("/b.der"));
	put(EFIVAR_SB, "%c%c%c%c%c", 6, 0, 0, 0, 1);
	expect_signature(NULL, REJECTED("Secure Boot"), ENROLL("/b.der"));
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

static void expect_version_installed(const char *mod, bool abi_mismatch,
				     const char *installed,
				     const char *problem, const char *fix)
{
	char path[512];
	struct diag d;

	snprintf(path, sizeof(path), "%s/sys/module/cipc/version", root);
	if (mod)
		put("/sys/module/cipc/version", "%s\n", mod);
	else
		unlink(path);
	ck_assert(diagnose_version(&d, "0.2.0", abi_mismatch, 1, installed) ==
		  (problem != NULL));
	ck_assert(d.found == (problem != NULL));
	if (!problem)
		return;
	ck_assert_str_eq(d.problem, problem);
	ck_assert_str_eq(d.fix, fix);
}

static void expect_version(const char *mod, bool abi_mismatch,
			   const char *problem, const char *fix)
{
	expect_version_installed(mod, abi_mismatch, NULL, problem, fix);
	/* an installed module of another version than cipcctl's: the same */
	expect_version_installed(mod, abi_mismatch, "0.1.0", problem, fix);
	expect_version_installed(mod, abi_mismatch, "", problem, fix);
}

#define RELOAD "then reload it: cipcctl unload && cipcctl load"
#define INSTALLED_RELOAD "cipc 0.2.0, cipcctl's release, is installed " \
	"already: reload it: cipcctl unload && cipcctl load"

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
	/*
	 * after an upgrade: the installed module is cipcctl's release, the
	 * loaded one is not: reloading is all there is to do
	 */
	expect_version_installed("0.1.9", false, "0.2.0", "the loaded module "
				 "cipc 0.1.9 is older than cipcctl 0.2.0",
				 INSTALLED_RELOAD);
	expect_version_installed("0.10.0", true, "0.2.0", "the loaded module "
				 "cipc 0.10.0 is newer than cipcctl 0.2.0 (and "
				 "its ABI is not libcipc's)", INSTALLED_RELOAD);
	expect_version_installed(NULL, true, "0.2.0", "the loaded module's ABI "
				 "is not version 1, which libcipc (cipcctl "
				 "0.2.0) uses", INSTALLED_RELOAD);
	expect_version_installed("0.2.0", false, "0.2.0", NULL, NULL);
}
END_TEST

/*
 * The advice after "permission denied", by diag_permission_group() with
 * groups of the host (the host may have no group cipc). libcipc opens
 * only real cipc nodes, so cipcctl itself is run on one in the VM suite
 * (test_permission_denied).
 */
static const char *other_group(void)
{
	static const char *const names[] = { "daemon", "bin", "sys", "adm" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (getgrnam(names[i]) && getgrnam(names[i])->gr_gid != 0)
			return names[i];
	return NULL;
}

START_TEST(test_permission)
{
	const char *grp = other_group();
	char node[128], buf[512], want[512];

	snprintf(node, sizeof(node), "%s/cipc0", root);
	put("/cipc0", "x");
	ck_assert_str_eq(diag_permission("/nonexistent/cipc0", buf,
					 sizeof(buf)), "are you root?");
	/* no such group: create it, then apply the udev rule */
	ck_assert_str_eq(diag_permission_group(node, "cipc-no-such-group",
					       buf, sizeof(buf)),
			 "group cipc-no-such-group does not exist: create it "
			 "(groupadd --system cipc-no-such-group), then apply "
			 "the udev rule (udevadm control --reload && udevadm "
			 "trigger --subsystem-match=cipc), or reinstall "
			 "cipc-dkms");
	if (geteuid() != 0 || !grp) {
		fprintf(stderr, "note: permission cases skipped: not root, or "
			"no group daemon, bin, sys or adm\n");
		return;
	}
	/* of group root: no udev rule */
	ck_assert_int_eq(chown(node, 0, 0), 0);
	snprintf(want, sizeof(want), "only root may open it: its group is "
		 "root, not %s (the udev rule of cipc-dkms or make install is "
		 "missing)", grp);
	ck_assert_str_eq(diag_permission_group(node, grp, buf, sizeof(buf)),
			 want);
	/* the group's, without group access */
	ck_assert_int_eq(chown(node, 0, getgrnam(grp)->gr_gid), 0);
	ck_assert_int_eq(chmod(node, 0640), 0);
	snprintf(want, sizeof(want), "its mode 0640 gives group %s no "
		 "read-write access: run as root, or apply the udev rule "
		 "(udevadm trigger --subsystem-match=cipc)", grp);
	ck_assert_str_eq(diag_permission_group(node, grp, buf, sizeof(buf)),
			 want);
}
END_TEST

/*
 * The mode gives the group access and this session is in it (the last of
 * 300 supplementary groups: getgroups needs more than 256 entries): the
 * refusal comes from elsewhere. In a child as root (setgroups).
 */
START_TEST(test_permission_in_group)
{
	const char *grp = other_group();
	char node[128], want[512];
	gid_t groups[300];
	pid_t pid;
	int status;

	if (geteuid() != 0 || !grp) {
		fprintf(stderr, "note: test_permission_in_group skipped: not "
			"root, or no group daemon, bin, sys or adm\n");
		return;
	}
	snprintf(node, sizeof(node), "%s/cipc0", root);
	put("/cipc0", "x");
	ck_assert_int_eq(chown(node, 0, getgrnam(grp)->gr_gid), 0);
	ck_assert_int_eq(chmod(node, 0660), 0);
	snprintf(want, sizeof(want), "its mode 0660 and group %s allow "
		 "access, and this session is in the group: something else "
		 "denies it (an ACL, or a security module such as AppArmor or "
		 "SELinux)", grp);
	for (unsigned int i = 0; i < 299; i++)
		groups[i] = 60000 + i;
	groups[299] = getgrnam(grp)->gr_gid;
	fflush(NULL);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char buf[512];

		if (setgroups(300, groups) != 0)
			_exit(errno == EPERM ? 77 : 2);
		diag_permission_group(node, grp, buf, sizeof(buf));
		if (strcmp(buf, want) != 0) {
			fprintf(stderr, "got [%s]\nwant [%s]\n", buf, want);
			_exit(1);
		}
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	if (WEXITSTATUS(status) == 77) {
		fprintf(stderr, "note: test_permission_in_group skipped: "
			"setgroups: permission denied\n");
		return;
	}
	ck_assert_int_eq(WEXITSTATUS(status), 0);
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
	tcase_add_test(tc, test_dkms_log_build_dir_32);
	tcase_add_test(tc, test_dkms_log_other_kernel);
	tcase_add_test(tc, test_make_log_kernel);
	tcase_add_test(tc, test_dkms_not_built);
	tcase_add_test(tc, test_dkms_cut_short);
	tcase_add_test(tc, test_not_installed);
	tcase_add_test(tc, test_signature);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_permission);
	tcase_add_test(tc, test_permission_in_group);
	suite_add_tcase(s, tc);
	return s;
}
