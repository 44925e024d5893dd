# SPDX-License-Identifier: Apache-2.0
# tests/host.mk: sources, tests and man pages of this area (add with +=).
host_bats = \
	tests/t0500-host-install.bats \
	tests/t0510-host-hostile.bats \
	tests/t0515-host-root-escape.bats \
	tests/t0520-host-crash.bats \
	tests/t0530-host-genconf.bats \
	tests/t0535-host-activate.bats \
	tests/t0540-host-unchanged.bats \
	tests/t0545-host-deep.bats \
	tests/t0550-host-check.bats \
	tests/t0555-host-status.bats \
	tests/t0570-host-json.bats \
	tests/t0575-host-progress.bats \
	tests/t0580-host-direct.bats \
	tests/t0565-service-switch.bats \
	tests/t0560-host-roles.bats
TESTS += $(host_bats)
EXTRA_DIST += $(host_bats) tests/host.bash tests/host-fixture.py \
	tests/systemctl-standin.py
dist_man_MANS += man/dcos-bootstrap.8
# The host's package rules, tested without a tarball.
check_PROGRAMS += tests/unit/test-pkgmanifest
TESTS += tests/unit/test-pkgmanifest
tests_unit_test_pkgmanifest_SOURCES = tests/unit/test-pkgmanifest.c \
	bootstrap/extract.c bootstrap/progress.c bootstrap/hostpath.c bootstrap/trust.c \
	bootstrap/secrets.c bootstrap/lock.c bootstrap/journal.c bootstrap/users.c \
	bootstrap/state.c \
	bootstrap/rootfs.c
tests_unit_test_pkgmanifest_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bootstrap
tests_unit_test_pkgmanifest_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) $(ARCHIVE_CFLAGS)
tests_unit_test_pkgmanifest_LDADD = lib/libdcos.a $(CMOCKA_LIBS) \
	$(ARCHIVE_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS)
