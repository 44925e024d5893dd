#!/usr/bin/env bats
# dcos-genconf prune and dcos-artifactd mirror --prune on a real store:
# the sample release in two versions, generated three times (three
# cluster manifests, two releases).

# SPDX-License-Identifier: Apache-2.0
load lib
load recipe
load nginx

setup_file() {
	need tar sha256sum jq flock curl
	sample_release_pair site
	"$GENCONF" -q generate --release ../r1/dcos-1.0.0.tar
	echo 'dns_search: prune.example' >> genconf/config.yaml
	"$GENCONF" -q generate --release ../r1/dcos-1.0.0.tar
	"$GENCONF" -q generate --release ../r2/dcos-1.1.0.tar
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	W=$(mktemp -d)
	cp -a "$FILE_SCRATCH/site" "$W/site"
	S=$W/site/genconf/serve
	KEY=$FILE_SCRATCH/vendor.pub
	cd "$W/site"
}

teardown() {
	nginx_stop_all
	[ -z "${LOOP_PID:-}" ] || kill "$LOOP_PID" 2>/dev/null || true
	rm -rf "$W"
}

# Every file of the store with its digest, for "nothing changed".
listing() {
	(cd "$1" && find . -type f -exec sha256sum {} + | sort)
}

@test "the fixture store has three cluster manifests and two releases" {
	[ "$(jq '.cluster_manifests | length' "$S/index.json")" -eq 3 ]
	[ "$(jq '.releases | length' "$S/index.json")" -eq 2 ]
}

@test "prune --dry-run lists what would go and changes nothing" {
	before=$(listing "$S")
	run "$GENCONF" prune --keep 1 --dry-run
	[ "$status" -eq 0 ]
	[[ "$output" == *"would remove releases/dcos-1.0.0.tar"* ]]
	[[ "$output" == *"would remove releases/dcos-1.0.0.tar.minisig"* ]]
	[[ "$output" == *"would remove blobs/sha256/"* ]]
	[[ "$output" == *"would remove 2 cluster manifests, 1 release and "* ]]
	[ "$(listing "$S")" = "$before" ]
}

@test "prune --keep 1 keeps the current cluster and what it needs, fsck stays clean" {
	cur=$(jq -r .current "$S/index.json")
	old_recipe=$(jq -r '.releases[] | select(.version == "1.0.0") | .recipe' "$S/index.json")
	nblobs=$(ls "$S/blobs/sha256" | wc -l)
	run "$GENCONF" prune --keep 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed 2 cluster manifests, 1 release and "*" blobs from "* ]]
	[ "$(jq -r '.cluster_manifests | join(",")' "$S/index.json")" = "$cur" ]
	[ "$(jq -r '[.releases[].version] | join(",")' "$S/index.json")" = 1.1.0 ]
	[ ! -e "$S/releases/dcos-1.0.0.tar" ]
	[ ! -e "$S/releases/dcos-1.0.0.tar.minisig" ]
	# The kept release keeps its recipe blob; the dropped one's goes.
	[ -f "$(recipe_path "$S" dcos-1.1.0)" ] && [ -e "$S/releases/dcos-1.1.0.tar.minisig" ]
	[ ! -e "$S/blobs/sha256/${old_recipe#sha256:}" ]
	[ "$(ls "$S/blobs/sha256" | wc -l)" -lt "$nblobs" ]
	run "$ARTIFACTD" fsck -k "$KEY" "$S"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 cluster manifests, 1 releases verified"* ]]
	# Nothing left to do the second time.
	run "$GENCONF" prune --keep 1
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed 0 cluster manifests, 0 releases and 0 blobs"* ]]
}

@test "prune --keep 2 keeps every blob both kept manifests reach, and release 1.0.0 they name" {
	run "$GENCONF" prune --keep 2
	[ "$status" -eq 0 ]
	[ "$(jq '.cluster_manifests | length' "$S/index.json")" -eq 2 ]
	# The second newest manifest is release 1.0.0's: its recipe stays.
	[ -f "$(recipe_path "$S" dcos-1.0.0)" ] && [ -e "$S/releases/dcos-1.0.0.tar.minisig" ]
	for cm in $(jq -r '.cluster_manifests[] | sub("sha256:"; "")' "$S/index.json"); do
		for d in $(jq -r '(.blobs[].digest, .bootstrap[].digest, .config_package.digest) | sub("sha256:"; "")' \
		    "$S/blobs/sha256/$cm"); do
			[ -f "$S/blobs/sha256/$d" ] || { echo "kept manifest $cm lost $d"; false; }
		done
	done
	"$ARTIFACTD" -q fsck -k "$KEY" "$S"
}

@test "prune --json says what it removed" {
	"$GENCONF" prune --keep 1 --json > "$W/out.json"
	output=$(cat "$W/out.json")
	echo "$output" | jq -e '.format == 1 and .keep == 1 and .dry_run == false and
	    .cluster_manifests_removed == 2 and .releases_removed == 1 and
	    (.blobs | length) > 0 and .bytes > 0 and
	    (.files | index("releases/dcos-1.0.0.tar.minisig")) != null'
	for d in $(echo "$output" | jq -r '.blobs[].digest | sub("sha256:"; "")'); do
		[ ! -e "$S/blobs/sha256/$d" ]
	done
}

@test "prune leaves files it does not own alone" {
	echo notes > "$S/releases/README"
	echo x > "$S/blobs/sha256/not-a-digest"
	run "$GENCONF" prune --keep 1
	[ "$status" -eq 0 ]
	[ "$(cat "$S/releases/README")" = notes ]
	[ -e "$S/blobs/sha256/not-a-digest" ]
}

@test "prune refuses while another dcos-genconf holds the site, and changes nothing" {
	before=$(listing "$S")
	run flock -n genconf "$GENCONF" prune --keep 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"another dcos-genconf is writing this store"* ]]
	[ "$(listing "$S")" = "$before" ]
}

@test "prune refuses a store whose kept manifest is damaged, and changes nothing" {
	cur=$(jq -r '.current | sub("sha256:"; "")' "$S/index.json")
	chmod u+w "$S/blobs/sha256/$cur"
	echo '{}' > "$S/blobs/sha256/$cur"
	before=$(listing "$S")
	run "$GENCONF" prune --keep 1
	[ "$status" -eq 1 ]
	[[ "$output" == *"run dcos-artifactd fsck"* ]]
	[ "$(listing "$S")" = "$before" ]
}

@test "prune refuses a bad --keep with one line" {
	run "$GENCONF" prune --keep 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"--keep '0': give how many cluster manifests to keep, 1 or more"* ]]
	run "$GENCONF" prune --keep 1x
	[ "$status" -eq 2 ]
}

@test "hosts reading the store while prune runs never miss a kept blob" {
	nginx_start "$S"
	cur=$(jq -r '.current | sub("sha256:"; "")' "$S/index.json")
	kept=$(jq -r '(.blobs[].digest, .bootstrap[].digest) | sub("sha256:"; "")' "$S/blobs/sha256/$cur")
	# A reader fetching every blob of the current cluster, over and over.
	(
		while :; do
			for d in $cur $kept; do
				curl -fsS -o /dev/null "$NGINX_URL/blobs/sha256/$d" ||
					echo "MISSING $d"
			done
		done
	) > "$W/reader.log" 2>&1 3>&- &
	LOOP_PID=$!
	# The reader is running before prune starts and after it ends.
	wait_until 30 grep -q " 200 " "$NGINX_LOG"
	run "$GENCONF" prune --keep 1
	[ "$status" -eq 0 ]
	n=$(wc -l < "$NGINX_LOG")
	wait_until 30 eval '[ "$(wc -l < "$NGINX_LOG")" -gt "$n" ]'
	kill "$LOOP_PID"
	wait "$LOOP_PID" 2>/dev/null || true
	LOOP_PID=
	run grep MISSING "$W/reader.log"
	[ "$status" -eq 1 ]
	# (a request cut by the kill may log 499; none may be a 404)
	run grep " 404 " "$NGINX_LOG"
	[ "$status" -eq 1 ]
}

@test "mirror --prune follows a pruned primary; without it the mirror keeps everything" {
	nginx_start "$S"
	M=$W/mirror
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$M"
	"$GENCONF" -q prune --keep 1
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$M"
	[ "$(ls "$M/blobs/sha256" | wc -l)" -gt "$(ls "$S/blobs/sha256" | wc -l)" ]
	run "$ARTIFACTD" mirror --prune -k "$KEY" "$NGINX_URL" "$M"
	[ "$status" -eq 0 ]
	[[ "$output" == *"pruned "*" blobs and 1 release file "*"that the primary no longer lists"* ]]
	diff <(ls "$S/blobs/sha256") <(ls "$M/blobs/sha256")
	[ ! -e "$M/releases/dcos-1.0.0.tar" ]
	"$ARTIFACTD" -q fsck -k "$KEY" "$M"
}
