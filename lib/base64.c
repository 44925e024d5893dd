/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base64.h"

void
base64_encode(const uint8_t *in, size_t len, char *out)
{
	if (len == 0) {
		out[0] = '\0';
		return;
	}
	EVP_EncodeBlock((unsigned char *)out, in, (int)len);
}

/* The 6-bit value of an alphabet character, or -1. */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax)
{
	uint8_t	 tmp[4096];
	size_t	 i, pad = 0;
	long	 rc;
	int	 n;

	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > sizeof(tmp))
		return -1;
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	for (i = 0; i < inlen - pad; i++)
		if (b64_value(in[i]) < 0)
			return -1;
	/*
	 * RFC 4648 3.5: the bits below the last full byte must be zero.
	 * Decoders that ignore them let "QR==" and "QQ==" mean the same
	 * bytes, so a signature would have more than one text.
	 */
	if (pad == 1 && (b64_value(in[inlen - 2]) & 0x3) != 0)
		return -1;
	if (pad == 2 && (b64_value(in[inlen - 3]) & 0xf) != 0)
		return -1;
	/* EVP_DecodeBlock skips surrounding blanks; we checked there are none. */
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n < pad || (size_t)(n - (int)pad) > outmax)
		rc = -1;
	else {
		rc = n - (int)pad;
		memcpy(out, tmp, (size_t)rc);
	}
	/* Secret keys pass through here: leave no copy on the stack. */
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return rc;
}
