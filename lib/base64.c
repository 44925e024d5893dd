#include <config.h>

#include <string.h>

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

static int
is_b64(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9') || c == '+' || c == '/';
}

/* The 6-bit value of a character is_b64() accepted. */
static unsigned int
b64_value(char c)
{
	static const char	 alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";

	return (unsigned int)(strchr(alphabet, c) - alphabet);
}

long
base64_decode(const char *in, size_t inlen, uint8_t *out, size_t outmax)
{
	uint8_t	 tmp[4096];
	size_t	 i, pad = 0;
	int	 n;

	if (inlen == 0 || inlen % 4 != 0 || inlen / 4 * 3 > sizeof(tmp))
		return -1;
	if (in[inlen - 1] == '=')
		pad = in[inlen - 2] == '=' ? 2 : 1;
	for (i = 0; i < inlen - pad; i++)
		if (!is_b64(in[i]))
			return -1;
	/*
	 * Canonical also means that the bits the padding leaves over are
	 * zero ("Zg==", never "Zh=="), as libsodium and so minisign require:
	 * one text per value.
	 */
	if (pad > 0 && (b64_value(in[inlen - pad - 1]) &
	    (pad == 2 ? 0xfu : 0x3u)) != 0)
		return -1;
	/* EVP_DecodeBlock skips surrounding blanks; we checked there are none. */
	n = EVP_DecodeBlock(tmp, (const unsigned char *)in, (int)inlen);
	if (n < 0 || (size_t)n < pad)
		return -1;
	n -= (int)pad;
	if ((size_t)n > outmax)
		return -1;
	memcpy(out, tmp, (size_t)n);
	return n;
}
