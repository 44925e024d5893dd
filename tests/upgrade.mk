# SPDX-License-Identifier: Apache-2.0
# tests/upgrade.mk: tests of this area (add with +=).
upgrade_bats = \
	tests/t0630-missing-root.bats \
	tests/t0660-upgrade-fetch.bats
TESTS += $(upgrade_bats)
EXTRA_DIST += $(upgrade_bats)
