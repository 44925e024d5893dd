#!/usr/bin/env bats
# Release-declared host requirements (#16 item 8): release.json's
# roles.<role>.requires says what a host of that role needs (tools,
# docker, SELinux policy, XFS ftype, devicemapper on loop, kernel
# modules, cores, memory, disk), and preflight checks exactly that, one
# PASS/FAIL line each with DC/OS's wording.  /proc and /sys come from
# --proc and --sys, the commands from PATH: here all are fakes, so each
# requirement is seen passing and failing.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

# The store is built once: master declares every requirement, slave
# none, slave_public a disk no host has.
setup_file() {
	need jq zstd
	export SF=$BATS_FILE_TMPDIR
	ROLES='{"master":{"ports":[1,2],"requires":{
	    "tools":["sh","dcos-fake-tool"],
	    "docker":{"min_version":"1.13"},
	    "selinux_targeted":true,
	    "xfs_ftype":["/var/lib/mesos"],
	    "devicemapper_loop":false,
	    "kernel_modules":["overlay"],
	    "min_cores":2,"min_memory_mib":1024,
	    "min_disk_mib":{"/var/lib":1}}},
	  "slave":{"ports":[1,2]},
	  "slave_public":{"ports":[1,2],"requires":{
	    "min_disk_mib":{"/var":1099511627776}}}}' \
	bash -c 'source "$top_srcdir/tests/lib.bash"
		source "$top_srcdir/tests/script.bash"
		make_store "$SF/store" http://127.0.0.1:1 >/dev/null
		echo "$MANIFEST_HEX"' > "$SF/hex"
}

setup() {
	need jq zstd
	SCRATCH=$(mktemp -d)
	M="$SF/store/blobs/sha256/$(cat "$SF/hex")"
	R=$SCRATCH/R
	mkdir -p "$R/var/lib/mesos" "$SCRATCH/bin" "$SCRATCH/proc/net" \
	    "$SCRATCH/sys/module"
	# A host that meets every requirement of master.
	for f in tcp tcp6 udp udp6; do
		head -n 1 "/proc/net/$f" > "$SCRATCH/proc/net/$f"
	done
	printf 'processor\t: %s\n' 0 1 2 3 > "$SCRATCH/proc/cpuinfo"
	printf 'MemTotal:        4000000 kB\nMemFree: 1 kB\n' > "$SCRATCH/proc/meminfo"
	printf 'overlay 151552 0 - Live 0x0\nbr_netfilter 32768 0 - Live 0x0\n' \
	    > "$SCRATCH/proc/modules"
	printf '/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 %s xfs rw 0 0\n' \
	    "$(realpath "$R/var/lib/mesos" | sed 's/ /\\040/g')" > "$SCRATCH/proc/mounts"
	fake dcos-fake-tool 'exit 0'
	printf ' Server Version: 20.10.5\n Storage Driver: overlay2\n Docker Root Dir: /var/lib/docker\n' \
	    > "$SCRATCH/docker.info"
	fake docker '[ "$1" = info ] && cat "$F/docker.info"'
	echo Enforcing > "$SCRATCH/getenforce"
	fake getenforce 'cat "$F/getenforce"'
	fake sestatus 'printf "SELinux status:                 enabled\nLoaded policy name:             %s\n" "$(cat "$F/policy")"'
	echo targeted > "$SCRATCH/policy"
	fake xfs_info 'echo "naming   =version 2              bsize=4096   ascii-ci=0, $(cat "$F/ftype")"'
	echo ftype=1 > "$SCRATCH/ftype"
}

teardown() {
	rm -rf "$SCRATCH"
}

# fake NAME BODY: a stand-in command in $SCRATCH/bin (F: $SCRATCH).
fake() {
	printf '#!/bin/sh\nF=%s\n%s\n' "$SCRATCH" "$2" > "$SCRATCH/bin/$1"
	chmod 755 "$SCRATCH/bin/$1"
}

preflight() {
	st=0
	PATH="$SCRATCH/bin:$PATH" "$BOOTSTRAP" preflight "$M" --cache "$SF/store" \
	    --root "$R" --proc "$SCRATCH/proc" --sys "$SCRATCH/sys" "$@" \
	    > "$SCRATCH/out" 2>&1 || st=$?
	cat "$SCRATCH/out"
}

@test "a host that meets every requirement of its role passes them all, one line each after the usual checks, in --json too" {
	# The requirement lines master's declaration adds, in order.
	local MASTER_LINES=(
		"Checking if sh is installed and in PATH: PASS ("
		"Checking if dcos-fake-tool is installed and in PATH: PASS ($SCRATCH/bin/dcos-fake-tool)"
		"Checking if Docker is running: PASS (docker info answered)"
		"Checking docker version requirement (>= 1.13): PASS (20.10.5)"
		"Checking Docker is configured with a production storage driver: PASS (overlay2)"
		"Checking if SELinux is disabled, permissive, or enforcing with the targeted policy: PASS (Enforcing, policy targeted)"
		"Checking if /var/lib/mesos is mounted with \"ftype=1\": PASS (xfs on "
		"Checking if kernel module overlay is loaded: PASS (in $SCRATCH/proc/modules)"
		"Checking for at least 2 CPU cores: PASS (4)"
		"Checking for at least 1024 MiB of memory: PASS (3.8 GiB)"
		"Checking for at least 1 MiB free in /var/lib: PASS ("
	)

	preflight --role master
	[ "$st" -eq 0 ]
	mapfile -t got < <(grep '^Checking' "$SCRATCH/out" | tail -n "${#MASTER_LINES[@]}")
	for i in "${!MASTER_LINES[@]}"; do
		[[ "${got[$i]}" == "${MASTER_LINES[$i]}"* ]] || {
			echo "line $i: ${got[$i]}"; false; }
	done
	[ "$(grep -c '^Checking' "$SCRATCH/out")" -eq $((6 + ${#MASTER_LINES[@]})) ]
	preflight --role master --json
	jq -e '.failed == 0 and (.checks | length) == 17 and
	    ([.checks[] | select(.check == "for at least 2 CPU cores")][0].detail == "4")' \
	    <(sed -n '/^{/,$p' "$SCRATCH/out")
}

@test "a role that declares nothing gets nothing more than the usual checks" {
	preflight --role slave
	[ "$st" -eq 0 ]
	[ "$(grep -c '^Checking' "$SCRATCH/out")" -eq 6 ]
}

@test "two roles: each requirement is checked once, the failing disk of slave_public fails" {
	preflight --role master,slave_public
	[ "$st" -eq 1 ]
	[ "$(grep -c '^Checking.*: FAIL' "$SCRATCH/out")" -eq 1 ]
	grep -q '^Checking for at least 1099511627776 MiB free in /var: FAIL (.* free in '"$R"'/var: free some space)$' "$SCRATCH/out"
	[ "$(grep -c '^Checking for at least' "$SCRATCH/out")" -eq 4 ]
}

# row SETUP EXPECTED: after SETUP (shell code run here), preflight
# --role master fails exactly the line EXPECTED starts.
row() {
	eval "$1"
	preflight --role master
	[ "$st" -eq 1 ] || { echo "row '$1': exit $st"; return 1; }
	mapfile -t fails < <(grep '^Checking.*: FAIL' "$SCRATCH/out")
	[ "${#fails[@]}" -ge 1 ] && [[ "${fails[0]}" == "$2"* ]] || {
		echo "row '$1': want '$2'"; return 1; }
}

@test "each requirement fails on its own, saying what is wrong and what to do" {
	local s=$SCRATCH
	row "rm $s/bin/dcos-fake-tool" \
	    "Checking if dcos-fake-tool is installed and in PATH: FAIL (not found in PATH: install dcos-fake-tool)"
	fake dcos-fake-tool 'exit 0'
	row "sed -i 's/20.10.5/1.12.6/' $s/docker.info" \
	    "Checking docker version requirement (>= 1.13): FAIL (1.12.6: upgrade Docker to 1.13 or later)"
	row "sed -i 's/1.12.6/1.9/' $s/docker.info" \
	    "Checking docker version requirement (>= 1.13): FAIL (1.9: upgrade"
	sed -i 's/1.9/1.13.1/' "$s/docker.info"
	row "printf ' Storage Driver: devicemapper\n Data file: /dev/loop0\n Server Version: 17.03\n' > $s/docker.info" \
	    "Checking Docker is configured with a production storage driver: FAIL (devicemapper, /dev/loop0: devicemapper on a loopback device is not for production"
	printf ' Storage Driver: devicemapper\n Data file: /dev/sdc\n Server Version: 17.03\n' > "$s/docker.info"
	row "echo mls > $s/policy" \
	    "Checking if SELinux is disabled, permissive, or enforcing with the targeted policy: FAIL (Enforcing with policy mls: load the targeted policy, or make SELinux permissive)"
	echo Permissive > "$s/getenforce"
	row "echo ftype=0 > $s/ftype" \
	    "Checking if /var/lib/mesos is mounted with \"ftype=1\": FAIL (xfs on $(realpath "$R/var/lib/mesos"): ftype=0: Docker and the Mesos agent need d_type"
	echo ftype=1 > "$s/ftype"
	row "sed -i /^overlay/d $s/proc/modules" \
	    "Checking if kernel module overlay is loaded: FAIL (not in $s/proc/modules: load it with modprobe overlay)"
	mkdir "$s/sys/module/overlay"
	row "echo 'processor : 0' > $s/proc/cpuinfo" \
	    "Checking for at least 2 CPU cores: FAIL (1: use a machine with 2 or more)"
	printf 'processor\t: %s\n' 0 1 > "$s/proc/cpuinfo"
	row "sed -i s/4000000/1000000/ $s/proc/meminfo" \
	    "Checking for at least 1024 MiB of memory: FAIL (976.6 MiB: give the machine 1.0 GiB or more)"
	sed -i s/1000000/1048576/ "$s/proc/meminfo"
	row "fake docker 'echo Cannot connect to the Docker daemon >&2; exit 1'" \
	    "Checking if Docker is running: FAIL (docker info failed (exit 1): install and start Docker)"
	# Every fix above was taken: what is left passes, the modules built
	# in, SELinux permissive, on the first devicemapper line of its kind.
	fake docker '[ "$1" = info ] && cat "$F/docker.info"'
	preflight --role master
	[ "$st" -eq 0 ]
	grep -q '^Checking if kernel module overlay is loaded: PASS (built in: '"$s"'/sys/module/overlay)$' "$SCRATCH/out"
	grep -q '^Checking if SELinux is disabled, permissive, or enforcing with the targeted policy: PASS (Permissive)$' "$SCRATCH/out"
	grep -q '^Checking Docker is configured with a production storage driver: PASS (devicemapper)$' "$SCRATCH/out"
	grep -q '^Checking for at least 1024 MiB of memory: PASS (1.0 GiB)$' "$SCRATCH/out"
}

@test "a host without SELinux or without XFS passes those checks, saying why" {
	rm "$SCRATCH/bin/getenforce"
	printf '/dev/sda1 / ext4 rw 0 0\n' > "$SCRATCH/proc/mounts"
	preflight --role master
	[ "$st" -eq 0 ]
	grep -q '^Checking if SELinux is disabled, permissive, or enforcing with the targeted policy: PASS (no getenforce: SELinux is not installed)$' "$SCRATCH/out"
	grep -q '^Checking if /var/lib/mesos is mounted with "ftype=1": PASS (ext4 on /: not XFS)$' "$SCRATCH/out"
}

@test "release.json and roles.json refuse a requirement they do not know or cannot check" {
	local v
	mkdir -p "$SCRATCH/r/out"
	"$GENCONF" -q keygen -p "$SCRATCH/r/v.pub" -s "$SCRATCH/r/v.key"
	for v in '{"master":{"ports":[1],"requires":{"gpus":1}}}|unknown requirement '"'"'gpus'"'" \
	    '{"master":{"ports":[1],"requires":{"tools":["/bin/sh"]}}}|requires.tools: item 0 is not a command name' \
	    '{"master":{"ports":[1],"requires":{"docker":{"min_version":"latest"}}}}|requires.docker: must be {"min_version"' \
	    '{"master":{"ports":[1],"requires":{"min_cores":0}}}|requires.min_cores: must be a positive integer' \
	    '{"master":{"ports":[1],"requires":{"xfs_ftype":["var/lib"]}}}|requires.xfs_ftype: item 0 is not an absolute path' \
	    '{"master":{"ports":[1],"requires":{"min_disk_mib":{"/../x":1}}}}|is not an absolute path' \
	    '{"master":{"ports":[1],"requires":{"selinux_targeted":"yes"}}}|requires.selinux_targeted: must be true or false'; do
		printf '%s\n' "${v%%|*}" > "$SCRATCH/r/roles.json"
		run "$GENCONF" release --name r --version 1 --seq 1 \
		    --key "$SCRATCH/r/v.key" --roles "$SCRATCH/r/roles.json" \
		    --bootstrap "$(uname -m)=$BOOTSTRAP" -o "$SCRATCH/r/out" \
		    "$SCRATCH/r/none--1"
		echo "$output"
		[ "$status" -ne 0 ]
		[[ "$output" == *"${v#*|}"* ]]
	done
}
