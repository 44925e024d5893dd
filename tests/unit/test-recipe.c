/* SPDX-License-Identifier: Apache-2.0 */
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
#include "digest.h"
#include "recipe.h"
#include "store.h"

#define HEX_A	"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/* A store in a scratch directory holding the blob "0123456789". */
struct fix {
	char		 dir[64];
	struct digest	 blob;
	const char	*bytes;
};

static int
setup(void **state)
{
	struct fix	*f = calloc(1, sizeof(*f));
	char		*p, sub[128];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/test-recipe.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(sub, sizeof(sub), "%s/blobs", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/blobs/sha256", f->dir);
	assert_int_equal(mkdir(sub, 0755), 0);
	f->bytes = "0123456789";
	digest_buf(f->bytes, 10, &f->blob);
	assert_non_null(p = store_blob_path(f->dir, &f->blob));
	assert_int_equal(atomic_write_file(p, f->bytes, 10, 0644, NULL), 0);
	free(p);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fix	*f = *state;
	char		 cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* "hd" + blob + "tail": 16 bytes. */
static struct recipe *
sample(struct fix *f)
{
	struct recipe	*r = recipe_new("n", "1");
	char		 all[17];

	assert_non_null(r);
	assert_int_equal(recipe_add_data(r, "h", 1, NULL), 0);
	assert_int_equal(recipe_add_data(r, "d", 1, NULL), 0);
	assert_int_equal(recipe_add_blob(r, &f->blob, 10, NULL), 0);
	assert_int_equal(recipe_add_data(r, "tail", 4, NULL), 0);
	snprintf(all, sizeof(all), "hd%stail", f->bytes);
	digest_buf(all, 16, &r->digest);
	return r;
}

static void
writes_merged_parts_and_parses_back(void **state)
{
	struct fix	*f = *state;
	struct recipe	*r = sample(f), *back;
	char		*text, *again, *err = NULL;
	size_t		 len, len2;

	assert_int_equal(r->nparts, 3);
	assert_int_equal(r->size, 16);
	assert_non_null(text = recipe_text(r, &len, NULL));
	assert_non_null(strstr(text, "\"data\":\"aGQ=\""));
	assert_int_equal(recipe_parse(text, len, "r", &back, &err), 0);
	assert_int_equal(back->nparts, 3);
	assert_int_equal(back->parts[1].off, 2);
	assert_true(back->parts[1].blob);
	assert_non_null(again = recipe_text(back, &len2, NULL));
	assert_int_equal(len, len2);
	assert_memory_equal(text, again, len);
	free(again);
	free(text);
	recipe_free(back);
	recipe_free(r);
}

/* Inline bytes longer than lib/base64's block: headers of many members. */
static void
round_trips_long_data(void **state)
{
	struct recipe	*r = recipe_new("n", "1"), *back;
	uint8_t		 big[10001];
	char		*text, *err = NULL;
	size_t		 i, len;

	assert_non_null(r);
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(recipe_add_data(r, big, sizeof(big), NULL), 0);
	digest_buf(big, sizeof(big), &r->digest);
	assert_non_null(text = recipe_text(r, &len, NULL));
	assert_int_equal(recipe_parse(text, len, "r", &back, &err), 0);
	assert_int_equal(back->nparts, 1);
	assert_int_equal(back->size, sizeof(big));
	assert_memory_equal(back->parts[0].data, big, sizeof(big));
	recipe_free(back);
	/* Padding inside the text, where a block ends, is not canonical. */
	text[strstr(text, "\"data\":\"") - text + 8 + 4095] = '=';
	assert_int_equal(recipe_parse(text, len, "r", &back, &err), -1);
	assert_non_null(strstr(err, "base64"));
	free(err);
	free(text);
	recipe_free(r);
}

static void
reads_ranges_across_parts(void **state)
{
	struct fix		*f = *state;
	struct recipe		*r = sample(f);
	struct recipe_resolver	 res = { recipe_store_open, f->dir };
	struct recipe_reader	*rd = recipe_reader_new(r, &res);
	char			 buf[32];
	uint8_t			 ph[64];

	assert_non_null(rd);
	assert_int_equal(recipe_read(rd, 1, buf, 5, NULL), 5);
	assert_memory_equal(buf, "d0123", 5);
	assert_int_equal(recipe_read(rd, 10, buf, 32, NULL), 6);
	assert_memory_equal(buf, "89tail", 6);
	assert_int_equal(recipe_read(rd, 16, buf, 32, NULL), 0);
	assert_int_equal(recipe_read(rd, 0, buf, 16, NULL), 16);
	assert_memory_equal(buf, "hd0123456789tail", 16);
	assert_int_equal(recipe_digest(r, &res, ph, NULL), 0);
	recipe_reader_free(rd);
	recipe_free(r);
}

static void
digest_names_a_wrong_or_missing_blob(void **state)
{
	struct fix		*f = *state;
	struct recipe		*r = sample(f);
	struct recipe_resolver	 res = { recipe_store_open, f->dir };
	char			*err = NULL;

	r->parts[2].data[0] = 'T';
	assert_int_equal(recipe_digest(r, &res, NULL, &err), -1);
	assert_non_null(strstr(err, "damaged"));
	free(err);
	err = NULL;
	r->parts[2].data[0] = 't';
	digest_buf("x", 1, &r->parts[1].d);
	assert_int_equal(recipe_digest(r, &res, NULL, &err), -1);
	assert_non_null(strstr(err, "is missing"));
	free(err);
	recipe_free(r);
}

static void
rejects_hostile_recipes(void **state)
{
#define HEAD	"{\"format\":1,\"kind\":\"release-recipe\",\"name\":\"n\"," \
		"\"version\":\"1\",\"digest\":\"" HEX_A "\","
	static const struct { const char *text, *why; } bad[] = {
		{ HEAD "\"size\":3,\"parts\":[{\"data\":\"Zm9v!\"}]}", "base64" },
		{ HEAD "\"size\":3,\"parts\":[{\"data\":\"Zh==\"}]}", "base64" },
		{ HEAD "\"size\":4,\"parts\":[{\"data\":\"Zm9v\"}]}", "add up" },
		{ HEAD "\"size\":6,\"parts\":[{\"data\":\"Zm9v\"},"
		    "{\"data\":\"Zm9v\"}]}", "in a row" },
		{ HEAD "\"size\":1,\"parts\":[{\"blob\":\"" HEX_A "\","
		    "\"size\":0}]}", "not positive" },
		{ HEAD "\"size\":1,\"parts\":[{\"blob\":\"sha256:AA\","
		    "\"size\":1}]}", "lowercase" },
		{ HEAD "\"size\":1,\"parts\":[{\"blob\":\"" HEX_A "\","
		    "\"size\":4611686018427387904},{\"blob\":\"" HEX_A "\","
		    "\"size\":4611686018427387904}]}", "more than" },
		{ HEAD "\"size\":1,\"parts\":[{\"blob\":\"" HEX_A "\","
		    "\"size\":1,\"data\":\"Zm9v\"}]}", "only" },
		{ HEAD "\"size\":1,\"parts\":[{\"blob\":\"" HEX_A "\","
		    "\"size\":1,\"x\":1}]}", "unknown key" },
		{ HEAD "\"size\":1,\"parts\":[7]}", "not an object" },
		{ HEAD "\"size\":1,\"parts\":[],\"extra\":1}", "unknown key" },
		{ "{\"format\":2,\"kind\":\"release-recipe\",\"name\":\"n\","
		    "\"version\":\"1\",\"digest\":\"" HEX_A "\",\"size\":0,"
		    "\"parts\":[]}", "format 1" },
		{ "[]", "not a JSON object" },
	};
	struct recipe	*r;
	char		*err;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err = NULL;
		r = NULL;
		if (recipe_parse(bad[i].text, strlen(bad[i].text), "R", &r,
		    &err) != -1 || err == NULL ||
		    strstr(err, bad[i].why) == NULL)
			fail_msg("case %zu: %s", i, err ? err : "accepted");
		assert_null(r);
		free(err);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    writes_merged_parts_and_parses_back, setup, teardown),
		cmocka_unit_test(round_trips_long_data),
		cmocka_unit_test_setup_teardown(reads_ranges_across_parts,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    digest_names_a_wrong_or_missing_blob, setup, teardown),
		cmocka_unit_test(rejects_hostile_recipes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
