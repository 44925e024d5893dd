/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path, link-target and name rules of lib/manifest, as tables.  Each
 * case runs against the one implementation twice: the function that
 * dcos-genconf calls while it scans a package tree, and the manifest
 * parser that dcos-bootstrap, dcos-artifactd and dcos-genconf read a
 * package with.  The symlink cases are the ones where genconf's own copy
 * of the rule once disagreed with lib's (#17).
 */
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

struct link_case {
	const char	*path;
	const char	*target;	/* "L" + n: n bytes of 'a' */
	int		 ok;
};

static const struct link_case links[] = {
	{ "bin/x", "busybox", 1 },
	{ "bin/x", "../lib/x.so", 1 },
	{ "a/b/c", "../../d", 1 },
	{ "bin/x", "./y", 1 },
	{ "bin/x", ".", 1 },
	{ "bin/x", "..", 1 },
	{ "x", ".", 1 },
	{ "bin/x", "caf\xc3\xa9", 1 },
	{ "bin/x", "L4095", 1 },
	/* Where genconf's copy said yes and lib no. */
	{ "bin/x", "../x//y", 0 },
	{ "bin/x", "..//x", 0 },
	{ "bin/x", "x/", 0 },
	{ "bin/x", "a//b", 0 },
	{ "bin/x", "../", 0 },
	/* Empty, absolute, escaping, over-long. */
	{ "bin/x", "", 0 },
	{ "bin/x", "/etc/passwd", 0 },
	{ "bin/x", "/", 0 },
	{ "x", "..", 0 },
	{ "x", "../x", 0 },
	{ "bin/x", "../../x", 0 },
	{ "a/b/c", "../../../x", 0 },
	{ "bin/x", "sub/../y", 0 },
	{ "bin/x", "sub/d/../../..", 0 },
	{ "bin/x", "L4096", 0 },
	/* Bytes no name of a package may hold. */
	{ "bin/x", "a\nb", 0 },
	{ "bin/x", "a\tb", 0 },
	{ "bin/x", "\x1b[31m", 0 },
	{ "bin/x", "x\x7f", 0 },
	{ "bin/x", "caf\xe9", 0 },
};

static const struct {
	const char	*path;
	int		 ok;
} paths[] = {
	{ "bin/a", 1 }, { "a", 1 }, { "..a", 1 }, { "a..", 1 }, { ".a", 1 },
	{ "L4095", 1 },
	{ "", 0 }, { ".", 0 }, { "..", 0 }, { "/", 0 }, { "/bin/a", 0 },
	{ "a//b", 0 }, { "x/", 0 }, { "../x", 0 }, { "a/./b", 0 },
	{ "a/../b", 0 }, { "./a", 0 }, { "L4096", 0 }, { "a\nb", 0 },
	{ "a\x01", 0 }, { "\xff", 0 },
};

/* s, or "L<n>" spelled out into buf. */
static const char *
expand(const char *s, char *buf, size_t bufsz)
{
	size_t	 n;

	if (s[0] != 'L' || s[1] < '0' || s[1] > '9')
		return s;
	n = strtoul(s + 1, NULL, 10);
	assert_true(n < bufsz);
	memset(buf, 'a', n);
	buf[n] = '\0';
	return buf;
}

/* The JSON string for s, escaped as a writer of the manifest would. */
static char *
json_quote(const char *s)
{
	json_t	*j = json_string(s);
	char	*out;

	if (j == NULL)	/* not UTF-8: no writer can say it, so spell it raw */
		assert_true(asprintf(&out, "\"%s\"", s) != -1);
	else {
		out = json_dumps(j, JSON_ENCODE_ANY);
		json_decref(j);
	}
	assert_non_null(out);
	return out;
}

/* A manifest holding one symlink (and its parent directories). */
static int
manifest_takes(const char *path, const char *target, char **errp)
{
	struct pkg_manifest	*m = NULL;
	char			*buf, *t = json_quote(target), *dirs;
	int			 rc;

	dirs = strchr(path, '/') == NULL ? "" : strncmp(path, "a/", 2) == 0 ?
	    "{\"path\":\"a\",\"type\":\"dir\",\"mode\":493},"
	    "{\"path\":\"a/b\",\"type\":\"dir\",\"mode\":493}," :
	    "{\"path\":\"bin\",\"type\":\"dir\",\"mode\":493},";
	assert_true(asprintf(&buf, "{\"format\":1,\"id\":\"p--1\",\"files\":["
	    "%s{\"path\":\"%s\",\"type\":\"symlink\",\"target\":%s}]}", dirs,
	    path, t) != -1);
	rc = pkg_manifest_parse(buf, strlen(buf), "m.json", &m, errp);
	pkg_manifest_free(m);
	free(buf);
	free(t);
	return rc;
}

static void
symlink_targets_follow_one_rule(void **state)
{
	static char	 big[MANIFEST_PATH_MAX + 8];
	const char	*target;
	char		*err = NULL;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		target = expand(links[i].target, big, sizeof(big));
		print_message("%s -> %.40s\n", links[i].path, target);
		rc = pkg_symlink_check(links[i].path, target, &err);
		assert_int_equal(rc, links[i].ok ? 0 : -1);
		if (!links[i].ok) {
			/* One line, naming the link. */
			assert_non_null(strstr(err, links[i].path));
			assert_null(strchr(err, '\n'));
		}
		free(err);
		err = NULL;
		assert_int_equal(manifest_takes(links[i].path, target, &err),
		    links[i].ok ? 0 : -1);
		free(err);
		err = NULL;
	}
}

/* NUL cannot be in a C string; in a manifest it is refused as such. */
static void
symlink_target_with_nul_is_refused(void **state)
{
	static const char	 json[] = "{\"format\":1,\"id\":\"p--1\","
	    "\"files\":[{\"path\":\"x\",\"type\":\"symlink\","
	    "\"target\":\"a\\u0000b\"}]}";
	struct pkg_manifest	*m = NULL;
	char			*err = NULL;

	assert_int_equal(pkg_manifest_parse(json, strlen(json), "m.json", &m,
	    &err), -1);
	assert_null(m);
	assert_non_null(strstr(err, "NUL"));
	free(err);
}

static void
paths_follow_one_rule(void **state)
{
	static char	 big[MANIFEST_PATH_MAX + 8];
	const char	*p;
	char		*err = NULL;
	size_t		 i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		p = expand(paths[i].path, big, sizeof(big));
		print_message("%.40s\n", p);
		assert_int_equal(pkg_path_check(p, &err), paths[i].ok ? 0 : -1);
		assert_true(err == NULL || strchr(err, '\n') == NULL);
		free(err);
		err = NULL;
	}
}

static void
names_ids_and_versions_follow_one_rule(void **state)
{
	static const char *good[] = { "mesos--1.2.0", "a--b",
	    "x@y_z+1.-q--1:2.3", "dcos-config--setup_0123abc",
	    "a.b_c+d@e--1:2" };
	static const char *bad[] = { "mesos", "a--b--c", "--1", "a--", ".a--1",
	    "-a--1", "a b--1", "a--1-2", "a--1/2", "", "a---b", "a--1\n",
	    "caf\xc3\xa9--1" };
	char	 big[PKG_ID_MAX + 2], *err = NULL;
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(*good); i++) {
		assert_int_equal(pkg_id_check(good[i], &err), 0);
		assert_true(pkg_id_valid(good[i]));
	}
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(pkg_id_check(bad[i], &err), -1);
		assert_non_null(err);
		assert_false(pkg_id_valid(bad[i]));
		free(err);
		err = NULL;
	}
	memset(big, 'a', sizeof(big));
	memcpy(big, "a--", 3);
	big[PKG_ID_MAX] = '\0';
	assert_int_equal(pkg_id_check(big, &err), 0);
	big[PKG_ID_MAX] = 'a';
	big[PKG_ID_MAX + 1] = '\0';
	assert_int_equal(pkg_id_check(big, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_name_check("dcos", NULL), 0);
	assert_int_equal(pkg_name_check("a--b", NULL), -1);
	assert_int_equal(pkg_name_check("-a", NULL), -1);
	assert_int_equal(pkg_version_check("1.0:2@x", NULL), 0);
	assert_int_equal(pkg_version_check("1-0", NULL), -1);
	assert_int_equal(pkg_version_check("", NULL), -1);
}

/*
 * A store's release files: one rule where index.json is read (a mirror
 * writes these names) and where artifactd serves releases/.
 */
static void
release_files_follow_one_rule(void **state)
{
	static const struct {
		const char	*name, *version, *path, *sig;
		int		 ok;
	} t[] = {
		{ "dcos", "1.0.0", "releases/dcos-1.0.0.tar",
		  "releases/dcos-1.0.0.tar.minisig", 1 },
		{ "dcos-ee", "2:1.0", "releases/dcos-ee-2:1.0.tar",
		  "releases/dcos-ee-2:1.0.tar.minisig", 1 },
		{ "dcos", "1.0.0", "releases/dcos-1.0.0.tar",
		  "releases/other.tar.minisig", 0 },
		{ "dcos", "1.0.0", "releases/dcos-1.0.0.tar",
		  "releases/dcos-1.0.0.tar", 0 },
		{ "dcos", "1.0.0", "releases/x/dcos-1.0.0.tar",
		  "releases/x/dcos-1.0.0.tar.minisig", 0 },
		{ "dcos", "1.0.0", "releases/../dcos-1.0.0.tar",
		  "releases/../dcos-1.0.0.tar.minisig", 0 },
		{ "dcos", "1.0.0", "releases/dcos-1.0.1.tar",
		  "releases/dcos-1.0.1.tar.minisig", 0 },
		{ "dcos", "1.0.0", "releasesX/dcos-1.0.0.tar",
		  "releasesX/dcos-1.0.0.tar.minisig", 0 },
		{ "dcos", "1.0.0", "blobs/sha256/ab.tar",
		  "blobs/sha256/ab.tar.minisig", 0 },
		{ ".hidden", "1", "releases/.hidden-1.tar",
		  "releases/.hidden-1.tar.minisig", 0 },
		{ "x/y", "1", "releases/x/y-1.tar", "releases/x/y-1.tar.minisig",
		  0 },
		{ "dcos", "1/../..", "releases/dcos-1/../...tar",
		  "releases/dcos-1/../...tar.minisig", 0 },
		{ "a--b", "1", "releases/a--b-1.tar",
		  "releases/a--b-1.tar.minisig", 0 },
	};
	struct store_index	*x = NULL;
	char			*idx, *err = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		print_message("%s %s\n", t[i].path, t[i].sig);
		assert_true(asprintf(&idx, "{\"format\":1,\"current\":\"" D1
		    "\",\"cluster_manifests\":[\"" D1 "\"],"
		    "\"install_script\":{\"path\":\"dcos_install.sh\","
		    "\"digest\":\"" D1 "\"},\"releases\":[{\"name\":\"%s\","
		    "\"version\":\"%s\",\"seq\":1,\"path\":\"%s\",\"digest\":"
		    "\"" D1 "\",\"signature\":\"%s\"}]}", t[i].name,
		    t[i].version, t[i].path, t[i].sig) != -1);
		assert_int_equal(store_index_parse(idx, strlen(idx), "i", &x,
		    &err), t[i].ok ? 0 : -1);
		store_index_free(x);
		free(idx);
		free(err);
		err = NULL;
	}
	/* What artifactd serves from releases/ (server/url.c). */
	assert_true(release_file_valid("dcos-ee-2:1.0.tar"));
	assert_true(release_file_valid("dcos-1.0.tar.minisig"));
	assert_false(release_file_valid("dcos.tar"));
	assert_false(release_file_valid("-1.tar"));
	assert_false(release_file_valid("dcos-.tar"));
	assert_false(release_file_valid("dcos-1.0.tar.gz"));
	assert_false(release_file_valid(".tar.minisig"));
	assert_false(release_file_valid("dcos-1.0.minisig"));
}

/*
 * The Windows rule (pkg_winpath_check): what Windows would open as
 * another file, a device or a stream, or could not create at all.
 */
static const struct {
	const char	*path;
	int		 ok;
} winpaths[] = {
	{ "bin/hello.ps1", 1 },
	{ "services/dcos-hello.json", 1 },
	{ "a b/c d.txt", 1 },
	{ "CONSOLE", 1 },		/* not CON */
	{ "bin/con1", 1 },
	{ "COM10", 1 },
	{ "lpt", 1 },
	{ "x.con", 1 },			/* the extension may be one */
	{ "nul_x", 1 },
	{ ".hidden", 1 },
	/* Separators, streams and drive letters. */
	{ "a:b", 0 },
	{ "C:/x", 0 },
	{ "file.txt:evil", 0 },
	{ "a\\b", 0 },
	{ "..\\x", 0 },
	/* Characters Windows cannot put in a name. */
	{ "a<b", 0 }, { "a>b", 0 }, { "a\"b", 0 }, { "a|b", 0 },
	{ "a?b", 0 }, { "a*b", 0 },
	/* Reserved device names, any case, any extension. */
	{ "CON", 0 }, { "con", 0 }, { "bin/Nul", 0 }, { "aux.txt", 0 },
	{ "PRN.tar.gz", 0 }, { "etc/COM1", 0 }, { "com9.log", 0 },
	{ "COM0", 0 }, { "Lpt1", 0 }, { "lpt9.x", 0 }, { "CONIN$", 0 },
	{ "conout$.txt", 0 }, { "AUX .txt", 0 }, { "nul/x", 0 },
	/* Windows drops a trailing dot or space. */
	{ "x.", 0 }, { "x ", 0 }, { "dir./x", 0 }, { "dir /x", 0 },
	/* Non-ASCII: NTFS folds its case by a table we do not have. */
	{ "caf\xc3\xa9", 0 },
	/* What the Linux rule refuses already. */
	{ "/abs", 0 }, { "a/../b", 0 }, { "a\nb", 0 }, { "", 0 },
};

static void
windows_paths_follow_one_rule(void **state)
{
	char	*err = NULL;
	size_t	 i;

	for (i = 0; i < sizeof(winpaths) / sizeof(winpaths[0]); i++) {
		print_message("%s\n", winpaths[i].path);
		assert_int_equal(pkg_winpath_check(winpaths[i].path, &err),
		    winpaths[i].ok ? 0 : -1);
		assert_true(err == NULL || strchr(err, '\n') == NULL);
		free(err);
		err = NULL;
	}
	/* A name over 255 bytes. */
	{
		char	 longname[300];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[256] = '\0';
		assert_int_equal(pkg_winpath_check(longname, NULL), -1);
		longname[255] = '\0';
		assert_int_equal(pkg_winpath_check(longname, NULL), 0);
	}
}

/* The manifest rule: types, every path, and case-folded collisions. */
static int
win_manifest(const char *files, char **errp)
{
	struct pkg_manifest	*m = NULL;
	char			*buf = NULL;
	int			 rc;

	assert_true(asprintf(&buf, "{\"format\":1,\"id\":\"p--1\",\"files\":"
	    "[%s]}", files) != -1);
	assert_int_equal(pkg_manifest_parse(buf, strlen(buf), "m.json", &m,
	    NULL), 0);
	rc = pkg_manifest_windows_check(m, errp);
	pkg_manifest_free(m);
	free(buf);
	return rc;
}

#define WF(p) "{\"path\":\"" p "\",\"type\":\"file\",\"mode\":420," \
	"\"size\":0,\"sha256\":\"" D1 "\"}"
#define WD(p) "{\"path\":\"" p "\",\"type\":\"dir\",\"mode\":493}"

static void
windows_manifests_follow_one_rule(void **state)
{
	char	*err = NULL;

	assert_int_equal(win_manifest(WD("bin") "," WF("bin/a") ","
	    WF("bin/b"), NULL), 0);
	/* Two names, one file on Windows. */
	assert_int_equal(win_manifest(WD("Bin") "," WF("Bin/a") ","
	    WD("bin") "," WF("bin/a"), &err), -1);
	assert_non_null(strstr(err, "differ only in case"));
	free(err);
	err = NULL;
	assert_int_equal(win_manifest(WF("README") "," WF("readme"), NULL),
	    -1);
	assert_int_equal(win_manifest(WF(".DCOS-MANIFEST.JSON"), NULL), -1);
	/* Links: files and directories only. */
	assert_int_equal(win_manifest(WF("a") ",{\"path\":\"b\",\"type\":"
	    "\"symlink\",\"target\":\"a\"}", &err), -1);
	assert_non_null(strstr(err, "is a symlink"));
	free(err);
	err = NULL;
	assert_int_equal(win_manifest(WF("a") ",{\"path\":\"b\",\"type\":"
	    "\"hardlink\",\"target\":\"a\"}", NULL), -1);
	/* A path by the Windows rule. */
	assert_int_equal(win_manifest(WF("nul.txt"), &err), -1);
	assert_non_null(strstr(err, "device name"));
	free(err);
}

static void
platforms_parse(void **state)
{
	enum pkg_platform	 pl = PLATFORM_WINDOWS;

	assert_int_equal(platform_parse("linux", &pl), 0);
	assert_int_equal(pl, PLATFORM_LINUX);
	assert_int_equal(platform_parse("windows", &pl), 0);
	assert_int_equal(pl, PLATFORM_WINDOWS);
	assert_int_equal(platform_parse("Windows", &pl), -1);
	assert_int_equal(platform_parse(NULL, &pl), -1);
	assert_string_equal(pkg_blob_suffix(PLATFORM_WINDOWS), ".zip");
	assert_string_equal(pkg_blob_suffix(PLATFORM_LINUX), ".tar.zst");
	assert_true(win_name_equal("Bin/A.ps1", "bin/a.PS1"));
	assert_false(win_name_equal("bin/a", "bin/a1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(symlink_targets_follow_one_rule),
		cmocka_unit_test(symlink_target_with_nul_is_refused),
		cmocka_unit_test(paths_follow_one_rule),
		cmocka_unit_test(names_ids_and_versions_follow_one_rule),
		cmocka_unit_test(release_files_follow_one_rule),
		cmocka_unit_test(windows_paths_follow_one_rule),
		cmocka_unit_test(windows_manifests_follow_one_rule),
		cmocka_unit_test(platforms_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
