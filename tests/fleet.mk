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
