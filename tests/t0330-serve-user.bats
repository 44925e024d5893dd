#!/usr/bin/env bats
# dcos-artifactd serve gives up root once its ports are bound: --user
# makes it an unprivileged user with no capabilities and no_new_privs,
# as /proc shows for the running server; root without --user needs
# --allow-root; a store the user cannot read is refused at start.  The
# user is the system's "nobody"; nothing is created.

# SPDX-License-Identifier: Apache-2.0
load lib
load serve-lib

setup() {
	need curl setpriv
	[ "$(id -u)" -eq 0 ] || skip "switching users needs root"
	getent passwd nobody >/dev/null || skip "no user nobody"
	SCRATCH=$(mktemp -d)
	# nobody must reach the store: a+rx on the scratch directory.
	chmod 755 "$SCRATCH"
	STORE="$SCRATCH/store"
	make_store "$STORE"
	# Dropping root makes the process undumpable, which LeakSanitizer's
	# ptrace needs; the other serve tests check leaks.
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
}

teardown() {
	stop_server || true
	rm -rf "$SCRATCH"
}

# status_field PID NAME: one line of /proc/PID/status, without its name.
status_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"
}

# unprivileged PID UID [BOUNDING]: every thread runs as UID with no
# capability, a bounding set of BOUNDING (default none) and no_new_privs.
unprivileged() {
	local t g
	for t in /proc/"$1"/task/*; do
		t=${t##*/}
		echo "thread $t: $(grep -E '^(Uid|Gid|Groups|Cap|NoNewPrivs)' "/proc/$1/task/$t/status" | tr '\n' ' ')"
		[ "$(status_field "$1/task/$t" Uid)" = "$(printf '%s\t' "$2" "$2" "$2" "$2" | sed 's/\t$//')" ]
		g=$(status_field "$1/task/$t" Gid | awk '{ print $1 }')
		[ "$g" != 0 ]
		[[ " $(status_field "$1/task/$t" Groups) " != *" 0 "* ]]
		for c in CapInh CapPrm CapEff CapAmb; do
			[ "$(status_field "$1/task/$t" "$c")" = 0000000000000000 ]
		done
		[ "$(status_field "$1/task/$t" CapBnd)" = "${3:-0000000000000000}" ]
		[ "$(status_field "$1/task/$t" NoNewPrivs)" = 1 ]
	done
}

# free_low_port: a port below 1024 nothing listens on at 127.0.0.1.
free_low_port() {
	local p
	for p in $(seq 900 1000); do
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

@test "serve --user nobody binds a port below 1024 as root, then serves as nobody with no capabilities and no_new_privs" {
	port=$(free_low_port)
	launch "$ARTIFACTD" serve -l "127.0.0.1:$port" --root "$STORE" --user nobody
	[ "$PORT" = "$port" ]
	nobody=$(id -u nobody)
	unprivileged "$SERVER_PID" "$nobody"
	curl -fsS -o /dev/null "$URL/healthz"
	curl -fsS -o "$SCRATCH/got" "$URL/blobs/sha256/$BIG"
	[ "$(sha256sum < "$SCRATCH/got" | cut -d' ' -f1)" = "$BIG" ]
	stop_server
}

@test "started unprivileged with CAP_NET_BIND_SERVICE (systemd's DynamicUser), serve binds a low port and drops the capability" {
	port=$(free_low_port)
	nobody=$(id -u nobody)
	# As the unit: CapabilityBoundingSet= and AmbientCapabilities= name
	# CAP_NET_BIND_SERVICE (bit 10) alone.  Without CAP_SETPCAP the
	# bounding set stays; no_new_privs keeps anything from coming back.
	launch setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    --bounding-set=-all,+net_bind_service \
	    --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	    "$ARTIFACTD" serve -l "127.0.0.1:$port" --root "$STORE"
	[ "$PORT" = "$port" ]
	unprivileged "$SERVER_PID" "$nobody" 0000000000000400
	curl -fsS -o /dev/null "$URL/blobs/sha256/$SMALL"
	stop_server
}

@test "serve refuses to run as root without --user or --allow-root, in one line naming both" {
	run "$ARTIFACTD" serve -l 127.0.0.1:0 --root "$STORE"
	[ "$status" -eq 2 ]
	one_line
	[[ "$output" == *"refusing to serve as root: pass --user USER"*"or --allow-root"* ]]
	# The implicit serve too.
	run "$ARTIFACTD" --root "$STORE" -l 127.0.0.1:0
	[ "$status" -eq 2 ]
	[[ "$output" == *"refusing to serve as root"* ]]
}

@test "serve --user refuses root, unknown users and, unprivileged, another user" {
	run "$ARTIFACTD" serve -l 127.0.0.1:0 --root "$STORE" --user root
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"--user root: its uid is root's (0); name an unprivileged user"* ]]
	run "$ARTIFACTD" serve -l 127.0.0.1:0 --root "$STORE" --user no-such-user-h15b
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"--user no-such-user-h15b: no such user"* ]]
	run setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$ARTIFACTD" serve -l 127.0.0.1:0 --root "$STORE" --user daemon
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"--user daemon: only root can switch users"* ]]
}

# unreadable_refused REL: serve --user nobody stops at start, in one line
# naming STORE/REL (or STORE itself for ""), the user and what to run.
unreadable_refused() {
	run "$ARTIFACTD" serve -l 127.0.0.1:0 --root "$STORE" --user nobody
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"$STORE${1:+/$1}: not readable by nobody (uid $(id -u nobody)), the user serve runs as: make the store readable by it, e.g. 'chmod -R a+rX $STORE'"* ]]
}

@test "a store the --user cannot read is refused at start, naming the user and what to run" {
	chmod 700 "$STORE"
	unreadable_refused ""
	chmod 755 "$STORE"
	chmod 600 "$STORE/blobs/sha256/$BIG"
	unreadable_refused "blobs/sha256/$BIG"
	chmod 600 "$STORE/index.json"
	unreadable_refused index.json
}

@test "every example that starts serve in the manual pages and the README says whom it serves as" {
	run bash -c "grep -nE '^dcos-artifactd( serve)?( |\$)' '$top_srcdir'/man/*.[158] '$top_srcdir/README.md' |
	    grep -vE 'dcos-artifactd (mirror|fsck|export-release) ' | grep -vE -- '--user|--allow-root'"
	echo "$output"
	[ "$status" -eq 1 ]
}
