# tests/journeys.mk: the user journeys of README.md's guides, end to end.
TESTS += tests/t0700-journeys.bats
# The test reads the nginx configuration out of README.md.
EXTRA_DIST += tests/t0700-journeys.bats tests/journeys.bash README.md
