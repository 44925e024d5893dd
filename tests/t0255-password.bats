#!/usr/bin/env bats
# hash-password and set-superuser-password: a SHA-512 crypt hash checked
# with openssl passwd -6 (an independent implementation), the password
# from the command line, from stdin, or typed on a terminal without echo;
# set-superuser-password rewrites config.yaml atomically.

# SPDX-License-Identifier: Apache-2.0
load lib

setup() {
	need openssl python3
	SITE=$(mktemp -d)
	cd "$SITE"
}

teardown() {
	cd /
	rm -rf "$SITE"
}

# Succeeds when hash ($1) is the SHA-512 crypt of password ($2).
verifies() {
	local salt
	[[ "$1" =~ ^\$6\$[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{86}$ ]] || return 1
	salt=${1#\$6\$}
	salt=${salt%%\$*}
	[ "$(openssl passwd -6 -salt "$salt" "$2")" = "$1" ]
}

@test "hash-password PASSWORD prints a SHA-512 crypt hash with a fresh salt" {
	run "$GENCONF" hash-password 'p@ss word'
	[ "$status" -eq 0 ]
	one_line
	verifies "$output" 'p@ss word'
	first=$output
	run "$GENCONF" hash-password 'p@ss word'
	[ "$output" != "$first" ]
	! verifies "$output" 'p@ss wore'
}

@test "hash-password reads stdin when it is not a terminal, and refuses none or an empty one" {
	run bash -c 'printf "s3cret\n" | "$GENCONF" hash-password'
	[ "$status" -eq 0 ]
	verifies "$output" s3cret
	run bash -c '"$GENCONF" hash-password </dev/null 2>/dev/null'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	run bash -c 'printf "\n" | "$GENCONF" hash-password'
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: empty password: give one" ]
}

@test "hash-password on a terminal prompts and does not echo the password" {
	run python3 - "$GENCONF" <<-'EOF'
	import os, pty, signal, sys
	signal.alarm(30)
	pid, fd = pty.fork()
	if pid == 0:
	    os.execv(sys.argv[1], [sys.argv[1], "hash-password"])
	out = b""
	while b"Password: " not in out:
	    out += os.read(fd, 1024)
	os.write(fd, b"tty-secret\n")
	while True:
	    try:
	        chunk = os.read(fd, 1024)
	    except OSError:
	        break
	    if not chunk:
	        break
	    out += chunk
	os.waitpid(pid, 0)
	sys.stdout.write(out.decode().replace("\r", ""))
	EOF
	[ "$status" -eq 0 ]
	[[ "$output" != *tty-secret* ]]
	[ "${lines[0]}" = "Password: " ]
	verifies "${lines[1]}" tty-secret
}

@test "set-superuser-password writes the hash into config.yaml, replaces an old one, keeps the mode" {
	mkdir genconf
	printf 'cluster_name: demo\nsuperuser_password_hash: old\nssh_user: x\n' > genconf/config.yaml
	chmod 640 genconf/config.yaml
	run "$GENCONF" set-superuser-password first
	[ "$status" -eq 0 ]
	run "$GENCONF" set-superuser-password --genconf genconf second
	[ "$status" -eq 0 ]
	[ "$(grep -c '^superuser_password_hash:' genconf/config.yaml)" -eq 1 ]
	[ "$(sed -n 1p genconf/config.yaml)" = "cluster_name: demo" ]
	[ "$(sed -n 3p genconf/config.yaml)" = "ssh_user: x" ]
	h=$(sed -n "2s/^superuser_password_hash: '\(.*\)'\$/\1/p" genconf/config.yaml)
	verifies "$h" second
	[ "$(stat -c %a genconf/config.yaml)" = 640 ]
	printf 'x: 1' > genconf/config.yaml
	run bash -c 'printf "third\n" | "$GENCONF" set-superuser-password'
	[ "$status" -eq 0 ]
	[ "$(sed -n 1p genconf/config.yaml)" = "x: 1" ]
	verifies "$(sed -n "2s/^superuser_password_hash: '\(.*\)'\$/\1/p" genconf/config.yaml)" third
}

@test "set-superuser-password without a config.yaml, or with a multi-line value, changes nothing" {
	run "$GENCONF" set-superuser-password pw
	[ "$status" -eq 1 ]
	[[ "$output" == *"genconf/config.yaml"* ]]
	[ ! -e genconf ]
	mkdir genconf
	printf 'superuser_password_hash:\n  old\n' > genconf/config.yaml
	before=$(cat genconf/config.yaml)
	run "$GENCONF" set-superuser-password pw
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: superuser_password_hash spans more than one line in config.yaml: put it on one line or remove it, then run again" ]
	[ "$(cat genconf/config.yaml)" = "$before" ]
}
