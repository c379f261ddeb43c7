# tools/tools.mk - build and installation of cipcctl. Included by the
# top-level Makefile, which sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# Defines $(BUILD)/tools/cipcctl (also named by the variable CIPC_CIPCCTL)
# and the phony target install-tools; every other name it sets starts with
# CIPC_TOOLS_, and it leaves the includer's default goal alone.
#
# cipcctl links libcipc statically ($(BUILD)/lib/libcipc.a, whose rule is
# in lib/lib.mk) and libkmod dynamically (pkg-config libkmod).
#
# install-tools honours DESTDIR and PREFIX (default /usr/local):
#   $(DESTDIR)$(PREFIX)/bin/cipcctl
#   $(DESTDIR)$(PREFIX)/share/man/man1/cipcctl.1
#   $(DESTDIR)$(PREFIX)/share/bash-completion/completions/cipcctl

CIPC_TOOLS_SAVED_GOAL := $(.DEFAULT_GOAL)

# The project's one version (as lib/lib.mk).
CIPC_TOOLS_VERSION := $(shell cat $(TOP)/VERSION)
CIPC_TOOLS_DIR  := $(TOP)/tools
CIPC_TOOLS_OUT  := $(BUILD)/tools
CIPC_CIPCCTL    := $(CIPC_TOOLS_OUT)/cipcctl
CIPC_TOOLS_LIBCIPC := $(BUILD)/lib/libcipc.a

CIPC_TOOLS_SRCS := cipcctl.c tools-common.c json.c diagnose.c \
	diagnose-access.c
CIPC_TOOLS_OBJS := $(addprefix $(CIPC_TOOLS_OUT)/obj/,$(CIPC_TOOLS_SRCS:.c=.o))
CIPC_TOOLS_HDRS := $(CIPC_TOOLS_DIR)/tools-common.h $(CIPC_TOOLS_DIR)/json.h \
	$(CIPC_TOOLS_DIR)/diagnose.h \
	$(TOP)/lib/cipc.h

# CFLAGS (default -O2 -g), CPPFLAGS and LDFLAGS of the environment are
# honoured; the warning flags and -Werror are not optional.
CIPC_TOOLS_CC = $(CC)
CIPC_TOOLS_KMOD_CFLAGS := $$(pkg-config --cflags libkmod)
CIPC_TOOLS_KMOD_LIBS   := $$(pkg-config --libs libkmod)
CIPC_TOOLS_WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wformat=2
CIPC_TOOLS_OPTFLAGS = $(if $(strip $(CFLAGS)),$(CFLAGS),-O2 -g)
CIPC_TOOLS_CPPFLAGS = -D_GNU_SOURCE -I$(TOP)/lib \
	-DCIPCCTL_VERSION='"$(CIPC_TOOLS_VERSION)"' $(CIPC_TOOLS_KMOD_CFLAGS) \
	$(CPPFLAGS)
CIPC_TOOLS_CFLAGS = $(CIPC_TOOLS_WARNFLAGS) $(CIPC_TOOLS_OPTFLAGS) \
	$(CIPC_TOOLS_CPPFLAGS)

# Installation: DESTDIR and PREFIX (default /usr/local, as lib/lib.mk); the
# directories may be overridden one by one.
CIPC_TOOLS_PREFIX = $(if $(PREFIX),$(PREFIX),/usr/local)
CIPC_TOOLS_BINDIR ?= $(CIPC_TOOLS_PREFIX)/bin
CIPC_TOOLS_MAN1DIR ?= $(CIPC_TOOLS_PREFIX)/share/man/man1
CIPC_TOOLS_COMPDIR ?= $(CIPC_TOOLS_PREFIX)/share/bash-completion/completions

$(CIPC_TOOLS_OBJS): $(CIPC_TOOLS_OUT)/obj/%.o: $(CIPC_TOOLS_DIR)/%.c \
		$(CIPC_TOOLS_HDRS) $(CIPC_TOOLS_DIR)/tools.mk $(TOP)/VERSION \
		| $(CIPC_DEPS_STAMP)
	@mkdir -p $(@D)
	$(CIPC_TOOLS_CC) $(CIPC_TOOLS_CFLAGS) -c -o $@ $<

$(CIPC_CIPCCTL): $(CIPC_TOOLS_OBJS) $(CIPC_TOOLS_LIBCIPC)
	@mkdir -p $(@D)
	$(CIPC_TOOLS_CC) $(CIPC_TOOLS_CFLAGS) $(LDFLAGS) -o $@ \
		$(CIPC_TOOLS_OBJS) $(CIPC_TOOLS_LIBCIPC) $(CIPC_TOOLS_KMOD_LIBS)

.PHONY: install-tools
install-tools: $(CIPC_CIPCCTL)
	install -d $(DESTDIR)$(CIPC_TOOLS_BINDIR) \
		$(DESTDIR)$(CIPC_TOOLS_MAN1DIR) $(DESTDIR)$(CIPC_TOOLS_COMPDIR)
	install -m 0755 $(CIPC_CIPCCTL) $(DESTDIR)$(CIPC_TOOLS_BINDIR)/cipcctl
	install -m 0644 $(CIPC_TOOLS_DIR)/cipcctl.1 \
		$(DESTDIR)$(CIPC_TOOLS_MAN1DIR)/cipcctl.1
	install -m 0644 $(CIPC_TOOLS_DIR)/cipcctl.bash-completion \
		$(DESTDIR)$(CIPC_TOOLS_COMPDIR)/cipcctl

.DEFAULT_GOAL := $(CIPC_TOOLS_SAVED_GOAL)
