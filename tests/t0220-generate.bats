#!/usr/bin/env bats
# dcos-genconf generate: verifies the release, compiles genconf/config.yaml
# and writes genconf/serve/ (blobs first, index.json last); any failure
# leaves the store exactly as it was.

# SPDX-License-Identifier: Apache-2.0
load lib
load recipe

setup_file() {
	export FILE_SCRATCH=$(mktemp -d)
	cd "$FILE_SCRATCH"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	"$GENCONF" -q keygen -p other.pub -s other.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r1 vendor.key >/dev/null
	RELEASE_VERSION=1.1.0 RELEASE_SEQ=2 GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r2 vendor.key >/dev/null
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need jq tar sha256sum minisign
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	mkdir site
	cd site
	cp -R "$top_srcdir/sample/site/genconf" genconf
	cp "$FILE_SCRATCH"/vendor.pub dcos-release.pub
	cp "$FILE_SCRATCH"/r1/dcos-1.0.0.tar* .
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# Every file of the site directory with its digest: "nothing changed" means
# this listing is the same.
snapshot() {
	(cd "$1" && find . -printf '%y %m %p\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# Checks a whole store: every blob is named by its digest, index.json and
# the current cluster manifest agree, and every blob they name is there.
check_store() {
	local s=$1 cm
	(cd "$s/blobs/sha256" && for f in *; do echo "$f  $f"; done | sha256sum -c --quiet)
	[ "$(jq -r .format "$s/index.json")" = 1 ]
	cm=$(jq -r '.current[7:]' "$s/index.json")
	[ "$(jq -r '.cluster_manifests[0][7:]' "$s/index.json")" = "$cm" ]
	[ -f "$s/blobs/sha256/$cm" ]
	for d in $(jq -r '.blobs[].digest[7:], .bootstrap[].digest[7:], .config_package.digest[7:], .release.manifest[7:], .release.signature[7:]' "$s/blobs/sha256/$cm"); do
		[ -f "$s/blobs/sha256/$d" ] || { echo "missing blob $d" >&2; return 1; }
	done
	[ "$(jq -r .install_script.digest "$s/index.json")" = "sha256:$(sha256sum "$s/dcos_install.sh" | cut -d' ' -f1)" ]
}

@test "generate writes a complete store from the sample site and release" {
	run "$GENCONF" generate
	[ "$status" -eq 0 ]
	s=genconf/serve
	check_store $s
	cm=$s/blobs/sha256/$(jq -r '.current[7:]' $s/index.json)
	[ "$(jq -r .cluster_name $cm)" = demo ]
	[ "$(jq -r .bootstrap_url $cm)" = http://127.0.0.1:8080 ]
	[ "$(jq -r '.release.name + "-" + .release.version + " " + (.release.seq|tostring)' $cm)" = "dcos-1.0.0 1" ]
	[ "$(jq -r '.trusted_keys[0]' $cm)" = "$(sed -n 2p dcos-release.pub)" ]
	id=$(jq -r .config_id $cm)
	[ "$(jq -r .config_package.id $cm)" = "dcos-config--setup_$id" ]
	[[ "$output" == *"sha256:$(basename $cm) dcos-config--setup_$id"* ]]
	# The release.json blob is the signed one in the tar; stock minisign
	# verifies it with the signature blob.
	rj=$s/blobs/sha256/$(jq -r '.release.manifest[7:]' $cm)
	tar -xOf dcos-1.0.0.tar release.json | cmp - $rj
	minisign -Vm $rj -x $s/blobs/sha256/$(jq -r '.release.signature[7:]' $cm) -p dcos-release.pub >/dev/null
	# Every package of the release and the bootstrap binary are blobs.
	tar -xf dcos-1.0.0.tar
	for f in packages/*.tar.zst bootstrap/*/dcos-bootstrap; do
		cmp "$f" "$s/blobs/sha256/$(sha256sum "$f" | cut -d' ' -f1)"
	done
	# The store holds the release once: releases/ has only the tar's
	# signature, and the recipe rebuilds the signed tar byte for byte.
	[ "$(ls $s/releases)" = dcos-1.0.0.tar.minisig ]
	recipe_cat $s dcos-1.0.0 | cmp dcos-1.0.0.tar -
	cmp dcos-1.0.0.tar.minisig $s/releases/dcos-1.0.0.tar.minisig
	[ "$(jq -r '.releases[0].digest' $s/index.json)" = "sha256:$(sha256sum dcos-1.0.0.tar | cut -d' ' -f1)" ]
	# The config package holds the rendered files and an empty pkginfo.json.
	cp=$s/blobs/sha256/$(jq -r '.config_package.digest[7:]' $cm)
	[ "$(tar --zstd -xOf $cp .dcos-manifest.json | jq -r .id)" = "dcos-config--setup_$id" ]
	tar --zstd -xOf $cp pkginfo.json | jq -e '. == {}'
	[ ! -e genconf/.serve-staging.* ] && [ -z "$(ls -A $s | grep staging)" ]
}

@test "dcos_install.sh carries the cluster's pinned values and no placeholder" {
	"$GENCONF" -q generate
	s=genconf/serve
	! grep -q '@DCOS_[A-Z_]*@' $s/dcos_install.sh
	cm=$(jq -r .current $s/index.json)
	grep -qF "$cm" $s/dcos_install.sh
	# Each placeholder the template holds is replaced by its value.
	t=$top_srcdir/scripts/dcos_install.sh.in
	if grep -q @DCOS_BOOTSTRAP_PINS@ "$t"; then
		grep -qF "$(uname -m)=sha256:$(sha256sum "$BOOTSTRAP" | cut -d' ' -f1):$(stat -c %s "$BOOTSTRAP")" $s/dcos_install.sh
	fi
	if grep -q @DCOS_CLUSTER_MANIFEST_SIZE@ "$t"; then
		grep -qF "$(stat -c %s $s/blobs/sha256/${cm#sha256:})" $s/dcos_install.sh
	fi
	if grep -q @DCOS_BOOTSTRAP_URL@ "$t"; then
		grep -qF "http://127.0.0.1:8080" $s/dcos_install.sh
	fi
	grep -qF demo $s/dcos_install.sh
	[ "$(grep -c . $s/dcos_install.sh)" -eq "$(grep -c . "$t")" ]
	[ "$(stat -c %a $s/dcos_install.sh)" = 755 ]
}

@test "the same inputs give the same config id and a byte-identical config package" {
	"$GENCONF" -q generate
	mkdir ../again && cp -R genconf/config.yaml genconf/ip-detect genconf/ip-detect.ps1 dcos-1.0.0.tar* dcos-release.pub ../again/
	(cd ../again && mkdir genconf && mv config.yaml ip-detect ip-detect.ps1 genconf/ && "$GENCONF" -q generate)
	a=genconf/serve; b=../again/genconf/serve
	cmp $a/index.json $b/index.json
	cmp $a/dcos_install.sh $b/dcos_install.sh
	cmp $a/dcos_install.ps1 $b/dcos_install.ps1
	diff <(ls $a/blobs/sha256) <(ls $b/blobs/sha256)
	# A changed value gives another config id.
	sed -i 's/^cluster_name: demo$/cluster_name: other/' ../again/genconf/config.yaml
	(cd ../again && "$GENCONF" -q generate)
	[ "$(jq -r '.cluster_manifests | length' $b/index.json)" = 2 ]
	! cmp -s $a/index.json $b/index.json
}

@test "re-running with a new release adds blobs and prepends the new cluster manifest" {
	"$GENCONF" -q generate
	s=genconf/serve
	old=$(jq -r .current $s/index.json)
	ls $s/blobs/sha256 > before
	run "$GENCONF" generate --release "$FILE_SCRATCH/r2/dcos-1.1.0.tar"
	[ "$status" -eq 0 ]
	check_store $s
	new=$(jq -r .current $s/index.json)
	[ "$new" != "$old" ]
	[ "$(jq -r '.cluster_manifests | join(" ")' $s/index.json)" = "$new $old" ]
	ls $s/blobs/sha256 > after
	[ -z "$(comm -23 before after)" ]
	[ "$(comm -13 before after | wc -l)" -ge 4 ]
	[ "$(jq -r '[.releases[].version] | join(" ")' $s/index.json)" = "1.1.0 1.0.0" ]
	recipe_path $s dcos-1.1.0 && recipe_path $s dcos-1.0.0
	[ -f $s/releases/dcos-1.1.0.tar.minisig ] && [ -f $s/releases/dcos-1.0.0.tar.minisig ]
	# Running the same again changes nothing at all.
	snapshot genconf > snap1
	"$GENCONF" -q generate --release "$FILE_SCRATCH/r2/dcos-1.1.0.tar"
	snapshot genconf > snap2
	diff snap1 snap2
}

@test "a config error prints every error, exits 1 and leaves the store unchanged" {
	"$GENCONF" -q generate
	snapshot . > ../before
	sed -i 's|^bootstrap_url: .*|bootstrap_url: http://x/|; s/^telemetry_enabled: .*/telemetry_enabled: foo/' genconf/config.yaml
	printf 'mastr_list: []\n' >> genconf/config.yaml
	snapshot . > ../before
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -ge 3 ]
	[[ "$output" == *"config.yaml:"*"bootstrap_url: Must not end in a '/'"* ]]
	[[ "$output" == *"config.yaml:"*"telemetry_enabled: Must be one of 'true', 'false'. Got 'foo'."* ]]
	[[ "$output" == *"config.yaml:"*"mastr_list"*"master_list"* ]]
	[[ "${lines[-1]}" == *"problems in genconf/config.yaml: fix them and run again" ]]
	snapshot . > ../after
	diff ../before ../after
}

@test "a release signed by an untrusted key is refused before anything is written" {
	cp "$FILE_SCRATCH/other.pub" dcos-release.pub
	snapshot . > ../before
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"dcos-1.0.0.tar.minisig: signed with key "*", which is not a trusted key (give the vendor's public key with --trusted-key)"* ]]
	snapshot . > ../after
	diff ../before ../after
	run "$GENCONF" generate --trusted-key "$FILE_SCRATCH/vendor.pub"
	[ "$status" -eq 0 ]
}

# Flips one byte inside the data of the hello package (GNU tar numbers blocks).
tamper_hello() {
	local blk off
	blk=$(tar -tRvf dcos-1.0.0.tar | awk '/packages\/dcos-hello--/ { sub(":", "", $2); print $2 }')
	[ -n "$blk" ]
	off=$(( (blk + 1) * 512 + 100 ))
	printf '\x5a' | dd of=dcos-1.0.0.tar bs=1 seek=$off conv=notrunc status=none
}

@test "a tampered package member is refused by its digest and nothing is written" {
	tamper_hello
	snapshot . > ../before
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"member packages/dcos-hello--1.0.0.tar.zst does not match its digest in release.json (the release was modified; get it again from the vendor)"* ]]
	snapshot . > ../after
	diff ../before ../after
	[ ! -e genconf/serve ]
}

@test "a store blob damaged in place (same name, same size) is written again by the next generate" {
	"$GENCONF" -q generate
	s=genconf/serve
	hex=$(jq -r '.blobs[] | select(.id == "dcos-hello--1.0.0") | .digest[7:]' "$s/blobs/sha256/$(jq -r '.current[7:]' $s/index.json)")
	flip_byte "$s/blobs/sha256/$hex" 100
	sed -i 's/^cluster_name: demo$/cluster_name: other/' genconf/config.yaml
	"$GENCONF" -q generate
	check_store $s
}

@test "a tampered member already in the store is refused by the tar signature, store unchanged" {
	"$GENCONF" -q generate
	tamper_hello
	sed -i 's/^cluster_name: demo$/cluster_name: other/' genconf/config.yaml
	snapshot . > ../before
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"dcos-1.0.0.tar: signature does not match the file"* ]]
	snapshot . > ../after
	diff ../before ../after
}

@test "a release whose tar signature does not match is refused and nothing is written" {
	# Members intact, but the tar itself differs from what was signed.
	head -c 1024 /dev/zero >> dcos-1.0.0.tar
	snapshot . > ../before
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"dcos-1.0.0.tar: signature does not match the file"* ]]
	snapshot . > ../after
	diff ../before ../after
	[ ! -e genconf/serve ]
}

@test "a release.json changed and re-signed by another key is refused" {
	mkdir x && (cd x && tar -xf ../dcos-1.0.0.tar)
	sed -i 's/"seq": 1/"seq": 9/' x/release.json
	"$GENCONF" -q sign -s "$FILE_SCRATCH/other.key" -t "file:release.json	sha256:$(sha256sum x/release.json | cut -d' ' -f1)	seq:9" x/release.json
	(cd x && tar --owner=0 --group=0 -cf ../dcos-1.0.0.tar release.json release.json.minisig bootstrap genconf packages)
	"$GENCONF" -q sign -s "$FILE_SCRATCH/vendor.key" dcos-1.0.0.tar
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"release.json.minisig: signed with key "*", which is not a trusted key"* ]]
	[ ! -e genconf/serve ]
}

@test "a missing or ambiguous release and a missing genconf directory are explained" {
	mv dcos-1.0.0.tar ../
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	[[ "$output" == *"no release here (a NAME-VERSION.tar with its .minisig): give it with --release FILE"* ]]
	mv ../dcos-1.0.0.tar .
	cp "$FILE_SCRATCH"/r2/dcos-1.1.0.tar* .
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than one release here: pick one with --release FILE"* ]]
	run "$GENCONF" generate --release dcos-1.0.0.tar --genconf nowhere
	[ "$status" -eq 1 ]
	[[ "$output" == *"nowhere: no such directory"* ]]
	[ ! -e genconf/serve ]
}

@test "dcos-genconf with no command runs generate" {
	run "$GENCONF"
	[ "$status" -eq 0 ]
	[ -f genconf/serve/index.json ]
}

@test "a second generate on the same site waits its turn, and debris of a killed run is removed" {
	need flock
	run flock genconf "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"genconf: another dcos-genconf is writing this store; run again when it is done"* ]]
	[ ! -e genconf/serve ]
	mkdir genconf/.serve-staging.dead && : > genconf/.serve-staging.dead/blob.0
	"$GENCONF" -q generate
	mkdir genconf/serve/.staging.dead && : > genconf/serve/.staging.dead/blob.3
	"$GENCONF" -q generate
	[ -z "$(ls -A genconf | grep staging)" ]
	[ -z "$(ls -A genconf/serve | grep staging)" ]
}

@test "blobs and the release copy are readable by any web server whatever the umask" {
	(umask 077 && "$GENCONF" -q generate)
	[ -z "$(find genconf/serve/blobs genconf/serve/releases -type f ! -perm 644)" ]
	[ "$(stat -c %a genconf/serve/index.json)" = 644 ]
}

@test "a vendor-signed tar with a missing, extra, misplaced or non-file member is refused" {
	mkdir x && (cd x && tar -xf ../dcos-1.0.0.tar)
	pk=$(cd x && ls packages | head -n 1)
	retar() {
		(cd x && tar --owner=0 --group=0 -cf ../dcos-1.0.0.tar "$@")
		"$GENCONF" -q sign -s "$FILE_SCRATCH/vendor.key" dcos-1.0.0.tar
		run "$GENCONF" generate
		[ "$status" -eq 1 ]
		one_line
		[ ! -e genconf/serve ]
	}
	retar release.json release.json.minisig bootstrap genconf $(cd x && ls packages/* | grep -v "$pk")
	[[ "$output" == *"member packages/$pk is missing"* ]]
	printf 'x' > x/extra
	retar release.json release.json.minisig bootstrap genconf packages extra
	[[ "$output" == *"member extra is not listed in release.json"* ]]
	retar release.json.minisig release.json bootstrap genconf packages
	[[ "$output" == *"member 1 is release.json.minisig, not release.json: not a release"* ]]
	rm x/extra && ln -s release.json x/extra
	retar release.json release.json.minisig bootstrap genconf packages extra
	[[ "$output" == *"member extra is not a regular file"* ]]
	printf 'not a tar at all\n' > dcos-1.0.0.tar
	"$GENCONF" -q sign -s "$FILE_SCRATCH/vendor.key" dcos-1.0.0.tar
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"dcos-1.0.0.tar: not a readable release tar"* ]]
}

@test "with --sign-key the site signs dcos_install.sh; without it no stale signature stays" {
	"$GENCONF" -q keygen -p site.pub -s site.key
	"$GENCONF" -q generate --sign-key site.key
	s=genconf/serve
	minisign -Vm $s/dcos_install.sh -p site.pub | grep -q "file:dcos_install.sh	sha256:$(sha256sum $s/dcos_install.sh | cut -d' ' -f1)"
	sed -i 's/^cluster_name: demo$/cluster_name: other/' genconf/config.yaml
	"$GENCONF" -q generate
	[ ! -e $s/dcos_install.sh.minisig ]
	snapshot . > ../before
	run "$GENCONF" generate --sign-key nope.key
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"nope.key"* ]]
	snapshot . > ../after
	diff ../before ../after
}
