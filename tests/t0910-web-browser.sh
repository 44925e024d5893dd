#!/usr/bin/env bash
# The web installer in a real browser: dcos-genconf web, started by
# tests/browser/web-ui.test.mjs, driven in Debian's headless chromium by
# playwright-core, runs preflight, deploy and postflight against three real
# sshd hosts (tests/fleet.bash: 127.0.1.1-3 in a network namespace with
# only loopback, so neither the server nor chromium can reach anything
# else).  Prints TAP (node's test runner); screenshots go to
# tests/browser-screenshots/ in the build directory.
set -uo pipefail
# SPDX-License-Identifier: Apache-2.0
: "${top_srcdir:?run the tests through make check}"
# shellcheck source=tests/lib.bash
source "$top_srcdir/tests/lib.bash"
# shellcheck source=tests/script.bash
source "$top_srcdir/tests/script.bash"
# shellcheck source=tests/fleet.bash
source "$top_srcdir/tests/fleet.bash"

# bail MESSAGE: the whole file fails as one test saying what is wrong.
bail() {
	echo "1..1"
	echo "not ok 1 - $*"
	exit 1
}

if [ "${DCOS_BROWSER_TESTS:-yes}" = no ]; then
	echo "1..0 # SKIP configured with --disable-browser-tests"
	exit 0
fi
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] ||
	bail "$CHROMIUM is missing: Debian's chromium runs these tests (scripts/install-deps.sh installs it, or configure --disable-browser-tests)"
for t in node npm unshare ip jq ssh ssh-keygen sshd curl; do
	command -v "$t" >/dev/null 2>&1 ||
		bail "required tool '$t' is missing (scripts/install-deps.sh installs it)"
done

# The packages of the committed lockfile, installed by npm ci into the
# build directory once per change of the lockfile.
NPM_DIR="$top_builddir/tests/browser-npm"
lock="$top_srcdir/tests/browser/package-lock.json"
if ! cmp -s "$lock" "$NPM_DIR/installed.json"; then
	rm -rf "$NPM_DIR"
	mkdir -p "$NPM_DIR"
	cp "$top_srcdir/tests/browser/package.json" "$lock" "$NPM_DIR/"
	(cd "$NPM_DIR" && timeout 300 npm ci --no-audit --no-fund --prefer-offline) \
	    > "$NPM_DIR/npm.log" 2>&1 ||
		bail "npm ci of tests/browser/package-lock.json failed: $(tail -n 3 "$NPM_DIR/npm.log" | tr '\n' ' ')"
	cp "$lock" "$NPM_DIR/installed.json"
fi

SHOTS="$top_builddir/tests/browser-screenshots"
rm -rf "$SHOTS"
mkdir -p "$SHOTS"
sample_releases > /dev/null
SCRATCH=$(mktemp -d)
chmod 755 "$SCRATCH"
SITE="$SCRATCH/site"
RELEASE_DIR="$FILE_SCRATCH/r1"
export SCRATCH SITE RELEASE_DIR NPM_DIR SHOTS CHROMIUM
# KEEP_SCRATCH=1 leaves the hosts, the site and the server's log for a look.
if [ -n "${KEEP_SCRATCH:-}" ]; then
	echo "# scratch: $SCRATCH" >&2
else
	trap 'cd /; rm -rf "$SCRATCH" "$FILE_SCRATCH"' EXIT
fi

# shellcheck disable=SC2016 # the snippet runs in the namespace
fleet_ns_run '
	fleet_up 1 2 0 >&2 || {
		echo "1..1"
		echo "not ok 1 - the fleet hosts did not start (see the log of this test)"
		exit 1
	}
	mkdir -p "$SCRATCH/home"
	# HOME and TMPDIR (where playwright makes the fresh profile of
	# chromium) in the scratch directory: nothing is left behind.
	# The file runs in this node process (not under node --test, which
	# would run it in a child): timeout reaches the process that knows
	# the server and the sshd it started.
	HOME="$SCRATCH/home" TMPDIR="$SCRATCH" timeout 600 \
	    node --test-reporter=tap "$top_srcdir/tests/browser/web-ui.test.mjs"'
