#!/usr/bin/env bats
# dcos-genconf validate and show on the demo site (sample/site) with a real
# signed release carrying the sample schema and templates: every problem
# at once as FILE:LINE:COL, exit 1, nothing written; show's output reads
# back to the same config id; secrets never printed unless asked.

# SPDX-License-Identifier: Apache-2.0
load lib

setup_file() {
	sample_release_setup
}

teardown_file() {
	rm -rf "$RELDIR"
}

setup() {
	SITE=$(mktemp -d)
	cp -R "$top_srcdir/sample/site/genconf" "$SITE/"
	cp "$RELDIR/dcos-1.0.0.tar" "$RELDIR/dcos-1.0.0.tar.minisig" "$SITE/"
	cd "$SITE"
}

teardown() {
	cd /
	rm -rf "$SITE"
}

# A snapshot of everything under the site directory (names, modes, bytes).
snapshot() {
	find . -printf '%p %m %s\n' | sort
	find . -type f -exec sha256sum {} + | sort
}

validate() {
	run "$GENCONF" validate --trusted-key "$RELDIR/vendor.pub" "$@"
}

@test "the demo site validates against the release found in the current directory" {
	before=$(snapshot)
	validate
	[ "$status" -eq 0 ]
	one_line
	[[ "$output" =~ ^genconf/config.yaml:\ valid\ for\ release\ dcos-1.0.0\ \(seq\ 1\)\;\ config\ id\ [0-9a-f]{64},\ 8\ files$ ]]
	[ "$(snapshot)" = "$before" ]
}

@test "validate gives the same config id every time and another one when the config changes" {
	validate
	first=$output
	validate --release dcos-1.0.0.tar --genconf genconf
	[ "$output" = "$first" ]
	echo 'ssh_parallelism: 30' >> genconf/config.yaml
	validate
	[ "$status" -eq 0 ]
	[ "$output" != "$first" ]
}

@test "every error is printed at once as config.yaml:LINE:COL, exit 1, nothing written" {
	cat > genconf/config.yaml <<-'EOF'
	bootstrap_url: http://127.0.0.1:8080/
	master_list: [foo, 10.0.0.1, bar]
	mastr_list: [10.0.0.1]
	telemetry_enabled: foo
	resolvers: ['8.8.8.8:65536']
	exhibitor_storage_backend: zookeeper
	exhibitor_zk_hosts: zk://10.0.0.5:2181
	exhibitor_zk_path: bad/path
	cluster_name: demo
	master_discovery: static
	EOF
	before=$(snapshot)
	validate
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "config.yaml:1:16: bootstrap_url: Must not end in a '/'" ]
	[ "${lines[1]}" = "config.yaml:2:14: master_list: Invalid IPv4 addresses in list: foo, bar" ]
	[ "${lines[2]}" = "config.yaml:3:1: mastr_list: Unknown parameter. Did you mean 'master_list'?" ]
	[ "${lines[3]}" = "config.yaml:4:20: telemetry_enabled: Must be one of 'true', 'false'. Got 'foo'." ]
	[ "${lines[4]}" = "config.yaml:5:13: resolvers: Must be between 1 and 65535 inclusive" ]
	[ "${lines[5]}" = "config.yaml:7:21: exhibitor_zk_hosts: Must be of the form \`host:port,host:port', not start with zk://" ]
	[ "${lines[6]}" = "config.yaml:8:20: exhibitor_zk_path: Must be of the form /path/to/znode" ]
	[ "${lines[7]}" = "dcos-genconf: error: 7 problems in genconf/config.yaml: fix them and run again" ]
	[ "${#lines[@]}" -eq 8 ]
	[ "$(snapshot)" = "$before" ]
}

@test "a missing required key, a missing ip-detect and a bad master count are reported" {
	printf 'master_list: [10.0.0.1, 10.0.0.2]\ncluster_name: c\nmaster_discovery: static\nexhibitor_storage_backend: static\n' > genconf/config.yaml
	rm genconf/ip-detect
	validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.yaml:1:1: bootstrap_url: Must set bootstrap_url, no way to calculate value."* ]]
	[[ "$output" == *"config.yaml:1:1: ip_detect_filename: ip-detect script \`genconf/ip-detect\` must exist"* ]]
	[[ "$output" == *"config.yaml:1:14: num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2"* ]]
}

@test "load balancer discovery with the static backend is an error on both keys" {
	cat > genconf/config.yaml <<-'EOF'
	bootstrap_url: http://127.0.0.1:8080
	master_discovery: master_http_loadbalancer
	exhibitor_address: lb.example
	num_masters: 3
	exhibitor_storage_backend: static
	cluster_name: demo
	EOF
	validate
	[ "$status" -eq 1 ]
	[[ "${lines[1]}" == "config.yaml:5:28: exhibitor_storage_backend: When master_discovery is not static, exhibitor_storage_backend must be non-static."* ]]
	[[ "${lines[0]}" == "config.yaml:2:19: master_discovery: When master_discovery is not static, exhibitor_storage_backend must be non-static."* ]]
}

@test "invalid YAML and a top-level list are refused with line and column" {
	printf 'bootstrap_url: http://a\nmaster_list: [10.0.0.1\n' > genconf/config.yaml
	validate
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "config.yaml:3:1: invalid YAML: did not find expected ',' or ']'"* ]]
	printf -- '- bootstrap_url\n' > genconf/config.yaml
	validate
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "config.yaml:1:1: the file must be a mapping of parameters (key: value), not a list" ]
}

@test "the old string-encoded list is accepted with a warning" {
	printf 'no_proxy: "[\\".example.com\\", \\"10.0.0.0/8\\"]"\n' >> genconf/config.yaml
	validate
	[ "$status" -eq 0 ]
	run "$GENCONF" show --trusted-key "$RELDIR/vendor.pub"
	[[ "$output" == *'no_proxy: [".example.com","10.0.0.0/8"]'* ]]
	[[ "$output" == *"config.yaml:23:11: no_proxy: a list encoded in a string is the old DC/OS form: write it as a YAML list"* ]]
}

@test "a release signed by an untrusted key or tampered with is refused before the config is read" {
	rm genconf/config.yaml
	run "$GENCONF" validate --trusted-key "$RELDIR/other.pub"
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" != *config.yaml* ]]
	cp "$RELDIR/dcos-1.0.0.tar" dcos-1.0.0.tar
	printf 'x' | dd of=dcos-1.0.0.tar bs=1 seek=700 conv=notrunc 2>/dev/null
	validate
	[ "$status" -eq 1 ]
	one_line
	[[ "$output" != *config.yaml* ]]
}

@test "validate finds keys and the release as generate does, and says what to give" {
	run "$GENCONF" validate
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: no trusted key: give the vendor's public key with --trusted-key FILE (or put it in genconf/trusted-keys/ or ./dcos-release.pub)" ]
	mkdir genconf/trusted-keys
	cp "$RELDIR/vendor.pub" genconf/trusted-keys/
	run "$GENCONF" validate
	[ "$status" -eq 0 ]
	rm -r genconf/trusted-keys
	cp "$RELDIR/vendor.pub" dcos-release.pub
	run "$GENCONF" validate -g genconf -r dcos-1.0.0.tar
	[ "$status" -eq 0 ]
	cp dcos-1.0.0.tar dcos-0.9.0.tar
	cp dcos-1.0.0.tar.minisig dcos-0.9.0.tar.minisig
	validate
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: more than one release here: pick one with --release FILE" ]
	rm dcos-*.tar.minisig
	validate
	[ "$status" -eq 1 ]
	[ "$output" = "dcos-genconf: error: no release here (a NAME-VERSION.tar with its .minisig): give it with --release FILE" ]
	run "$GENCONF" validate --bogus
	[ "$status" -eq 2 ]
}

@test "show prints the effective config with defaults, and it reads back to the same config id" {
	validate
	id=$output
	run "$GENCONF" show --trusted-key "$RELDIR/vendor.pub"
	[ "$status" -eq 0 ]
	[[ "$output" == *'master_list: ["10.0.0.1","10.0.0.2","10.0.0.3"]'* ]]
	[[ "$output" == *'ssh_parallelism: 20'* ]]
	[[ "$output" == *'# num_masters (calculated): 3'* ]]
	printf '%s\n' "$output" > shown.yaml
	mv shown.yaml genconf/config.yaml
	validate
	[ "$status" -eq 0 ]
	[ "$output" = "$id" ]
}

@test "show of a bad config prints the problems to stderr and nothing to stdout" {
	printf 'bootstrap_url: ftp:/x\n' > genconf/config.yaml
	"$GENCONF" show --trusted-key "$RELDIR/vendor.pub" > out 2> err && false
	[ ! -s out ]
	grep -qx "config.yaml:1:16: bootstrap_url: Should be a url (http://example.com/bar or file:///path/to/local/cache)" err
	rm genconf/config.yaml
	run "$GENCONF" show --trusted-key "$RELDIR/vendor.pub"
	[ "$status" -eq 1 ]
	[ "$output" = "genconf/config.yaml: no such file: write the site's parameters there (see dcos-config.yaml(5))" ]
}

@test "show masks secrets, refuses the mask fed back, and --reveal-secrets round-trips" {
	cat >> genconf/config.yaml <<-'EOF'
	exhibitor_storage_backend: aws_s3
	aws_region: us-west-2
	s3_bucket: bucket
	s3_prefix: dcos
	exhibitor_explicit_keys: true
	aws_access_key_id: AKIAEXAMPLE
	aws_secret_access_key: Very-Secret-42
	EOF
	sed -i '/^exhibitor_storage_backend: static$/d' genconf/config.yaml
	validate
	[ "$status" -eq 0 ]
	[[ "$output" != *Very-Secret-42* ]]
	id=$output
	run "$GENCONF" -v show --trusted-key "$RELDIR/vendor.pub"
	[ "$status" -eq 0 ]
	[[ "$output" != *Very-Secret-42* ]]
	[[ "$output" == *'aws_secret_access_key: "********"'* ]]
	"$GENCONF" show --trusted-key "$RELDIR/vendor.pub" > masked.yaml
	"$GENCONF" show --reveal-secrets --trusted-key "$RELDIR/vendor.pub" > revealed.yaml 2>/dev/null
	grep -q '^aws_secret_access_key: "Very-Secret-42"$' revealed.yaml
	cp masked.yaml genconf/config.yaml
	validate
	[ "$status" -eq 1 ]
	[[ "$output" == *"aws_secret_access_key: '********' is the mask that 'dcos-genconf show' prints: put the real secret back"* ]]
	cp revealed.yaml genconf/config.yaml
	validate
	[ "$output" = "$id" ]
}

@test "generate and validate agree on the config id, and the config package holds the rendered files" {
	need jq bsdtar
	validate
	id=${output##*config id }
	id=${id%%,*}
	[ "${#id}" -eq 64 ]
	run "$GENCONF" generate --trusted-key "$RELDIR/vendor.pub"
	[ "$status" -eq 0 ]
	current=$(jq -r .current genconf/serve/index.json)
	cluster=genconf/serve/blobs/sha256/${current#sha256:}
	[ "$(jq -r .config_id "$cluster")" = "$id" ]
	[ "$(jq -r .config_package.id "$cluster")" = "dcos-config--setup_$id" ]
	pkg=$(jq -r .config_package.digest "$cluster")
	bsdtar -xf "genconf/serve/blobs/sha256/${pkg#sha256:}" -C . etc/mesos-master etc/ip-detect etc_master/exhibitor
	grep -qx 'MESOS_ZK=zk://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181/mesos' etc/mesos-master
	grep -qx 'MESOS_QUORUM=2' etc/mesos-master
	cmp etc/ip-detect genconf/ip-detect
	[ "$(stat -c %a etc/ip-detect)" = 755 ]
	[ "$(stat -c %a etc_master/exhibitor)" = 600 ]
}

@test "dcos-config.yaml(5) is mandoc -Tlint clean and documents the commands and the schema" {
	need mandoc
	run mandoc -Tlint -Wwarning "$top_srcdir/man/dcos-config.yaml.5"
	[ "$status" -eq 0 ]
	for s in 'EXIT STATUS' EXAMPLES SCHEMA TEMPLATES; do
		grep -q "^\.Sh $s\$" "$top_srcdir/man/dcos-config.yaml.5"
	done
	grep -q -- '^\.Op Fl -reveal-secrets$' "$top_srcdir/man/dcos-config.yaml.5"
	run "$GENCONF" show --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--reveal-secrets"* ]]
}

# A copy of the sample genconf tree with PARAM (YAML lines) added to the
# schema and TEMPLATE as one more template, built into a release in $1.
release_with() {
	local out=$1 params=$2 template=$3
	mkdir -p "$out/genconf"
	cp -R "$top_srcdir/sample/genconf/." "$out/genconf/"
	printf '%s\n' "$params" > "$out/extra"
	sed -i "/^parameters:\$/r $out/extra" "$out/genconf/schema.yaml"
	[ -z "$template" ] || printf '%s\n' "$template" > "$out/genconf/templates/zz-extra.yaml"
	run "$GENCONF" -q release --name dcos --version 2.0.0 --seq 2 \
	    --key "$RELDIR/vendor.key" --roles "$RELDIR/roles.json" \
	    --bootstrap "x86_64=$BOOTSTRAP" -o "$out" \
	    --genconf "$out/genconf" "$RELDIR/hello--1.0"
}

@test "release refuses to sign a schema or a template this dcos-genconf cannot load, and writes nothing" {
	release_with bad1 '  frob: {type: frobnicate}'
	[ "$status" -ne 0 ]
	# The line just after "parameters:", wherever that is.
	at=$(( $(grep -n '^parameters:$' "$top_srcdir/sample/genconf/schema.yaml" | cut -d: -f1) + 1 ))
	[[ "$output" == *"refusing to sign a schema this dcos-genconf cannot load: "*"schema.yaml:$at:16: unknown type: use string, bool, int, port,"* ]]
	[ ! -e bad1/dcos-2.0.0.tar ] && [ ! -e bad1/dcos-2.0.0.tar.minisig ]
	release_with bad2 '' 'package:
  - path: etc/extra
    content: "{{ no_such_parameter }}"'
	[ "$status" -ne 0 ]
	[[ "$output" == *"refusing to sign templates this dcos-genconf cannot render:"* ]]
	[[ "$output" == *"zz-extra.yaml:3:14: etc/extra: unknown parameter 'no_such_parameter'"* ]]
	[ ! -e bad2/dcos-2.0.0.tar ]
}

@test "a release whose schema has a map signs, and sites validate it with every bad entry at its position" {
	release_with rel '  fwd_zones:
    type: map
    keys: hostname
    items: {type: list-of, items: ipv4-with-port}
    default: {}' 'package:
  - path: etc/zones.json
    content: "{{ fwd_zones }}"'
	[ "$status" -eq 0 ]
	cp rel/dcos-2.0.0.tar rel/dcos-2.0.0.tar.minisig .
	cat >> genconf/config.yaml <<-'EOF'
	fwd_zones:
	  a.example: ['10.0.0.5:53', 10.0.0.6]
	EOF
	validate --release dcos-2.0.0.tar
	[ "$status" -eq 0 ]
	cat >> genconf/config.yaml <<-'EOF'
	  bad_zone!: ['10.0.0.7']
	  b.example: ['10.0.0.8:0', nope]
	EOF
	before=$(snapshot)
	validate --release dcos-2.0.0.tar
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = "config.yaml:25:3: fwd_zones: Must be a host name (letters, digits and '-' in dot-separated labels). Got 'bad_zone!'." ]
	[ "${lines[1]}" = "config.yaml:26:14: fwd_zones: b.example: Invalid IPv4 addresses in list: nope" ]
	[ "${lines[2]}" = "config.yaml:26:15: fwd_zones: b.example: Must be between 1 and 65535 inclusive" ]
	[ "${lines[3]}" = "dcos-genconf: error: 3 problems in genconf/config.yaml: fix them and run again" ]
	[ "$(snapshot)" = "$before" ]
}

# Big files of problems must cost seconds, not minutes: the duplicate-key
# check of a mapping, did-you-mean, the positions of problems inside a
# value and the lists that name bad items were each quadratic (100,000
# keys took minutes).  Each file stays under the 1 MiB limit.  (A
# process substitution, not a pipe: run must not be in a subshell.)
big_config() {
	{
		printf '%s\n' 'bootstrap_url: http://127.0.0.1:8080' \
		    'cluster_name: big' 'master_discovery: static' \
		    'master_list: [10.0.0.1]' 'exhibitor_storage_backend: static'
		cat
	} > genconf/config.yaml
	run timeout 60 "$GENCONF" validate --trusted-key "$RELDIR/vendor.pub"
	[ "$status" -eq 1 ]
}

@test "a file of 100,000 unknown keys, or one key written twice among 45,000, is answered in seconds" {
	big_config < <(awk 'BEGIN { for (i = 0; i < 100000; i++) printf "k%d: 1\n", i }')
	[ "${#lines[@]}" -eq 100001 ]
	[ "${lines[100000]}" = "dcos-genconf: error: 100000 problems in genconf/config.yaml: fix them and run again" ]
	big_config < <(awk 'BEGIN { print "dns_forward_zones:"
	    for (i = 0; i < 45000; i++) printf "  z%d: [1.0.0.1]\n", i
	    print "  z7: [1.0.0.2]" }')
	[ "$output" = "config.yaml:45007:3: duplicate key 'z7' (first at line 14 column 3): keep one of them" ]
}

@test "35,000 bad zones, 60,000 bad addresses, 30,000 bad check names: every problem, in seconds" {
	big_config < <(awk 'BEGIN { print "dns_forward_zones:"
	    for (i = 0; i < 35000; i++) printf "  z%d.e: [x]\n", i }')
	[ "${lines[0]}" = 'config.yaml:7:10: dns_forward_zones: Invalid "dns_forward_zones": x not a valid IP address' ]
	[ "${lines[35000]}" = "dcos-genconf: error: 35000 problems in genconf/config.yaml: fix them and run again" ]
	big_config < <(awk 'BEGIN { print "agent_list:"; for (i = 0; i < 60000; i++) printf "- x%d\n", i }')
	[[ "${lines[0]}" == "config.yaml:7:1: agent_list: Invalid IPv4 addresses in list: x0, x1, "*", x59999" ]]
	big_config < <(awk 'BEGIN { print "custom_checks:\n  cluster_checks:"
	    for (i = 0; i < 30000; i++) printf "    \"a %d\": 1\n", i }')
	[[ "$output" == *"custom_checks: Key 'cluster_checks' error: Wrong keys 'a 0', 'a 1', "*"'a 29999' in {'a 0': 1, "* ]]
}
