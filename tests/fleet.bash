# SPDX-License-Identifier: Apache-2.0
# shellcheck shell=bash disable=SC2016,SC2154 # snippets run in other shells; make check sets top_srcdir
# Fixtures for the fleet tests (tests/t0800-fleet.bats): real OpenSSH
# hosts on loopback.  Host N is an sshd of its own on 127.0.1.N:22 with
# its own host key; every session it opens has DCOS_ROOT set (sshd's
# SetEnv, not something the tool under test sends) to the host's scratch
# root $SCRATCH/hosts/N/root, which dcos_install.sh and the commands
# dcos-genconf runs honour: nothing is ever installed on this machine's /.
# Everything runs inside fleet_ns_run: a network namespace with only
# loopback and a mount namespace whose /run is a private tmpfs (sshd's
# privilege separation directory lives there).

# fleet_ns_run SNIPPET: runs the bash SNIPPET in new network and mount
# namespaces (loopback only, private /run), with the fixtures loaded.
fleet_ns_run() {
	need unshare ip
	unshare -n -m bash -c '
		set -e
		# sshd and dcos-artifactd are jobs: none outlives the snippet.
		trap '"'"'kill $(jobs -p) 2>/dev/null || true; wait'"'"' EXIT
		mount --make-rprivate /
		mount -t tmpfs -o mode=0755 tmpfs /run
		mkdir -m 0755 /run/sshd
		ip link set lo up
		# The sample ip-detect: the source address of the route to
		# 10.0.0.1 (as netns_run gives it).
		ip addr add 10.0.0.5/32 dev lo
		ip route add 10.0.0.0/8 dev lo src 10.0.0.5
		source "$top_srcdir/tests/lib.bash"
		source "$top_srcdir/tests/script.bash"
		source "$top_srcdir/tests/fleet.bash"
		eval "$1"' fleet_ns_run "$1"
}

# fleet_client: the deployer's ssh key (DC/OS's genconf/ssh_key in the site
# $SITE) and an ssh_config whose known_hosts is the test's.
fleet_client() {
	ssh-keygen -q -t ed25519 -N '' -f "$SITE/genconf/ssh_key"
	: > "$SCRATCH/known_hosts"
	cat > "$SCRATCH/ssh_config" <<-EOF
	UserKnownHostsFile $SCRATCH/known_hosts
	GlobalKnownHostsFile /dev/null
	EOF
}

# fleet_host N [KNOWN [FORCE]]: makes host N (sshd config, host key, empty
# root); KNOWN=1 (default) adds its key to known_hosts; FORCE is an sshd
# ForceCommand (e.g. "sleep 600" for a host that hangs).
fleet_host() {
	local n=$1 known=${2:-1} force=${3:-} d="$SCRATCH/hosts/$1"
	mkdir -p "$d/root"
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key"
	[ "$known" = 1 ] &&
	    echo "127.0.1.$n $(cut -d' ' -f1,2 "$d/host_key.pub")" >> "$SCRATCH/known_hosts"
	cat > "$d/sshd_config" <<-EOF
	ListenAddress 127.0.1.$n:22
	HostKey $d/host_key
	PidFile none
	AuthorizedKeysFile $SITE/genconf/ssh_key.pub
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	SetEnv DCOS_ROOT=$d/root
	Subsystem sftp internal-sftp
	${force:+ForceCommand $force}
	EOF
}

# fleet_start_host N [SUDOERS]: runs host N's sshd, ready when it listens;
# with SUDOERS, in a mount namespace of its own where that file is
# /etc/sudoers (each host its own sudo policy).
fleet_start_host() {
	local d="$SCRATCH/hosts/$1"
	: > "$d/sshd.log"
	if [ -n "${2:-}" ]; then
		unshare -m sh -c 'mount --bind "$1" /etc/sudoers && shift &&
		    exec "$@"' sh "$2" /usr/sbin/sshd -D -e -f "$d/sshd_config" 2> "$d/sshd.log" &
	else
		/usr/sbin/sshd -D -e -f "$d/sshd_config" 2> "$d/sshd.log" &
	fi
	echo $! > "$d/sshd.pid"
	for _ in $(seq 1 400); do
		grep -q "Server listening on 127.0.1.$1 port 22" "$d/sshd.log" && return 0
		sleep 0.025
	done
	echo "sshd of host $1 did not start: $(cat "$d/sshd.log")" >&2
	return 1
}

# fleet_win_host N: makes host N a Windows agent as tests/t0820 drives it:
# an sshd (fleet_host) whose root logs in to PowerShell 7 (pwsh, the .NET
# global tool) instead of sh, as OpenSSH for Windows runs every command
# through the account's default shell.  Its sessions get the service
# stand-in of tests/windows.bash (state in the host's svc/) besides
# DCOS_ROOT, which dcos_install.ps1 takes as -Root.  Start it with
# fleet_start_win_host N.
fleet_win_host() {
	local n=$1 d="$SCRATCH/hosts/$1" pwsh
	pwsh=$(command -v pwsh) || { echo "pwsh is missing" >&2; return 1; }
	fleet_host "$n"
	mkdir -p "$d/svc"
	# A login shell sshd runs as SHELL -c COMMAND.
	printf '#!/bin/sh\nexec %s -NoProfile -NonInteractive "$@"\n' "$pwsh" > "$d/shell"
	chmod 755 "$d/shell"
	sed "s|^root:\([^:]*:[^:]*:[^:]*:[^:]*:[^:]*\):.*|root:\1:$d/shell|" /etc/passwd > "$d/passwd"
	mkdir -p "$d/tmp"
	sed -i "s|^SetEnv .*|SetEnv DCOS_ROOT=$d/root TMPDIR=$d/tmp DOTNET_ROOT=${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")} DCOS_PS_SERVICE_STANDIN=$top_srcdir/tests/ps-service-standin.ps1 DCOS_PS_SERVICE_LOG=$d/svc.log DCOS_PS_SERVICE_DIR=$d/svc DCOS_HELLO_ROOT=$d/svc DCOS_HELLO_ONCE=1 DCOS_STANDIN_OUT=$d/svc DCOS_RETRIES=1|" "$d/sshd_config"
}

# fleet_win_standin N: makes host N a Windows agent without pwsh: its
# login shell, run as SHELL -c COMMAND, records each session in the
# host's calls/ (I.args its arguments, I.tty when stdin is a terminal,
# I.in its stdin otherwise), prints calls/say if present and exits with
# calls/rc (default 0).  For the checks of what dcos-genconf sends; start
# it with fleet_start_win_host N.
fleet_win_standin() {
	local n=$1 d="$SCRATCH/hosts/$1"
	fleet_host "$n"
	mkdir -p "$d/calls"
	cat > "$d/shell" <<-EOF
	#!/bin/sh
	c=$d/calls
	i=\$(ls "\$c" | grep -c '\.args\$' || :)
	printf '%s\\n' "\$@" > "\$c/\$i.args"
	if [ -t 0 ]; then : > "\$c/\$i.tty"; else cat > "\$c/\$i.in"; fi
	[ ! -f "\$c/say" ] || cat "\$c/say"
	exit "\$(cat "\$c/rc" 2>/dev/null || echo 0)"
	EOF
	chmod 755 "$d/shell"
	sed "s|^root:\([^:]*:[^:]*:[^:]*:[^:]*:[^:]*\):.*|root:\1:$d/shell|" /etc/passwd > "$d/passwd"
}

# fleet_win_standin_site: the site (FLEET_CONFIG listing 127.0.1.2 as a
# Windows agent) with its master 127.0.1.1 down and host 2 the started
# stand-in of fleet_win_standin; then in $SITE, with F the options for
# host 2 alone and C its calls/ directory.
fleet_win_standin_site() {
	fleet_site http://127.0.0.1:18080 1 0 0
	fleet_client
	fleet_win_standin 2
	fleet_start_win_host 2
	cd "$SITE"
	F="--ssh-config $SCRATCH/ssh_config --host 127.0.1.2"
	C="$SCRATCH/hosts/2/calls"
}

# fleet_start_win_host N: runs Windows host N's sshd in a mount namespace
# of its own where /etc/passwd gives root the PowerShell login shell.
fleet_start_win_host() {
	local d="$SCRATCH/hosts/$1"
	: > "$d/sshd.log"
	unshare -m sh -c 'mount --bind "$1" /etc/passwd && shift && exec "$@"' \
	    sh "$d/passwd" /usr/sbin/sshd -D -e -f "$d/sshd_config" 2> "$d/sshd.log" 3>&- &
	echo $! > "$d/sshd.pid"
	wait_until 10 grep -q "Server listening on 127.0.1.$1 port 22" "$d/sshd.log" || {
		echo "sshd of host $1 did not start: $(cat "$d/sshd.log")" >&2
		return 1
	}
}

# fleet_site URL MASTERS AGENTS PUBLIC [TIMEOUT]: the site $SITE from the
# sample with hosts 1..MASTERS as masters, the next AGENTS as agents and
# the next PUBLIC as public agents (127.0.1.N), reached as root, then
# generated.  FLEET_CONFIG: more config.yaml lines; FLEET_NAME: the
# cluster_name (default fleet).
fleet_site() {
	local url=$1 m=$2 a=$3 p=$4 n=1
	mkdir -p "$SITE"
	cp -R "$top_srcdir/sample/site/genconf" "$SITE/genconf"
	cp "$RELEASE_DIR"/../vendor.pub "$SITE/dcos-release.pub"
	cp "$RELEASE_DIR"/dcos-*.tar* "$SITE/"
	{
		echo "bootstrap_url: $url"
		echo "cluster_name: ${FLEET_NAME:-fleet}"
		echo "master_discovery: static"
		echo "exhibitor_storage_backend: static"
		echo "resolvers: [8.8.8.8]"
		echo "ssh_user: root"
		echo "ssh_port: 22"
		echo "process_timeout: ${5:-60}"
		echo "oauth_enabled: false"
		echo "telemetry_enabled: false"
		echo "master_list:"
		for _ in $(seq 1 "$m"); do echo "  - 127.0.1.$((n++))"; done
		echo "agent_list:"
		for _ in $(seq 1 "$a"); do echo "  - 127.0.1.$((n++))"; done
		echo "public_agent_list:"
		for _ in $(seq 1 "$p"); do echo "  - 127.0.1.$((n++))"; done
		printf '%s\n' "${FLEET_CONFIG:-}"
	} > "$SITE/genconf/config.yaml"
	# The sample's ip-detect.ps1 asks Windows; a Windows test host here
	# runs on Linux (tests/t0820).
	printf "'127.0.0.1'\n" > "$SITE/genconf/ip-detect.ps1"
	(cd "$SITE" && "$GENCONF" -q generate >/dev/null)
}

# fleet_up MASTERS AGENTS PUBLIC [TIMEOUT]: the site (fleet_site), the
# client, every host up with its key known, dcos-artifactd serving the
# store on 127.0.0.1:18080 (the site's bootstrap_url); then cd to the site.
fleet_up() {
	local n
	fleet_site http://127.0.0.1:18080 "$1" "$2" "$3" "${4:-}"
	fleet_client
	for n in $(seq 1 $(($1 + $2 + $3))); do
		fleet_host "$n"
		fleet_start_host "$n"
	done
	start_artifactd "$SITE/genconf/serve" 18080
	cd "$SITE" || return
}

# fleet_user NAME: a user NAME (no password, home in $SCRATCH) in this
# mount namespace only: copies of /etc/passwd, shadow and group with it
# are mounted over the real ones.
fleet_user() {
	local f
	mkdir -p "$SCRATCH/etc" "$SCRATCH/home"
	for f in passwd shadow group; do
		cp "/etc/$f" "$SCRATCH/etc/$f"
	done
	echo "$1:x:4242:4242::$SCRATCH/home:/bin/sh" >> "$SCRATCH/etc/passwd"
	echo "$1:*:19000:0:99999:7:::" >> "$SCRATCH/etc/shadow"
	echo "$1:x:4242:" >> "$SCRATCH/etc/group"
	for f in passwd shadow group; do
		mount --bind "$SCRATCH/etc/$f" "/etc/$f"
	done
}

# The bats hooks of the fleet tests (t0800, t0810): the sample releases
# once per file, a scratch site per test.
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
