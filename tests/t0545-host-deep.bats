#!/usr/bin/env bats
# Maintenance commands on every tree the format allows (docs/formats.md:
# paths of at most 4,095 bytes, as deep as that allows, links below bin/
# lib/ etc/ include/ that fit), with few descriptors; verify audits what
# services run; the paths it prints cannot forge lines.

# SPDX-License-Identifier: Apache-2.0
load host

setup_file() {
	need python3 zstd flock
	export FILE_SCRATCH=$(mktemp -d)
	SCRATCH=$FILE_SCRATCH host_keys
	# mesos 1.1.0 carries the deepest tree the limits allow
	SCRATCH=$FILE_SCRATCH fixture deep --deep limit --version 1.1.0
	SCRATCH=$FILE_SCRATCH fixture p2 --seq 2 --version 1.2.0
	SCRATCH=$FILE_SCRATCH fixture p3 --seq 3 --version 1.3.0
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	SCRATCH=$(mktemp -d)
	R=$SCRATCH/root
	mkdir -p "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
	printf 'root:x:0:\n' > "$R/etc/group"
	# the deepest path of the "limit" tree: 1,902 levels, 4,095 bytes
	D=$(printf 'd/%.0s' $(seq 1900))$(printf 'x%.0s' $(seq 120))/$(printf 'y%.0s' $(seq 174))
	P=/opt/mesosphere/packages/mesos--1.1.0
}

teardown() {
	rm -rf "$SCRATCH"
}

# inst FIXTURE [options]: installs a shared fixture on $R as a master.
inst() {
	local fx=$1
	shift
	"$BOOTSTRAP" install "$FILE_SCRATCH/$fx/cluster.json" \
	    --cache "$FILE_SCRATCH/$fx/cache" --root "$R" --role master "$@"
}

# at DIR REL OP: appends to (OP=append) or creates (OP=create) DIR/REL
# through a descriptor of DIR, as the whole path is longer than PATH_MAX.
at() {
	python3 -c 'import os, sys
d = os.open(sys.argv[1], os.O_RDONLY | os.O_DIRECTORY)
fl = os.O_WRONLY | (os.O_APPEND if sys.argv[3] == "append" else os.O_CREAT | os.O_EXCL)
os.write(os.open(sys.argv[2], fl, 0o644, dir_fd=d), b"changed\n")' "$@"
}

@test "a tree at the limits installs, verify finds a change in it exactly, uninstall removes it, with 64 descriptors" {
	mkdir -p "$R/etc/systemd/system"
	before=$(snapshot "$R")
	inst deep >/dev/null
	run bash -c 'ulimit -n 64 && exec "$0" verify --root "$1"' \
	    "$BOOTSTRAP" "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
	at "$R$P" "$D" append
	at "$R$P" "${D%y}e" create
	run bash -c 'ulimit -n 64 && exec "$0" verify --root "$1"' \
	    "$BOOTSTRAP" "$R"
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "changed: $P/$D (size)" ]
	[ "${lines[1]}" = "extra: $P/${D%y}e" ]
	[ "${lines[2]}" = "verify: generation 1: drift: 1 changed, 0 missing, 1 extra" ]
	[ "${#lines[@]}" -eq 3 ]
	run bash -c 'ulimit -n 64 && exec "$0" uninstall --root "$1"' \
	    "$BOOTSTRAP" "$R"
	[ "$status" -eq 0 ]
	diff <(echo "$before") <(snapshot "$R")
}

@test "gc removes a generation and a package at the limits with 64 descriptors" {
	inst deep >/dev/null
	inst p2 >/dev/null
	inst p3 >/dev/null
	run bash -c 'ulimit -n 64 && exec "$0" gc --keep 0 --root "$1"' \
	    "$BOOTSTRAP" "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed generation 1"* ]]
	[[ "$output" == *"removed package mesos--1.1.0"* ]]
	[ ! -e "$R$P" ]
	[ -z "$(ls -A "$R/opt/mesosphere/packages" "$R/opt/mesosphere/generations" | grep '^\.')" ]
	"$BOOTSTRAP" verify --root "$R"
}

@test "a gc killed while removing a deep tree stops no later install or activate" {
	inst deep >/dev/null
	inst p2 >/dev/null
	inst p3 >/dev/null
	run env DCOS_BOOTSTRAP_CRASH_AT=gc-remove "$BOOTSTRAP" gc --keep 0 \
	    --root "$R"
	[ "$status" -ne 0 ]
	[ -d "$R/opt/mesosphere/generations/.gc-1" ]
	# the tree was renamed whole: the next run removes it
	run bash -c 'ulimit -n 64 && exec "$0" activate --root "$1"' \
	    "$BOOTSTRAP" "$R"
	[ "$status" -eq 0 ]
	[ ! -e "$R/opt/mesosphere/generations/.gc-1" ]
	run env DCOS_BOOTSTRAP_CRASH_AT=gc-remove "$BOOTSTRAP" gc --keep 0 \
	    --root "$R"
	[ "$status" -ne 0 ]
	[ -d "$R/opt/mesosphere/packages/.gc-mesos--1.1.0" ]
	run bash -c 'ulimit -n 64 && exec "$0" install "$2/cluster.json" --cache "$2/cache" --root "$1" --role master' \
	    "$BOOTSTRAP" "$R" "$FILE_SCRATCH/p3"
	[ "$status" -eq 0 ]
	[ ! -e "$R/opt/mesosphere/packages/.gc-mesos--1.1.0" ]
	"$BOOTSTRAP" verify --root "$R"
}

@test "a tree over the limits is refused with one line and the host is unchanged" {
	before=$(snapshot "$R")
	for kind in path farm; do
		SCRATCH=$FILE_SCRATCH fixture over-$kind --deep $kind
		run inst over-$kind
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"mesos--1.2.0"* ]]
		diff <(echo "$before") <(snapshot "$R")
		msgs+=("$output")
	done
	[[ "${msgs[0]}" == *"not a relative path inside the package"*"at most 4095 bytes"* ]]
	[[ "${msgs[1]}" == *"too deep or long for a generation to link"* ]]
}

@test "a package manifest over 4 MiB is refused with one line, before anything is written" {
	before=$(snapshot "$R")
	SCRATCH=$FILE_SCRATCH fixture big-manifest --manifest-pad $((4 * 1024 * 1024))
	run inst big-manifest
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"mesos--1.2.0"*"larger than 4194304 bytes"*"split the package"* ]]
	diff <(echo "$before") <(snapshot "$R")
}

@test "dcos-genconf package refuses a path below lib/ whose generation link would not fit" {
	local name
	name=$(printf 'n%.0s' $(seq 240))
	cd "$SCRATCH"
	# 16 levels of 240-byte names: the path fits (4,060 bytes); below
	# lib/ its link target from a generation (4,133 bytes) does not
	for top in share lib; do
		mkdir -p "t-$top" && echo '{}' > "t-$top/pkginfo.json" &&
		    (cd "t-$top" &&
		    mkdir -p "$top/$(printf "$name/%.0s" $(seq 16))" &&
		    echo x > "$top/$(printf "$name/%.0s" $(seq 16))$(printf 'f%.0s' $(seq 200))")
	done
	# relative to the tree: its absolute paths pass PATH_MAX
	(cd t-share && "$GENCONF" -q package --id big--1 -o ../share.tar.zst .)
	cd t-lib
	run "$GENCONF" package --id big--1 -o ../lib.tar.zst .
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"too deep or long for a generation to link"* ]]
	[ ! -e ../lib.tar.zst ]
}

@test "verify reports every change to what services run: farm, units, active, environment, top-level links" {
	inst p2 >/dev/null
	"$BOOTSTRAP" verify --root "$R"
	G=opt/mesosphere/generations/1
	cases=(
	    "ln -sfn ../../../packages/zookeeper--3.4.14/bin/zkCli $G/bin/mesos-master|changed: /$G/bin/mesos-master (symlink target)"
	    "rm $G/lib/libmesos.so|missing: /$G/lib/libmesos.so"
	    "ln -s /tmp/evil $G/bin/evil|extra: /$G/bin/evil"
	    "ln -sfn ../../../packages/zookeeper--3.4.14 $G/active/mesos|changed: /$G/active/mesos (symlink target)"
	    "echo '# edit' >> $G/dcos.target.wants/dcos-mesos-master.service|changed: /$G/dcos.target.wants/dcos-mesos-master.service (differs from its package)"
	    "echo LD_PRELOAD=/tmp/evil.so >> $G/environment|changed: /$G/environment (differs from what the packages set)"
	    "echo 'export LD_PRELOAD=/tmp/evil.so' >> $G/environment.export|changed: /$G/environment.export (differs from what the packages set)"
	    "echo '{}' > $G/dcos-service-configuration.json|changed: /$G/dcos-service-configuration.json (differs from what the packages set)"
	    "ln -sfn /tmp/evil.json $G/etc/dcos-service-configuration.json|changed: /$G/etc/dcos-service-configuration.json (symlink target)"
	    "ln -sfn /tmp/evil opt/mesosphere/bin|changed: /opt/mesosphere/bin (symlink target)"
	    "ln -sfn current/etc opt/mesosphere/lib|changed: /opt/mesosphere/lib (symlink target)"
	    "rm opt/mesosphere/environment && echo PATH=/tmp > opt/mesosphere/environment|changed: /opt/mesosphere/environment (not a symlink)"
	    "rm opt/mesosphere/environment.export|missing: /opt/mesosphere/environment.export"
	    "rm opt/mesosphere/active|missing: /opt/mesosphere/active"
	)
	for c in "${cases[@]}"; do
		rm -rf "$SCRATCH/c"
		cp -a "$R" "$SCRATCH/c"
		(cd "$SCRATCH/c" && eval "${c%%|*}")
		run "$BOOTSTRAP" verify --root "$SCRATCH/c"
		[ "$status" -eq 1 ] || { echo "not found: ${c%%|*}"; false; }
		[[ "$output" == *"${c#*|}"* ]] || {
			echo "for: ${c%%|*}: want ${c#*|}"; false; }
	done
}

@test "paths verify prints are quoted: a name with a newline is one line" {
	inst p2 >/dev/null
	P2=opt/mesosphere/packages/mesos--1.2.0
	G=opt/mesosphere/generations/1
	touch "$R/$P2/bin/a
OK b" "$R/$G/bin/q\"u\\o	te"
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 3 ]
	[[ "$output" == *'extra: "/'$P2'/bin/a\nOK b"'* ]]
	[[ "$output" == *'extra: "/'$G'/bin/q\"u\\o\tte"'* ]]
	[[ "${lines[2]}" == *"drift: 0 changed, 0 missing, 2 extra" ]]
}

@test "gc quotes the package names it prints: a name with a newline is one line" {
	inst p2 >/dev/null
	mkdir "$R/opt/mesosphere/packages/x
removed package y"
	run "$BOOTSTRAP" gc --root "$R"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 'removed package "x\nremoved package y"' ]
	[ "${#lines[@]}" -eq 2 ]
}
