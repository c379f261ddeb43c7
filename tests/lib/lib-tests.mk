# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/lib-tests.mk - the test programs of libcipc. Included by the
# top-level Makefile after lib/lib.mk (it uses its CIPC_LIB_* variables),
# with TOP and BUILD set as for lib.mk. It leaves the includer's default
# goal alone; every variable it sets starts with CIPC_LIB_ (CIPC_LIB_T_ for its
# internal ones).
#
#   $(BUILD)/tests/host/cipc-lib-unit       host tests, no driver needed,
#                                           linked with libcipc.so
#   $(BUILD)/tests/host/asan/cipc-lib-unit  the same, with the library's
#                                           sources, -fsanitize=address,undefined
#   $(BUILD)/tests/cipc-lib-tests           every call against the driver:
#                                           runs in the VM, as root, module
#                                           loaded; test_lib_vm.c,
#                                           test_lib_msg.c,
#                                           test_lib_msgctl.c and libvm.c,
#                                           linked with libcipc.a and
#                                           tests/common/vmutil.c; runs both
#                                           example programs
#   check-lib-host   phony: the man pages, then the host tests twice: the
#                    sanitizer build, and the shared-library build under
#                    valgrind (any error or leak fails)
#   check-lib-vm     phony: cipc-lib-tests in a VM on CIPC_LIB_KERNEL
#                    (default 6.12; build/mod/$(CIPC_LIB_KERNEL)/cipc.ko
#                    must be built: make module-6.12)

CIPC_LIB_T_SAVED_GOAL := $(.DEFAULT_GOAL)

ifndef CIPC_LIB_SO
$(error tests/lib/lib-tests.mk: include lib/lib.mk first)
endif

CIPC_LIB_T_DIR := $(TOP)/tests/lib
CIPC_LIB_T_COMMON := $(TOP)/tests/common
CIPC_LIB_T_HOST := $(BUILD)/tests/host
CIPC_LIB_UNIT := $(CIPC_LIB_T_HOST)/cipc-lib-unit
CIPC_LIB_UNIT_ASAN := $(CIPC_LIB_T_HOST)/asan/cipc-lib-unit
CIPC_LIB_TESTS := $(BUILD)/tests/cipc-lib-tests
CIPC_LIB_KERNEL ?= 6.12

CIPC_LIB_T_CHECK_CFLAGS := $$(pkg-config --cflags check)
CIPC_LIB_T_CHECK_LIBS := $$(pkg-config --libs check)
CIPC_LIB_T_CFLAGS = -std=gnu11 -Wall -Wextra -Werror $(CIPC_LIB_OPTFLAGS) \
	-pthread -D_GNU_SOURCE -I$(TOP)/uapi -I$(CIPC_LIB_DIR) \
	-I$(CIPC_LIB_T_COMMON) $(CIPC_LIB_T_CHECK_CFLAGS) $(CPPFLAGS)
CIPC_LIB_T_LDLIBS = -pthread $(CIPC_LIB_T_CHECK_LIBS)
CIPC_LIB_T_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

# Where the unit tests find what they check.
CIPC_LIB_T_PATHS := -DCIPC_LIBT_SO='"$(CIPC_LIB_SO)"' \
	-DCIPC_LIBT_LIBDIR='"$(CIPC_LIB_OUT)"' \
	-DCIPC_LIBT_HEADER='"$(CIPC_LIB_DIR)/cipc.h"' \
	-DCIPC_LIBT_HEADER_DIR='"$(CIPC_LIB_DIR)"' \
	-DCIPC_LIBT_MAP='"$(CIPC_LIB_DIR)/libcipc.map"' \
	-DCIPC_LIBT_VERSION_FILE='"$(TOP)/VERSION"' \
	-DCIPC_LIBT_MAN_DIR='"$(CIPC_LIB_DIR)/man"' \
	-DCIPC_LIBT_LIB_MK='"$(CIPC_LIB_DIR)/lib.mk"'

CIPC_LIB_T_UNIT_DEPS := $(CIPC_LIB_T_DIR)/test_lib_unit.c \
	$(CIPC_LIB_T_DIR)/libtest.h $(CIPC_LIB_T_DIR)/lib-tests.mk \
	$(CIPC_LIB_HDRS) $(CIPC_LIB_SO_LINKS) $(CIPC_LIB_PC) \
	$(CIPC_LIB_PC_INSTALL)

$(CIPC_LIB_UNIT): $(CIPC_LIB_T_UNIT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_T_CFLAGS) $(CIPC_LIB_T_PATHS) $(LDFLAGS) \
		-o $@ $< -L$(CIPC_LIB_OUT) -lcipc -Wl,-rpath,$(CIPC_LIB_OUT) \
		$(CIPC_LIB_T_LDLIBS)

# The library's objects again, instrumented, beside the test's.
CIPC_LIB_T_ASAN_OBJS := $(addprefix $(CIPC_LIB_T_HOST)/asan/obj/,$(CIPC_LIB_SRCS:.c=.o))

$(CIPC_LIB_T_ASAN_OBJS): $(CIPC_LIB_T_HOST)/asan/obj/%.o: $(CIPC_LIB_DIR)/%.c \
		$(CIPC_LIB_HDRS) $(CIPC_LIB_DIR)/lib.mk $(TOP)/VERSION | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_CFLAGS) $(CIPC_LIB_T_SAN) -c -o $@ $<

$(CIPC_LIB_UNIT_ASAN): $(CIPC_LIB_T_UNIT_DEPS) $(CIPC_LIB_T_ASAN_OBJS)
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_T_CFLAGS) $(CIPC_LIB_T_SAN) $(CIPC_LIB_T_PATHS) \
		$(LDFLAGS) -o $@ $< $(CIPC_LIB_T_ASAN_OBJS) $(CIPC_LIB_T_LDLIBS)

# The helpers shared with the other VM suites, built with these flags.
CIPC_LIB_T_VMUTIL := $(BUILD)/tests/lib/vmutil.o

$(CIPC_LIB_T_VMUTIL): $(CIPC_LIB_T_COMMON)/vmutil.c \
		$(CIPC_LIB_T_COMMON)/vmutil.h $(CIPC_LIB_T_DIR)/lib-tests.mk \
		| $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_T_CFLAGS) -c -o $@ $<

# Static: reaches the hidden test hook of lib/internal.h.
CIPC_LIB_T_VM_SRCS := $(addprefix $(CIPC_LIB_T_DIR)/,test_lib_vm.c \
	test_lib_msg.c test_lib_msgctl.c libvm.c)

$(CIPC_LIB_TESTS): $(CIPC_LIB_T_VM_SRCS) $(CIPC_LIB_T_DIR)/libtest.h \
		$(CIPC_LIB_T_DIR)/libvm.h \
		$(CIPC_LIB_T_DIR)/lib-tests.mk $(CIPC_LIB_HDRS) $(CIPC_LIB_A) \
		$(CIPC_LIB_EXAMPLES) $(CIPC_LIB_T_COMMON)/vmutil.h \
		$(CIPC_LIB_T_VMUTIL) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_T_CFLAGS) \
		-DCIPC_LIBT_EXAMPLE='"$(CIPC_LIB_EXAMPLE)"' \
		-DCIPC_LIBT_POLL_EXAMPLE='"$(CIPC_LIB_POLL_EXAMPLE)"' \
		$(LDFLAGS) -o $@ $(CIPC_LIB_T_VM_SRCS) $(CIPC_LIB_T_VMUTIL) \
		$(CIPC_LIB_A) $(CIPC_LIB_T_LDLIBS)

.PHONY: check-lib-host check-lib-vm

check-lib-host: check-lib-man $(CIPC_LIB_UNIT) $(CIPC_LIB_UNIT_ASAN)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:check_initialization_order=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(CIPC_LIB_UNIT_ASAN)
	CK_FORK=no valgrind -q --error-exitcode=1 --leak-check=full \
		--show-leak-kinds=definite,indirect,possible \
		--errors-for-leak-kinds=definite,indirect,possible \
		$(CIPC_LIB_UNIT)

check-lib-vm: $(CIPC_LIB_TESTS)
	cd $(TOP) && tests/vm/run --kernel $(CIPC_LIB_KERNEL) -- $(CIPC_LIB_TESTS)

.DEFAULT_GOAL := $(CIPC_LIB_T_SAVED_GOAL)
