# SPDX-License-Identifier: Apache-2.0
# tests/mirror.mk: sources, tests and man pages of this area (add with +=).
EXTRA_DIST += tests/nginx.bash tests/mkstore.bash scripts/bench/mirror.sh \
	tests/trickle-server.py
mirror_bats = \
	tests/t0400-mirror.bats \
	tests/t0410-fsck.bats \
	tests/t0420-mirror-generated.bats \
	tests/t0430-prune.bats
TESTS += $(mirror_bats)
EXTRA_DIST += $(mirror_bats)

check_PROGRAMS += tests/unit/test-mirror-walk
tests_unit_test_mirror_walk_SOURCES = tests/unit/test-mirror-walk.c \
	server/mirror-walk.c server/mirror.h
tests_unit_test_mirror_walk_CFLAGS = $(unit_cflags) -I$(top_srcdir)/server
tests_unit_test_mirror_walk_LDADD = $(unit_ldadd)
TESTS += tests/unit/test-mirror-walk
