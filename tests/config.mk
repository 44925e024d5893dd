# SPDX-License-Identifier: Apache-2.0
# tests/config.mk: sources, tests and man pages of this area (add with +=).
# The config compiler: unit tests against the sample schema and templates
# (a release built in memory), bats tests of validate/show.
check_PROGRAMS += tests/unit/test-config
TESTS += tests/unit/test-config
tests_unit_test_config_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS) \
	$(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) $(YAML_CFLAGS)
tests_unit_test_config_SOURCES = tests/unit/test-config.c \
	genconf/ytree.c genconf/schema.c genconf/validate.c \
	genconf/validators.c \
	genconf/template.c genconf/config.c
tests_unit_test_config_LDADD = lib/libdcos.a $(CMOCKA_LIBS) $(YAML_LIBS) \
	$(JANSSON_LIBS) $(CRYPTO_LIBS)
EXTRA_DIST += sample/genconf/schema.yaml \
	sample/genconf/templates/dcos-config.yaml \
	sample/genconf/templates/dns.yaml \
	sample/genconf/templates/exhibitor.yaml \
	sample/genconf/templates/ip-detect.yaml \
	sample/genconf/templates/mesos-master.yaml \
	sample/site/genconf/config.yaml sample/site/genconf/ip-detect \
	sample/site/genconf/ip-detect.ps1
TESTS += tests/t0250-config.bats
EXTRA_DIST += tests/t0250-config.bats
check_PROGRAMS += tests/unit/test-schema
TESTS += tests/unit/test-schema
tests_unit_test_schema_CFLAGS = $(tests_unit_test_config_CFLAGS)
tests_unit_test_schema_SOURCES = tests/unit/test-schema.c \
	genconf/ytree.c genconf/schema.c genconf/validate.c \
	genconf/validators.c \
	genconf/template.c genconf/config.c
tests_unit_test_schema_LDADD = $(tests_unit_test_config_LDADD)
TESTS += tests/t0260-dcos-validation.bats
EXTRA_DIST += tests/t0260-dcos-validation.bats
TESTS += tests/t0255-password.bats
EXTRA_DIST += tests/t0255-password.bats
