#!/usr/bin/env bats
# check runs the active generation's health checks (check/ executables,
# DC/OS's exit convention) and repair puts drifted packages back from
# their verified blobs.  Real checks, real blobs, scratch hosts.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	host_scratch
}

teardown() {
	rm -rf "$SCRATCH"
}

# checks_fx [--check NAME=SCRIPT | --check-plain NAME=SCRIPT]...: installs
# fixture rc, whose mesos package has those checks, on $R as a master.
checks_fx() {
	fixture rc "$@"
	install_fx rc "$R" --role master >/dev/null
}

PKG=mesos--1.2.0

@test "check: a passing check runs without a shell in a clean environment" {
	checks_fx --check $'env=#!/bin/sh\necho "cwd=$PWD root=$DCOS_ROOT path=$PATH home=$MESOS_HOME"\nenv | sort > "$DCOS_ROOT/env.txt"\n'
	HOME=/nowhere SECRET=x run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^"PASS mesos/env (exit 0, "[0-9.]+"s): cwd=$R/opt/mesosphere/packages/$PKG root=$R path=/usr/bin:/bin home=/opt/mesosphere/active/mesos"$ ]]
	[ "${lines[1]}" = "check: generation 1: 1 check(s), 0 critical" ]
	# Only PATH, the generation's environment and DCOS_ROOT (plus what
	# sh itself sets): nothing of ours leaks in.
	! grep -q -e '^HOME=' -e '^SECRET=' "$R/env.txt"
}

@test "check: exit 1 is a warning and the command still succeeds" {
	checks_fx --check $'ok=#!/bin/sh\necho fine\n' \
	    --check $'warn=#!/bin/sh\necho "disk 91% full"\necho second line\nexit 1\n'
	run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ ${lines[0]} =~ ^"PASS mesos/ok (exit 0, "[0-9.]+"s): fine"$ ]]
	[[ ${lines[1]} =~ ^"WARN mesos/warn (exit 1, "[0-9.]+"s): disk 91% full"$ ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "check: exit 2, any other status and a signal are critical: exit 1" {
	checks_fx --check $'a-crit=#!/bin/sh\necho "mesos-master down"\nexit 2\n' \
	    --check $'b-other=#!/bin/sh\nprintf \'x\\033[2Jy\\n\'\nexit 7\n' \
	    --check $'c-signal=#!/bin/sh\nkill -TERM $$\n' \
	    --check $'d-ok=#!/bin/sh\nexit 0\n'
	run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ ${lines[0]} =~ ^"FAIL mesos/a-crit (exit 2, "[0-9.]+"s): mesos-master down"$ ]]
	# A control byte cannot reach the terminal.
	[[ ${lines[1]} =~ ^"FAIL mesos/b-other (exit 7, "[0-9.]+'s): x\x1b[2Jy'$ ]]
	[[ ${lines[2]} =~ ^"FAIL mesos/c-signal (signal 15, "[0-9.]+"s)"$ ]]
	[[ ${lines[3]} =~ ^"PASS mesos/d-ok (exit 0, " ]]
	[ "${lines[4]}" = "check: generation 1: 4 check(s), 3 critical" ]
}

@test "check: a hanging check is killed with its process group at --timeout" {
	checks_fx --check $'hang=#!/bin/sh\nsleep 300 &\necho $! > "$DCOS_ROOT/bg.pid"\necho waiting\nwait\n'
	start=$SECONDS
	run "$BOOTSTRAP" check --root "$R" --timeout 1
	echo "$output"
	[ "$status" -eq 1 ]
	[ $((SECONDS - start)) -lt 30 ]
	[[ ${lines[0]} =~ ^"FAIL mesos/hang (timed out after 1s, 1."[0-9]+"s): waiting"$ ]]
	# The background sleep went with its group (reaped by init soon).
	pid=$(cat "$R/bg.pid")
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && break
		sleep 0.1
	done
	! grep -q '^State:.*S' "/proc/$pid/status" 2>/dev/null
}

@test "check: a check that exits while what it started holds its output open" {
	checks_fx --check $'bg=#!/bin/sh\nsleep 30 &\necho $! > "$DCOS_ROOT/bg.pid"\necho started\n'
	start=$SECONDS
	run "$BOOTSTRAP" check --root "$R" --timeout 20
	kill "$(cat "$R/bg.pid")"
	echo "$output"
	[ "$status" -eq 0 ]
	[ $((SECONDS - start)) -lt 10 ]
	[[ ${lines[0]} =~ ^"PASS mesos/bg (exit 0, "[0-9.]+"s): started"$ ]]
}

@test "check: a check that is not executable fails, and so does --timeout 0" {
	checks_fx --check-plain $'plain=#!/bin/sh\nexit 0\n'
	run "$BOOTSTRAP" check --root "$R"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ ${lines[0]} =~ ^"FAIL mesos/plain (not an executable file, 0.00s)"$ ]]
	run "$BOOTSTRAP" check --root "$R" --timeout 0
	[ "$status" -eq 2 ]
	[[ $output =~ "--timeout 0: need seconds" ]]
}

@test "check --json: one document, each result with package, check, status, exit, seconds, output" {
	checks_fx --check $'ok=#!/bin/sh\necho fine\n' \
	    --check $'warn=#!/bin/sh\necho "one"\necho "two"\nexit 1\n' \
	    --check $'hang=#!/bin/sh\nexec sleep 300\n'
	run "$BOOTSTRAP" check --root "$R" --json --timeout 0.5
	echo "$output"
	[ "$status" -eq 1 ]
	python3 - "$output" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
assert d["format"] == 1 and d["generation"] == 1, d
assert d["checks"] == 3 and d["critical"] == 1, d
a = d["results"]
assert [(c["package"], c["check"], c["status"], c["exit"], c["output"])
        for c in a] == [
    ("mesos", "hang", "FAIL", None, ""),
    ("mesos", "ok", "PASS", 0, "fine\n"),
    ("mesos", "warn", "WARN", 1, "one\ntwo\n")], a
assert all(set(c) == {"package", "check", "status", "exit", "seconds",
                      "output"} for c in a)
assert 0.5 <= a[0]["seconds"] < 10 and a[1]["seconds"] < 10
PY
}

@test "check: a host without checks passes with none run" {
	install_fx r1 "$R" --role master >/dev/null
	run "$BOOTSTRAP" check --root "$R"
	[ "$status" -eq 0 ]
	[ "$output" = "check: generation 1: 0 check(s), 0 critical" ]
}

@test "repair: drift, verify dirty, repair, verify clean, journaled" {
	install_fx r1 "$R" --role master >/dev/null
	p=$R/opt/mesosphere/packages/$PKG
	echo tampered >> "$p/etc/mesos.conf"
	rm "$p/bin/mesos-agent"
	echo extra > "$p/lib/extra"
	chmod 600 "$p/lib/libmesos.so.1"
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 1 ]
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ "repair: $PKG extracted again from its blob" ]]
	[[ $output =~ "repair: generation 1: 1 package(s) repaired" ]]
	run "$BOOTSTRAP" verify --root "$R"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output =~ clean ]]
	grep -q '"event":"repair".*packages/'"$PKG"': its files had drifted' \
	    "$R/var/lib/dcos/bootstrap/journal"
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	[[ $output =~ "chain intact" ]]
	ls "$R/opt/mesosphere/packages" | { ! grep -q staging; }
	# Nothing drifted: nothing to do, nothing journaled.
	n=$(wc -l < "$R/var/lib/dcos/bootstrap/journal")
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	[ "$status" -eq 0 ]
	[ "$output" = "repair: generation 1: 0 package(s) repaired" ]
	[ "$(wc -l < "$R/var/lib/dcos/bootstrap/journal")" -eq "$n" ]
}

@test "repair: live edits of the config package are reported and kept unless --config" {
	install_fx r1 "$R" --role master >/dev/null
	cfg=$(cd "$R/opt/mesosphere/packages" && echo dcos-config--setup_*)
	[ -d "$R/opt/mesosphere/packages/$cfg" ]
	f=$(cd "$R/opt/mesosphere/packages/$cfg" && find . -type f \
	    ! -name .dcos-manifest.json ! -name pkginfo.json | sort | head -n 1)
	[ -n "$f" ]
	echo 'edited=live' >> "$R/opt/mesosphere/packages/$cfg/$f"
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 1 ]
	[[ $output == *"changed: "*"$cfg/${f#./}"* ]]
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"repair: $cfg: its files were edited (live config changes are allowed): kept; repair --config puts them back"* ]]
	[[ $output == *"repair: generation 1: 0 package(s) repaired" ]]
	grep -qx 'edited=live' "$R/opt/mesosphere/packages/$cfg/$f"
	run "$BOOTSTRAP" repair --config --root "$R" --cache "$SCRATCH/r1/cache"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"repair: $cfg extracted again from its blob"* ]]
	run grep -qx 'edited=live' "$R/opt/mesosphere/packages/$cfg/$f"
	[ "$status" -eq 1 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
}

@test "repair: a package removed whole comes back" {
	install_fx r1 "$R" --role master >/dev/null
	rm -rf "$R/opt/mesosphere/packages/$PKG"
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	echo "$output"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
}

@test "repair: a missing blob gives one clear line and changes nothing" {
	install_fx r1 "$R" --role master >/dev/null
	echo tampered >> "$R/opt/mesosphere/packages/$PKG/etc/mesos.conf"
	hex=$(python3 -c 'import json,sys; print([p["digest"] for p in json.load(open(sys.argv[1]))["packages"] if p["id"] == sys.argv[2]][0][7:])' \
	    "$SCRATCH/r1/release.json" "$PKG")
	mv "$SCRATCH/r1/cache/blobs/sha256/$hex" "$SCRATCH/blob"
	before=$(snapshot "$R")
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c "needs blob sha256:$hex")" -eq 1 ]
	[[ $output =~ "repair: $PKG needs blob sha256:$hex ("[0-9]+" bytes), not in $SCRATCH/r1/cache: fetch it into $SCRATCH/r1/cache/blobs/sha256/ and run repair again" ]]
	[ "$(snapshot "$R")" = "$before" ]
	# With the blob back, repair works.
	mv "$SCRATCH/blob" "$SCRATCH/r1/cache/blobs/sha256/$hex"
	run "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
}

# repair_fx: fixture r1 installed on $R as a master; G is its generation
# and every repair runs with the stand-in systemctl, whose log says
# whether it reloaded.
repair_fx() {
	install_fx r1 "$R" --role master >/dev/null
	O=$R/opt/mesosphere
	G=$O/generations/1
	U=$R/etc/systemd/system
	J=$R/var/lib/dcos/bootstrap/journal
	mkdir "$SCRATCH/svc"
}

# repair_run [env...]: dcos-bootstrap repair on $R with the stand-in.
repair_run() {
	run env DCOS_BOOTSTRAP_SYSTEMCTL="$top_srcdir/tests/systemctl-standin.py" \
	    SYSTEMCTL_STANDIN_ROOT="$R" SYSTEMCTL_STANDIN_DIR="$SCRATCH/svc" \
	    "$@" "$BOOTSTRAP" repair --root "$R" --cache "$SCRATCH/r1/cache"
}

# repair_refused MESSAGE: repair fails with one error line holding MESSAGE
# and the host is left byte for byte as it was.
repair_refused() {
	local before
	before=$(snapshot "$R")
	repair_run
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c 'dcos-bootstrap: error')" -eq 1 ]
	[[ $output == *"$1"* ]]
	[ "$(snapshot "$R")" = "$before" ]
}

@test "repair: each drift verify finds outside the packages comes back, journaled, and verify is clean" {
	repair_fx
	# kind, what the drift does, the line verify prints for it.
	while IFS='|' read -r kind drift finding; do
		eval "$drift"
		run "$BOOTSTRAP" verify --root "$R"
		echo "$kind: $output"
		[ "$status" -eq 1 ]
		[[ $output == *"$finding"* ]]
		n=$(wc -l < "$J")
		: > "$SCRATCH/svc/log"
		repair_run
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(wc -l < "$J")" -gt "$n" ]
		tail -n +"$((n + 1))" "$J" | grep -q '"event":"repair"'
		case $kind in
		installed*) grep -qx 'systemctl daemon-reload.*' "$SCRATCH/svc/log" ;;
		top) [ ! -s "$SCRATCH/svc/log" ] ;;
		esac
		run "$BOOTSTRAP" verify --root "$R"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ $output == *": clean" ]]
	done <<-'EOF2'
	farm-removed|rm "$G/bin/zkCli"|missing: /opt/mesosphere/generations/1/bin/zkCli
	farm-retargeted|ln -sfn /etc/passwd "$G/bin/mesos-master"|changed: /opt/mesosphere/generations/1/bin/mesos-master (symlink target)
	farm-extra|echo x > "$G/lib/extra"|extra: /opt/mesosphere/generations/1/lib/extra
	farm-own-link|ln -sfn ../environment "$G/etc/dcos-service-configuration.json"|changed: /opt/mesosphere/generations/1/etc/dcos-service-configuration.json (symlink target)
	active|ln -sfn ../../../packages/nowhere "$G/active/mesos"|changed: /opt/mesosphere/generations/1/active/mesos (symlink target)
	env|echo EVIL=1 >> "$G/environment"|changed: /opt/mesosphere/generations/1/environment (differs from what the packages set)
	env-export|rm "$G/environment.export"|missing: /opt/mesosphere/generations/1/environment.export
	gen-unit|echo ExecStartPre=/bin/evil >> "$G/dcos.target.wants/dcos-exhibitor.service"|changed: /opt/mesosphere/generations/1/dcos.target.wants/dcos-exhibitor.service (differs from its package)
	gen-unit-extra|echo x > "$G/dcos.target.wants/dcos-extra.service"|extra: /opt/mesosphere/generations/1/dcos.target.wants/dcos-extra.service
	top|ln -sfn current/etc "$O/lib"|changed: /opt/mesosphere/lib (symlink target)
	top-removed|rm "$O/bin"|missing: /opt/mesosphere/bin
	installed-edited|echo ExecStartPre=/bin/evil >> "$U/dcos-mesos-master.service"|changed: /etc/systemd/system/dcos-mesos-master.service (differs from the generation)
	installed-removed|rm "$U/dcos-exhibitor.service"|missing: /etc/systemd/system/dcos-exhibitor.service
	EOF2
	# The tree was swapped, never left half-made; the record is the same.
	[ "$(ls -A "$O/generations")" = 1 ]
	grep -q '"event":"repair".*generations/1: its link farm, units or environment files had drifted' "$J"
	run "$BOOTSTRAP" status --root "$R"
	[[ $output =~ "chain intact" ]]
}

@test "repair: killed at every step of putting the generation back, repair again ends clean" {
	repair_fx
	for step in generation rebuilt replaced host-files; do
		rm "$G/bin/zkCli"
		echo ExecStartPre=/bin/evil >> "$U/dcos-mesos-master.service"
		repair_run DCOS_BOOTSTRAP_CRASH_AT=$step
		echo "$step: $status $output"
		[ "$status" -eq 137 ]
		repair_run
		echo "$output"
		[ "$status" -eq 0 ]
		run "$BOOTSTRAP" verify --root "$R"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(ls -A "$O/generations")" = 1 ]
	done
}

@test "repair: a generation.json that does not match what its packages build changes nothing, in one line" {
	repair_fx
	rm "$G/bin/zkCli"
	python3 - "$G/generation.json" <<-'PY'
	import json, sys
	g = json.load(open(sys.argv[1]))
	g["units"] = g["units"][1:]
	json.dump(g, open(sys.argv[1], "w"))
	PY
	repair_refused 'generation 1: its generation.json does not match what its packages build ("units" differs): nothing repaired there; reinstall (dcos-bootstrap uninstall, then install)'
	# A record of other packages is refused before any package is touched.
	echo tampered >> "$R/opt/mesosphere/packages/$PKG/etc/mesos.conf"
	python3 - "$G/generation.json" <<-'PY'
	import json, sys
	g = json.load(open(sys.argv[1]))
	g["packages"][0]["id"] = "other--1.0"
	json.dump(g, open(sys.argv[1], "w"))
	PY
	repair_refused "generation 1: its generation.json lists other--1.0 where its cluster manifest has "
}

@test "repair: a generation.json swapped for a symlink is refused, not linked into the rebuilt tree (review #5)" {
	repair_fx
	rm "$G/bin/zkCli"
	cp "$G/generation.json" "$SCRATCH/gen.json"
	ln -sf "$SCRATCH/gen.json" "$G/generation.json"
	repair_refused "generations/1/generation.json is not a regular file: reinstall"
	[ -L "$G/generation.json" ]
}
