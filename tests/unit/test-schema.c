/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema language, the YAML loader and the template engine on small
 * inline inputs: each feature of dcos-config.yaml(5), the refusals of bad
 * schemas and templates, and that secrets never reach a message.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "atomicio.h"
#include "genconf/schema.h"
#include "genconf/siteconf.h"
#include "genconf/ytree.h"

static const char schema_text[] =
    "format: 1\n"
    "parameters:\n"
    "  mode:\n"
    "    type: enum\n"
    "    values: [a, b, c]\n"
    "    default: a\n"
    "  hosts:\n"
    "    type: list-of\n"
    "    items: ipv4\n"
    "    default: []\n"
    "  count:\n"
    "    derive: {length_of: hosts}\n"
    "  sorted_hosts:\n"
    "    derive: {sorted: hosts}\n"
    "  ensemble:\n"
    "    derive: {join: sorted_hosts, format: 'S:{index}:{item}', "
    "separator: ';'}\n"
    "  port:\n"
    "    type: int\n"
    "    default: 80\n"
    "    checks:\n"
    "      - range: [1, 1024]\n"
    "  name:\n"
    "    type: string\n"
    "    required_when: {mode: [b, c]}\n"
    "  token:\n"
    "    type: string\n"
    "    secret: true\n"
    "    required_when: {mode: {not: a}}\n"
    "    checks:\n"
    "      - regex: '^tok-'\n"
    "        message: \"Must start with tok-. Got '{value}'.\"\n"
    "      - must_not_end_with: '!'\n"
    "  pin:\n"
    "    type: int\n"
    "    secret: true\n"
    "  alias:\n"
    "    derive: {join: aliases, separator: ' '}\n"
    "    derive_when: {mode: c}\n"
    "  aliases:\n"
    "    type: list-of\n"
    "    default: [x, y]\n"
    "  backup:\n"
    "    type: string\n"
    "  backup_dir:\n"
    "    type: path\n"
    "    required_when: {backup: {set: true}}\n"
    "rules:\n"
    "  - when: {mode: c}\n"
    "    require: {port: {not: [80, 443]}}\n"
    "    message: mode c needs a port of its own\n";

struct fixture {
	struct release		 rel;
	struct release_text	 tmpl;
	char			 dir[64];
	char			*genconf;
};

static void
write_text(const char *dir, const char *name, const char *text)
{
	char	*path = path_join(dir, name), *err = NULL;

	assert_int_equal(atomic_write_file(path, text, strlen(text), 0644,
	    &err), 0);
	free(path);
}

static int
setup(void **state)
{
	struct fixture	*f = calloc(1, sizeof(*f));

	f->rel.schema.path = "schema.yaml";
	f->rel.schema.text = (char *)schema_text;
	f->rel.schema.len = strlen(schema_text);
	f->tmpl.path = "t.yaml";
	f->rel.templates = &f->tmpl;
	f->rel.ntemplates = 0;
	strcpy(f->dir, "/tmp/test-schema.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->genconf = path_join(f->dir, "genconf");
	assert_int_equal(mkdir(f->genconf, 0755), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture	*f = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f->genconf);
	free(f);
	return 0;
}

static char *
run(struct fixture *f, const char *config, const char *tmpl,
    struct config_output *out)
{
	char	*errs = NULL;

	write_text(f->genconf, "config.yaml", config);
	f->tmpl.text = (char *)tmpl;
	f->tmpl.len = tmpl != NULL ? strlen(tmpl) : 0;
	f->rel.ntemplates = tmpl != NULL;
	if (config_compile(&f->rel, f->genconf, out, &errs) == 0) {
		assert_null(errs);
		return NULL;
	}
	assert_non_null(errs);
	return errs;
}

static void
expect(struct fixture *f, const char *config, const char *tmpl,
    const char *want)
{
	struct config_output	 out;
	char			*errs = run(f, config, tmpl, &out);

	if (errs == NULL || strstr(errs, want) == NULL) {
		print_error("want: %s\ngot:  %s\n", want, errs ? errs : "(ok)");
		fail();
	}
	free(errs);
}

static void
derived_values_defaults_and_conditions(void **state)
{
	struct config_output	 out;
	json_t			*e;

	assert_null(run(*state, "hosts: [10.0.0.3, 10.0.0.1, 10.0.0.2]\n",
	    NULL, &out));
	e = out.effective;
	assert_int_equal(json_integer_value(json_object_get(e, "count")), 3);
	assert_string_equal(json_string_value(json_object_get(e, "ensemble")),
	    "S:1:10.0.0.1;S:2:10.0.0.2;S:3:10.0.0.3");
	assert_int_equal(json_integer_value(json_object_get(e, "port")), 80);
	assert_string_equal(json_string_value(json_object_get(e, "mode")),
	    "a");
	/* derive_when does not hold: alias is neither calculated nor set. */
	assert_null(json_object_get(e, "alias"));
	config_output_free(&out);

	assert_null(run(*state, "mode: c\nname: n\ntoken: tok-1\n"
	    "port: 99\n", NULL, &out));
	assert_string_equal(json_string_value(json_object_get(out.effective,
	    "alias")), "x y");
	config_output_free(&out);
}

static void
required_when_lists_and_negations(void **state)
{
	expect(*state, "mode: b\n", NULL, "config.yaml:1:1: name: Must set "
	    "name, no way to calculate value.");
	expect(*state, "mode: b\n", NULL, "config.yaml:1:1: token: Must set "
	    "token, no way to calculate value.");
	expect(*state, "mode: c\nname: n\ntoken: tok-1\n", NULL,
	    "config.yaml:1:7: mode: mode c needs a port of its own");
	expect(*state, "mode: c\nname: n\ntoken: tok-1\n", NULL,
	    "config.yaml:1:1: port: mode c needs a port of its own");
	expect(*state, "mode: c\nname: n\ntoken: tok-1\nport: 5000\n", NULL,
	    "config.yaml:4:7: port: Must be between 1 and 1024 inclusive");
	expect(*state, "mode: c\nname: n\ntoken: tok-1\nport: 99\n"
	    "alias: z\n", NULL, "config.yaml:5:8: alias: Must not be set when "
	    "mode is c: it is calculated from aliases");
	expect(*state, "count: 3\n", NULL, "config.yaml:1:8: count: Must not "
	    "be set: it is always calculated from hosts");
	expect(*state, "mode: d\n", NULL, "config.yaml:1:7: mode: Must be one "
	    "of 'a', 'b', 'c'. Got 'd'.");
	expect(*state, "port: eighty\n", NULL, "config.yaml:1:7: port: Must be "
	    "an integer but got a str: eighty");
	expect(*state, "hosts: 10.0.0.1\n", NULL, "config.yaml:1:8: hosts: "
	    "Must be a list, not a string");
	expect(*state, "mode: [a]\n", NULL, "config.yaml:1:7: mode: Must be a "
	    "single value, not a list");
	expect(*state, "backup: yes\n", NULL, "config.yaml:1:1: backup_dir: "
	    "Must set backup_dir, no way to calculate value.");
}

static void
secrets_never_reach_a_message(void **state)
{
	struct fixture		*f = *state;
	struct config_output	 out;
	char			*errs;

	errs = run(f, "mode: b\nname: n\ntoken: Hunter2-secret!\n"
	    "pin: Hunter3-secret\n", NULL, &out);
	assert_non_null(strstr(errs, "config.yaml:3:8: token: Must start with "
	    "tok-. Got '********'."));
	assert_non_null(strstr(errs, "config.yaml:3:8: token: Must not end in "
	    "a '!'"));
	assert_non_null(strstr(errs, "config.yaml:4:6: pin: Invalid value "
	    "(not shown: the parameter is secret)"));
	assert_null(strstr(errs, "Hunter"));
	free(errs);
}

static void
templates_switch_for_and_lists(void **state)
{
	struct config_output	 out;

	assert_null(run(*state, "hosts: [10.0.0.2, 10.0.0.1]\nmode: c\n"
	    "name: n\ntoken: tok-1\nport: 99\n",
	    "package:\n"
	    "  - path: etc/skipped\n"
	    "    when: {backup: {set: true}, mode: c}\n"
	    "    content: '{{ backup }}'\n"
	    "  - path: etc/a\n"
	    "    content: |\n"
	    "      {% for h in hosts %}\n"
	    "      {% for a in aliases %}\n"
	    "      {{ h }} {{ a }} {{ mode }}\n"
	    "      {% endfor %}\n"
	    "      {% endfor %}\n"
	    "      {% switch mode %}\n"
	    "      {% case \"a\": %}\n"
	    "      A {{ no_such_key_in_a_branch_not_taken }}\n"
	    "      {% case 'c': %}\n"
	    "      C {{ alias }} {{ hosts }} {{ port }}\n"
	    "      {% endswitch %}\n"
	    "      end\n"
	    "  - path: bin/b\n"
	    "    permissions: '0750'\n"
	    "    content: '{% for h in aliases %}{{h}},{% endfor %}'\n", &out));
	assert_int_equal(out.nfiles, 2);
	assert_string_equal(out.files[0].path, "bin/b");
	assert_string_equal(out.files[0].content, "x,y,");
	assert_int_equal(out.files[0].mode, 0750);
	assert_string_equal(out.files[1].path, "etc/a");
	assert_int_equal(out.files[1].mode, 0644);
	assert_string_equal(out.files[1].content,
	    "10.0.0.2 x c\n10.0.0.2 y c\n10.0.0.1 x c\n10.0.0.1 y c\n"
	    "C x y [\"10.0.0.2\",\"10.0.0.1\"] 99\nend\n");
	config_output_free(&out);
}

static void
bad_templates_are_refused_with_their_position(void **state)
{
	static const struct {
		const char	*tmpl;
		const char	*want;
	} cases[] = {
		{ "package:\n- path: a\n  content: '{{ mode'\n",
		  "t.yaml:3:12: a: '{{' is never closed" },
		{ "package:\n- path: a\n  content: '{% if mode %}'\n",
		  "t.yaml:3:12: a: unknown tag" },
		{ "package:\n- path: a\n  content: '{% for x in hosts %}'\n",
		  "{% for %} without {% endfor %}" },
		{ "package:\n- path: a\n  content: 'x{% endfor %}'\n",
		  "t.yaml:3:13: a: {% endfor %} without its opening tag" },
		{ "package:\n- path: a\n  content: '{% switch mode %}x'\n",
		  "{% switch mode %} needs {% case \"VALUE\": %} blocks" },
		{ "package:\n- path: a\n  content: '{{ a b }}'\n",
		  "write {{ name }} with one parameter name" },
		{ "package:\n- path: a\n  content: '{% for x in mode %}"
		  "{% endfor %}'\n", "'mode' is not a list" },
		{ "package:\n- path: /etc/a\n  content: x\n",
		  "t.yaml:2:9: path must be a relative path" },
		{ "package:\n- path: a/./b\n  content: x\n",
		  "path must be a relative path" },
		{ "package:\n- path: a\n  content: x\n  permissions: '4755'\n",
		  "t.yaml:4:16: a: permissions must be octal, at most 0777" },
		{ "package:\n- path: a\n  content: x\n  permissions: '0666'\n",
		  "t.yaml:4:16: a: permissions must be octal, at most 0777" },
		{ "package:\n- path: \"a\\tb\"\n  content: x\n",
		  "t.yaml:2:9: path must be a relative path" },
		{ "package:\n- path: .dcos-manifest.json\n  content: x\n",
		  "t.yaml:2:9: path must be a relative path" },
		{ "package:\n- path: a\n  content: x\n  group: root\n",
		  "t.yaml:4:3: unknown attribute 'group': use path, content, "
		  "permissions, when, secret, owner and platform" },
		/* #14: an owner is root or a package's user, of a secret file. */
		{ "package:\n- path: etc/a\n  content: x\n  secret: true\n"
		  "  permissions: '0600'\n  owner: \"dcos_a\\nb\"\n",
		  "t.yaml:6:10: etc/a: owner 'dcos_a?b' must be root or 'dcos_' "
		  "followed by a-z, 0-9 and '_'" },
		{ "package:\n- path: etc/a\n  content: x\n  owner: [root]\n",
		  "t.yaml:4:10: etc/a: owner must be a user name" },
		{ "package:\n- path: etc/a\n  content: x\n  owner: root\n",
		  "t.yaml:4:10: etc/a: owner root: only a file that holds a "
		  "secret (secret: true, or a secret the site set) has an owner" },
		{ "package:\n- path: etc/a\n  content: x\n  secret: true\n"
		  "  permissions: '0600'\n  owner: dcos_a\n  platform: windows\n",
		  "t.yaml:6:10: etc/a: owner: Windows files take no owner" },
		{ "package:\n- path: a\n  content: x\n"
		  "- path: a\n  content: y\n",
		  "a: two templates write this file" },
		{ "files: []\n", "t.yaml:1:1: a template is a mapping with "
		  "'package'" },
		{ "package: [\n", "t.yaml:2:1: invalid YAML" },
		{ "package:\n- path: a\n  content: x\n  when: {nope: 1}\n",
		  "t.yaml:4:9: a: when: unknown parameter 'nope'" },
		{ "package:\n- path: a\n  content: x\n  when: [mode]\n",
		  "t.yaml:4:9: a condition must be a mapping" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect(*state, "", cases[i].tmpl, cases[i].want);
}

static void
runaway_loops_are_stopped(void **state)
{
	char	 config[4096], *p = config;
	int	 i;

	p += sprintf(p, "hosts:\n");
	for (i = 0; i < 100; i++)
		p += sprintf(p, "- 10.0.%d.%d\n", i / 10, i % 10);
	expect(*state, config, "package:\n- path: a\n  content: '"
	    "{% for a in hosts %}{% for b in hosts %}{% for c in hosts %}"
	    "{% for d in hosts %}{% endfor %}{% endfor %}{% endfor %}"
	    "{% endfor %}'\n", "a: more than 10000000 steps");
}

static void
bad_schemas_are_refused_with_their_position(void **state)
{
	static const struct {
		const char	*schema;
		const char	*want;
	} cases[] = {
		{ "format: 2\nparameters: {}\n", "s:1:9: unsupported schema "
		  "format" },
		{ "parameters: {}\n", "missing 'format: 1'" },
		{ "format: 1\nparameters: {a: {type: float}}\n", "s:2:24: "
		  "unknown type" },
		{ "format: 1\nparameters: {a: {tpye: int}}\n", "s:2:18: "
		  "parameter a: unknown attribute 'tpye'" },
		{ "format: 1\nparameters: {a: {type: enum}}\n",
		  "parameter a: an enum needs values" },
		{ "format: 1\nparameters: {a: {checks: [{regex: '('}]}}\n",
		  "bad regex" },
		{ "format: 1\nparameters: {a: {checks: [{unique: true, "
		  "regex: x}]}}\n", "one check per list item" },
		{ "format: 1\nparameters: {a: {checks: [{frob: 1}]}}\n",
		  "unknown check 'frob'" },
		{ "format: 1\nparameters: {a: {required_when: {b: 1}}}\n",
		  "condition on unknown parameter 'b'" },
		{ "format: 1\nparameters: {a: {derive: {length_of: b}}}\n",
		  "parameter a is derived from unknown parameter 'b'" },
		{ "format: 1\nparameters: {a: {type: int, default: x}}\n",
		  "parameter a: bad default: Must be an integer" },
		{ "format: 1\nparameters: {a: {required: true, default: x}}\n",
		  "required and a default contradict each other" },
		{ "format: 1\nparameters: {a: {}}\nrules: [{when: {a: 1}}]\n",
		  "a rule needs when, require and message" },
		{ "format: 1\nparameters: {a: {checks: [{range: [5, 1]}]}}\n",
		  "range: MIN is above MAX" },
		{ "format: 1\nparameters: {a: {checks: [{validator: nope}]}}\n",
		  "s:2:39: unknown validator: use json_object, " },
		{ "format: 1\nparameters: {a: {checks: [{validator: "
		  "overlay_name}]}}\n", "validator overlay_name needs with: "
		  "naming 1 parameter" },
		{ "format: 1\nparameters: {a: {checks: [{validator: "
		  "json_object, with: a}]}}\n", "validator json_object needs "
		  "with: naming 0 parameters" },
		{ "format: 1\nparameters: {a: {checks: [{validator: "
		  "overlay_name, with: b}]}}\n", "parameter a: validator "
		  "overlay_name with unknown parameter 'b'" },
		{ "format: 1\nparameters: {a: {checks: [{unique: true, "
		  "with: a}]}}\n", "with: is for validators" },
		{ "format: 1\nparameters: {a: {checks: [{unique: true, "
		  "when: {b: 1}}]}}\n", "condition on unknown parameter 'b'" },
		{ "format: 1\nparameters: {a: {invalid_message: [x]}}\n",
		  "invalid_message must be a string" },
	};
	struct schema	*s;
	char		*err = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(schema_parse(cases[i].schema,
		    strlen(cases[i].schema), "s", &s, &err), -1);
		if (strstr(err, cases[i].want) == NULL) {
			print_error("want: %s\ngot:  %s\n", cases[i].want, err);
			fail();
		}
	}
	free(err);
	(void)state;
}

/*
 * Checks with when: run only when their conditions hold; a validator
 * reads the parameters with: names and reports on them too;
 * invalid_message replaces a type's message.
 */
/* Validates config against s: its errors joined must be want. */
static void
expect_errors(const struct schema *s, size_t i, const char *config,
    const char *want)
{
	struct ynode		*root = NULL;
	struct validation	 v;
	char			*err = NULL, *got;

	if (yaml_load(config, strlen(config), "c", &root, &err) == -1)
		fail_msg("%s", err);
	assert_int_equal(validate_config(s, root, "c", "/nonexistent", &v),
	    0);
	got = diags_join(&v.errors);
	if (strcmp(got != NULL ? got : "", want) != 0)
		fail_msg("case %zu:\nwant: %s\ngot:  %s", i, want,
		    got != NULL ? got : "");
	free(got);
	validation_clear(&v);
	ynode_free(root);
}

static void
validators_when_and_invalid_message(void **state)
{
	static const char schema[] =
	    "format: 1\n"
	    "parameters:\n"
	    "  strict: {type: bool, default: false}\n"
	    "  net: {type: cidr4, default: 10.0.0.0/8, invalid_message: "
	    "'Bad net {value}'}\n"
	    "  other:\n"
	    "    type: cidr4\n"
	    "    default: 10.1.0.0/16\n"
	    "    checks:\n"
	    "      - validator: subnets_disjoint\n"
	    "        with: net\n"
	    "        when: {strict: 'true'}\n"
	    "        message: '{value} is inside {other}'\n"
	    "  doc: {type: json, default: '{}', checks: [{validator: "
	    "json_object}]}\n";
	static const struct {
		const char	*config;
		const char	*want;
	} cases[] = {
		{ "strict: false\n", "" },
		{ "strict: true\n", "c:1:1: net: 10.1.0.0/16 is inside "
		  "10.0.0.0/8\nc:1:1: other: 10.1.0.0/16 is inside 10.0.0.0/8" },
		{ "strict: true\nnet: 10.2.0.0/16\n", "" },
		{ "strict: true\nother: 10.2.0.0/16\nnet: 10.2.3.0/24\n",
		  "c:2:8: other: 10.2.0.0/16 is inside 10.2.3.0/24\n"
		  "c:3:6: net: 10.2.0.0/16 is inside 10.2.3.0/24" },
		{ "net: 10.0.0.1\n", "c:1:6: net: Bad net 10.0.0.1" },
		{ "doc: [1]\n", "c:1:6: doc: Must be a JSON dictionary. Got "
		  "a list" },
		{ "doc: \"[1]\"\n", "c:1:6: doc: Must be a JSON dictionary. "
		  "Got a list" },
	};
	struct schema		*s = NULL;
	char			*err = NULL;
	size_t			 i;

	if (schema_parse(schema, strlen(schema), "s", &s, &err) == -1)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_errors(s, i, cases[i].config, cases[i].want);
	schema_free(s);
	(void)state;
}

/* Each row of parse_param()'s keyword table, word for word. */
static void
each_parameter_attribute_is_checked_with_its_position(void **state)
{
	static const struct {
		const char	*params;
		const char	*want;
	} cases[] = {
		{ "{a: {type: list-of, items: list-of}}",
		  "s:2:40: list items must be of a simple type (write {type: "
		  "..., ...} for nested ones)" },
		{ "{a: {type: list-of, items: enum}}",
		  "s:2:40: list items must be of a simple type (write {type: "
		  "..., ...} for nested ones)" },
		{ "{a: {type: list-of, items: bogus}}",
		  "s:2:40: unknown type: use string, bool, int, port, url, path, "
		  "ipv4, ipv4-with-port, ipv6, ip, cidr4, cidr6, hostname, email, "
		  "duration, enum, list-of, map or json" },
		{ "{a: {values: []}}",
		  "s:2:26: values must not be an empty list" },
		{ "{a: {values: [x, [y]]}}",
		  "s:2:30: values must be a string, not a list" },
		{ "{a: {required: yes please}}",
		  "s:2:28: required must be true or false" },
		{ "{a: {required_when: [x]}}",
		  "s:2:33: a condition must be a mapping of keys to values, "
		  "e.g. {master_discovery: static}" },
		{ "{a: {derive_when: {a: x}}}",
		  "s:2:17: parameter a: derive_when without derive" },
		{ "{a: {derive: {frob: a}}}",
		  "s:2:27: unknown derivation 'frob': use length_of, quorum_of, "
		  "join, sorted or contents_of" },
		{ "{a: {derive: {length_of: a}, required: true}}",
		  "s:2:17: parameter a: always derived, so it cannot be "
		  "required or have a default" },
		{ "{a: {derive: {length_of: a}, default: 1}}",
		  "s:2:17: parameter a: always derived, so it cannot be "
		  "required or have a default" },
		{ "{a: {checks: {regex: x}}}", "s:2:26: checks must be a list" },
		{ "{a: {secret: 1}}", "s:2:26: secret must be true or false" },
		{ "{a: {description: [x]}}",
		  "s:2:31: description must be a string, not a list" },
		{ "{a: {description: ~}}",
		  "s:2:31: description must be a string, not an empty value" },
		{ "{a: {items: int}}",
		  "s:2:17: parameter a: items is only for list-of and map" },
		{ "{a: {keys: int}}",
		  "s:2:17: parameter a: keys is only for map" },
		{ "{a: {type: map, keys: list-of}}",
		  "s:2:35: map keys must be of a simple type other than bool" },
		{ "{a: {type: map, items: {type: int, default: 1}}}",
		  "s:2:36: parameter a: items have a type only (type, items, "
		  "keys, values)" },
		{ "{a: {type: map, items: {type: map, items: {type: frob}}}}",
		  "s:2:62: unknown type: use string, bool, int, port, url, path, "
		  "ipv4, ipv4-with-port, ipv6, ip, cidr4, cidr6, hostname, email, "
		  "duration, enum, list-of, map or json" },
		{ "{a: {type: map, items: int, default: {x: y}}}",
		  "s:2:50: parameter a: bad default: x: Must be an integer but "
		  "got a str: y" },
		{ "{a: [type]}",
		  "s:2:17: parameter a: its attributes must be a mapping" },
		{ "{a: {type: enum, values: [x, y], default: z}}",
		  "s:2:55: parameter a: bad default: Must be one of 'x', 'y'. "
		  "Got 'z'." },
	};
	struct schema	*s = NULL;
	char		*err = NULL, text[256];
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "format: 1\nparameters: %s\n",
		    cases[i].params);
		assert_int_equal(schema_parse(text, strlen(text), "s", &s,
		    &err), -1);
		assert_string_equal(err, cases[i].want);
	}
	free(err);
	(void)state;
}

/*
 * glibc's regcomp is exponential in stacked or nested '+' ("a" and 22 '+'
 * took 18 s); such checks, and back-references, are refused at once.
 */
static void
costly_regex_checks_are_refused(void **state)
{
	static const char *bad[] = {
		"a++++++++++++++++++++++",
		"((((((((((((((a)+)+)+)+)+)+)+)+)+)+)+)+)+)+",
		"(a{100}){100}",
		"a{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}{2}",
		"(a)\\\\1",
	};
	static const char *good[] = {
		"^[A-Za-z0-9.-]+:[0-9]+(,[A-Za-z0-9.-]+:[0-9]+)*$",
		"^(([0-9]{1,3}[.]){3}[0-9]{1,3})(,([0-9]{1,3}[.]){3}[0-9]{1,3})*$",
		"^[[:alpha:]+]+[]+]+(a|b+)*\\\\+$",
		"(((a*)*)*)*",
	};
	struct schema	*s;
	char		 text[512], *err = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "format: 1\nparameters: "
		    "{a: {checks: [{regex: \"%s\"}]}}\n", bad[i]);
		assert_int_equal(schema_parse(text, strlen(text), "s", &s,
		    &err), -1);
		if (strstr(err, "s:2:35: regex too costly: ") == NULL)
			fail_msg("%s: %s", bad[i], err);
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "format: 1\nparameters: "
		    "{a: {checks: [{regex: \"%s\"}]}}\n", good[i]);
		if (schema_parse(text, strlen(text), "s", &s, &err) == -1)
			fail_msg("%s: %s", good[i], err);
		schema_free(s);
	}
	free(err);
	(void)state;
}

static void
values_calculated_from_a_secret_are_secret(void **state)
{
	static const char text[] = "format: 1\nparameters:\n"
	    "  keys:\n    type: list-of\n    items: string\n"
	    "    secret: true\n"
	    "  keys_sorted:\n    derive: {sorted: keys}\n"
	    "  keys_joined:\n    derive: {join: keys_sorted, separator: \",\"}\n"
	    "  names:\n    type: list-of\n    items: string\n"
	    "  names_joined:\n    derive: {join: names, separator: \",\"}\n";
	struct schema	*s = NULL;
	char		*err = NULL;

	if (schema_parse(text, strlen(text), "s", &s, &err) == -1)
		fail_msg("%s", err);
	assert_true(schema_find(s, "keys_sorted")->secret);
	assert_true(schema_find(s, "keys_joined")->secret);
	assert_false(schema_find(s, "names_joined")->secret);
	schema_free(s);
	(void)state;
}

static void
yaml_keeps_types_positions_and_refuses_tricks(void **state)
{
	static const char	 types[] = "a: yes\nb: '7'\nc: 7\nd: ~\n"
	    "e: 007\nf: -3\n";
	struct ynode		*root = NULL;
	const struct ynode	*v;
	char			*err = NULL, deep[200];
	size_t			 i;

	assert_int_equal(yaml_load(types, strlen(types), "y", &root, &err), 0);
	v = ymap_get(root, "a");
	assert_int_equal(v->kind, YSCALAR_BOOL);
	assert_int_equal(v->bval, 1);
	assert_int_equal(ymap_get(root, "b")->kind, YSCALAR_STR);
	v = ymap_get(root, "c");
	assert_int_equal(v->kind, YSCALAR_INT);
	assert_int_equal(v->ival, 7);
	assert_int_equal(v->line, 3);
	assert_int_equal(v->col, 4);
	assert_int_equal(ymap_get(root, "d")->kind, YSCALAR_NULL);
	assert_int_equal(ymap_get(root, "e")->kind, YSCALAR_STR);
	assert_int_equal(ymap_get(root, "f")->ival, -3);
	ynode_free(root);

	assert_int_equal(yaml_load("a: 1\n---\nb: 2\n", 14, "y", &root, &err),
	    -1);
	assert_string_equal(err, "y:2:1: a second YAML document: the file "
	    "must hold exactly one");
	assert_int_equal(yaml_load("? [a]\n: 1\n", 10, "y", &root, &err), -1);
	assert_string_equal(err, "y:1:3: mapping keys must be plain words, "
	    "not a list");
	assert_int_equal(yaml_load("a: \"\\0\"\n", 8, "y", &root, &err), -1);
	assert_string_equal(err, "y:1:4: NUL byte in a value");
	assert_int_equal(yaml_load("a: \xff\n", 5, "y", &root, &err), -1);
	assert_string_equal(err, "y:1:4: invalid YAML: invalid leading UTF-8 "
	    "octet: the file must be UTF-8 text");
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	deep[i] = '\0';
	assert_int_equal(yaml_load(deep, 100, "y", &root, &err), -1);
	assert_string_equal(err, "y:1:65: nested more than 64 levels deep");
	assert_int_equal(yaml_load("", 0, "y", &root, &err), 0);
	assert_null(root);
	free(err);
	(void)state;
}

static void
did_you_mean_only_for_close_names(void **state)
{
	assert_int_equal(edit_distance("mastr_list", "master_list"), 1);
	assert_int_equal(edit_distance("", "abc"), 3);
	assert_int_equal(edit_distance("kitten", "sitting"), 3);
	expect(*state, "prot: 1\n", NULL, "prot: Unknown parameter. Did you "
	    "mean 'port'?");
	expect(*state, "zzzzzz: 1\n", NULL, "zzzzzz: Unknown parameter: "
	    "remove it");
}

static const char types_schema[] =
    "format: 1\n"
    "parameters:\n"
    "  v6: {type: ipv6}\n"
    "  anyip: {type: ip}\n"
    "  net4: {type: cidr4}\n"
    "  net6: {type: cidr6}\n"
    "  timeout: {type: duration}\n"
    "  port: {type: port}\n"
    "  host: {type: hostname}\n"
    "  mail: {type: email}\n"
    "  zones:\n"
    "    type: map\n"
    "    keys: hostname\n"
    "    items: {type: list-of, items: ipv4-with-port}\n"
    "  labels: {type: map, items: int}\n"
    "  nested: {type: map, items: {type: map, items: bool}}\n"
    "  doc: {type: json}\n";

/* Each type of dcos-config.yaml(5): accepted forms, refusals word for word. */
static void
each_type_accepts_its_forms_and_refuses_with_position(void **state)
{
	static const struct {
		const char	*config;
		const char	*want;		/* "": valid */
	} cases[] = {
		{ "v6: '::1'\nanyip: 'fd00::1'\nnet4: 10.0.0.0/8\n"
		  "net6: 'fd00::/8'\ntimeout: 1.5hrs\nport: 8080\n"
		  "host: a-b.example.com\nmail: ops@example.com\n"
		  "zones: {a.com: ['1.1.1.1:53', 1.0.0.1]}\n"
		  "labels: {x: 1}\nnested: {a: {b: true}}\n", "" },
		{ "anyip: 10.0.0.1\nnet4: 0.0.0.0/0\ntimeout: 10secs\n"
		  "zones: {}\n", "" },
		{ "v6: 'fe80::1%eth0'\n",
		  "c:1:5: v6: Invalid IPv6 address: fe80::1%eth0 (a zone index "
		  "such as %eth0 has no meaning in a cluster config)" },
		{ "v6: 10.0.0.1\n", "c:1:5: v6: Invalid IPv6 address: 10.0.0.1" },
		{ "anyip: 'fe80::1%1'\n", "c:1:8: anyip: Invalid IP address: "
		  "fe80::1%1 (write an IPv4 or IPv6 address)" },
		{ "net4: 10.0.0.1/8\n", "c:1:7: net4: Incorrect value for "
		  "`net4`: `10.0.0.1/8`. It has host bits set: write the network "
		  "address" },
		{ "net4: 10.0.0.0/33\n", "c:1:7: net4: Incorrect value for "
		  "`net4`: `10.0.0.0/33`. Only IPv4 subnets are allowed" },
		{ "net4: 10.0.0.0/08\n", "c:1:7: net4: Incorrect value for "
		  "`net4`: `10.0.0.0/08`. Only IPv4 subnets are allowed" },
		{ "net4: 10.0.0.0\n", "c:1:7: net4: Incorrect value for "
		  "`net4`: `10.0.0.0`. Only IPv4 subnets are allowed" },
		{ "net6: 10.0.0.0/8\n", "c:1:7: net6: Incorrect value for "
		  "`net6`: `10.0.0.0/8`. Only IPv6 subnets are allowed" },
		{ "timeout: -5mins\n", "c:1:10: timeout: Error parsing "
		  "'timeout' value: -5mins." },
		{ "timeout: 15\n", "c:1:10: timeout: Error parsing 'timeout' "
		  "value: 15." },
		{ "timeout: 1.2.3secs\n",
		  "c:1:10: timeout: Invalid decimal format." },
		{ "timeout: 5years\n", "c:1:10: timeout: Unit 'years' not in "
		  "['ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', "
		  "'weeks']." },
		{ "port: 0\n",
		  "c:1:7: port: Must be between 1 and 65535 inclusive" },
		{ "port: 65536\n",
		  "c:1:7: port: Must be between 1 and 65535 inclusive" },
		{ "host: -bad.example.com\n", "c:1:7: host: Must be a host name "
		  "(letters, digits and '-' in dot-separated labels). Got "
		  "'-bad.example.com'." },
		{ "mail: nobody\n", "c:1:7: mail: Must be an email address "
		  "(user@example.com). Got 'nobody'." },
		/* Every bad entry of a map, each where it is. */
		{ "labels:\n  x: one\n  y: 2\n  z: three\n",
		  "c:2:6: labels: x: Must be an integer but got a str: one\n"
		  "c:4:6: labels: z: Must be an integer but got a str: three" },
		{ "zones:\n  bad_host: ['1.1.1.1:53']\n"
		  "  b.com: ['1.1.1.1:99999', nope]\n",
		  "c:2:3: zones: Must be a host name (letters, digits and '-' in "
		  "dot-separated labels). Got 'bad_host'.\n"
		  "c:3:10: zones: b.com: Invalid IPv4 addresses in list: nope\n"
		  "c:3:11: zones: b.com: Must be between 1 and 65535 "
		  "inclusive" },
		{ "zones: [a.com]\n", "c:1:8: zones: Must be a mapping (key: "
		  "value), not a list" },
		{ "nested: {a: {b: maybe}}\n", "c:1:17: nested: a: b: Must be "
		  "one of 'true', 'false'. Got 'maybe'." },
		{ "doc: {a: [1, {b: true}]}\n", "" },
		{ "doc: '{\"a\": [1]}'\n", "" },
		{ "doc: foo\n", "c:1:6: doc: Must be valid JSON. Got: foo" },
		{ "nested: {a: 1}\n", "c:1:13: nested: a: Must be a mapping "
		  "(key: value), not an integer" },
	};
	struct schema		*s = NULL;
	struct ynode		*root = NULL;
	char			*err = NULL;
	size_t			 i;

	if (schema_parse(types_schema, strlen(types_schema), "s", &s,
	    &err) == -1)
		fail_msg("%s", err);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_errors(s, i, cases[i].config, cases[i].want);
	/* A key twice is the YAML loader's refusal, with both positions. */
	assert_int_equal(yaml_load("labels:\n  x: 1\n  x: 2\n", 22, "c", &root,
	    &err), -1);
	assert_non_null(strstr(err, "c:3:3:"));
	free(err);
	schema_free(s);
	(void)state;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    derived_values_defaults_and_conditions, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    required_when_lists_and_negations, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    secrets_never_reach_a_message, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    templates_switch_for_and_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    bad_templates_are_refused_with_their_position, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(runaway_loops_are_stopped,
		    setup, teardown),
		cmocka_unit_test(bad_schemas_are_refused_with_their_position),
		cmocka_unit_test(
		    each_parameter_attribute_is_checked_with_its_position),
		cmocka_unit_test(costly_regex_checks_are_refused),
		cmocka_unit_test(validators_when_and_invalid_message),
		cmocka_unit_test(values_calculated_from_a_secret_are_secret),
		cmocka_unit_test(
		    each_type_accepts_its_forms_and_refuses_with_position),
		cmocka_unit_test(yaml_keeps_types_positions_and_refuses_tricks),
		cmocka_unit_test_setup_teardown(
		    did_you_mean_only_for_close_names, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
