/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifest.h"

#define D1 "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define D2 "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define D3 "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define KEY "RWQ0dTNhmDZVU1HPFQm+FaQ/gfbm099wc9cy4RAvRzID1RjlayggSvrp"

static const char PKG[] = "{\"format\":1,\"id\":\"mesos--1.2\",\"files\":["
    "{\"path\":\"bin\",\"type\":\"dir\",\"mode\":493},"
    "{\"path\":\"bin/a\",\"type\":\"file\",\"mode\":493,\"size\":3,\"sha256\":\"" D1 "\"},"
    "{\"path\":\"bin/b\",\"type\":\"hardlink\",\"target\":\"bin/a\"},"
    "{\"path\":\"lib/x\",\"type\":\"symlink\",\"target\":\"../bin/a\"}]}";

static void
ids_follow_pkgpanda_rules(void **state)
{
	assert_true(pkg_id_valid("mesos--1.2.0"));
	assert_true(pkg_id_valid("dcos-config--setup_abc"));
	assert_true(pkg_id_valid("a.b_c+d@e--1:2"));
	assert_false(pkg_id_valid("mesos"));
	assert_false(pkg_id_valid("a--b--c"));
	assert_false(pkg_id_valid("-a--1"));
	assert_false(pkg_id_valid("a--1/2"));
	assert_false(pkg_id_valid("a--"));
	assert_false(pkg_id_valid("--1"));
	assert_false(pkg_id_valid("a b--1"));
}

static void
unit_names_follow_systemd_rules(void **state)
{
	char	 longname[300];

	assert_true(unit_name_valid("dcos-mesos-master.service"));
	assert_true(unit_name_valid("dcos-checks.timer"));
	assert_true(unit_name_valid("dcos-a@.service"));
	assert_true(unit_name_valid("dcos-a@x:1.service"));
	assert_true(unit_name_valid("var-lib-dcos.mount"));
	assert_false(unit_name_valid("multi-user.target.wants"));
	assert_false(unit_name_valid("dcos.target.wants"));
	assert_false(unit_name_valid("a/b.service"));
	assert_false(unit_name_valid(".hidden.service"));
	assert_false(unit_name_valid("-a.service"));
	assert_false(unit_name_valid(".service"));
	assert_false(unit_name_valid("@a.service"));
	assert_false(unit_name_valid("a@b@c.service"));
	assert_false(unit_name_valid("a b.service"));
	assert_false(unit_name_valid("a\xc3\xa9.service"));
	assert_false(unit_name_valid("sda.device"));
	assert_false(unit_name_valid("service"));
	assert_false(unit_name_valid(""));
	memset(longname, 'a', sizeof(longname));
	strcpy(longname + 250, ".service");
	assert_false(unit_name_valid(longname));
	strcpy(longname + 240, ".service");
	assert_true(unit_name_valid(longname));
}

static void
paths_and_symlinks_stay_inside(void **state)
{
	assert_true(relpath_valid("bin/a"));
	assert_false(relpath_valid("/bin/a"));
	assert_false(relpath_valid("bin/../x"));
	assert_false(relpath_valid("bin//a"));
	assert_false(relpath_valid("./a"));
	assert_false(relpath_valid("a/"));
	assert_false(relpath_valid(""));
	assert_true(symlink_target_inside("lib/x", "../bin/a"));
	assert_true(symlink_target_inside("lib/x", "y"));
	assert_false(symlink_target_inside("lib/x", "../../etc/passwd"));
	assert_false(symlink_target_inside("x", "../x"));
	assert_false(symlink_target_inside("lib/x", "/etc/passwd"));
	assert_false(symlink_target_inside("a/b/c", "../../../x"));
	assert_true(symlink_target_inside("a/b/c", "../../x"));
	/* ".." after a name could climb through a symlinked directory. */
	assert_false(symlink_target_inside("bin/x", "sub/d/../../.."));
	assert_false(symlink_target_inside("bin/x", "sub/../y"));
	assert_false(symlink_target_inside("bin/x", "a//b"));
	assert_true(symlink_target_inside("bin/x", "./y"));
}

static void
package_manifest_parses(void **state)
{
	struct pkg_manifest	*m = NULL;
	const struct pkg_file	*f;
	char			*err = NULL;

	assert_int_equal(pkg_manifest_parse(PKG, strlen(PKG), "m", &m, &err),
	    0);
	assert_string_equal(m->id, "mesos--1.2");
	assert_int_equal(m->nfiles, 4);
	assert_int_equal(m->total_size, 3);
	f = pkg_manifest_find(m, "bin/a");
	assert_non_null(f);
	assert_int_equal(f->type, PKG_FILE);
	assert_int_equal(f->mode, 0755);
	assert_null(pkg_manifest_find(m, "bin/c"));
	pkg_manifest_free(m);
	pkg_manifest_free(NULL);
}

static void
bad_package_manifests_name_the_field(void **state)
{
	static const struct { const char *json, *msg; } bad[] = {
		{ "[]", "not a JSON object" },
		{ "{\"format\":2,\"id\":\"a--1\",\"files\":[]}", "format 2" },
		{ "{\"format\":1,\"id\":\"a\",\"files\":[]}", "id: 'a'" },
		{ "{\"format\":1,\"id\":\"a--1\"}", "files: missing" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"../x\",\"type\":\"dir\",\"mode\":493}]}", "files[0].path: ../x: not a relative path inside the package" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"a\\tb\",\"type\":\"dir\",\"mode\":493}]}", "files[0].path: a\\x09b: the name holds a control character" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"dir\",\"mode\":511}]}", "files[0].mode: 'x': mode 0777 is writable by group or others" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"file\",\"mode\":436,\"size\":1,\"sha256\":\"" D1 "\"}]}", "mode 0664 is writable by group or others" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"dev\"}]}", "unknown type" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"file\",\"mode\":2541,\"size\":1,\"sha256\":\"" D1 "\"}]}", "mode 4755 has setuid, setgid or sticky bits" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"file\",\"mode\":420,\"size\":1,\"sha256\":\"abc\"}]}", "not a digest" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"file\",\"mode\":420,\"size\":-1,\"sha256\":\"" D1 "\"}]}", "negative" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"symlink\",\"target\":\"../y\"}]}", "leaves the package" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"x\",\"type\":\"hardlink\",\"target\":\"y\"}]}", "must point" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"b\",\"type\":\"dir\",\"mode\":493},{\"path\":\"a\",\"type\":\"dir\",\"mode\":493}]}", "out of order" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"a\",\"type\":\"hardlink\",\"target\":\"b\"},{\"path\":\"b\",\"type\":\"file\",\"mode\":420,\"size\":1,\"sha256\":\"" D1 "\"}]}", "earlier in the package" },
		{ "{\"format\":1,\"id\":\"a--1\",\"files\":[{\"path\":\"a\",\"type\":\"dir\",\"mode\":493},{\"path\":\"a\",\"type\":\"dir\",\"mode\":493}]}", "repeated" },
	};
	struct pkg_manifest	*m = NULL;
	char			*err = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pkg_manifest_parse(bad[i].json,
		    strlen(bad[i].json), "m.json", &m, &err), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad[i].msg);
		assert_non_null(strstr(err, "m.json"));
	}
	free(err);
}

static const char REL[] = "{\"format\":1,\"name\":\"dcos\",\"version\":\"1.0\","
    "\"seq\":3,\"packages\":[{\"id\":\"a--1\",\"digest\":\"" D1 "\","
    "\"size\":10,\"manifest\":\"" D2 "\",\"files\":2,\"installed_bytes\":5},"
    "{\"id\":\"b--1\",\"digest\":\"" D2 "\",\"size\":1,\"manifest\":\"" D1
    "\",\"files\":1,\"installed_bytes\":1}],"
    "\"bootstrap\":{\"x86_64\":{\"digest\":\"" D1 "\",\"size\":9}},"
    "\"genconf\":{\"schema\":{\"path\":\"genconf/schema.yaml\",\"digest\":\""
    D1 "\"},\"templates\":[{\"path\":\"genconf/templates/a.yaml\","
    "\"digest\":\"" D2 "\"}]},"
    "\"roles\":{\"master\":{\"ports\":[53,5050]},\"slave\":{\"ports\":[5051]}}}";

static void
release_manifest_parses(void **state)
{
	struct release_manifest		*m = NULL;
	const struct release_role	*r;
	char				*err = NULL, *text;

	assert_true(asprintf(&text, "%.*s\"username\":\"dcos_a\",%s",
	    (int)(strstr(REL, "\"id\":\"b--1\"") - REL), REL,
	    strstr(REL, "\"id\":\"b--1\"")) != -1);
	assert_int_equal(release_manifest_parse(text, strlen(text), "r", &m,
	    &err), 0);
	free(text);
	assert_int_equal(m->seq, 3);
	/* The user a package declares: what a secret file's owner may be. */
	assert_null(m->packages[0].username);
	assert_string_equal(m->packages[1].username, "dcos_a");
	assert_int_equal(m->npackages, 2);
	assert_non_null(release_manifest_package(m, "b--1"));
	assert_null(release_manifest_package(m, "c--1"));
	r = release_manifest_role(m, "master");
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->ports[1], 5050);
	assert_null(release_manifest_role(m, "slave_public"));
	assert_int_equal(m->nbootstrap, 1);
	assert_string_equal(m->bootstrap[0].arch, "x86_64");
	assert_int_equal(m->bootstrap[0].blob.size, 9);
	assert_string_equal(m->schema->path, "genconf/schema.yaml");
	assert_int_equal(m->ntemplates, 1);
	assert_string_equal(m->templates[0].path, "genconf/templates/a.yaml");
	release_manifest_free(m);
}

/*
 * One parser for release.json in every program (dcos-genconf's release
 * loader, dcos-bootstrap, dcos-artifactd's mirror and fsck): each edit of
 * REL must be refused with a message naming the field.  The cases after
 * the first three were refused by dcos-genconf's own parser only.
 */
static void
bad_release_manifests_are_refused(void **state)
{
	static const struct {
		const char	*from, *to, *want;
	} t[] = {
		{ "\"seq\":3", "\"seq\":0", "r: seq: must be a positive integer" },
		{ "[53,", "[0, ", "r: roles.master.ports: item 0 is not" },
		{ "\"b--1\"", "\"0--1\"", "packages[1].id: '0--1' is out of order" },
		{ "\"name\":\"dcos\"", "\"name\":\"d/os\"", "r: name: package name" },
		{ "\"version\":\"1.0\"", "\"version\":\"1/0\"", "r: version: package "
		  "version '1/0'" },
		{ "\"name\":\"dcos\"", "\"name\":\"a--b\"", "must not contain '--'" },
		{ "\"x86_64\"", "\"../../\"", "bootstrap.../../: not an architecture" },
		{ "\"x86_64\"", "\"X86_64\"", "bootstrap.X86_64: not an architecture" },
		{ "\"master\"", "\"mas/er\"", "roles.mas/er: not a role name" },
		{ "[53,5050]", "[53,  53]", "roles.master.ports: port 53 is listed twice" },
		{ "genconf/schema.yaml", "genconf//chema.yaml", "genconf.schema.path: "
		  "'genconf//chema.yaml' is not a path under genconf/" },
		{ "genconf/schema.yaml", "genconf/../etc/pass", "is not a path under" },
		{ "genconf/schema.yaml", "etc/conf/schema.yaml", "is not a path under" },
		{ "genconf/templates/a.yaml", "genconf/schema.yaml\",\"\":\"",
		  "genconf.templates[0].path: 'genconf/schema.yaml' is listed twice" },
		{ "\"templates\"", "\"templatez\"", "genconf.templates: missing" },
		{ "\"schema\"", "\"schemaX\"", "genconf.schema: missing" },
		{ "\"id\":\"b--1\"", "\"username\":\"root:x:0:0\",\"id\":"
		  "\"b--1\"", "packages[1].username: not a username" },
		{ "\"id\":\"b--1\"", "\"username\":1,\"id\":\"b--1\"",
		  "packages[1].username: " },
	};
	struct release_manifest	*m = NULL;
	char			*err = NULL, *bad, *at;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_non_null(at = strstr(REL, t[i].from));
		assert_true(asprintf(&bad, "%.*s%s%s", (int)(at - REL), REL,
		    t[i].to, at + strlen(t[i].from)) != -1);
		assert_int_equal(release_manifest_parse(bad, strlen(bad), "r",
		    &m, &err), -1);
		assert_null(m);
		if (strstr(err, t[i].want) == NULL)
			fail_msg("case %zu: got '%s', want '%s'", i, err,
			    t[i].want);
		free(bad);
		free(err);
		err = NULL;
	}
}

static const char CLUSTER[] = "{\"format\":1,\"cluster_name\":\"demo\","
    "\"config_id\":\"abc\",\"bootstrap_url\":\"http://127.0.0.1:8080\","
    "\"trusted_keys\":[\"" KEY "\"],"
    "\"release\":{\"name\":\"dcos\",\"version\":\"1.0\",\"seq\":2,"
    "\"manifest\":\"" D1 "\",\"signature\":\"" D3 "\"},"
    "\"config_package\":{\"id\":\"dcos-config--setup_abc\",\"digest\":\"" D2
    "\",\"size\":5},"
    "\"bootstrap\":{\"x86_64\":{\"digest\":\"" D1 "\",\"size\":9}},"
    "\"blobs\":[{\"digest\":\"" D1 "\",\"size\":1,\"kind\":\"release\"},"
    "{\"digest\":\"" D2 "\",\"size\":5,\"kind\":\"config\","
    "\"id\":\"dcos-config--setup_abc\"},"
    "{\"digest\":\"" D3 "\",\"size\":2,\"kind\":\"signature\"}]}";

static void
cluster_manifest_parses(void **state)
{
	struct cluster_manifest	*m = NULL;
	char			*err = NULL, *bad;

	assert_int_equal(cluster_manifest_parse(CLUSTER, strlen(CLUSTER), "c",
	    &m, &err), 0);
	assert_string_equal(m->bootstrap_url, "http://127.0.0.1:8080");
	assert_int_equal(m->nkeys, 1);
	assert_int_equal(m->release_seq, 2);
	assert_int_equal(m->nblobs, 3);
	assert_int_equal(m->blobs[1].kind, BLOB_CONFIG);
	assert_string_equal(m->blobs[1].id, "dcos-config--setup_abc");
	cluster_manifest_free(m);
	bad = strdup(CLUSTER);
	memcpy(strstr(bad, "RWQ0"), "XXXX", 4);
	assert_int_equal(cluster_manifest_parse(bad, strlen(bad), "c", &m,
	    &err), -1);
	assert_non_null(strstr(err, "trusted_keys"));
	free(bad);
	bad = strdup(CLUSTER);
	memcpy(strstr(bad, "\"config\""), "\"zzzzzz\"", 8);
	assert_int_equal(cluster_manifest_parse(bad, strlen(bad), "c", &m,
	    &err), -1);
	assert_non_null(strstr(err, "blobs[1].kind: unknown kind"));
	free(bad);
	free(err);
}

/* Replaces the first occurrence of from in CLUSTER by to and parses it. */
static char *
cluster_edit_err(const char *from, const char *to)
{
	struct cluster_manifest	*m = NULL;
	char			*err = NULL, *bad, *at;

	at = strstr(CLUSTER, from);
	assert_non_null(at);
	assert_true(asprintf(&bad, "%.*s%s%s", (int)(at - CLUSTER), CLUSTER,
	    to, at + strlen(from)) != -1);
	assert_int_equal(cluster_manifest_parse(bad, strlen(bad), "c", &m,
	    &err), -1);
	assert_null(m);
	free(bad);
	return err;
}

/* #18 item 8: nothing unsigned but the one config package of config_id. */
static void
cluster_manifests_bring_one_config_package(void **state)
{
	static const struct { const char *from, *to, *msg; } bad[] = {
		{ "]}", ",{\"digest\":\"" D1 "\",\"size\":5,\"kind\":"
		    "\"config\",\"id\":\"dcos-config--setup_abd\"}]}",
		    "c: blobs[3].id: 'dcos-config--setup_abd' is a second config "
		    "package; a cluster manifest holds only the one "
		    "config_package names" },
		{ "\"config_id\":\"abc\"", "\"config_id\":\"abd\"",
		    "c: config_package.id: 'dcos-config--setup_abc' is not the "
		    "config package of config_id abd, which is "
		    "dcos-config--setup_abd" },
		{ "\"config\",\"id\":\"dcos-config--setup_abc\"",
		    "\"config\",\"id\":\"x--1\"",
		    "blobs[1].id: config package 'x--1' is not the "
		    "config_package dcos-config--setup_abc" },
		{ "\"size\":5,\"kind\":\"config\"",
		    "\"size\":6,\"kind\":\"config\"",
		    "with the same digest and size" },
		{ "\"kind\":\"config\"", "\"kind\":\"package\"",
		    "blobs: must list the config package dcos-config--setup_abc" },
		{ "]}", ",{\"digest\":\"" D2 "\",\"size\":5,\"kind\":"
		    "\"release\"}]}",
		    "blobs[3].kind: a release blob other than the one" },
		{ "]}", ",{\"digest\":\"" D3 "\",\"size\":2,\"kind\":"
		    "\"signature\"}]}",
		    "blobs[3].kind: a signature blob other than the one the "
		    "release section names, or that one twice" },
	};
	char	*err;
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = cluster_edit_err(bad[i].from, bad[i].to);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad[i].msg);
		free(err);
	}
}

/*
 * #13: a Windows config package is a second config blob, of platform
 * windows, exactly when config_package_windows names it.
 */
#define WINCFG "\"config_package_windows\":{\"id\":" \
    "\"dcos-config-windows--setup_abc\",\"digest\":\"" D3 "\",\"size\":7},"
#define WINBLOB ",{\"digest\":\"" D3 "\",\"size\":7,\"kind\":\"config\"," \
    "\"id\":\"dcos-config-windows--setup_abc\",\"platform\":\"windows\"}]}"

static char *
cluster_with(const char *from1, const char *to1, const char *from2,
    const char *to2)
{
	char	*a, *b, *at;

	assert_non_null(at = strstr(CLUSTER, from1));
	assert_true(asprintf(&a, "%.*s%s%s", (int)(at - CLUSTER), CLUSTER,
	    to1, at + strlen(from1)) != -1);
	if (from2 == NULL)
		return a;
	assert_non_null(at = strstr(a, from2));
	assert_true(asprintf(&b, "%.*s%s%s", (int)(at - a), a, to2,
	    at + strlen(from2)) != -1);
	free(a);
	return b;
}

static void
cluster_manifests_bring_one_config_package_per_platform(void **state)
{
	static const struct { const char *cfg, *blobs, *msg; } bad[] = {
		/* A Windows config blob nothing names. */
		{ "", WINBLOB, "is a Windows config package, but the "
		    "manifest has no config_package_windows" },
		/* config_package_windows without its blob. */
		{ WINCFG, "]}", "blobs: must list the Windows config package "
		    "dcos-config-windows--setup_abc" },
		/* Two of them. */
		{ WINCFG, ",{\"digest\":\"" D3 "\",\"size\":7,\"kind\":"
		    "\"config\",\"id\":\"dcos-config-windows--setup_abc\","
		    "\"platform\":\"windows\"}" WINBLOB, "is a second Windows "
		    "config package" },
		/* Another size than config_package_windows says. */
		{ WINCFG, ",{\"digest\":\"" D3 "\",\"size\":8,\"kind\":"
		    "\"config\",\"id\":\"dcos-config-windows--setup_abc\","
		    "\"platform\":\"windows\"}]}", "is not the "
		    "config_package_windows dcos-config-windows--setup_abc" },
		/* Not named after config_id. */
		{ "\"config_package_windows\":{\"id\":\"dcos-config-windows--"
		    "setup_abd\",\"digest\":\"" D3 "\",\"size\":7},", WINBLOB,
		    "config_package_windows.id: 'dcos-config-windows--setup_abd'"
		    " is not the config package of config_id abc" },
		/* A platform no host has. */
		{ WINCFG, ",{\"digest\":\"" D3 "\",\"size\":7,\"kind\":"
		    "\"config\",\"id\":\"dcos-config-windows--setup_abc\","
		    "\"platform\":\"macos\"}]}", "platform: must be \"linux\" "
		    "or \"windows\"" },
	};
	struct cluster_manifest	*m = NULL;
	char			*text, *cfg, *err = NULL;
	size_t			 i;

	text = cluster_with("\"bootstrap\":", WINCFG "\"bootstrap\":", "]}",
	    WINBLOB);
	assert_int_equal(cluster_manifest_parse(text, strlen(text), "c", &m,
	    &err), 0);
	assert_string_equal(m->config_id_pkg_windows,
	    "dcos-config-windows--setup_abc");
	assert_int_equal(m->nblobs, 4);
	assert_int_equal(m->blobs[1].platform, PLATFORM_LINUX);
	assert_int_equal(m->blobs[3].platform, PLATFORM_WINDOWS);
	/* A Linux host's view: the Windows config blob is gone. */
	cluster_manifest_keep_platform(m, PLATFORM_LINUX);
	assert_int_equal(m->nblobs, 3);
	cluster_manifest_free(m);
	free(text);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_true(asprintf(&cfg, "%s\"bootstrap\":", bad[i].cfg) !=
		    -1);
		text = cluster_with("\"bootstrap\":", cfg, "]}", bad[i].blobs);
		free(cfg);
		assert_int_equal(cluster_manifest_parse(text, strlen(text),
		    "c", &m, &err), -1);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad[i].msg);
		free(err);
		err = NULL;
		free(text);
	}
}

/* release.json's platform: absent is linux, so older releases parse. */
static void
release_platforms(void **state)
{
	struct release_manifest	*m = NULL;
	char			*text, *err = NULL, *at;

	assert_int_equal(release_manifest_parse(REL, strlen(REL), "r", &m,
	    NULL), 0);
	assert_int_equal(m->packages[0].platform, PLATFORM_LINUX);
	release_manifest_free(m);
	at = strstr(REL, "\"id\":\"b--1\"");
	assert_true(asprintf(&text, "%.*s\"platform\":\"windows\",%s",
	    (int)(at - REL), REL, at) != -1);
	assert_int_equal(release_manifest_parse(text, strlen(text), "r", &m,
	    NULL), 0);
	assert_int_equal(m->packages[1].platform, PLATFORM_WINDOWS);
	assert_null(m->packages[1].username);
	release_manifest_keep_platform(m, PLATFORM_LINUX);
	assert_int_equal(m->npackages, 1);
	assert_string_equal(m->packages[0].id, "a--1");
	release_manifest_free(m);
	free(text);
	assert_true(asprintf(&text, "%.*s\"platform\":\"win\",%s",
	    (int)(at - REL), REL, at) != -1);
	assert_int_equal(release_manifest_parse(text, strlen(text), "r", &m,
	    &err), -1);
	assert_non_null(strstr(err, "packages[1].platform: must be"));
	free(err);
	free(text);
}

/* #14: a sealed secrets bundle per role, each role once. */
static void
cluster_manifests_pin_one_secrets_bundle_per_role(void **state)
{
	static const struct { const char *to, *msg; } bad[] = {
		{ ",{\"digest\":\"" D1 "\",\"size\":5,\"kind\":\"secrets\","
		    "\"role\":\"master\"},{\"digest\":\"" D2 "\",\"size\":5,"
		    "\"kind\":\"secrets\",\"role\":\"master\"}]}",
		    "c: blobs[4].role: a second secrets bundle of role master" },
		{ ",{\"digest\":\"" D1 "\",\"size\":5,\"kind\":\"secrets\"}]}",
		    "blobs[3]" },
		{ ",{\"digest\":\"" D1 "\",\"size\":5,\"kind\":\"secrets\","
		    "\"role\":\"../x\"}]}",
		    "c: blobs[3].role: '../x' is not a role name" },
	};
	struct cluster_manifest	*m = NULL;
	char			*err = NULL, *good, *at;
	size_t			 i;

	(void)state;
	at = strstr(CLUSTER, "]}");
	assert_true(asprintf(&good, "%.*s,{\"digest\":\"" D1 "\",\"size\":5,"
	    "\"kind\":\"secrets\",\"role\":\"master\"}]}%s",
	    (int)(at - CLUSTER), CLUSTER, at + 2) != -1);
	assert_int_equal(cluster_manifest_parse(good, strlen(good), "c", &m,
	    &err), 0);
	assert_int_equal(m->blobs[3].kind, BLOB_SECRETS);
	assert_string_equal(m->blobs[3].role, "master");
	assert_string_equal(blob_kind_name(BLOB_SECRETS), "secrets");
	cluster_manifest_free(m);
	free(good);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = cluster_edit_err("]}", bad[i].to);
		if (strstr(err, bad[i].msg) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err,
			    bad[i].msg);
		free(err);
	}
}

/* #18 items 6 and 16: one rule for dcos-genconf and dcos-bootstrap. */
static void
package_rules_are_one_rule(void **state)
{
	static const char *good_sysctl[] = { "vm.swappiness",
	    "net.ipv4.conf.eth0/100.rp_filter", "net/core/somaxconn",
	    "kernel.core_uses_pid", "net.ipv4.conf.all.arp-x" };
	static const char *bad_sysctl[] = { "", ".vm", "vm.", "vm..x", "/vm",
	    "vm//x", "-vm.x", "vm/../x", "vm x", "vm=x", "vm.x\nkernel.y",
	    "vm.*", "k\xc3\xa9y" };
	char	*err = NULL;
	size_t	 i;

	assert_int_equal(pkg_mode_check(0755, &err), 0);
	assert_int_equal(pkg_mode_check(0700, &err), 0);
	assert_int_equal(pkg_mode_check(0, &err), 0);
	assert_int_equal(pkg_mode_check(0775, &err), -1);
	assert_string_equal(err, "mode 0775 is writable by group or others; "
	    "package files and directories may be writable by their owner "
	    "only");
	assert_int_equal(pkg_mode_check(0757, &err), -1);
	assert_int_equal(pkg_mode_check(01755, &err), -1);
	assert_non_null(strstr(err, "sticky"));
	assert_int_equal(pkg_path_check("etc/caf\xc3\xa9.conf", &err), 0);
	assert_int_equal(pkg_path_check("etc/caf\xe9.conf", &err), -1);
	assert_string_equal(err, "etc/caf\\xe9.conf: the name is not valid "
	    "UTF-8 (package file names are UTF-8: rename it)");
	assert_int_equal(pkg_path_check("etc/a\nb", &err), -1);
	assert_non_null(strstr(err, "etc/a\\x0ab: the name holds a control"));
	assert_int_equal(pkg_path_check("etc/../x", &err), -1);
	for (i = 0; i < sizeof(good_sysctl) / sizeof(*good_sysctl); i++)
		if (sysctl_check(good_sysctl[i], "1", &err) == -1)
			fail_msg("'%s' refused: %s", good_sysctl[i], err);
	for (i = 0; i < sizeof(bad_sysctl) / sizeof(*bad_sysctl); i++) {
		if (sysctl_check(bad_sysctl[i], "1", &err) == 0)
			fail_msg("'%s' accepted", bad_sysctl[i]);
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(sysctl_check("vm.swappiness", "1\nkernel.x = 2",
	    &err), -1);
	assert_int_equal(sysctl_check("vm.swappiness", "", &err), -1);
	assert_int_equal(sysctl_check("kernel.sem", "250 32000 100 128", &err),
	    0);
	free(err);
}

static void
store_index_parses(void **state)
{
	static const char IDX[] = "{\"format\":1,\"current\":\"" D1 "\","
	    "\"cluster_manifests\":[\"" D1 "\",\"" D2 "\"],"
	    "\"install_script\":{\"path\":\"dcos_install.sh\",\"digest\":\""
	    D2 "\"},\"releases\":[{\"name\":\"dcos\",\"version\":\"1\","
	    "\"seq\":1,\"path\":\"releases/dcos-1.tar\",\"digest\":\"" D1 "\","
	    "\"signature\":\"releases/dcos-1.tar.minisig\"}]}";
	struct store_index	*x = NULL;
	char			*err = NULL, *bad;

	assert_int_equal(store_index_parse(IDX, strlen(IDX), "i", &x, &err),
	    0);
	assert_int_equal(x->nmanifests, 2);
	assert_string_equal(x->releases[0].path, "releases/dcos-1.tar");
	store_index_free(x);
	bad = strdup(IDX);
	memcpy(strstr(bad, "releases/dcos-1.tar\""), "/eleases", 8);
	assert_int_equal(store_index_parse(bad, strlen(bad), "i", &x, &err),
	    -1);
	/* Cleared on entry: not the freed index of the call before. */
	assert_null(x);
	assert_non_null(strstr(err, "releases[0].path"));
	free(bad);
	bad = strdup(IDX);
	memcpy(strstr(bad, "[\"" D1) + 2, D2, strlen(D2));
	assert_int_equal(store_index_parse(bad, strlen(bad), "i", &x, &err),
	    -1);
	assert_non_null(strstr(err, "must start with the current"));
	free(bad);
	free(err);
}

/* Docker's "20.10.5-ce" against a release's "1.13": dotted numbers. */
static void
versions_compare_by_numbers(void **state)
{
	(void)state;
	assert_true(version_cmp("20.10.5", "1.13") > 0);
	assert_true(version_cmp("1.9", "1.13") < 0);
	assert_true(version_cmp("1.13.1", "1.13") > 0);
	assert_int_equal(version_cmp("1.13", "1.13.0"), 0);
	assert_int_equal(version_cmp("17.03.2-ce", "17.3.2"), 0);
	assert_true(version_cmp("18.09.1-ce", "18.09.2") < 0);
	assert_true(version_cmp("", "1") < 0);
	assert_true(version_valid("1.13"));
	assert_true(version_valid("20"));
	assert_false(version_valid("1."));
	assert_false(version_valid(".1"));
	assert_false(version_valid("1.13-ce"));
	assert_false(version_valid("latest"));
	assert_false(version_valid(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ids_follow_pkgpanda_rules),
		cmocka_unit_test(unit_names_follow_systemd_rules),
		cmocka_unit_test(paths_and_symlinks_stay_inside),
		cmocka_unit_test(package_manifest_parses),
		cmocka_unit_test(bad_package_manifests_name_the_field),
		cmocka_unit_test(release_manifest_parses),
		cmocka_unit_test(bad_release_manifests_are_refused),
		cmocka_unit_test(cluster_manifest_parses),
		cmocka_unit_test(cluster_manifests_bring_one_config_package),
		cmocka_unit_test(
		    cluster_manifests_bring_one_config_package_per_platform),
		cmocka_unit_test(release_platforms),
		cmocka_unit_test(cluster_manifests_pin_one_secrets_bundle_per_role),
		cmocka_unit_test(package_rules_are_one_rule),
		cmocka_unit_test(store_index_parses),
		cmocka_unit_test(versions_compare_by_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
