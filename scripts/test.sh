#!/usr/bin/env bash
# Builds from scratch and runs every test; the last line is
# "N passed, N failed".  With --sanitize, builds under AddressSanitizer and
# UndefinedBehaviorSanitizer and runs the tests of C code (configure
# --enable-sanitize leaves out those of the host scripts, the tarball, the
# guides and the web page: README "Tests").  Installs missing Debian
# packages first.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/.." && pwd)
mode=plain
configure_args=()
case "${1:-}" in
--sanitize) mode=sanitize; configure_args+=(--enable-sanitize) ;;
"") ;;
-h|--help) echo "usage: scripts/test.sh [--sanitize]"; exit 0 ;;
*) echo "usage: scripts/test.sh [--sanitize]" >&2; exit 2 ;;
esac

"$top/scripts/install-deps.sh"

# shellcheck source=scripts/build-lib.sh
. "$top/scripts/build-lib.sh"
build="$top/_build/$mode"
src=$(build_source "$top" "$build")
rm -rf "$build"
mkdir -p "$build"
cd "$src"
autoreconf -fi >/dev/null 2>&1 || autoreconf -fi
cd "$build"
"$src/configure" -q "${configure_args[@]}"
make -j"$(nproc)" >/dev/null
# Sanitizer builds: fail on the first report, including leaks.
export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
status=0
make -j"$(nproc)" check >check.out 2>&1 || status=$?
grep -E '^(FAIL|ERROR|XPASS):' check.out || true
find . -name '*.trs' -exec cat {} + >results.txt
count() { grep -cE "^:test-result: ($1)" results.txt || true; }
passed=$(count PASS)
failed=$(count 'FAIL|ERROR|XPASS')
skipped=$(count SKIP)
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	tail -n 40 check.out
	failed=1
fi
if [ "$failed" -ne 0 ]; then
	find . -name '*.trs' -exec grep -lE '^:test-result: (FAIL|ERROR)' {} + |
	while read -r f; do
		echo "--- ${f%.trs}.log"
		tail -n 30 "${f%.trs}.log"
	done
fi
echo "$mode: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
