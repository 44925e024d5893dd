/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64_decode must accept exactly the canonical encodings: whatever it
 * decodes encodes back to the same text, and every encoding of 1 to
 * B64_MAX bytes decodes back (it refuses empty and longer input: keys and
 * signatures are far shorter).
 */
#include <config.h>

#include "base64.h"
#include "fuzz.h"

#define B64_MAX	3072

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t	*out;
	char	*enc;
	long	 n;

	if ((out = malloc(size + 1)) == NULL ||
	    (enc = malloc(BASE64_LEN(size) + 1)) == NULL)
		abort();
	/* Decode the input as text: canonical or refused. */
	if ((n = base64_decode((const char *)data, size, out, size)) >= 0) {
		base64_encode(out, (size_t)n, enc);
		if (strlen(enc) != size || memcmp(enc, data, size) != 0)
			fuzz_fail("decoded non-canonical base64");
	}
	/* Encode the input as bytes: must decode to the same bytes. */
	base64_encode(data, size, enc);
	if (size == 0 || size > B64_MAX)
		goto out;
	if ((n = base64_decode(enc, strlen(enc), out, size)) < 0 ||
	    (size_t)n != size || memcmp(out, data, size) != 0)
		fuzz_fail("an encoding did not decode back");
	/* A buffer one byte short must be refused, never overrun. */
	if (size > 0 && base64_decode(enc, strlen(enc), out, size - 1) != -1)
		fuzz_fail("decoded into a buffer too small");
out:
	free(enc);
	free(out);
	return 0;
}
