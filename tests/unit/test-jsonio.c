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

#include "atomicio.h"
#include "jsonio.h"

static void
canonical_form_sorts_keys_compactly(void **state)
{
	json_t	*j = json_pack("{s:i, s:[s, b], s:{}}", "b", 1, "a", "x", 1,
	    "c");
	char	*s = jsonio_canonical(j);

	assert_string_equal(s, "{\"a\":[\"x\",true],\"b\":1,\"c\":{}}");
	free(s);
	json_decref(j);
}

static void
parse_errors_name_line_and_column(void **state)
{
	char	*err = NULL;

	assert_null(jsonio_parse("{\n \"a\": }", 10, "m.json", &err));
	assert_non_null(strstr(err, "m.json:2:"));
	assert_null(jsonio_parse("{\"a\":1,\"a\":2}", 13, "d.json", &err));
	assert_non_null(strstr(err, "duplicate"));
	free(err);
}

static void
typed_access_reports_the_key(void **state)
{
	json_t		*j = json_pack("{s:s, s:i}", "name", "x", "seq", 7);
	json_int_t	 n = 0;
	char		*err = NULL;

	assert_string_equal(jsonio_str(j, "name", &err), "x");
	assert_int_equal(jsonio_int(j, "seq", &n, &err), 0);
	assert_int_equal(n, 7);
	assert_null(jsonio_str(j, "seq", &err));
	assert_string_equal(err, "\"seq\" must be a string");
	assert_int_equal(jsonio_int(j, "nope", &n, &err), -1);
	assert_string_equal(err, "missing key \"nope\"");
	assert_null(jsonio_obj(j, "name", &err));
	assert_null(jsonio_arr(j, "name", &err));
	free(err);
	json_decref(j);
}

static void
write_then_load_round_trips(void **state)
{
	char	 dir[] = "/tmp/test-jsonio.XXXXXX";
	char	*p, *err = NULL, *text = NULL;
	json_t	*j = json_pack("{s:i}", "format", 1), *back;

	assert_non_null(mkdtemp(dir));
	p = path_join(dir, "x.json");
	assert_int_equal(jsonio_write(p, j, 0644, &err), 0);
	assert_int_equal(read_file(p, 1000, &text, NULL, &err), 0);
	assert_string_equal(text, "{\n  \"format\": 1\n}\n");
	back = jsonio_load(p, 1000, &err);
	assert_true(json_equal(j, back));
	assert_null(jsonio_load(p, 3, &err));
	unlink(p);
	rmdir(dir);
	free(err);
	free(text);
	free(p);
	json_decref(j);
	json_decref(back);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(canonical_form_sorts_keys_compactly),
		cmocka_unit_test(parse_errors_name_line_and_column),
		cmocka_unit_test(typed_access_reports_the_key),
		cmocka_unit_test(write_then_load_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
