#!/bin/bash
# Benchmark: dcos-artifactd mirror against plain parallel curl, side by side
# in one run, both pulling the same files of one store from stock nginx on
# loopback.  curl only downloads; mirror also hashes every byte, checks
# signatures, fsyncs and renames into place, so the ratio is the price of
# verification.  curl + sync is the fair baseline for durable copies.
# Prints the times, the throughput ratios mirror/curl (1.0 = as fast as
# curl) and mirror's peak RSS.
#
#   scripts/bench/mirror.sh [BUILDDIR] [MB]
#
# BUILDDIR holds the built programs (default _build/plain); MB is the size
# of the big package blob (default 256; the release tar holds it again, so
# about twice that is transferred).  Figures vary with the machine's load:
# say so when you quote them.
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$top/_build/plain}" && pwd)
mb=${2:-256}
GENCONF="$build/dcos-genconf"
ARTIFACTD="$build/dcos-artifactd"
if [ ! -x "$ARTIFACTD" ] || [ ! -x "$GENCONF" ]; then
	echo "mirror.sh: build first (no $ARTIFACTD)" >&2
	exit 1
fi
for t in nginx curl /usr/bin/time; do
	command -v "$t" >/dev/null ||
		{ echo "mirror.sh: $t is missing" >&2; exit 1; }
done

need() { :; }
# shellcheck source=tests/nginx.bash
. "$top/tests/nginx.bash"
# shellcheck source=tests/mkstore.bash
. "$top/tests/mkstore.bash"

work=$(mktemp -d)
trap 'nginx_stop_all; rm -rf "$work"' EXIT

mkstore "$work/w" $((mb * 1024 * 1024))
src="$work/w/serve"
nginx_start "$src"
(cd "$src" && find . -type f | sed 's|^\./||' | sort) > "$work/list"
bytes=$(cd "$src" && xargs du -cb < "$work/list" | tail -n 1 | cut -f1)

elapsed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}

# calc EXPR: floating-point arithmetic (awk, so no bc is needed).
calc() {
	awk "BEGIN { print $1 }"
}

curl_all() {
	mkdir -p "$work/curl"
	sed "s|^|url = \"$NGINX_URL/|; s|\$|\"|" "$work/list" > "$work/curl.cfg"
	(cd "$work/curl" && curl -sS --no-progress-meter --parallel \
	    --parallel-max 4 --create-dirs --remote-name-all -K "$work/curl.cfg")
}

# The same made durable, as mirror makes every file it writes.
curl_sync() {
	curl_all
	sync -f "$work/curl"
}

mirror_all() {
	/usr/bin/time -f %M -o "$work/rss" "$ARTIFACTD" -q mirror -j 4 \
	    -k "$work/w/vendor.pub" "$NGINX_URL" "$work/mirror"
}

# Warm the page cache for both, then take each once more.
(cd "$src" && xargs cat < "$work/list" >/dev/null)
t_curl=$(elapsed curl_all)
t_mirror=$(elapsed mirror_all)
rm -rf "$work/curl" "$work/mirror"
sync -f "$work"
t_curl=$(elapsed curl_all)
rm -rf "$work/curl"
sync -f "$work"
t_sync=$(elapsed curl_sync)
sync -f "$work"
t_mirror=$(elapsed mirror_all)

printf 'store: %d files, %.0f MiB, from nginx on %s, 4 transfers at once\n' \
    "$(wc -l < "$work/list")" "$(calc "$bytes / 1048576")" "$NGINX_URL"
printf 'curl --parallel:        %6.2f s  %7.1f MiB/s\n' "$t_curl" \
    "$(calc "$bytes / 1048576 / $t_curl")"
printf 'curl --parallel + sync: %6.2f s  %7.1f MiB/s\n' "$t_sync" \
    "$(calc "$bytes / 1048576 / $t_sync")"
printf 'dcos-artifactd mirror:  %6.2f s  %7.1f MiB/s  (peak RSS %d KiB)\n' \
    "$t_mirror" "$(calc "$bytes / 1048576 / $t_mirror")" \
    "$(cat "$work/rss")"
printf 'ratio mirror/curl throughput: %.2f; mirror/(curl + sync): %.2f\n' \
    "$(calc "$t_curl / $t_mirror")" "$(calc "$t_sync / $t_mirror")"
