/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed boxes (seal.h): X25519 + HKDF-SHA256 + ChaCha20-Poly1305, all
 * through OpenSSL 3's EVP interfaces.
 *
 * box = "DCOSSEAL" | 0x01 | keyid(8) | enc(32) | ciphertext | tag(16)
 *
 * enc is the public half of an ephemeral key derived (HKDF) from the
 * plaintext, the recipient's public key and the context: sealing the
 * same thing twice gives the same box, as generate's other outputs.  The
 * shared secret X25519(eph, recipient) goes through HKDF whose info binds
 * the label, enc, the recipient's public key and SHA-256(context) into
 * the 32-byte key and the 12-byte nonce; the header is the AEAD's
 * associated data, so no byte of the box can change unnoticed.  A key
 * and nonce pair is used for one plaintext only: another plaintext gives
 * another ephemeral key.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>

#include "atomicio.h"
#include "error.h"
#include "seal.h"

#define SEAL_MAGIC	"DCOSSEAL"
#define SEAL_VERSION	1
#define SEAL_KEYID	8
#define LABEL_EPH	"dcos-seal v1 ephemeral"
#define LABEL_AEAD	"dcos-seal v1 aead"
#define AEAD_KEY	32
#define AEAD_NONCE	12

static int
hkdf(const uint8_t *salt, size_t saltlen, const uint8_t *ikm, size_t ikmlen,
    const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx = NULL;
	OSSL_PARAM	 params[5], *p = params;
	int		 rc = -1;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)ikm, ikmlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)salt, saltlen);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)info, infolen);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

static int
sha256(const void *buf, size_t len, uint8_t out[32])
{
	unsigned int	 n = 32;

	return EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static EVP_PKEY *
pkey_sec(const uint8_t sec[SEAL_KEYLEN])
{
	return EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sec,
	    SEAL_KEYLEN);
}

static EVP_PKEY *
pkey_pub(const uint8_t pub[SEAL_KEYLEN])
{
	return EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub,
	    SEAL_KEYLEN);
}

/* The raw halves of pk into k; has_sec when it has a private half. */
static int
key_from_pkey(EVP_PKEY *pk, int sec, struct seal_key *k)
{
	size_t	 n = SEAL_KEYLEN;

	memset(k, 0, sizeof(*k));
	if (EVP_PKEY_get_raw_public_key(pk, k->pub, &n) != 1 ||
	    n != SEAL_KEYLEN)
		return -1;
	if (!sec)
		return 0;
	n = SEAL_KEYLEN;
	if (EVP_PKEY_get_raw_private_key(pk, k->sec, &n) != 1 ||
	    n != SEAL_KEYLEN) {
		seal_key_clear(k);
		return -1;
	}
	k->has_sec = 1;
	return 0;
}

void
seal_key_clear(struct seal_key *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

int
seal_keygen(struct seal_key *k, char **errp)
{
	EVP_PKEY	*pk;
	int		 rc;

	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL)
		return err_set(errp, "cannot make an X25519 key (OpenSSL)");
	rc = key_from_pkey(pk, 1, k);
	EVP_PKEY_free(pk);
	if (rc == -1)
		return err_set(errp, "cannot read the new X25519 key (OpenSSL)");
	return 0;
}

/* PEM of the private (sec) or public half, malloc'd, or NULL. */
static char *
key_format(const struct seal_key *k, int sec)
{
	EVP_PKEY	*pk;
	BIO		*b = NULL;
	char		*data, *out = NULL;
	long		 n;
	int		 ok;

	if ((pk = sec ? pkey_sec(k->sec) : pkey_pub(k->pub)) == NULL)
		return NULL;
	if ((b = BIO_new(BIO_s_mem())) == NULL)
		goto out;
	ok = sec ? PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL,
	    NULL) : PEM_write_bio_PUBKEY(b, pk);
	if (ok != 1 || (n = BIO_get_mem_data(b, &data)) <= 0)
		goto out;
	if ((out = malloc((size_t)n + 1)) == NULL)
		goto out;
	memcpy(out, data, (size_t)n);
	out[n] = '\0';
out:
	if (b != NULL && sec)
		(void)BIO_reset(b);
	BIO_free(b);
	EVP_PKEY_free(pk);
	return out;
}

char *
seal_seckey_format(const struct seal_key *k)
{
	return k->has_sec ? key_format(k, 1) : NULL;
}

char *
seal_pubkey_format(const struct seal_key *k)
{
	return key_format(k, 0);
}

int
seal_key_parse(const char *text, size_t len, const char *what,
    struct seal_key *k, char **errp)
{
	EVP_PKEY	*pk = NULL;
	BIO		*b;
	int		 sec, rc = -1;

	memset(k, 0, sizeof(*k));
	if (len > 64 * 1024)
		return err_set(errp, "%s: not a site key (too large)", what);
	sec = strstr(text, "-----BEGIN PRIVATE KEY-----") != NULL;
	if ((b = BIO_new_mem_buf(text, (int)len)) == NULL)
		return err_set(errp, "out of memory");
	pk = sec ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) :
	    PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	if (pk == NULL || EVP_PKEY_get_base_id(pk) != EVP_PKEY_X25519) {
		err_set(errp, "%s: not a site key (a PEM X25519 key, as "
		    "'dcos-genconf keygen --site' writes)", what);
		goto out;
	}
	if (key_from_pkey(pk, sec, k) == -1) {
		err_set(errp, "%s: cannot read the X25519 key (OpenSSL)", what);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(pk);
	return rc;
}

int
seal_key_load(const char *path, struct seal_key *k, char **errp)
{
	char	*buf = NULL;
	size_t	 len;
	int	 rc;

	if (read_file(path, 64 * 1024, &buf, &len, errp) == -1)
		return -1;
	rc = seal_key_parse(buf, len, path, k, errp);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return rc;
}

static void
keyid_raw(const uint8_t pub[SEAL_KEYLEN], uint8_t id[SEAL_KEYID])
{
	uint8_t	 h[32];

	if (sha256(pub, SEAL_KEYLEN, h) == -1)
		memset(h, 0, sizeof(h));
	memcpy(id, h, SEAL_KEYID);
}

static void
hex(const uint8_t *b, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

void
seal_keyid(const struct seal_key *k, char out[SEAL_KEYID_STRSZ])
{
	uint8_t	 id[SEAL_KEYID];

	keyid_raw(k->pub, id);
	hex(id, SEAL_KEYID, out);
}

/* X25519(sec, peerpub), then HKDF into the AEAD's key and nonce. */
static int
aead_keys(EVP_PKEY *sec, const uint8_t *peerpub,
    const uint8_t enc[SEAL_KEYLEN],
    const uint8_t rpub[SEAL_KEYLEN], const char *context,
    uint8_t out[AEAD_KEY + AEAD_NONCE])
{
	EVP_PKEY	*peer = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	uint8_t		 shared[SEAL_KEYLEN];
	uint8_t		 info[sizeof(LABEL_AEAD) + 3 * 32];
	size_t		 n = sizeof(shared);
	int		 rc = -1;

	/* enc when opening (the sender's), rpub when sealing. */
	if ((peer = pkey_pub(peerpub)) == NULL)
		return -1;
	memcpy(info, LABEL_AEAD, sizeof(LABEL_AEAD));
	memcpy(info + sizeof(LABEL_AEAD), enc, SEAL_KEYLEN);
	memcpy(info + sizeof(LABEL_AEAD) + 32, rpub, SEAL_KEYLEN);
	if (sha256(context, strlen(context), info + sizeof(LABEL_AEAD) +
	    64) == -1)
		goto out;
	/* OpenSSL refuses an all-zero shared secret (a low-order point). */
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, sec, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, shared, &n) != 1 || n != sizeof(shared))
		goto out;
	if (hkdf((const uint8_t *)LABEL_AEAD, sizeof(LABEL_AEAD) - 1, shared,
	    n, info, sizeof(info), out, AEAD_KEY + AEAD_NONCE) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(shared, sizeof(shared));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}

/*
 * ChaCha20-Poly1305 over in (len bytes) into out with aad; enc: encrypt
 * and write the tag at tag, else decrypt and check the tag there.
 */
static int
aead(int encrypt, const uint8_t km[AEAD_KEY + AEAD_NONCE],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t tag[SEAL_TAG])
{
	EVP_CIPHER_CTX	*ctx;
	int		 n, rc = -1;

	if (len > SEAL_MAX || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, km,
	    km + AEAD_KEY, encrypt) != 1 ||
	    (!encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG,
	    SEAL_TAG, tag) != 1) ||
	    EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    (len > 0 && EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1) ||
	    EVP_CipherFinal_ex(ctx, out + len, &n) != 1 ||
	    (encrypt && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG,
	    SEAL_TAG, tag) != 1))
		goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
seal_box(const struct seal_key *k, const char *context, const uint8_t *pt,
    size_t ptlen, uint8_t **outp, size_t *outlenp, char **errp)
{
	EVP_PKEY	*eph = NULL;
	struct seal_key	 e;
	uint8_t		*out = NULL, esec[SEAL_KEYLEN];
	uint8_t		 km[AEAD_KEY + AEAD_NONCE];
	uint8_t		 info[sizeof(LABEL_EPH) + 32];
	int		 rc = -1;

	*outp = NULL;
	*outlenp = 0;
	memset(&e, 0, sizeof(e));
	if (ptlen > SEAL_MAX)
		return err_set(errp, "cannot seal more than %d bytes",
		    SEAL_MAX);
	memcpy(info, LABEL_EPH, sizeof(LABEL_EPH));
	if (sha256(context, strlen(context), info + sizeof(LABEL_EPH)) ==
	    -1 || hkdf(k->pub, SEAL_KEYLEN, pt, ptlen, info, sizeof(info), esec,
	    sizeof(esec)) == -1 || (eph = pkey_sec(esec)) == NULL ||
	    key_from_pkey(eph, 0, &e) == -1 ||
	    aead_keys(eph, k->pub, e.pub, k->pub, context, km) == -1) {
		err_set(errp, "cannot seal: key agreement failed (OpenSSL)");
		goto out;
	}
	if ((out = malloc(ptlen + SEAL_OVERHEAD)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	memcpy(out, SEAL_MAGIC, 8);
	out[8] = SEAL_VERSION;
	keyid_raw(k->pub, out + 9);
	memcpy(out + 9 + SEAL_KEYID, e.pub, SEAL_KEYLEN);
	if (aead(1, km, out, SEAL_HEADER, pt, ptlen, out + SEAL_HEADER,
	    out + SEAL_HEADER + ptlen) == -1) {
		err_set(errp, "cannot seal: encryption failed (OpenSSL)");
		goto out;
	}
	*outp = out;
	*outlenp = ptlen + SEAL_OVERHEAD;
	out = NULL;	/* transferred */
	rc = 0;
out:
	OPENSSL_cleanse(esec, sizeof(esec));
	OPENSSL_cleanse(km, sizeof(km));
	EVP_PKEY_free(eph);
	free(out);
	return rc;
}

int
seal_open(const struct seal_key *k, const char *context, const uint8_t *in,
    size_t inlen, uint8_t **ptp, size_t *ptlenp, char **errp)
{
	EVP_PKEY	*sec = NULL;
	uint8_t		*pt = NULL, id[SEAL_KEYID];
	uint8_t		 km[AEAD_KEY + AEAD_NONCE], tag[SEAL_TAG];
	char		 want[SEAL_KEYID_STRSZ], have[SEAL_KEYID_STRSZ];
	size_t		 len;
	int		 rc = -1;

	*ptp = NULL;
	*ptlenp = 0;
	if (!k->has_sec)
		return err_set(errp, "opening a sealed box needs the private "
		    "site key, not the public one");
	if (inlen < SEAL_OVERHEAD || memcmp(in, SEAL_MAGIC, 8) != 0)
		return err_set(errp, "not a sealed box (bad header or "
		    "truncated)");
	if (in[8] != SEAL_VERSION)
		return err_set(errp, "sealed box version %u: this program "
		    "reads version %d", in[8], SEAL_VERSION);
	len = inlen - SEAL_OVERHEAD;
	if (len > SEAL_MAX)
		return err_set(errp, "sealed box too large");
	keyid_raw(k->pub, id);
	if (memcmp(id, in + 9, SEAL_KEYID) != 0) {
		hex(in + 9, SEAL_KEYID, want);
		hex(id, SEAL_KEYID, have);
		return err_set(errp, "sealed to site key %s, but this site "
		    "key is %s: install the site key the bundle was "
		    "generated for", want, have);
	}
	if ((sec = pkey_sec(k->sec)) == NULL || aead_keys(sec,
	    in + 9 + SEAL_KEYID, in + 9 + SEAL_KEYID, k->pub, context, km) == -1) {
		err_set(errp, "cannot open the sealed box: key agreement "
		    "failed (a damaged box)");
		goto out;
	}
	if ((pt = malloc(len + 1)) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	memcpy(tag, in + SEAL_HEADER + len, SEAL_TAG);
	if (aead(0, km, in, SEAL_HEADER, in + SEAL_HEADER, len, pt, tag) ==
	    -1) {
		OPENSSL_cleanse(pt, len + 1);
		err_set(errp, "the sealed box does not authenticate: it was "
		    "altered, or sealed for another cluster, config or role");
		goto out;
	}
	pt[len] = '\0';
	*ptp = pt;
	*ptlenp = len;
	pt = NULL;	/* transferred */
	rc = 0;
out:
	OPENSSL_cleanse(km, sizeof(km));
	EVP_PKEY_free(sec);
	free(pt);
	return rc;
}
