#!/usr/bin/env bats
# Files of 64 KiB or more are written with O_DIRECT (#10 item 7): the disk
# reads them from dcos-bootstrap's buffer, no CPU copies them into the page
# cache.  Whole buffers, whole blocks and an unaligned tail must all land,
# each byte checked against the manifest; a file system that refuses
# O_DIRECT, when it is turned on or at the first write, gets the same bytes
# through the page cache.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need strace unshare
	host_scratch
	# big.bin: two full 1 MiB buffers, then 200 whole 4 KiB blocks
	# direct, then a 1-byte tail through the page cache; big2.bin:
	# exactly the threshold, no tail; big3.bin: one byte under it, plain.
	fixture big --big 2916353 --big 65536 --big 65535
}

teardown() {
	rm -rf "$SCRATCH"
}

# traced_run STRACE-ARGS...: strace -ff -qq; LeakSanitizer cannot run
# under ptrace (--enable-sanitize builds), so it is off in there.
traced_run() {
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
	    strace -ff -qq "$@"
}

# install_big [strace options]: installs fixture big on $R under strace
# (-y: every fd with its path), one trace file per thread, all of them in
# $SCRATCH/trace.
install_big() {
	traced_run -y "$@" -o "$SCRATCH/t" \
	    "$BOOTSTRAP" -q install "$SCRATCH/big/cluster.json" \
	    --cache "$SCRATCH/big/cache" --root "$R" --role master
	cat "$SCRATCH"/t.* > "$SCRATCH/trace"
}

# traced NAME CALL ARGS: a CALL on an fd of file NAME, its other arguments
# and result matching the extended regex ARGS.
traced() {
	grep -E "^$2\(-?[0-9]+</[^>]*/$1>, $3" "$SCRATCH/trace"
}

# Sizes as the manifest says, and verify hashes every file again.
intact() {
	local f
	f=$(find "$R/opt/mesosphere/packages" -name big.bin)
	[ "$(stat -c %s "$f")" -eq 2916353 ]
	[ "$(stat -c %s "${f%/*}/big2.bin")" -eq 65536 ]
	[ "$(stat -c %s "${f%/*}/big3.bin")" -eq 65535 ]
	run "$BOOTSTRAP" verify --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "files from 64 KiB on are written direct, whole and with their tails, and verify finds them intact" {
	install_big -e trace=fcntl,pwrite64,write
	# Direct: whole 1 MiB buffers, then whole blocks, then O_DIRECT is
	# cleared for the 1-byte tail, written last.
	traced 'big\.bin' fcntl 'F_SETFL, .*O_DIRECT.*\) = 0'
	traced 'big\.bin' pwrite64 '.*, 1048576, 1048576\) = 1048576'
	traced 'big\.bin' pwrite64 '.*, 819200, 2097152\) = 819200'
	traced 'big\.bin' fcntl 'F_SETFL, O_WRONLY\|O_LARGEFILE\|O_NOFOLLOW\) = 0'
	traced 'big\.bin' pwrite64 '.*, 1, 2916352\) = 1'
	# Exactly the threshold: direct, and no tail to clear it for.
	traced 'big2\.bin' fcntl 'F_SETFL, .*O_DIRECT.*\) = 0'
	traced 'big2\.bin' pwrite64 '.*, 65536, 0\) = 65536'
	[ "$(traced 'big2\.bin' fcntl 'F_SETFL' | wc -l)" -eq 1 ]
	# One byte under it, and the small files: plain writes.
	run traced 'big3\.bin' fcntl 'F_SETFL, .*O_DIRECT'
	[ "$status" -eq 1 ]
	traced 'big3\.bin' write ''
	run traced 'pkginfo\.json' fcntl 'F_SETFL, .*O_DIRECT'
	[ "$status" -eq 1 ]
	intact
}

@test "a file system that refuses the first direct write gets the same bytes through the page cache" {
	# Every thread's first pwrite64 fails with EINVAL, as on a file
	# system that takes O_DIRECT but wants a bigger alignment.
	install_big -e trace=fcntl,pwrite64 -e inject=pwrite64:error=EINVAL:when=1
	traced 'big2?\.bin' pwrite64 '.*, 0\) = -1 EINVAL .*\(INJECTED\)'
	intact
	# No more direct files after that.
	[ "$(grep -c 'F_SETFL, .*O_DIRECT.*) = 0' "$SCRATCH/trace")" -eq 1 ]
}

@test "a file system that refuses O_DIRECT (ramfs) gets plain files" {
	mkdir "$SCRATCH/ram"
	# ramfs in a mount namespace of its own: gone with the namespace, so
	# the install and its checks run in there.
	traced_run -y -e trace=fcntl -o "$SCRATCH/t" unshare -m sh -c '
	    set -e
	    mount -t ramfs ramfs "$0"
	    mkdir "$0/etc"
	    printf "root:x:0:0:root:/root:/bin/sh\n" > "$0/etc/passwd"
	    printf "root:x:0:\n" > "$0/etc/group"
	    "$@" --root "$0" --role master
	    f=$(find "$0/opt/mesosphere/packages" -name big.bin)
	    [ "$(stat -c %s "$f")" -eq 2916353 ]
	    "$1" verify --root "$0"' "$SCRATCH/ram" \
	    "$BOOTSTRAP" -q install "$SCRATCH/big/cluster.json" \
	    --cache "$SCRATCH/big/cache"
	cat "$SCRATCH"/t.* > "$SCRATCH/trace"
	traced 'big\.bin' fcntl 'F_SETFL, .*O_DIRECT.*\) = -1 EINVAL'
	# Once refused, not tried again.
	run traced 'big[23]\.bin' fcntl 'F_SETFL, .*O_DIRECT'
	[ "$status" -eq 1 ]
	# Nothing is left on the scratch directory under the ramfs.
	[ -z "$(ls -A "$SCRATCH/ram")" ]
}
