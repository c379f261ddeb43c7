// SPDX-License-Identifier: GPL-2.0
/*
 * Why the cipc module is not usable, and what fixes it: see diagnose.h.
 *
 * DKMS (the cipc-dkms package) keeps its tree in /var/lib/dkms/cipc/VER/:
 * source/, build/ (bookworm's dkms 3.0 leaves a failed build's make.log in
 * build/make.log, its first line naming the kernel), and KVER/ARCH/ with
 * module/cipc.ko once built, log/make.log (newer dkms, failures too). Its
 * configuration is /etc/dkms/framework.conf, then framework.conf.d/\*.conf
 * in order, sourced by bash: the last mok_certificate= wins.
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
#define CIPCCTL_VERSION		"0.1.0"	/* set by tools.mk */
#endif

#define DKMS_TREE	"/var/lib/dkms/cipc"
#define LOG_KEY		"make.log"

const char *diag_sysroot(void)
{
	const char *s = getenv("CIPCCTL_SYSROOT");

	return s ? s : "";
}

const char *diag_kernel_release(void)
{
	static struct utsname u;
	const char *k = getenv("CIPCCTL_KVER");

	if (k && *k)
		return k;
	if (uname(&u) != 0)
		return "unknown";
	return u.release;
}

const char *diag_modules_dir(char *buf, size_t size)
{
	const char *k = getenv("CIPCCTL_KVER");

	if (!*diag_sysroot() && !(k && *k))
		return NULL;
	snprintf(buf, size, "%s/lib/modules/%s", diag_sysroot(),
		 diag_kernel_release());
	return buf;
}

int diag_vercmp(const char *a, const char *b)
{
	return strverscmp(a, b);
}

/* SYSROOT + the formatted path into buf; false if it does not fit. */
PRINTF_LIKE(3, 4)
static bool sys_path(char *buf, size_t size, const char *fmt, ...)
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
	       sys_path(path, sizeof(path), "%s", rel) &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The first line of a file (newline removed), false if unreadable. */
static bool sys_first_line(const char *rel, char *buf, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	bool ok = false;
	FILE *f;

	if (!sys_path(path, sizeof(path), "%s", rel))
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
static void set(struct diag *d, char *field, const char *fmt, ...)
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

	if (!sys_path(path, sizeof(path), DKMS_TREE))
		return false;
	dir = opendir(path);
	if (!dir)
		return false;
	while ((de = readdir(dir)) != NULL) {
		const char *n = de->d_name;

		/* kernel-KVER-ARCH links, original_module: not versions */
		if (n[0] == '.' || strncmp(n, "kernel-", 7) == 0 ||
		    strcmp(n, "original_module") == 0 ||
		    strlen(n) >= size || !sys_is_dir(DKMS_TREE "/%s", n))
			continue;
		if (strcmp(n, CIPCCTL_VERSION) == 0) {
			snprintf(ver, size, "%s", n);
			found = true;
			break;
		}
		if (!found || diag_vercmp(n, ver) > 0)
			snprintf(ver, size, "%s", n);
		found = true;
	}
	closedir(dir);
	return found;
}

/*
 * DKMS_TREE/VER/KVER/ARCH/{module/cipc.ko*,log/make.log}: whether a module
 * was built for kver; the newer dkms's log of it into log (relative).
 */
static bool dkms_kernel_dir(const char *ver, const char *kver, char *log,
			    size_t size)
{
	static const char *const kos[] = { "cipc.ko", "cipc.ko.xz",
					   "cipc.ko.zst", "cipc.ko.gz" };
	char path[DIAG_PATH_MAX * 2];
	bool built = false;
	struct dirent *de;
	DIR *dir;

	*log = '\0';
	if (!sys_path(path, sizeof(path), DKMS_TREE "/%s/%s", ver, kver))
		return false;
	dir = opendir(path);
	if (!dir)
		return false;
	while ((de = readdir(dir)) != NULL) {
		char rel[DIAG_PATH_MAX], abs[DIAG_PATH_MAX * 2];
		struct stat st;

		if (de->d_name[0] == '.')
			continue;
		for (size_t i = 0; i < sizeof(kos) / sizeof(kos[0]); i++) {
			if (snprintf(rel, sizeof(rel), DKMS_TREE
				     "/%s/%s/%s/module/%s", ver, kver,
				     de->d_name, kos[i]) < (int)sizeof(rel) &&
			    sys_path(abs, sizeof(abs), "%s", rel) &&
			    stat(abs, &st) == 0)
				built = true;
		}
		if (!*log &&
		    snprintf(rel, sizeof(rel), DKMS_TREE "/%s/%s/%s/log/"
			     LOG_KEY, ver, kver, de->d_name) <
		    (int)sizeof(rel) && sys_path(abs, sizeof(abs), "%s", rel) &&
		    stat(abs, &st) == 0 && S_ISREG(st.st_mode) &&
		    strlen(rel) < size)
			snprintf(log, size, "%s", rel);
	}
	closedir(dir);
	return built;
}

/*
 * dkms 3.0's build/make.log, if it is about kver: its first line is
 * "DKMS make.log for cipc-VER for kernel KVER (ARCH)".
 */
static bool dkms_build_log(const char *ver, const char *kver, char *log,
			   size_t size)
{
	static const char key[] = " for kernel ";
	char first[DIAG_LINE_MAX];
	const char *k;

	if ((size_t)snprintf(log, size, DKMS_TREE "/%s/build/" LOG_KEY,
			     ver) >= size ||
	    !sys_first_line(log, first, sizeof(first))) {
		*log = '\0';
		return false;
	}
	k = strncmp(first, "DKMS make.log", 13) == 0 ? strstr(first, key)
						      : NULL;
	if (k) {
		k += sizeof(key) - 1;
		if (strncmp(k, kver, strlen(kver)) != 0 ||
		    (k[strlen(kver)] != ' ' && k[strlen(kver)] != '\0')) {
			*log = '\0';	/* another kernel's */
			return false;
		}
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
	if (!sys_path(path, sizeof(path), "%s", d->log))
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
		set(d, d->problem, "kernel headers for %s are not installed",
		    kver);
		if (in_dkms)
			set(d, d->fix, "apt install linux-headers-%s (DKMS "
			    "then builds cipc)", kver);
		else
			set(d, d->fix, "apt install linux-headers-%s "
			    "cipc-dkms (DKMS then builds cipc)", kver);
		return;
	}
	if (in_dkms) {
		if (dkms_kernel_dir(ver, kver, d->log, sizeof(d->log))) {
			d->log[0] = '\0';
			set(d, d->problem, "DKMS built cipc %s for kernel %s "
			    "but did not install it", ver, kver);
			set(d, d->fix, "dkms install cipc/%s -k %s", ver,
			    kver);
			return;
		}
		if (*d->log || dkms_build_log(ver, kver, d->log,
					      sizeof(d->log))) {
			set(d, d->problem, "DKMS could not build cipc %s for "
			    "kernel %s (see %s)", ver, kver, d->log);
			set(d, d->fix, "correct what the log shows, then: "
			    "dkms install cipc/%s -k %s", ver, kver);
			log_excerpt(d);
			return;
		}
		set(d, d->problem, "DKMS has cipc %s but did not build it for "
		    "kernel %s", ver, kver);
		set(d, d->fix, "dkms install cipc/%s -k %s", ver, kver);
		return;
	}
	set(d, d->problem, "module cipc is not installed for kernel %s", kver);
	set(d, d->fix, "apt install cipc-dkms (or make dkms-install from the "
	    "source)");
}

/* ---- signature ------------------------------------------------------- */

/* mok_certificate=VALUE of one shell-sourced file, if any (the last). */
static void conf_mok(const char *rel, char *buf, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (!sys_path(path, sizeof(path), "%s", rel))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) != -1) {
		char *s = line + strspn(line, " \t"), *v, *end;

		if (strncmp(s, "export ", 7) == 0)
			s += 7 + strspn(s + 7, " \t");
		if (strncmp(s, "mok_certificate=", 16) != 0)
			continue;
		v = s + 16;
		if (*v == '"' || *v == '\'') {
			end = strchr(v + 1, *v);
			if (!end)
				continue;
			v++;
		} else {
			end = v + strcspn(v, " \t\r\n;#");
		}
		*end = '\0';
		snprintf(buf, size, "%s", v);
	}
	free(line);
	fclose(f);
}

static int conf_filter(const struct dirent *de)
{
	size_t n = strlen(de->d_name);

	return n > 5 && strcmp(de->d_name + n - 5, ".conf") == 0;
}

void diag_mok_certificate(char *buf, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	struct dirent **names;
	int n;

	snprintf(buf, size, "%s", DIAG_MOK_CERT_DEFAULT);
	conf_mok("/etc/dkms/framework.conf", buf, size);
	if (!sys_path(path, sizeof(path), "/etc/dkms/framework.conf.d"))
		return;
	n = scandir(path, &names, conf_filter, alphasort);
	for (int i = 0; i < n; i++) {
		char rel[DIAG_PATH_MAX];

		if (snprintf(rel, sizeof(rel), "/etc/dkms/framework.conf.d/%s",
			     names[i]->d_name) < (int)sizeof(rel))
			conf_mok(rel, buf, size);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	if (!*buf)
		snprintf(buf, size, "%s", DIAG_MOK_CERT_DEFAULT);
}

bool diag_lockdown(void)
{
	char line[128];

	return sys_first_line("/sys/kernel/security/lockdown", line,
			      sizeof(line)) && !strstr(line, "[none]") &&
	       strchr(line, '[');
}

void diagnose_signature(struct diag *d, const char *file)
{
	char cert[DIAG_PATH_MAX], cmdline[4096], why[128];
	bool cmd;

	memset(d, 0, sizeof(*d));
	diag_mok_certificate(cert, sizeof(cert));
	cmd = sys_first_line("/proc/cmdline", cmdline, sizeof(cmdline)) &&
	      strstr(cmdline, "module.sig_enforce=1");
	if (cmd)
		snprintf(why, sizeof(why), "module.sig_enforce=1");
	else if (diag_lockdown())
		snprintf(why, sizeof(why), "kernel lockdown");
	else
		snprintf(why, sizeof(why), "Secure Boot");
	if (file) {
		set(d, d->problem, "cannot load cipc from %s: the kernel "
		    "rejected its signature (%s: only modules signed with a "
		    "trusted key load)", file, why);
		set(d, d->fix, "sign it with a key the kernel trusts, or "
		    "install cipc through DKMS (apt install cipc-dkms), which "
		    "signs it with its MOK key; enroll that key: mokutil "
		    "--import %s, reboot and enroll it in the MOK manager",
		    cert);
		return;
	}
	set(d, d->problem, "cannot load cipc: the kernel rejected its "
	    "signature (%s: only modules signed with a trusted key load)",
	    why);
	set(d, d->fix, "DKMS signs cipc with its MOK key: enroll it: mokutil "
	    "--import %s, reboot and enroll it in the MOK manager", cert);
}

/* ---- version --------------------------------------------------------- */

bool diagnose_version(struct diag *d, const char *tool_version,
		      bool abi_mismatch, unsigned int abi)
{
	char mod[64];
	const char *abi_note = abi_mismatch ? " (and its ABI is not libcipc's)"
					    : "";
	int cmp;

	memset(d, 0, sizeof(*d));
	if (!sys_first_line("/sys/module/cipc/version", mod, sizeof(mod)) ||
	    !*mod) {
		if (!abi_mismatch)
			return false;
		set(d, d->problem, "the loaded module's ABI is not version "
		    "%u, which libcipc (cipcctl %s) uses", abi, tool_version);
		set(d, d->fix, "install cipc-dkms of release %s (apt install "
		    "cipc-dkms), then reload it: cipcctl unload && cipcctl "
		    "load", tool_version);
		return true;
	}
	cmp = diag_vercmp(mod, tool_version);
	if (cmp < 0) {
		set(d, d->problem, "the loaded module cipc %s is older than "
		    "cipcctl %s%s", mod, tool_version, abi_note);
		set(d, d->fix, "install cipc-dkms of release %s (apt install "
		    "cipc-dkms), then reload it: cipcctl unload && cipcctl "
		    "load", tool_version);
	} else if (cmp > 0) {
		set(d, d->problem, "the loaded module cipc %s is newer than "
		    "cipcctl %s%s", mod, tool_version, abi_note);
		set(d, d->fix, "install cipcctl and libcipc1 of release %s "
		    "(apt install cipcctl libcipc1), or the module of "
		    "cipcctl's release %s, then cipcctl unload && cipcctl "
		    "load", mod, tool_version);
	} else if (abi_mismatch) {
		set(d, d->problem, "the loaded module cipc %s has not the ABI "
		    "of libcipc (version %u): they were built from different "
		    "sources", mod, abi);
		set(d, d->fix, "reinstall cipc-dkms, libcipc1 and cipcctl of "
		    "one version, then reload it: cipcctl unload && cipcctl "
		    "load");
	}
	return d->found;
}

/* ---- permission ------------------------------------------------------ */

static bool in_session(gid_t gid)
{
	gid_t groups[256];
	int n;

	if (getegid() == gid)
		return true;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return true;
	return false;
}

const char *diag_permission(const char *node, char *buf, size_t size)
{
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw && pw->pw_name ? pw->pw_name : "USER";
	struct group *gr;
	struct stat st;
	bool member = false;

	if (stat(node, &st) != 0) {
		snprintf(buf, size, "are you root?");
		return buf;
	}
	gr = getgrgid(st.st_gid);
	if (!gr || strcmp(gr->gr_name, "cipc") != 0) {
		snprintf(buf, size, "only root may open it: its group is %s, "
			 "not cipc (the udev rule of cipc-dkms or make "
			 "install is missing)", gr ? gr->gr_name : "unknown");
		return buf;
	}
	for (char **m = gr->gr_mem; m && *m; m++)
		member |= strcmp(*m, user) == 0;
	if (pw && pw->pw_gid == st.st_gid)
		member = true;
	if (in_session(st.st_gid))
		snprintf(buf, size, "its mode gives group cipc no access: run "
			 "as root, or reload the udev rule (udevadm trigger)");
	else if (member)
		snprintf(buf, size, "%s is in group cipc, but this session "
			 "is not: log in again (or run newgrp cipc)", user);
	else
		snprintf(buf, size, "add yourself to group cipc (usermod -aG "
			 "cipc %s, then log in again)", user);
	return buf;
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
