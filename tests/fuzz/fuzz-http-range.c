/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Range, If-None-Match and If-Range header values.  The input is a body
 * size (8 bytes) and a header value; a satisfiable range must lie inside
 * the body.  The etag matchers get the rest split at the first newline.
 */
#include <config.h>

#include "fuzz.h"
#include "http-range.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t		 bodysize = 0, start = 0, len = 0;
	enum range_result	 r;
	char			*hdr, *etag;

	if (size >= sizeof(bodysize)) {
		memcpy(&bodysize, data, sizeof(bodysize));
		data += sizeof(bodysize);
		size -= sizeof(bodysize);
	}
	hdr = fuzz_str(data, size);
	r = http_range_parse(hdr, bodysize, &start, &len);
	if (r == RANGE_OK && (len == 0 || start >= bodysize ||
	    len > bodysize - start))
		fuzz_fail("range %llu+%llu of a %llu-byte body",
		    (unsigned long long)start, (unsigned long long)len,
		    (unsigned long long)bodysize);
	if (r != RANGE_OK && r != RANGE_NONE && r != RANGE_UNSATISFIABLE)
		fuzz_fail("result %d", r);
	if ((etag = strchr(hdr, '\n')) != NULL)
		*etag++ = '\0';
	else
		etag = "\"sha256-0\"";
	(void)http_etag_none_match(hdr, etag);
	if (http_if_range_match(hdr, etag) && strstr(hdr, etag) == NULL)
		fuzz_fail("If-Range %s matched %s", hdr, etag);
	free(hdr);
	return 0;
}
