# SPDX-License-Identifier: Apache-2.0
# tests/journeys.mk: the user journeys of README.md's guides, end to end.
# Not in the sanitizer suite: the guides' commands, whose C programs the
# other tests run under ASan.
if !SANITIZE
TESTS += tests/t0700-journeys.bats
endif
# The test reads the nginx configuration out of README.md.
EXTRA_DIST += tests/t0700-journeys.bats tests/journeys.bash README.md
