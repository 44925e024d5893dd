/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP validators and byte ranges (RFC 9110): the Range header (one range
 * only), If-None-Match and If-Range.  Pure functions, unit-tested.
 */
#ifndef DCOS_HTTP_RANGE_H
#define DCOS_HTTP_RANGE_H

#include <stdint.h>

enum range_result {
	RANGE_NONE,		/* no usable Range: send the whole body (200) */
	RANGE_OK,		/* one satisfiable range: 206 */
	RANGE_UNSATISFIABLE	/* 416 with Content-Range: bytes * /size */
};

/*
 * Parses a Range header value against a body of size bytes.  Accepts one
 * range "bytes=N-", "bytes=N-M" or "bytes=-N".  A header that is
 * malformed, uses another unit or asks for several ranges is ignored
 * (RANGE_NONE), as the RFC allows.  On RANGE_OK, *startp and *lenp give
 * the bytes to send (an end beyond the body is clamped).
 */
enum range_result http_range_parse(const char *hdr, uint64_t size,
	    uint64_t *startp, uint64_t *lenp);

/*
 * True when the If-None-Match value hdr ("*" or a comma-separated list of
 * entity tags, weak or strong) matches etag with the weak comparison.
 */
int	 http_etag_none_match(const char *hdr, const char *etag);

/*
 * True when the If-Range value hdr is exactly the strong entity tag etag.
 * A date or a weak tag never matches (the whole body is sent then).
 */
int	 http_if_range_match(const char *hdr, const char *etag);

#endif
