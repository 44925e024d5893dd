/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What mirror and fsck both need to know about a store: which blobs its
 * manifests reach, which keys it must be signed with, and which of its
 * paths are safe to use.
 */
#include <config.h>

#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicio.h"
#include "digest.h"
#include "error.h"
#include "manifest.h"
#include "minisign.h"
#include "mirror.h"
#include "store.h"

int
keyring_pin(struct keyring *kr, const char *path, char **errp)
{
	keyring_clear(kr);
	if ((kr->keys = calloc(1, sizeof(*kr->keys))) == NULL)
		return err_set(errp, "out of memory");
	if (minisign_pubkey_load(path, &kr->keys[0], errp) == -1) {
		keyring_clear(kr);
		return -1;
	}
	kr->n = 1;
	kr->pinned = 1;
	return 0;
}

int
keyring_add(struct keyring *kr, const struct minisign_pubkey *k, size_t n,
    char **errp)
{
	struct minisign_pubkey	*nk;
	size_t			 i, j;

	if (kr->pinned)
		return 0;
	for (i = 0; i < n; i++) {
		for (j = 0; j < kr->n; j++)
			if (memcmp(&kr->keys[j], &k[i], sizeof(*k)) == 0)
				break;
		if (j < kr->n)
			continue;
		if ((nk = reallocarray(kr->keys, kr->n + 1,
		    sizeof(*nk))) == NULL)
			return err_set(errp, "out of memory");
		kr->keys = nk;
		kr->keys[kr->n++] = k[i];
	}
	return 0;
}

void
keyring_clear(struct keyring *kr)
{
	free(kr->keys);
	kr->keys = NULL;
	kr->n = 0;
	kr->pinned = 0;
}

/* Parses sigtext and finds its key in kr.  0 with *sigp and *pkp, or -1. */
static int
sig_key(const struct keyring *kr, const char *sigtext, size_t siglen,
    struct minisign_sig **sigp, const struct minisign_pubkey **pkp,
    char **errp)
{
	char	 id[MINISIGN_KEYID_STRSZ];
	size_t	 i;

	if (minisign_sig_parse(sigtext, siglen, sigp, errp) == -1)
		return -1;
	for (i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].keynum, (*sigp)->keynum,
		    MINISIGN_KEYNUM_LEN) == 0) {
			*pkp = &kr->keys[i];
			return 0;
		}
	minisign_keyid((*sigp)->keynum, id);
	err_set(errp, "signed with key %s, which is not %s", id,
	    kr->pinned ? "the --trusted-key" : "among the cluster "
	    "manifest's trusted keys");
	minisign_sig_free(*sigp);
	*sigp = NULL;
	return -1;
}

int
sig_check(const struct keyring *kr, const char *sigtext, size_t siglen,
    const char *path, const struct digest *d, const uint8_t *hash,
    int64_t seq, char **errp)
{
	struct minisign_sig		*sig = NULL;
	const struct minisign_pubkey	*pk;
	uint8_t				 h[MINISIGN_HASH_LEN];
	int				 fd, rc = -1;

	if (sig_key(kr, sigtext, siglen, &sig, &pk, errp) == -1)
		return -1;
	if (!sig->prehashed) {
		/* Legacy "Ed" signs the whole file: it takes a read. */
		if (minisign_verify_file(pk, sig, path, errp) == -1)
			goto out;
	} else {
		if (hash == NULL) {
			/* Not a bare open(): a FIFO would block it. */
			if ((fd = open_regular(path, errp)) == -1)
				goto out;
			rc = minisign_prehash_fd(fd, h, NULL, errp);
			close(fd);
			if (rc == -1)
				goto out;
			rc = -1;
			hash = h;
		}
		if (minisign_verify_prehashed(pk, sig, hash, errp) == -1)
			goto out;
	}
	rc = minisign_tc_check(sig, NULL, d, seq > 0 ? &seq : NULL, 0, errp);
out:
	minisign_sig_free(sig);
	return rc;
}

int
sig_check_buf(const struct keyring *kr, const char *sigtext, size_t siglen,
    const void *buf, size_t len, const struct digest *d, int64_t seq,
    char **errp)
{
	struct minisign_sig		*sig = NULL;
	const struct minisign_pubkey	*pk;
	int				 rc = -1;

	if (sig_key(kr, sigtext, siglen, &sig, &pk, errp) == -1)
		return -1;
	if (minisign_verify_buf(pk, sig, buf, len, errp) == 0)
		rc = minisign_tc_check(sig, NULL, d, seq > 0 ? &seq : NULL, 0,
		    errp);
	minisign_sig_free(sig);
	return rc;
}

int
index_paths_check(const struct store_index *x, char **errp)
{
	/* Release paths: store_index_parse holds them to one rule. */
	if (strcmp(x->install_script, STORE_INSTALL_SCRIPT) != 0)
		return err_set(errp, "index.json: install_script.path is '%s', "
		    "not '%s'", x->install_script, STORE_INSTALL_SCRIPT);
	return 0;
}
