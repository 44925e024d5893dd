#!/usr/bin/env bats
# Documentation and host-run scripts meet the project's bar: every man page
# lints clean and has EXIT STATUS and EXAMPLES, make install installs the
# programs and the pages, and every script a host runs is POSIX sh that
# shellcheck passes.

load lib

setup() {
	need mandoc shellcheck
	SCRATCH=$(mktemp -d)
}

teardown() {
	rm -rf "$SCRATCH"
}

PAGES="dcos-genconf.1 dcos-artifactd.8 dcos-bootstrap.8 dcos_install.sh.8
dcos-config.yaml.5 dcos-release.5 dcos-store.5 dcos_install.ps1.8"

@test "every man page exists, lints clean and has EXIT STATUS and EXAMPLES" {
	for p in $PAGES; do
		f="$top_srcdir/man/$p"
		[ -f "$f" ] || { echo "missing man/$p"; return 1; }
		run mandoc -Tlint -W warning "$f"
		[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$p: $output"; return 1; }
		grep -q '^\.Sh EXIT STATUS' "$f" || { echo "$p: no EXIT STATUS"; return 1; }
		grep -q '^\.Sh EXAMPLES' "$f" || { echo "$p: no EXAMPLES"; return 1; }
	done
}

@test "make install puts the three programs and every man page in place" {
	make -s -C "$top_builddir" install DESTDIR="$SCRATCH/dest" prefix=/usr >/dev/null
	for p in bin/dcos-genconf sbin/dcos-artifactd sbin/dcos-bootstrap; do
		[ -x "$SCRATCH/dest/usr/$p" ] || { echo "not installed: $p"; return 1; }
	done
	for p in $PAGES; do
		[ -f "$SCRATCH/dest/usr/share/man/man${p##*.}/$p" ] ||
			{ echo "not installed: $p"; return 1; }
	done
	run "$SCRATCH/dest/usr/sbin/dcos-bootstrap" --version
	[ "$status" -eq 0 ]
}

@test "every script a host runs is POSIX sh and shellcheck-clean" {
	for f in scripts/dcos_install.sh.in sample/site/genconf/ip-detect \
	    scripts/install-deps.sh; do
		head -n 1 "$top_srcdir/$f" | grep -qx '#!/bin/sh' ||
			{ echo "$f: not a /bin/sh script"; return 1; }
		run shellcheck -s sh "$top_srcdir/$f"
		[ "$status" -eq 0 ] || { echo "$f: $output"; return 1; }
	done
}

@test "scripts/build-lib.sh is bash, sourced by bash only, and it and they are shellcheck-clean as bash" {
	cd "$top_srcdir"
	sed -n 2p scripts/build-lib.sh | grep -qx '# shellcheck shell=bash'
	users=$(grep -rlE '(\.|source) "?\$[a-z_]+/scripts/build-lib\.sh' scripts tests)
	[ -n "$users" ]
	for f in $users; do
		case $f in
		*.bats) ;;	# bats runs its tests in bash
		*)	head -n 1 "$f" | grep -Eqx '#!(/usr/bin/env |/bin/)bash' ||
				{ echo "$f sources scripts/build-lib.sh and is not bash"; return 1; } ;;
		esac
	done
	# shellcheck disable=SC2046 # one word a file
	run shellcheck -s bash -x scripts/build-lib.sh $(echo "$users" | grep '\.sh$')
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "the README names the two set-up commands" {
	grep -q '^scripts/demo.sh' "$top_srcdir/README.md"
	grep -q '^scripts/test.sh' "$top_srcdir/README.md"
}

@test "every source file carries its SPDX licence identifier (LICENSE: Apache-2.0)" {
	grep -q 'Apache License' "$top_srcdir/LICENSE"
	cd "$top_srcdir"
	# The files git tracks; in a release tarball, the same names found
	# there, less what autotools generate.  The sample's package payloads
	# and site are data a test installs, not sources.
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		list() { git ls-files; }
	else
		list() {
			find . -path ./_build -prune -o -path ./build-aux -prune \
			    -o -path ./m4 -prune -o -name node_modules -prune \
			    -o -type f ! -name Makefile.in ! -name config.h.in \
			    -print | sed 's|^\./||'
		}
	fi
	missing=$(list | grep -E '\.(c|h|sh|bash|bats|mk|py|ps1|in|[158]|mjs|js|css|html)$|^(Makefile\.am|configure\.ac)$' |
	    grep -v -e '^tests/fuzz/corpus/' -e '^genconf/web/ui-files\.c$' \
	    -e '^sample/packages/' -e '^sample/site/' \
	    -e '^genconf/install-template\.c$' |
	    while read -r f; do
		grep -q 'SPDX-License-Identifier: Apache-2.0' "$f" || echo "$f"
	    done)
	[ -z "$missing" ] || { echo "no SPDX-License-Identifier in:"; echo "$missing"; false; }
}
