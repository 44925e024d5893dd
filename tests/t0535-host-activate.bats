#!/usr/bin/env bats
# An activation either completes or rolls back, says which, and the
# journal records its intent and its outcome.  Faults are real: immutable
# files and directories (chattr +i stops root too), units that clash
# with the host's, signed releases with bad unit names.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need chattr
	host_scratch
	install_fx r1 "$R" --role master >/dev/null
}

teardown() {
	local f
	if [ -f "$SCRATCH/immutable" ]; then
		while read -r f; do chattr -i "$f" 2>/dev/null || true; done \
		    < "$SCRATCH/immutable"
	fi
	rm -rf "$SCRATCH"
}

# Makes path immutable (root cannot write it either); teardown undoes it.
immutable() {
	echo "$1" >> "$SCRATCH/immutable"
	chattr +i "$1" || skip "chattr +i is not supported on $1's file system"
}

# What the host runs: the switch, the top links, /etc (units, roles,
# sysctl, accounts).  Packages and generations may gain unused entries.
host_view() {
	readlink "$R/opt/mesosphere/current"
	(cd "$R/opt/mesosphere" && for l in active bin lib etc include \
	    environment environment.export; do readlink "$l"; done)
	snapshot "$R/etc"
}

# upgrade_with_fault PATH: upgrades to r2 (1.3.0 with one more unit)
# while PATH is immutable; $before is the host as it was.
upgrade_with_fault() {
	fixture r2 --seq 2 --version 1.3.0 --unit dcos-added.service
	before=$(host_view)
	immutable "$1"
	run install_fx r2 "$R" --role master
	echo "$output"
}

journal() {
	cat "$R/var/lib/dcos/bootstrap/journal"
}

# Every intent of the journal has exactly one final outcome after it.
intents_closed() {
	python3 - "$R/var/lib/dcos/bootstrap/journal" <<'EOF'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
intents = [e["seq"] for e in lines if e["event"] == "intent"]
for s in intents:
    outs = [e["event"] for e in lines if e["event"] not in ("intent", "unfinished")
            and e.get("details", {}).get("intent") == s]
    if len(outs) != 1:
        sys.exit("intent %d has outcomes %s" % (s, outs))
EOF
}

@test "a unit named multi-user.target.wants is refused before anything changes; activate still works" {
	fixture bad --seq 2 --version 1.3.0 --unit multi-user.target.wants
	before=$(host_view)
	run install_fx bad "$R" --role master
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *'"multi-user.target.wants" is not a systemd unit file name'* ]]
	[ -d "$R/etc/systemd/system/multi-user.target.wants" ]
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 0 ]
	[ "$(host_view)" = "$before" ]
}

@test "a unit named dcos.target or with a '/' never reaches the host" {
	fixture hijack --seq 2 --version 1.3.0 --unit dcos.target
	before=$(host_view)
	run install_fx hijack "$R" --role master
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *"the unit dcos.target is the installer's own"* ]]
	# A generation.json altered after the build is held to the same rule.
	g=$R/opt/mesosphere/generations/1/generation.json
	python3 - "$g" <<'EOF'
import json, sys
g = json.load(open(sys.argv[1]))
g["units"].append("../../../etc/passwd")
json.dump(g, open(sys.argv[1], "w"))
EOF
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *'"../../../etc/passwd" is not a systemd unit file name'* ]]
	[ "$(host_view)" = "$before" ]
}

@test "a read-only etc/systemd/system refuses the upgrade before the switch, and says the host is unchanged" {
	upgrade_with_fault "$R/etc/systemd/system"
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *"cannot stage $R/etc/systemd/system/"*"; nothing changed: generation 1 stays active"* ]]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	! ls -A "$R/etc/systemd/system" | grep -q '^\.dcos-new'
	journal | tail -n 1 | grep -q '"event":"refuse"'
	intents_closed
	# Not stuck: once writable, the same install goes through.
	chattr -i "$R/etc/systemd/system"
	run install_fx r2 "$R" --role master
	[ "$status" -eq 0 ]
	[ -f "$R/etc/systemd/system/dcos-added.service" ]
}

@test "a read-only etc/mesosphere/roles refuses a role change before the switch" {
	before=$(host_view)
	immutable "$R/etc/mesosphere/roles"
	run install_fx r1 "$R" --role master --role slave --change-roles
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *"cannot stage $R/etc/mesosphere/roles/slave"*"nothing changed"* ]]
}

@test "a failure after the switch rolls back to the previous generation and its units, and says so" {
	# The staged unit cannot replace it: rename(2) fails after the switch.
	upgrade_with_fault "$R/etc/systemd/system/dcos-mesos-master.service"
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *"cannot put $R/etc/systemd/system/dcos-mesos-master.service in place"*"; rolled back: generation 1 is active again" ]]
	[ ! -e "$R/etc/systemd/system/dcos-added.service" ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	journal | tail -n 2 | head -n 1 | grep -q '"event":"intent"'
	journal | tail -n 1 | grep -q '"event":"revert".*rolled back to generation 1'
	intents_closed
	! grep -q dcos-added "$R/var/lib/dcos/bootstrap/state.json"
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" != *unfinished* ]]
	chattr -i "$R/etc/systemd/system/dcos-mesos-master.service"
	run install_fx r2 "$R" --role master
	[ "$status" -eq 0 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.3.0" ]
}

@test "when rolling back fails too, the target stays, status says so and activate finishes" {
	# Generation 1 cannot be restored without its unit.
	mv "$R/opt/mesosphere/generations/1/dcos.target.wants/dcos-exhibitor.service" "$SCRATCH/"
	upgrade_with_fault "$R/etc/systemd/system/dcos-mesos-master.service"
	[ "$status" -eq 3 ]
	[[ "$output" == *"rolling back failed too"*"the host is between generation 1 and generation 2, which stays the target: fix the problem, then run dcos-bootstrap activate to finish" ]]
	journal | tail -n 1 | grep -q '"event":"unfinished"'
	run "$BOOTSTRAP" status --root "$R"
	[[ "$output" == *"unfinished:  the install of generation 2 was interrupted"* ]]
	run "$BOOTSTRAP" status --json --root "$R"
	python3 -c 'import json,sys; u=json.loads(sys.argv[1])["unfinished"]; assert u["generation"]==2 and u["op"]=="install", u' "$output"
	chattr -i "$R/etc/systemd/system/dcos-mesos-master.service"
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 0 ]
	[ "$(current_gen "$R")" = 2 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.3.0" ]
	[ -f "$R/etc/systemd/system/dcos-added.service" ]
	journal | tail -n 1 | grep -q '"event":"install".*installed dcos 1.3.0.*finished after an interruption'
	intents_closed
	run "$BOOTSTRAP" status --root "$R"
	[[ "$output" != *unfinished* ]]
}

@test "a package unit never replaces a host unit it did not create; rollback removes only its own" {
	printf '[Service]\nExecStart=/usr/sbin/sshd -D\n' > "$R/etc/systemd/system/ssh.service"
	fixture r2 --seq 2 --version 1.3.0 --unit ssh.service
	before=$(host_view)
	run install_fx r2 "$R" --role master
	[ "$status" -eq 1 ]
	[ "$(host_view)" = "$before" ]
	[[ "$output" == *"$R/etc/systemd/system/ssh.service exists and was not installed by dcos-bootstrap"* ]]
	# Units it created go with the generation; the host's stay.
	fixture r3 --seq 3 --version 1.4.0 --unit dcos-added.service
	run install_fx r3 "$R" --role master
	[ "$status" -eq 0 ]
	[ -f "$R/etc/systemd/system/dcos-added.service" ]
	# Generation 2 (built, refused) is held to the same rule when named;
	# a plain rollback skips it: it was never active.
	run "$BOOTSTRAP" rollback --to 2 --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"ssh.service exists and was not installed by dcos-bootstrap"* ]]
	[ "$(current_gen "$R")" = 3 ]
	run "$BOOTSTRAP" rollback --root "$R"
	[ "$status" -eq 0 ]
	[ "$(current_gen "$R")" = 1 ]
	[ ! -e "$R/etc/systemd/system/dcos-added.service" ]
	[ ! -e "$R/etc/systemd/system/dcos.target.wants/dcos-added.service" ]
	grep -q sshd "$R/etc/systemd/system/ssh.service"
	[ "$(host_view)" = "$before" ]
	intents_closed
	run "$BOOTSTRAP" uninstall --root "$R"
	[ "$status" -eq 0 ]
	grep -q sshd "$R/etc/systemd/system/ssh.service"
}

@test "a refusal that quotes a non-UTF-8 member name is journaled, escaped" {
	fixture bad --seq 2 --version 1.3.0 --hostile non-utf8-name
	run install_fx bad "$R" --role master
	[ "$status" -eq 1 ]
	[[ "$output" != *"not recorded"* ]]
	journal | tail -n 1 | grep -q '"event":"refuse".*member: bin/caf\\\\xe9: the name is not valid UTF-8'
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"chain intact"* ]]
}
