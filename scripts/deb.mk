# SPDX-License-Identifier: GPL-2.0
#
# scripts/deb.mk - the Debian packages. Included by the top-level Makefile,
# which sets TOP and BUILD.
#
#   deb                  builds cipc-dkms, libcipc1, libcipc-dev and
#                        cipcctl with dpkg-buildpackage from a clean copy of
#                        the tree (scripts/build-debs), into $(BUILD)/deb/
#                        (.debs, .changes, .buildinfo, lintian.log), and
#                        fails on a lintian error or warning
#   check-debian         debian/changelog's upstream version is VERSION and
#                        debian/libcipc1.symbols matches lib/libcipc.map
#   debian-symbols       rewrites debian/libcipc1.symbols from the map
#
# The host packages `make deb` needs (it checks for them and names the
# command that installs what is missing): debian/control's Build-Depends
# (pkgconf, which provides pkg-config), build-essential, and lintian.
CIPC_DEB_DEPS := build-essential debhelper dh-dkms dpkg-dev libkmod-dev \
	pkgconf lintian

.PHONY: deb check-debian debian-symbols

deb:
	$(TOP)/scripts/deps --check $(CIPC_DEB_DEPS)
	$(TOP)/scripts/build-debs $(BUILD)/deb

check-debian:
	$(TOP)/scripts/check-debian-version

debian-symbols:
	$(TOP)/scripts/check-debian-version --write-symbols
