# SPDX-License-Identifier: GPL-2.0
#
# scripts/install.mk - installation from the source tree. Included by the
# top-level Makefile, which sets TOP, BUILD, VERSION and PREFIX.
#
#   install          libcipc (lib/lib.mk: install-lib), cipcctl
#                    (tools/tools.mk: install-tools), the uapi header
#                    <linux/cipc.h> and the udev rule 60-cipc.rules; as root
#                    with no DESTDIR, also the system group "cipc", and
#                    udev and ldconfig are told
#   uninstall        removes what install installed (not the group)
#   dkms-source      the module's DKMS source tree:
#                    $(DESTDIR)/usr/src/cipc-$(VERSION)/{dkms.conf,VERSION,
#                    driver/,uapi/}; the Debian package installs the same
#   dkms-install     dkms-source, then dkms add, build and install for the
#                    running kernel (KVER=... for another): for systems that
#                    have DKMS but not our Debian packages
#   dkms-uninstall   dkms remove for every kernel, and the source tree
#
# Directories (each may be overridden): INCLUDEDIR, UDEVRULESDIR; libcipc's
# LIBDIR and the rest are lib/lib.mk's and tools/tools.mk's.

INCLUDEDIR ?= $(PREFIX)/include
# udev reads /usr/lib/udev/rules.d and, for local installs,
# /usr/local/lib/udev/rules.d (systemd 230 and later).
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
CIPC_DKMS_SRC = $(DESTDIR)/usr/src/cipc-$(VERSION)
# The module's sources: exactly what its Kbuild needs.
CIPC_DKMS_FILES = VERSION $(patsubst $(TOP)/%,%,$(wildcard \
	$(TOP)/driver/*.[ch] $(TOP)/driver/Kbuild $(TOP)/driver/compat/* \
	$(TOP)/uapi/linux/*.h))

.PHONY: install-uapi install-udev install-system

install: install-lib install-tools install-uapi install-udev install-system

install-uapi:
	install -D -m 0644 $(TOP)/uapi/linux/cipc.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/cipc.h

install-udev:
	install -D -m 0644 $(TOP)/debian/cipc-dkms.udev \
		$(DESTDIR)$(UDEVRULESDIR)/60-cipc.rules

# Only for a real installation: a staged one (DESTDIR) is the packager's.
install-system: install-lib install-udev
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		getent group cipc >/dev/null || \
			{ echo "install: adding the system group cipc"; \
			  groupadd --system cipc; }; \
		ldconfig; \
		if command -v udevadm >/dev/null && [ -d /run/udev ]; then \
			udevadm control --reload || true; \
			udevadm trigger --subsystem-match=cipc \
				--subsystem-match=misc --sysname-match='cipc*' \
				|| true; \
		fi; \
	fi

uninstall: uninstall-lib
	rm -f $(DESTDIR)$(CIPC_TOOLS_BINDIR)/cipcctl \
		$(DESTDIR)$(CIPC_TOOLS_MAN1DIR)/cipcctl.1 \
		$(DESTDIR)$(CIPC_TOOLS_COMPDIR)/cipcctl \
		$(DESTDIR)$(INCLUDEDIR)/linux/cipc.h \
		$(DESTDIR)$(UDEVRULESDIR)/60-cipc.rules
	@[ -n "$(DESTDIR)" ] || [ "$$(id -u)" != 0 ] || ldconfig

# dkms.conf's #MODULE_VERSION# is the version (dh_dkms substitutes the
# same placeholder from debian/changelog, which lint checks against VERSION).
dkms-source:
	@if [ -z "$(DESTDIR)" ] && command -v dpkg-query >/dev/null && \
		dpkg-query -S $(CIPC_DKMS_SRC) >/dev/null 2>&1; then \
		echo "make: $(CIPC_DKMS_SRC) belongs to the cipc-dkms package:" \
			"use apt, not make dkms-install/dkms-uninstall" >&2; exit 1; fi
	rm -rf $(CIPC_DKMS_SRC)
	cd $(TOP) && for f in $(CIPC_DKMS_FILES); do \
		install -D -m 0644 $$f $(CIPC_DKMS_SRC)/$$f || exit 1; done
	sed 's/#MODULE_VERSION#/$(VERSION)/' $(TOP)/dkms.conf \
		>$(CIPC_DKMS_SRC)/dkms.conf

# Re-runnable: a version DKMS already has is removed first (for every
# kernel), so the new sources are the ones built.
dkms-install:
	@command -v dkms >/dev/null || { echo "make: dkms is not installed" \
		"(Debian: apt-get install dkms, or install the cipc-dkms package)" >&2; exit 1; }
	@if dkms status -m cipc -v $(VERSION) 2>/dev/null | grep -q .; then \
		echo "dkms remove -m cipc -v $(VERSION) --all"; \
		dkms remove -m cipc -v $(VERSION) --all >/dev/null; fi
	$(MAKE) -f $(TOP)/Makefile dkms-source
	dkms add -m cipc -v $(VERSION)
	dkms install -m cipc -v $(VERSION) -k $(KVER) || { \
		echo "make: dkms could not build or install cipc $(VERSION) for" \
			"$(KVER): see its output above and" \
			"/var/lib/dkms/cipc/$(VERSION)/build/make.log" >&2; \
		exit 1; }

dkms-uninstall:
	@command -v dkms >/dev/null || { echo "make: dkms is not installed" >&2; exit 1; }
	@if command -v dpkg-query >/dev/null && \
		dpkg-query -S $(CIPC_DKMS_SRC) >/dev/null 2>&1; then \
		echo "make: $(CIPC_DKMS_SRC) belongs to the cipc-dkms package:" \
			"apt purge cipc-dkms removes it" >&2; exit 1; fi
	if dkms status -m cipc -v $(VERSION) | grep -q .; then \
		dkms remove -m cipc -v $(VERSION) --all; fi
	rm -rf $(CIPC_DKMS_SRC)
