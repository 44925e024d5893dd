#!/usr/bin/env bats
# dcos-bootstrap against the real producer: stores written by
# dcos-genconf generate from the sample release (scripts/
# build-sample-release.sh), used as the blob cache as they are.

# SPDX-License-Identifier: Apache-2.0
load host

setup_file() {
	export FILE_SCRATCH=$(mktemp -d)
	cd "$FILE_SCRATCH"
	sample_release_pair
	mkdir site
	cp -R "$top_srcdir/sample/site/genconf" site/genconf
	cp vendor.pub site/dcos-release.pub
	(cd site && "$GENCONF" -q generate --release "$FILE_SCRATCH/r1/dcos-1.0.0.tar")
	cp site/genconf/serve/index.json index-1.json
	(cd site && "$GENCONF" -q generate --release "$FILE_SCRATCH/r2/dcos-1.1.0.tar")
	cp site/genconf/serve/index.json index-2.json
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need python3
	SCRATCH=$(mktemp -d)
	R=$SCRATCH/root
	mkdir -p "$R"
	STORE=$FILE_SCRATCH/site/genconf/serve
}

teardown() {
	rm -rf "$SCRATCH"
}

# The cluster manifest blob an index names as current.
manifest_of() {
	local d
	d=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["current"][7:])' "$FILE_SCRATCH/$1")
	echo "$STORE/blobs/sha256/$d"
}

@test "a store from dcos-genconf generate installs, verifies and reports its release" {
	run "$BOOTSTRAP" install "$(manifest_of index-1.json)" --cache "$STORE" \
	    --root "$R" --role slave
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 1 active: dcos 1.0.0 seq 1"* ]]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
	"$R/opt/mesosphere/bin/busybox" true
	[ -e "$R/opt/mesosphere/etc/ip-detect" ]
	"$BOOTSTRAP" status --root "$R" | grep -q 'release:     dcos 1.0.0 (seq 1)'
}

@test "the next generated release upgrades and rolls back" {
	"$BOOTSTRAP" -q install "$(manifest_of index-1.json)" --cache "$STORE" \
	    --root "$R" --role master >/dev/null
	before=$(snapshot "$R/opt/mesosphere/generations/1")
	run "$BOOTSTRAP" install "$(manifest_of index-2.json)" --cache "$STORE" \
	    --root "$R" --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 2 active: dcos 1.1.0 seq 2"* ]]
	"$BOOTSTRAP" verify --root "$R"
	"$BOOTSTRAP" rollback --root "$R"
	[ "$(current_gen "$R")" = 1 ]
	[ "$(snapshot "$R/opt/mesosphere/generations/1")" = "$before" ]
	"$BOOTSTRAP" verify --root "$R"
}

@test "the sample release's checks pass, catch a changed page, and repair fixes it" {
	"$BOOTSTRAP" -q install "$(manifest_of index-2.json)" --cache "$STORE" \
	    --root "$R" --role master >/dev/null
	run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^"PASS dcos-base/dcos-base (exit 0, "[0-9.]+"s): $R/opt/mesosphere/etc/dcos-base.conf is installed"$ ]]
	[[ ${lines[1]} =~ ^"PASS dcos-hello/dcos-hello-release (exit 0, "[0-9.]+"s): the page names release 1.1.0"$ ]]
	page=$R/opt/mesosphere/packages/dcos-hello--1.1.0/www/index.html
	sed -i 's/Release 1.1.0/Release 1.0.0/' "$page"
	run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ ${lines[1]} =~ ^"FAIL dcos-hello/dcos-hello-release (exit 2, "[0-9.]+"s): www/index.html does not name release 1.1.0"$ ]]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 1 ]
	"$BOOTSTRAP" repair --root "$R" --cache "$STORE"
	"$BOOTSTRAP" verify --root "$R"
	"$BOOTSTRAP" check --root "$R"
}
