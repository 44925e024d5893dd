#!/usr/bin/env bats
# status tells the truth (#10 item 3): an activation a kill left
# unfinished, units whose start failed, a failed health check and a
# journal cut back or rewritten are shown, and "status --check" exits 1
# on each.  state.json records the journal's head after every append, so
# a journal that is a valid chain but shorter or different is caught by
# status and verify, and never extended.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	host_scratch
	install_fx r1 "$R" --role master >/dev/null
}

teardown() {
	rm -rf "$SCRATCH"
}

J() { echo "$R/var/lib/dcos/bootstrap/journal"; }

@test "status --check: a healthy host passes and says nothing is wrong" {
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"chain intact"* ]]
	[[ "$output" != *problem* ]]
	"$BOOTSTRAP" status --json --root "$R" | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["problems"] == [] and d["start_pending"] == 0, d'
}

@test "status --check: a kill between the switch and the units says activation unfinished: run activate" {
	fixture r2 --seq 2 --version 1.3.0
	run env DCOS_BOOTSTRAP_CRASH_AT=switched "$BOOTSTRAP" install \
	    "$SCRATCH/r2/cluster.json" --cache "$SCRATCH/r2/cache" \
	    --root "$R" --role master
	[ "$status" -eq 137 ]
	run "$BOOTSTRAP" status --check --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"problem:     activation unfinished: run activate to finish the install of generation 2 (switched, not finished)"* ]]
	# Without --check the report is the same and the exit 0, as before.
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"activation unfinished: run activate"* ]]
	run "$BOOTSTRAP" status --check --json --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"activation unfinished: run activate'* ]]
	"$BOOTSTRAP" activate --root "$R"
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"release:     dcos 1.3.0 (seq 2)"* ]]
}

@test "status --check: the last failed check of the current generation is shown until a check passes" {
	fixture rc --check $'flip=#!/bin/sh\n[ -e "$DCOS_ROOT/broken" ] && exit 2\nexit 0\n'
	install_fx rc "$R" --role master >/dev/null
	touch "$R/broken"
	run "$BOOTSTRAP" check --root "$R"
	[ "$status" -eq 1 ]
	run "$BOOTSTRAP" status --check --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"check:       generation 2 at "*": 1 check(s), 1 critical"* ]]
	[[ "$output" == *"problem:     check failed: 1 of 1 health checks of generation 2 were critical at "* ]]
	rm "$R/broken"
	"$BOOTSTRAP" check --root "$R" >/dev/null
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check:       generation 2 at "*": 1 check(s), 0 critical"* ]]
	# A failed check of another generation is not the current one's.
	touch "$R/broken"
	run "$BOOTSTRAP" check --root "$R"
	[ "$status" -eq 1 ]
	"$BOOTSTRAP" rollback --root "$R" >/dev/null
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 0 ]
}

@test "a journal whose last line was deleted is reported by verify and status, and never extended" {
	local n
	n=$(wc -l < "$(J)")
	sed -i '$d' "$(J)"
	run "$BOOTSTRAP" verify --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"journal: the journal has $((n - 1)) entries but state.json recorded $n: its last 1 were cut off; restore it from a backup"* ]]
	[[ "$output" == *"files clean, the journal is damaged"* ]]
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"CHAIN BROKEN: the journal has $((n - 1)) entries"* ]]
	[[ "$output" == *"problem:     journal damaged: "* ]]
	[[ "$output" != *"chain intact"* ]]
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 1 ]
	# The next event is not appended to the cut journal, and says so.
	fixture r2 --seq 2 --version 1.3.0
	run install_fx r2 "$R" --role master
	[[ "$output" == *'journal: "intent" event not recorded: the journal'"'"'s chain is broken: the journal has'* ]]
	[ "$(wc -l < "$(J)")" -eq $((n - 1)) ]
}

@test "a journal deleted whole, or rewritten as a valid chain, is reported" {
	local n
	n=$(wc -l < "$(J)")
	cp "$(J)" "$SCRATCH/journal"
	rm "$(J)"
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the journal has 0 entries but state.json recorded $n"* ]]
	# The last line replaced by another that chains and hashes right.
	python3 - "$SCRATCH/journal" "$(J)" <<'PY'
import hashlib, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
e = lines[-1]
del e["hash"]
e["message"] = "nothing happened here"
canon = json.dumps(e, sort_keys=True, separators=(",", ":"))
e["hash"] = "sha256:" + hashlib.sha256(canon.encode()).hexdigest()
with open(sys.argv[2], "w") as f:
    for l in lines[:-1] + [e]:
        f.write(json.dumps(l, sort_keys=True, separators=(",", ":")) + "\n")
PY
	run "$BOOTSTRAP" verify --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"journal: journal line $n is not the one state.json recorded"*"the journal was rewritten"* ]]
	run "$BOOTSTRAP" status --check --root "$R"
	[ "$status" -eq 1 ]
}

@test "status --check: a dcos.target start that failed says units not started until activate starts it" {
	need busybox unshare chroot
	source "$top_srcdir/tests/journeys.bash"
	local I=$SCRATCH/image
	make_image "$I"
	install_fx r1 "$I" --role master --no-start >/dev/null
	# A systemctl whose start fails while /fail exists.
	cat > "$I/bin/systemctl" <<-'SH'
	#!/bin/sh
	echo "$*" >> /var/log/systemctl.calls
	if [ "$1" = start ] && [ -e /fail ]; then exit 1; fi
	exit 0
	SH
	touch "$I/fail"
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap activate
	echo "$output"
	[ "$status" -eq 3 ]
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap status --check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"problem:     units not started: starting dcos.target for generation 1 failed or was interrupted: run activate"* ]]
	rm "$I/fail"
	# Killed before the start: not started either.
	run first_boot "$I" env DCOS_BOOTSTRAP_CRASH_AT=start \
	    /var/lib/dcos/bootstrap/dcos-bootstrap activate
	[ "$status" -eq 137 ]
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap status --check
	[ "$status" -eq 1 ]
	[[ "$output" == *"problem:     units not started"* ]]
	first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap activate
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap status --check
	[ "$status" -eq 0 ]
	[ "$(grep -c '^start dcos.target' "$I/var/log/systemctl.calls")" -eq 2 ]
}
