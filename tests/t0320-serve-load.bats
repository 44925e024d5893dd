#!/usr/bin/env bats
# dcos-artifactd serve under load: a thousand clients at once all get
# their blob (wrk holds every connection open for the whole run).

# SPDX-License-Identifier: Apache-2.0
load lib
load serve-lib

setup() {
	need curl wrk
	SCRATCH=$(mktemp -d)
	STORE="$SCRATCH/store"
	make_store "$STORE"
}

teardown() {
	stop_server || true
	rm -rf "$SCRATCH"
}

@test "1,000 concurrent connections all succeed" {
	ulimit -n 4096
	start_server --root "$STORE" --max-per-ip 2000 --threads 2
	run wrk -t2 -c1000 -d2s --timeout 10s "$URL/blobs/sha256/$SMALL"
	echo "$output"
	[ "$status" -eq 0 ]
	# wrk prints these lines only when something failed.
	[[ "$output" != *"Socket errors"* ]]
	[[ "$output" != *"Non-2xx"* ]]
	reqs=$(echo "$output" | sed -n 's/^ *\([0-9]*\) requests in .*/\1/p')
	[ "$reqs" -ge 1000 ]
	# Every connection was open at once, and every request was a 200.
	[ "$(metric 'dcos_artifactd_requests_total{code="200"}')" -ge "$reqs" ]
	[ "$(metric 'dcos_artifactd_requests_total{code="other"}')" -eq 0 ]
	[ "$(metric dcos_artifactd_open_connections_max)" -ge 1000 ]
	[ "$(metric dcos_artifactd_open_connections)" -le 2 ]
}
