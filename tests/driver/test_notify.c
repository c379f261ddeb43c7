// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "notify": O_ASYNC notification (fasync), as with mq_notify and
 * SIGEV_SIGNAL.
 *
 *  - with F_SETOWN and F_SETSIG (a real-time signal, so that deliveries
 *    queue), the owner gets exactly one signal per complete and per
 *    complete_all, by ioctl or write(2), with si_code POLL_IN, si_fd the
 *    file and POLLIN in si_band;
 *  - nothing for a reinit, a mode change, a wait, a rejected signal, nor
 *    after O_ASYNC is cleared;
 *  - SIGIO without F_SETSIG;
 *  - once POLL_HUP per file when the channel is removed;
 *  - the owner may be another process, which then gets the signals while
 *    the signalling process gets none.
 *
 * The signals are blocked and fetched with sigtimedwait(), with deadlines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

/* How long "no (more) signal" is watched for. */
#define QUIET_MS	200
#define N_SIGNALS	5

static int notify_sig(void)
{
	return SIGRTMIN + 3;
}

static void block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);
}

/*
 * Open chan with O_ASYNC: owner, then the signal (0: none, i.e. SIGIO),
 * then the flag.
 */
static int async_open(unsigned int chan, int flags, pid_t owner, int sig)
{
	int fd = chan_open(chan, flags), fl;

	ck_ok(fcntl(fd, F_SETOWN, owner));
	if (sig)
		ck_ok(fcntl(fd, F_SETSIG, sig));
	fl = ck_ok(fcntl(fd, F_GETFL));
	ck_ok(fcntl(fd, F_SETFL, fl | O_ASYNC));
	ck_assert(fcntl(fd, F_GETFL) & O_ASYNC);
	return fd;
}

static void set_async(int fd, bool on)
{
	int fl = ck_ok(fcntl(fd, F_GETFL));

	ck_ok(fcntl(fd, F_SETFL, on ? fl | O_ASYNC : fl & ~O_ASYNC));
}

/* The next pending sig within timeout_ms: true and *si, or false. */
static bool next_signal(int sig, siginfo_t *si, unsigned int timeout_ms)
{
	struct timespec ts = {
		.tv_sec = timeout_ms / 1000,
		.tv_nsec = (long)(timeout_ms % 1000) * 1000000L,
	};
	uint64_t deadline = now_ms() + timeout_ms;
	sigset_t set;
	int r;

	sigemptyset(&set);
	sigaddset(&set, sig);
	for (;;) {
		r = sigtimedwait(&set, si, &ts);
		if (r == sig)
			return true;
		ck_assert_msg(r < 0 && (errno == EAGAIN || errno == EINTR),
			      "sigtimedwait: %d (%s)", r, errname(errno));
		if (errno == EAGAIN || now_ms() >= deadline)
			return false;
		ts.tv_sec = 0;
		ts.tv_nsec = 1000000L;
	}
}

/* One sig with si_code code and si_fd fd must come, in time. */
static void expect_signal(int sig, int code, int fd, const char *what)
{
	siginfo_t si;

	ck_assert_msg(next_signal(sig, &si, RELEASE_MS),
		      "%s: no signal %d within %u ms", what, sig, RELEASE_MS);
	ck_assert_int_eq(si.si_signo, sig);
	ck_assert_msg(si.si_code == code, "%s: si_code %d, expected %d", what,
		      si.si_code, code);
	ck_assert_msg(si.si_fd == fd, "%s: si_fd %d, expected %d", what,
		      si.si_fd, fd);
	if (code == POLL_IN)
		ck_assert_msg(si.si_band & POLLIN, "%s: si_band %#lx without "
			      "POLLIN", what, (unsigned long)si.si_band);
	else if (code == POLL_HUP)
		ck_assert_msg(si.si_band & POLLHUP, "%s: si_band %#lx without "
			      "POLLHUP", what, (unsigned long)si.si_band);
}

static void expect_no_signal(int sig, const char *what)
{
	siginfo_t si;

	ck_assert_msg(!next_signal(sig, &si, QUIET_MS),
		      "%s: unexpected signal %d (si_code %d, si_fd %d)", what,
		      sig, si.si_code, si.si_fd);
}

/* N completes, then N signals: they queue, one per call. */
START_TEST(test_signal_per_complete)
{
	int sig = notify_sig(), afd, wfd;

	block_signal(sig);
	afd = async_open(0, O_RDONLY, getpid(), sig);
	wfd = chan_open(0, O_WRONLY);
	for (int i = 0; i < N_SIGNALS; i++)
		ck_ok(ioc_complete(wfd, NULL, 0));
	for (int i = 0; i < N_SIGNALS; i++)
		expect_signal(sig, POLL_IN, afd, "CIPC_IOC_COMPLETE");
	expect_no_signal(sig, "after the completes' signals");
	ck_assert_uint_eq(get_done(afd), N_SIGNALS);
	/* With a message, and from the O_ASYNC file itself. */
	close(afd);
	afd = async_open(0, O_RDWR, getpid(), sig);
	ck_ok(ioc_complete(afd, "msg", 3));
	expect_signal(sig, POLL_IN, afd, "CIPC_IOC_COMPLETE with a message");
	expect_no_signal(sig, "after one complete");
	close(wfd);
	close(afd);
}
END_TEST

START_TEST(test_signal_per_complete_all)
{
	int sig = notify_sig(), afd, wfd;

	block_signal(sig);
	afd = async_open(0, O_RDONLY, getpid(), sig);
	wfd = chan_open(0, O_WRONLY);
	for (int i = 0; i < N_SIGNALS; i++) {
		ck_ok(ioc_complete_all(wfd, NULL, 0));
		ck_ok(ioc_reinit(wfd));
	}
	for (int i = 0; i < N_SIGNALS; i++)
		expect_signal(sig, POLL_IN, afd, "CIPC_IOC_COMPLETE_ALL");
	expect_no_signal(sig, "after the complete_alls' signals");
	/* Every call, also on a channel already done for all. */
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	expect_signal(sig, POLL_IN, afd, "first CIPC_IOC_COMPLETE_ALL");
	expect_signal(sig, POLL_IN, afd, "second CIPC_IOC_COMPLETE_ALL");
	expect_no_signal(sig, "after two complete_alls");
	close(wfd);
	close(afd);
}
END_TEST

/* write(2) signals too, in mode one and in mode all. */
START_TEST(test_signal_per_write)
{
	int sig = notify_sig(), afd, wfd;

	block_signal(sig);
	afd = async_open(0, O_RDONLY, getpid(), sig);
	wfd = chan_open(0, O_WRONLY);
	for (int i = 0; i < N_SIGNALS; i++)
		ck_assert_int_eq(ck_ok(write(wfd, "w", 1)), 1);
	ck_assert_int_eq(ck_ok(write(wfd, "", 0)), 0);
	for (int i = 0; i < N_SIGNALS + 1; i++)
		expect_signal(sig, POLL_IN, afd, "write in mode one");
	expect_no_signal(sig, "after the writes in mode one");
	ck_assert_uint_eq(get_done(afd), N_SIGNALS + 1);

	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));
	expect_no_signal(sig, "CIPC_IOC_SET_MODE");
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(ck_ok(write(wfd, "a", 1)), 1);
	for (int i = 0; i < 3; i++)
		expect_signal(sig, POLL_IN, afd, "write in mode all");
	expect_no_signal(sig, "after the writes in mode all");
	ck_assert_uint_eq(get_done(afd), DONE_ALL);
	close(wfd);
	close(afd);
}
END_TEST

/* Operations that signal nothing send nothing. */
START_TEST(test_no_signal_without_completion)
{
	int sig = notify_sig(), afd, fd;
	char big[MSG_BUF_SIZE];

	block_signal(sig);
	afd = async_open(0, O_RDONLY, getpid(), sig);
	fd = chan_open(0, O_RDWR);
	memset(big, 'b', sizeof(big));

	ck_ok(ioc_reinit(fd));
	ck_ok(ioc_reinit(fd));
	expect_no_signal(sig, "CIPC_IOC_REINIT");
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ONE));
	ck_fails(ioc_wait(fd, 10 * NS_PER_MS, NULL, 0, NULL), ETIMEDOUT);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert_uint_eq(get_done(fd), 0);
	get_info(fd);
	get_stats(fd);
	ck_ok(ioc_reset_stats(fd));
	expect_no_signal(sig, "mode changes, waits and queries");
	/* Rejected signals. */
	ck_fails(ioc_complete(fd, big, get_info(fd).msg_max + 1), EMSGSIZE);
	ck_fails(write(fd, big, get_info(fd).msg_max + 1), EMSGSIZE);
	ck_fails(ioc_complete(afd, NULL, 0), EBADF);
	ck_fails(ioc_complete_all(afd, NULL, 0), EBADF);
	expect_no_signal(sig, "rejected completes");
	ck_assert_uint_eq(get_done(fd), 0);
	/* A complete refused because the queue is full (EAGAIN). */
	{
		uint32_t depth = get_info(fd).queue_depth;

		for (uint32_t i = 0; i < depth; i++) {
			ck_ok(ioc_complete(fd, "q", 1));
			expect_signal(sig, POLL_IN, afd, "COMPLETE, queued");
		}
		ck_fails(ioc_complete(fd, "q", 1), EAGAIN);
		ck_fails(write(fd, "q", 1), EAGAIN);
		expect_no_signal(sig, "completes refused, queue full");
		ck_ok(ioc_reinit(fd));
		expect_no_signal(sig, "CIPC_IOC_REINIT of a full queue");
	}
	/* Consuming a count sends nothing either. */
	ck_ok(ioc_complete(fd, NULL, 0));
	expect_signal(sig, POLL_IN, afd, "CIPC_IOC_COMPLETE");
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	expect_no_signal(sig, "CIPC_IOC_TRYWAIT");
	close(fd);
	close(afd);
}
END_TEST

START_TEST(test_no_signal_after_clearing_o_async)
{
	int sig = notify_sig(), afd, wfd;

	block_signal(sig);
	afd = async_open(0, O_RDONLY, getpid(), sig);
	wfd = chan_open(0, O_WRONLY);
	ck_ok(ioc_complete(wfd, NULL, 0));
	expect_signal(sig, POLL_IN, afd, "complete with O_ASYNC");
	set_async(afd, false);
	ck_ok(ioc_complete(wfd, NULL, 0));
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	ck_assert_int_eq(ck_ok(write(wfd, "x", 1)), 1);
	expect_no_signal(sig, "signals after clearing O_ASYNC");
	set_async(afd, true);
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	expect_signal(sig, POLL_IN, afd, "complete_all with O_ASYNC again");
	expect_no_signal(sig, "after one complete_all");
	/* Closed: nothing more. */
	close(afd);
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	expect_no_signal(sig, "complete_all after closing the O_ASYNC file");
	close(wfd);
}
END_TEST

/* Without F_SETSIG: SIGIO (standard: several may merge into one). */
START_TEST(test_plain_sigio)
{
	int afd, wfd;
	siginfo_t si;

	block_signal(SIGIO);
	afd = async_open(0, O_RDONLY, getpid(), 0);
	wfd = chan_open(0, O_WRONLY);
	expect_no_signal(SIGIO, "setting O_ASYNC");
	ck_ok(ioc_complete(wfd, NULL, 0));
	ck_assert_msg(next_signal(SIGIO, &si, RELEASE_MS),
		      "no SIGIO after a complete");
	ck_assert_int_eq(si.si_signo, SIGIO);
	expect_no_signal(SIGIO, "after one complete");
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	ck_ok(ioc_complete_all(wfd, NULL, 0));
	ck_assert_msg(next_signal(SIGIO, &si, RELEASE_MS),
		      "no SIGIO after complete_all");
	ck_ok(ioc_reinit(wfd));
	expect_no_signal(SIGIO, "after a reinit");
	close(wfd);
	close(afd);
}
END_TEST

/* Removal: one POLL_HUP per O_ASYNC file, then silence. */
START_TEST(test_hup_on_remove)
{
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
	int sig = notify_sig(), afd, afd2, wfd;
	siginfo_t si[2];

	block_signal(sig);
	afd = async_open(c.index, O_RDONLY, getpid(), sig);
	afd2 = async_open(c.index, O_RDONLY, getpid(), sig);
	wfd = chan_open(c.index, O_WRONLY);
	ck_ok(ioc_complete(wfd, NULL, 0));
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(next_signal(sig, &si[i], RELEASE_MS),
			      "complete on an added channel: signal %d of 2 "
			      "missing", i + 1);
		ck_assert_int_eq(si[i].si_code, POLL_IN);
	}
	ck_assert_msg((si[0].si_fd == afd && si[1].si_fd == afd2) ||
		      (si[0].si_fd == afd2 && si[1].si_fd == afd),
		      "si_fd %d and %d, expected %d and %d", si[0].si_fd,
		      si[1].si_fd, afd, afd2);
	expect_no_signal(sig, "after one complete");

	chan_remove(c.index);
	for (int i = 0; i < 2; i++) {
		ck_assert_msg(next_signal(sig, &si[i], RELEASE_MS),
			      "removal: POLL_HUP %d of 2 missing", i + 1);
		ck_assert_msg(si[i].si_code == POLL_HUP, "removal: si_code %d, "
			      "expected POLL_HUP", si[i].si_code);
		ck_assert_msg(si[i].si_band & POLLHUP, "removal: si_band "
			      "%#lx", (unsigned long)si[i].si_band);
	}
	ck_assert_msg((si[0].si_fd == afd && si[1].si_fd == afd2) ||
		      (si[0].si_fd == afd2 && si[1].si_fd == afd),
		      "POLL_HUP si_fd %d and %d, expected %d and %d",
		      si[0].si_fd, si[1].si_fd, afd, afd2);
	expect_no_signal(sig, "after the removal's POLL_HUPs");
	ck_fails(ioc_complete(wfd, NULL, 0), ENODEV);
	close(afd);
	close(afd2);
	close(wfd);
	expect_no_signal(sig, "closing the removed channel's files");
}
END_TEST

/* What the owner child received. */
struct owner_report {
	int32_t count;
	int32_t code[2 * N_SIGNALS];
	int32_t fd[2 * N_SIGNALS];
	int32_t err;
};

/*
 * The owner is another process, which does not signal: it gets one signal
 * per complete/complete_all, the signalling process none.
 */
START_TEST(test_signal_to_other_owner)
{
	int sig = notify_sig(), ready[2], rep[2], afd, status;
	struct owner_report r;
	pid_t child, self = getpid();
	char c;

	block_signal(sig);	/* inherited: the child blocks it too */
	ck_ok(pipe2(ready, O_CLOEXEC));
	ck_ok(pipe2(rep, O_CLOEXEC));
	child = fork();
	ck_assert_msg(child >= 0, "fork: %s", errname(errno));
	if (child == 0) {
		struct timespec ts = { .tv_sec = SETTLE_MS / 1000 };
		sigset_t set;
		siginfo_t si;

		child_init(self);
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_BLOCK, &set, NULL);
		close(ready[0]);
		close(rep[0]);
		memset(&r, 0, sizeof(r));
		if (write(ready[1], "r", 1) != 1)
			_exit(3);
		/* N_SIGNALS + 1 expected; wait a little for extras. */
		while (r.count < 2 * N_SIGNALS) {
			int s = sigtimedwait(&set, &si, &ts);

			if (s < 0 && errno == EINTR)
				continue;
			if (s < 0) {
				r.err = errno == EAGAIN ? 0 : errno;
				break;
			}
			r.code[r.count] = si.si_code;
			r.fd[r.count] = si.si_fd;
			r.count++;
			if (r.count >= N_SIGNALS + 1) {
				ts.tv_sec = 0;
				ts.tv_nsec = QUIET_MS * 1000000L;
			}
		}
		_exit(write_all(rep[1], &r, sizeof(r)) == 0 ? 0 : 4);
	}
	close(ready[1]);
	close(rep[1]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	/* Opened after the fork: the owner does not even have this file. */
	afd = async_open(0, O_RDWR, child, sig);
	for (int i = 0; i < N_SIGNALS; i++)
		ck_ok(ioc_complete(afd, NULL, 0));
	ck_ok(ioc_complete_all(afd, NULL, 0));

	status = reap_pid(child, SETTLE_MS + RELEASE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "owner process: status %#x", (unsigned int)status);
	ck_assert_int_eq(read(rep[0], &r, sizeof(r)), sizeof(r));
	ck_assert_msg(r.err == 0, "owner: sigtimedwait: %s", errname(r.err));
	ck_assert_msg(r.count == N_SIGNALS + 1, "the owner got %d signals, "
		      "expected %d", r.count, N_SIGNALS + 1);
	for (int i = 0; i < r.count; i++)
		ck_assert_msg(r.code[i] == POLL_IN && r.fd[i] == afd,
			      "owner's signal %d: si_code %d si_fd %d, expected "
			      "POLL_IN and %d", i, r.code[i], r.fd[i], afd);
	expect_no_signal(sig, "the signalling process (not the owner)");
	close(afd);
	close(ready[0]);
	close(rep[0]);
}
END_TEST

Suite *notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = ctl_tcase("notify", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_signal_per_complete);
	tcase_add_test(tc, test_signal_per_complete_all);
	tcase_add_test(tc, test_signal_per_write);
	tcase_add_test(tc, test_no_signal_without_completion);
	tcase_add_test(tc, test_no_signal_after_clearing_o_async);
	tcase_add_test(tc, test_plain_sigio);
	tcase_add_test(tc, test_hup_on_remove);
	tcase_add_test(tc, test_signal_to_other_owner);
	suite_add_tcase(s, tc);
	return s;
}
