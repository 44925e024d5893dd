#!/usr/bin/env bats
# dcos-artifactd mirror copies a store from real HTTP servers on loopback
# (stock nginx, dcos-artifactd serve), verifies every digest and signature,
# resumes interrupted downloads with Range, fails over between URLs and
# never writes index.json for a copy that is not complete and verified.

# SPDX-License-Identifier: Apache-2.0
load lib
load nginx
load mkstore
load serve-lib

setup() {
	need nginx curl sha256sum cmp
	SCRATCH=$(mktemp -d)
	mkstore "$SCRATCH/w" 3000000
	SRC="$SCRATCH/w/serve"
	KEY="$SCRATCH/w/vendor.pub"
	COPY="$SCRATCH/copy"
}

teardown() {
	nginx_stop_all
	[ -z "${SERVER_PID:-}" ] || { kill "$SERVER_PID"; wait "$SERVER_PID" || :; }
	rm -rf "$SCRATCH"
}

# Requests nginx logged for one path, as "STATUS BYTES RANGE" lines.
logged() {
	awk -v p="$1" '$2 == p { print $4, $5, $6 }' "$NGINX_LOG"
}

@test "mirror copies a store from nginx byte for byte and fsck finds the copy clean" {
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mirrored 10 files"* ]]
	diff -r "$SRC" "$COPY"
	[ ! -e "$COPY/.partial" ]
	run "$ARTIFACTD" fsck -k "$KEY" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"clean: 7 blobs"* ]]
}

@test "a second run fetches nothing but index.json and says so" {
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	: > "$NGINX_LOG"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$COPY is up to date: nothing to fetch (10 files checked)"* ]]
	[ "$(wc -l < "$NGINX_LOG")" -eq 1 ]
	grep -q '^GET /index.json ' "$NGINX_LOG"
}

@test "a mirror killed half-way resumes the partial blob with Range and ends with the exact bytes" {
	local part have size
	size=$(stat -c %s "$SRC/blobs/sha256/$BIG_HEX")
	part="$COPY/.partial/$BIG_HEX"
	# 1 MB/s per connection: the 3 MB blob takes 3 s, so it is caught
	# in the middle.
	nginx_start "$SRC" 'limit_rate 1m;'
	"$ARTIFACTD" -q mirror -j 8 -k "$KEY" "$NGINX_URL" "$COPY" &
	local pid=$!
	for _ in $(seq 1 500); do
		[ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 1000000 ] && break
		sleep 0.01
	done
	kill -KILL "$pid"
	wait "$pid" || :
	have=$(stat -c %s "$part")
	[ "$have" -ge 1000000 ]
	[ "$have" -lt "$size" ]
	[ ! -e "$COPY/index.json" ]
	[ ! -e "$COPY/blobs/sha256/$BIG_HEX" ]

	nginx_stop
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *" resumed,"* ]]
	# Exactly the missing bytes were asked for and sent.
	[ "$(logged "/blobs/sha256/$BIG_HEX")" = "206 $((size - have)) \"bytes=$have-\"" ]
	cmp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/blobs/sha256/$BIG_HEX"
	diff -r "$SRC" "$COPY"
	"$ARTIFACTD" -q fsck -k "$KEY" "$COPY"
	# Partial data of every other download was cleaned up too.
	[ ! -e "$COPY/.partial" ]
}

@test "partial data that does not match is thrown away and fetched again" {
	nginx_start "$SRC"
	mkdir -p "$COPY/.partial"
	head -c 100000 /dev/urandom > "$COPY/.partial/$BIG_HEX"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	cmp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/blobs/sha256/$BIG_HEX"
	# First the resume (refused on digest), then the whole blob.
	logged "/blobs/sha256/$BIG_HEX" | head -n 1 | grep -q '^206 .*"bytes=100000-"$'
	logged "/blobs/sha256/$BIG_HEX" | tail -n 1 | grep -q '^200 3000000 "-"$'
}

@test "a flipped byte in one blob on the server is refused by mirror and found by fsck" {
	local zk
	zk=$(awk -F'"' '/zookeeper--3.4.14", "kind"/ { sub("sha256:", "", $4); print $4 }' "$SCRATCH/w/src/cluster.json")
	[ -f "$SRC/blobs/sha256/$zk" ]
	flip_byte "$SRC/blobs/sha256/$zk"

	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"blobs/sha256/$zk: digest sha256:"*" where sha256:$zk is pinned"* ]]
	[[ "${lines[-1]}" == *"1 problem found"* ]]

	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"blobs/sha256/$zk: $NGINX_URL/blobs/sha256/$zk: content is sha256:"*"(refused)"* ]]
	[[ "$output" == *"mirror incomplete; index.json not updated"* ]]
	[ ! -e "$COPY/index.json" ]
	[ ! -e "$COPY/blobs/sha256/$zk" ]
	# Everything else is in place for the next run.
	[ -f "$COPY/blobs/sha256/$BIG_HEX" ]
}

@test "a release signed by a key other than --trusted-key is refused" {
	"$GENCONF" -q keygen -p "$SCRATCH/other.pub" -s "$SCRATCH/other.key"
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$SCRATCH/other.pub" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	# One line: what became of DIR, and why.
	one_line
	[[ "$output" == *"$COPY: mirror incomplete; index.json not updated (run again to resume): release.json of cluster manifest sha256:"*"signed with key "*", which is not the --trusted-key (refused)" ]]
	[ ! -e "$COPY/index.json" ]
	# No package blob was fetched on an untrusted release's word.
	[ ! -e "$COPY/blobs/sha256/$BIG_HEX" ]
}

@test "a release tar whose signature does not match is refused" {
	nginx_start "$SRC"
	# Sign another file and pass its signature off as the tar's.
	head -c 1000 /dev/urandom > "$SCRATCH/x.tar"
	"$GENCONF" sign -s "$SCRATCH/w/vendor.key" -x "$SRC/$RELEASE_TAR.minisig" "$SCRATCH/x.tar"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$RELEASE_TAR: $NGINX_URL/$RELEASE_TAR: signature does not match the file"* ]]
	[ ! -e "$COPY/$RELEASE_TAR" ]
	[ ! -e "$COPY/index.json" ]
}

@test "mirror fails over from a dead URL and a URL without the store to a good one" {
	local dead empty
	for dead in $(seq 20000 20100); do
		_nginx_port_free "$dead" && break
	done
	mkdir "$SCRATCH/empty"
	nginx_start "$SCRATCH/empty"
	empty=$NGINX_URL
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "http://127.0.0.1:$dead" "$empty/" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	diff -r "$SRC" "$COPY"
}

@test "with no URL answering, mirror retries with backoff then stops with one line per file" {
	local dead
	for dead in $(seq 20200 20300); do
		_nginx_port_free "$dead" && break
	done
	run "$ARTIFACTD" mirror -r 2 -k "$KEY" "http://127.0.0.1:$dead" "$COPY"
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *"index.json: gave up after 3 attempts, the last: http://127.0.0.1:$dead/index.json: "*"onnect"* ]]
	# One line per failed file, then one that sums up (#17 item 3).
	[[ "${lines[1]}" == *"$COPY: mirror incomplete; index.json not updated (run again to resume): 1 of 1 downloads failed" ]]
	[ ! -e "$COPY/index.json" ]
}

@test "bad operands and a hostile index.json are refused with one line, nothing written" {
	run "$ARTIFACTD" mirror "$SCRATCH/w" "$COPY"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"not an http:// or https:// URL"* ]]
	run "$ARTIFACTD" mirror http://user:s3cret@127.0.0.1:1/x "$COPY"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"holds a user name or password: put credentials in ~/.netrc"* ]]
	[[ "$output" != *s3cret* ]]
	run "$ARTIFACTD" mirror http://127.0.0.1:1/a@b "$COPY"
	[[ "$output" != *"user name or password"* ]]
	run "$ARTIFACTD" mirror -j 0 http://127.0.0.1:1 "$COPY"
	[ "$status" -eq 2 ]
	run "$ARTIFACTD" mirror "$COPY"
	[ "$status" -eq 2 ]
	[[ "$output" == usage:* ]]

	sed -i 's|"path": "releases/dcos-1.0.0.tar"|"path": "releases/../index.json"|' "$SRC/index.json"
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -q -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"releases[0].path"* ]]
	[ ! -e "$COPY/index.json" ]
	[ -z "$(ls "$COPY/blobs/sha256")" ]
}

@test "a mirrored directory is served by nginx and by dcos-artifactd serve, and mirrors again" {
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	nginx_start "$COPY"
	"$ARTIFACTD" -q mirror -j 2 -k "$KEY" "$NGINX_URL" "$SCRATCH/copy2"
	diff -r "$SRC" "$SCRATCH/copy2"

	start_server --root "$COPY"
	"$ARTIFACTD" -q mirror -k "$KEY" "$URL" "$SCRATCH/copy3"
	diff -r "$SRC" "$SCRATCH/copy3"
	stop_server
}

@test "mirror over https from dcos-artifactd serve trusts the CA given with --cacert" {
	need openssl
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 -days 2 \
	    -keyout "$SCRATCH/key.pem" -out "$SCRATCH/cert.pem" 2>/dev/null
	start_server --root "$SRC" --tls-cert "$SCRATCH/cert.pem" --tls-key "$SCRATCH/key.pem"
	[[ "$URL" == https://* ]]
	run "$ARTIFACTD" mirror -q -r 0 -k "$KEY" "$URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"index.json: $URL/index.json: "*"certificate"* ]]
	[ ! -e "$COPY/index.json" ]
	"$ARTIFACTD" -q mirror --cacert "$SCRATCH/cert.pem" -k "$KEY" "$URL" "$COPY"
	diff -r "$SRC" "$COPY"
	stop_server
}

@test "progress is drawn on a terminal, a summary line otherwise" {
	need script
	nginx_start "$SRC"
	run script -qec "$ARTIFACTD mirror -k $KEY $NGINX_URL $COPY" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\r'"mirror: "*" files, "*" MiB/s"* ]]
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$SCRATCH/copy2"
	[ "$status" -eq 0 ]
	one_line
	[[ "$output" != *$'\r'* ]]
}

# The most requests nginx was serving at the same moment.
max_overlap() {
	awk '$1 == "GET" { printf "%.3f 1\n%.3f -1\n", $8 - $9, $8 }' "$NGINX_LOG" |
	    sort -k1,1n -k2,2n | awk 'BEGIN { max = 0 } { n += $2; if (n > max) max = n } END { print max }'
}

@test "--jobs sets how many downloads run at once" {
	rm -rf "$SCRATCH/w"
	mkstore "$SCRATCH/w" 400000
	# 200 KB/s per connection (after a first second's worth at once):
	# the two big downloads last long enough to overlap when they run
	# in parallel.
	nginx_start "$SRC" 'limit_rate 200k;'
	"$ARTIFACTD" -q mirror -j 1 -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$(max_overlap)" -eq 1 ]
	: > "$NGINX_LOG"
	"$ARTIFACTD" -q mirror -j 4 -k "$KEY" "$NGINX_URL" "$SCRATCH/copy2"
	[ "$(max_overlap)" -ge 2 ]
	[ "$(max_overlap)" -le 4 ]
	diff -r "$SRC" "$SCRATCH/copy2"
}

@test "two cluster manifests of one release share its blobs and each is fetched once" {
	local h1 h2
	h1=$(sha256sum "$SCRATCH/w/src/cluster.json" | cut -d' ' -f1)
	sed 's/"cluster_name": "mirror-test"/"cluster_name": "second"/' \
	    "$SCRATCH/w/src/cluster.json" > "$SCRATCH/cluster2.json"
	h2=$(sha256sum "$SCRATCH/cluster2.json" | cut -d' ' -f1)
	cp "$SCRATCH/cluster2.json" "$SRC/blobs/sha256/$h2"
	sed -i "s|\"cluster_manifests\": \[\"sha256:$h1\"\]|\"cluster_manifests\": [\"sha256:$h1\", \"sha256:$h2\", \"sha256:$h1\"]|" "$SRC/index.json"
	grep -q "$h2" "$SRC/index.json"
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -j 8 -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	diff -r "$SRC" "$COPY"
	# Every file was asked for once.
	[ -z "$(awk '$1 == "GET" { print $2 }' "$NGINX_LOG" | sort | uniq -d)" ]
	"$ARTIFACTD" -q fsck -k "$KEY" "$COPY"
}

@test "when a server dies mid-download, the same run continues the blob from the next URL" {
	local slow slow_prefix part="$COPY/.partial/$BIG_HEX"
	nginx_start "$SRC" 'limit_rate 1m;'
	slow=$NGINX_URL
	slow_prefix=$NGINX_PREFIX
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$slow" "$NGINX_URL" "$COPY" &
	local pid=$!
	for _ in $(seq 1 500); do
		[ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 1000000 ] && break
		sleep 0.01
	done
	nginx_stop "$slow_prefix"
	wait "$pid"
	cmp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/blobs/sha256/$BIG_HEX"
	diff -r "$SRC" "$COPY"
	# The second server was asked only for the rest.
	logged "/blobs/sha256/$BIG_HEX" | grep -q '^206 [0-9]* "bytes=[1-9][0-9]*-"$'
}

@test "SIGINT stops a mirror cleanly: one line, partial data kept, the next run resumes" {
	local part="$COPY/.partial/$BIG_HEX" have
	nginx_start "$SRC" 'limit_rate 1m;'
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY" 2>"$SCRATCH/err" &
	local pid=$!
	for _ in $(seq 1 500); do
		[ "$(stat -c %s "$part" 2>/dev/null || echo 0)" -ge 1000000 ] && break
		sleep 0.01
	done
	kill -INT "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	[ "$(wc -l < "$SCRATCH/err")" -eq 1 ]
	grep -q "interrupted by signal 2; partial downloads kept, index.json not updated" "$SCRATCH/err"
	have=$(stat -c %s "$part")
	[ "$have" -ge 1000000 ]
	[ ! -e "$COPY/index.json" ]
	nginx_stop
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$(logged "/blobs/sha256/$BIG_HEX")" = "206 $((3000000 - have)) \"bytes=$have-\"" ]
	diff -r "$SRC" "$COPY"
}

@test "--verify-existing fetches again a local blob that rotted in place" {
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	flip_byte "$COPY/blobs/sha256/$BIG_HEX"
	flip_byte "$COPY/$RELEASE_TAR"
	# Same names and sizes: a plain run trusts them, fsck does not.
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[[ "$output" == *"nothing to fetch"* ]]
	run "$ARTIFACTD" fsck -k "$KEY" "$COPY"
	[ "$status" -eq 1 ]
	run "$ARTIFACTD" mirror --verify-existing -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mirrored 3 files"* ]]
	diff -r "$SRC" "$COPY"
	"$ARTIFACTD" -q fsck -k "$KEY" "$COPY"
}

# A FIFO in the copy would block the open or the read that checks it:
# it is taken for what it is, not the file, and fetched again.
@test "a FIFO in the copy where the install script or a blob belongs is fetched again, never waited on" {
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	rm "$COPY/dcos_install.sh" "$COPY/blobs/sha256/$BIG_HEX"
	mkfifo "$COPY/dcos_install.sh" "$COPY/blobs/sha256/$BIG_HEX"
	run timeout 20 "$ARTIFACTD" mirror --verify-existing -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	diff -r "$SRC" "$COPY"
	"$ARTIFACTD" -q fsck -k "$KEY" "$COPY"
}

@test "a server sending more bytes than the manifest lists is cut off at the listed size" {
	local zk
	zk=$(awk -F'"' '/zookeeper--3.4.14", "kind"/ { sub("sha256:", "", $4); print $4 }' "$SCRATCH/w/src/cluster.json")
	head -c 5000000 /dev/urandom >> "$SRC/blobs/sha256/$zk"
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"blobs/sha256/$zk: $NGINX_URL/blobs/sha256/$zk: the server sends more bytes than the store lists for it (refused)"* ]]
	[ ! -e "$COPY/blobs/sha256/$zk" ]
	# Nothing beyond the listed 20000 bytes was kept.
	[ "$(stat -c %s "$COPY/.partial/$zk" 2>/dev/null || echo 0)" -le 20000 ]
}

@test "a server that ignores Range gets the whole blob again, and the bytes are right" {
	local part="$COPY/.partial/$BIG_HEX"
	mkdir -p "$COPY/.partial"
	head -c 1000000 "$SRC/blobs/sha256/$BIG_HEX" > "$part"
	nginx_start "$SRC" 'max_ranges 0;'
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$(logged "/blobs/sha256/$BIG_HEX")" = '200 3000000 "bytes=1000000-"' ]
	cmp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/blobs/sha256/$BIG_HEX"
	diff -r "$SRC" "$COPY"
}

@test "mirror retries with backoff until a server that was down comes up" {
	local port
	for port in $(seq 20400 20500); do
		_nginx_port_free "$port" && break
	done
	"$ARTIFACTD" -v mirror -r 6 -k "$KEY" "http://127.0.0.1:$port" "$COPY" 2>"$SCRATCH/err" &
	local pid=$!
	# The server comes up once a first attempt has failed.
	wait_until 10 grep -q "index.json: .*; trying again" "$SCRATCH/err"
	NGINX_FIXED_PORT=$port nginx_start "$SRC"
	wait "$pid"
	grep -q "mirrored 10 files (.*, 0 resumed, [1-9][0-9]* retries)" "$SCRATCH/err"
	diff -r "$SRC" "$COPY"
}

@test "the site's signature of dcos_install.sh comes along, and a stale one is refused" {
	local h
	"$GENCONF" -q keygen -p "$SCRATCH/site.pub" -s "$SCRATCH/site.key"
	h=$(sha256sum "$SRC/dcos_install.sh" | cut -d' ' -f1)
	"$GENCONF" sign -s "$SCRATCH/site.key" \
	    -t "$(printf 'file:dcos_install.sh\tsha256:%s' "$h")" "$SRC/dcos_install.sh"
	"$ARTIFACTD" -q fsck -k "$KEY" "$SRC"
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	diff -r "$SRC" "$COPY"
	minisign -Vqm "$COPY/dcos_install.sh" -p "$SCRATCH/site.pub"

	# A signature of another script is stale: fsck reports it, mirror
	# refuses it.
	"$GENCONF" sign -s "$SCRATCH/site.key" -x "$SRC/dcos_install.sh.minisig" "$KEY"
	run "$ARTIFACTD" fsck -k "$KEY" "$SRC"
	[ "$status" -eq 1 ]
	[[ "$output" == *"dcos_install.sh.minisig: does not name the install script index.json lists"* ]]
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$SCRATCH/copy2"
	[ "$status" -eq 1 ]
	[[ "$output" == *"dcos_install.sh.minisig: $NGINX_URL/dcos_install.sh.minisig: the signature does not name the install script index.json lists: the trusted comment says sha256:"* ]]
	[ ! -e "$SCRATCH/copy2/index.json" ]
}

@test "a complete download left in .partial by a crash is put in place without fetching it again" {
	mkdir -p "$COPY/.partial"
	cp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/.partial/$BIG_HEX"
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ -z "$(logged "/blobs/sha256/$BIG_HEX")" ]
	diff -r "$SRC" "$COPY"
}

@test "an upstream offering an older release than DIR holds is refused unless --allow-downgrade" {
	MKSTORE_SEQ=2 mkstore "$SCRATCH/new" 1000
	nginx_start "$SCRATCH/new/serve"
	"$ARTIFACTD" -q mirror -k "$SCRATCH/new/vendor.pub" "$NGINX_URL" "$COPY"
	cp "$COPY/index.json" "$SCRATCH/index.before"
	nginx_start "$SRC"
	run "$ARTIFACTD" mirror -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$COPY holds release dcos-1.0.0 (seq 2) but $NGINX_URL offers the older dcos-1.0.0 (seq 1): refused (pass --allow-downgrade to mirror it anyway)"* ]]
	cmp "$COPY/index.json" "$SCRATCH/index.before"
	run "$ARTIFACTD" mirror --allow-downgrade -k "$KEY" "$NGINX_URL" "$COPY"
	[ "$status" -eq 0 ]
	[[ "$output" == *"going back from release dcos-1.0.0 (seq 2) to dcos-1.0.0 (seq 1)"* ]]
	cmp "$COPY/index.json" "$SRC/index.json"
}

@test "a failed update leaves the old store whole: its install script, index.json and a clean fsck" {
	nginx_start "$SRC"
	"$ARTIFACTD" -q mirror -k "$KEY" "$NGINX_URL" "$COPY"
	cp "$COPY/index.json" "$SCRATCH/index.before"
	cp "$COPY/dcos_install.sh" "$SCRATCH/script.before"
	# A newer store upstream, one of whose package blobs is missing.
	MKSTORE_SEQ=2 mkstore "$SCRATCH/new" 1000
	! cmp -s "$SCRATCH/new/serve/dcos_install.sh" "$SRC/dcos_install.sh"
	rm "$SCRATCH/new/serve/blobs/sha256/$BIG_HEX"
	nginx_start "$SCRATCH/new/serve"
	run "$ARTIFACTD" mirror -r 0 -k "$SCRATCH/new/vendor.pub" "$NGINX_URL" "$COPY"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$BIG_HEX"* ]]
	[[ "$output" == *"mirror incomplete; index.json not updated"* ]]
	# The script pins the new cluster manifest, whose packages are not all
	# here: it must not be placed before index.json is.
	cmp "$COPY/dcos_install.sh" "$SCRATCH/script.before"
	cmp "$COPY/index.json" "$SCRATCH/index.before"
	run "$ARTIFACTD" fsck -k "$KEY" "$COPY"
	[ "$status" -eq 0 ]
	# Once the blob is back, the same command completes the update; the
	# new release tar, verified by the failed run, is not fetched again.
	cp "$SCRATCH/new/src/packages/mesos--1.2.0.tar.zst" "$SCRATCH/new/serve/blobs/sha256/$BIG_HEX"
	: > "$NGINX_LOG"
	"$ARTIFACTD" -q mirror -k "$SCRATCH/new/vendor.pub" "$NGINX_URL" "$COPY"
	[ "$(logged /releases/dcos-1.0.0.tar | cut -d' ' -f1)" = 416 ]
	cmp "$COPY/dcos_install.sh" "$SCRATCH/new/serve/dcos_install.sh"
	cmp "$COPY/index.json" "$SCRATCH/new/serve/index.json"
	"$ARTIFACTD" -q fsck -k "$SCRATCH/new/vendor.pub" "$COPY"
	[ ! -e "$COPY/.partial" ]
}

# trickle_start ARGS...: the trickling server of tests/trickle-server.py on
# a free loopback port; sets TRICKLE_URL once it listens.
trickle_start() {
	need python3
	python3 "$top_srcdir/tests/trickle-server.py" "$@" "$SCRATCH/trickle.port" &
	TRICKLE_PID=$!
	for _ in $(seq 1 500); do
		[ -s "$SCRATCH/trickle.port" ] && break
		sleep 0.01
	done
	TRICKLE_URL=http://127.0.0.1:$(cat "$SCRATCH/trickle.port")
}

trickle_stop() {
	kill "$TRICKLE_PID"
	wait "$TRICKLE_PID" || :
}

@test "a first URL that trickles a blob below --speed-limit is abandoned for the next one" {
	nginx_start "$SRC"
	# 100 bytes/s: the 3 MB blob would take more than 8 hours.
	trickle_start "$SRC" --slow "/blobs/sha256/$BIG_HEX" --rate 100
	SECONDS=0
	run timeout 30 "$ARTIFACTD" mirror -r 0 --speed-limit 1000 --speed-time 1 -k "$KEY" "$TRICKLE_URL" "$NGINX_URL" "$COPY"
	trickle_stop
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 20 ]
	cmp "$SRC/blobs/sha256/$BIG_HEX" "$COPY/blobs/sha256/$BIG_HEX"
	diff -r "$SRC" "$COPY"
	[ -n "$(logged "/blobs/sha256/$BIG_HEX")" ]
}

@test "a transfer past --max-time is abandoned for the next URL, which continues it" {
	nginx_start "$SRC"
	# 100 kB/s is above the speed limit, but the 3 MB blob takes 30 s.
	trickle_start "$SRC" --slow "/blobs/sha256/$BIG_HEX" --rate 100000
	SECONDS=0
	run timeout 30 "$ARTIFACTD" mirror -r 0 --max-time 2 -k "$KEY" "$TRICKLE_URL" "$NGINX_URL" "$COPY"
	trickle_stop
	[ "$status" -eq 0 ]
	[ "$SECONDS" -lt 20 ]
	diff -r "$SRC" "$COPY"
	# The second server was asked only for the rest.
	logged "/blobs/sha256/$BIG_HEX" | grep -q '^206 [0-9]* "bytes=[1-9][0-9]*-"$'
}

@test "speed and deadline options outside their range are usage errors" {
	run "$ARTIFACTD" mirror --speed-limit 0 http://127.0.0.1:1 "$COPY"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--speed-limit 0: give a number from 1 to "* ]]
	run "$ARTIFACTD" mirror --max-time -1 http://127.0.0.1:1 "$COPY"
	[ "$status" -eq 2 ]
	[[ "$output" == *"--max-time -1: give a number from 0 to 604800"* ]]
	[ ! -e "$COPY" ]
}
