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
 *  - channels: list, info (ids, count and all, queued, seq included),
 *    stats (the new counters, --reset), wait (blocking, --timeout and its
 *    one deadline, --print of the per-signal messages, stop/continue),
 *    complete (--all, --message, a full queue), reinit, mode, errors (no
 *    such channel, too many waiters, permission denied), status, version
 *    and the bash completion of channel indices; add and remove (--index,
 *    EEXIST, --msg-max, --queue-depth, --max-waiters, --json, --id and
 *    stale ids, waiters of a removed channel, EPERM/EACCES as nobody,
 *    status's channel count;
 *    remove PATH removes the node's channel by its id, races set up by
 *    stopping cipcctl with ptrace at an ioctl).
 *    Every test starts from clean channels (those the module was loaded
 *    with, no waiter, reinit, mode one, counters zero); the add/remove
 *    tests must remove what they added, and whatever a failed one left is
 *    removed through the control device.
 *  - module: unload (in use, not root), status and the channel commands
 *    without the module, load (not installed, bad file, not root, with
 *    parameters, --queue-depth and --max-waiters too, already loaded,
 *    --max-channels and ENOSPC), list sorted by index with 12 channels.
 *    Runs last; the module is reloaded with the parameters it had (read
 *    at the start from /sys/module/cipc/parameters) whatever happens, so
 *    that the runner's final rmmod works.
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
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/cipc.h>

#include "run.h"
#include "vmutil.h"

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

/*
 * EACCES on a node root:root 0600: the guest has no group cipc (nor the
 * udev rule); with the group, the node's group root is named instead
 */
#define NODE_DENIED_NOGROUP "permission denied: group cipc does not " \
			"exist: create it (groupadd --system cipc), then " \
			"apply the udev rule (udevadm control --reload && " \
			"udevadm trigger --subsystem-match=cipc), or " \
			"reinstall cipc-dkms"
#define NODE_DENIED_GROUP "permission denied: only root may open it: " \
			"its group is root, not cipc (the udev rule of " \
			"cipc-dkms or make install is missing)"

/* "PREFIX" NODE_DENIED_* "\n", as the guest has the group or not */
static const char *node_denied(const char *prefix)
{
	static char buf[512];

	snprintf(buf, sizeof(buf), "%s%s\n", prefix, getgrnam("cipc") ?
		 NODE_DENIED_GROUP : NODE_DENIED_NOGROUP);
	return buf;
}

/* ---- sysfs and files ------------------------------------------------- */

/* read_file_str(), proc_state(), the module's state: vmutil.h. */

static void sysfs_str(unsigned int chan, const char *attr, char *buf,
		      size_t size)
{
	char path[128];
	int err;

	snprintf(path, sizeof(path), CLASS_DIR "/cipc%u/%s", chan, attr);
	err = read_file_str(path, buf, size);
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
	ck_assert_uint_eq(sysfs_ull(chan, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(chan, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(chan, "queued"), 0);
	ck_assert_uint_eq(sysfs_ull(chan, "stats/wait"), 0);
}

static unsigned int restore_channels(void);

static void fixture_clean(void)
{
	unsigned int n = param("channels");

	ck_assert_msg(geteuid() == 0, "cipc-tools-tests must run as root");
	restore_channels();	/* what a failed add/remove test left */
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n);
	for (unsigned int i = 0; i < n; i++)
		chan_clean(i);
}

static const char PY_HEAD[] =
	"import json,sys,os\n"
	"d=json.load(sys.stdin)\n"
	"def r(ch, a):\n"
	"    return open('/sys/class/cipc/cipc%d/%s' % (ch, a)).read().strip()\n"
	"def count(ch):\n"
	"    return int(r(ch,'count'))\n"
	"def all_(ch):\n"
	"    return {'0':False,'1':True}[r(ch,'all')]\n";

/* ---- list ------------------------------------------------------------ */

/* Distinct states: cipc0 two generations on, cipc1 count 2 (one signal
 * with a message, queued, one without), cipc2 all, cipc3 mode all. gen[]
 * receives the generations of cipc0-3 before. */
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
	ck_assert_msg(line && strcmp(line, "NAME     ID          MODE  COUNT  "
				    "     ALL  QUEUED  WAITERS   GENERATION")
		      == 0, "header: [%s]", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		char name[32], mode[16], all[16], want[128];
		unsigned long long id, count, queued, waiters, g;

		ck_assert_msg(i < n, "more lines than channels: [%s]", line);
		ck_assert_msg(sscanf(line, "%31s %llu %15s %llu %15s %llu %llu "
				     "%llu", name, &id, mode, &count, all,
				     &queued, &waiters, &g) == 8,
			      "line [%s]", line);
		snprintf(want, sizeof(want), "cipc%u", i);
		ck_assert_str_eq(name, want);
		ck_assert_uint_eq(id, sysfs_ull(i, "id"));
		sysfs_str(i, "mode", want, sizeof(want));
		ck_assert_str_eq(mode, want);
		ck_assert_uint_eq(count, sysfs_ull(i, "count"));
		ck_assert_str_eq(all, sysfs_ull(i, "all") ? "yes" : "no");
		ck_assert_uint_eq(queued, sysfs_ull(i, "queued"));
		ck_assert_uint_eq(waiters, sysfs_ull(i, "waiters"));
		ck_assert_uint_eq(g, sysfs_ull(i, "generation"));
		i++;
	}
	ck_assert_uint_eq(i, n);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen[0] + 2);
	ck_assert_uint_eq(sysfs_ull(1, "count"), 2);
	ck_assert_uint_eq(sysfs_ull(1, "queued"), 1);
	if (n > 2)
		ck_assert_uint_eq(sysfs_ull(2, "all"), 1);
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
		 "    assert list(c)==['name','index','id','device','mode',\n"
		 "        'count','all','queued','waiters','generation'], c\n"
		 "    assert c['index']==i and c['device']=='/dev/cipc%%d' %% i, c\n"
		 "    assert c['id']==int(r(i,'id')), c\n"
		 "    assert c['mode']==r(i,'mode') and c['count']==count(i), c\n"
		 "    assert c['all'] is all_(i), c\n"
		 "    assert c['queued']==int(r(i,'queued')), c\n"
		 "    assert c['waiters']==int(r(i,'waiters')), c\n"
		 "    assert c['generation']==int(r(i,'generation')), c\n"
		 "assert d['channels'][0]['generation']==%llu, d\n"
		 "assert d['channels'][1]['count']==2, d\n"
		 "assert d['channels'][1]['queued']==1, d\n"
		 "assert d['channels'][1]['all'] is False, d\n"
		 "if len(names)>2: assert d['channels'][2]['all'] is True, d\n"
		 "if len(names)>2: assert d['channels'][2]['count']==0, d\n"
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
	/* two signals since make_states' first: seq 1, 2 at least */
	ck_assert_uint_ge(sysfs_ull(1, "seq"), 2);
	CTL_OK(&p, "info", "1");
	snprintf(want, sizeof(want),
		 "device       /dev/cipc1\n"
		 "index        1\n"
		 "id           %llu\n"
		 "abi_version  %u\n"
		 "msg_max      %u\n"
		 "mode         one\n"
		 "count        2\n"
		 "all          no\n"
		 "waiters      0\n"
		 "max_waiters  %u\n"
		 "queued       1\n"
		 "queue_depth  %u\n"
		 "generation   %llu\n"
		 "seq          %llu\n"
		 "msg_len      3\n", sysfs_ull(1, "id"), CIPC_ABI_VERSION,
		 param("msg_max"), param("max_waiters"), param("queue_depth"),
		 gen[1], sysfs_ull(1, "seq"));
	ck_assert_str_eq(p.out, want);
	proc_free(&p);

	CTL_OK(&p, "info", "/dev/cipc0");
	snprintf(want, sizeof(want), "\ngeneration   %llu\n", gen[0] + 2);
	ck_assert_msg(strstr(p.out, "device       /dev/cipc0\n") &&
		      strstr(p.out, want) &&
		      strstr(p.out, "\ncount        0\nall          no\n") &&
		      strstr(p.out, "\nqueued       0\n"), "%s", p.out);
	proc_free(&p);

	if (param("channels") > 2) {
		CTL_OK(&p, "info", "2");
		ck_assert_msg(strstr(p.out, "\ncount        0\nall          "
				     "yes\n"), "%s", p.out);
		proc_free(&p);
	}

	/* by name, as list shows it: the device is /dev/cipcN */
	CTL_OK(&p, "info", "cipc1");
	ck_assert_msg(strncmp(p.out, "device       /dev/cipc1\nindex        "
			      "1\n", 36) == 0, "%s", p.out);
	proc_free(&p);
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
			 "assert list(d)==['device','index','id','abi_version',\n"
			 "    'msg_max','mode','count','all','waiters',\n"
			 "    'max_waiters','queued','queue_depth','generation',\n"
			 "    'seq','msg_len'], d\n"
			 "assert d['device']=='/dev/cipc%%d' %% i, d\n"
			 "assert d['id']==int(r(i,'id')), d\n"
			 "assert d['index']==i and d['abi_version']==%u, d\n"
			 "m='/sys/module/cipc/parameters/'\n"
			 "assert d['msg_max']==int(open(m+'msg_max').read()), d\n"
			 "assert d['queue_depth']==int(open(m+'queue_depth')"
			 ".read()), d\n"
			 "assert d['max_waiters']==int(open(m+'max_waiters')"
			 ".read()), d\n"
			 "assert d['mode']==r(i,'mode') and d['count']==count(i), d\n"
			 "assert d['all'] is all_(i), d\n"
			 "assert d['waiters']==int(r(i,'waiters')), d\n"
			 "assert d['queued']==int(r(i,'queued')), d\n"
			 "assert d['generation']==int(r(i,'generation')), d\n"
			 "assert d['seq']==int(r(i,'seq')), d\n"
			 "print(d['count'], d['all'], d['queued'], "
			 "d['generation'], d['msg_len'])\n",
			 PY_HEAD, i, CIPC_ABI_VERSION);
		snprintf(want, sizeof(want), "%s %s %u %llu %u\n",
			 i == 1 ? "2" : "0", i == 2 ? "True" : "False",
			 i == 1 ? 1 : 0, gen[i] + (i == 0 ? 2 : 0),
			 i == 1 ? 3 : 0);
		python_check(&p, script, want);
		proc_free(&p);
	}
	/* by path, the device is the path given */
	CTL_OK(&p, "info", "/dev/cipc1", "--json");
	python_check(&p, "import json,sys\nprint(json.load(sys.stdin)"
		     "['device'])\n", "/dev/cipc1\n");
	proc_free(&p);
	CTL_OK(&p, "info", "cipc1", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['device'], d['index'])\n", "/dev/cipc1 1\n");
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
	snprintf(idx, sizeof(idx), "cipc%u", n);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: no such channel "
		 "(%u loaded)\n", n, n);
	CTL_STATUS(&p, 1, "info", idx);
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
	"interrupted", "again", "bytes_in", "bytes_out", "full", "discarded",
	"refused",
};

/*
 * complete 3 (5 + 0 + 0 bytes in), 3 waits of which 2 pass (the first
 * takes "hello", 5 bytes out; the second the signal without message) and
 * 1 times out, the third complete discarded by the reinit, complete_all
 * with 2 bytes (7 in).
 */
static void make_stats(void)
{
	struct proc p;

	CTL_QUIET("complete", "0", "--message", "hello");
	CTL_QUIET("complete", "0");
	CTL_OK(&p, "wait", "0", "--print", "--timeout", "0");
	ck_assert_str_eq(p.out, "hello\n");
	proc_free(&p);
	/* no message: --print prints nothing */
	CTL_QUIET("wait", "0", "--print", "--timeout", "0");
	CTL_STATUS(&p, 124, "wait", "0", "--timeout", "0");
	proc_free(&p);
	CTL_QUIET("complete", "0");
	CTL_QUIET("reinit", "0");
	CTL_QUIET("complete", "0", "--all", "--message", "hi");
}

static const unsigned long long made_stats[] = {
	3, 1, 1, 3, 2, 1, 0, 0, 7, 5, 0, 1, 0,
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
		     "    'bytes_out','full','discarded','refused']\n"
		     "assert list(d)==names, d\n"
		     "for n in names:\n"
		     "    v=int(open('/sys/class/cipc/cipc0/stats/'+n).read())\n"
		     "    assert d[n]==v, (n, d[n], v)\n"
		     "print(' '.join(str(d[n]) for n in names))\n",
		     "3 1 1 3 2 1 0 0 7 5 0 1 0\n");
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
	ck_assert_str_eq(p.err, node_denied("cipcctl: /dev/cipc0: "));
	proc_free(&p);

	ck_assert_int_eq(chmod("/dev/cipc0", 0666), 0);
	st = run_cipcctl_opts(&p, &o, "stats", "0", "--reset", NULL);
	chmod("/dev/cipc0", 0600);
	ck_assert_int_eq(st, 1);
	ck_assert_str_eq(p.err, "cipcctl: /dev/cipc0: cannot reset the "
			 "counters: operation not permitted (needs "
			 "CAP_SYS_ADMIN)\n");
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
	ck_assert_uint_eq(sysfs_ull(0, "count"), 1);
	ck_assert_uint_eq(sysfs_ull(0, "all"), 0);
}
END_TEST

START_TEST(test_reinit)
{
	unsigned long long gen = sysfs_ull(0, "generation");
	struct proc p;

	CTL_QUIET("complete", "0", "--message", "xyz");
	CTL_QUIET("complete", "0", "--all");
	ck_assert_uint_eq(sysfs_ull(0, "all"), 1);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 1);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen);
	CTL_QUIET("reinit", "0");
	ck_assert_uint_eq(sysfs_ull(0, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "generation"), gen + 1);
	CTL_OK(&p, "info", "0");
	ck_assert_msg(strstr(p.out, "\nall          no\n") &&
		      strstr(p.out, "\nqueued       0\n") &&
		      strstr(p.out, "\nmsg_len      0\n"), "%s", p.out);
	proc_free(&p);
	/* the queued message went with the reinit */
	CTL_QUIET("complete", "0");
	CTL_QUIET("wait", "0", "--print", "--timeout", "0");
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
	/*
	 * Each signal carries its own message, or none, in order: no
	 * --message is no message (nothing printed), not the last one again
	 */
	CTL_QUIET("complete", "0", "--message", "first");
	CTL_QUIET("complete", "0");
	CTL_QUIET("complete", "0", "--message", "");
	CTL_QUIET("complete", "0", "--message", "last");
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 3);
	{
		static const char *const want[] = {
			"first\n", "", "\n", "last\n",
		};

		for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
			CTL_OK(&p, "wait", "0", "--print", "--timeout", "0");
			ck_assert_msg(strcmp(p.out, want[i]) == 0, "wait %zu "
				      "printed [%s], expected [%s]", i, p.out,
				      want[i]);
			proc_free(&p);
		}
	}
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
	/* taken: nothing left for the next signal without message */
	CTL_QUIET("complete", "0");
	CTL_QUIET("wait", "0", "--print", "--timeout", "0");
	/* without --print nothing is printed, even for a message */
	CTL_QUIET("complete", "0", "--message", "unseen");
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
	ck_assert_uint_eq(sysfs_ull(0, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
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
	ck_assert_uint_eq(sysfs_ull(0, "count"), 0);	/* taken */
	ck_assert_uint_eq(sysfs_ull(0, "queued"), 0);
}
END_TEST

START_TEST(test_complete_all_releases_three)
{
	struct proc w[3];

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
	ck_assert_uint_eq(sysfs_ull(0, "all"), 1);
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

/*
 * The deadline of wait --timeout is computed once: stops and continues
 * (which end the wait in the kernel) do not extend it.
 */
START_TEST(test_wait_timeout_stops)
{
	struct proc w;
	uint64_t t0, ms;

	ctl_start(&w, "wait", "0", "--timeout", "1s");
	ck_assert(wait_waiters(0, 1, SETTLE_MS));
	t0 = mono_ms();
	while (!proc_wait(&w, 50) && mono_ms() - t0 < 6000) {
		ck_assert_int_eq(kill(w.pid, SIGSTOP), 0);
		sleep_ms(50);
		ck_assert_int_eq(kill(w.pid, SIGCONT), 0);
	}
	ck_assert_msg(w.exited, "wait --timeout 1s still waiting after 6 s "
		      "of stops and continues");
	ck_assert_msg(w.status == 124, "wait exited %d; stderr: %s",
		      w.status, w.err);
	ms = w.t_end_ms - w.t_start_ms;
	ck_assert_msg(ms >= 1000 && ms < 4000, "wait --timeout 1s took %llu "
		      "ms with stops", (unsigned long long)ms);
	ck_assert_uint_eq(w.out_len + w.err_len, 0);
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
	ck_assert_str_eq(p.err, node_denied("cipcctl: /dev/cipc0: "));
	proc_free(&p);
	/*
	 * list: anyone may, but the state (the node, or sysfs's 0440 state
	 * files) only root and group cipc: "-", null in JSON; the id and the
	 * mode are world-readable
	 */
	st = run_cipcctl_opts(&p, &o, "list", NULL);
	ck_assert_int_eq(st, 0);
	ck_assert_uint_eq(p.err_len, 0);
	{
		char want[128], id[24];

		snprintf(id, sizeof(id), "%llu", sysfs_ull(0, "id"));
		snprintf(want, sizeof(want), "\n%-8s %-11s %-5s %-11s %-4s "
			 "%-7s %-9s %s\n", "cipc0", id, "one", "-", "-", "-",
			 "-", "-");
		ck_assert_msg(strstr(p.out, want), "list as nobody lacks "
			      "[%s]:\n%s", want + 1, p.out);
	}
	proc_free(&p);
	st = run_cipcctl_opts(&p, &o, "list", "--json", NULL);
	ck_assert_int_eq(st, 0);
	python_check(&p, "import json,sys\n"
		     "c=json.load(sys.stdin)['channels'][0]\n"
		     "assert c['name']=='cipc0' and c['mode']=='one', c\n"
		     "assert c['id']==int(open('/sys/class/cipc/cipc0/id')"
		     ".read()), c\n"
		     "print([c[k] for k in ('count','all','queued','waiters',"
		     "'generation')])\n", "[None, None, None, None, None]\n");
	proc_free(&p);
}
END_TEST

/* ---- status, version, completion ------------------------------------- */

START_TEST(test_status_loaded)
{
	char script[2048], version[64], want[512];
	struct utsname u;
	struct proc p;

	ck_assert_int_eq(read_file_str(MODULE_DIR "/version", version,
				       sizeof(version)), 0);
	ck_assert_int_eq(uname(&u), 0);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want),
		 "module       cipc\n"
		 "loaded       yes\n"
		 "state        live\n"
		 "version      %s\n"
		 "refcnt       0\n"
		 "parameters   channels=%u max_channels=%u max_waiters=%u "
		 "msg_max=%u queue_depth=%u\n"
		 "channels     %u\n"
		 "max_channels %u\n"
		 "kernel       %s\n"
		 "installed    ", version, param("channels"),
		 param("max_channels"), param("max_waiters"), param("msg_max"),
		 param("queue_depth"), param("channels"),
		 param("max_channels"), u.release);
	ck_assert_msg(strncmp(p.out, want, strlen(want)) == 0,
		      "status:\n%s\nexpected:\n%s", p.out, want);
	proc_free(&p);

	CTL_OK(&p, "status", "--json");
	snprintf(script, sizeof(script),
		 "import json,sys,os\n"
		 "d=json.load(sys.stdin)\n"
		 "m='/sys/module/cipc/'\n"
		 "assert list(d)==['module','loaded','state','version',\n"
		 "    'refcnt','parameters','channels','max_channels',\n"
		 "    'kernel','installed','diagnosis'], d\n"
		 "assert d['diagnosis'] is None, d\n"
		 "assert d['module']=='cipc' and d['loaded'] is True, d\n"
		 "assert d['state']=='live', d\n"
		 "assert d['version']==open(m+'version').read().strip(), d\n"
		 "assert d['refcnt']==int(open(m+'refcnt').read()), d\n"
		 "p={n:int(open(m+'parameters/'+n).read())\n"
		 "   for n in os.listdir(m+'parameters')}\n"
		 "assert d['parameters']==p, d\n"
		 "assert d['max_channels']==p['max_channels'], d\n"
		 "assert d['channels']==len([n for n in os.listdir(\n"
		 "    '/sys/class/cipc') if n[4:].isdigit()]), d\n"
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

	ck_assert_int_eq(read_file_str(MODULE_DIR "/version", version,
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

/* ---- add, remove ----------------------------------------------------- */

#define CONTROL_DEV	"/dev/cipc-control"
/*
 * A node a test makes in /dev, named like a channel's but at an index no
 * channel can have (max_channels is at most 1024): its name says nothing
 * of the channel its minor is. Removed by restore_channels().
 */
#define FAKE_NODE	"/dev/cipc4000000000"
/* A long path (a symbolic link to a channel's node), for error messages. */
#define LONG_DIR	"/tmp/cipcctl-tests-a-directory-with-a-long-name"
#define LONG_LINK	LONG_DIR "/a-link-to-the-node-of-a-channel"

/*
 * Back to the channels the module was loaded with, through the control
 * device, whatever cipcctl does: remove every channel at an index of
 * `channels' or more, add back any missing below it. The number of changes.
 * Run before every channels test and after the add/remove tests, even when
 * one failed (in the runner process).
 */
static unsigned int restore_channels(void)
{
	unsigned int n, max, changed = 0;
	int fd;

	if (unlink(FAKE_NODE) == 0)
		changed++;
	if (!param_value("channels", &n) || !param_value("max_channels", &max))
		return changed;
	fd = open(CONTROL_DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return changed;
	for (unsigned int i = 0; i < max; i++) {
		struct cipc_ctl_channel cc;
		char dir[64];
		bool present;

		snprintf(dir, sizeof(dir), CLASS_DIR "/cipc%u", i);
		present = access(dir, F_OK) == 0;
		memset(&cc, 0, sizeof(cc));
		cc.index = i;
		if (i >= n && present &&
		    ioctl(fd, CIPC_CTL_REMOVE, &cc) == 0)
			changed++;
		cc.flags = CIPC_ADD_INDEX;
		if (i < n && !present && ioctl(fd, CIPC_CTL_ADD, &cc) == 0)
			changed++;
	}
	close(fd);
	return changed;
}

static void restore_channels_quiet(void)
{
	unsigned int changed = restore_channels();

	if (changed)
		fprintf(stderr, "channels: %u channel(s) left by a failed test "
			"removed or added back\n", changed);
}

static bool node_exists(unsigned int index)
{
	char path[32];
	struct stat st;

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	return stat(path, &st) == 0 && S_ISCHR(st.st_mode);
}

/* Neither /dev/cipcN nor /sys/class/cipc/cipcN. */
static bool channel_gone(unsigned int index)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/cipc%u", index);
	if (access(path, F_OK) == 0 || errno != ENOENT)
		return false;
	snprintf(path, sizeof(path), CLASS_DIR "/cipc%u", index);
	return access(path, F_OK) != 0 && errno == ENOENT;
}

/* p is the output of add: exactly "cipcN id ID\n", with the channel there
 * (node and sysfs) and sysfs showing that id. */
static void parse_added(const struct proc *p, unsigned int *index,
			unsigned long long *id)
{
	char want[64];

	ck_assert_msg(sscanf(p->out, "cipc%u id %llu", index, id) == 2,
		      "add printed [%s]", p->out);
	snprintf(want, sizeof(want), "cipc%u id %llu\n", *index, *id);
	ck_assert_msg(strcmp(p->out, want) == 0, "add printed [%s]", p->out);
	ck_assert_msg(node_exists(*index), "/dev/cipc%u does not exist after "
		      "add", *index);
	ck_assert_uint_eq(sysfs_ull(*index, "id"), *id);
}

/* cipcctl add ARGS... succeeds: *index, *id of the new channel. */
#define CTL_ADD(index, id, ...) do {					\
	struct proc a_;							\
	CTL_OK(&a_, "add", ##__VA_ARGS__);				\
	parse_added(&a_, (index), (id));				\
	proc_free(&a_);							\
} while (0)

static bool wait_state(pid_t pid, char state, unsigned int ms)
{
	uint64_t deadline = mono_ms() + ms;

	while (proc_state(pid) != state) {
		if (mono_ms() >= deadline)
			return false;
		sleep_ms(5);
	}
	return true;
}

/*
 * Start cipcctl A1 A2 traced, and let it run until it enters
 * ioctl(fd, request, ...): it is left stopped there, the call not made
 * yet, for the test to change the channels under it; trace_detach() lets
 * it make the call and go on. Bounded by the test's timeout: the traced
 * cipcctl dies with the test (PTRACE_O_EXITKILL, PR_SET_PDEATHSIG).
 */
static void trace_to_ioctl(struct proc *p, unsigned long request,
			   const char *a1, const char *a2)
{
	char *argv[] = { (char *)cipcctl_path(), (char *)a1, (char *)a2,
			 NULL };
	struct run_opts o = { .traced = true };
	int st, sig = 0;

	ck_assert_msg(proc_start(p, argv, &o), "starting cipcctl: %s",
		      strerror(errno));
	ck_assert_int_eq(waitpid(p->pid, &st, 0), p->pid);
	ck_assert_msg(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP, "cipcctl "
		      "did not stop at exec (wait status %#x)", st);
	ck_assert_int_eq(ptrace(PTRACE_SETOPTIONS, p->pid, NULL,
				(void *)(long)(PTRACE_O_TRACESYSGOOD |
					       PTRACE_O_EXITKILL)), 0);
	for (;;) {
		struct __ptrace_syscall_info si;

		ck_assert_int_eq(ptrace(PTRACE_SYSCALL, p->pid, NULL,
					(void *)(long)sig), 0);
		sig = 0;
		ck_assert_int_eq(waitpid(p->pid, &st, 0), p->pid);
		ck_assert_msg(WIFSTOPPED(st), "cipcctl %s %s ended (wait "
			      "status %#x) before its ioctl %#lx", a1, a2, st,
			      request);
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(st);	/* delivered on resuming */
			continue;
		}
		memset(&si, 0, sizeof(si));
		ck_assert(ptrace(PTRACE_GET_SYSCALL_INFO, p->pid,
				 (void *)sizeof(si), &si) > 0);
		if (si.op == PTRACE_SYSCALL_INFO_ENTRY &&
		    si.entry.nr == SYS_ioctl && si.entry.args[1] == request)
			return;
	}
}

static void trace_detach(struct proc *p)
{
	ck_assert_int_eq(ptrace(PTRACE_DETACH, p->pid, NULL, NULL), 0);
}

static void fixture_add_remove_teardown(void)
{
	ck_assert_uint_eq(restore_channels(), 0);
}

/* add at the lowest free index, then list, info and remove it. */
START_TEST(test_add_remove)
{
	unsigned int n = param("channels"), max = param("max_channels"), x;
	unsigned long long id;
	char ch[16], name[16], script[1024], want[128];
	struct proc p;

	CTL_ADD(&x, &id);
	ck_assert_uint_eq(x, n);	/* 0..n-1 exist: the lowest free */
	ck_assert_uint_eq(id % max, x);
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n + 1);
	/* a new channel: count 0, generation 0, mode one, default msg_max */
	ck_assert_uint_eq(sysfs_ull(x, "count"), 0);
	ck_assert_uint_eq(sysfs_ull(x, "all"), 0);
	ck_assert_uint_eq(sysfs_ull(x, "queue_depth"), param("queue_depth"));
	ck_assert_uint_eq(sysfs_ull(x, "max_waiters"), param("max_waiters"));
	ck_assert_uint_eq(sysfs_ull(x, "generation"), 0);
	snprintf(ch, sizeof(ch), "%u", x);
	snprintf(name, sizeof(name), "cipc%u", x);

	/* list: its line, with its id */
	CTL_OK(&p, "list");
	snprintf(want, sizeof(want), "\n%-8s %-11llu one   0           no   "
		 "0       0         0\n", name, id);
	ck_assert_msg(strstr(p.out, want), "list lacks [%s]:\n%s", want + 1,
		      p.out);
	proc_free(&p);
	/* info by index, name and path: the same id */
	CTL_OK(&p, "info", name, "--json");
	snprintf(script, sizeof(script),
		 "import json,sys\nd=json.load(sys.stdin)\n"
		 "assert d['id']==%llu and d['index']==%u, d\n"
		 "assert d['device']=='/dev/cipc%u', d\n"
		 "assert d['msg_max']==%u and d['generation']==0, d\n"
		 "print('ok')\n", id, x, x, param("msg_max"));
	python_check(&p, script, "ok\n");
	proc_free(&p);
	CTL_OK(&p, "info", ch);
	snprintf(want, sizeof(want), "\nindex        %u\nid           %llu\n",
		 x, id);
	ck_assert_msg(strstr(p.out, want), "info:\n%s", p.out);
	proc_free(&p);
	/* and it works as a channel */
	CTL_QUIET("complete", name, "--message", "new");
	CTL_OK(&p, "wait", ch, "--print", "--timeout", "0");
	ck_assert_str_eq(p.out, "new\n");
	proc_free(&p);

	CTL_QUIET("remove", ch);
	ck_assert_msg(channel_gone(x), "cipc%u still there after remove", x);
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n);
	CTL_OK(&p, "list");
	ck_assert_msg(!strstr(p.out, name), "list after remove:\n%s", p.out);
	proc_free(&p);
	snprintf(want, sizeof(want), "/dev/cipc%u: no such channel (%u "
		 "loaded)", x, n);
	CTL_STATUS(&p, 1, "info", ch);
	ck_assert_msg(strstr(p.err, want), "%s", p.err);
	proc_free(&p);
	/* removing it again: no such channel */
	CTL_STATUS(&p, 1, "remove", name);
	snprintf(want, sizeof(want), "cipcctl: /dev/cipc%u: no such channel "
		 "(%u loaded)\n", x, n);
	ck_assert_str_eq(p.err, want);
	proc_free(&p);
	/* and the same index is free again: a new id there */
	CTL_ADD(&x, &id);
	ck_assert_uint_eq(x, n);
	CTL_QUIET("remove", name);
	ck_assert(channel_gone(x));
}
END_TEST

/* --index, EEXIST, out of range, --msg-max, --json, every form of CH. */
START_TEST(test_add_index)
{
	unsigned int n = param("channels"), max = param("max_channels");
	unsigned int x, y, z;
	unsigned long long idx_id, y_id, z_id;
	char ch[16], path[32], line[128], script[512];
	struct proc p;

	ck_assert_msg(max >= n + 3, "max_channels %u leaves no room", max);
	snprintf(ch, sizeof(ch), "%u", n + 2);
	CTL_ADD(&x, &idx_id, "--index", ch);
	ck_assert_uint_eq(x, n + 2);
	ck_assert_uint_eq(idx_id % max, x);

	/* taken: EEXIST, nothing added */
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: already exists\n",
		 x);
	CTL_STATUS(&p, 1, "add", "--index", ch);
	ck_assert_str_eq(p.err, line);
	ck_assert_uint_eq(p.out_len, 0);
	proc_free(&p);
	CTL_ERROR("/dev/cipc0: already exists", "add", "--index", "0",
		  "--json");
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n + 1);
	ck_assert_uint_eq(sysfs_ull(x, "id"), idx_id);

	/* beyond max_channels */
	if (max <= 1023) {
		char big[16];

		snprintf(big, sizeof(big), "%u", max);
		snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: index out "
			 "of range (max_channels is %u)\n", max, max);
		CTL_STATUS(&p, 1, "add", "--index", big);
		ck_assert_str_eq(p.err, line);
		proc_free(&p);
	}

	/* the lowest free index: the gap below x */
	CTL_ADD(&y, &y_id);
	ck_assert_uint_eq(y, n);
	/* --json and --msg-max */
	CTL_OK(&p, "add", "--json", "--msg-max", "64");
	snprintf(script, sizeof(script),
		 "import json,sys\nd=json.load(sys.stdin)\n"
		 "assert list(d)==['device','index','id','msg_max',\n"
		 "    'queue_depth','max_waiters'], d\n"
		 "i=d['index']\n"
		 "assert d['device']=='/dev/cipc%%d' %% i, d\n"
		 "assert d['msg_max']==64, d\n"
		 "m='/sys/module/cipc/parameters/'\n"
		 "assert d['queue_depth']==int(open(m+'queue_depth')"
		 ".read()), d\n"
		 "assert d['max_waiters']==int(open(m+'max_waiters')"
		 ".read()), d\n"
		 "assert d['id']==int(open('/sys/class/cipc/cipc%%d/id' %% i)"
		 ".read()), d\n"
		 "print(i, d['id'])\n");
	{
		struct proc py;

		ck_assert_int_eq(run_python(&py, script, p.out, p.out_len), 0);
		ck_assert_msg(sscanf(py.out, "%u %llu", &z, &z_id) == 2, "%s",
			      py.out);
		proc_free(&py);
	}
	proc_free(&p);
	ck_assert_uint_eq(z, n + 1);
	ck_assert_uint_eq(z_id % max, z);
	snprintf(ch, sizeof(ch), "%u", z);
	CTL_OK(&p, "info", ch, "--json");
	python_check(&p, "import json,sys\n"
		     "print(json.load(sys.stdin)['msg_max'])\n", "64\n");
	proc_free(&p);
	/* JSON of add without --msg-max: the module's msg_max */
	CTL_QUIET("remove", ch);
	CTL_OK(&p, "add", "--json", "--index", ch);
	snprintf(script, sizeof(script),
		 "import json,sys\nd=json.load(sys.stdin)\n"
		 "assert d['index']==%u and d['msg_max']==%u, d\n"
		 "assert d['id']==%llu, d\n"
		 "print('ok')\n", z, param("msg_max"), z_id + max);
	python_check(&p, script, "ok\n");
	proc_free(&p);

	/* remove by path, by name, by --id */
	snprintf(path, sizeof(path), "/dev/cipc%u", y);
	CTL_QUIET("remove", path);
	ck_assert(channel_gone(y));
	snprintf(ch, sizeof(ch), "cipc%u", x);
	CTL_QUIET("remove", ch);
	ck_assert(channel_gone(x));
	snprintf(ch, sizeof(ch), "%llu", z_id + max);
	CTL_QUIET("remove", "--id", ch);
	ck_assert(channel_gone(z));
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n);
}
END_TEST

/*
 * add --queue-depth, --max-waiters: complete fails on a full queue (naming
 * queue_depth), and wait beyond max_waiters blocked (naming max_waiters);
 * stats count them (full, refused).
 */
START_TEST(test_add_limits)
{
	unsigned int x;
	unsigned long long id;
	char ch[16], line[160], script[512];
	struct proc p, w;

	CTL_ADD(&x, &id, "--queue-depth", "2", "--max-waiters", "1");
	snprintf(ch, sizeof(ch), "%u", x);
	ck_assert_uint_eq(sysfs_ull(x, "queue_depth"), 2);
	ck_assert_uint_eq(sysfs_ull(x, "max_waiters"), 1);
	CTL_OK(&p, "info", ch, "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['queue_depth'], d['max_waiters'])\n", "2 1\n");
	proc_free(&p);

	/* the queue: two messages, the third refused, nothing changed */
	CTL_QUIET("complete", ch, "--message", "a");
	CTL_QUIET("complete", ch, "--message", "b");
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: cannot complete: "
		 "the message queue is full (queue_depth is 2)\n", x);
	CTL_STATUS(&p, 1, "complete", ch, "--message", "c");
	ck_assert_str_eq(p.err, line);
	ck_assert_uint_eq(p.out_len, 0);
	proc_free(&p);
	ck_assert_uint_eq(sysfs_ull(x, "count"), 2);
	ck_assert_uint_eq(sysfs_ull(x, "stats/full"), 1);
	/* a signal without message needs no room */
	CTL_QUIET("complete", ch);
	CTL_OK(&p, "info", ch);
	ck_assert_msg(strstr(p.out, "\ncount        3\nall          no\n") &&
		      strstr(p.out, "\nqueued       2\nqueue_depth  2\n"),
		      "%s", p.out);
	proc_free(&p);
	for (int i = 0; i < 3; i++) {
		CTL_OK(&p, "wait", ch, "--print", "--timeout", "0");
		ck_assert_str_eq(p.out, i == 0 ? "a\n" : i == 1 ? "b\n" : "");
		proc_free(&p);
	}

	/* one waiter blocked: the next wait is refused at once */
	ctl_start(&w, "wait", ch, "--print", NULL);
	ck_assert(wait_waiters(x, 1, SETTLE_MS));
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: cannot wait: too "
		 "many waiters (max_waiters is 1)\n", x);
	CTL_STATUS(&p, 1, "wait", ch, "--timeout", "10s");
	ck_assert_str_eq(p.err, line);
	ck_assert_msg(p.t_end_ms - p.t_start_ms < 5000, "refused after %llu "
		      "ms", (unsigned long long)(p.t_end_ms - p.t_start_ms));
	proc_free(&p);
	CTL_STATUS(&p, 1, "wait", ch);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert_uint_eq(sysfs_ull(x, "stats/refused"), 2);
	CTL_QUIET("complete", ch, "--message", "go");
	expect_exit(&w, 0);
	ck_assert_str_eq(w.out, "go\n");
	proc_free(&w);
	CTL_OK(&p, "stats", ch, "--json");
	snprintf(script, sizeof(script), "import json,sys\n"
		 "d=json.load(sys.stdin)\n"
		 "print(d['complete'], d['full'], d['refused'], d['woken'])\n");
	python_check(&p, script, "4 1 2 4\n");
	proc_free(&p);
	CTL_QUIET("remove", ch);
}
END_TEST

/* The ids of list and list --json are sysfs's, with added channels too. */
START_TEST(test_list_ids)
{
	unsigned int n = param("channels"), x, x0, y;
	unsigned long long xid, xid0, yid;
	char *line, *save = NULL, ch[16], script[1024], want[16];
	unsigned int lines = 0;
	struct proc p;

	CTL_ADD(&x0, &xid0);
	snprintf(ch, sizeof(ch), "%u", x0);
	CTL_QUIET("remove", ch);
	CTL_ADD(&x, &xid);		/* the next seq at x */
	CTL_ADD(&y, &yid);
	ck_assert_uint_eq(x, x0);
	ck_assert_uint_eq(xid, xid0 + param("max_channels"));
	CTL_OK(&p, "list");
	line = strtok_r(p.out, "\n", &save);	/* header */
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		unsigned long long id;
		unsigned int i;

		ck_assert_msg(sscanf(line, "cipc%u %llu", &i, &id) == 2,
			      "line [%s]", line);
		ck_assert_msg(id == sysfs_ull(i, "id"), "line [%s]: sysfs "
			      "id %llu", line, sysfs_ull(i, "id"));
		lines++;
	}
	ck_assert_uint_eq(lines, n + 2);
	proc_free(&p);
	CTL_OK(&p, "list", "--json");
	snprintf(script, sizeof(script), "%s"
		 "ids=[c['id'] for c in d['channels']]\n"
		 "for c in d['channels']:\n"
		 "    assert c['id']==int(r(c['index'],'id')), c\n"
		 "assert ids[-2:]==[%llu,%llu], ids\n"
		 "print(len(ids))\n", PY_HEAD, xid, yid);
	snprintf(want, sizeof(want), "%u\n", n + 2);
	python_check(&p, script, want);
	proc_free(&p);
	CTL_QUIET("remove", ch);
	snprintf(ch, sizeof(ch), "%u", y);
	CTL_QUIET("remove", ch);
}
END_TEST

/*
 * Blocked waiters of a channel being removed exit at once, 1, "channel
 * removed": still blocked before the removal, out within RELEASE_MS of it.
 */
START_TEST(test_remove_releases_waiters)
{
	unsigned int x;
	unsigned long long id;
	char ch[16], line[128];
	struct proc w[2];
	uint64_t t0;

	CTL_ADD(&x, &id);
	snprintf(ch, sizeof(ch), "%u", x);
	ctl_start(&w[0], "wait", ch, NULL, NULL);
	ctl_start(&w[1], "wait", ch, "--timeout=60s", "--print");
	ck_assert_msg(wait_waiters(x, 2, SETTLE_MS), "2 waiters never "
		      "blocked (%llu)", sysfs_ull(x, "waiters"));
	expect_blocked(&w[0], BLOCKED_MS);
	ck_assert_msg(!proc_wait(&w[1], 0), "the second waiter exited: %s",
		      w[1].err);
	t0 = mono_ms();
	CTL_QUIET("remove", ch);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: channel removed\n",
		 x);
	for (int i = 0; i < 2; i++) {
		expect_exit(&w[i], 1);
		ck_assert_msg(w[i].t_end_ms - t0 < RELEASE_MS, "waiter %d "
			      "exited %llu ms after the removal", i,
			      (unsigned long long)(w[i].t_end_ms - t0));
		ck_assert_str_eq(w[i].err, line);
		ck_assert_uint_eq(w[i].out_len, 0);
		proc_free(&w[i]);
	}
	ck_assert(channel_gone(x));
}
END_TEST

/*
 * A waiter whose channel was removed and whose index got a new channel
 * meanwhile (it was stopped) exits 1, "index now holds another channel",
 * and does not wait on the new channel.
 */
START_TEST(test_remove_waiter_stale)
{
	unsigned int max = param("max_channels"), x, x2;
	unsigned long long id, id2;
	char ch[16], line[128];
	struct proc w;

	CTL_ADD(&x, &id);
	snprintf(ch, sizeof(ch), "%u", x);
	ctl_start(&w, "wait", ch, NULL, NULL);
	ck_assert(wait_waiters(x, 1, SETTLE_MS));
	ck_assert_int_eq(kill(w.pid, SIGSTOP), 0);
	ck_assert_msg(wait_state(w.pid, 'T', SETTLE_MS), "the waiter did not "
		      "stop (state %c)", proc_state(w.pid));
	ck_assert(wait_waiters(x, 0, SETTLE_MS));
	CTL_QUIET("remove", ch);
	CTL_ADD(&x2, &id2, "--index", ch);
	ck_assert_uint_eq(x2, x);
	ck_assert_uint_eq(id2, id + max);	/* seq 1 */
	ck_assert_int_eq(kill(w.pid, SIGCONT), 0);
	expect_exit(&w, 1);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: channel removed "
		 "(index now holds another channel)\n", x);
	ck_assert_str_eq(w.err, line);
	proc_free(&w);
	ck_assert_uint_eq(sysfs_ull(x, "waiters"), 0);
	ck_assert_uint_eq(sysfs_ull(x, "stats/wait"), 0);
	CTL_QUIET("remove", ch);
}
END_TEST

/* remove --id of a removed channel whose index holds a new one: stale,
 * nothing removed; the id formula. */
START_TEST(test_remove_stale_id)
{
	unsigned int max = param("max_channels"), n = param("channels");
	struct run_opts nobody = { .as_uid = NOBODY };
	unsigned int x, x2;
	unsigned long long id, id2;
	char ch[16], old[24], cur[24], other[16], line[256];
	struct proc p;
	int st;

	CTL_ADD(&x, &id);
	snprintf(ch, sizeof(ch), "%u", x);
	snprintf(old, sizeof(old), "%llu", id);
	CTL_QUIET("remove", ch, "--id", old);
	ck_assert(channel_gone(x));
	CTL_ADD(&x2, &id2, "--index", ch);
	ck_assert_uint_eq(x2, x);
	ck_assert_uint_eq(id2, id + max);	/* seq * max_channels + index */
	snprintf(cur, sizeof(cur), "%llu", id2);

	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: stale id %llu "
		 "(the channel there now has id %llu)\n", x, id, id2);
	CTL_STATUS(&p, 1, "remove", ch, "--id", old);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	CTL_STATUS(&p, 1, "remove", "--id", old);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert(node_exists(x));
	ck_assert_uint_eq(sysfs_ull(x, "id"), id2);

	/*
	 * An id of another index: a usage error, told before the control
	 * device is opened (as nobody, who cannot open it, too).
	 */
	snprintf(other, sizeof(other), "%u", x + 1 < max ? x + 1 : 0);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%s: id %llu is not at "
		 "this index (it would be at index %u)\nTry 'cipcctl remove "
		 "--help'.\n", other, id2, x);
	CTL_STATUS(&p, 2, "remove", other, "--id", cur);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	st = run_cipcctl_opts(&p, &nobody, "remove", other, "--id", cur, NULL);
	ck_assert_int_eq(st, 2);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	/* CH as a path: its node's index (0 here) */
	ck_assert_uint_ne(x, 0);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc0: id %llu is not at "
		 "this index (it would be at index %u)\nTry 'cipcctl remove "
		 "--help'.\n", id2, x);
	CTL_STATUS(&p, 2, "remove", "/dev/cipc0", "--id", cur);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert(node_exists(x));
	ck_assert(node_exists(0));

	CTL_QUIET("remove", "--id", cur);
	ck_assert(channel_gone(x));
	/* no channel at the id's index: the error names the id */
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u (id %llu): no such "
		 "channel (%u loaded)\n", x, id2, n);
	CTL_STATUS(&p, 1, "remove", "--id", cur);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	snprintf(ch, sizeof(ch), "cipc%u", x);
	CTL_STATUS(&p, 1, "remove", ch, "--id", cur);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
}
END_TEST

/* As nobody: the control node (0600) cannot be opened; made accessible,
 * adding, removing and resetting counters still need CAP_SYS_ADMIN. */
START_TEST(test_add_remove_not_root)
{
	struct run_opts o = { .as_uid = NOBODY };
	unsigned int n = param("channels"), x;
	unsigned long long id;
	char ch[16], idstr[24], path[32];
	struct stat st;
	struct proc p[5];
	int s[5];

	ck_assert_int_eq(stat(CONTROL_DEV, &st), 0);
	ck_assert_msg((st.st_mode & 0777) == 0600 && st.st_uid == 0,
		      CONTROL_DEV " is %o, uid %u", st.st_mode & 0777,
		      st.st_uid);
	s[0] = run_cipcctl_opts(&p[0], &o, "add", NULL);
	ck_assert_int_eq(s[0], 1);
	ck_assert_str_eq(p[0].err,
			 node_denied("cipcctl: /dev/cipc-control: "));
	proc_free(&p[0]);

	CTL_ADD(&x, &id);
	snprintf(ch, sizeof(ch), "%u", x);
	snprintf(idstr, sizeof(idstr), "%llu", id);
	snprintf(path, sizeof(path), "/dev/cipc%u", x);
	s[0] = run_cipcctl_opts(&p[0], &o, "remove", ch, NULL);

	/* the nodes made accessible: the capability is what is missing */
	ck_assert_int_eq(chmod(CONTROL_DEV, 0666), 0);
	ck_assert_int_eq(chmod(path, 0666), 0);
	s[1] = run_cipcctl_opts(&p[1], &o, "add", NULL);
	s[2] = run_cipcctl_opts(&p[2], &o, "remove", ch, NULL);
	s[3] = run_cipcctl_opts(&p[3], &o, "remove", "--id", idstr, NULL);
	s[4] = run_cipcctl_opts(&p[4], &o, "stats", ch, "--reset", NULL);
	chmod(CONTROL_DEV, st.st_mode & 07777);
	chmod(path, 0600);

	ck_assert_int_eq(s[0], 1);
	ck_assert_str_eq(p[0].err,
			 node_denied("cipcctl: /dev/cipc-control: "));
	ck_assert_int_eq(s[1], 1);
	ck_assert_str_eq(p[1].err, "cipcctl: /dev/cipc-control: operation "
			 "not permitted (adding channels needs "
			 "CAP_SYS_ADMIN)\n");
	for (int i = 2; i < 4; i++) {
		ck_assert_int_eq(s[i], 1);
		ck_assert_str_eq(p[i].err, "cipcctl: /dev/cipc-control: "
				 "operation not permitted (removing channels "
				 "needs CAP_SYS_ADMIN)\n");
	}
	ck_assert_int_eq(s[4], 1);
	{
		char want[160];

		snprintf(want, sizeof(want), "cipcctl: %s: cannot reset the "
			 "counters: operation not permitted (needs "
			 "CAP_SYS_ADMIN)\n", path);
		ck_assert_str_eq(p[4].err, want);
	}
	for (int i = 0; i < 5; i++) {
		ck_assert_uint_eq(p[i].out_len, 0);
		proc_free(&p[i]);
	}
	/* nothing added, nothing removed */
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), n + 1);
	ck_assert_uint_eq(sysfs_ull(x, "id"), id);

	/* status as nobody: the count from sysfs */
	{
		char want[64];

		s[0] = run_cipcctl_opts(&p[0], &o, "status", NULL);
		ck_assert_int_eq(s[0], 0);
		snprintf(want, sizeof(want), "\nchannels     %u\n"
			 "max_channels %u\n", n + 1, param("max_channels"));
		ck_assert_msg(strstr(p[0].out, want), "status as nobody:\n%s",
			      p[0].out);
		proc_free(&p[0]);
	}
	CTL_QUIET("remove", ch);
}
END_TEST

/*
 * remove PATH removes the channel the node refers to, not the index its
 * name suggests: a node named /dev/cipcN with another channel's minor
 * removes that channel; /dev/cipc0N, which is no node, removes nothing.
 * The other commands open the path too.
 */
START_TEST(test_remove_path_is_node)
{
	unsigned int x, y;
	unsigned long long xid, yid;
	char path[32], zpath[32], ch[16], line[128], script[512];
	struct stat st;
	struct proc p;

	CTL_ADD(&x, &xid);
	CTL_ADD(&y, &yid);
	snprintf(path, sizeof(path), "/dev/cipc%u", x);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_msg(mknod(FAKE_NODE, S_IFCHR | 0600, st.st_rdev) == 0,
		      "mknod " FAKE_NODE ": %s", strerror(errno));

	/* info: the node's channel, named by the path */
	CTL_OK(&p, "info", FAKE_NODE, "--json");
	snprintf(script, sizeof(script),
		 "import json,sys\nd=json.load(sys.stdin)\n"
		 "assert d['index']==%u and d['id']==%llu, d\n"
		 "assert d['device']=='" FAKE_NODE "', d\n"
		 "print('ok')\n", x, xid);
	python_check(&p, script, "ok\n");
	proc_free(&p);
	CTL_QUIET("complete", FAKE_NODE, "--message", "fake");
	CTL_OK(&p, "wait", path, "--print", "--timeout", "0");
	ck_assert_str_eq(p.out, "fake\n");
	proc_free(&p);

	/* a name with a leading zero: no such node, nothing removed */
	snprintf(zpath, sizeof(zpath), "/dev/cipc0%u", y);
	snprintf(line, sizeof(line), "cipcctl: %s: no such file or "
		 "directory\n", zpath);
	CTL_STATUS(&p, 1, "remove", zpath);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	CTL_STATUS(&p, 1, "info", zpath);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert_msg(node_exists(y), "remove %s removed cipc%u", zpath, y);
	ck_assert_uint_eq(sysfs_ull(y, "id"), yid);

	/* the copy of x's node: x goes, y stays */
	CTL_QUIET("remove", FAKE_NODE);
	ck_assert_msg(channel_gone(x), "remove " FAKE_NODE " left cipc%u", x);
	ck_assert_uint_eq(sysfs_ull(y, "id"), yid);
	ck_assert_int_eq(unlink(FAKE_NODE), 0);
	snprintf(ch, sizeof(ch), "%u", y);
	CTL_QUIET("remove", ch);
}
END_TEST

/*
 * remove PATH is remove by the node's id: a channel added at that index
 * between cipcctl's look at the node and its removal is not removed
 * ("stale id"). cipcctl is stopped (ptrace) at its CIPC_CTL_REMOVE while
 * the channel is replaced. A long path is named in full in errors.
 */
START_TEST(test_remove_path_race)
{
	unsigned int max = param("max_channels"), x, x2;
	unsigned long long id, id2;
	char path[32], ch[16], old[24], line[256];
	struct proc t, p;

	CTL_ADD(&x, &id);
	snprintf(path, sizeof(path), "/dev/cipc%u", x);
	snprintf(ch, sizeof(ch), "%u", x);
	snprintf(old, sizeof(old), "%llu", id);
	ck_assert_int_eq(mkdir(LONG_DIR, 0755) == 0 || errno == EEXIST, 1);
	unlink(LONG_LINK);
	ck_assert_int_eq(symlink(path, LONG_LINK), 0);

	trace_to_ioctl(&t, CIPC_CTL_REMOVE, "remove", LONG_LINK);
	/* meanwhile the channel goes, and another one comes at x */
	CTL_QUIET("remove", ch);
	CTL_ADD(&x2, &id2, "--index", ch);
	ck_assert_uint_eq(x2, x);
	ck_assert_uint_eq(id2, id + max);
	trace_detach(&t);
	ck_assert_msg(proc_wait(&t, RELEASE_MS), "cipcctl remove did not "
		      "finish");
	snprintf(line, sizeof(line), "cipcctl: " LONG_LINK ": stale id %llu "
		 "(the channel there now has id %llu)\n", id, id2);
	ck_assert_msg(t.status == 1 && strcmp(t.err, line) == 0, "cipcctl "
		      "remove " LONG_LINK ": status %d, stderr [%s], expected "
		      "1, [%s]", t.status, t.err, line);
	proc_free(&t);
	ck_assert_msg(node_exists(x), "the new cipc%u was removed", x);
	ck_assert_uint_eq(sysfs_ull(x, "id"), id2);

	/* --id of the node's predecessor: stale, nothing removed */
	CTL_STATUS(&p, 1, "remove", LONG_LINK, "--id", old);
	ck_assert_str_eq(p.err, line);
	proc_free(&p);
	ck_assert_uint_eq(sysfs_ull(x, "id"), id2);

	/* and the node's own channel, by the link */
	CTL_QUIET("remove", LONG_LINK);
	ck_assert(channel_gone(x));
	unlink(LONG_LINK);
	rmdir(LONG_DIR);
}
END_TEST

/*
 * A channel named by index that goes while cipcctl opens it: "no such
 * channel (removed?)", not "not a cipc channel". cipcctl is stopped
 * (ptrace) at the CIPC_IOC_INFO with which libcipc checks the channel.
 */
START_TEST(test_open_removed_by_index)
{
	unsigned int x;
	unsigned long long id;
	char ch[16], name[16], line[128];
	struct proc t;

	CTL_ADD(&x, &id);
	snprintf(ch, sizeof(ch), "%u", x);
	snprintf(name, sizeof(name), "cipc%u", x);
	snprintf(line, sizeof(line), "cipcctl: /dev/cipc%u: no such channel "
		 "(removed?)\n", x);
	for (int i = 0; i < 2; i++) {
		trace_to_ioctl(&t, CIPC_IOC_INFO, "info", i ? name : ch);
		CTL_QUIET("remove", ch);
		trace_detach(&t);
		ck_assert_msg(proc_wait(&t, RELEASE_MS), "cipcctl info did "
			      "not finish");
		ck_assert_msg(t.status == 1 && strcmp(t.err, line) == 0,
			      "cipcctl info %s: status %d, stderr [%s], "
			      "expected 1, [%s]", i ? name : ch, t.status,
			      t.err, line);
		ck_assert_uint_eq(t.out_len, 0);
		proc_free(&t);
		if (!i)
			CTL_ADD(&x, &id, "--index", ch);
	}
	ck_assert(channel_gone(x));
}
END_TEST

/* status counts the channels that exist now. */
START_TEST(test_status_channels)
{
	unsigned int n = param("channels"), x;
	unsigned long long id;
	char ch[16], want[64];
	struct proc p;

	CTL_ADD(&x, &id);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want), "\nchannels     %u\nmax_channels %u\n",
		 n + 1, param("max_channels"));
	ck_assert_msg(strstr(p.out, want), "status:\n%s", p.out);
	proc_free(&p);
	CTL_OK(&p, "status", "--json");
	snprintf(want, sizeof(want), "%u %u\n", n + 1, param("max_channels"));
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['channels'], d['max_channels'])\n", want);
	proc_free(&p);
	snprintf(ch, sizeof(ch), "%u", x);
	CTL_QUIET("remove", ch);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want), "\nchannels     %u\n", n);
	ck_assert_msg(strstr(p.out, want), "status:\n%s", p.out);
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
	bool has_max;		/* a module with max_channels */
	unsigned int channels;
	unsigned int msg_max;
	unsigned int max_channels;
	unsigned int queue_depth;	/* 0: unknown, not restored */
	unsigned int max_waiters;	/* 0: unknown, not restored */
} orig;

/* /dev and /sys/class/cipc show exactly n channels. */
static bool nodes_settle(unsigned int n)
{
	return nodes_settle_within(n, MODULE_SETTLE_MS, count_numbered);
}

/* Loaded with the original parameters and exactly its channels. */
static bool module_as_found(void)
{
	unsigned int ch, mm, mc;

	unsigned int qd, mw;

	return param_value("channels", &ch) && param_value("msg_max", &mm) &&
	       ch == orig.channels && mm == orig.msg_max &&
	       (!orig.has_max || (param_value("max_channels", &mc) &&
				  mc == orig.max_channels)) &&
	       (!orig.queue_depth || (param_value("queue_depth", &qd) &&
				      qd == orig.queue_depth)) &&
	       (!orig.max_waiters || (param_value("max_waiters", &mw) &&
				      mw == orig.max_waiters)) &&
	       count_numbered(CLASS_DIR, "cipc") == orig.channels;
}

static int module_restore(void)
{
	char params[160];

	if (!orig.recorded)
		return 0;
	if (orig.loaded == module_loaded() &&
	    (!orig.loaded || module_as_found()))
		return 0;
	snprintf(params, sizeof(params), "channels=%u msg_max=%u",
		 orig.channels, orig.msg_max);
	if (orig.has_max)
		snprintf(params + strlen(params),
			 sizeof(params) - strlen(params), " max_channels=%u",
			 orig.max_channels);
	if (orig.queue_depth)
		snprintf(params + strlen(params),
			 sizeof(params) - strlen(params), " queue_depth=%u",
			 orig.queue_depth);
	if (orig.max_waiters)
		snprintf(params + strlen(params),
			 sizeof(params) - strlen(params), " max_waiters=%u",
			 orig.max_waiters);
	return module_reload(orig.loaded ? params : NULL, orig.channels,
			     MODULE_SETTLE_MS, count_numbered);
}

static void module_record(void)
{
	orig.loaded = module_loaded();
	orig.recorded = !orig.loaded ||
			(param_value("channels", &orig.channels) &&
			 param_value("msg_max", &orig.msg_max));
	orig.has_max = orig.loaded &&
		       param_value("max_channels", &orig.max_channels);
	if (!orig.loaded || !param_value("queue_depth", &orig.queue_depth))
		orig.queue_depth = 0;
	if (!orig.loaded || !param_value("max_waiters", &orig.max_waiters))
		orig.max_waiters = 0;
	if (!orig.recorded)
		fprintf(stderr, "module: cannot read the module's parameters; "
			"it will not be reloaded\n");
}

static void module_teardown(void)
{
	int err = module_restore();

	if (err)
		fprintf(stderr, "module: RESTORING THE CIPC MODULE FAILED: %s "
			"(channels=%u msg_max=%u max_channels=%u)\n",
			strerror(-err), orig.channels, orig.msg_max,
			orig.max_channels);
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
	int err = module_unload(MODULE_SETTLE_MS);

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
	ck_assert_msg(access("/dev/cipc-control", F_OK) != 0 &&
		      errno == ENOENT, "/dev/cipc-control is still there");

	ck_assert_int_eq(uname(&u), 0);
	CTL_OK(&p, "status");
	snprintf(want, sizeof(want), "module       cipc\nloaded       no\n"
		 "kernel       %s\ninstalled    ", u.release);
	ck_assert_msg(strncmp(p.out, want, strlen(want)) == 0, "status:\n%s",
		      p.out);
	proc_free(&p);
	CTL_OK(&p, "status", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['loaded'], sorted(d))\n",
		     "False ['diagnosis', 'installed', 'kernel', 'loaded', "
		     "'module']\n");
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
	CTL_ERROR("cipc is not loaded", "add");
	CTL_ERROR("cipc is not loaded", "add", "--index", "3", "--json");
	CTL_ERROR("cipc is not loaded", "remove", "0");
	CTL_ERROR("cipc is not loaded", "remove", "--id", "4");
	CTL_ERROR("./typo: no such file or directory", "info", "./typo");
}
END_TEST

/*
 * The guest has no cipc under /lib/modules for its kernel, nor its
 * headers (/lib/modules/KVER/build): load says so, and how to get them.
 */
START_TEST(test_module_load_not_installed)
{
	struct utsname u;
	char line[256];
	struct proc p;

	ensure_unloaded();
	ck_assert_int_eq(uname(&u), 0);
	snprintf(line, sizeof(line), "cipcctl: kernel headers for %s are not "
		 "installed: apt install linux-headers-%s", u.release,
		 u.release);
	CTL_STATUS(&p, 1, "load");
	ck_assert_msg(strncmp(p.err, line, strlen(line)) == 0 &&
		      strchr(p.err, '\n')[1] == '\0', "stderr: %s", p.err);
	proc_free(&p);
	CTL_STATUS(&p, 1, "load", "--channels", "2");
	ck_assert_msg(strncmp(p.err, line, strlen(line)) == 0, "stderr: %s",
		      p.err);
	proc_free(&p);
	/* and status tells the same */
	CTL_OK(&p, "status");
	snprintf(line, sizeof(line), "\nproblem      kernel headers for %s "
		 "are not installed\nfix          apt install "
		 "linux-headers-%s", u.release, u.release);
	ck_assert_msg(strstr(p.out, line), "status:\n%s", p.out);
	proc_free(&p);
	ck_assert(!module_loaded());
}
END_TEST

/*
 * The loaded module's version against cipcctl's: /sys/module/cipc/version
 * of a fake tree (CIPCCTL_SYSROOT, the diagnoses' test seam). status
 * still exits 0.
 */
/* mkdir -p: 0 or -1 (errno set) */
static int mkdir_p(const char *dir)
{
	char path[256];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *s = path + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(path, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static void fake_module_version(const char *root, const char *version)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sys/module/cipc", root);
	ck_assert_int_eq(mkdir_p(path), 0);
	snprintf(path, sizeof(path), "%s/sys/module/cipc/version", root);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f, "%s\n", version);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_status_version_mismatch)
{
	const char *const env[] = { "CIPCCTL_SYSROOT=/tmp/cipcctl-sysroot",
				    NULL };
	struct run_opts o = { .env = env };
	char want[512];
	struct proc p;

	fake_module_version("/tmp/cipcctl-sysroot", "0.0.1");
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "status", NULL), 0);
	snprintf(want, sizeof(want), "\nproblem      the loaded module cipc "
		 "0.0.1 is older than cipcctl %s\nfix          install "
		 "cipc-dkms of release %s (apt install cipc-dkms), then "
		 "reload it: cipcctl unload && cipcctl load\n",
		 CIPCCTL_VERSION, CIPCCTL_VERSION);
	ck_assert_msg(strstr(p.out, want), "status:\n%s", p.out);
	proc_free(&p);
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "status", "--json", NULL),
			 0);
	python_check(&p, "import json,sys\n"
		     "d=json.load(sys.stdin)['diagnosis']\n"
		     "print(d['problem'].startswith('the loaded module cipc "
		     "0.0.1 is older'), d['log'], d['excerpt'])\n",
		     "True None []\n");
	proc_free(&p);

	fake_module_version("/tmp/cipcctl-sysroot", "99.0.0");
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "status", NULL), 0);
	snprintf(want, sizeof(want), "\nproblem      the loaded module cipc "
		 "99.0.0 is newer than cipcctl %s\nfix          install "
		 "cipcctl and libcipc1 of release 99.0.0 ", CIPCCTL_VERSION);
	ck_assert_msg(strstr(p.out, want), "status:\n%s", p.out);
	proc_free(&p);

	/* the same version: nothing to say */
	fake_module_version("/tmp/cipcctl-sysroot", CIPCCTL_VERSION);
	ck_assert_int_eq(run_cipcctl_opts(&p, &o, "status", NULL), 0);
	ck_assert_msg(!strstr(p.out, "problem"), "status:\n%s", p.out);
	proc_free(&p);
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
		  "--msg-max", "64", "--queue-depth", "4", "--max-waiters",
		  "3");
	ck_assert(module_loaded());
	ck_assert_uint_eq(param("channels"), 3);
	ck_assert_uint_eq(param("msg_max"), 64);
	ck_assert_uint_eq(param("queue_depth"), 4);
	ck_assert_uint_eq(param("max_waiters"), 3);
	ck_assert_msg(nodes_settle(3), "%u nodes, %u sysfs entries",
		      count_numbered("/dev", "cipc"),
		      count_numbered(CLASS_DIR, "cipc"));
	CTL_OK(&p, "info", "2", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['index'], d['msg_max'], d['queue_depth'],\n"
		     "      d['max_waiters'])\n", "2 64 4 3\n");
	proc_free(&p);
	CTL_ERROR("/dev/cipc3: no such channel (3 loaded)", "info", "3");
	CTL_OK(&p, "list");
	ck_assert_msg(strstr(p.out, "\ncipc2 ") && !strstr(p.out, "cipc3"),
		      "%s", p.out);
	proc_free(&p);
	CTL_OK(&p, "status");
	ck_assert_msg(strstr(p.out, "\nparameters   channels=3 max_channels="
			     "256 max_waiters=3 msg_max=64 queue_depth=4\n"
			     "channels     3\nmax_channels 256\n"), "%s",
		      p.out);
	proc_free(&p);
	/* added channels get the module's defaults */
	CTL_OK(&p, "add", "--json");
	python_check(&p, "import json,sys\nd=json.load(sys.stdin)\n"
		     "print(d['index'], d['msg_max'], d['queue_depth'],\n"
		     "      d['max_waiters'])\n", "3 64 4 3\n");
	proc_free(&p);
	ck_assert_uint_eq(sysfs_ull(3, "queue_depth"), 4);
	ck_assert_uint_eq(sysfs_ull(3, "max_waiters"), 3);
	CTL_QUIET("remove", "3");
	/* only the parameters given are passed */
	CTL_QUIET("unload");
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--msg-max", "5");
	ck_assert_uint_eq(param("msg_max"), 5);
	ck_assert_uint_eq(param("channels"), 4);	/* the default */
	ck_assert_uint_eq(param("max_channels"), 256);	/* the default */
	ck_assert_uint_eq(param("queue_depth"), 16);	/* the default */
	ck_assert_uint_eq(param("max_waiters"), 256);	/* the default */
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

/*
 * --max-channels: add up to the limit, then ENOSPC; an index beyond it;
 * ids computed with it; unload with added channels present (unused)
 * removes them all.
 */
START_TEST(test_module_load_max_channels)
{
	unsigned int x;
	unsigned long long id;
	struct proc p;

	ensure_unloaded();
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--max-channels", "6",
		  "--channels", "4");
	ck_assert_uint_eq(param("max_channels"), 6);
	ck_assert_uint_eq(param("channels"), 4);
	ck_assert(nodes_settle(4));
	CTL_ADD(&x, &id);
	ck_assert(x == 4 && id == 4);
	CTL_ADD(&x, &id);
	ck_assert(x == 5 && id == 5);
	CTL_ERROR("cannot add a channel: max_channels (6) reached", "add");
	CTL_ERROR("cannot add a channel: max_channels (6) reached", "add",
		  "--json", "--msg-max", "8");
	CTL_ERROR("/dev/cipc6: index out of range (max_channels is 6)", "add",
		  "--index", "6");
	CTL_ERROR("/dev/cipc4: already exists", "add", "--index", "4");
	ck_assert_uint_eq(count_numbered(CLASS_DIR, "cipc"), 6);
	CTL_OK(&p, "status");
	ck_assert_msg(strstr(p.out, "\nchannels     6\nmax_channels 6\n"),
		      "%s", p.out);
	proc_free(&p);
	/* the id rule with max_channels 6: seq 1 at index 4 is 10 */
	CTL_QUIET("remove", "4");
	CTL_ADD(&x, &id);
	ck_assert(x == 4 && id == 10);
	CTL_OK(&p, "list");
	ck_assert_msg(strstr(p.out, "\ncipc4    10          one "), "%s",
		      p.out);
	proc_free(&p);
	/* --id modulo 6 */
	CTL_ERROR("/dev/cipc4: stale id 4 (the channel there now has id 10)",
		  "remove", "--id", "4");
	CTL_QUIET("remove", "--id", "5");
	ck_assert(channel_gone(5));

	/* unused added channels go with the module */
	CTL_QUIET("unload");
	ck_assert(!module_loaded());
	ck_assert(nodes_settle(0));

	/* no channel at load; max_channels 1 */
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--channels", "0",
		  "--max-channels", "1");
	ck_assert(nodes_settle(0));
	CTL_OK(&p, "list");
	ck_assert_msg(strchr(p.out, '\n') == p.out + p.out_len - 1,
		      "list of no channel: %s", p.out);
	proc_free(&p);
	CTL_ADD(&x, &id);
	ck_assert(x == 0 && id == 0);
	CTL_ERROR("cannot add a channel: max_channels (1) reached", "add");
	CTL_ERROR("/dev/cipc1: index out of range (max_channels is 1)", "add",
		  "--index", "1");
	CTL_QUIET("remove", "cipc0");
	CTL_ADD(&x, &id);
	ck_assert(x == 0 && id == 1);
	CTL_QUIET("remove", "/dev/cipc0");
	ck_assert(nodes_settle(0));
}
END_TEST

/* Last: back to the original parameters, with cipcctl itself. */
START_TEST(test_module_reload_original)
{
	char channels[16], msg_max[16], max_channels[16], queue_depth[16];
	char max_waiters[16];

	ck_assert(orig.loaded);
	snprintf(channels, sizeof(channels), "%u", orig.channels);
	snprintf(msg_max, sizeof(msg_max), "%u", orig.msg_max);
	snprintf(max_channels, sizeof(max_channels), "%u",
		 orig.has_max ? orig.max_channels : 256);
	snprintf(queue_depth, sizeof(queue_depth), "%u",
		 orig.queue_depth ? orig.queue_depth : 16);
	snprintf(max_waiters, sizeof(max_waiters), "%u",
		 orig.max_waiters ? orig.max_waiters : 256);
	if (module_loaded())
		CTL_QUIET("unload");
	CTL_QUIET("load", "--module", getenv("CIPC_KO"), "--channels",
		  channels, "--msg-max", msg_max, "--max-channels",
		  max_channels, "--queue-depth", queue_depth, "--max-waiters",
		  max_waiters);
	ck_assert_uint_eq(param("channels"), orig.channels);
	ck_assert_uint_eq(param("msg_max"), orig.msg_max);
	ck_assert(nodes_settle(orig.channels));
	ck_assert(module_as_found());
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
	tcase_add_test(tc, test_wait_timeout_stops);
	tcase_add_test(tc, test_permission_denied);
	suite_add_tcase(s, tc);

	tc = chan_tcase("add_remove");
	tcase_add_checked_fixture(tc, NULL, fixture_add_remove_teardown);
	/* in the runner, after the last test, even if tests failed */
	tcase_add_unchecked_fixture(tc, NULL, restore_channels_quiet);
	tcase_add_test(tc, test_add_remove);
	tcase_add_test(tc, test_add_index);
	tcase_add_test(tc, test_add_limits);
	tcase_add_test(tc, test_list_ids);
	tcase_add_test(tc, test_remove_releases_waiters);
	tcase_add_test(tc, test_remove_waiter_stale);
	tcase_add_test(tc, test_remove_stale_id);
	tcase_add_test(tc, test_add_remove_not_root);
	tcase_add_test(tc, test_remove_path_is_node);
	tcase_add_test(tc, test_remove_path_race);
	tcase_add_test(tc, test_open_removed_by_index);
	tcase_add_test(tc, test_status_channels);
	suite_add_tcase(s, tc);

	tc = chan_tcase("status");
	tcase_add_test(tc, test_status_version_mismatch);
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
	tcase_add_test(tc, test_module_load_max_channels);
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
