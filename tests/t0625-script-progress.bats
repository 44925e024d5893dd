#!/usr/bin/env bats
# Progress of dcos_install.sh (#16 item 4): one line per fetched blob
# with its human size, the run's total, rate and time left; on a
# terminal the blob being fetched is drawn in place; dcos-bootstrap's
# extraction lines follow; -q silences both.  dash and busybox ash,
# nginx on loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	need script
	export DCOS_BOOTSTRAP_PROGRESS_AFTER=0
	# A big package of 1.5 MiB: drawn in place on a terminal.
	BIG_KB=1536 script_store_setup
}

teardown() {
	stop_all_nginx
	cd /
	rm -rf "$SCRATCH"
}

@test "not a terminal: a line per blob, in human sizes, ending at the total; then a line per extracted package (dash and busybox ash)" {
	local sh n
	for sh in dash "busybox ash"; do
		rm -rf R && mkdir R
		# shellcheck disable=SC2086
		$sh "$SCRIPT" --root "$SCRATCH/R" master > out 2> err
		cat err
		# What preflight reads first (3 blobs), then the packages.
		grep -Eq '^dcos_install\.sh: fetching the signed release and the config package, 1\.[0-9] KiB$' err
		grep -Eq '^dcos_install\.sh: fetching 2 blob\(s\), 1\.5 MiB$' err
		n=$(grep -c '^dcos_install\.sh: fetched [123]/[23] sha256:[0-9a-f]\{12\} ([0-9.]* [KM]*i*B); ' err)
		[ "$n" -eq 5 ]
		grep -Eq "^dcos_install\\.sh: fetched [12]/2 sha256:${BIG_HEX:0:12} \\(1\\.5 MiB\\); " err
		grep -Eq '^dcos_install\.sh: fetched 2/2 sha256:[0-9a-f]{12} \([^)]*\); 1\.5 MiB of 1\.5 MiB' err
		grep -Eq '^dcos_install\.sh: fetched 3/3 sha256:[0-9a-f]{12} \([^)]*\); (1\.[0-9] KiB) of \1' err
		[ "$(grep -c '^dcos-bootstrap: extracted ' err)" -eq 3 ]
		! grep -q $'\r' err
	done
}

@test "-q: no progress lines, the install still says it is done" {
	dash "$SCRIPT" -q --root "$SCRATCH/R" master > out 2> err
	cat err
	! grep -q 'fetched\|extracted' err
	grep -q 'is installed here as role(s): master' err
}

@test "a terminal: the big blob is drawn in place with the total, then its line replaces the drawing" {
	script -qec "dash $SCRIPT --root $SCRATCH/R master" /dev/null > tty
	cat -v tty
	grep -aq $'\rdcos_install.sh: [12]/2 sha256:'"${BIG_HEX:0:12}"' [0-9.]* [KM]*i*B of 1.5 MiB; ' tty
	grep -aq $'\rdcos_install.sh: fetched [12]/2 sha256:'"${BIG_HEX:0:12}"' (1.5 MiB); ' tty
	grep -aq $'\rdcos-bootstrap: extracting 3/3 packages, 1.5 MiB of 1.5 MiB (100%)' tty
	grep -aq 'is installed here as role(s): master' tty
}
