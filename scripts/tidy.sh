#!/usr/bin/env bash
# clang-tidy (the checks .clang-tidy enables) over the C sources, two
# files at a time, with the compile flags the build uses.  make tidy runs
# it from the build directory; the flags come in TIDY_CFLAGS.
#
#   scripts/tidy.sh [FILE...]   default: every file of scripts/tidy-files
#
# One result per file; the last line says "tidy: N passed, N failed"
# (.ci/run adds it to its total).  Exits 1 when a file has a finding.
set -uo pipefail
# SPDX-License-Identifier: Apache-2.0
top=$(cd "$(dirname "$0")/.." && pwd)
: "${TIDY_CFLAGS:?run through make tidy (it passes the build flags)}"
command -v clang-tidy >/dev/null 2>&1 || {
	echo "tidy: clang-tidy is missing (scripts/install-deps.sh installs it)" >&2
	exit 1
}
if [ $# -eq 0 ]; then
	# The list: comments and blank lines aside, one file per line.
	mapfile -t files < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' \
	    "$top/scripts/tidy-files")
else
	files=("$@")
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# one FILE: clang-tidy's findings for FILE in $out/<n>.log, status in .rc.
one() {
	local f=$1 log
	log=$out/$(printf '%s' "$f" | tr / _)
	# shellcheck disable=SC2086
	clang-tidy --quiet "$top/$f" -- $TIDY_CFLAGS > "$log.log" 2>&1
	echo $? > "$log.rc"
}
export -f one
export top out TIDY_CFLAGS
# shellcheck disable=SC2016 # $1 is for the inner bash
printf '%s\n' "${files[@]}" | xargs -P "${TIDY_JOBS:-2}" -I{} bash -c 'one "$1"' _ {}

p=0
f=0
for file in "${files[@]}"; do
	log=$out/$(printf '%s' "$file" | tr / _)
	# A finding is a "warning:" or "error:" line clang-tidy prints.
	n=$(grep -cE ': (warning|error): ' "$log.log")
	if [ "$(cat "$log.rc")" -eq 0 ] && [ "$n" -eq 0 ]; then
		p=$((p + 1))
	else
		f=$((f + 1))
		echo "not ok $file: $n finding(s)"
		grep -vE '^[0-9]+ warnings? generated' "$log.log"
	fi
done
echo "tidy: $p passed, $f failed"
[ "$f" -eq 0 ]
