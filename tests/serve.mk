# SPDX-License-Identifier: Apache-2.0
# tests/serve.mk: sources, tests and man pages of this area (add with +=).
check_PROGRAMS += tests/unit/test-serve-http
tests_unit_test_serve_http_SOURCES = tests/unit/test-serve-http.c \
	server/url.c server/url.h server/http-range.c server/http-range.h
tests_unit_test_serve_http_CFLAGS = $(unit_cflags) -I$(top_srcdir)/server
tests_unit_test_serve_http_LDADD = $(unit_ldadd)
TESTS += tests/unit/test-serve-http

serve_bats = \
	tests/t0300-serve.bats \
	tests/t0310-serve-hostile.bats \
	tests/t0320-serve-load.bats \
	tests/t0330-serve-user.bats \
	tests/t0340-serve-systemd.bats
TESTS += $(serve_bats)
EXTRA_DIST += $(serve_bats) tests/serve-lib.bash scripts/bench/server.sh
dist_man_MANS += man/dcos-artifactd.8

check_PROGRAMS += tests/unit/test-metrics
tests_unit_test_metrics_SOURCES = tests/unit/test-metrics.c \
	server/metrics.c server/metrics.h
tests_unit_test_metrics_CFLAGS = $(unit_cflags) -I$(top_srcdir)/server
tests_unit_test_metrics_LDADD = $(unit_ldadd)
TESTS += tests/unit/test-metrics
