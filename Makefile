# SPDX-License-Identifier: GPL-2.0
#
# cipc top-level Makefile. `make help` lists the targets.

TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD := $(TOP)/build
SHELL := /bin/bash

# The running kernel, or KVER=... / KDIR=... for another installed one.
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build

# Kernels of the test matrix (tests/vm/flavours); FLAVOURS="6.1" for one.
# The debug kernel (KASAN, lockdep...) is built from source, not part of it.
FLAVOURS ?= $(shell awk '!/^\#/ && NF && $$2 !~ /^src:/ { print $$1 }' $(TOP)/tests/vm/flavours)
# The kernel `make demo` boots.
DEMO_KERNEL ?= 6.12

CC ?= gcc
CFLAGS ?= -O2 -g
WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror

# The project's one version (module, libcipc, cipcctl, packages).
VERSION := $(file <$(TOP)/VERSION)

# Installation (make install): a source install goes to /usr/local; the
# Debian package passes PREFIX=/usr. LIBDIR defaults to the compiler's
# multiarch directory ($(PREFIX)/lib/x86_64-linux-gnu on Debian amd64),
# asked when an install recipe runs, not when make parses this file.
PREFIX ?= /usr/local
export PREFIX

# Debian packages `make` needs to build libcipc and cipcctl; `make` checks
# for them and names the command that installs what is missing.
BUILD_DEPS := build-essential pkgconf libkmod-dev
# Debian packages the project needs; `make deps` installs them, `make demo`
# and `make check` install what is missing first.
DEPS := $(BUILD_DEPS) check sparse kmod valgrind \
	python3 groff-base man-db \
	libelf-dev libssl-dev bc flex bison dwarves ccache cppcheck \
	qemu-system-x86 busybox-static cpio xz-utils zstd debootstrap shellcheck \
	udev util-linux \
	debhelper dh-dkms dpkg-dev lintian

.PHONY: all help userspace tests module module-% check check-host lint demo \
	check-debug check-stress \
	deps install uninstall dkms-install dkms-uninstall dkms-source \
	check-fresh check-packages check-install clean distclean

# Every compile rule has the deps stamp as an order-only prerequisite
# (CIPC_DEPS_STAMP): nothing is compiled before the packages are there.
# `make demo`, `make check*`, `make tests` and `make lint` install what is
# missing (build/.deps: the test programs need Check, lint shellcheck);
# `make`, `make install` and the rest only check for what libcipc and
# cipcctl need and name the command that installs it (build/.build-deps).
ifneq ($(filter demo check check-% tests userspace lint,$(MAKECMDGOALS)),)
CIPC_DEPS_STAMP := $(BUILD)/.deps
else
CIPC_DEPS_STAMP := $(BUILD)/.build-deps
endif

all: lib $(BUILD)/tools/cipcctl
	@if [ -d "$(KDIR)" ]; then $(MAKE) module; \
	else echo "make: no kernel headers in $(KDIR): module not built" \
		"(install linux-headers-$(KVER), or KVER=/KDIR=)"; fi

help:
	@echo "make              libcipc, cipcctl, and cipc.ko for the running kernel"
	@echo "make install      libcipc, cipcctl, headers, man pages, udev rule (PREFIX=$(PREFIX), DESTDIR)"
	@echo "make dkms-install the module's source into /usr/src/cipc-$(VERSION), built and installed by DKMS"
	@echo "make dkms-uninstall  remove it from DKMS and /usr/src"
	@echo "make tests        the test programs"
	@echo "make module       cipc.ko for KVER=$(KVER) (KDIR=$(KDIR))"
	@echo "make module-F     cipc.ko for a test kernel F: $(FLAVOURS)"
	@echo "make demo         boot a throwaway VM ($(DEMO_KERNEL)) and show a waiter released"
	@echo "make check        lint, then every suite on every kernel: $(FLAVOURS)"
	@echo "make check-debug  every suite on the debug kernel (KASAN, lockdep...; built once: ~40 min cold)"
	@echo "make check-stress kill storms, removal under load, load/unload cycles, fault injection"
	@echo "                  and the seeded fuzzer on every kernel and the debug kernel"
	@echo "make check-host   the library's and cipcctl's tests that need no module"
	@echo "make check-fresh  README's make demo, as a sudo user, on a fresh Debian 12 (chroot; root)"
	@echo "make check-packages  the packages installed, built by DKMS, loaded, booted, purged (root)"
	@echo "make deb          the Debian packages, into build/deb/"
	@echo "make lint         checkpatch --strict on the driver and uapi, shellcheck, cppcheck and"
	@echo "                  gcc -fanalyzer on libcipc and cipcctl"
	@echo "make deps         install the Debian packages the project needs"

include $(TOP)/lib/lib.mk
include $(TOP)/tools/tools.mk
include $(TOP)/tests/driver/driver.mk
include $(TOP)/tests/lib/lib-tests.mk
include $(TOP)/tests/tools/tools-tests.mk
include $(TOP)/tests/measure/measure.mk
include $(TOP)/tests/fuzz/fuzz.mk
include $(TOP)/tests/stress/stress.mk

# The library, cipcctl, and the suites that run in the test VMs.
tests: $(BUILD)/tests/cipc-driver-tests $(BUILD)/tests/cipc-lib-tests \
	$(BUILD)/tests/cipc-tools-tests $(BUILD)/tests/cipc-measure \
	$(BUILD)/tests/cipc-fuzz $(BUILD)/tests/cipc-stress
userspace: all tests

module:
	@test -d "$(KDIR)" || { echo "make: no kernel headers in $(KDIR)" \
		"(install linux-headers-$(KVER))" >&2; exit 1; }
	$(TOP)/scripts/build-module --kdir $(KDIR) $(BUILD)/mod/host

module-%: $(BUILD)/.deps
	$(TOP)/scripts/build-module $*

lint: $(BUILD)/.deps
	$(TOP)/scripts/checkpatch $(wildcard $(TOP)/driver/*.[ch]) \
		$(TOP)/driver/compat/compat.h $(TOP)/uapi/linux/cipc.h \
		| tee $(BUILD)/checkpatch.log
	@! grep -q '^[^ ]*:[0-9]*: ' $(BUILD)/checkpatch.log
	$(TOP)/scripts/check-debian-version
	$(TOP)/scripts/static-check
	shellcheck $(filter-out %.mk,$(wildcard $(TOP)/scripts/*)) $(TOP)/tests/check $(TOP)/tests/vm/kernel \
		$(TOP)/tests/vm/run $(TOP)/tests/vm/guest $(TOP)/tests/vm/guest-check \
		$(TOP)/tests/vm/guest-stress $(TOP)/tests/vm/debug-kernel $(TOP)/tests/vm/boot-flakes \
		$(TOP)/tests/udev/udev-rule-test $(TOP)/tests/abi/abi-doc-test \
		$(TOP)/tests/fresh/run \
		$(TOP)/tests/install/check \
		$(TOP)/.ci/run $(TOP)/debian/cipc-dkms.postinst $(TOP)/debian/cipc-dkms.postrm
	shellcheck -x $(TOP)/tests/packages/run $(TOP)/tests/packages/boot-check
	shellcheck -s bash $(TOP)/tools/cipcctl.bash-completion

# Host tests first (no module needed: under ASan/UBSan and valgrind), then
# every VM suite on every kernel.
check: $(BUILD)/.deps lint userspace check-host
	$(TOP)/tests/check $(FLAVOURS)

# Every suite on the debug kernel (tests/vm/debug-kernel builds it from
# linux-source-6.12 once per machine: about 40 minutes on 2 cores, cold).
# DEBUG_SUITES="cipc-driver-tests" for some of them (tests/vm/guest-check).
DEBUG_SUITES ?=
check-debug: $(BUILD)/.deps userspace
	CIPC_CHECK_SUITES="$(DEBUG_SUITES)" $(TOP)/tests/check debug

# The stress scenarios and the seeded fuzzer (tests/vm/guest-stress) on
# every kernel of the matrix and on the debug kernel; a table at the end.
STRESS_FLAVOURS ?= $(FLAVOURS) debug
check-stress: $(BUILD)/.deps userspace
	$(TOP)/tests/check --stress $(STRESS_FLAVOURS)

check-host: check-lib-host check-tools-host check-install

# make install/uninstall and dkms-source into a staging directory, and a
# program built against the staged libcipc (tests/install/check).
check-install: all check-lib-host check-tools-host
	$(TOP)/tests/install/check

# README's first command on a fresh machine: a debootstrap'd Debian 12 with
# only git, make and sudo, a clone of the committed HEAD, `make demo` as a
# user with sudo (tests/fresh/run; needs root, uses sudo otherwise).
check-fresh:
	$(TOP)/tests/fresh/run

# The Debian packages end to end (tests/packages/README.md); needs root.
check-packages: $(BUILD)/.deps
	$(TOP)/tests/packages/run

demo: $(BUILD)/.deps $(BUILD)/tools/cipcctl
	$(TOP)/scripts/build-module $(DEMO_KERNEL)
	$(TOP)/tests/vm/run --kernel $(DEMO_KERNEL) -- $(TOP)/scripts/demo

deps:
	$(TOP)/scripts/deps --install $(DEPS)
	@mkdir -p $(BUILD) && touch $(BUILD)/.deps $(BUILD)/.build-deps

# Installs what is missing (needs root or sudo) the first time, then only
# checks; the stamp is renewed when the package list changes.
$(BUILD)/.deps: $(TOP)/Makefile $(TOP)/scripts/deps
	$(TOP)/scripts/deps $(DEPS)
	@mkdir -p $(BUILD) && touch $@

$(BUILD)/.build-deps: $(TOP)/Makefile $(TOP)/scripts/deps
	$(TOP)/scripts/deps --check $(BUILD_DEPS)
	@mkdir -p $(BUILD) && touch $@

include $(TOP)/scripts/install.mk
include $(TOP)/scripts/deb.mk

# Keeps the kernel cache and build root (build/kernels/): distclean removes
# the whole build tree.
clean:
	rm -rf $(BUILD)/mod $(BUILD)/tests $(BUILD)/vm $(BUILD)/lib $(BUILD)/tools

# The build roots (tests/vm/kernel) are root's: removed with sudo if need be.
distclean:
	[ ! -d $(BUILD)/kernels ] || $(TOP)/tests/vm/kernel clean
	rm -rf $(BUILD)
