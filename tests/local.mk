# SPDX-License-Identifier: Apache-2.0
# C unit tests (cmocka) and integration tests (bats), both speaking TAP.
TEST_EXTENSIONS = .bats
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' $(SHELL) \
	$(top_srcdir)/build-aux/tap-driver.sh
BATS_LOG_DRIVER = $(LOG_DRIVER)
BATS_LOG_COMPILER = bats --tap
if SANITIZE
dcos_sanitize = yes
else
dcos_sanitize = no
endif
if STATIC_BOOTSTRAP
dcos_static_bootstrap = yes
else
dcos_static_bootstrap = no
endif
if PWSH_TESTS
dcos_pwsh_tests = yes
else
dcos_pwsh_tests = no
endif
# DCOS_STATIC_BOOTSTRAP=no (--disable-static-bootstrap, or --enable-sanitize
# as ASan cannot be static): the static-binary tests skip, saying why.
AM_TESTS_ENVIRONMENT = \
	CMOCKA_MESSAGE_OUTPUT=TAP; export CMOCKA_MESSAGE_OUTPUT; \
	DCOS_SANITIZE=$(dcos_sanitize); export DCOS_SANITIZE; \
	DCOS_STATIC_BOOTSTRAP=$(dcos_static_bootstrap); export DCOS_STATIC_BOOTSTRAP; \
	DCOS_PWSH_TESTS=$(dcos_pwsh_tests); export DCOS_PWSH_TESTS; \
	top_builddir='$(abs_top_builddir)'; export top_builddir; \
	top_srcdir='$(abs_top_srcdir)'; export top_srcdir; \
	PATH='$(abs_top_builddir)':"$$PATH"; export PATH;

unit_tests = \
	tests/unit/test-atomicio \
	tests/unit/test-base64 \
	tests/unit/test-digest \
	tests/unit/test-error \
	tests/unit/test-jsonio \
	tests/unit/test-manifest \
	tests/unit/test-minisign \
	tests/unit/test-pathrules \
	tests/unit/test-seal \
	tests/unit/test-recipe
check_PROGRAMS += $(unit_tests)
unit_cflags = $(AM_CFLAGS) $(CMOCKA_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS)
unit_ldadd = lib/libdcos.a $(CMOCKA_LIBS) $(JANSSON_LIBS) $(CRYPTO_LIBS)
tests_unit_test_atomicio_CFLAGS = $(unit_cflags)
tests_unit_test_atomicio_LDADD = $(unit_ldadd)
tests_unit_test_base64_CFLAGS = $(unit_cflags)
tests_unit_test_base64_LDADD = $(unit_ldadd)
tests_unit_test_digest_CFLAGS = $(unit_cflags)
tests_unit_test_digest_LDADD = $(unit_ldadd)
tests_unit_test_error_CFLAGS = $(unit_cflags)
tests_unit_test_error_LDADD = $(unit_ldadd)
tests_unit_test_jsonio_CFLAGS = $(unit_cflags)
tests_unit_test_jsonio_LDADD = $(unit_ldadd)
tests_unit_test_manifest_CFLAGS = $(unit_cflags)
tests_unit_test_manifest_LDADD = $(unit_ldadd)
tests_unit_test_minisign_CFLAGS = $(unit_cflags)
tests_unit_test_minisign_LDADD = $(unit_ldadd)
tests_unit_test_pathrules_CFLAGS = $(unit_cflags)
tests_unit_test_pathrules_LDADD = $(unit_ldadd)
tests_unit_test_seal_CFLAGS = $(unit_cflags)
tests_unit_test_seal_LDADD = $(unit_ldadd)
tests_unit_test_recipe_CFLAGS = $(unit_cflags)
tests_unit_test_recipe_LDADD = $(unit_ldadd)

bats_tests = \
	tests/t0010-build.bats \
	tests/t0020-docs.bats \
	tests/t0100-signatures.bats
TESTS += $(unit_tests) $(bats_tests)
EXTRA_DIST += $(bats_tests) tests/lib.bash
