# SPDX-License-Identifier: Apache-2.0
# dist/systemd/local.mk: the systemd units, installed by make install into
# $(systemdsystemunitdir) (configure --with-systemdsystemunitdir; =no
# skips them) with this install's paths: made at install time, so
# "make install prefix=/usr" gets ExecStart=/usr/sbin/dcos-artifactd.
systemd_units = dcos-artifactd.service dcos-activate.service \
	dcos-firstboot.service
EXTRA_DIST += $(systemd_units:%=dist/systemd/%.in)

if SYSTEMD_UNITS
install-data-local: install-systemd-units
uninstall-local: uninstall-systemd-units
endif
install-systemd-units:
	$(MKDIR_P) '$(DESTDIR)$(systemdsystemunitdir)'
	for u in $(systemd_units); do \
		sed -e 's|@sbindir[@]|$(sbindir)|g' "$(srcdir)/dist/systemd/$$u.in" \
		    > "$(DESTDIR)$(systemdsystemunitdir)/$$u.tmp" && \
		chmod 644 "$(DESTDIR)$(systemdsystemunitdir)/$$u.tmp" && \
		mv "$(DESTDIR)$(systemdsystemunitdir)/$$u.tmp" \
		    "$(DESTDIR)$(systemdsystemunitdir)/$$u" || exit 1; \
	done
uninstall-systemd-units:
	for u in $(systemd_units); do \
		rm -f "$(DESTDIR)$(systemdsystemunitdir)/$$u"; \
	done
.PHONY: install-systemd-units uninstall-systemd-units

# distcheck installs below its own prefix, never into the system's
# unit directory.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$dc_install_base/lib/systemd/system'

# The Debian packaging (README "Debian packages"; scripts/deb-check.sh).
EXTRA_DIST += debian/changelog debian/control debian/copyright \
	debian/rules debian/source/format debian/dcos-genconf.install \
	debian/dcos-artifactd.install debian/dcos-bootstrap.install \
	debian/dcos-bootstrap.lintian-overrides scripts/deb-check.sh
