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

#endif /* CIPC_COMPAT_H */
