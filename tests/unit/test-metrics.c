/* SPDX-License-Identifier: Apache-2.0 */
/*
 * dcos-artifactd's /metrics: the /proc/self/stat parser (a command name
 * may hold spaces and parentheses; a malformed line is refused, never
 * half read) and the request duration histogram (bucket bounds are
 * inclusive, buckets cumulative, +Inf equals the count).
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

#include "metrics.h"

/* proc(5)'s fields 3 to 24, with utime 250, stime 50, starttime 1000,
   vsize 8192000 and rss 300 pages; ppid -1 and a negative priority. */
#define STAT_TAIL	"S -1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 " \
	"-20 0 4 0 1000 8192000 300 18446744073709551615 1 1 0 0\n"

static void
stat_parsed(void **state)
{
	struct metrics_proc	 p;

	memset(&p, 0, sizeof(p));
	assert_int_equal(metrics_parse_stat("42 (dcos-artifactd) " STAT_TAIL,
	    1700000000, 100, 4096, &p), 0);
	assert_true(p.cpu_seconds > 2.999 && p.cpu_seconds < 3.001);
	assert_true(p.start_time > 1700000009.999 &&
	    p.start_time < 1700000010.001);
	assert_int_equal(p.vsize_bytes, 8192000);
	assert_int_equal(p.rss_bytes, 300 * 4096);
}

static void
stat_name_with_parentheses(void **state)
{
	struct metrics_proc	 p;

	/* Only the last ')' ends the name. */
	assert_int_equal(metrics_parse_stat("42 (a) S 1 (b c) " STAT_TAIL,
	    0, 100, 4096, &p), 0);
	assert_int_equal(p.rss_bytes, 300 * 4096);
}

static void
stat_malformed_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"42 dcos-artifactd S 1",
		"42 (x)S -1 1 1 0 -1 4194560",
		"42 (x) 7 -1 1",
		"42 (x) S -1 1 1 0 -1 4194560 100 0 0 0 250 50",
		"42 (x) S -1 1 1 0 -1 4194560 100 0 0 0 2x0 50 0 0 -20 0 "
		    "4 0 1000 8192000 300",
		"42 (x) S -1 1 1 0 -1 4194560 100 0 0 0 250 50 0 0 -20 0 "
		    "4 0 1000 99999999999999999999999 300",
	};
	struct metrics_proc	 p;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(metrics_parse_stat(bad[i], 0, 100, 4096, &p),
		    -1);
	assert_int_equal(metrics_parse_stat("1 (x) " STAT_TAIL, 0, 0, 4096,
	    &p), -1);
}

/* The value of the sample line that starts with name, or -1. */
static long long
sample(const char *text, const char *name)
{
	const char	*q = text;
	size_t		 n = strlen(name);

	while ((q = strstr(q, name)) != NULL) {
		if ((q == text || q[-1] == '\n') && q[n] == ' ')
			return strtoll(q + n + 1, NULL, 10);
		q += n;
	}
	return -1;
}

#define DUR	"dcos_artifactd_request_duration_seconds"

static void
histogram_buckets(void **state)
{
	struct metrics	*m;
	char		*text;
	size_t		 len;

	/* Large (per-thread shards): not on the stack. */
	assert_non_null(m = malloc(sizeof(*m)));
	metrics_init(m);
	metrics_observe(m, ROUTE_BLOB, 100);		/* le 0.0001 exactly */
	metrics_observe(m, ROUTE_BLOB, 101);		/* le 0.0005 */
	metrics_observe(m, ROUTE_BLOB, 2000000);	/* le 5 */
	metrics_observe(m, ROUTE_BLOB, 400000000);	/* +Inf only */
	metrics_observe(m, ROUTE_INDEX, -5);		/* a clock step: 0 */
	assert_non_null(text = metrics_render(m, &len));
	assert_int_equal(strlen(text), len);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"0.0001\"}"), 1);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"0.0005\"}"), 2);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"1\"}"), 2);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"5\"}"), 3);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"300\"}"), 3);
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"blob\",le=\"+Inf\"}"), 4);
	assert_int_equal(sample(text, DUR "_count{route=\"blob\"}"), 4);
	assert_non_null(strstr(text,
	    DUR "_sum{route=\"blob\"} 402.000201\n"));
	assert_int_equal(sample(text,
	    DUR "_bucket{route=\"index\",le=\"0.0001\"}"), 1);
	assert_non_null(strstr(text, DUR "_sum{route=\"index\"} 0.000000\n"));
	assert_int_equal(sample(text, DUR "_count{route=\"other\"}"), 0);
	assert_non_null(strstr(text, "# TYPE " DUR " histogram\n"));
	assert_non_null(strstr(text, "dcos_artifactd_build_info{version=\""
	    PACKAGE_VERSION "\"} 1\n"));
	/* This process, read from /proc. */
	assert_true(sample(text, "process_open_fds") > 2);
	assert_true(sample(text, "process_resident_memory_bytes") > 0);
	free(text);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stat_parsed),
		cmocka_unit_test(stat_name_with_parentheses),
		cmocka_unit_test(stat_malformed_refused),
		cmocka_unit_test(histogram_buckets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
