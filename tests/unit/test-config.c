/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config compiler against the sample release's schema and templates
 * (sample/genconf/), with a release built in memory: every DC/OS rule and
 * message of issue 3, rendering, reproducibility and show's round trip.
 */
#include <config.h>

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicio.h"
#include "genconf/siteconf.h"

/* DC/OS demands master_discovery and exhibitor_storage_backend. */
#define SITE_BASE \
	"bootstrap_url: http://127.0.0.1:8080\n" \
	"cluster_name: demo\n" \
	"master_list:\n- 10.0.0.3\n- 10.0.0.1\n- 10.0.0.2\n" \
	"master_discovery: static\n"
#define SITE_OK SITE_BASE "exhibitor_storage_backend: static\n"

static const char *templates[] = {
	"dcos-config.yaml", "dns.yaml", "exhibitor.yaml", "ip-detect.yaml",
	"mesos-master.yaml"
};
#define NTEMPLATES	(sizeof(templates) / sizeof(templates[0]))

struct fixture {
	struct release		 rel;
	struct release_text	 tmpl[NTEMPLATES + 1];
	char			 dir[64];	/* holds genconf/ */
	char			*genconf;
};

static void
read_text(const char *rel, struct release_text *t, const char *member)
{
	const char	*top = getenv("top_srcdir");
	char		*path, *err = NULL;

	assert_non_null(top);
	path = path_join(top, rel);
	assert_int_equal(read_file(path, 1 << 20, &t->text, &t->len, &err), 0);
	t->path = strdup(member);
	free(path);
}

static void
write_text(const char *dir, const char *name, const char *text, mode_t mode)
{
	char	*path = path_join(dir, name), *err = NULL;

	assert_int_equal(atomic_write_file(path, text, strlen(text), mode,
	    &err), 0);
	free(path);
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));
	char		 src[128], member[128];
	size_t		 i;

	read_text("sample/genconf/schema.yaml", &f->rel.schema,
	    "genconf/schema.yaml");
	for (i = 0; i < NTEMPLATES; i++) {
		snprintf(src, sizeof(src), "sample/genconf/templates/%s",
		    templates[i]);
		snprintf(member, sizeof(member), "genconf/templates/%s",
		    templates[i]);
		read_text(src, &f->tmpl[i], member);
	}
	f->rel.templates = f->tmpl;
	f->rel.ntemplates = NTEMPLATES;
	memset(f->rel.manifest_digest.b, 0xab, DIGEST_LEN);
	strcpy(f->dir, "/tmp/test-config.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->genconf = path_join(f->dir, "genconf");
	assert_int_equal(mkdir(f->genconf, 0755), 0);
	write_text(f->genconf, "ip-detect", "#!/bin/sh\necho 10.0.0.9\n",
	    0755);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];
	size_t		 i;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->rel.schema.text);
	free(f->rel.schema.path);
	for (i = 0; i < NTEMPLATES; i++) {
		free(f->tmpl[i].text);
		free(f->tmpl[i].path);
	}
	free(f->genconf);
	free(f);
	return 0;
}

/* Compiles text as config.yaml; returns the errors (or NULL) */
static char *
compile(struct fixture *f, const char *text, struct config_output *out)
{
	char	*errs = NULL;
	int	 rc;

	write_text(f->genconf, "config.yaml", text, 0644);
	rc = config_compile(&f->rel, f->genconf, out, &errs);
	if (rc == 0)
		assert_null(errs);
	else
		assert_non_null(errs);
	return errs;
}

/* Expects compilation to fail with a message containing want. */
static void
expect_error(struct fixture *f, const char *text, const char *want)
{
	struct config_output	 out;
	char			*errs = compile(f, text, &out);

	if (errs == NULL || strstr(errs, want) == NULL) {
		print_error("want: %s\ngot:  %s\n", want, errs ? errs : "(ok)");
		fail();
	}
	free(errs);
}

static const struct config_file *
find_file(const struct config_output *o, const char *path)
{
	size_t	 i;

	for (i = 0; i < o->nfiles; i++)
		if (strcmp(o->files[i].path, path) == 0)
			return &o->files[i];
	return NULL;
}

static void
sample_site_renders_real_shaped_files(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	const struct config_file *c;
	size_t			 i;

	assert_null(compile(f, SITE_OK, &out));
	c = find_file(&out, "etc/mesos-master");
	assert_non_null(c);
	assert_string_equal(c->content, "MESOS_CLUSTER=demo\n"
	    "MESOS_ZK=zk://10.0.0.3:2181,10.0.0.1:2181,10.0.0.2:2181/mesos\n"
	    "MESOS_QUORUM=2\nMESOS_WORK_DIR=/var/lib/mesos/master\n");
	c = find_file(&out, "etc_master/exhibitor");
	assert_non_null(c);
	assert_string_equal(c->content, "EXHIBITOR_BACKEND=static\n"
	    "EXHIBITOR_STATICENSEMBLE=1:10.0.0.1,2:10.0.0.2,3:10.0.0.3\n");
	assert_int_equal(c->mode, 0600);
	/* No secret rendered: it stays in the config package (#14). */
	assert_false(c->secret);
	c = find_file(&out, "etc/dns-resolvers");
	assert_non_null(c);
	assert_string_equal(c->content,
	    "upstream 8.8.8.8\nupstream 8.8.4.4\nsearch \n");
	c = find_file(&out, "etc/dns-resolvers.json");
	assert_string_equal(c->content,
	    "{\"resolvers\": [\"8.8.8.8\",\"8.8.4.4\"]}\n");
	c = find_file(&out, "etc/ip-detect");
	assert_non_null(c);
	assert_int_equal(c->mode, 0755);
	assert_string_equal(c->content, "#!/bin/sh\necho 10.0.0.9\n");
	c = find_file(&out, "etc/ip-detect-public");
	assert_string_equal(c->content, "#!/bin/sh\necho 10.0.0.9\n");
	for (i = 1; i < out.nfiles; i++)
		assert_true(strcmp(out.files[i - 1].path,
		    out.files[i].path) < 0);
	assert_int_equal(json_integer_value(json_object_get(out.effective,
	    "num_masters")), 3);
	assert_true(json_is_false(json_object_get(out.effective,
	    "use_proxy")));
	assert_null(out.warnings);
	config_output_free(&out);
	config_output_free(NULL);
}

static void
missing_required_key_cannot_be_calculated(void **state)
{
	expect_error(*state, "master_list: [10.0.0.1]\n",
	    "config.yaml:1:1: bootstrap_url: Must set bootstrap_url, no way "
	    "to calculate value.");
	expect_error(*state, "bootstrap_url: http://x\nmaster_discovery: "
	    "static\n",
	    "config.yaml:1:1: master_list: Must set master_list, no way to "
	    "calculate value.");
}

static void
bootstrap_url_must_be_a_url_without_trailing_slash(void **state)
{
	expect_error(*state, "bootstrap_url: ''\nmaster_list: [10.0.0.1]\n",
	    "config.yaml:1:16: bootstrap_url: Should be a url "
	    "(http://example.com/bar or file:///path/to/local/cache)");
	expect_error(*state, "bootstrap_url: http://a/\n"
	    "master_list: [10.0.0.1]\n",
	    "config.yaml:1:16: bootstrap_url: Must not end in a '/'");
}

static void
master_list_needs_unique_ipv4_addresses(void **state)
{
	expect_error(*state, "bootstrap_url: http://a\nmaster_list:\n"
	    "- foo\n- 10.0.0.1\n- bar\n", "config.yaml:3:1: master_list: "
	    "Invalid IPv4 addresses in list: foo, bar");
	expect_error(*state, "bootstrap_url: http://a\nmaster_list: "
	    "[10.0.0.1, 10.0.0.1, 10.0.0.2]\n", "config.yaml:2:14: "
	    "master_list: List cannot contain duplicates: 10.0.0.1 appears "
	    "2 times");
	expect_error(*state, SITE_OK "agent_list: [10.0.1.2, 10.0.1.1, "
	    "10.0.1.2, 10.0.1.3, 10.0.1.1, 10.0.1.1]\n", "config.yaml:9:13: "
	    "agent_list: List cannot contain duplicates: 10.0.1.2 appears 2 "
	    "times, 10.0.1.1 appears 3 times");
}

static void
resolver_port_must_be_in_range(void **state)
{
	expect_error(*state, SITE_OK "resolvers: ['8.8.8.8:65536']\n",
	    "resolvers: Must be between 1 and 65535 inclusive");
	expect_error(*state, SITE_OK "resolvers: ['8.8.8.8:0']\n",
	    "resolvers: Must be between 1 and 65535 inclusive");
}

static void
zookeeper_backend_checks_hosts_and_path(void **state)
{
	expect_error(*state, SITE_BASE "exhibitor_storage_backend: zookeeper\n"
	    "exhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: bad/path\n",
	    "exhibitor_zk_path: Must be of the form /path/to/znode");
	expect_error(*state, SITE_BASE "exhibitor_storage_backend: zookeeper\n"
	    "exhibitor_zk_hosts: zk://10.0.0.5:2181\n"
	    "exhibitor_zk_path: /dcos\n", "exhibitor_zk_hosts: Must be of the "
	    "form `host:port,host:port', not start with zk://");
	expect_error(*state, SITE_BASE "exhibitor_storage_backend: zookeeper\n",
	    "config.yaml:1:1: exhibitor_zk_hosts: Must set exhibitor_zk_hosts, "
	    "no way to calculate value.");
}

static void
loadbalancer_discovery_refuses_static_backend_on_both_keys(void **state)
{
	const char	*text = "bootstrap_url: http://a\n"
	    "master_discovery: master_http_loadbalancer\n"
	    "exhibitor_address: lb.example\nnum_masters: 3\n"
	    "exhibitor_storage_backend: static\n";

	expect_error(*state, text, "config.yaml:2:19: master_discovery: When "
	    "master_discovery is not static, exhibitor_storage_backend must be "
	    "non-static.");
	expect_error(*state, text, "config.yaml:5:28: "
	    "exhibitor_storage_backend: When master_discovery is not static, "
	    "exhibitor_storage_backend must be non-static.");
}

static void
num_masters_must_be_odd_and_at_most_nine(void **state)
{
	expect_error(*state, "bootstrap_url: http://a\n"
	    "master_list: [10.0.0.1, 10.0.0.2]\nmaster_discovery: static\n",
	    "config.yaml:2:14: "
	    "num_masters: Must have 1, 3, 5, 7, or 9 masters. Found 2");
	expect_error(*state, "bootstrap_url: http://a\n"
	    "master_discovery: master_http_loadbalancer\n"
	    "exhibitor_address: lb.example\nnum_masters: 4\n"
	    "exhibitor_storage_backend: zookeeper\n"
	    "exhibitor_zk_hosts: 10.0.0.5:2181\nexhibitor_zk_path: /dcos\n",
	    "config.yaml:4:14: num_masters: Must have 1, 3, 5, 7, or 9 "
	    "masters. Found 4");
	expect_error(*state, SITE_OK "num_masters: 3\n", "num_masters: Must "
	    "not be set when master_discovery is static: it is calculated "
	    "from master_list");
}

static void
booleans_take_true_or_false(void **state)
{
	expect_error(*state, SITE_OK "telemetry_enabled: foo\n",
	    "config.yaml:9:20: telemetry_enabled: Must be one of 'true', "
	    "'false'. Got 'foo'.");
}

static void
ip_detect_script_must_exist(void **state)
{
	struct fixture	*f = *state;
	char		*p = path_join(f->genconf, "ip-detect");

	assert_int_equal(unlink(p), 0);
	expect_error(f, SITE_OK, "config.yaml:1:1: ip_detect_filename: "
	    "ip-detect script `genconf/ip-detect` must exist");
	free(p);
}

static void
genconf_paths_follow_the_genconf_directory(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	char			*other = path_join(f->dir, "site-a");
	char			*errs = NULL;

	/* "genconf/ip-detect" means the ip-detect of --genconf DIR. */
	write_text(f->genconf, "config.yaml", SITE_OK, 0644);
	assert_int_equal(rename(f->genconf, other), 0);
	assert_int_equal(config_compile(&f->rel, other, &out, &errs), 0);
	config_output_free(&out);
	assert_int_equal(rename(other, f->genconf), 0);
	free(other);
	/* Other relative paths are relative to the directory above. */
	write_text(f->dir, "public-ip", "#!/bin/sh\necho 1.2.3.4\n", 0755);
	assert_null(compile(f, SITE_OK "ip_detect_public_filename: public-ip\n",
	    &out));
	assert_string_equal(find_file(&out, "etc/ip-detect-public")->content,
	    "#!/bin/sh\necho 1.2.3.4\n");
	config_output_free(&out);
	expect_error(f, SITE_OK "ip_detect_public_filename: genconf/nope\n",
	    "config.yaml:9:28: ip_detect_public_filename: ip-detect-public "
	    "script `genconf/nope` must exist");
}

static void
fault_domain_detect_is_shipped_only_when_the_site_has_one(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	const struct config_file *c;

	assert_null(compile(f, SITE_OK, &out));
	assert_null(find_file(&out, "etc/fault-domain-detect"));
	config_output_free(&out);
	write_text(f->genconf, "fault-domain-detect",
	    "#!/bin/sh\necho '{\"fault_domain\":{}}'\n", 0755);
	assert_null(compile(f, SITE_OK "fault_domain_detect_filename: "
	    "genconf/fault-domain-detect\n", &out));
	c = find_file(&out, "etc/fault-domain-detect");
	assert_non_null(c);
	assert_int_equal(c->mode, 0755);
	assert_string_equal(c->content,
	    "#!/bin/sh\necho '{\"fault_domain\":{}}'\n");
	config_output_free(&out);
}

static void
empty_values_count_as_not_set(void **state)
{
	struct config_output	 out;

	assert_null(compile(*state, SITE_OK "ssh_user:\nagent_list:\n", &out));
	assert_string_equal(json_string_value(json_object_get(out.effective,
	    "ssh_user")), "centos");
	assert_int_equal(json_array_size(json_object_get(out.effective,
	    "agent_list")), 0);
	assert_non_null(strstr(out.warnings, "config.yaml:9:10: ssh_user: "
	    "empty value: treated as not set"));
	config_output_free(&out);
	expect_error(*state, "bootstrap_url:\nmaster_list: [10.0.0.1]\n",
	    "config.yaml:1:1: bootstrap_url: Must set bootstrap_url, no way "
	    "to calculate value.");
}

static void
unknown_keys_get_a_did_you_mean(void **state)
{
	expect_error(*state, SITE_OK "mastr_list: [10.0.0.1]\n",
	    "config.yaml:9:1: mastr_list: Unknown parameter. Did you mean "
	    "'master_list'?");
	expect_error(*state, SITE_OK "frobnicate: 1\n",
	    "config.yaml:9:1: frobnicate: Unknown parameter: remove it (stricter "
	    "than DC/OS on purpose");
}

static void
yaml_errors_name_line_and_column(void **state)
{
	expect_error(*state, "bootstrap_url: http://a\nmaster_list: [a, b\n",
	    "config.yaml:3:1: invalid YAML: did not find expected ',' or ']'");
	expect_error(*state, "- bootstrap_url\n- x\n",
	    "config.yaml:1:1: the file must be a mapping of parameters "
	    "(key: value), not a list");
	expect_error(*state, SITE_OK "cluster_name: again\n",
	    "config.yaml:9:1: duplicate key 'cluster_name' (first at line 2 "
	    "column 1)");
	expect_error(*state, "a: &x 1\nb: *x\n", "config.yaml:2:4: YAML "
	    "aliases (*x) are not supported");
	expect_error(*state, "", "config.yaml:1:1: bootstrap_url: Must set");
}

static void
every_error_is_reported_at_once_in_file_order(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	char			*errs;

	errs = compile(f, "telemetry_enabled: foo\nbootstrap_url: http://a/\n"
	    "master_list: [10.0.0.1, 10.0.0.1]\nmastr_lst: 1\n"
	    "exhibitor_storage_backend: zookeeper\n", &out);
	assert_string_equal(errs,
	    "config.yaml:1:1: cluster_name: Must set cluster_name, no way to "
	    "calculate value.\n"
	    "config.yaml:1:1: exhibitor_zk_hosts: Must set exhibitor_zk_hosts, "
	    "no way to calculate value.\n"
	    "config.yaml:1:1: exhibitor_zk_path: Must set exhibitor_zk_path, "
	    "no way to calculate value.\n"
	    "config.yaml:1:1: master_discovery: Must set master_discovery, no "
	    "way to calculate value.\n"
	    "config.yaml:1:20: telemetry_enabled: Must be one of 'true', "
	    "'false'. Got 'foo'.\n"
	    "config.yaml:2:16: bootstrap_url: Must not end in a '/'\n"
	    "config.yaml:3:14: master_list: List cannot contain duplicates: "
	    "10.0.0.1 appears 2 times\n"
	    "config.yaml:4:1: mastr_lst: Unknown parameter. Did you mean "
	    "'master_list'?");
	free(errs);
}

static void
old_string_encoded_lists_are_accepted_with_a_warning(void **state)
{
	struct config_output	 out;
	json_t			*r;

	assert_null(compile(*state, SITE_OK
	    "resolvers: \"[\\\"1.1.1.1\\\", \\\"9.9.9.9:53\\\"]\"\n", &out));
	r = json_object_get(out.effective, "resolvers");
	assert_int_equal(json_array_size(r), 2);
	assert_string_equal(json_string_value(json_array_get(r, 1)),
	    "9.9.9.9:53");
	assert_non_null(out.warnings);
	assert_non_null(strstr(out.warnings, "config.yaml:9:12: resolvers: "
	    "a list encoded in a string is the old DC/OS form"));
	config_output_free(&out);
}

static void
same_inputs_give_the_same_id_and_bytes(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 a, b;
	char			 ida[DIGEST_HEXLEN + 1];
	char			 idb[DIGEST_HEXLEN + 1];
	size_t			 i;

	assert_null(compile(f, SITE_OK, &a));
	assert_null(compile(f, SITE_OK, &b));
	assert_int_equal(config_id(a.effective, &f->rel.manifest_digest, ida),
	    0);
	assert_int_equal(config_id(b.effective, &f->rel.manifest_digest, idb),
	    0);
	assert_string_equal(ida, idb);
	assert_int_equal(a.nfiles, b.nfiles);
	for (i = 0; i < a.nfiles; i++) {
		assert_string_equal(a.files[i].path, b.files[i].path);
		assert_int_equal(a.files[i].len, b.files[i].len);
		assert_memory_equal(a.files[i].content, b.files[i].content,
		    a.files[i].len);
	}
	config_output_free(&b);
	/* A different release or config gives a different id. */
	f->rel.manifest_digest.b[0] ^= 1;
	assert_int_equal(config_id(a.effective, &f->rel.manifest_digest, idb),
	    0);
	assert_string_not_equal(ida, idb);
	f->rel.manifest_digest.b[0] ^= 1;
	assert_null(compile(f, SITE_OK "ssh_port: 2222\n", &b));
	assert_int_equal(config_id(b.effective, &f->rel.manifest_digest, idb),
	    0);
	assert_string_not_equal(ida, idb);
	config_output_free(&a);
	config_output_free(&b);
}

#define SITE_S3 \
	"bootstrap_url: http://127.0.0.1:8080\n" \
	"master_list: [10.0.0.1]\n" \
	"exhibitor_storage_backend: aws_s3\n" \
	"aws_region: us-west-2\ns3_bucket: b\ns3_prefix: p\n" \
	"exhibitor_explicit_keys: true\n" \
	"aws_access_key_id: AKIA1\n" \
	"aws_secret_access_key: s3cr3t-Value\n" \
	"cluster_name: DC/OS\nmaster_discovery: static\n"

static void
show_output_reads_back_to_the_same_id(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 a, b;
	char			 ida[DIGEST_HEXLEN + 1];
	char			 idb[DIGEST_HEXLEN + 1];
	char			*text = NULL, *err = NULL;

	/* Without secrets, masked output is the same config. */
	assert_null(compile(f, "bootstrap_url: http://a\ncluster_name: yes\n"
	    "master_list: [10.0.0.2, 10.0.0.1, 10.0.0.3]\nssh_user: 1000\n"
	    "master_discovery: static\nexhibitor_storage_backend: static\n"
	    "dns_search: 'a.example b.example'\n"
	    "resolvers: '[\"1.1.1.1\"]'\n", &a));
	assert_int_equal(config_show(&f->rel, a.effective, 0, &text, &err), 0);
	assert_null(strstr(text, "\nnum_masters:"));
	assert_non_null(strstr(text, "# num_masters (calculated): 3"));
	assert_null(compile(f, text, &b));
	assert_int_equal(config_id(a.effective, &f->rel.manifest_digest, ida),
	    0);
	assert_int_equal(config_id(b.effective, &f->rel.manifest_digest, idb),
	    0);
	assert_string_equal(ida, idb);
	free(text);
	config_output_free(&a);
	config_output_free(&b);

	/* Secrets are masked, and the mask is refused when fed back. */
	assert_null(compile(f, SITE_S3, &a));
	assert_int_equal(config_show(&f->rel, a.effective, 0, &text, &err), 0);
	assert_null(strstr(text, "s3cr3t-Value"));
	assert_non_null(strstr(text, "aws_secret_access_key: \"********\""));
	expect_error(f, text, "aws_secret_access_key: '********' is the mask "
	    "that 'dcos-genconf show' prints: put the real secret back");
	free(text);
	/* Revealed, they read back to the same id. */
	assert_int_equal(config_show(&f->rel, a.effective, 1, &text, &err), 0);
	assert_non_null(strstr(text, "s3cr3t-Value"));
	assert_null(compile(f, text, &b));
	assert_int_equal(config_id(a.effective, &f->rel.manifest_digest, ida),
	    0);
	assert_int_equal(config_id(b.effective, &f->rel.manifest_digest, idb),
	    0);
	assert_string_equal(ida, idb);
	free(text);
	config_output_free(&a);
	config_output_free(&b);
}

static void
secrets_only_go_to_files_readable_by_root(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	const struct config_file *c;
	struct release_text	 saved = f->tmpl[0];
	char			*errs;

	assert_null(compile(f, SITE_S3, &out));
	c = find_file(&out, "etc_master/exhibitor");
	assert_non_null(c);
	assert_int_equal(c->mode, 0600);
	assert_non_null(strstr(c->content,
	    "AWS_SECRET_ACCESS_KEY=s3cr3t-Value\n"));
	/* The site's secret: sealed into the bundles, not served (#14). */
	assert_true(c->secret);
	assert_false(find_file(&out, "etc/mesos-master")->secret);
	config_output_free(&out);

	/* A template may mark a file secret whatever it renders. */
	f->tmpl[0].path = "genconf/templates/marked.yaml";
	f->tmpl[0].text = "package:\n- path: etc/marked\n  permissions: "
	    "'0600'\n  secret: true\n  content: 'x'\n";
	f->tmpl[0].len = strlen(f->tmpl[0].text);
	assert_null(compile(f, SITE_OK, &out));
	f->tmpl[0] = saved;
	assert_true(find_file(&out, "etc/marked")->secret);
	config_output_free(&out);

	f->tmpl[0].path = "genconf/templates/leak.yaml";
	f->tmpl[0].text = "package:\n- path: etc/leak\n  permissions: '0644'\n"
	    "  content: '{{ aws_secret_access_key }}'\n";
	f->tmpl[0].len = strlen(f->tmpl[0].text);
	errs = compile(f, SITE_S3, &out);
	f->tmpl[0] = saved;
	assert_non_null(strstr(errs, "genconf/templates/leak.yaml:2:9: "
	    "etc/leak: renders a secret parameter into a file readable by "
	    "others (mode 0644)"));
	assert_null(strstr(errs, "s3cr3t"));
	free(errs);
}

static void
template_errors_name_the_template_and_line(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	struct release_text	 saved = f->tmpl[0];
	char			*errs;

	f->tmpl[0].path = "genconf/templates/bad.yaml";
	f->tmpl[0].text = "package:\n- path: etc/x\n  content: |\n"
	    "    a\n    {{ nope }}\n";
	f->tmpl[0].len = strlen(f->tmpl[0].text);
	errs = compile(f, SITE_OK, &out);
	assert_non_null(strstr(errs, "genconf/templates/bad.yaml:5:1: etc/x: "
	    "unknown parameter 'nope'"));
	free(errs);
	f->tmpl[0].text = "package:\n- path: ../x\n  content: a\n";
	f->tmpl[0].len = strlen(f->tmpl[0].text);
	errs = compile(f, SITE_OK, &out);
	assert_non_null(strstr(errs, "path must be a relative path inside"));
	free(errs);
	f->tmpl[0].text = "package:\n- path: etc/y\n  content: "
	    "'{% switch platform %}{% case \"aws\": %}x{% endswitch %}'\n";
	f->tmpl[0].len = strlen(f->tmpl[0].text);
	errs = compile(f, SITE_OK, &out);
	assert_non_null(strstr(errs, "no {% case \"onprem\": %} for "
	    "platform"));
	free(errs);
	f->tmpl[0] = saved;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    sample_site_renders_real_shaped_files, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    missing_required_key_cannot_be_calculated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    bootstrap_url_must_be_a_url_without_trailing_slash, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    master_list_needs_unique_ipv4_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    resolver_port_must_be_in_range, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    zookeeper_backend_checks_hosts_and_path, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    loadbalancer_discovery_refuses_static_backend_on_both_keys,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    num_masters_must_be_odd_and_at_most_nine, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    booleans_take_true_or_false, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    ip_detect_script_must_exist, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    genconf_paths_follow_the_genconf_directory, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    fault_domain_detect_is_shipped_only_when_the_site_has_one,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    empty_values_count_as_not_set, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    unknown_keys_get_a_did_you_mean, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    yaml_errors_name_line_and_column, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    every_error_is_reported_at_once_in_file_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    old_string_encoded_lists_are_accepted_with_a_warning,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    same_inputs_give_the_same_id_and_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    show_output_reads_back_to_the_same_id, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    secrets_only_go_to_files_readable_by_root, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    template_errors_name_the_template_and_line, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
