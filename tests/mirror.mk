# tests/mirror.mk: sources, tests and man pages of this area (add with +=).
EXTRA_DIST += tests/nginx.bash tests/mkstore.bash
mirror_bats = \
	tests/t0400-mirror.bats \
	tests/t0410-fsck.bats \
	tests/t0420-mirror-generated.bats
TESTS += $(mirror_bats)
EXTRA_DIST += $(mirror_bats)
