# tests/fuzz/fuzz.mk - build of cipc-fuzz, the seeded fuzzer of the driver's
# user interface, run by hand in the test VM (tests/fuzz/README.md).
# Included by the top-level Makefile, which sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines $(BUILD)/tests/cipc-fuzz (also named by the variable CIPC_FUZZ)
# and nothing else: every other name it sets starts with CIPC_FZ_, and it
# leaves the includer's default goal alone.
#
# <linux/cipc.h> comes from $(TOP)/uapi, as for the driver suites.

CIPC_FZ_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_FZ_DIR := $(TOP)/tests/fuzz
CIPC_FUZZ   := $(BUILD)/tests/cipc-fuzz

CIPC_FZ_SRCS := main.c ops.c chanops.c fileops.c sysfs.c ctlops.c child.c \
	expect.c ptrs.c
CIPC_FZ_HDRS := $(CIPC_FZ_DIR)/fuzz.h $(CIPC_FZ_DIR)/worker.h \
	$(TOP)/uapi/linux/cipc.h

CIPC_FZ_CC     ?= $(CC)
CIPC_FZ_CFLAGS := -std=gnu11 -Wall -Wextra -Werror -O2 -g -pthread \
	-D_GNU_SOURCE -I$(TOP)/uapi
CIPC_FZ_LDLIBS := -pthread

$(CIPC_FUZZ): $(addprefix $(CIPC_FZ_DIR)/,$(CIPC_FZ_SRCS)) $(CIPC_FZ_HDRS) \
		$(CIPC_FZ_DIR)/fuzz.mk | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_FZ_CC) $(CIPC_FZ_CFLAGS) -o $@ \
		$(addprefix $(CIPC_FZ_DIR)/,$(CIPC_FZ_SRCS)) $(CIPC_FZ_LDLIBS)

.DEFAULT_GOAL := $(CIPC_FZ_SAVED_GOAL)
