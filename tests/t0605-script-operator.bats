#!/usr/bin/env bats
# dcos_install.sh as operators use it (issue 16): DC/OS's options, debugging
# with sh -x, downloads that survive a failure, file:// bootstrap URLs, a
# self-signed bootstrap node, quiet mirror failover, --repair, and the
# profile.d file.  The store is served by stock nginx on loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	script_store_setup
}

teardown() {
	stop_all_nginx
	cd /
	rm -rf "$SCRATCH"
}

@test "sh -x with standard error appended to a big log downloads every blob (the size cap is the download's alone)" {
	# The log is far past any blob's size: a file size limit that also
	# held for the shell's trace or curl's messages would kill them.
	head -c 2000000 /dev/zero > log
	for sh in dash "busybox ash"; do
		rm -rf dl
		# shellcheck disable=SC2086
		$sh -x "$SCRIPT" --download-only dl 2>> log
		cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
	done
	grep -q 'fetch_attempt' log
}

@test "a failed run keeps its partial download (0700) and the next run resumes it with a Range request" {
	# The server has only the first 100000 bytes of the big blob.
	mv "$STORE/blobs/sha256/$BIG_HEX" big
	head -c 100000 big > "$STORE/blobs/sha256/$BIG_HEX"
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	cache=R/var/lib/dcos/bootstrap/cache
	[[ "${lines[-2]}" == "dcos_install.sh: the downloads so far stay in $SCRATCH/$cache: the next run resumes them"* ]]
	[ "$(stat -c %s "$cache/blobs/sha256/$BIG_HEX.part")" -eq 100000 ]
	[ "$(stat -c %a "$cache")" = 700 ]
	mv big "$STORE/blobs/sha256/$BIG_HEX"
	: > "$SCRATCH/nginx-A/access.log"
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^206 /blobs/sha256/$BIG_HEX bytes=100000-$" "$SCRATCH/nginx-A/access.log"
	# Fetched once each: nothing the failed run had is asked again.
	run grep -c "^200 /blobs/sha256/$BOOTSTRAP_HEX" "$SCRATCH/nginx-A/access.log"
	[ "$output" = 0 ]
	# A successful install drops the cache; uninstall leaves the root
	# as it was, the directories the failed run made included.
	[ ! -e "$cache" ]
	[ -f R/etc/profile.d/dcos.sh ]
	"$BOOTSTRAP" uninstall --root "$SCRATCH/R"
	[ -z "$(ls -A R)" ]
}

@test "DC/OS's -p, -d and --no-block-dcos-setup are accepted" {
	run dash "$SCRIPT" --root "$SCRATCH/R" -p master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ip-detect: PASS"* ]]
	[[ "${lines[-1]}" == "dcos_install.sh: preflight checks passed" ]]
	[ ! -e R/opt ]
	run dash "$SCRIPT" --root "$SCRATCH/R" -d --no-block-dcos-setup master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"Checking "* ]]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
}

@test "a failed preflight exits with the number of failed checks, as DC/OS" {
	rm -rf "$STORE" "$STORE.src"
	IP_DETECT=$(printf '#!/bin/sh\nexit 3\n') MASTER_PORTS='[1,2]' \
	    make_store "$SCRATCH/store" "$URL"
	mkdir -p R/opt/mesosphere
	: > R/opt/mesosphere/stranger
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 2 ]
	[ "$(grep -c ': FAIL (' <<< "$output")" -eq 2 ]
	[[ "${lines[-1]}" == "dcos_install.sh: error: 2 preflight check(s) failed (the FAIL lines above say why)"* ]]
}

@test "/etc/profile.d/dcos.sh puts the cluster's commands on a login shell's PATH, after the host's" {
	dash "$SCRIPT" --root "$SCRATCH/R" master
	run env -i PATH=/usr/bin:/bin dash -c ". R/etc/profile.d/dcos.sh; . R/etc/profile.d/dcos.sh; echo \$PATH"
	[ "$output" = /usr/bin:/bin:/opt/mesosphere/bin ]
	[ "$(stat -c %a R/etc/profile.d/dcos.sh)" = 644 ]
}

@test "bootstrap_url file:///DIR installs from DIR with no downloader, as --offline" {
	rm -rf "$STORE" "$STORE.src"
	MASTER_PORTS='[1,2]' make_store "$SCRATCH/store" "file://$SCRATCH/store"
	stop_nginx A
	make_path p dash sha256sum $BASE_TOOLS
	run env -i DCOS_RETRIES=1 PATH="$SCRATCH/p" dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	# The directory is only read.
	[ ! -e "$STORE/var" ]
	# --download-only from such a store needs a mirror to fetch from.
	run dash "$SCRIPT" --download-only dl
	[ "$status" -eq 2 ]
	[[ "$output" == *"is a directory on the hosts: --download-only needs a --mirror URL"* ]]
	# With a mirror, the blobs come from it instead.
	start_nginx B "$STORE"
	rm -rf R && mkdir R
	run dash "$SCRIPT" --root "$SCRATCH/R" --mirror "http://127.0.0.1:$NGINX_B_PORT" master
	echo "$output"
	[ "$status" -eq 0 ]
	grep -q "^200 /blobs/sha256/$BIG_HEX" "$SCRATCH/nginx-B/access.log"
}

@test "a failing mirror is not reported when the next one serves the blob" {
	start_nginx B "$STORE"
	stop_nginx A
	run dash "$SCRIPT" --mirror "http://127.0.0.1:$NGINX_B_PORT" --download-only dl
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"curl:"* ]]
	# When every mirror fails, the last error is part of the one line.
	stop_nginx B
	rm -rf dl
	run dash "$SCRIPT" --mirror "http://127.0.0.1:$NGINX_B_PORT" --download-only dl
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == *"(last: http://127.0.0.1:$NGINX_B_PORT: curl failed (exit 7: curl: (7) "*"check the network"* ]]
}

# start_tls_nginx: serves the store over HTTPS with a certificate signed
# by a CA of our own (ca.pem); sets TLS_PORT.
start_tls_nginx() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
	    -keyout ca.key -out ca.pem 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	    -keyout srv.key -out srv.csr 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	    -days 2 -extfile san.ext -out srv.pem 2>/dev/null
	start_nginx T "$STORE"
	TLS_PORT=$NGINX_T_PORT
	sed -i -e "s|listen 127.0.0.1:$TLS_PORT;|listen 127.0.0.1:$TLS_PORT ssl; ssl_certificate $SCRATCH/srv.pem; ssl_certificate_key $SCRATCH/srv.key;|" \
	    "$SCRATCH/nginx-T/nginx.conf"
	stop_nginx T
	nginx -p "$SCRATCH/nginx-T" -c "$SCRATCH/nginx-T/nginx.conf" 2>/dev/null
	wait_until 10 test -s "$SCRATCH/nginx-T/nginx.pid"
}

@test "a bootstrap node with its own CA: refused with a line naming --cacert, installed with --cacert (curl and GNU wget)" {
	start_tls_nginx
	sed "s|$URL|https://127.0.0.1:$TLS_PORT|" "$SCRIPT" > tls.sh
	run dash tls.sh --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[-1]}" == *"curl failed (exit 60: curl: (60) SSL certificate problem"* ]]
	[[ "${lines[-1]}" == *"the server's TLS certificate is not trusted here: give its CA certificate with --cacert FILE (or set CURL_CA_BUNDLE)"* ]]
	[[ "$output" != *"check the network"* ]]
	[ -z "$(ls -A R)" ]
	run env DCOS_DOWNLOADER=wget dash tls.sh --download-only dl
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == *"--cacert FILE"* ]]
	rm -rf dl
	run env DCOS_DOWNLOADER=wget dash tls.sh --cacert ca.pem --download-only dl
	[ "$status" -eq 0 ]
	run dash tls.sh --root "$SCRATCH/R" --cacert "$SCRATCH/ca.pem" master
	echo "$output"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	run env CURL_CA_BUNDLE="$SCRATCH/ca.pem" dash tls.sh --download-only dl2
	[ "$status" -eq 0 ]
	run dash tls.sh --cacert nosuch --download-only dl3
	[ "$status" -eq 2 ]
	[[ "$output" == *"--cacert $SCRATCH/nosuch is not a readable file"* ]]
}

@test "--repair fetches the blob of a drifted package and puts its files back" {
	dash "$SCRIPT" --root "$SCRATCH/R" master
	[ ! -e R/var/lib/dcos/bootstrap/cache ]
	hello=$(echo R/opt/mesosphere/packages/hello--1.0/bin/hello)
	chmod u+w "$(dirname "$hello")" "$hello" 2>/dev/null || true
	printf 'tampered\n' > "$hello"
	# Drift outside the packages too: the generation's link farm and
	# /opt/mesosphere's links.
	rm R/opt/mesosphere/generations/1/bin/hello
	ln -sfn current/etc R/opt/mesosphere/lib
	run "$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ "$status" -ne 0 ]
	: > "$SCRATCH/nginx-A/access.log"
	run dash "$SCRIPT" --root "$SCRATCH/R" --repair master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"hello--1.0 extracted again from its blob"* ]]
	[[ "$output" == *"repair: generation 1: its link farm, units and environment files built again from its packages"* ]]
	[[ "$output" == *"repair: generation 1: /opt/mesosphere's links and the installed units put back"* ]]
	[[ "${lines[-1]}" == "dcos_install.sh: cluster test is repaired here" ]]
	# Only what the repair needs: not the big package.
	run grep -c "/blobs/sha256/$BIG_HEX" "$SCRATCH/nginx-A/access.log"
	[ "$output" = 0 ]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ ! -e R/var/lib/dcos/bootstrap/cache ]
	grep -q "^200 /blobs/sha256/" "$SCRATCH/nginx-A/access.log"
	# A role the host does not have is refused, nothing changed.
	run dash "$SCRIPT" --root "$SCRATCH/R" --repair slave
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == *"this host is not installed as slave"* ]]
}

@test "--allow-downgrade is accepted and passed on to dcos-bootstrap install" {
	run dash "$SCRIPT" --root "$SCRATCH/R" --allow-downgrade master
	echo "$output"
	[ "$status" -eq 0 ]
	run env DCOS_ALLOW_DOWNGRADE=1 dash "$SCRIPT" --root "$SCRATCH/R" --repair master
	[ "$status" -eq 0 ]
}

@test "--check runs the health checks after the switch (install --check); refused with --no-start" {
	run dash "$SCRIPT" --root "$SCRATCH/R" --check master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check: generation 1: "*" check(s) passed"* ]]
	# --rollback-on-failure implies --check.
	mkdir R3
	run dash "$SCRIPT" --root "$SCRATCH/R3" --rollback-on-failure master
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"check: generation 1: "*" check(s) passed"* ]]
	run dash "$SCRIPT" --root "$SCRATCH/R2" --rollback-on-failure --no-start master
	[ "$status" -eq 2 ]
	[[ "$output" == *"error: --check runs the health checks of started services: not with --no-start or --no-block-dcos-setup"* ]]
	[ ! -e R2 ]
}
