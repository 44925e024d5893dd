#!/bin/bash
# Benchmark: dcos-genconf generate on a ~1 GB release built at bench time
# (four packages of 256 MiB of random data: incompressible, so the release
# is really 1 GB).  Compares side by side, in one run, with the plain file
# operations generate cannot avoid, and prints ratios:
#   fresh store    generate into an empty serve/ (verify 1 GB, write 1 GB of
#                  blobs and the release recipe, rebuild-check it, fsync) vs
#                  one cp of the tar (the store holds the release once)
#   config change  generate after a config.yaml change (verify 1 GB, blobs
#                  already there) vs sha256sum and b2sum of the tar
#   same again     generate with the same inputs
# Usage: scripts/bench/genconf.sh [BUILDDIR]   (default _build/plain)
# Needs ~4 GB free in ${TMPDIR:-/tmp}.  Figures depend on the machine's load.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build/plain}
genconf=$build/dcos-genconf
bootstrap=$build/dcos-bootstrap
if [ ! -x "$genconf" ] || [ ! -x "$bootstrap" ]; then
	echo "genconf.sh: build first (no $genconf or $bootstrap)" >&2
	exit 1
fi
runs=${RUNS:-3}

work=$(mktemp -d "${TMPDIR:-/tmp}/genconf-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

now() { date +%s.%N; }
# best-of-N wall time of a command, with an optional preparation step
best() {
	local prep=$1 t0 t1 best=
	shift
	for _ in $(seq "$runs"); do
		eval "$prep"
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		best=$(echo "$t0 $t1 $best" | awk '{ d = $2 - $1; if ($3 == "" || d < $3) d = d; else d = $3; printf "%.3f", d }')
	done
	echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "building a ~1 GB release in $work ..." >&2
"$genconf" -q keygen -p dcos-release.pub -s vendor.key
for i in 1 2 3 4; do
	mkdir -p "big$i--1.0/lib"
	printf '{}\n' > "big$i--1.0/pkginfo.json"
	head -c 268435456 /dev/urandom > "big$i--1.0/lib/data"
done
"$genconf" release --name dcos --version 9.0 --seq 1 --key vendor.key \
	--roles "$top/sample/roles.json" --genconf "$top/sample/genconf" \
	--bootstrap "$(uname -m)=$bootstrap" big1--1.0 big2--1.0 big3--1.0 big4--1.0 >/dev/null
rm -rf big*--1.0
cp -R "$top/sample/site/genconf" genconf
size=$(stat -c %s dcos-9.0.tar)
sync

cp1() { cp dcos-9.0.tar a.tar && sync; }
t_cp=$(best 'rm -f a.tar' cp1)
rm -f a.tar
t_fresh=$(best 'rm -rf genconf/serve; sync' "$genconf" -q generate)
t_sha=$(best : sha256sum dcos-9.0.tar)
t_b2=$(best : b2sum dcos-9.0.tar)
flip() {
	if grep -q '^cluster_name: demo$' genconf/config.yaml; then
		sed -i 's/^cluster_name: demo$/cluster_name: demo2/' genconf/config.yaml
	else
		sed -i 's/^cluster_name: demo2$/cluster_name: demo/' genconf/config.yaml
	fi
}
t_change=$(best flip "$genconf" -q generate)
t_same=$(best : "$genconf" -q generate)

printf 'release: %d bytes; best of %d runs; nproc %s; load %s\n' "$size" "$runs" \
	"$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-34s %8ss\n' "cp the tar + sync" "$t_cp"
floor=$(awk -v a="$t_cp" -v b="$t_b2" 'BEGIN { printf "%.3f", a + b }')
printf '%-34s %8ss  ratio %s (generate / cp), %s (generate / (cp + b2sum))\n' \
	"generate, fresh store" "$t_fresh" "$(ratio "$t_fresh" "$t_cp")" "$(ratio "$t_fresh" "$floor")"
printf '%-34s %8s bytes (the tar: %d)\n' "store size" "$(du -sb genconf/serve | cut -f1)" "$size"
printf '%-34s %8ss\n' "sha256sum of the tar" "$t_sha"
printf '%-34s %8ss\n' "b2sum of the tar" "$t_b2"
printf '%-34s %8ss  ratio %s (generate / b2sum)\n' "generate, config changed" "$t_change" "$(ratio "$t_change" "$t_b2")"
printf '%-34s %8ss  ratio %s (generate / b2sum)\n' "generate, same inputs" "$t_same" "$(ratio "$t_same" "$t_b2")"
if awk -v t="$t_change" 'BEGIN { exit !(t <= 2.0) }'; then
	echo "target (config change <= 2 s): met"
else
	echo "target (config change <= 2 s): NOT met"
fi
