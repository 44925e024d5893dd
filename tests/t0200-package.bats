#!/usr/bin/env bats
# dcos-genconf package: one package tree -> a reproducible tar.zst whose
# first member is the per-file manifest; bad trees are refused with one line
# and no output.

# SPDX-License-Identifier: Apache-2.0
load lib

setup() {
	need bsdtar tar zstd jq
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	mkdir -p hello--1.0/bin hello--1.0/etc_master hello--1.0/dcos.target.wants_master
	cp /bin/busybox hello--1.0/bin/busybox
	ln -s busybox hello--1.0/bin/sh
	ln hello--1.0/bin/busybox hello--1.0/bin/ash
	printf 'A=1\n' > hello--1.0/etc_master/hello.env
	printf '[Unit]\nDescription=hello\n' > hello--1.0/dcos.target.wants_master/hello.service
	printf '{"requires": ["base"], "environment": {"HELLO": "1"}}\n' > hello--1.0/pkginfo.json
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

@test "building a package twice, from copies with other times and owners, gives identical bytes" {
	"$GENCONF" package hello--1.0 > first.out
	mv hello--1.0.tar.zst first.tar.zst
	mkdir other && cp -a hello--1.0 other/
	touch -d '2001-02-03' other/hello--1.0/etc_master/hello.env other/hello--1.0/bin
	chown -R 1234:1234 other/hello--1.0
	run "$GENCONF" package -o second.tar.zst other/hello--1.0
	[ "$status" -eq 0 ]
	cmp first.tar.zst second.tar.zst
	[ "$output" = "sha256:$(sha256sum second.tar.zst | cut -d' ' -f1) second.tar.zst" ]
}

@test "bsdtar and GNU tar list the blob: manifest first, sorted, owner 0, mtime 0" {
	"$GENCONF" -q package hello--1.0
	zstd -t -q hello--1.0.tar.zst
	bsdtar -tf hello--1.0.tar.zst > bsd.list
	tar --zstd -tf hello--1.0.tar.zst > gnu.list
	cmp bsd.list gnu.list
	[ "$(head -n 1 bsd.list)" = .dcos-manifest.json ]
	tail -n +2 bsd.list | sed 's,/$,,' > rest.list
	LC_ALL=C sort -c rest.list
	tar --zstd --numeric-owner -tvf hello--1.0.tar.zst > long.list
	! grep -v ' 0/0 ' long.list
	! grep -v ' 1970-01-01 00:00 ' long.list
	grep -q '^hrw-r--r-- 0/0 .* bin/busybox link to bin/ash$' long.list
	grep -q '^lrwxrwxrwx 0/0 .* bin/sh -> busybox$' long.list
}

@test "the manifest lists every extracted file with its type, mode, size and digest" {
	"$GENCONF" -q package hello--1.0
	mkdir x && tar --zstd -xf hello--1.0.tar.zst -C x
	m=x/.dcos-manifest.json
	[ "$(jq -r .format $m)" = 1 ]
	[ "$(jq -r .id $m)" = hello--1.0 ]
	(cd x && find . -mindepth 1 ! -name .dcos-manifest.json | sed 's,^\./,,' | LC_ALL=C sort) > tree.list
	jq -r '.files[].path' $m > man.list
	cmp tree.list man.list
	jq -r '.files[] | select(.type == "file") | "\(.sha256[7:])  \(.path)"' $m > sums
	[ "$(wc -l < sums)" -eq 4 ]	# ash, hello.env, hello.service, pkginfo.json
	(cd x && sha256sum -c --quiet ../sums)
	[ "$(jq -r '.files[] | select(.path == "bin/ash") | .mode' $m)" = 493 ]
	[ "$(jq -r '.files[] | select(.path == "bin/ash") | .size' $m)" = "$(stat -c %s /bin/busybox)" ]
	[ "$(jq -r '.files[] | select(.path == "bin/busybox") | .type + " " + .target' $m)" = "hardlink bin/ash" ]
	[ "$(jq -r '.files[] | select(.path == "bin/sh") | .type + " " + .target' $m)" = "symlink busybox" ]
}

@test "a changed file changes the blob" {
	"$GENCONF" -q package -o a.tar.zst hello--1.0
	printf 'A=2\n' > hello--1.0/etc_master/hello.env
	"$GENCONF" -q package -o b.tar.zst hello--1.0
	! cmp -s a.tar.zst b.tar.zst
}

@test "a link target the hosts would refuse is refused here too (one rule, lib/manifest)" {
	# These once passed dcos-genconf's own copy of the rule and made a
	# package every dcos-bootstrap refused.
	# (Linux makes no target longer than 4095 bytes: test-pathrules.)
	for t in '../x//y' '..//x' 'x/' 'a//b' '../' "$(printf 'a\tb')"; do
		ln -s "$t" hello--1.0/bin/l
		run "$GENCONF" package hello--1.0
		rm hello--1.0/bin/l
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == "dcos-genconf: error: hello--1.0: symlink 'bin/l' "* ]] ||
		    { echo "$t: $output" >&2; return 1; }
		[ ! -e hello--1.0.tar.zst ]
	done
	ln -s '../x//y' hello--1.0/bin/l
	run "$GENCONF" package hello--1.0
	[[ "$output" == *"symlink 'bin/l' -> '../x//y' leaves the package; use a relative target inside it (no '//' or trailing '/', '..' only at the start, at most 4095 bytes)" ]]
	rm hello--1.0/bin/l
	ln -s ./x hello--1.0/bin/l
	"$GENCONF" -q package hello--1.0
}

@test "package ids follow pkgpanda's rules, from the directory name or --id" {
	mv hello--1.0 tree
	run "$GENCONF" package tree
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"package id 'tree' must be name--version (name the directory name--version or give --id)"* ]]
	run "$GENCONF" package --id a--b--c tree
	[ "$status" -eq 1 ]
	[[ "$output" == *"must contain exactly one '--'"* ]]
	run "$GENCONF" package --id .hidden--1 tree
	[ "$status" -eq 1 ]
	[[ "$output" == *"must start with a letter, digit"* ]]
	run "$GENCONF" package --id 'hello--1/2' tree
	[ "$status" -eq 1 ]
	[[ "$output" == *"may only hold letters, digits and '@_+:.'"* ]]
	run "$GENCONF" -q package --id hello--1.0 -o out.tar.zst tree
	[ "$status" -eq 0 ]
	[ "$(tar --zstd -xOf out.tar.zst .dcos-manifest.json | jq -r .id)" = hello--1.0 ]
	[ ! -e tree.tar.zst ]
}

@test "pkginfo.json is required and checked field by field" {
	check() {
		printf '%s\n' "$1" > hello--1.0/pkginfo.json
		run "$GENCONF" package hello--1.0
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"$2"* ]] || { echo "got: $output" >&2; return 1; }
		[ ! -e hello--1.0.tar.zst ]
	}
	check '[]' 'pkginfo.json: must be a JSON object'
	check '{"requires": "base"}' 'requires must be a list of package names'
	check '{"requires": ["a--b"]}' "requires[0]: 'a--b' is a package id: depend on a package name"
	check '{"environment": {"1X": "a"}}' "'1X' is not a valid environment variable name"
	check '{"environment": {"X": 1}}' "environment: 'X' must be a string"
	check '{"sysctl": {"dcos-mesos-slave": {"vm.max_map_count": 262144}}}' "sysctl: 'vm.max_map_count': the value must be a string"
	check '{"sysctl": {"dcos-mesos-slave": {"../../etc/shadow": "1"}}}' "sysctl: '../../etc/shadow' is not a sysctl name"
	check '{"sysctl": {"dcos-mesos-slave": {"/vm/swappiness": "1"}}}' "sysctl: '/vm/swappiness' is not a sysctl name"
	check '{"sysctl": {"dcos-mesos-slave": {"vm.swappiness = 1\nkernel.x": "1"}}}' "is not a sysctl name"
	check '{"sysctl": {"dcos-mesos-slave": {"-vm.swappiness": "1"}}}' "sysctl: '-vm.swappiness' is not a sysctl name"
	check '{"sysctl": {"dcos-mesos-slave": {"vm.swappiness": ""}}}' "sysctl: 'vm.swappiness': the value must be one non-empty line"
	check '{"state_directory": "yes"}' 'state_directory must be true or false'
	check '{"username": "mesos"}' "username 'mesos' must be 'dcos_' followed by a-z, 0-9 and '_'"
	check '{"group": "dcos_x"}' 'group needs username'
	check '{"requirez": []}' "unknown key 'requirez'"
	check '{"requires": [' 'pkginfo.json:2:'
	rm hello--1.0/pkginfo.json
	run "$GENCONF" package hello--1.0
	[ "$status" -eq 1 ]
	[[ "$output" == *"package hello--1.0 has no pkginfo.json file"* ]]
	printf '{"requires": [], "environment": {}, "sysctl": {"hello": {"vm.swappiness": "1", "net.ipv4.conf.eth0/100.rp_filter": "2", "net/core/somaxconn": "1024"}}, "state_directory": true, "username": "dcos_hello", "group": "dcos_hello"}\n' > hello--1.0/pkginfo.json
	"$GENCONF" -q package hello--1.0
}

@test "escaping or absolute symlinks, FIFOs, device nodes and setuid files are refused" {
	refuse() {
		run "$GENCONF" package hello--1.0
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"$1"* ]] || { echo "got: $output" >&2; return 1; }
		[ ! -e hello--1.0.tar.zst ]
	}
	ln -s /etc/passwd hello--1.0/bin/abs
	refuse "hello--1.0: symlink 'bin/abs' -> '/etc/passwd' leaves the package"
	rm hello--1.0/bin/abs
	ln -s ../../x hello--1.0/bin/up
	refuse "symlink 'bin/up' -> '../../x' leaves the package"
	rm hello--1.0/bin/up
	ln -s sh/../.. hello--1.0/bin/sneaky
	refuse "symlink 'bin/sneaky' -> 'sh/../..' leaves the package"
	rm hello--1.0/bin/sneaky
	ln -s ../etc_master/hello.env hello--1.0/bin/ok
	"$GENCONF" -q package -o ok.tar.zst hello--1.0
	mkfifo hello--1.0/bin/fifo
	refuse "bin/fifo: FIFOs are not allowed in packages"
	rm hello--1.0/bin/fifo
	mknod hello--1.0/bin/null c 1 3
	refuse "bin/null: device nodes are not allowed in packages"
	rm hello--1.0/bin/null
	chmod u+s hello--1.0/bin/busybox
	refuse "mode 4755 has setuid, setgid or sticky bits, which packages may not have (chmod ug-s,-t)"
	chmod u-s hello--1.0/bin/busybox
	printf '{}' > hello--1.0/.dcos-manifest.json
	refuse ".dcos-manifest.json is reserved for the manifest"
}

@test "group- or world-writable files and directories are refused, not normalised" {
	chmod 777 hello--1.0/etc_master/hello.env
	run "$GENCONF" package hello--1.0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"hello--1.0/etc_master/hello.env: mode 0777 is writable by group or others; package files and directories may be writable by their owner only (chmod go-w)" ]]
	[ ! -e hello--1.0.tar.zst ]
	chmod 644 hello--1.0/etc_master/hello.env
	chmod 777 hello--1.0/etc_master
	run "$GENCONF" package hello--1.0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"hello--1.0/etc_master: mode 0777 is writable by group or others"* ]]
	chmod 775 hello--1.0/etc_master
	run "$GENCONF" package hello--1.0
	[[ "$output" == *"hello--1.0/etc_master: mode 0775 is writable by group or others"* ]]
	[ ! -e hello--1.0.tar.zst ]
	chmod 755 hello--1.0/etc_master
	"$GENCONF" -q package hello--1.0
}

@test "UTF-8 file names are packaged as they are, in any locale; other bytes are refused for what they are" {
	printf 'x\n' > "hello--1.0/etc_master/café.env"
	LC_ALL=C "$GENCONF" -q package -o c.tar.zst hello--1.0
	LC_ALL=C.UTF-8 "$GENCONF" -q package -o utf8.tar.zst hello--1.0
	cmp c.tar.zst utf8.tar.zst
	bsdtar -tf c.tar.zst | grep -qx 'etc_master/café.env'
	[[ "$(tar --zstd -xOf c.tar.zst .dcos-manifest.json | jq -r '.files[].path')" == *"etc_master/café.env"* ]]
	rm "hello--1.0/etc_master/café.env"
	printf 'x\n' > "$(printf 'hello--1.0/etc_master/caf\351.env')"
	run "$GENCONF" package hello--1.0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"hello--1.0: etc_master/caf\\xe9.env: the name is not valid UTF-8 (package file names are UTF-8: rename it)" ]]
	rm hello--1.0/etc_master/caf*.env
	printf 'x\n' > "$(printf 'hello--1.0/etc_master/a\tb')"
	run "$GENCONF" package hello--1.0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"hello--1.0: etc_master/a\\x09b: the name holds a control character"* ]]
}

@test "bad usage and missing directories get a clear message" {
	run "$GENCONF" package
	[ "$status" -eq 2 ]
	[[ "$output" == "usage: dcos-genconf package "* ]]
	run "$GENCONF" package nope--1
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"nope--1: No such file or directory"* ]]
	run "$GENCONF" package -h
	[ "$status" -eq 0 ]
}
