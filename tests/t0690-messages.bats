#!/usr/bin/env bats
# Messages that used to mislead (issue 16 item 9): every command's -h
# explains its options, fsck's advice works as written, a mirror of a dead
# server leaves nothing, a broken journal's length, and the manual pages'
# examples.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup_file() {
	sample_releases
	make_site "$FILE_SCRATCH/site" http://127.0.0.1:8080 "$FILE_SCRATCH/r1"
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	STORE="$FILE_SCRATCH/site/genconf/serve"
}

teardown() {
	# A failed assertion must not leave the server holding bats's output.
	[ -z "${SERVER:-}" ] || kill "$SERVER" 2>/dev/null || true
	cd /
	rm -rf "$SCRATCH"
}

# commands PROG: the command names of PROG's --help.
commands() {
	"$1" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'
}

@test "every command's -h explains each option its usage line names, in all three programs" {
	local prog cmd opt n=0
	for prog in "$GENCONF" "$BOOTSTRAP" "$ARTIFACTD"; do
		for cmd in $(commands "$prog"); do
			run "$prog" "$cmd" -h
			[ "$status" -eq 0 ]
			[ "${lines[2]}" = "options:" ] ||
			    { echo "$prog $cmd: $output"; false; }
			[[ "$output" != *"(see the manual page)"* ]] ||
			    { echo "$prog $cmd: $output"; false; }
			# Each option of the usage line has a line of its own.
			for opt in $(sed -n 1p <<< "$output" |
			    grep -oE '(^|[ [|])--?[a-zA-Z][a-zA-Z0-9-]*' |
			    sed 's/^[ [|]//' | grep -vE '^-[hqv]+$'); do
				grep -qE "^  $opt( |$)" <<< "$output" ||
				    { echo "$prog $cmd: no line for $opt"; false; }
				n=$((n + 1))
			done
		done
	done
	[ "$n" -gt 60 ]
}

@test "fsck's advice for a corrupt blob names mirror --verify-existing, which repairs it" {
	cp -R "$STORE" copy
	# The largest blob: a package or binary the mirror only copies (it
	# reads and so rechecks the small manifests whatever the option).
	blob=$(ls -S copy/blobs/sha256 | head -n 1)
	flip_byte "copy/blobs/sha256/$blob" 3
	run "$ARTIFACTD" fsck copy
	[ "$status" -eq 1 ]
	[[ "$output" == *"$blob: digest sha256:"*"fetch it again"*"'dcos-artifactd mirror --verify-existing URL DIR'"* ]]
	# Without the option a mirror keeps the bad blob; with it, it is fixed.
	"$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 -r "$STORE" 2> serve.err 3>&- &
	SERVER=$!
	wait_until 10 grep -q ' on http://127.0.0.1:' serve.err
	url=$(grep -o 'http://127.0.0.1:[0-9]*' serve.err | head -n 1)
	"$ARTIFACTD" -q mirror -k "$FILE_SCRATCH/vendor.pub" "$url" copy || true
	run "$ARTIFACTD" fsck copy
	[ "$status" -eq 1 ]
	"$ARTIFACTD" -q mirror -k "$FILE_SCRATCH/vendor.pub" --verify-existing "$url" copy
	kill "$SERVER"
	wait "$SERVER" || true
	SERVER=
	"$ARTIFACTD" -q fsck copy
}

@test "a mirror of a dead server leaves no empty skeleton, in a new or an existing directory" {
	run "$ARTIFACTD" mirror -r 0 http://127.0.0.1:1 new
	[ "$status" -eq 1 ]
	[ ! -e new ]
	mkdir old
	run "$ARTIFACTD" mirror -r 0 http://127.0.0.1:1 old
	[ "$status" -eq 1 ]
	[ -z "$(ls -A old)" ]
}

@test "status counts the lines of a journal whose chain is broken" {
	cm=$(jq -r '.current[7:]' "$STORE/index.json")
	mkdir R
	"$BOOTSTRAP" install "$STORE/blobs/sha256/$cm" --cache "$STORE" --root "$SCRATCH/R" \
	    --role master --no-start > /dev/null
	j=R/var/lib/dcos/bootstrap/journal
	n=$(wc -l < "$j")
	[ "$n" -ge 2 ]
	sed -i '1s/"seq": *1/"seq":7/; 1s/"seq":1,/"seq":7,/' "$j"
	run "$BOOTSTRAP" status --root "$SCRATCH/R"
	echo "$output"
	grep -q "^journal: *$n entries, CHAIN BROKEN: " <<< "$output"
}

@test "the manual pages' examples: dcos-artifactd serve takes its store with -r, and release's default OUTDIR reads as words" {
	# An operand is refused: an example with one would fail.
	run "$ARTIFACTD" serve --allow-root "$STORE"
	[ "$status" -eq 2 ]
	run grep -nE 'dcos-artifactd serve [^-[:space:]]' "$top_srcdir"/man/*.[158] "$top_srcdir/README.md"
	[ "$status" -eq 1 ]
	need mandoc
	mandoc -Tascii "$top_srcdir/man/dcos-genconf.1" | sed 's/.\x08//g' |
	    tr -s ' \n' '  ' | grep -q '(default OUTDIR: the current directory)'
	# The hosts guide gives dcos-genconf the vendor's key.
	sed -n '/^### Guide: hosts/,/^### /p' "$top_srcdir/README.md" | grep -q 'trusted-keys'
}
