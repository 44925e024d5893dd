#!/bin/bash
# Benchmark: dcos-genconf deploy of the sample release to N hosts (one
# master, the rest agents), each a real sshd of its own on 127.0.1.K inside
# a network and mount namespace (tests/fleet.bash, as the tests do), the
# store served by dcos-artifactd.  Prints:
#   - the deploy's wall time;
#   - the ideal: N times one host's own install time (dcos_install.sh run
#     directly, no ssh, median of 3) divided by the cores, and the ratio
#     wall / ideal: the orchestration overhead (target <= 1.3x);
#   - the server's CPU seconds per host.
#
#   scripts/bench/fleet.sh [-n HOSTS] [-p SSH_PARALLELISM] [-b BUILD_DIR]
#
# (as root: namespaces; ssh_parallelism defaults to 20, DC/OS's.)
#
# Host N's sshd and its install share the machine with the others, so a
# shared machine makes every figure noisy; compare the ratio.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

hosts=100
parallel=20
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$top/_build/plain
while getopts n:p:b:h opt; do
	case $opt in
	n) hosts=$OPTARG ;;
	p) parallel=$OPTARG ;;
	b) build=$OPTARG ;;
	*) sed -n '2,17p' "$0"; exit 2 ;;
	esac
done
if [ "$hosts" -lt 2 ] || [ "$hosts" -gt 250 ]; then
	echo "fleet.sh: -n wants 2 to 250 hosts" >&2
	exit 2
fi
for t in "$build/dcos-genconf" "$build/dcos-bootstrap" "$build/dcos-artifactd"; do
	[ -x "$t" ] || { echo "fleet.sh: $t missing: build first (or -b BUILD_DIR)" >&2; exit 1; }
done
for t in unshare ip ssh sshd ssh-keygen curl jq bc; do
	command -v "$t" >/dev/null || { echo "fleet.sh: $t is required" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "fleet.sh: run as root (network namespaces)" >&2; exit 1; }

export top_srcdir=$top top_builddir=$build
# The tests' fixtures: the same hosts as t0800.
# shellcheck disable=SC1091
source "$top/tests/lib.bash"
# shellcheck disable=SC1091
source "$top/tests/script.bash"
# shellcheck disable=SC1091
source "$top/tests/fleet.bash"

SCRATCH=$(mktemp -d "${TMPDIR:-/var/tmp}/dcos-bench.XXXXXX")
chmod 755 "$SCRATCH"
trap 'cd /; rm -rf "$SCRATCH"' EXIT
SITE="$SCRATCH/site"
RELEASE_DIR="$SCRATCH/rel/r1"
export SCRATCH SITE RELEASE_DIR HOSTS=$hosts
mkdir -p "$SCRATCH/rel"
(cd "$SCRATCH/rel" && "$GENCONF" -q keygen -p vendor.pub -s vendor.key &&
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	"$top/scripts/build-sample-release.sh" r1 vendor.key >/dev/null)

# shellcheck disable=SC2016 # runs in fleet_ns_run's shell
FLEET_CONFIG="ssh_parallelism: $parallel" fleet_ns_run '
	# Hosts share the cores: a step takes longer than on a host of its own.
	fleet_up 1 $((HOSTS - 1)) 0 3600 > /dev/null
	# One host alone, straight from the mirror: its own install time.
	for i in 1 2 3; do
		mkdir -p "$SCRATCH/alone/$i"
		s=$(date +%s.%N)
		curl -fsS http://127.0.0.1:18080/dcos_install.sh |
		    DCOS_ROOT="$SCRATCH/alone/$i" sh -s slave > /dev/null 2>&1
		echo "$(date +%s.%N) - $s" | bc
	done | sort -n | sed -n 2p > "$SCRATCH/alone.s"
	read -r u0 s0 < <(awk "{ print \$14, \$15 }" /proc/$ARTIFACTD_PID/stat)
	s=$(date +%s.%N)
	"$GENCONF" -q deploy --ssh-config "$SCRATCH/ssh_config" > "$SCRATCH/deploy.out"
	echo "$(date +%s.%N) - $s" | bc > "$SCRATCH/wall.s"
	read -r u1 s1 < <(awk "{ print \$14, \$15 }" /proc/$ARTIFACTD_PID/stat)
	echo "($u1 + $s1 - $u0 - $s0) / $(getconf CLK_TCK)" | bc -l > "$SCRATCH/server.s"
	tail -n 1 "$SCRATCH/deploy.out" | cut -d" " -f1-6 > "$SCRATCH/summary"'

cores=$(nproc)
alone=$(cat "$SCRATCH/alone.s")
wall=$(cat "$SCRATCH/wall.s")
server=$(cat "$SCRATCH/server.s")
ideal=$(echo "$hosts * $alone / $cores" | bc -l)
printf '%s\n' "$(cat "$SCRATCH/summary")"
printf 'hosts %d, ssh_parallelism %d, cores %d\n' "$hosts" "$parallel" "$cores"
printf 'one host alone (median of 3)  %8.2f s\n' "$alone"
printf 'deploy wall time              %8.2f s\n' "$wall"
printf 'ideal (hosts x alone / cores) %8.2f s\n' "$ideal"
printf 'ratio wall / ideal            %8.2f x (target <= 1.3)\n' "$(echo "$wall / $ideal" | bc -l)"
printf 'server CPU per host           %8.4f s\n' "$(echo "$server / $hosts" | bc -l)"
