#!/bin/bash
# Benchmark: the config compiler (dcos-genconf validate) on the demo site
# (3 masters) and on a 10,000-host site (3 masters, 10,000 agents, 2,000
# public agents), side by side in one run with a floor that does much
# less: PyYAML with libyaml (what DC/OS's Python genconf parsed with)
# loading the same config.yaml, nothing checked.  Prints median times,
# ratios and CPU time (user + system, what the machine's load changes
# least), and the 10,000-host validate's median against its 100 ms
# target.
# validate also verifies the release signatures every run, and checks
# every list for duplicates and every host list against the others.
# Usage: scripts/bench/config.sh [BUILDDIR]   (default _build/plain)
# Needs hyperfine and python3-yaml.  Figures depend on the machine's load.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$top/_build/plain}
genconf=$build/dcos-genconf
bootstrap=$build/dcos-bootstrap
for t in hyperfine python3 jq; do
	command -v "$t" >/dev/null || { echo "config.sh: $t missing" >&2; exit 1; }
done
python3 -c 'import yaml' 2>/dev/null ||
	{ echo "config.sh: python3-yaml missing" >&2; exit 1; }
if [ ! -x "$genconf" ] || [ ! -x "$bootstrap" ]; then
	echo "config.sh: build first (no $genconf or $bootstrap)" >&2
	exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/config-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

"$genconf" -q keygen -p vendor.pub -s vendor.key
mkdir -p pkg/hello--1.0/bin
printf '#!/bin/sh\necho hello\n' > pkg/hello--1.0/bin/hello
printf '{}\n' > pkg/hello--1.0/pkginfo.json
"$genconf" -q release --name dcos --version 1.0.0 --seq 1 --key vendor.key \
	--roles "$top/sample/roles.json" --bootstrap "$(uname -m)=$bootstrap" \
	--genconf "$top/sample/genconf" pkg/hello--1.0 >/dev/null

mkdir -p demo big
cp -R "$top/sample/site/genconf" demo/
cp -R "$top/sample/site/genconf" big/
{
	echo 'bootstrap_url: http://127.0.0.1:8080'
	echo 'cluster_name: big'
	echo 'master_discovery: static'
	echo 'exhibitor_storage_backend: static'
	echo 'master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3]'
	echo 'agent_list:'
	for i in $(seq 0 9999); do
		echo "- 10.$((1 + i / 65536)).$((i / 256 % 256)).$((i % 256))"
	done
	echo 'public_agent_list:'
	for i in $(seq 0 1999); do
		echo "- 10.200.$((i / 256)).$((i % 256))"
	done
} > big/genconf/config.yaml

validate() {
	echo "cd $work/$1 && $genconf validate -r ../dcos-1.0.0.tar -k ../vendor.pub"
}
pyyaml() {
	echo "python3 -c 'import yaml,sys; yaml.load(open(sys.argv[1]), Loader=yaml.CSafeLoader)' $work/$1/genconf/config.yaml"
}

hyperfine --warmup 3 --min-runs 20 --export-json result.json \
	-n "validate demo" "$(validate demo)" \
	-n "pyyaml demo" "$(pyyaml demo)" \
	-n "validate 10k" "$(validate big)" \
	-n "pyyaml 10k" "$(pyyaml big)" >/dev/null

hf() { jq -r --arg n "$1" --arg k "$2" '.results[] | select(.command == $n) | .[$k]' result.json; }
cpu() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .user + .system' result.json; }
vd=$(hf "validate demo" median); pd=$(hf "pyyaml demo" median)
vb=$(hf "validate 10k" median); pb=$(hf "pyyaml 10k" median)
cd_=$(cpu "validate demo"); cb=$(cpu "validate 10k")
awk -v vd="$vd" -v pd="$pd" -v vb="$vb" -v pb="$pb" -v cd="$cd_" -v cb="$cb" 'BEGIN {
	printf "%-34s %9s %9s %7s %9s\n", "site (medians)", "validate", "pyyaml", "ratio", "cpu"
	printf "%-34s %8.1fms %8.1fms %6.2fx %8.1fms\n", "demo (3 masters)", vd * 1000, pd * 1000, vd / pd, cd * 1000
	printf "%-34s %8.1fms %8.1fms %6.2fx %8.1fms\n", "10,000 agents + 2,000 public", vb * 1000, pb * 1000, vb / pb, cb * 1000
	printf "10k site / demo site, validate: %.2fx\n", vb / vd
	printf "10k site validate against the 100 ms target: %.1f ms (%s)\n", vb * 1000, vb < 0.1 ? "within" : "OVER"
}'
