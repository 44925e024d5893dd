#!/usr/bin/env bats
# dcos-bootstrap missing: the blobs a cache still lacks, one
# "sha256:<hex> <size> <path>" line each, from the cluster manifest alone.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	need jq zstd
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	make_store "$SCRATCH/store" http://127.0.0.1:1 >/dev/null
	M="$STORE/blobs/sha256/$MANIFEST_HEX"
	cp "$M" cluster.json
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

@test "an empty cache lacks every blob, listed with digest, size and path" {
	run "$BOOTSTRAP" missing cluster.json --cache "$SCRATCH/cache"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 5 ]
	jq -r '.blobs[] | "\(.digest) \(.size) '"$SCRATCH"'/cache/blobs/sha256/\(.digest | ltrimstr("sha256:"))"' \
	    cluster.json > want
	[ "$output" = "$(cat want)" ]
	[ ! -e cache ]
}

@test "--preflight lists only release.json, its signature and the config package" {
	run "$BOOTSTRAP" missing cluster.json --cache cache --preflight
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 3 ]
	[ "$output" = "$(jq -r '.blobs[] | select(.kind != "package") | "\(.digest) \(.size) cache/blobs/sha256/\(.digest | ltrimstr("sha256:"))"' cluster.json)" ]
}

@test "a complete cache lacks nothing" {
	run "$BOOTSTRAP" missing cluster.json --cache "$STORE"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

@test "a damaged or truncated blob in the cache is listed again, with a warning" {
	cp -r "$STORE" cache
	flip_byte "cache/blobs/sha256/$BIG_HEX" 10
	run "$BOOTSTRAP" missing cluster.json --cache cache
	[ "$status" -eq 0 ]
	[[ "$output" == *"cache/blobs/sha256/$BIG_HEX: digest sha256:"*" where sha256:$BIG_HEX is pinned (corrupt or tampered blob"*"): listed to be fetched again"* ]]
	[[ "$output" == *"sha256:$BIG_HEX $BIG_SIZE cache/blobs/sha256/$BIG_HEX"* ]]
	truncate -s 1000 "cache/blobs/sha256/$BIG_HEX"
	run "$BOOTSTRAP" missing cluster.json --cache cache
	[[ "$output" == *"cache/blobs/sha256/$BIG_HEX: 1000 bytes where $BIG_SIZE are pinned"* ]]
	[ "$("$BOOTSTRAP" missing cluster.json --cache cache 2>/dev/null | wc -l)" -eq 1 ]
}

@test "a bad manifest or a cache that is a file is one error line" {
	echo '{"format": 1}' > bad.json
	run "$BOOTSTRAP" missing bad.json --cache cache
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"bad.json"* ]]
	: > file
	run "$BOOTSTRAP" missing cluster.json --cache file
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"cache file is not a directory"* ]]
	run "$BOOTSTRAP" missing cluster.json
	[ "$status" -eq 2 ]
}

@test "a cache of symbolic links into a store counts as present, as install reads it" {
	mkdir -p links/blobs/sha256
	for f in "$STORE"/blobs/sha256/*; do
		ln -s "$f" "links/blobs/sha256/${f##*/}"
	done
	run "$BOOTSTRAP" missing cluster.json --cache links
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}
