#!/bin/sh
# Installs the Debian packages the build, the tests, the demo, the
# benchmarks and the fuzz harnesses (clang, libFuzzer) need, when any is
# missing, and PowerShell 7 (a .NET global tool).  Safe to run again.
# With arguments, those packages instead (scripts/deb-check.sh: debhelper,
# lintian), and no PowerShell.  The browser tests
# (tests/t0910-web-browser.sh) need chromium, node and npm; they take their
# npm packages from tests/browser/package-lock.json themselves (npm ci).
set -eu
# SPDX-License-Identifier: Apache-2.0

pkgs="autoconf automake libtool pkg-config make gcc file binutils
clang clang-tidy libclang-rt-14-dev
libssl-dev libarchive-dev libzstd-dev liblzma-dev zlib1g-dev libjansson-dev
libyaml-dev libmicrohttpd-dev libcurl4-openssl-dev libcmocka-dev
libcrypt-dev libsystemd-dev systemd openssh-client openssh-server
bats minisign busybox-static dash curl wget shellcheck mandoc nginx-light
chromium fonts-dejavu-core
bc coreutils hyperfine iproute2 jq libarchive-tools openssl pmccabe python3 strace sudo util-linux wrk xz-utils zstd"
# promtool, which tests/t0300-serve.bats checks /metrics with (Debian has
# it only in the server's package; under systemd that enables the
# prometheus service: systemctl disable --now prometheus if unwanted)
pkgs="$pkgs prometheus"
all=$#
[ $# -eq 0 ] || pkgs="$*"

# PowerShell 7 for the dcos_install.ps1 tests (t0950): the .NET global
# tool, in ~/.dotnet/tools (tests/windows.bash puts it on PATH).  7.7.0,
# what an unversioned install takes, does not run on this SDK.
pwsh_version=7.6.10
install_pwsh() {
	if [ -x "$HOME/.dotnet/tools/pwsh" ] &&
	    dotnet tool list --global 2>/dev/null |
	    grep -qiE "^powershell +$pwsh_version( |\$)"; then
		return 0
	fi
	command -v dotnet >/dev/null 2>&1 || {
		echo "error: pwsh $pwsh_version missing and no .NET SDK (dotnet) to install it with" >&2
		exit 1
	}
	echo "installing: PowerShell $pwsh_version (dotnet global tool)" >&2
	if dotnet tool list --global 2>/dev/null | grep -qi '^powershell '; then
		dotnet tool update --global PowerShell --version "$pwsh_version" >/dev/null
	else
		dotnet tool install --global PowerShell --version "$pwsh_version" >/dev/null
	fi
}

missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
# Node.js may come from elsewhere than Debian (with its own npm, which
# Debian's npm package would conflict with): only a missing one is added.
if [ "$all" -eq 0 ]; then
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: missing Debian packages:$missing (run as root, or apt-get install them)" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
[ "$all" -ne 0 ] || install_pwsh
