#!/usr/bin/env bash
# Writes the seed corpora of the fuzz harnesses from the sample, with the
# built programs (a gcc build; default _build/plain):
#
#   scripts/fuzz-corpus.sh [BUILDDIR] [OUTDIR]
#
# OUTDIR (default tests/fuzz/corpus) gets one folder per harness.  Files
# other runs left there are kept (the regress-* reproducers of fixed bugs
# among them); a generated file of the same name is replaced.  The seeds
# come from a real run: a fresh throwaway vendor key signs the sample
# release, the sample site is compiled into a store and one scratch host
# (--root, --no-start) is installed from it.  Nothing leaves the
# machine; the store is never served.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "fuzz-corpus.sh: $*" >&2; exit 1; }
case "${1:-}" in
-h|--help) sed -n '2,13s/^# \{0,1\}//p' "$0"; exit 0 ;;
esac
[ $# -le 2 ] || die "usage: scripts/fuzz-corpus.sh [BUILDDIR] [OUTDIR]"
build=$(cd "${1:-$top/_build/plain}" 2>/dev/null && pwd) ||
	die "${1:-$top/_build/plain}: no build there (scripts/test.sh makes one)"
out=${2:-$top/tests/fuzz/corpus}
genconf=$build/dcos-genconf
bootstrap=$build/dcos-bootstrap
if [ ! -x "$genconf" ] || [ ! -x "$bootstrap" ]; then
	die "$build: dcos-genconf or dcos-bootstrap not built (run make there)"
fi
for t in minisign tar zstd; do
	command -v "$t" >/dev/null || die "$t missing (scripts/install-deps.sh installs it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/dcos-fuzz-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT

# seed HARNESS NAME [FILE]: copies FILE (default: stdin) into the corpus.
seed() {
	mkdir -p "$out/$1"
	if [ $# -eq 3 ]; then cp "$3" "$out/$1/$2"; else cat > "$out/$1/$2"; fi
}

cd "$work"
# Signatures and keys: ours, and stock minisign's (prehashed and legacy).
"$genconf" -q keygen -p vendor.pub -s vendor.key
GENCONF=$genconf BOOTSTRAP=$bootstrap \
	"$top/scripts/build-sample-release.sh" rel vendor.key >/dev/null
tar -xf rel/dcos-1.0.0.tar release.json packages
minisign -G -W -p stock.pub -s stock.key >/dev/null
printf 'hello\n' > msg
minisign -S -W -s stock.key -m msg -t 'file:msg' >/dev/null
minisign -S -W -l -s stock.key -m msg -x legacy.minisig >/dev/null
seed minisign-key genconf.pub vendor.pub
seed minisign-key genconf.key vendor.key
seed minisign-key stock.pub stock.pub
seed minisign-key stock.key stock.key
sed -n 2p stock.pub | seed minisign-key bare.pub
seed minisign-sig release.minisig rel/dcos-1.0.0.tar.minisig
seed minisign-sig stock.minisig msg.minisig
seed minisign-sig legacy.minisig legacy.minisig
sed -n 2p vendor.pub | tr -d '\n' | seed base64 pubkey
sed -n 2p rel/dcos-1.0.0.tar.minisig | tr -d '\n' | seed base64 signature

# Manifests: release.json, each package's file list, and from a store
# compiled for the sample site, cluster.json and index.json.
seed release-manifest release.json release.json
for p in packages/*.tar.zst; do
	id=$(basename "$p" .tar.zst)
	zstd -dc "$p" | tar -xOf - .dcos-manifest.json | seed pkg-manifest "$id.json"
done
mkdir site
cp -R "$top/sample/site/genconf" site/
(cd site && "$genconf" -q generate --release ../rel/dcos-1.0.0.tar \
	--trusted-key ../vendor.pub) >/dev/null
store=site/genconf/serve
seed store-index index.json "$store/index.json"
cluster=$(jq -r .current "$store/index.json")
seed cluster-manifest cluster.json "$store/blobs/sha256/${cluster#sha256:}"

# state.json of a host installed from that store (a scratch root).
mkdir host
"$bootstrap" -q install "$store/blobs/sha256/${cluster#sha256:}" \
	--cache "$store" --root host --role master --no-start >/dev/null
seed state installed.json host/var/lib/dcos/bootstrap/state.json
printf '{"format": 1}\n' | seed state fresh.json

# The config compiler: the sample's schema, templates and site, and a
# site in the old string-encoded form with the other backends' keys.
seed schema schema.yaml "$top/sample/genconf/schema.yaml"
for t in "$top"/sample/genconf/templates/*.yaml; do
	seed template "$(basename "$t")" "$t"
done
seed config sample.yaml "$top/sample/site/genconf/config.yaml"
seed config legacy.yaml <<'EOF'
bootstrap_url: http://10.0.0.100:8080
cluster_name: "legacy"
master_discovery: master_http_loadbalancer
exhibitor_address: 10.0.0.50
num_masters: 3
exhibitor_storage_backend: zookeeper
exhibitor_zk_hosts: 10.0.0.60:2181
exhibitor_zk_path: /dcos
resolvers: "[\"8.8.8.8\", \"8.8.4.4:53\"]"
dns_search: example.com
oauth_enabled: 'true'
ip_detect_filename: genconf/ip-detect
EOF

# Request paths as clients send them, hostile ones too.
i=0
for u in /index.json /dcos_install.sh /dcos_install.sh.minisig /healthz \
	/metrics "/blobs/sha256/${cluster#sha256:}" /releases/dcos-1.0.0.tar \
	/releases/dcos-1.0.0.tar.minisig /blobs/sha256/%2e%2e/index.json \
	/releases/..%2findex.json '/index.json%00' //index.json; do
	i=$((i + 1))
	printf '%s' "$u" | seed url "path$i"
done

# Range headers after an 8-byte little-endian body size (1000 bytes),
# then a newline and an entity tag for the If-None-Match/If-Range checks.
i=0
for r in 'bytes=0-99' 'bytes=-5' 'bytes=999-' 'bytes=0-0,5-9' 'bytes=2000-' \
	'"sha256-abc"' 'W/"sha256-abc", "x"' '*'; do
	i=$((i + 1))
	{ printf '\350\003\000\000\000\000\000\000%s\n"sha256-abc"' "$r"; } |
		seed http-range "range$i"
done

# /proc/net tables as Linux 6.x prints them: the first byte picks the
# table (0 tcp, 1 udp, 2 tcp6, 3 udp6).
tail4=' 00000000:00000000 00:00000000 00000000     0        0 648 1 000000009415c1dd 100 0 0 10 0'
hdr4='  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
hdr6='  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'
printf '\000%s\n   0: 0100007F:1F90 00000000:0000 0A%s\n   1: 00000000:0016 00000000:0000 0A%s\n   2: 0100007F:9C40 0100007F:1F90 01%s\n' \
	"$hdr4" "$tail4" "$tail4" "$tail4" | seed procnet tcp
printf '\001%s\n  5: 00000000:0035 00000000:0000 07%s\n' "$hdr4" "$tail4" | seed procnet udp
printf '\002%s\n   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A%s\n' \
	"$hdr6" "$tail4" | seed procnet tcp6
printf '\003%s\n' "$hdr6" | seed procnet udp6-empty

du -sh "$out" | sed 's/^/fuzz-corpus.sh: /'
