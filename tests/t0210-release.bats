#!/usr/bin/env bats
# dcos-genconf release: package trees + bootstrap + genconf schema and
# templates -> one signed, reproducible master artifact that stock tar and
# minisign understand.

# SPDX-License-Identifier: Apache-2.0
load lib

setup_file() {
	export FILE_SCRATCH=$(mktemp -d)
	cd "$FILE_SCRATCH"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" out vendor.key > built.out
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need minisign tar bsdtar jq
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	cp "$FILE_SCRATCH"/vendor.* .
	REL=$FILE_SCRATCH/out/dcos-1.0.0.tar
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# A small release of our own: one package tree, the built bootstrap.
small_release() {
	mkdir -p pk/one--1/bin
	printf '{}\n' > pk/one--1/pkginfo.json
	printf 'x\n' > pk/one--1/bin/x
	printf '{"master": {"ports": [53]}, "slave": {"ports": [53]}, "slave_public": {"ports": [53]}}\n' > roles.json
	mkdir -p out
	"$GENCONF" release --name r --version 1 --seq 1 --key vendor.key --roles roles.json \
	    --bootstrap "x86_64=$BOOTSTRAP" -o out "$@"
}

@test "the sample release lists its members in order and stock minisign verifies it" {
	[ "$(cat "$FILE_SCRATCH/built.out")" = "sha256:$(sha256sum "$REL" | cut -d' ' -f1) out/dcos-1.0.0.tar" ]
	tar -tf "$REL" > members
	[ "$(sed -n 1p members)" = release.json ]
	[ "$(sed -n 2p members)" = release.json.minisig ]
	[ "$(sed -n 3p members)" = "bootstrap/$(uname -m)/dcos-bootstrap" ]
	[ "$(sed -n 4p members)" = genconf/schema.yaml ]
	grep -q '^genconf/templates/.*\.yaml$' members
	[ "$(grep '^packages/' members)" = "$(printf 'packages/busybox--1.35.0.tar.zst\npackages/dcos-base--1.0.0.tar.zst\npackages/dcos-hello--1.0.0.tar.zst\npackages/dcos-hello-windows--1.0.0.zip')" ]
	bsdtar -tf "$REL" | cmp - members
	minisign -Vm "$REL" -p vendor.pub | grep -q "file:dcos-1.0.0.tar	sha256:$(sha256sum "$REL" | cut -d' ' -f1)	seq:1"
	tar -xf "$REL" release.json release.json.minisig
	minisign -Vm release.json -p vendor.pub | grep -q "file:release.json	sha256:$(sha256sum release.json | cut -d' ' -f1)	seq:1"
}

@test "release.json pins every member's digest and size, the roles' ports and the genconf files" {
	mkdir x && tar -xf "$REL" -C x
	j=x/release.json
	[ "$(jq -r '.format, .name, .version, .seq' $j | tr '\n' ' ')" = "1 dcos 1.0.0 1 " ]
	[ "$(jq -r '.packages[] | .id + " " + .platform' $j)" = "$(printf 'busybox--1.35.0 linux\ndcos-base--1.0.0 linux\ndcos-hello--1.0.0 linux\ndcos-hello-windows--1.0.0 windows')" ]
	for id in $(jq -r '.packages[].id' $j); do
		if [ "$(jq -r --arg id "$id" '.packages[] | select(.id == $id) | .platform' $j)" = windows ]; then
			f=x/packages/$id.zip
			m=$(unzip -p $f .dcos-manifest.json | sha256sum | cut -d' ' -f1)
		else
			f=x/packages/$id.tar.zst
			m=$(tar --zstd -xOf $f .dcos-manifest.json | sha256sum | cut -d' ' -f1)
		fi
		[ "$(jq -r --arg id "$id" '.packages[] | select(.id == $id) | .digest' $j)" = "sha256:$(sha256sum $f | cut -d' ' -f1)" ]
		[ "$(jq -r --arg id "$id" '.packages[] | select(.id == $id) | .size' $j)" = "$(stat -c %s $f)" ]
		[ "$(jq -r --arg id "$id" '.packages[] | select(.id == $id) | .manifest' $j)" = "sha256:$m" ]
	done
	arch=$(uname -m)
	[ "$(jq -r --arg a "$arch" '.bootstrap[$a].digest' $j)" = "sha256:$(sha256sum "$BOOTSTRAP" | cut -d' ' -f1)" ]
	[ "$(jq -r '.genconf.schema.digest' $j)" = "sha256:$(sha256sum "$top_srcdir/sample/genconf/schema.yaml" | cut -d' ' -f1)" ]
	[ "$(jq -r '.genconf.templates | length' $j)" = "$(ls "$top_srcdir"/sample/genconf/templates/*.yaml | wc -l)" ]
	[ "$(jq -c '.roles.master.ports' $j)" = "[53,80,179,443,1050,2181,2379,2380,5050,7070,8080,8101,8123,8181,9000,9942,9990,36771,41281,46839,61053,61091,62020,62080,62091,62501,64000]" ]
	[ "$(jq -c '.roles.slave.ports' $j)" = "[53,179,5051,61001,61091,62020,62080,62091,62501,64000]" ]
	[ "$(jq -r '.packages[] | select(.id == "dcos-hello--1.0.0") | .installed_bytes' $j)" -gt 0 ]
}

@test "the sample packages carry busybox, role units, role etc files and requires" {
	mkdir x && tar -xf "$REL" -C x
	tar --zstd -tf x/packages/dcos-hello--1.0.0.tar.zst > hello.list
	grep -qx 'dcos.target.wants_master/dcos-hello.service' hello.list
	grep -qx 'etc_master/hello.conf' hello.list
	[ "$(tar --zstd -xOf x/packages/dcos-hello--1.0.0.tar.zst pkginfo.json | jq -c .requires)" = '["busybox","dcos-base"]' ]
	tar --zstd -xf x/packages/busybox--1.35.0.tar.zst -C x bin/busybox
	cmp x/bin/busybox /bin/busybox
	x/bin/busybox true
}

@test "building the release twice gives byte-identical artifacts and signatures" {
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" again vendor.key >/dev/null
	cmp "$REL" again/dcos-1.0.0.tar
	cmp "$REL.minisig" again/dcos-1.0.0.tar.minisig
}

@test "a new version changes the hello package and keeps the others" {
	RELEASE_VERSION=1.1.0 RELEASE_SEQ=2 GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" v2 vendor.key >/dev/null
	tar -xOf v2/dcos-1.1.0.tar release.json > new.json
	tar -xOf "$REL" release.json > old.json
	[ "$(jq -r .seq new.json)" = 2 ]
	[ "$(jq -r '.packages[] | select(.id == "busybox--1.35.0") | .digest' new.json)" = "$(jq -r '.packages[] | select(.id == "busybox--1.35.0") | .digest' old.json)" ]
	jq -e '.packages[] | select(.id == "dcos-hello--1.1.0")' new.json >/dev/null
}

@test "unsatisfied requires, duplicate names and a missing bootstrap are refused, nothing written" {
	mkdir -p pk/two--1
	printf '{"requires": ["three"]}\n' > pk/two--1/pkginfo.json
	run small_release pk/one--1 pk/two--1
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"package two--1 requires 'three', which is not in the release (add its package)"* ]]
	[ ! -e out/r-1.tar ]
	mkdir -p other/one--2
	printf '{}\n' > other/one--2/pkginfo.json
	run small_release pk/one--1 other/one--2
	[ "$status" -eq 1 ]
	[[ "$output" == *"packages one--1 and one--2: a release holds one version of each package"* ]]
	run "$GENCONF" release --name r --version 1 --seq 1 --key vendor.key --roles roles.json pk/one--1
	[ "$status" -eq 1 ]
	[[ "$output" == *"no --bootstrap ARCH=FILE"* ]]
	[ -z "$(ls -A out)" ]
}

@test "a package tree with a world-writable directory is refused, nothing written (#18 item 6)" {
	mkdir -p pk/two--1/lib
	printf '{}\n' > pk/two--1/pkginfo.json
	chmod 777 pk/two--1/lib
	run small_release pk/one--1 pk/two--1
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"pk/two--1/lib: mode 0777 is writable by group or others"*"(chmod go-w)" ]]
	[ -z "$(ls -A out)" ]
}

@test "bad names, versions, seq, roles and bootstrap arguments get one clear line" {
	small_release pk/one--1 >/dev/null
	rm -rf out
	bad() {
		run "$GENCONF" release "$@" pk/one--1
		[ "$status" -eq 1 ]
		one_line
	}
	base=(--key vendor.key --roles roles.json --bootstrap "x86_64=$BOOTSTRAP" -o out)
	bad --name 'a b' --version 1 --seq 1 "${base[@]}"
	[[ "$output" == *"package name 'a b' may only hold"* ]]
	bad --name r --version 1/2 --seq 1 "${base[@]}"
	[[ "$output" == *"may only hold letters, digits and '@_+:.'"* ]]
	bad --name r --version 1 --seq 0 "${base[@]}"
	[[ "$output" == *"--seq '0': give a positive integer"* ]]
	bad --name r --version 1 --seq 1x "${base[@]}"
	printf '{"master": {"ports": [0]}}\n' > bad-roles.json
	bad --name r --version 1 --seq 1 --key vendor.key --roles bad-roles.json --bootstrap "x86_64=$BOOTSTRAP"
	[[ "$output" == *"bad-roles.json: master.ports: item 0 is not a port number (1-65535)"* ]]
	printf '{"master": {"ports": [53, 53]}}\n' > bad-roles.json
	bad --name r --version 1 --seq 1 --key vendor.key --roles bad-roles.json --bootstrap "x86_64=$BOOTSTRAP"
	[[ "$output" == *"port 53 is listed twice"* ]]
	bad --name r --version 1 --seq 1 --key vendor.key --roles roles.json --bootstrap "x86_64"
	[[ "$output" == *"give ARCH=FILE"* ]]
	bad --name r --version 1 --seq 1 --key vendor.key --roles roles.json --bootstrap "x86_64=/nonexistent"
	[[ "$output" == *"/nonexistent"* ]]
	bad --name r --version 1 --seq 1 --key vendor.pub --roles roles.json --bootstrap "x86_64=$BOOTSTRAP"
	bad --name r --version 1 --seq 1 --key vendor.key --roles roles.json --bootstrap "x86_64=$BOOTSTRAP" -o nowhere
	[[ "$output" == *"nowhere: no such directory"* ]]
	[ ! -e out ] && [ ! -e nowhere ]
	run "$GENCONF" release --name r pk/one--1
	[ "$status" -eq 2 ]
	[[ "$output" == "usage: dcos-genconf release "* ]]
}

@test "a schema whose regex check is too costly to compile is refused, nothing written" {
	cp -r "$top_srcdir/sample/genconf" gc
	chmod -R u+w gc
	# glibc's regcomp doubles the pattern for each stacked '+': 22 took 18 s.
	sed -i "s|regex: '^/'|regex: 'a++++++++++++++++++++++'|" gc/schema.yaml
	grep -q "a++++++++++++++++++++++" gc/schema.yaml
	SECONDS=0
	run small_release --genconf gc pk/one--1
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"gc/schema.yaml:"*": regex too costly: its repetitions expand to more than 4096 pieces"*"simplify it"* ]]
	[ "$SECONDS" -lt 5 ]
	[ -z "$(ls -A out)" ]
	# The sample schema itself is accepted.
	run small_release --genconf "$top_srcdir/sample/genconf" pk/one--1
	[ "$status" -eq 0 ]
}

@test "a release without --genconf builds and says so in release.json" {
	small_release pk/one--1 >/dev/null
	tar -xOf out/r-1.tar release.json | jq -e 'has("genconf") | not'
	minisign -Vm out/r-1.tar -p vendor.pub >/dev/null
}

@test "the release builder's man pages are mandoc -Tlint clean and have EXIT STATUS or EXAMPLES" {
	need mandoc
	for m in dcos-genconf.1 dcos-release.5 dcos-store.5; do
		run mandoc -Tlint -Wwarning "$top_srcdir/man/$m"
		[ "$status" -eq 0 ] || { echo "$m: $output" >&2; return 1; }
		grep -q '^\.Sh EXAMPLES$' "$top_srcdir/man/$m"
	done
	grep -q '^\.Sh EXIT STATUS$' "$top_srcdir/man/dcos-genconf.1"
	for c in generate validate show package release keygen sign verify; do
		grep -q "^\.Cm $c\$" "$top_srcdir/man/dcos-genconf.1"
	done
}
