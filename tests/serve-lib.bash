# SPDX-License-Identifier: Apache-2.0
# Helpers for the dcos-artifactd serve tests: a small real store (blobs
# named by their sha256, index.json, install script, a release file), a
# secret planted next to it, and a server on a free loopback port.

# make_store DIR: fills DIR with a store; sets SMALL and BIG (blob hex
# names: 4 KiB and 6 MB of random bytes) and SECRET (a file outside DIR).
make_store() {
	local dir=$1 f h
	mkdir -p "$dir/blobs/sha256" "$dir/releases"
	head -c 4096 /dev/urandom > "$SCRATCH/small"
	head -c 6000000 /dev/urandom > "$SCRATCH/big"
	for f in small big; do
		h=$(sha256sum "$SCRATCH/$f" | cut -d' ' -f1)
		cp "$SCRATCH/$f" "$dir/blobs/sha256/$h"
		[ "$f" = small ] && SMALL=$h || BIG=$h
	done
	head -c 100000 /dev/urandom > "$dir/releases/dcos-1.0.0.tar"
	printf '#!/bin/sh\necho install\n' > "$dir/dcos_install.sh"
	write_index "$dir"
	SECRET="$(dirname "$dir")/secret.txt"
	echo "TOP-SECRET-$RANDOM$RANDOM" > "$SECRET"
	export SMALL BIG SECRET
}

# write_index DIR: an index.json as dcos-genconf writes it (lib/manifest
# checks it), naming the small blob as the current cluster manifest.
write_index() {
	local script
	script=$(sha256sum < "$1/dcos_install.sh" | cut -d' ' -f1)
	cat > "$1/index.json" <<EOI
{
  "format": 1,
  "current": "sha256:$SMALL",
  "cluster_manifests": ["sha256:$SMALL"],
  "install_script": {"path": "dcos_install.sh", "digest": "sha256:$script"},
  "releases": []
}
EOI
}

# start_server ARGS...: runs dcos-artifactd serve on 127.0.0.1 with a free
# port (port 0) and waits until it says where it listens.  Sets URL and
# SERVER_PID; stderr goes to $SCRATCH/server.err.
start_server() {
	launch "$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 "$@"
}

# launch COMMAND...: as start_server with a full command line (e.g. the
# server under strace).
launch() {
	local i port
	: > "$SCRATCH/server.err"	# no stale line from an earlier server
	"$@" 2> "$SCRATCH/server.err" &
	SERVER_PID=$!
	for i in $(seq 1 400); do
		port=$(sed -n 's|.* on https*://127\.0\.0\.1:\([0-9]*\)$|\1|p' \
		    "$SCRATCH/server.err" | head -n 1)
		[ -n "$port" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || {
			cat "$SCRATCH/server.err" >&2
			return 1
		}
		sleep 0.025
	done
	[ -n "$port" ] || { echo "server did not start" >&2; return 1; }
	PORT=$port
	if grep -q ' on https://' "$SCRATCH/server.err"; then
		URL="https://127.0.0.1:$port"
	else
		URL="http://127.0.0.1:$port"
	fi
	export URL PORT SERVER_PID
}

# stop_server: SIGTERM, then the exit status must be 0.
stop_server() {
	local rc=0
	[ -n "${SERVER_PID:-}" ] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" || rc=$?
	SERVER_PID=
	if [ "$rc" -ne 0 ]; then
		echo "server exited with $rc:" >&2
		cat "$SCRATCH/server.err" >&2
		return 1
	fi
}

# headers URL [curl args]: the response headers without Date, CR-free.
headers() {
	local u=$1
	shift
	curl -sS -o /dev/null -D - "$@" "$u" | tr -d '\r' | grep -v '^Date:'
}

# code URL [curl args]: the status code only.
code() {
	local u=$1
	shift
	curl -sS -o /dev/null -w '%{http_code}' "$@" "$u"
}

# metric NAME: the value of one /metrics sample line.
metric() {
	curl -sS "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# raw BYTES: sends BYTES (printf format) on a new connection and prints
# what comes back until the server closes or 5 s pass.
raw() {
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
		printf "$2" >&3
		cat <&3' _ "$PORT" "$1" || true
}
