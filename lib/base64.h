/* SPDX-License-Identifier: Apache-2.0 */
/* Strict standard base64 (RFC 4648, with padding). */
#ifndef DCOS_BASE64_H
#define DCOS_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* Encoded length of n bytes, without the NUL. */
#define BASE64_LEN(n)	(((n) + 2) / 3 * 4)

/* Writes the encoding of in and a NUL into out (BASE64_LEN(len) + 1). */
void	 base64_encode(const uint8_t *in, size_t len, char *out);
/*
 * Decodes exactly inlen characters that must be canonical base64 (only the
 * alphabet, length a multiple of 4, correct padding, zero padding bits)
 * into out, which holds outmax bytes.  Returns the decoded length, or -1 for malformed input or
 * when the result does not fit.
 */
long	 base64_decode(const char *in, size_t inlen, uint8_t *out,
	    size_t outmax);

#endif
