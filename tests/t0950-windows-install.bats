#!/usr/bin/env bats
# dcos_install.ps1 under real PowerShell 7 (pwsh -NoProfile -File), as a
# Windows host would run it, against one loopback dcos-artifactd: the
# script dcos-genconf generate wrote for the sample release (install,
# -Status, upgrade, rollback, uninstall), and hand-made releases for what
# generate refuses to build (zip-slip tricks, lying manifests, a tampered
# blob).  The Windows service cmdlets are tests/ps-service-standin.ps1.
# Each pwsh start costs about a second: the tests start few.

# SPDX-License-Identifier: Apache-2.0
load lib
load script
load windows

setup_file() {
	windows_setup_file
}

teardown_file() {
	windows_teardown_file
}

setup() {
	windows_setup
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

@test "the template keeps to Windows PowerShell 5.1 syntax; the checker finds 7-only syntax" {
	need_pwsh
	cat > bad.ps1 <<-'EOF'
	$a = $null ?? 1
	$b = ${x}?.Name
	$c = $true ? 1 : 2
	Get-Item x && Get-Item y
	Get-Item x || Get-Item y
	1..3 | ForEach-Object -Parallel { $_ }
	function f { process { 1 } clean { 2 } }
	$h = '{}' | ConvertFrom-Json -AsHashtable
	[System.IO.File]::Move('a', 'b', $true)
	EOF
	run psrun "$top_srcdir/tests/ps51-grammar.ps1" \
	    "$top_srcdir/scripts/dcos_install.ps1.in" "$FILE_SCRATCH/gen1.ps1" \
	    "$top_srcdir/tests/ps-service-standin.ps1" \
	    "$top_srcdir/sample/packages/dcos-hello-windows--1.0.0/bin/dcos-hello.ps1" \
	    bad.ps1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"scripts/dcos_install.ps1.in: ok"* ]]
	[[ "$output" == *"gen1.ps1: ok"* ]]
	[[ "$output" == *"ps-service-standin.ps1: ok"* ]]
	[[ "$output" == *"dcos-hello.ps1: ok"* ]]
	for want in "1: '??'" "2: '?.'" "3: '? :' ternary" "4: '&&'" "5: '||'" \
	    "6: ForEach-Object -Parallel" "7: a clean {} block" \
	    "8: ConvertFrom-Json -AsHashtable" "9: [System.IO.File]::Move with 3"; do
		[[ "$output" == *"bad.ps1:$want"* ]] || { echo "missed: $want"; false; }
	done
	# The template is ASCII (it is compiled into dcos-genconf) and ends
	# with the one call that runs it.
	! LC_ALL=C grep -q '[^ -~	]' "$top_srcdir/scripts/dcos_install.ps1.in"
	[ "$(tail -n 1 "$top_srcdir/scripts/dcos_install.ps1.in")" = "if (\$MyInvocation.MyCommand.CommandType -eq 'ExternalScript') { exit \$dcosRc }" ]
}

@test "generate's dcos_install.ps1: install, -Status, upgrade, rollback, uninstall leaving no trace" {
	need_pwsh
	cp "$FILE_SCRATCH/gen1.ps1" .
	run psrun gen1.ps1 -Root "$SCRATCH/R" -Role slave
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Checking ip-detect.ps1 prints an address: PASS (127.0.0.1)"* ]]
	[[ "$output" == *"is installed here as role(s): slave"* ]]
	grep -qx 'register dcos-hello .*/R/packages/dcos-hello-windows--1.0.0/bin/dcos-hello.ps1 -VersionFile etc/hello-version.txt' svc.log
	grep -qx 'start dcos-hello' svc.log
	# The service really ran, with the package's and its own environment.
	wait_until 20 test -s svc/status.txt
	grep -q '^dcos-hello-windows 1.0.0' svc/status.txt
	grep -q 'hello from a Windows agent' svc/status.txt
	# Only Windows blobs were fetched: no dcos-bootstrap, no tarball.
	log_mark install1
	! grep -q "$(jq -r '.bootstrap.x86_64.digest[7:]' "$STORE/blobs/sha256/$(jq -r '.current[7:]' "$STORE/index.json")")" "$ACCESS_LOG"

	(cd "$SITE" && cp "$FILE_SCRATCH"/r2/dcos-1.1.0.tar* . &&
	    "$GENCONF" -q generate --release dcos-1.1.0.tar >/dev/null)
	cp "$STORE/dcos_install.ps1" gen2.ps1
	: > svc.log
	rm svc/status.txt
	run psrun gen2.ps1 -Root "$SCRATCH/R" -Role slave
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"fetching 2 package zip(s)"* ]]
	# The changed service was stopped, registered anew and started.
	[ "$(cut -d' ' -f1-2 svc.log)" = "$(printf 'stop dcos-hello\nregister dcos-hello\nstart dcos-hello')" ]
	wait_until 20 test -s svc/status.txt
	grep -q '^dcos-hello-windows 1.1.0' svc/status.txt

	run psrun gen2.ps1 -Root "$SCRATCH/R" -Rollback
	echo "$output"
	[ "$status" -eq 0 ]
	run psrun gen2.ps1 -Root "$SCRATCH/R" -Status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"generation: 1"* ]]
	[[ "$output" == *"release: dcos-1.0.0 (seq 1)"* ]]
	[[ "$output" == *"config id: "[0-9a-f]*[0-9a-f]* ]]
	[[ "$output" == *"service dcos-hello: running"* ]]
	[[ "$output" == *"journal: 6 entries"* ]]
	[ "$(cat R/current)" = 1 ]
	# dcos-bootstrap, which audits Linux journals, audits this one.
	mkdir -p audit/var/lib/dcos/bootstrap
	cp R/bootstrap/journal audit/var/lib/dcos/bootstrap/
	run "$BOOTSTRAP" status --root "$SCRATCH/audit"
	[[ "$output" == *"journal:     6 entries, chain intact"* ]]
	sed -i 's/rollback of/rollback to/' audit/var/lib/dcos/bootstrap/journal
	run "$BOOTSTRAP" status --root "$SCRATCH/audit"
	[[ "$output" == *"journal line 6 was altered"* ]]

	run psrun gen2.ps1 -Root "$SCRATCH/R" -Uninstall
	echo "$output"
	[ "$status" -eq 0 ]
	[ -z "$(ls -A R)" ]
	[ -z "$(ls -A svc | grep -v '^status.txt$')" ]
	grep -qx 'unregister dcos-hello' svc.log
}

@test "an upgrade fetches only the zips that changed and resumes a partial download" {
	need_pwsh
	win_store v1 1.0 1
	win_store v2 2.0 2
	run psrun "$FILE_SCRATCH/v1.ps1" -Root "$SCRATCH/R" -Role slave -NoStart
	echo "$output"
	[ "$status" -eq 0 ]
	grep -qx 'register dcos-hello .*' svc.log
	! grep -q '^start' svc.log
	static=$(blob_of v1 static--1.0)
	hello2=$(blob_of v2 hello--2.0)
	[ -n "$static" ] && [ -n "$hello2" ]
	log_mark v1
	grep -q "GET /blobs/sha256/$static HTTP/1.1\" 200" "$ACCESS_LOG"
	# An interrupted download of hello 2.0: the next run asks for the rest.
	mkdir -p R/bootstrap/cache/blobs/sha256
	head -c 300 "$STORE/blobs/sha256/$hello2" > "R/bootstrap/cache/blobs/sha256/$hello2.part"
	run psrun "$FILE_SCRATCH/v2.ps1" -Root "$SCRATCH/R" -Role slave
	echo "$output"
	[ "$status" -eq 0 ]
	log_mark v2
	log_since v1 > v2.log
	cat v2.log
	grep -q "GET /blobs/sha256/$hello2 HTTP/1.1\" 206 $(($(stat -c %s "$STORE/blobs/sha256/$hello2") - 300)) " v2.log
	! grep -q "$static" v2.log
	wait_until 20 test -s svc/dcos-hello.started
	[ "$(cat svc/dcos-hello.started)" = "hello 2.0 t1 hi" ]
	[ ! -e R/packages/hello--1.0 ] || [ -e R/generations/1 ]
	[ -d R/packages/static--1.0 ] && [ -d R/packages/hello--2.0 ]
	# The download cache goes after a successful run.
	[ ! -e R/bootstrap/cache ]
}

@test "-DownloadOnly makes a kit; an offline install from it, run as iwr | iex runs it, uses no network" {
	need_pwsh
	win_store v1 1.0 1
	run psrun "$FILE_SCRATCH/v1.ps1" -DownloadOnly "$SCRATCH/kit"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(ls kit/blobs/sha256 | wc -l)" -eq 5 ]
	log_mark kit
	# As "iwr URL | iex" runs it: the text through Invoke-Expression,
	# the parameters from the environment, no exit that closes the shell.
	run env S="$FILE_SCRATCH/v1.ps1" DCOS_OFFLINE="$SCRATCH/kit" \
	    DCOS_ROOT="$SCRATCH/R" DCOS_ROLE=slave DCOS_NO_START=1 \
	    pwsh -NoProfile -NonInteractive -Command \
	    'Get-Content -Raw $env:S | iex; "after iex: $LASTEXITCODE"; exit $LASTEXITCODE' 3>&-
	echo "$output"
	log_mark offline
	[ "$status" -eq 0 ]
	[ -z "$(log_since kit | grep -v 'mark-offline')" ]
	[ -e R/etc/roles/slave ]
	[[ "$output" == *"after iex: 0"* ]]
	! grep -q '^start' svc.log
	[ "$(ls kit/blobs/sha256 | wc -l)" -eq 5 ]
}

# The table: NAME|PACKAGE SPEC (win-store.py)|what the error names.
hostile_cases() {
	local e='"entries": [["bin", null], ["bin/ok.txt", "ok"]]'
	cat <<-EOF
	absolute|{"id": "evil--1", $e, "zip_only": [["/etc/evil", "x"]]}|an absolute path
	dotdot|{"id": "evil--1", $e, "zip_only": [["../evil", "x"]]}|a '..' component
	deep-dotdot|{"id": "evil--1", $e, "zip_only": [["bin/../../evil", "x"]]}|a '..' component
	drive|{"id": "evil--1", $e, "zip_only": [["C:/Windows/evil", "x"]]}|a colon
	drive-relative|{"id": "evil--1", $e, "zip_only": [["C:evil", "x"]]}|a colon
	unc|{"id": "evil--1", $e, "zip_only": [["//server/share/evil", "x"]]}|an absolute path (or UNC path)
	backslash|{"id": "evil--1", $e, "zip_only": [["bin\\\\..\\\\..\\\\evil", "x"]]}|a backslash
	ads|{"id": "evil--1", $e, "zip_only": [["bin/ok.txt:hidden", "x"]]}|a colon
	con|{"id": "evil--1", $e, "zip_only": [["CON", "x"]]}|a reserved device name (CON)
	nul-ext|{"id": "evil--1", $e, "zip_only": [["bin/nul.txt", "x"]]}|a reserved device name (nul)
	com1|{"id": "evil--1", $e, "zip_only": [["bin/Com1.log", "x"]]}|a reserved device name (Com1)
	lpt9|{"id": "evil--1", $e, "zip_only": [["lpt9", "x"]]}|a reserved device name (lpt9)
	aux-space|{"id": "evil--1", $e, "zip_only": [["bin/AUX .x", "x"]]}|a reserved device name (AUX)
	trailing-dot|{"id": "evil--1", $e, "zip_only": [["bin/evil.", "x"]]}|ending in a dot or a space
	trailing-space|{"id": "evil--1", $e, "zip_only": [["bin/evil ", "x"]]}|ending in a dot or a space
	case-collision|{"id": "evil--1", "entries": [["bin", null], ["bin/a.txt", "a"], ["bin/A.txt", "b"]]}|differ only in case
	zip-duplicate|{"id": "evil--1", $e, "zip_only": [["bin/ok.txt", "x"]]}|collides with 'bin/ok.txt'
	not-in-manifest|{"id": "evil--1", $e, "zip_only": [["bin/extra.txt", "x"]]}|is not in its manifest
	missing-member|{"id": "evil--1", $e, "manifest_only": ["bin/gone.txt"]}|in its manifest but not in the zip
	size-lie|{"id": "evil--1", $e, "size_lie": {"bin/ok.txt": 1}}|is 2 bytes, its manifest says 1
	digest-lie|{"id": "evil--1", $e, "hash_lie": ["bin/ok.txt"]}|does not match its sha256
	manifest-path|{"id": "evil--1", "entries": [["bin", null], ["bin/x:y", "a"]]}|manifest path 'bin/x:y' has a colon
	EOF
}

@test "zip-slip tricks, lying manifests, a tampered blob, a failed preflight and bad command lines are refused, the root unchanged; a mirror takes over" {
	need_pwsh
	win_store v1 1.0 1
	run psrun "$FILE_SCRATCH/v1.ps1" -Root "$SCRATCH/R" -Role slave -NoStart
	[ "$status" -eq 0 ]
	snapshot R > before
	grep -q '^./generations/1$' before
	grep -q ' ./packages/static--1.0/lib/data.txt$' before
	: > cases
	while IFS='|' read -r name spec want; do
		win_store "$name" 2.0 2 "$spec"
		echo "$name|$FILE_SCRATCH/$name.ps1|-Role slave|$want" >> cases
	done < <(hostile_cases)
	# A blob changed on the server after generate: same size, other bytes.
	win_store tampered 2.0 2 '{"id": "tamper--1", "entries": [["t.txt", "tamper me"]]}'
	t=$(blob_of tampered tamper--1)
	python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[-30] ^= 1; open(p, "wb").write(b)' "$STORE/blobs/sha256/$t"
	echo "tampered|$FILE_SCRATCH/tampered.ps1|-Role slave|sent a blob whose digest is not sha256:$t" >> cases
	# The server's own port is a slave_public port: the preflight fails.
	# (on a fresh root: an installed host's own services hold its ports)
	echo "preflight|$FILE_SCRATCH/v1.ps1|-Role slave_public -Preflight -Root $SCRATCH/P|1 preflight check(s) failed" >> cases
	# Bad command lines: exit 2.
	echo "master|$FILE_SCRATCH/v1.ps1|-Role master|unknown role 'master' (Windows roles: slave, slave_public)|2" >> cases
	echo "two-commands|$FILE_SCRATCH/v1.ps1|-Status -Rollback|-Status and -Rollback exclude each other|2" >> cases
	# Mirror failover: the bootstrap URL answers nothing, the mirror has it.
	URL="http://127.0.0.1:$(free_port)" win_store deadurl 1.0 1
	echo "mirror|$FILE_SCRATCH/deadurl.ps1|-DownloadOnly $SCRATCH/kit -Mirror $URL||0" >> cases
	cat > driver.ps1 <<-'EOF'
	# Runs every case in this one pwsh: a script run with & returns its
	# exit status in $LASTEXITCODE.
	foreach ($l in [System.IO.File]::ReadAllLines($args[0])) {
		$name, $script, $extra, $want, $rc = $l.Split('|')
		$xa = @{}
		if (-not $extra.Contains('-DownloadOnly')) { $xa.Root = $args[1] }
		foreach ($o in $extra.Split(' ')) {
			if ($o.StartsWith('-')) { $k = $o.Substring(1); $xa[$k] = $true } else { $xa[$k] = $o }
		}
		[Console]::Error.WriteLine("== $name")
		& $script @xa
		[Console]::Error.WriteLine("== $name rc=$LASTEXITCODE")
		& bash -c 'snapshot "$1" > "$2"' snap $args[1] "snap-$name"
	}
	EOF
	export -f snapshot
	run psrun driver.ps1 "$SCRATCH/cases" "$SCRATCH/R"
	echo "$output"
	[ "$(grep -c '^== ' <<< "$output")" -eq $((2 * $(wc -l < cases))) ]
	while IFS='|' read -r name script extra want rc; do
		block=$(sed -n "/^== $name\$/,/^== $name rc=/p" <<< "$output")
		[[ "$block" == *"== $name rc=${rc:-1}" ]] || { echo "case $name: not exit ${rc:-1}"; false; }
		if [ "${rc:-1}" = 0 ]; then
			[[ "$block" != *"error: "* ]] || { echo "case $name failed"; false; }
		else
			[[ "$block" == *"dcos_install.ps1: error: "*"$want"* ]] ||
				{ echo "case $name: no '$want'"; false; }
		fi
		cmp before "snap-$name" || { echo "case $name changed the root"; diff before "snap-$name"; false; }
	done < cases
	[[ "$output" == *"Checking port $PORT (slave_public) is free: FAIL (something listens on it)"* ]]
	# A failed first run keeps its downloads (the next run resumes them)
	# and nothing else.
	[ "$(cd P && find . -mindepth 1 -path ./bootstrap/cache -prune -o -print)" = ./bootstrap ]
	[ -n "$(ls P/bootstrap/cache/blobs/sha256)" ]
	# The mirror served the whole kit after the bootstrap URL failed.
	[ "$(ls kit/blobs/sha256 | wc -l)" -eq 5 ]
	# Nothing of a refused package stays, in the cache either.
	[ -z "$(find R -name 'evil--1*')" ]
	[ "$(cat R/current)" = 1 ]
}
