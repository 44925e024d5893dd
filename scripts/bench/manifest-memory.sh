#!/bin/bash
# Benchmark: the peak memory (max RSS) of dcos-bootstrap install for a
# package whose .dcos-manifest.json is near the limit (lib/manifest.h
# PKG_MANIFEST_MAX_BYTES, 4 MiB), in the two shapes that cost most:
# empty files (long entries) and directories with short names (the most
# entries per byte), beside a small release as the floor.  Prints the
# manifest size, max RSS and the RSS above the small release's per
# manifest byte; the man page's bound (dcos-bootstrap(8)) comes from here.
# Usage: scripts/bench/manifest-memory.sh [BUILDDIR]  (default _build/plain)
# Needs python3, zstd and bc.  A run takes a few minutes.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build/plain}
genconf=$build/dcos-genconf
bootstrap=$build/dcos-bootstrap
for t in python3 zstd bc; do
	command -v "$t" >/dev/null || { echo "manifest-memory.sh: $t missing" >&2; exit 1; }
done
if [ ! -x "$genconf" ] || [ ! -x "$bootstrap" ]; then
	echo "manifest-memory.sh: build first (no $genconf or $bootstrap)" >&2
	exit 1
fi

floor=
work=$(mktemp -d "${TMPDIR:-/tmp}/manifest-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
"$genconf" -q keygen -p our.pub -s our.key

# peak KIND FIXTURE-OPTIONS...: installs one fixture, prints one row.
peak() {
	local kind=$1 rss bytes
	shift
	python3 "$top/tests/host-fixture.py" "$work/$kind" --genconf "$genconf" \
	    --key our.key --trust our.pub "$@"
	mkdir "$work/root-$kind"
	# VmHWM of the process, read by the kernel at exit (wait4's rusage)
	rss=$(python3 -c 'import os, resource, subprocess, sys
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' \
	    "$bootstrap" install "$work/$kind/cluster.json" \
	    --cache "$work/$kind/cache" --root "$work/root-$kind" --role master)
	bytes=$(stat -c %s "$work/root-$kind/opt/mesosphere/packages/mesos--1.2.0/.dcos-manifest.json")
	floor=${floor:-$rss}
	printf '%-6s manifest %8d bytes  max RSS %6d KiB  %5.1f bytes above the floor per manifest byte\n' \
	    "$kind" "$bytes" "$rss" "$(echo "($rss - $floor) * 1024 / $bytes" | bc -l)"
	rm -rf "$work/root-$kind" "${work:?}/$kind"
}

peak small
# 4 MiB of entries {"mode":420,"path":"share/many/NNN/NNNNNNN",...}
peak files --files 27000
# 4 MiB of entries {"mode":493,"path":"s/NNNNN","type":"dir"}
peak dirs --dirs --files 95000
