#!/usr/bin/env bats
# A store holds a release once (#15 item 5): dcos-genconf generate writes
# a recipe that rebuilds the signed tar from the store's blobs; serve sends
# the rebuilt tar (ranges too), fsck checks it, export-release writes it.
# Checked with stock tools: sha256sum, minisign, curl, dd, jq, base64.

# SPDX-License-Identifier: Apache-2.0
load lib
load recipe
load serve-lib

setup_file() {
	need tar sha256sum minisign curl jq python3
	export FILE_SCRATCH SCRATCH
	FILE_SCRATCH=$(mktemp -d)
	SCRATCH=$FILE_SCRATCH
	cd "$FILE_SCRATCH"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r1 vendor.key >/dev/null
	mkdir site
	cp -R "$top_srcdir/sample/site/genconf" site/genconf
	cp vendor.pub site/dcos-release.pub
	cp r1/dcos-1.0.0.tar* site/
	(cd site && "$GENCONF" -q generate >/dev/null)
	start_server --root "$FILE_SCRATCH/site/genconf/serve" 3>&-
}

teardown_file() {
	stop_server || true
	rm -rf "$FILE_SCRATCH"
}

setup() {
	S="$FILE_SCRATCH/site/genconf/serve"
	TAR="$FILE_SCRATCH/r1/dcos-1.0.0.tar"
	KEY="$FILE_SCRATCH/vendor.pub"
	W=$(mktemp -d)
}

teardown() {
	rm -rf "$W"
}

@test "the store holds the release once: a recipe and the signature, no tar" {
	[ "$(ls "$S/releases")" = dcos-1.0.0.tar.minisig ]
	r=$(recipe_path "$S" dcos-1.0.0)
	[ "$(jq -r .kind "$r")" = release-recipe ]
	[ "$(jq -r .digest "$r")" = "sha256:$(sha256sum "$TAR" | cut -d' ' -f1)" ]
	[ "$(jq -r .size "$r")" = "$(stat -c %s "$TAR")" ]
	# The whole store is about one tar, not two.
	tar_kb=$(( $(stat -c %s "$TAR") / 1024 ))
	store_kb=$(du -sk "$S" | cut -f1)
	echo "store ${store_kb} KiB, tar ${tar_kb} KiB"
	[ "$store_kb" -lt $(( tar_kb * 13 / 10 )) ]
	# The recipe's inline bytes are headers and genconf/ texts only.
	[ "$(stat -c %s "$r")" -lt 65536 ]
	recipe_cat "$S" dcos-1.0.0 | cmp - "$TAR"
}

@test "serve sends the rebuilt tar byte for byte, with the tar digest as ETag" {
	curl -fsS -o "$W/got.tar" -D "$W/h" "$URL/releases/dcos-1.0.0.tar"
	cmp "$W/got.tar" "$TAR"
	minisign -Vqm "$W/got.tar" -x "$S/releases/dcos-1.0.0.tar.minisig" -p "$KEY"
	d=$(sha256sum "$TAR" | cut -d' ' -f1)
	grep -qi "^etag: \"sha256:$d\"" "$W/h"
	grep -qi "^content-length: $(stat -c %s "$TAR")" "$W/h"
	curl -fsS -I "$URL/releases/dcos-1.0.0.tar" > "$W/head"
	grep -qi "^content-length: $(stat -c %s "$TAR")" "$W/head"
	[ "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: \"sha256:$d\"" "$URL/releases/dcos-1.0.0.tar")" = 304 ]
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/releases/dcos-9.tar")" = 404 ]
}

@test "serve answers ranges of the rebuilt tar as dd cuts the original" {
	size=$(stat -c %s "$TAR")
	# Across a header and a blob, inside a blob, the end blocks, one byte.
	for r in 0-1023 500-70000 1000000-3000000 $((size - 1500))-$((size - 1)) 7-7; do
		from=${r%-*} to=${r#*-}
		curl -fsS -r "$r" -o "$W/part" -D "$W/h" "$URL/releases/dcos-1.0.0.tar"
		grep -q "^HTTP/1.1 206" "$W/h"
		dd if="$TAR" iflag=skip_bytes,count_bytes skip="$from" \
		    count=$((to - from + 1)) bs=64K status=none > "$W/want"
		cmp "$W/part" "$W/want"
	done
	[ "$(curl -s -o /dev/null -w '%{http_code}' -r "$size-" "$URL/releases/dcos-1.0.0.tar")" = 416 ]
}

# A copy of the store whose recipe's first inline byte changed, renamed
# and indexed as dcos-genconf would: only the rebuilt digest can tell.
tamper_inline() {
	cp -a "$S" "$W/s"
	r=$(recipe_path "$W/s" dcos-1.0.0)
	python3 - "$r" "$W/new" <<'PY'
import base64, json, sys
r = json.load(open(sys.argv[1]))
b = bytearray(base64.b64decode(r["parts"][0]["data"]))
b[0] ^= 1
r["parts"][0]["data"] = base64.b64encode(bytes(b)).decode()
open(sys.argv[2], "w").write(json.dumps(r, sort_keys=True, separators=(",", ":")) + "\n")
PY
	h=$(sha256sum "$W/new" | cut -d' ' -f1)
	mv "$W/new" "$W/s/blobs/sha256/$h"
	jq --arg h "sha256:$h" '.releases[0].recipe = $h' "$W/s/index.json" > "$W/i" &&
	    mv "$W/i" "$W/s/index.json"
}

@test "fsck rebuilds the tar: a tampered inline byte and a missing blob are named" {
	"$ARTIFACTD" -q fsck -k "$KEY" "$S"
	tamper_inline
	run "$ARTIFACTD" fsck -k "$KEY" "$W/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"releases/dcos-1.0.0.tar"*"the recipe or a blob is damaged"* ]]
	rm -rf "$W/s"
	cp -a "$S" "$W/s"
	pkg=$(jq -r '[.parts[] | select(.blob)][2].blob[7:]' "$(recipe_path "$W/s" dcos-1.0.0)")
	rm "$W/s/blobs/sha256/$pkg"
	run "$ARTIFACTD" fsck -k "$KEY" "$W/s"
	[ "$status" -eq 1 ]
	[[ "$output" == *"blob sha256:$pkg of the release is missing"* ]]
}

@test "a release tar with pax headers and long names is held once too" {
	# The sample tar repacked as pax, every member with an extended
	# header and a directory with a name past ustar's 100 bytes.
	python3 - "$TAR" "$W/dcos-1.0.0.tar" <<'PY'
import sys, tarfile
src = tarfile.open(sys.argv[1])
dst = tarfile.open(sys.argv[2], "w", format=tarfile.PAX_FORMAT)
for i, m in enumerate(src.getmembers()):
    if i == 2:
        d = tarfile.TarInfo("genconf/" + "d" * 150)
        d.type = tarfile.DIRTYPE
        d.mode = 0o755
        dst.addfile(d)
    m.pax_headers = {"comment": "x" * (200 + i)}
    dst.addfile(m, src.extractfile(m))
dst.close()
PY
	d=$(sha256sum "$W/dcos-1.0.0.tar" | cut -d' ' -f1)
	"$GENCONF" -q sign -s "$FILE_SCRATCH/vendor.key" \
	    -t "$(printf 'file:dcos-1.0.0.tar\tsha256:%s\tseq:1' "$d")" "$W/dcos-1.0.0.tar"
	mkdir "$W/site"
	cp -R "$top_srcdir/sample/site/genconf" "$W/site/genconf"
	cp "$KEY" "$W/site/dcos-release.pub"
	(cd "$W/site" && "$GENCONF" -q generate --release "$W/dcos-1.0.0.tar" >/dev/null)
	s="$W/site/genconf/serve"
	recipe_cat "$s" dcos-1.0.0 | cmp - "$W/dcos-1.0.0.tar"
	# release.json, its signature, every package and the bootstrap
	# binary are blobs, not inline.
	want=$(tar -xOf "$W/dcos-1.0.0.tar" release.json |
	    jq '(.packages | length) + (.bootstrap | length) + 2')
	[ "$(jq '[.parts[] | select(.blob)] | length' "$(recipe_path "$s" dcos-1.0.0)")" -eq "$want" ]
	"$ARTIFACTD" -q fsck -k "$KEY" "$s"
}

@test "export-release writes the signed tar and its signature; generate runs on it" {
	run "$ARTIFACTD" export-release -k "$KEY" "$S" dcos-1.0.0 "$W/dcos-1.0.0.tar"
	[ "$status" -eq 0 ]
	cmp "$W/dcos-1.0.0.tar" "$TAR"
	minisign -Vqm "$W/dcos-1.0.0.tar" -p "$KEY"
	mkdir "$W/site"
	cp -R "$top_srcdir/sample/site/genconf" "$W/site/genconf"
	cp "$KEY" "$W/site/dcos-release.pub"
	(cd "$W/site" && "$GENCONF" -q generate --release "$W/dcos-1.0.0.tar" >/dev/null)
	cmp "$W/site/genconf/serve/index.json" "$S/index.json"
}

@test "export-release refuses a damaged store, an unknown release and no key, writing nothing" {
	tamper_inline
	run "$ARTIFACTD" export-release -k "$KEY" "$W/s" dcos-1.0.0 "$W/out.tar"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"releases/dcos-1.0.0.tar"*"sha256:"* ]]
	run "$ARTIFACTD" export-release -k "$KEY" "$S" dcos-9.9 "$W/out.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"no release dcos-9.9"*"dcos-1.0.0"* ]]
	run "$ARTIFACTD" export-release "$S" dcos-1.0.0 "$W/out.tar"
	[ "$status" -eq 2 ]
	[[ "$output" == *"-k KEY.pub"* ]]
	[ -z "$(ls "$W" | grep -v '^s$')" ]
}

@test "generate refuses a release whose signed digest its tar does not rebuild to, changing nothing" {
	# A valid signature whose trusted comment names another digest: the
	# rebuild check is what catches it.
	cp "$TAR" "$W/dcos-1.0.0.tar"
	"$GENCONF" -q sign -s "$FILE_SCRATCH/vendor.key" \
	    -t "$(printf 'file:dcos-1.0.0.tar\tsha256:%064d\tseq:1' 0)" "$W/dcos-1.0.0.tar"
	cp -a "$FILE_SCRATCH/site" "$W/site"
	rm -rf "$W/site/genconf/serve/releases" "$W/site/dcos-1.0.0.tar"*
	(cd "$W/site/genconf/serve" && find . -type f -exec sha256sum {} + | sort) > "$W/before"
	cd "$W/site"
	run "$GENCONF" generate --release "$W/dcos-1.0.0.tar"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"cannot rebuild the release tar (nothing was changed)"*"not sha256:0000"* ]]
	(cd genconf/serve && find . -type f -exec sha256sum {} + | sort) | diff "$W/before" -
}

@test "generate over an older store's tar copy removes it once the index names the recipe" {
	cp -a "$FILE_SCRATCH/site" "$W/site"
	cp "$TAR" "$W/site/genconf/serve/releases/dcos-1.0.0.tar"
	(cd "$W/site" && "$GENCONF" -q generate >/dev/null)
	[ "$(ls "$W/site/genconf/serve/releases")" = dcos-1.0.0.tar.minisig ]
	"$ARTIFACTD" -q fsck -k "$KEY" "$W/site/genconf/serve"
}

@test "an older store with the tar itself and no recipe is still checked and exported" {
	cp -a "$S" "$W/s"
	cp "$TAR" "$W/s/releases/dcos-1.0.0.tar"
	jq 'del(.releases[0].recipe)' "$S/index.json" > "$W/s/index.json"
	"$ARTIFACTD" -q fsck -k "$KEY" "$W/s"
	"$ARTIFACTD" -q export-release -k "$KEY" "$W/s" dcos-1.0.0 "$W/out.tar"
	cmp "$W/out.tar" "$TAR"
	flip_byte "$W/s/releases/dcos-1.0.0.tar" 5000
	run "$ARTIFACTD" export-release -k "$KEY" "$W/s" dcos-1.0.0 "$W/out2.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"releases/dcos-1.0.0.tar"*"digest"* ]]
	[ ! -e "$W/out2.tar" ]
}
