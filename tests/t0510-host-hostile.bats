#!/usr/bin/env bats
# Hostile inputs: signed releases whose packages break the extraction
# rules, truncated blobs and bad signatures.  Each is refused with one
# clear line; nothing is written outside the staging area, the previous
# generation stays active and verify stays clean.

# SPDX-License-Identifier: Apache-2.0
load host

setup() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	host_keys
	fixture good
	R=$SCRATCH/root
	mkdir -p "$R"
	install_fx good "$R" --role master >/dev/null
	rm -f /tmp/dcos-absolute-escape
}

teardown() {
	rm -rf "$SCRATCH"
}

# The host without the journal and the journal head state.json records
# (both move with the refusal journaled).
unjournaled() {
	snapshot "$R" | grep -v -e 'var/lib/dcos/bootstrap/journal' \
	    -e '^[0-9a-f]\{64\}  ./var/lib/dcos/bootstrap/state.json$'
	python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
s.pop("journal", None)
print(json.dumps(s, sort_keys=True))' "$R/var/lib/dcos/bootstrap/state.json"
}

# refused KIND-DIR "message part": the install fails with one line holding
# the message and the host is exactly as before (apart from the journal).
refused() {
	local before after outside
	before=$(unjournaled)
	outside=$(ls -A "$SCRATCH")
	run install_fx "$1" "$R" --role master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"$2"* ]] || { echo "got: $output" >&2; return 1; }
	after=$(unjournaled)
	diff <(echo "$before") <(echo "$after")
	[ "$(ls -A "$SCRATCH")" = "$outside" ]
	[ ! -e /tmp/dcos-absolute-escape ]
	[ ! -e "$R/../escaped" ] && [ ! -e "$SCRATCH/escaped" ]
	[ "$(current_gen "$R")" = 1 ]
	"$BOOTSTRAP" verify --root "$R" >/dev/null
	tail -n 1 "$R/var/lib/dcos/bootstrap/journal" | grep -q '"event":"refuse"'
	"$BOOTSTRAP" status --root "$R" | grep -q 'chain intact'
}

@test "a member with ../ is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile dotdot
	refused bad 'member ../escaped: paths with ".."'
}

@test "a member with an absolute path is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile absolute
	refused bad 'member /tmp/dcos-absolute-escape: absolute paths are refused'
}

@test "a symlink pointing out, then a file written through it, is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile symlink-out
	refused bad "symlink 'bin/out' -> '../../../../../../../../tmp' leaves the package"
}

@test "a symlink that climbs out through another symlink is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile symlink-chain
	refused bad "symlink 'bin/x' -> 'sub/d/../../..' leaves the package"
}

@test "a hardlink to outside the package is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile hardlink-out
	refused bad "hardlink 'bin/passwd' must point at a regular file earlier in the package"
}

@test "a device node is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile device
	refused bad 'member bin/null is a character device'
}

@test "a FIFO is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile fifo
	refused bad 'member bin/fifo is a FIFO'
}

@test "a setuid file is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile setuid
	refused bad 'member bin/mesos-agent: mode 4755 has setuid, setgid or sticky bits'
}

@test "a member not in the package manifest is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile not-in-manifest
	refused bad 'member bin/smuggled is not in the package manifest'
}

@test "a member larger than its manifest declares is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile oversize
	refused bad 'member etc/mesos.conf: its 100014 bytes are more than the 14 its manifest declares'
}

@test "a member whose content does not match its manifest digest is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile sparse-digest
	refused bad 'etc/mesos.conf: content does not match the sha256 of its manifest'
}

@test "a truncated blob is refused before anything is extracted" {
	fixture bad --seq 2 --version 1.3.0
	blob=$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print([b for b in c["blobs"] if b.get("id") == "mesos--1.3.0"][0]["digest"][7:])' "$SCRATCH/bad/cluster.json")
	f=$SCRATCH/bad/cache/blobs/sha256/$blob
	head -c 100 "$f" > "$f.cut" && mv "$f.cut" "$f"
	refused bad "$blob: 100 bytes where"
}

@test "a blob with one byte changed is refused and nothing extracted from it is kept" {
	fixture bad --seq 2 --version 1.3.0
	blob=$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print([b for b in c["blobs"] if b.get("id") == "mesos--1.3.0"][0]["digest"][7:])' "$SCRATCH/bad/cluster.json")
	f=$SCRATCH/bad/cache/blobs/sha256/$blob
	flip_byte "$f" 200
	refused bad "$blob: digest sha256:"
	[[ "$output" == *"where sha256:$blob is pinned (corrupt or tampered blob"* ]]
}

# Extraction hashes the blob while it decompresses it (one read): a blob
# whose every member is right but whose bytes are not the pinned ones is
# caught at the end of the stream, and what it put in the stage is thrown
# away.  Here: the same tar, gzip instead of zstd, padded to the pinned
# size.
@test "a blob of the pinned size that unpacks to the genuine members but is not the pinned blob is refused at its end" {
	need gzip
	fixture bad --seq 2 --version 1.3.0
	blob=$(python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))
print([b for b in c["blobs"] if b.get("id") == "mesos--1.3.0"][0]["digest"][7:])' "$SCRATCH/bad/cluster.json")
	f=$SCRATCH/bad/cache/blobs/sha256/$blob
	size=$(stat -c %s "$f")
	zstd -qdc "$f" | gzip -9n > "$f.gz"
	[ "$(stat -c %s "$f.gz")" -le "$size" ]
	truncate -s "$size" "$f.gz" && mv "$f.gz" "$f"
	refused bad "$blob: digest sha256:"
	[[ "$output" == *"where sha256:$blob is pinned (corrupt or tampered blob"* ]]
	[ -z "$(find "$R" -name '.staging-*')" ]
}

@test "release.json changed after signing (digests pinned anew) is refused" {
	fixture bad --seq 2 --version 1.3.0 --tamper-release
	refused bad 'release.json: bad signature'
}

@test "a release signed by a key the cluster manifest does not trust is refused" {
	"$GENCONF" -q keygen -p "$SCRATCH/other.pub" -s "$SCRATCH/other.key"
	python3 "$top_srcdir/tests/host-fixture.py" "$SCRATCH/bad" \
	    --genconf "$GENCONF" --key "$SCRATCH/other.key" \
	    --trust "$SCRATCH/our.pub" --seq 2 --version 1.3.0
	refused bad "which is not among the cluster manifest's trusted_keys"
}

@test "a cluster manifest of another format is refused" {
	fixture bad --seq 2 --version 1.3.0
	sed -i 's/"format": 1/"format": 2/' "$SCRATCH/bad/cluster.json"
	refused bad 'not a valid cluster manifest: '"$SCRATCH"'/bad/cluster.json: format 2 is not supported'
}

# Modes (#18 item 6): a signed package whose files or directories anyone
# may write would let a local user replace what root runs.
@test "a group- or world-writable file in a signed package is refused before anything is extracted" {
	fixture bad --seq 2 --version 1.3.0 --hostile writable-file
	refused bad "files[1].mode: 'bin/mesos-agent': mode 0777 is writable by group or others"
}

@test "a world-writable directory in a signed package is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile writable-dir
	refused bad "'lib': mode 0777 is writable by group or others"
}

@test "a group-writable tar member under a read-only manifest entry is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile writable-member
	refused bad 'member bin/mesos-agent: mode 0775 is writable by group or others'
}

# sysctl settings (#18 item 16) are held to the rule dcos-genconf applies.
@test "a sysctl key that is not a sysctl name is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile sysctl-key
	refused bad "'kernel/../../../etc/shadow' is not a sysctl name"
}

@test "a sysctl value of more than one line is refused" {
	fixture bad --seq 2 --version 1.3.0 --hostile sysctl-value
	refused bad "'vm.swappiness': the value must be one non-empty line"
}

# Unsigned packages (#18 item 8): besides the signed release a cluster
# manifest brings exactly one package, its own config package.
@test "a cluster manifest with a second config package is refused" {
	fixture bad --seq 2 --version 1.3.0 --unsigned second-config
	refused bad "blobs[5].id: 'evil--1.0' is a second config package; a cluster manifest holds only the one config_package names"
	[ ! -e "$R/opt/mesosphere/bin/evil" ]
}

@test "a config package that is not the one of the manifest's config_id is refused" {
	fixture bad --seq 2 --version 1.3.0 --unsigned config-id
	refused bad "config_package.id: 'dcos-config--setup_"
	[[ "$output" == *"is not the config package of config_id"* ]]
}

@test "a package that is not in the signed release is refused" {
	fixture bad --seq 2 --version 1.3.0 --unsigned extra-package
	refused bad "package evil--1.0 is among the cluster manifest's blobs but not in the signed release"
}

# UTF-8 names (#18 item 16) are names like any other.
@test "a package with a UTF-8 file name installs and verifies clean" {
	fixture u --seq 2 --version 1.3.0 --utf8-name
	install_fx u "$R" --role master
	[ "$(cat "$R/opt/mesosphere/packages/mesos--1.3.0/etc/café.conf")" = utf8=1 ]
	"$BOOTSTRAP" verify --root "$R"
}

# state.json (#17 item 2): one loader, and what it does not take stops
# every command with one line, before anything acts on a name in it.
@test "a damaged state.json is refused with one line naming the key, and nothing changes" {
	local st=$R/var/lib/dcos/bootstrap/state.json good before cmd
	good=$(cat "$st")
	while IFS='|' read -r text want; do
		printf '%s\n' "$text" > "$st"
		before=$(snapshot "$R")
		for cmd in install uninstall status gc; do
			if [ "$cmd" = install ]; then
				run install_fx good "$R" --role master
			else
				run "$BOOTSTRAP" "$cmd" --root "$R"
			fi
			[ "$status" -eq 1 ] || { echo "$cmd $text: $status $output" >&2; false; }
			one_line
			[[ "$output" == *"state.json: $want"*"fix or restore it"* ]] ||
			    { echo "$cmd $text: $output" >&2; false; }
		done
		[ "$(snapshot "$R")" = "$before" ]
	done <<-'CASES'
	{"format": 1, "created_state_dirs": [".."]}|created_state_dirs[0]: ".." is not a name dcos-bootstrap records there
	{"format": 1, "units": ["../../../etc/passwd"]}|units[0]: "../../../etc/passwd" is not a name
	{"format": 1, "created_dirs": ["etc/passwd"]}|created_dirs[0]: "etc/passwd" is not a name
	{"format": 1, "created_users": ["root:x"]}|created_users[0]: "root:x" is not a name
	{"format": 1, "created_groups": [7]}|created_groups[0]: not a string
	{"format": 1, "target": "2"}|target: not a whole number
	{"format": 1, "active": -1}|active: not a whole number
	{"format": 1, "pending": {"op": "install\nrm -rf", "generation": 2}}|pending.op: holds a control character
	{"format": 1, "pending": {"op": "install", "what": "x"}}|pending.generation: missing or 0
	{"format": 1, "journal": {"entries": 3, "head": "sha256:00"}}|journal: needs entries
	{"format": 2}|format: 2, not 1
	{"format": 1, "evil": true}|unknown key "evil"
	[]|not a JSON object
	CASES
	printf '%s\n' "$good" > "$st"
	"$BOOTSTRAP" status --root "$R" >/dev/null
}
