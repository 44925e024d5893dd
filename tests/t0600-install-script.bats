#!/usr/bin/env bats
# dcos_install.sh on its own: argument checks, the pinned dcos-bootstrap,
# downloads with curl, GNU wget and busybox wget (resume, retry, mirror
# failover, the size cap), --download-only, and a host left unchanged by
# every failure.  The store is served by stock nginx on loopback.

# SPDX-License-Identifier: Apache-2.0
load lib
load script

setup() {
	script_store_setup shellcheck setpriv
}

teardown() {
	# A run still held by held_curl (a failed test) goes now.
	: > "$SCRATCH/abort"
	: > "$SCRATCH/go"
	wait
	stop_all_nginx
	cd /
	if mountpoint -q "$SCRATCH/noexec"; then
		umount "$SCRATCH/noexec"
	fi
	rm -rf "$SCRATCH"
}

# The files under DIR, for "nothing changed" checks.
tree() {
	(cd "$1" && find . | LC_ALL=C sort)
}

@test "the template and a generated script pass shellcheck -s sh" {
	shellcheck -s sh "$top_srcdir/scripts/dcos_install.sh.in"
	shellcheck -s sh "$SCRIPT"
	# The body is one function called on the last line.
	[ "$(tail -n 1 "$SCRIPT")" = 'main "$@"' ]
}

@test "-h prints the usage under dash and busybox ash" {
	run dash "$SCRIPT" -h
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: dcos_install.sh [options] ROLE..." ]]
	[[ "$output" == *"--download-only DIR"* ]]
	run busybox ash "$SCRIPT" --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"Installs DC/OS cluster 'test' (dcos-1.0.0)"* ]]
}

@test "bad command lines get one line and exit status 2" {
	for args in "--bogus master" "" "master master" "leader" \
	    "--offline a --download-only b" "--root" \
	    "--mirror ftp://x master" "--mirror http://a'b master" \
	    "--preflight-only --disable-preflight master"; do
		# shellcheck disable=SC2086
		run dash "$SCRIPT" --root "$SCRATCH/R" $args
		[ "$status" -eq 2 ] || { echo "args: $args: $output"; false; }
		one_line
		[[ "$output" == "dcos_install.sh: error: "* ]]
	done
	run env DCOS_NO_START=maybe dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 2 ]
	[[ "$output" == *"DCOS_NO_START must be 1 or 0"* ]]
	[ -z "$(ls -A R)" ]
}

@test "without --root it must run as root" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups dash "$SCRIPT" master
	[ "$status" -eq 1 ]
	one_line
	[ "$output" = "dcos_install.sh: error: must run as root (use sudo), or give --root DIR" ]
}

@test "an empty --root or DCOS_ROOT is an error, never this host" {
	# An empty value used to mean "/": it must stop before anything is
	# fetched or created.  The runs are unprivileged, so a regression
	# fails on "must run as root" instead of installing on this machine.
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	empty_root_refused() {
		[ "$status" -eq 2 ] || { echo "$output"; return 1; }
		one_line
		[[ "$output" == *"error: --root (or DCOS_ROOT) is empty"* ]]
	}
	run nobody dash "$SCRIPT" --root= master
	empty_root_refused
	run nobody dash "$SCRIPT" --root '' master
	empty_root_refused
	run nobody env DCOS_ROOT= dash "$SCRIPT" master
	empty_root_refused
	run nobody env DCOS_ROOT="$SCRATCH/R" dash "$SCRIPT" --root= master
	empty_root_refused
	run nobody busybox env DCOS_ROOT= busybox ash "$SCRIPT" slave
	empty_root_refused
	# --root / is this host: it needs root like no --root at all.
	run nobody dash "$SCRIPT" --root / master
	[ "$status" -eq 1 ]
	[ "$output" = "dcos_install.sh: error: must run as root (use sudo), or give --root DIR" ]
}

@test "--root whose var/lib/dcos is a symlink out of the root is refused before any download" {
	# An image tree's absolute symlink ("var/lib/dcos -> /var/lib/dcos");
	# O stands in for this host.
	mkdir -p O/var/lib/dcos R/var/lib
	ln -s "$SCRATCH/O/var/lib/dcos" R/var/lib/dcos
	for sh in dash "busybox ash"; do
		# shellcheck disable=SC2086
		run $sh "$SCRIPT" --root "$SCRATCH/R" master
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"R/var/lib/dcos leads out of the root (to $SCRATCH/O/var/lib/dcos): make the symlinks"* ]]
		[ -z "$(ls -A O/var/lib/dcos)" ]
	done
	# A dangling one: mkdir -p could create its target.
	rm R/var/lib/dcos
	ln -s "$SCRATCH/O/nowhere" R/var/lib/dcos
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"R/var/lib/dcos is a symlink that leads nowhere on this host"* ]]
	[ ! -e O/nowhere ]
}

@test "the unfilled template refuses to run" {
	run dash "$top_srcdir/scripts/dcos_install.sh.in" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"holds no valid cluster manifest digest"* ]]
}

@test "curl | dash --download-only fetches and verifies every blob" {
	curl -fsS "$URL/dcos_install.sh" | dash -s -- --download-only dl
	for f in "$STORE"/blobs/sha256/*; do
		cmp "$f" "dl/blobs/sha256/${f##*/}"
	done
	[ "$(ls dl/blobs/sha256 | wc -l)" -eq "$(ls "$STORE"/blobs/sha256 | wc -l)" ]
	! ls dl/blobs/sha256/*.part 2>/dev/null
	# A second run finds everything there and fetches nothing.
	: > "$SCRATCH/nginx-A/access.log"
	dash "$SCRIPT" --download-only dl
	[ "$(grep -c ' /blobs/' "$SCRATCH/nginx-A/access.log")" -eq 0 ]
}

@test "busybox ash with busybox wget and busybox sha256sum downloads everything" {
	make_busybox_path bb
	busybox wget -qO- "$URL/dcos_install.sh" |
	    env -i DCOS_RETRIES=1 PATH="$SCRATCH/bb" "$(command -v busybox)" ash -s -- --download-only dl
	for f in "$STORE"/blobs/sha256/*; do
		cmp "$f" "dl/blobs/sha256/${f##*/}"
	done
}

@test "GNU wget and openssl, or busybox sha256sum, stand in for curl and sha256sum" {
	make_path p dash wget openssl $BASE_TOOLS
	make_path q dash curl busybox $BASE_TOOLS
	for path in "$SCRATCH/p" "$SCRATCH/q"; do
		rm -rf dl
		run env -i DCOS_RETRIES=1 PATH="$path" dash "$SCRIPT" --download-only dl
		[ "$status" -eq 0 ]
		cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
	done
	# A wrong blob is still caught with either tool.
	flip_byte "$STORE/blobs/sha256/$BIG_HEX" 7
	for path in "$SCRATCH/p" "$SCRATCH/q"; do
		rm -rf dl
		run env -i DCOS_RETRIES=1 PATH="$path" dash "$SCRIPT" --download-only dl
		[ "$status" -eq 1 ]
		[[ "${lines[-1]}" == *"cannot fetch blob sha256:$BIG_HEX"* ]]
	done
}

@test "no downloader at all is one clear line" {
	make_path p dash sha256sum $BASE_TOOLS
	run env -i DCOS_RETRIES=1 PATH="$SCRATCH/p" dash "$SCRIPT" --download-only dl
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"neither curl nor wget found"* ]]
	[ ! -e dl ]
}

@test "a tampered dcos-bootstrap is refused and the host is left unchanged" {
	flip_byte "$STORE/blobs/sha256/$BOOTSTRAP_HEX" 1000
	before=$(tree R)
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	[[ "$output" == *"is not sha256:$BOOTSTRAP_HEX"* ]]
	[[ "${lines[-1]}" == *"cannot fetch blob sha256:$BOOTSTRAP_HEX"* ]]
	[ "$(tree R)" = "$before" ]
}

@test "a dcos-bootstrap that changes after download is caught by the pin" {
	# The offline directory holds a wrong binary under the pinned name.
	mkdir -p off/blobs/sha256
	cp "$STORE/blobs/sha256/$MANIFEST_HEX" off/blobs/sha256/
	cp /bin/true "off/blobs/sha256/$BOOTSTRAP_HEX"
	run dash "$SCRIPT" --root "$SCRATCH/R" --offline off master
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" == *"does not match the digest pinned in this script"* ]]
	[ -z "$(ls -A R)" ]
}

@test "an interrupted download resumes with a Range request (curl)" {
	mkdir -p dl/blobs/sha256
	head -c 100000 "$STORE/blobs/sha256/$BIG_HEX" > "dl/blobs/sha256/$BIG_HEX.part"
	dash "$SCRIPT" --download-only dl
	cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
	grep -q "^206 /blobs/sha256/$BIG_HEX bytes=100000-$" "$SCRATCH/nginx-A/access.log"
}

@test "an interrupted download resumes with wget -c (GNU and busybox)" {
	make_path p dash wget sha256sum $BASE_TOOLS
	make_busybox_path bb
	for sh in "$SCRATCH/p/dash" "$SCRATCH/bb/ash"; do
		rm -rf dl
		mkdir -p dl/blobs/sha256
		head -c 200000 "$STORE/blobs/sha256/$BIG_HEX" > "dl/blobs/sha256/$BIG_HEX.part"
		: > "$SCRATCH/nginx-A/access.log"
		env -i DCOS_RETRIES=1 PATH="${sh%/*}" "$sh" "$SCRIPT" --download-only dl
		cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
		grep -q "^206 /blobs/sha256/$BIG_HEX bytes=200000-$" "$SCRATCH/nginx-A/access.log"
	done
}

@test "a dead bootstrap_url fails over to the next mirror" {
	start_nginx B "$STORE"
	stop_nginx A
	run dash "$SCRIPT" --mirror "http://127.0.0.1:$NGINX_B_PORT/" --download-only dl
	[ "$status" -eq 0 ]
	cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
}

@test "a mirror serving corrupt or oversized blobs is skipped for the next one" {
	mkdir -p bad/blobs/sha256
	cp -r "$STORE/blobs/sha256/." bad/blobs/sha256/
	# Same size, one byte changed; and one blob with bytes appended.
	flip_byte "bad/blobs/sha256/$BIG_HEX" 5000
	printf 'extra' >> "bad/blobs/sha256/$MANIFEST_HEX"
	start_nginx B "$SCRATCH/bad"
	# The bad mirror is the generated bootstrap_url, tried first.
	sed "s|$URL|http://127.0.0.1:$NGINX_B_PORT|" "$SCRIPT" > bad.sh
	for dl in curl wget; do
		rm -rf dl
		run env DCOS_MIRRORS="$URL" DCOS_DOWNLOADER=$dl \
		    dash bad.sh --download-only dl
		[ "$status" -eq 0 ]
		cmp "$STORE/blobs/sha256/$BIG_HEX" "dl/blobs/sha256/$BIG_HEX"
		cmp "$STORE/blobs/sha256/$MANIFEST_HEX" "dl/blobs/sha256/$MANIFEST_HEX"
	done
	# Both were first asked of the bad mirror.
	grep -q "^200 /blobs/sha256/$BIG_HEX" "$SCRATCH/nginx-B/access.log"
}

@test "a download never grows past the size the manifest gives (curl, GNU wget, busybox wget)" {
	# The only mirror serves a 5 MB file under the manifest's name.
	mkdir -p huge/blobs/sha256
	cp "$STORE/blobs/sha256/$BOOTSTRAP_HEX" huge/blobs/sha256/
	head -c 5000000 /dev/zero > "huge/blobs/sha256/$MANIFEST_HEX"
	start_nginx B "$SCRATCH/huge"
	sed "s|$URL|http://127.0.0.1:$NGINX_B_PORT|" "$SCRIPT" > huge.sh
	make_busybox_path bb
	for dl in curl wget busybox; do
		rm -rf dl
		if [ $dl = busybox ]; then
			run env -i DCOS_RETRIES=1 PATH="$SCRATCH/bb" bb/ash huge.sh --download-only dl
		else
			run env DCOS_DOWNLOADER=$dl dash huge.sh --download-only dl
		fi
		[ "$status" -eq 1 ]
		[[ "${lines[-1]}" == *"cannot fetch blob sha256:$MANIFEST_HEX ("[0-9.]*" "*"B) from any mirror"* ]]
		[ ! -e "dl/blobs/sha256/$MANIFEST_HEX" ]
		[ ! -e "dl/blobs/sha256/$MANIFEST_HEX.part" ]
	done
}

@test "every mirror down: one error line after the retries, host unchanged" {
	stop_nginx A
	run env DCOS_RETRIES=2 dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "dcos_install.sh: error: cannot fetch blob sha256:$BOOTSTRAP_HEX"*"--offline DIR" ]]
	[[ "$output" == *"retrying in 1s"* ]]
	[ -z "$(ls -A R)" ]
}

@test "--keep-cache keeps a failed run's partial downloads for the next run" {
	stop_nginx A
	run dash "$SCRIPT" --root "$SCRATCH/R" --keep-cache master
	[ "$status" -eq 1 ]
	[ -d R/var/lib/dcos/bootstrap/cache/blobs/sha256 ]
	# Blobs (the config package may hold secrets) are for root only.
	[ "$(stat -c %a R/var/lib/dcos/bootstrap/cache)" = 700 ]
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	# The cache existed before: a failed run leaves it alone.
	[ -d R/var/lib/dcos/bootstrap/cache/blobs/sha256 ]
}

@test "dcos_install.sh(8) is mandoc -Tlint clean and documents every option and variable of --help" {
	need mandoc
	page="$top_srcdir/man/dcos_install.sh.8"
	run mandoc -Tlint -Wwarning "$page"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	grep -q '^\.Sh EXIT STATUS$' "$page"
	grep -q '^\.Sh EXAMPLES$' "$page"
	text=$(mandoc -Tascii "$page" | sed 's/.\x08//g')
	for word in $(dash "$SCRIPT" -h | grep -oE -- '--[a-z-]+|DCOS_[A-Z_]+' | sort -u); do
		[[ "$text" == *"$word"* ]] || { echo "not in the man page: $word"; false; }
	done
}

@test "an install that dcos-bootstrap refuses (untrusted release signer) keeps only the downloads, for the next run" {
	rm -rf "$STORE" "$STORE.src"
	UNTRUSTED_SIGNER=1 MASTER_PORTS='[1,2]' make_store "$SCRATCH/store" "$URL"
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"Checking ip-detect: PASS"* ]]
	[[ "${lines[-2]}" == "dcos_install.sh: the downloads so far stay in $SCRATCH/R/var/lib/dcos/bootstrap/cache: the next run resumes them"* ]]
	[[ "${lines[-1]}" == "dcos_install.sh: error: dcos-bootstrap install failed (see above); the host keeps its previous state"* ]]
	[ "$(stat -c %a R/var/lib/dcos/bootstrap/cache)" = 700 ]
	[ ! -e R/opt ]
	# At most what dcos-bootstrap keeps for its audit trail, and the cache.
	[ -z "$(find R -mindepth 1 -type d -empty)" ]
	! find R -type f | grep -v '^R/var/lib/dcos/bootstrap/'
}

@test "a noexec TMPDIR is named in one line, host unchanged but for the downloads kept" {
	mkdir noexec
	mount -t tmpfs -o size=16m,noexec tmpfs noexec
	run env TMPDIR="$SCRATCH/noexec" dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 1 ]
	[[ "${lines[-1]}" == "dcos_install.sh: error: cannot run $SCRATCH/noexec/dcos_install."*"/dcos-bootstrap: is $SCRATCH/noexec mounted noexec? set TMPDIR to a directory that allows programs" ]]
	[ -z "$(find R -type f ! -path 'R/var/lib/dcos/bootstrap/cache/*')" ]
}

# A curl that, the first time it is asked for the big blob, says so
# ($SCRATCH/started) and waits for $SCRATCH/go before it runs (or fails at
# once when $SCRATCH/abort is there): a run held in the middle of its
# downloads.  Other runs' requests pass (rm -r held.once to hold again).
held_curl() {
	mkdir -p held
	cat > held/curl <<-EOF
	#!/bin/sh
	case "\$*" in
	*$BIG_HEX*)
		mkdir "$SCRATCH/held.once" 2>/dev/null || exec $(command -v curl) "\$@"
		: > "$SCRATCH/started"
		until [ -e "$SCRATCH/go" ]; do sleep 0.05; done
		[ -e "$SCRATCH/abort" ] && exit 1 ;;
	esac
	exec $(command -v curl) "\$@"
	EOF
	chmod 755 held/curl
}

# Waits (bounded) until the held run has reached the big blob.
wait_started() {
	local i
	for i in $(seq 600); do
		[ -e "$SCRATCH/started" ] && return 0
		sleep 0.05
	done
	echo "the held run never reached the big blob" >&2
	return 1
}

# Starts an install (dash, --root R master) held by held_curl at the big
# blob, its pid in $held, and waits until it is there.
start_held() {
	[ -x held/curl ] || held_curl
	rm -rf started go abort held.once
	PATH="$SCRATCH/held:$PATH" dash "$SCRIPT" --root "$SCRATCH/R" master \
	    > held.out 2>&1 &
	held=$!
	wait_started
}

@test "two runs at once: the second says another holds the lock and touches nothing; the first installs" {
	start_held
	cache=R/var/lib/dcos/bootstrap/cache
	before=$(tree R)
	[ -d "$cache/blobs/sha256" ]
	for sh in dash "busybox ash"; do
		run timeout 120 $sh "$SCRIPT" --root "$SCRATCH/R" master
		[ "$status" -eq 1 ]
		one_line
		[[ "$output" == *"another dcos_install.sh (pid "*") is running here"*"wait for it to finish"* ]]
		# nothing of the first run's is gone, not its cache, not its lock
		[ "$(tree R)" = "$before" ]
	done
	: > go
	wait "$held"
	cat held.out
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ ! -e "$cache" ]
	[ ! -e R/.dcos_install.lock ]
}

@test "a run stopped mid-download keeps its downloads for the next run; one killed with -9 leaves a stale lock the next run takes over" {
	start_held
	kill -TERM "$held"
	: > abort
	: > go
	wait "$held" || true
	# Only the cache, which holds what was fetched before the stop.
	[ "$(cd R && find . -type f ! -path './var/lib/dcos/bootstrap/cache/*' | wc -l)" -eq 0 ]
	[ -f "R/var/lib/dcos/bootstrap/cache/blobs/sha256/$BOOTSTRAP_HEX" ]
	[ ! -e R/.dcos_install.lock ]
	rm -rf R/var
	start_held
	[ "$(cat R/.dcos_install.lock/pid)" = "$held" ]
	kill -KILL "$held"
	: > abort
	: > go
	wait "$held" || true
	[ -d R/.dcos_install.lock ]
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 0 ]
	"$BOOTSTRAP" verify --root "$SCRATCH/R"
	[ ! -e R/.dcos_install.lock ]
	# A successful install drops the cache the killed run left.
	[ ! -e R/var/lib/dcos/bootstrap/cache ]
}

@test "install through the script, then uninstall: the root is as before; 'fetching N blob(s)' is said once" {
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	[ "$status" -eq 0 ]
	[ "$(grep -c 'fetching [0-9]* blob(s)' <<< "$output")" -eq 1 ]
	[ -d R/var/lib/dcos/bootstrap ]
	"$BOOTSTRAP" uninstall --root "$SCRATCH/R"
	[ -z "$(ls -A R)" ]
}

@test "a first install refused after dcos-bootstrap took its lock leaves nothing but the cache" {
	rm -rf "$STORE" "$STORE.src"
	# both packages set one variable: the generation build refuses it
	PKGINFO='{"environment": {"DCOS_X": "1"}}' MASTER_PORTS='[1,2]' \
	    make_store "$SCRATCH/store" "$URL"
	run dash "$SCRIPT" --root "$SCRATCH/R" master
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"collision: both big--2.0 and hello--1.0 set the environment variable DCOS_X"* ]]
	rm -r R/var/lib/dcos/bootstrap/cache
	[ -z "$(find R -mindepth 1 -type f)" ]
}
