#!/usr/bin/env bats
# Secrets never leave the bootstrap node in clear (#14): a site whose
# exhibitor_storage_backend is aws_s3 with explicit keys has its
# aws_secret_access_key in a secrets bundle sealed to the site key, for
# the masters only.  The store (every byte, and every byte dcos-artifactd
# serves on loopback) never holds it; a slave never gets it, not even
# sealed; a master with the key gets it 0600; a missing key, a wrong key
# and an altered bundle are refused before anything changes.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

SECRET=Very-Secret-42

setup_file() {
	sample_releases 1
	mkdir site
	cp -R "$top_srcdir/sample/site/genconf" site/genconf
	sed -i -e 's|^bootstrap_url:.*|bootstrap_url: http://127.0.0.1:18071|' \
	    -e '/^exhibitor_storage_backend: static$/d' site/genconf/config.yaml
	cat >> site/genconf/config.yaml <<-EOF2
	exhibitor_storage_backend: aws_s3
	aws_region: us-west-2
	s3_bucket: bucket
	s3_prefix: dcos
	exhibitor_explicit_keys: true
	aws_access_key_id: AKIAEXAMPLE
	aws_secret_access_key: $SECRET
	EOF2
	cp vendor.pub site/dcos-release.pub
	cp r1/dcos-*.tar* site/
	(cd site && "$GENCONF" -q keygen --site &&
	    "$GENCONF" -v generate > generate.out 2>&1)
	# owner (#14 item 3): a release whose package declares dcos_exhibitor
	# and whose exhibitor template gives it the file; the same site.
	owner_release own dcos_exhibitor
	cp -R site own/site
	rm -rf own/site/genconf/serve own/site/dcos-*.tar* own/site/generate.out
	cp own/dcos-*.tar* own/site/
	(cd own/site && "$GENCONF" -q generate)
}

# owner_release DIR OWNER [USER [TEMPLATE]]: a signed release in DIR of
# one package whose pkginfo declares USER (default dcos_exhibitor) and the
# sample templates (and the file TEMPLATE), the exhibitor file's with
# "owner: OWNER" (vendor.key).
owner_release() {
	mkdir -p "$1/hello--1.0/bin" "$1/gc"
	printf '#!/bin/sh\necho hello\n' > "$1/hello--1.0/bin/hello"
	chmod 755 "$1/hello--1.0/bin/hello"
	printf '{"username": "%s"}\n' "${3:-dcos_exhibitor}" > "$1/hello--1.0/pkginfo.json"
	cp -R "$top_srcdir/sample/genconf/." "$1/gc/"
	[ -z "${4:-}" ] || cp "$4" "$1/gc/templates/"
	sed -i "s|^    permissions: \"0600\"$|&\n    owner: $2|" "$1/gc/templates/exhibitor.yaml"
	grep -q "owner: $2" "$1/gc/templates/exhibitor.yaml"
	"$GENCONF" -q release --name dcos --version 1.0.0 --seq 1 \
	    --key "$FILE_SCRATCH/vendor.key" --roles "$top_srcdir/sample/roles.json" \
	    --bootstrap "$(uname -m)=$BOOTSTRAP" --genconf "$1/gc" \
	    -o "$1" "$1/hello--1.0" >/dev/null
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need jq zstd bsdtar
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export SCRATCH
	SITE=$FILE_SCRATCH/site
	STORE=$SITE/genconf/serve
	CM=$STORE/blobs/sha256/$(jq -r '.current[7:]' "$STORE/index.json")
	export SITE STORE CM
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# A host root with root in /etc/passwd and /etc/group.
new_root() {
	mkdir -p "$1/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$1/etc/passwd"
	printf 'root:x:0:\n' > "$1/etc/group"
}

# Every path under a tree with its type, mode and content digest.
tree() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

@test "keygen --site writes site.key 0600 and site.pub, and replaces them only with --force" {
	cd "$SCRATCH"
	mkdir genconf
	"$GENCONF" -q keygen --site
	[ "$(stat -c %a genconf/site.key)" = 600 ]
	[ "$(stat -c %a genconf/site.pub)" = 644 ]
	grep -q -- '-----BEGIN PRIVATE KEY-----' genconf/site.key
	openssl pkey -in genconf/site.key -noout -text | grep -q X25519
	cp genconf/site.key before
	run "$GENCONF" keygen --site
	[ "$status" -eq 1 ]
	[[ "$output" == *"genconf/site.key already exists (use --force"* ]]
	cmp before genconf/site.key
	"$GENCONF" -q keygen --site --force
	! cmp -s before genconf/site.key || false
}

@test "a site whose templates render a secret and that has no site key: generate refuses in one line" {
	cp -R "$SITE" "$SCRATCH/site"
	cd "$SCRATCH/site"
	rm -rf genconf/site.key genconf/site.pub genconf/serve
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: etc_master/exhibitor holds a secret: it goes into bundles sealed to the site key, and there is no genconf/site.pub: run 'dcos-genconf keygen --site' (then give each host site.key out of band)" ]
	[ ! -e genconf/serve/index.json ]
}

@test "the secret is in no byte of the store nor of any response of dcos-artifactd; only the master has a bundle, 0640" {
	# The bundle: one, the master's, sealed, 0640.
	[ "$(jq -c '[.blobs[] | select(.kind == "secrets") | .role]' "$CM")" = '["master"]' ]
	b=$STORE/blobs/sha256/$(jq -r '.blobs[] | select(.kind == "secrets") | .digest[7:]' "$CM")
	[ "$(stat -c %a "$b")" = 640 ]
	[ "$(head -c 8 "$b")" = DCOSSEAL ]
	# The config package is the same for every role and holds no
	# exhibitor file (with the secret, it is sealed).
	pkg=$STORE/blobs/sha256/$(jq -r '.config_package.digest[7:]' "$CM")
	! bsdtar -tf "$pkg" | grep -q exhibitor || false
	bsdtar -tf "$pkg" | grep -qx etc/mesos-master
	# Every byte of the store, compressed or not.
	! grep -rqaF "$SECRET" "$STORE" || false
	for f in "$STORE"/blobs/sha256/*; do
		if zstd -qdc "$f" > "$SCRATCH/plain" 2>/dev/null; then
			! grep -qaF "$SECRET" "$SCRATCH/plain" || false
		fi
	done
	# generate's own output (verbose) and show mask it.
	! grep -qF "$SECRET" "$SITE/generate.out" || false
	(cd "$SITE" && "$GENCONF" -v show) > "$SCRATCH/show" 2>&1
	! grep -qF "$SECRET" "$SCRATCH/show" || false
	grep -q '^aws_secret_access_key: "\*\*\*\*\*\*\*\*"' "$SCRATCH/show"
	# Every file the store has, as dcos-artifactd serves it.
	run netns_run '
		start_artifactd "$STORE" 18071
		cd "$STORE"
		for f in $(find . -type f) /; do
			curl -sS -D "$SCRATCH/head" -o "$SCRATCH/body" \
			    -w "%{http_code}\n" "http://127.0.0.1:18071/${f#./}" \
			    >> "$SCRATCH/codes"
			cat "$SCRATCH/head" "$SCRATCH/body" >> "$SCRATCH/served"
		done
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	cat "$SCRATCH/codes"
	[ "$(grep -cx 200 "$SCRATCH/codes")" -eq "$(find "$STORE" -type f | wc -l)" ]
	[ "$(tail -n 1 "$SCRATCH/codes")" = 404 ]
	! grep -qaF "$SECRET" "$SCRATCH/served" || false
}

@test "serve --user: a bundle is for the store's group; a user outside it is refused with the chgrp to run, one inside it serves the bundle; a mirror keeps it 0640" {
	need curl
	S=$SCRATCH/store
	cp -a "$STORE" "$S"
	b=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest[7:]' "$CM")
	# generate gives a bundle the group of the store's directory.
	grp=$(id -gn nobody)
	cp -a "$SITE" "$SCRATCH/site"
	chgrp "$grp" "$SCRATCH/site/genconf/serve"
	sed -i 's/^aws_secret_access_key: .*/aws_secret_access_key: Other-Secret-7/' \
	    "$SCRATCH/site/genconf/config.yaml"
	(cd "$SCRATCH/site" && "$GENCONF" -q generate)
	s2=$SCRATCH/site/genconf/serve
	cm2=$s2/blobs/sha256/$(jq -r '.current[7:]' "$s2/index.json")
	b2=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest[7:]' "$cm2")
	[ "$b2" != "$b" ]
	[ "$(stat -c '%G %a' "$s2/blobs/sha256/$b2")" = "$grp 640" ]
	run "$ARTIFACTD" serve -r "$S" -l 127.0.0.1:18072 --user nobody
	[ "$status" -ne 0 ]
	[[ "$output" == *"blobs/sha256/$b: not readable by nobody"*"'chgrp -R GROUP $S' with the user in GROUP"* ]]
	chgrp -R "$grp" "$S"
	"$ARTIFACTD" serve -r "$S" -l 127.0.0.1:18072 --user nobody \
	    > "$SCRATCH/serve.log" 2>&1 3>&- &
	pid=$!
	wait_until 20 curl -fso /dev/null http://127.0.0.1:18072/index.json
	code=$(curl -s -o "$SCRATCH/bundle" -w '%{http_code}' \
	    "http://127.0.0.1:18072/blobs/sha256/$b")
	# A mirror keeps a bundle 0640 too.
	mrc=0
	"$ARTIFACTD" -q mirror -k "$FILE_SCRATCH/vendor.pub" \
	    http://127.0.0.1:18072 "$SCRATCH/mirror" || mrc=$?
	kill "$pid"
	wait "$pid" || true
	[ "$code" = 200 ]
	cmp "$SCRATCH/bundle" "$S/blobs/sha256/$b"
	[ "$mrc" -eq 0 ]
	[ "$(stat -c %a "$SCRATCH/mirror/blobs/sha256/$b")" = 640 ]
	[ "$(stat -c %a "$SCRATCH/mirror/index.json")" = 644 ]
}

@test "dcos_install.sh --site-key: the master gets its secret 0600 and verify audits it unprinted; a slave gets no key, bundle or secret" {
	need curl dash
	cp "$SITE/genconf/site.key" "$SCRATCH/key"
	chmod 0644 "$SCRATCH/key"	# the script installs it 0600
	mkdir "$SCRATCH/M" "$SCRATCH/S"
	run netns_run '
		start_artifactd "$STORE" 18071
		curl -fsS http://127.0.0.1:18071/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/M" --site-key "$SCRATCH/key" --keep-cache master
		curl -fsS http://127.0.0.1:18071/dcos_install.sh |
		    dash -s -- --root "$SCRATCH/S" --keep-cache slave
		stop_artifactd' </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking site key: PASS"* ]]
	! [[ "$output" == *"$SECRET"* ]] || false
	M=$SCRATCH/M S=$SCRATCH/S
	[ "$(stat -c %a "$M/etc/mesosphere/site.key")" = 600 ]
	cmp "$SITE/genconf/site.key" "$M/etc/mesosphere/site.key"
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$M/opt/mesosphere/etc/exhibitor"
	[ "$(stat -L -c %a "$M/opt/mesosphere/etc/exhibitor")" = 600 ]
	[ "$(stat -L -c %a "$M/opt/mesosphere/current/secrets.json")" = 600 ]
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
	# The kept cache is root's only, dirs and files.
	[ -z "$(find "$M/var/lib/dcos/bootstrap/cache" -type d ! -perm 700)" ]
	[ -z "$(find "$M/var/lib/dcos/bootstrap/cache/blobs" -type f ! -perm 600)" ]
	# repair builds the generation's tree again around its secret
	# files, which it keeps as they are (it has no key to open them).
	ln -sfn /nowhere "$M/opt/mesosphere/generations/1/etc/dcos-service-configuration.json"
	run "$BOOTSTRAP" repair --root "$M"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"its link farm, units and environment files built again"* ]]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$M/opt/mesosphere/etc/exhibitor"
	[ "$(stat -L -c %a "$M/opt/mesosphere/etc/exhibitor")" = 600 ]
	[ "$(stat -L -c %a "$M/opt/mesosphere/current/secrets.json")" = 600 ]
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 0 ]
	# An altered secret file is found, by digest, and not printed.
	g=$(readlink -f "$M/opt/mesosphere/etc/exhibitor")
	sed -i "s/$SECRET/Other-Secret/" "$g"
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed: /opt/mesosphere/generations/1/etc/exhibitor (differs from its secrets bundle)"* ]]
	! [[ "$output" == *Secret* ]] || false
	# The slave: nothing of it, not even the sealed bundle.
	bundle=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest[7:]' "$CM")
	[ -z "$(find "$S" -name "$bundle")" ]
	[ -e "$S/var/lib/dcos/bootstrap/cache/blobs/sha256/$(jq -r '.config_package.digest[7:]' "$CM")" ]
	[ ! -e "$S/etc/mesosphere/site.key" ]
	[ ! -e "$S/opt/mesosphere/etc/exhibitor" ]
	! grep -rqaF "$SECRET" "$S" || false
	run "$BOOTSTRAP" verify --root "$S"
	[ "$status" -eq 0 ]
}

@test "a master without the key, with a wrong key, a key others can read or an altered bundle is refused before anything changes" {
	M=$SCRATCH/M
	new_root "$M"
	# preflight says how to provide the key, in one line.
	run "$BOOTSTRAP" preflight "$CM" --cache "$STORE" --root "$M" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"Checking site key: FAIL (role master has a sealed secrets bundle and $M/etc/mesosphere/site.key does not exist: copy the bootstrap node's genconf/site.key there (mode 0600; dcos-genconf deploy does it over ssh), or give dcos_install.sh --site-key FILE)"* ]]
	before=$(tree "$M")
	run "$BOOTSTRAP" install "$CM" --cache "$STORE" --root "$M" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"role master has a sealed secrets bundle and $M/etc/mesosphere/site.key does not exist"* ]]
	[ "$(tree "$M")" = "$before" ]
	# Another site's key.
	mkdir -p "$SCRATCH/other/genconf" "$M/etc/mesosphere"
	(cd "$SCRATCH/other" && "$GENCONF" -q keygen --site)
	cp "$SCRATCH/other/genconf/site.key" "$M/etc/mesosphere/site.key"
	before=$(tree "$M")
	run "$BOOTSTRAP" install "$CM" --cache "$STORE" --root "$M" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"the secrets bundle of role master"*"sealed to site key "*", but this site key is "* ]]
	[ "$(tree "$M")" = "$before" ]
	# The right key, readable by others.
	cp "$SITE/genconf/site.key" "$M/etc/mesosphere/site.key"
	chmod 0644 "$M/etc/mesosphere/site.key"
	before=$(tree "$M")
	run "$BOOTSTRAP" install "$CM" --cache "$STORE" --root "$M" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"site.key must be a regular file of this user with mode 0600 (it is 0644)"* ]]
	[ "$(tree "$M")" = "$before" ]
	# The right key, and a bundle altered in the cache.
	chmod 0600 "$M/etc/mesosphere/site.key"
	cp -R "$STORE" "$SCRATCH/cache"
	b=$SCRATCH/cache/blobs/sha256/$(jq -r '.blobs[] | select(.kind == "secrets") | .digest[7:]' "$CM")
	flip_byte "$b" 60
	before=$(tree "$M")
	run "$BOOTSTRAP" install "$CM" --cache "$SCRATCH/cache" --root "$M" --role master
	[ "$status" -eq 1 ]
	[[ "$output" == *"$b"* ]]
	[ "$(tree "$M")" = "$before" ]
	# With the bundle as generated, it installs.
	run "$BOOTSTRAP" install "$CM" --cache "$STORE" --root "$M" --role master
	[ "$status" -eq 0 ]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$M/opt/mesosphere/etc/exhibitor"
}

@test "rotation: a changed secret is a new config id, a new site key a new bundle; the master upgrades to both" {
	cp -R "$SITE" "$SCRATCH/site"
	cd "$SCRATCH/site"
	id1=$(jq -r .config_id "$CM")
	b1=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest' "$CM")
	# The same inputs give the same store: sealing is deterministic.
	"$GENCONF" -q generate > /dev/null
	[ "$(jq -r .current genconf/serve/index.json)" = "$(jq -r .current "$STORE/index.json")" ]
	M=$SCRATCH/M
	new_root "$M"
	mkdir -p "$M/etc/mesosphere"
	cp genconf/site.key "$M/etc/mesosphere/site.key"
	S=genconf/serve
	cur() { echo "$S/blobs/sha256/$(jq -r '.current[7:]' "$S/index.json")"; }
	"$BOOTSTRAP" -q install "$(cur)" --cache "$S" --root "$M" --role master > /dev/null
	sed -i "s/^aws_secret_access_key: .*/aws_secret_access_key: Rotated-Secret-7/" genconf/config.yaml
	"$GENCONF" -q generate > /dev/null
	[ "$(jq -r .config_id "$(cur)")" != "$id1" ]
	"$BOOTSTRAP" -q install "$(cur)" --cache "$S" --root "$M" --role master > /dev/null
	grep -qx "AWS_SECRET_ACCESS_KEY=Rotated-Secret-7" "$M/opt/mesosphere/etc/exhibitor"
	id2=$(jq -r .config_id "$(cur)")
	b2=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest' "$(cur)")
	"$GENCONF" -q keygen --site --force
	"$GENCONF" -q generate > /dev/null
	[ "$(jq -r .config_id "$(cur)")" = "$id2" ]
	[ "$(jq -r '.blobs[] | select(.kind == "secrets") | .digest' "$(cur)")" != "$b2" ]
	[ "$b1" != "$b2" ]
	# The old key cannot open the new bundle; with the new key it installs.
	run "$BOOTSTRAP" install "$(cur)" --cache "$S" --root "$M" --role master
	[ "$status" -eq 1 ]
	cp genconf/site.key "$M/etc/mesosphere/site.key"
	run "$BOOTSTRAP" install "$(cur)" --cache "$S" --root "$M" --role master
	[ "$status" -eq 0 ]
	[[ "$output" == "generation 3 active"* ]]
}

# The owner site's store ($OWN, its cluster manifest $ocm) and a master
# root $M with its site key.
own_master() {
	OWN=$FILE_SCRATCH/own/site/genconf/serve
	ocm=$OWN/blobs/sha256/$(jq -r '.current[7:]' "$OWN/index.json")
	M=$SCRATCH/M
	new_root "$M"
	mkdir -p "$M/etc/mesosphere"
	cp "$FILE_SCRATCH/own/site/genconf/site.key" "$M/etc/mesosphere/site.key"
}

# The uid and gid of user $2 in the host root $1's own passwd.
ids_of() {
	awk -F: -v u="$2" '$1 == u { print $3 ":" $4 }' "$1/etc/passwd"
}

@test "owner: the master's secret file is 0600 and its template's user's, by the root's passwd; verify audits the owner; a killed install finishes it" {
	own_master
	# Killed once the generation is built, before it is activated: the
	# file is root's; the install run again gives it to its owner.
	run env DCOS_BOOTSTRAP_CRASH_AT=built "$BOOTSTRAP" install "$ocm" \
	    --cache "$OWN" --root "$M" --role master
	[ "$status" -ne 0 ]
	[ "$(stat -c %u "$M/opt/mesosphere/generations/1/etc/exhibitor")" = 0 ]
	run "$BOOTSTRAP" install "$ocm" --cache "$OWN" --root "$M" --role master
	echo "$output"
	[ "$status" -eq 0 ]
	ids=$(ids_of "$M" dcos_exhibitor)
	[ -n "$ids" ] && [ "${ids%%:*}" != 0 ]
	! grep -q dcos_exhibitor /etc/passwd || false	# the root's, not ours
	[ "$(stat -L -c '%u:%g %a' "$M/opt/mesosphere/etc/exhibitor")" = "$ids 600" ]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$M/opt/mesosphere/etc/exhibitor"
	jq -e '.files[0].owner == "dcos_exhibitor"' "$M/opt/mesosphere/current/secrets.json"
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 0 ]
	# Given back to root: verify says so, activate gives it again.
	chown 0:0 "$M/opt/mesosphere/generations/1/etc/exhibitor"
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 1 ]
	[[ "$output" == *"changed: /opt/mesosphere/generations/1/etc/exhibitor (owner 0:0, not dcos_exhibitor ($ids))"* ]]
	! [[ "$output" == *Secret* ]] || false
	"$BOOTSTRAP" -q activate --root "$M" --no-start
	[ "$(stat -L -c '%u:%g' "$M/opt/mesosphere/etc/exhibitor")" = "$ids" ]
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 0 ]
}

@test "owner: release refuses a malformed one, generate one no package declares or on a file without a secret, each in one line" {
	cd "$SCRATCH"
	run owner_release bad Dcos-Exhibitor
	[ "$status" -ne 0 ]
	[[ "$output" == *"exhibitor.yaml:"*"etc_master/exhibitor: owner 'Dcos-Exhibitor' must be root or 'dcos_' followed by a-z, 0-9 and '_'"* ]]
	owner_release und dcos_exhibitor dcos_other
	cp -R "$SITE" site
	rm -rf site/genconf/serve site/dcos-*.tar*
	cp und/dcos-*.tar* site/
	cd site
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	one_line
	[ "$output" = "dcos-genconf: error: config package file etc_master/exhibitor: owner dcos_exhibitor is a user no package of the release declares (pkginfo.json username), so no host would have it: give the template the user of the package that reads the file, or root" ]
	[ ! -e genconf/serve/index.json ]
	# Without the secret the file is the config package's, root's.
	sed -i -e '/^exhibitor_storage_backend:/,$d' genconf/config.yaml
	echo 'exhibitor_storage_backend: static' >> genconf/config.yaml
	run "$GENCONF" generate
	[ "$status" -eq 1 ]
	[[ "$output" == *"etc_master/exhibitor: owner dcos_exhibitor: only a file that holds a secret (secret: true, or a secret the site set) has an owner"* ]]
	[ ! -e genconf/serve/index.json ]
}

@test "repair puts a drifted secret file back from its bundle with mode and owner; without the key it says how to give it and changes nothing" {
	own_master
	"$BOOTSTRAP" -q install "$ocm" --cache "$OWN" --root "$M" --role master > /dev/null
	ids=$(ids_of "$M" dcos_exhibitor)
	g=$M/opt/mesosphere/generations/1/etc/exhibitor
	sed -i "s/$SECRET/Other-Secret/" "$g"
	chmod 0644 "$g"
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 1 ]
	# A cache without the bundle: the line dcos_install.sh --repair
	# fetches from; nothing changes.
	cp -R "$OWN" "$SCRATCH/cache"
	bundle=$(jq -r '.blobs[] | select(.kind == "secrets") | .digest' "$ocm")
	rm "$SCRATCH/cache/blobs/sha256/${bundle#sha256:}"
	before=$(tree "$M")
	run "$BOOTSTRAP" repair --root "$M" --cache "$SCRATCH/cache"
	[ "$status" -eq 1 ]
	[[ "$output" == *"repair: the secrets bundle of role master needs blob $bundle ("*" bytes), not in $SCRATCH/cache: fetch it into $SCRATCH/cache/blobs/sha256/ and run repair again"* ]]
	[[ "$output" == *"nothing repaired: 1 blob(s) missing"* ]]
	[ "$(tree "$M")" = "$before" ]
	# Without the site key: one line that says where it goes; nothing changes.
	mv "$M/etc/mesosphere/site.key" "$SCRATCH/key"
	before=$(tree "$M")
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"1 secret file(s) of generation 1 drifted and cannot be put back, nothing changed: role master has a sealed secrets bundle and $M/etc/mesosphere/site.key does not exist: copy the bootstrap node's genconf/site.key there (mode 0600"* ]]
	[ "$(tree "$M")" = "$before" ]
	# With it: back, 0600, its owner's, journaled; verify is clean.
	mv "$SCRATCH/key" "$M/etc/mesosphere/site.key"
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: etc/exhibitor put back from its secrets bundle"* ]]
	! [[ "$output" == *Secret* ]] || false
	[ "$(stat -c '%u:%g %a' "$g")" = "$ids 600" ]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$g"
	grep -q 'restored secret file .*generations/1/etc/exhibitor from its secrets bundle' "$M/var/lib/dcos/bootstrap/journal"
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
	# A clean host needs no key to repair.
	mv "$M/etc/mesosphere/site.key" "$SCRATCH/key"
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	[ "$status" -eq 0 ]
}

@test "repair refuses, changing nothing, when the generation's record of secret files is gone (review #1)" {
	own_master
	"$BOOTSTRAP" -q install "$ocm" --cache "$OWN" --root "$M" --role master > /dev/null
	rm "$M/opt/mesosphere/generations/1/secrets.json"
	before=$(tree "$M")
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	echo "$output"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"generation 1: its record of secret files (secrets.json) is missing, so which secret files it holds is unknown: nothing repaired; reinstall"* ]]
	[ "$(tree "$M")" = "$before" ]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$M/opt/mesosphere/etc/exhibitor"
	# verify reports it too, by the cluster manifest in the host's cache.
	mkdir -p "$M/var/lib/dcos/bootstrap/cache/blobs/sha256"
	cp "$ocm" "$M/var/lib/dcos/bootstrap/cache/blobs/sha256/"
	run "$BOOTSTRAP" verify --root "$M"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"missing: /opt/mesosphere/generations/1/secrets.json"* ]]
}

@test "repair with the generation's etc a symlink out of the root writes, chowns and deletes nothing there; the tree ends clean (review #2, #3)" {
	own_master
	"$BOOTSTRAP" -q install "$ocm" --cache "$OWN" --root "$M" --role master > /dev/null
	ids=$(ids_of "$M" dcos_exhibitor)
	out=$SCRATCH/outside
	mkdir -p "$out"
	echo decoy > "$out/exhibitor"
	gen=$M/opt/mesosphere/generations/1
	rm -rf "$gen/etc"
	ln -s "$out" "$gen/etc"
	# verify and activate read and chown nothing there.
	run "$BOOTSTRAP" verify --root "$M"
	[ "$status" -eq 1 ]
	"$BOOTSTRAP" -q activate --root "$M" --no-start || true
	[ "$(stat -c '%u:%g %a' "$out/exhibitor")" = "0:0 644" ]
	# repair deletes nothing there (a directory in the secret's place).
	rm "$out/exhibitor"
	mkdir -p "$out/exhibitor/keep"
	echo decoy > "$out/exhibitor/keep/file"
	before=$(tree "$out")
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	echo "$output"
	[ "$(tree "$out")" = "$before" ]
	[ "$(stat -c %u "$out/exhibitor/keep/file")" = "$(id -u)" ]
	[ "$status" -eq 0 ]
	[ ! -L "$gen/etc" ]
	[ "$(stat -c '%u:%g %a' "$gen/etc/exhibitor")" = "$ids 600" ]
	grep -qx "AWS_SECRET_ACCESS_KEY=$SECRET" "$gen/etc/exhibitor"
	run "$BOOTSTRAP" verify --root "$M"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "repair with the generation's etc a regular file: one repair ends clean (review #3)" {
	own_master
	"$BOOTSTRAP" -q install "$ocm" --cache "$OWN" --root "$M" --role master > /dev/null
	ids=$(ids_of "$M" dcos_exhibitor)
	gen=$M/opt/mesosphere/generations/1
	rm -rf "$gen/etc"
	echo junk > "$gen/etc"
	run "$BOOTSTRAP" repair --root "$M" --cache "$OWN"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"repair: etc/exhibitor put back from its secrets bundle"* ]]
	[ "$(stat -c '%u:%g %a' "$gen/etc/exhibitor")" = "$ids 600" ]
	run "$BOOTSTRAP" verify --root "$M"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *": clean" ]]
}

@test "owner: a passwd line of the owner without its uid field is one clear error and nothing is chowned (review #4)" {
	own_master
	printf 'dcos_exhibitor:x\nother:x:77:77::/:/bin/sh\n' >> "$M/etc/passwd"
	before=$(cat "$M/etc/passwd")
	run "$BOOTSTRAP" install "$ocm" --cache "$OWN" --root "$M" --role master
	echo "$output"
	[ "$status" -ne 0 ]
	one_line
	[[ "$output" == *"$M/etc/passwd: the line of dcos_exhibitor has no valid numeric id fields (name:password:uid:gid:...): fix that line"* ]]
	[ "$(cat "$M/etc/passwd")" = "$before" ]
	[ -z "$(find "$M" ! -user 0 -o ! -group 0 | head -1)" ]
	# A failed first install leaves no journal (t0540's rule)...
	[ ! -e "$M/var/lib/dcos/bootstrap/journal" ]
	# ...an installed host journals the refusal before the switch (review #7).
	sed -i '/^dcos_exhibitor:x$/d' "$M/etc/passwd"
	"$BOOTSTRAP" -q install "$ocm" --cache "$OWN" --root "$M" --role master
	printf 'dcos_exhibitor:x\n' >> "$M/etc/passwd"
	sed -i '/^dcos_exhibitor:x:[0-9]/d' "$M/etc/passwd"
	run "$BOOTSTRAP" activate --root "$M"
	echo "$output"
	[ "$status" -ne 0 ]
	grep -q '"refuse".*refused before the switch: .*the line of dcos_exhibitor has no valid' "$M/var/lib/dcos/bootstrap/journal"
}

@test "two roles' bundles that give one file another mode or owner: install refuses in one line naming the file and both bundles, and changes nothing" {
	cd "$SCRATCH"
	# etc_slave/clash and etc_slave_public/clash are both etc/clash on
	# a host of both roles: the same secret, not the same mode or owner.
	cat > clash.yaml <<-'EOF2'
	package:
	  - path: etc_slave/clash
	    permissions: "0600"
	    secret: true
	    content: "the same secret"
	  - path: etc_slave_public/clash
	    permissions: "0400"
	    owner: dcos_exhibitor
	    secret: true
	    content: "the same secret"
	EOF2
	owner_release clash dcos_exhibitor dcos_exhibitor "$SCRATCH/clash.yaml"
	cp -R "$SITE" site
	rm -rf site/genconf/serve site/dcos-*.tar*
	cp clash/dcos-*.tar* site/
	(cd site && "$GENCONF" -q generate)
	S=$SCRATCH/site/genconf/serve
	ccm=$S/blobs/sha256/$(jq -r '.current[7:]' "$S/index.json")
	[ "$(jq -c '[.blobs[] | select(.kind == "secrets") | .role]' "$ccm")" = '["master","slave","slave_public"]' ]
	M=$SCRATCH/M
	new_root "$M"
	mkdir -p "$M/etc/mesosphere"
	cp site/genconf/site.key "$M/etc/mesosphere/site.key"
	before=$(tree "$M")
	run "$BOOTSTRAP" install "$ccm" --cache "$S" --root "$M" --role slave,slave_public
	one_line
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-bootstrap: error: etc/clash: the secrets bundle of role slave gives it as etc_slave/clash and the one of role slave_public as etc_slave_public/clash, with modes 0600 and 0400, owners root and dcos_exhibitor: a host has one etc/clash, so make the templates give both the same contents, mode and owner, or different paths" ]
	[ "$(tree "$M")" = "$before" ]
	# Each role alone takes its own.
	"$BOOTSTRAP" -q install "$ccm" --cache "$S" --root "$M" --role slave_public > /dev/null
	[ "$(stat -L -c %a "$M/opt/mesosphere/etc/clash")" = 400 ]
}
