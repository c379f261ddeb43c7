# SPDX-License-Identifier: LGPL-2.1-or-later
#
# lib/lib.mk - build of libcipc. Included by the top-level Makefile, which
# sets:
#   TOP    absolute path of the repository
#   BUILD  absolute path of the build directory
# It leaves the includer's default goal alone; every variable it sets
# starts with CIPC_LIB_, every target it defines is a file under
# $(BUILD)/lib or one of the phony targets below.
#
#   $(BUILD)/lib/libcipc.so.1.0.0   shared library, SONAME libcipc.so.1,
#                                   exports exactly lib/libcipc.map
#   $(BUILD)/lib/libcipc.so.1, libcipc.so   its symlinks
#   $(BUILD)/lib/libcipc.a          static library (same objects)
#   $(BUILD)/lib/libcipc.pc         pkg-config file of the uninstalled
#                                   library: PKG_CONFIG_PATH=$(BUILD)/lib
#   $(BUILD)/lib/install/libcipc.pc the one install-lib installs
#   $(BUILD)/lib/examples/cipc-wait-example
#   $(BUILD)/lib/examples/cipc-poll-example
#                                   lib/examples/*.c built with the
#                                   uninstalled libcipc.pc
#   lib              phony: all of the above
#   install-lib      phony: installs into $(DESTDIR), see CIPC_LIB_*DIR
#   uninstall-lib    phony: removes what install-lib installed
#   check-lib-man    phony: the man pages format without a warning
#   clean-lib        phony: removes $(BUILD)/lib
#
# The version is the project's one version, the file VERSION, read once
# here and compiled in as LIBCIPC_VERSION. The shared library's own
# version (SONAME libcipc.so.1) follows the ABI of lib/cipc.h instead.
# CFLAGS, CPPFLAGS and LDFLAGS of the environment are honoured (CFLAGS
# defaults to -O2 -g); the warning flags and -Werror are not optional.

CIPC_LIB_SAVED_GOAL := $(.DEFAULT_GOAL)

CIPC_LIB_DIR := $(TOP)/lib
CIPC_LIB_OUT := $(BUILD)/lib
CIPC_LIB_OBJDIR := $(CIPC_LIB_OUT)/obj

CIPC_LIB_VERSION := $(shell cat $(TOP)/VERSION)
ifeq ($(shell echo '$(CIPC_LIB_VERSION)' | grep -Ex '[0-9]+\.[0-9]+\.[0-9]+'),)
$(error lib.mk: no version X.Y.Z in VERSION, got "$(CIPC_LIB_VERSION)")
endif

CIPC_LIB_SONAME := libcipc.so.1
CIPC_LIB_REAL := libcipc.so.1.0.0

CIPC_LIB_SO := $(CIPC_LIB_OUT)/$(CIPC_LIB_REAL)
CIPC_LIB_SO_LINKS := $(CIPC_LIB_OUT)/$(CIPC_LIB_SONAME) $(CIPC_LIB_OUT)/libcipc.so
CIPC_LIB_A := $(CIPC_LIB_OUT)/libcipc.a
CIPC_LIB_PC := $(CIPC_LIB_OUT)/libcipc.pc
CIPC_LIB_PC_INSTALL := $(CIPC_LIB_OUT)/install/libcipc.pc
CIPC_LIB_EXAMPLE := $(CIPC_LIB_OUT)/examples/cipc-wait-example
CIPC_LIB_POLL_EXAMPLE := $(CIPC_LIB_OUT)/examples/cipc-poll-example
CIPC_LIB_EXAMPLES := $(CIPC_LIB_EXAMPLE) $(CIPC_LIB_POLL_EXAMPLE)

CIPC_LIB_SRCS := channel.c ops.c control.c
CIPC_LIB_OBJS := $(addprefix $(CIPC_LIB_OBJDIR)/,$(CIPC_LIB_SRCS:.c=.o))
CIPC_LIB_HDRS := $(CIPC_LIB_DIR)/cipc.h $(CIPC_LIB_DIR)/internal.h \
	$(TOP)/uapi/linux/cipc.h

# Man pages: sources, and the names that are links to them.
CIPC_LIB_MANS := libcipc.3 cipc_channel_open.3 cipc_channel_wait.3 \
	cipc_channel_send.3 cipc_channel_get_info.3 cipc_channel_get_stats.3 \
	cipc_control_open.3
CIPC_LIB_MAN_LINKS := \
	cipc_version_string.3:libcipc.3 \
	cipc_abi_version.3:libcipc.3 \
	cipc_channel_open_path.3:cipc_channel_open.3 \
	cipc_channel_open_id.3:cipc_channel_open.3 \
	cipc_channel_from_fd.3:cipc_channel_open.3 \
	cipc_channel_close.3:cipc_channel_open.3 \
	cipc_channel_fd.3:cipc_channel_open.3 \
	cipc_channel_index.3:cipc_channel_open.3 \
	cipc_channel_id.3:cipc_channel_open.3 \
	cipc_list_channels.3:cipc_channel_open.3 \
	cipc_channel_wait_until.3:cipc_channel_wait.3 \
	cipc_channel_trywait.3:cipc_channel_wait.3 \
	cipc_channel_receive.3:cipc_channel_wait.3 \
	cipc_channel_receive_until.3:cipc_channel_wait.3 \
	cipc_channel_tryreceive.3:cipc_channel_wait.3 \
	cipc_channel_done.3:cipc_channel_wait.3 \
	cipc_channel_complete.3:cipc_channel_send.3 \
	cipc_channel_complete_all.3:cipc_channel_send.3 \
	cipc_channel_reinit.3:cipc_channel_send.3 \
	cipc_channel_info_free.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_index.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_id.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_abi_version.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_msg_max.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_mode.3:cipc_channel_get_info.3 \
	cipc_channel_info_is_all.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_count.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_waiters.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_max_waiters.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_queued.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_queue_depth.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_generation.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_seq.3:cipc_channel_get_info.3 \
	cipc_channel_info_get_msg_len.3:cipc_channel_get_info.3 \
	cipc_channel_get_mode.3:cipc_channel_get_info.3 \
	cipc_channel_set_mode.3:cipc_channel_get_info.3 \
	cipc_channel_stats_free.3:cipc_channel_get_stats.3 \
	cipc_channel_stats_get.3:cipc_channel_get_stats.3 \
	cipc_stat_name.3:cipc_channel_get_stats.3 \
	cipc_channel_reset_stats.3:cipc_channel_get_stats.3 \
	cipc_control_close.3:cipc_control_open.3 \
	cipc_control_get_info.3:cipc_control_open.3 \
	cipc_control_info_free.3:cipc_control_open.3 \
	cipc_control_info_get_abi_version.3:cipc_control_open.3 \
	cipc_control_info_get_channels.3:cipc_control_open.3 \
	cipc_control_info_get_max_channels.3:cipc_control_open.3 \
	cipc_control_info_get_msg_max.3:cipc_control_open.3 \
	cipc_control_info_get_queue_depth.3:cipc_control_open.3 \
	cipc_control_info_get_max_waiters.3:cipc_control_open.3 \
	cipc_control_add.3:cipc_control_open.3 \
	cipc_control_remove.3:cipc_control_open.3 \
	cipc_control_remove_id.3:cipc_control_open.3

CIPC_LIB_COMMA := ,
CIPC_LIB_CC = $(CC)
CIPC_LIB_AR = $(AR)
CIPC_LIB_PKG_CONFIG ?= pkg-config
CIPC_LIB_OPTFLAGS = $(if $(strip $(CFLAGS)),$(CFLAGS),-O2 -g)
CIPC_LIB_WARNFLAGS := -std=gnu11 -Wall -Wextra -Werror -Wshadow \
	-Wmissing-prototypes -Wstrict-prototypes -Wpointer-arith -Wformat=2
CIPC_LIB_CPPFLAGS = -D_GNU_SOURCE -I$(TOP)/uapi -I$(CIPC_LIB_DIR) \
	-DLIBCIPC_VERSION='"$(CIPC_LIB_VERSION)"' $(CPPFLAGS)
CIPC_LIB_CFLAGS = $(CIPC_LIB_WARNFLAGS) $(CIPC_LIB_OPTFLAGS) -fPIC \
	-fvisibility=hidden $(CIPC_LIB_CPPFLAGS)
CIPC_LIB_SOFLAGS = -shared -Wl,-soname,$(CIPC_LIB_SONAME) \
	-Wl,--version-script=$(CIPC_LIB_DIR)/libcipc.map -Wl,-z,defs \
	-Wl,--as-needed $(LDFLAGS)

# Installation: DESTDIR and PREFIX (default /usr/local) as usual; the directories
# may be overridden one by one.
CIPC_LIB_PREFIX = $(if $(PREFIX),$(PREFIX),/usr/local)
# The multiarch triplet: dpkg-buildpackage's, else the compiler's (asked
# only when a recipe needs it, so that parsing needs no compiler); a
# compiler without one (not Debian) gets plain lib.
CIPC_LIB_MULTIARCH = $(or $(DEB_HOST_MULTIARCH),$(shell $(CC) -print-multiarch 2>/dev/null))
CIPC_LIB_LIBDIR ?= $(if $(LIBDIR),$(LIBDIR),$(CIPC_LIB_PREFIX)/lib$(if $(CIPC_LIB_MULTIARCH),/$(CIPC_LIB_MULTIARCH)))
CIPC_LIB_INCLUDEDIR ?= $(CIPC_LIB_PREFIX)/include
CIPC_LIB_MANDIR ?= $(CIPC_LIB_PREFIX)/share/man
CIPC_LIB_PKGCONFIGDIR ?= $(CIPC_LIB_LIBDIR)/pkgconfig
CIPC_LIB_INSTALL ?= install

# $(call CIPC_LIB_SUBST_PC,prefix,libdir,includedir,extra libs)
CIPC_LIB_SUBST_PC = sed -e 's|@prefix@|$(1)|' -e 's|@libdir@|$(2)|' \
	-e 's|@includedir@|$(3)|' -e 's|@version@|$(CIPC_LIB_VERSION)|' \
	-e 's|@libs_extra@|$(4)|'

.PHONY: lib install-lib uninstall-lib check-lib-man clean-lib cipc-lib-FORCE

lib: $(CIPC_LIB_SO) $(CIPC_LIB_SO_LINKS) $(CIPC_LIB_A) $(CIPC_LIB_PC) \
	$(CIPC_LIB_PC_INSTALL) $(CIPC_LIB_EXAMPLES)

$(CIPC_LIB_OBJS): $(CIPC_LIB_OBJDIR)/%.o: $(CIPC_LIB_DIR)/%.c \
		$(CIPC_LIB_HDRS) $(CIPC_LIB_DIR)/lib.mk $(TOP)/VERSION \
		| $(CIPC_DEPS_STAMP)
	@mkdir -p $(@D)
	$(CIPC_LIB_CC) $(CIPC_LIB_CFLAGS) -c -o $@ $<

$(CIPC_LIB_SO): $(CIPC_LIB_OBJS) $(CIPC_LIB_DIR)/libcipc.map
	$(CIPC_LIB_CC) $(CIPC_LIB_CFLAGS) $(CIPC_LIB_SOFLAGS) -o $@ \
		$(CIPC_LIB_OBJS)

$(CIPC_LIB_OUT)/$(CIPC_LIB_SONAME): $(CIPC_LIB_SO)
	ln -sfn $(CIPC_LIB_REAL) $@

$(CIPC_LIB_OUT)/libcipc.so: $(CIPC_LIB_OUT)/$(CIPC_LIB_SONAME)
	ln -sfn $(CIPC_LIB_SONAME) $@

$(CIPC_LIB_A): $(CIPC_LIB_OBJS)
	@rm -f $@
	$(CIPC_LIB_AR) rcs $@ $(CIPC_LIB_OBJS)

# The uninstalled library: headers from the source tree, the library from
# the build tree, which the programs built with it find at run time too.
$(CIPC_LIB_PC): $(CIPC_LIB_DIR)/libcipc.pc.in $(CIPC_LIB_DIR)/lib.mk \
		$(TOP)/VERSION
	@mkdir -p $(@D)
	$(call CIPC_LIB_SUBST_PC,$(TOP),$(CIPC_LIB_OUT),$(CIPC_LIB_DIR), -Wl$(CIPC_LIB_COMMA)-rpath$(CIPC_LIB_COMMA)$${libdir}) \
		$< >$@.tmp && mv $@.tmp $@

# Rebuilt when the installation directories change (the vars file is
# rewritten only when its content differs).
CIPC_LIB_PC_VARS = $(CIPC_LIB_PREFIX) $(CIPC_LIB_LIBDIR) $(CIPC_LIB_INCLUDEDIR)

$(CIPC_LIB_OUT)/install/pc.vars: cipc-lib-FORCE
	@mkdir -p $(@D)
	@echo '$(CIPC_LIB_PC_VARS)' | cmp -s - $@ || echo '$(CIPC_LIB_PC_VARS)' >$@

$(CIPC_LIB_PC_INSTALL): $(CIPC_LIB_DIR)/libcipc.pc.in $(CIPC_LIB_DIR)/lib.mk \
		$(TOP)/VERSION $(CIPC_LIB_OUT)/install/pc.vars
	@mkdir -p $(@D)
	$(call CIPC_LIB_SUBST_PC,$(CIPC_LIB_PREFIX),$(patsubst \
		$(CIPC_LIB_PREFIX)/%,$${exec_prefix}/%,$(CIPC_LIB_LIBDIR)),$(patsubst \
		$(CIPC_LIB_PREFIX)/%,$${prefix}/%,$(CIPC_LIB_INCLUDEDIR)),) \
		$< >$@.tmp && mv $@.tmp $@

# Built the way a user builds: cc prog.c $(pkg-config --cflags --libs libcipc)
$(CIPC_LIB_EXAMPLES): $(CIPC_LIB_OUT)/examples/%: $(CIPC_LIB_DIR)/examples/%.c \
		$(CIPC_LIB_PC) $(CIPC_LIB_SO_LINKS) $(CIPC_LIB_DIR)/cipc.h
	@mkdir -p $(@D)
	flags=$$(PKG_CONFIG_PATH=$(CIPC_LIB_OUT) $(CIPC_LIB_PKG_CONFIG) \
		--cflags --libs libcipc) && \
	$(CIPC_LIB_CC) -Wall -Wextra -Werror $(CIPC_LIB_OPTFLAGS) $(CPPFLAGS) \
		$(LDFLAGS) -o $@ $< $$flags

install-lib: $(CIPC_LIB_SO) $(CIPC_LIB_A) $(CIPC_LIB_PC_INSTALL)
	$(CIPC_LIB_INSTALL) -d $(DESTDIR)$(CIPC_LIB_LIBDIR) \
		$(DESTDIR)$(CIPC_LIB_PKGCONFIGDIR) \
		$(DESTDIR)$(CIPC_LIB_INCLUDEDIR) $(DESTDIR)$(CIPC_LIB_MANDIR)/man3
	$(CIPC_LIB_INSTALL) -m 0644 $(CIPC_LIB_SO) $(CIPC_LIB_A) \
		$(DESTDIR)$(CIPC_LIB_LIBDIR)/
	ln -sfn $(CIPC_LIB_REAL) $(DESTDIR)$(CIPC_LIB_LIBDIR)/$(CIPC_LIB_SONAME)
	ln -sfn $(CIPC_LIB_SONAME) $(DESTDIR)$(CIPC_LIB_LIBDIR)/libcipc.so
	$(CIPC_LIB_INSTALL) -m 0644 $(CIPC_LIB_PC_INSTALL) \
		$(DESTDIR)$(CIPC_LIB_PKGCONFIGDIR)/libcipc.pc
	$(CIPC_LIB_INSTALL) -m 0644 $(CIPC_LIB_DIR)/cipc.h \
		$(DESTDIR)$(CIPC_LIB_INCLUDEDIR)/cipc.h
	$(CIPC_LIB_INSTALL) -m 0644 $(addprefix $(CIPC_LIB_DIR)/man/,$(CIPC_LIB_MANS)) \
		$(DESTDIR)$(CIPC_LIB_MANDIR)/man3/
	$(foreach l,$(CIPC_LIB_MAN_LINKS),ln -sfn $(word 2,$(subst :, ,$(l))) \
		$(DESTDIR)$(CIPC_LIB_MANDIR)/man3/$(word 1,$(subst :, ,$(l))) &&) true

uninstall-lib:
	rm -f $(addprefix $(DESTDIR)$(CIPC_LIB_LIBDIR)/,$(CIPC_LIB_REAL) \
		$(CIPC_LIB_SONAME) libcipc.so libcipc.a) \
		$(DESTDIR)$(CIPC_LIB_PKGCONFIGDIR)/libcipc.pc \
		$(DESTDIR)$(CIPC_LIB_INCLUDEDIR)/cipc.h \
		$(addprefix $(DESTDIR)$(CIPC_LIB_MANDIR)/man3/,$(CIPC_LIB_MANS) \
		$(foreach l,$(CIPC_LIB_MAN_LINKS),$(word 1,$(subst :, ,$(l)))))

# Every page formats with man(1) and groff without a single warning.
check-lib-man: | $(BUILD)/.deps
	@set -e; cd $(CIPC_LIB_DIR)/man; for p in $(CIPC_LIB_MANS); do \
		m=$$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings=w -E UTF-8 \
			-l $$p 2>&1 >/dev/null); \
		g=$$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z $$p 2>&1); \
		if [ -n "$$m$$g" ]; then printf '%s:\n%s\n%s\n' "$$p" "$$m" "$$g"; \
			exit 1; fi; \
		echo "man page $$p: ok"; \
	done

clean-lib:
	rm -rf $(CIPC_LIB_OUT)

.DEFAULT_GOAL := $(CIPC_LIB_SAVED_GOAL)
