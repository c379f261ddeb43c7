// SPDX-License-Identifier: GPL-2.0
/*
 * Suite "reinit_race": CIPC_IOC_REINIT right after CIPC_IOC_COMPLETE_ALL
 * must never lose a wake-up. RACE_WAITERS threads block on channel 0
 * (half with read(2), half with CIPC_IOC_WAIT; half on their own fd, half
 * on one shared fd); once all are counted as waiters, the main thread
 * issues COMPLETE_ALL (with a per-round message) immediately followed by
 * REINIT. Every waiter of every round must return success with that
 * round's message and generation; the REINIT must leave the channel empty
 * for the next round. Repeated RACE_ROUNDS times.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* also set by driver.mk */
#endif
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "suites.h"
#include "util.h"

#define RACE_WAITERS	32
#define RACE_ROUNDS	200
#define RACE_MSG_SIZE	16

struct race;

struct racer {
	struct race *race;
	unsigned int idx;
	int fd;
	bool use_read;
	/* Result of the last round it ran (under race->lock). */
	unsigned int round;
	long ret;
	int err;
	uint32_t msg_len;
	uint64_t generation;
	char msg[RACE_MSG_SIZE];
};

struct race {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int round;	/* round the racers must run, 0 = none yet */
	unsigned int finished;	/* racers done with the current round */
	bool stop;
	struct racer racer[RACE_WAITERS];
};

static void *racer_main(void *arg)
{
	struct racer *me = arg;
	struct race *race = me->race;
	unsigned int done_round = 0;

	for (;;) {
		struct cipc_wait w = { 0 };
		char msg[RACE_MSG_SIZE];
		unsigned int round;
		bool stop;
		long ret;
		int err;

		pthread_mutex_lock(&race->lock);
		while (race->round == done_round && !race->stop)
			pthread_cond_wait(&race->cond, &race->lock);
		round = race->round;
		stop = race->stop;
		pthread_mutex_unlock(&race->lock);
		if (stop)
			return NULL;

		memset(msg, 0, sizeof(msg));
		if (me->use_read) {
			ret = read(me->fd, msg, sizeof(msg));
			w.msg_len = ret > 0 ? (uint32_t)ret : 0;
		} else {
			ret = ioc_wait(me->fd, CIPC_TIMEOUT_FOREVER, msg,
				       sizeof(msg), &w);
		}
		err = ret < 0 ? errno : 0;

		pthread_mutex_lock(&race->lock);
		me->round = round;
		me->ret = ret;
		me->err = err;
		me->msg_len = w.msg_len;
		me->generation = w.generation;
		memcpy(me->msg, msg, sizeof(msg));
		race->finished++;
		pthread_cond_broadcast(&race->cond);
		pthread_mutex_unlock(&race->lock);
		done_round = round;
	}
}

/* Wait until every racer finished round r; false after timeout_ms. */
static bool race_wait_finished(struct race *race, unsigned int timeout_ms,
			       unsigned int *finished)
{
	struct timespec deadline;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&race->lock);
	while (race->finished < RACE_WAITERS && err == 0)
		err = pthread_cond_timedwait(&race->cond, &race->lock,
					     &deadline);
	*finished = race->finished;
	pthread_mutex_unlock(&race->lock);
	return *finished == RACE_WAITERS;
}

static void race_check_round(struct race *race, unsigned int round,
			     const char *msg, size_t len, uint64_t gen)
{
	for (unsigned int i = 0; i < RACE_WAITERS; i++) {
		const struct racer *r = &race->racer[i];

		ck_assert_msg(r->round == round, "round %u: waiter %u ran "
			      "round %u", round, i, r->round);
		ck_assert_msg(r->use_read ? r->ret == (long)len : r->ret == 0,
			      "round %u: waiter %u (%s) returned %ld (%s)",
			      round, i, r->use_read ? "read" : "WAIT", r->ret,
			      r->ret < 0 ? errname(r->err) : "-");
		ck_assert_msg(r->msg_len == len && !memcmp(r->msg, msg, len),
			      "round %u: waiter %u got message \"%.*s\", "
			      "expected \"%s\" (cleared by REINIT before the "
			      "waiter left?)", round, i, (int)r->msg_len,
			      r->msg, msg);
		if (!r->use_read)
			ck_assert_msg(r->generation == gen, "round %u: waiter "
				      "%u saw generation %llu, expected %llu",
				      round, i,
				      (unsigned long long)r->generation,
				      (unsigned long long)gen);
	}
}

START_TEST(test_complete_all_then_reinit)
{
	int fd = chan_open(0, O_RDWR);
	int shared_fd = chan_open(0, O_RDONLY);
	uint64_t gen0 = get_generation(fd), t_start = now_ms();
	struct race *race;
	pthread_t tid[RACE_WAITERS];
	struct cipc_stats s;
	size_t bytes_in = 0;

	if (!need_msg_max(fd, RACE_MSG_SIZE))
		return;
	race = calloc(1, sizeof(*race));
	ck_assert_ptr_nonnull(race);
	pthread_mutex_init(&race->lock, NULL);
	pthread_cond_init(&race->cond, NULL);
	for (unsigned int i = 0; i < RACE_WAITERS; i++) {
		struct racer *r = &race->racer[i];
		int err;

		r->race = race;
		r->idx = i;
		r->use_read = i % 2;
		r->fd = i % 4 < 2 ? chan_open(0, O_RDONLY) : shared_fd;
		err = pthread_create(&tid[i], NULL, racer_main, r);
		ck_assert_msg(err == 0, "pthread_create: %s", errname(err));
	}

	for (unsigned int round = 1; round <= RACE_ROUNDS; round++) {
		uint64_t gen = gen0 + round - 1;
		unsigned int finished;
		struct cipc_info info;
		char msg[RACE_MSG_SIZE];
		int len = snprintf(msg, sizeof(msg), "round-%03u", round);

		pthread_mutex_lock(&race->lock);
		race->finished = 0;
		race->round = round;
		pthread_cond_broadcast(&race->cond);
		pthread_mutex_unlock(&race->lock);

		ck_assert_msg(wait_waiters(fd, RACE_WAITERS, SETTLE_MS),
			      "round %u: only %u of %u waiters blocked", round,
			      get_waiters(fd), RACE_WAITERS);

		/* The race: nothing in between. */
		ck_ok(ioc_complete_all(fd, msg, (size_t)len));
		ck_ok(ioc_reinit(fd));
		bytes_in += (size_t)len;

		info = get_info(fd);
		ck_assert_msg(info.count == 0, "round %u: count %u after "
			      "REINIT", round, info.count);
		ck_assert_msg(info.generation == gen + 1, "round %u: "
			      "generation %llu after REINIT, expected %llu",
			      round, (unsigned long long)info.generation,
			      (unsigned long long)(gen + 1));
		ck_assert_msg(race_wait_finished(race, RELEASE_MS * 3,
						 &finished),
			      "round %u: %u of %u waiters released by "
			      "complete_all never returned (lost wake-up)",
			      round, RACE_WAITERS - finished, RACE_WAITERS);
		race_check_round(race, round, msg, (size_t)len, gen);
		ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS),
			      "round %u: waiters not back to 0", round);
	}

	pthread_mutex_lock(&race->lock);
	race->stop = true;
	pthread_cond_broadcast(&race->cond);
	pthread_mutex_unlock(&race->lock);
	for (unsigned int i = 0; i < RACE_WAITERS; i++)
		pthread_join(tid[i], NULL);

	s = get_stats(fd);
	ck_assert_uint_eq(s.complete_all, RACE_ROUNDS);
	ck_assert_uint_eq(s.reinit, RACE_ROUNDS);
	ck_assert_uint_eq(s.wait, RACE_ROUNDS * RACE_WAITERS);
	ck_assert_uint_eq(s.woken, RACE_ROUNDS * RACE_WAITERS);
	ck_assert_uint_eq(s.interrupted, 0);
	ck_assert_uint_eq(s.timeout, 0);
	ck_assert_uint_eq(s.bytes_in, bytes_in);
	ck_assert_uint_eq(s.bytes_out, bytes_in * RACE_WAITERS);
	expect_stats_invariant(&s);
	fprintf(stderr, "note: reinit_race: %d rounds x %d waiters in %llu ms\n",
		RACE_ROUNDS, RACE_WAITERS,
		(unsigned long long)(now_ms() - t_start));
	for (unsigned int i = 0; i < RACE_WAITERS; i++)
		if (race->racer[i].fd != shared_fd)
			close(race->racer[i].fd);
	close(shared_fd);
	pthread_cond_destroy(&race->cond);
	pthread_mutex_destroy(&race->lock);
	free(race);
	close(fd);
}
END_TEST

/* Waiters that arrive after the REINIT block until the next signal. */
START_TEST(test_waiters_after_reinit_block)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter before, after;
	uint64_t gen = get_generation(fd);
	int fd2;

	waiter_start_blocked(&before, &req, fd, 1);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	ck_ok(ioc_reinit(fd));
	ck_assert_int_eq(waiter_result(&before, RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(before.res.generation, gen);

	/*
	 * A file opened now: fd itself, open since before the complete_all
	 * and not waiting since, keeps its latch (suite "latch").
	 */
	fd2 = chan_open(0, O_RDWR);
	ck_fails(ioc_wait(fd2, 0, NULL, 0, NULL), ETIMEDOUT);
	ck_fails(ioc_trywait(fd2, NULL, 0, NULL), EAGAIN);
	close(fd2);
	waiter_start_blocked(&after, &req, fd, 1);
	waiter_expect_blocked(&after, BLOCKED_MS);
	ck_ok(ioc_complete(fd, NULL, 0));
	ck_assert_int_eq(waiter_result(&after, RELEASE_MS)->ret, 0);
	ck_assert_uint_eq(after.res.generation, gen + 1);
	waiter_end(&before);
	waiter_end(&after);
	close(fd);
}
END_TEST

/*
 * complete() to one of two waiters followed at once by REINIT: the released
 * one returns 0, the other stays blocked, the count is 0.
 */
START_TEST(test_complete_then_reinit)
{
	int fd = chan_open(0, O_RDWR);
	const struct waiter_req req = {
		.chan = 0, .op = WOP_WAIT, .timeout_ns = CIPC_TIMEOUT_FOREVER,
	};
	struct waiter w[2];

	for (unsigned int round = 0; round < 20; round++) {
		waiter_start_blocked(&w[0], &req, fd, 1);
		waiter_start_blocked(&w[1], &req, fd, 2);
		ck_ok(ioc_complete(fd, NULL, 0));
		ck_ok(ioc_reinit(fd));
		ck_assert_msg(waiter_poll(&w[0], RELEASE_MS) == WP_DONE,
			      "round %u: waiter released by complete() lost",
			      round);
		ck_assert_int_eq(w[0].res.ret, 0);
		waiter_expect_blocked(&w[1], round == 0 ? BLOCKED_MS : 0);
		ck_assert_uint_eq(get_done(fd), 0);
		ck_ok(ioc_complete(fd, NULL, 0));
		ck_assert_int_eq(waiter_result(&w[1], RELEASE_MS)->ret, 0);
		waiter_end(&w[0]);
		waiter_end(&w[1]);
		ck_assert_msg(wait_waiters(fd, 0, SETTLE_MS),
			      "round %u: waiters not back to 0", round);
	}
	close(fd);
}
END_TEST

/*
 * Waiters that wait again at once: while a REINIT drains, a returning waiter
 * arrives again and is held back; the next COMPLETE_ALL must still release
 * it, even if that waiter has not run since the REINIT let it in. Each
 * round waits until every thread is counted in `waiters`, then signals
 * COMPLETE_ALL + REINIT; every thread must come back every round. A driver
 * whose held waiters are not drained by the next REINIT loses one within a
 * few rounds (the wake-up is lost and the round times out).
 */
#define LOOP_THREADS	8
#define LOOP_ROUNDS	100

struct looper {
	int fd;
	pthread_mutex_t *lock;
	bool *stop;			/* under *lock */
	unsigned int returned;		/* successful waits, under *lock */
	int err;			/* first unexpected errno, 0 if none */
};

static void *looper_main(void *arg)
{
	struct looper *l = arg;

	for (;;) {
		struct cipc_wait w = { .timeout_ns = CIPC_TIMEOUT_FOREVER };
		int ret = ioctl(l->fd, CIPC_IOC_WAIT, &w);
		int err = errno;
		bool stop;

		pthread_mutex_lock(l->lock);
		if (ret == 0)
			l->returned++;
		else if (!l->err)
			l->err = err;
		stop = *l->stop;
		pthread_mutex_unlock(l->lock);
		if (stop || ret)
			return NULL;
	}
}

static unsigned int looper_returned(struct looper *l)
{
	unsigned int n;

	pthread_mutex_lock(l->lock);
	n = l->returned;
	pthread_mutex_unlock(l->lock);
	return n;
}

START_TEST(test_rewaiting_threads_reinit)
{
	int fd = chan_open(0, O_RDWR);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	bool stop = false;
	struct looper l[LOOP_THREADS];
	unsigned int seen[LOOP_THREADS];
	pthread_t t[LOOP_THREADS];

	for (unsigned int i = 0; i < LOOP_THREADS; i++) {
		l[i] = (struct looper){ .fd = fd, .lock = &lock, .stop = &stop };
		ck_assert_int_eq(pthread_create(&t[i], NULL, looper_main, &l[i]), 0);
	}
	for (unsigned int round = 0; round < LOOP_ROUNDS; round++) {
		uint64_t deadline = now_ms() + RELEASE_MS;

		ck_assert_msg(wait_waiters(fd, LOOP_THREADS, SETTLE_MS),
			      "round %u: threads not all waiting", round);
		for (unsigned int i = 0; i < LOOP_THREADS; i++)
			seen[i] = looper_returned(&l[i]);
		ck_ok(ioc_complete_all(fd, NULL, 0));
		ck_ok(ioc_reinit(fd));
		/* Each thread passes at least once; it may pass again if it
		 * came back before the reinit, and then blocks. */
		for (unsigned int i = 0; i < LOOP_THREADS; i++) {
			while (looper_returned(&l[i]) == seen[i]) {
				ck_assert_msg(now_ms() < deadline,
					      "round %u: thread %u, waiting when complete_all came, never returned (lost wake-up)",
					      round, i);
				sleep_ms(1);
			}
		}
	}
	pthread_mutex_lock(&lock);
	stop = true;
	pthread_mutex_unlock(&lock);
	ck_ok(ioc_complete_all(fd, NULL, 0));
	for (unsigned int i = 0; i < LOOP_THREADS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
		ck_assert_msg(!l[i].err, "thread %u: WAIT failed with %s", i,
			      errname(l[i].err));
	}
	close(fd);
}
END_TEST

Suite *reinit_race_suite(void)
{
	Suite *s = suite_create("reinit_race");
	TCase *tc = chan_tcase("reinit_race", RACE_TIMEOUT_S);

	tcase_add_test(tc, test_complete_all_then_reinit);
	tcase_add_test(tc, test_waiters_after_reinit_block);
	tcase_add_test(tc, test_complete_then_reinit);
	tcase_add_test(tc, test_rewaiting_threads_reinit);
	suite_add_tcase(s, tc);
	return s;
}
