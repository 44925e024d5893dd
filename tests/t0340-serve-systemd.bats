#!/usr/bin/env bats
# dcos-artifactd under systemd: it tells NOTIFY_SOCKET "READY=1" once it
# answers (Type=notify), and make install ships dist/systemd's units,
# which systemd-analyze verifies in an image-like root (the DESTDIR
# install, the host's systemd units, the commands they run) and whose
# server unit's exposure score is the one the README prints.  Nothing
# boots systemd or touches the real /.

# SPDX-License-Identifier: Apache-2.0
load lib
load serve-lib

setup() {
	need curl python3 systemd-analyze
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	export ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0"
}

teardown() {
	stop_server || true
	[ -z "${LISTENER_PID:-}" ] || kill "$LISTENER_PID" 2>/dev/null || true
	rm -rf "$SCRATCH"
}

# image_root DIR: a merged-/usr tree with this build installed into it
# (prefix /usr), the host's systemd units and the commands the units run,
# and dcos-bootstrap where dcos_install.sh leaves it.
image_root() {
	local r=$1 c
	mkdir -p "$r/usr/lib/systemd" "$r/usr/bin" "$r/usr/sbin" \
	    "$r/var/lib/dcos/bootstrap"
	for c in lib bin sbin; do
		ln -s "usr/$c" "$r/$c"
	done
	cp -R /usr/lib/systemd/system "$r/usr/lib/systemd/"
	for c in sh rm kill systemctl; do
		cp "/usr/bin/$c" "$r/usr/bin/"
	done
	make -s -C "$top_builddir" install DESTDIR="$r" prefix=/usr >/dev/null
	cp "$r/usr/sbin/dcos-bootstrap" "$r/var/lib/dcos/bootstrap/"
}

# One image root for the file's tests (a make install takes seconds).
setup_file() {
	image_root "$BATS_FILE_TMPDIR/root"
}

@test "serve tells NOTIFY_SOCKET READY=1 once it answers, and STOPPING=1 at SIGTERM" {
	grep -q '^#define HAVE_LIBSYSTEMD 1' "$top_builddir/config.h" ||
		skip "configured --without-systemd"
	make_store "$SCRATCH/store"
	# A datagram socket as systemd's, writable by the user serve becomes.
	python3 -c '
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.settimeout(60)
with open(sys.argv[2], "w") as out:
    while True:
        for m in s.recv(4096).decode().split("\n"):
            out.write(m + "\n")
            out.flush()
            if m == "STOPPING=1":
                sys.exit(0)
' "$SCRATCH/notify" "$SCRATCH/said" 3>&- &
	LISTENER_PID=$!
	wait_until 10 test -S "$SCRATCH/notify"
	NOTIFY_SOCKET="$SCRATCH/notify" launch "$ARTIFACTD" serve \
	    -l 127.0.0.1:0 --root "$SCRATCH/store" --user nobody
	wait_until 10 grep -qx READY=1 "$SCRATCH/said"
	# Ready means answering: no retry.
	curl -fsS -o /dev/null "$URL/healthz"
	stop_server
	wait "$LISTENER_PID"
	LISTENER_PID=
	[ "$(cat "$SCRATCH/said")" = "$(printf 'READY=1\nSTOPPING=1')" ]
}

@test "make install puts the three units in place with this install's paths, and systemd-analyze verifies each" {
	r="$BATS_FILE_TMPDIR/root"
	u="$r/lib/systemd/system"
	grep -qx 'ExecStart=/usr/sbin/dcos-artifactd serve --root ${DCOS_ARTIFACTD_STORE} $DCOS_ARTIFACTD_OPTS' \
	    "$u/dcos-artifactd.service"
	grep -qx 'Type=notify' "$u/dcos-artifactd.service"
	grep -qx 'Before=dcos.target' "$u/dcos-activate.service"
	grep -qx 'Before=dcos-activate.service' "$u/dcos-firstboot.service"
	for s in dcos-artifactd dcos-activate dcos-firstboot; do
		run systemd-analyze verify --man=no --root="$r" \
		    "/lib/systemd/system/$s.service"
		[ "$status" -eq 0 ] && [ -z "$output" ] ||
			{ echo "$s.service: $output"; return 1; }
	done
	# The check catches a unit that runs what the image does not have.
	mv "$r/var/lib/dcos/bootstrap/dcos-bootstrap" "$SCRATCH/"
	run systemd-analyze verify --man=no --root="$r" \
	    /lib/systemd/system/dcos-activate.service
	mv "$SCRATCH/dcos-bootstrap" "$r/var/lib/dcos/bootstrap/"
	[ "$status" -ne 0 ]
	[[ "$output" == *"/var/lib/dcos/bootstrap/dcos-bootstrap is not executable"* ]]
}

@test "dcos-artifactd.service's exposure (systemd-analyze security --offline) is at most 2.0 and is the score the README prints" {
	cd "$BATS_FILE_TMPDIR/root"
	run systemd-analyze security --offline=yes --threshold=20 \
	    --root="$BATS_FILE_TMPDIR/root" dcos-artifactd.service
	score=$(sed -n 's/.*Overall exposure level for dcos-artifactd.service: \([0-9.]*\) .*/\1/p' <<< "$output")
	echo "exposure: $score"
	[ "$status" -eq 0 ]
	[ -n "$score" ]
	grep -q "exposure level \*\*$score\*\*" "$top_srcdir/README.md"
}
