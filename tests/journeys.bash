# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2016,SC2154 # snippets run in other shells; make check sets top_srcdir
# Helpers for the user journeys (tests/t0700-journeys.bats): the nginx
# configuration of README.md's "Serving at scale" guide, a minimal image
# to bake into, and a "first boot" of that image.  Sourced by the test
# file and, inside network namespaces, by the snippets netns_run runs.

# guide_nginx_locations: the body of the nginx server block that README.md
# gives operators (the ```nginx block of the "Serving at scale" guide),
# without its listen and root lines: tests/nginx.bash supplies those.
# Testing the README's own text keeps the guide and the test in step.
guide_nginx_locations() {
	awk '
		/^```nginx$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside && /^server \{$/ { next }
		inside && /^\}$/ { next }
		inside && /^[[:space:]]*(listen|root)[[:space:]]/ { next }
		inside { print }
	' "$top_srcdir/README.md"
}

# make_image DIR: the root of a minimal operating system image, as an image
# baker starts from: busybox as the shell and tools, an /etc/passwd with
# root, empty /dev, /proc and /run (filled at boot) and a stand-in
# systemctl.  systemd cannot run in the test container, so /bin/systemctl
# (the path dcos-bootstrap runs) records each call in
# /var/log/systemctl.calls and answers --version like systemd 252.
make_image() {
	local dir=$1 a
	need busybox
	mkdir -p "$dir/bin" "$dir/dev" "$dir/etc" "$dir/proc" "$dir/run" \
	    "$dir/tmp" "$dir/usr/sbin" "$dir/var/log"
	chmod 1777 "$dir/tmp"
	cp "$(command -v busybox)" "$dir/bin/busybox"
	# What dcos_install.sh and the sample ip-detect need.
	for a in sh env $BASE_TOOLS sha256sum ip sed cut hostname; do
		ln -sf busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\n' > "$dir/etc/passwd"
	printf 'root:x:0:\n' > "$dir/etc/group"
	cat > "$dir/bin/systemctl" <<-'EOF'
	#!/bin/sh
	echo "$*" >> /var/log/systemctl.calls
	case $1 in
	--version) echo "systemd 252 (252.22-1~deb12u1)" ;;
	esac
	EOF
	chmod 755 "$dir/bin/systemctl"
}

# pinned_bootstrap SCRIPT: the hex digest of this architecture's
# dcos-bootstrap that the generated SCRIPT pins: the recipe README.md's
# image guide gives.
pinned_bootstrap() {
	sed -n "s/^[[:space:]]*BOOTSTRAP_PINS='.*$(uname -m)=sha256:\([0-9a-f]\{64\}\):.*/\1/p" "$1"
}

# first_boot IMAGE COMMAND...: "boots" IMAGE and runs COMMAND in it, as a
# first-boot unit would: to be called inside netns_run (a network
# namespace with only loopback: no server, no network), it adds a mount
# namespace with /proc, /dev and a fresh tmpfs /run holding
# /run/systemd/system (what systemd creates at boot, and how programs tell
# that systemd runs), then chroots into IMAGE with a clean environment.
# The sanitizer build links dcos-bootstrap dynamically: the directories of
# its libraries are bound read-only into the image, as its own /lib would
# hold them.
first_boot() {
	local libdirs
	libdirs=$(ldd "$BOOTSTRAP" 2>/dev/null |
	    sed -n 's|.*[[:space:]]\(/[^[:space:]]*\)/[^/[:space:]]* (0x.*|\1|p' |
	    sort -u | tr '\n' ' ') || true
	unshare -m bash -c '
		set -e
		image=$1 libdirs=$2
		shift 2
		mount -t proc proc "$image/proc"
		mount --bind /dev "$image/dev"
		mount -t tmpfs tmpfs "$image/run"
		mkdir -p "$image/run/systemd/system"
		for d in $libdirs; do
			mkdir -p "$image$d"
			mount --bind -o ro "$d" "$image$d"
		done
		# A clean environment, but the sanitizers keep their settings
		# (halt_on_error: a finding must fail the test).
		keep=()
		for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
			[ -n "${!v:-}" ] && keep+=("$v=${!v}")
		done
		exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${keep[@]}" \
		    chroot "$image" "$@"' first_boot "$1" "$libdirs" "${@:2}"
}

# journey SNIPPET: netns_run (tests/script.bash) with the server, nginx
# and journey helpers loaded in the namespace too.
journey() {
	netns_run 'source "$top_srcdir/tests/serve-lib.bash"
		source "$top_srcdir/tests/nginx.bash"
		source "$top_srcdir/tests/journeys.bash"
		'"$1"
}

# curl_sh URL ARGS...: what an operator types on a host, "curl -fsSL
# URL/dcos_install.sh | sh -s -- ARGS" (with dash), failing when either
# side fails: a failed download must not pass as an empty script that
# did nothing.
curl_sh() {
	(
		set -o pipefail
		curl -fsS "$1/dcos_install.sh" | dash -s -- "${@:2}"
	)
}
