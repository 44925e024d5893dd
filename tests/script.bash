# SPDX-License-Identifier: Apache-2.0
# Fixtures for the install script tests: a small cluster store built the
# way dcos-genconf lays one out (blobs/sha256/<hex>, a cluster manifest
# pinning release.json, its signature and every package, the script with
# its placeholders filled in), and nginx serving it on a loopback port.

# put_blob STORE FILE: copies FILE into STORE's blobs; prints "HEX SIZE".
put_blob() {
	local hex size
	hex=$(sha256sum "$2" | cut -d' ' -f1)
	size=$(stat -c %s "$2")
	mkdir -p "$1/blobs/sha256"
	cp "$2" "$1/blobs/sha256/$hex"
	echo "$hex $size"
}

# pkg_json BLOB ID: the release.json entry of a package blob.
pkg_json() {
	local blob=$1 id=$2 hex size mhex files bytes
	read -r hex size < <(put_blob "$STORE" "$blob")
	mhex=$(tar --zstd -xOf "$blob" .dcos-manifest.json | sha256sum | cut -d' ' -f1)
	files=$(tar --zstd -xOf "$blob" .dcos-manifest.json | jq '.files | length')
	bytes=$(tar --zstd -xOf "$blob" .dcos-manifest.json | jq '[.files[].size // 0] | add')
	printf '{"id":"%s","digest":"sha256:%s","size":%s,"manifest":"sha256:%s","files":%s,"installed_bytes":%s}' \
	    "$id" "$hex" "$size" "$mhex" "$files" "$bytes"
}

# make_store STORE URL: builds the store for bootstrap_url URL.
# Knobs (environment): PKGINFO, IP_DETECT (the ip-detect script's text),
# MASTER_PORTS and AGENT_PORTS (JSON lists), ROLES (release.json's whole
# roles object, instead of those), BIG_KB (size of the large
# package's payload, default 512), BOOTSTRAP_BIN (the binary to pin).
make_store() {
	STORE=$1
	local url=$2 src="$1.src" bhex bsize rhex rsize shex ssize chex csize
	local a b cfg arch cid
	mkdir -p "$STORE/blobs/sha256" "$src"
	arch=$(uname -m)
	cid=$(printf 'cluster %s' "$url" | sha256sum | cut -d' ' -f1)

	mkdir -p "$src/hello--1.0/bin" "$src/big--2.0/lib" \
	    "$src/dcos-config--setup_$cid/etc"
	printf '#!/bin/sh\necho hello\n' > "$src/hello--1.0/bin/hello"
	chmod 755 "$src/hello--1.0/bin/hello"
	# PKGINFO: the pkginfo.json of hello and big ({} by default).
	printf '%s\n' "${PKGINFO:-"{}"}" > "$src/hello--1.0/pkginfo.json"
	head -c "$((${BIG_KB:-512} * 1024))" /dev/urandom > "$src/big--2.0/lib/data"
	printf '%s\n' "${PKGINFO:-"{}"}" > "$src/big--2.0/pkginfo.json"
	printf '%s' "${IP_DETECT:-$(printf '#!/bin/sh\necho 127.0.0.1\n')}" \
	    > "$src/dcos-config--setup_$cid/etc/ip-detect"
	chmod 755 "$src/dcos-config--setup_$cid/etc/ip-detect"
	echo '{}' > "$src/dcos-config--setup_$cid/pkginfo.json"
	for p in hello--1.0 big--2.0 "dcos-config--setup_$cid"; do
		"$GENCONF" -q package -o "$src/$p.tar.zst" "$src/$p" >/dev/null
	done
	a=$(pkg_json "$src/hello--1.0.tar.zst" hello--1.0)
	b=$(pkg_json "$src/big--2.0.tar.zst" big--2.0)
	read -r chex csize < <(put_blob "$STORE" "$src/dcos-config--setup_$cid.tar.zst")
	read -r bhex bsize < <(put_blob "$STORE" "${BOOTSTRAP_BIN:-$BOOTSTRAP}")
	BOOTSTRAP_HEX=$bhex

	local roles=${ROLES:-}
	[ -n "$roles" ] || roles="{\"master\":{\"ports\":${MASTER_PORTS:-[53,80,8080]}},
	    \"slave\":{\"ports\":${AGENT_PORTS:-[53,5051]}},
	    \"slave_public\":{\"ports\":${AGENT_PORTS:-[53,5051]}}}"
	cat > "$src/release.json" <<-EOF
	{"format":1,"name":"dcos","version":"1.0.0","seq":1,
	 "packages":[$b,$a],
	 "bootstrap":{"$arch":{"digest":"sha256:$bhex","size":$bsize}},
	 "roles":$roles}
	EOF
	"$GENCONF" -q keygen -p "$src/vendor.pub" -s "$src/vendor.key"
	# UNTRUSTED_SIGNER=1: release.json signed by a key the cluster
	# manifest does not trust (install must refuse it).
	local signer=vendor
	if [ -n "${UNTRUSTED_SIGNER:-}" ]; then
		signer=other
		"$GENCONF" -q keygen -p "$src/other.pub" -s "$src/other.key"
	fi
	"$GENCONF" -q sign -s "$src/$signer.key" -t "$(printf 'file:release.json\tsha256:%s\tseq:1' \
	    "$(sha256sum "$src/release.json" | cut -d' ' -f1)")" "$src/release.json"
	read -r rhex rsize < <(put_blob "$STORE" "$src/release.json")
	read -r shex ssize < <(put_blob "$STORE" "$src/release.json.minisig")

	cat > "$src/cluster.json" <<-EOF
	{"format":1,"cluster_name":"test","config_id":"$cid",
	 "bootstrap_url":"$url",
	 "trusted_keys":["$(tail -n 1 "$src/vendor.pub")"],
	 "release":{"name":"dcos","version":"1.0.0","seq":1,
	            "manifest":"sha256:$rhex","signature":"sha256:$shex"},
	 "config_package":{"id":"dcos-config--setup_$cid","digest":"sha256:$chex","size":$csize},
	 "bootstrap":{"$arch":{"digest":"sha256:$bhex","size":$bsize}},
	 "blobs":[{"digest":"sha256:$rhex","size":$rsize,"kind":"release"},
	          {"digest":"sha256:$shex","size":$ssize,"kind":"signature"},
	          $(echo "$b" | jq -c '{digest,size,kind:"package",id}'),
	          $(echo "$a" | jq -c '{digest,size,kind:"package",id}'),
	          {"digest":"sha256:$chex","size":$csize,"kind":"config","id":"dcos-config--setup_$cid"}]}
	EOF
	read -r MANIFEST_HEX MANIFEST_SIZE < <(put_blob "$STORE" "$src/cluster.json")
	BIG_HEX=$(echo "$b" | jq -r .digest | cut -d: -f2)
	BIG_SIZE=$(echo "$b" | jq -r .size)
	sed -e "s|@DCOS_CLUSTER_MANIFEST@|sha256:$MANIFEST_HEX|" \
	    -e "s|@DCOS_CLUSTER_MANIFEST_SIZE@|$MANIFEST_SIZE|" \
	    -e "s|@DCOS_BOOTSTRAP_URL@|$url|" \
	    -e "s|@DCOS_BOOTSTRAP_PINS@|$arch=sha256:$bhex:$bsize|" \
	    -e "s|@DCOS_CLUSTER_NAME@|test|" \
	    -e "s|@DCOS_RELEASE@|dcos-1.0.0|" \
	    "$top_srcdir/scripts/dcos_install.sh.in" > "$STORE/dcos_install.sh"
	export STORE MANIFEST_HEX MANIFEST_SIZE BIG_HEX BIG_SIZE BOOTSTRAP_HEX
}

# script_store_setup [TOOL...]: the setup of the script tests: a scratch
# directory (the current one), nginx A serving a make_store store on
# loopback at $URL, its $SCRIPT, an empty host root R, one retry round.
script_store_setup() {
	need dash busybox curl wget nginx jq zstd openssl "$@"
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	cd "$SCRATCH"
	start_nginx A "$SCRATCH/store"
	URL="http://127.0.0.1:$NGINX_A_PORT"
	MASTER_PORTS='[1,2]' make_store "$SCRATCH/store" "$URL"
	SCRIPT="$STORE/dcos_install.sh"
	mkdir R
	export DCOS_RETRIES=1
}

# start_nginx NAME ROOT: serves ROOT on a free loopback port; sets
# NGINX_<NAME>_PORT.  nginx binds before it daemonizes, so when the
# command returns the port is open; a port already in use makes it fail
# and we try another.  One process (no master): it stops at once.
start_nginx() {
	local name=$1 root=$2 dir="$SCRATCH/nginx-$1" port try
	need nginx
	mkdir -p "$dir/tmp"
	for try in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		cat > "$dir/nginx.conf" <<-EOF
		daemon on;
		master_process off;
		user root root;
		pid $dir/nginx.pid;
		error_log $dir/error.log;
		events { worker_connections 64; }
		http {
			log_format range '\$status \$request_uri \$http_range';
			access_log $dir/access.log range;
			client_body_temp_path $dir/tmp;
			proxy_temp_path $dir/tmp;
			fastcgi_temp_path $dir/tmp;
			uwsgi_temp_path $dir/tmp;
			scgi_temp_path $dir/tmp;
			default_type application/octet-stream;
			server {
				listen 127.0.0.1:$port;
				root $root;
			}
		}
		EOF
		if nginx -p "$dir" -e "$dir/error.log" -c "$dir/nginx.conf" 2>/dev/null; then
			# The daemon writes its pid file after the parent exits.
			wait_until 10 test -s "$dir/nginx.pid" || return 1
			eval "NGINX_${name}_PORT=$port"
			NGINX_DIRS="${NGINX_DIRS:-} $dir"
			return 0
		fi
	done
	echo "nginx did not start: $(tail -n 3 "$dir/error.log")" >&2
	return 1
}

# stop_nginx NAME: stops that nginx (by the pid it wrote) and waits until
# it is gone.
stop_nginx() {
	local dir="$SCRATCH/nginx-$1" pid
	[ -f "$dir/nginx.pid" ] || return 0
	pid=$(cat "$dir/nginx.pid")
	kill "$pid" 2>/dev/null || return 0
	wait_until 10 _nginx_gone "$pid"
}

# _nginx_gone PID: gone, or a zombie waiting for init to reap it: it has
# closed its sockets either way.
_nginx_gone() {
	! kill -0 "$1" 2>/dev/null ||
	    [ "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" = Z ]
}

stop_all_nginx() {
	local d
	for d in ${NGINX_DIRS:-}; do
		stop_nginx "${d##*/nginx-}"
	done
}

# A PATH of only the given commands (symlinks to the real ones), so a test
# controls which downloader and hash tool the script can find.
make_path() {
	local dir=$1 t p
	shift
	mkdir -p "$dir"
	for t in "$@"; do
		p=$(command -v "$t") || { echo "no $t" >&2; return 1; }
		ln -sf "$p" "$dir/$t"
	done
}

# The commands the script needs besides a downloader and a hash tool.
BASE_TOOLS="uname id mkdir rm mv cp chmod wc mktemp sleep cat grep"

# A PATH where every tool is a busybox applet.
make_busybox_path() {
	local dir=$1 a
	shift
	mkdir -p "$dir"
	for a in $BASE_TOOLS sh ash wget sha256sum "$@"; do
		ln -sf "$(command -v busybox)" "$dir/$a"
	done
}

# netns_run SNIPPET: runs the bash SNIPPET in a new network namespace that
# has only loopback: the preflight port check sees only the sockets the
# test opens (not whatever else runs on this machine), fixed ports are
# free, and no packet can leave.  10.0.0.5 on lo gives the sample
# ip-detect (the source address of the route to master 10.0.0.1) an
# answer.
netns_run() {
	need unshare ip
	unshare -n bash -c '
		set -e
		# A failed step must not leave a server holding bats'"'"' output.
		trap '"'"'kill $(jobs -p) 2>/dev/null || true; wait'"'"' EXIT
		ip link set lo up
		ip addr add 10.0.0.5/32 dev lo
		ip route add 10.0.0.0/8 dev lo src 10.0.0.5
		source "$top_srcdir/tests/lib.bash"
		source "$top_srcdir/tests/script.bash"
		eval "$1"' netns_run "$1"
}

# start_artifactd STORE PORT: dcos-artifactd serve on 127.0.0.1:PORT,
# ready when it logs where it listens.  Sets ARTIFACTD_PID.
start_artifactd() {
	local i log="$SCRATCH/artifactd-$2.err"
	# Empty the log first: a line left by an earlier server on this port
	# would pass the readiness check before the new one truncates it.
	: > "$log"
	"$ARTIFACTD" serve --allow-root -l "127.0.0.1:$2" --root "$1" 2> "$log" &
	ARTIFACTD_PID=$!
	for i in $(seq 1 400); do
		grep -q " on http://127.0.0.1:$2\$" "$log" && return 0
		kill -0 "$ARTIFACTD_PID" 2>/dev/null || break
		sleep 0.025
	done
	echo "dcos-artifactd did not start: $(cat "$log")" >&2
	return 1
}

# stop_artifactd: SIGTERM and wait (it exits 0 on SIGTERM).
stop_artifactd() {
	kill -TERM "$ARTIFACTD_PID"
	wait "$ARTIFACTD_PID"
}

# sample_release: a FILE_SCRATCH (exported) with a vendor key and the
# sample release built into r1/ (dcos 1.0.0, seq 1).
sample_release() {
	FILE_SCRATCH=$(mktemp -d)
	chmod 755 "$FILE_SCRATCH"
	export FILE_SCRATCH
	cd "$FILE_SCRATCH"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r1 vendor.key >/dev/null
}

# sample_releases [1]: sample_release, and, unless 1 is given, the sample
# release 1.1.0 (seq 2) in r2/.
sample_releases() {
	sample_release
	[ "${1:-}" = 1 ] && return 0
	RELEASE_VERSION=1.1.0 RELEASE_SEQ=2 GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r2 vendor.key >/dev/null
}

# make_site DIR URL RELEASE_DIR: a site directory with the sample
# genconf/ (bootstrap_url set to URL), the vendor key and the release;
# then dcos-genconf generate writes DIR/genconf/serve.
make_site() {
	mkdir -p "$1"
	cp -R "$top_srcdir/sample/site/genconf" "$1/genconf"
	sed -i "s|^bootstrap_url:.*|bootstrap_url: $2|" "$1/genconf/config.yaml"
	cp "$3"/../vendor.pub "$1/dcos-release.pub"
	cp "$3"/dcos-*.tar* "$1/"
	(cd "$1" && "$GENCONF" -q generate >/dev/null)
}
