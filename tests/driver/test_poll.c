// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "poll": poll(2) and epoll report EPOLLIN exactly when a wait would
 * not block (count > 0 or complete_all), EPOLLOUT always; a poll/epoll_wait
 * sleeping in one process is woken by a complete, complete_all or write
 * from another process (and not before); REINIT makes the channel
 * unreadable again.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define BAD_EVENTS (POLLERR | POLLHUP | POLLNVAL)

/*
 * How long poll/epoll_wait may sleep waiting for the other process, and
 * by when it must have been woken. poll() re-checks every fd once after
 * its timeout, so a missing wake-up shows only as a late return: the
 * signaller acts at most SETTLE_MS after we sleep, plus RELEASE_MS.
 */
#define WOKEN_TIMEOUT_MS	20000
#define WOKEN_WITHIN_MS		(SETTLE_MS + RELEASE_MS + 2000)

/* poll() once without sleeping; returns revents. */
static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLOUT };
	int r = poll(&pfd, 1, 0);

	ck_assert_msg(r >= 0, "poll: %s", errname(errno));
	return r ? pfd.revents : 0;
}

static void expect_readable(int fd, bool readable, const char *when)
{
	short ev = poll_now(fd);

	ck_assert_msg(!(ev & BAD_EVENTS), "%s: poll gave error events %#x",
		      when, (unsigned int)ev);
	ck_assert_msg(ev & POLLOUT, "%s: POLLOUT missing (revents %#x)", when,
		      (unsigned int)ev);
	ck_assert_msg(!!(ev & POLLIN) == readable,
		      "%s: POLLIN %s (revents %#x)", when,
		      readable ? "missing" : "set while a wait would block",
		      (unsigned int)ev);
}

/* An epoll instance watching fd for EPOLLIN | extra. */
static int epoll_for(int fd, uint32_t extra)
{
	struct epoll_event ev = { .events = EPOLLIN | extra, .data.fd = fd };
	int ep = ck_ok(epoll_create1(EPOLL_CLOEXEC));

	ck_ok(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	return ep;
}

/* epoll_wait(ep, timeout_ms): number of events, EPOLLIN checked if any. */
static int epoll_events(int ep, int timeout_ms)
{
	struct epoll_event ev[2];
	int n;

	n = epoll_wait(ep, ev, 2, timeout_ms);
	ck_assert_msg(n >= 0, "epoll_wait: %s", errname(errno));
	ck_assert_int_le(n, 1);
	if (n == 1)
		ck_assert_msg(ev[0].events & EPOLLIN, "event without EPOLLIN: "
			      "%#x", ev[0].events);
	return n;
}

START_TEST(test_poll_idle)
{
	int fd = chan_open(0, O_RDWR);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	expect_readable(fd, false, "idle channel");
	/* A bounded poll for POLLIN alone times out. */
	ck_assert_int_eq(ck_ok(poll(&pfd, 1, BLOCKED_MS)), 0);
	close(fd);
}
END_TEST

START_TEST(test_poll_complete_until_consumed)
{
	int fd = chan_open(0, O_RDWR);
	int rfd = chan_open(0, O_RDONLY);

	ck_ok(ioc_complete(fd, NULL, 0));
	ck_ok(ioc_complete(fd, NULL, 0));
	expect_readable(fd, true, "count 2");
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	expect_readable(fd, true, "count 1");
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	expect_readable(fd, false, "count back to 0");

	/* Same through write/read, on an O_RDONLY fd too. */
	ck_assert_int_eq(ck_ok(write(fd, "x", 1)), 1);
	ck_assert(poll_now(rfd) & POLLIN);
	expect_readable(fd, true, "after write");
	ck_assert_int_eq(ck_ok(read(rfd, (char[4]){ 0 }, 4)), 1);
	ck_assert(!(poll_now(rfd) & POLLIN));
	expect_readable(fd, false, "after read");
	close(rfd);
	close(fd);
}
END_TEST

START_TEST(test_poll_complete_all_until_reinit)
{
	int fd = chan_open(0, O_RDWR);

	ck_ok(ioc_complete_all(fd, NULL, 0));
	expect_readable(fd, true, "after complete_all");
	for (unsigned int i = 0; i < 3; i++)
		ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	expect_readable(fd, true, "complete_all, after waits");
	ck_ok(ioc_reinit(fd));
	expect_readable(fd, false, "after REINIT");

	/* Mode all: write(2) makes it readable for good, until REINIT. */
	ck_ok(ioc_set_mode(fd, CIPC_MODE_ALL));
	ck_assert_int_eq(ck_ok(write(fd, "a", 1)), 1);
	ck_assert_int_eq(ck_ok(read(fd, (char[4]){ 0 }, 4)), 1);
	expect_readable(fd, true, "write in mode all, after a read");
	ck_ok(ioc_reinit(fd));
	expect_readable(fd, false, "after the second REINIT");
	close(fd);
}
END_TEST

/*
 * poll() sleeping in this process; another process signals once we sleep.
 * Without a wake-up of the poll queue, poll() returns only at its timeout.
 */
static void poll_woken_by(enum signaller_op op)
{
	int fd = chan_open(0, O_RDWR);
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct signaller sig;
	uint64_t t0, dt;
	int r;

	expect_readable(fd, false, "before the other process signals");
	signaller_start(&sig, 0, op);
	t0 = now_ms();
	r = poll(&pfd, 1, WOKEN_TIMEOUT_MS);
	dt = now_ms() - t0;
	ck_assert_msg(r >= 0, "poll: %s", errname(errno));
	signaller_finish(&sig);
	ck_assert_msg(r == 1 && (pfd.revents & POLLIN),
		      "poll returned %d, revents %#x", r,
		      (unsigned int)pfd.revents);
	ck_assert_msg(dt < WOKEN_WITHIN_MS, "poll returned only after %llu ms: "
		      "not woken by the other process's signal",
		      (unsigned long long)dt);
	ck_assert_uint_ne(get_done(fd), 0);
	close(fd);
}

START_TEST(test_poll_woken_by_complete)
{
	poll_woken_by(SOP_COMPLETE);
}
END_TEST

START_TEST(test_poll_woken_by_complete_all)
{
	poll_woken_by(SOP_COMPLETE_ALL);
}
END_TEST

START_TEST(test_poll_woken_by_write)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	poll_woken_by(SOP_WRITE);
}
END_TEST

/* Same with epoll_wait() sleeping in this process. */
static void epoll_woken_by(enum signaller_op op)
{
	int fd = chan_open(0, O_RDONLY);
	int ep = epoll_for(fd, 0);
	struct signaller sig;
	uint64_t t0, dt;
	int n;

	/* Not before. */
	ck_assert_int_eq(epoll_events(ep, 0), 0);
	ck_assert_int_eq(epoll_events(ep, BLOCKED_MS), 0);

	signaller_start(&sig, 0, op);
	t0 = now_ms();
	n = epoll_events(ep, WOKEN_TIMEOUT_MS);
	dt = now_ms() - t0;
	signaller_finish(&sig);
	ck_assert_msg(n == 1 && dt < WOKEN_WITHIN_MS, "epoll_wait was not woken "
		      "by the other process (%d events after %llu ms)", n,
		      (unsigned long long)dt);
	ck_assert_uint_ne(get_done(fd), 0);
	close(ep);
	close(fd);
}

START_TEST(test_epoll_woken_by_complete)
{
	epoll_woken_by(SOP_COMPLETE);
}
END_TEST

START_TEST(test_epoll_woken_by_complete_all)
{
	epoll_woken_by(SOP_COMPLETE_ALL);
}
END_TEST

START_TEST(test_epoll_woken_by_write)
{
	REQUIRE_MSG_MAX(SHORT_MSG_MAX);
	epoll_woken_by(SOP_WRITE);
}
END_TEST

/* Level-triggered epoll follows the state: ready while count > 0. */
START_TEST(test_epoll_level_triggered)
{
	int fd = chan_open(0, O_RDWR);
	int ep = epoll_for(fd, 0);

	ck_assert_int_eq(epoll_events(ep, 0), 0);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(epoll_events(ep, 0), 1);
	ck_assert_int_eq(epoll_events(ep, 0), 1);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_int_eq(epoll_events(ep, 0), 0);

	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_assert_int_eq(epoll_events(ep, 0), 1);
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	ck_assert_int_eq(epoll_events(ep, 0), 1);
	ck_ok(ioc_reinit(fd));
	ck_assert_int_eq(epoll_events(ep, 0), 0);
	close(ep);
	close(fd);
}
END_TEST

/* Edge-triggered epoll gets a new event for every signal. */
START_TEST(test_epoll_edge_triggered)
{
	int fd = chan_open(0, O_RDWR);
	int ep = epoll_for(fd, EPOLLET);

	ck_assert_int_eq(epoll_events(ep, 0), 0);
	for (unsigned int i = 0; i < 3; i++) {
		ck_ok(ioc_complete(fd, NULL, 0));
		ck_assert_msg(epoll_events(ep, 0) == 1,
			      "no edge for complete() #%u", i + 1);
		ck_assert_int_eq(epoll_events(ep, 0), 0);
	}
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_assert_msg(epoll_events(ep, 0) == 1, "no edge for complete_all()");
	close(ep);
	close(fd);
}
END_TEST

Suite *poll_suite(void)
{
	Suite *s = suite_create("poll");
	TCase *tc = chan_tcase("poll", TEST_TIMEOUT_S);

	tcase_add_test(tc, test_poll_idle);
	tcase_add_test(tc, test_poll_complete_until_consumed);
	tcase_add_test(tc, test_poll_complete_all_until_reinit);
	tcase_add_test(tc, test_poll_woken_by_complete);
	tcase_add_test(tc, test_poll_woken_by_complete_all);
	tcase_add_test(tc, test_poll_woken_by_write);
	tcase_add_test(tc, test_epoll_woken_by_complete);
	tcase_add_test(tc, test_epoll_woken_by_complete_all);
	tcase_add_test(tc, test_epoll_woken_by_write);
	tcase_add_test(tc, test_epoll_level_triggered);
	tcase_add_test(tc, test_epoll_edge_triggered);
	suite_add_tcase(s, tc);
	return s;
}
