# SPDX-License-Identifier: Apache-2.0
# libFuzzer harnesses (README, "Fuzzing"): built only in a tree configured
# CC=clang --enable-fuzz (scripts/fuzz.sh makes one in _build/fuzz), by
# "make fuzz-harnesses", never by "make".
fuzz_harnesses = \
	tests/fuzz/fuzz-base64 \
	tests/fuzz/fuzz-minisign-sig \
	tests/fuzz/fuzz-minisign-key \
	tests/fuzz/fuzz-pkg-manifest \
	tests/fuzz/fuzz-release-manifest \
	tests/fuzz/fuzz-cluster-manifest \
	tests/fuzz/fuzz-store-index \
	tests/fuzz/fuzz-state \
	tests/fuzz/fuzz-url \
	tests/fuzz/fuzz-http-range \
	tests/fuzz/fuzz-procnet \
	tests/fuzz/fuzz-config \
	tests/fuzz/fuzz-schema \
	tests/fuzz/fuzz-template
EXTRA_PROGRAMS += $(fuzz_harnesses)
EXTRA_DIST += tests/fuzz/corpus scripts/fuzz.sh scripts/fuzz-corpus.sh

# The program sources a harness needs, instrumented once each.
EXTRA_LIBRARIES += tests/fuzz/libfuzz-genconf.a tests/fuzz/libfuzz-server.a \
	tests/fuzz/libfuzz-bootstrap.a
tests_fuzz_libfuzz_genconf_a_CFLAGS = $(dcos_genconf_CFLAGS)
tests_fuzz_libfuzz_genconf_a_SOURCES = genconf/ytree.c genconf/schema.c \
	genconf/validate.c genconf/validators.c genconf/template.c
tests_fuzz_libfuzz_server_a_CFLAGS = $(dcos_artifactd_CFLAGS)
tests_fuzz_libfuzz_server_a_SOURCES = server/url.c server/http-range.c
# All of dcos-bootstrap but its main() (libFuzzer brings one), so the
# state harness runs the real "status" command.
tests_fuzz_libfuzz_bootstrap_a_CFLAGS = $(dcos_bootstrap_CFLAGS) \
	-Dmain=dcos_bootstrap_main
tests_fuzz_libfuzz_bootstrap_a_SOURCES = $(dcos_bootstrap_SOURCES)

fuzz_cflags = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS) \
	-I$(top_srcdir)/genconf -I$(top_srcdir)/server \
	-I$(top_srcdir)/bootstrap -DFUZZ_SRCDIR='"$(abs_top_srcdir)"'
fuzz_lib = lib/libdcos.a $(JANSSON_LIBS) $(CRYPTO_LIBS)
fuzz_genconf_ldadd = tests/fuzz/libfuzz-genconf.a $(fuzz_lib) $(YAML_LIBS)

tests_fuzz_fuzz_base64_SOURCES = tests/fuzz/fuzz-base64.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_minisign_sig_SOURCES = tests/fuzz/fuzz-minisign-sig.c
tests_fuzz_fuzz_minisign_key_SOURCES = tests/fuzz/fuzz-minisign-key.c
tests_fuzz_fuzz_pkg_manifest_SOURCES = tests/fuzz/fuzz-manifest.c
tests_fuzz_fuzz_pkg_manifest_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_FORMAT=1
tests_fuzz_fuzz_release_manifest_SOURCES = tests/fuzz/fuzz-manifest.c
tests_fuzz_fuzz_release_manifest_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_FORMAT=2
tests_fuzz_fuzz_cluster_manifest_SOURCES = tests/fuzz/fuzz-manifest.c
tests_fuzz_fuzz_cluster_manifest_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_FORMAT=3
tests_fuzz_fuzz_store_index_SOURCES = tests/fuzz/fuzz-manifest.c
tests_fuzz_fuzz_store_index_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_FORMAT=4
tests_fuzz_fuzz_state_SOURCES = tests/fuzz/fuzz-state.c
tests_fuzz_fuzz_state_LDADD = tests/fuzz/libfuzz-bootstrap.a lib/libdcos.a \
	$(BOOTSTRAP_LIBS)
tests_fuzz_fuzz_url_SOURCES = tests/fuzz/fuzz-url.c
tests_fuzz_fuzz_url_LDADD = tests/fuzz/libfuzz-server.a $(fuzz_lib)
tests_fuzz_fuzz_http_range_SOURCES = tests/fuzz/fuzz-http-range.c
tests_fuzz_fuzz_http_range_LDADD = tests/fuzz/libfuzz-server.a $(fuzz_lib)
tests_fuzz_fuzz_procnet_SOURCES = tests/fuzz/fuzz-procnet.c
tests_fuzz_fuzz_procnet_LDADD = tests/fuzz/libfuzz-bootstrap.a $(fuzz_lib)
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c \
	tests/fuzz/sample.c tests/fuzz/sample.h
tests_fuzz_fuzz_config_LDADD = $(fuzz_genconf_ldadd)
tests_fuzz_fuzz_schema_SOURCES = tests/fuzz/fuzz-schema.c
tests_fuzz_fuzz_schema_LDADD = $(fuzz_genconf_ldadd)
tests_fuzz_fuzz_template_SOURCES = tests/fuzz/fuzz-template.c \
	tests/fuzz/sample.c tests/fuzz/sample.h
tests_fuzz_fuzz_template_LDADD = $(fuzz_genconf_ldadd)

# Every harness: instrumented like the rest, linked with libFuzzer.
tests_fuzz_fuzz_base64_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_base64_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_base64_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_minisign_sig_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_minisign_sig_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_minisign_sig_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_minisign_key_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_minisign_key_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_minisign_key_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_pkg_manifest_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_pkg_manifest_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_pkg_manifest_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_release_manifest_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_release_manifest_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_release_manifest_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_cluster_manifest_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_cluster_manifest_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_cluster_manifest_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_store_index_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_store_index_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_store_index_LDADD = $(fuzz_lib)
tests_fuzz_fuzz_state_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_state_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_url_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_url_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_http_range_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_http_range_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_procnet_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_procnet_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_config_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_schema_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_schema_LDFLAGS = $(FUZZ_LDFLAGS)
tests_fuzz_fuzz_template_CFLAGS = $(fuzz_cflags)
tests_fuzz_fuzz_template_LDFLAGS = $(FUZZ_LDFLAGS)

if FUZZ
fuzz-harnesses: $(fuzz_harnesses)
else
fuzz-harnesses:
	@echo "the fuzz harnesses need a tree configured CC=clang --enable-fuzz: run scripts/fuzz.sh" >&2; exit 1
endif
# FUZZ_SECONDS per harness (make fuzz-smoke FUZZ_SECONDS=20), two at a
# time; any crash, leak or UB report fails (scripts/fuzz.sh --help).
# Builds _build/fuzz with clang first.
FUZZ_SECONDS = 30
fuzz-smoke:
	$(SHELL) $(top_srcdir)/scripts/fuzz.sh --smoke -s $(FUZZ_SECONDS) -j 2
.PHONY: fuzz-harnesses fuzz-smoke
