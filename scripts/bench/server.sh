#!/usr/bin/env bash
# Benchmarks dcos-artifactd serve against stock nginx on the same store in
# the same run, with wrk on loopback:
#   1. a 4 KiB blob: requests/s with 64 keep-alive connections;
#   2. a 1 GiB blob: throughput with 64 concurrent downloads;
#   3. peak RSS of each server with 10,000 connections open at once.
# Prints each figure side by side and the ratio ours/nginx.  Targets
# (issue 4): both ratios >= 1.0, our RSS <= 64 MB at 10,000 connections.
#
# usage: scripts/bench/server.sh [BUILD_DIR]   (default _build/plain)
# Environment: DURATION (seconds per wrk run, default 5), ROUNDS (runs of
# each server per figure, alternating; the median counts; default 3),
# BIG_MB (size of the big blob, default 1024), THREADS (server threads
# and nginx workers, default nproc).  Figures depend on the load of the
# machine: wrk and both servers share its cores, so run it on a quiet
# machine and compare ratios, not absolute numbers.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build/plain}
artifactd="$build/dcos-artifactd"
duration=${DURATION:-5}
rounds=${ROUNDS:-3}
big_mb=${BIG_MB:-1024}
threads=${THREADS:-$(nproc)}

die() { echo "server.sh: $*" >&2; exit 1; }
for t in wrk nginx sha256sum; do
	command -v "$t" >/dev/null 2>&1 || die "$t is missing (run scripts/install-deps.sh)"
done
[ -x "$artifactd" ] || die "$artifactd not built (make first, or give the build directory)"

# Both servers and wrk need a descriptor per connection.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge 10100 ] || die "need 'ulimit -n' of at least 10100 (hard limit is $(ulimit -Hn))"

work=$(mktemp -d)
ours_pid=
nginx_pid=
cleanup() {
	[ -n "$ours_pid" ] && kill "$ours_pid" 2>/dev/null && wait "$ours_pid" 2>/dev/null
	[ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
chmod 755 "$work"	# nginx workers may run as another user

store="$work/store"
mkdir -p "$store/blobs/sha256"
blob() {
	local h
	h=$(sha256sum < "$1" | cut -d' ' -f1)
	mv "$1" "$store/blobs/sha256/$h"
	chmod 644 "$store/blobs/sha256/$h"
	echo "$h"
}
head -c 4096 /dev/urandom > "$work/small"
small=$(blob "$work/small")
echo "creating a ${big_mb} MiB blob..." >&2
head -c "$((big_mb * 1024 * 1024))" /dev/urandom > "$work/big"
big=$(blob "$work/big")
printf '#!/bin/sh\n' > "$store/dcos_install.sh"
cat > "$store/index.json" <<EOF
{
  "format": 1,
  "current": "sha256:$small",
  "cluster_manifests": ["sha256:$small"],
  "install_script": {"path": "dcos_install.sh",
    "digest": "sha256:$(sha256sum < "$store/dcos_install.sh" | cut -d' ' -f1)"},
  "releases": []
}
EOF
chmod -R a+rX "$store"

# A free loopback port: nothing answers on it.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

"$artifactd" serve --allow-root --root "$store" -l 127.0.0.1:0 --threads "$threads" \
    --max-connections 20000 --max-per-ip 20000 --timeout 60 \
    2> "$work/ours.err" &
ours_pid=$!
ours_port=
for _ in $(seq 1 200); do
	ours_port=$(sed -n 's|.* on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' "$work/ours.err")
	[ -n "$ours_port" ] && break
	sleep 0.05
done
[ -n "$ours_port" ] || die "dcos-artifactd did not start: $(cat "$work/ours.err")"

nginx_port=$(free_port)
user_line=
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat > "$work/nginx.conf" <<EOF
$user_line
worker_processes $threads;
worker_rlimit_nofile 30000;
pid $work/nginx.pid;
error_log $work/nginx.err;
events {
	worker_connections 15000;
	use epoll;
	multi_accept on;
}
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000000;
	keepalive_timeout 60;
	open_file_cache max=1000 inactive=60s;
	default_type application/octet-stream;
	server {
		listen 127.0.0.1:$nginx_port;
		root $store;
		location / { }
	}
}
EOF
nginx -c "$work/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 1 200); do
	curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/index.json" 2>/dev/null && break
	sleep 0.05
done
curl -fsS -o /dev/null "http://127.0.0.1:$ours_port/index.json" ||
    die "dcos-artifactd does not answer"
curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/index.json" ||
    die "nginx does not answer: $(cat "$work/nginx.err")"

# Peak RSS (VmHWM, KiB) of a process and its children (nginx workers).
peak_rss() {
	local total=0 p v
	for p in "$1" $(pgrep -P "$1" || true); do
		v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# wrk_run CONNS DURATION URL: the wrk report.
wrk_run() {
	wrk -t2 -c"$1" -d"$2"s --timeout 30s "$3"
}
# Requests/sec and Transfer/sec (bytes) of a wrk report.
rps() { awk '/^Requests\/sec:/ { print $2 }'; }
bps() {
	awk '/^Transfer\/sec:/ {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[A-Za-z]+$/, "", v)
		m = 1
		if (u == "KB") m = 1024; else if (u == "MB") m = 1024 ^ 2
		else if (u == "GB") m = 1024 ^ 3
		printf "%.0f\n", v * m
	}'
}
check_errors() {
	if grep -qE 'Socket errors|Non-2xx' "$1"; then
		echo "  note: $(grep -E 'Socket errors|Non-2xx' "$1" | tr -s ' ' | tr '\n' ';')" >&2
	fi
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "dcos-artifactd (port $ours_port, $threads threads) vs nginx $(nginx -v 2>&1 | sed 's|.*/||') (port $nginx_port, $threads workers); wrk -t2, median of $rounds alternating ${duration}s runs; $(nproc) cores shared with the client"

# Warm both (page cache, nginx open_file_cache).
wrk_run 8 1 "http://127.0.0.1:$ours_port/blobs/sha256/$small" > /dev/null
wrk_run 8 1 "http://127.0.0.1:$nginx_port/blobs/sha256/$small" > /dev/null
cat "$store/blobs/sha256/$big" > /dev/null

# median: the middle of the numbers on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# compare NAME CONNS PATH FIELD: ROUNDS alternating runs of each server
# (so a change in the machine's load hits both alike); prints the median
# figure of each, one per line.
compare() {
	local name=$1 conns=$2 path=$3 field=$4 who port
	: > "$work/$name.ours"; : > "$work/$name.nginx"
	for _ in $(seq 1 "$rounds"); do
		for who in ours nginx; do
			port=$ours_port
			[ "$who" = nginx ] && port=$nginx_port
			wrk_run "$conns" "$duration" "http://127.0.0.1:$port$path" > "$work/out"
			check_errors "$work/out"
			"$field" < "$work/out" >> "$work/$name.$who"
		done
	done
	median < "$work/$name.ours"
	median < "$work/$name.nginx"
}

{ read -r s_ours; read -r s_nginx; } < <(compare small 64 "/blobs/sha256/$small" rps)
printf '4 KiB blob, 64 connections:  ours %9.0f req/s  nginx %9.0f req/s  ratio %s\n' \
    "$s_ours" "$s_nginx" "$(ratio "$s_ours" "$s_nginx")"

{ read -r b_ours; read -r b_nginx; } < <(compare big 64 "/blobs/sha256/$big" bps)
printf '%s MiB blob, 64 downloads: ours %7d MiB/s  nginx %7d MiB/s  ratio %s\n' \
    "$big_mb" "$((b_ours / 1048576))" "$((b_nginx / 1048576))" "$(ratio "$b_ours" "$b_nginx")"

wrk_run 10000 5 "http://127.0.0.1:$ours_port/blobs/sha256/$small" > "$work/c.ours"
wrk_run 10000 5 "http://127.0.0.1:$nginx_port/blobs/sha256/$small" > "$work/c.nginx"
check_errors "$work/c.ours"; check_errors "$work/c.nginx"
c_max=$(curl -fsS "http://127.0.0.1:$ours_port/metrics" |
    awk '$1 == "dcos_artifactd_open_connections_max" { print $2 }')
r_ours=$(peak_rss "$ours_pid"); r_nginx=$(peak_rss "$nginx_pid")
printf '10,000 connections (wrk -c10000): ours %.0f req/s, nginx %.0f req/s; most connections open at once (ours): %s\n' \
    "$(rps < "$work/c.ours")" "$(rps < "$work/c.nginx")" "$c_max"
printf 'peak RSS over the whole run: ours %d KiB (%d MB)  nginx %d KiB (master + workers)  target ours <= 64 MB: %s\n' \
    "$r_ours" "$((r_ours / 1024))" "$r_nginx" \
    "$([ "$r_ours" -le $((64 * 1024)) ] && echo met || echo MISSED)"
