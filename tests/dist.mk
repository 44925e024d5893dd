# SPDX-License-Identifier: Apache-2.0
# tests/dist.mk: the release tarball.  make dist packs every file git
# tracks but those scripts/dist-exclude lists (its dist-hook fails
# otherwise: scripts/check-dist.sh); make distcheck builds it out of tree
# from a read-only copy and runs make check there.
EXTRA_DIST += LICENSE .ci/run m4/.keep docs/formats.md docs/web-installer.png \
	scripts/build-lib.sh scripts/check-dist.sh scripts/dist-exclude \
	scripts/demo.sh scripts/install-deps.sh scripts/test.sh \
	scripts/bench/config.sh scripts/bench/fleet.sh \
	scripts/bench/install.sh scripts/bench/manifest-memory.sh
# Not in the sanitizer suite: the tarball and the scripts' build step.
if !SANITIZE
TESTS += tests/t0030-dist.bats
endif
EXTRA_DIST += tests/t0030-dist.bats

dist-hook:
	bash $(srcdir)/scripts/check-dist.sh $(srcdir) $(distdir)

# What CI runs (.ci/run): make distcheck, its make check cut to tests that
# read the tarball's files (man pages, scripts, the sample trees), so
# that it checks the tarball, not the code, which the full suites do.
distcheck_tests = tests/t0010-build.bats tests/t0020-docs.bats \
	tests/t0210-release.bats tests/unit/test-digest
distcheck-ci:
	$(MAKE) $(AM_MAKEFLAGS) distcheck TESTS='$(distcheck_tests)'
.PHONY: distcheck-ci

# distcheck makes the unpacked sources read-only, which root (CI, most of
# these tests) writes through anyway.  So once the build and make check
# are done (distcheck runs installcheck next), this fails on any file of
# the sources newer than the _build directory distcheck made in them
# just before configure: one the build or the tests wrote.
installcheck-local:
	@if test -d '$(srcdir)/_inst' && test -d '$(srcdir)/_build/sub'; then \
	  w=`find '$(srcdir)' -path '$(srcdir)/_build' -prune -o \
	    -path '$(srcdir)/_inst' -prune -o ! -type d \
	    -newer '$(srcdir)/_build' -print`; \
	  test -z "$$w" || { \
	    echo "error: the build or the tests wrote into the read-only sources:" $$w; \
	    exit 1; }; \
	fi
