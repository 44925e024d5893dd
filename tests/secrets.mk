# SPDX-License-Identifier: Apache-2.0
# tests/secrets.mk: sealed per-role secrets bundles (#14), end to end.
TESTS += tests/t0710-secrets.bats
EXTRA_DIST += tests/t0710-secrets.bats
