#!/bin/bash
# Benchmark: dcos-bootstrap install of a generated release (~1 GB of files
# by default) into a scratch root, side by side in one run with GNU tar
# extracting the same tree from an uncompressed tar (tar -xf) and from a
# tar.xz (tar -xJf, DC/OS's package format).  Prints the median of each,
# the ratios to tar -xf, and where install's time goes.
#
#   scripts/bench/install.sh [-n RUNS] [-s SIZE_MB] [-b BUILD_DIR] [-B OTHER]
#
# -B OTHER_BUILD_DIR also times the dcos-bootstrap of another build (say,
# the commit before a change) in the same runs, side by side.
#
# The target is install <= 1.15 x tar -xf.  install does more than tar: it
# checks the SHA-256 of every blob, decompresses zstd, hashes every file
# while writing it, and syncs the file system once before the switch, so
# "tar -xf + sync" is printed too.  The machine may be shared: figures
# taken under load vary; compare the ratios of one run.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

runs=3
size_mb=1024
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/_build/plain
other=
while getopts n:s:b:B:h opt; do
	case $opt in
	n) runs=$OPTARG ;;
	s) size_mb=$OPTARG ;;
	b) build=$OPTARG ;;
	B) other=$(cd "$OPTARG" && pwd)/dcos-bootstrap ;;
	*) sed -n '2,19p' "$0"; exit 2 ;;
	esac
done
GENCONF=$build/dcos-genconf
BOOTSTRAP=$build/dcos-bootstrap
for t in "$GENCONF" "$BOOTSTRAP" ${other:+"$other"}; do
	[ -x "$t" ] || { echo "install.sh: $t missing: build first (or -b BUILD_DIR)" >&2; exit 1; }
done
for t in tar xz zstd openssl bc python3; do
	command -v "$t" >/dev/null || { echo "install.sh: $t is required" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/var/tmp}/dcos-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "generating a ${size_mb} MB release in $work ..." >&2
# Four packages; per package 70% in 8 MiB files, 30% in 4-64 KiB files;
# half of every block random, half repeated, like binaries compress.
python3 - "$size_mb" <<'PY'
import os, random, sys, json
total = int(sys.argv[1]) * 1024 * 1024
random.seed(1)
def blob(n):
    out = bytearray()
    while len(out) < n:
        r = os.urandom(2048)
        out += r + r[:2048]
    return bytes(out[:n])
for k in range(4):
    root = "trees/pkg%d--1.0.0" % k
    budget = total // 4
    big = int(budget * 0.7)
    os.makedirs(root + "/lib", exist_ok=True)
    os.makedirs(root + "/bin", exist_ok=True)
    with open(root + "/pkginfo.json", "w") as f:
        json.dump({"environment": {"PKG%d_HOME" % k: "/opt/mesosphere/active/pkg%d" % k}}, f)
    i = 0
    while big > 0:
        n = min(8 << 20, big)
        with open("%s/lib/pkg%d-big%03d.so" % (root, k, i), "wb") as f:
            f.write(blob(n))
        big -= n
        i += 1
    small = budget - int(budget * 0.7)
    i = 0
    while small > 0:
        d = "%s/share/d%03d" % (root, i // 100)
        os.makedirs(d, exist_ok=True)
        n = min(random.randint(4096, 65536), small)
        with open("%s/f%05d" % (d, i), "wb") as f:
            f.write(blob(n))
        small -= n
        i += 1
    os.chmod("%s/lib/pkg%d-big000.so" % (root, k), 0o755)
PY
find trees -type d -exec chmod 755 {} +
files=$(find trees -type f | wc -l)
bytes=$(du -sb trees | cut -f1)

"$GENCONF" -q keygen -p vendor.pub -s vendor.key
mkdir rel
"$GENCONF" -q release --name dcos --version 1.0.0 --seq 1 --key vendor.key \
	--roles "$top/sample/roles.json" --genconf "$top/sample/genconf" \
	--bootstrap "$(uname -m)=$BOOTSTRAP" -o rel trees/* >/dev/null
mkdir site
cp -R "$top/sample/site/genconf" site/genconf
cp vendor.pub site/dcos-release.pub
(cd site && "$GENCONF" -q generate --release "$work/rel/dcos-1.0.0.tar")
store=$work/site/genconf/serve
manifest=$store/blobs/sha256/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["current"][7:])' "$store/index.json")

echo "building the reference tarballs (tar, tar.xz at xz -1 -T2) ..." >&2
tar -cf tree.tar -C trees .
xz -1 -T2 -c tree.tar > tree.tar.xz
cat "$store"/blobs/sha256/* tree.tar tree.tar.xz >/dev/null	# warm the cache

now() { date +%s.%N; }
declare -A times
measure() {	# name command...
	local name=$1 t0 t1
	shift
	sync	# start each one with no writeback pending from the last
	t0=$(now)
	"$@" >/dev/null
	t1=$(now)
	times[$name]+="$(echo "$t1 - $t0" | bc) "
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

for i in $(seq "$runs"); do
	echo "run $i/$runs" >&2
	rm -rf dest root; mkdir dest root
	measure "tar -xf" tar -xf tree.tar -C dest
	rm -rf dest; mkdir dest
	measure "tar -xf + sync" sh -c 'tar -xf tree.tar -C dest && sync -f dest'
	rm -rf dest; mkdir dest
	measure "tar -xJf" tar -xJf tree.tar.xz -C dest
	rm -rf dest
	measure "dcos-bootstrap install" "$BOOTSTRAP" install "$manifest" \
	    --cache "$store" --root "$work/root" --role master
	if [ -n "$other" ]; then
		rm -rf root; mkdir root
		measure "install of -B build" "$other" install "$manifest" \
		    --cache "$store" --root "$work/root" --role master
	fi
	# Its own account of the phases (a separate, verbose run).
	rm -rf root; mkdir root
	"$BOOTSTRAP" -v install "$manifest" --cache "$store" \
	    --root "$work/root" --role master 2>&1 >/dev/null |
	    sed -n 's/^dcos-bootstrap: timing: /    /p' > phases.txt
	"$BOOTSTRAP" verify --root "$work/root" >/dev/null
	rm -rf root; mkdir root
	# Where install's time goes: its parts, each done alone.
	measure "  sha256 of every blob" sh -c "cat '$store'/blobs/sha256/* | openssl dgst -sha256"
	measure "  zstd -d of every blob" sh -c "for b in '$store'/blobs/sha256/*; do zstd -qdc \"\$b\" 2>/dev/null || true; done | wc -c"
	measure "  sha256 of every file" sh -c 'openssl dgst -sha256 tree.tar'
done

base=$(echo "${times["tar -xf"]}" | median)
printf '\n%s files, %s bytes; %s runs, medians (machine shared: figures under load)\n' \
	"$files" "$bytes" "$runs"
printf '%-28s %10s %8s\n' "" seconds "x tar -xf"
for name in "tar -xf" "tar -xf + sync" "tar -xJf" "dcos-bootstrap install" \
    ${other:+"install of -B build"} "  sha256 of every blob" "  zstd -d of every blob" "  sha256 of every file"; do
	m=$(echo "${times[$name]}" | median)
	printf '%-28s %10.3f %8.2f\n' "$name" "$m" "$(echo "$m / $base" | bc -l)"
done
printf '\ndcos-bootstrap -v install, last run:\n'
cat phases.txt
