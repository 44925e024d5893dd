#!/usr/bin/env bats
# dcos-artifactd fsck verifies a store in place: every blob against its
# name, every reference from index.json down, every signature against the
# trusted key; it lists each problem on its own line and exits 0 only when
# the store is clean.

# SPDX-License-Identifier: Apache-2.0
bats_require_minimum_version 1.5.0

load lib
load mkstore

setup() {
	need sha256sum
	SCRATCH=$(mktemp -d)
	mkstore "$SCRATCH/w" 200000
	SRC="$SCRATCH/w/serve"
	KEY="$SCRATCH/w/vendor.pub"
}

teardown() {
	rm -rf "$SCRATCH"
}

@test "fsck of a fresh store is clean and says what it verified" {
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 0 ]
	one_line
	[[ "$output" == *"$SRC: clean: 7 blobs"*"1 cluster manifests, 1 releases verified"* ]]
}

@test "fsck --json: one document with every problem, the counts, and the exit status of the text report (#16 item 5)" {
	need jq
	"$ARTIFACTD" fsck --json -k "$KEY" "$SRC" > "$SCRATCH/out"
	jq -e '.format == 1 and .clean == true and .problems == [] and
	    .blobs == 7 and .cluster_manifests == 1 and .releases == 1 and
	    .bytes > 200000' "$SCRATCH/out"
	diff <(jq -S . "$SCRATCH/out") <(jq . "$SCRATCH/out")
	rm "$SRC/blobs/sha256/$BIG_HEX"
	echo junk > "$SRC/blobs/sha256/not-a-digest"
	run --separate-stderr "$ARTIFACTD" fsck --json -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" | jq -e '.clean == false and
	    (.problems | length) == 2 and
	    (.problems | map(select(test("not a blob name"))) | length) == 1'
	[[ "$stderr" == *"2 problems found"* ]]
}

@test "fsck lists every problem on its own line and exits 1" {
	local zk
	zk=$(awk -F'"' '/zookeeper--3.4.14", "kind"/ { sub("sha256:", "", $4); print $4 }' "$SCRATCH/w/src/cluster.json")
	rm "$SRC/blobs/sha256/$BIG_HEX"
	flip_byte "$SRC/blobs/sha256/$zk"
	flip_byte "$SRC/$RELEASE_TAR"
	echo junk > "$SRC/blobs/sha256/not-a-digest"
	echo 'echo changed' >> "$SRC/dcos_install.sh"
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 6 ]
	[[ "$output" == *"blobs/sha256/not-a-digest: not a blob name"* ]]
	[[ "$output" == *"blobs/sha256/$zk: digest sha256:"*" where sha256:$zk is pinned (corrupt"* ]]
	[[ "$output" == *"blobs/sha256/$BIG_HEX: missing (package mesos--1.2.0"* ]]
	[[ "$output" == *"$RELEASE_TAR: content is sha256:"*"not what index.json lists"* ]]
	[[ "$output" == *"dcos_install.sh: content does not match the digest index.json lists"* ]]
	[[ "${lines[-1]}" == *"$SRC: 5 problems found"* ]]
}

@test "fsck refuses signatures by any key but --trusted-key" {
	"$GENCONF" -q keygen -p "$SCRATCH/other.pub" -s "$SCRATCH/other.key"
	run "$ARTIFACTD" fsck -k "$SCRATCH/other.pub" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"release.json: signed with key "*", which is not the --trusted-key"* ]]
	[[ "$output" == *"$RELEASE_TAR.minisig: signed with key "*", which is not the --trusted-key"* ]]
	# Without --trusted-key the cluster manifest's own keys are used,
	# and fsck says so.
	run "$ARTIFACTD" fsck "$SRC"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no --trusted-key"* ]]
}

@test "a release signature over other content is found" {
	head -c 1000 /dev/urandom > "$SCRATCH/x.tar"
	"$GENCONF" sign -s "$SCRATCH/w/vendor.key" -x "$SRC/$RELEASE_TAR.minisig" "$SCRATCH/x.tar"
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$RELEASE_TAR.minisig: signature does not match the file"* ]]
}

@test "a directory that is not a store gets one line and exit 1" {
	mkdir "$SCRATCH/empty"
	run "$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/empty"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"$SCRATCH/empty is not a store"* ]]
	run "$ARTIFACTD" fsck
	[ "$status" -eq 2 ]
	[[ "$output" == usage:* ]]
	run "$ARTIFACTD" fsck -k "$SCRATCH/nope.pub" "$SRC"
	[ "$status" -eq 1 ]
	one_line
}

@test "a broken index.json is a problem, and the blobs are still checked" {
	echo '{"format": 1' > "$SRC/index.json"
	flip_byte "$SRC/blobs/sha256/$BIG_HEX"
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"index.json:"* ]]
	[[ "$output" == *"blobs/sha256/$BIG_HEX: digest sha256:"* ]]
	[[ "${lines[-1]}" == *"2 problems found"* ]]
}

# A FIFO where a file belongs would block an open or a read forever: it is
# named as a problem at once (timeout bounds the run should it wait).
@test "a FIFO in blobs/, for the install script or for the release tar is a problem, never waited on" {
	local zk
	zk=$(awk -F'"' '/zookeeper--3.4.14", "kind"/ { sub("sha256:", "", $4); print $4 }' "$SCRATCH/w/src/cluster.json")
	rm "$SRC/blobs/sha256/$zk" "$SRC/dcos_install.sh" "$SRC/$RELEASE_TAR"
	mkfifo "$SRC/blobs/sha256/$zk" "$SRC/dcos_install.sh" "$SRC/$RELEASE_TAR"
	run timeout 20 "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"blobs/sha256/$zk: not a regular file"* ]]
	[[ "$output" == *"dcos_install.sh is a FIFO, not a regular file"* ]]
	[[ "$output" == *"$RELEASE_TAR: $SRC/$RELEASE_TAR is a FIFO, not a regular file"* ]]
}

