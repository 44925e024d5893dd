#!/usr/bin/env bats
# Upgrades fetch only what the host does not have: the sample release
# 1.0.0 installed with "curl | dash", the store generated again from
# 1.1.0 (only dcos-hello changes), and the new dcos_install.sh run on the
# installed host, with dcos-artifactd's access log as the witness.  Each
# host runs in its own network namespace with only loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup_file() {
	sample_releases
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need curl dash unshare ip jq
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export SCRATCH
	mkdir "$SCRATCH/R"
	make_site "$SCRATCH/site" http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	STORE="$SCRATCH/site/genconf/serve"
	export STORE
	# dcos-artifactd with an access log: start_artifactd runs $ARTIFACTD.
	cat > "$SCRATCH/logged-artifactd" <<-EOF
	#!/bin/sh
	exec "$ARTIFACTD" "\$@" --access-log "\$ACCESS_LOG"
	EOF
	chmod 755 "$SCRATCH/logged-artifactd"
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# run_script LOG: serves the store with its access log in LOG and runs
# its dcos_install.sh on the host R as a master.  The server is stopped
# (which flushes the log) before this returns.
run_script() {
	ACCESS_LOG=$1
	export ACCESS_LOG
	run netns_run '
		ARTIFACTD="$SCRATCH/logged-artifactd"
		start_artifactd "$STORE" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" master
		stop_artifactd'
	echo "$output"
}

# fetched LOG: the paths answered with 200, one per request, sorted.
fetched() {
	sed -n 's/^[^"]*"GET \([^ "]*\) HTTP\/1\.1" 200 .*/\1/p' "$1" | sort
}

# blob_paths KIND [ID]...: the /blobs/sha256/<hex> of the current cluster
# manifest's Linux blobs of that kind (and id).
blob_paths() {
	local cm
	cm="$STORE/blobs/sha256/$(jq -r '.current[7:]' "$STORE/index.json")"
	jq -r --arg k "$1" --arg id "${2:-}" \
	    '.blobs[] | select(.kind == $k and ($id == "" or .id == $id) and (.platform // "linux") == "linux") | "/blobs/sha256/\(.digest[7:])"' \
	    "$cm"
}

upgrade_store() {
	cp "$FILE_SCRATCH"/r2/dcos-1.1.0.tar* "$SCRATCH/site/"
	(cd "$SCRATCH/site" && "$GENCONF" -q generate --release dcos-1.1.0.tar >/dev/null)
}

upgraded_ok() {
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation:  2"* ]]
	[[ "$output" == *"release:     dcos 1.1.0 (seq 2)"* ]]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	# Without --keep-cache the downloaded blobs are gone again.
	[ ! -e "$SCRATCH/R/var/lib/dcos/bootstrap/cache" ]
}

@test "an upgrade to 1.1.0 downloads release.json, its signature, the new dcos-hello and the new config package only" {
	run_script "$SCRATCH/install.log"
	[ "$status" -eq 0 ]
	# The first install fetched every package.
	[ "$(fetched "$SCRATCH/install.log" | grep -c '^/blobs/')" -eq 8 ]
	upgrade_store
	run_script "$SCRATCH/upgrade.log"
	[ "$status" -eq 0 ]
	# release.json, its signature and the config package first, then the
	# one new package: one "fetching N blob(s)" line
	[[ "$output" == *"fetching the signed release and the config package"* ]]
	[[ "$output" == *"fetching 1 blob(s)"* ]]
	[ "$(grep -c 'fetching [0-9]* blob(s)' <<< "$output")" -eq 1 ]
	# dcos-bootstrap is the same: the copy the first install kept is
	# checked against the new script's pin and used.
	[[ "$output" == *"fetching the cluster manifest ($SCRATCH/R/var/lib/dcos/bootstrap/dcos-bootstrap is the pinned dcos-bootstrap)"* ]]
	upgraded_ok
	# Besides the script and the new cluster manifest, exactly these,
	# once each.
	local cm
	cm=$(jq -r '"/blobs/sha256/\(.current[7:])"' "$STORE/index.json")
	printf '%s\n' /dcos_install.sh "$cm" "$(blob_paths release)" \
	    "$(blob_paths signature)" "$(blob_paths config)" \
	    "$(blob_paths package dcos-hello--1.1.0)" | sort > want
	fetched "$SCRATCH/upgrade.log" > got
	diff want got
	# And no request for anything else (no failed or partial ones).
	[ "$(wc -l < "$SCRATCH/upgrade.log")" -eq 6 ]
	# Generation 1 keeps its dcos-hello for a rollback.
	[ -d "$SCRATCH/R/opt/mesosphere/packages/dcos-hello--1.0.0" ]
	[ -d "$SCRATCH/R/opt/mesosphere/packages/dcos-hello--1.1.0" ]
}

@test "an upgrade fetches again and replaces a package whose installed manifest was tampered with" {
	local pkg="$SCRATCH/R/opt/mesosphere/packages/dcos-base--1.0.0"
	run_script "$SCRATCH/install.log"
	[ "$status" -eq 0 ]
	# Someone hides a changed file by rewriting the manifest to match.
	local f sum
	f=$(jq -r '[.files[] | select(.type == "file")][0].path' "$pkg/.dcos-manifest.json")
	chmod u+w "$pkg/.dcos-manifest.json" "$pkg/$f"
	echo evil > "$pkg/$f"
	sum=$(sha256sum < "$pkg/$f" | cut -d' ' -f1)
	jq -c --arg p "$f" --arg d "sha256:$sum" \
	    '(.files[] | select(.path == $p)) |= (.sha256 = $d | .size = 5)' \
	    "$pkg/.dcos-manifest.json" > "$SCRATCH/m.json"
	cp "$SCRATCH/m.json" "$pkg/.dcos-manifest.json"
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not the manifest the release signed"* ]]
	# The kept dcos-bootstrap is damaged too: it is not used.
	printf 'X' >> "$SCRATCH/R/var/lib/dcos/bootstrap/dcos-bootstrap"
	upgrade_store
	run_script "$SCRATCH/upgrade.log"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fetching dcos-bootstrap ($(uname -m)) and the cluster manifest"* ]]
	cmp "$SCRATCH/R/var/lib/dcos/bootstrap/dcos-bootstrap" "$BOOTSTRAP"
	[[ "$output" == *"$pkg/.dcos-manifest.json is not the manifest the signed release lists for dcos-base--1.0.0: its blob is needed to replace it"* ]]
	[[ "$output" == *"replacing $pkg with the package from its blob"* ]]
	[[ "$output" == *"fetching 2 blob(s)"* ]]
	fetched "$SCRATCH/upgrade.log" | grep -qx "$(blob_paths package dcos-base--1.0.0)"
	upgraded_ok
	cmp "$pkg/$f" "$top_srcdir/sample/packages/dcos-base--1.0.0/$f"
	grep -q '"event":"repair"' "$SCRATCH/R/var/lib/dcos/bootstrap/journal"
}

@test "an upgrade that can neither finish nor roll back says so; running the script again finishes it" {
	local unit="$SCRATCH/R/etc/systemd/system/dcos-hello.service"
	need chattr
	run_script "$SCRATCH/install.log"
	[ "$status" -eq 0 ]
	# An edited unit that not even root can replace: the switch to 2
	# cannot put its unit in place, nor the way back generation 1's.
	echo '# edited' >> "$unit"
	chattr +i "$unit" || skip "chattr +i is not supported here"
	upgrade_store
	run_script "$SCRATCH/upgrade.log"
	chattr -i "$unit"
	[ "$status" -eq 1 ]
	[[ "$output" == *"rolling back failed too"* ]]
	[[ "${lines[-1]}" == "dcos_install.sh: error: dcos-bootstrap install did not complete (exit 3, see above for the state of the host): fix the problem and run this script again to finish" ]]
	[[ "$output" != *"keeps its previous state"* ]]
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[[ "$output" == *"unfinished:  the install of generation 2 was interrupted"* ]]
	run_script "$SCRATCH/again.log"
	[ "$status" -eq 0 ]
	upgraded_ok
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[[ "$output" != *unfinished* ]]
}
