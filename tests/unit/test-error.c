#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "error.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(set_replaces_previous_message),
		cmocka_unit_test(sys_appends_strerror),
		cmocka_unit_test(wrap_prefixes_context),
		cmocka_unit_test(null_errp_is_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
