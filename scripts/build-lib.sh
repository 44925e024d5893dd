# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash
# A bash library, not a host script (those are POSIX sh): sourced by the
# bash scripts scripts/test.sh, demo.sh and fuzz.sh and by t0030's bats
# tests, never run by a host; t0020 shellchecks it as bash.  It says where
# their out-of-tree builds (_build/NAME) configure from.
#
# A tree configured in place (./configure at the top leaves config.status
# there) makes automake refuse every build elsewhere ("source directory
# already configured").  "make distclean" would undo that, but it also
# throws away the user's in-tree build; so instead the build gets a copy of
# the source files (what git tracks plus what it does not ignore, edits
# included), and says so.

# build_source TOP BUILD: prints the directory BUILD is to be configured
# from: the source tree TOP itself, or, when TOP is configured in place, a
# fresh copy of its source files in BUILD-src.  Fails, saying what to run,
# when TOP is configured in place and is not a git work tree (nothing
# names its source files).
build_source() {
	local top=$1 copy=$2-src f
	if [ ! -e "$top/config.status" ]; then
		printf '%s\n' "$top"
		return 0
	fi
	# The top of a work tree: a tarball unpacked inside another one is not.
	if ! [ "$(git -C "$top" rev-parse --show-toplevel 2>/dev/null)" -ef "$top" ]; then
		echo "error: $top is configured in place (config.status), so automake refuses a build in $2, and it is not a git work tree to copy the sources from: run 'make distclean' in $top first (it removes the in-tree build)" >&2
		return 1
	fi
	echo "note: $top is configured in place (config.status), so automake refuses a build in $2: building from a copy of its source files in $copy instead (your in-tree build is left as it is; 'make distclean' in $top ends this)" >&2
	rm -rf "$copy"
	mkdir -p "$copy"
	# Tracked files deleted in the work tree are left out.
	git -C "$top" ls-files -z --cached --others --exclude-standard |
	while IFS= read -r -d '' f; do
		if [ -e "$top/$f" ] || [ -L "$top/$f" ]; then
			printf '%s\0' "$f"
		fi
	done | tar -C "$top" --null --no-recursion -T - -cf - |
	    tar -C "$copy" -xf - || return 1
	printf '%s\n' "$copy"
}
