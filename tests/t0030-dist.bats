#!/usr/bin/env bats
# The source tree builds for others: make dist packs every file git tracks
# (but the few scripts/dist-exclude names), and scripts/test.sh, demo.sh
# and fuzz.sh still build out of tree after someone ran ./configure at the
# top, from a copy, without touching that in-tree build.

# SPDX-License-Identifier: Apache-2.0
load lib

setup() {
	SCRATCH=$(mktemp -d)
}

teardown() {
	rm -rf "$SCRATCH"
}

# Skips unless the sources are the top of a git work tree (a tarball's
# tree, as in make distcheck, has nothing to compare with).
need_git_tree() {
	need git
	[ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" -ef "$top_srcdir" ] ||
		skip "$top_srcdir is not a git work tree (built from a tarball)"
}

# Skips in the sanitizer suite: what these tests check (make's file lists,
# the scripts' set-up) does not depend on the compiler flags.
plain_only() {
	[ "${DCOS_SANITIZE:-no}" = no ] ||
		skip "runs in the plain suite only: nothing here depends on the sanitizers"
}

@test "make dist packs every file git tracks but those scripts/dist-exclude names" {
	need_git_tree
	plain_only
	# make distdir runs the dist-hook, scripts/check-dist.sh.
	run env MAKEFLAGS= make -s -C "$top_builddir" distdir distdir="$SCRATCH/d"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	[ -f "$SCRATCH/d/sample/packages/dcos-hello--1.0.0/dcos.target.wants_slave_public/dcos-hello.service" ]
	[ -f "$SCRATCH/d/LICENSE" ]
}

@test "check-dist names each tracked file missing from a tarball's tree" {
	need git
	mkdir -p "$SCRATCH/src/scripts" "$SCRATCH/src/docs" "$SCRATCH/dist/scripts"
	cd "$SCRATCH/src"
	cp "$top_srcdir/scripts/dist-exclude" scripts/
	printf 'x\n' > docs/formats.md
	printf 'y\n' > .gitignore
	git init -q .
	git add -A
	cp scripts/dist-exclude "$SCRATCH/dist/scripts/"
	run bash "$top_srcdir/scripts/check-dist.sh" "$SCRATCH/src" "$SCRATCH/dist"
	[ "$status" -eq 1 ]
	[[ "$output" == *"docs/formats.md is tracked by git but not in the distribution: add it to EXTRA_DIST"* ]]
	[[ "$output" != *".gitignore"* ]]	# excluded
	[[ "$output" == *"1 tracked file(s) missing"* ]]
	mkdir "$SCRATCH/dist/docs"
	cp docs/formats.md "$SCRATCH/dist/docs/"
	run bash "$top_srcdir/scripts/check-dist.sh" "$SCRATCH/src" "$SCRATCH/dist"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "after an in-tree ./configure the scripts build from a copy and leave the in-tree build alone" {
	need_git_tree
	plain_only
	need autoreconf tar
	# A scratch work tree with the sources and the autotools output (as
	# after autoreconf), configured in place.
	tree=$SCRATCH/tree
	mkdir "$tree"
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 bash -c 'for f; do [ ! -e "$f" ] || printf "%s\0" "$f"; done' bash |
	    tar --null -T - -cf - configure aclocal.m4 Makefile.in config.h.in build-aux) |
	    tar -C "$tree" -xf -
	git -C "$tree" init -q
	git -C "$tree" add -A
	(cd "$tree" && ./configure -q)
	before=$(cd "$tree" && ls -l --time-style=full-iso config.status Makefile config.h)
	# What automake says without the copy: the reason for it.
	mkdir "$SCRATCH/direct"
	run sh -c "cd '$SCRATCH/direct' && '$tree/configure' -q"
	[ "$status" -ne 0 ]
	[[ "$output" == *"source directory already configured"* ]]

	# The build step of scripts/test.sh and demo.sh.
	build=$tree/_build/plain
	source "$tree/scripts/build-lib.sh"
	src=$(build_source "$tree" "$build" 2> "$SCRATCH/note")
	(cd "$src" && autoreconf -fi >/dev/null 2>&1)
	mkdir -p "$build"
	(cd "$build" && "$src/configure" -q)
	make -s -C "$build" genconf/install-template.c lib/libdcos_a-digest.o
	[ -f "$build/lib/libdcos_a-digest.o" ]
	cat "$SCRATCH/note"
	grep -q "is configured in place (config.status), so automake refuses a build in $build: building from a copy of its source files in $build-src" "$SCRATCH/note"
	[ ! -e "$src/config.status" ]
	# The in-tree build is as it was.
	[ "$(cd "$tree" && ls -l --time-style=full-iso config.status Makefile config.h)" = "$before" ]

	# Not a git work tree: nothing names the sources, so it says what to run.
	rm -rf "$tree/.git"
	run build_source "$tree" "$build"
	[ "$status" -eq 1 ]
	[[ "$output" == *"run 'make distclean' in $tree first (it removes the in-tree build)"* ]]
}

@test "a tree not configured in place builds from itself" {
	source "$top_srcdir/scripts/build-lib.sh"
	mkdir "$SCRATCH/t"
	run build_source "$SCRATCH/t" "$SCRATCH/t/_build/plain"
	[ "$status" -eq 0 ]
	[ "$output" = "$SCRATCH/t" ]
}
