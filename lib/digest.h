/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 digests (OpenSSL EVP), written "sha256:<64 lowercase hex>".
 */
#ifndef DCOS_DIGEST_H
#define DCOS_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_LEN	32
#define DIGEST_HEXLEN	64
#define DIGEST_PREFIX	"sha256:"
/* "sha256:" + 64 hex + NUL */
#define DIGEST_STRSZ	(7 + DIGEST_HEXLEN + 1)

struct digest {
	uint8_t	 b[DIGEST_LEN];
};

struct sha256;

/* A streaming context, or NULL when out of memory.  Free with sha256_free. */
struct sha256	*sha256_new(void);
void		 sha256_update(struct sha256 *, const void *, size_t);
/* Finishes the hash; the context may be reused after sha256_reset(). */
void		 sha256_final(struct sha256 *, struct digest *);
void		 sha256_reset(struct sha256 *);
void		 sha256_free(struct sha256 *);

/* One-shot digest of a buffer. */
void	 digest_buf(const void *, size_t, struct digest *);
/*
 * Digest of everything readable from fd (read from the current offset).
 * *sizep, when not NULL, gets the byte count.  Returns 0 or -1 with *errp.
 */
int	 digest_fd(int fd, struct digest *, uint64_t *sizep, char **errp);
/*
 * Digest of a file by path; as digest_fd.  Anything but a regular file
 * (or a link to one) is refused at once, without blocking on a FIFO.
 */
int	 digest_file(const char *path, struct digest *, uint64_t *sizep,
	    char **errp);

/* Writes 64 lowercase hex digits and a NUL into out. */
void	 digest_hex(const struct digest *, char out[DIGEST_HEXLEN + 1]);
/* Writes "sha256:<hex>" and a NUL into out. */
void	 digest_format(const struct digest *, char out[DIGEST_STRSZ]);
/*
 * Parses exactly "sha256:<64 lowercase hex>".  Returns 0, or -1 for any
 * other string (upper case, short, long, other algorithm).
 */
int	 digest_parse(const char *, struct digest *);
/* Parses exactly 64 lowercase hex digits.  Returns 0 or -1. */
int	 digest_parse_hex(const char *, struct digest *);
int	 digest_equal(const struct digest *, const struct digest *);

#endif
