# tests/release.mk: sources, tests and man pages of this area (add with +=).
release_bats = \
	tests/t0200-package.bats \
	tests/t0210-release.bats \
	tests/t0220-generate.bats
TESTS += $(release_bats)
EXTRA_DIST += $(release_bats)
EXTRA_DIST += scripts/build-sample-release.sh sample/roles.json
