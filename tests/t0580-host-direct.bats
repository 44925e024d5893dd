#!/usr/bin/env bats
# Big files are written with O_DIRECT (#10 item 7): the disk reads them
# from dcos-bootstrap's buffer, no CPU copies them into the page cache.
# Whole buffers, whole blocks and an unaligned tail must all land, each
# byte checked against the manifest, on a file system that takes it.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need strace
	host_scratch
	# 3,000,001 random bytes: two full 1 MiB buffers, then whole 4 KiB
	# blocks direct, then a 1-byte tail through the page cache.
	fixture big --big 3000001
}

teardown() {
	rm -rf "$SCRATCH"
}

@test "a big file is written direct, whole and with its tail, and verify finds it intact" {
	# One trace file per thread: each call on one line.
	strace -ff -qq -e trace=openat,fcntl -o "$SCRATCH/t" \
	    "$BOOTSTRAP" -q install "$SCRATCH/big/cluster.json" \
	    --cache "$SCRATCH/big/cache" --root "$R" --role master
	cat "$SCRATCH"/t.* > "$SCRATCH/trace"
	# Opened with O_DIRECT, which is cleared for the tail.
	grep -E 'openat\(.*"big\.bin".*O_DIRECT' "$SCRATCH/trace"
	fd=$(sed -n 's/.*openat(.*"big\.bin".*O_DIRECT.*) = \([0-9]*\)$/\1/p' "$SCRATCH/trace")
	[ -n "$fd" ]
	grep -E "fcntl\($fd, F_SETFL, O_WRONLY\|O_LARGEFILE" "$SCRATCH/trace"
	# Small files are not.
	grep -E 'openat\(.*"pkginfo\.json"' "$SCRATCH/trace"
	run grep -E 'openat\(.*"pkginfo\.json".*O_DIRECT' "$SCRATCH/trace"
	[ "$status" -eq 1 ]
	f=$(find "$R/opt/mesosphere/packages" -name big.bin)
	[ "$(stat -c %s "$f")" -eq 3000001 ]
	# verify hashes every file again against the signed manifest.
	run "$BOOTSTRAP" verify --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
}
