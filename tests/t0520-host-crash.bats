#!/usr/bin/env bats
# Crash safety: the test hook DCOS_BOOTSTRAP_CRASH_AT=<step> makes
# dcos-bootstrap SIGKILL itself at that step of install/activate.  After
# each kill the host has a complete old or new generation, and running
# activate and install again completes the upgrade.

# SPDX-License-Identifier: Apache-2.0
load host

STEPS="verified extract extracted packages generation built intent target switched units activated"
# The steps after the journal's intent entry and before its outcome.
OPEN_STEPS="intent target switched units"

setup() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	host_keys
	fixture r1
	fixture r2 --seq 2 --version 1.3.0
	mkdir -p "$SCRATCH/base"
	install_fx r1 "$SCRATCH/base" --role master >/dev/null
}

teardown() {
	rm -rf "$SCRATCH"
}

# journal_says ROOT: every intent has exactly one final outcome (an
# entry naming it in details.intent; "unfinished" only reports), and
# prints the events, one per line.
journal_says() {
	python3 - "$1/var/lib/dcos/bootstrap/journal" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
for e in lines:
    if e["event"] != "intent":
        continue
    outs = [o["event"] for o in lines if o["event"] not in ("intent", "unfinished")
            and o.get("details", {}).get("intent") == e["seq"]]
    if len(outs) != 1:
        sys.exit("intent %d (%s) has outcomes %s" % (e["seq"], e["message"], outs))
for e in lines:
    print(e["event"], e["message"])
EOF
}

# The host shows one whole generation: current names a complete one and
# the services' view matches it.
whole_generation() {
	local g v
	g=$(current_gen "$1")
	[ -f "$1/opt/mesosphere/generations/$g/generation.json" ]
	v=$("$1/opt/mesosphere/bin/mesos-master")
	case "$g:$v" in
	1:"mesos-master 1.2.0"|2:"mesos-master 1.3.0") ;;
	*) echo "generation $g shows '$v'" >&2; return 1 ;;
	esac
}

@test "a kill at every step of an upgrade leaves a whole generation; re-running finishes" {
	for step in $STEPS; do
		R=$SCRATCH/host-$step
		cp -a "$SCRATCH/base" "$R"
		run env DCOS_BOOTSTRAP_CRASH_AT=$step "$BOOTSTRAP" install \
		    "$SCRATCH/r2/cluster.json" --cache "$SCRATCH/r2/cache" \
		    --root "$R" --role master
		[ "$status" -eq 137 ] || { echo "$step: status $status: $output" >&2; false; }
		whole_generation "$R"
		run "$BOOTSTRAP" status --root "$R"
		if [[ " $OPEN_STEPS " == *" $step "* ]]; then
			grep -q '"event":"intent".*install of generation 2' \
			    "$R/var/lib/dcos/bootstrap/journal"
			[[ "$output" == *"unfinished:  the install of generation 2 was interrupted"* ]] ||
			    { echo "$step: status: $output" >&2; false; }
		else
			[[ "$output" != *unfinished* ]] || { echo "$step: status: $output" >&2; false; }
		fi
		run "$BOOTSTRAP" activate --root "$R"
		[ "$status" -eq 0 ] || { echo "$step: activate: $output" >&2; false; }
		whole_generation "$R"
		run journal_says "$R"
		[ "$status" -eq 0 ] || { echo "$step: journal: $output" >&2; false; }
		run "$BOOTSTRAP" status --root "$R"
		[[ "$output" != *unfinished* ]] || { echo "$step: status: $output" >&2; false; }
		run install_fx r2 "$R" --role master
		[ "$status" -eq 0 ] || { echo "$step: install: $output" >&2; false; }
		[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.3.0" ]
		run "$BOOTSTRAP" verify --root "$R"
		[ "$status" -eq 0 ] || { echo "$step: verify: $output" >&2; false; }
		! ls -A "$R/opt/mesosphere/packages" "$R/opt/mesosphere/generations" | grep -q '^\.'
		"$BOOTSTRAP" status --root "$R" | grep -q 'release:     dcos 1.3.0 (seq 2)'
		"$BOOTSTRAP" status --root "$R" | grep -q 'chain intact'
		# The upgrade is on record, whoever finished it.
		run journal_says "$R"
		[ "$status" -eq 0 ] || { echo "$step: journal: $output" >&2; false; }
		[[ "$output" == *"install installed dcos 1.3.0 seq 2 as generation 2"* ]] ||
		    { echo "$step: no install entry: $output" >&2; false; }
		rm -rf "$R"
	done
}

@test "a kill at every step of a rollback leaves a whole generation; activate finishes" {
	install_fx r2 "$SCRATCH/base" --role master >/dev/null
	for step in intent target switched units activated; do
		R=$SCRATCH/host-$step
		cp -a "$SCRATCH/base" "$R"
		run env DCOS_BOOTSTRAP_CRASH_AT=$step "$BOOTSTRAP" rollback --root "$R"
		[ "$status" -eq 137 ]
		whole_generation "$R"
		run "$BOOTSTRAP" activate --root "$R"
		[ "$status" -eq 0 ]
		journal_says "$R" >/dev/null
		if [ "$step" = intent ]; then
			# Killed before it recorded its target: not switched.
			[ "$(current_gen "$R")" = 2 ]
			journal_says "$R" | tail -n 1 | grep -q '^abandon '
			run "$BOOTSTRAP" rollback --root "$R"
			[ "$status" -eq 0 ]
		fi
		journal_says "$R" | grep -q '^rollback rolled back from generation 2 to 1'
		[ "$(current_gen "$R")" = 1 ]
		"$BOOTSTRAP" verify --root "$R" >/dev/null
		rm -rf "$R"
	done
}

@test "the crash hook does nothing when unset or naming no step" {
	R=$SCRATCH/host
	cp -a "$SCRATCH/base" "$R"
	run env DCOS_BOOTSTRAP_CRASH_AT=nowhere "$BOOTSTRAP" install \
	    "$SCRATCH/r2/cluster.json" --cache "$SCRATCH/r2/cache" --root "$R" \
	    --role master
	[ "$status" -eq 0 ]
}

@test "gc after a kill at the switch keeps the pending generation that activate finishes" {
	R=$SCRATCH/host-gc
	cp -a "$SCRATCH/base" "$R"
	run env DCOS_BOOTSTRAP_CRASH_AT=target "$BOOTSTRAP" install \
	    "$SCRATCH/r2/cluster.json" --cache "$SCRATCH/r2/cache" \
	    --root "$R" --role master
	[ "$status" -eq 137 ]
	[ "$(current_gen "$R")" = 1 ]
	run "$BOOTSTRAP" gc --keep 0 --root "$R"
	[ "$status" -eq 0 ]
	[ -f "$R/opt/mesosphere/generations/2/generation.json" ]
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 0 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.3.0" ]
}
