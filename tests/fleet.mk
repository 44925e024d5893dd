# SPDX-License-Identifier: Apache-2.0
# tests/fleet.mk: the fleet commands against real sshd hosts on loopback.
TESTS += tests/t0800-fleet.bats
EXTRA_DIST += tests/t0800-fleet.bats tests/fleet.bash
TESTS += tests/t0810-fleet-health.bats
EXTRA_DIST += tests/t0810-fleet-health.bats
# Windows agents: only where the pwsh tests are on (see tests/windows.mk).
if PWSH_TESTS
TESTS += tests/t0820-fleet-windows.bats
endif
EXTRA_DIST += tests/t0820-fleet-windows.bats
# The Windows hosts' steps, explanations and -Status parsing (unit).
check_PROGRAMS += tests/unit/test-fleet-windows
TESTS += tests/unit/test-fleet-windows
tests_unit_test_fleet_windows_SOURCES = tests/unit/test-fleet-windows.c \
	genconf/fleet/fleet.h genconf/fleet/windows.c \
	genconf/fleet/runner.c genconf/fleet/ssh.c genconf/fleet/hosts.c
tests_unit_test_fleet_windows_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/genconf
tests_unit_test_fleet_windows_CFLAGS = $(unit_cflags)
tests_unit_test_fleet_windows_LDADD = $(unit_ldadd)
