/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Table tests for the pure parts of dcos-artifactd serve: the URL
 * sanitiser (every path a store has is accepted, every hostile one is
 * refused before any file is touched) and the Range / ETag parsers.
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

#include "http-range.h"
#include "url.h"

#define HEX	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static const struct {
	const char	*raw;
	enum url_kind	 kind;
	const char	*rel;	/* expected relative path, or NULL */
} url_cases[] = {
	/* Store paths. */
	{ "/index.json", URL_INDEX, "index.json" },
	{ "/dcos_install.sh", URL_SCRIPT, "dcos_install.sh" },
	{ "/dcos_install.sh.minisig", URL_SCRIPT_SIG,
	  "dcos_install.sh.minisig" },
	{ "/dcos_install.ps1", URL_SCRIPT_PS1, "dcos_install.ps1" },
	{ "/dcos_install.ps1.minisig", URL_SCRIPT_PS1_SIG,
	  "dcos_install.ps1.minisig" },
	{ "/blobs/sha256/" HEX, URL_BLOB, "blobs/sha256/" HEX },
	{ "/releases/dcos-1.0.0.tar", URL_RELEASE, "releases/dcos-1.0.0.tar" },
	{ "/releases/dcos-1.0.0.tar.minisig", URL_RELEASE,
	  "releases/dcos-1.0.0.tar.minisig" },
	/* Every release name and version genconf makes (lib/manifest). */
	{ "/releases/dcos-ee-2:1.0.tar", URL_RELEASE,
	  "releases/dcos-ee-2:1.0.tar" },
	{ "/healthz", URL_HEALTHZ, NULL },
	{ "/metrics", URL_METRICS, NULL },
	/* Absolute-form (RFC 9112 3.2.2): the path counts. */
	{ "http://127.0.0.1/index.json", URL_INDEX, "index.json" },
	{ "HTTPS://mirror.example:8443/blobs/sha256/" HEX, URL_BLOB,
	  "blobs/sha256/" HEX },
	{ "http://[::1]:8080/releases/dcos-1.0.0.tar", URL_RELEASE,
	  "releases/dcos-1.0.0.tar" },
	{ "http://h", URL_NOTFOUND, NULL },
	{ "http://h/../etc/passwd", URL_BAD, NULL },
	{ "http://h/%2e%2e/index.json", URL_BAD, NULL },
	{ "http:///index.json", URL_BAD, NULL },
	{ "http://", URL_BAD, NULL },
	{ "ftp://h/index.json", URL_BAD, NULL },
	{ "http:/index.json", URL_BAD, NULL },
	/* A plain escape of an ordinary character is the same path. */
	{ "/index%2ejson", URL_INDEX, "index.json" },
	/* Not store paths: 404. */
	{ "/", URL_NOTFOUND, NULL },
	{ "/blobs/", URL_NOTFOUND, NULL },
	{ "/blobs/sha256/", URL_NOTFOUND, NULL },
	{ "/blobs/sha256", URL_NOTFOUND, NULL },
	{ "/blobs/sha256/" HEX "/", URL_NOTFOUND, NULL },
	{ "/blobs/sha256/" HEX "0", URL_NOTFOUND, NULL },
	{ "/blobs/sha256/BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD",
	  URL_NOTFOUND, NULL },
	{ "/blobs/sha512/" HEX, URL_NOTFOUND, NULL },
	{ "//index.json", URL_NOTFOUND, NULL },
	{ "/index.json/", URL_NOTFOUND, NULL },
	{ "/releases/", URL_NOTFOUND, NULL },
	{ "/releases/.hidden.tar", URL_NOTFOUND, NULL },
	{ "/releases/dcos.tar.gz", URL_NOTFOUND, NULL },
	{ "/releases/a/b.tar", URL_NOTFOUND, NULL },
	{ "/releases/a..b.tar", URL_NOTFOUND, NULL },
	{ "/etc/passwd", URL_NOTFOUND, NULL },
	{ "/genconf/config.yaml", URL_NOTFOUND, NULL },
	{ "/index.json.tmp", URL_NOTFOUND, NULL },
	/* Hostile: 400. */
	{ "", URL_BAD, NULL },
	{ "index.json", URL_BAD, NULL },
	{ "/../etc/passwd", URL_BAD, NULL },
	{ "/blobs/../../etc/passwd", URL_BAD, NULL },
	{ "/blobs/sha256/../../index.json", URL_BAD, NULL },
	{ "/./index.json", URL_BAD, NULL },
	{ "/blobs/sha256/..", URL_BAD, NULL },
	{ "/..", URL_BAD, NULL },
	{ "/%2e%2e/etc/passwd", URL_BAD, NULL },
	{ "/%2E%2E/%2E%2E/etc/passwd", URL_BAD, NULL },
	{ "/..%2fetc%2fpasswd", URL_BAD, NULL },
	{ "/..%2Findex.json", URL_BAD, NULL },
	{ "/%252e%252e/etc/passwd", URL_BAD, NULL },
	{ "/%25", URL_BAD, NULL },
	{ "/releases/..%5c..%5cetc%5cpasswd.tar", URL_BAD, NULL },
	{ "/..\\..\\etc\\passwd", URL_BAD, NULL },
	{ "/index.json%00.tar", URL_BAD, NULL },
	{ "/index.json%00", URL_BAD, NULL },
	{ "/index.json%0a", URL_BAD, NULL },
	{ "/index\x01.json", URL_BAD, NULL },
	{ "/index.json%", URL_BAD, NULL },
	{ "/index.json%4", URL_BAD, NULL },
	{ "/index.json%zz", URL_BAD, NULL },
	{ "/%c0%ae%c0%ae/etc/passwd", URL_NOTFOUND, NULL },
	{ "/blobs%2fsha256%2f..%2f..%2fetc%2fpasswd", URL_BAD, NULL },
};

static void
url_table(void **state)
{
	struct url_target	 t;
	size_t			 i;
	enum url_kind		 k;

	for (i = 0; i < sizeof(url_cases) / sizeof(url_cases[0]); i++) {
		k = url_sanitise(url_cases[i].raw, &t);
		if (k != url_cases[i].kind || t.kind != k)
			fail_msg("case %zu \"%s\": kind %d, want %d", i,
			    url_cases[i].raw, (int)k, (int)url_cases[i].kind);
		if (url_cases[i].rel != NULL &&
		    strcmp(t.rel, url_cases[i].rel) != 0)
			fail_msg("case %zu \"%s\": rel \"%s\", want \"%s\"", i,
			    url_cases[i].raw, t.rel, url_cases[i].rel);
		if (k < 0 || k == URL_HEALTHZ || k == URL_METRICS)
			assert_string_equal(t.rel, "");
	}
}

static void
url_blob_digest_is_the_name(void **state)
{
	struct url_target	 t;
	char			 hex[DIGEST_HEXLEN + 1];

	assert_int_equal(url_sanitise("/blobs/sha256/" HEX, &t), URL_BLOB);
	digest_hex(&t.digest, hex);
	assert_string_equal(hex, HEX);
}

static void
url_too_long_is_bad(void **state)
{
	struct url_target	 t;
	char			*p = malloc(URL_MAX + 2);

	assert_non_null(p);
	memset(p, 'a', URL_MAX + 1);
	p[0] = '/';
	p[URL_MAX + 1] = '\0';
	assert_int_equal(url_sanitise(p, &t), URL_BAD);
	p[URL_MAX] = '\0';
	assert_int_equal(url_sanitise(p, &t), URL_NOTFOUND);
	free(p);
	assert_int_equal(url_sanitise(NULL, &t), URL_BAD);
}

static const struct {
	const char		*hdr;
	uint64_t		 size;
	enum range_result	 res;
	uint64_t		 start, len;
} range_cases[] = {
	{ NULL, 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-", 100, RANGE_OK, 0, 100 },
	{ "bytes=10-", 100, RANGE_OK, 10, 90 },
	{ "bytes=99-", 100, RANGE_OK, 99, 1 },
	{ "bytes=100-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-0", 100, RANGE_OK, 0, 1 },
	{ "bytes=10-19", 100, RANGE_OK, 10, 10 },
	{ "bytes=10-1000", 100, RANGE_OK, 10, 90 },
	{ "bytes=10-99999999999999999999999", 100, RANGE_OK, 10, 90 },
	{ "bytes=99999999999999999999999-", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-1", 100, RANGE_OK, 99, 1 },
	{ "bytes=-100", 100, RANGE_OK, 0, 100 },
	{ "bytes=-500", 100, RANGE_OK, 0, 100 },
	{ "bytes=-0", 100, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=0-", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "bytes=-5", 0, RANGE_UNSATISFIABLE, 0, 0 },
	{ "BYTES = 5 - 9", 100, RANGE_OK, 5, 5 },
	/* Ignored: malformed, other units, several ranges. */
	{ "bytes=20-10", 100, RANGE_NONE, 0, 0 },
	{ "bytes=-", 100, RANGE_NONE, 0, 0 },
	{ "bytes=", 100, RANGE_NONE, 0, 0 },
	{ "bytes=a-b", 100, RANGE_NONE, 0, 0 },
	{ "bytes=1-2-3", 100, RANGE_NONE, 0, 0 },
	{ "bytes=0-1,5-6", 100, RANGE_NONE, 0, 0 },
	{ "bytes=--5", 100, RANGE_NONE, 0, 0 },
	{ "bytes=+5-", 100, RANGE_NONE, 0, 0 },
	{ "items=0-5", 100, RANGE_NONE, 0, 0 },
	{ "bytes 0-5", 100, RANGE_NONE, 0, 0 },
	{ "", 100, RANGE_NONE, 0, 0 },
};

static void
range_table(void **state)
{
	enum range_result	 r;
	uint64_t		 start, len;
	size_t			 i;

	for (i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
		start = len = 12345;
		r = http_range_parse(range_cases[i].hdr, range_cases[i].size,
		    &start, &len);
		if (r != range_cases[i].res)
			fail_msg("case %zu \"%s\": result %d, want %d", i,
			    range_cases[i].hdr ? range_cases[i].hdr : "(null)",
			    (int)r, (int)range_cases[i].res);
		if (r == RANGE_OK && (start != range_cases[i].start ||
		    len != range_cases[i].len))
			fail_msg("case %zu \"%s\": %llu+%llu, want %llu+%llu",
			    i, range_cases[i].hdr,
			    (unsigned long long)start,
			    (unsigned long long)len,
			    (unsigned long long)range_cases[i].start,
			    (unsigned long long)range_cases[i].len);
	}
}

#define TAG	"\"sha256:" HEX "\""

static void
if_none_match(void **state)
{
	assert_true(http_etag_none_match(TAG, TAG));
	assert_true(http_etag_none_match("*", TAG));
	assert_true(http_etag_none_match(" * ", TAG));
	assert_true(http_etag_none_match("W/" TAG, TAG));
	assert_true(http_etag_none_match("\"x\", " TAG, TAG));
	assert_true(http_etag_none_match("\"x\"," TAG ",\"y\"", TAG));
	assert_false(http_etag_none_match(NULL, TAG));
	assert_false(http_etag_none_match("", TAG));
	assert_false(http_etag_none_match("\"x\"", TAG));
	assert_false(http_etag_none_match("sha256:" HEX, TAG));
	assert_false(http_etag_none_match("\"sha256:" HEX, TAG));
}

static void
if_range(void **state)
{
	assert_true(http_if_range_match(TAG, TAG));
	assert_true(http_if_range_match(" " TAG " ", TAG));
	assert_false(http_if_range_match("W/" TAG, TAG));
	assert_false(http_if_range_match("\"other\"", TAG));
	assert_false(http_if_range_match("Sat, 21 Nov 2026 08:00:00 GMT",
	    TAG));
	assert_false(http_if_range_match(TAG ", " TAG, TAG));
	assert_false(http_if_range_match(NULL, TAG));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_table),
		cmocka_unit_test(url_blob_digest_is_the_name),
		cmocka_unit_test(url_too_long_is_bad),
		cmocka_unit_test(range_table),
		cmocka_unit_test(if_none_match),
		cmocka_unit_test(if_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
