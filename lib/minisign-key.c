/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Secret keys and signing.  Only dcos-genconf links this file; hosts only
 * ever verify.
 */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "atomicio.h"
#include "base64.h"
#include "error.h"
#include "minisign.h"

/*
 * The secret key blob of minisign: sig_alg "Ed", kdf_alg, chk_alg "B2",
 * kdf salt (32), opslimit (8), memlimit (8), then keynum (8), sk (64) and
 * checksum (32).  "minisign -W" writes kdf_alg, salt, limits and checksum
 * as zeros, so we do the same and check the key by its public half instead.
 */
#define SK_OFF_KDF	2
#define SK_OFF_CHK	4
#define SK_OFF_KEYNUM	54
#define SK_OFF_SK	(SK_OFF_KEYNUM + MINISIGN_KEYNUM_LEN)
#define SK_RAW_LEN	(SK_OFF_SK + MINISIGN_SK_LEN + 32)

static int
seed_pubkey(const uint8_t seed[32], uint8_t pk[MINISIGN_PK_LEN])
{
	EVP_PKEY	*key;
	size_t		 len = MINISIGN_PK_LEN;
	int		 rc = -1;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (key != NULL && EVP_PKEY_get_raw_public_key(key, pk, &len) == 1 &&
	    len == MINISIGN_PK_LEN)
		rc = 0;
	EVP_PKEY_free(key);
	return rc;
}

int
minisign_keygen(struct minisign_pubkey *pk, struct minisign_seckey *sk,
    char **errp)
{
	uint8_t	 seed[32];

	if (RAND_bytes(seed, sizeof(seed)) != 1 ||
	    RAND_bytes(sk->keynum, MINISIGN_KEYNUM_LEN) != 1)
		return err_set(errp, "no random numbers available");
	if (seed_pubkey(seed, pk->pk) == -1) {
		OPENSSL_cleanse(seed, sizeof(seed));
		return err_set(errp, "Ed25519 key generation failed");
	}
	memcpy(sk->sk, seed, 32);
	memcpy(sk->sk + 32, pk->pk, MINISIGN_PK_LEN);
	memcpy(pk->keynum, sk->keynum, MINISIGN_KEYNUM_LEN);
	OPENSSL_cleanse(seed, sizeof(seed));
	return 0;
}

void
minisign_seckey_pubkey(const struct minisign_seckey *sk,
    struct minisign_pubkey *pk)
{
	memcpy(pk->keynum, sk->keynum, MINISIGN_KEYNUM_LEN);
	memcpy(pk->pk, sk->sk + 32, MINISIGN_PK_LEN);
}

static int
seckey_decode(const char *b64, struct minisign_seckey *sk, char **errp)
{
	uint8_t	 raw[SK_RAW_LEN], pk[MINISIGN_PK_LEN];
	int	 rc = -1;

	if (base64_decode(b64, strlen(b64), raw, sizeof(raw)) !=
	    (long)sizeof(raw)) {
		err_set(errp, "malformed secret key: not %d bytes of base64",
		    SK_RAW_LEN);
		goto out;
	}
	if (memcmp(raw, "Ed", 2) != 0 || memcmp(raw + SK_OFF_CHK, "B2", 2) != 0) {
		err_set(errp, "unsupported secret key algorithm");
		goto out;
	}
	if (raw[SK_OFF_KDF] != 0 || raw[SK_OFF_KDF + 1] != 0) {
		err_set(errp, "encrypted secret keys are not supported: "
		    "create one with 'dcos-genconf keygen' or 'minisign -G -W'");
		goto out;
	}
	memcpy(sk->keynum, raw + SK_OFF_KEYNUM, MINISIGN_KEYNUM_LEN);
	memcpy(sk->sk, raw + SK_OFF_SK, MINISIGN_SK_LEN);
	if (seed_pubkey(sk->sk, pk) == -1 ||
	    CRYPTO_memcmp(pk, sk->sk + 32, MINISIGN_PK_LEN) != 0) {
		err_set(errp, "corrupt secret key: its public half does not "
		    "match its seed");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

int
minisign_seckey_parse(const char *text, struct minisign_seckey *sk,
    char **errp)
{
	const char	*prefix = "untrusted comment: ";
	const char	*line2;
	char		*b64;
	size_t		 len;
	int		 rc;

	memset(sk, 0, sizeof(*sk));

	if (strncmp(text, prefix, strlen(prefix)) != 0 ||
	    (line2 = strchr(text, '\n')) == NULL)
		return err_set(errp, "not a minisign secret key (expected an "
		    "\"untrusted comment:\" line and a base64 line)");
	line2++;
	len = strcspn(line2, "\r\n");
	if (line2[len + strspn(line2 + len, "\r\n")] != '\0')
		return err_set(errp, "not a minisign secret key (extra lines)");
	if ((b64 = strndup(line2, len)) == NULL)
		return err_set(errp, "out of memory");
	rc = seckey_decode(b64, sk, errp);
	OPENSSL_cleanse(b64, len);
	free(b64);
	return rc;
}

int
minisign_seckey_load(const char *path, struct minisign_seckey *sk,
    char **errp)
{
	char	*text;
	size_t	 len;
	int	 rc;

	if (read_file(path, MINISIGN_FILE_MAX, &text, &len, errp) == -1)
		return -1;
	rc = minisign_seckey_parse(text, sk, errp);
	OPENSSL_cleanse(text, len);
	free(text);
	if (rc == -1)
		err_wrap(errp, "%s", path);
	return rc;
}

char *
minisign_seckey_format(const struct minisign_seckey *sk)
{
	uint8_t	 raw[SK_RAW_LEN];
	char	 b64[BASE64_LEN(SK_RAW_LEN) + 1];
	char	*out;

	memset(raw, 0, sizeof(raw));
	memcpy(raw, "Ed", 2);
	memcpy(raw + SK_OFF_CHK, "B2", 2);
	memcpy(raw + SK_OFF_KEYNUM, sk->keynum, MINISIGN_KEYNUM_LEN);
	memcpy(raw + SK_OFF_SK, sk->sk, MINISIGN_SK_LEN);
	base64_encode(raw, sizeof(raw), b64);
	if (asprintf(&out, "untrusted comment: minisign encrypted secret "
	    "key\n%s\n", b64) == -1)
		out = NULL;
	OPENSSL_cleanse(raw, sizeof(raw));
	OPENSSL_cleanse(b64, sizeof(b64));
	return out;
}

static int
ed25519_sign(const struct minisign_seckey *sk, const void *msg, size_t len,
    uint8_t sig[MINISIGN_SIG_LEN])
{
	EVP_PKEY	*key;
	EVP_MD_CTX	*ctx = NULL;
	size_t		 siglen = MINISIGN_SIG_LEN;
	int		 rc = -1;

	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk->sk, 32);
	if (key == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestSign(ctx, sig, &siglen, msg, len) == 1 &&
	    siglen == MINISIGN_SIG_LEN)
		rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return rc;
}

static int
check_comment(const char *what, const char *c, char **errp)
{
	if (strlen(c) > MINISIGN_COMMENT_MAX)
		return err_set(errp, "%s comment longer than %d bytes", what,
		    MINISIGN_COMMENT_MAX);
	if (strpbrk(c, "\r\n") != NULL)
		return err_set(errp, "%s comment must be a single line", what);
	return 0;
}

int
minisign_sign_prehashed(const struct minisign_seckey *sk,
    const uint8_t hash[MINISIGN_HASH_LEN], const char *untrusted,
    const char *trusted, char **outp, char **errp)
{
	uint8_t	 line[2 + MINISIGN_KEYNUM_LEN + MINISIGN_SIG_LEN];
	uint8_t	 gsig[MINISIGN_SIG_LEN], *gmsg;
	char	 b64line[BASE64_LEN(sizeof(line)) + 1];
	char	 b64g[BASE64_LEN(MINISIGN_SIG_LEN) + 1];
	size_t	 tclen = strlen(trusted);
	int	 rc = -1;

	*outp = NULL;

	if (check_comment("untrusted", untrusted, errp) == -1 ||
	    check_comment("trusted", trusted, errp) == -1)
		return -1;
	memcpy(line, "ED", 2);
	memcpy(line + 2, sk->keynum, MINISIGN_KEYNUM_LEN);
	if (ed25519_sign(sk, hash, MINISIGN_HASH_LEN,
	    line + 2 + MINISIGN_KEYNUM_LEN) == -1)
		return err_set(errp, "Ed25519 signing failed");
	if ((gmsg = malloc(MINISIGN_SIG_LEN + tclen)) == NULL)
		return err_set(errp, "out of memory");
	memcpy(gmsg, line + 2 + MINISIGN_KEYNUM_LEN, MINISIGN_SIG_LEN);
	memcpy(gmsg + MINISIGN_SIG_LEN, trusted, tclen);
	if (ed25519_sign(sk, gmsg, MINISIGN_SIG_LEN + tclen, gsig) == -1) {
		err_set(errp, "Ed25519 signing failed");
		goto out;
	}
	base64_encode(line, sizeof(line), b64line);
	base64_encode(gsig, sizeof(gsig), b64g);
	if (asprintf(outp, "untrusted comment: %s\n%s\ntrusted comment: %s\n"
	    "%s\n", untrusted, b64line, trusted, b64g) == -1) {
		*outp = NULL;
		err_set(errp, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(gmsg);
	return rc;
}

int
minisign_sign_fd(const struct minisign_seckey *sk, int fd,
    const char *untrusted, const char *trusted, char **outp, char **errp)
{
	uint8_t	 hash[MINISIGN_HASH_LEN];

	*outp = NULL;

	if (minisign_prehash_fd(fd, hash, NULL, errp) == -1)
		return -1;
	return minisign_sign_prehashed(sk, hash, untrusted, trusted, outp,
	    errp);
}
