#!/usr/bin/env bats
# Machine-readable output and exit statuses (#16 item 5): preflight,
# missing, status, verify and check --json each print one JSON document
# with sorted keys and "format": 1 on stdout (docs/formats.md "JSON
# output"), people's messages on stderr; a held lock exits 5, nothing
# installed exits 4 (man dcos-bootstrap, EXIT STATUS).

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need jq flock
	host_scratch
	M=$SCRATCH/r1/cluster.json
	C=$SCRATCH/r1/cache
}

teardown() {
	rm -rf "$SCRATCH"
}

# js CMD...: runs dcos-bootstrap CMD with stdout in $SCRATCH/out (checked
# to be one JSON document with sorted keys), stderr in $SCRATCH/err and
# the exit status in $st.
js() {
	st=0
	"$BOOTSTRAP" "$@" > "$SCRATCH/out" 2> "$SCRATCH/err" || st=$?
	jq -e 'type == "object" and .format == 1' "$SCRATCH/out" >/dev/null
	# Sorted keys, one document: what jq -S makes of it is the same.
	diff <(jq -S . "$SCRATCH/out") <(jq . "$SCRATCH/out")
	[ "$(jq -s length "$SCRATCH/out")" -eq 1 ]
}

q() { jq -r "$1" "$SCRATCH/out"; }

@test "preflight --json: every check with its status and detail, the counts agree with the exit status, the lines go to stderr" {
	js preflight "$M" --cache "$C" --root "$R" --role master --json
	[ "$st" -eq 0 ]
	[ "$(q '.roles | join(",")')" = master ]
	[ "$(q '.checks | length')" -eq 6 ]
	[ "$(q '[.checks[] | select(.status == "PASS")] | length')" -eq "$(q .passed)" ]
	[ "$(q .failed)" -eq 0 ]
	[ "$(q '.checks[] | select(.check == "ip-detect") | .detail')" = 127.0.0.1 ]
	grep -q '^Checking ip-detect: PASS (127.0.0.1)$' "$SCRATCH/err"
	# A failing check: exit 1 (not the count), failed counts it.
	mkdir -p "$R/opt/mesosphere" && touch "$R/opt/mesosphere/junk"
	js preflight "$M" --cache "$C" --root "$R" --role master --json
	[ "$st" -eq 1 ]
	[ "$(q .failed)" -eq 1 ]
	[ "$(q '.checks[] | select(.check == "for an existing installation") | .status')" = FAIL ]
}

@test "missing --json: each blob with digest, size, path and kind; count and bytes add up" {
	mkdir "$SCRATCH/empty"
	js missing "$M" --cache "$SCRATCH/empty" --json
	[ "$st" -eq 0 ]
	[ "$(q '.blobs | length')" -eq "$(q .count)" ]
	[ "$(q '[.blobs[].size] | add')" -eq "$(q .bytes)" ]
	[ "$(q '[.blobs[].kind] | unique | join(",")')" = "config,package,release,signature" ]
	[ "$(q '.blobs[] | select(.kind == "release") | .path')" = \
	    "$SCRATCH/empty/blobs/sha256/$(q '.blobs[] | select(.kind == "release") | .digest | ltrimstr("sha256:")')" ]
	[ "$(q '.blobs[] | select(.kind == "package") | .id' | head -n 1)" != null ]
	js missing "$M" --cache "$C" --json
	[ "$(q .count)" -eq 0 ]
	[ "$(q .blobs)" = "[]" ]
}

@test "status, verify and check --json describe an installed host; drift is listed finding by finding" {
	install_fx r1 "$R" --role master >/dev/null
	js status --root "$R" --json
	[ "$st" -eq 0 ]
	[ "$(q .installed)" = true ]
	[ "$(q .current.generation)" -eq 1 ]
	[ "$(q '.current.roles | join(",")')" = master ]
	js verify --root "$R" --json
	[ "$st" -eq 0 ]
	[ "$(q .clean)" = true ]
	[ "$(q .generation)" -eq 1 ]
	[ "$(q .findings)" = "[]" ]
	[ "$(q .journal.intact)" = true ]
	f=$(find "$R/opt/mesosphere/packages" -type f -path '*/bin/*' | head -n 1)
	chmod u+w "$f" && echo changed >> "$f"
	js verify --root "$R" --json
	[ "$st" -eq 1 ]
	[ "$(q .clean)" = false ]
	[ "$(q .changed)" -eq 1 ]
	[ "$(q '.findings[0].kind')" = changed ]
	[ "$(q '.findings[0].path')" = "/opt/mesosphere/packages/${f#"$R/opt/mesosphere/packages/"}" ]
	js check --root "$R" --json
	[ "$st" -eq 0 ]
	[ "$(q .generation)" -eq 1 ]
	[ "$(q .checks)" -eq "$(q '.results | length')" ]
	[ "$(q .critical)" -eq 0 ]
}

@test "nothing installed: status, status --check, verify, check, activate, rollback and uninstall exit 4" {
	js status --root "$R" --json
	[ "$st" -eq 4 ]
	[ "$(q .installed)" = false ]
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 4 ]
	[[ "$output" == *"not installed"* ]]
	# activate first: the lock it takes must not make the host look
	# installed to the others, and the empty host stays empty.
	before=$(snapshot "$R")
	for c in activate uninstall verify check rollback gc repair activate; do
		run "$BOOTSTRAP" "$c" --root "$R"
		echo "$c: $status $output"
		[ "$status" -eq 4 ]
		[[ "$output" == *"nothing"*"installed"* ]]
	done
	[ "$(snapshot "$R")" = "$before" ]
}

@test "a lock another dcos-bootstrap holds: install, rollback, gc and uninstall exit 5 and change nothing" {
	install_fx r1 "$R" --role master >/dev/null
	fixture r2 --seq 2 --version 1.3.0
	local lock=$R/var/lib/dcos/bootstrap/lock before
	before=$(snapshot "$R")
	# flock holds the lock while the command runs: no sleep, no race.
	run flock "$lock" "$BOOTSTRAP" install "$SCRATCH/r2/cluster.json" \
	    --cache "$SCRATCH/r2/cache" --root "$R" --role master
	[ "$status" -eq 5 ]
	[[ "$output" == *"another dcos-bootstrap is running on this host"* ]]
	for c in rollback gc uninstall activate repair; do
		run flock "$lock" "$BOOTSTRAP" "$c" --root "$R"
		echo "$c: $status $output"
		[ "$status" -eq 5 ]
	done
	[ "$(snapshot "$R")" = "$before" ]
}
