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
# The target (#10 item 7) is install <= 0.45 x tar -xf.  install does more
# than tar: it checks the SHA-256 of every blob, decompresses zstd, hashes
# every file while writing it, and syncs the file system once before the
# switch, so "tar -xf + sync" is printed too.  The machine may be shared: figures
# taken under load vary; compare the ratios of one run.  Beside the wall
# time, each line shows the CPU seconds (user + system, children included)
# the command used, which load from other work changes far less, and the
# load average is printed before and after.
#
# And the free memory: every tree written fills the page cache, and where
# its pages come from decides what writing costs.  On a virtual machine
# that gives free memory back to its host (virtio-balloon free page
# reporting, as on this development machine), a page taken from free
# memory is backed again by the host on first touch: then writing 537 MB
# through the page cache took 1.6 s of system time, and 0.6 s once the
# page cache had filled memory and writes reused its pages.  tar -xf
# writes everything through the page cache; install writes files of 64
# KiB or more with O_DIRECT, so it is hit far less.  Compare runs with
# similar free memory.
#
# No tree is removed until every run is done: on ext4 without a journal
# the inode allocator skips inodes freed in the last minute (five while
# their inode table block is dirty), and looks at each of them on every
# create, so a ~5,000-file tree removed just before a measurement made
# that measurement's creates scan thousands of freed inodes each (70% of
# an install's time in ext4's recently_deleted() in one perf profile, and
# more of tar -xf's, which came first after the previous run's cleanup).
# So each measurement gets a fresh directory: about 6 x SIZE_MB per run of
# free space is needed (7 x with -B).
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
	*) sed -n '2,30p' "$0"; exit 2 ;;
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
need=$((runs * (${other:+1} + 6) * size_mb + 3 * size_mb))
avail=$(df -Pm . | awk 'NR == 2 {print $4}')
if [ "$avail" -lt "$need" ]; then
	echo "install.sh: $need MB free needed in $work, $avail MB there:" \
	    "fewer runs (-n) or a smaller release (-s)" >&2
	exit 1
fi

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

declare -A times cpu
TIMEFORMAT='%R %U %S'
measure() {	# name command...
	local name=$1 t
	shift
	sync	# start each one with no writeback pending from the last
	if ! { time "$@" >/dev/null 2>last.err; } 2>time.out; then
		cat last.err >&2
		exit 1
	fi
	read -r -a t < time.out
	times[$name]+="${t[0]} "
	cpu[$name]+="$(echo "${t[1]} + ${t[2]}" | bc) "
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
# A fresh, empty directory; none is removed before the end (see above).
mkdir trash
fresh() { mktemp -d "$work/trash/t.XXXXXX"; }

load0=$(cut -d' ' -f1-3 /proc/loadavg)
memfree() { awk '/^MemFree:/ {printf "%d MiB", $2 / 1024}' /proc/meminfo; }
mem0=$(memfree)
for i in $(seq "$runs"); do
	echo "run $i/$runs" >&2
	measure "tar -xf" tar -xf tree.tar -C "$(fresh)"
	d=$(fresh)
	measure "tar -xf + sync" sh -c "tar -xf tree.tar -C '$d' && sync -f '$d'"
	measure "tar -xJf" tar -xJf tree.tar.xz -C "$(fresh)"
	measure "dcos-bootstrap install" "$BOOTSTRAP" install "$manifest" \
	    --cache "$store" --root "$(fresh)" --role master
	if [ -n "$other" ]; then
		measure "install of -B build" "$other" install "$manifest" \
		    --cache "$store" --root "$(fresh)" --role master
	fi
	# Its own account of the phases (a separate, verbose run).
	d=$(fresh)
	"$BOOTSTRAP" -v install "$manifest" --cache "$store" \
	    --root "$d" --role master 2>&1 >/dev/null |
	    sed -n 's/^dcos-bootstrap: timing: /    /p' > phases.txt
	"$BOOTSTRAP" verify --root "$d" >/dev/null
	# Where install's time goes: its parts, each done alone.
	measure "  sha256 of every blob" sh -c "cat '$store'/blobs/sha256/* | openssl dgst -sha256"
	measure "  zstd -d of every blob" sh -c "for b in '$store'/blobs/sha256/*; do zstd -qdc \"\$b\" 2>/dev/null || true; done | wc -c"
	measure "  sha256 of every file" sh -c 'openssl dgst -sha256 tree.tar'
done

base=$(echo "${times["tar -xf"]}" | median)
printf '\n%s files, %s bytes; %s runs, medians (machine shared: figures under load)\n' \
	"$files" "$bytes" "$runs"
printf 'load average before: %s, after: %s\n' "$load0" \
	"$(cut -d' ' -f1-3 /proc/loadavg)"
printf 'free memory before: %s, after: %s\n' "$mem0" "$(memfree)"
printf '%-28s %10s %8s %8s\n' "" seconds "x tar -xf" "CPU s"
for name in "tar -xf" "tar -xf + sync" "tar -xJf" "dcos-bootstrap install" \
    ${other:+"install of -B build"} "  sha256 of every blob" "  zstd -d of every blob" "  sha256 of every file"; do
	m=$(echo "${times[$name]}" | median)
	printf '%-28s %10.3f %8.2f %8.2f\n' "$name" "$m" "$(echo "$m / $base" | bc -l)" \
	    "$(echo "${cpu[$name]}" | median)"
done
printf '\ndcos-bootstrap -v install, last run:\n'
cat phases.txt
