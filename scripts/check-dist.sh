#!/usr/bin/env bash
# check-dist.sh SRCDIR DISTDIR: fails, naming each one, when a file git
# tracks in SRCDIR is missing from DISTDIR (the tree make dist packs),
# unless scripts/dist-exclude lists it.  A tarball without a file the
# README, the tests, the demo or the benchmarks use builds but fails its
# users later; this makes "make dist" fail instead.  When SRCDIR is not
# the top of a git work tree (a tarball's tree) there is nothing to
# compare: it says so and succeeds.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

[ $# -eq 2 ] || { echo "usage: scripts/check-dist.sh SRCDIR DISTDIR" >&2; exit 2; }
src=$1
dist=$2
# The top of a work tree: a tarball unpacked inside another one is not.
if ! [ "$(git -C "$src" rev-parse --show-toplevel 2>/dev/null)" -ef "$src" ]; then
	echo "check-dist: $src is not a git work tree: not comparing" >&2
	exit 0
fi
[ -d "$dist" ] || { echo "check-dist: $dist: no such directory" >&2; exit 2; }

# The patterns (shell globs over paths from the top), comments dropped.
patterns=()
while IFS= read -r line; do
	line=${line%%#*}
	line=${line%"${line##*[![:space:]]}"}
	[ -n "$line" ] && patterns+=("$line")
done < "$src/scripts/dist-exclude"

missing=0
while IFS= read -r -d '' f; do
	for p in "${patterns[@]}"; do
		# shellcheck disable=SC2053 # $p is a glob on purpose
		[[ $f == $p ]] && continue 2
	done
	# Deleted but not yet committed: not the distribution's business.
	[ -e "$src/$f" ] || [ -L "$src/$f" ] || continue
	[ -e "$dist/$f" ] || [ -L "$dist/$f" ] && continue
	echo "check-dist: $f is tracked by git but not in the distribution: add it to EXTRA_DIST (or to scripts/dist-exclude, saying why)" >&2
	missing=$((missing + 1))
done < <(git -C "$src" ls-files -z)
[ "$missing" -eq 0 ] || { echo "check-dist: $missing tracked file(s) missing from the distribution" >&2; exit 1; }
