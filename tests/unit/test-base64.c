/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base64.h"

static void
encodes_rfc4648_vectors(void **state)
{
	static const struct { const char *in, *out; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	char	 out[16];
	size_t	 i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		base64_encode((const uint8_t *)v[i].in, strlen(v[i].in), out);
		assert_string_equal(out, v[i].out);
	}
}

static void
decodes_and_reports_length(void **state)
{
	uint8_t	 out[8];

	assert_int_equal(base64_decode("Zm9vYmE=", 8, out, sizeof(out)), 5);
	assert_memory_equal(out, "fooba", 5);
	assert_int_equal(base64_decode("Zg==", 4, out, sizeof(out)), 1);
}

static void
rejects_malformed_input(void **state)
{
	static const char *bad[] = {
		"", "Zg=", "Zg", "Z===", "Zm9v!A==", "Zm 9", "Zm9v\n",
		"=Zm9", "Zm=v",
		/* Non-zero bits under the padding (fuzz-base64 found these). */
		"Zh==", "Zm9=", "33==",
	};
	uint8_t	 out[64];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out)), -1);
}

/* Non-zero padding bits would make signature text malleable. */
static void
rejects_non_canonical_padding_bits(void **state)
{
	static const char *bad[] = { "QR==", "QQ/=", "Zh==", "Zm9=", "Zm/=" };
	uint8_t	 out[8];
	size_t	 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(base64_decode(bad[i], strlen(bad[i]), out,
		    sizeof(out)), -1);
	assert_int_equal(base64_decode("QQ==", 4, out, sizeof(out)), 1);
	assert_int_equal(out[0], 'A');
	assert_int_equal(base64_decode("QUE=", 4, out, sizeof(out)), 2);
}

static void
rejects_output_that_does_not_fit(void **state)
{
	uint8_t	 out[2];

	assert_int_equal(base64_decode("Zm9v", 4, out, sizeof(out)), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encodes_rfc4648_vectors),
		cmocka_unit_test(decodes_and_reports_length),
		cmocka_unit_test(rejects_malformed_input),
		cmocka_unit_test(rejects_non_canonical_padding_bits),
		cmocka_unit_test(rejects_output_that_does_not_fit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
