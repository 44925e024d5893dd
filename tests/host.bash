# SPDX-License-Identifier: Apache-2.0
# Helpers for the dcos-bootstrap tests (t05xx): signed fixture releases
# built by tests/host-fixture.py and scratch hosts under --root.
load lib

# Creates the vendor key pair in $SCRATCH (our.key/our.pub).
host_keys() {
	"$GENCONF" -q keygen -p "$SCRATCH/our.pub" -s "$SCRATCH/our.key"
}

# fixture DIR [host-fixture.py options]: a signed release + cluster manifest.
fixture() {
	local dir=$1
	shift
	python3 "$top_srcdir/tests/host-fixture.py" "$SCRATCH/$dir" \
	    --genconf "$GENCONF" --key "$SCRATCH/our.key" \
	    --trust "$SCRATCH/our.pub" "$@"
}

# The usual set-up: a scratch dir, the keys, fixture r1 and a root R
# holding only /etc/passwd and /etc/group with root in them.
host_scratch() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	host_keys
	fixture r1
	R=$SCRATCH/root
	mkdir -p "$R/etc"
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$R/etc/passwd"
	printf 'root:x:0:\n' > "$R/etc/group"
}

# install DIR ROOT [options]: installs fixture DIR on scratch host ROOT.
install_fx() {
	local dir=$1 root=$2
	shift 2
	"$BOOTSTRAP" install "$SCRATCH/$dir/cluster.json" \
	    --cache "$SCRATCH/$dir/cache" --root "$root" "$@"
}

# Every path of a tree with its type, mode and content digest, sorted:
# two snapshots are equal when the trees are byte for byte the same.
snapshot() {
	(cd "$1" && find . -printf '%p %y %m %l\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}

# The generation number "current" points at.
current_gen() {
	local t
	t=$(readlink "$1/opt/mesosphere/current") || return 1
	echo "${t#generations/}"
}
