#!/usr/bin/env bats
# Progress while dcos-bootstrap extracts (#16 item 4): one line per
# package on stderr when it is not a terminal, one line redrawn with \r
# at most four times a second on a terminal, nothing with -q; sizes in
# IEC units ("1.0 MiB") as everywhere sizes are shown to people.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need script
	host_scratch
	# 16 MB of random bytes: extraction takes long enough to redraw.
	fixture big --big 16000000
}

teardown() {
	rm -rf "$SCRATCH"
}

@test "not a terminal: one line per package, with its size, the count and the running total" {
	# A quick extraction adds no line to a log (a refusal stays one line)...
	install_fx r1 "$R" --role master >/dev/null 2> "$SCRATCH/err"
	[ ! -s "$SCRATCH/err" ]
	"$BOOTSTRAP" uninstall --root "$R" >/dev/null
	# ...a long one a line per package (0: from the start).
	DCOS_BOOTSTRAP_PROGRESS_AFTER=0 install_fx big "$R" --role master >/dev/null 2> "$SCRATCH/err"
	cat "$SCRATCH/err"
	[ "$(grep -c '^dcos-bootstrap: extracted ' "$SCRATCH/err")" -eq 3 ]
	grep -Eq '^dcos-bootstrap: extracted mesos--1\.2\.0 \(15\.[0-9] MiB\): [123]/3 packages, [0-9.]+ (B|KiB|MiB) of [0-9.]+ (B|KiB|MiB), [0-9.]+ (B|KiB|MiB|GiB)/s$' "$SCRATCH/err"
	grep -q ': 3/3 packages, ' "$SCRATCH/err"
	! grep -q $'\r' "$SCRATCH/err"
}

@test "-q: no progress at all" {
	"$BOOTSTRAP" -q install "$SCRATCH/big/cluster.json" --cache "$SCRATCH/big/cache" \
	    --root "$R" --role master >/dev/null 2> "$SCRATCH/err"
	[ ! -s "$SCRATCH/err" ]
}

@test "a terminal: one line redrawn with \\r, at most 4 times a second, with rate and ETA, ended by a newline" {
	local t0 t1 n
	t0=$(date +%s%N)
	script -qec "$BOOTSTRAP install $SCRATCH/big/cluster.json --cache $SCRATCH/big/cache --root $R --role master" \
	    /dev/null > "$SCRATCH/tty"
	t1=$(date +%s%N)
	n=$(tr -cd '\r' < "$SCRATCH/tty" | wc -c)
	echo "$n drawings in $(( (t1 - t0) / 1000000 )) ms"
	# The first drawing, one per finished package, 4 a second between.
	[ "$n" -ge 2 ]
	[ "$n" -le $(( 1 + 3 + 4 * (t1 - t0) / 1000000000 + 4 )) ]
	grep -aEq $'\rdcos-bootstrap: extracting 3/3 packages, [0-9.]+ MiB of [0-9.]+ MiB \\(100%\\), [0-9.]+ (KiB|MiB|GiB)/s, ETA 0s; ' "$SCRATCH/tty"
	grep -aq 'generation 1 active' "$SCRATCH/tty"
}
