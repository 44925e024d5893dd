#!/usr/bin/env bash
# Fuzzes the parsers with the libFuzzer harnesses of tests/fuzz, built by
# clang with ASan and UBSan in _build/fuzz (configured and built first;
# the gcc builds are not touched).
#
#   scripts/fuzz.sh --smoke [-s SECONDS] [-j JOBS] [HARNESS...]
#       each harness for SECONDS (default 30), JOBS at a time (default 2),
#       from the committed seeds (tests/fuzz/corpus/HARNESS/) in a scratch
#       corpus: what CI runs ("make fuzz-smoke").
#   scripts/fuzz.sh [-j JOBS] HOURS [HARNESS...]
#       a campaign of about HOURS (a decimal, e.g. 0.5 or 8) shared by the
#       harnesses, JOBS at a time (default: the number of cores).  The
#       corpus grows in _build/fuzz/corpus/HARNESS/, so the next campaign
#       goes on from there.
#   scripts/fuzz.sh --list        the harness names
#
# A crash, leak, UB report, timeout (25 s for one input) or running out of
# memory (2 GB) fails the harness; the input is kept in
# _build/fuzz/crashes/HARNESS/ and the log in _build/fuzz/logs/HARNESS.log.
# Each harness prints one line: "ok" or "FAIL", its name, executions, and
# libFuzzer's cov: (code edges reached) and ft: (features) figures.  The
# last line is "fuzz: N passed, N failed"; the exit status is 1 on any
# failure.  Replay a crash with: _build/fuzz/tests/fuzz/fuzz-HARNESS FILE.
# FUZZ_CC picks the compiler (default clang).
set -euo pipefail
# SPDX-License-Identifier: Apache-2.0

top=$(cd "$(dirname "$0")/.." && pwd)
build=$top/_build/fuzz
seeds=$top/tests/fuzz/corpus
all=(base64 minisign-sig minisign-key pkg-manifest release-manifest
	cluster-manifest store-index state url http-range procnet config schema
	template)

usage() { sed -n '2,26s/^# \{0,1\}//p' "$0"; }
die() { echo "fuzz.sh: $*" >&2; exit 2; }

mode=
seconds=30
jobs=
while [ $# -gt 0 ]; do
	case $1 in
	-h|--help) usage; exit 0 ;;
	--list) echo "${all[*]}"; exit 0 ;;
	--smoke) mode=smoke ;;
	-s|--seconds) [ $# -ge 2 ] || die "$1 needs a number"; seconds=$2; shift ;;
	-j|--jobs) [ $# -ge 2 ] || die "$1 needs a number"; jobs=$2; shift ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) break ;;
	esac
	shift
done
if [ -z "$mode" ]; then
	[ $# -ge 1 ] || { usage >&2; exit 2; }
	[[ $1 =~ ^[0-9]+(\.[0-9]+)?$ ]] || die "HOURS must be a number, not '$1'"
	mode=campaign
	hours=$1
	shift
fi
[[ $seconds =~ ^[1-9][0-9]*$ ]] || die "SECONDS must be a positive integer"
if [ $# -gt 0 ]; then harnesses=("$@"); else harnesses=("${all[@]}"); fi
for h in "${harnesses[@]}"; do
	[[ " ${all[*]} " == *" $h "* ]] || die "no harness '$h' (--list names them)"
done
n=${#harnesses[@]}
if [ -z "$jobs" ]; then
	if [ "$mode" = smoke ]; then jobs=2; else jobs=$(nproc); fi
fi
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "JOBS must be a positive integer"
if [ "$mode" = campaign ]; then
	# The harnesses share the wall-clock time, JOBS at a time.
	seconds=$(awk -v h="$hours" -v j="$jobs" -v n="$n" \
	    'BEGIN { s = int(h * 3600 * (j < n ? j : n) / n); print s < 1 ? 1 : s }')
fi

"$top/scripts/install-deps.sh"
# A tree of its own, configured once: clang, libFuzzer, ASan + UBSan.
# shellcheck source=scripts/build-lib.sh
. "$top/scripts/build-lib.sh"
src=$(build_source "$top" "$build")
[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
if ! grep -qs -- '--enable-fuzz' "$build/config.status" ||
    ! grep -qsF "srcdir='$src'" "$build/config.status"; then
	rm -rf "$build"
	mkdir -p "$build"
	(cd "$build" && CC=${FUZZ_CC:-clang} "$src/configure" -q --enable-fuzz)
fi
make -C "$build" -j"$jobs" fuzz-harnesses >"$build/build.log" 2>&1 ||
	{ tail -n 30 "$build/build.log"; die "building the harnesses failed"; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/logs" "$build/results"
rm -f "$build/results/"*

# run HARNESS: fuzzes it for $seconds, writes one result line.
run() {
	local h=$1 corpus log res rc=0 stats
	log=$build/logs/$h.log
	res=$build/results/$h
	if [ "$mode" = smoke ]; then
		corpus=$build/smoke/$h
		rm -rf "$corpus"
	else
		corpus=$build/corpus/$h
	fi
	mkdir -p "$corpus" "$build/crashes/$h" "$seeds/$h"
	(cd "$build" && exec "$build/tests/fuzz/fuzz-$h" \
		-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/crashes/$h/" \
		"$corpus" "$seeds/$h") >"$log" 2>&1 || rc=$?
	stats=$(awk '
		/^#[0-9]+/ && / cov: / {
			for (i = 1; i <= NF; i++) {
				if ($i == "cov:") cov = $(i + 1)
				if ($i == "ft:") ft = $(i + 1)
				if ($i == "corp:") corp = $(i + 1)
			}
		}
		/^stat::number_of_executed_units:/ { execs = $2 }
		END { printf "%s execs, cov: %s ft: %s corp: %s", execs + 0, cov, ft, corp }
	' "$log")
	if [ "$rc" -eq 0 ] && ! grep -q '^==[0-9]*==ERROR\|runtime error:' "$log"; then
		printf 'ok   %-17s %ss, %s\n' "$h" "$seconds" "$stats" >"$res"
	else
		{
			printf 'FAIL %-17s exit %s after %s; log %s\n' "$h" "$rc" \
			    "$stats" "$log"
			grep -m 3 -E 'ERROR|runtime error|property broken|Test unit written' "$log" |
			    sed 's/^/     /'
		} >"$res"
	fi
	cat "$res"
}

echo "fuzz: $n harnesses, ${seconds}s each, $jobs at a time ($mode)"
running=0
for h in "${harnesses[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	run "$h" &
	running=$((running + 1))
done
wait
passed=0
failed=0
for h in "${harnesses[@]}"; do
	if grep -q '^ok ' "$build/results/$h"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
