/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The suites of cipc-driver-tests. Suite "X" lives in test_X.c; main.c runs
 * them in the order of this list (params last: it reloads the module).
 */
#ifndef CIPC_DRIVER_TESTS_SUITES_H
#define CIPC_DRIVER_TESTS_SUITES_H

#include <check.h>

Suite *basic_suite(void);	/* test_basic.c */
Suite *signal_suite(void);	/* test_signal.c: complete vs complete_all */
Suite *message_suite(void);	/* test_message.c */
Suite *queue_suite(void);	/* test_queue.c: the message FIFO, seq */
Suite *read_suite(void);	/* test_read.c: EINVAL/EFAULT, never 0 */
Suite *blocking_suite(void);	/* test_blocking.c */
Suite *deadline_suite(void);	/* test_deadline.c: ABSTIME, hrtimers */
Suite *signals_suite(void);	/* test_signals.c: POSIX signals vs waits */
Suite *poll_suite(void);	/* test_poll.c */
Suite *latch_suite(void);	/* test_latch.c: the per-file latch */
Suite *latch_drain_suite(void);	/* test_latch_drain.c: the latch while a reinit drains */
Suite *reinit_race_suite(void);	/* test_reinit_race.c */
Suite *badinput_suite(void);	/* test_badinput.c */
Suite *stats_suite(void);	/* test_stats.c */
Suite *limits_suite(void);	/* test_limits.c: queue_depth, max_waiters */
Suite *control_suite(void);	/* test_control.c: add/remove channels */
Suite *removal_suite(void);	/* test_removal.c: signal, then remove */
Suite *perm_suite(void);	/* test_perm.c: unprivileged users */
Suite *notify_suite(void);	/* test_notify.c: O_ASYNC signals */
Suite *trace_suite(void);	/* test_trace.c: tracefs events */
Suite *params_suite(void);	/* test_params.c: reloads the module */

#endif /* CIPC_DRIVER_TESTS_SUITES_H */
