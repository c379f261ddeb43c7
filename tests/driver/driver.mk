# tests/driver/driver.mk - build of cipc-driver-tests, the Check suites of
# the cipc driver. Included by the top-level Makefile, which sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines $(BUILD)/tests/cipc-driver-tests (also named by the variable
# CIPC_DRIVER_TESTS) and nothing else: every other name it sets starts with
# CIPC_DT_, and it leaves the includer's default goal alone.
#
# <linux/cipc.h> comes from $(TOP)/uapi: -I$(TOP)/uapi can only shadow
# system headers that also exist under $(TOP)/uapi/linux/, i.e. cipc.h.

CIPC_DT_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_DT_DIR  := $(TOP)/tests/driver
CIPC_DT_OUT  := $(BUILD)/tests/driver
CIPC_DRIVER_TESTS := $(BUILD)/tests/cipc-driver-tests

CIPC_DT_SRCS := main.c util.c test_basic.c test_signal.c test_message.c \
	test_queue.c test_read.c test_blocking.c test_deadline.c \
	test_signals.c test_poll.c test_latch.c test_latch_drain.c test_reinit_race.c \
	test_badinput.c test_stats.c test_limits.c test_control.c \
	test_removal.c test_perm.c test_notify.c test_trace.c test_params.c
CIPC_DT_OBJS := $(addprefix $(CIPC_DT_OUT)/,$(CIPC_DT_SRCS:.c=.o))
# The helpers shared with the other VM suites, built with this suite's flags.
CIPC_DT_COMMON := $(TOP)/tests/common
CIPC_DT_COMMON_OBJS := $(CIPC_DT_OUT)/vmutil.o
CIPC_DT_HDRS := $(CIPC_DT_DIR)/util.h $(CIPC_DT_DIR)/suites.h \
	$(CIPC_DT_COMMON)/vmutil.h $(TOP)/uapi/linux/cipc.h

CIPC_DT_CC      ?= $(CC)
CIPC_DT_CFLAGS  := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread \
	-D_GNU_SOURCE -I$(TOP)/uapi -I$(CIPC_DT_COMMON) \
	-DCIPC_TEST_VERSION='"$(file <$(TOP)/VERSION)"' \
	$$(pkg-config --cflags check)
CIPC_DT_LDLIBS  := -pthread $$(pkg-config --libs check)

$(CIPC_DT_OBJS): $(CIPC_DT_OUT)/%.o: $(CIPC_DT_DIR)/%.c $(CIPC_DT_HDRS) \
		$(CIPC_DT_DIR)/driver.mk $(TOP)/VERSION | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_DT_CC) $(CIPC_DT_CFLAGS) -c -o $@ $<

$(CIPC_DT_COMMON_OBJS): $(CIPC_DT_OUT)/%.o: $(CIPC_DT_COMMON)/%.c \
		$(CIPC_DT_COMMON)/vmutil.h $(CIPC_DT_DIR)/driver.mk | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_DT_CC) $(CIPC_DT_CFLAGS) -c -o $@ $<

$(CIPC_DRIVER_TESTS): $(CIPC_DT_OBJS) $(CIPC_DT_COMMON_OBJS)
	@mkdir -p $(@D)
	$(CIPC_DT_CC) $(CIPC_DT_CFLAGS) -o $@ $(CIPC_DT_OBJS) \
		$(CIPC_DT_COMMON_OBJS) $(CIPC_DT_LDLIBS)

.DEFAULT_GOAL := $(CIPC_DT_SAVED_GOAL)
