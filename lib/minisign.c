/* SPDX-License-Identifier: Apache-2.0 */
#include <config.h>

#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "atomicio.h"
#include "base64.h"
#include "digest.h"
#include "error.h"
#include "minisign.h"

#define UNTRUSTED_PREFIX	"untrusted comment: "
#define TRUSTED_PREFIX		"trusted comment: "
#define MAX_LINES		4

void
minisign_keyid(const uint8_t keynum[MINISIGN_KEYNUM_LEN],
    char out[MINISIGN_KEYID_STRSZ])
{
	int	 i;

	/* minisign prints the key number as a little-endian 64-bit value. */
	for (i = 0; i < MINISIGN_KEYNUM_LEN; i++)
		snprintf(out + 2 * i, 3, "%02X",
		    keynum[MINISIGN_KEYNUM_LEN - 1 - i]);
}

/*
 * Splits text into at most MAX_LINES lines (trailing CR removed); blank
 * lines after the last one are ignored.  Returns the count or -1.
 */
static int
split_lines(char *text, char *lines[MAX_LINES])
{
	char	*p = text, *nl;
	int	 n = 0;
	size_t	 len;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		len = strlen(p);
		if (len > 0 && p[len - 1] == '\r')
			p[len - 1] = '\0';
		if (*p != '\0') {
			if (n == MAX_LINES)
				return -1;
			lines[n++] = p;
		} else if (nl != NULL && n > 0 && nl[1] != '\0' &&
		    nl[1] != '\n' && nl[1] != '\r') {
			return -1;	/* a blank line between lines */
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return n;
}

static int
decode_exact(const char *line, uint8_t *out, size_t want)
{
	return base64_decode(line, strlen(line), out, want) == (long)want ?
	    0 : -1;
}

int
minisign_pubkey_parse(const char *text, struct minisign_pubkey *pk,
    char **errp)
{
	char	*copy, *lines[MAX_LINES], *b64;
	uint8_t	 raw[2 + MINISIGN_KEYNUM_LEN + MINISIGN_PK_LEN];
	int	 n, rc = -1;

	memset(pk, 0, sizeof(*pk));

	if ((copy = strdup(text)) == NULL)
		return err_set(errp, "out of memory");
	n = split_lines(copy, lines);
	if (n == 1)
		b64 = lines[0];
	else if (n == 2 && strncmp(lines[0], UNTRUSTED_PREFIX,
	    strlen(UNTRUSTED_PREFIX)) == 0)
		b64 = lines[1];
	else {
		err_set(errp, "not a minisign public key "
		    "(expected an \"untrusted comment:\" line and a base64 line)");
		goto out;
	}
	if (decode_exact(b64, raw, sizeof(raw)) == -1) {
		err_set(errp, "malformed public key: not %zu bytes of base64",
		    sizeof(raw));
		goto out;
	}
	if (raw[0] != 'E' || raw[1] != 'd') {
		err_set(errp, "unsupported public key algorithm (want Ed25519)");
		goto out;
	}
	memcpy(pk->keynum, raw + 2, MINISIGN_KEYNUM_LEN);
	memcpy(pk->pk, raw + 2 + MINISIGN_KEYNUM_LEN, MINISIGN_PK_LEN);
	rc = 0;
out:
	free(copy);
	return rc;
}

int
minisign_pubkey_load(const char *path, struct minisign_pubkey *pk,
    char **errp)
{
	char	*text;
	int	 rc;

	if (read_file(path, MINISIGN_FILE_MAX, &text, NULL, errp) == -1)
		return -1;
	rc = minisign_pubkey_parse(text, pk, errp);
	free(text);
	if (rc == -1)
		err_wrap(errp, "%s", path);
	return rc;
}

char *
minisign_pubkey_format(const struct minisign_pubkey *pk)
{
	uint8_t	 raw[2 + MINISIGN_KEYNUM_LEN + MINISIGN_PK_LEN];
	char	 b64[BASE64_LEN(sizeof(raw)) + 1], id[MINISIGN_KEYID_STRSZ];
	char	*out;

	raw[0] = 'E';
	raw[1] = 'd';
	memcpy(raw + 2, pk->keynum, MINISIGN_KEYNUM_LEN);
	memcpy(raw + 2 + MINISIGN_KEYNUM_LEN, pk->pk, MINISIGN_PK_LEN);
	base64_encode(raw, sizeof(raw), b64);
	minisign_keyid(pk->keynum, id);
	if (asprintf(&out, UNTRUSTED_PREFIX "minisign public key %s\n%s\n",
	    id, b64) == -1)
		return NULL;
	return out;
}

void
minisign_sig_free(struct minisign_sig *sig)
{
	if (sig == NULL)
		return;
	free(sig->untrusted_comment);
	free(sig->trusted_comment);
	free(sig);
}

static int
comment_after(const char *line, const char *prefix, char **outp,
    char **errp)
{
	size_t	 plen = strlen(prefix);

	*outp = NULL;

	if (strncmp(line, prefix, plen) != 0)
		return err_set(errp, "missing \"%s\" line", prefix);
	if (strlen(line + plen) > MINISIGN_COMMENT_MAX)
		return err_set(errp, "%s longer than %d bytes", prefix,
		    MINISIGN_COMMENT_MAX);
	if ((*outp = strdup(line + plen)) == NULL)
		return err_set(errp, "out of memory");
	return 0;
}

static int
sig_parse_lines(char *lines[MAX_LINES], struct minisign_sig *sig,
    char **errp)
{
	uint8_t	 raw[2 + MINISIGN_KEYNUM_LEN + MINISIGN_SIG_LEN];

	if (comment_after(lines[0], UNTRUSTED_PREFIX, &sig->untrusted_comment,
	    errp) == -1)
		return -1;
	if (decode_exact(lines[1], raw, sizeof(raw)) == -1)
		return err_set(errp, "malformed signature line: not %zu bytes "
		    "of base64", sizeof(raw));
	if (raw[0] == 'E' && raw[1] == 'D')
		sig->prehashed = 1;
	else if (raw[0] == 'E' && raw[1] == 'd')
		sig->prehashed = 0;
	else
		return err_set(errp, "unsupported signature algorithm");
	memcpy(sig->keynum, raw + 2, MINISIGN_KEYNUM_LEN);
	memcpy(sig->sig, raw + 2 + MINISIGN_KEYNUM_LEN, MINISIGN_SIG_LEN);
	if (comment_after(lines[2], TRUSTED_PREFIX, &sig->trusted_comment,
	    errp) == -1)
		return -1;
	if (decode_exact(lines[3], sig->global_sig, MINISIGN_SIG_LEN) == -1)
		return err_set(errp, "malformed global signature: not %d bytes "
		    "of base64", MINISIGN_SIG_LEN);
	return 0;
}

int
minisign_sig_parse(const char *text, size_t len, struct minisign_sig **sigp,
    char **errp)
{
	struct minisign_sig	*sig = NULL;
	char			*copy = NULL, *lines[MAX_LINES];
	int			 n, rc = -1;

	*sigp = NULL;

	if (len > MINISIGN_FILE_MAX || memchr(text, '\0', len) != NULL)
		return err_set(errp, "not a minisign signature "
		    "(too large or binary)");
	if ((copy = strndup(text, len)) == NULL ||
	    (sig = calloc(1, sizeof(*sig))) == NULL) {
		err_set(errp, "out of memory");
		goto out;
	}
	if ((n = split_lines(copy, lines)) != MAX_LINES) {
		err_set(errp, "not a minisign signature (want 4 lines, "
		    "found %s)", n == -1 ? "more" : n < 4 ? "fewer" : "more");
		goto out;
	}
	if (sig_parse_lines(lines, sig, errp) == -1)
		goto out;
	*sigp = sig;
	sig = NULL;	/* transferred */
	rc = 0;
out:
	minisign_sig_free(sig);
	free(copy);
	return rc;
}

int
minisign_sig_load(const char *path, struct minisign_sig **sigp, char **errp)
{
	char	*text;
	size_t	 len;
	int	 rc;

	*sigp = NULL;

	if (read_file(path, MINISIGN_FILE_MAX, &text, &len, errp) == -1)
		return -1;
	rc = minisign_sig_parse(text, len, sigp, errp);
	free(text);
	if (rc == -1)
		err_wrap(errp, "%s", path);
	return rc;
}

static int
ed25519_verify(const uint8_t pk[MINISIGN_PK_LEN],
    const uint8_t sig[MINISIGN_SIG_LEN], const void *msg, size_t len)
{
	EVP_PKEY	*key;
	EVP_MD_CTX	*ctx = NULL;
	int		 ok = 0;

	key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk,
	    MINISIGN_PK_LEN);
	if (key == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1 &&
	    EVP_DigestVerify(ctx, sig, MINISIGN_SIG_LEN, msg, len) == 1)
		ok = 1;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(key);
	return ok;
}

/* Checks the key id and the global signature over the trusted comment. */
static int
verify_common(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, char **errp)
{
	char	 want[MINISIGN_KEYID_STRSZ], got[MINISIGN_KEYID_STRSZ];
	uint8_t	*msg;
	size_t	 tclen = strlen(sig->trusted_comment);
	int	 ok;

	if (memcmp(pk->keynum, sig->keynum, MINISIGN_KEYNUM_LEN) != 0) {
		minisign_keyid(sig->keynum, got);
		minisign_keyid(pk->keynum, want);
		return err_set(errp, "signed with key %s, not with the trusted "
		    "key %s", got, want);
	}
	if ((msg = malloc(MINISIGN_SIG_LEN + tclen)) == NULL)
		return err_set(errp, "out of memory");
	memcpy(msg, sig->sig, MINISIGN_SIG_LEN);
	memcpy(msg + MINISIGN_SIG_LEN, sig->trusted_comment, tclen);
	ok = ed25519_verify(pk->pk, sig->global_sig, msg,
	    MINISIGN_SIG_LEN + tclen);
	free(msg);
	if (!ok)
		return err_set(errp, "the trusted comment does not match its "
		    "signature (it was changed after signing)");
	return 0;
}

int
minisign_verify_prehashed(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, const uint8_t hash[MINISIGN_HASH_LEN],
    char **errp)
{
	if (!sig->prehashed)
		return err_set(errp, "legacy signature where a prehashed one "
		    "was expected");
	if (memcmp(pk->keynum, sig->keynum, MINISIGN_KEYNUM_LEN) == 0 &&
	    !ed25519_verify(pk->pk, sig->sig, hash, MINISIGN_HASH_LEN))
		return err_set(errp, "signature does not match the file "
		    "(the file was changed or signed by another key)");
	return verify_common(pk, sig, errp);
}

struct prehash {
	EVP_MD_CTX	*ctx;
	struct sha256	*also;
};

static void
prehash_feed(void *arg, const void *buf, size_t len)
{
	struct prehash	*ph = arg;

	EVP_DigestUpdate(ph->ctx, buf, len);
	if (ph->also != NULL)
		sha256_update(ph->also, buf, len);
}

int
minisign_prehash_fd(int fd, uint8_t out[MINISIGN_HASH_LEN],
    struct sha256 *also, char **errp)
{
	struct prehash	 ph = { EVP_MD_CTX_new(), also };
	int		 rc = -1;

	if (ph.ctx == NULL ||
	    EVP_DigestInit_ex(ph.ctx, EVP_blake2b512(), NULL) != 1) {
		err_set(errp, "out of memory");
		goto out;
	}
	if (fd_stream(fd, prehash_feed, &ph, NULL, errp) == -1)
		goto out;
	if (EVP_DigestFinal_ex(ph.ctx, out, NULL) != 1) {
		err_set(errp, "BLAKE2b failed");
		goto out;
	}
	rc = 0;
out:
	EVP_MD_CTX_free(ph.ctx);
	return rc;
}

/* Legacy "Ed": Ed25519 over the whole file, mapped read-only. */
static int
verify_legacy_fd(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, int fd, char **errp)
{
	struct stat	 st;
	void		*map = NULL;
	int		 ok;

	if (fstat(fd, &st) == -1)
		return err_sys(errp, "stat");
	if (st.st_size > 0 && (map = mmap(NULL, (size_t)st.st_size, PROT_READ,
	    MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		return err_sys(errp, "mmap");
	ok = ed25519_verify(pk->pk, sig->sig, map != NULL ? map : "",
	    (size_t)st.st_size);
	if (map != NULL)
		munmap(map, (size_t)st.st_size);
	if (!ok)
		return err_set(errp, "signature does not match the file "
		    "(the file was changed or signed by another key)");
	return 0;
}

int
minisign_prehash_buf(const void *buf, size_t len,
    uint8_t out[MINISIGN_HASH_LEN], char **errp)
{
	unsigned int	 n = MINISIGN_HASH_LEN;

	if (EVP_Digest(buf, len, out, &n, EVP_blake2b512(), NULL) != 1 ||
	    n != MINISIGN_HASH_LEN)
		return err_set(errp, "BLAKE2b-512 failed");
	return 0;
}

int
minisign_verify_buf(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, const void *buf, size_t len,
    char **errp)
{
	uint8_t	 hash[MINISIGN_HASH_LEN];

	if (memcmp(pk->keynum, sig->keynum, MINISIGN_KEYNUM_LEN) != 0)
		return verify_common(pk, sig, errp);
	if (!sig->prehashed) {
		if (!ed25519_verify(pk->pk, sig->sig, len > 0 ? buf : "", len))
			return err_set(errp, "signature does not match the "
			    "file (the file was changed or signed by another "
			    "key)");
		return verify_common(pk, sig, errp);
	}
	if (minisign_prehash_buf(buf, len, hash, errp) == -1)
		return -1;
	return minisign_verify_prehashed(pk, sig, hash, errp);
}

int
minisign_verify_fd(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, int fd, char **errp)
{
	uint8_t	 hash[MINISIGN_HASH_LEN];

	if (memcmp(pk->keynum, sig->keynum, MINISIGN_KEYNUM_LEN) != 0)
		return verify_common(pk, sig, errp);
	if (!sig->prehashed) {
		if (verify_legacy_fd(pk, sig, fd, errp) == -1)
			return -1;
		return verify_common(pk, sig, errp);
	}
	if (minisign_prehash_fd(fd, hash, NULL, errp) == -1)
		return -1;
	return minisign_verify_prehashed(pk, sig, hash, errp);
}

int
minisign_verify_file(const struct minisign_pubkey *pk,
    const struct minisign_sig *sig, const char *path, char **errp)
{
	int	 fd, rc;

	/* A FIFO must not block the open or the reads. */
	if ((fd = open_regular(path, errp)) == -1)
		return -1;
	rc = minisign_verify_fd(pk, sig, fd, errp);
	close(fd);
	if (rc == -1)
		err_wrap(errp, "%s", path);
	return rc;
}

/* Longest field value quoted in a message: the comment is not ours. */
#define TC_QUOTE	80

/*
 * Finds field "name:" in the tab-separated trusted comment tc: 1 with
 * *vp and *lenp (not NUL-terminated) when it is there once and not empty,
 * 0 when absent, -1 with *errp when it is there twice or empty.
 */
static int
tc_find(const char *tc, const char *name, const char **vp, size_t *lenp,
    char **errp)
{
	size_t		 nlen = strlen(name), flen;
	const char	*p;
	int		 found = 0;

	for (p = tc; ; p += flen + 1) {
		flen = strcspn(p, "\t");
		if (flen > nlen && strncmp(p, name, nlen) == 0 &&
		    p[nlen] == ':') {
			if (flen == nlen + 1)
				return err_set(errp, "the trusted comment's "
				    "%s: field is empty", name);
			if (found++)
				return err_set(errp, "the trusted comment has "
				    "more than one %s: field", name);
			*vp = p + nlen + 1;
			*lenp = flen - nlen - 1;
		}
		if (p[flen] == '\0')
			break;
	}
	return found;
}

/* Parses a decimal seq: digits only, no sign, no blanks.  0 or -1. */
static int
tc_seq(const char *v, size_t len, int64_t *seqp)
{
	int64_t	 n = 0;
	size_t	 i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	*seqp = n;
	return 0;
}

int
minisign_tc_check(const struct minisign_sig *sig, const char *file,
    const struct digest *sha256, const int64_t *seq, int optional,
    char **errp)
{
	static const struct {
		const char	*name;
		int		 bit;
	} fields[] = {
		{ "file", MINISIGN_TC_FILE },
		{ "sha256", MINISIGN_TC_SHA256 },
		{ "seq", MINISIGN_TC_SEQ },
	};
	struct digest	 d;
	const char	*v;
	char		 hex[DIGEST_HEXLEN + 1], buf[DIGEST_HEXLEN + 1];
	size_t		 i, len;
	int64_t		 n;
	int		 r;

	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if ((fields[i].bit == MINISIGN_TC_FILE && file == NULL) ||
		    (fields[i].bit == MINISIGN_TC_SHA256 && sha256 == NULL) ||
		    (fields[i].bit == MINISIGN_TC_SEQ && seq == NULL))
			continue;
		if ((r = tc_find(sig->trusted_comment, fields[i].name, &v,
		    &len, errp)) == -1)
			return -1;
		if (r == 0) {
			if (optional & fields[i].bit)
				continue;
			return err_set(errp, "the trusted comment has no %s: "
			    "field", fields[i].name);
		}
		switch (fields[i].bit) {
		case MINISIGN_TC_FILE:
			if (len == strlen(file) && memcmp(v, file, len) == 0)
				continue;
			return err_set(errp, "the trusted comment says "
			    "file:%.*s, not file:%s", (int)(len < TC_QUOTE ?
			    len : TC_QUOTE), v, file);
		case MINISIGN_TC_SHA256:
			digest_hex(sha256, hex);
			if (len == DIGEST_HEXLEN) {
				memcpy(buf, v, len);
				buf[len] = '\0';
				if (digest_parse_hex(buf, &d) == 0 &&
				    digest_equal(&d, sha256))
					continue;
			}
			return err_set(errp, "the trusted comment says "
			    "sha256:%.*s, not sha256:%s (the digest of this "
			    "content)", (int)(len < TC_QUOTE ? len : TC_QUOTE),
			    v, hex);
		default:
			if (tc_seq(v, len, &n) == 0 && n == *seq)
				continue;
			return err_set(errp, "the trusted comment says "
			    "seq:%.*s, not seq:%" PRId64, (int)(len < TC_QUOTE ?
			    len : TC_QUOTE), v, *seq);
		}
	}
	return 0;
}

int
minisign_tc_sha256(const struct minisign_sig *sig, struct digest *out,
    char **errp)
{
	const char	*v;
	char		 buf[DIGEST_HEXLEN + 1];
	size_t		 len;
	int		 r;

	if ((r = tc_find(sig->trusted_comment, "sha256", &v, &len, errp)) != 1)
		return r;
	if (len == DIGEST_HEXLEN) {
		memcpy(buf, v, len);
		buf[len] = '\0';
		if (digest_parse_hex(buf, out) == 0)
			return 1;
	}
	return err_set(errp, "the trusted comment's sha256:%.*s is not %d hex "
	    "digits", (int)(len < TC_QUOTE ? len : TC_QUOTE), v, DIGEST_HEXLEN);
}
