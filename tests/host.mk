# tests/host.mk: sources, tests and man pages of this area (add with +=).
host_bats = \
	tests/t0500-host-install.bats \
	tests/t0510-host-hostile.bats \
	tests/t0520-host-crash.bats
TESTS += $(host_bats)
EXTRA_DIST += $(host_bats) tests/host.bash tests/host-fixture.py
