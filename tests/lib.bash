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

# Asserts that the last `run` printed exactly one line of output.
one_line() {
	[ "${#lines[@]}" -eq 1 ] || {
		printf 'expected one line, got %d:\n%s\n' "${#lines[@]}" "$output" >&2
		return 1
	}
}
