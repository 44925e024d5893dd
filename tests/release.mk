# tests/release.mk: sources, tests and man pages of this area (add with +=).
release_bats = \
	tests/t0200-package.bats
TESTS += $(release_bats)
EXTRA_DIST += $(release_bats)
