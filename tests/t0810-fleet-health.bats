#!/usr/bin/env bats
# The fleet commands past the install (tests/fleet.bash has the hosts:
# real sshd per host on 127.0.1.N, each host its own root): postflight
# and the health gate of upgrade with --rollback-on-failure, status
# showing verify and journal drift, the progress lines, push mode for a
# file:// bootstrap_url, and a non-root ssh_user under sudo -n.

# SPDX-License-Identifier: Apache-2.0
load lib
load script
load fleet

# setup_file, setup and their teardowns: tests/fleet.bash.

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
	# The gate's options belong to the commands that have a gate.
	run "$GENCONF" deploy --timeout 5
	[ "$status" -eq 2 ]
	[ "$output" = "dcos-genconf: error: --timeout is for postflight and upgrade" ]
	run "$GENCONF" postflight --rollback-on-failure
	[ "$status" -eq 2 ]
	[ "$output" = "dcos-genconf: error: --batch, --max-failures and --rollback-on-failure are for upgrade" ]
}

@test "push mode: bootstrap_url file:///DIR copies the script and exactly the blobs a host lacks, then installs --offline" {
	FLEET_CONFIG="" run fleet_ns_run '
		fleet_site file:///var/lib/dcos/push 1 1 0
		fleet_client
		for n in 1 2; do fleet_host "$n"; fleet_start_host "$n"; done
		cd "$SITE"
		F="--ssh-config $SCRATCH/ssh_config"
		"$GENCONF" deploy $F > deploy.out 2> deploy.err
		"$GENCONF" postflight $F > post.out 2>&1
		"$GENCONF" deploy $F --host 127.0.1.2 > again.out 2> again.err
		"$GENCONF" uninstall $F > uninstall.out 2>&1'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat deploy.out deploy.err again.err
	[ "$(tail -n 1 deploy.out | cut -d' ' -f1-6)" = "deploy: 2 of 2 hosts succeeded" ]
	[ "$(tail -n 1 post.out | cut -d' ' -f1-6)" = "postflight: 2 of 2 hosts succeeded" ]
	state=$(ls genconf/state/deploy-*.json | head -n 1)
	[ "$(jq -r '.hosts[0].steps | map(.step) | join(",")' "$state")" = "connect,probe,push-bootstrap,list-release,push-release,list-packages,push-packages,install" ]
	# What the host listed is what the store has for Linux: the signed
	# release and the config package first, then the packages.
	logs=$(jq -r .hosts[0].log "$state"); logs=${logs%/*}
	cm=$(jq -r '.current[7:]' genconf/serve/index.json)
	[ "$(cut -d' ' -f1 "$logs/127.0.1.1.list-release.out" | sort)" = "$(jq -r '.blobs[] | select(.kind != "package" and (.platform // "linux") == "linux") | .digest' genconf/serve/blobs/sha256/$cm | sort)" ]
	[ "$(cut -d' ' -f1 "$logs/127.0.1.1.list-packages.out" | sort)" = "$(jq -r '.blobs[] | select(.kind == "package" and .platform == "linux") | .digest' genconf/serve/blobs/sha256/$cm | sort)" ]
	# Again: the host has it all, nothing but the script, dcos-bootstrap
	# and the manifest is copied.
	again=$(ls genconf/state/deploy-*.json | tail -n 1)
	logs=$(jq -r .hosts[0].log "$again"); logs=${logs%/*}
	[ ! -s "$logs/127.0.1.2.list-release.out" ]
	[ ! -s "$logs/127.0.1.2.list-packages.out" ]
	# uninstall takes the pushed blobs too.
	[ "$(tail -n 1 uninstall.out | cut -d' ' -f1-6)" = "uninstall: 2 of 2 hosts succeeded" ]
	[ -z "$(find "$SCRATCH"/hosts/*/root ! -type d)" ]
	[ -z "$(find "$SCRATCH"/hosts/*/root -mindepth 1 -type d ! -path '*/root/var' ! -path '*/root/var/lib' ! -path '*/root/var/lib/dcos')" ]
}

@test "a non-root ssh_user: sudo -n, ssh -tt only on the host whose sudo has requiretty, one line for one that asks a password" {
	need sudo
	FLEET_CONFIG="" run fleet_ns_run '
		fleet_site http://127.0.0.1:18080 1 2 0
		sed -i "s/^ssh_user: root$/ssh_user: fleet/" "$SITE/genconf/config.yaml"
		(cd "$SITE" && "$GENCONF" -q generate > /dev/null)
		fleet_client
		fleet_user fleet
		# Only a command that names DCOS_ROOT may run: one that
		# lost it would work on this machine'"'"'s /.
		ok="fleet ALL=(ALL) NOPASSWD: /usr/bin/env DCOS_ROOT=$SCRATCH/hosts/*"
		printf "%s\n" "Defaults env_reset" "root ALL=(ALL) ALL" "$ok" > "$SCRATCH/sudoers.1"
		printf "%s\n" "Defaults env_reset" "Defaults requiretty" "root ALL=(ALL) ALL" \
		    "$ok" > "$SCRATCH/sudoers.2"
		printf "%s\n" "Defaults env_reset" "root ALL=(ALL) ALL" \
		    "fleet ALL=(ALL) ALL" > "$SCRATCH/sudoers.3"
		for n in 1 2 3; do
			chmod 0440 "$SCRATCH/sudoers.$n"
			fleet_host "$n"
			sed -i "s/^PermitRootLogin.*/PermitRootLogin no/" "$SCRATCH/hosts/$n/sshd_config"
			fleet_start_host "$n" "$SCRATCH/sudoers.$n"
		done
		start_artifactd "$SITE/genconf/serve" 18080
		cd "$SITE"
		rc=0
		"$GENCONF" deploy --ssh-config "$SCRATCH/ssh_config" > out 2> err || rc=$?
		echo "$rc" > rc'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat out err
	[ "$(cat rc)" -eq 1 ]
	[ "$(tail -n 1 out | cut -d' ' -f1-6)" = "deploy: 2 of 3 hosts succeeded" ]
	grep -q '^127.0.1.2 slave: install needs a tty for sudo: again with ssh -tt' err
	! grep -q '^127.0.1.[13] .*needs a tty' err
	[ "$(grep -c '^dcos-genconf: error: 127.0.1.3: sudo asks ssh_user for a password, which a fleet run never types: allow ssh_user NOPASSWD sudo on this host (sudo: a password is required' err)" -eq 1 ]
	# Installed where the session said the host lives (DCOS_ROOT passed
	# through sudo), as root.
	for n in 1 2; do
		"$BOOTSTRAP" status --root "$SCRATCH/hosts/$n/root" | grep -q '^roles: *'
	done
	[ -z "$(find "$SCRATCH/hosts/3/root" -mindepth 1)" ]
}
