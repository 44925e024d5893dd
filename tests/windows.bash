# SPDX-License-Identifier: Apache-2.0
# Fixtures for the dcos_install.ps1 tests: PowerShell 7 (the .NET global
# tool scripts/install-deps.sh installs), one dcos-artifactd with an
# access log serving a store that dcos-genconf generate wrote from the
# sample release (its Windows package dcos-hello-windows), to which
# tests/win-store.py adds the hand-made releases (hostile zips among
# them) that generate would refuse to build.  The Windows service
# cmdlets are replaced by tests/ps-service-standin.ps1.

PATH="$PATH:$HOME/.dotnet/tools"
export PATH

# need_pwsh: skips when configure turned these tests off
# (--disable-pwsh-tests, the default of --enable-sanitize builds); fails
# when pwsh is missing.
need_pwsh() {
	if [ "${DCOS_PWSH_TESTS:?run the tests through make check}" != yes ]; then
		skip "configured with --disable-pwsh-tests"
	fi
	command -v pwsh >/dev/null 2>&1 || {
		echo "pwsh (PowerShell 7) is missing: run scripts/install-deps.sh" \
		    "(dotnet tool install --global PowerShell --version 7.6.10)" >&2
		return 1
	}
}

# psrun SCRIPT ARGS...: runs a script under pwsh as the tests do, with the
# service stand-in and nothing inherited on descriptor 3 (a service it
# starts must not hold bats's output open).
psrun() {
	pwsh -NoProfile -NonInteractive -File "$@" 3>&-
}

# free_port: a loopback port nothing listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# windows_setup_file: FILE_SCRATCH with the sample releases r1 and r2,
# the site generated from r1 (bootstrap_url on a free port; ip-detect.ps1
# that works on Linux), its store served with the access log $ACCESS_LOG,
# the scripts gen1.ps1 (and after upgrade_site gen2.ps1).
windows_setup_file() {
	local i
	need_pwsh || return 1
	need python3 jq curl
	sample_releases
	PORT=$(free_port)
	URL="http://127.0.0.1:$PORT"
	SITE="$FILE_SCRATCH/site"
	mkdir -p "$SITE"
	cp -R "$top_srcdir/sample/site/genconf" "$SITE/genconf"
	sed -i "s|^bootstrap_url:.*|bootstrap_url: $URL|" "$SITE/genconf/config.yaml"
	printf "'127.0.0.1'\n" > "$SITE/genconf/ip-detect.ps1"
	cp "$FILE_SCRATCH/vendor.pub" "$SITE/dcos-release.pub"
	cp "$FILE_SCRATCH"/r1/dcos-1.0.0.tar* "$SITE/"
	(cd "$SITE" && "$GENCONF" -q generate >/dev/null)
	STORE="$SITE/genconf/serve"
	cp "$STORE/dcos_install.ps1" "$FILE_SCRATCH/gen1.ps1"
	ACCESS_LOG="$FILE_SCRATCH/access.log"
	"$ARTIFACTD" serve -l "127.0.0.1:$PORT" --root "$STORE" --allow-root \
	    --access-log "$ACCESS_LOG" 2> "$FILE_SCRATCH/artifactd.err" 3>&- &
	echo $! > "$FILE_SCRATCH/artifactd.pid"
	for i in $(seq 1 400); do
		grep -q " on $URL\$" "$FILE_SCRATCH/artifactd.err" && break
		sleep 0.025
	done
	grep -q " on $URL\$" "$FILE_SCRATCH/artifactd.err" || {
		cat "$FILE_SCRATCH/artifactd.err" >&2
		return 1
	}
	export PORT URL SITE STORE ACCESS_LOG
}

windows_teardown_file() {
	local pid
	pid=$(cat "$FILE_SCRATCH/artifactd.pid" 2>/dev/null) || pid=
	[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
	rm -rf "$FILE_SCRATCH"
}

# windows_setup: a scratch directory with the stand-in's state (SVC) and
# an empty root R.
windows_setup() {
	SCRATCH=$(mktemp -d)
	cd "$SCRATCH"
	mkdir R svc
	export SCRATCH
	export DCOS_PS_SERVICE_STANDIN="$top_srcdir/tests/ps-service-standin.ps1"
	export DCOS_PS_SERVICE_LOG="$SCRATCH/svc.log"
	export DCOS_PS_SERVICE_DIR="$SCRATCH/svc"
	# The sample service writes its status there once and exits.
	export DCOS_HELLO_ROOT="$SCRATCH/svc" DCOS_HELLO_ONCE=1
	export DCOS_STANDIN_OUT="$SCRATCH/svc"
	export DCOS_RETRIES=1
}

# log_mark NAME: a request for a name no store has (404), then waits
# until the access log shows it: every request made before is in the
# log from here on (it is flushed at least once a second).
log_mark() {
	curl -s -o /dev/null "$URL/blobs/sha256/mark-$1" || true
	wait_until 5 grep -q "mark-$1 " "$ACCESS_LOG"
}

# log_since NAME: the access log's lines after mark NAME.
log_since() {
	sed -n "/mark-$1 /,\$p" "$ACCESS_LOG" | tail -n +2
}

# snapshot DIR: every path under DIR but the download cache, with the
# digest of each file, for "nothing changed" checks.
snapshot() {
	(cd "$1" && find . -path ./bootstrap/cache -prune -o -print | LC_ALL=C sort |
	while IFS= read -r f; do
		if [ -f "$f" ]; then sha256sum "$f"; else echo "$f"; fi
	done)
}

# win_store NAME VERSION SEQ [PACKAGE_JSON]: a hand-made release (dcos
# VERSION, seq SEQ) of the Windows packages hello--VERSION (a service
# writing $DCOS_STANDIN_OUT/dcos-hello.started), static--1.0 and
# PACKAGE_JSON (a win-store.py package spec), added to the served store;
# its script is $FILE_SCRATCH/NAME.ps1.  The slave_public role's ports
# hold the server's own port (a -Preflight failure).
win_store() {
	local name=$1 ver=$2 seq=$3 extra=${4:-}
	python3 - "$name" "$ver" "$seq" "$extra" > "$FILE_SCRATCH/$name.json" <<-'EOF'
	import hashlib, json, os, sys
	name, ver, seq, extra = sys.argv[1:5]
	hello = ('param([string]$Tag)\n'
	    '[System.IO.File]::WriteAllText([System.IO.Path]::Combine('
	    '$env:DCOS_STANDIN_OUT, "dcos-hello.started"), '
	    '"hello %s $Tag $env:HELLO_GREETING")\n' % ver)
	svc = {"name": "dcos-hello", "display_name": "DC/OS hello",
	       "executable": "bin/hello.ps1", "arguments": ["-Tag", "t1"],
	       "environment": {"HELLO_GREETING": "hi"}, "depends_on": [],
	       "recovery": {"restart_seconds": 3}}
	pkgs = [{"id": "hello--" + ver, "entries": [
	            ["bin", None], ["bin/hello.ps1", hello], ["services", None],
	            ["services/hello.json", json.dumps(svc)]]},
	        {"id": "static--1.0", "entries": [
	            ["lib", None], ["lib/data.txt", "static data\n" * 200]]}]
	if extra:
	    pkgs.append(json.loads(extra))
	env = os.environ
	print(json.dumps({
	    "store": env["STORE"], "url": env["URL"], "cluster": "win's test",
	    "template": env["top_srcdir"] + "/scripts/dcos_install.ps1.in",
	    "script": env["FILE_SCRATCH"] + "/" + name + ".ps1",
	    "release": {"name": "dcos", "version": ver, "seq": int(seq)},
	    "ports": {"slave": [1], "slave_public": [int(env["PORT"])]},
	    "packages": pkgs,
	    "config": {"id": "dcos-config-windows--setup_" + hashlib.sha256(name.encode()).hexdigest(),
	               "entries": [["etc", None], ["etc/ip-detect.ps1", "'127.0.0.1'\n"]]}}))
	EOF
	python3 "$top_srcdir/tests/win-store.py" "$FILE_SCRATCH/$name.json" > /dev/null
}

# blob_of NAME ID: the hex digest of package ID in win_store NAME's release.
blob_of() {
	local cm
	cm=$(grep -o "sha256:[0-9a-f]*'" "$FILE_SCRATCH/$1.ps1" | head -n 1 | cut -c8-71)
	jq -r --arg id "$2" '.blobs[] | select(.id == $id) | .digest[7:]' \
	    "$STORE/blobs/sha256/$cm"
}
