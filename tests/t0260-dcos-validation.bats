#!/usr/bin/env bats
# DC/OS's own validation tests, case by case, against dcos-genconf validate
# with the sample release: gen/tests/test_config.py and the 1.13 ssh/
# test_unit.py of github.com/dcos/dcos.  Each case keeps DC/OS's input (its
# JSON-in-a-string lists included), its outcome and its message word for
# word; where dcos-genconf differs on purpose the title says so.  A case
# sets keys over a valid 3-master site: ok KEY: VALUE... must validate,
# err KEY MESSAGE KEY: VALUE... must fail with "config.yaml:L:C: KEY:
# MESSAGE" among the problems.

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

@test "test_dns_forward_zones" {
	ok 'dns_forward_zones: '\''{"a.contoso.com": ["1.1.1.1:53", "2.2.2.2"], "b.contoso.com": ["3.3.3.3", "4.4.4.4:53"]}'\'
	err dns_forward_zones 'Invalid "dns_forward_zones": 1 not a valid IP address' \
	    'dns_forward_zones: '\''{"a.contoso.com": ["1", "2.2.2.2"], "b.contoso.com": ["3.3.3.3", "4.4.4.4:53"]}'\'
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
	ok 'dcos_overlay_network: {vtep_subnet: 44.128.0.0/20, vtep_mac_oui: "70:B3:D5:00:00:00", overlays: [{name: dcos, subnet: 9.0.0.0/8, prefix: 24}]}'
	ok "dcos_overlay_network: '{\"vtep_subnet\": \"44.128.0.0/20\", \"vtep_mac_oui\": \"70:B3:D5:00:00:00\", \"overlays\": [{\"name\": \"dcos\", \"subnet\": \"9.0.0.0/8\"}]}'"
	err mesos_dns_ip_sources 'Must be a list, not a mapping' 'mesos_dns_ip_sources: {a: b}'
}

# "KEY: 'JSON'": a value in DC/OS's JSON-in-a-string form, as its tests
# pass it (json.dumps), for site().
j() {
	printf "%s: '%s'" "$1" "$2"
}

OVL='"vtep_subnet": "44.128.0.0/20", "vtep_subnet6": "fd01:a::/64", "vtep_mac_oui": "70:B3:D5:00:00:00"'

@test "test_validate_default_overlay_network_name: both keys" {
	for k in dcos_overlay_network_default_name dcos_overlay_network; do
		err "$k" 'Default overlay network name does not reference a defined overlay network: foo' \
		    "$(j dcos_overlay_network "{$OVL, \"overlays\": [{\"name\": \"bar\", \"subnet\": \"1.1.1.0/24\", \"prefix\": 24}]}")" \
		    'dcos_overlay_network_default_name: foo'
	done
}

# err on dcos_overlay_network with the default VTEP keys and these overlays.
bad_overlays() {
	err dcos_overlay_network "$1" "$(j dcos_overlay_network "{$OVL, \"overlays\": [$2]}")"
}

@test "validate_dcos_overlay_network: DC/OS's checks and words, the configuration quoted as Python prints it" {
	err dcos_overlay_network "Missing \"overlays\" in overlay configuration {'vtep_subnet': '44.128.0.0/20', 'vtep_subnet6': 'fd01:a::/64', 'vtep_mac_oui': '70:B3:D5:00:00:00'}" \
	    "$(j dcos_overlay_network "{$OVL}")"
	bad_overlays "\"Overlays\" network configuration is empty: {'vtep_subnet': '44.128.0.0/20', 'vtep_subnet6': 'fd01:a::/64', 'vtep_mac_oui': '70:B3:D5:00:00:00', 'overlays': []}" \
	    ''
	err dcos_overlay_network "Missing \"vtep_mac_oui\" in overlay configuration {'vtep_subnet': '44.128.0.0/20', 'overlays': [{'name': 'dcos', 'subnet': '9.0.0.0/8', 'prefix': 24}]}" \
	    "$(j dcos_overlay_network '{"vtep_subnet": "44.128.0.0/20", "overlays": [{"name": "dcos", "subnet": "9.0.0.0/8", "prefix": 24}]}')"
	err dcos_overlay_network "Missing \"vtep_subnet6\" in overlay configuration {'vtep_subnet': '44.128.0.0/20', 'vtep_mac_oui': '70:B3:D5:00:00:00', 'overlays': [{'name': 'dcos', 'subnet6': 'fd01:b::/64'}]}" \
	    "$(j dcos_overlay_network '{"vtep_subnet": "44.128.0.0/20", "vtep_mac_oui": "70:B3:D5:00:00:00", "overlays": [{"name": "dcos", "subnet6": "fd01:b::/64"}]}')" \
	    'dcos_overlay_network_default_name: dcos' 'enable_ipv6: true'
	err dcos_overlay_network 'Incorrect value for `vtep_subnet`: `44.128.0.0/33`. Only IPv4 subnets are allowed' \
	    "$(j dcos_overlay_network '{"vtep_subnet": "44.128.0.0/33", "vtep_mac_oui": "70:B3:D5:00:00:00", "overlays": [{"name": "dcos", "subnet": "9.0.0.0/8"}]}')"
	err dcos_overlay_network 'Incorrect value for `vtep_subnet6`: `44.128.0.0/20`. Only IPv6 subnets are allowed' \
	    "$(j dcos_overlay_network '{"vtep_subnet": "44.128.0.0/20", "vtep_subnet6": "44.128.0.0/20", "vtep_mac_oui": "70:B3:D5:00:00:00", "overlays": [{"name": "dcos", "subnet": "9.0.0.0/8"}]}')"
	err dcos_overlay_network 'Must be above or equal to 552' \
	    "$(j dcos_overlay_network "{$OVL, \"vtep_mtu\": 500, \"overlays\": [{\"name\": \"dcos\", \"subnet\": \"9.0.0.0/8\"}]}")"
	bad_overlays 'Overlay name cannot exceed 13 characters: fourteen-chars' \
	    '{"name": "dcos", "subnet": "9.0.0.0/8"}, {"name": "fourteen-chars", "subnet": "10.0.0.0/8"}'
	bad_overlays "Missing \"name\" in overlay configuration: {'subnet': '10.0.0.0/8'}" \
	    '{"name": "dcos", "subnet": "9.0.0.0/8"}, {"subnet": "10.0.0.0/8"}'
	bad_overlays "Missing \"subnet\" or \"subnet6\" in overlay configuration: {'name': 'two', 'prefix': 24}" \
	    '{"name": "dcos", "subnet": "9.0.0.0/8"}, {"name": "two", "prefix": 24}'
	bad_overlays 'Incorrect value for `overlay subnet`: `fd01:b::/64`. Only IPv4 subnets are allowed' \
	    '{"name": "dcos", "subnet": "fd01:b::/64"}'
	bad_overlays 'Incorrect value for `subnet6`: `9.0.0.0/8`. Only IPv6 subnets are allowed' \
	    '{"name": "dcos", "subnet": "9.0.0.0/8"}, {"name": "six", "subnet6": "9.0.0.0/8"}'
	bad_overlays "Must be one of 'True', 'False'. Got 'yes'." \
	    '{"name": "dcos", "subnet": "9.0.0.0/8", "enabled": "yes"}'
}

@test "dcos_overlay_network in YAML: every problem at its own line and column, at once" {
	site 'dcos_overlay_network:' '  vtep_subnet: 44.128.0.1/20' '  vtep_mac_oui: 70:B3:D5:00:00' \
	    '  overlays:' '    - {name: dcos, subnet: 9.0.0.0/8, prefix: 4}' \
	    '    - {name: dcos, subnet: 9.1.0.0/16}' '    - {name: six, subnet6: "fd01:b::/64", prefix6: 129}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.yaml:10:16: dcos_overlay_network: Incorrect value for \`vtep_subnet\`: \`44.128.0.1/20\`. It has host bits set: write the network address"* ]]
	[[ "$output" == *"config.yaml:11:17: dcos_overlay_network: vtep_mac_oui must be a MAC address such as 70:B3:D5:00:00:00. Got '70:B3:D5:00:00'"* ]]
	[[ "$output" == *"config.yaml:13:47: dcos_overlay_network: Overlay prefix must be an integer from the length of its subnet to 32. Got 4"* ]]
	[[ "$output" == *"config.yaml:14:14: dcos_overlay_network: Overlay name 'dcos' is used twice"* ]]
	[[ "$output" == *"config.yaml:14:28: dcos_overlay_network: Subnet 9.1.0.0/16 overlaps subnet 9.0.0.0/8: the overlays and vtep_subnet must not share addresses"* ]]
	[[ "$output" == *"config.yaml:15:52: dcos_overlay_network: Overlay prefix6 must be an integer from the length of its subnet6 to 128. Got 129"* ]]
	[[ "$output" == *"config.yaml:10:3: dcos_overlay_network: Missing \"vtep_subnet6\" in overlay configuration {'vtep_subnet': '44.128.0.1/20', "* ]]
	[[ "$output" == *"7 problems in genconf/config.yaml"* ]]
}

@test "validate_overlay_networks_not_overlap: an overlay subnet inside calico_network_cidr, unless one is disabled" {
	ovl="$(j dcos_overlay_network "{$OVL, \"overlays\": [{\"name\": \"dcos\", \"subnet\": \"9.0.0.0/8\"}, {\"name\": \"cal\", \"subnet\": \"172.29.128.0/17\"}]}")"
	for k in dcos_overlay_network calico_network_cidr; do
		err "$k" 'overlay subnet 172.29.128.0/17 overlaps calico network 172.29.0.0/16' "$ovl"
	done
	err dcos_overlay_network 'overlay subnet 9.0.0.0/8 overlaps calico network 8.0.0.0/7' \
	    'calico_network_cidr: 8.0.0.0/7'
	ok "$ovl" 'calico_enabled: false'
	ok "$ovl" 'dcos_overlay_enable: false'
	ok 'calico_network_cidr: 10.0.0.0/8'
}

@test "test_error_during_validate_calico_network and test_error_during_validate" {
	err calico_network_cidr 'Incorrect value for `calico_network_cidr`: ``. Only IPv4 subnets are allowed' \
	    "calico_network_cidr: ''" "bootstrap_url: ''"
	err bootstrap_url 'Should be a url (http://example.com/bar or file:///path/to/local/cache)' \
	    "calico_network_cidr: ''" "bootstrap_url: ''"
	err calico_network_cidr 'Incorrect value for `calico_network_cidr`: `fd01::/64`. Only IPv4 subnets are allowed' \
	    'calico_network_cidr: fd01::/64'
}

@test "calico's and the overlay's numbers: DC/OS's ranges" {
	for k in calico_ipinip_mtu calico_veth_mtu calico_vxlan_mtu dcos_overlay_mtu; do
		err "$k" 'Must be above or equal to 552' "$k: 551"
		ok "$k: 552"
	done
	err calico_vxlan_port 'Must be between 1025 and 65535 inclusive' 'calico_vxlan_port: 1024'
	err calico_vxlan_vni 'Must be between 1 and 16777215 inclusive' 'calico_vxlan_vni: 16777216'
	err calico_vxlan_vni 'VXLAN VNI 1024 should not conflict with that of dcos overlay' 'calico_vxlan_vni: 1024'
	err dcos_overlay_config_attempts 'Must be between 0 and 10 inclusive' 'dcos_overlay_config_attempts: 11'
	err dcos_net_push_ops_timeout 'Must be between 50 and 120000 inclusive' 'dcos_net_push_ops_timeout: 49'
	err calico_enabled "$TF" 'calico_enabled: foo'
}

@test "dcos_ucr_default_bridge_subnet: DC/OS's words; overlapping an overlay or calico is refused (stricter)" {
	err dcos_ucr_default_bridge_subnet 'Incorrect value for `dcos_ucr_default_bridge_subnet`: `172.31.254.0/33`. Only IPv4 subnets are allowed' \
	    'dcos_ucr_default_bridge_subnet: 172.31.254.0/33'
	err dcos_ucr_default_bridge_subnet '9.9.0.0/16 overlaps 9.0.0.0/8 of dcos_overlay_network' \
	    'dcos_ucr_default_bridge_subnet: 9.9.0.0/16'
	err dcos_ucr_default_bridge_subnet '172.29.1.0/24 overlaps 172.29.0.0/16 of calico_network_cidr' \
	    'dcos_ucr_default_bridge_subnet: 172.29.1.0/24'
	ok 'dcos_ucr_default_bridge_subnet: 172.29.1.0/24' 'calico_enabled: false'
}

@test "enable_ipv6 and the l4lb: DC/OS's rule on both keys and its words for bad addresses" {
	for k in enable_ipv6 dcos_l4lb_enable_ipv6; do
		err "$k" 'When enable_ipv6 is false, dcos_l4lb_enable_ipv6 must be false as well' 'enable_ipv6: false'
	done
	ok 'enable_ipv6: false' 'dcos_l4lb_enable_ipv6: false'
	err dcos_l4lb_enable_ipv6 "$TF" 'dcos_l4lb_enable_ipv6: foo'
	err dcos_l4lb_min_named_ip 'Invalid IPv4 addresses in list: 11.0.0' 'dcos_l4lb_min_named_ip: 11.0.0'
	err dcos_l4lb_max_named_ip 'Invalid IPv4 addresses in list: fd01:c::' "dcos_l4lb_max_named_ip: 'fd01:c::'"
	err dcos_l4lb_min_named_ip6 'Invalid IPv6 addresses in list: 11.0.0.0' 'dcos_l4lb_min_named_ip6: 11.0.0.0'
	err dcos_l4lb_max_named_ip6 'Invalid IPv6 addresses in list: fd01:c::g' "dcos_l4lb_max_named_ip6: 'fd01:c::g'"
	ok 'dcos_l4lb_min_named_ip: 11.1.0.0' 'dcos_l4lb_max_named_ip: 11.1.255.255'
}

@test "an empty named-VIP range (min above max) is refused on both keys (stricter than DC/OS)" {
	for k in dcos_l4lb_min_named_ip dcos_l4lb_max_named_ip; do
		err "$k" 'dcos_l4lb_min_named_ip (12.0.0.0) must not be above dcos_l4lb_max_named_ip (11.255.255.255)' \
		    'dcos_l4lb_min_named_ip: 12.0.0.0'
	done
	err dcos_l4lb_min_named_ip6 'dcos_l4lb_min_named_ip6 (fd01:d::) must not be above dcos_l4lb_max_named_ip6 (fd01:c::ffff:ffff:ffff:ffff)' \
	    "dcos_l4lb_min_named_ip6: 'fd01:d::'"
}

@test "with enable_ipv6 false the default overlay needs an IPv4 subnet (DC/OS would disable it)" {
	for k in dcos_overlay_network_default_name dcos_overlay_network; do
		err "$k" 'When enable_ipv6 is false, the default overlay network must have an IPv4 subnet: dcos6 has only subnet6' \
		    'enable_ipv6: false' 'dcos_l4lb_enable_ipv6: false' 'dcos_overlay_network_default_name: dcos6'
	done
	ok 'dcos_overlay_network_default_name: dcos6'
}

@test "test_cluster_docker_credentials and rexray_config: validate_json_dictionary" {
	err cluster_docker_credentials 'Must be a JSON dictionary. Got a list' "$(j cluster_docker_credentials '["a"]')"
	err rexray_config 'Must be a JSON dictionary. Got a str' "$(j rexray_config '"vfs"')"
	err rexray_config 'Must be valid JSON. Got: {' "rexray_config: '{'"
	ok 'cluster_docker_credentials: {auths: {"https://index.docker.io/v1/": {auth: c2VjcmV0}}}'
	ok 'rexray_config: {rexray: {loglevel: info}}'
}

CC1='"cluster_checks": {"cluster-check-1": {"description": "Cluster check 1", "cmd": ["echo", "cluster-check-1"], "timeout": "1s"}}'
NC1='"node-check-1": {"description": "Node check 1", "cmd": ["echo", "node-check-1"], "timeout": "1s"}'
NC2='"node-check-2": {"description": "Node check 2", "cmd": ["echo", "node-check-2"], "timeout": "1s"}'
NC2A='"node-check-2": {"description": "Node check 2", "cmd": ["echo", "node-check-2"], "timeout": "1s", "roles": ["agent"]}'
CN="Check name must be a nonzero length string with no whitespace"
TO="Timeout must be a string containing an integer or float followed by a unit: ns, us, µs, ms, s, m, h"

@test "test_validate_check_config" {
	ok "$(j check_config '{}')"
	ok "$(j check_config "{$CC1, \"node_checks\": {\"checks\": {$NC1, $NC2A}, \"prestart\": [\"node-check-1\"], \"poststart\": [\"node-check-1\", \"node-check-2\"]}}")"
	ok "$(j check_config "{\"node_checks\": {\"checks\": {$NC1, $NC2A}, \"prestart\": [\"node-check-1\"], \"poststart\": [\"node-check-1\", \"node-check-2\"]}}")"
	ok "$(j check_config "{$CC1}")"
	# Missing check definitions.
	err check_config "Key 'cluster_checks' error: Missing key: $CN" "$(j check_config '{"cluster_checks": {}}')"
	err check_config "Key 'node_checks' error: Missing key: 'checks'" "$(j check_config '{"node_checks": {}}')"
	err check_config "Key 'node_checks' error: Key 'checks' error: Missing key: $CN" \
	    "$(j check_config '{"node_checks": {"checks": {}}}')"
	# Invalid check names.
	err check_config "Key 'cluster_checks' error: Missing key: $CN" \
	    "$(j check_config '{"cluster_checks": {"cluster check 1": {"description": "Cluster check 1", "cmd": ["echo", "cluster-check-1"], "timeout": "1s"}}}')"
	err check_config "Key 'node_checks' error: Key 'checks' error: Missing key: $CN" \
	    "$(j check_config '{"node_checks": {"checks": {"node check 1": {"description": "Node check 1", "cmd": ["echo", "node-check-1"], "timeout": "1s"}}, "prestart": ["node-check-1"]}}')"
	err check_config "$CN" "$(j check_config "{\"node_checks\": {\"checks\": {$NC1}, \"prestart\": [\"node check 1\"]}}")"
	err check_config "$CN" "$(j check_config "{\"node_checks\": {\"checks\": {$NC1}, \"poststart\": [\"node check 1\"]}}")"
	# Invalid timeouts.
	err check_config "$TO" \
	    "$(j check_config '{"cluster_checks": {"cluster-check-1": {"description": "Cluster check 1", "cmd": ["echo", "cluster-check-1"], "timeout": "1second"}}}')"
	err check_config "$TO" \
	    "$(j check_config '{"node_checks": {"checks": {"node-check-1": {"description": "Node check 1", "cmd": ["echo", "node-check-1"], "timeout": "1 s"}}, "poststart": ["node-check-1"]}}')"
	# Missing check description.
	err check_config "Key 'cluster_checks' error: Key 'cluster-check-1' error: Missing key: 'description'" \
	    "$(j check_config '{"cluster_checks": {"cluster-check-1": {"cmd": ["echo", "cluster-check-1"], "timeout": "1s"}}}')"
	err check_config "Key 'node_checks' error: Key 'checks' error: Key 'node-check-1' error: Missing key: 'description'" \
	    "$(j check_config '{"node_checks": {"checks": {"node-check-1": {"cmd": ["echo", "node-check-1"], "timeout": "1s"}}, "poststart": ["node-check-1"]}}')"
	# Check cmd is wrong type.
	err check_config "Key 'cluster_checks' error: Key 'cluster-check-1' error: Key 'cmd' error: 'echo cluster-check-1' should be instance of 'list'" \
	    "$(j check_config '{"cluster_checks": {"cluster-check-1": {"description": "Cluster check 1", "cmd": "echo cluster-check-1", "timeout": "1s"}}}')"
	err check_config "Key 'node_checks' error: Key 'checks' error: Key 'node-check-1' error: Key 'cmd' error: 'echo node-check-1' should be instance of 'list'" \
	    "$(j check_config '{"node_checks": {"checks": {"node-check-1": {"cmd": "echo node-check-1", "timeout": "1s"}}, "poststart": ["node-check-1"]}}')"
	# Missing node prestart and poststart check lists.
	err check_config 'At least one of prestart or poststart must be defined in node_checks' \
	    "$(j check_config "{\"node_checks\": {\"checks\": {$NC1}}}")"
	# Checks missing from both prestart and poststart.
	err check_config 'All node checks must be referenced in either prestart or poststart, or both' \
	    "$(j check_config "{\"node_checks\": {\"checks\": {$NC1, $NC2}, \"poststart\": [\"node-check-1\"]}}")"
	# Checks referenced in prestart or poststart but not defined.
	err check_config 'All node checks must be referenced in either prestart or poststart, or both' \
	    "$(j check_config "{\"node_checks\": {\"checks\": {$NC1, $NC2}, \"poststart\": [\"node-check-1\", \"node-check-2\", \"node-check-3\"]}}")"
	# Invalid node check role.
	err check_config 'roles must be a list containing master or agent or both' \
	    "$(j check_config '{"node_checks": {"checks": {"node-check-1": {"description": "Node check 1", "cmd": ["echo", "node-check-1"], "timeout": "1s", "roles": ["master", "foo"]}}, "poststart": ["node-check-1"]}}')"
}

@test "test_validate_custom_checks" {
	cc="{$CC1, \"node_checks\": {\"checks\": {$NC1, $NC2A}, \"prestart\": [\"node-check-1\"], \"poststart\": [\"node-check-1\", \"node-check-2\"]}}"
	custom='{"cluster_checks": {"custom-cluster-check-1": {"description": "Custom cluster check 1", "cmd": ["echo", "custom-cluster-check-1"], "timeout": "1s"}}, "node_checks": {"checks": {"custom-node-check-1": {"description": "Custom node check 1", "cmd": ["echo", "custom-node-check-1"], "timeout": "1s"}}, "prestart": ["custom-node-check-1"], "poststart": ["custom-node-check-1"]}}'
	ok "$(j check_config '{}')" "$(j custom_checks '{}')"
	ok "$(j check_config "$cc")" "$(j custom_checks '{}')"
	ok "$(j check_config "$cc")" "$(j custom_checks "$custom")"
	ok "$(j check_config '{}')" "$(j custom_checks "$custom")"
	# Invalid custom checks.
	err custom_checks 'All node checks must be referenced in either prestart or poststart, or both' \
	    "$(j custom_checks "{\"node_checks\": {\"checks\": {$NC1, $NC2}, \"poststart\": [\"node-check-1\", \"node-check-2\", \"node-check-3\"]}}")"
	# Custom checks re-use check name used by builtin checks: both keys.
	for k in check_config custom_checks; do
		err "$k" 'Custom check names conflict with builtin checks. Reserved cluster check names: cluster-check-1. Reserved node check names: node-check-1, node-check-2.' \
		    "$(j check_config "$cc")" \
		    "$(j custom_checks "{$CC1, \"node_checks\": {\"checks\": {$NC1, $NC2}, \"poststart\": [\"node-check-1\", \"node-check-2\"]}}")"
	done
}

@test "custom_checks written as YAML: a problem points at its line" {
	site 'custom_checks:' '  cluster_checks:' '    disk: {description: Disk, cmd: [df, 1], timeout: 1.5µs}'
	[ "$status" -eq 1 ]
	[[ "$output" == *"config.yaml:11:41: custom_checks: Key 'cluster_checks' error: Key 'disk' error: Key 'cmd' error: 1 should be instance of 'str'"* ]]
}

@test "test_validate_mesos_work_dir" {
	ok 'mesos_master_work_dir: /var/foo' 'mesos_agent_work_dir: /var/foo'
	for k in mesos_master_work_dir mesos_agent_work_dir; do
		err "$k" 'Must be an absolute filesystem path' "$k: foo"
		err "$k" 'Must be an absolute filesystem path' "$k: ''"
	done
}

@test "test_validate_mesos_default_container_shm_size" {
	local k=mesos_default_container_shm_size
	ok "$k: 64MB"
	ok "$k: 1gb"
	err $k 'Fractional bytes: 64.5.' "$k: 64.5MB"
	err $k "Error parsing 'mesos_default_container_shm_size' value: asdf." "$k: asdf"
	err $k "Unit 'PB' not in ['B', 'KB', 'MB', 'GB', 'TB']." "$k: 64PB"
	# Python's re.match backtracks: 64 is 6 of unit '4'.
	err $k "Unit '4' not in ['B', 'KB', 'MB', 'GB', 'TB']." "$k: '64'"
}

@test "test_invalid_mesos_cni_root_dir_persist" {
	err mesos_cni_root_dir_persist "$TF" 'mesos_cni_root_dir_persist: foo'
}

@test "validate_adminrouter_tls_version_present and validate_adminrouter_x_frame_options" {
	msg="At least one of adminrouter_tls_1_0_enabled, adminrouter_tls_1_1_enabled and adminrouter_tls_1_2_enabled must be set to 'true'."
	err adminrouter_tls_1_2_enabled "$msg" 'adminrouter_tls_1_2_enabled: false'
	ok 'adminrouter_tls_1_2_enabled: false' 'adminrouter_tls_1_1_enabled: true'
	ok 'adminrouter_x_frame_options: sameorigin'
	ok "adminrouter_x_frame_options: 'ALLOW-FROM https://example.com'"
	err adminrouter_x_frame_options 'X-Frame-Options must be set to one of DENY, SAMEORIGIN, ALLOW-FROM' \
	    'adminrouter_x_frame_options: ALLOW-FROM'
}

@test "dns_forward_zones in YAML: each bad upstream at its position, all at once, nothing written" {
	site 'dns_forward_zones:' '  a.example: ["10.0.0.5:53", 10.0.0.6]' \
	    '  b.example: [nope, "10.0.0.8:0", 5]' '  c.example: 10.0.0.9'
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = 'config.yaml:11:15: dns_forward_zones: Invalid "dns_forward_zones": nope not a valid IP address' ]
	[ "${lines[1]}" = 'config.yaml:11:21: dns_forward_zones: Must be between 1 and 65535 inclusive' ]
	[ "${lines[2]}" = 'config.yaml:11:35: dns_forward_zones: Invalid "dns_forward_zones": 5 is not a string' ]
	[ "${lines[3]}" = "config.yaml:12:14: dns_forward_zones: Invalid \"dns_forward_zones\": '10.0.0.9' is not a list" ]
	run "$GENCONF" generate -r "$RELDIR/dcos-1.0.0.tar" -k "$RELDIR/vendor.pub"
	[ "$status" -eq 1 ]
	[ ! -e genconf/serve ]
}

# DC/OS's documented example configurations (its configuration examples
# and virtual network pages), each generating a store as it is written
# there, placeholders filled in.
gen_example() {
	cat > genconf/config.yaml
	run "$GENCONF" generate -r "$RELDIR/dcos-1.0.0.tar" -k "$RELDIR/vendor.pub"
	[ "$status" -eq 0 ] || { printf '%s\n' "$output" >&2; return 1; }
	[ -s genconf/serve/dcos_install.sh ]
	[ -s genconf/serve/index.json ]
}

@test "DC/OS example: on-prem, static masters, static Exhibitor backend, Google DNS" {
	gen_example <<-'EOF'
	---
	agent_list:
	- 10.10.0.11
	- 10.10.0.12
	bootstrap_url: http://10.10.0.2:80
	cluster_name: 'dcos-static'
	exhibitor_storage_backend: static
	master_discovery: static
	ip_detect_filename: genconf/ip-detect
	master_list:
	- 10.10.0.1
	- 10.10.0.3
	- 10.10.0.4
	public_agent_list:
	- 10.10.0.21
	resolvers:
	- 8.8.4.4
	- 8.8.8.8
	dns_search: example.com corp.example.com
	process_timeout: 120
	oauth_enabled: 'false'
	telemetry_enabled: 'false'
	ssh_port: 22
	ssh_user: centos
	EOF
}

@test "DC/OS example: masters behind an HTTP load balancer, Exhibitor backed by ZooKeeper" {
	gen_example <<-'EOF'
	---
	# Flow-style lists, as some of DC/OS's examples write them.
	agent_list: [10.10.0.11, 10.10.0.12, 10.10.0.13]
	bootstrap_url: http://10.10.0.2:8080
	cluster_name: 'dcos-zk'
	exhibitor_storage_backend: zookeeper
	exhibitor_zk_hosts: 10.10.0.31:2181,10.10.0.32:2181,10.10.0.33:2181
	exhibitor_zk_path: /zk-example
	master_discovery: master_http_loadbalancer
	exhibitor_address: 10.10.0.40
	num_masters: 3
	master_list: [10.10.0.1, 10.10.0.3, 10.10.0.4]
	public_agent_list: [10.10.0.21]
	resolvers: [8.8.4.4, 8.8.8.8]
	process_timeout: 120
	ssh_key_path: genconf/ssh-key
	ssh_port: '22'
	ssh_user: centos
	EOF
}

@test "DC/OS example: Exhibitor backed by AWS S3 with explicit keys, load balancer discovery" {
	# The secret key is sealed to the site key (#14).
	"$GENCONF" -q keygen --site
	gen_example <<-'EOF'
	---
	agent_list:
	- 10.10.0.11
	aws_access_key_id: AKIAIOSFODNN7EXAMPLE
	aws_region: us-west-2
	aws_secret_access_key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
	bootstrap_url: file:///opt/dcos_install_tmp
	cluster_name: 'dcos-s3'
	exhibitor_explicit_keys: 'true'
	exhibitor_storage_backend: aws_s3
	exhibitor_address: 67.34.242.55
	master_discovery: master_http_loadbalancer
	num_masters: 3
	public_agent_list:
	- 10.10.0.21
	resolvers:
	- 169.254.169.253
	s3_bucket: mybucket
	s3_prefix: s3-example
	EOF
	# The secret stays in files of mode 0600 at most.
	! grep -rl 'wJalrXUtnFEMI' genconf/serve/dcos_install.sh
}

@test "DC/OS example: Exhibitor on a shared file system (NFS)" {
	gen_example <<-'EOF'
	---
	agent_list:
	- 10.10.0.11
	bootstrap_url: http://10.10.0.2:80
	cluster_name: 'dcos-nfs'
	exhibitor_storage_backend: shared_filesystem
	exhibitor_fs_config_dir: /exhibitor-storage
	master_discovery: static
	master_list:
	- 10.10.0.1
	- 10.10.0.3
	- 10.10.0.4
	resolvers:
	- 8.8.4.4
	- 8.8.8.8
	EOF
}

@test "DC/OS example: a cluster behind an HTTP proxy" {
	gen_example <<-'EOF'
	---
	agent_list:
	- 10.10.0.11
	bootstrap_url: http://10.10.0.2:80
	cluster_name: 'dcos-proxy'
	exhibitor_storage_backend: static
	master_discovery: static
	master_list:
	- 10.10.0.1
	resolvers:
	- 8.8.4.4
	use_proxy: 'true'
	http_proxy: http://proxyuser:proxypass@proxy.example.com:3128
	https_proxy: https://proxyuser:proxypass@proxy.example.com:3128
	no_proxy:
	- 'foo.bar.com'
	- '.baz.com'
	EOF
}

@test "DC/OS example: virtual networks (overlays), DNS forward zones, custom checks and credentials in YAML" {
	gen_example <<-'EOF'
	---
	bootstrap_url: http://10.10.0.2:80
	cluster_name: 'dcos-overlay'
	exhibitor_storage_backend: static
	master_discovery: static
	master_list:
	- 10.10.0.1
	resolvers:
	- 8.8.8.8
	dcos_overlay_enable: 'true'
	dcos_overlay_mtu: 9001
	dcos_overlay_config_attempts: 6
	dcos_overlay_network:
	  vtep_subnet: 44.128.0.0/20
	  vtep_mac_oui: 70:B3:D5:00:00:00
	  overlays:
	    - name: dcos
	      subnet: 9.0.0.0/8
	      prefix: 26
	    - name: dcos-1
	      subnet: 192.168.0.0/16
	      prefix: 24
	dns_forward_zones:
	  a.contoso.com:
	  - "1.1.1.1:53"
	  - "2.2.2.2"
	cluster_docker_credentials:
	  auths:
	    'https://index.docker.io/v1/':
	      auth: Y29yZW9zK3JoY2FuOlNaeXV0aDd3
	cluster_docker_credentials_enabled: 'true'
	custom_checks:
	  cluster_checks:
	    dns-check:
	      description: The cluster's DNS answers
	      cmd: [/usr/bin/host, leader.mesos]
	      timeout: 5s
	  node_checks:
	    checks:
	      disk-check:
	        description: There is room on /var
	        cmd: [/usr/bin/test, -d, /var]
	        timeout: 1s
	        roles: [agent]
	    poststart: [disk-check]
	EOF
}

@test "DC/OS example: the IPv4 and IPv6 default overlays, as DC/OS 2.x documents them" {
	gen_example <<-'EOF'
	---
	bootstrap_url: http://10.10.0.2:80
	cluster_name: 'dcos-ipv6'
	exhibitor_storage_backend: static
	master_discovery: static
	master_list: [10.10.0.1]
	enable_ipv6: 'true'
	dcos_overlay_network:
	  vtep_subnet: 44.128.0.0/20
	  vtep_subnet6: fd01:a::/64
	  vtep_mac_oui: 70:B3:D5:00:00:00
	  overlays:
	    - name: dcos
	      subnet: 9.0.0.0/8
	      prefix: 24
	    - name: dcos6
	      subnet6: fd01:b::/64
	      prefix6: 80
	EOF
}
