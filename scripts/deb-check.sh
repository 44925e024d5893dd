#!/bin/bash
# Builds the Debian packages (debian/) in a copy of the tree, checks them
# with lintian, unpacks them into a scratch root (dpkg -x: nothing is
# installed on this machine) and runs the packaged programs from there:
# --version, and a store made by the packaged dcos-genconf served by the
# packaged dcos-artifactd --user nobody on loopback, fetched with curl.
#   scripts/deb-check.sh
# Prints "deb-check: N passed, N failed" last (one result), as .ci/run
# counts.  Installs debhelper and lintian (scripts/install-deps.sh) when
# they are missing: only this check needs them.
set -uo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/deb-check.XXXXXX")
server_pid=
trap '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null; rm -rf "$work"' EXIT

fail() {
	echo "deb-check: $*" >&2
	echo "deb-check: $(( $(date +%s) - start )) s"
	echo "deb-check: 0 passed, 1 failed"
	exit 1
}

sh "$top/scripts/install-deps.sh" debhelper lintian dpkg-dev ||
	fail "debhelper and lintian are missing"

# Build-Depends name only packages scripts/install-deps.sh installs.
for p in $(sed -n '/^Build-Depends:/,/^[A-Z]/p' "$top/debian/control" |
    sed 's/^Build-Depends://; /^[A-Z]/d' | tr ',' '\n' |
    sed 's/[[:space:]]*(.*//; s/[[:space:]]//g' | grep -v '^debhelper-compat$' |
    grep .); do
	grep -qw -- "$p" "$top/scripts/install-deps.sh" ||
		fail "debian/control: Build-Depends names $p, which scripts/install-deps.sh does not install"
done

# The copy: dpkg-buildpackage writes the packages into the parent of the
# tree it builds, so that parent is $work, never the checkout's parent.
# Only the files git tracks or would track (no _build/, no in-tree
# configure results).
mkdir "$work/src"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
		tar --null --ignore-failed-read -T - -cf -) |
		tar -C "$work/src" -xf - || fail "copying the tree failed"
else
	tar -C "$top" --exclude=./_build -cf - . | tar -C "$work/src" -xf - ||
		fail "copying the tree failed"
fi

echo "deb-check: building the packages in $work/src"
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1 || {
	tail -n 40 "$work/build.log" >&2
	fail "dpkg-buildpackage failed (log above)"
}
built=$(( $(date +%s) - start ))
for p in dcos-genconf dcos-artifactd dcos-bootstrap; do
	ls "$work/${p}_"*.deb >/dev/null 2>&1 || fail "no $p package was built"
done

# lintian: errors and warnings fail; debian/*.lintian-overrides explains
# each tag left.
lintian --fail-on error,warning --tag-display-limit 0 "$work"/*.changes \
    > "$work/lintian.log" 2>&1 || {
	cat "$work/lintian.log" >&2
	fail "lintian found problems (above)"
}
grep -v '^running with root privileges' "$work/lintian.log" | sed 's/^/lintian: /'
true

# A scratch root: every package unpacked, nothing run by dpkg.
root="$work/root"
for d in "$work"/*.deb; do
	dpkg -x "$d" "$root" || fail "dpkg -x $d failed"
done
for p in usr/bin/dcos-genconf usr/sbin/dcos-artifactd usr/sbin/dcos-bootstrap; do
	v=$("$root/$p" --version) || fail "$p --version failed"
	echo "deb-check: $p: $v"
done
[ -f "$root/lib/systemd/system/dcos-artifactd.service" ] ||
	fail "dcos-artifactd.service is not in the dcos-artifactd package"
# shellcheck disable=SC2016 # the unit's own ${...} and $..., literally
grep -qx 'ExecStart=/usr/sbin/dcos-artifactd serve --root ${DCOS_ARTIFACTD_STORE} $DCOS_ARTIFACTD_OPTS' \
    "$root/lib/systemd/system/dcos-artifactd.service" ||
	fail "dcos-artifactd.service does not run /usr/sbin/dcos-artifactd"
file -L "$root/usr/sbin/dcos-bootstrap" | grep -q 'statically linked' ||
	fail "the packaged dcos-bootstrap is not statically linked"

# A store from the packaged dcos-genconf (the sample release and site),
# served by the packaged dcos-artifactd as nobody.
chmod 755 "$work"
cd "$work" || fail "cd $work"
export GENCONF="$root/usr/bin/dcos-genconf" BOOTSTRAP="$root/usr/sbin/dcos-bootstrap"
"$GENCONF" -q keygen -p vendor.pub -s vendor.key || fail "keygen failed"
"$top/scripts/build-sample-release.sh" rel vendor.key > /dev/null ||
	fail "the sample release did not build with the packaged programs"
mkdir site && cp -R "$top/sample/site/genconf" site/
(cd site && "$GENCONF" -q generate --release ../rel/dcos-1.0.0.tar \
    --trusted-key ../vendor.pub > /dev/null) || fail "generate failed"
chmod -R a+rX site
"$root/usr/sbin/dcos-artifactd" serve --user nobody -l 127.0.0.1:0 \
    -r site/genconf/serve 2> serve.log 3>&- &
server_pid=$!
url=
for _ in $(seq 1 200); do
	url=$(sed -n 's|.* on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p' serve.log | head -n 1)
	[ -n "$url" ] && break
	kill -0 "$server_pid" 2>/dev/null || break
	sleep 0.05
done
[ -n "$url" ] || fail "the packaged dcos-artifactd did not start: $(cat serve.log)"
curl -fsS -o index.json "$url/index.json" || fail "GET index.json failed"
cmp -s index.json site/genconf/serve/index.json || fail "index.json differs"
curl -fsS -o dcos_install.sh "$url/dcos_install.sh" || fail "GET dcos_install.sh failed"
blob=$(find site/genconf/serve/blobs/sha256 -type f | head -n 1)
hex=${blob##*/}
[ "$(curl -fsS "$url/blobs/sha256/$hex" | sha256sum | cut -d' ' -f1)" = "$hex" ] ||
	fail "blob $hex came back different"
kill -TERM "$server_pid"
wait "$server_pid" || fail "dcos-artifactd did not stop cleanly: $(cat serve.log)"
server_pid=

echo "deb-check: packages $(cd "$work" && echo *.deb) built in ${built} s, checked in $(( $(date +%s) - start )) s"
echo "deb-check: 1 passed, 0 failed"
