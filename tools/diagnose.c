// SPDX-License-Identifier: GPL-2.0
/*
 * Why the cipc module is not usable, and what fixes it: see diagnose.h.
 *
 * DKMS (the cipc-dkms package) keeps its tree in /var/lib/dkms/cipc/VER/:
 * source/; build/, where every dkms (3.0.10 of bookworm, 3.2 of trixie)
 * builds and leaves a FAILED build's make.log (build/make.log, until the
 * next build of any kernel); and KVER/ARCH/, made only once a build
 * succeeded: module/cipc.ko*, and log/make.log, that build's log, moved
 * there from build/. The first line of make.log names the kernel:
 *   dkms 3.0:  "DKMS make.log for cipc-VER for kernel KVER (ARCH)"
 *   dkms 3.1+: "DKMS (dkms-3.2.2) make.log for cipc/VER for kernel KVER (ARCH)"
 * dkms 3.0 makes KVER/ARCH/log/make.log before it copies the module: a
 * KVER/ARCH/ without module/cipc.ko* is a build cut short there, which
 * dkms refuses to build again until the directory is removed (3.2 renames
 * a complete temporary directory into place, so it never leaves one).
 * The signature and permission diagnoses are in diagnose-access.c.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools.mk */
#endif
#include "diagnose.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "tools-common.h"

#ifndef CIPCCTL_VERSION
#error "CIPCCTL_VERSION is not defined (tools.mk sets it from VERSION)"
#endif

#define DKMS_TREE	"/var/lib/dkms/cipc"
#define LOG_KEY		"make.log"

/* The test seams: secure_getenv, so that a set-id cipcctl ignores them. */
const char *diag_sysroot(void)
{
	const char *s = secure_getenv("CIPCCTL_SYSROOT");

	return s ? s : "";
}

const char *diag_kernel_release(void)
{
	static struct utsname u;
	const char *k = secure_getenv("CIPCCTL_KVER");

	if (k && *k)
		return k;
	if (uname(&u) != 0)
		return "unknown";
	return u.release;
}

int diag_vercmp(const char *a, const char *b)
{
	return strverscmp(a, b);
}

/* SYSROOT + the formatted path into buf; false if it does not fit. */
PRINTF_LIKE(3, 4)
bool diag_sys_path(char *buf, size_t size, const char *fmt, ...)
{
	size_t n = (size_t)snprintf(buf, size, "%s", diag_sysroot());
	va_list ap;
	int m;

	if (n >= size)
		return false;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, size - n, fmt, ap);
	va_end(ap);
	return m >= 0 && (size_t)m < size - n;
}

PRINTF_LIKE(1, 2) static bool sys_is_dir(const char *fmt, ...)
{
	char path[DIAG_PATH_MAX * 2], rel[DIAG_PATH_MAX];
	struct stat st;
	va_list ap;
	int m;

	va_start(ap, fmt);
	m = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	return m >= 0 && (size_t)m < sizeof(rel) &&
	       diag_sys_path(path, sizeof(path), "%s", rel) &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first line of a file (newline removed), false if unreadable. */
bool diag_sys_first_line(const char *rel, char *buf, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	bool ok = false;
	FILE *f;

	if (!diag_sys_path(path, sizeof(path), "%s", rel))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, (int)size, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		ok = true;
	}
	fclose(f);
	return ok;
}

PRINTF_LIKE(3, 4)
void diag_set(struct diag *d, char *field, const char *fmt, ...)
{
	va_list ap;

	d->found = true;
	va_start(ap, fmt);
	vsnprintf(field, DIAG_TEXT_MAX, fmt, ap);
	va_end(ap);
}

/* ---- not installed: headers, DKMS ------------------------------------ */

/* The DKMS version of cipc to look at: cipcctl's if there, else the
 * highest; false if DKMS has no cipc. */
static bool dkms_version(char *ver, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	bool found = false;
	struct dirent *de;
	DIR *dir;

	if (!diag_sys_path(path, sizeof(path), DKMS_TREE))
		return false;
	dir = opendir(path);
	if (!dir)
		return false;
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;

		/* kernel-KVER-ARCH links, original_module: not versions */
		if (n[0] == '.' || strncmp(n, "kernel-", 7) == 0 ||
		    strcmp(n, "original_module") == 0 ||
		    strlen(n) >= size || !sys_is_dir(DKMS_TREE "/%s", n))
			continue;
		if (strcmp(n, CIPCCTL_VERSION) == 0) {
			memcpy(ver, n, strlen(n) + 1);	/* fits */
			found = true;
			break;
		}
		if (!found || diag_vercmp(n, ver) > 0)
			memcpy(ver, n, strlen(n) + 1);	/* fits */
		found = true;
	}
	closedir(dir);
	return found;
}

enum dkms_build {
	DKMS_NOT_BUILT,		/* no DKMS_TREE/VER/KVER/ARCH/ */
	DKMS_BUILT,		/* one with module/cipc.ko* */
	DKMS_CUT_SHORT,		/* one without (dkms 3.0 interrupted) */
};

/*
 * DKMS_TREE/VER/KVER/ARCH/module/cipc.ko*: whether DKMS built cipc for
 * kver; for DKMS_CUT_SHORT, that ARCH directory (relative) into dir.
 */
static enum dkms_build dkms_kernel_dir(const char *ver, const char *kver,
				       char *dir, size_t size)
{
	static const char *const kos[] = { "cipc.ko", "cipc.ko.xz",
					   "cipc.ko.zst", "cipc.ko.gz" };
	enum dkms_build state = DKMS_NOT_BUILT;
	char path[DIAG_PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	*dir = '\0';
	if (!diag_sys_path(path, sizeof(path), DKMS_TREE "/%s/%s", ver, kver))
		return DKMS_NOT_BUILT;
	d = opendir(path);
	if (!d)
		return DKMS_NOT_BUILT;
	/* cppcheck-suppress readdirCalled ; readdir_r is deprecated */
	while (state != DKMS_BUILT && (de = readdir(d)) != NULL) {
		char rel[DIAG_PATH_MAX], abs[DIAG_PATH_MAX * 2];
		struct stat st;

		/* ., .., and dkms 3.2's .tmp_ARCH_XXXXXX while it builds */
		if (de->d_name[0] == '.' ||
		    !sys_is_dir(DKMS_TREE "/%s/%s/%s", ver, kver, de->d_name))
			continue;
		for (size_t i = 0; i < sizeof(kos) / sizeof(kos[0]); i++) {
			if (snprintf(rel, sizeof(rel), DKMS_TREE
				     "/%s/%s/%s/module/%s", ver, kver,
				     de->d_name, kos[i]) < (int)sizeof(rel) &&
			    diag_sys_path(abs, sizeof(abs), "%s", rel) &&
			    stat(abs, &st) == 0)
				state = DKMS_BUILT;
		}
		if (state == DKMS_NOT_BUILT &&
		    (size_t)snprintf(dir, size, DKMS_TREE "/%s/%s/%s", ver,
				     kver, de->d_name) < size)
			state = DKMS_CUT_SHORT;
	}
	closedir(d);
	if (state != DKMS_CUT_SHORT)
		*dir = '\0';
	return state;
}

/*
 * The kernel a make.log's first line names, into kver: "DKMS make.log for
 * cipc-VER for kernel KVER (ARCH)" (dkms 3.0) or "DKMS (dkms-3.2.2)
 * make.log for cipc/VER for kernel KVER (ARCH)" (dkms 3.1 and later). False
 * if the line is neither.
 */
bool diag_make_log_kernel(const char *first, char *kver, size_t size)
{
	static const char key[] = " for kernel ";
	const char *m, *k;
	size_t n;

	if (strncmp(first, "DKMS ", 5) != 0)
		return false;
	m = strstr(first, " make.log for ");
	if (!m)
		return false;
	k = strstr(m, key);
	if (!k)
		return false;
	k += sizeof(key) - 1;
	n = strcspn(k, " \t");
	if (n == 0 || n >= size)
		return false;
	memcpy(kver, k, n);
	kver[n] = '\0';
	return true;
}

/*
 * build/make.log, if it is a failed build's for kver (its first line
 * names kver): its path (relative) into log. A log whose first line names
 * no kernel is no kernel's.
 */
static bool dkms_build_log(const char *ver, const char *kver, char *log,
			   size_t size)
{
	char first[DIAG_LINE_MAX], k[DIAG_LINE_MAX];

	if ((size_t)snprintf(log, size, DKMS_TREE "/%s/build/" LOG_KEY,
			     ver) >= size ||
	    !diag_sys_first_line(log, first, sizeof(first)) ||
	    !diag_make_log_kernel(first, k, sizeof(k)) ||
	    strcmp(k, kver) != 0) {
		*log = '\0';
		return false;
	}
	return true;
}

static void trim_line(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
		     s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/* The first line with "error:", else the last DIAG_EXCERPT_MAX lines. */
static void log_excerpt(struct diag *d)
{
	char path[DIAG_PATH_MAX * 2], ring[DIAG_EXCERPT_MAX][DIAG_LINE_MAX];
	unsigned int n = 0;
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	d->nexcerpt = 0;
	if (!diag_sys_path(path, sizeof(path), "%s", d->log))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) != -1) {
		trim_line(line);
		if (!*line)
			continue;
		if (strstr(line, "error:")) {
			snprintf(d->excerpt[0], DIAG_LINE_MAX, "%s", line);
			d->nexcerpt = 1;
			break;
		}
		snprintf(ring[n % DIAG_EXCERPT_MAX], DIAG_LINE_MAX, "%s",
			 line);
		n++;
	}
	free(line);
	fclose(f);
	if (d->nexcerpt)
		return;
	for (unsigned int i = n > DIAG_EXCERPT_MAX ? n - DIAG_EXCERPT_MAX : 0;
	     i < n; i++)
		memcpy(d->excerpt[d->nexcerpt++], ring[i % DIAG_EXCERPT_MAX],
		       DIAG_LINE_MAX);
}

void diagnose_not_installed(struct diag *d, const char *kver)
{
	char ver[64];
	bool in_dkms;

	memset(d, 0, sizeof(*d));
	in_dkms = dkms_version(ver, sizeof(ver));
	if (!sys_is_dir("/lib/modules/%s/build", kver)) {
		diag_set(d, d->problem, "kernel headers for %s are not installed",
		    kver);
		if (in_dkms)
			diag_set(d, d->fix, "apt install linux-headers-%s (DKMS "
			    "then builds cipc)", kver);
		else
			diag_set(d, d->fix, "apt install linux-headers-%s "
			    "cipc-dkms (DKMS then builds cipc)", kver);
		return;
	}
	if (in_dkms) {
		char dir[DIAG_PATH_MAX];

		switch (dkms_kernel_dir(ver, kver, dir, sizeof(dir))) {
		case DKMS_BUILT:
			diag_set(d, d->problem, "DKMS built cipc %s for kernel %s "
			    "but did not install it", ver, kver);
			diag_set(d, d->fix, "dkms install cipc/%s -k %s", ver,
			    kver);
			return;
		case DKMS_CUT_SHORT:
			/* dkms refuses to build while dir exists */
			diag_set(d, d->problem, "DKMS did not finish building cipc "
			    "%s for kernel %s: %s has no module", ver, kver,
			    dir);
			diag_set(d, d->fix, "rm -r %s, then: dkms install cipc/%s "
			    "-k %s", dir, ver, kver);
			return;
		case DKMS_NOT_BUILT:
			break;
		}
		if (dkms_build_log(ver, kver, d->log, sizeof(d->log))) {
			diag_set(d, d->problem, "DKMS could not build cipc %s for "
			    "kernel %s (see %s)", ver, kver, d->log);
			diag_set(d, d->fix, "correct what the log shows, then: "
			    "dkms install cipc/%s -k %s", ver, kver);
			log_excerpt(d);
			return;
		}
		diag_set(d, d->problem, "DKMS has cipc %s but did not build it for "
		    "kernel %s", ver, kver);
		diag_set(d, d->fix, "dkms install cipc/%s -k %s", ver, kver);
		return;
	}
	diag_set(d, d->problem, "module cipc is not installed for kernel %s", kver);
	diag_set(d, d->fix, "apt install cipc-dkms (or make dkms-install from the "
	    "source)");
}

/* ---- version --------------------------------------------------------- */

/* The fix when the installed module is cipcctl's already: reload it. */
static bool fix_reload(struct diag *d, const char *tool_version,
		       const char *installed)
{
	if (!installed || !*installed ||
	    diag_vercmp(installed, tool_version) != 0)
		return false;
	diag_set(d, d->fix, "cipc %s, cipcctl's release, is installed already: "
	    "reload it: cipcctl unload && cipcctl load", installed);
	return true;
}

bool diagnose_version(struct diag *d, const char *tool_version,
		      bool abi_mismatch, unsigned int abi,
		      const char *installed)
{
	char mod[64];
	const char *abi_note = abi_mismatch ? " (and its ABI is not libcipc's)"
					    : "";
	int cmp;

	memset(d, 0, sizeof(*d));
	if (!diag_sys_first_line("/sys/module/cipc/version", mod, sizeof(mod)) ||
	    !*mod) {
		if (!abi_mismatch)
			return false;
		diag_set(d, d->problem, "the loaded module's ABI is not version "
		    "%u, which libcipc (cipcctl %s) uses", abi, tool_version);
		if (!fix_reload(d, tool_version, installed))
			diag_set(d, d->fix, "install cipc-dkms of release %s (apt "
			    "install cipc-dkms), then reload it: cipcctl "
			    "unload && cipcctl load", tool_version);
		return true;
	}
	cmp = diag_vercmp(mod, tool_version);
	if (cmp < 0) {
		diag_set(d, d->problem, "the loaded module cipc %s is older than "
		    "cipcctl %s%s", mod, tool_version, abi_note);
		if (!fix_reload(d, tool_version, installed))
			diag_set(d, d->fix, "install cipc-dkms of release %s (apt "
			    "install cipc-dkms), then reload it: cipcctl "
			    "unload && cipcctl load", tool_version);
	} else if (cmp > 0) {
		diag_set(d, d->problem, "the loaded module cipc %s is newer than "
		    "cipcctl %s%s", mod, tool_version, abi_note);
		if (!fix_reload(d, tool_version, installed))
			diag_set(d, d->fix, "install cipcctl and libcipc1 of "
			    "release %s (apt install cipcctl libcipc1), or "
			    "the module of cipcctl's release %s, then cipcctl "
			    "unload && cipcctl load", mod, tool_version);
	} else if (abi_mismatch) {
		diag_set(d, d->problem, "the loaded module cipc %s has not the ABI "
		    "of libcipc (version %u): they were built from different "
		    "sources", mod, abi);
		diag_set(d, d->fix, "reinstall cipc-dkms, libcipc1 and cipcctl of "
		    "one version, then reload it: cipcctl unload && cipcctl "
		    "load");
	}
	return d->found;
}

/* ---- output ---------------------------------------------------------- */

void diag_print_status(const struct diag *d)
{
	if (!d->found)
		return;
	printf("problem      %s\n", d->problem);
	for (unsigned int i = 0; i < d->nexcerpt; i++)
		printf("log          %s\n", d->excerpt[i]);
	printf("fix          %s\n", d->fix);
}

void diag_json(struct json_writer *w, const struct diag *d)
{
	if (!d->found) {
		json_null(w);
		return;
	}
	json_begin_object(w);
	json_kv_string(w, "problem", d->problem);
	json_kv_string(w, "fix", d->fix);
	json_key(w, "log");
	if (*d->log)
		json_string(w, d->log);
	else
		json_null(w);
	json_key(w, "excerpt");
	json_begin_array(w);
	for (unsigned int i = 0; i < d->nexcerpt; i++)
		json_string(w, d->excerpt[i]);
	json_end_array(w);
	json_end_object(w);
}

void diag_die(const struct diag *d)
{
	fflush(stdout);
	fprintf(stderr, TOOL_NAME ": %s: %s\n", d->problem, d->fix);
	for (unsigned int i = 0; i < d->nexcerpt; i++)
		fprintf(stderr, TOOL_NAME ": " LOG_KEY ": %s\n", d->excerpt[i]);
	exit(EXIT_FAILURE);
}
