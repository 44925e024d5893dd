# SPDX-License-Identifier: Apache-2.0
# tests/web.mk: dcos-genconf web, its API against a real server (#12).
TESTS += tests/t0900-web-api.bats
EXTRA_DIST += tests/t0900-web-api.bats
