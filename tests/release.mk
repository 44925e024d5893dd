# SPDX-License-Identifier: Apache-2.0
# tests/release.mk: sources, tests and man pages of this area (add with +=).
release_bats = \
	tests/t0200-package.bats \
	tests/t0210-release.bats \
	tests/t0220-generate.bats \
	tests/t0230-windows-packages.bats \
	tests/t0440-release-recipe.bats \
	tests/t0270-pkgpanda-rules.bats
TESTS += $(release_bats)
EXTRA_DIST += $(release_bats)
EXTRA_DIST += scripts/build-sample-release.sh sample/roles.json
EXTRA_DIST += sample/packages scripts/bench/genconf.sh tests/recipe.bash
check_PROGRAMS += tests/unit/test-pkgblob
TESTS += tests/unit/test-pkgblob
tests_unit_test_pkgblob_SOURCES = tests/unit/test-pkgblob.c \
	genconf/pkgblob.c genconf/pkgblob.h
tests_unit_test_pkgblob_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(ARCHIVE_CFLAGS) $(JANSSON_CFLAGS) $(CRYPTO_CFLAGS) \
	-I$(top_srcdir)/genconf
tests_unit_test_pkgblob_LDADD = lib/libdcos.a $(CMOCKA_LIBS) $(ARCHIVE_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS)
