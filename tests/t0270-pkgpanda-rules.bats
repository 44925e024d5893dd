#!/usr/bin/env bats
# pkgpanda's package rules, ported from dcos/dcos pkgpanda (test_util.py,
# test_setup.py, test_repository.py, build/tests, the rules of
# __init__.py and constants.py): each case is named after the pkgpanda
# test or function it comes from and keeps pkgpanda's outcome.  Each is
# built with dcos-genconf release (a refusal writes nothing) and installed
# from a signed release made by hand, bypassing dcos-genconf
# (tests/host-fixture.py --packages): what the build refuses the install
# refuses too, with the same message, leaving the host as it was.
# One rule set, lib/pkginfo.c, serves both programs.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	host_keys
	printf '{"master": {"ports": [53]}, "slave": {"ports": [53]}, "slave_public": {"ports": [53]}}\n' > "$SCRATCH/roles.json"
	fresh
}

teardown() {
	rm -rf "$SCRATCH"
}

# A new case: no package trees, no output, a fresh root R (root only).
fresh() {
	P=$SCRATCH/pk
	R=$SCRATCH/root
	rm -rf "$P" "$R" "$SCRATCH/out" "$SCRATCH/hand"
	mkdir -p "$P" "$SCRATCH/out" "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
	printf 'root:x:0:\n' > "$R/etc/group"
}

# pkg ID PKGINFO [PATH...]: the tree P/ID with that pkginfo.json and each
# PATH a file (a unit's text below dcos.target.wants*, else one line).
pkg() {
	local id=$1 info=$2 f
	shift 2
	mkdir -p "$P/$id"
	printf '%s\n' "$info" > "$P/$id/pkginfo.json"
	for f in "$@"; do
		mkdir -p "$(dirname "$P/$id/$f")"
		case $f in
		dcos.target.wants*) printf '[Service]\nExecStart=/bin/true\n' ;;
		*) printf '%s\n' "$f" ;;
		esac > "$P/$id/$f"
	done
}

build() {
	"$GENCONF" release --name t --version 1 --seq 1 \
	    --key "$SCRATCH/our.key" --roles "$SCRATCH/roles.json" \
	    --bootstrap "x86_64=$BOOTSTRAP" -o "$SCRATCH/out" "$P"/*
}

# The same trees as a signed release dcos-genconf never checked.
hand_install() {
	fixture hand --packages "$P"
	install_fx hand "$R" --role master
}

# install_refused MESSAGE: the install fails with one line holding
# MESSAGE and the fresh root is exactly as it was.
install_refused() {
	local before
	before=$(snapshot "$R")
	run hand_install
	[ "$status" -eq 1 ] || { echo "install: $output" >&2; return 1; }
	one_line
	[[ "$output" == *"$1"* ]] || { echo "install got: $output" >&2; return 1; }
	diff <(echo "$before") <(snapshot "$R")
}

# refused MESSAGE: pkgpanda refuses the trees; so do the build and the
# install, with MESSAGE.
refused() {
	run build
	[ "$status" -eq 1 ] || { echo "build: $output" >&2; return 1; }
	one_line
	[[ "$output" == *"$1"* ]] || { echo "build got: $output" >&2; return 1; }
	[ -z "$(ls -A "$SCRATCH/out")" ]
	install_refused "$1"
}

# accepted: pkgpanda takes the trees; so do the build and the install.
accepted() {
	run build
	[ "$status" -eq 0 ] || { echo "build: $output" >&2; return 1; }
	run hand_install
	[ "$status" -eq 0 ] || { echo "install: $output" >&2; return 1; }
	"$BOOTSTRAP" verify --root "$R" >/dev/null
}

# The packages of pkgpanda/test_resources/packages.
mesos_0_22_0() {
	pkg mesos--0.22.0 '{"sysctl": {"dcos-mesos-master": {"kernel.watchdog_thresh": "11", "net.netfilter.nf_conntrack_udp_timeout": "30"}, "dcos-mesos-slave": {"kperf.debug_level": "1"}}}' \
	    bin/mesos bin/mesos-dir/.gitignore bin_master/mesos-master \
	    bin_master/mesos-slave buildinfo.full.json lib/libmesos.so \
	    dcos.target.wants_master/dcos-mesos-master.service \
	    dcos.target.wants_slave/dcos-mesos-slave.service
}

mesos_config() {
	pkg "mesos-config--$1" '{"requires": ["mesos", "mesos-config"], "environment": {"FOO": "BAR", "BAZ": "TEST"}}' \
	    buildinfo.full.json etc/foobar
}

@test "test_setup: mesos--0.22.0 + mesos-config: accepted; dcos-service-configuration.json is pkgpanda's expected_dcos_service_configuration" {
	mesos_0_22_0
	mesos_config ffddcfb53168d42f92e4771c6f8a8a9a818fd6b8
	accepted
	python3 -c 'import json,sys
want = {"sysctl": {"dcos-mesos-master": {"kernel.watchdog_thresh": "11", "net.netfilter.nf_conntrack_udp_timeout": "30"}, "dcos-mesos-slave": {"kperf.debug_level": "1"}}}
have = json.load(open(sys.argv[1]))
assert have == want, have' "$R/opt/mesosphere/etc/dcos-service-configuration.json"
	# nothing host-wide any more
	[ ! -e "$R/etc/sysctl.d/90-dcos.conf" ]
	grep -qx 'FOO=BAR' "$R/opt/mesosphere/environment"
	[ -L "$R/opt/mesosphere/bin/mesos-master" ]
	[ -e "$R/etc/systemd/system/dcos-mesos-master.service" ]
	[ ! -e "$R/etc/systemd/system/dcos-mesos-slave.service" ]
}

@test "pkgpanda.actions.apply_service_configuration: dcos-bootstrap sysctl SERVICE sets that service's settings only" {
	mesos_0_22_0
	accepted
	mkdir -p "$R/proc/sys/kernel" "$R/proc/sys/net/netfilter" "$R/proc/sys/kperf"
	echo 60 > "$R/proc/sys/kernel/watchdog_thresh"
	echo 120 > "$R/proc/sys/net/netfilter/nf_conntrack_udp_timeout"
	echo 0 > "$R/proc/sys/kperf/debug_level"
	run "$BOOTSTRAP" sysctl --root "$R" dcos-mesos-master
	[ "$status" -eq 0 ]
	[ "$(cat "$R/proc/sys/kernel/watchdog_thresh")" = 11 ]
	[ "$(cat "$R/proc/sys/net/netfilter/nf_conntrack_udp_timeout")" = 30 ]
	[ "$(cat "$R/proc/sys/kperf/debug_level")" = 0 ]
	# a setting the kernel lacks is a warning, as in pkgpanda (_apply_sysctl)
	rm "$R/proc/sys/kperf/debug_level"
	run "$BOOTSTRAP" sysctl --root "$R" dcos-mesos-slave
	[ "$status" -eq 0 ]
	[[ "$output" == *"sysctl kperf.debug_level=1 not set for dcos-mesos-slave"* ]]
	[ ! -e "$R/proc/sys/kperf/debug_level" ]
	# a service without settings, and a host without the file: nothing
	run "$BOOTSTRAP" sysctl --root "$R" dcos-other
	[ "$status" -eq 0 ] && [ -z "$output" ]
	mkdir "$SCRATCH/empty"
	run "$BOOTSTRAP" sysctl --root "$SCRATCH/empty" dcos-mesos-master
	[ "$status" -eq 0 ]
}

@test "dcos-bootstrap sysctl writes only what passes the sysctl rule" {
	mesos_0_22_0
	accepted
	mkdir -p "$R/proc/sys/kernel"
	echo 60 > "$R/proc/sys/kernel/watchdog_thresh"
	G=$R/opt/mesosphere/generations/1/dcos-service-configuration.json
	chmod u+w "$G"
	printf '{"sysctl": {"dcos-mesos-master": {"kernel.watchdog_thresh": "11", "../../etc/passwd": "x"}}}\n' > "$G"
	run "$BOOTSTRAP" sysctl --root "$R" dcos-mesos-master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"service dcos-mesos-master: '../../etc/passwd' is not a sysctl name"* ]]
	[ "$(cat "$R/proc/sys/kernel/watchdog_thresh")" = 60 ]
	run "$BOOTSTRAP" verify --root "$R"
	[[ "$output" == *"changed: /opt/mesosphere/generations/1/dcos-service-configuration.json (differs from what the packages set)"* ]]
}

@test "test_activate: mesos--0.22.0 + mesos-config--justmesos, then mesos--0.23.0 alone (state_directory): accepted" {
	mesos_0_22_0
	mesos_config justmesos
	accepted
	fresh
	pkg mesos--0.23.0 '{"state_directory": true}' bin/mesos lib/libmesos.so
	[ ! -d "$R/var/lib/dcos/mesos" ]
	accepted
	[ -d "$R/var/lib/dcos/mesos" ]
}

@test "test_load_bad (test_resources/packages/invalid-package, pkginfo.json []): refused" {
	pkg invalid-package--1 '[]'
	refused "pkginfo.json: must be a JSON object"
}

@test "test_restricted_services (build/tests/resources-nonbootstrapable/restricted_services): a unit named dcos.target is refused" {
	pkg restricted_services--1 '{}' bin/mesos-master lib/libmesos.so \
	    dcos.target.wants/dcos-foo.service dcos.target.wants/dcos.target
	refused "package restricted_services--1: the unit dcos.target is the installer's own"
}

@test "constants.RESERVED_UNIT_NAMES: dcos-download.service and dcos-setup.service, for any role, are refused" {
	local u
	for u in dcos-download.service dcos-setup.service; do
		fresh
		pkg evil--1 '{}' "dcos.target.wants_slave_public/$u"
		refused "package evil--1: the unit $u is the installer's own"
	done
}

@test "reserved_env_vars: PATH and LD_LIBRARY_PATH in a package's environment are refused" {
	local v
	for v in PATH LD_LIBRARY_PATH; do
		fresh
		pkg env--1 "{\"environment\": {\"$v\": \"/tmp/evil\"}}"
		refused "environment: $v is set by the installer (LD_LIBRARY_PATH and PATH are reserved)"
	done
}

@test "validate_compatible: a repeated environment variable is refused" {
	pkg a--1 '{"environment": {"FOO": "1"}}'
	pkg b--1 '{"environment": {"FOO": "2"}}'
	refused "collision: both a--1 and b--1 set the environment variable FOO"
}

@test "validate_compatible: conflicting sysctl values are refused; the same value is not" {
	pkg a--1 '{"sysctl": {"dcos-a": {"vm.swappiness": "1"}}}' dcos.target.wants/dcos-a.service
	pkg b--1 '{"sysctl": {"dcos-b": {"vm.swappiness": "10"}}}' dcos.target.wants/dcos-b.service
	refused "conflicting sysctl: b--1 sets vm.swappiness = 10 for dcos-b, but a--1 sets it to 1"
	fresh
	pkg a--1 '{"sysctl": {"dcos-a": {"vm.swappiness": "1"}, "dcos-a2": {"vm.swappiness": "2"}}}' \
	    dcos.target.wants/dcos-a.service dcos.target.wants/dcos-a2.service
	refused "conflicting sysctl: a--1 sets vm.swappiness = 2 for dcos-a2, but a--1 sets it to 1"
	fresh
	pkg a--1 '{"sysctl": {"dcos-a": {"vm.swappiness": "1"}}}' dcos.target.wants/dcos-a.service
	pkg b--1 '{"sysctl": {"dcos-b": {"vm.swappiness": "1"}}}' dcos.target.wants/dcos-b.service
	accepted
}

@test "Install.activate: a sysctl for a package without a service is refused (service name required for sysctl)" {
	pkg a--1 '{"sysctl": {"dcos-a": {"vm.swappiness": "1"}}}' bin/a
	refused "package a--1: sysctl: the package has no unit dcos-a.service"
	# stricter than pkgpanda, which drops a setting for a service the
	# package lacks when it has another: refused too
	fresh
	pkg a--1 '{"sysctl": {"dcos-b": {"vm.swappiness": "1"}}}' dcos.target.wants/dcos-a.service
	refused "package a--1: sysctl: the package has no unit dcos-b.service"
}

@test "validate_compatible: \`group\` cannot be used without \`username\`" {
	pkg a--1 '{"group": "dcos_a"}'
	refused "group needs username"
}

@test "validate_compatible: a requirement not in the set of packages is refused" {
	mesos_config justmesos
	refused "package mesos-config--justmesos requires 'mesos', which is not in the release"
}

@test "validate_compatible: a repeated package name is refused" {
	pkg a--1 '{}'
	pkg a--2 '{}'
	refused "packages a--1 and a--2: a release holds one version of each package"
}

@test "expand_require: {\"name\": ..., \"variant\": ...} is accepted; without variant, or naming a package id, refused" {
	pkg base--1 '{}'
	pkg a--1 '{"requires": [{"name": "base", "variant": "downstream"}, {"name": "base", "variant": null}, "base"]}'
	accepted
	fresh
	pkg base--1 '{}'
	pkg a--1 '{"requires": [{"name": "base"}]}'
	refused 'requires[0]: a dependency given as an object needs both "name" and "variant"'
	fresh
	pkg base--1 '{}'
	pkg a--1 '{"requires": ["base--1"]}'
	refused "requires[0]: 'base--1' is a package id: depend on a package name"
	fresh
	pkg a--1 '{"requires": [{"name": "nothere", "variant": "x"}]}'
	refused "package a--1 requires 'nothere', which is not in the release"
}

@test "test_validate_username: pkgpanda's good names are accepted, its bad ones (and dcos_foo-bar, dcos_) refused" {
	local u
	for u in dcos_mesos dcos_a dcos__ dcos_a_b_c dcos_diagnostics dcos_a1 dcos_1; do
		fresh
		pkg a--1 "{\"username\": \"$u\"}"
		accepted || { echo "good name $u" >&2; return 1; }
		grep -q "^$u:x:" "$R/etc/passwd"
	done
	for u in dcos d d_a foobar_asdf 'dcos_***' dc/os_foobar dcos_foo:bar \
	    3dcos_foobar dcos3_foobar dcos_foo-bar dcos_ DCOS_A; do
		fresh
		pkg a--1 "{\"username\": \"$u\"}"
		refused "username '$u' must be 'dcos_' followed by a-z, 0-9 and '_'" ||
		    { echo "bad name $u" >&2; return 1; }
	done
}

@test "UserManagement.validate_group_name (linux_group_regex): good names pass, bad ones are refused" {
	local g
	for g in Wheel 1grp -g g:x 'g x' ''; do
		fresh
		pkg a--1 "{\"username\": \"dcos_a\", \"group\": \"$g\"}"
		refused "group '$g' must be a-z or '_' followed by a-z, 0-9, '_' and '-'" ||
		    { echo "bad group '$g'" >&2; return 1; }
	done
	for g in dcos_a _g a-b; do
		fresh
		echo "$g:x:555:" >> "$R/etc/group"
		pkg a--1 "{\"username\": \"dcos_a\", \"group\": \"$g\"}"
		accepted || { echo "good group $g" >&2; return 1; }
	done
}

@test "UserManagement.validate_group: a group that does not exist on the host is refused at install; one named like the user is made" {
	pkg a--1 '{"username": "dcos_a", "group": "dcos_shared"}'
	run build
	[ "$status" -eq 0 ]
	install_refused "package a--1: group dcos_shared (of user dcos_a) does not exist on this host: create it first"
	echo 'dcos_shared:x:600:' >> "$R/etc/group"
	run hand_install
	[ "$status" -eq 0 ]
	grep -q '^dcos_a:x:[0-9]*:600:' "$R/etc/passwd"
	[ "$(grep -c '^dcos_shared:' "$R/etc/group")" = 1 ]
	fresh
	pkg a--1 '{"username": "dcos_a", "group": "dcos_a"}'
	accepted
	grep -q '^dcos_a:x:' "$R/etc/group"
}

@test "Install.activate writes etc/dcos-service-configuration.json: a package shipping it is refused" {
	local p
	for p in etc/dcos-service-configuration.json etc_master/dcos-service-configuration.json; do
		fresh
		pkg a--1 '{}' "$p"
		refused "package a--1: $p: the installer writes /opt/mesosphere/etc/dcos-service-configuration.json"
	done
}

@test "Systemd unit dirs: units must be unit files directly in dcos.target.wants, for every role" {
	pkg a--1 '{}' dcos.target.wants_slave/sub/dcos-a.service
	refused "package a--1: dcos.target.wants_slave/sub: units must be files directly in dcos.target.wants"
	fresh
	pkg a--1 '{}' dcos.target.wants_slave/.hidden.service
	refused 'package a--1: ".hidden.service" is not a systemd unit file name'
}
