#!/usr/bin/env bats
# One rule for role changes (#10 item 6): install and preflight refuse a
# role set other than the current generation's with the same message,
# naming uninstall; --change-roles changes them deliberately (stop
# dcos.target, switch, start it), journaled.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	host_scratch
	install_fx r1 "$R" --role master >/dev/null
}

teardown() {
	rm -rf "$SCRATCH"
}

REFUSAL='this host runs generation 1 with roles: master; refusing roles: slave: to change roles, run dcos-bootstrap uninstall first, or install with --change-roles (stops dcos.target, switches, starts it)'

@test "install with other roles is refused with one line naming uninstall, journaled, and nothing switches" {
	local before
	before=$(snapshot "$R/opt"; snapshot "$R/etc")
	run install_fx r1 "$R" --role slave
	[ "$status" -eq 1 ]
	one_line
	[ "$output" = "dcos-bootstrap: error: $REFUSAL" ]
	[ "$(snapshot "$R/opt"; snapshot "$R/etc")" = "$before" ]
	tail -n 1 "$R/var/lib/dcos/bootstrap/journal" | grep -q '"event":"refuse".*refusing roles: slave'
	# The same set in another order is no change.
	mkdir "$SCRATCH/two"
	install_fx r1 "$SCRATCH/two" --role master --role slave_public >/dev/null
	run install_fx r1 "$SCRATCH/two" --role slave_public,master
	[ "$status" -eq 0 ]
	[[ "$output" == *"already active"* ]]
}

@test "preflight refuses other roles with the message install gives" {
	run "$BOOTSTRAP" preflight "$SCRATCH/r1/cluster.json" --cache "$SCRATCH/r1/cache" \
	    --root "$R" --role slave
	[ "$status" -eq 1 ]
	[[ "$output" == *"Checking for an existing installation: FAIL ($REFUSAL)"* ]]
	run "$BOOTSTRAP" preflight "$SCRATCH/r1/cluster.json" --cache "$SCRATCH/r1/cache" \
	    --root "$R" --role slave --change-roles
	[[ "$output" == *"Checking for an existing installation: PASS ("*"roles: master; this run changes them (--change-roles))"* ]]
}

@test "install --change-roles switches roles, journaled, and verify is clean" {
	run install_fx r1 "$R" --role slave --change-roles
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"roles change from master to slave"* ]]
	[ -e "$R/etc/systemd/system/dcos-mesos-slave.service" ]
	[ ! -e "$R/etc/systemd/system/dcos-mesos-master.service" ]
	[ -e "$R/etc/mesosphere/roles/slave" ] && [ ! -e "$R/etc/mesosphere/roles/master" ]
	"$BOOTSTRAP" status --check --root "$R" | grep -q '^roles:       slave$'
	"$BOOTSTRAP" verify --root "$R" >/dev/null
	# The change, then the activation's intent and outcome.
	tail -n 3 "$R/var/lib/dcos/bootstrap/journal" | python3 -c '
import json, sys
e = [json.loads(l) for l in sys.stdin]
assert [x["event"] for x in e] == ["override", "intent", "install"], e
assert e[0]["message"].startswith("role change from master to slave (--change-roles)"), e[0]'
}

@test "install --change-roles stops dcos.target and the old role's units before the switch and starts the new ones after" {
	need busybox unshare chroot
	source "$top_srcdir/tests/journeys.bash"
	local I=$SCRATCH/image
	make_image "$I"
	install_fx r1 "$I" --role master --no-start >/dev/null
	mkdir -p "$I/kit"
	cp -a "$SCRATCH/r1/." "$I/kit/"
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap install \
	    /kit/cluster.json --cache /kit/cache --role slave
	[ "$status" -eq 1 ]
	[ ! -e "$I/var/log/systemctl.calls" ]
	run first_boot "$I" /var/lib/dcos/bootstrap/dcos-bootstrap install \
	    /kit/cluster.json --cache /kit/cache --role slave --change-roles
	echo "$output"
	[ "$status" -eq 0 ]
	# The old role's units stop before the switch (the services plan),
	# the new role's start with dcos.target after it.
	[ "$(cat "$I/var/log/systemctl.calls")" = "$(printf '%s\n' \
	    'stop dcos.target' \
	    'stop dcos-mesos-master.service dcos-exhibitor.service' \
	    daemon-reload 'start dcos.target')" ]
	[ -e "$I/etc/mesosphere/roles/slave" ]
}
