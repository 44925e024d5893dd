# SPDX-License-Identifier: Apache-2.0
# Builds a small but complete store for the mirror and fsck tests, in the
# formats of docs/formats.md, with sha256sum and `dcos-genconf sign` (no
# dcos-genconf generate needed).  The mirror treats package blobs as
# opaque content-addressed files, so they are random bytes here.
#
#   mkstore WORK [BIGBYTES]   writes WORK/serve (the store), WORK/vendor.pub
#                             and WORK/vendor.key.  One package blob is
#                             BIGBYTES long (default 3 MB); its hex digest
#                             is left in BIG_HEX, the store's release tar's
#                             path in RELEASE_TAR.  MKSTORE_SEQ sets the
#                             release's seq (default 1).

_mk_blob() {
	local f=$1 store=$2 h
	h=$(sha256sum "$f" | cut -d' ' -f1)
	cp "$f" "$store/blobs/sha256/$h"
	echo "$h"
}

_mk_size() {
	stat -c %s "$1"
}

mkstore() {
	local w=$1 big=${2:-3000000} s src
	local h_mesos h_zk h_boot h_cfg h_rel h_sig h_cluster h_tar h_script
	local pub seq=${MKSTORE_SEQ:-1}
	s="$w/serve"
	src="$w/src"
	mkdir -p "$s/blobs/sha256" "$s/releases" "$src/packages" \
	    "$src/bootstrap/x86_64"
	"$GENCONF" -q keygen -p "$w/vendor.pub" -s "$w/vendor.key"
	pub=$(sed -n 2p "$w/vendor.pub")

	head -c "$big" /dev/urandom > "$src/packages/mesos--1.2.0.tar.zst"
	head -c 20000 /dev/urandom > "$src/packages/zookeeper--3.4.14.tar.zst"
	head -c 50000 /dev/urandom > "$src/bootstrap/x86_64/dcos-bootstrap"
	head -c 3000 /dev/urandom > "$src/config.tar.zst"
	h_mesos=$(_mk_blob "$src/packages/mesos--1.2.0.tar.zst" "$s")
	h_zk=$(_mk_blob "$src/packages/zookeeper--3.4.14.tar.zst" "$s")
	h_boot=$(_mk_blob "$src/bootstrap/x86_64/dcos-bootstrap" "$s")
	h_cfg=$(_mk_blob "$src/config.tar.zst" "$s")
	# shellcheck disable=SC2034 # for the callers
	BIG_HEX=$h_mesos

	cat > "$src/release.json" <<EOF
{
  "bootstrap": {"x86_64": {"digest": "sha256:$h_boot", "size": $(_mk_size "$src/bootstrap/x86_64/dcos-bootstrap")}},
  "format": 1,
  "genconf": {"schema": {"digest": "sha256:$h_cfg", "path": "genconf/schema.yaml"}, "templates": []},
  "name": "dcos",
  "packages": [
    {"digest": "sha256:$h_mesos", "files": 1, "id": "mesos--1.2.0", "installed_bytes": $big, "manifest": "sha256:$h_mesos", "size": $big},
    {"digest": "sha256:$h_zk", "files": 1, "id": "zookeeper--3.4.14", "installed_bytes": 20000, "manifest": "sha256:$h_zk", "size": 20000}
  ],
  "roles": {"master": {"ports": [53, 80]}, "slave": {"ports": [53]}, "slave_public": {"ports": [53]}},
  "seq": $seq,
  "version": "1.0.0"
}
EOF
	h_rel=$(sha256sum "$src/release.json" | cut -d' ' -f1)
	"$GENCONF" sign -s "$w/vendor.key" \
	    -t "$(printf 'file:release.json\tsha256:%s\tseq:%s' "$h_rel" "$seq")" \
	    "$src/release.json"
	_mk_blob "$src/release.json" "$s" >/dev/null
	h_sig=$(_mk_blob "$src/release.json.minisig" "$s")

	cat > "$src/cluster.json" <<EOF
{
  "blobs": [
    {"digest": "sha256:$h_rel", "kind": "release", "size": $(_mk_size "$src/release.json")},
    {"digest": "sha256:$h_sig", "kind": "signature", "size": $(_mk_size "$src/release.json.minisig")},
    {"digest": "sha256:$h_mesos", "id": "mesos--1.2.0", "kind": "package", "size": $big},
    {"digest": "sha256:$h_zk", "id": "zookeeper--3.4.14", "kind": "package", "size": 20000},
    {"digest": "sha256:$h_cfg", "id": "dcos-config--setup_0123abcd", "kind": "config", "size": 3000}
  ],
  "bootstrap": {"x86_64": {"digest": "sha256:$h_boot", "size": 50000}},
  "bootstrap_url": "http://127.0.0.1:1",
  "cluster_name": "mirror-test",
  "config_id": "0123abcd",
  "config_package": {"digest": "sha256:$h_cfg", "id": "dcos-config--setup_0123abcd", "size": 3000},
  "format": 1,
  "release": {"manifest": "sha256:$h_rel", "name": "dcos", "seq": $seq, "signature": "sha256:$h_sig", "version": "1.0.0"},
  "trusted_keys": ["$pub"]
}
EOF
	h_cluster=$(_mk_blob "$src/cluster.json" "$s")

	(cd "$src" && tar --format=pax --sort=name --owner=0 --group=0 \
	    --mtime=@0 -cf "$s/releases/dcos-1.0.0.tar" release.json \
	    release.json.minisig bootstrap packages)
	h_tar=$(sha256sum "$s/releases/dcos-1.0.0.tar" | cut -d' ' -f1)
	"$GENCONF" sign -s "$w/vendor.key" \
	    -t "$(printf 'file:dcos-1.0.0.tar\tsha256:%s\tseq:%s' "$h_tar" "$seq")" \
	    "$s/releases/dcos-1.0.0.tar"
	# shellcheck disable=SC2034 # for the callers
	RELEASE_TAR=releases/dcos-1.0.0.tar

	printf '#!/bin/sh\nmain() { echo "install %s"; }\nmain "$@"\n' \
	    "$h_cluster" > "$s/dcos_install.sh"
	h_script=$(sha256sum "$s/dcos_install.sh" | cut -d' ' -f1)

	cat > "$s/index.json" <<EOF
{
  "cluster_manifests": ["sha256:$h_cluster"],
  "current": "sha256:$h_cluster",
  "format": 1,
  "install_script": {"digest": "sha256:$h_script", "path": "dcos_install.sh"},
  "releases": [{"digest": "sha256:$h_tar", "name": "dcos", "path": "releases/dcos-1.0.0.tar", "seq": $seq, "signature": "releases/dcos-1.0.0.tar.minisig", "version": "1.0.0"}]
}
EOF
}

