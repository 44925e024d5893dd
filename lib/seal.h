/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed boxes to a site key (docs/formats.md "Sealed box"): an
 * HPKE-style construction from OpenSSL's X25519, HKDF-SHA256 and
 * ChaCha20-Poly1305, nothing hand-written.  Whoever has the public key
 * seals; only the holder of the private key opens.  Sealing is
 * deterministic (the ephemeral key is derived from the plaintext, the
 * recipient and the context), so the same inputs give the same bytes.
 */
#ifndef DCOS_SEAL_H
#define DCOS_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define SEAL_KEYLEN	32
#define SEAL_KEYID_STRSZ	17	/* 16 hex digits and a NUL */
/* "DCOSSEAL", version, key id, ephemeral public key. */
#define SEAL_HEADER	(8 + 1 + 8 + SEAL_KEYLEN)
#define SEAL_TAG	16
#define SEAL_OVERHEAD	(SEAL_HEADER + SEAL_TAG)
/* Largest plaintext sealed or opened. */
#define SEAL_MAX	(64 * 1024 * 1024)

struct seal_key {
	uint8_t	 pub[SEAL_KEYLEN];
	uint8_t	 sec[SEAL_KEYLEN];
	int	 has_sec;
};

/* A new X25519 key pair.  0 or -1 with *errp. */
int	 seal_keygen(struct seal_key *, char **errp);
/* PEM (PKCS#8 private key, SubjectPublicKeyInfo public key); malloc'd. */
char	*seal_seckey_format(const struct seal_key *);
char	*seal_pubkey_format(const struct seal_key *);
/*
 * Parses a PEM X25519 private key (has_sec set, pub computed) or public
 * key.  0 or -1 with *errp naming what (a path or a name) it read.
 */
int	 seal_key_parse(const char *text, size_t len, const char *what,
	    struct seal_key *, char **errp);
/* Loads a key file: seal_key_parse of its text. */
int	 seal_key_load(const char *path, struct seal_key *, char **errp);
/* The key's id: the first 8 bytes of SHA-256(public key) in hex. */
void	 seal_keyid(const struct seal_key *, char out[SEAL_KEYID_STRSZ]);
/*
 * Seals pt to the public key of k; context (any string, may be empty) is
 * bound into the key derivation and must be given again to open.
 * 0 with *outp (malloc'd, *outlenp = ptlen + SEAL_OVERHEAD bytes) or -1
 * with *errp.
 */
int	 seal_box(const struct seal_key *k, const char *context,
	    const uint8_t *pt, size_t ptlen, uint8_t **outp, size_t *outlenp,
	    char **errp);
/*
 * Opens what seal_box made for k (which needs its private key) under the
 * same context.  0 with *ptp (malloc'd, NUL-terminated; the caller
 * cleanses and frees it) and *ptlenp, or -1 with *errp saying whether the
 * box is malformed, for another key, or fails authentication (tampered,
 * or sealed under another context).
 */
int	 seal_open(const struct seal_key *k, const char *context,
	    const uint8_t *in, size_t inlen, uint8_t **ptp, size_t *ptlenp,
	    char **errp);
/* Wipes k. */
void	 seal_key_clear(struct seal_key *);

#endif
