/* SPDX-License-Identifier: Apache-2.0 */
/*
 * minisign-compatible keys and signatures, implemented with OpenSSL
 * (Ed25519 and BLAKE2b-512).  Signatures are prehashed ("ED": Ed25519 over
 * BLAKE2b-512 of the file); legacy "Ed" signatures (Ed25519 over the file
 * itself) are accepted on input.  Text formats are byte-compatible with
 * minisign 0.11: stock "minisign -V" verifies what minisign_sign_*() writes
 * and minisign_verify_*() accepts what "minisign -S" writes.
 */
#ifndef DCOS_MINISIGN_H
#define DCOS_MINISIGN_H

#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEYNUM_LEN	8
#define MINISIGN_PK_LEN		32
#define MINISIGN_SK_LEN		64	/* seed || public key */
#define MINISIGN_SIG_LEN	64
#define MINISIGN_HASH_LEN	64	/* BLAKE2b-512 */
#define MINISIGN_COMMENT_MAX	1024
#define MINISIGN_KEYID_STRSZ	17	/* 16 upper-case hex + NUL */
/* Largest key or signature file we read. */
#define MINISIGN_FILE_MAX	8192

struct minisign_pubkey {
	uint8_t	 keynum[MINISIGN_KEYNUM_LEN];
	uint8_t	 pk[MINISIGN_PK_LEN];
};

struct minisign_seckey {
	uint8_t	 keynum[MINISIGN_KEYNUM_LEN];
	uint8_t	 sk[MINISIGN_SK_LEN];
};

struct minisign_sig {
	int	 prehashed;		/* 1 for "ED", 0 for legacy "Ed" */
	uint8_t	 keynum[MINISIGN_KEYNUM_LEN];
	uint8_t	 sig[MINISIGN_SIG_LEN];
	char	*untrusted_comment;	/* without the "untrusted comment: " */
	char	*trusted_comment;	/* without the "trusted comment: " */
	uint8_t	 global_sig[MINISIGN_SIG_LEN];
};

/* The key id as minisign prints it (16 upper-case hex digits). */
void	 minisign_keyid(const uint8_t keynum[MINISIGN_KEYNUM_LEN],
	    char out[MINISIGN_KEYID_STRSZ]);

/*
 * Parses a public key: a minisign .pub file (comment line + base64 line) or
 * the bare base64 line.  Returns 0 or -1 with *errp.
 */
int	 minisign_pubkey_parse(const char *text, struct minisign_pubkey *,
	    char **errp);
int	 minisign_pubkey_load(const char *path, struct minisign_pubkey *,
	    char **errp);
/* The .pub file text (malloc'd, caller frees) or NULL when out of memory. */
char	*minisign_pubkey_format(const struct minisign_pubkey *);

/*
 * Parses a signature file's text.  *sigp gets a new signature to free with
 * minisign_sig_free().  Returns 0 or -1 with *errp.
 */
int	 minisign_sig_parse(const char *text, size_t len,
	    struct minisign_sig **sigp, char **errp);
int	 minisign_sig_load(const char *path, struct minisign_sig **sigp,
	    char **errp);
void	 minisign_sig_free(struct minisign_sig *);

struct sha256;
/*
 * BLAKE2b-512 of everything readable from fd (the "ED" prehash).  When
 * also is not NULL the same bytes are fed to it, so one read gives both
 * digests.  0 or -1 with *errp.
 */
int	 minisign_prehash_fd(int fd, uint8_t out[MINISIGN_HASH_LEN],
	    struct sha256 *also, char **errp);

/* BLAKE2b-512 of a buffer (the "ED" prehash).  0 or -1 with *errp. */
int	 minisign_prehash_buf(const void *buf, size_t len,
	    uint8_t out[MINISIGN_HASH_LEN], char **errp);
/*
 * Verifies sig over a buffer, as minisign_verify_fd over a file: checking
 * the bytes one holds avoids reading a file twice (and a file changed
 * between a check and a parse).
 */
int	 minisign_verify_buf(const struct minisign_pubkey *pk,
	    const struct minisign_sig *sig, const void *buf, size_t len,
	    char **errp);
/*
 * Verifies sig over the contents of path (or of an open fd, read from its
 * current offset) with key pk: key id, file signature, then the global
 * signature over the trusted comment.  Returns 0, or -1 with *errp saying
 * which check failed.
 */
int	 minisign_verify_file(const struct minisign_pubkey *pk,
	    const struct minisign_sig *sig, const char *path, char **errp);
int	 minisign_verify_fd(const struct minisign_pubkey *pk,
	    const struct minisign_sig *sig, int fd, char **errp);
/* As above for a prehashed "ED" signature whose hash is already known. */
int	 minisign_verify_prehashed(const struct minisign_pubkey *pk,
	    const struct minisign_sig *sig,
	    const uint8_t hash[MINISIGN_HASH_LEN], char **errp);

/*
 * The binding a trusted comment gives a signature: tab-separated
 * "name:value" fields, of which file: (the signed file's name), sha256:
 * (its SHA-256, 64 hex digits) and seq: (the release's sequence number,
 * decimal) are ours; other fields are ignored.  Each of file, sha256 and
 * seq that is not NULL is checked: its field must be there once, not
 * empty, and equal to it; a field whose bit (MINISIGN_TC_*) is in
 * optional may also be absent.  0, or -1 with *errp naming the field
 * (callers prefix what was signed).  The one place this rule is written.
 */
#define MINISIGN_TC_FILE	0x1
#define MINISIGN_TC_SHA256	0x2
#define MINISIGN_TC_SEQ		0x4
struct digest;
int	 minisign_tc_check(const struct minisign_sig *, const char *file,
	    const struct digest *sha256, const int64_t *seq, int optional,
	    char **errp);
/*
 * The sha256: field of the trusted comment under the same rules: 1 with
 * *out, 0 when absent, -1 with *errp when twice, empty or not 64 hex
 * digits.
 */
int	 minisign_tc_sha256(const struct minisign_sig *, struct digest *out,
	    char **errp);

/* Secret keys and signing (minisign-key.c). */

/* A fresh key pair with a random key id.  0 or -1 with *errp. */
int	 minisign_keygen(struct minisign_pubkey *, struct minisign_seckey *,
	    char **errp);
/*
 * Parses an unencrypted secret key file as "minisign -G -W" writes it and
 * checks that its public half matches its seed.  0 or -1 with *errp.
 */
int	 minisign_seckey_parse(const char *text, struct minisign_seckey *,
	    char **errp);
int	 minisign_seckey_load(const char *path, struct minisign_seckey *,
	    char **errp);
/* The secret key file text (malloc'd) or NULL when out of memory. */
char	*minisign_seckey_format(const struct minisign_seckey *);
/* The public key that belongs to a secret key. */
void	 minisign_seckey_pubkey(const struct minisign_seckey *,
	    struct minisign_pubkey *);
/*
 * Signs the BLAKE2b-512 hash of a file ("ED") with the given comments and
 * returns the signature file text in *outp (malloc'd).  Comments must be
 * single lines of at most MINISIGN_COMMENT_MAX bytes.  0 or -1 with *errp.
 */
int	 minisign_sign_prehashed(const struct minisign_seckey *,
	    const uint8_t hash[MINISIGN_HASH_LEN], const char *untrusted,
	    const char *trusted, char **outp, char **errp);
/* Signs the contents of fd as minisign_sign_prehashed. */
int	 minisign_sign_fd(const struct minisign_seckey *, int fd,
	    const char *untrusted, const char *trusted, char **outp,
	    char **errp);

#endif
