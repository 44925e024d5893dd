#!/usr/bin/env bats
# dcos-genconf keygen/sign/verify interoperate with stock minisign in both
# directions, and every kind of tampering is refused with one clear line.

# SPDX-License-Identifier: Apache-2.0
load lib

setup() {
	need minisign
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	"$GENCONF" -q keygen -p our.pub -s our.key
	printf 'hello\n' > small
	: > empty
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

@test "keygen writes a 0600 secret key and refuses to overwrite without -f" {
	[ "$(stat -c %a our.key)" = 600 ]
	head -n 1 our.pub | grep -q '^untrusted comment: minisign public key [0-9A-F]\{16\}$'
	run "$GENCONF" keygen -p our.pub -s our.key
	[ "$status" -eq 1 ]
	[[ "$output" == *"already exists (use -f to overwrite)"* ]]
	run "$GENCONF" -q keygen -f -p our.pub -s our.key
	[ "$status" -eq 0 ]
}

@test "stock minisign verifies our signatures of an empty and a small file" {
	"$GENCONF" sign -s our.key empty small
	minisign -Vm empty -p our.pub
	minisign -Vm small -p our.pub
	grep -q "^trusted comment: file:small	sha256:$(sha256sum small | cut -d' ' -f1)\$" small.minisig
}

@test "stock minisign verifies our signature of a file over 100 MB" {
	head -c 120000000 /dev/urandom > big
	"$GENCONF" sign -s our.key big
	minisign -Vm big -p our.pub
	"$GENCONF" verify -p our.pub big
}

@test "a secret key from our keygen signs with stock minisign" {
	minisign -S -s our.key -m small -x stock.minisig
	"$GENCONF" verify -p our.pub -x stock.minisig small
}

@test "we verify stock minisign signatures made with a -W key" {
	minisign -G -W -p stock.pub -s stock.key >/dev/null
	minisign -S -s stock.key -m small -t "made by minisign"
	run "$GENCONF" verify -p stock.pub small
	[ "$status" -eq 0 ]
	[[ "$output" == *"Trusted comment: made by minisign"* ]]
}

@test "we verify legacy (minisign -l) signatures" {
	minisign -G -W -p stock.pub -s stock.key >/dev/null
	minisign -S -l -s stock.key -m small
	sed -n 2p small.minisig | base64 -d | head -c 2 | grep -q '^Ed$'
	"$GENCONF" verify -p stock.pub small
	printf 'x' >> small
	run "$GENCONF" verify -p stock.pub small
	[ "$status" -eq 1 ]
}

@test "a changed file is rejected with one line" {
	"$GENCONF" sign -s our.key small
	printf 'hellO\n' > small
	run "$GENCONF" verify -p our.pub small
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"small: signature does not match the file"* ]]
}

@test "a changed trusted comment is rejected with one line" {
	"$GENCONF" sign -s our.key small
	sed -i 's/^trusted comment: file:small/trusted comment: file:other/' small.minisig
	run "$GENCONF" verify -p our.pub small
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"trusted comment does not match its signature"* ]]
	run minisign -Vm small -p our.pub
	[ "$status" -ne 0 ]
}

@test "a signature by a different key is rejected with one line" {
	"$GENCONF" sign -s our.key small
	"$GENCONF" -q keygen -p other.pub -s other.key
	run "$GENCONF" verify -p other.pub small
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"signed with key "*", not with the trusted key "* ]]
}

@test "a truncated signature file is rejected with one line" {
	"$GENCONF" sign -s our.key small
	for n in 3 2 1; do
		head -n "$n" small.minisig > cut.minisig
		run "$GENCONF" verify -p our.pub -x cut.minisig small
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"cut.minisig: not a minisign signature"* ]]
	done
	head -c 100 small.minisig > cut.minisig
	run "$GENCONF" verify -p our.pub -x cut.minisig small
	[ "$status" -eq 1 ]
	one_line
}

@test "a sha256 field that disagrees with the file is rejected" {
	minisign -G -W -p stock.pub -s stock.key >/dev/null
	minisign -S -s stock.key -m small -t "file:small	sha256:$(printf '0%.0s' $(seq 64))"
	run "$GENCONF" verify -p stock.pub small
	[ "$status" -eq 1 ]
	[[ "$output" == *"the trusted comment says sha256:"*", not sha256:"*"(the digest of this content)"* ]]
}

@test "missing files and bad usage are reported, not crashed on" {
	run "$GENCONF" verify -p nope.pub small
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"nope.pub: No such file or directory"* ]]
	run "$GENCONF" verify -p our.pub small
	[ "$status" -eq 1 ]
	[[ "$output" == *"small.minisig: No such file or directory"* ]]
	run "$GENCONF" sign small
	[ "$status" -eq 2 ]
	[[ "$output" == usage:* ]]
}

@test "-q silences progress, -v adds detail, errors always print" {
	run "$GENCONF" keygen -f -p k.pub -s k.key
	[ "$status" -eq 0 ]
	[[ "$output" == *"public key k.pub, secret key k.key"* ]]
	run "$GENCONF" -q keygen -f -p k.pub -s k.key
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run "$GENCONF" sign -s k.key small
	[ -z "$output" ]
	run "$GENCONF" -v sign -s k.key small
	[[ "$output" == *"signed small -> small.minisig"* ]]
	run "$GENCONF" -q verify -p k.pub nope
	[ "$status" -eq 1 ]
	[[ "$output" == *"error: "*"nope.minisig"* ]]
}
