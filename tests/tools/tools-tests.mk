# tests/tools/tools-tests.mk - tests of cipcctl. Included by the top-level
# Makefile after tools/tools.mk (whose rule builds $(BUILD)/tools/cipcctl);
# the includer sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines:
#   $(BUILD)/tests/host/cipc-tools-unit       host unit tests (Check)
#   $(BUILD)/tests/host/cipc-tools-unit-asan  the same, ASan + UBSan
#   $(BUILD)/tests/host/cipcctl-asan          cipcctl, ASan + UBSan
#   $(BUILD)/tests/cipc-tools-tests           the VM suite (Check): runs in
#                                             the guest, as root, with cipc
#                                             loaded (tests/vm/guest-check
#                                             runs every cipc-*-tests)
#   check-tools-host   phony: the unit tests under ASan/UBSan (against
#                      cipcctl-asan), then under valgrind (following
#                      cipcctl), on the host; no module needed. A sanitizer
#                      or valgrind error exits 99 in whichever process it
#                      happens: in cipcctl that fails the test that ran it
#                      (1 would pass for cipcctl's own error status), in
#                      the test binary it fails the target.
# Every other name it sets starts with CIPC_TT_, and it leaves the
# includer's default goal alone.

CIPC_TT_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_TT_DIR   := $(TOP)/tests/tools
CIPC_TT_COMMON := $(TOP)/tests/common
CIPC_TT_OUT   := $(BUILD)/tests/tools
CIPC_TT_HOST  := $(BUILD)/tests/host
CIPC_TT_CIPCCTL := $(BUILD)/tools/cipcctl

CIPC_TOOLS_UNIT       := $(CIPC_TT_HOST)/cipc-tools-unit
CIPC_TOOLS_UNIT_ASAN  := $(CIPC_TT_HOST)/cipc-tools-unit-asan
CIPC_TT_CIPCCTL_ASAN  := $(CIPC_TT_HOST)/cipcctl-asan
CIPC_TOOLS_TESTS      := $(BUILD)/tests/cipc-tools-tests

CIPC_TT_CC = $(CC)
CIPC_TT_CHECK_CFLAGS := $$(pkg-config --cflags check)
CIPC_TT_CHECK_LIBS   := $$(pkg-config --libs check)
CIPC_TT_KMOD_CFLAGS  := $$(pkg-config --cflags libkmod)
CIPC_TT_KMOD_LIBS    := $$(pkg-config --libs libkmod)
CIPC_TT_WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith
CIPC_TT_SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
# -O1: valgrind and the sanitizers report more precisely than at -O2.
CIPC_TT_CFLAGS = $(CIPC_TT_WARNFLAGS) -O1 -g -pthread -D_GNU_SOURCE \
	-I$(TOP)/tools -I$(TOP)/lib -I$(TOP)/uapi -I$(CIPC_TT_COMMON) \
	$(CIPC_TT_CHECK_CFLAGS) \
	-DCIPCCTL_PATH='"$(CIPC_TT_CIPCCTL)"' \
	-DCIPCCTL_VERSION='"$(CIPC_TOOLS_VERSION)"' \
	-DCIPCCTL_MAN='"$(TOP)/tools/cipcctl.1"' \
	-DCIPCCTL_COMPLETION='"$(TOP)/tools/cipcctl.bash-completion"'
CIPC_TT_LDLIBS = -pthread $(CIPC_TT_CHECK_LIBS)

CIPC_TT_HDRS := $(CIPC_TT_DIR)/run.h $(TOP)/tools/tools-common.h \
	$(TOP)/tools/json.h $(TOP)/tools/diagnose.h $(TOP)/lib/cipc.h \
	$(TOP)/uapi/linux/cipc.h

# The unit tests: test_unit.c, test_diagnose.c, run.c and the tools'
# tools-common.c, json.c, diagnose.c, built twice (plain for valgrind, and
# with the sanitizers); objects of tests/tools/X.c and tools/X.c go to one
# directory per variant.
CIPC_TT_UNIT_NAMES := test_unit.o test_diagnose.o run.o tools-common.o \
	json.o diagnose.o diagnose-access.o
CIPC_TT_UNIT_OBJS := $(addprefix $(CIPC_TT_OUT)/unit/,$(CIPC_TT_UNIT_NAMES))
CIPC_TT_ASAN_OBJS := $(addprefix $(CIPC_TT_OUT)/asan/,$(CIPC_TT_UNIT_NAMES))
CIPC_TT_CTL_OBJS  := $(addprefix $(CIPC_TT_OUT)/ctl-asan/,cipcctl.o \
	tools-common.o json.o diagnose.o diagnose-access.o)
# The VM suite also links the helpers shared with the other VM suites
# (tests/common/vmutil.c).
CIPC_TT_VM_OBJS   := $(addprefix $(CIPC_TT_OUT)/vm/,test_cipcctl_vm.o run.o \
	vmutil.o)
CIPC_TT_DEPS := $(CIPC_TT_HDRS) $(CIPC_TT_DIR)/tools-tests.mk

$(CIPC_TT_VM_OBJS): $(CIPC_TT_COMMON)/vmutil.h

$(CIPC_TT_OUT)/unit/%.o: $(CIPC_TT_DIR)/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/unit/%.o: $(TOP)/tools/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/vm/%.o: $(CIPC_TT_DIR)/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/vm/%.o: $(CIPC_TT_COMMON)/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/asan/%.o: $(CIPC_TT_DIR)/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) $(CIPC_TT_SANFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/asan/%.o: $(TOP)/tools/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) $(CIPC_TT_SANFLAGS) -c -o $@ $<

$(CIPC_TT_OUT)/ctl-asan/%.o: $(TOP)/tools/%.c $(CIPC_TT_DEPS) | $(BUILD)/.deps
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_WARNFLAGS) -O1 -g -D_GNU_SOURCE -I$(TOP)/lib \
		-DCIPCCTL_VERSION='"$(CIPC_TOOLS_VERSION)"' \
		$(CIPC_TT_KMOD_CFLAGS) $(CIPC_TT_SANFLAGS) -c -o $@ $<

$(CIPC_TOOLS_UNIT): $(CIPC_TT_UNIT_OBJS) | $(CIPC_TT_CIPCCTL)
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -o $@ $(CIPC_TT_UNIT_OBJS) \
		$(CIPC_TT_LDLIBS)

$(CIPC_TOOLS_UNIT_ASAN): $(CIPC_TT_ASAN_OBJS)
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) $(CIPC_TT_SANFLAGS) -o $@ \
		$(CIPC_TT_ASAN_OBJS) $(CIPC_TT_LDLIBS)

$(CIPC_TT_CIPCCTL_ASAN): $(CIPC_TT_CTL_OBJS) $(BUILD)/lib/libcipc.a
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_SANFLAGS) -o $@ $(CIPC_TT_CTL_OBJS) \
		$(BUILD)/lib/libcipc.a $(CIPC_TT_KMOD_LIBS)

$(CIPC_TOOLS_TESTS): $(CIPC_TT_VM_OBJS) | $(CIPC_TT_CIPCCTL)
	@mkdir -p $(@D)
	$(CIPC_TT_CC) $(CIPC_TT_CFLAGS) -o $@ $(CIPC_TT_VM_OBJS) \
		$(CIPC_TT_LDLIBS)

.PHONY: check-tools-host
check-tools-host: $(CIPC_TOOLS_UNIT) $(CIPC_TOOLS_UNIT_ASAN) \
		$(CIPC_TT_CIPCCTL_ASAN) $(CIPC_TT_CIPCCTL)
	@echo "== cipc-tools-unit under ASan/UBSan (cipcctl-asan)"
	CIPCCTL=$(CIPC_TT_CIPCCTL_ASAN) \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99 \
		$(CIPC_TOOLS_UNIT_ASAN)
	@echo "== cipc-tools-unit under valgrind (following cipcctl)"
	valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect \
		--trace-children=yes \
		--trace-children-skip='*python3*,*bash,*groff,*troff,*grotty' \
		$(CIPC_TOOLS_UNIT)

.DEFAULT_GOAL := $(CIPC_TT_SAVED_GOAL)
