/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"

struct sha256 {
	EVP_MD_CTX	*ctx;
};

struct sha256 *
sha256_new(void)
{
	struct sha256	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
		sha256_free(h);
		return NULL;
	}
	return h;
}

void
sha256_update(struct sha256 *h, const void *buf, size_t len)
{
	if (len > 0)
		EVP_DigestUpdate(h->ctx, buf, len);
}

void
sha256_final(struct sha256 *h, struct digest *d)
{
	unsigned int	 n = DIGEST_LEN;

	EVP_DigestFinal_ex(h->ctx, d->b, &n);
}

void
sha256_reset(struct sha256 *h)
{
	EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL);
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
digest_buf(const void *buf, size_t len, struct digest *d)
{
	unsigned int	 n = DIGEST_LEN;

	EVP_Digest(buf, len, d->b, &n, EVP_sha256(), NULL);
}

static void
feed(void *h, const void *buf, size_t len)
{
	sha256_update(h, buf, len);
}

int
digest_fd(int fd, struct digest *d, uint64_t *sizep, char **errp)
{
	struct sha256	*h;
	int		 rc;

	if (sizep != NULL)
		*sizep = 0;

	if ((h = sha256_new()) == NULL)
		return err_set(errp, "out of memory");
	if ((rc = fd_stream(fd, feed, h, sizep, errp)) == 0)
		sha256_final(h, d);
	sha256_free(h);
	return rc;
}

int
digest_file(const char *path, struct digest *d, uint64_t *sizep, char **errp)
{
	int	 fd, rc;

	/* Not a bare open(): a FIFO would block it, or the reads, forever. */
	if (sizep != NULL)
		*sizep = 0;
	if ((fd = open_regular(path, errp)) == -1)
		return -1;
	rc = digest_fd(fd, d, sizep, errp);
	close(fd);
	if (rc == -1)
		err_wrap(errp, "%s", path);
	return rc;
}

void
digest_hex(const struct digest *d, char out[DIGEST_HEXLEN + 1])
{
	static const char	 hex[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < DIGEST_LEN; i++) {
		out[2 * i] = hex[d->b[i] >> 4];
		out[2 * i + 1] = hex[d->b[i] & 0xf];
	}
	out[DIGEST_HEXLEN] = '\0';
}

void
digest_format(const struct digest *d, char out[DIGEST_STRSZ])
{
	memcpy(out, DIGEST_PREFIX, 7);
	digest_hex(d, out + 7);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
digest_parse_hex(const char *s, struct digest *d)
{
	size_t	 i;
	int	 hi, lo;

	if (s == NULL || strlen(s) != DIGEST_HEXLEN)
		return -1;
	for (i = 0; i < DIGEST_LEN; i++) {
		if ((hi = hexval(s[2 * i])) == -1 ||
		    (lo = hexval(s[2 * i + 1])) == -1)
			return -1;
		d->b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int
digest_parse(const char *s, struct digest *d)
{
	if (s == NULL || strncmp(s, DIGEST_PREFIX, 7) != 0)
		return -1;
	return digest_parse_hex(s + 7, d);
}

int
digest_equal(const struct digest *a, const struct digest *b)
{
	return memcmp(a->b, b->b, DIGEST_LEN) == 0;
}
