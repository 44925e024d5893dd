#!/usr/bin/env bats
# Windows packages (#13): a tree with "platform": "windows" is written as a
# reproducible zip that python's zipfile (and so any zip reader) takes,
# with the same manifest as a Linux blob; paths Windows would read as
# another file, a device or a stream are refused when it is built; a
# release and a store carry it beside the Linux packages, with a Windows
# config package and dcos_install.ps1; a Linux host never fetches it.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

# The sample release (with its Windows package) in $FILE_SCRATCH/r1.
setup_file() {
	sample_release
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need jq python3 unzip
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export SCRATCH
	cd "$SCRATCH"
	W=win--1.0
	cp -R "$top_srcdir/sample/packages/dcos-hello-windows--1.0.0" $W
	chmod -R u+w,go-w $W
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# absent PATTERN FILE: FILE has no line with PATTERN.
absent() {
	if grep -q -- "$1" "$2"; then
		echo "$2 has '$1'" >&2
		return 1
	fi
}

# refused WHAT...: dcos-genconf package $W fails with one line holding
# every WHAT, and writes nothing.
refused() {
	run "$GENCONF" package -o out.zip "$W"
	[ "$status" -eq 1 ] || { echo "accepted: $output" >&2; return 1; }
	one_line
	local w
	for w in "$@"; do
		[[ "$output" == *"$w"* ]] || { echo "'$output' lacks '$w'" >&2; return 1; }
	done
	[ ! -e out.zip ]
}

@test "a Windows package is a zip, byte-identical from copies with other times, owners and umask" {
	run "$GENCONF" package "$W"
	[ "$status" -eq 0 ]
	[ "$output" = "sha256:$(sha256sum $W.zip | cut -d' ' -f1) $W.zip" ]
	mkdir other && cp -a $W other/
	touch -d '2001-02-03 04:05' other/$W/bin other/$W/bin/dcos-hello.ps1
	chown -R 1234:1234 other/$W
	(umask 077 && TZ=Asia/Kolkata "$GENCONF" -q package -o second.zip other/$W)
	cmp $W.zip second.zip
}

@test "python's zipfile reads it: manifest first, sorted, directories first, fixed time, deflate, no extra fields, every digest matches" {
	"$GENCONF" -q package "$W"
	python3 - "$W.zip" <<-'EOF'
	import hashlib, json, struct, sys, zipfile
	z = zipfile.ZipFile(sys.argv[1])
	raw = open(sys.argv[1], "rb").read()
	assert z.testzip() is None
	infos = z.infolist()
	assert infos[0].filename == ".dcos-manifest.json", infos[0].filename
	m = json.loads(z.read(".dcos-manifest.json"))
	names = [i.filename for i in infos[1:]]
	want = [f["path"] + ("/" if f["type"] == "dir" else "") for f in m["files"]]
	assert names == want, (names, want)
	# Sorted bytewise by manifest path: a directory before its contents.
	paths = [f["path"] for f in m["files"]]
	assert paths == sorted(paths, key=lambda p: p.encode()), paths
	assert {f["type"] for f in m["files"]} <= {"file", "dir"}
	for i in infos:
	    assert i.date_time == (1980, 1, 1, 0, 0, 0), (i.filename, i.date_time)
	    assert i.create_system == 3
	    # No extra field (libarchive's UT and ux are removed), in the
	    # central directory and in the local header.
	    assert i.extra == b"", (i.filename, i.extra.hex())
	    h = i.header_offset
	    assert raw[h:h + 4] == b"PK\x03\x04", (i.filename, h)
	    assert struct.unpack_from("<H", raw, h + 28)[0] == 0, i.filename
	    if i.filename.endswith("/"):
	        assert i.compress_type == zipfile.ZIP_STORED and i.file_size == 0
	        assert (i.external_attr >> 16) & 0o170000 == 0o040000
	        continue
	    assert i.compress_type == zipfile.ZIP_DEFLATED, i.filename
	for f in m["files"]:
	    if f["type"] != "file":
	        continue
	    data = z.read(f["path"])
	    assert len(data) == f["size"], f["path"]
	    assert "sha256:" + hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
	    assert (z.getinfo(f["path"]).external_attr >> 16) & 0o777 == f["mode"]
	EOF
	# Stock unzip agrees.
	unzip -tq $W.zip
}

@test "every Windows path trick is refused when the package is built, with one line and nothing written" {
	local name
	for name in 'a:b' 'x.txt:stream' 'back\slash' 'CON' 'nul.txt' 'Aux' \
	    'PRN.tar.gz' 'com1' 'LPT9.log' 'CONIN$' 'AUX .txt' 'trail.' \
	    'trail ' 'a<b' 'a>b' 'a|b' 'a?b' 'a*b' 'a"b' 'café'; do
		mkdir -p "$W/etc/sub"
		printf x > "$W/etc/sub/$name"
		refused "etc/sub/"
		rm -f "$W/etc/sub/$name"
	done
	# A directory of such a name too.
	mkdir "$W/etc/nul"
	printf x > "$W/etc/nul/x"
	refused "etc/nul" "device name"
	rm -r "$W/etc/nul"
	# Two names of one file on Windows.
	printf x > "$W/etc/Hello-version.txt"
	refused "etc/Hello-version.txt" "etc/hello-version.txt" "differ only in case"
	rm "$W/etc/Hello-version.txt"
	printf x > "$W/.DCOS-manifest.json"
	refused "differ only in case"
	rm "$W/.DCOS-manifest.json"
	# The same tree builds once they are gone.
	"$GENCONF" -q package -o out.zip "$W"
}

@test "symlinks and hard links are refused in a Windows package" {
	ln -s dcos-hello.ps1 "$W/bin/link.ps1"
	refused "bin/link.ps1 is a symlink" "only files and directories"
	rm "$W/bin/link.ps1"
	ln "$W/bin/dcos-hello.ps1" "$W/bin/second.ps1"
	refused "is a hardlink" "only files and directories"
}

@test "a services json that is not a valid Windows service is refused, naming the file and the key" {
	local s=$W/services/dcos-hello.json good
	good=$(cat "$s")
	while IFS='|' read -r edit want; do
		jq -c "$edit" <<< "$good" > "$s"
		refused "services/dcos-hello.json" "$want"
	done <<-'EOF'
	del(.name)|needs "name" and "executable"
	del(.executable)|needs "name" and "executable"
	.name = "other"|must be in the file other.json
	.name = "-x"|name must be letters
	.name = "a b"|name must be letters
	.name = "x."|name must be letters
	.executable = "bin/missing.ps1"|executable bin/missing.ps1 is not a file of the package
	.executable = "/bin/sh"|executable must be a path relative to the package
	.executable = "../x.ps1"|executable must be a path relative to the package
	.executable = "C:/Windows/x.exe"|executable must be a path relative
	.executable = "bin\\dcos-hello.ps1"|executable must be a path relative
	.executable = "bin"|executable bin is not a file of the package
	.arguments = "-x"|arguments must be a list of strings
	.arguments = ["a\nb"]|arguments[0] must be a string without control characters
	.environment = {"PATH": "x"}|not a variable name a service may set
	.environment = {"1X": "x"}|not a variable name a service may set
	.environment = {"X": 1}|'X' must be a string
	.depends_on = ["Tcpip", "Tcpip"]|depends_on: Tcpip is listed twice
	.depends_on = ["a/b"]|depends_on[0] is not a service name
	.recovery = {"restart_seconds": -1}|recovery must be {"restart_seconds": N}
	.recovery = {"restart_seconds": 86401}|recovery must be
	.recovery = {"restart": 5}|recovery must be
	.display_name = ""|display_name must be 1-256 printable ASCII
	.user = "x"|unknown key 'user'
	EOF
	printf '[1]\n' > "$s"
	refused "must be a JSON object"
	printf '{' > "$s"
	refused "services/dcos-hello.json"
	printf '%s\n' "$good" > "$s"
	# Only NAME.json files directly in services dirs.
	mkdir "$W/services/sub"
	refused "services/sub" "holds only service files NAME.json"
	rmdir "$W/services/sub"
	printf x > "$W/services/README"
	refused "services/README" "holds only service files NAME.json"
	rm "$W/services/README"
	# One service in services/ and a role variant.
	mkdir "$W/services_slave"
	cp "$s" "$W/services_slave/"
	refused "the service dcos-hello is also declared in services/"
	# In the two agent roles' variants it may be.
	mkdir "$W/services_slave_public"
	mv "$s" "$W/services_slave_public/"
	# A directory merely named like one is any directory.
	mkdir "$W/servicesdata"
	printf '[1]\n' > "$W/servicesdata/x.json"
	"$GENCONF" -q package -o out.zip "$W"
	unzip -l out.zip | grep -q ' services_slave/dcos-hello.json$'
}

@test "master role variants, systemd units, Linux host settings and unknown platforms are refused in a Windows package" {
	mkdir "$W/bin_master"
	refused "bin_master" "roles slave and slave_public only"
	rmdir "$W/bin_master"
	mkdir "$W/services_master"
	refused "services_master" "roles slave and slave_public only"
	rmdir "$W/services_master"
	mkdir "$W/dcos.target.wants"
	refused "dcos.target.wants" "declare services in services/NAME.json"
	rmdir "$W/dcos.target.wants"
	local p=$W/pkginfo.json key
	for key in '"sysctl": {}' '"username": "dcos_x"' '"state_directory": true'; do
		printf '{"platform": "windows", %s}\n' "$key" > "$p"
		refused "is a Linux host setting" "remove it"
	done
	printf '{"platform": "macos"}\n' > "$p"
	refused 'platform must be "linux" (the default) or "windows"'
	# "linux" is a Linux package: a tar.zst, where services/ is any dir.
	printf '{"platform": "linux"}\n' > "$p"
	run "$GENCONF" package "$W"
	[ "$status" -eq 0 ]
	[ -f "$W.tar.zst" ]
}

@test "release.json says each package's platform; a Windows package requires only Windows packages" {
	local rel=$FILE_SCRATCH/r1/dcos-1.0.0.tar
	tar -xOf "$rel" release.json > release.json
	[ "$(jq -r '.packages[] | select(.platform == "windows") | .id' release.json)" = dcos-hello-windows--1.0.0 ]
	[ "$(jq '[.packages[] | select(.platform == "linux")] | length' release.json)" -eq 3 ]
	tar -tf "$rel" | grep -qx 'packages/dcos-hello-windows--1.0.0.zip'
	# The member is the zip dcos-genconf package writes.
	"$GENCONF" -q package --id dcos-hello-windows--1.0.0 -o one.zip "$W"
	tar -xOf "$rel" packages/dcos-hello-windows--1.0.0.zip | cmp - one.zip
	# requires: each platform's packages are one set.
	mkdir -p lin--1/bin
	printf '{}\n' > lin--1/pkginfo.json
	printf 'x\n' > lin--1/bin/x
	printf '{"platform": "windows", "requires": ["lin"]}\n' > $W/pkginfo.json
	printf '{"master": {"ports": [53]}, "slave": {"ports": [53]}, "slave_public": {"ports": [53]}}\n' > roles.json
	"$GENCONF" -q keygen -p k.pub -s k.key
	mkdir out
	run "$GENCONF" release --name r --version 1 --seq 1 --key k.key --roles roles.json \
	    --bootstrap "x86_64=$BOOTSTRAP" -o out lin--1 "$W"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"the Windows packages: package $W requires 'lin', which is not in the release"* ]]
	[ ! -e out/r-1.tar ]
}

@test "generate: both config packages in the cluster manifest, dcos_install.ps1 pins it and is signed, index.json lists it" {
	need minisign
	make_site site http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	s=site/genconf/serve
	cm=$(jq -r .current $s/index.json)
	c=$s/blobs/sha256/${cm#sha256:}
	cid=$(jq -r .config_id $c)
	[ "$(jq -r '.config_package_windows.id' $c)" = "dcos-config-windows--setup_$cid" ]
	[ "$(jq -r '[.blobs[] | select(.kind == "config") | .platform + " " + .id] | join(",")' $c)" = "linux dcos-config--setup_$cid,windows dcos-config-windows--setup_$cid" ]
	[ "$(jq -r '.blobs[] | select(.id == "dcos-hello-windows--1.0.0") | .platform' $c)" = windows ]
	[ "$(jq -r '.blobs[] | select(.id == "dcos-hello--1.0.0") | .platform' $c)" = linux ]
	# The Windows config package: a zip with ip-detect.ps1 and its pkginfo.
	w=$s/blobs/sha256/$(jq -r '.config_package_windows.digest[7:]' $c)
	[ "$(unzip -Z1 $w | tr '\n' ' ')" = ".dcos-manifest.json etc/ etc/ip-detect.ps1 pkginfo.json " ]
	unzip -p $w etc/ip-detect.ps1 | cmp - "$top_srcdir/sample/site/genconf/ip-detect.ps1"
	[ "$(unzip -p $w pkginfo.json)" = '{"platform": "windows"}' ]
	# The Linux one has no Windows file.
	l=$s/blobs/sha256/$(jq -r '.config_package.digest[7:]' $c)
	tar --zstd -tf $l > linux.list
	absent ps1 linux.list
	# dcos_install.ps1: the same pins as dcos_install.sh, every marker filled.
	absent '@DCOS_[A-Z_]*@' $s/dcos_install.ps1
	grep -qxF "\$ClusterManifest = '$cm'" $s/dcos_install.ps1
	grep -qxF "\$ClusterManifestSize = '$(stat -c %s $c)'" $s/dcos_install.ps1
	grep -qxF "\$BootstrapUrl = 'http://127.0.0.1:18080'" $s/dcos_install.ps1
	grep -qxF "\$ClusterName = 'demo'" $s/dcos_install.ps1
	[ "$(jq -r .install_script_windows.path $s/index.json)" = dcos_install.ps1 ]
	[ "$(jq -r .install_script_windows.digest $s/index.json)" = "sha256:$(sha256sum $s/dcos_install.ps1 | cut -d' ' -f1)" ]
	# Signed with --sign-key, as dcos_install.sh.
	[ ! -e $s/dcos_install.ps1.minisig ]
	"$GENCONF" -q keygen -p site.pub -s site.key
	(cd site && "$GENCONF" -q generate --sign-key ../site.key >/dev/null)
	minisign -Vm $s/dcos_install.ps1 -p site.pub | grep -qF "file:dcos_install.ps1	sha256:$(sha256sum $s/dcos_install.ps1 | cut -d' ' -f1)"
	minisign -Vm $s/dcos_install.sh -p site.pub >/dev/null
	# dcos-artifactd fsck checks the zips and the script with the rest.
	"$ARTIFACTD" -q fsck $s
	printf '#' >> $s/dcos_install.ps1
	run "$ARTIFACTD" fsck $s
	[ "$status" -ne 0 ]
	[[ "$output" == *"dcos_install.ps1: content does not match the digest index.json lists"* ]]
}

@test "the cluster name is quoted for PowerShell, in ASCII; a site without ip-detect.ps1 gets a config package of pkginfo only" {
	mkdir -p site
	cp -R "$top_srcdir/sample/site/genconf" site/genconf
	rm site/genconf/ip-detect.ps1
	sed -i "s|^cluster_name:.*|cluster_name: \"it's ‘ours’\"|" site/genconf/config.yaml
	cp "$FILE_SCRATCH"/vendor.pub site/dcos-release.pub
	cp "$FILE_SCRATCH"/r1/dcos-*.tar* site/
	(cd site && "$GENCONF" -q generate >/dev/null)
	s=site/genconf/serve
	# PowerShell's own single quotes U+2018/U+2019 leave the string as
	# every non-ASCII character does: the script stays ASCII.
	grep -qxF "\$ClusterName = 'it''s ' + [char]0x2018 + 'ours' + [char]0x2019 + ''" $s/dcos_install.ps1
	! LC_ALL=C grep -q '[^ -~	]' $s/dcos_install.ps1
	grep -qF "CLUSTER_NAME='it'\\''s ‘ours’'" $s/dcos_install.sh
	c=$s/blobs/sha256/$(jq -r '.current[7:]' $s/index.json)
	w=$s/blobs/sha256/$(jq -r '.config_package_windows.digest[7:]' $c)
	[ "$(unzip -Z1 $w | tr '\n' ' ')" = ".dcos-manifest.json pkginfo.json " ]
}

@test "a store whose release has no Windows package has no dcos_install.ps1 (an older one is removed)" {
	make_site site http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	s=site/genconf/serve
	[ -f $s/dcos_install.ps1 ]
	# A release of Linux packages only.
	mkdir -p lin--1/bin
	printf '{}\n' > lin--1/pkginfo.json
	printf 'x\n' > lin--1/bin/x
	"$GENCONF" -q release --name dcos --version 2.0.0 --seq 5 --key "$FILE_SCRATCH/vendor.key" \
	    --roles "$top_srcdir/sample/roles.json" --genconf "$top_srcdir/sample/genconf" \
	    --bootstrap "$(uname -m)=$BOOTSTRAP" -o site lin--1 >/dev/null
	(cd site && "$GENCONF" -q generate --release dcos-2.0.0.tar >/dev/null)
	[ ! -e $s/dcos_install.ps1 ]
	[ "$(jq -r '.install_script_windows // "none"' $s/index.json)" = none ]
	c=$s/blobs/sha256/$(jq -r '.current[7:]' $s/index.json)
	[ "$(jq -r '.config_package_windows // "none"' $c)" = none ]
	[ "$(jq '[.blobs[] | select(.platform == "windows")] | length' $c)" -eq 0 ]
	"$ARTIFACTD" -q fsck $s
	# Windows agents need a release with a Windows package: one line,
	# nothing changed.
	before=$(cat $s/index.json)
	echo 'windows_public_agent_list: [10.0.3.1]' >> site/genconf/config.yaml
	run sh -c 'cd site && "$GENCONF" -q generate --release dcos-2.0.0.tar'
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$output" = "config.yaml:$(wc -l < site/genconf/config.yaml):28: windows_public_agent_list: lists Windows agents, but release dcos-2.0.0 has no Windows package: remove them or use a release that has one" ]
	[ "$(cat $s/index.json)" = "$before" ]
}

@test "a Linux host installs from a store with a Windows package: Linux packages only, no zip fetched" {
	need curl dash unshare ip
	make_site site http://127.0.0.1:18080 "$FILE_SCRATCH/r1"
	STORE=$SCRATCH/site/genconf/serve
	export STORE
	cat > "$SCRATCH/logged-artifactd" <<-EOF
	#!/bin/sh
	exec "$ARTIFACTD" "\$@" --access-log "$SCRATCH/access.log"
	EOF
	chmod 755 "$SCRATCH/logged-artifactd"
	mkdir R
	run netns_run '
		ARTIFACTD="$SCRATCH/logged-artifactd"
		start_artifactd "$STORE" 18080
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/R" slave
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	ls R/opt/mesosphere/packages > pkgs
	[ "$(tr '\n' ' ' < pkgs)" = "busybox--1.35.0 dcos-base--1.0.0 dcos-config--setup_$(jq -r .config_id "$STORE/blobs/sha256/$(jq -r '.current[7:]' "$STORE/index.json")") dcos-hello--1.0.0 " ]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	# Not one request for a Windows blob or the ps1.
	c=$STORE/blobs/sha256/$(jq -r '.current[7:]' "$STORE/index.json")
	for d in $(jq -r '.blobs[] | select(.platform == "windows") | .digest[7:]' "$c"); do
		absent "$d" access.log
	done
	[ "$(jq '[.blobs[] | select(.platform == "windows")] | length' "$c")" -eq 2 ]
	absent ps1 access.log
	grep -q '"GET /dcos_install.sh HTTP/1.1" 200 ' access.log
	# dcos-bootstrap missing lists no Windows blob either.
	run "$BOOTSTRAP" missing "$c" --cache empty-cache
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	for d in $(jq -r '.blobs[] | select(.platform == "windows") | .digest[7:]' "$c"); do
		[[ "$output" != *"$d"* ]]
	done
}
