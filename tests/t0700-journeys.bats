#!/usr/bin/env bats
# The three user journeys of README.md's guides, end to end with the real
# programs: the sample release and site compiled by dcos-genconf generate,
# dcos-artifactd and stock nginx on loopback, hosts installed by the
# generated dcos_install.sh under dash.  Every host and server runs in a
# network namespace with only loopback (netns_run), so fixed ports are free
# and no packet can leave.
#   1. hosts curling the script: 20 hosts at once from one server;
#   2. an air-gapped site: a mirror checked by fsck (and repaired when
#      damaged), served by dcos-artifactd and by nginx with the guide's
#      configuration; the original script with --mirror; --download-only
#      carried by hand to --offline;
#   3. image bakers: a baked image activated at first boot with no
#      network, and an image whose role is chosen at first boot.

# SPDX-License-Identifier: Apache-2.0
load lib
load script
load journeys

setup_file() {
	FILE_SCRATCH=$(mktemp -d)
	chmod 755 "$FILE_SCRATCH"
	export FILE_SCRATCH
	cd "$FILE_SCRATCH"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r1 vendor.key >/dev/null
	# The site's bootstrap node answers at 127.0.0.1:18080.
	make_site site http://127.0.0.1:18080 r1
	# A site generated for its air gap: bootstrap_url names the server
	# inside the air gap (127.0.0.1:18081), not the one it is copied from.
	make_site airgap http://127.0.0.1:18081 r1
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need curl dash busybox unshare ip jq nginx chroot
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export SCRATCH
	STORE="$FILE_SCRATCH/site/genconf/serve"
	AIRGAP="$FILE_SCRATCH/airgap/genconf/serve"
	KEY="$FILE_SCRATCH/vendor.pub"
	export STORE AIRGAP KEY
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

# host_ok ROOT ROLE: status names generation 1 of the sample release with
# ROLE and an intact journal; verify finds every file as its package says.
host_ok() {
	run "$BOOTSTRAP" status --root "$1"
	[ "$status" -eq 0 ] || { echo "$1: status: $output"; return 1; }
	[[ "$output" == *"generation:  1"* ]] || { echo "$1: $output"; return 1; }
	[[ "$output" == *"roles:       $2"* ]] || { echo "$1: $output"; return 1; }
	[[ "$output" == *"release:     dcos 1.0.0 (seq 1)"* ]] ||
		{ echo "$1: $output"; return 1; }
	run "$BOOTSTRAP" verify --root "$1"
	[ "$status" -eq 0 ] || { echo "$1: verify: $output"; return 1; }
	[ -f "$1/etc/mesosphere/roles/$2" ]
}

@test "20 hosts curling the script from one dcos-artifactd install at once; each status and verify is clean" {
	run journey '
		start_artifactd "$STORE" 18080
		roles=(master slave slave_public)
		pids=()
		for i in $(seq 1 20); do
			mkdir "$SCRATCH/h$i"
			curl_sh http://127.0.0.1:18080 --root "$SCRATCH/h$i" \
			    "${roles[i % 3]}" > "$SCRATCH/h$i.log" 2>&1 &
			pids[i]=$!
		done
		failed=0
		for i in $(seq 1 20); do
			wait "${pids[i]}" || {
				echo "host $i failed:"
				cat "$SCRATCH/h$i.log"
				failed=$((failed + 1))
			}
		done
		curl -fsS http://127.0.0.1:18080/metrics > "$SCRATCH/metrics"
		stop_artifactd
		[ "$failed" -eq 0 ]'
	echo "$output"
	[ "$status" -eq 0 ]
	roles=(master slave slave_public)
	for i in $(seq 1 20); do
		host_ok "$SCRATCH/h$i" "${roles[i % 3]}"
		grep -q "^dcos_install.sh: cluster demo (dcos-1.0.0) is installed here as role(s): ${roles[i % 3]}\$" \
		    "$SCRATCH/h$i.log"
	done
	# Each host fetched the script, dcos-bootstrap, the cluster manifest
	# and each of its blobs exactly once, and nothing failed.
	cm=$(jq -r '.current[7:]' "$STORE/index.json")
	per_host=$(($(jq '[.blobs[] | select((.platform // "linux") == "linux")] | length' "$STORE/blobs/sha256/$cm") + 3))
	cat "$SCRATCH/metrics"
	grep -qx "dcos_artifactd_requests_total{code=\"200\"} $((20 * per_host))" "$SCRATCH/metrics"
	! grep -E '^dcos_artifactd_requests_total\{code="([^2]..|other)"\} [1-9]' "$SCRATCH/metrics"
	# They overlapped: more than one connection was open at a time.
	max=$(sed -n 's/^dcos_artifactd_open_connections_max //p' "$SCRATCH/metrics")
	[ "$max" -gt 1 ]
}

@test "air gap: a store mirrored from a server on port 0 onto a disk and on into the served directory is fsck-clean; dcos-artifactd and stock nginx (the guide's config) both serve it to hosts" {
	run journey '
		# Outside: the site store on a server with a port of its own,
		# mirrored onto a disk.
		start_server --root "$AIRGAP"
		"$ARTIFACTD" mirror -k "$KEY" "$URL" "$SCRATCH/disk"
		stop_server
		# Inside: the disk is checked, then mirrored (verified again,
		# index.json last) into the directory that is served.
		"$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/disk"
		start_server --root "$SCRATCH/disk"
		"$ARTIFACTD" mirror -k "$KEY" "$URL" "$SCRATCH/mirror"
		stop_server
		"$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/mirror"
		# Inside: dcos-artifactd at the bootstrap_url the site chose.
		start_artifactd "$SCRATCH/mirror" 18081
		for f in index.json dcos_install.sh releases/dcos-1.0.0.tar.minisig \
		    "blobs/sha256/$(jq -r ".current[7:]" "$SCRATCH/mirror/index.json")"; do
			curl -fsSI "http://127.0.0.1:18081/$f" |
			    grep -i "^cache-control:" > "$SCRATCH/cc-artifactd-${f##*/}"
		done
		mkdir "$SCRATCH/R1"
		curl_sh http://127.0.0.1:18081 --root "$SCRATCH/R1" master
		stop_artifactd
		! curl -fsS http://127.0.0.1:18081/index.json
		# Then stock nginx with the guide'"'"'s server block at the same
		# address, for the next host.
		NGINX_FIXED_PORT=18081 nginx_start "$SCRATCH/mirror" "$(guide_nginx_locations)"
		for f in index.json dcos_install.sh releases/dcos-1.0.0.tar.minisig \
		    "blobs/sha256/$(jq -r ".current[7:]" "$SCRATCH/mirror/index.json")"; do
			curl -fsSI "http://127.0.0.1:18081/$f" |
			    grep -i "^cache-control:" > "$SCRATCH/cc-nginx-${f##*/}"
		done
		for p in / /.partial/ /blobs/sha256/ /nginx.conf; do
			echo "$p $(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:18081$p")"
		done > "$SCRATCH/nginx-hidden"
		mkdir "$SCRATCH/R2"
		curl_sh http://127.0.0.1:18081 --root "$SCRATCH/R2" slave
		cp "$NGINX_LOG" "$SCRATCH/nginx-access.log"
		nginx_stop_all'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"dcos_install.sh: cluster demo (dcos-1.0.0) is installed here as role(s): master"* ]]
	host_ok "$SCRATCH/R1" master
	host_ok "$SCRATCH/R2" slave
	# The second host got dcos-bootstrap, the cluster manifest and each
	# of its blobs from nginx (the header checks above used HEAD).
	cm=$(jq -r '.current[7:]' "$SCRATCH/mirror/index.json")
	blobs=$(($(jq '[.blobs[] | select((.platform // "linux") == "linux")] | length' "$SCRATCH/mirror/blobs/sha256/$cm") + 2))
	[ "$(grep -c '^GET /blobs/sha256/[0-9a-f]* HTTP/1.1 200 ' "$SCRATCH/nginx-access.log")" -eq "$blobs" ]
	# nginx sends the caching headers dcos-artifactd sends: blobs are
	# immutable, the rest is revalidated.
	cm=$(jq -r '.current[7:]' "$SCRATCH/mirror/index.json")
	grep -qi '^cache-control: public, max-age=31536000, immutable' "$SCRATCH/cc-nginx-$cm"
	grep -qi '^cache-control: no-cache' "$SCRATCH/cc-nginx-index.json"
	for f in index.json dcos_install.sh dcos-1.0.0.tar.minisig "$cm"; do
		diff <(tr -d '\r' < "$SCRATCH/cc-artifactd-$f" | tr A-Z a-z) \
		    <(tr -d '\r' < "$SCRATCH/cc-nginx-$f" | tr A-Z a-z)
	done
	# No listings, no partial downloads, nothing but the store.
	printf '/ 404\n/.partial/ 404\n/blobs/sha256/ 404\n/nginx.conf 404\n' |
	    diff - "$SCRATCH/nginx-hidden"
}

@test "air gap: a copy damaged in transit fails fsck, naming the blob; mirror --verify-existing fetches it again" {
	run journey '
		start_server --root "$AIRGAP"
		"$ARTIFACTD" mirror -q -k "$KEY" "$URL" "$SCRATCH/disk"
		# One flipped byte in the largest package blob.
		cm=$(jq -r ".current[7:]" "$SCRATCH/disk/index.json")
		hex=$(jq -r "[.blobs[] | select(.kind == \"package\")] | max_by(.size) | .digest[7:]" \
		    "$SCRATCH/disk/blobs/sha256/$cm")
		echo "$hex" > "$SCRATCH/damaged"
		flip_byte "$SCRATCH/disk/blobs/sha256/$hex" 1000
		if "$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/disk" > "$SCRATCH/fsck.out" 2>&1; then
			echo "fsck passed a damaged copy"
			exit 1
		fi
		"$ARTIFACTD" mirror -q --verify-existing -k "$KEY" "$URL" "$SCRATCH/disk"
		stop_server
		"$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/disk"'
	echo "$output"
	cat "$SCRATCH/fsck.out"
	[ "$status" -eq 0 ]
	hex=$(cat "$SCRATCH/damaged")
	grep -q "^blobs/sha256/$hex: digest sha256:[0-9a-f]\{64\} where sha256:$hex is pinned (corrupt or tampered blob; delete it and fetch it again" "$SCRATCH/fsck.out"
	# The release the store holds once no longer rebuilds to its digest.
	grep -q "^releases/dcos-1.0.0.tar: .*the recipe or a blob is damaged" "$SCRATCH/fsck.out"
	grep -q "2 problems found" "$SCRATCH/fsck.out"
	cmp "$SCRATCH/disk/blobs/sha256/$hex" "$AIRGAP/blobs/sha256/$hex"
}

@test "air gap: the original script with --mirror installs from the mirror served by nginx while its bootstrap_url is down" {
	run journey '
		start_server --root "$STORE"
		"$ARTIFACTD" mirror -k "$KEY" "$URL" "$SCRATCH/mirror"
		stop_server
		"$ARTIFACTD" fsck -k "$KEY" "$SCRATCH/mirror"
		nginx_start "$SCRATCH/mirror" "$(guide_nginx_locations)"
		# Nothing answers at bootstrap_url (127.0.0.1:18080).
		! curl -fsS http://127.0.0.1:18080/index.json
		mkdir "$SCRATCH/R"
		DCOS_RETRIES=1 curl_sh "$NGINX_URL" --mirror "$NGINX_URL" \
		    --root "$SCRATCH/R" slave_public
		nginx_stop_all'
	echo "$output"
	[ "$status" -eq 0 ]
	host_ok "$SCRATCH/R" slave_public
}

@test "air gap: --download-only copied by hand (cp -a) installs with --offline while no server runs" {
	run journey '
		start_artifactd "$STORE" 18080
		curl -fsS -o "$SCRATCH/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$SCRATCH/dcos_install.sh" --download-only "$SCRATCH/outside/dcos"
		cp "$SCRATCH/dcos_install.sh" "$SCRATCH/outside/"
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	# By hand: onto the medium, off it on the other side.
	cp -a "$SCRATCH/outside" "$SCRATCH/usb"
	cp -a "$SCRATCH/usb" "$SCRATCH/inside"
	rm -rf "$SCRATCH/outside" "$SCRATCH/usb"
	mkdir "$SCRATCH/R"
	run journey '
		# No socket listens anywhere in this namespace.
		[ "$(wc -l < /proc/net/tcp)" -eq 1 ] && [ "$(wc -l < /proc/net/tcp6)" -eq 1 ]
		dash "$SCRATCH/inside/dcos_install.sh" --root "$SCRATCH/R" \
		    --offline "$SCRATCH/inside/dcos" master'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ip-detect: PASS (10.0.0.5)"* ]]
	host_ok "$SCRATCH/R" master
}

@test "image: baked with --root IMAGE --no-start master, then first boot without network activates and starts dcos.target" {
	IMAGE="$SCRATCH/image"
	export IMAGE
	make_image "$IMAGE"
	run journey '
		start_artifactd "$STORE" 18080
		curl -fsS -o "$SCRATCH/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$SCRATCH/dcos_install.sh" --root "$IMAGE" --no-start master
		# The guide: the dcos-bootstrap the script pins, into the image.
		hex=$(pinned_bootstrap "$SCRATCH/dcos_install.sh")
		curl -fsS -o "$SCRATCH/dcos-bootstrap" "http://127.0.0.1:18080/blobs/sha256/$hex"
		echo "$hex  $SCRATCH/dcos-bootstrap" | sha256sum -c --quiet
		install -m 0755 "$SCRATCH/dcos-bootstrap" "$IMAGE/usr/sbin/dcos-bootstrap"
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	host_ok "$IMAGE" master
	# Baking started nothing and left no download cache in the image.
	[ ! -e "$IMAGE/var/log/systemctl.calls" ]
	[ ! -e "$IMAGE/var/lib/dcos/bootstrap/cache" ]
	[ -f "$IMAGE/etc/systemd/system/dcos.target" ]
	[ -L "$IMAGE/etc/systemd/system/dcos.target.wants/dcos-hello.service" ]
	# First boot: the image is /, systemd runs, no network, no server.
	run journey 'first_boot "$IMAGE" /usr/sbin/dcos-bootstrap activate'
	echo "$output"
	[ "$status" -eq 0 ]
	printf 'daemon-reload\nstart dcos.target\n' | diff - "$IMAGE/var/log/systemctl.calls"
	host_ok "$IMAGE" master
	# Once more, as a reboot would: same state, dcos.target started again.
	run journey 'first_boot "$IMAGE" /usr/sbin/dcos-bootstrap activate'
	[ "$status" -eq 0 ]
	[ "$(grep -c '^start dcos.target$' "$IMAGE/var/log/systemctl.calls")" -eq 2 ]
	run "$BOOTSTRAP" status --root "$IMAGE"
	[[ "$output" == *"generation:  1"* ]]
}

@test "image: a first-boot kit (script + --download-only) lets the role be chosen at first boot, offline, with preflight on the real host" {
	IMAGE="$SCRATCH/image"
	KIT=/var/lib/dcos/firstboot
	export IMAGE KIT
	make_image "$IMAGE"
	run journey '
		start_artifactd "$STORE" 18080
		mkdir -p "$IMAGE$KIT"
		curl -fsS -o "$IMAGE$KIT/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$IMAGE$KIT/dcos_install.sh" --download-only "$IMAGE$KIT"
		stop_artifactd'
	echo "$output"
	[ "$status" -eq 0 ]
	# The guide: dcos-bootstrap from the kit into the image.
	install -m 0755 "$IMAGE$KIT/blobs/sha256/$(pinned_bootstrap "$IMAGE$KIT/dcos_install.sh")" \
	    "$IMAGE/usr/sbin/dcos-bootstrap"
	# Baked: nothing installed yet.
	[ ! -e "$IMAGE/opt/mesosphere" ]
	# First boot: the role comes from the machine (here: slave).
	run journey 'first_boot "$IMAGE" sh "$KIT/dcos_install.sh" --offline "$KIT" slave'
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking systemd: PASS (systemd 252)"* ]]
	[[ "$output" == *"Checking ip-detect: PASS (10.0.0.5)"* ]]
	printf -- '--version\ndaemon-reload\nstart dcos.target\n' |
	    diff - "$IMAGE/var/log/systemctl.calls"
	host_ok "$IMAGE" slave
	# The unit of the guide removes the kit once the install succeeded;
	# on the next boot dcos-bootstrap activate starts dcos.target.
	rm -rf "${IMAGE:?}$KIT"
	run journey 'first_boot "$IMAGE" /usr/sbin/dcos-bootstrap activate'
	echo "$output"
	[ "$status" -eq 0 ]
	printf -- '--version\ndaemon-reload\nstart dcos.target\ndaemon-reload\nstart dcos.target\n' |
	    diff - "$IMAGE/var/log/systemctl.calls"
	host_ok "$IMAGE" slave
}

@test "image: dcos-bootstrap install from the baked kit with --role at first boot needs no network" {
	IMAGE="$SCRATCH/image"
	KIT=/var/lib/dcos/firstboot
	export IMAGE KIT
	make_image "$IMAGE"
	run journey '
		start_artifactd "$STORE" 18080
		mkdir -p "$IMAGE$KIT"
		curl -fsS -o "$IMAGE$KIT/dcos_install.sh" http://127.0.0.1:18080/dcos_install.sh
		dash "$IMAGE$KIT/dcos_install.sh" --download-only "$IMAGE$KIT"
		stop_artifactd'
	[ "$status" -eq 0 ]
	# The guide: the pinned dcos-bootstrap and the cluster manifest.
	bs=$(pinned_bootstrap "$IMAGE$KIT/dcos_install.sh")
	cm=$(sed -n "s/^[[:space:]]*CLUSTER_MANIFEST='sha256:\([0-9a-f]\{64\}\)'\$/\1/p" \
	    "$IMAGE$KIT/dcos_install.sh")
	[ -n "$bs" ] && [ -n "$cm" ]
	install -m 0755 "$IMAGE$KIT/blobs/sha256/$bs" "$IMAGE/usr/sbin/dcos-bootstrap"
	run journey 'first_boot "$IMAGE" /usr/sbin/dcos-bootstrap install \
	    --cache "$KIT" "$KIT/blobs/sha256/'"$cm"'" --role slave_public'
	echo "$output"
	[ "$status" -eq 0 ]
	printf 'daemon-reload\nstart dcos.target\n' | diff - "$IMAGE/var/log/systemctl.calls"
	host_ok "$IMAGE" slave_public
}
