# SPDX-License-Identifier: Apache-2.0
# tests/windows.mk: dcos_install.ps1 under PowerShell 7 (#13).
windows_bats = tests/t0950-windows-install.bats
# Only when configure left them on (--disable-pwsh-tests, the default of
# --enable-sanitize: they test a PowerShell script, not C).
if PWSH_TESTS
TESTS += $(windows_bats)
endif
EXTRA_DIST += $(windows_bats) tests/windows.bash tests/win-store.py \
	tests/ps-service-standin.ps1 tests/ps51-grammar.ps1
dist_man_MANS += man/dcos_install.ps1.8
