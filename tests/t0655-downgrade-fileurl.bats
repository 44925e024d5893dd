#!/usr/bin/env bats
# The sample releases through dcos-genconf and dcos_install.sh (issue 16):
# generate refuses to make an older release current unless
# --allow-downgrade (journaled in index.json), the script passes
# --allow-downgrade on, and bootstrap_url file:///DIR means the same in
# validate, generate and the script.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup_file() {
	sample_releases
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need dash jq
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	cd "$SCRATCH"
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# site DIR URL: a site whose store was generated from release 1.1.0 (seq
# 2), with release 1.0.0 (seq 1) beside it.
site() {
	make_site "$1" "$2" "$FILE_SCRATCH/r2"
	cp "$FILE_SCRATCH"/r1/dcos-*.tar* "$1/"
}

@test "generate refuses a release older than the store's current one, changing nothing; --allow-downgrade makes it current and journals it in index.json" {
	site s http://127.0.0.1:8080
	serve=s/genconf/serve
	before=$(cat "$serve/index.json" "$serve/dcos_install.sh" | sha256sum)
	run "$GENCONF" generate --genconf s/genconf --trusted-key s/dcos-release.pub \
	    --release s/dcos-1.0.0.tar
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == *"release dcos-1.0.0 (seq 1) is older than dcos-1.1.0 (seq 2), the store's current release: hosts refuse a downgrade; pass --allow-downgrade"* ]]
	[ "$(cat "$serve/index.json" "$serve/dcos_install.sh" | sha256sum)" = "$before" ]
	[ "$(jq '.downgrades' "$serve/index.json")" = null ]
	run "$GENCONF" generate --genconf s/genconf --trusted-key s/dcos-release.pub \
	    --release s/dcos-1.0.0.tar --allow-downgrade
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: release dcos-1.0.0 (seq 1) replaces the newer dcos-1.1.0 (seq 2) as current"* ]]
	[ "$(jq -c '.downgrades[0] | [.from.seq, .to.seq, .to.version]' "$serve/index.json")" = '[2,1,"1.0.0"]' ]
	[ "$(jq -r '.downgrades[0].cluster_manifest' "$serve/index.json")" = "$(jq -r .current "$serve/index.json")" ]
	[[ "$(jq -r '.downgrades[0].time' "$serve/index.json")" == 20*Z ]]
	# The journal stays through later runs; the same release again is
	# no downgrade.
	"$GENCONF" -q generate --genconf s/genconf --trusted-key s/dcos-release.pub \
	    --release s/dcos-1.0.0.tar >/dev/null
	[ "$(jq '.downgrades | length' "$serve/index.json")" -eq 1 ]
	"$ARTIFACTD" fsck "$serve"
}

# bare_site: ./s, the sample site with release 1.0.0 and the vendor key,
# not yet generated; cd's into it.
bare_site() {
	mkdir s
	cp -R "$top_srcdir/sample/site/genconf" s/genconf
	cp "$FILE_SCRATCH/vendor.pub" s/dcos-release.pub
	cp "$FILE_SCRATCH"/r1/dcos-*.tar* s/
	cd s
}

@test "generate prints the cluster manifest and config package once" {
	bare_site
	"$GENCONF" generate > out 2> err
	[ "$(wc -l < out)" -eq 1 ]
	read -r cm pkg < out
	[[ "$cm" == sha256:* ]] && [[ "$pkg" == dcos-config--setup_* ]]
	run grep -c -e "$cm" -e "$pkg" err
	[ "$output" = 0 ]
}

@test "bootstrap_url: validate takes file:///DIR and refuses what dcos_install.sh cannot use, with the reason; -q validate prints nothing" {
	bare_site
	set_url() { sed -i "s|^bootstrap_url:.*|bootstrap_url: $1|" genconf/config.yaml; }
	set_url file:///srv/dcos
	run "$GENCONF" -q validate
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	for bad in ftp://10.0.0.1/store file://host/srv/dcos file:///srv/../etc \
	    "http://10.0.0.1/a?b"; do
		set_url "$bad"
		run "$GENCONF" validate
		[ "$status" -eq 1 ] || { echo "$bad: $output"; false; }
		[[ "$output" == "genconf/config.yaml: bootstrap_url '$bad'"* ]] || { echo "$output"; false; }
		run "$GENCONF" generate
		[ "$status" -eq 1 ]
		[ ! -e genconf/serve/index.json ]
	done
}

@test "a host on seq 2 from a file:/// store: the downgraded store's script refuses, and installs with --allow-downgrade" {
	site s "file://$SCRATCH/s/genconf/serve"
	script=s/genconf/serve/dcos_install.sh
	mkdir R
	# No downloader on PATH: file:/// needs none.
	make_path p dash sha256sum $BASE_TOOLS
	host() { env -i PATH="$SCRATCH/p" dash "$script" --root "$SCRATCH/R" -d "$@"; }
	run host master
	echo "$output"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" status --root R | grep -q 'release:     dcos 1.1.0 (seq 2)'
	"$GENCONF" -q generate --genconf s/genconf --trusted-key s/dcos-release.pub \
	    --release s/dcos-1.0.0.tar --allow-downgrade >/dev/null
	run host master
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"pass --allow-downgrade"* ]]
	"$BOOTSTRAP" status --root R | grep -q 'release:     dcos 1.1.0 (seq 2)'
	run host --allow-downgrade master
	echo "$output"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" status --root R | grep -q 'release:     dcos 1.0.0 (seq 1)'
	"$BOOTSTRAP" verify --root R
}
