#!/usr/bin/env bash
# The whole job end to end on the built-in sample, on loopback only:
# build, sign a release, compile a site config into a store, serve it,
# install two scratch hosts with the generated dcos_install.sh run by dash
# from curl, upgrade both to a second release, roll one back, stop.
#
#   scripts/demo.sh [--keep]     (--keep leaves the work directory)
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/.." && pwd)
keep=no
case "${1:-}" in
--keep) keep=yes ;;
"") ;;
-h|--help) sed -n '2,7s/^# \{0,1\}//p' "$0"; exit 0 ;;
*) echo "usage: scripts/demo.sh [--keep]" >&2; exit 2 ;;
esac

step() { printf '\n==> %s\n' "$*"; }
say() { printf '    %s\n' "$*"; }
die() { printf 'demo: error: %s\n' "$*" >&2; exit 1; }

step "Installing what the demo needs and building from scratch"
"$top/scripts/install-deps.sh"
# shellcheck source=scripts/build-lib.sh
. "$top/scripts/build-lib.sh"
build="$top/_build/demo"
src=$(build_source "$top" "$build")
rm -rf "$build"
mkdir -p "$build"
(cd "$src" && autoreconf -fi >/dev/null 2>&1)
(cd "$build" && "$src/configure" -q && make -j"$(nproc)" >/dev/null)
export PATH="$build:$PATH"
say "built $(dcos-genconf --version | cut -d' ' -f2-) in $build"

work=$(mktemp -d "${TMPDIR:-/tmp}/dcos-demo.XXXXXX")
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
	if [ "$keep" = yes ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
cd "$work"

step "Vendor: a fresh signing key and the sample release 1.0.0 (seq 1)"
dcos-genconf -q keygen -p vendor.pub -s vendor.key
export GENCONF="$build/dcos-genconf" BOOTSTRAP="$build/dcos-bootstrap"
RELEASE_VERSION=1.0.0 RELEASE_SEQ=1 "$top/scripts/build-sample-release.sh" rel1 vendor.key >/dev/null
say "$(tar -tf rel1/dcos-1.0.0.tar | grep -c '^packages/') packages in rel1/dcos-1.0.0.tar, signed:"
minisign -Vm rel1/dcos-1.0.0.tar -p vendor.pub | sed 's/^/    minisign: /'

# A free loopback port for the bootstrap node (nothing leaves 127.0.0.1).
port=
for p in $(shuf -i 20000-60000 -n 50); do
	if [ -z "$(ss -Hltn "sport = :$p")" ]; then port=$p; break; fi
done
[ -n "$port" ] || die "no free loopback port found"
url="http://127.0.0.1:$port"

step "Site: compile genconf/config.yaml (3 masters, 2 agents, 1 public agent) into the store"
mkdir site
cp -R "$top/sample/site/genconf" site/
sed -i "s|^bootstrap_url:.*|bootstrap_url: $url|" site/genconf/config.yaml
(cd site && dcos-genconf -q validate --release ../rel1/dcos-1.0.0.tar --trusted-key ../vendor.pub)
say "config.yaml is valid"
(cd site && dcos-genconf generate --release ../rel1/dcos-1.0.0.tar --trusted-key ../vendor.pub 2>&1 | sed 's/^/    /')
say "store: $(find site/genconf/serve/blobs -type f | wc -l) blobs, $(du -sh site/genconf/serve | cut -f1)"

step "Bootstrap node: dcos-artifactd serves the store on $url"
dcos-artifactd serve --allow-root -l "127.0.0.1:$port" -r site/genconf/serve \
	--access-log access.log 2> server.log &
server_pid=$!
for _ in $(seq 1 200); do
	curl -fsS "$url/healthz" >/dev/null 2>&1 && break
	kill -0 "$server_pid" 2>/dev/null || { cat server.log >&2; die "server did not start"; }
	sleep 0.05
done
say "healthz: $(curl -fsS "$url/healthz")"

install_host() {	# ROLE: runs the generated script as a host would
	mkdir -p "hosts/$1"
	curl -fsS "$url/dcos_install.sh" | dash -s -- --root "hosts/$1" "$1" 2>&1 | sed 's/^/    /'
}

for role in master slave; do
	step "Host '$role': curl $url/dcos_install.sh | dash -s -- --root hosts/$role $role"
	install_host "$role"
done
for role in master slave; do
	step "dcos-bootstrap status of host '$role'"
	dcos-bootstrap status --root "hosts/$role" | sed 's/^/    /'
done

step "Vendor: release 1.1.0 (seq 2) changes one package (dcos-hello); the site regenerates"
RELEASE_VERSION=1.1.0 RELEASE_SEQ=2 "$top/scripts/build-sample-release.sh" rel2 vendor.key >/dev/null
(cd site && dcos-genconf generate --release ../rel2/dcos-1.1.0.tar --trusted-key ../vendor.pub 2>&1 | sed 's/^/    /')
for role in master slave; do
	step "Host '$role' upgrades with the new dcos_install.sh"
	install_host "$role"
done
dcos-bootstrap status --root hosts/master | sed 's/^/    /'

step "Roll host 'slave' back to the previous generation"
dcos-bootstrap rollback --root hosts/slave 2>&1 | sed 's/^/    /'
dcos-bootstrap status --root hosts/slave | sed 's/^/    /'
dcos-bootstrap verify --root hosts/slave 2>&1 | sed 's/^/    /'

step "Stopping the server"
kill -TERM "$server_pid"
wait "$server_pid" || die "dcos-artifactd did not exit cleanly"
server_pid=
say "served $(wc -l < access.log) requests"

# Each install starts with GET /dcos_install.sh: the 3rd and 4th are the
# upgrades.  Name every blob they fetched from the new cluster manifest.
step "What the upgrades downloaded (from the server's access log)"
manifest=$(jq -r .current site/genconf/serve/index.json)
cluster_json="site/genconf/serve/blobs/sha256/${manifest#sha256:}"
describe() {	# HEX: what the new cluster manifest says the blob is
	jq -r --arg d "sha256:$1" --arg m "$manifest" '
		if $d == $m then "cluster manifest"
		elif $d == .release.manifest then "release.json"
		elif $d == .release.signature then "release.json.minisig"
		else ([.blobs[] | select(.digest == $d) | .kind + " " + (.id // "")]
		    + [.bootstrap | to_entries[] | select(.value.digest == $d)
		       | "dcos-bootstrap (" + .key + ")"] | first // "?")
		end' "$cluster_json"
}
awk '/GET \/dcos_install.sh/ { n++ } n >= 3 && /GET \/blobs\/sha256\// { gsub(/"/, "", $7); print n - 2, $7 }' access.log |
while read -r host path; do
	hex=${path##*/}
	printf '    upgrade %s: %s  %s\n' "$host" "${hex:0:12}" "$(describe "$hex")"
done
packages=$(awk '/GET \/dcos_install.sh/ { n++ } n >= 3 && /GET \/blobs\/sha256\// { gsub(/"/, "", $7); print $7 }' access.log |
	while read -r path; do describe "${path##*/}"; done | grep -c '^package ' || true)
say "package blobs downloaded by the two upgrades: $packages (dcos-hello--1.1.0 on each host)"
[ "$packages" -eq 2 ] || die "the upgrades downloaded $packages package blobs; expected only dcos-hello on each host"
say "done: two hosts installed, upgraded and one rolled back, all from one signed release"
