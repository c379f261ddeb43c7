// SPDX-License-Identifier: GPL-2.0
/*
 * cipc-tools-tests: cipcctl against the real driver (Check).
 *
 *   cipc-tools-tests [SUITE...]        suites: channels module
 *
 * Runs inside the test VM (tests/vm/run), as root, with cipc loaded, like
 * cipc-driver-tests; CIPC_KO must name the loaded cipc.ko. The cipcctl
 * under test is $CIPCCTL or CIPCCTL_PATH (compiled in); every run of it is
 * a subprocess with a deadline. JSON output is parsed back by python3 and
 * compared with sysfs.
 *
 *  - channels: list, info, stats (--reset), wait (blocking, --timeout,
 *    --print, stop/continue), complete (--all, --message), reinit, mode,
 *    errors (no such channel, permission denied), status, version and the
 *    bash completion of channel indices. Every test starts from clean
 *    channels (no waiter, reinit, mode one, counters zero).
 *  - module: unload (in use, not root), status and the channel commands
 *    without the module, load (not installed, bad file, not root, with
 *    parameters, already loaded), list sorted by index with 12 channels.
 *    Runs last; the module is reloaded with the parameters it had (read at
 *    the start from /sys/module/cipc/parameters) whatever happens, so that
 *    the runner's final rmmod works.
 *
 * Exit status: 0 when every test passed, 1 on any failure, 2 on a usage
 * error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by tools-tests.mk */
#endif
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/cipc.h>

#include "run.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CLASS_DIR	"/sys/class/cipc"
#define MODULE_DIR	"/sys/module/cipc"
#define PARAM_DIR	MODULE_DIR "/parameters"

/* Timing budget, generous for an emulated (TCG) guest. */
#define SETTLE_MS	5000	/* a state we poll for is reached by then */
#define RELEASE_MS	3000	/* a released waiter exits by then */
#define BLOCKED_MS	150	/* "still blocked" is checked this long */
#define MODULE_SETTLE_MS 15000

#define TEST_TIMEOUT_S	60
#define MODULE_TIMEOUT_S 120

#define NOBODY		65534

/* ---- sysfs and files ------------------------------------------------- */

static int read_text(const char *path, char *buf, size_t size)
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

static void sysfs_str(unsigned int chan, const char *attr, char *buf,
		      size_t size)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), CLASS_DIR "/cipc%u/%s", chan, attr);
	err = read_text(path, buf, size);
	ck_assert_msg(err == 0, "%s: %s", path, strerror(-err));
}

static unsigned long long sysfs_ull(unsigned int chan, const char *attr)
{
	char buf[64], *end;
	unsigned long long v;

	sysfs_str(chan, attr, buf, sizeof(buf));
	errno = 0;
	v = strtoull(buf, &end, 10);
	ck_assert_msg(errno == 0 && end != buf && !*end, "cipc%u/%s: \"%s\"",
		      chan, attr, buf);
	return v;
}

/* A module parameter, or false if unreadable. */
static bool param_value(const char *name, unsigned int *val)
{
	char path[128], buf[32], *end;
	unsigned long v;

	snprintf(path, sizeof(path), PARAM_DIR "/%s", name);
	if (read_text(path, buf, sizeof(buf)) != 0)
		return false;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end)
		return false;
	*val = (unsigned int)v;
	return true;
}

static unsigned int param(const char *name)
{
	unsigned int v = 0;

	ck_assert_msg(param_value(name, &v), "cannot read " PARAM_DIR "/%s "
		      "(is cipc loaded?)", name);
	return v;
}

/* Entries of dir named prefix + digits ("cipc12"); 0 if dir is absent. */
static unsigned int count_numbered(const char *dir, const char *prefix)
{
	size_t plen = strlen(prefix);
	unsigned int n = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		const char *p = de->d_name + plen;

		if (strncmp(de->d_name, prefix, plen) != 0 || !*p)
			continue;
		while (*p >= '0' && *p <= '9')
			p++;
		if (!*p)
			n++;
	}
	closedir(d);
	return n;
}

static int chan_open(unsigned int chan, int flags)
{
	char path[32];
	int fd;

	snprintf(path, sizeof(path), "/dev/cipc%u", chan);
	fd = open(path, flags | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open(%s): %s", path, strerror(errno));
	return fd;
}

/* Poll sysfs until cipcN/waiters == n. */
static bool wait_waiters(unsigned int chan, unsigned long long n,
			 unsigned int ms)
{
	uint64_t deadline = mono_ms() + ms;

	for (;;) {
		if (sysfs_ull(chan, "waiters") == n)
			return true;
		if (mono_ms() >= deadline)
			return false;
		sleep_ms(5);
	}
}

/* ---- running cipcctl ------------------------------------------------- */

/* cipcctl ARGS... must exit with `status'; the caller proc_free()s p. */
#define CTL_STATUS(p, status, ...) do {					\
	int st_ = run_cipcctl((p), __VA_ARGS__, NULL);			\
	ck_assert_msg(st_ == (status), "cipcctl %s: exit status %d, "	\
		      "expected %d; stderr: %s; stdout: %s",		\
		      #__VA_ARGS__, st_, (status), (p)->err, (p)->out);	\
} while (0)

/* cipcctl ARGS... must succeed silently on stderr. */
#define CTL_OK(p, ...) do {						\
	CTL_STATUS(p, 0, __VA_ARGS__);					\
	ck_assert_msg((p)->err_len == 0, "cipcctl %s: stderr: %s",	\
		      #__VA_ARGS__, (p)->err);				\
} while (0)

/* cipcctl ARGS... must print nothing at all and succeed. */
#define CTL_QUIET(...) do {						\
	struct proc q_;							\
	CTL_OK(&q_, __VA_ARGS__);					\
	ck_assert_msg(q_.out_len == 0, "cipcctl %s: stdout: %s",	\
		      #__VA_ARGS__, q_.out);				\
	proc_free(&q_);							\
} while (0)

/* cipcctl ARGS... must fail (1) with exactly this stderr line. */
#define CTL_ERROR(line, ...) do {					\
	struct proc e_;							\
	CTL_STATUS(&e_, 1, __VA_ARGS__);				\
	ck_assert_msg(strcmp(e_.err, "cipcctl: " line "\n") == 0,	\
		      "cipcctl %s: stderr [%s], expected [cipcctl: %s]",\
		      #__VA_ARGS__, e_.err, line);			\
	ck_assert_msg(e_.out_len == 0, "cipcctl %s: stdout: %s",	\
		      #__VA_ARGS__, e_.out);				\
	proc_free(&e_);							\
} while (0)

/* python3 SCRIPT on p's stdout must print `want'. */
static void python_check(const struct proc *p, const char *script,
			 const char *want)
{
	struct proc py;
	int st = run_python(&py, script, p->out, p->out_len);

	ck_assert_msg(st == 0, "python3 on [%s]: status %d: %s", p->out, st,
		      py.err);
	ck_assert_msg(strcmp(py.out, want) == 0, "python3 on [%s]: printed "
		      "[%s], expected [%s]", p->out, py.out, want);
	proc_free(&py);
}

/* Start cipcctl ARGS... in the background. */
static void ctl_start(struct proc *p, const char *a1, const char *a2,
		      const char *a3, const char *a4)
{
	char *argv[] = { (char *)cipcctl_path(), (char *)a1, (char *)a2,
			 (char *)a3, (char *)a4, NULL };

	ck_assert_msg(proc_start(p, argv, NULL), "starting cipcctl: %s",
		      strerror(errno));
}

/* The background cipcctl is still running after ms. */
static void expect_blocked(struct proc *p, unsigned int ms)
{
	ck_assert_msg(!proc_wait(p, ms), "cipcctl exited (status %d) while "
		      "it should be blocked; stderr: %s", p->status, p->err);
}

/* It exits within RELEASE_MS with status. */
static void expect_exit(struct proc *p, int status)
{
	ck_assert_msg(proc_wait(p, RELEASE_MS), "cipcctl still running %d ms"
		      " after it should have exited", RELEASE_MS);
	ck_assert_msg(p->status == status, "cipcctl exited %d, expected %d; "
		      "stderr: %s", p->status, status, p->err);
}

/* ---- clean channels -------------------------------------------------- */

static void chan_clean(unsigned int chan)
{
	__u32 mode = CIPC_MODE_ONE;
	char buf[16];
	int fd;

	ck_assert_msg(wait_waiters(chan, 0, SETTLE_MS), "cipc%u: waiters "
		      "left from an earlier test", chan);
	fd = chan_open(chan, O_RDWR);
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_SET_MODE, &mode), 0);
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_REINIT), 0);
	ck_assert_int_eq(ioctl(fd, CIPC_IOC_RESET_STATS), 0);
	close(fd);
	sysfs_str(chan, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "one");
	sysfs_str(chan, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
	ck_assert_uint_eq(sysfs_ull(chan, "stats/wait"), 0);
}

static void fixture_clean(void)
{
	unsigned int n = param("channels");

	ck_assert_msg(geteuid() == 0, "cipc-tools-tests must run as root");
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n);
	for (unsigned int i = 0; i < n; i++)
		chan_clean(i);
}

static const char PY_HEAD[] =
	"import json,sys,os\n"
	"d=json.load(sys.stdin)\n"
	"def r(ch, a):\n"
	"    return open('/sys/class/cipc/cipc%d/%s' % (ch, a)).read().strip()\n"
	"def done(ch):\n"
	"    v=r(ch,'done')\n"
	"    return v if v=='all' else int(v)\n";

/* ---- list ------------------------------------------------------------ */

/* Distinct states: cipc0 two generations on, cipc1 done 2 with a
 * message, cipc2 done all, cipc3 mode all. gen[] receives the generations
 * of cipc0-3 before. */
static void make_states(unsigned long long gen[4])
{
	for (unsigned int i = 0; i < 4; i++)
		gen[i] = i < param("channels") ? sysfs_ull(i, "generation") : 0;
	CTL_QUIET("reinit", "0");
	CTL_QUIET("reinit", "/dev/cipc0");
	CTL_QUIET("complete", "1", "--message", "abc");
	CTL_QUIET("complete", "1");
	if (param("channels") > 2)
		CTL_QUIET("complete", "2", "--all");
	if (param("channels") > 3)
		CTL_QUIET("mode", "3", "all");
}

START_TEST(test_list_text)
{
	unsigned int n = param("channels");
	char *line, *save = NULL;
	unsigned long long gen[4];
	unsigned int i = 0;
	struct proc p;

	make_states(gen);
	CTL_OK(&p, "list");
	line = strtok_r(p.out, "\n", &save);
	ck_assert_msg(line && strcmp(line, "NAME     MODE  DONE        "
				    "WAITERS   GENERATION") == 0,
		      "header: [%s]", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char name[32], mode[16], done[16], want[128];
		unsigned long long waiters, g;

		ck_assert_msg(i < n, "more lines than channels: [%s]", line);
		ck_assert_msg(sscanf(line, "%31s %15s %15s %llu %llu", name,
				     mode, done, &waiters, &g) == 5,
			      "line [%s]", line);
		snprintf(want, sizeof(want), "cipc%u", i);
		ck_assert_str_eq(name, want);
		sysfs_str(i, "mode", want, sizeof(want));
		ck_assert_str_eq(mode, want);
		sysfs_str(i, "done", want, sizeof(want));
		ck_assert_str_eq(done, want);
		ck_assert_uint_eq(waiters, sysfs_ull(i, "waiters"));
		ck_assert_uint_eq(g, sysfs_ull(i, "generation"));
		i++;
	}
	ck_assert_uint_eq(i, n);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen[0] + 2);
	ck_assert_uint_eq(sysfs_ull(1, "done"), 2);
	proc_free(&p);
}
END_TEST

START_TEST(test_list_json)
{
	unsigned long long gen[4];
	char want[16];
	struct proc p;
	char script[2048];

	make_states(gen);
	CTL_OK(&p, "list", "--json");
	ck_assert_msg(p.out_len > 0 && p.out[p.out_len - 1] == '\n' &&
		      !memchr(p.out, '\n', p.out_len - 1),
		      "not one line: [%s]", p.out);
	snprintf(script, sizeof(script), "%s"
		 "names=sorted((n for n in os.listdir('/sys/class/cipc')\n"
		 "    if n.startswith('cipc') and n[4:].isdigit()),\n"
		 "    key=lambda n: int(n[4:]))\n"
		 "assert list(d)==['channels'], d\n"
		 "assert [c['name'] for c in d['channels']]==names, d\n"
		 "for c in d['channels']:\n"
		 "    i=int(c['name'][4:])\n"
		 "    assert list(c)==['name','index','device','mode','done',\n"
		 "        'waiters','generation'], c\n"
		 "    assert c['index']==i and c['device']=='/dev/cipc%%d' %% i, c\n"
		 "    assert c['mode']==r(i,'mode') and c['done']==done(i), c\n"
		 "    assert c['waiters']==int(r(i,'waiters')), c\n"
		 "    assert c['generation']==int(r(i,'generation')), c\n"
		 "assert d['channels'][0]['generation']==%llu, d\n"
		 "assert d['channels'][1]['done']==2, d\n"
		 "if len(names)>2: assert d['channels'][2]['done']=='all', d\n"
		 "if len(names)>3: assert d['channels'][3]['mode']=='all', d\n"
		 "print(len(names))\n", PY_HEAD, gen[0] + 2);
	snprintf(want, sizeof(want), "%u\n", param("channels"));
	python_check(&p, script, want);
	proc_free(&p);
}
END_TEST

/* ---- info ------------------------------------------------------------ */

START_TEST(test_info_text)
{
	unsigned long long gen[4];
	char want[512];
	struct proc p;

	make_states(gen);
	CTL_OK(&p, "info", "1");
	snprintf(want, sizeof(want),
		 "device       /dev/cipc1\n"
		 "index        1\n"
		 "abi_version  %u\n"
		 "msg_max      %u\n"
		 "mode         one\n"
		 "done         2\n"
		 "waiters      0\n"
		 "generation   %llu\n"
		 "msg_len      3\n", CIPC_ABI_VERSION, param("msg_max"),
		 gen[1]);
	ck_assert_str_eq(p.out, want);
	proc_free(&p);

	CTL_OK(&p, "info", "/dev/cipc0");
	snprintf(want, sizeof(want), "\ngeneration   %llu\n", gen[0] + 2);
	ck_assert_msg(strstr(p.out, "device       /dev/cipc0\n") &&
		      strstr(p.out, want) &&
		      strstr(p.out, "\ndone         0\n"), "%s", p.out);
	proc_free(&p);

	if (param("channels") > 2) {
		CTL_OK(&p, "info", "2");
		ck_assert_msg(strstr(p.out, "\ndone         all\n"), "%s",
			      p.out);
		proc_free(&p);
	}
}
END_TEST

START_TEST(test_info_json)
{
	unsigned long long gen[4];
	char script[2048];
	struct proc p;

	make_states(gen);
	for (unsigned int i = 0; i < param("channels") && i < 4; i++) {
		char ch[16], want[64];

		snprintf(ch, sizeof(ch), "%u", i);
		CTL_OK(&p, "info", ch, "--json");
		snprintf(script, sizeof(script), "%s"
			 "i=%u\n"
			 "assert list(d)==['device','index','abi_version',\n"
			 "    'msg_max','mode','done','waiters','generation',\n"
			 "    'msg_len'], d\n"
			 "assert d['device']=='/dev/cipc%%d' %% i, d\n"
			 "assert d['index']==i and d['abi_version']==%u, d\n"
			 "assert d['msg_max']==int(open('/sys/module/cipc/"
			 "parameters/msg_max').read()), d\n"
			 "assert d['mode']==r(i,'mode') and d['done']==done(i), d\n"
			 "assert d['waiters']==int(r(i,'waiters')), d\n"
			 "assert d['generation']==int(r(i,'generation')), d\n"
			 "print(d['done'], d['generation'], d['msg_len'])\n",
			 PY_HEAD, i, CIPC_ABI_VERSION);
		snprintf(want, sizeof(want), "%s %llu %u\n",
			 i == 1 ? "2" : i == 2 ? "all" : "0",
			 gen[i] + (i == 0 ? 2 : 0), i == 1 ? 3 : 0);
		python_check(&p, script, want);
		proc_free(&p);
	}
	/* by path, the device is the path given */
	CTL_OK(&p, "info", "/dev/cipc1", "--json");
	python_check(&p, "import json,sys\nprint(json.load(sys.stdin)"
		     "['device'])\n", "/dev/cipc1\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_info_no_such_channel)
{
	unsigned int n = param("channels");
	char idx[16], path[32], line[128];
	struct proc p;

	snprintf(idx, sizeof(idx), "%u", n);
	snprintf(path, sizeof(path), "/dev/cipc%u", n + 7);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: no such channel "
		 "(%u loaded)\n", n, n);
	CTL_STATUS(&p, 1, "info", idx);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	snprintf(line, sizeof(line), "cipcctl: %s: no such channel "
		 "(%u loaded)\n", path, n);
	CTL_STATUS(&p, 1, "wait", path, "--timeout", "1s");
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	CTL_ERROR("/dev/null: not a cipc channel", "info", "/dev/null");
	/* a mistyped path is missing, not a missing channel */
	CTL_ERROR("./typo: no such file or directory", "info", "./typo");
	CTL_ERROR("/dev/cipc0x: no such file or directory", "wait",
		  "/dev/cipc0x", "--timeout", "1s");
}
END_TEST

/* ---- stats ----------------------------------------------------------- */

static const char *const stat_names[] = {
	"complete", "complete_all", "reinit", "wait", "woken", "timeout",
	"interrupted", "again", "bytes_in", "bytes_out",
};

/* complete 2 (5 + 0 bytes in), 3 waits of which 2 pass (5 + 5 bytes
 * out) and 1 times out, reinit, complete_all with 2 bytes (7 in). */
static void make_stats(void)
{
	struct proc p;

	CTL_QUIET("complete", "0", "--message", "hello");
	CTL_QUIET("complete", "0");
	CTL_OK(&p, "wait", "0", "--print", "--timeout", "0");
	ck_assert_str_eq(p.out, "hello\n");
	proc_free(&p);
	CTL_OK(&p, "wait", "0", "--print", "--timeout", "0");
	ck_assert_str_eq(p.out, "hello\n");
	proc_free(&p);
	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "0");
	proc_free(&p);
	CTL_QUIET("reinit", "0");
	CTL_QUIET("complete", "0", "--all", "--message", "hi");
}

static const unsigned long long made_stats[] = {
	2, 1, 1, 3, 2, 1, 0, 0, 7, 10,
};

START_TEST(test_stats_text)
{
	char want[512] = "";
	struct proc p;

	make_stats();
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++) {
		char attr[32];

		snprintf(attr, sizeof(attr), "stats/%s", stat_names[i]);
		ck_assert_msg(sysfs_ull(0, attr) == made_stats[i],
			      "sysfs %s = %llu, expected %llu", attr,
			      sysfs_ull(0, attr), made_stats[i]);
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%-13s %llu\n", stat_names[i], made_stats[i]);
	}
	CTL_OK(&p, "stats", "0");
	ck_assert_str_eq(p.out, want);
	proc_free(&p);
}
END_TEST

START_TEST(test_stats_json)
{
	struct proc p;

	make_stats();
	CTL_OK(&p, "stats", "/dev/cipc0", "--json");
	python_check(&p,
		     "import json,sys\n"
		     "d=json.load(sys.stdin)\n"
		     "names=['complete','complete_all','reinit','wait',\n"
		     "    'woken','timeout','interrupted','again','bytes_in',\n"
		     "    'bytes_out']\n"
		     "assert list(d)==names, d\n"
		     "for n in names:\n"
		     "    v=int(open('/sys/class/cipc/cipc0/stats/'+n).read())\n"
		     "    assert d[n]==v, (n, d[n], v)\n"
		     "print(' '.join(str(d[n]) for n in names))\n",
		     "2 1 1 3 2 1 0 0 7 10\n");
	proc_free(&p);
}
END_TEST

START_TEST(test_stats_reset)
{
	unsigned long long gen = sysfs_ull(0, "generation");

	make_stats();
	ck_assert_uint_eq(sysfs_ull(0, "stats/wait"), 3);
	CTL_QUIET("stats", "0", "--reset");
	for (size_t i = 0; i < ARRAY_SIZE(stat_names); i++) {
		char attr[32];

		snprintf(attr, sizeof(attr), "stats/%s", stat_names[i]);
		ck_assert_uint_eq(sysfs_ull(0, attr), 0);
	}
	/* the channel's state is untouched */
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 1);
}
END_TEST

/* Unprivileged: the node (0600 root) cannot be opened; with the node made
 * accessible, resetting needs CAP_SYS_ADMIN. */
START_TEST(test_stats_reset_not_root)
{
	struct run_opts o = { .as_uid = NOBODY };
	struct proc p;
	int st;

	make_stats();
	st = run_cipcctl_opts(&p, &o, "stats", "0", "--reset", NULL);
	ck_assert_int_eq(st, 1);
	ck_assert_str_eq(p.err, "cipcctl: /dev/cipc0: permission denied "
			 "(are you root?)\n");
	proc_free(&p);

	ck_assert_int_eq(chmod("/dev/cipc0", 0666), 0);
	st = run_cipcctl_opts(&p, &o, "stats", "0", "--reset", NULL);
	chmod("/dev/cipc0", 0600);
	ck_assert_int_eq(st, 1);
	ck_assert_str_eq(p.err, "cipcctl: /dev/cipc0: cannot reset the "
			 "counters: operation not permitted (are you root?)\n");
	proc_free(&p);
	ck_assert_uint_eq(sysfs_ull(0, "stats/wait"), 3);
}
END_TEST

/* ---- mode, reinit ---------------------------------------------------- */

START_TEST(test_mode)
{
	char buf[16];
	struct proc p;

	CTL_OK(&p, "mode", "0");
	ck_assert_str_eq(p.out, "one\n");
	proc_free(&p);
	CTL_QUIET("mode", "0", "all");
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");
	CTL_OK(&p, "mode", "/dev/cipc0");
	ck_assert_str_eq(p.out, "all\n");
	proc_free(&p);
	CTL_QUIET("mode", "/dev/cipc0", "one");
	sysfs_str(0, "mode", buf, sizeof(buf));
	ck_assert_str_eq(buf, "one");
	/* the mode is what write(2) does, not what complete does */
	CTL_QUIET("mode", "0", "all");
	CTL_QUIET("complete", "0");
	sysfs_str(0, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "1");
}
END_TEST

START_TEST(test_reinit)
{
	unsigned long long gen = sysfs_ull(0, "generation");
	char buf[16];
	struct proc p;

	CTL_QUIET("complete", "0", "--message", "xyz");
	CTL_QUIET("complete", "0", "--all");
	sysfs_str(0, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen);
	CTL_QUIET("reinit", "0");
	sysfs_str(0, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "0");
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 1);
	CTL_OK(&p, "info", "0");
	ck_assert_msg(strstr(p.out, "\nmsg_len      0\n"), "%s", p.out);
	proc_free(&p);
	CTL_QUIET("reinit", "/dev/cipc0");
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 2);
}
END_TEST

/* ---- complete and wait ----------------------------------------------- */

START_TEST(test_message_print)
{
	static const char *const msgs[] = {
		"hi", "", "two\nlines\n", "caf\xc3\xa9 \x01\x7f\xff",
	};
	struct proc p;

	for (size_t i = 0; i < ARRAY_SIZE(msgs); i++) {
		char want[64];

		CTL_QUIET("complete", "0", "--message", msgs[i]);
		CTL_OK(&p, "wait", "0", "--print");
		snprintf(want, sizeof(want), "%s\n", msgs[i]);
		ck_assert_msg(p.out_len == strlen(want) &&
			      memcmp(p.out, want, p.out_len) == 0,
			      "message %zu: printed [%s]", i, p.out);
		proc_free(&p);
	}
	/* no --message: the current message is kept */
	CTL_QUIET("complete", "0", "--message", "kept");
	CTL_QUIET("complete", "0");
	CTL_QUIET("complete", "0");
	for (int i = 0; i < 2; i++) {
		CTL_OK(&p, "wait", "0", "--print", "--timeout", "0");
		ck_assert_str_eq(p.out, "kept\n");
		proc_free(&p);
	}
	/* without --print nothing is printed */
	CTL_QUIET("wait", "0");
	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "0");
	ck_assert_uint_eq(p.out_len + p.err_len, 0);
	proc_free(&p);
}
END_TEST

START_TEST(test_message_too_long)
{
	unsigned int max = param("msg_max");
	char *msg = malloc(max + 2), line[128];

	ck_assert_ptr_nonnull(msg);
	memset(msg, 'x', max + 1);
	msg[max + 1] = '\0';
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc0: message too long: "
		 "%u bytes, msg_max is %u\n", max + 1, max);
	{
		struct proc p;

		CTL_STATUS(&p, 1, "complete", "0", "--message", msg);
		ck_assert_str_eq(p.err, line);
		proc_free(&p);
	}
	ck_assert_uint_eq(sysfs_ull(0, "done"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "stats/complete"), 0);
	msg[max] = '\0';	/* exactly msg_max: fine */
	CTL_QUIET("complete", "0", "--message", msg);
	{
		struct proc p;

		CTL_OK(&p, "wait", "0", "--print");
		ck_assert_uint_eq(p.out_len, max + 1);
		ck_assert(memcmp(p.out, msg, max) == 0);
		proc_free(&p);
	}
	free(msg);
}
END_TEST

/* A waiter in one process, released by a complete in another. */
START_TEST(test_wait_released_by_complete)
{
	struct proc w;

	ctl_start(&w, "wait", "0", "--print", NULL);
	ck_assert_msg(wait_waiters(0, 1, SETTLE_MS), "the waiter never "
		      "blocked");
	expect_blocked(&w, BLOCKED_MS);
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 1);
	CTL_QUIET("complete", "0", "--message", "hi");
	expect_exit(&w, 0);
	ck_assert_str_eq(w.out, "hi\n");
	ck_assert_uint_eq(w.err_len, 0);
	proc_free(&w);
	ck_assert(wait_waiters(0, 0, SETTLE_MS));
	ck_assert_uint_eq(sysfs_ull(0, "done"), 0);	/* consumed */
}
END_TEST

START_TEST(test_complete_all_releases_three)
{
	struct proc w[3];
	char buf[16];

	for (int i = 0; i < 3; i++)
		ctl_start(&w[i], "wait", "/dev/cipc0", "--print", NULL);
	ck_assert_msg(wait_waiters(0, 3, SETTLE_MS), "3 waiters never "
		      "blocked (%llu)", sysfs_ull(0, "waiters"));
	expect_blocked(&w[0], BLOCKED_MS);
	for (int i = 0; i < 3; i++)
		ck_assert(!w[i].exited);
	CTL_QUIET("complete", "0", "--all", "--message", "go");
	for (int i = 0; i < 3; i++) {
		expect_exit(&w[i], 0);
		ck_assert_str_eq(w[i].out, "go\n");
		proc_free(&w[i]);
	}
	sysfs_str(0, "done", buf, sizeof(buf));
	ck_assert_str_eq(buf, "all");
	/* and every later wait passes at once */
	CTL_QUIET("wait", "0", "--timeout", "0");
	CTL_QUIET("wait", "0", "--timeout", "0");
}
END_TEST

START_TEST(test_complete_releases_one)
{
	struct proc w[2];
	int first;

	for (int i = 0; i < 2; i++) {
		ctl_start(&w[i], "wait", "0", NULL, NULL);
		ck_assert(wait_waiters(0, (unsigned int)i + 1, SETTLE_MS));
	}
	CTL_QUIET("complete", "0");
	/* one of them (the first, FIFO) exits, the other stays */
	ck_assert_msg(proc_wait(&w[0], RELEASE_MS), "the longest waiter was "
		      "not released");
	ck_assert_int_eq(w[0].status, 0);
	first = 1;
	expect_blocked(&w[first], BLOCKED_MS);
	ck_assert_uint_eq(sysfs_ull(0, "waiters"), 1);
	CTL_QUIET("complete", "0");
	expect_exit(&w[first], 0);
	for (int i = 0; i < 2; i++)
		proc_free(&w[i]);
}
END_TEST

START_TEST(test_wait_timeout)
{
	struct proc p;
	uint64_t ms;

	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "300ms");
	ms = p.t_end_ms - p.t_start_ms;
	ck_assert_msg(ms >= 300 && ms < 3000, "wait --timeout 300ms took %llu"
		      " ms", (unsigned long long)ms);
	ck_assert_uint_eq(p.out_len + p.err_len, 0);
	proc_free(&p);

	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "300ms", "--print");
	ms = p.t_end_ms - p.t_start_ms;
	ck_assert_msg(ms >= 300 && ms < 3000, "wait --timeout 300ms --print "
		      "took %llu ms", (unsigned long long)ms);
	ck_assert_uint_eq(p.out_len + p.err_len, 0);
	proc_free(&p);

	/* 0 tries once */
	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "0");
	proc_free(&p);
	CTL_QUIET("complete", "0");
	CTL_QUIET("wait", "0", "--timeout", "0");
	ck_assert_uint_eq(sysfs_ull(0, "stats/timeout"), 3);
	ck_assert_uint_eq(sysfs_ull(0, "stats/woken"), 1);
}
END_TEST

/* A stop and continue (EINTR from a timed wait) does not end the wait. */
START_TEST(test_wait_stop_continue)
{
	struct proc w;

	ctl_start(&w, "wait", "0", "--timeout", "60s");
	ck_assert(wait_waiters(0, 1, SETTLE_MS));
	ck_assert_int_eq(kill(w.pid, SIGSTOP), 0);
	sleep_ms(50);
	ck_assert_int_eq(kill(w.pid, SIGCONT), 0);
	sleep_ms(50);
	ck_assert_msg(wait_waiters(0, 1, SETTLE_MS), "the waiter did not go "
		      "back to waiting after SIGCONT");
	expect_blocked(&w, BLOCKED_MS);
	CTL_QUIET("complete", "0");
	expect_exit(&w, 0);
	ck_assert_uint_eq(w.err_len, 0);
	proc_free(&w);
}
END_TEST

START_TEST(test_permission_denied)
{
	struct run_opts o = { .as_uid = NOBODY };
	struct proc p;
	int st;

	st = run_cipcctl_opts(&p, &o, "info", "0", NULL);
	ck_assert_int_eq(st, 1);
	ck_assert_str_eq(p.err, "cipcctl: /dev/cipc0: permission denied "
			 "(are you root?)\n");
	proc_free(&p);
	/* list reads sysfs: anyone may */
	st = run_cipcctl_opts(&p, &o, "list", NULL);
	ck_assert_int_eq(st, 0);
	proc_free(&p);
}
END_TEST

/* ---- status, version, completion ------------------------------------- */

START_TEST(test_status_loaded)
{
	char script[2048], version[64], want[512];
	struct utsname u;
	struct proc p;

	ck_assert_int_eq(read_text(MODULE_DIR "/version", version,
				   sizeof(version)), 0);
	ck_assert_int_eq(uname(&u), 0);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want),
		 "module      cipc\n"
		 "loaded      yes\n"
		 "state       live\n"
		 "version     %s\n"
		 "refcnt      0\n"
		 "parameters  channels=%u msg_max=%u\n"
		 "kernel      %s\n"
		 "installed   ", version, param("channels"), param("msg_max"),
		 u.release);
	ck_assert_msg(strncmp(p.out, want, strlen(want)) == 0,
		      "status:\n%s\nexpected:\n%s", p.out, want);
	proc_free(&p);

	CTL_OK(&p, "status", "--json");
	snprintf(script, sizeof(script),
		 "import json,sys,os\n"
		 "d=json.load(sys.stdin)\n"
		 "m='/sys/module/cipc/'\n"
		 "assert list(d)==['module','loaded','state','version',\n"
		 "    'refcnt','parameters','kernel','installed'], d\n"
		 "assert d['module']=='cipc' and d['loaded'] is True, d\n"
		 "assert d['state']=='live', d\n"
		 "assert d['version']==open(m+'version').read().strip(), d\n"
		 "assert d['refcnt']==int(open(m+'refcnt').read()), d\n"
		 "p={n:int(open(m+'parameters/'+n).read())\n"
		 "   for n in os.listdir(m+'parameters')}\n"
		 "assert d['parameters']==p, d\n"
		 "assert d['kernel']==os.uname().release, d\n"
		 "print(d['parameters']['channels'])\n");
	snprintf(want, sizeof(want), "%u\n", param("channels"));
	python_check(&p, script, want);
	proc_free(&p);

	/* an open channel holds references */
	{
		int fd = chan_open(0, O_RDONLY);

		CTL_OK(&p, "status", "--json");
		python_check(&p, "import json,sys\n"
			     "print(json.load(sys.stdin)['refcnt'] > 0)\n",
			     "True\n");
		proc_free(&p);
		close(fd);
	}
}
END_TEST

/*
 * libkmod's own messages never reach stderr, even those of kmod_new()
 * (a bad line of modprobe.d is an error it logs while reading the
 * configuration, before a log function can be set).
 */
#define BAD_MODPROBE_CONF "/run/modprobe.d/zz-cipcctl-test.conf"

START_TEST(test_status_kmod_quiet)
{
	const char *const env[] = { "KMOD_LOG=debug", NULL };
	struct run_opts o = { .env = env };
	struct proc p, q;
	int fd, st, st2;

	(void)mkdir("/run/modprobe.d", 0755);
	fd = open(BAD_MODPROBE_CONF, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		  0644);
	ck_assert_msg(fd >= 0, BAD_MODPROBE_CONF ": %s", strerror(errno));
	ck_assert_int_eq(write(fd, "bogus line\n", 11), 11);
	close(fd);
	st = run_cipcctl(&p, "status", NULL);
	st2 = run_cipcctl_opts(&q, &o, "status", NULL);	/* the user's */
	unlink(BAD_MODPROBE_CONF);
	ck_assert_msg(st == 0 && p.err_len == 0, "status: %d, stderr: %s", st,
		      p.err);
	ck_assert_msg(st2 == 0 && q.err_len == 0, "KMOD_LOG=debug status: "
		      "%d, stderr: %s", st2, q.err);
	proc_free(&p);
	proc_free(&q);
}
END_TEST

START_TEST(test_version)
{
	char version[64], want[128];
	struct proc p;

	ck_assert_int_eq(read_text(MODULE_DIR "/version", version,
				   sizeof(version)), 0);
	CTL_OK(&p, "version");
	ck_assert_msg(strncmp(p.out, "cipcctl  ", 9) == 0, "%s", p.out);
	snprintf(want, sizeof(want), "\nabi      %u\nmodule   %s\n",
		 CIPC_ABI_VERSION, version);
	ck_assert_msg(strstr(p.out, want), "version:\n%s", p.out);
	proc_free(&p);
}
END_TEST

/* The bash completion offers the loaded channels' indices. */
START_TEST(test_completion_channels)
{
	char script[1024], want[1100] = "";
	char *argv[] = { "bash", "--norc", "--noprofile", "-c", script,
			 NULL };
	struct proc p;

	for (unsigned int i = 0; i < param("channels"); i++)
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 "%s%u", i ? " " : "", i);
	strcat(want, "\n");
	snprintf(script, sizeof(script),
		 "source '%s' || exit 1\n"
		 "COMP_WORDS=(cipcctl wait '')\n"
		 "COMP_CWORD=2\n"
		 "_cipcctl\n"
		 "echo \"${COMPREPLY[*]}\"\n", CIPCCTL_COMPLETION);
	ck_assert_int_eq(run_argv(&p, argv, NULL), 0);
	ck_assert_str_eq(p.out, want);
	proc_free(&p);
}
END_TEST

/* ---- module ---------------------------------------------------------- */

/*
 * The module's state before the suite ran. Set by the unchecked setup, in
 * the runner process, before the test processes are forked from it: the
 * only state shared between tests, as Check forces it.
 */
static struct {
	bool recorded;
	bool loaded;
	unsigned int channels;
	unsigned int msg_max;
} orig;

static bool module_loaded(void)
{
	return access(MODULE_DIR, F_OK) == 0;
}

/* delete_module(cipc), retrying while in use: 0 or -errno. */
static int raw_unload(void)
{
	uint64_t deadline = mono_ms() + MODULE_SETTLE_MS;

	for (;;) {
		if (syscall(SYS_delete_module, "cipc", O_NONBLOCK) == 0)
			break;
		if (errno == ENOENT)
			return 0;
		if ((errno != EBUSY && errno != EAGAIN) ||
		    mono_ms() >= deadline)
			return -errno;
		sleep_ms(10);
	}
	while (module_loaded()) {
		if (mono_ms() >= deadline)
			return -EBUSY;
		sleep_ms(10);
	}
	return 0;
}

/* finit_module($CIPC_KO, params): 0 or -errno. */
static int raw_load(const char *params)
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

/* /dev and /sys/class/cipc show exactly n channels. */
static bool nodes_settle(unsigned int n)
{
	uint64_t deadline = mono_ms() + MODULE_SETTLE_MS;

	for (;;) {
		if (count_numbered("/dev", "cipc") == n &&
		    count_numbered(CLASS_DIR, "cipc") == n)
			return true;
		if (mono_ms() >= deadline)
			return false;
		sleep_ms(10);
	}
}

static int module_restore(void)
{
	char params[64];
	unsigned int ch, mm;
	int err;

	if (!orig.recorded)
		return 0;
	if (orig.loaded == module_loaded() &&
	    (!orig.loaded || (param_value("channels", &ch) &&
			      param_value("msg_max", &mm) &&
			      ch == orig.channels && mm == orig.msg_max)))
		return 0;
	err = raw_unload();
	if (err || !orig.loaded)
		return err;
	snprintf(params, sizeof(params), "channels=%u msg_max=%u",
		 orig.channels, orig.msg_max);
	err = raw_load(params);
	if (err)
		return err;
	return nodes_settle(orig.channels) ? 0 : -ETIMEDOUT;
}

static void module_record(void)
{
	orig.loaded = module_loaded();
	orig.recorded = !orig.loaded ||
			(param_value("channels", &orig.channels) &&
			 param_value("msg_max", &orig.msg_max));
	if (!orig.recorded)
		fprintf(stderr, "module: cannot read the module's parameters; "
			"it will not be reloaded\n");
}

static void module_teardown(void)
{
	int err = module_restore();

	if (err)
		fprintf(stderr, "module: RESTORING THE CIPC MODULE FAILED: %s "
			"(channels=%u msg_max=%u)\n", strerror(-err),
			orig.channels, orig.msg_max);
}

static void module_prerequisites(void)
{
	const char *ko = getenv("CIPC_KO");

	ck_assert_msg(geteuid() == 0, "the module suite must run as root");
	ck_assert_msg(ko && *ko, "CIPC_KO is not set: the module suite needs "
		      "the path of the cipc.ko that was loaded");
	ck_assert_msg(access(ko, R_OK) == 0, "CIPC_KO=%s: %s", ko,
		      strerror(errno));
	ck_assert_msg(orig.recorded && orig.loaded, "cipc was not loaded "
		      "(with readable parameters) when the suite started");
}

/* Make sure the module is not loaded. */
static void ensure_unloaded(void)
{
	int err = raw_unload();

	ck_assert_msg(err == 0, "unloading cipc: %s", strerror(-err));
	ck_assert(nodes_settle(0));
}

/* Make sure the module is loaded with its original parameters. */
static void ensure_original(void)
{
	int err = module_restore();

	ck_assert_msg(err == 0, "restoring cipc: %s", strerror(-err));
	ck_assert(module_loaded());
}

START_TEST(test_module_unload_in_use)
{
	int fd;

	ensure_original();
	fd = chan_open(0, O_RDONLY);
	CTL_ERROR("cannot unload cipc: in use by 1 process", "unload");
	ck_assert(module_loaded());
	close(fd);
	ck_assert(module_loaded());
}
END_TEST

START_TEST(test_module_unload_not_root)
{
	struct run_opts o = { .as_uid = NOBODY };
	struct proc p;

	ensure_original();
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "unload", NULL), 1);
	ck_assert_str_eq(p.err, "cipcctl: cannot unload cipc: operation not "
			 "permitted (are you root?)\n");
	proc_free(&p);
	ck_assert(module_loaded());
}
END_TEST

/* unload, then everything reports that cipc is not loaded. */
START_TEST(test_module_unload_then_not_loaded)
{
	struct utsname u;
	struct proc p;
	char want[256];

	ensure_original();
	CTL_QUIET("unload");
	ck_assert(!module_loaded());
	ck_assert(nodes_settle(0));

	ck_assert_int_eq(uname(&u), 0);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want), "module      cipc\nloaded      no\n"
		 "kernel      %s\ninstalled   ", u.release);
	ck_assert_msg(strncmp(p.out, want, strlen(want)) == 0, "status:\n%s",
		      p.out);
	proc_free(&p);
	CTL_OK(&p, "status", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['loaded'], sorted(d))\n",
		     "False ['installed', 'kernel', 'loaded', 'module']\n");
	proc_free(&p);
	CTL_OK(&p, "version");
	ck_assert_msg(strstr(p.out, "\nmodule   not loaded\n"), "%s", p.out);
	proc_free(&p);

	CTL_ERROR("cipc is not loaded", "unload");
	CTL_ERROR("cipc is not loaded", "list");
	CTL_ERROR("cipc is not loaded", "list", "--json");
	CTL_ERROR("cipc is not loaded", "info", "0");
	CTL_ERROR("cipc is not loaded", "wait", "0");
	CTL_ERROR("cipc is not loaded", "wait", "/dev/cipc0", "--timeout",
		  "1s");
	CTL_ERROR("cipc is not loaded", "complete", "0");
	CTL_ERROR("./typo: no such file or directory", "info", "./typo");
}
END_TEST

/* The guest has no cipc under /lib/modules for its kernel. */
START_TEST(test_module_load_not_installed)
{
	struct utsname u;
	char line[256];
	struct proc p;

	ensure_unloaded();
	ck_assert_int_eq(uname(&u), 0);
	snprintf(line, sizeof(line), "cipcctl: module cipc is not installed "
		 "for kernel %s: install cipc-dkms\n", u.release);
	CTL_STATUS(&p, 1, "load");
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	CTL_STATUS(&p, 1, "load", "--channels", "2");
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert(!module_loaded());
}
END_TEST

START_TEST(test_module_load_bad_file)
{
	struct proc p;

	ensure_unloaded();
	CTL_ERROR("/nonexistent/cipc.ko: no such file or directory", "load",
		  "--module", "/nonexistent/cipc.ko");
	CTL_STATUS(&p, 1, "load", "--module", "/etc/passwd");
	ck_assert_msg(strncmp(p.err, "cipcctl: /etc/passwd: not a kernel "
			      "module", 35) == 0 &&
		      !strchr(p.err, '\n')[1], "stderr: %s", p.err);
	proc_free(&p);
	ck_assert(!module_loaded());

	/* the real module under another name: libkmod would call it that */
	{
		char *cp[] = { "cp", (char *)getenv("CIPC_KO"),
			       "/tmp/notcipc.ko", NULL };

		ck_assert_int_eq(run_argv(&p, cp, NULL), 0);
		proc_free(&p);
		CTL_ERROR("/tmp/notcipc.ko: module file must be named cipc.ko "
			  "(libkmod names modules after their file)", "load",
			  "--module", "/tmp/notcipc.ko");
		unlink("/tmp/notcipc.ko");
		ck_assert(!module_loaded());
	}
}
END_TEST

START_TEST(test_module_load_not_root)
{
	struct run_opts o = { .as_uid = NOBODY };
	struct proc p;

	ensure_unloaded();
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "load", "--module",
					  getenv("CIPC_KO"), NULL), 1);
	ck_assert_str_eq(p.err, "cipcctl: cannot load cipc: operation not "
			 "permitted (are you root?)\n");
	proc_free(&p);
	ck_assert(!module_loaded());
}
END_TEST

START_TEST(test_module_load_params)
{
	struct proc p;

	ensure_unloaded();
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--channels", "3",
		  "--msg-max", "64");
	ck_assert(module_loaded());
	ck_assert_uint_eq(param("channels"), 3);
	ck_assert_uint_eq(param("msg_max"), 64);
	ck_assert_msg(nodes_settle(3), "%u nodes, %u sysfs entries",
		      count_numbered("/dev", "cipc"),
		      count_numbered(CLASS_DIR, "cipc"));
	CTL_OK(&p, "info", "2", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['index'], d['msg_max'])\n", "2 64\n");
	proc_free(&p);
	CTL_ERROR("/dev/cipc3: no such channel (3 loaded)", "info", "3");
	CTL_OK(&p, "list");
	ck_assert_msg(strstr(p.out, "\ncipc2 ") && !strstr(p.out, "cipc3"),
		      "%s", p.out);
	proc_free(&p);
	CTL_OK(&p, "status");
	ck_assert_msg(strstr(p.out, "\nparameters  channels=3 msg_max=64\n"),
		      "%s", p.out);
	proc_free(&p);
	/* only the parameters given are passed */
	CTL_QUIET("unload");
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--msg-max", "5");
	ck_assert_uint_eq(param("msg_max"), 5);
	ck_assert_uint_eq(param("channels"), 4);	/* the default */
}
END_TEST

START_TEST(test_module_load_already_loaded)
{
	ensure_original();
	CTL_ERROR("cipc is already loaded", "load", "--module",
		  getenv("CIPC_KO"));
	CTL_ERROR("cipc is already loaded", "load");
	ck_assert(module_loaded());
}
END_TEST

/* list sorts by index, not by name: cipc10 after cipc9. */
START_TEST(test_module_list_sorted)
{
	char *line, *save = NULL;
	unsigned int i = 0;
	struct proc p;

	ensure_unloaded();
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--channels", "12");
	ck_assert(nodes_settle(12));
	CTL_OK(&p, "list");
	line = strtok_r(p.out, "\n", &save);	/* header */
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char want[16];

		snprintf(want, sizeof(want), "cipc%u ", i++);
		ck_assert_msg(strncmp(line, want, strlen(want)) == 0,
			      "line %u: [%s]", i, line);
	}
	ck_assert_uint_eq(i, 12);
	proc_free(&p);
	CTL_OK(&p, "list", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print([c['index'] for c in d['channels']])\n",
		     "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]\n");
	proc_free(&p);
}
END_TEST

/* Last: back to the original parameters, with cipcctl itself. */
START_TEST(test_module_reload_original)
{
	char channels[16], msg_max[16];

	ck_assert(orig.loaded);
	snprintf(channels, sizeof(channels), "%u", orig.channels);
	snprintf(msg_max, sizeof(msg_max), "%u", orig.msg_max);
	if (module_loaded())
		CTL_QUIET("unload");
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--channels",
		  channels, "--msg-max", msg_max);
	ck_assert_uint_eq(param("channels"), orig.channels);
	ck_assert_uint_eq(param("msg_max"), orig.msg_max);
	ck_assert(nodes_settle(orig.channels));
}
END_TEST

/* ---- main ------------------------------------------------------------ */

static TCase *chan_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, fixture_clean, NULL);
	tcase_set_timeout(tc, TEST_TIMEOUT_S);
	return tc;
}

static Suite *channels_suite(void)
{
	Suite *s = suite_create("channels");
	TCase *tc;

	tc = chan_tcase("list");
	tcase_add_test(tc, test_list_text);
	tcase_add_test(tc, test_list_json);
	suite_add_tcase(s, tc);

	tc = chan_tcase("info");
	tcase_add_test(tc, test_info_text);
	tcase_add_test(tc, test_info_json);
	tcase_add_test(tc, test_info_no_such_channel);
	suite_add_tcase(s, tc);

	tc = chan_tcase("stats");
	tcase_add_test(tc, test_stats_text);
	tcase_add_test(tc, test_stats_json);
	tcase_add_test(tc, test_stats_reset);
	tcase_add_test(tc, test_stats_reset_not_root);
	suite_add_tcase(s, tc);

	tc = chan_tcase("mode_reinit");
	tcase_add_test(tc, test_mode);
	tcase_add_test(tc, test_reinit);
	suite_add_tcase(s, tc);

	tc = chan_tcase("wait_complete");
	tcase_add_test(tc, test_message_print);
	tcase_add_test(tc, test_message_too_long);
	tcase_add_test(tc, test_wait_released_by_complete);
	tcase_add_test(tc, test_complete_all_releases_three);
	tcase_add_test(tc, test_complete_releases_one);
	tcase_add_test(tc, test_wait_timeout);
	tcase_add_test(tc, test_wait_stop_continue);
	tcase_add_test(tc, test_permission_denied);
	suite_add_tcase(s, tc);

	tc = chan_tcase("status");
	tcase_add_test(tc, test_status_loaded);
	tcase_add_test(tc, test_status_kmod_quiet);
	tcase_add_test(tc, test_version);
	tcase_add_test(tc, test_completion_channels);
	suite_add_tcase(s, tc);
	return s;
}

static Suite *module_suite(void)
{
	Suite *s = suite_create("module");
	TCase *tc = tcase_create("module");

	/* Unchecked: run once in the runner process, even if tests fail. */
	tcase_add_unchecked_fixture(tc, module_record, module_teardown);
	tcase_add_checked_fixture(tc, module_prerequisites, NULL);
	tcase_set_timeout(tc, MODULE_TIMEOUT_S);
	tcase_add_test(tc, test_module_unload_in_use);
	tcase_add_test(tc, test_module_unload_not_root);
	tcase_add_test(tc, test_module_unload_then_not_loaded);
	tcase_add_test(tc, test_module_load_not_installed);
	tcase_add_test(tc, test_module_load_bad_file);
	tcase_add_test(tc, test_module_load_not_root);
	tcase_add_test(tc, test_module_load_params);
	tcase_add_test(tc, test_module_load_already_loaded);
	tcase_add_test(tc, test_module_list_sorted);
	tcase_add_test(tc, test_module_reload_original);
	suite_add_tcase(s, tc);
	return s;
}

static const struct {
	const char *name;
	Suite *(*make)(void);
} suites[] = {
	{ "channels", channels_suite },
	{ "module", module_suite },	/* last: reloads the module */
};

int main(int argc, char **argv)
{
	SRunner *sr = NULL;
	int failed;

	for (int a = 1; a < argc; a++) {
		size_t i;

		if (!strcmp(argv[a], "-h") || !strcmp(argv[a], "--help")) {
			printf("usage: %s [SUITE...]\nsuites: channels "
			       "module\n", argv[0]);
			return 0;
		}
		for (i = 0; i < ARRAY_SIZE(suites); i++)
			if (strcmp(argv[a], suites[i].name) == 0)
				break;
		if (i == ARRAY_SIZE(suites)) {
			fprintf(stderr, "%s: unknown suite '%s'\nusage: %s "
				"[SUITE...]\nsuites: channels module\n",
				argv[0], argv[a], argv[0]);
			return 2;
		}
	}
	printf("cipc-tools-tests: cipcctl %s, CIPC_KO=%s\n", cipcctl_path(),
	       getenv("CIPC_KO") ? getenv("CIPC_KO") : "(unset)");
	for (size_t i = 0; i < ARRAY_SIZE(suites); i++) {
		bool wanted = argc < 2;

		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], suites[i].name) == 0;
		if (!wanted)
			continue;
		if (!sr)
			sr = srunner_create(suites[i].make());
		else
			srunner_add_suite(sr, suites[i].make());
	}
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
