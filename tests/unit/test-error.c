/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "error.h"
#include "log.h"

static void
set_replaces_previous_message(void **state)
{
	char	*err = NULL;

	assert_int_equal(err_set(&err, "first %d", 1), -1);
	assert_string_equal(err, "first 1");
	err_set(&err, "second");
	assert_string_equal(err, "second");
	free(err);
}

static void
sys_appends_strerror(void **state)
{
	char	*err = NULL;

	errno = ENOENT;
	assert_int_equal(err_sys(&err, "open %s", "x"), -1);
	assert_string_equal(err, "open x: No such file or directory");
	free(err);
}

static void
wrap_prefixes_context(void **state)
{
	char	*err = NULL;

	err_set(&err, "bad key");
	assert_int_equal(err_wrap(&err, "%s", "file.pub"), -1);
	assert_string_equal(err, "file.pub: bad key");
	free(err);
}

static void
null_errp_is_allowed(void **state)
{
	assert_int_equal(err_set(NULL, "ignored"), -1);
	assert_int_equal(err_wrap(NULL, "ignored"), -1);
}

/* The one rule for sizes shown to people (#16 item 4). */
static void
human_sizes_use_iec_units(void **state)
{
	char	 b[HUMAN_SIZE_LEN];

	(void)state;
	assert_string_equal(human_size(0, b), "0 B");
	assert_string_equal(human_size(1023, b), "1023 B");
	assert_string_equal(human_size(1024, b), "1.0 KiB");
	assert_string_equal(human_size(1048576, b), "1.0 MiB");
	assert_string_equal(human_size(1048575, b), "1.0 MiB");
	assert_string_equal(human_size(5ULL << 29, b), "2.5 GiB");
	assert_string_equal(human_size(~0ULL, b), "16.0 EiB");
}

static void
fmt_formats_into_a_new_string(void **state)
{
	char	*s;

	(void)state;
	s = str_fmt("%s: %d%%", "host", 42);
	assert_string_equal(s, "host: 42%");
	free(s);
	s = str_fmt("%s", "");
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_replaces_previous_message),
		cmocka_unit_test(sys_appends_strerror),
		cmocka_unit_test(wrap_prefixes_context),
		cmocka_unit_test(null_errp_is_allowed),
		cmocka_unit_test(human_sizes_use_iec_units),
		cmocka_unit_test(fmt_formats_into_a_new_string),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
