#!/usr/bin/env bats
# The switch includes the services: units a generation drops are
# stopped before the switch, units whose file or package changed are
# restarted after it, new ones start with dcos.target, unchanged ones
# keep running.  systemd cannot run in the test container: the stand-in
# tests/systemctl-standin.py (given by DCOS_BOOTSTRAP_SYSTEMCTL) really
# runs each unit's ExecStart chrooted into the host and logs every call
# and every start and stop, so the sample release's dcos-hello can be
# asked which release it serves.

# SPDX-License-Identifier: Apache-2.0
load host
load script

STANDIN="$top_srcdir/tests/systemctl-standin.py"

setup_file() {
	need python3 zstd jq curl busybox pgrep
	sample_releases
	# One store with both sample releases: cm1 is 1.0.0, cm2 is 1.1.0
	# (only dcos-hello changes, and its page names the release).
	make_site "$FILE_SCRATCH/site" http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	STORE=$FILE_SCRATCH/site/genconf/serve
	jq -r '.current[7:]' "$STORE/index.json" > "$FILE_SCRATCH/cm1"
	cp "$FILE_SCRATCH"/r2/dcos-1.1.0.tar* "$FILE_SCRATCH/site/"
	(cd "$FILE_SCRATCH/site" &&
	    "$GENCONF" -q generate --release dcos-1.1.0.tar >/dev/null)
	jq -r '.current[7:]' "$STORE/index.json" > "$FILE_SCRATCH/cm2"
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	STORE=$FILE_SCRATCH/site/genconf/serve
	SCRATCH=$(mktemp -d)
	new_host "$SCRATCH/root"
	PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	DCOS_BOOTSTRAP_SYSTEMCTL=$STANDIN
	SYSTEMCTL_STANDIN_ENV="DCOS_HELLO_PORT=$PORT"
	export DCOS_BOOTSTRAP_SYSTEMCTL SYSTEMCTL_STANDIN_ENV
}

teardown() {
	stop_services
	rm -rf "$SCRATCH"
}

# new_host DIR: R is a fresh host root with its own stand-in state,
# and a static busybox as /bin/sh and /bin/sleep for the fixture units.
new_host() {
	use_host "$1"
	mkdir -p "$R/etc" "$R/bin" "$R/tmp"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
	printf 'root:x:0:\n' > "$R/etc/group"
	cp "$(command -v busybox)" "$R/bin/busybox"
	ln -s busybox "$R/bin/sh"
	ln -s busybox "$R/bin/sleep"
}

# use_host DIR: R is the host root DIR (which may not exist yet), with a
# fresh stand-in state; what ran for the previous host is killed.
use_host() {
	stop_services
	R=$1
	SVC=$R.svc
	mkdir -p "$SVC"
	SYSTEMCTL_STANDIN_ROOT=$R
	SYSTEMCTL_STANDIN_DIR=$SVC
	export SYSTEMCTL_STANDIN_ROOT SYSTEMCTL_STANDIN_DIR
}

# Kills what the stand-in started for the host R (and whatever its
# processes started).
stop_services() {
	local f
	[ -n "${SVC:-}" ] || return 0
	for f in "$SVC"/run/*; do
		[ -f "$f" ] && kill -KILL -- "-$(cat "$f")" 2>/dev/null
	done
	# Gone before the next host starts one on the same port (bounded);
	# a process no pid file names is this file's too.
	for f in $(seq 100); do
		pkill -KILL -f "httpd -f -p 127.0.0.1:$PORT" || break
		sleep 0.05
	done
	return 0
}

# sample N [options]: installs sample release N (1: 1.0.0, 2: 1.1.0).
sample() {
	local cm
	cm=$(cat "$FILE_SCRATCH/cm$1")
	shift
	"$BOOTSTRAP" install "$STORE/blobs/sha256/$cm" --cache "$STORE" \
	    --root "$R" --role master "$@"
}

# serves VERSION: dcos-hello answers, and its page names VERSION; one
# busybox httpd only listens on the port.  Waits for the process to
# listen and for one going away to be gone (a readiness check, bounded),
# never for the content.
serves() {
	local page i
	for i in $(seq 100); do
		page=$(curl -fsS "http://127.0.0.1:$PORT/" 2>/dev/null) &&
		    [ "$(pgrep -c -f "httpd -f -p 127.0.0.1:$PORT")" -eq 1 ] &&
		    break
		sleep 0.05
	done
	[[ "$page" == *"<p>Release $1.</p>"* ]] ||
	    { echo "dcos-hello serves: ${page:-nothing}" >&2; return 1; }
	[ "$(pgrep -c -f "httpd -f -p 127.0.0.1:$PORT")" -eq 1 ] ||
	    { pgrep -a -f "httpd -f -p 127.0.0.1:$PORT" >&2; return 1; }
}

# The pid of UNIT's running process, or nothing.
pid_of() {
	local pid
	pid=$(cat "$SVC/run/$1" 2>/dev/null) || return 0
	[ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" &&
	    echo "$pid"
	return 0
}

# The stand-in's log from line N on, pids dropped.
log_from() {
	tail -n +"$1" "$SVC/log" | sed 's/^\(started [^ ]*\) [0-9]*$/\1/'
}

log_len() {
	wc -l < "$SVC/log"
}

@test "upgrade 1.0.0 -> 1.1.0 restarts dcos-hello: the running process serves 1.1.0; rollback serves 1.0.0 again" {
	run sample 1
	echo "$output"
	[ "$status" -eq 0 ]
	log_from 1 | diff - <(printf '%s\n' \
	    'systemctl daemon-reload [generations/1]' \
	    'systemctl start dcos.target [generations/1]' \
	    'started dcos-hello.service')
	serves 1.0.0
	old=$(pid_of dcos-hello.service)
	n=$(($(log_len) + 1))
	run sample 2
	echo "$output"
	[ "$status" -eq 0 ]
	serves 1.1.0
	[ "$(pid_of dcos-hello.service)" != "$old" ]
	log_from "$n" | diff - <(printf '%s\n' \
	    'systemctl daemon-reload [generations/2]' \
	    'systemctl restart dcos-hello.service [generations/2]' \
	    'stopped dcos-hello.service' \
	    'started dcos-hello.service' \
	    'systemctl start dcos.target [generations/2]')
	grep -q '"event":"install".*services: restart dcos-hello.service' \
	    "$R/var/lib/dcos/bootstrap/journal"
	n=$(($(log_len) + 1))
	run "$BOOTSTRAP" rollback --root "$R"
	[ "$status" -eq 0 ]
	serves 1.0.0
	log_from "$n" | diff - <(printf '%s\n' \
	    'systemctl daemon-reload [generations/1]' \
	    'systemctl restart dcos-hello.service [generations/1]' \
	    'stopped dcos-hello.service' \
	    'started dcos-hello.service' \
	    'systemctl start dcos.target [generations/1]')
	run "$BOOTSTRAP" status --root "$R"
	[[ "$output" != *unfinished* ]]
	! grep -q '"services"' "$R/var/lib/dcos/bootstrap/state.json"
}

@test "unchanged units keep running, dropped units stop before the switch, new units start after it; rollback does it backwards" {
	host_keys
	fixture f1 --services --unit dcos-gone.service
	fixture f2 --services --seq 2 --version 1.3.0 --unit dcos-added.service
	install_fx f1 "$R" --role master
	for u in dcos-mesos-master dcos-exhibitor dcos-gone; do
		[ -n "$(pid_of $u.service)" ]
	done
	exhibitor=$(pid_of dcos-exhibitor.service)
	n=$(($(log_len) + 1))
	run install_fx f2 "$R" --role master
	echo "$output"
	[ "$status" -eq 0 ]
	log_from "$n" | diff - <(printf '%s\n' \
	    'systemctl stop dcos-gone.service [generations/1]' \
	    'stopped dcos-gone.service' \
	    'systemctl daemon-reload [generations/2]' \
	    'systemctl restart dcos-mesos-master.service [generations/2]' \
	    'stopped dcos-mesos-master.service' \
	    'started dcos-mesos-master.service' \
	    'systemctl start dcos.target [generations/2]' \
	    'started dcos-added.service')
	[ "$(pid_of dcos-exhibitor.service)" = "$exhibitor" ]
	[ -z "$(pid_of dcos-gone.service)" ]
	[ ! -e "$R/etc/systemd/system/dcos-gone.service" ]
	[ -n "$(pid_of dcos-added.service)" ]
	# The intent named the plan before anything happened.
	grep '"event":"intent"' "$R/var/lib/dcos/bootstrap/journal" | tail -n 1 |
	    jq -e '.details.services == {"generation": 2, "from": 1,
	        "stop": ["dcos-gone.service"],
	        "restart": ["dcos-mesos-master.service"],
	        "start": ["dcos-added.service"]}'
	n=$(($(log_len) + 1))
	run "$BOOTSTRAP" rollback --root "$R"
	[ "$status" -eq 0 ]
	log_from "$n" | diff - <(printf '%s\n' \
	    'systemctl stop dcos-added.service [generations/2]' \
	    'stopped dcos-added.service' \
	    'systemctl daemon-reload [generations/1]' \
	    'systemctl restart dcos-mesos-master.service [generations/1]' \
	    'stopped dcos-mesos-master.service' \
	    'started dcos-mesos-master.service' \
	    'systemctl start dcos.target [generations/1]' \
	    'started dcos-gone.service')
	[ "$(pid_of dcos-exhibitor.service)" = "$exhibitor" ]
	[ -z "$(pid_of dcos-added.service)" ]
}

@test "a kill at every step of an upgrade and of a rollback, then activate: exactly one generation's services run" {
	base=$SCRATCH/base
	new_host "$base"
	sample 1 --no-start >/dev/null
	sample 2 --no-start >/dev/null
	"$BOOTSTRAP" rollback --no-start --root "$base" >/dev/null
	for op in install rollback; do
		# ("units" is not reached: the two releases' host files are
		# the same; t0520 kills there.)
		for step in intent target stopped switched reloaded restarted started activated; do
			use_host "$SCRATCH/host-$op-$step"
			cp -a "$base" "$R"
			if [ $op = install ]; then
				# Generation 1 runs, then the upgrade is killed.
				"$BOOTSTRAP" activate --root "$R" >/dev/null
				serves 1.0.0
				DCOS_BOOTSTRAP_CRASH_AT=$step run sample 2
			else
				# Generation 2 runs, then the rollback is killed.
				sample 2 >/dev/null
				serves 1.1.0
				run env DCOS_BOOTSTRAP_CRASH_AT=$step \
				    "$BOOTSTRAP" rollback --root "$R"
			fi
			[ "$status" -eq 137 ] || { echo "$op $step: $status: $output" >&2; false; }
			run "$BOOTSTRAP" activate --root "$R"
			[ "$status" -eq 0 ] || { echo "$op $step: activate: $output" >&2; false; }
			g=$(current_gen "$R")
			case $g in
			1) serves 1.0.0 ;;
			2) serves 1.1.0 ;;
			*) false ;;
			esac || { echo "$op $step: generation $g" >&2; false; }
			! grep -q '"services"\|"pending"' "$R/var/lib/dcos/bootstrap/state.json"
			stop_services
			rm -rf "$R" "$SVC"
		done
	done
}

@test "--no-start switches without touching the services; activate then restarts what changed" {
	sample 1 >/dev/null
	serves 1.0.0
	n=$(($(log_len) + 1))
	run sample 2 --no-start
	[ "$status" -eq 0 ]
	[ "$(log_len)" -eq $((n - 1)) ]
	# The old process still serves: the plan waits in state.json.
	serves 1.0.0
	jq -e '.services.restart == ["dcos-hello.service"]' \
	    "$R/var/lib/dcos/bootstrap/state.json"
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 0 ]
	serves 1.1.0
	log_from "$n" | grep -qx 'systemctl restart dcos-hello.service \[generations/2\]'
	! jq -e '.services' "$R/var/lib/dcos/bootstrap/state.json"
}

@test "a failed systemctl start dcos.target rolls the upgrade back, services included" {
	sample 1 >/dev/null
	serves 1.0.0
	SYSTEMCTL_STANDIN_FAIL="start dcos.target" run sample 2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"systemctl start dcos.target failed"*"; rolled back: generation 1 is active again"* ]]
	[ "$(current_gen "$R")" = 1 ]
	serves 1.0.0
	tail -n 1 "$R/var/lib/dcos/bootstrap/journal" | grep -q '"event":"revert"'
	! grep -q '"services"\|"pending"' "$R/var/lib/dcos/bootstrap/state.json"
}

@test "install --check runs the health checks after the switch; --rollback-on-failure rolls back when they fail" {
	host_keys
	fixture f1
	fixture bad --seq 2 --version 1.3.0 --check 'broken=#!/bin/sh
echo not ready
exit 2'
	install_fx f1 "$R" --role master >/dev/null
	run install_fx bad "$R" --role master --check --timeout 1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"FAIL mesos/broken"*"not ready"* ]]
	[[ "$output" == *"the health checks of generation 2 did not pass within 1s (1 of 1 critical); generation 2 stays active"* ]]
	[ "$(current_gen "$R")" = 2 ]
	tail -n 1 "$R/var/lib/dcos/bootstrap/journal" | grep -q '"event":"check"'
	"$BOOTSTRAP" rollback --root "$R" >/dev/null
	run install_fx bad "$R" --role master --rollback-on-failure --timeout 1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"; rolled back: generation 1 is active again"* ]]
	[ "$(current_gen "$R")" = 1 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
	journal=$R/var/lib/dcos/bootstrap/journal
	tail -n 3 "$journal" | head -n 1 | grep -q '"event":"check".*rolling back to generation 1'
	tail -n 1 "$journal" | grep -q '"event":"rollback".*rolled back from generation 2 to 1: its health checks did not pass'
}

@test "install --rollback-on-failure keeps a generation whose checks pass within --timeout" {
	host_keys
	fixture f1
	# Critical the first time, passing from the second round on.
	fixture slow --seq 2 --version 1.3.0 --check 'warming=#!/bin/sh
[ -e "$DCOS_ROOT/tmp/warm" ] && exit 0
: > "$DCOS_ROOT/tmp/warm"
exit 2'
	install_fx f1 "$R" --role master >/dev/null
	run install_fx slow "$R" --role master --rollback-on-failure --timeout 30
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"FAIL mesos/warming"*"PASS mesos/warming"*"check: generation 2: 1 check(s) passed"* ]]
	[ "$(current_gen "$R")" = 2 ]
	run install_fx f1 "$R" --role master --check --timeout 0
	[ "$status" -eq 2 ]
}

@test "rollback goes to the last generation that was fully active, never one that was only built" {
	host_keys
	fixture f1
	fixture f2 --seq 2 --version 1.3.0
	fixture f3 --seq 3 --version 1.4.0
	install_fx f1 "$R" --role master >/dev/null
	# Generation 2 is built, never activated.
	DCOS_BOOTSTRAP_CRASH_AT=built run install_fx f2 "$R" --role master
	[ "$status" -eq 137 ]
	[ -f "$R/opt/mesosphere/generations/2/generation.json" ]
	install_fx f3 "$R" --role master >/dev/null
	[ "$(current_gen "$R")" = 3 ]
	run "$BOOTSTRAP" rollback --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(current_gen "$R")" = 1 ]
	[ "$("$R/opt/mesosphere/bin/mesos-master")" = "mesos-master 1.2.0" ]
}

@test "a dcos.target the installer did not create is refused by install and kept by uninstall" {
	host_keys
	fixture f1
	mkdir -p "$R/etc/systemd/system"
	printf '[Unit]\nDescription=the host'"'"'s own\n' > "$R/etc/systemd/system/dcos.target"
	before=$(snapshot "$R/etc")
	run install_fx f1 "$R" --role master
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$R/etc/systemd/system/dcos.target exists and was not installed by dcos-bootstrap"* ]]
	[ "$(snapshot "$R/etc")" = "$before" ]
	# A first install killed before its switch, then uninstalled.
	DCOS_BOOTSTRAP_CRASH_AT=built run install_fx f1 "$R" --role master
	[ "$status" -eq 137 ]
	run "$BOOTSTRAP" uninstall --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "the host's own" "$R/etc/systemd/system/dcos.target"
}

@test "uninstall stops every unit, not only dcos.target" {
	host_keys
	fixture f1 --services
	install_fx f1 "$R" --role master >/dev/null
	[ -n "$(pid_of dcos-exhibitor.service)" ]
	run "$BOOTSTRAP" uninstall --root "$R"
	[ "$status" -eq 0 ]
	[ -z "$(pid_of dcos-exhibitor.service)" ]
	[ -z "$(pid_of dcos-mesos-master.service)" ]
	[ ! -e "$R/etc/systemd/system/dcos.target" ]
}

@test "repair refuses while an activation is unfinished, and works once activate finished it" {
	host_keys
	fixture f1
	fixture f2 --seq 2 --version 1.3.0
	install_fx f1 "$R" --role master >/dev/null
	DCOS_BOOTSTRAP_CRASH_AT=switched run install_fx f2 "$R" --role master
	[ "$status" -eq 137 ]
	before=$(snapshot "$R/opt")
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/f2/cache"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the install of generation 2 is not finished: run dcos-bootstrap activate first, then repair"* ]]
	[ "$(snapshot "$R/opt")" = "$before" ]
	"$BOOTSTRAP" activate --root "$R" >/dev/null
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/f2/cache"
	[ "$status" -eq 0 ]
}
