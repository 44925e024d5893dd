#!/bin/bash
# Builds the sample release from sample/packages with the built programs:
#   scripts/build-sample-release.sh OUTDIR SECKEY
# writes OUTDIR/dcos-$RELEASE_VERSION.tar and its .minisig and prints
# "sha256:<hex> <path>".  Environment:
#   GENCONF, BOOTSTRAP   the programs (default: dcos-genconf, dcos-bootstrap
#                        from PATH, as make check sets it)
#   RELEASE_VERSION      default 1.0.0; also the version of dcos-hello and
#                        dcos-hello-windows, which report it, so two versions
#                        differ in a package
#   RELEASE_SEQ          default 1
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

die() { echo "build-sample-release.sh: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: build-sample-release.sh OUTDIR SECKEY"
outdir=$1
key=$2
top=$(cd "$(dirname "$0")/.." && pwd)
genconf=${GENCONF:-$(command -v dcos-genconf || true)}
bootstrap=${BOOTSTRAP:-$(command -v dcos-bootstrap || true)}
version=${RELEASE_VERSION:-1.0.0}
seq=${RELEASE_SEQ:-1}
[ -x "$genconf" ] || die "dcos-genconf not found: build it and set GENCONF"
[ -x "$bootstrap" ] || die "dcos-bootstrap not found: build it and set BOOTSTRAP"
[ -x /bin/busybox ] || die "/bin/busybox missing: apt-get install busybox-static"
[ -r "$key" ] || die "$key: no such secret key (dcos-genconf keygen makes one)"
mkdir -p "$outdir"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Copies of the trees: git keeps no modes but the x bit, so set them here
# for the same bytes on every checkout.
cp -R "$top/sample/packages/busybox--1.35.0" "$top/sample/packages/dcos-base--1.0.0" "$work/"
cp -R "$top/sample/packages/dcos-hello--1.0.0" "$work/dcos-hello--$version"
# The Windows sample (a zip): its service reports the release version too.
cp -R "$top/sample/packages/dcos-hello-windows--1.0.0" "$work/dcos-hello-windows--$version"
printf '%s\n' "$version" > "$work/dcos-hello-windows--$version/etc/hello-version.txt"
mkdir -p "$work/busybox--1.35.0/bin"
cp /bin/busybox "$work/busybox--1.35.0/bin/busybox"
printf '<p>Release %s.</p>\n' "$version" >> "$work/dcos-hello--$version/www/index.html"
find "$work" -type d -exec chmod 755 {} +
find "$work" -type f -perm /111 -exec chmod 755 {} +
find "$work" -type f ! -perm /111 -exec chmod 644 {} +

"$genconf" release --name dcos --version "$version" --seq "$seq" --key "$key" \
	--roles "$top/sample/roles.json" --genconf "$top/sample/genconf" \
	--bootstrap "$(uname -m)=$bootstrap" -o "$outdir" \
	"$work/busybox--1.35.0" "$work/dcos-base--1.0.0" "$work/dcos-hello--$version" \
	"$work/dcos-hello-windows--$version"
