#!/usr/bin/env bats
# DC/OS's own validation tests, case by case, against dcos-genconf validate
# with the sample release: gen/tests/test_config.py and the 1.13 ssh/
# test_unit.py of github.com/dcos/dcos.  Each case keeps DC/OS's input (its
# JSON-in-a-string lists included), its outcome and its message word for
# word; where dcos-genconf differs on purpose the title says so.  A case
# sets keys over a valid 3-master site: ok KEY: VALUE... must validate,
# err KEY MESSAGE KEY: VALUE... must fail with "config.yaml:L:C: KEY:
# MESSAGE" among the problems.

load lib

setup_file() {
	sample_release_setup
}

teardown_file() {
	rm -rf "$RELDIR"
}

setup() {
	SITE=$(mktemp -d)
	mkdir "$SITE/genconf"
	cp "$top_srcdir/sample/site/genconf/ip-detect" "$SITE/genconf/"
	cd "$SITE"
}

teardown() {
	cd /
	rm -rf "$SITE"
}

BASE='bootstrap_url: http://127.0.0.1:8080
cluster_name: demo
master_discovery: static
master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3]
agent_list: [10.0.1.1, 10.0.1.2]
public_agent_list: [10.0.2.1]
exhibitor_storage_backend: static
resolvers: [8.8.8.8, 8.8.4.4]'

# The base site with each "KEY: VALUE" argument replacing or adding KEY.
site() {
	local kv keys=
	for kv in "$@"; do
		keys="$keys ${kv%%:*}"
	done
	printf '%s\n' "$BASE" | while IFS= read -r line; do
		case " $keys " in
		*" ${line%%:*} "*) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done > genconf/config.yaml
	printf '%s\n' "$@" >> genconf/config.yaml
	run "$GENCONF" validate -r "$RELDIR/dcos-1.0.0.tar" -k "$RELDIR/vendor.pub"
}

ok() {
	site "$@"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; return 1; }
}

# Fails unless the output has the line "config.yaml:L:C: KEY: MSG".
err() {
	local key=$1 msg=$2
	shift 2
	site "$@"
	[ "$status" -eq 1 ] || { printf 'accepted:\n%s\n' "$output" >&2; return 1; }
	printf '%s\n' "$output" | want="$key: $msg" awk '
	    sub(/^config\.yaml:[0-9]+:[0-9]+: /, "") && $0 == ENVIRON["want"] { found = 1 }
	    END { exit !found }' ||
	    { printf 'want %s: %s\ngot:\n%s\n' "$key" "$msg" "$output" >&2; return 1; }
}

TF="Must be one of 'true', 'false'. Got 'foo'."

@test "test_invalid_telemetry_enabled" {
	err telemetry_enabled "$TF" 'telemetry_enabled: foo'
}

@test "test_invalid_enable_mesos_input_plugin" {
	err enable_mesos_input_plugin "$TF" 'enable_mesos_input_plugin: foo'
}

@test "test_resolvers: port range, port type, reserved addresses, good ports" {
	err resolvers 'Must be between 1 and 65535 inclusive' \
	    'resolvers: '\''["52.37.192.49", "52.37.181.230:53", "52.37.163.105:65536"]'\'
	err resolvers 'Must be an integer but got a str: abc' \
	    'resolvers: '\''["52.37.192.49", "52.37.181.230:53", "52.37.163.105:abc"]'\'
	err resolvers 'Spartan addresses found in `resolvers`: 198.51.100.1' \
	    'resolvers: '\''["52.37.192.49", "198.51.100.1:53"]'\'
	err resolvers 'Spartan addresses found in `resolvers`: 198.51.100.2, 198.51.100.3' \
	    'resolvers: '\''["198.51.100.2", "52.37.192.49:53", "198.51.100.3:53"]'\'
	ok 'resolvers: '\''["8.8.8.8", "1.1.1.1:5353"]'\'
}

@test "test_dns_bind_ip_blacklist" {
	ok 'dns_bind_ip_blacklist: '\''["52.37.192.49", "52.37.181.230", "52.37.163.105"]'\'
}

@test "test_dns_forward_zones: accepted; its addresses are not checked (a known difference)" {
	ok 'dns_forward_zones: '\''{"a.contoso.com": ["1.1.1.1:53", "2.2.2.2"], "b.contoso.com": ["3.3.3.3", "4.4.4.4:53"]}'\'
	# DC/OS: 'Invalid "dns_forward_zones": 1 not a valid IP address'.
	ok 'dns_forward_zones: '\''{"a.contoso.com": ["1", "2.2.2.2"], "b.contoso.com": ["3.3.3.3", "4.4.4.4:53"]}'\'
	err dns_forward_zones 'Must be valid JSON. Got: {a' 'dns_forward_zones: "{a"'
}

@test "test_invalid_ipv4: every bad address in one message" {
	ips='["52.37.192.49", "52.37.181.230", "foo", "52.37.163.105", "bar"]'
	err master_list 'Invalid IPv4 addresses in list: foo, bar' "master_list: '$ips'"
	err dns_bind_ip_blacklist 'Invalid IPv4 addresses in list: foo, bar' "dns_bind_ip_blacklist: '$ips'"
	err resolvers 'Invalid IPv4 addresses in list: foo, bar' "resolvers: '$ips'"
}

@test "test_invalid_zk_path" {
	err exhibitor_zk_path 'Must be of the form /path/to/znode' \
	    'exhibitor_storage_backend: zookeeper' 'exhibitor_zk_hosts: 10.0.0.5:2181' \
	    'exhibitor_zk_path: bad/path'
}

@test "test_invalid_zk_hosts; 'ip:port, ip:port' with a space is accepted as DC/OS does" {
	err exhibitor_zk_hosts "Must be of the form \`host:port,host:port', not start with zk://" \
	    'exhibitor_storage_backend: zookeeper' 'exhibitor_zk_path: /dcos' \
	    'exhibitor_zk_hosts: zk://10.10.10.10:8181'
	ok 'exhibitor_storage_backend: zookeeper' 'exhibitor_zk_path: /dcos' \
	    'exhibitor_zk_hosts: "10.0.0.5:2181, 10.0.0.6:2181"'
}

@test "test_invalid_bootstrap_url: refused, stricter on purpose: hosts need a scheme" {
	# DC/OS: "Must not end in a '/'" (it checks nothing else).
	err bootstrap_url 'Should be a url (http://example.com/bar or file:///path/to/local/cache)' \
	    'bootstrap_url: 123abc/'
	err bootstrap_url "Must not end in a '/'" 'bootstrap_url: http://123abc/'
}

@test "test_validate_duplicates" {
	ips='["10.0.0.1", "10.0.0.2", "10.0.0.1"]'
	err master_list 'List cannot contain duplicates: 10.0.0.1 appears 2 times' "master_list: '$ips'"
	err dns_bind_ip_blacklist 'List cannot contain duplicates: 10.0.0.1 appears 2 times' \
	    "dns_bind_ip_blacklist: '$ips'"
}

@test "test_invalid_oauth_enabled and test_invalid_mesos_dns_set_truncate_bit" {
	err oauth_enabled "$TF" 'oauth_enabled: foo'
	err mesos_dns_set_truncate_bit "$TF" 'mesos_dns_set_truncate_bit: foo'
}

@test "test_validate_mesos_recovery_timeout" {
	ok 'mesos_recovery_timeout: 24hrs'
	ok 'mesos_recovery_timeout: 24.5hrs'
	err mesos_recovery_timeout 'Invalid decimal format.' 'mesos_recovery_timeout: 2.4.5hrs'
	err mesos_recovery_timeout "Error parsing 'mesos_recovery_timeout' value: asdf." \
	    'mesos_recovery_timeout: asdf'
	err mesos_recovery_timeout 'Value 9999999999999999999999999999999999999999999 not in supported range.' \
	    'mesos_recovery_timeout: 9999999999999999999999999999999999999999999ns'
	err mesos_recovery_timeout "Unit 'hour' not in ['ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', 'weeks']." \
	    'mesos_recovery_timeout: 1hour'
}

@test "test_cluster_docker_credentials: refused, the secret's value not shown (stricter on purpose)" {
	# DC/OS: "Must be valid JSON. Got: foo" prints the secret.
	err cluster_docker_credentials 'Invalid value (not shown: the parameter is secret)' \
	    'cluster_docker_credentials: foo'
	err cluster_docker_credentials_dcos_owned "$TF" 'cluster_docker_credentials_dcos_owned: foo'
}

MSG_MD="When master_discovery is not static, exhibitor_storage_backend must be non-static. Having a variable list of master which are discovered by agents using the master_discovery method but also having a fixed known at install time static list of master ips doesn't \`master_http_load_balancer\` then exhibitor_storage_backend must not be static."

@test "test_exhibitor_storage_master_discovery" {
	ok 'exhibitor_storage_backend: static' 'master_discovery: static'
	ok 'exhibitor_storage_backend: aws_s3' 'master_discovery: master_http_loadbalancer' \
	    'aws_region: foo' 'exhibitor_address: http://foobar' \
	    "exhibitor_explicit_keys: 'false'" "num_masters: '5'" 's3_bucket: baz' \
	    's3_prefix: mofo' 'master_list: []'
	ok 'exhibitor_storage_backend: aws_s3' 'master_discovery: static' \
	    "exhibitor_explicit_keys: 'false'" 's3_bucket: foo' 'aws_region: bar' \
	    's3_prefix: baz/bar'
	err exhibitor_storage_backend "$MSG_MD" 'exhibitor_storage_backend: static' \
	    'master_discovery: master_http_loadbalancer' 'master_list: []'
	err master_discovery "$MSG_MD" 'exhibitor_storage_backend: static' \
	    'master_discovery: master_http_loadbalancer' 'master_list: []'
}

@test "test_exhibitor_tls_enabled and test_exhibitor_tls_required" {
	for k in exhibitor_tls_enabled exhibitor_tls_required; do
		ok "$k: 'false'"
		ok "$k: 'true'"
		err "$k" "$TF" "$k: foo"
	done
}

@test "test_exhibitor_bootstrap_ca_url" {
	ok "exhibitor_bootstrap_ca_url: ''"
	ok 'exhibitor_bootstrap_ca_url: https://hello.com'
	ok 'exhibitor_bootstrap_ca_url: https://1.2.3.4'
	ok 'exhibitor_bootstrap_ca_url: https://hello.com:443'
	ok 'exhibitor_bootstrap_ca_url: https://1.2.3.4:443'
	err exhibitor_bootstrap_ca_url "Must not end in a '/'" 'exhibitor_bootstrap_ca_url: https://hello.com/'
	err exhibitor_bootstrap_ca_url 'Failed to determine `exhibitor_bootstrap_ca_url` protocol.' \
	    'exhibitor_bootstrap_ca_url: https://hello.com://there'
	err exhibitor_bootstrap_ca_url 'Expected `https://` as `exhibitor_bootstrap_ca_url` protocol.' \
	    'exhibitor_bootstrap_ca_url: http://hello.com'
	err exhibitor_bootstrap_ca_url 'Expected `https://` as `exhibitor_bootstrap_ca_url` protocol.' \
	    'exhibitor_bootstrap_ca_url: file://hello.com'
}

@test "test_validate_s3_prefix" {
	err s3_prefix 'Must be a file path and cannot end in a /' \
	    'exhibitor_storage_backend: aws_s3' "exhibitor_explicit_keys: 'false'" \
	    'aws_region: bar' 's3_bucket: baz' 's3_prefix: baz/'
	ok 'exhibitor_storage_backend: aws_s3' "exhibitor_explicit_keys: 'false'" \
	    'aws_region: bar' 's3_bucket: baz' 's3_prefix: baz'
	ok 'exhibitor_storage_backend: aws_s3' "exhibitor_explicit_keys: 'false'" \
	    'aws_region: bar' 's3_bucket: baz' 's3_prefix: bar/baz'
}

@test "ssh test_agent_list_dups" {
	err agent_list 'List cannot contain duplicates: 127.0.0.1 appears 2 times' \
	    "agent_list: ['127.0.0.1', '127.0.0.2', '127.0.0.1']"
}

@test "ssh test_master_agent_list_dups: both keys" {
	for k in master_list agent_list; do
		err "$k" 'master_list and agent_list cannot contain duplicates 127.0.0.2' \
		    "master_list: ['10.10.0.1', '10.10.0.2', '127.0.0.2']" \
		    "agent_list: ['127.0.0.1', '127.0.0.2']"
	done
}

@test "ssh test_public_agent_list: all three keys" {
	for k in agent_list public_agent_list master_list; do
		err "$k" 'master_list and agent_list cannot contain duplicates 10.10.0.1' \
		    "master_list: ['10.10.0.1', '10.10.0.2', '10.10.0.3']" \
		    "public_agent_list: ['10.10.0.1']" "agent_list: ['10.10.0.1']"
	done
}

@test "ssh test_ssh_port and test_ssh_parallelism" {
	err ssh_port 'Must be between 1 and 32000 inclusive' 'ssh_port: 100000'
	err ssh_parallelism 'Must be between 1 and 100 inclusive' 'ssh_parallelism: 101'
	err ssh_parallelism 'Must be between 1 and 100 inclusive' 'ssh_parallelism: 0'
	ok 'ssh_parallelism: 20'
	err ssh_parallelism 'Must be an integer but got a str: foo' 'ssh_parallelism: foo'
}

@test "DC/OS demands cluster_name, master_discovery and exhibitor_storage_backend" {
	printf 'bootstrap_url: http://127.0.0.1:8080\nmaster_list: [10.0.0.1]\n' > genconf/config.yaml
	run "$GENCONF" validate -r "$RELDIR/dcos-1.0.0.tar" -k "$RELDIR/vendor.pub"
	[ "$status" -eq 1 ]
	for k in cluster_name master_discovery exhibitor_storage_backend; do
		[[ "$output" == *"config.yaml:1:1: $k: Must set $k, no way to calculate value."* ]]
	done
}

@test "a cluster_name with spaces and quotes is accepted and quoted into dcos_install.sh" {
	ok "cluster_name: \"Bob's prod cluster\""
	run "$GENCONF" generate -r "$RELDIR/dcos-1.0.0.tar" -k "$RELDIR/vendor.pub"
	[ "$status" -eq 0 ]
	script=genconf/serve/dcos_install.sh
	grep -qxF "	CLUSTER_NAME='Bob'\\''s prod cluster'" "$script"
	[ "$(sh -c '. /dev/stdin; printf %s "$CLUSTER_NAME"' <<-EOF
	$(grep -m1 "CLUSTER_NAME=" "$script")
	EOF
	)" = "Bob's prod cluster" ]
	err cluster_name 'Must be one line (it names the cluster in dcos_install.sh)' \
	    'cluster_name: "a\nb"'
}

@test "dns_search: DC/OS's rules and words" {
	ok 'dns_search: "a.example b.example c d e f"'
	err dns_search 'Must contain no more than 6 domains' 'dns_search: "a b c d e f g"'
	err dns_search 'Commas are not allowed' 'dns_search: "a.example,b.example"'
	err dns_search 'Newlines are not allowed' 'dns_search: "a.example\nb.example"'
	err dns_search 'Must be less than 256 characters long' "dns_search: $(printf 'a%.0s' $(seq 256))"
}

@test "JSON-valued parameters are accepted as YAML and in DC/OS's string form" {
	ok 'mesos_dns_ip_sources: [host, netinfo]'
	ok "mesos_dns_ip_sources: '[\"netinfo\"]'"
	ok 'dcos_overlay_network: {vtep_subnet: 44.128.0.0/20, overlays: [{name: dcos, subnet: 9.0.0.0/8, prefix: 24}]}'
	ok "dcos_overlay_network: '{\"overlays\": []}'"
	err mesos_dns_ip_sources 'Must be a list, not a mapping' 'mesos_dns_ip_sources: {a: b}'
}
