#!/usr/bin/env bats
# dcos-bootstrap install, upgrade, rollback, status, verify, gc and
# uninstall on --root scratch hosts, with signed fixture releases.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need flock
	host_scratch
}

teardown() {
	rm -rf "$SCRATCH"
}

@test "install builds generation 1: packages, farms, units, roles, users, environment" {
	run install_fx r1 "$R" --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 1 active: dcos 1.2.0 seq 1"* ]]
	[ "$(current_gen "$R")" = 1 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	[ "$(readlink "$R/opt/mesosphere/lib/libmesos.so")" = ../../../packages/mesos--1.2.0/lib/libmesos.so ]
	# role variants: etc_master is linked for a master
	[ -e "$R/opt/mesosphere/etc/zoo.cfg" ]
	[ -e "$R/opt/mesosphere/active/mesos/bin/mesos-agent" ]
	[ -e "$R/etc/mesosphere/roles/master" ]
	[ ! -e "$R/etc/mesosphere/roles/slave" ]
	cmp "$R/etc/systemd/system/dcos-mesos-master.service" \
	    "$R/opt/mesosphere/packages/mesos--1.2.0/dcos.target.wants_master/dcos-mesos-master.service"
	[ "$(readlink "$R/etc/systemd/system/dcos.target.wants/dcos-exhibitor.service")" = ../dcos-exhibitor.service ]
	[ ! -e "$R/etc/systemd/system/dcos-mesos-slave.service" ]
	grep -q '^dcos_mesos:x:[0-9]*:[0-9]*:' "$R/etc/passwd"
	grep -q '^root:x:0:0:' "$R/etc/passwd"
	grep -q '^dcos_exhibitor:x:' "$R/etc/group"
	[ -d "$R/var/lib/dcos/mesos" ]
	grep -qx "export MESOS_HOME='/opt/mesosphere/active/mesos'" "$R/opt/mesosphere/environment.export"
	# sysctl settings are kept per service (pkgpanda's file), not host-wide
	[ ! -e "$R/etc/sysctl.d/90-dcos.conf" ]
	python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c == {"sysctl": {"dcos-exhibitor": {"vm.swappiness": "1"}}}, c' \
	    "$R/opt/mesosphere/etc/dcos-service-configuration.json"
	# the hardlink is a hardlink, modes are the manifest's
	[ "$(stat -c %i "$R/opt/mesosphere/packages/mesos--1.2.0/bin/mesos-master")" = \
	  "$(stat -c %i "$R/opt/mesosphere/packages/mesos--1.2.0/bin/mesos-master-link")" ]
	[ "$(stat -c %a "$R/opt/mesosphere/packages/mesos--1.2.0/bin/mesos-master")" = 755 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
}

@test "install enables dcos.target at boot and keeps the checked dcos-bootstrap on the host" {
	run install_fx r1 "$R" --role master
	[ "$status" -eq 0 ]
	[ "$(readlink "$R/etc/systemd/system/multi-user.target.wants/dcos.target")" = ../dcos.target ]
	cmp "$BOOTSTRAP" "$R/var/lib/dcos/bootstrap/dcos-bootstrap"
	[ "$(stat -c %a "$R/var/lib/dcos/bootstrap/dcos-bootstrap")" = 755 ]
	run "$R/var/lib/dcos/bootstrap/dcos-bootstrap" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation:  1"* ]]
}

@test "the static binary installs a bare chroot without --root (no libraries, no NSS)" {
	need_static_bootstrap
	need chroot
	mkdir -p "$R/sbin"
	cp "$BOOTSTRAP" "$R/sbin/dcos-bootstrap"
	cp -R "$SCRATCH/r1/cache" "$R/cache"
	cp "$SCRATCH/r1/cluster.json" "$R/cluster.json"
	run env -i "$(command -v chroot)" "$R" /sbin/dcos-bootstrap install /cluster.json \
	    --cache /cache --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 1 active"* ]]
	grep -q '^dcos_mesos:x:' "$R/etc/passwd"
	[ "$(readlink "$R/opt/mesosphere/current")" = generations/1 ]
	run env -i "$(command -v chroot)" "$R" /sbin/dcos-bootstrap verify
	[ "$status" -eq 0 ]
}

@test "the same manifest again is a no-op that says so" {
	install_fx r1 "$R" --role master >/dev/null
	before=$(snapshot "$R/opt")
	run install_fx r1 "$R" --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "already active: generation 1"*"nothing to do" ]]
	[ "$(snapshot "$R/opt")" = "$before" ]
}

@test "an agent gets the agent units and no master ones" {
	run install_fx r1 "$R" --role slave
	[ "$status" -eq 0 ]
	[ -e "$R/etc/systemd/system/dcos-mesos-slave.service" ]
	[ ! -e "$R/etc/systemd/system/dcos-mesos-master.service" ]
	[ ! -e "$R/opt/mesosphere/etc/zoo.cfg" ]
	[ -e "$R/etc/mesosphere/roles/slave" ]
}

@test "status reports generation, roles, release, config and an intact journal" {
	install_fx r1 "$R" --role master --role slave_public >/dev/null
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation:  1"* ]]
	[[ "$output" == *"roles:       master slave_public"* ]]
	[[ "$output" == *"release:     dcos 1.2.0 (seq 1)"* ]]
	[[ "$output" == *"journal:     2 entries, chain intact"* ]]
	run "$BOOTSTRAP" status --json --root "$R"
	[ "$status" -eq 0 ]
	echo "$output" | python3 -c '
import json, sys
s = json.load(sys.stdin)
assert s["current"]["generation"] == 1 and s["current"]["seq"] == 1
assert s["current"]["roles"] == ["master", "slave_public"]
assert s["journal"]["intact"] and s["journal"]["entries"] == 2
assert len(s["current"]["config_id"]) == 64'
}

@test "upgrade extracts only new packages; rollback restores the old generation byte for byte" {
	fixture r2 --seq 2 --version 1.3.0
	install_fx r1 "$R" --role master >/dev/null
	gen1=$(snapshot "$R/opt/mesosphere/generations/1")
	units1=$(snapshot "$R/etc/systemd")
	run install_fx r2 "$R" --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 2 active: dcos 1.3.0 seq 2"*"(1 new)" ]]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.3.0" ]
	"$BOOTSTRAP" verify --root "$R"
	run "$BOOTSTRAP" rollback --root "$R"
	[ "$status" -eq 0 ]
	[ "$output" = "rolled back: generation 1 active (was 2)" ]
	[ "$(current_gen "$R")" = 1 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	[ "$(snapshot "$R/opt/mesosphere/generations/1")" = "$gen1" ]
	[ "$(snapshot "$R/etc/systemd")" = "$units1" ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" rollback --to 2 --root "$R"
	[ "$status" -eq 0 ]
	[ "$(current_gen "$R")" = 2 ]
	grep -q '"event":"rollback"' "$R/var/lib/dcos/bootstrap/journal"
}

@test "a downgrade is refused without --allow-downgrade, accepted and journaled with it" {
	fixture r2 --seq 2 --version 1.3.0
	install_fx r2 "$R" --role master >/dev/null
	run install_fx r1 "$R" --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"has seq 1, lower than 2 already installed"*"--allow-downgrade"* ]]
	[ "$(current_gen "$R")" = 1 ]	# r2 was generation 1
	grep -q '"event":"refuse"' "$R/var/lib/dcos/bootstrap/journal"
	run install_fx r1 "$R" --role master --allow-downgrade
	[ "$status" -eq 0 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	grep -q '"event":"override".*downgrade' "$R/var/lib/dcos/bootstrap/journal"
	"$BOOTSTRAP" verify --root "$R"
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"chain intact"* ]]
}

@test "verify lists changed, missing and extra files and exits 1" {
	install_fx r1 "$R" --role master >/dev/null
	P=$R/opt/mesosphere/packages/mesos--1.2.0
	echo tampered >> "$P/etc/mesos.conf"
	rm "$P/bin/mesos-agent"
	echo new > "$P/bin/extra"
	chmod 777 "$P/lib"
	echo '# local edit' >> "$R/etc/systemd/system/dcos-exhibitor.service"
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed: /opt/mesosphere/packages/mesos--1.2.0/etc/mesos.conf (size)"* ]]
	[[ "$output" == *"missing: /opt/mesosphere/packages/mesos--1.2.0/bin/mesos-agent"* ]]
	[[ "$output" == *"extra: /opt/mesosphere/packages/mesos--1.2.0/bin/extra"* ]]
	[[ "$output" == *"changed: /opt/mesosphere/packages/mesos--1.2.0/lib (mode)"* ]]
	[[ "$output" == *"changed: /etc/systemd/system/dcos-exhibitor.service"* ]]
	[[ "$output" == *"drift: 3 changed, 1 missing, 1 extra" ]]
}

@test "a broken journal chain is reported by status" {
	install_fx r1 "$R" --role master >/dev/null
	sed -i '1s/"event":"intent"/"event":"swatch"/' "$R/var/lib/dcos/bootstrap/journal"
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 1 ]
	[[ "$output" == *"CHAIN BROKEN: journal line 1 was altered"* ]]
	# A later event is not chained onto it, and says so.
	before=$(cat "$R/var/lib/dcos/bootstrap/journal")
	run "$BOOTSTRAP" rollback --root "$R"
	[[ "$output" == *'journal: "refuse" event not recorded: the journal'"'"'s chain is broken'* ]]
	[ "$(cat "$R/var/lib/dcos/bootstrap/journal")" = "$before" ]
}

@test "a second run while one holds the lock fails at once with a clear message" {
	install_fx r1 "$R" --role master >/dev/null
	run flock -n "$R/var/lib/dcos/bootstrap/lock" "$BOOTSTRAP" rollback --root "$R"
	# 5: the lock is held (#16 item 5).
	[ "$status" -eq 5 ]
	one_line
	[[ "$output" == *"another dcos-bootstrap is running on this host"*"wait for it to finish"* ]]
}

@test "two packages installing the same file are named and nothing switches" {
	fixture r2 --seq 2 --version 1.3.0 --collide
	install_fx r1 "$R" --role master >/dev/null
	run install_fx r2 "$R" --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"collision: both mesos--1.3.0 and zookeeper--3.4.15 install bin/mesos-master"* ]]
	[ "$(current_gen "$R")" = 1 ]
	[ ! -e "$R/opt/mesosphere/generations/2" ]
	"$BOOTSTRAP" verify --root "$R"
}

@test "with manual_host_users no account is created and a missing one stops the install" {
	mkdir -p "$R/etc/mesosphere"
	touch "$R/etc/mesosphere/manual_host_users"
	run install_fx r1 "$R" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"user dcos_mesos does not exist"*"manual_host_users"* ]]
	[ ! -e "$R/opt/mesosphere/current" ]
	printf 'dcos_mesos:x:500:500::/:/bin/false\ndcos_exhibitor:x:501:501::/:/bin/false\n' >> "$R/etc/passwd"
	before=$(cat "$R/etc/passwd" "$R/etc/group")
	run install_fx r1 "$R" --role master
	[ "$status" -eq 0 ]
	[ "$(cat "$R/etc/passwd" "$R/etc/group")" = "$before" ]
}

@test "gc keeps the current and previous generations and packages in use" {
	fixture r2 --seq 2 --version 1.3.0
	fixture r3 --seq 3 --version 1.4.0
	install_fx r1 "$R" --role master >/dev/null
	install_fx r2 "$R" --role master >/dev/null
	install_fx r3 "$R" --role master >/dev/null
	# a process working inside mesos--1.3.0 (generation 2, kept anyway)
	# and one inside mesos--1.2.0 (generation 1, which gc removes)
	(cd "$R/opt/mesosphere/packages/mesos--1.2.0" && exec sleep 300) &
	holder=$!
	run "$BOOTSTRAP" gc --keep 1 --root "$R"
	kill "$holder"
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed generation 1"* ]]
	[[ "$output" == *"kept package mesos--1.2.0: a running process uses it"* ]]
	[ -d "$R/opt/mesosphere/generations/2" ]
	[ -d "$R/opt/mesosphere/generations/3" ]
	[ -d "$R/opt/mesosphere/packages/mesos--1.3.0" ]
	run "$BOOTSTRAP" gc --keep 1 --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed package mesos--1.2.0"* ]]
	[ ! -e "$R/opt/mesosphere/packages/mesos--1.2.0" ]
	"$BOOTSTRAP" verify --root "$R"
	run "$BOOTSTRAP" rollback --root "$R"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" verify --root "$R"
}

@test "uninstall removes everything the install created and nothing else" {
	mkdir -p "$R/var/log" "$R/etc/systemd/system"
	echo keep > "$R/etc/hostname"
	echo '[Unit]' > "$R/etc/systemd/system/other.service"
	before=$(snapshot "$R")
	fixture r2 --seq 2 --version 1.3.0
	install_fx r1 "$R" --role master >/dev/null
	install_fx r2 "$R" --role master --role slave --change-roles >/dev/null
	run "$BOOTSTRAP" uninstall --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == "uninstalled: generation 2"* ]]
	diff <(echo "$before") <(snapshot "$R")
	run "$BOOTSTRAP" uninstall --root "$R"
	[ "$status" -eq 4 ]
	[[ "$output" == *"nothing is installed on this host"* ]]
}

@test "a failed first install leaves a fresh host as it was" {
	before=$(snapshot "$R")
	rm "$SCRATCH/r1/cache/blobs/sha256/$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print([b for b in c["blobs"] if b["kind"] == "config"][0]["digest"][7:])' "$SCRATCH/r1/cluster.json")"
	run install_fx r1 "$R" --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"package dcos-config--setup_"*"is not in the cache"*"dcos-bootstrap missing"* ]]
	[ "$(snapshot "$R")" = "$before" ]
}

@test "every command has --help, and the man page documents each one lint-clean" {
	need mandoc
	for c in install activate rollback status verify gc uninstall; do
		run "$BOOTSTRAP" "$c" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: dcos-bootstrap $c "* ]]
		grep -q "^\.Cm $c\$" "$top_srcdir/man/dcos-bootstrap.8"
	done
	run mandoc -Tlint -W warning "$top_srcdir/man/dcos-bootstrap.8"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -q '^\.Sh EXIT STATUS' "$top_srcdir/man/dcos-bootstrap.8"
	grep -q '^\.Sh EXAMPLES' "$top_srcdir/man/dcos-bootstrap.8"
}

@test "bad usage gets a usage line and status 2" {
	run "$BOOTSTRAP" install "$SCRATCH/r1/cluster.json" --root "$R"
	[ "$status" -eq 2 ]
	[[ "$output" == *"no role given"* ]]
	run "$BOOTSTRAP" install "$SCRATCH/r1/cluster.json" --role king --root "$R"
	[ "$status" -eq 2 ]
	[[ "$output" == *'unknown role "king"'* ]]
	run "$BOOTSTRAP" rollback --to x
	[ "$status" -eq 2 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 4 ]
	[[ "$output" == *"nothing is installed"* ]]
}
