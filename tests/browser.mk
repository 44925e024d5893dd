# SPDX-License-Identifier: Apache-2.0
# tests/browser.mk: the web installer (dcos-genconf web) driven in Debian's
# headless chromium by playwright-core, against the real sshd hosts of the
# fleet tests.  The npm packages come from tests/browser/package-lock.json
# (npm ci into the build directory); --disable-browser-tests skips them.
TESTS += tests/t0910-web-browser.sh
EXTRA_DIST += tests/t0910-web-browser.sh tests/browser/web-ui.test.mjs \
	tests/browser/package.json tests/browser/package-lock.json
if BROWSER_TESTS
dcos_browser_tests = yes
else
dcos_browser_tests = no
endif
AM_TESTS_ENVIRONMENT += \
	DCOS_BROWSER_TESTS=$(dcos_browser_tests); export DCOS_BROWSER_TESTS;
# npm ci's packages (tests/browser-npm) and the screenshots the tests take.
clean-local: clean-browser-tests
clean-browser-tests:
	-rm -rf tests/browser-npm tests/browser-screenshots
.PHONY: clean-browser-tests
