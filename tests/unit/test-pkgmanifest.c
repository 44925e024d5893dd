/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host's package-manifest rules (bootstrap/extract.c) on top of
 * lib/manifest: what a package may declare before anything is extracted.
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

#include "bootstrap.h"

#define FILE_SHA \
	"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Parses {"format":1,"id":"p--1","files":[ENTRIES]}; returns rc, *errp. */
static int
parse(const char *entries, char **errp)
{
	struct pkgmanifest	*m = NULL;
	char			*doc;
	int			 rc;

	assert_true(asprintf(&doc, "{\"format\":1,\"id\":\"p--1\","
	    "\"files\":[%s]}", entries) > 0);
	*errp = NULL;
	rc = pkgmanifest_parse(doc, strlen(doc), "p--1", &m, errp);
	if (rc == 0) {
		assert_non_null(m);
		assert_string_equal(m->id, "p--1");
	}
	pkgmanifest_free(m);
	free(doc);
	return rc;
}

#define DIR(p)		"{\"path\":\"" p "\",\"type\":\"dir\",\"mode\":493}"
#define FILE(p)		"{\"path\":\"" p "\",\"type\":\"file\",\"mode\":420," \
			"\"size\":0,\"sha256\":\"" FILE_SHA "\"}"
#define LINK(p, t)	"{\"path\":\"" p "\",\"type\":\"symlink\"," \
			"\"target\":\"" t "\"}"
#define HARD(p, t)	"{\"path\":\"" p "\",\"type\":\"hardlink\"," \
			"\"target\":\"" t "\"}"

static void
accepts_a_well_formed_package(void **state)
{
	char	*err;

	assert_int_equal(parse(DIR("bin") "," FILE("bin/a") "," HARD("bin/b",
	    "bin/a") "," DIR("lib") "," LINK("lib/up", "..") "," LINK("lib/x",
	    "../bin/a") "," LINK("lib/y", "x"), &err), 0);
	assert_null(err);
}

static void
refuses_a_symlink_chain_that_climbs_out(void **state)
{
	char	*err;

	/* lexically inside, but bin/sub/d -> .. makes it leave the root */
	assert_int_equal(parse(DIR("bin") "," DIR("bin/sub") "," LINK(
	    "bin/sub/d", "..") "," LINK("bin/x", "sub/d/../../.."), &err), -1);
	assert_non_null(strstr(err, "symlink 'bin/x' -> 'sub/d/../../..' "
	    "leaves the package"));
	free(err);
}

static void
refuses_symlinks_out_of_the_root(void **state)
{
	char	*err;

	assert_int_equal(parse(DIR("bin") "," LINK("bin/x", "../.."), &err),
	    -1);
	free(err);
	assert_int_equal(parse(DIR("bin") "," LINK("bin/x", "/etc"), &err),
	    -1);
	free(err);
}

static void
refuses_a_parent_that_is_not_a_listed_directory(void **state)
{
	char	*err;

	assert_int_equal(parse(DIR("bin") "," LINK("bin/l", "..") ","
	    FILE("bin/l/f"), &err), -1);
	assert_non_null(strstr(err, "bin/l/f: its parent bin/l is not a "
	    "directory"));
	free(err);
	assert_int_equal(parse(FILE("nodir/f"), &err), -1);
	free(err);
}

static void
refuses_a_hardlink_to_a_later_file(void **state)
{
	char	*err;

	assert_int_equal(parse(DIR("bin") "," HARD("bin/a", "bin/b") ","
	    FILE("bin/b"), &err), -1);
	assert_non_null(strstr(err, "hardlink 'bin/a' must point at a regular "
	    "file earlier in the package"));
	free(err);
}

static void
refuses_another_package_id(void **state)
{
	struct pkgmanifest	*m = NULL;
	const char		*doc = "{\"format\":1,\"id\":\"q--1\","
				    "\"files\":[]}";
	char			*err = NULL;

	assert_int_equal(pkgmanifest_parse(doc, strlen(doc), "p--1", &m,
	    &err), -1);
	assert_null(m);
	assert_non_null(strstr(err, "describes package q--1, not p--1"));
	free(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_a_well_formed_package),
		cmocka_unit_test(refuses_a_symlink_chain_that_climbs_out),
		cmocka_unit_test(refuses_symlinks_out_of_the_root),
		cmocka_unit_test(refuses_a_parent_that_is_not_a_listed_directory),
		cmocka_unit_test(refuses_a_hardlink_to_a_later_file),
		cmocka_unit_test(refuses_another_package_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
