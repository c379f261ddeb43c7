// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "trace": the driver's trace events in tracefs
 * (/sys/kernel/tracing/events/cipc/), read back from the `trace' file.
 *
 *  - every event exists; when enabled, each operation leaves exactly the
 *    expected lines, with every field checked (id, index, pid of the task
 *    that acted, op, count, all, generation, seq, msg_len, timeout_ms,
 *    nonblock,
 *    result, msg_max, waiters), and nothing else;
 *  - disabled, nothing is recorded; one event can be enabled alone;
 *  - cipc_channel_free comes when the last file of a removed channel is
 *    closed, not before, and once per channel added (no leak).
 *
 * tracefs must be mounted at /sys/kernel/tracing (the test VM does it):
 * without it every test fails. The suite leaves the cipc events disabled
 * and the buffer empty.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define TRACEFS		"/sys/kernel/tracing"
#define CIPC_EVENTS	TRACEFS "/events/cipc"
#define QUIET_MS	200
/*
 * The trace shows the time left to the wait's deadline, rounded up to
 * whole milliseconds (it was whole jiffies, rounded up, + 1): within this.
 */
#define TIMEOUT_SLACK_MS 30

static const char *const event_names[] = {
	"cipc_signal", "cipc_wait_start", "cipc_wait_end",
	"cipc_channel_add", "cipc_channel_remove", "cipc_channel_free",
};

/* One cipc line of the trace. */
struct tev {
	char name[32];		/* cipc_signal */
	int task_pid;		/* the pid of the line's "task-pid" */
	char args[224];		/* after "cipc_signal: " */
};

#define MAX_EVENTS	512

struct trace {
	int n;			/* cipc events (may exceed MAX_EVENTS) */
	struct tev ev[MAX_EVENTS];
};

static void tracefs_write(const char *path, const char *val)
{
	int err = write_file_str(path, val);

	ck_assert_msg(err == 0, "writing \"%s\" to %s: %s", val, path,
		      errname(-err));
}

static void trace_clear(void)
{
	int fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);

	ck_assert_msg(fd >= 0, "truncating " TRACEFS "/trace: %s",
		      errname(errno));
	close(fd);
}

static void trace_events(bool on)
{
	tracefs_write(CIPC_EVENTS "/enable", on ? "1" : "0");
}

/* Empty buffer, every cipc event on. */
static void trace_start(void)
{
	trace_events(false);
	trace_clear();
	trace_events(true);
}

/* The pid in "  comm-123  [001]" or "comm-123 (  123) [001]". */
static int header_pid(const char *line, const char *end)
{
	const char *b = memchr(line, '[', (size_t)(end - line));
	const char *p;

	if (!b)
		return -1;
	while (b > line && b[-1] == ' ')
		b--;
	if (b > line && b[-1] == ')') {	/* the tgid column */
		while (b > line && b[-1] != '(')
			b--;
		if (b > line)
			b--;
		while (b > line && b[-1] == ' ')
			b--;
	}
	for (p = b; p > line && p[-1] != '-'; p--)
		;
	if (p == line || p == b)
		return -1;
	return atoi(p);
}

/* Read the whole trace file and keep the cipc lines. */
static void trace_read(struct trace *t)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap), *line, *save = NULL;
	int fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);

	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(fd >= 0, "open " TRACEFS "/trace: %s", errname(errno));
	for (;;) {
		ssize_t r;

		if (cap - len < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		ck_assert_msg(r >= 0, "read " TRACEFS "/trace: %s",
			      errname(errno));
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';

	t->n = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *ev, *colon;
		struct tev *e;

		if (line[0] == '#')
			continue;
		ev = strstr(line, ": cipc_");
		if (!ev)
			continue;
		colon = strchr(ev + 2, ':');
		if (!colon || colon[1] != ' ')
			continue;
		if (t->n++ >= MAX_EVENTS)
			continue;
		e = &t->ev[t->n - 1];
		snprintf(e->name, sizeof(e->name), "%.*s",
			 (int)(colon - ev - 2), ev + 2);
		snprintf(e->args, sizeof(e->args), "%s", colon + 2);
		e->task_pid = header_pid(line, ev);
	}
	free(buf);
	ck_assert_msg(t->n <= MAX_EVENTS, "%d cipc events in the trace, more "
		      "than expected", t->n);
}

static void trace_dump(const struct trace *t)
{
	fprintf(stderr, "trace: %d cipc events:\n", t->n);
	for (int i = 0; i < t->n && i < MAX_EVENTS; i++)
		fprintf(stderr, "  [task pid %d] %s: %s\n", t->ev[i].task_pid,
			t->ev[i].name, t->ev[i].args);
}

static int count_named(const struct trace *t, const char *name)
{
	int n = 0;

	for (int i = 0; i < t->n; i++)
		n += !strcmp(t->ev[i].name, name);
	return n;
}

/*
 * Exactly one event `name' with exactly these arguments, recorded by task
 * pid (-1: any task).
 */
static void expect_event(const struct trace *t, const char *name, int pid,
			 const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void expect_event(const struct trace *t, const char *name, int pid,
			 const char *fmt, ...)
{
	char want[256];
	int found = 0, at = -1;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	for (int i = 0; i < t->n; i++) {
		if (!strcmp(t->ev[i].name, name) &&
		    !strcmp(t->ev[i].args, want)) {
			found++;
			at = i;
		}
	}
	if (found != 1)
		trace_dump(t);
	ck_assert_msg(found == 1, "%d lines \"%s: %s\" in the trace, expected "
		      "1 (trace on stderr)", found, name, want);
	if (pid >= 0)
		ck_assert_msg(t->ev[at].task_pid == pid, "\"%s: %s\" recorded "
			      "by task %d, expected %d", name, want,
			      t->ev[at].task_pid, pid);
}

/*
 * Exactly one cipc_wait_start of (id, index, pid, nonblock) with a
 * timeout_ms between want_ms and want_ms + TIMEOUT_SLACK_MS (the driver's
 * jiffies), or exactly want_ms if it is -1 or 0.
 */
static void expect_wait_start(const struct trace *t, uint64_t id,
			      unsigned int index, int pid, long long want_ms,
			      int nonblock)
{
	char head[96], tail[32];
	int found = 0;

	snprintf(head, sizeof(head), "id=%llu index=%u pid=%d timeout_ms=",
		 (unsigned long long)id, index, pid);
	snprintf(tail, sizeof(tail), " nonblock=%d", nonblock);
	for (int i = 0; i < t->n; i++) {
		const char *a = t->ev[i].args;
		long long ms;
		char *end;

		if (strcmp(t->ev[i].name, "cipc_wait_start") ||
		    strncmp(a, head, strlen(head)))
			continue;
		ms = strtoll(a + strlen(head), &end, 10);
		if (strcmp(end, tail))
			continue;
		if (want_ms <= 0 ? ms != want_ms :
		    ms < want_ms || ms > want_ms + TIMEOUT_SLACK_MS)
			continue;
		ck_assert_msg(t->ev[i].task_pid == pid, "\"%s\" recorded by "
			      "task %d, expected %d", a, t->ev[i].task_pid,
			      pid);
		found++;
	}
	if (found != 1)
		trace_dump(t);
	ck_assert_msg(found == 1, "%d lines \"cipc_wait_start: %s%lld%s\" "
		      "(timeout_ms within +%d), expected 1 (trace on stderr)",
		      found, head, want_ms, tail, TIMEOUT_SLACK_MS);
}

static void expect_total(const struct trace *t, int n)
{
	if (t->n != n)
		trace_dump(t);
	ck_assert_msg(t->n == n, "%d cipc events in the trace, expected %d "
		      "(trace on stderr)", t->n, n);
}

/* Poll the trace until it holds n events named name. */
static bool trace_wait_count(struct trace *t, const char *name, int n,
			     unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		trace_read(t);
		if (count_named(t, name) >= n)
			return true;
		if (now_ms() >= deadline)
			return false;
		sleep_ms(5);
	}
}

static struct trace *trace_alloc(void)
{
	struct trace *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	return t;
}

/* ---- fixtures ---------------------------------------------------------- */

static struct {
	bool recorded;
	char tracing_on[8];
} saved;

static void trace_record(void)
{
	saved.recorded = read_file_str(TRACEFS "/tracing_on", saved.tracing_on,
				       sizeof(saved.tracing_on)) == 0;
}

/* Unchecked: events off, buffer empty, tracing_on as found. */
static void trace_restore(void)
{
	int fd;

	if (write_file_str(CIPC_EVENTS "/enable", "0") != 0)
		fprintf(stderr, "trace: cannot disable the cipc events\n");
	fd = open(TRACEFS "/trace", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0)
		close(fd);
	if (saved.recorded)
		(void)write_file_str(TRACEFS "/tracing_on", saved.tracing_on);
}

static void trace_prerequisites(void)
{
	ck_assert_msg(path_exists(TRACEFS "/trace"), "tracefs is not mounted "
		      "at " TRACEFS " (%s)", errname(errno));
	ck_assert_msg(path_exists(CIPC_EVENTS), CIPC_EVENTS " is missing: "
		      "the driver has no trace events? (%s)", errname(errno));
	tracefs_write(TRACEFS "/tracing_on", "1");
	trace_events(false);
	trace_clear();
}

/* ---- tests ------------------------------------------------------------- */

START_TEST(test_events_exist)
{
	char path[160], buf[4096];

	for (size_t i = 0; i < sizeof(event_names) / sizeof(event_names[0]);
	     i++) {
		int err;

		snprintf(path, sizeof(path), CIPC_EVENTS "/%s/enable",
			 event_names[i]);
		ck_assert_msg(path_exists(path), "%s: %s", path,
			      errname(errno));
		snprintf(path, sizeof(path), CIPC_EVENTS "/%s/format",
			 event_names[i]);
		err = read_file_str(path, buf, sizeof(buf));
		ck_assert_msg(err == 0, "%s: %s", path, errname(-err));
		ck_assert_msg(strstr(buf, "field:u64 id;") ||
			      strstr(buf, "id;"), "%s has no id field", path);
	}
}
END_TEST

/*
 * Signals and waits on channel 0: complete, a wait that passes, a wait
 * that times out, a try, a non-blocking read, complete_all, reinit, and a
 * waiter process released by another's complete_all.
 */
START_TEST(test_signal_and_wait_events)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	const struct waiter_req req = { .chan = 0, .op = WOP_READ };
	struct trace *t = trace_alloc();
	int fd = chan_open(0, O_RDWR);
	int nbfd = chan_open(0, O_RDONLY | O_NONBLOCK);
	struct cipc_info info = get_info(fd);
	unsigned long long id = info.id, g = info.generation, sq = info.seq;
	int self = getpid();
	struct waiter w;
	char buf[8];

	trace_start();
	ck_ok(ioc_complete(fd, "ab", 2));
	ck_ok(ioc_wait(fd, 1000 * NS_PER_MS, NULL, 0, NULL));
	ck_fails(ioc_wait(fd, 20 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	ck_fails(ioc_wait(fd, 0, NULL, 0, NULL), ETIMEDOUT);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_fails(read(nbfd, buf, sizeof(buf)), EAGAIN);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_ok(ioc_reinit(fd));
	waiter_start_blocked(&w, &req, fd, 1);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	/* A read of a message-less signal returns "\n". */
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->ret, 1);
	trace_events(false);
	trace_read(t);

	/* count and all after the signal, its seq and message length. */
	expect_event(t, "cipc_signal", self, "id=%llu index=0 pid=%d "
		     "op=complete count=1 all=0 generation=%llu seq=%llu "
		     "msg_len=2", id, self, g, sq + 1);
	expect_wait_start(t, id, 0, self, 1000, 0);
	expect_event(t, "cipc_wait_end", self, "id=%llu index=0 pid=%d "
		     "result=0 generation=%llu", id, self, g);
	expect_wait_start(t, id, 0, self, 20, 0);
	/* CIPC_IOC_WAIT with 0 tries once: ETIMEDOUT. */
	expect_wait_start(t, id, 0, self, 0, 0);
	/* Two -110 lines: the timed one and the try once. */
	{
		char want[128];
		int n = 0;

		snprintf(want, sizeof(want), "id=%llu index=0 pid=%d "
			 "result=-110 generation=%llu", id, self, g);
		for (int i = 0; i < t->n; i++)
			n += !strcmp(t->ev[i].name, "cipc_wait_end") &&
			     !strcmp(t->ev[i].args, want);
		ck_assert_msg(n == 2, "%d lines \"cipc_wait_end: %s\", "
			      "expected 2", n, want);
	}
	/* TRYWAIT and the O_NONBLOCK read: EAGAIN. */
	{
		char want[128];
		int n = 0;

		snprintf(want, sizeof(want), "id=%llu index=0 pid=%d "
			 "timeout_ms=0 nonblock=1", id, self);
		for (int i = 0; i < t->n; i++)
			n += !strcmp(t->ev[i].name, "cipc_wait_start") &&
			     !strcmp(t->ev[i].args, want);
		ck_assert_msg(n == 2, "%d lines \"cipc_wait_start: %s\", "
			      "expected 2 (TRYWAIT and O_NONBLOCK read)", n,
			      want);
		snprintf(want, sizeof(want), "id=%llu index=0 pid=%d "
			 "result=-11 generation=%llu", id, self, g);
		n = 0;
		for (int i = 0; i < t->n; i++)
			n += !strcmp(t->ev[i].name, "cipc_wait_end") &&
			     !strcmp(t->ev[i].args, want);
		ck_assert_msg(n == 2, "%d lines \"cipc_wait_end: %s\", "
			      "expected 2", n, want);
	}
	/* No persistent message: complete_all without one has msg_len 0. */
	expect_event(t, "cipc_signal", self, "id=%llu index=0 pid=%d "
		     "op=complete_all count=0 all=1 generation=%llu seq=%llu "
		     "msg_len=0", id, self, g, sq + 2);
	/* A reinit is no signal: the seq of the last one. */
	expect_event(t, "cipc_signal", self, "id=%llu index=0 pid=%d "
		     "op=reinit count=0 all=0 generation=%llu seq=%llu "
		     "msg_len=0", id, self, g + 1, sq + 2);
	/* The waiter process: its own pid on its start and end. */
	expect_wait_start(t, id, 0, w.pid, -1, 0);
	expect_event(t, "cipc_signal", self, "id=%llu index=0 pid=%d "
		     "op=complete_all count=0 all=1 generation=%llu seq=%llu "
		     "msg_len=0", id, self, g + 1, sq + 3);
	expect_event(t, "cipc_wait_end", w.pid, "id=%llu index=0 pid=%d "
		     "result=0 generation=%llu", id, w.pid, g + 1);
	/* 1 + 5 waits * 2 + 1 + 1 + 3, nothing else. */
	expect_total(t, 16);
	waiter_end(&w);
	close(nbfd);
	close(fd);
	free(t);
}
END_TEST

/* A wait ended by a signal: ERESTARTSYS (or EINTR) in the trace. */
START_TEST(test_interrupted_wait_event)
{
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
		.sig = WSIG_HANDLER,
	};
	struct trace *t = trace_alloc();
	int fd = chan_open(0, O_RDWR);
	struct cipc_info info = get_info(fd);
	struct waiter w;
	char want[128];
	int n = 0;

	trace_start();
	waiter_start_blocked(&w, &req, fd, 1);
	ck_ok(kill(w.pid, SIGUSR1));
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->err, EINTR);
	trace_events(false);
	trace_read(t);
	expect_wait_start(t, info.id, 0, w.pid, -1, 0);
	snprintf(want, sizeof(want), "id=%llu index=0 pid=%d result=-512 "
		 "generation=%llu", (unsigned long long)info.id, w.pid,
		 (unsigned long long)info.generation);
	for (int i = 0; i < t->n; i++)
		n += !strcmp(t->ev[i].name, "cipc_wait_end") &&
		     !strcmp(t->ev[i].args, want);
	if (n != 1)
		trace_dump(t);
	ck_assert_msg(n == 1, "no \"cipc_wait_end: %s\" (trace on stderr)",
		      want);
	expect_total(t, 2);
	waiter_end(&w);
	close(fd);
	free(t);
}
END_TEST

/*
 * Add and remove: an unused channel is freed by the removal; a channel with
 * a blocked waiter reports it, the waiter ends with -19 (ENODEV), and the
 * channel is freed once the waiter's file is closed.
 */
START_TEST(test_add_remove_events)
{
	struct trace *t = trace_alloc();
	struct cipc_ctl_channel a, b;
	struct waiter_req req = { .op = WOP_READ };
	struct waiter w;
	int self = getpid(), fd;

	trace_start();
	a = chan_add(CHAN_ANY, 16);
	chan_remove(a.index);
	b = chan_add(CHAN_ANY, 0);
	req.chan = b.index;
	fd = chan_open(b.index, O_RDONLY);
	waiter_start_blocked(&w, &req, fd, 1);
	close(fd);
	chan_remove(b.index);
	ck_assert_int_eq(waiter_result(&w, RELEASE_MS)->err, ENODEV);
	waiter_end(&w);
	ck_assert_msg(trace_wait_count(t, "cipc_channel_free", 2, SETTLE_MS),
		      "the second channel was not freed after its last file "
		      "was closed");
	trace_events(false);
	trace_read(t);

	expect_event(t, "cipc_channel_add", self, "id=%llu index=%u "
		     "msg_max=16", (unsigned long long)a.id, a.index);
	expect_event(t, "cipc_channel_remove", self, "id=%llu index=%u "
		     "waiters=0", (unsigned long long)a.id, a.index);
	expect_event(t, "cipc_channel_free", -1, "id=%llu index=%u",
		     (unsigned long long)a.id, a.index);
	expect_event(t, "cipc_channel_add", self, "id=%llu index=%u "
		     "msg_max=%u", (unsigned long long)b.id, b.index,
		     param_msg_max());
	expect_wait_start(t, b.id, b.index, w.pid, -1, 0);
	expect_event(t, "cipc_channel_remove", self, "id=%llu index=%u "
		     "waiters=1", (unsigned long long)b.id, b.index);
	expect_event(t, "cipc_wait_end", w.pid, "id=%llu index=%u pid=%d "
		     "result=-19 generation=0", (unsigned long long)b.id,
		     b.index, w.pid);
	expect_event(t, "cipc_channel_free", -1, "id=%llu index=%u",
		     (unsigned long long)b.id, b.index);
	expect_total(t, 8);
	free(t);
}
END_TEST

/* The memory goes with the last file, not with the removal. */
START_TEST(test_free_after_last_close)
{
	struct trace *t = trace_alloc();
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
	int fd1 = chan_open(c.index, O_RDWR), fd2 = chan_open(c.index, O_RDONLY);
	int dupfd = dup(fd2);

	ck_assert_int_ge(dupfd, 0);
	trace_start();
	chan_remove(c.index);
	sleep_ms(QUIET_MS);
	trace_read(t);
	expect_event(t, "cipc_channel_remove", getpid(), "id=%llu index=%u "
		     "waiters=0", (unsigned long long)c.id, c.index);
	ck_assert_msg(count_named(t, "cipc_channel_free") == 0,
		      "cipc_channel_free while 2 files are open");
	close(fd1);
	close(fd2);	/* dupfd still refers to that file */
	sleep_ms(QUIET_MS);
	trace_read(t);
	ck_assert_msg(count_named(t, "cipc_channel_free") == 0,
		      "cipc_channel_free while 1 file is open");
	ck_fails(ioc_info(dupfd, &(struct cipc_info){ 0 }), ENODEV);
	close(dupfd);
	ck_assert_msg(trace_wait_count(t, "cipc_channel_free", 1, SETTLE_MS),
		      "no cipc_channel_free after the last close");
	expect_event(t, "cipc_channel_free", getpid(), "id=%llu index=%u",
		     (unsigned long long)c.id, c.index);
	expect_total(t, 2);
	trace_events(false);
	free(t);
}
END_TEST

/* Each channel added is freed once: no leak, no double free. */
START_TEST(test_free_balance)
{
	enum { ROUNDS = 20 };
	struct trace *t = trace_alloc();
	uint64_t ids[ROUNDS];

	trace_start();
	for (int r = 0; r < ROUNDS; r++) {
		struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
		int fd = chan_open(c.index, O_RDWR);

		ids[r] = c.id;
		ck_ok(ioc_complete(fd, NULL, 0));
		if (r % 2)
			close(fd);
		chan_remove(c.index);
		if (r % 2 == 0)
			close(fd);
	}
	ck_assert_msg(trace_wait_count(t, "cipc_channel_free", ROUNDS,
				       SETTLE_MS),
		      "only %d of %d channels freed",
		      count_named(t, "cipc_channel_free"), ROUNDS);
	sleep_ms(QUIET_MS);
	trace_events(false);
	trace_read(t);
	ck_assert_int_eq(count_named(t, "cipc_channel_add"), ROUNDS);
	ck_assert_int_eq(count_named(t, "cipc_channel_remove"), ROUNDS);
	ck_assert_int_eq(count_named(t, "cipc_channel_free"), ROUNDS);
	ck_assert_int_eq(count_named(t, "cipc_signal"), ROUNDS);
	for (int r = 0; r < ROUNDS; r++) {
		char idx[32];

		snprintf(idx, sizeof(idx), "index=%llu",
			 (unsigned long long)(ids[r] % param_max_channels()));
		expect_event(t, "cipc_channel_free", -1, "id=%llu %s",
			     (unsigned long long)ids[r], idx);
	}
	free(t);
}
END_TEST

/* Disabled: nothing. One event enabled: only that one. */
START_TEST(test_disabled_records_nothing)
{
	struct trace *t = trace_alloc();
	struct cipc_ctl_channel c;
	int fd = chan_open(0, O_RDWR);
	char path[160];

	trace_events(false);
	trace_clear();
	ck_ok(ioc_complete(fd, "x", 1));
	ck_ok(ioc_wait(fd, 1000 * NS_PER_MS, NULL, 0, NULL));
	ck_fails(ioc_wait(fd, 10 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_ok(ioc_reinit(fd));
	c = chan_add(CHAN_ANY, 0);
	chan_remove(c.index);
	trace_read(t);
	expect_total(t, 0);

	snprintf(path, sizeof(path), CIPC_EVENTS "/cipc_signal/enable");
	tracefs_write(path, "1");
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	c = chan_add(CHAN_ANY, 0);
	chan_remove(c.index);
	tracefs_write(path, "0");
	trace_read(t);
	ck_assert_int_eq(count_named(t, "cipc_signal"), 1);
	expect_total(t, 1);
	close(fd);
	free(t);
}
END_TEST

Suite *trace_suite(void)
{
	Suite *s = suite_create("trace");
	TCase *tc = ctl_tcase("trace", TEST_TIMEOUT_S);

	tcase_add_unchecked_fixture(tc, trace_record, trace_restore);
	tcase_add_checked_fixture(tc, trace_prerequisites, NULL);
	tcase_add_test(tc, test_events_exist);
	tcase_add_test(tc, test_signal_and_wait_events);
	tcase_add_test(tc, test_interrupted_wait_event);
	tcase_add_test(tc, test_add_remove_events);
	tcase_add_test(tc, test_free_after_last_close);
	tcase_add_test(tc, test_free_balance);
	tcase_add_test(tc, test_disabled_records_nothing);
	suite_add_tcase(s, tc);
	return s;
}
