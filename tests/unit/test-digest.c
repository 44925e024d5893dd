/* SPDX-License-Identifier: Apache-2.0 */
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

#include "digest.h"

#define ABC_HEX	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
#define EMPTY_HEX "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void
buffer_digest_matches_fips_vector(void **state)
{
	struct digest	 d;
	char		 s[DIGEST_STRSZ];

	digest_buf("abc", 3, &d);
	digest_format(&d, s);
	assert_string_equal(s, "sha256:" ABC_HEX);
	digest_buf("", 0, &d);
	digest_hex(&d, s);
	assert_string_equal(s, EMPTY_HEX);
}

static void
streaming_equals_one_shot(void **state)
{
	struct sha256	*h = sha256_new();
	struct digest	 a, b;

	assert_non_null(h);
	sha256_update(h, "a", 1);
	sha256_update(h, "", 0);
	sha256_update(h, "bc", 2);
	sha256_final(h, &a);
	digest_buf("abc", 3, &b);
	assert_true(digest_equal(&a, &b));
	sha256_reset(h);
	sha256_update(h, "abc", 3);
	sha256_final(h, &a);
	assert_true(digest_equal(&a, &b));
	sha256_free(h);
	sha256_free(NULL);
}

static void
file_digest_counts_bytes(void **state)
{
	char		 path[] = "/tmp/test-digest.XXXXXX";
	struct digest	 d;
	uint64_t	 size = 0;
	char		 hex[DIGEST_HEXLEN + 1], *err = NULL;
	int		 fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	close(fd);
	assert_int_equal(digest_file(path, &d, &size, &err), 0);
	digest_hex(&d, hex);
	assert_string_equal(hex, ABC_HEX);
	assert_int_equal(size, 3);
	unlink(path);
	assert_int_equal(digest_file(path, &d, &size, &err), -1);
	assert_non_null(strstr(err, "No such file"));
	free(err);
}

static void
parse_round_trips(void **state)
{
	struct digest	 d;
	char		 s[DIGEST_STRSZ];

	assert_int_equal(digest_parse("sha256:" ABC_HEX, &d), 0);
	digest_format(&d, s);
	assert_string_equal(s, "sha256:" ABC_HEX);
	assert_int_equal(digest_parse_hex(ABC_HEX, &d), 0);
}

static void
parse_rejects_every_other_form(void **state)
{
	static const char *bad[] = {
		ABC_HEX,					/* no prefix */
		"sha512:" ABC_HEX,
		"SHA256:" ABC_HEX,
		"sha256:BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
		"sha256:" ABC_HEX "0",				/* long */
		"sha256:ba7816bf",				/* short */
		"sha256:g a7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015",
		"sha256:",
		"",
	};
	struct digest	 d;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(digest_parse(bad[i], &d), -1);
	assert_int_equal(digest_parse(NULL, &d), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buffer_digest_matches_fips_vector),
		cmocka_unit_test(streaming_equals_one_shot),
		cmocka_unit_test(file_digest_counts_bytes),
		cmocka_unit_test(parse_round_trips),
		cmocka_unit_test(parse_rejects_every_other_form),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
