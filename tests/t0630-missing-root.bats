#!/usr/bin/env bats
# dcos-bootstrap missing --root and install on a host that already has
# packages: a package extracted with the manifest digest the signed
# release.json lists needs no blob; anything else is fetched and
# extracted again, never trusted.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	need jq zstd
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	make_store "$SCRATCH/store" http://127.0.0.1:1 >/dev/null
	cp "$STORE/blobs/sha256/$MANIFEST_HEX" cluster.json
	mkdir R
	PKGS="$SCRATCH/R/opt/mesosphere/packages"
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# blob_of KIND [ID]: the hex digest of that blob of cluster.json.
blob_of() {
	jq -r --arg k "$1" --arg id "${2:-}" \
	    '.blobs[] | select(.kind == $k and ($id == "" or .id == $id)) | .digest[7:]' \
	    cluster.json
}

# cache_with HEX...: a cache holding only those blobs of the store.
cache_with() {
	local h
	rm -rf cache
	mkdir -p cache/blobs/sha256
	for h in "$@"; do
		cp "$STORE/blobs/sha256/$h" cache/blobs/sha256/
	done
}

# The signed pair that proves which packages are wanted.
signed_pair() {
	echo "$(blob_of release) $(blob_of signature)"
}

install_host() {
	"$BOOTSTRAP" -q install --cache "$STORE" --root "$SCRATCH/R" \
	    --no-start cluster.json --role master
}

listed() {
	"$BOOTSTRAP" missing cluster.json --cache cache --root "$SCRATCH/R" \
	    2>/dev/null | cut -d' ' -f1 | cut -c8- | sort
}

@test "missing --root skips the packages installed with their signed manifest, never the config package" {
	install_host
	# shellcheck disable=SC2046
	cache_with $(signed_pair)
	run "$BOOTSTRAP" -v missing cluster.json --cache cache --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"2 package(s) already installed under $SCRATCH/R"* ]]
	[ "$(listed)" = "$(blob_of config)" ]
	# Without --root every package is listed, as before.
	[ "$("$BOOTSTRAP" missing cluster.json --cache cache | wc -l)" -eq 3 ]
}

@test "missing --root lists every package while release.json or its signature is not in the cache" {
	install_host
	cache_with
	[ "$(listed | wc -l)" -eq 5 ]
	cache_with "$(blob_of release)"
	[ "$(listed | wc -l)" -eq 4 ]
	run "$BOOTSTRAP" -v missing cluster.json --cache cache --root "$SCRATCH/R"
	[[ "$output" == *"release.json or its signature is not in cache yet: every package is listed"* ]]
}

@test "missing --root on a host without packages lists them all" {
	# shellcheck disable=SC2046
	cache_with $(signed_pair)
	[ "$(listed)" = "$(printf '%s\n' "$(blob_of package big--2.0)" \
	    "$(blob_of package hello--1.0)" "$(blob_of config)" | sort)" ]
}

@test "a tampered installed manifest makes missing --root list the package, with a warning" {
	install_host
	# shellcheck disable=SC2046
	cache_with $(signed_pair)
	chmod u+w "$PKGS/big--2.0/.dcos-manifest.json"
	printf ' ' >> "$PKGS/big--2.0/.dcos-manifest.json"
	run "$BOOTSTRAP" missing cluster.json --cache cache --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$PKGS/big--2.0/.dcos-manifest.json is not the manifest the signed release lists for big--2.0: its blob is needed to replace it"* ]]
	[ "$(listed)" = "$(printf '%s\n' "$(blob_of package big--2.0)" \
	    "$(blob_of config)" | sort)" ]
}

@test "a package directory that is a symbolic link, or lacks its manifest, is listed" {
	install_host
	# shellcheck disable=SC2046
	cache_with $(signed_pair)
	mv "$PKGS/big--2.0" "$SCRATCH/big"
	ln -s "$SCRATCH/big" "$PKGS/big--2.0"
	rm "$PKGS/hello--1.0/.dcos-manifest.json"
	run "$BOOTSTRAP" missing cluster.json --cache cache --root "$SCRATCH/R"
	[[ "$output" == *"$PKGS/big--2.0 is not a directory: its blob is needed to replace it"* ]]
	[[ "$output" == *"$PKGS/hello--1.0/.dcos-manifest.json is missing or a symbolic link: its blob is needed to replace it"* ]]
	[ "$(listed | wc -l)" -eq 3 ]
}

@test "missing --root trusts no installed package when release.json is signed by a key the cluster does not trust" {
	install_host
	rm -rf "$STORE" "$STORE.src"
	# The same packages, but the release signed by a foreign key.
	UNTRUSTED_SIGNER=1 make_store "$SCRATCH/store" http://127.0.0.1:1 >/dev/null
	cp "$STORE/blobs/sha256/$MANIFEST_HEX" cluster.json
	# shellcheck disable=SC2046
	cache_with $(signed_pair)
	run "$BOOTSTRAP" missing cluster.json --cache cache --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"release.json is signed with key "*", which is not among the cluster manifest's trusted_keys: every package is listed"* ]]
	[ "$(listed | wc -l)" -eq 3 ]
}

@test "missing --root that is not a directory is one error line" {
	: > file
	run "$BOOTSTRAP" missing cluster.json --cache cache --root file
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"--root file: not a directory"* ]]
}

@test "install needs no blob for a package installed with its signed manifest" {
	install_host
	rm -rf "$PKGS/hello--1.0"
	# A new generation of the same cluster (other roles): big--2.0 stays,
	# hello--1.0 is extracted again from the only package blob given.
	# shellcheck disable=SC2046
	cache_with $(signed_pair) "$(blob_of config)" "$(blob_of package hello--1.0)"
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master,slave --change-roles
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation 2 active"*"(1 new)"* ]]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	# A package that is not installed still needs its blob.
	rm -rf "$PKGS/hello--1.0"
	rm cache/blobs/sha256/"$(blob_of package hello--1.0)"
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role slave
	[ "$status" -eq 1 ]
	[[ "$output" == *"package hello--1.0 (sha256:$(blob_of package hello--1.0)) is not in the cache"* ]]
}

@test "install swaps a package whose installed manifest was tampered with for its blob, and journals it" {
	install_host
	chmod u+w "$PKGS/big--2.0/.dcos-manifest.json" "$PKGS/big--2.0/lib/data"
	printf ' ' >> "$PKGS/big--2.0/.dcos-manifest.json"
	echo evil > "$PKGS/big--2.0/lib/data"
	# shellcheck disable=SC2046
	cache_with $(signed_pair) "$(blob_of config)" "$(blob_of package big--2.0)"
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"is not the manifest the signed release lists for big--2.0: replacing $PKGS/big--2.0 with the package from its blob"* ]]
	[[ "$output" == *"1 package(s) of generation 1 extracted again"* ]]
	[[ "$output" == *"already active: generation 1"* ]]
	cmp "$PKGS/big--2.0/lib/data" "$STORE.src/big--2.0/lib/data"
	[ -z "$(ls -A "$PKGS" | grep '^\.')" ]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	grep -q '"event":"repair"' "$SCRATCH/R/var/lib/dcos/bootstrap/journal"
}

@test "a crash right after the swap leaves the genuine package in place, and the next run cleans up" {
	install_host
	chmod u+w "$PKGS/big--2.0/.dcos-manifest.json"
	printf ' ' >> "$PKGS/big--2.0/.dcos-manifest.json"
	# shellcheck disable=SC2046
	cache_with $(signed_pair) "$(blob_of config)" "$(blob_of package big--2.0)"
	run env DCOS_BOOTSTRAP_CRASH_AT=replaced "$BOOTSTRAP" install --cache cache \
	    --root "$SCRATCH/R" --no-start cluster.json --role master
	[ "$status" -eq 137 ]
	# The tampered tree waits under the staging name; the real one is in.
	[ -d "$PKGS/.staging-big--2.0" ]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master
	[ "$status" -eq 0 ]
	[[ "$output" == *"already active: generation 1"* ]]
	[ ! -e "$PKGS/.staging-big--2.0" ]
}

@test "an installed config package is held to the manifest in its pinned blob and replaced when tampered with" {
	local cfg
	install_host
	cfg=$(jq -r '.config_package.id' cluster.json)
	chmod u+w "$PKGS/$cfg/etc" "$PKGS/$cfg/.dcos-manifest.json"
	printf '#!/bin/sh\necho 192.0.2.1\n' > "$PKGS/$cfg/etc/ip-detect"
	printf ' ' >> "$PKGS/$cfg/.dcos-manifest.json"
	# shellcheck disable=SC2046
	cache_with $(signed_pair) "$(blob_of config)"
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$PKGS/$cfg/.dcos-manifest.json is not the manifest the pinned config package holds for $cfg: replacing"* ]]
	cmp "$PKGS/$cfg/etc/ip-detect" "$STORE.src/$cfg/etc/ip-detect"
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	# A config blob that is not the pinned one is refused, nothing changes.
	flip_byte "cache/blobs/sha256/$(blob_of config)" 20
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"corrupt or tampered blob"* ]]
}

@test "without its blob, a tampered package stops install with the cache hint" {
	install_host
	chmod u+w "$PKGS/big--2.0/.dcos-manifest.json"
	printf ' ' >> "$PKGS/big--2.0/.dcos-manifest.json"
	# shellcheck disable=SC2046
	cache_with $(signed_pair) "$(blob_of config)"
	run "$BOOTSTRAP" install --cache cache --root "$SCRATCH/R" --no-start \
	    cluster.json --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"package big--2.0 (sha256:$(blob_of package big--2.0)) is not in the cache"* ]]
}
