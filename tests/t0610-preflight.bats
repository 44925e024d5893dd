#!/usr/bin/env bats
# dcos-bootstrap preflight: every check runs and prints one
# "Checking <what>: PASS|FAIL (<detail>)" line; exit 1 when any failed.
# Ports come from the release's role lists, ip-detect from the config
# package, and nothing on the host changes.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	need jq zstd nginx setpriv
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	cd "$SCRATCH"
	mkdir R
}

teardown() {
	stop_all_nginx
	cd /
	mountpoint -q "$SCRATCH/R" && umount "$SCRATCH/R"
	rm -rf "$SCRATCH"
}

# store [ENV...]: a store whose blobs are all in the cache (the store).
store() {
	env SCRATCH="$SCRATCH" "$@" bash -c 'source "$top_srcdir/tests/lib.bash"
		source "$top_srcdir/tests/script.bash"
		make_store "$SCRATCH/store" http://127.0.0.1:1 >/dev/null
		echo "$MANIFEST_HEX"' > hex
	M="$SCRATCH/store/blobs/sha256/$(cat hex)"
}

preflight() {
	run "$BOOTSTRAP" preflight "$M" --cache "$SCRATCH/store" --root "$SCRATCH/R" "$@"
}

line() {
	printf '%s\n' "$output" | grep "^Checking $1: "
}

@test "a fresh host passes all six checks" {
	store MASTER_PORTS='[1,2]'
	preflight --role master
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	[ "$(line 'root privileges')" = "Checking root privileges: PASS (running as root)" ]
	[ "$(line 'for an existing installation')" = "Checking for an existing installation: PASS (none in $SCRATCH/R/opt/mesosphere)" ]
	[ "$(line 'ports for role master')" = "Checking ports for role master: PASS (2 ports free)" ]
	[[ "$(line 'free disk space for the release')" == *": PASS ($SCRATCH/R/opt/mesosphere needs "* ]]
	[[ "$(line systemd)" == "Checking systemd: PASS (not running, no $SCRATCH/R/run/systemd/system"* ]]
	[ "$(line ip-detect)" = "Checking ip-detect: PASS (127.0.0.1)" ]
	[ -z "$(ls -A R)" ]
}

@test "a port some program listens on fails the check, naming port and address, and every other check still runs" {
	start_nginx L "$SCRATCH"
	store MASTER_PORTS="[1,$NGINX_L_PORT]" AGENT_PORTS='[2]'
	preflight --role master --role slave_public
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 7 ]
	[ "$(line 'ports for role master')" = "Checking ports for role master: FAIL (in use: $NGINX_L_PORT/tcp on 127.0.0.1: stop the programs holding them)" ]
	[ "$(line 'ports for role slave_public')" = "Checking ports for role slave_public: PASS (1 ports free)" ]
	[[ "$(line ip-detect)" == *PASS* ]]
	stop_nginx L
	preflight --role master,slave_public
	[ "$status" -eq 0 ]
}

@test "ports are read from the tables given with --proc: UDP bound sockets count, TCP only when listening" {
	store MASTER_PORTS='[53,5050,2181]'
	mkdir -p proc/net
	hdr='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
	hdr6='  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
	printf '%s\n%s\n' "$hdr" '   0: 0100007F:13BA 0100007F:8448 01 00000000:00000000 00:00000000 00000000     0        0 0 1' > proc/net/tcp
	printf '%s\n%s\n' "$hdr" '   0: 3500007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 0 1' > proc/net/udp
	printf '%s\n%s\n' "$hdr6" '   0: 00000000000000000000000001000000:0885 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 0 1' > proc/net/tcp6
	preflight --role master --proc "$SCRATCH/proc"
	[ "$status" -eq 1 ]
	[ "$(line 'ports for role master')" = "Checking ports for role master: FAIL (in use: 53/udp on 127.0.0.53, 2181/tcp on ::1: stop the programs holding them)" ]
	# A broken table is a FAIL with the file and line, not a crash.
	echo garbage >> proc/net/udp
	preflight --role master --proc "$SCRATCH/proc"
	[ "$status" -eq 1 ]
	[[ "$(line 'ports for role master')" == *"FAIL ($SCRATCH/proc/net/udp:3: expected a slot number)" ]]
}

@test "ip-detect must print exactly one valid address" {
	for body in 'echo 10.0.0.1; echo 10.0.0.2' 'echo not-an-ip' 'echo 10.0.0.300' \
	    'exit 3' ':' 'echo 10.0.0.1 10.0.0.2'; do
		rm -rf store store.src
		store IP_DETECT="$(printf '#!/bin/sh\n%s\n' "$body")"
		preflight --role slave
		[ "$status" -eq 1 ] || { echo "$body: $output"; false; }
		[[ "$(line ip-detect)" == "Checking ip-detect: FAIL ("*"fix genconf/ip-detect)" ]]
	done
	rm -rf store store.src
	store IP_DETECT="$(printf '#!/bin/sh\necho fd00::17\n')"
	preflight --role slave
	[ "$status" -eq 0 ]
	[ "$(line ip-detect)" = "Checking ip-detect: PASS (fd00::17)" ]
}

@test "an ip-detect that hangs is killed after --timeout" {
	store IP_DETECT="$(printf '#!/bin/sh\nexec sleep 60\n')"
	SECONDS=0
	preflight --role master --timeout 1
	[ "$status" -eq 1 ]
	[ "$SECONDS" -lt 10 ]
	[[ "$(line ip-detect)" == *"FAIL (ip-detect still running after 1 seconds: killed: fix genconf/ip-detect)" ]]
}

@test "a damaged config package in the cache is never run" {
	store IP_DETECT="$(printf '#!/bin/sh\ntouch %s/ran\necho 10.0.0.1\n' "$SCRATCH")"
	chex=$(jq -r .config_package.digest store.src/cluster.json | cut -d: -f2)
	flip_byte "store/blobs/sha256/$chex" 100
	preflight --role master
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c 'config package')" -eq 1 ]
	[[ "$(line ip-detect)" == *"FAIL (config package: $SCRATCH/store/blobs/sha256/$chex: digest sha256:"*" where sha256:$chex is pinned (corrupt or tampered blob; delete it and fetch it again))" ]]
	[ ! -e ran ]
}

# What was checked is what is read: the config package blob is opened
# once, its digest checked on that descriptor and ip-detect read from it,
# so a blob swapped in under the same name after the check is never read.
@test "preflight opens the config package blob once, checks and reads it through that descriptor" {
	need strace
	store
	chex=$(jq -r .config_package.digest store.src/cluster.json | cut -d: -f2)
	# LeakSanitizer cannot run under ptrace (--enable-sanitize builds).
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat -o "$SCRATCH/trace" "$BOOTSTRAP" preflight "$M" --cache "$SCRATCH/store" --root "$SCRATCH/R" --role master
	[ "$status" -eq 0 ]
	[[ "$(line ip-detect)" == *PASS* ]]
	[ "$(grep -c "blobs/sha256/$chex\"" "$SCRATCH/trace")" -eq 1 ]
}

# The same for release.json: read once, and the bytes whose digest was
# checked are the bytes parsed (the check used to open it, and the parse
# to open it again by name).
@test "preflight opens release.json once and parses the bytes it checked" {
	need strace
	store
	rhex=$(jq -r .release.manifest store.src/cluster.json | cut -d: -f2)
	run env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -qq -e trace=openat,open -o "$SCRATCH/trace" "$BOOTSTRAP" preflight "$M" --cache "$SCRATCH/store" --root "$SCRATCH/R" --role master
	[ "$status" -eq 0 ]
	[[ "$(line 'ports for role master')" == *PASS* ]]
	[ "$(grep -c "blobs/sha256/$rhex\"" "$SCRATCH/trace")" -eq 1 ]
}

@test "release.json missing from the cache fails the checks that need it" {
	store
	rhex=$(jq -r .release.manifest store.src/cluster.json | cut -d: -f2)
	rm "store/blobs/sha256/$rhex"
	preflight --role master
	[ "$status" -eq 1 ]
	[[ "$(line 'ports for role master')" == *"FAIL (release.json is not in the cache $SCRATCH/store)" ]]
	[[ "$(line 'free disk space for the release')" == *"FAIL (release.json is not in the cache"* ]]
	[[ "$(line ip-detect)" == *PASS* ]]
}

@test "an installation with other roles fails; the same roles pass and skip the port check" {
	start_nginx L "$SCRATCH"
	store MASTER_PORTS="[$NGINX_L_PORT]"
	mkdir -p R/opt/mesosphere/generations/1
	ln -s generations/1 R/opt/mesosphere/current
	# The roles are the current generation's, as install reads them.
	echo '{"generation": 1, "roles": ["slave"]}' > R/opt/mesosphere/generations/1/generation.json
	preflight --role master
	[ "$status" -eq 1 ]
	[ "$(line 'for an existing installation')" = "Checking for an existing installation: FAIL (this host runs generation 1 with roles: slave; refusing roles: master: to change roles, run dcos-bootstrap uninstall first, or install with --change-roles (stops dcos.target, switches, starts it))" ]
	preflight --role master --change-roles
	[[ "$(line 'for an existing installation')" == *"PASS ($SCRATCH/R/opt/mesosphere/current -> generations/1, roles: slave; this run changes them (--change-roles))" ]]
	echo '{"generation": 1, "roles": ["master"]}' > R/opt/mesosphere/generations/1/generation.json
	preflight --role master
	[ "$status" -eq 0 ]
	[[ "$(line 'for an existing installation')" == *"PASS ($SCRATCH/R/opt/mesosphere/current -> generations/1, roles: master; this run upgrades or re-applies it)" ]]
	[[ "$(line 'ports for role master')" == *"SKIP (the installed cluster's own services hold them)" ]]
}

@test "an unfinished installation passes; a foreign /opt/mesosphere fails" {
	store
	mkdir -p R/opt/mesosphere/packages
	preflight --role master
	[ "$status" -eq 0 ]
	[[ "$(line 'for an existing installation')" == *"PASS (an unfinished installation in"* ]]
	rmdir R/opt/mesosphere/packages
	touch R/opt/mesosphere/active.buildinfo.full.json
	preflight --role master
	[ "$status" -eq 1 ]
	[[ "$(line 'for an existing installation')" == *"FAIL ($SCRATCH/R/opt/mesosphere holds files dcos-bootstrap did not install (e.g. active.buildinfo.full.json)"* ]]
}

@test "too little disk space for the packages fails" {
	store BIG_KB=2048
	mount -t tmpfs -o size=1m tmpfs R
	preflight --role master
	[ "$status" -eq 1 ]
	[[ "$(line 'free disk space for the release')" =~ FAIL\ \($SCRATCH/R/opt/mesosphere\ needs\ 2\.0\ MiB,\ .*\ free:\ free\ some\ space\) ]]
	# Packages already extracted need no space again.
	mkdir -p R/opt/mesosphere/packages/big--2.0
	preflight --role master
	[[ "$(line 'free disk space for the release')" == *PASS* ]]
}

@test "a running systemd older than 200 fails; a newer one passes" {
	store
	mkdir -p R/run/systemd/system bin
	# systemd cannot run in the test container: a stand-in systemctl
	# prints what the real one prints.
	printf '#!/bin/sh\necho "systemd 199 (199)"\necho "+PAM +AUDIT"\n' > bin/systemctl
	chmod 755 bin/systemctl
	PATH="$SCRATCH/bin:$PATH" preflight --role master
	[ "$status" -eq 1 ]
	[ "$(line systemd)" = "Checking systemd: FAIL (systemd 199 is older than 200: upgrade the operating system)" ]
	printf '#!/bin/sh\necho "systemd 252 (252.22-1~deb12u1)"\n' > bin/systemctl
	PATH="$SCRATCH/bin:$PATH" preflight --role master
	[ "$(line systemd)" = "Checking systemd: PASS (systemd 252)" ]
	printf '#!/bin/sh\necho "not systemd"\n' > bin/systemctl
	PATH="$SCRATCH/bin:$PATH" preflight --role master
	[[ "$(line systemd)" == *"FAIL (cannot read the version"* ]]
}

@test "not root without --root fails the root check" {
	store
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOOTSTRAP" preflight "$M" --cache "$SCRATCH/store" --role master
	[ "$status" -eq 1 ]
	[ "$(line 'root privileges')" = "Checking root privileges: FAIL (running as uid 65534: run as root, e.g. with sudo)" ]
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$BOOTSTRAP" preflight "$M" --cache "$SCRATCH/store" --role master --root "$SCRATCH/R"
	[ "$(line 'root privileges')" = "Checking root privileges: PASS (running as uid 65534; not needed with --root)" ]
}

@test "bad command lines and a bad manifest get one line" {
	store
	run "$BOOTSTRAP" preflight "$M" --cache store --role leader
	[ "$status" -eq 2 ]
	one_line
	[[ "$output" == *"unknown role 'leader' (roles: master, slave, slave_public)" ]]
	run "$BOOTSTRAP" preflight "$M" --cache store
	[ "$status" -eq 2 ]
	run "$BOOTSTRAP" preflight "$M" --cache store --role master --timeout 0
	[ "$status" -eq 2 ]
	echo '{"format": 2}' > bad.json
	run "$BOOTSTRAP" preflight bad.json --cache store --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"bad.json"* ]]
}
