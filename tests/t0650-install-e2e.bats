#!/usr/bin/env bats
# End to end: the sample release and site compiled by dcos-genconf
# generate, served by dcos-artifactd on loopback, installed with
# "curl ... | dash" and with busybox ash + busybox wget, and installed
# offline from a --download-only directory with the server stopped.
# Each host runs in its own network namespace with only loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup_file() {
	sample_releases
	make_site site http://127.0.0.1:18080 r1
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need curl dash busybox unshare ip jq shellcheck
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export SCRATCH
	STORE="$FILE_SCRATCH/site/genconf/serve"
	export STORE
	mkdir "$SCRATCH/R"
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

installed_ok() {
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation:  1"* ]]
	[[ "$output" == *"roles:       $1"* ]]
	[[ "$output" == *"release:     dcos 1.0.0 (seq 1)"* ]]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
	[ -f "$SCRATCH/R/etc/mesosphere/roles/$1" ]
	# Without --keep-cache the downloaded blobs are gone.
	[ ! -e "$SCRATCH/R/var/lib/dcos/bootstrap/cache" ]
}

@test "curl | dash -s -- --root R master installs from dcos-artifactd, and a re-run is a no-op" {
	run netns_run '
		start_artifactd "$STORE" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" master
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" master
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ports for role master: PASS (27 ports free)"* ]]
	[[ "$output" == *"Checking ip-detect: PASS (10.0.0.5)"* ]]
	[[ "$output" == *"already active: generation 1"* ]]
	# The re-run skips the ports its own services hold; both runs check the
	# sample's requirements (sh, cores, memory: #16 item 8).
	[ "$(grep -c '^Checking .*: PASS' <<< "$output")" -eq 17 ]
	[ "$(grep -c '^Checking .*: SKIP' <<< "$output")" -eq 1 ]
	installed_ok master
	# What dcos-genconf generated is as clean as the template.
	shellcheck -s sh "$STORE/dcos_install.sh"
}

@test "busybox wget | busybox ash, with only busybox on PATH, installs a public agent" {
	# The sample ip-detect needs ip, sed, cut and hostname: busybox's.
	make_busybox_path "$SCRATCH/bb" ip sed cut hostname
	run netns_run '
		start_artifactd "$STORE" 18080
		busybox wget -qO- http://127.0.0.1:18080/dcos_install.sh |
		    env -i PATH="$SCRATCH/bb" "$(command -v busybox)" ash -s -- \
		    --root "$SCRATCH/R" slave_public
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ports for role slave_public: PASS (10 ports free)"* ]]
	installed_ok slave_public
}

@test "--download-only, then --offline with the server stopped, installs a master" {
	run netns_run '
		start_artifactd "$STORE" 18080
		curl -fsS -o "$SCRATCH/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$SCRATCH/dcos_install.sh" --download-only "$SCRATCH/carry"
		stop_artifactd
		! curl -fsS http://127.0.0.1:18080/index.json
		dash "$SCRATCH/dcos_install.sh" --root "$SCRATCH/R" --offline "$SCRATCH/carry" master'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ip-detect: PASS (10.0.0.5)"* ]]
	installed_ok master
	# The carried directory is left as it was: every blob, nothing else.
	[ -z "$(find "$SCRATCH/carry" -name '*.part')" ]
	cm=$(jq -r '.current[7:]' "$STORE/index.json")
	cmp "$STORE/blobs/sha256/$cm" "$SCRATCH/carry/blobs/sha256/$cm"
}

@test "an offline directory that lacks a blob is refused in one line, host unchanged" {
	run netns_run '
		start_artifactd "$STORE" 18080
		curl -fsS -o "$SCRATCH/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$SCRATCH/dcos_install.sh" --download-only "$SCRATCH/carry" 2>/dev/null
		stop_artifactd'
	[ "$status" -eq 0 ]
	cm=$(jq -r '.current[7:]' "$STORE/index.json")
	pkg=$(jq -r '[.blobs[] | select(.kind == "package")][0].digest[7:]' "$STORE/blobs/sha256/$cm")
	rm "$SCRATCH/carry/blobs/sha256/$pkg"
	run netns_run 'dash "$SCRATCH/dcos_install.sh" --root "$SCRATCH/R" --offline "$SCRATCH/carry" master'
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "dcos_install.sh: error: $SCRATCH/carry lacks 1 of the blobs this cluster needs (first: sha256:$pkg): fill it with 'dcos_install.sh --download-only DIR' on a host with network access" ]]
	[ -z "$(ls -A "$SCRATCH/R")" ]
}

@test "a busy master port stops the install at preflight (exit 1: one check failed); the host is unchanged but for the downloads kept" {
	run netns_run '
		start_artifactd "$STORE" 18080
		start_artifactd "$STORE" 5050
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" master'
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Checking ports for role master: FAIL (in use: 5050/tcp on 127.0.0.1: stop the programs holding them)"* ]]
	[[ "${lines[-1]}" == "dcos_install.sh: error: 1 preflight check(s) failed"* ]]
	[ -z "$(cd "$SCRATCH/R" && find . -type f ! -path './var/lib/dcos/bootstrap/cache/*')" ]
	[ "$(stat -c %a "$SCRATCH/R/var/lib/dcos/bootstrap/cache")" = 700 ]
}

@test "--preflight-only runs the checks, fetches no package and changes nothing" {
	run netns_run '
		start_artifactd "$STORE" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" --preflight-only slave
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"preflight checks passed"* ]]
	! grep -q 'fetching .* blob(s)' <<< "$(grep -v 'fetching 3 blob' <<< "$output")"
	[ -z "$(ls -A "$SCRATCH/R")" ]
}

@test "with bootstrap_url down, the store served by stock nginx as --mirror installs an agent" {
	run netns_run '
		start_nginx M "$STORE"
		curl -fsS -o "$SCRATCH/dcos_install.sh" "http://127.0.0.1:$NGINX_M_PORT/dcos_install.sh"
		DCOS_RETRIES=1 dash "$SCRATCH/dcos_install.sh" --root "$SCRATCH/R" \
		    --mirror "http://127.0.0.1:$NGINX_M_PORT" slave
		stop_nginx M'
	echo "$output"
	[ "$status" -eq 0 ]
	installed_ok slave
	# Every blob came from nginx.
	[ "$(grep -c '^200 /blobs/sha256/' "$SCRATCH/nginx-M/access.log")" -ge 6 ]
}

@test "the next store's dcos_install.sh upgrades an installed host to a new generation" {
	make_site "$SCRATCH/site" http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	run netns_run '
		start_artifactd "$SCRATCH/site/genconf/serve" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh | dash -s -- --root "$SCRATCH/R" master
		stop_artifactd'
	[ "$status" -eq 0 ]
	installed_ok master
	# The operator generates the store again from release 1.1.0.
	cp "$FILE_SCRATCH"/r2/dcos-1.1.0.tar* "$SCRATCH/site/"
	(cd "$SCRATCH/site" && "$GENCONF" -q generate --release dcos-1.1.0.tar >/dev/null)
	run netns_run '
		start_artifactd "$SCRATCH/site/genconf/serve" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh | dash -s -- --root "$SCRATCH/R" master
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking for an existing installation: PASS ($SCRATCH/R/opt/mesosphere/current -> generations/1, roles: master; this run upgrades or re-applies it)"* ]]
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	[[ "$output" == *"generation:  2"* ]]
	[[ "$output" == *"release:     dcos 1.1.0 (seq 2)"* ]]
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -eq 0 ]
}
