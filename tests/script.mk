# SPDX-License-Identifier: Apache-2.0
# tests/script.mk: sources, tests and man pages of this area (add with +=).
check_PROGRAMS += tests/unit/test-procnet
tests_unit_test_procnet_SOURCES = tests/unit/test-procnet.c \
	bootstrap/procnet.c bootstrap/procnet.h
tests_unit_test_procnet_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/bootstrap
tests_unit_test_procnet_CFLAGS = $(unit_cflags)
tests_unit_test_procnet_LDADD = $(unit_ldadd)
TESTS += tests/unit/test-procnet

script_bats = \
	tests/t0610-preflight.bats \
	tests/t0615-preflight-requires.bats \
	tests/t0620-missing.bats \
	tests/t0650-install-e2e.bats \
	tests/t0690-messages.bats
# The script's own behaviour (options, downloads, progress): not in the
# sanitizer suite, which is for the C programs; the dcos-bootstrap runs
# they make, the tests above and t05xx make there too.
script_only_bats = \
	tests/t0600-install-script.bats \
	tests/t0605-script-operator.bats \
	tests/t0625-script-progress.bats \
	tests/t0655-downgrade-fileurl.bats
TESTS += $(script_bats)
if !SANITIZE
TESTS += $(script_only_bats)
endif
EXTRA_DIST += $(script_bats) $(script_only_bats) tests/script.bash
dist_man_MANS += man/dcos_install.sh.8
