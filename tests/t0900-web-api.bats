#!/usr/bin/env bats
# dcos-genconf web: its JSON API with curl against a real server on
# loopback, over a site made from the sample release (the browser tests
# drive the UI over the same API).

# SPDX-License-Identifier: Apache-2.0
load lib
load script
load serve-lib

# A secret of the site that no response may ever carry.
SECRET='Sekr1t-value-8d1e4c'

setup_file() {
	sample_releases
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need curl jq
	SCRATCH=$(mktemp -d)
	SITE="$SCRATCH/site"
	mkdir "$SITE"
	cp -R "$top_srcdir/sample/site/genconf" "$SITE/genconf"
	echo "exhibitor_admin_password: $SECRET" >> "$SITE/genconf/config.yaml"
	cp "$FILE_SCRATCH/vendor.pub" "$SITE/dcos-release.pub"
	cp "$FILE_SCRATCH"/r1/dcos-1.0.0.tar* "$SITE/"
	# Every response body of the test goes here too: none has the secret.
	BODIES="$SCRATCH/bodies"
	: > "$BODIES"
	export SCRATCH SITE BODIES
}

teardown() {
	stop_server
	cd /
	rm -rf "$SCRATCH"
}

# start_web [ADDR] [ARGS...]: dcos-genconf web on ADDR (default
# 127.0.0.1) and a free port, in $SITE; ready once it says where it
# listens.  Sets URL and SERVER_PID (stop_server, serve-lib.bash, stops
# it and wants exit status 0).
start_web() {
	local addr=${1:-127.0.0.1} i
	shift || true
	: > "$SCRATCH/server.err"
	(cd "$SITE" && exec "$GENCONF" web -l "$addr:0" "$@") \
	    2> "$SCRATCH/server.err" 3>&- &
	SERVER_PID=$!
	for i in $(seq 1 400); do
		URL=$(sed -n "s|.* on \(https\{0,1\}://$addr:[0-9]*\)$|\1|p" "$SCRATCH/server.err")
		[ -n "$URL" ] && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$SCRATCH/server.err" >&2; return 1; }
		sleep 0.025
	done
	[ -n "$URL" ] || { echo "web did not start" >&2; return 1; }
	export URL SERVER_PID
}

# api METHOD PATH [BODY] [CURL ARGS...]: prints the body, then a line
# with the status code; keeps the body in $BODIES.
api() {
	local m=$1 p=$2 body=${3:-} out
	shift 3 2>/dev/null || shift $#
	out=$(curl -sS -X "$m" ${body:+--data-binary "$body"} -w '\n%{http_code}' "$@" "$URL/api$p")
	printf '%s\n' "$out" >> "$BODIES"
	printf '%s\n' "$out"
}

# code_of: the status line api printed; body_of: the rest.
code_of() { tail -n 1 <<< "$1"; }
body_of() { sed '$d' <<< "$1"; }

snapshot() {
	(cd "$1" && find . -printf '%y %m %i %p\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

@test "off loopback every API call takes the token, printed once at start; on 127.0.0.1 none is asked" {
	start_web 127.0.0.2
	token=$(sed -n 's|.*#token=\([0-9a-f]*\) .*|\1|p' "$SCRATCH/server.err")
	[ "${#token}" -eq 48 ]
	[ "$(grep -c "$token" "$SCRATCH/server.err")" -eq 1 ]
	r=$(api GET /schema)
	[ "$(code_of "$r")" = 401 ]
	body_of "$r" | jq -e '.error | test("token")'
	r=$(api GET /config "" -H "Authorization: Bearer ${token}x")
	[ "$(code_of "$r")" = 401 ]
	r=$(api GET /config "" -H "Authorization: Bearer ${token:0:47}")
	[ "$(code_of "$r")" = 401 ]
	r=$(api POST /ops '{"op":"deploy"}' -H "Authorization: Basic $token")
	[ "$(code_of "$r")" = 401 ]
	r=$(api GET /schema "" -H "Authorization: Bearer $token")
	[ "$(code_of "$r")" = 200 ]
	body_of "$r" | jq -e '.options | length > 10'
	# The page itself loads without it (it reads the token from #token=).
	[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/")" = 200 ]
	stop_server
	# --token-file: that token, and it is never printed.
	printf 'a-token-of-the-site-0123456789\n' > "$SCRATCH/token"
	start_web 127.0.0.2 --token-file "$SCRATCH/token"
	! grep -q 'a-token-of-the-site' "$SCRATCH/server.err"
	[ "$(code_of "$(api GET /schema)")" = 401 ]
	[ "$(code_of "$(api GET /schema "" -H 'Authorization: Bearer a-token-of-the-site-0123456789')")" = 200 ]
	stop_server
	start_web 127.0.0.1
	! grep -q 'token' "$SCRATCH/server.err"
	[ "$(code_of "$(api GET /schema)")" = 200 ]
	# A short token file is refused, in one line.
	printf 'short\n' > "$SCRATCH/token"
	stop_server
	run sh -c 'cd "$SITE" && exec "$GENCONF" web -l 127.0.0.2:0 --token-file "$SCRATCH/token"'
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"--token-file"*"at least 16"* ]]
}

@test "--tls-cert and --tls-key: HTTPS only, the token still asked off loopback" {
	need openssl
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$SCRATCH/key.pem" \
	    -out "$SCRATCH/cert.pem" -days 1 -subj /CN=127.0.0.2 2>/dev/null
	printf 'a-token-of-the-site-0123456789\n' > "$SCRATCH/token"
	start_web 127.0.0.2 --tls-cert "$SCRATCH/cert.pem" --tls-key "$SCRATCH/key.pem" --token-file "$SCRATCH/token"
	[[ "$URL" == https://* ]]
	[ "$(code_of "$(api GET /schema "" --cacert "$SCRATCH/cert.pem")")" = 401 ]
	[ "$(code_of "$(api GET /schema "" --cacert "$SCRATCH/cert.pem" -H 'Authorization: Bearer a-token-of-the-site-0123456789')")" = 200 ]
	[ "$(curl -sS -o /dev/null -w '%{http_code}' "http${URL#https}/api/schema" || true)" = 000 ]
	stop_server
	run sh -c 'cd "$SITE" && exec "$GENCONF" web -l 127.0.0.1:0 --tls-cert "$SCRATCH/cert.pem"'
	[ "$status" -eq 2 ]
	[[ "$output" == *"--tls-cert and --tls-key go together"* ]]
}

@test "the UI is compiled in and served with a strict CSP; every API answer is JSON, no-store, nosniff" {
	start_web
	h=$(curl -sS -D - -o "$SCRATCH/index.html" "$URL/" | tr -d '\r')
	grep -q "^Content-Security-Policy: default-src 'self'" <<< "$h"
	grep -q '^Content-Type: text/html' <<< "$h"
	grep -q 'data-action="validate"' "$SCRATCH/index.html"
	cmp <(curl -sS "$URL/app.js") "$top_srcdir/genconf/web/ui/app.js"
	cmp <(curl -sS "$URL/app.css") "$top_srcdir/genconf/web/ui/app.css"
	h=$(curl -sS -D - -o /dev/null "$URL/api/schema" | tr -d '\r')
	grep -q '^Content-Type: application/json' <<< "$h"
	grep -q '^Cache-Control: no-store' <<< "$h"
	grep -q '^X-Content-Type-Options: nosniff' <<< "$h"
	# The schema: every option with its type; secrets flagged; choices.
	r=$(api GET /schema)
	body_of "$r" | jq -e '.options[] | select(.name == "exhibitor_admin_password") | .secret == true and .type == "string"'
	body_of "$r" | jq -e '.options[] | select(.name == "master_discovery") | .choices | index("static") != null'
	body_of "$r" | jq -e '.ip_detect_examples | length > 0'
	# Unknown paths and methods.
	r=$(api GET /nothing)
	[ "$(code_of "$r")" = 404 ]
	body_of "$r" | jq -e .error
	[ "$(curl -sS -o /dev/null -w '%{http_code}' "$URL/nothing.html")" = 404 ]
	r=$(api DELETE /config)
	[ "$(code_of "$r")" = 405 ]
	body_of "$r" | jq -e .error
	[ "$(code_of "$(api GET /validate)")" = 405 ]
}

@test "secrets never leave: masked in the config, the diff and every answer; a masked secret sent back keeps the stored one" {
	start_web
	r=$(api GET /config)
	[ "$(code_of "$r")" = 200 ]
	cfg=$(body_of "$r" | jq -c .config)
	[ "$(jq -r .exhibitor_admin_password <<< "$cfg")" = '********' ]
	api POST /validate "{\"config\": $cfg}" | head -n 1 | jq -e '.ok == true'
	# A change elsewhere, the secret sent back masked: diff and save.
	new=$(jq -c '.cluster_name = "renamed"' <<< "$cfg")
	r=$(api POST /config "{\"config\": $new, \"dry_run\": true}")
	body_of "$r" | jq -e '.ok == true and (.diff | test("\\+cluster_name: renamed"))'
	r=$(api POST /config "{\"config\": $new}")
	body_of "$r" | jq -e '.ok and .written'
	grep -qx "exhibitor_admin_password: $SECRET" "$SITE/genconf/config.yaml"
	grep -qx 'cluster_name: renamed' "$SITE/genconf/config.yaml"
	# A new secret: the diff shows that it changed, never the value.
	new2=$(jq -c '.exhibitor_admin_password = "Other-secret-31337"' <<< "$new")
	r=$(api POST /config "{\"config\": $new2, \"dry_run\": true}")
	! grep -q 'Other-secret-31337' <<< "$r"
	body_of "$r" | jq -r .diff > "$SCRATCH/diff"
	grep -qxF -- '-exhibitor_admin_password: "********"' "$SCRATCH/diff"
	grep -qxF -- '+exhibitor_admin_password: "********"  # changed' "$SCRATCH/diff"
	# A wrong value in a secret is reported without quoting it.
	bad=$(jq -c '.exhibitor_admin_password = ["Sekr1t-in-a-list"]' <<< "$new")
	r=$(api POST /validate "{\"config\": $bad}")
	body_of "$r" | jq -e '.errors[] | select(.field == "exhibitor_admin_password")'
	! grep -q 'Sekr1t-in-a-list' <<< "$r"
	api POST /generate > /dev/null
	api GET /schema > /dev/null
	api GET /config > /dev/null
	[ -s "$BODIES" ]
	! grep -q "$SECRET" "$BODIES"
	! grep -q 'Other-secret' "$BODIES"
}

@test "malformed JSON, a body over 1 MiB, a wrong shape: 4xx with one error, nothing written" {
	start_web
	before=$(snapshot "$SITE")
	r=$(api POST /config '{"config": {"cluster_name": "x"')
	[ "$(code_of "$r")" = 400 ]
	body_of "$r" | jq -e '.error | test("not a JSON object")'
	r=$(api POST /config '[1, 2]')
	[ "$(code_of "$r")" = 400 ]
	r=$(api POST /config '{"config": "cluster_name: x"}')
	[ "$(code_of "$r")" = 400 ]
	body_of "$r" | jq -e '.error | test("config")'
	r=$(api POST /config '{"config": {}, "ip_detect": "echo 1"}')
	[ "$(code_of "$r")" = 400 ]
	r=$(api POST /ops '{"op": "rm -rf /"}')
	[ "$(code_of "$r")" = 400 ]
	r=$(api POST /ops '{"op": "deploy", "hosts": "all"}')
	[ "$(code_of "$r")" = 400 ]
	r=$(api POST /config '{"config": {"a": 1}, "config": {"b": 2}}')
	[ "$(code_of "$r")" = 400 ]
	head -c 2000000 /dev/zero | tr '\0' ' ' > "$SCRATCH/huge"
	{ printf '{"config": {"cluster_name": "huge"}, "x": "'; cat "$SCRATCH/huge"; printf '"}'; } > "$SCRATCH/huge.json"
	code=$(curl -sS -o "$SCRATCH/huge.out" -w '%{http_code}' --data-binary @"$SCRATCH/huge.json" "$URL/api/config")
	[ "$code" = 413 ]
	jq -e '.error | test("over 1048576 bytes")' "$SCRATCH/huge.out"
	[ "$(snapshot "$SITE")" = "$before" ]
	# The server still answers.
	[ "$(code_of "$(api GET /schema)")" = 200 ]
}

@test "validate: the compiler's errors, each at its field, as dcos-genconf validate says them" {
	start_web
	cfg=$(body_of "$(api GET /config)" | jq -c '.config')
	bad=$(jq -c '.ssh_port = 99999 | .master_list = ["10.0.0.1", "not-an-ip"] | del(.cluster_name)' <<< "$cfg")
	r=$(api POST /validate "{\"config\": $bad}")
	[ "$(code_of "$r")" = 200 ]
	body_of "$r" | jq -e '.ok == false'
	port=$(body_of "$r" | jq -r '.errors[] | select(.field == "ssh_port") | .message')
	ips=$(body_of "$r" | jq -r '.errors[] | select(.field == "master_list") | .message')
	[ -n "$port" ] && [ -n "$ips" ]
	[[ "$ips" == *not-an-ip* ]]
	body_of "$r" | jq -e '.errors[] | select(.field == "cluster_name")'
	# The command line, on the same values, says the same words.
	sed -i -e 's/^ssh_port: 22$/ssh_port: 99999/' -e 's/^  - 10.0.0.2$/  - not-an-ip/' "$SITE/genconf/config.yaml"
	run sh -c 'cd "$SITE" && "$GENCONF" validate'
	[ "$status" -eq 1 ]
	[[ "$output" == *"ssh_port: $port"* ]]
	# A valid form is ok, with no errors.
	r=$(api POST /validate "{\"config\": $cfg}")
	body_of "$r" | jq -e '.ok == true and (.errors | length) == 0'
}

@test "save: dry_run writes nothing and shows the diff; a save replaces config.yaml atomically, comments kept, as validate reads it" {
	start_web
	cfg=$(body_of "$(api GET /config)" | jq -c '.config')
	new=$(jq -c '.cluster_name = "web" | .agent_list += ["10.0.1.3"]' <<< "$cfg")
	before=$(snapshot "$SITE")
	r=$(api POST /config "{\"config\": $new, \"dry_run\": true}")
	body_of "$r" | jq -e '.ok and (.written | not)'
	diff=$(body_of "$r" | jq -r .diff)
	grep -qx -- '-cluster_name: demo' <<< "$diff"
	grep -qx -- '+cluster_name: web' <<< "$diff"
	grep -qx -- '+  - 10.0.1.3' <<< "$diff"
	[ "$(grep -c '^[-+][^-+]' <<< "$diff")" -eq 3 ]
	[ "$(snapshot "$SITE")" = "$before" ]
	# An invalid save writes nothing either.
	r=$(api POST /config "{\"config\": $(jq -c '.ssh_port = 0' <<< "$new")}")
	body_of "$r" | jq -e '.ok == false and (.written | not)'
	[ "$(snapshot "$SITE")" = "$before" ]
	ino=$(stat -c %i "$SITE/genconf/config.yaml")
	r=$(api POST /config "{\"config\": $new, \"ip_detect\": {\"content\": \"#!/bin/sh\\necho 10.0.0.5\\n\"}}")
	body_of "$r" | jq -e '.ok and .written'
	# Renamed over, not rewritten in place; no temporary file left.
	[ "$(stat -c %i "$SITE/genconf/config.yaml")" != "$ino" ]
	[ "$(stat -c %a "$SITE/genconf/config.yaml")" = 600 ]
	[ "$(ls -A "$SITE/genconf" | sort | tr '\n' ' ')" = "config.yaml ip-detect ip-detect.ps1 " ]
	head -n 1 "$SITE/genconf/config.yaml" | grep -q '^# The demo site'
	[ "$(cat "$SITE/genconf/ip-detect")" = "$(printf '#!/bin/sh\necho 10.0.0.5')" ]
	[ -x "$SITE/genconf/ip-detect" ]
	(cd "$SITE" && "$GENCONF" show) > "$SCRATCH/show"
	grep -qx 'cluster_name: "web"' "$SCRATCH/show"
	grep -q '"10.0.1.3"' "$SCRATCH/show"
	# What the API reads back is what it wrote.
	[ "$(body_of "$(api GET /config)" | jq -c '.config')" = "$(jq -c . <<< "$new")" ]
}

@test "generate writes the store as the command line does and says what changed since the last one" {
	start_web
	r=$(api POST /generate)
	[ "$(code_of "$r")" = 200 ]
	body_of "$r" | jq -e '.ok and .changed == ["the first store"]'
	id=$(body_of "$r" | jq -r .config_id)
	cm=$(body_of "$r" | jq -r .cluster_manifest)
	[ "$(jq -r .current "$SITE/genconf/serve/index.json")" = "$cm" ]
	[ -f "$SITE/genconf/serve/blobs/sha256/${cm#sha256:}" ]
	(cd "$SITE" && "$GENCONF" validate) | grep -q "config id $id,"
	r=$(api POST /generate)
	body_of "$r" | jq -e '.ok and .changed == [] and .config_id == "'"$id"'"'
	cfg=$(body_of "$(api GET /config)" | jq -c '.config | .cluster_name = "two"')
	api POST /config "{\"config\": $cfg}" | head -n 1 | jq -e .written
	r=$(api POST /generate)
	body_of "$r" | jq -e '.ok and (.changed | length) == 1 and (.changed[0] | startswith("config id "))'
	# An invalid config: the errors at their fields, the store kept.
	sed -i 's/^ssh_port: 22$/ssh_port: 0/' "$SITE/genconf/config.yaml"
	before=$(snapshot "$SITE/genconf/serve")
	r=$(api POST /generate)
	body_of "$r" | jq -e '.ok == false and (.errors[] | select(.field == "ssh_port"))'
	[ "$(snapshot "$SITE/genconf/serve")" = "$before" ]
}

@test "one operation at a time: a second gets 409 while the first runs; SIGTERM stops it and the server cleanly" {
	# Every ssh hangs in its ProxyCommand: nothing leaves this machine.
	printf 'Host *\n  ProxyCommand sleep 30\n' > "$SCRATCH/ssh_config"
	(cd "$SITE" && "$GENCONF" -q generate > /dev/null)
	start_web 127.0.0.1 --ssh-config "$SCRATCH/ssh_config"
	r=$(api POST /ops '{"op": "preflight"}')
	[ "$(code_of "$r")" = 202 ]
	id=$(body_of "$r" | jq -r .id)
	r=$(api POST /ops '{"op": "deploy"}')
	[ "$(code_of "$r")" = 409 ]
	body_of "$r" | jq -e '.error | test("another operation is running")'
	[ "$(code_of "$(api POST /generate)")" = 409 ]
	[ "$(code_of "$(api POST /ops '{"op": "preflight", "hosts": ["10.0.0.1"]}')")" = 409 ]
	# Every host of config.yaml, running its connect step.
	running() {
		[ "$(api GET "/ops/$id" | head -n 1 | jq -r '[.hosts[] | select(.result == "running" and .step == "connect")] | length')" = 6 ]
	}
	wait_until 10 running
	r=$(api GET "/ops/$id")
	body_of "$r" | jq -e '.op == "preflight" and .state == "running" and (.hosts[0] | has("elapsed") and .role == "master")'
	# The event stream has a host object per host.
	timeout 10 curl -sS -N "$URL/api/ops/$id/events" > "$SCRATCH/events" &
	ev=$!
	wait_until 10 grep -q '"host":"10.0.2.1"' "$SCRATCH/events"
	grep '^data: ' "$SCRATCH/events" | head -n 1 | sed 's/^data: //' | jq -e '.host == "10.0.0.1" and .result == "running"'
	[ "$(code_of "$(api GET /ops/nope)")" = 404 ]
	stop_server
	wait "$ev" || true
	# The stream ended when the server stopped.
	grep -q 'connect stopped by the interrupt' "$SCRATCH/server.err"
}

@test "deploy from the API against real sshd hosts: every row ends ok, the events end with done, the log has every host; cluster shows them current" {
	need unshare ip ssh ssh-keygen sshd
	load fleet
	RELEASE_DIR="$FILE_SCRATCH/r1"
	rm -rf "$SITE"
	export RELEASE_DIR
	run fleet_ns_run '
		fleet_up 1 1 0
		(exec "$GENCONF" web -l 127.0.0.1:0 --ssh-config "$SCRATCH/ssh_config") 2> "$SCRATCH/server.err" 3>&- &
		pid=$!
		for i in $(seq 1 400); do
			URL=$(sed -n "s|.* on \(http://127.0.0.1:[0-9]*\)$|\1|p" "$SCRATCH/server.err")
			[ -n "$URL" ] && break
			sleep 0.025
		done
		id=$(curl -sS -d "{\"op\":\"deploy\"}" "$URL/api/ops" | jq -r .id)
		timeout 120 curl -sS -N "$URL/api/ops/$id/events" > "$SCRATCH/events"
		curl -sS "$URL/api/ops/$id" > "$SCRATCH/op.json"
		curl -sS -D "$SCRATCH/log.h" "$URL/api/ops/$id/log" > "$SCRATCH/op.log"
		curl -sS "$URL/api/cluster" > "$SCRATCH/cluster.json"
		kill -TERM $pid
		wait $pid'
	echo "$output"
	cat "$SCRATCH/server.err"
	[ "$status" -eq 0 ]
	jq -e '.state == "done" and ([.hosts[].result] == ["ok", "ok"])' "$SCRATCH/op.json"
	jq -e '[.hosts[].step] == ["install", "install"]' "$SCRATCH/op.json"
	[ "$(grep -v '^$' "$SCRATCH/events" | tail -n 2 | head -n 1)" = 'event: done' ]
	[ "$(grep -c '"result":"ok"' "$SCRATCH/events")" -eq 2 ]
	grep -q '^==> 127.0.1.1 (master): ok <==$' "$SCRATCH/op.log"
	grep -q '^==> 127.0.1.2 (slave): ok <==$' "$SCRATCH/op.log"
	grep -q 'Checking ip-detect: PASS' "$SCRATCH/op.log"
	grep -qi '^Content-Disposition: attachment' "$SCRATCH/log.h"
	jq -e '[.hosts[] | .reachable and .drift == [] and .generation == 1 and .journal == "ok"] == [true, true]' "$SCRATCH/cluster.json"
	jq -e '.releases == [{"name": "dcos", "version": "1.0.0", "seq": 1, "current": true}]' "$SCRATCH/cluster.json"
}
