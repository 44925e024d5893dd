#!/usr/bin/env bats
# A run that fails, is refused or loses the lock changes nothing: it
# touches nothing it did not create under the lock, and a refused
# install leaves the root byte for byte as it was.

load host

setup() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	host_keys
	fixture r1
	R=$SCRATCH/root
	mkdir -p "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
	printf 'root:x:0:\n' > "$R/etc/group"
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
