#!/usr/bin/env bats
# A run that fails, is refused or loses the lock changes nothing: it
# touches nothing it did not create under the lock, and a refused
# install leaves the root byte for byte as it was.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	host_scratch
}

teardown() {
	rm -rf "$SCRATCH"
}

# Runs install of fixture $1 on root $2 $3 times at once; each run's
# status and output go to $SCRATCH/runs/<i>.{rc,out}.
install_at_once() {
	local dir=$1 root=$2 n=$3 i
	mkdir -p "$SCRATCH/runs"
	for i in $(seq "$n"); do
		(rc=0
		install_fx "$dir" "$root" --role master \
		    >"$SCRATCH/runs/$i.out" 2>&1 || rc=$?
		echo "$rc" >"$SCRATCH/runs/$i.rc") &
	done
	wait
}

@test "concurrent first installs into one empty root: losers say so and touch nothing, the winner's install is whole" {
	before=$(snapshot "$R")
	install_at_once r1 "$R" 30
	won=0
	for i in $(seq 30); do
		rc=$(cat "$SCRATCH/runs/$i.rc")
		out=$(cat "$SCRATCH/runs/$i.out")
		if [ "$rc" -eq 0 ]; then
			[[ "$out" == "generation 1 active"* ||
			    "$out" == "already active: generation 1"* ]] ||
			    { echo "run $i: $out"; false; }
			won=$((won + 1))
		else
			[[ "$out" == *"another dcos-bootstrap is running on this host"* ]] ||
			    { echo "run $i ($rc): $out"; false; }
		fi
	done
	[ "$won" -ge 1 ]
	[ -f "$R/var/lib/dcos/bootstrap/lock" ]
	[ -f "$R/var/lib/dcos/bootstrap/state.json" ]
	[ "$(current_gen "$R")" = 1 ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
	run "$BOOTSTRAP" status --root "$R"
	[ "$status" -eq 0 ]
	# the winner recorded every directory it made: uninstall restores
	"$BOOTSTRAP" uninstall --root "$R"
	diff <(echo "$before") <(snapshot "$R")
}

# The --trick kinds of tests/host-fixture.py.
tricks() {
	python3 -c 'import importlib.util, sys
s = importlib.util.spec_from_file_location("fixture", sys.argv[1])
m = importlib.util.module_from_spec(s)
s.loader.exec_module(m)
print(" ".join(m.TRICKS))' "$top_srcdir/tests/host-fixture.py"
}

# The refusal each --trick of tests/host-fixture.py must get.
trick_refusal() {
	case $1 in
	pkginfo-not-json) echo "pkginfo.json" ;;
	pkginfo-not-object) echo "pkginfo.json: must be a JSON object" ;;
	pkginfo-env-key) echo "environment: 'BAD-KEY' is not a valid environment variable name" ;;
	pkginfo-env-newline) echo "environment: 'MESOS_HOME' must be one line" ;;
	pkginfo-sysctl-newline) echo "the value must be one non-empty line of text" ;;
	pkginfo-user) echo "username 'root:x:0:0::/:/bin/sh' must be 'dcos_' followed by a-z, 0-9 and '_'" ;;
	pkginfo-group) echo "group 'Wheel Group' must be a-z or '_' followed by a-z, 0-9, '_' and '-'" ;;
	unit-name) echo '".dcos-hidden.service" is not a systemd unit file name' ;;
	unit-subdir) echo "units must be files directly in dcos.target.wants" ;;
	unit-collide) echo "collision: both mesos--1.3.0 and zookeeper--3.4.14 install the unit dcos-mesos-master.service" ;;
	env-collide) echo "collision: both mesos--1.3.0 and zookeeper--3.4.14 set the environment variable MESOS_HOME" ;;
	file-collide) echo "collision: both mesos--1.3.0 and zookeeper--3.4.14 install bin/mesos-master" ;;
	dir-file-collide) echo "collision: bin/mesos-agent" ;;
	esac
}

@test "a refused release leaves a fresh root byte for byte as it was (every check runs in staging)" {
	tricks=$(tricks)
	[ "$(echo "$tricks" | wc -w)" -ge 13 ]
	before=$(snapshot "$R")
	for t in $tricks; do
		fixture "$t" --seq 2 --version 1.3.0 --trick "$t"
		run install_fx "$t" "$R" --role master
		[ "$status" -eq 1 ] || { echo "$t: $output"; false; }
		one_line
		[[ "$output" == *"$(trick_refusal "$t")"* ]] || { echo "$t: $output"; false; }
		diff <(echo "$before") <(snapshot "$R") || { echo "$t changed the root"; false; }
	done
}

@test "a refused release leaves an installed host's packages and generations as they were" {
	install_fx r1 "$R" --role master >/dev/null
	before=$(snapshot "$R/opt")
	for t in $(tricks); do
		fixture "$t" --seq 2 --version 1.3.0 --trick "$t"
		run install_fx "$t" "$R" --role master
		[ "$status" -eq 1 ] || { echo "$t: $output"; false; }
		[[ "$output" == *"$(trick_refusal "$t")"* ]] || { echo "$t: $output"; false; }
		diff <(echo "$before") <(snapshot "$R/opt") || { echo "$t changed opt"; false; }
		[ "$(current_gen "$R")" = 1 ]
	done
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
}

@test "a first install that fails at activation removes its packages, generation, state and lock file, also with 20 runs at once" {
	mkdir -p "$R/etc/mesosphere" "$R/var/lib/dcos/bootstrap/cache"
	touch "$R/etc/mesosphere/manual_host_users"
	before=$(snapshot "$R")
	run install_fx r1 "$R" --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"user dcos_mesos does not exist"* ]]
	diff <(echo "$before") <(snapshot "$R")
	install_at_once r1 "$R" 20
	for i in $(seq 20); do
		# 1: refused; 5: another run held the lock (#16 item 5).
		case $(cat "$SCRATCH/runs/$i.rc") in
		1) grep -q "user dcos_mesos does not exist" "$SCRATCH/runs/$i.out" ;;
		5) grep -q "another dcos-bootstrap is running" "$SCRATCH/runs/$i.out" ;;
		*) false ;;
		esac
	done
	diff <(echo "$before") <(snapshot "$R")
}

# The cache path of fixture $1's blob of kind $2 (release, signature,
# package, config).
blob_of() {
	python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print([b for b in c["blobs"] if b["kind"] == sys.argv[2]][0]["digest"][7:])' \
	    "$SCRATCH/$1/cluster.json" "$2" |
	    sed "s|^|$SCRATCH/$1/cache/blobs/sha256/|"
}

@test "a FIFO, a directory or a link to a FIFO in the cache is refused at once, and changes nothing" {
	need timeout
	before=$(snapshot "$R")
	for kind in release signature package config; do
		for what in fifo dir link; do
			f=$(blob_of r1 "$kind")
			mv "$f" "$SCRATCH/saved"
			case $what in
			fifo) mkfifo "$f" ;;
			dir) mkdir "$f" ;;
			link) mkfifo "$SCRATCH/fifo"; ln -s "$SCRATCH/fifo" "$f" ;;
			esac
			want="$f"*"not a regular file"
			run timeout 10 "$BOOTSTRAP" install "$SCRATCH/r1/cluster.json" \
			    --cache "$SCRATCH/r1/cache" --root "$R" --role master
			[ "$status" -eq 1 ] || { echo "$kind $what: $status $output"; false; }
			one_line
			[[ "$output" == *$want* ]] || { echo "$kind $what: $output"; false; }
			diff <(echo "$before") <(snapshot "$R")
			# missing lists it as to be fetched, at once too
			run timeout 10 "$BOOTSTRAP" missing "$SCRATCH/r1/cluster.json" \
			    --cache "$SCRATCH/r1/cache"
			[ "$status" -ne 124 ] || { echo "missing hangs on $kind $what"; false; }
			rm -rf "$f" "$SCRATCH/fifo"
			mv "$SCRATCH/saved" "$f"
		done
	done
	mkfifo "$SCRATCH/cluster-fifo"
	run timeout 10 "$BOOTSTRAP" install "$SCRATCH/cluster-fifo" \
	    --cache "$SCRATCH/r1/cache" --root "$R" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"cluster-fifo is a FIFO, not a regular file"* ]]
	install_fx r1 "$R" --role master
}

@test "install then uninstall gives back the root byte for byte, accounts files without a final newline included" {
	printf 'root:x:0:0:root:/root:/bin/sh' > "$R/etc/passwd"
	printf 'root:x:0:' > "$R/etc/group"
	printf 'root:*:19000:0:99999:7:::' > "$R/etc/shadow"
	chmod 640 "$R/etc/shadow"
	before=$(snapshot "$R")
	install_fx r1 "$R" --role master >/dev/null
	grep -q '^dcos_mesos:' "$R/etc/passwd"
	grep -q '^dcos_mesos:' "$R/etc/shadow"
	# the operator's style stays: still no final newline
	[ -n "$(tail -c 1 "$R/etc/passwd")" ]
	"$BOOTSTRAP" uninstall --root "$R"
	diff <(echo "$before") <(snapshot "$R")
}
