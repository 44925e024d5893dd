#!/usr/bin/env bats
# --root and symlinks already in the tree: an image tree's "etc -> /etc"
# means the image's own /etc, but "<root>/etc/..." resolved by the kernel
# leads to the machine's.  Every directory the installer works in must
# resolve the same from outside the root as inside it; when one does not,
# each command refuses with one line and writes nothing, inside the root
# or out of it.  $O stands in for the real host: never the machine's /.

# SPDX-License-Identifier: Apache-2.0
load host

# The directories (and one file) an image may hold as absolute symlinks.
ESCAPES="etc etc/systemd/system etc/mesosphere opt opt/mesosphere
var/lib/dcos var/lib/dcos/bootstrap etc/passwd"

setup() {
	need python3 zstd
	SCRATCH=$(mktemp -d)
	R=$SCRATCH/root O=$SCRATCH/outside
	mkdir -p "$R" "$O"
	host_keys && fixture r1
}

teardown() {
	rm -rf "$SCRATCH"
}

# escape REL [TARGET]: moves $R/REL out to $O/REL (an empty directory, or
# a passwd file, when the root has none) and puts an absolute symlink to
# it (or TARGET) in its place.
escape() {
	local rel=$1 target=${2:-$O/$1}
	mkdir -p "$(dirname "$O/$rel")" "$(dirname "$R/$rel")"
	if [ -e "$R/$rel" ]; then
		mv "$R/$rel" "$O/$rel"
	elif [ "$rel" = etc/passwd ]; then
		echo 'root:x:0:0:root:/root:/bin/sh' >"$O/$rel"
	else
		mkdir "$O/$rel"
	fi
	ln -s "$target" "$R/$rel"
}

# refused WHAT COMMAND...: fails with one line naming WHAT, and neither
# the root nor the outside tree changed.
refused() {
	local what=$1 before_r before_o
	shift
	before_r=$(snapshot "$R")
	before_o=$(snapshot "$O")
	run "$@"
	[ "$status" -eq 1 ] || { echo "status $status: $output" >&2; return 1; }
	one_line
	[[ "$output" == *"$what"* ]] ||
	    { echo "expected: $what"$'\n'"got: $output" >&2; return 1; }
	[[ "$output" == *"then run this again"* ]]
	diff <(echo "$before_o") <(snapshot "$O") >&2
	diff <(echo "$before_r") <(snapshot "$R") >&2
}

# An installed host with generations 1 and 2 (2 active), copied to $R.
installed() {
	if [ ! -d "$SCRATCH/installed" ]; then
		fixture r2 --seq 2 --version 1.3.0
		mkdir "$SCRATCH/installed"
		install_fx r1 "$SCRATCH/installed" --role master >/dev/null
		install_fx r2 "$SCRATCH/installed" --role master >/dev/null
	fi
	rm -rf "$R" "$O"
	mkdir "$O"
	cp -a "$SCRATCH/installed" "$R"
}

# install_refuses REL...: a fresh root with REL an absolute symlink out of
# it, for each REL in turn: install is refused.
install_refuses() {
	local rel
	for rel in "$@"; do
		rm -rf "$R" "$O"
		mkdir "$R" "$O"
		escape "$rel"
		refused "$R/$rel is a symlink to $O/$rel, which leads out of the root" \
		    install_fx r1 "$R" --role master || { echo "at $rel" >&2; return 1; }
	done
}

@test "install refuses each absolute symlink out of the root, writing nothing" {
	# shellcheck disable=SC2086
	install_refuses $ESCAPES
}

@test "activate, rollback, gc and uninstall refuse an absolute symlink out of the root" {
	for rel in $ESCAPES; do
		for cmd in activate rollback "gc --keep 1" uninstall; do
			installed
			escape "$rel"
			# shellcheck disable=SC2086
			refused "$R/$rel is a symlink to $O/$rel, which leads out" \
			    "$BOOTSTRAP" $cmd --root "$R" ||
			    { echo "at $rel, $cmd" >&2; return 1; }
		done
	done
}

@test "an upgrade refuses a symlink out of the root made after the first install" {
	fixture r2 --seq 2 --version 1.3.0
	install_fx r1 "$R" --role master >/dev/null
	escape var/lib/dcos/bootstrap
	refused "$R/var/lib/dcos/bootstrap is a symlink to $O/var/lib/dcos/bootstrap, which leads out of the root:" \
	    install_fx r2 "$R" --role master
}

@test "a relative symlink that climbs out of the root is refused" {
	escape opt ../outside/opt
	refused "$R/opt is a symlink to ../outside/opt, which leads out of the root (to $O/opt)" \
	    install_fx r1 "$R" --role master
}

@test "an absolute symlink that means another directory inside the root is refused" {
	# Inside the root "$R/image-opt" names $R$R/image-opt: not the same.
	mkdir "$R/image-opt"
	ln -s "$R/image-opt" "$R/opt"
	refused "$R/opt is a symlink to $R/image-opt, which means something else from outside the root than inside it" \
	    install_fx r1 "$R" --role master
}

@test "without openat2 (old kernels) a symlink out of the root is still refused" {
	export DCOS_BOOTSTRAP_NO_OPENAT2=1
	install_refuses etc opt/mesosphere var/lib/dcos
}

@test "relative symlinks that stay inside the root are followed as the image would" {
	mkdir -p "$R/data/dcos" "$R/usr/etc" "$R/var/lib"
	ln -s ../../data/dcos "$R/var/lib/dcos"
	ln -s usr/etc "$R/etc"
	run install_fx r1 "$R" --role master
	[ "$status" -eq 0 ]
	[ -f "$R/data/dcos/bootstrap/state.json" ]
	[ -f "$R/usr/etc/systemd/system/dcos.target" ]
	grep -q '^dcos_mesos:' "$R/usr/etc/passwd"
	[ -L "$R/var/lib/dcos" ] && [ -L "$R/etc" ]
	run "$BOOTSTRAP" verify --root "$R"
	[ "$status" -eq 0 ]
	run "$BOOTSTRAP" uninstall --root "$R"
	[ "$status" -eq 0 ]
	[ -L "$R/var/lib/dcos" ] && [ -L "$R/etc" ]
	[ ! -e "$R/data/dcos/bootstrap" ]
}

@test "a final symlink in a checked directory is replaced, not written through" {
	installed
	echo outside >"$O/unit"
	ln -sf "$O/unit" "$R/etc/systemd/system/dcos.target"
	mkdir "$O/roles"
	rm -f "$R/etc/mesosphere/roles/master"
	ln -s "$O/roles/master" "$R/etc/mesosphere/roles/master"
	before_o=$(snapshot "$O")
	run "$BOOTSTRAP" activate --root "$R"
	[ "$status" -eq 0 ]
	[ "$(snapshot "$O")" = "$before_o" ]
	[ ! -L "$R/etc/systemd/system/dcos.target" ]
	[ -f "$R/etc/mesosphere/roles/master" ] &&
	    [ ! -L "$R/etc/mesosphere/roles/master" ]
}
