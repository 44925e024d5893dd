#!/usr/bin/env bats
# The programs build, answer --help and --version, and dcos-bootstrap is a
# static binary that runs with nothing around it.

# SPDX-License-Identifier: Apache-2.0
load lib

setup() {
	SCRATCH=$(mktemp -d)
}

teardown() {
	rm -rf "$SCRATCH"
}

@test "every program prints its version" {
	for p in "$GENCONF" "$ARTIFACTD" "$BOOTSTRAP"; do
		run "$p" --version
		[ "$status" -eq 0 ]
		[[ "$output" == *"(dcos-installer) "[0-9]* ]]
	done
}

@test "every program prints usage with --help and rejects unknown commands" {
	for p in "$GENCONF" "$ARTIFACTD" "$BOOTSTRAP"; do
		run "$p" --help
		[ "$status" -eq 0 ]
		[[ "$output" == usage:* ]]
		run "$p" no-such-command
		[ "$status" -eq 2 ]
		[[ "$output" == *"unknown command 'no-such-command'"* ]]
	done
}

@test "dcos-bootstrap is statically linked" {
	need_static_bootstrap
	run ldd "$BOOTSTRAP"
	[[ "$output" == *"not a dynamic executable"* ]]
	run file "$BOOTSTRAP"
	[[ "$output" != *"dynamically linked"* ]]
}

@test "the static dcos-bootstrap holds no NSS loader (it can never read nsswitch.conf)" {
	need_static_bootstrap
	run no_nss_loader "$BOOTSTRAP"
	[ "$status" -eq 0 ] || { echo "$output"; return 1; }
}

@test "the no-NSS check fails on a dynamic binary and on a static one with NSS" {
	# A check that cannot fail proves nothing: /bin/sh is dynamic, and
	# Debian's static busybox links glibc's NSS (it has getpwnam).
	need busybox
	run no_nss_loader /bin/sh
	[ "$status" -eq 1 ]
	[[ "$output" == *"dynamically linked"* ]]
	run no_nss_loader "$(command -v busybox)"
	[ "$status" -eq 1 ]
	[[ "$output" == *"NSS loader is linked in"* ]]
	printf 'not an executable: /etc/nsswitch.conf\n' > "$SCRATCH/text"
	run no_nss_loader "$SCRATCH/text"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not an ELF file"* ]]
}

@test "dcos-bootstrap --version runs in an empty root with an empty environment" {
	need_static_bootstrap
	mkdir "$SCRATCH/root"
	cp "$BOOTSTRAP" "$SCRATCH/root/dcos-bootstrap"
	chroot=$(command -v chroot)
	run env -i "$chroot" "$SCRATCH/root" /dcos-bootstrap --version
	[ "$status" -eq 0 ]
	[[ "$output" == "dcos-bootstrap (dcos-installer) "* ]]
	[ "$(ls "$SCRATCH/root")" = dcos-bootstrap ]
}

@test "every command answers -h with its usage on stdout, once, and nothing on stderr" {
	for p in "$GENCONF" "$ARTIFACTD" "$BOOTSTRAP"; do
		cmds=$("$p" --help | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
		[ -n "$cmds" ]
		for c in $cmds; do
			"$p" "$c" -h > "$SCRATCH/out" 2> "$SCRATCH/err" ||
				{ echo "$p $c -h failed"; return 1; }
			[ ! -s "$SCRATCH/err" ] || { echo "$p $c -h wrote to stderr:"; cat "$SCRATCH/err"; return 1; }
			[ "$(grep -c '^usage:' "$SCRATCH/out")" -eq 1 ] ||
				{ echo "$p $c -h:"; cat "$SCRATCH/out"; return 1; }
		done
	done
}
