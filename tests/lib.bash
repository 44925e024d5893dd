# SPDX-License-Identifier: Apache-2.0
# Shared set-up for the bats tests: paths to the built programs and a
# scratch directory per test.
: "${top_builddir:?run the tests through make check}"
: "${top_srcdir:?run the tests through make check}"
GENCONF="$top_builddir/dcos-genconf"
ARTIFACTD="$top_builddir/dcos-artifactd"
BOOTSTRAP="$top_builddir/dcos-bootstrap"
export GENCONF ARTIFACTD BOOTSTRAP

# Fails the test with a message when a required peer program is missing:
# a missing tool is a broken set-up, never a silent skip.
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || {
			echo "required tool '$t' is missing (scripts/test.sh installs it)" >&2
			return 1
		}
	done
}

# Skips the test, saying why, unless configure linked dcos-bootstrap
# statically: --disable-static-bootstrap (and --enable-sanitize, which
# implies it) gives a dynamic binary.  make check passes
# DCOS_STATIC_BOOTSTRAP (yes or no) from configure.
need_static_bootstrap() {
	[ "${DCOS_STATIC_BOOTSTRAP:?run the tests through make check}" = yes ] &&
		return 0
	if [ "${DCOS_SANITIZE:-}" = yes ]; then
		skip "sanitizer builds link dcos-bootstrap dynamically (ASan cannot be static)"
	fi
	skip "configured with --disable-static-bootstrap: dcos-bootstrap is dynamically linked"
}

# Fails, saying why, unless FILE is an ELF executable without glibc's NSS
# loader: no program interpreter (a dynamic binary gets NSS from the
# host's libc.so) and no trace of libnss_* or nsswitch.conf (what a
# static glibc links in when anything calls getpwnam or getaddrinfo).
no_nss_loader() {
	local f=$1 n
	LC_ALL=C readelf -h "$f" >/dev/null 2>&1 ||
		{ echo "$f: not an ELF file" >&2; return 1; }
	if LC_ALL=C readelf -lW "$f" | grep -q '^ *INTERP '; then
		echo "$f: dynamically linked (the host's libc.so brings NSS)" >&2
		return 1
	fi
	n=$(grep -caE 'libnss_|nsswitch\.conf' "$f" || true)
	[ "$n" = 0 ] || {
		echo "$f: $n lines name libnss_ or nsswitch.conf (glibc's NSS loader is linked in)" >&2
		return 1
	}
}

# wait_until SECONDS CMD...: runs CMD every 10 ms until it succeeds.  Fails,
# naming CMD, when SECONDS (whole seconds) pass first: a readiness check
# that cannot hang a test run.
wait_until() {
	local secs=$1 deadline
	shift
	deadline=$((${EPOCHREALTIME/./} + secs * 1000000))
	until "$@"; do
		if [ "${EPOCHREALTIME/./}" -ge "$deadline" ]; then
			echo "wait_until: gave up after $secs s waiting for: $*" >&2
			return 1
		fi
		sleep 0.01
	done
}

# Drops the progress lines from the last `run`'s lines and output:
# dcos-bootstrap's "extracted ..." and dcos_install.sh's "fetched ..."
# say how far a run got, not what went wrong (#16 item 4).
no_progress() {
	local l kept=()
	for l in "${lines[@]}"; do
		case $l in
		"dcos-bootstrap: extracted "*|"dcos_install.sh: fetched "*) ;;
		*) kept+=("$l") ;;
		esac
	done
	lines=("${kept[@]}")
	output=$(printf '%s\n' "${kept[@]}")
}

# Asserts that the last `run` printed exactly one line of output, its
# progress lines aside (no_progress: lines and output lose them).
one_line() {
	no_progress
	[ "${#lines[@]}" -eq 1 ] || {
		printf 'expected one line, got %d:\n%s\n' "${#lines[@]}" "$output" >&2
		return 1
	}
}

# For setup_file: the sample release in two versions, signed by a new key
# vendor.pub/vendor.key, all in the current directory: r1/dcos-1.0.0.tar
# (seq 1) and r2/dcos-1.1.0.tar (seq 2), each with its .minisig.
#   With `sample_release_pair site`, $FILE_SCRATCH (exported) is a new
#   directory it works in, and site/ there is the sample site (its genconf/
#   and the vendor key as dcos-release.pub), the current directory after.
sample_release_pair() {
	if [ "${1:-}" = site ]; then
		export FILE_SCRATCH
		FILE_SCRATCH=$(mktemp -d)
		cd "$FILE_SCRATCH"
	fi
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r1 vendor.key >/dev/null
	RELEASE_VERSION=1.1.0 RELEASE_SEQ=2 GENCONF="$GENCONF" BOOTSTRAP="$BOOTSTRAP" \
	    "$top_srcdir/scripts/build-sample-release.sh" r2 vendor.key >/dev/null
	[ "${1:-}" = site ] || return 0
	mkdir site
	cd site
	cp -R "$top_srcdir/sample/site/genconf" genconf
	cp ../vendor.pub dcos-release.pub
}

# For setup_file: a signed release dcos-1.0.0.tar of one package
# (hello--1.0) and the sample schema and templates, built in a new
# $RELDIR with the keys vendor.* (its signer) and other.*, and roles.json.
sample_release_setup() {
	export RELDIR
	RELDIR=$(mktemp -d)
	cd "$RELDIR"
	"$GENCONF" -q keygen -p vendor.pub -s vendor.key
	"$GENCONF" -q keygen -p other.pub -s other.key
	mkdir -p hello--1.0/bin
	printf '#!/bin/sh\necho hello\n' > hello--1.0/bin/hello
	chmod 755 hello--1.0/bin/hello
	printf '{}\n' > hello--1.0/pkginfo.json
	printf '{"master": {"ports": [80]}, "slave": {"ports": [5051]}, "slave_public": {"ports": [80]}}\n' > roles.json
	"$GENCONF" -q release --name dcos --version 1.0.0 --seq 1 \
	    --key vendor.key --roles roles.json \
	    --bootstrap "x86_64=$BOOTSTRAP" \
	    --genconf "$top_srcdir/sample/genconf" hello--1.0 >/dev/null
}

# flip_byte FILE [OFFSET]: changes the byte at OFFSET (default: the
# middle of FILE) to another value, so a tampered file always differs,
# whatever byte was there (writing a fixed "X" left one random byte in
# 256 as it was).
flip_byte() {
	local f=$1 off=${2:-} b
	[ -n "$off" ] || off=$(( $(stat -c %s "$f") / 2 ))
	b=$(od -An -tu1 -j "$off" -N1 "$f" | tr -d ' ')
	[ -n "$b" ] || return 1
	# shellcheck disable=SC2059 # the format is the octal escape
	printf "$(printf '\\%03o' $(( (b + 1) % 256 )))" |
	    dd of="$f" bs=1 seek="$off" conv=notrunc status=none
}
