#!/usr/bin/env bats
# dcos-artifactd serve speaks the HTTP a store needs, checked with real
# curl and wget on loopback: immutable blobs with their digest as strong
# ETag, GET and HEAD alike, 304, 206, 416, resumed downloads, mutable
# index.json, health and metrics (checked by promtool), the access log
# (nginx's combined lines, checked against nginx's own, or JSON), signals
# and TLS.

# SPDX-License-Identifier: Apache-2.0
load lib
load serve-lib
load nginx

setup() {
	need curl wget sha256sum
	SCRATCH=$(mktemp -d)
	STORE="$SCRATCH/store"
	make_store "$STORE"
}

teardown() {
	stop_server || true
	nginx_stop_all
	rm -rf "$SCRATCH"
}

@test "serve refuses a directory that is not a store, in one line" {
	mkdir "$SCRATCH/empty"
	run "$ARTIFACTD" serve --allow-root --root "$SCRATCH/empty" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"not a store: no blobs/sha256/ directory"* ]]
	mkdir -p "$SCRATCH/empty/blobs/sha256"
	echo '{"format": 7}' > "$SCRATCH/empty/index.json"
	run "$ARTIFACTD" serve --allow-root --root "$SCRATCH/empty" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"empty: not a store: "*"format"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$SCRATCH/nowhere" -l 127.0.0.1:0
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"No such file or directory"* ]]
}

@test "serve is the default command and options are checked" {
	run "$ARTIFACTD" --allow-root --root "$SCRATCH/nowhere"
	[ "$status" -eq 1 ]
	[[ "$output" == *"nowhere: No such file"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$STORE" --threads 0
	[ "$status" -eq 2 ]
	[[ "$output" == *"--threads 0: give a whole number from 1 to"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$STORE" --tls-cert x.pem
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-cert and --tls-key go together"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$STORE" -l 127.0.0.1
	[ "$status" -eq 1 ]
	[[ "$output" == *"use ADDR:PORT"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$STORE" -l 127.0.0.1:65536
	[ "$status" -eq 1 ]
	[[ "$output" == *"the port must be a number from 0 to 65535"* ]]
	run "$ARTIFACTD" serve --allow-root --root "$STORE" -l localhost:8080
	[ "$status" -eq 1 ]
	[[ "$output" == *"give a numeric address and port"* ]]
	run "$ARTIFACTD" serve -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"--verify-on-start"* ]]
}

@test "listens on several addresses, IPv6 included" {
	start_server --root "$STORE" -l '[::1]:0'
	for i in $(seq 1 100); do
		port6=$(sed -n 's|.* on http://\[::1\]:\([0-9]*\)$|\1|p' "$SCRATCH/server.err")
		[ -n "$port6" ] && break
		sleep 0.02
	done
	[ -n "$port6" ]
	[ "$(code "http://[::1]:$port6/blobs/sha256/$SMALL")" = 200 ]
	[ "$(code "$URL/blobs/sha256/$SMALL")" = 200 ]
}

@test "a blob is served with its digest as strong ETag and immutable caching" {
	start_server --root "$STORE"
	for h in "$SMALL" "$BIG"; do
		run headers "$URL/blobs/sha256/$h"
		[[ "$output" == "HTTP/1.1 200 OK"* ]]
		[[ "$output" == *"ETag: \"sha256:$h\""* ]]
		[[ "$output" == *"Cache-Control: public, max-age=31536000, immutable"* ]]
		[[ "$output" == *"Accept-Ranges: bytes"* ]]
		[[ "$output" == *"Content-Length: $(stat -c %s "$STORE/blobs/sha256/$h")"* ]]
		curl -sSf -o "$SCRATCH/got" "$URL/blobs/sha256/$h"
		[ "$(sha256sum < "$SCRATCH/got" | cut -d' ' -f1)" = "$h" ]
	done
}

@test "HEAD answers exactly the headers GET does" {
	start_server --root "$STORE"
	for p in "blobs/sha256/$SMALL" "blobs/sha256/$BIG" index.json \
	    dcos_install.sh releases/dcos-1.0.0.tar nothing-here; do
		get=$(headers "$URL/$p")
		head=$(headers "$URL/$p" -I)
		[ -n "$get" ]
		if [ "$get" != "$head" ]; then
			printf '%s\nGET:\n%s\nHEAD:\n%s\n' "$p" "$get" "$head"
			false
		fi
		run curl -sS -I "$URL/$p"
		[[ "$output" == *"Content-Length: "* ]]
	done
}

@test "with the cache off and one thread, small blobs get the same answers from the file" {
	start_server --root "$STORE"
	cached=$(headers "$URL/blobs/sha256/$SMALL")
	cached_range=$(headers "$URL/blobs/sha256/$SMALL" -r 10-20)
	stop_server
	start_server --root "$STORE" --cache-size 0 --threads 1
	[ "$(headers "$URL/blobs/sha256/$SMALL")" = "$cached" ]
	[ "$(headers "$URL/blobs/sha256/$SMALL" -r 10-20)" = "$cached_range" ]
	curl -sS "$URL/blobs/sha256/$SMALL" | cmp - "$STORE/blobs/sha256/$SMALL"
}

@test "If-None-Match with the current ETag gives 304 without a body" {
	start_server --root "$STORE"
	run curl -sS -D - -H "If-None-Match: \"sha256:$BIG\"" "$URL/blobs/sha256/$BIG"
	[[ "${lines[0]}" == "HTTP/1.1 304 Not Modified"* ]]
	[[ "$output" == *"ETag: \"sha256:$BIG\""* ]]
	[ "$(curl -sS -H "If-None-Match: W/\"x\", \"sha256:$SMALL\"" \
	    "$URL/blobs/sha256/$SMALL" | wc -c)" -eq 0 ]
	[ "$(code "$URL/blobs/sha256/$SMALL" -H 'If-None-Match: *')" = 304 ]
	[ "$(code "$URL/blobs/sha256/$SMALL" -H 'If-None-Match: "sha256:0"')" = 200 ]
	etag=$(headers "$URL/index.json" | sed -n 's/^ETag: //p')
	[ "$(code "$URL/index.json" -H "If-None-Match: $etag")" = 304 ]
}

@test "single ranges N-, N-M and -N give 206 with the exact bytes" {
	start_server --root "$STORE"
	b="$STORE/blobs/sha256/$BIG"
	run headers "$URL/blobs/sha256/$BIG" -H 'Range: bytes=100-199'
	[[ "$output" == "HTTP/1.1 206 Partial Content"* ]]
	[[ "$output" == *"Content-Range: bytes 100-199/6000000"* ]]
	[[ "$output" == *"Content-Length: 100"* ]]
	curl -sS -r 100-199 "$URL/blobs/sha256/$BIG" | cmp - <(tail -c +101 "$b" | head -c 100)
	curl -sS -H 'Range: bytes=5999000-' "$URL/blobs/sha256/$BIG" | cmp - <(tail -c 1000 "$b")
	curl -sS -H 'Range: bytes=-10' "$URL/blobs/sha256/$BIG" | cmp - <(tail -c 10 "$b")
	curl -sS -H 'Range: bytes=4000-99999' "$URL/blobs/sha256/$SMALL" |
	    cmp - <(tail -c 96 "$STORE/blobs/sha256/$SMALL")
	curl -sS -r 2-5 "$URL/index.json" | cmp - <(tail -c +3 "$STORE/index.json" | head -c 4)
	# Several ranges: the whole body, as the RFC allows.
	[ "$(code "$URL/blobs/sha256/$SMALL" -r 0-1,5-6)" = 200 ]
}

@test "a Range past the end gives 416 with Content-Range bytes */TOTAL" {
	start_server --root "$STORE"
	run headers "$URL/blobs/sha256/$BIG" -H 'Range: bytes=6000000-'
	[[ "$output" == "HTTP/1.1 416 Range Not Satisfiable"* ]]
	[[ "$output" == *"Content-Range: bytes */6000000"* ]]
	run headers "$URL/blobs/sha256/$SMALL" -H 'Range: bytes=-0'
	[[ "$output" == "HTTP/1.1 416"* ]]
	[[ "$output" == *"Content-Range: bytes */4096"* ]]
}

@test "If-Range with the strong ETag keeps the Range, any other validator gets the whole blob" {
	start_server --root "$STORE"
	[ "$(code "$URL/blobs/sha256/$BIG" -r 0-9 -H "If-Range: \"sha256:$BIG\"")" = 206 ]
	[ "$(code "$URL/blobs/sha256/$BIG" -r 0-9 -H "If-Range: \"sha256:$SMALL\"")" = 200 ]
	[ "$(code "$URL/blobs/sha256/$BIG" -r 0-9 -H "If-Range: W/\"sha256:$BIG\"")" = 200 ]
	[ "$(code "$URL/blobs/sha256/$BIG" -r 0-9 -H 'If-Range: Sat, 01 Jan 2000 00:00:00 GMT')" = 200 ]
}

@test "curl -C - resumes an interrupted download of a multi-MB blob to the exact bytes" {
	start_server --root "$STORE" --access-log "$SCRATCH/access.log"
	# The reader goes away after 2 MB: curl's download is cut mid-body.
	run bash -c 'curl -sS "$1" | head -c 2000000 > "$2"' _ \
	    "$URL/blobs/sha256/$BIG" "$SCRATCH/part"
	[ "$(stat -c %s "$SCRATCH/part")" -eq 2000000 ]
	curl -sSf -C - -o "$SCRATCH/part" "$URL/blobs/sha256/$BIG"
	[ "$(sha256sum < "$SCRATCH/part" | cut -d' ' -f1)" = "$BIG" ]
	kill -HUP "$SERVER_PID"		# flushes the access log too
	for i in $(seq 1 100); do
		grep -q '" 206 4000000 "-" "curl/' "$SCRATCH/access.log" && break
		sleep 0.05
	done
	grep -q '" 206 4000000 "-" "curl/' "$SCRATCH/access.log"
}

@test "wget -c resumes an interrupted download of a multi-MB blob to the exact bytes" {
	start_server --root "$STORE"
	mkdir "$SCRATCH/dl"
	cd "$SCRATCH/dl"
	run bash -c 'wget -q -O - "$1" | head -c 3000000 > "$2"' _ \
	    "$URL/blobs/sha256/$BIG" "$BIG"
	[ "$(stat -c %s "$BIG")" -eq 3000000 ]
	wget -q -c "$URL/blobs/sha256/$BIG"
	[ "$(sha256sum < "$BIG" | cut -d' ' -f1)" = "$BIG" ]
	# Busybox wget, as on a minimal host, resumes too.
	head -c 1234567 "$STORE/blobs/sha256/$BIG" > "$BIG"
	busybox wget -q -c "$URL/blobs/sha256/$BIG"
	[ "$(sha256sum < "$BIG" | cut -d' ' -f1)" = "$BIG" ]
}

@test "index.json and dcos_install.sh are no-cache with a strong ETag that follows the content" {
	start_server --root "$STORE"
	for f in index.json dcos_install.sh; do
		run headers "$URL/$f"
		[[ "$output" == *"Cache-Control: no-cache"* ]]
		want="sha256:$(sha256sum < "$STORE/$f" | cut -d' ' -f1)"
		[[ "$output" == *"ETag: \"$want\""* ]]
	done
	echo '{"format": 1, "current": "new"}' > "$SCRATCH/index.new"
	mv "$SCRATCH/index.new" "$STORE/index.json"
	curl -sS "$URL/index.json" | cmp - "$STORE/index.json"
	run headers "$URL/index.json"
	[[ "$output" == *"ETag: \"sha256:$(sha256sum < "$STORE/index.json" | cut -d' ' -f1)\""* ]]
	[ "$(code "$URL/dcos_install.sh.minisig")" = 404 ]
	echo sig > "$STORE/dcos_install.sh.minisig"
	[ "$(code "$URL/dcos_install.sh.minisig")" = 200 ]
}

@test "methods other than GET and HEAD get 405 with Allow" {
	start_server --root "$STORE"
	for m in POST PUT DELETE OPTIONS PATCH; do
		run headers "$URL/index.json" -X "$m"
		[[ "$output" == "HTTP/1.1 405 Method Not Allowed"* ]]
		[[ "$output" == *"Allow: GET, HEAD"* ]]
	done
	run headers "$URL/index.json" --data-binary @"$SCRATCH/big"
	[[ "$output" == "HTTP/1.1 405"* ]]
	[ "$(code "$URL/index.json")" = 200 ]
}

@test "/healthz is 200 while the store is readable and 503 when it is not" {
	start_server --root "$STORE"
	[ "$(curl -sS "$URL/healthz")" = ok ]
	mv "$STORE/index.json" "$SCRATCH/index.json"
	[ "$(code "$URL/healthz")" = 503 ]
	mv "$SCRATCH/index.json" "$STORE/index.json"
	[ "$(code "$URL/healthz")" = 200 ]
}

@test "/metrics counts requests by status, bytes sent and open connections" {
	start_server --root "$STORE"
	curl -sS -o /dev/null "$URL/blobs/sha256/$SMALL"
	curl -sS -o /dev/null "$URL/blobs/sha256/$SMALL"
	curl -sS -o /dev/null "$URL/nothing"
	curl -sS -o /dev/null -r 0-9 "$URL/blobs/sha256/$BIG"
	run curl -sS -D - "$URL/metrics"
	[[ "$output" == *"Content-Type: text/plain; version=0.0.4"* ]]
	[[ "$output" == *"# TYPE dcos_artifactd_requests_total counter"* ]]
	[ "$(metric 'dcos_artifactd_requests_total{code="200"}')" -ge 2 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="404"}')" -eq 1 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="206"}')" -eq 1 ]
	[ "$(metric dcos_artifactd_sent_bytes_total)" -ge $((4096 * 2 + 10)) ]
	# The connection asking counts itself.
	[ "$(metric dcos_artifactd_open_connections)" -ge 1 ]
}

@test "/metrics passes promtool and has build_info, process_* and a request duration histogram" {
	need promtool jq
	start_server --root "$STORE"
	m=$SCRATCH/metrics
	curl -sS -o "$m" "$URL/metrics"
	run promtool check metrics < "$m"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { echo "$output"; return 1; }
	version=$("$ARTIFACTD" --version | awk '{ print $NF }')
	grep -qx "dcos_artifactd_build_info{version=\"$version\"} 1" "$m"
	# The process as /proc shows it to others.
	val() { awk -v n="$1" '$1 == n { print $2 }' "$m"; }
	fds=$(val process_open_fds)
	[ "$fds" -gt 3 ]
	[ "$fds" -lt "$(val process_max_fds)" ]
	# Three more connections held open: three more descriptors.
	exec {c1}<>"/dev/tcp/127.0.0.1/$PORT" {c2}<>"/dev/tcp/127.0.0.1/$PORT" \
	    {c3}<>"/dev/tcp/127.0.0.1/$PORT"
	# (The connection asking counts itself.)
	conns_are() { [ "$(metric dcos_artifactd_open_connections)" -eq "$1" ]; }
	wait_until 5 conns_are 4
	[ "$(metric process_open_fds)" -eq $((fds + 3)) ]
	exec {c1}>&- {c2}>&- {c3}>&-
	[ "$(val process_resident_memory_bytes)" -gt 1000000 ]
	[ "$(val process_resident_memory_bytes)" -le "$(val process_virtual_memory_bytes)" ]
	start=$(stat -c %Y "/proc/$SERVER_PID")
	awk -v t="$(val process_start_time_seconds)" -v s="$start" \
	    'BEGIN { exit !(t > s - 5 && t < s + 5) }'
	awk -v c="$(val process_cpu_seconds_total)" 'BEGIN { exit !(c >= 0 && c < 60) }'
	# No index.json request yet; two now, one blob, one refused.
	dur=dcos_artifactd_request_duration_seconds
	[ "$(val "${dur}_count{route=\"index\"}")" -eq 0 ]
	curl -sS -o /dev/null "$URL/index.json"
	curl -sS -o /dev/null "$URL/index.json"
	curl -sS -o /dev/null "$URL/blobs/sha256/$SMALL"
	curl -sS -o /dev/null "$URL/nothing"
	curl -sS -o "$m" "$URL/metrics"
	promtool check metrics < "$m"
	[ "$(val "${dur}_count{route=\"index\"}")" -eq 2 ]
	[ "$(val "${dur}_bucket{route=\"index\",le=\"+Inf\"}")" -eq 2 ]
	[ "$(val "${dur}_count{route=\"blob\"}")" -eq 1 ]
	[ "$(val "${dur}_count{route=\"other\"}")" -eq 1 ]
	awk -v s="$(val "${dur}_sum{route=\"index\"}")" 'BEGIN { exit !(s > 0 && s < 10) }'
	# Buckets are cumulative: never fewer than the one before.
	grep "^${dur}_bucket{route=\"index\"" "$m" | awk '$2 < prev { exit 1 } { prev = $2 }'
	[ "$(grep -c "^${dur}_bucket{route=\"index\"" "$m")" -eq 15 ]
}

# A request sent as bytes, so that both servers get exactly the same.
ACCESS_REQUESTS=(
	'GET /index.json HTTP/1.1\r\nHost: x\r\nUser-Agent: a"b\\c\x01\xff\xc3\xa9 d\r\nReferer: http://r/"x\r\nConnection: close\r\n\r\n'
	'GET /index.json?q="x"\\ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
	'HEAD /index.json HTTP/1.0\r\n\r\n'
	'GET /index.json HTTP/1.1\r\nHost: x\r\nUser-Agent: tab\there\x7f\r\nConnection: close\r\n\r\n'
)

@test "the access log is nginx's combined format: the same line nginx writes for the same request" {
	nginx_start "$STORE" "access_log $SCRATCH/nginx-combined.log combined;"
	start_server --root "$STORE" --access-log "$SCRATCH/access.log"
	for r in "${ACCESS_REQUESTS[@]}"; do
		raw "$r" > /dev/null
		PORT=$NGINX_PORT raw "$r" > /dev/null
	done
	stop_server
	nginx_stop
	# nginx logged its readiness probe first.
	sed 1d "$SCRATCH/nginx-combined.log" > "$SCRATCH/nginx.log"
	[ "$(wc -l < "$SCRATCH/nginx.log")" -eq "${#ACCESS_REQUESTS[@]}" ]
	notime() { sed 's/ \[[^]]*\] / [TIME] /' "$1"; }
	diff <(notime "$SCRATCH/nginx.log") <(notime "$SCRATCH/access.log")
	grep -q '"a\\x22b\\x5Cc\\x01\\xFF\\xC3\\xA9 d"$' "$SCRATCH/access.log"
	# $time_local: the local time with its offset, English month names.
	grep -Evq '^[^ ]+ - - \[[0-3][0-9]/(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)/[0-9]{4}:[0-2][0-9]:[0-5][0-9]:[0-6][0-9] [+-][0-9]{4}\] ' "$SCRATCH/access.log" &&
		{ cat "$SCRATCH/access.log"; return 1; }
	TZ=America/New_York start_server --root "$STORE" --access-log "$SCRATCH/ny.log"
	curl -sS -o /dev/null "$URL/healthz"
	stop_server
	grep -Eq ' \[[^]]* -0[45]00\] "GET /healthz HTTP/1.1" 200 3 ' "$SCRATCH/ny.log"
}

@test "--access-log-format json writes one JSON object per line with every byte a client sent" {
	need jq python3
	start_server --root "$STORE" --access-log "$SCRATCH/access.log" \
	    --access-log-format json
	for r in "${ACCESS_REQUESTS[@]}"; do
		raw "$r" > /dev/null
	done
	long=$(head -c 6000 /dev/zero | tr '\0' a)
	raw "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n" > /dev/null
	stop_server
	[ "$(wc -l < "$SCRATCH/access.log")" -eq $(( ${#ACCESS_REQUESTS[@]} + 1 )) ]
	# Every line is one JSON object (jq fails on anything else).
	jq -e . "$SCRATCH/access.log" > /dev/null
	first=$(head -n 1 "$SCRATCH/access.log")
	[ "$(jq -r '[.remote_addr, .method, .uri, .protocol, .status, .body_bytes_sent, .http_referer] | @tsv' <<< "$first")" = \
	    "$(printf '127.0.0.1\tGET\t/index.json\tHTTP/1.1\t200\t%s\thttp://r/"x' "$(stat -c %s "$STORE/index.json")")" ]
	jq -e '(.request_time | type) == "number" and .request_time >= 0 and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}[+-][0-9]{2}:[0-9]{2}$"))' <<< "$first"
	# The exact bytes of the User-Agent come back from the JSON string.
	python3 -c 'import json, sys
ua = json.loads(sys.argv[1])["http_user_agent"].encode("latin-1")
assert ua == b"a\"b\\c\x01\xff\xc3\xa9 d", ua' "$first"
	[ "$(sed -n 2p "$SCRATCH/access.log" | jq -r .uri)" = '/index.json?q="x"\' ]
	[ "$(sed -n 3p "$SCRATCH/access.log" | jq -c '[.method, .protocol, .body_bytes_sent, .http_user_agent]')" = '["HEAD","HTTP/1.0",0,null]' ]
	# Refused before the request line was known: nulls, not dashes.
	[ "$(tail -n 1 "$SCRATCH/access.log" | jq -c '[.remote_addr, .method, .uri, .protocol, .status, .request_time]')" = '[null,null,null,null,414,null]' ]
	run "$ARTIFACTD" serve --root "$STORE" -l 127.0.0.1:0 --access-log-format xml
	[ "$status" -eq 2 ]
	one_line
	[[ "$output" == *"--access-log-format xml: give combined (nginx's) or json"* ]]
}

@test "--verify-on-start serves nothing whose content does not match its name" {
	flip_byte "$STORE/blobs/sha256/$BIG" 3000000
	start_server --root "$STORE"
	[ "$(code "$URL/blobs/sha256/$BIG")" = 200 ]	# names are trusted by default
	stop_server
	start_server --root "$STORE" --verify-on-start
	grep -q "blobs/sha256/$BIG: content does not match its name" "$SCRATCH/server.err"
	[ "$(code "$URL/blobs/sha256/$BIG")" = 404 ]
	[ "$(code "$URL/blobs/sha256/$SMALL")" = 200 ]
	# A blob that appears later is checked on its first request.
	echo late > "$SCRATCH/late"
	bad=$(printf other | sha256sum | cut -d' ' -f1)
	good=$(sha256sum < "$SCRATCH/late" | cut -d' ' -f1)
	cp "$SCRATCH/late" "$STORE/blobs/sha256/$bad"
	cp "$SCRATCH/late" "$STORE/blobs/sha256/$good"
	[ "$(code "$URL/blobs/sha256/$bad")" = 404 ]
	[ "$(code "$URL/blobs/sha256/$good")" = 200 ]
	# Repaired in place, it is served.
	printf other > "$STORE/blobs/sha256/$bad"
	[ "$(code "$URL/blobs/sha256/$bad")" = 200 ]
}

@test "SIGHUP reopens the access log" {
	start_server --root "$STORE" --access-log "$SCRATCH/access.log"
	curl -sS -o /dev/null "$URL/index.json"
	mv "$SCRATCH/access.log" "$SCRATCH/access.log.1"
	kill -HUP "$SERVER_PID"
	for i in $(seq 1 100); do
		[ -e "$SCRATCH/access.log" ] && break
		sleep 0.05
	done
	curl -sS -o /dev/null -A probe-agent "$URL/healthz"
	stop_server
	grep -q '"GET /index.json HTTP/1.1" 200 ' "$SCRATCH/access.log.1"
	grep -q '^127\.0\.0\.1 - - \[.*\] "GET /healthz HTTP/1.1" 200 3 "-" "probe-agent"$' "$SCRATCH/access.log"
	! grep -q healthz "$SCRATCH/access.log.1"
}

# big_blob MB: a blob larger than the socket buffers, so the server is
# still sending it while the client reads slowly.  Sets HUGE.
big_blob() {
	head -c "$(($1 * 1024 * 1024))" /dev/urandom > "$SCRATCH/huge"
	HUGE=$(sha256sum < "$SCRATCH/huge" | cut -d' ' -f1)
	mv "$SCRATCH/huge" "$STORE/blobs/sha256/$HUGE"
}

@test "SIGINT stops the server cleanly" {
	start_server --root "$STORE"
	kill -INT "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
	grep -q "Interrupt: shutting down" "$SCRATCH/server.err"
}

@test "SIGTERM lets a download in flight finish, then exits 0" {
	big_blob 48
	start_server --root "$STORE" --grace 30
	curl -sS --limit-rate 24M -o "$SCRATCH/got" "$URL/blobs/sha256/$HUGE" &
	cpid=$!
	for i in $(seq 1 200); do
		[ -s "$SCRATCH/got" ] && break
		sleep 0.02
	done
	kill -TERM "$SERVER_PID"
	wait "$cpid"
	[ "$(sha256sum < "$SCRATCH/got" | cut -d' ' -f1)" = "$HUGE" ]
	wait "$SERVER_PID"
	SERVER_PID=
	grep -q "shutting down" "$SCRATCH/server.err"
	! grep -q "grace period over" "$SCRATCH/server.err"
}

@test "a download still running after the grace period is cut and the server exits 0" {
	big_blob 48
	start_server --root "$STORE" --grace 1
	curl -sS --limit-rate 4M -o "$SCRATCH/got" "$URL/blobs/sha256/$HUGE" &
	cpid=$!
	for i in $(seq 1 200); do
		[ -s "$SCRATCH/got" ] && break
		sleep 0.02
	done
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
	status=0
	wait "$cpid" || status=$?
	[ "$status" -ne 0 ]
	[ "$(stat -c %s "$SCRATCH/got")" -lt $((48 * 1024 * 1024)) ]
	grep -q "grace period over: cutting 1 download" "$SCRATCH/server.err"
}

@test "serves over TLS with --tls-cert and --tls-key" {
	need openssl
	openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 -days 2 \
	    -keyout "$SCRATCH/key.pem" -out "$SCRATCH/cert.pem" 2>/dev/null
	start_server --root "$STORE" --tls-cert "$SCRATCH/cert.pem" --tls-key "$SCRATCH/key.pem"
	[[ "$URL" == https://* ]]
	curl -sSf --cacert "$SCRATCH/cert.pem" -o "$SCRATCH/got" "$URL/blobs/sha256/$BIG"
	[ "$(sha256sum < "$SCRATCH/got" | cut -d' ' -f1)" = "$BIG" ]
	[ "$(curl -sS --cacert "$SCRATCH/cert.pem" -r 0-3 "$URL/blobs/sha256/$SMALL" | wc -c)" -eq 4 ]
	run curl -sS "$URL/index.json"
	[ "$status" -ne 0 ]	# no trust without the certificate
}
