#!/usr/bin/env bats
# The fleet commands on Windows agents: host 127.0.1.2 is an sshd whose
# root logs in to PowerShell 7 (as OpenSSH for Windows runs commands
# through the account's default shell), its sessions pointed at a scratch
# root and the service stand-in (tests/fleet.bash fleet_win_host), beside
# a Linux master in the same run.  dcos-genconf sends dcos_install.ps1
# over ssh and runs it with windows_powershell (pwsh here).  pwsh starts
# slowly: the journey is one test, each step one login shell and one
# script run.

# SPDX-License-Identifier: Apache-2.0
load lib
load script
load windows
load fleet

# setup_file and teardown_file: tests/fleet.bash.

@test "a Linux master and a Windows agent: preflight, deploy, postflight, status, uninstall leaves no trace; a non-ASCII name survives iwr | iex" {
	need_pwsh
	# A cluster name with a quote, Latin-1, BMP and astral characters
	# and PowerShell's own single quote U+2019.
	name="fl$(printf '\xc3\xab')et $(printf '\xe2\x98\x83') $(printf '\xf0\x9f\x98\x80') it's $(printf '\xe2\x80\x99')q"
	export FLEET_NAME="\"$name\""
	export FLEET_CONFIG="windows_agent_list: [127.0.1.2]
windows_powershell: $(command -v pwsh)"
	run fleet_ns_run '
		fleet_site http://127.0.0.1:18080 1 0 0
		fleet_client
		fleet_host 1; fleet_start_host 1
		fleet_win_host 2; fleet_start_win_host 2
		start_artifactd "$SITE/genconf/serve" 18080
		cd "$SITE"
		F="--ssh-config $SCRATCH/ssh_config"
		"$GENCONF" preflight $F > preflight.out
		"$GENCONF" deploy $F --json > deploy.json
		"$GENCONF" postflight $F > postflight.out
		"$GENCONF" status $F --json > status.json
		"$GENCONF" uninstall $F > uninstall.out
		# As an operator runs it by hand: the text through iex sets
		# the pinned variables in the caller.
		DCOS_ROOT="$SCRATCH/iex" pwsh -NoProfile -NonInteractive -Command \
		    "iwr -useb http://127.0.0.1:18080/dcos_install.ps1 | iex; [IO.File]::WriteAllText(\"$SCRATCH/name.txt\", \$ClusterName)" \
		    > iex.out 2>&1 3>&- || :'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	W="$SCRATCH/hosts/2"
	cat preflight.out status.json uninstall.out "$W/svc.log"
	[ "$(tail -n 1 preflight.out | cut -d' ' -f1-6)" = "preflight: 2 of 2 hosts succeeded" ]
	grep -q 'Checking ip-detect.ps1 prints an address: PASS (127.0.0.1)' genconf/logs/preflight-*/127.0.1.2.log
	# The Windows host ran dcos_install.ps1 in one step, the master
	# dcos_install.sh; both are in the same state file.
	[ "$(jq -r '.hosts_ok, .hosts_total' deploy.json | tr '\n' ' ')" = "2 2 " ]
	[ "$(jq -r '.hosts[] | select(.host == "127.0.1.2") | [.role, (.steps | map(.step) | join(","))] | join(" ")' deploy.json)" = "slave connect,install" ]
	grep -q 'Checking ip-detect: PASS' "$(jq -r '.hosts[0].log' deploy.json)"
	grep -qx 'register dcos-hello .*/root/packages/dcos-hello-windows--1.0.0/bin/dcos-hello.ps1 -VersionFile etc/hello-version.txt' "$W/svc.log"
	grep -qx 'start dcos-hello' "$W/svc.log"
	grep -qF "cluster $name (dcos-1.0.0) is installed here as role(s): slave" "$(jq -r '.hosts[1].log' deploy.json)"
	# The health gate: every service of the generation runs.
	[ "$(tail -n 1 postflight.out | cut -d' ' -f1-6)" = "postflight: 2 of 2 hosts succeeded" ]
	grep -qx 'service dcos-hello: running' genconf/logs/postflight-*/127.0.1.2.check.out
	# status reads the Windows host's generation like any other's (one
	# run: pwsh is slow to start; the table prints the same fields).
	[ "$(jq -r '.hosts_current, .hosts_total' status.json | tr '\n' ' ')" = "2 2 " ]
	[ "$(jq -r '.hosts[1].status.current | [.generation, .release, .version, (.config_id | length), (.roles | join(","))] | map(tostring) | join(" ")' status.json)" = "1 dcos 1.0.0 64 slave" ]
	[ "$(jq -r '.hosts[1] | [.status.platform, .status.current.generation, .status.services["dcos-hello"], .drift] | map(tostring) | join(" ")' status.json)" = "windows 1 running null" ]
	[ "$(jq -r '.hosts[1].status.cluster_manifest == .cluster_manifest' status.json)" = true ]
	[ "$(tail -n 1 uninstall.out | cut -d' ' -f1-6)" = "uninstall: 2 of 2 hosts succeeded" ]
	grep -qx 'unregister dcos-hello' "$W/svc.log"
	# Nothing left: not in the root, not of the service, not the copies
	# of the script in the temporary directory.
	[ -z "$(ls -A "$W/root")" ]
	[ -z "$(ls -A "$W/svc" | grep -v '^status.txt$')" ]
	[ -z "$(ls -A "$W/tmp")" ]
	# The script is ASCII (any code page reads it alike), and the name
	# came through iwr | iex whole.
	! LC_ALL=C grep -q '[^ -~	]' genconf/serve/dcos_install.ps1
	cat iex.out
	[ "$(cat "$SCRATCH/name.txt")" = "$name" ]
}

@test "Windows hosts: the lists are checked with the others; push mode and a --hosts FILE role are refused or taken in one line" {
	export FLEET_CONFIG="windows_agent_list: [127.0.1.2]"
	run fleet_ns_run '
		fleet_site http://127.0.0.1:18080 1 0 0
		cd "$SITE"
		rc=0
		sed -i "s/^windows_agent_list: .*/windows_agent_list: [127.0.1.1]/" genconf/config.yaml
		"$GENCONF" -q validate > dup.out 2>&1 || rc=$?
		echo "$rc" > dup.rc
		sed -i "s/^windows_agent_list: .*/windows_agent_list: [127.0.1.2]/" genconf/config.yaml
		sed -i "s|^bootstrap_url: .*|bootstrap_url: file:///opt/dcos-push|" genconf/config.yaml
		"$GENCONF" -q generate > /dev/null
		rc=0
		"$GENCONF" preflight > push.out 2>&1 || rc=$?
		echo "$rc" > push.rc
		printf "127.0.1.3 windows_public_agent\n127.0.1.4 windows_agent\n" > hosts
		rc=0
		"$GENCONF" preflight --hosts hosts > hosts.out 2>&1 || rc=$?
		echo "$rc" > hosts.rc
		printf "127.0.1.3 windows\n" > bad
		rc=0
		"$GENCONF" preflight --hosts bad > bad.out 2>&1 || rc=$?
		echo "$rc" > bad.rc'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat dup.out push.out hosts.out bad.out
	[ "$(cat dup.rc)" -ne 0 ]
	grep -q 'windows_agent_list.*127.0.1.1' dup.out
	[ "$(cat push.rc)" -eq 1 ]
	[ "$(wc -l < push.out)" -eq 1 ]
	grep -q '127.0.1.2: a Windows host, and bootstrap_url file:///opt/dcos-push pushes: dcos_install.ps1 fetches over http(s) only' push.out
	# A --hosts file names Windows hosts by role word (push refused too).
	grep -q '127.0.1.3: a Windows host, and bootstrap_url' hosts.out
	[ "$(cat bad.rc)" -eq 2 ] || [ "$(cat bad.rc)" -eq 1 ]
	grep -q "bad:1: unknown role 'windows' (want master, agent, public_agent, windows_agent or windows_public_agent)" bad.out
}

@test "Windows steps: one -EncodedCommand line under any login shell, the script on stdin and never a pty (even with --tty), no sudo retry, windows_powershell checked" {
	need iconv
	export FLEET_CONFIG="windows_agent_list: [127.0.1.2]
windows_powershell: pwsh"
	run fleet_ns_run '
		fleet_win_standin_site
		"$GENCONF" preflight $F > plain.out 2>&1
		"$GENCONF" preflight $F --tty > tty.out 2>&1
		echo "sudo: sorry, you must have a tty to run sudo" > "$C/say"
		echo 1 > "$C/rc"
		rc=0
		"$GENCONF" preflight $F > sudo.out 2>&1 || rc=$?
		echo "$rc" > sudo.rc
		ls "$C" | grep -c "\.args$" > sudo.calls
		rm "$C/say" "$C/rc"
		sed -i "s|^windows_powershell: .*|windows_powershell: C:\\\\Program Files\\\\pwsh.exe|" genconf/config.yaml
		rc=0
		"$GENCONF" preflight $F > ps.out 2>&1 || rc=$?
		echo "$rc" > ps.rc'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	C="$SCRATCH/hosts/2/calls"
	cat plain.out tty.out sudo.out ps.out
	ls "$C"
	# sshd ran the login shell as SHELL -c LINE: one plain word, the
	# switches, and the step's PowerShell in UTF-16LE base64.
	[ "$(sed -n 1p "$C/0.args")" = "-c" ]
	[ "$(wc -l < "$C/0.args")" -eq 2 ]
	sed -n 2p "$C/0.args" | grep -qxE 'pwsh -NoProfile -NonInteractive -EncodedCommand [A-Za-z0-9+/]+=*'
	sed -n 2p "$C/0.args" | cut -d' ' -f5 | base64 -d | iconv -f UTF-16LE -t UTF-8 > step.ps1
	grep -qF "& 'pwsh' -NoProfile -ExecutionPolicy Bypass -File \$f -Preflight -Role slave; " step.ps1
	grep -qF "if (\$h -cne '$(sha256sum genconf/serve/dcos_install.ps1 | cut -d' ' -f1)')" step.ps1
	cmp "$C/0.in" genconf/serve/dcos_install.ps1
	# --tty is for sudo on Linux hosts: the Windows step still reads
	# the script from a pipe.
	[ ! -e "$C/1.tty" ]
	cmp "$C/1.in" genconf/serve/dcos_install.ps1
	# A Windows host has no sudo: its output is not a reason to run the
	# step again under ssh -tt.
	[ "$(cat sudo.rc)" -eq 1 ]
	[ "$(cat sudo.calls)" -eq 3 ]
	! grep -q 'again with ssh -tt' sudo.out
	# A windows_powershell cmd.exe would split is refused before any
	# host is reached (by the schema; the fleet commands check it too,
	# for a release whose schema is older).
	[ "$(cat ps.rc)" -ne 0 ]
	[ "$(wc -l < ps.out)" -eq 1 ]
	grep -q "windows_powershell: .*'C:.Program Files.pwsh.exe'" ps.out
	[ ! -e "$C/3.args" ]
}

@test "Windows status: -Status lines are read by their grammar; a version may start with a letter; a bad line is one drift naming its line; --role windows_agent; a bad pin; windows_ssh_user" {
	export FLEET_CONFIG="windows_agent_list: [127.0.1.2]"
	run fleet_ns_run '
		fleet_win_standin_site
		m=$(jq -r .current genconf/serve/index.json)
		h=$(printf "%064d" 7)
		ok="generation: 3
release: dcos-v2.0 (seq 1)
config id: $h
roles: slave
cluster manifest: $m
service dcos-hello: running"
		printf "%s\n" "$ok" > "$C/say"
		"$GENCONF" status $F --json > good.json || :
		"$GENCONF" status --ssh-config "$SCRATCH/ssh_config" --role windows_agent --json > wrole.json || :
		printf "%s\n" "$ok" | sed "s/^generation: 3/generation: x/" > "$C/say"
		"$GENCONF" status $F --json > gen.json || :
		printf "%s\n" "$ok" | grep -v "^cluster manifest" > "$C/say"
		"$GENCONF" status $F --json > nocm.json || :
		printf "%s\n" "$ok" "service dcos-hello: stopped" > "$C/say"
		"$GENCONF" status $F --json > twice.json || :
		printf "%s\n" "$ok" | sed "s/^roles: slave/roles: slave \$(x)/" > "$C/say"
		"$GENCONF" status $F --json > role.json || :
		# index.json pins the script by a digest that is not one.
		n=$(ls "$C" | grep -c "\.args$")
		cp genconf/serve/index.json index.good
		jq ".install_script_windows.digest |= (\"sha256:\" + (.[7:] | ascii_upcase))" genconf/serve/index.json > i.json
		mv i.json genconf/serve/index.json
		rc=0
		"$GENCONF" status $F > pin.out 2>&1 || rc=$?
		echo "$rc $n $(ls "$C" | grep -c "\.args$")" > pin.rc
		# Windows hosts log in as windows_ssh_user (no key of ours
		# lets nobody in here).
		cp index.good genconf/serve/index.json
		echo "windows_ssh_user: nobody" >> genconf/config.yaml
		"$GENCONF" status $F > user.out 2>&1 || :'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat good.json gen.json nocm.json twice.json role.json
	[ "$(jq -r '.hosts[0].status.current | [.generation, .release, .version, .roles[0]] | map(tostring) | join(" ")' good.json)" = "3 dcos v2.0 slave" ]
	[ "$(jq -r '.hosts[0].drift' good.json)" = null ]
	# --role windows_agent picks the Windows agents (not the master).
	[ "$(jq -r '[.hosts[] | .host + "=" + .status.platform] | join(" ")' wrole.json)" = "127.0.1.2=windows" ]
	jq -r '.hosts[0].drift' gen.json | grep -q "unreadable status: .*-Status line 1: generation 'x' is not a number from 1$"
	jq -r '.hosts[0].drift' nocm.json | grep -q "unreadable status: .*-Status printed only some of generation, release, config id, roles and cluster manifest$"
	jq -r '.hosts[0].drift' twice.json | grep -q "unreadable status: .*-Status line 7: 'service dcos-hello: stopped' is not 'service NAME: STATE'"
	jq -r '.hosts[0].drift' role.json | grep -q "unreadable status: .*-Status line 4: role '\$(x)' is not slave or slave_public$"
	! grep -q "out of memory" gen.json nocm.json twice.json role.json
	# An index.json digest not sha256: and 64 lowercase hex digits is
	# refused in one line, and no Windows host is reached.
	cat pin.out
	read -r rc before after < pin.rc
	[ "$rc" -eq 1 ] && [ "$before" -eq "$after" ]
	[ "$(wc -l < pin.out)" -eq 1 ]
	grep -q "serve/index.json: no install_script_windows digest (sha256: and 64 lowercase hex digits)" pin.out
	cat user.out
	grep -q "user nobody 127.0.0.1" "$SCRATCH/hosts/2/sshd.log"
}

@test "Windows health gate: -Status that fails is tried again until the gate's end, with its own exit status (never a rollback's reason)" {
	need_pwsh
	# windows_powershell as a stand-in: -Status and -Rollback of the
	# script are logged and -Status fails; the step itself runs in pwsh.
	cat > "$SCRATCH/fakeps" <<-EOF
	#!/bin/sh
	case " \$* " in
	*" -Status "*) echo Status >> "$SCRATCH/fakeps.log"; exit 1;;
	*" -Rollback "*) echo Rollback >> "$SCRATCH/fakeps.log"; exit 0;;
	esac
	exec $(command -v pwsh) "\$@"
	EOF
	chmod 755 "$SCRATCH/fakeps"
	export FLEET_CONFIG="windows_agent_list: [127.0.1.2]
windows_powershell: $SCRATCH/fakeps"
	run fleet_ns_run '
		fleet_site http://127.0.0.1:18080 1 0 0
		fleet_client
		fleet_win_host 2; fleet_start_win_host 2
		cd "$SITE"
		rc=0
		"$GENCONF" postflight --ssh-config "$SCRATCH/ssh_config" --host 127.0.1.2 \
		    --timeout 4 > gate.out 2> gate.err || rc=$?
		echo "$rc" > gate.rc'
	echo "$output"
	[ "$status" -eq 0 ]
	cd "$SITE"
	cat gate.out gate.err
	cat "$SCRATCH/fakeps.log"
	[ "$(cat gate.rc)" -eq 1 ]
	[ "$(grep -c Status "$SCRATCH/fakeps.log")" -ge 2 ]
	grep -q '127.0.1.2: dcos_install.ps1 -Status failed until the health gate.s end (4 s); not rolled back: see the log' gate.err
	# A PowerShell login shell makes any failure exit 1: the check's own
	# status is on its output too.
	grep -qx 'dcos-fleet-check-exit: 5' genconf/logs/postflight-*/127.0.1.2.check.out
}
