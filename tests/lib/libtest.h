/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the libcipc test suites (cipc-lib-unit on the host,
 * cipc-lib-tests in the VM): assertion macros that report the caller's
 * file:line and the errno by name, and the Check runner's main().
 */
#ifndef CIPC_LIB_TESTS_LIBTEST_H
#define CIPC_LIB_TESTS_LIBTEST_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

/* Name of an errno value ("EINVAL"), never NULL. */
static inline const char *errname(int err)
{
	const char *name = strerrorname_np(err);

	return name ? name : "E?";
}

/* The call must not return a negative value (or NULL); yields its result. */
#define ck_ok(call) ({							\
	errno = 0;							\
	__typeof__(call) ck_ok_r_ = (call);				\
	int ck_ok_e_ = errno;						\
	ck_assert_msg((long)ck_ok_r_ >= 0, "%s failed: %s (%s)", #call,	\
		      errname(ck_ok_e_), strerror(ck_ok_e_));		\
	ck_ok_r_;							\
})

#define ck_ok_ptr(call) ({						\
	errno = 0;							\
	__typeof__(call) ck_okp_r_ = (call);				\
	int ck_okp_e_ = errno;						\
	ck_assert_msg(ck_okp_r_ != NULL, "%s failed: %s (%s)", #call,	\
		      errname(ck_okp_e_), strerror(ck_okp_e_));		\
	ck_okp_r_;							\
})

/* The call must return -1 with errno == err. */
#define ck_fails(call, err) do {					\
	errno = 0;							\
	long ck_f_r_ = (long)(call);					\
	int ck_f_e_ = errno;						\
	ck_assert_msg(ck_f_r_ == -1 && ck_f_e_ == (err),		\
		      "%s: expected -1 with %s, got %ld (errno %s)",	\
		      #call, errname(err), ck_f_r_,			\
		      ck_f_r_ == -1 ? errname(ck_f_e_) : "-");		\
} while (0)

/* The call must return NULL with errno == err (a handle is closed). */
#define ck_fails_null(call, err) do {					\
	errno = 0;							\
	struct cipc_channel *ck_fn_r_ = (call);				\
	int ck_fn_e_ = errno;						\
	if (ck_fn_r_)							\
		cipc_channel_close(ck_fn_r_);				\
	ck_assert_msg(!ck_fn_r_ && ck_fn_e_ == (err),			\
		      "%s: expected NULL with %s, got %s (errno %s)",	\
		      #call, errname(err), ck_fn_r_ ? "a handle" : "NULL",\
		      errname(ck_fn_e_));				\
} while (0)

/*
 * The call must return NULL with errno == err; an object it returned
 * instead is released with freefn.
 */
#define ck_fails_ptr(call, err, freefn) do {				\
	errno = 0;							\
	__typeof__(call) ck_fp_r_ = (call);				\
	int ck_fp_e_ = errno;						\
	if (ck_fp_r_)							\
		freefn(ck_fp_r_);					\
	ck_assert_msg(!ck_fp_r_ && ck_fp_e_ == (err),			\
		      "%s: expected NULL with %s, got %s (errno %s)",	\
		      #call, errname(err), ck_fp_r_ ? "an object" : "NULL",\
		      errname(ck_fp_e_));				\
} while (0)

/*
 * Runs the suite, prints Check's report with the summary line last (where
 * scripts look for it), returns the exit status: 0 if every test passed.
 */
static inline int libtest_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* CIPC_LIB_TESTS_LIBTEST_H */
