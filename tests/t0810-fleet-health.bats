#!/usr/bin/env bats
# The fleet commands past the install (tests/fleet.bash has the hosts:
# real sshd per host on 127.0.1.N, each host its own root): postflight
# and the health gate of upgrade with --rollback-on-failure, status
# showing verify and journal drift, the progress lines, push mode for a
# file:// bootstrap_url, and a non-root ssh_user under sudo -n.

load lib
load script
load fleet

setup_file() {
	sample_releases
}

teardown_file() {
	rm -rf "$FILE_SCRATCH"
}

setup() {
	need unshare ip jq ssh ssh-keygen sshd curl
	SCRATCH=$(mktemp -d)
	chmod 755 "$SCRATCH"
	SITE="$SCRATCH/site"
	RELEASE_DIR="$FILE_SCRATCH/r1"
	export SCRATCH SITE RELEASE_DIR
}

teardown() {
	cd /
	rm -rf "$SCRATCH"
}

@test "postflight, then a host failing its checks: named with its check, status shows drift, upgrade halts and rolls it back" {
	run fleet_ns_run '
		fleet_up 1 2 0
		F="--ssh-config $SCRATCH/ssh_config"
		"$GENCONF" deploy $F > deploy.out 2> deploy.err
		"$GENCONF" postflight $F > ok.out 2> ok.err
		if command -v script > /dev/null; then
			script -qec "$GENCONF postflight $F" /dev/null > tty.out
		fi
		# Host 2 loses a file its health check needs; host 3 has its
		# journal damaged (and, later, mended).
		rm "$SCRATCH"/hosts/2/root/opt/mesosphere/packages/dcos-hello--*/www/index.html
		j=$(find "$SCRATCH/hosts/3/root" -name journal -type f)
		cp "$j" "$SCRATCH/journal"
		echo "{not json" >> "$j"
		s=$(date +%s)
		rc=0; "$GENCONF" postflight $F --timeout 1 > bad.out 2> bad.err || rc=$?
		echo "$rc $(( $(date +%s) - s ))" > bad.rc
		rc=0; "$GENCONF" status $F > status.out || rc=$?
		echo "$rc" > status.rc
		"$GENCONF" status $F --json > status.json || :
		cp "$SCRATCH/journal" "$j"
		sed -i "s/^cluster_name: fleet$/cluster_name: fleet2/" genconf/config.yaml
		"$GENCONF" -q generate > /dev/null
		rc=0; "$GENCONF" upgrade $F --batch 1 --rollback-on-failure --timeout 1 > up.out 2> up.err || rc=$?
		echo "$rc" > up.rc
		"$GENCONF" status $F > after.out || :'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat ok.out ok.err bad.out bad.err status.out up.out up.err after.out
	# Plain progress lines off a terminal: one per finished step.
	grep -q '^127.0.1.2 slave: install ok ([0-9.]* s)$' deploy.err
	[ "$(grep -c ': check ok (' ok.err)" -eq 3 ]
	[ "$(tail -n 1 ok.out | cut -d' ' -f1-6)" = "postflight: 3 of 3 hosts succeeded" ]
	# On a terminal, live lines per running host, redrawn in place.
	if [ -e tty.out ]; then
		grep -q $'^  127.0.1.1  *master  *connect  *[0-9.]*s\e\\[K\r$' tty.out
		grep -q $'\e\\[[0-9]*A\e\\[J' tty.out
	fi
	read -r rc secs < bad.rc
	[ "$rc" -eq 1 ]
	[ "$secs" -lt 20 ]
	[ "$(tail -n 1 bad.out | cut -d' ' -f1-6)" = "postflight: 2 of 3 hosts succeeded" ]
	[ "$(grep -c '^dcos-genconf: error: 127.0.1.2: health checks failed for 1 s: dcos-hello/dcos-hello-release (grep: www/index.html: No such file or directory)$' bad.err)" -eq 1 ]
	# status: the missing file through verify, the journal as broken.
	[ "$(cat status.rc)" -eq 1 ]
	grep -q '^127.0.1.1  *master .* -$' status.out
	grep -q '^127.0.1.2  *slave .* verify: 0 changed, 1 missing, 0 extra$' status.out
	grep -q '^127.0.1.3  *slave .* journal broken: ' status.out
	[ "$(tail -n 1 status.out | cut -d' ' -f1-6)" = "status: 1 of 3 hosts current" ]
	[ "$(jq -r '.hosts[1].verify.exit' status.json)" -eq 1 ]
	[ "$(jq -r '.hosts[2].status.journal.intact' status.json)" = false ]
	# upgrade: the master passes its checks; host 2 does not after its
	# switch, is rolled back, and the rollout stops before host 3.
	[ "$(cat up.rc)" -eq 1 ]
	[ "$(tail -n 1 up.out | cut -d' ' -f1-6)" = "upgrade: 1 of 3 hosts succeeded" ]
	grep -q '^dcos-genconf: error: 127.0.1.2: health checks failed for 1 s: dcos-hello/dcos-hello-release (grep: www/index.html: No such file or directory); rolled back to the previous generation$' up.err
	grep -q '^dcos-genconf: error: upgrade: halted after 1 failed hosts (--max-failures 0)$' up.err
	state=$(ls genconf/state/upgrade-*.json)
	[ "$(jq -r '[.hosts[] | .host + "=" + .result] | join(" ")' "$state")" = "127.0.1.1=ok 127.0.1.2=failed 127.0.1.3=not started" ]
	[ "$(jq -r '.hosts[1].steps | map(.step + ":" + (.exit | tostring)) | join(" ")' "$state")" = "connect:0 upgrade:0 check:3" ]
	# Host 2 is back on generation 1 (its rollback), host 3 never left it.
	grep -q '^127.0.1.1  *master  *2 dcos 1.0.0 .* -$' after.out
	grep -q '^127.0.1.2  *slave  *1 dcos 1.0.0 .* config [0-9a-f]*, store has ' after.out
	grep -q '^127.0.1.3  *slave  *1 dcos 1.0.0 .* config [0-9a-f]*, store has [0-9a-f]*$' after.out
}
