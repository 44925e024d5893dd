/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pkginfo.json and reproducible blobs (the id, path and link rules are
 * lib's: test-pathrules).
 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "pkgblob.h"

static void
pkginfo_fields_are_checked(void **state)
{
	static const char *bad[] = { "[]", "{\"requires\": 1}",
	    "{\"requires\": [\"a--b\"]}", "{\"environment\": {\"A-B\": \"1\"}}",
	    "{\"sysctl\": {\"s\": {\"k\": 1}}}", "{\"state_directory\": 1}",
	    "{\"username\": \"root\"}", "{\"group\": \"dcos_x\"}",
	    "{\"other\": 1}", "{" };
	const char	*ok = "{\"requires\": [\"a\"], \"environment\": "
	    "{\"A_1\": \"x\"}, \"sysctl\": {\"s\": {\"vm.x\": \"1\"}}, "
	    "\"state_directory\": false, \"username\": \"dcos_a\", "
	    "\"group\": \"dcos_a\"}";
	json_t		*j;
	char		*err = NULL;
	size_t		 i;

	j = pkginfo_check(ok, strlen(ok), "pkginfo.json", &err);
	assert_non_null(j);
	json_decref(j);
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		j = pkginfo_check(bad[i], strlen(bad[i]), "pkginfo.json", &err);
		assert_null(j);
		assert_non_null(strstr(err, "pkginfo.json"));
		free(err);
		err = NULL;
	}
}

/* Builds the same two-file package, added in the given order. */
static void
build(int reverse, struct pkg_info *info, FILE **fpp)
{
	struct pkg_tree	*t;
	char		*err = NULL;
	FILE		*fp;

	t = pkg_tree_new("p--1", &err);
	assert_non_null(t);
	if (reverse)
		assert_int_equal(pkg_tree_add_data(t, "etc/b", "b\n", 2, 0600,
		    &err), 0);
	assert_int_equal(pkg_tree_add_data(t, "pkginfo.json", "{}\n", 3, 0644,
	    &err), 0);
	assert_int_equal(pkg_tree_add_data(t, "bin/a", "a\n", 2, 0755, &err),
	    0);
	if (!reverse)
		assert_int_equal(pkg_tree_add_data(t, "etc/b", "b\n", 2, 0600,
		    &err), 0);
	fp = tmpfile();
	assert_non_null(fp);
	assert_int_equal(pkg_tree_write(t, fileno(fp), info, &err), 0);
	pkg_tree_free(t);
	*fpp = fp;
}

static void
blobs_do_not_depend_on_insertion_order(void **state)
{
	struct pkg_info	 a, b;
	FILE		*fa, *fb;

	build(0, &a, &fa);
	build(1, &b, &fb);
	assert_true(digest_equal(&a.digest, &b.digest));
	assert_true(digest_equal(&a.manifest, &b.manifest));
	assert_int_equal(a.size, b.size);
	/* pkginfo.json, bin, bin/a, etc, etc/b */
	assert_int_equal(a.files, 5);
	assert_int_equal(a.installed_bytes, 7);
	fclose(fa);
	fclose(fb);
}

static void
added_paths_are_checked(void **state)
{
	struct pkg_tree	*t;
	char		*err = NULL;

	t = pkg_tree_new("p--1", &err);
	assert_non_null(t);
	assert_int_equal(pkg_tree_add_data(t, "../x", "", 0, 0644, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, "/x", "", 0, 0644, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, "a//b", "", 0, 0644, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, PKG_MANIFEST, "", 0, 0644, &err),
	    -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, "a/b", "", 0, 0644, &err), 0);
	assert_int_equal(pkg_tree_add_data(t, "a/b", "", 0, 0644, &err), -1);
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, "a/b/c", "", 0, 0644, &err), -1);
	free(err);
	err = NULL;
	/* A template's permissions follow the package mode rule (#18 item 6). */
	assert_int_equal(pkg_tree_add_data(t, "etc/w", "", 0, 0664, &err), -1);
	assert_string_equal(err, "'etc/w': mode 0664 is writable by group or "
	    "others; package files and directories may be writable by their "
	    "owner only");
	free(err);
	err = NULL;
	assert_int_equal(pkg_tree_add_data(t, "etc/caf\xc3\xa9", "", 0, 0644,
	    &err), 0);
	assert_int_equal(pkg_tree_add_data(t, "etc/a\nb", "", 0, 0644, &err),
	    -1);
	assert_null(strchr(err, '\n'));
	free(err);
	pkg_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pkginfo_fields_are_checked),
		cmocka_unit_test(blobs_do_not_depend_on_insertion_order),
		cmocka_unit_test(added_paths_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
