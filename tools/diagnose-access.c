// SPDX-License-Identifier: GPL-2.0
/*
 * Why the kernel or a node refuses access, and what fixes it: a module
 * whose signature the kernel rejected (EKEYREJECTED: the key DKMS signs
 * with, from DKMS's configuration) and a node the user may not open (the
 * group cipc of the udev rule). See diagnose.h; diagnose.c has the rest.
 *
 * DKMS's configuration is /etc/dkms/framework.conf, then
 * framework.conf.d/\*.conf in order, sourced by bash: the last
 * mok_certificate= wins.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools.mk */
#endif
#include "diagnose.h"

#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- signature ------------------------------------------------------- */

/* mok_certificate=VALUE of one shell-sourced file, if any (the last). */
static void conf_mok(const char *rel, char *buf, size_t size)
{
	char path[DIAG_PATH_MAX * 2];
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (!diag_sys_path(path, sizeof(path), "%s", rel))
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
	if (!diag_sys_path(path, sizeof(path), "/etc/dkms/framework.conf.d"))
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

	return diag_sys_first_line("/sys/kernel/security/lockdown", line,
			      sizeof(line)) && !strstr(line, "[none]") &&
	       strchr(line, '[');
}

/* Whether the firmware booted with Secure Boot on (its EFI variable). */
static bool secure_boot(void)
{
	char path[DIAG_PATH_MAX * 2];
	unsigned char v[5];	/* 4 bytes of attributes, then the value */
	bool on = false;
	FILE *f;

	if (!diag_sys_path(path, sizeof(path), "/sys/firmware/efi/efivars/"
		      "SecureBoot-8be4df61-93ca-11d2-aa0d-e0e98bac8c5e"))
		return false;
	f = fopen(path, "re");
	if (!f)
		return false;
	on = fread(v, 1, sizeof(v), f) == sizeof(v) && v[4] == 1;
	fclose(f);
	return on;
}

void diagnose_signature(struct diag *d, const char *file)
{
	char cert[DIAG_PATH_MAX], cmdline[4096], param[16], why[128];

	memset(d, 0, sizeof(*d));
	diag_mok_certificate(cert, sizeof(cert));
	/* the reason, as sure as what the kernel shows allows */
	if (diag_sys_first_line("/proc/cmdline", cmdline, sizeof(cmdline)) &&
	    strstr(cmdline, "module.sig_enforce=1"))
		snprintf(why, sizeof(why), "module.sig_enforce=1");
	else if (diag_lockdown())
		snprintf(why, sizeof(why), "kernel lockdown");
	else if (secure_boot())
		snprintf(why, sizeof(why), "Secure Boot");
	else if (diag_sys_first_line("/sys/module/module/parameters/sig_enforce",
				param, sizeof(param)) && param[0] == 'Y')
		/* not on the command line: built in, or set by the kernel */
		snprintf(why, sizeof(why), "the kernel enforces module "
			 "signatures (CONFIG_MODULE_SIG_FORCE, Secure Boot or "
			 "module.sig_enforce)");
	else
		snprintf(why, sizeof(why), "the kernel enforces module "
			 "signatures (Secure Boot or module.sig_enforce)");
	if (file) {
		diag_set(d, d->problem, "cannot load cipc from %s: the kernel "
		    "rejected its signature (%s: only modules signed with a "
		    "trusted key load)", file, why);
		diag_set(d, d->fix, "sign it with a key the kernel trusts, or "
		    "install cipc through DKMS (apt install cipc-dkms), which "
		    "signs it with its MOK key; enroll that key: mokutil "
		    "--import %s, reboot and enroll it in the MOK manager",
		    cert);
		return;
	}
	diag_set(d, d->problem, "cannot load cipc: the kernel rejected its "
	    "signature (%s: only modules signed with a trusted key load)",
	    why);
	diag_set(d, d->fix, "DKMS signs cipc with its MOK key: enroll it: mokutil "
	    "--import %s, reboot and enroll it in the MOK manager", cert);
}

/* ---- permission ------------------------------------------------------ */

/* Whether gid is this process's (effective or supplementary). */
static bool in_session(gid_t gid)
{
	gid_t *groups;
	bool in = false;
	int n;

	if (getegid() == gid)
		return true;
	n = getgroups(0, NULL);
	if (n <= 0)
		return false;
	groups = calloc((size_t)n, sizeof(*groups));
	if (!groups)
		return false;
	n = getgroups(n, groups);	/* -1 if they grew meanwhile */
	for (int i = 0; i < n && !in; i++)
		in = groups[i] == gid;
	free(groups);
	return in;
}

const char *diag_permission(const char *node, char *buf, size_t size)
{
	return diag_permission_group(node, "cipc", buf, size);
}

const char *diag_permission_group(const char *node, const char *group,
				  char *buf, size_t size)
{
	/* cppcheck-suppress getpwuidCalled ; single-threaded tool */
	struct passwd *pw = getpwuid(geteuid());
	const char *user = pw && pw->pw_name ? pw->pw_name : "USER";
	char name[64];
	struct group *gr;
	struct stat st;
	bool member = false;
	gid_t gid;

	if (stat(node, &st) != 0) {
		snprintf(buf, size, "are you root?");
		return buf;
	}
	/* cppcheck-suppress getgrnamCalled ; single-threaded tool */
	gr = getgrnam(group);
	if (!gr) {
		snprintf(buf, size, "group %s does not exist: create it "
			 "(groupadd --system %s), then apply the udev rule "
			 "(udevadm control --reload && udevadm trigger "
			 "--subsystem-match=cipc), or reinstall cipc-dkms",
			 group, group);
		return buf;
	}
	gid = gr->gr_gid;
	for (char **m = gr->gr_mem; m && *m; m++)
		member |= strcmp(*m, user) == 0;
	if (pw && pw->pw_gid == gid)
		member = true;
	if (st.st_gid != gid) {
		/* cppcheck-suppress getgrgidCalled ; single-threaded tool */
		gr = getgrgid(st.st_gid);
		snprintf(name, sizeof(name), "%s", gr ? gr->gr_name : "");
		if (!*name)
			snprintf(name, sizeof(name), "%u",
				 (unsigned int)st.st_gid);
		snprintf(buf, size, "only root may open it: its group is %s, "
			 "not %s (the udev rule of cipc-dkms or make install "
			 "is missing)", name, group);
		return buf;
	}
	if ((st.st_mode & (S_IRGRP | S_IWGRP)) != (S_IRGRP | S_IWGRP))
		snprintf(buf, size, "its mode %04o gives group %s no "
			 "read-write access: run as root, or apply the udev "
			 "rule (udevadm trigger --subsystem-match=cipc)",
			 (unsigned int)(st.st_mode & 07777), group);
	else if (in_session(gid))
		snprintf(buf, size, "its mode %04o and group %s allow access, "
			 "and this session is in the group: something else "
			 "denies it (an ACL, or a security module such as "
			 "AppArmor or SELinux)",
			 (unsigned int)(st.st_mode & 07777), group);
	else if (member)
		snprintf(buf, size, "%s is in group %s, but this session "
			 "is not: log in again (or run newgrp %s)", user,
			 group, group);
	else
		snprintf(buf, size, "add yourself to group %s (usermod -aG "
			 "%s %s, then log in again)", group, group, user);
	return buf;
}
