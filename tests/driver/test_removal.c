// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "removal": a signal that released a waiter is not lost to a
 * CIPC_CTL_REMOVE that follows at once (issue 11, finding 3).
 *
 * A wait that had taken a count, or was released by complete_all(), before
 * its channel was removed succeeds with its message; the others fail with
 * ENODEV. The old driver failed every waiter still in the driver when the
 * removal came, so a COMPLETE that had returned 0 could be lost: the
 * signaller believed the message delivered, the reader saw ENODEV.
 *
 * Each round adds a channel, blocks waiters on it, signals and removes it
 * at once, as a program shutting a channel down after its last message.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define ROUNDS	20

/* One blocked reader (or waiter), COMPLETE with a message, REMOVE. */
START_TEST(test_complete_then_remove_delivers)
{
	for (unsigned int round = 0; round < ROUNDS; round++) {
		struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
		const struct waiter_req req = {
			.chan = c.index,
			.op = round % 2 ? WOP_WAIT : WOP_READ,
			.timeout_ns = CIPC_TIMEOUT_FOREVER,
		};
		const struct waiter_res *r;
		struct waiter w;
		char msg[16];
		int fd = chan_open(c.index, O_RDWR), len;

		len = snprintf(msg, sizeof(msg), "bye%u", round);
		waiter_start_blocked(&w, &req, fd, 1);
		ck_assert_msg(ioc_complete(fd, msg, (size_t)len) == 0,
			      "round %u: COMPLETE: %s", round, errname(errno));
		chan_remove(c.index);
		r = waiter_result(&w, RELEASE_MS);
		ck_assert_msg(r->ret == (req.op == WOP_READ ? len : 0),
			      "round %u: the %s released by a COMPLETE that "
			      "returned 0 before the removal got %lld (%s): "
			      "the message was lost", round,
			      req.op == WOP_READ ? "reader" : "waiter",
			      (long long)r->ret, errname(r->err));
		if (req.op == WOP_WAIT)
			ck_assert_uint_eq(r->msg_len, (unsigned int)len);
		ck_assert_msg(!memcmp(r->msg, msg, (size_t)len),
			      "round %u: got \"%.*s\", expected \"%s\"", round,
			      len, r->msg, msg);
		waiter_end(&w);
		/* The file of the removed channel: ENODEV from now on. */
		ck_fails(ioc_trywait(fd, NULL, 0, NULL), ENODEV);
		close(fd);
	}
}
END_TEST

/*
 * Two blocked readers, one COMPLETE, REMOVE: exactly one succeeds with
 * the message, the other fails with ENODEV (it had taken nothing).
 */
START_TEST(test_two_readers_one_complete_remove)
{
	for (unsigned int round = 0; round < ROUNDS; round++) {
		struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
		const struct waiter_req req = {
			.chan = c.index,
			.op = round % 2 ? WOP_WAIT : WOP_READ,
			.timeout_ns = CIPC_TIMEOUT_FOREVER,
		};
		unsigned int ok = 0, enodev = 0;
		struct waiter w[2];
		int fd = chan_open(c.index, O_RDWR);

		waiter_start_blocked(&w[0], &req, fd, 1);
		waiter_start_blocked(&w[1], &req, fd, 2);
		ck_ok(ioc_complete(fd, "one", 3));
		chan_remove(c.index);
		for (unsigned int i = 0; i < 2; i++) {
			const struct waiter_res *r =
				waiter_result(&w[i], RELEASE_MS);

			if (r->ret >= 0) {
				ck_assert_msg(r->ret == (req.op == WOP_READ ?
							 3 : 0) &&
					      !memcmp(r->msg, "one", 3),
					      "round %u: waiter %u got %lld "
					      "\"%.3s\"", round, i,
					      (long long)r->ret, r->msg);
				ok++;
			} else {
				ck_assert_msg(r->err == ENODEV, "round %u: "
					      "waiter %u failed with %s, "
					      "expected ENODEV", round, i,
					      errname(r->err));
				enodev++;
			}
		}
		ck_assert_msg(ok == 1 && enodev == 1, "round %u: %u waiters "
			      "succeeded and %u got ENODEV after one COMPLETE "
			      "and the removal; expected 1 and 1", round, ok,
			      enodev);
		waiter_end(&w[0]);
		waiter_end(&w[1]);
		close(fd);
	}
}
END_TEST

/* complete_all then REMOVE: every released waiter succeeds. */
START_TEST(test_complete_all_then_remove_delivers)
{
	for (unsigned int round = 0; round < ROUNDS / 2; round++) {
		struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
		const struct waiter_req reqs[3] = {
			{ .chan = c.index, .op = WOP_READ },
			{ .chan = c.index, .op = WOP_WAIT,
			  .timeout_ns = CIPC_TIMEOUT_FOREVER },
			{ .chan = c.index, .op = WOP_WAIT,
			  .timeout_ns = 60000 * NS_PER_MS },
		};
		struct waiter w[3];
		int fd = chan_open(c.index, O_RDWR);

		for (unsigned int i = 0; i < 3; i++)
			waiter_start_blocked(&w[i], &reqs[i], fd, i + 1);
		ck_ok(ioc_complete_all(fd, "all", 3));
		chan_remove(c.index);
		for (unsigned int i = 0; i < 3; i++) {
			const struct waiter_res *r =
				waiter_result(&w[i], RELEASE_MS);

			ck_assert_msg(r->ret >= 0, "round %u: waiter %u "
				      "released by complete_all before the "
				      "removal failed with %s", round, i,
				      errname(r->err));
			ck_assert_mem_eq(r->msg, "all", 3);
			waiter_end(&w[i]);
		}
		close(fd);
	}
}
END_TEST

/* Blocked waiters that no signal released still get ENODEV at once. */
START_TEST(test_remove_unreleased_enodev)
{
	struct cipc_ctl_channel c = chan_add(CHAN_ANY, 0);
	const struct waiter_req req = {
		.chan = c.index, .op = WOP_READ,
	};
	struct waiter w[2];
	int fd = chan_open(c.index, O_RDWR);
	uint64_t t0;

	/* Counts taken before the waiters came change nothing for them. */
	ck_ok(ioc_complete(fd, "x", 1));
	ck_ok(ioc_trywait(fd, NULL, 0, NULL));
	waiter_start_blocked(&w[0], &req, fd, 1);
	waiter_start_blocked(&w[1], &req, fd, 2);
	t0 = now_ns();
	chan_remove(c.index);
	for (unsigned int i = 0; i < 2; i++) {
		const struct waiter_res *r = waiter_result(&w[i], RELEASE_MS);

		ck_assert_msg(r->ret == -1 && r->err == ENODEV, "waiter %u: "
			      "%lld (%s), expected ENODEV", i,
			      (long long)r->ret, errname(r->err));
		ck_assert_uint_ge(r->t_end_ns, t0);
		waiter_end(&w[i]);
	}
	close(fd);
}
END_TEST

Suite *removal_suite(void)
{
	Suite *s = suite_create("removal");
	TCase *tc = ctl_tcase("removal", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_complete_then_remove_delivers);
	tcase_add_test(tc, test_two_readers_one_complete_remove);
	tcase_add_test(tc, test_complete_all_then_remove_delivers);
	tcase_add_test(tc, test_remove_unreleased_enodev);
	suite_add_tcase(s, tc);
	return s;
}
