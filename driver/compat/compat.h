/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every difference between the kernels cipc builds for, in one place,
 * driven by the -DCIPC_HAVE_* flags of compat/Kbuild.include, which probes
 * the target kernel's headers. The rest of the driver is written against
 * the newest API and includes this file through cipc.h.
 */
#ifndef CIPC_COMPAT_H
#define CIPC_COMPAT_H

/*
 * Since 6.4 the driver core takes a const struct class, and classes are
 * declared const; before, they could not be.
 */
#ifdef CIPC_HAVE_CONST_CLASS
#define cipc_class_const const
#else
#define cipc_class_const
#endif

/*
 * Since 6.13 an hrtimer gets its callback when it is set up; before, the
 * caller set timer->function after hrtimer_init_on_stack().
 */
#include <linux/hrtimer.h>

static inline void
cipc_hrtimer_setup_on_stack(struct hrtimer *timer,
			    enum hrtimer_restart (*fn)(struct hrtimer *),
			    clockid_t clock, enum hrtimer_mode mode)
{
#ifdef CIPC_HAVE_HRTIMER_SETUP
	hrtimer_setup_on_stack(timer, fn, clock, mode);
#else
	hrtimer_init_on_stack(timer, clock, mode);
	timer->function = fn;
#endif
}

#endif /* CIPC_COMPAT_H */
