// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "latch": the latch of an open file (uapi/linux/cipc.h, "The latch
 * of an open file"). A file that last saw the channel not done before a
 * complete_all() sees that complete_all() even if a REINIT followed at
 * once:
 *
 *  - a poller sleeping in epoll_wait / poll / select on the file is woken
 *    and sees it readable, and the file's next non-blocking read(2) or
 *    TRYWAIT passes with CIPC_WAIT_ALL | CIPC_WAIT_LATCHED and that
 *    complete_all()'s message, generation and seq (40 rounds each);
 *  - an O_ASYNC file gets its signal, then passes the same way;
 *  - once per file, with the latest of several missed rounds;
 *  - not for a file opened after the complete_all + reinit, not for a file
 *    that already took the complete_all, not for complete() + REINIT.
 *
 * Every test first checks what the old driver got wrong through calls
 * whose ABI did not change (write(2) in mode all, CIPC_IOC_REINIT, a
 * non-blocking read(2), poll), so on a driver without the latch it fails
 * on the lost complete_all, not on an unknown ioctl. The fixture is
 * ABI-neutral for the same reason.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define LATCH_ROUNDS		40
/* How long the poller sleeps; a missing wake-up shows as a return then. */
#define POLLER_TIMEOUT_MS	500
/* It must have been woken well before (TCG wake-ups take 0.1 to 6 ms). */
#define POLLER_WOKEN_MS		400

/* ---- helpers ---------------------------------------------------------- */

static bool readable_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, 0);

	ck_assert_msg(r >= 0, "poll: %s", errname(errno));
	ck_assert_msg(!(pfd.revents & (POLLERR | POLLHUP | POLLNVAL)),
		      "poll: error events %#x", (unsigned int)pfd.revents);
	return r == 1 && (pfd.revents & POLLIN);
}

/* CIPC_IOC_INFO without asserting (-1 on the old ABI). */
static int info_raw(int fd, struct cipc_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioc_info(fd, info);
}

/*
 * The file's latched pass through read(2) on an O_NONBLOCK file: must
 * return msg (or "\n" for an empty/no message), then the latch is spent.
 */
static void expect_latched_read(int fd, const char *msg, const char *when)
{
	char buf[64];
	const char *want = msg && *msg ? msg : "\n";
	size_t wlen = strlen(want);
	ssize_t n;

	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	ck_assert_msg(n >= 0, "%s: non-blocking read(2) after complete_all "
		      "+ REINIT failed with %s: the complete_all was lost "
		      "(no latch)", when, errname(errno));
	ck_assert_msg((size_t)n == wlen && memcmp(buf, want, wlen) == 0,
		      "%s: latched read(2) returned %zd bytes \"%.*s\", "
		      "expected \"%s\"", when, n, (int)(n > 0 ? n : 0), buf,
		      want);
	ck_fails(read(fd, buf, sizeof(buf)), EAGAIN);
	ck_assert_msg(!readable_now(fd), "%s: still readable after the "
		      "latched read", when);
}

/*
 * The file's latched pass through TRYWAIT: result ALL | LATCHED (| MSG),
 * the complete_all's message, generation and seq; then the latch is spent.
 */
static void expect_latched_trywait(int fd, const char *msg, uint64_t gen,
				   uint64_t seq, const char *when)
{
	char buf[64];
	struct cipc_wait w;
	uint32_t want_res = CIPC_WAIT_ALL | CIPC_WAIT_LATCHED |
			    (msg ? CIPC_WAIT_MSG : 0);
	size_t len = msg ? strlen(msg) : 0;
	int r;

	memset(buf, 0, sizeof(buf));
	r = ioc_trywait(fd, buf, sizeof(buf), &w);
	ck_assert_msg(r == 0, "%s: TRYWAIT after complete_all + REINIT "
		      "failed with %s: the complete_all was lost (no latch)",
		      when, errname(errno));
	ck_assert_msg(w.result == want_res, "%s: latched TRYWAIT result %#x, "
		      "expected %#x", when, w.result, want_res);
	ck_assert_msg(w.msg_len == len && memcmp(buf, msg ? msg : "", len) == 0,
		      "%s: latched TRYWAIT got %u bytes \"%.*s\", expected "
		      "\"%s\"", when, w.msg_len, (int)w.msg_len, buf,
		      msg ? msg : "");
	ck_assert_msg(w.seq == seq, "%s: latched TRYWAIT seq %llu, expected "
		      "the complete_all's %llu", when,
		      (unsigned long long)w.seq, (unsigned long long)seq);
	ck_assert_msg(w.generation == gen, "%s: latched TRYWAIT generation "
		      "%llu, expected the complete_all's %llu", when,
		      (unsigned long long)w.generation,
		      (unsigned long long)gen);
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert_msg(!readable_now(fd), "%s: still readable after the "
		      "latched TRYWAIT", when);
}

/* ---- a poller thread sleeping in epoll_wait / poll / select ----------- */

enum mech { M_EPOLL, M_POLL, M_SELECT };
static const char *const mech_name[] = { "epoll_wait", "poll", "select" };

struct poller {
	int fd;
	int ep;			/* M_EPOLL */
	enum mech m;
	atomic_int tid;		/* set once it is about to sleep */
	atomic_bool finished;
	bool saw_idle;		/* its poll(0) saw the channel not done */
	int ret, err;
	bool readable;
	uint64_t dt_ms;
};

static void *poller_main(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	struct epoll_event ev;
	struct timeval tv;
	uint64_t t0;
	fd_set rfds;

	/* The file sees the channel not done here, whatever happens next. */
	p->saw_idle = poll(&pfd, 1, 0) == 0;
	atomic_store(&p->tid, (int)gettid());
	t0 = now_ms();
	switch (p->m) {
	case M_EPOLL:
		p->ret = epoll_wait(p->ep, &ev, 1, POLLER_TIMEOUT_MS);
		p->readable = p->ret == 1 && (ev.events & EPOLLIN);
		break;
	case M_POLL:
		p->ret = poll(&pfd, 1, POLLER_TIMEOUT_MS);
		p->readable = p->ret == 1 && (pfd.revents & POLLIN);
		break;
	case M_SELECT:
		FD_ZERO(&rfds);
		FD_SET(p->fd, &rfds);
		tv.tv_sec = 0;
		tv.tv_usec = POLLER_TIMEOUT_MS * 1000;
		p->ret = select(p->fd + 1, &rfds, NULL, NULL, &tv);
		p->readable = p->ret == 1 && FD_ISSET(p->fd, &rfds);
		break;
	}
	p->err = errno;
	p->dt_ms = now_ms() - t0;
	atomic_store(&p->finished, true);
	return NULL;
}

/* Until the poller thread sleeps (in its poll: nothing else blocks). */
static void poller_wait_asleep(struct poller *p)
{
	uint64_t deadline = now_ms() + SETTLE_MS;
	int tid;

	for (;;) {
		tid = atomic_load(&p->tid);
		if (tid > 0 && proc_state(tid) == 'S')
			return;
		/* Woken already (a spurious readiness): the checks say. */
		if (atomic_load(&p->finished))
			return;
		ck_assert_msg(now_ms() < deadline, "the %s thread never went "
			      "to sleep", mech_name[p->m]);
		sleep_ms(1);
	}
}

/*
 * LATCH_ROUNDS rounds: a thread sleeps in m on its own O_NONBLOCK file;
 * this thread does complete_all then REINIT at once; the poller must be
 * woken and see the file readable, and the file's next wait passes with
 * the latch. Even rounds: write(2) in mode all and read(2) (old ABI too);
 * odd rounds: CIPC_IOC_COMPLETE_ALL and TRYWAIT with seq and result.
 */
static void latch_rounds(enum mech m)
{
	int wfd = chan_open(0, O_RDWR);
	int fd = chan_open(0, O_RDONLY | O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int ep = -1;

	if (m == M_EPOLL) {
		ep = ck_ok(epoll_create1(EPOLL_CLOEXEC));
		ck_ok(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	}
	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));

	for (unsigned int r = 0; r < LATCH_ROUNDS; r++) {
		struct poller *p = calloc(1, sizeof(*p));
		struct cipc_info before;
		char msg[32], when[64];
		uint64_t seq = 0;
		bool have_info;
		pthread_t t;
		int err;

		ck_assert_ptr_nonnull(p);
		snprintf(msg, sizeof(msg), "%s-%u", mech_name[m], r);
		snprintf(when, sizeof(when), "%s round %u", mech_name[m], r);
		have_info = info_raw(wfd, &before) == 0;

		p->fd = fd;
		p->ep = ep;
		p->m = m;
		err = pthread_create(&t, NULL, poller_main, p);
		ck_assert_msg(err == 0, "pthread_create: %s", errname(err));
		poller_wait_asleep(p);

		if (r % 2 == 0) {
			ck_assert_int_eq(ck_ok(write(wfd, msg, strlen(msg))),
					 (int)strlen(msg));
		} else {
			ck_ok(ioc_complete_all_seq(wfd, msg, strlen(msg),
						   &seq));
		}
		ck_assert_msg(ioc_reinit(wfd) == 0, "%s: REINIT: %s", when,
			      errname(errno));

		pthread_join(t, NULL);
		ck_assert_msg(p->saw_idle, "%s: the channel was readable "
			      "before the complete_all", when);
		ck_assert_msg(p->ret >= 0, "%s: %s failed: %s", when,
			      mech_name[m], errname(p->err));
		ck_assert_msg(p->readable && p->dt_ms < POLLER_WOKEN_MS,
			      "%s: %s returned %d (readable %d) after %llu ms: "
			      "the poller was not woken to see the "
			      "complete_all that a REINIT followed", when,
			      mech_name[m], p->ret, p->readable,
			      (unsigned long long)p->dt_ms);
		free(p);
		/* Still readable: the poll did not spend the latch. */
		ck_assert_msg(readable_now(fd), "%s: not readable after the "
			      "poller was woken", when);

		if (r % 2 == 0) {
			expect_latched_read(fd, msg, when);
		} else {
			ck_assert_msg(have_info, "CIPC_IOC_INFO: %s",
				      errname(errno));
			ck_assert_uint_eq(seq, before.seq + 1);
			expect_latched_trywait(fd, msg, before.generation, seq,
					       when);
		}
	}
	if (ep >= 0)
		close(ep);
	close(fd);
	close(wfd);
}

START_TEST(test_latch_epoll)
{
	latch_rounds(M_EPOLL);
}
END_TEST

START_TEST(test_latch_poll)
{
	latch_rounds(M_POLL);
}
END_TEST

START_TEST(test_latch_select)
{
	latch_rounds(M_SELECT);
}
END_TEST

/*
 * O_ASYNC + F_SETSIG: another process does complete_all then REINIT; the
 * signal arrives, then the files' next waits pass with the latch.
 */
START_TEST(test_latch_sigio)
{
	const int sig = SIGRTMIN + 1;
	int f1 = chan_open(0, O_RDONLY | O_NONBLOCK);
	int f2 = chan_open(0, O_RDONLY);
	int fds[2] = { f1, f2 };
	bool got[2] = { false, false };
	struct cipc_info before;
	sigset_t set, old;
	bool have_info;
	pid_t parent = getpid(), pid;
	int status;

	sigemptyset(&set);
	sigaddset(&set, sig);
	ck_ok(sigprocmask(SIG_BLOCK, &set, &old));
	for (int i = 0; i < 2; i++) {
		ck_ok(fcntl(fds[i], F_SETOWN, getpid()));
		ck_ok(fcntl(fds[i], F_SETSIG, sig));
		ck_ok(fcntl(fds[i], F_SETFL,
			    fcntl(fds[i], F_GETFL) | O_ASYNC));
		ck_assert(!readable_now(fds[i]));
	}
	have_info = info_raw(f1, &before) == 0;

	pid = fork();
	ck_assert_msg(pid >= 0, "fork: %s", errname(errno));
	if (pid == 0) {
		int w;

		child_init(parent);
		w = chan_open_raw(0, O_RDWR);
		if (w < 0 || ioc_set_mode(w, CIPC_MODE_ALL) != 0 ||
		    write(w, "sigio", 5) != 5 || ioc_reinit(w) != 0)
			_exit(1);
		_exit(0);
	}
	status = reap_pid(pid, SETTLE_MS);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the signalling process failed (status %#x)",
		      (unsigned int)status);

	/* One POLL_IN per file, from the complete_all. */
	for (int n = 0; n < 2; n++) {
		struct timespec ts = { .tv_sec = SETTLE_MS / 1000 };
		siginfo_t si;
		int s = sigtimedwait(&set, &si, &ts);

		ck_assert_msg(s == sig, "signal %d of 2 from the complete_all "
			      "did not arrive: %s", n + 1, errname(errno));
		ck_assert_msg(si.si_code == POLL_IN, "si_code %d, expected "
			      "POLL_IN", si.si_code);
		ck_assert_msg(si.si_fd == f1 || si.si_fd == f2,
			      "si_fd %d is neither file", si.si_fd);
		got[si.si_fd == f2] = true;
	}
	ck_assert_msg(got[0] && got[1], "both signals named the same file");
	ck_ok(sigprocmask(SIG_SETMASK, &old, NULL));

	ck_assert_msg(readable_now(f1) && readable_now(f2),
		      "a file is not readable after complete_all + REINIT");
	expect_latched_read(f1, "sigio", "O_ASYNC file, read(2)");
	ck_assert_msg(have_info, "CIPC_IOC_INFO: %s", errname(errno));
	expect_latched_trywait(f2, "sigio", before.generation, before.seq + 1,
			       "O_ASYNC file, TRYWAIT");
	close(f2);
	close(f1);
}
END_TEST

/*
 * Several complete_all + REINIT rounds missed: one pass, with the latest.
 * A second wait does not pass; neither does poll.
 */
START_TEST(test_latch_once_latest)
{
	int wfd = chan_open(0, O_RDWR);
	int fa = chan_open(0, O_RDONLY | O_NONBLOCK);
	int fb = chan_open(0, O_RDONLY);
	uint64_t seq = 0, gen = 0;
	char msg[16];

	ck_assert(!readable_now(fa));
	ck_assert(!readable_now(fb));
	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));
	for (int i = 0; i < 3; i++) {
		struct cipc_info info;

		snprintf(msg, sizeof(msg), "m%d", i);
		if (info_raw(wfd, &info) == 0) {
			gen = info.generation;
			seq = info.seq + 1;
		}
		ck_assert_int_eq(ck_ok(write(wfd, msg, strlen(msg))),
				 (int)strlen(msg));
		ck_ok(ioc_reinit(wfd));
	}
	ck_assert_msg(readable_now(fa), "not readable after 3 missed "
		      "complete_all + REINIT rounds");
	/* read(2): the latest message, once (then EAGAIN). */
	expect_latched_read(fa, msg, "after 3 rounds, read(2)");
	expect_latched_trywait(fb, msg, gen, seq, "after 3 rounds, TRYWAIT");
	/* A latch spent is spent: a new round is needed for another pass. */
	ck_fails(read(fa, (char[8]){ 0 }, 8), EAGAIN);
	ck_fails(ioc_trywait(fb, NULL, 0, NULL), EAGAIN);
	close(fb);
	close(fa);
	close(wfd);
}
END_TEST

/* A file opened after complete_all + REINIT missed nothing. */
START_TEST(test_latch_not_for_late_opener)
{
	int wfd = chan_open(0, O_RDWR);
	int early = chan_open(0, O_RDONLY | O_NONBLOCK);
	int late, late_nb;

	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(wfd, "x", 1)), 1);
	ck_ok(ioc_reinit(wfd));
	late = chan_open(0, O_RDONLY);
	late_nb = chan_open(0, O_RDONLY | O_NONBLOCK);

	ck_assert_msg(!readable_now(late), "a file opened after complete_all "
		      "+ REINIT is readable");
	ck_fails(read(late_nb, (char[8]){ 0 }, 8), EAGAIN);
	/* The file that was open before does see it. */
	expect_latched_read(early, "x", "file opened before");
	ck_fails(ioc_trywait(late, NULL, 0, NULL), EAGAIN);
	ck_fails(ioc_wait(late, 0, NULL, 0, NULL), ETIMEDOUT);
	close(late_nb);
	close(late);
	close(early);
	close(wfd);
}
END_TEST

/*
 * A file whose wait already took the complete_all (in the "all" state)
 * does not pass again after the REINIT; one that did not, does.
 */
START_TEST(test_latch_not_after_taken)
{
	int wfd = chan_open(0, O_RDWR);
	int taker = chan_open(0, O_RDONLY | O_NONBLOCK);
	int idle = chan_open(0, O_RDONLY | O_NONBLOCK);
	char buf[8] = { 0 };
	struct cipc_wait w;

	ck_assert(!readable_now(taker));
	ck_assert(!readable_now(idle));
	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(wfd, "t", 1)), 1);
	ck_assert_int_eq(ck_ok(read(taker, buf, sizeof(buf))), 1);
	ck_assert_int_eq(buf[0], 't');
	ck_ok(ioc_reinit(wfd));

	ck_assert_msg(!readable_now(taker), "a file that took the "
		      "complete_all is readable again after REINIT");
	ck_fails(read(taker, buf, sizeof(buf)), EAGAIN);
	expect_latched_read(idle, "t", "file that did not take it");
	ck_fails(ioc_trywait(taker, NULL, 0, NULL), EAGAIN);

	/* Same with TRYWAIT as the taker: result ALL, not LATCHED. */
	ck_assert_int_eq(ck_ok(write(wfd, "u", 1)), 1);
	memset(buf, 0, sizeof(buf));
	ck_ok(ioc_trywait(taker, buf, sizeof(buf), &w));
	ck_assert_uint_eq(w.result, CIPC_WAIT_ALL | CIPC_WAIT_MSG);
	ck_assert_int_eq(buf[0], 'u');
	ck_ok(ioc_reinit(wfd));
	ck_fails(ioc_trywait(taker, NULL, 0, NULL), EAGAIN);
	close(idle);
	close(taker);
	close(wfd);
}
END_TEST

/* complete() + REINIT is not latched: the reinit discards counts. */
START_TEST(test_latch_not_for_complete)
{
	int wfd = chan_open(0, O_RDWR);
	int fd = chan_open(0, O_RDONLY | O_NONBLOCK);
	struct cipc_stats st;

	ck_assert(!readable_now(fd));
	ck_assert_int_eq(ck_ok(write(wfd, "c", 1)), 1);	/* mode one */
	ck_ok(ioc_reinit(wfd));
	ck_assert_msg(!readable_now(fd), "readable after complete + REINIT");
	ck_fails(read(fd, (char[8]){ 0 }, 8), EAGAIN);

	/* The same file then catches a complete_all + REINIT. */
	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(wfd, "a", 1)), 1);
	ck_ok(ioc_reinit(wfd));
	expect_latched_read(fd, "a", "complete_all after complete + REINIT");

	/* And again, through TRYWAIT: complete + REINIT is not latched. */
	ck_ok(ioc_set_mode(wfd, CIPC_MODE_ONE));
	ck_assert_int_eq(ck_ok(write(wfd, "d", 1)), 1);
	ck_ok(ioc_reinit(wfd));
	ck_fails(ioc_trywait(fd, NULL, 0, NULL), EAGAIN);
	ck_assert(!readable_now(fd));

	st = get_stats(wfd);
	ck_assert_uint_eq(st.discarded, 2);
	ck_assert_uint_eq(st.complete, 2);
	ck_assert_uint_eq(st.complete_all, 1);
	ck_assert_uint_eq(st.reinit, 3);
	close(fd);
	close(wfd);
}
END_TEST

Suite *latch_suite(void)
{
	Suite *s = suite_create("latch");
	TCase *tc = abi_neutral_tcase("latch", TEST_TIMEOUT_S);
	TCase *rounds = abi_neutral_tcase("latch_rounds", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_latch_sigio);
	tcase_add_test(tc, test_latch_once_latest);
	tcase_add_test(tc, test_latch_not_for_late_opener);
	tcase_add_test(tc, test_latch_not_after_taken);
	tcase_add_test(tc, test_latch_not_for_complete);
	suite_add_tcase(s, tc);
	tcase_add_test(rounds, test_latch_epoll);
	tcase_add_test(rounds, test_latch_poll);
	tcase_add_test(rounds, test_latch_select);
	suite_add_tcase(s, rounds);
	return s;
}
