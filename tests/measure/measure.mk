# tests/measure/measure.mk - build of cipc-measure, the measurement program
# run by hand in the test VM (tests/measure/README.md). Included by the
# top-level Makefile, which sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines $(BUILD)/tests/cipc-measure (also named by the variable
# CIPC_MEASURE) and nothing else: every other name it sets starts with
# CIPC_MS_, and it leaves the includer's default goal alone.
#
# <linux/cipc.h> comes from $(TOP)/uapi, as for the driver suites.

CIPC_MS_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_MS_DIR  := $(TOP)/tests/measure
CIPC_MEASURE := $(BUILD)/tests/cipc-measure

CIPC_MS_CC     ?= $(CC)
CIPC_MS_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread \
	-D_GNU_SOURCE -I$(TOP)/uapi
CIPC_MS_LDLIBS := -pthread

$(CIPC_MEASURE): $(CIPC_MS_DIR)/cipc-measure.c $(TOP)/uapi/linux/cipc.h \
		$(CIPC_MS_DIR)/measure.mk | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_MS_CC) $(CIPC_MS_CFLAGS) -o $@ $< $(CIPC_MS_LDLIBS)

.DEFAULT_GOAL := $(CIPC_MS_SAVED_GOAL)
