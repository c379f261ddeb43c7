# tests/stress/stress.mk - build of cipc-stress, the stress program run in
# the test VM (tests/stress/README.md). Included by the top-level Makefile,
# which sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines $(BUILD)/tests/cipc-stress (also named by the variable
# CIPC_STRESS) and nothing else: every other name it sets starts with
# CIPC_ST_, and it leaves the includer's default goal alone.
#
# <linux/cipc.h> comes from $(TOP)/uapi, as for the driver suites; the
# module helpers from $(TOP)/tests/common/vmutil.c, compiled in.

CIPC_ST_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_ST_DIR  := $(TOP)/tests/stress
CIPC_STRESS  := $(BUILD)/tests/cipc-stress

CIPC_ST_CC     ?= $(CC)
CIPC_ST_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread \
	-D_GNU_SOURCE -I$(TOP)/uapi -I$(TOP)/tests/common
CIPC_ST_LDLIBS := -pthread

CIPC_ST_SRCS := $(addprefix $(CIPC_ST_DIR)/,main.c util.c kstate.c kill.c \
	removal.c reinit.c cycles.c faults.c inject.c hotpath.c) \
	$(TOP)/tests/common/vmutil.c
CIPC_ST_HDRS := $(CIPC_ST_DIR)/stress.h $(CIPC_ST_DIR)/faults.h \
	$(TOP)/tests/common/vmutil.h \
	$(TOP)/uapi/linux/cipc.h

$(CIPC_STRESS): $(CIPC_ST_SRCS) $(CIPC_ST_HDRS) $(CIPC_ST_DIR)/stress.mk \
		| $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_ST_CC) $(CIPC_ST_CFLAGS) -o $@ $(CIPC_ST_SRCS) $(CIPC_ST_LDLIBS)

.DEFAULT_GOAL := $(CIPC_ST_SAVED_GOAL)
