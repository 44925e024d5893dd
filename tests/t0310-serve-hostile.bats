#!/usr/bin/env bats
# dcos-artifactd serve under hostile input: traversal in every encoding,
# symlinks out of the root, oversized and malformed requests, slow and
# greedy clients.  Nothing outside the root is ever read and the server
# keeps serving everyone else.

# SPDX-License-Identifier: Apache-2.0
load lib
load serve-lib

setup() {
	need curl strace
	SCRATCH=$(mktemp -d)
	STORE="$SCRATCH/store"
	make_store "$STORE"
}

teardown() {
	stop_server || true
	rm -rf "$SCRATCH"
}

# Request paths sent as they are (curl --path-as-is).
hostile_paths() {
	local out
	out=$(printf '%s' "$(cat "$SECRET")" | sha256sum | cut -d' ' -f1)
	cat <<EOP
/secret.txt
/../secret.txt
/../../../../etc/passwd
/%2e%2e/secret.txt
/%2E%2E/%2E%2E/etc/passwd
/..%2fsecret.txt
/..%2Fsecret.txt
/%2e%2e%2fsecret.txt
/%252e%252e%252fsecret.txt
/%252e%252e/secret.txt
/.%2e/secret.txt
/blobs/sha256/../../../secret.txt
/blobs/sha256/..%2f..%2f..%2fsecret.txt
/blobs/sha256/%2e%2e/%2e%2e/%2e%2e/secret.txt
/releases/../../secret.txt
/releases/..%2f..%2fsecret.txt
/releases/%2e%2e%2f%2e%2e%2fsecret.tar
/..\\secret.txt
/%5c..%5csecret.txt
/blobs\\..\\..\\secret.txt
/index.json%00
/index.json%00.tar
/%00
/secret.txt%00/index.json
/%c0%ae%c0%ae/secret.txt
/%c0%af..%c0%afsecret.txt
//secret.txt
/./index.json
/blobs/
/blobs/sha256/
/releases/
/
/genconf/config.yaml
/blobs/sha256/$out
/blobs/sha256/$(printf '%064d' 0)
/releases/out-1.tar
/releases/dir-1.tar
/index.json/..
/blobs/sha256/$SMALL/..
EOP
}

@test "hostile request paths get 400 or 404 and nothing outside the root is read" {
	# Symlinks that lead out of the root, named like store files.
	out=$(printf '%s' "$(cat "$SECRET")" | sha256sum | cut -d' ' -f1)
	ln -s "$SECRET" "$STORE/blobs/sha256/$out"
	ln -s ../../secret.txt "$STORE/releases/out-1.tar"
	mkdir "$STORE/releases/dir-1.tar"
	# LeakSanitizer cannot run under ptrace; the other tests cover leaks.
	launch env ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
	    strace -f -qq -e trace=open,openat,openat2 -o "$SCRATCH/trace" \
	    "$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 --root "$STORE"
	n=0
	while IFS= read -r p; do
		c=$(curl -sS --path-as-is -o "$SCRATCH/body" -w '%{http_code}' "$URL$p")
		if [ "$c" != 400 ] && [ "$c" != 404 ]; then
			echo "$p: got $c"
			false
		fi
		! grep -q TOP-SECRET "$SCRATCH/body"
		! grep -q '^root:' "$SCRATCH/body"
		n=$((n + 1))
	done < <(hostile_paths)
	[ "$n" -ge 35 ]
	# Raw request targets curl would not send.
	for req in 'GET ../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET http://127.0.0.1/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET /..\\\\secret.txt HTTP/1.1\r\nHost: x\r\n\r\n' \
	    'GET *\r\n\r\n'; do
		out=$(raw "$req")
		[[ "$out" != *TOP-SECRET* ]]
		[[ "$out" == "HTTP/1.1 400"* || "$out" == "HTTP/1.1 404"* ||
		   "$out" == "" ]]
	done
	# A symlink that stays inside the root is an ordinary store file.
	ln -s "$SMALL" "$STORE/blobs/sha256/$(printf '%064d' 1)"
	[ "$(code "$URL/blobs/sha256/$(printf '%064d' 1)")" = 200 ]
	[ "$(code "$URL/blobs/sha256/$SMALL")" = 200 ]
	kill -TERM "$(pgrep -P "$SERVER_PID")"
	wait "$SERVER_PID"
	SERVER_PID=
	# strace saw every open: none named the secret or left the root.
	grep -q 'blobs/sha256/' "$SCRATCH/trace"
	! grep -E 'secret|/etc/passwd|config\.yaml' "$SCRATCH/trace"
}

@test "blobs/ or blobs/sha256/ leading out of the root stops serve at start with one line" {
	# Outside: the store's blobs and one whose content is not its name.
	mv "$STORE/blobs" "$SCRATCH/outside"
	cp "$SECRET" "$SCRATCH/outside/sha256/$(printf '%064d' 2)"
	ln -s ../outside "$STORE/blobs"
	for opt in "" --verify-on-start; do
		# shellcheck disable=SC2086 # opt is one word or none
		run timeout 10 "$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 --root "$STORE" $opt
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"$STORE/blobs/sha256 leads out of the store root (a symlink?): serve never follows a symlink out of --root"* ]]
	done
	rm "$STORE/blobs"
	mkdir "$STORE/blobs"
	ln -s ../../outside/sha256 "$STORE/blobs/sha256"
	run timeout 10 "$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 --root "$STORE"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$STORE/blobs/sha256 leads out of the store root"* ]]
	[[ "$output" != *"Not a directory"* ]]
	# A symlink that stays inside the root is followed, as requests do.
	rm "$STORE/blobs/sha256"
	mv "$SCRATCH/outside/sha256" "$STORE/blobs/real"
	ln -s real "$STORE/blobs/sha256"
	start_server --root "$STORE"
	[ "$(curl -sS "$URL/blobs/sha256/$SMALL" | sha256sum | cut -d' ' -f1)" = "$SMALL" ]
	[ "$(code "$URL/healthz")" = 200 ]
}

@test "index.json leading out of the root: no start, and /healthz says 503 when it turns so later" {
	mv "$STORE/index.json" "$SCRATCH/index.json"
	ln -s ../index.json "$STORE/index.json"
	run timeout 10 "$ARTIFACTD" serve --allow-root -l 127.0.0.1:0 --root "$STORE"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"$STORE/index.json: leads out of the store root: serve opens only files inside --root"* ]]
	rm "$STORE/index.json"
	cp "$SCRATCH/index.json" "$STORE/index.json"
	start_server --root "$STORE"
	[ "$(code "$URL/healthz")" = 200 ]
	ln -sf ../index.json "$STORE/index.json"
	# What cannot be served is not healthy.
	[ "$(code "$URL/index.json")" = 404 ]
	[ "$(code "$URL/healthz")" = 503 ]
	rm "$STORE/index.json"
	cp "$SCRATCH/index.json" "$STORE/index.json"
	[ "$(code "$URL/healthz")" = 200 ]
	[ "$(code "$URL/index.json")" = 200 ]
}

@test "a request header over the 4 KiB default gets 431 and the server keeps serving" {
	start_server --root "$STORE"
	big=$(head -c 5000 /dev/zero | tr '\0' a)
	[ "$(code "$URL/index.json" -H "X-Big: $big")" = 431 ]
	medium=$(head -c 2000 /dev/zero | tr '\0' b)
	[ "$(code "$URL/index.json" -H "X-Medium: $medium")" = 200 ]
	kill -0 "$SERVER_PID"
}

@test "a request path longer than 1024 bytes gets 414" {
	start_server --root "$STORE"
	long=/$(head -c 1100 /dev/zero | tr '\0' a)
	[ "$(code "$URL$long")" = 414 ]
	[ "$(code "$URL/index.json")" = 200 ]
}

@test "a client trickling its request is cut off after --timeout while others are served" {
	start_server --root "$STORE" --timeout 2
	# One byte every 0.2 s: never idle, never a complete request.
	timeout 20 bash -c 'trap "" PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$1"
		start=$SECONDS
		while printf "X" >&3 2>/dev/null; do
			sleep 0.2
		done
		echo $((SECONDS - start)) > "$2"' _ "$PORT" "$SCRATCH/cut-after" &
	tpid=$!
	for i in $(seq 1 20); do
		[ "$(code "$URL/blobs/sha256/$SMALL")" = 200 ]
	done
	wait "$tpid"
	[ -s "$SCRATCH/cut-after" ]
	[ "$(cat "$SCRATCH/cut-after")" -le 8 ]
	[ "$(metric dcos_artifactd_slow_clients_cut_total)" -ge 1 ]
	[ "$(code "$URL/index.json")" = 200 ]
}

@test "connections beyond --max-per-ip are refused while other clients are served" {
	start_server --root "$STORE" --max-per-ip 3
	exec 5<>"/dev/tcp/127.0.0.1/$PORT" 6<>"/dev/tcp/127.0.0.1/$PORT" \
	    7<>"/dev/tcp/127.0.0.1/$PORT"
	run curl -sS -o /dev/null "$URL/index.json"
	[ "$status" -ne 0 ]
	# Another address is another client.
	[ "$(code "$URL/index.json" --interface 127.0.0.2)" = 200 ]
	exec 5>&- 6>&- 7>&-
	for i in $(seq 1 100); do
		[ "$(code "$URL/index.json" 2>/dev/null)" = 200 ] && break
		sleep 0.02
	done
	[ "$(code "$URL/index.json")" = 200 ]
}

@test "garbage requests never stop the server" {
	start_server --root "$STORE"
	raw '\0\0\0\0\r\n\r\n' > /dev/null
	raw 'GET / HTTP/9.9\r\n\r\n' > /dev/null
	raw 'GET /index.json HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n' > /dev/null
	raw 'GET /index.json HTTP/1.1\r\nBad Header Line\r\n\r\n' > /dev/null
	raw 'GARBAGE\n\n' > /dev/null
	head -c 65536 /dev/urandom > "$SCRATCH/noise"
	timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"; cat "$2" >&3; cat <&3 >/dev/null' \
	    _ "$PORT" "$SCRATCH/noise" || true
	out=$(raw 'GET /index.json HTTP/1.0\r\n\r\n')
	[[ "$out" == "HTTP/1.1 200 OK"* ]]
	kill -0 "$SERVER_PID"
	[ "$(code "$URL/healthz")" = 200 ]
}

@test "a GET or HEAD with a body gets 400, counted and logged as 400, and the server keeps serving" {
	start_server --root "$STORE" --access-log "$SCRATCH/access.log"
	[ "$(code "$URL/index.json" -X GET --data-binary @"$SCRATCH/small")" = 400 ]
	# A body too large to read first is refused before curl sends it.
	[ "$(code "$URL/index.json" -X GET --data-binary @"$SCRATCH/big")" = 400 ]
	out=$(raw 'HEAD /index.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello')
	[[ "$out" == "HTTP/1.1 400"* ]]
	out=$(raw 'GET /index.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n')
	[[ "$out" == "HTTP/1.1 400"* ]]
	# An empty body is no body.
	out=$(raw 'GET /index.json HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
	[[ "$out" == "HTTP/1.1 200"* ]]
	[ "$(metric 'dcos_artifactd_requests_total{code="400"}')" -eq 4 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="200"}')" -eq 2 ]	# the one above and one /metrics
	stop_server
	[ "$(grep -c '"GET /index.json HTTP/1.1" 400 ' "$SCRATCH/access.log")" -eq 3 ]
	grep -q '"HEAD /index.json HTTP/1.1" 400 ' "$SCRATCH/access.log"
	[ "$(grep -c '"GET /index.json HTTP/1.1" 200 ' "$SCRATCH/access.log")" -eq 1 ]
}

@test "requests libmicrohttpd refuses itself (431, 414, 505, a bad header) are counted and logged" {
	start_server --root "$STORE" --access-log "$SCRATCH/access.log"
	long=$(head -c 6000 /dev/zero | tr '\0' a)
	[ "$(code "$URL/index.json" -H "X-Big: $long")" = 431 ]
	raw "GET /$long HTTP/1.1\r\nHost: x\r\n\r\n" >/dev/null
	out=$(raw 'GET /index.json HTTP/2.0\r\nHost: x\r\n\r\n')
	[[ "$out" == "" || "$out" == "HTTP/1.1 505"* ]]
	out=$(raw 'GET /index.json HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n')
	[[ "$out" == "HTTP/1.1 400"* ]]
	[ "$(metric 'dcos_artifactd_requests_total{code="431"}')" -eq 1 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="414"}')" -eq 1 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="505"}')" -eq 1 ]
	[ "$(metric 'dcos_artifactd_requests_total{code="400"}')" -eq 1 ]
	[ "$(code "$URL/index.json")" = 200 ]
	stop_server
	# Answered before the handler saw them: no method or version known.
	grep -q '^127\.0\.0\.1 - - \[.*\] "- /index.json -" 431 .* "curl/' "$SCRATCH/access.log"
	grep -q '^127\.0\.0\.1 - - \[.*\] "- /index.json -" 400 ' "$SCRATCH/access.log"
	# Refused before the request line was read: no client or path known.
	grep -q '^- - - \[.*\] "- - -" 414 0 "-" "-"$' "$SCRATCH/access.log"
	grep -q '^- - - \[.*\] "- - -" 505 0 "-" "-"$' "$SCRATCH/access.log"
}

@test "HTTP/1.1 needs exactly one Host; absolute-form targets are served" {
	start_server --root "$STORE"
	out=$(raw 'GET /index.json HTTP/1.1\r\n\r\n')
	[[ "$out" == "HTTP/1.1 400"* ]]
	out=$(raw 'GET /index.json HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n')
	[[ "$out" == "HTTP/1.1 400"* ]]
	out=$(raw 'GET /index.json HTTP/1.0\r\n\r\n')
	[[ "$out" == "HTTP/1.0 200"* || "$out" == "HTTP/1.1 200"* ]]
	out=$(raw 'GET http://127.0.0.1/index.json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
	[[ "$out" == "HTTP/1.1 200"* ]]
	[[ "$out" == *'"cluster_manifests"'* ]]
	# The same through a proxy-style client.
	curl -sS --proxy "$URL" -o "$SCRATCH/got" "http://store.example/blobs/sha256/$SMALL"
	[ "$(sha256sum < "$SCRATCH/got" | cut -d' ' -f1)" = "$SMALL" ]
}
