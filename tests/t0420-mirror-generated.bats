#!/usr/bin/env bats
# mirror and fsck on a real store: the sample release built with
# dcos-genconf release, compiled twice by dcos-genconf generate (two
# releases, so two cluster manifests), served by stock nginx on loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load recipe
load nginx

setup_file() {
	need tar sha256sum
	sample_release_pair site
	cp ../r1/dcos-1.0.0.tar* .
	"$GENCONF" -q keygen -p ../site.pub -s ../site.key
	"$GENCONF" -q generate
	"$GENCONF" -q generate --release ../r2/dcos-1.1.0.tar --sign-key ../site.key
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	SRC="$FILE_SCRATCH/site/genconf/serve"
	KEY="$FILE_SCRATCH/vendor.pub"
	COPY=$(mktemp -d)/copy
}

teardown() {
	nginx_stop_all
	rm -rf "$(dirname "$COPY")"
}

@test "fsck finds a store written by dcos-genconf generate clean" {
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean: "*" blobs"*"2 cluster manifests, 2 releases verified"* ]]
}

@test "mirror copies a generated store with two releases byte for byte" {
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"current: cluster demo, release dcos-1.1.0 seq 2" ]]
	diff -r "$SRC" "$COPY"
	[ "$(stat -c %a "$COPY/dcos_install.sh")" = "$(stat -c %a "$SRC/dcos_install.sh")" ]
	"$ARTIFACTD" -q fsck -k "$KEY" "$COPY"
	# The releases came as recipes and blobs, never as tars; rebuilt,
	# both tars verify with their signatures by stock minisign.
	! grep -q 'releases/[^ ]*\.tar ' "$NGINX_LOG"
	grep -q 'releases/dcos-1.0.0.tar.minisig ' "$NGINX_LOG"
	need minisign
	for v in 1.0.0 1.1.0; do
		recipe_cat "$COPY" dcos-$v > "$COPY/../dcos-$v.tar"
		minisign -Vqm "$COPY/../dcos-$v.tar" -x "$COPY/releases/dcos-$v.tar.minisig" -p "$KEY"
	done
	# And the site's signature of the install script.
	minisign -Vqm "$COPY/dcos_install.sh" -p "$FILE_SCRATCH/site.pub"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"up to date: nothing to fetch"* ]]
}
